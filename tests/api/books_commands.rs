//! The fund's own movements of money as commands (issue 13, items 4 and 5): refunds, interest,
//! other income, direct costs and bank charges, and financial closure once every organization has
//! refunded what it did not spend. Figures are read from the ledger itself, as a sum of entries.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use entity::{ledger_entry, portfolio_event};
use futures::future::join_all;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REFUND: &str = "jointProgramme { code } organization { acronym } amountUsd entries { id valueDate amountUsd earmarkedArea { number } description }";
const ENTRY: &str = "entry { id valueDate amountUsd earmarkedArea { number } description }";

#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// Refused with one user error of `code` on `field`, whose message contains `says` when given;
/// the payload carries nothing else.
#[track_caller]
fn refused(payload: &Value, code: &str, field: &[&str], says: Option<&str>) {
    let errors = payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload with userErrors: {payload:#}"));
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(field), "{payload:#}");
    if let Some(says) = says {
        let message = errors[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message:?} does not say {says:?}");
    }
}

fn id(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("an id: {value}"))
        .to_owned()
}

async fn entries(app: &TestApp) -> Vec<ledger_entry::Model> {
    ledger_entry::Entity::find()
        .all(&app.services.db)
        .await
        .unwrap()
}

/// The sum of the entries counting in `line`, in cents.
async fn line(app: &TestApp, line: &str) -> i64 {
    entries(app)
        .await
        .iter()
        .filter(|e| e.counts_as == line)
        .map(|e| e.amount_usd_cents)
        .sum()
}

/// Each pool's (balance with the Administrative Agent, uncommitted), in cents, by the
/// definitions of DOMAIN.md, from the entries: sources and refunds add to the balance, uses take
/// from it; allocations not yet transferred are committed.
async fn pools(app: &TestApp) -> BTreeMap<Option<i64>, (i64, i64)> {
    let mut pools: BTreeMap<Option<i64>, (i64, i64)> = BTreeMap::new();
    for e in entries(app).await {
        let (balance, allocated) = pools.entry(e.pool_area_id).or_default();
        match e.counts_as.as_str() {
            "DEPOSIT" | "FUND_INTEREST" | "ORGANIZATION_INTEREST" | "OTHER_INCOME" | "REFUND" => {
                *balance += e.amount_usd_cents
            }
            "AGENT_FEE" | "DIRECT_COST" | "BANK_CHARGE" => *balance -= e.amount_usd_cents,
            "TRANSFER" => {
                *balance -= e.amount_usd_cents;
                *allocated -= e.amount_usd_cents;
            }
            "ALLOCATION" => *allocated += e.amount_usd_cents,
            _ => {}
        }
    }
    pools
        .into_iter()
        .map(|(pool, (balance, allocated))| (pool, (balance, balance - allocated)))
        .collect()
}

/// The events announced of `kind`, oldest first.
async fn events(app: &TestApp, kind: &str) -> Vec<portfolio_event::Model> {
    portfolio_event::Entity::find()
        .all(&app.services.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

/// What the trail, the books and the outbox hold: refused commands change none of them.
async fn written(app: &TestApp) -> (i64, usize, usize) {
    let announced = portfolio_event::Entity::find()
        .all(&app.services.db)
        .await
        .unwrap()
        .len();
    (audit_count(app).await, entries(app).await.len(), announced)
}

async fn refund(
    app: &TestApp,
    funded: &Funded,
    organization: &str,
    amount: &str,
    on: &str,
    key: &str,
) -> Value {
    command(
        app,
        &app.admin(),
        "recordRefund",
        REFUND,
        json!({"jointProgramme": funded.programme, "organization": organization, "refundedOn": on, "amountUsd": amount, "idempotencyKey": key}),
    )
    .await
}

async fn transfer_to(
    app: &TestApp,
    funded: &Funded,
    organization: &str,
    amount: &str,
    key: &str,
) -> Value {
    command(
        app,
        &app.admin(),
        "recordTransfer",
        "transfer { id }",
        json!({"jointProgramme": funded.programme, "organization": organization, "decision": funded.funding_decision,
            "transferredOn": "2021-08-15", "amountUsd": amount, "idempotencyKey": key}),
    )
    .await
}

async fn expenditure(
    app: &TestApp,
    funded: &Funded,
    organization: &str,
    year: i32,
    amount: &str,
    last: bool,
) -> Value {
    let puno = app.puno_token(
        row_id(&json!(organization)),
        &format!("user:{organization}"),
    );
    command(
        app,
        &puno,
        "reportExpenditure",
        "expenditureReport { id }",
        json!({"jointProgramme": funded.programme, "year": year, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": amount}], "final": last,
            "idempotencyKey": format!("exp-{organization}-{year}")}),
    )
    .await
}

async fn set_status(app: &TestApp, programme: &str, status: &str) -> Value {
    let version = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on JointProgramme { version } } }",
            json!({"id": programme}),
        )
        .await["node"]["version"]
        .clone();
    command(
        app,
        &app.admin(),
        "setJointProgrammeStatus",
        "jointProgramme { status }",
        json!({"jointProgramme": programme, "expectedVersion": version, "status": status, "reason": "As planned."}),
    )
    .await
}

fn tomorrow() -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string()
}

/// USD 300,000.00 earmarked to thematic area 4 and 1,000,000.00 unearmarked (net of the fee), a
/// programme of area 4 allocated all of it (ILO and IOM 650,000.00 each), and USD 500,000.00
/// transferred to ILO: 300,000.00 of area 4's money, then 200,000.00 unearmarked.
async fn programme_with_transfer(app: &TestApp) -> Funded {
    deposit_usd(app, "303030.30", Some(4)).await;
    deposit_usd(app, "1010101.01", None).await;
    let funded = programme_with_budget(app, 4, 6, "1300000.00").await;
    let ilo = funded.organizations[0].clone();
    accepted(&transfer_to(app, &funded, &ilo, "500000.00", "t-ilo").await);
    funded
}

on_both! {
    async fn a_refund_returns_to_the_pools_it_came_from_and_can_be_allocated_again(app: TestApp) {
        let funded = programme_with_transfer(&app).await;
        let ilo = funded.organizations[0].clone();
        // The committee has allocated everything: a new funding decision is refused...
        let note = pipeline_note(&app, 4, 6).await;
        let meeting = schedule_meeting(&app).await;
        let before = decide(&app, &meeting, "FUNDING", &note, Some("350000.00")).await;
        refused(&before, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], None);
        assert_eq!(pools(&app).await[&None].1, 0);

        // ...until ILO refunds 350,000.00: area 4's 300,000.00 first, then 50,000.00 unearmarked.
        let refunded = refund(&app, &funded, &ilo, "350000.00", "2023-09-30", "r-1").await;
        accepted(&refunded);
        assert_eq!(refunded["organization"]["acronym"], "ILO");
        assert_eq!(refunded["amountUsd"], "350000.00");
        let booked = refunded["entries"].as_array().unwrap();
        assert_eq!(booked.len(), 2, "{refunded:#}");
        assert_eq!(booked[0]["earmarkedArea"]["number"], 4);
        assert_eq!(booked[0]["amountUsd"], "300000.00");
        assert_eq!(booked[1]["earmarkedArea"], Value::Null);
        assert_eq!(booked[1]["amountUsd"], "50000.00");
        assert_eq!(booked[0]["valueDate"], "2023-09-30");
        assert_eq!(line(&app, "REFUND").await, 35_000_000);
        let pools = pools(&app).await;
        let area = row_id(&json!(thematic_area_id(&app, 4).await));
        assert_eq!(pools[&Some(area)].1, 30_000_000, "area 4's money is back: {pools:?}");
        assert_eq!(pools[&None].1, 5_000_000, "{pools:?}");

        // Audited, one event per entry booked, by the refunding command.
        let audited = app.data(Some(&app.admin()), r#"{ auditEvents(filter: {action: "recordRefund"}) { totalCount nodes { subjectType } } }"#, json!({})).await;
        assert_eq!(audited["auditEvents"]["totalCount"], 2, "{audited}");
        assert_eq!(audited["auditEvents"]["nodes"][0]["subjectType"], "LedgerEntry");
        // Announced once, to every token, about the first entry booked.
        let announced = events(&app, "REFUND").await;
        assert_eq!(announced.len(), 1, "{announced:?}");
        assert_eq!((announced[0].subject_type.as_str(), announced[0].subject_id), ("LedgerEntry", row_id(&booked[0]["id"])));
        assert!(announced[0].summary.contains("Refund of USD 350000.00 from ILO"), "{}", announced[0].summary);
        assert_eq!(announced[0].donor_id, None);

        // The committee can allocate the money again.
        let after = decide(&app, &meeting, "FUNDING", &note, Some("350000.00")).await;
        accepted(&after);
    }
}

on_both! {
    async fn a_refund_is_at_most_what_the_organization_holds(app: TestApp) {
        let funded = programme_with_transfer(&app).await;
        let [ilo, iom] = funded.organizations.clone();
        let before = written(&app).await;
        let over = refund(&app, &funded, &ilo, "500000.01", "2023-09-30", "r-over").await;
        refused(&over, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], Some("ILO holds USD 500000.00"));
        assert_eq!(over["entries"], json!([]));
        assert_eq!(over["amountUsd"], Value::Null);
        // IOM received nothing: it holds nothing.
        let nothing = refund(&app, &funded, &iom, "1.00", "2023-09-30", "r-iom").await;
        refused(&nothing, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], Some("IOM holds USD 0.00"));
        // Before the transfer, ILO held nothing to refund.
        let early = refund(&app, &funded, &ilo, "100.00", "2021-08-01", "r-early").await;
        refused(&early, "INSUFFICIENT_FUNDS", &["input", "refundedOn"], Some("held USD 0.00"));
        let future = refund(&app, &funded, &ilo, "100.00", &tomorrow(), "r-future").await;
        refused(&future, "VALIDATION", &["input", "refundedOn"], Some("future"));
        let zero = refund(&app, &funded, &ilo, "0.00", "2023-09-30", "r-zero").await;
        refused(&zero, "VALIDATION", &["input", "amountUsd"], None);
        let undp = organization_id(&app, "UNDP").await;
        let outsider = refund(&app, &funded, &undp, "100.00", "2023-09-30", "r-undp").await;
        refused(&outsider, "VALIDATION", &["input", "organization"], Some("UNDP takes no part"));
        let unknown = command(&app, &app.admin(), "recordRefund", REFUND,
            json!({"jointProgramme": funded.funding_decision, "organization": ilo, "refundedOn": "2023-09-30", "amountUsd": "1.00", "idempotencyKey": "r-x"})).await;
        refused(&unknown, "NOT_FOUND", &["input", "jointProgramme"], None);
        // Only the Administrative Agent records refunds.
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let forbidden = mutate(&app, Some(&puno), "recordRefund", "amountUsd",
            json!({"jointProgramme": funded.programme, "organization": ilo, "refundedOn": "2023-09-30", "amountUsd": "1.00", "idempotencyKey": "r-puno"})).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN", "{forbidden}");
        assert_eq!(written(&app).await, before, "a refused refund wrote something");

        // Expenditure reduces what it holds; a refund reduces what it can still report.
        accepted(&expenditure(&app, &funded, &ilo, 2022, "450000.00", false).await);
        let over = refund(&app, &funded, &ilo, "50000.01", "2023-09-30", "r-over-2").await;
        refused(&over, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], Some("ILO holds USD 50000.00"));
        accepted(&refund(&app, &funded, &ilo, "20000.00", "2023-09-30", "r-2").await);
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let spent = command(&app, &puno, "reportExpenditure", "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "year": 2023, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "30000.01"}], "idempotencyKey": "exp-over"})).await;
        refused(&spent, "BUDGET_EXCEEDED", &["input", "lines"], Some("USD 480000.00 transferred to the organization net of its refunds"));
    }
}

on_both! {
    async fn a_refund_replayed_with_its_key_books_once(app: TestApp) {
        let funded = programme_with_transfer(&app).await;
        let ilo = funded.organizations[0].clone();
        let first = refund(&app, &funded, &ilo, "350000.00", "2023-09-30", "r-once").await;
        accepted(&first);
        let after_first = written(&app).await;
        let again = refund(&app, &funded, &ilo, "350000.00", "2023-09-30", "r-once").await;
        assert_eq!(again, first, "a replay answers as the first time");
        assert_eq!(written(&app).await, after_first, "a replay books nothing");
        assert_eq!(line(&app, "REFUND").await, 35_000_000);
        let other = refund(&app, &funded, &ilo, "1.00", "2023-09-30", "r-once").await;
        refused(&other, "DUPLICATE", &["input", "idempotencyKey"], None);
        assert_eq!(written(&app).await, after_first);
    }
}

async fn interest(
    app: &TestApp,
    source: &str,
    organization: Option<&str>,
    amount: &str,
    key: &str,
) -> Value {
    command(
        app,
        &app.admin(),
        "recordInterest",
        &format!("{ENTRY} organization {{ acronym }}"),
        json!({"source": source, "organization": organization, "receivedOn": "2022-12-31", "amountUsd": amount, "idempotencyKey": key}),
    )
    .await
}

on_both! {
    async fn interest_is_the_fund_s_or_an_organization_s(app: TestApp) {
        let funded = programme_with_transfer(&app).await;
        let [ilo, iom] = funded.organizations.clone();
        let own = interest(&app, "FUND", None, "1234.56", "i-1").await;
        accepted(&own);
        assert_eq!(own["entry"]["amountUsd"], "1234.56");
        assert_eq!(own["entry"]["earmarkedArea"], Value::Null);
        assert_eq!(own["organization"], Value::Null);
        let returned = interest(&app, "ORGANIZATION", Some(&ilo), "99.00", "i-2").await;
        accepted(&returned);
        assert_eq!(returned["organization"]["acronym"], "ILO");
        assert_eq!(line(&app, "FUND_INTEREST").await, 123_456);
        assert_eq!(line(&app, "ORGANIZATION_INTEREST").await, 9_900);
        assert_eq!(events(&app, "INCOME").await.len(), 2);
        // Unearmarked money the committee can allocate.
        assert_eq!(pools(&app).await[&None].1, 123_456 + 9_900);
        // Replayed: the same entry, booked once.
        let after = written(&app).await;
        assert_eq!(interest(&app, "FUND", None, "1234.56", "i-1").await, own);
        assert_eq!(written(&app).await, after);

        let named = interest(&app, "FUND", Some(&ilo), "1.00", "i-3").await;
        refused(&named, "VALIDATION", &["input", "organization"], None);
        let anonymous = interest(&app, "ORGANIZATION", None, "1.00", "i-4").await;
        refused(&anonymous, "VALIDATION", &["input", "organization"], None);
        // IOM received no transfer: it earned no interest on the fund's money.
        let untransferred = interest(&app, "ORGANIZATION", Some(&iom), "1.00", "i-5").await;
        refused(&untransferred, "VALIDATION", &["input", "organization"], Some("IOM"));
        let negative = interest(&app, "FUND", None, "-1.00", "i-6").await;
        refused(&negative, "VALIDATION", &["input", "amountUsd"], None);
        let future = command(&app, &app.admin(), "recordInterest", ENTRY,
            json!({"source": "FUND", "receivedOn": tomorrow(), "amountUsd": "1.00", "idempotencyKey": "i-7"})).await;
        refused(&future, "VALIDATION", &["input", "receivedOn"], None);
        let forbidden = mutate(&app, Some(&app.committee()), "recordInterest", "entry { id }",
            json!({"source": "FUND", "receivedOn": "2022-12-31", "amountUsd": "1.00", "idempotencyKey": "i-8"})).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN", "{forbidden}");
        assert_eq!(written(&app).await, after, "a refused command wrote something");
    }
}

async fn other_income(
    app: &TestApp,
    on: &str,
    amount: &str,
    description: &str,
    key: &str,
) -> Value {
    command(
        app,
        &app.admin(),
        "recordOtherIncome",
        ENTRY,
        json!({"receivedOn": on, "amountUsd": amount, "description": description, "idempotencyKey": key}),
    )
    .await
}

on_both! {
    async fn other_income_is_described_unearmarked_money(app: TestApp) {
        let income = other_income(&app, "2022-06-30", "5000.00", "  Sale of a vehicle ", "o-1").await;
        accepted(&income);
        assert_eq!(income["entry"]["description"], "Sale of a vehicle");
        assert_eq!(income["entry"]["earmarkedArea"], Value::Null);
        assert_eq!(line(&app, "OTHER_INCOME").await, 500_000);
        assert_eq!(pools(&app).await[&None], (500_000, 500_000));
        let after = written(&app).await;
        assert_eq!(other_income(&app, "2022-06-30", "5000.00", "  Sale of a vehicle ", "o-1").await, income);
        refused(&other_income(&app, "2022-06-30", "5000.00", "   ", "o-2").await, "VALIDATION", &["input", "description"], None);
        refused(&other_income(&app, &tomorrow(), "5000.00", "Later", "o-3").await, "VALIDATION", &["input", "receivedOn"], None);
        refused(&other_income(&app, "2022-06-30", "0.001", "Dust", "o-4").await, "VALIDATION", &["input", "amountUsd"], None);
        assert_eq!(written(&app).await, after);
    }
}

async fn direct_cost(
    app: &TestApp,
    kind: &str,
    amount: &str,
    decision: Option<&str>,
    key: &str,
) -> Value {
    command(
        app,
        &app.admin(),
        "recordDirectCost",
        &format!("{ENTRY} decision {{ id kind }}"),
        json!({"kind": kind, "incurredOn": "2022-03-31", "amountUsd": amount, "description": "Secretariat, first quarter",
            "decision": decision, "idempotencyKey": key}),
    )
    .await
}

on_both! {
    async fn direct_costs_rest_on_a_decision_and_bank_charges_on_none(app: TestApp) {
        // USD 100,000.01 unearmarked and 300,000.00 earmarked to area 4, nothing allocated.
        deposit_usd(&app, "101010.11", None).await;
        deposit_usd(&app, "303030.30", Some(4)).await;
        let unearmarked = pools(&app).await[&None].1;
        assert_eq!(unearmarked, 10_000_001);
        let note = pipeline_note(&app, 4, 6).await;
        let decisions = app.data(Some(&app.admin()), "{ decisions { nodes { id kind } } }", json!({})).await;
        let pipeline = id(&decisions["decisions"]["nodes"][0]["id"]);
        assert_eq!(decisions["decisions"]["nodes"][0]["kind"], "PIPELINE");

        // The committee approves the fund's own costs, up to an amount, by a DIRECT_COST decision.
        let meeting = schedule_meeting(&app).await;
        let approval = command(&app, &app.committee(), "recordDecision", "decision { id }",
            json!({"meeting": meeting, "kind": "DIRECT_COST", "amountUsd": "60000.00", "rationale": "Secretariat costs."})).await;
        accepted(&approval);
        let approval = id(&approval["decision"]["id"]);
        let on_pipeline = direct_cost(&app, "DIRECT_COST", "1.00", Some(&pipeline), "d-0").await;
        refused(&on_pipeline, "VALIDATION", &["input", "decision"], Some("PIPELINE"));
        let cost = direct_cost(&app, "DIRECT_COST", "60000.00", Some(&approval), "d-1").await;
        accepted(&cost);
        assert_eq!(cost["decision"]["id"], approval);
        assert_eq!(cost["entry"]["earmarkedArea"], Value::Null);
        let charge = direct_cost(&app, "BANK_CHARGE", "25.10", None, "d-2").await;
        accepted(&charge);
        assert_eq!(charge["decision"], Value::Null);
        assert_eq!(line(&app, "DIRECT_COST").await, 6_000_000);
        let announced: Vec<String> = events(&app, "COST").await.into_iter().map(|e| e.summary).collect();
        assert_eq!(announced, ["Direct cost of USD 60000.00: Secretariat, first quarter", "Bank charge of USD 25.10: Secretariat, first quarter"]);
        assert_eq!(line(&app, "BANK_CHARGE").await, 2_510);
        assert_eq!(pools(&app).await[&None].1, 10_000_001 - 6_000_000 - 2_510);
        let after = written(&app).await;
        assert_eq!(direct_cost(&app, "BANK_CHARGE", "25.10", None, "d-2").await, charge);
        assert_eq!(written(&app).await, after);

        // Only unearmarked money pays the fund's own costs: area 4's 300,000.00 does not.
        let over = direct_cost(&app, "BANK_CHARGE", "39974.92", None, "d-3").await;
        refused(&over, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], Some("USD 39974.91"));
        // Money the committee allocated is not there to pay costs either.
        let funding = decide(&app, &meeting, "FUNDING", &note, Some("339974.91")).await;
        accepted(&funding);
        let funding = id(&funding["decision"]["id"]);
        refused(&direct_cost(&app, "BANK_CHARGE", "0.01", None, "d-4").await, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], Some("USD 0.00"));
        let on_funding = direct_cost(&app, "DIRECT_COST", "1.00", Some(&funding), "d-5").await;
        refused(&on_funding, "VALIDATION", &["input", "decision"], Some("FUNDING"));
        refused(&direct_cost(&app, "DIRECT_COST", "1.00", None, "d-6").await, "VALIDATION", &["input", "decision"], None);
        refused(&direct_cost(&app, "BANK_CHARGE", "1.00", Some(&pipeline), "d-7").await, "VALIDATION", &["input", "decision"], None);
        let wrong = direct_cost(&app, "DIRECT_COST", "1.00", Some(&note), "d-8").await;
        refused(&wrong, "NOT_FOUND", &["input", "decision"], None);
        assert_eq!(written(&app).await.1, after.1 + 2, "only the allocation was booked since");
    }
}

on_both! {
    async fn a_refund_to_financial_closure(app: TestApp) {
        let funded = programme_with_transfer(&app).await;
        let [ilo, iom] = funded.organizations.clone();
        accepted(&transfer_to(&app, &funded, &iom, "200000.00", "t-iom").await);
        accepted(&set_status(&app, &funded.programme, "ACTIVE").await);
        accepted(&set_status(&app, &funded.programme, "OPERATIONALLY_CLOSED").await);
        accepted(&expenditure(&app, &funded, &ilo, 2022, "498765.66", true).await);
        let early = set_status(&app, &funded.programme, "FINANCIALLY_CLOSED").await;
        refused(&early, "INVALID_TRANSITION", &["input", "status"], Some("IOM has not"));
        accepted(&expenditure(&app, &funded, &iom, 2022, "150000.00", true).await);
        let before = written(&app).await;
        let held = set_status(&app, &funded.programme, "FINANCIALLY_CLOSED").await;
        refused(&held, "INVALID_TRANSITION", &["input", "status"], Some("USD 1234.34 still with ILO, USD 50000.00 still with IOM"));
        assert_eq!(written(&app).await, before, "a refused closure wrote something");

        accepted(&refund(&app, &funded, &ilo, "1234.34", "2023-09-30", "close-ilo").await);
        let still = set_status(&app, &funded.programme, "FINANCIALLY_CLOSED").await;
        refused(&still, "INVALID_TRANSITION", &["input", "status"], Some("USD 50000.00 still with IOM"));
        assert!(!still["userErrors"][0]["message"].as_str().unwrap().contains("ILO"), "{still}");
        accepted(&refund(&app, &funded, &iom, "50000.00", "2023-09-30", "close-iom").await);
        let closed = set_status(&app, &funded.programme, "FINANCIALLY_CLOSED").await;
        accepted(&closed);
        assert_eq!(closed["jointProgramme"]["status"], "FINANCIALLY_CLOSED");
        // Nothing is left with the organizations: transferred − expenditure − refunds = 0.
        let with_organizations = line(&app, "TRANSFER").await - line(&app, "EXPENDITURE").await - line(&app, "REFUND").await;
        assert_eq!(with_organizations, 0);
        let after = refund(&app, &funded, &iom, "0.01", "2023-10-01", "after-close").await;
        refused(&after, "INSUFFICIENT_FUNDS", &["input", "amountUsd"], None);
    }
}

// Programme money and the fund's costs racing, from two processes on PostgreSQL: refunds (bound
// by what ILO holds), transfers to IOM (by its line and the allocation), new allocations and bank
// charges (by the unearmarked money the committee has not allocated, which the refunds raise
// meanwhile). Whatever the order, no pool is ever below zero, and the books add up.
on_both! {
    async fn refunds_costs_transfers_and_allocations_racing_never_overdraw_a_pool(app: TestApp) {
        // USD 1,000,000.00 unearmarked; a programme allocated 600,000.00; 300,000.00 sent to ILO.
        deposit_usd(&app, "1010101.01", None).await;
        let funded = programme_with_budget(&app, 4, 6, "600000.00").await;
        let [ilo, iom] = funded.organizations.clone();
        accepted(&transfer_to(&app, &funded, &ilo, "300000.00", "t-ilo").await);
        let mut notes = Vec::new();
        for _ in 0..3 {
            notes.push(pipeline_note(&app, 4, 6).await);
        }
        let meeting = schedule_meeting(&app).await;
        let second = match app.backend {
            Backend::Postgres => Some(TestApp::spawn_on(&app.database_url).await),
            Backend::Sqlite => None,
        };
        let servers: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
        let admin = app.admin();
        let committee = app.committee();
        let mut racing = Vec::new();
        for i in 0..8 {
            racing.push(("recordRefund", admin.clone(), json!({"jointProgramme": funded.programme, "organization": ilo,
                "refundedOn": "2023-09-30", "amountUsd": "50000.00", "idempotencyKey": format!("race-r-{i}")})));
            racing.push(("recordDirectCost", admin.clone(), json!({"kind": "BANK_CHARGE", "incurredOn": "2023-09-30",
                "amountUsd": "100000.00", "description": "Charges", "idempotencyKey": format!("race-c-{i}")})));
        }
        for i in 0..6 {
            racing.push(("recordTransfer", admin.clone(), json!({"jointProgramme": funded.programme, "organization": iom,
                "decision": funded.funding_decision, "transferredOn": "2021-08-15", "amountUsd": "60000.00", "idempotencyKey": format!("race-t-{i}")})));
        }
        for note in &notes {
            racing.push(("recordDecision", committee.clone(), json!({"meeting": meeting, "kind": "FUNDING", "subject": note,
                "amountUsd": "200000.00", "rationale": "By consensus."})));
        }
        let sent = join_all(racing.iter().enumerate().map(|(i, (mutation, token, input))| {
            let server = servers[i % servers.len()];
            async move { (*mutation, mutate(server, Some(token.as_str()), mutation, "", input.clone()).await) }
        }));
        let watching = async {
            let mut lowest = i64::MAX;
            for _ in 0..10 {
                for (balance, uncommitted) in pools(&app).await.values() {
                    lowest = lowest.min(*balance).min(*uncommitted);
                }
            }
            lowest
        };
        let (responses, lowest) = futures::join!(sent, watching);
        assert!(lowest >= 0, "a pool was seen below zero: {lowest}");
        let mut count: BTreeMap<&str, i64> = BTreeMap::new();
        for (mutation, response) in &responses {
            let mutation: &str = mutation;
            assert!(response.get("errors").is_none(), "{response:#}");
            let errors = response["data"][mutation]["userErrors"].as_array().unwrap();
            match errors.first() {
                None => *count.entry(mutation).or_default() += 1,
                Some(error) => {
                    let expected = match mutation {
                        "recordTransfer" => "BUDGET_EXCEEDED",
                        _ => "INSUFFICIENT_FUNDS",
                    };
                    assert_eq!(error["code"], expected, "{mutation}: {response:#}");
                }
            }
        }
        // ILO held 300,000.00: six refunds of 50,000.00, not seven. IOM's line: five transfers.
        assert_eq!(count.get("recordRefund"), Some(&6), "{count:?}");
        assert_eq!(count.get("recordTransfer"), Some(&5), "{count:?}");
        // Unearmarked and unallocated: 400,000.00, plus 300,000.00 refunded, less what was spent
        // or allocated meanwhile; at least 400,000.00 of it was there whatever the order.
        let charges = count.get("recordDirectCost").copied().unwrap_or(0);
        let allocations = count.get("recordDecision").copied().unwrap_or(0);
        let spent = 100_000 * charges + 200_000 * allocations;
        assert!((400_000..=700_000).contains(&spent), "{count:?}");
        let pools = pools(&app).await;
        assert_eq!(pools[&None].1, (700_000 - spent) * 100, "{pools:?} {count:?}");
        assert!(pools.values().all(|(balance, uncommitted)| *balance >= 0 && *uncommitted >= 0), "{pools:?}");
        assert_eq!(line(&app, "REFUND").await, 30_000_000);
        assert_eq!(line(&app, "BANK_CHARGE").await, charges * 10_000_000);
        let audited = app.data(Some(&app.admin()), r#"{ auditEvents(filter: {action: "recordRefund"}) { totalCount } }"#, json!({})).await;
        assert_eq!(audited["auditEvents"]["totalCount"], 6, "one entry per refund: ILO's money was unearmarked");
    }
}
