//! Joint programmes, their budget lines, transfers, expenditure and results.

use super::governance::Decision;
use super::notes::ConceptNote;
use super::reference::*;
use super::{usd, Markers};
use crate::domain::{results, ExactDecimal, IndicatorLevel, ProgrammeStatus, Rate, Scope};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::{
    budget_line, expenditure_report, indicator_measurement, joint_programme, results_indicator,
    transfer,
};

/// A programme funded by the fund and carried out by at least two participating organizations.
pub struct JointProgramme(pub joint_programme::Model);

#[Object]
impl JointProgramme {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::JointProgramme, self.0.id))
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn concept_note(&self, ctx: &Context<'_>) -> Result<Option<ConceptNote>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(ConceptNoteById(self.0.concept_note_id))
                .await,
        )?
        .map(ConceptNote))
    }
    async fn status(&self) -> Result<Option<ProgrammeStatus>> {
        Ok(Some(ProgrammeStatus::from_stored(&self.0.status)?))
    }
    async fn thematic_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        area_by_id(ctx, self.0.thematic_area_id).await
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::OBJECTIVES, child_complexity)"
    )]
    async fn objectives(&self, ctx: &Context<'_>) -> Result<Vec<GcmObjective>> {
        let ids = loaded(
            ctx,
            ctx.loader()
                .load_one(ObjectivesOfNote(self.0.concept_note_id))
                .await,
        )?
        .unwrap_or_default();
        objectives_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::OBJECTIVES)],
        )
        .await
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::PRINCIPLES, child_complexity)"
    )]
    async fn guiding_principles(&self, ctx: &Context<'_>) -> Result<Vec<GuidingPrinciple>> {
        let ids = loaded(
            ctx,
            ctx.loader()
                .load_one(PrinciplesOfNote(self.0.concept_note_id))
                .await,
        )?
        .unwrap_or_default();
        principles_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::PRINCIPLES)],
        )
        .await
    }
    /// At most 60 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::COUNTRIES, child_complexity)"
    )]
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<Country>> {
        let codes = loaded(
            ctx,
            ctx.loader()
                .load_one(CountriesOfNote(self.0.concept_note_id))
                .await,
        )?
        .unwrap_or_default();
        countries_by_code(
            ctx,
            codes
                .into_iter()
                .take(crate::graphql::limits::rows::COUNTRIES)
                .collect(),
        )
        .await
    }
    async fn scope(&self) -> Result<Option<Scope>> {
        Ok(Some(Scope::from_stored(&self.0.scope)?))
    }
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }
    async fn convening(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.convening_organization_id).await
    }
    /// Every participating organization with a budget line.
    /// At most 20 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ORGANIZATIONS, child_complexity)"
    )]
    async fn participating_organizations(&self, ctx: &Context<'_>) -> Result<Vec<Organization>> {
        let lines = loaded(
            ctx,
            ctx.loader()
                .load_one(BudgetLinesOfProgramme(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        let ids: Vec<i64> = lines.iter().map(|l| l.organization_id).collect();
        organizations_by_id(
            ctx,
            &ids[..ids.len().min(crate::graphql::limits::rows::ORGANIZATIONS)],
        )
        .await
    }
    /// At most 20 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::ORGANIZATIONS, child_complexity)"
    )]
    async fn budget_lines(&self, ctx: &Context<'_>) -> Result<Vec<BudgetLine>> {
        let lines = loaded(
            ctx,
            ctx.loader()
                .load_one(BudgetLinesOfProgramme(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        Ok(lines
            .into_iter()
            .take(crate::graphql::limits::rows::ORGANIZATIONS)
            .map(BudgetLine)
            .collect())
    }
    async fn approved_budget_usd(&self) -> Decimal {
        usd(self.0.approved_budget_usd_cents)
    }
    /// At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::TRANSFERS, child_complexity)"
    )]
    async fn transfers(&self, ctx: &Context<'_>) -> Result<Vec<Transfer>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(TransfersOfProgramme(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::TRANSFERS)
            .map(Transfer)
            .collect())
    }
    /// At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::EXPENDITURES, child_complexity)"
    )]
    async fn expenditures(&self, ctx: &Context<'_>) -> Result<Vec<ExpenditureReport>> {
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(ExpendituresOfProgramme(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::EXPENDITURES)
            .map(ExpenditureReport)
            .collect())
    }
    async fn financials(&self, ctx: &Context<'_>) -> Result<Financials> {
        let money = loaded(
            ctx,
            ctx.loader().load_one(MoneyOfProgramme(self.0.id)).await,
        )?
        // The loader answers every programme it is asked for: no row is a broken invariant.
        .ok_or_else(|| {
            crate::graphql::errors::internal(
                &anyhow::anyhow!("no money figures for programme {}", self.0.id),
                &ctx.actor().request_id,
            )
        })?;
        Financials::new(
            self.0.approved_budget_usd_cents,
            money.transferred,
            money.expenditure,
        )
    }
    /// At most 30 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::INDICATORS, child_complexity)"
    )]
    async fn indicators(&self, ctx: &Context<'_>) -> Result<Vec<ResultsIndicator>> {
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_one(IndicatorsOfProgramme(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::INDICATORS)
            .map(ResultsIndicator)
            .collect())
    }
    /// The steering committee's decisions on the programme (revisions, extensions, suspensions).
    /// At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(DecisionsOfProgramme(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::DECISIONS)
            .map(Decision)
            .collect())
    }
    async fn markers(&self) -> Markers {
        Markers {
            gender: self.0.gender_marker,
            human_rights: self.0.human_rights_marker,
            child_sensitivity: self.0.child_sensitivity_marker,
        }
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A programme's money: approved, transferred, spent.
#[derive(SimpleObject)]
pub struct Financials {
    pub approved_usd: Decimal,
    pub transferred_usd: Decimal,
    pub expenditure_usd: Decimal,
    /// Expenditure ÷ transferred, to four decimals; null before any transfer.
    pub delivery_rate: Option<Decimal>,
    /// Approved but not yet transferred.
    pub balance_usd: Decimal,
}

impl Financials {
    pub fn new(approved: i64, transferred: i64, expenditure: i64) -> Result<Self> {
        let balance = approved
            .checked_sub(transferred)
            .ok_or("a programme's balance does not fit in cents")?;
        Ok(Self {
            approved_usd: usd(approved),
            transferred_usd: usd(transferred),
            expenditure_usd: usd(expenditure),
            delivery_rate: ratio(expenditure, transferred),
            balance_usd: usd(balance),
        })
    }
}

/// `part / whole` to four decimal places (half-even), or null when `whole` is zero.
pub fn ratio(part: i64, whole: i64) -> Option<Decimal> {
    results::ratio(part, whole).map(Decimal)
}

/// One participating organization's share of a programme's budget.
pub struct BudgetLine(pub budget_line::Model);

#[Object]
impl BudgetLine {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::BudgetLine, self.0.id))
    }
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    async fn programmable_usd(&self) -> Decimal {
        usd(self.0.programmable_usd_cents)
    }
    /// The indirect support cost rate of this line (7% unless agreed otherwise), e.g. "0.07".
    async fn indirect_support_cost_rate(&self) -> Result<Decimal> {
        Ok(Decimal(
            Rate::from_stored(&self.0.indirect_support_cost_rate)?.value(),
        ))
    }
    async fn indirect_support_cost_usd(&self) -> Decimal {
        usd(self.0.indirect_support_cost_usd_cents)
    }
    async fn total_usd(&self) -> Decimal {
        usd(self.0.total_usd_cents)
    }
}

/// Money the Administrative Agent transferred to a participating organization.
pub struct Transfer(pub transfer::Model);

#[Object]
impl Transfer {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Transfer, self.0.id))
    }
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(JointProgrammeById(self.0.joint_programme_id))
                .await,
        )?
        .map(JointProgramme))
    }
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// The funding decision it rests on.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(DecisionById(self.0.decision_id))
                .await,
        )?
        .map(Decision))
    }
    async fn transferred_on(&self) -> Date {
        Date(self.0.transferred_on)
    }
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The part paid from money earmarked to the programme's thematic area.
    async fn from_earmarked_usd(&self) -> Decimal {
        usd(self.0.from_earmarked_usd_cents)
    }
    /// The part paid from unearmarked money.
    async fn from_unearmarked_usd(&self) -> Decimal {
        usd(self.0.from_unearmarked_usd_cents)
    }
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

/// A participating organization's expenditure on a programme for a year.
pub struct ExpenditureReport(pub expenditure_report::Model);

#[Object]
impl ExpenditureReport {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ExpenditureReport, self.0.id))
    }
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(JointProgrammeById(self.0.joint_programme_id))
                .await,
        )?
        .map(JointProgramme))
    }
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// True for the organization's final report on the programme.
    async fn r#final(&self) -> bool {
        self.0.r#final
    }
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    async fn reported_at(&self) -> DateTime {
        DateTime(self.0.reported_at)
    }
}

/// An indicator of a programme's results framework.
pub struct ResultsIndicator(pub results_indicator::Model);

impl ResultsIndicator {
    async fn measurement_rows(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<indicator_measurement::Model>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(MeasurementsOfIndicator(self.0.id))
                .await,
        )?
        .unwrap_or_default())
    }
}

#[Object]
impl ResultsIndicator {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ResultsIndicator, self.0.id))
    }
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(JointProgrammeById(self.0.joint_programme_id))
                .await,
        )?
        .map(JointProgramme))
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn level(&self) -> Result<Option<IndicatorLevel>> {
        Ok(Some(IndicatorLevel::from_stored(&self.0.level)?))
    }
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    async fn baseline(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.baseline)?.0))
    }
    async fn target(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.target)?.0))
    }
    async fn objective(&self, ctx: &Context<'_>) -> Result<Option<GcmObjective>> {
        match self.0.gcm_objective_id {
            Some(id) => Ok(objectives_by_id(ctx, &[id]).await?.pop()),
            None => Ok(None),
        }
    }
    async fn guiding_principle(&self, ctx: &Context<'_>) -> Result<Option<GuidingPrinciple>> {
        match self.0.guiding_principle_id {
            Some(id) => Ok(principles_by_id(ctx, &[id]).await?.pop()),
            None => Ok(None),
        }
    }
    /// Values reported, oldest period first.
    /// At most 50 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::MEASUREMENTS, child_complexity)"
    )]
    async fn measurements(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorMeasurement>> {
        Ok(self
            .measurement_rows(ctx)
            .await?
            .into_iter()
            .take(crate::graphql::limits::rows::MEASUREMENTS)
            .map(IndicatorMeasurement)
            .collect())
    }
    /// The value of the latest period reported.
    async fn latest(&self, ctx: &Context<'_>) -> Result<Option<IndicatorMeasurement>> {
        Ok(self
            .measurement_rows(ctx)
            .await?
            .into_iter()
            .max_by_key(|m| m.period_end)
            .map(IndicatorMeasurement))
    }
    /// (latest − baseline) ÷ (target − baseline), to four decimals; null before any report,
    /// and where the ratio is undefined.
    async fn progress(&self, ctx: &Context<'_>) -> Result<Option<Decimal>> {
        let latest = self
            .measurement_rows(ctx)
            .await?
            .into_iter()
            .max_by_key(|m| m.period_end);
        let Some(latest) = latest else {
            return Ok(None);
        };
        let baseline = ExactDecimal::from_stored(&self.0.baseline)?.0;
        let target = ExactDecimal::from_stored(&self.0.target)?.0;
        let value = ExactDecimal::from_stored(&latest.value)?.0;
        Ok(results::progress(baseline, target, value).map(Decimal))
    }
}

/// An indicator's value at the end of a reporting period.
pub struct IndicatorMeasurement(pub indicator_measurement::Model);

#[Object]
impl IndicatorMeasurement {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::IndicatorMeasurement, self.0.id))
    }
    async fn indicator(&self, ctx: &Context<'_>) -> Result<Option<ResultsIndicator>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(IndicatorById(self.0.indicator_id))
                .await,
        )?
        .map(ResultsIndicator))
    }
    async fn period_end(&self) -> Date {
        Date(self.0.period_end)
    }
    async fn value(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.value)?.0))
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    async fn reported_at(&self) -> DateTime {
        DateTime(self.0.reported_at)
    }
}
