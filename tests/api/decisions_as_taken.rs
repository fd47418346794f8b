//! Decisions as the fund takes them (issue 17, item 2): what the Fund Management Unit records
//! waits for the chair's confirmation (four eyes); a written procedure waits for its
//! no-objection deadline, and a member's objection stops it; lifting a suspension and approving
//! the fund's own costs are committee decisions too. Nothing takes effect without a committee
//! member's act, and nothing rests on a decision not in effect.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use mptf::domain::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

const DECISION: &str = "decision { id kind status adoptedOn confirmedBy recordedBy subject { __typename } objections { objectedBy reason } }";

#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// Refused with one user error of `code` on `["input", field]` (on the whole input when
/// `field` is empty), nothing returned.
#[track_caller]
fn refused(payload: &Value, code: &str, field: &str) {
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    let path = if field.is_empty() {
        json!([])
    } else {
        json!(["input", field])
    };
    assert_eq!(errors[0]["field"], path, "{payload:#}");
    let answered = payload
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| *key != "userErrors")
        .all(|(_, value)| value.is_null());
    assert!(answered, "{payload:#}");
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn meeting(app: &TestApp, kind: &str, held_on: &str) -> String {
    let payload = command(
        app,
        &app.admin(),
        "scheduleMeeting",
        "meeting { id }",
        json!({"heldOn": held_on, "kind": kind, "title": format!("{kind} of {held_on}")}),
    )
    .await;
    accepted(&payload);
    payload["meeting"]["id"].as_str().unwrap().to_owned()
}

async fn record(app: &TestApp, token: &str, input: Value) -> Value {
    command(app, token, "recordDecision", DECISION, input).await
}

fn on(meeting: &str, kind: &str, subject: Option<&str>, amount: Option<&str>) -> Value {
    json!({"meeting": meeting, "kind": kind, "subject": subject, "amountUsd": amount, "rationale": "By consensus."})
}

async fn confirm(app: &TestApp, token: &str, decision: &str) -> Value {
    command(
        app,
        token,
        "confirmDecision",
        DECISION,
        json!({"decision": decision}),
    )
    .await
}

async fn object(app: &TestApp, token: &str, decision: &str) -> Value {
    command(
        app,
        token,
        "objectToDecision",
        DECISION,
        json!({"decision": decision, "reason": "The budget needs a second look."}),
    )
    .await
}

async fn note_status(app: &TestApp, note: &str) -> Value {
    app.data(
        Some(&app.admin()),
        "query($id: ID!) { node(id: $id) { ... on ConceptNote { status } } }",
        json!({"id": note}),
    )
    .await["node"]["status"]
        .clone()
}

/// Moves a written procedure's deadline to yesterday: the days pass.
async fn deadline_passes(app: &TestApp, procedure: &str) {
    let yesterday = chrono::Utc::now().date_naive().pred_opt().unwrap();
    let backend = app.services.db.get_database_backend();
    app.services
        .db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE steering_committee_meeting SET held_on = $1 WHERE id = $2"
                }
                _ => "UPDATE steering_committee_meeting SET held_on = ? WHERE id = ?",
            },
            [yesterday.into(), row_id(&json!(procedure)).into()],
        ))
        .await
        .unwrap();
}

on_both! {
    async fn the_fund_management_units_record_waits_for_the_chair(app: TestApp) {
        deposit_usd(&app, "1000000.00", None).await;
        let note = pipeline_note(&app, 4, 6).await;
        let held = meeting(&app, "MEETING", "2021-06-30").await;

        let pending = record(&app, &app.admin(), on(&held, "FUNDING", Some(&note), Some("200000.00"))).await;
        accepted(&pending);
        let decision = pending["decision"]["id"].as_str().unwrap().to_owned();
        assert_eq!(pending["decision"]["status"], "PENDING");
        assert_eq!(pending["decision"]["adoptedOn"], Value::Null);
        assert_eq!(pending["decision"]["recordedBy"], "user:admin");
        // Nothing took effect: the note waits in the pipeline, nothing is allocated.
        assert_eq!(note_status(&app, &note).await, "PIPELINE");
        let allocations = app.data(Some(&app.admin()), "{ ledgerEntries(filter: {kinds: [ALLOCATION]}) { totalCount } }", json!({})).await;
        assert_eq!(allocations["ledgerEntries"]["totalCount"], 0, "{allocations}");

        // The decisions awaiting the chair: the committee reads them, a donor does not.
        let awaiting = "{ decisions(filter: {status: [PENDING]}) { totalCount nodes { id } } }";
        let read = app.data(Some(&app.committee()), awaiting, json!({})).await;
        assert_eq!(read["decisions"]["nodes"], json!([{"id": decision}]), "{read}");
        let donor = app.token(Role::PartnerSystem, "system:gateway");
        let read = app.data(Some(&donor), awaiting, json!({})).await;
        assert_eq!(read["decisions"]["totalCount"], 0, "{read}");
        let node = app.data(Some(&donor), "query($id: ID!) { node(id: $id) { id } }", json!({"id": decision})).await;
        assert_eq!(node["node"], Value::Null, "{node}");

        // Only a member decides, and at a meeting only the chair confirms.
        let by_admin = mutate(&app, Some(&app.officer()), "confirmDecision", DECISION, json!({"decision": decision})).await;
        assert_eq!(by_admin["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_admin:#}");
        let by_member = mutate(&app, Some(&app.committee()), "confirmDecision", DECISION, json!({"decision": decision})).await;
        assert_eq!(by_member["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_member:#}");
        refused(&object(&app, &app.committee(), &decision).await, "INVALID_TRANSITION", "decision");

        let adopted = confirm(&app, &app.chair(), &decision).await;
        accepted(&adopted);
        assert_eq!(adopted["decision"]["status"], "ADOPTED");
        assert_eq!(adopted["decision"]["adoptedOn"], "2021-06-30");
        assert_eq!(adopted["decision"]["confirmedBy"], "user:chair");
        assert_eq!(note_status(&app, &note).await, "APPROVED");
        let allocations = app.data(Some(&app.admin()), "{ ledgerEntries(filter: {kinds: [ALLOCATION]}) { nodes { valueDate amountUsd } } }", json!({})).await;
        assert_eq!(allocations["ledgerEntries"]["nodes"], json!([{"valueDate": "2021-06-30", "amountUsd": "200000.00"}]), "{allocations}");
        let read = app.data(Some(&donor), "query($id: ID!) { node(id: $id) { id } }", json!({"id": decision})).await;
        assert_eq!(read["node"]["id"], json!(decision), "{read}");
        // Confirmed once.
        refused(&confirm(&app, &app.chair(), &decision).await, "INVALID_TRANSITION", "decision");

        // A meeting not yet held takes no decisions.
        let ahead = meeting(&app, "MEETING", "2099-01-15").await;
        let other = pipeline_note(&app, 4, 6).await;
        refused(&record(&app, &app.admin(), on(&ahead, "DEFERRAL", Some(&other), None)).await, "VALIDATION", "meeting");
    }
}

on_both! {
    async fn a_written_procedure_waits_for_its_deadline_and_an_objection_stops_it(app: TestApp) {
        let note = pipeline_note(&app, 4, 6).await;
        let procedure = meeting(&app, "WRITTEN_PROCEDURE", &today()).await;

        // Even a member's record waits for the deadline.
        let put = record(&app, &app.chair(), on(&procedure, "DEFERRAL", Some(&note), None)).await;
        accepted(&put);
        assert_eq!(put["decision"]["status"], "PENDING");
        let decision = put["decision"]["id"].as_str().unwrap().to_owned();
        let early = confirm(&app, &app.committee(), &decision).await;
        refused(&early, "INVALID_TRANSITION", "decision");
        assert!(early["userErrors"][0]["message"].as_str().unwrap().contains("object"), "{early:#}");

        let objected = object(&app, &app.committee(), &decision).await;
        accepted(&objected);
        assert_eq!(objected["decision"]["status"], "OBJECTED");
        assert_eq!(objected["decision"]["objections"], json!([{"objectedBy": "user:committee", "reason": "The budget needs a second look."}]));
        assert_eq!(note_status(&app, &note).await, "PIPELINE");
        // It never takes effect.
        deadline_passes(&app, &procedure).await;
        refused(&confirm(&app, &app.chair(), &decision).await, "INVALID_TRANSITION", "decision");
        let by_admin = mutate(&app, Some(&app.admin()), "objectToDecision", DECISION, json!({"decision": decision, "reason": "No."})).await;
        assert_eq!(by_admin["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_admin:#}");

        // Without objection, the decision is adopted on the deadline — by a member who did not
        // record it; after the deadline, no one objects.
        let second = meeting(&app, "WRITTEN_PROCEDURE", &today()).await;
        let put = record(&app, &app.chair(), on(&second, "DEFERRAL", Some(&note), None)).await;
        accepted(&put);
        let decision = put["decision"]["id"].as_str().unwrap().to_owned();
        deadline_passes(&app, &second).await;
        refused(&object(&app, &app.committee(), &decision).await, "INVALID_TRANSITION", "decision");
        refused(&confirm(&app, &app.chair(), &decision).await, "SEPARATION_OF_DUTIES", "decision");
        let adopted = confirm(&app, &app.committee(), &decision).await;
        accepted(&adopted);
        let yesterday = chrono::Utc::now().date_naive().pred_opt().unwrap().to_string();
        assert_eq!(adopted["decision"]["adoptedOn"], json!(yesterday));
        assert_eq!(note_status(&app, &note).await, "UNDER_REVIEW");
    }
}

on_both! {
    async fn nothing_rests_on_a_decision_not_in_effect(app: TestApp) {
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let held = meeting(&app, "MEETING", "2021-06-30").await;
        let revision = record(&app, &app.admin(), on(&held, "BUDGET_REVISION", Some(&funded.programme), Some("2200000.00"))).await;
        accepted(&revision);
        let revision = revision["decision"]["id"].as_str().unwrap().to_owned();
        let transfer = command(&app, &app.officer(), "recordTransfer", "transfer { id }", json!({
            "jointProgramme": funded.programme, "organization": funded.organizations[0], "decision": revision,
            "transferredOn": "2021-08-15", "amountUsd": "1000.00", "idempotencyKey": "on-pending"})).await;
        refused(&transfer, "INVALID_TRANSITION", "decision");
        let version = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on JointProgramme { version } } }", json!({"id": funded.programme})).await["node"]["version"].clone();
        let revise = command(&app, &app.admin(), "reviseBudget", "jointProgramme { id }", json!({
            "jointProgramme": funded.programme, "decision": revision, "expectedVersion": version, "budgetLines": [
                {"organization": funded.organizations[0], "programmableUsd": "1100000.00"},
                {"organization": funded.organizations[1], "programmableUsd": "1000000.00"}]})).await;
        refused(&revise, "INVALID_TRANSITION", "decision");

        // The fund's own costs rest on a DIRECT_COST decision in effect, within its amount.
        let unconfirmed = record(&app, &app.admin(), on(&held, "DIRECT_COST", None, Some("5000.00"))).await;
        accepted(&unconfirmed);
        let cost = |decision: &str, amount: &str, key: &str| json!({"kind": "DIRECT_COST", "incurredOn": "2021-09-30",
            "amountUsd": amount, "description": "Monitoring mission", "decision": decision, "idempotencyKey": key});
        let unconfirmed = unconfirmed["decision"]["id"].as_str().unwrap().to_owned();
        refused(&command(&app, &app.admin(), "recordDirectCost", "entry { id }", cost(&unconfirmed, "100.00", "c-0")).await, "INVALID_TRANSITION", "decision");
        refused(&record(&app, &app.committee(), on(&held, "DIRECT_COST", Some(&funded.programme), Some("5000.00"))).await, "VALIDATION", "subject");
        refused(&record(&app, &app.committee(), on(&held, "DIRECT_COST", None, None)).await, "VALIDATION", "amountUsd");
        let approval = record(&app, &app.committee(), on(&held, "DIRECT_COST", None, Some("5000.00"))).await;
        accepted(&approval);
        assert_eq!(approval["decision"]["status"], "ADOPTED");
        assert_eq!(approval["decision"]["subject"], Value::Null);
        let approval = approval["decision"]["id"].as_str().unwrap().to_owned();
        accepted(&command(&app, &app.admin(), "recordDirectCost", "entry { id }", cost(&approval, "3000.00", "c-1")).await);
        refused(&command(&app, &app.admin(), "recordDirectCost", "entry { id }", cost(&approval, "2000.01", "c-2")).await, "BUDGET_EXCEEDED", "amountUsd");
        accepted(&command(&app, &app.admin(), "recordDirectCost", "entry { id }", cost(&approval, "2000.00", "c-3")).await);
        refused(&command(&app, &app.admin(), "recordDirectCost", "entry { id }", cost(&funded.funding_decision, "1.00", "c-4")).await, "VALIDATION", "decision");
    }
}

on_both! {
    async fn only_the_committee_lifts_a_suspension(app: TestApp) {
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let held = meeting(&app, "MEETING", "2021-06-30").await;
        let status = || async {
            app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on JointProgramme { status version } } }", json!({"id": funded.programme})).await["node"].clone()
        };
        refused(&record(&app, &app.committee(), on(&held, "LIFT_SUSPENSION", Some(&funded.programme), None)).await, "INVALID_TRANSITION", "");
        accepted(&record(&app, &app.committee(), on(&held, "SUSPENSION", Some(&funded.programme), None)).await);
        let suspended = status().await;
        assert_eq!(suspended["status"], "SUSPENDED");
        let back = command(&app, &app.admin(), "setJointProgrammeStatus", "jointProgramme { status }", json!({
            "jointProgramme": funded.programme, "expectedVersion": suspended["version"], "status": "APPROVED", "reason": "Resolved."})).await;
        refused(&back, "INVALID_TRANSITION", "status");
        // The Fund Management Unit's record of the lifting waits for the chair.
        let lifting = record(&app, &app.admin(), on(&held, "LIFT_SUSPENSION", Some(&funded.programme), None)).await;
        accepted(&lifting);
        assert_eq!(status().await["status"], "SUSPENDED");
        accepted(&confirm(&app, &app.chair(), lifting["decision"]["id"].as_str().unwrap()).await);
        assert_eq!(status().await["status"], "APPROVED");
    }
}

on_both! {
    async fn an_existing_database_keeps_its_decisions_in_effect(backend: Backend) {
        use migration::MigratorTrait;
        use sea_orm::EntityTrait;
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}/upgrade.db?mode=rwc", dir.path().display()),
            Backend::Postgres => fresh_postgres_database().await.unwrap(),
        };
        let db = sea_orm::Database::connect(&url).await.unwrap();
        // Every migration before decisions had a status.
        migration::Migrator::up(&db, Some(11)).await.unwrap();
        for statement in [
            "INSERT INTO steering_committee_meeting (held_on, kind, title, created_at) VALUES ('2021-03-31', 'MEETING', 'Second round', '2021-03-01T00:00:00Z')",
            "INSERT INTO concept_note (reference, title, summary, scope, thematic_area_id, convening_organization_id, requested_budget_usd_cents, duration_months, gender_marker, human_rights_marker, child_sensitivity_marker, submitted_on, status, submitted_by, created_at) VALUES ('CN-1', 'Safe migration', 'A note.', 'NATIONAL', 1, 1, 100000000, 24, 2, 2, 1, '2021-01-15', 'UNDER_REVIEW', 'user:2', '2021-01-15T00:00:00Z')",
            "INSERT INTO decision (meeting_id, kind, concept_note_id, rationale, recorded_by, recorded_at) VALUES (1, 'PIPELINE', 1, 'By consensus.', 'user:3', '2021-03-31T15:00:00Z')",
            "INSERT INTO decision (meeting_id, kind, concept_note_id, rationale, supersedes_id, recorded_by, recorded_at) VALUES (1, 'DEFERRAL', 1, 'On reflection.', 1, 'user:3', '2021-03-31T16:00:00Z')",
        ] {
            db.execute_unprepared(statement).await.unwrap();
        }
        migration::Migrator::up(&db, None).await.unwrap();

        let decisions = entity::decision::Entity::find().all(&db).await.unwrap();
        let kept: Vec<_> = decisions
            .iter()
            .map(|d| (d.id, d.kind.as_str(), d.status.as_str(), d.adopted_on.map(|on| on.to_string()), d.confirmed_by.as_deref(), d.supersedes_id))
            .collect();
        assert_eq!(kept, vec![
            (1, "PIPELINE", "ADOPTED", Some("2021-03-31".to_owned()), Some("user:3"), None),
            (2, "DEFERRAL", "ADOPTED", Some("2021-03-31".to_owned()), Some("user:3"), Some(1)),
        ]);
        // The new kinds and statuses are allowed, the old rules still hold, and so do the
        // references.
        db.execute_unprepared("INSERT INTO decision (meeting_id, kind, amount_usd_cents, rationale, recorded_by, recorded_at, status) VALUES (1, 'DIRECT_COST', 1500000, 'Costs.', 'user:4', '2021-04-01T00:00:00Z', 'PENDING')").await.unwrap();
        let third = entity::decision::Entity::find_by_id(3).one(&db).await.unwrap();
        assert_eq!(third.map(|d| d.kind), Some("DIRECT_COST".to_owned()), "ids go on after the rebuilt rows");
        for (refused, why) in [
            ("INSERT INTO decision (meeting_id, kind, rationale, recorded_by, recorded_at, status) VALUES (1, 'DIRECT_COST', 'No amount.', 'user:4', '2021-04-01T00:00:00Z', 'PENDING')", "a direct cost states its amount"),
            ("INSERT INTO decision (meeting_id, kind, concept_note_id, rationale, recorded_by, recorded_at, status) VALUES (1, 'PIPELINE', 1, 'Adopted when?', 'user:3', '2021-04-01T00:00:00Z', 'ADOPTED')", "an adopted decision has its day and its member"),
            ("INSERT INTO decision (meeting_id, kind, rationale, recorded_by, recorded_at, status) VALUES (1, 'PIPELINE', 'On nothing.', 'user:3', '2021-04-01T00:00:00Z', 'PENDING')", "a pipeline decision is on a concept note"),
            ("INSERT INTO decision (meeting_id, kind, concept_note_id, rationale, supersedes_id, recorded_by, recorded_at, status) VALUES (1, 'DEFERRAL', 1, 'Dangling.', 999, 'user:3', '2021-04-01T00:00:00Z', 'PENDING')", "references are still checked"),
            ("INSERT INTO decision_objection (decision_id, objected_by, objected_at, reason) VALUES (999, 'user:3', '2021-04-01T00:00:00Z', 'No.')", "an objection is to a decision"),
        ] {
            assert!(db.execute_unprepared(refused).await.is_err(), "{why}");
        }
    }
}
