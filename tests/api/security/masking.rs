//! Error masking

use super::*;

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
