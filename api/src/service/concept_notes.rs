//! Concept notes: intake from UN country teams and regional entities, the Fund Management Unit's
//! technical review, withdrawal. The steering committee's decisions are in `governance`.

use super::page::{self, Page, Window};
use super::search::Search;
use super::totals::within_fund_total;
use super::{audit, claim_version, events, policy, Ctx, ServiceError, ServiceResult, Services};
use crate::domain::workflow::Markers;
use crate::domain::{
    ConceptNoteStatus, Region, ReviewOutcome, Role, Scope, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use chrono::NaiveDate;
use entity::{
    concept_note, concept_note_country, concept_note_objective, concept_note_organization,
    concept_note_principle, concept_note_review, country, gcm_objective, guiding_principle,
    organization, thematic_area, thematic_area_objective,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
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
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConceptNoteOrder {
    NewestFirst,
    OldestFirst,
    RequestedBudgetDesc,
    Reference,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewConceptNote {
    pub title: String,
    pub summary: String,
    pub scope: Scope,
    pub countries: Vec<String>,
    pub thematic_area_id: i64,
    pub objective_ids: Vec<i64>,
    pub principle_ids: Vec<i64>,
    pub convening_organization_id: i64,
    pub participating_organization_ids: Vec<i64>,
    pub requested_budget_usd: Decimal,
    pub duration_months: i32,
    pub gender_marker: i32,
    pub human_rights_marker: i32,
    pub child_sensitivity_marker: i32,
    pub submitted_on: Option<NaiveDate>,
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

    /// Receives a concept note. A PUNO submits as the convening organization; the Fund
    /// Management Unit may enter one on an organization's behalf.
    pub async fn submit_concept_note(
        &self,
        ctx: &Ctx,
        input: NewConceptNote,
    ) -> ServiceResult<concept_note::Model> {
        let principal = ctx.require(&[Role::Admin, Role::Puno], "submit concept notes")?;
        if principal.role == Role::Puno
            && principal.organization_id != Some(input.convening_organization_id)
        {
            return Err(UserError::new(
                UserErrorCode::Validation,
                &["convening"],
                "a participating organization submits concept notes as their convening organization",
            )
            .into());
        }
        let title = Text::Title.required(&input.title, "title")?;
        let summary = Text::Summary.required(&input.summary, "summary")?;
        let budget = Usd::parse_positive(input.requested_budget_usd, "requestedBudgetUsd")?;
        if !(1..=120).contains(&input.duration_months) {
            return Err(UserError::validation(
                "durationMonths",
                "a joint programme lasts 1 to 120 months",
            )
            .into());
        }
        let markers = Markers::parse(
            input.gender_marker,
            input.human_rights_marker,
            input.child_sensitivity_marker,
        )?;
        let countries: BTreeSet<String> = input
            .countries
            .iter()
            .map(|c| c.trim().to_uppercase())
            .collect();
        match (input.scope, countries.len()) {
            (Scope::National, 1) | (Scope::Regional, 2..) | (Scope::Global, _) => {}
            (Scope::National, _) => {
                return Err(UserError::validation(
                    "countries",
                    "a national concept note names exactly one country",
                )
                .into())
            }
            (Scope::Regional, _) => {
                return Err(UserError::validation(
                    "countries",
                    "a regional concept note names at least two countries",
                )
                .into())
            }
        }
        let objectives: BTreeSet<i64> = input.objective_ids.iter().copied().collect();
        if objectives.is_empty() {
            return Err(UserError::validation(
                "objectives",
                "a concept note addresses at least one GCM objective",
            )
            .into());
        }
        let principles: BTreeSet<i64> = input.principle_ids.iter().copied().collect();
        let mut organizations: BTreeSet<i64> = input
            .participating_organization_ids
            .iter()
            .copied()
            .collect();
        organizations.insert(input.convening_organization_id);
        if organizations.len() < 2 {
            return Err(UserError::validation(
                "participatingOrganizations",
                "a joint programme brings together the convening organization and at least one more participating organization",
            )
            .into());
        }
        let submitted_on = input
            .submitted_on
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        if submitted_on > chrono::Utc::now().date_naive() {
            return Err(UserError::validation(
                "submittedOn",
                "a concept note cannot be submitted in the future",
            )
            .into());
        }

        let txn = self.db.begin().await?;
        within_fund_total::<concept_note::Entity, _>(
            &txn,
            concept_note::Column::RequestedBudgetUsdCents,
            Condition::all(),
            budget.cents(),
            "requestedBudgetUsd",
        )
        .await?;
        thematic_area::Entity::find_by_id(input.thematic_area_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("thematicArea", "thematic area"))?;
        expect_all::<gcm_objective::Entity, _>(
            &txn,
            gcm_objective::Column::Id,
            &objectives,
            "objectives",
            "GCM objective",
        )
        .await?;
        expect_all::<guiding_principle::Entity, _>(
            &txn,
            guiding_principle::Column::Id,
            &principles,
            "guidingPrinciples",
            "guiding principle",
        )
        .await?;
        expect_all::<organization::Entity, _>(
            &txn,
            organization::Column::Id,
            &organizations,
            "participatingOrganizations",
            "organization",
        )
        .await?;
        let known_countries = country::Entity::find()
            .filter(country::Column::Code.is_in(countries.iter().cloned()))
            .count(&txn)
            .await?;
        if known_countries != countries.len() as u64 {
            return Err(UserError::validation(
                "countries",
                "every country is an ISO 3166-1 alpha-3 code",
            )
            .into());
        }
        let in_area = thematic_area_objective::Entity::find()
            .filter(thematic_area_objective::Column::ThematicAreaId.eq(input.thematic_area_id))
            .filter(
                thematic_area_objective::Column::GcmObjectiveId.is_in(objectives.iter().copied()),
            )
            .count(&txn)
            .await?;
        if in_area == 0 {
            return Err(UserError::validation(
                "thematicArea",
                "the thematic area must cluster at least one of the note's objectives",
            )
            .into());
        }

        let created = concept_note::ActiveModel {
            // Replaced by a reference made of the id, just below.
            reference: Set(format!("pending-{}", uuid::Uuid::new_v4())),
            title: Set(title),
            summary: Set(summary),
            scope: Set(input.scope.as_str().to_owned()),
            thematic_area_id: Set(input.thematic_area_id),
            convening_organization_id: Set(input.convening_organization_id),
            requested_budget_usd_cents: Set(budget.cents()),
            duration_months: Set(input.duration_months),
            gender_marker: Set(markers.gender),
            human_rights_marker: Set(markers.human_rights),
            child_sensitivity_marker: Set(markers.child_sensitivity),
            submitted_on: Set(submitted_on),
            status: Set(ConceptNoteStatus::Submitted.as_str().to_owned()),
            submitted_by: Set(principal.subject.clone()),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut row: concept_note::ActiveModel = created.clone().into();
        row.reference = Set(note_reference(submitted_on, created.id));
        let created = row.update(&txn).await?;
        link_concept_note(
            &txn,
            created.id,
            &countries,
            &objectives,
            &principles,
            &organizations,
        )
        .await?;
        audit::record(
            &txn,
            ctx,
            "submitConceptNote",
            (Kind::ConceptNote, created.id),
            None,
            serde_json::json!({
                "note": audit::snapshot(&created),
                "countries": countries, "objectives": objectives, "principles": principles, "organizations": organizations,
            }),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::ConceptNote,
                created.id,
                format!("Concept note {} submitted", created.reference),
            )
            .about_concept_note(
                ConceptNoteStatus::from_stored(&created.status)?,
                organizations.iter().copied().collect(),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }

    /// The Fund Management Unit's technical review: the first review takes a submitted note
    /// under review (or screens it out); further reviews add to the record.
    pub async fn review_concept_note(
        &self,
        ctx: &Ctx,
        note_id: i64,
        outcome: ReviewOutcome,
        score: Option<i32>,
        comments: &str,
    ) -> ServiceResult<(concept_note::Model, concept_note_review::Model)> {
        let principal = ctx.require(&[Role::Admin], "review concept notes")?;
        let comments = Text::Comments.required(comments, "comments")?;
        if let Some(score) = score {
            if !(0..=100).contains(&score) {
                return Err(UserError::validation("score", "a technical score is 0 to 100").into());
            }
        }
        let txn = self.db.begin().await?;
        let before = super::lock_row::<concept_note::Entity>(&txn, note_id)
            .await?
            .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
        if before.submitted_by == principal.subject {
            return Err(UserError::new(UserErrorCode::SeparationOfDuties, &["conceptNote"], "you submitted this concept note: another member of the Fund Management Unit must review it").into());
        }
        let status = ConceptNoteStatus::from_stored(&before.status)?;
        let next = match (status, outcome) {
            (ConceptNoteStatus::Submitted, ReviewOutcome::ScreenedOut) => ConceptNoteStatus::ScreenedOut,
            (ConceptNoteStatus::Submitted, _) => ConceptNoteStatus::UnderReview,
            (ConceptNoteStatus::UnderReview, ReviewOutcome::Recommended | ReviewOutcome::NotRecommended) => ConceptNoteStatus::UnderReview,
            (from, _) => {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["conceptNote"],
                    format!("a {} review can be recorded on a submitted note, or added to one under review; this one is {from}", outcome),
                )
                .into())
            }
        };
        let review = concept_note_review::ActiveModel {
            concept_note_id: Set(note_id),
            outcome: Set(outcome.as_str().to_owned()),
            score: Set(score),
            comments: Set(comments),
            reviewed_by: Set(principal.subject.clone()),
            reviewed_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut row: concept_note::ActiveModel = before.clone().into();
        row.status = Set(next.as_str().to_owned());
        let after = row.update(&txn).await?;
        audit::record(&txn, ctx, "reviewConceptNote", (Kind::ConceptNote, note_id), Some(audit::snapshot(&before)), serde_json::json!({ "note": audit::snapshot(&after), "review": audit::snapshot(&review) })).await?;
        let organizations = organization_ids_of(&txn, note_id).await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::ConceptNote,
                note_id,
                format!("Concept note {} reviewed: {}", after.reference, outcome),
            )
            .about_concept_note(next, organizations),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok((after, review))
    }

    /// The convening organization (or the Fund Management Unit for it) withdraws a note that
    /// has not been approved.
    pub async fn withdraw_concept_note(
        &self,
        ctx: &Ctx,
        note_id: i64,
        expected_version: i32,
        reason: &str,
    ) -> ServiceResult<concept_note::Model> {
        let principal = ctx.require(&[Role::Admin, Role::Puno], "withdraw concept notes")?;
        let reason = Text::Reason.required(reason, "reason")?;
        let txn = self.db.begin().await?;
        let before = concept_note::Entity::find_by_id(note_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
        if principal.role == Role::Puno
            && principal.organization_id != Some(before.convening_organization_id)
        {
            return Err(ServiceError::Forbidden(
                "only the convening organization withdraws its concept note".to_owned(),
            ));
        }
        let next = ConceptNoteStatus::from_stored(&before.status)?
            .transition(ConceptNoteStatus::Withdrawn)?;
        claim_version::<concept_note::Entity>(&txn, note_id, before.version, expected_version)
            .await?;
        let mut row: concept_note::ActiveModel = before.clone().into();
        row.status = Set(next.as_str().to_owned());
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "withdrawConceptNote",
            (Kind::ConceptNote, note_id),
            Some(audit::snapshot(&before)),
            serde_json::json!({ "note": audit::snapshot(&after), "reason": reason }),
        )
        .await?;
        let organizations = organization_ids_of(&txn, note_id).await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::ConceptNote,
                note_id,
                format!("Concept note {} withdrawn", after.reference),
            )
            .about_concept_note(next, organizations),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(after)
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
async fn expect_all<E, C>(
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
