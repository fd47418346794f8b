//! Results frameworks that live (issue 17, item 5; see docs/results.md).
//!
//! An indicator gets the year its baseline was measured (`baseline_year`), a status (`ACTIVE`, or
//! `RETIRED` by the Fund Management Unit with who, when and why), the dimensions its values are
//! disaggregated by (`disaggregation`: none, or some of `SEX`, `AGE_GROUP`, `MIGRATORY_STATUS`,
//! comma-separated in that order) and the number of its current set of targets per period
//! (`target_set`, 0 before any).
//!
//! - `indicator_target`: targets per period. Setting targets appends a new set (the indicator's
//!   `target_set` names the current one); earlier sets stay, so a revision can show the targets it
//!   replaced.
//! - `indicator_revision`: each revision by the Fund Management Unit (`reviseIndicator`,
//!   `setIndicatorTargets`) appends the indicator's form as it stood just before: statement, unit,
//!   baseline and its year, overall target and the number of its target set. Never edited.
//! - `indicator_measurement.period_start`: a report now covers a period. Existing reports get the
//!   later of 1 January of their period's end year and their programme's start date (never after
//!   the period's end): the calendar year reported on, as far as the programme ran in it.
//! - `indicator_measurement_value`: a disaggregated report's value per category.
//!
//! Existing indicators: baseline year = the year their programme started (their baseline was
//! "the value at the start of the programme"), `ACTIVE`, not disaggregated, no targets per period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let (id, ts, date, year_of_start, period_start, date_default) = match backend {
            DbBackend::Postgres => (
                "BIGSERIAL PRIMARY KEY",
                "TIMESTAMPTZ",
                "DATE",
                "CAST(EXTRACT(YEAR FROM p.start_date) AS INTEGER)",
                "LEAST(indicator_measurement.period_end, GREATEST(CAST(date_trunc('year', indicator_measurement.period_end) AS DATE), p.start_date))",
                "DATE '2000-01-01'",
            ),
            _ => (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "TEXT",
                "TEXT",
                "CAST(substr(p.start_date, 1, 4) AS INTEGER)",
                "MIN(indicator_measurement.period_end, MAX(substr(indicator_measurement.period_end, 1, 4) || '-01-01', p.start_date))",
                "'2000-01-01'",
            ),
        };
        let db = manager.get_connection();
        let statements = [
            // SQLite adds a NOT NULL column only with a default; the backfill replaces it.
            "ALTER TABLE results_indicator ADD COLUMN baseline_year INTEGER NOT NULL DEFAULT 0"
                .to_owned(),
            format!(
                "UPDATE results_indicator SET baseline_year = (
                   SELECT {year_of_start} FROM joint_programme p
                   WHERE p.id = results_indicator.joint_programme_id
                 )"
            ),
            "ALTER TABLE results_indicator ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED'))"
                .to_owned(),
            "ALTER TABLE results_indicator ADD COLUMN retired_by TEXT".to_owned(),
            format!("ALTER TABLE results_indicator ADD COLUMN retired_at {ts}"),
            "ALTER TABLE results_indicator ADD COLUMN retirement_reason TEXT".to_owned(),
            "ALTER TABLE results_indicator ADD COLUMN disaggregation TEXT NOT NULL DEFAULT ''"
                .to_owned(),
            "ALTER TABLE results_indicator ADD COLUMN target_set INTEGER NOT NULL DEFAULT 0 CHECK (target_set >= 0)"
                .to_owned(),
            format!(
                "CREATE TABLE indicator_target (
                   id {id},
                   indicator_id BIGINT NOT NULL REFERENCES results_indicator (id),
                   target_set INTEGER NOT NULL CHECK (target_set > 0),
                   period_start {date} NOT NULL,
                   period_end {date} NOT NULL,
                   target TEXT NOT NULL,
                   UNIQUE (indicator_id, target_set, period_start),
                   CHECK (period_start <= period_end)
                 )"
            ),
            format!(
                "CREATE TABLE indicator_revision (
                   id {id},
                   indicator_id BIGINT NOT NULL REFERENCES results_indicator (id),
                   number INTEGER NOT NULL CHECK (number > 0),
                   statement TEXT NOT NULL,
                   unit TEXT NOT NULL,
                   baseline TEXT NOT NULL,
                   baseline_year INTEGER NOT NULL,
                   target TEXT NOT NULL,
                   target_set INTEGER NOT NULL CHECK (target_set >= 0),
                   reason TEXT NOT NULL,
                   revised_by TEXT NOT NULL,
                   revised_at {ts} NOT NULL,
                   UNIQUE (indicator_id, number)
                 )"
            ),
            format!(
                "ALTER TABLE indicator_measurement ADD COLUMN period_start {date} NOT NULL DEFAULT {date_default}"
            ),
            format!(
                "UPDATE indicator_measurement SET period_start = (
                   SELECT {period_start}
                   FROM results_indicator i JOIN joint_programme p ON p.id = i.joint_programme_id
                   WHERE i.id = indicator_measurement.indicator_id
                 )"
            ),
            format!(
                "CREATE TABLE indicator_measurement_value (
                   id {id},
                   measurement_id BIGINT NOT NULL REFERENCES indicator_measurement (id),
                   dimension TEXT NOT NULL CHECK (dimension IN ('SEX', 'AGE_GROUP', 'MIGRATORY_STATUS')),
                   category TEXT NOT NULL,
                   value TEXT NOT NULL,
                   UNIQUE (measurement_id, dimension, category)
                 )"
            ),
        ];
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        if backend == DbBackend::Postgres {
            // Every indicator and report states these from now on: no default to fall back on.
            for statement in [
                "ALTER TABLE results_indicator ALTER COLUMN baseline_year DROP DEFAULT",
                "ALTER TABLE indicator_measurement ALTER COLUMN period_start DROP DEFAULT",
                "ALTER TABLE indicator_measurement ADD CONSTRAINT indicator_measurement_period CHECK (period_start <= period_end)",
            ] {
                db.execute_unprepared(statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP TABLE indicator_measurement_value",
            "DROP TABLE indicator_revision",
            "DROP TABLE indicator_target",
            "ALTER TABLE indicator_measurement DROP COLUMN period_start",
            "ALTER TABLE results_indicator DROP COLUMN target_set",
            "ALTER TABLE results_indicator DROP COLUMN disaggregation",
            "ALTER TABLE results_indicator DROP COLUMN retirement_reason",
            "ALTER TABLE results_indicator DROP COLUMN retired_at",
            "ALTER TABLE results_indicator DROP COLUMN retired_by",
            "ALTER TABLE results_indicator DROP COLUMN status",
            "ALTER TABLE results_indicator DROP COLUMN baseline_year",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
