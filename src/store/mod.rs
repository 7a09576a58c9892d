//! Storage behind traits shaped by use: profiles by any of their ids, sessions, events
//! by id, profile and time, configuration by kind, and durable acknowledgement.
//!
//! No backend type appears in a signature here, so a second backend can implement the
//! same trait and run the same conformance suite (`testsuite`).

pub mod backup;
pub mod cache;
pub mod copy;
pub mod locks;
pub mod migrations;
pub mod postgres;
pub mod queue;
pub mod sled;
pub mod tenants;
pub mod testsuite;

use crate::domain::{EntityRef, Event, EventSource, MergeRecord, Profile, Scope, Session};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
pub use queue::{Leased, Leases, NackOutcome, NewItem, QueueItem, QueueStats, RetryPolicy};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The format version of what this binary writes. Stored in the store's metadata; the
/// steps from older versions are in [`migrations::STEPS`].
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage I/O failed: {0}")]
    Io(String),
    #[error("stored {kind} `{id}` cannot be decoded: {reason}")]
    Corrupt {
        kind: &'static str,
        id: String,
        reason: String,
    },
    #[error("cannot encode {kind} `{id}`: {reason}")]
    Encode {
        kind: &'static str,
        id: String,
        reason: String,
    },
    #[error("the store at {path} is in use by another process: a running daemon (`tracardictl serve`) or another command holds it; stop it first (only one process may open an embedded store: run the services you need with one `tracardictl serve`, and the commands that need the store offline while it is stopped)")]
    Locked { path: String },
    #[error("bad cursor `{0}`")]
    BadCursor(String),
    #[error("{0}")]
    Invalid(String),
    /// The store cannot be reached now (database down, pool exhausted, timeout); the
    /// request may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Records re-pointed per write by [`Store::move_events`] and [`Store::move_sessions`].
pub const MOVE_BATCH: usize = 500;

/// One page of a listing; `next` is the cursor to pass to get the following page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A page of a listing narrowed by a condition in the store: every record the condition
/// accepts on that stretch is in it; `exact` when the store applied the whole condition
/// (otherwise some items may not match).
#[derive(Debug, Clone, PartialEq)]
pub struct Narrowed<T> {
    pub page: Page<T>,
    pub exact: bool,
}

/// Record counts of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    pub profiles: u64,
    pub sessions: u64,
    pub events: u64,
}

/// A time window for event listings; both ends optional, `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Everything one collected request (or one run of a batch) writes, handed to the store
/// at once by [`Store::commit_track`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackWrite<'a> {
    /// A profile to mark for automatic merging.
    pub mark_for_merge: Option<&'a str>,
    pub profile: Option<&'a Profile>,
    pub session: Option<&'a Session>,
    /// Queue items (workflow jobs, deliveries) naming the events.
    pub jobs: &'a [NewItem],
    pub events: &'a [Event],
}

impl TrackWrite<'_> {
    pub fn is_empty(&self) -> bool {
        self.mark_for_merge.is_none()
            && self.profile.is_none()
            && self.session.is_none()
            && self.jobs.is_empty()
            && self.events.is_empty()
    }
}

/// Configuration kinds stored as documents keyed by id.
pub mod kinds {
    pub const EVENT_SOURCE: &str = "event-source";
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A profile by its id or by any entry of its `ids` (merge keys, merged-away ids).
    async fn profile(&self, scope: &Scope, id: &str) -> Result<Option<Profile>>;
    /// The id and the `ids` of the profile [`Store::profile`] would return, decoding
    /// no more of it where the backend can (the APM finds a profile's group by them).
    async fn profile_ids_of(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<(String, Vec<String>)>> {
        Ok(self.profile(scope, id).await?.map(|p| (p.id, p.ids)))
    }
    /// The id of the profile [`Store::profile`] would return, without reading the
    /// profile where the backend can (the collector only needs to know which one).
    async fn profile_id(&self, scope: &Scope, id: &str) -> Result<Option<String>> {
        Ok(self.profile(scope, id).await?.map(|p| p.id))
    }
    /// Inserts or replaces a profile and indexes every entry of its `ids`.
    async fn put_profile(&self, scope: &Scope, profile: &Profile) -> Result<()>;
    /// Deletes a profile and its id index entries; true when it existed.
    async fn delete_profile(&self, scope: &Scope, id: &str) -> Result<bool>;
    /// Profiles ordered by id, starting after the cursor.
    async fn list_profiles(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Profile>>;
    /// Every profile whose `ids` hold this id (several when they share a merge key).
    async fn profiles_by_alias(&self, scope: &Scope, alias: &str) -> Result<Vec<Profile>>;
    /// The ids of the profiles [`Store::profiles_by_alias`] returns, in its order, without
    /// reading the profiles where the backend can (the APM only needs to know which).
    async fn profile_ids_by_alias(&self, scope: &Scope, alias: &str) -> Result<Vec<String>> {
        Ok(self
            .profiles_by_alias(scope, alias)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect())
    }

    /// Re-points every event of profile `from` to profile `to` (a merge moves the events
    /// of the merged-away profiles to the survivor); the ids of the moved events, oldest
    /// first. The caller holds both profiles' locks.
    async fn move_events(&self, scope: &Scope, from: &str, to: &str) -> Result<Vec<String>> {
        let mut moved = Vec::new();
        loop {
            // Moved events leave `from`'s index, so the first page is always the next one.
            let page = self
                .events_by_profile(scope, from, None, MOVE_BATCH)
                .await?;
            if page.items.is_empty() {
                break;
            }
            let events: Vec<Event> = page
                .items
                .into_iter()
                .map(|mut e| {
                    e.profile = Some(EntityRef::new(to));
                    e
                })
                .collect();
            moved.extend(events.iter().map(|e| e.id.clone()));
            self.put_events(scope, &events).await?;
        }
        Ok(moved)
    }

    /// Re-points every session of profile `from` to profile `to`, as
    /// [`Store::move_events`] does for events; the ids of the moved sessions.
    async fn move_sessions(&self, scope: &Scope, from: &str, to: &str) -> Result<Vec<String>> {
        let mut moved = Vec::new();
        loop {
            let page = self
                .sessions_by_profile(scope, from, None, MOVE_BATCH)
                .await?;
            if page.items.is_empty() {
                break;
            }
            for mut s in page.items {
                s.profile = Some(EntityRef::new(to));
                moved.push(s.id.clone());
                self.put_session(scope, &s).await?;
            }
        }
        Ok(moved)
    }

    async fn session(&self, scope: &Scope, id: &str) -> Result<Option<Session>>;
    async fn put_session(&self, scope: &Scope, session: &Session) -> Result<()>;
    async fn delete_session(&self, scope: &Scope, id: &str) -> Result<bool>;
    async fn list_sessions(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>>;
    /// A profile's sessions, ordered by session id, starting after the cursor.
    async fn sessions_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>>;

    async fn event(&self, scope: &Scope, id: &str) -> Result<Option<Event>>;
    /// Inserts or replaces events (by id) and their profile and time indexes.
    async fn put_events(&self, scope: &Scope, events: &[Event]) -> Result<()>;
    async fn delete_event(&self, scope: &Scope, id: &str) -> Result<bool>;
    /// A profile's events, oldest first, starting after the cursor.
    async fn events_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>>;
    /// Events by insert time, oldest first, within the range, starting after the cursor.
    async fn events_by_time(
        &self,
        scope: &Scope,
        range: TimeRange,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>>;

    /// A number that changes whenever any configuration document changes, when the
    /// backend can tell (only this process writes it); None: no such number, so
    /// configuration read from the store must not be cached on it.
    fn config_generation(&self) -> Option<u64> {
        None
    }
    /// A configuration document of a kind (`event-source`, `rule`, …) by id.
    async fn config(&self, scope: &Scope, kind: &str, id: &str) -> Result<Option<Value>>;
    async fn put_config(&self, scope: &Scope, kind: &str, id: &str, doc: &Value) -> Result<()>;
    async fn delete_config(&self, scope: &Scope, kind: &str, id: &str) -> Result<bool>;
    /// Every document of a kind, ordered by the key it is stored under.
    async fn list_config(&self, scope: &Scope, kind: &str) -> Result<Vec<Value>> {
        Ok(self
            .list_config_keyed(scope, kind)
            .await?
            .into_iter()
            .map(|(_, doc)| doc)
            .collect())
    }
    /// Every document of a kind with the key it is stored under, ordered by key. The key
    /// is usually the document's `id`, but not always (an API key is stored under the
    /// hash of its secret, its `id` is a short prefix): whatever copies configuration
    /// from store to store must use this key.
    async fn list_config_keyed(&self, scope: &Scope, kind: &str) -> Result<Vec<(String, Value)>>;

    /// Writes a merge journal record, indexed by every profile it names.
    async fn put_merge_record(&self, scope: &Scope, record: &MergeRecord) -> Result<()>;
    async fn merge_record(&self, scope: &Scope, id: &str) -> Result<Option<MergeRecord>>;
    /// The journal records naming a profile (as survivor or merged), oldest first.
    async fn merge_records_of(&self, scope: &Scope, profile_id: &str) -> Result<Vec<MergeRecord>>;
    /// Deletes a journal record and its index entries (erasing a profile erases the
    /// snapshots its merges kept); false when there was none.
    async fn delete_merge_record(&self, scope: &Scope, id: &str) -> Result<bool>;

    /// Marks a profile for automatic merging (its merge keys changed).
    async fn mark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()>;
    /// Up to `limit` profile ids marked for merging, oldest mark first.
    async fn marked_for_merge(&self, scope: &Scope, limit: usize) -> Result<Vec<String>>;
    async fn unmark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()>;

    /// Every scope that holds data or configuration.
    async fn scopes(&self) -> Result<Vec<Scope>>;

    /// Removes everything of a tenant: every record of both its contexts (data,
    /// configuration, indexes, merge journal and marks) and its queue items and dead
    /// letters. Other tenants are untouched.
    async fn drop_tenant(&self, tenant: &str) -> Result<()>;

    async fn counts(&self, scope: &Scope) -> Result<Counts>;
    /// A value of the store's own metadata (install-wide, not per scope).
    async fn meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    /// The schema version recorded in the store, None for a store never written.
    async fn schema_version(&self) -> Result<Option<u32>>;
    async fn set_schema_version(&self, version: u32) -> Result<()>;
    /// Bytes used on disk.
    async fn disk_size(&self) -> Result<u64>;

    /// Backend-specific facts for `status` and `doctor` (PostgreSQL: server version,
    /// database size, connection pool, TLS), as (name, value) pairs; empty when the
    /// backend has none.
    async fn backend_facts(&self) -> Result<Vec<(String, String)>> {
        Ok(Vec::new())
    }

    /// Returns once every write made before the call is on disk. Concurrent callers share
    /// one flush (group commit).
    async fn durable(&self) -> Result<()>;

    /// Makes every write durable and leaves nothing for the next open to recover: the
    /// embedded store flushes its pages and drops its write-ahead log, so a restart after
    /// a clean stop does not replay the log (up to 64 MB, seconds on a large store).
    /// Elsewhere the same as [`Store::durable`]. Called when a daemon or a bulk command
    /// ends.
    async fn checkpoint(&self) -> Result<()> {
        self.durable().await
    }

    /// Writes what a collected request stores: merge mark, profile, session, queue items
    /// and events. A stored event always has its queue items: PostgreSQL commits all of
    /// it in one transaction, shared with concurrent callers (group commit), before it
    /// returns; this default writes them one after another, queue items before events,
    /// and [`Store::durable`] makes them durable.
    async fn commit_track(&self, scope: &Scope, write: TrackWrite<'_>) -> Result<()> {
        if let Some(id) = write.mark_for_merge {
            self.mark_for_merge(scope, id).await?;
        }
        if let Some(profile) = write.profile {
            self.put_profile(scope, profile).await?;
        }
        if let Some(session) = write.session {
            self.put_session(scope, session).await?;
        }
        if !write.jobs.is_empty() {
            self.enqueue(write.jobs, Utc::now()).await?;
        }
        if !write.events.is_empty() {
            self.put_events(scope, write.events).await?;
        }
        Ok(())
    }

    /// Serialises updates to one key (a session or profile id) of a scope across every
    /// process sharing this store. Held until the guard is dropped; not re-entrant.
    async fn lock(&self, scope: &Scope, key: &str) -> Result<LockGuard>;

    /// Profiles on which `condition` (read as `profile@…`/`payload@…`) may hold, paged by
    /// id like [`Store::list_profiles`], as far as the store can select them itself
    /// (PostgreSQL: the condition translated to SQL). None when it cannot narrow the
    /// listing at all; the caller then scans. Callers still evaluate the condition.
    async fn list_profiles_where(
        &self,
        _scope: &Scope,
        _condition: &crate::workflow::tql::Expr,
        _after: Option<&str>,
        _limit: usize,
    ) -> Result<Option<Narrowed<Profile>>> {
        Ok(None)
    }

    /// Events by insert time on which `condition` (read as `event@…`/`payload@…`) may
    /// hold, as [`Store::list_profiles_where`] does for profiles.
    async fn events_by_time_where(
        &self,
        _scope: &Scope,
        _range: TimeRange,
        _condition: &crate::workflow::tql::Expr,
        _after: Option<&str>,
        _limit: usize,
    ) -> Result<Option<Narrowed<Event>>> {
        Ok(None)
    }

    /// Takes the locks of several keys of a scope, as [`Store::lock`] does for one. The
    /// keys are deduplicated and taken in sorted order, so two callers locking
    /// overlapping sets (in this process or another) never deadlock; all are released
    /// when the guard is dropped. A caller holding other keys of the same kind must not
    /// call this.
    async fn lock_many(&self, scope: &Scope, keys: &[String]) -> Result<LockGuard> {
        let mut sorted: Vec<&String> = keys.iter().collect();
        sorted.sort();
        sorted.dedup();
        let mut held = Vec::with_capacity(sorted.len());
        for key in sorted {
            held.push(self.lock(scope, key).await?);
        }
        Ok(LockGuard::new(held))
    }

    /// The configuration kinds stored in a scope, sorted.
    async fn config_kinds(&self, scope: &Scope) -> Result<Vec<String>>;

    /// Appends items to the work queue, in order. For the embedded store this is one
    /// more logged write: the next [`Store::durable`] covers it together with the data
    /// written before it.
    async fn enqueue(&self, items: &[NewItem], now: DateTime<Utc>) -> Result<Vec<u64>>;
    /// [`Store::enqueue`] with a not-before time: the items are queued now (they count in
    /// the depth) and leasable from `not_before` on. Scheduled work uses it; give such
    /// items no ordering key, or they hold up their key's later items until due.
    async fn enqueue_at(
        &self,
        items: &[NewItem],
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>>;
    /// Leases up to `max` items of a topic that are due at `now`, oldest first, keeping
    /// per-key order. A lease not acked or nacked by `now + visibility` expires and the
    /// item returns to the queue.
    ///
    /// Each lease is one more attempt: the store records it (durably, before returning)
    /// in the item's `attempts`, so an attempt lost to a crash or a hang counts. An item
    /// that has begun `max_attempts` attempts is not handed out again: it goes to the
    /// dead-letter queue (with [`queue::expired_error`] as its last error when its last
    /// lease expired), and its key's next item becomes leasable in the same call.
    ///
    /// The items that went dead are in [`Leases::dead`], as the dead-letter queue holds
    /// them, so a consumer can record why (a destination's delivery log does).
    async fn lease_batch(
        &self,
        topic: &str,
        max: usize,
        visibility: chrono::Duration,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Leases>;
    /// [`Store::lease_batch`] for a consumer that needs only the leased items.
    async fn lease(
        &self,
        topic: &str,
        max: usize,
        visibility: chrono::Duration,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<Leased>> {
        Ok(self
            .lease_batch(topic, max, visibility, max_attempts, now)
            .await?
            .leased)
    }
    /// Removes a leased item; false when the lease is no longer held (expired, or the
    /// token is wrong).
    async fn ack(&self, seq: u64, token: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Records that the leased attempt failed (it was counted by the lease, not again
    /// here): the item returns at `retry_at`, or, when that is None, goes to the
    /// dead-letter queue with the error.
    async fn nack(
        &self,
        seq: u64,
        token: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<NackOutcome>;
    /// Dead letters, oldest first, after the given sequence number.
    async fn dead_letters(&self, after: Option<u64>, limit: usize) -> Result<Vec<QueueItem>>;
    async fn dead_letter(&self, seq: u64) -> Result<Option<QueueItem>>;
    /// Moves a dead letter back to the end of the queue with its attempts reset; its new
    /// sequence number, or None when no such dead letter exists. It counts as enqueued
    /// now.
    async fn replay_dead_letter(&self, seq: u64, now: DateTime<Utc>) -> Result<Option<u64>>;
    /// Deletes one dead letter, or all of them; how many were deleted.
    async fn purge_dead_letters(&self, seq: Option<u64>) -> Result<u64>;
    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<QueueStats>;
}

/// Holds a lock taken with [`Store::lock`]; dropping it releases the lock.
pub struct LockGuard {
    _held: Box<dyn Send + Sync>,
}

impl LockGuard {
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self {
            _held: Box::new(held),
        }
    }
}

pub type SharedStore = Arc<dyn Store>;

/// Event sources are configuration documents of kind `event-source`.
pub async fn event_source(
    store: &dyn Store,
    scope: &Scope,
    id: &str,
) -> Result<Option<EventSource>> {
    match store.config(scope, kinds::EVENT_SOURCE, id).await? {
        None => Ok(None),
        Some(doc) => event_source_of(id, doc).map(Some),
    }
}

/// The event source a stored document `id` holds.
pub fn event_source_of(id: &str, doc: Value) -> Result<EventSource> {
    serde_json::from_value(doc).map_err(|e| StoreError::Corrupt {
        kind: "event source",
        id: id.to_string(),
        reason: e.to_string(),
    })
}

pub async fn put_event_source(
    store: &dyn Store,
    scope: &Scope,
    source: &EventSource,
) -> Result<()> {
    let doc = serde_json::to_value(source).map_err(|e| StoreError::Encode {
        kind: "event source",
        id: source.id.clone(),
        reason: e.to_string(),
    })?;
    store
        .put_config(scope, kinds::EVENT_SOURCE, &source.id, &doc)
        .await
}

pub async fn event_sources(store: &dyn Store, scope: &Scope) -> Result<Vec<EventSource>> {
    store
        .list_config(scope, kinds::EVENT_SOURCE)
        .await?
        .into_iter()
        .map(|doc| {
            let id = doc
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            event_source_of(&id, doc)
        })
        .collect()
}

/// Whether a store URI names a PostgreSQL database.
pub fn is_postgres_uri(uri: &str) -> bool {
    uri.starts_with("postgres://") || uri.starts_with("postgresql://")
}

/// A store URI that names neither PostgreSQL nor the embedded store: `scheme://…` with
/// another scheme (a typo such as `postgress://` would otherwise be taken for a
/// directory of that name and get an empty store). The error says what is accepted.
pub fn unknown_scheme(uri: &str) -> Option<String> {
    if is_postgres_uri(uri) {
        return None;
    }
    let (scheme, _) = uri.split_once("://")?;
    let looks_like_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    looks_like_scheme.then(|| {
        format!(
            "store `{scheme}://…`: unknown scheme `{scheme}`; a store is a directory, `sled:DIR` or `postgres://…`"
        )
    })
}

/// Whether an embedded store was ever created at the URI's directory (a PostgreSQL URI
/// counts as existing here; [`exists_async`] asks the database).
pub fn exists(uri: &str) -> bool {
    if is_postgres_uri(uri) {
        return true;
    }
    let path = uri.strip_prefix("sled:").unwrap_or(uri);
    std::path::Path::new(path).join("db").exists()
}

/// Whether a store was ever created at the URI, on either backend; creates nothing.
pub async fn exists_async(uri: &str) -> Result<bool> {
    if is_postgres_uri(uri) {
        return postgres::PostgresStore::exists(uri).await;
    }
    Ok(exists(uri))
}

/// Opens the store named by a URI: `postgres://…` for PostgreSQL (see
/// [`postgres::PostgresStore::connect`]), else a plain path or `sled:PATH` for the
/// embedded store.
pub async fn open_async(uri: &str, options: &OpenOptions) -> Result<SharedStore> {
    if is_postgres_uri(uri) {
        return Ok(Arc::new(postgres::PostgresStore::connect(uri).await?));
    }
    let uri = uri.to_string();
    let options = options.clone();
    tokio::task::spawn_blocking(move || open(&uri, &options))
        .await
        .map_err(|e| StoreError::Io(format!("store open task failed: {e}")))?
}

/// Opens the embedded store named by a URI: a plain path or `sled:PATH`. PostgreSQL
/// URIs need [`open_async`].
pub fn open(uri: &str, options: &OpenOptions) -> Result<SharedStore> {
    if let Some(why) = unknown_scheme(uri) {
        return Err(StoreError::Invalid(why));
    }
    let path = uri.strip_prefix("sled:").unwrap_or(uri);
    if is_postgres_uri(uri) {
        return Err(StoreError::Invalid(
            "a PostgreSQL store is opened with store::open_async".into(),
        ));
    }
    Ok(Arc::new(sled::SledStore::open(
        std::path::Path::new(path),
        options,
    )?))
}

#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Page cache size in bytes.
    pub cache_bytes: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            cache_bytes: 256 * 1024 * 1024,
        }
    }
}
