//! The 23 objectives of the Global Compact for Migration (GCM).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "gcm_objective")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub short_label: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
