//! A steering committee member's objection to a decision put to a written procedure, before its
//! no-objection deadline: the decision then never takes effect.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "decision_objection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub decision_id: i64,
    pub objected_by: String,
    pub objected_at: DateTimeUtc,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
