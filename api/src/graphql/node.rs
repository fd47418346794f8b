//! `Node` and the resolution of any global id, with the caller's rights.

use super::types::*;
use super::{check, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Interface, Result, ID};

/// Any object with a global id: `node(id:)` and `nodes(ids:)` fetch it, subject to the caller's
/// rights.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id: opaque, stable, and unique across every kind of object."
))]
pub enum Node {
    ThematicArea(ThematicArea),
    GcmObjective(GcmObjective),
    GuidingPrinciple(GuidingPrinciple),
    Country(Country),
    Organization(Organization),
    Donor(Donor),
    Contribution(Contribution),
    Deposit(Deposit),
    ConceptNote(ConceptNote),
    ConceptNoteReview(ConceptNoteReview),
    SteeringCommitteeMeeting(SteeringCommitteeMeeting),
    Decision(Decision),
    JointProgramme(JointProgramme),
    BudgetLine(BudgetLine),
    Transfer(Transfer),
    ExpenditureReport(ExpenditureReport),
    ResultsIndicator(ResultsIndicator),
    IndicatorMeasurement(IndicatorMeasurement),
    AuditEvent(AuditEvent),
    User(User),
    LedgerEntry(LedgerEntry),
    ExchangeRate(ExchangeRate),
    NarrativeReport(NarrativeReport),
    Document(Document),
    Call(Call),
    ProgrammeRequest(ProgrammeRequest),
}

/// Fetches the object a global id names; `None` if it does not exist, `FORBIDDEN` if the caller
/// may not read it.
pub async fn resolve(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((kind, key)) = ids::decode_any(id) else {
        return Ok(None);
    };
    let services = ctx.services();
    let actor = ctx.actor();
    if kind == Kind::Country {
        let found = check(ctx, services.countries(None).await)?
            .into_iter()
            .find(|c| c.code == key);
        return Ok(found.map(|c| Node::Country(Country(c))));
    }
    let Ok(id) = key.parse::<i64>() else {
        return Ok(None);
    };
    let node = match kind {
        Kind::ThematicArea => check(ctx, services.thematic_areas().await)?
            .into_iter()
            .find(|a| a.id == id)
            .map(|a| Node::ThematicArea(ThematicArea(a))),
        Kind::GcmObjective => check(ctx, services.gcm_objectives().await)?
            .into_iter()
            .find(|o| o.id == id)
            .map(|o| Node::GcmObjective(GcmObjective(o))),
        Kind::GuidingPrinciple => check(ctx, services.guiding_principles().await)?
            .into_iter()
            .find(|p| p.id == id)
            .map(|p| Node::GuidingPrinciple(GuidingPrinciple(p))),
        Kind::Organization => check(ctx, services.organizations(None, None).await)?
            .into_iter()
            .find(|o| o.id == id)
            .map(|o| Node::Organization(Organization(o))),
        Kind::Country => None,
        Kind::Donor => check(ctx, services.donor(actor, id).await)?.map(|d| Node::Donor(Donor(d))),
        Kind::Contribution => check(ctx, services.contribution(actor, id).await)?
            .map(|c| Node::Contribution(Contribution(c))),
        Kind::Deposit => {
            check(ctx, services.deposit(actor, id).await)?.map(|d| Node::Deposit(Deposit(d)))
        }
        Kind::ConceptNote => check(ctx, services.concept_note(actor, id).await)?
            .map(|n| Node::ConceptNote(ConceptNote(n))),
        Kind::ConceptNoteReview => check(ctx, services.concept_note_review(actor, id).await)?
            .map(|r| Node::ConceptNoteReview(ConceptNoteReview(r))),
        Kind::SteeringCommitteeMeeting => check(ctx, services.meeting(actor, id).await)?
            .map(|m| Node::SteeringCommitteeMeeting(SteeringCommitteeMeeting(m))),
        Kind::Decision => {
            check(ctx, services.decision(actor, id).await)?.map(|d| Node::Decision(Decision(d)))
        }
        Kind::JointProgramme => check(ctx, services.joint_programme(actor, id).await)?
            .map(|p| Node::JointProgramme(JointProgramme(p))),
        Kind::BudgetLine => check(
            ctx,
            services
                .programme_detail::<entity::budget_line::Entity>(actor, id)
                .await,
        )?
        .map(|b| Node::BudgetLine(BudgetLine(b))),
        Kind::Transfer => check(
            ctx,
            services
                .programme_detail::<entity::transfer::Entity>(actor, id)
                .await,
        )?
        .map(|t| Node::Transfer(Transfer(t))),
        Kind::ExpenditureReport => check(
            ctx,
            services
                .programme_detail::<entity::expenditure_report::Entity>(actor, id)
                .await,
        )?
        .map(|e| Node::ExpenditureReport(ExpenditureReport(e))),
        Kind::ResultsIndicator => check(
            ctx,
            services
                .programme_detail::<entity::results_indicator::Entity>(actor, id)
                .await,
        )?
        .map(|i| Node::ResultsIndicator(ResultsIndicator(i))),
        Kind::IndicatorMeasurement => check(
            ctx,
            services
                .programme_detail::<entity::indicator_measurement::Entity>(actor, id)
                .await,
        )?
        .map(|m| Node::IndicatorMeasurement(IndicatorMeasurement(m))),
        Kind::AuditEvent => check(ctx, services.audit_event(actor, id).await)?
            .map(|a| Node::AuditEvent(AuditEvent(a))),
        Kind::User => check(ctx, services.user(actor, id).await)?.map(|u| Node::User(User(u))),
        Kind::LedgerEntry => check(ctx, services.ledger_entry(actor, id).await)?
            .map(|e| Node::LedgerEntry(LedgerEntry(e))),
        Kind::ExchangeRate => check(ctx, services.exchange_rate(actor, id).await)?
            .map(|r| Node::ExchangeRate(ExchangeRate(r))),
        Kind::NarrativeReport => check(
            ctx,
            services
                .programme_detail::<entity::narrative_report::Entity>(actor, id)
                .await,
        )?
        .map(|r| Node::NarrativeReport(NarrativeReport(r))),
        Kind::Document => {
            check(ctx, services.document(actor, id).await)?.map(|d| Node::Document(Document(d)))
        }
        Kind::Call => check(ctx, services.call(actor, id).await)?.map(|c| Node::Call(Call(c))),
        Kind::ProgrammeRequest => check(ctx, services.programme_request(actor, id).await)?
            .map(|r| Node::ProgrammeRequest(ProgrammeRequest(r))),
    };
    Ok(node)
}

/// Decodes an input id of a given kind, or answers `BAD_USER_INPUT` naming the argument.
pub fn expect_id(id: &ID, kind: Kind, argument: &str) -> Result<i64> {
    ids::decode(kind, id).ok_or_else(|| {
        super::errors::coded(
            &format!("`{argument}` is not the id of a {}", kind.name()),
            "BAD_USER_INPUT",
        )
    })
}
