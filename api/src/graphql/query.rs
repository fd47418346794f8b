//! The query root: reference data, the portfolio's lists and the dashboard.

use super::connection::{self, Conn};
use super::node::{self, expect_id, Node};
use super::scalars::{CountryCode, Date, DateTime};
use super::types::portfolio::Portfolio;
use super::types::users::Viewer;
use super::types::*;
use super::{check, ContextExt};
use crate::domain::{
    ConceptNoteStatus, ContributionStatus, DecisionKind, DonorKind, Earmarking, MeetingKind,
    OrganizationKind, ProgrammeStatus, Region, Scope,
};
use crate::ids::{self, Kind};
use crate::service::audit::AuditFilter;
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
use async_graphql::{Context, Enum, InputObject, Object, Result, ID};

#[derive(Default)]
pub struct Query;

#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    /// Part of the acronym or name.
    pub search: Option<String>,
}

#[derive(InputObject, Default)]
pub struct DonorFilter {
    pub kind: Option<DonorKind>,
    pub country: Option<CountryCode>,
    pub search: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum DonorOrder {
    #[default]
    Name,
    NewestFirst,
}

#[derive(InputObject, Default)]
pub struct ContributionFilter {
    pub donor: Option<ID>,
    pub status: Option<Vec<ContributionStatus>>,
    pub earmarking: Option<Earmarking>,
    pub thematic_area: Option<ID>,
    pub currency: Option<super::scalars::CurrencyCode>,
    pub signed_from: Option<Date>,
    pub signed_to: Option<Date>,
}

/// Filters shared by concept notes and joint programmes.
#[derive(InputObject, Default)]
pub struct ConceptNoteFilter {
    pub status: Option<Vec<ConceptNoteStatus>>,
    pub thematic_area: Option<ID>,
    pub objective: Option<ID>,
    pub guiding_principle: Option<ID>,
    pub country: Option<CountryCode>,
    pub region: Option<Region>,
    /// A participating organization (convening or not).
    pub organization: Option<ID>,
    pub scope: Option<Scope>,
    pub submitted_from: Option<Date>,
    pub submitted_to: Option<Date>,
    /// Part of the title or reference.
    pub search: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ConceptNoteOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    RequestedBudgetDesc,
    Reference,
}

#[derive(InputObject, Default)]
pub struct JointProgrammeFilter {
    pub status: Option<Vec<ProgrammeStatus>>,
    pub thematic_area: Option<ID>,
    pub objective: Option<ID>,
    pub guiding_principle: Option<ID>,
    pub country: Option<CountryCode>,
    pub region: Option<Region>,
    pub organization: Option<ID>,
    pub scope: Option<Scope>,
    pub start_from: Option<Date>,
    pub start_to: Option<Date>,
    pub search: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum JointProgrammeOrder {
    #[default]
    Code,
    NewestFirst,
    ApprovedBudgetDesc,
}

#[derive(InputObject, Default)]
pub struct MeetingFilter {
    pub kind: Option<MeetingKind>,
    pub held_from: Option<Date>,
    pub held_to: Option<Date>,
}

#[derive(InputObject, Default)]
pub struct DecisionFilter {
    pub kind: Option<Vec<DecisionKind>>,
    pub meeting: Option<ID>,
    pub concept_note: Option<ID>,
    pub joint_programme: Option<ID>,
    pub recorded_from: Option<Date>,
    pub recorded_to: Option<Date>,
}

#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// The global id of the record.
    pub subject: Option<ID>,
    /// A token subject, e.g. `user:3`.
    pub actor: Option<String>,
    /// A mutation name, e.g. `recordTransfer`.
    pub action: Option<String>,
    pub from: Option<DateTime>,
    pub to: Option<DateTime>,
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

#[Object]
impl Query {
    /// Any object by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        node::resolve(ctx, &id).await
    }

    /// Several objects by their global ids, in the order asked (null where none).
    #[graphql(complexity = "crate::graphql::limits::list_cost(ids.len(), child_complexity)")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
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

    /// Who is calling; null without a token.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.actor().principal.clone().map(Viewer)
    }

    /// The fund's five thematic areas.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn thematic_areas(&self, ctx: &Context<'_>) -> Result<Vec<ThematicArea>> {
        Ok(check(ctx, ctx.services().thematic_areas().await)?
            .into_iter()
            .map(ThematicArea)
            .collect())
    }

    /// The 23 objectives of the Global Compact for Migration.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::OBJECTIVES, child_complexity)"
    )]
    async fn gcm_objectives(&self, ctx: &Context<'_>) -> Result<Vec<GcmObjective>> {
        Ok(check(ctx, ctx.services().gcm_objectives().await)?
            .into_iter()
            .map(GcmObjective)
            .collect())
    }

    /// The Compact's ten guiding principles.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PRINCIPLES, child_complexity)"
    )]
    async fn guiding_principles(&self, ctx: &Context<'_>) -> Result<Vec<GuidingPrinciple>> {
        Ok(check(ctx, ctx.services().guiding_principles().await)?
            .into_iter()
            .map(GuidingPrinciple)
            .collect())
    }

    /// Every ISO 3166-1 country, optionally of one UN region.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ALL_COUNTRIES, child_complexity)"
    )]
    async fn countries(&self, ctx: &Context<'_>, region: Option<Region>) -> Result<Vec<Country>> {
        Ok(check(ctx, ctx.services().countries(region).await)?
            .into_iter()
            .map(Country)
            .collect())
    }

    /// UN entities that can be participating organizations.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilter>,
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

    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn donors(
        &self,
        ctx: &Context<'_>,
        filter: Option<DonorFilter>,
        order_by: Option<DonorOrder>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
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

    /// Contributions the caller may read: a donor sees its own only.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContributionFilter>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
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

    /// Concept notes the caller may read: donors and partner systems from the pipeline on,
    /// participating organizations also their own in any status.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn concept_notes(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConceptNoteFilter>,
        order_by: Option<ConceptNoteOrder>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ConceptNote>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = NoteFilter {
            common: portfolio_filter!(f),
            statuses: f.status.unwrap_or_default(),
            submitted_from: f.submitted_from.map(|d| d.0),
            submitted_to: f.submitted_to.map(|d| d.0),
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

    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn joint_programmes(
        &self,
        ctx: &Context<'_>,
        filter: Option<JointProgrammeFilter>,
        order_by: Option<JointProgrammeOrder>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<JointProgramme>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = ProgrammeFilter {
            common: portfolio_filter!(f),
            statuses: f.status.unwrap_or_default(),
            start_from: f.start_from.map(|d| d.0),
            start_to: f.start_to.map(|d| d.0),
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

    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn steering_committee_meetings(
        &self,
        ctx: &Context<'_>,
        filter: Option<MeetingFilter>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
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

    /// Decisions of the steering committee, newest first; those on concept notes the caller may
    /// not read yet are left out.
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        filter: Option<DecisionFilter>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Decision>> {
        let window = connection::window(after, before, first, last)?;
        let f = filter.unwrap_or_default();
        let filter = DecisionsFilter {
            kinds: f.kind.unwrap_or_default(),
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

    /// The fund at a glance: `totals` are public, everything else needs a token. The optional
    /// arguments narrow it to a period, a thematic area or a UN region.
    async fn portfolio(
        &self,
        from: Option<Date>,
        to: Option<Date>,
        thematic_area: Option<ID>,
        region: Option<Region>,
    ) -> Result<Portfolio> {
        if let (Some(from), Some(to)) = (from, to) {
            if from.0 > to.0 {
                return Err(super::errors::coded(
                    "`from` is after `to`",
                    "BAD_USER_INPUT",
                ));
            }
        }
        Ok(Portfolio(PortfolioScope::new(
            from.map(|d| d.0),
            to.map(|d| d.0),
            optional_id(thematic_area.as_ref(), Kind::ThematicArea, "thematicArea")?,
            region,
        )))
    }

    /// The audit trail, newest first (fund staff and the steering committee).
    #[graphql(complexity = "super::limits::connection_cost(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
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
