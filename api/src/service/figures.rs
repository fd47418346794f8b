//! The portfolio's aggregates, kept between requests until the fund changes. Dashboards are read
//! far more often than the fund is written to: a figure computed once serves every caller who
//! asks the same question (the same statement, so the same scope and the same visibility) until
//! a write commits.
//!
//! Every cached figure is tagged with the fund's *generation* as it was before its statement
//! ran, and is only served while the generation is unchanged. A command bumps the generation
//! after its transaction commits ([`Services::commit`](super::Services::commit)); on PostgreSQL
//! the commit also notifies every other process, whose listener bumps theirs. So a figure
//! computed from a snapshot that missed a write is never served after that write is known here,
//! and in another process only for the time the notification takes. While that listener is
//! disconnected (it could miss a notification) the cache is bypassed. Entries also expire after
//! `MPTF_FIGURES_CACHE_SECS` whatever happens, and `0` turns the cache off.

use super::{ServiceResult, Services};
use sea_orm::{FromQueryResult, Statement};
use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// At most this many distinct questions (scopes × visibilities) are kept.
const CAPACITY: u64 = 2_048;

#[derive(Clone)]
pub struct FiguresCache(Option<Arc<Inner>>);

struct Inner {
    generation: AtomicU64,
    /// False while another process's writes could go unnoticed (the listener reconnects).
    trusted: AtomicBool,
    entries: moka::sync::Cache<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    generation: u64,
    value: Arc<dyn Any + Send + Sync>,
}

impl FiguresCache {
    /// A cache whose entries live at most `ttl`; none when `ttl` is zero.
    pub fn new(ttl: Duration) -> Self {
        if ttl.is_zero() {
            return Self(None);
        }
        Self(Some(Arc::new(Inner {
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(true),
            entries: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
        })))
    }

    pub fn disabled() -> Self {
        Self(None)
    }

    /// The fund changed: nothing computed before now is served again.
    pub fn changed(&self) {
        if let Some(inner) = &self.0 {
            inner.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether this process hears of every other process's writes. Set false when the listener
    /// loses its connection, true once it listens again (which also counts as a change: a
    /// notification may have been missed in between).
    pub fn set_trusted(&self, trusted: bool) {
        if let Some(inner) = &self.0 {
            inner.trusted.store(trusted, Ordering::SeqCst);
            inner.generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The figure `key` names, from the cache if it is still current, else from `load`.
    pub async fn get_or_load<T, F, Fut>(&self, key: &str, load: F) -> ServiceResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        let Some(inner) = self.0.as_ref().filter(|i| i.trusted.load(Ordering::SeqCst)) else {
            return load().await;
        };
        // Read before the statement runs: a write that commits while it runs makes it stale.
        let generation = inner.generation.load(Ordering::SeqCst);
        if let Some(entry) = inner.entries.get(key) {
            if entry.generation == generation {
                if let Some(value) = entry.value.downcast_ref::<T>() {
                    return Ok(value.clone());
                }
            }
        }
        let value = load().await?;
        inner.entries.insert(
            key.to_owned(),
            Entry {
                generation,
                value: Arc::new(value.clone()),
            },
        );
        Ok(value)
    }
}

impl Services {
    /// A figure of the fund computed by one statement whose text says everything it depends on
    /// (scope, donor, the caller's visibility: typed values written into it as literals), so the
    /// text is the figure's key in the cache.
    pub(crate) async fn figure_row<T>(&self, sql: &str) -> ServiceResult<Option<T>>
    where
        T: FromQueryResult + Clone + Send + Sync + 'static,
    {
        Ok(self.figure_rows(sql).await?.into_iter().next())
    }

    /// Figures of the fund, one per row, kept like [`Services::figure_row`]'s.
    pub(crate) async fn figure_rows<T>(&self, sql: &str) -> ServiceResult<Vec<T>>
    where
        T: FromQueryResult + Clone + Send + Sync + 'static,
    {
        self.figures
            .get_or_load(sql, || async {
                let statement =
                    Statement::from_string(self.db.get_database_backend(), sql.to_owned());
                Ok(T::find_by_statement(statement).all(&self.db).await?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn count(cache: &FiguresCache, loads: &AtomicUsize) -> usize {
        cache
            .get_or_load("figure", || async {
                Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_figure_is_computed_once_until_the_fund_changes() {
        let cache = FiguresCache::new(Duration::from_secs(60));
        let loads = AtomicUsize::new(0);
        assert_eq!(count(&cache, &loads).await, 1);
        assert_eq!(count(&cache, &loads).await, 1);
        cache.changed();
        assert_eq!(count(&cache, &loads).await, 2);
        assert_eq!(count(&cache, &loads).await, 2);
    }

    #[tokio::test]
    async fn a_figure_computed_across_a_write_is_not_kept() {
        let cache = FiguresCache::new(Duration::from_secs(60));
        let value = cache
            .get_or_load("figure", || async {
                // A write commits while the statement runs.
                cache.changed();
                Ok(1)
            })
            .await
            .unwrap();
        assert_eq!(value, 1);
        let again = cache
            .get_or_load("figure", || async { Ok(2) })
            .await
            .unwrap();
        assert_eq!(
            again, 2,
            "the figure read across the write was served again"
        );
    }

    #[tokio::test]
    async fn nothing_is_kept_while_writes_elsewhere_could_be_missed_or_when_disabled() {
        let loads = AtomicUsize::new(0);
        let cache = FiguresCache::new(Duration::from_secs(60));
        cache.set_trusted(false);
        assert_eq!(count(&cache, &loads).await, 1);
        assert_eq!(count(&cache, &loads).await, 2);
        cache.set_trusted(true);
        assert_eq!(count(&cache, &loads).await, 3);
        assert_eq!(count(&cache, &loads).await, 3);
        let off = FiguresCache::new(Duration::ZERO);
        assert_eq!(count(&off, &loads).await, 4);
        assert_eq!(count(&off, &loads).await, 5);
    }
}
