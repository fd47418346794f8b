//! Results frameworks that live (issue 17, item 5): indicators with a baseline year, targets per
//! period and disaggregation; reports per period with their breakdown; revisions (the original
//! kept) and retirement by the Fund Management Unit only. See docs/results.md.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use entity::portfolio_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const INDICATOR: &str = "indicator { id code statement unit baseline baselineYear target status \
    retiredAt retiredBy retirementReason version progress \
    disaggregation { dimension categories exhaustive } \
    targets { periodStart periodEnd target } \
    revisions { number reason revisedBy statement unit baseline baselineYear target targets { periodStart periodEnd target } } \
    measurements { periodStart periodEnd value breakdown { dimension category value } } }";

/// The programme's convening organization (ILO) and its token.
fn ilo(app: &TestApp, funded: &Funded) -> String {
    app.puno_token(row_id(&json!(funded.organizations[0])), "user:ilo")
}

fn year_targets() -> Value {
    json!([
        {"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "400"},
        {"periodStart": "2022-08-01", "periodEnd": "2023-07-31", "target": "1000"},
    ])
}

async fn add(app: &TestApp, token: &str, input: Value) -> Value {
    command(app, token, "addIndicator", INDICATOR, input).await
}

async fn report(app: &TestApp, token: &str, input: Value) -> Value {
    command(
        app,
        token,
        "reportIndicatorValue",
        "measurement { id periodStart periodEnd value breakdown { dimension category value } }",
        input,
    )
    .await
}

async fn indicator(app: &TestApp, id: &str) -> Value {
    let query = format!(
        "query($id: ID!) {{ node(id: $id) {{ ... on ResultsIndicator {} }} }}",
        &INDICATOR["indicator ".len()..]
    );
    app.data(Some(&app.admin()), &query, json!({"id": id}))
        .await["node"]
        .clone()
}

#[track_caller]
fn refused(payload: &Value, record: &str, code: &str, field: &[&str]) {
    assert_eq!(payload[record], Value::Null, "{payload:#}");
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    let mut path = vec!["input"];
    path.extend_from_slice(field);
    if field.is_empty() {
        path.clear();
    }
    assert_eq!(errors[0]["field"], json!(path), "{payload:#}");
}

fn sex(female: &str, male: &str, other: &str) -> Value {
    json!([
        {"category": "FEMALE", "value": female},
        {"category": "MALE", "value": male},
        {"category": "OTHER", "value": other},
    ])
}

on_both! {
    async fn indicators_have_a_baseline_year_targets_per_period_and_a_disaggregation(app: TestApp) {
        let funded = funded_programme(&app, "5000000.00").await;
        let ilo = ilo(&app, &funded);
        let added = add(&app, &ilo, json!({"jointProgramme": funded.programme, "code": "OP1", "level": "OUTPUT",
            "statement": "Migrant workers reached", "unit": "people", "baseline": "0", "baselineYear": 2020,
            "target": "1000", "disaggregation": ["SEX"], "targets": year_targets()})).await;
        assert_eq!(added["userErrors"], json!([]), "{added}");
        let people = added["indicator"]["id"].as_str().unwrap().to_owned();
        let read = &added["indicator"];
        assert_eq!(read["baselineYear"], 2020);
        assert_eq!(read["status"], "ACTIVE");
        assert_eq!(
            read["disaggregation"],
            json!([{"dimension": "SEX", "categories": ["FEMALE", "MALE", "OTHER"], "exhaustive": true}])
        );
        assert_eq!(
            read["targets"],
            json!([
                {"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "400"},
                {"periodStart": "2022-08-01", "periodEnd": "2023-07-31", "target": "1000"},
            ])
        );
        assert_eq!(read["revisions"], json!([]));

        // Without a year, the baseline is the programme's start year's; without targets, none.
        let plain = add(
            &app,
            &ilo,
            json!({"jointProgramme": funded.programme, "code": "OC1", "level": "OUTCOME",
            "statement": "Policies adopted", "unit": "policies", "baseline": "0", "target": "3"}),
        )
        .await;
        assert_eq!(plain["indicator"]["baselineYear"], 2021, "{plain}");
        assert_eq!(plain["indicator"]["targets"], json!([]));
        assert_eq!(plain["indicator"]["disaggregation"], json!([]));
        let policies = plain["indicator"]["id"].as_str().unwrap().to_owned();

        // A half-year of the first programme year, its start the period's unless given.
        let first = report(&app, &ilo, json!({"indicator": people, "periodEnd": "2022-01-31", "value": "150",
            "breakdown": [{"category": "MALE", "value": "70"}, {"category": "OTHER", "value": "0"}, {"category": "FEMALE", "value": "80"}]})).await;
        assert_eq!(first["userErrors"], json!([]), "{first}");
        assert_eq!(first["measurement"]["periodStart"], "2021-08-01");
        assert_eq!(
            first["measurement"]["breakdown"],
            json!([
                {"dimension": "SEX", "category": "FEMALE", "value": "80"},
                {"dimension": "SEX", "category": "MALE", "value": "70"},
                {"dimension": "SEX", "category": "OTHER", "value": "0"},
            ])
        );
        let second = report(
            &app,
            &ilo,
            json!({"indicator": people, "periodStart": "2022-08-01", "periodEnd": "2023-01-31",
            "value": "500", "breakdown": sex("260", "239", "1")}),
        )
        .await;
        assert_eq!(second["userErrors"], json!([]), "{second}");
        assert_eq!(second["measurement"]["periodStart"], "2022-08-01");
        // With no targets per period: from 1 January, or from the programme's start.
        let calendar = report(
            &app,
            &ilo,
            json!({"indicator": policies, "periodEnd": "2022-06-30", "value": "1"}),
        )
        .await;
        assert_eq!(
            calendar["measurement"]["periodStart"], "2022-01-01",
            "{calendar}"
        );
        let started = report(
            &app,
            &ilo,
            json!({"indicator": policies, "periodEnd": "2021-12-31", "value": "0"}),
        )
        .await;
        assert_eq!(
            started["measurement"]["periodStart"], "2021-08-01",
            "{started}"
        );
        assert_eq!(started["measurement"]["breakdown"], json!([]));

        let audits = audit_count(&app).await;
        let value = |input: Value| {
            let app = &app;
            let ilo = ilo.clone();
            async move {
                command(
                    app,
                    &ilo,
                    "reportIndicatorValue",
                    "measurement { id }",
                    input,
                )
                .await
            }
        };
        // A disaggregated report missing a category, or with none at all.
        refused(&value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "150",
            "breakdown": [{"category": "FEMALE", "value": "80"}, {"category": "MALE", "value": "70"}]})).await,
            "measurement", "VALIDATION", &["breakdown"]);
        refused(
            &value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "150"})).await,
            "measurement",
            "VALIDATION",
            &["breakdown"],
        );
        // Inventing a category: one of a dimension the indicator does not ask for.
        let mut invented = sex("80", "70", "0");
        invented
            .as_array_mut()
            .unwrap()
            .push(json!({"category": "AGE_0_17", "value": "10"}));
        let answer = value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "150", "breakdown": invented})).await;
        refused(
            &answer,
            "measurement",
            "VALIDATION",
            &["breakdown", "3", "category"],
        );
        assert!(
            answer["userErrors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("AGE_GROUP"),
            "{answer}"
        );
        // A category given twice; categories that do not add up to the value.
        let twice = json!([{"category": "FEMALE", "value": "80"}, {"category": "FEMALE", "value": "70"}, {"category": "OTHER", "value": "0"}]);
        refused(&value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "150", "breakdown": twice})).await,
            "measurement", "DUPLICATE", &["breakdown", "1", "category"]);
        refused(&value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "151", "breakdown": sex("80", "70", "0")})).await,
            "measurement", "VALIDATION", &["breakdown"]);
        refused(&value(json!({"indicator": people, "periodEnd": "2023-02-28", "value": "150", "breakdown": sex("80", "70", "0.0000001")})).await,
            "measurement", "VALIDATION", &["breakdown", "2", "value"]);
        // A breakdown of an indicator that is not disaggregated.
        refused(&value(json!({"indicator": policies, "periodEnd": "2023-02-28", "value": "2", "breakdown": sex("1", "1", "0")})).await,
            "measurement", "VALIDATION", &["breakdown"]);
        // Periods: crossing into an indicator's period from the one before, ending after the
        // programme, starting after its end or before the programme, not yet ended.
        refused(&value(json!({"indicator": people, "periodStart": "2022-07-01", "periodEnd": "2023-02-28", "value": "150", "breakdown": sex("80", "70", "0")})).await,
            "measurement", "VALIDATION", &["periodStart"]);
        refused(&value(json!({"indicator": people, "periodEnd": "2023-08-31", "value": "150", "breakdown": sex("80", "70", "0")})).await,
            "measurement", "VALIDATION", &["periodEnd"]);
        refused(&value(json!({"indicator": policies, "periodStart": "2022-03-01", "periodEnd": "2022-02-28", "value": "2"})).await,
            "measurement", "VALIDATION", &["periodStart"]);
        refused(&value(json!({"indicator": policies, "periodStart": "2021-07-01", "periodEnd": "2021-09-30", "value": "2"})).await,
            "measurement", "VALIDATION", &["periodStart"]);
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        refused(
            &value(json!({"indicator": policies, "periodEnd": tomorrow, "value": "2"})).await,
            "measurement",
            "VALIDATION",
            &["periodEnd"],
        );
        // One value per period end.
        refused(&value(json!({"indicator": people, "periodEnd": "2022-01-31", "value": "150", "breakdown": sex("80", "70", "0")})).await,
            "measurement", "DUPLICATE", &["periodEnd"]);
        assert_eq!(
            audit_count(&app).await,
            audits,
            "nothing refused was written"
        );

        // An indicator with a gap between its periods refuses a report in the gap.
        let gap = add(
            &app,
            &ilo,
            json!({"jointProgramme": funded.programme, "code": "OP2", "level": "OUTPUT",
            "statement": "Officials trained", "unit": "people", "baseline": "0", "target": "50",
            "targets": [{"periodStart": "2021-08-01", "periodEnd": "2021-12-31", "target": "10"},
                        {"periodStart": "2023-01-01", "periodEnd": "2023-07-31", "target": "50"}]}),
        )
        .await;
        let gap = gap["indicator"]["id"].as_str().unwrap().to_owned();
        let outside =
            value(json!({"indicator": gap, "periodEnd": "2022-06-30", "value": "20"})).await;
        refused(&outside, "measurement", "VALIDATION", &["periodEnd"]);
        assert!(
            outside["userErrors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2021-08-01 to 2021-12-31"),
            "{outside}"
        );

        // Indicators' own rules: overlapping periods, periods outside the programme, a baseline
        // year to come, a dimension twice.
        let base = |extra: Value| {
            let mut input = json!({"jointProgramme": funded.programme, "code": "X", "level": "OUTPUT",
                "statement": "Something", "unit": "things", "baseline": "0", "target": "5"});
            input
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            input
        };
        let overlapping = json!({"targets": [{"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "1"},
                                              {"periodStart": "2022-07-31", "periodEnd": "2023-07-31", "target": "5"}]});
        refused(
            &add(&app, &ilo, base(overlapping)).await,
            "indicator",
            "VALIDATION",
            &["targets", "1", "periodStart"],
        );
        let late = json!({"targets": [{"periodStart": "2023-01-01", "periodEnd": "2023-12-31", "target": "5"}]});
        refused(
            &add(&app, &ilo, base(late)).await,
            "indicator",
            "VALIDATION",
            &["targets", "0", "periodStart"],
        );
        let backwards = json!({"targets": [{"periodStart": "2022-01-01", "periodEnd": "2021-12-31", "target": "5"}]});
        refused(
            &add(&app, &ilo, base(backwards)).await,
            "indicator",
            "VALIDATION",
            &["targets", "0", "periodEnd"],
        );
        let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
        refused(
            &add(&app, &ilo, base(json!({"baselineYear": next_year}))).await,
            "indicator",
            "VALIDATION",
            &["baselineYear"],
        );
        refused(
            &add(
                &app,
                &ilo,
                base(json!({"disaggregation": ["SEX", "AGE_GROUP", "SEX"]})),
            )
            .await,
            "indicator",
            "DUPLICATE",
            &["disaggregation", "2"],
        );
        assert_eq!(
            audit_count(&app).await,
            audits + 1,
            "only the indicator with a gap was written"
        );

        // Several dimensions: each adds up where exhaustive; migratory status need not.
        let both = add(
            &app,
            &ilo,
            base(json!({"code": "OP3", "disaggregation": ["MIGRATORY_STATUS", "AGE_GROUP"]})),
        )
        .await;
        assert_eq!(
            both["indicator"]["disaggregation"],
            json!([
                {"dimension": "AGE_GROUP", "categories": ["AGE_0_17", "AGE_18_24", "AGE_25_59", "AGE_60_PLUS"], "exhaustive": true},
                {"dimension": "MIGRATORY_STATUS", "categories": ["MIGRANT", "RETURNEE", "DISPLACED", "HOST_COMMUNITY"], "exhaustive": false},
            ]),
            "{both}"
        );
        let both = both["indicator"]["id"].as_str().unwrap().to_owned();
        let breakdown = json!([
            {"category": "AGE_0_17", "value": "1"}, {"category": "AGE_18_24", "value": "1"},
            {"category": "AGE_25_59", "value": "2"}, {"category": "AGE_60_PLUS", "value": "0"},
            {"category": "MIGRANT", "value": "3"}, {"category": "RETURNEE", "value": "1"},
            {"category": "DISPLACED", "value": "1"}, {"category": "HOST_COMMUNITY", "value": "0"},
        ]);
        let reported = report(&app, &ilo, json!({"indicator": both, "periodEnd": "2022-12-31", "value": "4", "breakdown": breakdown})).await;
        assert_eq!(reported["userErrors"], json!([]), "{reported}");
        assert_eq!(
            reported["measurement"]["breakdown"]
                .as_array()
                .unwrap()
                .len(),
            8
        );
        assert_eq!(
            reported["measurement"]["breakdown"][4],
            json!({"dimension": "MIGRATORY_STATUS", "category": "MIGRANT", "value": "3"})
        );

        // Everyone who reads programmes reads the framework.
        let partner = app.token(mptf::domain::Role::PartnerSystem, "user:partner");
        let query = "query($id: ID!) { node(id: $id) { ... on ResultsIndicator { targets { target } measurements { periodStart breakdown { category value } } } } }";
        let read = app.data(Some(&partner), query, json!({"id": people})).await;
        assert_eq!(
            read["node"]["measurements"][0]["breakdown"][0],
            json!({"category": "FEMALE", "value": "80"}),
            "{read}"
        );
        assert_eq!(read["node"]["targets"].as_array().unwrap().len(), 2);
    }
}

on_both! {
    async fn only_the_fund_management_unit_revises_and_retires_keeping_the_original(app: TestApp) {
        let funded = funded_programme(&app, "5000000.00").await;
        let ilo = ilo(&app, &funded);
        let iom = app.puno_token(row_id(&json!(funded.organizations[1])), "user:iom");
        let added = add(&app, &ilo, json!({"jointProgramme": funded.programme, "code": "OC1", "level": "OUTCOME",
            "statement": "Recruitment agencies certified", "unit": "agencies", "baseline": "2", "baselineYear": 2020,
            "target": "20", "targets": year_targets()})).await;
        let id = added["indicator"]["id"].as_str().unwrap().to_owned();
        let reported = report(
            &app,
            &ilo,
            json!({"indicator": id, "periodEnd": "2022-01-31", "value": "11"}),
        )
        .await;
        assert_eq!(reported["userErrors"], json!([]), "{reported}");
        let version = indicator(&app, &id).await["version"].as_i64().unwrap();

        // The programme is approved: no organization revises, sets targets of or retires its
        // indicators, the convening one included; nor the committee, a donor or a partner system.
        let revise = json!({"indicator": id, "expectedVersion": version, "statement": "Agencies certified as fair recruiters", "target": "30", "reason": "Mid-term review."});
        let targets = json!({"indicator": id, "expectedVersion": version, "reason": "Mid-term review.", "targets": [
            {"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "12"},
            {"periodStart": "2022-08-01", "periodEnd": "2023-07-31", "target": "30"}]});
        let retire =
            json!({"indicator": id, "expectedVersion": version, "reason": "No longer measured."});
        let audits = audit_count(&app).await;
        let donor = app.donor_token(row_id(&json!(funded.donor)), "user:donor");
        let partner = app.token(mptf::domain::Role::PartnerSystem, "user:partner");
        for token in [&ilo, &iom, &app.committee(), &donor, &partner] {
            for (mutation, input) in [
                ("reviseIndicator", &revise),
                ("setIndicatorTargets", &targets),
                ("retireIndicator", &retire),
            ] {
                let response = mutate(
                    &app,
                    Some(token),
                    mutation,
                    "indicator { id }",
                    input.clone(),
                )
                .await;
                assert_eq!(
                    response["errors"][0]["extensions"]["code"], "FORBIDDEN",
                    "{mutation}: {response}"
                );
            }
        }
        for (mutation, input) in [("reviseIndicator", &revise), ("retireIndicator", &retire)] {
            let response = mutate(&app, None, mutation, "indicator { id }", input.clone()).await;
            assert_eq!(
                response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{response}"
            );
        }
        // Nor does the fund's staff report values: organizations report their own results.
        let response = mutate(
            &app,
            Some(&app.admin()),
            "reportIndicatorValue",
            "measurement { id }",
            json!({"indicator": id, "periodEnd": "2022-02-28", "value": "12"}),
        )
        .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{response}"
        );
        assert_eq!(audit_count(&app).await, audits);

        // The Fund Management Unit revises: the indicator shows its new form, the original is kept.
        let admin = app.admin();
        let stale = command(&app, &admin, "reviseIndicator", "indicator { id }", json!({"indicator": id, "expectedVersion": version - 1, "target": "30", "reason": "Mid-term review."})).await;
        refused(&stale, "indicator", "STALE_VERSION", &["expectedVersion"]);
        let nothing = command(&app, &admin, "reviseIndicator", "indicator { id }", json!({"indicator": id, "expectedVersion": version, "statement": " Recruitment agencies certified ", "reason": "No change."})).await;
        refused(&nothing, "indicator", "VALIDATION", &[]);
        let flat = command(
            &app,
            &admin,
            "reviseIndicator",
            "indicator { id }",
            json!({"indicator": id, "expectedVersion": version, "target": "2", "reason": "Flat."}),
        )
        .await;
        refused(&flat, "indicator", "VALIDATION", &["target"]);
        let unreasoned = command(
            &app,
            &admin,
            "reviseIndicator",
            "indicator { id }",
            json!({"indicator": id, "expectedVersion": version, "target": "30", "reason": " "}),
        )
        .await;
        refused(&unreasoned, "indicator", "VALIDATION", &["reason"]);
        assert_eq!(audit_count(&app).await, audits);

        let revised = command(&app, &admin, "reviseIndicator", INDICATOR, revise.clone()).await;
        assert_eq!(revised["userErrors"], json!([]), "{revised}");
        let now = &revised["indicator"];
        assert_eq!(
            (
                now["statement"].as_str(),
                now["target"].as_str(),
                now["baseline"].as_str()
            ),
            (
                Some("Agencies certified as fair recruiters"),
                Some("30"),
                Some("2")
            )
        );
        assert_eq!(now["progress"], "0.3214", "(11 - 2) / (30 - 2)");
        assert_eq!(
            now["revisions"],
            json!([{"number": 1, "reason": "Mid-term review.", "revisedBy": "user:admin",
            "statement": "Recruitment agencies certified", "unit": "agencies", "baseline": "2", "baselineYear": 2020, "target": "20",
            "targets": year_targets()}])
        );
        assert_eq!(now["version"].as_i64(), Some(version + 1));
        assert_eq!(audit_count(&app).await, audits + 1);

        // New targets: every value already reported still lies within one of the periods.
        let leaves_out = command(&app, &admin, "setIndicatorTargets", "indicator { id }", json!({"indicator": id, "expectedVersion": version + 1,
            "reason": "Second year only.", "targets": [{"periodStart": "2022-08-01", "periodEnd": "2023-07-31", "target": "30"}]})).await;
        refused(&leaves_out, "indicator", "VALIDATION", &["targets"]);
        let mut raised = targets.clone();
        raised["expectedVersion"] = json!(version + 1);
        let set = command(&app, &admin, "setIndicatorTargets", INDICATOR, raised).await;
        assert_eq!(set["userErrors"], json!([]), "{set}");
        let now = &set["indicator"];
        assert_eq!(
            now["targets"],
            json!([
            {"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "12"},
            {"periodStart": "2022-08-01", "periodEnd": "2023-07-31", "target": "30"}])
        );
        let revisions = now["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 2);
        assert_eq!(
            revisions[0]["targets"],
            year_targets(),
            "the first revision still shows the original targets"
        );
        assert_eq!(
            (
                revisions[1]["number"].as_i64(),
                revisions[1]["statement"].as_str(),
                revisions[1]["target"].as_str()
            ),
            (
                Some(2),
                Some("Agencies certified as fair recruiters"),
                Some("30")
            )
        );
        assert_eq!(revisions[1]["targets"], year_targets());
        let events = portfolio_event::Entity::find()
            .filter(portfolio_event::Column::Kind.eq("INDICATOR_REVISION"))
            .all(&app.services.db)
            .await
            .unwrap();
        assert_eq!(events.len(), 2);
        assert!(
            events.iter().all(|e| e.subject_type == "ResultsIndicator"),
            "{events:?}"
        );

        // Retired, with a reason: it keeps its reports and revisions and takes nothing more.
        let version = now["version"].as_i64().unwrap();
        let unreasoned = command(
            &app,
            &admin,
            "retireIndicator",
            "indicator { id }",
            json!({"indicator": id, "expectedVersion": version, "reason": ""}),
        )
        .await;
        refused(&unreasoned, "indicator", "VALIDATION", &["reason"]);
        let retired = command(&app, &admin, "retireIndicator", INDICATOR, json!({"indicator": id, "expectedVersion": version, "reason": "Replaced by the inspectorate's data."})).await;
        assert_eq!(retired["userErrors"], json!([]), "{retired}");
        let now = &retired["indicator"];
        assert_eq!(
            (
                now["status"].as_str(),
                now["retiredBy"].as_str(),
                now["retirementReason"].as_str()
            ),
            (
                Some("RETIRED"),
                Some("user:admin"),
                Some("Replaced by the inspectorate's data.")
            )
        );
        assert!(now["retiredAt"].is_string());
        assert_eq!(now["measurements"].as_array().unwrap().len(), 1);
        assert_eq!(now["revisions"].as_array().unwrap().len(), 2);
        let version = now["version"].as_i64().unwrap();
        let audits = audit_count(&app).await;
        let late = command(
            &app,
            &ilo,
            "reportIndicatorValue",
            "measurement { id }",
            json!({"indicator": id, "periodEnd": "2022-06-30", "value": "12"}),
        )
        .await;
        refused(&late, "measurement", "INVALID_TRANSITION", &["indicator"]);
        let again = command(
            &app,
            &admin,
            "retireIndicator",
            "indicator { id }",
            json!({"indicator": id, "expectedVersion": version, "reason": "Twice."}),
        )
        .await;
        refused(&again, "indicator", "INVALID_TRANSITION", &["indicator"]);
        let revised = command(&app, &admin, "reviseIndicator", "indicator { id }", json!({"indicator": id, "expectedVersion": version, "target": "40", "reason": "Too late."})).await;
        refused(&revised, "indicator", "INVALID_TRANSITION", &["indicator"]);
        let mut targets = targets.clone();
        targets["expectedVersion"] = json!(version);
        let set = command(
            &app,
            &admin,
            "setIndicatorTargets",
            "indicator { id }",
            targets,
        )
        .await;
        refused(&set, "indicator", "INVALID_TRANSITION", &["indicator"]);
        assert_eq!(audit_count(&app).await, audits);
        let status_changes = portfolio_event::Entity::find()
            .filter(portfolio_event::Column::Kind.eq("STATUS_CHANGE"))
            .filter(portfolio_event::Column::SubjectType.eq("ResultsIndicator"))
            .all(&app.services.db)
            .await
            .unwrap();
        assert_eq!(status_changes.len(), 1);
        // The audit trail holds each command's before and after.
        let trail = app
            .data(
                Some(&admin),
                "{ auditEvents(first: 100) { nodes { action } } }",
                json!({}),
            )
            .await;
        let actions: Vec<&str> = trail["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["action"].as_str())
            .collect();
        for action in ["reviseIndicator", "setIndicatorTargets", "retireIndicator"] {
            assert_eq!(
                actions.iter().filter(|a| **a == action).count(),
                1,
                "{action}: {actions:?}"
            );
        }
    }
}

on_both! {
    async fn the_migration_gives_indicators_a_baseline_year_and_reports_a_period(app: TestApp) {
        use migration::{Migrator, MigratorTrait, SchemaManager};
        let funded = funded_programme(&app, "5000000.00").await;
        let ilo = ilo(&app, &funded);
        let added = add(&app, &ilo, json!({"jointProgramme": funded.programme, "code": "OC1", "level": "OUTCOME",
            "statement": "Policies adopted", "unit": "policies", "baseline": "0", "baselineYear": 2019, "target": "3"})).await;
        let id = added["indicator"]["id"].as_str().unwrap().to_owned();
        for (start, end) in [("2021-09-01", "2021-12-31"), ("2022-03-01", "2022-06-30")] {
            let reported = report(
                &app,
                &ilo,
                json!({"indicator": id, "periodStart": start, "periodEnd": end, "value": "1"}),
            )
            .await;
            assert_eq!(reported["userErrors"], json!([]), "{reported}");
        }
        // A database from before the migration: indicators and reports without these columns.
        let db = &app.services.db;
        let migration = Migrator::migrations()
            .into_iter()
            .find(|m| m.name() == "m20261215_000013_results_frameworks")
            .unwrap();
        migration.down(&SchemaManager::new(&db.0)).await.unwrap();
        migration.up(&SchemaManager::new(&db.0)).await.unwrap();

        let read = indicator(&app, &id).await;
        assert_eq!(
            read["baselineYear"], 2021,
            "the programme's start year: {read}"
        );
        assert_eq!(
            (
                read["status"].as_str(),
                read["targets"].clone(),
                read["disaggregation"].clone(),
                read["revisions"].clone()
            ),
            (Some("ACTIVE"), json!([]), json!([]), json!([]))
        );
        let periods: Vec<(&str, &str)> = read["measurements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["periodStart"].as_str().unwrap(),
                    m["periodEnd"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            periods,
            [("2021-08-01", "2021-12-31"), ("2022-01-01", "2022-06-30")],
            "the programme's start, then 1 January"
        );
        // The migrated indicator works as a new one.
        let reported = report(
            &app,
            &ilo,
            json!({"indicator": id, "periodEnd": "2022-12-31", "value": "2"}),
        )
        .await;
        assert_eq!(
            reported["measurement"]["periodStart"], "2022-01-01",
            "{reported}"
        );
    }
}

on_both! {
    async fn the_demo_portfolio_has_frameworks_that_lived(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let query = "{ jointProgrammes(first: 12, orderBy: CODE) { nodes { code indicators { id code status retirementReason
            disaggregation { dimension } targets { target } revisions { number }
            latest { value breakdown { value } } } } } }";
        let data = app.data(Some(&app.committee()), query, json!({})).await;
        let programmes = data["jointProgrammes"]["nodes"].as_array().unwrap();
        assert_eq!(programmes.len(), 12);
        // docs/results.md's query runs on the demo, as any token's.
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/results.md")).unwrap();
        let example = page.split("```graphql").nth(1).and_then(|rest| rest.split("```").next()).expect("an example query");
        let answer = app.data(Some(&app.puno_token(1, "user:puno")), example, json!({})).await;
        assert_eq!(answer["jointProgrammes"]["nodes"][0]["indicators"][0]["code"], "OC1", "{answer}");
        let first = &programmes[0]["indicators"];
        let by_code = |code: &str| first.as_array().unwrap().iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("{code} in {first}"));
        assert_eq!(by_code("OC1")["revisions"].as_array().unwrap().len(), 2, "{first}");
        assert_eq!(by_code("OP1.2")["status"], "RETIRED");
        assert!(by_code("OP1.2")["retirementReason"].is_string());
        for programme in programmes {
            for indicator in programme["indicators"].as_array().unwrap() {
                assert!(!indicator["targets"].as_array().unwrap().is_empty(), "{indicator}");
                assert!(indicator["latest"].is_object(), "{indicator}");
                if indicator["code"] == "OP1.1" {
                    assert_eq!(indicator["disaggregation"], json!([{"dimension": "SEX"}]));
                    let one = "query($id: ID!) { node(id: $id) { ... on ResultsIndicator { measurements { periodStart value breakdown { category value } } } } }";
                    let read = app.data(Some(&app.committee()), one, json!({"id": indicator["id"]})).await;
                    let reports = read["node"]["measurements"].as_array().unwrap();
                    assert_eq!(reports.len(), 2, "{read}");
                    for report in reports {
                        let parts: Vec<rust_decimal::Decimal> = report["breakdown"].as_array().unwrap().iter()
                            .map(|p| p["value"].as_str().unwrap().parse().unwrap()).collect();
                        assert_eq!(parts.len(), 3);
                        let total: rust_decimal::Decimal = report["value"].as_str().unwrap().parse().unwrap();
                        assert_eq!(parts.iter().sum::<rust_decimal::Decimal>(), total, "{report}");
                    }
                }
            }
        }
    }
}
