//! mptf: the portfolio API of the UN Migration Multi-Partner Trust Fund.
//!
//! A request reads straight through: `http` → `graphql` (parse input into domain types) →
//! `service` (authorize, transaction, invariants, audit) → `entity`/SQL → back out.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod interchange;
pub mod ops;
pub mod pages;
pub mod seed;
pub mod service;
pub mod startup;
pub mod telemetry;
