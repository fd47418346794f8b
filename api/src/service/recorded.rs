//! The flat lists partner systems synchronise from: deposits, transfers and expenditure reports,
//! each in the order they were recorded (the moment the system recorded the row, then its id),
//! and paged by position in that order rather than by offset. Rows are recorded all the time;
//! a cursor names its row's position, so a page read while rows are recorded neither repeats
//! nor skips one, and a row recorded after a caller's last read comes after every row it read.
//!
//! `recordedSince` (inclusive) narrows a list to what was recorded at or after a moment: a
//! partner system that passes the latest `recordedAt` it has seen gets that row again (it
//! deduplicates by id) and everything recorded since, whatever the rows' value dates.
//!
//! Who reads which rows is [`policy`]'s: [`policy::readable_deposits`],
//! [`policy::readable_transfers`], [`policy::readable_expenditure_reports`].

use super::page::DEFAULT_PAGE_SIZE;
use super::{policy, Ctx, ServiceResult, Services};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{contribution, deposit, expenditure_report, transfer};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Where a row stands in its list's order: when it was recorded, then its id.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RecordedPosition {
    pub recorded_at: DateTime<Utc>,
    pub id: i64,
}

/// Which rows of a recorded list to return: Relay's `first/after/last/before`, the cursors being
/// positions.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedWindow {
    pub after: Option<RecordedPosition>,
    pub before: Option<RecordedPosition>,
    pub first: Option<u64>,
    pub last: Option<u64>,
}

/// A page of a recorded list.
pub struct RecordedPage<M> {
    pub rows: Vec<M>,
    /// How many rows the caller may read match the filter, across all pages.
    pub total: u64,
    pub has_previous: bool,
    pub has_next: bool,
}

/// A table listed in the order its rows were recorded.
pub trait Recorded: EntityTrait {
    /// The list's name in its cursors, so that one list's cursor is refused by another.
    const LIST: &'static str;
    /// The column holding when a row was recorded.
    fn recorded_at() -> Self::Column;
    /// The primary key's column.
    fn id() -> Self::Column;
    /// A row's position.
    fn position(row: &Self::Model) -> RecordedPosition;
}

impl Recorded for deposit::Entity {
    const LIST: &'static str = "deposits";
    fn recorded_at() -> Self::Column {
        deposit::Column::RecordedAt
    }
    fn id() -> Self::Column {
        deposit::Column::Id
    }
    fn position(row: &deposit::Model) -> RecordedPosition {
        RecordedPosition {
            recorded_at: row.recorded_at,
            id: row.id,
        }
    }
}

impl Recorded for transfer::Entity {
    const LIST: &'static str = "transfers";
    fn recorded_at() -> Self::Column {
        transfer::Column::RecordedAt
    }
    fn id() -> Self::Column {
        transfer::Column::Id
    }
    fn position(row: &transfer::Model) -> RecordedPosition {
        RecordedPosition {
            recorded_at: row.recorded_at,
            id: row.id,
        }
    }
}

impl Recorded for expenditure_report::Entity {
    const LIST: &'static str = "expenditureReports";
    fn recorded_at() -> Self::Column {
        expenditure_report::Column::ReportedAt
    }
    fn id() -> Self::Column {
        expenditure_report::Column::Id
    }
    fn position(row: &expenditure_report::Model) -> RecordedPosition {
        RecordedPosition {
            recorded_at: row.reported_at,
            id: row.id,
        }
    }
}

/// The rows strictly before `position`.
fn earlier<E: Recorded>(position: RecordedPosition) -> Condition {
    Condition::any()
        .add(E::recorded_at().lt(position.recorded_at))
        .add(
            Condition::all()
                .add(E::recorded_at().eq(position.recorded_at))
                .add(E::id().lt(position.id)),
        )
}

/// The rows strictly after `position`.
fn later<E: Recorded>(position: RecordedPosition) -> Condition {
    Condition::any()
        .add(E::recorded_at().gt(position.recorded_at))
        .add(
            Condition::all()
                .add(E::recorded_at().eq(position.recorded_at))
                .add(E::id().gt(position.id)),
        )
}

/// Whether any row meets `condition`.
async fn any_row<E: Recorded, C: ConnectionTrait>(
    db: &C,
    condition: Condition,
) -> ServiceResult<bool> {
    let found: Option<i64> = E::find()
        .select_only()
        .expr(Expr::col(E::id()))
        .filter(condition)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// The page of the rows meeting `base` that `window` selects, in recorded order.
pub async fn page<E: Recorded, C: ConnectionTrait>(
    db: &C,
    base: Condition,
    window: RecordedWindow,
) -> ServiceResult<RecordedPage<E::Model>>
where
    E::Model: Send + Sync,
{
    let total = E::find().filter(base.clone()).count(db).await?;
    let mut range = base.clone();
    if let Some(after) = window.after {
        range = range.add(later::<E>(after));
    }
    if let Some(before) = window.before {
        range = range.add(earlier::<E>(before));
    }
    let oldest_first = E::find()
        .filter(range.clone())
        .order_by_asc(E::recorded_at())
        .order_by_asc(E::id());
    let rows = match (window.first, window.last) {
        (Some(first), last) => {
            let mut rows = oldest_first.limit(first).all(db).await?;
            // Relay: with both, the last `last` of the first `first`.
            if let Some(last) = last.map(|l| l as usize) {
                if rows.len() > last {
                    rows.drain(..rows.len() - last);
                }
            }
            rows
        }
        (None, Some(last)) => {
            let mut rows = E::find()
                .filter(range)
                .order_by_desc(E::recorded_at())
                .order_by_desc(E::id())
                .limit(last)
                .all(db)
                .await?;
            rows.reverse();
            rows
        }
        (None, None) => oldest_first.limit(DEFAULT_PAGE_SIZE).all(db).await?,
    };
    let (has_previous, has_next) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => (
            any_row::<E, _>(db, base.clone().add(earlier::<E>(E::position(first)))).await?,
            any_row::<E, _>(db, base.add(later::<E>(E::position(last)))).await?,
        ),
        // An empty page sits just after `after` when paging forward, just before `before` when
        // paging backward.
        _ if window.first.is_some() || window.last.is_none() => (
            match window.after {
                Some(after) => {
                    any_row::<E, _>(db, base.clone().add(later::<E>(after).not())).await?
                }
                None => false,
            },
            any_row::<E, _>(
                db,
                match window.after {
                    Some(after) => base.add(later::<E>(after)),
                    None => base,
                },
            )
            .await?,
        ),
        _ => (
            any_row::<E, _>(
                db,
                match window.before {
                    Some(before) => base.clone().add(earlier::<E>(before)),
                    None => base.clone(),
                },
            )
            .await?,
            match window.before {
                Some(before) => any_row::<E, _>(db, base.add(earlier::<E>(before).not())).await?,
                None => false,
            },
        ),
    };
    Ok(RecordedPage {
        rows,
        total,
        has_previous,
        has_next,
    })
}

/// Narrows the deposits; every field given must match.
#[derive(Default, Debug, Clone)]
pub struct DepositFilter {
    pub donor_id: Option<i64>,
    pub contribution_id: Option<i64>,
    /// In this currency (ISO 4217).
    pub currency: Option<String>,
    /// Received on or after.
    pub from: Option<NaiveDate>,
    /// Received on or before.
    pub to: Option<NaiveDate>,
    /// Recorded at or after this moment.
    pub recorded_since: Option<DateTime<Utc>>,
}

impl DepositFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(donor) = self.donor_id {
            condition = condition.add(
                deposit::Column::ContributionId.in_subquery(
                    Query::select()
                        .column(contribution::Column::Id)
                        .from(contribution::Entity)
                        .and_where(contribution::Column::DonorId.eq(donor))
                        .to_owned(),
                ),
            );
        }
        if let Some(agreement) = self.contribution_id {
            condition = condition.add(deposit::Column::ContributionId.eq(agreement));
        }
        if let Some(currency) = &self.currency {
            condition = condition.add(deposit::Column::Currency.eq(currency.as_str()));
        }
        if let Some(from) = self.from {
            condition = condition.add(deposit::Column::ReceivedOn.gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(deposit::Column::ReceivedOn.lte(to));
        }
        if let Some(since) = self.recorded_since {
            condition = condition.add(deposit::Column::RecordedAt.gte(since));
        }
        condition
    }
}

/// Narrows the transfers; every field given must match.
#[derive(Default, Debug, Clone)]
pub struct TransferFilter {
    pub joint_programme_id: Option<i64>,
    pub organization_id: Option<i64>,
    /// For programmes of this thematic area.
    pub thematic_area_id: Option<i64>,
    pub decision_id: Option<i64>,
    /// Transferred on or after.
    pub from: Option<NaiveDate>,
    /// Transferred on or before.
    pub to: Option<NaiveDate>,
    /// Recorded at or after this moment.
    pub recorded_since: Option<DateTime<Utc>>,
}

impl TransferFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(programme) = self.joint_programme_id {
            condition = condition.add(transfer::Column::JointProgrammeId.eq(programme));
        }
        if let Some(organization) = self.organization_id {
            condition = condition.add(transfer::Column::OrganizationId.eq(organization));
        }
        if let Some(area) = self.thematic_area_id {
            condition = condition.add(transfer::Column::ThematicAreaId.eq(area));
        }
        if let Some(decision) = self.decision_id {
            condition = condition.add(transfer::Column::DecisionId.eq(decision));
        }
        if let Some(from) = self.from {
            condition = condition.add(transfer::Column::TransferredOn.gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(transfer::Column::TransferredOn.lte(to));
        }
        if let Some(since) = self.recorded_since {
            condition = condition.add(transfer::Column::RecordedAt.gte(since));
        }
        condition
    }
}

/// Narrows the expenditure reports; every field given must match.
#[derive(Default, Debug, Clone)]
pub struct ExpenditureReportFilter {
    pub joint_programme_id: Option<i64>,
    pub organization_id: Option<i64>,
    /// For this calendar year.
    pub year: Option<i32>,
    /// Recorded (reported) at or after this moment.
    pub recorded_since: Option<DateTime<Utc>>,
}

impl ExpenditureReportFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(programme) = self.joint_programme_id {
            condition = condition.add(expenditure_report::Column::JointProgrammeId.eq(programme));
        }
        if let Some(organization) = self.organization_id {
            condition = condition.add(expenditure_report::Column::OrganizationId.eq(organization));
        }
        if let Some(year) = self.year {
            condition = condition.add(expenditure_report::Column::Year.eq(year));
        }
        if let Some(since) = self.recorded_since {
            condition = condition.add(expenditure_report::Column::ReportedAt.gte(since));
        }
        condition
    }
}

impl Services {
    /// The deposits `ctx` may read that match `filter`, in recorded order: a page of them.
    pub async fn deposits(
        &self,
        ctx: &Ctx,
        filter: DepositFilter,
        window: RecordedWindow,
    ) -> ServiceResult<RecordedPage<deposit::Model>> {
        let principal = policy::authenticated(ctx)?;
        let base = Condition::all()
            .add(policy::readable_deposits(principal))
            .add(filter.condition());
        page::<deposit::Entity, _>(&self.db, base, window).await
    }

    /// The transfers `ctx` may read that match `filter`, in recorded order: a page of them.
    pub async fn transfers(
        &self,
        ctx: &Ctx,
        filter: TransferFilter,
        window: RecordedWindow,
    ) -> ServiceResult<RecordedPage<transfer::Model>> {
        let principal = policy::authenticated(ctx)?;
        let base = Condition::all()
            .add(policy::readable_transfers(principal))
            .add(filter.condition());
        page::<transfer::Entity, _>(&self.db, base, window).await
    }

    /// The expenditure reports `ctx` may read that match `filter`, in recorded order: a page of
    /// them.
    pub async fn expenditure_reports(
        &self,
        ctx: &Ctx,
        filter: ExpenditureReportFilter,
        window: RecordedWindow,
    ) -> ServiceResult<RecordedPage<expenditure_report::Model>> {
        let principal = policy::authenticated(ctx)?;
        let base = Condition::all()
            .add(policy::readable_expenditure_reports(principal))
            .add(filter.condition());
        page::<expenditure_report::Entity, _>(&self.db, base, window).await
    }
}
