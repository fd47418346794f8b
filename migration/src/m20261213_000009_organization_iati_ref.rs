//! An organization's IATI organisation identifier (`organization.iati_ref`, nullable): the `ref`
//! the IATI export (docs/iati.md) writes on the organization's `participating-org`,
//! `provider-org` and `receiver-org`. Unknown (NULL) until the fund records it: an identifier is
//! never made up, and without one the export names the organization without a `ref`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE organization ADD COLUMN iati_ref TEXT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE organization DROP COLUMN iati_ref")
            .await?;
        Ok(())
    }
}
