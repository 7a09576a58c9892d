//! What the message-broker bridges (MQTT, AMQP) share: turning one broker message into
//! pipeline work, and the state and counters `tracardictl status` prints.

use super::derived_id;
use crate::domain::Map;
use crate::store::StoreError;
use crate::tracking::{
    BatchItem, EventPayload, ItemResult, RequestMeta, TrackOptions, TrackRequest, Tracker,
    TrackerPayload, TrackingError,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Source types a broker bridge may feed.
pub const BROKER_SOURCE_TYPES: &[&str] = &["mqtt", "queue"];

/// The largest message body a broker bridge takes (MQTT and AMQP alike); a larger one
/// is dead-lettered with the reason.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Why a message over [`MAX_MESSAGE_BYTES`] is dead-lettered, or `None` when it is not.
pub fn oversized(len: usize) -> Option<String> {
    (len > MAX_MESSAGE_BYTES)
        .then(|| format!("message larger than {MAX_MESSAGE_BYTES} bytes ({len} bytes)"))
}

/// The TLS files of a broker bridge (`bridges.<name>.ca_file`, `cert_file`, `key_file`;
/// empty: not set).
#[derive(Debug, Clone, Copy)]
pub struct TlsFiles<'a> {
    /// `bridges.mqtt` or `bridges.amqp`: what errors name.
    pub key: &'a str,
    pub ca_file: &'a str,
    pub cert_file: &'a str,
    pub key_file: &'a str,
}

impl TlsFiles<'_> {
    fn any_set(&self) -> bool {
        !(self.ca_file.trim().is_empty()
            && self.cert_file.trim().is_empty()
            && self.key_file.trim().is_empty())
    }
}

/// The rustls client configuration of a bridge whose URL asks for TLS (`tls`), or
/// `None` for a plain connection. The server is always verified: against the
/// certificates of `ca_file` (PEM) when it is set, else against the bundled Mozilla
/// roots. `cert_file` and `key_file` (PEM, both or neither) are a client certificate.
/// Errors name the key and the file; TLS files with a plain URL are an error too (the
/// user meant TLS and would get none).
pub fn tls_client_config(
    files: TlsFiles<'_>,
    tls: bool,
) -> Result<Option<std::sync::Arc<rustls::ClientConfig>>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let key = files.key;
    if !tls {
        if files.any_set() {
            return Err(format!(
                "{key}.ca_file, cert_file and key_file are for TLS, but {key}.url is not a \
                 TLS URL: use {} (or leave the files empty)",
                if key.ends_with("mqtt") {
                    "mqtts://host[:port]"
                } else {
                    "amqps://user:password@host[:port]/vhost"
                }
            ));
        }
        return Ok(None);
    }
    let read = |name: &str, path: &str| {
        std::fs::read(path).map_err(|e| format!("{key}.{name} `{path}`: cannot read it: {e}"))
    };
    let certs = |name: &str, path: &str| -> Result<Vec<CertificateDer<'static>>, String> {
        let pem = read(name, path)?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{key}.{name} `{path}`: not valid PEM: {e}"))?;
        if certs.is_empty() {
            return Err(format!(
                "{key}.{name} `{path}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ));
        }
        Ok(certs)
    };
    let mut roots = rustls::RootCertStore::empty();
    let ca_file = files.ca_file.trim();
    if ca_file.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        let (added, _) = roots.add_parsable_certificates(certs("ca_file", ca_file)?);
        if added == 0 {
            return Err(format!(
                "{key}.ca_file `{ca_file}` holds no usable CA certificate"
            ));
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("{key}: TLS setup: {e}"))?
        .with_root_certificates(roots);
    let (cert_file, key_file) = (files.cert_file.trim(), files.key_file.trim());
    let config = match (cert_file.is_empty(), key_file.is_empty()) {
        (true, true) => builder.with_no_client_auth(),
        (false, false) => {
            let chain = certs("cert_file", cert_file)?;
            let pem = read("key_file", key_file)?;
            let private = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
                format!("{key}.key_file `{key_file}`: no PEM private key in it: {e}")
            })?;
            builder
                .with_client_auth_cert(chain, private)
                .map_err(|e| {
                    format!("{key}.cert_file and {key}.key_file: not a usable client certificate and key: {e}")
                })?
        }
        _ => {
            return Err(format!(
                "{key}.cert_file and {key}.key_file go together: set both for a client \
                 certificate, or neither"
            ))
        }
    };
    Ok(Some(std::sync::Arc::new(config)))
}

/// A connection error with what to do when it is the broker's certificate that was not
/// accepted (`key` is `bridges.mqtt` or `bridges.amqp`).
pub fn explain_tls_error(error: String, key: &str) -> String {
    if !error.contains("invalid peer certificate") {
        return error;
    }
    let what = if error.contains("UnknownIssuer") || error.contains("unknown issuer") {
        format!(
            "the broker's TLS certificate is not signed by a trusted CA: if the broker uses \
             a private CA, set {key}.ca_file to that CA's certificate (PEM)"
        )
    } else if error.contains("NotValidForName") || error.contains("not valid for name") {
        format!("the broker's TLS certificate does not name the host of {key}.url")
    } else {
        "the broker's TLS certificate was refused".to_string()
    };
    format!("{error} ({what})")
}

/// How a bridge reads its messages.
#[derive(Debug, Clone)]
pub struct MessageSettings {
    /// The event source every message is collected for.
    pub source: String,
    /// `false`: each message is a TrackerPayload. `true`: each message is the properties
    /// of one event of `event_type`.
    pub raw: bool,
    pub event_type: String,
    /// Where the message came from, stored as the event's channel context.
    pub channel: &'static str,
}

/// What became of one message (before the flush).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Stored,
    /// Its events are stored already: a redelivery.
    Duplicate,
    /// Malformed or refused, with the reason: to the dead-letter exchange or topic.
    DeadLetter(String),
}

/// Runs one message through the pipeline without flushing; the caller flushes once per
/// batch, then acknowledges. `key` identifies the message (its broker message id, or a
/// hash of where it came from and what it holds): event ids are derived from it, so a
/// redelivered message is recognised and stores nothing twice.
pub async fn process(
    tracker: &Tracker,
    settings: &MessageSettings,
    key: &str,
    body: &[u8],
) -> Result<Outcome, StoreError> {
    let req = match request(settings, key, body) {
        Ok(r) => r,
        Err(reason) => return Ok(Outcome::DeadLetter(reason)),
    };
    let payload = req.payload;
    if let Some(first) = payload.events.first().and_then(|e| e.id.as_deref()) {
        if tracker
            .store()
            .event(tracker.scope(), first)
            .await?
            .is_some()
        {
            return Ok(Outcome::Duplicate);
        }
    }
    let req = TrackRequest { payload, ..req };
    match tracker.track_pending(req, None).await {
        Ok(_) => Ok(Outcome::Stored),
        Err(TrackingError::Store(e)) => Err(e),
        Err(e) => Ok(Outcome::DeadLetter(e.to_string())),
    }
}

/// Runs a window of messages (`(key, body)`) through the pipeline's batch path without
/// flushing: one outcome per message, in order. The caller flushes once, then
/// acknowledges them all.
pub async fn process_batch(
    tracker: &std::sync::Arc<Tracker>,
    settings: &MessageSettings,
    messages: &[(String, &[u8])],
) -> Result<Vec<Outcome>, StoreError> {
    let mut outcomes: Vec<Option<Outcome>> = messages.iter().map(|_| None).collect();
    let mut items = Vec::with_capacity(messages.len());
    let mut positions = Vec::with_capacity(messages.len());
    for (i, (key, body)) in messages.iter().enumerate() {
        match request(settings, key, body) {
            Ok(request) => {
                items.push(BatchItem {
                    request,
                    identity: None,
                });
                positions.push(i);
            }
            Err(reason) => outcomes[i] = Some(Outcome::DeadLetter(reason)),
        }
    }
    let results = tracker.track_batch_pending(items).await?;
    for (result, i) in results.into_iter().zip(positions) {
        outcomes[i] = Some(match result {
            ItemResult::Stored => Outcome::Stored,
            ItemResult::Duplicate => Outcome::Duplicate,
            ItemResult::Rejected(e) => Outcome::DeadLetter(e.to_string()),
        });
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Duplicate))
        .collect())
}

/// The pipeline request of one message; the error is why it goes to dead letters.
fn request(settings: &MessageSettings, key: &str, body: &[u8]) -> Result<TrackRequest, String> {
    Ok(TrackRequest {
        payload: payload_of(settings, key, body)?,
        profile_less: settings.raw,
        meta: RequestMeta::default(),
        allowed_types: BROKER_SOURCE_TYPES,
        adopt_profile_id: false,
    })
}

fn payload_of(
    settings: &MessageSettings,
    key: &str,
    body: &[u8],
) -> Result<TrackerPayload, String> {
    let mut payload = if settings.raw {
        // A TrackerPayload is checked by `TrackerPayload::from_json`; raw properties here.
        if let Some(why) = crate::domain::nesting::refused(body) {
            return Err(format!("message refused: {why}"));
        }
        let properties = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(other) => one("value", other),
            Err(_) => crate::tracking::payload::raw_properties(body),
        };
        TrackerPayload {
            source: crate::tracking::payload::SourceRef {
                id: settings.source.clone(),
            },
            session: None,
            profile: None,
            context: Map::new(),
            properties: Map::new(),
            events: vec![EventPayload {
                id: None,
                event_type: settings.event_type.clone(),
                properties,
                options: Map::new(),
                context: Map::new(),
                tags: vec![],
            }],
            options: TrackOptions::default(),
        }
    } else {
        // The bridge is bound to one source: a message need not name it.
        let mut doc = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("message is not a JSON object (a TrackerPayload)".into()),
            Err(e) => return Err(format!("message is not valid JSON: {e}")),
        };
        match doc.get("source") {
            None | Some(Value::Null) => {}
            Some(given) => {
                let named = given.get("id").and_then(Value::as_str).map(str::trim);
                if named != Some(settings.source.as_str()) {
                    let shown = match named {
                        Some(id) => format!("`{}`", cut(id, 200)),
                        None => cut(&given.to_string(), 200),
                    };
                    return Err(format!(
                        "message names event source {shown}, but this bridge collects for \
                         `{}` (omit `source` or name that one)",
                        settings.source
                    ));
                }
            }
        }
        doc.insert("source".into(), serde_json::json!({"id": settings.source}));
        let bytes = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
        TrackerPayload::from_json(&bytes).map_err(|e| e.to_string())?
    };
    payload.normalize().map_err(|e| e.to_string())?;
    for (i, e) in payload.events.iter_mut().enumerate() {
        if e.id.is_none() {
            e.id = Some(derived_id(&[
                "bridge-event",
                &settings.source,
                key,
                &i.to_string(),
            ]));
        }
        e.context
            .entry("bridge")
            .or_insert_with(|| Value::String(settings.channel.to_string()));
    }
    Ok(payload)
}

/// At most `max` bytes of `s` (cut at a character boundary, `…` marking the cut).
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn one(key: &str, v: Value) -> Map {
    let mut m = Map::new();
    m.insert(key.into(), v);
    m
}

/// The key of a message without a broker message id: where it came from and what it
/// holds.
pub fn content_key(origin: &str, body: &[u8]) -> String {
    let mut ctx = md5::Context::new();
    ctx.consume(origin.as_bytes());
    ctx.consume([0x1f]);
    ctx.consume(body);
    format!("{:x}", ctx.compute())
}

/// Seconds of one redelivery bucket: a message the broker flags as redelivered is
/// recognised when the same content was stored in this bucket or the one before.
const BUCKET_SECONDS: u64 = 3600;

/// What a message without a broker message id is processed as.
#[derive(Debug, Clone, PartialEq)]
pub enum Keyed {
    /// Process it under this key (event ids are derived from it).
    Key(String),
    /// The broker flags it as redelivered and the same content was stored within the
    /// redelivery window: a resend of a message already stored.
    Resend,
}

/// Keys for messages without a broker message id. Only a message the broker flags as
/// possibly redelivered (AMQP `redelivered`, MQTT DUP) can be a resend: it is one when
/// the same origin and body were stored in the current or the previous hour. Every
/// other message is new, even with the same bytes as an earlier one: it gets the next
/// unused occurrence of its content in the current hour, so a resend of it after a crash
/// finds it stored.
#[derive(Debug, Default)]
pub struct Redeliveries {
    /// The next occurrence to try per content hash, in `bucket`.
    next: HashMap<String, u64>,
    bucket: u64,
}

/// Content hashes remembered at most (the map is only a cache of what the store holds).
const MAX_REMEMBERED: usize = 100_000;

impl Redeliveries {
    /// The key of a message from `origin` holding `body`.
    pub async fn key(
        &mut self,
        tracker: &Tracker,
        source: &str,
        origin: &str,
        body: &[u8],
        redelivered: bool,
    ) -> Result<Keyed, StoreError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.key_in(
            tracker,
            source,
            origin,
            body,
            redelivered,
            now / BUCKET_SECONDS,
        )
        .await
    }

    async fn key_in(
        &mut self,
        tracker: &Tracker,
        source: &str,
        origin: &str,
        body: &[u8],
        redelivered: bool,
        bucket: u64,
    ) -> Result<Keyed, StoreError> {
        let hash = content_key(origin, body);
        if redelivered {
            for b in [bucket, bucket.saturating_sub(1)] {
                if occurrence_stored(tracker, source, &occurrence(&hash, b, 0)).await? {
                    return Ok(Keyed::Resend);
                }
            }
        }
        if bucket != self.bucket {
            self.next.clear();
            self.bucket = bucket;
        }
        let stored = |i: u64| {
            let key = occurrence(&hash, bucket, i);
            async move { occurrence_stored(tracker, source, &key).await }
        };
        let mut i = self.next.get(&hash).copied().unwrap_or(0);
        if stored(i).await? {
            // Occurrences are used in order: gallop to a free one, then search back
            // for the first free one after the last used.
            let (mut used, mut step) = (i, 1u64);
            let mut free = loop {
                let candidate = used.saturating_add(step);
                if !stored(candidate).await? {
                    break candidate;
                }
                used = candidate;
                step = step.saturating_mul(2);
            };
            while free - used > 1 {
                let mid = used + (free - used) / 2;
                if stored(mid).await? {
                    used = mid;
                } else {
                    free = mid;
                }
            }
            i = free;
        }
        self.next.insert(hash.clone(), i + 1);
        Ok(Keyed::Key(occurrence(&hash, bucket, i)))
    }

    /// The message processed under `key` stored nothing (dead-lettered, or found
    /// stored): its occurrence is free again when it was the last one handed out.
    pub fn release(&mut self, key: &str) {
        let mut parts = key.rsplitn(3, '.');
        let (Some(i), Some(bucket), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let (Ok(i), Ok(bucket)) = (i.parse::<u64>(), bucket.parse::<u64>()) else {
            return;
        };
        if bucket == self.bucket && self.next.get(hash) == Some(&(i + 1)) {
            self.next.insert(hash.to_string(), i);
        }
    }

    /// Between batches: forgets the cache when it has grown large (the store still
    /// holds what it caches).
    pub fn end_batch(&mut self) {
        if self.next.len() > MAX_REMEMBERED {
            self.next.clear();
        }
    }
}

fn occurrence(hash: &str, bucket: u64, i: u64) -> String {
    format!("{hash}.{bucket}.{i}")
}

/// Whether the first event of a message keyed `key` is stored.
async fn occurrence_stored(tracker: &Tracker, source: &str, key: &str) -> Result<bool, StoreError> {
    let id = derived_id(&["bridge-event", source, key, "0"]);
    Ok(tracker.store().event(tracker.scope(), &id).await?.is_some())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeState {
    Starting,
    /// An HTTP bridge (Segment) answering on the collector port.
    Serving,
    Connecting,
    Connected,
    /// Waiting before the next connection attempt.
    Backoff,
    Stopped,
}

/// Live counters of one bridge, shared between the bridge and whoever reports on it.
#[derive(Debug)]
pub struct BridgeStats {
    pub name: &'static str,
    pub received: AtomicU64,
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    /// Messages refused with an error answer (the Segment bridge: 4xx, or one message
    /// of a batch). Broker bridges dead-letter what they refuse instead.
    pub rejected: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub connects: AtomicU64,
    state: Mutex<(BridgeState, Option<String>)>,
}

/// A snapshot of a bridge for `tracardictl status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BridgeStatus {
    pub name: String,
    pub state: BridgeState,
    pub received: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub dead_lettered: u64,
    /// Successful connections, the first one included.
    pub connects: u64,
    pub last_error: Option<String>,
}

impl BridgeStats {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            received: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            state: Mutex::new((BridgeState::Starting, None)),
        }
    }

    pub fn set_state(&self, state: BridgeState) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = state;
        }
        if state == BridgeState::Connected {
            self.connects.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn set_error(&self, error: String) {
        if let Ok(mut s) = self.state.lock() {
            s.1 = Some(error);
        }
    }

    pub fn count(&self, outcome: &Outcome) {
        let counter = match outcome {
            Outcome::Stored => &self.stored,
            Outcome::Duplicate => &self.duplicates,
            Outcome::DeadLetter(_) => &self.dead_lettered,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn status(&self) -> BridgeStatus {
        let (state, last_error) = self
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or((BridgeState::Stopped, None));
        BridgeStatus {
            name: self.name.to_string(),
            state,
            received: self.received.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            connects: self.connects.load(Ordering::Relaxed),
            last_error,
        }
    }
}

/// How long a connection must have lasted for its loss to restart the backoff at 0.5 s.
pub const HEALTHY_CONNECTION: Duration = Duration::from_secs(30);

/// Exponential backoff between connection attempts: 0.5 s doubling up to 30 s. It starts
/// over only after a connection that stayed up for [`HEALTHY_CONNECTION`]: a broker
/// that drops the bridge right after accepting it is not hammered every 0.5 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    connected_at: Option<Instant>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: Duration::from_millis(500),
            connected_at: None,
        }
    }
}

impl Backoff {
    /// The wait before the next attempt, after a failed attempt or a lost connection.
    pub fn next_delay(&mut self) -> Duration {
        if let Some(at) = self.connected_at.take() {
            if at.elapsed() >= HEALTHY_CONNECTION {
                self.next = Self::default().next;
            }
        }
        let d = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(30));
        d
    }

    /// A connection was established (the backoff restarts if it stays up).
    pub fn connected(&mut self) {
        self.connected_at = Some(Instant::now());
    }
}

/// Waits `d`, or less when a stop is requested; true when stopping.
pub async fn sleep_or_stop(d: Duration, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        r = stop.wait_for(|s| *s) => {
            drop(r);
            true
        }
    }
}

/// Checks at start that the bridge's source exists, is enabled and of a broker type.
pub async fn check_source(tracker: &Tracker, source: &str) -> anyhow::Result<()> {
    let source = source.trim();
    tracker
        .check_source(source, BROKER_SOURCE_TYPES)
        .await
        .map_err(|e| anyhow::anyhow!("bridge source `{source}`: {e}"))?;
    Ok(())
}

/// Checks, before `serve` starts anything, that the source the bridge configured under
/// `key` (`bridges.mqtt.source`) feeds exists in the tracker's scope, is enabled and of
/// a broker type. A source that is not fit is a configuration error (exit 2) naming the
/// key, the id and what to do: the bridge does not start (its messages wait in the
/// broker) rather than dead-lettering every message until the source is fixed.
pub async fn check_source_at_start(
    tracker: &Tracker,
    key: &str,
    source: &str,
) -> anyhow::Result<()> {
    let id = source.trim();
    let scope = tracker.scope();
    let shown = cut(id, 200);
    let found = crate::store::event_source(tracker.store().as_ref(), scope, id)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read event source `{shown}` ({key}): {e}"))?;
    let why = match found {
        None => format!(
            "{key}: there is no event source `{shown}` in tenant `{}`, context {} \
             (collector.context): create it first (type {}), or fix the id",
            scope.tenant,
            scope.context,
            BROKER_SOURCE_TYPES.join(" or ")
        ),
        Some(s) if !s.enabled => format!(
            "{key}: event source `{shown}` (tenant `{}`, context {}) is disabled: enable it",
            scope.tenant, scope.context
        ),
        Some(s) if !BROKER_SOURCE_TYPES.contains(&s.source_type.as_str()) => format!(
            "{key}: event source `{shown}` is of type `{}`; a broker bridge feeds sources \
             of type {}",
            s.source_type,
            BROKER_SOURCE_TYPES.join(" or ")
        ),
        Some(_) => return Ok(()),
    };
    Err(crate::config::ConfigError::Invalid(why).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(raw: bool) -> MessageSettings {
        MessageSettings {
            source: "q".into(),
            raw,
            event_type: "reading".into(),
            channel: "amqp",
        }
    }

    #[test]
    fn payloads_from_messages() {
        let p = payload_of(
            &settings(false),
            "k",
            br#"{"events":[{"type":"a"},{"type":"b","id":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(p.source.id, "q");
        assert_eq!(
            p.events[0].id.as_deref(),
            Some(derived_id(&["bridge-event", "q", "k", "0"]).as_str())
        );
        assert_eq!(p.events[1].id.as_deref(), Some("x"));
        assert!(payload_of(&settings(false), "k", b"nope").is_err());
        assert!(payload_of(&settings(false), "k", b"[1]").is_err());
        assert!(payload_of(&settings(false), "k", br#"{"events":[{"type":""}]}"#).is_err());
        let p = payload_of(&settings(true), "k", br#"{"t": 21.5}"#).unwrap();
        assert_eq!(p.events[0].event_type, "reading");
        assert_eq!(p.events[0].properties["t"], 21.5);
        let p = payload_of(&settings(true), "k", b"plain text").unwrap();
        assert_eq!(p.events[0].properties["raw"], "plain text");
        // Bytes that are not UTF-8: kept exactly, as base64, not mangled into U+FFFD.
        let bytes = [0xff, 0xfe, 0x00, b'a', 0x80];
        let p = payload_of(&settings(true), "k", &bytes).unwrap();
        assert!(p.events[0].properties.get("raw").is_none());
        let back = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            p.events[0].properties["raw_base64"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(back, bytes);
        // Nested past the input limit: dead-lettered with the reason, in both modes.
        let deep = format!("{{\"t\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        for raw in [true, false] {
            let e = payload_of(&settings(raw), "k", deep.as_bytes()).unwrap_err();
            assert!(e.contains("nested deeper"), "{e}");
        }
    }

    #[test]
    fn backoff_doubles_to_a_cap() {
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        for _ in 0..20 {
            b.next_delay();
        }
        assert_eq!(b.next_delay(), Duration::from_secs(30));
    }

    #[test]
    fn backoff_restarts_only_after_a_healthy_connection() {
        let mut b = Backoff::default();
        b.next_delay();
        // Dropped right after connecting: the delay keeps growing.
        b.connected();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        b.connected();
        assert_eq!(b.next_delay(), Duration::from_secs(2));
        // Up for longer than HEALTHY_CONNECTION: it starts over.
        b.connected_at = Instant::now().checked_sub(HEALTHY_CONNECTION);
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn a_message_naming_another_source_is_refused() {
        let ok = payload_of(
            &settings(false),
            "k",
            br#"{"source":{"id":"q"},"events":[{"type":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.source.id, "q");
        let ok = payload_of(
            &settings(false),
            "k",
            br#"{"source":null,"events":[{"type":"a"}]}"#,
        );
        assert_eq!(ok.unwrap().source.id, "q");
        for body in [
            &br#"{"source":{"id":"nope"},"events":[{"type":"a"}]}"#[..],
            br#"{"source":"q","events":[{"type":"a"}]}"#,
            br#"{"source":{},"events":[{"type":"a"}]}"#,
        ] {
            let e = payload_of(&settings(false), "k", body).unwrap_err();
            assert!(e.contains("collects for `q`"), "{e}");
        }
        let e = payload_of(
            &settings(false),
            "k",
            br#"{"source":{"id":"nope"},"events":[{"type":"a"}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("`nope`"), "{e}");
    }

    #[test]
    fn released_occurrences_are_handed_out_again() {
        let mut r = Redeliveries {
            bucket: 7,
            ..Default::default()
        };
        r.next.insert("h".into(), 3);
        r.release(&occurrence("h", 7, 1));
        assert_eq!(r.next["h"], 3, "not the last one handed out");
        r.release(&occurrence("h", 7, 2));
        assert_eq!(r.next["h"], 2);
        r.release(&occurrence("h", 6, 1));
        r.release("id:x");
        assert_eq!(r.next["h"], 2);
    }

    #[test]
    fn status_snapshot() {
        let s = BridgeStats::new("amqp");
        s.set_state(BridgeState::Connected);
        s.count(&Outcome::Stored);
        s.count(&Outcome::DeadLetter("x".into()));
        let st = s.status();
        assert_eq!(st.state, BridgeState::Connected);
        assert_eq!((st.stored, st.dead_lettered, st.connects), (1, 1, 1));
    }
}
