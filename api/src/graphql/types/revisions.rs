//! Budget revisions as applied to a joint programme, with its budget lines before and after.

use super::governance::Decision;
use super::reference::*;
use super::usd;
use crate::domain::Rate;
use crate::graphql::loaders::*;
use crate::graphql::scalars::{DateTime, Decimal};
use crate::graphql::{loaded, ContextExt};
use crate::service::commands::revisions::{AFTER, BEFORE};
use async_graphql::{Context, Object, Result};
use entity::{budget_revision, budget_revision_line};

/// A steering committee's budget revision as the Fund Management Unit applied it.
pub struct BudgetRevision(pub budget_revision::Model);

/// A steering committee's `BUDGET_REVISION` decision as the Fund Management Unit applied it to a
/// joint programme's budget lines (`reviseBudget`), with the lines just before and just after: the
/// first revision's `linesBefore` are the programme's original lines. Read by every token.
#[Object]
impl BudgetRevision {
    /// The steering committee's decision the revision applies.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(DecisionById(self.0.decision_id))
                .await,
        )?
        .map(Decision))
    }
    /// When the Fund Management Unit applied it to the budget lines (UTC).
    async fn applied_at(&self) -> DateTime {
        DateTime(self.0.applied_at)
    }
    /// The token subject (e.g. `user:3`) of the officer who applied it.
    async fn applied_by(&self) -> &str {
        &self.0.applied_by
    }
    /// What the revision added to the approved budget, in USD: the decision's amount.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The approved budget just before the revision, in USD.
    async fn budget_before_usd(&self) -> Decimal {
        usd(self.0.budget_before_usd_cents)
    }
    /// The approved budget the revision made, in USD: `budgetBeforeUsd` + `amountUsd`.
    async fn budget_after_usd(&self) -> Decimal {
        usd(self.0.budget_after_usd_cents)
    }
    /// The budget lines just before the revision, by organization. At most 20; the query cost
    /// counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ORGANIZATIONS, child_complexity)"
    )]
    async fn lines_before(&self, ctx: &Context<'_>) -> Result<Vec<RevisedBudgetLine>> {
        self.lines(ctx, BEFORE).await
    }
    /// The budget lines as the revision made them, by organization. At most 20; the query cost
    /// counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ORGANIZATIONS, child_complexity)"
    )]
    async fn lines_after(&self, ctx: &Context<'_>) -> Result<Vec<RevisedBudgetLine>> {
        self.lines(ctx, AFTER).await
    }
}

impl BudgetRevision {
    async fn lines(&self, ctx: &Context<'_>, side: &str) -> Result<Vec<RevisedBudgetLine>> {
        let rows = loaded(ctx, ctx.loader().load_one(LinesOfRevision(self.0.id)).await)?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|line| line.side == side)
            .take(crate::graphql::limits::rows::ORGANIZATIONS)
            .map(RevisedBudgetLine)
            .collect())
    }
}

/// A budget line as it stood before or after a budget revision.
pub struct RevisedBudgetLine(pub budget_revision_line::Model);

/// One participating organization's budget line as it stood just before, or just after, a budget
/// revision, in US dollars. Never changes.
#[Object]
impl RevisedBudgetLine {
    /// The participating organization the line is for.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// The programmable amount: what the organization spends on the programme's activities.
    async fn programmable_usd(&self) -> Decimal {
        usd(self.0.programmable_usd_cents)
    }
    /// The indirect support cost rate of the line as a fraction ("0.07" is 7%), up to six
    /// decimals.
    async fn indirect_support_cost_rate(&self) -> Result<Decimal> {
        Ok(Decimal(
            Rate::from_stored(&self.0.indirect_support_cost_rate)?.value(),
        ))
    }
    /// Indirect support costs: `programmableUsd` × `indirectSupportCostRate`, rounded half-even to
    /// the cent.
    async fn indirect_support_cost_usd(&self) -> Decimal {
        usd(self.0.indirect_support_cost_usd_cents)
    }
    /// `programmableUsd` + `indirectSupportCostUsd`.
    async fn total_usd(&self) -> Decimal {
        usd(self.0.total_usd_cents)
    }
}
