//! Dashboards and live events: the portfolio computed in the database, consistent with the
//! detail records for every role, and subscriptions over WebSocket, across processes.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use futures::{SinkExt, StreamExt};
use mptf::domain::Role;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

fn cents(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a decimal string: {value}"));
    let (units, fraction) = text.split_once('.').unwrap_or((text, "00"));
    units.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

on_both! {
    async fn the_portfolio_narrows_to_an_area_a_region_and_a_period(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let token = app.admin();
        let refs = reference_ids(&app).await;
        let area4 = find(&refs["thematicAreas"], "number", json!(4))["id"].clone();
        let data = app.data(Some(&token), "query($area: ID!) {
            all: portfolio { totals { approvedUsd } }
            area: portfolio(thematicArea: $area) { totals { approvedUsd transferredUsd } byThematicArea { area { number } approvedUsd } }
            africa: portfolio(region: AFRICA) { totals { approvedUsd } byRegion { region programmeCount } }
            y2020: portfolio(from: \"2020-01-01\", to: \"2020-12-31\") { totals { depositedUsd } contributionsOverTime(interval: QUARTER) { period depositedUsd } }
            programmes: jointProgrammes(filter: {thematicArea: $area}, first: 100) { nodes { approvedBudgetUsd financials { transferredUsd } } }
            african: jointProgrammes(filter: {region: AFRICA}, first: 100) { nodes { approvedBudgetUsd } }
        }", json!({"area": area4})).await;
        let programmes = data["programmes"]["nodes"].as_array().unwrap();
        assert!(!programmes.is_empty());
        assert_eq!(cents(&data["area"]["totals"]["approvedUsd"]), programmes.iter().map(|p| cents(&p["approvedBudgetUsd"])).sum::<i64>());
        assert_eq!(cents(&data["area"]["totals"]["transferredUsd"]), programmes.iter().map(|p| cents(&p["financials"]["transferredUsd"])).sum::<i64>());
        assert_eq!(data["area"]["byThematicArea"].as_array().unwrap().len(), 1);
        let african = data["african"]["nodes"].as_array().unwrap();
        assert_eq!(cents(&data["africa"]["totals"]["approvedUsd"]), african.iter().map(|p| cents(&p["approvedBudgetUsd"])).sum::<i64>());
        assert_eq!(data["africa"]["byRegion"][0]["programmeCount"], json!(african.len()));
        assert!(cents(&data["all"]["totals"]["approvedUsd"]) > cents(&data["area"]["totals"]["approvedUsd"]));
        // The demo's 2020 deposits: the UK, the Netherlands, Norway, Denmark and Spain.
        assert_eq!(data["y2020"]["totals"]["depositedUsd"], "13000000.00");
        assert!(data["y2020"]["contributionsOverTime"].as_array().unwrap().iter().all(|p| p["period"].as_str().unwrap().starts_with("2020-Q")));
    }
}

on_both! {
    async fn a_donor_reads_its_own_statement_only(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let donors = app.data(Some(&app.admin()), "{ donors(first: 100) { nodes { id name } } }", json!({})).await;
        let uk = find(&donors["donors"]["nodes"], "name", json!("United Kingdom"))["id"].clone();
        let germany = find(&donors["donors"]["nodes"], "name", json!("Germany"))["id"].clone();
        let token = app.donor_token(row_id(&uk), "user:uk");
        let statement = app.data(Some(&token), "query($id: ID!) { node(id: $id) { ... on Donor { statement {
            byCurrency { pledged { amount currency } signed { amount } deposited { amount } }
            pledgedUsd committedUsd depositedUsd administrativeAgentFeesUsd netDepositedUsd unearmarkedNetDepositedUsd
            earmarks { area { number } netDepositedUsd poolNetDepositedUsd poolTransferredUsd usedShare programmes { code } } } } } }", json!({"id": uk})).await;
        let s = &statement["node"]["statement"];
        assert_eq!(s["byCurrency"][0]["pledged"], json!({"amount": "3000000.00", "currency": "GBP"}));
        assert_eq!(s["depositedUsd"], "4000000.00");
        assert_eq!(s["administrativeAgentFeesUsd"], "40000.00");
        assert_eq!(s["netDepositedUsd"], "3960000.00");
        assert_eq!(s["unearmarkedNetDepositedUsd"], "0.00");
        assert_eq!(s["earmarks"][0]["area"]["number"], 4);
        assert_eq!(s["earmarks"][0]["netDepositedUsd"], "3960000.00");
        assert!(!s["earmarks"][0]["programmes"].as_array().unwrap().is_empty());
        let forbidden = app.graphql(Some(&token), "query($id: ID!) { node(id: $id) { ... on Donor { statement { depositedUsd } } } }", json!({"id": germany})).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert_eq!(forbidden["errors"][0]["path"], json!(["node", "statement"]));
    }
}

/// Opens a `graphql-transport-ws` connection and sends `connection_init` with `payload`.
pub(crate) async fn websocket(
    app: &TestApp,
    payload: Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
        .send(Message::text(
            json!({"type": "connection_init", "payload": payload}).to_string(),
        ))
        .await
        .unwrap();
    socket
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next protocol message other than a ping, or None on close / timeout.
pub(crate) async fn next_message(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Message::Close(frame) => {
                return Some(json!({"type": "close", "code": frame.map(|f| u16::from(f.code))}))
            }
            _ => continue,
        }
    }
}

pub(crate) async fn subscribe(app: &TestApp, token: &str) -> Socket {
    let mut socket = websocket(app, json!({"Authorization": format!("Bearer {token}")})).await;
    assert_eq!(
        next_message(&mut socket, Duration::from_secs(5))
            .await
            .unwrap()["type"],
        "connection_ack"
    );
    socket
        .send(Message::text(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { portfolioEvents { kind subject summary } }"}}).to_string()))
        .await
        .unwrap();
    // Let the subscription register before anything happens.
    tokio::time::sleep(Duration::from_millis(300)).await;
    socket
}

on_both! {
    async fn subscribers_see_committed_events_they_may_read(app: TestApp) {
        let mine = create_donor(&app, "Subscriber donor").await;
        let theirs = create_donor(&app, "Other donor").await;
        let mut admin = subscribe(&app, &app.admin()).await;
        let mut donor = subscribe(&app, &app.donor_token(row_id(&json!(mine)), "user:donor")).await;

        // Another donor's pledge: the staff see it, the donor does not.
        let pledge = record_contribution(&app, &theirs, "SUB-1", "USD", "1000", "1", None).await;
        let pledge_id = pledge["contribution"]["id"].clone();
        let event = next_message(&mut admin, Duration::from_secs(5)).await.expect("an event");
        assert_eq!(event["type"], "next");
        assert_eq!(event["payload"]["data"]["portfolioEvents"]["kind"], "CONTRIBUTION");
        assert_eq!(event["payload"]["data"]["portfolioEvents"]["subject"], pledge_id);

        // A refused write (a deposit above the agreement) emits nothing.
        let refused = record_deposit(&app, pledge_id.as_str().unwrap(), "USD", "5000", "1", "too-much").await;
        assert_eq!(refused["userErrors"][0]["code"], "VALIDATION");

        // The donor's own pledge reaches both.
        let own = record_contribution(&app, &mine, "SUB-2", "USD", "2000", "1", None).await;
        let own_id = own["contribution"]["id"].clone();
        let seen_by_donor = next_message(&mut donor, Duration::from_secs(5)).await.expect("the donor's own event");
        assert_eq!(seen_by_donor["payload"]["data"]["portfolioEvents"]["subject"], own_id, "the donor saw only its own pledge: {seen_by_donor}");
        let seen_by_admin = next_message(&mut admin, Duration::from_secs(5)).await.expect("the second event");
        assert_eq!(seen_by_admin["payload"]["data"]["portfolioEvents"]["subject"], own_id, "no event for the refused deposit");
    }
}

on_both! {
    async fn a_bad_token_closes_the_connection_with_4403(app: TestApp) {
        let mut socket = websocket(&app, json!({"Authorization": "Bearer not-a-token"})).await;
        let message = next_message(&mut socket, Duration::from_secs(5)).await.unwrap();
        assert_eq!(message, json!({"type": "close", "code": 4403}));
    }
}

/// Two servers on one PostgreSQL database: an event committed through one reaches a subscriber
/// of the other (LISTEN/NOTIFY). Each server has its own pool, event bus and listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_processes_on_postgres() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let first = TestApp::spawn_on(&database).await;
    let second = TestApp::spawn_on(&database).await;
    let mut socket = subscribe(&first, &first.admin()).await;
    let donor = create_donor(&second, "Across processes").await;
    let pledge = record_contribution(&second, &donor, "CROSS-1", "USD", "1000", "1", None).await;
    let event = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("the event crossed");
    assert_eq!(
        event["payload"]["data"]["portfolioEvents"]["subject"],
        pledge["contribution"]["id"]
    );
}

/// A random portfolio built through the mutations: every figure of `portfolio` equals the sum of
/// the detail records the same caller can read, for every role.
mod consistency {
    use super::*;
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    #[derive(Debug, Clone)]
    struct Plan {
        /// (currency, amount in whole units, rate, earmark area or 0, deposit share in percent)
        contributions: Vec<(&'static str, u32, &'static str, i64, u32)>,
        /// Transfer amounts per programme line, in whole dollars.
        transfers: Vec<u32>,
        /// Expenditure share of each transfer, in percent.
        spend: u32,
    }

    fn plans() -> impl Strategy<Value = Plan> {
        let currency = proptest::sample::select(vec![
            ("USD", "1"),
            ("EUR", "0.8"),
            ("JPY", "110"),
            ("GBP", "0.75"),
        ]);
        let contribution = (
            currency,
            1_000u32..3_000_000,
            proptest::sample::select(vec![0i64, 0, 4, 3]),
            0u32..=100,
        )
            .prop_map(|((c, r), amount, area, share)| (c, amount, r, area, share));
        (
            proptest::collection::vec(contribution, 1..5),
            proptest::collection::vec(1u32..1_200_000, 0..4),
            0u32..=100,
        )
            .prop_map(|(contributions, transfers, spend)| Plan {
                contributions,
                transfers,
                spend,
            })
    }

    async fn build(app: &TestApp, plan: &Plan) {
        let funded = funded_programme(app, "2500000.00").await;
        for (i, (currency, amount, rate, area, share)) in plan.contributions.iter().enumerate() {
            let donor = create_donor(app, &format!("Random donor {i}")).await;
            let refs = reference_ids(app).await;
            let area_id = (*area > 0).then(|| {
                find(&refs["thematicAreas"], "number", json!(area))["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            });
            let recorded = record_contribution(
                app,
                &donor,
                &format!("RND-{i}"),
                currency,
                &amount.to_string(),
                rate,
                area_id.as_deref(),
            )
            .await;
            let id = recorded["contribution"]["id"].as_str().unwrap().to_owned();
            let deposit = u64::from(*amount) * u64::from(*share) / 100;
            if deposit > 0 {
                let deposited = record_deposit(
                    app,
                    &id,
                    currency,
                    &deposit.to_string(),
                    rate,
                    &format!("rnd-deposit-{i}"),
                )
                .await;
                assert_eq!(deposited["userErrors"], json!([]), "{deposited}");
            }
        }
        let officer = app.officer();
        for (i, amount) in plan.transfers.iter().enumerate() {
            let organization = &funded.organizations[i % 2];
            let result = transfer(
                app,
                &officer,
                &funded,
                organization,
                &format!("{amount}.00"),
                &format!("rnd-transfer-{i}"),
            )
            .await;
            if result["userErrors"] == json!([]) {
                let spent = u64::from(*amount) * u64::from(plan.spend) / 100;
                let puno = app.puno_token(row_id(&json!(organization)), &format!("puno:{i}"));
                // A tenth of what the organization did not spend comes back, on every other
                // transfer.
                let unspent = u64::from(*amount) - spent;
                if i % 2 == 0 && unspent >= 10 {
                    let refunded = app.data(Some(&app.admin()), "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { userErrors { code field message } } }",
                        json!({"input": {"jointProgramme": funded.programme, "organization": organization, "refundedOn": "2023-12-31", "amountUsd": format!("{}.00", unspent / 10), "idempotencyKey": format!("rnd-refund-{i}")}}))
                        .await;
                    assert_eq!(
                        refunded["recordRefund"]["userErrors"],
                        json!([]),
                        "{refunded}"
                    );
                }
                if spent > 0 {
                    let reported = app
                        .data(Some(&puno), "mutation($input: ReportExpenditureInput!) { reportExpenditure(input: $input) { userErrors { code field message } } }",
                            json!({"input": {"jointProgramme": funded.programme, "year": 2021 + i as i32 % 3, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": format!("{spent}.00")}], "idempotencyKey": format!("rnd-spend-{i}")}}))
                        .await;
                    assert_eq!(
                        reported["reportExpenditure"]["userErrors"],
                        json!([]),
                        "{reported}"
                    );
                }
            }
        }
    }

    /// The fund's own income and costs: interest, other income, a bank charge (refused only when
    /// the unearmarked money the committee has not allocated does not cover it).
    async fn fund_movements(app: &TestApp, plan: &Plan) {
        let admin = app.admin();
        let interest = app.data(Some(&admin), "mutation($input: RecordInterestInput!) { recordInterest(input: $input) { userErrors { code message } } }",
            json!({"input": {"source": "FUND", "receivedOn": "2022-12-31", "amountUsd": format!("{}.17", plan.spend * 37), "idempotencyKey": "rnd-interest"}})).await;
        assert_eq!(
            interest["recordInterest"]["userErrors"],
            json!([]),
            "{interest}"
        );
        let income = app.data(Some(&admin), "mutation($input: RecordOtherIncomeInput!) { recordOtherIncome(input: $input) { userErrors { code message } } }",
            json!({"input": {"receivedOn": "2022-06-30", "amountUsd": "250.05", "description": "Exchange gain", "idempotencyKey": "rnd-income"}})).await;
        assert_eq!(
            income["recordOtherIncome"]["userErrors"],
            json!([]),
            "{income}"
        );
        let charge = app.data(Some(&admin), "mutation($input: RecordDirectCostInput!) { recordDirectCost(input: $input) { userErrors { code message } } }",
            json!({"input": {"kind": "BANK_CHARGE", "incurredOn": "2022-06-30", "amountUsd": "120.40", "description": "Bank charges", "idempotencyKey": "rnd-charge"}})).await;
        let refused = &charge["recordDirectCost"]["userErrors"];
        assert!(
            refused == &json!([]) || refused[0]["code"] == "INSUFFICIENT_FUNDS",
            "{charge}"
        );
    }

    /// Every ledger entry the caller reads, as (line, cents).
    async fn readable_entries(app: &TestApp, token: &str) -> Vec<(String, i64)> {
        let mut entries = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app.data(Some(token), "query($after: String) { ledgerEntries(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { countsAs amountUsd } } }", json!({"after": after})).await;
            let page = &page["ledgerEntries"];
            for entry in page["nodes"].as_array().unwrap() {
                entries.push((
                    entry["countsAs"].as_str().unwrap().to_owned(),
                    cents(&entry["amountUsd"]),
                ));
            }
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                return entries;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }

    const BOOKS: &str = "query($area: ID) { portfolio(thematicArea: $area) {
        sourcesAndUses { contributionsUsd fundInterestUsd organizationInterestUsd otherIncomeUsd totalSourcesUsd transferredUsd refundsUsd netTransferredUsd agentFeesUsd directCostsUsd bankChargesUsd totalUsesUsd balanceWithAgentUsd }
        fundsWithOrganizations { transferredUsd expenditureUsd refundsUsd balanceUsd }
        totalBalanceUsd uncommittedUsd uncommitted { balanceWithAgentUsd allocatedNotTransferredUsd uncommittedUsd } } }";

    /// The books as this caller reads them: in the whole fund and in each area's scope the two
    /// identities hold to the cent, and each line is the sum of the ledger entries the caller reads.
    async fn check_books(app: &TestApp, token: &str, role: Role) {
        let refs = reference_ids(app).await;
        let reads_all = matches!(role, Role::Admin | Role::SteeringCommittee | Role::Auditor);
        let mut scopes = vec![Value::Null];
        if matches!(role, Role::Admin | Role::SteeringCommittee) {
            for number in [3, 4] {
                scopes.push(find(&refs["thematicAreas"], "number", json!(number))["id"].clone());
            }
        }
        for area in &scopes {
            let portfolio =
                app.data(Some(token), BOOKS, json!({"area": area})).await["portfolio"].clone();
            let lines = &portfolio["sourcesAndUses"];
            let line = |name: &str| cents(&lines[name]);
            let sources = line("contributionsUsd")
                + line("fundInterestUsd")
                + line("organizationInterestUsd")
                + line("otherIncomeUsd");
            assert_eq!(line("totalSourcesUsd"), sources, "{role:?} {area}: sources");
            assert_eq!(
                line("netTransferredUsd"),
                line("transferredUsd") - line("refundsUsd"),
                "{role:?} {area}"
            );
            let uses = line("netTransferredUsd")
                + line("agentFeesUsd")
                + line("directCostsUsd")
                + line("bankChargesUsd");
            assert_eq!(line("totalUsesUsd"), uses, "{role:?} {area}: uses");
            assert_eq!(
                line("balanceWithAgentUsd"),
                sources - uses,
                "{role:?} {area}: sources − uses = balance with the agent"
            );
            assert!(
                line("balanceWithAgentUsd") >= 0,
                "{role:?} {area}: never negative"
            );
            let with = &portfolio["fundsWithOrganizations"];
            let with_organizations = cents(&with["transferredUsd"])
                - cents(&with["expenditureUsd"])
                - cents(&with["refundsUsd"]);
            assert_eq!(
                cents(&with["balanceUsd"]),
                with_organizations,
                "{role:?} {area}: transferred − expenditure − refunds = balance with organizations"
            );
            assert!(with_organizations >= 0, "{role:?} {area}");
            assert_eq!(
                cents(&portfolio["totalBalanceUsd"]),
                line("balanceWithAgentUsd") + with_organizations,
                "{role:?} {area}"
            );
            let pools = portfolio["uncommitted"].as_array().unwrap();
            for pool in pools {
                assert_eq!(
                    cents(&pool["uncommittedUsd"]),
                    cents(&pool["balanceWithAgentUsd"])
                        - cents(&pool["allocatedNotTransferredUsd"]),
                    "{role:?} {area}: {pool}"
                );
            }
            assert_eq!(
                cents(&portfolio["uncommittedUsd"]),
                pools
                    .iter()
                    .map(|p| cents(&p["uncommittedUsd"]))
                    .sum::<i64>(),
                "{role:?} {area}"
            );
            if !area.is_null() {
                continue;
            }
            // The whole fund: each line is the sum of the entries the caller reads.
            let entries = readable_entries(app, token).await;
            let sum = |kind: &str| {
                entries
                    .iter()
                    .filter(|(k, _)| k == kind)
                    .map(|(_, c)| c)
                    .sum::<i64>()
            };
            for (kind, figure) in [
                ("FUND_INTEREST", line("fundInterestUsd")),
                ("ORGANIZATION_INTEREST", line("organizationInterestUsd")),
                ("OTHER_INCOME", line("otherIncomeUsd")),
                ("TRANSFER", line("transferredUsd")),
                ("REFUND", line("refundsUsd")),
                ("DIRECT_COST", line("directCostsUsd")),
                ("BANK_CHARGE", line("bankChargesUsd")),
                ("EXPENDITURE", cents(&with["expenditureUsd"])),
            ] {
                assert_eq!(figure, sum(kind), "{role:?}: {kind} = the entries it reads");
            }
            // Donors' money is read in full by the staff, the committee and the auditors only.
            if reads_all {
                assert_eq!(
                    line("contributionsUsd"),
                    sum("DEPOSIT"),
                    "{role:?}: deposits"
                );
                assert_eq!(line("agentFeesUsd"), sum("AGENT_FEE"), "{role:?}: fees");
            }
        }
    }

    async fn check(app: &TestApp, token: &str, role: Role) {
        check_books(app, token, role).await;
        let portfolio = app.data(Some(token), "{ portfolio { totals { pledgedUsd committedUsd depositedUsd feesUsd netDepositedUsd approvedUsd transferredUsd expenditureUsd availableUsd }
            byThematicArea { area { number } approvedUsd transferredUsd programmeCount conceptNoteCount }
            pipelineFunnel { status count } deliveryRate } }", json!({})).await["portfolio"].clone();
        let totals = &portfolio["totals"];
        let programmes = app.data(Some(token), "{ jointProgrammes(first: 100) { nodes { thematicArea { number } approvedBudgetUsd transfers { amountUsd } expenditures { amountUsd } } } }", json!({})).await;
        let programmes = programmes["jointProgrammes"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let sum = |f: &dyn Fn(&Value) -> i64| programmes.iter().map(f).sum::<i64>();
        let approved = sum(&|p| cents(&p["approvedBudgetUsd"]));
        let transferred = sum(&|p| {
            p["transfers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| cents(&t["amountUsd"]))
                .sum()
        });
        let spent = sum(&|p| {
            p["expenditures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| cents(&e["amountUsd"]))
                .sum()
        });
        assert_eq!(cents(&totals["approvedUsd"]), approved, "{role:?}");
        assert_eq!(cents(&totals["transferredUsd"]), transferred, "{role:?}");
        assert_eq!(cents(&totals["expenditureUsd"]), spent, "{role:?}");
        // The deprecated figure is what the Administrative Agent holds.
        let agent = app
            .data(
                Some(token),
                "{ portfolio { sourcesAndUses { balanceWithAgentUsd } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            cents(&totals["availableUsd"]),
            cents(&agent["portfolio"]["sourcesAndUses"]["balanceWithAgentUsd"]),
            "{role:?}"
        );
        for area in portfolio["byThematicArea"].as_array().unwrap() {
            let number = &area["area"]["number"];
            let in_area: Vec<&Value> = programmes
                .iter()
                .filter(|p| &p["thematicArea"]["number"] == number)
                .collect();
            assert_eq!(
                cents(&area["approvedUsd"]),
                in_area
                    .iter()
                    .map(|p| cents(&p["approvedBudgetUsd"]))
                    .sum::<i64>(),
                "{role:?} area {number}"
            );
            assert_eq!(area["programmeCount"], json!(in_area.len()), "{role:?}");
        }
        // Deposited totals: every role reads each donor's.
        let donors = app
            .data(
                Some(token),
                "{ donors(first: 100) { nodes { totals { depositedUsd } } } }",
                json!({}),
            )
            .await;
        let deposited: i64 = donors["donors"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| cents(&d["totals"]["depositedUsd"]))
            .sum();
        assert_eq!(cents(&totals["depositedUsd"]), deposited, "{role:?}");
        // The funnel counts the concept notes this caller reads.
        for stage in portfolio["pipelineFunnel"].as_array().unwrap() {
            let visible = app.data(Some(token), "query($s: [ConceptNoteStatus!]) { conceptNotes(filter: {status: $s}) { totalCount } }", json!({"s": [stage["status"]]})).await;
            assert_eq!(
                stage["count"], visible["conceptNotes"]["totalCount"],
                "{role:?} {stage}"
            );
        }
        // Agreements and deposits in detail: the staff and the committee.
        if matches!(role, Role::Admin | Role::SteeringCommittee) {
            let contributions = app.data(Some(token), "{ contributions(first: 80) { pageInfo { hasNextPage } nodes { status pledgedUsd deposits { amountUsd administrativeAgentFeeUsd netUsd } } } }", json!({})).await;
            // Priced at 100 deposits each, a page of 80 is what one document may ask; the
            // portfolios here are smaller.
            assert_eq!(
                contributions["contributions"]["pageInfo"]["hasNextPage"],
                false
            );
            let rows = contributions["contributions"]["nodes"].as_array().unwrap();
            let live: Vec<&Value> = rows.iter().filter(|c| c["status"] != "CANCELLED").collect();
            assert_eq!(
                cents(&totals["pledgedUsd"]),
                live.iter().map(|c| cents(&c["pledgedUsd"])).sum::<i64>()
            );
            assert_eq!(
                cents(&totals["committedUsd"]),
                live.iter()
                    .filter(|c| c["status"] != "PLEDGED")
                    .map(|c| cents(&c["pledgedUsd"]))
                    .sum::<i64>()
            );
            let deposits: Vec<&Value> = rows
                .iter()
                .flat_map(|c| c["deposits"].as_array().unwrap().iter())
                .collect();
            assert_eq!(
                cents(&totals["depositedUsd"]),
                deposits.iter().map(|d| cents(&d["amountUsd"])).sum::<i64>()
            );
            assert_eq!(
                cents(&totals["feesUsd"]),
                deposits
                    .iter()
                    .map(|d| cents(&d["administrativeAgentFeeUsd"]))
                    .sum::<i64>()
            );
            assert_eq!(
                cents(&totals["netDepositedUsd"]),
                deposits.iter().map(|d| cents(&d["netUsd"])).sum::<i64>()
            );
        }
    }

    async fn property(backend: Backend) {
        let mut runner = TestRunner::deterministic();
        for _ in 0..3 {
            let plan = plans().new_tree(&mut runner).unwrap().current();
            let app = match backend {
                Backend::Sqlite => TestApp::spawn(backend).await,
                Backend::Postgres => match TestApp::spawn_if_postgres().await {
                    Some(app) => app,
                    None => return,
                },
            };
            build(&app, &plan).await;
            fund_movements(&app, &plan).await;
            let funded_org = organization_id(&app, "ILO").await;
            for (role, token) in [
                (Role::Admin, app.admin()),
                (Role::SteeringCommittee, app.committee()),
                (Role::Donor, app.donor_token(1, "user:donor")),
                (
                    Role::Puno,
                    app.puno_token(row_id(&json!(funded_org)), "user:ilo"),
                ),
                (
                    Role::PartnerSystem,
                    app.token(Role::PartnerSystem, "client:dashboard"),
                ),
                (Role::Auditor, app.token(Role::Auditor, "user:auditor")),
            ] {
                check(&app, &token, role).await;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        property(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        property(Backend::Postgres).await;
    }
}

const TOTALS: &str = "{ portfolio { totals { depositedUsd } } }";

on_both! {
    /// The dashboard's figures are kept between requests, yet a committed write shows at once,
    /// and a refused one changes nothing.
    async fn a_committed_write_shows_on_the_dashboard_at_once(app: TestApp) {
        let token = app.admin();
        let deposited = |data: Value| cents(&data["portfolio"]["totals"]["depositedUsd"]);
        let before = deposited(app.data(Some(&token), TOTALS, json!({})).await);
        assert_eq!(deposited(app.data(Some(&token), TOTALS, json!({})).await), before);
        let (_, contribution) = deposit_usd(&app, "1250.00", None).await;
        let after = deposited(app.data(Some(&token), TOTALS, json!({})).await);
        assert_eq!(after, before + 125_000, "the deposit is missing from the dashboard");
        // The agreement is fully paid: a further deposit is refused, and the figure stays.
        let refused = record_deposit(&app, &contribution, "USD", "1.00", "1", "over-the-balance").await;
        assert_eq!(refused["userErrors"][0]["code"], "INVALID_TRANSITION", "{refused}");
        assert_eq!(deposited(app.data(Some(&token), TOTALS, json!({})).await), after);
    }
}

/// Two servers on one PostgreSQL database: a deposit committed through one shows on the other's
/// dashboard, whose figure was already kept in memory, as soon as the notification arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_another_process_retires_the_kept_figures() {
    let Some(database) = fresh_postgres_database().await else {
        return;
    };
    let first = TestApp::spawn_on(&database).await;
    let second = TestApp::spawn_on(&database).await;
    let token = first.admin();
    let deposited = |data: Value| cents(&data["portfolio"]["totals"]["depositedUsd"]);
    let before = deposited(first.data(Some(&token), TOTALS, json!({})).await);
    deposit_usd(&second, "300.00", None).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = deposited(first.data(Some(&token), TOTALS, json!({})).await);
        if now == before + 30_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first server still shows {now} cents deposited, not {}",
            before + 30_000
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
