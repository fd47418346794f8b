//! The steering committee's meetings and decisions: the reads (the commands that schedule
//! meetings and record decisions are in `commands::governance`).

use super::page::{self, Page, Window};
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::{DecisionKind, DecisionStatus, MeetingKind};
use chrono::NaiveDate;
use entity::{decision, decision_objection, steering_committee_meeting};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

#[derive(Default)]
pub struct MeetingFilter {
    pub kind: Option<MeetingKind>,
    pub held_from: Option<NaiveDate>,
    pub held_to: Option<NaiveDate>,
}

#[derive(Default)]
pub struct DecisionFilter {
    pub kinds: Vec<DecisionKind>,
    pub statuses: Vec<DecisionStatus>,
    pub meeting_id: Option<i64>,
    pub concept_note_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub recorded_from: Option<NaiveDate>,
    pub recorded_to: Option<NaiveDate>,
}

impl Services {
    pub async fn meetings(
        &self,
        ctx: &Ctx,
        filter: MeetingFilter,
        window: Window,
    ) -> ServiceResult<Page<steering_committee_meeting::Model>> {
        policy::authenticated(ctx)?;
        let mut query = steering_committee_meeting::Entity::find();
        if let Some(kind) = filter.kind {
            query = query.filter(steering_committee_meeting::Column::Kind.eq(kind.as_str()));
        }
        if let Some(from) = filter.held_from {
            query = query.filter(steering_committee_meeting::Column::HeldOn.gte(from));
        }
        if let Some(to) = filter.held_to {
            query = query.filter(steering_committee_meeting::Column::HeldOn.lte(to));
        }
        let query = query
            .order_by_desc(steering_committee_meeting::Column::HeldOn)
            .order_by_desc(steering_committee_meeting::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    pub async fn meeting(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<steering_committee_meeting::Model>> {
        policy::authenticated(ctx)?;
        Ok(steering_committee_meeting::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }

    /// Decisions, leaving out those on concept notes the caller may not read yet.
    pub async fn decisions(
        &self,
        ctx: &Ctx,
        filter: DecisionFilter,
        window: Window,
    ) -> ServiceResult<Page<decision::Model>> {
        let principal = policy::authenticated(ctx)?;
        let mut condition = self.policy.readable_decisions(principal);
        if !filter.kinds.is_empty() {
            condition = condition
                .add(decision::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())));
        }
        if !filter.statuses.is_empty() {
            condition = condition
                .add(decision::Column::Status.is_in(filter.statuses.iter().map(|k| k.as_str())));
        }
        if let Some(meeting) = filter.meeting_id {
            condition = condition.add(decision::Column::MeetingId.eq(meeting));
        }
        if let Some(note) = filter.concept_note_id {
            condition = condition.add(decision::Column::ConceptNoteId.eq(note));
        }
        if let Some(programme) = filter.joint_programme_id {
            condition = condition.add(decision::Column::JointProgrammeId.eq(programme));
        }
        if let Some(from) = filter.recorded_from {
            condition = condition.add(
                decision::Column::RecordedAt.gte(from.and_hms_opt(0, 0, 0).map(|d| d.and_utc())),
            );
        }
        if let Some(to) = filter.recorded_to {
            condition = condition.add(
                decision::Column::RecordedAt.lt(to
                    .succ_opt()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc())),
            );
        }
        let query = decision::Entity::find()
            .filter(condition)
            .order_by_desc(decision::Column::RecordedAt)
            .order_by_desc(decision::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    pub async fn decision(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<decision::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = decision::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .filter(|row| policy::can_read_decision_in_its_status(principal, row))
        else {
            return Ok(None);
        };
        if let Some(note) = found.concept_note_id {
            // Read with the rights on its concept note (FORBIDDEN if the note is not visible).
            self.concept_note(ctx, note).await?;
        }
        Ok(Some(found))
    }

    /// The objections to decision `id`'s written procedure, oldest first (read with the
    /// decision: a decision not in effect is the committee's business).
    pub async fn objections_to(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Vec<decision_objection::Model>> {
        if self.decision(ctx, id).await?.is_none() {
            return Ok(Vec::new());
        }
        Ok(decision_objection::Entity::find()
            .filter(decision_objection::Column::DecisionId.eq(id))
            .order_by_asc(decision_objection::Column::Id)
            .all(&self.db)
            .await?)
    }
}
