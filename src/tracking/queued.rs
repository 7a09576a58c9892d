//! Workflows of asynchronous sources: the collector enqueues a job with the durable
//! write; the background worker runs it here.
//!
//! Idempotence: the profile records, per queue key, the sequence number of the last job
//! run for it (`aux.worker_runs`), in the same write as the changes the flows made. A
//! job redelivered after a crash finds its number there and is skipped, so its effects
//! on the profile happen once. Calls to the outside world (remote API nodes) are
//! at-least-once.

use super::{ProcessBatch, Tracker};
use crate::domain::{Profile, Scope};
use crate::store::{self, NewItem, QueueItem};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The queue topic of workflow jobs.
pub const WORKFLOW_TOPIC: &str = "workflow";

/// The payload of a workflow job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowJob {
    pub source: String,
    pub profile: String,
    pub session: Option<String>,
    pub events: Vec<String>,
    #[serde(default)]
    pub new_profile: bool,
    #[serde(default)]
    pub new_session: bool,
}

impl WorkflowJob {
    pub fn item(&self, scope: &Scope) -> Option<NewItem> {
        Some(NewItem {
            scope: scope.clone(),
            topic: WORKFLOW_TOPIC.into(),
            key: Some(self.profile.clone()),
            payload: serde_json::to_value(self).ok()?,
        })
    }
}

const RUNS_KEY: &str = "worker_runs";

fn last_run(profile: &Profile, key: &str) -> Option<u64> {
    profile.aux.get(RUNS_KEY)?.get(key)?.as_u64()
}

fn record_run(profile: &mut Profile, key: &str, seq: u64) {
    let runs = profile
        .aux
        .entry(RUNS_KEY.to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    if !runs.is_object() {
        *runs = Value::Object(Default::default());
    }
    if let Value::Object(m) = runs {
        m.insert(key.to_string(), Value::from(seq));
    }
}

/// What became of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Ran,
    /// Already run (a redelivery), or nothing left to run it on.
    Skipped,
}

impl Tracker {
    /// Runs the workflows of one queued job and makes the result durable. An error is
    /// worth a retry; a job that can never run (bad payload) is an error too, so it ends
    /// in the dead-letter queue where it can be inspected.
    pub async fn run_queued(&self, item: &QueueItem) -> Result<JobOutcome, String> {
        let job: WorkflowJob = serde_json::from_value(item.payload.clone())
            .map_err(|e| format!("bad workflow job: {e}"))?;
        let Some(processor) = self.processor.clone() else {
            return Err("this process runs no workflow engine".into());
        };
        let scope = &item.scope;
        let st = |e: store::StoreError| e.to_string();
        // The job's profile may have been merged since it was queued: lock the profile
        // its id resolves to (as the tracker and the APM do), and check again once locked.
        let mut lock_id = match self
            .store
            .profile_id(scope, &job.profile)
            .await
            .map_err(st)?
        {
            Some(id) => id,
            None => return Ok(JobOutcome::Skipped),
        };
        let mut attempts = 0;
        let (_guards, mut profile) = loop {
            attempts += 1;
            let local = self.profile_locks.lock(&lock_id).await;
            let shared = self
                .store
                .lock(scope, &format!("profile:{lock_id}"))
                .await
                .map_err(st)?;
            let Some(p) = self.store.profile(scope, &job.profile).await.map_err(st)? else {
                return Ok(JobOutcome::Skipped);
            };
            if p.id == lock_id || attempts >= 3 {
                break ((local, shared), p);
            }
            lock_id = p.id;
        };
        if last_run(&profile, &job.profile).is_some_and(|seq| seq >= item.seq) {
            return Ok(JobOutcome::Skipped);
        }
        let Some(source) = self
            .sources
            .get(&self.store, scope, &job.source)
            .await
            .map_err(st)?
        else {
            return Ok(JobOutcome::Skipped);
        };
        let mut session = match &job.session {
            Some(id) => self.store.session(scope, id).await.map_err(st)?,
            None => None,
        };
        let mut events = Vec::with_capacity(job.events.len());
        for id in &job.events {
            if let Some(e) = self.store.event(scope, id).await.map_err(st)? {
                events.push(e);
            }
        }
        let marks_before = profile.metadata.system.aux.auto_merge.len();
        let outcome = processor
            .process(ProcessBatch {
                scope,
                source: &source,
                profile: Some(&mut profile),
                session: session.as_mut(),
                events: &mut events,
                new_profile: job.new_profile,
                new_session: job.new_session,
            })
            .await;
        for e in &outcome.errors {
            tracing::warn!(profile = %job.profile, error = %e, "workflow error in the worker");
        }
        self.store.put_events(scope, &events).await.map_err(st)?;
        if let Some(s) = &session {
            self.store.put_session(scope, s).await.map_err(st)?;
        }
        // Merge keys set by the flows (a merge node, or a key field that changed) mark the
        // profile for automatic merging, as in the collector.
        let mut marked = profile.metadata.system.aux.auto_merge.len() > marks_before;
        if let Some(policy) = &self.settings.identity {
            marked |= !policy.refresh(&mut profile).is_empty();
        }
        if marked {
            self.store
                .mark_for_merge(scope, &profile.id)
                .await
                .map_err(st)?;
        }
        let destinations = self
            .destinations
            .get(&self.store, scope)
            .await
            .map_err(st)?;
        let deliveries = crate::daemon::destinations::plan(
            &destinations,
            &crate::daemon::destinations::Collected {
                scope,
                source_id: &source.id,
                profile: Some(&profile),
                session: session.as_ref(),
                events: &events,
                profile_changed: job.new_profile || outcome.profile_changed,
            },
        );
        if !deliveries.is_empty() {
            self.store
                .enqueue(&deliveries, chrono::Utc::now())
                .await
                .map_err(st)?;
        }
        // The profile goes last: it carries the record that this job ran.
        record_run(&mut profile, &job.profile, item.seq);
        profile.normalize_ids();
        self.store.put_profile(scope, &profile).await.map_err(st)?;
        self.store.durable().await.map_err(st)?;
        Ok(JobOutcome::Ran)
    }
}
