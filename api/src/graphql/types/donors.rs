//! Donors, their contributions and deposits.

use super::reference::{area_by_id, countries_by_code, Country, ThematicArea};
use super::{usd, Money};
use crate::domain::{ContributionStatus, Currency, DonorKind, Earmarking, ExactDecimal, Usd};
use crate::graphql::connection::{self, Conn};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, errors, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::page::Page;
use crate::service::{arithmetic, policy};
use async_graphql::{Context, Object, Result, ID};
use entity::{contribution, deposit, donor};

/// A state, company, foundation or other entity that contributes to the fund.
pub struct Donor(pub donor::Model);

/// A state, company, foundation or other entity that contributes to the fund. Every token reads
/// donors' names, kinds and deposited totals; pledges, agreements and statements only the donor
/// itself, ADMIN, STEERING_COMMITTEE and AUDITOR.
#[Object]
impl Donor {
    /// The donor's global id (for `node`, filters and `recordContribution`); a DONOR token's
    /// `donor` claim carries it.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Donor, self.0.id))
    }
    /// The donor's name, unique in the fund (e.g. "Germany").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of entity the donor is.
    async fn kind(&self) -> Result<Option<DonorKind>> {
        Ok(Some(DonorKind::from_stored(&self.0.kind)?))
    }
    /// The donor's country (a member state's own, or a company's or foundation's seat), where
    /// recorded.
    async fn country(&self, ctx: &Context<'_>) -> Result<Option<Country>> {
        match &self.0.country_code {
            Some(code) => Ok(countries_by_code(ctx, vec![code.clone()]).await?.pop()),
            None => Ok(None),
        }
    }
    /// Remarks on the record (the demo data set says here that its amounts are illustrative).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Increases with every change to the donor's record; pass it as `expectedVersion` to
    /// `updateDonor`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The donor's contributions, newest pledge first. Empty for callers who may not read them
    /// (everyone but the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR).
    #[graphql(
        complexity = "crate::graphql::limits::connection_cost(first, last, child_complexity)"
    )]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only rows after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of this API's cursors."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only rows before this cursor (a `cursor` or `pageInfo.startCursor` this list gave)."
        )]
        before: Option<String>,
        #[graphql(
            desc = "At most this many rows from the start: 0 to 100 (`PAGE_SIZE_EXCEEDED` above, `BAD_USER_INPUT` below 0). Without `first` and `last`, 50 rows. The query cost counts this many."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "At most this many rows from the end: 0 to 100 (`PAGE_SIZE_EXCEEDED` above). The query cost counts this many."
        )]
        last: Option<i32>,
    ) -> Result<Conn<Contribution>> {
        let window = connection::window(after, before, first, last)?;
        let principal = check(ctx, ctx.actor().principal())?;
        // Loaded for the whole page of donors at once; another donor's are left out.
        let rows = if policy::can_read_contributions_of(principal, self.0.id) {
            loaded(
                ctx,
                ctx.loader().load_one(ContributionsOfDonor(self.0.id)).await,
            )?
            .unwrap_or_default()
        } else {
            Vec::new()
        };
        Ok(connection::connection(Page::of(rows, window), Contribution))
    }
    /// The donor's statement: what it pledged, signed and deposited, per currency and in USD, and
    /// how its money was used. For the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR (`FORBIDDEN` for
    /// others). Computed per donor: the query cost counts 100 for it.
    #[graphql(
        complexity = "crate::graphql::limits::STATEMENT_COST.saturating_add(child_complexity)"
    )]
    async fn statement(&self, ctx: &Context<'_>) -> Result<DonorStatement> {
        Ok(DonorStatement(check(
            ctx,
            ctx.services().donor_statement(ctx.actor(), self.0.id).await,
        )?))
    }
    /// The donor's totals in USD. Every token reads `depositedUsd`; `pledgedUsd` and `committedUsd`
    /// only the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR.
    async fn totals(&self, ctx: &Context<'_>) -> Result<DonorTotals> {
        let principal = check(ctx, ctx.actor().principal())?;
        // The loader answers every donor it is asked for: no row is a broken invariant, not 0.
        let money = loaded(ctx, ctx.loader().load_one(MoneyOfDonor(self.0.id)).await)?.ok_or_else(
            || {
                crate::graphql::errors::internal(
                    &anyhow::anyhow!("no money figures for donor {}", self.0.id),
                    &ctx.actor().request_id,
                )
            },
        )?;
        Ok(DonorTotals {
            money,
            full: policy::can_read_contributions_of(principal, self.0.id),
        })
    }
}

/// What a donor pledged, committed (signed) and deposited, in USD. Other donors read only the
/// deposited total.
pub struct DonorTotals {
    money: DonorMoney,
    full: bool,
}

/// What a donor pledged, committed (signed) and deposited, in US dollars, over its contributions
/// not cancelled. Other donors, organizations and partner systems read only the deposited total.
#[Object]
impl DonorTotals {
    /// Everything pledged or agreed and not cancelled, in USD at the rate recorded with each
    /// pledge. The donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others).
    async fn pledged_usd(&self) -> Result<Decimal> {
        self.restricted(self.money.pledged)
    }
    /// What signed agreements (not cancelled) commit, in USD at the rate recorded with each pledge.
    /// The donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR only (`FORBIDDEN` for others).
    async fn committed_usd(&self) -> Result<Decimal> {
        self.restricted(self.money.committed)
    }
    /// What the Administrative Agent received from the donor, gross (before its 1% fee), in USD at
    /// each deposit's rate. Public to every token.
    async fn deposited_usd(&self) -> Decimal {
        usd(self.money.deposited)
    }
}

impl DonorTotals {
    fn restricted(&self, cents: i64) -> Result<Decimal> {
        if self.full {
            Ok(usd(cents))
        } else {
            Err(errors::coded("only the donor itself, the fund's staff and the steering committee read a donor's pledges", "FORBIDDEN"))
        }
    }
}

/// A pledge or a signed contribution agreement.
pub struct Contribution(pub contribution::Model);

impl Contribution {
    /// The agreement's currency; one the database cannot give is an internal error, never USD.
    fn currency(&self) -> Result<Currency> {
        Ok(Currency::from_stored(&self.0.currency)?)
    }

    /// The latest rate of the agreement's currency that applies today (none for US dollars).
    async fn latest_rate(&self, ctx: &Context<'_>) -> Result<Option<entity::exchange_rate::Model>> {
        if self.currency()? == Currency::USD {
            return Ok(None);
        }
        let key = LatestExchangeRate(self.0.currency.clone());
        loaded(ctx, ctx.loader().load_one(key).await)
    }

    /// What the agreement still owes, valued at its own rate and at the latest.
    async fn outstanding_value(&self, ctx: &Context<'_>) -> Result<arithmetic::OutstandingValue> {
        let rate = match self.latest_rate(ctx).await? {
            Some(rate) => Some(ExactDecimal::from_stored(&rate.units_per_usd)?),
            None => None,
        };
        check(ctx, arithmetic::outstanding_value(&self.0, rate))
    }
}

/// A pledge or a signed contribution agreement of a donor, in the agreement's currency. Read by the
/// donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR only: through `node` others get `FORBIDDEN`, and
/// lists leave it out.
#[Object]
impl Contribution {
    /// The contribution's global id (for `recordDeposit`, `signContribution`,
    /// `cancelContribution`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Contribution, self.0.id))
    }
    /// The donor who pledged or signed it.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Donor>> {
        Ok(loaded(ctx, ctx.loader().load_one(DonorById(self.0.donor_id)).await)?.map(Donor))
    }
    /// The agreement's reference, unique in the fund (e.g. `DEU-2021-01`).
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// Where the contribution stands: pledged, signed, partly or fully deposited, or cancelled.
    async fn status(&self) -> Result<Option<ContributionStatus>> {
        Ok(Some(ContributionStatus::from_stored(&self.0.status)?))
    }
    /// The amount pledged or agreed, in the agreement's currency.
    async fn pledged(&self) -> Result<Money> {
        Ok(Money::new(
            self.currency()?.from_minor(self.0.pledged_minor),
            &self.0.currency,
        ))
    }
    /// The pledged amount in USD, valued at the exchange rate recorded with the pledge (what
    /// deposits actually bring is in `depositedUsd`).
    async fn pledged_usd(&self) -> Decimal {
        usd(self.0.pledged_usd_cents)
    }
    /// The date the donor pledged (a value date, not when it was recorded).
    async fn pledged_on(&self) -> Date {
        Date(self.0.pledged_on)
    }
    /// The date the agreement was signed; null while it is a pledge.
    async fn signed_on(&self) -> Option<Date> {
        self.0.signed_on.map(Date)
    }
    /// Unearmarked, or soft-earmarked to a thematic area.
    async fn earmarking(&self) -> Result<Option<Earmarking>> {
        Ok(Some(Earmarking::from_stored(&self.0.earmarking)?))
    }
    /// The thematic area the money is earmarked to; null when unearmarked.
    async fn earmarked_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        match self.0.earmarked_area_id {
            Some(id) => area_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Money received against this agreement, oldest first. At most 100 for one parent; the query
    /// cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DEPOSITS, child_complexity)"
    )]
    async fn deposits(&self, ctx: &Context<'_>) -> Result<Vec<Deposit>> {
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(DepositsOfContribution(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::DEPOSITS)
            .map(Deposit)
            .collect())
    }
    /// Deposited so far, in the agreement's currency.
    async fn deposited(&self) -> Result<Money> {
        Ok(Money::new(
            self.currency()?.from_minor(self.0.deposited_minor),
            &self.0.currency,
        ))
    }
    /// Deposited so far, gross, in USD at each deposit's own rate (reversed deposits left out).
    async fn deposited_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(DepositsOfContribution(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        // A reversed deposit stays listed but brought nothing.
        let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
        let reversed = check(ctx, ctx.services().reversed_deposits(&ids).await)?;
        let standing = rows.iter().filter(|d| !reversed.contains(&d.id));
        let total = Usd::checked_sum(standing.map(|d| Usd::from_cents(d.amount_usd_cents)))
            .ok_or("a contribution's deposits do not fit in cents")?;
        Ok(total.into())
    }
    /// What remains to be deposited, in the agreement's currency (pledged minus deposited; 0 once
    /// cancelled).
    async fn outstanding(&self, ctx: &Context<'_>) -> Result<Money> {
        let remaining = check(ctx, arithmetic::outstanding_minor(&self.0))?;
        Ok(Money::new(
            self.currency()?.from_minor(remaining),
            &self.0.currency,
        ))
    }
    /// What remains to be deposited, in USD at the latest rate the Administrative Agent recorded
    /// for the agreement's currency (`valuationRate`), or at the agreement's own rate while it
    /// has recorded none; at par for an agreement in USD (0 once cancelled). What the fund can
    /// still expect from the agreement today; cents half-even.
    async fn outstanding_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        Ok(self.outstanding_value(ctx).await?.today.into())
    }
    /// What remains to be deposited, in USD at the agreement's own rate (the one `pledgedUsd`
    /// was valued at); cents half-even.
    async fn outstanding_usd_at_pledge(&self, ctx: &Context<'_>) -> Result<Decimal> {
        Ok(self.outstanding_value(ctx).await?.at_pledge.into())
    }
    /// `outstandingUsd − outstandingUsdAtPledge`: what exchange rates have added to (positive)
    /// or taken from (negative) what the agreement will still bring, since it was pledged.
    async fn revaluation_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let value = self.outstanding_value(ctx).await?;
        Ok(check(ctx, value.revaluation())?.into())
    }
    /// The rate `outstandingUsd` is valued at: the latest the Administrative Agent recorded for
    /// the agreement's currency that applies today; null for an agreement in USD, or while the
    /// agent has recorded none.
    async fn valuation_rate(&self, ctx: &Context<'_>) -> Result<Option<super::ExchangeRate>> {
        Ok(self.latest_rate(ctx).await?.map(super::ExchangeRate))
    }
    /// Remarks recorded with the contribution (and the reason for a cancellation).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When the contribution was recorded in the system (UTC), as opposed to `pledgedOn`.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
    /// Increases with every change; pass it as `expectedVersion` to `signContribution` and
    /// `cancelContribution`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Money received by the Administrative Agent against an agreement.
pub struct Deposit(pub deposit::Model);

/// Money the Administrative Agent received against a signed agreement, with the rate it applied and
/// its 1% fee. Read by the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR.
#[Object]
impl Deposit {
    /// The deposit's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Deposit, self.0.id))
    }
    /// The agreement the money was received against.
    async fn contribution(&self, ctx: &Context<'_>) -> Result<Option<Contribution>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(ContributionById(self.0.contribution_id))
                .await,
        )?
        .map(Contribution))
    }
    /// The date the Administrative Agent received the money (its value date).
    async fn received_on(&self) -> Date {
        Date(self.0.received_on)
    }
    /// The amount received, in the agreement's currency.
    async fn amount(&self) -> Result<Money> {
        let currency = Currency::from_stored(&self.0.currency)?;
        Ok(Money::new(
            currency.from_minor(self.0.amount_minor),
            &self.0.currency,
        ))
    }
    /// Units of the deposit's currency per US dollar, as the Administrative Agent applied it (1 for
    /// USD); up to ten decimals.
    async fn exchange_rate(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.exchange_rate)?.0))
    }
    /// The amount received in USD: `amount` ÷ `exchangeRate`, rounded half-even to the cent.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The Administrative Agent's fee, 1% of `amountUsd`, rounded half-even to the cent.
    async fn administrative_agent_fee_usd(&self) -> Decimal {
        usd(self.0.fee_usd_cents)
    }
    /// What the deposit brings to the fund in USD: `amountUsd` − `administrativeAgentFeeUsd`.
    async fn net_usd(&self) -> Decimal {
        usd(self.0.net_usd_cents)
    }
    /// When the deposit was recorded in the system (UTC), as opposed to `receivedOn`.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
    /// Whether `reverseDeposit` reversed it: a reversed deposit stays on record, its ledger
    /// entries cancelled by `REVERSAL` entries, and no longer counts in the fund's figures.
    async fn reversed(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(loaded(ctx, ctx.loader().load_one(DepositReversed(self.0.id)).await)?.unwrap_or(false))
    }
}

/// What a donor pledged, signed and deposited — in the agreements' currencies and in USD — and
/// how its money was used.
pub struct DonorStatement(pub crate::service::contributions::DonorStatement);

/// A donor's agreements in one currency, cancelled ones left out.
#[derive(async_graphql::SimpleObject)]
pub struct CurrencyStatement {
    /// Pledged and agreed (not cancelled), in this currency.
    pub pledged: Money,
    /// Of that, what signed agreements commit, in this currency.
    pub signed: Money,
    /// Deposited against those agreements, in this currency.
    pub deposited: Money,
}

/// How money earmarked to a thematic area was used. Transfers draw on the pool of all donors'
/// earmarked money to the area, so each donor's share of it is used in the same proportion.
pub struct EarmarkStatement(crate::service::contributions::EarmarkUse);

/// How money earmarked to a thematic area was used. Transfers draw on the pool of all donors' money
/// earmarked to the area, so each donor's share of it is used in the same proportion.
#[Object]
impl EarmarkStatement {
    /// The thematic area the money is earmarked to.
    async fn area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        area_by_id(ctx, self.0.area_id).await
    }
    /// This donor's net deposits (after the 1% fee) earmarked to the area, in USD.
    async fn net_deposited_usd(&self) -> Decimal {
        usd(self.0.donor_net)
    }
    /// All donors' net deposits earmarked to the area, in USD.
    async fn pool_net_deposited_usd(&self) -> Decimal {
        usd(self.0.pool_net)
    }
    /// What transfers to the area's programmes drew from that pool, in USD.
    async fn pool_transferred_usd(&self) -> Decimal {
        usd(self.0.pool_transferred)
    }
    /// The share of the pool already transferred (0 to 1, four decimals), null while nothing is
    /// deposited.
    async fn used_share(&self) -> Option<Decimal> {
        arithmetic::share(self.0.pool_transferred, self.0.pool_net).map(Decimal)
    }
    /// The area's joint programmes, which its earmarked money supports. At most 100 for one parent;
    /// the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PROGRAMMES, child_complexity)"
    )]
    async fn programmes(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::programmes::JointProgramme>> {
        // Loaded for every earmark at once; programmes are read by every authenticated caller.
        check(ctx, ctx.actor().principal())?;
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(ProgrammesOfArea(self.0.area_id))
                .await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::PROGRAMMES)
            .map(super::programmes::JointProgramme)
            .collect())
    }
}

/// A donor's statement: what it pledged, signed and deposited — in the agreements' currencies and
/// in USD — and how its money was used. For the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR.
#[Object]
impl DonorStatement {
    /// Per currency of the donor's agreements: pledged (not cancelled), signed, deposited.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::BREAKDOWN, child_complexity)"
    )]
    async fn by_currency(&self) -> Result<Vec<CurrencyStatement>> {
        self.0
            .by_currency
            .iter()
            .map(|c| {
                let currency = Currency::from_stored(&c.currency)?;
                Ok(CurrencyStatement {
                    pledged: Money::new(currency.from_minor(c.pledged), &c.currency),
                    signed: Money::new(currency.from_minor(c.signed), &c.currency),
                    deposited: Money::new(currency.from_minor(c.deposited), &c.currency),
                })
            })
            .collect()
    }
    /// Pledged and agreed, not cancelled, in USD at the rates recorded with the pledges.
    async fn pledged_usd(&self) -> Decimal {
        usd(self.0.usd.pledged)
    }
    /// What signed agreements commit, in USD at the rates recorded with the pledges.
    async fn committed_usd(&self) -> Decimal {
        usd(self.0.usd.committed)
    }
    /// Deposited, gross, in USD at each deposit's rate.
    async fn deposited_usd(&self) -> Decimal {
        usd(self.0.usd.deposited)
    }
    /// The Administrative Agent's 1% on the donor's deposits, in USD.
    async fn administrative_agent_fees_usd(&self) -> Decimal {
        usd(self.0.usd.fees)
    }
    /// Deposited minus the fees, in USD: what the donor's money brings to the fund.
    async fn net_deposited_usd(&self) -> Decimal {
        usd(self.0.usd.net)
    }
    /// The donor's unearmarked net deposits, in USD: they serve every thematic area.
    async fn unearmarked_net_deposited_usd(&self) -> Decimal {
        usd(self.0.unearmarked_net)
    }
    /// The share of all donors' unearmarked money already transferred to programmes (0 to 1, four
    /// decimals); null while none is deposited.
    async fn unearmarked_used_share(&self) -> Option<Decimal> {
        arithmetic::share(
            self.0.unearmarked_pool_transferred,
            self.0.unearmarked_pool_net,
        )
        .map(Decimal)
    }
    /// The thematic areas the donor earmarked money to, and how that money was used.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn earmarks(&self) -> Vec<EarmarkStatement> {
        self.0
            .earmarks
            .iter()
            .cloned()
            .map(EarmarkStatement)
            .collect()
    }
}
