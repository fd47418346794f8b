//! Indexes the dashboard needs at a hundred times the fund (see BENCHMARKS.md): the pipeline
//! funnel and the by-area counts read only these indexes (index-only scans, already grouped)
//! instead of every concept note's row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [
    // pipelineFunnel: COUNT and SUM(requested) GROUP BY status.
    (
        "concept_note_status_requested",
        "concept_note (status, requested_budget_usd_cents)",
    ),
    // byThematicArea: concept notes and those in the pipeline, per area.
    (
        "concept_note_area_status",
        "concept_note (thematic_area_id, status)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
