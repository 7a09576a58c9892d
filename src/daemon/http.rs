//! Shared HTTP plumbing: the closed set of error codes and their JSON bodies, request
//! timing, timeouts, panics turned into 500s, and client addresses.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Every error an API answers with: a stable code, its HTTP status, and a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidEventSource,
    EventSourceDisabled,
    BotRefused,
    MalformedPayload,
    ValidationFailed,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    /// Private API: no token, or an unknown, expired or revoked one.
    Unauthenticated,
    /// Private API: a valid token whose roles do not allow the route, or a wrong
    /// installation token.
    Forbidden,
    /// Private API: wrong user name or password.
    BadCredentials,
    /// Private API: a request that cannot be understood (bad header, bad query).
    BadRequest,
    /// Private API: a configuration document failed validation; the message names the field.
    InvalidConfiguration,
    /// Private API: the request conflicts with what is stored.
    Conflict,
    RequestTimeout,
    StorageUnavailable,
    Internal,
    /// The tenant is suspended: its collection and its API tokens are refused.
    TenantSuspended,
    /// The tenant's collection rate limit is spent; `Retry-After` says when to retry.
    RateLimited,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidEventSource
            | ErrorCode::EventSourceDisabled
            | ErrorCode::BotRefused => StatusCode::UNAUTHORIZED,
            ErrorCode::MalformedPayload => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed => StatusCode::NOT_ACCEPTABLE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::BadCredentials | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidConfiguration => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TenantSuspended => StatusCode::FORBIDDEN,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidEventSource => "invalid_event_source",
            ErrorCode::EventSourceDisabled => "event_source_disabled",
            ErrorCode::BotRefused => "bot_refused",
            ErrorCode::MalformedPayload => "malformed_payload",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidConfiguration => "invalid_configuration",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::TenantSuspended => "tenant_suspended",
            ErrorCode::RateLimited => "rate_limited",
        }
    }

    /// Every code, for metrics and documentation.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidEventSource,
        ErrorCode::EventSourceDisabled,
        ErrorCode::BotRefused,
        ErrorCode::MalformedPayload,
        ErrorCode::ValidationFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::BadCredentials,
        ErrorCode::BadRequest,
        ErrorCode::InvalidConfiguration,
        ErrorCode::Conflict,
        ErrorCode::RequestTimeout,
        ErrorCode::StorageUnavailable,
        ErrorCode::Internal,
        ErrorCode::TenantSuspended,
        ErrorCode::RateLimited,
    ];

    pub fn kind(self) -> &'static str {
        match self.status().as_u16() {
            401 | 403 => "auth",
            500..=599 => "system",
            _ => "invalid_request",
        }
    }
}

/// An error answer: `{"detail", "message", "code", "type"}`. `detail` is what Tracardi's
/// clients read; the others follow the house error shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "detail": self.message,
            "message": self.message,
            "code": self.code.as_str(),
            "type": self.code.kind(),
        });
        let mut resp = (self.code.status(), Json(body)).into_response();
        // Lets the metrics layer count errors by code.
        resp.extensions_mut().insert(self.code);
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        resp
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "storage error");
        let mut err = ApiError::new(ErrorCode::StorageUnavailable, format!("storage error: {e}"));
        err.retry_after = Some(1);
        err
    }
}

/// Adds `X-Process-Time` (seconds) to every response.
pub async fn process_time(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    if let Ok(v) = HeaderValue::from_str(&format!("{secs:.6}")) {
        resp.headers_mut().insert("x-process-time", v);
    }
    resp
}

/// Answers 413 at once to a request that declares a body over `limit` bytes (the
/// state), instead of reading (or waiting for) a body that would be refused.
pub async fn refuse_declared_length(
    axum::extract::State(limit): axum::extract::State<usize>,
    req: Request,
    next: Next,
) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body of {n} bytes is larger than the {limit} bytes accepted"),
        )
        .into_response(),
        _ => next.run(req).await,
    }
}

/// Answers 408 with a JSON body when a request takes longer than the limit.
pub fn timeout_layer(
    limit: Duration,
) -> impl Fn(Request, Next) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>
       + Clone
       + Send
       + Sync
       + 'static {
    move |req: Request, next: Next| {
        Box::pin(async move {
            match tokio::time::timeout(limit, next.run(req)).await {
                Ok(resp) => resp,
                Err(_) => ApiError::new(
                    ErrorCode::RequestTimeout,
                    format!("request took longer than {}s", limit.as_secs()),
                )
                .into_response(),
            }
        })
    }
}

pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("request handler panicked");
    ApiError::new(ErrorCode::Internal, "internal error").into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route",
    )
}

/// The client address: the first `X-Forwarded-For` entry when a proxy set one, else the
/// peer address.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<String> {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| peer.map(|p| p.ip().to_string()))
}

/// Request headers as stored on events: names lower-case, credentials removed.
pub fn storable_headers(headers: &HeaderMap) -> crate::domain::Map {
    let mut m = crate::domain::Map::new();
    for (name, value) in headers {
        let n = name.as_str();
        // Credentials, among them a Segment write key sent as a header.
        if matches!(
            n,
            "authorization" | "cookie" | "proxy-authorization" | "x-write-key"
        ) {
            continue;
        }
        if let Ok(v) = value.to_str() {
            m.insert(n.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    m
}

/// The peer address of the connection, when the server records it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_headers_hold_no_credentials() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("authorization", "Basic a2V5Og=="),
            ("cookie", "s=1"),
            ("proxy-authorization", "x"),
            ("x-write-key", "key"),
            ("user-agent", "ua"),
        ] {
            h.insert(k, v.parse().unwrap());
        }
        let stored = storable_headers(&h);
        assert_eq!(stored.keys().collect::<Vec<_>>(), vec!["user-agent"]);
    }
}
