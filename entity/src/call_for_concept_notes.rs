//! The fund's calls for concept notes: a window, an indicative envelope, what they invite.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "call_for_concept_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub envelope_usd_cents: i64,
    pub max_budget_usd_cents: Option<i64>,
    pub eligibility: String,
    pub announced_by: String,
    pub announced_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
