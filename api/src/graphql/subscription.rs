//! Live portfolio events over WebSocket (`graphql-transport-ws`), filtered by what the
//! subscriber may read.

use super::scalars::DateTime;
use super::ContextExt;
use crate::domain::PortfolioEventKind;
use crate::ids;
use async_graphql::{Context, Result, SimpleObject, Subscription as SubscriptionDerive, ID};
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

pub struct Subscription;

/// Something that happened in the portfolio, sent once its transaction committed. Delivered only to
/// subscribers who may read its subject: ADMIN, STEERING_COMMITTEE and AUDITOR receive every event; others
/// receive public events, those about their own donor (DONOR) and those about their own
/// organization's concept notes (PUNO).
#[derive(SimpleObject, Clone)]
pub struct PortfolioEventMessage {
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
    /// filtered by what the subscriber may read. A subscriber too slow to keep up skips the events
    /// it missed.
    async fn portfolio_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kinds wanted; all kinds when omitted.")] kinds: Option<
            Vec<PortfolioEventKind>,
        >,
    ) -> Result<impl Stream<Item = PortfolioEventMessage>> {
        let principal = super::check(ctx, ctx.actor().principal())?.clone();
        // The read policy decides at delivery, from what the event carries about its record.
        let policy = ctx.services().policy;
        let receiver = ctx.services().events.subscribe();
        let stream = futures::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some((event, receiver)),
                    // A slow subscriber skips what it missed rather than holding up the others.
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a slow subscriber missed portfolio events");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        Ok(stream.filter_map(move |event| {
            let wanted = kinds.as_ref().is_none_or(|k| k.contains(&event.kind))
                && policy.may_receive(&principal, &event.audience);
            let message = wanted.then(|| PortfolioEventMessage {
                kind: event.kind,
                at: DateTime(event.at),
                subject: ID(ids::encode(event.subject.0, event.subject.1)),
                summary: event.summary.clone(),
            });
            async move { message }
        }))
    }
}
