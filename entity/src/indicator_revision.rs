//! An indicator's form as it stood just before the Fund Management Unit revised it (its statement,
//! unit, baseline and baseline year, overall target and target set), with who revised it, when and
//! why. Appended by each revision, never changed.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub indicator_id: i64,
    /// 1 for the indicator's first revision, then 2, …
    pub number: i32,
    pub statement: String,
    pub unit: String,
    pub baseline: String,
    pub baseline_year: i32,
    pub target: String,
    pub target_set: i32,
    pub reason: String,
    pub revised_by: String,
    pub revised_at: DateTimeUtc,
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
