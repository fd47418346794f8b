//! The portfolio's aggregates, kept between requests until the fund changes. Dashboards are read
//! far more often than the fund is written to: a figure computed once serves every caller who
//! asks the same question (the same statement, so the same scope and the same visibility) until
//! a write commits.
//!
//! The database holds the fund's *version*, a counter that every command raises in its own
//! transaction ([`Services::commit_announcing`](super::Services::commit_announcing)), whichever process runs it. A
//! kept figure is tagged with the version read before its statement ran, and is served only to
//! a request that reads the same version: one primary-key read per request, made only when a
//! figure is asked for (and once per request, however many figures it asks for). So once a
//! write is acknowledged, no process serves a figure that predates it: not a second process on
//! the same database, not after the database restarted, not while a notification is late.
//! Writes made outside the service (SQL by hand, a bulk seed) do not raise the version: entries
//! also expire after `MPTF_FIGURES_CACHE_SECS` whatever happens, and `0` turns the cache off.

use super::{retry, ServiceResult, Services};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// At most this many distinct questions (scopes × visibilities) are kept.
const CAPACITY: u64 = 2_048;

/// The statement that reads the fund's version (see the `fund_version` migration).
const READ_VERSION: &str = "SELECT version FROM fund_version WHERE id = 1";

/// The statement every command runs in its transaction, just before committing.
pub(crate) const RAISE_VERSION: &str = "UPDATE fund_version SET version = version + 1 WHERE id = 1";

#[derive(Clone)]
pub struct FiguresCache(Option<moka::sync::Cache<String, Entry>>);

#[derive(Clone)]
struct Entry {
    version: i64,
    value: Arc<dyn Any + Send + Sync>,
}

impl FiguresCache {
    /// A cache whose entries live at most `ttl`; none when `ttl` is zero.
    pub fn new(ttl: Duration) -> Self {
        if ttl.is_zero() {
            return Self(None);
        }
        Self(Some(
            moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
        ))
    }

    pub fn disabled() -> Self {
        Self(None)
    }

    /// The figure `key` names: the kept one if it was computed at `version` (the fund's version
    /// as the caller has just read it, before `load` runs), else from `load`, then kept.
    pub async fn get_or_load<T, F, Fut>(&self, key: &str, version: i64, load: F) -> ServiceResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        let Some(entries) = &self.0 else {
            return load().await;
        };
        if let Some(entry) = entries.get(key) {
            if entry.version == version {
                if let Some(value) = entry.value.downcast_ref::<T>() {
                    return Ok(value.clone());
                }
            }
        }
        let value = load().await?;
        // A figure computed for an older version than the one kept (a slow request) does not
        // replace the newer one.
        let newer_kept = entries.get(key).is_some_and(|kept| kept.version > version);
        if !newer_kept {
            entries.insert(
                key.to_owned(),
                Entry {
                    version,
                    value: Arc::new(value.clone()),
                },
            );
        }
        Ok(value)
    }

    fn enabled(&self) -> bool {
        self.0.is_some()
    }
}

impl Services {
    /// A figure of the fund computed by one statement (SeaQuery, its values bound): the
    /// statement's text and values say everything it depends on (scope, donor, the caller's
    /// visibility), so together they are the figure's key in the cache.
    pub(crate) async fn figure_row<T>(&self, select: &SelectStatement) -> ServiceResult<Option<T>>
    where
        T: FromQueryResult + Clone + Send + Sync + 'static,
    {
        Ok(self.figure_rows(select).await?.into_iter().next())
    }

    /// Figures of the fund, one per row, kept like [`Services::figure_row`]'s.
    pub(crate) async fn figure_rows<T>(&self, select: &SelectStatement) -> ServiceResult<Vec<T>>
    where
        T: FromQueryResult + Clone + Send + Sync + 'static,
    {
        let statement = self.db.get_database_backend().build(select);
        if !self.figures.enabled() {
            return Ok(T::find_by_statement(statement).all(&self.db).await?);
        }
        let key = format!("{}\u{0}{:?}", statement.sql, statement.values);
        let version = self.fund_version().await?;
        self.figures
            .get_or_load(&key, version, || async {
                Ok(T::find_by_statement(statement).all(&self.db).await?)
            })
            .await
    }

    /// The fund's version, read once per request attempt (the first figure it asks for reads
    /// it; a command that commits in the request makes the next figure read it again).
    async fn fund_version(&self) -> ServiceResult<i64> {
        let Some(attempt) = retry::current() else {
            return self.read_fund_version().await;
        };
        let mut known = attempt.fund_version.lock().await;
        if let Some(version) = *known {
            return Ok(version);
        }
        let version = self.read_fund_version().await?;
        *known = Some(version);
        Ok(version)
    }

    async fn read_fund_version(&self) -> ServiceResult<i64> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                READ_VERSION,
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the fund_version row is missing"))?;
        Ok(row.try_get::<i64>("", "version")?)
    }
}

/// A command in this request attempt committed: figures asked for after it read the version
/// again (the request reads its own write).
pub(crate) async fn forget_version() {
    if let Some(attempt) = retry::current() {
        *attempt.fund_version.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn count(cache: &FiguresCache, version: i64, loads: &AtomicUsize) -> usize {
        cache
            .get_or_load("figure", version, || async {
                Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_figure_is_computed_once_per_version_of_the_fund() {
        let cache = FiguresCache::new(Duration::from_secs(60));
        let loads = AtomicUsize::new(0);
        assert_eq!(count(&cache, 1, &loads).await, 1);
        assert_eq!(count(&cache, 1, &loads).await, 1);
        assert_eq!(count(&cache, 2, &loads).await, 2);
        assert_eq!(count(&cache, 2, &loads).await, 2);
        // A slow request that read an older version computes its own, and keeps nothing.
        assert_eq!(count(&cache, 1, &loads).await, 3);
        assert_eq!(count(&cache, 2, &loads).await, 2);
    }

    #[tokio::test]
    async fn nothing_is_kept_when_disabled() {
        let loads = AtomicUsize::new(0);
        let off = FiguresCache::new(Duration::ZERO);
        assert_eq!(count(&off, 1, &loads).await, 1);
        assert_eq!(count(&off, 1, &loads).await, 2);
    }
}
