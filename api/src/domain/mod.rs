//! The fund's rules: money, vocabularies, state machines and invariants. No SQL and no transport
//! here, so the same rules serve GraphQL, the command line and the tests.

pub mod bounds;
pub mod calendar;
pub mod calls;
pub mod documents;
pub mod error;
pub mod money;
pub mod results;
pub mod vocabulary;
pub mod workflow;

pub use bounds::Text;
pub use error::{UserError, UserErrorCode};
pub use money::{Currency, ExactDecimal, Rate, Usd};
pub use vocabulary::*;
pub use workflow::DecisionSubjectKind;
