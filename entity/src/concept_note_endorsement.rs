//! A government's endorsement of a concept note, one per country the note covers.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note_endorsement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub concept_note_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub country_code: String,
    pub endorsed_on: Date,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
