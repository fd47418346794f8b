//! Joint programmes: the reads, and what the fund holds for a programme (the commands that
//! create programmes and move their money are in `commands::programmes`).

use super::concept_notes::PortfolioFilter;
use super::page::{self, Page, Window};
use super::search::Search;
use super::{access, Ctx, ServiceError, ServiceResult, Services};
use crate::domain::{DecisionKind, ProgrammeStatus, Usd};
use chrono::NaiveDate;
use entity::{contribution, decision, deposit, joint_programme, transfer};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

#[derive(Default, Clone)]
pub struct ProgrammeFilter {
    pub common: PortfolioFilter,
    pub statuses: Vec<ProgrammeStatus>,
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProgrammeOrder {
    Code,
    NewestFirst,
    ApprovedBudgetDesc,
}

/// What the fund can still spend on a programme of one thematic area.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    /// Net deposits earmarked to the area, less what transfers drew from them.
    pub earmarked: Usd,
    /// Net unearmarked deposits, less what transfers drew from them.
    pub unearmarked: Usd,
    /// Money available only to other areas.
    pub other_areas: Usd,
}

impl Services {
    pub async fn joint_programmes(
        &self,
        ctx: &Ctx,
        filter: ProgrammeFilter,
        order: ProgrammeOrder,
        window: Window,
    ) -> ServiceResult<Page<joint_programme::Model>> {
        access::authenticated(ctx)?;
        let mut condition = filter
            .common
            .condition(joint_programme::Column::ConceptNoteId);
        if let Some(area) = filter.common.thematic_area_id {
            condition = condition.add(joint_programme::Column::ThematicAreaId.eq(area));
        }
        if let Some(scope) = filter.common.scope {
            condition = condition.add(joint_programme::Column::Scope.eq(scope.as_str()));
        }
        if let Some(search) = Search::parse(filter.common.search.as_deref(), "filter.search")? {
            condition = condition.add(
                Condition::any()
                    .add(search.matches(joint_programme::Column::Title))
                    .add(search.matches(joint_programme::Column::Code)),
            );
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                joint_programme::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if let Some(from) = filter.start_from {
            condition = condition.add(joint_programme::Column::StartDate.gte(from));
        }
        if let Some(to) = filter.start_to {
            condition = condition.add(joint_programme::Column::StartDate.lte(to));
        }
        let query = joint_programme::Entity::find().filter(condition);
        let query = match order {
            ProgrammeOrder::Code => query.order_by_asc(joint_programme::Column::Code),
            ProgrammeOrder::NewestFirst => query
                .order_by_desc(joint_programme::Column::StartDate)
                .order_by_desc(joint_programme::Column::Id),
            ProgrammeOrder::ApprovedBudgetDesc => query
                .order_by_desc(joint_programme::Column::ApprovedBudgetUsdCents)
                .order_by_asc(joint_programme::Column::Id),
        };
        page::fetch(&self.db, query, window).await
    }

    pub async fn joint_programme(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<joint_programme::Model>> {
        access::authenticated(ctx)?;
        Ok(joint_programme::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }

    /// Rows of programme detail (budget lines, transfers, reports, indicators, measurements) are
    /// readable by every authenticated caller, like their programme.
    pub async fn programme_detail<E>(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<E::Model>>
    where
        E: EntityTrait,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
    {
        access::authenticated(ctx)?;
        Ok(E::find_by_id(id).one(&self.db).await?)
    }

    /// Creates the joint programme of an approved concept note, with its budget lines.
    /// What the fund holds for a programme of `area`.
    pub async fn availability<C: ConnectionTrait>(
        db: &C,
        area: i64,
    ) -> ServiceResult<Availability> {
        let net = |earmark: Condition| {
            deposit::Entity::find()
                .select_only()
                .column_as(
                    Expr::cust("COALESCE(CAST(SUM(deposit.net_usd_cents) AS BIGINT), 0)"),
                    "total",
                )
                .inner_join(contribution::Entity)
                .filter(earmark)
                .into_tuple::<i64>()
        };
        let drawn = |column: transfer::Column, condition: Condition| {
            transfer::Entity::find()
                .select_only()
                .column_as(
                    Expr::cust(format!(
                        "COALESCE(CAST(SUM(transfer.{}) AS BIGINT), 0)",
                        column_name(column)
                    )),
                    "total",
                )
                .filter(condition)
                .into_tuple::<i64>()
        };
        let earmarked_in =
            net(Condition::all().add(contribution::Column::EarmarkedAreaId.eq(area)))
                .one(db)
                .await?
                .ok_or_else(no_sum)?;
        let earmarked_elsewhere =
            net(Condition::all().add(contribution::Column::EarmarkedAreaId.ne(area)))
                .one(db)
                .await?
                .ok_or_else(no_sum)?;
        let unearmarked_in =
            net(Condition::all().add(contribution::Column::EarmarkedAreaId.is_null()))
                .one(db)
                .await?
                .ok_or_else(no_sum)?;
        let earmarked_out = drawn(
            transfer::Column::FromEarmarkedUsdCents,
            Condition::all().add(transfer::Column::ThematicAreaId.eq(area)),
        )
        .one(db)
        .await?
        .ok_or_else(no_sum)?;
        let earmarked_out_elsewhere = drawn(
            transfer::Column::FromEarmarkedUsdCents,
            Condition::all().add(transfer::Column::ThematicAreaId.ne(area)),
        )
        .one(db)
        .await?
        .ok_or_else(no_sum)?;
        let unearmarked_out = drawn(transfer::Column::FromUnearmarkedUsdCents, Condition::all())
            .one(db)
            .await?
            .ok_or_else(no_sum)?;
        let balance = |money_in: i64, money_out: i64| {
            money_in
                .checked_sub(money_out)
                .map(Usd::from_cents)
                .ok_or_else(|| anyhow::anyhow!("the fund's balance does not fit in cents"))
        };
        Ok(Availability {
            earmarked: balance(earmarked_in, earmarked_out)?,
            unearmarked: balance(unearmarked_in, unearmarked_out)?,
            other_areas: balance(earmarked_elsewhere, earmarked_out_elsewhere)?,
        })
    }
}

/// The funding decision that approved a concept note (the latest, if superseded).
pub async fn funding_decision_of<C: ConnectionTrait>(
    db: &C,
    note_id: i64,
) -> ServiceResult<Option<decision::Model>> {
    Ok(decision::Entity::find()
        .filter(decision::Column::ConceptNoteId.eq(note_id))
        .filter(decision::Column::Kind.eq(DecisionKind::Funding.as_str()))
        .order_by_desc(decision::Column::Id)
        .one(db)
        .await?)
}

/// The sum of a transfer column over the transfers where `by` is `id`, in cents.
pub(crate) async fn sum_cents<C: ConnectionTrait>(
    db: &C,
    amount: transfer::Column,
    by: transfer::Column,
    id: i64,
) -> ServiceResult<i64> {
    transfer::Entity::find()
        .select_only()
        .column_as(
            Expr::cust(format!(
                "COALESCE(CAST(SUM(transfer.{}) AS BIGINT), 0)",
                column_name(amount)
            )),
            "total",
        )
        .filter(by.eq(id))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or_else(no_sum)
}

/// A SUM always answers one row; none is a broken connection or database, never 0.
fn no_sum() -> ServiceError {
    anyhow::anyhow!("a SUM returned no row").into()
}

fn column_name(column: transfer::Column) -> &'static str {
    use sea_orm::IdenStatic;
    column.as_str()
}
