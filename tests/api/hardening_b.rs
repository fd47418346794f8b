//! Issue 11, part B, through the real server on SQLite and PostgreSQL: separation of duties for
//! the accounts an administrator creates and identity-provider subjects (6), personal fields of
//! users in the audit trail (8), token lifetimes (13), login throttling per account and source
//! (14), who reads `/metrics` (12), and `mptf token` for a donor that does not exist.

use crate::fixtures::create_donor;
use crate::helpers::*;
use crate::on_both;
use mptf::config::{Profile, Settings};
use mptf::domain::Role;
use serde_json::{json, Value};
use std::time::Duration;

const PASSWORD: &str = "a password its creator chose";

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id active pendingActivation version } userErrors { code field message } } }";
const ACTIVATE_USER: &str = "mutation($input: ActivateUserInput!) { activateUser(input: $input) { user { id active pendingActivation activatedBy version } userErrors { code field message } } }";
const LOGIN: &str =
    "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code field message } } }";

/// Creates an account as `token`'s administrator and returns the payload.
async fn create(app: &TestApp, token: &str, email: &str, role: &str) -> Value {
    let data = app
        .data(
            Some(token),
            CREATE_USER,
            json!({"input": {"email": email, "displayName": "Someone", "role": role, "password": PASSWORD}}),
        )
        .await;
    data["createUser"].clone()
}

async fn activate(app: &TestApp, token: &str, user: &str) -> Value {
    app.data(Some(token), ACTIVATE_USER, json!({"input": {"user": user}}))
        .await["activateUser"]
        .clone()
}

/// A client whose connections come from `source` (any 127.x.y.z address is this machine).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<std::net::IpAddr>().expect("an address"))
        .build()
        .expect("a client")
}

/// `login` sent from `source`.
pub async fn login_from(
    app: &TestApp,
    source: &str,
    email: &str,
    password: &str,
) -> (Value, Duration) {
    let started = std::time::Instant::now();
    let response: Value = client_from(source)
        .post(format!("{}/graphql", app.address))
        .json(&json!({"query": LOGIN, "variables": {"input": {"email": email, "password": password}}}))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body");
    assert!(response.get("errors").is_none(), "{response}");
    (response["data"]["login"].clone(), started.elapsed())
}

async fn status_of(app: &TestApp, token: &str) -> u16 {
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({"query": "{ viewer { subject } }"}))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

// ---------------------------------------------------------------------------------------------
// (6) Separation of duties: accounts one administrator creates

on_both! {
    async fn one_administrator_cannot_give_itself_a_second_administrator_or_a_committee(app: TestApp) {
        let alone = app.admin();
        // The probe: one ADMIN creates a second ADMIN and a committee member, passwords its own.
        let second = create(&app, &alone, "second-admin@example.org", "ADMIN").await;
        let member = create(&app, &alone, "member@example.org", "STEERING_COMMITTEE").await;
        for created in [&second, &member] {
            assert_eq!(created["userErrors"], json!([]), "{created}");
            assert_eq!(created["user"]["active"], false, "{created}");
            assert_eq!(created["user"]["pendingActivation"], true, "{created}");
        }
        let second_id = second["user"]["id"].as_str().unwrap().to_owned();
        let member_id = member["user"]["id"].as_str().unwrap().to_owned();
        // Neither signs in, nor does a token naming the account work.
        for email in ["second-admin@example.org", "member@example.org"] {
            let (answer, _) = login_from(&app, "127.0.0.1", email, PASSWORD).await;
            assert!(answer["token"].is_null(), "{email}: {answer}");
        }
        let member_token = app.token(Role::SteeringCommittee, &format!("user:{}", row_id(&json!(member_id))));
        assert_eq!(status_of(&app, &member_token).await, 401);
        let second_token = app.token(Role::Admin, &format!("user:{}", row_id(&json!(second_id))));
        assert_eq!(status_of(&app, &second_token).await, 401);

        // The creator cannot activate them.
        for id in [&second_id, &member_id] {
            let refused = activate(&app, &alone, id).await;
            assert_eq!(refused["userErrors"][0]["code"], "SEPARATION_OF_DUTIES", "{refused}");
            assert!(refused["user"].is_null());
        }
        // Nor can anyone but an administrator.
        let by_committee = app.graphql(Some(&app.committee()), ACTIVATE_USER, json!({"input": {"user": member_id}})).await;
        assert_eq!(by_committee["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_committee}");

        // A second administrator can, with the current version; it is audited.
        let stale = app.data(Some(&app.officer()), ACTIVATE_USER, json!({"input": {"user": member_id, "expectedVersion": 9}})).await;
        assert_eq!(stale["activateUser"]["userErrors"][0]["code"], "STALE_VERSION", "{stale}");
        let done = app.data(Some(&app.officer()), ACTIVATE_USER, json!({"input": {"user": member_id, "expectedVersion": 1}})).await;
        assert_eq!(done["activateUser"]["user"]["active"], true, "{done}");
        assert_eq!(done["activateUser"]["user"]["pendingActivation"], false);
        assert_eq!(done["activateUser"]["user"]["activatedBy"], "user:officer");
        assert_eq!(status_of(&app, &member_token).await, 200);
        let (answer, _) = login_from(&app, "127.0.0.1", "member@example.org", PASSWORD).await;
        assert!(answer["token"].is_string(), "{answer}");
        let trail = app.data(Some(&app.admin()), "query($s: ID!) { auditEvents(filter: {subject: $s}) { nodes { action actor } } }", json!({"s": member_id})).await;
        assert_eq!(trail["auditEvents"]["nodes"][0], json!({"action": "activateUser", "actor": "user:officer"}));
        let again = activate(&app, &app.officer(), &member_id).await;
        assert_eq!(again["userErrors"][0]["code"], "INVALID_TRANSITION", "{again}");

        // Accounts without those rights are active at once.
        let partner = create(&app, &alone, "dashboard@example.org", "PARTNER_SYSTEM").await;
        assert_eq!(partner["user"]["active"], true, "{partner}");
        assert_eq!(partner["user"]["pendingActivation"], false);
    }
}

on_both! {
    async fn an_account_an_administrator_created_cannot_activate_that_administrators_next_ones(app: TestApp) {
        // The variant: the creator gets one helper activated by an honest colleague, then uses
        // the helper to activate the accounts it creates next.
        let creator = app.admin();
        let helper = create(&app, &creator, "helper@example.org", "ADMIN").await;
        let helper_id = helper["user"]["id"].as_str().unwrap().to_owned();
        let activated = activate(&app, &app.officer(), &helper_id).await;
        assert_eq!(activated["user"]["active"], true, "{activated}");
        let (signed_in, _) = login_from(&app, "127.0.0.1", "helper@example.org", PASSWORD).await;
        let helper_token = signed_in["token"].as_str().expect("the helper signs in").to_owned();

        let puppet = create(&app, &creator, "puppet@example.org", "STEERING_COMMITTEE").await;
        let puppet_id = puppet["user"]["id"].as_str().unwrap().to_owned();
        let refused = activate(&app, &helper_token, &puppet_id).await;
        assert_eq!(refused["userErrors"][0]["code"], "SEPARATION_OF_DUTIES", "{refused}");
        // Nor the other way round: the creator activating what its helper created.
        let by_helper = create(&app, &helper_token, "by-helper@example.org", "ADMIN").await;
        let by_helper_id = by_helper["user"]["id"].as_str().unwrap().to_owned();
        let refused = activate(&app, &creator, &by_helper_id).await;
        assert_eq!(refused["userErrors"][0]["code"], "SEPARATION_OF_DUTIES", "{refused}");
        // A pending account can be turned down (deactivated) instead.
        let declined = app.data(Some(&app.officer()), "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { active pendingActivation } userErrors { code } } }", json!({"input": {"user": puppet_id, "expectedVersion": 1}})).await;
        assert_eq!(declined["deactivateUser"]["user"], json!({"active": false, "pendingActivation": false}), "{declined}");
        let late = activate(&app, &app.officer(), &puppet_id).await;
        assert_eq!(late["userErrors"][0]["code"], "INVALID_TRANSITION", "{late}");
    }
}

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/keys");
const IDP_ISSUER: &str = "https://login.example.org/";
const IDP_AUDIENCE: &str = "mptf-dashboards";

fn idp(settings: &mut Settings) {
    settings.security.idp_public_key_file = Some(format!("{KEYS}/idp-rsa-public.pem").into());
    settings.security.idp_issuer = Some(IDP_ISSUER.to_owned());
    settings.security.idp_audience = Some(IDP_AUDIENCE.to_owned());
}

fn rs256(claims: Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(
        &std::fs::read(format!("{KEYS}/idp-rsa-private.pem")).unwrap(),
    )
    .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn hs256(claims: Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn idp_claims(sub: &str, role: &str) -> Value {
    json!({"sub": sub, "iss": IDP_ISSUER, "aud": IDP_AUDIENCE, "iat": now(), "exp": now() + 600, "role": role})
}

async fn subject_of(app: &TestApp, token: &str) -> Value {
    app.graphql(Some(token), "{ viewer { subject } }", json!({}))
        .await
}

on_both! {
    idp,
    async fn identity_provider_subjects_never_name_local_accounts(app: TestApp) {
        let local = create(&app, &app.admin(), "local@example.org", "PARTNER_SYSTEM").await;
        let local_id = row_id(&local["user"]["id"]);
        // The probe: the provider's token for sub "user:<id>" is not local user <id>.
        let token = rs256(idp_claims(&format!("user:{local_id}"), "ADMIN"));
        let viewer = subject_of(&app, &token).await;
        assert_eq!(viewer["data"]["viewer"]["subject"], format!("idp:user:{local_id}"), "{viewer}");
        // What it does is audited under its own subject, never the local account's.
        let donor = app.data(Some(&token), "mutation { createDonor(input: {name: \"Via the provider\", kind: OTHER}) { donor { id } } }", json!({})).await;
        let trail = app.data(Some(&app.admin()), "query($s: ID!) { auditEvents(filter: {subject: $s}) { nodes { actor } } }", json!({"s": donor["createDonor"]["donor"]["id"]})).await;
        assert_eq!(trail["auditEvents"]["nodes"][0]["actor"], format!("idp:user:{local_id}"));

        // The variant: deactivating local user 1 does not touch the provider's "user:1", and a
        // provider subject that is already namespaced is namespaced again.
        app.data(Some(&app.admin()), "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { active } } }", json!({"input": {"user": local["user"]["id"], "expectedVersion": 1}})).await;
        assert_eq!(status_of(&app, &token).await, 200);
        let local_token = app.token(Role::PartnerSystem, &format!("user:{local_id}"));
        assert_eq!(status_of(&app, &local_token).await, 401, "the local account's own token stops");
        let nested = subject_of(&app, &rs256(idp_claims("idp:x", "PARTNER_SYSTEM"))).await;
        assert_eq!(nested["data"]["viewer"]["subject"], "idp:idp:x");
    }
}

// ---------------------------------------------------------------------------------------------
// (8) Personal fields of users in the audit trail

on_both! {
    async fn only_administrators_read_users_personal_fields_in_the_audit_trail(app: TestApp) {
        let user = create(&app, &app.admin(), "private.person@example.org", "PARTNER_SYSTEM").await;
        let id = user["user"]["id"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            login_from(&app, "127.0.0.9", "private.person@example.org", "wrong").await;
        }
        app.data(Some(&app.admin()), "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { active } } }", json!({"input": {"user": id, "expectedVersion": 1}})).await;
        let query = "query($s: ID!) { auditEvents(filter: {subject: $s}) { nodes { id action changes } } }";

        // The probe: the committee reads the trail of a user.
        let committee = app.data(Some(&app.committee()), query, json!({"s": id})).await;
        let events = committee["auditEvents"]["nodes"].as_array().unwrap().clone();
        assert_eq!(events.len(), 2, "{committee}");
        let text = committee.to_string();
        assert!(!text.contains("private.person"), "the email leaks: {text}");
        assert!(!text.contains("Someone"), "the name leaks: {text}");
        for event in &events {
            for side in ["before", "after"] {
                let row = &event["changes"][side];
                if row.is_null() {
                    continue;
                }
                for field in ["email", "display_name", "failed_logins", "locked_until"] {
                    assert_eq!(row[field], "[redacted]", "{field} in {event}");
                }
                assert_eq!(row["role"], "PARTNER_SYSTEM", "what the account may do stays: {event}");
            }
        }
        assert_eq!(events[0]["changes"]["before"]["active"], true);
        assert_eq!(events[0]["changes"]["after"]["active"], false);
        // The variant: the same event fetched by node id.
        let by_node = app.data(Some(&app.committee()), "query($id: ID!) { node(id: $id) { ... on AuditEvent { changes } } }", json!({"id": events[1]["id"]})).await;
        assert_eq!(by_node["node"]["changes"]["after"]["email"], "[redacted]", "{by_node}");
        assert!(!by_node.to_string().contains("private.person"));

        // Administrators read them.
        let admin = app.data(Some(&app.admin()), query, json!({"s": id})).await;
        assert_eq!(admin["auditEvents"]["nodes"][1]["changes"]["after"]["email"], "private.person@example.org", "{admin}");
        // Other subjects are not touched.
        let donor = create_donor(&app, "Visible donor").await;
        let trail = app.data(Some(&app.committee()), query, json!({"s": donor})).await;
        assert_eq!(trail["auditEvents"]["nodes"][0]["changes"]["after"]["name"], "Visible donor");
    }
}

// ---------------------------------------------------------------------------------------------
// (13) Token lifetimes

fn own_claims() -> Value {
    json!({"sub": "user:admin", "iss": "mptf", "aud": "mptf-api", "iat": now(), "exp": now() + 600, "role": "ADMIN"})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// 1 January 3000.
const YEAR_3000: i64 = 32_503_680_000;

on_both! {
    idp,
    async fn no_token_lives_longer_than_the_maximum_or_comes_from_the_future(app: TestApp) {
        assert_eq!(status_of(&app, &hs256(own_claims())).await, 200);
        // The probe: exp in the year 3000, iat in the future.
        assert_eq!(status_of(&app, &hs256(with(own_claims(), "exp", json!(YEAR_3000)))).await, 401);
        assert_eq!(status_of(&app, &hs256(with(own_claims(), "iat", json!(now() + 3600)))).await, 401);
        // Variants: a day and a minute from iat; iat long ago with a near exp; no iat at all.
        let long = with(own_claims(), "exp", json!(now() + 24 * 3600 + 60));
        assert_eq!(status_of(&app, &hs256(long)).await, 401);
        let old_iat = with(with(own_claims(), "iat", json!(now() - 30 * 3600)), "exp", json!(now() + 60));
        assert_eq!(status_of(&app, &hs256(old_iat)).await, 401);
        assert_eq!(status_of(&app, &hs256(without(own_claims(), "iat"))).await, 401);
        let within_leeway = with(own_claims(), "iat", json!(now() + 10));
        assert_eq!(status_of(&app, &hs256(within_leeway)).await, 200);
        let a_day = with(own_claims(), "exp", json!(now() + 24 * 3600 - 60));
        assert_eq!(status_of(&app, &hs256(a_day)).await, 200);

        // The identity provider's tokens too: with iat, and without one.
        let provider = idp_claims("someone", "PARTNER_SYSTEM");
        assert_eq!(status_of(&app, &rs256(provider.clone())).await, 200);
        assert_eq!(status_of(&app, &rs256(with(provider.clone(), "exp", json!(YEAR_3000)))).await, 401);
        assert_eq!(status_of(&app, &rs256(with(provider.clone(), "iat", json!(now() + 3600)))).await, 401);
        assert_eq!(status_of(&app, &rs256(with(without(provider.clone(), "iat"), "exp", json!(YEAR_3000)))).await, 401);
        assert_eq!(status_of(&app, &rs256(without(provider, "iat"))).await, 200);
    }
}

fn one_hour_tokens(settings: &mut Settings) {
    idp(settings);
    settings.security.max_token_hours = 1;
}

on_both! {
    one_hour_tokens,
    async fn the_maximum_lifetime_is_a_setting(app: TestApp) {
        let ninety_minutes = with(own_claims(), "exp", json!(now() + 90 * 60));
        assert_eq!(status_of(&app, &hs256(ninety_minutes)).await, 401);
        let fifty_minutes = with(own_claims(), "exp", json!(now() + 50 * 60));
        assert_eq!(status_of(&app, &hs256(fifty_minutes)).await, 200);
        let provider = with(idp_claims("someone", "PARTNER_SYSTEM"), "exp", json!(now() + 2 * 3600));
        assert_eq!(status_of(&app, &rs256(provider)).await, 401);
    }
}

#[tokio::test]
async fn login_tokens_stay_within_the_maximum_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("m.sqlite").display()
    ));
    settings.security.max_token_hours = 1;
    settings.token_minutes = 61;
    let error = mptf::startup::Application::build(&settings)
        .await
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("MPTF_MAX_TOKEN_HOURS"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// (14) Login throttling per account and source

on_both! {
    async fn wrong_passwords_from_one_source_do_not_lock_the_owner_out_from_another(app: TestApp) {
        create(&app, &app.admin(), "owner@example.org", "PARTNER_SYSTEM").await;
        // The probe: a stranger sends five wrong passwords.
        let mut wrong = Value::Null;
        for _ in 0..5 {
            wrong = login_from(&app, "127.0.0.3", "owner@example.org", "guess").await.0;
        }
        // From there, even the right password is refused, with the same answer.
        let (there, _) = login_from(&app, "127.0.0.3", "owner@example.org", PASSWORD).await;
        assert_eq!(there, wrong, "{there}");
        let (unknown, _) = login_from(&app, "127.0.0.3", "nobody@example.org", "guess").await;
        assert_eq!(unknown, wrong);
        // The owner, from elsewhere, signs in; the stranger keeps guessing and nothing changes.
        let (owner, _) = login_from(&app, "127.0.0.2", "owner@example.org", PASSWORD).await;
        assert!(owner["token"].is_string(), "{owner}");
        for _ in 0..3 {
            login_from(&app, "127.0.0.3", "owner@example.org", "guess").await;
        }
        let (owner, took) = login_from(&app, "127.0.0.2", "owner@example.org", PASSWORD).await;
        assert!(owner["token"].is_string(), "{owner}");
        assert!(took < Duration::from_millis(1500), "the owner is not slowed down: {took:?}");
    }
}

on_both! {
    async fn a_source_spraying_many_accounts_is_stopped_and_others_are_not(app: TestApp) {
        create(&app, &app.admin(), "sprayed@example.org", "PARTNER_SYSTEM").await;
        // The variant: one wrong password each for many accounts, from one source.
        let sprays = (0..30).map(|i| {
            let app = &app;
            async move { login_from(app, "127.0.0.4", &format!("user{i}@example.org"), "Summer2024!").await }
        });
        futures::future::join_all(sprays).await;
        let (stopped, _) = login_from(&app, "127.0.0.4", "sprayed@example.org", PASSWORD).await;
        assert!(stopped["token"].is_null(), "the spraying source is refused: {stopped}");
        let (elsewhere, _) = login_from(&app, "127.0.0.5", "sprayed@example.org", PASSWORD).await;
        assert!(elsewhere["token"].is_string(), "{elsewhere}");
        // The failures did not touch the account's row.
        let row = entity::app_user::Entity::find()
            .all(&app.services.db)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.email == "sprayed@example.org")
            .unwrap();
        assert!(row.locked_until.is_none());
    }
}

use sea_orm::EntityTrait;

// ---------------------------------------------------------------------------------------------
// (12) Who reads /metrics

async fn get_metrics(address: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("{address}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// A server of the production profile with `adjust`'s settings: (API address, metrics address).
async fn production_server(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<(String, Option<String>, Option<tempfile::TempDir>)> {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("m.sqlite").display()
                ),
                Some(dir),
            )
        }
        Backend::Postgres => (fresh_postgres_database().await?, None),
    };
    let mut settings = settings(&url);
    settings.profile = Profile::Production;
    adjust(&mut settings);
    let application = mptf::startup::Application::build(&settings)
        .await
        .expect("the server starts");
    let metrics = application
        .metrics_port
        .map(|p| format!("http://127.0.0.1:{p}"));
    let (port, _, _) = application.spawn();
    Some((format!("http://127.0.0.1:{port}"), metrics, dir))
}

const METRICS_TOKEN: &str = "a metrics token of at least thirty-two bytes";

async fn metrics_access(backend: Backend) {
    // The probe: production, nothing configured: the API's port does not serve /metrics.
    let Some((api, none, _dir)) = production_server(backend, |_| {}).await else {
        return;
    };
    assert!(none.is_none());
    assert_eq!(get_metrics(&api, None).await.0, 404);
    let graphql = reqwest::Client::new()
        .post(format!("{api}/graphql"))
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        graphql.status().as_u16(),
        200,
        "the API itself still answers"
    );

    // MPTF_METRICS_LISTEN: served there only.
    let (api, metrics, _dir) = production_server(backend, |s| {
        s.security.metrics_listen = Some("127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(get_metrics(&api, None).await.0, 404);
    let metrics = metrics.expect("a metrics listener");
    let (status, body) = get_metrics(&metrics, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("mptf_build_info"), "{body}");

    // The variant: MPTF_METRICS_TOKEN on the API's port.
    let (api, _, _dir) = production_server(backend, |s| {
        s.security.metrics_token = Some(mptf::config::Secret(METRICS_TOKEN.into()))
    })
    .await
    .unwrap();
    assert_eq!(get_metrics(&api, None).await.0, 401);
    assert_eq!(
        get_metrics(&api, Some("a metrics token of at least thirty-two byteZ"))
            .await
            .0,
        401
    );
    let admin = app_token_for_admin();
    assert_eq!(
        get_metrics(&api, Some(&admin)).await.0,
        401,
        "an API token is not the metrics token"
    );
    let (status, body) = get_metrics(&api, Some(METRICS_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(body.contains("mptf_http_requests_total"), "{body}");

    // Both: the token guards the separate listener, and the API's port serves nothing.
    let (api, metrics, _dir) = production_server(backend, |s| {
        s.security.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
        s.security.metrics_token = Some(mptf::config::Secret(METRICS_TOKEN.into()));
    })
    .await
    .unwrap();
    let metrics = metrics.unwrap();
    assert_eq!(get_metrics(&api, Some(METRICS_TOKEN)).await.0, 404);
    assert_eq!(get_metrics(&metrics, None).await.0, 401);
    assert_eq!(get_metrics(&metrics, Some(METRICS_TOKEN)).await.0, 200);
}

fn app_token_for_admin() -> String {
    hs256(own_claims())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_not_public_on_the_api_port_in_production_sqlite() {
    metrics_access(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_not_public_on_the_api_port_in_production_postgres() {
    metrics_access(Backend::Postgres).await;
}

on_both! {
    async fn development_still_serves_metrics_on_the_api_port(app: TestApp) {
        assert_eq!(get_metrics(&app.address, None).await.0, 200);
    }
}

// ---------------------------------------------------------------------------------------------
// `mptf token` for a donor or organization that does not exist

on_both! {
    async fn mptf_token_refuses_a_donor_that_does_not_exist(app: TestApp) {
        let donor = create_donor(&app, "Existing donor").await;
        let existing = row_id(&json!(donor)).to_string();
        let url = app.database_url.clone();
        let run = move |args: Vec<String>| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                crate::operations::run_mptf(&url, &args, &[])
            })
        };
        let args = |extra: &[&str]| extra.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (ok, output) = run(args(&["token", "--role", "DONOR", "--donor", "99"])).await.unwrap();
        assert!(!ok, "{output}");
        assert!(output.contains("no donor"), "{output}");
        let (ok, output) = run(args(&["token", "--role", "DONOR", "--donor", &existing])).await.unwrap();
        assert!(ok, "{output}");
        let (ok, output) = run(args(&["token", "--role", "PUNO", "--org", "9999"])).await.unwrap();
        assert!(!ok, "{output}");
        // Nor for longer than the maximum lifetime.
        let (ok, output) = run(args(&["token", "--role", "ADMIN", "--minutes", "525600"])).await.unwrap();
        assert!(!ok, "{output}");
        assert!(output.contains("MPTF_MAX_TOKEN_HOURS"), "{output}");
    }
}

// ---------------------------------------------------------------------------------------------
// The first administrators

on_both! {
    async fn mptf_create_admin_sets_up_the_first_two_administrators_only(app: TestApp) {
        let url = app.database_url.clone();
        let create = |email: &'static str| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                crate::operations::run_mptf(&url, &["create-admin", "--email", email, "--display-name", "First"], &[("MPTF_ADMIN_PASSWORD", PASSWORD)])
            })
        };
        let (ok, output) = create("first@example.org").await.unwrap();
        assert!(ok, "{output}");
        let (answer, _) = login_from(&app, "127.0.0.1", "first@example.org", PASSWORD).await;
        assert!(answer["token"].is_string(), "the first administrator signs in: {answer}");
        let (ok, output) = create("second@example.org").await.unwrap();
        assert!(ok, "{output}");
        let (ok, output) = create("third@example.org").await.unwrap();
        assert!(!ok, "a third is refused: {output}");
        assert!(output.contains("activateUser"), "{output}");
    }
}
