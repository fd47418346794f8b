//! The Administrative Agent's exchange rates (see docs/books.md, "Currencies after the pledge").

use crate::domain::ExactDecimal;
use crate::graphql::scalars::{CurrencyCode, Date, DateTime, Decimal};
use crate::ids::{self, Kind};
use async_graphql::{Object, Result, ID};
use entity::exchange_rate;

/// A rate the Administrative Agent recorded.
pub struct ExchangeRate(pub exchange_rate::Model);

/// How many units of a currency buy one US dollar from a day on, as the Administrative Agent
/// recorded it (`recordExchangeRate`). Never edited: a correction is a rate for a later day.
/// Agreements in the currency value what they still owe at the latest one (`outstandingUsd`);
/// deposits keep the rate recorded with each. Read by every token.
#[Object]
impl ExchangeRate {
    /// The rate's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ExchangeRate, self.0.id))
    }
    /// The currency (ISO 4217), never USD.
    async fn currency(&self) -> CurrencyCode {
        CurrencyCode(self.0.currency.clone())
    }
    /// Units of the currency per US dollar, exact, as recorded (e.g. `"0.9231"` for EUR).
    async fn units_per_usd(&self) -> Result<Decimal> {
        Ok(Decimal(ExactDecimal::from_stored(&self.0.units_per_usd)?.0))
    }
    /// The day the rate applies from, until the day of the currency's next rate.
    async fn effective_on(&self) -> Date {
        Date(self.0.effective_on)
    }
    /// Where the rate comes from (e.g. "UN operational rate of exchange").
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The token subject (e.g. `user:4`) of whoever recorded it.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When it was recorded (UTC).
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}
