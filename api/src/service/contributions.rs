//! Donors, their contribution agreements and the deposits that pay them in: the reads and
//! statements (the commands are in `commands::contributions`).

use super::page::{self, Page, Window};
use super::search::Search;
use super::{arithmetic, policy, Ctx, ServiceResult, Services};
use crate::domain::{ContributionStatus, DonorKind, Earmarking, LedgerEntryKind, UserError};
use chrono::NaiveDate;
use entity::{contribution, deposit, donor, ledger_entry};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

#[derive(Default)]
pub struct DonorFilter {
    pub kind: Option<DonorKind>,
    pub country: Option<String>,
    pub search: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DonorOrder {
    Name,
    NewestFirst,
}

#[derive(Default)]
pub struct ContributionFilter {
    pub donor_id: Option<i64>,
    pub statuses: Vec<ContributionStatus>,
    pub earmarking: Option<Earmarking>,
    pub thematic_area_id: Option<i64>,
    pub currency: Option<String>,
    pub signed_from: Option<NaiveDate>,
    pub signed_to: Option<NaiveDate>,
}

impl Services {
    pub async fn donors(
        &self,
        ctx: &Ctx,
        filter: DonorFilter,
        order: DonorOrder,
        window: Window,
    ) -> ServiceResult<Page<donor::Model>> {
        policy::authenticated(ctx)?;
        let mut query = donor::Entity::find();
        if let Some(kind) = filter.kind {
            query = query.filter(donor::Column::Kind.eq(kind.as_str()));
        }
        if let Some(country) = filter.country {
            query = query.filter(donor::Column::CountryCode.eq(country));
        }
        if let Some(search) = Search::parse(filter.search.as_deref(), "filter.search")? {
            query = query.filter(search.matches(donor::Column::Name));
        }
        query = match order {
            DonorOrder::Name => query.order_by_asc(donor::Column::Name),
            DonorOrder::NewestFirst => query.order_by_desc(donor::Column::CreatedAt),
        }
        .order_by_asc(donor::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    pub async fn donor(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<donor::Model>> {
        policy::authenticated(ctx)?;
        Ok(donor::Entity::find_by_id(id).one(&self.db).await?)
    }

    pub async fn contributions(
        &self,
        ctx: &Ctx,
        filter: ContributionFilter,
        window: Window,
    ) -> ServiceResult<Page<contribution::Model>> {
        let principal = policy::authenticated(ctx)?;
        let mut condition = policy::contributions_condition(principal);
        if let Some(donor) = filter.donor_id {
            condition = condition.add(contribution::Column::DonorId.eq(donor));
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                contribution::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if let Some(earmarking) = filter.earmarking {
            condition = condition.add(contribution::Column::Earmarking.eq(earmarking.as_str()));
        }
        if let Some(area) = filter.thematic_area_id {
            condition = condition.add(contribution::Column::EarmarkedAreaId.eq(area));
        }
        if let Some(currency) = filter.currency {
            condition = condition.add(contribution::Column::Currency.eq(currency));
        }
        if let Some(from) = filter.signed_from {
            condition = condition.add(contribution::Column::SignedOn.gte(from));
        }
        if let Some(to) = filter.signed_to {
            condition = condition.add(contribution::Column::SignedOn.lte(to));
        }
        let query = contribution::Entity::find()
            .filter(condition)
            .order_by_desc(contribution::Column::PledgedOn)
            .order_by_desc(contribution::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    /// One contribution, or `FORBIDDEN` if it is another donor's.
    pub async fn contribution(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<contribution::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = contribution::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        policy::require_contributions_of(principal, found.donor_id)?;
        Ok(Some(found))
    }

    pub async fn deposit(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<deposit::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = deposit::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let agreement = contribution::Entity::find_by_id(found.contribution_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("deposit {id} without its contribution"))?;
        policy::require_contributions_of(principal, agreement.donor_id)?;
        Ok(Some(found))
    }
}

impl Services {
    /// Which of `ids` (deposits the caller has read) `reverseDeposit` reversed: one statement.
    pub async fn reversed_deposits(&self, ids: &[i64]) -> ServiceResult<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reversals =
            deposit_reversals(ledger_entry::Column::DepositId.is_in(ids.iter().copied()))
                .all(&self.db)
                .await?;
        Ok(reversals
            .iter()
            .filter_map(|entry| entry.deposit_id)
            .collect())
    }
}

/// The `REVERSAL` entries of the `DEPOSIT` entries of the deposits `among` selects (a condition on
/// `ledger_entry.deposit_id`): a deposit is reversed when it has one.
pub fn deposit_reversals(among: sea_orm::sea_query::Expr) -> sea_orm::Select<ledger_entry::Entity> {
    ledger_entry::Entity::find()
        .filter(among)
        .filter(ledger_entry::Column::Kind.eq(LedgerEntryKind::Reversal.as_str()))
        .filter(ledger_entry::Column::CountsAs.eq(LedgerEntryKind::Deposit.as_str()))
}

/// Deposits of the given contributions, oldest first (for loaders and statements).
pub fn deposits_of_condition(contribution_ids: &[i64]) -> Condition {
    Condition::all().add(deposit::Column::ContributionId.is_in(contribution_ids.iter().copied()))
}

/// Trims a required text input and bounds its length (for inputs without a [`Text`] kind;
/// the fund's own texts use `Text::…::required`).
pub(crate) fn required_text(value: &str, field: &str, max: usize) -> ServiceResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(UserError::validation(field, "this field cannot be empty").into());
    }
    if value.chars().count() > max {
        return Err(UserError::validation(field, format!("at most {max} characters")).into());
    }
    Ok(value.to_owned())
}

/// One currency's share of a donor's agreements, in minor units.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct CurrencyFigures {
    pub currency: String,
    pub pledged: i64,
    pub signed: i64,
    pub deposited: i64,
}

/// A donor's money in USD cents.
#[derive(Debug, Clone, Default, sea_orm::FromQueryResult)]
pub struct DonorUsdFigures {
    pub pledged: i64,
    pub committed: i64,
    pub deposited: i64,
    pub fees: i64,
    pub net: i64,
}

/// How money earmarked to a thematic area was used, in USD cents: the donor's own net deposits
/// to it, and the pool of all donors' earmarked money to that area with what transfers drew on it.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct EarmarkUse {
    pub area_id: i64,
    pub donor_net: i64,
    pub pool_net: i64,
    pub pool_transferred: i64,
}

/// What a donor gave and how it was used.
pub struct DonorStatement {
    pub donor_id: i64,
    pub by_currency: Vec<CurrencyFigures>,
    pub usd: DonorUsdFigures,
    pub earmarks: Vec<EarmarkUse>,
    /// The donor's unearmarked net deposits, and the unearmarked pool with what transfers drew on it.
    pub unearmarked_net: i64,
    pub unearmarked_pool_net: i64,
    pub unearmarked_pool_transferred: i64,
}

impl Services {
    /// A donor's statement: the donor itself, the fund's staff and the steering committee.
    pub async fn donor_statement(&self, ctx: &Ctx, donor_id: i64) -> ServiceResult<DonorStatement> {
        let principal = policy::authenticated(ctx)?;
        policy::require_contributions_of(principal, donor_id)?;
        // The statement's figures are the fund's arithmetic's, kept in memory until the fund
        // changes (see `figures`).
        let by_currency = self
            .figure_rows::<CurrencyFigures>(&arithmetic::donor_by_currency(donor_id))
            .await?;
        let usd = self
            .figure_row::<DonorUsdFigures>(&arithmetic::donor_usd(donor_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("a donor statement's sums returned no row"))?;
        let earmarks = self
            .figure_rows::<EarmarkUse>(&arithmetic::donor_earmarks(donor_id))
            .await?;
        #[derive(sea_orm::FromQueryResult, Clone)]
        struct Pool {
            donor_net: i64,
            pool_net: i64,
            pool_transferred: i64,
        }
        let pool = self
            .figure_row::<Pool>(&arithmetic::donor_unearmarked(donor_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("a donor statement's sums returned no row"))?;
        Ok(DonorStatement {
            donor_id,
            by_currency,
            usd,
            earmarks,
            unearmarked_net: pool.donor_net,
            unearmarked_pool_net: pool.pool_net,
            unearmarked_pool_transferred: pool.pool_transferred,
        })
    }
}
