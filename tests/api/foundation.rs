//! The foundation: reference data, exact money, roles and tokens, loaders, the schema file.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use mptf::auth::Principal;
use mptf::domain::Role;
use serde_json::json;

on_both! {
    async fn reference_data_is_public_and_complete(app: TestApp) {
        let data = app.data(None, "{ thematicAreas { number name objectives { number } } guidingPrinciples { code } countries { code } }", json!({})).await;
        let areas = data["thematicAreas"].as_array().unwrap();
        assert_eq!(areas.len(), 5);
        let mut objectives: Vec<i64> = areas.iter().flat_map(|a| a["objectives"].as_array().unwrap().iter().map(|o| o["number"].as_i64().unwrap())).collect();
        objectives.sort();
        assert_eq!(objectives, (1..=23).collect::<Vec<_>>());
        assert_eq!(data["guidingPrinciples"].as_array().unwrap().len(), 10);
        assert!(data["countries"].as_array().unwrap().len() >= 240, "all ISO 3166 countries");
    }
}

on_both! {
    async fn anonymous_callers_read_totals_but_not_records(app: TestApp) {
        let data = app.data(None, "{ portfolio { totals { depositedUsd } } }", json!({})).await;
        assert_eq!(data["portfolio"]["totals"]["depositedUsd"], "0.00");
        assert_eq!(app.error_code(None, "{ donors { totalCount } }", json!({})).await, "UNAUTHENTICATED");
        assert_eq!(app.error_code(None, "{ portfolio { byThematicArea { approvedUsd } } }", json!({})).await, "UNAUTHENTICATED");
    }
}

on_both! {
    async fn money_is_exact_end_to_end(app: TestApp) {
        let donor = create_donor(&app, "Exactness").await;
        let contribution = record_contribution(&app, &donor, "EXACT-1", "USD", "0.90", "1", None).await;
        let contribution = contribution["contribution"]["id"].as_str().unwrap().to_owned();
        for (i, amount) in ["0.10", "0.20", "0.10", "0.20", "0.10", "0.20"].iter().enumerate() {
            let deposit = record_deposit(&app, &contribution, "USD", amount, "1", &format!("exact-{i}")).await;
            assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
        }
        let data = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on Contribution { status depositedUsd deposited { amount } outstanding { amount } } } portfolio { totals { depositedUsd } } }", json!({"id": contribution})).await;
        assert_eq!(data["node"]["depositedUsd"], "0.90");
        assert_eq!(data["node"]["deposited"]["amount"], "0.90");
        assert_eq!(data["node"]["outstanding"]["amount"], "0.00");
        assert_eq!(data["node"]["status"], "FULLY_DEPOSITED");
        assert_eq!(data["portfolio"]["totals"]["depositedUsd"], "0.90");
    }
}

on_both! {
    async fn decimals_travel_as_strings_only(app: TestApp) {
        let response = app
            .graphql(Some(&app.admin()), "mutation($input: RecordDepositInput!) { recordDeposit(input: $input) { userErrors { code } } }",
                json!({"input": {"contribution": "x", "receivedOn": "2021-01-01", "amount": {"amount": 0.1, "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": "k"}}))
            .await;
        assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{response}");
    }
}

on_both! {
    async fn a_donor_reads_its_own_pledges_only(app: TestApp) {
        let mine = create_donor(&app, "Mine").await;
        let theirs = create_donor(&app, "Theirs").await;
        let my_pledge = record_contribution(&app, &mine, "MINE-1", "EUR", "1000000", "0.85", None).await["contribution"]["id"].clone();
        let their_pledge = record_contribution(&app, &theirs, "THEIRS-1", "EUR", "2000000", "0.85", None).await["contribution"]["id"].clone();
        let token = app.donor_token(row_id(&json!(mine)), "user:donor");

        let list = app.data(Some(&token), "{ contributions { totalCount nodes { id } } }", json!({})).await;
        assert_eq!(list["contributions"]["totalCount"], 1);
        assert_eq!(list["contributions"]["nodes"][0]["id"], my_pledge);

        assert_eq!(app.error_code(Some(&token), "query($id: ID!) { node(id: $id) { id } }", json!({"id": their_pledge})).await, "FORBIDDEN");
        let nodes = app.graphql(Some(&token), "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({"ids": [my_pledge, their_pledge]})).await;
        assert_eq!(nodes["errors"][0]["extensions"]["code"], "FORBIDDEN");

        let totals = app.graphql(Some(&token), "query($id: ID!) { node(id: $id) { ... on Donor { totals { depositedUsd pledgedUsd } contributions { totalCount } } } }", json!({"id": theirs})).await;
        assert_eq!(totals["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(totals["errors"][0]["path"], json!(["node", "totals", "pledgedUsd"]));
        let deposited = app.data(Some(&token), "query($id: ID!) { node(id: $id) { ... on Donor { totals { depositedUsd } contributions { totalCount } } } }", json!({"id": theirs})).await;
        assert_eq!(deposited["node"]["totals"]["depositedUsd"], "0.00");
        assert_eq!(deposited["node"]["contributions"]["totalCount"], 0);

        let own = app.data(Some(&token), "query($id: ID!) { node(id: $id) { ... on Donor { totals { pledgedUsd } } } }", json!({"id": mine})).await;
        assert_eq!(own["node"]["totals"]["pledgedUsd"], "1176470.59");
    }
}

on_both! {
    async fn bad_tokens_are_unauthenticated(app: TestApp) {
        let expired = app.tokens.issue(&Principal { subject: "user:1".into(), role: Role::Admin, chair: false, donor_id: None, organization_id: None }, chrono::Duration::minutes(-5)).unwrap();
        let foreign = mptf::auth::Tokens::new(b"another secret, also 32 bytes or more!!").unwrap().issue(&Principal { subject: "user:1".into(), role: Role::Admin, chair: false, donor_id: None, organization_id: None }, chrono::Duration::minutes(5)).unwrap();
        for token in [expired.as_str(), foreign.as_str(), "not-a-token"] {
            let response = app.client.post(format!("{}/graphql", app.address)).bearer_auth(token).json(&json!({"query": "{ viewer { role } }"})).send().await.unwrap();
            assert_eq!(response.status(), 401);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        }
    }
}

on_both! {
    async fn mutations_are_refused_over_get(app: TestApp) {
        let url = format!("{}/graphql?query={}", app.address, "mutation%20%7B%20login(input%3A%20%7Bemail%3A%20%22a%40b.c%22%2C%20password%3A%20%22x%22%7D)%20%7B%20token%20%7D%20%7D");
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 405);
        let query = app.client.get(format!("{}/graphql?query=%7B%20thematicAreas%20%7B%20number%20%7D%20%7D", app.address)).send().await.unwrap();
        assert_eq!(query.status(), 200);
    }
}

// A page of programmes with their organizations, countries, budget lines, financials and
// indicators costs the same number of statements whatever its size.
on_both! {
    async fn nested_fields_load_in_a_fixed_number_of_statements(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let query = "query($first: Int!) { jointProgrammes(first: $first) { totalCount nodes { code convening { acronym } participatingOrganizations { acronym } countries { code region }
            thematicArea { number } objectives { number } guidingPrinciples { code } budgetLines { organization { acronym } totalUsd }
            financials { transferredUsd deliveryRate } indicators { code latest { value } progress } } } }";
        app.until_quiet().await;
        let mut counts = Vec::new();
        for first in [1, 5, 12] {
            let response = app.graphql(Some(&app.admin()), query, json!({"first": first})).await;
            assert!(response.get("errors").is_none(), "{response}");
            assert_eq!(response["data"]["jointProgrammes"]["nodes"].as_array().unwrap().len(), first as usize);
            counts.push(response["extensions"]["sqlStatements"].as_u64().unwrap());
        }
        assert_eq!(counts[0], counts[1], "statements per page size: {counts:?}");
        assert_eq!(counts[1], counts[2], "statements per page size: {counts:?}");
    }
}

#[test]
fn the_committed_schema_is_the_served_schema() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(
        committed,
        mptf::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

on_both! {
    async fn the_demo_portfolio_has_the_reports_figures(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let data = app.data(Some(&app.admin()), "{ portfolio { totals { depositedUsd } fundingGapUsd pipelineFunnel { status count } }
            donors { totalCount } conceptNotes { totalCount } jointProgrammes { totalCount nodes { participatingOrganizations { acronym } } } }", json!({})).await;
        assert_eq!(data["portfolio"]["totals"]["depositedUsd"], "30000000.00");
        assert_eq!(data["portfolio"]["fundingGapUsd"], "40000000.00");
        assert_eq!(data["donors"]["totalCount"], 12);
        assert_eq!(data["conceptNotes"]["totalCount"], 113);
        assert_eq!(data["jointProgrammes"]["totalCount"], 12);
        let funnel = &data["portfolio"]["pipelineFunnel"];
        assert_eq!(find(funnel, "status", json!("FUNDED"))["count"], 12);
        // 34 identified for the pipeline, 10 of them ready for implementation: they wait there
        // for money rather than hold funding decisions the fund cannot cover.
        assert!(funnel.as_array().unwrap().iter().all(|s| s["status"] != "APPROVED" || s["count"] == 0), "{funnel}");
        assert_eq!(find(funnel, "status", json!("PIPELINE"))["count"], 34);
        let mut organizations: Vec<String> = data["jointProgrammes"]["nodes"].as_array().unwrap().iter()
            .flat_map(|p| p["participatingOrganizations"].as_array().unwrap().iter().map(|o| o["acronym"].as_str().unwrap().to_owned())).collect();
        organizations.sort();
        organizations.dedup();
        assert_eq!(organizations.len(), 12, "{organizations:?}");
        // Every line of the Gateway's sources and uses has a value but direct costs (which need
        // a decision on the fund's own budget, a kind the vocabulary does not have yet).
        let books = app.data(Some(&app.admin()), "{ portfolio { sourcesAndUses { contributionsUsd fundInterestUsd organizationInterestUsd otherIncomeUsd
            transferredUsd refundsUsd agentFeesUsd bankChargesUsd directCostsUsd } }
            jointProgrammes(first: 20) { nodes { code budgetRevisions { amountUsd } indicators { target } } } }", json!({})).await;
        let lines = books["portfolio"]["sourcesAndUses"].as_object().unwrap();
        for (line, value) in lines {
            if line != "directCostsUsd" {
                assert_ne!(value, "0.00", "{line}: {lines:?}");
            }
        }
        let programmes = books["jointProgrammes"]["nodes"].as_array().unwrap();
        assert!(programmes.iter().any(|p| !p["budgetRevisions"].as_array().unwrap().is_empty()), "a budget revision");
        let mut targets: Vec<String> = programmes.iter().flat_map(|p| p["indicators"].as_array().unwrap().iter().map(|i| i["target"].to_string())).collect();
        targets.sort();
        targets.dedup();
        assert!(targets.len() > 4, "indicators differ between programmes: {targets:?}");
        // Coherent: no decision at a meeting held before its note was submitted.
        let mut after: Option<String> = None;
        loop {
            let page = app.data(Some(&app.admin()), "query($after: String) { conceptNotes(first: 50, after: $after) { pageInfo { hasNextPage endCursor }
                nodes { reference submittedOn decisions { kind meeting { heldOn } } } } }", json!({"after": after})).await;
            for note in page["conceptNotes"]["nodes"].as_array().unwrap() {
                for decision in note["decisions"].as_array().unwrap() {
                    let held_on = decision["meeting"]["heldOn"].as_str().unwrap();
                    assert!(held_on >= note["submittedOn"].as_str().unwrap(), "{note}");
                }
            }
            if page["conceptNotes"]["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = page["conceptNotes"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
    }
}

on_both! {
    async fn filters_never_widen_what_a_caller_reads(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let donor = app.donor_token(1, "user:donor");
        let query = "query($s: [ConceptNoteStatus!]) { conceptNotes(filter: {status: $s, search: \"in\"}) { totalCount } }";
        for status in ["SUBMITTED", "UNDER_REVIEW", "SCREENED_OUT", "REJECTED", "WITHDRAWN"] {
            let data = app.data(Some(&donor), query, json!({"s": [status]})).await;
            assert_eq!(data["conceptNotes"]["totalCount"], 0, "a donor reads no {status} note");
        }
        let all = app.data(Some(&app.admin()), query, json!({"s": ["SUBMITTED"]})).await;
        assert!(all["conceptNotes"]["totalCount"].as_i64().unwrap() > 0);
        // A PUNO also reads its own organization's notes in any status.
        let iom = organization_id(&app, "IOM").await;
        let puno = app.puno_token(row_id(&json!(iom)), "user:iom");
        let own = app.data(Some(&puno), "query($o: ID) { conceptNotes(filter: {status: [SUBMITTED, UNDER_REVIEW, SCREENED_OUT]}) { nodes { participatingOrganizations { id } } } mine: conceptNotes(filter: {organization: $o, status: [SUBMITTED]}) { totalCount } }", json!({"o": iom})).await;
        let own_notes = own["conceptNotes"]["nodes"].as_array().unwrap();
        assert!(!own_notes.is_empty(), "the demo has IOM notes before the pipeline: {own}");
        for note in own_notes {
            assert!(note["participatingOrganizations"].as_array().unwrap().iter().any(|o| o["id"] == json!(iom)));
        }
    }
}
