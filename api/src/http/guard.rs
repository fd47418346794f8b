//! What every request passes before the API sees it: a cap on the connections one client
//! address holds (429 TOO_MANY_REQUESTS), a deadline for the whole request body (408
//! REQUEST_TIMEOUT; the headers have their own, `client_request_timeout`), and the count of
//! requests in flight, so that a shutdown that cuts some off says how many.
//!
//! A client that trickles bodies a byte at a time would otherwise hold a connection, a worker's
//! attention and a buffer for as long as it likes, a thousand times over.

use crate::service::retry;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use futures::StreamExt;
use serde_json::json;
use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The guard's settings and counters, shared by every worker.
pub struct Guard {
    body_timeout: Duration,
    max_body_bytes: usize,
    /// The largest document file (a multipart request may be this much larger).
    max_document_bytes: usize,
    /// 0: no cap.
    max_connections_per_client: usize,
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    in_flight: Arc<AtomicUsize>,
    stopping: AtomicBool,
    cut_off: AtomicUsize,
}

impl Guard {
    pub fn new(
        body_timeout: Duration,
        max_body_bytes: usize,
        max_document_bytes: usize,
        max_connections_per_client: usize,
    ) -> Self {
        Self {
            body_timeout,
            max_body_bytes,
            max_document_bytes,
            max_connections_per_client,
            clients: Arc::default(),
            in_flight: Arc::default(),
            stopping: AtomicBool::new(false),
            cut_off: AtomicUsize::new(0),
        }
    }

    /// The server's `on_connect` callback: counts the connection against its client's address
    /// for as long as it is open, and marks it when it is over the cap.
    pub fn on_connect(&self) -> impl Fn(&dyn Any, &mut Extensions) + Send + Sync + 'static {
        let clients = self.clients.clone();
        let cap = self.max_connections_per_client;
        move |connection, extensions| {
            if cap == 0 {
                return;
            }
            let Some(address) = connection
                .downcast_ref::<actix_web::rt::net::TcpStream>()
                .and_then(|stream| stream.peer_addr().ok())
                .map(|peer| peer.ip())
            else {
                return;
            };
            let open = {
                let mut clients = clients.lock().unwrap_or_else(|e| e.into_inner());
                let open = clients.entry(address).or_insert(0);
                *open += 1;
                *open
            };
            extensions.insert(ClientConnection {
                over_cap: open > cap,
                address,
                clients: clients.clone(),
            });
        }
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The server is shutting down: a request dropped unfinished from now on was cut off.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Requests cut off unfinished since the shutdown began.
    pub fn cut_off(&self) -> usize {
        self.cut_off.load(Ordering::SeqCst)
    }
}

/// One open connection of a client, counted until the connection closes.
struct ClientConnection {
    over_cap: bool,
    address: IpAddr,
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for ClientConnection {
    fn drop(&mut self) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = clients.get_mut(&self.address) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                clients.remove(&self.address);
            }
        }
    }
}

/// A request in flight, from its headers to its response.
struct InFlight<'a> {
    guard: &'a Guard,
    finished: bool,
}

impl<'a> InFlight<'a> {
    fn start(guard: &'a Guard) -> Self {
        guard.in_flight.fetch_add(1, Ordering::SeqCst);
        Self {
            guard,
            finished: false,
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.guard.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.finished && self.guard.stopping.load(Ordering::SeqCst) {
            self.guard.cut_off.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The middleware: refuses the connections over a client's cap, receives the body within the
/// deadline, and runs the rest of the request as one [`retry::attempt`] (the scope its figures
/// and its connection failures are noted in).
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let Some(guard) = req.app_data::<web::Data<Guard>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let over_cap = req
        .conn_data::<ClientConnection>()
        .is_some_and(|c| c.over_cap);
    if over_cap {
        let message = format!(
            "this client has more than {} connections open: reuse connections, or wait for some to close",
            guard.max_connections_per_client
        );
        return Ok(refuse(
            req,
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            &message,
        ));
    }
    let mut in_flight = InFlight::start(&guard);
    if let Some(payload) = receive_body(&mut req, &guard).await {
        req.set_payload(payload);
    } else {
        let message = format!(
            "the request body did not arrive within {} s: send it whole, at once",
            guard.body_timeout.as_secs()
        );
        let response = refuse(
            req,
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            &message,
        );
        in_flight.finished = true;
        return Ok(response);
    }
    let (response, _) = retry::attempt(next.call(req)).await;
    in_flight.finished = true;
    Ok(response?.map_into_left_body())
}

/// The request's body, received within the deadline (None when it did not arrive in time). A
/// body larger than the limit is handed on as it comes, for the handler to refuse (413); a
/// WebSocket's stream is not a body and is left alone.
async fn receive_body(req: &mut ServiceRequest, guard: &Guard) -> Option<Payload> {
    if req.head().upgrade() {
        return Some(req.take_payload());
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let limit = super::body_limit(
        req.headers(),
        guard.max_body_bytes,
        guard.max_document_bytes,
    );
    let mut payload = req.take_payload();
    if declared.is_some_and(|length| length > limit) {
        return Some(payload);
    }
    let mut body = web::BytesMut::new();
    let receive = async {
        while let Some(chunk) = payload.next().await {
            match chunk {
                Ok(chunk) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > limit {
                        return Err(None);
                    }
                }
                Err(error) => return Err(Some(error)),
            }
        }
        Ok(())
    };
    let received = tokio::time::timeout(guard.body_timeout, receive)
        .await
        .ok()?;
    let body = body.freeze();
    Some(match received {
        Ok(()) => Payload::from(body),
        // Over the limit: what arrived, then the rest, so the handler sees the whole size.
        Err(None) => {
            let rest = futures::stream::once(async move { Ok(body) }).chain(payload);
            Payload::Stream {
                payload: Box::pin(rest),
            }
        }
        // A broken body (the client went away, bad chunking): the handler answers it as before.
        Err(Some(error)) => {
            let broken = futures::stream::once(async move { Err(error) });
            Payload::Stream {
                payload: Box::pin(broken),
            }
        }
    })
}

/// A JSON error answer that also closes the connection (the rest of what the client sends on it
/// is not read).
fn refuse<B>(
    req: ServiceRequest,
    status: StatusCode,
    code: &str,
    message: &str,
) -> ServiceResponse<EitherBody<B>> {
    let request_id = super::request_id(req.request());
    let mut response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header(("x-request-id", request_id.clone()))
        .force_close()
        .body(
            json!({"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]})
                .to_string(),
        );
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    req.into_response(response).map_into_right_body()
}
