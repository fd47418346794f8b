//! The outbox carries what the read policy needs to decide, when an event is delivered, who
//! receives it: for an event about a concept note, the note's status after the event (its
//! organizations are in `organization_ids`). Before, a frozen "public" flag was stored instead;
//! rows written so are still read (see `events::from_row`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE portfolio_event ADD COLUMN concept_note_status TEXT")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE portfolio_event DROP COLUMN concept_note_status")
            .await?;
        Ok(())
    }
}
