//! Destinations: profiles and events that match a destination's condition are sent to
//! an HTTP webhook resource by the background worker.
//!
//! The collector (and the worker, after the flows of an asynchronous source changed a
//! profile) decides which destinations match and enqueues one `destination` item per
//! delivery in the same write as the events, with a snapshot of the profile, session and
//! event (ordered per profile and destination). The worker renders the body and headers from the destination's and the
//! resource's current configuration, sends the request, and acks; a failure is retried
//! with the queue's backoff and ends in the dead-letter queue, from where `dlq replay`
//! delivers it again. Every attempt is written to the destination's delivery log.
//!
//! A destination document (kind `destination`):
//!
//! ```text
//! {id, name, enabled, condition: "TQL", on_profile_change_only: bool,
//!  event_type: "page-view" | {id}, source: {id},
//!  destination: {package, init: {method, timeout, headers, url}},
//!  mapping: {object template of the body}, resource: {id}}
//! ```
//!
//! The resource (kind `resource`) holds the URL: `credentials.production.url` (the
//! production context) or `credentials.test.url` (staging; falls back to production),
//! with optional `method` and `headers` there too.

use crate::domain::{Event, Profile, Scope, Session};
use crate::store::{NewItem, QueueItem, SharedStore, Store, StoreError};
use crate::workflow::notation::{DotContext, OnMissing, TemplateOptions};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// The queue topic of deliveries.
pub const DESTINATION_TOPIC: &str = "destination";
/// The configuration kinds involved.
pub const DESTINATION_KIND: &str = "destination";
pub const RESOURCE_KIND: &str = "resource";
/// How many deliveries a destination's log keeps.
pub const LOG_KEEP: usize = 100;

/// The payload of a delivery item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub destination: String,
    /// `event` or `profile`.
    pub trigger: String,
    #[serde(default)]
    pub profile: Value,
    #[serde(default)]
    pub session: Value,
    #[serde(default)]
    pub event: Value,
}

fn ref_id(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m.get("id").and_then(Value::as_str),
        _ => None,
    }
    .map(str::trim)
    .filter(|s| !s.is_empty() && *s != "*")
}

fn enabled(doc: &Value) -> bool {
    doc.get("enabled").and_then(Value::as_bool).unwrap_or(true)
}

fn condition_holds(doc: &Value, ctx: &DotContext) -> bool {
    let Some(cond) = doc
        .get("condition")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty())
    else {
        return true;
    };
    match crate::workflow::tql::evaluate(cond, ctx) {
        Ok(b) => b,
        Err(e) => {
            let id = doc.get("id").and_then(Value::as_str).unwrap_or("");
            tracing::warn!(
                destination = %id,
                error = %e,
                "destination condition cannot be evaluated; nothing sent"
            );
            false
        }
    }
}

/// What was collected (or processed) in one go, for [`plan`].
pub struct Collected<'a> {
    pub scope: &'a Scope,
    pub source_id: &'a str,
    pub profile: Option<&'a Profile>,
    pub session: Option<&'a Session>,
    pub events: &'a [Event],
    pub profile_changed: bool,
}

/// The deliveries that the given destinations ask for: one per matching event, or, for a
/// destination with `on_profile_change_only`, one per changed profile (with the last
/// event of the batch).
pub fn plan(destinations: &[Value], c: &Collected<'_>) -> Vec<NewItem> {
    let mut out = Vec::new();
    let active: Vec<&Value> = destinations.iter().filter(|d| enabled(d)).collect();
    if active.is_empty() {
        return out;
    }
    let profile = c
        .profile
        .and_then(|p| serde_json::to_value(p).ok())
        .unwrap_or(Value::Null);
    let session = c
        .session
        .and_then(|s| serde_json::to_value(s).ok())
        .unwrap_or(Value::Null);
    // Deliveries of one profile to one destination keep their order; a destination
    // that is down does not hold up the others.
    let profile_id = c.profile.map(|p| p.id.clone());
    let item = |dest: &str, trigger: &str, event: Value| -> Option<NewItem> {
        let d = Delivery {
            destination: dest.to_string(),
            trigger: trigger.to_string(),
            profile: profile.clone(),
            session: session.clone(),
            event,
        };
        Some(NewItem {
            scope: c.scope.clone(),
            topic: DESTINATION_TOPIC.into(),
            key: profile_id.as_ref().map(|p| format!("dest:{dest}:{p}")),
            payload: serde_json::to_value(d).ok()?,
        })
    };
    for dest in active {
        let Some(id) = dest.get("id").and_then(Value::as_str) else {
            continue;
        };
        if ref_id(dest.get("source")).is_some_and(|s| s != c.source_id) {
            continue;
        }
        let wanted_type = ref_id(dest.get("event_type")).map(crate::domain::event_type_slug);
        let matching: Vec<&Event> = c
            .events
            .iter()
            .filter(|e| wanted_type.as_deref().is_none_or(|t| t == e.event_type))
            .collect();
        let profile_only = dest
            .get("on_profile_change_only")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if profile_only {
            if !c.profile_changed || c.profile.is_none() {
                continue;
            }
            let event = c
                .events
                .last()
                .and_then(|e| serde_json::to_value(e).ok())
                .unwrap_or(Value::Null);
            if wanted_type.is_some() && matching.is_empty() {
                continue;
            }
            let ctx = DotContext {
                profile: profile.clone(),
                session: session.clone(),
                event: event.clone(),
                ..DotContext::default()
            };
            if condition_holds(dest, &ctx) {
                out.extend(item(id, "profile", event));
            }
            continue;
        }
        for e in matching {
            let event = serde_json::to_value(e).unwrap_or(Value::Null);
            let ctx = DotContext {
                profile: profile.clone(),
                session: session.clone(),
                event: event.clone(),
                ..DotContext::default()
            };
            if condition_holds(dest, &ctx) {
                out.extend(item(id, "event", event));
            }
        }
    }
    out
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub timeout: Duration,
}

fn str_map(v: Option<&Value>, ctx: &DotContext, into: &mut Vec<(String, String)>) {
    if let Some(Value::Object(m)) = v {
        for (k, v) in m {
            let text = match v {
                Value::String(s) => ctx.render_template(s),
                other => other.to_string(),
            };
            into.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            into.push((k.clone(), text));
        }
    }
}

/// Builds the request of a delivery from the destination and its resource.
pub fn prepare(
    scope: &Scope,
    destination: &Value,
    resource: &Value,
    d: &Delivery,
) -> Result<Prepared, String> {
    let ctx = DotContext {
        profile: d.profile.clone(),
        session: d.session.clone(),
        event: d.event.clone(),
        ..DotContext::default()
    };
    let creds = resource.get("credentials");
    let production = creds.and_then(|c| c.get("production"));
    let test = creds.and_then(|c| c.get("test"));
    let creds = match scope.context {
        crate::domain::Context::Production => production,
        crate::domain::Context::Staging => test.filter(|t| t.get("url").is_some()).or(production),
    };
    let init = destination
        .get("destination")
        .and_then(|d| d.get("init"))
        .cloned()
        .unwrap_or(Value::Null);
    let url = init
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .or_else(|| creds.and_then(|c| c.get("url")).and_then(Value::as_str))
        .ok_or_else(|| "the resource has no `credentials.production.url`".to_string())?;
    let url = ctx.render_template(url);
    let method = init
        .get("method")
        .and_then(Value::as_str)
        .or_else(|| creds.and_then(|c| c.get("method")).and_then(Value::as_str))
        .unwrap_or("post")
        .to_uppercase();
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("unknown HTTP method `{method}`"))?;
    let timeout = init
        .get("timeout")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0)
        .unwrap_or(30.0)
        .min(600.0);
    let mut headers = Vec::new();
    str_map(creds.and_then(|c| c.get("headers")), &ctx, &mut headers);
    str_map(init.get("headers"), &ctx, &mut headers);
    let body = match destination.get("mapping") {
        Some(m @ Value::Object(o)) if !o.is_empty() => ctx
            .render_object(
                m,
                &TemplateOptions {
                    on_missing: OnMissing::Default(Value::Null),
                    drop_null: false,
                },
            )
            .map_err(|e| format!("the mapping cannot be rendered: {e}"))?,
        _ => json!({"profile": d.profile, "session": d.session, "event": d.event}),
    };
    Ok(Prepared {
        method,
        url,
        headers,
        body,
        timeout: Duration::from_secs_f64(timeout),
    })
}

/// One attempt, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    /// The queue item.
    pub item: u64,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    pub latency_ms: f64,
    pub error: Option<String>,
    /// `delivered`, `retry` or `dead`.
    pub outcome: String,
}

/// A destination's delivery log: totals and the last [`LOG_KEEP`] attempts, newest
/// first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
    pub consecutive_failures: u64,
    pub last_error: Option<String>,
    pub entries: Vec<LogEntry>,
}

fn log_key(scope: &Scope, id: &str) -> String {
    format!(
        "destination-log:{}:{}:{id}",
        scope.tenant,
        scope.context.as_str()
    )
}

/// A destination's delivery log (empty when nothing was attempted yet).
pub async fn read_log(
    store: &dyn Store,
    scope: &Scope,
    id: &str,
) -> Result<DeliveryLog, StoreError> {
    match store.meta(&log_key(scope, id)).await? {
        None => Ok(DeliveryLog::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            kind: "delivery log",
            id: id.to_string(),
            reason: e.to_string(),
        }),
    }
}

async fn append_log(
    store: &dyn Store,
    scope: &Scope,
    id: &str,
    entry: LogEntry,
) -> Result<(), StoreError> {
    let _guard = store.lock(scope, &format!("destination-log:{id}")).await?;
    let mut log = read_log(store, scope, id).await.unwrap_or_default();
    match entry.outcome.as_str() {
        "delivered" => {
            log.delivered += 1;
            log.consecutive_failures = 0;
        }
        other => {
            log.failed += 1;
            log.consecutive_failures += 1;
            if other == "dead" {
                log.dead += 1;
            }
            log.last_error = entry.error.clone();
        }
    }
    log.entries.insert(0, entry);
    log.entries.truncate(LOG_KEEP);
    let text = serde_json::to_string(&log).map_err(|e| StoreError::Encode {
        kind: "delivery log",
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    store.set_meta(&log_key(scope, id), &text).await
}

/// Failure figures of every destination of every scope, for health reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestinationHealth {
    pub tenant: String,
    pub context: String,
    pub id: String,
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
    pub consecutive_failures: u64,
    pub last_error: Option<String>,
}

pub async fn health(store: &dyn Store) -> Result<Vec<DestinationHealth>, StoreError> {
    let mut out = Vec::new();
    for scope in store.scopes().await? {
        for doc in store.list_config(&scope, DESTINATION_KIND).await? {
            let Some(id) = doc.get("id").and_then(Value::as_str) else {
                continue;
            };
            let log = read_log(store, &scope, id).await?;
            out.push(DestinationHealth {
                tenant: scope.tenant.clone(),
                context: scope.context.as_str().to_string(),
                id: id.to_string(),
                delivered: log.delivered,
                failed: log.failed,
                dead: log.dead,
                consecutive_failures: log.consecutive_failures,
                last_error: log.last_error,
            });
        }
    }
    Ok(out)
}

/// What an attempt came to, before the queue decides between retry and dead letter.
pub struct Attempt {
    pub status: Option<u16>,
    pub latency: Duration,
    pub error: Option<String>,
}

/// Sends one delivery. `Ok` when the receiver answered 2xx.
/// Sends one delivery; `longest` caps its timeout (the worker's lease, so that no
/// attempt outlives it and runs twice at once).
pub async fn send(
    store: &SharedStore,
    http: &reqwest::Client,
    item: &QueueItem,
    longest: Duration,
) -> Attempt {
    let started = Instant::now();
    let fail = |error: String| Attempt {
        status: None,
        latency: started.elapsed(),
        error: Some(error),
    };
    let d: Delivery = match serde_json::from_value(item.payload.clone()) {
        Ok(d) => d,
        Err(e) => return fail(format!("bad delivery: {e}")),
    };
    let scope = &item.scope;
    let dest = match store.config(scope, DESTINATION_KIND, &d.destination).await {
        Ok(Some(d)) => d,
        Ok(None) => return fail(format!("destination `{}` no longer exists", d.destination)),
        Err(e) => return fail(e.to_string()),
    };
    if !enabled(&dest) {
        // Held back: it fails until the destination is enabled again, then goes to the
        // dead-letter queue, from which `dlq replay` sends it once it is.
        return fail(format!("destination `{}` is disabled", d.destination));
    }
    let Some(resource_id) = ref_id(dest.get("resource")) else {
        return fail("the destination names no resource".into());
    };
    let resource = match store.config(scope, RESOURCE_KIND, resource_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return fail(format!("resource `{resource_id}` does not exist")),
        Err(e) => return fail(e.to_string()),
    };
    let p = match prepare(scope, &dest, &resource, &d) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let started = Instant::now();
    let timeout = p.timeout.min(longest);
    let mut req = http
        .request(p.method.clone(), &p.url)
        .timeout(timeout)
        .header("content-type", "application/json");
    for (k, v) in &p.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if p.method != reqwest::Method::GET {
        req = req.json(&p.body);
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status();
            let latency = started.elapsed();
            let error = (!status.is_success()).then(|| {
                let moved = status
                    .is_redirection()
                    .then(|| r.headers().get(reqwest::header::LOCATION))
                    .flatten()
                    .and_then(|l| l.to_str().ok())
                    .map(|l| {
                        format!(
                            " (Location: {l}; deliveries do not follow redirects: point the \
                             resource at the new address)"
                        )
                    })
                    .unwrap_or_default();
                format!("{} answered {status}{moved}", p.url)
            });
            Attempt {
                status: Some(status.as_u16()),
                latency,
                error,
            }
        }
        Err(e) => Attempt {
            status: None,
            latency: started.elapsed(),
            error: Some(if e.is_timeout() {
                format!("{}: timed out after {timeout:?}", p.url)
            } else {
                format!("{}: {}", p.url, crate::client::causes(&e))
            }),
        },
    }
}

/// Records an attempt in the destination's log; failures to log are only warned about.
pub async fn record(store: &SharedStore, item: &QueueItem, attempt: &Attempt, outcome: &str) {
    let Some(id) = item
        .payload
        .get("destination")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let entry = LogEntry {
        at: Utc::now(),
        item: item.seq,
        // The lease counted the attempt being recorded.
        attempt: item.attempts,
        status: attempt.status,
        latency_ms: attempt.latency.as_secs_f64() * 1000.0,
        error: attempt.error.clone(),
        outcome: outcome.to_string(),
    };
    if let Err(e) = append_log(store.as_ref(), &item.scope, &id, entry).await {
        tracing::warn!(destination = %id, error = %e, "cannot write the delivery log");
    }
}

/// The log as the private API answers it.
pub fn log_json(id: &str, log: &DeliveryLog) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(id));
    if let Ok(Value::Object(rest)) = serde_json::to_value(log) {
        m.extend(rest);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Context;

    fn event(ty: &str) -> Event {
        let mut e = Event::new(format!("e-{ty}"), ty.into(), "web", Utc::now());
        e.properties.insert("price".into(), json!(12));
        e
    }

    #[test]
    fn plan_filters_by_type_source_condition_and_profile_change() {
        let scope = Scope::default_tenant(Context::Production);
        let profile = Profile::new("p1".into(), Utc::now());
        let events = vec![event("page-view"), event("purchase")];
        let dests = vec![
            json!({"id": "all", "resource": {"id": "r"}}),
            json!({"id": "buys", "event_type": {"id": "purchase"}, "condition": "event@properties.price > 10", "resource": {"id": "r"}}),
            json!({"id": "cheap", "condition": "event@properties.price < 10", "resource": {"id": "r"}}),
            json!({"id": "other-source", "source": {"id": "app"}, "resource": {"id": "r"}}),
            json!({"id": "off", "enabled": false, "resource": {"id": "r"}}),
            json!({"id": "changes", "on_profile_change_only": true, "resource": {"id": "r"}}),
        ];
        let mut c = Collected {
            scope: &scope,
            source_id: "web",
            profile: Some(&profile),
            session: None,
            events: &events,
            profile_changed: false,
        };
        let names = |items: &[NewItem]| -> Vec<String> {
            items
                .iter()
                .map(|i| {
                    format!(
                        "{}:{}",
                        i.payload["destination"].as_str().unwrap(),
                        i.payload["event"]["type"].as_str().unwrap_or("-")
                    )
                })
                .collect()
        };
        let items = plan(&dests, &c);
        assert_eq!(
            names(&items),
            ["all:page-view", "all:purchase", "buys:purchase"]
        );
        assert!(items.iter().all(|i| i.topic == DESTINATION_TOPIC));
        assert_eq!(items[2].key.as_deref(), Some("dest:buys:p1"));
        c.profile_changed = true;
        assert!(names(&plan(&dests, &c)).contains(&"changes:purchase".to_string()));
    }

    #[test]
    fn prepare_renders_body_headers_and_picks_credentials_by_context() {
        let dest = json!({
            "id": "d",
            "destination": {"package": "webhook", "init": {"method": "put", "timeout": 2, "headers": {"x-profile": "{{profile@id}}"}}},
            "mapping": {"who": "profile@id", "what": "event@type", "n": "`3`"},
            "resource": {"id": "r"}
        });
        let res = json!({"credentials": {"production": {"url": "http://prod/hook", "headers": {"authorization": "Bearer t"}}, "test": {"url": "http://test/hook"}}});
        let d = Delivery {
            destination: "d".into(),
            trigger: "event".into(),
            profile: json!({"id": "p1"}),
            session: Value::Null,
            event: json!({"type": "purchase"}),
        };
        let prod = Scope::default_tenant(Context::Production);
        let p = prepare(&prod, &dest, &res, &d).unwrap();
        assert_eq!(p.url, "http://prod/hook");
        assert_eq!(p.method, reqwest::Method::PUT);
        assert_eq!(p.timeout, Duration::from_secs(2));
        assert_eq!(p.body, json!({"who": "p1", "what": "purchase", "n": 3}));
        assert!(p.headers.contains(&("x-profile".into(), "p1".into())));
        assert!(p
            .headers
            .contains(&("authorization".into(), "Bearer t".into())));
        let staging = Scope::default_tenant(Context::Staging);
        assert_eq!(
            prepare(&staging, &dest, &res, &d).unwrap().url,
            "http://test/hook"
        );
        let err = prepare(&prod, &dest, &json!({}), &d).unwrap_err();
        assert!(err.contains("url"), "{err}");
    }
}
