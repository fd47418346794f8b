//! The steering committee: its meetings and the decisions it takes there by consensus. A recorded
//! decision is never edited; a later decision may supersede it.

use super::concept_notes::organization_ids_of;
use super::page::{self, Page, Window};
use super::totals::within_fund_total;
use super::{audit, events, lock_row, policy, Ctx, ServiceResult, Services};
use crate::domain::{
    ConceptNoteStatus, DecisionKind, MeetingKind, PortfolioEventKind, ProgrammeStatus, Role, Text,
    Usd, UserError,
};
use crate::ids::Kind;
use chrono::NaiveDate;
use entity::{concept_note, decision, joint_programme, steering_committee_meeting};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

#[derive(Default)]
pub struct MeetingFilter {
    pub kind: Option<MeetingKind>,
    pub held_from: Option<NaiveDate>,
    pub held_to: Option<NaiveDate>,
}

#[derive(Default)]
pub struct DecisionFilter {
    pub kinds: Vec<DecisionKind>,
    pub meeting_id: Option<i64>,
    pub concept_note_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub recorded_from: Option<NaiveDate>,
    pub recorded_to: Option<NaiveDate>,
}

/// What a decision is about.
#[derive(Serialize, Clone, Copy, Debug)]
pub enum DecisionSubject {
    ConceptNote(i64),
    JointProgramme(i64),
}

#[derive(Serialize, Clone, Debug)]
pub struct NewDecision {
    pub meeting_id: i64,
    pub kind: DecisionKind,
    pub subject: DecisionSubject,
    pub amount_usd: Option<Decimal>,
    pub new_end_date: Option<NaiveDate>,
    pub rationale: String,
    pub supersedes_id: Option<i64>,
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
        policy::authenticated(ctx)?;
        let Some(found) = decision::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        if let Some(note) = found.concept_note_id {
            // Read with the rights on its concept note (FORBIDDEN if the note is not visible).
            self.concept_note(ctx, note).await?;
        }
        Ok(Some(found))
    }

    pub async fn schedule_meeting(
        &self,
        ctx: &Ctx,
        held_on: NaiveDate,
        kind: MeetingKind,
        title: &str,
    ) -> ServiceResult<steering_committee_meeting::Model> {
        ctx.require(&[Role::Admin], "schedule steering committee meetings")?;
        let title = Text::Title.required(title, "title")?;
        let txn = self.db.begin().await?;
        let created = steering_committee_meeting::ActiveModel {
            held_on: Set(held_on),
            kind: Set(kind.as_str().to_owned()),
            title: Set(title),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "scheduleMeeting",
            (Kind::SteeringCommitteeMeeting, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        self.commit(txn).await?;
        Ok(created)
    }

    /// Records a decision of the steering committee and applies it to its subject.
    pub async fn record_decision(
        &self,
        ctx: &Ctx,
        input: NewDecision,
    ) -> ServiceResult<decision::Model> {
        let principal = ctx.require(
            &[Role::SteeringCommittee],
            "record decisions: only the steering committee decides",
        )?;
        let rationale = Text::Rationale.required(&input.rationale, "rationale")?;
        let amount = match (input.kind.carries_amount(), input.amount_usd) {
            (true, Some(amount)) => Some(Usd::parse_positive(amount, "amountUsd")?),
            (true, None) => {
                return Err(UserError::validation(
                    "amountUsd",
                    format!("a {} decision states the amount in US dollars", input.kind),
                )
                .into())
            }
            (false, Some(_)) => {
                return Err(UserError::validation(
                    "amountUsd",
                    format!("a {} decision carries no amount", input.kind),
                )
                .into())
            }
            (false, None) => None,
        };
        if input.kind == DecisionKind::NoCostExtension && input.new_end_date.is_none() {
            return Err(UserError::validation(
                "newEndDate",
                "a no-cost extension states the new end date",
            )
            .into());
        }
        if input.kind != DecisionKind::NoCostExtension && input.new_end_date.is_some() {
            return Err(UserError::validation(
                "newEndDate",
                "only a no-cost extension changes the end date",
            )
            .into());
        }

        let txn = self.db.begin().await?;
        if let Some(amount) = amount {
            within_fund_total::<decision::Entity, _>(
                &txn,
                decision::Column::AmountUsdCents,
                Condition::all(),
                amount.cents(),
                "amountUsd",
            )
            .await?;
        }
        let meeting = steering_committee_meeting::Entity::find_by_id(input.meeting_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("meeting", "steering committee meeting"))?;
        if meeting.held_on > chrono::Utc::now().date_naive() {
            return Err(UserError::validation(
                "meeting",
                "decisions are recorded once the meeting has been held",
            )
            .into());
        }
        if let Some(superseded) = input.supersedes_id {
            let earlier = decision::Entity::find_by_id(superseded)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("supersedes", "decision"))?;
            let same_subject = match input.subject {
                DecisionSubject::ConceptNote(id) => earlier.concept_note_id == Some(id),
                DecisionSubject::JointProgramme(id) => earlier.joint_programme_id == Some(id),
            };
            if !same_subject {
                return Err(UserError::validation(
                    "supersedes",
                    "a decision supersedes an earlier decision on the same subject",
                )
                .into());
            }
        }

        let (summary, audience) = match input.subject {
            DecisionSubject::ConceptNote(note_id) => {
                let Some(next) = input.kind.concept_note_outcome() else {
                    return Err(UserError::validation(
                        "subject",
                        format!("a {} decision is taken on a joint programme", input.kind),
                    )
                    .into());
                };
                let note = lock_row::<concept_note::Entity>(&txn, note_id)
                    .await?
                    .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
                if note.submitted_by == principal.subject {
                    return Err(UserError::new(
                        crate::domain::UserErrorCode::SeparationOfDuties,
                        &["subject"],
                        "you submitted this concept note: the committee decides on it without you",
                    )
                    .into());
                }
                let status = ConceptNoteStatus::from_stored(&note.status)?.transition(next)?;
                let mut row: concept_note::ActiveModel = note.clone().into();
                row.status = Set(status.as_str().to_owned());
                let after = row.update(&txn).await?;
                audit::record(
                    &txn,
                    ctx,
                    "recordDecision",
                    (Kind::ConceptNote, note_id),
                    Some(audit::snapshot(&note)),
                    audit::snapshot(&after),
                )
                .await?;
                let organizations = organization_ids_of(&txn, note_id).await?;
                (
                    format!(
                        "{} decision on concept note {}: now {}",
                        input.kind, note.reference, status
                    ),
                    policy::Audience::ConceptNote {
                        status,
                        organization_ids: organizations,
                    },
                )
            }
            DecisionSubject::JointProgramme(programme_id) => {
                if input.kind.concept_note_outcome().is_some() {
                    return Err(UserError::validation(
                        "subject",
                        format!("a {} decision is taken on a concept note", input.kind),
                    )
                    .into());
                }
                let programme = lock_row::<joint_programme::Entity>(&txn, programme_id)
                    .await?
                    .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
                let status = ProgrammeStatus::from_stored(&programme.status)?;
                let mut row: joint_programme::ActiveModel = programme.clone().into();
                match input.kind {
                    DecisionKind::Suspension => {
                        if !status.can_move_to(ProgrammeStatus::Suspended, None) {
                            return Err(UserError::invalid_transition(
                                "joint programme",
                                status.as_str(),
                                "SUSPENDED",
                            )
                            .into());
                        }
                        row.status = Set(ProgrammeStatus::Suspended.as_str().to_owned());
                        row.status_before_suspension = Set(Some(status.as_str().to_owned()));
                    }
                    DecisionKind::NoCostExtension => {
                        let new_end = input.new_end_date.unwrap_or(programme.end_date);
                        if new_end <= programme.end_date {
                            return Err(UserError::validation(
                                "newEndDate",
                                format!(
                                    "an extension moves the end date beyond {}",
                                    programme.end_date
                                ),
                            )
                            .into());
                        }
                        if matches!(
                            status,
                            ProgrammeStatus::OperationallyClosed
                                | ProgrammeStatus::FinanciallyClosed
                        ) {
                            return Err(UserError::invalid_transition(
                                "joint programme",
                                status.as_str(),
                                "extended",
                            )
                            .into());
                        }
                        row.end_date = Set(new_end);
                    }
                    // A budget revision is recorded; the Fund Management Unit then revises the
                    // budget lines, which must add up to the revised amount.
                    _ => {
                        if matches!(status, ProgrammeStatus::FinanciallyClosed) {
                            return Err(UserError::invalid_transition(
                                "joint programme",
                                status.as_str(),
                                "revised",
                            )
                            .into());
                        }
                    }
                }
                let after = row.update(&txn).await?;
                audit::record(
                    &txn,
                    ctx,
                    "recordDecision",
                    (Kind::JointProgramme, programme_id),
                    Some(audit::snapshot(&programme)),
                    audit::snapshot(&after),
                )
                .await?;
                (
                    format!(
                        "{} decision on joint programme {}",
                        input.kind, programme.code
                    ),
                    policy::Audience::Everyone,
                )
            }
        };
        let (concept_note_id, joint_programme_id) = match input.subject {
            DecisionSubject::ConceptNote(id) => (Some(id), None),
            DecisionSubject::JointProgramme(id) => (None, Some(id)),
        };
        let created = decision::ActiveModel {
            meeting_id: Set(meeting.id),
            kind: Set(input.kind.as_str().to_owned()),
            concept_note_id: Set(concept_note_id),
            joint_programme_id: Set(joint_programme_id),
            amount_usd_cents: Set(amount.map(Usd::cents)),
            new_end_date: Set(input.new_end_date),
            rationale: Set(rationale),
            supersedes_id: Set(input.supersedes_id),
            recorded_by: Set(principal.subject.clone()),
            recorded_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "recordDecision",
            (Kind::Decision, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        let event = events::NewEvent::new(
            PortfolioEventKind::Decision,
            (Kind::Decision, created.id),
            summary,
        )
        .for_audience(audience);
        let event = events::append(&txn, event).await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }
}
