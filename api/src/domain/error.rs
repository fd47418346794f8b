//! Business failures a caller can fix, each with a code and the path of the input at fault.

use async_graphql::{Enum, SimpleObject};

/// Why a command was refused; nothing was changed. The codes are part of the API contract: a client
/// may branch on them.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// An input is malformed or out of its bounds (a length, an amount, a date, a rate); `field`
    /// names it.
    Validation,
    /// An id in the input names nothing of the right kind.
    NotFound,
    /// The record's status does not allow this command (e.g. a deposit on a pledge not yet signed,
    /// a transfer to a closed programme).
    InvalidTransition,
    /// The money the fund holds for the programme (net deposits not yet transferred, unearmarked or
    /// earmarked to its thematic area) does not cover the transfer, even counting money earmarked
    /// to other areas.
    InsufficientFunds,
    /// The amount would exceed a budget: a transfer above the budget line's remainder, budget lines
    /// above the decided amount, expenditure above what was transferred, or indirect support
    /// costs above the budget line's rate times the programmable expenditure.
    BudgetExceeded,
    /// Earmarking does not fit: an earmarked contribution without its area (or an unearmarked one
    /// with one), or a transfer needing money earmarked to other areas.
    EarmarkMismatch,
    /// Something unique already exists (a donor's name, a reference, a code, one report per year),
    /// or an idempotency key was reused with a different input.
    Duplicate,
    /// `expectedVersion` is not the record's current version: someone changed it since you read it.
    /// Read it again and retry.
    StaleVersion,
    /// The same person may not do both: review a concept note they entered, decide on a note they
    /// submitted, record a transfer resting on a decision they recorded, or activate an account
    /// they (or their own creator) made.
    SeparationOfDuties,
}

/// An expected business failure, answered in a mutation's payload; nothing was changed.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "amount"]`; empty when the whole input is.
    pub field: Vec<String>,
    /// What went wrong and how to put it right, in English, for a person to read.
    pub message: String,
    /// The reason, for a program to act on.
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
