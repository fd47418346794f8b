//! GraphQL over HTTP: `POST /graphql` (JSON), `GET /graphql` for queries only, WebSocket
//! subscriptions, GraphiQL, and the health endpoints.

pub mod documents;
pub mod graphiql;
pub mod guard;
pub mod metrics;
pub mod ws;

use crate::auth::{TokenError, Tokens};
use crate::config::Settings;
use crate::graphql::{self, MptfSchema};
use crate::service::{Ctx, Services};
use actix_cors::Cors;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::parser::types::OperationType;
use serde_json::json;
use std::time::Duration;

/// What every request handler shares.
pub struct AppState {
    pub schema: MptfSchema,
    pub services: Services,
    pub tokens: Tokens,
    pub graphiql: bool,
    pub expose_sql_count: bool,
    pub ws_init_timeout: Duration,
    /// Flips to true when the server starts shutting down (closes WebSockets politely).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub http: HttpOptions,
    /// What one request may use: time, pool share, retries on broken connections.
    pub requests: graphql::execution::RequestLimits,
    pub ws_limits: ws::WsLimits,
    /// The WebSockets open per caller.
    pub sockets: ws::SocketRegistry,
    /// What the IATI export publishes, under which identifiers.
    pub iati: crate::interchange::iati::IatiOptions,
}

/// How the HTTP layer guards the API.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Whether `GET /graphql` answers queries (never mutations).
    pub graphql_get: bool,
    pub max_body_bytes: usize,
    /// The largest document file `attachDocument` accepts (MPTF_MAX_DOCUMENT_BYTES).
    pub max_document_bytes: usize,
    /// Documents with more tokens are not even parsed (the schema's limit says the same).
    pub max_tokens: usize,
    /// Dashboards' origins allowed cross-origin; empty: any in development, none in production.
    pub cors_origins: Vec<String>,
    pub production: bool,
}

impl HttpOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            graphql_get: settings.graphql_get_enabled(),
            max_body_bytes: settings.security.max_body_bytes,
            max_document_bytes: settings.security.max_document_bytes,
            max_tokens: settings.security.max_tokens,
            cors_origins: settings.security.cors_origins.clone(),
            production: !settings.development(),
        }
    }
}

/// Headers on every response: API responses are JSON that nothing may frame, sniff, cache or
/// run scripts from; in production, browsers must keep to HTTPS.
pub fn security_headers(options: &HttpOptions) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add(("Cache-Control", "no-store"));
    if options.production {
        headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// Cross-origin access for the configured dashboards only (any origin in development when none
/// is configured). Tokens travel in the `Authorization` header, never in cookies, so no
/// credentials are allowed.
pub fn cors(options: &HttpOptions) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(3600);
    let any = options.cors_origins.iter().any(|o| o == "*")
        || (options.cors_origins.is_empty() && !options.production);
    if any {
        return cors.allow_any_origin();
    }
    options
        .cors_origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/", web::get().to(graphiql::page))
        .route(
            "/graphiql/assets/{hash}/{name}",
            web::get().to(graphiql::asset),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route(
            "/iati/activities.xml",
            web::get().to(crate::interchange::iati::activities_xml),
        )
        .route("/documents/{id}", web::get().to(documents::download))
        .route(
            "/export/{name}",
            web::get().to(crate::interchange::csv::export_csv),
        )
        .configure(crate::pages::configure);
}

/// The largest body a request may have: `max_body_bytes`, and `max_document_bytes` more for a
/// GraphQL multipart request (one that carries a document's file).
pub fn body_limit(
    headers: &actix_web::http::header::HeaderMap,
    max_body_bytes: usize,
    max_document_bytes: usize,
) -> usize {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if multipart {
        max_body_bytes.saturating_add(max_document_bytes)
    } else {
        max_body_bytes
    }
}

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The request id a caller sent, or a new one.
pub fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Which media type the caller wants back.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains(GRAPHQL_RESPONSE)
        && !accept
            .split(',')
            .next()
            .unwrap_or("")
            .contains("application/json")
}

pub(crate) fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    graphql_response: bool,
) -> HttpResponse {
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(("x-request-id", request_id.to_owned()))
        .body(json!({"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}).to_string())
}

/// The token of an `Authorization` header's value: `Bearer <token>`, the scheme in any case.
/// HTTP and WebSocket read it with this one function, so both accept exactly the same forms.
/// A value without a scheme (a bare token) or with another scheme is refused with a message
/// that says what to send.
pub fn bearer_token(value: &str) -> Result<&str, TokenError> {
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(TokenError::Invalid)
            } else {
                Ok(token)
            }
        }
        Some(_) => Err(TokenError::UnsupportedScheme),
        None if value.eq_ignore_ascii_case("bearer") || value.is_empty() => {
            Err(TokenError::Invalid)
        }
        None => Err(TokenError::MissingScheme),
    }
}

/// Reads the bearer token, if any. A token that does not verify, or whose user account is
/// deactivated, is refused outright rather than treated as anonymous.
pub(crate) async fn caller(
    req: &HttpRequest,
    state: &AppState,
    request_id: &str,
) -> Result<Ctx, TokenError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Ctx::new(None, request_id));
    };
    let token = value
        .to_str()
        .map_err(|_| TokenError::Invalid)
        .and_then(bearer_token)?;
    state
        .tokens
        .authenticate(&state.services.db, token)
        .await
        .map(|p| Ctx::new(Some(p), request_id))
}

/// The answer to a request whose token was refused (401 with the RFC 6750 challenge), or 503
/// when the accounts could not be checked.
pub(crate) fn unauthenticated(
    refused: TokenError,
    request_id: &str,
    graphql_response: bool,
) -> HttpResponse {
    if let TokenError::Unavailable = refused {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL",
            &format!("internal error; quote request id {request_id} to the fund's support"),
            request_id,
            graphql_response,
        );
    }
    let mut response = error_response(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        &refused.to_string(),
        request_id,
        graphql_response,
    );
    // RFC 6750: a request without a usable credential gets the bare challenge; a token that
    // does not hold gets `invalid_token`.
    let challenge = match refused {
        TokenError::MissingScheme | TokenError::UnsupportedScheme => "Bearer",
        _ => "Bearer error=\"invalid_token\"",
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Reads a body of at most `limit` bytes: `Err(true)` when it is larger, `Err(false)` when it
/// could not be read.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, bool> {
    use futures::StreamExt;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(true);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| false)?;
        if body.len() + chunk.len() > limit {
            return Err(true);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

async fn graphql_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let request_id = request_id(&req);
    let graphql_response = wants_graphql_response(&req);
    let limit = body_limit(
        req.headers(),
        state.http.max_body_bytes,
        state.http.max_document_bytes,
    );
    // A multipart request carries a document's file, and only `attachDocument` takes one: it
    // needs a token. Asked before the body is read, so no anonymous caller has 10 MiB read, and
    // a form another site submits (multipart needs no CORS preflight; a bearer token does) never
    // runs as GraphQL.
    if limit > state.http.max_body_bytes && !req.headers().contains_key(header::AUTHORIZATION) {
        let mut response = error_response(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "a multipart request carries a document's file for `attachDocument`, which needs a bearer token: send `Authorization: Bearer <token>`",
            &request_id,
            graphql_response,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    let body = match read_body(&req, payload, limit).await {
        Ok(body) => body,
        Err(true) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &if limit > state.http.max_body_bytes {
                    format!(
                        "the request body is larger than {limit} bytes: a document's file is at most {} bytes (MPTF_MAX_DOCUMENT_BYTES)",
                        state.http.max_document_bytes
                    )
                } else {
                    format!(
                        "the request body is larger than {} bytes",
                        state.http.max_body_bytes
                    )
                },
                &request_id,
                graphql_response,
            )
        }
        Err(false) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
                &request_id,
                graphql_response,
            )
        }
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let request: async_graphql::Request = match media_type.as_str() {
        "application/json" | "application/graphql-response+json" => {
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(serde_json::Value::Array(_)) => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        "BATCH_NOT_SUPPORTED",
                        "send one operation per request; batches are not accepted",
                        &request_id,
                        graphql_response,
                    )
                }
                Ok(value) if value.get("query").and_then(|q| q.as_str()).is_none() => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        "BAD_REQUEST",
                        "the request has no `query` string",
                        &request_id,
                        graphql_response,
                    )
                }
                Ok(value) => match serde_json::from_value(value) {
                    Ok(request) => request,
                    Err(e) => {
                        return error_response(
                            StatusCode::BAD_REQUEST,
                            "BAD_REQUEST",
                            &format!("the body is not a GraphQL request: {e}"),
                            &request_id,
                            graphql_response,
                        )
                    }
                },
                Err(_) => {
                    return error_response(
                        StatusCode::BAD_REQUEST,
                        "BAD_REQUEST",
                        "the body is not valid JSON",
                        &request_id,
                        graphql_response,
                    )
                }
            }
        }
        "application/graphql" => match std::str::from_utf8(&body) {
            Ok(query) => async_graphql::Request::new(query),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "the body is not UTF-8",
                    &request_id,
                    graphql_response,
                )
            }
        },
        "multipart/form-data" => {
            match documents::receive_multipart(content_type, &body, &state.http).await {
                Ok(request) => request,
                Err((status, code, message)) => {
                    return error_response(status, code, &message, &request_id, graphql_response)
                }
            }
        }
        _ => {
            return error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the GraphQL request as application/json (or, with a document's file, as a GraphQL multipart request)",
                &request_id,
                graphql_response,
            )
        }
    };
    execute(req, request, state, request_id, graphql_response).await
}

async fn graphql_get(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    if req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    {
        return ws::upgrade(req, body, state)
            .await
            .unwrap_or_else(|e| e.error_response());
    }
    let request_id = request_id(&req);
    let graphql_response = wants_graphql_response(&req);
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if req.query_string().is_empty() && accept.contains("text/html") {
        return graphiql::page(state).await;
    }
    if !state.http.graphql_get {
        return method_not_allowed(
            "send GraphQL requests with POST",
            &request_id,
            graphql_response,
        );
    }
    let mut request = match async_graphql::http::parse_query_string(req.query_string()) {
        Ok(request) => request,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("the query string is not a GraphQL request: {e}"),
                &request_id,
                graphql_response,
            )
        }
    };
    // GET never changes anything (it would make mutations forgeable across sites).
    if matches!(
        graphql::execution::operation(&mut request).map(|o| o.kind),
        Some(OperationType::Mutation | OperationType::Subscription)
    ) {
        return method_not_allowed(
            "mutations are sent with POST",
            &request_id,
            graphql_response,
        );
    }
    execute(req, request, state, request_id, graphql_response).await
}

fn method_not_allowed(message: &str, request_id: &str, graphql_response: bool) -> HttpResponse {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        message,
        request_id,
        graphql_response,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

async fn execute(
    req: HttpRequest,
    request: async_graphql::Request,
    state: web::Data<AppState>,
    request_id: String,
    graphql_response: bool,
) -> HttpResponse {
    let ctx = match caller(&req, &state, &request_id).await {
        Ok(ctx) => ctx,
        Err(refused) => return unauthenticated(refused, &request_id, graphql_response),
    };
    let mut request = request;
    let operation = metrics::operation_label(
        graphql::execution::operation(&mut request)
            .and_then(|o| o.name)
            .as_deref(),
    );
    let request = request.data(crate::auth::throttle::ClientAddress(
        req.peer_addr().map(|a| a.ip()),
    ));
    let graphql::execution::Executed {
        mut response,
        statements,
    } = graphql::execution::execute(
        &state.schema,
        &state.services,
        &state.requests,
        request,
        ctx,
    )
    .await;
    metrics::observe(&req, operation, &response);
    if state.expose_sql_count {
        response.extensions.insert(
            "sqlStatements".to_owned(),
            async_graphql::Value::from(statements),
        );
    }
    // A request that failed before execution (parse, validation, limits) has no data.
    let status =
        if graphql_response && response.data == async_graphql::Value::Null && response.is_err() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let body = serde_json::to_vec(&ResponseBody::of(&response)).unwrap_or_default();
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            if graphql_response {
                GRAPHQL_RESPONSE
            } else {
                "application/json"
            },
        ))
        .insert_header(("x-request-id", request_id))
        .body(body)
}

/// A GraphQL response as the client reads it, serialized straight from the executor's values.
/// GraphQL over HTTP: a request error (no data at all) has no `data` entry.
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> ResponseBody<'a> {
    fn of(response: &'a async_graphql::Response) -> Self {
        let request_error = response.data == async_graphql::Value::Null && response.is_err();
        Self {
            data: (!request_error).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "alive"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match crate::startup::check_ready(&state.services.db).await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "reason": reason})),
    }
}
