//! What one request may use of the process: its share of the database pool, and the record of
//! what it spent (SQL statements) and what went wrong (one error summary, not a log line per
//! field). The request's budget travels with it as a task-local value, so every statement the
//! request sends — from a resolver, a loader batch or a service call — is counted and waits for
//! the request's share of the pool, whatever code path sends it.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// The most bytes of error detail one request writes to the log (the first error's detail is
/// cut there; the others are only counted).
pub const MAX_LOGGED_ERROR_BYTES: usize = 1_024;

/// One request's budget.
pub struct RequestBudget {
    /// Statements of this request that may run at the same time: at most this many pooled
    /// connections are ever held by one request, so that one request cannot starve the others.
    pool_share: Semaphore,
    statements: AtomicU64,
    errors: Mutex<ErrorSummary>,
}

/// The internal errors of one request: how many, and the first one's detail.
#[derive(Default, Debug, Clone)]
pub struct ErrorSummary {
    pub count: usize,
    pub first: Option<String>,
}

impl RequestBudget {
    pub fn new(pool_share: usize) -> Arc<Self> {
        Arc::new(Self {
            pool_share: Semaphore::new(pool_share.max(1)),
            statements: AtomicU64::new(0),
            errors: Mutex::default(),
        })
    }

    /// SQL statements this request has sent so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Remembers an internal error; only the first one's detail is kept, cut to
    /// [`MAX_LOGGED_ERROR_BYTES`].
    pub fn record_error(&self, detail: &str) {
        if let Ok(mut errors) = self.errors.lock() {
            errors.count += 1;
            if errors.first.is_none() {
                errors.first = Some(truncate(detail, MAX_LOGGED_ERROR_BYTES));
            }
        }
    }

    /// Starts a new summary (a subscription logs one per event it resolves).
    pub fn reset_errors(&self) {
        if let Ok(mut errors) = self.errors.lock() {
            *errors = ErrorSummary::default();
        }
    }

    pub fn errors(&self) -> ErrorSummary {
        self.errors.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

tokio::task_local! {
    static CURRENT: Arc<RequestBudget>;
}

/// Runs `work` as one request with `budget`.
pub async fn scope<F: Future>(budget: Arc<RequestBudget>, work: F) -> F::Output {
    CURRENT.scope(budget, work).await
}

/// The budget of the request running now, if any.
pub fn current() -> Option<Arc<RequestBudget>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// `work` carrying the current request's budget and attempt (see [`super::retry`]), for a task
/// spawned on the request's behalf (a DataLoader batch): task-local values do not cross
/// `tokio::spawn` by themselves.
pub fn inherit<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let budget = current();
    let attempt = super::retry::current();
    // The batch's spans (one per loader) belong to the request that started it.
    let span = tracing::Span::current();
    async move {
        let work = tracing::Instrument::instrument(super::retry::within(attempt, work), span);
        match budget {
            Some(budget) => CURRENT.scope(budget, work).await,
            None => work.await,
        }
    }
}

/// Counts one statement against the current request (called for every statement sent).
pub fn count_statement() {
    let _ = CURRENT.try_with(|b| b.statements.fetch_add(1, Ordering::Relaxed));
}

/// Records an internal error against the current request; false when there is no request (the
/// caller then logs it itself).
pub fn record_error(detail: &str) -> bool {
    CURRENT.try_with(|b| b.record_error(detail)).is_ok()
}

/// The process's database pool, as every request reads it: each statement waits for the
/// request's share of the pool first. Transactions (`begin`) are taken on the inner connection:
/// a command holds one connection for its transaction, and GraphQL runs a request's mutations
/// one after the other.
#[derive(Clone, Debug)]
pub struct Db(pub DatabaseConnection);

impl std::ops::Deref for Db {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.0
    }
}

impl From<DatabaseConnection> for Db {
    fn from(db: DatabaseConnection) -> Self {
        Db(db)
    }
}

/// Holds the current request's share of the pool while one statement runs.
async fn within_share<T>(work: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    let budget = current();
    let _permit = match &budget {
        Some(budget) => Some(
            budget
                .pool_share
                .acquire()
                .await
                .map_err(|_| DbErr::Custom("the request's pool share is closed".to_owned()))?,
        ),
        None => None,
    };
    let result = work.await;
    if let Err(error) = &result {
        // A broken connection: the request may run again on a fresh one.
        super::retry::note(error);
    }
    result
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        within_share(self.0.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        within_share(self.0.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        within_share(self.0.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        within_share(self.0.query_all_raw(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_batch_runs_in_the_span_of_the_request_that_started_it() {
        let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
        let request = tracing::info_span!("request");
        let batch = {
            let _entered = request.enter();
            tokio::spawn(inherit(async {
                tracing::Span::current().metadata().map(|m| m.name())
            }))
        };
        assert_eq!(batch.await.unwrap(), Some("request"));
        // Without `inherit`, a spawned task has no span.
        let bare = {
            let _entered = request.enter();
            tokio::spawn(async { tracing::Span::current().metadata().map(|m| m.name()) })
        };
        assert_eq!(bare.await.unwrap(), None);
    }

    #[test]
    fn details_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("ééé", 3), "é…");
        let long = "x".repeat(10_000);
        assert!(truncate(&long, MAX_LOGGED_ERROR_BYTES).len() <= MAX_LOGGED_ERROR_BYTES + 3);
    }

    #[tokio::test]
    async fn only_the_first_error_is_kept_and_all_are_counted() {
        let budget = RequestBudget::new(1);
        scope(budget.clone(), async {
            for i in 0..1_000 {
                assert!(record_error(&format!(
                    "failure {i} {}",
                    "detail ".repeat(500)
                )));
            }
            count_statement();
            inherit(async { count_statement() }).await;
        })
        .await;
        let errors = budget.errors();
        assert_eq!(errors.count, 1_000);
        assert!(errors.first.unwrap().starts_with("failure 0 "));
        assert_eq!(budget.statements(), 2);
        assert!(!record_error("outside a request"));
    }

    #[tokio::test]
    async fn a_request_holds_at_most_its_share_at_once() {
        let budget = RequestBudget::new(2);
        let peak = Arc::new(AtomicU64::new(0));
        let running = Arc::new(AtomicU64::new(0));
        scope(budget, async {
            let work = (0..10).map(|_| {
                let (peak, running) = (peak.clone(), running.clone());
                within_share(async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, DbErr>(())
                })
            });
            futures::future::join_all(work).await;
        })
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
