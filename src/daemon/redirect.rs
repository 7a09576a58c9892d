//! The collector's `GET /redirect/{redirect_id}[/{session_id}]`: records the event of a
//! configured redirect (kind `event-redirect`), then answers 307 to its URL.

use super::collector::CollectorState;
use super::http::{self, ApiError, ErrorCode, Peer};
use crate::domain::Map;
use crate::tracking::payload::{OptionalId, SourceRef};
use crate::tracking::{EventPayload, RequestMeta, TrackOptions, TrackRequest, TrackerPayload};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tower_http::catch_panic::CatchPanicLayer;

pub const REDIRECT_KIND: &str = "event-redirect";
const SESSION_COOKIE: &str = "tracardi-session-id";

/// Source types a redirect's event may be recorded with (any but internal).
const ALLOWED: &[&str] = &["redirect", "rest", "webhook", "mqtt", "queue", "imap"];

pub fn router(state: CollectorState) -> Router {
    Router::new()
        .route("/redirect/{redirect_id}", get(redirect))
        .route(
            "/redirect/{redirect_id}/{session_id}",
            get(redirect_session),
        )
        .with_state(state)
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn(http::process_time))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

async fn redirect(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = cookie(&headers, SESSION_COOKIE);
    record(state, peer, id, session, &headers).await
}

async fn redirect_session(
    State(state): State<CollectorState>,
    Peer(peer): Peer,
    Path((id, session)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = Some(session.trim().to_string()).filter(|s| !s.is_empty());
    record(state, peer, id, session, &headers).await
}

async fn record(
    state: CollectorState,
    peer: Option<std::net::SocketAddr>,
    id: String,
    session: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let tracker = &state.tracker;
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("Redirect `{id}` not found"));
    let doc = tracker
        .store()
        .config(tracker.scope(), REDIRECT_KIND, id.trim())
        .await?
        .ok_or_else(not_found)?;
    let text = |path: &[&str]| {
        let mut cur = &doc;
        for k in path {
            cur = cur.get(*k)?;
        }
        cur.as_str().map(str::to_string)
    };
    let url = text(&["url"]).ok_or_else(not_found)?;
    let location = HeaderValue::from_str(&url).map_err(|_| {
        ApiError::new(
            ErrorCode::Internal,
            format!("redirect `{id}` has a URL that is not a valid header value"),
        )
    })?;
    let source = text(&["source", "id"]).unwrap_or_default();
    let event_type = text(&["event_type"]).unwrap_or_else(|| "redirect".into());
    let properties = match doc.get("props") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let tags = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let profile_less = session.is_none();
    let mut payload = TrackerPayload {
        source: SourceRef { id: source },
        session: session.map(|s| OptionalId { id: Some(s) }),
        profile: None,
        context: Map::new(),
        properties: Map::new(),
        events: vec![EventPayload {
            id: None,
            event_type,
            properties,
            options: Map::new(),
            context: Map::new(),
            tags,
        }],
        options: TrackOptions::default(),
    };
    payload
        .normalize()
        .map_err(|e| ApiError::new(ErrorCode::MalformedPayload, e.to_string()))?;
    let req = TrackRequest {
        payload,
        profile_less,
        meta: RequestMeta {
            ip: http::client_ip(headers, peer),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            headers: http::storable_headers(headers),
        },
        allowed_types: ALLOWED,
        adopt_profile_id: false,
    };
    tracker.clone().track_to_end(req).await?;
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response())
}
