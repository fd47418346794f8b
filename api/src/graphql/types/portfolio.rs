//! The portfolio dashboard. Totals are public; the breakdowns need a token. Figures of donors'
//! money are answered as `service::portfolio::donors_money_refusal` decides (whole fund only for
//! all but the fund's staff, the steering committee and auditors).

use super::donors::Donor;
use super::reference::{countries_by_code, Country};
use super::reference::{organization_by_id, Organization};
use super::reference::{principles_by_id, GuidingPrinciple, ThematicArea};
use super::usd;
use crate::domain::{ConceptNoteStatus, Region};
use crate::graphql::loaders::DonorById;
use crate::graphql::loaders::ThematicAreaById;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::service::arithmetic::{self, books};
use crate::service::portfolio::{self, DonorsMoney, Interval, PortfolioScope, Totals};
use crate::service::{gateway, ServiceResult};
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

pub struct PortfolioTotals(Totals, PortfolioScope);

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
    /// with `from`, `to`, `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn pledged_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.pledged)
    }
    /// Signed agreements (not cancelled), in USD at the rates recorded with them. Donors' money:
    /// with `from`, `to`, `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn committed_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.committed)
    }
    /// Deposits received by the Administrative Agent, gross, in USD at each deposit's rate. Donors'
    /// money: with `from`, `to`, `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    async fn deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.deposited)
    }
    /// The Administrative Agent's 1% fees on those deposits. Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others, who
    /// read it for the whole fund).
    async fn fees_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        donors_money(ctx, &self.0.fees)
    }
    /// Deposits minus the Administrative Agent's fees: what donors' money brought to the fund.
    /// Donors' money: with `from`, `to`, `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR
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
    /// What the Administrative Agent holds: `sourcesAndUses.balanceWithAgentUsd`, counted to `to`
    /// (or today) in `thematicArea`'s pool; `from` and `region` do not narrow it. Donors' money:
    /// with `from`, `to`, `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only
    /// (`FORBIDDEN` for others, who read it for the whole fund).
    #[graphql(
        deprecation = "it never deducted what the committee has allocated; read `sourcesAndUses.balanceWithAgentUsd` (what the Administrative Agent holds) or `uncommittedUsd` (what the committee can still allocate)"
    )]
    async fn available_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let available = check(ctx, ctx.services().available(ctx.actor(), &self.1).await)?;
        donors_money(ctx, &available)
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
    /// Deposits earmarked to this area, gross, in USD. Donors' money split by area: ADMIN, STEERING_COMMITTEE and
    /// AUDITOR only (`FORBIDDEN` for others, whatever the scope).
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

/// Deposits received in one month, quarter or year (donors' money: ADMIN, STEERING_COMMITTEE and AUDITOR
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
/// area or period, are read by ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others, who
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
    /// money are the whole fund's for all but ADMIN, STEERING_COMMITTEE and AUDITOR.
    async fn totals(&self, ctx: &Context<'_>) -> Result<PortfolioTotals> {
        Ok(PortfolioTotals(
            check(
                ctx,
                ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
            )?,
            self.0.clone(),
        ))
    }
    /// What remains to deposit (gross, in USD) to reach the current capitalization target: the next
    /// one due, or the last one set; 0 once reached. Donors' money: with `from`, `to`,
    /// `thematicArea` or `region`, ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others, who
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
    /// Deposits received per period, oldest first. Donors' money split by period: ADMIN, STEERING_COMMITTEE and
    /// AUDITOR only (`UNAUTHENTICATED` without a token, `FORBIDDEN` for other roles,
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
    /// The fund's delivery for the scope: expenditure ÷ the net funded amount (transfers less
    /// refunds), to four decimals (half-even); null before any net transfer. Needs a token.
    async fn delivery_rate(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        ctx.actor()
            .principal()
            .map_err(|e| crate::graphql::errors::to_graphql(e, ctx.actor()))?;
        let totals = check(
            ctx,
            ctx.services().portfolio_totals(ctx.actor(), &self.0).await,
        )?;
        let money = books::WithOrganizations {
            transferred: totals.transferred,
            expenditure: totals.expenditure,
            refunds: totals.refunds,
        };
        Ok(check(ctx, money.delivery_rate())?.map(Decimal))
    }
    /// The Gateway's sources and uses of funds and the balance with the Administrative Agent,
    /// counted over the ledger up to `asOf` (and as known at `knownAt`); with `thematicArea`, the
    /// area's earmark pool. Readable without a token for the whole fund as it stands; narrowed,
    /// ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others: it rests on donors' deposits).
    /// Not kept by period or region (`BAD_USER_INPUT` with `from`, `to` or `region`).
    async fn sources_and_uses(&self, ctx: &Context<'_>) -> Result<SourcesAndUses> {
        let books = check(ctx, ctx.services().agent_books(ctx.actor(), &self.0).await)?;
        Ok(SourcesAndUses::new(check(ctx, books.readable())?))
    }
    /// Transfers to participating organizations, their expenditure, refunds and the balance they
    /// hold, for the programmes of the scope (of `thematicArea`, up to `asOf`, as known at
    /// `knownAt`). Programmes' money: readable without a token, for any of these scopes.
    async fn funds_with_organizations(&self, ctx: &Context<'_>) -> Result<FundsWithOrganizations> {
        let money = check(ctx, ctx.services().funds_with_organizations(&self.0).await)?;
        check(ctx, FundsWithOrganizations::new(&money))
    }
    /// The balance with the Administrative Agent plus the balance with participating
    /// organizations, in USD: the fund's money not yet spent. Scoped and read as
    /// `sourcesAndUses`.
    async fn total_balance_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let books = check(ctx, ctx.services().agent_books(ctx.actor(), &self.0).await)?;
        let agent = check(ctx, books.readable())?.balance_with_agent;
        let money = check(ctx, ctx.services().funds_with_organizations(&self.0).await)?;
        let organizations = check(ctx, money.balance())?;
        let total = agent
            .checked_add(organizations)
            .ok_or("the total balance does not fit in cents")?;
        Ok(usd(total))
    }
    /// What the steering committee can still allocate, per earmark pool: unearmarked money
    /// first, then each thematic area by number (one pool with `thematicArea`). Scoped and read
    /// as `sourcesAndUses`.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS + 1, child_complexity)"
    )]
    async fn uncommitted(&self, ctx: &Context<'_>) -> Result<Vec<UncommittedPool>> {
        let pools = check(ctx, ctx.services().pools(ctx.actor(), &self.0).await)?;
        Ok(pools.into_iter().map(UncommittedPool).collect())
    }
    /// What the steering committee can still allocate, in USD: the sum of `uncommitted`. A
    /// funding decision or budget revision above its pool's part is `INSUFFICIENT_FUNDS`.
    async fn uncommitted_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let pools = check(ctx, ctx.services().pools(ctx.actor(), &self.0).await)?;
        let total = pools
            .iter()
            .try_fold(0i64, |total, pool| total.checked_add(pool.uncommitted))
            .ok_or("the uncommitted balance does not fit in cents")?;
        Ok(usd(total))
    }
    /// Money with each participating organization across the scope's programmes, by
    /// organization; they add up to `fundsWithOrganizations`. Needs a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn by_organization(&self, ctx: &Context<'_>) -> Result<Vec<OrganizationFunds>> {
        let rows = check(
            ctx,
            ctx.services()
                .money_by_organization(ctx.actor(), &self.0)
                .await,
        )?;
        Ok(rows.into_iter().map(OrganizationFunds).collect())
    }
    /// Each donor's agreements signed and deposits received per year, oldest year first, for
    /// the donors whose contributions the caller may read (ADMIN, STEERING_COMMITTEE and AUDITOR: every
    /// donor; a DONOR: its own; others: none). With `thematicArea`, the area's earmarked money.
    /// Needs a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn contributors_by_year(&self, ctx: &Context<'_>) -> Result<Vec<ContributorYear>> {
        let rows = check(
            ctx,
            ctx.services()
                .contributors_by_year(ctx.actor(), &self.0)
                .await,
        )?;
        Ok(rows.into_iter().map(ContributorYear).collect())
    }
}

/// The MPTF Office Gateway's sources and uses of funds, in USD: what raised the Administrative
/// Agent's balance, what lowered it, and what it holds. Total sources − total uses = the balance
/// with the Administrative Agent, to the cent.
#[derive(SimpleObject)]
pub struct SourcesAndUses {
    /// Contributions received: deposits, gross (less any reversed).
    pub contributions_usd: Decimal,
    /// Interest the fund earned on the money the Administrative Agent holds.
    pub fund_interest_usd: Decimal,
    /// Interest participating organizations earned on the fund's money and passed on.
    pub organization_interest_usd: Decimal,
    /// Other income.
    pub other_income_usd: Decimal,
    /// Contributions, interest and other income.
    pub total_sources_usd: Decimal,
    /// Transfers to participating organizations.
    pub transferred_usd: Decimal,
    /// Unspent money participating organizations returned.
    pub refunds_usd: Decimal,
    /// Transfers less refunds.
    pub net_transferred_usd: Decimal,
    /// The Administrative Agent's fees (1% of each deposit).
    pub agent_fees_usd: Decimal,
    /// Direct costs the steering committee approved (the secretariat's, for example).
    pub direct_costs_usd: Decimal,
    /// Bank charges.
    pub bank_charges_usd: Decimal,
    /// Net transfers, fees, direct costs and bank charges.
    pub total_uses_usd: Decimal,
    /// What the Administrative Agent holds: total sources − total uses.
    pub balance_with_agent_usd: Decimal,
    /// The balance as a share of contributions received (0 to 1, four decimals), null before any.
    pub balance_with_agent_share: Option<Decimal>,
}

impl SourcesAndUses {
    fn new(books: &books::SourcesAndUses) -> Self {
        let lines = &books.lines;
        Self {
            contributions_usd: usd(lines.contributions),
            fund_interest_usd: usd(lines.fund_interest),
            organization_interest_usd: usd(lines.organization_interest),
            other_income_usd: usd(lines.other_income),
            total_sources_usd: usd(books.total_sources),
            transferred_usd: usd(lines.transferred),
            refunds_usd: usd(lines.refunds),
            net_transferred_usd: usd(books.net_transferred),
            agent_fees_usd: usd(lines.agent_fees),
            direct_costs_usd: usd(lines.direct_costs),
            bank_charges_usd: usd(lines.bank_charges),
            total_uses_usd: usd(books.total_uses),
            balance_with_agent_usd: usd(books.balance_with_agent),
            balance_with_agent_share: books.balance_share().map(Decimal),
        }
    }
}

/// Money with participating organizations, in USD: transferred − expenditure − refunds = the
/// balance they hold, to the cent.
#[derive(SimpleObject)]
pub struct FundsWithOrganizations {
    /// Transfers to the organizations.
    pub transferred_usd: Decimal,
    /// The expenditure they reported.
    pub expenditure_usd: Decimal,
    /// What they returned unspent.
    pub refunds_usd: Decimal,
    /// What they still hold: transferred − expenditure − refunds.
    pub balance_usd: Decimal,
    /// The balance as a share of transfers (0 to 1, four decimals), null before any transfer.
    pub balance_share: Option<Decimal>,
}

impl FundsWithOrganizations {
    fn new(money: &books::WithOrganizations) -> ServiceResult<Self> {
        Ok(Self {
            transferred_usd: usd(money.transferred),
            expenditure_usd: usd(money.expenditure),
            refunds_usd: usd(money.refunds),
            balance_usd: usd(money.balance()?),
            balance_share: money.balance_share()?.map(Decimal),
        })
    }
}

pub struct UncommittedPool(gateway::Pool);

/// One earmark pool: what the Administrative Agent holds of it, what the steering committee
/// allocated of it and is not yet transferred, and what it can still allocate.
#[Object]
impl UncommittedPool {
    /// The thematic area the pool's money is earmarked to; null: unearmarked money, which funds
    /// any area.
    async fn pool(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        let Some(area) = self.0.area_id else {
            return Ok(None);
        };
        Ok(loaded(ctx, ctx.loader().load_one(ThematicAreaById(area)).await)?.map(ThematicArea))
    }
    /// What the Administrative Agent holds of the pool, in USD.
    async fn balance_with_agent_usd(&self) -> Decimal {
        usd(self.0.balance_with_agent)
    }
    /// Funding decisions and budget revisions drawn on the pool, not yet transferred, in USD.
    async fn allocated_not_transferred_usd(&self) -> Decimal {
        usd(self.0.allocated_not_transferred)
    }
    /// What the committee can still allocate of the pool: the balance less what is allocated and
    /// not yet transferred, in USD.
    async fn uncommitted_usd(&self) -> Decimal {
        usd(self.0.uncommitted)
    }
}

pub struct OrganizationFunds(gateway::OrganizationMoney);

/// One participating organization's money across the scope's programmes, in USD.
#[Object]
impl OrganizationFunds {
    /// The participating organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// Transfers to the organization.
    async fn transferred_usd(&self) -> Decimal {
        usd(self.0.transferred)
    }
    /// The expenditure it reported.
    async fn expenditure_usd(&self) -> Decimal {
        usd(self.0.expenditure)
    }
    /// What it returned unspent.
    async fn refunds_usd(&self) -> Decimal {
        usd(self.0.refunds)
    }
    /// What it still holds: transferred − expenditure − refunds.
    async fn balance_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        Ok(usd(check(ctx, self.0.with_organization().balance())?))
    }
    /// Expenditure ÷ net funded (transfers less refunds), to four decimals (half-even); null
    /// before any net transfer.
    async fn delivery_rate(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        Ok(check(ctx, self.0.with_organization().delivery_rate())?.map(Decimal))
    }
}

pub struct ContributorYear(gateway::ContributorYear);

/// One donor's contributions in one year, in USD: agreements signed and deposits received.
#[Object]
impl ContributorYear {
    /// The donor.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Donor>> {
        Ok(loaded(ctx, ctx.loader().load_one(DonorById(self.0.donor_id)).await)?.map(Donor))
    }
    /// The calendar year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Agreements signed in the year (less cancellations and reductions booked in it).
    async fn committed_usd(&self) -> Decimal {
        usd(self.0.committed)
    }
    /// Deposits received in the year, gross.
    async fn deposited_usd(&self) -> Decimal {
        usd(self.0.deposited)
    }
}
