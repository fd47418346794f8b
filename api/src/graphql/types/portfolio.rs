//! The portfolio dashboard. Totals are public; the breakdowns need a token. Figures of donors'
//! money are answered as `service::portfolio::donors_money_refusal` decides (whole fund only for
//! all but the fund's staff and the steering committee).

use super::reference::{countries_by_code, Country};
use super::reference::{principles_by_id, GuidingPrinciple, ThematicArea};
use super::usd;
use crate::domain::{ConceptNoteStatus, Region};
use crate::graphql::loaders::ThematicAreaById;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::service::arithmetic;
use crate::service::portfolio::{self, DonorsMoney, Interval, PortfolioScope, Totals};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};

pub struct Portfolio(pub PortfolioScope);

/// The length of the periods `contributionsOverTime` sums deposits over.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeInterval {
    /// Calendar months: periods read `2021-11`.
    Month,
    /// Calendar quarters: periods read `2021-Q4`.
    Quarter,
    /// Calendar years: periods read `2021`.
    Year,
}

/// A capitalization target the fund set itself (e.g. USD 70 million by the International Migration
/// Review Forum 2022).
#[derive(SimpleObject)]
pub struct CapitalizationTarget {
    /// What the target is called (e.g. "IMRF 2022").
    pub label: String,
    /// The deposits the fund aims to have received by `dueOn`, in USD.
    pub amount_usd: Decimal,
    /// The date the target is due.
    pub due_on: Date,
}

pub struct PortfolioTotals(Totals);

/// A figure of donors' money, or the rule's `FORBIDDEN` on its path.
fn donors_money(ctx: &Context<'_>, figure: &DonorsMoney) -> Result<Decimal> {
    Ok(usd(check(ctx, figure.cents())?))
}

/// The fund's money in US dollars, for the portfolio's scope. Pledges count by the date pledged,
/// deposits by the date received, programmes by their start date, transfers by the date made,
/// expenditure by its year; money received is placed by the donor's country and the contribution's
/// earmark, programmes' money by the programme's thematic area and countries.
#[Object]
impl PortfolioTotals {
    /// Pledges and agreements not cancelled, in USD at the rates recorded with them. Donors' money:
    /// with `from`, `to`, `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn pledged_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.pledged)
    }
    /// Signed agreements (not cancelled), in USD at the rates recorded with them. Donors' money:
    /// with `from`, `to`, `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn committed_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.committed)
    }
    /// Deposits received by the Administrative Agent, gross, in USD at each deposit's rate. Donors'
    /// money: with `from`, `to`, `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.deposited)
    }
    /// The Administrative Agent's 1% fees on those deposits. Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others, who
    /// read it for the whole fund).
    async fn fees_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.fees)
    }
    /// Deposits minus the Administrative Agent's fees: what donors' money brought to the fund.
    /// Donors' money: with `from`, `to`, `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE
    /// only (`FORBIDDEN` for others, who read it for the whole fund).
    async fn net_deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.net_deposited)
    }
    /// Approved budgets of joint programmes (programmes' money: read for any scope).
    async fn approved_usd(&self) -> Decimal {
        usd(self.0.approved)
    }
    /// Transfers to participating organizations (programmes' money: read for any scope).
    async fn transferred_usd(&self) -> Decimal {
        usd(self.0.transferred)
    }
    /// Expenditure participating organizations reported (programmes' money: read for any scope).
    async fn expenditure_usd(&self) -> Decimal {
        usd(self.0.expenditure)
    }
    /// Net deposits not yet transferred: what the Administrative Agent holds for the fund (approved
    /// allocations not yet transferred are not deducted). Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others, who
    /// read it for the whole fund).
    async fn available_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.available)
    }
}

pub struct AreaBreakdown(portfolio::AreaFigures, i64);

/// One thematic area's row of the portfolio, within its scope.
#[Object]
impl AreaBreakdown {
    /// The thematic area.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(ThematicAreaById(self.0.area_id))
                .await,
        )?
        .map(ThematicArea))
    }
    /// Deposits earmarked to this area, gross, in USD. Donors' money split by area: ADMIN and
    /// STEERING_COMMITTEE only (`FORBIDDEN` for others, whatever the scope).
    async fn earmarked_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.earmarked)
    }
    /// Approved budgets of the area's joint programmes, in USD.
    async fn approved_usd(&self) -> Decimal {
        usd(self.0.approved)
    }
    /// Transfers to the area's joint programmes, in USD.
    async fn transferred_usd(&self) -> Decimal {
        usd(self.0.transferred)
    }
    /// This area's share of all approved budgets (0 to 1), null while nothing is approved.
    async fn share(&self) -> Option<Decimal> {
        arithmetic::share(self.0.approved, self.1).map(Decimal)
    }
    /// The area's joint programmes.
    async fn programme_count(&self) -> i64 {
        self.0.programme_count
    }
    /// The area's concept notes the caller may read, in any status.
    async fn concept_note_count(&self) -> i64 {
        self.0.concept_note_count
    }
    /// Of those, the notes in the pipeline now (status `PIPELINE`).
    async fn pipeline_count(&self) -> i64 {
        self.0.pipeline_count
    }
}

/// One UN region's row of the portfolio, within its scope. A programme in several countries has
/// its money split between them in equal shares, to the cent, so the regions add up to the
/// fund's totals for the same scope.
#[derive(SimpleObject)]
pub struct RegionBreakdown {
    /// The UN region; null for the programmes with no country (global programmes).
    pub region: Option<Region>,
    /// Programmes with at least one country in the region (a multi-region programme counts in
    /// each: counts do not add up, money does).
    pub programme_count: i64,
    /// The region's share of the programmes' approved budgets, in USD.
    pub approved_usd: Decimal,
    /// The region's share of what was transferred to the programmes, in USD.
    pub transferred_usd: Decimal,
    /// The region's share of the programmes' reported expenditure, in USD.
    pub expenditure_usd: Decimal,
    /// Concept notes the caller may read that cover a country of the region.
    pub concept_note_count: i64,
}

/// One country's row of the portfolio, within its scope, split as `RegionBreakdown` is.
#[derive(SimpleObject)]
pub struct CountryBreakdown {
    /// The country.
    pub country: Country,
    /// Joint programmes working in the country.
    pub programme_count: i64,
    /// The country's share of the programmes' approved budgets, in USD (a programme in several
    /// countries is split between them in equal shares, to the cent).
    pub approved_usd: Decimal,
    /// The country's share of what was transferred to the programmes, in USD.
    pub transferred_usd: Decimal,
    /// The country's share of the programmes' reported expenditure, in USD.
    pub expenditure_usd: Decimal,
    /// Concept notes the caller may read that cover the country.
    pub concept_note_count: i64,
}

/// Concept notes in one status of the programming cycle.
#[derive(SimpleObject)]
pub struct FunnelStage {
    /// The status.
    pub status: Option<ConceptNoteStatus>,
    /// How many notes the caller may read are in this status now.
    pub count: i64,
    /// The budgets they request, in USD.
    pub requested_usd: Decimal,
}

/// Deposits received in one month, quarter or year (donors' money: ADMIN and STEERING_COMMITTEE
/// only).
#[derive(SimpleObject)]
pub struct PeriodContributions {
    /// `2021-11`, `2021-Q4` or `2021`.
    pub period: String,
    /// Deposits received in the period, gross, in USD.
    pub deposited_usd: Decimal,
    /// The same deposits less the Administrative Agent's fees, in USD.
    pub net_deposited_usd: Decimal,
    /// How many deposits were received in the period.
    pub deposit_count: i64,
}

pub struct PrincipleCoverage(portfolio::PrincipleFigures);

/// How many programmes and indicators serve one guiding principle.
#[Object]
impl PrincipleCoverage {
    /// The guiding principle.
    async fn principle(&self, ctx: &Context<'_>) -> Result<Option<GuidingPrinciple>> {
        Ok(principles_by_id(ctx, &[self.0.principle_id]).await?.pop())
    }
    /// Joint programmes that apply the principle.
    async fn programme_count(&self) -> i64 {
        self.0.programme_count
    }
    /// Results indicators that track the principle.
    async fn indicator_count(&self) -> i64 {
        self.0.indicator_count
    }
}

/// How many programmes carry one score of one marker.
#[derive(SimpleObject)]
pub struct MarkerCount {
    /// `GENDER`, `HUMAN_RIGHTS` or `CHILD_SENSITIVITY`.
    pub marker: String,
    /// The score, 0 (none) to 3 (principal).
    pub score: i32,
    /// Joint programmes with this score on this marker.
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
    /// The fund's capitalization targets, by due date. Readable without a token.
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
    /// The fund's money for the scope, in USD. Readable without a token; its figures of donors'
    /// money are the whole fund's for all but ADMIN and STEERING_COMMITTEE.
    async fn totals(&self, ctx: &Context<'_>) -> Result<PortfolioTotals> {
        Ok(PortfolioTotals(check(
            ctx,
            ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
        )?))
    }
    /// What remains to deposit (gross, in USD) to reach the current capitalization target: the next
    /// one due, or the last one set; 0 once reached. Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN and STEERING_COMMITTEE only (`FORBIDDEN` for others, who
    /// read it for the whole fund). Readable without a token.
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
    /// The portfolio per thematic area, by area number. Needs a token.
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
    /// Programmes and concept notes per UN region of their countries, the programmes' money split
    /// between their countries so that the regions add up to the totals. Needs a token.
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
                    region: r.region.as_deref().map(Region::from_stored).transpose()?,
                    programme_count: r.programme_count,
                    approved_usd: usd(r.approved),
                    transferred_usd: usd(r.transferred),
                    expenditure_usd: usd(r.expenditure),
                    concept_note_count: r.concept_note_count,
                })
            })
            .collect()
    }
    /// Programmes and concept notes per country, the programmes' money split between their
    /// countries so that the countries add up to the totals. Needs a token.
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
                transferred_usd: usd(r.transferred),
                expenditure_usd: usd(r.expenditure),
                concept_note_count: r.concept_note_count,
            })
            .collect())
    }
    /// Concept notes by status, in the order of the programming cycle (only the notes the caller
    /// may read). Needs a token.
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
    /// Deposits received per period, oldest first. Donors' money split by period: ADMIN and
    /// STEERING_COMMITTEE only (`UNAUTHENTICATED` without a token, `FORBIDDEN` for other roles,
    /// whatever the scope).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn contributions_over_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default_with = "TimeInterval::Quarter",
            desc = "The length of each period: months, quarters (the default) or years."
        )]
        interval: TimeInterval,
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
    /// Programmes and indicators per guiding principle. Needs a token.
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
    /// Programmes per marker and score. Needs a token.
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
    /// The fund's expenditure ÷ transfers for the scope, to four decimals (half-even); null before
    /// any transfer. Needs a token.
    async fn delivery_rate(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        ctx.actor()
            .principal()
            .map_err(|e| crate::graphql::errors::to_graphql(e, ctx.actor()))?;
        let totals = check(
            ctx,
            ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
        )?;
        Ok(arithmetic::delivery_rate(totals.expenditure, totals.transferred).map(Decimal))
    }
}
