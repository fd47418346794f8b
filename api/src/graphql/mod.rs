//! The GraphQL schema: translation only. Resolvers parse input into domain types, call the
//! service layer with the caller's context, and wrap what comes back.

pub mod connection;
pub mod errors;
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
    pub introspection: bool,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub token_lifetime: chrono::Duration,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            introspection: true,
            max_depth: 10,
            max_complexity: 5_000,
            token_lifetime: chrono::Duration::minutes(15),
        }
    }
}

/// Builds the schema once per process; HTTP workers share it.
pub fn build_schema(services: Services, tokens: Tokens, options: SchemaOptions) -> MptfSchema {
    let mut builder = Schema::build(
        query::Query,
        mutation::Mutation,
        subscription::Subscription,
    )
    .data(services)
    .data(tokens)
    .data(options.clone())
    .limit_depth(options.max_depth)
    .limit_complexity(options.max_complexity);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as `mptf schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    Schema::build(
        query::Query,
        mutation::Mutation,
        subscription::Subscription,
    )
    .finish()
    .sdl()
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
    let loader = DataLoader::new(loaders::DbLoader::new(services.db.clone()), tokio::spawn);
    request.data(ctx).data(loader)
}

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
