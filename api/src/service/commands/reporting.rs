//! Narrative reports: the convening organization's report on a programme's year, or its final
//! report. With the organizations' certified expenditure (`reportExpenditure`), they are what the
//! reporting calendar (`service::reporting`) counts as submitted.

use crate::domain::{PortfolioEventKind, ProgrammeStatus, Role, Text, UserError, UserErrorCode};
use crate::ids::Kind;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::{Ctx, ServiceError, ServiceResult, Services};
use chrono::Datelike;
use entity::{joint_programme, narrative_report};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::Serialize;

#[derive(Serialize, Clone, Debug)]
pub struct NewNarrativeReport {
    pub joint_programme_id: i64,
    /// The calendar year an annual report covers; `None` for the final report.
    pub year: Option<i32>,
    pub summary: String,
}

/// Submits a programme's narrative report (PUNO: the convening organization only): on a calendar
/// year of the programme's that has ended (every year but its last), or — once the programme
/// has ended — its final report. One of each; not once the programme is financially closed.
pub async fn submit_narrative_report(
    fund: &Services,
    ctx: &Ctx,
    input: NewNarrativeReport,
) -> ServiceResult<narrative_report::Model> {
    let command = Command::new(
        ctx,
        "submitNarrativeReport",
        &[Role::Puno],
        "submit narrative reports: the convening organization reports on its programme",
    )?;
    let principal = command.principal();
    let summary = Text::Summary.required(&input.summary, "summary")?;
    command
        .run(fund, async |txn, effect| {
            let programme = joint_programme::Entity::find_by_id(input.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            if principal.organization_id != Some(programme.convening_organization_id) {
                return Err(ServiceError::Forbidden(
                    "submit this programme's narrative reports: its convening organization does"
                        .to_owned(),
                ));
            }
            if !ProgrammeStatus::from_stored(&programme.status)?.accepts_reports() {
                let message = format!("the programme is {}: no more reports", programme.status);
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["jointProgramme"], message).into());
            }
            let today = chrono::Utc::now().date_naive();
            let (first, last) = (programme.start_date.year(), programme.end_date.year());
            let year = match input.year {
                Some(year) if !(first..last).contains(&year) => {
                    let message = format!(
                        "an annual narrative report covers a year from {first} to {}; the last year is in the final report",
                        last - 1
                    );
                    return Err(UserError::validation("year", message).into());
                }
                Some(year) if year >= today.year() => {
                    let message = format!("the report on {year} is sent once the year has ended");
                    return Err(UserError::new(UserErrorCode::InvalidTransition, &["year"], message).into());
                }
                Some(year) => year,
                None if today < programme.end_date => {
                    let message = format!(
                        "the final report is sent once the programme has ended, on {}",
                        programme.end_date
                    );
                    return Err(UserError::new(UserErrorCode::InvalidTransition, &["year"], message).into());
                }
                None => last,
            };
            let created = narrative_report::ActiveModel {
                joint_programme_id: Set(programme.id),
                year: Set(year),
                r#final: Set(input.year.is_none()),
                summary: Set(summary),
                submitted_by: Set(principal.subject.clone()),
                submitted_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::NarrativeReport, created.id), &created);
            let what = match input.year {
                Some(year) => format!("narrative report on {year}"),
                None => "final narrative report".to_owned(),
            };
            let summary = format!("Joint programme {}: {what} submitted", programme.code);
            effect.announce(NewEvent::new(
                PortfolioEventKind::NarrativeReport,
                (Kind::NarrativeReport, created.id),
                summary,
            ));
            Ok(created)
        })
        .await
}
