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
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const MAX_BATCH: usize = 500;

/// The largest message payload the bridge takes; a larger one is dead-lettered.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The largest dead-letter notice published; a longer payload is cut to fit.
pub const MAX_NOTICE_BYTES: usize = 1 << 20;

/// The largest packet MQTT can carry (a remaining length of 268,435,455 bytes and its
/// fixed header). The client reads whatever the broker sends, so that an oversized
/// message can still be acknowledged (after it is dead-lettered) rather than dropping
/// the connection and coming back on every reconnect.
const MQTT_MAX_PACKET: usize = 268_435_455 + 5;

/// Host, port and credentials of `mqtt://[user:password@]host[:port]`.
pub fn options(config: &MqttBridgeConfig) -> anyhow::Result<MqttOptions> {
    let url = config.url.trim();
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or_else(|| anyhow::anyhow!("bad MQTT URL `{url}`: expected mqtt://host[:port]"))?;
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
        None => (hostport, 1883),
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
    if config.client_id.is_empty() || config.client_id.len() > 65535 {
        return Err(concat!(
            "bridges.mqtt.client_id must not be empty ",
            "(the broker keeps the bridge's session under it)"
        )
        .into());
    }
    options(config).map_err(|e| format!("bridges.mqtt.url: {e:#}"))?;
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
    config: MqttBridgeConfig,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    check_config(&config).map_err(anyhow::Error::msg)?;
    broker::check_source(&tracker, &config.source).await?;
    let topics = topics(&config);
    let settings = MessageSettings {
        source: config.source.trim().to_string(),
        raw: config.raw,
        event_type: config.event_type.clone(),
        channel: "mqtt",
    };
    let (client, eventloop) = AsyncClient::new(options(&config)?, 1024);
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
    let polled = poll(eventloop, client.clone(), topics, tx, &stats, &mut stop).await;
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

async fn poll(
    mut eventloop: EventLoop,
    client: AsyncClient,
    topics: Vec<String>,
    tx: mpsc::UnboundedSender<Publish>,
    stats: &BridgeStats,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut backoff = Backoff::default();
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
                tracing::info!(bridge = "mqtt", topics = ?topics, "subscribed");
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if tx.send(p).is_err() {
                    anyhow::bail!("the MQTT writer stopped");
                }
            }
            Ok(_) => {}
            Err(e) => {
                let msg = e.to_string();
                tracing::warn!(bridge = "mqtt", error = %msg, "MQTT connection lost");
                stats.set_error(msg);
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
            let outcome = if p.payload.len() > MAX_MESSAGE_BYTES {
                Outcome::DeadLetter(format!(
                    "message larger than {MAX_MESSAGE_BYTES} bytes ({} bytes)",
                    p.payload.len()
                ))
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
        let mut c = MqttBridgeConfig::default();
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
        bad(|c| c.client_id = String::new(), "bridges.mqtt.client_id");
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
