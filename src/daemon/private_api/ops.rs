//! Operational endpoints: health, version, store statistics, Prometheus metrics and the
//! OpenAPI document (built from the route table).

use super::config_kinds::KINDS;
use super::{roles, Access, PrivateApiState, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::Context;
use axum::extract::State;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(Method::GET, "/health", Access::Public, "Liveness", health)
        .add(
            Method::GET,
            "/version",
            Access::Public,
            "This build's version",
            version,
        )
        .add(
            Method::GET,
            "/metrics",
            Access::Public,
            "Prometheus metrics (text format)",
            metrics,
        )
        .add(
            Method::GET,
            "/openapi.json",
            Access::Public,
            "This document",
            openapi,
        )
        .add(
            Method::GET,
            "/stats",
            Access::Roles(roles::READ_DATA),
            "Store statistics: counts per kind and context, disk use",
            stats,
        )
        .add(
            Method::GET,
            "/bridges",
            Access::Roles(roles::READ_DATA),
            "Bridges running in this process: state, message counters, last error",
            bridges,
        )
        .add(
            Method::GET,
            "/backup",
            Access::Roles(roles::ADMIN),
            "A backup of this tenant while the daemons run (gzip NDJSON, as `tracardictl backup` writes)",
            backup,
        )
}

/// Sends what is written as body chunks. Unbounded: a slow client makes the server
/// buffer the rest of the backup in memory.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::UnboundedSender<std::io::Result<bytes::Bytes>>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = bytes::Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Streams a backup of the tenant. An error after the first byte cannot change the
/// status any more: the stream then ends without its trailer, which `restore` refuses.
async fn backup(State(state): State<PrivateApiState>) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let store = state.store.clone();
    let tenant = state.tenant();
    tokio::spawn(async move {
        let writer = ChunkWriter {
            buf: Vec::new(),
            tx: tx.clone(),
        };
        let mut gz = flate2::write::GzEncoder::new(writer, flate2::Compression::fast());
        let res =
            crate::store::backup::backup(store.as_ref(), Some(&tenant), &mut gz, &|_| {}).await;
        let res = match res {
            Ok(_) => gz.finish().and_then(|mut w| {
                use std::io::Write as _;
                w.flush()
            }),
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        if let Err(e) = res {
            tracing::error!(error = %e, "online backup failed");
            let _ = tx.send(Err(e));
        }
    });
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (
        [
            (header::CONTENT_TYPE, "application/gzip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tracardictl.tcbk\"",
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn version() -> Json<Value> {
    Json(json!({"version": crate::VERSION}))
}

async fn stats(State(state): State<PrivateApiState>) -> Result<Response, ApiError> {
    let mut contexts = Map::new();
    for ctx in Context::ALL {
        let scope = state.scope(ctx);
        let counts = state.store.counts(&scope).await?;
        let mut config = Map::new();
        for k in KINDS {
            let n = state.store.list_config(&scope, k.name).await?.len();
            config.insert(k.name.into(), json!(n));
        }
        contexts.insert(
            ctx.as_str().into(),
            json!({
                "profiles": counts.profiles,
                "sessions": counts.sessions,
                "events": counts.events,
                "config": config,
            }),
        );
    }
    Ok(Json(json!({
        "tenant": state.tenant(),
        "contexts": contexts,
        "disk_bytes": state.store.disk_size().await?,
        "schema_version": state.store.schema_version().await?,
    }))
    .into_response())
}

/// The bridges running in this process (the Segment bridge with the collector, broker
/// bridges started by this `serve`). Bridges run by another process are not seen.
async fn bridges(State(state): State<PrivateApiState>) -> Response {
    let items = state.metrics.bridges();
    super::ok_json(json!({"total": items.len(), "items": items}))
}

async fn metrics(State(state): State<PrivateApiState>) -> Response {
    let mut out = String::new();
    let s = &state.tracker.stats;
    let counters = [
        (
            "tracardi_events_collected_total",
            "Events stored by the collector.",
            s.events_stored.load(Ordering::Relaxed),
        ),
        (
            "tracardi_track_requests_total",
            "Payloads received by the tracking pipeline.",
            s.requests.load(Ordering::Relaxed),
        ),
        (
            "tracardi_profiles_created_total",
            "Profiles created by the tracking pipeline.",
            s.profiles_created.load(Ordering::Relaxed),
        ),
        (
            "tracardi_sessions_created_total",
            "Sessions created by the tracking pipeline.",
            s.sessions_created.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, v) in counters {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
        );
    }
    let now = chrono::Utc::now();
    match state.store.queue_stats(now).await {
        Ok(q) => {
            let age = q
                .oldest
                .map_or(0.0, |t| (now - t).num_milliseconds() as f64 / 1000.0);
            let gauges: [(&str, &str, f64); 4] = [
                (
                    "tracardi_queue_depth",
                    "Work queue items waiting or in flight.",
                    q.depth as f64,
                ),
                (
                    "tracardi_queue_in_flight",
                    "Work queue items leased by a worker.",
                    q.in_flight as f64,
                ),
                (
                    "tracardi_queue_oldest_age_seconds",
                    "Age of the oldest queued item.",
                    age,
                ),
                (
                    "tracardi_queue_dead_letters",
                    "Items in the dead-letter queue.",
                    q.dead_letters as f64,
                ),
            ];
            for (name, help, v) in gauges {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "queue statistics unavailable for /metrics"),
    }
    match crate::daemon::destinations::health(state.store.as_ref()).await {
        Ok(all) if !all.is_empty() => {
            let series: [Series; 4] = [
                (
                    "tracardi_destination_delivered_total",
                    "counter",
                    "Deliveries a destination's receiver accepted.",
                    |h| h.delivered,
                ),
                (
                    "tracardi_destination_failures_total",
                    "counter",
                    "Failed delivery attempts per destination.",
                    |h| h.failed,
                ),
                (
                    "tracardi_destination_dead_letters_total",
                    "counter",
                    "Deliveries moved to the dead-letter queue per destination.",
                    |h| h.dead,
                ),
                (
                    "tracardi_destination_consecutive_failures",
                    "gauge",
                    "Failed attempts since a destination's last success.",
                    |h| h.consecutive_failures,
                ),
            ];
            for (name, ty, help, value) in series {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {ty}");
                for h in &all {
                    let _ = writeln!(
                        out,
                        "{name}{{tenant=\"{}\",context=\"{}\",destination=\"{}\"}} {}",
                        label(&h.tenant),
                        h.context,
                        label(&h.id),
                        value(h)
                    );
                }
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "destination health unavailable for /metrics"),
    }
    state.metrics.render(&mut out);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// The OpenAPI 3.1 document of every route in the table, with the roles each needs
/// (`x-roles`) and the error shape.
pub fn openapi_document(specs: &[super::RouteSpec]) -> Value {
    let mut paths = Map::new();
    for s in specs {
        let entry = paths
            .entry(s.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let params: Vec<Value> = s
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut responses = Map::new();
        responses.insert("200".into(), json!({"description": "success"}));
        responses.insert(
            "4XX".into(),
            json!({"$ref": "#/components/responses/Error"}),
        );
        let mut op = json!({
            "summary": s.summary,
            "operationId": format!("{} {}", s.method.as_str().to_lowercase(), s.path),
            "parameters": params,
            "responses": responses,
        });
        if let (Access::Roles(roles), Value::Object(m)) = (s.access, &mut op) {
            m.insert("security".into(), json!([{"bearer": []}]));
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            m.insert("x-roles".into(), json!(names));
        } else if let Value::Object(m) = &mut op {
            m.insert("security".into(), json!([]));
        }
        if let Value::Object(m) = entry {
            m.insert(s.method.as_str().to_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tracardictl private API", "version": crate::VERSION},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {
                "description": "an error",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "detail": {"type": "string"},
                        "message": {"type": "string"},
                        "code": {"type": "string", "enum": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                        "type": {"type": "string"},
                    }
                }}}
            }},
            "parameters": {"x-context": {
                "name": "x-context", "in": "header",
                "schema": {"type": "string", "enum": ["staging", "production"], "default": "staging"}
            }},
        },
    })
}

async fn openapi(State(state): State<PrivateApiState>) -> Json<Value> {
    Json(openapi_document(&state.specs))
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A per-destination metric: name, type, help, value.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&crate::daemon::destinations::DestinationHealth) -> u64,
);
