//! Two administrators for every privileged account: an ADMIN or STEERING_COMMITTEE account that
//! an administrator creates waits for another administrator to activate it (`activateUser`).
//! Who created and who activated each account is kept on the row, so that the check does not
//! depend on reading the audit trail. Existing accounts are neither pending nor attributed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = match manager.get_database_backend() {
            DbBackend::Postgres => "TIMESTAMPTZ",
            _ => "TEXT",
        };
        let db = manager.get_connection();
        for column in [
            "pending_activation BOOLEAN NOT NULL DEFAULT FALSE".to_owned(),
            "created_by TEXT".to_owned(),
            "activated_by TEXT".to_owned(),
            format!("activated_at {ts}"),
        ] {
            db.execute_unprepared(&format!("ALTER TABLE app_user ADD COLUMN {column}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in [
            "activated_at",
            "activated_by",
            "created_by",
            "pending_activation",
        ] {
            db.execute_unprepared(&format!("ALTER TABLE app_user DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
