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
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

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

/// A statement of a batch with its parameters.
type Step<'a> = (Cow<'static, str>, Vec<Param<'a>>);

/// Runs statements in one round trip: each is prepared (from the connection's cache after
/// the first batch), then all are sent at once, in this order, and the server runs them
/// one after another in the transaction. Returns the rows of each. The first failure
/// fails the whole transaction, as it would one statement at a time.
async fn pipeline(tx: &Transaction<'_>, steps: &[Step<'_>]) -> Result<Vec<Vec<Row>>> {
    let mut statements = Vec::with_capacity(steps.len());
    for (sql, _) in steps {
        statements.push(tx.prepare_cached(sql).await.map_err(pg_err)?);
    }
    // A query is sent when it is first polled, and `try_join_all` polls in order.
    futures::future::try_join_all(
        statements
            .iter()
            .zip(steps)
            .map(|(stmt, (_, params))| tx.query(stmt, params)),
    )
    .await
    .map_err(pg_err)
}

/// Writes a batch in one transaction: per scope the merge marks, profiles and their id
/// index, sessions and events; then every queue item. Rows are deduplicated by key (the
/// last write wins, as if written one after another) and sorted, so that concurrent
/// transactions of other processes take row locks in one order.
///
/// Four round trips whatever the batch holds: `BEGIN`; every write that depends on
/// nothing read, with the lookup of the events' stored insert times; the events (after
/// the old rows of any that moved); `COMMIT`.
async fn write_batch(pool: &Pool, writes: &[&Encoded]) -> Result<()> {
    let mut client = pool.get().await.map_err(pool_err)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    let mut scopes: Vec<&Scope> = writes.iter().map(|w| &w.scope).collect();
    scopes.sort();
    scopes.dedup();
    let rows: Vec<ScopeRows<'_>> = scopes
        .into_iter()
        .map(|scope| ScopeRows::new(scope, writes))
        .collect();
    let jobs = JobRows::new(writes);
    let now = Utc::now();

    let mut first: Vec<Step<'_>> = Vec::new();
    // Where each scope's event lookup is among `first`.
    let mut lookups: Vec<Option<usize>> = Vec::with_capacity(rows.len());
    for r in &rows {
        r.independent_writes(&mut first);
        lookups.push(r.event_lookup().map(|step| {
            first.push(step);
            first.len() - 1
        }));
    }
    if let Some(step) = jobs.step(&now) {
        first.push(step);
    }
    let results = pipeline(&tx, &first).await?;

    // A scope without events looked nothing up and has nothing that moved.
    let moved = rows
        .iter()
        .zip(&lookups)
        .map(|(r, lookup)| {
            let stored = lookup
                .and_then(|i| results.get(i))
                .map(Vec::as_slice)
                .unwrap_or_default();
            super::moved_events(stored, &r.event_ids, &r.event_times)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut second: Vec<Step<'_>> = Vec::new();
    for (r, moved) in rows.iter().zip(&moved) {
        r.event_writes(moved, &mut second);
    }
    if !second.is_empty() {
        pipeline(&tx, &second).await?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(())
}

/// The queue items of a batch, in the order given: sequence numbers keep each key's order.
struct JobRows<'w> {
    tenants: Vec<&'w str>,
    contexts: Vec<&'static str>,
    topics: Vec<&'w str>,
    keys: Vec<Option<&'w str>>,
    payloads: Vec<&'w str>,
}

impl<'w> JobRows<'w> {
    fn new(writes: &[&'w Encoded]) -> Self {
        let jobs: Vec<&Job> = writes.iter().flat_map(|w| &w.jobs).collect();
        Self {
            tenants: jobs.iter().map(|j| j.tenant.as_str()).collect(),
            contexts: jobs.iter().map(|j| j.context).collect(),
            topics: jobs.iter().map(|j| j.topic.as_str()).collect(),
            keys: jobs.iter().map(|j| j.key.as_deref()).collect(),
            payloads: jobs.iter().map(|j| j.payload.as_str()).collect(),
        }
    }

    fn step<'a>(&'a self, now: &'a DateTime<Utc>) -> Option<Step<'a>> {
        (!self.tenants.is_empty()).then(|| {
            (
                Cow::Borrowed(
                    "INSERT INTO work_queue (tenant, context, topic, key, payload, enqueued_at, available_at)
                     SELECT tenant, context, topic, key, payload::jsonb, $6, $6
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                          WITH ORDINALITY AS t(tenant, context, topic, key, payload, n)
                     ORDER BY n",
                ),
                vec![
                    &self.tenants as Param,
                    &self.contexts,
                    &self.topics,
                    &self.keys,
                    &self.payloads,
                    now,
                ],
            )
        })
    }
}

/// One scope's rows of a batch, deduplicated and sorted, for the statements to borrow.
struct ScopeRows<'w> {
    tenant: &'w str,
    context: &'static str,
    marks: Vec<&'w str>,
    profile_ids: Vec<&'w str>,
    profile_docs: Vec<&'w str>,
    /// Every (profile, id) pair.
    pair_ids: Vec<&'w str>,
    pair_aliases: Vec<&'w str>,
    /// Each id and its last holder, for the index.
    held: Vec<&'w str>,
    holders: Vec<&'w str>,
    session_ids: Vec<&'w str>,
    session_profiles: Vec<Option<&'w str>>,
    session_docs: Vec<&'w str>,
    event_ids: Vec<&'w str>,
    event_profiles: Vec<Option<&'w str>>,
    event_times: Vec<DateTime<Utc>>,
    event_docs: Vec<&'w str>,
}

impl<'w> ScopeRows<'w> {
    fn new(scope: &'w Scope, writes: &[&'w Encoded]) -> Self {
        let writes: Vec<&Encoded> = writes
            .iter()
            .copied()
            .filter(|w| w.scope == *scope)
            .collect();
        let mut marks: Vec<&str> = writes.iter().filter_map(|w| w.mark.as_deref()).collect();
        marks.sort_unstable();
        marks.dedup();

        let profiles: BTreeMap<&str, (&str, &[String])> = writes
            .iter()
            .filter_map(|w| w.profile.as_ref())
            .map(|(id, doc, aliases)| (id.as_str(), (doc.as_str(), aliases.as_slice())))
            .collect();
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

        let sessions: BTreeMap<&str, (Option<&str>, &str)> = writes
            .iter()
            .filter_map(|w| w.session.as_ref())
            .map(|(id, pid, doc)| (id.as_str(), (pid.as_deref(), doc.as_str())))
            .collect();
        let events: BTreeMap<&str, &EventRow> = writes
            .iter()
            .flat_map(|w| &w.events)
            .map(|e| (e.id.as_str(), e))
            .collect();
        Self {
            tenant: scope.tenant.as_str(),
            context: scope.context.as_str(),
            marks,
            profile_ids: profiles.keys().copied().collect(),
            profile_docs: profiles.values().map(|(d, _)| *d).collect(),
            pair_ids,
            pair_aliases,
            held: holder.keys().copied().collect(),
            holders: holder.values().copied().collect(),
            session_ids: sessions.keys().copied().collect(),
            session_profiles: sessions.values().map(|(p, _)| *p).collect(),
            session_docs: sessions.values().map(|(_, d)| *d).collect(),
            event_ids: events.keys().copied().collect(),
            event_profiles: events.values().map(|e| e.profile_id.as_deref()).collect(),
            event_times: events.values().map(|e| e.inserted).collect(),
            event_docs: events.values().map(|e| e.doc.as_str()).collect(),
        }
    }

    /// The merge marks, profiles with their id index, and sessions. Each statement reads
    /// no row another of them writes, so their order among themselves does not matter.
    fn independent_writes<'a>(&'a self, steps: &mut Vec<Step<'a>>) {
        let (tenant, context) = (&self.tenant as Param, &self.context as Param);
        if !self.marks.is_empty() {
            steps.push((
                Cow::Borrowed(
                    "INSERT INTO merge_marks (tenant, context, profile_id)
                     SELECT $1, $2, unnest($3::text[])
                     ON CONFLICT DO NOTHING",
                ),
                vec![tenant, context, &self.marks],
            ));
        }
        if !self.profile_ids.is_empty() {
            steps.push((
                Cow::Borrowed(
                    "INSERT INTO profiles (tenant, context, id, doc)
                     SELECT $1, $2, id, doc::jsonb FROM unnest($3::text[], $4::text[]) AS t(id, doc)
                     ON CONFLICT (tenant, context, id) DO UPDATE SET doc = excluded.doc",
                ),
                vec![tenant, context, &self.profile_ids, &self.profile_docs],
            ));
            // Ids a profile no longer has leave the index and the holder lists. A pair
            // the batch keeps is never deleted, so these may run before or after the
            // inserts below.
            for table in ["profile_ids", "alias_members"] {
                steps.push((
                    Cow::Owned(format!(
                        "DELETE FROM {table} p USING unnest($3::text[]) AS x(id)
                         WHERE p.tenant = $1 AND p.context = $2 AND p.profile_id = x.id
                           AND NOT EXISTS (
                             SELECT 1 FROM unnest($4::text[], $5::text[]) AS n(pid, alias)
                             WHERE n.pid = p.profile_id AND n.alias = p.alias)"
                    )),
                    vec![
                        tenant,
                        context,
                        &self.profile_ids,
                        &self.pair_ids,
                        &self.pair_aliases,
                    ],
                ));
            }
            steps.push((
                Cow::Borrowed(
                    "INSERT INTO alias_members (tenant, context, alias, profile_id)
                     SELECT $1, $2, alias, pid FROM unnest($3::text[], $4::text[]) AS n(pid, alias)
                     ON CONFLICT DO NOTHING",
                ),
                vec![tenant, context, &self.pair_ids, &self.pair_aliases],
            ));
            // Ids are taken over from other profiles; unchanged entries are not rewritten.
            steps.push((
                Cow::Borrowed(
                    "INSERT INTO profile_ids (tenant, context, alias, profile_id)
                     SELECT $1, $2, alias, pid FROM unnest($3::text[], $4::text[]) AS n(alias, pid)
                     ON CONFLICT (tenant, context, alias) DO UPDATE SET profile_id = excluded.profile_id
                     WHERE profile_ids.profile_id IS DISTINCT FROM excluded.profile_id",
                ),
                vec![tenant, context, &self.held, &self.holders],
            ));
        }
        if !self.session_ids.is_empty() {
            steps.push((
                Cow::Borrowed(
                    "INSERT INTO sessions (tenant, context, id, profile_id, doc)
                     SELECT $1, $2, id, pid, doc::jsonb
                     FROM unnest($3::text[], $4::text[], $5::text[]) AS t(id, pid, doc)
                     ON CONFLICT (tenant, context, id)
                     DO UPDATE SET profile_id = excluded.profile_id, doc = excluded.doc",
                ),
                vec![
                    tenant,
                    context,
                    &self.session_ids,
                    &self.session_profiles,
                    &self.session_docs,
                ],
            ));
        }
    }

    /// The lookup of the stored insert times of the batch's events.
    fn event_lookup(&self) -> Option<Step<'_>> {
        (!self.event_ids.is_empty()).then(|| {
            (
                Cow::Borrowed(super::STORED_EVENT_TIMES),
                vec![&self.tenant as Param, &self.context, &self.event_ids],
            )
        })
    }

    /// The events: first the old rows of those that `moved` to another insert time, then
    /// every row and its id index entry.
    fn event_writes<'a>(&'a self, moved: &'a [(String, DateTime<Utc>)], steps: &mut Vec<Step<'a>>) {
        let (tenant, context) = (&self.tenant as Param, &self.context as Param);
        for (id, old) in moved {
            steps.push((
                Cow::Borrowed(super::DELETE_EVENT_ROW),
                vec![tenant, context, old, id],
            ));
        }
        if !self.event_ids.is_empty() {
            steps.push((
                Cow::Borrowed(super::WRITE_EVENT_ROWS),
                vec![
                    tenant,
                    context,
                    &self.event_ids,
                    &self.event_profiles,
                    &self.event_times,
                    &self.event_docs,
                ],
            ));
        }
    }
}
