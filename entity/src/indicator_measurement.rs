//! Values reported for a results indicator for a period (from `period_start` to `period_end`).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_measurement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub indicator_id: i64,
    pub period_start: Date,
    pub period_end: Date,
    pub value: String,
    pub note: Option<String>,
    pub reported_by: String,
    pub reported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::results_indicator::Entity",
        from = "Column::IndicatorId",
        to = "super::results_indicator::Column::Id"
    )]
    Indicator,
    #[sea_orm(has_many = "super::indicator_measurement_value::Entity")]
    Value,
}

impl Related<super::results_indicator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Indicator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
