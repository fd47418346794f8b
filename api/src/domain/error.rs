//! Business failures a caller can fix, each with a code and the path of the input at fault.

use async_graphql::{Enum, SimpleObject};

/// Why a command was refused. The codes are part of the API contract.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    Validation,
    NotFound,
    InvalidTransition,
    InsufficientFunds,
    BudgetExceeded,
    EarmarkMismatch,
    Duplicate,
    StaleVersion,
    SeparationOfDuties,
}

/// An expected business failure, answered in a mutation's payload; nothing was changed.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "amount"]`; empty when the whole input is.
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
}

impl UserError {
    pub fn new(code: UserErrorCode, field: &[&str], message: impl Into<String>) -> Self {
        let mut path = vec!["input".to_owned()];
        path.extend(field.iter().map(|f| (*f).to_owned()));
        if field.is_empty() {
            path.clear();
        }
        Self {
            field: path,
            message: message.into(),
            code,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(UserErrorCode::Validation, &[field], message)
    }

    pub fn not_found(field: &str, what: &str) -> Self {
        Self::new(
            UserErrorCode::NotFound,
            &[field],
            format!("no {what} with this id"),
        )
    }

    pub fn invalid_transition(what: &str, from: &str, to: &str) -> Self {
        Self::new(
            UserErrorCode::InvalidTransition,
            &[],
            format!("a {what} cannot go from {from} to {to}"),
        )
    }

    pub fn stale_version(current: i32) -> Self {
        Self::new(
            UserErrorCode::StaleVersion,
            &["expectedVersion"],
            format!("the record was changed since you read it; it is now at version {current}: reload and retry"),
        )
    }
}
