//! Budget revisions: the Fund Management Unit applies a steering committee's `BUDGET_REVISION`
//! decision to a joint programme's budget lines. The decision already allocated its amount on
//! the pools (`recordDecision`); applying it raises the approved budget by that amount and
//! rewrites the lines, so that transfers of the increment fit in them. The lines as they were, and
//! as they became, stay on record (`budget_revision`, `budget_revision_line`). The envelope does
//! the rest (see [`crate::service::envelope`]).

use super::programmes::{budget_lines, Line, NewBudgetLine};
use crate::domain::{
    DecisionKind, PortfolioEventKind, ProgrammeStatus, Role, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::arithmetic;
use crate::service::audit::snapshot;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::ledger;
use crate::service::{claim_version, Ctx, ServiceResult, Services};
use entity::{
    budget_line, budget_revision, budget_revision_line, decision, expenditure_report,
    joint_programme, organization,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Which lines of a revision a stored line is: as they stood before it, or as it made them.
pub const BEFORE: &str = "BEFORE";
pub const AFTER: &str = "AFTER";

#[derive(Serialize, Clone, Debug)]
pub struct NewRevision {
    pub joint_programme_id: i64,
    pub decision_id: i64,
    pub expected_version: i32,
    pub budget_lines: Vec<NewBudgetLine>,
}

/// A revision as applied, with the programme as it is now.
pub struct Revised {
    pub programme: joint_programme::Model,
    pub revision: budget_revision::Model,
}

/// Applies a `BUDGET_REVISION` decision on a programme to its budget lines (ADMIN): once per
/// decision, not on a superseded one, not once the programme is financially closed, on the
/// version of the programme the caller read. The new lines (at least two, one per participating
/// organization of the programme's concept note, the convening one included) total the approved
/// budget plus the decision's amount exactly, and no line falls below what was already
/// transferred on it; an organization leaves the budget only if it received no transfer and
/// reported no expenditure. Runs under the fund's spending lock, as the lines bound transfers.
pub async fn revise_budget(
    fund: &Services,
    ctx: &Ctx,
    input: NewRevision,
) -> ServiceResult<Revised> {
    let command = Command::new(
        ctx,
        "reviseBudget",
        &[Role::Admin],
        "revise budgets: the Fund Management Unit applies the steering committee's revisions",
    )?;
    let applied_by = command.principal().subject.clone();
    let lines = budget_lines(&input.budget_lines)?;
    // Each line is at most the largest amount; a sum that does not fit in cents is certainly more
    // than the revised budget.
    let total = Usd::checked_sum(lines.iter().map(|line| line.4));
    command
        .run(fund, async |txn, effect| {
            // Transfers are checked against the lines under this lock: none runs while they change.
            ledger::lock_spending(txn).await?;
            let programme = joint_programme::Entity::find_by_id(input.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            let status = ProgrammeStatus::from_stored(&programme.status)?;
            if status == ProgrammeStatus::FinanciallyClosed {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["jointProgramme"],
                    "the programme is FINANCIALLY_CLOSED: its budget is final",
                )
                .into());
            }
            let decision = revision_decision(txn, &programme, input.decision_id).await?;
            let amount =
                Usd::from_cents(decision.amount_usd_cents.ok_or_else(|| {
                    anyhow::anyhow!("budget revision {} has no amount", decision.id)
                })?);
            let approved = Usd::from_cents(programme.approved_budget_usd_cents);
            // The committee allocated at most what the fund can record: a broken invariant if not.
            let revised = approved.checked_add(amount).ok_or_else(|| {
                anyhow::anyhow!("programme {} revised beyond what cents hold", programme.id)
            })?;
            if total != Some(revised) {
                let code = if total.is_none_or(|total| total > revised) {
                    UserErrorCode::BudgetExceeded
                } else {
                    UserErrorCode::Validation
                };
                let total = total.map_or_else(
                    || "more than the fund can record".to_owned(),
                    |t| t.to_string(),
                );
                let message = format!(
                    "the budget lines (programmable amounts plus indirect support costs) total \
                     {total}; the revised budget is {revised}: the approved {approved} plus the \
                     revision's {amount}"
                );
                return Err(UserError::new(code, &["budgetLines"], message).into());
            }
            let current = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
                .order_by_asc(budget_line::Column::OrganizationId)
                .all(txn)
                .await?;
            check_organizations(txn, &programme, &lines, &current).await?;
            claim_version::<joint_programme::Entity>(
                txn,
                programme.id,
                programme.version,
                input.expected_version,
            )
            .await?;

            let revision = budget_revision::ActiveModel {
                joint_programme_id: Set(programme.id),
                decision_id: Set(decision.id),
                amount_usd_cents: Set(amount.cents()),
                budget_before_usd_cents: Set(approved.cents()),
                budget_after_usd_cents: Set(revised.cents()),
                applied_at: Set(chrono::Utc::now()),
                applied_by: Set(applied_by),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let kept = current.iter().map(|line| {
                revision_line(
                    revision.id,
                    BEFORE,
                    (
                        line.organization_id,
                        Usd::from_cents(line.programmable_usd_cents),
                        line.indirect_support_cost_rate.clone(),
                        Usd::from_cents(line.indirect_support_cost_usd_cents),
                        Usd::from_cents(line.total_usd_cents),
                    ),
                )
            });
            let made = lines
                .iter()
                .map(|(org, programmable, rate, support, total)| {
                    revision_line(
                        revision.id,
                        AFTER,
                        (*org, *programmable, rate.to_stored(), *support, *total),
                    )
                });
            budget_revision_line::Entity::insert_many(kept.chain(made))
                .exec(txn)
                .await?;
            let after_lines = replace_lines(txn, programme.id, &current, &lines).await?;

            let mut row: joint_programme::ActiveModel = programme.clone().into();
            row.approved_budget_usd_cents = Set(revised.cents());
            row.version = Set(programme.version + 1);
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::JointProgramme, programme.id),
                Some(
                    json!({ "programme": snapshot(&programme), "budgetLines": snapshot(&current) }),
                ),
                json!({
                    "programme": snapshot(&after),
                    "budgetLines": snapshot(&after_lines),
                    "budgetRevision": snapshot(&revision),
                }),
            );
            let summary = format!(
                "{} decision applied to joint programme {}: budget now {revised} (was {approved})",
                DecisionKind::BudgetRevision,
                after.code
            );
            effect.announce(NewEvent::new(
                PortfolioEventKind::Decision,
                (Kind::Decision, decision.id),
                summary,
            ));
            Ok(Revised {
                programme: after,
                revision,
            })
        })
        .await
}

/// The decision a revision applies: a `BUDGET_REVISION` on this programme, standing (not
/// superseded) and not applied yet.
async fn revision_decision(
    txn: &DatabaseTransaction,
    programme: &joint_programme::Model,
    decision_id: i64,
) -> ServiceResult<decision::Model> {
    let decision = super::governance::decision_in_effect(txn, decision_id, "decision").await?;
    if decision.kind != DecisionKind::BudgetRevision.as_str()
        || decision.joint_programme_id != Some(programme.id)
    {
        return Err(UserError::validation(
            "decision",
            "a budget revision applies the steering committee's BUDGET_REVISION decision on this programme",
        )
        .into());
    }
    let applied = budget_revision::Entity::find()
        .filter(budget_revision::Column::DecisionId.eq(decision.id))
        .one(txn)
        .await?;
    if let Some(applied) = applied {
        let message = format!(
            "this budget revision was applied on {} by {}; a decision is applied once",
            applied.applied_at.format("%Y-%m-%d"),
            applied.applied_by
        );
        return Err(
            UserError::new(UserErrorCode::InvalidTransition, &["decision"], message).into(),
        );
    }
    let superseded = decision::Entity::find()
        .filter(decision::Column::SupersedesId.eq(decision.id))
        .one(txn)
        .await?;
    if superseded.is_some() {
        return Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &["decision"],
            "the steering committee superseded this decision: apply the decision that supersedes it",
        )
        .into());
    }
    Ok(decision)
}

/// The new lines' organizations: participating organizations of the programme's concept note,
/// the convening one among them; no line below what its organization already received; an
/// organization left out only if it received nothing and reported nothing.
async fn check_organizations(
    txn: &DatabaseTransaction,
    programme: &joint_programme::Model,
    lines: &[Line],
    current: &[budget_line::Model],
) -> ServiceResult<()> {
    let participants: BTreeSet<i64> =
        crate::service::concept_notes::organization_ids_of(txn, programme.concept_note_id)
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
    if !lines
        .iter()
        .any(|line| line.0 == programme.convening_organization_id)
    {
        return Err(UserError::validation(
            "budgetLines",
            "the convening organization keeps a budget line",
        )
        .into());
    }
    let new_totals: BTreeMap<i64, (usize, Usd)> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| (line.0, (index, line.4)))
        .collect();
    for line in current {
        let transferred = Usd::from_cents(arithmetic::transferred_on_line(txn, line.id).await?);
        match new_totals.get(&line.organization_id) {
            Some((index, total)) if *total < transferred => {
                let name = acronym(txn, line.organization_id).await?;
                let message = format!(
                    "{name} has already received {transferred} in transfers: its line cannot total less"
                );
                return Err(UserError::new(
                    UserErrorCode::BudgetExceeded,
                    &["budgetLines", &index.to_string(), "programmableUsd"],
                    message,
                )
                .into());
            }
            Some(_) => {}
            None => {
                let reported = expenditure_report::Entity::find()
                    .filter(expenditure_report::Column::JointProgrammeId.eq(programme.id))
                    .filter(expenditure_report::Column::OrganizationId.eq(line.organization_id))
                    .one(txn)
                    .await?
                    .is_some();
                if transferred > Usd::ZERO || reported {
                    let name = acronym(txn, line.organization_id).await?;
                    let message = format!(
                        "{name} has received transfers or reported expenditure on the programme: it keeps a budget line"
                    );
                    return Err(UserError::validation("budgetLines", message).into());
                }
            }
        }
    }
    Ok(())
}

async fn acronym(txn: &DatabaseTransaction, organization_id: i64) -> ServiceResult<String> {
    Ok(organization::Entity::find_by_id(organization_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("budget line of unknown organization {organization_id}"))?
        .acronym)
}

/// One stored line of a revision: organization, programmable amount, stored rate, indirect
/// support cost, total.
fn revision_line(
    revision_id: i64,
    side: &str,
    (organization, programmable, rate, support, total): (i64, Usd, String, Usd, Usd),
) -> budget_revision_line::ActiveModel {
    budget_revision_line::ActiveModel {
        budget_revision_id: Set(revision_id),
        side: Set(side.to_owned()),
        organization_id: Set(organization),
        programmable_usd_cents: Set(programmable.cents()),
        indirect_support_cost_rate: Set(rate),
        indirect_support_cost_usd_cents: Set(support.cents()),
        total_usd_cents: Set(total.cents()),
        ..Default::default()
    }
}

/// Makes the programme's lines the revised ones: a continuing organization's line changes in
/// place (its transfers keep pointing at it), a new organization's line is added, and the line of
/// an organization left out (which received nothing) is removed. Returns the lines as they are
/// now, by organization.
async fn replace_lines(
    txn: &DatabaseTransaction,
    programme_id: i64,
    current: &[budget_line::Model],
    lines: &[Line],
) -> ServiceResult<Vec<budget_line::Model>> {
    let revised: BTreeSet<i64> = lines.iter().map(|line| line.0).collect();
    for line in current
        .iter()
        .filter(|line| !revised.contains(&line.organization_id))
    {
        budget_line::Entity::delete_by_id(line.id).exec(txn).await?;
    }
    let mut after = Vec::with_capacity(lines.len());
    for (org, programmable, rate, support, total) in lines {
        let row = match current.iter().find(|line| line.organization_id == *org) {
            Some(line) => {
                let mut row: budget_line::ActiveModel = line.clone().into();
                row.programmable_usd_cents = Set(programmable.cents());
                row.indirect_support_cost_rate = Set(rate.to_stored());
                row.indirect_support_cost_usd_cents = Set(support.cents());
                row.total_usd_cents = Set(total.cents());
                row.version = Set(line.version + 1);
                row.update(txn).await?
            }
            None => {
                budget_line::ActiveModel {
                    joint_programme_id: Set(programme_id),
                    organization_id: Set(*org),
                    programmable_usd_cents: Set(programmable.cents()),
                    indirect_support_cost_rate: Set(rate.to_stored()),
                    indirect_support_cost_usd_cents: Set(support.cents()),
                    total_usd_cents: Set(total.cents()),
                    version: Set(1),
                    ..Default::default()
                }
                .insert(txn)
                .await?
            }
        };
        after.push(row);
    }
    after.sort_by_key(|line| line.organization_id);
    Ok(after)
}
