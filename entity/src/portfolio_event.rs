//! The outbox of portfolio events, written in the command's transaction and published after commit.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "portfolio_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub summary: String,
    /// The donor of the pledge or agreement the event is about.
    pub donor_id: Option<i64>,
    /// The organizations of the concept note the event is about, as "1,2,3".
    pub organization_ids: String,
    /// The status of the concept note the event is about, after the event.
    pub concept_note_status: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
