//! Event pipeline stages (TRACKING.md §5), applied by the collector to the payload's
//! events before anything is stored, in this order:
//!
//! 1. **reshaping** (`event-reshaping`): object templates replace the event's
//!    `properties` / `context`; a `session` template is merged into the session's
//!    `context` (ours). Optional TQL `reshaping.condition`, optional `event_source`.
//! 2. **validation** (`event-validator`): JSON Schema per dot path. A failing event
//!    rejects the whole request (406, nothing stored), or — with
//!    `validation.on_failure: store` (ours) — is stored with `metadata.valid=false`,
//!    `metadata.error=true` and the messages in `metadata.validation_errors`.
//! 3. **data compliance** (`data-compliance`): each setting removes or hashes (SHA-256,
//!    hex) an event field unless every listed consent is granted on the profile.
//! 4. **event-to-profile mapping** (`event-to-profile`): `equals`,
//!    `equals_if_not_exists` and `append` copy event values to profile paths.
//!
//! Rules that name required consents are gated in the workflow engine
//! ([`crate::workflow::rules::Rule::consents_granted`]).
//!
//! Documents are compiled once ([`Stages::compile`]) and the compiled form is cached
//! by the tracker until a document changes; [`check`] runs the same compilation at
//! apply time, so a bad document is refused with the field it concerns.

use crate::domain::{event_type_slug, Event, Profile, Session};
use crate::workflow::notation::{DotContext, DotPath, DotSource, OnMissing, TemplateOptions};
use crate::workflow::plugins::profile::has_consent;
use crate::workflow::rules::ref_id;
use crate::workflow::tql::{self, Expr};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const EVENT_RESHAPING: &str = "event-reshaping";
pub const EVENT_VALIDATOR: &str = "event-validator";
pub const DATA_COMPLIANCE: &str = "data-compliance";
pub const EVENT_TO_PROFILE: &str = "event-to-profile";

/// The configuration kinds the stages are compiled from, in pipeline order.
pub const STAGE_KINDS: [&str; 4] = [
    EVENT_RESHAPING,
    EVENT_VALIDATOR,
    DATA_COMPLIANCE,
    EVENT_TO_PROFILE,
];

/// A document that does not compile: the field (dot path in the document) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct StageError {
    pub field: String,
    pub message: String,
}

impl StageError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One failed validation, as answered in a 406 body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub event_type: String,
    pub validator: String,
    /// The validated dot path (`event@properties`).
    pub path: String,
    /// Where inside that value the schema failed (JSON pointer, empty = the value itself).
    pub instance_path: String,
    pub error: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event `{}`: `{}", self.event_type, self.path)?;
        if !self.instance_path.is_empty() {
            write!(f, "{}", self.instance_path)?;
        }
        write!(f, "`: {} (validator `{}`)", self.error, self.validator)
    }
}

/// Why a request is refused: every violation of every rejecting validator.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub violations: Vec<Violation>,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("event validation failed: ")?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

/// What applying the stages changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Applied {
    pub profile_changed: bool,
    pub session_changed: bool,
    pub warnings: Vec<String>,
}

/// Which events a stage applies to: an event type (slug; `None` = any).
#[derive(Debug, Clone)]
struct Selector {
    event_type: Option<String>,
}

impl Selector {
    fn from_doc(doc: &Value) -> Self {
        let event_type = doc
            .get("event_type")
            .and_then(ref_id)
            .map(event_type_slug)
            .filter(|t| !t.is_empty() && t != "*");
        Self { event_type }
    }

    fn matches(&self, event_type: &str) -> bool {
        self.event_type.as_deref().is_none_or(|t| t == event_type)
    }
}

fn enabled(doc: &Value) -> bool {
    doc.get("enabled").and_then(Value::as_bool) != Some(false)
}

fn doc_id(doc: &Value) -> String {
    doc.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A dot path where a bare path (`properties.email`) reads from `default`.
fn path_in(text: &str, default: DotSource, field: &str) -> Result<DotPath, StageError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StageError::new(field, "must not be empty"));
    }
    if let Some(p) = DotPath::parse(text) {
        return Ok(p);
    }
    if text.contains('@') {
        return Err(StageError::new(
            field,
            format!("`{text}` is not a dot path (sources: event, profile, session)"),
        ));
    }
    DotPath::parse(&format!("{}@{text}", default.name()))
        .ok_or_else(|| StageError::new(field, format!("`{text}` is not a dot path")))
}

fn condition(doc: &Value, path: &str) -> Result<Option<Expr>, StageError> {
    let mut cur = doc;
    for k in path.split('.') {
        match cur.get(k) {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    match cur {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => tql::parse(s)
            .map(Some)
            .map_err(|e| StageError::new(path, format!("invalid condition: {e}"))),
        _ => Err(StageError::new(path, "must be a TQL condition (a string)")),
    }
}

fn holds(cond: &Option<Expr>, ctx: &DotContext) -> Result<bool, String> {
    match cond {
        None => Ok(true),
        Some(c) => tql::eval(c, ctx).map_err(|e| e.to_string()),
    }
}

// ---- the compiled stages ----

#[derive(Debug)]
struct Reshaping {
    id: String,
    select: Selector,
    source: Option<String>,
    condition: Option<Expr>,
    properties: Option<Value>,
    context: Option<Value>,
    session: Option<Value>,
}

struct Schema {
    shown: String,
    path: DotPath,
    validator: jsonschema::Validator,
}

struct EventValidator {
    id: String,
    select: Selector,
    condition: Option<Expr>,
    schemas: Vec<Schema>,
    store_invalid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    Remove,
    Hash,
}

struct ComplianceSetting {
    action: Action,
    field: DotPath,
    consents: Vec<String>,
}

struct Compliance {
    select: Selector,
    settings: Vec<ComplianceSetting>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Equals,
    EqualsIfNotExists,
    Append,
}

struct MapOp {
    from: DotPath,
    op: Op,
    to: DotPath,
    /// The profile path as recorded in `metadata.fields` (`data.contact.email.main`).
    field: String,
}

struct Mapping {
    id: String,
    select: Selector,
    condition: Option<Expr>,
    ops: Vec<MapOp>,
}

fn compile_reshaping(doc: &Value) -> Result<Reshaping, StageError> {
    let schema = doc.get("reshaping").and_then(|r| r.get("reshape_schema"));
    let part = |name: &str| -> Result<Option<Value>, StageError> {
        match schema.and_then(|s| s.get(name)) {
            None | Some(Value::Null) => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
            Some(_) => Err(StageError::new(
                format!("reshaping.reshape_schema.{name}"),
                "must be an object template",
            )),
        }
    };
    Ok(Reshaping {
        id: doc_id(doc),
        select: Selector::from_doc(doc),
        source: doc
            .get("event_source")
            .and_then(ref_id)
            .map(str::to_string)
            .filter(|s| !s.is_empty() && s != "*"),
        condition: condition(doc, "reshaping.condition")?,
        properties: part("properties")?,
        context: part("context")?,
        session: part("session")?,
    })
}

fn compile_validator(doc: &Value) -> Result<EventValidator, StageError> {
    let validation = doc.get("validation");
    let mut schemas = vec![];
    if let Some(map) = validation.and_then(|v| v.get("json_schema")) {
        let Some(map) = map.as_object() else {
            return Err(StageError::new(
                "validation.json_schema",
                "must be an object of dot path: JSON Schema",
            ));
        };
        for (key, schema) in map {
            let field = format!("validation.json_schema.{key}");
            let path = path_in(key, DotSource::Event, &field)?;
            if !matches!(
                path.source,
                DotSource::Event | DotSource::Profile | DotSource::Session
            ) {
                return Err(StageError::new(
                    field,
                    "only event@, profile@ and session@ paths can be validated",
                ));
            }
            let validator = jsonschema::validator_for(schema)
                .map_err(|e| StageError::new(&field, format!("invalid JSON Schema: {e}")))?;
            schemas.push(Schema {
                shown: path.to_string(),
                path,
                validator,
            });
        }
    }
    let store_invalid = match validation.and_then(|v| v.get("on_failure")) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "reject" => false,
        Some(Value::String(s)) if s == "store" => true,
        Some(_) => {
            return Err(StageError::new(
                "validation.on_failure",
                "must be `reject` or `store`",
            ))
        }
    };
    Ok(EventValidator {
        id: doc_id(doc),
        select: Selector::from_doc(doc),
        condition: condition(doc, "validation.condition")?,
        schemas,
        store_invalid,
    })
}

fn consent_ids(v: Option<&Value>, field: &str) -> Result<Vec<String>, StageError> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                ref_id(c)
                    .map(str::to_string)
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        StageError::new(
                            format!("{field}[{i}]"),
                            "must be a consent type id or {id, name}",
                        )
                    })
            })
            .collect(),
        Some(_) => Err(StageError::new(field, "must be a list")),
    }
}

fn compile_compliance(doc: &Value) -> Result<Compliance, StageError> {
    let mut settings = vec![];
    let items = doc.get("settings").and_then(Value::as_array);
    for (i, s) in items.into_iter().flatten().enumerate() {
        let at = |k: &str| format!("settings[{i}].{k}");
        let action = match s.get("action").and_then(Value::as_str) {
            Some("remove") => Action::Remove,
            Some("hash") => Action::Hash,
            _ => return Err(StageError::new(at("action"), "must be `remove` or `hash`")),
        };
        let text = s.get("field").and_then(Value::as_str).unwrap_or_default();
        let field = path_in(text, DotSource::Event, &at("field"))?;
        if field.source != DotSource::Event || field.segments.is_empty() {
            return Err(StageError::new(at("field"), "must be a field of the event"));
        }
        settings.push(ComplianceSetting {
            action,
            field,
            consents: consent_ids(s.get("consents"), &at("consents"))?,
        });
    }
    Ok(Compliance {
        select: Selector::from_doc(doc),
        settings,
    })
}

/// Profile fields a mapping may not write: identity and bookkeeping.
const PROTECTED: [&str; 4] = ["id", "ids", "primary_id", "metadata"];

fn compile_mapping(doc: &Value) -> Result<Mapping, StageError> {
    let mut ops = vec![];
    let items = doc.get("event_to_profile").and_then(Value::as_array);
    for (i, m) in items.into_iter().flatten().enumerate() {
        let at = |k: &str| format!("event_to_profile[{i}].{k}");
        let text = m.get("event").and_then(Value::as_str).unwrap_or_default();
        let from = path_in(text, DotSource::Event, &at("event"))?;
        let op = match m.get("op").and_then(Value::as_str) {
            Some("equals") => Op::Equals,
            Some("equals_if_not_exists") => Op::EqualsIfNotExists,
            Some("append") => Op::Append,
            _ => {
                return Err(StageError::new(
                    at("op"),
                    "must be equals, equals_if_not_exists or append",
                ))
            }
        };
        let text = m.get("profile").and_then(Value::as_str).unwrap_or_default();
        let to = path_in(text, DotSource::Profile, &at("profile"))?;
        if to.source != DotSource::Profile {
            return Err(StageError::new(at("profile"), "must be a profile path"));
        }
        let field = to.to_string();
        let field = field.strip_prefix("profile@").unwrap_or(&field).to_string();
        let top = field.split(['.', '[']).next().unwrap_or_default();
        if field.is_empty() || PROTECTED.contains(&top) {
            return Err(StageError::new(
                at("profile"),
                format!("`{text}` cannot be written by a mapping"),
            ));
        }
        ops.push(MapOp {
            from,
            op,
            to,
            field,
        });
    }
    Ok(Mapping {
        id: doc_id(doc),
        select: Selector::from_doc(doc),
        condition: condition(doc, "config.condition")?,
        ops,
    })
}

/// Compiles a document of a stage kind; other kinds pass. The error names the field.
pub fn check(kind: &str, doc: &Value) -> Result<(), StageError> {
    match kind {
        EVENT_RESHAPING => compile_reshaping(doc).map(drop),
        EVENT_VALIDATOR => compile_validator(doc).map(drop),
        DATA_COMPLIANCE => compile_compliance(doc).map(drop),
        EVENT_TO_PROFILE => compile_mapping(doc).map(drop),
        _ => Ok(()),
    }
}

/// Every enabled stage, compiled.
#[derive(Default)]
pub struct Stages {
    reshaping: Vec<Reshaping>,
    validators: Vec<EventValidator>,
    compliance: Vec<Compliance>,
    mappings: Vec<Mapping>,
    /// Documents that did not compile (stored before they were checked): skipped.
    pub skipped: Vec<String>,
}

fn compile_all<T>(
    docs: &[Value],
    kind: &str,
    compile: fn(&Value) -> Result<T, StageError>,
    skipped: &mut Vec<String>,
) -> Vec<T> {
    let mut out = vec![];
    for doc in docs.iter().filter(|d| enabled(d)) {
        match compile(doc) {
            Ok(c) => out.push(c),
            Err(e) => {
                tracing::warn!(kind, id = %doc_id(doc), field = %e.field, error = %e.message,
                    "skipping a pipeline stage that does not compile");
                skipped.push(format!(
                    "{kind}/{}: `{}`: {}",
                    doc_id(doc),
                    e.field,
                    e.message
                ));
            }
        }
    }
    out
}

/// SHA-256 (hex) of a value: strings as they are, anything else as JSON text.
pub fn hash_value(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn is_absent(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

impl Stages {
    /// Compiles the documents of [`STAGE_KINDS`], given in that order.
    pub fn compile(docs: [&[Value]; 4]) -> Self {
        let mut skipped = vec![];
        let reshaping = compile_all(docs[0], EVENT_RESHAPING, compile_reshaping, &mut skipped);
        let validators = compile_all(docs[1], EVENT_VALIDATOR, compile_validator, &mut skipped);
        let compliance = compile_all(docs[2], DATA_COMPLIANCE, compile_compliance, &mut skipped);
        let mappings = compile_all(docs[3], EVENT_TO_PROFILE, compile_mapping, &mut skipped);
        Self {
            reshaping,
            validators,
            compliance,
            mappings,
            skipped,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.reshaping.is_empty()
            && self.validators.is_empty()
            && self.compliance.is_empty()
            && self.mappings.is_empty()
    }

    fn touches(&self, event_type: &str) -> bool {
        self.reshaping.iter().any(|s| s.select.matches(event_type))
            || self.validators.iter().any(|s| s.select.matches(event_type))
            || self.compliance.iter().any(|s| s.select.matches(event_type))
            || self.mappings.iter().any(|s| s.select.matches(event_type))
    }

    /// Applies every stage to `events` (the payload's events, not the system events).
    /// `Err` means the request must be refused (406) and nothing stored.
    pub fn apply(
        &self,
        events: &mut [Event],
        profile: Option<&mut Profile>,
        session: Option<&mut Session>,
        now: DateTime<Utc>,
    ) -> Result<Applied, Rejection> {
        let mut applied = Applied::default();
        if self.is_empty() || !events.iter().any(|e| self.touches(&e.event_type)) {
            return Ok(applied);
        }
        let mut ctx = DotContext {
            profile: profile.as_deref().map(to_json).unwrap_or(Value::Null),
            session: session.as_deref().map(to_json).unwrap_or(Value::Null),
            now: Some(now),
            ..DotContext::default()
        };
        let session_before = ctx.session.clone();
        let mut violations = vec![];
        let mut event_values = Vec::with_capacity(events.len());
        for e in events.iter() {
            if !self.touches(&e.event_type) {
                event_values.push(None);
                continue;
            }
            ctx.event = to_json(e);
            self.reshape(&mut ctx, &e.source.id, &mut applied);
            let errors = self.validate(&ctx, &e.event_type, &mut violations, &mut applied);
            if !errors.is_empty() {
                let meta = ctx.event.get_mut("metadata").and_then(Value::as_object_mut);
                if let Some(meta) = meta {
                    meta.insert("valid".into(), Value::Bool(false));
                    meta.insert("error".into(), Value::Bool(true));
                    meta.insert(
                        "validation_errors".into(),
                        Value::Array(errors.into_iter().map(Value::String).collect()),
                    );
                }
            }
            self.comply(&mut ctx, &e.event_type);
            event_values.push(Some(std::mem::take(&mut ctx.event)));
        }
        if !violations.is_empty() {
            return Err(Rejection { violations });
        }
        // Mappings run on the events as they will be stored, in order; an event stored
        // as invalid is not mapped onto the profile.
        let profile_before = ctx.profile.clone();
        let mut touched = vec![];
        if profile.is_some() {
            let mut run = |ctx: &mut DotContext, checked: bool, touched: &mut Vec<String>| {
                for v in event_values.iter().flatten() {
                    if v.pointer("/metadata/valid") == Some(&Value::Bool(false)) {
                        continue;
                    }
                    ctx.event = v.clone();
                    self.map_to_profile(ctx, touched, &mut applied, checked);
                }
            };
            run(&mut ctx, false, &mut touched);
            if ctx.profile != profile_before
                && serde_json::from_value::<Profile>(ctx.profile.clone()).is_err()
            {
                // Some write does not fit the profile model: again, one write at a
                // time, keeping only those that fit.
                ctx.profile = profile_before.clone();
                touched.clear();
                run(&mut ctx, true, &mut touched);
            }
        }
        for (e, v) in events.iter_mut().zip(event_values) {
            let Some(v) = v else { continue };
            match serde_json::from_value::<Event>(v) {
                Ok(new) => *e = new,
                Err(err) => applied.warnings.push(format!(
                    "event `{}`: the pipeline stages left it unreadable ({err}); stored as collected",
                    e.event_type
                )),
            }
        }
        if let Some(p) = profile {
            if ctx.profile != profile_before {
                match serde_json::from_value::<Profile>(ctx.profile.clone()) {
                    Ok(mut new) => {
                        for f in &touched {
                            crate::identity::merge::touch_field(&mut new, f, now);
                        }
                        *p = new;
                        applied.profile_changed = true;
                    }
                    Err(err) => applied.warnings.push(format!(
                        "event-to-profile: the mapped profile does not fit the profile model ({err}); profile left unchanged"
                    )),
                }
            }
        }
        if let Some(s) = session {
            if ctx.session != session_before {
                if let Some(Value::Object(c)) = ctx.session.get("context") {
                    s.context = c.clone();
                    applied.session_changed = true;
                }
            }
        }
        Ok(applied)
    }

    fn reshape(&self, ctx: &mut DotContext, source: &str, applied: &mut Applied) {
        let event_type = ctx
            .event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let options = TemplateOptions {
            on_missing: OnMissing::Default(Value::Null),
            drop_null: true,
        };
        for r in &self.reshaping {
            if !r.select.matches(&event_type) || r.source.as_deref().is_some_and(|s| s != source) {
                continue;
            }
            match holds(&r.condition, ctx) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    applied
                        .warnings
                        .push(format!("event-reshaping `{}`: condition: {e}", r.id));
                    continue;
                }
            }
            let mut rendered = vec![];
            for (name, template) in [
                ("properties", &r.properties),
                ("context", &r.context),
                ("session", &r.session),
            ] {
                let Some(t) = template else { continue };
                match ctx.render_object(t, &options) {
                    Ok(Value::Object(m)) => rendered.push((name, m)),
                    Ok(_) => rendered.push((name, Map::new())),
                    Err(e) => applied
                        .warnings
                        .push(format!("event-reshaping `{}`: {name}: {e}", r.id)),
                }
            }
            // Every template reads the event as it came, then all are written.
            for (name, m) in rendered {
                if name == "session" {
                    if ctx.session.is_object() {
                        let c = ctx
                            .session
                            .as_object_mut()
                            .map(|s| s.entry("context").or_insert(Value::Null));
                        if let Some(c) = c {
                            if !c.is_object() {
                                *c = Value::Object(Map::new());
                            }
                            if let Value::Object(c) = c {
                                crate::tracking::deep_merge(c, &m);
                            }
                        }
                    }
                } else if let Some(ev) = ctx.event.as_object_mut() {
                    ev.insert(name.into(), Value::Object(m));
                }
            }
        }
    }

    /// Runs the validators of the event's type. Rejecting failures go to `violations`;
    /// the messages of storing ones are returned.
    fn validate(
        &self,
        ctx: &DotContext,
        event_type: &str,
        violations: &mut Vec<Violation>,
        applied: &mut Applied,
    ) -> Vec<String> {
        let mut stored_errors = vec![];
        for v in &self.validators {
            if !v.select.matches(event_type) {
                continue;
            }
            match holds(&v.condition, ctx) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    applied
                        .warnings
                        .push(format!("event-validator `{}`: condition: {e}", v.id));
                    continue;
                }
            }
            for s in &v.schemas {
                // A missing value is validated as null.
                let value = ctx.get(&s.path).unwrap_or(&Value::Null);
                for err in s.validator.iter_errors(value) {
                    let found = Violation {
                        event_type: event_type.to_string(),
                        validator: v.id.clone(),
                        path: s.shown.clone(),
                        instance_path: err.instance_path().as_str().to_string(),
                        error: err.to_string(),
                    };
                    if v.store_invalid {
                        applied.warnings.push(format!("stored as invalid: {found}"));
                        stored_errors.push(found.to_string());
                    } else {
                        violations.push(found);
                    }
                }
            }
        }
        stored_errors
    }

    fn comply(&self, ctx: &mut DotContext, event_type: &str) {
        let now = ctx.now.unwrap_or_else(Utc::now);
        for c in &self.compliance {
            if !c.select.matches(event_type) {
                continue;
            }
            for s in &c.settings {
                let granted = !s.consents.is_empty()
                    && s.consents
                        .iter()
                        .all(|id| has_consent(&ctx.profile, id, now));
                if granted {
                    continue;
                }
                match s.action {
                    Action::Remove => {
                        // A path through a non-container has nothing to remove.
                        let _ = ctx.delete(&s.field);
                    }
                    Action::Hash => {
                        let hashed = match ctx.get(&s.field) {
                            None | Some(Value::Null) => continue,
                            Some(v) => hash_value(v),
                        };
                        let _ = ctx.set(&s.field, Value::String(hashed));
                    }
                }
            }
        }
    }

    /// Runs the mappings of the event in `ctx`. `checked`: keep only writes after which
    /// the profile still reads as a [`Profile`] (the slow path, after a misfit).
    fn map_to_profile(
        &self,
        ctx: &mut DotContext,
        touched: &mut Vec<String>,
        applied: &mut Applied,
        checked: bool,
    ) {
        let event_type = ctx
            .event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for m in &self.mappings {
            if !m.select.matches(&event_type) {
                continue;
            }
            match holds(&m.condition, ctx) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    applied
                        .warnings
                        .push(format!("event-to-profile `{}`: condition: {e}", m.id));
                    continue;
                }
            }
            for op in &m.ops {
                let Some(value) = ctx.get(&op.from).filter(|v| !v.is_null()).cloned() else {
                    continue;
                };
                let current = ctx.get(&op.to);
                let new = match op.op {
                    Op::Equals => value,
                    Op::EqualsIfNotExists => {
                        if !is_absent(current) {
                            continue;
                        }
                        value
                    }
                    Op::Append => {
                        let mut list = match current {
                            None | Some(Value::Null) => vec![],
                            Some(Value::Array(a)) => a.clone(),
                            Some(other) => vec![other.clone()],
                        };
                        let add = match value {
                            Value::Array(a) => a,
                            v => vec![v],
                        };
                        for v in add {
                            if !list.contains(&v) {
                                list.push(v);
                            }
                        }
                        Value::Array(list)
                    }
                };
                if ctx.get(&op.to) == Some(&new) {
                    continue;
                }
                let kept = checked.then(|| ctx.profile.clone());
                // A number or boolean for a text field (a numeric customer id or phone)
                // is written as its text, so it makes the same merge key as the string.
                let as_text = match &new {
                    Value::Number(n) => Some(Value::String(n.to_string())),
                    Value::Bool(b) => Some(Value::String(b.to_string())),
                    _ => None,
                };
                let fits = |ctx: &DotContext| {
                    serde_json::from_value::<Profile>(ctx.profile.clone()).is_ok()
                };
                match ctx.set(&op.to, new) {
                    Ok(()) if kept.is_some() && !fits(ctx) => {
                        if let Some(k) = kept {
                            ctx.profile = k;
                        }
                        let saved = ctx.profile.clone();
                        let written = match as_text {
                            Some(text) => ctx.set(&op.to, text).is_ok() && fits(ctx),
                            None => false,
                        };
                        if written {
                            if !touched.contains(&op.field) {
                                touched.push(op.field.clone());
                            }
                        } else {
                            ctx.profile = saved;
                            applied.warnings.push(format!(
                                "event-to-profile `{}`: `{}` does not fit the profile model; not written",
                                m.id, op.field
                            ));
                        }
                    }
                    Ok(()) => {
                        if !touched.contains(&op.field) {
                            touched.push(op.field.clone());
                        }
                    }
                    Err(e) => applied
                        .warnings
                        .push(format!("event-to-profile `{}`: {e}", m.id)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(ty: &str, properties: Value) -> Event {
        let mut e = Event::new("e1".into(), ty.into(), "web", Utc::now());
        e.properties = properties.as_object().cloned().unwrap_or_default();
        e
    }

    fn stages(kind: &str, doc: Value) -> Stages {
        let docs = [doc];
        let none: &[Value] = &[];
        let mut all = [none; 4];
        let at = STAGE_KINDS.iter().position(|k| *k == kind).unwrap();
        all[at] = &docs;
        let s = Stages::compile(all);
        assert!(s.skipped.is_empty(), "{:?}", s.skipped);
        s
    }

    #[test]
    fn check_names_the_bad_field() {
        let bad_schema = json!({"id": "v", "event_type": "buy",
            "validation": {"json_schema": {"event@properties": {"type": "no-such-type"}}}});
        let e = check(EVENT_VALIDATOR, &bad_schema).unwrap_err();
        assert_eq!(e.field, "validation.json_schema.event@properties");
        assert!(e.message.contains("invalid JSON Schema"), "{e:?}");

        let bad_path = json!({"id": "v", "event_type": "buy",
            "validation": {"json_schema": {"flow@x": {}}}});
        assert_eq!(
            check(EVENT_VALIDATOR, &bad_path).unwrap_err().field,
            "validation.json_schema.flow@x"
        );

        let bad_cond = json!({"id": "m", "event_type": "buy", "config": {"condition": "event@a =="},
            "event_to_profile": [{"event": "properties.a", "op": "equals", "profile": "traits.a"}]});
        assert_eq!(
            check(EVENT_TO_PROFILE, &bad_cond).unwrap_err().field,
            "config.condition"
        );

        let protected = json!({"id": "m", "event_type": "buy",
            "event_to_profile": [{"event": "properties.a", "op": "equals", "profile": "ids"}]});
        assert_eq!(
            check(EVENT_TO_PROFILE, &protected).unwrap_err().field,
            "event_to_profile[0].profile"
        );

        let profile_field = json!({"id": "c", "event_type": "buy",
            "settings": [{"action": "hash", "field": "profile@traits.a"}]});
        assert_eq!(
            check(DATA_COMPLIANCE, &profile_field).unwrap_err().field,
            "settings[0].field"
        );
        assert!(check("rule", &json!({})).is_ok());
    }

    #[test]
    fn validation_rejects_with_path_and_error_or_marks_invalid() {
        let doc = json!({"id": "v1", "event_type": "buy", "validation": {"json_schema": {
            "properties": {"type": "object", "required": ["price"],
                           "properties": {"price": {"type": "number"}}}}}});
        let s = stages(EVENT_VALIDATOR, doc.clone());
        let mut events = vec![event("buy", json!({"price": "ten"}))];
        let r = s.apply(&mut events, None, None, Utc::now()).unwrap_err();
        assert_eq!(r.violations.len(), 1);
        let v = &r.violations[0];
        assert_eq!(
            (v.path.as_str(), v.instance_path.as_str()),
            ("event@properties", "/price")
        );
        assert!(v.error.contains("number"), "{v:?}");
        assert!(r.to_string().contains("event@properties/price"), "{r}");

        // Other event types pass untouched.
        let mut other = vec![event("view", json!({"price": "ten"}))];
        assert!(s.apply(&mut other, None, None, Utc::now()).is_ok());

        let mut stored = doc;
        stored["validation"]["on_failure"] = json!("store");
        let s = stages(EVENT_VALIDATOR, stored);
        let mut events = vec![event("buy", json!({}))];
        let applied = s.apply(&mut events, None, None, Utc::now()).unwrap();
        assert!(!events[0].metadata.valid);
        assert!(events[0].metadata.error);
        assert!(events[0].metadata.extra["validation_errors"][0]
            .as_str()
            .unwrap()
            .contains("price"));
        assert_eq!(applied.warnings.len(), 1);
    }

    #[test]
    fn reshaping_renders_templates_when_the_condition_holds() {
        let s = stages(
            EVENT_RESHAPING,
            json!({"id": "r", "event_type": "buy", "reshaping": {
                "condition": "event@properties.sku EXISTS",
                "reshape_schema": {
                    "properties": {"product": {"id": "event@properties.sku"}, "note?": "event@properties.none"},
                    "session": {"last_sku": "event@properties.sku"}}}}),
        );
        let mut session = Session::new("s".into(), None, Utc::now());
        let mut events = vec![event("buy", json!({"sku": "A1", "junk": 1}))];
        let applied = s
            .apply(&mut events, None, Some(&mut session), Utc::now())
            .unwrap();
        assert_eq!(
            Value::Object(events[0].properties.clone()),
            json!({"product": {"id": "A1"}})
        );
        assert_eq!(session.context["last_sku"], json!("A1"));
        assert!(applied.session_changed);

        let mut events = vec![event("buy", json!({"other": 1}))];
        s.apply(&mut events, None, None, Utc::now()).unwrap();
        assert_eq!(
            Value::Object(events[0].properties.clone()),
            json!({"other": 1})
        );
    }

    #[test]
    fn compliance_hashes_or_removes_unless_consents_are_granted() {
        let s = stages(
            DATA_COMPLIANCE,
            json!({"id": "c", "event_type": "buy", "settings": [
                {"action": "hash", "field": "properties.email", "consents": [{"id": "marketing"}]},
                {"action": "remove", "field": "event@properties.card", "consents": ["marketing"]}]}),
        );
        let mut profile = Profile::new("p".into(), Utc::now());
        let mut events = vec![event("buy", json!({"email": "a@x.io", "card": "4111"}))];
        s.apply(&mut events, Some(&mut profile), None, Utc::now())
            .unwrap();
        assert_eq!(
            events[0].properties["email"],
            json!(hash_value(&json!("a@x.io")))
        );
        assert_eq!(hash_value(&json!("a@x.io")).len(), 64);
        assert!(!events[0].properties.contains_key("card"));

        profile
            .consents
            .insert("marketing".into(), crate::domain::Consent::default());
        let mut events = vec![event("buy", json!({"email": "a@x.io", "card": "4111"}))];
        s.apply(&mut events, Some(&mut profile), None, Utc::now())
            .unwrap();
        assert_eq!(events[0].properties["email"], json!("a@x.io"));
        assert_eq!(events[0].properties["card"], json!("4111"));
    }

    #[test]
    fn mappings_equals_if_not_exists_and_append() {
        let s = stages(
            EVENT_TO_PROFILE,
            json!({"id": "m", "event_type": "buy", "config": {"condition": "event@properties.sku != \"skip\""},
                "event_to_profile": [
                    {"event": "properties.email", "op": "equals", "profile": "data.contact.email.main"},
                    {"event": "properties.name", "op": "equals_if_not_exists", "profile": "data.pii.firstname"},
                    {"event": "event@properties.sku", "op": "append", "profile": "profile@traits.skus"}]}),
        );
        let mut profile = Profile::new("p".into(), Utc::now());
        let now = Utc::now();
        let mut events = vec![
            event(
                "buy",
                json!({"email": "a@x.io", "name": "Ann", "sku": "A1"}),
            ),
            event("buy", json!({"name": "Bob", "sku": "A1"})),
            event("buy", json!({"sku": "B2"})),
            event("buy", json!({"sku": "skip"})),
        ];
        let applied = s.apply(&mut events, Some(&mut profile), None, now).unwrap();
        assert!(applied.profile_changed);
        assert_eq!(profile.data.contact.email.main.as_deref(), Some("a@x.io"));
        assert_eq!(profile.data.pii.firstname.as_deref(), Some("Ann"));
        assert_eq!(profile.traits["skus"], json!(["A1", "B2"]));
        assert!(profile
            .metadata
            .fields
            .contains_key("data.contact.email.main"));

        // Nothing new: the profile is not reported changed.
        let mut again = vec![event("buy", json!({"sku": "A1"}))];
        let applied = s.apply(&mut again, Some(&mut profile), None, now).unwrap();
        assert!(!applied.profile_changed);
    }

    #[test]
    fn events_stored_invalid_are_not_mapped_onto_the_profile() {
        let validator = [json!({"id": "v", "event_type": "buy", "validation": {
            "json_schema": {"properties.email": {"type": "string", "format": "email"}},
            "on_failure": "store"}})];
        let mapping = [json!({"id": "m", "event_type": "buy", "event_to_profile": [
            {"event": "properties.email", "op": "equals", "profile": "traits.email"}]})];
        let none: &[Value] = &[];
        let s = Stages::compile([none, &validator, none, &mapping]);
        let mut profile = Profile::new("p".into(), Utc::now());
        let mut events = vec![
            event("buy", json!({"email": 5})),
            event("buy", json!({"email": "a@x.io"})),
        ];
        s.apply(&mut events, Some(&mut profile), None, Utc::now())
            .unwrap();
        assert!(!events[0].metadata.valid);
        assert!(events[1].metadata.valid);
        assert_eq!(profile.traits["email"], json!("a@x.io"));
        let mut bad = vec![event("buy", json!({"email": 7}))];
        let applied = s
            .apply(&mut bad, Some(&mut profile), None, Utc::now())
            .unwrap();
        assert!(!applied.profile_changed);
        assert_eq!(profile.traits["email"], json!("a@x.io"));
    }

    #[test]
    fn a_mapping_that_does_not_fit_the_profile_model_is_skipped_alone() {
        let s = stages(
            EVENT_TO_PROFILE,
            json!({"id": "m", "event_type": "buy", "event_to_profile": [
                {"event": "properties.visits", "op": "equals", "profile": "stats.visits"},
                {"event": "properties.plan", "op": "equals", "profile": "traits.plan"}]}),
        );
        let mut profile = Profile::new("p".into(), Utc::now());
        let mut events = vec![event("buy", json!({"visits": "many", "plan": "pro"}))];
        let applied = s
            .apply(&mut events, Some(&mut profile), None, Utc::now())
            .unwrap();
        assert!(applied.profile_changed);
        assert_eq!(profile.traits["plan"], json!("pro"));
        assert!(
            applied.warnings.iter().any(|w| w.contains("stats.visits")),
            "{:?}",
            applied.warnings
        );
    }

    #[test]
    fn documents_stored_unchecked_are_skipped_not_fatal() {
        let bad = [json!({"id": "v", "validation": {"json_schema": {"x": {"type": 5}}}})];
        let none: &[Value] = &[];
        let s = Stages::compile([none, &bad, none, none]);
        assert_eq!(s.skipped.len(), 1);
        assert!(s.is_empty());
    }
}
