//! Slows down and stops password guessing without letting a stranger lock anyone out.
//!
//! Failures are counted per (account, source address) and per source address, in memory:
//! - each consecutive failure of a pair adds 250 ms to the answer, up to 2 s;
//! - after `PAIR_FAILURES` failures the pair is refused for the lock time (MPTF_LOGIN_LOCK_SECS),
//!   whatever the password: the owner signing in from another address is not affected;
//! - after `SOURCE_FAILURES` failures on any accounts, the source address is refused for the lock
//!   time (one address spraying many accounts).
//!
//! The email is counted whether or not an account has it, and a refusal reads the same whatever
//! its cause, so the throttle reveals nothing. IPv6 sources are counted per /64 (what one
//! subscriber usually holds). Memory is bounded: each table keeps at most `MAX_ENTRIES`
//! entries; when full, expired and then unlocked entries make room, and a failure that still
//! finds no room is answered with the longest delay. Counts are per process: with several
//! replicas an address gets that many tries per replica.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const STEP: Duration = Duration::from_millis(250);
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// Failures of one account from one source before that pair is refused for the lock time.
pub const PAIR_FAILURES: u32 = 5;
/// Failures from one source, on any accounts, before the source is refused for the lock time.
pub const SOURCE_FAILURES: u32 = 30;
/// Failures older than this are forgotten (a lock lasts its own time).
const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const DEFAULT_LOCK: Duration = Duration::from_secs(15 * 60);
const MAX_ENTRIES: usize = 10_000;

/// Where a login comes from: the HTTP peer's address, added to each request's data by the HTTP
/// handler. `None` when the transport does not know it (a WebSocket): such logins share one
/// source of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

/// The address a source is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 per /64.
fn source_key(address: Option<IpAddr>) -> Option<IpAddr> {
    match address? {
        IpAddr::V4(v4) => Some(IpAddr::V4(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Some(IpAddr::V4(v4)),
            None => {
                let prefix = u128::from(v6) & (u128::MAX << 64);
                Some(IpAddr::V6(prefix.into()))
            }
        },
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Self {
            failures: 0,
            last: now,
            locked_until: None,
        }
    }

    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    /// Neither locked nor recent: safe to forget.
    fn expired(&self, now: Instant) -> bool {
        !self.locked(now) && now.saturating_duration_since(self.last) >= WINDOW
    }
}

/// A table of failure counts with bounded size.
#[derive(Default)]
struct Table<K> {
    entries: HashMap<K, Entry>,
}

impl<K: std::hash::Hash + Eq + Clone> Table<K> {
    fn locked(&self, key: &K, now: Instant) -> bool {
        self.entries.get(key).is_some_and(|e| e.locked(now))
    }

    /// Counts a failure; `None` when there is no room to count it.
    fn fail(&mut self, key: &K, now: Instant, limit: u32, lock: Duration) -> Option<u32> {
        if !self.entries.contains_key(key) && self.entries.len() >= MAX_ENTRIES {
            self.entries.retain(|_, e| !e.expired(now));
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.retain(|_, e| e.locked(now));
            }
            if self.entries.len() >= MAX_ENTRIES {
                return None;
            }
        }
        let entry = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| Entry::new(now));
        if entry.expired(now) {
            *entry = Entry::new(now);
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last = now;
        if entry.failures >= limit && !entry.locked(now) {
            entry.locked_until = Some(now + lock);
        }
        Some(entry.failures)
    }

    fn forget(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

#[derive(Default)]
struct Tables {
    pairs: Table<(String, Option<IpAddr>)>,
    sources: Table<Option<IpAddr>>,
}

pub struct LoginThrottle {
    tables: Mutex<Tables>,
    lock: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(DEFAULT_LOCK)
    }
}

impl LoginThrottle {
    /// A throttle whose locks last `lock`.
    pub fn new(lock: Duration) -> Self {
        Self {
            tables: Mutex::default(),
            lock,
        }
    }

    /// Whether logins to `email` from `source` are refused for now, whatever the password.
    pub fn locked(&self, email: &str, source: Option<IpAddr>) -> bool {
        let Ok(tables) = self.tables.lock() else {
            return true;
        };
        let source = source_key(source);
        let now = Instant::now();
        tables.sources.locked(&source, now) || tables.pairs.locked(&(normalize(email), source), now)
    }

    /// Records a failed login for `email` from `source` and returns how long to wait before
    /// answering.
    pub fn failed(&self, email: &str, source: Option<IpAddr>) -> Duration {
        let Ok(mut tables) = self.tables.lock() else {
            return MAX_DELAY;
        };
        let source = source_key(source);
        let now = Instant::now();
        let lock = self.lock;
        let from_source = tables.sources.fail(&source, now, SOURCE_FAILURES, lock);
        let of_pair = tables
            .pairs
            .fail(&(normalize(email), source), now, PAIR_FAILURES, lock);
        match (from_source, of_pair) {
            (Some(_), Some(failures)) => delay(failures),
            _ => MAX_DELAY,
        }
    }

    /// A successful login starts the pair's count again (not the source's: one right password
    /// does not excuse guesses at other accounts).
    pub fn succeeded(&self, email: &str, source: Option<IpAddr>) {
        if let Ok(mut tables) = self.tables.lock() {
            tables.pairs.forget(&(normalize(email), source_key(source)));
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

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_delay_grows_with_failures_and_is_capped() {
        assert_eq!(delay(1), Duration::from_millis(250));
        assert_eq!(delay(4), Duration::from_secs(1));
        assert_eq!(delay(8), MAX_DELAY);
        assert_eq!(delay(100), MAX_DELAY);
        let throttle = LoginThrottle::default();
        let from = ip("192.0.2.1");
        assert_eq!(
            throttle.failed("A@example.org", from),
            Duration::from_millis(250)
        );
        assert_eq!(
            throttle.failed("a@example.org ", from),
            Duration::from_millis(500)
        );
        throttle.succeeded("a@example.org", from);
        assert_eq!(
            throttle.failed("a@example.org", from),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn a_pair_is_locked_and_other_sources_are_not() {
        let throttle = LoginThrottle::default();
        for _ in 0..PAIR_FAILURES {
            throttle.failed("owner@example.org", ip("192.0.2.1"));
        }
        assert!(throttle.locked("owner@example.org", ip("192.0.2.1")));
        assert!(!throttle.locked("owner@example.org", ip("198.51.100.7")));
        assert!(!throttle.locked("other@example.org", ip("192.0.2.1")));
    }

    #[test]
    fn a_source_spraying_accounts_is_locked_and_ipv6_counts_per_64() {
        let throttle = LoginThrottle::default();
        for i in 0..SOURCE_FAILURES {
            throttle.failed(
                &format!("u{i}@example.org"),
                ip(&format!("2001:db8::{i:x}")),
            );
        }
        assert!(throttle.locked("anyone@example.org", ip("2001:db8::ffff")));
        assert!(!throttle.locked("anyone@example.org", ip("2001:db8:0:1::1")));
        assert_eq!(source_key(ip("::ffff:192.0.2.9")), ip("192.0.2.9"));
    }

    #[test]
    fn memory_is_bounded() {
        let throttle = LoginThrottle::default();
        for i in 0..(MAX_ENTRIES as u32 + 50) {
            let source = Some(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
            throttle.failed("target@example.org", source);
        }
        let tables = throttle.tables.lock().unwrap();
        assert!(tables.pairs.entries.len() <= MAX_ENTRIES);
        assert!(tables.sources.entries.len() <= MAX_ENTRIES);
    }
}
