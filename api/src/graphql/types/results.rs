//! A results framework's parts: targets per period, revisions, disaggregation and the values of a
//! report per category (see docs/results.md).

use crate::domain::{DisaggregationCategory, DisaggregationDimension, ExactDecimal};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{loaded, ContextExt};
use async_graphql::{Context, Object, Result};
use entity::{indicator_measurement_value, indicator_revision, indicator_target};

/// An indicator's target for one period.
pub struct IndicatorTarget(pub indicator_target::Model);

/// The value an indicator aims for by the end of one period (e.g. a programme year), in its unit.
/// Read by every token.
#[Object]
impl IndicatorTarget {
    /// The first day of the period.
    async fn period_start(&self) -> Date {
        Date(self.0.period_start)
    }
    /// The last day of the period.
    async fn period_end(&self) -> Date {
        Date(self.0.period_end)
    }
    /// The value aimed for by the end of the period, in the indicator's unit.
    async fn target(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.target)?.0))
    }
}

/// The targets of one target set, in the order of their periods.
pub async fn targets_of(
    ctx: &Context<'_>,
    indicator_id: i64,
    set: i32,
) -> Result<Vec<IndicatorTarget>> {
    if set == 0 {
        return Ok(Vec::new());
    }
    let rows = loaded(
        ctx,
        ctx.loader()
            .load_one(TargetsOfIndicator(indicator_id))
            .await,
    )?
    .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter(|t| t.target_set == set)
        .take(crate::graphql::limits::rows::TARGETS)
        .map(IndicatorTarget)
        .collect())
}

/// An indicator's form just before a revision.
pub struct IndicatorRevision(pub indicator_revision::Model);

/// A revision of an indicator by the Fund Management Unit (`reviseIndicator`,
/// `setIndicatorTargets`): who made it, when and why, and the indicator's form just before it, so
/// the first revision shows the indicator as it was added. Never changes. Read by every token.
#[Object]
impl IndicatorRevision {
    /// 1 for the indicator's first revision, then 2, 3, …
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Why the Fund Management Unit revised the indicator.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The token subject (e.g. `user:3`) of the officer who revised it.
    async fn revised_by(&self) -> &str {
        &self.0.revised_by
    }
    /// When it was revised (UTC).
    async fn revised_at(&self) -> DateTime {
        DateTime(self.0.revised_at)
    }
    /// The statement just before the revision.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// The unit just before the revision.
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// The baseline just before the revision, in that `unit`.
    async fn baseline(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.baseline)?.0))
    }
    /// The baseline's year just before the revision.
    async fn baseline_year(&self) -> i32 {
        self.0.baseline_year
    }
    /// The overall target just before the revision, in that `unit`.
    async fn target(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.target)?.0))
    }
    /// The targets per period just before the revision, in the order of their periods (empty if
    /// it had none). At most 20; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::TARGETS, child_complexity)"
    )]
    async fn targets(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorTarget>> {
        targets_of(ctx, self.0.indicator_id, self.0.target_set).await
    }
}

/// A dimension an indicator is disaggregated by.
pub struct IndicatorDimension(pub DisaggregationDimension);

/// A dimension an indicator's values are disaggregated by, with the fund's categories: each report
/// gives a value for every one of them. Read by every token.
#[Object]
impl IndicatorDimension {
    /// The dimension.
    async fn dimension(&self) -> DisaggregationDimension {
        self.0
    }
    /// Its categories, each reported (0 where none).
    async fn categories(&self) -> Vec<DisaggregationCategory> {
        self.0.categories().to_vec()
    }
    /// True when every person counted falls in exactly one category, so the categories add up to
    /// the reported value (`SEX`, `AGE_GROUP`); false for `MIGRATORY_STATUS`.
    async fn exhaustive(&self) -> bool {
        self.0.exhaustive()
    }
}

/// A report's value for one category.
pub struct CategoryValue(pub indicator_measurement_value::Model);

/// A disaggregated report's value for one category of one dimension, in the indicator's unit. Read
/// by every token.
#[Object]
impl CategoryValue {
    /// The dimension the category belongs to.
    async fn dimension(&self) -> Result<DisaggregationDimension> {
        Ok(DisaggregationDimension::from_stored(&self.0.dimension)?)
    }
    /// The category.
    async fn category(&self) -> Result<DisaggregationCategory> {
        Ok(DisaggregationCategory::from_stored(&self.0.category)?)
    }
    /// The value for the category, in the indicator's unit.
    async fn value(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.value)?.0))
    }
}
