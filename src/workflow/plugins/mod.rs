//! Plugins: the actions a flow node runs.
//!
//! Each plugin is a [`PluginSpec`] (id, name, description, ports, init schema, and a
//! builder that checks `init` and returns a ready [`Action`]). The [`registry`] holds
//! them all; flows name plugins by id (or by a Tracardi class name listed in
//! `aliases`). One file per family.
//!
//! An action reads its input from `payload@` (the value that arrived on its input port),
//! may read and change `profile@`, `session@`, `event@`, `flow@` and `memory@`, and
//! returns values on some of its output ports. A port left out of the [`Output`] is not
//! followed: that branch of the flow ends there.

pub mod conditions;
pub mod core;
pub mod data;
pub mod http;
pub mod math;
pub mod profile;
pub mod response;
pub mod schedule;
pub mod segments;
pub mod strings;
pub mod time;

use std::sync::OnceLock;
use std::time::Instant;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::workflow::notation::{DotContext, DotPath, NotationError};
use crate::workflow::tql;

/// A problem with a node's `init`, found when the flow is saved or compiled.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct InitError(pub String);

impl InitError {
    pub fn field(field: &str, message: impl std::fmt::Display) -> Self {
        InitError(format!("init.{field}: {message}"))
    }
}

/// A node's failure at run time.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct ActionError(pub String);

impl ActionError {
    pub fn new(message: impl Into<String>) -> Self {
        ActionError(message.into())
    }
}

impl From<NotationError> for ActionError {
    fn from(e: NotationError) -> Self {
        ActionError(e.to_string())
    }
}

impl From<tql::TqlError> for ActionError {
    fn from(e: tql::TqlError) -> Self {
        ActionError(e.to_string())
    }
}

impl From<tql::EvalError> for ActionError {
    fn from(e: tql::EvalError) -> Self {
        ActionError(format!("condition failed: {e}"))
    }
}

/// What a node returned: values on some of its output ports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output(pub Vec<(&'static str, Value)>);

impl Output {
    /// Nothing on any port: every branch leaving the node ends.
    pub fn none() -> Self {
        Output(Vec::new())
    }
    /// One value on one port.
    pub fn port(port: &'static str, value: Value) -> Self {
        Output(vec![(port, value)])
    }
    /// The value on `port`, for tests and traces.
    pub fn get(&self, port: &str) -> Option<&Value> {
        self.0.iter().find(|(p, _)| *p == port).map(|(_, v)| v)
    }
}

/// How the profile is saved after the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileUpdate {
    /// Saved when the flow changed it.
    #[default]
    Auto,
    /// Saved (the `update profile` node).
    Force,
    /// Not saved, whatever the flow did (the `discard profile update` node).
    Discard,
}

/// A message from a `log message` node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub node: String,
    pub level: String,
    pub message: String,
}

/// Shared services for actions that reach outside (HTTP).
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub http: reqwest::Client,
}

/// The mutable state of one flow run, shared by every node of the run.
#[derive(Debug)]
pub struct RunState {
    pub ctx: DotContext,
    /// The input port the current node was reached through.
    pub input_port: String,
    /// The current node's id.
    pub node_id: String,
    pub ux: Vec<Value>,
    pub profile_update: ProfileUpdate,
    pub session_update: bool,
    /// Merge keys marked by `merge profiles` nodes (dot paths).
    pub merge_keys: Vec<String>,
    pub logs: Vec<LogEntry>,
    /// Whether the profile was created by the request being processed.
    pub new_profile: bool,
    /// Whether the request opened a new session (visit).
    pub new_session: bool,
    /// When the run must be over.
    pub deadline: Option<Instant>,
    pub services: Services,
    /// Work the run scheduled for later (`schedule event`, `pause and resume`); the
    /// engine enqueues it as delayed queue items after the run.
    pub scheduled: Vec<schedule::Scheduled>,
}

impl RunState {
    /// A state over a context; flags off, no deadline.
    pub fn new(ctx: DotContext) -> Self {
        RunState {
            ctx,
            input_port: "payload".into(),
            node_id: String::new(),
            ux: Vec::new(),
            profile_update: ProfileUpdate::Auto,
            session_update: false,
            merge_keys: Vec::new(),
            logs: Vec::new(),
            new_profile: false,
            new_session: false,
            deadline: None,
            services: Services::default(),
            scheduled: Vec::new(),
        }
    }

    /// The current time (the context's fixed time in tests and dry runs).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.ctx.now.unwrap_or_else(chrono::Utc::now)
    }

    /// The value a (possibly dot path) init value stands for; `None` when missing.
    pub fn value_of(&self, value: &Value) -> Option<Value> {
        self.ctx.resolve(value).into_value()
    }

    /// The value at a path, or an error naming the path.
    pub fn require(&self, path: &DotPath) -> Result<&Value, ActionError> {
        self.ctx
            .get(path)
            .ok_or_else(|| ActionError(format!("missing value at `{path}`")))
    }

    /// The number at a path; missing and `null` read as `default`.
    pub fn number_at(&self, path: &DotPath, default: f64) -> Result<f64, ActionError> {
        match self.ctx.get(path) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_f64()
                .ok_or_else(|| ActionError(format!("`{path}` holds {v}, not a number"))),
        }
    }

    /// The input payload, moved out (it is not used after the action returns).
    pub fn take_payload(&mut self) -> Value {
        std::mem::take(&mut self.ctx.payload)
    }
}

/// A built node: init already checked and parsed.
pub trait Action: Send + Sync {
    /// Runs the node. `state.ctx.payload` holds the input.
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError>;

    /// For actions that wait (HTTP, sleep): the async version, which the runtime calls
    /// instead of [`Action::run`].
    fn as_async(&self) -> Option<&dyn AsyncAction> {
        None
    }
}

/// An action that waits on I/O or time.
#[async_trait]
pub trait AsyncAction: Send + Sync {
    async fn run_async(&self, state: &mut RunState) -> Result<Output, ActionError>;
}

/// One init field of a plugin, for `get plugins` and editors.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct InitField {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub required: bool,
    pub description: &'static str,
}

/// Builds an action from a node's `init`.
pub type Builder = fn(&Value) -> Result<Box<dyn Action>, InitError>;

/// A plugin: what the registry knows about it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PluginSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub family: &'static str,
    pub inputs: &'static [&'static str],
    pub outputs: &'static [&'static str],
    pub init: &'static [InitField],
    /// Tracardi class names this plugin stands for, so exported flows import.
    pub aliases: &'static [&'static str],
    /// Whether a node of this plugin joins its inputs by default.
    pub join: bool,
    #[serde(skip)]
    pub build: Builder,
}

impl std::fmt::Debug for dyn Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Action")
    }
}

impl PluginSpec {
    /// The init a new node starts with: every field null, for editors.
    pub fn default_init(&self) -> Value {
        Value::Object(
            self.init
                .iter()
                .map(|f| (f.name.to_string(), Value::Null))
                .collect(),
        )
    }

    /// The module name written in Tracardi's JSON shape.
    pub fn module(&self) -> String {
        format!("tracardictl.plugins.{}", self.family)
    }

    /// A JSON description for listings.
    pub fn describe(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "family": self.family,
            "module": self.module(),
            "inputs": self.inputs,
            "outputs": self.outputs,
            "init": self.init,
            "aliases": self.aliases,
            "join": self.join,
        })
    }
}

/// Every plugin, by family.
pub fn registry() -> &'static [PluginSpec] {
    static REGISTRY: OnceLock<Vec<PluginSpec>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut all = Vec::new();
        for family in [
            core::PLUGINS,
            conditions::PLUGINS,
            data::PLUGINS,
            profile::PLUGINS,
            segments::PLUGINS,
            response::PLUGINS,
            schedule::PLUGINS,
            http::PLUGINS,
            time::PLUGINS,
            strings::PLUGINS,
            math::PLUGINS,
        ] {
            all.extend_from_slice(family);
        }
        all
    })
}

/// A plugin by id or Tracardi class name (case-insensitive).
pub fn find(name: &str) -> Option<&'static PluginSpec> {
    let all = registry();
    all.iter()
        .find(|p| p.id.eq_ignore_ascii_case(name))
        .or_else(|| {
            all.iter()
                .find(|p| p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
        })
}

// ---- init helpers, shared by the families ----

/// The init as an object (null reads as an empty object).
pub fn init_object(init: &Value) -> Result<Map<String, Value>, InitError> {
    match init {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m.clone()),
        other => Err(InitError(format!("init must be an object, not {other}"))),
    }
}

/// A required string field.
pub fn req_str(init: &Value, field: &str) -> Result<String, InitError> {
    match init.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(InitError::field(field, "is required"))
        }
        Some(other) => Err(InitError::field(
            field,
            format!("must be a string, not {other}"),
        )),
    }
}

/// An optional string field.
pub fn opt_str(init: &Value, field: &str) -> Result<Option<String>, InitError> {
    match init.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(InitError::field(
            field,
            format!("must be a string, not {other}"),
        )),
    }
}

/// A required dot path field.
pub fn req_path(init: &Value, field: &str) -> Result<DotPath, InitError> {
    let text = req_str(init, field)?;
    parse_path(field, &text)
}

/// Parses a dot path, naming the field on failure.
pub fn parse_path(field: &str, text: &str) -> Result<DotPath, InitError> {
    DotPath::parse(text.trim())
        .ok_or_else(|| InitError::field(field, format!("`{text}` is not a dot path (source@path)")))
}

/// A writable dot path: not `payload@` (the input is not kept) and not a whole source.
pub fn writable_path(field: &str, text: &str) -> Result<DotPath, InitError> {
    let path = parse_path(field, text)?;
    if path.segments.is_empty() {
        return Err(InitError::field(
            field,
            format!("`{text}` names a whole source; name a field inside it"),
        ));
    }
    Ok(path)
}

/// An optional number field.
pub fn opt_num(init: &Value, field: &str, default: f64) -> Result<f64, InitError> {
    match init.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_f64()
            .ok_or_else(|| InitError::field(field, format!("must be a number, not {v}"))),
    }
}

/// An optional boolean field.
pub fn opt_bool(init: &Value, field: &str, default: bool) -> Result<bool, InitError> {
    match init.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(InitError::field(
            field,
            format!("must be true or false, not {v}"),
        )),
    }
}

/// A required TQL condition field, parsed.
pub fn req_condition(init: &Value, field: &str) -> Result<tql::Expr, InitError> {
    let text = req_str(init, field)?;
    tql::parse(&text).map_err(|e| InitError::field(field, e))
}

/// A JSON number from an f64: integral values become integers.
pub fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// The value of an init entry that may be a literal, a dot path or a backtick cast;
/// an error when it is a path that does not resolve.
pub fn resolve_required(
    state: &RunState,
    field: &str,
    value: &Value,
) -> Result<Value, ActionError> {
    state
        .value_of(value)
        .ok_or_else(|| ActionError(format!("{field}: missing value at `{}`", text_of(value))))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value read as text: strings as they are, numbers and booleans printed.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the families' unit tests.

    use super::*;
    use chrono::{TimeZone, Utc};

    pub fn state() -> RunState {
        let ctx = DotContext {
            profile: json!({
                "id": "p1",
                "traits": {"age": 30, "name": "Ann"},
                "stats": {"visits": 2, "views": 5, "counters": {}},
                "segments": ["vip"],
                "interests": {"shoes": 1.0},
                "consents": {"marketing": {"revoke": null}},
                "metadata": {"time": {"insert": "2024-01-01T00:00:00Z",
                    "visit": {"last": "2024-05-01T10:00:00Z", "current": "2024-06-01T10:00:00Z", "count": 2}},
                    "system": {"aux": {"auto_merge": []}}},
                "data": {"contact": {"email": {"main": "ann@example.com"}}}
            }),
            session: json!({"id": "s1", "metadata": {"time": {"insert": "2024-06-01T10:00:00Z"}}}),
            event: json!({"id": "e1", "type": "purchase", "properties": {"price": 10, "sku": "A1", "url": "https://shop.example.com/p?id=7&x=1#top"}}),
            payload: json!({"a": 1}),
            flow: json!({"id": "f", "name": "F", "response": {}}),
            memory: json!({}),
            now: Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).single(),
        };
        RunState::new(ctx)
    }

    /// Builds a plugin by id and runs it once on `state` with `payload` as input.
    pub fn run(id: &str, init: Value, state: &mut RunState) -> Result<Output, ActionError> {
        let spec = find(id).ok_or_else(|| ActionError(format!("no plugin {id}")))?;
        let action = (spec.build)(&init).map_err(|e| ActionError(format!("init: {e}")))?;
        match action.as_async() {
            Some(a) => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| ActionError(e.to_string()))?;
                rt.block_on(a.run_async(state))
            }
            None => action.run(state),
        }
    }

    /// The init error a plugin gives.
    pub fn init_error(id: &str, init: Value) -> String {
        match find(id).map(|s| (s.build)(&init)) {
            Some(Err(e)) => e.to_string(),
            Some(Ok(_)) => "no error".into(),
            None => "no plugin".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for p in registry() {
            assert!(seen.insert(p.id.to_ascii_lowercase()), "duplicate {}", p.id);
            for a in p.aliases {
                assert!(seen.insert(a.to_ascii_lowercase()), "duplicate alias {a}");
            }
            assert!(!p.description.is_empty(), "{} has no description", p.id);
        }
    }

    #[test]
    fn find_by_id_and_alias() {
        assert_eq!(find("IF").map(|p| p.id), Some("if"));
        assert_eq!(find("StartAction").map(|p| p.id), Some("start"));
        assert!(find("nope").is_none());
    }

    #[test]
    fn describe_lists_ports() {
        let d = find("if").map(PluginSpec::describe).unwrap_or_default();
        assert_eq!(d["outputs"], json!(["true", "false"]));
    }
}
