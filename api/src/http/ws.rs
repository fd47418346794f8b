//! GraphQL subscriptions over WebSocket with the `graphql-transport-ws` protocol, including its
//! close codes: 4400 bad message, 4401 subscribe before ack, 4403 bad token, 4408 no init in
//! time, 4409 duplicate id, 4429 second init.

use super::AppState;
use crate::graphql;
use crate::service::Ctx;
use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Session};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

pub const PROTOCOL: &str = "graphql-transport-ws";

pub async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let offers_protocol = req
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == PROTOCOL));
    if !offers_protocol {
        return Ok(HttpResponse::BadRequest()
            .body("subscriptions speak the graphql-transport-ws WebSocket protocol"));
    }
    let (mut response, session, stream) = actix_ws::handle(&req, body)?;
    response
        .headers_mut()
        .insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(PROTOCOL));
    let request_id = super::request_id(&req);
    let metrics = req
        .app_data::<web::Data<super::metrics::Metrics>>()
        .map(|m| m.clone().into_inner());
    // The connection outlives the upgrade request: it keeps the request's span (and id).
    actix_web::rt::spawn(
        run(session, stream, state.into_inner(), request_id, metrics)
            .instrument(tracing::Span::current()),
    );
    Ok(response)
}

enum Outgoing {
    Message(Value),
    /// The operation ended: `complete` goes out and its id is free again.
    Completed(String),
    /// The operation failed before executing: `error` goes out and its id is free again.
    Failed(String, Value),
}

async fn run(
    mut session: Session,
    stream: actix_ws::MessageStream,
    state: std::sync::Arc<AppState>,
    request_id: String,
    metrics: Option<std::sync::Arc<super::metrics::Metrics>>,
) {
    let _open = metrics.as_ref().map(|m| m.websocket_opened());
    let mut stream = stream.max_frame_size(64 * 1024).aggregate_continuations();
    let (sender, mut outgoing) = mpsc::channel::<Outgoing>(64);
    let mut ctx: Option<Ctx> = None;
    let mut init_received = false;
    let mut subscriptions: HashMap<String, JoinHandle<()>> = HashMap::new();
    let init_deadline = tokio::time::sleep(state.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive = tokio::time::interval(Duration::from_secs(15));
    keepalive.tick().await;
    let mut shutdown = state.shutdown.clone();
    // A client's close frame is answered with the same code (RFC 6455, 5.5.1).
    let mut echo: Option<CloseReason> = None;

    let close = loop {
        tokio::select! {
            _ = &mut init_deadline, if !init_received => break Some((4408, "Connection initialisation timeout")),
            _ = shutdown.changed() => break Some((1001, "The server is shutting down")),
            _ = keepalive.tick() => {
                if session.text(json!({"type": "ping"}).to_string()).await.is_err() { break None; }
            }
            out = outgoing.recv() => match out {
                Some(Outgoing::Message(message)) => {
                    if session.text(message.to_string()).await.is_err() { break None; }
                }
                Some(Outgoing::Completed(id)) => {
                    if subscriptions.remove(&id).is_some()
                        && session.text(json!({"id": id, "type": "complete"}).to_string()).await.is_err() { break None; }
                }
                Some(Outgoing::Failed(id, errors)) => {
                    if subscriptions.remove(&id).is_some()
                        && session.text(json!({"id": id, "type": "error", "payload": errors}).to_string()).await.is_err() { break None; }
                }
                None => break None,
            },
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(actix_ws::AggregatedMessage::Text(text))) => text,
                    Some(Ok(actix_ws::AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { break None; }
                        continue;
                    }
                    Some(Ok(actix_ws::AggregatedMessage::Pong(_))) => continue,
                    Some(Ok(actix_ws::AggregatedMessage::Binary(_))) => break Some((4400, "Messages are JSON text")),
                    Some(Ok(actix_ws::AggregatedMessage::Close(reason))) => {
                        echo = reason;
                        break None;
                    }
                    None => break None,
                    Some(Err(_)) => break Some((4400, "Malformed WebSocket frame")),
                };
                let Ok(message) = serde_json::from_str::<Value>(&text) else {
                    break Some((4400, "Invalid message received"));
                };
                match message.get("type").and_then(Value::as_str) {
                    Some("connection_init") => {
                        if init_received {
                            break Some((4429, "Too many initialisation requests"));
                        }
                        init_received = true;
                        match authenticate(&state, message.get("payload"), &request_id).await {
                            Ok(authenticated) => ctx = Some(authenticated),
                            Err(()) => break Some((4403, "Forbidden")),
                        }
                        if session.text(json!({"type": "connection_ack"}).to_string()).await.is_err() { break None; }
                    }
                    Some("ping") => {
                        if session.text(json!({"type": "pong"}).to_string()).await.is_err() { break None; }
                    }
                    Some("pong") => {}
                    Some("subscribe") => {
                        let Some(ctx) = ctx.clone() else { break Some((4401, "Unauthorized")) };
                        let Some(id) = message.get("id").and_then(Value::as_str).map(str::to_owned) else {
                            break Some((4400, "A subscribe message has an id"));
                        };
                        if subscriptions.contains_key(&id) {
                            break Some((4409, "Subscriber for this id already exists"));
                        }
                        let Some(request) = message.get("payload").cloned().and_then(|p| serde_json::from_value::<async_graphql::Request>(p).ok()) else {
                            break Some((4400, "A subscribe message carries a GraphQL request"));
                        };
                        let counted = metrics.as_ref().map(|m| m.subscription_opened());
                        let task = tokio::spawn(forward(state.clone(), request, ctx, id.clone(), sender.clone(), counted).instrument(tracing::Span::current()));
                        subscriptions.insert(id, task);
                    }
                    Some("complete") => {
                        if let Some(task) = message.get("id").and_then(Value::as_str).and_then(|id| subscriptions.remove(id)) {
                            task.abort();
                        }
                    }
                    _ => break Some((4400, "Invalid message received")),
                }
            }
        }
    };
    for (_, task) in subscriptions.drain() {
        task.abort();
    }
    let reason = close.map(|(code, description)| CloseReason {
        code: CloseCode::Other(code),
        description: Some(description.to_owned()),
    });
    let reason = reason.map(|r| {
        if matches!(r.code, CloseCode::Other(1001)) {
            CloseReason {
                code: CloseCode::Away,
                ..r
            }
        } else {
            r
        }
    });
    let _ = session.close(reason.or(echo)).await;
}

/// The caller of a connection: its token comes in `connection_init`'s payload, as
/// `{"Authorization": "Bearer …"}` or `{"token": "…"}`. No token is an anonymous connection.
async fn authenticate(
    state: &AppState,
    payload: Option<&Value>,
    request_id: &str,
) -> Result<Ctx, ()> {
    let token = payload.and_then(|p| {
        p.get("Authorization")
            .or_else(|| p.get("authorization"))
            .and_then(Value::as_str)
            .map(|h| h.strip_prefix("Bearer ").unwrap_or(h).trim().to_owned())
            .or_else(|| p.get("token").and_then(Value::as_str).map(str::to_owned))
    });
    match token {
        None => Ok(Ctx::new(None, request_id)),
        Some(token) => state
            .tokens
            .authenticate(&state.services.db, &token)
            .await
            .map(|p| Ctx::new(Some(p), request_id))
            .map_err(|_| ()),
    }
}

async fn forward(
    state: std::sync::Arc<AppState>,
    request: async_graphql::Request,
    ctx: Ctx,
    id: String,
    sender: mpsc::Sender<Outgoing>,
    _counted: Option<super::metrics::GaugeGuard>,
) {
    let request = graphql::prepare(request, &state.services, ctx);
    let mut responses = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut response) = responses.next().await {
        graphql::errors::label(&mut response);
        // A request that fails before execution (parse, validation, limits) is answered with
        // the protocol's `error` message, which ends the operation without `complete`.
        if first && response.is_err() && response.data == async_graphql::Value::Null {
            let errors = serde_json::to_value(&response.errors).unwrap_or(Value::Null);
            let _ = sender.send(Outgoing::Failed(id, errors)).await;
            return;
        }
        first = false;
        let payload = serde_json::to_value(&response).unwrap_or(Value::Null);
        if sender
            .send(Outgoing::Message(
                json!({"id": id, "type": "next", "payload": payload}),
            ))
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = sender.send(Outgoing::Completed(id)).await;
}
