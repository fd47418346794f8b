//! A joint programme's outcome and output indicators in their current form: baseline (and its
//! year), overall target, status, the dimensions they are disaggregated by and their current set of
//! targets per period (see docs/results.md).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "results_indicator")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    pub code: String,
    pub level: String,
    pub statement: String,
    pub unit: String,
    pub baseline: String,
    pub target: String,
    /// The year the baseline was measured.
    pub baseline_year: i32,
    /// `ACTIVE` or `RETIRED`.
    pub status: String,
    pub retired_by: Option<String>,
    pub retired_at: Option<DateTimeUtc>,
    pub retirement_reason: Option<String>,
    /// The dimensions the values are disaggregated by, comma-separated (`SEX,AGE_GROUP`), or empty.
    pub disaggregation: String,
    /// The current set of `indicator_target` rows; 0 before any.
    pub target_set: i32,
    pub gcm_objective_id: Option<i64>,
    pub guiding_principle_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::gcm_objective::Entity",
        from = "Column::GcmObjectiveId",
        to = "super::gcm_objective::Column::Id"
    )]
    GcmObjective,
    #[sea_orm(
        belongs_to = "super::guiding_principle::Entity",
        from = "Column::GuidingPrincipleId",
        to = "super::guiding_principle::Column::Id"
    )]
    GuidingPrinciple,
    #[sea_orm(has_many = "super::indicator_measurement::Entity")]
    IndicatorMeasurement,
    #[sea_orm(has_many = "super::indicator_target::Entity")]
    IndicatorTarget,
    #[sea_orm(has_many = "super::indicator_revision::Entity")]
    IndicatorRevision,
}

impl Related<super::joint_programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JointProgramme.def()
    }
}

impl Related<super::gcm_objective::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GcmObjective.def()
    }
}

impl Related<super::guiding_principle::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GuidingPrinciple.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
