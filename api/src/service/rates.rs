//! The Administrative Agent's exchange rates, the read side: the table the agent keeps
//! (`recordExchangeRate`, in [`super::commands::rates`]) and the rate an agreement in another
//! currency is valued at today (see docs/books.md, "Currencies after the pledge"). Every token
//! reads the rates; they are the fund's public arithmetic, not anyone's money.

use super::page::{Page, Window};
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::Currency;
use chrono::NaiveDate;
use entity::exchange_rate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

impl Services {
    /// The agent's rates, newest first (by the day they apply from); of one currency when given.
    pub async fn exchange_rates(
        &self,
        ctx: &Ctx,
        currency: Option<Currency>,
        window: Window,
    ) -> ServiceResult<Page<exchange_rate::Model>> {
        policy::authenticated(ctx)?;
        let mut query = exchange_rate::Entity::find();
        if let Some(currency) = currency {
            query = query.filter(exchange_rate::Column::Currency.eq(currency.code()));
        }
        let query = query
            .order_by_desc(exchange_rate::Column::EffectiveOn)
            .order_by_asc(exchange_rate::Column::Currency)
            .order_by_desc(exchange_rate::Column::Id);
        super::page::fetch(&self.db, query, window).await
    }

    /// One rate, by its id (`node`).
    pub async fn exchange_rate(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<exchange_rate::Model>> {
        policy::authenticated(ctx)?;
        Ok(exchange_rate::Entity::find_by_id(id).one(&self.db).await?)
    }
}

/// For each of `currencies`, the latest rate the agent recorded that applies on `on` (the one
/// with the latest `effective_on` not after it); a currency with none is left out. One
/// statement, however many currencies. It reads each currency's whole history up to `on` and
/// keeps the first row: the agent records a rate a month or so, so that is a few rows a year; a
/// table grown to daily rates over decades would want a `MAX(effective_on)` subquery here.
pub async fn latest_rates(
    db: &impl ConnectionTrait,
    currencies: &[String],
    on: NaiveDate,
) -> Result<HashMap<String, exchange_rate::Model>, DbErr> {
    let rows = exchange_rate::Entity::find()
        .filter(exchange_rate::Column::Currency.is_in(currencies.iter().cloned()))
        .filter(exchange_rate::Column::EffectiveOn.lte(on))
        .order_by_asc(exchange_rate::Column::Currency)
        .order_by_desc(exchange_rate::Column::EffectiveOn)
        .all(db)
        .await?;
    let mut latest = HashMap::new();
    for rate in rows {
        latest.entry(rate.currency.clone()).or_insert(rate);
    }
    Ok(latest)
}
