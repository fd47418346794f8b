//! Joint programmes: the reads, and what the fund holds for a programme (the commands that
//! create programmes and move their money are in `commands::programmes`).

use super::arithmetic::books::{self, BooksScope, WithOrganizations};
use super::concept_notes::PortfolioFilter;
use super::page::{self, Page, Window};
use super::search::Search;
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::{calendar, DecisionKind, DecisionStatus, ProgrammeStatus};
use chrono::NaiveDate;
use entity::{decision, joint_programme};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

#[derive(Default, Clone)]
pub struct ProgrammeFilter {
    pub common: PortfolioFilter,
    pub statuses: Vec<ProgrammeStatus>,
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
    /// The day the next two count from; today when `None`.
    pub as_of: Option<NaiveDate>,
    /// Only programmes ending from `as_of` to this many days after it.
    pub ending_within_days: Option<u64>,
    /// Only programmes whose delivery trails their time elapsed on `as_of` (`true`), or only the
    /// others (`false`).
    pub delivery_below_time_elapsed: Option<bool>,
}

/// A programme's money for the delivery filter, in USD cents.
#[derive(Debug, Clone, Copy, sea_orm::FromQueryResult)]
struct Delivered {
    joint_programme_id: i64,
    transferred: i64,
    expenditure: i64,
    refunds: i64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProgrammeOrder {
    Code,
    NewestFirst,
    ApprovedBudgetDesc,
}

impl Services {
    pub async fn joint_programmes(
        &self,
        ctx: &Ctx,
        filter: ProgrammeFilter,
        order: ProgrammeOrder,
        window: Window,
    ) -> ServiceResult<Page<joint_programme::Model>> {
        policy::authenticated(ctx)?;
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
        let as_of = filter
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        if let Some(days) = filter.ending_within_days {
            let last = as_of
                .checked_add_days(chrono::Days::new(days))
                .unwrap_or(NaiveDate::MAX);
            condition = condition
                .add(joint_programme::Column::EndDate.gte(as_of))
                .add(joint_programme::Column::EndDate.lte(last));
        }
        if let Some(below) = filter.delivery_below_time_elapsed {
            let trailing = self.delivery_trailing(as_of).await?;
            condition = condition.add(if below {
                joint_programme::Column::Id.is_in(trailing)
            } else {
                joint_programme::Column::Id.is_not_in(trailing)
            });
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

    /// The programmes whose delivery rate (the arithmetic's, over the books as of `as_of`) is
    /// below their time elapsed on `as_of` (`calendar::time_elapsed`); one without a delivery
    /// rate (nothing transferred) is not among them.
    async fn delivery_trailing(&self, as_of: NaiveDate) -> ServiceResult<Vec<i64>> {
        let scope = BooksScope {
            as_of: Some(as_of),
            ..BooksScope::default()
        };
        let select = books::by_programme(&scope, Condition::all());
        let money: HashMap<i64, Delivered> =
            Delivered::find_by_statement(self.db.get_database_backend().build(&select))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|m| (m.joint_programme_id, m))
                .collect();
        let mut trailing = Vec::new();
        for programme in joint_programme::Entity::find().all(&self.db).await? {
            let Some(m) = money.get(&programme.id) else {
                continue;
            };
            let delivery = WithOrganizations {
                transferred: m.transferred,
                expenditure: m.expenditure,
                refunds: m.refunds,
            }
            .delivery_rate()?;
            let elapsed = calendar::time_elapsed(programme.start_date, programme.end_date, as_of);
            if delivery.zip(elapsed).is_some_and(|(d, e)| d < e) {
                trailing.push(programme.id);
            }
        }
        Ok(trailing)
    }

    pub async fn joint_programme(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<joint_programme::Model>> {
        policy::authenticated(ctx)?;
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
        policy::authenticated(ctx)?;
        Ok(E::find_by_id(id).one(&self.db).await?)
    }
}

/// The funding decision in effect that approved a concept note (the latest, if superseded).
pub async fn funding_decision_of<C: ConnectionTrait>(
    db: &C,
    note_id: i64,
) -> ServiceResult<Option<decision::Model>> {
    Ok(decision::Entity::find()
        .filter(decision::Column::ConceptNoteId.eq(note_id))
        .filter(decision::Column::Kind.eq(DecisionKind::Funding.as_str()))
        .filter(decision::Column::Status.eq(DecisionStatus::Adopted.as_str()))
        .order_by_desc(decision::Column::Id)
        .one(db)
        .await?)
}
