//! Creates every table of the fund's data model (see `schema.sql`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SCHEMA: &str = include_str!("schema.sql");

/// The schema with its placeholders replaced by the backend's own types.
pub fn schema_for(backend: DbBackend) -> String {
    let (id, ts, date) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "DATE"),
        _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"),
    };
    SCHEMA
        .replace("%ID%", id)
        .replace("%TS%", ts)
        .replace("%DATE%", date)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = strip_comments(&schema_for(manager.get_database_backend()));
        let db = manager.get_connection();
        // One statement at a time: not every driver runs several in one call.
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

fn strip_comments(statement: &str) -> String {
    statement
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}
