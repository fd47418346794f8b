//! One figure stated on an expenditure report, by the UN system's harmonized cost categories:
//! an interim figure, the certified one, or an audited correction of it. Kept for good; the
//! report's figure is its latest statement.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expenditure_statement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub expenditure_report_id: i64,
    pub nature: String,
    pub audited: bool,
    pub audit_reference: Option<String>,
    pub reason: Option<String>,
    pub staff_and_personnel_usd_cents: i64,
    pub supplies_usd_cents: i64,
    pub equipment_usd_cents: i64,
    pub contractual_services_usd_cents: i64,
    pub travel_usd_cents: i64,
    pub transfers_and_grants_usd_cents: i64,
    pub general_operating_usd_cents: i64,
    pub indirect_support_costs_usd_cents: i64,
    pub amount_usd_cents: i64,
    pub stated_by: String,
    pub stated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::expenditure_report::Entity",
        from = "Column::ExpenditureReportId",
        to = "super::expenditure_report::Column::Id"
    )]
    ExpenditureReport,
}

impl Related<super::expenditure_report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ExpenditureReport.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
