//! What the commands that move the fund's own money answer: the ledger entries they booked.

use super::reference::{area_by_id, ThematicArea};
use super::usd;
use crate::graphql::scalars::{Date, Decimal};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, ID};
use entity::ledger_entry;

/// One entry a command booked in the fund's ledger.
pub struct BookedEntry(pub ledger_entry::Model);

/// One entry a command booked in the fund's ledger (see docs/books.md): appended, never edited.
#[Object]
impl BookedEntry {
    /// The entry's global id (a `LedgerEntry`); its audit event and portfolio event name it.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::LedgerEntry, self.0.id))
    }
    /// The entry's value date: the day the money moved.
    async fn value_date(&self) -> Date {
        Date(self.0.value_date)
    }
    /// The amount in US dollars.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The earmark pool the money is in: a thematic area, or null for unearmarked money.
    async fn earmarked_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        match self.0.pool_area_id {
            Some(area) => area_by_id(ctx, area).await,
            None => Ok(None),
        }
    }
    /// What the entry is, for people (e.g. "Refund from IOM on MPTF-JP-0007").
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}
