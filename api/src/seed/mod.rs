//! Seeding: the demo portfolio (entered through the service commands, with every rule and audit
//! event) and the synthetic portfolio (N × the demo's shapes, written in bulk for benchmarks).

mod demo;
pub mod synthetic;

pub use demo::{demo_if_empty, DEMO_ACCOUNTS, DEMO_PASSWORD, ILLUSTRATIVE};
