//! The query root: reference data, the portfolio's lists and the dashboard.

use super::connection::{self, Conn};
use super::node::{self, expect_id, Node};
use super::scalars::{CountryCode, CurrencyCode, Date, DateTime};
use super::types::portfolio::Portfolio;
use super::types::users::Viewer;
use super::types::*;
use super::{check, ContextExt};
use crate::domain::{
    CallStatus, ConceptNoteStatus, ContributionStatus, DecisionKind, DecisionStatus, DonorKind,
    Earmarking, LedgerEntryKind, MeetingKind, OrganizationKind, ProgrammeStatus, Region,
    ReportKind, ReportStatus, RequestKind, RequestStatus, Scope,
};
use crate::ids::{self, Kind};
use crate::service::audit::AuditFilter;
use crate::service::books::LedgerFilter;
use crate::service::concept_notes::{
    ConceptNoteFilter as NoteFilter, ConceptNoteOrder as NoteOrder, PortfolioFilter,
};
use crate::service::contributions::{
    ContributionFilter as ContribFilter, DonorFilter as DonorsFilter, DonorOrder as DonorsOrder,
};
use crate::service::governance::{
    DecisionFilter as DecisionsFilter, MeetingFilter as MeetingsFilter,
};
use crate::service::portfolio::PortfolioScope;
use crate::service::programmes::{ProgrammeFilter, ProgrammeOrder};
use crate::service::recorded::{
    DepositFilter as DepositsFilter, ExpenditureReportFilter as ExpendituresFilter,
    TransferFilter as TransfersFilter,
};
use async_graphql::{Context, Enum, InputObject, Object, Result, ID};

#[derive(Default)]
pub struct Query;

/// Narrows the list of organizations; every field given must match.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Part of the acronym or name, matched literally and without regard to ASCII case; at most 100
    /// characters.
    pub search: Option<String>,
}

/// Narrows the list of donors; every field given must match.
#[derive(InputObject, Default)]
pub struct DonorFilter {
    /// Only donors of this kind.
    pub kind: Option<DonorKind>,
    /// Only donors of this country (ISO 3166-1 alpha-3).
    pub country: Option<CountryCode>,
    /// Part of the donor's name, matched literally and without regard to ASCII case; at most 100
    /// characters.
    pub search: Option<String>,
}

/// The order of the list of donors (ties by id).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum DonorOrder {
    /// By name, A to Z (the default).
    #[default]
    Name,
    /// The donors recorded most recently first.
    NewestFirst,
}

/// Narrows the list of contributions; every field given must match.
#[derive(InputObject, Default)]
pub struct ContributionFilter {
    /// Only this donor's contributions (its global id).
    pub donor: Option<ID>,
    /// Only contributions in one of these statuses.
    pub status: Option<Vec<ContributionStatus>>,
    /// Only unearmarked, or only earmarked contributions.
    pub earmarking: Option<Earmarking>,
    /// Only contributions earmarked to this thematic area (its global id).
    pub thematic_area: Option<ID>,
    /// Only agreements in this currency (ISO 4217).
    pub currency: Option<super::scalars::CurrencyCode>,
    /// Only agreements signed on or after this date (pledges not yet signed are left out).
    pub signed_from: Option<Date>,
    /// Only agreements signed on or before this date.
    pub signed_to: Option<Date>,
}

/// Narrows the list of concept notes; every field given must match.
#[derive(InputObject, Default)]
pub struct ConceptNoteFilter {
    /// Only notes in one of these statuses.
    pub status: Option<Vec<ConceptNoteStatus>>,
    /// Only notes serving this thematic area (its global id).
    pub thematic_area: Option<ID>,
    /// Only notes addressing this GCM objective (its global id).
    pub objective: Option<ID>,
    /// Only notes applying this guiding principle (its global id).
    pub guiding_principle: Option<ID>,
    /// Only notes covering this country (ISO 3166-1 alpha-3).
    pub country: Option<CountryCode>,
    /// Only notes covering a country of this UN region.
    pub region: Option<Region>,
    /// Only notes this organization takes part in, convening or not (its global id).
    pub organization: Option<ID>,
    /// Only national, regional or global notes.
    pub scope: Option<Scope>,
    /// Only notes submitted on or after this date.
    pub submitted_from: Option<Date>,
    /// Only notes submitted on or before this date.
    pub submitted_to: Option<Date>,
    /// Part of the title or reference, matched literally and without regard to ASCII case; at most
    /// 100 characters.
    pub search: Option<String>,
    /// Only notes answering this call (its global id).
    pub call: Option<ID>,
    /// Only notes ready for implementation (`true`: their joint programme document is endorsed),
    /// or only those not yet (`false`).
    pub ready_for_implementation: Option<bool>,
}

/// The order of the list of concept notes (ties by id).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ConceptNoteOrder {
    /// The most recently submitted first (the default).
    #[default]
    NewestFirst,
    /// The earliest submitted first.
    OldestFirst,
    /// The largest requested budget first.
    RequestedBudgetDesc,
    /// By reference.
    Reference,
}

/// Narrows the list of joint programmes; every field given must match. Countries, objectives,
/// principles and organizations are the programme's concept note's.
#[derive(InputObject, Default)]
pub struct JointProgrammeFilter {
    /// Only programmes in one of these statuses.
    pub status: Option<Vec<ProgrammeStatus>>,
    /// Only programmes serving this thematic area (its global id).
    pub thematic_area: Option<ID>,
    /// Only programmes addressing this GCM objective (its global id).
    pub objective: Option<ID>,
    /// Only programmes applying this guiding principle (its global id).
    pub guiding_principle: Option<ID>,
    /// Only programmes working in this country (ISO 3166-1 alpha-3).
    pub country: Option<CountryCode>,
    /// Only programmes working in a country of this UN region.
    pub region: Option<Region>,
    /// Only programmes this organization takes part in, convening or not (its global id).
    pub organization: Option<ID>,
    /// Only national, regional or global programmes.
    pub scope: Option<Scope>,
    /// Only programmes starting on or after this date.
    pub start_from: Option<Date>,
    /// Only programmes starting on or before this date.
    pub start_to: Option<Date>,
    /// Part of the title or code, matched literally and without regard to ASCII case; at most 100
    /// characters.
    pub search: Option<String>,
    /// The day `endingWithinDays` and `deliveryBelowTimeElapsed` count from; today when
    /// omitted.
    pub as_of: Option<Date>,
    /// Only programmes ending within this many days of `asOf` (from `asOf` on, both days
    /// included): 0 to 3660 (`BAD_USER_INPUT` otherwise). `90` is "which programmes end within
    /// 90 days".
    pub ending_within_days: Option<i32>,
    /// `true`: only programmes under way on `asOf` whose delivery (expenditure over net funding,
    /// the books as they stood that day) is below their time elapsed (the share of their days
    /// from start to end passed), one with time elapsed and nothing delivered included;
    /// `false`: only those keeping up with it.
    pub delivery_below_time_elapsed: Option<bool>,
}

/// The order of the list of joint programmes.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum JointProgrammeOrder {
    /// By code (the default).
    #[default]
    Code,
    /// The latest start date first.
    NewestFirst,
    /// The largest approved budget first.
    ApprovedBudgetDesc,
}

/// Narrows the list of calls for concept notes; every field given must match.
#[derive(InputObject, Default)]
pub struct CallFilter {
    /// Only calls in one of these statuses today.
    pub status: Option<Vec<CallStatus>>,
    /// Only calls inviting this thematic area (its global id).
    pub thematic_area: Option<ID>,
}

/// Narrows the list of steering-committee meetings; every field given must match.
#[derive(InputObject, Default)]
pub struct MeetingFilter {
    /// Only meetings, or only written procedures.
    pub kind: Option<MeetingKind>,
    /// Only those held on or after this date.
    pub held_from: Option<Date>,
    /// Only those held on or before this date.
    pub held_to: Option<Date>,
}

/// Narrows the list of decisions; every field given must match.
#[derive(InputObject, Default)]
pub struct DecisionFilter {
    /// Only decisions of one of these kinds.
    pub kind: Option<Vec<DecisionKind>>,
    /// Only decisions in one of these statuses (`[PENDING]`: what awaits the chair or a written
    /// procedure's deadline). Only ADMIN, STEERING_COMMITTEE and AUDITOR read decisions not in
    /// effect; other callers read `ADOPTED` ones only, whatever this says.
    pub status: Option<Vec<DecisionStatus>>,
    /// Only decisions of this meeting (its global id).
    pub meeting: Option<ID>,
    /// Only decisions on this concept note (its global id).
    pub concept_note: Option<ID>,
    /// Only decisions on this joint programme (its global id).
    pub joint_programme: Option<ID>,
    /// Only decisions recorded on or after this day (UTC).
    pub recorded_from: Option<Date>,
    /// Only decisions recorded on or before this day (UTC).
    pub recorded_to: Option<Date>,
}

/// Narrows the list of programme requests; every field given must match.
#[derive(InputObject, Default)]
pub struct ProgrammeRequestFilter {
    /// Only the requests on this programme (its global id).
    pub joint_programme: Option<ID>,
    /// Only requests in one of these statuses (`[ON_AGENDA]`: what awaits the committee).
    pub status: Option<Vec<RequestStatus>>,
    /// Only requests of one of these kinds.
    pub kind: Option<Vec<RequestKind>>,
    /// Only the requests on the agenda of this meeting or written procedure (its global id).
    pub meeting: Option<ID>,
}

/// Narrows the reporting calendar; every field given must match.
#[derive(InputObject, Default)]
pub struct ReportFilter {
    /// The calendar's day: what is overdue or due is counted from it, and only what had come by
    /// then counts as submitted. Today (UTC) when omitted.
    pub as_of: Option<Date>,
    /// Only this programme's reports (its global id).
    pub joint_programme: Option<ID>,
    /// Only the reports this organization owes (its global id). A PUNO reads its own
    /// organization's whatever this says.
    pub organization: Option<ID>,
    /// Only reports of these kinds.
    pub kind: Option<Vec<ReportKind>>,
    /// Only reports in these statuses on the calendar's day (`[OVERDUE]`: what is late).
    pub status: Option<Vec<ReportStatus>>,
    /// Only reports due within this many days of the calendar's day (0 to 3660), overdue ones
    /// included unless `status` leaves them out: `{status: [DUE], dueWithinDays: 60}` is what
    /// falls due in the next 60 days.
    pub due_within_days: Option<i32>,
}

/// Narrows the audit trail; every field given must match.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only writes to this record (its global id; `BAD_USER_INPUT` if it is not one).
    pub subject: Option<ID>,
    /// Only writes by this token subject, e.g. `user:3` or `idp:…`.
    pub actor: Option<String>,
    /// Only this command, by its mutation name, e.g. `recordTransfer`.
    pub action: Option<String>,
    /// Only writes at or after this moment.
    pub from: Option<DateTime>,
    /// Only writes before this moment.
    pub to: Option<DateTime>,
}

/// Narrows the ledger; every field given must match.
#[derive(InputObject, Default)]
pub struct LedgerEntryFilter {
    /// Only entries of these kinds (a `REVERSAL` is its own kind: ask for it to see corrections).
    pub kinds: Option<Vec<LedgerEntryKind>>,
    /// Only entries with a value date on or after this day.
    pub from: Option<Date>,
    /// Only entries with a value date on or before this day; not before `from`
    /// (`BAD_USER_INPUT`).
    pub to: Option<Date>,
    /// Only entries in the earmark pool of this thematic area (its global id): money its donors
    /// earmarked to it, and what the committee allocated and transferred from it.
    pub thematic_area: Option<ID>,
    /// Only entries about this joint programme (its global id).
    pub joint_programme: Option<ID>,
    /// Only entries about this participating organization (its global id).
    pub organization: Option<ID>,
    /// Only this donor's entries (its global id); a DONOR reads only its own.
    pub donor: Option<ID>,
    /// Only entries recorded at or after this moment: what is new since a caller last looked,
    /// whatever the value dates.
    pub recorded_since: Option<DateTime>,
}

/// Narrows the deposits; every field given must match.
#[derive(InputObject, Default)]
pub struct DepositFilter {
    /// Only this donor's deposits (its global id); a DONOR reads only its own.
    pub donor: Option<ID>,
    /// Only deposits against this agreement (its global id).
    pub contribution: Option<ID>,
    /// Only deposits in this currency (ISO 4217).
    pub currency: Option<super::scalars::CurrencyCode>,
    /// Only deposits received on or after this day.
    pub from: Option<Date>,
    /// Only deposits received on or before this day; not before `from` (`BAD_USER_INPUT`).
    pub to: Option<Date>,
    /// Only deposits recorded at or after this moment (inclusive): what is new since a caller
    /// last looked, whatever the days the money was received.
    pub recorded_since: Option<DateTime>,
}

/// Narrows the transfers; every field given must match.
#[derive(InputObject, Default)]
pub struct TransferFilter {
    /// Only transfers for this joint programme (its global id).
    pub joint_programme: Option<ID>,
    /// Only transfers to this participating organization (its global id).
    pub organization: Option<ID>,
    /// Only transfers for programmes of this thematic area (its global id).
    pub thematic_area: Option<ID>,
    /// Only transfers resting on this funding decision (its global id).
    pub decision: Option<ID>,
    /// Only transfers made on or after this day.
    pub from: Option<Date>,
    /// Only transfers made on or before this day; not before `from` (`BAD_USER_INPUT`).
    pub to: Option<Date>,
    /// Only transfers recorded at or after this moment (inclusive): what is new since a caller
    /// last looked, whatever the days the money moved.
    pub recorded_since: Option<DateTime>,
}

/// Narrows the expenditure reports; every field given must match.
#[derive(InputObject, Default)]
pub struct ExpenditureReportFilter {
    /// Only reports on this joint programme (its global id).
    pub joint_programme: Option<ID>,
    /// Only reports of this participating organization (its global id).
    pub organization: Option<ID>,
    /// Only reports for this calendar year.
    pub year: Option<i32>,
    /// Only reports recorded at or after this moment (inclusive): what is new since a caller
    /// last looked, whatever the years they cover.
    pub recorded_since: Option<DateTime>,
}

/// The filters concept notes and joint programmes share (a programme keeps its note's
/// countries, objectives, principles and organizations).
macro_rules! portfolio_filter {
    ($f:ident) => {
        PortfolioFilter {
            thematic_area_id: optional_id(
                $f.thematic_area.as_ref(),
                Kind::ThematicArea,
                "filter.thematicArea",
            )?,
            objective_id: optional_id(
                $f.objective.as_ref(),
                Kind::GcmObjective,
                "filter.objective",
            )?,
            principle_id: optional_id(
                $f.guiding_principle.as_ref(),
                Kind::GuidingPrinciple,
                "filter.guidingPrinciple",
            )?,
            country: $f.country.map(|c| c.0),
            region: $f.region,
            organization_id: optional_id(
                $f.organization.as_ref(),
                Kind::Organization,
                "filter.organization",
            )?,
            scope: $f.scope,
            search: $f.search,
        }
    };
}

fn optional_id(id: Option<&ID>, kind: Kind, argument: &str) -> Result<Option<i64>> {
    id.map(|id| expect_id(id, kind, argument)).transpose()
}

/// `BAD_USER_INPUT` when `filter.from` is after `filter.to`.
fn from_not_after_to(from: Option<Date>, to: Option<Date>) -> Result<()> {
    match (from, to) {
        (Some(from), Some(to)) if from.0 > to.0 => Err(super::errors::coded(
            "`filter.from` is after `filter.to`",
            "BAD_USER_INPUT",
        )),
        _ => Ok(()),
    }
}

/// Reads. Reference data, `viewer` and the whole fund's `portfolio { totals fundingGapUsd
/// capitalizationTargets }` need no token; everything else does (`UNAUTHENTICATED` without one).
/// Lists leave out the rows the caller may not read; a single object it may not read is
/// `FORBIDDEN` on its path. Who reads what: docs/permissions.md; the rules across the schema:
/// docs/contract.md.
#[Object]
impl Query {
    /// Any object by its global id: null if it does not exist, `FORBIDDEN` if the caller may not
    /// read it. Reference data without a token; anything else needs one.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as any object's `id` gives it.")] id: ID,
    ) -> Result<Option<Node>> {
        node::resolve(ctx, &id).await
    }

    /// Several objects by their global ids (at most 100, `PAGE_SIZE_EXCEEDED` beyond), in the order
    /// asked: null where none exists. The query cost counts one row per id.
    #[graphql(complexity = "crate::graphql::limits::list_cost(ids.len(), child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > crate::service::page::MAX_PAGE_SIZE as usize {
            return Err(super::errors::coded(
                "`nodes` takes at most 100 ids",
                "PAGE_SIZE_EXCEEDED",
            ));
        }
        let mut found = Vec::with_capacity(ids.len());
        for id in &ids {
            found.push(node::resolve(ctx, id).await?);
        }
        Ok(found)
    }

    /// Who is calling, as the token says; null without a token.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.actor().principal.clone().map(Viewer)
    }

    /// The fund's five thematic areas, by number. Readable without a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn thematic_areas(&self, ctx: &Context<'_>) -> Result<Vec<ThematicArea>> {
        Ok(check(ctx, ctx.services().thematic_areas().await)?
            .into_iter()
            .map(ThematicArea)
            .collect())
    }

    /// The 23 objectives of the Global Compact for Migration, by number. Readable without a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::OBJECTIVES, child_complexity)"
    )]
    async fn gcm_objectives(&self, ctx: &Context<'_>) -> Result<Vec<GcmObjective>> {
        Ok(check(ctx, ctx.services().gcm_objectives().await)?
            .into_iter()
            .map(GcmObjective)
            .collect())
    }

    /// The Compact's ten guiding principles. Readable without a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PRINCIPLES, child_complexity)"
    )]
    async fn guiding_principles(&self, ctx: &Context<'_>) -> Result<Vec<GuidingPrinciple>> {
        Ok(check(ctx, ctx.services().guiding_principles().await)?
            .into_iter()
            .map(GuidingPrinciple)
            .collect())
    }

    /// Every ISO 3166-1 country, optionally of one UN region, by name. Readable without a token.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ALL_COUNTRIES, child_complexity)"
    )]
    async fn countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the countries of this UN region.")] region: Option<Region>,
    ) -> Result<Vec<Country>> {
        Ok(check(ctx, ctx.services().countries(region).await)?
            .into_iter()
            .map(Country)
            .collect())
    }

    /// UN entities that can be participating organizations, by acronym. Readable without a token.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all organizations when omitted.")] filter: Option<
            OrganizationFilter,
        >,
    ) -> Result<Vec<Organization>> {
        let filter = filter.unwrap_or_default();
        let rows = check(
            ctx,
            ctx.services()
                .organizations(filter.kind, filter.search.as_deref())
                .await,
        )?;
        Ok(rows.into_iter().map(Organization).collect())
    }

    /// The fund's donors, by name unless `orderBy` says otherwise. Every token reads the list; what
    /// each donor's figures show depends on the caller (see `Donor`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn donors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all donors when omitted.")] filter: Option<DonorFilter>,
        #[graphql(desc = "The order; by name when omitted.")] order_by: Option<DonorOrder>,
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
    ) -> Result<Conn<Donor>> {
        let window = connection::window(after, before, first, last)?;
        let filter = filter.unwrap_or_default();
        let filter = DonorsFilter {
            kind: filter.kind,
            country: filter.country.map(|c| c.0),
            search: filter.search,
        };
        let order = match order_by.unwrap_or_default() {
            DonorOrder::Name => DonorsOrder::Name,
            DonorOrder::NewestFirst => DonorsOrder::NewestFirst,
        };
        let page = check(
            ctx,
            ctx.services()
                .donors(ctx.actor(), filter, order, window)
                .await,
        )?;
        Ok(connection::connection(page, Donor))
    }

    /// Contributions the caller may read, newest pledge first: all for ADMIN,
    /// STEERING_COMMITTEE and AUDITOR, a donor's own for a DONOR, none for PUNO and PARTNER_SYSTEM tokens.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all the caller may read when omitted.")] filter: Option<
            ContributionFilter,
        >,
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
    ) -> Result<Conn<Contribution>> {
        let window = connection::window(after, before, first, last)?;
        let filter = filter.unwrap_or_default();
        let filter = ContribFilter {
            donor_id: optional_id(filter.donor.as_ref(), Kind::Donor, "filter.donor")?,
            statuses: filter.status.unwrap_or_default(),
            earmarking: filter.earmarking,
            thematic_area_id: optional_id(
                filter.thematic_area.as_ref(),
                Kind::ThematicArea,
                "filter.thematicArea",
            )?,
            currency: filter.currency.map(|c| c.0),
            signed_from: filter.signed_from.map(|d| d.0),
            signed_to: filter.signed_to.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services()
                .contributions(ctx.actor(), filter, window)
                .await,
        )?;
        Ok(connection::connection(page, Contribution))
    }

    /// Concept notes the caller may read: all for ADMIN, STEERING_COMMITTEE and AUDITOR; from `PIPELINE` on
    /// for others, and a PUNO's own organization's notes in any status.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn concept_notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all the caller may read when omitted.")] filter: Option<
            ConceptNoteFilter,
        >,
        #[graphql(desc = "The order; newest first when omitted.")] order_by: Option<
            ConceptNoteOrder,
        >,
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
        let f = filter.unwrap_or_default();
        let filter = NoteFilter {
            common: portfolio_filter!(f),
            statuses: f.status.unwrap_or_default(),
            submitted_from: f.submitted_from.map(|d| d.0),
            submitted_to: f.submitted_to.map(|d| d.0),
            call_id: f
                .call
                .as_ref()
                .map(|call| expect_id(call, Kind::Call, "filter.call"))
                .transpose()?,
            ready_for_implementation: f.ready_for_implementation,
        };
        let order = match order_by.unwrap_or_default() {
            ConceptNoteOrder::NewestFirst => NoteOrder::NewestFirst,
            ConceptNoteOrder::OldestFirst => NoteOrder::OldestFirst,
            ConceptNoteOrder::RequestedBudgetDesc => NoteOrder::RequestedBudgetDesc,
            ConceptNoteOrder::Reference => NoteOrder::Reference,
        };
        let page = check(
            ctx,
            ctx.services()
                .concept_notes(ctx.actor(), filter, order, window)
                .await,
        )?;
        Ok(connection::connection(page, ConceptNote))
    }

    /// The fund's joint programmes, by code unless `orderBy` says otherwise. Every token reads
    /// them.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn joint_programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all programmes when omitted.")] filter: Option<
            JointProgrammeFilter,
        >,
        #[graphql(desc = "The order; by code when omitted.")] order_by: Option<JointProgrammeOrder>,
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
    ) -> Result<Conn<JointProgramme>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = ProgrammeFilter {
            common: portfolio_filter!(f),
            statuses: f.status.unwrap_or_default(),
            start_from: f.start_from.map(|d| d.0),
            start_to: f.start_to.map(|d| d.0),
            as_of: f.as_of.map(|d| d.0),
            ends_by: match f.ending_within_days {
                None => None,
                Some(days @ 0..=3660) => f
                    .as_of
                    .map_or_else(|| chrono::Utc::now().date_naive(), |d| d.0)
                    .checked_add_days(chrono::Days::new(days as u64)),
                Some(_) => {
                    return Err(super::errors::coded(
                        "`filter.endingWithinDays` is a number of days from 0 to 3660",
                        "BAD_USER_INPUT",
                    ))
                }
            },
            delivery_below_time_elapsed: f.delivery_below_time_elapsed,
        };
        let order = match order_by.unwrap_or_default() {
            JointProgrammeOrder::Code => ProgrammeOrder::Code,
            JointProgrammeOrder::NewestFirst => ProgrammeOrder::NewestFirst,
            JointProgrammeOrder::ApprovedBudgetDesc => ProgrammeOrder::ApprovedBudgetDesc,
        };
        let page = check(
            ctx,
            ctx.services()
                .joint_programmes(ctx.actor(), filter, order, window)
                .await,
        )?;
        Ok(connection::connection(page, JointProgramme))
    }

    /// The fund's calls for concept notes, the latest to open first. Every token reads them.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all calls when omitted.")] filter: Option<CallFilter>,
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
    ) -> Result<Conn<Call>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = crate::service::calls::CallFilter {
            statuses: f.status.unwrap_or_default(),
            thematic_area_id: f
                .thematic_area
                .as_ref()
                .map(|area| expect_id(area, Kind::ThematicArea, "filter.thematicArea"))
                .transpose()?,
        };
        let page = check(ctx, ctx.services().calls(ctx.actor(), filter, window).await)?;
        Ok(connection::connection(page, Call))
    }

    /// Meetings and written procedures of the steering committee, latest first. Every token reads
    /// them.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn steering_committee_meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all meetings when omitted.")] filter: Option<
            MeetingFilter,
        >,
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
    ) -> Result<Conn<SteeringCommitteeMeeting>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = MeetingsFilter {
            kind: f.kind,
            held_from: f.held_from.map(|d| d.0),
            held_to: f.held_to.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services().meetings(ctx.actor(), filter, window).await,
        )?;
        Ok(connection::connection(page, SteeringCommitteeMeeting))
    }

    /// Decisions of the steering committee, newest first; those on concept notes the caller may not
    /// read yet are left out.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all decisions the caller may read when omitted.")]
        filter: Option<DecisionFilter>,
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
    ) -> Result<Conn<Decision>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = DecisionsFilter {
            kinds: f.kind.unwrap_or_default(),
            statuses: f.status.unwrap_or_default(),
            meeting_id: optional_id(
                f.meeting.as_ref(),
                Kind::SteeringCommitteeMeeting,
                "filter.meeting",
            )?,
            concept_note_id: optional_id(
                f.concept_note.as_ref(),
                Kind::ConceptNote,
                "filter.conceptNote",
            )?,
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            recorded_from: f.recorded_from.map(|d| d.0),
            recorded_to: f.recorded_to.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services().decisions(ctx.actor(), filter, window).await,
        )?;
        Ok(connection::connection(page, Decision))
    }

    /// Requests from participating organizations to the steering committee (no-cost extensions,
    /// budget revisions, tranches), newest first: every request for ADMIN, STEERING_COMMITTEE and
    /// AUDITOR; a PUNO's own organization's programmes' requests; none for donors and partner
    /// systems.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn programme_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all requests the caller may read when omitted.")]
        filter: Option<ProgrammeRequestFilter>,
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
    ) -> Result<Conn<ProgrammeRequest>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = crate::service::requests::RequestFilter {
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            statuses: f.status.unwrap_or_default(),
            kinds: f.kind.unwrap_or_default(),
            meeting_id: optional_id(
                f.meeting.as_ref(),
                Kind::SteeringCommitteeMeeting,
                "filter.meeting",
            )?,
        };
        let page = check(
            ctx,
            ctx.services()
                .programme_requests(ctx.actor(), filter, window)
                .await,
        )?;
        Ok(connection::connection(page, ProgrammeRequest))
    }

    /// The fund at a glance: `totals`, `fundingGapUsd` and `capitalizationTargets` are readable
    /// without a token, everything else needs one. The optional arguments narrow it to a period, a
    /// thematic area or a UN region; narrowed figures of donors' money are for ADMIN,
    /// STEERING_COMMITTEE and AUDITOR only. `asOf` and `knownAt` read the fund's books as they
    /// stood, or were known, at a past moment.
    #[allow(clippy::too_many_arguments)] // the field's arguments, each a GraphQL argument
    async fn portfolio(
        &self,
        #[graphql(
            desc = "Counts only what happened on or after this date (each record by its own date: pledges when pledged, deposits when received, programmes when started, concept notes when submitted, transfers when made, expenditure by year)."
        )]
        from: Option<Date>,
        #[graphql(
            desc = "Counts only what happened on or before this date; not before `from` (`BAD_USER_INPUT`)."
        )]
        to: Option<Date>,
        #[graphql(
            desc = "Counts only this thematic area (its global id): its programmes and notes, and contributions earmarked to it."
        )]
        thematic_area: Option<ID>,
        #[graphql(
            desc = "Counts only this UN region: programmes and notes with a country in it, and money from donors of its countries."
        )]
        region: Option<Region>,
        #[graphql(
            desc = "The fund's books as they stood at the end of this day: entries counted by value date (deposits when received, transfers when made, expenditure at its year's end). For the books only (`sourcesAndUses`, `fundsWithOrganizations`, `totalBalanceUsd`, `uncommitted`, `uncommittedUsd`, `byOrganization`, `contributorsByYear`); other fields answer `BAD_USER_INPUT`."
        )]
        as_of: Option<Date>,
        #[graphql(
            desc = "The fund's books as they were known at this moment: only entries recorded by then. Nothing in the books is edited, so this reproduces exactly what was served at that moment (a meeting pack's figures). For the books only, as `asOf`."
        )]
        known_at: Option<DateTime>,
    ) -> Result<Portfolio> {
        if let (Some(from), Some(to)) = (from, to) {
            if from.0 > to.0 {
                return Err(super::errors::coded(
                    "`from` is after `to`",
                    "BAD_USER_INPUT",
                ));
            }
        }
        Ok(Portfolio(
            PortfolioScope::new(
                from.map(|d| d.0),
                to.map(|d| d.0),
                optional_id(thematic_area.as_ref(), Kind::ThematicArea, "thematicArea")?,
                region,
            )
            .in_time(as_of.map(|d| d.0), known_at.map(|t| t.0)),
        ))
    }

    /// The fund's ledger: every movement of money, by value date then entry, as the caller may
    /// read it. ADMIN, STEERING_COMMITTEE and AUDITOR read every entry; a DONOR its own money
    /// (pledges, agreements, deposits, fees and their corrections) and the entries that concern
    /// no donor; PUNO and PARTNER_SYSTEM the entries that concern no donor (the fund's income and
    /// costs, allocations, transfers, refunds and expenditure, which the Gateway publishes).
    /// Needs a token (`UNAUTHENTICATED`). Cursors name their entry, so a page read while entries
    /// are recorded neither repeats nor skips one.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn ledger_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the ledger; every entry the caller may read when omitted.")]
        filter: Option<LedgerEntryFilter>,
        #[graphql(
            desc = "Only entries after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of the ledger's cursors."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only entries before this cursor (a `cursor` or `pageInfo.startCursor` this list gave)."
        )]
        before: Option<String>,
        #[graphql(
            desc = "At most this many entries from the start: 0 to 100 (`PAGE_SIZE_EXCEEDED` above, `BAD_USER_INPUT` below 0). Without `first` and `last`, 50 entries. The query cost counts this many."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "At most this many entries from the end: 0 to 100 (`PAGE_SIZE_EXCEEDED` above). The query cost counts this many."
        )]
        last: Option<i32>,
    ) -> Result<connection::EntryConn<LedgerEntry>> {
        let window = connection::ledger_window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        if let (Some(from), Some(to)) = (f.from, f.to) {
            if from.0 > to.0 {
                return Err(super::errors::coded(
                    "`filter.from` is after `filter.to`",
                    "BAD_USER_INPUT",
                ));
            }
        }
        let filter = LedgerFilter {
            kinds: f.kinds.unwrap_or_default(),
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            thematic_area_id: optional_id(
                f.thematic_area.as_ref(),
                Kind::ThematicArea,
                "filter.thematicArea",
            )?,
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            organization_id: optional_id(
                f.organization.as_ref(),
                Kind::Organization,
                "filter.organization",
            )?,
            donor_id: optional_id(f.donor.as_ref(), Kind::Donor, "filter.donor")?,
            recorded_since: f.recorded_since.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services()
                .ledger_entries(ctx.actor(), filter, window)
                .await,
        )?;
        Ok(connection::ledger_connection(page, LedgerEntry))
    }

    /// Deposits the caller may read, in the order they were recorded (then by id), for partner
    /// systems that keep a copy: all for ADMIN, STEERING_COMMITTEE and AUDITOR, a donor's own for
    /// a DONOR, none for PUNO and PARTNER_SYSTEM tokens (the same readers as
    /// `Contribution.deposits`). Needs a token (`UNAUTHENTICATED`). Cursors name their row, so a
    /// page read while deposits are recorded neither repeats nor skips one; with
    /// `filter.recordedSince` a caller gets what was recorded since it last looked.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn deposits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; every deposit the caller may read when omitted.")]
        filter: Option<DepositFilter>,
        #[graphql(
            desc = "Only rows after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of this list's cursors."
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
    ) -> Result<connection::RecordedConn<Deposit>> {
        let window =
            connection::recorded_window::<entity::deposit::Entity>(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        from_not_after_to(f.from, f.to)?;
        let filter = DepositsFilter {
            donor_id: optional_id(f.donor.as_ref(), Kind::Donor, "filter.donor")?,
            contribution_id: optional_id(
                f.contribution.as_ref(),
                Kind::Contribution,
                "filter.contribution",
            )?,
            currency: f.currency.map(|c| c.0),
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            recorded_since: f.recorded_since.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services().deposits(ctx.actor(), filter, window).await,
        )?;
        Ok(connection::recorded_connection::<entity::deposit::Entity, _>(page, Deposit))
    }

    /// Transfers to participating organizations, in the order they were recorded (then by id),
    /// for partner systems that keep a copy: every token reads them all (as
    /// `JointProgramme.transfers`). Needs a token (`UNAUTHENTICATED`). Cursors name their row, so
    /// a page read while transfers are recorded neither repeats nor skips one; with
    /// `filter.recordedSince` a caller gets what was recorded since it last looked.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; every transfer when omitted.")] filter: Option<
            TransferFilter,
        >,
        #[graphql(
            desc = "Only rows after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of this list's cursors."
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
    ) -> Result<connection::RecordedConn<Transfer>> {
        let window =
            connection::recorded_window::<entity::transfer::Entity>(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        from_not_after_to(f.from, f.to)?;
        let filter = TransfersFilter {
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            organization_id: optional_id(
                f.organization.as_ref(),
                Kind::Organization,
                "filter.organization",
            )?,
            thematic_area_id: optional_id(
                f.thematic_area.as_ref(),
                Kind::ThematicArea,
                "filter.thematicArea",
            )?,
            decision_id: optional_id(f.decision.as_ref(), Kind::Decision, "filter.decision")?,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            recorded_since: f.recorded_since.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services().transfers(ctx.actor(), filter, window).await,
        )?;
        Ok(connection::recorded_connection::<entity::transfer::Entity, _>(page, Transfer))
    }

    /// Expenditure reports of participating organizations, in the order they were recorded
    /// (`reportedAt`, then by id), for partner systems that keep a copy: every token reads them
    /// all (as `JointProgramme.expenditures`). Needs a token (`UNAUTHENTICATED`). Cursors name
    /// their row, so a page read while reports are recorded neither repeats nor skips one; with
    /// `filter.recordedSince` a caller gets what was reported since it last looked.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn expenditure_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; every report when omitted.")] filter: Option<
            ExpenditureReportFilter,
        >,
        #[graphql(
            desc = "Only rows after this cursor (a `cursor` or `pageInfo.endCursor` this list gave); opaque, `BAD_USER_INPUT` if it is not one of this list's cursors."
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
    ) -> Result<connection::RecordedConn<ExpenditureReport>> {
        let window = connection::recorded_window::<entity::expenditure_report::Entity>(
            after, before, first, last,
        )?;
        let f = filter.unwrap_or_default();
        let filter = ExpendituresFilter {
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            organization_id: optional_id(
                f.organization.as_ref(),
                Kind::Organization,
                "filter.organization",
            )?,
            year: f.year,
            recorded_since: f.recorded_since.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services()
                .expenditure_reports(ctx.actor(), filter, window)
                .await,
        )?;
        Ok(connection::recorded_connection::<
            entity::expenditure_report::Entity,
            _,
        >(page, ExpenditureReport))
    }

    /// The reporting calendar: every report the joint programmes owe the fund (annual narrative
    /// and certified expenditure, final narrative and financial reports), when each is due and
    /// whether it came, by due date. A PUNO reads the reports its own organization owes; every
    /// other token the whole fund's. See docs/reporting.md for the terms.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn reporting_calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the calendar; see `ReportFilter`.")] filter: Option<ReportFilter>,
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
    ) -> Result<Conn<ReportDue>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let as_of = f
            .as_of
            .map_or_else(|| chrono::Utc::now().date_naive(), |d| d.0);
        let due_by = match f.due_within_days {
            None => None,
            Some(days @ 0..=3660) => as_of.checked_add_days(chrono::Days::new(days as u64)),
            Some(_) => {
                return Err(super::errors::coded(
                    "`filter.dueWithinDays` is a number of days from 0 to 3660",
                    "BAD_USER_INPUT",
                ))
            }
        };
        let filter = crate::service::reporting::ReportFilter {
            joint_programme_id: optional_id(
                f.joint_programme.as_ref(),
                Kind::JointProgramme,
                "filter.jointProgramme",
            )?,
            organization_id: optional_id(
                f.organization.as_ref(),
                Kind::Organization,
                "filter.organization",
            )?,
            kinds: f.kind.unwrap_or_default(),
            statuses: f.status.unwrap_or_default(),
            due_by,
        };
        let page = check(
            ctx,
            ctx.services()
                .reporting_calendar(ctx.actor(), as_of, filter, window)
                .await,
        )?;
        Ok(connection::connection(page, ReportDue))
    }

    /// The Administrative Agent's exchange rates, newest first (by the day each applies from):
    /// units of a currency per US dollar (every token).
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn exchange_rates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this currency's rates; every currency's when omitted.")]
        currency: Option<CurrencyCode>,
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
    ) -> Result<Conn<ExchangeRate>> {
        let window = connection::window(after, before, first, last)?;
        // The scalar has already checked the code; a currency it let through always parses.
        let currency = currency
            .map(|code| crate::domain::Currency::parse(&code.0).ok_or("not a currency"))
            .transpose()?;
        let page = check(
            ctx,
            ctx.services()
                .exchange_rates(ctx.actor(), currency, window)
                .await,
        )?;
        Ok(connection::connection(page, ExchangeRate))
    }

    /// The audit trail, newest first: every accepted write (ADMIN, STEERING_COMMITTEE and
    /// AUDITOR; `FORBIDDEN` for other roles).
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the trail; all of it when omitted.")] filter: Option<
            AuditEventFilter,
        >,
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
    ) -> Result<Conn<AuditEvent>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let subject = match &f.subject {
            Some(id) => Some(
                ids::decode_any(id)
                    .and_then(|(kind, key)| key.parse().ok().map(|n| (kind, n)))
                    .ok_or_else(|| {
                        super::errors::coded(
                            "`filter.subject` is not a global id",
                            "BAD_USER_INPUT",
                        )
                    })?,
            ),
            None => None,
        };
        let filter = AuditFilter {
            subject,
            actor: f.actor,
            action: f.action,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
        };
        let page = check(
            ctx,
            ctx.services()
                .audit_events(ctx.actor(), filter, window)
                .await,
        )?;
        Ok(connection::connection(page, AuditEvent))
    }
}
