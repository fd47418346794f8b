//! Which GCM objectives each thematic area covers.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "thematic_area_objective")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub thematic_area_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub gcm_objective_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::thematic_area::Entity",
        from = "Column::ThematicAreaId",
        to = "super::thematic_area::Column::Id"
    )]
    ThematicArea,
    #[sea_orm(
        belongs_to = "super::gcm_objective::Entity",
        from = "Column::GcmObjectiveId",
        to = "super::gcm_objective::Column::Id"
    )]
    GcmObjective,
}

impl Related<super::thematic_area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ThematicArea.def()
    }
}

impl Related<super::gcm_objective::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GcmObjective.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
