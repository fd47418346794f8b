//! The fund's books, the read side: the ledger's entries as callers page through them, each read
//! through the ledger rule of [`policy`](super::policy) (see docs/books.md, "Reading the ledger").
//! Commands book entries through [`ledger`](super::ledger); the figures over them are in
//! [`arithmetic::books`](super::arithmetic::books).
//!
//! The ledger is ordered by value date, then id, and paged by position in that order rather than
//! by offset: entries are appended all the time, often with a value date in the past (a deposit
//! recorded a week after it arrived), and a cursor that names its entry stays on it, where an
//! offset would shift and show a row twice or skip one.

use super::page::DEFAULT_PAGE_SIZE;
use super::{policy, Ctx, ServiceError, ServiceResult, Services};
use crate::domain::LedgerEntryKind;
use chrono::{DateTime, NaiveDate, Utc};
use entity::ledger_entry;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Narrows the ledger; every field given must match.
#[derive(Default, Debug, Clone)]
pub struct LedgerFilter {
    /// Entries of these kinds (a `REVERSAL` is its own kind).
    pub kinds: Vec<LedgerEntryKind>,
    /// Value date on or after.
    pub from: Option<NaiveDate>,
    /// Value date on or before.
    pub to: Option<NaiveDate>,
    /// In this thematic area's earmark pool.
    pub thematic_area_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub donor_id: Option<i64>,
    /// Recorded at or after this moment.
    pub recorded_since: Option<DateTime<Utc>>,
}

impl LedgerFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.kinds.is_empty() {
            condition = condition
                .add(ledger_entry::Column::Kind.is_in(self.kinds.iter().map(|k| k.as_str())));
        }
        if let Some(from) = self.from {
            condition = condition.add(ledger_entry::Column::ValueDate.gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(ledger_entry::Column::ValueDate.lte(to));
        }
        if let Some(area) = self.thematic_area_id {
            condition = condition.add(ledger_entry::Column::PoolAreaId.eq(area));
        }
        if let Some(programme) = self.joint_programme_id {
            condition = condition.add(ledger_entry::Column::JointProgrammeId.eq(programme));
        }
        if let Some(organization) = self.organization_id {
            condition = condition.add(ledger_entry::Column::OrganizationId.eq(organization));
        }
        if let Some(donor) = self.donor_id {
            condition = condition.add(ledger_entry::Column::DonorId.eq(donor));
        }
        if let Some(since) = self.recorded_since {
            condition = condition.add(ledger_entry::Column::RecordedAt.gte(since));
        }
        condition
    }
}

/// Where an entry stands in the ledger's order: its value date, then its id.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct EntryPosition {
    pub value_date: NaiveDate,
    pub id: i64,
}

impl EntryPosition {
    pub fn of(entry: &ledger_entry::Model) -> Self {
        Self {
            value_date: entry.value_date,
            id: entry.id,
        }
    }

    /// The entries strictly before this position.
    fn earlier(&self) -> Condition {
        Condition::any()
            .add(ledger_entry::Column::ValueDate.lt(self.value_date))
            .add(
                Condition::all()
                    .add(ledger_entry::Column::ValueDate.eq(self.value_date))
                    .add(ledger_entry::Column::Id.lt(self.id)),
            )
    }

    /// The entries strictly after this position.
    fn later(&self) -> Condition {
        Condition::any()
            .add(ledger_entry::Column::ValueDate.gt(self.value_date))
            .add(
                Condition::all()
                    .add(ledger_entry::Column::ValueDate.eq(self.value_date))
                    .add(ledger_entry::Column::Id.gt(self.id)),
            )
    }
}

/// Which entries of the ordered ledger to return: Relay's `first/after/last/before`, the
/// cursors being positions.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerWindow {
    pub after: Option<EntryPosition>,
    pub before: Option<EntryPosition>,
    pub first: Option<u64>,
    pub last: Option<u64>,
}

/// A page of the ledger.
pub struct LedgerPage {
    pub rows: Vec<ledger_entry::Model>,
    /// How many entries the caller may read match the filter, across all pages.
    pub total: u64,
    pub has_previous: bool,
    pub has_next: bool,
}

impl Services {
    /// The ledger entries `ctx` may read that match `filter`, by value date then id: a page of
    /// them, as `window` says.
    pub async fn ledger_entries(
        &self,
        ctx: &Ctx,
        filter: LedgerFilter,
        window: LedgerWindow,
    ) -> ServiceResult<LedgerPage> {
        let principal = policy::authenticated(ctx)?;
        let base = Condition::all()
            .add(self.policy.readable_ledger_entries(principal))
            .add(filter.condition());
        let total = ledger_entry::Entity::find()
            .filter(base.clone())
            .count(&self.db)
            .await?;
        let mut range = base.clone();
        if let Some(after) = window.after {
            range = range.add(after.later());
        }
        if let Some(before) = window.before {
            range = range.add(before.earlier());
        }
        let oldest_first = ledger_entry::Entity::find()
            .filter(range.clone())
            .order_by_asc(ledger_entry::Column::ValueDate)
            .order_by_asc(ledger_entry::Column::Id);
        let rows = match (window.first, window.last) {
            (Some(first), last) => {
                let mut rows = oldest_first.limit(first).all(&self.db).await?;
                // Relay: with both, the last `last` of the first `first`.
                if let Some(last) = last.map(|l| l as usize) {
                    if rows.len() > last {
                        rows.drain(..rows.len() - last);
                    }
                }
                rows
            }
            (None, Some(last)) => {
                let mut rows = ledger_entry::Entity::find()
                    .filter(range)
                    .order_by_desc(ledger_entry::Column::ValueDate)
                    .order_by_desc(ledger_entry::Column::Id)
                    .limit(last)
                    .all(&self.db)
                    .await?;
                rows.reverse();
                rows
            }
            (None, None) => oldest_first.limit(DEFAULT_PAGE_SIZE).all(&self.db).await?,
        };
        let (has_previous, has_next) = match (rows.first(), rows.last()) {
            (Some(first), Some(last)) => (
                self.any_entry(base.clone().add(EntryPosition::of(first).earlier()))
                    .await?,
                self.any_entry(base.add(EntryPosition::of(last).later()))
                    .await?,
            ),
            // An empty page sits just after `after` when paging forward, just before `before`
            // when paging backward.
            _ if window.first.is_some() || window.last.is_none() => (
                match window.after {
                    Some(after) => {
                        self.any_entry(base.clone().add(after.later().not()))
                            .await?
                    }
                    None => false,
                },
                self.any_entry(match window.after {
                    Some(after) => base.add(after.later()),
                    None => base,
                })
                .await?,
            ),
            _ => (
                self.any_entry(match window.before {
                    Some(before) => base.clone().add(before.earlier()),
                    None => base.clone(),
                })
                .await?,
                match window.before {
                    Some(before) => self.any_entry(base.add(before.earlier().not())).await?,
                    None => false,
                },
            ),
        };
        Ok(LedgerPage {
            rows,
            total,
            has_previous,
            has_next,
        })
    }

    /// One ledger entry: `None` if there is none, `FORBIDDEN` if `ctx` may not read it (the
    /// check is the list's rule, asked of this one row).
    pub async fn ledger_entry(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<ledger_entry::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = ledger_entry::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let readable = principal.reads_everything()
            || self
                .any_entry(
                    Condition::all()
                        .add(ledger_entry::Column::Id.eq(id))
                        .add(self.policy.readable_ledger_entries(principal)),
                )
                .await?;
        if readable {
            Ok(Some(found))
        } else {
            Err(ServiceError::Forbidden(policy::LEDGER_REFUSAL.to_owned()))
        }
    }

    /// Whether any entry meets `condition`.
    async fn any_entry(&self, condition: Condition) -> ServiceResult<bool> {
        let found: Option<i64> = ledger_entry::Entity::find()
            .select_only()
            .expr(Expr::col(ledger_entry::Column::Id))
            .filter(condition)
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(found.is_some())
    }
}
