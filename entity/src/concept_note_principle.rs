//! The guiding principles a concept note applies.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note_principle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub concept_note_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub guiding_principle_id: i64,
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
        belongs_to = "super::guiding_principle::Entity",
        from = "Column::GuidingPrincipleId",
        to = "super::guiding_principle::Column::Id"
    )]
    GuidingPrinciple,
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
}

impl Related<super::guiding_principle::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GuidingPrinciple.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
