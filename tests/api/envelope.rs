//! Issue 12, item 3: the command envelope. A write that breaks one of the schema's unique keys
//! answers `DUPLICATE` on the input field the key stands for, also for the twin of a request
//! that raced it (no SELECT decides it beforehand, so the database's own refusal is what both
//! racers meet); and the resolver answers what the command produced.

use crate::fixtures::{create_donor, mutate, record_contribution};
use crate::helpers::*;
use crate::on_both;
use serde_json::{json, Value};

/// Runs two identical mutations at once, and returns their payloads.
async fn twins(app: &TestApp, mutation: &str, selection: &str, input: Value) -> [Value; 2] {
    let token = app.admin();
    let (first, second) = tokio::join!(
        mutate(app, Some(&token), mutation, selection, input.clone()),
        mutate(app, Some(&token), mutation, selection, input.clone()),
    );
    [first, second].map(|response| {
        assert!(response.get("errors").is_none(), "{mutation}: {response:#}");
        response["data"][mutation].clone()
    })
}

/// One twin succeeded and the other was told `DUPLICATE` on `field`.
fn one_accepted_one_duplicate(payloads: &[Value; 2], created: &str, field: &str) {
    let accepted: Vec<&Value> = payloads
        .iter()
        .filter(|p| p["userErrors"] == json!([]))
        .collect();
    let refused: Vec<&Value> = payloads
        .iter()
        .filter(|p| p["userErrors"] != json!([]))
        .collect();
    assert_eq!((accepted.len(), refused.len()), (1, 1), "{payloads:#?}");
    assert!(accepted[0][created]["id"].is_string(), "{payloads:#?}");
    assert_eq!(refused[0][created], Value::Null, "{payloads:#?}");
    assert_eq!(
        refused[0]["userErrors"],
        json!([{"code": "DUPLICATE", "field": ["input", field], "message": refused[0]["userErrors"][0]["message"]}]),
        "{payloads:#?}"
    );
}

async fn audit_events(app: &TestApp, action: &str) -> i64 {
    app.data(
        Some(&app.admin()),
        "query($action: String) { auditEvents(filter: {action: $action}) { totalCount } }",
        json!({"action": action}),
    )
    .await["auditEvents"]["totalCount"]
        .as_i64()
        .unwrap()
}

on_both! {
    async fn racing_donors_with_one_name_get_one_donor_and_one_duplicate(app: TestApp) {
        // Several rounds, so that on PostgreSQL the two inserts do meet inside their
        // transactions at least once (the second waits for the first to commit, then is refused).
        for round in 0..5 {
            let input = json!({"name": format!("Racing donor {round}"), "kind": "MEMBER_STATE", "country": "DEU"});
            let payloads = twins(&app, "createDonor", "donor { id name }", input).await;
            one_accepted_one_duplicate(&payloads, "donor", "name");
        }
        assert_eq!(audit_events(&app, "createDonor").await, 5);
        // A later twin is told the same, and an update to a taken name too.
        let later = mutate(&app, Some(&app.admin()), "createDonor", "donor { id }", json!({"name": "Racing donor 0", "kind": "MEMBER_STATE"})).await;
        assert_eq!(later["data"]["createDonor"]["userErrors"][0]["code"], "DUPLICATE", "{later}");
        assert_eq!(later["data"]["createDonor"]["userErrors"][0]["field"], json!(["input", "name"]), "{later}");
        let other = create_donor(&app, "Another donor").await;
        let renamed = mutate(&app, Some(&app.admin()), "updateDonor", "donor { id }", json!({"id": other, "expectedVersion": 1, "name": "Racing donor 1"})).await;
        assert_eq!(renamed["data"]["updateDonor"]["userErrors"][0]["code"], "DUPLICATE", "{renamed}");
        assert_eq!(renamed["data"]["updateDonor"]["userErrors"][0]["field"], json!(["input", "name"]), "{renamed}");
    }
}

on_both! {
    async fn racing_contributions_with_one_reference_get_one_agreement_and_one_duplicate(app: TestApp) {
        let donor = create_donor(&app, "Racing donor").await;
        for round in 0..5 {
            // Different idempotency keys: two requests, not a retry of one.
            let input = |key: &str| json!({
                "donor": donor, "reference": format!("RACE-{round}"),
                "pledged": {"amount": "1000.00", "currency": "USD"},
                "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": key,
            });
            let token = app.admin();
            let (first, second) = tokio::join!(
                mutate(&app, Some(&token), "recordContribution", "contribution { id }", input(&format!("a-{round}"))),
                mutate(&app, Some(&token), "recordContribution", "contribution { id }", input(&format!("b-{round}"))),
            );
            let payloads = [first, second].map(|r| r["data"]["recordContribution"].clone());
            one_accepted_one_duplicate(&payloads, "contribution", "reference");
        }
        assert_eq!(audit_events(&app, "recordContribution").await, 5);
        // The same reference again, sequentially, is the same refusal.
        let again = record_contribution(&app, &donor, "RACE-0", "USD", "10.00", "1", None).await;
        assert_eq!(again["userErrors"][0]["code"], "DUPLICATE", "{again}");
        assert_eq!(again["userErrors"][0]["field"], json!(["input", "reference"]), "{again}");
    }
}

/// The unique keys of the schema as the database names them when it refuses a row: PostgreSQL's
/// constraint names, or SQLite's `table.column, table.column` lists.
async fn unique_keys_of_the_schema(app: &TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = &app.services.db;
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT conname AS name FROM pg_constraint WHERE contype IN ('u', 'p') AND connamespace = 'public'::regnamespace"
        }
        _ => {
            "SELECT group_concat(name, ', ') AS name FROM (
               SELECT il.name AS idx, m.name || '.' || ii.name AS name
               FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
               WHERE m.type = 'table' AND il.\"unique\" = 1 ORDER BY il.name, ii.seqno)
             GROUP BY idx"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

on_both! {
    async fn every_unique_key_the_envelope_names_is_a_key_of_the_schema(app: TestApp) {
        let keys = unique_keys_of_the_schema(&app).await;
        assert!(keys.len() >= 10, "the schema's unique keys: {keys:?}");
        assert!(!mptf::service::envelope::UNIQUE_KEYS.is_empty());
        for key in mptf::service::envelope::UNIQUE_KEYS {
            let name = match app.backend {
                Backend::Postgres => key.postgres,
                Backend::Sqlite => key.sqlite,
            };
            assert!(keys.iter().any(|k| k == name), "{name} is not a unique key of the schema: {keys:?}");
        }
    }
}
