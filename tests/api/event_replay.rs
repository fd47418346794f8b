//! A subscriber that reconnects misses nothing: `portfolioEvents(after:)` sends the events written
//! since the one it names (from the outbox, under the same visibility rules), then live ones; an
//! event the outbox no longer keeps is a clear error, not a silent gap.

use crate::dashboards::{next_message, websocket, Socket};
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use futures::SinkExt;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const EVENTS: &str =
    "subscription($after: ID) { portfolioEvents(after: $after) { id kind subject summary } }";

async fn subscribe_after(app: &TestApp, token: &str, after: Option<&Value>) -> Socket {
    let mut socket = websocket(app, json!({"Authorization": format!("Bearer {token}")})).await;
    assert_eq!(
        next_message(&mut socket, Duration::from_secs(5))
            .await
            .unwrap()["type"],
        "connection_ack"
    );
    let subscribe = json!({"id": "1", "type": "subscribe",
        "payload": {"query": EVENTS, "variables": {"after": after}}});
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    socket
}

/// The next event's payload, or the protocol message that came instead.
async fn next_event(socket: &mut Socket) -> Value {
    let message = next_message(socket, Duration::from_secs(5))
        .await
        .expect("a message within 5 s");
    assert_eq!(message["type"], "next", "an event, not {message}");
    message["payload"]["data"]["portfolioEvents"].clone()
}

/// Nothing more arrives for a while.
async fn quiet(socket: &mut Socket) {
    if let Some(message) = next_message(socket, Duration::from_millis(700)).await {
        panic!("nothing more was expected, got {message}");
    }
}

on_both! {
    async fn a_reconnecting_subscriber_receives_what_it_missed_then_live_events(app: TestApp) {
        let admin = app.admin();
        let mine = create_donor(&app, "Reconnecting donor").await;
        let theirs = create_donor(&app, "Another donor").await;
        let donor_token = app.donor_token(row_id(&json!(mine)), "user:donor");

        // The donor sees its first pledge live, then goes away.
        let mut socket = subscribe_after(&app, &donor_token, None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let first = record_contribution(&app, &mine, "RE-1", "USD", "1000", "1", None).await;
        let seen = next_event(&mut socket).await;
        assert_eq!(seen["subject"], first["contribution"]["id"]);
        drop(socket);

        // While it is away: its own pledge, another donor's (not for it), a public donor record.
        let own = record_contribution(&app, &mine, "RE-2", "USD", "2000", "1", None).await;
        record_contribution(&app, &theirs, "RE-3", "USD", "3000", "1", None).await;
        let public = fund_interest(&app, "away").await;

        // Back, after the last event it saw: what it may read, in order, then live.
        let mut socket = subscribe_after(&app, &donor_token, Some(&seen["id"])).await;
        let missed = next_event(&mut socket).await;
        assert_eq!(missed["subject"], own["contribution"]["id"], "its own pledge first: {missed}");
        let missed = next_event(&mut socket).await;
        assert_eq!(missed["subject"], json!(public), "then the fund's interest: {missed}");
        quiet(&mut socket).await;
        let live = record_contribution(&app, &mine, "RE-4", "USD", "4000", "1", None).await;
        let next = next_event(&mut socket).await;
        assert_eq!(next["subject"], live["contribution"]["id"], "then live: {next}");
        quiet(&mut socket).await;

        // The staff, resuming from the same point, receive all three missed, the other donor's too,
        // each once.
        let mut staff = subscribe_after(&app, &admin, Some(&seen["id"])).await;
        let mut subjects = Vec::new();
        for _ in 0..4 {
            subjects.push(next_event(&mut staff).await["subject"].clone());
        }
        assert_eq!(subjects[0], own["contribution"]["id"]);
        assert_eq!(subjects[2], json!(public));
        assert_eq!(subjects[3], live["contribution"]["id"]);
        quiet(&mut staff).await;
    }
}

on_both! {
    async fn resuming_after_an_event_no_longer_kept_is_refused_by_name(app: TestApp) {
        let admin = app.admin();
        let mut socket = subscribe_after(&app, &admin, None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        fund_interest(&app, "first").await;
        let first = next_event(&mut socket).await;
        fund_interest(&app, "second").await;
        let second = next_event(&mut socket).await;
        drop(socket);

        // The retention removed the first event (as the hourly clean-up does past its days).
        app.services
            .db
            .execute_unprepared("DELETE FROM portfolio_event WHERE id = (SELECT MIN(id) FROM portfolio_event)")
            .await
            .unwrap();

        let mut refused = subscribe_after(&app, &admin, Some(&first["id"])).await;
        let answer = next_message(&mut refused, Duration::from_secs(5)).await.unwrap();
        assert_eq!(answer["type"], "error", "{answer}");
        assert_eq!(answer["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{answer}");
        let message = answer["payload"][0]["message"].as_str().unwrap();
        assert!(message.contains("no longer kept") && message.contains("without `after`"), "{message}");

        // An id never sent, and something that is not an event id at all.
        for (after, expected) in [
            (json!(encode_event(i64::MAX)), "no event"),
            (json!(row_id_of_donor(&app).await), "not the id of a portfolio event"),
        ] {
            let mut refused = subscribe_after(&app, &admin, Some(&after)).await;
            let answer = next_message(&mut refused, Duration::from_secs(5)).await.unwrap();
            assert_eq!(answer["type"], "error", "{answer}");
            let message = answer["payload"][0]["message"].as_str().unwrap();
            assert!(message.contains(expected), "{after}: {message}");
        }

        // The second event is still kept: resuming after it works (and waits for live events).
        let mut resumed = subscribe_after(&app, &admin, Some(&second["id"])).await;
        quiet(&mut resumed).await;
        let third = fund_interest(&app, "third").await;
        assert_eq!(next_event(&mut resumed).await["subject"], json!(third));
    }
}

/// Fund interest booked (an event every token receives); the ledger entry's id.
async fn fund_interest(app: &TestApp, key: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($input: RecordInterestInput!) { recordInterest(input: $input) { entry { id } userErrors { code message } } }",
            json!({"input": {"source": "FUND", "receivedOn": "2026-01-15", "amountUsd": "10.00", "idempotencyKey": key}}),
        )
        .await;
    assert_eq!(data["recordInterest"]["userErrors"], json!([]), "{data}");
    data["recordInterest"]["entry"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn encode_event(id: i64) -> String {
    mptf::ids::encode_event(id)
}

/// A node id that is not an event's.
async fn row_id_of_donor(app: &TestApp) -> String {
    create_donor(app, "Not an event").await
}
