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

/// Something that happened in the portfolio, after its transaction committed.
#[derive(SimpleObject, Clone)]
pub struct PortfolioEventMessage {
    pub kind: PortfolioEventKind,
    pub at: DateTime,
    /// The global id of the record concerned.
    pub subject: ID,
    pub summary: String,
}

#[SubscriptionDerive]
impl Subscription {
    /// Events of the given kinds (all kinds when omitted). Needs a token.
    async fn portfolio_events(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<PortfolioEventKind>>,
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
