//! Query limits

use super::*;

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
