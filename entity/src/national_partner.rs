//! A national partner of a concept note: civil society, local government, migrants' organizations…

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "national_partner")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub concept_note_id: i64,
    pub name: String,
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
