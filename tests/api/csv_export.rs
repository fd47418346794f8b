//! Issue 14, item 2: `GET /export/NAME.csv` for every list agrees with the same GraphQL list, row
//! for row and in its money sums, for every role; its filters are the list's; mistakes are coded
//! errors.

use crate::helpers::{row_id, TestApp};
use crate::on_both;
use mptf::domain::Role;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Every export: its name, the GraphQL list it is, that list's filter type, and for rows nested
/// in the list's nodes, the nested field.
const EXPORTS: [(&str, &str, &str, Option<&str>); 11] = [
    ("donors", "donors", "DonorFilter", None),
    ("contributions", "contributions", "ContributionFilter", None),
    ("deposits", "deposits", "DepositFilter", None),
    ("concept-notes", "conceptNotes", "ConceptNoteFilter", None),
    (
        "joint-programmes",
        "jointProgrammes",
        "JointProgrammeFilter",
        None,
    ),
    (
        "budget-lines",
        "jointProgrammes",
        "JointProgrammeFilter",
        Some("budgetLines"),
    ),
    ("transfers", "transfers", "TransferFilter", None),
    (
        "expenditure-reports",
        "expenditureReports",
        "ExpenditureReportFilter",
        None,
    ),
    (
        "indicators",
        "jointProgrammes",
        "JointProgrammeFilter",
        Some("indicators"),
    ),
    ("decisions", "decisions", "DecisionFilter", None),
    ("ledger", "ledgerEntries", "LedgerEntryFilter", None),
];

/// What a CSV export answered.
struct Csv {
    status: u16,
    content_type: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The body, when it is not CSV (a JSON error).
    error: Value,
}

async fn get_csv(app: &TestApp, token: Option<&str>, path: &str) -> Csv {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.bytes().await.expect("a whole body");
    if status != 200 {
        return Csv {
            status,
            content_type,
            header: Vec::new(),
            rows: Vec::new(),
            error: serde_json::from_slice(&body).expect("a JSON error"),
        };
    }
    let text = String::from_utf8(body.to_vec()).expect("UTF-8");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect();
    Csv {
        status,
        content_type,
        header,
        rows,
        error: Value::Null,
    }
}

/// A selection set for dotted paths.
fn selection(paths: &[String]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for path in paths {
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) => (head.to_owned(), Some(rest.to_owned())),
            None => (path.clone(), None),
        };
        match groups.iter_mut().find(|(h, _)| *h == head) {
            Some((_, inner)) => inner.extend(rest),
            None => groups.push((head, rest.into_iter().collect())),
        }
    }
    groups
        .into_iter()
        .map(|(head, inner)| {
            if inner.is_empty() {
                head
            } else {
                format!("{head} {{ {} }}", selection(&inner))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A GraphQL value as the CSV writes it.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// The rows of the GraphQL list for the CSV's `header`, paged 37 at a time; or its error code.
async fn graphql_rows(
    app: &TestApp,
    token: Option<&str>,
    export: (&str, &str, &str, Option<&str>),
    header: &[String],
    filter: &Value,
) -> Result<Vec<Vec<String>>, String> {
    let (_, field, filter_type, nested) = export;
    let (parent, own): (Vec<String>, Vec<String>) = match nested {
        None => (Vec::new(), header.to_vec()),
        Some(_) => {
            let parent = header
                .iter()
                .filter_map(|c| c.strip_prefix("jointProgramme.").map(str::to_owned))
                .collect();
            let own = header
                .iter()
                .filter(|c| !c.starts_with("jointProgramme."))
                .cloned()
                .collect();
            (parent, own)
        }
    };
    let node = match nested {
        None => selection(&own),
        Some(nested) => format!("{} {nested} {{ {} }}", selection(&parent), selection(&own)),
    };
    let query = format!(
        "query($filter: {filter_type}, $after: String) {{ {field}(filter: $filter, first: 37, after: $after) {{
            totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {node} }} }} }}"
    );
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let response = app
            .graphql(token, &query, json!({"filter": filter, "after": after}))
            .await;
        if let Some(code) = response["errors"][0]["extensions"]["code"].as_str() {
            return Err(code.to_owned());
        }
        assert!(response.get("errors").is_none(), "{response:#}");
        let list = &response["data"][field];
        for node in list["nodes"].as_array().unwrap() {
            match nested {
                None => rows.push(own.iter().map(|c| text(at(node, c))).collect()),
                Some(nested) => {
                    for item in node[nested].as_array().unwrap() {
                        let mut row: Vec<String> =
                            parent.iter().map(|c| text(at(node, c))).collect();
                        row.extend(own.iter().map(|c| text(at(item, c))));
                        rows.push(row);
                    }
                }
            }
        }
        if list["pageInfo"]["hasNextPage"] != json!(true) {
            return Ok(rows);
        }
        after = list["pageInfo"]["endCursor"].clone();
    }
}

/// The sum of every money column (`…Usd`, `amount.amount`) over `rows`.
fn money_sums(header: &[String], rows: &[Vec<String>]) -> BTreeMap<String, Decimal> {
    let mut sums = BTreeMap::new();
    for (i, column) in header.iter().enumerate() {
        if !(column.ends_with("Usd") || column.ends_with("amount.amount")) {
            continue;
        }
        let sum = rows
            .iter()
            .filter(|r| !r[i].is_empty())
            .map(|r| {
                Decimal::from_str(&r[i])
                    .unwrap_or_else(|_| panic!("{column}: {:?} is a plain decimal", r[i]))
            })
            .sum();
        sums.insert(column.clone(), sum);
    }
    sums
}

/// The CSV of `name` with `query` as `token` agrees with the GraphQL list with `filter`; returns
/// its rows (none when refused).
async fn agree(
    app: &TestApp,
    role: &str,
    token: Option<&str>,
    name: &str,
    query: &str,
    filter: Value,
) -> (Vec<String>, Vec<Vec<String>>) {
    let export = *EXPORTS.iter().find(|e| e.0 == name).unwrap();
    let csv = get_csv(app, token, &format!("/export/{name}.csv{query}")).await;
    if csv.status != 200 {
        // Refused: GraphQL refuses the same list with the same code.
        let code = csv.error["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert!(
            csv.content_type.starts_with("application/json"),
            "{role} {name}: {}",
            csv.content_type
        );
        let header: Vec<String> = vec!["id".to_owned()];
        let served = graphql_rows(app, token, export, &header, &filter).await;
        assert_eq!(
            served,
            Err(code.clone()),
            "{role} {name}: the CSV answered {} {code}",
            csv.status
        );
        return (Vec::new(), Vec::new());
    }
    assert_eq!(csv.content_type, "text/csv; charset=utf-8", "{role} {name}");
    assert_eq!(
        csv.header.first().map(String::as_str),
        Some(if export.3.is_some() {
            "jointProgramme.id"
        } else {
            "id"
        })
    );
    let served = graphql_rows(app, token, export, &csv.header, &filter)
        .await
        .unwrap_or_else(|code| {
            panic!("{role} {name}: the CSV was served, GraphQL answered {code}")
        });
    assert_eq!(csv.rows.len(), served.len(), "{role} {name}: as many rows");
    for (i, (row, expected)) in csv.rows.iter().zip(&served).enumerate() {
        assert_eq!(row, expected, "{role} {name}: row {i}");
    }
    assert_eq!(
        money_sums(&csv.header, &csv.rows),
        money_sums(&csv.header, &served),
        "{role} {name}: money sums"
    );
    (csv.header, csv.rows)
}

on_both! {
    async fn every_export_agrees_with_its_graphql_list_for_every_role(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let db = &app.services.db;
        let germany = entity::donor::Entity::find().all(db).await.unwrap()
            .into_iter().find(|d| d.name == "Germany").expect("the demo's Germany").id;
        let iom = row_id(&json!(crate::fixtures::organization_id(&app, "IOM").await));
        let roles: [(&str, Option<String>); 7] = [
            ("ANONYMOUS", None),
            ("DONOR", Some(app.donor_token(germany, "user:donor"))),
            ("PUNO", Some(app.puno_token(iom, "user:iom"))),
            ("PARTNER_SYSTEM", Some(app.token(Role::PartnerSystem, "client:dashboard"))),
            ("ADMIN", Some(app.admin())),
            ("STEERING_COMMITTEE", Some(app.committee())),
            ("AUDITOR", Some(app.token(Role::Auditor, "user:auditor"))),
        ];
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (name, _, _, _) in EXPORTS {
            for (role, token) in &roles {
                let (_, rows) = agree(&app, role, token.as_deref(), name, "", Value::Null).await;
                counts.insert((name, role), rows.len());
            }
        }
        // Every list has rows for the fund's staff (so the comparisons compare something), none
        // without a token, and each role's rights show: a donor reads its own agreements only,
        // PUNOs and partner systems none; the ledger's donor lines are the donor's and the staff's.
        for (name, _, _, _) in EXPORTS {
            assert!(counts[&(name, "ADMIN")] > 0, "{name}: the demo has rows");
            assert_eq!(counts[&(name, "ANONYMOUS")], 0, "{name}");
            assert_eq!(counts[&(name, "AUDITOR")], counts[&(name, "ADMIN")], "{name}");
        }
        for name in ["contributions", "deposits"] {
            assert!(counts[&(name, "DONOR")] > 0 && counts[&(name, "DONOR")] < counts[&(name, "ADMIN")], "{name}");
            assert_eq!(counts[&(name, "PUNO")], 0, "{name}");
            assert_eq!(counts[&(name, "PARTNER_SYSTEM")], 0, "{name}");
        }
        assert!(counts[&("ledger", "PARTNER_SYSTEM")] < counts[&("ledger", "DONOR")]);
        assert!(counts[&("ledger", "DONOR")] < counts[&("ledger", "ADMIN")]);
        // The ledger's CSV sums to the books: every entry's USD amount, per kind.
        let (header, rows) = agree(&app, "ADMIN", Some(&app.admin()), "ledger", "", Value::Null).await;
        let kind = header.iter().position(|c| c == "kind").unwrap();
        let usd = header.iter().position(|c| c == "amountUsd").unwrap();
        let mut from_csv: BTreeMap<String, i64> = BTreeMap::new();
        for row in &rows {
            let cents = Decimal::from_str(&row[usd]).unwrap() * Decimal::from(100);
            *from_csv.entry(row[kind].clone()).or_default() += i64::try_from(cents.normalize().mantissa()).unwrap();
        }
        let mut stored: BTreeMap<String, i64> = BTreeMap::new();
        for entry in entity::ledger_entry::Entity::find().all(db).await.unwrap() {
            *stored.entry(entry.kind).or_default() += entry.amount_usd_cents;
        }
        assert_eq!(from_csv, stored);
    }
}

on_both! {
    async fn filters_are_the_lists_own_and_mistakes_are_coded(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let admin = app.admin();
        let partner = app.token(Role::PartnerSystem, "client:dashboard");
        let transfers = entity::transfer::Entity::find().all(&app.services.db).await.unwrap();
        let programme = mptf::ids::encode(mptf::ids::Kind::JointProgramme, transfers[0].joint_programme_id);
        let area = app.data(None, "{ thematicAreas { id number } }", json!({})).await["thematicAreas"][1]["id"].as_str().unwrap().to_owned();
        let cases = [
            ("ledger", "?kinds=DEPOSIT,AGENT_FEE&from=2021-01-01".to_owned(), json!({"kinds": ["DEPOSIT", "AGENT_FEE"], "from": "2021-01-01"}), &admin),
            ("ledger", format!("?jointProgramme={programme}"), json!({"jointProgramme": programme}), &partner),
            ("transfers", format!("?jointProgramme={programme}&to=2022-12-31"), json!({"jointProgramme": programme, "to": "2022-12-31"}), &partner),
            ("budget-lines", format!("?thematicArea={area}"), json!({"thematicArea": area}), &partner),
            ("expenditure-reports", "?year=2021".to_owned(), json!({"year": 2021}), &partner),
            ("contributions", "?status=FULLY_DEPOSITED,PARTIALLY_DEPOSITED".to_owned(), json!({"status": ["FULLY_DEPOSITED", "PARTIALLY_DEPOSITED"]}), &admin),
            ("concept-notes", "?status=PIPELINE&search=migra".to_owned(), json!({"status": ["PIPELINE"], "search": "migra"}), &partner),
            ("decisions", "?kind=FUNDING".to_owned(), json!({"kind": ["FUNDING"]}), &admin),
            ("deposits", "?recordedSince=2000-01-01T00:00:00Z&currency=EUR".to_owned(), json!({"recordedSince": "2000-01-01T00:00:00Z", "currency": "EUR"}), &admin),
            ("donors", "?kind=MEMBER_STATE".to_owned(), json!({"kind": "MEMBER_STATE"}), &admin),
        ];
        for (name, query, filter, token) in cases {
            let (_, narrowed) = agree(&app, "filtered", Some(token), name, &query, filter).await;
            let (_, all) = agree(&app, "unfiltered", Some(token), name, "", Value::Null).await;
            assert!(narrowed.len() <= all.len(), "{name}{query}");
            assert!(!all.is_empty(), "{name}");
        }
        let (_, one) = agree(&app, "filtered", Some(&partner), "transfers", &format!("?jointProgramme={programme}"), json!({"jointProgramme": programme})).await;
        assert_eq!(one.len(), transfers.iter().filter(|t| t.joint_programme_id == transfers[0].joint_programme_id).count());
        // Mistakes: a bad filter value, an unknown filter, a period backwards, a bad integer,
        // an unknown export, a bad token.
        for (path, status, code) in [
            ("/export/ledger.csv?from=2021-02-01&to=2021-01-01", 400, "BAD_USER_INPUT"),
            ("/export/ledger.csv?kinds=NOT_A_KIND", 400, "BAD_USER_INPUT"),
            ("/export/ledger.csv?colour=red", 400, "BAD_USER_INPUT"),
            ("/export/ledger.csv?donor=not-an-id", 400, "BAD_USER_INPUT"),
            ("/export/expenditure-reports.csv?year=twenty", 400, "BAD_USER_INPUT"),
            ("/export/transfers.csv?from=2021-01-01&from=2022-01-01", 400, "BAD_USER_INPUT"),
            ("/export/ledgers.csv", 404, "NOT_FOUND"),
            ("/export/ledger.json", 404, "NOT_FOUND"),
        ] {
            let csv = get_csv(&app, Some(&admin), path).await;
            assert_eq!(csv.status, status, "{path}: {}", csv.error);
            assert_eq!(csv.error["errors"][0]["extensions"]["code"], json!(code), "{path}: {}", csv.error);
        }
        let anonymous = app.client.get(format!("{}/export/ledger.csv", app.address)).send().await.unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        assert_eq!(anonymous.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
        let refused = get_csv(&app, Some("not-a-token"), "/export/ledger.csv").await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.error["errors"][0]["extensions"]["code"], json!("UNAUTHENTICATED"));
    }
}
