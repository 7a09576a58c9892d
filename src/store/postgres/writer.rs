//! Group commit for what collectors write: the writes of many concurrent requests go into
//! one transaction, with one multi-row statement per table, and every request is answered
//! once that transaction has committed.
//!
//! One task takes the writes queued while the previous transaction ran (up to
//! [`MAX_BATCH`]), so batches grow with the load and commit in the order they were
//! queued. Requests encode their documents before queueing (serde runs in parallel, the
//! task only sends). If a batch fails for anything but an unreachable database, each of
//! its writes is retried alone, so one refused document (JSONB cannot hold U+0000) fails
//! only its own request.

use super::{pg_err, pool_err};
use crate::domain::Scope;
use crate::store::{Result, StoreError, TrackWrite};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use deadpool_postgres::Transaction;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;
/// Writes waiting for the task; a full queue makes requests wait to enqueue.
const QUEUE_DEPTH: usize = 4096;

/// One request's writes, encoded.
pub(super) struct Encoded {
    scope: Scope,
    mark: Option<String>,
    /// Id, document, and every id it is found by (sorted, deduplicated).
    profile: Option<(String, String, Vec<String>)>,
    /// Id, profile id, document.
    session: Option<(String, Option<String>, String)>,
    jobs: Vec<Job>,
    events: Vec<EventRow>,
}

struct Job {
    tenant: String,
    context: &'static str,
    topic: String,
    key: Option<String>,
    payload: String,
}

struct EventRow {
    id: String,
    profile_id: Option<String>,
    inserted: DateTime<Utc>,
    doc: String,
}

fn json<T: serde::Serialize>(kind: &'static str, id: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode {
        kind,
        id: id.to_string(),
        reason: e.to_string(),
    })
}

impl Encoded {
    pub(super) fn new(scope: &Scope, write: &TrackWrite<'_>) -> Result<Self> {
        let profile = match write.profile {
            Some(p) => {
                let mut aliases: Vec<String> = std::iter::once(&p.id)
                    .chain(p.ids.iter())
                    .cloned()
                    .collect();
                aliases.sort_unstable();
                aliases.dedup();
                Some((p.id.clone(), json("profile", &p.id, p)?, aliases))
            }
            None => None,
        };
        let session = match write.session {
            Some(s) => Some((
                s.id.clone(),
                s.profile_id().map(str::to_string),
                json("session", &s.id, s)?,
            )),
            None => None,
        };
        let jobs = write
            .jobs
            .iter()
            .map(|j| {
                Ok(Job {
                    tenant: j.scope.tenant.clone(),
                    context: j.scope.context.as_str(),
                    topic: j.topic.clone(),
                    key: j.key.clone(),
                    payload: json("queue item", &j.topic, &j.payload)?,
                })
            })
            .collect::<Result<_>>()?;
        let events = write
            .events
            .iter()
            .map(|e| {
                Ok(EventRow {
                    id: e.id.clone(),
                    profile_id: e.profile_id().map(str::to_string),
                    inserted: e.metadata.time.insert,
                    doc: json("event", &e.id, e)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            scope: scope.clone(),
            mark: write.mark_for_merge.map(str::to_string),
            profile,
            session,
            jobs,
            events,
        })
    }

    /// The months of the events' insert times, for their partitions.
    pub(super) fn months(&self) -> Vec<i32> {
        let mut months: Vec<i32> = self
            .events
            .iter()
            .map(|e| super::month_of(e.inserted))
            .collect();
        months.sort_unstable();
        months.dedup();
        months
    }
}

struct Pending {
    write: Arc<Encoded>,
    done: oneshot::Sender<Result<()>>,
}

/// The handle requests queue their writes on; the task ends when it is dropped.
pub(super) struct GroupWriter {
    queue: mpsc::Sender<Pending>,
    timeout: Duration,
}

impl GroupWriter {
    pub(super) fn start(pool: Pool, timeout: Duration) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(pool, timeout, rx));
        Self { queue, timeout }
    }

    /// Returns once the write has committed (or failed). Bounded: a request that waited
    /// longer than the queue and one transaction may take gets an error, never a hang.
    pub(super) async fn commit(&self, write: Arc<Encoded>) -> Result<()> {
        let (done, answer) = oneshot::channel();
        let gone = || StoreError::Unavailable("the PostgreSQL writer has stopped".into());
        let wait = async {
            self.queue
                .send(Pending { write, done })
                .await
                .map_err(|_| gone())?;
            answer.await.map_err(|_| gone())?
        };
        tokio::time::timeout(self.timeout * 3, wait)
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "PostgreSQL did not commit within {} ms",
                    (self.timeout * 3).as_millis()
                ))
            })?
    }
}

async fn run(pool: Pool, timeout: Duration, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let writes: Vec<&Encoded> = batch.iter().map(|p| p.write.as_ref()).collect();
        let result = timed(timeout, write_batch(&pool, &writes)).await;
        match result {
            Ok(()) => {
                for p in batch {
                    let _ = p.done.send(Ok(()));
                }
            }
            Err(e) if batch.len() > 1 && !matches!(e, StoreError::Unavailable(_)) => {
                // Find the write at fault: each alone, in the order they came.
                for p in batch {
                    let alone = timed(timeout, write_batch(&pool, &[p.write.as_ref()])).await;
                    let _ = p.done.send(alone);
                }
            }
            Err(e) => {
                for p in batch {
                    // A request that gave up waiting is not an error here.
                    let _ = p.done.send(Err(e.clone()));
                }
            }
        }
    }
}

async fn timed(
    timeout: Duration,
    fut: impl std::future::Future<Output = Result<()>>,
) -> Result<()> {
    tokio::time::timeout(timeout, fut).await.map_err(|_| {
        StoreError::Unavailable(format!(
            "PostgreSQL did not commit within {} ms",
            timeout.as_millis()
        ))
    })?
}

type Param<'a> = &'a (dyn ToSql + Sync);

async fn exec(tx: &Transaction<'_>, sql: &str, params: &[Param<'_>]) -> Result<()> {
    let stmt = tx.prepare_cached(sql).await.map_err(pg_err)?;
    tx.execute(&stmt, params).await.map_err(pg_err)?;
    Ok(())
}

/// Writes a batch in one transaction: per scope the merge marks, profiles and their id
/// index, sessions and events; then every queue item. Rows are deduplicated by key (the
/// last write wins, as if written one after another) and sorted, so that concurrent
/// transactions of other processes take row locks in one order.
async fn write_batch(pool: &Pool, writes: &[&Encoded]) -> Result<()> {
    let mut client = pool.get().await.map_err(pool_err)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    let mut scopes: Vec<&Scope> = writes.iter().map(|w| &w.scope).collect();
    scopes.sort();
    scopes.dedup();
    for scope in scopes {
        let of_scope: Vec<&Encoded> = writes
            .iter()
            .copied()
            .filter(|w| w.scope == *scope)
            .collect();
        write_scope(&tx, scope, &of_scope).await?;
    }
    let jobs: Vec<&Job> = writes.iter().flat_map(|w| &w.jobs).collect();
    if !jobs.is_empty() {
        let tenants: Vec<&str> = jobs.iter().map(|j| j.tenant.as_str()).collect();
        let contexts: Vec<&str> = jobs.iter().map(|j| j.context).collect();
        let topics: Vec<&str> = jobs.iter().map(|j| j.topic.as_str()).collect();
        let keys: Vec<Option<&str>> = jobs.iter().map(|j| j.key.as_deref()).collect();
        let payloads: Vec<&str> = jobs.iter().map(|j| j.payload.as_str()).collect();
        let now = Utc::now();
        // In the order given: sequence numbers keep each key's order.
        exec(
            &tx,
            "INSERT INTO work_queue (tenant, context, topic, key, payload, enqueued_at, available_at)
             SELECT tenant, context, topic, key, payload::jsonb, $6, $6
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                  WITH ORDINALITY AS t(tenant, context, topic, key, payload, n)
             ORDER BY n",
            &[&tenants, &contexts, &topics, &keys, &payloads, &now],
        )
        .await?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(())
}

async fn write_scope(tx: &Transaction<'_>, scope: &Scope, writes: &[&Encoded]) -> Result<()> {
    let tenant = scope.tenant.as_str();
    let context = scope.context.as_str();

    let mut marks: Vec<&str> = writes.iter().filter_map(|w| w.mark.as_deref()).collect();
    marks.sort_unstable();
    marks.dedup();
    if !marks.is_empty() {
        exec(
            tx,
            "INSERT INTO merge_marks (tenant, context, profile_id)
             SELECT $1, $2, unnest($3::text[])
             ON CONFLICT DO NOTHING",
            &[&tenant, &context, &marks],
        )
        .await?;
    }

    let profiles: BTreeMap<&str, (&str, &[String])> = writes
        .iter()
        .filter_map(|w| w.profile.as_ref())
        .map(|(id, doc, aliases)| (id.as_str(), (doc.as_str(), aliases.as_slice())))
        .collect();
    if !profiles.is_empty() {
        let ids: Vec<&str> = profiles.keys().copied().collect();
        let docs: Vec<&str> = profiles.values().map(|(d, _)| *d).collect();
        // Every (profile, id) pair, and each id's last holder for the index.
        let mut pair_ids = Vec::new();
        let mut pair_aliases = Vec::new();
        let mut holder: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, (_, aliases)) in &profiles {
            for a in aliases.iter() {
                pair_ids.push(*id);
                pair_aliases.push(a.as_str());
                holder.insert(a.as_str(), id);
            }
        }
        let held: Vec<&str> = holder.keys().copied().collect();
        let holders: Vec<&str> = holder.values().copied().collect();
        exec(
            tx,
            "INSERT INTO profiles (tenant, context, id, doc)
             SELECT $1, $2, id, doc::jsonb FROM unnest($3::text[], $4::text[]) AS t(id, doc)
             ON CONFLICT (tenant, context, id) DO UPDATE SET doc = excluded.doc",
            &[&tenant, &context, &ids, &docs],
        )
        .await?;
        // Ids a profile no longer has leave the index and the holder lists.
        for table in ["profile_ids", "alias_members"] {
            exec(
                tx,
                &format!(
                    "DELETE FROM {table} p USING unnest($3::text[]) AS x(id)
                     WHERE p.tenant = $1 AND p.context = $2 AND p.profile_id = x.id
                       AND NOT EXISTS (
                         SELECT 1 FROM unnest($4::text[], $5::text[]) AS n(pid, alias)
                         WHERE n.pid = p.profile_id AND n.alias = p.alias)"
                ),
                &[&tenant, &context, &ids, &pair_ids, &pair_aliases],
            )
            .await?;
        }
        exec(
            tx,
            "INSERT INTO alias_members (tenant, context, alias, profile_id)
             SELECT $1, $2, alias, pid FROM unnest($3::text[], $4::text[]) AS n(pid, alias)
             ON CONFLICT DO NOTHING",
            &[&tenant, &context, &pair_ids, &pair_aliases],
        )
        .await?;
        // Ids are taken over from other profiles; unchanged entries are not rewritten.
        exec(
            tx,
            "INSERT INTO profile_ids (tenant, context, alias, profile_id)
             SELECT $1, $2, alias, pid FROM unnest($3::text[], $4::text[]) AS n(alias, pid)
             ON CONFLICT (tenant, context, alias) DO UPDATE SET profile_id = excluded.profile_id
             WHERE profile_ids.profile_id IS DISTINCT FROM excluded.profile_id",
            &[&tenant, &context, &held, &holders],
        )
        .await?;
    }

    let sessions: BTreeMap<&str, (Option<&str>, &str)> = writes
        .iter()
        .filter_map(|w| w.session.as_ref())
        .map(|(id, pid, doc)| (id.as_str(), (pid.as_deref(), doc.as_str())))
        .collect();
    if !sessions.is_empty() {
        let ids: Vec<&str> = sessions.keys().copied().collect();
        let pids: Vec<Option<&str>> = sessions.values().map(|(p, _)| *p).collect();
        let docs: Vec<&str> = sessions.values().map(|(_, d)| *d).collect();
        exec(
            tx,
            "INSERT INTO sessions (tenant, context, id, profile_id, doc)
             SELECT $1, $2, id, pid, doc::jsonb
             FROM unnest($3::text[], $4::text[], $5::text[]) AS t(id, pid, doc)
             ON CONFLICT (tenant, context, id)
             DO UPDATE SET profile_id = excluded.profile_id, doc = excluded.doc",
            &[&tenant, &context, &ids, &pids, &docs],
        )
        .await?;
    }

    let events: BTreeMap<&str, &EventRow> = writes
        .iter()
        .flat_map(|w| &w.events)
        .map(|e| (e.id.as_str(), e))
        .collect();
    if !events.is_empty() {
        let ids: Vec<&str> = events.keys().copied().collect();
        let profiles: Vec<Option<&str>> =
            events.values().map(|e| e.profile_id.as_deref()).collect();
        let times: Vec<DateTime<Utc>> = events.values().map(|e| e.inserted).collect();
        let docs: Vec<&str> = events.values().map(|e| e.doc.as_str()).collect();
        super::write_event_rows(tx, scope, &ids, &profiles, &times, &docs).await?;
    }
    Ok(())
}
