//! Currencies after the pledge (issue 17, item 7): the Administrative Agent's table of exchange
//! rates, and what an agreement in another currency still owes, valued at the latest rate next to
//! its value at the pledge's own rate.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use entity::portfolio_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const VALUE: &str = "outstanding { amount currency } outstandingUsd outstandingUsdAtPledge revaluationUsd valuationRate { currency unitsPerUsd effectiveOn }";

async fn rate(app: &TestApp, token: &str, currency: &str, units: &str, on: &str) -> Value {
    command(
        app,
        token,
        "recordExchangeRate",
        "exchangeRate { id currency unitsPerUsd effectiveOn source recordedBy }",
        json!({"currency": currency, "unitsPerUsd": units, "effectiveOn": on, "source": "UN operational rate of exchange"}),
    )
    .await
}

async fn value(app: &TestApp, token: &str, contribution: &str) -> Value {
    let query =
        format!("query($id: ID!) {{ node(id: $id) {{ ... on Contribution {{ {VALUE} }} }} }}");
    app.data(Some(token), &query, json!({"id": contribution}))
        .await["node"]
        .clone()
}

#[track_caller]
fn refused(payload: &Value, code: &str, field: &str) {
    assert_eq!(payload["exchangeRate"], Value::Null, "{payload:#}");
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(["input", field]), "{payload:#}");
}

on_both!(
    async fn what_an_agreement_still_owes_follows_the_latest_rate(app: TestApp) {
        let admin = app.admin();
        let donor = create_donor(&app, "Rates donor").await;
        // EUR 1,000,000 pledged at 0.8 per USD (USD 1,250,000), EUR 400,000 received.
        let euros = agreement(
            &app,
            &donor,
            "FX-EUR",
            ("EUR", "1000000.00", "0.8"),
            Some("400000.00"),
        )
        .await;
        let dollars = agreement(
            &app,
            &donor,
            "FX-USD",
            ("USD", "500000.00", "1"),
            Some("100000.00"),
        )
        .await;

        // No rate recorded yet: valued at the agreement's own rate.
        let before = value(&app, &admin, &euros).await;
        assert_eq!(
            before["outstanding"],
            json!({"amount": "600000.00", "currency": "EUR"})
        );
        assert_eq!(before["outstandingUsd"], "750000.00");
        assert_eq!(before["outstandingUsdAtPledge"], "750000.00");
        assert_eq!(before["revaluationUsd"], "0.00");
        assert_eq!(before["valuationRate"], Value::Null);

        // The euro weakens: 0.9 per USD from June. 600,000 / 0.9 = 666,666.666… → .67.
        let june = rate(&app, &admin, "EUR", "0.90", "2021-06-01").await;
        assert_eq!(june["userErrors"], json!([]), "{june}");
        assert_eq!(june["exchangeRate"]["unitsPerUsd"], "0.9");
        assert_eq!(june["exchangeRate"]["recordedBy"], "user:admin");
        let weaker = value(&app, &admin, &euros).await;
        assert_eq!(weaker["outstandingUsd"], "666666.67");
        assert_eq!(weaker["outstandingUsdAtPledge"], "750000.00");
        assert_eq!(weaker["revaluationUsd"], "-83333.33");
        assert_eq!(
            weaker["valuationRate"],
            json!({"currency": "EUR", "unitsPerUsd": "0.9", "effectiveOn": "2021-06-01"})
        );

        // A later rate replaces it; one recorded afterwards for an earlier day does not.
        assert_eq!(
            rate(&app, &admin, "EUR", "0.75", "2021-09-01").await["userErrors"],
            json!([])
        );
        assert_eq!(
            rate(&app, &admin, "EUR", "0.95", "2021-01-01").await["userErrors"],
            json!([])
        );
        let stronger = value(&app, &admin, &euros).await;
        assert_eq!(stronger["outstandingUsd"], "800000.00");
        assert_eq!(stronger["revaluationUsd"], "50000.00");
        assert_eq!(stronger["valuationRate"]["effectiveOn"], "2021-09-01");

        // An agreement in dollars is worth its amount, whatever the rates.
        let usd = value(&app, &admin, &dollars).await;
        assert_eq!(usd["outstandingUsd"], "400000.00");
        assert_eq!(usd["outstandingUsdAtPledge"], "400000.00");
        assert_eq!(usd["revaluationUsd"], "0.00");
        assert_eq!(usd["valuationRate"], Value::Null);

        // The donor reads its own agreement's value; another donor is refused it.
        let donor_id = row_id(&json!(donor));
        let own = app.donor_token(donor_id, "user:rates-donor");
        assert_eq!(
            value(&app, &own, &euros).await["outstandingUsd"],
            "800000.00"
        );
        let stranger = create_donor(&app, "Another rates donor").await;
        let other = app.donor_token(row_id(&json!(stranger)), "user:someone-else");
        let query =
            format!("query($id: ID!) {{ node(id: $id) {{ ... on Contribution {{ {VALUE} }} }} }}");
        assert_eq!(
            app.error_code(Some(&other), &query, json!({"id": euros}))
                .await,
            "FORBIDDEN"
        );

        // Every token reads the table, newest first; a currency's own rates on asking.
        let puno = app.puno_token(1, "user:puno");
        let table = app
            .data(
                Some(&puno),
                "{ exchangeRates { totalCount nodes { currency unitsPerUsd effectiveOn } } }",
                json!({}),
            )
            .await;
        assert_eq!(table["exchangeRates"]["totalCount"], 3);
        let days: Vec<&str> = table["exchangeRates"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["effectiveOn"].as_str().unwrap())
            .collect();
        assert_eq!(days, ["2021-09-01", "2021-06-01", "2021-01-01"]);
        let none = app
            .data(
                Some(&puno),
                "{ exchangeRates(currency: \"GBP\") { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(none["exchangeRates"]["totalCount"], 0);
        assert_eq!(
            app.error_code(None, "{ exchangeRates { totalCount } }", json!({}))
                .await,
            "UNAUTHENTICATED"
        );
        // A rate is a node.
        let id = june["exchangeRate"]["id"].clone();
        let node = app
            .data(
                Some(&puno),
                "query($id: ID!) { node(id: $id) { ... on ExchangeRate { currency source } } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            node["node"],
            json!({"currency": "EUR", "source": "UN operational rate of exchange"})
        );
    }
);

on_both!(
    async fn values_are_rounded_half_even_to_the_cent(app: TestApp) {
        let admin = app.admin();
        let donor = create_donor(&app, "Rounding donor").await;
        // EUR 0.01 and EUR 0.03 outstanding at 2 per USD: USD 0.005 and 0.015, halfway cases.
        let one = agreement(
            &app,
            &donor,
            "FX-R1",
            ("EUR", "100.01", "2"),
            Some("100.00"),
        )
        .await;
        let three = agreement(
            &app,
            &donor,
            "FX-R3",
            ("EUR", "100.03", "2"),
            Some("100.00"),
        )
        .await;
        assert_eq!(
            rate(&app, &admin, "EUR", "2", "2021-06-01").await["userErrors"],
            json!([])
        );
        assert_eq!(value(&app, &admin, &one).await["outstandingUsd"], "0.00");
        assert_eq!(value(&app, &admin, &three).await["outstandingUsd"], "0.02");
    }
);

on_both!(
    async fn rates_are_the_agents_and_never_rewritten(app: TestApp) {
        let admin = app.admin();
        let audits = audit_count(&app).await;
        let first = rate(&app, &admin, "NOK", "8.83", "2021-12-01").await;
        assert_eq!(first["userErrors"], json!([]), "{first}");
        assert_eq!(audit_count(&app).await, audits + 1);
        let events = portfolio_event::Entity::find()
            .filter(portfolio_event::Column::Kind.eq("EXCHANGE_RATE"))
            .all(&app.services.db)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);

        // The same day again is a duplicate: a correction is a rate for a later day.
        refused(
            &rate(&app, &admin, "NOK", "8.90", "2021-12-01").await,
            "DUPLICATE",
            "effectiveOn",
        );
        refused(
            &rate(&app, &admin, "USD", "1", "2021-12-01").await,
            "VALIDATION",
            "currency",
        );
        refused(
            &rate(&app, &admin, "NOK", "0", "2021-12-02").await,
            "VALIDATION",
            "unitsPerUsd",
        );
        refused(
            &rate(&app, &admin, "NOK", "1.00000000001", "2021-12-02").await,
            "VALIDATION",
            "unitsPerUsd",
        );
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        refused(
            &rate(&app, &admin, "NOK", "8.8", &tomorrow).await,
            "VALIDATION",
            "effectiveOn",
        );
        let nameless = command(
            &app,
            &admin,
            "recordExchangeRate",
            "exchangeRate { id }",
            json!({"currency": "NOK", "unitsPerUsd": "8.8", "effectiveOn": "2021-12-03", "source": "  "}),
        )
        .await;
        refused(&nameless, "VALIDATION", "source");
        // Nothing of the refused ones was written or audited.
        assert_eq!(audit_count(&app).await, audits + 1);

        // Only ADMIN records rates.
        for token in [app.committee(), app.puno_token(1, "user:puno")] {
            let response = mutate(
                &app,
                Some(&token),
                "recordExchangeRate",
                "exchangeRate { id }",
                json!({"currency": "NOK", "unitsPerUsd": "8.8", "effectiveOn": "2021-12-05", "source": "x"}),
            )
            .await;
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{response}"
            );
        }
        let table = app
            .data(Some(&admin), "{ exchangeRates { totalCount } }", json!({}))
            .await;
        assert_eq!(table["exchangeRates"]["totalCount"], 1);
    }
);
