//! Joint programmes: the commands. A programme is created from an approved concept note with a
//! budget per participating organization; then transfers (the only place money leaves the fund;
//! expenditure is in `commands::expenditure`, results in `commands::results`). Each command
//! states who may run it, its rules and its effect; the envelope does the rest (see
//! [`crate::service::envelope`]). Reads are in `service::programmes`.

use crate::domain::{
    ConceptNoteStatus, DecisionKind, LedgerEntryKind, PortfolioEventKind, ProgrammeStatus, Rate,
    Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::arithmetic;
use crate::service::commands::books;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::programmes::funding_decision_of;
use crate::service::{claim_version, lock_row, Ctx, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{budget_line, budget_revision, concept_note, joint_programme, transfer};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize, Clone, Debug)]
pub struct NewBudgetLine {
    pub organization_id: i64,
    pub programmable_usd: Decimal,
    pub indirect_support_cost_rate: Option<Decimal>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewJointProgramme {
    pub concept_note_id: i64,
    pub code: Option<String>,
    pub title: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub budget_lines: Vec<NewBudgetLine>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewTransfer {
    pub joint_programme_id: i64,
    pub organization_id: i64,
    pub decision_id: i64,
    pub transferred_on: NaiveDate,
    pub amount_usd: Decimal,
}

/// One budget line as the command checked it: organization, programmable amount, indirect
/// support cost rate, indirect support cost, and their total.
pub(super) type Line = (i64, Usd, Rate, Usd, Usd);

/// Creates a joint programme from an approved concept note (ADMIN): budget lines for at least two
/// of the note's participating organizations, adding up (with their indirect support costs) to
/// the amount the steering committee approved. The note becomes FUNDED.
pub async fn create_joint_programme(
    fund: &Services,
    ctx: &Ctx,
    input: NewJointProgramme,
) -> ServiceResult<joint_programme::Model> {
    let command = Command::new(
        ctx,
        "createJointProgramme",
        &[Role::Admin],
        "create joint programmes",
    )?;
    if input.end_date <= input.start_date {
        return Err(UserError::validation("endDate", "a programme ends after it starts").into());
    }
    let lines = budget_lines(&input.budget_lines)?;
    // Lines add up to the approved amount, at most the largest amount; a sum that does not fit
    // in cents is certainly more than was approved.
    let total = Usd::checked_sum(lines.iter().map(|line| line.4));
    command
        .run(fund, async |txn, effect| {
            let note = lock_row::<concept_note::Entity>(txn, input.concept_note_id)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
            let status = ConceptNoteStatus::from_stored(&note.status)?.transition(ConceptNoteStatus::Funded)?;
            let funding = funding_decision_of(txn, note.id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("approved concept note {} has no funding decision", note.id))?;
            let approved = Usd::from_cents(
                funding
                    .amount_usd_cents
                    .ok_or_else(|| anyhow::anyhow!("funding decision {} has no amount", funding.id))?,
            );
            if total != Some(approved) {
                let code = if total.is_none_or(|total| total > approved) {
                    UserErrorCode::BudgetExceeded
                } else {
                    UserErrorCode::Validation
                };
                let total = total.map_or_else(|| "more than the fund can record".to_owned(), |t| t.to_string());
                return Err(UserError::new(
                    code,
                    &["budgetLines"],
                    format!("the budget lines (programmable amounts plus indirect support costs) total {total}; the steering committee approved {approved}"),
                )
                .into());
            }
            let participants: BTreeSet<i64> = crate::service::concept_notes::organization_ids_of(txn, note.id)
                .await?
                .into_iter()
                .collect();
            if lines.iter().any(|line| !participants.contains(&line.0)) {
                return Err(UserError::validation(
                    "budgetLines",
                    "every budget line is for one of the concept note's participating organizations",
                )
                .into());
            }
            let code = match input.code.as_deref() {
                Some(code) => Text::Code.required(code, "code")?,
                None => format!("MPTF-JP-{:04}", note.id),
            };
            let title = match input.title.as_deref() {
                Some(title) => Text::Title.required(title, "title")?,
                None => note.title.clone(),
            };
            let programme = joint_programme::ActiveModel {
                code: Set(code),
                title: Set(title),
                concept_note_id: Set(note.id),
                status: Set(ProgrammeStatus::Approved.as_str().to_owned()),
                status_before_suspension: Set(None),
                thematic_area_id: Set(note.thematic_area_id),
                scope: Set(note.scope.clone()),
                start_date: Set(input.start_date),
                end_date: Set(input.end_date),
                original_end_date: Set(Some(input.end_date)),
                convening_organization_id: Set(note.convening_organization_id),
                approved_budget_usd_cents: Set(approved.cents()),
                original_budget_usd_cents: Set(approved.cents()),
                gender_marker: Set(note.gender_marker),
                human_rights_marker: Set(note.human_rights_marker),
                child_sensitivity_marker: Set(note.child_sensitivity_marker),
                created_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            budget_line::Entity::insert_many(lines.iter().map(|(org, programmable, rate, support, total)| {
                budget_line::ActiveModel {
                    joint_programme_id: Set(programme.id),
                    organization_id: Set(*org),
                    programmable_usd_cents: Set(programmable.cents()),
                    indirect_support_cost_rate: Set(rate.to_stored()),
                    indirect_support_cost_usd_cents: Set(support.cents()),
                    total_usd_cents: Set(total.cents()),
                    version: Set(1),
                    ..Default::default()
                }
            }))
            .exec(txn)
            .await?;
            let mut row: concept_note::ActiveModel = note.clone().into();
            row.status = Set(status.as_str().to_owned());
            let note_after = row.update(txn).await?;
            effect.audit((Kind::JointProgramme, programme.id), None, serde_json::json!({
                "programme": crate::service::audit::snapshot(&programme),
                "budgetLines": lines.iter().map(|(org, p, r, s, _)| serde_json::json!({"organization_id": org, "programmable_usd_cents": p.cents(), "indirect_support_cost_rate": r.to_stored(), "indirect_support_cost_usd_cents": s.cents()})).collect::<Vec<_>>(),
            }));
            effect.changed((Kind::ConceptNote, note.id), &note, &note_after);
            let summary = format!("Joint programme {} created from {}", programme.code, note.reference);
            effect.announce(NewEvent::status_change(Kind::JointProgramme, programme.id, summary));
            Ok(programme)
        })
        .await
}

/// The budget lines of a new or revised programme, checked: at least two, one per organization,
/// each amount positive, the rate within bounds (7% when not given).
pub(super) fn budget_lines(given: &[NewBudgetLine]) -> ServiceResult<Vec<Line>> {
    if given.len() < 2 {
        return Err(UserError::validation(
            "budgetLines",
            "a joint programme has budget lines for at least two participating organizations",
        )
        .into());
    }
    let mut lines = Vec::with_capacity(given.len());
    let mut seen = BTreeSet::new();
    for (index, line) in given.iter().enumerate() {
        let position = index.to_string();
        let programmable =
            Usd::parse_positive(line.programmable_usd, "programmableUsd").map_err(|e| {
                UserError::new(
                    e.code,
                    &["budgetLines", &position, "programmableUsd"],
                    e.message,
                )
            })?;
        let rate = match line.indirect_support_cost_rate {
            Some(rate) => Rate::parse(rate, "indirectSupportCostRate").map_err(|e| {
                UserError::new(
                    e.code,
                    &["budgetLines", &position, "indirectSupportCostRate"],
                    e.message,
                )
            })?,
            None => Rate::DEFAULT_INDIRECT_SUPPORT_COST,
        };
        if !seen.insert(line.organization_id) {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["budgetLines", &position, "organization"],
                "one budget line per organization",
            )
            .into());
        }
        // Both at most the largest amount, as the rate is below 1: no overflow.
        let (support, total) = programmable
            .times_rate(rate)
            .and_then(|support| Some((support, programmable.checked_add(support)?)))
            .ok_or_else(|| anyhow::anyhow!("a budget line of {programmable} overflows"))?;
        lines.push((line.organization_id, programmable, rate, support, total));
    }
    Ok(lines)
}

/// Moves a joint programme along its life cycle (ADMIN), with a reason; only the steering
/// committee suspends and lifts a suspension, and a programme closes financially once every organization has sent its
/// final expenditure report and refunded what it did not spend.
pub async fn set_joint_programme_status(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
    next: ProgrammeStatus,
    reason: &str,
) -> ServiceResult<joint_programme::Model> {
    let command = Command::new(
        ctx,
        "setJointProgrammeStatus",
        &[Role::Admin],
        "change a joint programme's status",
    )?;
    let reason = Text::Reason.required(reason, "reason")?;
    if next == ProgrammeStatus::Suspended {
        return Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &["status"],
            "only the steering committee suspends a programme, by a SUSPENSION decision",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            let before = joint_programme::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            let status = ProgrammeStatus::from_stored(&before.status)?;
            let previous = before
                .status_before_suspension
                .as_deref()
                .map(ProgrammeStatus::from_stored)
                .transpose()?;
            if status == ProgrammeStatus::Suspended {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["status"],
                    "only the steering committee lifts a suspension, by a LIFT_SUSPENSION decision",
                )
                .into());
            }
            if !status.can_move_to(next, previous) {
                return Err(UserError::invalid_transition("joint programme", status.as_str(), next.as_str()).into());
            }
            claim_version::<joint_programme::Entity>(txn, id, before.version, expected_version).await?;
            if next == ProgrammeStatus::FinanciallyClosed {
                // Checked with the programme claimed: reports and refunds, which lock it too,
                // wait for this command, so nothing changes its money in between.
                books::ensure_financially_closable(txn, &before).await?;
            }
            let mut row: joint_programme::ActiveModel = before.clone().into();
            row.status = Set(next.as_str().to_owned());
            row.status_before_suspension = Set(None);
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::JointProgramme, id),
                Some(crate::service::audit::snapshot(&before)),
                serde_json::json!({ "programme": crate::service::audit::snapshot(&after), "reason": reason }),
            );
            let summary = format!("Joint programme {} is now {}", after.code, next);
            effect.announce(NewEvent::status_change(Kind::JointProgramme, id, summary));
            Ok(after)
        })
        .await
}

/// Transfers money to a participating organization (ADMIN) on the steering committee's funding
/// decision (or budget revision, once applied to the lines) for the programme, recorded by
/// another officer than the one who recorded the decision; within what is left of the
/// organization's budget line and what the fund holds for the programme's thematic area, drawn
/// from earmarked money first. Spending is serialized on the fund ledger, so concurrent
/// transfers can never overdraw the fund. Once per idempotency key.
pub async fn record_transfer(
    fund: &Services,
    ctx: &Ctx,
    input: NewTransfer,
    idempotency_key: &str,
) -> ServiceResult<transfer::Model> {
    let command = Command::new(ctx, "recordTransfer", &[Role::Admin], "record transfers")?
        .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
    if input.transferred_on > chrono::Utc::now().date_naive() {
        return Err(UserError::validation(
            "transferredOn",
            "a transfer cannot be dated in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            // Take the fund's spending lock: transfers run one at a time from here to the commit.
            ledger::lock_spending(txn).await?;
            let programme = joint_programme::Entity::find_by_id(input.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            let status = ProgrammeStatus::from_stored(&programme.status)?;
            if !status.accepts_transfers() {
                let message = format!("no transfers to a programme that is {status}");
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["jointProgramme"], message).into());
            }
            let decision = super::governance::decision_in_effect(txn, input.decision_id, "decision").await?;
            let rests_on_funding = decision.kind == DecisionKind::Funding.as_str()
                && decision.concept_note_id == Some(programme.concept_note_id)
                || decision.kind == DecisionKind::BudgetRevision.as_str()
                    && decision.joint_programme_id == Some(programme.id);
            if !rests_on_funding {
                return Err(UserError::validation("decision", "a transfer rests on the steering committee's funding decision (or budget revision) for this programme").into());
            }
            // Transfers follow the lines: a revision's increment fits in them once the Fund
            // Management Unit has applied the revision to them.
            if decision.kind == DecisionKind::BudgetRevision.as_str()
                && budget_revision::Entity::find()
                    .filter(budget_revision::Column::DecisionId.eq(decision.id))
                    .one(txn)
                    .await?
                    .is_none()
            {
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["decision"], "this budget revision is not applied to the budget lines yet: apply it with reviseBudget first").into());
            }
            if decision.recorded_by == officer {
                return Err(UserError::new(UserErrorCode::SeparationOfDuties, &["decision"], "you recorded the decision this transfer rests on: another officer must record the transfer").into());
            }
            let line = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
                .filter(budget_line::Column::OrganizationId.eq(input.organization_id))
                .one(txn)
                .await?
                .ok_or_else(|| UserError::validation("organization", "this organization has no budget line in the programme"))?;
            let transferred = arithmetic::transferred_on_line(txn, line.id).await?;
            let overflow = || anyhow::anyhow!("the money of programme {} does not fit in cents", programme.id);
            let remaining = Usd::from_cents(line.total_usd_cents)
                .checked_sub(Usd::from_cents(transferred))
                .ok_or_else(overflow)?;
            if amount > remaining {
                let message = format!("the budget line has {remaining} left to transfer");
                return Err(UserError::new(UserErrorCode::BudgetExceeded, &["amountUsd"], message).into());
            }
            // A transfer draws on what is left of its decision's allocation, pool by pool.
            let left = ledger::left_of_allocation(txn, decision.id).await?;
            let Some(parts) = ledger::split_over(&left, amount) else {
                let left = Usd::checked_sum(left.iter().map(|(_, part)| (*part).max(Usd::ZERO))).ok_or_else(overflow)?;
                let message = format!("the decision this transfer rests on has {left} left of its allocation");
                return Err(UserError::new(UserErrorCode::InsufficientFunds, &["amountUsd"], message).into());
            };
            for (pool, part) in &parts {
                let held = Usd::from_cents(ledger::pool_now(txn, *pool).await?.balance_with_agent);
                if *part > held {
                    let message = format!("the Administrative Agent holds {held} in the pool this transfer draws on");
                    return Err(UserError::new(UserErrorCode::InsufficientFunds, &["amountUsd"], message).into());
                }
            }
            let drawn = |earmarked: bool| {
                Usd::checked_sum(parts.iter().filter(|(pool, _)| pool.is_some() == earmarked).map(|(_, part)| *part))
            };
            let from_earmarked = drawn(true).ok_or_else(overflow)?;
            let from_unearmarked = drawn(false).ok_or_else(overflow)?;
            let created = transfer::ActiveModel {
                joint_programme_id: Set(programme.id),
                organization_id: Set(input.organization_id),
                budget_line_id: Set(line.id),
                decision_id: Set(decision.id),
                transferred_on: Set(input.transferred_on),
                amount_usd_cents: Set(amount.cents()),
                from_earmarked_usd_cents: Set(from_earmarked.cents()),
                from_unearmarked_usd_cents: Set(from_unearmarked.cents()),
                thematic_area_id: Set(programme.thematic_area_id),
                recorded_by: Set(officer),
                recorded_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let entries = parts
                .into_iter()
                .map(|(pool, part)| {
                    NewEntry::usd(LedgerEntryKind::Transfer, created.transferred_on, part)
                        .pool(pool)
                        .programme(programme.id)
                        .organization(created.organization_id)
                        .decision(decision.id)
                        .transfer(created.id)
                        .described(format!("Transfer to {}", programme.code))
                })
                .collect();
            ledger::append(txn, &created.recorded_by, entries).await?;
            effect.created((Kind::Transfer, created.id), &created);
            let summary = format!("Transfer of {amount} to joint programme {}", programme.code);
            effect.announce(NewEvent::new(PortfolioEventKind::Transfer, (Kind::Transfer, created.id), summary));
            Ok(created)
        })
        .await
}
