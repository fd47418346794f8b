//! Reviews of concept notes, with their outcome and score.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note_review")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub concept_note_id: i64,
    pub outcome: String,
    pub score: Option<i32>,
    pub comments: String,
    pub reviewed_by: String,
    pub reviewed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::concept_note::Entity",
        from = "Column::ConceptNoteId",
        to = "super::concept_note::Column::Id"
    )]
    ConceptNote,
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
