//! Money transferred to an organization for a joint programme, and which pools paid for it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "transfer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    pub organization_id: i64,
    pub budget_line_id: i64,
    pub decision_id: i64,
    pub transferred_on: Date,
    pub amount_usd_cents: i64,
    pub from_earmarked_usd_cents: i64,
    pub from_unearmarked_usd_cents: i64,
    pub thematic_area_id: i64,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
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
    #[sea_orm(
        belongs_to = "super::budget_line::Entity",
        from = "Column::BudgetLineId",
        to = "super::budget_line::Column::Id"
    )]
    BudgetLine,
    #[sea_orm(
        belongs_to = "super::decision::Entity",
        from = "Column::DecisionId",
        to = "super::decision::Column::Id"
    )]
    Decision,
    #[sea_orm(
        belongs_to = "super::thematic_area::Entity",
        from = "Column::ThematicAreaId",
        to = "super::thematic_area::Column::Id"
    )]
    ThematicArea,
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

impl Related<super::budget_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BudgetLine.def()
    }
}

impl Related<super::decision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Decision.def()
    }
}

impl Related<super::thematic_area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ThematicArea.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
