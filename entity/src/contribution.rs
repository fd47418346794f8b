//! Donors' contributions: pledged and deposited amounts, optionally earmarked to a thematic area.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contribution")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub donor_id: i64,
    pub reference: String,
    pub status: String,
    pub currency: String,
    pub pledged_minor: i64,
    pub pledged_usd_cents: i64,
    pub deposited_minor: i64,
    pub pledged_on: Date,
    pub signed_on: Option<Date>,
    pub earmarking: String,
    pub earmarked_area_id: Option<i64>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::donor::Entity",
        from = "Column::DonorId",
        to = "super::donor::Column::Id"
    )]
    Donor,
    #[sea_orm(
        belongs_to = "super::thematic_area::Entity",
        from = "Column::EarmarkedAreaId",
        to = "super::thematic_area::Column::Id"
    )]
    EarmarkedArea,
    #[sea_orm(has_many = "super::deposit::Entity")]
    Deposit,
}

impl Related<super::donor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Donor.def()
    }
}

impl Related<super::thematic_area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EarmarkedArea.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
