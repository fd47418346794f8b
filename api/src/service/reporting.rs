//! The reporting calendar, read side: every report the fund's programmes owe, when it is due and
//! whether it came (docs/reporting.md). What is owed is `domain::calendar`'s rule over the
//! programmes' dates and budget lines; what came is the organizations' certified expenditure and
//! the convening organizations' narrative reports.

use super::page::{Page, Window};
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::calendar::{self, ReportDue};
use crate::domain::{ExpenditureNature, ReportKind, ReportStatus};
use chrono::NaiveDate;
use entity::{budget_line, expenditure_report, joint_programme, narrative_report};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// Narrows the calendar; every field given must match.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    pub joint_programme_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub kinds: Vec<ReportKind>,
    pub statuses: Vec<ReportStatus>,
    /// Only reports due on or before this day.
    pub due_by: Option<NaiveDate>,
}

/// One report a programme owes, and where it stands on the calendar's day.
#[derive(Clone, Debug)]
pub struct ReportOwed {
    pub joint_programme_id: i64,
    pub due: ReportDue,
    pub status: ReportStatus,
    /// The day it was submitted (UTC), if it was.
    pub submitted_on: Option<NaiveDate>,
    pub expenditure_report_id: Option<i64>,
    pub narrative_report_id: Option<i64>,
}

impl Services {
    /// The reports owed, on `as_of`, in due-date order. A PUNO reads its own organization's
    /// (see [`policy::reporting_organization`]); every other token the whole fund's.
    pub async fn reporting_calendar(
        &self,
        ctx: &Ctx,
        as_of: NaiveDate,
        mut filter: ReportFilter,
        window: Window,
    ) -> ServiceResult<Page<ReportOwed>> {
        let principal = policy::authenticated(ctx)?;
        if let Some(own) = policy::reporting_organization(principal) {
            if filter.organization_id.is_some_and(|named| named != own) {
                return Ok(Page::of(Vec::new(), window));
            }
            filter.organization_id = Some(own);
        }
        let mut programmes =
            joint_programme::Entity::find().order_by_asc(joint_programme::Column::Id);
        let mut lines = budget_line::Entity::find().order_by_asc(budget_line::Column::Id);
        let mut spent = expenditure_report::Entity::find();
        let mut narratives = narrative_report::Entity::find();
        if let Some(id) = filter.joint_programme_id {
            programmes = programmes.filter(joint_programme::Column::Id.eq(id));
            lines = lines.filter(budget_line::Column::JointProgrammeId.eq(id));
            spent = spent.filter(expenditure_report::Column::JointProgrammeId.eq(id));
            narratives = narratives.filter(narrative_report::Column::JointProgrammeId.eq(id));
        }
        let programmes = programmes.all(&self.db).await?;
        let mut organizations: HashMap<i64, Vec<i64>> = HashMap::new();
        for line in lines.all(&self.db).await? {
            organizations
                .entry(line.joint_programme_id)
                .or_default()
                .push(line.organization_id);
        }
        let mut expenditure: HashMap<(i64, i64), Vec<expenditure_report::Model>> = HashMap::new();
        // Only a certified figure answers a financial report; an interim one does not.
        let spent = spent
            .filter(expenditure_report::Column::Nature.eq(ExpenditureNature::Certified.as_str()));
        for report in spent.all(&self.db).await? {
            expenditure
                .entry((report.joint_programme_id, report.organization_id))
                .or_default()
                .push(report);
        }
        let narratives: HashMap<(i64, i32, bool), narrative_report::Model> = narratives
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| ((r.joint_programme_id, r.year, r.r#final), r))
            .collect();

        let mut owed = Vec::new();
        for programme in &programmes {
            let lines = organizations
                .get(&programme.id)
                .map_or(&[][..], Vec::as_slice);
            for due in calendar::reports_owed(
                programme.start_date,
                programme.end_date,
                programme.convening_organization_id,
                lines,
            ) {
                let (expenditure_report_id, narrative_report_id, submitted_on) = match due.kind {
                    ReportKind::AnnualFinancial | ReportKind::FinalFinancial => {
                        let reports = expenditure
                            .get(&(programme.id, due.organization_id))
                            .map_or(&[][..], Vec::as_slice);
                        let found = financial_report_for(reports, due.kind, due.year);
                        (
                            found.map(|r| r.id),
                            None,
                            found.map(|r| r.certified_at.unwrap_or(r.reported_at).date_naive()),
                        )
                    }
                    ReportKind::AnnualNarrative | ReportKind::FinalNarrative => {
                        let is_final = due.kind == ReportKind::FinalNarrative;
                        let found = narratives.get(&(programme.id, due.year, is_final));
                        (
                            None,
                            found.map(|r| r.id),
                            found.map(|r| r.submitted_at.date_naive()),
                        )
                    }
                };
                // The calendar of a past day shows what had come by then.
                let (expenditure_report_id, narrative_report_id, submitted_on) = match submitted_on
                {
                    Some(on) if on > as_of => (None, None, None),
                    _ => (expenditure_report_id, narrative_report_id, submitted_on),
                };
                let status = calendar::status(due.due_on, submitted_on, as_of);
                owed.push(ReportOwed {
                    joint_programme_id: programme.id,
                    due,
                    status,
                    submitted_on,
                    expenditure_report_id,
                    narrative_report_id,
                });
            }
        }
        owed.retain(|report| {
            filter
                .organization_id
                .is_none_or(|id| report.due.organization_id == id)
                && (filter.kinds.is_empty() || filter.kinds.contains(&report.due.kind))
                && (filter.statuses.is_empty() || filter.statuses.contains(&report.status))
                && filter.due_by.is_none_or(|by| report.due.due_on <= by)
        });
        owed.sort_by_key(|r| {
            (
                r.due.due_on,
                r.joint_programme_id,
                r.due.kind.as_str(),
                r.due.organization_id,
            )
        });
        Ok(Page::of(owed, window))
    }
}

/// The certified expenditure report that answers a financial report owed (the day it was
/// certified is the day it came): the year's report for an annual one — or the final report,
/// which closes every later year — and the final report for a final one.
fn financial_report_for(
    reports: &[expenditure_report::Model],
    kind: ReportKind,
    year: i32,
) -> Option<&expenditure_report::Model> {
    let final_report = reports.iter().find(|r| r.r#final);
    match kind {
        ReportKind::FinalFinancial => final_report,
        _ => reports
            .iter()
            .find(|r| r.year == year)
            .or(final_report.filter(|f| f.year <= year)),
    }
}
