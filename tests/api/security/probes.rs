//! graphql-cop's probes against the production profile: each must find nothing.

use super::*;

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

        // URL-encoded POST (a form a foreign site could submit), and other non-JSON bodies. A
        // multipart body is a document upload (docs/documents.md): without a bearer token,
        // which a foreign site's form cannot send, it is refused before it is read, even as a
        // well-formed GraphQL multipart request.
        let operations = "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{__typename}\"}\r\n--x\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--x--\r\n";
        for (content_type, body, status) in [
            ("application/x-www-form-urlencoded", "query=query+%7B__typename%7D".to_owned(), 415),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{__typename}\r\n--x--\r\n".to_owned(), 401),
            ("multipart/form-data; boundary=x", operations.to_owned(), 401),
            ("text/plain", "{\"query\": \"{__typename}\"}".to_owned(), 415),
        ] {
            let r = Raw::from(app.client.post(format!("{}/graphql", app.address)).header("Content-Type", content_type).body(body).send().await.unwrap()).await;
            assert!(r.body["data"]["__typename"].is_null(), "{content_type}: {}", r.body);
            assert_eq!(r.status, status, "{content_type}: {}", r.body);
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
