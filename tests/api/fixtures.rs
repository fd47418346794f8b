//! Builds portfolio data through the public API, as the fund's users would.

use crate::helpers::{row_id, TestApp};
use serde_json::{json, Value};

/// Ids of a funded programme and everything it rests on.
pub struct Funded {
    pub donor: String,
    pub contribution: String,
    pub note: String,
    pub meeting: String,
    pub funding_decision: String,
    pub programme: String,
    /// The convening and the other participating organization.
    pub organizations: [String; 2],
}

pub async fn create_donor(app: &TestApp, name: &str) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            "mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id } userErrors { code message } } }",
            json!({"input": {"name": name, "kind": "MEMBER_STATE", "country": "DEU"}}),
        )
        .await;
    assert_eq!(data["createDonor"]["userErrors"], json!([]), "{data}");
    data["createDonor"]["donor"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A signed contribution of `amount` in `currency`, returning the payload.
pub async fn record_contribution(
    app: &TestApp,
    donor: &str,
    reference: &str,
    currency: &str,
    amount: &str,
    rate: &str,
    area: Option<&str>,
) -> Value {
    let input = json!({
        "donor": donor, "reference": reference,
        "pledged": {"amount": amount, "currency": currency}, "usdExchangeRate": rate,
        "pledgedOn": "2021-01-10", "signedOn": "2021-02-01",
        "earmarking": if area.is_some() { "THEMATIC_AREA" } else { "UNEARMARKED" },
        "earmarkedArea": area,
        "idempotencyKey": format!("contribution-{reference}"),
    });
    app.data(
        Some(&app.admin()),
        "mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id status version } userErrors { code field message } } }",
        json!({"input": input}),
    )
    .await["recordContribution"]
        .clone()
}

pub async fn record_deposit(
    app: &TestApp,
    contribution: &str,
    currency: &str,
    amount: &str,
    rate: &str,
    key: &str,
) -> Value {
    app.data(
        Some(&app.admin()),
        "mutation($input: RecordDepositInput!) { recordDeposit(input: $input) {
            deposit { id amount { amount currency } exchangeRate amountUsd administrativeAgentFeeUsd netUsd }
            contribution { status depositedUsd outstanding { amount currency } }
            userErrors { code field message } } }",
        json!({"input": {"contribution": contribution, "receivedOn": "2021-03-01", "amount": {"amount": amount, "currency": currency}, "exchangeRate": rate, "idempotencyKey": key}}),
    )
    .await["recordDeposit"]
        .clone()
}

/// A signed agreement of `donor` (`(currency, pledged, units per USD)`), with one deposit of
/// `deposited` at the same rate when given; its global id.
pub async fn agreement(
    app: &TestApp,
    donor: &str,
    reference: &str,
    (currency, pledged, rate): (&str, &str, &str),
    deposited: Option<&str>,
) -> String {
    let payload = record_contribution(app, donor, reference, currency, pledged, rate, None).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let contribution = payload["contribution"]["id"].as_str().unwrap().to_owned();
    if let Some(amount) = deposited {
        let key = format!("deposit-{reference}");
        let deposit = record_deposit(app, &contribution, currency, amount, rate, &key).await;
        assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
    }
    contribution
}

pub async fn reference_ids(app: &TestApp) -> Value {
    app.data(None, "{ thematicAreas { id number } gcmObjectives { id number } guidingPrinciples { id code } organizations { id acronym } }", json!({})).await
}

pub fn find<'a>(list: &'a Value, key: &str, value: Value) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value}"))
}

/// Submits a national concept note for `area`, objective `objective`, convened by `convening`
/// with `other`, as `token`.
pub async fn submit_note(
    app: &TestApp,
    token: &str,
    area: i64,
    objective: i64,
    convening: &str,
    other: &str,
) -> Value {
    let refs = reference_ids(app).await;
    let input = json!({
        "title": "Decent work for women migrant workers",
        "summary": "A joint programme.",
        "scope": "NATIONAL",
        "countries": ["ZAF"],
        "thematicArea": find(&refs["thematicAreas"], "number", json!(area))["id"],
        "objectives": [find(&refs["gcmObjectives"], "number", json!(objective))["id"]],
        "guidingPrinciples": [find(&refs["guidingPrinciples"], "code", json!("GENDER_RESPONSIVE"))["id"]],
        "convening": find(&refs["organizations"], "acronym", json!(convening))["id"],
        "participatingOrganizations": [find(&refs["organizations"], "acronym", json!(other))["id"]],
        "requestedBudgetUsd": "2000000.00",
        "durationMonths": 24,
        "markers": {"gender": 3, "humanRights": 2, "childSensitivity": 1},
        "submittedOn": "2021-01-15",
    });
    app.data(
        Some(token),
        "mutation($input: SubmitConceptNoteInput!) { submitConceptNote(input: $input) { conceptNote { id status reference version } userErrors { code field message } } }",
        json!({"input": input}),
    )
    .await["submitConceptNote"]
        .clone()
}

pub async fn organization_id(app: &TestApp, acronym: &str) -> String {
    let refs = reference_ids(app).await;
    find(&refs["organizations"], "acronym", json!(acronym))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn schedule_meeting(app: &TestApp) -> String {
    let data = app
        .data(
            Some(&app.admin()),
            r#"mutation { scheduleMeeting(input: {heldOn: "2021-06-30", kind: MEETING, title: "Funding round"}) { meeting { id } userErrors { message } } }"#,
            json!({}),
        )
        .await;
    data["scheduleMeeting"]["meeting"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn decide(
    app: &TestApp,
    meeting: &str,
    kind: &str,
    subject: &str,
    amount: Option<&str>,
) -> Value {
    app.data(
        Some(&app.committee()),
        "mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { decision { id kind amountUsd } userErrors { code field message } } }",
        json!({"input": {"meeting": meeting, "kind": kind, "subject": subject, "amountUsd": amount, "rationale": "By consensus."}}),
    )
    .await["recordDecision"]
        .clone()
}

pub async fn review(app: &TestApp, note: &str, outcome: &str) -> Value {
    app.data(
        Some(&app.officer()),
        "mutation($input: ReviewConceptNoteInput!) { reviewConceptNote(input: $input) { conceptNote { status } userErrors { code message } } }",
        json!({"input": {"conceptNote": note, "outcome": outcome, "score": 80, "comments": "Sound."}}),
    )
    .await["reviewConceptNote"]
        .clone()
}

/// Everything up to an approved programme in area 4 with two budget lines totalling
/// USD 2,140,000.00 (2,000,000 programmable + 7%), and USD `deposit_usd` deposited unearmarked.
pub async fn funded_programme(app: &TestApp, deposit_usd: &str) -> Funded {
    let donor = create_donor(app, &format!("Donor {}", uuid::Uuid::new_v4().simple())).await;
    let reference = format!("REF-{}", uuid::Uuid::new_v4().simple());
    let contribution = agreement(
        app,
        &donor,
        &reference,
        ("USD", deposit_usd, "1"),
        Some(deposit_usd),
    )
    .await;
    let note = submit_note(app, &app.admin(), 4, 6, "ILO", "IOM").await;
    let note = note["conceptNote"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        review(app, &note, "RECOMMENDED").await["userErrors"],
        json!([])
    );
    let meeting = schedule_meeting(app).await;
    assert_eq!(
        decide(app, &meeting, "PIPELINE", &note, None).await["userErrors"],
        json!([])
    );
    let funding = decide(app, &meeting, "FUNDING", &note, Some("2140000.00")).await;
    assert_eq!(funding["userErrors"], json!([]), "{funding}");
    let funding_decision = funding["decision"]["id"].as_str().unwrap().to_owned();
    let ilo = organization_id(app, "ILO").await;
    let iom = organization_id(app, "IOM").await;
    let created = app
        .data(
            Some(&app.admin()),
            "mutation($input: CreateJointProgrammeInput!) { createJointProgramme(input: $input) { jointProgramme { id status } userErrors { code field message } } }",
            json!({"input": {"conceptNote": note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [
                {"organization": ilo, "programmableUsd": "1000000.00"},
                {"organization": iom, "programmableUsd": "1000000.00", "indirectSupportCostRate": "0.07"}]}}),
        )
        .await;
    assert_eq!(
        created["createJointProgramme"]["userErrors"],
        json!([]),
        "{created}"
    );
    let programme = created["createJointProgramme"]["jointProgramme"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = row_id(&json!(programme));
    Funded {
        donor,
        contribution,
        note,
        meeting,
        funding_decision,
        programme,
        organizations: [ilo, iom],
    }
}

pub async fn transfer(
    app: &TestApp,
    token: &str,
    funded: &Funded,
    organization: &str,
    amount: &str,
    key: &str,
) -> Value {
    app.data(
        Some(token),
        "mutation($input: RecordTransferInput!) { recordTransfer(input: $input) { transfer { id amountUsd fromEarmarkedUsd fromUnearmarkedUsd } userErrors { code field message } } }",
        json!({"input": {"jointProgramme": funded.programme, "organization": organization, "decision": funded.funding_decision, "transferredOn": "2021-08-15", "amountUsd": amount, "idempotencyKey": key}}),
    )
    .await["recordTransfer"]
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Builders for the workflow tests: any mutation as any caller, notes and programmes of any area.

/// Sends `mutation(input: $input) { <selection> userErrors { code field message } }` as `token`
/// and returns the whole response, top-level errors included. The input type is the mutation's
/// name capitalized plus `Input`, as the contract names them.
pub async fn mutate(
    app: &TestApp,
    token: Option<&str>,
    mutation: &str,
    selection: &str,
    input: Value,
) -> Value {
    let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ code field message }} }} }}"
    );
    app.graphql(token, &query, json!({ "input": input })).await
}

/// Like `mutate`, but fails the test on a top-level error and returns the payload.
pub async fn command(
    app: &TestApp,
    token: &str,
    mutation: &str,
    selection: &str,
    input: Value,
) -> Value {
    let response = mutate(app, Some(token), mutation, selection, input).await;
    assert!(
        response.get("errors").is_none(),
        "{mutation}: unexpected errors: {response:#}"
    );
    response["data"][mutation].clone()
}

/// How many audit events the trail holds.
pub async fn audit_count(app: &TestApp) -> i64 {
    app.data(
        Some(&app.admin()),
        "{ auditEvents { totalCount } }",
        json!({}),
    )
    .await["auditEvents"]["totalCount"]
        .as_i64()
        .unwrap()
}

/// The input of a national concept note for thematic area `area` with GCM objectives
/// `objectives`, convened by `convening` with `others` (acronyms), ready to be tweaked.
pub async fn concept_note_input(
    app: &TestApp,
    area: i64,
    objectives: &[i64],
    convening: &str,
    others: &[&str],
) -> Value {
    let refs = reference_ids(app).await;
    json!({
        "title": "Fair recruitment corridors",
        "summary": "A joint programme.",
        "scope": "NATIONAL",
        "countries": ["ZAF"],
        "thematicArea": find(&refs["thematicAreas"], "number", json!(area))["id"],
        "objectives": objectives.iter().map(|n| find(&refs["gcmObjectives"], "number", json!(n))["id"].clone()).collect::<Vec<_>>(),
        "guidingPrinciples": [find(&refs["guidingPrinciples"], "code", json!("GENDER_RESPONSIVE"))["id"]],
        "convening": find(&refs["organizations"], "acronym", json!(convening))["id"],
        "participatingOrganizations": others.iter().map(|o| find(&refs["organizations"], "acronym", json!(o))["id"].clone()).collect::<Vec<_>>(),
        "requestedBudgetUsd": "2000000.00",
        "durationMonths": 24,
        "markers": {"gender": 3, "humanRights": 2, "childSensitivity": 1},
        "submittedOn": "2021-01-15",
    })
}

/// The id of thematic area number `number`.
pub async fn thematic_area_id(app: &TestApp, number: i64) -> String {
    let refs = reference_ids(app).await;
    find(&refs["thematicAreas"], "number", json!(number))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A new donor with a signed USD agreement of `amount_usd`, deposited in full (unearmarked, or
/// earmarked to thematic area number `earmarked_to`). Returns the donor's and the
/// contribution's ids.
pub async fn deposit_usd(
    app: &TestApp,
    amount_usd: &str,
    earmarked_to: Option<i64>,
) -> (String, String) {
    let donor = create_donor(app, &format!("Donor {}", uuid::Uuid::new_v4().simple())).await;
    let reference = format!("REF-{}", uuid::Uuid::new_v4().simple());
    let area = match earmarked_to {
        Some(number) => Some(thematic_area_id(app, number).await),
        None => None,
    };
    let recorded = record_contribution(
        app,
        &donor,
        &reference,
        "USD",
        amount_usd,
        "1",
        area.as_deref(),
    )
    .await;
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    let contribution = recorded["contribution"]["id"].as_str().unwrap().to_owned();
    let deposit = record_deposit(
        app,
        &contribution,
        "USD",
        amount_usd,
        "1",
        &format!("deposit-{reference}"),
    )
    .await;
    assert_eq!(deposit["userErrors"], json!([]), "{deposit}");
    (donor, contribution)
}

/// A concept note the steering committee approved, not yet a programme.
pub struct Approved {
    pub note: String,
    pub meeting: String,
    pub pipeline_decision: String,
    pub funding_decision: String,
}

/// A note of thematic area `area` (objective `objective`) convened by ILO with IOM, entered by
/// ADMIN, reviewed by another officer, put in the pipeline and approved for `approved_usd`.
pub async fn approved_note(
    app: &TestApp,
    area: i64,
    objective: i64,
    approved_usd: &str,
) -> Approved {
    let note = submit_note(app, &app.admin(), area, objective, "ILO", "IOM").await;
    assert_eq!(note["userErrors"], json!([]), "{note}");
    let note = note["conceptNote"]["id"].as_str().unwrap().to_owned();
    let reviewed = review(app, &note, "RECOMMENDED").await;
    assert_eq!(reviewed["userErrors"], json!([]), "{reviewed}");
    let meeting = schedule_meeting(app).await;
    let pipeline = decide(app, &meeting, "PIPELINE", &note, None).await;
    assert_eq!(pipeline["userErrors"], json!([]), "{pipeline}");
    let funding = decide(app, &meeting, "FUNDING", &note, Some(approved_usd)).await;
    assert_eq!(funding["userErrors"], json!([]), "{funding}");
    Approved {
        note,
        meeting,
        pipeline_decision: pipeline["decision"]["id"].as_str().unwrap().to_owned(),
        funding_decision: funding["decision"]["id"].as_str().unwrap().to_owned(),
    }
}

/// `programmable` plus 7% indirect support costs (half-even to the cent), twice: the approved
/// budget of a programme with two such lines.
pub fn two_lines_at_seven_percent(programmable: &str) -> String {
    use rust_decimal::{Decimal, RoundingStrategy};
    use std::str::FromStr;
    let programmable = Decimal::from_str(programmable).unwrap();
    let support = (programmable * Decimal::from_str("0.07").unwrap())
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    let mut total = (programmable + support) * Decimal::from(2);
    total.rescale(2);
    total.to_string()
}

/// A programme of thematic area `area` (objective `objective`) with ILO and IOM budget lines of
/// `programmable_usd` each at the default 7%, and USD `deposit` deposited by a new donor,
/// unearmarked or earmarked to thematic area number `earmarked_to`.
pub async fn programme_of(
    app: &TestApp,
    area: i64,
    objective: i64,
    programmable_usd: &str,
    deposit: &str,
    earmarked_to: Option<i64>,
) -> Funded {
    let (donor, contribution) = deposit_usd(app, deposit, earmarked_to).await;
    let approved = approved_note(
        app,
        area,
        objective,
        &two_lines_at_seven_percent(programmable_usd),
    )
    .await;
    let ilo = organization_id(app, "ILO").await;
    let iom = organization_id(app, "IOM").await;
    let created = command(
        app,
        &app.admin(),
        "createJointProgramme",
        "jointProgramme { id }",
        json!({"conceptNote": approved.note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [
            {"organization": ilo, "programmableUsd": programmable_usd},
            {"organization": iom, "programmableUsd": programmable_usd}]}),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    Funded {
        donor,
        contribution,
        note: approved.note,
        meeting: approved.meeting,
        funding_decision: approved.funding_decision,
        programme: created["jointProgramme"]["id"].as_str().unwrap().to_owned(),
        organizations: [ilo, iom],
    }
}

/// A note of thematic area `area` (objective `objective`) convened by ILO with IOM, reviewed and
/// in the steering committee's pipeline, waiting for money. Returns its id.
pub async fn pipeline_note(app: &TestApp, area: i64, objective: i64) -> String {
    let note = submit_note(app, &app.admin(), area, objective, "ILO", "IOM").await;
    assert_eq!(note["userErrors"], json!([]), "{note}");
    let note = note["conceptNote"]["id"].as_str().unwrap().to_owned();
    let reviewed = review(app, &note, "RECOMMENDED").await;
    assert_eq!(reviewed["userErrors"], json!([]), "{reviewed}");
    let meeting = schedule_meeting(app).await;
    let pipeline = decide(app, &meeting, "PIPELINE", &note, None).await;
    assert_eq!(pipeline["userErrors"], json!([]), "{pipeline}");
    note
}

/// The programme of a note the committee funded by `decision` at `meeting`: ILO and IOM lines
/// of `programmable_usd` each at the default 7%.
pub async fn programme_on(
    app: &TestApp,
    note: &str,
    meeting: &str,
    decision: &str,
    programmable_usd: &str,
) -> Funded {
    let lines = |ilo: &str, iom: &str| {
        json!([{"organization": ilo, "programmableUsd": programmable_usd},
               {"organization": iom, "programmableUsd": programmable_usd}])
    };
    funded_with_lines(app, note, meeting, decision, lines).await
}

/// A programme of thematic area `area` whose committee allocated exactly `budget_usd`, on the
/// money the fund already holds: ILO and IOM lines of half of it each (ILO takes the odd cent),
/// without indirect support costs.
pub async fn programme_with_budget(
    app: &TestApp,
    area: i64,
    objective: i64,
    budget_usd: &str,
) -> Funded {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let note = pipeline_note(app, area, objective).await;
    let meeting = schedule_meeting(app).await;
    let funding = decide(app, &meeting, "FUNDING", &note, Some(budget_usd)).await;
    assert_eq!(funding["userErrors"], json!([]), "{funding}");
    let decision = funding["decision"]["id"].as_str().unwrap().to_owned();
    let total = Decimal::from_str(budget_usd).unwrap();
    let mut half =
        (total / Decimal::TWO).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
    half.rescale(2);
    let mut other = total - half;
    other.rescale(2);
    let lines = |ilo: &str, iom: &str| {
        json!([{"organization": ilo, "programmableUsd": other.to_string(), "indirectSupportCostRate": "0"},
               {"organization": iom, "programmableUsd": half.to_string(), "indirectSupportCostRate": "0"}])
    };
    funded_with_lines(app, &note, &meeting, &decision, lines).await
}

async fn funded_with_lines(
    app: &TestApp,
    note: &str,
    meeting: &str,
    decision: &str,
    lines: impl Fn(&str, &str) -> Value,
) -> Funded {
    let ilo = organization_id(app, "ILO").await;
    let iom = organization_id(app, "IOM").await;
    let created = command(
        app,
        &app.admin(),
        "createJointProgramme",
        "jointProgramme { id }",
        json!({"conceptNote": note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": lines(&ilo, &iom)}),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    Funded {
        donor: String::new(),
        contribution: String::new(),
        note: note.to_owned(),
        meeting: meeting.to_owned(),
        funding_decision: decision.to_owned(),
        programme: created["jointProgramme"]["id"].as_str().unwrap().to_owned(),
        organizations: [ilo, iom],
    }
}
