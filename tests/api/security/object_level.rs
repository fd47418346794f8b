//! Object-level checks

use super::*;

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
