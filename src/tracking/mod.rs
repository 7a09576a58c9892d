//! The one tracking pipeline: payload → source check → session/profile → events →
//! store → durable acknowledgement. Every way data arrives (`/track`, webhooks,
//! bridges, imports) goes through [`Tracker::track`].

pub mod batch;
pub mod enrich;
pub mod locks;
pub mod payload;
pub mod queued;
pub mod scheduled;
pub mod stages;
pub mod visits;

pub use batch::{BatchItem, ItemResult};
pub use payload::{EventPayload, PayloadError, TrackOptions, TrackerPayload};

use crate::domain::{
    event_type_slug, new_id, Device, EntityRef, Event, EventSession, EventSource, Map, Profile,
    Scope, Session, Tags, INTERNAL_SOURCE_ID,
};
use crate::identity::KeyPolicy;
use crate::store::cache::ScopedCache;
use crate::store::{self, SharedStore, StoreError};
use chrono::{DateTime, Duration, Utc};
use locks::KeyedLocks;
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// Unknown, disabled, internal or wrong-type source, or refused bot: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// Malformed payload: 422.
    #[error(transparent)]
    Malformed(#[from] PayloadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event failed a rejecting validator: 406, nothing of the request stored.
    #[error("{0}")]
    Invalid(stages::Rejection),
}

/// What the route allows and how this request arrived.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Request headers, already stripped of credentials.
    pub headers: Map,
}

#[derive(Debug, Clone)]
pub struct TrackRequest {
    pub payload: TrackerPayload,
    pub profile_less: bool,
    pub meta: RequestMeta,
    /// Source types accepted on the route the payload came in by.
    pub allowed_types: &'static [&'static str],
    /// Adopt the payload's profile id even when unknown (webhook `replace_profile_id`).
    pub adopt_profile_id: bool,
}

/// What a message from another protocol (a Segment message, …) adds to a
/// [`TrackRequest`]: how its profile is found, what it writes into the profile, and when
/// its events happened. Given to [`Tracker::track_pending`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// Ids to find the profile by (its id or any entry of its `ids`), in order; the
    /// first known one wins. The session's profile does not override this.
    pub lookup: Vec<String>,
    /// The id of the profile created when no lookup id is known. Deterministic ids make
    /// concurrent messages for one new visitor create one profile.
    pub new_profile_id: String,
    /// Added to the profile's `ids`, so later lookups by them find it.
    pub add_ids: Vec<String>,
    /// Take ids already held by another profile (an alias); otherwise those are skipped.
    pub claim_ids: bool,
    /// Deep-merged into `profile.traits`.
    pub traits: Map,
    /// Merge-key fields: `data.contact.email.main`, `data.contact.phone.main`,
    /// `data.identifier.id`. A change marks the field in `metadata.system.aux.auto_merge`.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub user_id: Option<String>,
    /// When the payload's events happened (`metadata.time.create`).
    pub event_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrackResponse {
    pub task: String,
    pub ux: Vec<Value>,
    pub response: Map,
    pub profile: Option<EntityRef>,
    pub session: Option<EntityRef>,
    pub events: Vec<String>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TrackerSettings {
    /// Where the collector reads sources and writes data.
    pub scope: Scope,
    /// Whether `options.debugger` may return stored event ids.
    pub track_debug: bool,
    pub refuse_bots: bool,
    /// Merge-key policy: keys are refreshed on every profile write and changed profiles
    /// marked for merging; identification points resolve profiles by key. None: off.
    pub identity: Option<Arc<KeyPolicy>>,
}

/// Counters the operational endpoints report.
#[derive(Debug, Default)]
pub struct TrackingStats {
    pub requests: AtomicU64,
    pub events_stored: AtomicU64,
    pub profiles_created: AtomicU64,
    pub sessions_created: AtomicU64,
}

/// What a processor (the workflow engine) gets: the request's profile, session and
/// events, mutable, while the profile lock is held and before anything is stored.
pub struct ProcessBatch<'a> {
    pub scope: &'a Scope,
    pub source: &'a EventSource,
    pub profile: Option<&'a mut Profile>,
    pub session: Option<&'a mut Session>,
    pub events: &'a mut [Event],
    pub new_profile: bool,
    pub new_session: bool,
}

/// What processing adds to the answer and whether the profile/session must be saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessOutcome {
    pub ux: Vec<Value>,
    pub response: Map,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub profile_changed: bool,
    pub session_changed: bool,
}

/// Runs inside the request for synchronous sources. Errors are reported in the
/// outcome, never returned: the collected events are stored whatever happens.
#[async_trait::async_trait]
pub trait EventProcessor: Send + Sync {
    async fn process(&self, batch: ProcessBatch<'_>) -> ProcessOutcome;
}

pub struct Tracker {
    store: SharedStore,
    settings: TrackerSettings,
    profile_locks: Arc<KeyedLocks>,
    identification: ConfigCache,
    stages: StageCache,
    /// Destinations of the collector's scope (deliveries are enqueued with the events).
    destinations: ConfigCache,
    sources: SourceCache,
    processor: Option<std::sync::Arc<dyn EventProcessor>>,
    /// Enqueue workflow jobs for asynchronous sources (a worker runs them).
    enqueue_async: bool,
    pub stats: TrackingStats,
    /// Stored events, published after they are durable (the live tail).
    published: tokio::sync::broadcast::Sender<Event>,
}

/// How many events a slow live-tail subscriber may fall behind before it skips ahead.
const PUBLISH_BACKLOG: usize = 1024;

/// Tells the collector's caches that configuration changed.
pub fn config_changed() {
    crate::store::cache::config_changed();
}

/// Configuration documents of one kind, re-read only when configuration changed or every
/// few seconds, so the hot path does not scan the store on every request.
struct ConfigCache {
    kind: &'static str,
    docs: ScopedCache<Vec<Value>>,
}

impl ConfigCache {
    fn new(kind: &'static str) -> Self {
        Self {
            kind,
            docs: ScopedCache::default(),
        }
    }

    async fn get(&self, store: &SharedStore, scope: &Scope) -> Result<Arc<Vec<Value>>, StoreError> {
        self.docs
            .get(store.as_ref(), scope, || {
                store.list_config(scope, self.kind)
            })
            .await
    }
}

/// The pipeline stages, compiled once per change of their documents.
struct StageCache {
    kinds: [ConfigCache; 4],
    compiled: std::sync::Mutex<Option<CompiledStages>>,
}

/// The documents the stages were compiled from (one list per kind), and the stages.
type CompiledStages = (Vec<Arc<Vec<Value>>>, Arc<stages::Stages>);

impl StageCache {
    fn new() -> Self {
        Self {
            kinds: stages::STAGE_KINDS.map(ConfigCache::new),
            compiled: std::sync::Mutex::new(None),
        }
    }

    async fn get(
        &self,
        store: &SharedStore,
        scope: &Scope,
    ) -> Result<Arc<stages::Stages>, StoreError> {
        let mut docs = Vec::with_capacity(4);
        for k in &self.kinds {
            docs.push(k.get(store, scope).await?);
        }
        if let Ok(mut guard) = self.compiled.lock() {
            if let Some((seen, compiled)) = guard.as_mut() {
                if seen
                    .iter()
                    .zip(&docs)
                    .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
                {
                    // Re-read but unchanged: keep the compiled stages.
                    let compiled = compiled.clone();
                    *seen = docs;
                    return Ok(compiled);
                }
            }
        }
        let compiled = Arc::new(stages::Stages::compile([
            &docs[0], &docs[1], &docs[2], &docs[3],
        ]));
        if let Ok(mut guard) = self.compiled.lock() {
            *guard = Some((docs, compiled.clone()));
        }
        Ok(compiled)
    }
}

/// The event sources of each scope by id, read as one list and kept like the rest of the
/// configuration the hot path consults ([`ScopedCache`]: until configuration changes, at
/// most its time to live). A document that does not decode fails only its own id.
#[derive(Default)]
struct SourceCache {
    by_scope: ScopedCache<SourcesById>,
}

type SourcesById = std::collections::HashMap<String, Result<EventSource, StoreError>>;

impl SourceCache {
    async fn get(
        &self,
        store: &SharedStore,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<EventSource>, StoreError> {
        let sources = self
            .by_scope
            .get(store.as_ref(), scope, || async {
                let docs = store.list_config(scope, store::kinds::EVENT_SOURCE).await?;
                Ok::<_, StoreError>(
                    docs.into_iter()
                        .filter_map(|doc| {
                            let id = id_of(Some(&doc))?.to_string();
                            let source = store::event_source_of(&id, doc);
                            Some((id, source))
                        })
                        .collect::<SourcesById>(),
                )
            })
            .await?;
        sources.get(id).cloned().transpose()
    }
}

/// The configuration kind of identification points.
pub const IDENTIFICATION_POINT: &str = "identification-point";

fn id_of(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The locks a request holds on its profile: this process's and the store's.
type ProfileGuards<'a> = (tokio::sync::MutexGuard<'a, ()>, store::LockGuard);

/// What a request found when it locked its profile and session.
#[derive(Clone, Copy)]
struct Opened {
    new_profile: bool,
    new_session: bool,
    /// The stored session had ended: this request starts a new visit in it.
    was_ended: bool,
    /// The request ends the visit itself: no system events.
    holds_visit_ended: bool,
}

/// §4.4 enrichment of a session from one payload: a new session (`initialize`) takes the
/// source's channel, the user agent, IP, screen resolution, context and weekday; every
/// payload moves its UTM, location and properties onto it. Returns the payload's context
/// without UTM and location.
fn payload_to_session(
    session: &mut Session,
    source: &EventSource,
    req: &TrackRequest,
    ua: Option<&str>,
    initialize: bool,
    now: DateTime<Utc>,
) -> Map {
    let mut context = req.payload.context.clone();
    let utm = enrich::take_utm(&mut context);
    let geo = enrich::take_location(&mut context);
    if initialize {
        session.metadata.channel = Some(source.channel.clone()).filter(|c| !c.is_empty());
        if let Some(ua) = ua {
            let info = enrich::parse_user_agent(ua);
            session.os = info.os;
            session.app = info.app;
            session.device = info.device;
        }
        session.device.ip = req.meta.ip.clone();
        session.device.resolution = enrich::screen_resolution(&context);
        session.context = context.clone();
        session.metadata.time.weekday =
            Some(chrono::Datelike::weekday(&now).num_days_from_monday());
    }
    if let Some(utm) = utm {
        session.utm = utm;
    }
    if let Some(geo) = geo {
        session.device.geo = geo;
    }
    for (k, v) in &req.payload.properties {
        session.properties.insert(k.clone(), v.clone());
    }
    context
}

/// Links a request's events to their session and profile (§4.6: the session's status
/// follows the events in order; its update time and duration move on), and gives them
/// the session's device, OS, app and UTM.
fn link_events(
    session: &mut Session,
    profile: &Profile,
    events: &mut [Event],
    opts: &payload::TrackOptions,
    new_session: bool,
    now: DateTime<Utc>,
) {
    for e in events.iter() {
        session.metadata.status = match e.event_type.as_str() {
            "visit-started" => "started",
            "visit-ended" => "ended",
            _ => "active",
        }
        .to_string();
    }
    if !new_session {
        session.metadata.time.update = Some(now);
    }
    session.metadata.time.duration =
        (now - session.metadata.time.insert).num_milliseconds() as f64 / 1000.0;
    let session_ref = opts.save_session.then(|| EventSession {
        id: session.id.clone(),
        start: Some(session.metadata.time.insert),
        duration: session.metadata.time.duration,
        tz: profile.metadata.time.visit.tz.clone(),
    });
    for e in events.iter_mut() {
        e.session = session_ref.clone();
        e.profile = opts.save_profile.then(|| EntityRef::new(&profile.id));
        e.os = session.os.clone();
        e.app = session.app.clone();
        e.device = with_event_geo(session.device.clone(), &e.device);
        if e.utm.is_empty() {
            e.utm = session.utm.clone();
        }
    }
}

const SYSTEM_EVENTS: [&str; 3] = ["profile-created", "session-opened", "visit-started"];

impl Tracker {
    pub fn new(store: SharedStore, settings: TrackerSettings) -> Self {
        Self {
            store,
            settings,
            profile_locks: Arc::new(KeyedLocks::new(1024)),
            identification: ConfigCache::new(IDENTIFICATION_POINT),
            stages: StageCache::new(),
            destinations: ConfigCache::new(crate::daemon::destinations::DESTINATION_KIND),
            sources: SourceCache::default(),
            processor: None,
            enqueue_async: false,
            stats: TrackingStats::default(),
            published: tokio::sync::broadcast::channel(PUBLISH_BACKLOG).0,
        }
    }

    /// Every event stored from now on, once it is on disk. A receiver that falls more
    /// than a backlog behind is told how many it missed.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.published.subscribe()
    }

    /// A tracker like this one (same store, processor, queueing and settings) that
    /// reads sources from and writes data to another scope: another tenant's. Its
    /// caches, locks, counters and live tail are its own.
    pub fn for_scope(&self, scope: Scope) -> Self {
        let mut settings = self.settings.clone();
        settings.scope = scope;
        let mut t = Tracker::new(self.store.clone(), settings);
        t.processor = self.processor.clone();
        t.enqueue_async = self.enqueue_async;
        t
    }

    /// Runs `processor` on the events of synchronous sources (workflows).
    pub fn with_processor(mut self, processor: std::sync::Arc<dyn EventProcessor>) -> Self {
        self.processor = Some(processor);
        self
    }

    /// Enqueues the workflows of asynchronous sources, with the durable write, for the
    /// background worker (`serve worker`) to run.
    pub fn with_queue(mut self) -> Self {
        self.enqueue_async = true;
        self
    }

    /// The processor to run for a source, if any: only synchronous sources are
    /// processed in the request.
    fn processor_for(&self, source: &EventSource) -> Option<&dyn EventProcessor> {
        self.processor
            .as_deref()
            .filter(|_| source.is_synchronous() && !source.transitional)
    }

    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    pub fn scope(&self) -> &Scope {
        &self.settings.scope
    }

    /// The per-profile locks, shared with whatever else updates profiles in this process
    /// (automatic merging).
    pub fn profile_locks(&self) -> Arc<KeyedLocks> {
        self.profile_locks.clone()
    }

    /// Checks the source of a payload; the error is the 401 message.
    pub async fn check_source(
        &self,
        source_id: &str,
        allowed_types: &[&str],
    ) -> Result<EventSource, TrackingError> {
        // Quoted in the answer, an id is cut short: a client's megabyte of id is not
        // sent back to it twice.
        let shown = shown_id(source_id);
        if source_id.starts_with('@') {
            return Err(TrackingError::Unauthorized(format!(
                "Invalid event source `{shown}`"
            )));
        }
        let source = self
            .sources
            .get(&self.store, &self.settings.scope, source_id)
            .await?
            .ok_or_else(|| {
                TrackingError::Unauthorized(format!("Invalid event source `{shown}`"))
            })?;
        if !source.enabled {
            return Err(TrackingError::Unauthorized("Event source disabled.".into()));
        }
        if !allowed_types.contains(&source.source_type.as_str()) {
            return Err(TrackingError::Unauthorized(format!(
                "Event source `{shown}` is of type `{}`; this route accepts only {}",
                source.source_type,
                allowed_types.join(", ")
            )));
        }
        Ok(source)
    }

    /// [`Self::track`] on a task of its own, so it runs to its end when the caller goes
    /// away (a client that disconnects, a request timeout). Dropped halfway, a request
    /// would release its profile lock before its writes were committed (on PostgreSQL
    /// they commit later, in a shared transaction) and the next request for the profile
    /// could read it from before them and overwrite them.
    pub async fn track_to_end(
        self: Arc<Self>,
        req: TrackRequest,
    ) -> Result<TrackResponse, TrackingError> {
        // Boxed: the task then holds a pointer, not the whole pipeline's state, which
        // tokio would otherwise copy as the task is created, run and read out.
        tokio::spawn(Box::pin(async move { self.track(req).await }))
            .await
            .map_err(|e| StoreError::Io(format!("the tracking task failed: {e}")))?
    }

    /// Runs one payload through the pipeline. Returns after the data is on disk.
    pub async fn track(&self, req: TrackRequest) -> Result<TrackResponse, TrackingError> {
        let resp = self.track_pending(req, None).await?;
        self.store.durable().await?;
        Ok(resp)
    }

    /// [`Tracker::track`] without waiting for the disk, and with an optional [`Identity`].
    /// The caller must await `store().durable()` before acknowledging anything; this
    /// lets a bridge write a whole batch of messages and flush once.
    pub async fn track_pending(
        &self,
        req: TrackRequest,
        identity: Option<&Identity>,
    ) -> Result<TrackResponse, TrackingError> {
        let started = Instant::now();
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let source = self
            .check_source(&req.payload.source.id, req.allowed_types)
            .await?;
        let ua = req
            .meta
            .user_agent
            .clone()
            .or_else(|| enrich::context_user_agent(&req.payload.context));
        if self.settings.refuse_bots && ua.as_deref().is_some_and(enrich::is_bot) {
            return Err(TrackingError::Unauthorized(
                "Bot traffic is not accepted by this collector.".into(),
            ));
        }
        let task = new_id();
        let outcome = if req.profile_less {
            self.track_profile_less(&req, &source, started).await?
        } else {
            self.track_with_profile(&req, &source, ua.as_deref(), started, identity)
                .await?
        };
        self.stats
            .events_stored
            .fetch_add(outcome.event_ids.len() as u64, Ordering::Relaxed);
        if self.published.receiver_count() > 0 {
            for e in &outcome.stored {
                // No subscriber left is not an error.
                let _ = self.published.send(e.clone());
            }
        }
        let debug = req.payload.options.debugger && self.settings.track_debug;
        let processed = outcome.processed;
        Ok(TrackResponse {
            task,
            ux: processed.ux,
            response: processed.response,
            profile: outcome.profile_id.map(EntityRef::new),
            session: outcome.session_id.map(EntityRef::new),
            events: if debug { outcome.event_ids } else { vec![] },
            errors: processed.errors,
            warnings: processed.warnings,
        })
    }

    async fn track_profile_less(
        &self,
        req: &TrackRequest,
        source: &EventSource,
        started: Instant,
    ) -> Result<Outcome, TrackingError> {
        let now = Utc::now();
        let mut events = Vec::new();
        for (i, ep) in req.payload.events.iter().enumerate() {
            let mut e = self.build_event(req, source, ep, now + Duration::microseconds(i as i64));
            e.metadata.profile_less = true;
            events.push(e);
        }
        let staged = self
            .stages
            .get(&self.store, &self.settings.scope)
            .await?
            .apply(&mut events, None, None, now)
            .map_err(TrackingError::Invalid)?;
        let processed = match self.processor_for(source) {
            Some(p) => {
                p.process(ProcessBatch {
                    scope: &self.settings.scope,
                    source,
                    profile: None,
                    session: None,
                    events: &mut events,
                    new_profile: false,
                    new_session: false,
                })
                .await
            }
            None => ProcessOutcome::default(),
        };
        let mut processed = processed;
        processed.warnings.extend(staged.warnings);
        finish_times(&mut events, started);
        let ids = events.iter().map(|e| e.id.clone()).collect();
        let mut stored = vec![];
        if req.payload.options.save_events && !source.transitional {
            let write = store::TrackWrite {
                events: &events,
                ..Default::default()
            };
            self.store.commit_track(&self.settings.scope, write).await?;
            stored = events;
        }
        Ok(Outcome {
            profile_id: None,
            session_id: None,
            event_ids: ids,
            stored,
            processed,
        })
    }

    fn build_event(
        &self,
        req: &TrackRequest,
        source: &EventSource,
        ep: &EventPayload,
        at: DateTime<Utc>,
    ) -> Event {
        let slug = event_type_slug(&ep.event_type);
        let mut e = Event::new(ep.id.clone().unwrap_or_else(new_id), slug, &source.id, at);
        let mut context = req.payload.context.clone();
        for (k, v) in &ep.context {
            context.insert(k.clone(), v.clone());
        }
        if let Some(utm) = enrich::take_utm(&mut context) {
            e.utm = utm;
        }
        if let Some(geo) = enrich::take_location(&mut context) {
            e.device.geo = geo;
        }
        e.hit = enrich::page_hit(&context);
        e.context = context;
        e.properties = ep.properties.clone();
        e.tags = Tags::from_values(ep.tags.clone());
        e.metadata.ip = req.meta.ip.clone();
        e.metadata.channel = Some(source.channel.clone()).filter(|c| !c.is_empty());
        if !req.meta.headers.is_empty() {
            e.request
                .insert("headers".into(), Value::Object(req.meta.headers.clone()));
        }
        e
    }

    /// §4.4: a new session is a new visit (when sessions are saved); counts new profiles
    /// and sessions. True when the profile changed.
    fn count_visit(
        &self,
        profile: &mut Profile,
        context: &Map,
        opts: &TrackOptions,
        new_profile: bool,
        new_session: bool,
        now: DateTime<Utc>,
    ) -> bool {
        if new_profile {
            self.stats.profiles_created.fetch_add(1, Ordering::Relaxed);
        }
        if !(new_session && opts.save_session) {
            return false;
        }
        let tz = context
            .get("time")
            .and_then(|t| t.get("tz"))
            .and_then(Value::as_str)
            .map(str::to_string);
        profile.start_visit(now, tz);
        self.stats.sessions_created.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// §4.5: the system events a request opens with, unless it ends the visit itself.
    fn system_events(
        &self,
        opened: Opened,
        at: &mut impl FnMut() -> DateTime<Utc>,
        req: &TrackRequest,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        if opened.holds_visit_ended {
            return events;
        }
        if opened.new_profile {
            events.push(self.system_event(SYSTEM_EVENTS[0], at(), req));
        }
        if opened.new_session {
            events.push(self.system_event(SYSTEM_EVENTS[1], at(), req));
        }
        if opened.new_session || opened.was_ended {
            events.push(self.system_event(SYSTEM_EVENTS[2], at(), req));
        }
        events
    }

    fn system_event(&self, event_type: &str, at: DateTime<Utc>, req: &TrackRequest) -> Event {
        let mut e = Event::new(new_id(), event_type.to_string(), INTERNAL_SOURCE_ID, at);
        e.metadata.ip = req.meta.ip.clone();
        e
    }

    /// Locks the profile a request resolves to and reads it under the lock: `candidate`
    /// (a stored profile), else `adopted` (an id the request may bring in), else a new id.
    /// A profile merged into another meanwhile hands over to its survivor (up to three
    /// tries). Returns the held locks, the profile, and whether it is new. The
    /// in-process lock is shared with automatic merging (APM) in this process; the store
    /// lock excludes other processes.
    async fn lock_profile(
        &self,
        scope: &Scope,
        mut candidate: Option<String>,
        adopted: Option<String>,
    ) -> Result<(ProfileGuards<'_>, Profile, bool), StoreError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let lock_id = candidate
                .clone()
                .or_else(|| adopted.clone())
                .unwrap_or_else(new_id);
            let local = self.profile_locks.lock(&lock_id).await;
            let shared = self
                .store
                .lock(scope, &format!("profile:{lock_id}"))
                .await?;
            // Re-read under the lock: another request may have changed or merged it.
            match self.store.profile(scope, &lock_id).await? {
                Some(p) if p.id == lock_id || attempts >= 3 => {
                    return Ok(((local, shared), p, false));
                }
                // Merged into another profile meanwhile: lock the survivor instead.
                Some(p) => candidate = Some(p.id),
                None => {
                    let fresh = Profile::new(lock_id, Utc::now());
                    return Ok(((local, shared), fresh, true));
                }
            }
        }
    }

    async fn track_with_profile(
        &self,
        req: &TrackRequest,
        source: &EventSource,
        ua: Option<&str>,
        started: Instant,
        identity: Option<&Identity>,
    ) -> Result<Outcome, TrackingError> {
        let scope = &self.settings.scope;
        let opts = &req.payload.options;
        let session_id = req
            .payload
            .session_id()
            .map(str::to_string)
            .unwrap_or_else(new_id);
        // Store locks hold across every process sharing the store (advisory locks on
        // PostgreSQL), so two collectors cannot create two profiles for one session.
        let _session_guard = self
            .store
            .lock(scope, &format!("session:{session_id}"))
            .await?;
        let stored_session = self.store.session(scope, &session_id).await?;

        // An identification point names the profile outright; otherwise §4.2–4.3: the
        // session's profile wins, else the payload's, if known. A bridge's identity's
        // lookup ids win over all of these.
        let (claimed, candidate) = match identity {
            Some(idn) => {
                let mut found = None;
                for id in &idn.lookup {
                    if let Some(p) = self.store.profile_id(scope, id).await? {
                        found = Some(p);
                        break;
                    }
                }
                (Some(idn.new_profile_id.clone()), found)
            }
            None => {
                let identified = self.identify(req, source).await?;
                let claimed = match (&identified, &stored_session) {
                    (Some(id), _) => Some(id.clone()),
                    (None, Some(s)) => s.profile_id().map(str::to_string),
                    (None, None) => req.payload.profile_id().map(str::to_string),
                };
                let candidate = match &claimed {
                    Some(id) => self.store.profile_id(scope, id).await?,
                    None => None,
                };
                (claimed, candidate)
            }
        };
        let adopt =
            identity.is_some() || req.adopt_profile_id || source.config_flag("static_profile_id");
        let (profile_guard, mut profile, new_profile) = self
            .lock_profile(scope, candidate, claimed.filter(|_| adopt))
            .await?;
        let now = Utc::now();
        let mut profile_changed = false;
        if let Some(idn) = identity {
            profile_changed = self.apply_identity(&mut profile, idn).await?;
        }

        let new_session = stored_session.is_none();
        let mut session = match stored_session {
            Some(s) => s,
            None => Session::new(session_id.clone(), Some(&profile.id), now),
        };
        let repointed = session.profile_id() != Some(profile.id.as_str());
        if repointed {
            session.profile = Some(EntityRef::new(&profile.id));
        }
        let was_ended = session.metadata.status == "ended";
        let holds_visit_ended = req
            .payload
            .events
            .iter()
            .any(|e| event_type_slug(&e.event_type) == "visit-ended");

        let context = payload_to_session(&mut session, source, req, ua, new_session, now);

        // §4.4: a new session is a new visit.
        profile_changed |= new_profile || repointed;
        profile_changed |=
            self.count_visit(&mut profile, &context, opts, new_profile, new_session, now);

        // Fields marked for merging before this request: flows (the merge node) and
        // identity updates may add to them, and then the profile is queued for the APM.
        let marks_before = profile.metadata.system.aux.auto_merge.len();

        // §4.5: system events first, then the payload's events.
        let mut tick = 0i64;
        let mut at = || {
            tick += 1;
            now + Duration::microseconds(tick)
        };
        let opened = Opened {
            new_profile,
            new_session,
            was_ended,
            holds_visit_ended,
        };
        let mut events = self.system_events(opened, &mut at, req);
        let first_payload_event = events.len();
        for ep in &req.payload.events {
            let mut e = self.build_event(req, source, ep, at());
            if let Some(t) = identity.and_then(|i| i.event_time) {
                e.metadata.time.create = Some(t);
            }
            events.push(e);
        }

        link_events(&mut session, &profile, &mut events, opts, new_session, now);
        // The pipeline stages (reshaping, validation, data compliance, event-to-profile
        // mappings) change the payload's events, the session and the profile before
        // workflows see them; a rejecting validator refuses the whole request here,
        // before anything is stored.
        let staged = self
            .stages
            .get(&self.store, scope)
            .await?
            .apply(
                &mut events[first_payload_event..],
                opts.save_profile.then_some(&mut profile),
                Some(&mut session),
                now,
            )
            .map_err(TrackingError::Invalid)?;
        profile_changed |= staged.profile_changed;
        // Workflows run under the profile lock, before anything is stored, so their
        // changes are stored with the events and acknowledged together.
        let processed = match self.processor_for(source) {
            Some(p) => {
                let outcome = p
                    .process(ProcessBatch {
                        scope,
                        source,
                        profile: Some(&mut profile),
                        session: Some(&mut session),
                        events: &mut events,
                        new_profile,
                        new_session,
                    })
                    .await;
                // The session is saved on every request that keeps it anyway.
                profile_changed |= outcome.profile_changed;
                outcome
            }
            None => ProcessOutcome::default(),
        };
        let mut processed = processed;
        processed.warnings.extend(staged.warnings);
        finish_times(&mut events, started);

        self.commit_collected(Collected {
            source,
            opts,
            profile: &mut profile,
            session: &session,
            events: &events,
            new_profile,
            new_session,
            profile_changed,
            marks_before,
            now,
        })
        .await?;
        drop(profile_guard);
        let event_ids = if opts.save_events {
            events.iter().map(|e| e.id.clone()).collect()
        } else {
            vec![]
        };
        let stored = if opts.save_events && !source.transitional {
            events
        } else {
            vec![]
        };
        Ok(Outcome {
            profile_id: opts.save_profile.then(|| profile.id.clone()),
            session_id: opts.save_session.then(|| session.id.clone()),
            event_ids,
            stored,
            processed,
        })
    }
}

/// One profile's part of a request once its flows ran: what is left to store.
struct Collected<'a> {
    source: &'a EventSource,
    opts: &'a TrackOptions,
    profile: &'a mut Profile,
    session: &'a Session,
    events: &'a [Event],
    new_profile: bool,
    new_session: bool,
    profile_changed: bool,
    /// How many fields were marked for merging before the request.
    marks_before: usize,
    now: DateTime<Utc>,
}

impl Tracker {
    /// Refreshes the profile's merge keys, then writes the merge mark, the profile, the
    /// session, the workflow job, the destination deliveries and the events in one
    /// [`Store::commit_track`](store::Store::commit_track) (nothing for a transitional
    /// source). Used by `/track` and by the batch path alike.
    async fn commit_collected(&self, c: Collected<'_>) -> Result<(), TrackingError> {
        let Collected {
            source,
            opts,
            profile,
            session,
            events,
            new_profile,
            new_session,
            mut profile_changed,
            marks_before,
            now,
        } = c;
        let scope = &self.settings.scope;
        let mut marked = profile.metadata.system.aux.auto_merge.len() > marks_before;
        if let Some(policy) = &self.settings.identity {
            if !policy.refresh(profile).is_empty() {
                profile_changed = true;
                marked = true;
            }
        }
        if source.transitional {
            return Ok(());
        }
        if opts.save_profile && profile_changed {
            if !new_profile {
                profile.metadata.time.update = Some(now);
            }
            profile.normalize_ids();
        }
        let mut items = Vec::new();
        if self.enqueue_async
            && !source.is_synchronous()
            && opts.save_events
            && opts.save_profile
            && !events.is_empty()
        {
            let job = queued::WorkflowJob {
                source: source.id.clone(),
                profile: profile.id.clone(),
                session: opts.save_session.then(|| session.id.clone()),
                events: events.iter().map(|e| e.id.clone()).collect(),
                new_profile,
                new_session,
            };
            if let Some(item) = job.item(scope) {
                items.push(item);
            }
        }
        // Destinations of synchronous sources are matched now, after their flows;
        // those of asynchronous sources by the worker, after theirs.
        if self.enqueue_async && source.is_synchronous() {
            let destinations = self.destinations.get(&self.store, scope).await?;
            items.extend(crate::daemon::destinations::plan(
                &destinations,
                &crate::daemon::destinations::Collected {
                    scope,
                    source_id: &source.id,
                    profile: opts.save_profile.then_some(&*profile),
                    session: opts.save_session.then_some(session),
                    events,
                    profile_changed,
                },
            ));
        }
        // Jobs and deliveries go with the events they name (one transaction on
        // PostgreSQL, written before them elsewhere), so a stored event always has
        // its job. A worker cannot run the job before the events are written, as it
        // takes this profile's lock first; one left by a crash before the events
        // runs over none.
        self.store
            .commit_track(
                scope,
                store::TrackWrite {
                    mark_for_merge: (opts.save_profile && marked).then_some(profile.id.as_str()),
                    profile: (opts.save_profile && profile_changed).then_some(&*profile),
                    session: opts.save_session.then_some(session),
                    jobs: &items,
                    events: if opts.save_events { events } else { &[] },
                },
            )
            .await?;
        Ok(())
    }

    /// The profile an identification point of this source names, if any event of the
    /// payload carries the mapped values and a profile holds the resulting merge key.
    async fn identify(
        &self,
        req: &TrackRequest,
        source: &EventSource,
    ) -> Result<Option<String>, TrackingError> {
        let Some(policy) = &self.settings.identity else {
            return Ok(None);
        };
        let points = self
            .identification
            .get(&self.store, &self.settings.scope)
            .await?;
        if points.is_empty() {
            return Ok(None);
        }
        for ep in &req.payload.events {
            let slug = event_type_slug(&ep.event_type);
            for point in points.iter() {
                if point.get("enabled").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                if id_of(point.get("source")).is_some_and(|s| s != source.id) {
                    continue;
                }
                if id_of(point.get("event_type")).is_some_and(|t| event_type_slug(t) != slug) {
                    continue;
                }
                let Some(fields) = point.get("fields").and_then(Value::as_array) else {
                    continue;
                };
                for f in fields {
                    let (Some(from), Some(to)) = (
                        f.get("event_property").and_then(Value::as_str),
                        f.get("profile_trait").and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    let from = from.strip_prefix("properties.").unwrap_or(from);
                    let value = match payload::get_path(&ep.properties, from) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => continue,
                    };
                    let to = to.strip_prefix("profile@").unwrap_or(to);
                    let Some(key) = policy.key_for(to, &value) else {
                        continue;
                    };
                    if let Some(p) = self.store.profile_id(&self.settings.scope, &key).await? {
                        return Ok(Some(p));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Writes an identity into a profile; true when the profile changed.
    async fn apply_identity(
        &self,
        profile: &mut Profile,
        idn: &Identity,
    ) -> Result<bool, TrackingError> {
        let mut changed = false;
        for id in idn.add_ids.iter().filter(|i| !i.is_empty()) {
            if profile.ids.contains(id) {
                continue;
            }
            if !idn.claim_ids {
                let held = self.store.profile_id(&self.settings.scope, id).await?;
                if held.is_some_and(|other| other != profile.id) {
                    continue;
                }
            }
            profile.ids.push(id.clone());
            changed = true;
        }
        if !idn.traits.is_empty() {
            let before = profile.traits.clone();
            deep_merge(&mut profile.traits, &idn.traits);
            changed |= before != profile.traits;
        }
        let data = &mut profile.data;
        let keys = [
            (
                &idn.email,
                &mut data.contact.email.main,
                "data.contact.email.main",
            ),
            (
                &idn.phone,
                &mut data.contact.phone.main,
                "data.contact.phone.main",
            ),
            (&idn.user_id, &mut data.identifier.id, "data.identifier.id"),
        ];
        for (value, field, path) in keys {
            let Some(value) = value.as_ref().map(|v| v.trim()).filter(|v| !v.is_empty()) else {
                continue;
            };
            if field.as_deref() == Some(value) {
                continue;
            }
            *field = Some(value.to_string());
            let marks = &mut profile.metadata.system.aux.auto_merge;
            if !marks.iter().any(|m| m == path) {
                marks.push(path.to_string());
            }
            changed = true;
        }
        Ok(changed)
    }
}

/// Merges `from` into `into`: objects key by key, anything else replaced.
pub fn deep_merge(into: &mut Map, from: &Map) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => deep_merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

struct Outcome {
    profile_id: Option<String>,
    session_id: Option<String>,
    event_ids: Vec<String>,
    /// The events written to the store, published once durable.
    stored: Vec<Event>,
    processed: ProcessOutcome,
}

/// The session's device, keeping a geo the event itself carried.
fn with_event_geo(mut session_device: Device, event_device: &Device) -> Device {
    if !event_device.geo.is_empty() {
        session_device.geo = event_device.geo.clone();
    }
    session_device
}

fn finish_times(events: &mut [Event], started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    for e in events {
        e.metadata.time.process_time = Some(secs);
    }
}

/// An id as quoted in an error answer: at most 100 characters, then `…`.
pub fn shown_id(id: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 100;
    match id.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &id[..cut]).into(),
        None => id.into(),
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;
    use crate::domain::{Context, EventSource};
    use serde_json::json;

    async fn tracker() -> (Tracker, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = store::open(
            dir.path().to_str().unwrap(),
            &store::OpenOptions {
                cache_bytes: 8 << 20,
            },
        )
        .unwrap();
        let scope = Scope::default_tenant(Context::Production);
        let mut src = EventSource::new_rest("seg", "seg");
        src.source_type = "segment".into();
        store::put_event_source(store.as_ref(), &scope, &src)
            .await
            .unwrap();
        let t = Tracker::new(
            store,
            TrackerSettings {
                scope,
                track_debug: true,
                refuse_bots: false,
                identity: None,
            },
        );
        (t, dir)
    }

    fn request(session: &str) -> TrackRequest {
        let payload = TrackerPayload::from_json(
            json!({"source": {"id": "seg"}, "session": {"id": session},
                   "events": [{"type": "identify"}]})
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        TrackRequest {
            payload,
            profile_less: false,
            meta: RequestMeta::default(),
            allowed_types: &["segment"],
            adopt_profile_id: false,
        }
    }

    #[test]
    fn deep_merge_keeps_siblings() {
        let mut a = json!({"a": {"x": 1, "y": 2}, "b": 1})
            .as_object()
            .unwrap()
            .clone();
        let b = json!({"a": {"y": 3}, "c": [1]})
            .as_object()
            .unwrap()
            .clone();
        deep_merge(&mut a, &b);
        assert_eq!(
            Value::Object(a),
            json!({"a": {"x": 1, "y": 3}, "b": 1, "c": [1]})
        );
    }

    #[tokio::test]
    async fn identity_creates_then_finds_the_profile_and_writes_merge_keys() {
        let (t, _dir) = tracker().await;
        let time = Utc::now() - Duration::hours(3);
        let idn = Identity {
            lookup: vec!["user-1".into(), "anon-1".into()],
            new_profile_id: "p-new".into(),
            add_ids: vec!["anon-1".into(), "user-1".into()],
            traits: json!({"plan": "pro"}).as_object().unwrap().clone(),
            email: Some("A@x.io".into()),
            phone: None,
            user_id: Some("user-1".into()),
            event_time: Some(time),
            ..Identity::default()
        };
        let r = t.track_pending(request("s1"), Some(&idn)).await.unwrap();
        assert_eq!(r.profile.unwrap().id, "p-new");
        let p = t
            .store()
            .profile(t.scope(), "anon-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.id, "p-new");
        assert_eq!(p.traits["plan"], "pro");
        assert_eq!(p.data.contact.email.main.as_deref(), Some("A@x.io"));
        assert_eq!(p.data.identifier.id.as_deref(), Some("user-1"));
        assert!(p
            .metadata
            .system
            .aux
            .auto_merge
            .contains(&"data.identifier.id".to_string()));
        let events = t
            .store()
            .events_by_profile(t.scope(), "p-new", None, 100)
            .await
            .unwrap()
            .items;
        let ident = events.iter().find(|e| e.event_type == "identify").unwrap();
        assert_eq!(ident.metadata.time.create, Some(time));

        // Another session, a known user id: the same profile, whatever the new id says.
        let idn2 = Identity {
            lookup: vec!["user-1".into(), "anon-2".into()],
            new_profile_id: "p-other".into(),
            add_ids: vec!["anon-2".into()],
            ..Identity::default()
        };
        let r = t.track_pending(request("s2"), Some(&idn2)).await.unwrap();
        assert_eq!(r.profile.unwrap().id, "p-new");
        let p = t
            .store()
            .profile(t.scope(), "anon-2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.id, "p-new");
    }

    #[tokio::test]
    async fn ids_held_by_another_profile_are_claimed_only_when_asked() {
        let (t, _dir) = tracker().await;
        let mk = |lookup: &str, new: &str, add: &[&str], claim: bool| Identity {
            lookup: vec![lookup.into()],
            new_profile_id: new.into(),
            add_ids: add.iter().map(|s| s.to_string()).collect(),
            claim_ids: claim,
            ..Identity::default()
        };
        t.track_pending(request("a"), Some(&mk("a1", "pa", &["a1"], false)))
            .await
            .unwrap();
        t.track_pending(request("b"), Some(&mk("b1", "pb", &["b1", "a1"], false)))
            .await
            .unwrap();
        let held = t.store().profile(t.scope(), "a1").await.unwrap().unwrap();
        assert_eq!(held.id, "pa", "not claimed without claim_ids");
        t.track_pending(request("c"), Some(&mk("b1", "pb", &["a1"], true)))
            .await
            .unwrap();
        let held = t.store().profile(t.scope(), "a1").await.unwrap().unwrap();
        assert_eq!(held.id, "pb", "claimed by an alias");
    }
}
