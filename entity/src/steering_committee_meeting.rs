//! Steering committee meetings and written procedures.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "steering_committee_meeting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub held_on: Date,
    pub kind: String,
    pub title: String,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::decision::Entity")]
    Decision,
}

impl ActiveModelBehavior for ActiveModel {}
