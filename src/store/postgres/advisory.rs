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
//! Lock and unlock requests on the connection are batched: whatever requests arrive
//! while a round trip is out go together in the next one (`unnest` of the ids, unlocks
//! and tries pipelined in one round trip). Under load the four lock statements of a
//! request are shared with every other request in flight, instead of each costing the
//! server a statement of its own.
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
/// a second round trip), and the requests waiting for its next round trip.
struct LockConn {
    client: Client,
    try_lock: Statement,
    unlock: Statement,
    op_timeout: Duration,
    queue: std::sync::Mutex<Queue>,
}

type TryReply = tokio::sync::oneshot::Sender<Result<bool>>;

#[derive(Default)]
struct Queue {
    /// A task is sending the queue's requests (at most one per connection).
    sending: bool,
    tries: Vec<(i64, TryReply)>,
    /// With the in-process guard, released once PostgreSQL has released the lock.
    unlocks: Vec<(i64, Option<KeyGuard>)>,
}

impl LockConn {
    /// Queues a request and starts the sender unless one is running.
    fn enqueue(self: &Arc<Self>, add: impl FnOnce(&mut Queue)) {
        // Without a runtime the process is ending; its connection and locks go with it.
        let runtime = tokio::runtime::Handle::try_current().ok();
        let start = match self.queue.lock() {
            Ok(mut q) => {
                add(&mut q);
                runtime.is_some() && !std::mem::replace(&mut q.sending, true)
            }
            Err(_) => false,
        };
        if let (true, Some(rt)) = (start, runtime) {
            rt.spawn(self.clone().send_queued());
        }
    }

    /// Asks for the lock `id` in the next round trip: true when granted.
    async fn try_lock(self: &Arc<Self>, id: i64) -> Result<bool> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.enqueue(|q| q.tries.push((id, tx)));
        rx.await
            .map_err(|_| StoreError::Io("the lock connection's sender stopped".into()))?
    }

    /// Sends what is queued, one round trip at a time, until nothing is.
    async fn send_queued(self: Arc<Self>) {
        loop {
            let (tries, unlocks) = match self.queue.lock() {
                Ok(mut q) => {
                    if q.tries.is_empty() && q.unlocks.is_empty() {
                        q.sending = false;
                        return;
                    }
                    (std::mem::take(&mut q.tries), std::mem::take(&mut q.unlocks))
                }
                Err(_) => return,
            };
            let unlock_ids: Vec<i64> = unlocks.iter().map(|(id, _)| *id).collect();
            let try_ids: Vec<i64> = tries.iter().map(|(id, _)| *id).collect();
            // Both go out together, the unlocks first; a failed unlock means the
            // connection is gone, and with it the lock.
            let unlock = async {
                if !unlock_ids.is_empty() {
                    let _ = self.client.execute(&self.unlock, &[&unlock_ids]).await;
                }
            };
            let attempt = async {
                if try_ids.is_empty() {
                    return Ok(Vec::new());
                }
                self.client
                    .query(&self.try_lock, &[&try_ids])
                    .await
                    .map_err(pg_err)?
                    .iter()
                    .map(|row| {
                        Ok((
                            row.try_get(0).map_err(pg_err)?,
                            row.try_get(1).map_err(pg_err)?,
                        ))
                    })
                    .collect::<Result<Vec<(i64, bool)>>>()
            };
            let sent =
                tokio::time::timeout(self.op_timeout, async { tokio::join!(unlock, attempt).1 })
                    .await
                    .unwrap_or_else(|_| {
                        Err(StoreError::Unavailable(
                            "PostgreSQL did not answer a lock request in time".into(),
                        ))
                    });
            drop(unlocks);
            for (id, reply) in tries {
                let answer = match &sent {
                    Ok(rows) => Ok(rows.iter().any(|(got, granted)| *got == id && *granted)),
                    Err(e) => Err(e.clone()),
                };
                // A requester that gave up meanwhile leaves a granted lock to release.
                if let Err(Ok(true)) = reply.send(answer) {
                    self.enqueue(|q| q.unlocks.push((id, None)));
                }
            }
        }
    }
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
        let (id, local) = (self.id, self.local.take());
        self.conn.enqueue(|q| q.unlocks.push((id, local)));
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
        let try_lock =
            prepare("SELECT id, pg_try_advisory_lock(id) FROM unnest($1::bigint[]) AS t(id)")
                .await?;
        let unlock =
            prepare("SELECT pg_advisory_unlock(id) FROM unnest($1::bigint[]) AS t(id)").await?;
        let conn = Arc::new(LockConn {
            client,
            try_lock,
            unlock,
            op_timeout: self.settings.op_timeout,
            queue: std::sync::Mutex::new(Queue::default()),
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
            if conn.try_lock(id).await? {
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
