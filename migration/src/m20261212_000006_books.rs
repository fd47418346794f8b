//! The fund's books: one append-only ledger of every movement of money (see docs/books.md).
//!
//! Every figure the Administrative Agent publishes is a sum of these entries; nothing is a stored
//! balance. An entry is never edited or deleted: a correction is a new entry that reverses or
//! amends an earlier one. `kind` says what the entry is; `counts_as` says which line of the books
//! its amount counts in — the kind itself, except for a `REVERSAL` (the line of the entry it
//! reverses, with the opposite amount) and a `COMMITMENT_AMENDMENT` (the `COMMITMENT` line, with
//! the signed change) — so every figure is one `SUM(amount_usd_cents)` over one line.
//!
//! The migration moves an existing database's money into the ledger, so it upgrades and keeps
//! every figure: pledges and signed agreements, deposits and their fees, the committee's funding
//! decisions and budget revisions (as allocations, in the pools their transfers drew on; what is
//! not transferred yet stays with the programme's area), transfers (one entry per pool they drew
//! on) and expenditure (dated at the end of the year reported, or the day it was reported if
//! that came first).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &str = "'PLEDGE', 'COMMITMENT', 'COMMITMENT_AMENDMENT', 'DEPOSIT', 'AGENT_FEE', \
    'FUND_INTEREST', 'ORGANIZATION_INTEREST', 'OTHER_INCOME', 'ALLOCATION', 'TRANSFER', 'REFUND', \
    'DIRECT_COST', 'BANK_CHARGE', 'EXPENDITURE', 'REVERSAL'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let (id, ts, date) = match backend {
            DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "DATE"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"),
        };
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE TABLE ledger_entry (
               id {id},
               kind TEXT NOT NULL CHECK (kind IN ({KINDS})),
               counts_as TEXT NOT NULL CHECK (counts_as IN ({KINDS}) AND counts_as <> 'REVERSAL'),
               value_date {date} NOT NULL,
               recorded_at {ts} NOT NULL,
               recorded_by TEXT NOT NULL,
               currency TEXT NOT NULL CHECK (length(currency) = 3),
               amount_minor BIGINT NOT NULL,
               amount_usd_cents BIGINT NOT NULL,
               pool_area_id BIGINT REFERENCES thematic_area (id),
               donor_id BIGINT REFERENCES donor (id),
               contribution_id BIGINT REFERENCES contribution (id),
               deposit_id BIGINT REFERENCES deposit (id),
               joint_programme_id BIGINT REFERENCES joint_programme (id),
               organization_id BIGINT REFERENCES organization (id),
               decision_id BIGINT REFERENCES decision (id),
               transfer_id BIGINT REFERENCES transfer (id),
               expenditure_report_id BIGINT REFERENCES expenditure_report (id),
               reverses_id BIGINT REFERENCES ledger_entry (id),
               description TEXT,
               CHECK ((kind = 'REVERSAL') = (reverses_id IS NOT NULL)),
               CHECK (kind = counts_as OR kind = 'REVERSAL' OR (kind = 'COMMITMENT_AMENDMENT' AND counts_as = 'COMMITMENT'))
             )"
        ))
        .await?;
        for index in [
            "CREATE INDEX ledger_entry_line ON ledger_entry (counts_as, value_date)",
            "CREATE INDEX ledger_entry_recorded_at ON ledger_entry (recorded_at)",
            "CREATE INDEX ledger_entry_programme ON ledger_entry (joint_programme_id, counts_as)",
            "CREATE INDEX ledger_entry_organization ON ledger_entry (organization_id)",
            "CREATE INDEX ledger_entry_donor ON ledger_entry (donor_id)",
            "CREATE INDEX ledger_entry_contribution ON ledger_entry (contribution_id)",
            "CREATE INDEX ledger_entry_deposit ON ledger_entry (deposit_id)",
            "CREATE INDEX ledger_entry_decision ON ledger_entry (decision_id)",
            "CREATE INDEX ledger_entry_reverses ON ledger_entry (reverses_id)",
        ] {
            db.execute_unprepared(index).await?;
        }
        for statement in backfill(backend) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE ledger_entry")
            .await?;
        Ok(())
    }
}

/// The statements that move an existing database's money into the ledger, in the order its
/// entries were made. Also run by the synthetic seed, which writes those tables in bulk and
/// books them the way an upgrade does.
pub fn backfill(backend: DbBackend) -> Vec<String> {
    let (day_of, year_end, earlier) = match backend {
        DbBackend::Postgres => (
            "CAST(e.reported_at AS DATE)",
            "make_date(e.year, 12, 31)",
            "LEAST",
        ),
        _ => (
            "substr(e.reported_at, 1, 10)",
            "printf('%04d-12-31', e.year)",
            "MIN",
        ),
    };
    let columns = "kind, counts_as, value_date, recorded_at, recorded_by, currency, amount_minor, \
        amount_usd_cents, pool_area_id, donor_id, contribution_id, deposit_id, joint_programme_id, \
        organization_id, decision_id, transfer_id, expenditure_report_id, reverses_id, description";
    // What transfers resting on decision `d` drew from unearmarked money.
    let drawn_unearmarked =
        "(SELECT COALESCE(SUM(t.from_unearmarked_usd_cents), 0) FROM transfer t WHERE t.decision_id = d.id)";
    vec![
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'PLEDGE', 'PLEDGE', c.pledged_on, c.recorded_at, c.recorded_by, c.currency,
                    c.pledged_minor, c.pledged_usd_cents, c.earmarked_area_id, c.donor_id, c.id,
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'Pledge ' || c.reference
             FROM contribution c ORDER BY c.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'COMMITMENT', 'COMMITMENT', c.signed_on, c.recorded_at, c.recorded_by, c.currency,
                    c.pledged_minor, c.pledged_usd_cents, c.earmarked_area_id, c.donor_id, c.id,
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'Agreement ' || c.reference || ' signed'
             FROM contribution c WHERE c.signed_on IS NOT NULL ORDER BY c.id"
        ),
        // A cancelled contribution: its pledge and agreement reversed.
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'REVERSAL', l.counts_as, l.value_date, l.recorded_at, l.recorded_by, l.currency,
                    -l.amount_minor, -l.amount_usd_cents, l.pool_area_id, l.donor_id, l.contribution_id,
                    NULL, NULL, NULL, NULL, NULL, NULL, l.id, 'Contribution cancelled'
             FROM ledger_entry l JOIN contribution c ON c.id = l.contribution_id
             WHERE c.status = 'CANCELLED' ORDER BY l.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'DEPOSIT', 'DEPOSIT', d.received_on, d.recorded_at, d.recorded_by, d.currency,
                    d.amount_minor, d.amount_usd_cents, c.earmarked_area_id, c.donor_id, c.id,
                    d.id, NULL, NULL, NULL, NULL, NULL, NULL, 'Deposit on ' || c.reference
             FROM deposit d JOIN contribution c ON c.id = d.contribution_id ORDER BY d.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'AGENT_FEE', 'AGENT_FEE', d.received_on, d.recorded_at, d.recorded_by, 'USD',
                    d.fee_usd_cents, d.fee_usd_cents, c.earmarked_area_id, c.donor_id, c.id,
                    d.id, NULL, NULL, NULL, NULL, NULL, NULL, 'Administrative Agent fee on a deposit on ' || c.reference
             FROM deposit d JOIN contribution c ON c.id = d.contribution_id
             WHERE d.fee_usd_cents > 0 ORDER BY d.id"
        ),
        // Funding decisions and budget revisions: the part their transfers drew from unearmarked
        // money is allocated on the unearmarked pool, the rest on the programme's area.
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'ALLOCATION', 'ALLOCATION', m.held_on, d.recorded_at, d.recorded_by, 'USD',
                    d.amount_usd_cents - {drawn_unearmarked}, d.amount_usd_cents - {drawn_unearmarked},
                    COALESCE(p.thematic_area_id, n.thematic_area_id), NULL, NULL, NULL,
                    COALESCE(p.id, pn.id), NULL, d.id, NULL, NULL, NULL, d.kind || ' decision'
             FROM decision d
             JOIN steering_committee_meeting m ON m.id = d.meeting_id
             LEFT JOIN joint_programme p ON p.id = d.joint_programme_id
             LEFT JOIN concept_note n ON n.id = d.concept_note_id
             LEFT JOIN joint_programme pn ON pn.concept_note_id = d.concept_note_id
             WHERE d.kind IN ('FUNDING', 'BUDGET_REVISION') AND d.amount_usd_cents > {drawn_unearmarked}
             ORDER BY d.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'ALLOCATION', 'ALLOCATION', m.held_on, d.recorded_at, d.recorded_by, 'USD',
                    {drawn_unearmarked}, {drawn_unearmarked}, NULL, NULL, NULL, NULL,
                    COALESCE(p.id, pn.id), NULL, d.id, NULL, NULL, NULL, d.kind || ' decision'
             FROM decision d
             JOIN steering_committee_meeting m ON m.id = d.meeting_id
             LEFT JOIN joint_programme p ON p.id = d.joint_programme_id
             LEFT JOIN joint_programme pn ON pn.concept_note_id = d.concept_note_id
             WHERE d.kind IN ('FUNDING', 'BUDGET_REVISION') AND {drawn_unearmarked} > 0
             ORDER BY d.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'TRANSFER', 'TRANSFER', t.transferred_on, t.recorded_at, t.recorded_by, 'USD',
                    t.from_earmarked_usd_cents, t.from_earmarked_usd_cents, t.thematic_area_id, NULL,
                    NULL, NULL, t.joint_programme_id, t.organization_id, t.decision_id, t.id, NULL,
                    NULL, 'Transfer'
             FROM transfer t WHERE t.from_earmarked_usd_cents > 0 ORDER BY t.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'TRANSFER', 'TRANSFER', t.transferred_on, t.recorded_at, t.recorded_by, 'USD',
                    t.from_unearmarked_usd_cents, t.from_unearmarked_usd_cents, NULL, NULL, NULL,
                    NULL, t.joint_programme_id, t.organization_id, t.decision_id, t.id, NULL, NULL,
                    'Transfer'
             FROM transfer t WHERE t.from_unearmarked_usd_cents > 0 ORDER BY t.id"
        ),
        format!(
            "INSERT INTO ledger_entry ({columns})
             SELECT 'EXPENDITURE', 'EXPENDITURE', {earlier}({year_end}, {day_of}), e.reported_at,
                    e.reported_by, 'USD', e.amount_usd_cents, e.amount_usd_cents, NULL, NULL, NULL,
                    NULL, e.joint_programme_id, e.organization_id, NULL, NULL, e.id, NULL,
                    'Expenditure ' || e.year
             FROM expenditure_report e WHERE e.amount_usd_cents > 0 ORDER BY e.id"
        ),
    ]
}
