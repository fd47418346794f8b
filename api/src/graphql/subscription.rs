//! Live portfolio events over WebSocket (`graphql-transport-ws`), filtered by what the
//! subscriber may read.

use super::scalars::DateTime;
use super::ContextExt;
use crate::domain::PortfolioEventKind;
use crate::ids;
use crate::service::events;
use async_graphql::{Context, Result, SimpleObject, Subscription as SubscriptionDerive, ID};
use futures::{Stream, StreamExt};

pub struct Subscription;

/// Something that happened in the portfolio, sent once its transaction committed. Delivered only to
/// subscribers who may read its subject: ADMIN, STEERING_COMMITTEE and AUDITOR receive every event; others
/// receive public events, those about their own donor (DONOR) and those about their own
/// organization's concept notes (PUNO).
#[derive(SimpleObject, Clone)]
pub struct PortfolioEventMessage {
    /// The event's id: a subscriber that reconnects passes the last one it received as
    /// `portfolioEvents(after:)` and misses nothing.
    pub id: ID,
    /// What happened.
    pub kind: PortfolioEventKind,
    /// When the write was made (UTC).
    pub at: DateTime,
    /// The global id of the record concerned.
    pub subject: ID,
    /// One line for people, e.g. "Transfer of 250000.00 to joint programme MPTF-JP-0007"; read the
    /// subject through `node` for the figures.
    pub summary: String,
}

/// Live events over WebSocket on `/graphql` (protocol `graphql-transport-ws`, token in the
/// `connection_init` payload as `{"Authorization": "Bearer <token>"}`).
#[SubscriptionDerive]
impl Subscription {
    /// Events of the given kinds as they commit (every token; `UNAUTHENTICATED` without one),
    /// filtered by what the subscriber may read. With `after`, first the events written since
    /// that one, then live ones. A subscriber too slow to keep up catches up from the fund's
    /// record of events instead of losing them; events are kept for `MPTF_EVENT_RETENTION_DAYS`
    /// (30 by default), and `after` an event no longer kept is `BAD_USER_INPUT`, never a silent
    /// gap.
    async fn portfolio_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kinds wanted; all kinds when omitted.")] kinds: Option<
            Vec<PortfolioEventKind>,
        >,
        #[graphql(
            desc = "The `id` of the last event received: the events written since it come first. `BAD_USER_INPUT` if it is not an event id or the event is no longer kept."
        )]
        after: Option<ID>,
    ) -> Result<impl Stream<Item = PortfolioEventMessage>> {
        let principal = super::check(ctx, ctx.actor().principal())?.clone();
        let services = ctx.services();
        let start = match after {
            Some(after) => {
                let id = ids::decode_event(&after).ok_or_else(|| {
                    super::errors::coded(
                        "`after` is not the id of a portfolio event: pass the `id` of an event you received",
                        "BAD_USER_INPUT",
                    )
                })?;
                events::resume_after(&services.db, id, services.events.kept_for_days).await
            }
            None => events::latest(&services.db).await,
        };
        let start = super::check(ctx, start)?;
        // The read policy decides at delivery, from what the event carries about its record.
        let policy = services.policy;
        Ok(events::feed(services, start).filter_map(move |event| {
            let wanted = kinds.as_ref().is_none_or(|k| k.contains(&event.kind))
                && policy.may_receive(&principal, &event.audience);
            let message = wanted.then(|| PortfolioEventMessage {
                id: ID(ids::encode_event(event.id)),
                kind: event.kind,
                at: DateTime(event.at),
                subject: ID(ids::encode(event.subject.0, event.subject.1)),
                summary: event.summary.clone(),
            });
            async move { message }
        }))
    }
}
