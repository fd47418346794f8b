//! Whether the user account behind a token is still active, read from the database at most once
//! per user and TTL (≤ 60 s), so that a deactivated user's tokens stop working within a minute
//! without a query per request.

use entity::app_user;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QuerySelect};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Beyond this many remembered accounts the cache starts afresh (it only saves queries).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
pub struct AccountCache {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<i64, (bool, Instant)>>>,
}

impl AccountCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl: ttl.min(Duration::from_secs(60)),
            entries: Arc::default(),
        }
    }

    /// The user id a token subject names (`user:<id>`), if it names one.
    pub fn user_id(subject: &str) -> Option<i64> {
        subject.strip_prefix("user:")?.parse().ok()
    }

    /// Whether the account exists and is active; an unknown account is not.
    pub async fn is_active(&self, db: &DatabaseConnection, user_id: i64) -> Result<bool, DbErr> {
        if let Some(active) = self.cached(user_id) {
            return Ok(active);
        }
        let active = app_user::Entity::find_by_id(user_id)
            .select_only()
            .column(app_user::Column::Active)
            .into_tuple::<bool>()
            .one(db)
            .await?
            .unwrap_or(false);
        if !self.ttl.is_zero() {
            if let Ok(mut entries) = self.entries.lock() {
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(user_id, (active, Instant::now()));
            }
        }
        Ok(active)
    }

    /// Drops what is remembered about an account (after this process changed it).
    pub fn forget(&self, user_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&user_id);
        }
    }

    fn cached(&self, user_id: i64) -> Option<bool> {
        let entries = self.entries.lock().ok()?;
        let (active, at) = entries.get(&user_id)?;
        (at.elapsed() < self.ttl).then_some(*active)
    }
}

impl Default for AccountCache {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}
