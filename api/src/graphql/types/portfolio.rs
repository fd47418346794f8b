//! The portfolio dashboard. Totals are public; the breakdowns need a token. Figures of donors'
//! money are answered as `service::portfolio::donors_money_refusal` decides (whole fund only for
//! all but the fund's staff and the steering committee).

use super::programmes::ratio;
use super::reference::{countries_by_code, Country};
use super::reference::{principles_by_id, GuidingPrinciple, ThematicArea};
use super::usd;
use crate::domain::{ConceptNoteStatus, Region};
use crate::graphql::loaders::ThematicAreaById;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::service::portfolio::{self, DonorsMoney, Interval, PortfolioScope, Totals};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};

pub struct Portfolio(pub PortfolioScope);

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeInterval {
    Month,
    Quarter,
    Year,
}

/// A capitalization target the fund set itself.
#[derive(SimpleObject)]
pub struct CapitalizationTarget {
    pub label: String,
    pub amount_usd: Decimal,
    pub due_on: Date,
}

pub struct PortfolioTotals(Totals);

/// A figure of donors' money, or the rule's `FORBIDDEN` on its path.
fn donors_money(ctx: &Context<'_>, figure: &DonorsMoney) -> Result<Decimal> {
    Ok(usd(check(ctx, figure.cents())?))
}

/// The fund's money, in USD.
#[Object]
impl PortfolioTotals {
    /// Pledges and agreements not cancelled. Donors' money: with `from`, `to`, `thematicArea`
    /// or `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn pledged_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.pledged)
    }
    /// Signed agreements. Donors' money: with `from`, `to`, `thematicArea` or `region`, ADMIN
    /// and STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn committed_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.committed)
    }
    /// Donors' money: with `from`, `to`, `thematicArea` or `region`, ADMIN and
    /// STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.deposited)
    }
    /// The Administrative Agent's fees on deposits. Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn fees_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.fees)
    }
    /// Donors' money: with `from`, `to`, `thematicArea` or `region`, ADMIN and
    /// STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn net_deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.net_deposited)
    }
    /// Approved budgets of joint programmes (programmes' money: any scope).
    async fn approved_usd(&self) -> Decimal {
        usd(self.0.approved)
    }
    /// Programmes' money: any scope.
    async fn transferred_usd(&self) -> Decimal {
        usd(self.0.transferred)
    }
    /// Programmes' money: any scope.
    async fn expenditure_usd(&self) -> Decimal {
        usd(self.0.expenditure)
    }
    /// Net deposits not yet transferred. Donors' money: with `from`, `to`, `thematicArea` or
    /// `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn available_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.available)
    }
}

pub struct AreaBreakdown(portfolio::AreaFigures, i64);

#[Object]
impl AreaBreakdown {
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(ThematicAreaById(self.0.area_id))
                .await,
        )?
        .map(ThematicArea))
    }
    /// Deposits earmarked to this area. Donors' money split by area: ADMIN and
    /// STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn earmarked_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.earmarked)
    }
    async fn approved_usd(&self) -> Decimal {
        usd(self.0.approved)
    }
    async fn transferred_usd(&self) -> Decimal {
        usd(self.0.transferred)
    }
    /// This area's share of all approved budgets (0 to 1), null while nothing is approved.
    async fn share(&self) -> Option<Decimal> {
        ratio(self.0.approved, self.1)
    }
    async fn programme_count(&self) -> i64 {
        self.0.programme_count
    }
    async fn concept_note_count(&self) -> i64 {
        self.0.concept_note_count
    }
    async fn pipeline_count(&self) -> i64 {
        self.0.pipeline_count
    }
}

#[derive(SimpleObject)]
pub struct RegionBreakdown {
    pub region: Option<Region>,
    /// Programmes with at least one country in the region (a multi-region programme counts in each).
    pub programme_count: i64,
    pub approved_usd: Decimal,
    pub concept_note_count: i64,
}

#[derive(SimpleObject)]
pub struct CountryBreakdown {
    pub country: Country,
    pub programme_count: i64,
    pub approved_usd: Decimal,
    pub concept_note_count: i64,
}

#[derive(SimpleObject)]
pub struct FunnelStage {
    pub status: Option<ConceptNoteStatus>,
    pub count: i64,
    pub requested_usd: Decimal,
}

#[derive(SimpleObject)]
pub struct PeriodContributions {
    /// `2021-11`, `2021-Q4` or `2021`.
    pub period: String,
    pub deposited_usd: Decimal,
    pub net_deposited_usd: Decimal,
    pub deposit_count: i64,
}

pub struct PrincipleCoverage(portfolio::PrincipleFigures);

#[Object]
impl PrincipleCoverage {
    async fn principle(&self, ctx: &Context<'_>) -> Result<Option<GuidingPrinciple>> {
        Ok(principles_by_id(ctx, &[self.0.principle_id]).await?.pop())
    }
    async fn programme_count(&self) -> i64 {
        self.0.programme_count
    }
    async fn indicator_count(&self) -> i64 {
        self.0.indicator_count
    }
}

#[derive(SimpleObject)]
pub struct MarkerCount {
    /// `GENDER`, `HUMAN_RIGHTS` or `CHILD_SENSITIVITY`.
    pub marker: String,
    pub score: i32,
    pub programme_count: i64,
}

/// The whole fund at a glance, or the part of it a scope narrows to. Figures of donors' money
/// (pledged, committed, deposited, fees, net deposited, available, earmarked, the funding gap,
/// contributions over time) narrowed by `from`, `to`, `thematicArea` or `region`, or split by
/// area or period, are read by ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others, who
/// read them for the whole fund): such a figure can disclose one donor's pledges or deposits.
/// Programmes' money (approved, transferred, spent) and counts are read for any scope.
#[Object]
impl Portfolio {
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn capitalization_targets(&self, ctx: &Context<'_>) -> Result<Vec<CapitalizationTarget>> {
        let targets = check(ctx, ctx.services().capitalization_targets().await)?;
        Ok(targets
            .into_iter()
            .map(|t| CapitalizationTarget {
                label: t.label,
                amount_usd: usd(t.amount_usd_cents),
                due_on: Date(t.due_on),
            })
            .collect())
    }
    /// Readable without a token (donors' money in it: the whole fund's for all but ADMIN and
    /// STEERING_COMMITTEE).
    async fn totals(&self, ctx: &Context<'_>) -> Result<PortfolioTotals> {
        Ok(PortfolioTotals(check(
            ctx,
            ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
        )?))
    }
    /// What remains to deposit to reach the current capitalization target (the next one due,
    /// or the last one set). Donors' money: with `from`, `to`, `thematicArea` or `region`,
    /// ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others).
    async fn funding_gap_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let today = chrono::Utc::now().date_naive();
        let gap = check(
            ctx,
            ctx.services()
                .funding_gap(ctx.actor(), &self.0, today)
                .await,
        )?;
        donors_money(ctx, &gap)
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn by_thematic_area(&self, ctx: &Context<'_>) -> Result<Vec<AreaBreakdown>> {
        let rows = check(
            ctx,
            ctx.services().portfolio_by_area(ctx.actor(), &self.0).await,
        )?;
        let total = rows
            .iter()
            .try_fold(0i64, |total, r| total.checked_add(r.approved))
            .ok_or("the approved budgets do not fit in cents")?;
        Ok(rows.into_iter().map(|r| AreaBreakdown(r, total)).collect())
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn by_region(&self, ctx: &Context<'_>) -> Result<Vec<RegionBreakdown>> {
        let rows = check(
            ctx,
            ctx.services()
                .portfolio_by_region(ctx.actor(), &self.0)
                .await,
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(RegionBreakdown {
                    region: Some(Region::from_stored(&r.region)?),
                    programme_count: r.programme_count,
                    approved_usd: usd(r.approved),
                    concept_note_count: r.concept_note_count,
                })
            })
            .collect()
    }
    /// Programmes and concept notes by country (a multi-country programme counts in each).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn by_country(&self, ctx: &Context<'_>) -> Result<Vec<CountryBreakdown>> {
        let rows = check(
            ctx,
            ctx.services()
                .portfolio_by_country(ctx.actor(), &self.0)
                .await,
        )?;
        let countries =
            countries_by_code(ctx, rows.iter().map(|r| r.country_code.clone()).collect()).await?;
        Ok(rows
            .into_iter()
            .zip(countries)
            .map(|(r, country)| CountryBreakdown {
                country,
                programme_count: r.programme_count,
                approved_usd: usd(r.approved),
                concept_note_count: r.concept_note_count,
            })
            .collect())
    }
    /// Concept notes by status, in the order of the programming cycle.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn pipeline_funnel(&self, ctx: &Context<'_>) -> Result<Vec<FunnelStage>> {
        let rows = check(
            ctx,
            ctx.services().pipeline_funnel(ctx.actor(), &self.0).await,
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(FunnelStage {
                    status: Some(ConceptNoteStatus::from_stored(&r.status)?),
                    count: r.count,
                    requested_usd: usd(r.requested),
                })
            })
            .collect()
    }
    /// Deposits received per period. Donors' money split by period: ADMIN and
    /// STEERING_COMMITTEE only (`FORBIDDEN` for others, whatever the scope).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn contributions_over_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "TimeInterval::Quarter")] interval: TimeInterval,
    ) -> Result<Vec<PeriodContributions>> {
        let interval = match interval {
            TimeInterval::Month => Interval::Month,
            TimeInterval::Quarter => Interval::Quarter,
            TimeInterval::Year => Interval::Year,
        };
        let rows = check(
            ctx,
            ctx.services()
                .contributions_over_time(ctx.actor(), interval, &self.0)
                .await,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| PeriodContributions {
                period: r.period,
                deposited_usd: usd(r.deposited),
                net_deposited_usd: usd(r.net_deposited),
                deposit_count: r.deposit_count,
            })
            .collect())
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PRINCIPLES, child_complexity)"
    )]
    async fn principle_coverage(&self, ctx: &Context<'_>) -> Result<Vec<PrincipleCoverage>> {
        let rows = check(
            ctx,
            ctx.services()
                .principle_coverage(ctx.actor(), &self.0)
                .await,
        )?;
        Ok(rows.into_iter().map(PrincipleCoverage).collect())
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn marker_distribution(&self, ctx: &Context<'_>) -> Result<Vec<MarkerCount>> {
        let rows = check(
            ctx,
            ctx.services()
                .marker_distribution(ctx.actor(), &self.0)
                .await,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| MarkerCount {
                marker: r.marker,
                score: r.score,
                programme_count: r.count,
            })
            .collect())
    }
    /// The fund's expenditure ÷ transfers, to four decimals.
    async fn delivery_rate(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        ctx.actor()
            .principal()
            .map_err(|e| crate::graphql::errors::to_graphql(e, ctx.actor()))?;
        let totals = check(
            ctx,
            ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
        )?;
        Ok(ratio(totals.expenditure, totals.transferred))
    }
}
