//! Concept notes: the commands for intake from UN country teams and regional entities, the Fund
//! Management Unit's technical review, and withdrawal (the steering committee's decisions are in
//! `commands::governance`). Each command states who may run it, its rules and its effect; the
//! envelope does the rest (see [`crate::service::envelope`]). Reads are in `service::concept_notes`.

use crate::domain::calls::Answer;
use crate::domain::workflow::Markers;
use crate::domain::{
    ConceptNoteStatus, PartnerKind, ReviewOutcome, Role, Scope, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::audit::snapshot;
use crate::service::commands::calls::terms_of;
use crate::service::concept_notes::{
    expect_all, link_concept_note, note_reference, organization_ids_of,
};
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::totals::within_fund_total;
use crate::service::{claim_version, lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{
    concept_note, concept_note_review, country, gcm_objective, guiding_principle, national_partner,
    organization, thematic_area, thematic_area_objective,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde::Serialize;
use std::collections::BTreeSet;

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
    /// The call the note answers; `None` for the fund's direct intake.
    pub call_id: Option<i64>,
    pub national_partners: Vec<NewNationalPartner>,
}

/// A national partner named with a concept note.
#[derive(Serialize, Clone, Debug)]
pub struct NewNationalPartner {
    pub name: String,
    pub kind: PartnerKind,
}

/// The most national partners one note names.
const MAX_NATIONAL_PARTNERS: usize = 50;

/// Receives a concept note (a PUNO as its convening organization, or the Fund Management Unit on
/// an organization's behalf): its countries fit its scope, it addresses at least one GCM
/// objective its thematic area clusters, and brings together at least two organizations. A note
/// answering a call meets the call's terms (its window, scopes, areas and ceiling).
pub async fn submit_concept_note(
    fund: &Services,
    ctx: &Ctx,
    input: NewConceptNote,
) -> ServiceResult<concept_note::Model> {
    let command = Command::new(
        ctx,
        "submitConceptNote",
        &[Role::Admin, Role::Puno],
        "submit concept notes",
    )?;
    let principal = command.principal();
    if !principal.acts_for(input.convening_organization_id) {
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
    if input.national_partners.len() > MAX_NATIONAL_PARTNERS {
        let message =
            format!("a concept note names at most {MAX_NATIONAL_PARTNERS} national partners");
        return Err(UserError::validation("nationalPartners", message).into());
    }
    let partners = input
        .national_partners
        .iter()
        .map(|p| Ok((Text::Name.required(&p.name, "nationalPartners")?, p.kind)))
        .collect::<Result<Vec<_>, UserError>>()?;
    let today = chrono::Utc::now().date_naive();
    let submitted_on = input.submitted_on.unwrap_or(today);
    if submitted_on > today {
        return Err(UserError::validation(
            "submittedOn",
            "a concept note cannot be submitted in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            within_fund_total::<concept_note::Entity, _>(txn, concept_note::Column::RequestedBudgetUsdCents, Condition::all(), budget.cents(), "requestedBudgetUsd").await?;
            if let Some(call) = input.call_id {
                let answer = Answer { submitted_on, scope: input.scope, thematic_area_id: input.thematic_area_id, requested: budget };
                terms_of(txn, call).await?.admits(answer)?;
            }
            thematic_area::Entity::find_by_id(input.thematic_area_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("thematicArea", "thematic area"))?;
            expect_all::<gcm_objective::Entity, _>(txn, gcm_objective::Column::Id, &objectives, "objectives", "GCM objective").await?;
            expect_all::<guiding_principle::Entity, _>(txn, guiding_principle::Column::Id, &principles, "guidingPrinciples", "guiding principle").await?;
            expect_all::<organization::Entity, _>(txn, organization::Column::Id, &organizations, "participatingOrganizations", "organization").await?;
            let known_countries = country::Entity::find()
                .filter(country::Column::Code.is_in(countries.iter().cloned()))
                .count(txn)
                .await?;
            if known_countries != countries.len() as u64 {
                return Err(UserError::validation("countries", "every country is an ISO 3166-1 alpha-3 code").into());
            }
            let in_area = thematic_area_objective::Entity::find()
                .filter(thematic_area_objective::Column::ThematicAreaId.eq(input.thematic_area_id))
                .filter(thematic_area_objective::Column::GcmObjectiveId.is_in(objectives.iter().copied()))
                .count(txn)
                .await?;
            if in_area == 0 {
                return Err(UserError::validation("thematicArea", "the thematic area must cluster at least one of the note's objectives").into());
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
                call_id: Set(input.call_id),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut row: concept_note::ActiveModel = created.clone().into();
            row.reference = Set(note_reference(submitted_on, created.id));
            let created = row.update(txn).await?;
            link_concept_note(txn, created.id, &countries, &objectives, &principles, &organizations).await?;
            if !partners.is_empty() {
                national_partner::Entity::insert_many(partners.iter().map(|(name, kind)| national_partner::ActiveModel {
                    concept_note_id: Set(created.id),
                    name: Set(name.clone()),
                    kind: Set(kind.as_str().to_owned()),
                    ..Default::default()
                }))
                .exec(txn)
                .await?;
            }
            effect.audit((Kind::ConceptNote, created.id), None, serde_json::json!({
                "note": snapshot(&created),
                "countries": countries, "objectives": objectives, "principles": principles, "organizations": organizations,
                "nationalPartners": partners,
            }));
            let summary = format!("Concept note {} submitted", created.reference);
            effect.announce(
                NewEvent::status_change(Kind::ConceptNote, created.id, summary).about_concept_note(
                    ConceptNoteStatus::from_stored(&created.status)?,
                    organizations.iter().copied().collect(),
                ),
            );
            Ok(created)
        })
        .await
}

/// The Fund Management Unit's technical review (ADMIN, not the note's submitter): the first
/// review takes a submitted note under review (or screens it out); further reviews add to the
/// record.
pub async fn review_concept_note(
    fund: &Services,
    ctx: &Ctx,
    note_id: i64,
    outcome: ReviewOutcome,
    score: Option<i32>,
    comments: &str,
) -> ServiceResult<(concept_note::Model, concept_note_review::Model)> {
    let command = Command::new(
        ctx,
        "reviewConceptNote",
        &[Role::Admin],
        "review concept notes",
    )?;
    let reviewer = command.principal().subject.clone();
    let comments = Text::Comments.required(comments, "comments")?;
    if score.is_some_and(|score| !(0..=100).contains(&score)) {
        return Err(UserError::validation("score", "a technical score is 0 to 100").into());
    }
    command
        .run(fund, async |txn, effect| {
            let before = lock_row::<concept_note::Entity>(txn, note_id)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
            if before.submitted_by == reviewer {
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
                        format!("a {outcome} review can be recorded on a submitted note, or added to one under review; this one is {from}"),
                    )
                    .into())
                }
            };
            let review = concept_note_review::ActiveModel {
                concept_note_id: Set(note_id),
                outcome: Set(outcome.as_str().to_owned()),
                score: Set(score),
                comments: Set(comments),
                reviewed_by: Set(reviewer),
                reviewed_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut row: concept_note::ActiveModel = before.clone().into();
            row.status = Set(next.as_str().to_owned());
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::ConceptNote, note_id),
                Some(snapshot(&before)),
                serde_json::json!({ "note": snapshot(&after), "review": snapshot(&review) }),
            );
            let summary = format!("Concept note {} reviewed: {}", after.reference, outcome);
            let organizations = organization_ids_of(txn, note_id).await?;
            effect.announce(NewEvent::status_change(Kind::ConceptNote, note_id, summary).about_concept_note(next, organizations));
            Ok((after, review))
        })
        .await
}

/// The convening organization (or the Fund Management Unit for it) withdraws a note that has not
/// been approved, with a reason.
pub async fn withdraw_concept_note(
    fund: &Services,
    ctx: &Ctx,
    note_id: i64,
    expected_version: i32,
    reason: &str,
) -> ServiceResult<concept_note::Model> {
    let command = Command::new(
        ctx,
        "withdrawConceptNote",
        &[Role::Admin, Role::Puno],
        "withdraw concept notes",
    )?;
    let principal = command.principal();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let before = concept_note::Entity::find_by_id(note_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
            if !principal.acts_for(before.convening_organization_id) {
                return Err(ServiceError::Forbidden(
                    "only the convening organization withdraws its concept note".to_owned(),
                ));
            }
            let next = ConceptNoteStatus::from_stored(&before.status)?
                .transition(ConceptNoteStatus::Withdrawn)?;
            claim_version::<concept_note::Entity>(txn, note_id, before.version, expected_version)
                .await?;
            let mut row: concept_note::ActiveModel = before.clone().into();
            row.status = Set(next.as_str().to_owned());
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::ConceptNote, note_id),
                Some(snapshot(&before)),
                serde_json::json!({ "note": snapshot(&after), "reason": reason }),
            );
            let summary = format!("Concept note {} withdrawn", after.reference);
            let organizations = organization_ids_of(txn, note_id).await?;
            effect.announce(
                NewEvent::status_change(Kind::ConceptNote, note_id, summary)
                    .about_concept_note(next, organizations),
            );
            Ok(after)
        })
        .await
}
