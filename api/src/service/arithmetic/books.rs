//! The fund's books as the Administrative Agent publishes them (the MPTF Office Gateway's lines),
//! each one sum over the ledger (`ledger_entry`, see docs/books.md): sources and uses of funds,
//! the balance with the Administrative Agent, funds with participating organizations, what the
//! committee can still allocate per earmark pool, and the same for a programme, an organization
//! or a donor. Nothing here is a stored balance.
//!
//! Every entry counts in one line (`counts_as`): a reversal counts, negated, in the line of the
//! entry it reverses, and an amendment of an agreement in `COMMITMENT`, so each line is a plain
//! `SUM(amount_usd_cents)` and a correction corrects every figure at once.
//!
//! Which entries a figure counts is its [`BooksScope`]: by value date up to `as_of`, recorded up
//! to `known_at` (the books as they were known then: since nothing is edited, this reproduces
//! exactly what was served at that moment), in one thematic area.

use super::{column, table};
use crate::domain::LedgerEntryKind::{self, *};
use crate::service::ServiceResult;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    CaseStatement, Expr, ExprTrait, Order, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{Condition, DbBackend, FromQueryResult};

/// Sources of funds: what raises the Administrative Agent's balance.
pub const SOURCES: [LedgerEntryKind; 4] =
    [Deposit, FundInterest, OrganizationInterest, OtherIncome];

/// Uses of funds: what lowers it (a refund is a negative use: money coming back).
pub const USES: [LedgerEntryKind; 4] = [Transfer, AgentFee, DirectCost, BankCharge];

/// Which entries a figure of the books counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BooksScope {
    /// Entries whose value date is on or before this day.
    pub as_of: Option<NaiveDate>,
    /// Entries recorded at or before this moment: what was known then.
    pub known_at: Option<DateTime<Utc>>,
    /// One thematic area: its earmark pool for the Administrative Agent's lines, its programmes
    /// for the money with participating organizations.
    pub thematic_area_id: Option<i64>,
}

impl BooksScope {
    /// The entries (aliased `l`) this scope counts by date and knowledge.
    pub fn entries(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(day) = self.as_of {
            condition = condition.add(column("l", "value_date").lte(day));
        }
        if let Some(moment) = self.known_at {
            condition = condition.add(column("l", "recorded_at").lte(moment));
        }
        condition
    }

    /// The entries of the Administrative Agent's lines: those of the area's pool, if any.
    fn agent_entries(&self) -> Condition {
        let mut condition = self.entries();
        if let Some(area) = self.thematic_area_id {
            condition = condition.add(column("l", "pool_area_id").eq(area));
        }
        condition
    }

    /// Whether the scope narrows the books at all (a figure of donors' money so narrowed is read
    /// by the fund's staff only: see `portfolio::donors_money_refusal`).
    pub fn narrows(&self) -> bool {
        self.as_of.is_some() || self.known_at.is_some() || self.thematic_area_id.is_some()
    }
}

fn kinds(lines: &[LedgerEntryKind]) -> Vec<&'static str> {
    lines.iter().map(|k| k.as_str()).collect()
}

/// `COALESCE(CAST(SUM(expr) AS BIGINT), 0)`.
fn total(amount: SimpleExpr) -> Expr {
    super::cents(amount)
}

/// The amount of the entries (aliased `l`) counting in `line`, else 0, per row.
fn on_line(line: LedgerEntryKind) -> SimpleExpr {
    CaseStatement::new()
        .case(
            column("l", "counts_as").eq(line.as_str()),
            column("l", "amount_usd_cents"),
        )
        .finally(Expr::val(0i64))
        .into()
}

/// The sum of `line` over the selected entries.
pub fn line_total(line: LedgerEntryKind) -> Expr {
    total(on_line(line))
}

/// What an entry does to the Administrative Agent's balance: sources and refunds add, uses
/// subtract, anything else (pledges, allocations, expenditure) leaves it.
fn to_balance() -> SimpleExpr {
    let mut adding = kinds(&SOURCES);
    adding.push(Refund.as_str());
    CaseStatement::new()
        .case(
            column("l", "counts_as").is_in(adding),
            column("l", "amount_usd_cents"),
        )
        .case(
            column("l", "counts_as").is_in(kinds(&USES)),
            Expr::val(0i64).sub(column("l", "amount_usd_cents")),
        )
        .finally(Expr::val(0i64))
        .into()
}

/// What an entry does to allocations not yet transferred: an allocation adds, a transfer
/// (which always draws on one) subtracts.
fn to_allocated() -> SimpleExpr {
    CaseStatement::new()
        .case(
            column("l", "counts_as").eq(Allocation.as_str()),
            column("l", "amount_usd_cents"),
        )
        .case(
            column("l", "counts_as").eq(Transfer.as_str()),
            Expr::val(0i64).sub(column("l", "amount_usd_cents")),
        )
        .finally(Expr::val(0i64))
        .into()
}

fn ledger() -> SelectStatement {
    Query::select()
        .from_as(table("ledger_entry"), table("l"))
        .to_owned()
}

/// What the committee can still allocate: the balance with the Administrative Agent less the
/// allocations not yet transferred.
pub fn uncommitted(balance_with_agent: i64, allocated_not_transferred: i64) -> ServiceResult<i64> {
    balance_with_agent
        .checked_sub(allocated_not_transferred)
        .ok_or_else(|| anyhow::anyhow!("an uncommitted balance does not fit in cents").into())
}

/// One pool as it stands now (`balance_with_agent`, `allocated_not_transferred`): of `area`, or
/// unearmarked money for `None`.
pub fn pool_now(area: Option<i64>) -> SelectStatement {
    let pool = match area {
        Some(area) => column("l", "pool_area_id").eq(area),
        None => column("l", "pool_area_id").is_null(),
    };
    ledger()
        .expr_as(total(to_balance()), table("balance_with_agent"))
        .expr_as(total(to_allocated()), table("allocated_not_transferred"))
        .and_where(pool)
        .to_owned()
}

/// What is left of decision `decision`'s allocation, per pool (`pool_area_id`, `left`).
pub fn left_of_allocation(decision: i64) -> SelectStatement {
    ledger()
        .column((table("l"), table("pool_area_id")))
        .expr_as(total(to_allocated()), table("left"))
        .and_where(column("l", "decision_id").eq(decision))
        .and_where(column("l", "counts_as").is_in([Allocation.as_str(), Transfer.as_str()]))
        .add_group_by([column("l", "pool_area_id")])
        .to_owned()
}

/// The direct costs booked against a `DIRECT_COST` decision (net of reversals), as `booked`.
pub fn direct_costs_on(decision: i64) -> SelectStatement {
    ledger()
        .expr_as(line_total(DirectCost), table("booked"))
        .and_where(column("l", "decision_id").eq(decision))
        .to_owned()
}

/// Every line's sum over the scope, in USD cents: the Gateway's sources and uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct LineSums {
    pub contributions: i64,
    pub fund_interest: i64,
    pub organization_interest: i64,
    pub other_income: i64,
    pub transferred: i64,
    pub refunds: i64,
    pub agent_fees: i64,
    pub direct_costs: i64,
    pub bank_charges: i64,
}

/// The statement of [`LineSums`] over `scope`'s Administrative Agent entries.
pub fn line_sums(scope: &BooksScope) -> SelectStatement {
    ledger()
        .expr_as(line_total(Deposit), table("contributions"))
        .expr_as(line_total(FundInterest), table("fund_interest"))
        .expr_as(
            line_total(OrganizationInterest),
            table("organization_interest"),
        )
        .expr_as(line_total(OtherIncome), table("other_income"))
        .expr_as(line_total(Transfer), table("transferred"))
        .expr_as(line_total(Refund), table("refunds"))
        .expr_as(line_total(AgentFee), table("agent_fees"))
        .expr_as(line_total(DirectCost), table("direct_costs"))
        .expr_as(line_total(BankCharge), table("bank_charges"))
        .cond_where(scope.agent_entries())
        .to_owned()
}

fn add(a: i64, b: i64) -> ServiceResult<i64> {
    a.checked_add(b)
        .ok_or_else(|| anyhow::anyhow!("a figure of the books does not fit in cents").into())
}

fn sub(a: i64, b: i64) -> ServiceResult<i64> {
    a.checked_sub(b)
        .ok_or_else(|| anyhow::anyhow!("a figure of the books does not fit in cents").into())
}

/// The Gateway's sources and uses of funds, in USD cents, with the balance they leave with the
/// Administrative Agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourcesAndUses {
    pub lines: LineSums,
    pub total_sources: i64,
    pub net_transferred: i64,
    pub total_uses: i64,
    pub balance_with_agent: i64,
}

impl SourcesAndUses {
    pub fn new(lines: LineSums) -> ServiceResult<Self> {
        let total_sources = add(
            add(lines.contributions, lines.fund_interest)?,
            add(lines.organization_interest, lines.other_income)?,
        )?;
        let net_transferred = sub(lines.transferred, lines.refunds)?;
        let total_uses = add(
            add(net_transferred, lines.agent_fees)?,
            add(lines.direct_costs, lines.bank_charges)?,
        )?;
        Ok(Self {
            lines,
            total_sources,
            net_transferred,
            total_uses,
            balance_with_agent: sub(total_sources, total_uses)?,
        })
    }

    /// The balance with the Administrative Agent as a share of deposits.
    pub fn balance_share(&self) -> Option<rust_decimal::Decimal> {
        super::share(self.balance_with_agent, self.lines.contributions)
    }
}

/// Money with participating organizations, in USD cents: `transferred`, `expenditure`, `refunds`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct WithOrganizations {
    pub transferred: i64,
    pub expenditure: i64,
    pub refunds: i64,
}

impl WithOrganizations {
    /// Transferred − reported expenditure − refunds.
    pub fn balance(&self) -> ServiceResult<i64> {
        sub(sub(self.transferred, self.expenditure)?, self.refunds)
    }

    /// Transfers less refunds: what the organizations were funded with, net.
    pub fn net_funded(&self) -> ServiceResult<i64> {
        sub(self.transferred, self.refunds)
    }

    /// The balance as a share of transfers.
    pub fn balance_share(&self) -> ServiceResult<Option<rust_decimal::Decimal>> {
        Ok(super::share(self.balance()?, self.transferred))
    }

    /// Delivery: expenditure ÷ the net funded amount.
    pub fn delivery_rate(&self) -> ServiceResult<Option<rust_decimal::Decimal>> {
        Ok(super::delivery_rate(self.expenditure, self.net_funded()?))
    }
}

/// The entries of programmes' money (transfers, expenditure, refunds), aliased `l`, joined to
/// their programme `p`, for `scope`.
fn programme_entries(scope: &BooksScope) -> SelectStatement {
    let mut select = ledger();
    select
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            table("joint_programme"),
            table("p"),
            column("p", "id").equals((table("l"), table("joint_programme_id"))),
        )
        .cond_where(scope.entries())
        .and_where(column("l", "counts_as").is_in(kinds(&[Transfer, Expenditure, Refund])));
    if let Some(area) = scope.thematic_area_id {
        select.and_where(column("p", "thematic_area_id").eq(area));
    }
    select
}

fn with_organizations_columns(select: &mut SelectStatement) -> &mut SelectStatement {
    select
        .expr_as(line_total(Transfer), table("transferred"))
        .expr_as(line_total(Expenditure), table("expenditure"))
        .expr_as(line_total(Refund), table("refunds"))
}

/// [`WithOrganizations`] over the scope's programmes.
pub fn with_organizations(scope: &BooksScope) -> SelectStatement {
    let mut select = programme_entries(scope);
    with_organizations_columns(&mut select).to_owned()
}

/// [`WithOrganizations`] per organization (`organization_id`), for the scope's programmes.
pub fn by_organization(scope: &BooksScope) -> SelectStatement {
    let mut select = programme_entries(scope);
    select.column((table("l"), table("organization_id")));
    with_organizations_columns(&mut select)
        .add_group_by([column("l", "organization_id")])
        .order_by_expr(column("l", "organization_id"), Order::Asc)
        .to_owned()
}

/// [`WithOrganizations`] per programme (`joint_programme_id`) of `programmes` (a condition on
/// `p`), with what was allocated to each (`allocated`): the `MoneyOfProgramme` loader.
pub fn by_programme(scope: &BooksScope, programmes: Condition) -> SelectStatement {
    let mut select = ledger();
    select
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            table("joint_programme"),
            table("p"),
            column("p", "id").equals((table("l"), table("joint_programme_id"))),
        )
        .column((table("l"), table("joint_programme_id")))
        .cond_where(scope.entries())
        .cond_where(programmes);
    with_organizations_columns(&mut select)
        .expr_as(line_total(Allocation), table("allocated"))
        .add_group_by([column("l", "joint_programme_id")])
        .to_owned()
}

/// Money a programme has been allocated, received, spent and returned, in USD cents, over the
/// ledger ([`by_programme`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct ProgrammeMoney {
    pub joint_programme_id: i64,
    pub transferred: i64,
    pub expenditure: i64,
    pub refunds: i64,
    pub allocated: i64,
}

impl ProgrammeMoney {
    pub fn with_organizations(&self) -> WithOrganizations {
        WithOrganizations {
            transferred: self.transferred,
            expenditure: self.expenditure,
            refunds: self.refunds,
        }
    }
}

/// The money of each programme of `ids` in `scope`, a statement per thousand programmes; a
/// programme with no entries yet has had no money: zeros, not a missing row.
pub async fn money_of_programmes<C: sea_orm::ConnectionTrait>(
    db: &C,
    scope: &BooksScope,
    ids: &[i64],
) -> ServiceResult<Vec<(i64, ProgrammeMoney)>> {
    let mut answers = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let select = by_programme(
            scope,
            Condition::all().add(column("p", "id").is_in(chunk.iter().copied())),
        );
        let rows = ProgrammeMoney::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?;
        let found: std::collections::HashMap<i64, ProgrammeMoney> = rows
            .into_iter()
            .map(|row| (row.joint_programme_id, row))
            .collect();
        for id in chunk {
            let money = found.get(id).copied().unwrap_or(ProgrammeMoney {
                joint_programme_id: *id,
                ..ProgrammeMoney::default()
            });
            answers.push((*id, money));
        }
    }
    Ok(answers)
}

/// Every pool's money (`pool_area_id`, `balance_with_agent`, `allocated_not_transferred`) over
/// the scope's dates, by pool; a pool without entries has no row.
pub fn pools(scope: &BooksScope) -> SelectStatement {
    ledger()
        .column((table("l"), table("pool_area_id")))
        .expr_as(total(to_balance()), table("balance_with_agent"))
        .expr_as(total(to_allocated()), table("allocated_not_transferred"))
        .cond_where(scope.agent_entries())
        .add_group_by([column("l", "pool_area_id")])
        .to_owned()
}

/// A donor's commitments and deposits by year of their value date (`donor_id`, `year`,
/// `committed`, `deposited`), for the scope.
pub fn contributors_by_year(scope: &BooksScope, backend: DbBackend) -> SelectStatement {
    let year = match backend {
        DbBackend::Postgres => Expr::cust("CAST(EXTRACT(YEAR FROM l.value_date) AS INTEGER)"),
        _ => Expr::cust("CAST(strftime('%Y', l.value_date) AS INTEGER)"),
    };
    ledger()
        .column((table("l"), table("donor_id")))
        .expr_as(year.clone(), table("year"))
        .expr_as(line_total(Commitment), table("committed"))
        .expr_as(line_total(Deposit), table("deposited"))
        .cond_where(scope.agent_entries())
        .and_where(column("l", "donor_id").is_not_null())
        .and_where(column("l", "counts_as").is_in(kinds(&[Commitment, Deposit])))
        .add_group_by([column("l", "donor_id"), year.clone()])
        .order_by_expr(year, Order::Asc)
        .order_by_expr(column("l", "donor_id"), Order::Asc)
        .to_owned()
}

/// The sum of `line` over `scope`'s Administrative Agent entries, as one value.
pub fn sum_of_line(line: LedgerEntryKind, scope: &BooksScope) -> Expr {
    super::scalar(
        ledger()
            .expr(line_total(line))
            .cond_where(scope.agent_entries())
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    #[allow(clippy::inconsistent_digit_grouping)] // dollars_cents
    fn the_balance_is_sources_less_uses_and_refunds_come_back() {
        let lines = LineSums {
            contributions: 1_000_00,
            fund_interest: 10_00,
            organization_interest: 1_00,
            other_income: 2_00,
            transferred: 600_00,
            refunds: 50_00,
            agent_fees: 10_00,
            direct_costs: 20_00,
            bank_charges: 1_00,
        };
        let books = SourcesAndUses::new(lines).unwrap();
        assert_eq!(books.total_sources, 1_013_00);
        assert_eq!(books.net_transferred, 550_00);
        assert_eq!(books.total_uses, 581_00);
        assert_eq!(books.balance_with_agent, 432_00);
    }

    #[test]
    fn scopes_bind_their_dates_and_pool() {
        let scope = BooksScope {
            as_of: NaiveDate::from_ymd_opt(2021, 12, 31),
            known_at: None,
            thematic_area_id: Some(3),
        };
        let (sql, values) = line_sums(&scope).build(PostgresQueryBuilder);
        assert!(sql.contains(r#""l"."value_date" <= $"#), "{sql}");
        assert!(sql.contains(r#""l"."pool_area_id" = $"#), "{sql}");
        assert!(values.0.contains(&3i64.into()), "{values:?}");
        let (sql, _) = contributors_by_year(&scope, DbBackend::Sqlite).build(SqliteQueryBuilder);
        assert!(sql.contains("strftime('%Y'"), "{sql}");
    }
}
