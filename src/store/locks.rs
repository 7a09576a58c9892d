//! In-process per-key locks, the building block of [`Store::lock`](super::Store::lock).
//!
//! One mutex per key currently held or awaited (not stripes): the tracker holds a
//! session lock while it takes a profile lock, and two different keys sharing a stripe
//! would deadlock it. An entry is removed when its last user lets go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedMutexGuard;

type Table = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

#[derive(Default, Clone)]
pub struct KeyLocks {
    table: Table,
}

/// Holds one key; dropping it releases the key.
pub struct KeyGuard {
    table: Table,
    key: String,
    entry: Arc<tokio::sync::Mutex<()>>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyLocks {
    pub fn new() -> Self {
        Self::default()
    }

    pub async fn lock(&self, key: &str) -> KeyGuard {
        let entry = {
            let mut table = match self.table.lock() {
                Ok(t) => t,
                Err(poisoned) => poisoned.into_inner(),
            };
            table
                .entry(key.to_string())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
                .clone()
        };
        let guard = entry.clone().lock_owned().await;
        KeyGuard {
            table: self.table.clone(),
            key: key.to_string(),
            entry,
            guard: Some(guard),
        }
    }

    /// Keys currently held or awaited (for tests).
    pub fn len(&self) -> usize {
        match self.table.lock() {
            Ok(t) => t.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        self.guard.take();
        let mut table = match self.table.lock() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        // The table and this guard are the only owners: nobody else holds or waits.
        if Arc::strong_count(&self.entry) == 2 {
            table.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_key_and_entries_are_freed() {
        let locks = KeyLocks::new();
        let a = locks.lock("a").await;
        let _b = locks.lock("b").await; // another key is not blocked
        let waiter = {
            let locks = locks.clone();
            tokio::spawn(async move {
                let _g = locks.lock("a").await;
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(a);
        waiter.await.unwrap();
        drop(_b);
        assert!(locks.is_empty());
    }
}
