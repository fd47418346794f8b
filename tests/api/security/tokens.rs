//! Tokens

use super::*;

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

pub(super) async fn viewer(app: &TestApp, token: &str) -> Raw {
    post_with(app, token, "{ viewer { role subject } }").await
}

pub(super) async fn assert_refused(app: &TestApp, token: &str, what: &str) {
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
