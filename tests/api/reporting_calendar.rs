//! The reporting calendar (issue 17, item 4, first part): the reports a programme owes by the
//! MPTF Office's standard terms, what is overdue and what falls due, per organization and for
//! the fund; the convening organization's narrative reports.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use serde_json::{json, Value};

const ROWS: &str = "totalCount nodes { kind year dueOn status submittedOn organization { acronym } jointProgramme { code } }";

async fn calendar(app: &TestApp, token: &str, as_of: Option<&str>, mut filter: Value) -> Value {
    filter["asOf"] = json!(as_of);
    let query = format!(
        "query($filter: ReportFilter) {{ reportingCalendar(filter: $filter, first: 100) {{ {ROWS} }} }}"
    );
    app.data(Some(token), &query, json!({"filter": filter}))
        .await["reportingCalendar"]
        .clone()
}

fn rows(page: &Value) -> Vec<(String, i64, String, String, String)> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["year"].as_i64().unwrap(),
                r["organization"]["acronym"].as_str().unwrap().to_owned(),
                r["dueOn"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(
    kind: &str,
    year: i64,
    org: &str,
    due: &str,
    status: &str,
) -> (String, i64, String, String, String) {
    (kind.into(), year, org.into(), due.into(), status.into())
}

async fn narrative(app: &TestApp, token: &str, programme: &str, year: Option<i32>) -> Value {
    mutate(app, Some(token), "submitNarrativeReport", "narrativeReport { id year final summary }",
        json!({"jointProgramme": programme, "year": year, "summary": "Recruitment agencies trained in three corridors."})).await
}

on_both! {
    async fn a_programme_owes_its_reports_and_the_calendar_says_what_is_late(app: TestApp) {
        // 1 August 2021 to 31 July 2023, ILO convening with IOM.
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let [ilo, iom] = funded.organizations.clone();
        let only = json!({"jointProgramme": funded.programme});
        let page = calendar(&app, &app.admin(), Some("2022-05-15"), only.clone()).await;
        assert_eq!(rows(&page), vec![
            row("ANNUAL_FINANCIAL", 2021, "ILO", "2022-04-30", "OVERDUE"),
            row("ANNUAL_FINANCIAL", 2021, "IOM", "2022-04-30", "OVERDUE"),
            row("ANNUAL_NARRATIVE", 2021, "ILO", "2022-05-31", "DUE"),
            row("ANNUAL_FINANCIAL", 2022, "ILO", "2023-04-30", "DUE"),
            row("ANNUAL_FINANCIAL", 2022, "IOM", "2023-04-30", "DUE"),
            row("ANNUAL_NARRATIVE", 2022, "ILO", "2023-05-31", "DUE"),
            row("FINAL_NARRATIVE", 2023, "ILO", "2023-11-30", "DUE"),
            row("ANNUAL_FINANCIAL", 2023, "ILO", "2024-04-30", "DUE"),
            row("ANNUAL_FINANCIAL", 2023, "IOM", "2024-04-30", "DUE"),
            row("FINAL_FINANCIAL", 2023, "ILO", "2024-06-30", "DUE"),
            row("FINAL_FINANCIAL", 2023, "IOM", "2024-06-30", "DUE"),
        ]);

        // What falls due in the next 60 days, and what is late.
        let due = calendar(&app, &app.admin(), Some("2022-04-01"), json!({"jointProgramme": funded.programme, "status": ["DUE"], "dueWithinDays": 60})).await;
        assert_eq!(due["totalCount"], 3, "{due:#}");
        let late = calendar(&app, &app.committee(), Some("2022-06-01"), json!({"jointProgramme": funded.programme, "status": ["OVERDUE"]})).await;
        assert_eq!(late["totalCount"], 3, "{late:#}");
        let wrong = app.graphql(Some(&app.admin()), "{ reportingCalendar(filter: {dueWithinDays: -1}) { totalCount } }", json!({})).await;
        assert_eq!(wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{wrong:#}");

        // ILO reports 2021's expenditure and its narrative report; the calendar of that day shows
        // them submitted late, the calendar of 2022 still shows them overdue.
        let ilo_token = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let iom_token = app.puno_token(row_id(&json!(iom)), "user:iom");
        let spent = command(&app, &ilo_token, "reportExpenditure", "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "organization": ilo, "year": 2021, "amountUsd": "0.00", "idempotencyKey": "ilo-2021"})).await;
        assert_eq!(spent["userErrors"], json!([]), "{spent:#}");
        let sent = narrative(&app, &ilo_token, &funded.programme, Some(2021)).await;
        assert_eq!(sent["data"]["submitNarrativeReport"]["userErrors"], json!([]), "{sent:#}");
        assert_eq!(sent["data"]["submitNarrativeReport"]["narrativeReport"]["final"], false);
        let today = calendar(&app, &app.admin(), None, json!({"jointProgramme": funded.programme, "kind": ["ANNUAL_FINANCIAL", "ANNUAL_NARRATIVE"]})).await;
        let first = &rows(&today)[..3];
        assert_eq!(first, &[
            row("ANNUAL_FINANCIAL", 2021, "ILO", "2022-04-30", "SUBMITTED_LATE"),
            row("ANNUAL_FINANCIAL", 2021, "IOM", "2022-04-30", "OVERDUE"),
            row("ANNUAL_NARRATIVE", 2021, "ILO", "2022-05-31", "SUBMITTED_LATE"),
        ]);
        let then = calendar(&app, &app.admin(), Some("2022-05-15"), only.clone()).await;
        assert_eq!(rows(&then), rows(&page), "a past day's calendar shows what had come by then");

        // A PUNO reads what its own organization owes, whatever it asks for.
        let own = calendar(&app, &iom_token, None, json!({"jointProgramme": funded.programme, "organization": ilo})).await;
        assert_eq!(own["totalCount"], 0, "{own:#}");
        let own = calendar(&app, &iom_token, None, only.clone()).await;
        assert_eq!(own["totalCount"], 4, "{own:#}");
        assert!(rows(&own).iter().all(|r| r.2 == "IOM"), "{own:#}");

        // Narrative reports: the convening organization's, once per year and once final.
        let again = narrative(&app, &ilo_token, &funded.programme, Some(2021)).await;
        assert_eq!(again["data"]["submitNarrativeReport"]["userErrors"][0]["code"], "DUPLICATE", "{again:#}");
        let last_year = narrative(&app, &ilo_token, &funded.programme, Some(2023)).await;
        assert_eq!(last_year["data"]["submitNarrativeReport"]["userErrors"][0]["code"], "VALIDATION", "{last_year:#}");
        let by_iom = narrative(&app, &iom_token, &funded.programme, Some(2022)).await;
        assert_eq!(by_iom["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_iom:#}");
        let by_admin = narrative(&app, &app.admin(), &funded.programme, Some(2022)).await;
        assert_eq!(by_admin["errors"][0]["extensions"]["code"], "FORBIDDEN", "{by_admin:#}");
        let final_report = narrative(&app, &ilo_token, &funded.programme, None).await;
        assert_eq!(final_report["data"]["submitNarrativeReport"]["narrativeReport"]["year"], 2023, "{final_report:#}");
        let programme = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on JointProgramme { narrativeReports { year final } } } }", json!({"id": funded.programme})).await;
        assert_eq!(programme["node"]["narrativeReports"], json!([{"year": 2021, "final": false}, {"year": 2023, "final": true}]));
        let closing = calendar(&app, &app.admin(), None, json!({"jointProgramme": funded.programme, "kind": ["FINAL_NARRATIVE"]})).await;
        assert_eq!(rows(&closing), vec![row("FINAL_NARRATIVE", 2023, "ILO", "2023-11-30", "SUBMITTED_LATE")]);
    }
}

on_both! {
    async fn the_lists_of_programmes_ending_soon_and_trailing_their_time(app: TestApp) {
        // 1 August 2021 to 31 July 2023 (729 days); ILO receives USD 100,000 on 15 August 2021
        // and spends USD 60,000 of it in 2021 (booked on 31 December 2021).
        let funded = programme_of(&app, 4, 6, "1000000.00", "3000000.00", None).await;
        let ilo = funded.organizations[0].clone();
        let sent = transfer(&app, &app.admin(), &funded, &ilo, "100000.00", "trailing-transfer").await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let ilo_token = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let spent = command(&app, &ilo_token, "reportExpenditure", "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "organization": ilo, "year": 2021, "amountUsd": "60000.00", "idempotencyKey": "trailing-2021"})).await;
        assert_eq!(spent["userErrors"], json!([]), "{spent}");
        let codes = |page: &Value| -> Vec<String> {
            page["jointProgrammes"]["nodes"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_owned()).collect()
        };
        let list = |filter: Value| {
            let app = &app;
            async move {
                app.data(Some(&app.committee()), "query($f: JointProgrammeFilter) { jointProgrammes(filter: $f) { totalCount nodes { code } } }", json!({"f": filter})).await
            }
        };
        let code = list(json!({})).await["jointProgrammes"]["nodes"][0]["code"].as_str().unwrap().to_owned();
        let trailing = |as_of: &str, below: bool| json!({"asOf": as_of, "deliveryBelowTimeElapsed": below});
        // 1 January 2022: 153 days of 729 gone (0.21), 0.60 delivered: keeping up.
        assert_eq!(codes(&list(trailing("2022-01-01", false)).await), vec![code.clone()]);
        assert!(codes(&list(trailing("2022-01-01", true)).await).is_empty());
        // 1 January 2023: 0.71 of its time gone, still 0.60 delivered: trailing.
        assert_eq!(codes(&list(trailing("2023-01-01", true)).await), vec![code.clone()]);
        // Before its transfer, time passes with nothing delivered: trailing; before its start,
        // neither list holds it.
        assert_eq!(codes(&list(trailing("2021-08-10", true)).await), vec![code.clone()]);
        assert!(codes(&list(trailing("2021-07-01", true)).await).is_empty());
        assert!(codes(&list(trailing("2021-07-01", false)).await).is_empty());
        // Ending within 90 days: from 2 May 2023 on, until it has ended.
        let ending = |as_of: &str, days: i64| json!({"asOf": as_of, "endingWithinDays": days});
        assert_eq!(codes(&list(ending("2023-05-15", 90)).await), vec![code.clone()]);
        assert!(codes(&list(ending("2023-05-15", 60)).await).is_empty());
        assert_eq!(codes(&list(ending("2023-07-31", 0)).await), vec![code.clone()]);
        assert!(codes(&list(ending("2023-08-01", 90)).await).is_empty());
        // Combined with the other filters, and paged.
        let both = list(json!({"asOf": "2023-05-15", "endingWithinDays": 90, "deliveryBelowTimeElapsed": true, "status": ["APPROVED"]})).await;
        assert_eq!(both["jointProgrammes"]["totalCount"], json!(1), "{both}");
        for days in [-1, 3661] {
            let wrong = app.graphql(Some(&app.admin()), "query($d: Int) { jointProgrammes(filter: {endingWithinDays: $d}) { totalCount } }", json!({"d": days})).await;
            assert_eq!(wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{wrong}");
        }
    }
}
