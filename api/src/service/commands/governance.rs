//! The steering committee: the commands that schedule its meetings and record the decisions it
//! takes there by consensus. A recorded decision is never edited; a later decision may supersede
//! it. Each command states who may run it, its rules and its effect; the envelope does the rest
//! (see [`crate::service::envelope`]). Reads are in `service::governance`.

use crate::auth::Principal;
use crate::domain::{
    ConceptNoteStatus, DecisionKind, DecisionStatus, DecisionSubjectKind, LedgerEntryKind,
    MeetingKind, PortfolioEventKind, ProgrammeStatus, RequestOutcome, Role, Text, Usd, UserError,
    UserErrorCode,
};
use crate::ids::Kind;
use crate::service::commands::requests::{self, RequestAnswer};
use crate::service::concept_notes::organization_ids_of;
use crate::service::envelope::{Command, Effect};
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::policy::Audience;
use crate::service::totals::within_fund_total;
use crate::service::{lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{
    concept_note, decision, decision_objection, joint_programme, steering_committee_meeting,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use serde::Serialize;

/// What a decision is about.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionSubject {
    ConceptNote(i64),
    JointProgramme(i64),
    /// The fund itself (a `DIRECT_COST` decision).
    Fund,
}

impl DecisionSubject {
    /// The subject of a recorded decision.
    pub fn of(decision: &decision::Model) -> ServiceResult<Self> {
        Ok(
            match (decision.concept_note_id, decision.joint_programme_id) {
                (Some(note), None) => DecisionSubject::ConceptNote(note),
                (None, Some(programme)) => DecisionSubject::JointProgramme(programme),
                (None, None) => DecisionSubject::Fund,
                (Some(_), Some(_)) => {
                    return Err(anyhow::anyhow!("decision {} has two subjects", decision.id).into())
                }
            },
        )
    }

    pub fn kind(self) -> DecisionSubjectKind {
        match self {
            DecisionSubject::ConceptNote(_) => DecisionSubjectKind::ConceptNote,
            DecisionSubject::JointProgramme(_) => DecisionSubjectKind::JointProgramme,
            DecisionSubject::Fund => DecisionSubjectKind::Fund,
        }
    }

    /// The record's columns: `(concept_note_id, joint_programme_id)`.
    fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            DecisionSubject::ConceptNote(id) => (Some(id), None),
            DecisionSubject::JointProgramme(id) => (None, Some(id)),
            DecisionSubject::Fund => (None, None),
        }
    }
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
    /// The programme request this decision answers, and how.
    pub answers: Option<RequestAnswer>,
}

/// Schedules a meeting of the steering committee (ADMIN, as its secretariat).
pub async fn schedule_meeting(
    fund: &Services,
    ctx: &Ctx,
    held_on: NaiveDate,
    kind: MeetingKind,
    title: &str,
) -> ServiceResult<steering_committee_meeting::Model> {
    let command = Command::new(
        ctx,
        "scheduleMeeting",
        &[Role::Admin],
        "schedule steering committee meetings",
    )?;
    let title = Text::Title.required(title, "title")?;
    command
        .run(fund, async |txn, effect| {
            let created = steering_committee_meeting::ActiveModel {
                held_on: Set(held_on),
                kind: Set(kind.as_str().to_owned()),
                title: Set(title),
                created_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::SteeringCommitteeMeeting, created.id), &created);
            Ok(created)
        })
        .await
}

/// Records a decision of the steering committee taken at a meeting or put to a written
/// procedure, checking its shape (an amount for the kinds that carry one, a new end date for an
/// extension only, a subject of the kind it is taken on; it supersedes only a decision in effect
/// on the same subject).
///
/// Nothing takes effect without a committee member's act: a STEERING_COMMITTEE member recording a
/// decision of a meeting that has been held (or of a written procedure already closed) applies
/// it at once; what the Fund Management Unit (ADMIN) records waits, `PENDING`, for a member's
/// confirmation (`confirmDecision`: the chair's, for a meeting); a decision put to a written
/// procedure still open waits, whoever records it, for its no-objection deadline (the
/// procedure's date) to pass without objection.
pub async fn record_decision(
    fund: &Services,
    ctx: &Ctx,
    input: NewDecision,
) -> ServiceResult<decision::Model> {
    let command = Command::new(
        ctx,
        "recordDecision",
        &[Role::Admin, Role::SteeringCommittee],
        "record decisions: the Fund Management Unit keeps the committee's record, and only the committee decides",
    )?;
    let principal = command.principal();
    let rationale = Text::Rationale.required(&input.rationale, "rationale")?;
    let amount = match (input.kind.carries_amount(), input.amount_usd) {
        (true, Some(amount)) => Some(Usd::parse_positive(amount, "amountUsd")?),
        (true, None) => {
            let message = format!("a {} decision states the amount in US dollars", input.kind);
            return Err(UserError::validation("amountUsd", message).into());
        }
        (false, Some(_)) => {
            let message = format!("a {} decision carries no amount", input.kind);
            return Err(UserError::validation("amountUsd", message).into());
        }
        (false, None) => None,
    };
    match (
        input.kind == DecisionKind::NoCostExtension,
        input.new_end_date,
    ) {
        (true, None) => {
            return Err(UserError::validation(
                "newEndDate",
                "a no-cost extension states the new end date",
            )
            .into())
        }
        (false, Some(_)) => {
            return Err(UserError::validation(
                "newEndDate",
                "only a no-cost extension changes the end date",
            )
            .into())
        }
        _ => {}
    }
    if input.subject.kind() != input.kind.subject() {
        let message = format!(
            "a {} decision is taken on {}",
            input.kind,
            match input.kind.subject() {
                DecisionSubjectKind::ConceptNote => "a concept note",
                DecisionSubjectKind::JointProgramme => "a joint programme",
                DecisionSubjectKind::Fund => "the fund itself: leave the subject out",
            }
        );
        return Err(UserError::validation("subject", message).into());
    }
    command
        .run(fund, async |txn, effect| {
            if let Some(amount) = amount {
                within_fund_total::<decision::Entity, _>(
                    txn,
                    decision::Column::AmountUsdCents,
                    Condition::all(),
                    amount.cents(),
                    "amountUsd",
                )
                .await?;
            }
            let meeting = steering_committee_meeting::Entity::find_by_id(input.meeting_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("meeting", "steering committee meeting"))?;
            let today = chrono::Utc::now().date_naive();
            let in_effect_now = match MeetingKind::from_stored(&meeting.kind)? {
                MeetingKind::Meeting if meeting.held_on > today => {
                    return Err(UserError::validation(
                        "meeting",
                        "decisions are recorded once the meeting has been held",
                    )
                    .into());
                }
                // Members may still object until the deadline: it waits for the day after.
                MeetingKind::WrittenProcedure if meeting.held_on >= today => false,
                // A meeting held, or a written procedure closed: a member's record is the
                // committee's act; the Fund Management Unit's waits for a member's confirmation.
                _ => principal.role == Role::SteeringCommittee,
            };
            if let Some(superseded) = input.supersedes_id {
                let earlier = decision::Entity::find_by_id(superseded)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("supersedes", "decision"))?;
                if DecisionSubject::of(&earlier)? != input.subject
                    || earlier.status != DecisionStatus::Adopted.as_str()
                {
                    return Err(UserError::validation(
                        "supersedes",
                        "a decision supersedes an earlier decision in effect on the same subject",
                    )
                    .into());
                }
            }
            let (concept_note_id, joint_programme_id) = input.subject.columns();
            let now = chrono::Utc::now();
            let row = decision::ActiveModel {
                meeting_id: Set(meeting.id),
                kind: Set(input.kind.as_str().to_owned()),
                concept_note_id: Set(concept_note_id),
                joint_programme_id: Set(joint_programme_id),
                amount_usd_cents: Set(amount.map(Usd::cents)),
                new_end_date: Set(input.new_end_date),
                rationale: Set(rationale),
                supersedes_id: Set(input.supersedes_id),
                recorded_by: Set(principal.subject.clone()),
                recorded_at: Set(now),
                status: Set(DecisionStatus::Pending.as_str().to_owned()),
                adopted_on: Set(None),
                confirmed_by: Set(None),
                confirmed_at: Set(None),
                ..Default::default()
            };
            if !in_effect_now {
                // The subject must exist and suit the decision now; it is checked again when
                // the decision takes effect.
                check_subject(txn, principal, input.kind, input.subject).await?;
                let created = row.insert(txn).await?;
                effect.created((Kind::Decision, created.id), &created);
                if let Some(answer) = input.answers {
                    requests::link_answer(txn, effect, &created, answer).await?;
                }
                return Ok(created);
            }
            let mut row = row;
            row.status = Set(DecisionStatus::Adopted.as_str().to_owned());
            row.adopted_on = Set(Some(meeting.held_on));
            row.confirmed_by = Set(Some(principal.subject.clone()));
            row.confirmed_at = Set(Some(now));
            let created = row.insert(txn).await?;
            if let Some(answer) = input.answers {
                requests::link_answer(txn, effect, &created, answer).await?;
            }
            take_effect(txn, effect, principal, &created, &meeting).await?;
            effect.created((Kind::Decision, created.id), &created);
            Ok(created)
        })
        .await
}

/// Makes a `PENDING` decision take effect (STEERING_COMMITTEE). A decision of a meeting is
/// confirmed by the chair, who did not record it (four eyes); a decision put to a written
/// procedure, once its no-objection deadline has passed without objection, by any member but
/// the one who recorded it. It then applies to its subject as if recorded by a member, dated
/// its meeting's day or its procedure's deadline.
pub async fn confirm_decision(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
) -> ServiceResult<decision::Model> {
    let command = Command::new(
        ctx,
        "confirmDecision",
        &[Role::SteeringCommittee],
        "confirm decisions: only the steering committee decides",
    )?;
    let principal = command.principal();
    command
        .run(fund, async |txn, effect| {
            let (pending, meeting) = pending_decision(txn, id).await?;
            match MeetingKind::from_stored(&meeting.kind)? {
                MeetingKind::Meeting if !principal.chair => {
                    return Err(ServiceError::Forbidden(
                        "confirm decisions of a meeting: the chair confirms what the Fund Management Unit recorded".to_owned(),
                    ));
                }
                MeetingKind::Meeting => {}
                MeetingKind::WrittenProcedure => {
                    if chrono::Utc::now().date_naive() <= meeting.held_on {
                        let message = format!(
                            "members may object to this written procedure until {}: it is adopted after that day, if none has",
                            meeting.held_on
                        );
                        return Err(UserError::new(UserErrorCode::InvalidTransition, &["decision"], message).into());
                    }
                }
            }
            if pending.recorded_by == principal.subject {
                return Err(UserError::new(
                    UserErrorCode::SeparationOfDuties,
                    &["decision"],
                    "you recorded this decision: another member of the committee confirms it",
                )
                .into());
            }
            let mut row: decision::ActiveModel = pending.clone().into();
            row.status = Set(DecisionStatus::Adopted.as_str().to_owned());
            row.adopted_on = Set(Some(meeting.held_on));
            row.confirmed_by = Set(Some(principal.subject.clone()));
            row.confirmed_at = Set(Some(chrono::Utc::now()));
            let adopted = row.update(txn).await?;
            take_effect(txn, effect, principal, &adopted, &meeting).await?;
            effect.changed((Kind::Decision, id), &pending, &adopted);
            Ok(adopted)
        })
        .await
}

/// A member's objection to a decision put to a written procedure (STEERING_COMMITTEE), with its
/// reason, on or before the procedure's deadline: the decision is `OBJECTED` and never takes
/// effect; the matter goes to a meeting.
pub async fn object_to_decision(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    reason: &str,
) -> ServiceResult<decision::Model> {
    let command = Command::new(
        ctx,
        "objectToDecision",
        &[Role::SteeringCommittee],
        "object to decisions: only members of the steering committee object",
    )?;
    let principal = command.principal();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let (pending, meeting) = pending_decision(txn, id).await?;
            if MeetingKind::from_stored(&meeting.kind)? != MeetingKind::WrittenProcedure {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["decision"],
                    "only a decision put to a written procedure is objected to; at a meeting the committee decides by consensus",
                )
                .into());
            }
            if chrono::Utc::now().date_naive() > meeting.held_on {
                let message = format!(
                    "this written procedure's no-objection deadline passed on {}",
                    meeting.held_on
                );
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["decision"], message).into());
            }
            let objection = decision_objection::ActiveModel {
                decision_id: Set(id),
                objected_by: Set(principal.subject.clone()),
                objected_at: Set(chrono::Utc::now()),
                reason: Set(reason),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut row: decision::ActiveModel = pending.clone().into();
            row.status = Set(DecisionStatus::Objected.as_str().to_owned());
            let objected = row.update(txn).await?;
            effect.audit(
                (Kind::Decision, id),
                Some(crate::service::audit::snapshot(&pending)),
                serde_json::json!({
                    "decision": crate::service::audit::snapshot(&objected),
                    "objection": crate::service::audit::snapshot(&objection),
                }),
            );
            Ok(objected)
        })
        .await
}

/// The decision `id` a command rests on (`field` names it in the input), provided it is in
/// effect: `NOT_FOUND`, or `INVALID_TRANSITION` while it awaits confirmation or was objected to.
pub async fn decision_in_effect<C: ConnectionTrait>(
    db: &C,
    id: i64,
    field: &str,
) -> ServiceResult<decision::Model> {
    let found = decision::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| UserError::not_found(field, "decision"))?;
    let status = DecisionStatus::from_stored(&found.status)?;
    let refusal = status == DecisionStatus::Adopted && requests::refuses(db, found.id).await?;
    match status {
        DecisionStatus::Adopted if refusal => Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &[field],
            "this decision refused the request it answers: it changed nothing, and nothing rests on it",
        )
        .into()),
        DecisionStatus::Adopted => Ok(found),
        DecisionStatus::Pending => Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &[field],
            "this decision has not taken effect: it awaits the chair's confirmation, or its written procedure's deadline",
        )
        .into()),
        DecisionStatus::Objected => Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &[field],
            "a member objected to this decision's written procedure: it never took effect",
        )
        .into()),
    }
}

/// The `PENDING` decision `id`, locked, and its meeting or written procedure.
async fn pending_decision(
    txn: &DatabaseTransaction,
    id: i64,
) -> ServiceResult<(decision::Model, steering_committee_meeting::Model)> {
    // Decisions are never edited, so they carry no version: the row is locked by a write that
    // changes nothing, and two confirmations (or a confirmation and an objection) run one after
    // the other.
    decision::Entity::update_many()
        .col_expr(
            decision::Column::Status,
            Expr::col(decision::Column::Status),
        )
        .filter(decision::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let pending = decision::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| UserError::not_found("decision", "decision"))?;
    let status = DecisionStatus::from_stored(&pending.status)?;
    if status != DecisionStatus::Pending {
        let message = format!(
            "this decision is {status}: only a PENDING decision is confirmed or objected to"
        );
        return Err(
            UserError::new(UserErrorCode::InvalidTransition, &["decision"], message).into(),
        );
    }
    let meeting = steering_committee_meeting::Entity::find_by_id(pending.meeting_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("decision {id} names no meeting"))?;
    Ok((pending, meeting))
}

/// What a decision does when it takes effect, on behalf of `member` (who recorded or confirmed
/// it): an allocation draws on what the committee can still allocate, dated its meeting's day;
/// its subject moves (a concept note's outcome; a programme's suspension, its lifting or its
/// extension); the request it answers, if any, is answered; the decision is announced. A
/// decision refusing a request changes nothing else.
async fn take_effect(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    member: &Principal,
    decision: &decision::Model,
    meeting: &steering_committee_meeting::Model,
) -> ServiceResult<()> {
    let kind = DecisionKind::from_stored(&decision.kind)?;
    let subject = DecisionSubject::of(decision)?;
    let amount = decision.amount_usd_cents.map(Usd::from_cents);
    let answered = requests::answered_by(txn, decision.id).await?;
    let refused = answered
        .as_ref()
        .filter(|r| r.outcome.as_deref() == Some(RequestOutcome::Refused.as_str()));
    if let Some(request) = refused {
        let programme = joint_programme::Entity::find_by_id(request.joint_programme_id)
            .one(txn)
            .await?
            .ok_or_else(|| UserError::not_found("subject", "joint programme"))?;
        requests::settle_answer(txn, effect, request, meeting.held_on).await?;
        let summary = format!(
            "{kind} decision on joint programme {}: the committee refused its {} request",
            programme.code, request.kind
        );
        let event = NewEvent::new(
            PortfolioEventKind::Decision,
            (Kind::Decision, decision.id),
            summary,
        );
        effect.announce(event);
        return Ok(());
    }
    // The pools an allocation draws on, checked before anything changes; one at a time.
    let allocation = match amount {
        Some(amount) if kind.allocates() => {
            ledger::lock_spending(txn).await?;
            let area = area_of(txn, subject).await?;
            Some(ledger::draw_on_pools(txn, area, amount, "amountUsd").await?)
        }
        _ => None,
    };
    let announced = match subject {
        DecisionSubject::ConceptNote(id) => decide_on_note(txn, effect, member, kind, id).await?,
        DecisionSubject::JointProgramme(id) => {
            decide_on_programme(txn, effect, kind, decision.new_end_date, id).await?
        }
        DecisionSubject::Fund => Announced {
            summary: format!(
                "{kind} decision: the fund's own costs approved up to {}",
                amount.unwrap_or(Usd::ZERO)
            ),
            audience: Audience::Everyone,
        },
    };
    if let Some(parts) = allocation {
        let entries = parts
            .into_iter()
            .map(|(pool, part)| {
                NewEntry::usd(LedgerEntryKind::Allocation, meeting.held_on, part)
                    .pool(pool)
                    .decision(decision.id)
                    .programme_if(decision.joint_programme_id)
                    .described(format!("{kind} decision"))
            })
            .collect();
        ledger::append(txn, &member.subject, entries).await?;
    }
    if let Some(request) = &answered {
        requests::settle_answer(txn, effect, request, meeting.held_on).await?;
    }
    let event = NewEvent::new(
        PortfolioEventKind::Decision,
        (Kind::Decision, decision.id),
        announced.summary,
    );
    effect.announce(event.for_audience(announced.audience));
    Ok(())
}

/// Refuses a pending decision whose subject does not exist, or does not allow it now.
async fn check_subject(
    txn: &DatabaseTransaction,
    member: &Principal,
    kind: DecisionKind,
    subject: DecisionSubject,
) -> ServiceResult<()> {
    match subject {
        DecisionSubject::ConceptNote(id) => {
            let note = concept_note::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("subject", "concept note"))?;
            if let Some(next) = kind.concept_note_outcome() {
                ConceptNoteStatus::from_stored(&note.status)?.transition(next)?;
            }
            if member.role == Role::SteeringCommittee && note.submitted_by == member.subject {
                return Err(submitter_refused().into());
            }
        }
        DecisionSubject::JointProgramme(id) => {
            joint_programme::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("subject", "joint programme"))?;
        }
        DecisionSubject::Fund => {}
    }
    Ok(())
}

fn submitter_refused() -> UserError {
    UserError::new(
        UserErrorCode::SeparationOfDuties,
        &["subject"],
        "you submitted this concept note: the committee decides on it without you",
    )
}

/// The thematic area whose pool an allocation on `subject` draws on first.
async fn area_of(txn: &DatabaseTransaction, subject: DecisionSubject) -> ServiceResult<i64> {
    Ok(match subject {
        DecisionSubject::ConceptNote(id) => {
            concept_note::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?
                .thematic_area_id
        }
        DecisionSubject::JointProgramme(id) => {
            joint_programme::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?
                .thematic_area_id
        }
        DecisionSubject::Fund => {
            return Err(anyhow::anyhow!("a decision on the fund itself allocates nothing").into())
        }
    })
}

/// How a decision is announced: its summary, and the organizations it is restricted to when its
/// subject is not public.
struct Announced {
    summary: String,
    audience: Audience,
}

/// A decision on a concept note moves it to the outcome its kind stands for; the committee member
/// who submitted the note does not decide on it.
async fn decide_on_note(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    principal: &Principal,
    kind: DecisionKind,
    note_id: i64,
) -> ServiceResult<Announced> {
    let Some(next) = kind.concept_note_outcome() else {
        let message = format!("a {kind} decision is taken on a joint programme");
        return Err(UserError::validation("subject", message).into());
    };
    let note = lock_row::<concept_note::Entity>(txn, note_id)
        .await?
        .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
    if note.submitted_by == principal.subject {
        return Err(submitter_refused().into());
    }
    let status = ConceptNoteStatus::from_stored(&note.status)?.transition(next)?;
    let mut row: concept_note::ActiveModel = note.clone().into();
    row.status = Set(status.as_str().to_owned());
    let after = row.update(txn).await?;
    effect.changed((Kind::ConceptNote, note_id), &note, &after);
    let summary = format!(
        "{kind} decision on concept note {}: now {status}",
        note.reference
    );
    // Who receives the event is decided when it is delivered, by the read policy.
    let audience = Audience::ConceptNote {
        status,
        organization_ids: organization_ids_of(txn, note_id).await?,
    };
    Ok(Announced { summary, audience })
}

/// A decision on a joint programme: a suspension (from a status that can be suspended), a
/// no-cost extension (beyond the current end date, before it closes) or a budget revision (before
/// it closes financially; the Fund Management Unit then revises the budget lines).
async fn decide_on_programme(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    kind: DecisionKind,
    new_end_date: Option<NaiveDate>,
    programme_id: i64,
) -> ServiceResult<Announced> {
    let programme = lock_row::<joint_programme::Entity>(txn, programme_id)
        .await?
        .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
    let status = ProgrammeStatus::from_stored(&programme.status)?;
    let refused = |to: &str| UserError::invalid_transition("joint programme", status.as_str(), to);
    let mut row: joint_programme::ActiveModel = programme.clone().into();
    match kind {
        DecisionKind::Suspension => {
            if !status.can_move_to(ProgrammeStatus::Suspended, None) {
                return Err(refused("SUSPENDED").into());
            }
            row.status = Set(ProgrammeStatus::Suspended.as_str().to_owned());
            row.status_before_suspension = Set(Some(status.as_str().to_owned()));
        }
        DecisionKind::LiftSuspension => {
            let Some(before) = programme
                .status_before_suspension
                .as_deref()
                .map(ProgrammeStatus::from_stored)
                .transpose()?
                .filter(|_| status == ProgrammeStatus::Suspended)
            else {
                return Err(refused("lifted from a suspension").into());
            };
            row.status = Set(before.as_str().to_owned());
            row.status_before_suspension = Set(None);
        }
        DecisionKind::NoCostExtension => {
            let new_end = new_end_date.unwrap_or(programme.end_date);
            if new_end <= programme.end_date {
                let message = format!(
                    "an extension moves the end date beyond {}",
                    programme.end_date
                );
                return Err(UserError::validation("newEndDate", message).into());
            }
            if matches!(
                status,
                ProgrammeStatus::OperationallyClosed | ProgrammeStatus::FinanciallyClosed
            ) {
                return Err(refused("extended").into());
            }
            row.end_date = Set(new_end);
        }
        _ => {
            if matches!(status, ProgrammeStatus::FinanciallyClosed) {
                return Err(refused("revised").into());
            }
        }
    }
    let after = row.update(txn).await?;
    effect.changed((Kind::JointProgramme, programme_id), &programme, &after);
    let summary = format!("{kind} decision on joint programme {}", programme.code);
    Ok(Announced {
        summary,
        audience: Audience::Everyone,
    })
}
