//! Where the fund's money goes, by country and region. A programme in several countries counts
//! once in the fund's totals; in a breakdown by country or region its money is split between
//! its countries in equal shares, to the cent (the first countries in code order take the odd
//! cents), so that the breakdown adds up to the total. A programme with no country (a global
//! one) has one row with no country.

use super::{column, table};
use crate::domain::LedgerEntryKind;
use sea_orm::sea_query::{
    Asterisk, CaseStatement, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
    WindowStatement,
};
use sea_orm::Condition;

/// `s`: each concept note's countries, numbered from 0 in code order (`position`), with how many
/// it has (`countries`).
fn country_shares() -> SelectStatement {
    let of_note = || {
        WindowStatement::partition_by((table("nc"), table("concept_note_id")))
            .order_by((table("nc"), table("country_code")), Order::Asc)
            .to_owned()
    };
    Query::select()
        .column((table("nc"), table("concept_note_id")))
        .column((table("nc"), table("country_code")))
        .expr_window_as(Expr::cust("ROW_NUMBER()"), of_note(), table("position"))
        .expr_window_as(
            Func::count(Expr::col(Asterisk)),
            WindowStatement::partition_by((table("nc"), table("concept_note_id"))),
            table("countries"),
        )
        .from_as(table("concept_note_country"), table("nc"))
        .to_owned()
}

/// A country's share of `amount` (a programme's whole amount, an integer number of cents), for
/// the country row `s` of the programme: `amount / n`, plus one cent for the first
/// `amount mod n` countries; the whole amount where the programme has no country.
fn share_of(amount: Expr) -> Expr {
    let countries = column("s", "countries");
    let base = amount.clone().div(countries.clone());
    let odd_cent: Expr = CaseStatement::new()
        .case(
            column("s", "position")
                .sub(1)
                .lt(amount.clone().modulo(countries)),
            Expr::val(1i64),
        )
        .finally(Expr::val(0i64))
        .into();
    let split: Expr = base.add(odd_cent);
    CaseStatement::new()
        .case(column("s", "countries").is_null(), amount)
        .finally(split)
        .into()
}

/// `m`: the programmes in `programmes` (a condition on `p`) with their approved budget
/// (`approved`) and, from the ledger, what was transferred to them (`transferred`) and what
/// they spent (`expenditure`), in USD cents.
fn programme_money(programmes: Condition) -> SelectStatement {
    let line = |kind: LedgerEntryKind| {
        super::scalar(
            Query::select()
                .expr(super::books::line_total(kind))
                .from_as(table("ledger_entry"), table("l"))
                .and_where(column("l", "joint_programme_id").equals((table("p"), table("id"))))
                .to_owned(),
        )
    };
    Query::select()
        .column((table("p"), table("id")))
        .column((table("p"), table("concept_note_id")))
        .expr_as(column("p", "approved_budget_usd_cents"), table("approved"))
        .expr_as(line(LedgerEntryKind::Transfer), table("transferred"))
        .expr_as(line(LedgerEntryKind::Expenditure), table("expenditure"))
        .from_as(table("joint_programme"), table("p"))
        .cond_where(programmes)
        .to_owned()
}

/// The programmes' money split between their countries, per `key` (a column of `s`, the
/// country row, or of `c`, the country): `key`, `programme_count` (a programme counts once in
/// each key it has a country in), `approved`, `transferred`, `expenditure`. A row whose key is
/// NULL holds the programmes with no country.
pub fn split_by(key: Expr, programmes: Condition) -> SelectStatement {
    Query::select()
        .expr_as(key.clone(), table("place"))
        .expr_as(
            Func::count_distinct(column("m", "id")),
            table("programme_count"),
        )
        .expr_as(
            super::cents(share_of(column("m", "approved"))),
            table("approved"),
        )
        .expr_as(
            super::cents(share_of(column("m", "transferred"))),
            table("transferred"),
        )
        .expr_as(
            super::cents(share_of(column("m", "expenditure"))),
            table("expenditure"),
        )
        .from_subquery(programme_money(programmes), table("m"))
        .join_subquery(
            JoinType::LeftJoin,
            country_shares(),
            table("s"),
            column("s", "concept_note_id").equals((table("m"), table("concept_note_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            table("country"),
            table("c"),
            column("c", "code").equals((table("s"), table("country_code"))),
        )
        .add_group_by([key.clone()])
        .order_by_expr(key, Order::Asc)
        .to_owned()
}

/// [`split_by`] UN region (`c.region`).
pub fn by_region(programmes: Condition) -> SelectStatement {
    split_by(column("c", "region"), programmes)
}

/// [`split_by`] country (`s.country_code`).
pub fn by_country(programmes: Condition) -> SelectStatement {
    split_by(column("s", "country_code"), programmes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn shares_are_numbered_per_note_on_both_databases() {
        for sql in [
            by_region(Condition::all()).to_string(PostgresQueryBuilder),
            by_country(Condition::all()).to_string(SqliteQueryBuilder),
        ] {
            assert!(sql.contains("ROW_NUMBER() OVER"), "{sql}");
            assert!(sql.contains("%"), "{sql}");
        }
    }
}
