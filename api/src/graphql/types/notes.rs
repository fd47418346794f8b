//! Concept notes and their technical reviews.

use super::governance::Decision;
use super::programmes::JointProgramme;
use super::reference::*;
use super::{usd, Markers};
use crate::domain::{ConceptNoteStatus, ReviewOutcome, Scope};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::ServiceError;
use async_graphql::{Context, Object, Result, ID};
use entity::{concept_note, concept_note_review};

/// A concept note the caller may read, through the request's loaders (batched per level of the
/// document, whatever the number of parents): `Ok(None)` when there is none, `FORBIDDEN` when the
/// caller may not read it yet. The rule itself is the server's `ReadPolicy` (`service::policy`).
pub async fn readable_concept_note(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Option<concept_note::Model>> {
    let principal = check(ctx, ctx.actor().principal())?;
    let Some(note) = loaded(ctx, ctx.loader().load_one(ConceptNoteById(id)).await)? else {
        return Ok(None);
    };
    let status = check(
        ctx,
        ConceptNoteStatus::from_stored(&note.status).map_err(ServiceError::from),
    )?;
    let organizations = organizations_deciding(ctx, principal, &note, status).await?;
    check(
        ctx,
        ctx.services()
            .policy
            .require_concept_note(principal, status, &organizations),
    )?;
    Ok(Some(note))
}

/// Whether the caller may read `note`, a row already at hand (a call's notes), by the same rule
/// and through the same loaders as [`readable_concept_note`].
pub async fn may_read_note(ctx: &Context<'_>, note: &concept_note::Model) -> Result<bool> {
    let principal = check(ctx, ctx.actor().principal())?;
    let status = check(
        ctx,
        ConceptNoteStatus::from_stored(&note.status).map_err(ServiceError::from),
    )?;
    let organizations = organizations_deciding(ctx, principal, note, status).await?;
    Ok(ctx
        .services()
        .policy
        .may_read_concept_note(principal, status, &organizations))
}

/// The note's organizations when the read rule needs them: only for an unpublished note, and a
/// caller who does not read everything (so a loader batch is saved).
async fn organizations_deciding(
    ctx: &Context<'_>,
    principal: &crate::auth::Principal,
    note: &concept_note::Model,
    status: ConceptNoteStatus,
) -> Result<Vec<i64>> {
    if ctx.services().policy.needs_organizations(principal, status) {
        Ok(loaded(
            ctx,
            ctx.loader().load_one(OrganizationsOfNote(note.id)).await,
        )?
        .unwrap_or_default())
    } else {
        Ok(Vec::new())
    }
}

/// A proposal for a joint programme, from a UN country team or a regional or global entity.
pub struct ConceptNote(pub concept_note::Model);

/// A proposal for a joint programme, from a UN country team or a regional or global entity,
/// answering the fund's call. ADMIN, STEERING_COMMITTEE and AUDITOR read every note; a PUNO its own
/// organization's notes in any status; everyone else (and a PUNO for others' notes) from `PIPELINE`
/// on — an earlier note is `FORBIDDEN` through `node` and left out of lists.
#[Object]
impl ConceptNote {
    /// The note's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ConceptNote, self.0.id))
    }
    /// The note's reference, given on submission and unique in the fund (e.g. `MPTF-CN-2021-0042`:
    /// the year submitted and the note's number).
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// The proposed programme's title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The proposal in brief: the problem, what the programme would do, with whom.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// National, regional or global.
    async fn scope(&self) -> Result<Option<Scope>> {
        Ok(Some(Scope::from_stored(&self.0.scope)?))
    }
    /// The countries the proposal covers. At most 60 for one parent; the query cost counts that
    /// many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::COUNTRIES, child_complexity)"
    )]
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<Country>> {
        let codes = loaded(ctx, ctx.loader().load_one(CountriesOfNote(self.0.id)).await)?
            .unwrap_or_default();
        countries_by_code(
            ctx,
            codes
                .into_iter()
                .take(crate::graphql::limits::rows::COUNTRIES)
                .collect(),
        )
        .await
    }
    /// The thematic area the proposal serves.
    async fn thematic_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        area_by_id(ctx, self.0.thematic_area_id).await
    }
    /// The GCM objectives the proposal addresses, by number.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::OBJECTIVES, child_complexity)"
    )]
    async fn objectives(&self, ctx: &Context<'_>) -> Result<Vec<GcmObjective>> {
        let ids = loaded(
            ctx,
            ctx.loader().load_one(ObjectivesOfNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        objectives_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::OBJECTIVES)],
        )
        .await
    }
    /// The guiding principles the proposal applies.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PRINCIPLES, child_complexity)"
    )]
    async fn guiding_principles(&self, ctx: &Context<'_>) -> Result<Vec<GuidingPrinciple>> {
        let ids = loaded(
            ctx,
            ctx.loader().load_one(PrinciplesOfNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        principles_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::PRINCIPLES)],
        )
        .await
    }
    /// The convening organization, which leads the programme.
    async fn convening(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.convening_organization_id).await
    }
    /// All participating organizations, the convening one included.
    /// At most 20 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ORGANIZATIONS, child_complexity)"
    )]
    async fn participating_organizations(&self, ctx: &Context<'_>) -> Result<Vec<Organization>> {
        let ids = loaded(
            ctx,
            ctx.loader().load_one(OrganizationsOfNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        organizations_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::ORGANIZATIONS)],
        )
        .await
    }
    /// The budget requested from the fund, in USD.
    async fn requested_budget_usd(&self) -> Decimal {
        usd(self.0.requested_budget_usd_cents)
    }
    /// The proposed duration of the programme, in months.
    async fn duration_months(&self) -> i32 {
        self.0.duration_months
    }
    /// The proposal's gender, human-rights and child-sensitivity markers, each 0 to 3.
    async fn markers(&self) -> Markers {
        Markers {
            gender: self.0.gender_marker,
            human_rights: self.0.human_rights_marker,
            child_sensitivity: self.0.child_sensitivity_marker,
        }
    }
    /// The date the note was submitted to the call.
    async fn submitted_on(&self) -> Date {
        Date(self.0.submitted_on)
    }
    /// The call the note answers; `null` for the fund's direct intake.
    async fn call(&self, ctx: &Context<'_>) -> Result<Option<super::calls::Call>> {
        match self.0.call_id {
            Some(id) => super::calls::call_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The national partners that work with the note's organizations, by name.
    /// At most 50 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PARTNERS, child_complexity)"
    )]
    async fn national_partners(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::calls::NationalPartner>> {
        let rows = loaded(ctx, ctx.loader().load_one(PartnersOfNote(self.0.id)).await)?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::PARTNERS)
            .map(super::calls::NationalPartner)
            .collect())
    }
    /// The governments that endorsed the note, by country code
    /// (`recordGovernmentEndorsement`). At most 60 for one parent; the query cost counts that
    /// many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::COUNTRIES, child_complexity)"
    )]
    async fn government_endorsements(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::calls::GovernmentEndorsement>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(EndorsementsOfNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::COUNTRIES)
            .map(super::calls::GovernmentEndorsement)
            .collect())
    }
    /// Whether the note is ready for implementation: its joint programme document is endorsed
    /// (`markReadyForImplementation`), and it waits for money or its programme.
    async fn ready_for_implementation(&self) -> bool {
        self.0.programme_document_endorsed_on.is_some()
    }
    /// The day its joint programme document was endorsed; `null` until then.
    async fn programme_document_endorsed_on(&self) -> Option<Date> {
        self.0.programme_document_endorsed_on.map(Date)
    }
    /// Where the note stands in the programming cycle.
    async fn status(&self) -> Result<Option<ConceptNoteStatus>> {
        Ok(Some(ConceptNoteStatus::from_stored(&self.0.status)?))
    }
    /// Increases with every change; pass it as `expectedVersion` to `withdrawConceptNote` or
    /// `markReadyForImplementation`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The Fund Management Unit's technical reviews, oldest first.
    /// At most 20 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::REVIEWS, child_complexity)"
    )]
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<ConceptNoteReview>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(ReviewsOfConceptNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::REVIEWS)
            .map(ConceptNoteReview)
            .collect())
    }
    /// The steering committee's decisions on this note, oldest first.
    /// At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>> {
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(DecisionsOfConceptNote(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        Ok(super::governance::readable_in_their_status(ctx, rows))
    }
    /// The joint programme made of this note, once funded.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(ProgrammesOfNote(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows.into_iter().next().map(JointProgramme))
    }
    /// The documents kept with it (`attachDocument`), oldest first by their date; at most 100,
    /// and the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DOCUMENTS, child_complexity)"
    )]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<super::Document>> {
        super::documents::documents_of(
            ctx,
            crate::service::documents::Subject::ConceptNote(self.0.id),
        )
        .await
    }
}

/// A technical review of a concept note by the Fund Management Unit.
pub struct ConceptNoteReview(pub concept_note_review::Model);

/// A technical review of a concept note by the Fund Management Unit, recorded by someone other than
/// the note's submitter. Read with its note.
#[Object]
impl ConceptNoteReview {
    /// The review's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ConceptNoteReview, self.0.id))
    }
    /// Recommended, not recommended, or screened out.
    async fn outcome(&self) -> Result<Option<ReviewOutcome>> {
        Ok(Some(ReviewOutcome::from_stored(&self.0.outcome)?))
    }
    /// The technical score, 0 to 100, where given.
    async fn score(&self) -> Option<i32> {
        self.0.score
    }
    /// The reviewer's comments.
    async fn comments(&self) -> &str {
        &self.0.comments
    }
    /// The token subject (e.g. `user:2`) of the reviewer.
    async fn reviewed_by(&self) -> &str {
        &self.0.reviewed_by
    }
    /// When the review was recorded (UTC).
    async fn reviewed_at(&self) -> DateTime {
        DateTime(self.0.reviewed_at)
    }
}
