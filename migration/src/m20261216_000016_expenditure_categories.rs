//! Expenditure as the UN system reports it (docs/reporting.md): an expenditure report is
//! `INTERIM` or `CERTIFIED` (`nature`; the reports recorded before are certified, as they
//! counted), with the moment its certified figure came (`certified_at`) and a `version`; each
//! figure stated on it is an `expenditure_statement`, by the UNSDG harmonized cost categories
//! (one column each, indirect support costs their own), kept for good: the interim figures it
//! replaced, the certified one, and the audited corrections of it. The report's
//! `amount_usd_cents` is its latest statement's total.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The cost categories' columns, in the vocabulary's order.
const CATEGORY_COLUMNS: [&str; 8] = [
    "staff_and_personnel_usd_cents",
    "supplies_usd_cents",
    "equipment_usd_cents",
    "contractual_services_usd_cents",
    "travel_usd_cents",
    "transfers_and_grants_usd_cents",
    "general_operating_usd_cents",
    "indirect_support_costs_usd_cents",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (id, ts) = match manager.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        };
        let db = manager.get_connection();
        for statement in [
            "ALTER TABLE expenditure_report ADD COLUMN nature TEXT NOT NULL DEFAULT 'CERTIFIED' CHECK (nature IN ('INTERIM', 'CERTIFIED'))".to_owned(),
            format!("ALTER TABLE expenditure_report ADD COLUMN certified_at {ts}"),
            "ALTER TABLE expenditure_report ADD COLUMN version INTEGER NOT NULL DEFAULT 1".to_owned(),
            "UPDATE expenditure_report SET certified_at = reported_at".to_owned(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        let categories = CATEGORY_COLUMNS
            .iter()
            .map(|c| format!("{c} BIGINT NOT NULL CHECK ({c} >= 0),"))
            .collect::<Vec<_>>()
            .join("\n               ");
        let sum = CATEGORY_COLUMNS.join(" + ");
        db.execute_unprepared(&format!(
            "CREATE TABLE expenditure_statement (
               id {id},
               expenditure_report_id BIGINT NOT NULL REFERENCES expenditure_report (id),
               nature TEXT NOT NULL CHECK (nature IN ('INTERIM', 'CERTIFIED')),
               audited BOOLEAN NOT NULL,
               audit_reference TEXT,
               reason TEXT,
               {categories}
               amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents = {sum}),
               stated_by TEXT NOT NULL,
               stated_at {ts} NOT NULL,
               CHECK ((audited AND nature = 'CERTIFIED' AND audit_reference IS NOT NULL AND reason IS NOT NULL
                       AND length(audit_reference) > 0 AND length(reason) > 0)
                      OR (NOT audited AND audit_reference IS NULL AND reason IS NULL))
             )"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX expenditure_statement_report ON expenditure_statement (expenditure_report_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE expenditure_statement")
            .await?;
        for column in ["version", "certified_at", "nature"] {
            db.execute_unprepared(&format!(
                "ALTER TABLE expenditure_report DROP COLUMN {column}"
            ))
            .await?;
        }
        Ok(())
    }
}
