//! Joint programmes: the reads, and what the fund holds for a programme (the commands that
//! create programmes and move their money are in `commands::programmes`).

use super::concept_notes::PortfolioFilter;
use super::page::{self, Page, Window};
use super::search::Search;
use super::{policy, Ctx, ServiceResult, Services};
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
