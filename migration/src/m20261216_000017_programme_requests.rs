//! Requests from participating organizations (`programme_request`, docs/governance.md): the
//! convening organization of a joint programme asks the steering committee for a no-cost
//! extension (`new_end_date`), a budget revision or its next tranche (`amount_usd_cents`), with a
//! justification. The Fund Management Unit puts it on the agenda of a meeting not yet held or an
//! open written procedure (`meeting_id`); a decision answers it (`decision_id`, with the answer's
//! `outcome`), and the request is `ANSWERED` once that decision is adopted. A request not answered
//! yet may be `WITHDRAWN`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (id, ts) = match manager.get_database_backend() {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE programme_request (
               id {id},
               joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
               organization_id BIGINT NOT NULL REFERENCES organization (id),
               kind TEXT NOT NULL CHECK (kind IN ('NO_COST_EXTENSION', 'BUDGET_REVISION', 'TRANCHE')),
               justification TEXT NOT NULL CHECK (length(justification) > 0),
               new_end_date DATE,
               amount_usd_cents BIGINT CHECK (amount_usd_cents > 0),
               requested_by TEXT NOT NULL,
               requested_at {ts} NOT NULL,
               status TEXT NOT NULL CHECK (status IN ('SUBMITTED', 'ON_AGENDA', 'ANSWERED', 'WITHDRAWN')),
               meeting_id BIGINT REFERENCES steering_committee_meeting (id),
               decision_id BIGINT REFERENCES decision (id),
               outcome TEXT CHECK (outcome IN ('APPROVED', 'PARTLY_APPROVED', 'REFUSED')),
               answered_on DATE,
               withdrawn_by TEXT,
               withdrawn_at {ts},
               version INTEGER NOT NULL DEFAULT 1,
               CHECK ((kind = 'NO_COST_EXTENSION') = (new_end_date IS NOT NULL)),
               CHECK ((kind = 'NO_COST_EXTENSION') = (amount_usd_cents IS NULL)),
               CHECK ((decision_id IS NULL) = (outcome IS NULL)),
               CHECK ((status = 'ANSWERED') = (answered_on IS NOT NULL)),
               CHECK (status <> 'ANSWERED' OR decision_id IS NOT NULL),
               CHECK (status <> 'ON_AGENDA' OR meeting_id IS NOT NULL),
               CHECK ((status = 'WITHDRAWN') = (withdrawn_by IS NOT NULL)),
               CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL)),
               UNIQUE (decision_id)
             )"
        ))
        .await?;
        for index in [
            "CREATE INDEX programme_request_joint_programme ON programme_request (joint_programme_id)",
            "CREATE INDEX programme_request_meeting ON programme_request (meeting_id)",
            "CREATE INDEX programme_request_status ON programme_request (status)",
        ] {
            db.execute_unprepared(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE programme_request")
            .await?;
        Ok(())
    }
}
