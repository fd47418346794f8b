//! Corrections of donors' money (issue 13, item 4): a deposit recorded in error is reversed by
//! new ledger entries, never edited away, and only while the committee has not allocated it.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use serde_json::{json, Value};

const REVERSED: &str = "deposit { id reversed netUsd } contribution { id status depositedUsd outstanding { amount currency } }";
const FIGURES: &str = "{ portfolio { sourcesAndUses { contributionsUsd agentFeesUsd balanceWithAgentUsd } totals { depositedUsd committedUsd } } }";

#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

#[track_caller]
fn refused(payload: &Value, code: &str, field: &[&str], says: &str) {
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(field), "{payload:#}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message:?} does not say {says:?}");
}

async fn figures(app: &TestApp) -> Value {
    app.data(Some(&app.admin()), FIGURES, json!({})).await["portfolio"].clone()
}

async fn reverse(app: &TestApp, token: &str, deposit: &str, key: &str) -> Value {
    command(
        app,
        token,
        "reverseDeposit",
        REVERSED,
        json!({"deposit": deposit, "reason": "recorded twice by mistake", "idempotencyKey": key}),
    )
    .await
}

async fn reversals(app: &TestApp) -> Vec<Value> {
    app.data(
        Some(&app.admin()),
        "{ ledgerEntries(filter: {kinds: [REVERSAL]}, first: 50) { nodes { kind countsAs amountUsd description } } }",
        json!({}),
    )
    .await["ledgerEntries"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// A new donor's signed USD agreement of `pledged`, unearmarked, and a deposit of `deposited`
/// against it: the contribution's and the deposit's ids.
async fn agreement_with_deposit(app: &TestApp, pledged: &str, deposited: &str) -> (String, String) {
    let donor = create_donor(app, &format!("Donor {}", uuid::Uuid::new_v4().simple())).await;
    let reference = format!("REF-{}", uuid::Uuid::new_v4().simple());
    let recorded = record_contribution(app, &donor, &reference, "USD", pledged, "1", None).await;
    accepted(&recorded);
    let contribution = recorded["contribution"]["id"].as_str().unwrap().to_owned();
    let deposit = record_deposit(
        app,
        &contribution,
        "USD",
        deposited,
        "1",
        &format!("d-{reference}"),
    )
    .await;
    accepted(&deposit);
    (
        contribution,
        deposit["deposit"]["id"].as_str().unwrap().to_owned(),
    )
}

on_both! {
    async fn a_reversed_deposit_leaves_the_figures_and_the_agreement_falls_back(app: TestApp) {
        let (contribution, deposit) = agreement_with_deposit(&app, "1000000.00", "1000000.00").await;
        let before = figures(&app).await;
        let audited = audit_count(&app).await;
        let reversed = reverse(&app, &app.admin(), &deposit, "rev-1").await;
        accepted(&reversed);
        assert_eq!(reversed["deposit"]["reversed"], true);
        assert_eq!(reversed["contribution"]["id"], contribution.as_str());
        assert_eq!(reversed["contribution"]["status"], "SIGNED");
        assert_eq!(reversed["contribution"]["depositedUsd"], "0.00");
        assert_eq!(reversed["contribution"]["outstanding"], json!({"amount": "1000000.00", "currency": "USD"}));
        assert!(audit_count(&app).await > audited, "the reversal is audited");

        let after = figures(&app).await;
        let fell = |path: &[&str], by: f64| {
            let read = |v: &Value| path.iter().fold(v.clone(), |v, k| v[k].clone()).as_str().unwrap().parse::<f64>().unwrap();
            assert_eq!(read(&before) - read(&after), by, "{path:?}: {before} then {after}");
        };
        fell(&["totals", "depositedUsd"], 1_000_000.0);
        fell(&["sourcesAndUses", "contributionsUsd"], 1_000_000.0);
        fell(&["sourcesAndUses", "agentFeesUsd"], 10_000.0);
        fell(&["sourcesAndUses", "balanceWithAgentUsd"], 990_000.0);
        fell(&["totals", "committedUsd"], 0.0);

        // The deposit's entries stand on the books, cancelled by two reversals.
        let entries = reversals(&app).await;
        let mut lines: Vec<(String, String)> = entries
            .iter()
            .map(|e| (e["countsAs"].as_str().unwrap().to_owned(), e["amountUsd"].as_str().unwrap().to_owned()))
            .collect();
        lines.sort();
        assert_eq!(lines, vec![("AGENT_FEE".into(), "-10000.00".into()), ("DEPOSIT".into(), "-1000000.00".into())]);
        assert!(entries.iter().all(|e| e["description"].as_str().unwrap().contains("recorded twice by mistake")));

        // A replay answers as the first time; a second reversal is refused.
        assert_eq!(reverse(&app, &app.admin(), &deposit, "rev-1").await, reversed);
        let again = reverse(&app, &app.admin(), &deposit, "rev-2").await;
        refused(&again, "INVALID_TRANSITION", &["input", "deposit"], "already reversed");
        assert_eq!(reversals(&app).await.len(), 2);
        // The agreement takes a deposit again.
        accepted(&record_deposit(&app, &contribution, "USD", "1000000.00", "1", "d-again").await);
    }
}

on_both! {
    async fn a_partial_reversal_leaves_the_agreement_partially_deposited(app: TestApp) {
        let (contribution, first) = agreement_with_deposit(&app, "1000.00", "600.00").await;
        let second = record_deposit(&app, &contribution, "USD", "400.00", "1", "d-second").await;
        accepted(&second);
        assert_eq!(second["contribution"]["status"], "FULLY_DEPOSITED");
        let reversed = reverse(&app, &app.admin(), &first, "rev-first").await;
        accepted(&reversed);
        assert_eq!(reversed["contribution"]["status"], "PARTIALLY_DEPOSITED");
        assert_eq!(reversed["contribution"]["outstanding"]["amount"], "600.00");
        let missing = command(&app, &app.admin(), "reverseDeposit", REVERSED,
            json!({"deposit": first, "reason": "  ", "idempotencyKey": "rev-blank"})).await;
        refused(&missing, "VALIDATION", &["input", "reason"], "");
    }
}

on_both! {
    async fn allocated_money_is_not_reversed_and_nothing_is_written(app: TestApp) {
        let (_, deposit) = agreement_with_deposit(&app, "1010101.01", "1010101.01").await;
        let funded = programme_with_budget(&app, 4, 6, "1000000.00").await;
        let _ = funded;
        let before = figures(&app).await;
        let audited = audit_count(&app).await;
        let refused_now = reverse(&app, &app.admin(), &deposit, "rev-allocated").await;
        refused(&refused_now, "INSUFFICIENT_FUNDS", &["input", "deposit"], "allocate");
        assert_eq!(refused_now["deposit"], Value::Null);
        assert_eq!(figures(&app).await, before);
        assert_eq!(audit_count(&app).await, audited);
        assert_eq!(reversals(&app).await, Vec::<Value>::new());
    }
}

async fn amend(
    app: &TestApp,
    token: &str,
    contribution: &str,
    version: i64,
    amount: &str,
) -> Value {
    command(
        app,
        token,
        "amendContribution",
        "contribution { status version pledged { amount currency } depositedUsd }",
        json!({"contribution": contribution, "expectedVersion": version, "pledged": {"amount": amount, "currency": "USD"}, "signedOn": "2021-06-01", "reason": "top-up agreed"}),
    )
    .await
}

on_both! {
    async fn an_amended_agreement_moves_the_committed_figure(app: TestApp) {
        let (contribution, _) = agreement_with_deposit(&app, "1000.00", "600.00").await;
        let committed = |v: &Value| v["totals"]["committedUsd"].as_str().unwrap().parse::<f64>().unwrap();
        let before = committed(&figures(&app).await);
        let read = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on Contribution { version } } }", json!({"id": contribution})).await;
        let v = read["node"]["version"].as_i64().unwrap();
        let up = amend(&app, &app.admin(), &contribution, v, "1500.00").await;
        accepted(&up);
        assert_eq!(up["contribution"]["pledged"]["amount"], "1500.00");
        assert_eq!(up["contribution"]["status"], "PARTIALLY_DEPOSITED");
        assert_eq!(up["contribution"]["version"], v + 1);
        assert_eq!(committed(&figures(&app).await) - before, 500.0);
        // Stale, below deposited, non-ADMIN: refused, nothing changes.
        refused(&amend(&app, &app.admin(), &contribution, v, "900.00").await, "STALE_VERSION", &["input", "expectedVersion"], "");
        refused(&amend(&app, &app.admin(), &contribution, v + 1, "599.99").await, "VALIDATION", &["input", "pledged"], "USD 600.00");
        let forbidden = mutate(&app, Some(&app.committee()), "amendContribution", "contribution { id }",
            json!({"contribution": contribution, "expectedVersion": v + 1, "pledged": {"amount": "700.00", "currency": "USD"}, "reason": "no"})).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN", "{forbidden}");
        let down = amend(&app, &app.admin(), &contribution, v + 1, "600.00").await;
        accepted(&down);
        assert_eq!(down["contribution"]["status"], "FULLY_DEPOSITED");
        assert_eq!(committed(&figures(&app).await) - before, -400.0);
        let amendments = app.data(Some(&app.admin()), "{ ledgerEntries(filter: {kinds: [COMMITMENT_AMENDMENT]}) { nodes { countsAs amountUsd } } }", json!({})).await;
        assert_eq!(amendments["ledgerEntries"]["nodes"], json!([
            {"countsAs": "COMMITMENT", "amountUsd": "500.00"}, {"countsAs": "COMMITMENT", "amountUsd": "-900.00"}]));
    }
}

on_both! {
    /// `Deposit.reversed` is read for a whole page at once: the contributions' deposits of one
    /// agreement or of fifty cost the same statements.
    async fn whether_deposits_were_reversed_is_read_once_per_page(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let query = "query($first: Int!) { contributions(first: $first, filter: {status: [FULLY_DEPOSITED, PARTIALLY_DEPOSITED]}) { nodes { deposits { id reversed } } } }";
        let mut statements = Vec::new();
        for first in [1, 50] {
            let answer = app.graphql(Some(&app.admin()), query, json!({"first": first})).await;
            assert!(answer.get("errors").is_none(), "{answer}");
            let deposits: usize = answer["data"]["contributions"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["deposits"].as_array().unwrap().len())
                .sum();
            assert!(deposits >= first.min(10), "deposits to ask about: {answer}");
            statements.push(answer["extensions"]["sqlStatements"].as_u64().unwrap());
        }
        assert_eq!(statements[0], statements[1], "statements for 1 and for 50 agreements");
    }
}
