//! Serialises updates to one key (a session or a profile id) within this process.
//! Different keys proceed in parallel; keys are spread over a fixed set of stripes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use tokio::sync::{Mutex, MutexGuard};

pub struct KeyedLocks {
    stripes: Vec<Mutex<()>>,
}

impl KeyedLocks {
    pub fn new(stripes: usize) -> Self {
        Self {
            stripes: (0..stripes.max(1)).map(|_| Mutex::new(())).collect(),
        }
    }

    fn stripe(&self, key: &str) -> usize {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        (h.finish() % self.stripes.len() as u64) as usize
    }

    pub async fn lock(&self, key: &str) -> MutexGuard<'_, ()> {
        self.stripes[self.stripe(key)].lock().await
    }

    /// Locks several keys at once, always in stripe order, so two callers locking
    /// overlapping sets never deadlock.
    pub async fn lock_many<S: AsRef<str>>(&self, keys: &[S]) -> Vec<MutexGuard<'_, ()>> {
        let mut stripes: Vec<usize> = keys.iter().map(|k| self.stripe(k.as_ref())).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for s in stripes {
            guards.push(self.stripes[s].lock().await);
        }
        guards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn overlapping_lock_many_never_deadlocks() {
        let locks = Arc::new(KeyedLocks::new(8));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let locks = locks.clone();
            tasks.push(tokio::spawn(async move {
                let keys: Vec<String> = (0..5)
                    .map(|k| format!("k{}", (i * 7 + k * 3) % 11))
                    .collect();
                for _ in 0..50 {
                    let _g = locks.lock_many(&keys).await;
                    tokio::task::yield_now().await;
                }
            }));
        }
        let all = futures::future::join_all(tasks);
        tokio::time::timeout(std::time::Duration::from_secs(20), all)
            .await
            .expect("no deadlock");
    }
}
