//! Logging: human-readable on a terminal, JSON lines in production. `RUST_LOG` picks the level.

use crate::config::LogFormat;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber once; later calls (tests start many servers) do nothing.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let result = match format {
        // Each line carries the fields of the span it happened in (`request_id`, `method`,
        // `route` for a request), so one request's lines can be found together.
        LogFormat::Json => fmt()
            .with_env_filter(filter)
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => fmt().with_env_filter(filter).with_target(false).try_init(),
    };
    // Already installed: keep the first.
    let _ = result;
}
