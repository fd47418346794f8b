//! The steering committee: the commands that schedule its meetings and record the decisions it
//! takes there by consensus. A recorded decision is never edited; a later decision may supersede
//! it. Each command states who may run it, its rules and its effect; the envelope does the rest
//! (see [`crate::service::envelope`]). Reads are in `service::governance`.

use crate::auth::Principal;
use crate::domain::{
    ConceptNoteStatus, DecisionKind, LedgerEntryKind, MeetingKind, PortfolioEventKind,
    ProgrammeStatus, Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::concept_notes::organization_ids_of;
use crate::service::envelope::{Command, Effect};
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::policy::Audience;
use crate::service::totals::within_fund_total;
use crate::service::{lock_row, Ctx, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{concept_note, decision, joint_programme, steering_committee_meeting};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, Condition, DatabaseTransaction, EntityTrait, Set};
use serde::Serialize;

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

/// Records a decision of the steering committee (the only role that decides) at a meeting that
/// has been held, and applies it to its subject: a concept note's outcome, or a programme's
/// suspension, no-cost extension or budget revision. An amount is stated by the kinds that carry
/// one, a new end date by an extension only; a decision supersedes only one on the same subject.
pub async fn record_decision(
    fund: &Services,
    ctx: &Ctx,
    input: NewDecision,
) -> ServiceResult<decision::Model> {
    let command = Command::new(
        ctx,
        "recordDecision",
        &[Role::SteeringCommittee],
        "record decisions: only the steering committee decides",
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
    command
        .run(fund, async |txn, effect| {
            if amount.is_some() {
                // An allocation spends what the committee can still allocate: one at a time.
                ledger::lock_spending(txn).await?;
            }
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
            if meeting.held_on > chrono::Utc::now().date_naive() {
                return Err(UserError::validation(
                    "meeting",
                    "decisions are recorded once the meeting has been held",
                )
                .into());
            }
            if let Some(superseded) = input.supersedes_id {
                let earlier = decision::Entity::find_by_id(superseded)
                    .one(txn)
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
            // The pools an allocation draws on, checked before anything changes.
            let allocation = match amount {
                Some(amount) => {
                    let area = area_of(txn, input.subject).await?;
                    Some(ledger::draw_on_pools(txn, area, amount, "amountUsd").await?)
                }
                None => None,
            };
            let (announced, concept_note_id, joint_programme_id) = match input.subject {
                DecisionSubject::ConceptNote(id) => (
                    decide_on_note(txn, effect, principal, &input, id).await?,
                    Some(id),
                    None,
                ),
                DecisionSubject::JointProgramme(id) => (
                    decide_on_programme(txn, effect, &input, id).await?,
                    None,
                    Some(id),
                ),
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
            .insert(txn)
            .await?;
            if let Some(parts) = allocation {
                let entries = parts
                    .into_iter()
                    .map(|(pool, part)| {
                        NewEntry::usd(LedgerEntryKind::Allocation, meeting.held_on, part)
                            .pool(pool)
                            .decision(created.id)
                            .programme_if(joint_programme_id)
                            .described(format!("{} decision", input.kind))
                    })
                    .collect();
                ledger::append(txn, &principal.subject, entries).await?;
            }
            effect.created((Kind::Decision, created.id), &created);
            let event = NewEvent::new(
                PortfolioEventKind::Decision,
                (Kind::Decision, created.id),
                announced.summary,
            );
            effect.announce(event.for_audience(announced.audience));
            Ok(created)
        })
        .await
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
    input: &NewDecision,
    note_id: i64,
) -> ServiceResult<Announced> {
    let Some(next) = input.kind.concept_note_outcome() else {
        let message = format!("a {} decision is taken on a joint programme", input.kind);
        return Err(UserError::validation("subject", message).into());
    };
    let note = lock_row::<concept_note::Entity>(txn, note_id)
        .await?
        .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
    if note.submitted_by == principal.subject {
        return Err(UserError::new(
            UserErrorCode::SeparationOfDuties,
            &["subject"],
            "you submitted this concept note: the committee decides on it without you",
        )
        .into());
    }
    let status = ConceptNoteStatus::from_stored(&note.status)?.transition(next)?;
    let mut row: concept_note::ActiveModel = note.clone().into();
    row.status = Set(status.as_str().to_owned());
    let after = row.update(txn).await?;
    effect.changed((Kind::ConceptNote, note_id), &note, &after);
    let summary = format!(
        "{} decision on concept note {}: now {}",
        input.kind, note.reference, status
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
    input: &NewDecision,
    programme_id: i64,
) -> ServiceResult<Announced> {
    if input.kind.concept_note_outcome().is_some() {
        let message = format!("a {} decision is taken on a concept note", input.kind);
        return Err(UserError::validation("subject", message).into());
    }
    let programme = lock_row::<joint_programme::Entity>(txn, programme_id)
        .await?
        .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
    let status = ProgrammeStatus::from_stored(&programme.status)?;
    let refused = |to: &str| UserError::invalid_transition("joint programme", status.as_str(), to);
    let mut row: joint_programme::ActiveModel = programme.clone().into();
    match input.kind {
        DecisionKind::Suspension => {
            if !status.can_move_to(ProgrammeStatus::Suspended, None) {
                return Err(refused("SUSPENDED").into());
            }
            row.status = Set(ProgrammeStatus::Suspended.as_str().to_owned());
            row.status_before_suspension = Set(Some(status.as_str().to_owned()));
        }
        DecisionKind::NoCostExtension => {
            let new_end = input.new_end_date.unwrap_or(programme.end_date);
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
    let summary = format!(
        "{} decision on joint programme {}",
        input.kind, programme.code
    );
    Ok(Announced {
        summary,
        audience: Audience::Everyone,
    })
}
