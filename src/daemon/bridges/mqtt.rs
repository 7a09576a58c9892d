//! The MQTT bridge: a QoS 1 subscriber with a persistent session and manual PUBACKs.
//! The event loop only hands publishes to a writer task; the writer stores whatever has
//! arrived, flushes once, and only then acknowledges each message. Messages published
//! while the bridge is down wait in the broker's session for it. Malformed messages are
//! published to the dead-letter topic as a [`notice`], then acked.

use super::broker::{
    self, sleep_or_stop, Backoff, BridgeState, BridgeStats, Keyed, MessageSettings, Outcome,
    Redeliveries,
};
use crate::config::MqttBridgeConfig;
use crate::store::StoreError;
use crate::tracking::Tracker;
use anyhow::Context as _;
use base64::Engine as _;
use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, Publish, QoS, StateError,
    TlsConfiguration, Transport,
};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const MAX_BATCH: usize = 500;

pub use super::broker::MAX_MESSAGE_BYTES;

/// The largest dead-letter notice published; a longer payload is cut to fit.
pub const MAX_NOTICE_BYTES: usize = 1 << 20;

/// The largest packet MQTT can carry (a remaining length of 268,435,455 bytes and its
/// fixed header). The client reads whatever the broker sends, so that an oversized
/// message can still be acknowledged (after it is dead-lettered) rather than dropping
/// the connection and coming back on every reconnect.
const MQTT_MAX_PACKET: usize = 268_435_455 + 5;

/// The URL schemes the MQTT bridge speaks: plain and TLS, with their default ports.
const SCHEMES: &[(&str, bool, u16)] = &[
    ("mqtt://", false, 1883),
    ("tcp://", false, 1883),
    ("mqtts://", true, 8883),
    ("ssl://", true, 8883),
];

/// Whether the URL asks for TLS (`mqtts://`, `ssl://`), its default port and what
/// follows the scheme.
fn scheme(url: &str) -> anyhow::Result<(bool, u16, &str)> {
    SCHEMES
        .iter()
        .find_map(|(prefix, tls, port)| {
            url.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .map(|_| (*tls, *port, &url[prefix.len()..]))
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "bad MQTT URL `{url}`: expected mqtt://host[:port], or mqtts://host[:port] \
                 for TLS (also tcp:// and ssl://)"
            )
        })
}

/// Host, port and credentials of `mqtt://[user:password@]host[:port]` (or `mqtts://`);
/// the TLS transport is set by [`run`] from [`tls_config`].
pub fn options(config: &MqttBridgeConfig) -> anyhow::Result<MqttOptions> {
    let url = config.url.trim();
    let (_, default_port, rest) = scheme(url)?;
    let rest = rest.split('/').next().unwrap_or_default();
    let (creds, hostport) = match rest.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(port) if port > 0 => (h, port),
            _ => anyhow::bail!("bad port in MQTT URL `{url}`: expected 1 to 65535"),
        },
        None => (hostport, default_port),
    };
    if host.is_empty() {
        anyhow::bail!("bad MQTT URL `{url}`: no host");
    }
    if config.client_id.is_empty() {
        anyhow::bail!("the MQTT client id is empty");
    }
    let mut opts = MqttOptions::new(config.client_id.clone(), host, port);
    opts.set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(MQTT_MAX_PACKET, MQTT_MAX_PACKET);
    if let Some(c) = creds {
        let (user, password) = c.split_once(':').unwrap_or((c, ""));
        opts.set_credentials(user, password);
    }
    Ok(opts)
}

/// The TLS client configuration for an `mqtts://` URL (`None` for `mqtt://`); errors
/// name the key.
pub fn tls_config(config: &MqttBridgeConfig) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    let (tls, _, _) = scheme(config.url.trim()).map_err(|e| format!("bridges.mqtt.url: {e:#}"))?;
    broker::tls_client_config(
        broker::TlsFiles {
            key: "bridges.mqtt",
            ca_file: &config.ca_file,
            cert_file: &config.cert_file,
            key_file: &config.key_file,
        },
        tls,
    )
}

/// The client id the bridge connects with: `client_id` as configured, or when it is
/// empty `tracardictl-<host name>-<8 hex digits>`, the digits a hash of the store
/// (`store`, its URI or data directory), the tenant and the source. The derived id is
/// the same on every start of this bridge on this host, so the broker's persistent
/// session (and what was published while the bridge was down) is found again, and
/// differs for another host or another store, so two bridges do not take each other's
/// session over.
pub fn client_id(config: &MqttBridgeConfig, store: &str, tenant: &str) -> String {
    if !config.client_id.is_empty() {
        return config.client_id.clone();
    }
    let hash = super::derived_id(&[
        "mqtt-client-id",
        &store_identity(store),
        tenant,
        config.source.trim(),
    ]);
    let digits: String = hash.chars().filter(|c| *c != '-').take(8).collect();
    format!("tracardictl-{}-{digits}", host_name())
}

/// What identifies a store across starts: a data directory's absolute path, or a URI
/// without its password (rotating it keeps the id).
fn store_identity(store: &str) -> String {
    match store.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find(['/', '?', '#']) {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let authority = match authority.rsplit_once('@') {
                Some((creds, host)) => {
                    let user = creds.split(':').next().unwrap_or_default();
                    format!("{user}@{host}")
                }
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => std::fs::canonicalize(store)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| store.to_string()),
    }
}

/// This host's name, cut to 64 characters of `[A-Za-z0-9._-]` (`localhost` when the
/// system does not say).
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for `buf.len()` bytes; gethostname writes at most that
    // many and the name is read only up to its first NUL, within the buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let raw = if rc == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let name: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

fn topics(config: &MqttBridgeConfig) -> Vec<String> {
    config
        .topics
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Checks the MQTT bridge settings `config validate` and `serve` refuse: the error
/// names the key and why.
pub fn check_config(config: &MqttBridgeConfig) -> Result<(), String> {
    if config.client_id.len() > 65535 {
        return Err("bridges.mqtt.client_id must be at most 65535 bytes".into());
    }
    let mut with_id = config.clone();
    if with_id.client_id.is_empty() {
        with_id.client_id = "derived".into();
    }
    options(&with_id).map_err(|e| format!("bridges.mqtt.url: {e:#}"))?;
    tls_config(config)?;
    let filters = topics(config);
    if filters.is_empty() {
        return Err("bridges.mqtt.topics must name at least one topic filter".into());
    }
    for f in &filters {
        check_filter(f).map_err(|why| format!("bridges.mqtt.topics: `{f}` {why}"))?;
    }
    let dead = &config.dead_letter_topic;
    if dead.is_empty() || dead.len() > 65535 || dead.contains(['+', '#', '\0']) {
        return Err(
            "bridges.mqtt.dead_letter_topic must be a topic name: not empty, without `+` or `#`"
                .into(),
        );
    }
    if let Some(f) = filters.iter().find(|f| filter_matches(f, dead)) {
        return Err(format!(
            "bridges.mqtt.dead_letter_topic `{dead}` is matched by the subscribed filter \
             `{f}` (bridges.mqtt.topics): the bridge would read its own dead letters"
        ));
    }
    Ok(())
}

/// Why an MQTT topic filter is invalid.
fn check_filter(filter: &str) -> Result<(), &'static str> {
    if filter.len() > 65535 || filter.contains('\0') {
        return Err("is not a topic filter (too long, or holds U+0000)");
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Err("is not a valid filter: `#` must be a whole level, and the last one");
        }
        if level.contains('+') && *level != "+" {
            return Err("is not a valid filter: `+` must be a whole level");
        }
    }
    Ok(())
}

/// Whether the (valid) topic filter `filter` matches the topic name `topic`.
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    // Wildcards in the first level do not match topics starting with `$`.
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut want = filter.split('/');
    let mut have = topic.split('/');
    loop {
        match (want.next(), have.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(w), Some(h)) if w == h => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// The dead-letter notice of a message, as JSON: `reason`, `topic`, and the payload —
/// `payload` when it is UTF-8 text, else `payload_base64` (the exact bytes). A notice
/// over [`MAX_NOTICE_BYTES`] carries only the start of the payload, with `"truncated":
/// true` and the payload's full `size`.
pub fn notice(reason: &str, topic: &str, payload: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(payload).ok();
    let mut keep = payload.len();
    loop {
        let mut letter = serde_json::json!({"reason": reason, "topic": topic});
        match text {
            Some(t) => {
                let mut end = keep;
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                letter["payload"] = t[..end].into();
            }
            None => {
                letter["payload_base64"] = base64::engine::general_purpose::STANDARD
                    .encode(&payload[..keep])
                    .into();
            }
        }
        if keep < payload.len() {
            letter["truncated"] = true.into();
            letter["size"] = payload.len().into();
        }
        let bytes = letter.to_string().into_bytes();
        if bytes.len() <= MAX_NOTICE_BYTES || keep == 0 {
            return bytes;
        }
        // Shrink in proportion, with a margin for the fields around the payload.
        let scaled = keep as u128 * (MAX_NOTICE_BYTES as u128 * 15 / 16) / bytes.len() as u128;
        keep = usize::try_from(scaled).unwrap_or(0).min(keep - 1);
    }
}

/// Runs until `stop` turns true; the event loop reconnects with backoff.
pub async fn run(
    tracker: Arc<Tracker>,
    mut config: MqttBridgeConfig,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    check_config(&config).map_err(anyhow::Error::msg)?;
    broker::check_source(&tracker, &config.source).await?;
    // `serve` passes the id derived with its store; without one, from this host alone.
    config.client_id = client_id(&config, "", &tracker.scope().tenant);
    let topics = topics(&config);
    let settings = MessageSettings {
        source: config.source.trim().to_string(),
        raw: config.raw,
        event_type: config.event_type.clone(),
        channel: "mqtt",
    };
    let mut opts = options(&config)?;
    if let Some(tls) = tls_config(&config).map_err(anyhow::Error::msg)? {
        opts.set_transport(Transport::Tls(TlsConfiguration::Rustls(tls)));
    }
    let (client, eventloop) = AsyncClient::new(opts, 1024);
    // The broker bounds unacknowledged QoS 1 messages in flight, and so this channel.
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(writer(
        tracker,
        settings,
        config.dead_letter_topic.clone(),
        client.clone(),
        rx,
        stats.clone(),
    ));
    let polled = poll(
        eventloop,
        client.clone(),
        topics,
        &config.client_id,
        tx,
        &stats,
        &mut stop,
    )
    .await;
    // The event loop is gone: the writer finishes its batch (its acks fail, and the
    // broker redelivers those messages to the next session, where they are recognised).
    let written = writer.await;
    stats.set_state(BridgeState::Stopped);
    polled?;
    if *stop.borrow() {
        return Ok(());
    }
    written.context("MQTT writer task failed")?
}

/// Connections the broker closes soon after accepting them, in a row, before the bridge
/// warns that another client is probably connecting with its client id.
const TAKEOVERS_TO_WARN: u32 = 3;

/// A connection the broker closes within this time after accepting it counts towards
/// [`TAKEOVERS_TO_WARN`]: two clients with one id each stay connected only until the
/// other's next attempt, which the backoff puts at most 30 s apart.
const TAKEOVER_WINDOW: Duration = Duration::from_secs(65);

/// Whether the broker closed the connection (rather than the network timing out): what
/// an MQTT 3.1.1 broker does to a client when another connects with its client id.
fn closed_by_broker(e: &ConnectionError) -> bool {
    match e {
        ConnectionError::MqttState(StateError::ConnectionAborted) => true,
        ConnectionError::MqttState(StateError::Io(e)) | ConnectionError::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

/// Counts connections the broker closes soon after accepting them; past
/// [`TAKEOVERS_TO_WARN`] in a row, what to tell the operator.
#[derive(Debug, Default)]
struct Takeovers {
    connected_at: Option<std::time::Instant>,
    in_a_row: u32,
}

impl Takeovers {
    fn connected(&mut self) {
        self.connected_at = Some(std::time::Instant::now());
    }

    /// The connection (or an attempt) ended with `closed_by_broker`; `Some(warning)`
    /// when it looks like a client id clash.
    fn lost(&mut self, closed_by_broker: bool, client_id: &str) -> Option<String> {
        match self.connected_at.take() {
            // An attempt that never connected says nothing either way.
            None => {}
            Some(at) if closed_by_broker && at.elapsed() < TAKEOVER_WINDOW => self.in_a_row += 1,
            Some(_) => self.in_a_row = 0,
        }
        (self.in_a_row >= TAKEOVERS_TO_WARN).then(|| {
            format!(
                "the broker closed the connection {} times in a row soon after accepting it: \
                 another MQTT client is probably connected with the same client id \
                 `{client_id}` (a second bridge, or another host, with this \
                 bridges.mqtt.client_id), and the broker drops one whenever the other \
                 connects; give each bridge its own client_id (or leave it empty for one \
                 derived from the host and the store)",
                self.in_a_row
            )
        })
    }
}

async fn poll(
    mut eventloop: EventLoop,
    client: AsyncClient,
    topics: Vec<String>,
    client_id: &str,
    tx: mpsc::UnboundedSender<Publish>,
    stats: &BridgeStats,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut backoff = Backoff::default();
    let mut takeovers = Takeovers::default();
    stats.set_state(BridgeState::Connecting);
    loop {
        let event = tokio::select! {
            e = eventloop.poll() => e,
            _ = stop.wait_for(|s| *s) => return Ok(()),
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                for t in &topics {
                    client
                        .try_subscribe(t.clone(), QoS::AtLeastOnce)
                        .with_context(|| format!("cannot subscribe to `{t}`"))?;
                }
                stats.set_state(BridgeState::Connected);
                backoff.connected();
                takeovers.connected();
                tracing::info!(bridge = "mqtt", topics = ?topics, client_id, "subscribed");
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if tx.send(p).is_err() {
                    anyhow::bail!("the MQTT writer stopped");
                }
            }
            Ok(_) => {}
            Err(e) => {
                let msg = broker::explain_tls_error(e.to_string(), "bridges.mqtt");
                tracing::warn!(bridge = "mqtt", error = %msg, "MQTT connection lost");
                match takeovers.lost(closed_by_broker(&e), client_id) {
                    Some(clash) => {
                        if takeovers.in_a_row == TAKEOVERS_TO_WARN || takeovers.in_a_row % 10 == 0 {
                            tracing::warn!(bridge = "mqtt", client_id, "{clash}");
                        }
                        stats.set_error(format!("{msg}; {clash}"));
                    }
                    None => stats.set_error(msg),
                }
                stats.set_state(BridgeState::Backoff);
                if sleep_or_stop(backoff.next_delay(), stop).await {
                    return Ok(());
                }
                // The state stays `reconnecting` until a connection is made again.
            }
        }
    }
}

async fn writer(
    tracker: Arc<Tracker>,
    settings: MessageSettings,
    dead_letter_topic: String,
    client: AsyncClient,
    mut rx: mpsc::UnboundedReceiver<Publish>,
    stats: Arc<BridgeStats>,
) -> anyhow::Result<()> {
    let mut redeliveries = Redeliveries::default();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let mut done = Vec::with_capacity(batch.len());
        for p in batch {
            stats.received.fetch_add(1, Ordering::Relaxed);
            let outcome = if let Some(why) = broker::oversized(p.payload.len()) {
                Outcome::DeadLetter(why)
            } else {
                loop {
                    match handle(&tracker, &settings, &mut redeliveries, &p).await {
                        Ok(o) => break o,
                        Err(e) => {
                            // Storage fault: keep the message unacknowledged and retry;
                            // the broker redelivers it if this process dies meanwhile.
                            tracing::error!(bridge = "mqtt", error = %e, "storage error; retrying");
                            stats.set_error(e.to_string());
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            };
            if let Outcome::DeadLetter(reason) = &outcome {
                tracing::warn!(bridge = "mqtt", %reason, topic = %p.topic, "message dead-lettered");
                client
                    .publish(
                        dead_letter_topic.clone(),
                        QoS::AtLeastOnce,
                        false,
                        notice(reason, &p.topic, &p.payload),
                    )
                    .await
                    .context("cannot publish to the dead-letter topic")?;
            }
            stats.count(&outcome);
            done.push(p);
        }
        redeliveries.end_batch();
        loop {
            match tracker.store().durable().await {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(bridge = "mqtt", error = %e, "flush failed; retrying");
                    stats.set_error(e.to_string());
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        for p in &done {
            client.ack(p).await.context("cannot acknowledge")?;
        }
    }
    Ok(())
}

/// Runs one message through the pipeline under its key: the topic, packet id and body,
/// with the broker's DUP flag telling a possible redelivery (see [`Redeliveries`]).
async fn handle(
    tracker: &Tracker,
    settings: &MessageSettings,
    redeliveries: &mut Redeliveries,
    p: &Publish,
) -> Result<Outcome, StoreError> {
    let origin = format!("{}\u{1f}{}", p.topic, p.pkid);
    let key = match redeliveries
        .key(tracker, &settings.source, &origin, &p.payload, p.dup)
        .await?
    {
        Keyed::Resend => return Ok(Outcome::Duplicate),
        Keyed::Key(key) => key,
    };
    let outcome = broker::process(tracker, settings, &key, &p.payload).await;
    if !matches!(outcome, Ok(Outcome::Stored)) {
        redeliveries.release(&key);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let mut c = MqttBridgeConfig {
            client_id: "id".into(),
            ..Default::default()
        };
        assert_eq!(
            options(&c).unwrap().broker_address(),
            ("127.0.0.1".into(), 1883)
        );
        c.url = "mqtt://u:p@broker:1884".into();
        let o = options(&c).unwrap();
        assert_eq!(o.broker_address(), ("broker".into(), 1884));
        assert!(o.credentials().is_some());
        c.url = "http://x".into();
        assert!(options(&c).is_err());
        c.url = "mqtt://:1".into();
        assert!(options(&c).is_err());
        c.url = "mqtt://h:99999".into();
        assert!(options(&c).is_err());
        c.url = "mqtt://h:0".into();
        assert!(options(&c).is_err());
        // TLS: mqtts:// and ssl://, port 8883 by default.
        c.url = "mqtts://u:p@broker.example.com".into();
        assert_eq!(
            options(&c).unwrap().broker_address(),
            ("broker.example.com".into(), 8883)
        );
        assert!(tls_config(&c).unwrap().is_some());
        c.url = "ssl://broker:8884".into();
        assert_eq!(
            options(&c).unwrap().broker_address(),
            ("broker".into(), 8884)
        );
        c.url = "ws://broker".into();
        let e = options(&c).unwrap_err().to_string();
        assert!(e.contains("mqtts://host[:port]"), "{e}");
        c.url = "mqtt://broker".into();
        assert!(tls_config(&c).unwrap().is_none());
    }

    #[test]
    fn tls_files_checked() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let mut c = MqttBridgeConfig {
            url: "mqtts://broker".into(),
            ca_file: "/nonexistent/ca.pem".into(),
            ..Default::default()
        };
        let e = check_config(&c).unwrap_err();
        assert!(
            e.starts_with("bridges.mqtt.ca_file `/nonexistent/ca.pem`: cannot read"),
            "{e}"
        );
        c.ca_file = not_pem.display().to_string();
        let e = check_config(&c).unwrap_err();
        assert!(e.contains("holds no PEM certificate"), "{e}");
        c.ca_file = String::new();
        c.cert_file = "/x/cert.pem".into();
        let e = check_config(&c).unwrap_err();
        assert!(
            e.contains("bridges.mqtt.cert_file and bridges.mqtt.key_file go together"),
            "{e}"
        );
        // TLS files with a plain URL: the user meant TLS.
        c.url = "mqtt://broker".into();
        c.cert_file = String::new();
        c.ca_file = "/x/ca.pem".into();
        let e = check_config(&c).unwrap_err();
        assert!(e.contains("is not a TLS URL: use mqtts://"), "{e}");
    }

    #[test]
    fn settings_checked() {
        let ok = MqttBridgeConfig::default();
        assert_eq!(check_config(&ok), Ok(()));
        let bad = |f: fn(&mut MqttBridgeConfig), key: &str| {
            let mut c = MqttBridgeConfig::default();
            f(&mut c);
            let e = check_config(&c).unwrap_err();
            assert!(e.starts_with(key), "{e}");
        };
        bad(|c| c.url = "not a url".into(), "bridges.mqtt.url");
        bad(
            |c| c.url = "mqtt://127.0.0.1:99999".into(),
            "bridges.mqtt.url",
        );
        bad(
            |c| c.client_id = "x".repeat(70_000),
            "bridges.mqtt.client_id",
        );
        // Empty: one is derived.
        let derived = MqttBridgeConfig {
            client_id: String::new(),
            ..Default::default()
        };
        assert_eq!(check_config(&derived), Ok(()));
        bad(|c| c.topics = " , ".into(), "bridges.mqtt.topics");
        bad(|c| c.topics = "a/#/b".into(), "bridges.mqtt.topics");
        bad(|c| c.topics = "a/b#".into(), "bridges.mqtt.topics");
        bad(|c| c.topics = "a/x+".into(), "bridges.mqtt.topics");
        bad(
            |c| c.dead_letter_topic = String::new(),
            "bridges.mqtt.dead_letter_topic",
        );
        bad(
            |c| c.dead_letter_topic = "dead/#".into(),
            "bridges.mqtt.dead_letter_topic",
        );
        bad(
            |c| c.dead_letter_topic = "tracardi/dead".into(),
            "bridges.mqtt.dead_letter_topic",
        );
        let c = MqttBridgeConfig {
            topics: "in/+/x, other".into(),
            dead_letter_topic: "in/dead".into(),
            ..Default::default()
        };
        assert_eq!(check_config(&c), Ok(()));
    }

    #[test]
    fn client_ids_are_kept_or_derived_per_host_store_and_source() {
        let given = MqttBridgeConfig {
            client_id: "mine".into(),
            ..Default::default()
        };
        assert_eq!(client_id(&given, "/data", "default"), "mine");
        let config = MqttBridgeConfig {
            client_id: String::new(),
            source: "src".into(),
            ..Default::default()
        };
        let id = client_id(&config, "postgres://u:pw@db/t", "default");
        assert!(
            id.starts_with(&format!("tracardictl-{}-", host_name())),
            "{id}"
        );
        // Stable across starts (and password changes), distinct per store and source.
        assert_eq!(id, client_id(&config, "postgres://u:other@db/t", "default"));
        assert_ne!(
            id,
            client_id(&config, "postgres://u:pw@db/other", "default")
        );
        assert_ne!(id, client_id(&config, "postgres://u:pw@db/t", "acme"));
        let other_source = MqttBridgeConfig {
            source: "src2".into(),
            ..config.clone()
        };
        assert_ne!(
            id,
            client_id(&other_source, "postgres://u:pw@db/t", "default")
        );
        assert!(options(&MqttBridgeConfig {
            client_id: id,
            ..config
        })
        .is_ok());
    }

    #[test]
    fn repeated_drops_after_connecting_warn_of_a_client_id_clash() {
        let mut t = Takeovers::default();
        for _ in 0..TAKEOVERS_TO_WARN - 1 {
            t.connected();
            assert_eq!(t.lost(true, "id"), None);
        }
        // Failed attempts in between neither count nor break the run.
        assert_eq!(t.lost(false, "id"), None);
        t.connected();
        let warning = t.lost(true, "id").unwrap();
        assert!(warning.contains("same client id `id`"), "{warning}");
        // A connection lost another way (a timeout) ends the run.
        t.connected();
        assert_eq!(t.lost(false, "id"), None);
        assert_eq!(t.in_a_row, 0);
        // So does one that stayed up.
        t.in_a_row = 5;
        t.connected_at = std::time::Instant::now().checked_sub(TAKEOVER_WINDOW);
        assert_eq!(t.lost(true, "id"), None);
        assert!(closed_by_broker(&ConnectionError::MqttState(
            StateError::ConnectionAborted
        )));
        assert!(!closed_by_broker(&ConnectionError::NetworkTimeout));
    }

    #[test]
    fn filters_match_topics() {
        assert!(filter_matches("a/#", "a"));
        assert!(filter_matches("a/#", "a/b/c"));
        assert!(filter_matches("#", "a/b"));
        assert!(filter_matches("a/+/c", "a/b/c"));
        assert!(filter_matches("+", ""));
        assert!(!filter_matches("a/+", "a/b/c"));
        assert!(!filter_matches("a/b", "a/b/c"));
        assert!(!filter_matches("#", "$SYS/x"));
        assert!(filter_matches("$SYS/#", "$SYS/x"));
    }

    #[test]
    fn notices_keep_the_bytes_and_fit() {
        let n: serde_json::Value = serde_json::from_slice(&notice("r", "t", b"{oops")).unwrap();
        assert_eq!(n["payload"], "{oops");
        assert!(n.get("truncated").is_none());
        let bytes = [0xff, 0x00, 0x80, b'a'];
        let n: serde_json::Value = serde_json::from_slice(&notice("r", "t", &bytes)).unwrap();
        let back = base64::engine::general_purpose::STANDARD
            .decode(n["payload_base64"].as_str().unwrap())
            .unwrap();
        assert_eq!(back, bytes);
        // Text that escapes to six times its size, and bytes that grow by a third.
        for big in [vec![1u8; 900_000], vec![0xffu8; MAX_MESSAGE_BYTES]] {
            let letter = notice("why", "t", &big);
            assert!(letter.len() <= MAX_NOTICE_BYTES, "{}", letter.len());
            let n: serde_json::Value = serde_json::from_slice(&letter).unwrap();
            assert_eq!(n["truncated"], true);
            assert_eq!(n["size"], big.len());
            assert!(letter.len() > MAX_NOTICE_BYTES / 2, "{}", letter.len());
        }
    }
}
