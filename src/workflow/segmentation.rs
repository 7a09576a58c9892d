//! Segmentation: configuration documents of kind `segment` (Tracardi's shape,
//! `{id, name, description, eventType[], condition, enabled, machine_name}`) put a
//! profile in a segment while their TQL condition holds for it.
//!
//! * **Live**: after the flows of a batch of events ran (in the request for synchronous
//!   sources, in the worker for asynchronous ones), the segments whose `eventType` list
//!   is empty or names one of the batch's event types are evaluated against the profile
//!   and its session; `profile.segments` is updated and saved with the profile.
//! * **Batch**: [`refresh`] evaluates every enabled segment over every profile of a
//!   scope (`tracardictl segment refresh`, `POST /segments/refresh`, and the worker's
//!   periodic task).
//!
//! A profile is in segment `machine_name` (the document's, else the name in lower case
//! with dashes). Only segments that have a definition are ever removed: a segment a flow
//! added by name stays until a flow removes it. Entering a segment runs the flows of the
//! enabled `segment-add` rules naming it (by id, name or machine name), once per entry,
//! with an in-memory event of type `segment-add` whose properties are
//! `{segment: {id, name, machine_name}}`. Entering and leaving are both recorded in
//! `profile.aux.segmentation` (newest last, at most [`HISTORY`] entries), and
//! `metadata.time.segmentation` is the time of the last change.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::engine::WorkflowEngine;
use super::notation::{DotContext, DotSource};
use super::plugins::{ProfileUpdate, RunState};
use super::rules::{ref_id, Rule};
use super::runtime::{run_flow, RunOptions};
use super::tql::{self, Expr, Operand};
use crate::domain::{Profile, Scope, Session};
use crate::store::cache::ScopedCache;
use crate::store::{Store, StoreError};
use crate::tracking::locks::KeyedLocks;
use crate::tracking::{EventProcessor, ProcessBatch, ProcessOutcome};

/// The configuration kind of segments.
pub const SEGMENT_KIND: &str = "segment";
/// The rule type whose flows run when a profile enters a segment.
pub const SEGMENT_ADD: &str = "segment-add";
/// Entries of `profile.aux.segmentation` kept.
pub const HISTORY: usize = 50;
const HISTORY_KEY: &str = "segmentation";

/// A segment definition, its condition parsed.
#[derive(Debug, Clone)]
pub struct SegmentDef {
    pub id: String,
    pub name: String,
    pub machine_name: String,
    pub condition: Expr,
    /// Event types that trigger live evaluation; empty: every event.
    pub event_types: Vec<String>,
    /// The condition reads `session@…`: only live evaluation, which has the session,
    /// can decide it; a batch refresh leaves its members as they are.
    pub reads_session: bool,
}

/// Whether a condition reads the session anywhere.
fn reads_session(expr: &Expr) -> bool {
    fn operand(o: &Operand) -> bool {
        match o {
            Operand::Field(p) => p.source == DotSource::Session,
            Operand::Call(_, args) => args.iter().any(operand),
            Operand::Literal(_) | Operand::Duration(_) => false,
        }
    }
    match expr {
        Expr::And(all) | Expr::Or(all) => all.iter().any(reads_session),
        Expr::Not(e) => reads_session(e),
        Expr::Compare { left, right, .. } | Expr::Match { left, right, .. } => {
            operand(left) || operand(right)
        }
        Expr::Check { operand: o, .. } => operand(o),
        Expr::Between {
            operand: o,
            low,
            high,
        } => operand(o) || operand(low) || operand(high),
    }
}

/// A segment as named in results and in the `segment-add` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentRef {
    pub id: String,
    pub name: String,
    pub machine_name: String,
}

impl SegmentDef {
    fn reference(&self) -> SegmentRef {
        SegmentRef {
            id: self.id.clone(),
            name: self.name.clone(),
            machine_name: self.machine_name.clone(),
        }
    }

    /// Reads one document; None for a disabled segment, an error for an unusable one.
    pub fn from_value(doc: &Value) -> Result<Option<SegmentDef>, String> {
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::trim);
        let id = text("id")
            .filter(|s| !s.is_empty())
            .ok_or("a segment needs an id")?
            .to_string();
        if doc.get("enabled").and_then(Value::as_bool) == Some(false) {
            return Ok(None);
        }
        let name = text("name").unwrap_or("").to_string();
        let machine_name = machine_name_of(doc, &id);
        let condition_text = text("condition")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("segment `{id}` has no condition"))?;
        let condition =
            tql::parse(condition_text).map_err(|e| format!("segment `{id}`: condition: {e}"))?;
        let event_types = match doc.get("eventType") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| ref_id(v).map(crate::domain::event_type_slug))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Some(SegmentDef {
            id,
            name,
            machine_name,
            reads_session: reads_session(&condition),
            condition,
            event_types,
        }))
    }

    /// Whether a batch of these event types triggers live evaluation.
    fn triggered_by(&self, types: &[&str]) -> bool {
        self.event_types.is_empty()
            || types
                .iter()
                .any(|t| self.event_types.iter().any(|e| e == t))
    }
}

/// The name a segment is recorded under in `profile.segments`: `machine_name`, else the
/// slug of `name`, else the id. Two segments of one context must not share it.
pub fn machine_name_of(doc: &Value, id: &str) -> String {
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    match (text("machine_name"), text("name")) {
        (Some(m), _) => m.to_string(),
        (None, Some(name)) => crate::domain::event_type_slug(name),
        (None, None) => id.to_string(),
    }
}

/// Every enabled, readable segment of a scope, and a message for each unusable one.
pub async fn load(
    store: &dyn Store,
    scope: &Scope,
) -> Result<(Vec<SegmentDef>, Vec<String>), StoreError> {
    let docs = store.list_config(scope, SEGMENT_KIND).await?;
    let mut defs = Vec::new();
    let mut problems = Vec::new();
    for d in &docs {
        match SegmentDef::from_value(d) {
            Ok(Some(def)) => defs.push(def),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    Ok((defs, problems))
}

/// What one evaluation changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Change {
    pub entered: Vec<SegmentRef>,
    pub left: Vec<SegmentRef>,
    /// Segments whose condition could not be evaluated (left as they were).
    pub errors: Vec<String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.entered.is_empty() && self.left.is_empty()
    }
}

/// Evaluates `defs` for a profile (and its session, if any) and updates
/// `profile.segments`, its history and `metadata.time.segmentation`.
pub fn apply(
    defs: &[&SegmentDef],
    profile: &mut Profile,
    session: Option<&Session>,
    now: DateTime<Utc>,
) -> Change {
    let mut change = Change::default();
    if defs.is_empty() {
        return change;
    }
    let ctx = DotContext {
        profile: serde_json::to_value(&*profile).unwrap_or(Value::Null),
        session: session
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(Value::Null),
        now: Some(now),
        ..DotContext::default()
    };
    for def in defs {
        let inside = profile.segments.contains(&def.machine_name);
        match tql::eval(&def.condition, &ctx) {
            Ok(true) if !inside => {
                profile.segments.push(def.machine_name.clone());
                change.entered.push(def.reference());
            }
            Ok(false) if inside => {
                profile.segments.retain(|s| *s != def.machine_name);
                change.left.push(def.reference());
            }
            Ok(_) => {}
            Err(e) => change.errors.push(format!("segment `{}`: {e}", def.id)),
        }
    }
    if !change.is_empty() {
        profile.metadata.time.segmentation = Some(now);
        record(profile, &change, now);
    }
    change
}

fn record(profile: &mut Profile, change: &Change, now: DateTime<Utc>) {
    let slot = profile
        .aux
        .entry(HISTORY_KEY.to_string())
        .or_insert_with(|| json!([]));
    if !slot.is_array() {
        *slot = json!([]);
    }
    if let Value::Array(list) = slot {
        for (action, segs) in [("entered", &change.entered), ("left", &change.left)] {
            for s in segs {
                list.push(
                    json!({"segment": s.machine_name, "id": s.id, "action": action, "at": now}),
                );
            }
        }
        let excess = list.len().saturating_sub(HISTORY);
        list.drain(..excess);
    }
}

/// Runs the flows of the `segment-add` rules of each entered segment over the profile
/// (and session). Errors and warnings go to `outcome`; true when the flows changed the
/// profile or the session.
pub async fn run_segment_rules(
    engine: &WorkflowEngine,
    scope: &Scope,
    rules: &[Rule],
    entered: &[SegmentRef],
    profile: &mut Profile,
    mut session: Option<&mut Session>,
    outcome: &mut ProcessOutcome,
) -> bool {
    let mut changed = false;
    for seg in entered {
        let matching: Vec<&Rule> = rules
            .iter()
            .filter(|r| r.enabled && r.rule_type == SEGMENT_ADD)
            .filter(|r| {
                ref_id(&r.segment)
                    .is_some_and(|s| s == seg.id || s == seg.name || s == seg.machine_name)
            })
            .collect();
        for rule in matching {
            let Some(flow_id) = rule.flow_id() else {
                outcome
                    .warnings
                    .push(format!("rule `{}` names no flow", rule.id));
                continue;
            };
            let compiled = match engine.deployed(scope, flow_id).await {
                Ok(c) => c,
                Err(e) => {
                    outcome.errors.push(format!("rule `{}`: {e}", rule.id));
                    continue;
                }
            };
            let original_profile = serde_json::to_value(&*profile).unwrap_or(Value::Null);
            if !rule.consents_granted(&original_profile, Utc::now()) {
                continue;
            }
            let original_session = session
                .as_deref()
                .and_then(|s| serde_json::to_value(s).ok())
                .unwrap_or(Value::Null);
            let properties = json!({"segment": seg});
            let event = json!({
                "id": format!("segment-add-{}", uuid::Uuid::new_v4().simple()),
                "type": SEGMENT_ADD,
                "name": "Segment Add",
                "properties": properties,
                "profile": {"id": profile.id},
                "metadata": {"time": {"insert": Utc::now()}},
            });
            let mut state = RunState::new(DotContext {
                profile: original_profile.clone(),
                session: original_session.clone(),
                event,
                ..DotContext::default()
            });
            state.services = engine.services().clone();
            let options = RunOptions {
                budget: engine.budget(),
                trace: false,
            };
            let result = run_flow(&compiled, &mut state, properties, &options).await;
            for e in &result.errors {
                outcome.errors.push(format!(
                    "segment-add rule `{}`, flow `{}`, node `{}`: {}",
                    rule.id, result.flow_id, e.node, e.message
                ));
            }
            if compiled.trace {
                if let Err(e) = engine
                    .store_trace(scope, &result, None, Some(&profile.id))
                    .await
                {
                    outcome.warnings.push(format!("trace not stored: {e}"));
                }
            }
            engine.enqueue_scheduled(scope, &mut state, outcome).await;
            let new_profile = std::mem::take(&mut state.ctx.profile);
            if result.profile_update != ProfileUpdate::Discard
                && (new_profile != original_profile
                    || result.profile_update == ProfileUpdate::Force)
            {
                match serde_json::from_value::<Profile>(new_profile) {
                    Ok(p) if p.id == profile.id => {
                        *profile = p;
                        changed = true;
                    }
                    Ok(_) => outcome.errors.push(format!(
                        "segment-add rule `{}`: the flow changed the profile id; its changes were not kept",
                        rule.id
                    )),
                    Err(e) => outcome.errors.push(format!(
                        "segment-add rule `{}`: profile changes not kept: {e}",
                        rule.id
                    )),
                }
            }
            if let Some(s) = session.as_deref_mut() {
                let new_session = std::mem::take(&mut state.ctx.session);
                if new_session != original_session || result.session_update {
                    match serde_json::from_value::<Session>(new_session) {
                        Ok(ns) => {
                            *s = ns;
                            outcome.session_changed = true;
                        }
                        Err(e) => outcome.errors.push(format!(
                            "segment-add rule `{}`: session changes not kept: {e}",
                            rule.id
                        )),
                    }
                }
            }
            tracing::debug!(rule = %rule.id, segment = %seg.machine_name, profile = %profile.id, "segment-add rule ran");
        }
    }
    changed
}

/// The event processor of the daemon: the workflow engine, then live segmentation.
pub struct Segmenter {
    engine: Arc<WorkflowEngine>,
    cache: ScopedCache<Vec<SegmentDef>>,
}

impl Segmenter {
    pub fn new(engine: Arc<WorkflowEngine>) -> Self {
        Segmenter {
            engine,
            cache: ScopedCache::default(),
        }
    }

    async fn segments(&self, scope: &Scope) -> Result<Arc<Vec<SegmentDef>>, StoreError> {
        let store = self.engine.store();
        self.cache
            .get(store, scope, || async {
                let (defs, problems) = load(store, scope).await?;
                for p in problems {
                    tracing::warn!("unusable segment skipped: {p}");
                }
                Ok(defs)
            })
            .await
    }
}

#[async_trait]
impl EventProcessor for Segmenter {
    async fn process(&self, batch: ProcessBatch<'_>) -> ProcessOutcome {
        let ProcessBatch {
            scope,
            source,
            mut profile,
            mut session,
            events,
            new_profile,
            new_session,
        } = batch;
        let mut outcome = self
            .engine
            .process(ProcessBatch {
                scope,
                source,
                profile: profile.as_deref_mut(),
                session: session.as_deref_mut(),
                events: &mut *events,
                new_profile,
                new_session,
            })
            .await;
        let Some(profile) = profile else {
            return outcome;
        };
        let defs = match self.segments(scope).await {
            Ok(d) => d,
            Err(e) => {
                outcome
                    .errors
                    .push(format!("segmentation skipped: cannot read segments: {e}"));
                return outcome;
            }
        };
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        let live: Vec<&SegmentDef> = defs.iter().filter(|d| d.triggered_by(&types)).collect();
        let change = apply(&live, profile, session.as_deref(), Utc::now());
        outcome.errors.extend(change.errors.iter().cloned());
        if change.is_empty() {
            return outcome;
        }
        outcome.profile_changed = true;
        if !change.entered.is_empty() {
            match self.engine.rules(scope).await {
                Ok(rules) => {
                    run_segment_rules(
                        &self.engine,
                        scope,
                        &rules,
                        &change.entered,
                        profile,
                        session,
                        &mut outcome,
                    )
                    .await;
                }
                Err(e) => outcome
                    .errors
                    .push(format!("segment-add rules not run: cannot read rules: {e}")),
            }
        }
        outcome
    }
}

/// What a batch refresh did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RefreshSummary {
    pub segments: usize,
    pub profiles: u64,
    /// Profiles whose segments changed.
    pub changed: u64,
    pub entered: u64,
    pub left: u64,
    /// Problems (unusable segments, failed conditions, segment-add flow errors), at most
    /// a hundred.
    pub errors: Vec<String>,
}

const MAX_ERRORS: usize = 100;
const PAGE: usize = 500;

/// Evaluates every enabled segment over every profile of a scope and saves the profiles
/// whose segments changed; entering runs `segment-add` rules. Each profile is updated
/// under its locks (`locks`: the in-process ones of a daemon, if this runs in one).
/// `progress(done, total)` is called after each page. Durable when it returns.
pub async fn refresh(
    engine: &WorkflowEngine,
    locks: Option<&KeyedLocks>,
    scope: &Scope,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<RefreshSummary, StoreError> {
    let store = engine.store();
    let (defs, mut problems) = load(store, scope).await?;
    // Without a session a `session@…` condition would read as false and empty the
    // segment, for the next event to fill it again: such segments are left to live
    // evaluation.
    for d in defs.iter().filter(|d| d.reads_session) {
        problems.push(format!(
            "segment `{}`: its condition reads session@…, which only live evaluation has; members left as they are",
            d.id
        ));
    }
    let mut summary = RefreshSummary {
        segments: defs.len(),
        errors: problems,
        ..RefreshSummary::default()
    };
    let total = store.counts(scope).await?.profiles;
    let all: Vec<&SegmentDef> = defs.iter().filter(|d| !d.reads_session).collect();
    let rules = if all.is_empty() {
        Vec::new()
    } else {
        engine.rules(scope).await?
    };
    let mut after: Option<String> = None;
    loop {
        let page = store.list_profiles(scope, after.as_deref(), PAGE).await?;
        for listed in &page.items {
            summary.profiles += 1;
            if all.is_empty() {
                continue;
            }
            let _local = match locks {
                Some(l) => Some(l.lock(&listed.id).await),
                None => None,
            };
            let _shared = store.lock(scope, &format!("profile:{}", listed.id)).await?;
            // Re-read under the lock: the listed copy may be stale.
            let Some(mut profile) = store.profile(scope, &listed.id).await? else {
                continue;
            };
            if profile.id != listed.id {
                continue;
            }
            let change = apply(&all, &mut profile, None, Utc::now());
            let mut outcome = ProcessOutcome::default();
            outcome.errors.extend(change.errors.iter().cloned());
            if !change.is_empty() {
                summary.changed += 1;
                summary.entered += change.entered.len() as u64;
                summary.left += change.left.len() as u64;
                run_segment_rules(
                    engine,
                    scope,
                    &rules,
                    &change.entered,
                    &mut profile,
                    None,
                    &mut outcome,
                )
                .await;
                profile.normalize_ids();
                store.put_profile(scope, &profile).await?;
            }
            for e in outcome.errors {
                if summary.errors.len() < MAX_ERRORS {
                    summary
                        .errors
                        .push(format!("profile `{}`: {e}", profile.id));
                }
            }
        }
        progress(summary.profiles, total.max(summary.profiles));
        match page.next {
            Some(n) if !page.items.is_empty() => after = Some(n),
            _ => break,
        }
    }
    store.durable().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(doc: Value) -> SegmentDef {
        SegmentDef::from_value(&doc).unwrap().unwrap()
    }

    #[test]
    fn reads_segment_documents() {
        let d = def(
            json!({"id": "s1", "name": "Big Spenders", "condition": "profile@stats.views > 3", "eventType": [{"id": "purchase"}, "Page View"]}),
        );
        assert_eq!(d.machine_name, "big-spenders");
        assert_eq!(d.event_types, vec!["purchase", "page-view"]);
        assert!(d.triggered_by(&["page-view"]));
        assert!(!d.triggered_by(&["identify"]));
        let named = def(
            json!({"id": "s2", "name": "x", "machine_name": "vip", "condition": "profile@id exists"}),
        );
        assert_eq!(named.machine_name, "vip");
        assert!(named.triggered_by(&["anything"]));
        assert!(
            SegmentDef::from_value(&json!({"id": "s", "enabled": false, "condition": "x"}))
                .unwrap()
                .is_none()
        );
        assert!(SegmentDef::from_value(&json!({"id": "s", "condition": "profile@ =="})).is_err());
        assert!(SegmentDef::from_value(&json!({"id": "s"})).is_err());
    }

    #[test]
    fn enters_and_leaves_keeping_undefined_segments() {
        let d =
            def(json!({"id": "s1", "name": "Pro", "condition": "profile@traits.plan == \"pro\""}));
        let mut p = Profile::new("p1".into(), Utc::now());
        p.segments.push("hand-made".into());
        p.traits.insert("plan".into(), json!("pro"));
        let now = Utc::now();
        let c = apply(&[&d], &mut p, None, now);
        assert_eq!(c.entered.len(), 1);
        assert_eq!(p.segments, vec!["hand-made", "pro"]);
        assert_eq!(p.metadata.time.segmentation, Some(now));
        // Still matching: nothing changes.
        assert!(apply(&[&d], &mut p, None, now).is_empty());
        p.traits.insert("plan".into(), json!("free"));
        let c = apply(&[&d], &mut p, None, now);
        assert_eq!(c.left.len(), 1);
        assert_eq!(p.segments, vec!["hand-made"]);
        let history = p.aux["segmentation"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["action"], "entered");
        assert_eq!(history[1]["action"], "left");
        assert_eq!(history[1]["segment"], "pro");
    }
}
