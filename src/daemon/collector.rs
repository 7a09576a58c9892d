//! The public collector API (internet-facing): collecting routes only.

use super::http::{self, ApiError, ErrorCode, Peer};
use crate::domain::Map;
use crate::tracking::payload::get_path;
use crate::tracking::{
    EventPayload, PayloadError, RequestMeta, TrackOptions, TrackRequest, TrackResponse, Tracker,
    TrackerPayload, TrackingError,
};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;

#[derive(Clone)]
pub struct CollectorState {
    /// The configured tenant's tracker.
    pub tracker: Arc<Tracker>,
    /// Routing to other tenants (by host or source id), their suspension and rate
    /// limits; None: everything goes to `tracker`.
    pub tenants: Option<Arc<super::tenancy::TenantRouter>>,
    /// The Segment bridge's state and counters (it answers on the collector port).
    pub segment: Arc<super::bridges::BridgeStats>,
}

impl CollectorState {
    pub fn new(tracker: Arc<Tracker>) -> Self {
        let segment = Arc::new(super::bridges::BridgeStats::new("segment"));
        segment.set_state(super::bridges::BridgeState::Serving);
        Self {
            tracker,
            tenants: None,
            segment,
        }
    }

    /// The tracker of the tenant a request for `source_id` carrying `events` events is
    /// for, once the tenant's state and rate limit allow it.
    pub async fn tracker_for(
        &self,
        headers: &HeaderMap,
        source_id: &str,
        events: usize,
    ) -> Result<Arc<Tracker>, ApiError> {
        match &self.tenants {
            None => Ok(self.tracker.clone()),
            Some(router) => {
                let host = headers
                    .get("x-forwarded-host")
                    .or_else(|| headers.get("host"))
                    .and_then(|v| v.to_str().ok());
                router.route(host, source_id.trim(), events).await
            }
        }
    }
}

pub struct CollectorOptions {
    pub body_limit: usize,
    pub request_timeout: Duration,
}

pub fn router(state: CollectorState, opts: &CollectorOptions) -> Router {
    Router::new()
        .route("/track", post(track))
        .route(
            "/collect/{event_type}/{source_id}",
            post(collect_post).get(collect_get).head(collect_head),
        )
        .route(
            "/collect/{event_type}/{source_id}/{session_id}",
            post(collect_post_session)
                .get(collect_get_session)
                .head(collect_head),
        )
        .merge(super::bridges::segment::routes())
        .route("/healthcheck", get(healthcheck))
        .route("/info/version", get(version))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(opts.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            opts.body_limit,
            http::refuse_declared_length,
        ))
        .layer(axum::middleware::from_fn(http::timeout_layer(
            opts.request_timeout,
        )))
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(CorsLayer::very_permissive())
        .layer(axum::middleware::from_fn(http::process_time))
}

impl From<TrackingError> for ApiError {
    fn from(e: TrackingError) -> Self {
        match e {
            TrackingError::Unauthorized(msg) => {
                let code = if msg == "Event source disabled." {
                    ErrorCode::EventSourceDisabled
                } else if msg.starts_with("Bot traffic") {
                    ErrorCode::BotRefused
                } else {
                    ErrorCode::InvalidEventSource
                };
                ApiError::new(code, msg)
            }
            TrackingError::Malformed(p) => malformed(p),
            TrackingError::Invalid(r) => ApiError::new(ErrorCode::ValidationFailed, r.to_string()),
            TrackingError::Store(s) => s.into(),
        }
    }
}

/// The answer to a tracked request; a failed validation is a 406 whose body also lists
/// every violation (event type, validator, dot path, where in the value, schema error).
fn tracked(result: Result<TrackResponse, TrackingError>) -> Result<Response, ApiError> {
    match result {
        Ok(resp) => Ok(answer(resp)),
        Err(TrackingError::Invalid(r)) => {
            let err = ApiError::new(ErrorCode::ValidationFailed, r.to_string());
            let body = json!({
                "detail": err.message,
                "message": err.message,
                "code": err.code.as_str(),
                "type": err.code.kind(),
                "errors": r.violations,
            });
            let mut resp = (err.code.status(), Json(body)).into_response();
            resp.extensions_mut().insert(err.code);
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

fn malformed(p: PayloadError) -> ApiError {
    ApiError::new(ErrorCode::MalformedPayload, p.to_string())
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "request body is larger than the collector accepts",
        )
    } else {
        ApiError::new(
            ErrorCode::MalformedPayload,
            format!("cannot read request body: {rejection}"),
        )
    }
}

fn meta(headers: &HeaderMap, peer: Option<SocketAddr>) -> RequestMeta {
    RequestMeta {
        ip: http::client_ip(headers, peer),
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: http::storable_headers(headers),
    }
}

fn answer(resp: TrackResponse) -> Response {
    let status = if resp.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::IM_USED
    };
    (status, Json(resp)).into_response()
}

fn parse_bool(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            _ => Err(ApiError::new(
                ErrorCode::MalformedPayload,
                format!("query parameter `{name}` must be true or false, not `{v}`"),
            )),
        },
    }
}

async fn track(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let profile_less = parse_bool(&params, "profile_less")?;
    let payload = TrackerPayload::from_json(&body).map_err(malformed)?;
    let tracker = state
        .tracker_for(&headers, &payload.source.id, payload.events.len())
        .await?;
    let req = TrackRequest {
        payload,
        profile_less,
        meta: meta(&headers, peer),
        allowed_types: &["rest"],
        adopt_profile_id: false,
    };
    tracked(tracker.track_to_end(req).await)
}

/// A webhook body as event properties: JSON object, form fields, or `{"raw": text}`.
async fn webhook_properties(headers: &HeaderMap, body: Bytes) -> Result<Map, ApiError> {
    let original_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let content_type = original_type.to_ascii_lowercase();
    if body.is_empty() {
        return Ok(Map::new());
    }
    if content_type.starts_with("application/json") || content_type.contains("+json") {
        if let Some(why) = crate::domain::nesting::refused(&body) {
            return Err(ApiError::new(
                ErrorCode::MalformedPayload,
                format!("body: {why}"),
            ));
        }
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedPayload,
                format!("body: invalid JSON: {e}"),
            )
        })?;
        return Ok(match value {
            Value::Object(m) => m,
            _ => crate::tracking::payload::raw_properties(&body),
        });
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(form_fields(&body));
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(original_type).map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedPayload,
                format!("body: bad multipart content type: {e}"),
            )
        })?;
        let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut m = Map::new();
        loop {
            let field = multipart.next_field().await.map_err(|e| {
                ApiError::new(
                    ErrorCode::MalformedPayload,
                    format!("body: bad multipart data: {e}"),
                )
            })?;
            let Some(field) = field else { break };
            let name = field.name().unwrap_or("field").to_string();
            let file_name = field.file_name().map(str::to_string);
            let data = field.bytes().await.map_err(|e| {
                ApiError::new(
                    ErrorCode::MalformedPayload,
                    format!("body: bad multipart field `{name}`: {e}"),
                )
            })?;
            let value = match (file_name, std::str::from_utf8(&data)) {
                (None, Ok(text)) => Value::String(text.to_string()),
                (file_name, _) => json!({"filename": file_name, "size": data.len()}),
            };
            insert_field(&mut m, name, value);
        }
        return Ok(m);
    }
    Ok(crate::tracking::payload::raw_properties(&body))
}

/// Repeated keys become lists.
fn insert_field(m: &mut Map, key: String, value: Value) {
    match m.get_mut(&key) {
        Some(Value::Array(list)) => list.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            m.insert(key, value);
        }
    }
}

fn form_fields(bytes: &[u8]) -> Map {
    let mut m = Map::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        insert_field(&mut m, k.into_owned(), Value::String(v.into_owned()));
    }
    m
}

struct Collect {
    event_type: String,
    source_id: String,
    session_id: Option<String>,
}

async fn collect(
    state: CollectorState,
    target: Collect,
    properties: Map,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Result<Response, ApiError> {
    let source_id = target.source_id.trim().to_string();
    let tracker = &state.tracker_for(headers, &source_id, 1).await?;
    let source = tracker.check_source(&source_id, &["webhook"]).await?;
    let path_value = |key: &str| -> Option<String> {
        let path = source.config_str(key)?;
        let path = path.strip_prefix("properties.").unwrap_or(path);
        match get_path(&properties, path)? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let replaced_profile = path_value("replace_profile_id");
    let session_id = target
        .session_id
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| path_value("replace_session_id"));
    let profile_less = session_id.is_none()
        && replaced_profile.is_none()
        && !source.config_flag("generate_profile");
    let mut payload = TrackerPayload {
        source: crate::tracking::payload::SourceRef { id: source_id },
        session: session_id.map(|id| crate::tracking::payload::OptionalId { id: Some(id) }),
        profile: replaced_profile
            .clone()
            .map(|id| crate::tracking::payload::OptionalId { id: Some(id) }),
        context: Map::new(),
        properties: Map::new(),
        events: vec![EventPayload {
            id: None,
            event_type: target.event_type,
            properties,
            options: Map::new(),
            context: Map::new(),
            tags: vec![],
        }],
        options: TrackOptions::default(),
    };
    payload.normalize().map_err(malformed)?;
    let req = TrackRequest {
        payload,
        profile_less,
        meta: meta(headers, peer),
        allowed_types: &["webhook"],
        adopt_profile_id: replaced_profile.is_some(),
    };
    tracked(tracker.clone().track_to_end(req).await)
}

async fn collect_post(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path((event_type, source_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let props = webhook_properties(&headers, body).await?;
    let target = Collect {
        event_type,
        source_id,
        session_id: None,
    };
    collect(state, target, props, &headers, peer).await
}

async fn collect_post_session(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path((event_type, source_id, session_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let props = webhook_properties(&headers, body).await?;
    let target = Collect {
        event_type,
        source_id,
        session_id: Some(session_id),
    };
    collect(state, target, props, &headers, peer).await
}

fn query_properties(uri: &axum::http::Uri) -> Map {
    form_fields(uri.query().unwrap_or("").as_bytes())
}

async fn collect_get(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path((event_type, source_id)): Path<(String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = Collect {
        event_type,
        source_id,
        session_id: None,
    };
    collect(state, target, query_properties(&uri), &headers, peer).await
}

/// HEAD is safe: it answers as GET would begin to, and collects nothing (webhook
/// providers probe URLs with it).
async fn collect_head() -> StatusCode {
    StatusCode::OK
}

async fn collect_get_session(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path((event_type, source_id, session_id)): Path<(String, String, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = Collect {
        event_type,
        source_id,
        session_id: Some(session_id),
    };
    collect(state, target, query_properties(&uri), &headers, peer).await
}

async fn healthcheck() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn version() -> Json<Value> {
    Json(Value::String(crate::VERSION.to_string()))
}
