//! Issue 11, items 3, 7, 9, 10 and part of 13: every input is bounded, every money operation is
//! checked, no text carries a NUL, searches are literal, and reads keep working whatever was
//! stored. Each probe of the attack test is replayed, with variants, on both databases.

use crate::fixtures::*;
use crate::helpers::{row_id, TestApp};
use crate::on_both;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// The user error of a payload, which must be the only one.
fn refused_on(payload: &Value) -> (String, Vec<String>) {
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert_eq!(errors.len(), 1, "{payload:#}");
    let field = errors[0]["field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    (errors[0]["code"].as_str().unwrap().to_owned(), field)
}

/// Asserts a mutation was refused with `VALIDATION` on `input.<field…>`.
fn assert_validation(response: &Value, mutation: &str, field: &[&str]) {
    assert!(response.get("errors").is_none(), "{response:#}");
    let (code, path) = refused_on(&response["data"][mutation]);
    assert_eq!(code, "VALIDATION", "{response:#}");
    let mut expected = vec!["input".to_owned()];
    expected.extend(field.iter().map(|f| (*f).to_owned()));
    assert_eq!(path, expected, "{response:#}");
}

/// The code of the first top-level error; the response carries no data for the mutation.
fn top_level_code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a top-level error: {response:#}"))
        .to_owned()
}

async fn contribution_count(app: &TestApp) -> i64 {
    app.data(
        Some(&app.admin()),
        "{ contributions { totalCount } }",
        json!({}),
    )
    .await["contributions"]["totalCount"]
        .as_i64()
        .unwrap()
}

async fn donor_count(app: &TestApp) -> i64 {
    app.data(Some(&app.admin()), "{ donors { totalCount } }", json!({}))
        .await["donors"]["totalCount"]
        .as_i64()
        .unwrap()
}

/// The public totals, which must keep answering.
async fn public_totals(app: &TestApp) -> Value {
    app.data(
        None,
        "{ portfolio { totals { pledgedUsd committedUsd depositedUsd netDepositedUsd } } }",
        json!({}),
    )
    .await["portfolio"]["totals"]
        .clone()
}

fn contribution_input(reference: &str, donor: &str, amount: &str, currency: &str) -> Value {
    json!({
        "donor": donor, "reference": reference,
        "pledged": {"amount": amount, "currency": currency},
        "pledgedOn": "2021-01-10", "signedOn": "2021-02-01", "earmarking": "UNEARMARKED",
        "idempotencyKey": format!("key-{reference}"),
    })
}

async fn record(app: &TestApp, input: Value) -> Value {
    mutate(
        app,
        Some(&app.admin()),
        "recordContribution",
        "contribution { id pledgedUsd }",
        input,
    )
    .await
}

async fn execute(app: &TestApp, sql: &str) {
    app.services
        .db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

// ---------------------------------------------------------------------------------------------
// Item 3: indicator values are bounded; `progress` never panics, whatever is stored.

const INDICATOR: &str = "indicator { id baseline target progress }";

on_both! {
    async fn indicator_values_are_bounded_and_progress_always_answers(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let ilo = app.puno_token(row_id(&json!(funded.organizations[0])), "user:ilo-focal-point");
        let indicator = |code: &str, baseline: &str, target: &str| json!({"jointProgramme": funded.programme,
            "code": code, "level": "OUTCOME", "statement": "People reached", "unit": "people",
            "baseline": baseline, "target": target});

        // The probe of issue 11, and variants: too many decimals, too many digits.
        for (baseline, target, field) in [
            ("0", "0.0000000000000000000000000001", "target"),
            ("0", "0.0000001", "target"),
            ("0", "1000000000000000", "target"),
            ("-1000000000000000", "10", "baseline"),
            ("0.12345678", "10", "baseline"),
        ] {
            let response = mutate(&app, Some(&ilo), "addIndicator", INDICATOR, indicator("X1", baseline, target)).await;
            assert_validation(&response, "addIndicator", &[field]);
        }
        // 29 digits is no exact Decimal: refused before the resolver.
        let response = mutate(&app, Some(&ilo), "addIndicator", INDICATOR, indicator("X1", "0", "79228162514264337593543950335")).await;
        assert_eq!(top_level_code(&response), "BAD_USER_INPUT");

        // The extremes accepted: progress is representable, and read.
        let created = command(&app, &ilo, "addIndicator", INDICATOR, indicator("X1", "0", "0.000001")).await;
        assert_eq!(created["userErrors"], json!([]), "{created}");
        let id = created["indicator"]["id"].as_str().unwrap().to_owned();
        let value = |value: &str, period: &str| json!({"indicator": id, "periodEnd": period, "value": value});
        let response = mutate(&app, Some(&ilo), "reportIndicatorValue", "indicator { progress }", value("79228162514264337593543950335", "2022-06-30")).await;
        assert_eq!(top_level_code(&response), "BAD_USER_INPUT");
        let response = mutate(&app, Some(&ilo), "reportIndicatorValue", "indicator { progress }", value("1000000000000000", "2022-06-30")).await;
        assert_validation(&response, "reportIndicatorValue", &["value"]);
        let response = mutate(&app, Some(&ilo), "reportIndicatorValue", "indicator { progress }", value("1.0000001", "2022-06-30")).await;
        assert_validation(&response, "reportIndicatorValue", &["value"]);
        let measured = command(&app, &ilo, "reportIndicatorValue", "indicator { progress }", value("999999999999999.999999", "2022-06-30")).await;
        assert_eq!(measured["userErrors"], json!([]), "{measured}");
        assert_eq!(measured["indicator"]["progress"], "999999999999999999999.0000");

        // Nothing refused was stored: one indicator, one value.
        let read = "query($id: ID!) { node(id: $id) { ... on JointProgramme { indicators { code progress measurements { value } } } } }";
        let programme = app.data(Some(&app.admin()), read, json!({"id": funded.programme})).await;
        assert_eq!(programme["node"]["indicators"].as_array().unwrap().len(), 1, "{programme}");
        assert_eq!(programme["node"]["indicators"][0]["measurements"].as_array().unwrap().len(), 1);

        // Values stored before inputs were bounded (the probe's): progress is null, no panic,
        // and every later read keeps working.
        let indicator_id = row_id(&json!(id));
        execute(&app, &format!("UPDATE results_indicator SET baseline = '0', target = '0.0000000000000000000000000001' WHERE id = {indicator_id}")).await;
        execute(&app, &format!("UPDATE indicator_measurement SET value = '79228162514264337593543950335' WHERE indicator_id = {indicator_id}")).await;
        for _ in 0..3 {
            let programme = app.data(Some(&app.admin()), read, json!({"id": funded.programme})).await;
            assert_eq!(programme["node"]["indicators"][0]["progress"], Value::Null, "{programme}");
        }
        execute(&app, &format!("UPDATE results_indicator SET baseline = '-79228162514264337593543950335', target = '79228162514264337593543950335' WHERE id = {indicator_id}")).await;
        let programme = app.data(Some(&app.admin()), read, json!({"id": funded.programme})).await;
        assert_eq!(programme["node"]["indicators"][0]["progress"], Value::Null, "{programme}");
        // A stored value that is no number is the database's fault: INTERNAL, not 0.
        execute(&app, &format!("UPDATE results_indicator SET baseline = 'zero' WHERE id = {indicator_id}")).await;
        let broken = app.graphql(Some(&app.admin()), read, json!({"id": funded.programme})).await;
        assert_eq!(top_level_code(&broken), "INTERNAL", "{broken}");
        assert_eq!(public_totals(&app).await["depositedUsd"], "3000000.00");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 7: every amount has a maximum, every conversion is checked, sums cannot overflow.

on_both! {
    async fn money_is_bounded_and_conversions_never_saturate(app: TestApp) {
        let donor = create_donor(&app, "Bundesrepublik").await;
        let before = public_totals(&app).await;

        // The probe: EUR 10,000,000,000,000.00 at 0.0001 per USD.
        let mut probe = contribution_input("EUR-HUGE", &donor, "10000000000000.00", "EUR");
        probe["usdExchangeRate"] = json!("0.0001");
        assert_validation(&record(&app, probe).await, "recordContribution", &["pledged"]);
        // Variants: the largest amount, worth too much at the rate; amounts one cent too large;
        // a rate out of range.
        let mut variant = contribution_input("EUR-RATE", &donor, "1000000000000.00", "EUR");
        variant["usdExchangeRate"] = json!("0.0001");
        assert_validation(&record(&app, variant).await, "recordContribution", &["pledged"]);
        assert_validation(&record(&app, contribution_input("USD-CENT", &donor, "1000000000000.01", "USD")).await, "recordContribution", &["pledged"]);
        let mut jpy = contribution_input("JPY-HUGE", &donor, "100000000000001", "JPY");
        jpy["usdExchangeRate"] = json!("150");
        assert_validation(&record(&app, jpy).await, "recordContribution", &["pledged"]);
        let mut rate = contribution_input("EUR-BADRATE", &donor, "100.00", "EUR");
        rate["usdExchangeRate"] = json!("1000000000.5");
        assert_validation(&record(&app, rate).await, "recordContribution", &["usdExchangeRate"]);
        let mut tiny = contribution_input("JPY-TINY", &donor, "1", "JPY");
        tiny["usdExchangeRate"] = json!("1000");
        assert_validation(&record(&app, tiny).await, "recordContribution", &["pledged"]);
        assert_eq!(contribution_count(&app).await, 0);
        assert_eq!(public_totals(&app).await, before);

        // The largest amount is accepted; a deposit on it that converts to too much is refused.
        let mut eur = contribution_input("EUR-MAX", &donor, "1000000000000.00", "EUR");
        eur["usdExchangeRate"] = json!("1");
        let eur = record(&app, eur).await;
        assert_eq!(eur["data"]["recordContribution"]["userErrors"], json!([]), "{eur}");
        let agreement = eur["data"]["recordContribution"]["contribution"]["id"].as_str().unwrap().to_owned();
        let deposit = record_deposit(&app, &agreement, "EUR", "1000000000000.00", "0.5", "eur-max-dep").await;
        assert_eq!(refused_on(&deposit), ("VALIDATION".to_owned(), vec!["input".to_owned(), "amount".to_owned()]), "{deposit}");
        let deposit = record_deposit(&app, &agreement, "EUR", "100.00", "0.00000000001", "eur-rate-dep").await;
        assert_eq!(refused_on(&deposit).1, vec!["input", "exchangeRate"], "{deposit}");
        let deposit = record_deposit(&app, &agreement, "EUR", "1000000000000.00", "1", "eur-full-dep").await;
        assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
        assert_eq!(deposit["deposit"]["administrativeAgentFeeUsd"], "10000000000.00");
        let totals = public_totals(&app).await;
        assert_eq!(totals["pledgedUsd"], "1000000000000.00");
        assert_eq!(totals["depositedUsd"], "1000000000000.00");
    }
}

// The fund-wide bound: a hundred of the largest pledges fill the books; the next is refused
// and every figure still answers.
on_both! {
    async fn the_funds_totals_cannot_overflow(app: TestApp) {
        let donor = create_donor(&app, "Large donor").await;
        for n in 0..100 {
            let response = record(&app, contribution_input(&format!("MAX-{n}"), &donor, "1000000000000.00", "USD")).await;
            assert_eq!(response["data"]["recordContribution"]["userErrors"], json!([]), "{response}");
        }
        let response = record(&app, contribution_input("MAX-100", &donor, "0.01", "USD")).await;
        assert_validation(&response, "recordContribution", &["pledged"]);
        assert_eq!(contribution_count(&app).await, 100);
        assert_eq!(public_totals(&app).await["pledgedUsd"], "100000000000000.00");
        let donor_id = row_id(&json!(donor));
        let statement = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on Donor { totals { pledgedUsd } statement { pledgedUsd byCurrency { pledged { amount } } } } } }", json!({"id": donor})).await;
        assert_eq!(statement["node"]["statement"]["pledgedUsd"], "100000000000000.00", "{statement} {donor_id}");
        assert_eq!(statement["node"]["totals"]["pledgedUsd"], "100000000000000.00");
    }
}

// Stored vocabularies and rates are never defaulted: a broken fee rate is no 0% fee, a broken
// currency no USD.
on_both! {
    async fn broken_stored_money_is_an_internal_error_not_a_default(app: TestApp) {
        let donor = create_donor(&app, "Kingdom").await;
        let recorded = record_contribution(&app, &donor, "SWE-1", "USD", "1000.00", "1", None).await;
        let agreement = recorded["contribution"]["id"].as_str().unwrap().to_owned();
        execute(&app, "UPDATE fund_ledger SET administrative_agent_fee_rate = 'one percent' WHERE id = 1").await;
        let response = app.graphql(Some(&app.admin()),
            "mutation($input: RecordDepositInput!) { recordDeposit(input: $input) { deposit { id administrativeAgentFeeUsd } userErrors { code } } }",
            json!({"input": {"contribution": agreement, "receivedOn": "2021-03-01", "amount": {"amount": "100.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": "fee"}})).await;
        assert_eq!(top_level_code(&response), "INTERNAL", "{response}");
        assert_eq!(public_totals(&app).await["depositedUsd"], "0.00");
        execute(&app, "UPDATE fund_ledger SET administrative_agent_fee_rate = '0.01' WHERE id = 1").await;

        let id = row_id(&json!(agreement));
        execute(&app, &format!("UPDATE contribution SET currency = 'XAU' WHERE id = {id}")).await;
        let read = "query($id: ID!) { node(id: $id) { ... on Contribution { pledged { amount currency } } } }";
        let broken = app.graphql(Some(&app.admin()), read, json!({"id": agreement})).await;
        assert_eq!(top_level_code(&broken), "INTERNAL", "{broken}");
        assert_eq!(public_totals(&app).await["pledgedUsd"], "1000.00");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 9: a NUL character in any text or filter is refused before any database work.

on_both! {
    async fn nul_characters_are_refused_everywhere_before_the_database(app: TestApp) {
        let admin = app.admin();
        assert_eq!(donor_count(&app).await, 0);
        let create = "mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id } userErrors { code } } }";
        let probes: Vec<(String, Value)> = vec![
            // In a variable, top-level and nested, and in an object's key.
            (create.to_owned(), json!({"input": {"name": "Bad\u{0}Donor", "kind": "OTHER"}})),
            (create.to_owned(), json!({"input": {"name": "Fine", "kind": "OTHER", "note": "a\u{0}"}})),
            (create.to_owned(), json!({"input": {"name": "Fine", "kind": "OTHER", "no\u{0}te": "a"}})),
            // In a document's string literal, as an escape.
            (r#"mutation { createDonor(input: {name: "Lit\u0000eral", kind: OTHER}) { donor { id } } }"#.to_owned(), json!({})),
            (r#"mutation { createDonor(input: {name: "Fine", kind: OTHER, note: "x\u0000"}) { donor { id } } }"#.to_owned(), json!({})),
            // In filters.
            ("query($s: String) { donors(filter: {search: $s}) { totalCount } }".to_owned(), json!({"s": "\u{0}"})),
            (r#"{ organizations(filter: {search: "\u0000"}) { acronym } }"#.to_owned(), json!({})),
            ("query($a: String) { auditEvents(filter: {actor: $a}) { totalCount } }".to_owned(), json!({"a": "user:\u{0}"})),
            // An unused variable too: no text of a request may hold one.
            ("{ __typename }".to_owned(), json!({"unused": ["x", {"deep": "\u{0}"}]})),
        ];
        // Warm the token's account check, then count statements around each refusal.
        app.data(Some(&admin), "{ donors { totalCount } }", json!({})).await;
        for (query, variables) in probes {
            app.until_quiet().await;
            let statements = app.statements();
            let response = app.graphql(Some(&admin), &query, variables.clone()).await;
            assert_eq!(top_level_code(&response), "BAD_USER_INPUT", "{query} {variables}: {response:#}");
            assert_eq!(response["data"], Value::Null, "{response:#}");
            assert_eq!(app.statements(), statements, "{query}: the database was used");
        }
        assert_eq!(donor_count(&app).await, 0);
        // Longer than any input takes, whatever the input.
        let response = app.graphql(Some(&admin), "query($a: String) { auditEvents(filter: {action: $a}) { totalCount } }", json!({"a": "x".repeat(20_001)})).await;
        assert_eq!(top_level_code(&response), "BAD_USER_INPUT", "{response}");
        // Other control characters are text like any other, and reads keep working.
        create_donor(&app, "Tab\tDonor").await;
        assert_eq!(donor_count(&app).await, 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Item 10: searches are bounded, and `%`, `_` and `\` are plain characters.

on_both! {
    async fn searches_are_bounded_and_literal(app: TestApp) {
        for name in ["100% Fund", "1000 Fund", "A_B Trust", "AxB Trust", "Back\\slash", "Backslash"] {
            create_donor(&app, name).await;
        }
        let search = "query($s: String) { donors(filter: {search: $s}) { totalCount nodes { name } } }";
        for (text, expected) in [
            ("100%", vec!["100% Fund"]),
            ("%", vec!["100% Fund"]),
            ("A_B", vec!["A_B Trust"]),
            ("_", vec!["A_B Trust"]),
            ("\\", vec!["Back\\slash"]),
            ("k\\s", vec!["Back\\slash"]),
            ("FUND", vec!["100% Fund", "1000 Fund"]),
            ("trust", vec!["A_B Trust", "AxB Trust"]),
        ] {
            let found = app.data(Some(&app.admin()), search, json!({"s": text})).await;
            let names: Vec<&str> = found["donors"]["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
            assert_eq!(names, expected, "search {text:?}");
        }
        // Too long: refused with the field named, on every list with a search.
        let long = "%".repeat(101);
        for query in [
            "query($s: String) { donors(filter: {search: $s}) { totalCount } }",
            "query($s: String) { conceptNotes(filter: {search: $s}) { totalCount } }",
            "query($s: String) { jointProgrammes(filter: {search: $s}) { totalCount } }",
            "query($s: String) { organizations(filter: {search: $s}) { acronym } }",
        ] {
            let response = app.graphql(Some(&app.admin()), query, json!({"s": long})).await;
            assert_eq!(top_level_code(&response), "BAD_USER_INPUT", "{query}: {response}");
            assert!(response["errors"][0]["message"].as_str().unwrap().contains("filter.search"), "{response}");
        }
        // The probe: a pattern SQLite finds too complex.
        let response = app.graphql(Some(&app.admin()), search, json!({"s": "%_".repeat(10_000)})).await;
        assert_eq!(top_level_code(&response), "BAD_USER_INPUT", "{response}");
        // The other searches match literally too: nothing is named with a `%`.
        submit_note(&app, &app.admin(), 4, 6, "ILO", "IOM").await;
        for (query, list) in [
            ("{ conceptNotes(filter: {search: \"%\"}) { totalCount } }", "conceptNotes"),
            ("{ jointProgrammes(filter: {search: \"_\"}) { totalCount } }", "jointProgrammes"),
        ] {
            let found = app.data(Some(&app.admin()), query, json!({})).await;
            assert_eq!(found[list]["totalCount"], 0, "{query}");
        }
        let found = app.data(Some(&app.admin()), "{ conceptNotes(filter: {search: \"DECENT\"}) { totalCount } }", json!({})).await;
        assert_eq!(found["conceptNotes"]["totalCount"], 1);
        let found = app.data(None, "{ organizations(filter: {search: \"%\"}) { acronym } }", json!({})).await;
        assert_eq!(found["organizations"], json!([]));
        let found = app.data(None, "{ organizations(filter: {search: \"iom\"}) { acronym } }", json!({})).await;
        assert_eq!(found["organizations"][0]["acronym"], "IOM");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 13 (part): USD pledges at 1, plausible dates, bounded texts.

on_both! {
    async fn usd_rates_dates_and_texts_are_bounded(app: TestApp) {
        let donor = create_donor(&app, "Republic").await;
        // The probe: a USD pledge at a rate other than 1.
        for rate in ["2", "0.5", "1.0000000001"] {
            let mut usd = contribution_input(&format!("USD-{rate}"), &donor, "10.00", "USD");
            usd["usdExchangeRate"] = json!(rate);
            assert_validation(&record(&app, usd).await, "recordContribution", &["usdExchangeRate"]);
        }
        let mut one = contribution_input("USD-1", &donor, "10.00", "USD");
        one["usdExchangeRate"] = json!("1.000");
        let one = record(&app, one).await;
        assert_eq!(one["data"]["recordContribution"]["contribution"]["pledgedUsd"], "10.00", "{one}");

        // The probe's dates, and variants at the edges of the fund's years, in commands and filters.
        for date in ["0000-01-01", "9999-12-31", "1999-12-31", "2101-01-01"] {
            let mut pledge = contribution_input(&format!("DATE-{date}"), &donor, "10.00", "USD");
            pledge["pledgedOn"] = json!(date);
            pledge["signedOn"] = Value::Null;
            let response = record(&app, pledge).await;
            assert_eq!(top_level_code(&response), "BAD_USER_INPUT", "{date}: {response}");
            let filter = app.graphql(Some(&app.admin()), "query($d: Date) { contributions(filter: {signedFrom: $d}) { totalCount } }", json!({"d": date})).await;
            assert_eq!(top_level_code(&filter), "BAD_USER_INPUT", "{date}: {filter}");
        }
        let audit = app.graphql(Some(&app.admin()), "{ auditEvents(filter: {from: \"9999-12-31T23:59:59Z\"}) { totalCount } }", json!({})).await;
        assert_eq!(top_level_code(&audit), "BAD_USER_INPUT", "{audit}");
        // In range but in the future: no pledge, no signature.
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
        let mut future = contribution_input("FUTURE", &donor, "10.00", "USD");
        future["pledgedOn"] = json!(tomorrow);
        future["signedOn"] = Value::Null;
        assert_validation(&record(&app, future).await, "recordContribution", &["pledgedOn"]);
        let mut future = contribution_input("FUTURE-SIGN", &donor, "10.00", "USD");
        future["signedOn"] = json!(tomorrow);
        assert_validation(&record(&app, future).await, "recordContribution", &["signedOn"]);
        assert_eq!(contribution_count(&app).await, 1);

        // Free texts: each bounded, at its limit accepted.
        let mut note = contribution_input("NOTE", &donor, "10.00", "USD");
        note["note"] = json!("n".repeat(2001));
        assert_validation(&record(&app, note.clone()).await, "recordContribution", &["note"]);
        note["note"] = json!("n".repeat(2000));
        let accepted = record(&app, note).await;
        assert_eq!(accepted["data"]["recordContribution"]["userErrors"], json!([]), "{accepted}");
        let create = |name: String, note: String| json!({"name": name, "kind": "OTHER", "note": note});
        assert_validation(&mutate(&app, Some(&app.admin()), "createDonor", "donor { id }", create("d".repeat(201), "x".into())).await, "createDonor", &["name"]);
        assert_validation(&mutate(&app, Some(&app.admin()), "createDonor", "donor { id }", create("Donor".into(), "é".repeat(2001))).await, "createDonor", &["note"]);
        assert_validation(&mutate(&app, Some(&app.admin()), "scheduleMeeting", "meeting { id }", json!({"heldOn": "2021-06-30", "kind": "MEETING", "title": "t".repeat(301)})).await, "scheduleMeeting", &["title"]);
        let mut long_note = concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await;
        long_note["summary"] = json!("s".repeat(10_001));
        assert_validation(&mutate(&app, Some(&app.admin()), "submitConceptNote", "conceptNote { id }", long_note).await, "submitConceptNote", &["summary"]);
        assert_eq!(donor_count(&app).await, 1);
        assert_eq!(contribution_count(&app).await, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// The schema says every decimal input's bounds.

on_both! {
    async fn every_decimal_input_states_its_bounds(app: TestApp) {
        let schema = app.data(Some(&app.admin()), "{ __schema { types { name inputFields { name description type { name ofType { name ofType { name } } } } } } }", json!({})).await;
        let mut decimals = 0;
        for input in schema["__schema"]["types"].as_array().unwrap() {
            for field in input["inputFields"].as_array().into_iter().flatten() {
                let ty = &field["type"];
                let named = [&ty["name"], &ty["ofType"]["name"], &ty["ofType"]["ofType"]["name"]];
                if named.iter().any(|n| *n == "Decimal") {
                    decimals += 1;
                    let description = field["description"].as_str().unwrap_or("");
                    assert!(description.contains("at most"), "{}.{} does not state its bounds: {description:?}", input["name"], field["name"]);
                }
            }
        }
        assert!(decimals >= 11, "{decimals} Decimal inputs");
        let sdl = mptf::graphql::sdl();
        assert!(sdl.contains(&rust_decimal::Decimal::new(mptf::domain::bounds::MAX_AMOUNT_MINOR, 2).to_string()));
        assert!(sdl.contains(&mptf::domain::bounds::MAX_EXCHANGE_RATE.to_string()));
    }
}
