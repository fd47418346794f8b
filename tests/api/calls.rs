//! Calls for concept notes (issue 17, item 1): a call's window, envelope, scopes, thematic areas
//! and ceiling; the notes that answer it and those it refuses; what the committee has taken into
//! the pipeline; governments' endorsements, national partners, and notes ready for
//! implementation.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use serde_json::{json, Value};

const CALL: &str = "call { id reference status opensOn closesOn envelopeUsd maxBudgetUsd scopes thematicAreas { number } version }";

async fn announce(app: &TestApp, token: &str, input: Value) -> Value {
    mutate(app, Some(token), "announceCall", CALL, input).await
}

async fn first_quarter_call(app: &TestApp) -> Value {
    let input = json!({
        "title": "Call on labour migration", "opensOn": "2021-01-01", "closesOn": "2021-03-31",
        "envelopeUsd": "5000000.00", "thematicAreas": [thematic_area_id(app, 4).await],
        "scopes": ["NATIONAL"], "maxBudgetUsd": "2500000.00",
        "eligibility": "Joint programmes of at least two UN entities, endorsed by the government.",
    });
    let answer = announce(app, &app.admin(), input).await;
    assert_eq!(
        answer["data"]["announceCall"]["userErrors"],
        json!([]),
        "{answer}"
    );
    answer["data"]["announceCall"]["call"].clone()
}

/// Submits `input` (a concept note) to `call` as ADMIN.
async fn submit_to(app: &TestApp, call: Option<&str>, mut input: Value) -> Value {
    input["call"] = json!(call);
    command(
        app,
        &app.admin(),
        "submitConceptNote",
        "conceptNote { id status call { reference } nationalPartners { name kind } }",
        input,
    )
    .await
}

fn error(payload: &Value) -> (String, Value) {
    let e = &payload["userErrors"][0];
    (
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {payload}"))
            .to_owned(),
        e["field"].clone(),
    )
}

async fn version(app: &TestApp, note: &str) -> i64 {
    app.data(
        Some(&app.admin()),
        "query($id: ID!) { node(id: $id) { ... on ConceptNote { version } } }",
        json!({"id": note}),
    )
    .await["node"]["version"]
        .as_i64()
        .unwrap()
}

async fn note_count(app: &TestApp) -> i64 {
    app.data(
        Some(&app.admin()),
        "{ conceptNotes { totalCount } }",
        json!({}),
    )
    .await["conceptNotes"]["totalCount"]
        .as_i64()
        .unwrap()
}

on_both! {
    async fn a_call_takes_the_notes_it_invites_and_refuses_the_others(app: TestApp) {
        let call = first_quarter_call(&app).await;
        let id = call["id"].as_str().unwrap().to_owned();
        assert!(call["reference"].as_str().unwrap().starts_with("MPTF-CALL-2021-"), "{call}");
        assert_eq!((call["status"].clone(), call["scopes"].clone()), (json!("CLOSED"), json!(["NATIONAL"])));
        assert_eq!((call["envelopeUsd"].clone(), call["maxBudgetUsd"].clone()), (json!("5000000.00"), json!("2500000.00")));
        assert_eq!(call["thematicAreas"], json!([{"number": 4}]));

        // A note within the window, scope, area and ceiling answers the call.
        let input = concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await;
        let taken = submit_to(&app, Some(&id), input.clone()).await;
        assert_eq!(taken["userErrors"], json!([]), "{taken}");
        assert_eq!(taken["conceptNote"]["call"]["reference"], call["reference"]);
        let waiting = submit_to(&app, Some(&id), input.clone()).await;
        assert_eq!(waiting["userErrors"], json!([]), "{waiting}");

        // Every way of not fitting is refused, naming the field, and writes nothing.
        let before = (note_count(&app).await, audit_count(&app).await);
        let mut late = input.clone();
        late["submittedOn"] = json!("2021-04-01");
        assert_eq!(error(&submit_to(&app, Some(&id), late).await), ("INVALID_TRANSITION".into(), json!(["input", "call"])));
        let mut early = input.clone();
        early["submittedOn"] = json!("2020-12-31");
        assert_eq!(error(&submit_to(&app, Some(&id), early).await).0, "INVALID_TRANSITION");
        let regional = json!({"scope": "REGIONAL", "countries": ["ZAF", "NAM"]});
        let mut other_scope = input.clone();
        other_scope.as_object_mut().unwrap().extend(regional.as_object().unwrap().clone());
        assert_eq!(error(&submit_to(&app, Some(&id), other_scope).await), ("VALIDATION".into(), json!(["input", "scope"])));
        let other_area = concept_note_input(&app, 1, &[1], "ILO", &["IOM"]).await;
        assert_eq!(error(&submit_to(&app, Some(&id), other_area).await), ("VALIDATION".into(), json!(["input", "thematicArea"])));
        let mut dear = input.clone();
        dear["requestedBudgetUsd"] = json!("2500000.01");
        assert_eq!(error(&submit_to(&app, Some(&id), dear).await), ("BUDGET_EXCEEDED".into(), json!(["input", "requestedBudgetUsd"])));
        let unknown = mptf::ids::encode(mptf::ids::Kind::Call, 999_999);
        assert_eq!(error(&submit_to(&app, Some(&unknown), input.clone()).await), ("NOT_FOUND".into(), json!(["input", "call"])));
        assert_eq!((note_count(&app).await, audit_count(&app).await), before, "a refused note leaves nothing behind");

        // The fund's direct intake answers no call.
        let direct = submit_to(&app, None, input.clone()).await;
        assert_eq!(direct["conceptNote"]["call"], Value::Null, "{direct}");

        // The committee takes one into the pipeline: the call shows it, to every reader.
        let note = taken["conceptNote"]["id"].as_str().unwrap();
        assert_eq!(review(&app, note, "RECOMMENDED").await["userErrors"], json!([]));
        let meeting = schedule_meeting(&app).await;
        assert_eq!(decide(&app, &meeting, "PIPELINE", note, None).await["userErrors"], json!([]));
        let figures = "query($id: ID!) { node(id: $id) { ... on Call { notesReceived takenIntoPipelineUsd envelopeTakenShare conceptNotes { totalCount nodes { status reviews { score } } } } } }";
        let admin = app.data(Some(&app.admin()), figures, json!({"id": id})).await["node"].clone();
        assert_eq!((admin["notesReceived"].clone(), admin["takenIntoPipelineUsd"].clone(), admin["envelopeTakenShare"].clone()),
            (json!(2), json!("2000000.00"), json!("0.4000")), "{admin}");
        assert_eq!(admin["conceptNotes"]["nodes"][0]["reviews"][0]["score"], json!(80), "the call shows its notes' review scores");
        // A donor reads the note in the pipeline, not the one still waiting for review.
        let donor = app.donor_token(1, "call-donor");
        let seen = app.data(Some(&donor), figures, json!({"id": id})).await["node"].clone();
        assert_eq!((seen["notesReceived"].clone(), seen["takenIntoPipelineUsd"].clone(), seen["conceptNotes"]["totalCount"].clone()),
            (json!(1), json!("2000000.00"), json!(1)), "{seen}");
        let listed = app.data(Some(&donor), "query($call: ID) { conceptNotes(filter: { call: $call }) { totalCount } }", json!({"call": id})).await;
        assert_eq!(listed["conceptNotes"]["totalCount"], json!(1), "{listed}");
        let all = app.data(Some(&app.admin()), "query($call: ID) { conceptNotes(filter: { call: $call }) { totalCount } }", json!({"call": id})).await;
        assert_eq!(all["conceptNotes"]["totalCount"], json!(2), "{all}");

        // Lists by status today.
        let closed = app.data(Some(&donor), "{ calls(filter: { status: [CLOSED] }) { totalCount nodes { reference } } }", json!({})).await;
        assert_eq!(closed["calls"]["nodes"][0]["reference"], call["reference"], "{closed}");
        let open = app.data(Some(&donor), "{ calls(filter: { status: [OPEN, UPCOMING] }) { totalCount } }", json!({})).await;
        assert_eq!(open["calls"]["totalCount"], json!(0));
        let area = app.data(Some(&donor), "query($a: ID) { calls(filter: { thematicArea: $a }) { totalCount } }", json!({"a": thematic_area_id(&app, 1).await})).await;
        assert_eq!(area["calls"]["totalCount"], json!(0), "no call invites area 1");
        assert_eq!(app.error_code(None, "{ calls { totalCount } }", json!({})).await, "UNAUTHENTICATED");
    }
}

on_both! {
    async fn only_the_fund_management_unit_announces_and_extends_calls_within_their_rules(app: TestApp) {
        let areas = json!([thematic_area_id(&app, 4).await]);
        let valid = json!({"title": "An open call", "opensOn": "2021-01-01", "closesOn": "2098-12-31", "envelopeUsd": "1000000.00",
            "thematicAreas": areas, "scopes": ["NATIONAL", "REGIONAL"], "eligibility": "Any two UN entities."});
        for token in [app.committee(), app.donor_token(1, "call-donor"), app.token(mptf::domain::Role::Auditor, "user:auditor")] {
            assert_eq!(app.error_code(Some(&token), "mutation($input: AnnounceCallInput!) { announceCall(input: $input) { call { id } } }", json!({"input": valid})).await, "FORBIDDEN");
        }
        let with = |changes: Value| {
            let mut input = valid.clone();
            input.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
            input
        };
        let refusals = [
            (json!({"closesOn": "2020-12-31"}), "VALIDATION", "closesOn"),
            (json!({"thematicAreas": []}), "VALIDATION", "thematicAreas"),
            (json!({"scopes": []}), "VALIDATION", "scopes"),
            (json!({"envelopeUsd": "0.00"}), "VALIDATION", "envelopeUsd"),
            (json!({"maxBudgetUsd": "1000000.01"}), "VALIDATION", "maxBudgetUsd"),
            (json!({"title": "  "}), "VALIDATION", "title"),
        ];
        for (change, code, field) in refusals {
            let answer = announce(&app, &app.admin(), with(change.clone())).await;
            assert_eq!(error(&answer["data"]["announceCall"]), (code.to_owned(), json!(["input", field])), "{change}: {answer}");
        }
        assert_eq!(app.data(Some(&app.admin()), "{ calls { totalCount } }", json!({})).await["calls"]["totalCount"], json!(0));

        let open = announce(&app, &app.admin(), valid.clone()).await["data"]["announceCall"]["call"].clone();
        assert_eq!(open["status"], json!("OPEN"));
        let extend = |version: i64, closes: &str| json!({"call": open["id"], "expectedVersion": version, "closesOn": closes});
        let shorter = mutate(&app, Some(&app.admin()), "extendCall", CALL, extend(1, "2098-12-30")).await;
        assert_eq!(error(&shorter["data"]["extendCall"]), ("VALIDATION".into(), json!(["input", "closesOn"])));
        let longer = command(&app, &app.admin(), "extendCall", CALL, extend(1, "2099-06-30")).await;
        assert_eq!((longer["call"]["closesOn"].clone(), longer["call"]["version"].clone()), (json!("2099-06-30"), json!(2)), "{longer}");
        let stale = command(&app, &app.admin(), "extendCall", CALL, extend(1, "2099-12-31")).await;
        assert_eq!(error(&stale).0, "STALE_VERSION");
        assert_eq!(app.error_code(Some(&app.committee()), "mutation($input: ExtendCallInput!) { extendCall(input: $input) { call { id } } }", json!({"input": extend(2, "2099-12-31")})).await, "FORBIDDEN");
        // A call that has closed stays closed: a new call is announced instead.
        let closed = first_quarter_call(&app).await;
        let reopen = command(&app, &app.admin(), "extendCall", CALL, json!({"call": closed["id"], "expectedVersion": 1, "closesOn": "2099-01-01"})).await;
        assert_eq!(error(&reopen), ("INVALID_TRANSITION".into(), json!(["input", "call"])));

        // Announcing and extending are audited and announced as `CALL` events.
        let trail = app.data(Some(&app.admin()), "{ auditEvents(first: 10) { nodes { action } } }", json!({})).await;
        let actions: Vec<&str> = trail["auditEvents"]["nodes"].as_array().unwrap().iter().filter_map(|n| n["action"].as_str()).collect();
        assert!(actions.contains(&"announceCall") && actions.contains(&"extendCall"), "{actions:?}");
    }
}

on_both! {
    async fn a_note_waits_for_money_endorsed_by_its_governments_with_its_partners(app: TestApp) {
        // National partners come with the note; each name once.
        let mut input = concept_note_input(&app, 4, &[6], "ILO", &["IOM"]).await;
        input["nationalPartners"] = json!([{"name": "Municipality of Durban", "kind": "LOCAL_GOVERNMENT"}, {"name": "Migrant workers' union", "kind": "TRADE_UNION"}]);
        let submitted = submit_to(&app, None, input.clone()).await;
        assert_eq!(submitted["conceptNote"]["nationalPartners"], json!([{"name": "Migrant workers' union", "kind": "TRADE_UNION"}, {"name": "Municipality of Durban", "kind": "LOCAL_GOVERNMENT"}]), "{submitted}");
        input["nationalPartners"] = json!([{"name": "Twice", "kind": "ACADEMIA"}, {"name": "Twice", "kind": "CIVIL_SOCIETY"}]);
        assert_eq!(error(&submit_to(&app, None, input).await).0, "DUPLICATE");

        let note = pipeline_note(&app, 4, 6).await;
        let ready = |version: i64, on: &str| json!({"conceptNote": note, "expectedVersion": version, "programmeDocumentEndorsedOn": on});
        // Not ready while South Africa's government has not endorsed it.
        let early = command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { id }", ready(version(&app, &note).await, "2021-06-01")).await;
        assert_eq!(error(&early).0, "INVALID_TRANSITION");
        assert!(early["userErrors"][0]["message"].as_str().unwrap().contains("ZAF"), "{early}");

        let endorse = |country: &str, on: &str| json!({"conceptNote": note, "country": country, "endorsedOn": on});
        let fields = "governmentEndorsement { endorsedOn country { code } recordedBy }";
        let iom = app.puno_token(row_id(&json!(organization_id(&app, "IOM").await)), "user:iom");
        let ilo = app.puno_token(row_id(&json!(organization_id(&app, "ILO").await)), "user:ilo");
        assert_eq!(mutate(&app, Some(&iom), "recordGovernmentEndorsement", fields, endorse("ZAF", "2021-03-01")).await["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(error(&command(&app, &ilo, "recordGovernmentEndorsement", fields, endorse("KEN", "2021-03-01")).await), ("VALIDATION".into(), json!(["input", "country"])));
        assert_eq!(error(&command(&app, &ilo, "recordGovernmentEndorsement", fields, endorse("ZAF", "2099-03-01")).await), ("VALIDATION".into(), json!(["input", "endorsedOn"])));
        let endorsed = command(&app, &ilo, "recordGovernmentEndorsement", fields, endorse("ZAF", "2021-03-01")).await;
        assert_eq!(endorsed["governmentEndorsement"], json!({"endorsedOn": "2021-03-01", "country": {"code": "ZAF"}, "recordedBy": "user:ilo"}), "{endorsed}");
        assert_eq!(error(&command(&app, &app.admin(), "recordGovernmentEndorsement", fields, endorse("ZAF", "2021-03-02")).await), ("DUPLICATE".into(), json!(["input", "country"])));

        // Only the Fund Management Unit marks it ready, once, on a sensible day.
        assert_eq!(mutate(&app, Some(&ilo), "markReadyForImplementation", "conceptNote { id }", ready(version(&app, &note).await, "2021-06-01")).await["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(error(&command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { id }", ready(version(&app, &note).await, "2020-01-01")).await).1, json!(["input", "programmeDocumentEndorsedOn"]));
        assert_eq!(error(&command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { id }", ready(0, "2021-06-01")).await).0, "STALE_VERSION");
        let marked = command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { readyForImplementation programmeDocumentEndorsedOn governmentEndorsements { country { code } } }", ready(version(&app, &note).await, "2021-06-01")).await;
        assert_eq!(marked["conceptNote"], json!({"readyForImplementation": true, "programmeDocumentEndorsedOn": "2021-06-01", "governmentEndorsements": [{"country": {"code": "ZAF"}}]}), "{marked}");
        assert_eq!(error(&command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { id }", ready(version(&app, &note).await, "2021-06-02")).await).0, "DUPLICATE");
        // A note not yet in the pipeline cannot be ready.
        let fresh = submitted["conceptNote"]["id"].as_str().unwrap();
        let not_yet = command(&app, &app.admin(), "markReadyForImplementation", "conceptNote { id }", json!({"conceptNote": fresh, "expectedVersion": 1, "programmeDocumentEndorsedOn": "2021-06-01"})).await;
        assert_eq!(error(&not_yet).0, "INVALID_TRANSITION");

        let ready_list = app.data(Some(&app.donor_token(1, "d")), "{ conceptNotes(filter: { readyForImplementation: true }) { totalCount } waiting: conceptNotes(filter: { readyForImplementation: false, status: [PIPELINE] }) { totalCount } }", json!({})).await;
        assert_eq!((ready_list["conceptNotes"]["totalCount"].clone(), ready_list["waiting"]["totalCount"].clone()), (json!(1), json!(0)), "{ready_list}");
    }
}

on_both! {
    async fn the_demo_holds_the_funds_three_rounds_and_ten_notes_ready_for_implementation(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let donor = app.donor_token(1, "demo-donor");
        let calls = app.data(Some(&donor), "{ calls { totalCount nodes { reference title status envelopeUsd notesReceived takenIntoPipelineUsd } } }", json!({})).await;
        let nodes = calls["calls"]["nodes"].as_array().unwrap();
        assert_eq!(calls["calls"]["totalCount"], json!(3), "{calls}");
        assert!(nodes.iter().all(|c| c["status"] == "CLOSED" && c["notesReceived"].as_i64().unwrap() > 0), "{calls}");
        let taken: Vec<f64> = nodes.iter().map(|c| c["takenIntoPipelineUsd"].as_str().unwrap().parse().unwrap()).collect();
        assert!(taken.iter().all(|t| *t > 0.0), "every round put notes into the pipeline: {calls}");
        let notes = app.data(Some(&app.admin()), "{ all: conceptNotes { totalCount } ready: conceptNotes(filter: { readyForImplementation: true, status: [PIPELINE] }) { totalCount nodes { governmentEndorsements { endorsedOn } } } }", json!({})).await;
        assert_eq!(notes["ready"]["totalCount"], json!(10), "the report's ten ready for implementation: {notes}");
        assert!(notes["ready"]["nodes"].as_array().unwrap().iter().all(|n| !n["governmentEndorsements"].as_array().unwrap().is_empty()));
        let received: i64 = nodes.iter().map(|c| c["notesReceived"].as_i64().unwrap()).sum();
        let all = app.data(Some(&app.admin()), "{ calls { nodes { notesReceived } } }", json!({})).await;
        let received_by_admin: i64 = all["calls"]["nodes"].as_array().unwrap().iter().map(|c| c["notesReceived"].as_i64().unwrap()).sum();
        assert!(received < received_by_admin && received_by_admin < notes["all"]["totalCount"].as_i64().unwrap(),
            "a donor counts the notes it reads; some notes came through the direct intake: {received} {received_by_admin} {notes}");
    }
}
