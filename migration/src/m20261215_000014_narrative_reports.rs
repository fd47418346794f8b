//! Narrative reports (`narrative_report`): the convening organization's report on a programme's
//! calendar year, or its final report (docs/reporting.md). One per programme and year, and one
//! final report per programme (the unique key; `year` of a final report is the end date's year).
//! With the programmes' certified expenditure, they are what the reporting calendar counts as
//! submitted.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (id, ts) = match manager.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE narrative_report (
               id {id},
               joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
               year INTEGER NOT NULL CHECK (year BETWEEN 2019 AND 2100),
               final BOOLEAN NOT NULL,
               summary TEXT NOT NULL CHECK (length(summary) > 0),
               submitted_by TEXT NOT NULL,
               submitted_at {ts} NOT NULL,
               UNIQUE (joint_programme_id, year, final)
             )"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE narrative_report")
            .await?;
        Ok(())
    }
}
