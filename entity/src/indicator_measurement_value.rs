//! A disaggregated report's value for one category of one dimension (e.g. `SEX`, `FEMALE`).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_measurement_value")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub measurement_id: i64,
    pub dimension: String,
    pub category: String,
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::indicator_measurement::Entity",
        from = "Column::MeasurementId",
        to = "super::indicator_measurement::Column::Id"
    )]
    Measurement,
}

impl Related<super::indicator_measurement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Measurement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
