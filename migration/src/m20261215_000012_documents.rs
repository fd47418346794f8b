//! Documents the fund keeps with its records (`attachDocument`): a concept note's own text, a
//! programme document, narrative and financial reports, a meeting's minutes. Each belongs to one
//! record (exactly one of the four subject columns, a CHECK), and is read by whoever may read that
//! record (docs/documents.md).
//!
//! The file itself is stored in the database, in `document_content` beside its description, so
//! that several stateless API processes over one PostgreSQL all serve it and a backup holds it;
//! lists and `node` read `document` only, never the bytes. A document is never edited: a new
//! version is another document.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (id, ts, date, blob) = match manager.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "DATE", "BYTEA"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT", "BLOB"),
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE document (
               id {id},
               concept_note_id BIGINT REFERENCES concept_note(id),
               joint_programme_id BIGINT REFERENCES joint_programme(id),
               meeting_id BIGINT REFERENCES steering_committee_meeting(id),
               expenditure_report_id BIGINT REFERENCES expenditure_report(id),
               kind TEXT NOT NULL CHECK (kind IN ('CONCEPT_NOTE', 'PROGRAMME_DOCUMENT',
                 'NARRATIVE_REPORT', 'FINANCIAL_REPORT', 'MINUTES', 'OTHER')),
               title TEXT NOT NULL,
               dated_on {date} NOT NULL,
               file_name TEXT NOT NULL,
               media_type TEXT NOT NULL,
               size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
               sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
               uploaded_by TEXT NOT NULL,
               uploaded_at {ts} NOT NULL,
               CHECK ((CASE WHEN concept_note_id IS NULL THEN 0 ELSE 1 END)
                    + (CASE WHEN joint_programme_id IS NULL THEN 0 ELSE 1 END)
                    + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END)
                    + (CASE WHEN expenditure_report_id IS NULL THEN 0 ELSE 1 END) = 1)
             )"
        ))
        .await?;
        for column in [
            "concept_note_id",
            "joint_programme_id",
            "meeting_id",
            "expenditure_report_id",
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX document_{column}_idx ON document ({column}) WHERE {column} IS NOT NULL"
            ))
            .await?;
        }
        db.execute_unprepared(&format!(
            "CREATE TABLE document_content (
               document_id BIGINT PRIMARY KEY REFERENCES document(id),
               content {blob} NOT NULL
             )"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE document_content").await?;
        db.execute_unprepared("DROP TABLE document").await?;
        Ok(())
    }
}
