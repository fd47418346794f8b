//! Database migrations: the fund's schema and the reference data it cannot work without.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_schema;
mod m20261129_000002_reference_data;
mod m20261129_000003_performance_indexes;
mod m20261201_000004_fund_version;
mod m20261210_000004_user_activation;
mod m20261211_000005_event_audience;
mod m20261212_000006_books;
mod m20261212_000007_auditor_role;
mod m20261212_000008_budget_revisions;
mod m20261213_000009_organization_iati_ref;
mod m20261214_000010_exchange_rates;
mod m20261215_000011_decisions_as_taken;
mod m20261215_000012_documents;
mod m20261215_000013_results_frameworks;
mod m20261215_000014_narrative_reports;
mod m20261216_000015_calls;
mod m20261216_000016_expenditure_categories;
mod m20261216_000017_programme_requests;
pub mod reference;

/// The statements that book the money the fund's tables hold (pledges, agreements, deposits and
/// fees, funding decisions and budget revisions, transfers, expenditure) into an empty ledger.
pub use m20261212_000006_books::backfill as book_existing_money;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_schema::Migration),
            Box::new(m20261129_000002_reference_data::Migration),
            Box::new(m20261129_000003_performance_indexes::Migration),
            Box::new(m20261201_000004_fund_version::Migration),
            Box::new(m20261210_000004_user_activation::Migration),
            Box::new(m20261211_000005_event_audience::Migration),
            Box::new(m20261212_000006_books::Migration),
            Box::new(m20261212_000007_auditor_role::Migration),
            Box::new(m20261212_000008_budget_revisions::Migration),
            Box::new(m20261213_000009_organization_iati_ref::Migration),
            Box::new(m20261214_000010_exchange_rates::Migration),
            Box::new(m20261215_000011_decisions_as_taken::Migration),
            Box::new(m20261215_000012_documents::Migration),
            Box::new(m20261215_000013_results_frameworks::Migration),
            Box::new(m20261215_000014_narrative_reports::Migration),
            Box::new(m20261216_000015_calls::Migration),
            Box::new(m20261216_000016_expenditure_categories::Migration),
            Box::new(m20261216_000017_programme_requests::Migration),
        ]
    }
}
