//! Cross-process per-key locks on PostgreSQL advisory locks.
//!
//! Session-level advisory locks are taken with `pg_try_advisory_lock` on one dedicated
//! connection per process (not a pool connection per held lock: a request holds a
//! session and a profile lock at once, and a pool of held connections could run dry and
//! deadlock). Session-level locks are re-entrant on their connection, so an in-process
//! per-key mutex is taken first: within this process one holder per key, across
//! processes the advisory lock. A waiter for a key held by another process polls with
//! backoff, so it never ties up the shared connection.
//!
//! If the dedicated connection drops, PostgreSQL releases every lock it held; requests
//! already holding one finish without cross-process exclusion. The next lock reconnects.

use super::{pg_err, PgSettings};
use crate::store::locks::{KeyGuard, KeyLocks};
use crate::store::{LockGuard, Result, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls, Statement};

pub(super) struct AdvisoryLocks {
    settings: PgSettings,
    conn: tokio::sync::Mutex<Option<Arc<LockConn>>>,
    local: KeyLocks,
}

/// The lock connection with its two statements prepared once (an unprepared query costs
/// a second round trip).
struct LockConn {
    client: Client,
    try_lock: Statement,
    unlock: Statement,
}

/// The advisory lock id of a key: the first 8 bytes of its md5, stable across builds
/// and hosts (unlike `DefaultHasher`).
pub(super) fn lock_id(key: &str) -> i64 {
    let d = md5::compute(key.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d.0[..8]);
    i64::from_be_bytes(b)
}

struct Held {
    conn: Arc<LockConn>,
    id: i64,
    local: Option<KeyGuard>,
}

impl Drop for Held {
    fn drop(&mut self) {
        let conn = self.conn.clone();
        let id = self.id;
        let local = self.local.take();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                // A failure means the connection is gone, and with it the lock.
                let _ = conn.client.execute(&conn.unlock, &[&id]).await;
                drop(local);
            });
        }
        // Without a runtime the process is ending; its connection and locks go with it.
    }
}

/// Drives the lock connection until it closes.
async fn watch<F>(connection: F)
where
    F: std::future::Future<Output = std::result::Result<(), tokio_postgres::Error>>,
{
    if let Err(e) = connection.await {
        tracing::warn!(error = %e, "PostgreSQL lock connection closed");
    }
}

impl AdvisoryLocks {
    pub(super) fn new(settings: PgSettings) -> Self {
        Self {
            settings,
            conn: tokio::sync::Mutex::new(None),
            local: KeyLocks::new(),
        }
    }

    async fn connection(&self) -> Result<Arc<LockConn>> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            if !c.client.is_closed() {
                return Ok(c.clone());
            }
        }
        let timeout =
            |_| StoreError::Unavailable("PostgreSQL did not accept a connection in time".into());
        let client = match &self.settings.tls {
            Some(tls) => {
                let connect = self.settings.config.connect(tls.clone());
                let (client, connection) = tokio::time::timeout(self.settings.op_timeout, connect)
                    .await
                    .map_err(timeout)?
                    .map_err(pg_err)?;
                tokio::spawn(watch(connection));
                client
            }
            None => {
                let connect = self.settings.config.connect(NoTls);
                let (client, connection) = tokio::time::timeout(self.settings.op_timeout, connect)
                    .await
                    .map_err(timeout)?
                    .map_err(pg_err)?;
                tokio::spawn(watch(connection));
                client
            }
        };
        let prepare = |sql| {
            let client = &client;
            async move {
                tokio::time::timeout(self.settings.op_timeout, client.prepare(sql))
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable("PostgreSQL did not answer in time".into())
                    })?
                    .map_err(pg_err)
            }
        };
        let try_lock = prepare("SELECT pg_try_advisory_lock($1)").await?;
        let unlock = prepare("SELECT pg_advisory_unlock($1)").await?;
        let conn = Arc::new(LockConn {
            client,
            try_lock,
            unlock,
        });
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Takes the lock of `key`. Runs in its own task so that a caller that gives up
    /// (timeout, client gone) cannot leave a lock taken with no guard to release it.
    pub(super) async fn lock(self: &Arc<Self>, key: String) -> Result<LockGuard> {
        let this = self.clone();
        tokio::spawn(async move { this.acquire(key).await })
            .await
            .map_err(|e| StoreError::Io(format!("lock task failed: {e}")))?
    }

    async fn acquire(&self, key: String) -> Result<LockGuard> {
        let local = self.local.lock(&key).await;
        let id = lock_id(&key);
        let deadline = Instant::now() + self.settings.lock_timeout;
        let mut backoff = Duration::from_millis(1);
        loop {
            let conn = self.connection().await?;
            let attempt = tokio::time::timeout(
                self.settings.op_timeout,
                conn.client.query_one(&conn.try_lock, &[&id]),
            )
            .await
            .map_err(|_| {
                StoreError::Unavailable("PostgreSQL did not answer a lock request in time".into())
            })?
            .map_err(pg_err)?;
            let granted: bool = attempt.try_get(0).map_err(pg_err)?;
            if granted {
                return Ok(LockGuard::new(Held {
                    conn,
                    id,
                    local: Some(local),
                }));
            }
            if Instant::now() >= deadline {
                return Err(StoreError::Unavailable(format!(
                    "lock `{key}` is held by another process for longer than {:?}",
                    self.settings.lock_timeout
                )));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(20));
        }
    }
}
