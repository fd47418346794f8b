//! The steering committee's meetings and decisions.

use super::notes::{readable_concept_note, ConceptNote};
use super::programmes::JointProgramme;
use super::usd;
use crate::domain::{DecisionKind, DecisionStatus, MeetingKind};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::policy;
use async_graphql::{Context, Object, Result, Union, ID};
use entity::{decision, decision_objection, steering_committee_meeting};

/// A meeting of the steering committee, or a decision round by written procedure.
pub struct SteeringCommitteeMeeting(pub steering_committee_meeting::Model);

/// A meeting of the steering committee, or a decision round by written procedure, at which
/// decisions are recorded. Read by every token.
#[Object]
impl SteeringCommitteeMeeting {
    /// The meeting's global id (for `recordDecision`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::SteeringCommitteeMeeting, self.0.id))
    }
    /// The date of the meeting, or of the close of the written procedure.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// A meeting, or a written procedure.
    async fn kind(&self) -> Result<Option<MeetingKind>> {
        Ok(Some(MeetingKind::from_stored(&self.0.kind)?))
    }
    /// The meeting's title (e.g. "Ninth meeting of the steering committee").
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The decisions taken, leaving out those on concept notes the caller may not read yet.
    /// At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(DecisionsOfMeeting(self.0.id)).await,
        )?
        .unwrap_or_default();
        // Decided note by note through the loaders, so a page of meetings costs the same
        // statements as one meeting.
        let readable = futures::future::join_all(rows.iter().map(|row| async move {
            match row.concept_note_id {
                Some(note) => readable_concept_note(ctx, note).await.is_ok(),
                None => true,
            }
        }))
        .await;
        let rows = rows
            .into_iter()
            .zip(readable)
            .filter_map(|(row, readable)| readable.then_some(row));
        Ok(readable_in_their_status(ctx, rows))
    }
    /// The documents kept with it (`attachDocument`), oldest first by their date; at most 100,
    /// and the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DOCUMENTS, child_complexity)"
    )]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<super::Document>> {
        super::documents::documents_of(ctx, crate::service::documents::Subject::Meeting(self.0.id))
            .await
    }
}

/// The decisions of a parent's list that the caller may read in their status (see
/// [`policy::can_read_decision_in_its_status`]), at most the list's bound.
pub fn readable_in_their_status(
    ctx: &Context<'_>,
    rows: impl IntoIterator<Item = decision::Model>,
) -> Vec<Decision> {
    let principal = ctx.actor().principal().ok();
    rows.into_iter()
        .filter(|row| principal.is_some_and(|p| policy::can_read_decision_in_its_status(p, row)))
        .take(crate::graphql::limits::rows::DECISIONS)
        .map(Decision)
        .collect()
}

/// What a decision is about: a concept note (pipeline, funding, rejection, deferral) or a joint
/// programme (budget revision, no-cost extension, suspension and its lifting). A `DIRECT_COST`
/// decision is on the fund itself and has none.
#[derive(Union)]
pub enum DecisionSubject {
    ConceptNote(ConceptNote),
    JointProgramme(JointProgramme),
}

/// A decision of the steering committee, taken by consensus. Never edited; a later decision
/// may supersede it.
pub struct Decision(pub decision::Model);

/// A decision of the steering committee, taken by consensus at a meeting or by written procedure.
/// Never edited; a later decision may supersede it. It takes effect (`ADOPTED`) only by a
/// committee member's act: recorded by a member, confirmed by the chair when the Fund Management
/// Unit recorded it, or adopted by no objection at its written procedure's deadline. Decisions
/// not in effect are read only by ADMIN, STEERING_COMMITTEE and AUDITOR; decisions on concept
/// notes not yet public (before `PIPELINE`) only by those and the note's organizations.
#[Object]
impl Decision {
    /// The decision's global id (for `recordTransfer` and `supersedes`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Decision, self.0.id))
    }
    /// The meeting or written procedure that took it.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<SteeringCommitteeMeeting>> {
        Ok(loaded(
            ctx,
            ctx.loader().load_one(MeetingById(self.0.meeting_id)).await,
        )?
        .map(SteeringCommitteeMeeting))
    }
    /// The concept note or joint programme decided on; `FORBIDDEN` on its path when the caller may
    /// not read the note yet; null for a decision on the fund itself (`DIRECT_COST`).
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<DecisionSubject>> {
        if let Some(note) = self.0.concept_note_id {
            let found = readable_concept_note(ctx, note).await?;
            return Ok(found.map(|n| DecisionSubject::ConceptNote(ConceptNote(n))));
        }
        if let Some(programme) = self.0.joint_programme_id {
            let found = loaded(
                ctx,
                ctx.loader().load_one(JointProgrammeById(programme)).await,
            )?;
            return Ok(found.map(|p| DecisionSubject::JointProgramme(JointProgramme(p))));
        }
        Ok(None)
    }
    /// What was decided.
    async fn kind(&self) -> Result<Option<DecisionKind>> {
        Ok(Some(DecisionKind::from_stored(&self.0.kind)?))
    }
    /// In USD: the amount approved (funding), the revised budget (budget revision) or the most
    /// the fund's own costs may reach on this decision (direct cost); null for other kinds.
    async fn amount_usd(&self) -> Option<Decimal> {
        self.0.amount_usd_cents.map(usd)
    }
    /// The new end date of a no-cost extension; null for other kinds.
    async fn new_end_date(&self) -> Option<Date> {
        self.0.new_end_date.map(Date)
    }
    /// The committee's reasons, as recorded.
    async fn rationale(&self) -> &str {
        &self.0.rationale
    }
    /// The earlier decision this one replaces, where it does.
    async fn supersedes(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        match self.0.supersedes_id {
            Some(id) => {
                Ok(loaded(ctx, ctx.loader().load_one(DecisionById(id)).await)?.map(Decision))
            }
            None => Ok(None),
        }
    }
    /// The token subject (e.g. `user:4`) of who recorded it: a committee member, or the Fund
    /// Management Unit keeping the committee's record.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When the decision was recorded (UTC).
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
    /// Where it stands: `PENDING` (awaiting the chair's confirmation, or its written
    /// procedure's deadline), `ADOPTED` (in effect) or `OBJECTED` (a member objected to its
    /// written procedure; it never takes effect).
    async fn status(&self) -> Result<Option<DecisionStatus>> {
        Ok(Some(DecisionStatus::from_stored(&self.0.status)?))
    }
    /// The day it took effect: its meeting's day, or its written procedure's deadline; null
    /// while not in effect.
    async fn adopted_on(&self) -> Option<Date> {
        self.0.adopted_on.map(Date)
    }
    /// The token subject of the committee member whose act made it take effect: who recorded it
    /// as a member, the chair who confirmed it, or the member who closed its written procedure.
    async fn confirmed_by(&self) -> Option<&str> {
        self.0.confirmed_by.as_deref()
    }
    /// When that act was recorded (UTC).
    async fn confirmed_at(&self) -> Option<DateTime> {
        self.0.confirmed_at.map(DateTime)
    }
    /// The programme request this decision answers (`recordDecision`'s `answers`), if the
    /// caller may read it (ADMIN, STEERING_COMMITTEE, AUDITOR and the programme's
    /// organizations); null otherwise.
    async fn answers(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::requests::ProgrammeRequest>> {
        let found = check(
            ctx,
            ctx.services()
                .request_answered_by(ctx.actor(), self.0.id)
                .await,
        )?;
        Ok(found.map(super::requests::ProgrammeRequest))
    }
    /// The members' objections to its written procedure, oldest first (at most one per member).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn objections(&self, ctx: &Context<'_>) -> Result<Vec<DecisionObjection>> {
        if self.0.status != DecisionStatus::Objected.as_str() {
            return Ok(Vec::new());
        }
        let rows = check(
            ctx,
            ctx.services().objections_to(ctx.actor(), self.0.id).await,
        )?;
        Ok(rows.into_iter().map(DecisionObjection).collect())
    }
}

/// A steering committee member's objection to a decision put to a written procedure.
pub struct DecisionObjection(pub decision_objection::Model);

/// A member's objection to a decision put to a written procedure, before its deadline: the
/// decision never takes effect and the matter goes to a meeting.
#[Object]
impl DecisionObjection {
    /// The token subject of the member who objected.
    async fn objected_by(&self) -> &str {
        &self.0.objected_by
    }
    /// When the objection was recorded (UTC).
    async fn objected_at(&self) -> DateTime {
        DateTime(self.0.objected_at)
    }
    /// The member's reasons.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}
