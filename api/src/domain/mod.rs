//! The fund's rules: money, vocabularies, state machines and invariants. No SQL and no transport
//! here, so the same rules serve GraphQL, the command line and the tests.

pub mod error;
pub mod money;
pub mod vocabulary;
pub mod workflow;

pub use error::{UserError, UserErrorCode};
pub use money::{Currency, ExactDecimal, Rate, Usd};
pub use vocabulary::*;
