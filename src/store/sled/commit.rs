//! Group commit: requests that arrive together share one `flush`.
//!
//! A caller writes, then calls `durable()`, which takes a ticket. Whoever holds the
//! flush lock flushes everything written so far and publishes the highest ticket that
//! flush covers; callers whose ticket is covered return without flushing again.

use super::{io, Result};
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) struct GroupCommit {
    db: sled::Db,
    requested: AtomicU64,
    completed: AtomicU64,
    flushing: tokio::sync::Mutex<()>,
}

impl GroupCommit {
    pub(super) fn new(db: sled::Db) -> Self {
        Self {
            db,
            requested: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    pub(super) async fn durable(&self) -> Result<()> {
        // The ticket is taken after the caller's writes, so any flush that starts after
        // this point covers them.
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        if self.completed.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        let _leader = self.flushing.lock().await;
        if self.completed.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        let covered = self.requested.load(Ordering::SeqCst);
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| super::StoreError::Io(format!("flush task failed: {e}")))?
            .map_err(io)?;
        self.completed.fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }
}
