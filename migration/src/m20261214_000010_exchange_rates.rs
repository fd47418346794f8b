//! The Administrative Agent's table of exchange rates (`exchange_rate`): for a currency, how many
//! units buy one US dollar from a given day, as the agent recorded it (`recordExchangeRate`).
//! An agreement in another currency values what it still owes at the latest of these rates
//! (docs/books.md, "Currencies after the pledge"); deposits keep the rate recorded with each.
//!
//! One rate per currency and day (the unique key): a correction is a rate for a later day, so
//! what a figure was valued at on any past day stays readable.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (id, ts, date) = match manager.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "DATE"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"),
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE exchange_rate (
               id {id},
               currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency <> 'USD'),
               effective_on {date} NOT NULL,
               units_per_usd TEXT NOT NULL,
               source TEXT NOT NULL,
               recorded_by TEXT NOT NULL,
               recorded_at {ts} NOT NULL,
               UNIQUE (currency, effective_on)
             )"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE exchange_rate")
            .await?;
        Ok(())
    }
}
