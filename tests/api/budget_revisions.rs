//! Issue 13, item 4: `reviseBudget` applies the steering committee's budget revision to a
//! programme's lines, so that its increment can be transferred; the original budget, lines and
//! end date stay readable. A refused revision writes nothing.

use crate::fixtures::*;
use crate::helpers::{row_id, TestApp};
use crate::on_both;
use mptf::domain::Role;
use serde_json::{json, Value};

/// What a reader of the programme sees of its budget.
const PROGRAMME: &str = "id version approvedBudgetUsd endDate originalEndDate
    budgetLines { organization { acronym } programmableUsd indirectSupportCostUsd totalUsd }
    financials { approvedUsd originalBudgetUsd transferredUsd balanceUsd }
    budgetRevisions { decision { id kind amountUsd } appliedBy amountUsd budgetBeforeUsd budgetAfterUsd
        linesBefore { organization { acronym } programmableUsd indirectSupportCostRate totalUsd }
        linesAfter { organization { acronym } programmableUsd indirectSupportCostRate totalUsd } }";

async fn programme(app: &TestApp, id: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ node(id: $id) {{ ... on JointProgramme {{ {PROGRAMME} }} }} }}"
    );
    app.data(Some(&app.admin()), &query, json!({"id": id}))
        .await["node"]
        .clone()
}

/// A programme of USD 2,000,000 (ILO and IOM lines of 1,000,000, no indirect support costs),
/// transferred in full, on USD 3,000,000 deposited; and the committee's revision of it by
/// USD 500,000.
async fn transferred_in_full_then_revised(app: &TestApp) -> (Funded, String) {
    deposit_usd(app, "3000000.00", None).await;
    let funded = programme_with_budget(app, 4, 6, "2000000.00").await;
    for (organization, key) in [
        (&funded.organizations[0], "ilo"),
        (&funded.organizations[1], "iom"),
    ] {
        let sent = transfer(
            app,
            &app.officer(),
            &funded,
            organization,
            "1000000.00",
            &format!("first-{key}"),
        )
        .await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
    }
    let revision = decide(
        app,
        &funded.meeting,
        "BUDGET_REVISION",
        &funded.programme,
        Some("500000.00"),
    )
    .await;
    assert_eq!(revision["userErrors"], json!([]), "{revision}");
    let decision = revision["decision"]["id"].as_str().unwrap().to_owned();
    (funded, decision)
}

fn lines(funded: &Funded, ilo: &str, iom: &str) -> Value {
    json!([
        {"organization": funded.organizations[0], "programmableUsd": ilo, "indirectSupportCostRate": "0"},
        {"organization": funded.organizations[1], "programmableUsd": iom, "indirectSupportCostRate": "0"},
    ])
}

async fn revise(
    app: &TestApp,
    token: &str,
    funded: &Funded,
    decision: &str,
    version: i64,
    lines: Value,
) -> Value {
    mutate(
        app,
        Some(token),
        "reviseBudget",
        &format!("jointProgramme {{ {PROGRAMME} }} budgetRevision {{ amountUsd budgetAfterUsd }}"),
        json!({"jointProgramme": funded.programme, "decision": decision, "expectedVersion": version, "budgetLines": lines}),
    )
    .await
}

async fn transfer_on(
    app: &TestApp,
    funded: &Funded,
    decision: &str,
    organization: &str,
    amount: &str,
    key: &str,
) -> Value {
    command(
        app,
        &app.officer(),
        "recordTransfer",
        "transfer { id amountUsd }",
        json!({"jointProgramme": funded.programme, "organization": organization, "decision": decision,
               "transferredOn": "2021-09-15", "amountUsd": amount, "idempotencyKey": key}),
    )
    .await
}

fn only_error(response: &Value, mutation: &str) -> (String, Value, String) {
    assert!(response.get("errors").is_none(), "{response:#}");
    let payload = &response["data"][mutation];
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    (
        errors[0]["code"].as_str().unwrap().to_owned(),
        errors[0]["field"].clone(),
        errors[0]["message"].as_str().unwrap().to_owned(),
    )
}

on_both! {
    async fn a_budget_revision_applied_to_the_lines_lets_its_increment_be_transferred(app: TestApp) {
        let (funded, decision) = transferred_in_full_then_revised(&app).await;
        let before = programme(&app, &funded.programme).await;
        assert_eq!(before["approvedBudgetUsd"], "2000000.00", "{before}");
        assert_eq!(before["financials"]["originalBudgetUsd"], "2000000.00", "{before}");
        assert_eq!(before["budgetRevisions"], json!([]), "{before}");

        // Transfers follow the lines: not on a revision the lines do not carry yet.
        let early = mutate(&app, Some(&app.officer()), "recordTransfer", "transfer { id }",
            json!({"jointProgramme": funded.programme, "organization": funded.organizations[0], "decision": decision,
                   "transferredOn": "2021-09-15", "amountUsd": "250000.00", "idempotencyKey": "early"})).await;
        let (code, field, _) = only_error(&early, "recordTransfer");
        assert_eq!((code.as_str(), field), ("INVALID_TRANSITION", json!(["input", "decision"])), "{early}");

        let audited = audit_count(&app).await;
        let version = before["version"].as_i64().unwrap();
        let applied = revise(&app, &app.admin(), &funded, &decision, version, lines(&funded, "1300000.00", "1200000.00")).await;
        assert!(applied.get("errors").is_none(), "{applied:#}");
        let payload = &applied["data"]["reviseBudget"];
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        assert_eq!(payload["budgetRevision"], json!({"amountUsd": "500000.00", "budgetAfterUsd": "2500000.00"}));
        let revised = &payload["jointProgramme"];
        assert_eq!(revised["version"].as_i64().unwrap(), version + 1, "{revised}");
        assert_eq!(revised["approvedBudgetUsd"], "2500000.00");
        assert_eq!(revised["financials"]["approvedUsd"], "2500000.00");
        assert_eq!(revised["financials"]["originalBudgetUsd"], "2000000.00");
        assert_eq!(revised["financials"]["balanceUsd"], "500000.00");
        assert_eq!(
            revised["budgetLines"],
            json!([
                {"organization": {"acronym": "ILO"}, "programmableUsd": "1300000.00", "indirectSupportCostUsd": "0.00", "totalUsd": "1300000.00"},
                {"organization": {"acronym": "IOM"}, "programmableUsd": "1200000.00", "indirectSupportCostUsd": "0.00", "totalUsd": "1200000.00"},
            ]),
        );
        let revisions = revised["budgetRevisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 1, "{revised}");
        let revision = &revisions[0];
        assert_eq!(revision["decision"], json!({"id": decision, "kind": "BUDGET_REVISION", "amountUsd": "500000.00"}));
        assert_eq!(revision["appliedBy"], "user:admin");
        assert_eq!((revision["budgetBeforeUsd"].as_str(), revision["budgetAfterUsd"].as_str()), (Some("2000000.00"), Some("2500000.00")));
        // The lines as they were stay readable, beside the lines the revision made.
        let line = |acronym: &str, amount: &str| json!({"organization": {"acronym": acronym}, "programmableUsd": amount, "indirectSupportCostRate": "0", "totalUsd": amount});
        assert_eq!(revision["linesBefore"], json!([line("ILO", "1000000.00"), line("IOM", "1000000.00")]));
        assert_eq!(revision["linesAfter"], json!([line("ILO", "1300000.00"), line("IOM", "1200000.00")]));
        assert_eq!(audit_count(&app).await, audited + 1);
        let trail = app.data(Some(&app.admin()), "{ auditEvents(filter: {action: \"reviseBudget\"}) { nodes { actor changes } } }", json!({})).await;
        let event = &trail["auditEvents"]["nodes"][0];
        assert_eq!(event["actor"], "user:admin", "{trail}");
        assert_eq!(event["changes"]["before"]["programme"]["approved_budget_usd_cents"], 200_000_000, "{trail}");
        assert_eq!(event["changes"]["after"]["programme"]["approved_budget_usd_cents"], 250_000_000, "{trail}");

        // The increment is transferred on the revision, within each revised line.
        let over = mutate(&app, Some(&app.officer()), "recordTransfer", "transfer { id }",
            json!({"jointProgramme": funded.programme, "organization": funded.organizations[1], "decision": decision,
                   "transferredOn": "2021-09-15", "amountUsd": "200000.01", "idempotencyKey": "over"})).await;
        assert_eq!(only_error(&over, "recordTransfer").0, "BUDGET_EXCEEDED", "{over}");
        let ilo = transfer_on(&app, &funded, &decision, &funded.organizations[0], "300000.00", "increment-ilo").await;
        assert_eq!(ilo["userErrors"], json!([]), "{ilo}");
        let iom = transfer_on(&app, &funded, &decision, &funded.organizations[1], "200000.00", "increment-iom").await;
        assert_eq!(iom["userErrors"], json!([]), "{iom}");
        let after = programme(&app, &funded.programme).await;
        assert_eq!(after["financials"], json!({"approvedUsd": "2500000.00", "originalBudgetUsd": "2000000.00", "transferredUsd": "2500000.00", "balanceUsd": "0.00"}));
    }
}

on_both! {
    async fn a_revision_whose_lines_do_not_add_up_is_refused_and_writes_nothing(app: TestApp) {
        let (funded, decision) = transferred_in_full_then_revised(&app).await;
        let before = programme(&app, &funded.programme).await;
        let version = before["version"].as_i64().unwrap();
        let audited = audit_count(&app).await;
        for (ilo, iom, expected) in [
            ("1200000.00", "1200000.00", "VALIDATION"),
            ("1300000.00", "1200000.01", "BUDGET_EXCEEDED"),
        ] {
            let refused = revise(&app, &app.admin(), &funded, &decision, version, lines(&funded, ilo, iom)).await;
            let (code, field, message) = only_error(&refused, "reviseBudget");
            assert_eq!((code.as_str(), field), (expected, json!(["input", "budgetLines"])), "{refused}");
            // Both sums are named: what the lines make and what the revision makes.
            assert!(message.contains("2500000.00"), "{message}");
            assert!(message.contains(if expected == "VALIDATION" { "2400000.00" } else { "2500000.01" }), "{message}");
            assert_eq!(refused["data"]["reviseBudget"]["jointProgramme"], Value::Null);
        }
        // A line below what its organization already received.
        let refused = revise(&app, &app.admin(), &funded, &decision, version, lines(&funded, "900000.00", "1600000.00")).await;
        let (code, field, message) = only_error(&refused, "reviseBudget");
        assert_eq!((code.as_str(), field), ("BUDGET_EXCEEDED", json!(["input", "budgetLines", "0", "programmableUsd"])), "{refused}");
        assert!(message.contains("ILO") && message.contains("1000000.00"), "{message}");
        // Lines only for the concept note's organizations: IOM, which received money, cannot
        // give its place to UNDP.
        let elsewhere = json!([
            {"organization": funded.organizations[0], "programmableUsd": "1500000.00", "indirectSupportCostRate": "0"},
            {"organization": organization_id(&app, "UNDP").await, "programmableUsd": "1000000.00", "indirectSupportCostRate": "0"},
        ]);
        let refused = revise(&app, &app.admin(), &funded, &decision, version, elsewhere).await;
        let (code, _, message) = only_error(&refused, "reviseBudget");
        assert_eq!(code, "VALIDATION", "{refused}");
        assert!(message.contains("participating organizations"), "{message}");
        // Nothing was written: the same programme, lines, revisions and audit trail.
        assert_eq!(programme(&app, &funded.programme).await, before);
        assert_eq!(audit_count(&app).await, audited);
        // And the revision's increment still cannot be transferred.
        let early = mutate(&app, Some(&app.officer()), "recordTransfer", "transfer { id }",
            json!({"jointProgramme": funded.programme, "organization": funded.organizations[0], "decision": decision,
                   "transferredOn": "2021-09-15", "amountUsd": "1.00", "idempotencyKey": "early"})).await;
        assert_eq!(only_error(&early, "recordTransfer").0, "INVALID_TRANSITION", "{early}");
    }
}

on_both! {
    async fn a_revision_is_applied_once_on_the_version_read_and_by_the_fund_management_unit(app: TestApp) {
        let (funded, decision) = transferred_in_full_then_revised(&app).await;
        let version = programme(&app, &funded.programme).await["version"].as_i64().unwrap();
        let revised = lines(&funded, "1250000.00", "1250000.00");

        // Only ADMIN applies it: the committee decides, organizations and donors read.
        let ilo = row_id(&json!(funded.organizations[0]));
        for token in [app.committee(), app.puno_token(ilo, "user:ilo"), app.token(Role::PartnerSystem, "system:gateway")] {
            let response = revise(&app, &token, &funded, &decision, version, revised.clone()).await;
            assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN", "{response}");
        }
        let stale = revise(&app, &app.admin(), &funded, &decision, version - 1, revised.clone()).await;
        let (code, field, _) = only_error(&stale, "reviseBudget");
        assert_eq!((code.as_str(), field), ("STALE_VERSION", json!(["input", "expectedVersion"])), "{stale}");
        assert_eq!(programme(&app, &funded.programme).await["approvedBudgetUsd"], "2000000.00");

        // The funding decision is no revision.
        let funding = revise(&app, &app.admin(), &funded, &funded.funding_decision, version, revised.clone()).await;
        assert_eq!(only_error(&funding, "reviseBudget").1, json!(["input", "decision"]), "{funding}");

        let applied = revise(&app, &app.admin(), &funded, &decision, version, revised.clone()).await;
        assert_eq!(applied["data"]["reviseBudget"]["userErrors"], json!([]), "{applied}");
        let audited = audit_count(&app).await;
        for again_at in [version, version + 1] {
            let again = revise(&app, &app.admin(), &funded, &decision, again_at, revised.clone()).await;
            let (code, field, message) = only_error(&again, "reviseBudget");
            assert_eq!((code.as_str(), field), ("INVALID_TRANSITION", json!(["input", "decision"])), "{again}");
            assert!(message.contains("applied"), "{message}");
        }
        let after = programme(&app, &funded.programme).await;
        assert_eq!(after["approvedBudgetUsd"], "2500000.00");
        assert_eq!(after["budgetRevisions"].as_array().unwrap().len(), 1);
        assert_eq!(audit_count(&app).await, audited);
    }
}

on_both! {
    async fn an_extension_moves_the_end_date_and_keeps_the_original(app: TestApp) {
        let (funded, _) = transferred_in_full_then_revised(&app).await;
        let before = programme(&app, &funded.programme).await;
        assert_eq!((before["endDate"].as_str(), before["originalEndDate"].as_str()), (Some("2023-07-31"), Some("2023-07-31")));
        let extended = app.data(
            Some(&app.committee()),
            "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { userErrors { code message } } }",
            json!({"input": {"meeting": funded.meeting, "kind": "NO_COST_EXTENSION", "subject": funded.programme,
                             "newEndDate": "2024-01-31", "rationale": "By consensus."}}),
        ).await;
        assert_eq!(extended["recordDecision"]["userErrors"], json!([]), "{extended}");
        let after = programme(&app, &funded.programme).await;
        assert_eq!((after["endDate"].as_str(), after["originalEndDate"].as_str()), (Some("2024-01-31"), Some("2023-07-31")));
    }
}

on_both! {
    async fn the_migration_keeps_an_existing_programmes_original_budget_and_end_date(app: TestApp) {
        use migration::{Migrator, MigratorTrait, SchemaManager};
        use sea_orm::ConnectionTrait;
        let (extended, _) = transferred_in_full_then_revised(&app).await;
        let untouched = programme_with_budget(&app, 4, 6, "100000.00").await;
        let forgotten = programme_with_budget(&app, 4, 6, "100000.00").await;
        for programme in [&extended.programme, &forgotten.programme] {
            let decided = app.data(
                Some(&app.committee()),
                "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { userErrors { code message } } }",
                json!({"input": {"meeting": extended.meeting, "kind": "NO_COST_EXTENSION", "subject": programme,
                                 "newEndDate": "2024-01-31", "rationale": "By consensus."}}),
            ).await;
            assert_eq!(decided["recordDecision"]["userErrors"], json!([]), "{decided}");
        }
        let db = &app.services.db;
        // A database from before the migration, whose audit trail lacks one programme's creation.
        let migration = Migrator::migrations()
            .into_iter()
            .find(|m| m.name() == "m20261212_000008_budget_revisions")
            .unwrap();
        migration.down(&SchemaManager::new(&db.0)).await.unwrap();
        db.execute_unprepared(&format!(
            "DELETE FROM audit_event WHERE subject_type = 'JointProgramme' AND subject_id = {} AND action = 'createJointProgramme'",
            row_id(&json!(forgotten.programme))
        ))
        .await
        .unwrap();
        migration.up(&SchemaManager::new(&db.0)).await.unwrap();

        let read = |id: String| {
            let app = &app;
            async move { programme(app, &id).await }
        };
        let extended = read(extended.programme.clone()).await;
        assert_eq!((extended["endDate"].as_str(), extended["originalEndDate"].as_str()), (Some("2024-01-31"), Some("2023-07-31")), "{extended}");
        assert_eq!(extended["financials"]["originalBudgetUsd"], "2000000.00");
        let untouched = read(untouched.programme.clone()).await;
        assert_eq!((untouched["endDate"].as_str(), untouched["originalEndDate"].as_str()), (Some("2023-07-31"), Some("2023-07-31")), "{untouched}");
        assert_eq!(untouched["financials"]["originalBudgetUsd"], "100000.00");
        let forgotten = read(forgotten.programme.clone()).await;
        assert_eq!((forgotten["endDate"].as_str(), forgotten["originalEndDate"].as_str()), (Some("2024-01-31"), None), "{forgotten}");
    }
}

on_both! {
    async fn a_revision_racing_its_twin_or_a_transfer_never_leaves_a_line_below_its_transfers(app: TestApp) {
        // Twins: one applies the revision, the other is told it was applied (or that the
        // programme changed under it).
        let (funded, decision) = transferred_in_full_then_revised(&app).await;
        let version = programme(&app, &funded.programme).await["version"].as_i64().unwrap();
        let revised = lines(&funded, "1250000.00", "1250000.00");
        let (admin, officer) = (app.admin(), app.officer());
        let (first, second) = tokio::join!(
            revise(&app, &admin, &funded, &decision, version, revised.clone()),
            revise(&app, &officer, &funded, &decision, version, revised.clone()),
        );
        let codes: Vec<Value> = [&first, &second].iter().map(|r| r["data"]["reviseBudget"]["userErrors"][0]["code"].clone()).collect();
        assert_eq!(codes.iter().filter(|c| c.is_null()).count(), 1, "{first}\n{second}");
        assert!(codes.iter().any(|c| *c == "INVALID_TRANSITION" || *c == "STALE_VERSION"), "{codes:?}");
        let after = programme(&app, &funded.programme).await;
        assert_eq!((after["approvedBudgetUsd"].as_str(), after["budgetRevisions"].as_array().unwrap().len()), (Some("2500000.00"), 1));

        // A revision that lowers ILO's line, racing a transfer to ILO: whichever comes second is
        // refused, so ILO never holds more than its line.
        deposit_usd(&app, "3000000.00", None).await;
        let other = programme_with_budget(&app, 4, 6, "2000000.00").await;
        let sent = transfer(&app, &app.officer(), &other, &other.organizations[0], "500000.00", "race-first").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let revision = decide(&app, &other.meeting, "BUDGET_REVISION", &other.programme, Some("500000.00")).await;
        let decision = revision["decision"]["id"].as_str().unwrap().to_owned();
        let version = programme(&app, &other.programme).await["version"].as_i64().unwrap();
        let (revised, sent) = tokio::join!(
            revise(&app, &admin, &other, &decision, version, lines(&other, "600000.00", "1900000.00")),
            transfer(&app, &officer, &other, &other.organizations[0], "500000.00", "race-second"),
        );
        let revised_ok = revised["data"]["reviseBudget"]["userErrors"] == json!([]);
        let sent_ok = sent["userErrors"] == json!([]);
        assert!(revised_ok != sent_ok, "exactly one of them: {revised}\n{sent}");
        let refused = if revised_ok { &sent["userErrors"][0]["code"] } else { &revised["data"]["reviseBudget"]["userErrors"][0]["code"] };
        assert_eq!(refused, "BUDGET_EXCEEDED", "{revised}\n{sent}");
        let now = programme(&app, &other.programme).await;
        let ilo_line = now["budgetLines"][0]["totalUsd"].as_str().unwrap().to_owned();
        assert_eq!(ilo_line, if revised_ok { "600000.00" } else { "1000000.00" }, "{now}");
        assert_eq!(now["financials"]["transferredUsd"], if revised_ok { "500000.00" } else { "1000000.00" }, "{now}");
    }
}
