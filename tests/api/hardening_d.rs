//! Issue 11, item 5: a scope must not disclose one donor's money. Figures of donors' money
//! (pledged, committed, deposited, fees, net deposited, available, earmarked, the funding gap,
//! contributions over time) narrowed by `from`/`to`, `thematicArea` or `region`, or split by
//! area or period, are read by ADMIN and STEERING_COMMITTEE only; every other caller reads them
//! for the whole fund (docs/permissions.md, "Donors' money in the portfolio"). Each test runs for
//! every role against a portfolio built through the mutations.

use crate::fixtures::{funded_programme, organization_id, thematic_area_id};
use crate::helpers::*;
use crate::on_both;
use mptf::domain::Role;
use serde_json::{json, Value};

/// One donor's agreement and its deposit, as the test records them (USD cents, ISO dates).
#[derive(Clone, Debug)]
struct Record {
    region: &'static str,
    area: Option<i64>,
    pledged_on: &'static str,
    pledged: i64,
    received_on: &'static str,
    deposited: i64,
}

/// Donors in AFRICA, earmarking to thematic area 2, pledging and depositing on 2022-05-05: one
/// or two of them (`few`), so the region, the area, the day and their buckets rest on them alone.
fn africa(few: usize) -> Vec<(&'static str, Record)> {
    let records = [
        (
            "KEN",
            Record {
                region: "AFRICA",
                area: Some(2),
                pledged_on: "2022-05-05",
                pledged: 100_000_000,
                received_on: "2022-05-05",
                deposited: 40_000_000,
            },
        ),
        (
            "NGA",
            Record {
                region: "AFRICA",
                area: Some(2),
                pledged_on: "2022-05-05",
                pledged: 25_000_000,
                received_on: "2022-05-05",
                deposited: 10_000_000,
            },
        ),
    ];
    records.into_iter().take(few).collect()
}

/// Four donors in EUROPE, unearmarked, pledging in January 2021 and depositing in March 2021.
fn europe() -> Vec<(&'static str, Record)> {
    ["DEU", "FRA", "NOR", "SWE"]
        .into_iter()
        .zip(0i64..)
        .map(|(country, i)| {
            (
                country,
                Record {
                    region: "EUROPE",
                    area: None,
                    pledged_on: "2021-01-10",
                    pledged: 200_000_000 + i * 10_000_000,
                    received_on: "2021-03-01",
                    deposited: 100_000_000 + i * 1_000_000,
                },
            )
        })
        .collect()
}

fn usd(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Records the donor, its signed agreement and its deposit; returns the donor's id.
async fn record(app: &TestApp, index: usize, country: &str, r: &Record) -> String {
    let admin = app.admin();
    let donor = app
        .data(
            Some(&admin),
            "mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id } userErrors { message } } }",
            json!({"input": {"name": format!("Donor {index} of {country}"), "kind": "MEMBER_STATE", "country": country}}),
        )
        .await["createDonor"]
        .clone();
    assert_eq!(donor["userErrors"], json!([]), "{donor}");
    let donor = donor["donor"]["id"].as_str().unwrap().to_owned();
    let area = match r.area {
        Some(number) => Some(thematic_area_id(app, number).await),
        None => None,
    };
    let contribution = app
        .data(
            Some(&admin),
            "mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id } userErrors { message } } }",
            json!({"input": {
                "donor": donor, "reference": format!("D-{index}"),
                "pledged": {"amount": usd(r.pledged), "currency": "USD"},
                "pledgedOn": r.pledged_on, "signedOn": r.pledged_on,
                "earmarking": if area.is_some() { "THEMATIC_AREA" } else { "UNEARMARKED" },
                "earmarkedArea": area, "idempotencyKey": format!("d-contribution-{index}"),
            }}),
        )
        .await["recordContribution"]
        .clone();
    assert_eq!(contribution["userErrors"], json!([]), "{contribution}");
    let deposit = app
        .data(
            Some(&admin),
            "mutation($input: RecordDepositInput!) { recordDeposit(input: $input) { userErrors { message } } }",
            json!({"input": {
                "contribution": contribution["contribution"]["id"], "receivedOn": r.received_on,
                "amount": {"amount": usd(r.deposited), "currency": "USD"}, "exchangeRate": "1",
                "idempotencyKey": format!("d-deposit-{index}"),
            }}),
        )
        .await["recordDeposit"]
        .clone();
    assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
    donor
}

/// What the test built: the records, and the ids of the donors in AFRICA and in EUROPE.
struct Built {
    records: Vec<Record>,
    africans: Vec<String>,
    europeans: Vec<String>,
}

async fn build(app: &TestApp, few: usize) -> Built {
    let mut built = Built {
        records: Vec::new(),
        africans: Vec::new(),
        europeans: Vec::new(),
    };
    for (i, (country, r)) in africa(few).into_iter().chain(europe()).enumerate() {
        let id = record(app, i, country, &r).await;
        if r.region == "AFRICA" {
            built.africans.push(id);
        } else {
            built.europeans.push(id);
        }
        built.records.push(r);
    }
    built
}

/// A caller, and whether it reads every donor's contributions.
struct Caller {
    name: &'static str,
    token: Option<String>,
    staff: bool,
}

/// Every role; DONOR twice: a donor inside the narrow scopes (it could subtract its own) and
/// one outside them.
async fn callers(app: &TestApp, built: &Built) -> Vec<Caller> {
    let ilo = organization_id(app, "ILO").await;
    let caller = |name, token: String, staff| Caller {
        name,
        token: Some(token),
        staff,
    };
    vec![
        caller("ADMIN", app.admin(), true),
        caller("STEERING_COMMITTEE", app.committee(), true),
        Caller {
            name: "anonymous",
            token: None,
            staff: false,
        },
        caller(
            "DONOR in the scope",
            app.donor_token(row_id(&json!(built.africans[0])), "user:in-scope"),
            false,
        ),
        caller(
            "DONOR outside the scope",
            app.donor_token(row_id(&json!(built.europeans[0])), "user:outside"),
            false,
        ),
        caller(
            "PUNO",
            app.puno_token(row_id(&json!(ilo)), "user:ilo"),
            false,
        ),
        caller(
            "PARTNER_SYSTEM",
            app.token(Role::PartnerSystem, "client:dashboard"),
            false,
        ),
    ]
}

/// A scope of `portfolio(...)`, as arguments and as the test's own filter on its records.
struct Scope {
    args: String,
    region: Option<&'static str>,
    area: Option<i64>,
    from: Option<&'static str>,
    to: Option<&'static str>,
    /// Words the refusal's message must contain (what narrowed the figure).
    named: &'static str,
}

impl Scope {
    fn place(&self, r: &Record) -> bool {
        self.region.is_none_or(|g| g == r.region) && self.area.is_none_or(|a| Some(a) == r.area)
    }
    fn on(&self, date: &str) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date <= t)
    }
    /// The figures an unrestricted caller must read for this scope, by field name.
    fn expected(&self, records: &[Record], gap_without_deposits: i64) -> Vec<(&'static str, i64)> {
        let pledged: i64 = records
            .iter()
            .filter(|r| self.place(r) && self.on(r.pledged_on))
            .map(|r| r.pledged)
            .sum();
        let deposited: i64 = records
            .iter()
            .filter(|r| self.place(r) && self.on(r.received_on))
            .map(|r| r.deposited)
            .sum();
        // The 1% fee of round amounts is exact.
        let fees = deposited / 100;
        // The deprecated `availableUsd` is the balance with the Administrative Agent: counted to
        // `to` in the area's pool; a balance is not kept by period start or region.
        let held: i64 = records
            .iter()
            .filter(|r| self.area.is_none_or(|a| Some(a) == r.area))
            .filter(|r| self.to.is_none_or(|t| r.received_on <= t))
            .map(|r| r.deposited)
            .sum();
        vec![
            ("pledgedUsd", pledged),
            ("committedUsd", pledged),
            ("depositedUsd", deposited),
            ("feesUsd", fees),
            ("netDepositedUsd", deposited - fees),
            ("availableUsd", held - held / 100),
            ("fundingGapUsd", (gap_without_deposits - deposited).max(0)),
        ]
    }
}

async fn scopes(app: &TestApp) -> Vec<Scope> {
    let area2 = thematic_area_id(app, 2).await;
    let scope = |args: String, region, area, from, to, named| Scope {
        args,
        region,
        area,
        from,
        to,
        named,
    };
    vec![
        // Scopes holding only the African donors (one or two).
        scope("region: AFRICA".into(), Some("AFRICA"), None, None, None, "narrowed by `region`"),
        scope(format!("thematicArea: \"{area2}\""), None, Some(2), None, None, "narrowed by `thematicArea`"),
        scope("from: \"2022-05-05\", to: \"2022-05-05\"".into(), None, None, Some("2022-05-05"), Some("2022-05-05"), "narrowed by a period"),
        scope("from: \"2022-01-01\"".into(), None, None, Some("2022-01-01"), None, "narrowed by a period"),
        scope(format!("region: AFRICA, thematicArea: \"{area2}\", from: \"2022-05-05\", to: \"2022-05-05\""), Some("AFRICA"), Some(2), Some("2022-05-05"), Some("2022-05-05"), "narrowed by a period"),
        // Scopes resting on four or more donors: still refused, since two of them subtract to
        // one donor (see `wide_scopes_are_refused_too_since_two_of_them_subtract_to_one_donor`).
        scope("region: EUROPE".into(), Some("EUROPE"), None, None, None, "narrowed by `region`"),
        scope("to: \"2021-12-31\"".into(), None, None, None, Some("2021-12-31"), "narrowed by a period"),
        scope("from: \"2021-01-01\", to: \"2022-12-31\"".into(), None, None, Some("2021-01-01"), Some("2022-12-31"), "narrowed by a period"),
    ]
}

/// The one field of `portfolio` a figure is read from.
fn selection(field: &str) -> String {
    if field == "fundingGapUsd" {
        field.to_owned()
    } else {
        format!("totals {{ {field} }}")
    }
}

fn path(field: &str) -> Value {
    if field == "fundingGapUsd" {
        json!(["portfolio", field])
    } else {
        json!(["portfolio", "totals", field])
    }
}

/// The answer refuses `path` with `FORBIDDEN`, says why, and carries no figure.
fn assert_refused(response: &Value, path: &Value, named: &str, who: &str) {
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{who}: served {response}"));
    let refusal = errors
        .iter()
        .find(|e| &e["path"] == path)
        .unwrap_or_else(|| panic!("{who}: no error on {path}: {response}"));
    assert_eq!(
        refusal["extensions"]["code"], "FORBIDDEN",
        "{who}: {response}"
    );
    let message = refusal["message"].as_str().unwrap();
    assert!(
        message.contains("donors' money")
            && message.contains(named)
            && message.contains("whole fund"),
        "{who}: the message says why and what to ask instead: {message}"
    );
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "FORBIDDEN"),
        "{who}: {response}"
    );
    let mut served = &response["data"];
    for step in path.as_array().unwrap() {
        served = match step {
            Value::Number(index) => &served[index.as_u64().unwrap() as usize],
            key => &served[key.as_str().unwrap()],
        };
    }
    assert!(
        served.is_null(),
        "{who}: a figure came with the refusal: {response}"
    );
}

/// What remains to the current capitalization target before any deposit: the whole fund's gap
/// plus its deposits, as the staff read them.
async fn gap_without_deposits(app: &TestApp) -> i64 {
    let data = app
        .data(
            Some(&app.admin()),
            "{ portfolio { totals { depositedUsd } fundingGapUsd } }",
            json!({}),
        )
        .await;
    let gap = cents(&data["portfolio"]["fundingGapUsd"]);
    assert!(
        gap > 0,
        "the seeded target is above the test's deposits: {data}"
    );
    gap + cents(&data["portfolio"]["totals"]["depositedUsd"])
}

fn cents(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a decimal string: {value}"));
    let (units, fraction) = text.split_once('.').unwrap_or((text, "00"));
    units.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

/// Every figure of donors' money in every scope, for every caller: exact for the staff, refused
/// to everyone else; the whole fund's figures served to everyone.
async fn every_scope_every_role(app: &TestApp, few: usize) {
    let built = build(app, few).await;
    let callers = callers(app, &built).await;
    let gap = gap_without_deposits(app).await;
    let whole = Scope {
        args: String::new(),
        region: None,
        area: None,
        from: None,
        to: None,
        named: "",
    };
    for scope in scopes(app).await {
        for (field, cents_expected) in scope.expected(&built.records, gap) {
            let query = format!("{{ portfolio({}) {{ {} }} }}", scope.args, selection(field));
            for caller in &callers {
                let who = format!("{} asking {field} for ({})", caller.name, scope.args);
                let response = app
                    .graphql(caller.token.as_deref(), &query, json!({}))
                    .await;
                if caller.staff {
                    assert!(response.get("errors").is_none(), "{who}: {response}");
                    let served = if field == "fundingGapUsd" {
                        &response["data"]["portfolio"][field]
                    } else {
                        &response["data"]["portfolio"]["totals"][field]
                    };
                    assert_eq!(cents(served), cents_expected, "{who}: {response}");
                } else {
                    assert_refused(&response, &path(field), scope.named, &who);
                }
            }
        }
    }
    // The whole fund: every figure, to every caller, anonymous included.
    let all = "{ portfolio { totals { pledgedUsd committedUsd depositedUsd feesUsd netDepositedUsd availableUsd } fundingGapUsd } }";
    for caller in &callers {
        let data = app.data(caller.token.as_deref(), all, json!({})).await;
        for (field, expected) in whole.expected(&built.records, gap) {
            let served = if field == "fundingGapUsd" {
                &data["portfolio"][field]
            } else {
                &data["portfolio"]["totals"][field]
            };
            assert_eq!(
                cents(served),
                expected,
                "{} asking the whole fund's {field}",
                caller.name
            );
        }
    }
    breakdowns_every_role(app, &built, &callers).await;
}

/// The breakdowns that split donors' money: the earmarked deposits of each thematic area (area 2
/// rests on the African donors alone) and the deposits of each month, quarter and year (those of
/// 2022 too), whole fund or scoped.
async fn breakdowns_every_role(app: &TestApp, built: &Built, callers: &[Caller]) {
    let africa: i64 = built
        .records
        .iter()
        .filter(|r| r.region == "AFRICA")
        .map(|r| r.deposited)
        .sum();
    let europe: i64 = built
        .records
        .iter()
        .filter(|r| r.region == "EUROPE")
        .map(|r| r.deposited)
        .sum();
    let periods = [
        ("MONTH", [("2021-03", europe), ("2022-05", africa)]),
        ("QUARTER", [("2021-Q1", europe), ("2022-Q2", africa)]),
        ("YEAR", [("2021", europe), ("2022", africa)]),
    ];
    for scope in ["", "(region: AFRICA)"] {
        let areas = format!(
            "{{ portfolio{scope} {{ byThematicArea {{ area {{ number }} earmarkedUsd }} }} }}"
        );
        for caller in callers {
            let who = format!("{} asking byThematicArea.earmarkedUsd {scope}", caller.name);
            let response = app
                .graphql(caller.token.as_deref(), &areas, json!({}))
                .await;
            match (caller.staff, caller.token.is_some()) {
                (true, _) => {
                    assert!(response.get("errors").is_none(), "{who}: {response}");
                    let rows = response["data"]["portfolio"]["byThematicArea"]
                        .as_array()
                        .unwrap();
                    let area2 = rows.iter().find(|r| r["area"]["number"] == 2).unwrap();
                    assert_eq!(cents(&area2["earmarkedUsd"]), africa, "{who}");
                }
                // Area 2 is the second row (areas in their order, whatever the region).
                (false, true) => assert_refused(
                    &response,
                    &json!(["portfolio", "byThematicArea", 1, "earmarkedUsd"]),
                    "split by thematic area",
                    &who,
                ),
                (false, false) => {
                    assert_eq!(
                        response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                        "{who}: {response}"
                    );
                }
            }
        }
        for (interval, expected) in &periods {
            let query = format!("{{ portfolio{scope} {{ contributionsOverTime(interval: {interval}) {{ period depositedUsd netDepositedUsd depositCount }} }} }}");
            for caller in callers {
                let who = format!(
                    "{} asking contributionsOverTime({interval}) {scope}",
                    caller.name
                );
                let response = app
                    .graphql(caller.token.as_deref(), &query, json!({}))
                    .await;
                match (caller.staff, caller.token.is_some()) {
                    (true, _) => {
                        assert!(response.get("errors").is_none(), "{who}: {response}");
                        let rows = response["data"]["portfolio"]["contributionsOverTime"]
                            .as_array()
                            .unwrap();
                        let wanted: Vec<(String, i64)> = expected
                            .iter()
                            .filter(|(period, _)| scope.is_empty() || period.starts_with("2022"))
                            .map(|(p, c)| (p.to_string(), *c))
                            .collect();
                        let served: Vec<(String, i64)> = rows
                            .iter()
                            .map(|r| {
                                (
                                    r["period"].as_str().unwrap().to_owned(),
                                    cents(&r["depositedUsd"]),
                                )
                            })
                            .collect();
                        assert_eq!(served, wanted, "{who}");
                    }
                    (false, true) => assert_refused(
                        &response,
                        &json!(["portfolio", "contributionsOverTime"]),
                        "split by period",
                        &who,
                    ),
                    (false, false) => {
                        assert_eq!(
                            response["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                            "{who}: {response}"
                        );
                    }
                }
            }
        }
    }
}

on_both! {
    /// The finding: a region, a thematic area, a day (and their buckets) holding one donor.
    async fn a_scope_holding_one_donor_discloses_nothing_but_to_the_staff(app: TestApp) {
        every_scope_every_role(&app, 1).await;
    }
}

on_both! {
    /// Two donors: either of them could subtract its own from the scope's figure.
    async fn a_scope_holding_two_donors_discloses_nothing_but_to_the_staff(app: TestApp) {
        every_scope_every_role(&app, 2).await;
    }
}

on_both! {
    /// Why a count of donors does not open a scope: two windows resting on five and on four
    /// donors differ by exactly the one African donor's pledge. The staff read both (and the
    /// difference is that pledge); nobody else reads either.
    async fn wide_scopes_are_refused_too_since_two_of_them_subtract_to_one_donor(app: TestApp) {
        let built = build(&app, 1).await;
        let query = "{ wide: portfolio(from: \"2021-01-01\", to: \"2022-12-31\") { totals { pledgedUsd } }
                       narrower: portfolio(from: \"2021-01-01\", to: \"2022-05-04\") { totals { pledgedUsd } } }";
        for caller in callers(&app, &built).await {
            let response = app.graphql(caller.token.as_deref(), query, json!({})).await;
            if caller.staff {
                let data = &response["data"];
                let lone = cents(&data["wide"]["totals"]["pledgedUsd"]) - cents(&data["narrower"]["totals"]["pledgedUsd"]);
                assert_eq!(lone, built.records[0].pledged, "{}: {response}", caller.name);
            } else {
                let errors = response["errors"].as_array().unwrap_or_else(|| panic!("{}: {response}", caller.name));
                for alias in ["wide", "narrower"] {
                    assert!(
                        errors.iter().any(|e| e["path"] == json!([alias, "totals", "pledgedUsd"]) && e["extensions"]["code"] == "FORBIDDEN"),
                        "{} read {alias}: {response}", caller.name
                    );
                }
                assert!(
                    response["data"]["wide"]["totals"].is_null() && response["data"]["narrower"]["totals"].is_null(),
                    "{}: {response}",
                    caller.name
                );
            }
        }
    }
}

on_both! {
    /// The kept figures (service/figures.rs) hold the staff's answer to the same statement; the
    /// rule is applied to every request after it, so the kept figure reaches nobody else.
    async fn a_figure_kept_for_the_staff_is_refused_to_everyone_else(app: TestApp) {
        let built = build(&app, 1).await;
        let query = "{ portfolio(region: AFRICA) { totals { pledgedUsd depositedUsd } byThematicArea { earmarkedUsd } } }";
        let admin = app.admin();
        // On PostgreSQL the listener hears of the fixtures' commits a little later: let it,
        // so that they do not retire the figure kept below.
        app.until_quiet().await;
        let first = app.data(Some(&admin), query, json!({})).await;
        assert_eq!(first["portfolio"]["totals"]["pledgedUsd"], usd(built.records[0].pledged));
        app.until_quiet().await;
        let before = app.statements();
        let again = app.data(Some(&admin), query, json!({})).await;
        assert_eq!(again, first);
        // Kept figures cost only the read of the fund's version, which shows they are current.
        assert_eq!(app.statements(), before + 1, "the second answer came from the kept figures");
        for caller in callers(&app, &built).await.into_iter().filter(|c| !c.staff) {
            let response = app.graphql(caller.token.as_deref(), query, json!({})).await;
            let secret = usd(built.records[0].pledged);
            assert!(!response.to_string().contains(&secret), "{}: {response}", caller.name);
            let code = if caller.token.is_some() { "FORBIDDEN" } else { "UNAUTHENTICATED" };
            assert!(
                response["errors"].as_array().unwrap().iter().any(|e| e["extensions"]["code"] == code),
                "{}: {response}", caller.name
            );
            if caller.token.is_none() {
                // Without the breakdown, the anonymous caller meets the rule itself.
                let totals = app.graphql(None, "{ portfolio(region: AFRICA) { totals { pledgedUsd } } }", json!({})).await;
                assert_refused(&totals, &json!(["portfolio", "totals", "pledgedUsd"]), "narrowed by `region`", "anonymous");
            }
        }
        // A refusal is not kept either: the staff still read the figure afterwards.
        assert_eq!(app.data(Some(&admin), query, json!({})).await, first);
    }
}

on_both! {
    /// Programmes' money (approved, transferred, spent) is decided by the committee and
    /// published programme by programme, and counts say nothing of a donor: every caller reads
    /// them in any scope, including by region and by country.
    async fn programmes_money_and_counts_stay_readable_in_any_scope(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let built = Built { records: Vec::new(), africans: vec![funded.donor.clone()], europeans: vec![funded.donor.clone()] };
        let programme = app
            .data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on JointProgramme { approvedBudgetUsd } } }", json!({"id": funded.programme}))
            .await["node"]["approvedBudgetUsd"]
            .clone();
        let area4 = thematic_area_id(&app, 4).await;
        let breakdowns = format!("{{ portfolio(region: AFRICA, thematicArea: \"{area4}\", from: \"2021-01-01\", to: \"2021-12-31\") {{
            totals {{ approvedUsd transferredUsd expenditureUsd }} deliveryRate
            byThematicArea {{ approvedUsd programmeCount conceptNoteCount pipelineCount share }}
            byRegion {{ region approvedUsd programmeCount conceptNoteCount }}
            byCountry {{ country {{ code }} approvedUsd programmeCount }}
            pipelineFunnel {{ status count requestedUsd }} principleCoverage {{ programmeCount }} markerDistribution {{ programmeCount }} }} }}");
        for caller in callers(&app, &built).await {
            if caller.token.is_none() {
                let data = app.data(None, "{ portfolio(region: AFRICA, from: \"2021-08-01\", to: \"2021-08-01\") { totals { approvedUsd transferredUsd expenditureUsd } } }", json!({})).await;
                assert_eq!(data["portfolio"]["totals"]["approvedUsd"], programme, "anonymous");
                continue;
            }
            let data = app.data(caller.token.as_deref(), &breakdowns, json!({})).await;
            let p = &data["portfolio"];
            assert_eq!(p["totals"]["approvedUsd"], programme, "{}", caller.name);
            assert_eq!(p["byThematicArea"][0]["approvedUsd"], programme, "{}", caller.name);
            assert_eq!(p["byRegion"], json!([{"region": "AFRICA", "approvedUsd": programme, "programmeCount": 1, "conceptNoteCount": 1}]), "{}", caller.name);
            assert_eq!(p["byThematicArea"][0]["programmeCount"], 1, "{}", caller.name);
            assert_eq!(p["byCountry"], json!([{"country": {"code": "ZAF"}, "approvedUsd": programme, "programmeCount": 1}]), "{}", caller.name);
        }
    }
}
