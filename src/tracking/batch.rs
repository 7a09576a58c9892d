//! The batch path: many payloads at once (a Segment batch, a window of AMQP deliveries)
//! through the same pipeline as [`Tracker::track`], with less work per message:
//!
//! - each source is checked once per batch;
//! - a message whose first event is stored already, or earlier in the batch, is a
//!   duplicate (resends store nothing twice);
//! - messages are grouped by visitor (the ids they resolve their profile by, their
//!   session, the profile they name); within a group, consecutive messages of one session
//!   and one identity form a *run*: its session and profile are read and locked once,
//!   every message's identity and events applied in order, workflows run once over all
//!   the run's events, and the profile and session written once;
//! - a run's profile, session, workflow jobs and events are written in one store call
//!   ([`Store::commit_track`](crate::store::Store::commit_track): one transaction on
//!   PostgreSQL), under the run's profile lock, so a stored event always has its job.
//!
//! Nothing is durable when it returns: the caller awaits `store().durable()` once, then
//! acknowledges the whole batch. Messages of one visitor keep their order; groups are
//! independent of each other.

use super::{
    enrich, event_type_slug, finish_times, new_id, Collected, Duration, EntityRef, Event,
    EventSource, Identity, Ordering, ProcessBatch, ProcessOutcome, Session, TrackRequest, Tracker,
    TrackingError, Utc,
};
use crate::store::{StoreError, TrackWrite};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

/// One message of a batch.
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub request: TrackRequest,
    /// How a bridge resolves the profile (see [`Identity`]); None: as `/track` does.
    pub identity: Option<Identity>,
}

/// What became of one message of a batch.
#[derive(Debug)]
pub enum ItemResult {
    Stored,
    /// Its first event is stored already, or came earlier in the batch: a resend.
    Duplicate,
    /// Refused (unknown source, bot, malformed); the rest of the batch is kept.
    Rejected(TrackingError),
}

/// What the runs stored, published at the end of the batch.
#[derive(Default)]
struct Pending {
    events: Vec<Event>,
}

impl Tracker {
    /// Runs a batch of messages through the pipeline without waiting for the disk; one
    /// result per item, in order. A storage fault fails the whole batch (nothing may be
    /// acknowledged); anything else fails only its message.
    pub async fn track_batch_pending(
        self: &Arc<Self>,
        items: Vec<BatchItem>,
    ) -> Result<Vec<ItemResult>, StoreError> {
        let started = Instant::now();
        let mut results: Vec<Option<ItemResult>> = items.iter().map(|_| None).collect();
        let mut sources: HashMap<String, Result<EventSource, String>> = HashMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut live = Vec::new();
        for (i, item) in items.iter().enumerate() {
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let req = &item.request;
            let id = &req.payload.source.id;
            if !sources.contains_key(id) {
                let checked = match self.check_source(id, req.allowed_types).await {
                    Ok(s) => Ok(s),
                    Err(TrackingError::Store(e)) => return Err(e),
                    Err(e) => Err(e.to_string()),
                };
                sources.insert(id.clone(), checked);
            }
            let source = match sources.get(id) {
                Some(Ok(s)) if req.allowed_types.contains(&s.source_type.as_str()) => s,
                Some(Ok(s)) => {
                    results[i] = Some(ItemResult::Rejected(TrackingError::Unauthorized(format!(
                        "Event source `{}` is of type `{}`; this route accepts only {}",
                        super::shown_id(id),
                        s.source_type,
                        req.allowed_types.join(", ")
                    ))));
                    continue;
                }
                Some(Err(reason)) => {
                    results[i] = Some(ItemResult::Rejected(TrackingError::Unauthorized(
                        reason.clone(),
                    )));
                    continue;
                }
                None => continue,
            };
            if self.settings.refuse_bots {
                let ua = req
                    .meta
                    .user_agent
                    .clone()
                    .or_else(|| enrich::context_user_agent(&req.payload.context));
                if ua.as_deref().is_some_and(enrich::is_bot) {
                    results[i] = Some(ItemResult::Rejected(TrackingError::Unauthorized(
                        "Bot traffic is not accepted by this collector.".into(),
                    )));
                    continue;
                }
            }
            if let Some(first) = req.payload.events.first().and_then(|e| e.id.as_deref()) {
                if seen.contains(first)
                    || self
                        .store
                        .event(&self.settings.scope, first)
                        .await?
                        .is_some()
                {
                    results[i] = Some(ItemResult::Duplicate);
                    continue;
                }
                seen.insert(first.to_string());
            }
            live.push((i, source.clone()));
        }

        // The pipeline stages and the destinations of synchronous sources are applied
        // by the one-message path; a scope that has any sends its messages through it
        // one by one (same results as separate requests, without the batching).
        let scope = &self.settings.scope;
        let one_by_one = !self.stages.get(&self.store, scope).await?.is_empty()
            || (self.enqueue_async && !self.destinations.get(&self.store, scope).await?.is_empty());
        if one_by_one {
            for (i, source) in live {
                let item = &items[i];
                let req = &item.request;
                let outcome = if req.profile_less {
                    self.track_profile_less(req, &source, started).await
                } else {
                    let ua = req
                        .meta
                        .user_agent
                        .clone()
                        .or_else(|| enrich::context_user_agent(&req.payload.context));
                    self.track_with_profile(
                        req,
                        &source,
                        ua.as_deref(),
                        started,
                        item.identity.as_ref(),
                    )
                    .await
                };
                results[i] = Some(match outcome {
                    Ok(outcome) => {
                        self.stats
                            .events_stored
                            .fetch_add(outcome.event_ids.len() as u64, Ordering::Relaxed);
                        if self.published.receiver_count() > 0 {
                            for e in outcome.stored {
                                let _ = self.published.send(e);
                            }
                        }
                        ItemResult::Stored
                    }
                    Err(TrackingError::Store(e)) => return Err(e),
                    Err(e) => ItemResult::Rejected(e),
                });
            }
            return Ok(results
                .into_iter()
                .map(|r| r.unwrap_or(ItemResult::Duplicate))
                .collect());
        }

        // Groups share no session and no identity, so they run side by side, one lane
        // per core; a group's runs keep their order within its lane.
        let all_runs = runs(&items, &live);
        let lanes = std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(1)
            .min(all_runs.last().map_or(0, |r| r.group + 1))
            .max(1);
        let mut by_lane: Vec<Vec<Run>> = (0..lanes).map(|_| Vec::new()).collect();
        for run in all_runs {
            by_lane[run.group % lanes].push(run);
        }
        let items = Arc::new(items);
        let mut tasks = tokio::task::JoinSet::new();
        for (lane, lane_runs) in by_lane.into_iter().enumerate() {
            let (me, items) = (self.clone(), items.clone());
            tasks.spawn(async move {
                let mut pending = Pending::default();
                let mut outcomes = Vec::with_capacity(lane_runs.len());
                for run in lane_runs {
                    let outcome = if items[run.items[0]].request.profile_less {
                        me.profile_less_run(&items, &run.items, &run.source, started, &mut pending)
                            .await
                    } else {
                        me.profile_run(&items, &run.items, &run.source, started, &mut pending)
                            .await
                    };
                    outcomes.push((run, outcome));
                }
                (lane, outcomes, pending)
            });
        }
        let mut done = Vec::with_capacity(lanes);
        while let Some(joined) = tasks.join_next().await {
            done.push(joined.map_err(|e| StoreError::Io(format!("batch lane failed: {e}")))?);
        }
        done.sort_by_key(|(lane, _, _)| *lane);
        let mut pending = Pending::default();
        let mut finished = Vec::new();
        for (_, outcomes, lane_pending) in done {
            pending.events.extend(lane_pending.events);
            finished.extend(outcomes);
        }
        for (run, outcome) in finished {
            match outcome {
                Ok(()) => {
                    for &i in &run.items {
                        results[i] = Some(ItemResult::Stored);
                    }
                }
                Err(TrackingError::Store(e)) => return Err(e),
                Err(e) => {
                    // Only request-level faults reach here; they are the same for
                    // every message of the run.
                    let reason = e.to_string();
                    for &i in &run.items {
                        results[i] = Some(ItemResult::Rejected(TrackingError::Unauthorized(
                            reason.clone(),
                        )));
                    }
                }
            }
        }
        self.stats
            .events_stored
            .fetch_add(pending.events.len() as u64, Ordering::Relaxed);
        if self.published.receiver_count() > 0 {
            for e in pending.events {
                let _ = self.published.send(e);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or(ItemResult::Duplicate))
            .collect())
    }

    async fn profile_less_run(
        &self,
        items: &[BatchItem],
        run: &[usize],
        source: &EventSource,
        started: Instant,
        pending: &mut Pending,
    ) -> Result<(), TrackingError> {
        let now = Utc::now();
        let mut events = Vec::new();
        let mut tick = 0i64;
        for &i in run {
            let req = &items[i].request;
            for ep in &req.payload.events {
                tick += 1;
                let mut e = self.build_event(req, source, ep, now + Duration::microseconds(tick));
                e.metadata.profile_less = true;
                events.push(e);
            }
        }
        if let Some(p) = self.processor_for(source) {
            p.process(ProcessBatch {
                scope: &self.settings.scope,
                source,
                profile: None,
                session: None,
                events: &mut events,
                new_profile: false,
                new_session: false,
            })
            .await;
        }
        finish_times(&mut events, started);
        let save = items[run[0]].request.payload.options.save_events;
        if save && !source.transitional {
            let write = TrackWrite {
                events: &events,
                ..Default::default()
            };
            self.store.commit_track(&self.settings.scope, write).await?;
            pending.events.extend(events);
        }
        Ok(())
    }

    /// One visitor's consecutive messages of one session and one identity: the
    /// pipeline of [`Tracker::track`] with the session and profile read, locked and
    /// written once.
    async fn profile_run(
        &self,
        items: &[BatchItem],
        run: &[usize],
        source: &EventSource,
        started: Instant,
        pending: &mut Pending,
    ) -> Result<(), TrackingError> {
        let scope = &self.settings.scope;
        let first = &items[run[0]];
        let req0 = &first.request;
        let identity = first.identity.as_ref();
        let opts = &req0.payload.options;
        let session_id = req0
            .payload
            .session_id()
            .map(str::to_string)
            .unwrap_or_else(new_id);
        let _session_guard = self
            .store
            .lock(scope, &format!("session:{session_id}"))
            .await?;
        let stored_session = self.store.session(scope, &session_id).await?;

        // As in `track`: a bridge identity's lookup ids win; otherwise an
        // identification point, the session's profile, then the payload's.
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
                let mut identified = None;
                for &i in run {
                    identified = self.identify(&items[i].request, source).await?;
                    if identified.is_some() {
                        break;
                    }
                }
                let claimed = match (&identified, &stored_session) {
                    (Some(id), _) => Some(id.clone()),
                    (None, Some(s)) => s.profile_id().map(str::to_string),
                    (None, None) => req0.payload.profile_id().map(str::to_string),
                };
                let candidate = match &claimed {
                    Some(id) => self.store.profile_id(scope, id).await?,
                    None => None,
                };
                (claimed, candidate)
            }
        };
        let adopt =
            identity.is_some() || req0.adopt_profile_id || source.config_flag("static_profile_id");
        let (profile_guard, mut profile, new_profile) = self
            .lock_profile(scope, candidate, claimed.filter(|_| adopt))
            .await?;
        let now = Utc::now();
        let mut profile_changed = false;

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
        let holds_visit_ended = run.iter().any(|&i| {
            items[i]
                .request
                .payload
                .events
                .iter()
                .any(|e| event_type_slug(&e.event_type) == "visit-ended")
        });

        // The session is made from the first message, as `track` makes it from the
        // first payload; later messages update UTM, location and properties in order.
        let mut first_context = None;
        for &i in run {
            let req = &items[i].request;
            let initialize = new_session && first_context.is_none();
            let ua = if initialize {
                req.meta
                    .user_agent
                    .clone()
                    .or_else(|| enrich::context_user_agent(&req.payload.context))
            } else {
                None
            };
            let context = super::payload_to_session(
                &mut session,
                source,
                req,
                ua.as_deref(),
                initialize,
                now,
            );
            first_context.get_or_insert(context);
        }
        let context = first_context.unwrap_or_default();

        profile_changed |= new_profile || repointed;
        profile_changed |=
            self.count_visit(&mut profile, &context, opts, new_profile, new_session, now);
        let marks_before = profile.metadata.system.aux.auto_merge.len();

        let mut tick = 0i64;
        let mut at = || {
            tick += 1;
            now + Duration::microseconds(tick)
        };
        let opened = super::Opened {
            new_profile,
            new_session,
            was_ended,
            holds_visit_ended,
        };
        let mut events = self.system_events(opened, &mut at, req0);
        // Each message's identity, then its events, in the order they came.
        for &i in run {
            let item = &items[i];
            if let Some(idn) = &item.identity {
                profile_changed |= self.apply_identity(&mut profile, idn).await?;
            }
            for ep in &item.request.payload.events {
                let mut e = self.build_event(&item.request, source, ep, at());
                if let Some(t) = item.identity.as_ref().and_then(|i| i.event_time) {
                    e.metadata.time.create = Some(t);
                }
                events.push(e);
            }
        }

        super::link_events(&mut session, &profile, &mut events, opts, new_session, now);
        let processed = match self.processor_for(source) {
            Some(p) => {
                p.process(ProcessBatch {
                    scope,
                    source,
                    profile: Some(&mut profile),
                    session: Some(&mut session),
                    events: &mut events,
                    new_profile,
                    new_session,
                })
                .await
            }
            None => ProcessOutcome::default(),
        };
        profile_changed |= processed.profile_changed;
        if !processed.errors.is_empty() {
            tracing::warn!(errors = ?processed.errors, "workflow errors in a batch");
        }
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
        if opts.save_events && !source.transitional {
            pending.events.extend(events);
        }
        drop(profile_guard);
        Ok(())
    }
}

/// Consecutive messages of one visitor processed together.
struct Run {
    /// Which group of the batch it belongs to (groups are numbered from 0 in order).
    group: usize,
    source: EventSource,
    items: Vec<usize>,
}

/// What a message resolves its profile by: the keys that put two messages in one group.
fn group_keys(item: &BatchItem) -> Vec<String> {
    let req = &item.request;
    let mut keys = Vec::new();
    if req.profile_less {
        return keys;
    }
    if let Some(s) = req.payload.session_id() {
        keys.push(format!("s:{s}"));
    }
    if let Some(p) = req.payload.profile_id() {
        keys.push(format!("p:{p}"));
    }
    if let Some(idn) = &item.identity {
        for id in idn.lookup.iter().chain(&idn.add_ids) {
            keys.push(format!("p:{id}"));
        }
        keys.push(format!("p:{}", idn.new_profile_id));
    }
    keys
}

/// Whether `b` may join the run `a` opened: the same source, session, profile id,
/// identity resolution and options, so that one session and one profile serve both.
fn same_run(a: &BatchItem, b: &BatchItem) -> bool {
    let (ra, rb) = (&a.request, &b.request);
    let session = ra.payload.session_id();
    session.is_some()
        && session == rb.payload.session_id()
        && !ra.profile_less
        && !rb.profile_less
        && ra.payload.source.id == rb.payload.source.id
        && ra.payload.profile_id() == rb.payload.profile_id()
        && ra.payload.options == rb.payload.options
        && ra.adopt_profile_id == rb.adopt_profile_id
        && match (&a.identity, &b.identity) {
            (None, None) => true,
            (Some(x), Some(y)) => x.lookup == y.lookup && x.new_profile_id == y.new_profile_id,
            _ => false,
        }
}

/// Groups the live messages by visitor (messages sharing any key are one group), keeps
/// each group's order, and cuts each group into runs.
fn runs(items: &[BatchItem], live: &[(usize, EventSource)]) -> Vec<Run> {
    // Union-find over message positions in `live`.
    let mut parent: Vec<usize> = (0..live.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (pos, (i, _)) in live.iter().enumerate() {
        for key in group_keys(&items[*i]) {
            match owner.get(&key) {
                Some(&other) => {
                    let (a, b) = (root(&mut parent, pos), root(&mut parent, other));
                    if a != b {
                        // The earlier message's group absorbs the later one.
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    owner.insert(key, pos);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for pos in 0..live.len() {
        let r = root(&mut parent, pos);
        let g = *group_of.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(pos);
    }
    let mut out: Vec<Run> = Vec::new();
    for (group_no, group) in groups.into_iter().enumerate() {
        let mut current: Option<Run> = None;
        for pos in group {
            let (i, source) = &live[pos];
            match &mut current {
                Some(run) if same_run(&items[run.items[0]], &items[*i]) => run.items.push(*i),
                _ => {
                    if let Some(done) = current.take() {
                        out.push(done);
                    }
                    current = Some(Run {
                        group: group_no,
                        source: source.clone(),
                        items: vec![*i],
                    });
                }
            }
        }
        out.extend(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::{RequestMeta, TrackerPayload};
    use serde_json::json;

    fn item(session: &str, ids: &[&str]) -> BatchItem {
        let payload = TrackerPayload::from_json(
            json!({"source": {"id": "src"}, "session": {"id": session},
                   "events": [{"type": "x"}]})
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        BatchItem {
            request: TrackRequest {
                payload,
                profile_less: false,
                meta: RequestMeta::default(),
                allowed_types: &["rest"],
                adopt_profile_id: false,
            },
            identity: (!ids.is_empty()).then(|| Identity {
                lookup: ids.iter().map(|s| s.to_string()).collect(),
                new_profile_id: format!("new-{}", ids[0]),
                add_ids: ids.iter().map(|s| s.to_string()).collect(),
                ..Identity::default()
            }),
        }
    }

    #[test]
    fn runs_keep_each_visitors_order_and_join_what_shares_an_id() {
        let items = vec![
            item("s1", &["a"]),
            item("s2", &["b"]),
            item("s1", &["a"]),
            item("s3", &["c", "a"]),
            item("s1", &["a"]),
            item("s2", &["b"]),
        ];
        let src = EventSource::new_rest("src", "src");
        let live: Vec<_> = (0..items.len()).map(|i| (i, src.clone())).collect();
        let got: Vec<Vec<usize>> = runs(&items, &live).into_iter().map(|r| r.items).collect();
        // Visitor a: 0, 2 in one run; 3 (another session, sharing id a) its own run,
        // then 4 after it, in order. Visitor b: 1 and 5.
        assert_eq!(got, vec![vec![0, 2], vec![3], vec![4], vec![1, 5]]);
    }
}
