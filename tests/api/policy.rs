//! The read policy (issue 12, item 1): who reads a concept note under review is decided in one
//! place, `service::policy::ReadPolicy`, and every path follows it — `node` (the note, its
//! decision), lists (`conceptNotes`, `decisions`), nested paths (a meeting's decisions), the
//! dashboards' figures (`pipelineFunnel`, `byCountry`) and subscriptions. The same scenario runs
//! on a server with the fund's rule and on one whose rule publishes notes under review: each role's
//! required reads and refusals change with that one value, on every path.

use crate::dashboards::{next_message, subscribe};
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use mptf::domain::{ConceptNoteStatus, Role};
use mptf::service::ReadPolicy;
use serde_json::{json, Value};
use std::time::Duration;

/// The fund's rule, widened to notes under review.
const UNDER_REVIEW_PUBLISHED: ReadPolicy = ReadPolicy {
    published_note_statuses: &[
        ConceptNoteStatus::UnderReview,
        ConceptNoteStatus::Pipeline,
        ConceptNoteStatus::Approved,
        ConceptNoteStatus::Funded,
    ],
};

on_both! {
    async fn every_read_path_follows_the_one_rule_for_notes_under_review(app: TestApp) {
        // The fund's rule: a note under review is read by the fund and its own organizations.
        every_path(&app, false).await;
        // The same rule with one status added: now every role reads it, on every path.
        let widened = TestApp::spawn_with_policy(app.backend, UNDER_REVIEW_PUBLISHED).await;
        every_path(&widened, true).await;
    }
}

fn subject_of(event: &Value) -> Value {
    assert_eq!(event["type"], "next", "{event}");
    event["payload"]["data"]["portfolioEvents"]["subject"].clone()
}

fn ids(list: &Value) -> Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|n| n["id"].clone())
        .collect()
}

/// Note A is put in the pipeline and deferred (back under review); note B is put in the pipeline
/// after it, as a marker every role reads. `others_read`: whether a donor, a partner system and
/// an organization that does not take part in A read A under review.
async fn every_path(app: &TestApp, others_read: bool) {
    let iom = organization_id(app, "IOM").await;
    let ilo = organization_id(app, "ILO").await;
    let who = organization_id(app, "WHO").await;
    let convening = app.puno_token(row_id(&json!(iom)), "user:iom");
    let mut notes = Vec::new();
    for _ in 0..2 {
        let submitted = submit_note(app, &convening, 4, 6, "IOM", "ILO").await;
        assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
        let note = submitted["conceptNote"]["id"].as_str().unwrap().to_owned();
        let reviewed = review(app, &note, "RECOMMENDED").await;
        assert_eq!(
            reviewed["conceptNote"]["status"], "UNDER_REVIEW",
            "{reviewed}"
        );
        notes.push(note);
    }
    let (a, b) = (&notes[0], &notes[1]);
    let meeting = schedule_meeting(app).await;
    let pipeline = decide(app, &meeting, "PIPELINE", a, None).await;
    assert_eq!(pipeline["userErrors"], json!([]), "{pipeline}");
    let pipeline = pipeline["decision"]["id"].clone();
    let donor = create_donor(app, "Policy donor").await;

    let readers = [
        (
            "a donor",
            app.donor_token(row_id(&json!(donor)), "user:donor"),
            others_read,
        ),
        (
            "a partner system",
            app.token(Role::PartnerSystem, "client:policy"),
            others_read,
        ),
        (
            "another organization",
            app.puno_token(row_id(&json!(who)), "user:who"),
            others_read,
        ),
        (
            "a participating organization",
            app.puno_token(row_id(&json!(ilo)), "user:ilo"),
            true,
        ),
        ("the convening organization", convening.clone(), true),
        ("the steering committee", app.committee(), true),
    ];
    let mut sockets = Vec::new();
    for (_, token, _) in &readers {
        sockets.push(subscribe(app, token).await);
    }

    let deferral = decide(app, &meeting, "DEFERRAL", a, None).await;
    assert_eq!(deferral["userErrors"], json!([]), "{deferral}");
    let deferral = deferral["decision"]["id"].clone();
    let marker = decide(app, &meeting, "PIPELINE", b, None).await;
    assert_eq!(marker["userErrors"], json!([]), "{marker}");
    let marker = marker["decision"]["id"].clone();

    for ((role, token, reads), mut socket) in readers.iter().zip(sockets) {
        let reads = *reads;
        let token = Some(token.as_str());

        // The subscription: the deferral (A now under review) reaches a reader first; anyone
        // else receives the marker first.
        let first = next_message(&mut socket, Duration::from_secs(5))
            .await
            .expect("an event");
        if reads {
            assert_eq!(subject_of(&first), deferral, "{role} receives the deferral");
            let second = next_message(&mut socket, Duration::from_secs(5))
                .await
                .expect("the marker");
            assert_eq!(subject_of(&second), marker, "{role}");
        } else {
            assert_eq!(
                subject_of(&first),
                marker,
                "{role} must not receive the deferral on a note under review"
            );
        }

        // `node`: the note, and a decision on it.
        for id in [json!(a), deferral.clone()] {
            let answer = app
                .graphql(
                    token,
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({"id": id}),
                )
                .await;
            if reads {
                assert!(
                    answer.get("errors").is_none(),
                    "{role} reads {id}: {answer}"
                );
                assert_eq!(answer["data"]["node"]["id"], id, "{role}: {answer}");
            } else {
                assert_eq!(
                    answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
                    "{role} is refused {id}: {answer}"
                );
                assert_eq!(answer["data"]["node"], Value::Null, "{role}: {answer}");
            }
        }

        // Lists, a nested path and figures.
        let data = app
            .data(
                token,
                "query($a: ID!, $m: ID!) {
                   conceptNotes(filter: {status: [UNDER_REVIEW]}) { nodes { id } totalCount }
                   decisions(filter: {conceptNote: $a}) { nodes { id } }
                   meeting: node(id: $m) { ... on SteeringCommitteeMeeting { decisions { id subject { ... on ConceptNote { id status } } } } }
                   portfolio { pipelineFunnel { status count } byCountry { country { code } conceptNoteCount } }
                 }",
                json!({"a": a, "m": meeting}),
            )
            .await;
        let under_review = ids(&data["conceptNotes"]["nodes"]);
        assert_eq!(
            under_review.contains(&json!(a)),
            reads,
            "{role}: conceptNotes {data}"
        );
        assert_eq!(
            data["conceptNotes"]["totalCount"],
            json!(under_review.len()),
            "{role}"
        );
        let on_a = ids(&data["decisions"]["nodes"]);
        if reads {
            assert_eq!(on_a.len(), 2, "{role}: {data}");
            assert!(
                on_a.contains(&deferral) && on_a.contains(&pipeline),
                "{role}: {data}"
            );
        } else {
            assert_eq!(on_a, Vec::<Value>::new(), "{role}: {data}");
        }
        let in_meeting = ids(&data["meeting"]["decisions"]);
        assert!(
            in_meeting.contains(&marker),
            "{role} reads the marker's decision: {data}"
        );
        assert_eq!(
            in_meeting.contains(&deferral),
            reads,
            "{role}: a meeting's decisions {data}"
        );
        assert_eq!(
            in_meeting.contains(&pipeline),
            reads,
            "{role}: a meeting's decisions {data}"
        );
        assert_eq!(
            in_meeting.len(),
            if reads { 3 } else { 1 },
            "{role}: {data}"
        );
        let funnel = &data["portfolio"]["pipelineFunnel"];
        assert_eq!(
            find(funnel, "status", json!("UNDER_REVIEW"))["count"],
            json!(i64::from(reads)),
            "{role}: {funnel}"
        );
        assert_eq!(
            find(funnel, "status", json!("PIPELINE"))["count"],
            json!(1),
            "{role}: {funnel}"
        );
        let south_africa = data["portfolio"]["byCountry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["country"]["code"] == "ZAF")
            .unwrap_or_else(|| panic!("{role}: South Africa counts note B: {data}"));
        assert_eq!(
            south_africa["conceptNoteCount"],
            json!(1 + i64::from(reads)),
            "{role}: {data}"
        );
    }
}
