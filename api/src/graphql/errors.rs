//! Service outcomes in GraphQL's terms: business failures go into payloads' `userErrors`;
//! authentication and authorization failures become coded top-level errors; anything else is
//! logged with the request id and answered as `INTERNAL`, with no detail.

use crate::domain::UserError;
use crate::service::{Ctx, ServiceError};
use async_graphql::ErrorExtensions;

/// Turns a service error into a top-level GraphQL error.
pub fn to_graphql(error: ServiceError, ctx: &Ctx) -> async_graphql::Error {
    match error {
        ServiceError::Unauthenticated => coded(
            "authentication required: send a valid bearer token",
            "UNAUTHENTICATED",
        ),
        ServiceError::Forbidden(reason) => coded(&reason, "FORBIDDEN"),
        ServiceError::User(user) => {
            // A read that met a business error (e.g. a malformed id) is the caller's input.
            coded(&user.message, "BAD_USER_INPUT")
        }
        ServiceError::Internal(detail) => internal(&detail, &ctx.request_id),
    }
}

/// An internal error: its detail goes to the request's one error summary (see
/// [`crate::service::budget`]), with the full chain and any backtrace at debug level only.
pub fn internal(detail: &anyhow::Error, request_id: &str) -> async_graphql::Error {
    log_internal(&format!("{detail:#}"), request_id);
    tracing::debug!(request_id, error = ?detail, "internal error in detail");
    async_graphql::Error::new(format!(
        "internal error; quote request id {request_id} to the fund's support"
    ))
    .extend_with(|_, e| {
        e.set("code", "INTERNAL");
        e.set("requestId", request_id);
    })
}

/// Counts an internal error against its request (one summary line when the request ends), or
/// logs it at once outside a request.
fn log_internal(detail: &str, request_id: &str) {
    if !crate::service::budget::record_error(detail) {
        let detail = crate::service::budget::truncate(
            detail,
            crate::service::budget::MAX_LOGGED_ERROR_BYTES,
        );
        tracing::error!(request_id, error = %detail, "internal error");
    }
}

/// The masked error a client gets for anything internal.
pub fn internal_server_error(request_id: &str) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(
        format!("internal error; quote request id {request_id} to the fund's support"),
        None,
    );
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "INTERNAL");
    extensions.set("requestId", request_id);
    error.extensions = Some(extensions);
    error
}

pub fn coded(message: &str, code: &'static str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// For mutations: `Ok(Some(value))`, or the user errors for the payload, or a top-level error.
pub fn payload<T>(
    result: Result<T, ServiceError>,
    ctx: &Ctx,
) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(ServiceError::User(error)) => Ok((None, vec![error])),
        Err(other) => Err(to_graphql(other, ctx)),
    }
}

/// The code of one of async-graphql's own errors, which come without one, chosen by the
/// error's kind and never by its message (so an upgrade that rewords a message changes no
/// code): a value that does not fit its input type is the caller's input (the vendored
/// async-graphql marks those with [`async_graphql::InvalidValue`]); anything else before
/// execution is a validation failure; anything else during execution is internal. Limits,
/// authorization and our own refusals carry their codes already.
fn code_for(error: &async_graphql::ServerError, before_execution: bool) -> &'static str {
    if error.source::<async_graphql::InvalidValue>().is_some() {
        "BAD_USER_INPUT"
    } else if before_execution {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "INTERNAL"
    }
}

/// Gives every error of a response a code: async-graphql's own errors (malformed values,
/// validation, limits) come without one.
pub fn label(response: &mut async_graphql::Response) {
    let request_failed = response.data == async_graphql::Value::Null;
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = code_for(error, request_failed);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// Labels the errors of an executed response, and replaces the message of every internal one
/// (a resolver's error without a code) with the generic one and the request id, logging the
/// detail: no SQL, driver message, file path or stack reaches a client.
pub fn mask(response: &mut async_graphql::Response, request_id: &str) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = code_for(error, false);
        if code == "INTERNAL" {
            log_internal(
                &format!("{} at {:?}", error.message, error.path),
                request_id,
            );
            error.message =
                format!("internal error; quote request id {request_id} to the fund's support");
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("requestId", request_id);
        }
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}
