//! Budget revisions and extensions keep what they changed (see docs/books.md, "Budget
//! revisions").
//!
//! `reviseBudget` applies a steering committee's `BUDGET_REVISION` decision to a programme's
//! budget lines: `budget_revision` records each application (once per decision, hence the unique
//! key), and `budget_revision_line` the lines as they were just before (`BEFORE`) and as the
//! revision made them (`AFTER`), so every budget a programme ever had stays readable (IATI reports
//! original and revised budgets).
//!
//! A programme also keeps its original budget and end date. Until now nothing changed a
//! programme's budget after its creation, so the original budget is the approved budget of every
//! existing programme. The end date is its original one unless a `NO_COST_EXTENSION` decision
//! moved it; then the original is the end date the programme was created with, as the audit
//! trail recorded it (`createJointProgramme`'s event), and unknown (NULL) if the trail does not
//! hold that event.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let (id, ts, date, created_end_date) = match backend {
            DbBackend::Postgres => (
                "BIGSERIAL PRIMARY KEY",
                "TIMESTAMPTZ",
                "DATE",
                "CAST((CAST(a.changes AS JSONB) -> 'after' -> 'programme' ->> 'end_date') AS DATE)",
            ),
            _ => (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "TEXT",
                "TEXT",
                "json_extract(a.changes, '$.after.programme.end_date')",
            ),
        };
        let db = manager.get_connection();
        let statements = [
            format!(
                "CREATE TABLE budget_revision (
                   id {id},
                   joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
                   decision_id BIGINT NOT NULL UNIQUE REFERENCES decision (id),
                   amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents > 0),
                   budget_before_usd_cents BIGINT NOT NULL,
                   budget_after_usd_cents BIGINT NOT NULL,
                   applied_at {ts} NOT NULL,
                   applied_by TEXT NOT NULL,
                   CHECK (budget_after_usd_cents = budget_before_usd_cents + amount_usd_cents)
                 )"
            ),
            "CREATE INDEX budget_revision_programme ON budget_revision (joint_programme_id)"
                .to_owned(),
            format!(
                "CREATE TABLE budget_revision_line (
                   id {id},
                   budget_revision_id BIGINT NOT NULL REFERENCES budget_revision (id),
                   side TEXT NOT NULL CHECK (side IN ('BEFORE', 'AFTER')),
                   organization_id BIGINT NOT NULL REFERENCES organization (id),
                   programmable_usd_cents BIGINT NOT NULL CHECK (programmable_usd_cents > 0),
                   indirect_support_cost_rate TEXT NOT NULL,
                   indirect_support_cost_usd_cents BIGINT NOT NULL CHECK (indirect_support_cost_usd_cents >= 0),
                   total_usd_cents BIGINT NOT NULL,
                   UNIQUE (budget_revision_id, side, organization_id),
                   CHECK (total_usd_cents = programmable_usd_cents + indirect_support_cost_usd_cents)
                 )"
            ),
            "CREATE INDEX budget_revision_line_organization ON budget_revision_line (organization_id)"
                .to_owned(),
            // SQLite adds a NOT NULL column only with a default; the backfill replaces it.
            "ALTER TABLE joint_programme ADD COLUMN original_budget_usd_cents BIGINT NOT NULL DEFAULT 0"
                .to_owned(),
            "UPDATE joint_programme SET original_budget_usd_cents = approved_budget_usd_cents"
                .to_owned(),
            format!("ALTER TABLE joint_programme ADD COLUMN original_end_date {date}"),
            "UPDATE joint_programme SET original_end_date = end_date
             WHERE NOT EXISTS (
               SELECT 1 FROM decision d
               WHERE d.joint_programme_id = joint_programme.id AND d.kind = 'NO_COST_EXTENSION'
             )"
            .to_owned(),
            format!(
                "UPDATE joint_programme SET original_end_date = (
                   SELECT {created_end_date} FROM audit_event a
                   WHERE a.subject_type = 'JointProgramme' AND a.subject_id = joint_programme.id
                     AND a.action = 'createJointProgramme'
                   ORDER BY a.id LIMIT 1
                 )
                 WHERE original_end_date IS NULL"
            ),
        ];
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        if backend == DbBackend::Postgres {
            // Every programme states its original budget from now on: no default to fall back on.
            db.execute_unprepared(
                "ALTER TABLE joint_programme ALTER COLUMN original_budget_usd_cents DROP DEFAULT",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP TABLE budget_revision_line",
            "DROP TABLE budget_revision",
            "ALTER TABLE joint_programme DROP COLUMN original_end_date",
            "ALTER TABLE joint_programme DROP COLUMN original_budget_usd_cents",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
