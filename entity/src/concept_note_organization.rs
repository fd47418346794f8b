//! A concept note's participating organizations, the convening one included.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note_organization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub concept_note_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: i64,
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
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
