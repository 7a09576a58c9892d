//! The MQTT bridge: a QoS 1 subscriber with a persistent session and manual PUBACKs.
//! The event loop only hands publishes to a writer task; the writer stores whatever has
//! arrived, flushes once, and only then acknowledges each message. Messages published
//! while the bridge is down wait in the broker's session for it. Malformed messages are
//! published to the dead-letter topic as `{"reason", "topic", "payload"}`, then acked.

use super::broker::{
    self, sleep_or_stop, Backoff, BridgeState, BridgeStats, MessageSettings, Outcome,
};
use crate::config::MqttBridgeConfig;
use crate::tracking::Tracker;
use anyhow::Context as _;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const MAX_BATCH: usize = 500;

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
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .with_context(|| format!("bad port in MQTT URL `{url}`"))?,
        ),
        None => (hostport, 1883),
    };
    if host.is_empty() {
        anyhow::bail!("bad MQTT URL `{url}`: no host");
    }
    let mut opts = MqttOptions::new(config.client_id.clone(), host, port);
    opts.set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(1 << 20, 1 << 20);
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

/// Runs until `stop` turns true; the event loop reconnects with backoff.
pub async fn run(
    tracker: Arc<Tracker>,
    config: MqttBridgeConfig,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    broker::check_source(&tracker, &config.source).await?;
    let topics = topics(&config);
    if topics.is_empty() {
        anyhow::bail!("bridges.mqtt.topics names no topic");
    }
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
                backoff.reset();
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
                stats.set_state(BridgeState::Connecting);
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
            let key = broker::content_key(&p.topic, &p.payload);
            let outcome = loop {
                match broker::process(&tracker, &settings, &key, &p.payload).await {
                    Ok(o) => break o,
                    Err(e) => {
                        // Storage fault: keep the message unacknowledged and retry; the
                        // broker redelivers it if this process dies meanwhile.
                        tracing::error!(bridge = "mqtt", error = %e, "storage error; retrying");
                        stats.set_error(e.to_string());
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            if let Outcome::DeadLetter(reason) = &outcome {
                tracing::warn!(bridge = "mqtt", %reason, topic = %p.topic, "message dead-lettered");
                let letter = serde_json::json!({
                    "reason": reason,
                    "topic": p.topic,
                    "payload": String::from_utf8_lossy(&p.payload),
                });
                client
                    .publish(
                        dead_letter_topic.clone(),
                        QoS::AtLeastOnce,
                        false,
                        letter.to_string(),
                    )
                    .await
                    .context("cannot publish to the dead-letter topic")?;
            }
            stats.count(&outcome);
            done.push(p);
        }
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
    }
}
