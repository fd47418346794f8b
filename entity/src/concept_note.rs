//! Concept notes submitted for funding, and where each stands in the pipeline.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "concept_note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub scope: String,
    pub thematic_area_id: i64,
    pub convening_organization_id: i64,
    pub requested_budget_usd_cents: i64,
    pub duration_months: i32,
    pub gender_marker: i32,
    pub human_rights_marker: i32,
    pub child_sensitivity_marker: i32,
    pub submitted_on: Date,
    pub status: String,
    pub submitted_by: String,
    pub created_at: DateTimeUtc,
    pub version: i32,
    /// The call it answers; `None` for the fund's direct intake.
    pub call_id: Option<i64>,
    /// When its joint programme document was endorsed: from then on, ready for implementation.
    pub programme_document_endorsed_on: Option<Date>,
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
        belongs_to = "super::organization::Entity",
        from = "Column::ConveningOrganizationId",
        to = "super::organization::Column::Id"
    )]
    ConveningOrganization,
    #[sea_orm(has_many = "super::concept_note_country::Entity")]
    ConceptNoteCountry,
    #[sea_orm(has_many = "super::concept_note_objective::Entity")]
    ConceptNoteObjective,
    #[sea_orm(has_many = "super::concept_note_principle::Entity")]
    ConceptNotePrinciple,
    #[sea_orm(has_many = "super::concept_note_organization::Entity")]
    ConceptNoteOrganization,
    #[sea_orm(has_many = "super::concept_note_review::Entity")]
    ConceptNoteReview,
    #[sea_orm(has_one = "super::joint_programme::Entity")]
    JointProgramme,
}

impl Related<super::thematic_area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ThematicArea.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConveningOrganization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
