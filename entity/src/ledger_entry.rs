//! One movement of money in the fund's books: append-only, never edited (see docs/books.md).
//! `kind` is what the entry is; `counts_as` is the line of the books its amount counts in (the
//! kind, except for a reversal or an amendment of an agreement).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub counts_as: String,
    pub value_date: Date,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: String,
    pub currency: String,
    pub amount_minor: i64,
    pub amount_usd_cents: i64,
    /// The earmark pool: a thematic area, or none for unearmarked money.
    pub pool_area_id: Option<i64>,
    pub donor_id: Option<i64>,
    pub contribution_id: Option<i64>,
    pub deposit_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub decision_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub expenditure_report_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
