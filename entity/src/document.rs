//! Documents kept with a record (a concept note, a joint programme, a meeting or an expenditure
//! report): what the file is and where it belongs. The bytes are in `document_content`.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub concept_note_id: Option<i64>,
    pub joint_programme_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub expenditure_report_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub dated_on: Date,
    pub file_name: String,
    /// What the service found the file to be, from its bytes (never the uploader's claim).
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
