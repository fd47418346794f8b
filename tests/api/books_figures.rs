//! Issue 13, items 2, 3 and 7: the Gateway's figures over the ledger. The identities hold to the
//! cent in every scope, the figures agree with the records they rest on, what the committee can
//! still allocate falls with each allocation, and `knownAt` replays exactly what was served.

use crate::fixtures::{self, thematic_area_id};
use crate::helpers::TestApp;
use crate::on_both;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("a decimal: {value}")),
    )
    .unwrap()
}

fn sum(rows: &Value, field: &str) -> Decimal {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| dec(&row[field]))
        .sum()
}

const BOOKS: &str = "
    sourcesAndUses { contributionsUsd fundInterestUsd organizationInterestUsd otherIncomeUsd totalSourcesUsd
        transferredUsd refundsUsd netTransferredUsd agentFeesUsd directCostsUsd bankChargesUsd totalUsesUsd
        balanceWithAgentUsd balanceWithAgentShare }
    fundsWithOrganizations { transferredUsd expenditureUsd refundsUsd balanceUsd balanceShare }
    totalBalanceUsd
    uncommitted { pool { number } balanceWithAgentUsd allocatedNotTransferredUsd uncommittedUsd }
    uncommittedUsd
    byOrganization { organization { acronym } transferredUsd expenditureUsd refundsUsd balanceUsd deliveryRate }
    contributorsByYear { donor { name } year committedUsd depositedUsd }";

/// The books of one scope, read by ADMIN.
async fn books(app: &TestApp, arguments: &str, variables: Value) -> Value {
    let declared: Vec<&str> = [
        ("$area", "$area: ID"),
        ("$asOf", "$asOf: Date"),
        ("$knownAt", "$knownAt: DateTime"),
    ]
    .into_iter()
    .filter(|(name, _)| arguments.contains(name))
    .map(|(_, declaration)| declaration)
    .collect();
    let declared = if declared.is_empty() {
        String::new()
    } else {
        format!("({})", declared.join(", "))
    };
    let query = format!("query{declared} {{ portfolio{arguments} {{ {BOOKS} }} }}");
    app.data(Some(&app.admin()), &query, variables).await["portfolio"].clone()
}

/// Both identities and every part-whole relation of one scope's books.
fn assert_identities(books: &Value, scope: &str) {
    let s = &books["sourcesAndUses"];
    let sources = dec(&s["contributionsUsd"])
        + dec(&s["fundInterestUsd"])
        + dec(&s["organizationInterestUsd"])
        + dec(&s["otherIncomeUsd"]);
    assert_eq!(dec(&s["totalSourcesUsd"]), sources, "{scope}: {s}");
    assert_eq!(
        dec(&s["netTransferredUsd"]),
        dec(&s["transferredUsd"]) - dec(&s["refundsUsd"]),
        "{scope}"
    );
    let uses = dec(&s["netTransferredUsd"])
        + dec(&s["agentFeesUsd"])
        + dec(&s["directCostsUsd"])
        + dec(&s["bankChargesUsd"]);
    assert_eq!(dec(&s["totalUsesUsd"]), uses, "{scope}");
    assert_eq!(
        dec(&s["balanceWithAgentUsd"]),
        sources - uses,
        "{scope}: sources − uses"
    );
    assert!(
        dec(&s["balanceWithAgentUsd"]) >= Decimal::ZERO,
        "{scope}: {s}"
    );
    let o = &books["fundsWithOrganizations"];
    let held = dec(&o["transferredUsd"]) - dec(&o["expenditureUsd"]) - dec(&o["refundsUsd"]);
    assert_eq!(
        dec(&o["balanceUsd"]),
        held,
        "{scope}: transferred − expenditure − refunds"
    );
    assert_eq!(
        dec(&books["totalBalanceUsd"]),
        dec(&s["balanceWithAgentUsd"]) + held,
        "{scope}"
    );
    let pools = &books["uncommitted"];
    assert_eq!(
        sum(pools, "balanceWithAgentUsd"),
        dec(&s["balanceWithAgentUsd"]),
        "{scope}: the pools partition the balance"
    );
    assert_eq!(
        sum(pools, "uncommittedUsd"),
        dec(&books["uncommittedUsd"]),
        "{scope}"
    );
    for pool in pools.as_array().unwrap() {
        let left = dec(&pool["balanceWithAgentUsd"]) - dec(&pool["allocatedNotTransferredUsd"]);
        assert_eq!(dec(&pool["uncommittedUsd"]), left, "{scope}: {pool}");
        assert!(
            dec(&pool["allocatedNotTransferredUsd"]) >= Decimal::ZERO,
            "{scope}: {pool}"
        );
    }
    let organizations = &books["byOrganization"];
    for field in [
        "transferredUsd",
        "expenditureUsd",
        "refundsUsd",
        "balanceUsd",
    ] {
        assert_eq!(
            sum(organizations, field),
            dec(&o[field]),
            "{scope}: byOrganization {field}"
        );
    }
    let donors = &books["contributorsByYear"];
    assert_eq!(
        sum(donors, "depositedUsd"),
        dec(&s["contributionsUsd"]),
        "{scope}: contributors by year"
    );
}

on_both! {
    async fn the_gateway_identities_hold_in_every_scope_of_the_demo(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let whole = books(&app, "", json!({})).await;
        assert_identities(&whole, "the whole fund");
        assert!(dec(&whole["sourcesAndUses"]["transferredUsd"]) > Decimal::ZERO, "{whole}");
        assert_eq!(whole["uncommitted"].as_array().unwrap().len(), 6, "the unearmarked pool and five areas");
        assert!(whole["uncommitted"][0]["pool"].is_null());

        // The books agree with the records they rest on, and the deprecated figure with its
        // replacement.
        let totals = app.data(Some(&app.admin()), "{ portfolio { totals { committedUsd depositedUsd feesUsd transferredUsd expenditureUsd availableUsd } }
            jointProgrammes(first: 100) { nodes { financials { transferredUsd expenditureUsd refundsUsd netFundedUsd balanceWithOrganizationsUsd deliveryRate } } } }", json!({})).await;
        let t = &totals["portfolio"]["totals"];
        let s = &whole["sourcesAndUses"];
        assert_eq!(dec(&t["depositedUsd"]), dec(&s["contributionsUsd"]));
        assert_eq!(dec(&t["feesUsd"]), dec(&s["agentFeesUsd"]));
        assert_eq!(dec(&t["transferredUsd"]), dec(&s["transferredUsd"]));
        assert_eq!(dec(&t["expenditureUsd"]), dec(&whole["fundsWithOrganizations"]["expenditureUsd"]));
        assert_eq!(dec(&t["availableUsd"]), dec(&s["balanceWithAgentUsd"]));
        assert_eq!(sum(&whole["contributorsByYear"], "committedUsd"), dec(&t["committedUsd"]));
        let programmes: Vec<Value> = totals["jointProgrammes"]["nodes"].as_array().unwrap().iter().map(|p| p["financials"].clone()).collect();
        let programmes = Value::Array(programmes);
        for (field, whole_field) in [("transferredUsd", "transferredUsd"), ("expenditureUsd", "expenditureUsd"), ("refundsUsd", "refundsUsd"), ("balanceWithOrganizationsUsd", "balanceUsd")] {
            assert_eq!(sum(&programmes, field), dec(&whole["fundsWithOrganizations"][whole_field]), "programmes' {field}");
        }
        for p in programmes.as_array().unwrap() {
            assert_eq!(dec(&p["netFundedUsd"]), dec(&p["transferredUsd"]) - dec(&p["refundsUsd"]), "{p}");
        }

        // Each area's pool: the same identities, and the pools add up to the whole fund.
        let mut pooled = Decimal::ZERO;
        for number in 1..=5 {
            let area = thematic_area_id(&app, number).await;
            let scoped = books(&app, "(thematicArea: $area)", json!({"area": area})).await;
            assert_identities(&scoped, &format!("area {number}"));
            assert_eq!(scoped["uncommitted"].as_array().unwrap().len(), 1);
            assert_eq!(scoped["uncommitted"][0]["pool"]["number"], json!(number));
            pooled += dec(&scoped["sourcesAndUses"]["balanceWithAgentUsd"]);
        }
        let unearmarked = dec(&whole["uncommitted"][0]["balanceWithAgentUsd"]);
        assert_eq!(pooled + unearmarked, dec(&whole["sourcesAndUses"]["balanceWithAgentUsd"]));

        // As of a day before the fund: nothing.
        let before = books(&app, "(asOf: $asOf)", json!({"asOf": "2000-01-01"})).await;
        assert_identities(&before, "before the fund");
        assert_eq!(dec(&before["sourcesAndUses"]["totalSourcesUsd"]), Decimal::ZERO);
    }
}

on_both! {
    async fn the_books_refuse_scopes_they_do_not_keep_and_donors_read_their_own(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        for arguments in ["(region: AFRICA)", "(from: \"2021-01-01\")", "(to: \"2021-12-31\")"] {
            let query = format!("{{ portfolio{arguments} {{ sourcesAndUses {{ balanceWithAgentUsd }} }} }}");
            assert_eq!(app.error_code(Some(&app.admin()), &query, json!({})).await, "BAD_USER_INPUT", "{arguments}");
        }
        let query = "{ portfolio(asOf: \"2022-01-01\") { totals { depositedUsd } } }";
        assert_eq!(app.error_code(Some(&app.admin()), query, json!({})).await, "BAD_USER_INPUT");

        // The whole fund's books are public; narrowed, they are donors' money.
        let public = app.data(None, "{ portfolio { sourcesAndUses { balanceWithAgentUsd } fundsWithOrganizations { balanceUsd } } }", json!({})).await;
        assert!(dec(&public["portfolio"]["sourcesAndUses"]["balanceWithAgentUsd"]) > Decimal::ZERO);
        let donors = app.data(Some(&app.admin()), "{ donors(first: 50) { nodes { id name } } }", json!({})).await;
        let donor = donors["donors"]["nodes"][0].clone();
        let token = app.donor_token(crate::helpers::row_id(&donor["id"]), "donor@example.org");
        for arguments in ["(asOf: \"2022-01-01\")", "(knownAt: \"2030-01-01T00:00:00Z\")"] {
            for field in ["sourcesAndUses { balanceWithAgentUsd }", "uncommittedUsd"] {
                let query = format!("{{ portfolio{arguments} {{ {field} }} }}");
                assert_eq!(app.error_code(Some(&token), &query, json!({})).await, "FORBIDDEN", "{arguments} {field}");
            }
            // Programmes' money is read in any scope of the books.
            let query = format!("{{ portfolio{arguments} {{ fundsWithOrganizations {{ balanceUsd }} }} }}");
            app.data(Some(&token), &query, json!({})).await;
        }
        let rows = app.data(Some(&token), "{ portfolio { contributorsByYear { donor { name } depositedUsd } } }", json!({})).await;
        let rows = rows["portfolio"]["contributorsByYear"].as_array().unwrap().clone();
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r["donor"]["name"] == donor["name"]), "{rows:?}");
        let puno = app.puno_token(1, "puno@example.org");
        let rows = app.data(Some(&puno), "{ portfolio { contributorsByYear { year } } }", json!({})).await;
        assert_eq!(rows["portfolio"]["contributorsByYear"], json!([]));
        assert_eq!(app.error_code(None, "{ portfolio { contributorsByYear { year } } }", json!({})).await, "UNAUTHENTICATED");
    }
}

on_both! {
    async fn allocations_commit_money_and_known_at_replays_what_was_served(app: TestApp) {
        let (_, _) = fixtures::deposit_usd(&app, "1000000", None).await;
        let before = books(&app, "", json!({})).await;
        assert_identities(&before, "after the deposit");
        // 1% fee: 990,000 with the agent, all of it uncommitted.
        assert_eq!(before["uncommittedUsd"], "990000.00");
        assert_eq!(before["sourcesAndUses"]["balanceWithAgentUsd"], "990000.00");
        let moment = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;

        // The committee allocates: the agent holds as much, the committee can allocate less.
        let funded = fixtures::programme_with_budget(&app, 1, 1, "214000").await;
        let allocated = books(&app, "", json!({})).await;
        assert_identities(&allocated, "after the allocation");
        assert_eq!(allocated["sourcesAndUses"]["balanceWithAgentUsd"], "990000.00");
        assert_eq!(allocated["uncommittedUsd"], "776000.00", "990,000 less 214,000");
        assert_eq!(allocated["uncommitted"][0]["allocatedNotTransferredUsd"], "214000.00");

        // A transfer: the agent holds less, the committee can allocate as much as before.
        let sent = fixtures::transfer(&app, &app.admin(), &funded, &funded.organizations[0], "50000", "transfer-1").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let transferred = books(&app, "", json!({})).await;
        assert_identities(&transferred, "after the transfer");
        assert_eq!(transferred["sourcesAndUses"]["balanceWithAgentUsd"], "940000.00");
        assert_eq!(transferred["uncommittedUsd"], "776000.00");
        assert_eq!(transferred["fundsWithOrganizations"]["balanceUsd"], "50000.00");
        assert_eq!(transferred["totalBalanceUsd"], "990000.00");

        // The books as known at the first moment are exactly what was served then.
        let replayed = books(&app, "(knownAt: $knownAt)", json!({"knownAt": moment})).await;
        assert_eq!(replayed, before, "knownAt replays the first answer");
        let programme = app.data(Some(&app.admin()), "query($id: ID!, $knownAt: DateTime) { node(id: $id) { ... on JointProgramme {
            now: financials { transferredUsd } then: financials(knownAt: $knownAt) { transferredUsd } } } }",
            json!({"id": funded.programme, "knownAt": moment})).await;
        assert_eq!(programme["node"]["now"]["transferredUsd"], "50000.00");
        assert_eq!(programme["node"]["then"]["transferredUsd"], "0.00");
    }
}
