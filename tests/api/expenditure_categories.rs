//! Expenditure as the UN system reports it (issue 17, item 4, second part): by the harmonized
//! cost categories with indirect support costs their own, capped line; interim figures replaced
//! until the year is certified; a certified figure changed only by the Administrative Agent's
//! audited correction, the original kept and the books reversed and rebooked.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use serde_json::{json, Value};

const REPORT: &str = "expenditureReport { id year nature amountUsd certifiedAt version final
    lines { category amountUsd }
    byCategory { staffAndPersonnelUsd travelUsd programmableUsd indirectSupportCostsUsd }
    statements { nature audited auditReference reason amountUsd statedBy lines { category amountUsd } }
    corrections { auditReference amountUsd } }";

#[track_caller]
fn accepted(payload: &Value) {
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
}

/// Refused with one user error of `code` on `field` whose message says `says`; nothing returned.
#[track_caller]
fn refused(payload: &Value, code: &str, field: &[&str], says: &str) {
    let errors = payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("{payload:#}"));
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(field), "{payload:#}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message:?} does not say {says:?}");
    assert!(payload["expenditureReport"].is_null(), "{payload:#}");
}

/// A caller who may not make this write gets a top-level `code`, and nothing is written.
async fn assert_refused(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    input: Value,
    code: &str,
) {
    let before = audit_count(app).await;
    let response = mutate(app, token, mutation, "", input).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], code,
        "{mutation}: {response:#}"
    );
    assert!(
        response["data"].is_null() || response["data"][mutation].is_null(),
        "{response:#}"
    );
    assert_eq!(
        audit_count(app).await,
        before,
        "a refused {mutation} left an audit event"
    );
}

fn lines(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(category, amount)| json!({"category": category, "amountUsd": amount}))
        .collect()
}

async fn report(app: &TestApp, token: &str, input: Value) -> Value {
    command(app, token, "reportExpenditure", REPORT, input).await
}

async fn correct(app: &TestApp, token: &str, input: Value) -> Value {
    command(app, token, "correctExpenditure", REPORT, input).await
}

async fn spent(app: &TestApp, programme: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on JointProgramme { financials { expenditureUsd } } } }",
            json!({"id": programme}),
        )
        .await;
    data["node"]["financials"]["expenditureUsd"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The programme's `EXPENDITURE` and `REVERSAL` entries, in order: (kind, amountUsd, report id).
async fn entries(app: &TestApp, programme: &str) -> Vec<(String, String, String)> {
    let data = app
        .data(
            Some(&app.admin()),
            "query($p: ID!) { ledgerEntries(filter: {jointProgramme: $p, kinds: [EXPENDITURE, REVERSAL]}, first: 100) { nodes { id kind amountUsd expenditureReport { id } } } }",
            json!({"p": programme}),
        )
        .await;
    let mut rows: Vec<(String, String, String, String)> = data["ledgerEntries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
                e["amountUsd"].as_str().unwrap().to_owned(),
                e["expenditureReport"]["id"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    rows.sort_by_key(|(id, ..)| row_id(&json!(id)));
    rows.into_iter().map(|(_, k, a, r)| (k, a, r)).collect()
}

/// The ANNUAL_FINANCIAL report `year` of ILO on the calendar today: its status and the
/// expenditure report answering it.
async fn annual_financial(app: &TestApp, programme: &str, year: i64) -> (String, Value) {
    let data = app
        .data(
            Some(&app.admin()),
            "query($p: ID!) { reportingCalendar(filter: {jointProgramme: $p, kind: [ANNUAL_FINANCIAL]}, first: 100) { nodes { year status organization { acronym } expenditureReport { id } } } }",
            json!({"p": programme}),
        )
        .await;
    let row = data["reportingCalendar"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == year && r["organization"]["acronym"] == "ILO")
        .cloned()
        .unwrap_or_else(|| panic!("no ANNUAL_FINANCIAL {year} of ILO: {data:#}"));
    (
        row["status"].as_str().unwrap().to_owned(),
        row["expenditureReport"]["id"].clone(),
    )
}

on_both! {
    async fn expenditure_comes_by_cost_category_with_support_costs_capped(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let [ilo, _] = funded.organizations.clone();
        accepted(&transfer(&app, &app.admin(), &funded, &ilo, "300000.00", "cat-t").await);
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let input = |items: Value, key: &str| json!({"jointProgramme": funded.programme, "year": 2021, "nature": "CERTIFIED", "lines": items, "idempotencyKey": key});

        // Programmable 15000.05 at ILO's 7%: 1050.0035, half-even to the cent, 1050.00 at most.
        let before = audit_count(&app).await;
        let over = report(&app, &puno, input(lines(&[("STAFF_AND_PERSONNEL", "10000.00"), ("TRAVEL", "5000.05"), ("INDIRECT_SUPPORT_COSTS", "1050.01")]), "cat-1")).await;
        refused(&over, "BUDGET_EXCEEDED", &["input", "lines", "2", "amountUsd"], "at most USD 1050.00");
        // No programmable expenditure, no support costs.
        let alone = report(&app, &puno, input(lines(&[("INDIRECT_SUPPORT_COSTS", "0.01")]), "cat-2")).await;
        refused(&alone, "BUDGET_EXCEEDED", &["input", "lines", "0", "amountUsd"], "at most USD 0.00");
        let twice = report(&app, &puno, input(lines(&[("TRAVEL", "1.00"), ("TRAVEL", "2.00")]), "cat-3")).await;
        refused(&twice, "DUPLICATE", &["input", "lines", "1", "category"], "one line per cost category");
        let negative = report(&app, &puno, input(lines(&[("TRAVEL", "-1.00")]), "cat-4")).await;
        refused(&negative, "VALIDATION", &["input", "lines", "0", "amountUsd"], "");
        // An old client's total alone is refused; a stated total must be the lines' sum.
        let old = report(&app, &puno, json!({"jointProgramme": funded.programme, "year": 2021, "amountUsd": "100.00", "idempotencyKey": "cat-5"})).await;
        refused(&old, "VALIDATION", &["input", "lines"], "by cost category");
        let mut wrong_total = input(lines(&[("TRAVEL", "100.00")]), "cat-6");
        wrong_total["amountUsd"] = json!("100.01");
        refused(&report(&app, &puno, wrong_total).await, "VALIDATION", &["input", "amountUsd"], "the lines total USD 100.00");
        // The current year is certified once it has ended; the final report is certified.
        let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        let mut early = input(lines(&[("TRAVEL", "1.00")]), "cat-7");
        early["year"] = json!(this_year);
        refused(&report(&app, &puno, early).await, "VALIDATION", &["input", "nature"], "has not ended");
        let mut final_interim = input(lines(&[("TRAVEL", "1.00")]), "cat-8");
        final_interim["nature"] = json!("INTERIM");
        final_interim["final"] = json!(true);
        refused(&report(&app, &puno, final_interim).await, "VALIDATION", &["input", "final"], "CERTIFIED");
        // Only the organization reports its expenditure.
        assert_refused(&app, Some(&app.admin()), "reportExpenditure", input(lines(&[("TRAVEL", "1.00")]), "cat-9"), "FORBIDDEN").await;
        assert_eq!(audit_count(&app).await, before, "nothing refused was written");

        // At the cap: the total is the lines' exact sum.
        let certified = report(&app, &puno, input(lines(&[("STAFF_AND_PERSONNEL", "10000.00"), ("TRAVEL", "5000.05"), ("INDIRECT_SUPPORT_COSTS", "1050.00")]), "cat-10")).await;
        accepted(&certified);
        let r = &certified["expenditureReport"];
        assert_eq!(r["nature"], "CERTIFIED");
        assert_eq!(r["amountUsd"], "16050.05");
        assert!(r["certifiedAt"].is_string(), "{r:#}");
        assert_eq!(r["byCategory"], json!({"staffAndPersonnelUsd": "10000.00", "travelUsd": "5000.05", "programmableUsd": "15000.05", "indirectSupportCostsUsd": "1050.00"}));
        let categories: Vec<&str> = r["lines"].as_array().unwrap().iter().map(|l| l["category"].as_str().unwrap()).collect();
        assert_eq!(categories, ["STAFF_AND_PERSONNEL", "SUPPLIES", "EQUIPMENT", "CONTRACTUAL_SERVICES", "TRAVEL", "TRANSFERS_AND_GRANTS", "GENERAL_OPERATING", "INDIRECT_SUPPORT_COSTS"]);
        assert_eq!(r["lines"][1], json!({"category": "SUPPLIES", "amountUsd": "0.00"}));
        assert_eq!(r["statements"].as_array().unwrap().len(), 1);
        assert_eq!(r["corrections"], json!([]));
        assert_eq!(spent(&app, &funded.programme).await, "16050.05");

        // A certified figure is not edited: not by a new report, interim or certified.
        let again = report(&app, &puno, input(lines(&[("TRAVEL", "10.00")]), "cat-11")).await;
        refused(&again, "DUPLICATE", &["input", "year"], "only an audited correction");
        let mut interim = input(lines(&[("TRAVEL", "10.00")]), "cat-12");
        interim["nature"] = json!("INTERIM");
        refused(&report(&app, &puno, interim).await, "DUPLICATE", &["input", "year"], "already certified");
        assert_eq!(spent(&app, &funded.programme).await, "16050.05");
    }
}

on_both! {
    async fn an_interim_figure_is_replaced_and_a_certified_one_only_corrected_on_audit(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let [ilo, _] = funded.organizations.clone();
        accepted(&transfer(&app, &app.admin(), &funded, &ilo, "300000.00", "int-t").await);
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let input = |year: i32, nature: &str, items: Value, key: &str| json!({"jointProgramme": funded.programme, "year": year, "nature": nature, "lines": items, "idempotencyKey": key});

        // An interim figure counts in the books, but does not answer the calendar.
        let first = report(&app, &puno, input(2022, "INTERIM", lines(&[("SUPPLIES", "1000.00")]), "int-1")).await;
        accepted(&first);
        let id = first["expenditureReport"]["id"].as_str().unwrap().to_owned();
        assert_eq!(first["expenditureReport"]["nature"], "INTERIM");
        assert!(first["expenditureReport"]["certifiedAt"].is_null());
        assert_eq!(spent(&app, &funded.programme).await, "1000.00");
        assert_eq!(annual_financial(&app, &funded.programme, 2022).await, ("OVERDUE".to_owned(), Value::Null));

        // Replaced by its organization: the same report, both figures kept, the books rebooked.
        let second = report(&app, &puno, input(2022, "INTERIM", lines(&[("SUPPLIES", "1500.00"), ("EQUIPMENT", "500.00")]), "int-2")).await;
        accepted(&second);
        assert_eq!(second["expenditureReport"]["id"], id.as_str());
        assert_eq!(second["expenditureReport"]["amountUsd"], "2000.00");
        let amounts: Vec<&Value> = second["expenditureReport"]["statements"].as_array().unwrap().iter().map(|s| &s["amountUsd"]).collect();
        assert_eq!(amounts, [&json!("1000.00"), &json!("2000.00")]);
        assert_eq!(spent(&app, &funded.programme).await, "2000.00");

        // Certified: the same report again, now what the calendar counts.
        let certified = report(&app, &puno, input(2022, "CERTIFIED", lines(&[("SUPPLIES", "1800.00"), ("INDIRECT_SUPPORT_COSTS", "126.00")]), "int-3")).await;
        accepted(&certified);
        let c = &certified["expenditureReport"];
        assert_eq!(c["id"], id.as_str());
        assert_eq!(c["nature"], "CERTIFIED");
        assert_eq!(c["amountUsd"], "1926.00");
        let natures: Vec<&Value> = c["statements"].as_array().unwrap().iter().map(|s| &s["nature"]).collect();
        assert_eq!(natures, [&json!("INTERIM"), &json!("INTERIM"), &json!("CERTIFIED")]);
        assert_eq!(spent(&app, &funded.programme).await, "1926.00");
        assert_eq!(annual_financial(&app, &funded.programme, 2022).await, ("SUBMITTED_LATE".to_owned(), json!(id)));
        let version = c["version"].as_i64().unwrap();

        // Corrected on an audit's word, by the Administrative Agent only, at the report's version.
        let correction = |items: Value, version: i64, reference: &str, key: &str| json!({"expenditureReport": id, "expectedVersion": version, "lines": items, "auditReference": reference, "reason": "Supplies bought for another programme.", "idempotencyKey": key});
        let fixed = lines(&[("SUPPLIES", "1700.00"), ("INDIRECT_SUPPORT_COSTS", "119.00")]);
        let before = audit_count(&app).await;
        assert_refused(&app, Some(&puno), "correctExpenditure", correction(fixed.clone(), version, "OAI-2023-017", "fix-1"), "FORBIDDEN").await;
        assert_refused(&app, Some(&app.committee()), "correctExpenditure", correction(fixed.clone(), version, "OAI-2023-017", "fix-2"), "FORBIDDEN").await;
        refused(&correct(&app, &app.admin(), correction(lines(&[("SUPPLIES", "1700.00"), ("INDIRECT_SUPPORT_COSTS", "119.01")]), version, "OAI-2023-017", "fix-3")).await,
            "BUDGET_EXCEEDED", &["input", "lines", "1", "amountUsd"], "at most USD 119.00");
        refused(&correct(&app, &app.admin(), correction(fixed.clone(), version, " ", "fix-4")).await, "VALIDATION", &["input", "auditReference"], "");
        refused(&correct(&app, &app.admin(), correction(fixed.clone(), version - 1, "OAI-2023-017", "fix-5")).await, "STALE_VERSION", &["input", "expectedVersion"], "");
        refused(&correct(&app, &app.admin(), correction(lines(&[("SUPPLIES", "300000.01")]), version, "OAI-2023-017", "fix-6")).await,
            "BUDGET_EXCEEDED", &["input", "lines"], "transferred to the organization");
        assert_eq!(audit_count(&app).await, before, "nothing refused was written");

        let corrected = correct(&app, &app.admin(), correction(fixed.clone(), version, "OAI-2023-017", "fix-7")).await;
        accepted(&corrected);
        let k = &corrected["expenditureReport"];
        assert_eq!(k["amountUsd"], "1819.00");
        assert_eq!(k["nature"], "CERTIFIED");
        assert_eq!(k["version"], version + 1);
        assert_eq!(k["corrections"], json!([{"auditReference": "OAI-2023-017", "amountUsd": "1819.00"}]));
        let statements = k["statements"].as_array().unwrap();
        assert_eq!(statements.len(), 4);
        // The certified figure is kept as it was; the correction is marked audited.
        assert_eq!(statements[2]["amountUsd"], "1926.00");
        assert_eq!(statements[2]["audited"], false);
        assert_eq!(statements[3]["audited"], true);
        assert_eq!(statements[3]["reason"], "Supplies bought for another programme.");
        assert_eq!(statements[3]["statedBy"], "user:admin");
        assert_eq!(spent(&app, &funded.programme).await, "1819.00");
        // A retry with the same key answers as the first time; the figure moves once.
        let retried = correct(&app, &app.admin(), correction(fixed, version, "OAI-2023-017", "fix-7")).await;
        accepted(&retried);
        assert_eq!(retried["expenditureReport"]["statements"].as_array().unwrap().len(), 4);

        // The books: each figure booked, each replaced one reversed, the latest standing.
        let booked = entries(&app, &funded.programme).await;
        let amounts: Vec<(&str, &str)> = booked.iter().map(|(k, a, _)| (k.as_str(), a.as_str())).collect();
        assert_eq!(amounts, [
            ("EXPENDITURE", "1000.00"),
            ("REVERSAL", "-1000.00"), ("EXPENDITURE", "2000.00"),
            ("REVERSAL", "-2000.00"), ("EXPENDITURE", "1926.00"),
            ("REVERSAL", "-1926.00"), ("EXPENDITURE", "1819.00"),
        ]);
        assert!(booked.iter().all(|(_, _, report)| *report == id));

        // An interim figure is its organization's to replace, not the Agent's to correct.
        let later = report(&app, &puno, input(2023, "INTERIM", lines(&[("TRAVEL", "10.00")]), "int-4")).await;
        accepted(&later);
        let later_id = later["expenditureReport"]["id"].as_str().unwrap();
        let interim_fix = json!({"expenditureReport": later_id, "expectedVersion": later["expenditureReport"]["version"], "lines": lines(&[("TRAVEL", "5.00")]), "auditReference": "OAI-2024-001", "reason": "No.", "idempotencyKey": "fix-8"});
        refused(&correct(&app, &app.admin(), interim_fix).await, "INVALID_TRANSITION", &["input", "expenditureReport"], "interim");
        assert_eq!(spent(&app, &funded.programme).await, "1829.00");
    }
}

on_both! {
    async fn the_demo_reports_interim_and_certified_expenditure_by_category(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let data = app
            .data(
                Some(&app.admin()),
                "{ expenditureReports(first: 100) { nodes { nature amountUsd lines { amountUsd } byCategory { programmableUsd indirectSupportCostsUsd } statements { nature } corrections { auditReference } } } }",
                json!({}),
            )
            .await;
        let nodes = data["expenditureReports"]["nodes"].as_array().unwrap();
        let count = |nature: &str| nodes.iter().filter(|n| n["nature"] == nature).count();
        assert!(count("INTERIM") > 0 && count("CERTIFIED") > 0, "{data:#}");
        let corrected: Vec<&Value> = nodes.iter().filter(|n| !n["corrections"].as_array().unwrap().is_empty()).collect();
        assert_eq!(corrected.len(), 1, "one audited correction");
        assert!(nodes.iter().any(|n| n["nature"] == "INTERIM" && n["statements"].as_array().unwrap().len() == 2), "an interim figure replaced");
        let cents = |v: &Value| -> i64 { v.as_str().unwrap().replace('.', "").parse().unwrap() };
        for node in nodes {
            let by = &node["byCategory"];
            // Each demo figure's support costs are within 7% of its programmable expenditure,
            // and its lines add up to it.
            assert!(cents(&by["indirectSupportCostsUsd"]) * 100 <= cents(&by["programmableUsd"]) * 7 + 50, "{node:#}");
            let sum: i64 = node["lines"].as_array().unwrap().iter().map(|l| cents(&l["amountUsd"])).sum();
            assert_eq!(sum, cents(&node["amountUsd"]), "{node:#}");
        }
        // The demo's programmes split into those whose delivery trails their time and the others.
        let count = |filter: Value| {
            let app = &app;
            async move {
                app.data(Some(&app.admin()), "query($f: JointProgrammeFilter) { jointProgrammes(filter: $f) { totalCount } }", json!({"f": filter}))
                    .await["jointProgrammes"]["totalCount"].as_i64().unwrap()
            }
        };
        // Today every demo programme is further along its time than its delivery (it reported
        // one year's expenditure only); at the end of 2020 the first round had spent 70% of its
        // first tranche, ahead of its time; the later rounds had not started.
        let all = count(json!({})).await;
        assert_eq!(count(json!({"deliveryBelowTimeElapsed": true})).await, all);
        let trailing = count(json!({"asOf": "2020-12-31", "deliveryBelowTimeElapsed": true})).await;
        let others = count(json!({"asOf": "2020-12-31", "deliveryBelowTimeElapsed": false})).await;
        assert!(others > 0, "{trailing} trailing, {others} others");
        // A programme not yet started on that day is in neither list: it has no time to trail.
        let started = count(json!({"startTo": "2020-12-31"})).await;
        assert!(started < all, "later rounds start in 2021");
        assert_eq!(trailing + others, started);
        // docs/reporting.md's queries run on the demo, as a partner system's.
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reporting.md")).unwrap();
        let partner = app.token(mptf::domain::Role::PartnerSystem, "client:dashboard");
        let examples: Vec<&str> = page
            .split("```graphql")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .filter(|example| example.trim_start().starts_with('{'))
            .collect();
        assert_eq!(examples.len(), 4, "the calendar's two, the expenditure one, the lists'");
        for example in examples {
            let answer = app.graphql(Some(&partner), example, json!({})).await;
            assert!(answer.get("errors").is_none(), "{example}: {answer:#}");
        }
    }
}

on_both! {
    async fn programmes_ending_soon_and_those_whose_delivery_trails_their_time(app: TestApp) {
        // 1 August 2021 to 31 July 2023: 729 days.
        let funded = funded_programme(&app, "3000000.00").await;
        let [ilo, _] = funded.organizations.clone();
        accepted(&transfer(&app, &app.admin(), &funded, &ilo, "300000.00", "due-t").await);
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        accepted(&report(&app, &puno, json!({"jointProgramme": funded.programme, "year": 2021, "lines": lines(&[("TRAVEL", "100000.00")]), "idempotencyKey": "due-1"})).await);
        let listed = |filter: Value| {
            let app = &app;
            async move {
                let data = app
                    .data(
                        Some(&app.token(mptf::domain::Role::PartnerSystem, "client:dashboard")),
                        "query($f: JointProgrammeFilter) { jointProgrammes(filter: $f, first: 100) { nodes { id } } }",
                        json!({"f": filter}),
                    )
                    .await;
                data["jointProgrammes"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
            }
        };
        let this = funded.programme.clone();
        // Ending within 90 days of 1 June 2023, not of 1 January 2022; the end date itself counts.
        assert!(listed(json!({"asOf": "2023-06-01", "endingWithinDays": 90})).await.contains(&this));
        assert!(listed(json!({"asOf": "2023-07-31", "endingWithinDays": 0})).await.contains(&this));
        assert!(!listed(json!({"asOf": "2022-01-01", "endingWithinDays": 90})).await.contains(&this));
        assert!(!listed(json!({"asOf": "2023-08-01", "endingWithinDays": 90})).await.contains(&this));
        // On 31 December 2021: 152 of 729 days (0.2085), a third delivered (0.3333): not trailing.
        assert!(!listed(json!({"asOf": "2021-12-31", "deliveryBelowTimeElapsed": true})).await.contains(&this));
        assert!(listed(json!({"asOf": "2021-12-31", "deliveryBelowTimeElapsed": false})).await.contains(&this));
        // On 1 August 2022: half the time gone (0.5007), still a third delivered: trailing.
        assert!(listed(json!({"asOf": "2022-08-01", "deliveryBelowTimeElapsed": true})).await.contains(&this));
        assert!(!listed(json!({"asOf": "2022-08-01", "deliveryBelowTimeElapsed": false})).await.contains(&this));
        assert!(listed(json!({"asOf": "2022-08-01", "deliveryBelowTimeElapsed": true, "endingWithinDays": 365})).await.contains(&this));
        let wrong = app.graphql(Some(&app.admin()), "{ jointProgrammes(filter: {endingWithinDays: -1}) { totalCount } }", json!({})).await;
        assert_eq!(wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{wrong:#}");
    }
}
