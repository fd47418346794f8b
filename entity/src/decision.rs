//! Steering committee decisions on concept notes and joint programmes.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "decision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub kind: String,
    pub concept_note_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub amount_usd_cents: Option<i64>,
    pub new_end_date: Option<Date>,
    pub rationale: String,
    pub supersedes_id: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
    /// `PENDING`, `ADOPTED` or `OBJECTED` (see `DecisionStatus`).
    pub status: String,
    /// The day it took effect: its meeting's date, or its written procedure's deadline.
    pub adopted_on: Option<Date>,
    /// The committee member whose act made it take effect.
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::steering_committee_meeting::Entity",
        from = "Column::MeetingId",
        to = "super::steering_committee_meeting::Column::Id"
    )]
    Meeting,
    #[sea_orm(
        belongs_to = "super::concept_note::Entity",
        from = "Column::ConceptNoteId",
        to = "super::concept_note::Column::Id"
    )]
    ConceptNote,
    #[sea_orm(
        belongs_to = "super::joint_programme::Entity",
        from = "Column::JointProgrammeId",
        to = "super::joint_programme::Column::Id"
    )]
    JointProgramme,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::SupersedesId",
        to = "Column::Id"
    )]
    Supersedes,
}

impl Related<super::steering_committee_meeting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Meeting.def()
    }
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
}

impl Related<super::joint_programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::JointProgramme.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
