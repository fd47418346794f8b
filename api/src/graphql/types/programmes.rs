//! Joint programmes, their budget lines, transfers, expenditure and results.

use super::governance::Decision;
use super::notes::ConceptNote;
use super::reference::*;
use super::results::{
    targets_of, CategoryValue, IndicatorDimension, IndicatorRevision, IndicatorTarget,
};
use super::revisions::BudgetRevision;
use super::{usd, Markers};
use crate::domain::expenditure::ByCategory;
use crate::domain::{
    results, CostCategory, DisaggregationDimension, ExactDecimal, ExpenditureNature,
    IndicatorLevel, IndicatorStatus, ProgrammeStatus, Rate, Scope,
};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::arithmetic::books::{BooksScope, WithOrganizations};
use crate::service::commands::expenditure;
use crate::service::{arithmetic, ServiceResult};
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::{
    budget_line, expenditure_report, expenditure_statement, indicator_measurement, joint_programme,
    results_indicator, transfer,
};

/// A programme funded by the fund and carried out by at least two participating organizations.
pub struct JointProgramme(pub joint_programme::Model);

/// A joint programme the steering committee funded, carried out by at least two participating UN
/// organizations (one of them convening), made from a concept note. Read by every token.
#[Object]
impl JointProgramme {
    /// The programme's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::JointProgramme, self.0.id))
    }
    /// The programme's code, unique in the fund (by default `MPTF-JP-` and its concept note's
    /// number, e.g. `MPTF-JP-0007`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The programme's title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The funded concept note the programme was made from.
    async fn concept_note(&self, ctx: &Context<'_>) -> Result<Option<ConceptNote>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(ConceptNoteById(self.0.concept_note_id))
                .await,
        )?
        .map(ConceptNote))
    }
    /// Where the programme stands: approved, active, operationally or financially closed, or
    /// suspended.
    async fn status(&self) -> Result<Option<ProgrammeStatus>> {
        Ok(Some(ProgrammeStatus::from_stored(&self.0.status)?))
    }
    /// The thematic area the programme serves (its concept note's); money earmarked to this area
    /// pays for it first.
    async fn thematic_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        area_by_id(ctx, self.0.thematic_area_id).await
    }
    /// The GCM objectives the programme addresses (its concept note's).
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
    /// The guiding principles the programme applies (its concept note's).
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
    /// The countries the programme works in (its concept note's). At most 60 for one parent; the
    /// query cost counts that many.
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
    /// National, regional or global.
    async fn scope(&self) -> Result<Option<Scope>> {
        Ok(Some(Scope::from_stored(&self.0.scope)?))
    }
    /// The planned start of implementation.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    /// The planned end of implementation (as extended by no-cost extensions).
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }
    /// The planned end when the programme was created, before any no-cost extension; null only
    /// for a programme extended before original end dates were kept whose creation the audit
    /// trail does not hold.
    async fn original_end_date(&self) -> Option<Date> {
        self.0.original_end_date.map(Date)
    }
    /// The convening organization, which leads the programme.
    async fn convening(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.convening_organization_id).await
    }
    /// Every participating organization with a budget line, the convening one included. At most 20
    /// for one parent; the query cost counts that many.
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
    /// The budget per participating organization, by organization. At most 20 for one parent; the
    /// query cost counts that many.
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
    /// The approved budget in USD: the sum of the budget lines' totals (programmable plus indirect
    /// support costs): the funding decision's amount when the programme was created, plus every
    /// budget revision applied since (`budgetRevisions`).
    async fn approved_budget_usd(&self) -> Decimal {
        usd(self.0.approved_budget_usd_cents)
    }
    /// The steering committee's budget revisions applied to the budget lines, oldest first, each
    /// with the lines before and after it. At most 100 for one parent; the query cost counts that
    /// many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn budget_revisions(&self, ctx: &Context<'_>) -> Result<Vec<BudgetRevision>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(RevisionsOfProgramme(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::DECISIONS)
            .map(BudgetRevision)
            .collect())
    }
    /// Transfers of the Administrative Agent to the programme's organizations, oldest first. At
    /// most 100 for one parent; the query cost counts that many.
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
    /// Expenditure reports of the programme's organizations, by year. At most 100 for one parent;
    /// the query cost counts that many.
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
    /// The programme's money in USD: approved, transferred, spent, returned, delivery rate and
    /// balances, over the fund's books (as they stood on `asOf`, as known at `knownAt`).
    async fn financials(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The books as they stood at the end of this day (entries by value date)."
        )]
        as_of: Option<Date>,
        #[graphql(
            desc = "The books as they were known at this moment (entries recorded by then)."
        )]
        known_at: Option<DateTime>,
    ) -> Result<Financials> {
        let scope = BooksScope {
            as_of: as_of.map(|d| d.0),
            known_at: known_at.map(|t| t.0),
            thematic_area_id: None,
        };
        let money = loaded(
            ctx,
            ctx.loader()
                .load_one(MoneyOfProgramme(self.0.id, scope))
                .await,
        )?
        .unwrap_or_default();
        check(
            ctx,
            Financials::new(
                self.0.approved_budget_usd_cents,
                self.0.original_budget_usd_cents,
                &money.with_organizations(),
            ),
        )
    }
    /// The indicators of the programme's results framework, by code. At most 30 for one parent; the
    /// query cost counts that many.
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
    /// The steering committee's decisions on the programme (budget revisions, no-cost extensions,
    /// suspensions), oldest first. At most 100 for one parent; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn decisions(&self, ctx: &Context<'_>) -> Result<Vec<Decision>> {
        let rows = loaded(
            ctx,
            ctx.loader().load_one(DecisionsOfProgramme(self.0.id)).await,
        )?
        .unwrap_or_default();
        Ok(super::governance::readable_in_their_status(ctx, rows))
    }
    /// The convening organization's requests to the steering committee (extensions, budget
    /// revisions, tranches), newest first; read by ADMIN, STEERING_COMMITTEE, AUDITOR and the
    /// programme's own organizations (empty for every other caller). At most 100 for one parent;
    /// the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DECISIONS, child_complexity)"
    )]
    async fn requests(&self, ctx: &Context<'_>) -> Result<Vec<super::requests::ProgrammeRequest>> {
        let Ok(principal) = ctx.actor().principal() else {
            return Ok(Vec::new());
        };
        // The programme's organizations, through the loader its budget lines already use.
        let mut organizations: Vec<i64> = if principal.reads_everything() {
            Vec::new()
        } else {
            loaded(
                ctx,
                ctx.loader()
                    .load_one(BudgetLinesOfProgramme(self.0.id))
                    .await,
            )?
            .unwrap_or_default()
            .iter()
            .map(|line| line.organization_id)
            .collect()
        };
        organizations.push(self.0.convening_organization_id);
        if !crate::service::policy::may_read_programme_requests(principal, &organizations) {
            return Ok(Vec::new());
        }
        let rows = loaded(
            ctx,
            ctx.loader().load_one(RequestsOfProgramme(self.0.id)).await,
        )?
        .unwrap_or_default();
        // Newest first, as `programmeRequests` lists them.
        Ok(rows
            .into_iter()
            .rev()
            .take(crate::graphql::limits::rows::DECISIONS)
            .map(super::requests::ProgrammeRequest)
            .collect())
    }
    /// The convening organization's narrative reports, by year, the final report last.
    async fn narrative_reports(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::reporting::NarrativeReport>> {
        let mut rows = loaded(
            ctx,
            ctx.loader()
                .load_one(NarrativeReportsOfProgramme(self.0.id))
                .await,
        )?
        .unwrap_or_default();
        rows.sort_by_key(|r| (r.r#final, r.year));
        Ok(rows
            .into_iter()
            .map(super::reporting::NarrativeReport)
            .collect())
    }
    /// The programme's gender, human-rights and child-sensitivity markers (its concept note's).
    async fn markers(&self) -> Markers {
        Markers {
            gender: self.0.gender_marker,
            human_rights: self.0.human_rights_marker,
            child_sensitivity: self.0.child_sensitivity_marker,
        }
    }
    /// Increases with every change; pass it as `expectedVersion` to `setJointProgrammeStatus`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The documents kept with it (`attachDocument`), oldest first by their date; at most 100,
    /// and the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DOCUMENTS, child_complexity)"
    )]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<super::Document>> {
        super::documents::documents_of(
            ctx,
            crate::service::documents::Subject::JointProgramme(self.0.id),
        )
        .await
    }
}

/// A programme's money, in US dollars: approved, transferred, spent, returned, and what is left.
#[derive(SimpleObject)]
pub struct Financials {
    /// The approved budget (the sum of the budget lines), as revised by the steering committee's
    /// budget revisions.
    pub approved_usd: Decimal,
    /// The budget the programme was created with, before any budget revision.
    pub original_budget_usd: Decimal,
    /// What the Administrative Agent transferred to the programme's organizations.
    pub transferred_usd: Decimal,
    /// What the organizations returned unspent.
    pub refunds_usd: Decimal,
    /// The net funded amount: transfers less refunds.
    pub net_funded_usd: Decimal,
    /// What the organizations reported spending: every year's report (one per organization and
    /// year), summed.
    pub expenditure_usd: Decimal,
    /// Delivery: expenditure ÷ the net funded amount, to four decimals (half-even); null before
    /// any net transfer.
    pub delivery_rate: Option<Decimal>,
    /// Approved but not yet transferred: `approvedUsd` − `transferredUsd`.
    pub balance_usd: Decimal,
    /// What the organizations still hold: transferred − expenditure − refunds.
    pub balance_with_organizations_usd: Decimal,
}

impl Financials {
    /// The figures of `service::arithmetic`, in GraphQL's types.
    pub fn new(
        approved: i64,
        original_budget: i64,
        money: &WithOrganizations,
    ) -> ServiceResult<Self> {
        Ok(Self {
            approved_usd: usd(approved),
            original_budget_usd: usd(original_budget),
            transferred_usd: usd(money.transferred),
            refunds_usd: usd(money.refunds),
            net_funded_usd: usd(money.net_funded()?),
            expenditure_usd: usd(money.expenditure),
            delivery_rate: money.delivery_rate()?.map(Decimal),
            balance_usd: usd(arithmetic::programme_balance(approved, money.transferred)?),
            balance_with_organizations_usd: usd(money.balance()?),
        })
    }
}

/// One participating organization's share of a programme's budget.
pub struct BudgetLine(pub budget_line::Model);

/// One participating organization's share of a programme's budget, in US dollars.
#[Object]
impl BudgetLine {
    /// The budget line's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::BudgetLine, self.0.id))
    }
    /// The participating organization the line is for.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// The programmable amount: what the organization spends on the programme's activities.
    async fn programmable_usd(&self) -> Decimal {
        usd(self.0.programmable_usd_cents)
    }
    /// The indirect support cost rate of this line as a fraction ("0.07" is 7%, the fund's usual
    /// rate unless agreed otherwise), up to six decimals.
    async fn indirect_support_cost_rate(&self) -> Result<Decimal> {
        Ok(Decimal(
            Rate::from_stored(&self.0.indirect_support_cost_rate)?.value(),
        ))
    }
    /// Indirect support costs: `programmableUsd` × `indirectSupportCostRate`, rounded half-even to
    /// the cent.
    async fn indirect_support_cost_usd(&self) -> Decimal {
        usd(self.0.indirect_support_cost_usd_cents)
    }
    /// `programmableUsd` + `indirectSupportCostUsd`: what the organization may receive in
    /// transfers.
    async fn total_usd(&self) -> Decimal {
        usd(self.0.total_usd_cents)
    }
}

/// The programme of a record's `joint_programme_id`, through the request's loader.
pub async fn programme_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<JointProgramme>> {
    Ok(loaded(ctx, ctx.loader().load_one(JointProgrammeById(id)).await)?.map(JointProgramme))
}

/// Money the Administrative Agent transferred to a participating organization.
pub struct Transfer(pub transfer::Model);

/// Money the Administrative Agent transferred to a participating organization of a joint programme,
/// resting on a funding decision. Read by every token.
#[Object]
impl Transfer {
    /// The transfer's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Transfer, self.0.id))
    }
    /// The programme the money is for.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The participating organization that received it.
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
    /// The date of the transfer (its value date).
    async fn transferred_on(&self) -> Date {
        Date(self.0.transferred_on)
    }
    /// The amount transferred, in USD.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The part paid from money earmarked to the programme's thematic area (drawn first).
    async fn from_earmarked_usd(&self) -> Decimal {
        usd(self.0.from_earmarked_usd_cents)
    }
    /// The part paid from unearmarked money.
    async fn from_unearmarked_usd(&self) -> Decimal {
        usd(self.0.from_unearmarked_usd_cents)
    }
    /// The token subject (e.g. `user:3`) of the officer who recorded it; never the one who recorded
    /// the decision.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When the transfer was recorded in the system (UTC).
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

/// A participating organization's expenditure on a programme for a year.
pub struct ExpenditureReport(pub expenditure_report::Model);

/// A participating organization's expenditure on a programme for a year, in US dollars. Read by
/// every token.
#[Object]
impl ExpenditureReport {
    /// The report's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ExpenditureReport, self.0.id))
    }
    /// The programme the money was spent on.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The organization that spent it and reports it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// The calendar year the expenditure covers.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The year's expenditure as the books count it, in USD: the report's latest figure (the
    /// latest audited correction, else the certified figure, else the latest interim one).
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// `INTERIM` until the organization certifies the year's figure, then `CERTIFIED`.
    async fn nature(&self) -> Result<ExpenditureNature> {
        Ok(ExpenditureNature::from_stored(&self.0.nature)?)
    }
    /// When the certified figure came (UTC): the day the reporting calendar counts the financial
    /// report submitted; null while the figure is interim.
    async fn certified_at(&self) -> Option<DateTime> {
        self.0.certified_at.map(DateTime)
    }
    /// The report's version: it moves on with each new figure (`correctExpenditure` takes it as
    /// `expectedVersion`).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The latest figure by cost category: the eight harmonized categories in order, each with
    /// its amount (0 where nothing was spent); empty for a report recorded before expenditure
    /// was reported by category.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<ExpenditureLine>> {
        Ok(self
            .statements_stated(ctx)
            .await?
            .last()
            .map(ExpenditureStatement::lines_of)
            .unwrap_or_default())
    }
    /// The latest figure by cost category, one field each (the CSV export's columns); null for a
    /// report recorded before expenditure was reported by category.
    async fn by_category(&self, ctx: &Context<'_>) -> Result<Option<ExpenditureByCategory>> {
        Ok(self
            .statements_stated(ctx)
            .await?
            .last()
            .map(|s| ExpenditureByCategory(expenditure::by_category(s))))
    }
    /// Every figure stated on the report, oldest first: the interim figures it replaced, the
    /// certified one and the audited corrections of it; the latest 20, and the query cost counts
    /// that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::STATEMENTS, child_complexity)"
    )]
    async fn statements(&self, ctx: &Context<'_>) -> Result<Vec<ExpenditureStatement>> {
        let rows = self.statements_stated(ctx).await?;
        let skip = rows
            .len()
            .saturating_sub(crate::graphql::limits::rows::STATEMENTS);
        Ok(rows
            .into_iter()
            .skip(skip)
            .map(ExpenditureStatement)
            .collect())
    }
    /// The audited corrections of the certified figure (`correctExpenditure`), oldest first; the
    /// latest 20, and the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::STATEMENTS, child_complexity)"
    )]
    async fn corrections(&self, ctx: &Context<'_>) -> Result<Vec<ExpenditureStatement>> {
        let rows: Vec<_> = self
            .statements_stated(ctx)
            .await?
            .into_iter()
            .filter(|s| s.audited)
            .collect();
        let skip = rows
            .len()
            .saturating_sub(crate::graphql::limits::rows::STATEMENTS);
        Ok(rows
            .into_iter()
            .skip(skip)
            .map(ExpenditureStatement)
            .collect())
    }
    /// True for the organization's final report on the programme (certified); after it the
    /// organization reports no more expenditure.
    async fn r#final(&self) -> bool {
        self.0.r#final
    }
    /// The token subject (e.g. `user:7`) who recorded the latest figure: the organization's
    /// reporter, or the Administrative Agent's officer for an audited correction.
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    /// When the latest figure was recorded (UTC); `expenditureReports(filter: {recordedSince})`
    /// finds a report again when it has a new figure.
    async fn reported_at(&self) -> DateTime {
        DateTime(self.0.reported_at)
    }
    /// The documents kept with it (`attachDocument`), oldest first by their date; at most 100,
    /// and the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::DOCUMENTS, child_complexity)"
    )]
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<super::Document>> {
        super::documents::documents_of(
            ctx,
            crate::service::documents::Subject::ExpenditureReport(self.0.id),
        )
        .await
    }
}

impl ExpenditureReport {
    async fn statements_stated(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<expenditure_statement::Model>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(StatementsOfExpenditureReport(self.0.id))
                .await,
        )?
        .unwrap_or_default())
    }
}

/// One cost category's amount in an expenditure figure.
#[derive(SimpleObject)]
pub struct ExpenditureLine {
    /// The UN system's harmonized cost category.
    pub category: CostCategory,
    /// What was spent in it, in USD.
    pub amount_usd: Decimal,
}

/// One figure stated on an expenditure report: an interim figure, the certified one, or an
/// audited correction of it. Never changed once stated.
pub struct ExpenditureStatement(pub expenditure_statement::Model);

impl ExpenditureStatement {
    fn lines_of(statement: &expenditure_statement::Model) -> Vec<ExpenditureLine> {
        expenditure::by_category(statement)
            .lines()
            .map(|(category, amount)| ExpenditureLine {
                category,
                amount_usd: Decimal(amount.to_decimal()),
            })
            .collect()
    }
}

/// One figure stated on an expenditure report, by cost category. Read by every token.
#[Object]
impl ExpenditureStatement {
    /// `INTERIM`, or `CERTIFIED` for the certified figure and its corrections.
    async fn nature(&self) -> Result<ExpenditureNature> {
        Ok(ExpenditureNature::from_stored(&self.0.nature)?)
    }
    /// True for an audited correction of the certified figure (`correctExpenditure`).
    async fn audited(&self) -> bool {
        self.0.audited
    }
    /// The audit (or its document) a correction rests on; null for the organization's own
    /// figures.
    async fn audit_reference(&self) -> Option<&str> {
        self.0.audit_reference.as_deref()
    }
    /// Why the figure was corrected; null for the organization's own figures.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The figure's total, in USD: the exact sum of its lines.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The figure by cost category: the eight harmonized categories in order.
    async fn lines(&self) -> Vec<ExpenditureLine> {
        Self::lines_of(&self.0)
    }
    /// The figure by cost category, one field each.
    async fn by_category(&self) -> ExpenditureByCategory {
        ExpenditureByCategory(expenditure::by_category(&self.0))
    }
    /// The token subject (e.g. `user:7`) who stated it.
    async fn stated_by(&self) -> &str {
        &self.0.stated_by
    }
    /// When it was stated (UTC).
    async fn stated_at(&self) -> DateTime {
        DateTime(self.0.stated_at)
    }
}

/// An expenditure figure by the UN system's harmonized cost categories, in USD, with the
/// programmable expenditure (the seven direct categories) and the indirect support costs apart.
pub struct ExpenditureByCategory(pub ByCategory);

impl ExpenditureByCategory {
    fn of(&self, category: CostCategory) -> Decimal {
        Decimal(self.0.get(category).to_decimal())
    }
}

/// An expenditure figure by the UN system's harmonized cost categories, in USD.
#[Object]
impl ExpenditureByCategory {
    /// Staff and other personnel costs.
    async fn staff_and_personnel_usd(&self) -> Decimal {
        self.of(CostCategory::StaffAndPersonnel)
    }
    /// Supplies, commodities and materials.
    async fn supplies_usd(&self) -> Decimal {
        self.of(CostCategory::Supplies)
    }
    /// Equipment, vehicles and furniture, including depreciation.
    async fn equipment_usd(&self) -> Decimal {
        self.of(CostCategory::Equipment)
    }
    /// Contractual services.
    async fn contractual_services_usd(&self) -> Decimal {
        self.of(CostCategory::ContractualServices)
    }
    /// Travel.
    async fn travel_usd(&self) -> Decimal {
        self.of(CostCategory::Travel)
    }
    /// Transfers and grants to counterparts.
    async fn transfers_and_grants_usd(&self) -> Decimal {
        self.of(CostCategory::TransfersAndGrants)
    }
    /// General operating and other direct costs.
    async fn general_operating_usd(&self) -> Decimal {
        self.of(CostCategory::GeneralOperating)
    }
    /// The programmable expenditure: the seven categories above together.
    async fn programmable_usd(&self) -> Result<Decimal> {
        let programmable = self
            .0
            .programmable()
            .ok_or_else(|| anyhow::anyhow!("an expenditure figure does not fit in cents"))?;
        Ok(Decimal(programmable.to_decimal()))
    }
    /// Indirect support costs: at most the budget line's rate times the programmable
    /// expenditure.
    async fn indirect_support_costs_usd(&self) -> Decimal {
        self.of(CostCategory::IndirectSupportCosts)
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

/// An indicator of a programme's results framework, with its baseline, target and the values
/// reported. Read by every token.
#[Object]
impl ResultsIndicator {
    /// The indicator's global id (for `reportIndicatorValue` and the Fund Management Unit's
    /// revisions).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ResultsIndicator, self.0.id))
    }
    /// The programme whose results the indicator measures.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        programme_by_id(ctx, self.0.joint_programme_id).await
    }
    /// The indicator's code, unique within the programme (e.g. `1.2`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Outcome or output.
    async fn level(&self) -> Result<Option<IndicatorLevel>> {
        Ok(Some(IndicatorLevel::from_stored(&self.0.level)?))
    }
    /// What the indicator measures, in words.
    async fn statement(&self) -> &str {
        &self.0.statement
    }
    /// The unit of its values (e.g. "migrants reached", "%").
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// The value at the start of the programme, in `unit`, as measured in `baselineYear`.
    async fn baseline(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.baseline)?.0))
    }
    /// The year the baseline was measured (for indicators added before baselines had a year: the
    /// year the programme started).
    async fn baseline_year(&self) -> i32 {
        self.0.baseline_year
    }
    /// The value the programme aims for by its end, in `unit` (`targets` gives it per period).
    async fn target(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.target)?.0))
    }
    /// The targets per period, in the order of their periods; empty when the indicator has its
    /// overall `target` only. Where there are targets, every report's period lies within one of
    /// their periods. At most 20; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::TARGETS, child_complexity)"
    )]
    async fn targets(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorTarget>> {
        targets_of(ctx, self.0.id, self.0.target_set).await
    }
    /// The dimensions its values are disaggregated by, with their categories; empty when it is not
    /// disaggregated.
    async fn disaggregation(&self) -> Result<Vec<IndicatorDimension>> {
        Ok(results::dimensions_from_stored(&self.0.disaggregation)?
            .into_iter()
            .map(IndicatorDimension)
            .collect())
    }
    /// `ACTIVE`, or `RETIRED` by the Fund Management Unit (`retireIndicator`).
    async fn status(&self) -> Result<IndicatorStatus> {
        Ok(IndicatorStatus::from_stored(&self.0.status)?)
    }
    /// When the indicator was retired (UTC); null while it is active.
    async fn retired_at(&self) -> Option<DateTime> {
        self.0.retired_at.map(DateTime)
    }
    /// The token subject (e.g. `user:3`) of the officer who retired it; null while it is active.
    async fn retired_by(&self) -> Option<&str> {
        self.0.retired_by.as_deref()
    }
    /// Why it was retired; null while it is active.
    async fn retirement_reason(&self) -> Option<&str> {
        self.0.retirement_reason.as_deref()
    }
    /// The Fund Management Unit's revisions, oldest first, each with the indicator's form just
    /// before it: the first shows the indicator as it was added. Empty when never revised. At most
    /// 20; the query cost counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::REVISIONS, child_complexity)"
    )]
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<IndicatorRevision>> {
        Ok(loaded(
            ctx,
            ctx.loader().load_one(RevisionsOfIndicator(self.0.id)).await,
        )?
        .unwrap_or_default()
        .into_iter()
        .take(crate::graphql::limits::rows::REVISIONS)
        .map(IndicatorRevision)
        .collect())
    }
    /// The indicator's version, for `expectedVersion` (it also moves on with each report).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The GCM objective the indicator tracks, where given.
    async fn objective(&self, ctx: &Context<'_>) -> Result<Option<GcmObjective>> {
        match self.0.gcm_objective_id {
            Some(id) => Ok(objectives_by_id(ctx, &[id]).await?.pop()),
            None => Ok(None),
        }
    }
    /// The guiding principle the indicator tracks alignment with, where given.
    async fn guiding_principle(&self, ctx: &Context<'_>) -> Result<Option<GuidingPrinciple>> {
        match self.0.guiding_principle_id {
            Some(id) => Ok(principles_by_id(ctx, &[id]).await?.pop()),
            None => Ok(None),
        }
    }
    /// Values reported, oldest period first. At most 50 for one parent; the query cost counts that
    /// many.
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
    /// The value of the latest period reported; null before any report.
    async fn latest(&self, ctx: &Context<'_>) -> Result<Option<IndicatorMeasurement>> {
        Ok(self
            .measurement_rows(ctx)
            .await?
            .into_iter()
            .max_by_key(|m| m.period_end)
            .map(IndicatorMeasurement))
    }
    /// (latest − baseline) ÷ (target − baseline), to four decimals (half-even): 0 at the baseline,
    /// 1 at the target. Null before any report, and where the ratio is undefined.
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

/// An indicator's value at the end of a reporting period, as a participating organization reported
/// it.
#[Object]
impl IndicatorMeasurement {
    /// The measurement's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::IndicatorMeasurement, self.0.id))
    }
    /// The indicator measured.
    async fn indicator(&self, ctx: &Context<'_>) -> Result<Option<ResultsIndicator>> {
        Ok(loaded(
            ctx,
            ctx.loader()
                .load_one(IndicatorById(self.0.indicator_id))
                .await,
        )?
        .map(ResultsIndicator))
    }
    /// The first day of the reporting period (for values reported before periods had a start: the
    /// later of 1 January of `periodEnd`'s year and the programme's start).
    async fn period_start(&self) -> Date {
        Date(self.0.period_start)
    }
    /// The last day of the reporting period the value stands for.
    async fn period_end(&self) -> Date {
        Date(self.0.period_end)
    }
    /// The value per category of each dimension the indicator is disaggregated by, by dimension and
    /// category; empty for an indicator that is not disaggregated. At most 11; the query cost
    /// counts that many.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::CATEGORIES, child_complexity)"
    )]
    async fn breakdown(&self, ctx: &Context<'_>) -> Result<Vec<CategoryValue>> {
        let mut rows = loaded(
            ctx,
            ctx.loader().load_one(ValuesOfMeasurement(self.0.id)).await,
        )?
        .unwrap_or_default();
        // In the vocabulary's order: dimension, then category.
        let order = |row: &entity::indicator_measurement_value::Model| {
            let dimension = DisaggregationDimension::parse(&row.dimension);
            let position = dimension.and_then(|d| {
                d.categories()
                    .iter()
                    .position(|c| c.as_str() == row.category)
            });
            (dimension.map(|d| d as usize), position)
        };
        rows.sort_by_key(order);
        Ok(rows
            .into_iter()
            .take(crate::graphql::limits::rows::CATEGORIES)
            .map(CategoryValue)
            .collect())
    }
    /// The value at the end of the period, in the indicator's unit.
    async fn value(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.value)?.0))
    }
    /// The organization's remarks on the value, where given.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The token subject (e.g. `user:7`) who reported it.
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    /// When it was reported (UTC).
    async fn reported_at(&self) -> DateTime {
        DateTime(self.0.reported_at)
    }
}
