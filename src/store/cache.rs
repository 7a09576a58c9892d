//! A per-scope cache of what the hot path derives from configuration documents (rules,
//! segments, pipeline stages, destinations), so a request does not list a configuration
//! kind from the store every time.
//!
//! An entry holds while the configuration has not changed and for at most its time to
//! live. "Not changed" is the store's own configuration generation where the store knows
//! every change (sled: one process), together with the process-wide counter that the
//! private API bumps on every configuration write; the time to live bounds how late a
//! change made by another process (PostgreSQL) is seen.

use super::{Scope, Store};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a cached entry is used at most.
pub const DEFAULT_TTL: Duration = Duration::from_secs(2);

static PROCESS_GENERATION: AtomicU64 = AtomicU64::new(0);

/// Tells every cache that configuration changed in this process.
pub fn config_changed() {
    PROCESS_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The process-wide counter of configuration changes.
pub fn process_generation() -> u64 {
    PROCESS_GENERATION.load(Ordering::Relaxed)
}

/// What a cached entry was read under: the store's generation (if it keeps one) and the
/// process-wide counter.
type Stamp = (Option<u64>, u64);

fn stamp(store: &dyn Store) -> Stamp {
    (store.config_generation(), process_generation())
}

/// When an entry was read, under which stamp, and the value.
type Entry<T> = (Instant, Stamp, Arc<T>);

pub struct ScopedCache<T> {
    ttl: Duration,
    entries: RwLock<HashMap<Scope, Entry<T>>>,
}

impl<T> Default for ScopedCache<T> {
    fn default() -> Self {
        Self::new(DEFAULT_TTL)
    }
}

impl<T> ScopedCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The cached value of `scope`, or what `load` returns (then cached). The stamp is
    /// taken before loading, so a change that lands during the load is not hidden.
    pub async fn get<E, F, Fut>(
        &self,
        store: &dyn Store,
        scope: &Scope,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let now = stamp(store);
        if let Ok(entries) = self.entries.read() {
            if let Some((at, seen, value)) = entries.get(scope) {
                if *seen == now && at.elapsed() < self.ttl {
                    return Ok(value.clone());
                }
            }
        }
        let value = Arc::new(load().await?);
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(scope.clone(), (Instant::now(), now, value.clone()));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Context;
    use crate::store::{sled::SledStore, OpenOptions};
    use serde_json::json;

    #[tokio::test]
    async fn an_entry_holds_until_configuration_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
        let scope = Scope::new("default", Context::Production);
        let cache: ScopedCache<usize> = ScopedCache::new(Duration::from_secs(60));
        let count = || async { store.list_config(&scope, "rule").await.map(|d| d.len()) };
        // Cached: a loader that fails is not called. Tests running beside this one may
        // bump the process-wide counter in between, which rightly ends the entry: then
        // the check is repeated.
        let mut tries = 0;
        loop {
            tries += 1;
            let before = process_generation();
            assert_eq!(*cache.get(&store, &scope, count).await.unwrap(), 0);
            let hit = cache
                .get(&store, &scope, || async { Err::<usize, _>("called") })
                .await;
            if process_generation() != before && tries < 100 {
                continue;
            }
            assert_eq!(*hit.unwrap(), 0);
            break;
        }
        store
            .put_config(&scope, "rule", "r1", &json!({"id": "r1"}))
            .await
            .unwrap();
        assert_eq!(*cache.get(&store, &scope, count).await.unwrap(), 1);
        // Another scope has its own entry.
        let staging = Scope::new("default", Context::Staging);
        let none = || async { store.list_config(&staging, "rule").await.map(|d| d.len()) };
        assert_eq!(*cache.get(&store, &staging, none).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_process_counter_and_the_ttl_end_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
        let scope = Scope::new("default", Context::Production);
        let cache: ScopedCache<u32> = ScopedCache::new(Duration::from_secs(60));
        cache
            .get(&store, &scope, || async { Ok::<_, ()>(1) })
            .await
            .unwrap();
        config_changed();
        let v = cache
            .get(&store, &scope, || async { Ok::<_, ()>(2) })
            .await
            .unwrap();
        assert_eq!(*v, 2);
        let short: ScopedCache<u32> = ScopedCache::new(Duration::ZERO);
        short
            .get(&store, &scope, || async { Ok::<_, ()>(1) })
            .await
            .unwrap();
        let v = short
            .get(&store, &scope, || async { Ok::<_, ()>(3) })
            .await
            .unwrap();
        assert_eq!(*v, 3);
    }
}
