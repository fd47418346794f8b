//! Dead database connections: telling a broken connection from a failed statement, keeping the
//! pool from handing out the connections a database restart killed, and what one attempt at a
//! request has seen, so that the HTTP layer can run it again where nothing was committed.
//!
//! After PostgreSQL restarts, every pooled connection is dead, and the pool only finds out when
//! one is used (or has been idle for 30 s). So the first failure anywhere in the process (a
//! request's statement, the readiness probe, the event listener losing its connection) makes
//! every connection opened before it *suspect*: for the next [`SUSPICION`], a suspect connection
//! is pinged before it is handed out, and a dead one is discarded (the pool opens a fresh one).
//! Healthy times cost nothing.
//!
//! For the HTTP layer, [`attempt`] runs one attempt at a request in a task-local scope, and
//! returns what the attempt saw: a connection failure (noted by [`note`], which every
//! `DbErr → ServiceError` conversion calls) and whether a commit was attempted (by
//! `Services::commit_announcing`). [`Outcome::retryable`] is true when running the request again is safe
//! and likely to work.

use sea_orm::{DbErr, RuntimeErr};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long after a connection failure the connections opened before it are pinged before use.
pub const SUSPICION: Duration = Duration::from_secs(30);

/// True when the error says the connection is broken (closed, reset, refused, shut down by the
/// server), not that the statement failed (a constraint, a syntax error, a lock timeout): the
/// same work on another connection can succeed.
pub fn is_connection_error(error: &DbErr) -> bool {
    match error {
        DbErr::Conn(RuntimeErr::SqlxError(error))
        | DbErr::Exec(RuntimeErr::SqlxError(error))
        | DbErr::Query(RuntimeErr::SqlxError(error)) => is_broken(error),
        // A pool timeout means the database is unreachable or saturated, and a closed pool
        // means the process is stopping: running the work again would not help.
        _ => false,
    }
}

fn is_broken(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_) | Error::Tls(_) | Error::Protocol(_) | Error::WorkerCrashed => true,
        // PostgreSQL's class 08 (connection exception) and the server shutting the session down
        // (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
        Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Records a database error: when it is a connection failure, the current attempt is marked
/// (see [`attempt`]) and the pool's older connections become suspect.
pub fn note(error: &DbErr) {
    if is_connection_error(error) {
        connection_lost();
        if let Some(attempt) = current() {
            attempt.connection_failed.store(true, Ordering::SeqCst);
        }
    }
}

/// A connection to the database was found dead (by a request, the readiness probe or the
/// event listener): every connection opened until now is pinged before its next use.
pub fn connection_lost() {
    let since_start = u64::try_from(process_start().elapsed().as_millis()).unwrap_or(u64::MAX);
    // Stored plus one: zero means "never".
    LAST_FAILURE.store(since_start.saturating_add(1), Ordering::SeqCst);
}

static LAST_FAILURE: AtomicU64 = AtomicU64::new(0);

fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Whether a pooled connection of this age may have died in the last failure.
pub(crate) fn is_suspect(age: Duration) -> bool {
    let stored = LAST_FAILURE.load(Ordering::SeqCst);
    if stored == 0 {
        return false;
    }
    let failed_at = Duration::from_millis(stored - 1);
    let now = process_start().elapsed();
    let Some(since_failure) = now.checked_sub(failed_at) else {
        return false;
    };
    // Opened before the failure (a little slack for the clock's granularity), and the failure
    // is recent.
    since_failure <= SUSPICION && age + Duration::from_millis(5) >= since_failure
}

/// The pool's `before_acquire` check on PostgreSQL: a suspect connection is pinged, and a dead
/// one is discarded (the pool then tries another, or opens a fresh one).
pub(crate) fn check_before_use<'c>(
    connection: &'c mut sea_orm::sqlx::postgres::PgConnection,
    meta: sea_orm::sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'c, Result<bool, sea_orm::sqlx::Error>> {
    use sea_orm::sqlx::Connection;
    Box::pin(async move {
        if is_suspect(meta.age) {
            connection.ping().await?;
        }
        Ok(true)
    })
}

/// What one attempt at a request has seen, shared by everything it runs.
#[derive(Default)]
pub struct Attempt {
    connection_failed: AtomicBool,
    commit_attempted: AtomicBool,
    /// The fund's change counter as this attempt read it (see `figures`), once it has.
    pub(crate) fund_version: tokio::sync::Mutex<Option<i64>>,
}

/// What an attempt saw, once it is over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A statement failed because its connection was broken.
    pub connection_failed: bool,
    /// A transaction's COMMIT was sent: the work may have taken effect, whatever the answer.
    pub commit_attempted: bool,
}

impl Outcome {
    /// Running the request again is safe (nothing may have been committed) and likely to work
    /// (it failed on a broken connection, which the pool has discarded).
    pub fn retryable(&self) -> bool {
        self.connection_failed && !self.commit_attempted
    }
}

tokio::task_local! {
    static ATTEMPT: Arc<Attempt>;
}

/// Runs one attempt at a request: everything `work` runs in this task sees the same
/// [`Attempt`]. Work spawned onto other tasks does not (it then reads what it needs itself).
pub async fn attempt<F: Future>(work: F) -> (F::Output, Outcome) {
    let attempt = Arc::new(Attempt::default());
    let output = ATTEMPT.scope(attempt.clone(), work).await;
    let outcome = Outcome {
        connection_failed: attempt.connection_failed.load(Ordering::SeqCst),
        commit_attempted: attempt.commit_attempted.load(Ordering::SeqCst),
    };
    (output, outcome)
}

/// Runs `work` within `attempt` (a task spawned on an attempt's behalf, such as a DataLoader
/// batch, shares what it sees).
pub(crate) async fn within<F: Future>(attempt: Option<Arc<Attempt>>, work: F) -> F::Output {
    match attempt {
        Some(attempt) => ATTEMPT.scope(attempt, work).await,
        None => work.await,
    }
}

/// The attempt this task runs in, if any.
pub(crate) fn current() -> Option<Arc<Attempt>> {
    ATTEMPT.try_with(Arc::clone).ok()
}

/// A transaction's COMMIT is about to be sent (see [`Outcome::commit_attempted`]).
pub(crate) fn commit_attempted() {
    if let Some(attempt) = current() {
        attempt.commit_attempted.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(sea_orm::sqlx::Error::Io(
            kind.into(),
        ))))
    }

    #[test]
    fn broken_connections_are_told_from_failed_statements() {
        assert!(is_connection_error(&io(
            std::io::ErrorKind::ConnectionReset
        )));
        assert!(is_connection_error(&io(std::io::ErrorKind::UnexpectedEof)));
        assert!(is_connection_error(&DbErr::Conn(RuntimeErr::SqlxError(
            Arc::new(sea_orm::sqlx::Error::Protocol("unexpected".into()))
        ))));
        assert!(!is_connection_error(&DbErr::ConnectionAcquire(
            sea_orm::error::ConnAcquireErr::Timeout
        )));
        assert!(!is_connection_error(&DbErr::RecordNotFound("x".into())));
        assert!(!is_connection_error(&DbErr::Query(RuntimeErr::Internal(
            "syntax".into()
        ))));
    }

    #[tokio::test]
    async fn an_attempt_reports_a_connection_failure_unless_it_tried_to_commit() {
        let ((), outcome) = attempt(async { note(&io(std::io::ErrorKind::BrokenPipe)) }).await;
        assert!(outcome.retryable());
        let ((), outcome) = attempt(async {
            commit_attempted();
            note(&io(std::io::ErrorKind::BrokenPipe));
        })
        .await;
        assert!(outcome.connection_failed && !outcome.retryable());
        let ((), outcome) = attempt(async { note(&DbErr::RecordNotFound("x".into())) }).await;
        assert_eq!(outcome, Outcome::default());
        // Connections opened before the failure are suspect; one opened after it is not.
        assert!(is_suspect(Duration::from_secs(3600)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!is_suspect(Duration::from_millis(10)));
    }
}
