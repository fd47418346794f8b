//! A convening organization's narrative report on a joint programme: on a calendar year, or its
//! final report.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "narrative_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    pub year: i32,
    pub r#final: bool,
    pub summary: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
