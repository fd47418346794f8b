//! Requests from participating organizations (issue 17, item 3): a programme's convening
//! organization asks the steering committee for a no-cost extension, a budget revision or its
//! next tranche; the Fund Management Unit puts the request on an agenda; a decision answers it,
//! and the request shows its outcome once that decision is adopted. A refusal changes nothing,
//! and nothing rests on it.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use mptf::domain::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

const REQUEST: &str = "programmeRequest { id kind status newEndDate amountUsd justification requestedBy organization { acronym } meeting { id } decision { id status } outcome answeredOn withdrawnBy }";

const DECISION: &str = "decision { id kind status adoptedOn answers { id status outcome } }";

#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// Refused with one user error of `code` on `["input", field]`, nothing returned.
#[track_caller]
fn refused(payload: &Value, code: &str, field: &str) {
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(["input", field]), "{payload:#}");
    let answered = payload
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| *key != "userErrors")
        .all(|(_, value)| value.is_null());
    assert!(answered, "{payload:#}");
}

#[track_caller]
fn forbidden(response: &Value) {
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{response:#}"
    );
}

fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
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

/// Moves a meeting to yesterday: it has been held (or its written procedure has closed).
async fn held_yesterday(app: &TestApp, meeting: &str) -> String {
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
            [yesterday.into(), row_id(&json!(meeting)).into()],
        ))
        .await
        .unwrap();
    yesterday.to_string()
}

/// The token of the programme's convening organization (ILO) and of its other organization.
fn punos(app: &TestApp, funded: &Funded) -> (String, String) {
    (
        app.puno_token(row_id(&json!(funded.organizations[0])), "user:ilo"),
        app.puno_token(row_id(&json!(funded.organizations[1])), "user:iom"),
    )
}

async fn submit(app: &TestApp, token: &str, input: Value) -> Value {
    mutate(app, Some(token), "submitProgrammeRequest", REQUEST, input).await
}

async fn on_agenda(app: &TestApp, token: &str, request: &str, meeting: &str) -> Value {
    mutate(
        app,
        Some(token),
        "putRequestOnAgenda",
        REQUEST,
        json!({"request": request, "meeting": meeting}),
    )
    .await
}

async fn answer(app: &TestApp, token: &str, input: Value) -> Value {
    command(app, token, "recordDecision", DECISION, input).await
}

async fn read_request(app: &TestApp, token: &str, request: &str) -> Value {
    app.graphql(
        Some(token),
        "query($id: ID!) { node(id: $id) { ... on ProgrammeRequest { id status outcome answeredOn decision { id status } } } }",
        json!({"id": request}),
    )
    .await
}

async fn end_date(app: &TestApp, programme: &str) -> Value {
    app.data(
        Some(&app.admin()),
        "query($id: ID!) { node(id: $id) { ... on JointProgramme { endDate } } }",
        json!({"id": programme}),
    )
    .await["node"]["endDate"]
        .clone()
}

on_both! {
    async fn the_convening_organization_asks_and_the_committees_adopted_decision_answers(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let (ilo, iom) = punos(&app, &funded);

        let submitted = submit(&app, &ilo, json!({"jointProgramme": funded.programme, "kind": "NO_COST_EXTENSION",
            "justification": "The rainy season delayed the construction of the reception centres.", "newEndDate": "2024-01-31"})).await;
        let submitted = submitted["data"]["submitProgrammeRequest"].clone();
        accepted(&submitted);
        let request = submitted["programmeRequest"]["id"].as_str().unwrap().to_owned();
        assert_eq!(submitted["programmeRequest"]["status"], "SUBMITTED");
        assert_eq!(submitted["programmeRequest"]["organization"]["acronym"], "ILO");
        assert_eq!(submitted["programmeRequest"]["requestedBy"], "user:ilo");
        assert_eq!(submitted["programmeRequest"]["amountUsd"], Value::Null);

        // The Fund Management Unit puts it on the agenda of the next meeting.
        let next = meeting(&app, "MEETING", &days_from_today(30)).await;
        let scheduled = on_agenda(&app, &app.admin(), &request, &next).await["data"]["putRequestOnAgenda"].clone();
        accepted(&scheduled);
        assert_eq!(scheduled["programmeRequest"]["status"], "ON_AGENDA");
        assert_eq!(scheduled["programmeRequest"]["meeting"]["id"], next.as_str());

        // Who reads it: the programme's organizations, the fund, the committee and auditors;
        // not donors nor partner systems.
        let list = "query($p: ID!) { programmeRequests(filter: {jointProgramme: $p, status: [ON_AGENDA], kind: [NO_COST_EXTENSION]}) { totalCount nodes { id } } }";
        for token in [&ilo, &iom, &app.admin(), &app.committee(), &app.token(Role::Auditor, "user:auditor")] {
            let read = app.data(Some(token), list, json!({"p": funded.programme})).await;
            assert_eq!(read["programmeRequests"]["nodes"], json!([{"id": request}]), "{read}");
        }
        let donor = app.donor_token(row_id(&json!(funded.donor)), "user:donor");
        let partner = app.token(Role::PartnerSystem, "system:gateway");
        let other = app.puno_token(row_id(&json!(organization_id(&app, "UNICEF").await)), "user:unicef");
        for token in [&donor, &partner, &other] {
            let read = app.data(Some(token), list, json!({"p": funded.programme})).await;
            assert_eq!(read["programmeRequests"]["totalCount"], 0, "{read}");
            forbidden(&read_request(&app, token, &request).await);
            let nested = app.data(Some(token), "query($id: ID!) { node(id: $id) { ... on JointProgramme { requests { id } } } }", json!({"id": funded.programme})).await;
            assert_eq!(nested["node"]["requests"], json!([]), "{nested}");
        }
        let nested = app.data(Some(&iom), "query($id: ID!) { node(id: $id) { ... on JointProgramme { requests { id kind } } } }", json!({"id": funded.programme})).await;
        assert_eq!(nested["node"]["requests"], json!([{"id": request, "kind": "NO_COST_EXTENSION"}]));

        // The meeting is held; the Fund Management Unit records its answer: not an answer yet.
        let held_on = held_yesterday(&app, &next).await;
        let pending = answer(&app, &app.admin(), json!({"meeting": next, "kind": "NO_COST_EXTENSION", "subject": funded.programme,
            "newEndDate": "2024-01-31", "rationale": "Granted as asked.", "answers": {"request": request, "outcome": "APPROVED"}})).await;
        accepted(&pending);
        let decision = pending["decision"]["id"].as_str().unwrap().to_owned();
        assert_eq!(pending["decision"]["status"], "PENDING");
        assert_eq!(pending["decision"]["answers"], json!({"id": request, "status": "ON_AGENDA", "outcome": null}));
        let waiting = read_request(&app, &ilo, &request).await;
        assert_eq!(waiting["data"]["node"], json!({"id": request, "status": "ON_AGENDA", "outcome": null, "answeredOn": null, "decision": null}), "{waiting}");
        let waiting = read_request(&app, &app.admin(), &request).await;
        assert_eq!(waiting["data"]["node"]["decision"], json!({"id": decision, "status": "PENDING"}));
        assert_eq!(end_date(&app, &funded.programme).await, "2023-07-31");
        // It cannot be withdrawn, nor answered a second time, while the answer waits.
        let withdrawn = mutate(&app, Some(&ilo), "withdrawProgrammeRequest", REQUEST, json!({"request": request})).await;
        refused(&withdrawn["data"]["withdrawProgrammeRequest"], "INVALID_TRANSITION", "request");
        let twice = answer(&app, &app.committee(), json!({"meeting": next, "kind": "NO_COST_EXTENSION", "subject": funded.programme,
            "newEndDate": "2023-12-31", "rationale": "Less.", "answers": {"request": request, "outcome": "PARTLY_APPROVED"}})).await;
        refused(&twice, "INVALID_TRANSITION", "answers");

        // The chair confirms: the decision is adopted, the request answered, the programme extended.
        let adopted = command(&app, &app.chair(), "confirmDecision", DECISION, json!({"decision": decision})).await;
        accepted(&adopted);
        assert_eq!(adopted["decision"]["answers"], json!({"id": request, "status": "ANSWERED", "outcome": "APPROVED"}));
        let answered = read_request(&app, &ilo, &request).await;
        assert_eq!(answered["data"]["node"], json!({"id": request, "status": "ANSWERED", "outcome": "APPROVED", "answeredOn": held_on, "decision": {"id": decision, "status": "ADOPTED"}}), "{answered}");
        assert_eq!(end_date(&app, &funded.programme).await, "2024-01-31");

        // Answered once: no second answer, no withdrawal, no other agenda.
        let again = answer(&app, &app.committee(), json!({"meeting": next, "kind": "NO_COST_EXTENSION", "subject": funded.programme,
            "newEndDate": "2024-01-31", "rationale": "Again.", "answers": {"request": request, "outcome": "APPROVED"}})).await;
        refused(&again, "INVALID_TRANSITION", "answers");
        let withdrawn = mutate(&app, Some(&ilo), "withdrawProgrammeRequest", REQUEST, json!({"request": request})).await;
        refused(&withdrawn["data"]["withdrawProgrammeRequest"], "INVALID_TRANSITION", "request");
        let later = meeting(&app, "MEETING", &days_from_today(60)).await;
        refused(&on_agenda(&app, &app.admin(), &request, &later).await["data"]["putRequestOnAgenda"], "INVALID_TRANSITION", "request");

        // Each step is in the audit trail, and announced to the programme's organizations.
        let trail = app.data(Some(&app.admin()), "query($id: ID!) { auditEvents(filter: {subject: $id}) { totalCount } }", json!({"id": request})).await;
        assert_eq!(trail["auditEvents"]["totalCount"], 4, "{trail}");
    }
}

on_both! {
    async fn refusals_wrong_role_closed_programme_and_bad_input(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let (ilo, iom) = punos(&app, &funded);
        let tranche = json!({"jointProgramme": funded.programme, "kind": "TRANCHE",
            "justification": "The first tranche is spent.", "amountUsd": "500000.00"});
        // A PUNO that is not the convening organization, the committee, a donor: FORBIDDEN.
        let before = audit_count(&app).await;
        forbidden(&submit(&app, &iom, tranche.clone()).await);
        forbidden(&submit(&app, &app.committee(), tranche.clone()).await);
        forbidden(&submit(&app, &app.donor_token(row_id(&json!(funded.donor)), "user:donor"), tranche.clone()).await);
        assert_eq!(audit_count(&app).await, before);

        // What is asked must fit the kind of request.
        let mut input = tranche.clone();
        input["amountUsd"] = Value::Null;
        refused(&submit(&app, &ilo, input).await["data"]["submitProgrammeRequest"], "VALIDATION", "amountUsd");
        let early = json!({"jointProgramme": funded.programme, "kind": "NO_COST_EXTENSION", "justification": "More time.", "newEndDate": "2023-07-31"});
        refused(&submit(&app, &ilo, early).await["data"]["submitProgrammeRequest"], "VALIDATION", "newEndDate");
        let with_money = json!({"jointProgramme": funded.programme, "kind": "NO_COST_EXTENSION", "justification": "More time.", "newEndDate": "2023-12-31", "amountUsd": "1.00"});
        refused(&submit(&app, &ilo, with_money).await["data"]["submitProgrammeRequest"], "VALIDATION", "amountUsd");
        let mut blank = tranche.clone();
        blank["justification"] = json!("  ");
        refused(&submit(&app, &ilo, blank).await["data"]["submitProgrammeRequest"], "VALIDATION", "justification");

        // The Fund Management Unit submits on the convening organization's behalf.
        let asked = submit(&app, &app.admin(), tranche.clone()).await["data"]["submitProgrammeRequest"].clone();
        accepted(&asked);
        assert_eq!(asked["programmeRequest"]["organization"]["acronym"], "ILO");
        assert_eq!(asked["programmeRequest"]["amountUsd"], "500000.00");
        let request = asked["programmeRequest"]["id"].as_str().unwrap().to_owned();

        // Only the Fund Management Unit keeps the agenda, and only for meetings to come.
        let next = meeting(&app, "MEETING", &days_from_today(20)).await;
        forbidden(&on_agenda(&app, &ilo, &request, &next).await);
        forbidden(&on_agenda(&app, &app.committee(), &request, &next).await);
        refused(&on_agenda(&app, &app.admin(), &request, &funded.meeting).await["data"]["putRequestOnAgenda"], "VALIDATION", "meeting");
        let procedure = meeting(&app, "WRITTEN_PROCEDURE", &days_from_today(0)).await;
        accepted(&on_agenda(&app, &app.admin(), &request, &procedure).await["data"]["putRequestOnAgenda"]);
        accepted(&on_agenda(&app, &app.admin(), &request, &next).await["data"]["putRequestOnAgenda"]);

        // A decision of the wrong kind, on another subject, or granting more than asked does
        // not answer it.
        held_yesterday(&app, &next).await;
        let extension = json!({"meeting": next, "kind": "NO_COST_EXTENSION", "subject": funded.programme, "newEndDate": "2023-12-31",
            "rationale": "More time instead.", "answers": {"request": request, "outcome": "PARTLY_APPROVED"}});
        refused(&answer(&app, &app.committee(), extension).await, "VALIDATION", "kind");
        let other = funded_programme(&app, "3000000.00").await;
        let elsewhere = json!({"meeting": next, "kind": "BUDGET_REVISION", "subject": other.programme, "amountUsd": "500000.00",
            "rationale": "Elsewhere.", "answers": {"request": request, "outcome": "APPROVED"}});
        refused(&answer(&app, &app.committee(), elsewhere).await, "VALIDATION", "subject");
        for (amount, outcome) in [("400000.00", "APPROVED"), ("500000.00", "PARTLY_APPROVED"), ("600000.00", "PARTLY_APPROVED"), ("1.00", "REFUSED")] {
            let misfit = json!({"meeting": next, "kind": "BUDGET_REVISION", "subject": funded.programme, "amountUsd": amount,
                "rationale": "Misfit.", "answers": {"request": request, "outcome": outcome}});
            refused(&answer(&app, &app.committee(), misfit).await, "VALIDATION", "amountUsd");
        }
        let decisions = app.data(Some(&app.admin()), "query($p: ID!) { decisions(filter: {jointProgramme: $p}) { totalCount } }", json!({"p": funded.programme})).await;
        assert_eq!(decisions["decisions"]["totalCount"], 0, "{decisions}");

        // The organization that made it withdraws it (another organization may not); a
        // withdrawn request is answered by nothing.
        forbidden(&mutate(&app, Some(&iom), "withdrawProgrammeRequest", REQUEST, json!({"request": request})).await);
        let withdrawn = mutate(&app, Some(&ilo), "withdrawProgrammeRequest", REQUEST, json!({"request": request})).await;
        let withdrawn = withdrawn["data"]["withdrawProgrammeRequest"].clone();
        accepted(&withdrawn);
        assert_eq!(withdrawn["programmeRequest"]["status"], "WITHDRAWN");
        assert_eq!(withdrawn["programmeRequest"]["withdrawnBy"], "user:ilo");
        let late = json!({"meeting": next, "kind": "BUDGET_REVISION", "subject": funded.programme, "amountUsd": "500000.00",
            "rationale": "Too late.", "answers": {"request": request, "outcome": "APPROVED"}});
        refused(&answer(&app, &app.committee(), late).await, "INVALID_TRANSITION", "answers");

        // A closed programme asks for nothing more.
        for status in ["ACTIVE", "OPERATIONALLY_CLOSED"] {
            let version = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on JointProgramme { version } } }", json!({"id": funded.programme})).await["node"]["version"].clone();
            accepted(&command(&app, &app.admin(), "setJointProgrammeStatus", "jointProgramme { status }",
                json!({"jointProgramme": funded.programme, "expectedVersion": version, "status": status, "reason": "As planned."})).await);
        }
        refused(&submit(&app, &ilo, tranche).await["data"]["submitProgrammeRequest"], "INVALID_TRANSITION", "jointProgramme");
    }
}

on_both! {
    async fn an_objection_leaves_the_request_open_and_a_refusal_changes_nothing(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let (ilo, _) = punos(&app, &funded);
        let asked = submit(&app, &ilo, json!({"jointProgramme": funded.programme, "kind": "BUDGET_REVISION",
            "justification": "A second district joins the programme.", "amountUsd": "300000.00"})).await["data"]["submitProgrammeRequest"].clone();
        accepted(&asked);
        let request = asked["programmeRequest"]["id"].as_str().unwrap().to_owned();
        let allocations = "{ ledgerEntries(filter: {kinds: [ALLOCATION]}) { totalCount } }";
        let allocated = app.data(Some(&app.admin()), allocations, json!({})).await["ledgerEntries"]["totalCount"].clone();

        // Put to a written procedure, in part; a member objects: the request stays open.
        let procedure = meeting(&app, "WRITTEN_PROCEDURE", &days_from_today(5)).await;
        accepted(&on_agenda(&app, &app.admin(), &request, &procedure).await["data"]["putRequestOnAgenda"]);
        let partly = answer(&app, &app.admin(), json!({"meeting": procedure, "kind": "BUDGET_REVISION", "subject": funded.programme,
            "amountUsd": "200000.00", "rationale": "Two thirds of it.", "answers": {"request": request, "outcome": "PARTLY_APPROVED"}})).await;
        accepted(&partly);
        let objected = command(&app, &app.committee(), "objectToDecision", DECISION,
            json!({"decision": partly["decision"]["id"], "reason": "This needs a meeting."})).await;
        accepted(&objected);
        assert_eq!(objected["decision"]["status"], "OBJECTED");
        let open = read_request(&app, &ilo, &request).await;
        assert_eq!(open["data"]["node"]["status"], "ON_AGENDA", "{open}");
        assert_eq!(open["data"]["node"]["outcome"], Value::Null, "{open}");

        // The matter goes to a meeting, which refuses it: answered, and nothing changes.
        let refusal = answer(&app, &app.committee(), json!({"meeting": funded.meeting, "kind": "BUDGET_REVISION", "subject": funded.programme,
            "amountUsd": "300000.00", "rationale": "The fund cannot cover a second district this year.",
            "answers": {"request": request, "outcome": "REFUSED"}})).await;
        accepted(&refusal);
        let decision = refusal["decision"]["id"].as_str().unwrap().to_owned();
        assert_eq!(refusal["decision"]["status"], "ADOPTED");
        assert_eq!(refusal["decision"]["answers"], json!({"id": request, "status": "ANSWERED", "outcome": "REFUSED"}));
        let answered = read_request(&app, &ilo, &request).await;
        assert_eq!(answered["data"]["node"]["outcome"], "REFUSED", "{answered}");
        assert_eq!(answered["data"]["node"]["answeredOn"], "2021-06-30", "{answered}");
        assert_eq!(app.data(Some(&app.admin()), allocations, json!({})).await["ledgerEntries"]["totalCount"], allocated);
        // Nothing rests on a refusal: no budget revision applies it, no transfer draws on it.
        let revise = mutate(&app, Some(&app.officer()), "reviseBudget", "jointProgramme { id }", json!({"jointProgramme": funded.programme,
            "decision": decision, "expectedVersion": 1, "budgetLines": [{"organization": funded.organizations[0], "programmableUsd": "1300000.00"},
            {"organization": funded.organizations[1], "programmableUsd": "1000000.00"}]})).await;
        refused(&revise["data"]["reviseBudget"], "INVALID_TRANSITION", "decision");
        let transfer = mutate(&app, Some(&app.officer()), "recordTransfer", "transfer { id }", json!({"jointProgramme": funded.programme,
            "organization": funded.organizations[0], "decision": decision, "transferredOn": "2021-08-15", "amountUsd": "100.00", "idempotencyKey": "on-a-refusal"})).await;
        refused(&transfer["data"]["recordTransfer"], "INVALID_TRANSITION", "decision");

        // A tranche is answered by a budget revision, which allocates it.
        let tranche = submit(&app, &ilo, json!({"jointProgramme": funded.programme, "kind": "TRANCHE",
            "justification": "The first tranche is spent.", "amountUsd": "100000.00"})).await["data"]["submitProgrammeRequest"].clone();
        accepted(&tranche);
        let granted = answer(&app, &app.committee(), json!({"meeting": funded.meeting, "kind": "BUDGET_REVISION", "subject": funded.programme,
            "amountUsd": "100000.00", "rationale": "The second tranche.",
            "answers": {"request": tranche["programmeRequest"]["id"], "outcome": "APPROVED"}})).await;
        accepted(&granted);
        assert_eq!(granted["decision"]["answers"]["outcome"], "APPROVED");
        let after = app.data(Some(&app.admin()), allocations, json!({})).await["ledgerEntries"]["totalCount"].as_i64().unwrap();
        assert!(after > allocated.as_i64().unwrap(), "the tranche is allocated");
    }
}

on_both! {
    async fn the_demo_portfolio_has_requests_answered_and_waiting(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let data = app.data(Some(&app.committee()),
            "{ programmeRequests { nodes { kind status outcome jointProgramme { code } meeting { heldOn } decision { status kind } } } }", json!({})).await;
        let nodes = data["programmeRequests"]["nodes"].as_array().unwrap();
        let find = |kind: &str| nodes.iter().find(|n| n["kind"] == kind).unwrap_or_else(|| panic!("no {kind} request: {data}"));
        let revision = find("BUDGET_REVISION");
        assert_eq!((&revision["status"], &revision["outcome"]), (&json!("ANSWERED"), &json!("APPROVED")), "{data}");
        assert_eq!(revision["jointProgramme"]["code"], "MPTF-JP-010");
        let extension = find("NO_COST_EXTENSION");
        assert_eq!(extension["status"], "ON_AGENDA", "{data}");
        assert_eq!(extension["outcome"], Value::Null);
        assert_eq!(extension["decision"], json!({"status": "PENDING", "kind": "NO_COST_EXTENSION"}));
        let tranche = find("TRANCHE");
        assert_eq!(tranche["status"], "ON_AGENDA", "{data}");
        assert!(tranche["meeting"]["heldOn"].as_str().unwrap() > chrono::Utc::now().date_naive().to_string().as_str(), "{data}");
        // A partner system reads none of them, and the answering decision without its request.
        let partner = app.token(Role::PartnerSystem, "system:gateway");
        let read = app.data(Some(&partner), "{ programmeRequests { totalCount } decisions(filter: {kind: [BUDGET_REVISION]}) { nodes { answers { id } } } }", json!({})).await;
        assert_eq!(read["programmeRequests"]["totalCount"], 0, "{read}");
        let revisions = read["decisions"]["nodes"].as_array().unwrap();
        assert!(!revisions.is_empty() && revisions.iter().all(|d| d["answers"].is_null()), "{read}");
        let answers = app.data(Some(&app.committee()), "{ decisions(filter: {kind: [BUDGET_REVISION]}) { nodes { answers { kind outcome } } } }", json!({})).await;
        assert!(answers["decisions"]["nodes"].as_array().unwrap().contains(&json!({"answers": {"kind": "BUDGET_REVISION", "outcome": "APPROVED"}})), "{answers}");
    }
}

on_both! {
    async fn a_request_is_announced_to_the_programmes_organizations_only(app: TestApp) {
        use crate::dashboards::{next_message, subscribe};
        use std::time::Duration;
        let funded = funded_programme(&app, "3000000.00").await;
        let (ilo, iom) = punos(&app, &funded);
        let unicef = app.puno_token(row_id(&json!(organization_id(&app, "UNICEF").await)), "user:unicef");
        let mut partner = subscribe(&app, &iom).await;
        let mut auditor = subscribe(&app, &app.token(Role::Auditor, "user:auditor")).await;
        let mut donor = subscribe(&app, &app.donor_token(row_id(&json!(funded.donor)), "user:donor")).await;
        let mut other = subscribe(&app, &unicef).await;

        let asked = submit(&app, &ilo, json!({"jointProgramme": funded.programme, "kind": "TRANCHE",
            "justification": "The first tranche is spent.", "amountUsd": "250000.00"})).await["data"]["submitProgrammeRequest"].clone();
        accepted(&asked);
        let request = asked["programmeRequest"]["id"].clone();
        // What each subscriber receives until it falls quiet (on PostgreSQL, the setup's own
        // events may still be on their way when the subscription opens).
        async fn received(socket: &mut crate::dashboards::Socket) -> Vec<Value> {
            let mut events = Vec::new();
            while let Some(message) = next_message(socket, Duration::from_millis(1500)).await {
                events.push(message["payload"]["data"]["portfolioEvents"].clone());
            }
            events
        }
        for socket in [&mut partner, &mut auditor] {
            let events = received(socket).await;
            let requests: Vec<&Value> = events.iter().filter(|e| e["kind"] == "PROGRAMME_REQUEST").collect();
            assert_eq!(requests.len(), 1, "{events:?}");
            assert_eq!(requests[0]["subject"], request, "{events:?}");
            assert!(requests[0]["summary"].as_str().unwrap().contains("requests a TRANCHE"), "{events:?}");
        }
        for socket in [&mut donor, &mut other] {
            let events = received(socket).await;
            assert!(events.iter().all(|e| e["kind"] != "PROGRAMME_REQUEST"), "not theirs to read: {events:?}");
        }
    }
}
