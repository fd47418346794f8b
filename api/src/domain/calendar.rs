//! The reporting calendar: the reports a joint programme owes the fund, and when each is due,
//! from its dates and its budget lines alone (docs/reporting.md). The MPTF Office's standard
//! terms for pass-through funds:
//!
//! - an **annual narrative report** from the convening organization for every calendar year the
//!   programme ran before its last, by 31 May of the next year;
//! - **annual certified expenditure** from every participating organization for every calendar
//!   year the programme ran, by 30 April of the next year;
//! - a **final narrative report** from the convening organization within four months of the end
//!   date;
//! - **final certified expenditure** from every participating organization by 30 June of the
//!   year after the end date.

use super::vocabulary::{ReportKind, ReportStatus};
use chrono::{Datelike, Months, NaiveDate};

/// One report a programme owes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportDue {
    pub kind: ReportKind,
    /// The organization that owes it: the convening organization for narrative reports.
    pub organization_id: i64,
    /// The calendar year an annual report covers; the end date's year for final reports.
    pub year: i32,
    pub due_on: NaiveDate,
}

/// The reports a programme running from `start` to `end`, convened by `convening`, with budget
/// lines for `organizations`, owes; in due-date order.
pub fn reports_owed(
    start: NaiveDate,
    end: NaiveDate,
    convening: i64,
    organizations: &[i64],
) -> Vec<ReportDue> {
    let mut owed = Vec::new();
    let on = |year: i32, month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day);
    for year in start.year()..=end.year() {
        if year < end.year() {
            if let Some(due_on) = on(year + 1, 5, 31) {
                owed.push(ReportDue {
                    kind: ReportKind::AnnualNarrative,
                    organization_id: convening,
                    year,
                    due_on,
                });
            }
        }
        if let Some(due_on) = on(year + 1, 4, 30) {
            owed.extend(organizations.iter().map(|&organization_id| ReportDue {
                kind: ReportKind::AnnualFinancial,
                organization_id,
                year,
                due_on,
            }));
        }
    }
    if let Some(due_on) = end.checked_add_months(Months::new(4)) {
        owed.push(ReportDue {
            kind: ReportKind::FinalNarrative,
            organization_id: convening,
            year: end.year(),
            due_on,
        });
    }
    if let Some(due_on) = on(end.year() + 1, 6, 30) {
        owed.extend(organizations.iter().map(|&organization_id| ReportDue {
            kind: ReportKind::FinalFinancial,
            organization_id,
            year: end.year(),
            due_on,
        }));
    }
    owed.sort_by_key(|report| (report.due_on, report.kind.as_str(), report.organization_id));
    owed
}

/// Where a report stands on `today`: submitted (on time or late), overdue, or still due.
pub fn status(
    due_on: NaiveDate,
    submitted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ReportStatus {
    match submitted_on {
        Some(submitted) if submitted <= due_on => ReportStatus::Submitted,
        Some(_) => ReportStatus::SubmittedLate,
        None if today > due_on => ReportStatus::Overdue,
        None => ReportStatus::Due,
    }
}

/// The share of a programme's time elapsed on `today`, from 0 to 1 (ratio scale): what its
/// delivery is compared with.
pub fn time_elapsed(
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Option<rust_decimal::Decimal> {
    let whole = (end - start).num_days();
    let done = (today.clamp(start, end) - start).num_days();
    super::results::ratio(done, whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_two_year_programme_owes_its_annual_and_final_reports() {
        let owed = reports_owed(date(2020, 8, 1), date(2022, 7, 31), 1, &[1, 2]);
        let listed: Vec<(ReportKind, i64, i32, NaiveDate)> = owed
            .iter()
            .map(|r| (r.kind, r.organization_id, r.year, r.due_on))
            .collect();
        use ReportKind::*;
        assert_eq!(
            listed,
            vec![
                (AnnualFinancial, 1, 2020, date(2021, 4, 30)),
                (AnnualFinancial, 2, 2020, date(2021, 4, 30)),
                (AnnualNarrative, 1, 2020, date(2021, 5, 31)),
                (AnnualFinancial, 1, 2021, date(2022, 4, 30)),
                (AnnualFinancial, 2, 2021, date(2022, 4, 30)),
                (AnnualNarrative, 1, 2021, date(2022, 5, 31)),
                (FinalNarrative, 1, 2022, date(2022, 11, 30)),
                (AnnualFinancial, 1, 2022, date(2023, 4, 30)),
                (AnnualFinancial, 2, 2022, date(2023, 4, 30)),
                (FinalFinancial, 1, 2022, date(2023, 6, 30)),
                (FinalFinancial, 2, 2022, date(2023, 6, 30)),
            ]
        );
    }

    #[test]
    fn a_report_is_overdue_the_day_after_its_due_date() {
        let due = date(2022, 4, 30);
        assert_eq!(status(due, None, due), ReportStatus::Due);
        assert_eq!(status(due, None, date(2022, 5, 1)), ReportStatus::Overdue);
        assert_eq!(
            status(due, Some(due), date(2023, 1, 1)),
            ReportStatus::Submitted
        );
        assert_eq!(
            status(due, Some(date(2022, 5, 2)), date(2023, 1, 1)),
            ReportStatus::SubmittedLate
        );
    }

    #[test]
    fn time_elapsed_runs_from_nought_to_one() {
        let (start, end) = (date(2021, 1, 1), date(2021, 12, 31));
        assert_eq!(
            time_elapsed(start, end, date(2020, 6, 1))
                .unwrap()
                .to_string(),
            "0.0000"
        );
        assert_eq!(
            time_elapsed(start, end, date(2021, 7, 2))
                .unwrap()
                .to_string(),
            "0.5000",
            "182 of the 364 days from 1 January to 31 December"
        );
        assert_eq!(
            time_elapsed(start, end, date(2021, 4, 2))
                .unwrap()
                .to_string(),
            "0.2500"
        );
        assert_eq!(
            time_elapsed(start, end, date(2030, 1, 1))
                .unwrap()
                .to_string(),
            "1.0000"
        );
    }
}
