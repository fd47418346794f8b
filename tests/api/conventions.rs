//! The conventions clients rely on (issue 12, "details clients noticed"): fields come back in
//! the order the selection asked for them, enum values are written without quotes, every
//! decimal has its documented scale, and HTTP and WebSocket take exactly the same token forms.

use crate::fixtures::{command, funded_programme, transfer};
use crate::helpers::*;
use crate::on_both;
use futures::StreamExt;
use mptf::auth::Principal;
use mptf::domain::Role;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

// ---------------------------------------------------------------------------------------------
// A JSON value that keeps its objects' keys in the order they were written (serde_json's own
// `Value` sorts them).

#[derive(Debug)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Leaf,
}

impl Ordered {
    fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Object(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn get(&self, key: &str) -> &Ordered {
        match self {
            Ordered::Object(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no key {key} in {:?}", self.keys())),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn at(&self, index: usize) -> &Ordered {
        match self {
            Ordered::List(items) => &items[index],
            other => panic!("not a list: {other:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
                    entries.push((key, value));
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Ordered>()? {
                    items.push(item);
                }
                Ok(Ordered::List(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Leaf)
            }
        }
        deserializer.deserialize_any(OrderedVisitor)
    }
}

/// Posts a document and returns its response with the keys in the order the server wrote them.
async fn ordered(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Ordered {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let text = request.send().await.unwrap().text().await.unwrap();
    let response: Value = serde_json::from_str(&text).unwrap();
    assert!(response.get("errors").is_none(), "{response:#}");
    serde_json::from_str(&text).unwrap()
}

on_both! {
    async fn fields_come_back_in_the_order_the_selection_asked_for_them(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let admin = app.admin();
        // Loader-resolved fields (thematicArea, countries, budgetLines, organization) between
        // plain ones, in a list, through a fragment, an inline fragment and aliases.
        let answer = ordered(
            &app,
            Some(&admin),
            "fragment Money on Financials { transferredUsd approvedUsd }
             query($id: ID!) {
               jointProgrammes(first: 1) { nodes {
                 thematicArea { number name } code countries { code name } title
                 budgetLines { organization { acronym } programmableUsd }
                 financials { ...Money balanceUsd }
                 status
               } totalCount }
               programme: node(id: $id) { ... on JointProgramme { conceptNote { title reference } id endDate } }
               areas: thematicAreas { name number }
             }",
            json!({"id": funded.programme}),
        )
        .await;
        let data = answer.get("data");
        assert_eq!(data.keys(), ["jointProgrammes", "programme", "areas"]);
        assert_eq!(data.get("jointProgrammes").keys(), ["nodes", "totalCount"]);
        let programme = data.get("jointProgrammes").get("nodes").at(0);
        assert_eq!(
            programme.keys(),
            ["thematicArea", "code", "countries", "title", "budgetLines", "financials", "status"]
        );
        assert_eq!(programme.get("thematicArea").keys(), ["number", "name"]);
        assert_eq!(programme.get("countries").at(0).keys(), ["code", "name"]);
        assert_eq!(programme.get("budgetLines").at(0).keys(), ["organization", "programmableUsd"]);
        assert_eq!(
            programme.get("financials").keys(),
            ["transferredUsd", "approvedUsd", "balanceUsd"]
        );
        assert_eq!(data.get("programme").keys(), ["conceptNote", "id", "endDate"]);
        assert_eq!(data.get("programme").get("conceptNote").keys(), ["title", "reference"]);
        assert_eq!(data.get("areas").at(0).keys(), ["name", "number"]);

        // A mutation's payload too.
        let created = ordered(
            &app,
            Some(&admin),
            "mutation { createDonor(input: {name: \"Ordered Donor\", kind: MEMBER_STATE, country: \"NOR\"}) { userErrors { message } donor { name id } } }",
            json!({}),
        )
        .await;
        let payload = created.get("data").get("createDonor");
        assert_eq!(payload.keys(), ["userErrors", "donor"]);
        assert_eq!(payload.get("donor").keys(), ["name", "id"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enum_value_written_as_a_string_is_refused_as_graphql_js_refuses_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin();
    for document in [
        "{ jointProgrammes(first: 1, filter: {region: \"AFRICA\"}) { totalCount } }",
        "{ jointProgrammes(first: 1, filter: {status: [ACTIVE, \"APPROVED\"]}) { totalCount } }",
        "{ countries(region: \"AFRICA\") { code } }",
    ] {
        let answer = app.graphql(Some(&admin), document, json!({})).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{document}: {answer}"
        );
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("without quotes"), "{message}");
        assert!(answer["data"].is_null(), "nothing runs: {answer}");
    }
    // Written as enum literals, and as JSON strings in variables, they are accepted.
    app.data(
        Some(&admin),
        "{ jointProgrammes(first: 1, filter: {region: AFRICA, status: [ACTIVE]}) { totalCount } countries(region: AFRICA) { code } }",
        json!({}),
    )
    .await;
    app.data(
        Some(&admin),
        "query($region: Region, $status: [ProgrammeStatus!]) { jointProgrammes(first: 1, filter: {region: $region, status: $status}) { totalCount } countries(region: $region) { code } }",
        json!({"region": "AFRICA", "status": ["ACTIVE", "APPROVED"]}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_coded_by_their_kind() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let code = |answer: &Value| answer["errors"][0]["extensions"]["code"].clone();
    // A malformed scalar, as a literal and as a variable; a value out of an Int's range.
    for (document, variables) in [
        (
            "{ portfolio(from: \"2021-02-30\") { fundingGapUsd } }",
            json!({}),
        ),
        (
            "query($d: Date) { portfolio(from: $d) { fundingGapUsd } }",
            json!({"d": "yesterday"}),
        ),
        ("{ donors(first: 99999999999) { totalCount } }", json!({})),
        ("{ countries(region: MARS) { code } }", json!({})),
    ] {
        let answer = app.graphql(None, document, variables).await;
        assert_eq!(code(&answer), "BAD_USER_INPUT", "{document}: {answer}");
    }
    // A document that does not parse; one that names what the schema lacks.
    let answer = app.graphql(None, "{ portfolio { ", json!({})).await;
    assert_eq!(code(&answer), "GRAPHQL_PARSE_FAILED", "{answer}");
    let answer = app
        .graphql(None, "{ portfolio { noSuchField } }", json!({}))
        .await;
    assert_eq!(code(&answer), "GRAPHQL_VALIDATION_FAILED", "{answer}");
    // A subscription over HTTP is refused with what to do instead.
    let answer = app
        .graphql(None, "subscription { portfolioEvents { kind } }", json!({}))
        .await;
    assert_eq!(code(&answer), "BAD_REQUEST", "{answer}");
    assert!(answer["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("WebSocket"));
}

/// Checks every decimal of a response against its documented scale: US dollars two decimals,
/// ratios four. Returns how many it checked.
fn check_scales(value: &Value, key: &str) -> usize {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| check_scales(v, k)).sum(),
        Value::Array(items) => items.iter().map(|v| check_scales(v, key)).sum(),
        Value::String(text) => {
            let decimals = |n: usize| {
                let (whole, fraction) = text
                    .trim_start_matches('-')
                    .split_once('.')
                    .unwrap_or((text, ""));
                !whole.is_empty()
                    && whole.chars().all(|c| c.is_ascii_digit())
                    && fraction.len() == n
                    && fraction.chars().all(|c| c.is_ascii_digit())
            };
            if key.ends_with("Usd") {
                assert!(
                    decimals(2),
                    "{key} = {text:?}: US dollars have two decimals"
                );
                1
            } else if [
                "deliveryRate",
                "share",
                "usedShare",
                "unearmarkedUsedShare",
                "progress",
            ]
            .contains(&key)
            {
                assert!(decimals(4), "{key} = {text:?}: ratios have four decimals");
                1
            } else {
                0
            }
        }
        _ => 0,
    }
}

on_both! {
    async fn every_decimal_has_its_documented_scale(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let admin = app.admin();
        let [ilo, _] = &funded.organizations;
        let sent = transfer(&app, &admin, &funded, ilo, "1000000.00", "scale-1").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        // 300,000 of 1,000,000: a delivery of exactly 0.3, which must read "0.3000".
        let spent = command(
            &app,
            &puno,
            "reportExpenditure",
            "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "year": 2021, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "300000"}], "idempotencyKey": "scale-2"}),
        )
        .await;
        assert_eq!(spent["userErrors"], json!([]), "{spent}");
        let data = app
            .data(
                Some(&admin),
                "{ portfolio { totals { pledgedUsd committedUsd depositedUsd feesUsd netDepositedUsd approvedUsd transferredUsd expenditureUsd }
                               fundingGapUsd deliveryRate byThematicArea { approvedUsd share transferredUsd }
                               byRegion { approvedUsd } }
                   jointProgrammes(first: 5) { nodes { approvedBudgetUsd financials { approvedUsd transferredUsd expenditureUsd deliveryRate balanceUsd }
                     budgetLines { programmableUsd indirectSupportCostUsd totalUsd } transfers { amountUsd } } } }",
                json!({}),
            )
            .await;
        let programme = &data["jointProgrammes"]["nodes"][0];
        assert_eq!(programme["financials"]["deliveryRate"], "0.3000", "{programme}");
        assert_eq!(programme["financials"]["expenditureUsd"], "300000.00");
        assert!(check_scales(&data, "") >= 25, "the document checked its decimals: {data}");
    }
}

// ---------------------------------------------------------------------------------------------
// Token forms: one parser for both transports.

async fn http_refusal(app: &TestApp, authorization: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Authorization", authorization)
        .json(&json!({"query": "{ viewer { role } }"}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Opens a socket with `connection_init`'s `payload` and returns the first answer:
/// `connection_ack`, or the close code.
async fn ws_answer(app: &TestApp, payload: Value) -> Result<(), u16> {
    let mut socket = crate::dashboards::websocket(app, payload).await;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an answer")
            .expect("a message")
            .expect("a frame");
        match message {
            Message::Text(text) if text.contains("connection_ack") => return Ok(()),
            Message::Close(frame) => return Err(frame.map(|f| u16::from(f.code)).unwrap_or(0)),
            _ => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_and_websocket_take_exactly_the_same_token_forms() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.admin();
    let expired = app
        .tokens
        .issue(
            &Principal {
                subject: "user:admin".into(),
                role: Role::Admin,
                chair: false,
                donor_id: None,
                organization_id: None,
            },
            chrono::Duration::minutes(-5),
        )
        .unwrap();

    // A bare token: the scheme is missing, and the message says what to send.
    let (status, bare) = http_refusal(&app, &token).await;
    assert_eq!(status, 401);
    assert_eq!(bare["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let message = bare["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("no scheme") && message.contains("Bearer <token>"),
        "{message}"
    );
    // Another scheme.
    let (status, basic) = http_refusal(&app, "Basic YWRtaW46YWRtaW4=").await;
    assert_eq!(status, 401);
    assert!(
        basic["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not Bearer"),
        "{basic}"
    );
    // An expired, validly signed token is told that it expired.
    let (status, late) = http_refusal(&app, &format!("Bearer {expired}")).await;
    assert_eq!(status, 401);
    assert!(
        late["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{late}"
    );
    // A good one, in any case of the scheme.
    let (status, good) = http_refusal(&app, &format!("bearer {token}")).await;
    assert_eq!(status, 200, "{good}");
    assert_eq!(good["data"]["viewer"]["role"], "ADMIN");

    // The same forms over WebSocket.
    assert_eq!(
        ws_answer(&app, json!({"Authorization": format!("Bearer {token}")})).await,
        Ok(())
    );
    assert_eq!(
        ws_answer(&app, json!({"Authorization": format!("bearer {token}")})).await,
        Ok(())
    );
    assert_eq!(
        ws_answer(&app, json!({"Authorization": token.clone()})).await,
        Err(4403)
    );
    assert_eq!(
        ws_answer(&app, json!({"Authorization": "Basic YWRtaW46YWRtaW4="})).await,
        Err(4403)
    );
    assert_eq!(
        ws_answer(&app, json!({"Authorization": format!("Bearer {expired}")})).await,
        Err(4403)
    );
    // A token under another key is not taken as anonymous: it is refused with what to send.
    assert_eq!(
        ws_answer(&app, json!({"token": token.clone()})).await,
        Err(4403)
    );
    // No credential at all is anonymous on both.
    assert_eq!(ws_answer(&app, json!({})).await, Ok(()));
}

/// Every type of the served schema has a description (CI's schema lint checks the same with
/// graphql-schema-linter; this catches a new type, such as a new list's connection, in
/// `cargo test` already).
#[test]
fn every_type_of_the_schema_is_described() {
    let sdl = mptf::graphql::sdl();
    let lines: Vec<&str> = sdl.lines().collect();
    let kinds = [
        "type ",
        "input ",
        "enum ",
        "interface ",
        "union ",
        "scalar ",
    ];
    let mut undescribed = Vec::new();
    let mut in_description = false;
    for (i, line) in lines.iter().enumerate() {
        let quotes = line.matches("\"\"\"").count();
        if in_description || quotes > 0 {
            // A description's own lines are text, whatever words they start with.
            in_description = in_description != (quotes % 2 == 1);
            continue;
        }
        let Some(kind) = kinds.iter().find(|k| line.starts_with(**k)) else {
            continue;
        };
        let name: String = line[kind.len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) {
            continue;
        }
        let described = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|previous| previous.trim_end().ends_with("\"\"\""));
        if !described {
            undescribed.push(name);
        }
    }
    assert!(
        undescribed.is_empty(),
        "types without a description (a `///` doc comment, or `override_output_type_description` for a connection): {undescribed:?}"
    );
}
