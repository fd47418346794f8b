//! The steering committee's meetings and decisions.

use super::notes::{readable_concept_note, ConceptNote};
use super::programmes::JointProgramme;
use super::usd;
use crate::domain::{DecisionKind, MeetingKind};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, Union, ID};
use entity::{decision, steering_committee_meeting};

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
        Ok(rows
            .into_iter()
            .zip(readable)
            .filter_map(|(row, readable)| readable.then_some(Decision(row)))
            .take(crate::graphql::limits::rows::DECISIONS)
            .collect())
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

/// What a decision is about: a concept note (pipeline, funding, rejection, deferral) or a joint
/// programme (budget revision, no-cost extension, suspension).
#[derive(Union)]
pub enum DecisionSubject {
    ConceptNote(ConceptNote),
    JointProgramme(JointProgramme),
}

/// A decision of the steering committee, taken by consensus. Never edited; a later decision
/// may supersede it.
pub struct Decision(pub decision::Model);

/// A decision of the steering committee, taken by consensus and recorded by a committee member.
/// Never edited; a later decision may supersede it. Decisions on concept notes not yet public
/// (before `PIPELINE`) are read only by ADMIN, STEERING_COMMITTEE, AUDITOR and the note's organizations.
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
    /// not read the note yet.
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
    /// In USD: the amount approved (funding) or the revised budget (budget revision); null for
    /// other kinds.
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
    /// The token subject (e.g. `user:4`) of the committee member who recorded it.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When the decision was recorded (UTC).
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}
