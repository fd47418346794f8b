//! Expenditure as the UN system reports it (docs/reporting.md): a participating organization
//! reports a year's expenditure by the harmonized cost categories, interim or certified
//! (`reportExpenditure`), and the Administrative Agent corrects a certified figure on an audit's
//! word (`correctExpenditure`). Every figure is kept as a statement on the year's report; the
//! report's figure — the one the books count — is its latest statement: the latest certified or
//! corrected figure, or the interim where none is certified. Each change reverses the figure's
//! standing `EXPENDITURE` entry in the ledger and books the new one.

use crate::auth::Principal;
use crate::domain::expenditure::{self, ByCategory};
use crate::domain::{
    CostCategory, ExpenditureNature, LedgerEntryKind, PortfolioEventKind, ProgrammeStatus, Rate,
    Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::arithmetic;
use crate::service::commands::books;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::{lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{budget_line, expenditure_report, expenditure_statement, joint_programme};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde::Serialize;

#[derive(Serialize, Clone, Debug)]
pub struct NewExpenditure {
    pub joint_programme_id: i64,
    pub organization_id: Option<i64>,
    pub year: i32,
    pub nature: ExpenditureNature,
    /// The amounts by cost category, as given.
    pub lines: Vec<(CostCategory, Decimal)>,
    /// The total the caller states (deprecated input): when given, the lines' sum.
    pub amount_usd: Option<Decimal>,
    pub is_final: bool,
}

#[derive(Serialize, Clone, Debug)]
pub struct ExpenditureCorrection {
    pub expenditure_report_id: i64,
    pub expected_version: i32,
    pub lines: Vec<(CostCategory, Decimal)>,
    pub audit_reference: String,
    pub reason: String,
}

/// The figure of a stored statement, by category.
pub fn by_category(statement: &expenditure_statement::Model) -> ByCategory {
    ByCategory::from_cents([
        statement.staff_and_personnel_usd_cents,
        statement.supplies_usd_cents,
        statement.equipment_usd_cents,
        statement.contractual_services_usd_cents,
        statement.travel_usd_cents,
        statement.transfers_and_grants_usd_cents,
        statement.general_operating_usd_cents,
        statement.indirect_support_costs_usd_cents,
    ])
}

/// A new statement of `figure` on `report`.
struct Stated<'a> {
    report: i64,
    nature: ExpenditureNature,
    figure: ByCategory,
    total: Usd,
    audit: Option<(&'a str, &'a str)>,
    by: &'a str,
    at: DateTime<Utc>,
}

async fn state(
    txn: &DatabaseTransaction,
    s: Stated<'_>,
) -> ServiceResult<expenditure_statement::Model> {
    let [staff, supplies, equipment, contractual, travel, grants, operating, support] =
        s.figure.cents();
    Ok(expenditure_statement::ActiveModel {
        expenditure_report_id: Set(s.report),
        nature: Set(s.nature.as_str().to_owned()),
        audited: Set(s.audit.is_some()),
        audit_reference: Set(s.audit.map(|(reference, _)| reference.to_owned())),
        reason: Set(s.audit.map(|(_, reason)| reason.to_owned())),
        staff_and_personnel_usd_cents: Set(staff),
        supplies_usd_cents: Set(supplies),
        equipment_usd_cents: Set(equipment),
        contractual_services_usd_cents: Set(contractual),
        travel_usd_cents: Set(travel),
        transfers_and_grants_usd_cents: Set(grants),
        general_operating_usd_cents: Set(operating),
        indirect_support_costs_usd_cents: Set(support),
        amount_usd_cents: Set(s.total.cents()),
        stated_by: Set(s.by.to_owned()),
        stated_at: Set(s.at),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Books `report`'s figure: reverses its standing `EXPENDITURE` entry (on that entry's own value
/// date, so the year's figure is the corrected one by value date, while `knownAt` still shows
/// what the books said before) and appends the new one, dated at the end of the year reported,
/// or today for the current year's interim figure. A figure of 0 books nothing.
async fn book(
    txn: &DatabaseTransaction,
    report: &expenditure_report::Model,
    programme_code: &str,
    recorded_by: &str,
    note: &str,
) -> ServiceResult<()> {
    let mut entries = Vec::new();
    for standing in ledger::standing_entries_of_expenditure_report(txn, report.id).await? {
        entries.push(
            NewEntry::reversing(&standing, standing.value_date)?.described(format!(
                "{} expenditure on {programme_code}, {note}",
                report.year
            )),
        );
    }
    if report.amount_usd_cents > 0 {
        let year_end = NaiveDate::from_ymd_opt(report.year, 12, 31)
            .ok_or_else(|| anyhow::anyhow!("year {} has no end", report.year))?;
        let on = Ord::min(year_end, Utc::now().date_naive());
        let nature = ExpenditureNature::from_stored(&report.nature)?;
        entries.push(
            NewEntry::usd(
                LedgerEntryKind::Expenditure,
                on,
                Usd::from_cents(report.amount_usd_cents),
            )
            .programme(report.joint_programme_id)
            .organization(report.organization_id)
            .expenditure_report(report.id)
            .described(format!(
                "{} expenditure on {programme_code} ({})",
                report.year,
                nature.as_str().to_lowercase()
            )),
        );
    }
    ledger::append(txn, recorded_by, entries).await?;
    Ok(())
}

/// `BUDGET_EXCEEDED` on `field` unless the organization's expenditure on the programme, every
/// year's figure with `year`'s at `total`, is within what was transferred to it net of its
/// refunds.
async fn check_within_transfers(
    txn: &DatabaseTransaction,
    programme: &joint_programme::Model,
    line: &budget_line::Model,
    others: impl Iterator<Item = Usd>,
    total: Option<Usd>,
    field: &str,
) -> ServiceResult<()> {
    // Each figure is within what was transferred, so the sum fits; if it did not, it would
    // certainly be more than was transferred.
    let spent = total.and_then(|total| Usd::checked_sum(others.chain([total])));
    // What was transferred, less what the organization refunded: money it gave back is not
    // money it can spend.
    let transferred = Usd::from_cents(arithmetic::transferred_on_line(txn, line.id).await?);
    let refunded = books::refunded(txn, programme.id, line.organization_id).await?;
    let net = transferred.checked_sub(refunded).ok_or_else(|| {
        anyhow::anyhow!(
            "the money of programme {} does not fit in cents",
            programme.id
        )
    })?;
    if spent.is_none_or(|spent| spent > net) {
        let spent = spent.map_or_else(
            || "more than the fund can record".to_owned(),
            |s| s.to_string(),
        );
        let message = if refunded > Usd::ZERO {
            format!("expenditure would reach {spent}, more than the {net} transferred to the organization net of its refunds")
        } else {
            format!("expenditure would reach {spent}, more than the {transferred} transferred to the organization")
        };
        return Err(UserError::new(UserErrorCode::BudgetExceeded, &[field], message).into());
    }
    Ok(())
}

/// A participating organization reports a year's expenditure on a programme it takes part in
/// (PUNO, for itself), by cost category: the total is the lines' exact sum, the indirect
/// support costs at most the budget line's rate times the programmable expenditure, and all
/// years together never more than was transferred to it. An interim figure (the current or a
/// past year) replaces the year's interim figure; a certified one (a year that has ended, or the
/// final report once the programme has ended) comes once, and nothing after the final report.
/// Once per idempotency key.
pub async fn report_expenditure(
    fund: &Services,
    ctx: &Ctx,
    input: NewExpenditure,
    idempotency_key: &str,
) -> ServiceResult<expenditure_report::Model> {
    let command = Command::new(
        ctx,
        "reportExpenditure",
        &[Role::Puno],
        "report expenditure: participating organizations report their own",
    )?
    .idempotent(idempotency_key, &input)?;
    let reporter = command.principal();
    let organization = own_organization(reporter, input.organization_id)?;
    let (figure, support_at) = ByCategory::parse(&input.lines)?;
    let total = figure.total();
    if let Some(stated) = input.amount_usd {
        let stated = Usd::parse(stated, "amountUsd")?;
        if total != Some(stated) {
            let total = total.map_or_else(
                || "more than the fund can record".to_owned(),
                |t| t.to_string(),
            );
            let message = format!("the lines total {total}, not {stated}: leave amountUsd out, the total is the lines' sum");
            return Err(UserError::validation("amountUsd", message).into());
        }
    }
    let today = Utc::now().date_naive();
    let this_year = chrono::Datelike::year(&today);
    // The year first, whatever the programme: a year the fund did not exist in, or to come.
    expenditure::check_year(input.year, this_year)?;
    let reported_by = reporter.subject.clone();
    command
        .run(fund, async |txn, effect| {
            let programme = lock_row::<joint_programme::Entity>(txn, input.joint_programme_id)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            if !ProgrammeStatus::from_stored(&programme.status)?.accepts_reports() {
                let message = format!("the programme is {}: no more reports", programme.status);
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["jointProgramme"], message).into());
            }
            let line = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
                .filter(budget_line::Column::OrganizationId.eq(organization))
                .one(txn)
                .await?
                .ok_or_else(|| ServiceError::Forbidden("your organization takes no part in this programme".to_owned()))?;
            expenditure::check_reportable(input.nature, input.year, this_year, input.is_final, programme.end_date < today)?;
            let existing = expenditure_report::Entity::find()
                .filter(expenditure_report::Column::JointProgrammeId.eq(programme.id))
                .filter(expenditure_report::Column::OrganizationId.eq(organization))
                .all(txn)
                .await?;
            let same_year = existing.iter().find(|r| r.year == input.year);
            // Said first, as the reports are at hand; a racing twin meets the unique key instead.
            if same_year.is_some_and(|r| r.nature == ExpenditureNature::Certified.as_str()) {
                let message = format!("your organization already certified its expenditure for {}: only an audited correction (correctExpenditure) changes it", input.year);
                return Err(UserError::new(UserErrorCode::Duplicate, &["year"], message).into());
            }
            if existing.iter().any(|r| r.r#final) {
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["year"], "your organization already sent its final expenditure report").into());
            }
            let rate = Rate::from_stored(&line.indirect_support_cost_rate)?;
            figure.check_support(rate, support_at)?;
            let others = existing
                .iter()
                .filter(|r| r.year != input.year)
                .map(|r| Usd::from_cents(r.amount_usd_cents));
            check_within_transfers(txn, &programme, &line, others, total, "lines").await?;
            let total = total.ok_or_else(|| anyhow::anyhow!("an expenditure within transfers does not fit"))?;
            let now = Utc::now();
            let certified_at = (input.nature == ExpenditureNature::Certified).then_some(now);
            let report = match same_year {
                None => {
                    let created = expenditure_report::ActiveModel {
                        joint_programme_id: Set(programme.id),
                        organization_id: Set(organization),
                        year: Set(input.year),
                        amount_usd_cents: Set(total.cents()),
                        r#final: Set(input.is_final),
                        reported_by: Set(reported_by.clone()),
                        reported_at: Set(now),
                        nature: Set(input.nature.as_str().to_owned()),
                        certified_at: Set(certified_at),
                        version: Set(1),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                    effect.created((Kind::ExpenditureReport, created.id), &created);
                    created
                }
                Some(interim) => {
                    // The year's interim figure, replaced (its statement is kept).
                    let report = lock_row::<expenditure_report::Entity>(txn, interim.id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("expenditure report {} vanished", interim.id))?;
                    let mut row: expenditure_report::ActiveModel = report.clone().into();
                    row.amount_usd_cents = Set(total.cents());
                    row.r#final = Set(input.is_final);
                    row.reported_by = Set(reported_by.clone());
                    row.reported_at = Set(now);
                    row.nature = Set(input.nature.as_str().to_owned());
                    row.certified_at = Set(certified_at);
                    let after = row.update(txn).await?;
                    effect.changed((Kind::ExpenditureReport, after.id), interim, &after);
                    after
                }
            };
            state(txn, Stated {
                report: report.id,
                nature: input.nature,
                figure,
                total,
                audit: None,
                by: &reported_by,
                at: now,
            })
            .await?;
            let note = if input.nature == ExpenditureNature::Certified { "replaced by the certified figure" } else { "replaced by a new interim figure" };
            book(txn, &report, &programme.code, &reported_by, note).await?;
            let what = if input.nature == ExpenditureNature::Certified { "certified" } else { "interim" };
            let summary = format!("{} {what} expenditure of {total} reported on {}", input.year, programme.code);
            effect.announce(NewEvent::new(PortfolioEventKind::Expenditure, (Kind::ExpenditureReport, report.id), summary));
            Ok(report)
        })
        .await
}

/// The Administrative Agent corrects a certified expenditure figure on an audit's word (ADMIN):
/// a new statement marked audited, with the audit's reference and the reason, by cost category
/// under the same rules as the organization's report; the certified figure and every earlier
/// correction are kept. The report must be certified (an interim figure is its organization's to
/// replace), at `expectedVersion`. Once per idempotency key.
pub async fn correct_expenditure(
    fund: &Services,
    ctx: &Ctx,
    input: ExpenditureCorrection,
    idempotency_key: &str,
) -> ServiceResult<expenditure_report::Model> {
    let command = Command::new(
        ctx,
        "correctExpenditure",
        &[Role::Admin],
        "correct certified expenditure: the Administrative Agent does, on an audit's word",
    )?
    .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let reference = Text::Reference.required(&input.audit_reference, "auditReference")?;
    let reason = Text::Reason.required(&input.reason, "reason")?;
    let (figure, support_at) = ByCategory::parse(&input.lines)?;
    command
        .run(fund, async |txn, effect| {
            let found = expenditure_report::Entity::find_by_id(input.expenditure_report_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("expenditureReport", "expenditure report"))?;
            let programme = lock_row::<joint_programme::Entity>(txn, found.joint_programme_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("expenditure report {} without its programme", found.id))?;
            if found.nature != ExpenditureNature::Certified.as_str() {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["expenditureReport"],
                    "this figure is interim: its organization replaces it (reportExpenditure) until it certifies the year; an audited correction changes a certified figure",
                )
                .into());
            }
            if !ProgrammeStatus::from_stored(&programme.status)?.accepts_reports() {
                let message = format!("the programme is {}: its expenditure is closed", programme.status);
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["expenditureReport"], message).into());
            }
            crate::service::claim_version::<expenditure_report::Entity>(txn, found.id, found.version, input.expected_version).await?;
            let line = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
                .filter(budget_line::Column::OrganizationId.eq(found.organization_id))
                .one(txn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("expenditure report {} without its budget line", found.id))?;
            let rate = Rate::from_stored(&line.indirect_support_cost_rate)?;
            figure.check_support(rate, support_at)?;
            let others = expenditure_report::Entity::find()
                .filter(expenditure_report::Column::JointProgrammeId.eq(programme.id))
                .filter(expenditure_report::Column::OrganizationId.eq(found.organization_id))
                .filter(expenditure_report::Column::Id.ne(found.id))
                .all(txn)
                .await?;
            let total = figure.total();
            check_within_transfers(txn, &programme, &line, others.iter().map(|r| Usd::from_cents(r.amount_usd_cents)), total, "lines").await?;
            let total = total.ok_or_else(|| anyhow::anyhow!("an expenditure within transfers does not fit"))?;
            let now = Utc::now();
            let mut row: expenditure_report::ActiveModel = found.clone().into();
            row.amount_usd_cents = Set(total.cents());
            row.reported_by = Set(officer.clone());
            row.reported_at = Set(now);
            row.version = Set(found.version + 1);
            let after = row.update(txn).await?;
            state(txn, Stated {
                report: after.id,
                nature: ExpenditureNature::Certified,
                figure,
                total,
                audit: Some((reference.as_str(), reason.as_str())),
                by: &officer,
                at: now,
            })
            .await?;
            book(txn, &after, &programme.code, &officer, &format!("corrected on audit {reference}: {reason}")).await?;
            effect.audit(
                (Kind::ExpenditureReport, after.id),
                Some(crate::service::audit::snapshot(&found)),
                serde_json::json!({ "report": crate::service::audit::snapshot(&after), "auditReference": reference, "reason": reason }),
            );
            let summary = format!(
                "{} certified expenditure on {} corrected from {} to {total} on audit {reference}",
                after.year,
                programme.code,
                Usd::from_cents(found.amount_usd_cents)
            );
            effect.announce(NewEvent::new(PortfolioEventKind::Expenditure, (Kind::ExpenditureReport, after.id), summary));
            Ok(after)
        })
        .await
}

/// The organization a PUNO reports for: its own, whatever the input says.
fn own_organization(principal: &Principal, named: Option<i64>) -> ServiceResult<i64> {
    let own = principal
        .organization_id
        .ok_or_else(|| ServiceError::Forbidden("this token names no organization".to_owned()))?;
    match named {
        Some(other) if other != own => Err(ServiceError::Forbidden(
            "a participating organization reports for itself only".to_owned(),
        )),
        _ => Ok(own),
    }
}
