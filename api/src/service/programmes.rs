//! Joint programmes: created from an approved concept note with a budget per participating
//! organization; then transfers (the only place money leaves the fund), expenditure and results.

use super::concept_notes::PortfolioFilter;
use super::idempotency::{Begun, Claim};
use super::page::{self, Page, Window};
use super::search::Search;
use super::{
    arithmetic, audit, claim_version, events, lock_row, policy, Ctx, ServiceError, ServiceResult,
    Services,
};
use crate::auth::Principal;
use crate::domain::{
    ConceptNoteStatus, DecisionKind, ExactDecimal, IndicatorLevel, PortfolioEventKind,
    ProgrammeStatus, Rate, Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use chrono::NaiveDate;
use entity::{
    budget_line, concept_note, decision, expenditure_report, fund_ledger, indicator_measurement,
    joint_programme, results_indicator, transfer,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Default, Clone)]
pub struct ProgrammeFilter {
    pub common: PortfolioFilter,
    pub statuses: Vec<ProgrammeStatus>,
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProgrammeOrder {
    Code,
    NewestFirst,
    ApprovedBudgetDesc,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewBudgetLine {
    pub organization_id: i64,
    pub programmable_usd: Decimal,
    pub indirect_support_cost_rate: Option<Decimal>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewJointProgramme {
    pub concept_note_id: i64,
    pub code: Option<String>,
    pub title: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub budget_lines: Vec<NewBudgetLine>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewTransfer {
    pub joint_programme_id: i64,
    pub organization_id: i64,
    pub decision_id: i64,
    pub transferred_on: NaiveDate,
    pub amount_usd: Decimal,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewExpenditure {
    pub joint_programme_id: i64,
    pub organization_id: Option<i64>,
    pub year: i32,
    pub amount_usd: Decimal,
    pub is_final: bool,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewIndicator {
    pub joint_programme_id: i64,
    pub code: String,
    pub level: IndicatorLevel,
    pub statement: String,
    pub unit: String,
    pub baseline: Decimal,
    pub target: Decimal,
    pub objective_id: Option<i64>,
    pub guiding_principle_id: Option<i64>,
}

impl Services {
    pub async fn joint_programmes(
        &self,
        ctx: &Ctx,
        filter: ProgrammeFilter,
        order: ProgrammeOrder,
        window: Window,
    ) -> ServiceResult<Page<joint_programme::Model>> {
        policy::authenticated(ctx)?;
        let mut condition = filter
            .common
            .condition(joint_programme::Column::ConceptNoteId);
        if let Some(area) = filter.common.thematic_area_id {
            condition = condition.add(joint_programme::Column::ThematicAreaId.eq(area));
        }
        if let Some(scope) = filter.common.scope {
            condition = condition.add(joint_programme::Column::Scope.eq(scope.as_str()));
        }
        if let Some(search) = Search::parse(filter.common.search.as_deref(), "filter.search")? {
            condition = condition.add(
                Condition::any()
                    .add(search.matches(joint_programme::Column::Title))
                    .add(search.matches(joint_programme::Column::Code)),
            );
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                joint_programme::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if let Some(from) = filter.start_from {
            condition = condition.add(joint_programme::Column::StartDate.gte(from));
        }
        if let Some(to) = filter.start_to {
            condition = condition.add(joint_programme::Column::StartDate.lte(to));
        }
        let query = joint_programme::Entity::find().filter(condition);
        let query = match order {
            ProgrammeOrder::Code => query.order_by_asc(joint_programme::Column::Code),
            ProgrammeOrder::NewestFirst => query
                .order_by_desc(joint_programme::Column::StartDate)
                .order_by_desc(joint_programme::Column::Id),
            ProgrammeOrder::ApprovedBudgetDesc => query
                .order_by_desc(joint_programme::Column::ApprovedBudgetUsdCents)
                .order_by_asc(joint_programme::Column::Id),
        };
        page::fetch(&self.db, query, window).await
    }

    pub async fn joint_programme(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<joint_programme::Model>> {
        policy::authenticated(ctx)?;
        Ok(joint_programme::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }

    /// Rows of programme detail (budget lines, transfers, reports, indicators, measurements) are
    /// readable by every authenticated caller, like their programme.
    pub async fn programme_detail<E>(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<E::Model>>
    where
        E: EntityTrait,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
    {
        policy::authenticated(ctx)?;
        Ok(E::find_by_id(id).one(&self.db).await?)
    }

    /// Creates the joint programme of an approved concept note, with its budget lines.
    pub async fn create_joint_programme(
        &self,
        ctx: &Ctx,
        input: NewJointProgramme,
    ) -> ServiceResult<joint_programme::Model> {
        ctx.require(&[Role::Admin], "create joint programmes")?;
        if input.end_date <= input.start_date {
            return Err(
                UserError::validation("endDate", "a programme ends after it starts").into(),
            );
        }
        if input.budget_lines.len() < 2 {
            return Err(UserError::validation(
                "budgetLines",
                "a joint programme has budget lines for at least two participating organizations",
            )
            .into());
        }
        let mut lines = Vec::with_capacity(input.budget_lines.len());
        let mut seen = BTreeSet::new();
        for (index, line) in input.budget_lines.iter().enumerate() {
            let position = index.to_string();
            let programmable = Usd::parse_positive(line.programmable_usd, "programmableUsd")
                .map_err(|e| {
                    UserError::new(
                        e.code,
                        &["budgetLines", &position, "programmableUsd"],
                        e.message,
                    )
                })?;
            let rate = match line.indirect_support_cost_rate {
                Some(rate) => Rate::parse(rate, "indirectSupportCostRate").map_err(|e| {
                    UserError::new(
                        e.code,
                        &["budgetLines", &position, "indirectSupportCostRate"],
                        e.message,
                    )
                })?,
                None => Rate::DEFAULT_INDIRECT_SUPPORT_COST,
            };
            if !seen.insert(line.organization_id) {
                return Err(UserError::new(
                    UserErrorCode::Duplicate,
                    &["budgetLines", &position, "organization"],
                    "one budget line per organization",
                )
                .into());
            }
            // Both at most the largest amount, as the rate is below 1: no overflow.
            let line_total = programmable
                .times_rate(rate)
                .and_then(|support| Some((support, programmable.checked_add(support)?)))
                .ok_or_else(|| anyhow::anyhow!("a budget line of {programmable} overflows"))?;
            lines.push((
                line.organization_id,
                programmable,
                rate,
                line_total.0,
                line_total.1,
            ));
        }
        // Lines add up to the approved amount, at most the largest amount; a sum that does
        // not fit in cents is certainly more than was approved.
        let total = Usd::checked_sum(lines.iter().map(|line| line.4));

        let txn = self.db.begin().await?;
        let note = lock_row::<concept_note::Entity>(&txn, input.concept_note_id)
            .await?
            .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
        let status =
            ConceptNoteStatus::from_stored(&note.status)?.transition(ConceptNoteStatus::Funded)?;
        let funding = funding_decision_of(&txn, note.id).await?.ok_or_else(|| {
            anyhow::anyhow!("approved concept note {} has no funding decision", note.id)
        })?;
        let approved = Usd::from_cents(
            funding
                .amount_usd_cents
                .ok_or_else(|| anyhow::anyhow!("funding decision {} has no amount", funding.id))?,
        );
        if total != Some(approved) {
            let code = if total.is_none_or(|total| total > approved) {
                UserErrorCode::BudgetExceeded
            } else {
                UserErrorCode::Validation
            };
            let total = total.map_or_else(
                || "more than the fund can record".to_owned(),
                |t| t.to_string(),
            );
            return Err(UserError::new(
                code,
                &["budgetLines"],
                format!("the budget lines (programmable amounts plus indirect support costs) total {total}; the steering committee approved {approved}"),
            )
            .into());
        }
        let participants: BTreeSet<i64> = super::concept_notes::organization_ids_of(&txn, note.id)
            .await?
            .into_iter()
            .collect();
        if seen.iter().any(|org| !participants.contains(org)) {
            return Err(UserError::validation(
                "budgetLines",
                "every budget line is for one of the concept note's participating organizations",
            )
            .into());
        }
        let code = match input.code.as_deref() {
            Some(code) => Text::Code.required(code, "code")?,
            None => format!("MPTF-JP-{:04}", note.id),
        };
        if joint_programme::Entity::find()
            .filter(joint_programme::Column::Code.eq(&code))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["code"],
                format!("a joint programme with code {code:?} already exists"),
            )
            .into());
        }
        let title = match input.title.as_deref() {
            Some(title) => Text::Title.required(title, "title")?,
            None => note.title.clone(),
        };
        let programme = joint_programme::ActiveModel {
            code: Set(code),
            title: Set(title),
            concept_note_id: Set(note.id),
            status: Set(ProgrammeStatus::Approved.as_str().to_owned()),
            status_before_suspension: Set(None),
            thematic_area_id: Set(note.thematic_area_id),
            scope: Set(note.scope.clone()),
            start_date: Set(input.start_date),
            end_date: Set(input.end_date),
            convening_organization_id: Set(note.convening_organization_id),
            approved_budget_usd_cents: Set(approved.cents()),
            gender_marker: Set(note.gender_marker),
            human_rights_marker: Set(note.human_rights_marker),
            child_sensitivity_marker: Set(note.child_sensitivity_marker),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        budget_line::Entity::insert_many(lines.iter().map(
            |(org, programmable, rate, support, total)| budget_line::ActiveModel {
                joint_programme_id: Set(programme.id),
                organization_id: Set(*org),
                programmable_usd_cents: Set(programmable.cents()),
                indirect_support_cost_rate: Set(rate.to_stored()),
                indirect_support_cost_usd_cents: Set(support.cents()),
                total_usd_cents: Set(total.cents()),
                version: Set(1),
                ..Default::default()
            },
        ))
        .exec(&txn)
        .await?;
        let mut row: concept_note::ActiveModel = note.clone().into();
        row.status = Set(status.as_str().to_owned());
        let note_after = row.update(&txn).await?;
        audit::record(&txn, ctx, "createJointProgramme", (Kind::JointProgramme, programme.id), None, serde_json::json!({
            "programme": audit::snapshot(&programme),
            "budgetLines": lines.iter().map(|(org, p, r, s, _)| serde_json::json!({"organization_id": org, "programmable_usd_cents": p.cents(), "indirect_support_cost_rate": r.to_stored(), "indirect_support_cost_usd_cents": s.cents()})).collect::<Vec<_>>(),
        })).await?;
        audit::record(
            &txn,
            ctx,
            "createJointProgramme",
            (Kind::ConceptNote, note.id),
            Some(audit::snapshot(&note)),
            audit::snapshot(&note_after),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::JointProgramme,
                programme.id,
                format!(
                    "Joint programme {} created from {}",
                    programme.code, note.reference
                ),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(programme)
    }

    pub async fn set_joint_programme_status(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: i32,
        next: ProgrammeStatus,
        reason: &str,
    ) -> ServiceResult<joint_programme::Model> {
        ctx.require(&[Role::Admin], "change a joint programme's status")?;
        let reason = Text::Reason.required(reason, "reason")?;
        if next == ProgrammeStatus::Suspended {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["status"],
                "only the steering committee suspends a programme, by a SUSPENSION decision",
            )
            .into());
        }
        let txn = self.db.begin().await?;
        let before = joint_programme::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
        let status = ProgrammeStatus::from_stored(&before.status)?;
        let previous = before
            .status_before_suspension
            .as_deref()
            .map(ProgrammeStatus::from_stored)
            .transpose()?;
        if !status.can_move_to(next, previous) {
            return Err(UserError::invalid_transition(
                "joint programme",
                status.as_str(),
                next.as_str(),
            )
            .into());
        }
        if next == ProgrammeStatus::FinanciallyClosed {
            let lines = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(id))
                .all(&txn)
                .await?;
            let finals: BTreeSet<i64> = expenditure_report::Entity::find()
                .filter(expenditure_report::Column::JointProgrammeId.eq(id))
                .filter(expenditure_report::Column::Final.eq(true))
                .all(&txn)
                .await?
                .into_iter()
                .map(|r| r.organization_id)
                .collect();
            if lines.iter().any(|l| !finals.contains(&l.organization_id)) {
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["status"], "a programme closes financially once every organization has sent its final expenditure report").into());
            }
        }
        claim_version::<joint_programme::Entity>(&txn, id, before.version, expected_version)
            .await?;
        let mut row: joint_programme::ActiveModel = before.clone().into();
        row.status = Set(next.as_str().to_owned());
        row.status_before_suspension = Set(None);
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "setJointProgrammeStatus",
            (Kind::JointProgramme, id),
            Some(audit::snapshot(&before)),
            serde_json::json!({ "programme": audit::snapshot(&after), "reason": reason }),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::JointProgramme,
                id,
                format!("Joint programme {} is now {}", after.code, next),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(after)
    }

    /// Transfers money to a participating organization on a funding decision. Spending is
    /// serialized on the fund ledger, so concurrent transfers can never overdraw the fund.
    pub async fn record_transfer(
        &self,
        ctx: &Ctx,
        input: NewTransfer,
        idempotency_key: &str,
    ) -> ServiceResult<transfer::Model> {
        let principal = ctx.require(&[Role::Admin], "record transfers")?;
        let claim = Claim::new(
            &principal.subject,
            "recordTransfer",
            idempotency_key,
            &input,
        )?;
        let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
        if input.transferred_on > chrono::Utc::now().date_naive() {
            return Err(UserError::validation(
                "transferredOn",
                "a transfer cannot be dated in the future",
            )
            .into());
        }
        let txn = match claim.begin(&self.db).await? {
            Begun::Fresh(txn) => txn,
            Begun::Replay(id) => return self.replayed::<transfer::Entity>(id).await,
        };
        // Take the fund's spending lock: transfers run one at a time from here to the commit.
        fund_ledger::Entity::update_many()
            .col_expr(
                fund_ledger::Column::Version,
                Expr::col(fund_ledger::Column::Version).add(1),
            )
            .filter(fund_ledger::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        let programme = joint_programme::Entity::find_by_id(input.joint_programme_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
        let status = ProgrammeStatus::from_stored(&programme.status)?;
        if !status.accepts_transfers() {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["jointProgramme"],
                format!("no transfers to a programme that is {status}"),
            )
            .into());
        }
        let decision = decision::Entity::find_by_id(input.decision_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("decision", "decision"))?;
        let rests_on_funding = decision.kind == DecisionKind::Funding.as_str()
            && decision.concept_note_id == Some(programme.concept_note_id)
            || decision.kind == DecisionKind::BudgetRevision.as_str()
                && decision.joint_programme_id == Some(programme.id);
        if !rests_on_funding {
            return Err(UserError::validation("decision", "a transfer rests on the steering committee's funding decision (or budget revision) for this programme").into());
        }
        if decision.recorded_by == principal.subject {
            return Err(UserError::new(UserErrorCode::SeparationOfDuties, &["decision"], "you recorded the decision this transfer rests on: another officer must record the transfer").into());
        }
        let line = budget_line::Entity::find()
            .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
            .filter(budget_line::Column::OrganizationId.eq(input.organization_id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                UserError::validation(
                    "organization",
                    "this organization has no budget line in the programme",
                )
            })?;
        let transferred = arithmetic::transferred_on_line(&txn, line.id).await?;
        let overflow = || {
            anyhow::anyhow!(
                "the money of programme {} does not fit in cents",
                programme.id
            )
        };
        let remaining = Usd::from_cents(line.total_usd_cents)
            .checked_sub(Usd::from_cents(transferred))
            .ok_or_else(overflow)?;
        if amount > remaining {
            return Err(UserError::new(
                UserErrorCode::BudgetExceeded,
                &["amountUsd"],
                format!("the budget line has {remaining} left to transfer"),
            )
            .into());
        }
        let available = arithmetic::availability(&txn, programme.thematic_area_id).await?;
        let usable = available
            .earmarked
            .checked_add(available.unearmarked)
            .ok_or_else(overflow)?;
        if amount > usable {
            let whole_fund = usable
                .checked_add(available.other_areas)
                .ok_or_else(overflow)?;
            let code = if amount <= whole_fund {
                UserErrorCode::EarmarkMismatch
            } else {
                UserErrorCode::InsufficientFunds
            };
            let message = if code == UserErrorCode::EarmarkMismatch {
                format!("only {usable} is available to this thematic area; the rest of the fund's balance is earmarked to other areas")
            } else {
                format!("the fund has {usable} available for this programme")
            };
            return Err(UserError::new(code, &["amountUsd"], message).into());
        }
        let from_earmarked = amount.min(available.earmarked.max(Usd::ZERO));
        let from_unearmarked = amount.checked_sub(from_earmarked).ok_or_else(overflow)?;
        let created = transfer::ActiveModel {
            joint_programme_id: Set(programme.id),
            organization_id: Set(input.organization_id),
            budget_line_id: Set(line.id),
            decision_id: Set(decision.id),
            transferred_on: Set(input.transferred_on),
            amount_usd_cents: Set(amount.cents()),
            from_earmarked_usd_cents: Set(from_earmarked.cents()),
            from_unearmarked_usd_cents: Set(from_unearmarked.cents()),
            thematic_area_id: Set(programme.thematic_area_id),
            recorded_by: Set(principal.subject.clone()),
            recorded_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        claim.complete(&txn, created.id).await?;
        audit::record(
            &txn,
            ctx,
            "recordTransfer",
            (Kind::Transfer, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::new(
                PortfolioEventKind::Transfer,
                (Kind::Transfer, created.id),
                format!("Transfer of {amount} to joint programme {}", programme.code),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }

    /// A participating organization reports a year's expenditure on a programme.
    pub async fn report_expenditure(
        &self,
        ctx: &Ctx,
        input: NewExpenditure,
        idempotency_key: &str,
    ) -> ServiceResult<expenditure_report::Model> {
        let principal = ctx.require(
            &[Role::Puno],
            "report expenditure: participating organizations report their own",
        )?;
        let claim = Claim::new(
            &principal.subject,
            "reportExpenditure",
            idempotency_key,
            &input,
        )?;
        let organization = own_organization(principal, input.organization_id)?;
        let amount = Usd::parse(input.amount_usd, "amountUsd")?;
        let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        if !(2019..=this_year).contains(&input.year) {
            return Err(UserError::validation(
                "year",
                format!("expenditure is reported for a year from 2019 to {this_year}"),
            )
            .into());
        }
        let txn = match claim.begin(&self.db).await? {
            Begun::Fresh(txn) => txn,
            Begun::Replay(id) => return self.replayed::<expenditure_report::Entity>(id).await,
        };
        let programme = lock_row::<joint_programme::Entity>(&txn, input.joint_programme_id)
            .await?
            .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
        if !ProgrammeStatus::from_stored(&programme.status)?.accepts_reports() {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["jointProgramme"],
                format!("the programme is {}: no more reports", programme.status),
            )
            .into());
        }
        let line = budget_line::Entity::find()
            .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
            .filter(budget_line::Column::OrganizationId.eq(organization))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                ServiceError::Forbidden(
                    "your organization takes no part in this programme".to_owned(),
                )
            })?;
        let existing = expenditure_report::Entity::find()
            .filter(expenditure_report::Column::JointProgrammeId.eq(programme.id))
            .filter(expenditure_report::Column::OrganizationId.eq(organization))
            .all(&txn)
            .await?;
        if existing.iter().any(|r| r.year == input.year) {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["year"],
                format!(
                    "your organization already reported expenditure for {}",
                    input.year
                ),
            )
            .into());
        }
        if existing.iter().any(|r| r.r#final) {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["year"],
                "your organization already sent its final expenditure report",
            )
            .into());
        }
        // Each report is within what was transferred, so the sum fits; if it did not, it would
        // certainly be more than was transferred.
        let spent = Usd::checked_sum(
            existing
                .iter()
                .map(|r| Usd::from_cents(r.amount_usd_cents))
                .chain([amount]),
        );
        let transferred = arithmetic::transferred_on_line(&txn, line.id).await?;
        let transferred = Usd::from_cents(transferred);
        if spent.is_none_or(|spent| spent > transferred) {
            let spent = spent.map_or_else(
                || "more than the fund can record".to_owned(),
                |s| s.to_string(),
            );
            return Err(UserError::new(
                UserErrorCode::BudgetExceeded,
                &["amountUsd"],
                format!(
                    "expenditure would reach {spent}, more than the {transferred} transferred to your organization",
                ),
            )
            .into());
        }
        let created = expenditure_report::ActiveModel {
            joint_programme_id: Set(programme.id),
            organization_id: Set(organization),
            year: Set(input.year),
            amount_usd_cents: Set(amount.cents()),
            r#final: Set(input.is_final),
            reported_by: Set(principal.subject.clone()),
            reported_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        claim.complete(&txn, created.id).await?;
        audit::record(
            &txn,
            ctx,
            "reportExpenditure",
            (Kind::ExpenditureReport, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::new(
                PortfolioEventKind::Expenditure,
                (Kind::ExpenditureReport, created.id),
                format!(
                    "{} expenditure of {amount} reported on {}",
                    input.year, programme.code
                ),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }

    /// Adds a results indicator to a programme (a participating organization, or the fund's staff).
    pub async fn add_indicator(
        &self,
        ctx: &Ctx,
        input: NewIndicator,
    ) -> ServiceResult<results_indicator::Model> {
        let principal = ctx.require(&[Role::Admin, Role::Puno], "add results indicators")?;
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
        let txn = self.db.begin().await?;
        let programme = lock_row::<joint_programme::Entity>(&txn, input.joint_programme_id)
            .await?
            .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
        require_participant(&txn, principal, programme.id).await?;
        if results_indicator::Entity::find()
            .filter(results_indicator::Column::JointProgrammeId.eq(programme.id))
            .filter(results_indicator::Column::Code.eq(&code))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["code"],
                format!("the programme already has an indicator {code:?}"),
            )
            .into());
        }
        if let Some(objective) = input.objective_id {
            entity::gcm_objective::Entity::find_by_id(objective)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("objective", "GCM objective"))?;
        }
        if let Some(principle) = input.guiding_principle_id {
            entity::guiding_principle::Entity::find_by_id(principle)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("guidingPrinciple", "guiding principle"))?;
        }
        let created = results_indicator::ActiveModel {
            joint_programme_id: Set(programme.id),
            code: Set(code),
            level: Set(input.level.as_str().to_owned()),
            statement: Set(statement),
            unit: Set(unit),
            baseline: Set(baseline.to_stored()),
            target: Set(target.to_stored()),
            gcm_objective_id: Set(input.objective_id),
            guiding_principle_id: Set(input.guiding_principle_id),
            created_by: Set(principal.subject.clone()),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "addIndicator",
            (Kind::ResultsIndicator, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        self.commit(txn).await?;
        Ok(created)
    }

    /// Reports an indicator's value at the end of a reporting period.
    pub async fn report_indicator_value(
        &self,
        ctx: &Ctx,
        indicator_id: i64,
        period_end: NaiveDate,
        value: Decimal,
        note: Option<String>,
    ) -> ServiceResult<indicator_measurement::Model> {
        let principal = ctx.require(
            &[Role::Puno],
            "report indicator values: participating organizations report their programmes' results",
        )?;
        if period_end > chrono::Utc::now().date_naive() {
            return Err(UserError::validation(
                "periodEnd",
                "a period is reported once it has ended",
            )
            .into());
        }
        let value = ExactDecimal::parse_indicator_value(value, "value")?;
        let note = Text::Note.optional(note.as_deref(), "note")?;
        let txn = self.db.begin().await?;
        let indicator = lock_row::<results_indicator::Entity>(&txn, indicator_id)
            .await?
            .ok_or_else(|| UserError::not_found("indicator", "results indicator"))?;
        require_participant(&txn, principal, indicator.joint_programme_id).await?;
        if indicator_measurement::Entity::find()
            .filter(indicator_measurement::Column::IndicatorId.eq(indicator.id))
            .filter(indicator_measurement::Column::PeriodEnd.eq(period_end))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["periodEnd"],
                format!("a value for the period ending {period_end} is already reported"),
            )
            .into());
        }
        let created = indicator_measurement::ActiveModel {
            indicator_id: Set(indicator.id),
            period_end: Set(period_end),
            value: Set(value.to_stored()),
            note: Set(note),
            reported_by: Set(principal.subject.clone()),
            reported_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "reportIndicatorValue",
            (Kind::IndicatorMeasurement, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::new(
                PortfolioEventKind::IndicatorReport,
                (Kind::IndicatorMeasurement, created.id),
                format!(
                    "Indicator {} reported {} {} for {period_end}",
                    indicator.code, created.value, indicator.unit
                ),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }
}

/// The funding decision that approved a concept note (the latest, if superseded).
pub async fn funding_decision_of<C: ConnectionTrait>(
    db: &C,
    note_id: i64,
) -> ServiceResult<Option<decision::Model>> {
    Ok(decision::Entity::find()
        .filter(decision::Column::ConceptNoteId.eq(note_id))
        .filter(decision::Column::Kind.eq(DecisionKind::Funding.as_str()))
        .order_by_desc(decision::Column::Id)
        .one(db)
        .await?)
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
