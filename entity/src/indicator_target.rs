//! An indicator's target for one period. Setting targets appends a new set (`target_set`); the
//! indicator's own `target_set` names the current one, and earlier sets stay for its revisions.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_target")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub indicator_id: i64,
    pub target_set: i32,
    pub period_start: Date,
    pub period_end: Date,
    pub target: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::results_indicator::Entity",
        from = "Column::IndicatorId",
        to = "super::results_indicator::Column::Id"
    )]
    Indicator,
}

impl Related<super::results_indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Indicator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
