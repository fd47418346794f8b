//! Concept notes: intake from UN country teams and regional entities, the Fund Management Unit's
//! technical review, withdrawal. The steering committee's decisions are in `governance`.

use super::page::{self, Page, Window};
use super::search::Search;
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::{ConceptNoteStatus, Region, Scope, UserError, UserErrorCode};
use chrono::NaiveDate;
use entity::{
    concept_note, concept_note_country, concept_note_objective, concept_note_organization,
    concept_note_principle, concept_note_review, country,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeSet;

/// Filters shared by concept notes and joint programmes (which keep their note's countries,
/// objectives, principles and organizations).
#[derive(Default, Clone)]
pub struct PortfolioFilter {
    pub thematic_area_id: Option<i64>,
    pub objective_id: Option<i64>,
    pub principle_id: Option<i64>,
    pub country: Option<String>,
    pub region: Option<Region>,
    pub organization_id: Option<i64>,
    pub scope: Option<Scope>,
    pub search: Option<String>,
}

impl PortfolioFilter {
    /// Conditions on concept-note ids (`note_id`), for notes or the programmes made of them.
    pub fn condition(&self, note_id: impl sea_orm::ColumnTrait + Copy) -> Condition {
        let mut condition = Condition::all();
        if let Some(objective) = self.objective_id {
            condition = condition.add(
                note_id.in_subquery(
                    Query::select()
                        .column(concept_note_objective::Column::ConceptNoteId)
                        .from(concept_note_objective::Entity)
                        .and_where(concept_note_objective::Column::GcmObjectiveId.eq(objective))
                        .to_owned(),
                ),
            );
        }
        if let Some(principle) = self.principle_id {
            condition = condition.add(
                note_id.in_subquery(
                    Query::select()
                        .column(concept_note_principle::Column::ConceptNoteId)
                        .from(concept_note_principle::Entity)
                        .and_where(concept_note_principle::Column::GuidingPrincipleId.eq(principle))
                        .to_owned(),
                ),
            );
        }
        if let Some(code) = &self.country {
            condition = condition.add(
                note_id.in_subquery(
                    Query::select()
                        .column(concept_note_country::Column::ConceptNoteId)
                        .from(concept_note_country::Entity)
                        .and_where(
                            concept_note_country::Column::CountryCode.eq(code.to_uppercase()),
                        )
                        .to_owned(),
                ),
            );
        }
        if let Some(region) = self.region {
            condition = condition.add(
                note_id.in_subquery(
                    Query::select()
                        .column(concept_note_country::Column::ConceptNoteId)
                        .from(concept_note_country::Entity)
                        .inner_join(
                            country::Entity,
                            Expr::col((country::Entity, country::Column::Code)).eq(Expr::col((
                                concept_note_country::Entity,
                                concept_note_country::Column::CountryCode,
                            ))),
                        )
                        .and_where(country::Column::Region.eq(region.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(organization) = self.organization_id {
            condition = condition.add(
                note_id.in_subquery(
                    Query::select()
                        .column(concept_note_organization::Column::ConceptNoteId)
                        .from(concept_note_organization::Entity)
                        .and_where(
                            concept_note_organization::Column::OrganizationId.eq(organization),
                        )
                        .to_owned(),
                ),
            );
        }
        condition
    }
}

#[derive(Default, Clone)]
pub struct ConceptNoteFilter {
    pub common: PortfolioFilter,
    pub statuses: Vec<ConceptNoteStatus>,
    pub submitted_from: Option<NaiveDate>,
    pub submitted_to: Option<NaiveDate>,
    pub call_id: Option<i64>,
    pub ready_for_implementation: Option<bool>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConceptNoteOrder {
    NewestFirst,
    OldestFirst,
    RequestedBudgetDesc,
    Reference,
}

impl Services {
    pub async fn concept_notes(
        &self,
        ctx: &Ctx,
        filter: ConceptNoteFilter,
        order: ConceptNoteOrder,
        window: Window,
    ) -> ServiceResult<Page<concept_note::Model>> {
        let principal = policy::authenticated(ctx)?;
        let mut condition = self
            .policy
            .readable_concept_notes(principal)
            .add(filter.common.condition(concept_note::Column::Id));
        if let Some(area) = filter.common.thematic_area_id {
            condition = condition.add(concept_note::Column::ThematicAreaId.eq(area));
        }
        if let Some(scope) = filter.common.scope {
            condition = condition.add(concept_note::Column::Scope.eq(scope.as_str()));
        }
        if let Some(search) = Search::parse(filter.common.search.as_deref(), "filter.search")? {
            condition = condition.add(
                Condition::any()
                    .add(search.matches(concept_note::Column::Title))
                    .add(search.matches(concept_note::Column::Reference)),
            );
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                concept_note::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if let Some(call) = filter.call_id {
            condition = condition.add(concept_note::Column::CallId.eq(call));
        }
        match filter.ready_for_implementation {
            Some(true) => {
                condition =
                    condition.add(concept_note::Column::ProgrammeDocumentEndorsedOn.is_not_null())
            }
            Some(false) => {
                condition =
                    condition.add(concept_note::Column::ProgrammeDocumentEndorsedOn.is_null())
            }
            None => {}
        }
        if let Some(from) = filter.submitted_from {
            condition = condition.add(concept_note::Column::SubmittedOn.gte(from));
        }
        if let Some(to) = filter.submitted_to {
            condition = condition.add(concept_note::Column::SubmittedOn.lte(to));
        }
        let query = concept_note::Entity::find().filter(condition);
        let query = match order {
            ConceptNoteOrder::NewestFirst => query
                .order_by_desc(concept_note::Column::SubmittedOn)
                .order_by_desc(concept_note::Column::Id),
            ConceptNoteOrder::OldestFirst => query
                .order_by_asc(concept_note::Column::SubmittedOn)
                .order_by_asc(concept_note::Column::Id),
            ConceptNoteOrder::RequestedBudgetDesc => query
                .order_by_desc(concept_note::Column::RequestedBudgetUsdCents)
                .order_by_asc(concept_note::Column::Id),
            ConceptNoteOrder::Reference => query.order_by_asc(concept_note::Column::Reference),
        };
        page::fetch(&self.db, query, window).await
    }

    /// One concept note, or `FORBIDDEN` when the caller may not read it yet.
    pub async fn concept_note(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<concept_note::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(note) = concept_note::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let organizations = organization_ids_of(&self.db, id).await?;
        self.policy.require_concept_note(
            principal,
            ConceptNoteStatus::from_stored(&note.status)?,
            &organizations,
        )?;
        Ok(Some(note))
    }

    pub async fn concept_note_review(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<concept_note_review::Model>> {
        let Some(review) = concept_note_review::Entity::find_by_id(id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        // Reviews are read with their note's rights.
        Ok(self
            .concept_note(ctx, review.concept_note_id)
            .await?
            .map(|_| review))
    }
}

/// The participating organizations (convening included) of a note.
pub async fn organization_ids_of<C: ConnectionTrait>(
    db: &C,
    note_id: i64,
) -> ServiceResult<Vec<i64>> {
    Ok(concept_note_organization::Entity::find()
        .select_only()
        .column(concept_note_organization::Column::OrganizationId)
        .filter(concept_note_organization::Column::ConceptNoteId.eq(note_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// `MPTF-CN-2021-0042`: the year submitted and the note's number.
pub fn note_reference(submitted_on: NaiveDate, id: i64) -> String {
    use chrono::Datelike;
    format!("MPTF-CN-{}-{id:04}", submitted_on.year())
}

/// Writes a note's countries, objectives, principles and organizations.
pub async fn link_concept_note<C: ConnectionTrait>(
    db: &C,
    note_id: i64,
    countries: &BTreeSet<String>,
    objectives: &BTreeSet<i64>,
    principles: &BTreeSet<i64>,
    organizations: &BTreeSet<i64>,
) -> ServiceResult<()> {
    if !countries.is_empty() {
        concept_note_country::Entity::insert_many(countries.iter().map(|code| {
            concept_note_country::ActiveModel {
                concept_note_id: Set(note_id),
                country_code: Set(code.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    concept_note_objective::Entity::insert_many(objectives.iter().map(|id| {
        concept_note_objective::ActiveModel {
            concept_note_id: Set(note_id),
            gcm_objective_id: Set(*id),
        }
    }))
    .exec(db)
    .await?;
    if !principles.is_empty() {
        concept_note_principle::Entity::insert_many(principles.iter().map(|id| {
            concept_note_principle::ActiveModel {
                concept_note_id: Set(note_id),
                guiding_principle_id: Set(*id),
            }
        }))
        .exec(db)
        .await?;
    }
    concept_note_organization::Entity::insert_many(organizations.iter().map(|id| {
        concept_note_organization::ActiveModel {
            concept_note_id: Set(note_id),
            organization_id: Set(*id),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Checks that every id names an existing row, or answers `NOT_FOUND` on `field`.
pub(crate) async fn expect_all<E, C>(
    db: &C,
    id: E::Column,
    ids: &BTreeSet<i64>,
    field: &str,
    what: &str,
) -> ServiceResult<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if ids.is_empty() {
        return Ok(());
    }
    let found = E::find()
        .filter(id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .len();
    if found != ids.len() {
        return Err(UserError::new(
            UserErrorCode::NotFound,
            &[field],
            format!("one of these is not a known {what}"),
        )
        .into());
    }
    Ok(())
}
