//! Issue 13, items 1 and 8: the ledger as each role reads it (`ledgerEntries`, `node`), its
//! filters and its cursors, and the AUDITOR role, which reads everything and writes nothing.

use crate::fixtures::{
    create_donor, funded_programme, organization_id, record_contribution, record_deposit, transfer,
};
use crate::helpers::{row_id, TestApp};
use crate::on_both;
use mptf::domain::Role;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

const ENTRY: &str =
    "id kind countsAs valueDate amountUsd donor { id } earmarkedArea { number } decision { id }";

/// Every entry `token` reads with `filter`, paged forward 100 at a time; checks `totalCount`.
async fn read_all(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let query = format!(
        "query($filter: LedgerEntryFilter, $after: String) {{ ledgerEntries(filter: $filter, first: 100, after: $after) {{
            totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENTRY} }} }} }}"
    );
    let mut entries = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                Some(token),
                &query,
                json!({"filter": filter, "after": after}),
            )
            .await;
        let page = &data["ledgerEntries"];
        entries.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(
                page["totalCount"].as_u64().unwrap() as usize,
                entries.len(),
                "totalCount is every page's rows"
            );
            return entries;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Count and sum of USD cents per kind.
type ByKind = BTreeMap<String, (usize, i64)>;

fn by_kind_served(entries: &[Value]) -> ByKind {
    let mut sums = ByKind::new();
    for entry in entries {
        let cents =
            Decimal::from_str(entry["amountUsd"].as_str().unwrap()).unwrap() * Decimal::from(100);
        let row = sums
            .entry(entry["kind"].as_str().unwrap().to_owned())
            .or_default();
        row.0 += 1;
        row.1 += cents.to_i64().unwrap();
    }
    sums
}

fn by_kind_stored<'a>(rows: impl Iterator<Item = &'a entity::ledger_entry::Model>) -> ByKind {
    let mut sums = ByKind::new();
    for row in rows {
        let sum = sums.entry(row.kind.clone()).or_default();
        sum.0 += 1;
        sum.1 += row.amount_usd_cents;
    }
    sums
}

/// The donor lines of the books: a donor's own money.
fn donors_money(row: &entity::ledger_entry::Model) -> bool {
    row.donor_id.is_some()
        || ["PLEDGE", "COMMITMENT", "DEPOSIT", "AGENT_FEE"].contains(&row.counts_as.as_str())
}

fn auditor(app: &TestApp) -> String {
    app.token(Role::Auditor, "user:auditor")
}

on_both! {
    async fn each_role_reads_exactly_its_entries_of_the_demo_ledger(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let stored = entity::ledger_entry::Entity::find().all(&app.services.db).await.unwrap();
        assert!(stored.len() > 100, "the demo books its money: {} entries", stored.len());
        let germany = entity::donor::Entity::find().all(&app.services.db).await.unwrap()
            .into_iter().find(|d| d.name == "Germany").expect("the demo's Germany").id;
        let iom = row_id(&json!(organization_id(&app, "IOM").await));
        let everything = by_kind_stored(stored.iter());
        let public = by_kind_stored(stored.iter().filter(|r| !donors_money(r)));
        let germanys = by_kind_stored(stored.iter().filter(|r| !donors_money(r) || r.donor_id == Some(germany)));
        assert!(public.contains_key("TRANSFER") && public.contains_key("ALLOCATION"), "{public:?}");
        assert!(!public.contains_key("DEPOSIT"), "{public:?}");
        assert!(germanys.get("DEPOSIT").is_some_and(|d| d.0 > 0) && germanys["DEPOSIT"] != everything["DEPOSIT"], "{germanys:?}");
        let roles = [
            ("ADMIN", app.admin(), &everything),
            ("STEERING_COMMITTEE", app.committee(), &everything),
            ("AUDITOR", auditor(&app), &everything),
            ("DONOR", app.donor_token(germany, "user:donor"), &germanys),
            ("PUNO", app.puno_token(iom, "user:iom"), &public),
            ("PARTNER_SYSTEM", app.token(Role::PartnerSystem, "client:dashboard"), &public),
        ];
        for (role, token, expected) in roles {
            let served = read_all(&app, &token, json!(null)).await;
            assert_eq!(&by_kind_served(&served), expected, "{role} reads its entries, by kind");
        }
        // Without a token, the ledger is not served at all (the portfolio's totals are).
        assert_eq!(app.error_code(None, "{ ledgerEntries { totalCount } }", json!({})).await, "UNAUTHENTICATED");
    }
}

on_both! {
    async fn the_filters_narrow_the_ledger(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let stored = entity::ledger_entry::Entity::find().all(&app.services.db).await.unwrap();
        let admin = app.admin();
        let served = |entries: Vec<Value>| by_kind_served(&entries);
        // Kinds.
        let deposits = read_all(&app, &admin, json!({"kinds": ["DEPOSIT", "AGENT_FEE"]})).await;
        assert_eq!(served(deposits), by_kind_stored(stored.iter().filter(|r| r.kind == "DEPOSIT" || r.kind == "AGENT_FEE")));
        // Value dates, both ends included.
        let (from, to) = (chrono::NaiveDate::from_ymd_opt(2020, 7, 1).unwrap(), chrono::NaiveDate::from_ymd_opt(2021, 3, 31).unwrap());
        let window = read_all(&app, &admin, json!({"from": "2020-07-01", "to": "2021-03-31"})).await;
        let expected = by_kind_stored(stored.iter().filter(|r| r.value_date >= from && r.value_date <= to));
        assert!(!expected.is_empty());
        assert_eq!(served(window), expected);
        // The earmark pool of a thematic area.
        let areas = app.data(None, "{ thematicAreas { id number } }", json!({})).await;
        for area in areas["thematicAreas"].as_array().unwrap() {
            let id = row_id(&area["id"]);
            let pool = read_all(&app, &admin, json!({"thematicArea": area["id"]})).await;
            assert!(pool.iter().all(|e| e["earmarkedArea"]["number"] == area["number"]));
            assert_eq!(served(pool), by_kind_stored(stored.iter().filter(|r| r.pool_area_id == Some(id))));
        }
        // A programme, an organization, a donor.
        let programme = stored.iter().find_map(|r| r.joint_programme_id.filter(|_| r.kind == "TRANSFER")).unwrap();
        let organization = stored.iter().find_map(|r| r.organization_id).unwrap();
        let donor = stored.iter().find_map(|r| r.donor_id).unwrap();
        let id = |kind: mptf::ids::Kind, n: i64| json!(mptf::ids::encode(kind, n));
        let of_programme = read_all(&app, &admin, json!({"jointProgramme": id(mptf::ids::Kind::JointProgramme, programme)})).await;
        assert_eq!(served(of_programme), by_kind_stored(stored.iter().filter(|r| r.joint_programme_id == Some(programme))));
        let of_organization = read_all(&app, &admin, json!({"organization": id(mptf::ids::Kind::Organization, organization)})).await;
        assert_eq!(served(of_organization), by_kind_stored(stored.iter().filter(|r| r.organization_id == Some(organization))));
        let of_donor = read_all(&app, &admin, json!({"donor": id(mptf::ids::Kind::Donor, donor), "kinds": ["DEPOSIT"]})).await;
        assert_eq!(served(of_donor), by_kind_stored(stored.iter().filter(|r| r.donor_id == Some(donor) && r.kind == "DEPOSIT")));
        // Another donor's entries are nobody's business but its own: a DONOR asking for them gets none.
        let other = stored.iter().find_map(|r| r.donor_id.filter(|d| *d != donor)).unwrap();
        let count = |data: Value| data["ledgerEntries"]["totalCount"].as_u64().unwrap();
        let asked = app.data(Some(&app.donor_token(donor, "user:donor")), "query($filter: LedgerEntryFilter) { ledgerEntries(filter: $filter) { totalCount } }",
            json!({"filter": {"donor": id(mptf::ids::Kind::Donor, other)}})).await;
        assert_eq!(count(asked), 0);
        // What was recorded since a moment: everything since 2000, nothing since tomorrow.
        let since = |moment: &str| json!({"filter": {"recordedSince": moment}});
        let query = "query($filter: LedgerEntryFilter) { ledgerEntries(filter: $filter) { totalCount } }";
        assert_eq!(count(app.data(Some(&admin), query, since("2000-01-01T00:00:00Z")).await), stored.len() as u64);
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        assert_eq!(count(app.data(Some(&admin), query, since(&tomorrow)).await), 0);
        // A period that ends before it starts is the caller's mistake.
        assert_eq!(app.error_code(Some(&admin), query, json!({"filter": {"from": "2021-02-01", "to": "2021-01-01"}})).await, "BAD_USER_INPUT");
        // So is another list's cursor.
        let donors = app.data(Some(&admin), "{ donors(first: 1) { pageInfo { endCursor } } }", json!({})).await;
        assert_eq!(app.error_code(Some(&admin), "query($after: String) { ledgerEntries(after: $after) { totalCount } }",
            json!({"after": donors["donors"]["pageInfo"]["endCursor"]})).await, "BAD_USER_INPUT");
    }
}

on_both! {
    async fn cursors_stay_on_their_entry_while_money_is_recorded(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let admin = app.admin();
        let page = |after: Value, first: i64| {
            let app = &app;
            let admin = admin.clone();
            async move {
                app.data(Some(&admin), "query($after: String, $first: Int) { ledgerEntries(first: $first, after: $after) {
                    pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id valueDate } } } }",
                    json!({"after": after, "first": first})).await["ledgerEntries"].clone()
            }
        };
        let first = page(Value::Null, 3).await;
        assert_eq!(first["pageInfo"]["hasPreviousPage"], json!(false));
        assert_eq!(first["pageInfo"]["hasNextPage"], json!(true));
        let seen: Vec<Value> = first["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect();
        // Money recorded meanwhile, dated before the page's end: another donor's pledge, agreement
        // and deposit, and a transfer.
        let donor = create_donor(&app, "A later donor").await;
        let contribution = record_contribution(&app, &donor, "LATE-1", "USD", "500000.00", "1", None).await;
        let deposit = record_deposit(&app, contribution["contribution"]["id"].as_str().unwrap(), "USD", "500000.00", "1", "late-deposit").await;
        assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
        let sent = transfer(&app, &admin, &funded, &funded.organizations[0], "100000.00", "late-transfer").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        // The next page starts right after the last entry seen, in the ledger as it is now.
        let everything = read_all(&app, &admin, json!(null)).await;
        let ids: Vec<Value> = everything.iter().map(|e| e["id"].clone()).collect();
        let last_seen = ids.iter().position(|id| *id == seen[2]).unwrap();
        let next = page(first["pageInfo"]["endCursor"].clone(), 4).await;
        let next_ids: Vec<Value> = next["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect();
        assert_eq!(next_ids, ids[last_seen + 1..last_seen + 5].to_vec());
        assert!(next_ids.iter().all(|id| !seen.contains(id)), "no entry shown twice");
        assert_eq!(next["pageInfo"]["hasPreviousPage"], json!(true));
        // Backward paging reads the same ledger: the last 4 before an entry's cursor.
        let cursor = next["edges"][3]["cursor"].clone();
        let back = app.data(Some(&admin), "query($before: String) { ledgerEntries(last: 4, before: $before) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }",
            json!({"before": cursor})).await;
        let back_ids: Vec<Value> = back["ledgerEntries"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
        assert_eq!(back_ids, ids[last_seen..last_seen + 4].to_vec());
        assert_eq!(back["ledgerEntries"]["pageInfo"]["hasNextPage"], json!(true));
        // Ordered by value date, then entry.
        let dates: Vec<&str> = everything.iter().map(|e| e["valueDate"].as_str().unwrap()).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
        // The last page says so.
        let end = app.data(Some(&admin), "{ ledgerEntries(last: 2) { pageInfo { hasNextPage hasPreviousPage } } }", json!({})).await;
        assert_eq!(end["ledgerEntries"]["pageInfo"], json!({"hasNextPage": false, "hasPreviousPage": true}));
    }
}

on_both! {
    async fn node_of_an_entry_follows_the_ledger_rule(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let sent = transfer(&app, &app.admin(), &funded, &funded.organizations[0], "100000.00", "node-transfer").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let other = create_donor(&app, "Another donor").await;
        let stored = entity::ledger_entry::Entity::find().all(&app.services.db).await.unwrap();
        let donor = row_id(&json!(funded.donor));
        let deposit = stored.iter().find(|r| r.kind == "DEPOSIT" && r.donor_id == Some(donor)).unwrap();
        let moved = stored.iter().find(|r| r.kind == "TRANSFER").unwrap();
        let id = |row: &entity::ledger_entry::Model| mptf::ids::encode(mptf::ids::Kind::LedgerEntry, row.id);
        let query = "query($id: ID!) { node(id: $id) { ... on LedgerEntry { id kind amount { amount currency } amountUsd donor { id } contribution { id } deposit { amountUsd } recordedBy } } }";
        let puno = app.puno_token(row_id(&json!(funded.organizations[0])), "user:puno");
        let own = app.donor_token(donor, "user:donor");
        let stranger = app.donor_token(row_id(&json!(other)), "user:stranger");
        // The donor itself, staff and auditors read a deposit's entry, with its agreement.
        for token in [&own, &app.admin(), &auditor(&app)] {
            let data = app.data(Some(token), query, json!({"id": id(deposit)})).await;
            assert_eq!(data["node"]["kind"], "DEPOSIT");
            assert_eq!(data["node"]["amount"], json!({"amount": "3000000.00", "currency": "USD"}));
            assert_eq!(data["node"]["contribution"]["id"], json!(funded.contribution));
            assert_eq!(data["node"]["deposit"]["amountUsd"], "3000000.00");
        }
        // Another donor, a PUNO and a partner system get no entry, and FORBIDDEN saying why.
        for token in [&stranger, &puno, &app.token(Role::PartnerSystem, "client:x")] {
            let response = app.graphql(Some(token), query, json!({"id": id(deposit)})).await;
            assert_eq!(response["data"]["node"], Value::Null, "{response}");
            assert_eq!(response["errors"][0]["extensions"]["code"], "FORBIDDEN", "{response}");
        }
        // A transfer is the Gateway's: every token reads it; without one, nothing.
        for token in [&stranger, &puno] {
            let data = app.data(Some(token), query, json!({"id": id(moved)})).await;
            assert_eq!(data["node"]["kind"], "TRANSFER");
            assert_eq!(data["node"]["donor"], Value::Null);
        }
        assert_eq!(app.error_code(None, query, json!({"id": id(moved)})).await, "UNAUTHENTICATED");
        // An id that names no entry is null, as for every node.
        let none = app.data(Some(&app.admin()), query, json!({"id": mptf::ids::encode(mptf::ids::Kind::LedgerEntry, 999_999)})).await;
        assert_eq!(none["node"], Value::Null);
    }
}

on_both! {
    async fn the_auditor_reads_everything_and_writes_nothing(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let auditor = auditor(&app);
        // The audit trail and the ledger, whole, as the fund's staff read them.
        let query = "{ auditEvents { totalCount } ledgerEntries { totalCount } contributions { totalCount } }";
        let as_auditor = app.data(Some(&auditor), query, json!({})).await;
        assert_eq!(as_auditor, app.data(Some(&app.admin()), query, json!({})).await);
        assert!(as_auditor["auditEvents"]["totalCount"].as_u64().unwrap() > 0);
        // Narrowed figures of donors' money, like the committee.
        let narrowed = "{ portfolio(from: \"2021-01-01\", to: \"2021-06-30\") { totals { depositedUsd } } }";
        assert_eq!(app.data(Some(&auditor), narrowed, json!({})).await, app.data(Some(&app.committee()), narrowed, json!({})).await);
        // Writes: refused with FORBIDDEN, and nothing recorded (every mutation: see the
        // permission matrix, tests/api/security/permissions.rs).
        let events = entity::audit_event::Entity::find().all(&app.services.db).await.unwrap().len();
        let entries = entity::ledger_entry::Entity::find().all(&app.services.db).await.unwrap().len();
        let donor = app.data(Some(&app.admin()), "{ donors(first: 1) { nodes { id } } }", json!({})).await["donors"]["nodes"][0]["id"].clone();
        let pledge = app.graphql(Some(&auditor), "mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id } } }",
            json!({"input": {"donor": donor, "reference": "AUDIT-1", "pledged": {"amount": "10.00", "currency": "USD"}, "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": "audit-1"}})).await;
        assert_eq!(pledge["errors"][0]["extensions"]["code"], "FORBIDDEN", "{pledge}");
        assert_eq!(entity::audit_event::Entity::find().all(&app.services.db).await.unwrap().len(), events);
        assert_eq!(entity::ledger_entry::Entity::find().all(&app.services.db).await.unwrap().len(), entries);
        // The demo's auditor signs in (the database takes the role) and is who the token says.
        let login = app.data(None, "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code } } }",
            json!({"input": {"email": "auditor@mptf.example", "password": mptf::seed::DEMO_PASSWORD}})).await;
        let token = login["login"]["token"].as_str().expect("the demo auditor signs in").to_owned();
        assert_eq!(app.data(Some(&token), "{ viewer { role } }", json!({})).await["viewer"]["role"], "AUDITOR");
        // An auditor's account made through the API waits for a second administrator, as the
        // other accounts that read every donor's money do.
        let created = app.data(Some(&app.admin()), "mutation($input: CreateUserInput!) { createUser(input: $input) { user { role active pendingActivation } userErrors { code message } } }",
            json!({"input": {"email": "second-auditor@example.org", "displayName": "Auditor", "role": "AUDITOR"}})).await;
        assert_eq!(created["createUser"]["user"], json!({"role": "AUDITOR", "active": false, "pendingActivation": true}), "{created}");
    }
}

on_both! {
    async fn a_page_of_entries_with_every_link_costs_a_fixed_number_of_statements(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        app.until_quiet().await;
        let query = "query($first: Int!) { ledgerEntries(first: $first) { nodes {
            id earmarkedArea { number } donor { name } contribution { reference } deposit { amountUsd }
            jointProgramme { code } organization { acronym } decision { kind } transfer { amountUsd }
            expenditureReport { year } reverses { id } } } }";
        for first in [1, 100] {
            let response = app.graphql(Some(&app.admin()), query, json!({"first": first})).await;
            assert!(response.get("errors").is_none(), "{response}");
            assert_eq!(response["data"]["ledgerEntries"]["nodes"].as_array().unwrap().len(), first as usize);
            // The page, its count and its two neighbours, then one batch per kind of link.
            let statements = response["extensions"]["sqlStatements"].as_u64().unwrap();
            assert!(statements <= 16, "{statements} statements for a page of {first}");
        }
    }
}

on_both! {
    async fn an_existing_database_takes_the_auditor_role(backend: Backend) {
        use migration::MigratorTrait;
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            crate::helpers::Backend::Sqlite => format!("sqlite://{}/upgrade.db?mode=rwc", dir.path().display()),
            crate::helpers::Backend::Postgres => crate::helpers::fresh_postgres_database().await.unwrap(),
        };
        let db = sea_orm::Database::connect(&url).await.unwrap();
        migration::Migrator::up(&db, Some(6)).await.unwrap();
        let insert = |email: &str, role: &str| format!(
            "INSERT INTO app_user (email, display_name, role, created_at) VALUES ('{email}', 'Someone', '{role}', '2021-01-01T00:00:00Z')");
        db.execute_unprepared(&insert("dashboard@example.org", "PARTNER_SYSTEM")).await.unwrap();
        assert!(db.execute_unprepared(&insert("early-auditor@example.org", "AUDITOR")).await.is_err(), "no auditors before the migration");
        migration::Migrator::up(&db, None).await.unwrap();
        db.execute_unprepared(&insert("auditor@example.org", "AUDITOR")).await.unwrap();
        assert!(db.execute_unprepared(&insert("root@example.org", "ROOT")).await.is_err(), "still only the roles of the API");
        assert!(db.execute_unprepared("INSERT INTO app_user (email, display_name, role, created_at) VALUES ('dashboard@example.org', 'Twice', 'AUDITOR', '2021-01-01T00:00:00Z')").await.is_err(), "emails stay unique");
        let users = entity::app_user::Entity::find().all(&db).await.unwrap();
        let roles: Vec<(&str, &str)> = users.iter().map(|u| (u.email.as_str(), u.role.as_str())).collect();
        assert_eq!(roles, vec![("dashboard@example.org", "PARTNER_SYSTEM"), ("auditor@example.org", "AUDITOR")]);
        assert_eq!(users[0].id, 1, "rows keep their ids");
    }
}
