//! The portfolio as a dashboard sees it, aggregated by the database (SUM, COUNT, GROUP BY):
//! its cost does not grow with the rows beyond the database's own aggregation.

use super::{Ctx, ReadPolicy, ServiceError, ServiceResult, Services};
use crate::auth::Principal;
use crate::domain::{ConceptNoteStatus, Region};
use chrono::{Datelike, NaiveDate};
use entity::capitalization_target;
use sea_orm::{DbBackend, EntityTrait, FromQueryResult, QueryOrder};

/// A figure of donors' money — pledges, signed agreements, deposits and what follows from them
/// (fees, net deposits, what is available, the funding gap, earmarked deposits) — in USD cents,
/// with whether this caller may read it: [`donors_money_refusal`] decided, for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorsMoney {
    cents: i64,
    refusal: Option<String>,
}

impl DonorsMoney {
    fn new(cents: i64, refusal: &Option<String>) -> Self {
        Self {
            cents,
            refusal: refusal.clone(),
        }
    }

    /// The figure, or `FORBIDDEN` saying why and what the caller may read instead.
    pub fn cents(&self) -> ServiceResult<i64> {
        match &self.refusal {
            None => Ok(self.cents),
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
/// the fund's staff and the steering committee, anonymous callers included) reads figures of
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
         earmarked, funding gap, contributions over time) {} are read only by the fund's staff \
         and the steering committee, since such a figure can disclose one donor's pledges or \
         deposits; ask for the whole fund's figures instead (`portfolio {{ totals fundingGapUsd }}` \
         without `from`, `to`, `thematicArea` or `region`)",
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
    /// Net deposits not yet transferred (direct costs are not recorded separately yet).
    pub available: DonorsMoney,
    pub approved: i64,
    pub transferred: i64,
    pub expenditure: i64,
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
            available: money(row.net_deposited.saturating_sub(row.transferred)),
            approved: row.approved,
            transferred: row.transferred,
            expenditure: row.expenditure,
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

#[derive(Debug, Clone, FromQueryResult)]
pub struct RegionFigures {
    pub region: String,
    pub programme_count: i64,
    pub approved: i64,
    pub concept_note_count: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct CountryFigures {
    pub country_code: String,
    pub programme_count: i64,
    pub approved: i64,
    pub concept_note_count: i64,
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
            notes_read_by: None,
        }
    }

    /// The same scope, counting only the concept notes `principal` may read under `policy`.
    pub fn seen_by(&self, policy: ReadPolicy, principal: &Principal) -> Self {
        Self {
            notes_read_by: Some((policy, principal.clone())),
            ..self.clone()
        }
    }

    fn note_visibility(&self) -> String {
        use sea_orm::sea_query::{PostgresQueryBuilder, Query};
        let Some((policy, principal)) = &self.notes_read_by else {
            return String::new();
        };
        if principal.reads_everything() {
            return String::new();
        }
        // The policy's condition, written as SQL both databases read (double-quoted names,
        // values as literals).
        let sql = Query::select()
            .expr(sea_orm::sea_query::Expr::val(1))
            .cond_where(policy.readable_concept_notes_in(principal, "n"))
            .to_string(PostgresQueryBuilder);
        match sql.split_once(" WHERE ") {
            Some((_, condition)) => format!(" AND ({condition})"),
            None => String::new(),
        }
    }

    // The values below are typed (dates, integers, a closed vocabulary), never caller text, so
    // they are written into the SQL as literals.
    fn period(&self, column: &str) -> String {
        let mut sql = String::new();
        if let Some(from) = self.from {
            sql.push_str(&format!(" AND {column} >= '{}'", from.format("%Y-%m-%d")));
        }
        if let Some(to) = self.to {
            sql.push_str(&format!(" AND {column} <= '{}'", to.format("%Y-%m-%d")));
        }
        sql
    }

    fn programmes_in_region(&self, note_column: &str) -> String {
        match self.region {
            Some(region) => format!(
                " AND {note_column} IN (SELECT nc.concept_note_id FROM concept_note_country nc JOIN country rc ON rc.code = nc.country_code WHERE rc.region = '{}')",
                region.as_str()
            ),
            None => String::new(),
        }
    }

    fn area(&self, column: &str) -> String {
        self.thematic_area_id
            .map(|id| format!(" AND {column} = {id}"))
            .unwrap_or_default()
    }

    /// Conditions on `contribution c` (without the period).
    fn contribution_place(&self) -> String {
        let mut sql = self.area("c.earmarked_area_id");
        if let Some(region) = self.region {
            sql.push_str(&format!(
                " AND c.donor_id IN (SELECT dd.id FROM donor dd JOIN country dc ON dc.code = dd.country_code WHERE dc.region = '{}')",
                region.as_str()
            ));
        }
        sql
    }

    fn contributions(&self) -> String {
        format!(
            "{}{}",
            self.contribution_place(),
            self.period("c.pledged_on")
        )
    }

    fn deposits(&self) -> String {
        let place = self.contribution_place();
        let mut sql = self.period("d.received_on");
        if !place.is_empty() {
            sql.push_str(&format!(
                " AND d.contribution_id IN (SELECT c.id FROM contribution c WHERE 1 = 1{place})"
            ));
        }
        sql
    }

    fn programmes(&self) -> String {
        format!(
            "{}{}{}",
            self.area("p.thematic_area_id"),
            self.programmes_in_region("p.concept_note_id"),
            self.period("p.start_date")
        )
    }

    fn notes(&self) -> String {
        format!(
            "{}{}{}{}",
            self.area("n.thematic_area_id"),
            self.programmes_in_region("n.id"),
            self.period("n.submitted_on"),
            self.note_visibility()
        )
    }

    fn programme_place(&self, programme_column: &str) -> String {
        let place = format!(
            "{}{}",
            self.area("p.thematic_area_id"),
            self.programmes_in_region("p.concept_note_id")
        );
        if place.is_empty() {
            String::new()
        } else {
            format!(" AND {programme_column} IN (SELECT p.id FROM joint_programme p WHERE 1 = 1{place})")
        }
    }

    fn transfers(&self) -> String {
        format!(
            "{}{}",
            self.programme_place("t.joint_programme_id"),
            self.period("t.transferred_on")
        )
    }

    fn expenditures(&self) -> String {
        let mut sql = self.programme_place("e.joint_programme_id");
        if let Some(from) = self.from {
            sql.push_str(&format!(" AND e.year >= {}", from.year()));
        }
        if let Some(to) = self.to {
            sql.push_str(&format!(" AND e.year <= {}", to.year()));
        }
        sql
    }
}

const CENTS: &str = "COALESCE(CAST(SUM";

fn sum(expr: &str) -> String {
    format!("{CENTS}({expr}) AS BIGINT), 0)")
}

impl Services {
    /// The fund's totals: one statement, readable without a token (donors' money only as
    /// [`donors_money_refusal`] allows).
    pub async fn portfolio_totals(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Totals> {
        let sql = format!(
            "SELECT
               (SELECT {pledged} FROM contribution c WHERE c.status <> 'CANCELLED'{contributions}) AS pledged,
               (SELECT {pledged} FROM contribution c WHERE c.status IN ('SIGNED', 'PARTIALLY_DEPOSITED', 'FULLY_DEPOSITED'){contributions}) AS committed,
               (SELECT {deposited} FROM deposit d WHERE 1 = 1{deposits}) AS deposited,
               (SELECT {fees} FROM deposit d WHERE 1 = 1{deposits}) AS fees,
               (SELECT {net} FROM deposit d WHERE 1 = 1{deposits}) AS net_deposited,
               (SELECT {approved} FROM joint_programme p WHERE 1 = 1{programmes}) AS approved,
               (SELECT {transferred} FROM transfer t WHERE 1 = 1{transfers}) AS transferred,
               (SELECT {expenditure} FROM expenditure_report e WHERE 1 = 1{expenditures}) AS expenditure",
            pledged = sum("c.pledged_usd_cents"),
            deposited = sum("d.amount_usd_cents"),
            fees = sum("d.fee_usd_cents"),
            net = sum("d.net_usd_cents"),
            approved = sum("p.approved_budget_usd_cents"),
            transferred = sum("t.amount_usd_cents"),
            expenditure = sum("e.amount_usd_cents"),
            contributions = scope.contributions(),
            deposits = scope.deposits(),
            programmes = scope.programmes(),
            transfers = scope.transfers(),
            expenditures = scope.expenditures(),
        );
        let row = self
            .figure_row::<TotalsRow>(&sql)
            .await?
            .unwrap_or_default();
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
        let targets = self.capitalization_targets().await?;
        let current = targets
            .iter()
            .find(|t| t.due_on >= today)
            .or(targets.last());
        let target = current.map(|t| t.amount_usd_cents).unwrap_or(0);
        let deposited = self.portfolio_totals(ctx, scope).await?.deposited;
        Ok(DonorsMoney {
            cents: target.saturating_sub(deposited.cents).max(0),
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
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let sql = format!(
            // One grouped pass over each table (not one correlated scan per area and figure).
            "SELECT a.id AS area_id,
               COALESCE(ae.earmarked, 0) AS earmarked,
               COALESCE(ap.approved, 0) AS approved,
               COALESCE(at.transferred, 0) AS transferred,
               COALESCE(ap.programme_count, 0) AS programme_count,
               COALESCE(an.concept_note_count, 0) AS concept_note_count,
               COALESCE(an.pipeline_count, 0) AS pipeline_count
             FROM thematic_area a
             LEFT JOIN (SELECT c.earmarked_area_id AS area_id, {earmarked} AS earmarked FROM deposit d JOIN contribution c ON c.id = d.contribution_id WHERE c.earmarked_area_id IS NOT NULL{deposits} GROUP BY c.earmarked_area_id) ae ON ae.area_id = a.id
             LEFT JOIN (SELECT p.thematic_area_id AS area_id, {approved} AS approved, COUNT(*) AS programme_count FROM joint_programme p WHERE 1 = 1{programmes} GROUP BY p.thematic_area_id) ap ON ap.area_id = a.id
             LEFT JOIN (SELECT t.thematic_area_id AS area_id, {transferred} AS transferred FROM transfer t WHERE 1 = 1{transfers} GROUP BY t.thematic_area_id) at ON at.area_id = a.id
             LEFT JOIN (SELECT n.thematic_area_id AS area_id, COUNT(*) AS concept_note_count, COUNT(CASE WHEN n.status = 'PIPELINE' THEN 1 END) AS pipeline_count FROM concept_note n WHERE 1 = 1{notes} GROUP BY n.thematic_area_id) an ON an.area_id = a.id
             WHERE 1 = 1{areas} ORDER BY a.number",
            earmarked = sum("d.amount_usd_cents"),
            approved = sum("p.approved_budget_usd_cents"),
            transferred = sum("t.amount_usd_cents"),
            deposits = scope.deposits(),
            programmes = scope.programmes(),
            transfers = scope.transfers(),
            notes = scope.notes(),
            areas = scope.area("a.id"),
        );
        let rows: Vec<AreaRow> = self.figure_rows(&sql).await?;
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
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let regions = match scope.region {
            Some(region) => format!("SELECT '{}' AS region", region.as_str()),
            None => "SELECT DISTINCT region FROM country".to_owned(),
        };
        let sql = format!(
            "SELECT r.region AS region,
               (SELECT COUNT(*) FROM joint_programme p WHERE p.concept_note_id IN (SELECT nc.concept_note_id FROM concept_note_country nc JOIN country c ON c.code = nc.country_code WHERE c.region = r.region){programmes}) AS programme_count,
               (SELECT {approved} FROM joint_programme p WHERE p.concept_note_id IN (SELECT nc.concept_note_id FROM concept_note_country nc JOIN country c ON c.code = nc.country_code WHERE c.region = r.region){programmes}) AS approved,
               (SELECT COUNT(*) FROM concept_note n WHERE n.id IN (SELECT nc.concept_note_id FROM concept_note_country nc JOIN country c ON c.code = nc.country_code WHERE c.region = r.region){notes}) AS concept_note_count
             FROM ({regions}) r ORDER BY r.region",
            approved = sum("p.approved_budget_usd_cents"),
            programmes = scope.programmes(),
            notes = scope.notes(),
        );
        self.figure_rows(&sql).await
    }

    /// Programmes and concept notes by country; a multi-country programme counts in each.
    pub async fn portfolio_by_country(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<CountryFigures>> {
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let sql = format!(
            "SELECT nc.country_code AS country_code,
               COUNT(DISTINCT p.id) AS programme_count,
               {approved} AS approved,
               COUNT(DISTINCT n.id) AS concept_note_count
             FROM concept_note_country nc
             JOIN concept_note n ON n.id = nc.concept_note_id
             LEFT JOIN joint_programme p ON p.concept_note_id = n.id{programmes}
             WHERE 1 = 1{notes}
             GROUP BY nc.country_code ORDER BY nc.country_code",
            approved = sum("p.approved_budget_usd_cents"),
            programmes = scope.programmes(),
            notes = scope.notes(),
        );
        self.figure_rows(&sql).await
    }

    /// Concept notes by status, with what they request.
    pub async fn pipeline_funnel(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<StatusCount>> {
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let sql = format!(
            "SELECT n.status AS status, COUNT(*) AS count, {requested} AS requested FROM concept_note n WHERE 1 = 1{notes} GROUP BY n.status",
            requested = sum("n.requested_budget_usd_cents"),
            notes = scope.notes(),
        );
        let mut rows: Vec<StatusCount> = self.figure_rows(&sql).await?;
        // Every status appears, in the order of the programming cycle.
        let order = |s: &str| {
            ConceptNoteStatus::ALL
                .iter()
                .position(|x| x.as_str() == s)
                .unwrap_or(usize::MAX)
        };
        for status in ConceptNoteStatus::ALL {
            if !rows.iter().any(|r| r.status == status.as_str()) {
                rows.push(StatusCount {
                    status: status.as_str().to_owned(),
                    count: 0,
                    requested: 0,
                });
            }
        }
        rows.sort_by_key(|r| order(&r.status));
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
        let sql = format!(
            "SELECT {period} AS period, {deposited} AS deposited, {net} AS net_deposited, COUNT(*) AS deposit_count
             FROM deposit d WHERE 1 = 1{deposits} GROUP BY 1 ORDER BY 1",
            deposited = sum("d.amount_usd_cents"),
            net = sum("d.net_usd_cents"),
            deposits = scope.deposits(),
        );
        self.figure_rows(&sql).await
    }

    /// How many programmes and indicators serve each guiding principle.
    pub async fn principle_coverage(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<PrincipleFigures>> {
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let sql = format!(
            "SELECT g.id AS principle_id,
               (SELECT COUNT(*) FROM joint_programme p JOIN concept_note_principle np ON np.concept_note_id = p.concept_note_id WHERE np.guiding_principle_id = g.id{programmes}) AS programme_count,
               (SELECT COUNT(*) FROM results_indicator i JOIN joint_programme p ON p.id = i.joint_programme_id WHERE i.guiding_principle_id = g.id{programmes}) AS indicator_count
             FROM guiding_principle g ORDER BY g.position",
            programmes = scope.programmes(),
        );
        self.figure_rows(&sql).await
    }

    /// Programmes by gender, human-rights and child-sensitivity marker score.
    pub async fn marker_distribution(
        &self,
        ctx: &Ctx,
        scope: &PortfolioScope,
    ) -> ServiceResult<Vec<MarkerCount>> {
        let scope = &scope.seen_by(self.policy, ctx.principal()?);
        let sql = format!(
            "SELECT 'GENDER' AS marker, p.gender_marker AS score, COUNT(*) AS count FROM joint_programme p WHERE 1 = 1{programmes} GROUP BY p.gender_marker
             UNION ALL SELECT 'HUMAN_RIGHTS', p.human_rights_marker, COUNT(*) FROM joint_programme p WHERE 1 = 1{programmes} GROUP BY p.human_rights_marker
             UNION ALL SELECT 'CHILD_SENSITIVITY', p.child_sensitivity_marker, COUNT(*) FROM joint_programme p WHERE 1 = 1{programmes} GROUP BY p.child_sensitivity_marker
             ORDER BY 1, 2",
            programmes = scope.programmes(),
        );
        self.figure_rows(&sql).await
    }
}
