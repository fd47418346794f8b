//! Decisions as the fund takes them (docs/governance.md):
//!
//! - a decision has a status: `PENDING` (recorded by the Fund Management Unit, awaiting the
//!   chair's confirmation; or put to a written procedure, awaiting its no-objection deadline),
//!   `ADOPTED` (it has taken effect, on `adopted_on`, by `confirmed_by`'s act) or `OBJECTED` (a
//!   member objected to a written procedure before its deadline; it never takes effect). Every
//!   decision recorded before this migration was taken and applied at once: `ADOPTED` on its
//!   meeting's date, confirmed by the member who recorded it;
//! - two new kinds: `LIFT_SUSPENSION` (a programme returns to where it was before its
//!   suspension) and `DIRECT_COST` (the committee approves the fund's own costs up to an amount;
//!   its subject is the fund itself, so it names no concept note and no programme);
//! - `decision_objection`: the members who objected to a written procedure, when and why.
//!
//! PostgreSQL swaps the constraints. SQLite cannot alter a constraint, and other tables refer to
//! `decision` (transfers, ledger entries, budget revisions, decisions superseding others): the
//! table is rebuilt on one connection with foreign keys off, as SQLite's documentation
//! prescribes, inside one transaction that checks every reference before it commits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::sqlx::{self, Row};
use sea_orm_migration::sea_orm::{DatabaseExecutor, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &str = "'PIPELINE', 'FUNDING', 'REJECTION', 'DEFERRAL', 'BUDGET_REVISION', \
                     'NO_COST_EXTENSION', 'SUSPENSION', 'LIFT_SUSPENSION', 'DIRECT_COST'";

/// The rules a decision row keeps, on either database.
fn constraints() -> [String; 6] {
    [
        format!("CHECK (kind IN ({KINDS}))"),
        "CHECK (amount_usd_cents > 0)".to_owned(),
        // A decision is on one concept note or one programme, or (a direct cost) on the fund.
        "CHECK (CASE WHEN kind = 'DIRECT_COST' \
           THEN concept_note_id IS NULL AND joint_programme_id IS NULL \
           ELSE (concept_note_id IS NULL) <> (joint_programme_id IS NULL) END)"
            .to_owned(),
        "CHECK ((kind IN ('FUNDING', 'BUDGET_REVISION', 'DIRECT_COST')) = (amount_usd_cents IS NOT NULL))"
            .to_owned(),
        "CHECK ((kind = 'NO_COST_EXTENSION') = (new_end_date IS NOT NULL))".to_owned(),
        "CHECK (status IN ('PENDING', 'ADOPTED', 'OBJECTED') \
           AND (status = 'ADOPTED') = (adopted_on IS NOT NULL) \
           AND (status = 'ADOPTED') = (confirmed_by IS NOT NULL) \
           AND (confirmed_by IS NULL) = (confirmed_at IS NULL))"
            .to_owned(),
    ]
}

const INDEXES: [&str; 6] = [
    "CREATE INDEX decision_meeting ON decision (meeting_id)",
    "CREATE INDEX decision_concept_note ON decision (concept_note_id)",
    "CREATE INDEX decision_joint_programme ON decision (joint_programme_id)",
    "CREATE INDEX decision_supersedes ON decision (supersedes_id)",
    "CREATE INDEX decision_kind ON decision (kind)",
    "CREATE INDEX decision_status ON decision (status)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => up_postgres(manager).await,
            _ => up_sqlite(manager).await,
        }
    }
}

fn objection_table(id: &str, ts: &str) -> String {
    format!(
        "CREATE TABLE decision_objection (
           id {id},
           decision_id BIGINT NOT NULL REFERENCES decision (id),
           objected_by TEXT NOT NULL,
           objected_at {ts} NOT NULL,
           reason TEXT NOT NULL CHECK (length(reason) > 0),
           UNIQUE (decision_id, objected_by)
         )"
    )
}

/// The adoption of every decision taken before decisions had a status.
const ADOPT_EXISTING: &str = "UPDATE decision SET status = 'ADOPTED',
       adopted_on = (SELECT m.held_on FROM steering_committee_meeting m WHERE m.id = decision.meeting_id),
       confirmed_by = recorded_by, confirmed_at = recorded_at";

async fn up_postgres(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut statements = vec![
        // Every CHECK of the table was declared unnamed: drop them all and state the new set.
        "DO $$
         DECLARE constraint_name TEXT;
         BEGIN
           FOR constraint_name IN
             SELECT conname FROM pg_constraint WHERE conrelid = 'decision'::regclass AND contype = 'c'
           LOOP
             EXECUTE format('ALTER TABLE decision DROP CONSTRAINT %I', constraint_name);
           END LOOP;
         END $$"
            .to_owned(),
        "ALTER TABLE decision ADD COLUMN status TEXT NOT NULL DEFAULT 'PENDING'".to_owned(),
        "ALTER TABLE decision ADD COLUMN adopted_on DATE".to_owned(),
        "ALTER TABLE decision ADD COLUMN confirmed_by TEXT".to_owned(),
        "ALTER TABLE decision ADD COLUMN confirmed_at TIMESTAMPTZ".to_owned(),
        ADOPT_EXISTING.to_owned(),
    ];
    statements.extend(
        constraints()
            .iter()
            .map(|check| format!("ALTER TABLE decision ADD {check}")),
    );
    statements.push(INDEXES[5].to_owned());
    statements.push(objection_table("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"));
    // One simple query: PostgreSQL runs it as one transaction.
    manager
        .get_connection()
        .execute_unprepared(&statements.join(";\n"))
        .await?;
    Ok(())
}

async fn up_sqlite(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(
            "the decisions migration rebuilds a table and runs on a connection, not in a transaction"
                .to_owned(),
        ));
    };
    let failed = |error: sqlx::Error| DbErr::Migration(format!("rebuilding decision: {error}"));
    let mut connection = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(failed)?;
    let checks = constraints().join(",\n  ");
    let rebuild = format!(
        "BEGIN;
         CREATE TABLE decision_rebuilt (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           meeting_id BIGINT NOT NULL REFERENCES steering_committee_meeting (id),
           kind TEXT NOT NULL,
           concept_note_id BIGINT REFERENCES concept_note (id),
           joint_programme_id BIGINT REFERENCES joint_programme (id),
           amount_usd_cents BIGINT,
           new_end_date TEXT,
           rationale TEXT NOT NULL,
           supersedes_id BIGINT REFERENCES decision (id),
           recorded_by TEXT NOT NULL,
           recorded_at TEXT NOT NULL,
           status TEXT NOT NULL DEFAULT 'PENDING',
           adopted_on TEXT,
           confirmed_by TEXT,
           confirmed_at TEXT,
           {checks}
         );
         INSERT INTO decision_rebuilt (id, meeting_id, kind, concept_note_id, joint_programme_id,
             amount_usd_cents, new_end_date, rationale, supersedes_id, recorded_by, recorded_at,
             status, adopted_on, confirmed_by, confirmed_at)
           SELECT d.id, d.meeting_id, d.kind, d.concept_note_id, d.joint_programme_id,
             d.amount_usd_cents, d.new_end_date, d.rationale, d.supersedes_id, d.recorded_by,
             d.recorded_at, 'ADOPTED', m.held_on, d.recorded_by, d.recorded_at
           FROM decision d JOIN steering_committee_meeting m ON m.id = d.meeting_id;
         DROP TABLE decision;
         ALTER TABLE decision_rebuilt RENAME TO decision;
         {indexes};
         {objections};",
        indexes = INDEXES.join(";\n"),
        objections = objection_table("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    );
    // Foreign keys can only be switched off outside a transaction, and only for this connection.
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut *connection)
        .await
        .map_err(failed)?;
    let outcome = async {
        sqlx::raw_sql(sqlx::AssertSqlSafe(rebuild))
            .execute(&mut *connection)
            .await?;
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *connection)
            .await?;
        if let Some(row) = broken.first() {
            let table: String = row.try_get(0)?;
            return Err(sqlx::Error::Protocol(format!(
                "{} rows would refer to a missing row (first in {table})",
                broken.len()
            )));
        }
        sqlx::raw_sql("COMMIT").execute(&mut *connection).await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await;
    }
    sqlx::raw_sql("PRAGMA foreign_keys = ON")
        .execute(&mut *connection)
        .await
        .map_err(failed)?;
    outcome.map_err(failed)
}
