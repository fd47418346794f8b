//! Security, through the real server: query limits, tokens (RFC 8725) and the identity
//! provider, deactivated accounts, login throttling and lock-out, the production profile, error
//! masking, the permission matrix of `docs/permissions.md` with object-level checks, and
//! graphql-cop style probes against the production profile.
//!
//! The key pairs in `tests/api/keys/` exist for these tests only and protect nothing.

use crate::fixtures::{
    create_donor, funded_programme, record_contribution, record_deposit, reference_ids,
    submit_note, Funded,
};
use crate::helpers::*;
use crate::on_both;
use futures::{SinkExt, StreamExt};
use mptf::config::{Profile, Settings};
use mptf::domain::Role;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// The production profile as the tests run it: GraphiQL, SQL counts and GET at their
/// production defaults, one dashboard origin allowed.
fn production(settings: &mut Settings) {
    settings.profile = Profile::Production;
    settings.graphiql = None;
    settings.expose_sql_count = None;
    settings.security.cors_origins = vec![DASHBOARD.to_owned()];
}

const DASHBOARD: &str = "https://dashboard.example.org";

/// A raw response: status, headers and the JSON body (Null when the body is not JSON).
struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Raw {
    async fn from(response: reqwest::Response) -> Raw {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Raw {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn post_json(app: &TestApp, token: Option<&str>, body: &Value) -> Raw {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Raw::from(request.send().await.expect("the server answers")).await
}

async fn post_with(app: &TestApp, token: &str, query: &str) -> Raw {
    post_json(app, Some(token), &json!({"query": query})).await
}

async fn audit_events(app: &TestApp) -> u64 {
    entity::audit_event::Entity::find()
        .count(&app.services.db)
        .await
        .unwrap()
}

async fn donor_count(app: &TestApp) -> u64 {
    entity::donor::Entity::find()
        .count(&app.services.db)
        .await
        .unwrap()
}

fn partner(app: &TestApp) -> String {
    app.token(Role::PartnerSystem, "client:dashboard")
}

// ---------------------------------------------------------------------------------------------
// Query limits

on_both! {
    async fn each_query_limit_is_refused_before_execution_with_its_own_code(app: TestApp) {
        let admin = app.admin();
        let deep = format!("{{ {}x{} }}", "a { ".repeat(10), " }".repeat(10));
        assert_eq!(post_with(&app, &admin, &deep).await.code(), "QUERY_TOO_DEEP");

        let aliases = |n: usize| format!("{{ {} }}", (0..n).map(|i| format!("a{i}: thematicAreas {{ number }}")).collect::<Vec<_>>().join(" "));
        let fifteen = post_with(&app, &admin, &aliases(15)).await;
        assert!(fifteen.body.get("errors").is_none(), "{}", fifteen.body);
        assert_eq!(post_with(&app, &admin, &aliases(16)).await.code(), "TOO_MANY_ALIASES");

        let directives = format!("{{ {} }}", "... @include(if: true) { __typename } ".repeat(51));
        assert_eq!(post_with(&app, &admin, &directives).await.code(), "TOO_MANY_DIRECTIVES");
        assert_eq!(post_with(&app, &admin, "{ __typename @include(if: true) @include(if: true) }").await.code(), "TOO_MANY_DIRECTIVES");

        let ids = (0..1100).map(|i| format!("\"x{i}\"")).collect::<Vec<_>>().join(", ");
        assert_eq!(post_with(&app, &admin, &format!("{{ nodes(ids: [{ids}]) {{ id }} }}")).await.code(), "TOO_MANY_TOKENS");

        let duplicates = format!("{{ {} }}", "__typename ".repeat(22));
        assert_eq!(post_with(&app, &admin, &duplicates).await.code(), "TOO_MANY_DUPLICATE_FIELDS");

        let expensive = format!("{{ {} }}", (0..7).map(|i| format!("d{i}: donors(first: 100) {{ edges {{ cursor node {{ id name }} }} nodes {{ id name contributions(first: 20) {{ nodes {{ id }} }} }} }}")).collect::<Vec<_>>().join(" "));
        let refused = post_with(&app, &admin, &expensive).await;
        assert_eq!(refused.code(), "QUERY_TOO_COMPLEX", "{}", refused.body);
        // Each donor row: edges 1 + cursor 1 + node 1 + id 1 + name 1, nodes 1 + id 1 + name 1,
        // and its contributions, 1 + 20 rows × (nodes 1 + id 1).
        assert_eq!(refused.body["extensions"]["cost"]["requestedQueryCost"], 7 * (1 + 100 * (8 + 1 + 20 * 2)));
        assert_eq!(refused.body["extensions"]["cost"]["maximumAvailable"], 25_000);

        assert_eq!(post_with(&app, &admin, "{ donors(first: 101) { totalCount } }").await.code(), "PAGE_SIZE_EXCEEDED");

        // A refused mutation changed nothing.
        let (audit, donors) = (audit_events(&app).await, donor_count(&app).await);
        let mutation = format!("mutation {{ {} }}", (0..16).map(|i| format!("d{i}: createDonor(input: {{name: \"Alias {i}\", kind: OTHER}}) {{ donor {{ id }} }}")).collect::<Vec<_>>().join(" "));
        assert_eq!(post_with(&app, &admin, &mutation).await.code(), "TOO_MANY_ALIASES");
        let deep_mutation = format!("mutation {{ createDonor(input: {{name: \"Deep\", kind: OTHER}}) {{ {}x{} }} }}", "a { ".repeat(10), " }".repeat(10));
        assert_eq!(post_with(&app, &admin, &deep_mutation).await.code(), "QUERY_TOO_DEEP");
        assert_eq!((audit_events(&app).await, donor_count(&app).await), (audit, donors));
    }
}

on_both! {
    async fn responses_report_their_cost(app: TestApp) {
        create_donor(&app, "Costed").await;
        let response = post_with(&app, &app.admin(), "{ donors(first: 10) { nodes { id name } } thematicAreas { number } }").await;
        assert!(response.body.get("errors").is_none(), "{}", response.body);
        // donors: 1 + 10 rows × (nodes 1 + id 1 + name 1); thematicAreas, a plain list priced at
        // its five rows: 1 + 5 × number 1.
        assert_eq!(response.body["extensions"]["cost"], json!({"requestedQueryCost": 31 + 6, "maximumAvailable": 25_000}));
        let default_page = post_with(&app, &app.admin(), "{ donors { totalCount } }").await;
        assert_eq!(default_page.body["extensions"]["cost"]["requestedQueryCost"], 1 + 50);
    }
}

fn tight_limits(settings: &mut Settings) {
    settings.security.max_aliases = 2;
    settings.security.max_depth = 3;
    settings.security.max_complexity = 20;
    settings.security.max_directives = 1;
    settings.security.max_tokens = 20;
    settings.security.max_duplicate_fields = 0;
    settings.security.max_body_bytes = 2048;
}

on_both! {
    tight_limits,
    async fn the_limits_are_settings(app: TestApp) {
        let admin = app.admin();
        assert_eq!(post_with(&app, &admin, "{ a: __typename b: __typename c: __typename }").await.code(), "TOO_MANY_ALIASES");
        assert_eq!(post_with(&app, &admin, "{ thematicAreas { objectives { thematicAreas { number } } } }").await.code(), "QUERY_TOO_DEEP");
        assert_eq!(post_with(&app, &admin, "{ donors(first: 10) { nodes { id name } } }").await.code(), "QUERY_TOO_COMPLEX");
        assert_eq!(post_with(&app, &admin, "{ __typename @skip(if: false) @include(if: true) }").await.code(), "TOO_MANY_DIRECTIVES");
        assert_eq!(post_with(&app, &admin, "{ __typename __typename }").await.code(), "TOO_MANY_DUPLICATE_FIELDS");
        assert_eq!(post_with(&app, &admin, "{ thematicAreas { number name description objectives { number title shortLabel } } guidingPrinciples { code name } countries { code name } }").await.code(), "TOO_MANY_TOKENS");
        let fine = post_with(&app, &admin, "{ thematicAreas { number } }").await;
        assert!(fine.body.get("errors").is_none(), "{}", fine.body);

        let padding = "x".repeat(4096);
        let large = post_json(&app, Some(&admin), &json!({"query": "{ __typename }", "variables": {"padding": padding}})).await;
        assert_eq!(large.status, 413);
        assert_eq!(large.code(), "PAYLOAD_TOO_LARGE");
        assert!(!large.header("x-request-id").is_empty());
    }
}

on_both! {
    async fn batches_and_oversized_bodies_are_refused(app: TestApp) {
        let batch = post_json(&app, None, &json!([{"query": "{ __typename }"}, {"query": "{ __typename }"}])).await;
        assert_eq!(batch.status, 400);
        assert_eq!(batch.code(), "BATCH_NOT_SUPPORTED");

        let body = json!({"query": "{ __typename }", "variables": {"padding": "x".repeat(300 * 1024)}});
        let large = post_json(&app, None, &body).await;
        assert_eq!(large.status, 413);
        assert_eq!(large.code(), "PAYLOAD_TOO_LARGE");
        assert!(large.header("content-type").starts_with("application/json"));
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A token with exactly this header and these claims, signed with `key` for `alg`.
fn signed(
    header: Value,
    claims: Value,
    key: &jsonwebtoken::EncodingKey,
    alg: jsonwebtoken::Algorithm,
) -> String {
    let message = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

fn secret_key() -> jsonwebtoken::EncodingKey {
    jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn admin_claims() -> Value {
    json!({"sub": "user:admin", "iss": "mptf", "aud": "mptf-api", "iat": now(), "exp": now() + 600, "role": "ADMIN"})
}

fn hs256(claims: Value) -> String {
    signed(
        json!({"alg": "HS256", "typ": "JWT"}),
        claims,
        &secret_key(),
        jsonwebtoken::Algorithm::HS256,
    )
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

async fn viewer(app: &TestApp, token: &str) -> Raw {
    post_with(app, token, "{ viewer { role subject } }").await
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = viewer(app, token).await;
    assert_eq!(response.status, 401, "{what}: {}", response.body);
    assert_eq!(response.code(), "UNAUTHENTICATED", "{what}");
    assert!(
        response.header("www-authenticate").starts_with("Bearer"),
        "{what}"
    );
}

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/keys");

fn rsa_private() -> jsonwebtoken::EncodingKey {
    jsonwebtoken::EncodingKey::from_rsa_pem(
        &std::fs::read(format!("{KEYS}/idp-rsa-private.pem")).unwrap(),
    )
    .unwrap()
}

fn ed_private() -> jsonwebtoken::EncodingKey {
    jsonwebtoken::EncodingKey::from_ed_pem(
        &std::fs::read(format!("{KEYS}/idp-ed25519-private.pem")).unwrap(),
    )
    .unwrap()
}

const IDP_ISSUER: &str = "https://login.example.org/";
const IDP_AUDIENCE: &str = "mptf-dashboards";

fn idp_claims(role: &str) -> Value {
    json!({"sub": "idp|42", "iss": IDP_ISSUER, "aud": [IDP_AUDIENCE, "other"], "iat": now(), "exp": now() + 600, "role": role})
}

fn idp_rsa_pem(settings: &mut Settings) {
    settings.security.idp_public_key_file = Some(format!("{KEYS}/idp-rsa-public.pem").into());
    settings.security.idp_issuer = Some(IDP_ISSUER.to_owned());
    settings.security.idp_audience = Some(IDP_AUDIENCE.to_owned());
}

fn idp_ed_pem(settings: &mut Settings) {
    idp_rsa_pem(settings);
    settings.security.idp_public_key_file = Some(format!("{KEYS}/idp-ed25519-public.pem").into());
}

fn idp_jwks(settings: &mut Settings) {
    idp_rsa_pem(settings);
    settings.security.idp_public_key_file = None;
    settings.security.idp_jwks_file = Some(format!("{KEYS}/idp-jwks.json").into());
}

on_both! {
    async fn forged_and_malformed_tokens_are_refused(app: TestApp) {
        let good = hs256(admin_claims());
        assert_eq!(viewer(&app, &good).await.body["data"]["viewer"]["role"], "ADMIN");

        let claims = b64url(admin_claims().to_string().as_bytes());
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = b64url(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
            assert_refused(&app, &format!("{header}.{claims}."), alg).await;
            assert_refused(&app, &format!("{header}.{claims}"), alg).await;
            assert_refused(&app, &format!("{header}.{claims}.{}", good.rsplit('.').next().unwrap()), alg).await;
        }
        for alg in [jsonwebtoken::Algorithm::HS384, jsonwebtoken::Algorithm::HS512] {
            let token = signed(json!({"alg": format!("{alg:?}"), "typ": "JWT"}), admin_claims(), &secret_key(), alg);
            assert_refused(&app, &token, "another HMAC algorithm").await;
        }
        // RS256 and EdDSA are refused when no identity provider is configured.
        assert_refused(&app, &signed(json!({"alg": "RS256"}), admin_claims(), &rsa_private(), jsonwebtoken::Algorithm::RS256), "RS256 without a provider").await;
        assert_refused(&app, &signed(json!({"alg": "EdDSA"}), admin_claims(), &ed_private(), jsonwebtoken::Algorithm::EdDSA), "EdDSA without a provider").await;

        assert_refused(&app, &hs256(with(admin_claims(), "exp", json!(now() - 120))), "expired").await;
        assert_refused(&app, &hs256(with(admin_claims(), "nbf", json!(now() + 120))), "not yet valid").await;
        let within_leeway = viewer(&app, &hs256(with(admin_claims(), "nbf", json!(now() + 10)))).await;
        assert_eq!(within_leeway.status, 200, "nbf within the 30 s leeway: {}", within_leeway.body);
        assert_refused(&app, &hs256(with(admin_claims(), "iss", json!("someone-else"))), "wrong iss").await;
        assert_refused(&app, &hs256(without(admin_claims(), "iss")), "missing iss").await;
        assert_refused(&app, &hs256(with(admin_claims(), "aud", json!("another-api"))), "wrong aud").await;
        assert_refused(&app, &hs256(without(admin_claims(), "aud")), "missing aud").await;
        assert_refused(&app, &hs256(without(admin_claims(), "exp")), "missing exp").await;
        assert_refused(&app, &hs256(without(admin_claims(), "sub")), "missing sub").await;
        assert_refused(&app, &hs256(with(admin_claims(), "sub", json!(" "))), "blank sub").await;
        assert_refused(&app, &hs256(with(admin_claims(), "role", json!("SUPERUSER"))), "unknown role").await;
        assert_refused(&app, &hs256(with(admin_claims(), "role", json!("admin"))), "role in the wrong case").await;
        assert_refused(&app, &hs256(with(admin_claims(), "role", json!("DONOR"))), "a DONOR without its donor").await;
        assert_refused(&app, &hs256(with(with(admin_claims(), "role", json!("DONOR")), "chair", json!(true))), "chair for a donor").await;

        // Tampered claims: a donor's token made into an administrator's, signature kept.
        let donor = app.donor_token(1, "user:donor");
        let parts: Vec<&str> = donor.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], b64url(admin_claims().to_string().as_bytes()), parts[2]);
        assert_refused(&app, &tampered, "tampered claims").await;

        for (name, value) in [
            ("jku", json!("https://attacker.example/jwks.json")),
            ("x5u", json!("https://attacker.example/cert.pem")),
            ("jwk", json!({"kty": "oct", "k": b64url(SECRET.as_bytes())})),
            ("x5c", json!(["MIIB"])),
            ("crit", json!(["exp"])),
        ] {
            let mut header = json!({"alg": "HS256", "typ": "JWT"});
            header[name] = value;
            assert_refused(&app, &signed(header, admin_claims(), &secret_key(), jsonwebtoken::Algorithm::HS256), name).await;
        }
        assert_refused(&app, &signed(json!({"alg": "HS256", "typ": "JWE"}), admin_claims(), &secret_key(), jsonwebtoken::Algorithm::HS256), "typ").await;
        for garbage in ["", "a.b.c", "Bearer", "x".repeat(5000).as_str()] {
            assert_refused(&app, garbage, "garbage").await;
        }
        let basic = Raw::from(app.client.post(format!("{}/graphql", app.address)).header("Authorization", "Basic YWRtaW46YWRtaW4=").json(&json!({"query": "{ __typename }"})).send().await.unwrap()).await;
        assert_eq!(basic.status, 401);
    }
}

#[tokio::test]
async fn the_server_refuses_to_start_with_a_short_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("short.sqlite").display()
    ));
    settings.jwt_secret = Some("x".repeat(31));
    let error = mptf::startup::Application::build(&settings)
        .await
        .err()
        .expect("a 31-byte secret is refused");
    assert!(error.to_string().contains("MPTF_JWT_SECRET"), "{error}");
    settings.jwt_secret = None;
    settings.profile = Profile::Production;
    let error = mptf::startup::Application::build(&settings)
        .await
        .err()
        .expect("production needs a secret");
    assert!(error.to_string().contains("MPTF_JWT_SECRET"), "{error}");
}

#[tokio::test]
async fn identity_provider_settings_are_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("idp.sqlite").display()
    );
    let mut missing_issuer = settings(&url);
    idp_rsa_pem(&mut missing_issuer);
    missing_issuer.security.idp_issuer = None;
    let error = mptf::startup::Application::build(&missing_issuer)
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("MPTF_IDP_ISSUER"), "{error}");
    let mut not_a_key = settings(&url);
    idp_rsa_pem(&mut not_a_key);
    not_a_key.security.idp_public_key_file = Some(format!("{KEYS}/idp-jwks.json").into());
    let error = mptf::startup::Application::build(&not_a_key)
        .await
        .err()
        .unwrap();
    assert!(
        format!("{error:#}").contains("MPTF_IDP_PUBLIC_KEY_FILE"),
        "{error:#}"
    );
}

on_both! {
    idp_rsa_pem,
    async fn an_identity_providers_rs256_tokens_are_accepted_and_pinned(app: TestApp) {
        let token = signed(json!({"alg": "RS256", "typ": "JWT"}), idp_claims("PARTNER_SYSTEM"), &rsa_private(), jsonwebtoken::Algorithm::RS256);
        let response = viewer(&app, &token).await;
        assert_eq!(response.body["data"]["viewer"], json!({"role": "PARTNER_SYSTEM", "subject": "idp:idp|42"}), "{}", response.body);
        // The service's own tokens still work.
        assert_eq!(viewer(&app, &app.admin()).await.status, 200);

        // HS256 signed with the provider's public key (algorithm confusion).
        let public_pem = std::fs::read(format!("{KEYS}/idp-rsa-public.pem")).unwrap();
        let confused = signed(json!({"alg": "HS256", "typ": "JWT"}), idp_claims("ADMIN"), &jsonwebtoken::EncodingKey::from_secret(&public_pem).unwrap(), jsonwebtoken::Algorithm::HS256);
        assert_refused(&app, &confused, "HS256 with the RSA public key").await;
        let confused = signed(json!({"alg": "HS256", "typ": "JWT"}), admin_claims(), &jsonwebtoken::EncodingKey::from_secret(&public_pem).unwrap(), jsonwebtoken::Algorithm::HS256);
        assert_refused(&app, &confused, "HS256 with the RSA public key, own claims").await;
        // Other RSA algorithms with the same key, and EdDSA.
        for alg in [jsonwebtoken::Algorithm::RS512, jsonwebtoken::Algorithm::PS256] {
            let token = signed(json!({"alg": format!("{alg:?}")}), idp_claims("ADMIN"), &rsa_private(), alg);
            assert_refused(&app, &token, "another RSA algorithm").await;
        }
        assert_refused(&app, &signed(json!({"alg": "EdDSA"}), idp_claims("ADMIN"), &ed_private(), jsonwebtoken::Algorithm::EdDSA), "EdDSA").await;
        let rs256 = |claims: Value| signed(json!({"alg": "RS256", "typ": "JWT"}), claims, &rsa_private(), jsonwebtoken::Algorithm::RS256);
        assert_refused(&app, &rs256(with(idp_claims("ADMIN"), "iss", json!("mptf"))), "the service's issuer").await;
        assert_refused(&app, &rs256(with(idp_claims("ADMIN"), "aud", json!("mptf-api"))), "another audience").await;
        assert_refused(&app, &rs256(without(idp_claims("ADMIN"), "aud")), "no audience").await;
        assert_refused(&app, &rs256(with(idp_claims("ADMIN"), "exp", json!(now() - 120))), "expired").await;
        assert_refused(&app, &rs256(with(idp_claims("ADMIN"), "nbf", json!(now() + 120))), "not yet valid").await;
        assert_refused(&app, &rs256(without(idp_claims("ADMIN"), "sub")), "no subject").await;
        assert_refused(&app, &rs256(with(idp_claims("ADMIN"), "role", json!("ROOT"))), "unknown role").await;
        let jku = json!({"alg": "RS256", "typ": "JWT", "jku": "https://attacker.example/jwks.json"});
        assert_refused(&app, &signed(jku, idp_claims("ADMIN"), &rsa_private(), jsonwebtoken::Algorithm::RS256), "jku").await;
    }
}

on_both! {
    idp_ed_pem,
    async fn an_identity_providers_eddsa_tokens_are_accepted(app: TestApp) {
        let token = signed(json!({"alg": "EdDSA", "typ": "JWT"}), with(idp_claims("STEERING_COMMITTEE"), "chair", json!(true)), &ed_private(), jsonwebtoken::Algorithm::EdDSA);
        let response = post_with(&app, &token, "{ viewer { role chair } }").await;
        assert_eq!(response.body["data"]["viewer"], json!({"role": "STEERING_COMMITTEE", "chair": true}), "{}", response.body);
        assert_refused(&app, &signed(json!({"alg": "RS256"}), idp_claims("ADMIN"), &rsa_private(), jsonwebtoken::Algorithm::RS256), "RS256 with an Ed25519 key configured").await;
    }
}

on_both! {
    idp_jwks,
    async fn jwks_keys_are_chosen_by_kid_and_pinned(app: TestApp) {
        let rsa = signed(json!({"alg": "RS256", "kid": "rsa-1"}), idp_claims("DONOR"), &rsa_private(), jsonwebtoken::Algorithm::RS256);
        // A DONOR without its donor is refused even from the provider.
        assert_refused(&app, &rsa, "a DONOR without its donor").await;
        let rsa = signed(json!({"alg": "RS256", "kid": "rsa-1"}), idp_claims("PARTNER_SYSTEM"), &rsa_private(), jsonwebtoken::Algorithm::RS256);
        assert_eq!(viewer(&app, &rsa).await.body["data"]["viewer"]["role"], "PARTNER_SYSTEM");
        let ed = signed(json!({"alg": "EdDSA", "kid": "ed-1"}), idp_claims("PARTNER_SYSTEM"), &ed_private(), jsonwebtoken::Algorithm::EdDSA);
        assert_eq!(viewer(&app, &ed).await.body["data"]["viewer"]["role"], "PARTNER_SYSTEM");
        // A key answers only for its own algorithm, an unknown or missing kid for none.
        assert_refused(&app, &signed(json!({"alg": "EdDSA", "kid": "rsa-1"}), idp_claims("ADMIN"), &ed_private(), jsonwebtoken::Algorithm::EdDSA), "EdDSA under the RSA key's kid").await;
        assert_refused(&app, &signed(json!({"alg": "RS256", "kid": "nope"}), idp_claims("ADMIN"), &rsa_private(), jsonwebtoken::Algorithm::RS256), "unknown kid").await;
        assert_refused(&app, &signed(json!({"alg": "RS256"}), idp_claims("ADMIN"), &rsa_private(), jsonwebtoken::Algorithm::RS256), "no kid among several keys").await;
        // The JWKS's symmetric key is never trusted.
        let oct = jsonwebtoken::EncodingKey::from_secret(b"a symmetric key that must never be trusted").unwrap();
        assert_refused(&app, &signed(json!({"alg": "HS256", "kid": "hmac-1"}), idp_claims("ADMIN"), &oct, jsonwebtoken::Algorithm::HS256), "the JWKS's oct key").await;
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts and login

const PASSWORD: &str = "correct horse battery staple";

/// Creates a user with a password and returns its global id; an ADMIN or STEERING_COMMITTEE
/// account is activated by a second administrator.
async fn create_user(app: &TestApp, email: &str, role: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id version } userErrors { code message } } }",
            json!({"input": {"email": email, "displayName": "Test user", "role": role, "password": PASSWORD}}),
        )
        .await;
    assert_eq!(data["createUser"]["userErrors"], json!([]), "{data}");
    let id = data["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if matches!(role, "ADMIN" | "STEERING_COMMITTEE") {
        let activated = app
            .data(
                Some(&app.officer()),
                "mutation($input: ActivateUserInput!) { activateUser(input: $input) { user { active } userErrors { code message } } }",
                json!({"input": {"user": id}}),
            )
            .await;
        assert_eq!(
            activated["activateUser"]["user"]["active"], true,
            "{activated}"
        );
    }
    id
}

async fn login(app: &TestApp, email: &str, password: &str) -> (Value, Duration) {
    let started = Instant::now();
    let data = app
        .data(None, "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code field message } } }", json!({"input": {"email": email, "password": password}}))
        .await;
    (data["login"].clone(), started.elapsed())
}

async fn deactivate(app: &TestApp, token: &str, user: &str, version: i32) -> Raw {
    post_json(app, Some(token), &json!({"query": "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { user { id active version } userErrors { code field message } } }", "variables": {"input": {"user": user, "expectedVersion": version}}})).await
}

on_both! {
    async fn a_deactivated_users_tokens_stop_working(app: TestApp) {
        let user = create_user(&app, "leaving@example.org", "PARTNER_SYSTEM").await;
        let (answer, _) = login(&app, "leaving@example.org", PASSWORD).await;
        let token = answer["token"].as_str().expect("a token").to_owned();
        assert_eq!(viewer(&app, &token).await.body["data"]["viewer"]["role"], "PARTNER_SYSTEM");

        // Only an administrator deactivates, with the current version.
        assert_eq!(deactivate(&app, &app.committee(), &user, 1).await.code(), "FORBIDDEN");
        assert_eq!(deactivate(&app, &token, &user, 1).await.code(), "FORBIDDEN");
        let stale = deactivate(&app, &app.admin(), &user, 7).await;
        assert_eq!(stale.body["data"]["deactivateUser"]["userErrors"][0]["code"], "STALE_VERSION");
        let before = audit_events(&app).await;
        let done = deactivate(&app, &app.admin(), &user, 1).await;
        assert_eq!(done.body["data"]["deactivateUser"]["user"]["active"], false, "{}", done.body);
        assert_eq!(done.body["data"]["deactivateUser"]["user"]["version"], 2);
        assert_eq!(audit_events(&app).await, before + 1);
        let audit = app.data(Some(&app.admin()), "query($s: ID!) { auditEvents(filter: {subject: $s}) { nodes { action actor } } }", json!({"s": user})).await;
        assert_eq!(audit["auditEvents"]["nodes"][0]["action"], "deactivateUser");

        // In this process at once.
        assert_refused(&app, &token, "a deactivated user's token").await;
        let (answer, _) = login(&app, "leaving@example.org", PASSWORD).await;
        assert!(answer["token"].is_null());
        let again = deactivate(&app, &app.admin(), &user, 2).await;
        assert_eq!(again.body["data"]["deactivateUser"]["userErrors"][0]["code"], "INVALID_TRANSITION");
        // A token naming an account that does not exist is refused too.
        assert_refused(&app, &app.token(Role::Admin, "user:999999"), "an unknown account").await;
    }
}

fn one_second_account_check(settings: &mut Settings) {
    settings.security.account_check_secs = 1;
}

on_both! {
    one_second_account_check,
    async fn a_deactivation_elsewhere_is_seen_within_the_check_interval(app: TestApp) {
        let user = create_user(&app, "elsewhere@example.org", "STEERING_COMMITTEE").await;
        let id = row_id(&json!(user));
        let token = app.token(Role::SteeringCommittee, &format!("user:{id}"));
        assert_eq!(viewer(&app, &token).await.status, 200);
        // Another process deactivates the account: this one notices when its check expires.
        app.services.db.execute_unprepared(&format!("UPDATE app_user SET active = false WHERE id = {id}")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_refused(&app, &token, "deactivated in the database").await;
    }
}

on_both! {
    async fn failed_logins_look_alike_slow_down_and_lock_the_account(app: TestApp) {
        create_user(&app, "officer@example.org", "ADMIN").await;
        let (wrong, first_delay) = login(&app, "officer@example.org", "not the password").await;
        let (unknown, _) = login(&app, "nobody@example.org", "not the password").await;
        assert!(wrong["token"].is_null());
        assert_eq!(wrong, unknown, "an unknown email and a wrong password answer alike");
        assert_eq!(wrong["userErrors"][0]["code"], "VALIDATION");
        assert!(first_delay >= Duration::from_millis(250), "{first_delay:?}");

        let mut last = Duration::ZERO;
        for _ in 2..=5 {
            let (answer, took) = login(&app, "officer@example.org", "still not it").await;
            assert_eq!(answer, wrong);
            last = took;
        }
        assert!(last >= Duration::from_millis(1250), "the fifth failure waits 5 × 250 ms: {last:?}");
        // Locked: the right password is refused with the same answer.
        let (locked, _) = login(&app, "officer@example.org", PASSWORD).await;
        assert_eq!(locked, wrong, "a locked account answers like a wrong password");

        // The lock is this source's only: the owner signing in from another address gets in
        // (tests/api/hardening_b.rs tries more of this).
        let (open, _) = crate::hardening_b::login_from(&app, "127.0.0.2", "officer@example.org", PASSWORD).await;
        assert!(open["token"].is_string(), "{open}");
        assert_eq!(open["userErrors"], json!([]));
    }
}

fn two_second_login_lock(settings: &mut Settings) {
    settings.security.login_lock_secs = 2;
}

on_both! {
    two_second_login_lock,
    async fn an_expired_lock_lets_the_user_in(app: TestApp) {
        create_user(&app, "patient@example.org", "ADMIN").await;
        for _ in 0..5 {
            login(&app, "patient@example.org", "wrong").await;
        }
        let (locked, _) = login(&app, "patient@example.org", PASSWORD).await;
        assert!(locked["token"].is_null());
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (open, _) = login(&app, "patient@example.org", PASSWORD).await;
        assert!(open["token"].is_string(), "{open}");
    }
}

// ---------------------------------------------------------------------------------------------
// The production profile

async fn get(app: &TestApp, path: &str, accept: &str) -> Raw {
    Raw::from(
        app.client
            .get(format!("{}{path}", app.address))
            .header("Accept", accept)
            .send()
            .await
            .unwrap(),
    )
    .await
}

on_both! {
    production,
    async fn production_locks_the_api_down(app: TestApp) {
        let introspection = "{ __schema { types { name } } }";
        for token in [None, Some(app.donor_token(1, "user:donor")), Some(app.committee()), Some(partner(&app))] {
            let response = post_json(&app, token.as_deref(), &json!({"query": introspection})).await;
            assert_eq!(response.code(), "INTROSPECTION_DISABLED", "{}", response.body);
            assert!(response.body["data"].is_null());
            let by_type = post_json(&app, token.as_deref(), &json!({"query": "{ __type(name: \"Donor\") { fields { name } } }"})).await;
            assert_eq!(by_type.code(), "INTROSPECTION_DISABLED");
            let in_fragment = post_json(&app, token.as_deref(), &json!({"query": "{ ...F } fragment F on Query { __schema { queryType { name } } }"})).await;
            assert_eq!(in_fragment.code(), "INTROSPECTION_DISABLED");
        }
        let admin = post_with(&app, &app.admin(), introspection).await;
        assert!(admin.body["data"]["__schema"]["types"].as_array().is_some_and(|t| t.len() > 25), "{}", admin.body);
        // __typename is not introspection.
        assert_eq!(post_json(&app, None, &json!({"query": "{ __typename }"})).await.body["data"]["__typename"], "Query");

        let suggestion = post_json(&app, None, &json!({"query": "{ thematicArea { number } }"})).await;
        assert_eq!(suggestion.code(), "GRAPHQL_VALIDATION_FAILED");
        assert!(!suggestion.body.to_string().contains("Did you mean"), "{}", suggestion.body);

        assert_eq!(get(&app, "/", "text/html").await.status, 404);
        assert_eq!(get(&app, "/graphql", "text/html").await.status, 404);
        let get_query = get(&app, "/graphql?query=%7B__typename%7D", "application/json").await;
        assert_eq!(get_query.status, 405);
        assert_eq!(get_query.code(), "METHOD_NOT_ALLOWED");

        let headers = post_json(&app, None, &json!({"query": "{ __typename }"})).await;
        assert_eq!(headers.header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
        assert!(headers.header("strict-transport-security").starts_with("max-age="));
        assert_eq!(headers.header("x-content-type-options"), "nosniff");
        assert_eq!(headers.header("cache-control"), "no-store");
        assert!(headers.body.get("extensions").is_none_or(|e| e.get("sqlStatements").is_none()));

        // CORS: the configured dashboard only.
        let preflight = |origin: &'static str| app.client.request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("Origin", origin).header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type").send();
        let allowed = preflight(DASHBOARD).await.unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], DASHBOARD);
        assert!(allowed.headers().get("access-control-allow-credentials").is_none());
        let refused = preflight("https://evil.example").await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none());
        let cross = app.client.post(format!("{}/graphql", app.address)).header("Origin", "https://evil.example").json(&json!({"query": "{ __typename }"})).send().await.unwrap();
        assert!(cross.headers().get("access-control-allow-origin").is_none());
        let dashboard = app.client.post(format!("{}/graphql", app.address)).header("Origin", DASHBOARD).json(&json!({"query": "{ __typename }"})).send().await.unwrap();
        assert_eq!(dashboard.headers()["access-control-allow-origin"], DASHBOARD);
    }
}

on_both! {
    async fn development_is_friendlier_but_still_guarded(app: TestApp) {
        let introspection = post_json(&app, None, &json!({"query": "{ __schema { queryType { name } } }"})).await;
        assert_eq!(introspection.body["data"]["__schema"]["queryType"]["name"], "Query");
        // GraphiQL's own introspection query nests type references deeper than the depth limit;
        // they do not count.
        let full = post_json(&app, None, &json!({"query": "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }"})).await;
        assert!(full.body.get("errors").is_none(), "{}", full.body);
        let suggestion = post_json(&app, None, &json!({"query": "{ thematicArea { number } }"})).await;
        assert!(suggestion.body.to_string().contains("Did you mean"), "{}", suggestion.body);
        let graphiql = get(&app, "/", "text/html").await;
        assert_eq!(graphiql.status, 200);
        assert!(graphiql.header("content-security-policy").contains("script-src"));
        let api = post_json(&app, None, &json!({"query": "{ __typename }"})).await;
        assert_eq!(api.header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
        assert!(api.header("strict-transport-security").is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Error masking

/// Nothing a client should ever see: SQL, driver and database messages, paths, stacks.
fn assert_masked(response: &Raw, sent_request_id: &str) {
    assert_eq!(response.code(), "INTERNAL", "{}", response.body);
    let error = &response.body["errors"][0];
    assert_eq!(error["extensions"]["requestId"], sent_request_id);
    assert_eq!(response.header("x-request-id"), sent_request_id);
    let text = response.body.to_string().to_lowercase();
    for leak in [
        "select",
        "insert",
        "update ",
        "constraint",
        "sqlx",
        "sqlite",
        "postgres",
        "violat",
        "pool",
        "closed",
        "trigger",
        "secret",
        "donor_guard",
        "/src/",
        ".rs",
        "panicked",
        "backtrace",
        "stack",
    ] {
        assert!(
            !text.contains(leak),
            "the response shows {leak:?}: {}",
            response.body
        );
    }
}

async fn post_with_request_id(app: &TestApp, query: &str, request_id: &str) -> Raw {
    Raw::from(
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(app.admin())
            .header("x-request-id", request_id)
            .json(&json!({"query": query}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

on_both! {
    async fn database_errors_reach_the_client_as_internal_with_a_request_id(app: TestApp) {
        // A constraint the service does not know about.
        let guard = match app.backend {
            Backend::Sqlite => "CREATE TRIGGER donor_guard BEFORE INSERT ON donor WHEN NEW.name = 'Forbidden' BEGIN SELECT RAISE(ABORT, 'secret detail of donor_guard'); END",
            Backend::Postgres => "ALTER TABLE donor ADD CONSTRAINT donor_guard CHECK (name <> 'Forbidden')",
        };
        app.services.db.execute_unprepared(guard).await.unwrap();
        let before = audit_events(&app).await;
        let violation = post_with_request_id(&app, "mutation { createDonor(input: {name: \"Forbidden\", kind: OTHER}) { donor { id } userErrors { code } } }", "masking-1").await;
        assert_masked(&violation, "masking-1");
        assert_eq!(audit_events(&app).await, before);

        // The database stops answering.
        app.services.db.0.clone().close().await.unwrap();
        for (i, query) in ["{ donors { totalCount } }", "{ thematicAreas { number } }", "mutation { createDonor(input: {name: \"After\", kind: OTHER}) { donor { id } } }"].iter().enumerate() {
            let id = format!("masking-stopped-{i}");
            assert_masked(&post_with_request_id(&app, query, &id).await, &id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The permission matrix

const ROLES: [&str; 6] = [
    "anonymous",
    "ADMIN",
    "STEERING_COMMITTEE",
    "DONOR",
    "PUNO",
    "PARTNER_SYSTEM",
];

/// The root fields of the built schema, as `Query.node`, `Mutation.login`, ….
fn schema_root_fields() -> Vec<String> {
    let sdl = mptf::graphql::sdl();
    let mut fields = Vec::new();
    for root in ["Query", "Mutation", "Subscription"] {
        let start = sdl
            .find(&format!("\ntype {root} {{"))
            .unwrap_or_else(|| panic!("no {root} in the schema"))
            + 1;
        let block = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
        let mut in_description = false;
        // Arguments with descriptions are printed one per line, inside `field(` … `): Type`.
        let mut in_arguments = false;
        for line in block.lines().skip(1) {
            let line = line.trim();
            if line.starts_with("\"\"\"") {
                let one_line = line.len() > 3 && line.ends_with("\"\"\"");
                in_description = !(in_description || one_line);
                continue;
            }
            if in_description || line.is_empty() {
                continue;
            }
            if in_arguments {
                in_arguments = !line.starts_with(')');
                continue;
            }
            let name: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            fields.push(format!("{root}.{name}"));
            in_arguments = line.ends_with('(');
        }
    }
    fields
}

/// The checked-in table: field → one expected answer per role, in `ROLES` order.
fn permission_table() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/permissions.md"))
        .expect("docs/permissions.md");
    let mut header_checked = false;
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.first() == Some(&"field") {
            assert_eq!(&cells[1..], &ROLES, "the table's columns");
            header_checked = true;
        }
        if let Some(field) = cells
            .first()
            .and_then(|c| c.strip_prefix('`'))
            .and_then(|c| c.strip_suffix('`'))
        {
            assert_eq!(cells.len(), 7, "{line}");
            rows.push((
                field.to_owned(),
                cells[1..].iter().map(|c| c.to_string()).collect(),
            ));
        }
    }
    assert!(
        header_checked,
        "the table has a `| field | anonymous | ADMIN | …` header"
    );
    rows
}

#[test]
fn every_root_field_is_in_the_permission_table() {
    let table: Vec<String> = permission_table()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    let schema = schema_root_fields();
    assert!(schema.len() > 30, "{schema:?}");
    let missing: Vec<&String> = schema.iter().filter(|f| !table.contains(f)).collect();
    assert!(
        missing.is_empty(),
        "root fields missing from docs/permissions.md: {missing:?}"
    );
    let stale: Vec<&String> = table.iter().filter(|f| !schema.contains(f)).collect();
    assert!(
        stale.is_empty(),
        "docs/permissions.md names fields the schema does not have: {stale:?}"
    );
    for (field, answers) in permission_table() {
        for answer in answers {
            assert!(
                answer == "allowed" || answer.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{field}: {answer:?} is `allowed` or an error code"
            );
        }
    }
}

/// What the matrix runs on: a funded programme with its records, a second donor, users.
struct World {
    funded: Funded,
    other_donor: String,
    pledge: String,
    cancellable: String,
    note_for_review: String,
    note_to_withdraw: String,
    indicator: String,
    user: String,
    pending: String,
    area: String,
    area_objectives: Vec<i64>,
    refs: Value,
}

async fn world(app: &TestApp) -> World {
    let funded = funded_programme(app, "5000000.00").await;
    let other_donor = create_donor(app, "Another donor").await;
    let pledge_input = |reference: &str| json!({"input": {"donor": other_donor, "reference": reference, "pledged": {"amount": "1000.00", "currency": "USD"}, "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": reference}});
    let mut pledges = Vec::new();
    for reference in ["MX-PLEDGE", "MX-CANCEL"] {
        let data = app.data(Some(&app.admin()), "mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id } userErrors { message } } }", pledge_input(reference)).await;
        pledges.push(
            data["recordContribution"]["contribution"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let review = submit_note(app, &app.admin(), 4, 6, "ILO", "IOM").await;
    let withdraw = submit_note(app, &app.admin(), 4, 6, "ILO", "IOM").await;
    assert_eq!(review["userErrors"], json!([]), "{review}");
    assert_eq!(withdraw["userErrors"], json!([]), "{withdraw}");
    let indicator = app.data(Some(&app.admin()), "mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { indicator { id } userErrors { message } } }",
        json!({"input": {"jointProgramme": funded.programme, "code": "MX-IND", "level": "OUTCOME", "statement": "Migrants protected", "unit": "people", "baseline": "0", "target": "100"}})).await;
    let user = create_user(app, "matrix-user@example.org", "PARTNER_SYSTEM").await;
    // A committee member's account that user:officer created: user:admin may activate it.
    let pending = app.data(Some(&app.officer()), "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
        json!({"input": {"email": "matrix-pending@example.org", "displayName": "Pending member", "role": "STEERING_COMMITTEE"}})).await;
    let pending = pending["createUser"]["user"]["id"]
        .as_str()
        .expect("a pending account")
        .to_owned();
    let refs = reference_ids(app).await;
    let areas = app
        .data(
            None,
            "{ thematicAreas { id number version objectives { number } } }",
            json!({}),
        )
        .await;
    let first = &areas["thematicAreas"][0];
    World {
        other_donor,
        pledge: pledges[0].clone(),
        cancellable: pledges[1].clone(),
        note_for_review: review["conceptNote"]["id"].as_str().unwrap().to_owned(),
        note_to_withdraw: withdraw["conceptNote"]["id"].as_str().unwrap().to_owned(),
        indicator: indicator["addIndicator"]["indicator"]["id"]
            .as_str()
            .expect("an indicator")
            .to_owned(),
        user,
        pending,
        area: first["id"].as_str().unwrap().to_owned(),
        area_objectives: first["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_i64().unwrap())
            .collect(),
        refs,
        funded,
    }
}

/// A request that runs `field` with minimal valid arguments (for mutations, ones that succeed
/// for a role allowed to run them where practical). `tag` keeps each role's inputs apart.
fn operation(field: &str, w: &World, tag: &str) -> Option<(String, Value)> {
    let f = &w.funded;
    let org = |acronym: &str| {
        crate::fixtures::find(&w.refs["organizations"], "acronym", json!(acronym))["id"].clone()
    };
    let area =
        |n: i64| crate::fixtures::find(&w.refs["thematicAreas"], "number", json!(n))["id"].clone();
    let objective =
        |n: i64| crate::fixtures::find(&w.refs["gcmObjectives"], "number", json!(n))["id"].clone();
    let q = |query: &str| Some((query.to_owned(), json!({})));
    let m = |signature: &str, name: &str, selection: &str, input: Value| {
        Some((
            format!("mutation($input: {signature}!) {{ {name}(input: $input) {{ {selection} }} }}"),
            json!({"input": input}),
        ))
    };
    match field {
        "Query.node" => Some((
            "query($id: ID!) { node(id: $id) { id } }".to_owned(),
            json!({"id": w.area}),
        )),
        "Query.nodes" => Some((
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }".to_owned(),
            json!({"ids": [w.area]}),
        )),
        "Query.viewer" => q("{ viewer { role } }"),
        "Query.thematicAreas" => q("{ thematicAreas { number } }"),
        "Query.gcmObjectives" => q("{ gcmObjectives { number } }"),
        "Query.guidingPrinciples" => q("{ guidingPrinciples { code } }"),
        "Query.countries" => q("{ countries(region: AFRICA) { code } }"),
        "Query.organizations" => q("{ organizations { acronym } }"),
        "Query.donors" => q("{ donors { totalCount } }"),
        "Query.contributions" => q("{ contributions { totalCount } }"),
        "Query.conceptNotes" => q("{ conceptNotes { totalCount } }"),
        "Query.jointProgrammes" => q("{ jointProgrammes { totalCount } }"),
        "Query.steeringCommitteeMeetings" => q("{ steeringCommitteeMeetings { totalCount } }"),
        "Query.decisions" => q("{ decisions { totalCount } }"),
        "Query.portfolio" => q("{ portfolio { totals { depositedUsd } } }"),
        "Query.auditEvents" => q("{ auditEvents(first: 1) { totalCount } }"),
        "Mutation.login" => m(
            "LoginInput",
            "login",
            "token userErrors { code }",
            json!({"email": format!("nobody-{tag}@example.org"), "password": "not a password"}),
        ),
        "Mutation.createUser" => m(
            "CreateUserInput",
            "createUser",
            "user { id } userErrors { code }",
            json!({"email": format!("new-{tag}@example.org"), "displayName": "New", "role": "PARTNER_SYSTEM"}),
        ),
        "Mutation.activateUser" => m(
            "ActivateUserInput",
            "activateUser",
            "user { id } userErrors { code }",
            json!({"user": w.pending}),
        ),
        "Mutation.deactivateUser" => m(
            "DeactivateUserInput",
            "deactivateUser",
            "user { id } userErrors { code }",
            json!({"user": w.user, "expectedVersion": 1}),
        ),
        "Mutation.createDonor" => m(
            "CreateDonorInput",
            "createDonor",
            "donor { id } userErrors { code }",
            json!({"name": format!("Donor {tag}"), "kind": "OTHER"}),
        ),
        "Mutation.updateDonor" => m(
            "UpdateDonorInput",
            "updateDonor",
            "donor { id } userErrors { code }",
            json!({"id": w.other_donor, "expectedVersion": 1, "note": format!("by {tag}")}),
        ),
        "Mutation.recordContribution" => m(
            "RecordContributionInput",
            "recordContribution",
            "contribution { id } userErrors { code }",
            json!({"donor": w.other_donor, "reference": format!("MX-{tag}"), "pledged": {"amount": "10.00", "currency": "USD"}, "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": format!("mx-{tag}")}),
        ),
        "Mutation.signContribution" => m(
            "SignContributionInput",
            "signContribution",
            "contribution { id } userErrors { code }",
            json!({"contribution": w.pledge, "expectedVersion": 1, "signedOn": "2021-02-01"}),
        ),
        "Mutation.cancelContribution" => m(
            "CancelContributionInput",
            "cancelContribution",
            "contribution { id } userErrors { code }",
            json!({"contribution": w.cancellable, "expectedVersion": 1, "reason": "Withdrawn by the donor."}),
        ),
        "Mutation.recordDeposit" => m(
            "RecordDepositInput",
            "recordDeposit",
            "deposit { id } userErrors { code }",
            json!({"contribution": f.contribution, "receivedOn": "2021-03-01", "amount": {"amount": "1.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": format!("deposit-{tag}")}),
        ),
        "Mutation.submitConceptNote" => m(
            "SubmitConceptNoteInput",
            "submitConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({
            "title": format!("Note {tag}"), "summary": "A joint programme.", "scope": "NATIONAL", "countries": ["ZAF"],
            "thematicArea": area(4), "objectives": [objective(6)], "convening": org("ILO"), "participatingOrganizations": [org("IOM")],
            "requestedBudgetUsd": "1000000.00", "durationMonths": 24, "markers": {"gender": 2, "humanRights": 2, "childSensitivity": 1}, "submittedOn": "2021-01-15"}),
        ),
        "Mutation.reviewConceptNote" => m(
            "ReviewConceptNoteInput",
            "reviewConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({"conceptNote": w.note_for_review, "outcome": "RECOMMENDED", "score": 70, "comments": "Sound."}),
        ),
        "Mutation.withdrawConceptNote" => m(
            "WithdrawConceptNoteInput",
            "withdrawConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({"conceptNote": w.note_to_withdraw, "expectedVersion": 1, "reason": "Merged into another note."}),
        ),
        "Mutation.scheduleMeeting" => m(
            "ScheduleMeetingInput",
            "scheduleMeeting",
            "meeting { id } userErrors { code }",
            json!({"heldOn": "2021-09-30", "kind": "MEETING", "title": format!("Meeting {tag}")}),
        ),
        "Mutation.recordDecision" => m(
            "RecordDecisionInput",
            "recordDecision",
            "decision { id } userErrors { code }",
            json!({"meeting": f.meeting, "kind": "DEFERRAL", "subject": w.note_for_review, "rationale": "By consensus."}),
        ),
        "Mutation.createJointProgramme" => m(
            "CreateJointProgrammeInput",
            "createJointProgramme",
            "jointProgramme { id } userErrors { code }",
            json!({"conceptNote": f.note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [{"organization": org("ILO"), "programmableUsd": "10.00"}, {"organization": org("IOM"), "programmableUsd": "10.00"}]}),
        ),
        "Mutation.setJointProgrammeStatus" => m(
            "SetJointProgrammeStatusInput",
            "setJointProgrammeStatus",
            "jointProgramme { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "expectedVersion": 1, "status": "ACTIVE", "reason": "Started."}),
        ),
        "Mutation.recordTransfer" => m(
            "RecordTransferInput",
            "recordTransfer",
            "transfer { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "organization": org("ILO"), "decision": f.funding_decision, "transferredOn": "2021-08-15", "amountUsd": "100.00", "idempotencyKey": format!("transfer-{tag}")}),
        ),
        "Mutation.reportExpenditure" => m(
            "ReportExpenditureInput",
            "reportExpenditure",
            "expenditureReport { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "organization": org("ILO"), "year": 2021, "amountUsd": "1.00", "idempotencyKey": format!("expenditure-{tag}")}),
        ),
        "Mutation.addIndicator" => m(
            "AddIndicatorInput",
            "addIndicator",
            "indicator { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "code": format!("MX-{tag}"), "level": "OUTPUT", "statement": "Officials trained", "unit": "people", "baseline": "0", "target": "10"}),
        ),
        "Mutation.reportIndicatorValue" => m(
            "ReportIndicatorValueInput",
            "reportIndicatorValue",
            "measurement { id } userErrors { code }",
            json!({"indicator": w.indicator, "periodEnd": "2021-12-31", "value": "5", "note": tag}),
        ),
        "Mutation.updateThematicAreaObjectives" => m(
            "UpdateThematicAreaObjectivesInput",
            "updateThematicAreaObjectives",
            "thematicArea { id } userErrors { code }",
            json!({"thematicArea": w.area, "expectedVersion": 1, "objectives": w.area_objectives}),
        ),
        "Subscription.portfolioEvents" => q("subscription { portfolioEvents { kind } }"),
        _ => None,
    }
}

fn token_of(app: &TestApp, role: &str, w: &World) -> Option<String> {
    match role {
        "anonymous" => None,
        "ADMIN" => Some(app.admin()),
        "STEERING_COMMITTEE" => Some(app.committee()),
        "DONOR" => Some(app.donor_token(row_id(&json!(w.funded.donor)), "user:donor")),
        "PUNO" => Some(app.puno_token(row_id(&json!(w.funded.organizations[0])), "user:puno")),
        "PARTNER_SYSTEM" => Some(partner(app)),
        other => panic!("no role {other}"),
    }
}

/// The answer to a subscription: the first error's code, or `allowed` when the stream stays
/// open without one.
async fn subscription_answer(app: &TestApp, token: Option<&str>, query: &str) -> String {
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    let payload = token
        .map(|t| json!({"Authorization": format!("Bearer {t}")}))
        .unwrap_or(json!({}));
    socket
        .send(Message::text(
            json!({"type": "connection_init", "payload": payload}).to_string(),
        ))
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(Duration::from_millis(700), socket.next()).await {
            Err(_) => return "allowed".to_owned(),
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                match message["type"].as_str() {
                    Some("next") if message["payload"].get("errors").is_some() => {
                        return message["payload"]["errors"][0]["extensions"]["code"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned()
                    }
                    Some("error") => {
                        return message["payload"][0]["extensions"]["code"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned()
                    }
                    Some("next") => return "allowed".to_owned(),
                    _ => continue,
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return format!("closed {:?}", frame.map(|f| u16::from(f.code)))
            }
            Ok(_) => return "closed".to_owned(),
        }
    }
}

/// The answer to one request: the first UNAUTHENTICATED or FORBIDDEN, else `allowed` when
/// there is data.
fn answer_of(response: &Value) -> String {
    let codes: Vec<&str> = response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    if let Some(code) = codes
        .iter()
        .find(|c| matches!(**c, "UNAUTHENTICATED" | "FORBIDDEN"))
    {
        return (*code).to_owned();
    }
    if response["data"].is_object() {
        "allowed".to_owned()
    } else {
        format!("no data, errors {codes:?}")
    }
}

on_both! {
    async fn every_root_field_answers_each_role_as_the_table_says(app: TestApp) {
        let w = world(&app).await;
        let table = permission_table();
        let mut mismatches = Vec::new();
        // Refusals first, so that what an allowed role changes does not hide them.
        let order = [0, 3, 4, 5, 2, 1];
        for (field, expected) in &table {
            let Some((query, variables)) = operation(field, &w, "probe") else {
                mismatches.push(format!("{field}: the test has no request for it"));
                continue;
            };
            for &r in &order {
                let role = ROLES[r];
                let token = token_of(&app, role, &w);
                let tag = format!("{}-{}", role.to_lowercase(), field.to_lowercase().replace('.', "-"));
                let (query, variables) = operation(field, &w, &tag).unwrap_or((query.clone(), variables.clone()));
                let before = audit_events(&app).await;
                let answer = if field.starts_with("Subscription.") {
                    subscription_answer(&app, token.as_deref(), &query).await
                } else {
                    answer_of(&app.graphql(token.as_deref(), &query, variables).await)
                };
                if answer != expected[r] {
                    mismatches.push(format!("{field} as {role}: {answer}, the table says {}", expected[r]));
                }
                if expected[r] != "allowed" && audit_events(&app).await != before {
                    mismatches.push(format!("{field} as {role} was refused but wrote an audit event"));
                }
            }
        }
        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------------
// Object-level checks

on_both! {
    async fn a_donor_never_reaches_another_donors_contributions(app: TestApp) {
        let mine = create_donor(&app, "Own donor").await;
        let theirs = create_donor(&app, "Other donor").await;
        let my_pledge = record_contribution(&app, &mine, "OWN-1", "USD", "1000.00", "1", None).await["contribution"]["id"].as_str().unwrap().to_owned();
        let their_pledge = record_contribution(&app, &theirs, "OTHER-1", "USD", "2000.00", "1", None).await["contribution"]["id"].as_str().unwrap().to_owned();
        let their_deposit = record_deposit(&app, &their_pledge, "USD", "500.00", "1", "other-deposit").await["deposit"]["id"].as_str().unwrap().to_owned();
        let token = app.donor_token(row_id(&json!(mine)), "user:own-donor");

        let node = app.graphql(Some(&token), "query($id: ID!) { node(id: $id) { id ... on Contribution { reference } } }", json!({"id": their_pledge})).await;
        assert_eq!(node["errors"][0]["extensions"]["code"], "FORBIDDEN", "{node}");
        assert!(node["data"]["node"].is_null());
        let deposit = app.graphql(Some(&token), "query($id: ID!) { node(id: $id) { id } }", json!({"id": their_deposit})).await;
        assert_eq!(deposit["errors"][0]["extensions"]["code"], "FORBIDDEN", "{deposit}");

        let nodes = app.graphql(Some(&token), "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({"ids": [my_pledge, their_pledge]})).await;
        assert_eq!(nodes["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert!(!nodes["data"].to_string().contains(&their_pledge), "{nodes}");

        let aliased = app.graphql(Some(&token), "query($a: ID!, $b: ID!) { mine: node(id: $a) { id } theirs: node(id: $b) { id } }", json!({"a": my_pledge, "b": their_pledge})).await;
        assert_eq!(aliased["data"]["mine"]["id"], my_pledge.as_str(), "{aliased}");
        assert!(aliased["data"]["theirs"].is_null());
        assert_eq!(aliased["errors"][0]["path"], json!(["theirs"]));
        assert_eq!(aliased["errors"][0]["extensions"]["code"], "FORBIDDEN");

        let nested = app.data(Some(&token), "{ donors { nodes { id contributions { totalCount nodes { id reference } edges { node { id } } } } } }", json!({})).await;
        let seen: Vec<String> = nested["donors"]["nodes"].as_array().unwrap().iter()
            .flat_map(|d| d["contributions"]["nodes"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned())).collect();
        assert_eq!(seen, vec![my_pledge.clone()]);
        assert!(!nested.to_string().contains(&their_pledge));

        let filtered = app.data(Some(&token), "query($d: ID!) { contributions(filter: {donor: $d}) { totalCount nodes { id } } }", json!({"d": theirs})).await;
        assert_eq!(filtered["contributions"]["totalCount"], 0);

        // Subscriptions: only events about its own contributions reach a donor.
        let url = app.address.replace("http://", "ws://") + "/graphql";
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        socket.send(Message::text(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}).to_string())).await.unwrap();
        socket.send(Message::text(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { portfolioEvents(kinds: [DEPOSIT]) { kind subject } }"}}).to_string())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        record_deposit(&app, &their_pledge, "USD", "100.00", "1", "other-deposit-2").await;
        record_deposit(&app, &my_pledge, "USD", "100.00", "1", "own-deposit").await;
        let mut received = Vec::new();
        while let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "next" {
                    received.push(value["payload"].clone());
                    if received.len() == 1 {
                        // Give a wrongly delivered second event the chance to arrive.
                        continue;
                    }
                }
            }
        }
        assert_eq!(received.len(), 1, "{received:?}");
        assert!(received[0]["data"]["portfolioEvents"]["kind"] == "DEPOSIT", "{received:?}");
        assert!(!received.iter().any(|r| r.to_string().contains(&their_pledge)));
    }
}

// ---------------------------------------------------------------------------------------------
// graphql-cop's probes against the production profile: each must find nothing.

on_both! {
    production,
    async fn graphql_cop_probes_find_nothing_in_production(app: TestApp) {
        // Alias overloading (101 aliases).
        let aliases: String = (0..101).map(|i| format!("alias{i}:__typename \n")).collect();
        let r = post_json(&app, None, &json!({"query": format!("query {{ {aliases} }}")})).await;
        assert!(r.body["data"]["alias100"].is_null(), "alias overloading: {}", r.body);
        assert_eq!(r.code(), "TOO_MANY_ALIASES");

        // Batch of 10 (graphql-cop sends 11).
        let batch: Vec<Value> = (0..11).map(|_| json!({"query": "query { __typename }"})).collect();
        let r = post_json(&app, None, &json!(batch)).await;
        assert!(!r.body.is_array(), "batching: {}", r.body);
        assert_eq!(r.code(), "BATCH_NOT_SUPPORTED");

        // 500 duplicated fields.
        let r = post_json(&app, None, &json!({"query": format!("query {{ {}}} ", "__typename \n".repeat(500))})).await;
        assert!(r.body["data"]["__typename"].is_null(), "field duplication: {}", r.body);

        // Directive overloading: one refusal, not one error per directive.
        let r = post_json(&app, None, &json!({"query": "query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"})).await;
        assert_ne!(r.body["errors"].as_array().map(Vec::len), Some(10), "directive overloading: {}", r.body);
        assert_eq!(r.code(), "TOO_MANY_DIRECTIVES");

        // Circular introspection, and introspection, without the ADMIN role.
        let r = post_json(&app, None, &json!({"query": "query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }"})).await;
        assert!(r.body["data"]["__schema"].is_null(), "circular introspection: {}", r.body);
        let r = post_json(&app, Some(&partner(&app)), &json!({"query": "query { __schema { types { name fields { name } } } }"})).await;
        assert!(r.body["data"]["__schema"].is_null(), "introspection: {}", r.body);
        // Even ADMIN cannot run the circular query: it is too deep.
        let r = post_with(&app, &app.admin(), "query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }").await;
        assert_eq!(r.code(), "QUERY_TOO_DEEP");

        // GET queries and GET mutations.
        let r = Raw::from(app.client.get(format!("{}/graphql", app.address)).query(&[("query", "{__typename}")]).send().await.unwrap()).await;
        assert!(r.body["data"]["__typename"].is_null(), "GET query: {}", r.body);
        let r = Raw::from(app.client.get(format!("{}/graphql", app.address)).query(&[("query", "mutation {__typename}")]).send().await.unwrap()).await;
        assert!(r.body["data"]["__typename"].is_null(), "GET mutation: {}", r.body);
        assert_eq!(r.status, 405);

        // URL-encoded POST (a form a foreign site could submit), and other non-JSON bodies.
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", "query=query+%7B__typename%7D".to_owned()),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{__typename}\r\n--x--\r\n".to_owned()),
            ("text/plain", "{\"query\": \"{__typename}\"}".to_owned()),
        ] {
            let r = Raw::from(app.client.post(format!("{}/graphql", app.address)).header("Content-Type", content_type).body(body).send().await.unwrap()).await;
            assert!(r.body["data"]["__typename"].is_null(), "{content_type}: {}", r.body);
            assert_eq!(r.status, 415);
        }
        let r = Raw::from(app.client.post(format!("{}/graphql", app.address)).query(&[("query", "query {__typename}")]).send().await.unwrap()).await;
        assert!(r.body["data"]["__typename"].is_null(), "POST with the query in the URL: {}", r.body);

        // Field suggestions.
        let r = post_json(&app, None, &json!({"query": "query { __schema { directive } }"})).await;
        assert!(!r.body.to_string().contains("Did you mean"), "field suggestions: {}", r.body);
        let r = post_json(&app, Some(&app.admin()), &json!({"query": "query { donrs { totalCount } }"})).await;
        assert!(!r.body.to_string().contains("Did you mean"), "field suggestions: {}", r.body);

        // GraphiQL and other IDEs.
        for path in ["/", "/graphiql", "/playground", "/console", "/graphql"] {
            let r = app.client.get(format!("{}{path}", app.address)).header("Accept", "text/html").send().await.unwrap();
            let text = r.text().await.unwrap();
            assert!(!["graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground"].iter().any(|w| text.contains(w)), "an IDE at {path}");
        }

        // Detailed errors: no exception, stack or trace in any error.
        let r = post_json(&app, None, &json!({"query": "qwerty cop { abc }"})).await;
        assert_eq!(r.code(), "GRAPHQL_PARSE_FAILED", "{}", r.body);
        let text = r.body.to_string();
        assert!(!text.contains("exception") && !text.contains("stacktrace") && !text.contains("tracing"), "detailed errors: {text}");
        assert!(r.body["errors"][0]["extensions"].get("exception").is_none());
        // Trace mode: no tracing extension in responses.
        let r = post_json(&app, None, &json!({"query": "{ __typename }"})).await;
        assert!(r.body.get("extensions").is_none_or(|e| e.get("tracing").is_none()));
    }
}
