//! Runs one GraphQL operation the way every transport must: within the request's budget (its
//! time, its share of the pool), with a panic anywhere answered as a masked `INTERNAL` instead
//! of taking the worker and its other connections down, with one error summary in the log, and
//! with a read that met a connection broken by a database restart run again on a fresh one.

use super::{errors, MptfSchema};
use crate::service::budget::{self, RequestBudget};
use crate::service::retry;
use crate::service::{Ctx, Services};
use async_graphql::parser::types::OperationType;
use async_graphql::{Response, ServerError, Variables};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// What one request may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// Longest a query or mutation may run before it is cancelled with `REQUEST_TIMEOUT`.
    pub max_time: Duration,
    /// Most pooled database connections one request holds at once.
    pub pool_share: usize,
    /// How many times an operation that failed on a broken connection before any commit is
    /// run again (each broken connection is discarded by the pool as it fails).
    pub connection_retries: usize,
}

impl RequestLimits {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let pool = if settings.is_sqlite() {
            1
        } else {
            settings.db_max_connections.max(1) as usize
        };
        let share = match settings.security.db_connections_per_request as usize {
            0 => (pool / 3).max(1),
            n => n.min(pool),
        };
        Self {
            max_time: Duration::from_secs(settings.security.max_request_secs),
            pool_share: share,
            connection_retries: pool,
        }
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_time: Duration::from_secs(10),
            pool_share: 3,
            connection_retries: 10,
        }
    }
}

/// The parts of a request needed to run it again.
struct Replayable {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    extensions: async_graphql::Extensions,
}

impl Replayable {
    fn of(request: &async_graphql::Request) -> Self {
        Self {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            extensions: request.extensions.clone(),
        }
    }

    fn request(&self) -> async_graphql::Request {
        let mut request =
            async_graphql::Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        request.extensions = self.extensions.clone();
        request
    }
}

/// An executed operation and the SQL statements it sent (over every attempt).
pub struct Executed {
    pub response: Response,
    pub statements: u64,
}

/// Runs a query or mutation. Subscriptions go through [`stream`].
pub async fn execute(
    schema: &MptfSchema,
    services: &Services,
    limits: &RequestLimits,
    mut request: async_graphql::Request,
    ctx: Ctx,
) -> Executed {
    let request_id = ctx.request_id.clone();
    if operation(&mut request).is_some_and(|o| o.kind == OperationType::Subscription) {
        return Executed {
            response: Response::from_errors(vec![super::limits::refusal(
                "BAD_REQUEST",
                "a subscription runs over WebSocket: open /graphql with the graphql-transport-ws protocol",
            )]),
            statements: 0,
        };
    }
    let replay = Replayable::of(&request);
    let mut request = Some(request);
    let mut statements = 0;
    let mut attempt = 0;
    loop {
        let this = request.take().unwrap_or_else(|| replay.request());
        let request_budget = RequestBudget::new(limits.pool_share);
        let prepared = super::prepare(this, services, ctx.clone());
        let (mut response, outcome) = retry::attempt(guarded(
            schema.execute(prepared),
            &request_budget,
            limits.max_time,
            &request_id,
        ))
        .await;
        statements += request_budget.statements();
        // Nothing was committed (the failure came before any COMMIT was sent), so the
        // operation — a read, or a command whose transaction never reached its commit — runs
        // again on a fresh connection.
        let again = attempt < limits.connection_retries
            && outcome.retryable()
            && has_internal_error(&response);
        log_errors(&request_budget, &request_id, again);
        if again {
            attempt += 1;
            continue;
        }
        errors::label(&mut response);
        return Executed {
            response,
            statements,
        };
    }
}

/// Runs `work` as one request: within `request_budget`, for at most `max_time`, a panic caught
/// and answered as a masked `INTERNAL`.
async fn guarded(
    work: impl std::future::Future<Output = Response>,
    request_budget: &std::sync::Arc<RequestBudget>,
    max_time: Duration,
    request_id: &str,
) -> Response {
    let run = budget::scope(
        request_budget.clone(),
        AssertUnwindSafe(work).catch_unwind(),
    );
    match tokio::time::timeout(max_time, run).await {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => {
            request_budget.record_error(&format!("panic: {}", panic_message(&panic)));
            Response::from_errors(vec![errors::internal_server_error(request_id)])
        }
        Err(_) => Response::from_errors(vec![timeout_error(max_time)]),
    }
}

/// Runs a subscription (or, over WebSocket, any operation) as a stream of responses. Queries
/// and mutations keep the time limit; every event of a subscription is resolved within the
/// operation's pool share, and a panic ends the stream with a masked `INTERNAL`.
pub fn stream(
    schema: MptfSchema,
    services: Services,
    limits: RequestLimits,
    mut request: async_graphql::Request,
    ctx: Ctx,
) -> futures::stream::BoxStream<'static, Response> {
    use futures::StreamExt;
    let request_id = ctx.request_id.clone();
    let is_subscription =
        operation(&mut request).is_some_and(|o| o.kind == OperationType::Subscription);
    if !is_subscription {
        // One response: the same path as HTTP.
        return futures::stream::once(async move {
            execute(&schema, &services, &limits, request, ctx)
                .await
                .response
        })
        .boxed();
    }
    let request_budget = RequestBudget::new(limits.pool_share);
    let prepared = super::prepare(request, &services, ctx);
    let responses = schema.execute_stream(prepared);
    futures::stream::unfold(
        (responses, request_budget, request_id, false),
        |(mut responses, request_budget, request_id, ended)| async move {
            if ended {
                return None;
            }
            let next = budget::scope(
                request_budget.clone(),
                AssertUnwindSafe(responses.next()).catch_unwind(),
            )
            .await;
            let (response, ended) = match next {
                Ok(Some(mut response)) => {
                    errors::label(&mut response);
                    (response, false)
                }
                Ok(None) => return None,
                Err(panic) => {
                    request_budget.record_error(&format!("panic: {}", panic_message(&panic)));
                    (
                        Response::from_errors(vec![errors::internal_server_error(&request_id)]),
                        true,
                    )
                }
            };
            log_errors(&request_budget, &request_id, false);
            request_budget.reset_errors();
            Some((response, (responses, request_budget, request_id, ended)))
        },
    )
    .boxed()
}

/// What a request runs: its operation's type and name.
pub struct Operation {
    pub kind: OperationType,
    pub name: Option<String>,
}

/// The operation a request runs, read with async-graphql's own parser. The document is parsed
/// once: async-graphql keeps the parse in the request and executes from it. `None` when the
/// document is over the token limit (it is refused before any parse) or does not parse (the
/// schema refuses it with its own code). The token count stays our own: async-graphql 7.2's
/// parser has no token limit.
pub fn operation(request: &mut async_graphql::Request) -> Option<Operation> {
    const MAX_TOKENS_TO_PARSE: usize = 10_000;
    if super::limits::count_tokens(&request.query, MAX_TOKENS_TO_PARSE) > MAX_TOKENS_TO_PARSE {
        return None;
    }
    let wanted = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let (name, definition) = match &wanted {
        Some(wanted) => document
            .operations
            .iter()
            .find(|(name, _)| name.map(|n| n.as_str()) == Some(wanted.as_str()))?,
        None => document.operations.iter().next()?,
    };
    Some(Operation {
        kind: definition.node.ty,
        name: name.map(|n| n.to_string()),
    })
}

fn has_internal_error(response: &Response) -> bool {
    response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_none_or(|code| *code == async_graphql::Value::from("INTERNAL"))
    })
}

fn timeout_error(limit: Duration) -> ServerError {
    super::limits::refusal(
        "REQUEST_TIMEOUT",
        format!(
            "the request ran longer than {} s and was stopped; ask for less at once (smaller pages, fewer nested lists)",
            limit.as_secs_f64()
        ),
    )
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// One log line for all the internal errors of a request: how many, and the first one's detail
/// (bounded); the details of each are at debug level.
fn log_errors(request_budget: &RequestBudget, request_id: &str, retrying: bool) {
    let summary = request_budget.errors();
    if summary.count == 0 {
        return;
    }
    let first = summary.first.as_deref().unwrap_or_default();
    if retrying {
        tracing::warn!(
            request_id,
            errors = summary.count,
            first,
            "the operation met a broken database connection before any commit; running it again on a fresh one"
        );
    } else {
        tracing::error!(request_id, errors = summary.count, first, "internal errors");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(response: &Response) -> String {
        let value = serde_json::to_value(&response.errors).unwrap();
        value[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[tokio::test]
    async fn a_panic_is_a_masked_internal_error_and_the_next_request_runs() {
        let budget = RequestBudget::new(1);
        let panicking = async {
            let values: Vec<u8> = Vec::new();
            // An out-of-bounds index, as a bug in a resolver would do.
            let _ = values[values.len()];
            Response::new(async_graphql::Value::Null)
        };
        let response = guarded(panicking, &budget, Duration::from_secs(1), "req-1").await;
        assert_eq!(code(&response), "INTERNAL");
        let text = serde_json::to_string(&response.errors).unwrap();
        assert!(
            text.contains("req-1") && !text.contains("index out of bounds"),
            "{text}"
        );
        assert_eq!(budget.errors().count, 1);
        let fine = guarded(
            async { Response::new(async_graphql::Value::from(1)) },
            &RequestBudget::new(1),
            Duration::from_secs(1),
            "req-2",
        )
        .await;
        assert!(fine.errors.is_empty());
    }

    #[tokio::test]
    async fn a_request_past_its_time_is_cancelled_with_a_code() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::new(async_graphql::Value::Null)
        };
        let started = std::time::Instant::now();
        let response = guarded(slow, &RequestBudget::new(1), Duration::from_millis(50), "r").await;
        assert_eq!(code(&response), "REQUEST_TIMEOUT");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
