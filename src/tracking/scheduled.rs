//! Scheduled work (`schedule event` and `pause and resume` nodes), run by the background
//! worker when its queue item is due.
//!
//! Idempotence: the profile records the sequence numbers of the scheduled items run for
//! it (`aux.scheduled_runs`, the last [`KEPT_RUNS`]), in the same write as the changes;
//! an item redelivered after a crash finds its number there and is skipped, so it
//! happens once in effect.

use super::queued::JobOutcome;
use super::{ProcessBatch, Tracker};
use crate::domain::EventSession;
use crate::domain::{EntityRef, Event, Profile};
use crate::store::{self, QueueItem};
use crate::workflow::engine::WorkflowEngine;
use crate::workflow::notation::DotContext;
use crate::workflow::plugins::schedule::{ScheduledJob, Work};
use crate::workflow::plugins::{ProfileUpdate, RunState};
use crate::workflow::runtime::{resume_flow, RunOptions};
use crate::workflow::segmentation;
use chrono::Utc;
use serde_json::{json, Value};

const RUNS_KEY: &str = "scheduled_runs";
/// Sequence numbers of scheduled items remembered per profile.
pub const KEPT_RUNS: usize = 100;

fn already_ran(profile: &Profile, seq: u64) -> bool {
    profile
        .aux
        .get(RUNS_KEY)
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|v| v.as_u64() == Some(seq)))
}

fn record_run(profile: &mut Profile, seq: u64) {
    let slot = profile
        .aux
        .entry(RUNS_KEY.to_string())
        .or_insert_with(|| json!([]));
    if !slot.is_array() {
        *slot = json!([]);
    }
    if let Value::Array(list) = slot {
        list.push(Value::from(seq));
        let excess = list.len().saturating_sub(KEPT_RUNS);
        list.drain(..excess);
    }
}

impl Tracker {
    /// Runs one due scheduled item and makes the result durable. An error is worth a
    /// retry; an unreadable payload is an error too (it ends in the dead-letter queue).
    pub async fn run_scheduled(
        &self,
        engine: &WorkflowEngine,
        item: &QueueItem,
    ) -> Result<JobOutcome, String> {
        let job: ScheduledJob = serde_json::from_value(item.payload.clone())
            .map_err(|e| format!("bad scheduled job: {e}"))?;
        let scope = &item.scope;
        let st = |e: store::StoreError| e.to_string();
        let _local = self.profile_locks.lock(&job.profile).await;
        let _shared = self
            .store
            .lock(scope, &format!("profile:{}", job.profile))
            .await
            .map_err(st)?;
        let Some(mut profile) = self.store.profile(scope, &job.profile).await.map_err(st)? else {
            tracing::info!(profile = %job.profile, seq = item.seq, "scheduled work skipped: the profile is gone");
            return Ok(JobOutcome::Skipped);
        };
        if already_ran(&profile, item.seq) {
            return Ok(JobOutcome::Skipped);
        }
        let mut session = match &job.session {
            Some(id) => self.store.session(scope, id).await.map_err(st)?,
            None => None,
        };
        let mut events = Vec::new();
        match &job.work {
            Work::Event {
                event_type,
                properties,
            } => {
                let Some(source) = store::event_source(self.store.as_ref(), scope, &job.source)
                    .await
                    .map_err(st)?
                else {
                    tracing::warn!(source = %job.source, seq = item.seq, "scheduled event skipped: its source is gone");
                    return Ok(JobOutcome::Skipped);
                };
                let now = Utc::now();
                let mut event = Event::new(
                    uuid::Uuid::new_v4().to_string(),
                    event_type.clone(),
                    &source.id,
                    now,
                );
                event.profile = Some(EntityRef::new(&profile.id));
                event.session = session.as_ref().map(|s| EventSession {
                    id: s.id.clone(),
                    start: Some(s.metadata.time.insert),
                    duration: s.metadata.time.duration,
                    tz: profile.metadata.time.visit.tz.clone(),
                });
                if let Value::Object(m) = properties {
                    event.properties = m.clone();
                }
                event.aux.insert(
                    "scheduled".into(),
                    json!({"flow": job.flow, "node": job.node, "event": job.event, "seq": item.seq}),
                );
                events.push(event);
                if let Some(processor) = self.processor.clone() {
                    if !source.transitional {
                        let outcome = processor
                            .process(ProcessBatch {
                                scope,
                                source: &source,
                                profile: Some(&mut profile),
                                session: session.as_mut(),
                                events: &mut events,
                                new_profile: false,
                                new_session: false,
                            })
                            .await;
                        for e in &outcome.errors {
                            tracing::warn!(profile = %profile.id, error = %e, "workflow error in a scheduled event");
                        }
                    }
                }
                if source.transitional {
                    events.clear();
                }
            }
            Work::Resume { payload } => {
                let compiled = match engine.deployed(scope, &job.flow).await {
                    Ok(c) => c,
                    Err(crate::workflow::engine::EngineError::NotFound(_)) => {
                        tracing::warn!(flow = %job.flow, seq = item.seq, "flow resume skipped: the flow is no longer deployed");
                        return Ok(JobOutcome::Skipped);
                    }
                    Err(e) => return Err(e.to_string()),
                };
                let event_v = match &job.event {
                    Some(id) => self
                        .store
                        .event(scope, id)
                        .await
                        .map_err(st)?
                        .and_then(|e| serde_json::to_value(e).ok()),
                    None => None,
                }
                .unwrap_or_else(|| json!({"id": job.event, "source": {"id": job.source}}));
                let original_profile = serde_json::to_value(&profile).unwrap_or(Value::Null);
                let original_session = session
                    .as_ref()
                    .and_then(|s| serde_json::to_value(s).ok())
                    .unwrap_or(Value::Null);
                let mut state = RunState::new(DotContext {
                    profile: original_profile.clone(),
                    session: original_session.clone(),
                    event: event_v,
                    ..DotContext::default()
                });
                state.services = engine.services().clone();
                let options = RunOptions {
                    budget: engine.budget(),
                    trace: false,
                };
                let Some(result) =
                    resume_flow(&compiled, &mut state, &job.node, payload.clone(), &options).await
                else {
                    tracing::warn!(flow = %job.flow, node = %job.node, "flow resume skipped: the node is no longer in the flow");
                    return Ok(JobOutcome::Skipped);
                };
                let mut outcome = crate::tracking::ProcessOutcome::default();
                for e in &result.errors {
                    tracing::warn!(flow = %job.flow, node = %e.node, error = %e.message, "error in a resumed flow");
                }
                if compiled.trace {
                    if let Err(e) = engine
                        .store_trace(scope, &result, job.event.as_deref(), Some(&profile.id))
                        .await
                    {
                        tracing::warn!(error = %e, "trace of a resumed flow not stored");
                    }
                }
                // A later pause in the same flow schedules the next continuation.
                engine
                    .enqueue_scheduled(scope, &mut state, &mut outcome)
                    .await;
                let new_profile = std::mem::take(&mut state.ctx.profile);
                if result.profile_update != ProfileUpdate::Discard
                    && (new_profile != original_profile
                        || result.profile_update == ProfileUpdate::Force)
                {
                    match serde_json::from_value::<Profile>(new_profile) {
                        Ok(p) if p.id == profile.id => profile = p,
                        Ok(_) => {
                            tracing::warn!(flow = %job.flow, "a resumed flow changed the profile id; its changes were not kept")
                        }
                        Err(e) => {
                            tracing::warn!(flow = %job.flow, error = %e, "profile changes of a resumed flow not kept")
                        }
                    }
                }
                if let Some(s) = session.as_mut() {
                    let new_session = std::mem::take(&mut state.ctx.session);
                    if new_session != original_session || result.session_update {
                        match serde_json::from_value(new_session) {
                            Ok(ns) => *s = ns,
                            Err(e) => {
                                tracing::warn!(error = %e, "session changes of a resumed flow not kept")
                            }
                        }
                    }
                }
                // Live segmentation, as after any flow.
                let (defs, _) = segmentation::load(self.store.as_ref(), scope)
                    .await
                    .map_err(st)?;
                let all: Vec<_> = defs.iter().collect();
                let change = segmentation::apply(&all, &mut profile, session.as_ref(), Utc::now());
                if !change.entered.is_empty() {
                    let rules = engine.rules(scope).await.map_err(st)?;
                    segmentation::run_segment_rules(
                        engine,
                        scope,
                        &rules,
                        &change.entered,
                        &mut profile,
                        session.as_mut(),
                        &mut outcome,
                    )
                    .await;
                }
                for e in outcome.errors.iter().chain(&change.errors) {
                    tracing::warn!(flow = %job.flow, error = %e, "resumed flow");
                }
            }
        }
        self.store.put_events(scope, &events).await.map_err(st)?;
        if let Some(s) = &session {
            self.store.put_session(scope, s).await.map_err(st)?;
        }
        // The profile goes last: it carries the record that this item ran.
        record_run(&mut profile, item.seq);
        profile.metadata.time.update = Some(Utc::now());
        profile.normalize_ids();
        self.store.put_profile(scope, &profile).await.map_err(st)?;
        self.store.durable().await.map_err(st)?;
        for e in events {
            let _ = self.published.send(e);
        }
        Ok(JobOutcome::Ran)
    }
}
