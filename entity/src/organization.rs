//! The UN organizations that can convene or take part in joint programmes.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub acronym: String,
    pub name: String,
    pub kind: String,
    pub mou_signed_on: Option<Date>,
    /// The organization's IATI organisation identifier, where the fund recorded it.
    pub iati_ref: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
