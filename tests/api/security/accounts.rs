//! Accounts and login

use super::*;

const PASSWORD: &str = "correct horse battery staple";

/// Creates a user with a password and returns its global id; an ADMIN or STEERING_COMMITTEE
/// account is activated by a second administrator.
pub(super) async fn create_user(app: &TestApp, email: &str, role: &str) -> String {
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
