//! The Segment-compatible HTTP bridge (`shared/design/SEGMENT.md`): the routes that the
//! Segment and RudderStack SDKs post to, on the collector port, mapped onto the tracking
//! pipeline. The write key is the id of an event source of type `segment`.
//!
//! Answers follow what SDKs read: exactly 200 `{"success": true}` once the data is on
//! disk; errors are `{"code", "message"}` with 400 for malformed or oversize input (not
//! retried by SDKs), 401 for an unknown key, 5xx only for server faults (retried).

use super::derived_id;
use crate::daemon::collector::CollectorState;
use crate::daemon::http::{self, ApiError, Peer};
use crate::domain::{new_id, Map};
use crate::tracking::payload::{OptionalId, SourceRef};
use crate::tracking::{
    deep_merge, BatchItem, EventPayload, Identity, ItemResult, RequestMeta, TrackOptions,
    TrackRequest, TrackerPayload, TrackingError,
};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::io::Read;
use std::sync::atomic::Ordering;

/// The event source type whose id is a write key.
pub const SOURCE_TYPE: &str = "segment";
/// Largest message, in bytes of JSON.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// Largest request body, after decompression.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;
pub const MAX_BATCH_MESSAGES: usize = 2_500;

/// What a route receives: one message of a type, or a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Track,
    Page,
    Screen,
    Identify,
    Group,
    Alias,
    Batch,
}

impl Kind {
    fn from_type(t: &str) -> Option<Kind> {
        Some(match t.trim().to_ascii_lowercase().as_str() {
            "track" => Kind::Track,
            "page" => Kind::Page,
            "screen" => Kind::Screen,
            "identify" => Kind::Identify,
            "group" => Kind::Group,
            "alias" => Kind::Alias,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Page => "page",
            Kind::Screen => "screen",
            Kind::Identify => "identify",
            Kind::Group => "group",
            Kind::Alias => "alias",
            Kind::Batch => "batch",
        }
    }
}

/// Every POST route and the kind it receives; `/v1/import` and the browser short paths
/// included.
pub const ROUTES: &[(&str, Kind)] = &[
    ("/v1/track", Kind::Track),
    ("/v1/page", Kind::Page),
    ("/v1/screen", Kind::Screen),
    ("/v1/identify", Kind::Identify),
    ("/v1/group", Kind::Group),
    ("/v1/alias", Kind::Alias),
    ("/v1/batch", Kind::Batch),
    ("/v1/import", Kind::Batch),
    ("/v1/t", Kind::Track),
    ("/v1/p", Kind::Page),
    ("/v1/s", Kind::Screen),
    ("/v1/i", Kind::Identify),
    ("/v1/g", Kind::Group),
    ("/v1/a", Kind::Alias),
    ("/v1/b", Kind::Batch),
];

/// The Segment routes, to merge into the collector's router.
pub fn routes() -> Router<CollectorState> {
    let mut router = Router::new();
    for &(path, kind) in ROUTES {
        router = router.route(
            path,
            post(
                move |State(state): State<CollectorState>,
                      Peer(peer): Peer,
                      uri: Uri,
                      headers: HeaderMap,
                      body: Result<Bytes, BytesRejection>| async move {
                    let received = Utc::now();
                    let meta = RequestMeta {
                        ip: http::client_ip(&headers, peer),
                        user_agent: header(&headers, "user-agent").map(str::to_string),
                        headers: http::storable_headers(&headers),
                    };
                    let req = Incoming {
                        kind,
                        uri: &uri,
                        headers: &headers,
                        meta,
                        received,
                    };
                    match handle(&state, req, body).await {
                        Ok(()) => success(),
                        Err(e) => {
                            state
                                .segment
                                .set_error(format!("{}: {}", e.code, e.message));
                            e.into_response()
                        }
                    }
                },
            ),
        );
    }
    router
        .route("/v1/projects/{write_key}/settings", get(settings))
        // A gzipped body is never much larger than what it holds; the decompressed
        // limit is checked while decompressing.
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES + 64 * 1024))
}

fn success() -> Response {
    (StatusCode::OK, Json(json!({"success": true}))).into_response()
}

/// An error answer `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (a tenant over its rate limit).
    pub retry_after: Option<u64>,
}

impl SegmentError {
    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_write_key",
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for SegmentError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            Json(json!({"code": self.code, "message": self.message})),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
        }
        resp
    }
}

/// A tenant refused (suspended, over its rate limit, unknown) or a storage error,
/// in the bridge's error shape.
impl From<ApiError> for SegmentError {
    fn from(e: ApiError) -> Self {
        SegmentError {
            status: e.code.status(),
            code: e.code.as_str(),
            message: e.message,
            retry_after: e.retry_after,
        }
    }
}

impl From<TrackingError> for SegmentError {
    fn from(e: TrackingError) -> Self {
        match e {
            TrackingError::Unauthorized(m) => SegmentError::unauthorized(m),
            TrackingError::Malformed(p) => SegmentError::bad("invalid_message", p.to_string()),
            TrackingError::Invalid(r) => SegmentError::bad("validation_failed", r.to_string()),
            TrackingError::Store(s) => {
                tracing::error!(error = %s, "storage error in the Segment bridge");
                SegmentError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "storage_unavailable",
                    message: format!("storage error: {s}"),
                    retry_after: None,
                }
            }
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The decoded body: gunzipped when `Content-Encoding` says gzip, never more than
/// `limit` bytes (decompression stops past it, so a gzip bomb costs nothing).
pub fn decode_body(
    headers: &HeaderMap,
    body: &[u8],
    limit: usize,
) -> Result<Vec<u8>, SegmentError> {
    let too_large = || {
        SegmentError::bad(
            "payload_too_large",
            format!("request body is larger than {limit} bytes (after decompression)"),
        )
    };
    let encoding = header(headers, "content-encoding")
        .unwrap_or("identity")
        .to_ascii_lowercase();
    match encoding.as_str() {
        "identity" => {
            if body.len() > limit {
                return Err(too_large());
            }
            Ok(body.to_vec())
        }
        "gzip" | "x-gzip" => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit + 1));
            flate2::read::MultiGzDecoder::new(body)
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    SegmentError::bad("invalid_body", format!("body is not valid gzip: {e}"))
                })?;
            if out.len() > limit {
                return Err(too_large());
            }
            Ok(out)
        }
        other => Err(SegmentError::bad(
            "invalid_body",
            format!("unsupported Content-Encoding `{other}` (use gzip or none)"),
        )),
    }
}

/// The write key from, in order: HTTP Basic user name (trailing colon or not),
/// `X-Write-Key`, `?writekey=` (any case); the body's `writeKey` is the caller's last
/// resort.
pub fn header_write_key(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(auth) = header(headers, "authorization") {
        let (scheme, rest) = auth.split_once(' ').unwrap_or((auth, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some(d) = decoded {
                let user = d.split_once(':').map(|(u, _)| u).unwrap_or(&d).trim();
                if !user.is_empty() {
                    return Some(user.to_string());
                }
            }
        }
    }
    if let Some(k) = header(headers, "x-write-key") {
        return Some(k.to_string());
    }
    uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, v)| k.eq_ignore_ascii_case("writekey") && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    })
}

struct Incoming<'a> {
    kind: Kind,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    meta: RequestMeta,
    received: DateTime<Utc>,
}

#[derive(Deserialize)]
struct BatchBody<'a> {
    #[serde(default, borrow)]
    batch: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default, rename = "writeKey")]
    write_key: Option<Value>,
    #[serde(default, rename = "sentAt")]
    sent_at: Option<Value>,
}

/// What a batch gives each of its messages.
#[derive(Debug, Clone, Default)]
pub struct BatchDefaults {
    pub context: Map,
    pub sent_at: Option<DateTime<Utc>>,
}

fn json_error(e: serde_json::Error) -> SegmentError {
    SegmentError::bad("invalid_json", format!("body is not valid JSON: {e}"))
}

/// The messages of a request, what its batch gives them, and its write key.
type Messages = (Vec<Map>, BatchDefaults, String);

async fn handle(
    state: &CollectorState,
    req: Incoming<'_>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(), SegmentError> {
    let stats = &state.segment;
    let (messages, defaults, write_key) = match read(&req, body) {
        Ok(r) => r,
        Err(e) => {
            // Refused as a whole before its messages could be counted: one rejection.
            stats.received.fetch_add(1, Ordering::Relaxed);
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(e);
        }
    };
    stats
        .received
        .fetch_add(messages.len() as u64, Ordering::Relaxed);
    // The tenant's tracker, once its state and rate limit allow the request.
    let tracker = &state
        .tracker_for(req.headers, &write_key, messages.len())
        .await?;
    if let Err(e) = tracker.check_source(&write_key, &[SOURCE_TYPE]).await {
        if !matches!(e, TrackingError::Store(_)) {
            stats
                .rejected
                .fetch_add(messages.len() as u64, Ordering::Relaxed);
        }
        return Err(e.into());
    }
    process(state, tracker, &req, messages, &defaults, &write_key).await
}

fn read(req: &Incoming<'_>, body: Result<Bytes, BytesRejection>) -> Result<Messages, SegmentError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            SegmentError::bad(
                "payload_too_large",
                format!("request body is larger than {MAX_BATCH_BYTES} bytes"),
            )
        } else {
            SegmentError::bad("invalid_body", format!("cannot read request body: {r}"))
        }
    })?;
    let body = decode_body(req.headers, &body, MAX_BATCH_BYTES)?;
    if let Some(why) = crate::domain::nesting::refused(&body) {
        return Err(SegmentError::bad("invalid_body", why));
    }
    // JSON whatever the Content-Type says: SDKs label it text/plain or even as a form.
    let (messages, defaults, body_key): (Vec<Map>, BatchDefaults, Option<String>) =
        if req.kind == Kind::Batch {
            let parsed: BatchBody = serde_json::from_slice(&body).map_err(json_error)?;
            let batch = parsed
                .batch
                .ok_or_else(|| SegmentError::bad("invalid_body", "`batch` (a list) is required"))?;
            if batch.len() > MAX_BATCH_MESSAGES {
                return Err(SegmentError::bad(
                    "too_many_messages",
                    format!(
                        "a batch holds at most {MAX_BATCH_MESSAGES} messages, not {}",
                        batch.len()
                    ),
                ));
            }
            let mut messages = Vec::with_capacity(batch.len());
            for (i, raw) in batch.iter().enumerate() {
                check_message_size(raw.get().len(), Some(i))?;
                messages.push(match serde_json::from_str::<Value>(raw.get()) {
                    Ok(Value::Object(m)) => m,
                    // Rejected later, one message only.
                    _ => Map::new(),
                });
            }
            let defaults = BatchDefaults {
                context: match parsed.context {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                },
                sent_at: parsed.sent_at.as_ref().and_then(parse_time),
            };
            (messages, defaults, string_of(parsed.write_key.as_ref()))
        } else {
            check_message_size(body.len(), None)?;
            let message = match serde_json::from_slice::<Value>(&body).map_err(json_error)? {
                Value::Object(m) => m,
                _ => {
                    return Err(SegmentError::bad(
                        "invalid_body",
                        "body must be a JSON object",
                    ))
                }
            };
            let key = string_of(message.get("writeKey"));
            (vec![message], BatchDefaults::default(), key)
        };
    let write_key = header_write_key(req.headers, req.uri)
        .or(body_key)
        .ok_or_else(|| {
            SegmentError::unauthorized(
                "no write key: send it as the Basic auth user name, X-Write-Key, ?writekey= or `writeKey` in the body",
            )
        })?;
    Ok((messages, defaults, write_key))
}

/// Maps every message, runs the batch through the pipeline at once, flushes once.
async fn process(
    state: &CollectorState,
    tracker: &std::sync::Arc<crate::tracking::Tracker>,
    req: &Incoming<'_>,
    messages: Vec<Map>,
    defaults: &BatchDefaults,
    write_key: &str,
) -> Result<(), SegmentError> {
    let stats = &state.segment;
    // Map every message, then run the batch through the pipeline at once.
    let mut rejected = Vec::new();
    let mut items = Vec::with_capacity(messages.len());
    let mut positions = Vec::with_capacity(messages.len());
    for (i, message) in messages.iter().enumerate() {
        let kind = if req.kind == Kind::Batch {
            match message
                .get("type")
                .and_then(Value::as_str)
                .and_then(Kind::from_type)
            {
                Some(k) => k,
                None => {
                    rejected.push(format!(
                        "batch[{i}]: `type` must be one of track, page, screen, identify, group, alias"
                    ));
                    continue;
                }
            }
        } else {
            req.kind
        };
        match prepare(kind, message, defaults, write_key, req.received, &req.meta) {
            Ok(p) => {
                items.push(BatchItem {
                    request: p.request,
                    identity: Some(p.identity),
                });
                positions.push(i);
            }
            Err(reason) => rejected.push(if req.kind == Kind::Batch {
                format!("batch[{i}]: {reason}")
            } else {
                reason
            }),
        }
    }
    let results = tracker
        .track_batch_pending(items)
        .await
        .map_err(TrackingError::from)?;
    let (mut stored, mut duplicates) = (0u64, 0u64);
    for (result, i) in results.into_iter().zip(positions) {
        match result {
            ItemResult::Stored => stored += 1,
            ItemResult::Duplicate => duplicates += 1,
            ItemResult::Rejected(e) => rejected.push(format!("batch[{i}]: {e}")),
        }
    }
    tracker
        .store()
        .durable()
        .await
        .map_err(TrackingError::from)?;
    stats.stored.fetch_add(stored, Ordering::Relaxed);
    stats.duplicates.fetch_add(duplicates, Ordering::Relaxed);
    if let Some(first) = rejected.first() {
        stats
            .rejected
            .fetch_add(rejected.len() as u64, Ordering::Relaxed);
        stats.set_error(first.clone());
    }
    if req.kind != Kind::Batch {
        if let Some(reason) = rejected.into_iter().next() {
            return Err(SegmentError::bad("invalid_message", reason));
        }
    } else if !rejected.is_empty() {
        tracing::warn!(
            rejected = rejected.len(),
            first = %rejected[0],
            "Segment batch: messages rejected, the rest stored"
        );
    }
    Ok(())
}

fn check_message_size(len: usize, index: Option<usize>) -> Result<(), SegmentError> {
    if len > MAX_MESSAGE_BYTES {
        let which = index
            .map(|i| format!("batch[{i}]"))
            .unwrap_or("message".into());
        return Err(SegmentError::bad(
            "message_too_large",
            format!("{which} is {len} bytes; a message may be at most {MAX_MESSAGE_BYTES}"),
        ));
    }
    Ok(())
}

/// A string id as SDKs send it: a non-empty string or a number; `null` is absent.
fn string_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id_field(m: &Map, key: &str) -> Result<Option<String>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ (Value::String(_) | Value::Number(_))) => Ok(string_of(Some(v))),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn map_field(m: &Map, key: &str) -> Result<Map, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(format!("`{key}` must be an object")),
    }
}

/// ISO 8601 (with or without an offset; none means UTC) or milliseconds since 1970.
pub fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|n| n.and_utc())
                })
        }
        Value::Number(n) => n
            .as_i64()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        _ => None,
    }
}

/// When a message happened, corrected for the sender's clock:
/// `receivedAt − (sentAt − timestamp)`. Without `sentAt` the timestamp is taken as is
/// (imports of history); without a timestamp, the time it arrived.
pub fn corrected_time(
    message: &Map,
    batch_sent_at: Option<DateTime<Utc>>,
    received: DateTime<Utc>,
) -> DateTime<Utc> {
    let client = message
        .get("originalTimestamp")
        .and_then(parse_time)
        .or_else(|| message.get("timestamp").and_then(parse_time));
    let sent = message.get("sentAt").and_then(parse_time).or(batch_sent_at);
    let corrected = match (client, sent) {
        (Some(t), Some(sent)) => received.checked_sub_signed(sent - t),
        (Some(t), None) => Some(t),
        (None, _) => None,
    };
    // Not before 1970 nor more than a day after it arrived: outside that the sender's
    // clocks are wrong, not merely skewed, and such dates break most consumers.
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    match corrected {
        Some(t) if t >= earliest && t <= received + chrono::Duration::days(1) => t,
        _ => received,
    }
}

/// A message ready for the pipeline.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub request: TrackRequest,
    pub identity: Identity,
    /// Derived from the write key and `messageId`: a resend has the same id.
    pub event_id: String,
}

/// Maps one Segment message onto a TrackerPayload and an [`Identity`]; the error is why
/// the message is rejected.
pub fn prepare(
    kind: Kind,
    message: &Map,
    defaults: &BatchDefaults,
    write_key: &str,
    received: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<Prepared, String> {
    let user_id = id_field(message, "userId")?;
    let anonymous_id = id_field(message, "anonymousId")?;
    let message_id = id_field(message, "messageId")?;
    let mut context = defaults.context.clone();
    deep_merge(&mut context, &map_field(message, "context")?);
    let properties = map_field(message, "properties")?;
    let mut traits = map_field(message, "traits")?;

    let mut lookup = Vec::new();
    let mut add_ids = Vec::new();
    let (event_type, event_properties, profile_traits) = match kind {
        Kind::Track => {
            let event =
                id_field(message, "event")?.ok_or("`event` (the event name) is required")?;
            (event, properties, Map::new())
        }
        Kind::Page | Kind::Screen => {
            let mut props = properties;
            for key in ["name", "category"] {
                if let Some(v) = id_field(message, key)? {
                    props.entry(key).or_insert(Value::String(v));
                }
            }
            let t = if kind == Kind::Page {
                "page-view"
            } else {
                "screen-view"
            };
            (t.to_string(), props, Map::new())
        }
        Kind::Identify => {
            if traits.is_empty() {
                // One SDK sends identify traits only in the context.
                if let Some(Value::Object(t)) = context.get("traits") {
                    traits = t.clone();
                }
            }
            ("identify".to_string(), traits.clone(), traits.clone())
        }
        Kind::Group => {
            let group = id_field(message, "groupId")?.ok_or("`groupId` is required")?;
            let mut groups = Map::new();
            groups.insert(group.clone(), Value::Object(traits.clone()));
            let mut profile_traits = Map::new();
            profile_traits.insert("groups".into(), Value::Object(groups));
            let props = json!({"groupId": group, "traits": traits});
            let props = props.as_object().cloned().unwrap_or_default();
            ("group".to_string(), props, profile_traits)
        }
        Kind::Alias => {
            let previous = id_field(message, "previousId")?.ok_or("`previousId` is required")?;
            let user = user_id.clone().ok_or("`userId` is required")?;
            lookup.push(user.clone());
            lookup.push(previous.clone());
            add_ids.push(previous.clone());
            let props = json!({"previousId": previous, "userId": user});
            let props = props.as_object().cloned().unwrap_or_default();
            ("alias".to_string(), props, Map::new())
        }
        Kind::Batch => return Err("a batch cannot hold a batch".into()),
    };
    if user_id.is_none() && anonymous_id.is_none() {
        return Err("either `userId` or `anonymousId` is required".into());
    }
    // A known user id wins over the anonymous id.
    for id in [&user_id, &anonymous_id].into_iter().flatten() {
        if !lookup.contains(id) {
            lookup.push(id.clone());
        }
        if !add_ids.contains(id) {
            add_ids.push(id.clone());
        }
    }
    let person = anonymous_id
        .as_deref()
        .or(user_id.as_deref())
        .unwrap_or_default();
    let event_time = corrected_time(message, defaults.sent_at, received);

    // Segment's campaign is Tracardi's UTM.
    if !context.contains_key("utm") {
        if let Some(Value::Object(c)) = context.get("campaign") {
            let mut utm = c.clone();
            if let Some(name) = utm.remove("name") {
                utm.entry("campaign").or_insert(name);
            }
            context.insert("utm".into(), Value::Object(utm));
        }
    }
    let session_key = match context.get("sessionId") {
        Some(v @ (Value::String(_) | Value::Number(_))) => string_of(Some(v)),
        _ => None,
    }
    .unwrap_or_else(|| received.format("%Y-%m-%d").to_string());
    let session_id = derived_id(&["segment-session", write_key, person, &session_key]);
    let event_id = match &message_id {
        Some(m) => derived_id(&["segment-event", write_key, m]),
        None => new_id(),
    };

    let mut segment = Map::new();
    segment.insert("type".into(), kind.name().into());
    for key in [
        "messageId",
        "userId",
        "anonymousId",
        "channel",
        "integrations",
        "originalTimestamp",
        "timestamp",
        "sentAt",
    ] {
        if let Some(v) = message.get(key).filter(|v| !v.is_null()) {
            segment.insert(key.into(), v.clone());
        }
    }
    segment.insert("receivedAt".into(), json!(received));
    let mut event_context = Map::new();
    event_context.insert("segment".into(), Value::Object(segment));

    let mut meta = meta.clone();
    if let Some(ua) = context.get("userAgent").and_then(Value::as_str) {
        meta.user_agent = Some(ua.to_string());
    }
    if let Some(ip) = context.get("ip").and_then(Value::as_str) {
        meta.ip = Some(ip.to_string());
    }
    let email = traits
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_string);
    let phone = string_of(traits.get("phone"));
    let mut payload = TrackerPayload {
        source: SourceRef {
            id: write_key.to_string(),
        },
        session: Some(OptionalId {
            id: Some(session_id),
        }),
        profile: None,
        context,
        properties: Map::new(),
        events: vec![EventPayload {
            id: Some(event_id.clone()),
            event_type,
            properties: event_properties,
            options: Map::new(),
            context: event_context,
            tags: vec![],
        }],
        options: TrackOptions::default(),
    };
    payload.normalize().map_err(|e| e.to_string())?;
    let identity = Identity {
        lookup,
        new_profile_id: derived_id(&["segment-profile", person]),
        add_ids,
        claim_ids: user_id.is_some(),
        traits: profile_traits,
        email: if kind == Kind::Identify { email } else { None },
        phone: if kind == Kind::Identify { phone } else { None },
        user_id,
        event_time: Some(event_time),
    };
    Ok(Prepared {
        request: TrackRequest {
            payload,
            profile_less: false,
            meta,
            allowed_types: &[SOURCE_TYPE],
            adopt_profile_id: false,
        },
        identity,
        event_id,
    })
}

/// `GET /v1/projects/{writeKey}/settings`: the minimal settings document the browser
/// library fetches at load, pointing it back at this host.
async fn settings(
    State(state): State<CollectorState>,
    Path(write_key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let write_key = write_key.trim().to_string();
    let tracker = match state.tracker_for(&headers, &write_key, 0).await {
        Ok(t) => t,
        Err(e) => return SegmentError::from(e).into_response(),
    };
    if let Err(e) = tracker.check_source(&write_key, &[SOURCE_TYPE]).await {
        return SegmentError::from(e).into_response();
    }
    // A proxy chain lists hosts and protocols comma-separated, the client's first.
    let first = |name: &str| {
        header(&headers, name)
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = first("x-forwarded-host")
        .or_else(|| first("host"))
        .unwrap_or("localhost");
    let protocol = match first("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let doc = json!({
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": format!("{host}/v1"),
                "protocol": protocol,
                "unbundledIntegrations": [],
                "addBundledMetadata": false,
            }
        },
        "plan": {
            "track": {"__default": {"enabled": true, "integrations": {}}},
            "identify": {"__default": {"enabled": true}},
            "group": {"__default": {"enabled": true}},
        },
        "edgeFunction": {},
        "analyticsNextEnabled": true,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0},
        "legacyVideoPluginsEnabled": false,
        "remotePlugins": [],
    });
    (StatusCode::OK, Json(doc)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn obj(v: Value) -> Map {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn clock_skew_is_corrected() {
        let received = Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap();
        // The sender's clock is an hour fast: it sent at 13:00 what happened at 12:59.
        let m =
            obj(json!({"timestamp": "2024-01-01T12:59:00Z", "sentAt": "2024-01-01T13:00:00.000Z"}));
        assert_eq!(
            corrected_time(&m, None, received),
            received - Duration::minutes(1)
        );
        let m = obj(json!({"originalTimestamp": "2024-01-01T12:59:00Z"}));
        let batch_sent = parse_time(&json!("2024-01-01T13:00:00Z"));
        assert_eq!(
            corrected_time(&m, batch_sent, received),
            received - Duration::minutes(1)
        );
        let m = obj(json!({"timestamp": "2020-05-05T00:00:00Z"}));
        assert_eq!(
            corrected_time(&m, None, received),
            Utc.with_ymd_and_hms(2020, 5, 5, 0, 0, 0).unwrap(),
            "history without sentAt is kept"
        );
        assert_eq!(corrected_time(&Map::new(), None, received), received);
        assert_eq!(
            corrected_time(&obj(json!({"timestamp": "garbage"})), None, received),
            received
        );
        // Clocks that are wrong, not skewed: the time it arrived.
        for m in [
            json!({"originalTimestamp": "0001-01-01T00:00:00Z", "sentAt": "9999-12-31T23:59:59Z"}),
            json!({"originalTimestamp": "9999-12-31T23:59:59Z", "sentAt": "0001-01-01T00:00:00Z"}),
            json!({"timestamp": "1969-12-31T23:59:59Z"}),
            json!({"timestamp": "2024-01-03T12:00:00Z"}),
        ] {
            assert_eq!(
                corrected_time(&obj(m.clone()), None, received),
                received,
                "{m}"
            );
        }
    }

    #[test]
    fn write_key_forms() {
        let uri: Uri = "/v1/batch".parse().unwrap();
        let mut h = HeaderMap::new();
        for auth in ["a2V5MTo=", "a2V5MQ=="] {
            // "key1:" and "key1"
            h.insert("authorization", format!("Basic {auth}").parse().unwrap());
            assert_eq!(header_write_key(&h, &uri).as_deref(), Some("key1"));
        }
        let mut h = HeaderMap::new();
        h.insert("x-write-key", "key2".parse().unwrap());
        assert_eq!(header_write_key(&h, &uri).as_deref(), Some("key2"));
        let uri: Uri = "/v1/batch?writeKey=key3".parse().unwrap();
        assert_eq!(
            header_write_key(&HeaderMap::new(), &uri).as_deref(),
            Some("key3")
        );
        let uri: Uri = "/v1/batch".parse().unwrap();
        assert_eq!(header_write_key(&HeaderMap::new(), &uri), None);
    }

    #[test]
    fn mapping_of_each_type() {
        let now = Utc::now();
        let d = BatchDefaults {
            context: obj(json!({"library": {"name": "analytics-node"}, "locale": "en"})),
            sent_at: None,
        };
        let meta = RequestMeta::default();
        let p = prepare(
            Kind::Track,
            &obj(json!({"event": "Order Completed", "userId": 42, "anonymousId": null,
                        "properties": {"total": 3}, "context": {"locale": "pl"}, "messageId": "m1"})),
            &d,
            "wk",
            now,
            &meta,
        )
        .unwrap();
        let ev = &p.request.payload.events[0];
        assert_eq!(ev.event_type, "Order Completed");
        assert_eq!(ev.properties["total"], 3);
        assert_eq!(p.request.payload.context["locale"], "pl");
        assert_eq!(
            p.request.payload.context["library"]["name"],
            "analytics-node"
        );
        assert_eq!(p.identity.lookup, ["42"]);
        assert_eq!(p.event_id, derived_id(&["segment-event", "wk", "m1"]));

        let p = prepare(
            Kind::Identify,
            &obj(json!({"anonymousId": "a1", "userId": "u1",
                        "context": {"traits": {"email": "x@y.io", "phone": "+48 1"}}})),
            &d,
            "wk",
            now,
            &meta,
        )
        .unwrap();
        assert_eq!(p.identity.lookup, ["u1", "a1"]);
        assert_eq!(p.identity.email.as_deref(), Some("x@y.io"));
        assert_eq!(p.identity.phone.as_deref(), Some("+48 1"));
        assert_eq!(p.identity.traits["email"], "x@y.io");
        assert_eq!(p.request.payload.events[0].event_type, "identify");

        let p = prepare(
            Kind::Group,
            &obj(json!({"anonymousId": "a1", "groupId": "g1", "traits": {"name": "ACME"}})),
            &d,
            "wk",
            now,
            &meta,
        )
        .unwrap();
        assert_eq!(p.identity.traits["groups"]["g1"]["name"], "ACME");

        let p = prepare(
            Kind::Alias,
            &obj(json!({"previousId": "a1", "userId": "u1"})),
            &d,
            "wk",
            now,
            &meta,
        )
        .unwrap();
        assert_eq!(p.identity.lookup, ["u1", "a1"]);
        assert!(p.identity.claim_ids);

        let p = prepare(
            Kind::Page,
            &obj(json!({"anonymousId": "a", "name": "Home"})),
            &d,
            "wk",
            now,
            &meta,
        )
        .unwrap();
        assert_eq!(p.request.payload.events[0].event_type, "page-view");
        assert_eq!(p.request.payload.events[0].properties["name"], "Home");

        for bad in [
            json!({"event": "x"}),
            json!({"event": "x", "userId": {"a": 1}}),
            json!({"userId": "u"}),
            json!({"event": "x", "userId": "u", "properties": 3}),
        ] {
            assert!(
                prepare(Kind::Track, &obj(bad.clone()), &d, "wk", now, &meta).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn gzip_bomb_stops_at_the_limit() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            enc.write_all(&zeros).unwrap();
        }
        let bomb = enc.finish().unwrap();
        assert!(bomb.len() < 200 * 1024);
        let mut h = HeaderMap::new();
        h.insert("content-encoding", "gzip".parse().unwrap());
        let e = decode_body(&h, &bomb, MAX_BATCH_BYTES).unwrap_err();
        assert_eq!(e.code, "payload_too_large");
    }
}
