//! The black-box test suite: the real server, over HTTP and WebSocket, on SQLite and PostgreSQL.

mod fixtures;
mod helpers;

mod dashboards;
mod foundation;
mod hardening_c;
mod operations;
mod performance;
mod security;
mod workflows;
