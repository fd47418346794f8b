//! Requests from participating organizations to the steering committee (docs/governance.md).

use super::governance::{readable_in_their_status, Decision, SteeringCommitteeMeeting};
use super::programmes::JointProgramme;
use super::reference::{organization_by_id, Organization};
use super::usd;
use crate::domain::{RequestKind, RequestOutcome, RequestStatus};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, ID};
use entity::programme_request;

/// A request from a programme's convening organization to the steering committee.
pub struct ProgrammeRequest(pub programme_request::Model);

/// A request from a joint programme's convening organization to the steering committee: a
/// no-cost extension, a budget revision or its next tranche, with a justification
/// (`submitProgrammeRequest`). It goes on the agenda of a meeting or a written procedure
/// (`putRequestOnAgenda`), and a decision of the committee answers it (`recordDecision` with
/// `answers`): it shows its outcome once that decision is adopted. Read by ADMIN,
/// STEERING_COMMITTEE, AUDITOR and the programme's own organizations.
#[Object]
impl ProgrammeRequest {
    /// The request's global id (for `putRequestOnAgenda`, `withdrawProgrammeRequest` and
    /// `recordDecision`'s `answers`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ProgrammeRequest, self.0.id))
    }
    /// The joint programme it is about.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        super::programmes::programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The organization that asks: the programme's convening organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// What is asked for.
    async fn kind(&self) -> Result<Option<RequestKind>> {
        Ok(Some(RequestKind::from_stored(&self.0.kind)?))
    }
    /// Why the programme asks for it.
    async fn justification(&self) -> &str {
        &self.0.justification
    }
    /// The end date a no-cost extension asks for; null for other kinds.
    async fn new_end_date(&self) -> Option<Date> {
        self.0.new_end_date.map(Date)
    }
    /// In USD, what a budget revision or a tranche asks for; null for a no-cost extension.
    async fn amount_usd(&self) -> Option<Decimal> {
        self.0.amount_usd_cents.map(usd)
    }
    /// The token subject (e.g. `user:12`) of who submitted it: the organization's officer, or the
    /// Fund Management Unit on its behalf.
    async fn requested_by(&self) -> &str {
        &self.0.requested_by
    }
    /// When it was submitted (UTC).
    async fn requested_at(&self) -> DateTime {
        DateTime(self.0.requested_at)
    }
    /// Where it stands: `SUBMITTED`, `ON_AGENDA`, `ANSWERED` (by a decision in effect) or
    /// `WITHDRAWN`.
    async fn status(&self) -> Result<Option<RequestStatus>> {
        Ok(Some(RequestStatus::from_stored(&self.0.status)?))
    }
    /// The meeting or written procedure whose agenda it is on (the one whose decision answers
    /// it, once one does); null while not on an agenda.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<Option<SteeringCommitteeMeeting>> {
        match self.0.meeting_id {
            Some(id) => Ok(loaded(ctx, ctx.loader().load_one(MeetingById(id)).await)?
                .map(SteeringCommitteeMeeting)),
            None => Ok(None),
        }
    }
    /// The decision answering it: in effect once the request is `ANSWERED`; before that, one
    /// awaiting confirmation (read by ADMIN, STEERING_COMMITTEE and AUDITOR only) or one objected
    /// to (the request stays open); null when none.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        let Some(id) = self.0.decision_id else {
            return Ok(None);
        };
        let found = loaded(ctx, ctx.loader().load_one(DecisionById(id)).await)?;
        Ok(readable_in_their_status(ctx, found).into_iter().next())
    }
    /// The committee's answer (`APPROVED`, `PARTLY_APPROVED`, `REFUSED`), once the decision
    /// answering it is adopted; null before (a pending decision is not an answer yet).
    async fn outcome(&self) -> Result<Option<RequestOutcome>> {
        if self.0.status != RequestStatus::Answered.as_str() {
            return Ok(None);
        }
        Ok(self
            .0
            .outcome
            .as_deref()
            .map(RequestOutcome::from_stored)
            .transpose()?)
    }
    /// The day the answer took effect (the decision's `adoptedOn`); null before.
    async fn answered_on(&self) -> Option<Date> {
        self.0.answered_on.map(Date)
    }
    /// The token subject of who withdrew it; null unless `WITHDRAWN`.
    async fn withdrawn_by(&self) -> Option<&str> {
        self.0.withdrawn_by.as_deref()
    }
    /// When it was withdrawn (UTC); null unless `WITHDRAWN`.
    async fn withdrawn_at(&self) -> Option<DateTime> {
        self.0.withdrawn_at.map(DateTime)
    }
}
