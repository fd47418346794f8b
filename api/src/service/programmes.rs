//! Joint programmes: the reads, and what the fund holds for a programme (the commands that
//! create programmes and move their money are in `commands::programmes`).

use super::arithmetic::{self, books, books::BooksScope};
use super::concept_notes::PortfolioFilter;
use super::page::{self, Page, Window};
use super::search::Search;
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::calendar;
use crate::domain::{DecisionKind, DecisionStatus, ProgrammeStatus};
use chrono::NaiveDate;
use entity::{decision, joint_programme};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

#[derive(Default, Clone)]
pub struct ProgrammeFilter {
    pub common: PortfolioFilter,
    pub statuses: Vec<ProgrammeStatus>,
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
    /// The day `ends_by` and `delivery_below_time_elapsed` count from; today when `None`.
    pub as_of: Option<NaiveDate>,
    /// Only programmes ending from `as_of` to this day, both included.
    pub ends_by: Option<NaiveDate>,
    /// Only programmes whose delivery trails their time elapsed on `as_of` (`true`), or keeps up
    /// with it (`false`).
    pub delivery_below_time_elapsed: Option<bool>,
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
        if let Some(ends_by) = filter.ends_by {
            condition = condition
                .add(joint_programme::Column::EndDate.gte(as_of))
                .add(joint_programme::Column::EndDate.lte(ends_by));
        }
        if filter.delivery_below_time_elapsed.is_some() {
            // Delivery is counted on the books as they stood that day, so only a programme
            // that has started has a time elapsed to trail.
            condition = condition.add(joint_programme::Column::StartDate.lte(as_of));
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
        match filter.delivery_below_time_elapsed {
            None => page::fetch(&self.db, query, window).await,
            Some(below) => {
                let candidates = query.all(&self.db).await?;
                let trailing = self.trailing_their_time(&candidates, as_of).await?;
                let rows = candidates
                    .into_iter()
                    .filter(|p| trailing.contains(&p.id) == below)
                    .collect();
                Ok(Page::of(rows, window))
            }
        }
    }

    /// Of `programmes`, those whose delivery on `as_of` (expenditure over net funding, the books
    /// as they stood that day) is below their time elapsed; a programme funded with nothing yet
    /// delivers nothing.
    async fn trailing_their_time(
        &self,
        programmes: &[joint_programme::Model],
        as_of: NaiveDate,
    ) -> ServiceResult<std::collections::HashSet<i64>> {
        let scope = BooksScope {
            as_of: Some(as_of),
            ..BooksScope::default()
        };
        let ids: Vec<i64> = programmes.iter().map(|p| p.id).collect();
        let money: std::collections::HashMap<i64, _> =
            books::money_of_programmes(&self.db, &scope, &ids)
                .await?
                .into_iter()
                .collect();
        let mut trailing = std::collections::HashSet::new();
        for programme in programmes {
            let elapsed = calendar::time_elapsed(programme.start_date, programme.end_date, as_of);
            let delivery = match money.get(&programme.id) {
                Some(m) => m.with_organizations().delivery_rate()?,
                None => None,
            };
            if arithmetic::trails(delivery, elapsed) {
                trailing.insert(programme.id);
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
