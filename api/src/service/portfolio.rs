//! The portfolio as a dashboard sees it, aggregated by the database (SUM, COUNT, GROUP BY):
//! its cost does not grow with the rows beyond the database's own aggregation.

use super::arithmetic::{
    self, cents, column, committed, deposits_with_contributions, geography, pledged, scalar,
    standing_deposit, sum_of, table,
};
use super::{Ctx, ReadPolicy, ServiceError, ServiceResult, Services};
use crate::auth::Principal;
use crate::domain::{ConceptNoteStatus, Region};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::capitalization_target;
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{Condition, DbBackend, EntityTrait, FromQueryResult, QueryOrder};

/// A figure of donors' money — pledges, signed agreements, deposits and what follows from them
/// (fees, net deposits, what is available, the funding gap, earmarked deposits) — in USD cents,
/// with whether this caller may read it: [`donors_money_refusal`] decided, for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorsMoney {
    cents: i64,
    refusal: Option<String>,
}

impl DonorsMoney {
    pub fn new(cents: i64, refusal: &Option<String>) -> Self {
        Self {
            cents,
            refusal: refusal.clone(),
        }
    }

    /// The figure, or `FORBIDDEN` saying why and what the caller may read instead.
    pub fn cents(&self) -> ServiceResult<i64> {
        Self::refused_as(&self.refusal)?;
        Ok(self.cents)
    }

    /// `FORBIDDEN` with [`donors_money_refusal`]'s reason, when it refused.
    pub fn refused_as(refusal: &Option<String>) -> ServiceResult<()> {
        match refusal {
            None => Ok(()),
            Some(reason) => Err(ServiceError::Forbidden(reason.clone())),
        }
    }
}

/// How a figure of donors' money is cut beyond the portfolio's scope.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Split {
    /// One figure for the scope (`totals`, `fundingGapUsd`).
    Whole,
    /// One figure per thematic area (`byThematicArea`).
    ByArea,
    /// One figure per month, quarter or year (`contributionsOverTime`).
    ByPeriod,
}

/// The rule for donors' money in the portfolio (docs/permissions.md, "Donors' money in the
/// portfolio"), in one place: a caller who may not read every donor's contributions (anyone but
/// the fund's staff, the steering committee and auditors, anonymous callers included) reads figures of
/// donors' money for the whole fund only — not narrowed by `from`/`to`, `thematicArea` or
/// `region`, nor split by area or period. The answer is `None` (readable) or the reason it is
/// not.
///
/// Why not "served when it rests on three donors or more": a narrowed figure can be the
/// difference of two others that each rest on many donors — two windows a day apart, or the
/// fund's total minus every other region — so no count taken on the figure itself keeps a single
/// donor's pledge out of reach. Only one figure of donors' money, the whole fund's, leaves
/// nothing to subtract.
///
/// The decision is taken from the caller and the question on every request, after the figure is
/// computed or taken from the kept figures (`service/figures.rs`): a figure kept for a staff
/// caller is the same statement's answer, and is refused to others all the same.
pub fn donors_money_refusal(
    principal: Option<&Principal>,
    scope: &PortfolioScope,
    split: Split,
) -> Option<String> {
    if principal.is_some_and(Principal::reads_everything) {
        return None;
    }
    let mut cuts = Vec::new();
    if scope.from.is_some() || scope.to.is_some() {
        cuts.push("narrowed by a period (`from`/`to`)");
    }
    if scope.thematic_area_id.is_some() {
        cuts.push("narrowed by `thematicArea`");
    }
    if scope.region.is_some() {
        cuts.push("narrowed by `region`");
    }
    if scope.as_of.is_some() {
        cuts.push("as of a past date (`asOf`)");
    }
    if scope.known_at.is_some() {
        cuts.push("as known at a past moment (`knownAt`)");
    }
    match split {
        Split::Whole => {}
        Split::ByArea => cuts.push("split by thematic area (`byThematicArea.earmarkedUsd`)"),
        Split::ByPeriod => cuts.push("split by period (`contributionsOverTime`)"),
    }
    if cuts.is_empty() {
        return None;
    }
    Some(format!(
        "figures of donors' money (pledged, committed, deposited, fees, net deposited, available, \
         earmarked, funding gap, contributions over time, the Administrative Agent's sources and \
         uses, balances and uncommitted pools) {} are read only by the fund's staff, the \
         steering committee and auditors, since such a figure can disclose one donor's pledges or deposits; \
         ask for the whole fund's figures as they stand instead (`portfolio {{ totals \
         sourcesAndUses }}` without `from`, `to`, `thematicArea`, `region`, `asOf` or `knownAt`)",
        cuts.join(" and ")
    ))
}

/// The fund's money as one statement computes it, in USD cents, before the rule is applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
struct TotalsRow {
    pledged: i64,
    committed: i64,
    deposited: i64,
    fees: i64,
    net_deposited: i64,
    approved: i64,
    transferred: i64,
    expenditure: i64,
    refunds: i64,
}

/// The fund's money, in USD cents. Programmes' money (approved, transferred, spent) is decided
/// by the committee and published programme by programme, so it is not donors' money: it is
/// read for any scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub pledged: DonorsMoney,
    pub committed: DonorsMoney,
    pub deposited: DonorsMoney,
    pub fees: DonorsMoney,
    pub net_deposited: DonorsMoney,
    pub approved: i64,
    pub transferred: i64,
    pub expenditure: i64,
    /// Unspent money the organizations returned (it lowers the net funded amount delivery
    /// divides by).
    pub refunds: i64,
}

impl Totals {
    fn new(row: TotalsRow, refusal: &Option<String>) -> Self {
        let money = |cents| DonorsMoney::new(cents, refusal);
        Self {
            pledged: money(row.pledged),
            committed: money(row.committed),
            deposited: money(row.deposited),
            fees: money(row.fees),
            net_deposited: money(row.net_deposited),
            approved: row.approved,
            transferred: row.transferred,
            expenditure: row.expenditure,
            refunds: row.refunds,
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
struct AreaRow {
    area_id: i64,
    earmarked: i64,
    approved: i64,
    transferred: i64,
    programme_count: i64,
    concept_note_count: i64,
    pipeline_count: i64,
}

#[derive(Debug, Clone)]
pub struct AreaFigures {
    pub area_id: i64,
    /// Deposits earmarked to the area: donors' money.
    pub earmarked: DonorsMoney,
    pub approved: i64,
    pub transferred: i64,
    pub programme_count: i64,
    pub concept_note_count: i64,
    pub pipeline_count: i64,
}

/// A region's row: its programmes' money split between their countries (see
/// `arithmetic::geography`), and the concept notes that cover it. `region` is `None` for the
/// programmes with no country (global ones).
#[derive(Debug, Clone)]
pub struct RegionFigures {
    pub region: Option<String>,
    pub programme_count: i64,
    pub approved: i64,
    pub transferred: i64,
    pub expenditure: i64,
    pub concept_note_count: i64,
}

/// A country's row, split as [`RegionFigures`] are.
#[derive(Debug, Clone)]
pub struct CountryFigures {
    pub country_code: String,
    pub programme_count: i64,
    pub approved: i64,
    pub transferred: i64,
    pub expenditure: i64,
    pub concept_note_count: i64,
}

/// A place's share of the programmes' money, as `arithmetic::geography` splits it.
#[derive(Debug, Clone, Default, FromQueryResult)]
struct PlaceMoney {
    place: Option<String>,
    programme_count: i64,
    approved: i64,
    transferred: i64,
    expenditure: i64,
}

/// How many concept notes cover a place.
#[derive(Debug, Clone, FromQueryResult)]
struct PlaceNotes {
    place: String,
    concept_note_count: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
    pub requested: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PeriodFigures {
    pub period: String,
    pub deposited: i64,
    pub net_deposited: i64,
    pub deposit_count: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PrincipleFigures {
    pub principle_id: i64,
    pub programme_count: i64,
    pub indicator_count: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct MarkerCount {
    pub marker: String,
    pub score: i32,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Interval {
    Month,
    Quarter,
    Year,
}

/// Narrows the portfolio to a period, a thematic area or a UN region. Each record is placed in
/// time by its own date (deposits when received, transfers when made, programmes when started,
/// concept notes when submitted, expenditure by year) and in space by its programme's countries
/// or, for money received, by the donor's country and the contribution's earmark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortfolioScope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub thematic_area_id: Option<i64>,
    pub region: Option<Region>,
    /// The books as they stood at the end of this day (entries by value date): the fund's books
    /// only (`PortfolioScope::books`); other figures refuse it (`require_now`).
    pub as_of: Option<NaiveDate>,
    /// The books as they were known at this moment (entries recorded by then), as `as_of`.
    pub known_at: Option<DateTime<Utc>>,
    /// Concept notes the caller may not read are not counted: set by `seen_by`.
    notes_read_by: Option<(ReadPolicy, Principal)>,
}

impl PortfolioScope {
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        thematic_area_id: Option<i64>,
        region: Option<Region>,
    ) -> Self {
        Self {
            from,
            to,
            thematic_area_id,
            region,
            as_of: None,
            known_at: None,
            notes_read_by: None,
        }
    }

    /// The same scope, in the books as they stood on `as_of` and as they were known at
    /// `known_at`.
    pub fn in_time(self, as_of: Option<NaiveDate>, known_at: Option<DateTime<Utc>>) -> Self {
        Self {
            as_of,
            known_at,
            ..self
        }
    }

    /// Refuses `asOf`/`knownAt` for a figure that is not one of the fund's books (counts of
    /// notes and programmes, the dashboard's breakdowns, the totals): only the ledger keeps what
    /// was known when.
    pub fn require_now(&self, figure: &str) -> ServiceResult<()> {
        let field = match (self.as_of, self.known_at) {
            (None, None) => return Ok(()),
            (Some(_), _) => "asOf",
            (None, Some(_)) => "knownAt",
        };
        let message = format!(
            "`{figure}` is counted as the portfolio stands now; `asOf` and `knownAt` apply to the \
             fund's books (`sourcesAndUses`, `fundsWithOrganizations`, `totalBalanceUsd`, \
             `uncommitted`, `uncommittedUsd`, `byOrganization`, `contributorsByYear`): ask for \
             those, or ask without `{field}`"
        );
        Err(crate::domain::UserError::validation(field, message).into())
    }

    /// The same scope, counting only the concept notes `principal` may read under `policy`.
    pub fn seen_by(&self, policy: ReadPolicy, principal: &Principal) -> Self {
        Self {
            notes_read_by: Some((policy, principal.clone())),
            ..self.clone()
        }
    }

    /// Whether the scope narrows to a place (an area or a region).
    fn placed(&self) -> bool {
        self.thematic_area_id.is_some() || self.region.is_some()
    }

    /// `alias.column` within `from`/`to`.
    fn period(&self, alias: &str, name: &str) -> Condition {
        let mut condition = Condition::all();
        if let Some(from) = self.from {
            condition = condition.add(column(alias, name).gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(column(alias, name).lte(to));
        }
        condition
    }

    /// `alias.column` (a concept note's id) is a note with a country in the region.
    fn notes_in_region(&self, alias: &str, name: &str) -> Condition {
        let Some(region) = self.region else {
            return Condition::all();
        };
        Condition::all().add(column(alias, name).in_subquery(in_region(
            "concept_note_country",
            "concept_note_id",
            region,
        )))
    }

    fn area(&self, alias: &str, name: &str) -> Condition {
        match self.thematic_area_id {
            Some(id) => Condition::all().add(column(alias, name).eq(id)),
            None => Condition::all(),
        }
    }

    /// Conditions on `contribution c` (without the period).
    fn contribution_place(&self) -> Condition {
        let mut condition = self.area("c", "earmarked_area_id");
        if let Some(region) = self.region {
            condition = condition
                .add(column("c", "donor_id").in_subquery(in_region("donor", "id", region)));
        }
        condition
    }

    fn contributions(&self) -> Condition {
        self.contribution_place()
            .add(self.period("c", "pledged_on"))
    }

    fn deposits(&self) -> Condition {
        let mut condition = self.period("d", "received_on").add(standing_deposit("d"));
        if self.placed() {
            condition = condition.add(
                column("d", "contribution_id").in_subquery(
                    Query::select()
                        .column((table("c"), table("id")))
                        .from_as(table("contribution"), table("c"))
                        .cond_where(self.contribution_place())
                        .to_owned(),
                ),
            );
        }
        condition
    }

    fn programmes(&self) -> Condition {
        self.area("p", "thematic_area_id")
            .add(self.notes_in_region("p", "concept_note_id"))
            .add(self.period("p", "start_date"))
    }

    /// The concept notes counted: in the scope, and readable by the caller (the read policy's
    /// own condition, see `seen_by`).
    fn notes(&self) -> Condition {
        let mut condition = self
            .area("n", "thematic_area_id")
            .add(self.notes_in_region("n", "id"))
            .add(self.period("n", "submitted_on"));
        if let Some((policy, principal)) = &self.notes_read_by {
            condition = condition.add(policy.readable_concept_notes_in(principal, "n"));
        }
        condition
    }

    /// `alias.column` (a programme's id) is a programme in the scope's place.
    fn programme_place(&self, alias: &str, name: &str) -> Condition {
        if !self.placed() {
            return Condition::all();
        }
        Condition::all().add(
            column(alias, name).in_subquery(
                Query::select()
                    .column((table("p"), table("id")))
                    .from_as(table("joint_programme"), table("p"))
                    .cond_where(
                        self.area("p", "thematic_area_id")
                            .add(self.notes_in_region("p", "concept_note_id")),
                    )
                    .to_owned(),
            ),
        )
    }

    fn transfers(&self) -> Condition {
        self.programme_place("t", "joint_programme_id")
            .add(self.period("t", "transferred_on"))
    }

    /// Refunds (`ledger_entry r`), placed like the transfers they return.
    fn refunds(&self) -> Condition {
        Condition::all()
            .add(column("r", "counts_as").eq(crate::domain::LedgerEntryKind::Refund.as_str()))
            .add(self.programme_place("r", "joint_programme_id"))
            .add(self.period("r", "value_date"))
    }

    fn expenditures(&self) -> Condition {
        let mut condition = self.programme_place("e", "joint_programme_id");
        if let Some(from) = self.from {
            condition = condition.add(column("e", "year").gte(from.year()));
        }
        if let Some(to) = self.to {
            condition = condition.add(column("e", "year").lte(to.year()));
        }
        condition
    }
}

/// `COUNT(*)`.
fn count_rows() -> Expr {
    Func::count(Expr::col(Asterisk)).into()
}

impl Services {
    /// The fund's totals: one statement, readable without a token (donors' money only as
    /// [`donors_money_refusal`] allows).
    pub async fn portfolio_totals(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Totals> {
        scope.require_now("totals")?;
        let sum = |from: &str, alias: &str, amount: &str, condition: Condition| {
            sum_of(from, alias, amount, condition)
        };
        let select = Query::select()
            .expr_as(
                sum(
                    "contribution",
                    "c",
                    "pledged_usd_cents",
                    pledged("c").add(scope.contributions()),
                ),
                table("pledged"),
            )
            .expr_as(
                sum(
                    "contribution",
                    "c",
                    "pledged_usd_cents",
                    committed("c").add(scope.contributions()),
                ),
                table("committed"),
            )
            .expr_as(
                sum("deposit", "d", "amount_usd_cents", scope.deposits()),
                table("deposited"),
            )
            .expr_as(
                sum("deposit", "d", "fee_usd_cents", scope.deposits()),
                table("fees"),
            )
            .expr_as(
                sum("deposit", "d", "net_usd_cents", scope.deposits()),
                table("net_deposited"),
            )
            .expr_as(
                sum(
                    "joint_programme",
                    "p",
                    "approved_budget_usd_cents",
                    scope.programmes(),
                ),
                table("approved"),
            )
            .expr_as(
                sum("transfer", "t", "amount_usd_cents", scope.transfers()),
                table("transferred"),
            )
            .expr_as(
                sum(
                    "expenditure_report",
                    "e",
                    "amount_usd_cents",
                    scope.expenditures(),
                ),
                table("expenditure"),
            )
            .expr_as(
                sum("ledger_entry", "r", "amount_usd_cents", scope.refunds()),
                table("refunds"),
            )
            .to_owned();
        let row = self
            .figure_row::<TotalsRow>(&select)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the fund's totals returned no row"))?;
        let refusal = donors_money_refusal(ctx.principal.as_ref(), scope, Split::Whole);
        Ok(Totals::new(row, &refusal))
    }

    /// What remains to deposit to reach the current capitalization target (the next one due on
    /// or after `today`, or the last one set): donors' money, like the deposits it rests on.
    pub async fn funding_gap(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
        today: NaiveDate,
    ) -> ServiceResult<DonorsMoney> {
        scope.require_now("fundingGapUsd")?;
        let targets = self.capitalization_targets().await?;
        let current = targets
            .iter()
            .find(|t| t.due_on >= today)
            .or(targets.last());
        // With no target set, nothing remains to reach.
        let target = current.map_or(0, |t| t.amount_usd_cents);
        let deposited = self.portfolio_totals(ctx, scope).await?.deposited;
        Ok(DonorsMoney {
            cents: arithmetic::funding_gap(target, deposited.cents),
            ..deposited
        })
    }

    pub async fn capitalization_targets(&self) -> ServiceResult<Vec<capitalization_target::Model>> {
        Ok(capitalization_target::Entity::find()
            .order_by_asc(capitalization_target::Column::DueOn)
            .all(&self.db)
            .await?)
    }

    pub async fn portfolio_by_area(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<AreaFigures>> {
        scope.require_now("byThematicArea")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        // One grouped pass over each table (not one correlated scan per area and figure).
        let earmarked = deposits_with_contributions()
            .expr_as(column("c", "earmarked_area_id"), table("area_id"))
            .expr_as(cents(column("d", "amount_usd_cents")), table("earmarked"))
            .cond_where(
                Condition::all()
                    .add(column("c", "earmarked_area_id").is_not_null())
                    .add(scope.deposits()),
            )
            .add_group_by([column("c", "earmarked_area_id")])
            .to_owned();
        let approved = Query::select()
            .expr_as(column("p", "thematic_area_id"), table("area_id"))
            .expr_as(
                cents(column("p", "approved_budget_usd_cents")),
                table("approved"),
            )
            .expr_as(count_rows(), table("programme_count"))
            .from_as(table("joint_programme"), table("p"))
            .cond_where(scope.programmes())
            .add_group_by([column("p", "thematic_area_id")])
            .to_owned();
        let transferred = Query::select()
            .expr_as(column("t", "thematic_area_id"), table("area_id"))
            .expr_as(cents(column("t", "amount_usd_cents")), table("transferred"))
            .from_as(table("transfer"), table("t"))
            .cond_where(scope.transfers())
            .add_group_by([column("t", "thematic_area_id")])
            .to_owned();
        let in_pipeline = Expr::case(
            column("n", "status").eq(ConceptNoteStatus::Pipeline.as_str()),
            Expr::val(1),
        );
        let notes = Query::select()
            .expr_as(column("n", "thematic_area_id"), table("area_id"))
            .expr_as(count_rows(), table("concept_note_count"))
            .expr_as(
                Func::count(Into::<Expr>::into(in_pipeline)),
                table("pipeline_count"),
            )
            .from_as(table("concept_note"), table("n"))
            .cond_where(scope.notes())
            .add_group_by([column("n", "thematic_area_id")])
            .to_owned();
        let or_zero = |alias: &str, name: &str| -> Expr {
            Func::coalesce([column(alias, name), Expr::val(0i64)]).into()
        };
        let on_area = |alias: &str| column(alias, "area_id").equals((table("a"), table("id")));
        let select = Query::select()
            .expr_as(column("a", "id"), table("area_id"))
            .expr_as(or_zero("ae", "earmarked"), table("earmarked"))
            .expr_as(or_zero("ap", "approved"), table("approved"))
            .expr_as(or_zero("at", "transferred"), table("transferred"))
            .expr_as(or_zero("ap", "programme_count"), table("programme_count"))
            .expr_as(
                or_zero("an", "concept_note_count"),
                table("concept_note_count"),
            )
            .expr_as(or_zero("an", "pipeline_count"), table("pipeline_count"))
            .from_as(table("thematic_area"), table("a"))
            .join_subquery(JoinType::LeftJoin, earmarked, table("ae"), on_area("ae"))
            .join_subquery(JoinType::LeftJoin, approved, table("ap"), on_area("ap"))
            .join_subquery(JoinType::LeftJoin, transferred, table("at"), on_area("at"))
            .join_subquery(JoinType::LeftJoin, notes, table("an"), on_area("an"))
            .cond_where(scope.area("a", "id"))
            .order_by_expr(column("a", "number"), Order::Asc)
            .to_owned();
        let rows: Vec<AreaRow> = self.figure_rows(&select).await?;
        let refusal = donors_money_refusal(ctx.principal.as_ref(), scope, Split::ByArea);
        Ok(rows
            .into_iter()
            .map(|r| AreaFigures {
                area_id: r.area_id,
                earmarked: DonorsMoney::new(r.earmarked, &refusal),
                approved: r.approved,
                transferred: r.transferred,
                programme_count: r.programme_count,
                concept_note_count: r.concept_note_count,
                pipeline_count: r.pipeline_count,
            })
            .collect())
    }

    /// Programmes and concept notes by UN region of their countries; a multi-region programme
    /// counts in each of its regions.
    pub async fn portfolio_by_region(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<RegionFigures>> {
        scope.require_now("byRegion")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let money: Vec<PlaceMoney> = self
            .figure_rows(&geography::by_region(scope.programmes()))
            .await?;
        let notes: Vec<PlaceNotes> = self
            .figure_rows(
                &Query::select()
                    .expr_as(column("c", "region"), table("place"))
                    .expr_as(
                        Func::count_distinct(column("n", "id")),
                        table("concept_note_count"),
                    )
                    .from_as(table("concept_note"), table("n"))
                    .join_as(
                        JoinType::InnerJoin,
                        table("concept_note_country"),
                        table("nc"),
                        column("nc", "concept_note_id").equals((table("n"), table("id"))),
                    )
                    .join_as(
                        JoinType::InnerJoin,
                        table("country"),
                        table("c"),
                        column("c", "code").equals((table("nc"), table("country_code"))),
                    )
                    .cond_where(scope.notes())
                    .add_group_by([column("c", "region")])
                    .to_owned(),
            )
            .await?;
        let mut regions: Vec<Option<String>> = match scope.region {
            Some(region) => vec![Some(region.as_str().to_owned())],
            None => Region::ALL
                .iter()
                .map(|r| Some(r.as_str().to_owned()))
                .chain(money.iter().any(|m| m.place.is_none()).then_some(None))
                .collect(),
        };
        regions.sort();
        Ok(regions
            .into_iter()
            .map(|region| {
                let money = money
                    .iter()
                    .find(|m| m.place == region)
                    .cloned()
                    .unwrap_or_default();
                let concept_note_count = notes
                    .iter()
                    .find(|n| Some(&n.place) == region.as_ref())
                    .map_or(0, |n| n.concept_note_count);
                RegionFigures {
                    region,
                    programme_count: money.programme_count,
                    approved: money.approved,
                    transferred: money.transferred,
                    expenditure: money.expenditure,
                    concept_note_count,
                }
            })
            .collect())
    }

    /// Programmes and concept notes by country, the programmes' money split between their
    /// countries.
    pub async fn portfolio_by_country(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<CountryFigures>> {
        scope.require_now("byCountry")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let money: Vec<PlaceMoney> = self
            .figure_rows(&geography::by_country(scope.programmes()))
            .await?;
        let notes: Vec<PlaceNotes> = self
            .figure_rows(
                &Query::select()
                    .expr_as(column("nc", "country_code"), table("place"))
                    .expr_as(
                        Func::count_distinct(column("n", "id")),
                        table("concept_note_count"),
                    )
                    .from_as(table("concept_note_country"), table("nc"))
                    .join_as(
                        JoinType::InnerJoin,
                        table("concept_note"),
                        table("n"),
                        column("n", "id").equals((table("nc"), table("concept_note_id"))),
                    )
                    .cond_where(scope.notes())
                    .add_group_by([column("nc", "country_code")])
                    .order_by_expr(column("nc", "country_code"), Order::Asc)
                    .to_owned(),
            )
            .await?;
        let in_region = |code: &str| match scope.region {
            None => true,
            Some(_) => notes.iter().any(|n| n.place == code),
        };
        let mut codes: Vec<String> = notes.iter().map(|n| n.place.clone()).collect();
        codes.extend(
            money
                .iter()
                .filter_map(|m| m.place.clone())
                .filter(|c| in_region(c)),
        );
        codes.sort();
        codes.dedup();
        Ok(codes
            .into_iter()
            .map(|code| {
                let money = money
                    .iter()
                    .find(|m| m.place.as_deref() == Some(code.as_str()))
                    .cloned()
                    .unwrap_or_default();
                let concept_note_count = notes
                    .iter()
                    .find(|n| n.place == code)
                    .map_or(0, |n| n.concept_note_count);
                CountryFigures {
                    country_code: code,
                    programme_count: money.programme_count,
                    approved: money.approved,
                    transferred: money.transferred,
                    expenditure: money.expenditure,
                    concept_note_count,
                }
            })
            .collect())
    }

    /// Concept notes by status, with what they request.
    pub async fn pipeline_funnel(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<StatusCount>> {
        scope.require_now("pipelineFunnel")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let select = Query::select()
            .expr_as(column("n", "status"), table("status"))
            .expr_as(count_rows(), table("count"))
            .expr_as(
                cents(column("n", "requested_budget_usd_cents")),
                table("requested"),
            )
            .from_as(table("concept_note"), table("n"))
            .cond_where(scope.notes())
            .add_group_by([column("n", "status")])
            .to_owned();
        let mut rows: Vec<StatusCount> = self.figure_rows(&select).await?;
        // Every status appears, in the order of the programming cycle; a stored status outside
        // the vocabulary is an error, not a row sorted last.
        for row in &rows {
            ConceptNoteStatus::from_stored(&row.status)?;
        }
        for status in ConceptNoteStatus::ALL {
            if !rows.iter().any(|r| r.status == status.as_str()) {
                rows.push(StatusCount {
                    status: status.as_str().to_owned(),
                    count: 0,
                    requested: 0,
                });
            }
        }
        rows.sort_by_key(|r| {
            ConceptNoteStatus::ALL
                .iter()
                .position(|s| s.as_str() == r.status)
        });
        Ok(rows)
    }

    /// Deposits received per month, quarter or year: donors' money split by period, so only
    /// for those [`donors_money_refusal`] allows (each row's period and count too: they date
    /// and count one donor's deposits when a period holds one).
    pub async fn contributions_over_time(
        &self,
        ctx: &Ctx,
        interval: Interval,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<PeriodFigures>> {
        scope.require_now("contributionsOverTime")?;
        let principal = ctx.principal()?;
        if let Some(reason) = donors_money_refusal(Some(principal), scope, Split::ByPeriod) {
            return Err(ServiceError::Forbidden(reason));
        }
        let scope = &scope.seen_by(self.policy, principal);
        let period = match (self.db.get_database_backend(), interval) {
            (DbBackend::Postgres, Interval::Month) => "to_char(d.received_on, 'YYYY-MM')",
            (DbBackend::Postgres, Interval::Quarter) => "to_char(d.received_on, 'YYYY-\"Q\"Q')",
            (DbBackend::Postgres, Interval::Year) => "to_char(d.received_on, 'YYYY')",
            (_, Interval::Month) => "strftime('%Y-%m', d.received_on)",
            (_, Interval::Quarter) => "strftime('%Y', d.received_on) || '-Q' || ((CAST(strftime('%m', d.received_on) AS INTEGER) + 2) / 3)",
            (_, Interval::Year) => "strftime('%Y', d.received_on)",
        };
        // Constant SQL per database (no value of the caller's): the period a deposit falls in.
        let select = Query::select()
            .expr_as(Expr::cust(period), table("period"))
            .expr_as(cents(column("d", "amount_usd_cents")), table("deposited"))
            .expr_as(cents(column("d", "net_usd_cents")), table("net_deposited"))
            .expr_as(count_rows(), table("deposit_count"))
            .from_as(table("deposit"), table("d"))
            .cond_where(scope.deposits())
            .add_group_by([Expr::cust("1")])
            .order_by_expr(Expr::cust("1"), Order::Asc)
            .to_owned();
        self.figure_rows(&select).await
    }

    /// How many programmes and indicators serve each guiding principle.
    pub async fn principle_coverage(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<PrincipleFigures>> {
        scope.require_now("principleCoverage")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let count = |select: &mut SelectStatement| {
            scalar(
                select
                    .expr(count_rows())
                    .cond_where(scope.programmes())
                    .to_owned(),
            )
        };
        let select = Query::select()
            .expr_as(column("g", "id"), table("principle_id"))
            .expr_as(
                count(
                    Query::select()
                        .from_as(table("joint_programme"), table("p"))
                        .join_as(
                            JoinType::InnerJoin,
                            table("concept_note_principle"),
                            table("np"),
                            column("np", "concept_note_id")
                                .equals((table("p"), table("concept_note_id"))),
                        )
                        .and_where(
                            column("np", "guiding_principle_id").equals((table("g"), table("id"))),
                        ),
                ),
                table("programme_count"),
            )
            .expr_as(
                count(
                    Query::select()
                        .from_as(table("results_indicator"), table("i"))
                        .join_as(
                            JoinType::InnerJoin,
                            table("joint_programme"),
                            table("p"),
                            column("p", "id").equals((table("i"), table("joint_programme_id"))),
                        )
                        .and_where(
                            column("i", "guiding_principle_id").equals((table("g"), table("id"))),
                        ),
                ),
                table("indicator_count"),
            )
            .from_as(table("guiding_principle"), table("g"))
            .order_by_expr(column("g", "position"), Order::Asc)
            .to_owned();
        self.figure_rows(&select).await
    }

    /// Programmes by gender, human-rights and child-sensitivity marker score.
    pub async fn marker_distribution(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<MarkerCount>> {
        scope.require_now("markerDistribution")?;
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let by = |marker: &str, score: &str| {
            Query::select()
                .expr_as(Expr::val(marker), table("marker"))
                .expr_as(column("p", score), table("score"))
                .expr_as(count_rows(), table("count"))
                .from_as(table("joint_programme"), table("p"))
                .cond_where(scope.programmes())
                .add_group_by([column("p", score)])
                .to_owned()
        };
        let select = by("GENDER", "gender_marker")
            .union(UnionType::All, by("HUMAN_RIGHTS", "human_rights_marker"))
            .union(
                UnionType::All,
                by("CHILD_SENSITIVITY", "child_sensitivity_marker"),
            )
            .order_by_expr(Expr::cust("1"), Order::Asc)
            .order_by_expr(Expr::cust("2"), Order::Asc)
            .to_owned();
        self.figure_rows(&select).await
    }
}

/// `SELECT t.<key> FROM <table> t JOIN country rc ON rc.code = t.country_code WHERE rc.region =
/// <region>`: the rows of a table with a `country_code` (a note's countries, donors) that lie in
/// the region.
fn in_region(from: &str, key: &str, region: Region) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((table("t"), table(key)))
        .from_as(table(from), table("t"))
        .join_as(
            JoinType::InnerJoin,
            table("country"),
            table("rc"),
            column("rc", "code").equals((table("t"), table("country_code"))),
        )
        .and_where(column("rc", "region").eq(region.as_str()))
        .to_owned()
}
