//! GraphQL subscriptions over WebSocket with the `graphql-transport-ws` protocol, including its
//! close codes: 4400 bad message, 4401 subscribe before ack, 4403 bad token, 4408 no init in
//! time, 4409 duplicate id, 4429 second init.
//!
//! The protocol loop is our own, not async-graphql-actix-web's `GraphQLSubscription`: that one
//! authenticates once, in `on_connection_init`, and offers no hook per `subscribe`, no timer to
//! re-check a token's expiry and account while the socket is open, and no cap on operations per
//! socket or sockets per caller — each of which this service promises (README, "Security").
//! What it can share, it does: every operation runs through `graphql::execution::stream` with the
//! same schema, limits and error labels as HTTP, and the token is read by `http::bearer_token`.

use super::AppState;
use crate::auth::TokenError;
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
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let metrics = req
        .app_data::<web::Data<super::metrics::Metrics>>()
        .map(|m| m.clone().into_inner());
    // The connection outlives the upgrade request: it keeps the request's span (and id).
    actix_web::rt::spawn(
        run(
            session,
            stream,
            state.into_inner(),
            request_id,
            peer,
            metrics,
        )
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
    peer: String,
    metrics: Option<std::sync::Arc<super::metrics::Metrics>>,
) {
    let _open = metrics.as_ref().map(|m| m.websocket_opened());
    let mut stream = stream.max_frame_size(64 * 1024).aggregate_continuations();
    let (sender, mut outgoing) = mpsc::channel::<Outgoing>(64);
    let mut caller: Option<Caller> = None;
    let mut _registered: Option<SocketGuard> = None;
    // The token is checked again before every operation and every few seconds: a socket never
    // outlives its token's expiry or its account.
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
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
            _ = recheck.tick(), if caller.is_some() => {
                if let Some(current) = &caller {
                    if !current.still_valid(&state).await {
                        break Some((4403, "Forbidden: the token expired or its account was deactivated; reconnect with a new token"));
                    }
                }
            }
            _ = keepalive.tick() => {
                if session.text(json!({"type": "ping"}).to_string()).await.is_err() { break None; }
            }
            out = outgoing.recv() => match out {
                Some(Outgoing::Message(message)) => {
                    // Nothing is delivered on an expired token, even between two checks.
                    if caller.as_ref().is_some_and(Caller::expired) {
                        break Some((4403, "Forbidden: the token expired; reconnect with a new token"));
                    }
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
                            Ok(authenticated) => {
                                let key = authenticated.socket_key(&peer);
                                match register_socket(&state, key, state.ws_limits.max_sockets_per_caller) {
                                    Some(guard) => _registered = Some(guard),
                                    None => break Some((1013, "Too many open connections for this caller; close another first")),
                                }
                                caller = Some(authenticated);
                            }
                            Err(refused) => break Some(refusal_close(&refused)),
                        }
                        if session.text(json!({"type": "connection_ack"}).to_string()).await.is_err() { break None; }
                    }
                    Some("ping") => {
                        if session.text(json!({"type": "pong"}).to_string()).await.is_err() { break None; }
                    }
                    Some("pong") => {}
                    Some("subscribe") => {
                        let Some(current) = &caller else { break Some((4401, "Unauthorized")) };
                        // Every operation is authorized as an HTTP request would be now.
                        if !current.still_valid(&state).await {
                            break Some((4403, "Forbidden: the token expired or its account was deactivated; reconnect with a new token"));
                        }
                        let ctx = current.ctx.clone();
                        let Some(id) = message.get("id").and_then(Value::as_str).map(str::to_owned) else {
                            break Some((4400, "A subscribe message has an id"));
                        };
                        if subscriptions.contains_key(&id) {
                            break Some((4409, "Subscriber for this id already exists"));
                        }
                        if subscriptions.len() >= state.ws_limits.max_subscriptions_per_socket {
                            let refusal = json!([{
                                "message": format!("at most {} operations may be open on one connection; complete one first", state.ws_limits.max_subscriptions_per_socket),
                                "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"}
                            }]);
                            if session.text(json!({"id": id, "type": "error", "payload": refusal}).to_string()).await.is_err() { break None; }
                            continue;
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

/// How often an open connection's token is checked again (expiry, account deactivated).
const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// Who a connection speaks for: the token it showed at `connection_init`, checked again before
/// every operation and every [`RECHECK_EVERY`].
struct Caller {
    ctx: Ctx,
    token: Option<String>,
    /// The token's `exp` (seconds since the epoch), read after its signature was verified.
    expires_at: Option<i64>,
}

impl Caller {
    /// Whether the token would still be accepted over HTTP now (an anonymous connection stays
    /// anonymous, which is always valid).
    async fn still_valid(&self, state: &AppState) -> bool {
        match &self.token {
            None => true,
            Some(token) => state
                .tokens
                .authenticate(&state.services.db, token)
                .await
                .is_ok(),
        }
    }

    /// Past the token's expiry, with the same leeway as its verification.
    fn expired(&self) -> bool {
        self.expires_at.is_some_and(|exp| {
            chrono::Utc::now().timestamp()
                > exp.saturating_add(crate::auth::tokens::LEEWAY_SECS as i64)
        })
    }

    /// Whose connections count together: the token's subject, or the address of an anonymous
    /// caller.
    fn socket_key(&self, peer: &str) -> String {
        match &self.ctx.principal {
            Some(principal) => format!("subject:{}", principal.subject),
            None => format!("address:{peer}"),
        }
    }
}

/// The caller of a connection: its token comes in `connection_init`'s payload as
/// `{"Authorization": "Bearer …"}`, read by the same function as HTTP's header, so both
/// transports accept exactly the same forms. No `Authorization` is an anonymous connection.
async fn authenticate(
    state: &AppState,
    payload: Option<&Value>,
    request_id: &str,
) -> Result<Caller, TokenError> {
    let header = payload.and_then(|p| p.get("Authorization").or_else(|| p.get("authorization")));
    let token = match header {
        Some(value) => {
            Some(super::bearer_token(value.as_str().ok_or(TokenError::Invalid)?)?.to_owned())
        }
        // A token under another key would otherwise make a silently anonymous connection.
        None if payload.is_some_and(|p| p.get("token").is_some()) => {
            return Err(TokenError::MissingScheme)
        }
        None => None,
    };
    let Some(token) = token else {
        return Ok(Caller {
            ctx: Ctx::new(None, request_id),
            token: None,
            expires_at: None,
        });
    };
    let principal = state
        .tokens
        .authenticate(&state.services.db, &token)
        .await?;
    Ok(Caller {
        ctx: Ctx::new(Some(principal), request_id),
        expires_at: verified_expiry(&token),
        token: Some(token),
    })
}

/// How a refused `connection_init` closes the socket: 4403 with what to fix, or 1011 when the
/// account could not be checked (the client may retry).
fn refusal_close(refused: &TokenError) -> (u16, &'static str) {
    match refused {
        TokenError::Unavailable => (
            1011,
            "The account behind the token cannot be checked right now; retry",
        ),
        TokenError::Expired => (
            4403,
            "Forbidden: the token has expired; reconnect with a new token",
        ),
        TokenError::Inactive => (4403, "Forbidden: the token's user account is deactivated"),
        TokenError::MissingScheme | TokenError::UnsupportedScheme => (
            4403,
            "Forbidden: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
        ),
        TokenError::Invalid | TokenError::BadClaims => (
            4403,
            "Forbidden: the token is malformed or not signed by this service",
        ),
    }
}

/// The `exp` claim of a token whose signature has already been verified.
fn verified_expiry(token: &str) -> Option<i64> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}

/// The WebSockets open per caller, so that one caller cannot hold them all.
#[derive(Default)]
pub struct SocketRegistry(std::sync::Mutex<HashMap<String, usize>>);

/// One registered connection; dropping it frees its place.
struct SocketGuard {
    registry: std::sync::Arc<AppState>,
    key: String,
}

impl SocketRegistry {
    fn register_key(&self, key: &str, max: usize) -> bool {
        let Ok(mut open) = self.0.lock() else {
            return false;
        };
        let count = open.entry(key.to_owned()).or_default();
        if *count >= max {
            return false;
        }
        *count += 1;
        true
    }

    fn release(&self, key: &str) {
        if let Ok(mut open) = self.0.lock() {
            if let Some(count) = open.get_mut(key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.registry.sockets.release(&self.key);
    }
}

/// Takes a place for one more connection of the caller `key`, if it has one left.
fn register_socket(
    state: &std::sync::Arc<AppState>,
    key: String,
    max: usize,
) -> Option<SocketGuard> {
    state.sockets.register_key(&key, max).then(|| SocketGuard {
        registry: state.clone(),
        key,
    })
}

/// Limits on WebSockets.
#[derive(Clone, Debug)]
pub struct WsLimits {
    pub max_subscriptions_per_socket: usize,
    pub max_sockets_per_caller: usize,
}

async fn forward(
    state: std::sync::Arc<AppState>,
    request: async_graphql::Request,
    ctx: Ctx,
    id: String,
    sender: mpsc::Sender<Outgoing>,
    _counted: Option<super::metrics::GaugeGuard>,
) {
    let mut responses = graphql::execution::stream(
        state.schema.clone(),
        state.services.clone(),
        state.requests.clone(),
        request,
        ctx,
    );
    let mut first = true;
    while let Some(response) = responses.next().await {
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
