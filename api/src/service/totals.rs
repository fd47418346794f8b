//! The fund-wide bound on each kind of money (see `bounds::MAX_FUND_TOTAL_MINOR`): a command
//! that adds money checks that the fund's total of that column stays within it, so that every
//! SUM the figures take fits in a BIGINT whatever amounts were accepted.

use super::ServiceResult;
use crate::domain::bounds::MAX_FUND_TOTAL_MINOR;
use crate::domain::{Usd, UserError};
use sea_orm::sea_query::Expr;
use sea_orm::{Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Refuses `adding` on `field` when the total of `column` over the rows matching `condition`
/// would pass the fund-wide bound.
pub async fn within_fund_total<E, C>(
    db: &C,
    column: E::Column,
    condition: Condition,
    adding: i64,
    field: &str,
) -> ServiceResult<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let total = E::find()
        .select_only()
        .column_as(
            super::arithmetic::cents(Expr::col((E::default(), column))),
            "total",
        )
        .filter(condition)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a SUM returned no row"))?;
    match total.checked_add(adding) {
        Some(after) if after <= MAX_FUND_TOTAL_MINOR => Ok(()),
        _ => Err(UserError::validation(
            field,
            format!(
                "with this amount the fund's total would pass {MAX_FUND_TOTAL_MINOR} minor units ({}), the most its books hold: check the amount",
                Usd::from_cents(MAX_FUND_TOTAL_MINOR)
            ),
        )
        .into()),
    }
}
