//! A steering committee's budget revision as the Fund Management Unit applied it to a joint
//! programme's budget lines: once per decision.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "budget_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    pub decision_id: i64,
    /// The decision's amount: what the revision added to the budget.
    pub amount_usd_cents: i64,
    pub budget_before_usd_cents: i64,
    pub budget_after_usd_cents: i64,
    pub applied_at: DateTimeUtc,
    pub applied_by: String,
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
        belongs_to = "super::decision::Entity",
        from = "Column::DecisionId",
        to = "super::decision::Column::Id"
    )]
    Decision,
    #[sea_orm(has_many = "super::budget_revision_line::Entity")]
    Line,
}

impl Related<super::joint_programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JointProgramme.def()
    }
}

impl Related<super::decision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Decision.def()
    }
}

impl Related<super::budget_revision_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
