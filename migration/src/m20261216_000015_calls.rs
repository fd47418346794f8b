//! Calls for concept notes (`call_for_concept_notes`, docs/calls.md): the Fund Management Unit's
//! invitation, with its window (opens, closes), its indicative envelope in US dollars, the
//! thematic areas and scopes it invites (`call_thematic_area`, `call_scope`) and its
//! eligibility (a ceiling on what one note may request, and the call's own words). A concept
//! note answers one call, or none (the fund's direct intake).
//!
//! What the fund asks of a note while it waits for money: the governments that endorsed it, by
//! country (`concept_note_endorsement`), its national partners (`national_partner`: civil
//! society, local government, migrants' organizations…) and the date its joint programme
//! document was endorsed, which makes it ready for implementation.

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
        for statement in [
            format!(
                "CREATE TABLE call_for_concept_notes (
                   id {id},
                   reference TEXT NOT NULL UNIQUE,
                   title TEXT NOT NULL CHECK (length(title) > 0),
                   opens_on {date} NOT NULL,
                   closes_on {date} NOT NULL,
                   envelope_usd_cents BIGINT NOT NULL CHECK (envelope_usd_cents > 0),
                   max_budget_usd_cents BIGINT CHECK (max_budget_usd_cents > 0),
                   eligibility TEXT NOT NULL,
                   announced_by TEXT NOT NULL,
                   announced_at {ts} NOT NULL,
                   version INTEGER NOT NULL DEFAULT 1,
                   CHECK (closes_on >= opens_on)
                 )"
            ),
            "CREATE TABLE call_thematic_area (
               call_id BIGINT NOT NULL REFERENCES call_for_concept_notes (id),
               thematic_area_id BIGINT NOT NULL REFERENCES thematic_area (id),
               PRIMARY KEY (call_id, thematic_area_id)
             )"
            .to_owned(),
            "CREATE TABLE call_scope (
               call_id BIGINT NOT NULL REFERENCES call_for_concept_notes (id),
               scope TEXT NOT NULL CHECK (scope IN ('NATIONAL', 'REGIONAL', 'GLOBAL')),
               PRIMARY KEY (call_id, scope)
             )"
            .to_owned(),
            "ALTER TABLE concept_note ADD COLUMN call_id BIGINT REFERENCES call_for_concept_notes (id)"
                .to_owned(),
            format!("ALTER TABLE concept_note ADD COLUMN programme_document_endorsed_on {date}"),
            "CREATE INDEX concept_note_call ON concept_note (call_id)".to_owned(),
            format!(
                "CREATE TABLE concept_note_endorsement (
                   concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
                   country_code TEXT NOT NULL REFERENCES country (code),
                   endorsed_on {date} NOT NULL,
                   recorded_by TEXT NOT NULL,
                   recorded_at {ts} NOT NULL,
                   PRIMARY KEY (concept_note_id, country_code)
                 )"
            ),
            format!(
                "CREATE TABLE national_partner (
                   id {id},
                   concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
                   name TEXT NOT NULL CHECK (length(name) > 0),
                   kind TEXT NOT NULL CHECK (kind IN ('CIVIL_SOCIETY', 'LOCAL_GOVERNMENT',
                     'MIGRANT_ORGANIZATION', 'ACADEMIA', 'PRIVATE_SECTOR', 'TRADE_UNION',
                     'NATIONAL_HUMAN_RIGHTS_INSTITUTION')),
                   UNIQUE (concept_note_id, name)
                 )"
            ),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "DROP TABLE national_partner",
            "DROP TABLE concept_note_endorsement",
            "DROP INDEX concept_note_call",
            "ALTER TABLE concept_note DROP COLUMN programme_document_endorsed_on",
            "ALTER TABLE concept_note DROP COLUMN call_id",
            "DROP TABLE call_scope",
            "DROP TABLE call_thematic_area",
            "DROP TABLE call_for_concept_notes",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
