//! Results frameworks: the commands on a joint programme's indicators (see docs/results.md).
//!
//! A participating organization (or the Fund Management Unit) adds indicators to its programme,
//! with a baseline and its year, an overall target, targets per period and, where the fund asks
//! for it, the dimensions its values are disaggregated by; it reports values per period. A joint
//! programme exists only once approved (it is created `APPROVED` from a funded concept note), so
//! from then on only the Fund Management Unit (ADMIN) changes an indicator: it revises its form
//! (the form it replaces is kept as a revision), sets its targets per period (the targets replaced
//! are kept with the revision) or retires it, with a reason. The envelope does the rest (see
//! [`crate::service::envelope`]). Reads are in `graphql::types::programmes`.

use crate::auth::Principal;
use crate::domain::bounds::{plausible_year, MAX_TARGET_PERIODS};
use crate::domain::results::{
    check_breakdown, dimensions_from_stored, dimensions_to_stored, within,
};
use crate::domain::{
    DisaggregationCategory, DisaggregationDimension, ExactDecimal, IndicatorLevel, IndicatorStatus,
    PortfolioEventKind, ProgrammeStatus, Role, Text, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::audit::snapshot;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::{claim_version, lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::{Datelike, NaiveDate};
use entity::{
    budget_line, indicator_measurement, indicator_measurement_value, indicator_revision,
    indicator_target, joint_programme, results_indicator,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;

/// A target for one period, as a caller gives it.
#[derive(Serialize, Clone, Debug)]
pub struct NewTarget {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub target: Decimal,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewIndicator {
    pub joint_programme_id: i64,
    pub code: String,
    pub level: IndicatorLevel,
    pub statement: String,
    pub unit: String,
    pub baseline: Decimal,
    /// The programme's start year when not given.
    pub baseline_year: Option<i32>,
    pub target: Decimal,
    pub objective_id: Option<i64>,
    pub guiding_principle_id: Option<i64>,
    pub disaggregation: Vec<DisaggregationDimension>,
    pub targets: Vec<NewTarget>,
}

/// A value reported for a period, with its values per category where the indicator is
/// disaggregated.
#[derive(Serialize, Clone, Debug)]
pub struct NewReport {
    pub indicator_id: i64,
    /// When not given: the start of the indicator's target period that holds `period_end`; with no
    /// targets, the later of 1 January of `period_end`'s year and the programme's start.
    pub period_start: Option<NaiveDate>,
    pub period_end: NaiveDate,
    pub value: Decimal,
    pub note: Option<String>,
    pub breakdown: Vec<(DisaggregationCategory, Decimal)>,
}

/// What the Fund Management Unit changes in an indicator's form; what is not given stays.
#[derive(Serialize, Clone, Debug)]
pub struct IndicatorChanges {
    pub indicator_id: i64,
    pub expected_version: i32,
    pub statement: Option<String>,
    pub unit: Option<String>,
    pub baseline: Option<Decimal>,
    pub baseline_year: Option<i32>,
    pub target: Option<Decimal>,
    pub reason: String,
}

/// A value reported, with the indicator it was reported on.
pub struct Measured {
    pub measurement: indicator_measurement::Model,
    pub indicator: results_indicator::Model,
}

/// A target as checked: period and value.
type Target = (NaiveDate, NaiveDate, ExactDecimal);

/// Adds a results indicator to a programme (a participating organization of it, or the fund's
/// staff): its code unique in the programme, its target other than its baseline, its baseline
/// year (the programme's start year unless given) no later than this year, its targets per period
/// within the programme's dates and not overlapping, each disaggregation dimension once.
pub async fn add_indicator(
    fund: &Services,
    ctx: &Ctx,
    input: NewIndicator,
) -> ServiceResult<results_indicator::Model> {
    let command = Command::new(
        ctx,
        "addIndicator",
        &[Role::Admin, Role::Puno],
        "add results indicators",
    )?;
    let principal = command.principal();
    let code = Text::Code.required(&input.code, "code")?;
    let statement = Text::Statement.required(&input.statement, "statement")?;
    let unit = Text::Unit.required(&input.unit, "unit")?;
    let baseline = ExactDecimal::parse_indicator_value(input.baseline, "baseline")?;
    let target = ExactDecimal::parse_indicator_value(input.target, "target")?;
    if target == baseline {
        return Err(UserError::validation(
            "target",
            "the target differs from the baseline, or progress cannot be measured",
        )
        .into());
    }
    if let Some(year) = input.baseline_year {
        check_baseline_year(year)?;
    }
    for (index, dimension) in input.disaggregation.iter().enumerate() {
        if input.disaggregation[..index].contains(dimension) {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["disaggregation", &index.to_string()],
                format!("{dimension} is given twice: each dimension once"),
            )
            .into());
        }
    }
    command
        .run(fund, async |txn, effect| {
            let programme = lock_row::<joint_programme::Entity>(txn, input.joint_programme_id)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            require_participant(txn, principal, programme.id).await?;
            if let Some(objective) = input.objective_id {
                entity::gcm_objective::Entity::find_by_id(objective)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("objective", "GCM objective"))?;
            }
            if let Some(principle) = input.guiding_principle_id {
                entity::guiding_principle::Entity::find_by_id(principle)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("guidingPrinciple", "guiding principle"))?;
            }
            let targets = check_targets(&input.targets, &programme)?;
            let created = results_indicator::ActiveModel {
                joint_programme_id: Set(programme.id),
                code: Set(code),
                level: Set(input.level.as_str().to_owned()),
                statement: Set(statement),
                unit: Set(unit),
                baseline: Set(baseline.to_stored()),
                target: Set(target.to_stored()),
                baseline_year: Set(input.baseline_year.unwrap_or(programme.start_date.year())),
                status: Set(IndicatorStatus::Active.as_str().to_owned()),
                retired_by: Set(None),
                retired_at: Set(None),
                retirement_reason: Set(None),
                disaggregation: Set(dimensions_to_stored(&input.disaggregation)),
                target_set: Set(if targets.is_empty() { 0 } else { 1 }),
                gcm_objective_id: Set(input.objective_id),
                guiding_principle_id: Set(input.guiding_principle_id),
                created_by: Set(principal.subject.clone()),
                created_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let rows = insert_targets(txn, created.id, created.target_set, &targets).await?;
            effect.audit(
                (Kind::ResultsIndicator, created.id),
                None,
                json!({ "indicator": snapshot(&created), "targets": snapshot(&rows) }),
            );
            Ok(created)
        })
        .await
}

/// Reports an indicator's value for a period that has ended (PUNO of the programme): one value
/// per period end, from a period start no later than its end; within the programme's dates and,
/// where the indicator has targets per period, within one of those periods; not on a retired
/// indicator, nor once the programme takes no more reports. A disaggregated indicator's report
/// gives a value for every category of each of its dimensions, and where a dimension is
/// exhaustive they add up to the value.
pub async fn report_indicator_value(
    fund: &Services,
    ctx: &Ctx,
    input: NewReport,
) -> ServiceResult<Measured> {
    let command = Command::new(
        ctx,
        "reportIndicatorValue",
        &[Role::Puno],
        "report indicator values: participating organizations report their programmes' results",
    )?;
    let principal = command.principal();
    let period_end = input.period_end;
    if period_end > chrono::Utc::now().date_naive() {
        return Err(
            UserError::validation("periodEnd", "a period is reported once it has ended").into(),
        );
    }
    if input.period_start.is_some_and(|start| start > period_end) {
        return Err(
            UserError::validation("periodStart", "a period starts no later than it ends").into(),
        );
    }
    let value = ExactDecimal::parse_indicator_value(input.value, "value")?;
    let note = Text::Note.optional(input.note.as_deref(), "note")?;
    let mut breakdown = Vec::with_capacity(input.breakdown.len());
    for (index, (category, part)) in input.breakdown.iter().enumerate() {
        let part = ExactDecimal::parse_indicator_value(*part, "value").map_err(|e| {
            UserError::new(
                e.code,
                &["breakdown", &index.to_string(), "value"],
                e.message,
            )
        })?;
        breakdown.push((*category, part));
    }
    command
        .run(fund, async |txn, effect| {
            let indicator = lock_row::<results_indicator::Entity>(txn, input.indicator_id)
                .await?
                .ok_or_else(|| UserError::not_found("indicator", "results indicator"))?;
            require_participant(txn, principal, indicator.joint_programme_id).await?;
            require_active(&indicator, "reports")?;
            let programme = joint_programme::Entity::find_by_id(indicator.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("indicator {} has no programme", indicator.id))?;
            if !ProgrammeStatus::from_stored(&programme.status)?.accepts_reports() {
                let message = format!("the programme is {}: no more reports", programme.status);
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["indicator"],
                    message,
                )
                .into());
            }
            let targets = current_targets(txn, &indicator).await?;
            let period_start = period_of(&programme, &targets, input.period_start, period_end)?;
            let dimensions = dimensions_from_stored(&indicator.disaggregation)?;
            let parts: Vec<(DisaggregationCategory, Decimal)> =
                breakdown.iter().map(|(c, v)| (*c, v.0)).collect();
            check_breakdown(&dimensions, value.0, &parts)?;
            let created = indicator_measurement::ActiveModel {
                indicator_id: Set(indicator.id),
                period_start: Set(period_start),
                period_end: Set(period_end),
                value: Set(value.to_stored()),
                note: Set(note),
                reported_by: Set(principal.subject.clone()),
                reported_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut values = Vec::with_capacity(breakdown.len());
            for (category, part) in &breakdown {
                let row = indicator_measurement_value::ActiveModel {
                    measurement_id: Set(created.id),
                    dimension: Set(category.dimension().as_str().to_owned()),
                    category: Set(category.as_str().to_owned()),
                    value: Set(part.to_stored()),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                values.push(row);
            }
            effect.audit(
                (Kind::IndicatorMeasurement, created.id),
                None,
                json!({ "measurement": snapshot(&created), "breakdown": snapshot(&values) }),
            );
            let summary = format!(
                "Indicator {} reported {} {} for {period_start} to {period_end}",
                indicator.code, created.value, indicator.unit
            );
            effect.announce(NewEvent::new(
                PortfolioEventKind::IndicatorReport,
                (Kind::IndicatorMeasurement, created.id),
                summary,
            ));
            Ok(Measured {
                measurement: created,
                indicator,
            })
        })
        .await
}

/// Revises an indicator's form (ADMIN: the Fund Management Unit; an organization alone does not
/// change an approved programme's results framework), with a reason: its statement, unit,
/// baseline, baseline year or overall target, at least one of them changed, the target still
/// other than the baseline. The form it replaces is kept as the indicator's next revision. Not on
/// a retired indicator or a financially closed programme; on the version the caller read.
pub async fn revise_indicator(
    fund: &Services,
    ctx: &Ctx,
    input: IndicatorChanges,
) -> ServiceResult<results_indicator::Model> {
    let command = Command::new(
        ctx,
        "reviseIndicator",
        &[Role::Admin],
        "revise results indicators: once a programme is approved, the Fund Management Unit revises its results framework",
    )?;
    let revised_by = command.principal().subject.clone();
    let reason = Text::Reason.required(&input.reason, "reason")?;
    let statement = input
        .statement
        .as_deref()
        .map(|s| Text::Statement.required(s, "statement"))
        .transpose()?;
    let unit = input
        .unit
        .as_deref()
        .map(|u| Text::Unit.required(u, "unit"))
        .transpose()?;
    let baseline = input
        .baseline
        .map(|b| ExactDecimal::parse_indicator_value(b, "baseline"))
        .transpose()?;
    let target = input
        .target
        .map(|t| ExactDecimal::parse_indicator_value(t, "target"))
        .transpose()?;
    if let Some(year) = input.baseline_year {
        check_baseline_year(year)?;
    }
    command
        .run(fund, async |txn, effect| {
            let before = revisable(txn, input.indicator_id).await?;
            let mut row: results_indicator::ActiveModel = before.clone().into();
            let mut changed = false;
            if let Some(statement) = statement.filter(|s| *s != before.statement) {
                row.statement = Set(statement);
                changed = true;
            }
            if let Some(unit) = unit.filter(|u| *u != before.unit) {
                row.unit = Set(unit);
                changed = true;
            }
            let old_baseline = ExactDecimal::from_stored(&before.baseline)?;
            let old_target = ExactDecimal::from_stored(&before.target)?;
            if let Some(baseline) = baseline.filter(|b| *b != old_baseline) {
                row.baseline = Set(baseline.to_stored());
                changed = true;
            }
            if let Some(year) = input.baseline_year.filter(|y| *y != before.baseline_year) {
                row.baseline_year = Set(year);
                changed = true;
            }
            if let Some(target) = target.filter(|t| *t != old_target) {
                row.target = Set(target.to_stored());
                changed = true;
            }
            if !changed {
                return Err(UserError::new(
                    UserErrorCode::Validation,
                    &[],
                    "the revision changes nothing: give a new statement, unit, baseline, baseline year or target",
                )
                .into());
            }
            if baseline.unwrap_or(old_baseline) == target.unwrap_or(old_target) {
                let field = if target.is_some() { "target" } else { "baseline" };
                return Err(UserError::validation(
                    field,
                    "the target differs from the baseline, or progress cannot be measured",
                )
                .into());
            }
            claim_version::<results_indicator::Entity>(txn, before.id, before.version, input.expected_version).await?;
            let revision = keep_revision(txn, &before, &reason, &revised_by).await?;
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::ResultsIndicator, before.id),
                Some(snapshot(&before)),
                json!({ "indicator": snapshot(&after), "revision": snapshot(&revision) }),
            );
            let summary = format!("Indicator {} revised (revision {}): {reason}", after.code, revision.number);
            effect.announce(NewEvent::new(
                PortfolioEventKind::IndicatorRevision,
                (Kind::ResultsIndicator, after.id),
                summary,
            ));
            Ok(after)
        })
        .await
}

/// Sets an indicator's targets per period (ADMIN), with a reason: at most 20 periods, each within
/// the programme's dates, none overlapping another; an empty list leaves the indicator with its
/// overall target only. Every value already reported still lies within one of the new periods.
/// The targets (and form) replaced are kept as the indicator's next revision. Not on a retired
/// indicator or a financially closed programme; on the version the caller read.
pub async fn set_indicator_targets(
    fund: &Services,
    ctx: &Ctx,
    indicator_id: i64,
    expected_version: i32,
    targets: Vec<NewTarget>,
    reason: &str,
) -> ServiceResult<results_indicator::Model> {
    let command = Command::new(
        ctx,
        "setIndicatorTargets",
        &[Role::Admin],
        "set indicators' targets: once a programme is approved, the Fund Management Unit revises its results framework",
    )?;
    let revised_by = command.principal().subject.clone();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let before = revisable(txn, indicator_id).await?;
            let programme = joint_programme::Entity::find_by_id(before.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("indicator {} has no programme", before.id))?;
            let checked = check_targets(&targets, &programme)?;
            if !checked.is_empty() {
                let reported = indicator_measurement::Entity::find()
                    .filter(indicator_measurement::Column::IndicatorId.eq(before.id))
                    .order_by_asc(indicator_measurement::Column::PeriodEnd)
                    .all(txn)
                    .await?;
                if let Some(outside) = reported.iter().find(|m| {
                    !checked
                        .iter()
                        .any(|t| within((m.period_start, m.period_end), (t.0, t.1)))
                }) {
                    let message = format!(
                        "the value reported for {} to {} would lie outside every period: the periods cover what was reported",
                        outside.period_start, outside.period_end
                    );
                    return Err(UserError::validation("targets", message).into());
                }
            }
            claim_version::<results_indicator::Entity>(txn, before.id, before.version, expected_version).await?;
            let old_targets = current_targets(txn, &before).await?;
            let revision = keep_revision(txn, &before, &reason, &revised_by).await?;
            let set = if checked.is_empty() { 0 } else { next_target_set(txn, before.id).await? };
            let rows = insert_targets(txn, before.id, set, &checked).await?;
            let mut row: results_indicator::ActiveModel = before.clone().into();
            row.target_set = Set(set);
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.audit(
                (Kind::ResultsIndicator, before.id),
                Some(json!({ "indicator": snapshot(&before), "targets": snapshot(&old_targets) })),
                json!({ "indicator": snapshot(&after), "targets": snapshot(&rows), "revision": snapshot(&revision) }),
            );
            let summary = format!(
                "Indicator {}: {} target period(s) set (revision {}): {reason}",
                after.code,
                rows.len(),
                revision.number
            );
            effect.announce(NewEvent::new(
                PortfolioEventKind::IndicatorRevision,
                (Kind::ResultsIndicator, after.id),
                summary,
            ));
            Ok(after)
        })
        .await
}

/// Retires an indicator (ADMIN), with a reason: it stays in the results framework with its reports
/// and revisions, and takes no more reports, revisions or targets. On the version the caller read.
pub async fn retire_indicator(
    fund: &Services,
    ctx: &Ctx,
    indicator_id: i64,
    expected_version: i32,
    reason: &str,
) -> ServiceResult<results_indicator::Model> {
    let command = Command::new(
        ctx,
        "retireIndicator",
        &[Role::Admin],
        "retire results indicators: once a programme is approved, the Fund Management Unit revises its results framework",
    )?;
    let retired_by = command.principal().subject.clone();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let before = results_indicator::Entity::find_by_id(indicator_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("indicator", "results indicator"))?;
            require_active(&before, "retirement")?;
            claim_version::<results_indicator::Entity>(
                txn,
                before.id,
                before.version,
                expected_version,
            )
            .await?;
            let mut row: results_indicator::ActiveModel = before.clone().into();
            row.status = Set(IndicatorStatus::Retired.as_str().to_owned());
            row.retired_by = Set(Some(retired_by));
            row.retired_at = Set(Some(chrono::Utc::now()));
            row.retirement_reason = Set(Some(reason.clone()));
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::ResultsIndicator, before.id), &before, &after);
            let summary = format!("Indicator {} retired: {reason}", after.code);
            effect.announce(NewEvent::status_change(
                Kind::ResultsIndicator,
                after.id,
                summary,
            ));
            Ok(after)
        })
        .await
}

fn check_baseline_year(year: i32) -> ServiceResult<()> {
    let this_year = chrono::Utc::now().year();
    if !plausible_year(year) || year > this_year {
        let message = format!("a baseline is measured in a year from 2000 to {this_year}");
        return Err(UserError::validation("baselineYear", message).into());
    }
    Ok(())
}

/// Targets per period, checked: at most [`MAX_TARGET_PERIODS`], each period within the
/// programme's dates and starting no later than it ends, none overlapping another, each value
/// within the bounds. Returned in the order of their periods.
fn check_targets(
    given: &[NewTarget],
    programme: &joint_programme::Model,
) -> ServiceResult<Vec<Target>> {
    if given.len() > MAX_TARGET_PERIODS {
        let message = format!("an indicator has targets for at most {MAX_TARGET_PERIODS} periods");
        return Err(UserError::validation("targets", message).into());
    }
    let mut checked: Vec<(usize, Target)> = Vec::with_capacity(given.len());
    for (index, target) in given.iter().enumerate() {
        let position = index.to_string();
        let at = |field: &str, message: String| -> ServiceError {
            UserError::new(
                UserErrorCode::Validation,
                &["targets", &position, field],
                message,
            )
            .into()
        };
        if target.period_start > target.period_end {
            return Err(at(
                "periodEnd",
                "a period ends no earlier than it starts".to_owned(),
            ));
        }
        if !within(
            (target.period_start, target.period_end),
            (programme.start_date, programme.end_date),
        ) {
            let message = format!(
                "a target's period lies within the programme's, from {} to {}",
                programme.start_date, programme.end_date
            );
            return Err(at("periodStart", message));
        }
        let value = ExactDecimal::parse_indicator_value(target.target, "target")
            .map_err(|e| at("target", e.message))?;
        checked.push((index, (target.period_start, target.period_end, value)));
    }
    checked.sort_by_key(|(_, t)| t.0);
    for pair in checked.windows(2) {
        let ((_, earlier), (index, later)) = (&pair[0], &pair[1]);
        if later.0 <= earlier.1 {
            let message = format!(
                "the period overlaps the one from {} to {}: periods do not overlap",
                earlier.0, earlier.1
            );
            return Err(UserError::new(
                UserErrorCode::Validation,
                &["targets", &index.to_string(), "periodStart"],
                message,
            )
            .into());
        }
    }
    Ok(checked.into_iter().map(|(_, t)| t).collect())
}

async fn insert_targets(
    txn: &DatabaseTransaction,
    indicator_id: i64,
    set: i32,
    targets: &[Target],
) -> ServiceResult<Vec<indicator_target::Model>> {
    let mut rows = Vec::with_capacity(targets.len());
    for (start, end, value) in targets {
        let row = indicator_target::ActiveModel {
            indicator_id: Set(indicator_id),
            target_set: Set(set),
            period_start: Set(*start),
            period_end: Set(*end),
            target: Set(value.to_stored()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        rows.push(row);
    }
    Ok(rows)
}

/// The number of an indicator's next set of targets: one more than any it had.
async fn next_target_set(txn: &DatabaseTransaction, indicator_id: i64) -> ServiceResult<i32> {
    let last = indicator_target::Entity::find()
        .filter(indicator_target::Column::IndicatorId.eq(indicator_id))
        .order_by_desc(indicator_target::Column::TargetSet)
        .one(txn)
        .await?;
    Ok(last.map_or(1, |t| t.target_set + 1))
}

/// The indicator's current targets per period, in the order of their periods.
pub async fn current_targets<C: ConnectionTrait>(
    db: &C,
    indicator: &results_indicator::Model,
) -> ServiceResult<Vec<indicator_target::Model>> {
    if indicator.target_set == 0 {
        return Ok(Vec::new());
    }
    Ok(indicator_target::Entity::find()
        .filter(indicator_target::Column::IndicatorId.eq(indicator.id))
        .filter(indicator_target::Column::TargetSet.eq(indicator.target_set))
        .order_by_asc(indicator_target::Column::PeriodStart)
        .all(db)
        .await?)
}

/// The period a report covers: from its start (or the default start) to its end, within the
/// programme's dates and, where the indicator has targets per period, within one of them.
fn period_of(
    programme: &joint_programme::Model,
    targets: &[indicator_target::Model],
    start: Option<NaiveDate>,
    end: NaiveDate,
) -> ServiceResult<NaiveDate> {
    let runs = (programme.start_date, programme.end_date);
    if !within((end, end), runs) {
        let message = format!(
            "the period ends outside the programme, which runs from {} to {}",
            programme.start_date, programme.end_date
        );
        return Err(UserError::validation("periodEnd", message).into());
    }
    if targets.is_empty() {
        let start = start.unwrap_or_else(|| {
            let january = NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end);
            january.max(programme.start_date).min(end)
        });
        if start < programme.start_date {
            let message = format!(
                "the period starts before the programme, on {}",
                programme.start_date
            );
            return Err(UserError::validation("periodStart", message).into());
        }
        return Ok(start);
    }
    let periods = || {
        targets
            .iter()
            .map(|t| format!("{} to {}", t.period_start, t.period_end))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(period) = targets
        .iter()
        .find(|t| within((end, end), (t.period_start, t.period_end)))
    else {
        let message = format!(
            "the period ends outside the indicator's periods ({})",
            periods()
        );
        return Err(UserError::validation("periodEnd", message).into());
    };
    let start = start.unwrap_or(period.period_start);
    if start < period.period_start {
        let message = format!(
            "the period starts before the indicator's period it ends in ({} to {}): a report covers one of its periods or part of one",
            period.period_start, period.period_end
        );
        return Err(UserError::validation("periodStart", message).into());
    }
    Ok(start)
}

/// An indicator the Fund Management Unit may revise: active, of a programme not financially
/// closed.
async fn revisable(
    txn: &DatabaseTransaction,
    indicator_id: i64,
) -> ServiceResult<results_indicator::Model> {
    let indicator = results_indicator::Entity::find_by_id(indicator_id)
        .one(txn)
        .await?
        .ok_or_else(|| UserError::not_found("indicator", "results indicator"))?;
    require_active(&indicator, "revisions")?;
    let programme = joint_programme::Entity::find_by_id(indicator.joint_programme_id)
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("indicator {} has no programme", indicator.id))?;
    if ProgrammeStatus::from_stored(&programme.status)? == ProgrammeStatus::FinanciallyClosed {
        return Err(UserError::new(
            UserErrorCode::InvalidTransition,
            &["indicator"],
            "the programme is FINANCIALLY_CLOSED: its results framework is final",
        )
        .into());
    }
    Ok(indicator)
}

fn require_active(indicator: &results_indicator::Model, what: &str) -> ServiceResult<()> {
    if IndicatorStatus::from_stored(&indicator.status)? == IndicatorStatus::Retired {
        let on = indicator
            .retired_at
            .map(|at| format!(" on {}", at.format("%Y-%m-%d")))
            .unwrap_or_default();
        let message = format!("the indicator was retired{on}: it takes no more {what}");
        return Err(
            UserError::new(UserErrorCode::InvalidTransition, &["indicator"], message).into(),
        );
    }
    Ok(())
}

/// Appends the indicator's form as it stands (before the revision being made) as its next
/// revision.
async fn keep_revision(
    txn: &DatabaseTransaction,
    before: &results_indicator::Model,
    reason: &str,
    revised_by: &str,
) -> ServiceResult<indicator_revision::Model> {
    let last = indicator_revision::Entity::find()
        .filter(indicator_revision::Column::IndicatorId.eq(before.id))
        .order_by_desc(indicator_revision::Column::Number)
        .one(txn)
        .await?;
    Ok(indicator_revision::ActiveModel {
        indicator_id: Set(before.id),
        number: Set(last.map_or(1, |r| r.number + 1)),
        statement: Set(before.statement.clone()),
        unit: Set(before.unit.clone()),
        baseline: Set(before.baseline.clone()),
        baseline_year: Set(before.baseline_year),
        target: Set(before.target.clone()),
        target_set: Set(before.target_set),
        reason: Set(reason.to_owned()),
        revised_by: Set(revised_by.to_owned()),
        revised_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// A PUNO acts only on programmes its organization takes part in.
async fn require_participant<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    programme_id: i64,
) -> ServiceResult<()> {
    if principal.role != Role::Puno {
        return Ok(());
    }
    let own = principal
        .organization_id
        .ok_or_else(|| ServiceError::Forbidden("this token names no organization".to_owned()))?;
    let takes_part = budget_line::Entity::find()
        .filter(budget_line::Column::JointProgrammeId.eq(programme_id))
        .filter(budget_line::Column::OrganizationId.eq(own))
        .one(db)
        .await?
        .is_some();
    if takes_part {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "your organization takes no part in this programme".to_owned(),
        ))
    }
}
