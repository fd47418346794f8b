//! The production profile

use super::*;

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
