//! Money received against a contribution, with its USD value and the administrative agent fee.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "deposit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contribution_id: i64,
    pub received_on: Date,
    pub currency: String,
    pub amount_minor: i64,
    pub exchange_rate: String,
    pub amount_usd_cents: i64,
    pub fee_usd_cents: i64,
    pub net_usd_cents: i64,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contribution::Entity",
        from = "Column::ContributionId",
        to = "super::contribution::Column::Id"
    )]
    Contribution,
}

impl Related<super::contribution::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contribution.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
