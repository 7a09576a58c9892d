//! The workflow engine: loads rules and deployed flows from the store, runs the flows
//! that match each event, applies their changes, and keeps traces.
//!
//! Storage (configuration documents, per scope):
//!
//! | kind | id | what |
//! |---|---|---|
//! | `rule` | rule id | [`Rule`] |
//! | `flow` | flow id | the deployed flow (what rules run), Tracardi's shape |
//! | `flow-draft` | flow id | the draft: what editing changes; `deploy` publishes it |
//! | `flow-trace` | run id | a [`RunResult`] with its trace, plus `event_id`/`profile_id` |
//!
//! Run ids sort by time, so the oldest traces are the first listed; the engine keeps at
//! most `trace_retention` of them per scope.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Map, Value};
use thiserror::Error;

use super::flow::{self, CompiledFlow, FlowDocument, FlowError};
use super::notation::DotContext;
use super::plugins::{ProfileUpdate, RunState, Services};
use super::rules::Rule;
use super::runtime::{run_flow, RunOptions, RunResult};
use crate::domain::{Event, Profile, Scope, Session};
use crate::store::cache::ScopedCache;
use crate::store::{SharedStore, Store, StoreError};
use crate::tracking::{EventProcessor, ProcessBatch, ProcessOutcome};

pub mod kinds {
    pub const RULE: &str = "rule";
    pub const FLOW: &str = "flow";
    pub const FLOW_DRAFT: &str = "flow-draft";
    pub const FLOW_TRACE: &str = "flow-trace";
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error("flow `{0}` not found")]
    NotFound(String),
    #[error("flow `{0}` is locked; unlock it before editing")]
    Locked(String),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Time budget of one flow run.
    pub budget: Duration,
    /// Traces kept per scope.
    pub trace_retention: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            budget: Duration::from_secs(5),
            trace_retention: 1000,
        }
    }
}

/// Compiled flows by (scope, id): the store's configuration generation when the
/// document was last read, the document, the compiled flow.
type FlowCache = HashMap<(String, String), (Option<u64>, Value, Arc<CompiledFlow>)>;

pub struct WorkflowEngine {
    store: SharedStore,
    services: Services,
    options: EngineOptions,
    cache: Mutex<FlowCache>,
    rules: ScopedCache<Vec<Rule>>,
    traces_written: AtomicU64,
}

fn scope_key(scope: &Scope) -> String {
    format!("{scope:?}")
}

impl WorkflowEngine {
    pub fn new(store: SharedStore, options: EngineOptions) -> Self {
        WorkflowEngine {
            store,
            services: Services::default(),
            options,
            cache: Mutex::new(HashMap::new()),
            rules: ScopedCache::default(),
            traces_written: AtomicU64::new(0),
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The services (HTTP client) flows run with.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The time budget of one flow run.
    pub fn budget(&self) -> Duration {
        self.options.budget
    }

    /// Enqueues the work a run scheduled (`schedule event`, `pause and resume` nodes) as
    /// delayed queue items; a failure is reported in `outcome`.
    pub async fn enqueue_scheduled(
        &self,
        scope: &Scope,
        state: &mut RunState,
        outcome: &mut ProcessOutcome,
    ) {
        if state.scheduled.is_empty() {
            return;
        }
        let now = Utc::now();
        for s in std::mem::take(&mut state.scheduled) {
            match super::plugins::schedule::queue_item(scope, &state.ctx, &s) {
                Ok(item) => {
                    let at = now + chrono::Duration::milliseconds(s.delay_ms as i64);
                    if let Err(e) = self.store.enqueue_at(&[item], at, now).await {
                        outcome
                            .errors
                            .push(format!("node `{}`: cannot schedule: {e}", s.node));
                    }
                }
                Err(e) => outcome
                    .errors
                    .push(format!("node `{}`: cannot schedule: {e}", s.node)),
            }
        }
    }

    /// Every rule of the scope; documents that do not read as rules are skipped.
    pub async fn rules(&self, scope: &Scope) -> Result<Vec<Rule>, StoreError> {
        let docs = self.store.list_config(scope, kinds::RULE).await?;
        Ok(docs
            .iter()
            .filter_map(|d| match Rule::from_value(d) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(rule = ?d.get("id"), "unreadable rule skipped: {e}");
                    None
                }
            })
            .collect())
    }

    /// [`Self::rules`], cached for the hot path until configuration changes.
    pub async fn rules_cached(&self, scope: &Scope) -> Result<Arc<Vec<Rule>>, StoreError> {
        self.rules
            .get(self.store(), scope, || self.rules(scope))
            .await
    }

    /// The deployed flow, compiled (cached while its document is unchanged; not read at
    /// all while the store's configuration is unchanged, when the store can tell).
    pub async fn deployed(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Arc<CompiledFlow>, EngineError> {
        // Read before the document: a write in between makes the next call read again.
        let generation = self.store.config_generation();
        let key = (scope_key(scope), id.to_string());
        if let (Some(_), Ok(cache)) = (generation, self.cache.lock()) {
            if let Some((cg, _, compiled)) = cache.get(&key) {
                if *cg == generation {
                    return Ok(compiled.clone());
                }
            }
        }
        let doc = self
            .store
            .config(scope, kinds::FLOW, id)
            .await?
            .ok_or_else(|| EngineError::NotFound(id.to_string()))?;
        if let Ok(mut cache) = self.cache.lock() {
            if let Some((cg, cached_doc, compiled)) = cache.get_mut(&key) {
                if *cached_doc == doc {
                    *cg = generation;
                    return Ok(compiled.clone());
                }
            }
        }
        let (_, compiled) = flow::validate(&doc)?;
        let compiled = Arc::new(compiled);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 1024 {
                cache.clear();
            }
            cache.insert(key, (generation, doc, compiled.clone()));
        }
        Ok(compiled)
    }

    // ---- drafts, deploys, locks ----

    /// The draft of a flow, falling back to the deployed version.
    pub async fn draft(&self, scope: &Scope, id: &str) -> Result<FlowDocument, EngineError> {
        let doc = match self.store.config(scope, kinds::FLOW_DRAFT, id).await? {
            Some(d) => d,
            None => self
                .store
                .config(scope, kinds::FLOW, id)
                .await?
                .ok_or_else(|| EngineError::NotFound(id.to_string()))?,
        };
        Ok(FlowDocument::from_value(&doc)?)
    }

    /// Validates and saves a draft (either shape); refused while the flow is locked.
    pub async fn save_draft(
        &self,
        scope: &Scope,
        doc: &Value,
    ) -> Result<FlowDocument, EngineError> {
        let (flow, _) = flow::validate(doc)?;
        // A locked flow refuses draft changes until it is unlocked, whatever the new
        // document's own `lock` says (a converted or exported flow says `false`).
        if let Ok(current) = self.draft(scope, &flow.id).await {
            if current.lock {
                return Err(EngineError::Locked(flow.id));
            }
        }
        self.store
            .put_config(scope, kinds::FLOW_DRAFT, &flow.id, &flow.to_value())
            .await?;
        Ok(flow)
    }

    /// Publishes the draft: rules run the deployed version.
    pub async fn deploy(&self, scope: &Scope, id: &str) -> Result<FlowDocument, EngineError> {
        let draft = self.draft(scope, id).await?;
        flow::compile(&draft)?;
        self.store
            .put_config(scope, kinds::FLOW, id, &draft.to_value())
            .await?;
        Ok(draft)
    }

    /// Locks or unlocks a flow (its draft and deployed version).
    pub async fn set_lock(&self, scope: &Scope, id: &str, lock: bool) -> Result<(), EngineError> {
        let mut found = false;
        for kind in [kinds::FLOW_DRAFT, kinds::FLOW] {
            if let Some(mut doc) = self.store.config(scope, kind, id).await? {
                if let Value::Object(m) = &mut doc {
                    m.insert("lock".into(), Value::Bool(lock));
                }
                self.store.put_config(scope, kind, id, &doc).await?;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err(EngineError::NotFound(id.to_string()))
        }
    }

    // ---- traces ----

    pub async fn trace(&self, scope: &Scope, run_id: &str) -> Result<Option<Value>, StoreError> {
        self.store.config(scope, kinds::FLOW_TRACE, run_id).await
    }

    /// Traces, newest first, optionally of one flow.
    pub async fn traces(
        &self,
        scope: &Scope,
        flow_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Value>, StoreError> {
        let mut docs = self.store.list_config(scope, kinds::FLOW_TRACE).await?;
        docs.reverse();
        Ok(docs
            .into_iter()
            .filter(|d| flow_id.is_none_or(|f| d.get("flow_id").and_then(Value::as_str) == Some(f)))
            .take(limit)
            .collect())
    }

    /// Stores a run's trace and keeps at most `trace_retention` per scope.
    pub async fn store_trace(
        &self,
        scope: &Scope,
        result: &RunResult,
        event_id: Option<&str>,
        profile_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut doc = serde_json::to_value(result).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut doc {
            m.insert("id".into(), json!(result.run_id));
            m.insert("event_id".into(), json!(event_id));
            m.insert("profile_id".into(), json!(profile_id));
        }
        self.store
            .put_config(scope, kinds::FLOW_TRACE, &result.run_id, &doc)
            .await?;
        let written = self.traces_written.fetch_add(1, Ordering::Relaxed);
        // Pruning lists every trace, so it is done now and then, not on every write.
        if written % 32 == 0 {
            self.prune_traces(scope).await?;
        }
        Ok(())
    }

    /// Deletes the oldest traces beyond the retention limit.
    pub async fn prune_traces(&self, scope: &Scope) -> Result<usize, StoreError> {
        let docs = self.store.list_config(scope, kinds::FLOW_TRACE).await?;
        let excess = docs.len().saturating_sub(self.options.trace_retention);
        for d in docs.iter().take(excess) {
            if let Some(id) = d.get("id").and_then(Value::as_str) {
                self.store
                    .delete_config(scope, kinds::FLOW_TRACE, id)
                    .await?;
            }
        }
        Ok(excess)
    }

    // ---- running ----

    /// Runs a flow document once over given data, changing nothing stored (a dry run),
    /// with a trace.
    pub async fn dry_run(
        &self,
        doc: &Value,
        data: DryRunData,
    ) -> Result<(RunResult, DotContext), EngineError> {
        let (_, compiled) = flow::validate(doc)?;
        Ok(dry_run_compiled(&compiled, data, &self.services, self.options.budget).await)
    }
}

/// The data of a dry run.
#[derive(Debug, Clone, Default)]
pub struct DryRunData {
    pub profile: Value,
    pub session: Value,
    pub event: Value,
    pub new_profile: bool,
    pub new_session: bool,
}

/// Runs a compiled flow over given data with a trace; nothing is stored.
pub async fn dry_run_compiled(
    compiled: &CompiledFlow,
    data: DryRunData,
    services: &Services,
    budget: Duration,
) -> (RunResult, DotContext) {
    dry_run_inner(compiled, data, services, budget, None).await
}

/// [`dry_run_compiled`] with a fixed time for `now()` and the time plugins.
pub async fn dry_run_compiled_at(
    compiled: &CompiledFlow,
    data: DryRunData,
    services: &Services,
    budget: Duration,
    now: chrono::DateTime<Utc>,
) -> (RunResult, DotContext) {
    dry_run_inner(compiled, data, services, budget, Some(now)).await
}

async fn dry_run_inner(
    compiled: &CompiledFlow,
    data: DryRunData,
    services: &Services,
    budget: Duration,
    now: Option<chrono::DateTime<Utc>>,
) -> (RunResult, DotContext) {
    let initial = data
        .event
        .get("properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut state = RunState::new(DotContext {
        profile: data.profile,
        session: data.session,
        event: data.event,
        now,
        ..DotContext::default()
    });
    state.services = services.clone();
    state.new_profile = data.new_profile;
    state.new_session = data.new_session;
    let options = RunOptions {
        budget,
        trace: true,
    };
    let result = run_flow(compiled, &mut state, initial, &options).await;
    (result, state.ctx)
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn flow_label(result: &RunResult) -> String {
    if result.flow_name.is_empty() || result.flow_name == result.flow_id {
        format!("flow `{}`", result.flow_id)
    } else {
        format!("flow `{}` ({})", result.flow_id, result.flow_name)
    }
}

#[async_trait]
impl EventProcessor for WorkflowEngine {
    async fn process(&self, batch: ProcessBatch<'_>) -> ProcessOutcome {
        let mut outcome = ProcessOutcome::default();
        let rules = match self.rules_cached(batch.scope).await {
            Ok(r) if r.is_empty() => return outcome,
            Ok(r) => r,
            Err(e) => {
                outcome
                    .errors
                    .push(format!("workflows not run: cannot read rules: {e}"));
                return outcome;
            }
        };
        let ProcessBatch {
            scope,
            profile,
            session,
            events,
            new_profile,
            new_session,
            ..
        } = batch;
        let original_profile = profile.as_deref().map(to_json).unwrap_or(Value::Null);
        let original_session = session.as_deref().map(to_json).unwrap_or(Value::Null);
        let mut profile_v = original_profile.clone();
        let mut session_v = original_session.clone();
        let mut profile_update = ProfileUpdate::Auto;
        let mut session_update = false;
        let mut ran_any = false;

        for event in events.iter_mut() {
            let matching: Vec<&Rule> = rules
                .iter()
                .filter(|r| r.matches(&event.event_type, &event.source.id))
                .collect();
            if matching.is_empty() {
                continue;
            }
            let original_event = to_json(&*event);
            let mut event_v = original_event.clone();
            let mut ran_rules = Vec::new();
            let mut ran_flows = Vec::new();
            for rule in matching {
                if !rule.consents_granted(&profile_v, Utc::now()) {
                    continue;
                }
                let Some(flow_id) = rule.flow_id() else {
                    outcome
                        .warnings
                        .push(format!("rule `{}` names no flow", rule.id));
                    continue;
                };
                let compiled = match self.deployed(scope, flow_id).await {
                    Ok(c) => c,
                    Err(e) => {
                        outcome.errors.push(format!("rule `{}`: {e}", rule.id));
                        continue;
                    }
                };
                let initial = event_v
                    .get("properties")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let mut state = RunState::new(DotContext {
                    profile: std::mem::take(&mut profile_v),
                    session: std::mem::take(&mut session_v),
                    event: std::mem::take(&mut event_v),
                    ..DotContext::default()
                });
                state.services = self.services.clone();
                state.new_profile = new_profile;
                state.new_session = new_session;
                let options = RunOptions {
                    budget: self.options.budget,
                    trace: false,
                };
                let result = run_flow(&compiled, &mut state, initial, &options).await;
                self.enqueue_scheduled(scope, &mut state, &mut outcome)
                    .await;
                profile_v = std::mem::take(&mut state.ctx.profile);
                session_v = std::mem::take(&mut state.ctx.session);
                event_v = std::mem::take(&mut state.ctx.event);
                ran_any = true;

                let label = flow_label(&result);
                for e in &result.errors {
                    outcome
                        .errors
                        .push(format!("{label}, node `{}`: {}", e.node, e.message));
                }
                outcome.ux.extend(result.ux.iter().cloned());
                for (k, v) in &result.response {
                    outcome.response.insert(k.clone(), v.clone());
                }
                profile_update = match (profile_update, result.profile_update) {
                    (ProfileUpdate::Discard, _) | (_, ProfileUpdate::Discard) => {
                        ProfileUpdate::Discard
                    }
                    (ProfileUpdate::Force, _) | (_, ProfileUpdate::Force) => ProfileUpdate::Force,
                    _ => ProfileUpdate::Auto,
                };
                session_update |= result.session_update;
                if compiled.trace {
                    let profile_id = profile_v.get("id").and_then(Value::as_str);
                    if let Err(e) = self
                        .store_trace(scope, &result, Some(&event.id), profile_id)
                        .await
                    {
                        outcome
                            .warnings
                            .push(format!("{label}: trace not stored: {e}"));
                    }
                }
                ran_rules.push(rule.id.clone());
                ran_flows.push(compiled.id.clone());
            }
            if event_v != original_event {
                match serde_json::from_value::<Event>(event_v) {
                    Ok(changed) => *event = changed,
                    Err(e) => outcome.errors.push(format!(
                        "changes made by flows to event `{}` were not kept: {e}",
                        event.id
                    )),
                }
            }
            if !ran_flows.is_empty() {
                event.metadata.processed_by.rules.extend(ran_rules);
                event.metadata.processed_by.flows.extend(ran_flows);
                event.metadata.status = "processed".into();
            }
        }
        if !ran_any {
            return outcome;
        }
        if let Some(profile) = profile {
            let changed = profile_v != original_profile;
            match profile_update {
                ProfileUpdate::Discard => {}
                update if changed || update == ProfileUpdate::Force => {
                    match serde_json::from_value::<Profile>(profile_v) {
                        Ok(p) if p.id == profile.id => {
                            *profile = p;
                            outcome.profile_changed = true;
                        }
                        Ok(p) => outcome.errors.push(format!(
                            "flows changed the profile id from `{}` to `{}`; profile changes were not kept",
                            profile.id, p.id
                        )),
                        Err(e) => outcome
                            .errors
                            .push(format!("changes made by flows to the profile were not kept: {e}")),
                    }
                }
                _ => {}
            }
        }
        if let Some(session) = session {
            if session_v != original_session || session_update {
                match serde_json::from_value::<Session>(session_v) {
                    Ok(s) => {
                        *session = s;
                        outcome.session_changed = true;
                    }
                    Err(e) => outcome.errors.push(format!(
                        "changes made by flows to the session were not kept: {e}"
                    )),
                }
            }
        }
        outcome
    }
}

/// A summary of a stored trace's header for listings.
pub fn trace_summary(doc: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    for k in [
        "id",
        "flow_id",
        "started",
        "duration_us",
        "event_id",
        "profile_id",
    ] {
        m.insert(k.into(), doc.get(k).cloned().unwrap_or(Value::Null));
    }
    let errors = doc
        .get("errors")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    m.insert("errors".into(), json!(errors));
    m
}
