//! Seeds the reference data: thematic areas, GCM objectives and their clustering, guiding
//! principles, every ISO 3166 country with its UN region, the UN entities, capitalization targets.

use crate::reference::*;
use keshvar::CountryIterator;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut areas = insert("thematic_area", &["id", "number", "name", "description"]);
        for (number, name, description, _) in THEMATIC_AREAS {
            areas.values_panic([
                i64::from(number).into(),
                number.into(),
                name.into(),
                description.into(),
            ]);
        }
        manager.exec_stmt(areas).await?;

        let mut objectives = insert("gcm_objective", &["id", "number", "title", "short_label"]);
        for (number, title, label) in GCM_OBJECTIVES {
            objectives.values_panic([
                i64::from(number).into(),
                number.into(),
                title.into(),
                label.into(),
            ]);
        }
        manager.exec_stmt(objectives).await?;

        let mut clustering = insert(
            "thematic_area_objective",
            &["thematic_area_id", "gcm_objective_id"],
        );
        for (area, _, _, objectives) in THEMATIC_AREAS {
            for objective in objectives {
                clustering.values_panic([i64::from(area).into(), i64::from(*objective).into()]);
            }
        }
        manager.exec_stmt(clustering).await?;

        let mut principles = insert("guiding_principle", &["id", "code", "name", "position"]);
        for (position, (code, name)) in (1..).zip(GUIDING_PRINCIPLES) {
            principles.values_panic([
                i64::from(position).into(),
                code.into(),
                name.into(),
                position.into(),
            ]);
        }
        manager.exec_stmt(principles).await?;

        let mut countries = insert("country", &["code", "name", "region", "subregion"]);
        for country in CountryIterator::new() {
            let region = country
                .maybe_region()
                .map(|r| format!("{r:?}").to_uppercase())
                .unwrap_or_else(|| "ANTARCTICA".to_owned());
            let subregion = country
                .maybe_subregion()
                .map(|s| s.to_string())
                .unwrap_or_default();
            countries.values_panic([
                country.alpha3().to_string().into(),
                country.iso_short_name().into(),
                region.into(),
                subregion.into(),
            ]);
        }
        manager.exec_stmt(countries).await?;

        let mut organizations = insert("organization", &["id", "acronym", "name", "kind"]);
        for (id, (acronym, name, kind)) in (1i64..).zip(ORGANIZATIONS) {
            organizations.values_panic([id.into(), acronym.into(), name.into(), kind.into()]);
        }
        manager.exec_stmt(organizations).await?;

        let mut targets = insert(
            "capitalization_target",
            &["id", "label", "amount_usd_cents", "due_on"],
        );
        let postgres =
            manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres;
        for (id, (label, cents, due_on)) in (1i64..).zip(CAPITALIZATION_TARGETS) {
            // A date literal on PostgreSQL; SQLite keeps dates as ISO text.
            let due_on: SimpleExpr = if postgres {
                Expr::cust(format!("DATE '{due_on}'"))
            } else {
                due_on.into()
            };
            targets.values_panic([id.into(), label.into(), cents.into(), due_on]);
        }
        manager.exec_stmt(targets).await?;

        let mut ledger = insert("fund_ledger", &["id", "administrative_agent_fee_rate"]);
        ledger.values_panic([1i32.into(), ADMINISTRATIVE_AGENT_FEE_RATE.into()]);
        manager.exec_stmt(ledger).await?;

        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            // Explicit ids were inserted: move the sequences past them.
            for table in [
                "thematic_area",
                "gcm_objective",
                "guiding_principle",
                "organization",
                "capitalization_target",
            ] {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                    ))
                    .await?;
            }
        }
        Ok(())
    }
}

fn insert(table: &str, columns: &[&str]) -> InsertStatement {
    let mut statement = Query::insert();
    statement
        .into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)));
    statement
}
