//! The fund's books as the Administrative Agent publishes them on the MPTF Office Gateway: the
//! sources and uses of funds, the funds with participating organizations, what the steering
//! committee can still allocate per earmark pool, the money by organization and the contributors
//! by year. Each figure is one statement of [`books`] over the ledger; this module decides which
//! entries a portfolio's scope counts and who may read the answer.
//!
//! Scopes: the Administrative Agent keeps the fund's money by earmark pool and by date, so these
//! figures are narrowed by `thematicArea` (the area's pool; its programmes for the money with
//! organizations), `asOf` (entries by value date) and `knownAt` (entries recorded by then). A
//! period (`from`/`to`) or a `region` is refused with a message saying so: a balance over a window
//! of dates, or of donors and programmes of one region, is no balance anyone holds, and would go
//! negative.

use super::arithmetic::books::{self, BooksScope, LineSums, SourcesAndUses, WithOrganizations};
use super::portfolio::{donors_money_refusal, DonorsMoney, PortfolioScope, Split};
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::UserError;
use entity::thematic_area;
use sea_orm::{EntityTrait, FromQueryResult, QueryOrder, QuerySelect};

/// One earmark pool: what the Administrative Agent holds of it, what the committee allocated of it
/// that is not yet transferred, and the difference, what it can still allocate. In USD cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The thematic area the pool's money is earmarked to; `None`: unearmarked money.
    pub area_id: Option<i64>,
    pub balance_with_agent: i64,
    pub allocated_not_transferred: i64,
    pub uncommitted: i64,
}

#[derive(Debug, Clone, Default, FromQueryResult)]
struct PoolRow {
    pool_area_id: Option<i64>,
    balance_with_agent: i64,
    allocated_not_transferred: i64,
}

/// One participating organization's money across the scope's programmes, in USD cents.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OrganizationMoney {
    pub organization_id: i64,
    pub transferred: i64,
    pub expenditure: i64,
    pub refunds: i64,
}

impl OrganizationMoney {
    pub fn with_organization(&self) -> WithOrganizations {
        WithOrganizations {
            transferred: self.transferred,
            expenditure: self.expenditure,
            refunds: self.refunds,
        }
    }
}

/// One donor's agreements signed and deposits received in one year, in USD cents.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ContributorYear {
    pub donor_id: i64,
    pub year: i32,
    pub committed: i64,
    pub deposited: i64,
}

/// The Administrative Agent's figures for a scope, readable or `FORBIDDEN` as
/// [`donors_money_refusal`] decides (they rest on donors' deposits).
#[derive(Debug, Clone)]
pub struct AgentBooks {
    pub sources_and_uses: SourcesAndUses,
    refusal: Option<String>,
}

impl AgentBooks {
    /// The figures, or `FORBIDDEN` saying why and what the caller may read instead.
    pub fn readable(&self) -> ServiceResult<&SourcesAndUses> {
        DonorsMoney::refused_as(&self.refusal)?;
        Ok(&self.sources_and_uses)
    }
}

impl PortfolioScope {
    /// The entries of the books this scope counts: its pool, its value date and what was known
    /// when; a period or a region is refused (see the module's comment).
    pub fn books(&self) -> ServiceResult<BooksScope> {
        if self.from.is_some() || self.to.is_some() {
            return Err(UserError::validation(
                "from",
                "the fund's books are balances, counted up to a date: ask with `asOf` instead of `from`/`to`",
            )
            .into());
        }
        if self.region.is_some() {
            return Err(UserError::validation(
                "region",
                "the Administrative Agent keeps the fund's money by earmark pool, not by region: ask without `region` (`byRegion` and `byCountry` split the programmes' money by place)",
            )
            .into());
        }
        Ok(BooksScope {
            as_of: self.as_of,
            known_at: self.known_at,
            thematic_area_id: self.thematic_area_id,
        })
    }
}

impl Services {
    /// The deprecated `totals.availableUsd`: the balance with the Administrative Agent, for the
    /// scope read leniently, as it always was answered: `to` is the day the balance is counted
    /// to, `thematicArea` its pool; `from` and `region` do not narrow it (a balance is not kept
    /// by period or region). Donors' money like the totals beside it.
    pub async fn available(&self, ctx: &Ctx, scope: &PortfolioScope) -> ServiceResult<DonorsMoney> {
        scope.require_now("totals")?;
        let books = BooksScope {
            as_of: scope.to,
            known_at: None,
            thematic_area_id: scope.thematic_area_id,
        };
        let lines: LineSums = self
            .figure_row(&books::line_sums(&books))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the sources and uses returned no row"))?;
        let balance = SourcesAndUses::new(lines)?.balance_with_agent;
        Ok(DonorsMoney::new(
            balance,
            &donors_money_refusal(ctx.principal.as_ref(), scope, Split::Whole),
        ))
    }

    /// The Gateway's sources and uses of funds and the balance with the Administrative Agent.
    /// Readable without a token for the whole fund; narrowed by area or time, donors' money.
    pub async fn agent_books(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<AgentBooks> {
        let books = scope.books()?;
        let lines: LineSums = self
            .figure_row(&books::line_sums(&books))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the sources and uses returned no row"))?;
        Ok(AgentBooks {
            sources_and_uses: SourcesAndUses::new(lines)?,
            refusal: donors_money_refusal(ctx.principal.as_ref(), scope, Split::Whole),
        })
    }

    /// Transfers, expenditure and refunds of the scope's programmes: programmes' money, public.
    pub async fn funds_with_organizations(
        &self,
        scope: &PortfolioScope,
    ) -> ServiceResult<WithOrganizations> {
        let books = scope.books()?;
        Ok(self
            .figure_row(&books::with_organizations(&books))
            .await?
            .unwrap_or_default())
    }

    /// Every earmark pool of the scope (the unearmarked pool first, then the areas by number; one
    /// pool with `thematicArea`), with what the committee can still allocate of it. Donors' money,
    /// like the balance it rests on.
    pub async fn pools(&self, ctx: &Ctx, scope: &PortfolioScope) -> ServiceResult<Vec<Pool>> {
        let books = scope.books()?;
        DonorsMoney::refused_as(&donors_money_refusal(
            ctx.principal.as_ref(),
            scope,
            Split::Whole,
        ))?;
        let rows: Vec<PoolRow> = self.figure_rows(&books::pools(&books)).await?;
        let areas: Vec<i64> = thematic_area::Entity::find()
            .select_only()
            .column(thematic_area::Column::Id)
            .order_by_asc(thematic_area::Column::Number)
            .into_tuple()
            .all(&self.db)
            .await?;
        let wanted: Vec<Option<i64>> = match books.thematic_area_id {
            Some(area) => vec![Some(area)],
            None => std::iter::once(None)
                .chain(areas.into_iter().map(Some))
                .collect(),
        };
        wanted
            .into_iter()
            .map(|area_id| {
                let row = rows
                    .iter()
                    .find(|r| r.pool_area_id == area_id)
                    .cloned()
                    .unwrap_or_default();
                Ok(Pool {
                    area_id,
                    balance_with_agent: row.balance_with_agent,
                    allocated_not_transferred: row.allocated_not_transferred,
                    uncommitted: books::uncommitted(
                        row.balance_with_agent,
                        row.allocated_not_transferred,
                    )?,
                })
            })
            .collect()
    }

    /// Money with each participating organization across the scope's programmes, by
    /// organization. Programmes' money; needs a token.
    pub async fn money_by_organization(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<OrganizationMoney>> {
        policy::authenticated(ctx)?;
        let books = scope.books()?;
        self.figure_rows(&books::by_organization(&books)).await
    }

    /// Each donor's agreements and deposits by year, for the donors whose contributions the
    /// caller may read (the fund's staff and the committee: all; a donor: its own). The rows are
    /// the same statement's for every caller; the rule picks among them.
    pub async fn contributors_by_year(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<ContributorYear>> {
        let principal = policy::authenticated(ctx)?;
        let books = scope.books()?;
        let rows: Vec<ContributorYear> = self
            .figure_rows(&books::contributors_by_year(
                &books,
                self.db.get_database_backend(),
            ))
            .await?;
        Ok(rows
            .into_iter()
            .filter(|row| policy::can_read_contributions_of(principal, row.donor_id))
            .collect())
    }
}
