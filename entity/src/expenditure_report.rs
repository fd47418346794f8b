//! Yearly expenditure reported by an organization for a joint programme: interim or certified,
//! its figure the latest of its statements (`expenditure_statement`).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "expenditure_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    pub organization_id: i64,
    pub year: i32,
    pub amount_usd_cents: i64,
    pub r#final: bool,
    pub reported_by: String,
    pub reported_at: DateTimeUtc,
    pub nature: String,
    pub certified_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::joint_programme::Entity",
        from = "Column::JointProgrammeId",
        to = "super::joint_programme::Column::Id"
    )]
    JointProgramme,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::joint_programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JointProgramme.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
