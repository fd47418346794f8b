//! Units of work. Every command (one function each in [`commands`], one file per area) states its
//! rules and effect, and [`envelope`] runs it: authorizes its caller, opens one transaction (with
//! the idempotency key claimed where money moves), appends its audit and outbox events, and only
//! then commits. Reads (the other modules) apply the role table of the API contract to rows, so
//! lists leave out what the caller may not see.

pub mod arithmetic;
pub mod audit;
pub mod books;
pub mod budget;
pub mod calls;
pub mod catalogue;
pub mod commands;
pub mod concept_notes;
pub mod contributions;
pub mod documents;
pub mod envelope;
pub mod events;
pub mod figures;
pub mod gateway;
pub mod governance;
pub mod idempotency;
pub mod ledger;
pub mod page;
pub mod policy;
pub mod portfolio;
pub mod programmes;
pub mod rates;
pub mod recorded;
pub mod reporting;
pub mod requests;
pub mod retry;
pub mod search;
pub mod totals;
pub mod users;

use crate::auth::Principal;
use crate::domain::{Role, UserError};
use sea_orm::DbErr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use events::EventBus;
pub use figures::FiguresCache;
pub use policy::ReadPolicy;

/// Everything a command or query needs, shared by all requests of a process.
#[derive(Clone)]
pub struct Services {
    /// The pool, as requests use it: each statement within the request's share (see [`budget`]).
    pub db: budget::Db,
    pub events: EventBus,
    pub statements: StatementCounter,
    pub figures: FiguresCache,
    /// Who reads which concept notes (see [`policy`]): [`ReadPolicy::FUND`] on every server.
    pub policy: ReadPolicy,
}

impl Services {
    /// Commits a command's transaction, raising the fund's version in it (see [`figures`]): once
    /// the write is acknowledged, no process serves a dashboard figure computed before it. Then
    /// it writes `events` to the outbox: on PostgreSQL the version's row lock, held to the commit,
    /// orders every command's commit, so events are numbered in the order their writes commit,
    /// and a subscriber resuming after one (`portfolioEvents(after:)`) never skips an event that
    /// committed later under a smaller number. The lock is held only while the outbox rows and
    /// the commit are written.
    pub(crate) async fn commit_announcing(
        &self,
        txn: sea_orm::DatabaseTransaction,
        events: Vec<events::NewEvent>,
    ) -> ServiceResult<Vec<events::PortfolioEvent>> {
        use sea_orm::ConnectionTrait;
        txn.execute_unprepared(figures::RAISE_VERSION).await?;
        let mut announced = Vec::with_capacity(events.len());
        for event in events {
            announced.push(events::append(&txn, event).await?);
        }
        // From here on, the work may have taken effect whatever the answer: not to be retried.
        retry::commit_attempted();
        txn.commit().await?;
        figures::forget_version().await;
        Ok(announced)
    }

    /// The row a money-moving command created the first time, for a retry with the same key.
    pub(crate) async fn replayed<E>(&self, id: i64) -> ServiceResult<E::Model>
    where
        E: sea_orm::EntityTrait,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
    {
        E::find_by_id(id).one(&self.db).await?.ok_or_else(|| {
            anyhow::anyhow!("an idempotency key points at a missing row {id}").into()
        })
    }
}

/// Counts the SQL statements this process sends (for N+1 tests and the benchmark).
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn increment(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Who is acting, for one request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub principal: Option<Principal>,
    pub request_id: String,
}

impl Ctx {
    pub fn new(principal: Option<Principal>, request_id: impl Into<String>) -> Self {
        Self {
            principal,
            request_id: request_id.into(),
        }
    }

    /// A context for work the service does on its own behalf (seeding, the command line).
    pub fn system(role: Role) -> Self {
        Self::new(
            Some(Principal {
                subject: "system".to_owned(),
                role,
                chair: false,
                donor_id: None,
                organization_id: None,
            }),
            "system",
        )
    }

    /// The caller, who must have shown a valid token.
    pub fn principal(&self) -> Result<&Principal, ServiceError> {
        self.principal.as_ref().ok_or(ServiceError::Unauthenticated)
    }

    /// The caller, who must hold one of `roles`.
    pub fn require(&self, roles: &[Role], doing: &str) -> Result<&Principal, ServiceError> {
        let principal = self.principal()?;
        if roles.contains(&principal.role) {
            Ok(principal)
        } else {
            Err(ServiceError::Forbidden(format!(
                "the {} role cannot {doing}",
                principal.role
            )))
        }
    }

    pub fn actor(&self) -> &str {
        self.principal
            .as_ref()
            .map(|p| p.subject.as_str())
            .unwrap_or("anonymous")
    }
}

/// Why a service call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A business failure the caller can fix; answered in the payload's `userErrors`.
    #[error("{}", .0.message)]
    User(UserError),
    #[error("authentication required: send a valid bearer token")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// Anything else; logged with the request id, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<UserError> for ServiceError {
    fn from(error: UserError) -> Self {
        ServiceError::User(error)
    }
}

impl From<DbErr> for ServiceError {
    fn from(error: DbErr) -> Self {
        // A broken connection is discarded and the request may be run again (see `retry`).
        retry::note(&error);
        ServiceError::Internal(error.into())
    }
}

impl From<crate::domain::vocabulary::UnknownStoredValue> for ServiceError {
    fn from(error: crate::domain::vocabulary::UnknownStoredValue) -> Self {
        ServiceError::Internal(error.into())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// True when a database error is a unique-constraint violation (a duplicate or a lost race).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Optimistic concurrency: moves a row from `expected` to the next version, or answers
/// `STALE_VERSION` with the version it is at. On PostgreSQL the UPDATE also locks the row until
/// the transaction ends, so the rest of the command works on a state nobody else can change.
pub async fn claim_version<E>(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
    current: i32,
    expected: i32,
) -> ServiceResult<()>
where
    E: sea_orm::EntityTrait,
    E::Column: VersionedColumns,
{
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    if current != expected {
        return Err(UserError::stale_version(current).into());
    }
    let result = E::update_many()
        .col_expr(E::Column::version(), Expr::col(E::Column::version()).add(1))
        .filter(E::Column::id().eq(id))
        .filter(E::Column::version().eq(expected))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(UserError::stale_version(current + 1).into());
    }
    Ok(())
}

/// Entities with an `id` and a `version` column.
pub trait VersionedColumns: sea_orm::ColumnTrait {
    fn id() -> Self;
    fn version() -> Self;
}

macro_rules! versioned {
    ($($table:ident),+) => {$(
        impl VersionedColumns for entity::$table::Column {
            fn id() -> Self { entity::$table::Column::Id }
            fn version() -> Self { entity::$table::Column::Version }
        }
    )+};
}

versioned!(
    call_for_concept_notes,
    thematic_area,
    organization,
    donor,
    app_user,
    contribution,
    concept_note,
    steering_committee_meeting,
    programme_request,
    joint_programme,
    budget_line,
    results_indicator,
    expenditure_report
);

/// Locks a row for the rest of the transaction by bumping its version, then reads it fresh: two
/// commands on the same row (two deposits on one agreement) run one after the other.
pub async fn lock_row<E>(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> ServiceResult<Option<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Column: VersionedColumns,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, QueryFilter};
    let result = E::update_many()
        .col_expr(E::Column::version(), Expr::col(E::Column::version()).add(1))
        .filter(E::Column::id().eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    Ok(E::find_by_id(id).one(db).await?)
}
