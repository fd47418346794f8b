//! GraphQL over HTTP: `POST /graphql` (JSON), `GET /graphql` for queries only, WebSocket
//! subscriptions, GraphiQL, and the health endpoints.

pub mod ws;

use crate::auth::Tokens;
use crate::graphql::{self, MptfSchema};
use crate::service::{Ctx, Services};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::GraphiQLSource;
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
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql_post))
        .route("/graphql", web::get().to(graphql_get))
        .route("/", web::get().to(graphiql))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
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

fn error_response(
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

/// Reads the bearer token, if any. A token that does not verify is refused outright rather
/// than treated as anonymous.
fn caller(req: &HttpRequest, state: &AppState, request_id: &str) -> Result<Ctx, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Ctx::new(None, request_id));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(())?;
    state
        .tokens
        .verify(token.trim())
        .map(|p| Ctx::new(Some(p), request_id))
        .map_err(|_| ())
}

async fn graphql_post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let request_id = request_id(&req);
    let graphql_response = wants_graphql_response(&req);
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
        _ => {
            return error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the GraphQL request as application/json",
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
        return graphiql(state).await;
    }
    let request = match async_graphql::http::parse_query_string(req.query_string()) {
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
    if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
        let operation = match &request.operation_name {
            Some(name) => document
                .operations
                .iter()
                .find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str()))
                .map(|(_, op)| op.node.ty),
            None => document.operations.iter().next().map(|(_, op)| op.node.ty),
        };
        if matches!(
            operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        ) {
            let mut response = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations are sent with POST",
                &request_id,
                graphql_response,
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(req, request, state, request_id, graphql_response).await
}

async fn execute(
    req: HttpRequest,
    request: async_graphql::Request,
    state: web::Data<AppState>,
    request_id: String,
    graphql_response: bool,
) -> HttpResponse {
    let Ok(ctx) = caller(&req, &state, &request_id) else {
        let mut response = error_response(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "the bearer token is invalid or expired",
            &request_id,
            graphql_response,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return response;
    };
    let statements_before = state.services.statements.get();
    let request = graphql::prepare(request, &state.services, ctx);
    let mut response = state.schema.execute(request).await;
    graphql::errors::label(&mut response);
    if state.expose_sql_count {
        let statements = state.services.statements.get() - statements_before;
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
    let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
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

async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if !state.graphiql {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("mptf — Migration MPTF portfolio API")
                .finish(),
        )
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
