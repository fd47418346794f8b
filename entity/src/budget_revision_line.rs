//! A budget line as it stood just before a budget revision (`BEFORE`) or as the revision made it
//! (`AFTER`). Never changed once written.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "budget_revision_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub budget_revision_id: i64,
    /// `BEFORE` or `AFTER` the revision.
    pub side: String,
    pub organization_id: i64,
    pub programmable_usd_cents: i64,
    pub indirect_support_cost_rate: String,
    pub indirect_support_cost_usd_cents: i64,
    pub total_usd_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::budget_revision::Entity",
        from = "Column::BudgetRevisionId",
        to = "super::budget_revision::Column::Id"
    )]
    BudgetRevision,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::budget_revision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BudgetRevision.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
