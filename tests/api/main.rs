//! The black-box test suite: the real server, over HTTP and WebSocket, on SQLite and PostgreSQL.

mod fixtures;
mod helpers;

mod books_commands;
mod books_figures;
mod books_geography;
mod budget_revisions;
mod calls;
mod conventions;
mod corrections;
mod csv_export;
mod dashboards;
mod decisions_as_taken;
mod documents;
mod envelope;
mod event_replay;
mod exchange_rates;
mod flat_lists;
mod foundation;
mod graphiql;
mod hardening;
mod hardening_a;
mod hardening_b;
mod hardening_c;
mod hardening_d;
mod iati;
mod ledger_entries;
mod operations;
mod pages;
mod performance;
mod policy;
mod programme_requests;
mod reporting_calendar;
mod results;
mod security;
mod workflows;
