//! Configuration kinds (TRACKING.md §5): one table of kinds with their fields, roles and
//! secrets; create-or-update, get, list, delete per context; deploy staging → production.

use super::{json_body, roles, Access, Ctx, ListQuery, PrivateApiState, Role, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::{new_id, Context, EventSource, Scope, SOURCE_TYPES};
use crate::store::kinds::EVENT_SOURCE;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The type a field must have.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Bool,
    Num,
    Obj,
    Arr,
    /// A string or an object (`event_type` is either `"page-view"` or `{id, name}`).
    StrOrObj,
    OneOf(&'static [&'static str]),
}

/// A field rule: dot path (`[]` means every element of a list), type, required.
#[derive(Debug, Clone, Copy)]
pub struct Field(pub &'static str, pub Ty, pub bool);

/// One configuration kind.
#[derive(Debug)]
pub struct KindSpec {
    /// The name in URLs, in the store, and in `kind:` of applied documents.
    pub name: &'static str,
    /// Other names the CLI accepts (plural, short).
    pub aliases: &'static [&'static str],
    pub roles: &'static [Role],
    pub fields: &'static [Field],
    /// Fields whose values are write-only: never answered.
    pub secrets: &'static [&'static str],
    /// Whether `source.id` must name an event source of the same context.
    pub checks_source: bool,
}

use Ty::*;

const ENABLED: Field = Field("enabled", Bool, false);
const TAGS: Field = Field("tags", Arr, false);
const NAME: Field = Field("name", Str, true);
const DESCRIPTION: Field = Field("description", Str, false);

/// Every configuration kind, in dependency order (sources before what names them), which
/// is also the order `get all` prints and `deploy` copies them.
pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: EVENT_SOURCE,
        aliases: &["event-sources", "source", "sources", "es"],
        roles: roles::CONFIGURE,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("type", OneOf(SOURCE_TYPES), true),
            Field("config", Obj, false),
            ENABLED,
            TAGS,
            Field("groups", Arr, false),
            Field("channel", Str, false),
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "resource",
        aliases: &["resources", "res"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("type", Str, true),
            NAME,
            DESCRIPTION,
            Field("credentials", Obj, false),
            Field("credentials.production", Obj, false),
            Field("credentials.test", Obj, false),
            ENABLED,
            TAGS,
        ],
        secrets: &["credentials.production", "credentials.test"],
        checks_source: false,
    },
    KindSpec {
        name: "flow",
        aliases: &["flows"],
        roles: roles::CONFIGURE,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("type", Str, false),
            Field("flowGraph", Obj, false),
            Field("flowGraph.nodes", Arr, false),
            Field("flowGraph.edges", Arr, false),
            ENABLED,
            TAGS,
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "rule",
        aliases: &["rules"],
        roles: roles::MARKETING,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("type", OneOf(&["event-collect", "segment-add"]), false),
            // `"page-view"` or `{id, name}`; missing, empty or `*`: any (README, Rules).
            Field("event_type", StrOrObj, false),
            Field("event_type.id", Str, false),
            Field("source", StrOrObj, false),
            Field("source.id", Str, false),
            // `"big-buyers"` or `{id, name}`: id, name or machine name (README, Segmentation).
            Field("segment", StrOrObj, false),
            Field("segment.id", Str, false),
            Field("flow", Obj, false),
            Field("flow.id", Str, false),
            ENABLED,
            Field("properties", Obj, false),
            TAGS,
        ],
        secrets: &[],
        checks_source: true,
    },
    KindSpec {
        name: "segment",
        aliases: &["segments", "seg"],
        roles: roles::MARKETING,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("eventType", Arr, false),
            Field("condition", Str, true),
            ENABLED,
            Field("machine_name", Str, false),
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "consent-type",
        aliases: &["consent-types", "consent", "consents"],
        roles: roles::MARKETING,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("revokable", Bool, false),
            Field("default_value", OneOf(&["grant", "deny"]), false),
            ENABLED,
            TAGS,
            Field("required", Bool, false),
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "destination",
        aliases: &["destinations", "dest"],
        roles: roles::CONFIGURE,
        fields: &[
            NAME,
            DESCRIPTION,
            Field("destination", Obj, true),
            Field("destination.package", Str, true),
            Field("destination.init", Obj, false),
            Field("condition", Str, false),
            Field("mapping", Obj, false),
            ENABLED,
            Field("on_profile_change_only", Bool, false),
            Field("event_type", StrOrObj, false),
            Field("source", Obj, false),
            Field("resource", Obj, true),
            Field("resource.id", Str, true),
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "event-to-profile",
        aliases: &["event-to-profiles", "mapping", "mappings", "e2p"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("event_type", StrOrObj, true),
            ENABLED,
            Field("config", Obj, false),
            Field("config.condition", Str, false),
            Field("event_to_profile", Arr, true),
            Field("event_to_profile[].event", Str, true),
            Field(
                "event_to_profile[].op",
                OneOf(&["equals", "equals_if_not_exists", "append"]),
                true,
            ),
            Field("event_to_profile[].profile", Str, true),
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "event-validator",
        aliases: &["event-validators", "validator", "validators"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("event_type", StrOrObj, true),
            Field("validation", Obj, true),
            Field("validation.json_schema", Obj, false),
            Field("validation.condition", Str, false),
            Field("validation.on_failure", OneOf(&["reject", "store"]), false),
            ENABLED,
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "event-reshaping",
        aliases: &["event-reshapings", "reshaping", "reshapings"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("event_type", StrOrObj, true),
            Field("event_source", StrOrObj, false),
            Field("reshaping", Obj, true),
            Field("reshaping.reshape_schema", Obj, false),
            Field("reshaping.condition", Str, false),
            ENABLED,
        ],
        secrets: &[],
        checks_source: false,
    },
    KindSpec {
        name: "event-redirect",
        aliases: &["event-redirects", "redirect", "redirects"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("source", Obj, true),
            Field("source.id", Str, true),
            Field("url", Str, true),
            Field("props", Obj, false),
            Field("event_type", Str, true),
            TAGS,
        ],
        secrets: &[],
        checks_source: true,
    },
    KindSpec {
        name: "identification-point",
        aliases: &["identification-points", "idp"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("source", Obj, true),
            Field("source.id", Str, true),
            Field("event_type", StrOrObj, true),
            Field("fields", Arr, true),
            Field("fields[].event_property", Str, true),
            Field("fields[].profile_trait", Str, true),
            ENABLED,
        ],
        secrets: &[],
        checks_source: true,
    },
    KindSpec {
        name: "data-compliance",
        aliases: &["data-compliances", "compliance"],
        roles: roles::CONFIGURE,
        fields: &[
            Field("event_type", StrOrObj, true),
            Field("settings", Arr, true),
            Field("settings[].action", OneOf(&["remove", "hash"]), true),
            Field("settings[].field", Str, true),
            Field("settings[].consents", Arr, false),
            ENABLED,
        ],
        secrets: &[],
        checks_source: false,
    },
];

/// The kind named by a name or alias.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    let n = name.trim().to_ascii_lowercase();
    KINDS
        .iter()
        .find(|k| k.name == n || k.aliases.contains(&n.as_str()))
}

/// What answers in place of a write-only value.
pub const WRITE_ONLY: &str = "<write-only>";

fn type_name(t: Ty) -> String {
    match t {
        Str => "a string".into(),
        Bool => "true or false".into(),
        Num => "a number".into(),
        Obj => "an object".into(),
        Arr => "a list".into(),
        StrOrObj => "a string or an object".into(),
        OneOf(values) => format!("one of {}", values.join(", ")),
    }
}

fn matches(t: Ty, v: &Value) -> bool {
    match t {
        Str => v.is_string(),
        Bool => v.is_boolean(),
        Num => v.is_number(),
        Obj => v.is_object(),
        Arr => v.is_array(),
        StrOrObj => v.is_string() || v.is_object(),
        OneOf(values) => v.as_str().is_some_and(|s| values.contains(&s)),
    }
}

fn invalid(field: &str, why: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidConfiguration, format!("`{field}`: {why}"))
}

/// Checks one field rule under `value`; `shown` is the path as reported.
fn check_path(
    value: &Value,
    segments: &[&str],
    shown: String,
    field: &Field,
) -> Result<(), ApiError> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    let (name, each) = match first.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (*first, false),
    };
    let path = if shown.is_empty() {
        name.to_string()
    } else {
        format!("{shown}.{name}")
    };
    let child = value.get(name);
    let child = match child {
        None | Some(Value::Null) => {
            if field.2 {
                return Err(invalid(&path, "is required".into()));
            }
            return Ok(());
        }
        Some(c) => c,
    };
    if each {
        let Some(items) = child.as_array() else {
            return Err(invalid(&path, "must be a list".into()));
        };
        for (i, item) in items.iter().enumerate() {
            check_path(item, rest, format!("{path}[{i}]"), field)?;
        }
        return Ok(());
    }
    if rest.is_empty() {
        if !matches(field.1, child) {
            if let (OneOf(_), Some(s)) = (field.1, child.as_str()) {
                return Err(invalid(
                    &path,
                    format!("unknown value `{s}`; expected {}", type_name(field.1)),
                ));
            }
            return Err(invalid(&path, format!("must be {}", type_name(field.1))));
        }
        if field.2 && child.as_str().is_some_and(|s| s.trim().is_empty()) {
            return Err(invalid(&path, "must not be empty".into()));
        }
        return Ok(());
    }
    check_path(child, rest, path, field)
}

/// Checks a document against its kind; the error names the first bad field.
pub fn validate(spec: &KindSpec, doc: &Value) -> Result<(), ApiError> {
    let Some(obj) = doc.as_object() else {
        return Err(ApiError::new(
            ErrorCode::InvalidConfiguration,
            format!("a {} must be a JSON object", spec.name),
        ));
    };
    match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err(invalid("id", "must be a non-empty string".into())),
    }
    for f in spec.fields {
        let segments: Vec<&str> = f.0.split('.').collect();
        check_path(doc, &segments, String::new(), f)?;
    }
    if spec.name == EVENT_SOURCE {
        // The collector reads this document as an EventSource: it must decode as one.
        let de = doc.clone();
        serde_path_to_error::deserialize::<_, EventSource>(de).map_err(|e| {
            let path = e.path().to_string();
            invalid(&path, e.into_inner().to_string())
        })?;
    }
    if spec.name == crate::workflow::engine::kinds::FLOW {
        // The saving checks of drafts and deploys: rules run this document as it is.
        crate::workflow::flow::validate(doc).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("invalid flow: {e}"),
            )
        })?;
    }
    // Conditions of segments and destinations are parsed when they are used; one that
    // does not parse would never match, so it is refused here.
    if spec.name == crate::workflow::segmentation::SEGMENT_KIND || spec.name == "destination" {
        if let Some(cond) = doc
            .get("condition")
            .and_then(Value::as_str)
            .filter(|c| !c.trim().is_empty())
        {
            crate::workflow::tql::parse(cond)
                .map_err(|e| invalid("condition", format!("invalid condition: {e}")))?;
        }
    }
    // Webhook addresses: an address that is not an absolute http(s) URL could never
    // deliver; it is refused here instead of dying in the dead-letter queue.
    let urls: &[&str] = match spec.name {
        "destination" => &["destination.init.url"],
        "resource" => &["credentials.production.url", "credentials.test.url"],
        _ => &[],
    };
    for path in urls {
        if let Some(url) = get_path(doc, path).and_then(Value::as_str) {
            if url != WRITE_ONLY {
                check_http_url(url).map_err(|why| invalid(path, why))?;
            }
        }
    }
    if spec.name == "destination" {
        if let Some(t) = get_path(doc, "destination.init.timeout") {
            if !t.as_f64().is_some_and(|t| t > 0.0 && t <= 600.0) {
                return Err(invalid(
                    "destination.init.timeout",
                    format!("must be a number of seconds above 0 and at most 600, not {t}"),
                ));
            }
        }
        if let Some(m) = get_path(doc, "destination.init.method") {
            let known = ["GET", "POST", "PUT", "PATCH", "DELETE"];
            if !m
                .as_str()
                .is_some_and(|m| known.contains(&m.to_uppercase().as_str()))
            {
                return Err(invalid(
                    "destination.init.method",
                    format!("must be one of get, post, put, patch, delete, not {m}"),
                ));
            }
        }
    }
    // Pipeline stages compile here exactly as the collector compiles them: a bad JSON
    // Schema, dot path or condition is refused naming its field.
    crate::tracking::stages::check(spec.name, doc).map_err(|e| invalid(&e.field, e.message))?;
    Ok(())
}

/// Whether a text is an absolute `http`/`https` URL with a host.
fn check_http_url(text: &str) -> Result<(), String> {
    match url::Url::parse(text.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "`{text}` is not an http(s) address (scheme `{}`)",
            u.scheme()
        )),
        Err(e) => Err(format!("`{text}` is not an absolute http(s) URL: {e}")),
    }
}

/// The value at a dot path of an object.
fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

fn get_path_mut<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(v, |cur, k| cur.get_mut(k))
}

/// The document as answered: write-only values masked.
pub fn redact(spec: &KindSpec, mut doc: Value) -> Value {
    for path in spec.secrets {
        if let Some(v) = get_path_mut(&mut doc, path) {
            *v = Value::String(WRITE_ONLY.into());
        }
    }
    doc
}

/// Puts back stored secrets where an incoming document carries the mask (so a document
/// read, edited and applied again keeps its credentials).
fn keep_secrets(spec: &KindSpec, doc: &mut Value, stored: Option<&Value>) {
    for path in spec.secrets {
        let masked = get_path(doc, path).and_then(Value::as_str) == Some(WRITE_ONLY);
        if masked {
            let old = stored
                .and_then(|s| get_path(s, path))
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()));
            if let Some(v) = get_path_mut(doc, path) {
                *v = old;
            }
        }
    }
}

/// Whether writing `new` over the stored flow `current` would change a locked flow: the
/// stored one says `lock: true` and the new one differs from it. A deploy carries the
/// lock of where it comes from, so unlike an edit it cannot unlock by saying
/// `lock: false`: the flow must be unlocked where it is first.
pub fn overwrites_locked_flow(current: Option<&Value>, new: &Value) -> bool {
    current.is_some_and(|c| c.get("lock").and_then(Value::as_bool) == Some(true) && c != new)
}

/// What a dry run takes as existing because an earlier document of the same batch
/// would create it.
#[derive(Debug, Clone, Default)]
pub struct Assumed {
    /// Event source ids.
    pub sources: Vec<String>,
    /// Resource ids.
    pub resources: Vec<String>,
}

/// Outcome of writing one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl PrivateApiState {
    async fn check_source_ref(
        &self,
        spec: &KindSpec,
        scope: &Scope,
        doc: &Value,
        assumed: &[String],
    ) -> Result<(), ApiError> {
        if !spec.checks_source {
            return Ok(());
        }
        // A wildcard (missing, empty, `*`) and the internal source (`@internal`, of
        // system events) name no stored source.
        let Some(id) = doc
            .get("source")
            .and_then(crate::workflow::rules::ref_id)
            .filter(|id| *id != "*" && !id.starts_with('@'))
        else {
            return Ok(());
        };
        if assumed.iter().any(|a| a == id) {
            return Ok(());
        }
        if self.store.config(scope, EVENT_SOURCE, id).await?.is_none() {
            return Err(ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("Incorrect source id: `{id}`"),
            ));
        }
        Ok(())
    }

    /// A destination's `resource.id` must name a resource of the same context: the
    /// worker sends through it, and a missing one would fail every delivery.
    async fn check_resource_ref(
        &self,
        spec: &KindSpec,
        scope: &Scope,
        doc: &Value,
        assumed: &[String],
    ) -> Result<(), ApiError> {
        if spec.name != crate::daemon::destinations::DESTINATION_KIND {
            return Ok(());
        }
        let Some(id) = get_path(doc, "resource.id")
            .and_then(Value::as_str)
            .map(str::trim)
        else {
            return Ok(());
        };
        if assumed.iter().any(|a| a == id) {
            return Ok(());
        }
        let kind = crate::daemon::destinations::RESOURCE_KIND;
        if self.store.config(scope, kind, id).await?.is_none() {
            return Err(invalid(
                "resource.id",
                format!(
                    "no resource `{id}` in {}; create it first (kind: resource), or name one \
                     that exists",
                    scope.context.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// Validates and writes (unless `dry_run`) one document; returns the outcome, the
    /// stored document before, and the document after. A dry run may name event sources
    /// and resources to take as existing (`assumed`): those the same batch would create
    /// first.
    pub async fn upsert(
        &self,
        spec: &KindSpec,
        scope: &Scope,
        mut doc: Value,
        dry_run: bool,
        assumed: &Assumed,
    ) -> Result<(Outcome, Option<Value>, Value), ApiError> {
        let Some(obj) = doc.as_object_mut() else {
            return Err(ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("a {} must be a JSON object", spec.name),
            ));
        };
        obj.shift_remove("kind");
        match obj.get("id") {
            None | Some(Value::Null) => {
                obj.insert("id".into(), Value::String(new_id()));
            }
            Some(Value::String(s)) => {
                let t = s.trim().to_string();
                obj.insert("id".into(), Value::String(t));
            }
            Some(_) => return Err(invalid("id", "must be a string".into())),
        }
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let stored = self.store.config(scope, spec.name, &id).await?;
        if spec.name == EVENT_SOURCE && !obj.contains_key("timestamp") {
            let ts = stored
                .as_ref()
                .and_then(|s| s.get("timestamp").cloned())
                .unwrap_or_else(|| json!(chrono::Utc::now()));
            obj.insert("timestamp".into(), ts);
        }
        if spec.name == EVENT_SOURCE && stored.is_none() {
            self.check_source_id_free(scope, &id).await?;
        }
        keep_secrets(spec, &mut doc, stored.as_ref());
        validate(spec, &doc)?;
        let none = Assumed::default();
        let assumed = if dry_run { assumed } else { &none };
        self.check_source_ref(spec, scope, &doc, &assumed.sources)
            .await?;
        self.check_resource_ref(spec, scope, &doc, &assumed.resources)
            .await?;
        if spec.name == crate::workflow::segmentation::SEGMENT_KIND {
            self.check_segment_name_free(scope, &id, &doc).await?;
        }
        let outcome = match &stored {
            None => Outcome::Created,
            Some(s) if *s == doc => Outcome::Unchanged,
            Some(_) => Outcome::Configured,
        };
        // A locked flow refuses changes here as its draft does, unless the change
        // itself says `lock: false`; a missing `lock` does not unlock it.
        let locked = |d: &Value| d.get("lock").and_then(Value::as_bool);
        if spec.name == crate::workflow::engine::kinds::FLOW
            && outcome == Outcome::Configured
            && stored.as_ref().and_then(locked) == Some(true)
            && locked(&doc) != Some(false)
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("flow `{id}` is locked; unlock it before editing"),
            ));
        }
        if !dry_run && outcome != Outcome::Unchanged {
            self.store.put_config(scope, spec.name, &id, &doc).await?;
            if spec.name == EVENT_SOURCE {
                // The collector finds the tenant of a source through this index.
                crate::store::tenants::index_source(self.store.as_ref(), &id, &scope.tenant)
                    .await?;
            }
            self.store.durable().await?;
            crate::tracking::config_changed();
        }
        Ok((outcome, stored, doc))
    }

    /// A segment's machine name is what profiles record membership under: two segments
    /// of one context sharing it would undo each other on every evaluation.
    async fn check_segment_name_free(
        &self,
        scope: &Scope,
        id: &str,
        doc: &Value,
    ) -> Result<(), ApiError> {
        use crate::workflow::segmentation::{machine_name_of, SEGMENT_KIND};
        let name = machine_name_of(doc, id);
        for other in self.store.list_config(scope, SEGMENT_KIND).await? {
            let other_id = other.get("id").and_then(Value::as_str).unwrap_or_default();
            if other_id != id && machine_name_of(&other, other_id) == name {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "segment `{other_id}` already has the machine name `{name}` in {}; \
                         give this one another `name` or `machine_name`",
                        scope.context
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Event source ids are unique across tenants: the collector routes by them.
    async fn check_source_id_free(&self, scope: &Scope, id: &str) -> Result<(), ApiError> {
        let taken = || {
            ApiError::new(
                ErrorCode::Conflict,
                format!("event source id `{id}` is taken by another tenant; pick another id"),
            )
        };
        if let Some(owner) = crate::store::tenants::source_tenant(self.store.as_ref(), id).await? {
            if owner != scope.tenant {
                return Err(taken());
            }
        }
        // Sources of the configured tenant made before the index existed.
        if scope.tenant != self.options.tenant {
            for ctx in Context::ALL {
                let home = Scope::new(self.options.tenant.clone(), ctx);
                if self.store.config(&home, EVENT_SOURCE, id).await?.is_some() {
                    return Err(taken());
                }
            }
        }
        Ok(())
    }
}

fn query_map(raw: Option<String>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn flag(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "true" | "1" | "yes" | "" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(ApiError::new(
                ErrorCode::BadRequest,
                format!("query parameter `{name}` must be true or false, not `{v}`"),
            )),
        },
    }
}

fn not_found(spec: &KindSpec, id: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no {} `{id}`", spec.name))
}

/// Whether a document matches the text query (id or name contains it).
fn matches_text(doc: &Value, q: &str) -> bool {
    let q = q.to_lowercase();
    ["id", "name"].iter().any(|k| {
        doc.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase().contains(&q))
    })
}

async fn list(
    spec: &'static KindSpec,
    state: PrivateApiState,
    ctx: Context,
    raw: Option<String>,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(&query_map(raw))?;
    let filter = super::data::Filter::parse(q.filter.as_deref())?;
    let docs = state
        .store
        .list_config(&state.scope(ctx), spec.name)
        .await?;
    let mut matching = Vec::new();
    for d in docs {
        if q.q.as_deref().is_some_and(|t| !matches_text(&d, t)) {
            continue;
        }
        if !filter.matches(&d)? {
            continue;
        }
        matching.push(d);
    }
    let total = matching.len();
    let start = match &q.after {
        None => 0,
        Some(a) => matching
            .iter()
            .position(|d| {
                d.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id > a.as_str())
            })
            .unwrap_or(matching.len()),
    };
    let page: Vec<Value> = matching.into_iter().skip(start).take(q.limit + 1).collect();
    let has_more = page.len() > q.limit;
    let items: Vec<Value> = page
        .into_iter()
        .take(q.limit)
        .map(|d| redact(spec, d))
        .collect();
    let next = if has_more {
        items.last().and_then(|d| d.get("id").cloned())
    } else {
        None
    };
    Ok(Json(json!({"total": total, "items": items, "next": next})).into_response())
}

async fn get_one(
    spec: &'static KindSpec,
    state: PrivateApiState,
    ctx: Context,
    id: String,
) -> Result<Response, ApiError> {
    match state
        .store
        .config(&state.scope(ctx), spec.name, &id)
        .await?
    {
        Some(d) => Ok(Json(redact(spec, d)).into_response()),
        None => Err(not_found(spec, &id)),
    }
}

async fn apply(
    spec: &'static KindSpec,
    state: PrivateApiState,
    ctx: Context,
    raw: Option<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = query_map(raw);
    let dry_run = flag(&params, "dry_run")?;
    let list = |name: &str| -> Vec<String> {
        params
            .get(name)
            .map(|s| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let assumed = Assumed {
        sources: list("assume_sources"),
        resources: list("assume_resources"),
    };
    let doc: Value = json_body(&body)?;
    let scope = state.scope(ctx);
    let (outcome, before, after) = state.upsert(spec, &scope, doc, dry_run, &assumed).await?;
    let id = after.get("id").cloned().unwrap_or(Value::Null);
    let status = if outcome == Outcome::Created && !dry_run {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = json!({
        "kind": spec.name,
        "id": id,
        "result": outcome,
        "dry_run": dry_run,
        "before": before.map(|b| redact(spec, b)),
        "object": redact(spec, after),
    });
    Ok((status, Json(body)).into_response())
}

async fn delete_one(
    spec: &'static KindSpec,
    state: PrivateApiState,
    ctx: Context,
    id: String,
) -> Result<Response, ApiError> {
    let scope = state.scope(ctx);
    if !state.store.delete_config(&scope, spec.name, &id).await? {
        return Err(not_found(spec, &id));
    }
    if spec.name == EVENT_SOURCE {
        // The source's tenant index entry goes with its last context.
        let mut elsewhere = false;
        for other in Context::ALL {
            let other = state.scope(other);
            elsewhere |= state.store.config(&other, spec.name, &id).await?.is_some();
        }
        if !elsewhere {
            crate::store::tenants::unindex_source(state.store.as_ref(), &id).await?;
        }
    }
    state.store.durable().await?;
    crate::tracking::config_changed();
    Ok(Json(json!({"kind": spec.name, "id": id, "deleted": true})).into_response())
}

async fn list_kinds(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
) -> Result<Response, ApiError> {
    let scope = state.scope(ctx);
    let mut items = Vec::new();
    for k in KINDS {
        let n = state.store.list_config(&scope, k.name).await?.len();
        let roles: Vec<&str> = k.roles.iter().map(|r| r.as_str()).collect();
        items.push(json!({"kind": k.name, "aliases": k.aliases, "count": n, "roles": roles}));
    }
    Ok(Json(json!({"context": ctx, "items": items})).into_response())
}

pub(crate) fn routes(mut r: Routes) -> Routes {
    r = r.add(
        Method::GET,
        "/config",
        Access::Roles(roles::READ_DATA),
        "Configuration kinds with their counts in this context",
        list_kinds,
    );
    r = r.add(
        Method::POST,
        "/deploy",
        Access::Roles(roles::DEPLOY),
        "Copy configuration from staging to production and report what changed",
        deploy,
    );
    for spec in KINDS {
        let base = format!("/config/{}", spec.name);
        let item = format!("/config/{}/{{id}}", spec.name);
        let access = Access::Roles(spec.roles);
        r = r
            .add(
                Method::GET,
                &base,
                access,
                format!(
                    "List {}s (paged: limit, after; filtered: q, filter)",
                    spec.name
                ),
                move |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(q): RawQuery| {
                    list(spec, s, c, q)
                },
            )
            .add(
                Method::POST,
                &base,
                access,
                format!(
                    "Create or update a {} (dry_run=true to preview; assume_sources=ID,… and assume_resources=ID,… in a dry run)",
                    spec.name
                ),
                move |State(s): State<PrivateApiState>,
                      Ctx(c): Ctx,
                      RawQuery(q): RawQuery,
                      body: Bytes| apply(spec, s, c, q, body),
            )
            .add(
                Method::GET,
                &item,
                access,
                format!("A {} by id", spec.name),
                move |State(s): State<PrivateApiState>, Ctx(c): Ctx, Path(id): Path<String>| {
                    get_one(spec, s, c, id)
                },
            )
            .add(
                Method::DELETE,
                &item,
                access,
                format!("Delete a {}", spec.name),
                move |State(s): State<PrivateApiState>, Ctx(c): Ctx, Path(id): Path<String>| {
                    delete_one(spec, s, c, id)
                },
            );
    }
    r
}

#[derive(Debug, Default, Deserialize)]
struct DeployRequest {
    /// Kinds to copy; none means every kind.
    #[serde(default)]
    kinds: Vec<String>,
    /// Single objects to copy, as `{kind, id}`; with `kinds`, both are copied.
    #[serde(default)]
    ids: Vec<DeployId>,
    #[serde(default)]
    dry_run: bool,
}

#[derive(Debug, Deserialize)]
struct DeployId {
    kind: String,
    id: String,
}

async fn deploy(State(state): State<PrivateApiState>, body: Bytes) -> Result<Response, ApiError> {
    let req: DeployRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DeployRequest::default()
    } else {
        json_body(&body)?
    };
    let mut whole: Vec<&'static KindSpec> = Vec::new();
    for (i, k) in req.kinds.iter().enumerate() {
        whole.push(kind(k).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("`kinds[{i}]`: unknown configuration kind `{k}`"),
            )
        })?);
    }
    let mut single: Vec<(&'static KindSpec, String)> = Vec::new();
    for (i, d) in req.ids.iter().enumerate() {
        let spec = kind(&d.kind).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("`ids[{i}].kind`: unknown configuration kind `{}`", d.kind),
            )
        })?;
        single.push((spec, d.id.clone()));
    }
    if whole.is_empty() && single.is_empty() {
        whole = KINDS.iter().collect();
    }
    let staging = state.scope(Context::Staging);
    let production = state.scope(Context::Production);
    let mut changes = Vec::new();
    let mut summary: HashMap<&str, u64> = HashMap::new();
    let mut writes: Vec<(&'static KindSpec, String, Value)> = Vec::new();
    let mut locked: Vec<String> = Vec::new();
    // Kind order, so sources reach production before the rules that name them.
    for spec in KINDS {
        let mut docs = Vec::new();
        if whole.iter().any(|w| std::ptr::eq(*w, spec)) {
            docs = state.store.list_config(&staging, spec.name).await?;
        } else {
            for (s, id) in &single {
                if std::ptr::eq(*s, spec) {
                    match state.store.config(&staging, spec.name, id).await? {
                        Some(d) => docs.push(d),
                        None => return Err(not_found(spec, id)),
                    }
                }
            }
        }
        for doc in docs {
            let id = doc
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let current = state.store.config(&production, spec.name, &id).await?;
            let outcome = match &current {
                None => Outcome::Created,
                Some(c) if *c == doc => Outcome::Unchanged,
                Some(_) => Outcome::Configured,
            };
            if spec.name == crate::workflow::engine::kinds::FLOW
                && overwrites_locked_flow(current.as_ref(), &doc)
            {
                locked.push(id.clone());
            }
            let label = match outcome {
                Outcome::Created => "created",
                Outcome::Configured => "configured",
                Outcome::Unchanged => "unchanged",
            };
            *summary.entry(label).or_default() += 1;
            changes.push(json!({"kind": spec.name, "id": id, "result": outcome}));
            if outcome != Outcome::Unchanged {
                writes.push((spec, id, doc));
            }
        }
    }
    // A locked flow is refused here as its edits are: checked before anything is
    // written, so a refused deploy changes nothing (a dry run says so too).
    if !locked.is_empty() {
        let names: Vec<String> = locked.iter().map(|id| format!("`{id}`")).collect();
        let first = &locked[0];
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "flow {} {} locked in production; nothing was deployed. Unlock it there \
                 first (`POST /flows/{first}/unlock` with `x-context: production`, or apply \
                 it to production with `lock: false`), then deploy again",
                names.join(", "),
                if locked.len() == 1 { "is" } else { "are" },
            ),
        ));
    }
    if !req.dry_run {
        for (spec, id, doc) in &writes {
            state
                .store
                .put_config(&production, spec.name, id, doc)
                .await?;
        }
    }
    if !req.dry_run {
        state.store.durable().await?;
        crate::tracking::config_changed();
    }
    Ok(Json(json!({
        "from": "staging",
        "to": "production",
        "dry_run": req.dry_run,
        "summary": {
            "created": summary.get("created").copied().unwrap_or(0),
            "configured": summary.get("configured").copied().unwrap_or(0),
            "unchanged": summary.get("unchanged").copied().unwrap_or(0),
        },
        "changes": changes,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let spec = kind("rule").unwrap();
        // No source: any source (README, Rules).
        assert!(validate(spec, &json!({"id": "r1", "name": "x"})).is_ok());
        let e = validate(spec, &json!({"id": "r1", "name": "x", "source": 3})).unwrap_err();
        assert_eq!(e.message, "`source`: must be a string or an object");
        let e = validate(spec, &json!({"id": "r1", "name": "x", "source": {"id": 3}})).unwrap_err();
        assert_eq!(e.message, "`source.id`: must be a string");
        let spec = kind("data-compliance").unwrap();
        let e = validate(
            spec,
            &json!({"id": "d", "event_type": "x", "settings": [{"action": "hash", "field": "a"}, {"action": "burn", "field": "b"}]}),
        )
        .unwrap_err();
        assert!(
            e.message
                .starts_with("`settings[1].action`: unknown value `burn`"),
            "{}",
            e.message
        );
        let spec = kind("sources").unwrap();
        let e = validate(
            spec,
            &json!({"id": "s", "name": "n", "type": "carrier-pigeon"}),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("`type`: unknown value"),
            "{}",
            e.message
        );
        assert_eq!(e.code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn secrets_are_masked_and_kept() {
        let spec = kind("resource").unwrap();
        let stored = json!({"id": "r", "credentials": {"production": {"pw": "x"}, "test": {}}});
        let shown = redact(spec, stored.clone());
        assert_eq!(shown["credentials"]["production"], WRITE_ONLY);
        let mut back = shown.clone();
        keep_secrets(spec, &mut back, Some(&stored));
        assert_eq!(back, stored);
    }

    #[test]
    fn kinds_have_unique_names_and_aliases() {
        let mut seen = std::collections::HashSet::new();
        for k in KINDS {
            assert!(seen.insert(k.name));
            for a in k.aliases {
                assert!(seen.insert(a), "{a}");
            }
        }
    }
}
