//! The fund's arithmetic, in one place: which contributions each figure counts, how money is
//! summed, and every money figure the API serves — the portfolio's totals (`portfolio`), a
//! donor's and a programme's money (the loaders ask here), a donor's statement, and what the
//! fund holds for a programme's transfers. GraphQL only asks; a new figure is one function here
//! and its field.
//!
//! Every statement is built with SeaQuery and its values bound; money is summed in USD cents (or
//! a currency's minor units) as a BIGINT, and a bad stored value is an error, never a silent 0.

pub mod books;
pub mod geography;

use super::ServiceResult;
use crate::domain::{
    ConceptNoteStatus, ContributionStatus, Currency, ExactDecimal, LedgerEntryKind, Usd,
};
use entity::{contribution, deposit, transfer};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::sea_query::{
    Alias, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType, Order, Query, SelectStatement,
    SubQueryStatement,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Contributions that count as committed: a signed agreement, deposited or not.
pub const COMMITTED: [ContributionStatus; 3] = [
    ContributionStatus::Signed,
    ContributionStatus::PartiallyDeposited,
    ContributionStatus::FullyDeposited,
];

/// Contributions that count as pledged: every one but a cancelled pledge.
pub fn counts_as_pledged(status: ContributionStatus) -> bool {
    status != ContributionStatus::Cancelled
}

/// Whether a contribution counts as committed.
pub fn counts_as_committed(status: ContributionStatus) -> bool {
    COMMITTED.contains(&status)
}

// ---------------------------------------------------------------------------------------------
// Figures derived from sums: each one function, so its field only asks.

/// The concept-note statuses that count as taken into the pipeline by the steering committee:
/// in the pipeline, approved, or funded as a joint programme.
pub const TAKEN_INTO_PIPELINE: [ConceptNoteStatus; 3] = [
    ConceptNoteStatus::Pipeline,
    ConceptNoteStatus::Approved,
    ConceptNoteStatus::Funded,
];

/// What the committee has taken into the pipeline out of `notes` (a call's): the sum of their
/// requested budgets, for the notes in [`TAKEN_INTO_PIPELINE`].
pub fn taken_into_pipeline(notes: &[entity::concept_note::Model]) -> ServiceResult<Usd> {
    let mut taken = Vec::new();
    for note in notes {
        if TAKEN_INTO_PIPELINE.contains(&ConceptNoteStatus::from_stored(&note.status)?) {
            taken.push(Usd::from_cents(note.requested_budget_usd_cents));
        }
    }
    Usd::checked_sum(taken)
        .ok_or_else(|| anyhow::anyhow!("a call's pipeline does not fit in cents").into())
}

/// Delivery: expenditure ÷ transferred, four decimals half-even; `None` before any transfer.
pub fn delivery_rate(
    expenditure_cents: i64,
    transferred_cents: i64,
) -> Option<rust_decimal::Decimal> {
    crate::domain::results::ratio(expenditure_cents, transferred_cents)
}

/// Whether a programme's delivery trails its time elapsed: a programme with time elapsed and no
/// delivery yet (nothing funded or spent) trails; one whose time has not started does not.
pub fn trails(
    delivery: Option<rust_decimal::Decimal>,
    time_elapsed: Option<rust_decimal::Decimal>,
) -> bool {
    match (delivery, time_elapsed) {
        (_, None) => false,
        (None, Some(elapsed)) => elapsed > rust_decimal::Decimal::ZERO,
        (Some(delivery), Some(elapsed)) => delivery < elapsed,
    }
}

/// A part's share of a whole (an area's share of approved budgets, the used share of a pool),
/// four decimals half-even; `None` while the whole is zero.
pub fn share(part_cents: i64, whole_cents: i64) -> Option<rust_decimal::Decimal> {
    crate::domain::results::ratio(part_cents, whole_cents)
}

/// A programme's balance: approved but not yet transferred.
pub fn programme_balance(approved_cents: i64, transferred_cents: i64) -> ServiceResult<i64> {
    approved_cents
        .checked_sub(transferred_cents)
        .ok_or_else(|| anyhow::anyhow!("a programme's balance does not fit in cents").into())
}

/// What a contribution still expects, in its currency's minor units: pledged minus deposited,
/// and nothing once it is cancelled. A stored status this service does not know is an error.
pub fn outstanding_minor(contribution: &contribution::Model) -> ServiceResult<i64> {
    if ContributionStatus::from_stored(&contribution.status)? == ContributionStatus::Cancelled {
        return Ok(0);
    }
    contribution
        .pledged_minor
        .checked_sub(contribution.deposited_minor)
        .ok_or_else(|| anyhow::anyhow!("a contribution's outstanding amount does not fit").into())
}

/// What an agreement still owes ([`outstanding_minor`]), valued in US dollars twice: at the
/// agreement's own rate (its pledged value in US dollars per unit of its currency, as recorded
/// with the pledge and its amendments) and today, at `latest`: the latest rate the
/// Administrative Agent recorded for its currency (units per US dollar), or the agreement's own
/// rate while the agent has recorded none. An agreement in US dollars is worth its amount both
/// ways. Both are rounded half-even to the cent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct OutstandingValue {
    pub at_pledge: Usd,
    pub today: Usd,
}

impl OutstandingValue {
    /// What exchange rates have added to (positive) or taken from (negative) what the fund can
    /// still expect from the agreement since it was pledged.
    pub fn revaluation(self) -> ServiceResult<Usd> {
        self.today
            .checked_sub(self.at_pledge)
            .ok_or_else(|| anyhow::anyhow!("a revaluation does not fit in cents").into())
    }
}

/// Values what `contribution` still owes (see [`OutstandingValue`]).
pub fn outstanding_value(
    contribution: &contribution::Model,
    latest: Option<ExactDecimal>,
) -> ServiceResult<OutstandingValue> {
    let remaining = outstanding_minor(contribution)?;
    let currency = Currency::from_stored(&contribution.currency)?;
    let broken = || anyhow::anyhow!("an agreement's outstanding value does not fit in cents");
    if currency == Currency::USD {
        let usd = Usd::from_cents(remaining);
        return Ok(OutstandingValue {
            at_pledge: usd,
            today: usd,
        });
    }
    if contribution.pledged_minor <= 0 {
        return Err(anyhow::anyhow!("an agreement pledges nothing").into());
    }
    let to_cents = |value: Decimal| -> ServiceResult<Usd> {
        let cents = value.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
        Ok(Usd::from_cents(i64::try_from(cents).map_err(|_| broken())?))
    };
    // Its own rate: pledged cents per minor unit.
    let at_pledge = to_cents(
        Decimal::from(contribution.pledged_usd_cents)
            .checked_mul(Decimal::from(remaining))
            .and_then(|product| product.checked_div(Decimal::from(contribution.pledged_minor)))
            .ok_or_else(broken)?,
    )?;
    let today = match latest {
        None => at_pledge,
        Some(rate) => to_cents(
            currency
                .from_minor(remaining)
                .checked_mul(Decimal::ONE_HUNDRED)
                .and_then(|hundredths| hundredths.checked_div(rate.0))
                .ok_or_else(broken)?,
        )?,
    };
    Ok(OutstandingValue { at_pledge, today })
}

/// A table as a statement names it (`FROM contribution c`).
pub(crate) fn table(name: &str) -> DynIden {
    Alias::new(name).into_iden()
}

/// `alias.column`.
pub(crate) fn column(alias: &str, name: &str) -> Expr {
    Expr::col((table(alias), table(name)))
}

/// `COALESCE(CAST(SUM(amount) AS BIGINT), 0)`: a sum of money, 0 over no rows. The CAST keeps
/// PostgreSQL's SUM of BIGINTs (a NUMERIC) an integer; the fund-wide bound on each kind of money
/// (`totals`) keeps every such sum within a BIGINT.
pub(crate) fn cents(amount: Expr) -> Expr {
    Func::coalesce([Func::sum(amount).cast_as(table("BIGINT")), Expr::val(0i64)]).into()
}

/// A one-value statement used as a value (`(SELECT …)`).
pub(crate) fn scalar(select: SelectStatement) -> Expr {
    Expr::from(SubQueryStatement::SelectStatement(select))
}

/// The contributions (aliased `alias`) that count as pledged, as a condition.
pub(crate) fn pledged(alias: &str) -> Condition {
    Condition::all().add(column(alias, "status").ne(ContributionStatus::Cancelled.as_str()))
}

/// The contributions (aliased `alias`) that count as committed, as a condition.
pub(crate) fn committed(alias: &str) -> Condition {
    Condition::all().add(column(alias, "status").is_in(COMMITTED.map(|s| s.as_str())))
}

/// What remains to deposit to reach `target`, never below 0.
pub fn funding_gap(target: i64, deposited: i64) -> i64 {
    Ord::max(target.saturating_sub(deposited), 0)
}

/// The sum of `amount` over `FROM <from> <alias>` where `condition` holds, as a value.
pub(crate) fn sum_of(from: &str, alias: &str, amount: &str, condition: Condition) -> Expr {
    scalar(
        Query::select()
            .expr(cents(column(alias, amount)))
            .from_as(table(from), table(alias))
            .cond_where(condition)
            .to_owned(),
    )
}

/// The deposits (aliased `alias`) that stand: none of the `REVERSAL` entries `reverseDeposit`
/// books names them. A reversed deposit stays on record (with its ledger entries) but no longer
/// counts as money received.
pub(crate) fn standing_deposit(alias: &str) -> Condition {
    Condition::all().add(
        column(alias, "id").not_in_subquery(
            Query::select()
                .column((table("rv"), table("deposit_id")))
                .from_as(table("ledger_entry"), table("rv"))
                .and_where(column("rv", "kind").eq(LedgerEntryKind::Reversal.as_str()))
                .and_where(column("rv", "counts_as").eq(LedgerEntryKind::Deposit.as_str()))
                .and_where(column("rv", "deposit_id").is_not_null())
                .to_owned(),
        ),
    )
}

/// `FROM deposit d JOIN contribution c`: the standing deposits with the agreement each was made
/// under.
pub(crate) fn deposits_with_contributions() -> SelectStatement {
    Query::select()
        .from_as(table("deposit"), table("d"))
        .join_as(
            JoinType::InnerJoin,
            table("contribution"),
            table("c"),
            column("c", "id").equals((table("d"), table("contribution_id"))),
        )
        .cond_where(standing_deposit("d"))
        .to_owned()
}

/// The sum of a deposit column over a donor's deposits (`FROM deposit d JOIN contribution c`)
/// where `condition` holds.
fn deposits_of(amount: &str, condition: Condition) -> Expr {
    scalar(
        deposits_with_contributions()
            .expr(cents(column("d", amount)))
            .cond_where(condition)
            .to_owned(),
    )
}

/// A donor's money (the `MoneyOfDonor` loader), in USD cents: `id`, `pledged`, `committed`,
/// `deposited`, one row per donor in `donors` (a condition on `donor`).
pub fn money_of_donors(donors: Condition) -> SelectStatement {
    let of_donor =
        || Condition::all().add(column("c", "donor_id").equals((table("donor"), table("id"))));
    let mut query = Query::select();
    query.column((table("donor"), table("id")));
    donor_money(&mut query, of_donor)
        .from(table("donor"))
        .cond_where(donors)
        .to_owned()
}

/// Adds a donor's `pledged`, `committed` and `deposited` USD cents to `query`, for the
/// contributions `c` that `of_donor` selects: the one definition behind the loader and the
/// donor's statement.
fn donor_money(
    query: &mut SelectStatement,
    of_donor: impl Fn() -> Condition,
) -> &mut SelectStatement {
    query
        .expr_as(
            sum_of(
                "contribution",
                "c",
                "pledged_usd_cents",
                of_donor().add(pledged("c")),
            ),
            table("pledged"),
        )
        .expr_as(
            sum_of(
                "contribution",
                "c",
                "pledged_usd_cents",
                of_donor().add(committed("c")),
            ),
            table("committed"),
        )
        .expr_as(
            deposits_of("amount_usd_cents", of_donor()),
            table("deposited"),
        )
}

/// A donor's statement, by currency of the agreements: `currency`, `pledged`, `signed` (what
/// counts as committed) and `deposited`, in the currency's minor units.
pub fn donor_by_currency(donor_id: i64) -> SelectStatement {
    let when = |condition: Condition| {
        Expr::case(condition, column("c", "pledged_minor")).finally(Expr::val(0i64))
    };
    Query::select()
        .expr_as(column("c", "currency"), table("currency"))
        .expr_as(cents(when(pledged("c")).into()), table("pledged"))
        .expr_as(cents(when(committed("c")).into()), table("signed"))
        .expr_as(cents(column("c", "deposited_minor")), table("deposited"))
        .from_as(table("contribution"), table("c"))
        .and_where(column("c", "donor_id").eq(donor_id))
        .add_group_by([column("c", "currency")])
        .order_by_expr(column("c", "currency"), Order::Asc)
        .to_owned()
}

/// A donor's statement in USD cents: `pledged`, `committed`, `deposited`, `fees`, `net`.
pub fn donor_usd(donor_id: i64) -> SelectStatement {
    let of_donor = || Condition::all().add(column("c", "donor_id").eq(donor_id));
    let mut query = Query::select();
    donor_money(&mut query, of_donor)
        .expr_as(deposits_of("fee_usd_cents", of_donor()), table("fees"))
        .expr_as(deposits_of("net_usd_cents", of_donor()), table("net"))
        .to_owned()
}

/// How the areas a donor earmarked to were used: `area_id`, the donor's net deposits earmarked
/// to it (`donor_net`), every donor's (`pool_net`) and what transfers drew on them
/// (`pool_transferred`), for the areas of the donor's pledges.
pub fn donor_earmarks(donor_id: i64) -> SelectStatement {
    let to_area =
        || Condition::all().add(column("c", "earmarked_area_id").equals((table("a"), table("id"))));
    let donors_areas = Query::select()
        .column((table("c"), table("earmarked_area_id")))
        .from_as(table("contribution"), table("c"))
        .cond_where(
            Condition::all()
                .add(column("c", "donor_id").eq(donor_id))
                .add(pledged("c")),
        )
        .to_owned();
    Query::select()
        .expr_as(column("a", "id"), table("area_id"))
        .expr_as(
            deposits_of(
                "net_usd_cents",
                to_area().add(column("c", "donor_id").eq(donor_id)),
            ),
            table("donor_net"),
        )
        .expr_as(deposits_of("net_usd_cents", to_area()), table("pool_net"))
        .expr_as(
            sum_of(
                "transfer",
                "t",
                "from_earmarked_usd_cents",
                Condition::all()
                    .add(column("t", "thematic_area_id").equals((table("a"), table("id")))),
            ),
            table("pool_transferred"),
        )
        .from_as(table("thematic_area"), table("a"))
        .and_where(column("a", "id").in_subquery(donors_areas))
        .order_by_expr(column("a", "number"), Order::Asc)
        .to_owned()
}

/// The unearmarked pool as a donor's statement shows it: the donor's unearmarked net deposits
/// (`donor_net`), every donor's (`pool_net`) and what transfers drew on them
/// (`pool_transferred`).
pub fn donor_unearmarked(donor_id: i64) -> SelectStatement {
    let unearmarked = || Condition::all().add(column("c", "earmarked_area_id").is_null());
    Query::select()
        .expr_as(
            deposits_of(
                "net_usd_cents",
                unearmarked().add(column("c", "donor_id").eq(donor_id)),
            ),
            table("donor_net"),
        )
        .expr_as(
            deposits_of("net_usd_cents", unearmarked()),
            table("pool_net"),
        )
        .expr_as(
            sum_of(
                "transfer",
                "t",
                "from_unearmarked_usd_cents",
                Condition::all(),
            ),
            table("pool_transferred"),
        )
        .to_owned()
}

/// What the fund holds for a programme of `area`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Net deposits earmarked to the area, less what transfers drew from them.
    pub earmarked: Usd,
    /// Net unearmarked deposits, less what transfers drew from them.
    pub unearmarked: Usd,
    /// Money available only to other areas.
    pub other_areas: Usd,
}

/// What the fund holds for a programme of `area`, read in the caller's transaction (a transfer
/// reads it under the fund's spending lock).
pub async fn availability<C: ConnectionTrait>(db: &C, area: i64) -> ServiceResult<Availability> {
    let net = |earmark: Condition| {
        deposit::Entity::find()
            .select_only()
            .column_as(
                cents(Expr::col((deposit::Entity, deposit::Column::NetUsdCents))),
                "total",
            )
            .inner_join(contribution::Entity)
            .filter(standing_deposit("deposit"))
            .filter(earmark)
            .into_tuple::<i64>()
    };
    let drawn = |amount: transfer::Column, condition: Condition| {
        transfer::Entity::find()
            .select_only()
            .column_as(cents(Expr::col((transfer::Entity, amount))), "total")
            .filter(condition)
            .into_tuple::<i64>()
    };
    let no_sum = || anyhow::anyhow!("a SUM returned no row");
    let earmarked_in = net(Condition::all().add(contribution::Column::EarmarkedAreaId.eq(area)))
        .one(db)
        .await?
        .ok_or_else(no_sum)?;
    let earmarked_elsewhere =
        net(Condition::all().add(contribution::Column::EarmarkedAreaId.ne(area)))
            .one(db)
            .await?
            .ok_or_else(no_sum)?;
    let unearmarked_in = net(Condition::all().add(contribution::Column::EarmarkedAreaId.is_null()))
        .one(db)
        .await?
        .ok_or_else(no_sum)?;
    let earmarked_out = drawn(
        transfer::Column::FromEarmarkedUsdCents,
        Condition::all().add(transfer::Column::ThematicAreaId.eq(area)),
    )
    .one(db)
    .await?
    .ok_or_else(no_sum)?;
    let earmarked_out_elsewhere = drawn(
        transfer::Column::FromEarmarkedUsdCents,
        Condition::all().add(transfer::Column::ThematicAreaId.ne(area)),
    )
    .one(db)
    .await?
    .ok_or_else(no_sum)?;
    let unearmarked_out = drawn(transfer::Column::FromUnearmarkedUsdCents, Condition::all())
        .one(db)
        .await?
        .ok_or_else(no_sum)?;
    let balance = |money_in: i64, money_out: i64| {
        money_in
            .checked_sub(money_out)
            .map(Usd::from_cents)
            .ok_or_else(|| anyhow::anyhow!("the fund's balance does not fit in cents"))
    };
    Ok(Availability {
        earmarked: balance(earmarked_in, earmarked_out)?,
        unearmarked: balance(unearmarked_in, unearmarked_out)?,
        other_areas: balance(earmarked_elsewhere, earmarked_out_elsewhere)?,
    })
}

/// What was transferred on a budget line, in USD cents, read in the caller's transaction.
pub async fn transferred_on_line<C: ConnectionTrait>(db: &C, line_id: i64) -> ServiceResult<i64> {
    Ok(transfer::Entity::find()
        .select_only()
        .column_as(
            cents(Expr::col((
                transfer::Entity,
                transfer::Column::AmountUsdCents,
            ))),
            "total",
        )
        .filter(transfer::Column::BudgetLineId.eq(line_id))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a SUM returned no row"))?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_programme_trails_when_its_delivery_is_below_its_time() {
        let d = |t: &str| Some(t.parse::<rust_decimal::Decimal>().unwrap());
        assert!(trails(d("0.2500"), d("0.5000")));
        assert!(
            !trails(d("0.5000"), d("0.5000")),
            "keeping pace is not trailing"
        );
        assert!(!trails(d("0.9000"), d("0.5000")));
        assert!(
            trails(None, d("0.1000")),
            "time passed with nothing delivered trails"
        );
        assert!(
            !trails(None, d("0")),
            "a programme on its first day does not"
        );
        assert!(!trails(d("0.1000"), None));
    }

    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn committed_and_pledged_name_the_fund_s_statuses() {
        use ContributionStatus::*;
        assert!(counts_as_committed(PartiallyDeposited));
        assert!(!counts_as_committed(Pledged));
        assert!(counts_as_pledged(Pledged));
        assert!(!counts_as_pledged(Cancelled));
    }

    #[test]
    fn a_donor_s_figures_bind_the_donor() {
        let (sql, values) = donor_usd(42).build(PostgresQueryBuilder);
        assert!(!sql.contains("42"), "{sql}");
        assert!(values.0.contains(&42i64.into()), "{values:?}");
        assert!(
            sql.contains(r#"COALESCE(CAST(SUM("c"."pledged_usd_cents") AS BIGINT), $"#),
            "{sql}"
        );
        let (sql, _) = donor_by_currency(42).build(SqliteQueryBuilder);
        assert!(sql.contains("GROUP BY"), "{sql}");
    }
}
