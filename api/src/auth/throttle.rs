//! Slows down repeated failed logins: each consecutive failure for an email (known or not, so
//! the delay reveals nothing) adds 250 ms to the answer, up to 2 s. The lock-out after five
//! failures is the database's (`service::users`); this only makes guessing slow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const STEP: Duration = Duration::from_millis(250);
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// Records a failed login for `email` and returns how long to wait before answering.
    pub fn failed(&self, email: &str) -> Duration {
        let Ok(mut failures) = self.failures.lock() else {
            return MAX_DELAY;
        };
        if failures.len() >= MAX_ENTRIES {
            failures.retain(|_, (_, at)| at.elapsed() < WINDOW);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        let entry = failures
            .entry(normalize(email))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            entry.0 = 0;
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = Instant::now();
        delay(entry.0)
    }

    /// A successful login starts the count again.
    pub fn succeeded(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&normalize(email));
        }
    }
}

/// The delay after `failures` consecutive failures.
pub fn delay(failures: u32) -> Duration {
    STEP.saturating_mul(failures).min(MAX_DELAY)
}

fn normalize(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_with_failures_and_is_capped() {
        assert_eq!(delay(1), Duration::from_millis(250));
        assert_eq!(delay(4), Duration::from_secs(1));
        assert_eq!(delay(8), MAX_DELAY);
        assert_eq!(delay(100), MAX_DELAY);
        let throttle = LoginThrottle::default();
        assert_eq!(throttle.failed("A@example.org"), Duration::from_millis(250));
        assert_eq!(
            throttle.failed("a@example.org "),
            Duration::from_millis(500)
        );
        throttle.succeeded("a@example.org");
        assert_eq!(throttle.failed("a@example.org"), Duration::from_millis(250));
    }
}
