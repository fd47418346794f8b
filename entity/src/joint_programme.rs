//! Joint programmes funded from approved concept notes.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "joint_programme")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub title: String,
    pub concept_note_id: i64,
    pub status: String,
    pub status_before_suspension: Option<String>,
    pub thematic_area_id: i64,
    pub scope: String,
    pub start_date: Date,
    /// The planned end as extended by no-cost extensions.
    pub end_date: Date,
    /// The planned end when the programme was created; unknown (None) only for a programme
    /// extended before original end dates were kept, whose creation the audit trail lacks.
    pub original_end_date: Option<Date>,
    pub convening_organization_id: i64,
    /// The budget as revised: the sum of the budget lines' totals.
    pub approved_budget_usd_cents: i64,
    /// The budget when the programme was created, before any budget revision.
    pub original_budget_usd_cents: i64,
    pub gender_marker: i32,
    pub human_rights_marker: i32,
    pub child_sensitivity_marker: i32,
    pub created_at: DateTimeUtc,
    pub version: i32,
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
    #[sea_orm(has_many = "super::budget_line::Entity")]
    BudgetLine,
    #[sea_orm(has_many = "super::transfer::Entity")]
    Transfer,
    #[sea_orm(has_many = "super::expenditure_report::Entity")]
    ExpenditureReport,
    #[sea_orm(has_many = "super::results_indicator::Entity")]
    ResultsIndicator,
    #[sea_orm(has_many = "super::budget_revision::Entity")]
    BudgetRevision,
}

impl Related<super::concept_note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConceptNote.def()
    }
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
