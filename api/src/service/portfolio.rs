//! The portfolio as a dashboard sees it, aggregated by the database (SUM, COUNT, GROUP BY):
//! its cost does not grow with the rows beyond the database's own aggregation.

use super::{Ctx, ServiceResult, Services};
use crate::domain::{ConceptNoteStatus, Usd};
use entity::capitalization_target;
use sea_orm::{DbBackend, EntityTrait, FromQueryResult, QueryOrder, Statement};

/// The fund's money, in USD cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct Totals {
    pub pledged: i64,
    pub committed: i64,
    pub deposited: i64,
    pub fees: i64,
    pub net_deposited: i64,
    pub approved: i64,
    pub transferred: i64,
    pub expenditure: i64,
}

impl Totals {
    /// Net deposits not yet transferred (direct costs are not recorded separately yet).
    pub fn available(&self) -> Usd {
        Usd::from_cents(self.net_deposited - self.transferred)
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AreaFigures {
    pub area_id: i64,
    pub earmarked: i64,
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

const CENTS: &str = "COALESCE(CAST(SUM";

fn sum(expr: &str) -> String {
    format!("{CENTS}({expr}) AS BIGINT), 0)")
}

impl Services {
    /// The fund's totals: one statement, readable without a token.
    pub async fn portfolio_totals(&self) -> ServiceResult<Totals> {
        let sql = format!(
            "SELECT
               (SELECT {pledged} FROM contribution WHERE status <> 'CANCELLED') AS pledged,
               (SELECT {committed} FROM contribution WHERE status IN ('SIGNED', 'PARTIALLY_DEPOSITED', 'FULLY_DEPOSITED')) AS committed,
               (SELECT {deposited} FROM deposit) AS deposited,
               (SELECT {fees} FROM deposit) AS fees,
               (SELECT {net} FROM deposit) AS net_deposited,
               (SELECT {approved} FROM joint_programme) AS approved,
               (SELECT {transferred} FROM transfer) AS transferred,
               (SELECT {expenditure} FROM expenditure_report) AS expenditure",
            pledged = sum("pledged_usd_cents"),
            committed = sum("pledged_usd_cents"),
            deposited = sum("amount_usd_cents"),
            fees = sum("fee_usd_cents"),
            net = sum("net_usd_cents"),
            approved = sum("approved_budget_usd_cents"),
            transferred = sum("amount_usd_cents"),
            expenditure = sum("amount_usd_cents"),
        );
        Ok(self.query_one::<Totals>(&sql).await?.unwrap_or_default())
    }

    pub async fn capitalization_targets(&self) -> ServiceResult<Vec<capitalization_target::Model>> {
        Ok(capitalization_target::Entity::find()
            .order_by_asc(capitalization_target::Column::DueOn)
            .all(&self.db)
            .await?)
    }

    pub async fn portfolio_by_area(&self, ctx: &Ctx) -> ServiceResult<Vec<AreaFigures>> {
        ctx.principal()?;
        let sql = format!(
            "SELECT a.id AS area_id,
               (SELECT {earmarked} FROM deposit d JOIN contribution c ON c.id = d.contribution_id WHERE c.earmarked_area_id = a.id) AS earmarked,
               (SELECT {approved} FROM joint_programme p WHERE p.thematic_area_id = a.id) AS approved,
               (SELECT {transferred} FROM transfer t WHERE t.thematic_area_id = a.id) AS transferred,
               (SELECT COUNT(*) FROM joint_programme p WHERE p.thematic_area_id = a.id) AS programme_count,
               (SELECT COUNT(*) FROM concept_note n WHERE n.thematic_area_id = a.id) AS concept_note_count,
               (SELECT COUNT(*) FROM concept_note n WHERE n.thematic_area_id = a.id AND n.status = 'PIPELINE') AS pipeline_count
             FROM thematic_area a ORDER BY a.number",
            earmarked = sum("d.amount_usd_cents"),
            approved = sum("p.approved_budget_usd_cents"),
            transferred = sum("t.amount_usd_cents"),
        );
        self.query_all(&sql).await
    }

    /// Programmes and concept notes by UN region of their countries; a multi-region programme
    /// counts in each of its regions.
    pub async fn portfolio_by_region(&self, ctx: &Ctx) -> ServiceResult<Vec<RegionFigures>> {
        ctx.principal()?;
        let sql = format!(
            "SELECT r.region AS region,
               (SELECT COUNT(DISTINCT p.id) FROM joint_programme p JOIN concept_note_country nc ON nc.concept_note_id = p.concept_note_id JOIN country c ON c.code = nc.country_code WHERE c.region = r.region) AS programme_count,
               (SELECT {approved} FROM joint_programme p WHERE p.concept_note_id IN (SELECT nc.concept_note_id FROM concept_note_country nc JOIN country c ON c.code = nc.country_code WHERE c.region = r.region)) AS approved,
               (SELECT COUNT(DISTINCT nc.concept_note_id) FROM concept_note_country nc JOIN country c ON c.code = nc.country_code WHERE c.region = r.region) AS concept_note_count
             FROM (SELECT DISTINCT region FROM country) r ORDER BY r.region",
            approved = sum("p.approved_budget_usd_cents"),
        );
        self.query_all(&sql).await
    }

    /// Concept notes by status, with what they request.
    pub async fn pipeline_funnel(&self, ctx: &Ctx) -> ServiceResult<Vec<StatusCount>> {
        ctx.principal()?;
        let sql = format!(
            "SELECT status, COUNT(*) AS count, {requested} AS requested FROM concept_note GROUP BY status",
            requested = sum("requested_budget_usd_cents"),
        );
        let mut rows: Vec<StatusCount> = self.query_all(&sql).await?;
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

    /// Deposits received per month, quarter or year.
    pub async fn contributions_over_time(
        &self,
        ctx: &Ctx,
        interval: Interval,
    ) -> ServiceResult<Vec<PeriodFigures>> {
        ctx.principal()?;
        let period = match (self.db.get_database_backend(), interval) {
            (DbBackend::Postgres, Interval::Month) => "to_char(received_on, 'YYYY-MM')",
            (DbBackend::Postgres, Interval::Quarter) => "to_char(received_on, 'YYYY-\"Q\"Q')",
            (DbBackend::Postgres, Interval::Year) => "to_char(received_on, 'YYYY')",
            (_, Interval::Month) => "strftime('%Y-%m', received_on)",
            (_, Interval::Quarter) => "strftime('%Y', received_on) || '-Q' || ((CAST(strftime('%m', received_on) AS INTEGER) + 2) / 3)",
            (_, Interval::Year) => "strftime('%Y', received_on)",
        };
        let sql = format!(
            "SELECT {period} AS period, {deposited} AS deposited, {net} AS net_deposited, COUNT(*) AS deposit_count
             FROM deposit GROUP BY 1 ORDER BY 1",
            deposited = sum("amount_usd_cents"),
            net = sum("net_usd_cents"),
        );
        self.query_all(&sql).await
    }

    /// How many programmes and indicators serve each guiding principle.
    pub async fn principle_coverage(&self, ctx: &Ctx) -> ServiceResult<Vec<PrincipleFigures>> {
        ctx.principal()?;
        let sql = "SELECT g.id AS principle_id,
               (SELECT COUNT(*) FROM joint_programme p JOIN concept_note_principle np ON np.concept_note_id = p.concept_note_id WHERE np.guiding_principle_id = g.id) AS programme_count,
               (SELECT COUNT(*) FROM results_indicator i WHERE i.guiding_principle_id = g.id) AS indicator_count
             FROM guiding_principle g ORDER BY g.position";
        self.query_all(sql).await
    }

    /// Programmes by gender, human-rights and child-sensitivity marker score.
    pub async fn marker_distribution(&self, ctx: &Ctx) -> ServiceResult<Vec<MarkerCount>> {
        ctx.principal()?;
        let sql = "SELECT 'GENDER' AS marker, gender_marker AS score, COUNT(*) AS count FROM joint_programme GROUP BY gender_marker
             UNION ALL SELECT 'HUMAN_RIGHTS', human_rights_marker, COUNT(*) FROM joint_programme GROUP BY human_rights_marker
             UNION ALL SELECT 'CHILD_SENSITIVITY', child_sensitivity_marker, COUNT(*) FROM joint_programme GROUP BY child_sensitivity_marker
             ORDER BY 1, 2";
        self.query_all(sql).await
    }

    async fn query_one<T: FromQueryResult>(&self, sql: &str) -> ServiceResult<Option<T>> {
        let statement = Statement::from_string(self.db.get_database_backend(), sql.to_owned());
        Ok(T::find_by_statement(statement).one(&self.db).await?)
    }

    async fn query_all<T: FromQueryResult>(&self, sql: &str) -> ServiceResult<Vec<T>> {
        let statement = Statement::from_string(self.db.get_database_backend(), sql.to_owned());
        Ok(T::find_by_statement(statement).all(&self.db).await?)
    }
}
