//! The fund's version: one row whose counter every command raises in its own transaction, so
//! that every process can tell whether a dashboard figure it keeps in memory predates a write
//! (see `api/src/service/figures.rs`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE fund_version (
               id INTEGER PRIMARY KEY CHECK (id = 1),
               version BIGINT NOT NULL
             )",
        )
        .await?;
        db.execute_unprepared("INSERT INTO fund_version (id, version) VALUES (1, 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE fund_version")
            .await?;
        Ok(())
    }
}
