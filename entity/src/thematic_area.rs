//! The fund's five thematic areas, numbered 1 to 5.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "thematic_area")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub description: String,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
