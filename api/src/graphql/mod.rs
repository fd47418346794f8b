//! The GraphQL schema: translation only. Resolvers parse input into domain types, call the
//! service layer with the caller's context, and wrap what comes back.

pub mod connection;
pub mod errors;
pub mod execution;
pub mod input_text;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod types;

use crate::auth::Tokens;
use crate::service::{Ctx, Services};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Schema};

pub type MptfSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Settings that shape the schema itself.
#[derive(Clone, Debug)]
pub struct SchemaOptions {
    /// Who may introspect: everyone in development, ADMIN only in production.
    pub introspection: limits::Introspection,
    /// "Did you mean …?" in validation errors (off in production: they reveal the schema).
    pub suggestions: bool,
    pub limits: limits::QueryLimits,
    pub token_lifetime: chrono::Duration,
    /// How long `login` refuses a throttled account and source (MPTF_LOGIN_LOCK_SECS).
    pub login_lock: std::time::Duration,
    /// The largest file `attachDocument` keeps (MPTF_MAX_DOCUMENT_BYTES).
    pub max_document_bytes: usize,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            introspection: limits::Introspection::Everyone,
            suggestions: true,
            limits: limits::QueryLimits::default(),
            token_lifetime: chrono::Duration::minutes(15),
            login_lock: crate::auth::throttle::DEFAULT_LOCK,
            max_document_bytes: 10 * 1024 * 1024,
        }
    }
}

impl SchemaOptions {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let security = &settings.security;
        Self {
            introspection: if settings.development() {
                limits::Introspection::Everyone
            } else {
                limits::Introspection::AdminOnly
            },
            suggestions: settings.development(),
            limits: limits::QueryLimits {
                max_depth: security.max_depth,
                max_complexity: security.max_complexity,
                max_aliases: security.max_aliases,
                max_directives: security.max_directives,
                max_tokens: security.max_tokens,
                max_duplicate_fields: security.max_duplicate_fields,
            },
            token_lifetime: chrono::Duration::minutes(settings.token_minutes),
            login_lock: std::time::Duration::from_secs(security.login_lock_secs),
            max_document_bytes: security.max_document_bytes,
        }
    }
}

/// Builds the schema once per process; HTTP workers share it. The limits are an extension
/// (checked before execution on every transport), not async-graphql's own depth and complexity
/// limits, so that each refusal has its code and introspection's type references do not count
/// as depth.
pub fn build_schema(services: Services, tokens: Tokens, options: SchemaOptions) -> MptfSchema {
    let mut builder = described(Schema::build(
        query::Query,
        mutation::Mutation,
        subscription::Subscription,
    ))
    .data(services)
    .data(tokens)
    .data(crate::auth::LoginThrottle::new(options.login_lock))
    .data(options.clone())
    .extension(limits::Limits {
        limits: options.limits.clone(),
        introspection: options.introspection,
    })
    .extension(input_text::InputText);
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as `mptf schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    described(Schema::build(
        query::Query,
        mutation::Mutation,
        subscription::Subscription,
    ))
    .finish()
    .sdl()
}

/// Descriptions of the types async-graphql generates, which no doc comment reaches: the Relay
/// connections. Served and exported alike.
fn described(
    builder: async_graphql::SchemaBuilder<
        query::Query,
        mutation::Mutation,
        subscription::Subscription,
    >,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    use connection::Conn;
    use types::*;
    builder
        .override_output_type_description::<Conn<AuditEvent>>(
            "A page of the audit trail, newest first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<Call>>(
            "A page of calls for concept notes, the latest to open first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<ConceptNote>>(
            "A page of concept notes the caller may read: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<Contribution>>(
            "A page of contributions the caller may read: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<Decision>>(
            "A page of steering-committee decisions, newest first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<Donor>>(
            "A page of donors: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<JointProgramme>>(
            "A page of joint programmes: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<connection::EntryConn<LedgerEntry>>(
            "A page of the ledger entries the caller may read, by value date then entry: `nodes` (or `edges` with cursors that stay on their entry), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<ReportDue>>(
            "A page of the reporting calendar, by due date: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<ExchangeRate>>(
            "A page of the Administrative Agent's exchange rates, newest first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<connection::RecordedConn<Deposit>>(
            "A page of the deposits the caller may read, in the order they were recorded: `nodes` (or `edges` with cursors that stay on their row), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<connection::RecordedConn<Transfer>>(
            "A page of transfers, in the order they were recorded: `nodes` (or `edges` with cursors that stay on their row), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<connection::RecordedConn<ExpenditureReport>>(
            "A page of expenditure reports, in the order they were reported: `nodes` (or `edges` with cursors that stay on their row), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<ProgrammeRequest>>(
            "A page of the programme requests the caller may read, newest first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
        .override_output_type_description::<Conn<SteeringCommitteeMeeting>>(
            "A page of steering-committee meetings, latest first: `nodes` (or `edges` with cursors), `pageInfo` and `totalCount`.",
        )
}

/// The per-request data a resolver needs.
pub trait ContextExt {
    fn services(&self) -> &Services;
    fn actor(&self) -> &Ctx;
    fn loader(&self) -> &DataLoader<loaders::DbLoader>;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn actor(&self) -> &Ctx {
        self.data_unchecked::<Ctx>()
    }

    fn loader(&self) -> &DataLoader<loaders::DbLoader> {
        self.data_unchecked::<DataLoader<loaders::DbLoader>>()
    }
}

/// Adds what one request needs: who calls, and fresh loaders (their cache lives one request).
pub fn prepare(
    request: async_graphql::Request,
    services: &Services,
    ctx: Ctx,
) -> async_graphql::Request {
    let loader = DataLoader::new(loaders::DbLoader::new(services.db.clone()), start_batch)
        .delay(std::time::Duration::ZERO);
    request.data(ctx).data(loader)
}

/// Starts a DataLoader batch once the request has asked for every key it can, rather than a
/// fixed time after the first key: a request runs as one task on its worker, and the batch's task
/// first lets it run again (a pass over a large page may be cut short by the executor's fairness
/// budget). A millisecond's wait split the batches of a page of 50 programmes in a debug build.
fn start_batch(batch: futures::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    // The batch runs for the request: its statements count against the request's budget.
    tokio::spawn(crate::service::budget::inherit(async move {
        for _ in 0..BATCH_YIELDS {
            tokio::task::yield_now().await;
        }
        batch.await
    }))
}

/// How many times a batch lets the request's task run before it starts.
const BATCH_YIELDS: usize = 3;

/// Runs a service call and turns its error into a GraphQL error.
pub fn check<T>(
    ctx: &Context<'_>,
    result: crate::service::ServiceResult<T>,
) -> async_graphql::Result<T> {
    result.map_err(|e| errors::to_graphql(e, ctx.actor()))
}

/// Runs a loader and masks its database error.
pub fn loaded<T>(
    ctx: &Context<'_>,
    result: Result<T, std::sync::Arc<sea_orm::DbErr>>,
) -> async_graphql::Result<T> {
    result.map_err(|e| errors::internal(&anyhow::anyhow!("{e}"), &ctx.actor().request_id))
}
