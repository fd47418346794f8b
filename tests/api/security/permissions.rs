//! The permission matrix

use super::*;

const ROLES: [&str; 7] = [
    "anonymous",
    "ADMIN",
    "STEERING_COMMITTEE",
    "DONOR",
    "PUNO",
    "PARTNER_SYSTEM",
    "AUDITOR",
];

/// The root fields of the built schema, as `Query.node`, `Mutation.login`, ….
fn schema_root_fields() -> Vec<String> {
    let sdl = mptf::graphql::sdl();
    let mut fields = Vec::new();
    for root in ["Query", "Mutation", "Subscription"] {
        let start = sdl
            .find(&format!("\ntype {root} {{"))
            .unwrap_or_else(|| panic!("no {root} in the schema"))
            + 1;
        let block = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
        let mut in_description = false;
        // Arguments with descriptions are printed one per line, inside `field(` … `): Type`.
        let mut in_arguments = false;
        for line in block.lines().skip(1) {
            let line = line.trim();
            if line.starts_with("\"\"\"") {
                let one_line = line.len() > 3 && line.ends_with("\"\"\"");
                in_description = !(in_description || one_line);
                continue;
            }
            if in_description || line.is_empty() {
                continue;
            }
            if in_arguments {
                in_arguments = !line.starts_with(')');
                continue;
            }
            let name: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            fields.push(format!("{root}.{name}"));
            in_arguments = line.ends_with('(');
        }
    }
    fields
}

/// The checked-in table: field → one expected answer per role, in `ROLES` order.
fn permission_table() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/permissions.md"))
        .expect("docs/permissions.md");
    let mut header_checked = false;
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.first() == Some(&"field") {
            assert_eq!(&cells[1..], &ROLES, "the table's columns");
            header_checked = true;
        }
        if let Some(field) = cells
            .first()
            .and_then(|c| c.strip_prefix('`'))
            .and_then(|c| c.strip_suffix('`'))
        {
            assert_eq!(cells.len(), ROLES.len() + 1, "{line}");
            rows.push((
                field.to_owned(),
                cells[1..].iter().map(|c| c.to_string()).collect(),
            ));
        }
    }
    assert!(
        header_checked,
        "the table has a `| field | anonymous | ADMIN | …` header"
    );
    rows
}

#[test]
fn every_root_field_is_in_the_permission_table() {
    let table: Vec<String> = permission_table()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    let schema = schema_root_fields();
    assert!(schema.len() > 30, "{schema:?}");
    let missing: Vec<&String> = schema.iter().filter(|f| !table.contains(f)).collect();
    assert!(
        missing.is_empty(),
        "root fields missing from docs/permissions.md: {missing:?}"
    );
    let stale: Vec<&String> = table.iter().filter(|f| !schema.contains(f)).collect();
    assert!(
        stale.is_empty(),
        "docs/permissions.md names fields the schema does not have: {stale:?}"
    );
    for (field, answers) in permission_table() {
        for answer in answers {
            assert!(
                answer == "allowed" || answer.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{field}: {answer:?} is `allowed` or an error code"
            );
        }
    }
}

/// What the matrix runs on: a funded programme with its records, a second donor, users.
struct World {
    funded: Funded,
    /// The funded programme's deposit (allocated in part: its reversal is refused, nothing written).
    deposit: String,
    other_donor: String,
    pledge: String,
    cancellable: String,
    note_for_review: String,
    note_to_withdraw: String,
    /// An open call, for `extendCall`.
    call: String,
    indicator: String,
    user: String,
    pending: String,
    /// A tranche the funded programme's convening organization asked for.
    request: String,
    area: String,
    area_objectives: Vec<i64>,
    refs: Value,
}

async fn world(app: &TestApp) -> World {
    let funded = funded_programme(app, "5000000.00").await;
    let other_donor = create_donor(app, "Another donor").await;
    let pledge_input = |reference: &str| json!({"input": {"donor": other_donor, "reference": reference, "pledged": {"amount": "1000.00", "currency": "USD"}, "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": reference}});
    let mut pledges = Vec::new();
    for reference in ["MX-PLEDGE", "MX-CANCEL"] {
        let data = app.data(Some(&app.admin()), "mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id } userErrors { message } } }", pledge_input(reference)).await;
        pledges.push(
            data["recordContribution"]["contribution"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let review = submit_note(app, &app.admin(), 4, 6, "ILO", "IOM").await;
    let withdraw = submit_note(app, &app.admin(), 4, 6, "ILO", "IOM").await;
    assert_eq!(review["userErrors"], json!([]), "{review}");
    assert_eq!(withdraw["userErrors"], json!([]), "{withdraw}");
    let indicator = app.data(Some(&app.admin()), "mutation($input: AddIndicatorInput!) { addIndicator(input: $input) { indicator { id } userErrors { message } } }",
        json!({"input": {"jointProgramme": funded.programme, "code": "MX-IND", "level": "OUTCOME", "statement": "Migrants protected", "unit": "people", "baseline": "0", "target": "100"}})).await;
    let user = create_user(app, "matrix-user@example.org", "PARTNER_SYSTEM").await;
    let call = app.data(Some(&app.admin()), "mutation($input: AnnounceCallInput!) { announceCall(input: $input) { call { id } userErrors { message } } }",
        json!({"input": {"title": "An open call", "opensOn": "2021-01-01", "closesOn": "2098-12-31", "envelopeUsd": "1000000.00",
            "thematicAreas": [crate::fixtures::find(&reference_ids(app).await["thematicAreas"], "number", json!(4))["id"]], "scopes": ["NATIONAL"], "eligibility": "Any."}})).await;
    let call = call["announceCall"]["call"]["id"]
        .as_str()
        .expect("an open call")
        .to_owned();
    // A committee member's account that user:officer created: user:admin may activate it.
    let pending = app.data(Some(&app.officer()), "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
        json!({"input": {"email": "matrix-pending@example.org", "displayName": "Pending member", "role": "STEERING_COMMITTEE"}})).await;
    let pending = pending["createUser"]["user"]["id"]
        .as_str()
        .expect("a pending account")
        .to_owned();
    let request = app.data(Some(&app.admin()), "mutation($input: SubmitProgrammeRequestInput!) { submitProgrammeRequest(input: $input) { programmeRequest { id } userErrors { message } } }",
        json!({"input": {"jointProgramme": funded.programme, "kind": "TRANCHE", "justification": "The first tranche is spent.", "amountUsd": "1000.00"}})).await;
    let request = request["submitProgrammeRequest"]["programmeRequest"]["id"]
        .as_str()
        .expect("a programme request")
        .to_owned();
    let refs = reference_ids(app).await;
    let areas = app
        .data(
            None,
            "{ thematicAreas { id number version objectives { number } } }",
            json!({}),
        )
        .await;
    let first = &areas["thematicAreas"][0];
    let deposits = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Contribution { deposits { id } } } }",
            json!({"id": funded.contribution}),
        )
        .await;
    let deposit = deposits["node"]["deposits"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        deposit,
        other_donor,
        pledge: pledges[0].clone(),
        cancellable: pledges[1].clone(),
        note_for_review: review["conceptNote"]["id"].as_str().unwrap().to_owned(),
        note_to_withdraw: withdraw["conceptNote"]["id"].as_str().unwrap().to_owned(),
        call,
        indicator: indicator["addIndicator"]["indicator"]["id"]
            .as_str()
            .expect("an indicator")
            .to_owned(),
        user,
        pending,
        request,
        area: first["id"].as_str().unwrap().to_owned(),
        area_objectives: first["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_i64().unwrap())
            .collect(),
        refs,
        funded,
    }
}

/// A request that runs `field` with minimal valid arguments (for mutations, ones that succeed
/// for a role allowed to run them where practical). `tag` keeps each role's inputs apart.
fn operation(field: &str, w: &World, tag: &str) -> Option<(String, Value)> {
    let f = &w.funded;
    let org = |acronym: &str| {
        crate::fixtures::find(&w.refs["organizations"], "acronym", json!(acronym))["id"].clone()
    };
    let area =
        |n: i64| crate::fixtures::find(&w.refs["thematicAreas"], "number", json!(n))["id"].clone();
    let objective =
        |n: i64| crate::fixtures::find(&w.refs["gcmObjectives"], "number", json!(n))["id"].clone();
    let q = |query: &str| Some((query.to_owned(), json!({})));
    let m = |signature: &str, name: &str, selection: &str, input: Value| {
        Some((
            format!("mutation($input: {signature}!) {{ {name}(input: $input) {{ {selection} }} }}"),
            json!({"input": input}),
        ))
    };
    match field {
        "Query.node" => Some((
            "query($id: ID!) { node(id: $id) { id } }".to_owned(),
            json!({"id": w.area}),
        )),
        "Query.nodes" => Some((
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }".to_owned(),
            json!({"ids": [w.area]}),
        )),
        "Query.viewer" => q("{ viewer { role } }"),
        "Query.thematicAreas" => q("{ thematicAreas { number } }"),
        "Query.gcmObjectives" => q("{ gcmObjectives { number } }"),
        "Query.guidingPrinciples" => q("{ guidingPrinciples { code } }"),
        "Query.countries" => q("{ countries(region: AFRICA) { code } }"),
        "Query.organizations" => q("{ organizations { acronym } }"),
        "Query.donors" => q("{ donors { totalCount } }"),
        "Query.contributions" => q("{ contributions { totalCount } }"),
        "Query.conceptNotes" => q("{ conceptNotes { totalCount } }"),
        "Query.jointProgrammes" => q("{ jointProgrammes { totalCount } }"),
        "Query.calls" => q("{ calls(first: 1) { totalCount } }"),
        "Query.steeringCommitteeMeetings" => q("{ steeringCommitteeMeetings { totalCount } }"),
        "Query.decisions" => q("{ decisions { totalCount } }"),
        "Query.programmeRequests" => q("{ programmeRequests { totalCount } }"),
        "Query.portfolio" => q("{ portfolio { totals { depositedUsd } } }"),
        "Query.auditEvents" => q("{ auditEvents(first: 1) { totalCount } }"),
        "Query.ledgerEntries" => q("{ ledgerEntries(first: 1) { totalCount } }"),
        "Query.exchangeRates" => q("{ exchangeRates(first: 1) { totalCount } }"),
        "Query.reportingCalendar" => q("{ reportingCalendar(first: 1) { totalCount } }"),
        "Query.deposits" => q("{ deposits(first: 1) { totalCount } }"),
        "Query.transfers" => q("{ transfers(first: 1) { totalCount } }"),
        "Query.expenditureReports" => q("{ expenditureReports(first: 1) { totalCount } }"),
        "Mutation.login" => m(
            "LoginInput",
            "login",
            "token userErrors { code }",
            json!({"email": format!("nobody-{tag}@example.org"), "password": "not a password"}),
        ),
        "Mutation.createUser" => m(
            "CreateUserInput",
            "createUser",
            "user { id } userErrors { code }",
            json!({"email": format!("new-{tag}@example.org"), "displayName": "New", "role": "PARTNER_SYSTEM"}),
        ),
        "Mutation.activateUser" => m(
            "ActivateUserInput",
            "activateUser",
            "user { id } userErrors { code }",
            json!({"user": w.pending}),
        ),
        "Mutation.deactivateUser" => m(
            "DeactivateUserInput",
            "deactivateUser",
            "user { id } userErrors { code }",
            json!({"user": w.user, "expectedVersion": 1}),
        ),
        "Mutation.createDonor" => m(
            "CreateDonorInput",
            "createDonor",
            "donor { id } userErrors { code }",
            json!({"name": format!("Donor {tag}"), "kind": "OTHER"}),
        ),
        "Mutation.updateDonor" => m(
            "UpdateDonorInput",
            "updateDonor",
            "donor { id } userErrors { code }",
            json!({"id": w.other_donor, "expectedVersion": 1, "note": format!("by {tag}")}),
        ),
        "Mutation.recordContribution" => m(
            "RecordContributionInput",
            "recordContribution",
            "contribution { id } userErrors { code }",
            json!({"donor": w.other_donor, "reference": format!("MX-{tag}"), "pledged": {"amount": "10.00", "currency": "USD"}, "pledgedOn": "2021-01-10", "earmarking": "UNEARMARKED", "idempotencyKey": format!("mx-{tag}")}),
        ),
        "Mutation.signContribution" => m(
            "SignContributionInput",
            "signContribution",
            "contribution { id } userErrors { code }",
            json!({"contribution": w.pledge, "expectedVersion": 1, "signedOn": "2021-02-01"}),
        ),
        "Mutation.cancelContribution" => m(
            "CancelContributionInput",
            "cancelContribution",
            "contribution { id } userErrors { code }",
            json!({"contribution": w.cancellable, "expectedVersion": 1, "reason": "Withdrawn by the donor."}),
        ),
        "Mutation.recordDeposit" => m(
            "RecordDepositInput",
            "recordDeposit",
            "deposit { id } userErrors { code }",
            json!({"contribution": f.contribution, "receivedOn": "2021-03-01", "amount": {"amount": "1.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": format!("deposit-{tag}")}),
        ),
        "Mutation.amendContribution" => m(
            "AmendContributionInput",
            "amendContribution",
            "contribution { id } userErrors { code }",
            json!({"contribution": f.contribution, "expectedVersion": 1, "pledged": {"amount": "6000000.00", "currency": "USD"}, "reason": "Top-up."}),
        ),
        "Mutation.reverseDeposit" => m(
            "ReverseDepositInput",
            "reverseDeposit",
            "deposit { id } userErrors { code }",
            json!({"deposit": w.deposit, "reason": "Recorded in error.", "idempotencyKey": format!("reverse-{tag}")}),
        ),
        "Mutation.submitConceptNote" => m(
            "SubmitConceptNoteInput",
            "submitConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({
            "title": format!("Note {tag}"), "summary": "A joint programme.", "scope": "NATIONAL", "countries": ["ZAF"],
            "thematicArea": area(4), "objectives": [objective(6)], "convening": org("ILO"), "participatingOrganizations": [org("IOM")],
            "requestedBudgetUsd": "1000000.00", "durationMonths": 24, "markers": {"gender": 2, "humanRights": 2, "childSensitivity": 1}, "submittedOn": "2021-01-15"}),
        ),
        "Mutation.announceCall" => m(
            "AnnounceCallInput",
            "announceCall",
            "call { id } userErrors { code }",
            json!({"title": format!("Call {tag}"), "opensOn": "2021-01-01", "closesOn": "2021-03-31", "envelopeUsd": "1000000.00",
                "thematicAreas": [area(4)], "scopes": ["NATIONAL"], "eligibility": "Joint programmes of two UN entities."}),
        ),
        "Mutation.extendCall" => m(
            "ExtendCallInput",
            "extendCall",
            "call { id } userErrors { code }",
            json!({"call": w.call, "expectedVersion": 1, "closesOn": "2099-12-31"}),
        ),
        "Mutation.recordGovernmentEndorsement" => m(
            "RecordGovernmentEndorsementInput",
            "recordGovernmentEndorsement",
            "governmentEndorsement { endorsedOn } userErrors { code }",
            json!({"conceptNote": w.note_for_review, "country": "ZAF", "endorsedOn": "2021-02-01"}),
        ),
        "Mutation.markReadyForImplementation" => m(
            "MarkReadyForImplementationInput",
            "markReadyForImplementation",
            "conceptNote { id } userErrors { code }",
            json!({"conceptNote": w.note_for_review, "expectedVersion": 1, "programmeDocumentEndorsedOn": "2021-03-01"}),
        ),
        "Mutation.reviewConceptNote" => m(
            "ReviewConceptNoteInput",
            "reviewConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({"conceptNote": w.note_for_review, "outcome": "RECOMMENDED", "score": 70, "comments": "Sound."}),
        ),
        "Mutation.withdrawConceptNote" => m(
            "WithdrawConceptNoteInput",
            "withdrawConceptNote",
            "conceptNote { id } userErrors { code }",
            json!({"conceptNote": w.note_to_withdraw, "expectedVersion": 1, "reason": "Merged into another note."}),
        ),
        "Mutation.scheduleMeeting" => m(
            "ScheduleMeetingInput",
            "scheduleMeeting",
            "meeting { id } userErrors { code }",
            json!({"heldOn": "2021-09-30", "kind": "MEETING", "title": format!("Meeting {tag}")}),
        ),
        "Mutation.recordDecision" => m(
            "RecordDecisionInput",
            "recordDecision",
            "decision { id } userErrors { code }",
            json!({"meeting": f.meeting, "kind": "DEFERRAL", "subject": w.note_for_review, "rationale": "By consensus."}),
        ),
        "Mutation.confirmDecision" => m(
            "ConfirmDecisionInput",
            "confirmDecision",
            "decision { id } userErrors { code }",
            json!({"decision": f.funding_decision}),
        ),
        "Mutation.objectToDecision" => m(
            "ObjectToDecisionInput",
            "objectToDecision",
            "decision { id } userErrors { code }",
            json!({"decision": f.funding_decision, "reason": "Not without a meeting."}),
        ),
        "Mutation.submitProgrammeRequest" => m(
            "SubmitProgrammeRequestInput",
            "submitProgrammeRequest",
            "programmeRequest { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "kind": "TRANCHE", "justification": format!("The next tranche, {tag}."), "amountUsd": "1.00"}),
        ),
        "Mutation.putRequestOnAgenda" => m(
            "PutRequestOnAgendaInput",
            "putRequestOnAgenda",
            "programmeRequest { id } userErrors { code }",
            json!({"request": w.request, "meeting": f.meeting}),
        ),
        "Mutation.withdrawProgrammeRequest" => m(
            "WithdrawProgrammeRequestInput",
            "withdrawProgrammeRequest",
            "programmeRequest { id } userErrors { code }",
            json!({"request": w.request}),
        ),
        "Mutation.createJointProgramme" => m(
            "CreateJointProgrammeInput",
            "createJointProgramme",
            "jointProgramme { id } userErrors { code }",
            json!({"conceptNote": f.note, "startDate": "2021-08-01", "endDate": "2023-07-31", "budgetLines": [{"organization": org("ILO"), "programmableUsd": "10.00"}, {"organization": org("IOM"), "programmableUsd": "10.00"}]}),
        ),
        "Mutation.setJointProgrammeStatus" => m(
            "SetJointProgrammeStatusInput",
            "setJointProgrammeStatus",
            "jointProgramme { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "expectedVersion": 1, "status": "ACTIVE", "reason": "Started."}),
        ),
        "Mutation.reviseBudget" => m(
            "ReviseBudgetInput",
            "reviseBudget",
            "jointProgramme { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "decision": f.funding_decision, "expectedVersion": 1, "budgetLines": [{"organization": org("ILO"), "programmableUsd": "10.00"}, {"organization": org("IOM"), "programmableUsd": "10.00"}]}),
        ),
        "Mutation.recordTransfer" => m(
            "RecordTransferInput",
            "recordTransfer",
            "transfer { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "organization": org("ILO"), "decision": f.funding_decision, "transferredOn": "2021-08-15", "amountUsd": "100.00", "idempotencyKey": format!("transfer-{tag}")}),
        ),
        "Mutation.reportExpenditure" => m(
            "ReportExpenditureInput",
            "reportExpenditure",
            "expenditureReport { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "organization": org("ILO"), "year": 2021, "lines": [{"category": "TRAVEL", "amountUsd": "1.00"}], "idempotencyKey": format!("expenditure-{tag}")}),
        ),
        "Mutation.correctExpenditure" => m(
            "CorrectExpenditureInput",
            "correctExpenditure",
            "expenditureReport { id } userErrors { code }",
            // No such report: ADMIN is told NOT_FOUND, nothing written either way.
            json!({"expenditureReport": "RXhwZW5kaXR1cmVSZXBvcnQ6OTk5OTk5", "expectedVersion": 1, "lines": [{"category": "TRAVEL", "amountUsd": "1.00"}], "auditReference": "OAI-2024-001", "reason": format!("Audit finding ({tag})."), "idempotencyKey": format!("correction-{tag}")}),
        ),
        "Mutation.submitNarrativeReport" => m(
            "SubmitNarrativeReportInput",
            "submitNarrativeReport",
            "narrativeReport { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "year": 2021, "summary": format!("The first months, {tag}.")}),
        ),
        "Mutation.recordRefund" => m(
            "RecordRefundInput",
            "recordRefund",
            "amountUsd userErrors { code }",
            json!({"jointProgramme": f.programme, "organization": org("ILO"), "refundedOn": "2021-09-30", "amountUsd": "1.00", "idempotencyKey": format!("refund-{tag}")}),
        ),
        "Mutation.attachDocument" => m(
            "AttachDocumentInput",
            "attachDocument",
            "document { id } userErrors { code }",
            json!({"subjectId": f.programme, "kind": "OTHER", "title": format!("Note {tag}"), "datedOn": "2021-06-30", "file": null}),
        ),
        "Mutation.recordExchangeRate" => m(
            "RecordExchangeRateInput",
            "recordExchangeRate",
            "exchangeRate { id } userErrors { code }",
            json!({"currency": "SEK", "unitsPerUsd": "9.1", "effectiveOn": "2021-06-30", "source": "UN operational rate of exchange"}),
        ),
        "Mutation.recordInterest" => m(
            "RecordInterestInput",
            "recordInterest",
            "entry { id } userErrors { code }",
            json!({"source": "FUND", "receivedOn": "2021-12-31", "amountUsd": "1.00", "idempotencyKey": format!("interest-{tag}")}),
        ),
        "Mutation.recordOtherIncome" => m(
            "RecordOtherIncomeInput",
            "recordOtherIncome",
            "entry { id } userErrors { code }",
            json!({"receivedOn": "2021-12-31", "amountUsd": "1.00", "description": "Sale of equipment", "idempotencyKey": format!("income-{tag}")}),
        ),
        "Mutation.recordDirectCost" => m(
            "RecordDirectCostInput",
            "recordDirectCost",
            "entry { id } userErrors { code }",
            json!({"kind": "BANK_CHARGE", "incurredOn": "2021-12-31", "amountUsd": "1.00", "description": "Account fees", "idempotencyKey": format!("cost-{tag}")}),
        ),
        "Mutation.addIndicator" => m(
            "AddIndicatorInput",
            "addIndicator",
            "indicator { id } userErrors { code }",
            json!({"jointProgramme": f.programme, "code": format!("MX-{tag}"), "level": "OUTPUT", "statement": "Officials trained", "unit": "people", "baseline": "0", "target": "10"}),
        ),
        "Mutation.reportIndicatorValue" => m(
            "ReportIndicatorValueInput",
            "reportIndicatorValue",
            "measurement { id } userErrors { code }",
            json!({"indicator": w.indicator, "periodEnd": "2021-12-31", "value": "5", "note": tag}),
        ),
        "Mutation.reviseIndicator" => m(
            "ReviseIndicatorInput",
            "reviseIndicator",
            "indicator { id } userErrors { code }",
            json!({"indicator": w.indicator, "expectedVersion": 1, "statement": format!("Migrants protected ({tag})"), "reason": "Mid-term review."}),
        ),
        "Mutation.setIndicatorTargets" => m(
            "SetIndicatorTargetsInput",
            "setIndicatorTargets",
            "indicator { id } userErrors { code }",
            json!({"indicator": w.indicator, "expectedVersion": 1, "targets": [{"periodStart": "2021-08-01", "periodEnd": "2022-07-31", "target": "50"}], "reason": tag}),
        ),
        "Mutation.retireIndicator" => m(
            "RetireIndicatorInput",
            "retireIndicator",
            "indicator { id } userErrors { code }",
            json!({"indicator": w.indicator, "expectedVersion": 1, "reason": "No longer measured."}),
        ),
        "Mutation.updateThematicAreaObjectives" => m(
            "UpdateThematicAreaObjectivesInput",
            "updateThematicAreaObjectives",
            "thematicArea { id } userErrors { code }",
            json!({"thematicArea": w.area, "expectedVersion": 1, "objectives": w.area_objectives}),
        ),
        "Subscription.portfolioEvents" => q("subscription { portfolioEvents { kind } }"),
        _ => None,
    }
}

fn token_of(app: &TestApp, role: &str, w: &World) -> Option<String> {
    match role {
        "anonymous" => None,
        "ADMIN" => Some(app.admin()),
        "STEERING_COMMITTEE" => Some(app.committee()),
        "DONOR" => Some(app.donor_token(row_id(&json!(w.funded.donor)), "user:donor")),
        "PUNO" => Some(app.puno_token(row_id(&json!(w.funded.organizations[0])), "user:puno")),
        "PARTNER_SYSTEM" => Some(partner(app)),
        "AUDITOR" => Some(app.token(Role::Auditor, "user:auditor")),
        other => panic!("no role {other}"),
    }
}

/// The answer to a subscription: the first error's code, or `allowed` when the stream stays
/// open without one.
async fn subscription_answer(app: &TestApp, token: Option<&str>, query: &str) -> String {
    let url = app.address.replace("http://", "ws://") + "/graphql";
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    let payload = token
        .map(|t| json!({"Authorization": format!("Bearer {t}")}))
        .unwrap_or(json!({}));
    socket
        .send(Message::text(
            json!({"type": "connection_init", "payload": payload}).to_string(),
        ))
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
    loop {
        match tokio::time::timeout(Duration::from_millis(700), socket.next()).await {
            Err(_) => return "allowed".to_owned(),
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                match message["type"].as_str() {
                    Some("next") if message["payload"].get("errors").is_some() => {
                        return message["payload"]["errors"][0]["extensions"]["code"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned()
                    }
                    Some("error") => {
                        return message["payload"][0]["extensions"]["code"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned()
                    }
                    Some("next") => return "allowed".to_owned(),
                    _ => continue,
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return format!("closed {:?}", frame.map(|f| u16::from(f.code)))
            }
            Ok(_) => return "closed".to_owned(),
        }
    }
}

/// The answer to one request: the first UNAUTHENTICATED or FORBIDDEN, else `allowed` when
/// there is data.
fn answer_of(response: &Value) -> String {
    let codes: Vec<&str> = response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    if let Some(code) = codes
        .iter()
        .find(|c| matches!(**c, "UNAUTHENTICATED" | "FORBIDDEN"))
    {
        return (*code).to_owned();
    }
    if response["data"].is_object() {
        "allowed".to_owned()
    } else {
        format!("no data, errors {codes:?}")
    }
}

on_both! {
    async fn every_root_field_answers_each_role_as_the_table_says(app: TestApp) {
        let w = world(&app).await;
        let table = permission_table();
        let mut mismatches = Vec::new();
        // Refusals first, so that what an allowed role changes does not hide them.
        let order = [0, 6, 3, 4, 5, 2, 1];
        for (field, expected) in &table {
            let Some((query, variables)) = operation(field, &w, "probe") else {
                mismatches.push(format!("{field}: the test has no request for it"));
                continue;
            };
            for &r in &order {
                let role = ROLES[r];
                let token = token_of(&app, role, &w);
                let tag = format!("{}-{}", role.to_lowercase(), field.to_lowercase().replace('.', "-"));
                let (query, variables) = operation(field, &w, &tag).unwrap_or((query.clone(), variables.clone()));
                let before = audit_events(&app).await;
                let answer = if field.starts_with("Subscription.") {
                    subscription_answer(&app, token.as_deref(), &query).await
                } else if field == "Mutation.attachDocument" {
                    // A GraphQL multipart request, as clients send files; a text file per role.
                    let file = ("note.txt", "text/plain", tag.as_bytes());
                    let response = app.upload(token.as_deref(), &query, variables, "input.file", file).await;
                    answer_of(&response.json().await.expect("a JSON body"))
                } else {
                    answer_of(&app.graphql(token.as_deref(), &query, variables).await)
                };
                if answer != expected[r] {
                    mismatches.push(format!("{field} as {role}: {answer}, the table says {}", expected[r]));
                }
                if expected[r] != "allowed" && audit_events(&app).await != before {
                    mismatches.push(format!("{field} as {role} was refused but wrote an audit event"));
                }
            }
        }
        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }
}
