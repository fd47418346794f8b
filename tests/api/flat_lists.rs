//! Issue 14, item 3: the flat lists partner systems synchronise from (`deposits`, `transfers`,
//! `expenditureReports`), in recorded order with cursors that stay on their row, `recordedSince`,
//! and each role reading exactly the rows its nested paths show.

use crate::fixtures::{
    command, create_donor, funded_programme, organization_id, record_contribution, record_deposit,
    transfer,
};
use crate::helpers::{row_id, TestApp};
use crate::on_both;
use chrono::{SubsecRound, Utc};
use mptf::domain::Role;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The three lists: root field, filter type, and the node's fields read.
const LISTS: [(&str, &str, &str); 3] = [
    (
        "deposits",
        "DepositFilter",
        "id recordedAt amountUsd contribution { id }",
    ),
    (
        "transfers",
        "TransferFilter",
        "id recordedAt amountUsd organization { id }",
    ),
    (
        "expenditureReports",
        "ExpenditureReportFilter",
        "id recordedAt: reportedAt amountUsd organization { id }",
    ),
];

fn list(name: &str) -> (&'static str, &'static str, &'static str) {
    *LISTS.iter().find(|(n, _, _)| *n == name).unwrap()
}

/// A new donor's signed USD agreement of USD 1,000,000, nothing deposited yet: its id.
async fn open_agreement(app: &TestApp, reference: &str) -> String {
    let donor = create_donor(app, &format!("Donor {reference}")).await;
    let recorded =
        record_contribution(app, &donor, reference, "USD", "1000000.00", "1", None).await;
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    recorded["contribution"]["id"].as_str().unwrap().to_owned()
}

/// Every row of list `name` `token` reads with `filter`, paged forward `size` at a time; checks
/// `totalCount` and the recorded order.
async fn read_all(app: &TestApp, token: &str, name: &str, filter: Value, size: i64) -> Vec<Value> {
    let (field, filter_type, fields) = list(name);
    let query = format!(
        "query($filter: {filter_type}, $after: String, $first: Int) {{ {field}(filter: $filter, first: $first, after: $after) {{
            totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }} }}"
    );
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                Some(token),
                &query,
                json!({"filter": filter, "after": after, "first": size}),
            )
            .await;
        let page = &data[field];
        rows.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(
                page["totalCount"].as_u64().unwrap() as usize,
                rows.len(),
                "{field}: totalCount is every page's rows"
            );
            let positions: Vec<(chrono::DateTime<Utc>, i64)> = rows
                .iter()
                .map(|r| {
                    (
                        r["recordedAt"].as_str().unwrap().parse().unwrap(),
                        row_id(&r["id"]),
                    )
                })
                .collect();
            let mut sorted = positions.clone();
            sorted.sort();
            assert_eq!(positions, sorted, "{field} is in recorded order");
            return rows;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

on_both! {
    async fn five_writes_then_recorded_since_the_last_read_gives_those_five(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let admin = app.admin();
        let ilo = funded.organizations[0].clone();
        let sent = transfer(&app, &admin, &funded, &ilo, "500000.00", "t-0").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let agreement = open_agreement(&app, "SYNC-1").await;
        // The partner system's last read.
        let partner = app.token(Role::PartnerSystem, "client:dashboard");
        let before_transfers = read_all(&app, &partner, "transfers", json!(null), 100).await;
        let before_deposits = read_all(&app, &admin, "deposits", json!(null), 100).await;
        assert_eq!((before_transfers.len(), before_deposits.len()), (1, 1));
        // The moment of that read, as the partner system's clock says (to the microsecond, which
        // both databases keep).
        let last_read = Utc::now().trunc_subsecs(6);
        // Five writes: three deposits, a transfer and an expenditure report.
        let mut written = Vec::new();
        for n in 0..3 {
            let deposit = record_deposit(&app, &agreement, "USD", "1000.00", "1", &format!("late-deposit-{n}")).await;
            assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
            written.push(deposit["deposit"]["id"].as_str().unwrap().to_owned());
        }
        let sent = transfer(&app, &admin, &funded, &ilo, "100000.00", "t-1").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        written.push(sent["transfer"]["id"].as_str().unwrap().to_owned());
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let spent = command(&app, &puno, "reportExpenditure", "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "year": 2022, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "45000.00"}], "idempotencyKey": "exp-1"})).await;
        assert_eq!(spent["userErrors"], json!([]), "{spent}");
        written.push(spent["expenditureReport"]["id"].as_str().unwrap().to_owned());
        // What changed since that read: exactly those five.
        let since = json!({"recordedSince": last_read.to_rfc3339()});
        let mut changed = ids(&read_all(&app, &admin, "deposits", since.clone(), 2).await);
        changed.extend(ids(&read_all(&app, &partner, "transfers", since.clone(), 2).await));
        changed.extend(ids(&read_all(&app, &partner, "expenditureReports", since.clone(), 2).await));
        assert_eq!(changed, written, "recordedSince the last read gives the five writes, in recorded order");
        // Inclusive: the latest `recordedAt` a caller has seen gives that row again, and what came after.
        let all_deposits = read_all(&app, &admin, "deposits", json!(null), 100).await;
        let second = &all_deposits[1];
        let from_second = read_all(&app, &admin, "deposits", json!({"recordedSince": second["recordedAt"]}), 100).await;
        // `recordedAt` is served to the second: every row recorded in that second or later.
        let at_or_after: Vec<Value> = all_deposits.iter().filter(|d| d["recordedAt"].as_str() >= second["recordedAt"].as_str()).cloned().collect();
        assert_eq!(ids(&from_second), ids(&at_or_after));
        assert!(ids(&from_second).contains(&second["id"].as_str().unwrap().to_owned()));
        // Nothing is recorded in the future.
        let tomorrow = (Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        for (name, token) in [("deposits", &admin), ("transfers", &partner), ("expenditureReports", &partner)] {
            assert!(read_all(&app, token, name, json!({"recordedSince": tomorrow}), 100).await.is_empty());
        }
    }
}

on_both! {
    async fn cursors_stay_on_their_row_while_rows_are_recorded(app: TestApp) {
        funded_programme(&app, "3000000.00").await;
        let admin = app.admin();
        let agreement = open_agreement(&app, "SYNC-2").await;
        for n in 0..5 {
            let deposit = record_deposit(&app, &agreement, "USD", "10.00", "1", &format!("d-{n}")).await;
            assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
        }
        let page = |after: Value, before: Value, first: Value, last: Value| {
            let app = &app;
            let admin = admin.clone();
            async move {
                app.data(Some(&admin), "query($after: String, $before: String, $first: Int, $last: Int) {
                    deposits(first: $first, after: $after, last: $last, before: $before) {
                    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }",
                    json!({"after": after, "before": before, "first": first, "last": last})).await["deposits"].clone()
            }
        };
        let first = page(Value::Null, Value::Null, json!(2), Value::Null).await;
        assert_eq!(first["totalCount"], json!(6));
        assert_eq!(first["pageInfo"]["hasPreviousPage"], json!(false));
        assert_eq!(first["pageInfo"]["hasNextPage"], json!(true));
        // A deposit recorded meanwhile comes after every row read: the next page goes on from the
        // last row seen, neither repeating nor skipping one.
        let late = record_deposit(&app, &agreement, "USD", "10.00", "1", "d-late").await;
        let late = late["deposit"]["id"].clone();
        let second = page(first["pageInfo"]["endCursor"].clone(), Value::Null, json!(100), Value::Null).await;
        assert_eq!(second["pageInfo"]["hasPreviousPage"], json!(true));
        assert_eq!(second["pageInfo"]["hasNextPage"], json!(false));
        let mut seen: Vec<Value> = first["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
        seen.extend(second["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()));
        let everything = read_all(&app, &admin, "deposits", json!(null), 100).await;
        assert_eq!(seen, everything.iter().map(|r| r["id"].clone()).collect::<Vec<_>>());
        assert_eq!(seen.last(), Some(&late));
        assert_eq!(seen.iter().map(|v| v.to_string()).collect::<BTreeSet<_>>().len(), 7);
        // Backward: the last two before the last row.
        let back = page(Value::Null, second["pageInfo"]["endCursor"].clone(), Value::Null, json!(2)).await;
        let back_ids: Vec<Value> = back["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
        assert_eq!(back_ids, seen[4..6].to_vec());
        assert_eq!(back["pageInfo"]["hasPreviousPage"], json!(true));
        assert_eq!(back["pageInfo"]["hasNextPage"], json!(true));
        // Paging two at a time reads the same rows as one page.
        assert_eq!(ids(&read_all(&app, &admin, "deposits", json!(null), 2).await), ids(&everything));
    }
}

on_both! {
    async fn each_role_reads_the_rows_its_nested_paths_show(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let db = &app.services.db;
        let deposits = entity::deposit::Entity::find().all(db).await.unwrap();
        let transfers = entity::transfer::Entity::find().all(db).await.unwrap();
        let reports = entity::expenditure_report::Entity::find().all(db).await.unwrap();
        assert!(!deposits.is_empty() && !transfers.is_empty() && !reports.is_empty());
        let germany = entity::donor::Entity::find().all(db).await.unwrap()
            .into_iter().find(|d| d.name == "Germany").expect("the demo's Germany").id;
        let iom = row_id(&json!(organization_id(&app, "IOM").await));
        let roles = [
            ("ADMIN", app.admin()),
            ("STEERING_COMMITTEE", app.committee()),
            ("AUDITOR", app.token(Role::Auditor, "user:auditor")),
            ("DONOR", app.donor_token(germany, "user:donor")),
            ("PUNO", app.puno_token(iom, "user:iom")),
            ("PARTNER_SYSTEM", app.token(Role::PartnerSystem, "client:dashboard")),
        ];
        let set = |rows: Vec<Value>| rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<BTreeSet<_>>();
        for (role, token) in &roles {
            // The nested paths: agreements' deposits, programmes' transfers and expenditure.
            // Each nested list in its own query, to stay within the query cost.
            let agreements = app.data(Some(token), "{ contributions(first: 50) { totalCount nodes { deposits { id } } } }", json!({})).await;
            let programmes = app.data(Some(token), "{ jointProgrammes(first: 50) { totalCount nodes { transfers { id } } } }", json!({})).await;
            let spending = app.data(Some(token), "{ jointProgrammes(first: 50) { totalCount nodes { expenditures { id } } } }", json!({})).await;
            assert!(agreements["contributions"]["totalCount"].as_u64().unwrap() <= 50);
            assert!(programmes["jointProgrammes"]["totalCount"].as_u64().unwrap() <= 50);
            let nested = json!({"contributions": agreements["contributions"], "jointProgrammes": programmes["jointProgrammes"], "spending": spending["jointProgrammes"]});
            let collect = |list: &str, field: &str| -> BTreeSet<String> {
                nested[list]["nodes"].as_array().unwrap().iter()
                    .flat_map(|n| n[field].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>())
                    .collect()
            };
            let flat_deposits = set(read_all(&app, token, "deposits", json!(null), 100).await);
            let flat_transfers = set(read_all(&app, token, "transfers", json!(null), 100).await);
            let flat_reports = set(read_all(&app, token, "expenditureReports", json!(null), 100).await);
            assert_eq!(flat_deposits, collect("contributions", "deposits"), "{role}: deposits");
            assert_eq!(flat_transfers, collect("jointProgrammes", "transfers"), "{role}: transfers");
            assert_eq!(flat_reports, collect("spending", "expenditures"), "{role}: expenditure");
            // And the rule itself, against the database.
            let expected_deposits = match *role {
                "ADMIN" | "STEERING_COMMITTEE" | "AUDITOR" => deposits.len(),
                "DONOR" => {
                    let own: BTreeSet<i64> = entity::contribution::Entity::find().all(db).await.unwrap()
                        .into_iter().filter(|c| c.donor_id == germany).map(|c| c.id).collect();
                    deposits.iter().filter(|d| own.contains(&d.contribution_id)).count()
                }
                _ => 0,
            };
            assert_eq!(flat_deposits.len(), expected_deposits, "{role}: deposits");
            assert_eq!(flat_transfers.len(), transfers.len(), "{role}: transfers");
            assert_eq!(flat_reports.len(), reports.len(), "{role}: expenditure");
        }
        let (_, donor) = &roles[3];
        assert!(set(read_all(&app, donor, "deposits", json!(null), 100).await).len() < deposits.len());
        // A filter narrows, within what the caller reads: another donor's deposits are none of a DONOR's.
        let other = entity::contribution::Entity::find().all(db).await.unwrap()
            .into_iter().find(|c| c.donor_id != germany).unwrap().donor_id;
        let other = json!({"donor": mptf::ids::encode(mptf::ids::Kind::Donor, other)});
        assert!(read_all(&app, donor, "deposits", other.clone(), 100).await.is_empty());
        assert!(!read_all(&app, &roles[0].1, "deposits", other, 100).await.is_empty());
        let programme = transfers[0].joint_programme_id;
        let of_programme = read_all(&app, &roles[5].1, "transfers",
            json!({"jointProgramme": mptf::ids::encode(mptf::ids::Kind::JointProgramme, programme)}), 100).await;
        assert_eq!(of_programme.len(), transfers.iter().filter(|t| t.joint_programme_id == programme).count());
        let year = reports[0].year;
        let of_year = read_all(&app, &roles[4].1, "expenditureReports", json!({"year": year}), 100).await;
        assert_eq!(of_year.len(), reports.iter().filter(|r| r.year == year).count());
    }
}

on_both! {
    async fn bad_cursors_and_filters_are_the_callers_mistake(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let admin = app.admin();
        let ledger = app.data(Some(&admin), "{ ledgerEntries(first: 1) { pageInfo { endCursor } } }", json!({})).await;
        let ledger_cursor = ledger["ledgerEntries"]["pageInfo"]["endCursor"].clone();
        for (field, filter_type) in [("deposits", "DepositFilter"), ("transfers", "TransferFilter"), ("expenditureReports", "ExpenditureReportFilter")] {
            let query = format!("query($after: String, $before: String, $filter: {filter_type}) {{ {field}(after: $after, before: $before, filter: $filter) {{ totalCount }} }}");
            for variables in [
                json!({"after": ledger_cursor}),
                json!({"before": "bm90LWEtY3Vyc29y"}),
                json!({"after": "!!!"}),
                json!({"filter": {"organization": mptf::ids::encode(mptf::ids::Kind::Donor, 1)}}),
            ] {
                let code = if field == "deposits" && variables.get("filter").is_some() {
                    // Deposits have no organization filter: the document is refused as invalid.
                    continue;
                } else {
                    app.error_code(Some(&admin), &query, variables.clone()).await
                };
                assert_eq!(code, "BAD_USER_INPUT", "{field} {variables}");
            }
            assert_eq!(app.error_code(None, &query, json!({})).await, "UNAUTHENTICATED", "{field}");
            let too_many = format!("{{ {field}(first: 101) {{ totalCount }} }}");
            assert_eq!(app.error_code(Some(&admin), &too_many, json!({})).await, "PAGE_SIZE_EXCEEDED");
        }
        let periods = [
            ("deposits", "DepositFilter"),
            ("transfers", "TransferFilter"),
        ];
        for (field, filter_type) in periods {
            let query = format!("query($filter: {filter_type}) {{ {field}(filter: $filter) {{ totalCount }} }}");
            assert_eq!(app.error_code(Some(&admin), &query, json!({"filter": {"from": "2021-02-01", "to": "2021-01-01"}})).await, "BAD_USER_INPUT");
        }
        assert_eq!(app.error_code(Some(&admin), "query($filter: DepositFilter) { deposits(filter: $filter) { totalCount } }",
            json!({"filter": {"donor": mptf::ids::encode(mptf::ids::Kind::Organization, 1)}})).await, "BAD_USER_INPUT");
        // Another list's cursor is refused too, even one of the same kind of list.
        let deposits = app.data(Some(&admin), "{ deposits(first: 1) { pageInfo { endCursor } } }", json!({})).await;
        assert!(deposits["deposits"]["pageInfo"]["endCursor"].is_string());
        for field in ["transfers", "expenditureReports"] {
            assert_eq!(app.error_code(Some(&admin), &format!("query($after: String) {{ {field}(after: $after) {{ totalCount }} }}"),
                json!({"after": deposits["deposits"]["pageInfo"]["endCursor"]})).await, "BAD_USER_INPUT", "{field}");
        }
        assert_eq!(app.error_code(Some(&admin), "query($after: String) { ledgerEntries(after: $after) { totalCount } }",
            json!({"after": deposits["deposits"]["pageInfo"]["endCursor"]})).await, "BAD_USER_INPUT");
    }
}
