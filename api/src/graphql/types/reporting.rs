//! The reporting calendar and the programmes' narrative reports (see docs/reporting.md).

use super::programmes::{ExpenditureReport, JointProgramme};
use super::reference::Organization;
use crate::domain::{ReportKind, ReportStatus};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::reporting::ReportOwed;
use async_graphql::{Context, Object, Result, ID};
use entity::narrative_report;

/// A convening organization's narrative report on a programme.
pub struct NarrativeReport(pub narrative_report::Model);

/// A convening organization's narrative report on a joint programme: on a calendar year, or its
/// final report (`submitNarrativeReport`). Read by every token, as programmes are.
#[Object]
impl NarrativeReport {
    /// The report's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::NarrativeReport, self.0.id))
    }
    /// The programme reported on.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        super::programmes::programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The calendar year an annual report covers; for the final report, the end date's year.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// Whether this is the programme's final narrative report.
    async fn r#final(&self) -> bool {
        self.0.r#final
    }
    /// What the programme achieved, as the convening organization reports it.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// The token subject of who submitted it.
    async fn submitted_by(&self) -> &str {
        &self.0.submitted_by
    }
    /// When it was submitted (UTC).
    async fn submitted_at(&self) -> DateTime {
        DateTime(self.0.submitted_at)
    }
}

/// A report a programme owes.
pub struct ReportDue(pub ReportOwed);

/// A report a joint programme owes the fund, when it is due, and whether it came — as of the
/// calendar's day (`reportingCalendar`'s `filter.asOf`).
#[Object]
impl ReportDue {
    /// Which report.
    async fn kind(&self) -> ReportKind {
        self.0.due.kind
    }
    /// The programme that owes it.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        super::programmes::programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The organization that owes it: the convening organization for narrative reports, each
    /// participating organization for its certified expenditure.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(OrganizationById(self.0.due.organization_id))
                .await,
        )?
        .map(Organization))
    }
    /// The calendar year an annual report covers; the end date's year for final reports.
    async fn year(&self) -> i32 {
        self.0.due.year
    }
    /// The last day it is on time.
    async fn due_on(&self) -> Date {
        Date(self.0.due.due_on)
    }
    /// Where it stands on the calendar's day.
    async fn status(&self) -> ReportStatus {
        self.0.status
    }
    /// The day it was submitted (UTC); null while it has not been.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_on.map(Date)
    }
    /// The expenditure report that answered it (financial reports); null otherwise.
    async fn expenditure_report(&self, ctx: &Context<'_>) -> Result<Option<ExpenditureReport>> {
        let Some(id) = self.0.expenditure_report_id else {
            return Ok(None);
        };
        Ok(
            loaded(ctx, ctx.loader().load_one(ExpenditureReportById(id)).await)?
                .map(ExpenditureReport),
        )
    }
    /// The narrative report that answered it (narrative reports); null otherwise.
    async fn narrative_report(&self, ctx: &Context<'_>) -> Result<Option<NarrativeReport>> {
        let Some(id) = self.0.narrative_report_id else {
            return Ok(None);
        };
        let found = crate::graphql::check(
            ctx,
            ctx.services()
                .programme_detail::<narrative_report::Entity>(ctx.actor(), id)
                .await,
        )?;
        Ok(found.map(NarrativeReport))
    }
}
