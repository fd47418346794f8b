//! The fund's workflows through the real server: money in (contributions, deposits), decisions,
//! programmes, money out (transfers), results, and the rules that keep them straight: roles,
//! state machines, earmarks, budgets, the available balance under concurrency, idempotency and
//! the audit trail. Every test runs on SQLite and, when configured, on PostgreSQL.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use futures::future::join_all;
use mptf::domain::Role;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::str::FromStr;

/// An exact decimal from the wire, where it travels as a string.
fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("a decimal string: {value}")),
    )
    .unwrap_or_else(|_| panic!("a decimal: {value}"))
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn id(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("an id: {value}"))
        .to_owned()
}

/// The payload was accepted.
#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// The payload was refused with one user error of `code`, on `field` when given.
#[track_caller]
fn refused_with(payload: &Value, code: &str, field: Option<&[&str]>) {
    let errors = payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload with userErrors: {payload:#}"));
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    if let Some(field) = field {
        assert_eq!(errors[0]["field"], json!(field), "{payload:#}");
    }
}

/// The payload was refused with `code` on `field` or a field inside it (e.g. the amount of a
/// `MoneyInput`).
#[track_caller]
fn refused_on_prefix(payload: &Value, code: &str, field: &[&str]) {
    assert_eq!(payload["userErrors"][0]["code"], code, "{payload:#}");
    let path = payload["userErrors"][0]["field"].as_array().unwrap();
    assert!(path.len() >= field.len(), "{payload:#}");
    assert_eq!(
        path[..field.len()],
        json!(field).as_array().unwrap()[..],
        "{payload:#}"
    );
}

/// A caller who may not make this write gets a top-level `code` (`FORBIDDEN`,
/// `UNAUTHENTICATED`), and the write leaves no audit event.
async fn assert_refused(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    input: Value,
    code: &str,
) {
    let before = audit_count(app).await;
    let response = mutate(app, token, mutation, "", input).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], code,
        "{mutation}: {response:#}"
    );
    assert!(
        response["data"].is_null() || response["data"][mutation].is_null(),
        "{mutation}: {response:#}"
    );
    assert_eq!(
        audit_count(app).await,
        before,
        "a refused {mutation} left an audit event"
    );
}

async fn node(app: &TestApp, id: &str, selection: &str) -> Value {
    app.data(
        Some(&app.admin()),
        &format!("query($id: ID!) {{ node(id: $id) {{ {selection} }} }}"),
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

async fn totals(app: &TestApp) -> Value {
    app.data(
        None,
        "{ portfolio { totals { pledgedUsd committedUsd depositedUsd feesUsd netDepositedUsd approvedUsd transferredUsd expenditureUsd availableUsd } } }",
        json!({}),
    )
    .await["portfolio"]["totals"]
        .clone()
}

async fn note_state(app: &TestApp, note: &str) -> Value {
    node(
        app,
        note,
        "... on ConceptNote { status version decisions { id kind } reviews { outcome } jointProgramme { id } }",
    )
    .await
}

fn decision_input(meeting: &str, kind: &str, subject: &str, amount: Option<&str>) -> Value {
    json!({"meeting": meeting, "kind": kind, "subject": subject, "amountUsd": amount, "rationale": "By consensus."})
}

fn transfer_input(funded: &Funded, organization: &str, amount: &str, key: &str) -> Value {
    json!({"jointProgramme": funded.programme, "organization": organization, "decision": funded.funding_decision,
        "transferredOn": "2021-08-15", "amountUsd": amount, "idempotencyKey": key})
}

const TRANSFER: &str =
    "transfer { id amountUsd fromEarmarkedUsd fromUnearmarkedUsd recordedBy organization { acronym } }";

const EXPENDITURE: &str =
    "expenditureReport { id year amountUsd final organization { acronym } reportedBy }";

async fn report_expenditure(
    app: &TestApp,
    token: &str,
    programme: &str,
    year: i32,
    amount: &str,
    key: &str,
) -> Value {
    command(
        app,
        token,
        "reportExpenditure",
        EXPENDITURE,
        json!({"jointProgramme": programme, "year": year, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": amount}], "idempotencyKey": key}),
    )
    .await
}

// -------------------------------------------------------------------------------------------
// 1. The whole cycle, each user with their own token.

on_both! {
    async fn a_euro_contribution_becomes_a_programme_with_results(app: TestApp) {
        let admin = app.admin();
        let officer = app.officer();
        let committee = app.committee();
        let refs = reference_ids(&app).await;
        let ilo = id(&find(&refs["organizations"], "acronym", json!("ILO"))["id"]);
        let iom = id(&find(&refs["organizations"], "acronym", json!("IOM"))["id"]);
        let objective6 = id(&find(&refs["gcmObjectives"], "number", json!(6))["id"]);
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo-focal-point");

        // The Administrative Agent records the donor and its signed agreement in euros.
        let donor = command(&app, &admin, "createDonor", "donor { id name }",
            json!({"name": "Germany", "kind": "MEMBER_STATE", "country": "DEU"})).await;
        accepted(&donor);
        let donor = id(&donor["donor"]["id"]);
        let donor_token = app.donor_token(row_id(&json!(donor)), "user:germany");
        assert_refused(&app, Some(&donor_token), "createDonor", json!({"name": "Fake", "kind": "OTHER"}), "FORBIDDEN").await;
        let contribution_input = json!({
            "donor": donor, "reference": "DEU-2021-01", "pledged": {"amount": "1000000.00", "currency": "EUR"},
            "usdExchangeRate": "0.8", "pledgedOn": "2021-01-10", "signedOn": "2021-02-01",
            "earmarking": "UNEARMARKED", "idempotencyKey": "deu-2021-01"});
        assert_refused(&app, Some(&committee), "recordContribution", contribution_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&donor_token), "recordContribution", contribution_input.clone(), "FORBIDDEN").await;
        let recorded = command(&app, &admin, "recordContribution",
            "contribution { id status pledged { amount currency } pledgedUsd outstanding { amount currency } }",
            contribution_input).await;
        accepted(&recorded);
        assert_eq!(recorded["contribution"]["status"], "SIGNED");
        assert_eq!(recorded["contribution"]["pledged"], json!({"amount": "1000000.00", "currency": "EUR"}));
        assert_eq!(recorded["contribution"]["pledgedUsd"], "1250000.00");
        let contribution = id(&recorded["contribution"]["id"]);

        // Only the Administrative Agent records money received.
        let deposit_input = json!({"contribution": contribution, "receivedOn": "2021-03-01",
            "amount": {"amount": "400000.40", "currency": "EUR"}, "exchangeRate": "0.8", "idempotencyKey": "deu-a"});
        assert_refused(&app, Some(&donor_token), "recordDeposit", deposit_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&puno), "recordDeposit", deposit_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&committee), "recordDeposit", deposit_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, None, "recordDeposit", deposit_input, "UNAUTHENTICATED").await;

        // Two deposits. The 1% fee is rounded half-even: 5000.005 goes down to the even cent,
        // 7499.995 up to it.
        let first = record_deposit(&app, &contribution, "EUR", "400000.40", "0.8", "deu-a").await;
        accepted(&first);
        assert_eq!(first["deposit"]["amount"], json!({"amount": "400000.40", "currency": "EUR"}));
        assert_eq!(dec(&first["deposit"]["exchangeRate"]), d("0.8"));
        assert_eq!(first["deposit"]["amountUsd"], "500000.50");
        assert_eq!(first["deposit"]["administrativeAgentFeeUsd"], "5000.00");
        assert_eq!(first["deposit"]["netUsd"], "495000.50");
        assert_eq!(first["contribution"]["status"], "PARTIALLY_DEPOSITED");
        assert_eq!(first["contribution"]["outstanding"], json!({"amount": "599999.60", "currency": "EUR"}));
        let second = record_deposit(&app, &contribution, "EUR", "599999.60", "0.8", "deu-b").await;
        accepted(&second);
        assert_eq!(second["deposit"]["amountUsd"], "749999.50");
        assert_eq!(second["deposit"]["administrativeAgentFeeUsd"], "7500.00");
        assert_eq!(second["deposit"]["netUsd"], "742499.50");
        assert_eq!(second["contribution"]["status"], "FULLY_DEPOSITED");
        assert_eq!(second["contribution"]["depositedUsd"], "1250000.00");
        assert_eq!(second["contribution"]["outstanding"], json!({"amount": "0.00", "currency": "EUR"}));

        // The donor reads its agreement, fully paid.
        let own = app.data(Some(&donor_token), "query($id: ID!) { node(id: $id) { ... on Contribution { status deposits { netUsd } } } }",
            json!({"id": contribution})).await;
        assert_eq!(own["node"]["status"], "FULLY_DEPOSITED");
        assert_eq!(own["node"]["deposits"].as_array().unwrap().len(), 2);

        // The ILO, as convening organization, submits a concept note with the IOM.
        assert_refused(&app, Some(&donor_token), "submitConceptNote", concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await, "FORBIDDEN").await;
        assert_refused(&app, None, "submitConceptNote", concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await, "UNAUTHENTICATED").await;
        let note = submit_note(&app, &puno, 4, 6, "ILO", "IOM").await;
        accepted(&note);
        assert_eq!(note["conceptNote"]["status"], "SUBMITTED");
        let note = id(&note["conceptNote"]["id"]);

        // The Fund Management Unit reviews it; nobody else does.
        let review_input = json!({"conceptNote": note, "outcome": "RECOMMENDED", "score": 80, "comments": "Sound."});
        assert_refused(&app, Some(&puno), "reviewConceptNote", review_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&committee), "reviewConceptNote", review_input.clone(), "FORBIDDEN").await;
        let reviewed = command(&app, &officer, "reviewConceptNote", "conceptNote { status } review { outcome reviewedBy }", review_input).await;
        accepted(&reviewed);
        assert_eq!(reviewed["conceptNote"]["status"], "UNDER_REVIEW");
        assert_eq!(reviewed["review"]["reviewedBy"], "user:officer");

        // The steering committee, and only it, puts it in the pipeline and funds it, when money
        // allows: a second donor's USD 1,000,000 makes the 2,140,000 allocable.
        deposit_usd(&app, "1000000.00", None).await;
        let meeting = schedule_meeting(&app).await;
        let pipeline = decision_input(&meeting, "PIPELINE", &note, None);
        // (The Fund Management Unit records decisions too, but they wait for the chair: see
        // decisions_as_taken.rs.)
        assert_refused(&app, Some(&puno), "recordDecision", pipeline.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&donor_token), "recordDecision", pipeline.clone(), "FORBIDDEN").await;
        assert_refused(&app, None, "recordDecision", pipeline.clone(), "UNAUTHENTICATED").await;
        assert_eq!(note_state(&app, &note).await["status"], "UNDER_REVIEW");
        let decided = command(&app, &committee, "recordDecision", "decision { id kind recordedBy }", pipeline).await;
        accepted(&decided);
        assert_eq!(decided["decision"]["recordedBy"], "user:committee");
        let funding = command(&app, &committee, "recordDecision", "decision { id kind amountUsd }",
            decision_input(&meeting, "FUNDING", &note, Some("2140000.00"))).await;
        accepted(&funding);
        assert_eq!(funding["decision"]["amountUsd"], "2140000.00");
        let funding = id(&funding["decision"]["id"]);
        assert_eq!(note_state(&app, &note).await["status"], "APPROVED");

        // The Fund Management Unit makes it a programme: two lines at the default 7%.
        let programme_input = json!({"conceptNote": note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [
            {"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "1000000.00"}]});
        assert_refused(&app, Some(&committee), "createJointProgramme", programme_input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&puno), "createJointProgramme", programme_input.clone(), "FORBIDDEN").await;
        let programme = command(&app, &admin, "createJointProgramme",
            "jointProgramme { id status approvedBudgetUsd conceptNote { status } budgetLines { organization { acronym } programmableUsd indirectSupportCostRate indirectSupportCostUsd totalUsd } }",
            programme_input).await;
        accepted(&programme);
        let created = &programme["jointProgramme"];
        assert_eq!(created["status"], "APPROVED");
        assert_eq!(created["approvedBudgetUsd"], "2140000.00");
        assert_eq!(created["conceptNote"]["status"], "FUNDED");
        let lines = created["budgetLines"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        for line in lines {
            assert_eq!(dec(&line["indirectSupportCostRate"]), d("0.07"), "{line}");
            assert_eq!(line["programmableUsd"], "1000000.00");
            assert_eq!(line["indirectSupportCostUsd"], "70000.00");
            assert_eq!(line["totalUsd"], "1070000.00");
        }
        let programme = id(&created["id"]);

        // The first tranche, recorded by an officer who did not take the decision.
        let tranche = json!({"jointProgramme": programme, "organization": ilo, "decision": funding,
            "transferredOn": "2021-08-15", "amountUsd": "500000.00", "idempotencyKey": "tranche-1-ilo"});
        assert_refused(&app, Some(&committee), "recordTransfer", tranche.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&puno), "recordTransfer", tranche.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&donor_token), "recordTransfer", tranche.clone(), "FORBIDDEN").await;
        let transferred = command(&app, &admin, "recordTransfer", TRANSFER, tranche).await;
        accepted(&transferred);
        assert_eq!(transferred["transfer"]["amountUsd"], "500000.00");
        assert_eq!(transferred["transfer"]["fromUnearmarkedUsd"], "500000.00");
        assert_eq!(transferred["transfer"]["fromEarmarkedUsd"], "0.00");
        assert_eq!(transferred["transfer"]["organization"]["acronym"], "ILO");
        assert_eq!(transferred["transfer"]["recordedBy"], "user:admin");

        // The ILO reports what it spent and what it achieved; nobody reports for it.
        let spent = json!({"jointProgramme": programme, "year": 2021, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "200000.00"}], "idempotencyKey": "ilo-2021"});
        assert_refused(&app, Some(&admin), "reportExpenditure", spent.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&donor_token), "reportExpenditure", spent.clone(), "FORBIDDEN").await;
        let report = command(&app, &puno, "reportExpenditure", EXPENDITURE, spent).await;
        accepted(&report);
        assert_eq!(report["expenditureReport"]["organization"]["acronym"], "ILO");
        assert_eq!(report["expenditureReport"]["amountUsd"], "200000.00");
        assert_eq!(report["expenditureReport"]["reportedBy"], "user:ilo-focal-point");

        let indicator_input = json!({"jointProgramme": programme, "code": "OC1", "level": "OUTCOME",
            "statement": "Women migrant workers placed in decent jobs", "unit": "people",
            "baseline": "10", "target": "60", "objective": objective6});
        assert_refused(&app, Some(&donor_token), "addIndicator", indicator_input.clone(), "FORBIDDEN").await;
        let indicator = command(&app, &puno, "addIndicator", "indicator { id code progress latest { value } objective { number } }", indicator_input).await;
        accepted(&indicator);
        assert_eq!(indicator["indicator"]["progress"], Value::Null);
        assert_eq!(indicator["indicator"]["objective"]["number"], 6);
        let indicator = id(&indicator["indicator"]["id"]);
        let value = json!({"indicator": indicator, "periodEnd": "2022-06-30", "value": "35", "note": "Mid-term"});
        assert_refused(&app, Some(&admin), "reportIndicatorValue", value.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&donor_token), "reportIndicatorValue", value.clone(), "FORBIDDEN").await;
        let measured = command(&app, &puno, "reportIndicatorValue", "measurement { value reportedBy } indicator { progress latest { value } }", value).await;
        accepted(&measured);
        assert_eq!(measured["measurement"]["reportedBy"], "user:ilo-focal-point");
        assert_eq!(dec(&measured["indicator"]["progress"]), d("0.5"));
        let measured = command(&app, &puno, "reportIndicatorValue", "indicator { progress latest { value } }",
            json!({"indicator": indicator, "periodEnd": "2022-12-31", "value": "45"})).await;
        accepted(&measured);
        assert_eq!(dec(&measured["indicator"]["progress"]), d("0.7"));
        assert_eq!(dec(&measured["indicator"]["latest"]["value"]), d("45"));

        // The programme's financials and the portfolio follow each step.
        let financials = node(&app, &programme, "... on JointProgramme { financials { approvedUsd transferredUsd expenditureUsd deliveryRate balanceUsd } transfers { id } expenditures { id } indicators { progress } }").await;
        assert_eq!(financials["financials"]["approvedUsd"], "2140000.00");
        assert_eq!(financials["financials"]["transferredUsd"], "500000.00");
        assert_eq!(financials["financials"]["expenditureUsd"], "200000.00");
        assert_eq!(dec(&financials["financials"]["deliveryRate"]), d("0.4"));
        assert_eq!(financials["financials"]["balanceUsd"], "1640000.00");
        assert_eq!(financials["transfers"].as_array().unwrap().len(), 1);
        assert_eq!(financials["expenditures"].as_array().unwrap().len(), 1);
        assert_eq!(
            totals(&app).await,
            json!({"pledgedUsd": "2250000.00", "committedUsd": "2250000.00", "depositedUsd": "2250000.00",
                "feesUsd": "22500.00", "netDepositedUsd": "2227500.00", "approvedUsd": "2140000.00",
                "transferredUsd": "500000.00", "expenditureUsd": "200000.00", "availableUsd": "1727500.00"})
        );

        // The audit trail shows every step, who took it and in which role; the steering
        // committee reads it too.
        let trail = app.data(Some(&committee), "{ auditEvents(first: 100) { totalCount nodes { action actor actorRole subjectType } } }", json!({})).await;
        let events = trail["auditEvents"]["nodes"].as_array().unwrap().clone();
        assert_eq!(trail["auditEvents"]["totalCount"], json!(events.len()));
        let count = |action: &str, actor: &str, role: &str| {
            events.iter().filter(|e| e["action"] == action && e["actor"] == actor && e["actorRole"] == role).count()
        };
        // Germany, and the second donor whose money made the allocation possible.
        assert_eq!(count("createDonor", "user:admin", "ADMIN"), 2);
        assert_eq!(count("recordContribution", "user:admin", "ADMIN"), 2);
        assert!(count("recordDeposit", "user:admin", "ADMIN") >= 2);
        assert_eq!(count("submitConceptNote", "user:ilo-focal-point", "PUNO"), 1);
        assert_eq!(count("reviewConceptNote", "user:officer", "ADMIN"), 1);
        assert_eq!(count("scheduleMeeting", "user:admin", "ADMIN"), 1);
        assert!(count("recordDecision", "user:committee", "STEERING_COMMITTEE") >= 2);
        assert!(count("createJointProgramme", "user:admin", "ADMIN") >= 1);
        assert_eq!(count("recordTransfer", "user:admin", "ADMIN"), 1);
        assert_eq!(count("reportExpenditure", "user:ilo-focal-point", "PUNO"), 1);
        assert_eq!(count("addIndicator", "user:ilo-focal-point", "PUNO"), 1);
        assert_eq!(count("reportIndicatorValue", "user:ilo-focal-point", "PUNO"), 2);
        // No refused caller appears in it.
        assert!(events.iter().all(|e| e["actor"] != "user:germany" && e["actorRole"] != "DONOR" && e["actorRole"] != "ANONYMOUS"));
        assert!(events.iter().all(|e| e["action"] != "recordDecision" || e["actor"] == "user:committee"));
    }
}

// -------------------------------------------------------------------------------------------
// 2. Contributions and deposits.

on_both! {
    async fn deposits_follow_the_signed_agreement_in_its_currency(app: TestApp) {
        let admin = app.admin();
        let donor = create_donor(&app, "Sweden").await;
        let eur = record_contribution(&app, &donor, "SWE-1", "EUR", "1000000.00", "0.8", None).await;
        accepted(&eur);
        let eur = id(&eur["contribution"]["id"]);
        let state = "... on Contribution { status version deposited { amount currency } depositedUsd deposits { id } }";

        // In another currency, or more than signed: refused, and nothing changes.
        let before = audit_count(&app).await;
        let usd = record_deposit(&app, &eur, "USD", "1000.00", "1", "swe-usd").await;
        refused_with(&usd, "VALIDATION", Some(&["input", "amount", "currency"]));
        assert_eq!(usd["deposit"], Value::Null);
        let over = record_deposit(&app, &eur, "EUR", "1000000.01", "0.8", "swe-over").await;
        refused_with(&over, "VALIDATION", Some(&["input", "amount"]));
        assert_eq!(audit_count(&app).await, before);
        let unchanged = node(&app, &eur, state).await;
        assert_eq!(unchanged["status"], "SIGNED");
        assert_eq!(unchanged["version"], 1);
        assert_eq!(unchanged["deposited"], json!({"amount": "0.00", "currency": "EUR"}));
        assert_eq!(unchanged["depositedUsd"], "0.00");
        assert_eq!(unchanged["deposits"], json!([]));
        assert_eq!(totals(&app).await["depositedUsd"], "0.00");

        // Malformed input never reaches the database.
        app.until_quiet().await;
        let deposit = |amount: &str, currency: &str| json!({"contribution": eur, "receivedOn": "2021-03-01",
            "amount": {"amount": amount, "currency": currency}, "exchangeRate": "0.8", "idempotencyKey": "swe-bad"});
        let negative = mutate(&app, Some(&admin), "recordDeposit", "deposit { id }", deposit("-100.00", "EUR")).await;
        refused_with(&negative["data"]["recordDeposit"], "VALIDATION", Some(&["input", "amount"]));
        assert_eq!(negative["extensions"]["sqlStatements"], 0, "{negative:#}");
        for (amount, currency) in [("1,000.00", "EUR"), ("1e3", "EUR"), ("100.00", "XYZ")] {
            let malformed = mutate(&app, Some(&admin), "recordDeposit", "deposit { id }", deposit(amount, currency)).await;
            assert_eq!(malformed["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{malformed:#}");
            assert_eq!(malformed["extensions"]["sqlStatements"], 0, "{malformed:#}");
        }
        let backwards = mutate(&app, Some(&admin), "recordContribution", "contribution { id }", json!({
            "donor": donor, "reference": "SWE-BACKWARDS", "pledged": {"amount": "1.00", "currency": "USD"},
            "pledgedOn": "2021-05-01", "signedOn": "2021-04-01", "earmarking": "UNEARMARKED", "idempotencyKey": "swe-backwards"})).await;
        refused_with(&backwards["data"]["recordContribution"], "VALIDATION", Some(&["input", "signedOn"]));
        assert_eq!(backwards["extensions"]["sqlStatements"], 0, "{backwards:#}");
        assert_eq!(audit_count(&app).await, before);

        // Deposits add up to the agreement, never beyond it: one cent too many is refused.
        accepted(&record_deposit(&app, &eur, "EUR", "600000.00", "0.8", "swe-a").await);
        let cent_over = record_deposit(&app, &eur, "EUR", "400000.01", "0.8", "swe-b").await;
        refused_with(&cent_over, "VALIDATION", Some(&["input", "amount"]));
        let rest = record_deposit(&app, &eur, "EUR", "400000.00", "0.8", "swe-c").await;
        accepted(&rest);
        assert_eq!(rest["contribution"]["status"], "FULLY_DEPOSITED");
        let paid = record_deposit(&app, &eur, "EUR", "0.01", "0.8", "swe-d").await;
        refused_with(&paid, "INVALID_TRANSITION", None);
        let full = node(&app, &eur, state).await;
        assert_eq!(full["deposited"], json!({"amount": "1000000.00", "currency": "EUR"}));
        assert_eq!(full["depositedUsd"], "1250000.00");
        assert_eq!(full["deposits"].as_array().unwrap().len(), 2);

        // Once money has arrived, the agreement cannot be cancelled.
        let cancel = command(&app, &admin, "cancelContribution", "contribution { status }",
            json!({"contribution": eur, "expectedVersion": full["version"], "reason": "Changed its mind"})).await;
        refused_with(&cancel, "INVALID_TRANSITION", None);
        assert_eq!(node(&app, &eur, state).await["status"], "FULLY_DEPOSITED");

        // Yen have no minor unit.
        let yen = record_contribution(&app, &donor, "SWE-JPY", "JPY", "110000000.5", "110", None).await;
        refused_on_prefix(&yen, "VALIDATION", &["input", "pledged"]);
        let yen = record_contribution(&app, &donor, "SWE-JPY", "JPY", "110000000", "110", None).await;
        accepted(&yen);
        let yen = id(&yen["contribution"]["id"]);
        let fraction = record_deposit(&app, &yen, "JPY", "55000000.5", "110", "swe-jpy-a").await;
        refused_on_prefix(&fraction, "VALIDATION", &["input", "amount"]);
        let whole = record_deposit(&app, &yen, "JPY", "55000000", "110", "swe-jpy-b").await;
        accepted(&whole);
        assert_eq!(whole["deposit"]["amount"], json!({"amount": "55000000", "currency": "JPY"}));
        assert_eq!(whole["deposit"]["amountUsd"], "500000.00");
        assert_eq!(whole["deposit"]["administrativeAgentFeeUsd"], "5000.00");
        assert_eq!(whole["contribution"]["outstanding"], json!({"amount": "55000000", "currency": "JPY"}));

        // A pledge takes no deposit, and is cancelled with its current version only.
        let pledge = command(&app, &admin, "recordContribution", "contribution { id status version pledgedUsd }", json!({
            "donor": donor, "reference": "SWE-PLEDGE", "pledged": {"amount": "300000.00", "currency": "USD"},
            "pledgedOn": "2021-05-01", "earmarking": "UNEARMARKED", "idempotencyKey": "swe-pledge"})).await;
        accepted(&pledge);
        assert_eq!(pledge["contribution"]["status"], "PLEDGED");
        let version = pledge["contribution"]["version"].as_i64().unwrap();
        let pledge = id(&pledge["contribution"]["id"]);
        let early = record_deposit(&app, &pledge, "USD", "1.00", "1", "swe-pledge-a").await;
        refused_with(&early, "INVALID_TRANSITION", None);
        let stale = command(&app, &admin, "cancelContribution", "contribution { status }",
            json!({"contribution": pledge, "expectedVersion": version - 1, "reason": "Withdrawn"})).await;
        refused_with(&stale, "STALE_VERSION", Some(&["input", "expectedVersion"]));
        assert_eq!(node(&app, &pledge, state).await["status"], "PLEDGED");
        assert_eq!(totals(&app).await["pledgedUsd"], "2550000.00");
        let cancelled = command(&app, &admin, "cancelContribution", "contribution { status version }",
            json!({"contribution": pledge, "expectedVersion": version, "reason": "Withdrawn"})).await;
        accepted(&cancelled);
        assert_eq!(cancelled["contribution"]["status"], "CANCELLED");
        let again = command(&app, &admin, "cancelContribution", "contribution { status }",
            json!({"contribution": pledge, "expectedVersion": cancelled["contribution"]["version"], "reason": "Twice"})).await;
        refused_with(&again, "INVALID_TRANSITION", None);
        // A cancelled pledge no longer counts.
        assert_eq!(totals(&app).await["pledgedUsd"], "2250000.00");

        // Signing a pledge moves its version on: the old version is stale.
        let pledge = command(&app, &admin, "recordContribution", "contribution { id version }", json!({
            "donor": donor, "reference": "SWE-PLEDGE-2", "pledged": {"amount": "100000.00", "currency": "USD"},
            "pledgedOn": "2021-05-01", "earmarking": "UNEARMARKED", "idempotencyKey": "swe-pledge-2"})).await;
        accepted(&pledge);
        let version = pledge["contribution"]["version"].as_i64().unwrap();
        let pledge = id(&pledge["contribution"]["id"]);
        let signed = command(&app, &admin, "signContribution", "contribution { status version }",
            json!({"contribution": pledge, "expectedVersion": version, "signedOn": "2021-06-01"})).await;
        accepted(&signed);
        assert_eq!(signed["contribution"]["status"], "SIGNED");
        let stale = command(&app, &admin, "cancelContribution", "contribution { status }",
            json!({"contribution": pledge, "expectedVersion": version, "reason": "Stale"})).await;
        refused_with(&stale, "STALE_VERSION", Some(&["input", "expectedVersion"]));
        assert_eq!(node(&app, &pledge, state).await["status"], "SIGNED");

        // Updates of donors too.
        let renamed = command(&app, &admin, "updateDonor", "donor { name version }",
            json!({"id": donor, "expectedVersion": 1, "name": "Kingdom of Sweden"})).await;
        accepted(&renamed);
        let stale = command(&app, &admin, "updateDonor", "donor { name }",
            json!({"id": donor, "expectedVersion": 1, "name": "Sverige"})).await;
        refused_with(&stale, "STALE_VERSION", Some(&["input", "expectedVersion"]));
        assert_eq!(node(&app, &donor, "... on Donor { name }").await["name"], "Kingdom of Sweden");
    }
}

// -------------------------------------------------------------------------------------------
// 3. Earmarking.

on_both! {
    async fn money_earmarked_to_an_area_pays_only_that_areas_programmes(app: TestApp) {
        let admin = app.admin();
        // Only money earmarked to area 3 (border management) is in the fund: the committee cannot
        // allocate it to a programme of area 4 (regular migration and decent work).
        deposit_usd(&app, "1000000.00", Some(3)).await;
        let area4 = pipeline_note(&app, 4, 6).await;
        let meeting = schedule_meeting(&app).await;
        let before = audit_count(&app).await;
        let refused = decide(&app, &meeting, "FUNDING", &area4, Some("100.00")).await;
        refused_with(&refused, "INSUFFICIENT_FUNDS", Some(&["input", "amountUsd"]));
        assert!(refused["userErrors"][0]["message"].as_str().unwrap().contains("earmarked to other areas"), "{refused}");
        assert_eq!(note_state(&app, &area4).await["status"], "PIPELINE");
        assert_eq!(audit_count(&app).await, before);

        // Unearmarked money serves any area; money earmarked to area 4 is allocated first, and a
        // transfer draws on the pools its decision's allocation drew on.
        deposit_usd(&app, "100000.00", None).await;
        deposit_usd(&app, "10000.00", Some(4)).await;
        let area4 = programme_with_budget(&app, 4, 6, "50000.00").await;
        let ilo = area4.organizations[0].clone();
        let mixed = transfer(&app, &admin, &area4, &ilo, "25000.00", "a4-1").await;
        accepted(&mixed);
        assert_eq!(mixed["transfer"]["fromEarmarkedUsd"], "9900.00");
        assert_eq!(mixed["transfer"]["fromUnearmarkedUsd"], "15100.00");
        let rest = transfer(&app, &admin, &area4, &area4.organizations[1], "25000.00", "a4-2").await;
        accepted(&rest);
        assert_eq!(rest["transfer"]["fromEarmarkedUsd"], "0.00");
        assert_eq!(rest["transfer"]["fromUnearmarkedUsd"], "25000.00");

        // 58,900.00 unearmarked is left for area 4: a cent more would take area 3's money.
        let other = pipeline_note(&app, 4, 6).await;
        let too_much = decide(&app, &meeting, "FUNDING", &other, Some("58900.01")).await;
        refused_with(&too_much, "INSUFFICIENT_FUNDS", Some(&["input", "amountUsd"]));
        accepted(&decide(&app, &meeting, "FUNDING", &other, Some("58900.00")).await);

        // Area 3's money pays a programme of area 3.
        let area3 = programme_with_budget(&app, 3, 9, "500000.00").await;
        let paid = transfer(&app, &admin, &area3, &area3.organizations[0], "250000.00", "a3-1").await;
        accepted(&paid);
        assert_eq!(paid["transfer"]["fromEarmarkedUsd"], "250000.00");
        assert_eq!(paid["transfer"]["fromUnearmarkedUsd"], "0.00");

        // 990,000 + 99,000 + 9,900 net, less 300,000 transferred.
        let totals = totals(&app).await;
        assert_eq!(totals["transferredUsd"], "300000.00");
        assert_eq!(totals["availableUsd"], "798900.00");
        let areas = app.data(Some(&admin), "{ portfolio { byThematicArea { area { number } earmarkedUsd transferredUsd } } }", json!({})).await;
        let area3 = find(&areas["portfolio"]["byThematicArea"], "area", json!({"number": 3}));
        assert_eq!(area3["transferredUsd"], "250000.00");
    }
}

// -------------------------------------------------------------------------------------------
// 4. Concept notes: what a note must hold, and its state machine.

on_both! {
    async fn a_concept_note_needs_partners_objectives_and_markers_in_range(app: TestApp) {
        let ilo = organization_id(&app, "ILO").await;
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let before = audit_count(&app).await;
        let submit = |input: Value| {
            let puno = puno.clone();
            let app = &app;
            async move { command(app, &puno, "submitConceptNote", "conceptNote { id }", input).await }
        };

        let mut input = concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await;
        input["markers"]["gender"] = json!(4);
        refused_with(&submit(input).await, "VALIDATION", Some(&["input", "markers", "gender"]));
        let mut input = concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await;
        input["markers"]["childSensitivity"] = json!(-1);
        refused_with(&submit(input).await, "VALIDATION", Some(&["input", "markers", "childSensitivity"]));

        // One organization is not a joint programme, even when named twice.
        let alone = concept_note_input(&app, 4, &[6], "ILO", &[]).await;
        refused_with(&submit(alone).await, "VALIDATION", Some(&["input", "participatingOrganizations"]));
        let twice = concept_note_input(&app, 4, &[6], "ILO", &["ILO"]).await;
        refused_with(&submit(twice).await, "VALIDATION", Some(&["input", "participatingOrganizations"]));

        // At least one objective, and an area that clusters one of them (9 is area 3's).
        let none = concept_note_input(&app, 4, &[], "ILO", &["IOM"]).await;
        refused_with(&submit(none).await, "VALIDATION", Some(&["input", "objectives"]));
        let elsewhere = concept_note_input(&app, 4, &[9], "ILO", &["IOM"]).await;
        refused_with(&submit(elsewhere).await, "VALIDATION", Some(&["input", "thematicArea"]));

        assert_eq!(audit_count(&app).await, before, "refused notes left audit events");
        let notes = app.data(Some(&app.admin()), "{ conceptNotes { totalCount } }", json!({})).await;
        assert_eq!(notes["conceptNotes"]["totalCount"], 0);

        // An area that clusters one of several objectives is enough.
        let fine = concept_note_input(&app, 4, &[9, 6], "ILO", &["IOM", "UN Women"]).await;
        let fine = submit(fine).await;
        accepted(&fine);
        let note = node(&app, &id(&fine["conceptNote"]["id"]), "... on ConceptNote { convening { acronym } participatingOrganizations { acronym } objectives { number } }").await;
        assert_eq!(note["convening"]["acronym"], "ILO");
        assert_eq!(note["participatingOrganizations"].as_array().unwrap().len(), 3);
    }
}

// Regression: the refusal once named ["input", "conveningOrganization"], a field the input lacks.
on_both! {
    async fn a_puno_submits_only_as_its_own_convening_organization(app: TestApp) {
        let ilo = organization_id(&app, "ILO").await;
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let input = concept_note_input(&app, 4, &[6], "IOM", &["ILO"]).await;
        let before = audit_count(&app).await;
        let refused = command(&app, &puno, "submitConceptNote", "conceptNote { id }", input).await;
        refused_with(&refused, "VALIDATION", Some(&["input", "convening"]));
        assert_eq!(audit_count(&app).await, before);
    }
}

on_both! {
    async fn a_concept_note_moves_only_along_the_programming_cycle(app: TestApp) {
        let admin = app.admin();
        deposit_usd(&app, "3000000.00", None).await;
        let officer = app.officer();
        let committee = app.committee();
        let ilo = organization_id(&app, "ILO").await;
        let iom = organization_id(&app, "IOM").await;
        let ilo_token = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let iom_token = app.puno_token(row_id(&json!(iom)), "user:iom");
        let meeting = schedule_meeting(&app).await;
        let review_as = |token: String, note: String, outcome: &'static str| {
            let app = &app;
            async move {
                command(app, &token, "reviewConceptNote", "conceptNote { status }",
                    json!({"conceptNote": note, "outcome": outcome, "score": 70, "comments": "Reviewed."})).await
            }
        };
        let decide_on = |note: String, kind: &'static str, amount: Option<&'static str>| {
            let app = &app;
            let committee = committee.clone();
            let meeting = meeting.clone();
            async move {
                command(app, &committee, "recordDecision", "decision { id }", decision_input(&meeting, kind, &note, amount)).await
            }
        };

        // No one reviews a note they submitted.
        let note = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        let note = id(&note["conceptNote"]["id"]);
        let own = review_as(admin.clone(), note.clone(), "RECOMMENDED").await;
        refused_with(&own, "SEPARATION_OF_DUTIES", None);
        let state = note_state(&app, &note).await;
        assert_eq!(state["status"], "SUBMITTED");
        assert_eq!(state["version"], 1);
        assert_eq!(state["reviews"], json!([]));

        // Only a note in the pipeline is funded.
        let decision_on_submitted = decide_on(note.clone(), "PIPELINE", None).await;
        refused_with(&decision_on_submitted, "INVALID_TRANSITION", None);
        accepted(&review_as(officer.clone(), note.clone(), "RECOMMENDED").await);
        let early = decide_on(note.clone(), "FUNDING", Some("2140000.00")).await;
        refused_with(&early, "INVALID_TRANSITION", None);
        let state = note_state(&app, &note).await;
        assert_eq!(state["status"], "UNDER_REVIEW");
        assert_eq!(state["decisions"], json!([]));

        // The pipeline may go back to review (a deferral), then on to funding.
        accepted(&decide_on(note.clone(), "PIPELINE", None).await);
        assert_eq!(note_state(&app, &note).await["status"], "PIPELINE");
        let back = review_as(officer.clone(), note.clone(), "RECOMMENDED").await;
        refused_with(&back, "INVALID_TRANSITION", None);
        accepted(&decide_on(note.clone(), "DEFERRAL", None).await);
        assert_eq!(note_state(&app, &note).await["status"], "UNDER_REVIEW");
        accepted(&decide_on(note.clone(), "PIPELINE", None).await);
        accepted(&decide_on(note.clone(), "FUNDING", Some("2140000.00")).await);
        assert_eq!(note_state(&app, &note).await["status"], "APPROVED");
        let programme = command(&app, &admin, "createJointProgramme", "jointProgramme { id }",
            json!({"conceptNote": note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [
                {"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "1000000.00"}]})).await;
        accepted(&programme);
        let state = note_state(&app, &note).await;
        assert_eq!(state["status"], "FUNDED");
        let kinds: Vec<&str> = state["decisions"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["PIPELINE", "DEFERRAL", "PIPELINE", "FUNDING"]);

        // A funded note is not withdrawn, rejected or funded again.
        let before = audit_count(&app).await;
        let withdraw = command(&app, &admin, "withdrawConceptNote", "conceptNote { status }",
            json!({"conceptNote": note, "expectedVersion": state["version"], "reason": "Too late"})).await;
        refused_with(&withdraw, "INVALID_TRANSITION", None);
        refused_with(&decide_on(note.clone(), "REJECTION", None).await, "INVALID_TRANSITION", None);
        refused_with(&decide_on(note.clone(), "FUNDING", Some("1.00")).await, "INVALID_TRANSITION", None);
        assert_eq!(audit_count(&app).await, before);
        assert_eq!(note_state(&app, &note).await["status"], "FUNDED");

        // The convening organization withdraws its note, at its current version; a partner cannot.
        let other = submit_note(&app, &ilo_token, 4, 6, "ILO", "IOM").await;
        let other = id(&other["conceptNote"]["id"]);
        accepted(&review_as(officer.clone(), other.clone(), "NOT_RECOMMENDED").await);
        let version = note_state(&app, &other).await["version"].as_i64().unwrap();
        assert_refused(&app, Some(&iom_token), "withdrawConceptNote",
            json!({"conceptNote": other, "expectedVersion": version, "reason": "Not ours"}), "FORBIDDEN").await;
        let stale = command(&app, &ilo_token, "withdrawConceptNote", "conceptNote { status }",
            json!({"conceptNote": other, "expectedVersion": version - 1, "reason": "Stale"})).await;
        refused_with(&stale, "STALE_VERSION", Some(&["input", "expectedVersion"]));
        let withdrawn = command(&app, &ilo_token, "withdrawConceptNote", "conceptNote { status }",
            json!({"conceptNote": other, "expectedVersion": version, "reason": "Merged into another"})).await;
        accepted(&withdrawn);
        assert_eq!(withdrawn["conceptNote"]["status"], "WITHDRAWN");
        refused_with(&review_as(officer.clone(), other.clone(), "RECOMMENDED").await, "INVALID_TRANSITION", None);
        refused_with(&decide_on(other.clone(), "PIPELINE", None).await, "INVALID_TRANSITION", None);

        // Screened out and rejected notes end there.
        let screened = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        let screened = id(&screened["conceptNote"]["id"]);
        let out = review_as(officer.clone(), screened.clone(), "SCREENED_OUT").await;
        accepted(&out);
        assert_eq!(out["conceptNote"]["status"], "SCREENED_OUT");
        refused_with(&decide_on(screened.clone(), "PIPELINE", None).await, "INVALID_TRANSITION", None);
        let rejected = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        let rejected = id(&rejected["conceptNote"]["id"]);
        accepted(&review_as(officer.clone(), rejected.clone(), "RECOMMENDED").await);
        accepted(&decide_on(rejected.clone(), "PIPELINE", None).await);
        accepted(&decide_on(rejected.clone(), "REJECTION", None).await);
        assert_eq!(note_state(&app, &rejected).await["status"], "REJECTED");
        refused_with(&decide_on(rejected.clone(), "FUNDING", Some("1000.00")).await, "INVALID_TRANSITION", None);
        refused_with(&decide_on(rejected.clone(), "PIPELINE", None).await, "INVALID_TRANSITION", None);
    }
}

// -------------------------------------------------------------------------------------------
// 5. Decisions and joint programmes.

on_both! {
    async fn only_the_steering_committee_decides(app: TestApp) {
        let note = submit_note(&app, &app.admin(), 4, 6, "ILO", "IOM").await;
        let note = id(&note["conceptNote"]["id"]);
        accepted(&review(&app, &note, "RECOMMENDED").await);
        let meeting = schedule_meeting(&app).await;
        let ilo = organization_id(&app, "ILO").await;
        let donor = create_donor(&app, "Netherlands").await;
        let pipeline = decision_input(&meeting, "PIPELINE", &note, None);
        // ADMIN records decisions that wait for the chair (decisions_as_taken.rs); no one else
        // but the committee records them at all.
        let callers = [
            (Some(app.puno_token(row_id(&json!(ilo)), "user:ilo")), "FORBIDDEN"),
            (Some(app.donor_token(row_id(&json!(donor)), "user:nl")), "FORBIDDEN"),
            (Some(app.token(Role::PartnerSystem, "client:dashboard")), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ];
        for (token, code) in &callers {
            assert_refused(&app, token.as_deref(), "recordDecision", pipeline.clone(), code).await;
        }
        let state = note_state(&app, &note).await;
        assert_eq!(state["status"], "UNDER_REVIEW");
        assert_eq!(state["decisions"], json!([]));

        // A funding decision states its amount; a pipeline decision has none.
        let committee = app.committee();
        let with_amount = command(&app, &committee, "recordDecision", "decision { id }",
            decision_input(&meeting, "PIPELINE", &note, Some("100.00"))).await;
        refused_with(&with_amount, "VALIDATION", Some(&["input", "amountUsd"]));
        let decided = command(&app, &committee, "recordDecision", "decision { id kind recordedBy meeting { id } subject { ... on ConceptNote { id } } }", pipeline).await;
        accepted(&decided);
        assert_eq!(decided["decision"]["meeting"]["id"], json!(meeting));
        assert_eq!(decided["decision"]["subject"]["id"], json!(note));
        let no_amount = command(&app, &committee, "recordDecision", "decision { id }",
            decision_input(&meeting, "FUNDING", &note, None)).await;
        refused_with(&no_amount, "VALIDATION", Some(&["input", "amountUsd"]));
        assert_eq!(note_state(&app, &note).await["status"], "PIPELINE");
    }
}

on_both! {
    async fn a_programme_budgets_exactly_what_was_approved(app: TestApp) {
        let admin = app.admin();
        deposit_usd(&app, "3000000.00", None).await;
        let approved = approved_note(&app, 4, 6, "2140000.00").await;
        let ilo = organization_id(&app, "ILO").await;
        let iom = organization_id(&app, "IOM").await;
        let undp = organization_id(&app, "UNDP").await;
        let create = |lines: Value| {
            let app = &app;
            let admin = admin.clone();
            let note = approved.note.clone();
            async move {
                command(app, &admin, "createJointProgramme", "jointProgramme { id status approvedBudgetUsd budgetLines { organization { acronym } indirectSupportCostRate indirectSupportCostUsd totalUsd } conceptNote { status } }",
                    json!({"conceptNote": note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": lines})).await
            }
        };
        let before = audit_count(&app).await;

        // One cent over the approved amount, or under it.
        let over = create(json!([{"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "1000000.01"}])).await;
        refused_with(&over, "BUDGET_EXCEEDED", Some(&["input", "budgetLines"]));
        let under = create(json!([{"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "999999.99"}])).await;
        refused_with(&under, "VALIDATION", Some(&["input", "budgetLines"]));
        // At least two organizations, each once, each taking part in the note.
        let alone = create(json!([{"organization": ilo, "programmableUsd": "2000000.00"}])).await;
        refused_with(&alone, "VALIDATION", Some(&["input", "budgetLines"]));
        let twice = create(json!([{"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": ilo, "programmableUsd": "1000000.00"}])).await;
        assert_eq!(twice["userErrors"][0]["code"], "DUPLICATE", "{twice}");
        let outsider = create(json!([{"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": undp, "programmableUsd": "1000000.00"}])).await;
        refused_with(&outsider, "VALIDATION", Some(&["input", "budgetLines"]));
        let lines = json!([{"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "990740.74", "indirectSupportCostRate": "0.08"}]);
        let input = json!({"conceptNote": approved.note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": lines});
        assert_refused(&app, Some(&app.committee()), "createJointProgramme", input.clone(), "FORBIDDEN").await;
        assert_eq!(audit_count(&app).await, before, "refused programmes left audit events");
        let state = note_state(&app, &approved.note).await;
        assert_eq!(state["status"], "APPROVED");
        assert_eq!(state["jointProgramme"], Value::Null);

        // Exactly the approved amount, with a line at its own rate: 990,740.74 + 8% = 1,070,000.00.
        let created = create(lines.clone()).await;
        accepted(&created);
        let programme = &created["jointProgramme"];
        assert_eq!(programme["status"], "APPROVED");
        assert_eq!(programme["approvedBudgetUsd"], "2140000.00");
        assert_eq!(programme["conceptNote"]["status"], "FUNDED");
        let iom_line = find(&programme["budgetLines"], "organization", json!({"acronym": "IOM"}));
        assert_eq!(dec(&iom_line["indirectSupportCostRate"]), d("0.08"));
        assert_eq!(iom_line["indirectSupportCostUsd"], "79259.26");
        assert_eq!(iom_line["totalUsd"], "1070000.00");
        let state = note_state(&app, &approved.note).await;
        assert_eq!(state["status"], "FUNDED");
        assert_eq!(state["jointProgramme"]["id"], programme["id"]);
        let decisions: Vec<&Value> = state["decisions"].as_array().unwrap().iter().map(|d| &d["id"]).collect();
        assert_eq!(decisions, [&json!(approved.pipeline_decision), &json!(approved.funding_decision)]);
        assert_eq!(totals(&app).await["approvedUsd"], "2140000.00");

        // A note becomes one programme only.
        let again = create(lines).await;
        refused_with(&again, "INVALID_TRANSITION", None);
        let count = app.data(Some(&admin), "{ jointProgrammes { totalCount } }", json!({})).await;
        assert_eq!(count["jointProgrammes"]["totalCount"], 1);

        // A note only in the pipeline is not made a programme.
        let pipeline = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        let pipeline = id(&pipeline["conceptNote"]["id"]);
        accepted(&review(&app, &pipeline, "RECOMMENDED").await);
        accepted(&decide(&app, &approved.meeting, "PIPELINE", &pipeline, None).await);
        let early = command(&app, &admin, "createJointProgramme", "jointProgramme { id }",
            json!({"conceptNote": pipeline, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [
                {"organization": ilo, "programmableUsd": "1000000.00"}, {"organization": iom, "programmableUsd": "1000000.00"}]})).await;
        refused_with(&early, "INVALID_TRANSITION", None);
    }
}

// "No role approves its own request" (API.md): regression for record_decision, which once let
// the submitter of a note decide on it under a committee token with the same subject.
on_both! {
    async fn no_one_funds_a_note_they_submitted(app: TestApp) {
        // The same person as the committee member who decides, holding an ADMIN token.
        let same_person = app.token(Role::Admin, "user:committee");
        let note = submit_note(&app, &same_person, 4, 6, "ILO", "IOM").await;
        let note = id(&note["conceptNote"]["id"]);
        accepted(&review(&app, &note, "RECOMMENDED").await);
        let meeting = schedule_meeting(&app).await;
        let before = audit_count(&app).await;
        let own = decide(&app, &meeting, "PIPELINE", &note, None).await;
        refused_with(&own, "SEPARATION_OF_DUTIES", None);
        assert_eq!(audit_count(&app).await, before);
        assert_eq!(note_state(&app, &note).await["status"], "UNDER_REVIEW");
    }
}

// -------------------------------------------------------------------------------------------
// 6. Transfers.

on_both! {
    async fn transfers_rest_on_the_funding_decision_within_budget_and_balance(app: TestApp) {
        let admin = app.admin();
        // USD 3,000,000 deposited: 2,970,000 net.
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let [ilo, iom] = funded.organizations.clone();
        let note = note_state(&app, &funded.note).await;
        let pipeline_decision = id(&find(&note["decisions"], "kind", json!("PIPELINE"))["id"]);
        let other = approved_note(&app, 4, 6, "500000.00").await;
        let before = audit_count(&app).await;

        // Only ADMIN, and not whoever recorded the decision.
        let input = transfer_input(&funded, &ilo, "100000.00", "t-role");
        assert_refused(&app, Some(&app.committee()), "recordTransfer", input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&app.puno_token(row_id(&json!(ilo)), "user:ilo")), "recordTransfer", input.clone(), "FORBIDDEN").await;
        assert_refused(&app, None, "recordTransfer", input.clone(), "UNAUTHENTICATED").await;
        let same_person = app.token(Role::Admin, "user:committee");
        let own = command(&app, &same_person, "recordTransfer", TRANSFER, input).await;
        refused_with(&own, "SEPARATION_OF_DUTIES", Some(&["input", "decision"]));

        // Only on this programme's funding decision.
        let mut on_pipeline = transfer_input(&funded, &ilo, "100000.00", "t-pipeline");
        on_pipeline["decision"] = json!(pipeline_decision);
        refused_with(&command(&app, &admin, "recordTransfer", TRANSFER, on_pipeline).await, "VALIDATION", Some(&["input", "decision"]));
        let mut on_other = transfer_input(&funded, &ilo, "100000.00", "t-other");
        on_other["decision"] = json!(other.funding_decision);
        refused_with(&command(&app, &admin, "recordTransfer", TRANSFER, on_other).await, "VALIDATION", Some(&["input", "decision"]));
        // To an organization with a budget line, for a positive amount, not in the future.
        let undp = organization_id(&app, "UNDP").await;
        refused_with(&transfer(&app, &admin, &funded, &undp, "100000.00", "t-undp").await, "VALIDATION", Some(&["input", "organization"]));
        refused_with(&transfer(&app, &admin, &funded, &ilo, "-5.00", "t-negative").await, "VALIDATION", Some(&["input", "amountUsd"]));
        refused_with(&transfer(&app, &admin, &funded, &ilo, "0.00", "t-zero").await, "VALIDATION", Some(&["input", "amountUsd"]));
        let mut future = transfer_input(&funded, &ilo, "100000.00", "t-future");
        future["transferredOn"] = json!("2099-01-01");
        refused_with(&command(&app, &admin, "recordTransfer", TRANSFER, future).await, "VALIDATION", Some(&["input", "transferredOn"]));
        assert_eq!(audit_count(&app).await, before);
        assert_eq!(totals(&app).await["transferredUsd"], "0.00");

        // Never more than the budget line still untransferred.
        let over_line = transfer(&app, &admin, &funded, &ilo, "1070000.01", "t-1").await;
        refused_with(&over_line, "BUDGET_EXCEEDED", Some(&["input", "amountUsd"]));
        accepted(&transfer(&app, &admin, &funded, &ilo, "1000000.00", "t-2").await);
        refused_with(&transfer(&app, &admin, &funded, &ilo, "70000.01", "t-3").await, "BUDGET_EXCEEDED", Some(&["input", "amountUsd"]));
        accepted(&transfer(&app, &admin, &funded, &ilo, "70000.00", "t-4").await);
        refused_with(&transfer(&app, &admin, &funded, &ilo, "0.01", "t-5").await, "BUDGET_EXCEEDED", Some(&["input", "amountUsd"]));

        // Never more than the decision allocated: its budget lines add up to it, and a transfer
        // on another programme's decision is refused above; the committee never allocates more
        // than is uncommitted: 2,970,000 net − 2,140,000 − 500,000 leaves 330,000.00.
        let third = pipeline_note(&app, 4, 6).await;
        let before = audit_count(&app).await;
        let over_balance = decide(&app, &funded.meeting, "FUNDING", &third, Some("330000.01")).await;
        refused_with(&over_balance, "INSUFFICIENT_FUNDS", Some(&["input", "amountUsd"]));
        assert_eq!(audit_count(&app).await, before);
        accepted(&decide(&app, &funded.meeting, "FUNDING", &third, Some("330000.00")).await);
        let fourth = pipeline_note(&app, 4, 6).await;
        refused_with(&decide(&app, &funded.meeting, "FUNDING", &fourth, Some("0.01")).await, "INSUFFICIENT_FUNDS", Some(&["input", "amountUsd"]));
        accepted(&transfer(&app, &admin, &funded, &iom, "415000.00", "t-7").await);

        let totals = totals(&app).await;
        assert_eq!(totals["transferredUsd"], "1485000.00");
        assert_eq!(totals["availableUsd"], "1485000.00");
        let programme = node(&app, &funded.programme, "... on JointProgramme { financials { transferredUsd balanceUsd } transfers { amountUsd decision { id } } }").await;
        assert_eq!(programme["financials"]["transferredUsd"], "1485000.00");
        assert_eq!(programme["financials"]["balanceUsd"], "655000.00");
        assert_eq!(programme["transfers"].as_array().unwrap().len(), 3);
        assert!(programme["transfers"].as_array().unwrap().iter().all(|t| t["decision"]["id"] == json!(funded.funding_decision)));
    }
}

on_both! {
    async fn a_suspended_programme_receives_no_transfers(app: TestApp) {
        let admin = app.admin();
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let suspended = command(&app, &app.committee(), "recordDecision", "decision { id }",
            decision_input(&funded.meeting, "SUSPENSION", &funded.programme, None)).await;
        accepted(&suspended);
        let refused = transfer(&app, &admin, &funded, &funded.organizations[0], "1000.00", "s-1").await;
        refused_with(&refused, "INVALID_TRANSITION", None);
        assert_eq!(totals(&app).await["transferredUsd"], "0.00");
    }
}

// -------------------------------------------------------------------------------------------
// 7. Concurrency: the available balance is never overdrawn.

on_both! {
    async fn concurrent_allocations_and_transfers_never_overdraw_the_fund(app: TestApp) {
        // USD 1,010,101.01 gross is 1,000,000.00 net: three allocations of 299,600.00 fit.
        deposit_usd(&app, "1010101.01", None).await;
        let approved = two_lines_at_seven_percent("140000.00");
        assert_eq!(approved, "299600.00");
        let meeting = schedule_meeting(&app).await;
        let mut notes = Vec::new();
        for _ in 0..12 {
            notes.push(pipeline_note(&app, 4, 6).await);
        }
        // On PostgreSQL, half the requests go to a second server on the same database.
        let second = second_server(&app).await;
        let servers: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
        let committee = app.committee();
        let racing = join_all(notes.iter().enumerate().map(|(i, note)| {
            let server = servers[i % servers.len()];
            let input = decision_input(&meeting, "FUNDING", note, Some(&approved));
            let token = committee.clone();
            async move { mutate(server, Some(&token), "recordDecision", "decision { id }", input).await }
        }));
        let mut funded_notes = Vec::new();
        for (response, note) in racing.await.iter().zip(&notes) {
            assert!(response.get("errors").is_none(), "{response:#}");
            let payload = &response["data"]["recordDecision"];
            if payload["decision"].is_null() {
                refused_with(payload, "INSUFFICIENT_FUNDS", Some(&["input", "amountUsd"]));
            } else {
                accepted(payload);
                funded_notes.push((note.clone(), id(&payload["decision"]["id"])));
            }
        }
        // The allocations ran one after another: exactly as many as the money allows.
        assert_eq!(funded_notes.len(), 3, "{funded_notes:?}");

        // Transfers race on one budget line of 149,800.00: two of 60,000 fit, not three.
        let (note, decision) = funded_notes[0].clone();
        let funded = programme_on(&app, &note, &meeting, &decision, "140000.00").await;
        let ilo = funded.organizations[0].clone();
        let token = app.admin();
        let racing = join_all((0..10).map(|i| {
            let server = servers[i % servers.len()];
            let input = transfer_input(&funded, &ilo, "60000.00", &format!("race-{i}"));
            let token = token.clone();
            async move { mutate(server, Some(&token), "recordTransfer", TRANSFER, input).await }
        }));
        // Meanwhile, the dashboard never shows a negative balance.
        let watching = async {
            let mut seen = Vec::new();
            for _ in 0..10 {
                seen.push(dec(&totals(&app).await["availableUsd"]));
            }
            seen
        };
        let (responses, seen) = futures::join!(racing, watching);
        assert!(seen.iter().all(|a| *a >= Decimal::ZERO), "a negative balance was shown: {seen:?}");
        let mut accepted_ids = BTreeSet::new();
        for response in &responses {
            assert!(response.get("errors").is_none(), "{response:#}");
            let payload = &response["data"]["recordTransfer"];
            if payload["transfer"].is_null() {
                refused_with(payload, "BUDGET_EXCEEDED", Some(&["input", "amountUsd"]));
            } else {
                accepted(payload);
                assert!(accepted_ids.insert(id(&payload["transfer"]["id"])), "one transfer answered twice");
            }
        }
        assert_eq!(accepted_ids.len(), 2, "{responses:#?}");
        let totals = totals(&app).await;
        assert_eq!(totals["transferredUsd"], "120000.00");
        assert_eq!(totals["availableUsd"], "880000.00");
        let recorded = node(&app, &funded.programme, "... on JointProgramme { transfers { id } }").await;
        let rows: BTreeSet<String> = recorded["transfers"].as_array().unwrap().iter().map(|t| id(&t["id"])).collect();
        assert_eq!(rows, accepted_ids);
        let audited = app.data(Some(&app.admin()), "{ auditEvents(filter: {action: \"recordTransfer\"}) { totalCount } }", json!({})).await;
        assert_eq!(audited["auditEvents"]["totalCount"], json!(2));
    }
}

/// The servers a race is run from: on PostgreSQL, a second server on the same database, as a
/// second process would be.
async fn second_server(app: &TestApp) -> Option<TestApp> {
    match app.backend {
        Backend::Postgres => Some(TestApp::spawn_on(&app.database_url).await),
        Backend::Sqlite => None,
    }
}

on_both! {
    async fn concurrent_deposits_never_exceed_the_agreement(app: TestApp) {
        let donor = create_donor(&app, "Finland").await;
        let agreement = record_contribution(&app, &donor, "FIN-1", "USD", "1000000.00", "1", None).await;
        let agreement = id(&agreement["contribution"]["id"]);
        let second = second_server(&app).await;
        let servers: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
        let token = app.admin();
        let responses = join_all((0..10).map(|i| {
            let server = servers[i % servers.len()];
            let token = token.clone();
            let input = json!({"contribution": agreement, "receivedOn": "2021-03-01",
                "amount": {"amount": "300000.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": format!("fin-{i}")});
            async move { mutate(server, Some(&token), "recordDeposit", "deposit { id }", input).await }
        }))
        .await;
        let mut accepted_count = 0;
        for response in &responses {
            assert!(response.get("errors").is_none(), "{response:#}");
            let payload = &response["data"]["recordDeposit"];
            if payload["deposit"].is_null() {
                refused_with(payload, "VALIDATION", Some(&["input", "amount"]));
            } else {
                accepted_count += 1;
            }
        }
        assert_eq!(accepted_count, 3, "{responses:#?}");
        let state = node(&app, &agreement, "... on Contribution { status depositedUsd deposits { id } outstanding { amount } }").await;
        assert_eq!(state["status"], "PARTIALLY_DEPOSITED");
        assert_eq!(state["depositedUsd"], "900000.00");
        assert_eq!(state["outstanding"]["amount"], "100000.00");
        assert_eq!(state["deposits"].as_array().unwrap().len(), 3);
        assert_eq!(totals(&app).await["depositedUsd"], "900000.00");
    }
}

on_both! {
    async fn concurrent_expenditure_reports_never_exceed_what_was_transferred(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let ilo = funded.organizations[0].clone();
        accepted(&transfer(&app, &app.admin(), &funded, &ilo, "300000.00", "c-1").await);
        let second = second_server(&app).await;
        let servers: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let responses = join_all((2019..2025).map(|year| {
            let server = servers[year as usize % servers.len()];
            let puno = puno.clone();
            let input = json!({"jointProgramme": funded.programme, "year": year, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "100000.00"}], "idempotencyKey": format!("ilo-{year}")});
            async move { mutate(server, Some(&puno), "reportExpenditure", EXPENDITURE, input).await }
        }))
        .await;
        let mut accepted_count = 0;
        for response in &responses {
            assert!(response.get("errors").is_none(), "{response:#}");
            let payload = &response["data"]["reportExpenditure"];
            if payload["expenditureReport"].is_null() {
                refused_with(payload, "BUDGET_EXCEEDED", Some(&["input", "lines"]));
            } else {
                accepted_count += 1;
            }
        }
        assert_eq!(accepted_count, 3, "{responses:#?}");
        let financials = node(&app, &funded.programme, "... on JointProgramme { financials { expenditureUsd deliveryRate } expenditures { id } }").await;
        assert_eq!(financials["financials"]["expenditureUsd"], "300000.00");
        assert_eq!(dec(&financials["financials"]["deliveryRate"]), d("1"));
        assert_eq!(financials["expenditures"].as_array().unwrap().len(), 3);
    }
}

// -------------------------------------------------------------------------------------------
// 8. Idempotency.

on_both! {
    async fn a_retried_deposit_is_recorded_once(app: TestApp) {
        let admin = app.admin();
        let donor = create_donor(&app, "Norway").await;
        let contribution = record_contribution(&app, &donor, "NOR-1", "USD", "1000000.00", "1", None).await;
        accepted(&contribution);
        let contribution_id = id(&contribution["contribution"]["id"]);

        // A retried agreement is the same agreement; the key with another input is a duplicate.
        let retried = record_contribution(&app, &donor, "NOR-1", "USD", "1000000.00", "1", None).await;
        accepted(&retried);
        assert_eq!(retried["contribution"]["id"], json!(contribution_id));
        let reused = record_contribution(&app, &donor, "NOR-1", "USD", "2000000.00", "1", None).await;
        refused_with(&reused, "DUPLICATE", Some(&["input", "idempotencyKey"]));

        let first = record_deposit(&app, &contribution_id, "USD", "250000.00", "1", "nor-1-a").await;
        accepted(&first);
        let events = audit_count(&app).await;
        let again = record_deposit(&app, &contribution_id, "USD", "250000.00", "1", "nor-1-a").await;
        accepted(&again);
        assert_eq!(again["deposit"]["id"], first["deposit"]["id"]);
        assert_eq!(again["deposit"]["netUsd"], "247500.00");
        assert_eq!(audit_count(&app).await, events, "a retry wrote an audit event");
        let other = record_deposit(&app, &contribution_id, "USD", "250000.01", "1", "nor-1-a").await;
        refused_with(&other, "DUPLICATE", Some(&["input", "idempotencyKey"]));
        assert_eq!(other["deposit"], Value::Null);
        assert_eq!(audit_count(&app).await, events);
        let state = node(&app, &contribution_id, "... on Contribution { depositedUsd deposits { id } }").await;
        assert_eq!(state["depositedUsd"], "250000.00");
        assert_eq!(state["deposits"].as_array().unwrap().len(), 1);

        // Ten identical requests racing: one deposit, and every answer names it.
        let racing = join_all((0..10).map(|_| record_deposit(&app, &contribution_id, "USD", "100000.00", "1", "nor-1-b"))).await;
        for payload in &racing {
            accepted(payload);
            assert_eq!(payload["deposit"]["id"], racing[0]["deposit"]["id"]);
        }
        let state = node(&app, &contribution_id, "... on Contribution { depositedUsd deposits { id } }").await;
        assert_eq!(state["depositedUsd"], "350000.00");
        assert_eq!(state["deposits"].as_array().unwrap().len(), 2);
        let audited = app.data(Some(&admin), "query($subject: ID!) { auditEvents(filter: {subject: $subject}) { totalCount } }",
            json!({"subject": racing[0]["deposit"]["id"]})).await;
        assert_eq!(audited["auditEvents"]["totalCount"], 1);
        assert_eq!(totals(&app).await["depositedUsd"], "350000.00");
    }
}

on_both! {
    async fn retried_transfers_and_expenditure_reports_take_effect_once(app: TestApp) {
        let admin = app.admin();
        let funded = funded_programme(&app, "3000000.00").await;
        let ilo = funded.organizations[0].clone();
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");

        let first = transfer(&app, &admin, &funded, &ilo, "400000.00", "tr-1").await;
        accepted(&first);
        let events = audit_count(&app).await;
        let again = transfer(&app, &admin, &funded, &ilo, "400000.00", "tr-1").await;
        accepted(&again);
        assert_eq!(again["transfer"]["id"], first["transfer"]["id"]);
        assert_eq!(audit_count(&app).await, events);
        refused_with(&transfer(&app, &admin, &funded, &ilo, "400000.01", "tr-1").await, "DUPLICATE", Some(&["input", "idempotencyKey"]));

        let racing = join_all((0..10).map(|_| transfer(&app, &admin, &funded, &ilo, "100000.00", "tr-2"))).await;
        for payload in &racing {
            accepted(payload);
            assert_eq!(payload["transfer"]["id"], racing[0]["transfer"]["id"]);
        }
        assert_eq!(totals(&app).await["transferredUsd"], "500000.00");
        let transfers = node(&app, &funded.programme, "... on JointProgramme { transfers { id } }").await;
        assert_eq!(transfers["transfers"].as_array().unwrap().len(), 2);

        // An expenditure report sent twice is one report, not a duplicate year.
        let report = report_expenditure(&app, &puno, &funded.programme, 2021, "150000.00", "ilo-2021").await;
        accepted(&report);
        let again = report_expenditure(&app, &puno, &funded.programme, 2021, "150000.00", "ilo-2021").await;
        accepted(&again);
        assert_eq!(again["expenditureReport"]["id"], report["expenditureReport"]["id"]);
        let changed = report_expenditure(&app, &puno, &funded.programme, 2021, "160000.00", "ilo-2021").await;
        refused_with(&changed, "DUPLICATE", Some(&["input", "idempotencyKey"]));
        assert_eq!(totals(&app).await["expenditureUsd"], "150000.00");
    }
}

// -------------------------------------------------------------------------------------------
// 9. Expenditure.

on_both! {
    async fn organizations_report_expenditure_on_what_they_received(app: TestApp) {
        let admin = app.admin();
        let funded = funded_programme(&app, "3000000.00").await;
        let [ilo, iom] = funded.organizations.clone();
        let ilo_token = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let iom_token = app.puno_token(row_id(&json!(iom)), "user:iom");
        let undp = organization_id(&app, "UNDP").await;
        let undp_token = app.puno_token(row_id(&json!(undp)), "user:undp");
        accepted(&transfer(&app, &admin, &funded, &ilo, "300000.00", "x-1").await);

        // Only participating organizations, each for itself.
        let input = json!({"jointProgramme": funded.programme, "year": 2021, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "1000.00"}], "idempotencyKey": "x"});
        assert_refused(&app, Some(&undp_token), "reportExpenditure", input.clone(), "FORBIDDEN").await;
        assert_refused(&app, Some(&admin), "reportExpenditure", input.clone(), "FORBIDDEN").await;
        let mut for_other = input.clone();
        for_other["organization"] = json!(iom);
        assert_refused(&app, Some(&ilo_token), "reportExpenditure", for_other, "FORBIDDEN").await;
        let indicator = json!({"jointProgramme": funded.programme, "code": "OP1", "level": "OUTPUT", "statement": "Trainings held", "unit": "trainings", "baseline": "0", "target": "20"});
        assert_refused(&app, Some(&undp_token), "addIndicator", indicator.clone(), "FORBIDDEN").await;

        // Never more than was transferred to the organization.
        let before = audit_count(&app).await;
        let nothing_received = report_expenditure(&app, &iom_token, &funded.programme, 2021, "0.01", "iom-2021").await;
        refused_with(&nothing_received, "BUDGET_EXCEEDED", Some(&["input", "lines"]));
        let over = report_expenditure(&app, &ilo_token, &funded.programme, 2021, "300000.01", "ilo-2021-a").await;
        refused_with(&over, "BUDGET_EXCEEDED", Some(&["input", "lines"]));
        assert_eq!(audit_count(&app).await, before);
        accepted(&report_expenditure(&app, &ilo_token, &funded.programme, 2021, "200000.00", "ilo-2021-b").await);
        // Across years too.
        let cumulative = report_expenditure(&app, &ilo_token, &funded.programme, 2022, "100000.01", "ilo-2022-a").await;
        refused_with(&cumulative, "BUDGET_EXCEEDED", Some(&["input", "lines"]));
        // One report per year.
        let duplicate = report_expenditure(&app, &ilo_token, &funded.programme, 2021, "1000.00", "ilo-2021-c").await;
        refused_with(&duplicate, "DUPLICATE", Some(&["input", "year"]));
        let last = report_expenditure(&app, &ilo_token, &funded.programme, 2022, "100000.00", "ilo-2022-b").await;
        accepted(&last);
        assert_eq!(last["expenditureReport"]["organization"]["acronym"], "ILO");
        // A year the fund did not exist in, or to come, is refused.
        refused_with(&report_expenditure(&app, &ilo_token, &funded.programme, 2018, "1.00", "ilo-2018").await, "VALIDATION", Some(&["input", "year"]));
        refused_with(&report_expenditure(&app, &ilo_token, &funded.programme, 2999, "1.00", "ilo-2999").await, "VALIDATION", Some(&["input", "year"]));

        let financials = node(&app, &funded.programme, "... on JointProgramme { financials { transferredUsd expenditureUsd deliveryRate } expenditures { year amountUsd } }").await;
        assert_eq!(financials["financials"]["transferredUsd"], "300000.00");
        assert_eq!(financials["financials"]["expenditureUsd"], "300000.00");
        assert_eq!(dec(&financials["financials"]["deliveryRate"]), d("1"));
        assert_eq!(financials["expenditures"].as_array().unwrap().len(), 2);
        let portfolio = app.data(Some(&admin), "{ portfolio { deliveryRate totals { expenditureUsd } } }", json!({})).await;
        assert_eq!(portfolio["portfolio"]["totals"]["expenditureUsd"], "300000.00");
        assert_eq!(dec(&portfolio["portfolio"]["deliveryRate"]), d("1"));
    }
}

// -------------------------------------------------------------------------------------------
// 10. The audit trail.

on_both! {
    async fn the_audit_trail_records_each_write_for_staff_and_the_committee(app: TestApp) {
        let admin = app.admin();
        let donor = create_donor(&app, "Denmark").await;
        let contribution = record_contribution(&app, &donor, "DNK-1", "USD", "500000.00", "1", None).await;
        let contribution = id(&contribution["contribution"]["id"]);
        let deposit = record_deposit(&app, &contribution, "USD", "200000.00", "1", "dnk-1-a").await;
        accepted(&deposit);
        let deposit = id(&deposit["deposit"]["id"]);
        let ilo = organization_id(&app, "ILO").await;

        let query = "query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 50) { totalCount nodes { at action actor actorRole subject subjectType changes requestId } } }";
        let everything = app.data(Some(&admin), query, json!({})).await;
        let all = everything["auditEvents"]["totalCount"].as_i64().unwrap();
        // createDonor, recordContribution, recordDeposit (the deposit and the agreement's status).
        assert_eq!(all, 4);
        let committee = app.data(Some(&app.committee()), query, json!({})).await;
        assert_eq!(committee["auditEvents"]["totalCount"], all);
        let donor_token = app.donor_token(row_id(&json!(donor)), "user:dk");
        assert_eq!(app.error_code(Some(&donor_token), query, json!({})).await, "FORBIDDEN");
        assert_eq!(app.error_code(Some(&app.puno_token(row_id(&json!(ilo)), "user:ilo")), query, json!({})).await, "FORBIDDEN");
        assert_eq!(app.error_code(Some(&app.token(Role::PartnerSystem, "client:x")), query, json!({})).await, "FORBIDDEN");
        assert_eq!(app.error_code(None, query, json!({})).await, "UNAUTHENTICATED");

        // By subject: the agreement's history, newest first, with before and after.
        let history = app.data(Some(&admin), query, json!({"filter": {"subject": contribution}})).await;
        let events = history["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(events.len(), 2, "{history:#}");
        assert!(events.iter().all(|e| e["subject"] == json!(contribution) && e["subjectType"] == "Contribution"), "{history:#}");
        assert!(events.iter().all(|e| e["actor"] == "user:admin" && e["actorRole"] == "ADMIN"));
        assert_eq!(events[0]["action"], "recordDeposit");
        assert_eq!(events[0]["changes"]["before"]["status"], "SIGNED");
        assert_eq!(events[0]["changes"]["after"]["status"], "PARTIALLY_DEPOSITED");
        assert_eq!(events[1]["action"], "recordContribution");
        assert_eq!(events[1]["changes"]["before"], Value::Null);
        assert_eq!(events[1]["changes"]["after"]["reference"], "DNK-1");
        assert_eq!(events[1]["changes"]["after"]["status"], "SIGNED");
        assert!(events[1]["requestId"].is_string());
        let deposited = app.data(Some(&admin), query, json!({"filter": {"subject": deposit}})).await;
        let events = deposited["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["action"], "recordDeposit");
        assert_eq!(events[0]["changes"]["after"]["amount_usd_cents"], 20000000);
        assert_eq!(events[0]["changes"]["after"]["fee_usd_cents"], 200000);

        // A refused write leaves nothing.
        let refused = record_deposit(&app, &contribution, "USD", "300000.01", "1", "dnk-1-b").await;
        refused_with(&refused, "VALIDATION", Some(&["input", "amount"]));
        assert_eq!(audit_count(&app).await, all);

        // By actor, action and time.
        let by_officer = app.data(Some(&admin), query, json!({"filter": {"actor": "user:officer"}})).await;
        assert_eq!(by_officer["auditEvents"]["totalCount"], 0);
        let note = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        accepted(&review(&app, &id(&note["conceptNote"]["id"]), "RECOMMENDED").await);
        let by_officer = app.data(Some(&admin), query, json!({"filter": {"actor": "user:officer"}})).await;
        assert_eq!(by_officer["auditEvents"]["totalCount"], 1);
        assert_eq!(by_officer["auditEvents"]["nodes"][0]["action"], "reviewConceptNote");
        assert_eq!(by_officer["auditEvents"]["nodes"][0]["changes"]["after"]["note"]["status"], "UNDER_REVIEW");
        let deposits = app.data(Some(&admin), query, json!({"filter": {"action": "recordDeposit"}})).await;
        assert_eq!(deposits["auditEvents"]["totalCount"], 2);
        let future = app.data(Some(&admin), query, json!({"filter": {"from": "2099-01-01T00:00:00Z"}})).await;
        assert_eq!(future["auditEvents"]["totalCount"], 0);
        let past = app.data(Some(&admin), query, json!({"filter": {"to": "2000-01-01T00:00:00Z"}})).await;
        assert_eq!(past["auditEvents"]["totalCount"], 0);
        let oldest = everything["auditEvents"]["nodes"].as_array().unwrap().last().unwrap()["at"].clone();
        let since = app.data(Some(&admin), query, json!({"filter": {"from": oldest, "actor": "user:admin"}})).await;
        assert_eq!(since["auditEvents"]["totalCount"], all + 1, "the four first events and the note");
    }
}
