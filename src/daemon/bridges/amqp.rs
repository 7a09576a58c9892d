//! The AMQP bridge: consumes a queue with manual acknowledgement. Messages are written
//! in batches (whatever has arrived, up to the prefetch), the store is flushed once, and
//! only then is the batch acknowledged. Malformed messages are published to the
//! dead-letter exchange with the reason in the `x-tracardi-reason` header, then acked.

use super::broker::{
    self, sleep_or_stop, Backoff, BridgeState, BridgeStats, MessageSettings, Outcome,
};
use crate::config::AmqpBridgeConfig;
use crate::tracking::Tracker;
use amqprs::channel::{
    BasicAckArguments, BasicConsumeArguments, BasicPublishArguments, BasicQosArguments, Channel,
    ExchangeDeclareArguments, QueueBindArguments, QueueDeclareArguments,
};
use amqprs::connection::{Connection, OpenConnectionArguments};
use amqprs::{BasicProperties, FieldTable, FieldValue};
use anyhow::Context as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::watch;

pub const REASON_HEADER: &str = "x-tracardi-reason";

/// Runs until `stop` turns true, reconnecting with backoff.
pub async fn run(
    tracker: Arc<Tracker>,
    config: AmqpBridgeConfig,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    broker::check_source(&tracker, &config.source).await?;
    let settings = MessageSettings {
        source: config.source.trim().to_string(),
        raw: config.raw,
        event_type: config.event_type.clone(),
        channel: "amqp",
    };
    let mut backoff = Backoff::default();
    loop {
        if *stop.borrow() {
            break;
        }
        stats.set_state(BridgeState::Connecting);
        match session(
            &tracker,
            &config,
            &settings,
            &stats,
            &mut stop,
            &mut backoff,
        )
        .await
        {
            Ok(()) => break,
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::warn!(bridge = "amqp", error = %msg, "AMQP bridge disconnected");
                stats.set_error(msg);
                stats.set_state(BridgeState::Backoff);
                if sleep_or_stop(backoff.next_delay(), &mut stop).await {
                    break;
                }
            }
        }
    }
    stats.set_state(BridgeState::Stopped);
    Ok(())
}

/// Connection arguments of an `amqp://` URL, with the vhost percent-decoded (`%2f` is
/// `/`), which the client library leaves encoded.
pub fn connection_args(url: &str) -> anyhow::Result<OpenConnectionArguments> {
    let mut args =
        OpenConnectionArguments::try_from(url).map_err(|e| anyhow::anyhow!("bad AMQP URL: {e}"))?;
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    if let Some((_, vhost)) = after_scheme.split_once('/') {
        let vhost = vhost.split(['?', '#']).next().unwrap_or_default();
        if !vhost.is_empty() {
            let decoded: String = form_urlencoded::parse(format!("v={vhost}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            args.virtual_host(&decoded);
        }
    }
    Ok(args)
}

async fn declare(channel: &Channel, config: &AmqpBridgeConfig) -> anyhow::Result<()> {
    channel
        .queue_declare(QueueDeclareArguments::durable_client_named(&config.queue))
        .await
        .with_context(|| format!("cannot declare queue `{}`", config.queue))?;
    let dlx = &config.dead_letter_exchange;
    let mut ex = ExchangeDeclareArguments::new(dlx, "fanout");
    ex.durable = true;
    channel
        .exchange_declare(ex)
        .await
        .with_context(|| format!("cannot declare exchange `{dlx}`"))?;
    let dlq = format!("{}.dead-letter", config.queue);
    channel
        .queue_declare(QueueDeclareArguments::durable_client_named(&dlq))
        .await
        .with_context(|| format!("cannot declare queue `{dlq}`"))?;
    channel
        .queue_bind(QueueBindArguments::new(&dlq, dlx, ""))
        .await
        .with_context(|| format!("cannot bind `{dlq}` to `{dlx}`"))?;
    Ok(())
}

async fn session(
    tracker: &Arc<Tracker>,
    config: &AmqpBridgeConfig,
    settings: &MessageSettings,
    stats: &BridgeStats,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> anyhow::Result<()> {
    let args = connection_args(&config.url)?;
    let connection = Connection::open(&args)
        .await
        .context("cannot connect to the AMQP broker")?;
    let channel = connection.open_channel(None).await?;
    declare(&channel, config).await?;
    channel
        .basic_qos(BasicQosArguments::new(0, config.prefetch, false))
        .await?;
    let mut consume = BasicConsumeArguments::new(&config.queue, "tracardictl-bridge");
    consume.manual_ack(true);
    let (_tag, mut rx) = channel.basic_consume_rx(consume.finish()).await?;
    stats.set_state(BridgeState::Connected);
    backoff.reset();
    tracing::info!(bridge = "amqp", queue = %config.queue, "consuming");

    let max_batch = usize::from(config.prefetch).max(1);
    loop {
        let first = tokio::select! {
            m = rx.recv() => Some(m),
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(first) = first else {
            // Unacked deliveries go back to the queue when the connection closes.
            let _ = connection.close().await;
            return Ok(());
        };
        let Some(first) = first else {
            anyhow::bail!("the broker closed the channel");
        };
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut last_tag = None;
        let mut window: Vec<(String, &[u8], &str)> = Vec::with_capacity(batch.len());
        for msg in &batch {
            let Some(deliver) = &msg.deliver else {
                continue;
            };
            last_tag = Some(deliver.delivery_tag());
            stats.received.fetch_add(1, Ordering::Relaxed);
            let body = msg.content.as_deref().unwrap_or_default();
            let key = msg
                .basic_properties
                .as_ref()
                .and_then(|p| p.message_id())
                .map(|id| format!("id:{id}"))
                .unwrap_or_else(|| broker::content_key(deliver.routing_key(), body));
            window.push((key, body, deliver.routing_key().as_str()));
        }
        let messages: Vec<(String, &[u8])> =
            window.iter().map(|(k, b, _)| (k.clone(), *b)).collect();
        // A storage fault leaves the batch unacknowledged: redelivered on reconnect.
        let outcomes = broker::process_batch(tracker, settings, &messages).await?;
        for ((_, body, routing_key), outcome) in window.iter().zip(&outcomes) {
            if let Outcome::DeadLetter(reason) = outcome {
                tracing::warn!(bridge = "amqp", %reason, "message dead-lettered");
                let mut headers = FieldTable::new();
                if let Ok(name) = REASON_HEADER.try_into() {
                    headers.insert(name, FieldValue::from(reason.as_str()));
                }
                let mut props = BasicProperties::default();
                props.with_headers(headers).with_persistence(true);
                channel
                    .basic_publish(
                        props.finish(),
                        body.to_vec(),
                        BasicPublishArguments::new(&config.dead_letter_exchange, routing_key),
                    )
                    .await
                    .context("cannot publish to the dead-letter exchange")?;
            }
            stats.count(outcome);
        }
        tracker.store().durable().await?;
        if let Some(tag) = last_tag {
            channel
                .basic_ack(BasicAckArguments::new(tag, true))
                .await
                .context("cannot acknowledge")?;
        }
    }
}
