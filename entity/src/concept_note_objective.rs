//! The GCM objectives a concept note addresses.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note_objective")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub concept_note_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub gcm_objective_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::concept_note::Entity",
        from = "Column::ConceptNoteId",
        to = "super::concept_note::Column::Id"
    )]
    ConceptNote,
    #[sea_orm(
        belongs_to = "super::gcm_objective::Entity",
        from = "Column::GcmObjectiveId",
        to = "super::gcm_objective::Column::Id"
    )]
    GcmObjective,
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
}

impl Related<super::gcm_objective::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GcmObjective.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
