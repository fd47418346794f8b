//! The AUDITOR role: accounts that read everything the steering committee reads — the ledger and
//! the audit trail included — and write nothing. The role is one of the values `app_user.role`'s
//! CHECK constraint allows.
//!
//! PostgreSQL swaps the constraint. SQLite cannot alter a constraint, so the table is rebuilt
//! from its own stored definition (which holds every column added since, in order) with the
//! wider list, its rows copied and its indexes made again; no other table refers to `app_user`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const WITHOUT_AUDITOR: &str = "'ADMIN', 'STEERING_COMMITTEE', 'DONOR', 'PUNO', 'PARTNER_SYSTEM'";
const WITH_AUDITOR: &str =
    "'ADMIN', 'STEERING_COMMITTEE', 'DONOR', 'PUNO', 'PARTNER_SYSTEM', 'AUDITOR'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_roles(manager, WITHOUT_AUDITOR, WITH_AUDITOR).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM app_user WHERE role = 'AUDITOR'")
            .await?;
        set_roles(manager, WITH_AUDITOR, WITHOUT_AUDITOR).await
    }
}

/// Replaces the list of roles `app_user.role` may hold: `from` by `to`.
async fn set_roles(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            // The constraint was declared on the column, unnamed: find it by what it checks.
            db.execute_unprepared(
                "DO $$
                 DECLARE constraint_name TEXT;
                 BEGIN
                   FOR constraint_name IN
                     SELECT conname FROM pg_constraint
                     WHERE conrelid = 'app_user'::regclass AND contype = 'c'
                       AND pg_get_constraintdef(oid) LIKE '%PARTNER_SYSTEM%'
                   LOOP
                     EXECUTE format('ALTER TABLE app_user DROP CONSTRAINT %I', constraint_name);
                   END LOOP;
                 END $$",
            )
            .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE app_user ADD CONSTRAINT app_user_role_check CHECK (role IN ({to}))"
            ))
            .await?;
        }
        backend => {
            let row = db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'",
                ))
                .await?
                .ok_or_else(|| DbErr::Migration("no app_user table to widen".to_owned()))?;
            let definition: String = row.try_get("", "sql")?;
            if !definition.contains(from) {
                return Err(DbErr::Migration(format!(
                    "app_user's role constraint is not the expected one ({from})"
                )));
            }
            let rebuilt = definition
                .replacen("app_user", "app_user_rebuilt", 1)
                .replace(from, to);
            for statement in [
                rebuilt.as_str(),
                "INSERT INTO app_user_rebuilt SELECT * FROM app_user",
                "DROP TABLE app_user",
                "ALTER TABLE app_user_rebuilt RENAME TO app_user",
                "CREATE INDEX app_user_donor ON app_user (donor_id)",
                "CREATE INDEX app_user_organization ON app_user (organization_id)",
            ] {
                db.execute_unprepared(statement).await?;
            }
        }
    }
    Ok(())
}
