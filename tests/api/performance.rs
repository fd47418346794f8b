//! The synthetic portfolio the benchmark runs on (`mptf seed synthetic`): its shapes, its
//! determinism, the fund's invariants, and a cost per page that does not grow with the data.
//! The benchmark itself (`bench/run.sh`) is not part of `cargo test`; CI runs a smoke of it.

use crate::helpers::*;
use crate::on_both;
use mptf::domain::Role;
use mptf::seed::synthetic::{generate, Options};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

const INVARIANTS: &str = include_str!("../../bench/invariants.sql");

fn options(scale: u32, seed: u64) -> Options {
    Options {
        scale,
        seed,
        progress: false,
    }
}

/// Every invariant of `bench/invariants.sql` that has violations, with their number.
async fn broken_invariants(app: &TestApp) -> Vec<(String, i64)> {
    let db = &app.services.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            INVARIANTS.trim().trim_end_matches(';').to_owned(),
        ))
        .await
        .unwrap();
    assert!(rows.len() >= 15, "the invariants query answers every check");
    rows.iter()
        .map(|row| {
            (
                row.try_get::<String>("", "invariant").unwrap(),
                row.try_get::<i64>("", "violations").unwrap(),
            )
        })
        .filter(|(_, violations)| *violations != 0)
        .collect()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let db = &app.services.db;
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

on_both! {
    async fn the_synthetic_portfolio_has_the_reports_shapes_and_keeps_the_funds_invariants(app: TestApp) {
        let summary = generate(&app.services.db, &options(2, 7)).await.unwrap();
        let count = |table: &str| summary.rows.iter().find(|(t, _)| *t == table).map(|(_, n)| *n).unwrap();
        assert_eq!(count("donor"), 24);
        assert_eq!(count("concept_note"), 226);
        assert_eq!(count("joint_programme"), 24);
        assert_eq!(count("steering_committee_meeting"), 10);
        for table in ["contribution", "deposit", "budget_line", "transfer", "expenditure_report", "results_indicator", "indicator_measurement", "decision", "concept_note_review"] {
            assert!(count(table) > 0, "{table} is seeded");
        }
        assert_eq!(broken_invariants(&app).await, Vec::<(String, i64)>::new());

        // The API reads what was written.
        let data = app.data(Some(&app.committee()), "{ portfolio { totals { depositedUsd transferredUsd } pipelineFunnel { status count } }
            donors { totalCount } conceptNotes { totalCount } jointProgrammes { totalCount } }", json!({})).await;
        assert_eq!(data["donors"]["totalCount"], 24);
        assert_eq!(data["conceptNotes"]["totalCount"], 226);
        assert_eq!(data["jointProgrammes"]["totalCount"], 24);
        let funnel = data["portfolio"]["pipelineFunnel"].as_array().unwrap();
        let stage = |status: &str| funnel.iter().find(|s| s["status"] == status).unwrap()["count"].as_i64().unwrap();
        // The notes ready for implementation wait in the pipeline for money (none holds a
        // funding decision without a programme).
        assert_eq!((stage("FUNDED"), stage("APPROVED"), stage("PIPELINE")), (24, 0, 68));
        let deposited = scalar(&app, "SELECT CAST(SUM(amount_usd_cents) AS BIGINT) FROM deposit").await;
        let usd = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
        assert_eq!(data["portfolio"]["totals"]["depositedUsd"], usd(deposited));

        // The books hold the seed's money: the Gateway's lines are the tables' sums, both
        // identities hold, and what the committee can still allocate is not negative.
        let books = app.data(Some(&app.committee()), "{ portfolio { sourcesAndUses { contributionsUsd transferredUsd refundsUsd totalSourcesUsd totalUsesUsd balanceWithAgentUsd }
            fundsWithOrganizations { transferredUsd expenditureUsd refundsUsd balanceUsd } uncommittedUsd } }", json!({})).await["portfolio"].clone();
        let cents = |value: &Value| -> i64 { value.as_str().unwrap().replace('.', "").parse().unwrap() };
        let lines = &books["sourcesAndUses"];
        assert_eq!(lines["contributionsUsd"], usd(deposited));
        let transferred = scalar(&app, "SELECT CAST(SUM(amount_usd_cents) AS BIGINT) FROM transfer").await;
        assert_eq!(lines["transferredUsd"], usd(transferred));
        assert!(cents(&lines["refundsUsd"]) > 0, "financially closed programmes refunded what they did not spend: {books}");
        assert_eq!(cents(&lines["totalSourcesUsd"]) - cents(&lines["totalUsesUsd"]), cents(&lines["balanceWithAgentUsd"]));
        let with = &books["fundsWithOrganizations"];
        let spent = scalar(&app, "SELECT CAST(SUM(amount_usd_cents) AS BIGINT) FROM expenditure_report").await;
        assert_eq!(with["expenditureUsd"], usd(spent));
        assert_eq!(cents(&with["transferredUsd"]) - cents(&with["expenditureUsd"]) - cents(&with["refundsUsd"]), cents(&with["balanceUsd"]));
        assert!(cents(&books["uncommittedUsd"]) >= 0, "{books}");

        // Ids continue where the seed stopped: the service's own commands still work.
        let created = app.data(Some(&app.admin()), r#"mutation { createDonor(input: {name: "After the seed", kind: FOUNDATION}) { donor { id } userErrors { message } } }"#, json!({})).await;
        assert_eq!(created["createDonor"]["userErrors"], json!([]), "{created}");

        // A second seed is refused: it goes into a freshly migrated database.
        assert!(generate(&app.services.db, &options(1, 7)).await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_portfolio() {
    let fingerprint =
        "SELECT CAST(SUM(amount_usd_cents) + COUNT(*) * 1000003 AS BIGINT) FROM deposit";
    let mut seen = Vec::new();
    for seed in [11, 11, 12] {
        let app = TestApp::spawn(Backend::Sqlite).await;
        generate(&app.services.db, &options(1, seed)).await.unwrap();
        let transfers = scalar(
            &app,
            "SELECT CAST(SUM(amount_usd_cents) AS BIGINT) FROM transfer",
        )
        .await;
        let titles = scalar(&app, "SELECT SUM(LENGTH(title) * id) FROM concept_note").await;
        seen.push((scalar(&app, fingerprint).await, transfers, titles));
    }
    assert_eq!(seen[0], seen[1], "the same seed, the same rows");
    assert_ne!(seen[0], seen[2], "another seed, other rows");
}

// The benchmark's programme list (bench/queries/programmes.graphql) over a synthetic portfolio
// of 60 programmes: a page of 50 costs what a page of 1 costs.
on_both! {
    async fn a_page_of_fifty_programmes_costs_what_a_page_of_one_costs(app: TestApp) {
        let options = options(5, 2021);
        generate(&app.services.db, &options).await.unwrap();
        let query = include_str!("../../bench/queries/programmes.graphql").replace("first: 50", "first: $first");
        let query = format!("query($first: Int!) {}", query.trim_start_matches(|c: char| c != '{'));
        app.until_quiet().await;
        let mut counts = Vec::new();
        for first in [1, 5, 50] {
            let response = app.graphql(Some(&app.token(Role::PartnerSystem, "partner:bench")), &query, json!({"first": first})).await;
            assert!(response.get("errors").is_none(), "{response}");
            let nodes = response["data"]["jointProgrammes"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), first as usize);
            assert!(nodes.iter().all(|p| !p["budgetLines"].as_array().unwrap().is_empty()), "every programme has budget lines");
            counts.push(response["extensions"]["sqlStatements"].as_u64().unwrap());
        }
        assert_eq!(counts, vec![counts[0]; 3], "statements for pages of 1, 5 and 50: {counts:?}");
    }
}
