//! The fund's ledger, the write side: how a command books a movement of money, and the pools'
//! balances a command checks before it spends (see docs/books.md). The figures served to callers
//! are in [`super::arithmetic::books`]; this module holds what commands ask inside their own
//! transaction, under the fund's spending lock.
//!
//! An entry is appended, never edited or deleted. A correction is a new entry: a `REVERSAL` of an
//! earlier one ([`NewEntry::reversing`]) or a `COMMITMENT_AMENDMENT`.

use super::arithmetic::books;
use super::ServiceResult;
use crate::domain::{LedgerEntryKind, Usd, UserError, UserErrorCode};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use entity::{fund_ledger, ledger_entry};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set,
};

/// A movement of money a command books: its kind, value date and amount, the pool it is in and
/// what it concerns.
#[derive(Debug, Clone)]
pub struct NewEntry {
    kind: LedgerEntryKind,
    counts_as: LedgerEntryKind,
    value_date: NaiveDate,
    currency: String,
    amount_minor: i64,
    amount_usd_cents: i64,
    pool: Option<i64>,
    donor: Option<i64>,
    contribution: Option<i64>,
    deposit: Option<i64>,
    programme: Option<i64>,
    organization: Option<i64>,
    decision: Option<i64>,
    transfer: Option<i64>,
    expenditure_report: Option<i64>,
    reverses: Option<i64>,
    description: Option<String>,
}

impl NewEntry {
    /// An entry of `kind` in US dollars.
    pub fn usd(kind: LedgerEntryKind, value_date: NaiveDate, amount: Usd) -> Self {
        Self::in_currency(kind, value_date, "USD", amount.cents(), amount)
    }

    /// An entry of `kind` in `currency` (`amount_minor` in its minor units), valued at `usd`.
    pub fn in_currency(
        kind: LedgerEntryKind,
        value_date: NaiveDate,
        currency: &str,
        amount_minor: i64,
        usd: Usd,
    ) -> Self {
        let counts_as = match kind {
            LedgerEntryKind::CommitmentAmendment => LedgerEntryKind::Commitment,
            other => other,
        };
        Self {
            kind,
            counts_as,
            value_date,
            currency: currency.to_owned(),
            amount_minor,
            amount_usd_cents: usd.cents(),
            pool: None,
            donor: None,
            contribution: None,
            deposit: None,
            programme: None,
            organization: None,
            decision: None,
            transfer: None,
            expenditure_report: None,
            reverses: None,
            description: None,
        }
    }

    /// The `REVERSAL` of `entry` on `value_date`: the opposite amount, on the same line, in the
    /// same pool, about the same records.
    pub fn reversing(entry: &ledger_entry::Model, value_date: NaiveDate) -> ServiceResult<Self> {
        let negate = |amount: i64| {
            amount
                .checked_neg()
                .ok_or_else(|| anyhow::anyhow!("ledger entry {} cannot be negated", entry.id))
        };
        Ok(Self {
            kind: LedgerEntryKind::Reversal,
            counts_as: LedgerEntryKind::from_stored(&entry.counts_as)?,
            value_date,
            currency: entry.currency.clone(),
            amount_minor: negate(entry.amount_minor)?,
            amount_usd_cents: negate(entry.amount_usd_cents)?,
            pool: entry.pool_area_id,
            donor: entry.donor_id,
            contribution: entry.contribution_id,
            deposit: entry.deposit_id,
            programme: entry.joint_programme_id,
            organization: entry.organization_id,
            decision: entry.decision_id,
            transfer: entry.transfer_id,
            expenditure_report: entry.expenditure_report_id,
            reverses: Some(entry.id),
            description: None,
        })
    }

    /// In the pool of `area` (`None`: unearmarked money).
    pub fn pool(mut self, area: Option<i64>) -> Self {
        self.pool = area;
        self
    }
    pub fn donor(mut self, id: i64) -> Self {
        self.donor = Some(id);
        self
    }
    pub fn contribution(mut self, id: i64) -> Self {
        self.contribution = Some(id);
        self
    }
    pub fn deposit(mut self, id: i64) -> Self {
        self.deposit = Some(id);
        self
    }
    pub fn programme(mut self, id: i64) -> Self {
        self.programme = Some(id);
        self
    }
    pub fn programme_if(mut self, id: Option<i64>) -> Self {
        self.programme = id;
        self
    }
    pub fn organization(mut self, id: i64) -> Self {
        self.organization = Some(id);
        self
    }
    pub fn decision(mut self, id: i64) -> Self {
        self.decision = Some(id);
        self
    }
    pub fn decision_if(mut self, id: Option<i64>) -> Self {
        self.decision = id;
        self
    }
    pub fn transfer(mut self, id: i64) -> Self {
        self.transfer = Some(id);
        self
    }
    pub fn expenditure_report(mut self, id: i64) -> Self {
        self.expenditure_report = Some(id);
        self
    }
    pub fn described(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

/// The moment entries are recorded at: microseconds, which both databases keep exactly, so that
/// `knownAt` of a served `recordedAt` finds the same entries on either.
pub fn recording_time() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Appends `entries`, recorded now by `recorded_by`, in the caller's transaction.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    recorded_by: &str,
    entries: Vec<NewEntry>,
) -> ServiceResult<Vec<ledger_entry::Model>> {
    let recorded_at = recording_time();
    let mut booked = Vec::with_capacity(entries.len());
    for entry in entries {
        let row = ledger_entry::ActiveModel {
            kind: Set(entry.kind.as_str().to_owned()),
            counts_as: Set(entry.counts_as.as_str().to_owned()),
            value_date: Set(entry.value_date),
            recorded_at: Set(recorded_at),
            recorded_by: Set(recorded_by.to_owned()),
            currency: Set(entry.currency),
            amount_minor: Set(entry.amount_minor),
            amount_usd_cents: Set(entry.amount_usd_cents),
            pool_area_id: Set(entry.pool),
            donor_id: Set(entry.donor),
            contribution_id: Set(entry.contribution),
            deposit_id: Set(entry.deposit),
            joint_programme_id: Set(entry.programme),
            organization_id: Set(entry.organization),
            decision_id: Set(entry.decision),
            transfer_id: Set(entry.transfer),
            expenditure_report_id: Set(entry.expenditure_report),
            reverses_id: Set(entry.reverses),
            description: Set(entry.description),
            ..Default::default()
        };
        booked.push(row.insert(txn).await?);
    }
    Ok(booked)
}

/// Takes the fund's spending lock: every command that allocates, transfers, refunds, spends or
/// reverses money runs one at a time from here to its commit, on both databases (a row lock on
/// PostgreSQL, the write lock on SQLite), so no two of them can each see the same uncommitted
/// money.
pub async fn lock_spending<C: ConnectionTrait>(txn: &C) -> ServiceResult<()> {
    fund_ledger::Entity::update_many()
        .col_expr(
            fund_ledger::Column::Version,
            Expr::col(fund_ledger::Column::Version).add(1),
        )
        .filter(fund_ledger::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(())
}

/// A pool's money now: what the Administrative Agent holds in it and what the committee has
/// allocated from it and not yet transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct PoolNow {
    pub balance_with_agent: i64,
    pub allocated_not_transferred: i64,
}

impl PoolNow {
    /// What the committee can still allocate from the pool.
    pub fn uncommitted(&self) -> ServiceResult<Usd> {
        books::uncommitted(self.balance_with_agent, self.allocated_not_transferred)
            .map(Usd::from_cents)
    }
}

/// The pool of `area` (`None`: unearmarked money) as it stands, in the caller's transaction.
pub async fn pool_now<C: ConnectionTrait>(txn: &C, area: Option<i64>) -> ServiceResult<PoolNow> {
    let statement = txn.get_database_backend().build(&books::pool_now(area));
    PoolNow::find_by_statement(statement)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a pool's sums returned no row").into())
}

/// How an allocation (or a use of money resting on none) of `amount` for a programme of `area`
/// is drawn: on the area's pool first, then on unearmarked money. `INSUFFICIENT_FUNDS` naming
/// both pools' uncommitted balances when together they cannot cover it.
pub async fn draw_on_pools<C: ConnectionTrait>(
    txn: &C,
    area: i64,
    amount: Usd,
    field: &str,
) -> ServiceResult<Vec<(Option<i64>, Usd)>> {
    let earmarked = pool_now(txn, Some(area)).await?.uncommitted()?;
    let unearmarked = pool_now(txn, None).await?.uncommitted()?;
    let usable = earmarked
        .max(Usd::ZERO)
        .checked_add(unearmarked.max(Usd::ZERO))
        .ok_or_else(|| anyhow::anyhow!("the pools' balances do not fit in cents"))?;
    if amount > usable {
        let message = format!(
            "the committee can still allocate {usable} to this thematic area ({} earmarked to it and {} unearmarked); money earmarked to other areas cannot pay for it",
            earmarked.max(Usd::ZERO),
            unearmarked.max(Usd::ZERO)
        );
        return Err(UserError::new(UserErrorCode::InsufficientFunds, &[field], message).into());
    }
    let from_area = amount.min(earmarked.max(Usd::ZERO));
    let from_unearmarked = amount
        .checked_sub(from_area)
        .ok_or_else(|| anyhow::anyhow!("an allocation's parts do not fit in cents"))?;
    Ok([(Some(area), from_area), (None, from_unearmarked)]
        .into_iter()
        .filter(|(_, part)| *part > Usd::ZERO)
        .collect())
}

/// What is left of a decision's allocation, per pool, in the order a transfer draws on it (the
/// area's pool first, then unearmarked money).
pub async fn left_of_allocation<C: ConnectionTrait>(
    txn: &C,
    decision: i64,
) -> ServiceResult<Vec<(Option<i64>, Usd)>> {
    #[derive(FromQueryResult)]
    struct Left {
        pool_area_id: Option<i64>,
        left: i64,
    }
    let statement = txn
        .get_database_backend()
        .build(&books::left_of_allocation(decision));
    let mut rows: Vec<(Option<i64>, Usd)> = Left::find_by_statement(statement)
        .all(txn)
        .await?
        .into_iter()
        .map(|row| (row.pool_area_id, Usd::from_cents(row.left)))
        .collect();
    rows.sort_by_key(|(pool, _)| pool.is_none());
    Ok(rows)
}

/// The direct costs booked against the `DIRECT_COST` decision `decision`.
pub async fn direct_costs_on<C: ConnectionTrait>(txn: &C, decision: i64) -> ServiceResult<Usd> {
    #[derive(FromQueryResult)]
    struct Booked {
        booked: i64,
    }
    let statement = txn
        .get_database_backend()
        .build(&books::direct_costs_on(decision));
    let booked = Booked::find_by_statement(statement)
        .one(txn)
        .await?
        .map_or(0, |row| row.booked);
    Ok(Usd::from_cents(booked))
}

/// Splits `amount` over what is left of an allocation, in its order: `None` when it does not
/// cover the amount.
pub fn split_over(left: &[(Option<i64>, Usd)], amount: Usd) -> Option<Vec<(Option<i64>, Usd)>> {
    let mut rest = amount;
    let mut parts = Vec::new();
    for (pool, available) in left {
        if rest == Usd::ZERO {
            break;
        }
        let part = rest.min((*available).max(Usd::ZERO));
        if part > Usd::ZERO {
            parts.push((*pool, part));
            rest = rest.checked_sub(part)?;
        }
    }
    (rest == Usd::ZERO).then_some(parts)
}

/// The entries about a contribution's agreement (its `PLEDGE`, `COMMITMENT` and amendments)
/// that no reversal has cancelled yet.
pub async fn standing_entries_of_contribution<C: ConnectionTrait>(
    txn: &C,
    contribution: i64,
) -> ServiceResult<Vec<ledger_entry::Model>> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ContributionId.eq(contribution))
        .filter(ledger_entry::Column::CountsAs.is_in([
            LedgerEntryKind::Pledge.as_str(),
            LedgerEntryKind::Commitment.as_str(),
        ]))
        .all(txn)
        .await?;
    Ok(standing(entries))
}

/// The entries of `entries` that are not reversals and that no reversal among them cancelled.
fn standing(entries: Vec<ledger_entry::Model>) -> Vec<ledger_entry::Model> {
    let reversed: Vec<i64> = entries.iter().filter_map(|e| e.reverses_id).collect();
    entries
        .into_iter()
        .filter(|e| e.reverses_id.is_none() && !reversed.contains(&e.id))
        .collect()
}

/// The entries about a deposit (its `DEPOSIT` and `AGENT_FEE`) that no reversal has cancelled yet.
pub async fn standing_entries_of_deposit<C: ConnectionTrait>(
    txn: &C,
    deposit: i64,
) -> ServiceResult<Vec<ledger_entry::Model>> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::DepositId.eq(deposit))
        .all(txn)
        .await?;
    Ok(standing(entries))
}

/// The `EXPENDITURE` entries of an expenditure report that no reversal has cancelled yet: its
/// standing figure's (one at most, none for a figure of 0).
pub async fn standing_entries_of_expenditure_report<C: ConnectionTrait>(
    txn: &C,
    report: i64,
) -> ServiceResult<Vec<ledger_entry::Model>> {
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ExpenditureReportId.eq(report))
        .filter(ledger_entry::Column::CountsAs.eq(LedgerEntryKind::Expenditure.as_str()))
        .all(txn)
        .await?;
    Ok(standing(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_draws_on_the_area_first_then_unearmarked_money() {
        let left = [
            (Some(3), Usd::from_cents(500)),
            (None, Usd::from_cents(1_000)),
        ];
        assert_eq!(
            split_over(&left, Usd::from_cents(700)),
            Some(vec![
                (Some(3), Usd::from_cents(500)),
                (None, Usd::from_cents(200))
            ])
        );
        assert_eq!(
            split_over(&left, Usd::from_cents(400)),
            Some(vec![(Some(3), Usd::from_cents(400))])
        );
        assert_eq!(split_over(&left, Usd::from_cents(1_501)), None);
    }
}
