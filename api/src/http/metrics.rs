//! Observability of every request: the request id and its tracing span, the access log, and the
//! Prometheus metrics served at `/metrics`.
//!
//! Who reads `/metrics` ([`MetricsAccess`]): with MPTF_METRICS_LISTEN, only its own listener
//! serves them (the API's port answers 404); with MPTF_METRICS_TOKEN, only callers sending
//! `Authorization: Bearer <token>`; without either, anyone on the API's port in development and
//! no one in the production profile (the figures tell an outsider the traffic, the operations
//! used and the pool's state).

use crate::service::StatementCounter;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Operation names come from clients: past this many distinct ones, new names are counted as
/// `other` so that a caller cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

const LATENCY_BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The metrics of one server (tests run several servers in one process, so nothing is global).
pub struct Metrics {
    registry: Registry,
    graphql_requests: IntCounterVec,
    graphql_duration: HistogramVec,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    subscriptions_open: IntGauge,
    websockets_open: IntGauge,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    statements_total: IntCounter,
    statements_seen: Mutex<u64>,
    operation_names: Mutex<HashSet<String>>,
    db: DatabaseConnection,
    statements: StatementCounter,
}

impl Metrics {
    pub fn new(db: DatabaseConnection, statements: StatementCounter) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let graphql_requests = IntCounterVec::new(
            Opts::new(
                "mptf_graphql_requests_total",
                "GraphQL requests over HTTP by operation name and outcome (ok, user_error, error)",
            ),
            &["operation", "outcome"],
        )?;
        let graphql_duration = HistogramVec::new(
            HistogramOpts::new(
                "mptf_graphql_request_duration_seconds",
                "Time to answer a GraphQL request over HTTP, by operation name and outcome",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation", "outcome"],
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "mptf_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "mptf_http_request_duration_seconds",
                "Time to answer an HTTP request, by route",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )?;
        let subscriptions_open = IntGauge::new(
            "mptf_subscriptions_open",
            "GraphQL subscriptions currently streaming over WebSocket",
        )?;
        let websockets_open = IntGauge::new(
            "mptf_websocket_connections_open",
            "WebSocket connections currently open",
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "mptf_db_pool_connections",
                "Database connections in the pool, by state (in_use, idle)",
            ),
            &["state"],
        )?;
        let pool_max = IntGauge::new(
            "mptf_db_pool_max_connections",
            "The most connections the pool opens",
        )?;
        let statements_total = IntCounter::new(
            "mptf_db_statements_total",
            "SQL statements sent to the database by this process",
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new("mptf_build_info", "The running version of mptf"),
            &["version"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        registry.register(Box::new(graphql_requests.clone()))?;
        registry.register(Box::new(graphql_duration.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(subscriptions_open.clone()))?;
        registry.register(Box::new(websockets_open.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(statements_total.clone()))?;
        registry.register(Box::new(build_info))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Self {
            registry,
            graphql_requests,
            graphql_duration,
            http_requests,
            http_duration,
            subscriptions_open,
            websockets_open,
            pool_connections,
            pool_max,
            statements_total,
            statements_seen: Mutex::new(0),
            operation_names: Mutex::new(HashSet::new()),
            db,
            statements,
        })
    }

    /// The exposition text, with the pool and statement figures read now.
    pub fn render(&self) -> String {
        let (size, idle, max) = match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => (0, 0, 0),
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set((i64::from(size) - idle).max(0));
        self.pool_max.set(i64::from(max));
        if let Ok(mut seen) = self.statements_seen.lock() {
            let now = self.statements.get();
            self.statements_total.inc_by(now.saturating_sub(*seen));
            *seen = now;
        }
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    /// Counts a subscription while the returned guard lives.
    pub fn subscription_opened(&self) -> GaugeGuard {
        GaugeGuard::new(&self.subscriptions_open)
    }

    /// Counts a WebSocket connection while the returned guard lives.
    pub fn websocket_opened(&self) -> GaugeGuard {
        GaugeGuard::new(&self.websockets_open)
    }

    fn operation_label(&self, name: &str) -> String {
        let Ok(mut names) = self.operation_names.lock() else {
            return "other".to_owned();
        };
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() >= MAX_OPERATION_NAMES {
            return "other".to_owned();
        }
        names.insert(name.to_owned());
        name.to_owned()
    }

    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.http_requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.http_duration
            .with_label_values(&[route])
            .observe(seconds);
    }

    fn record_graphql(&self, operation: &str, outcome: Outcome, seconds: f64) {
        let operation = self.operation_label(operation);
        let labels = [operation.as_str(), outcome.as_str()];
        self.graphql_requests.with_label_values(&labels).inc();
        self.graphql_duration
            .with_label_values(&labels)
            .observe(seconds);
    }
}

/// Decrements its gauge when dropped (a subscription ends however it ends).
pub struct GaugeGuard(IntGauge);

impl GaugeGuard {
    fn new(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// How a GraphQL request ended, as the metrics count it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without any error.
    Ok,
    /// The caller's mistake: `userErrors` in a payload, or a coded top-level error such as
    /// `BAD_USER_INPUT`, `FORBIDDEN` or `GRAPHQL_VALIDATION_FAILED`.
    UserError,
    /// The server's failure: an `INTERNAL` or `UNAVAILABLE` error, or a 5xx answer.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UserError => "user_error",
            Outcome::Error => "error",
        }
    }

    /// The outcome of an executed request.
    pub fn of(response: &async_graphql::Response) -> Self {
        let code = |e: &async_graphql::ServerError| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|c| match c {
                    async_graphql::Value::String(s) => Some(s.clone()),
                    _ => None,
                })
        };
        if response
            .errors
            .iter()
            .any(|e| matches!(code(e).as_deref(), Some("INTERNAL" | "UNAVAILABLE") | None))
        {
            return Outcome::Error;
        }
        if !response.errors.is_empty() {
            return Outcome::UserError;
        }
        let payload_errors = match &response.data {
            async_graphql::Value::Object(fields) => fields.values().any(|payload| {
                matches!(payload, async_graphql::Value::Object(p)
                    if matches!(p.get("userErrors"), Some(async_graphql::Value::List(l)) if !l.is_empty()))
            }),
            _ => false,
        };
        if payload_errors {
            Outcome::UserError
        } else {
            Outcome::Ok
        }
    }
}

/// What the GraphQL handler leaves on the request for the middleware to count.
#[derive(Clone, Debug)]
struct GraphqlObservation {
    operation: String,
    outcome: Outcome,
}

/// Called by the GraphQL handler once the request is executed.
pub fn observe(req: &HttpRequest, operation: String, response: &async_graphql::Response) {
    req.extensions_mut().insert(GraphqlObservation {
        operation,
        outcome: Outcome::of(response),
    });
}

/// The label of an operation in the metrics: its name (as `operationName` chose it, or the
/// document's only operation has it), else `anonymous`; never more than 64 plain characters, so
/// a caller cannot make labels of any text.
pub fn operation_label(name: Option<&str>) -> String {
    name.map(sanitize).unwrap_or_else(|| "anonymous".to_owned())
}

fn sanitize(name: &str) -> String {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        name.to_owned()
    } else {
        "invalid".to_owned()
    }
}

/// The route a request matched (its pattern, so ids in paths do not multiply the series).
fn route_of(req: &HttpRequest) -> String {
    req.match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned())
}

/// Wraps every request: settles its id (the caller's `x-request-id` when well-formed, else a new
/// one, which the handlers then read), runs it inside a `request` span carrying that id, logs it
/// and counts it, and echoes the id in the response.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let request_id = super::request_id(req.request());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(REQUEST_ID, value);
    }
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().as_str().to_owned();
    let route = route_of(req.request());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
    );
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status();
    if !response.headers().contains_key(REQUEST_ID) {
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
    }
    let observation = response
        .request()
        .extensions()
        .get::<GraphqlObservation>()
        .cloned();
    if let Some(metrics) = &metrics {
        metrics.record(&route, &method, status.as_u16(), seconds);
        if route == "/graphql" && status != actix_web::http::StatusCode::SWITCHING_PROTOCOLS {
            let (operation, outcome) = match &observation {
                Some(o) => (o.operation.as_str(), o.outcome),
                // Refused before execution (body, media type, method, token).
                None if status.is_server_error() => ("none", Outcome::Error),
                None => ("none", Outcome::UserError),
            };
            metrics.record_graphql(operation, outcome, seconds);
        }
    }
    span.in_scope(|| {
        let milliseconds = seconds * 1000.0;
        let operation = observation.as_ref().map(|o| o.operation.as_str());
        let outcome = observation.as_ref().map(|o| o.outcome.as_str());
        let status = status.as_u16();
        if matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics") && status < 400 {
            tracing::debug!(target: "mptf::access", status, milliseconds, "request");
        } else if status >= 500 {
            tracing::warn!(target: "mptf::access", status, milliseconds, operation, outcome, "request");
        } else {
            tracing::info!(target: "mptf::access", status, milliseconds, operation, outcome, "request");
        }
    });
    Ok(response)
}

/// Who may read `/metrics` on one listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Anyone who reaches the listener.
    Open,
    /// Callers sending this bearer token.
    Token(String),
    /// Not served here (404).
    NotHere,
}

impl MetricsAccess {
    /// On the API's own port.
    pub fn for_api(settings: &crate::config::Settings) -> Self {
        let security = &settings.security;
        match (&security.metrics_listen, &security.metrics_token) {
            (Some(_), _) => Self::NotHere,
            (None, Some(token)) => Self::Token(token.0.trim().to_owned()),
            (None, None) if settings.development() => Self::Open,
            (None, None) => Self::NotHere,
        }
    }

    /// On the separate MPTF_METRICS_LISTEN listener.
    pub fn for_metrics_listener(settings: &crate::config::Settings) -> Self {
        match &settings.security.metrics_token {
            Some(token) => Self::Token(token.0.trim().to_owned()),
            None => Self::Open,
        }
    }
}

/// Compares in time that depends only on the lengths, so that the answer's timing does not
/// reveal how much of a guessed token was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// `GET /metrics`: the Prometheus exposition, to those [`MetricsAccess`] lets in. A listener
/// without an access setting serves nothing.
pub async fn metrics(
    req: HttpRequest,
    metrics: Option<web::Data<Metrics>>,
    access: Option<web::Data<MetricsAccess>>,
) -> HttpResponse {
    let access = access
        .as_ref()
        .map_or(&MetricsAccess::NotHere, |a| a.get_ref());
    let Some(metrics) = metrics else {
        return HttpResponse::NotFound().finish();
    };
    match access {
        MetricsAccess::NotHere => return HttpResponse::NotFound().finish(),
        MetricsAccess::Token(expected) => {
            let given = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| super::bearer_token(v).ok())
                .unwrap_or("");
            if !same_secret(given.as_bytes(), expected.as_bytes()) {
                return HttpResponse::Unauthorized()
                    .insert_header((
                        actix_web::http::header::WWW_AUTHENTICATE,
                        "Bearer realm=\"metrics\"",
                    ))
                    .finish();
            }
        }
        MetricsAccess::Open => {}
    }
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(metrics.render())
}
