//! Calls for concept notes, and what the fund asks of a note while it waits for money.

use super::notes::{may_read_note, ConceptNote};
use super::reference::{area_by_id, countries_by_code, Country, ThematicArea};
use super::usd;
use crate::domain::{CallStatus, PartnerKind, Scope};
use crate::graphql::connection::{self, Conn};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::page::Page;
use crate::service::{arithmetic, calls};
use async_graphql::{Context, Object, Result, ID};
use entity::{call_for_concept_notes, concept_note, concept_note_endorsement, national_partner};

/// A call for concept notes.
pub struct Call(pub call_for_concept_notes::Model);

impl Call {
    /// The call's notes the caller may read, in the order they were submitted.
    async fn readable_notes(&self, ctx: &Context<'_>) -> Result<Vec<concept_note::Model>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(ConceptNotesOfCall(self.0.id)).await,
        )?
        .unwrap_or_default();
        let readable =
            futures::future::try_join_all(rows.iter().map(|note| may_read_note(ctx, note))).await?;
        Ok(rows
            .into_iter()
            .zip(readable)
            .filter_map(|(note, readable)| readable.then_some(note))
            .collect())
    }
}

/// A call for concept notes: the Fund Management Unit's invitation to UN country teams and
/// regional and global entities, with its window, its indicative envelope and what it invites
/// (`announceCall`). A note submitted to a call meets its terms, or is refused. Read by every
/// token.
#[Object]
impl Call {
    /// The call's global id (for `submitConceptNote`'s `call`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Call, self.0.id))
    }
    /// The call's reference: the year it opened and its number (`MPTF-CALL-2020-02`).
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// The call's title (e.g. "Second call for concept notes").
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The first day the call takes concept notes.
    async fn opens_on(&self) -> Date {
        Date(self.0.opens_on)
    }
    /// The last day the call takes concept notes (included).
    async fn closes_on(&self) -> Date {
        Date(self.0.closes_on)
    }
    /// Where the call stands today: upcoming, open or closed.
    async fn status(&self) -> CallStatus {
        calls::status_today(&self.0)
    }
    /// The indicative envelope of the call, in USD: what the fund expects to allocate to it.
    async fn envelope_usd(&self) -> Decimal {
        usd(self.0.envelope_usd_cents)
    }
    /// The most one concept note may request, in USD; `null` when the call sets no ceiling.
    async fn max_budget_usd(&self) -> Option<Decimal> {
        self.0.max_budget_usd_cents.map(usd)
    }
    /// The call's eligibility rules, in its own words.
    async fn eligibility(&self) -> &str {
        &self.0.eligibility
    }
    /// The thematic areas the call invites, by number.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn thematic_areas(&self, ctx: &Context<'_>) -> Result<Vec<ThematicArea>> {
        let invited = loaded(ctx, ctx.loader().load_one(InvitedByCall(self.0.id)).await)?;
        let mut areas = Vec::new();
        for id in invited.iter().flat_map(|i| i.thematic_area_ids.iter()) {
            areas.extend(area_by_id(ctx, *id).await?);
        }
        Ok(areas)
    }
    /// The scopes the call invites: national, regional, global.
    async fn scopes(&self, ctx: &Context<'_>) -> Result<Vec<Scope>> {
        let invited = loaded(ctx, ctx.loader().load_one(InvitedByCall(self.0.id)).await)?;
        Ok(invited.map(|i| i.scopes.clone()).unwrap_or_default())
    }
    /// The concept notes that answer the call and that the caller may read (the concept notes'
    /// own rule), in the order they were submitted. All of them, filtered and ordered as the
    /// fund's list, through `conceptNotes(filter: { call })`.
    #[graphql(
        complexity = "crate::graphql::limits::connection_cost(first, last, child_complexity)"
    )]
    async fn concept_notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only rows after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of this API's cursors."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only rows before this cursor (a `cursor` or `pageInfo.startCursor` this list gave)."
        )]
        before: Option<String>,
        #[graphql(
            desc = "At most this many rows from the start: 0 to 100 (`PAGE_SIZE_EXCEEDED` above, `BAD_USER_INPUT` below 0). Without `first` and `last`, 50 rows. The query cost counts this many."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "At most this many rows from the end: 0 to 100 (`PAGE_SIZE_EXCEEDED` above). The query cost counts this many."
        )]
        last: Option<i32>,
    ) -> Result<Conn<ConceptNote>> {
        let window = connection::window(after, before, first, last)?;
        let notes = self.readable_notes(ctx).await?;
        Ok(connection::connection(Page::of(notes, window), ConceptNote))
    }
    /// How many concept notes answer the call, of those the caller may read.
    async fn notes_received(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(self.readable_notes(ctx).await?.len() as u64)
    }
    /// What the steering committee has taken into the pipeline out of the call, in USD: the
    /// requested budgets of its notes in the pipeline, approved or funded.
    async fn taken_into_pipeline_usd(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let notes = self.readable_notes(ctx).await?;
        let taken = check(ctx, arithmetic::taken_into_pipeline(&notes))?;
        Ok(taken.into())
    }
    /// `takenIntoPipelineUsd` as a share of the envelope, four decimals (above 1 when the
    /// pipeline holds more than the envelope can fund).
    async fn envelope_taken_share(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        let notes = self.readable_notes(ctx).await?;
        let taken = check(ctx, arithmetic::taken_into_pipeline(&notes))?;
        Ok(arithmetic::share(taken.cents(), self.0.envelope_usd_cents).map(Decimal))
    }
    /// When the Fund Management Unit announced the call.
    async fn announced_at(&self) -> DateTime {
        DateTime(self.0.announced_at)
    }
    /// Increases with every change; pass it as `expectedVersion` to `extendCall`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The call a note answers, for `ConceptNote.call`.
pub async fn call_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Call>> {
    Ok(loaded(ctx, ctx.loader().load_one(CallById(id)).await)?.map(Call))
}

/// A national partner of a concept note.
pub struct NationalPartner(pub national_partner::Model);

/// A national partner that works with a concept note's organizations: a civil-society or
/// migrants' organization, a local government, a university…
#[Object]
impl NationalPartner {
    /// The partner's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of partner it is.
    async fn kind(&self) -> Result<Option<PartnerKind>> {
        Ok(Some(PartnerKind::from_stored(&self.0.kind)?))
    }
}

/// A government's endorsement of a concept note.
pub struct GovernmentEndorsement(pub concept_note_endorsement::Model);

/// The endorsement of a concept note by the government of a country it covers
/// (`recordGovernmentEndorsement`).
#[Object]
impl GovernmentEndorsement {
    /// The country whose government endorsed the note.
    async fn country(&self, ctx: &Context<'_>) -> Result<Option<Country>> {
        Ok(countries_by_code(ctx, vec![self.0.country_code.clone()])
            .await?
            .into_iter()
            .next())
    }
    /// The day the government endorsed it.
    async fn endorsed_on(&self) -> Date {
        Date(self.0.endorsed_on)
    }
    /// Who recorded the endorsement (the token's subject).
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
}
