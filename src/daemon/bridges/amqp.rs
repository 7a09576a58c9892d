//! The AMQP bridge: consumes a queue with manual acknowledgement. Messages are written
//! in batches (whatever has arrived, up to the prefetch), the store is flushed once, and
//! only then is the batch acknowledged. Malformed messages, and messages over
//! [`MAX_MESSAGE_BYTES`], are published to the bridge's dead-letter exchange with the
//! reason in the `x-tracardi-reason` header, then acked.

use super::broker::{
    self, sleep_or_stop, Backoff, BridgeState, BridgeStats, Keyed, MessageSettings, Outcome,
    Redeliveries, TlsFiles, MAX_MESSAGE_BYTES,
};
use crate::config::AmqpBridgeConfig;
use crate::tracking::Tracker;
use amqprs::callbacks::ChannelCallback;
use amqprs::channel::{
    BasicAckArguments, BasicConsumeArguments, BasicPublishArguments, BasicQosArguments, Channel,
    ExchangeDeclareArguments, QueueBindArguments, QueueDeclareArguments,
};
use amqprs::connection::{Connection, OpenConnectionArguments};
use amqprs::tls::TlsAdaptor;
use amqprs::{Ack, BasicProperties, Cancel, CloseChannel, FieldTable, FieldValue, Nack, Return};
use anyhow::Context as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

pub const REASON_HEADER: &str = "x-tracardi-reason";

/// The bodies of accepted messages one batch gathers at most before it is processed
/// (the message that crosses it included): parsing a window of `prefetch` large
/// messages at once would take many times their size in memory.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// Checks the AMQP bridge settings `config validate` and `serve` refuse: the error
/// names the key and why.
pub fn check_config(config: &AmqpBridgeConfig) -> Result<(), String> {
    open_args(config)?;
    Ok(())
}

/// The queue of a bridge's dead letters: `<queue>.dead-letter`.
pub fn dead_letter_queue(config: &AmqpBridgeConfig) -> String {
    format!("{}.dead-letter", config.queue)
}

/// The exchange a bridge publishes its dead letters to: `dead_letter_exchange`, or when
/// it is empty `<queue>.dlx`, the bridge's own — a fanout exchange shared by two
/// bridges would copy each one's dead letters into the other's dead-letter queue.
pub fn dead_letter_exchange(config: &AmqpBridgeConfig) -> String {
    if config.dead_letter_exchange.is_empty() {
        format!("{}.dlx", config.queue)
    } else {
        config.dead_letter_exchange.clone()
    }
}

/// Runs until `stop` turns true, reconnecting with backoff.
pub async fn run(
    tracker: Arc<Tracker>,
    config: AmqpBridgeConfig,
    stats: Arc<BridgeStats>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // A URL that cannot be parsed does not get better by retrying.
    check_config(&config).map_err(anyhow::Error::msg)?;
    broker::check_source(&tracker, &config.source).await?;
    let settings = MessageSettings {
        source: config.source.trim().to_string(),
        raw: config.raw,
        event_type: config.event_type.clone(),
        channel: "amqp",
    };
    let mut backoff = Backoff::default();
    stats.set_state(BridgeState::Connecting);
    loop {
        if *stop.borrow() {
            break;
        }
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
                // The state stays `reconnecting` until a connection is made again.
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

/// Connection arguments of an `amqp://` or `amqps://` URL, with the vhost
/// percent-decoded (`%2f` is `/`), which the client library leaves encoded. An
/// `amqps://` URL verifies the broker against the bundled Mozilla roots; the bridge
/// itself connects with [`open_args`] (its `ca_file` and client certificate).
pub fn connection_args(url: &str) -> anyhow::Result<OpenConnectionArguments> {
    let (mut args, tls) = parse_url(url)?;
    let files = TlsFiles {
        key: "bridges.amqp",
        ca_file: "",
        cert_file: "",
        key_file: "",
    };
    if let Some(tls) = broker::tls_client_config(files, tls).map_err(anyhow::Error::msg)? {
        with_tls(&mut args, tls);
    }
    Ok(args)
}

/// The connection arguments of the bridge: its URL, and for `amqps://` the TLS of its
/// `ca_file`, `cert_file` and `key_file`. Errors name the key.
pub fn open_args(config: &AmqpBridgeConfig) -> Result<OpenConnectionArguments, String> {
    let (mut args, tls) = parse_url(&config.url).map_err(|e| format!("bridges.amqp.url: {e:#}"))?;
    let files = TlsFiles {
        key: "bridges.amqp",
        ca_file: &config.ca_file,
        cert_file: &config.cert_file,
        key_file: &config.key_file,
    };
    if let Some(tls) = broker::tls_client_config(files, tls)? {
        with_tls(&mut args, tls);
    }
    Ok(args)
}

/// The arguments of a URL without TLS set up yet, and whether it is `amqps://`. The
/// library is given the URL as `amqp://` (its own `amqps://` handling builds a TLS
/// setup of its own, replaced here anyway); the default port is then 5671.
fn parse_url(url: &str) -> anyhow::Result<(OpenConnectionArguments, bool)> {
    let tls_rest = url
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("amqps://"))
        .map(|_| &url[8..]);
    let plain = match tls_rest {
        Some(rest) => format!("amqp://{rest}"),
        None => url.to_string(),
    };
    let mut args = OpenConnectionArguments::try_from(plain.as_str()).map_err(|e| {
        anyhow::anyhow!("bad AMQP URL: {e} (expected amqp://user:password@host[:port]/vhost, or amqps://… for TLS)")
    })?;
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
    let Some(rest) = tls_rest else {
        return Ok((args, false));
    };
    if !has_port(rest) {
        args.port(5671);
    }
    args.scheme("amqps");
    Ok((args, true))
}

/// Whether the authority after `scheme://` names a port (`host:5671`, `[::1]:5671`).
fn has_port(after_scheme: &str) -> bool {
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = host_port.rsplit_once(']').map_or(host_port, |(_, p)| p);
    after_host.contains(':')
}

/// Connects over TLS with `config`, checking the certificate against the URL's host.
fn with_tls(args: &mut OpenConnectionArguments, config: Arc<rustls::ClientConfig>) {
    let host = args
        .get_host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let adaptor = TlsAdaptor::new(tokio_rustls::TlsConnector::from(config), host.to_string());
    args.tls_adaptor(adaptor);
}

/// What the broker said when it closed the channel or cancelled the consumer: the
/// client library reports either only as a closed channel.
#[derive(Debug, Clone, Default)]
struct BrokerNotes(Arc<Mutex<Option<String>>>);

impl BrokerNotes {
    fn note(&self, what: String) {
        if let Ok(mut n) = self.0.lock() {
            n.get_or_insert(what);
        }
    }

    fn take(&self) -> Option<String> {
        self.0.lock().ok().and_then(|mut n| n.take())
    }

    /// `error`, with what the broker said about it (instead of the library's "channel
    /// closed"), if anything.
    fn explain(&self, error: anyhow::Error) -> anyhow::Error {
        match self.take() {
            Some(said) => anyhow::anyhow!("{error}: {said}"),
            None => error,
        }
    }
}

#[async_trait::async_trait]
impl ChannelCallback for BrokerNotes {
    async fn close(
        &mut self,
        _channel: &Channel,
        close: CloseChannel,
    ) -> Result<(), amqprs::error::Error> {
        self.note(format!(
            "the broker closed the channel: {} ({})",
            close.reply_text(),
            close.reply_code()
        ));
        Ok(())
    }

    async fn cancel(
        &mut self,
        _channel: &Channel,
        cancel: Cancel,
    ) -> Result<(), amqprs::error::Error> {
        // Accepting the cancel closes the consumer's stream, which ends the session.
        self.note(format!(
            "the broker cancelled the consumer `{}` (the queue was deleted?)",
            cancel.consumer_tag()
        ));
        Ok(())
    }

    async fn flow(
        &mut self,
        _channel: &Channel,
        _active: bool,
    ) -> Result<bool, amqprs::error::Error> {
        Ok(true)
    }

    async fn publish_ack(&mut self, _channel: &Channel, _ack: Ack) {}

    async fn publish_nack(&mut self, _channel: &Channel, _nack: Nack) {}

    async fn publish_return(
        &mut self,
        _channel: &Channel,
        _ret: Return,
        _basic_properties: BasicProperties,
        _content: Vec<u8>,
    ) {
    }
}

/// An operator's reading of a failure to open the connection as `user`.
fn open_error(error: amqprs::error::Error, user: &str) -> anyhow::Error {
    use amqprs::error::Error;
    let said = error.to_string();
    if said.contains("invalid peer certificate") {
        return anyhow::anyhow!(
            "cannot connect to the AMQP broker: {}",
            broker::explain_tls_error(said, "bridges.amqp")
        );
    }
    match &error {
        // RabbitMQ drops the socket of a client whose login it refuses.
        Error::NetworkError(msg)
            if msg.contains("reset by peer")
                || msg.contains("end of file")
                || msg.contains("unexpected eof")
                || msg.contains("closed") =>
        {
            anyhow::anyhow!(
                "the broker closed the connection during the login of user `{user}` \
                 (wrong user name or password?): {error}"
            )
        }
        Error::ConnectionOpenError(msg) => match broker_refusal(msg) {
            Some(said) => anyhow::anyhow!("the broker refused the connection: {said}"),
            None => anyhow::anyhow!("cannot connect to the AMQP broker: {error}"),
        },
        _ => anyhow::anyhow!("cannot connect to the AMQP broker: {error}"),
    }
}

/// `TEXT (CODE)` from the library's rendering of a broker's `Close`:
/// `… reply_code: 530, reply_text: ShortStr(41, "NOT_ALLOWED - …"), …`.
fn broker_refusal(msg: &str) -> Option<String> {
    let code = msg.split("reply_code: ").nth(1)?;
    let code: String = code.chars().take_while(char::is_ascii_digit).collect();
    let text = msg.split("reply_text: ShortStr(").nth(1)?;
    let text = text.split_once(", \"")?.1;
    let text = text.split("\")").next()?;
    Some(format!("{text} ({code})"))
}

async fn declare(channel: &Channel, config: &AmqpBridgeConfig) -> anyhow::Result<()> {
    channel
        .queue_declare(QueueDeclareArguments::durable_client_named(&config.queue))
        .await
        .with_context(|| format!("cannot declare queue `{}`", config.queue))?;
    let dlx = &dead_letter_exchange(config);
    let mut ex = ExchangeDeclareArguments::new(dlx, "fanout");
    ex.durable = true;
    channel
        .exchange_declare(ex)
        .await
        .with_context(|| format!("cannot declare exchange `{dlx}`"))?;
    let dlq = dead_letter_queue(config);
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
    let args = open_args(config).map_err(anyhow::Error::msg)?;
    let connection = Connection::open(&args)
        .await
        .map_err(|e| open_error(e, user_of(&config.url)))?;
    let consumed = consume(tracker, config, settings, stats, stop, backoff, &connection).await;
    // Unacked deliveries go back to the queue when the connection closes.
    let _ = connection.close().await;
    consumed
}

/// The user name of an `amqp://user:password@host` URL (`guest` without one).
fn user_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((creds, _)) => creds.split(':').next().unwrap_or_default(),
        None => "guest",
    }
}

async fn consume(
    tracker: &Arc<Tracker>,
    config: &AmqpBridgeConfig,
    settings: &MessageSettings,
    stats: &BridgeStats,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
    connection: &Connection,
) -> anyhow::Result<()> {
    let channel = connection.open_channel(None).await?;
    let notes = BrokerNotes::default();
    channel.register_callback(notes.clone()).await?;
    declare(&channel, config)
        .await
        .map_err(|e| notes.explain(e))?;
    channel
        .basic_qos(BasicQosArguments::new(0, config.prefetch, false))
        .await
        .map_err(|e| notes.explain(e.into()))?;
    let mut consume = BasicConsumeArguments::new(&config.queue, "tracardictl-bridge");
    consume.manual_ack(true);
    let (_tag, mut rx) = channel
        .basic_consume_rx(consume.finish())
        .await
        .map_err(|e| notes.explain(e.into()))?;
    stats.set_state(BridgeState::Connected);
    backoff.connected();
    tracing::info!(bridge = "amqp", queue = %config.queue, "consuming");
    let mut redeliveries = Redeliveries::default();

    let max_batch = usize::from(config.prefetch).max(1);
    let dlx = dead_letter_exchange(config);
    // Each delivery's body is whole in memory once it arrives (the client library reads
    // it before handing it over), and the broker sends at most `prefetch` unacknowledged
    // ones ahead: memory is bounded by `prefetch` times the broker's `max_message_size`.
    // Bodies over MAX_MESSAGE_BYTES are not parsed, and a batch parses at most about
    // MAX_BATCH_BYTES of bodies.
    let accepted = |m: &amqprs::channel::ConsumerMessage| {
        m.content.as_ref().map_or(0, |c| {
            if c.len() > MAX_MESSAGE_BYTES {
                0
            } else {
                c.len()
            }
        })
    };
    loop {
        let first = tokio::select! {
            m = rx.recv() => Some(m),
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(first) = first else {
            return Ok(());
        };
        let Some(first) = first else {
            match notes.take() {
                Some(said) => anyhow::bail!("{said}"),
                None => anyhow::bail!("the broker closed the channel"),
            }
        };
        let mut bytes = accepted(&first);
        let mut batch = vec![first];
        while batch.len() < max_batch && bytes < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(m) => {
                    bytes += accepted(&m);
                    batch.push(m);
                }
                Err(_) => break,
            }
        }
        let mut last_tag = None;
        // Each message with its key, or its outcome when it is a resend.
        let mut window: Vec<(Result<String, Outcome>, &[u8], &str)> =
            Vec::with_capacity(batch.len());
        for msg in &batch {
            let Some(deliver) = &msg.deliver else {
                continue;
            };
            last_tag = Some(deliver.delivery_tag());
            stats.received.fetch_add(1, Ordering::Relaxed);
            let body = msg.content.as_deref().unwrap_or_default();
            let id = msg.basic_properties.as_ref().and_then(|p| p.message_id());
            let key = match (broker::oversized(body.len()), id) {
                (Some(why), _) => Err(Outcome::DeadLetter(why)),
                (None, Some(id)) => Ok(format!("id:{id}")),
                (None, None) => match redeliveries
                    .key(
                        tracker,
                        &settings.source,
                        deliver.routing_key(),
                        body,
                        deliver.redelivered(),
                    )
                    .await?
                {
                    Keyed::Key(key) => Ok(key),
                    Keyed::Resend => Err(Outcome::Duplicate),
                },
            };
            window.push((key, body, deliver.routing_key().as_str()));
        }
        let messages: Vec<(String, &[u8])> = window
            .iter()
            .filter_map(|(k, b, _)| k.as_ref().ok().map(|k| (k.clone(), *b)))
            .collect();
        // A storage fault leaves the batch unacknowledged: redelivered on reconnect.
        let mut processed = broker::process_batch(tracker, settings, &messages)
            .await?
            .into_iter();
        let outcomes: Vec<Outcome> = window
            .iter()
            .map(|(key, _, _)| match key {
                Ok(_) => processed.next().unwrap_or(Outcome::Duplicate),
                Err(resend) => resend.clone(),
            })
            .collect();
        for ((key, _, _), outcome) in window.iter().zip(&outcomes).rev() {
            if let (Ok(key), false) = (key, *outcome == Outcome::Stored) {
                redeliveries.release(key);
            }
        }
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
                        BasicPublishArguments::new(&dlx, routing_key),
                    )
                    .await
                    .context("cannot publish to the dead-letter exchange")?;
            }
            stats.count(outcome);
        }
        tracker.store().durable().await?;
        redeliveries.end_batch();
        if let Some(tag) = last_tag {
            channel
                .basic_ack(BasicAckArguments::new(tag, true))
                .await
                .context("cannot acknowledge")?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_refusals_read_plainly() {
        let msg = r#"failed to open connection, reason: Close(MethodHeader { class_id: 10, method_id: 50 }, Close { reply_code: 530, reply_text: ShortStr(41, "NOT_ALLOWED - vhost nosuchvhost not found"), class_id: 10, method_id: 40 })"#;
        assert_eq!(
            broker_refusal(msg).as_deref(),
            Some("NOT_ALLOWED - vhost nosuchvhost not found (530)")
        );
        assert_eq!(broker_refusal("something else"), None);
        assert_eq!(user_of("amqp://bob:pw@h:5672/%2f"), "bob");
        assert_eq!(user_of("amqp://h/%2f"), "guest");
    }

    #[test]
    fn dead_letters_default_to_the_bridges_own_exchange() {
        let mut c = AmqpBridgeConfig {
            queue: "orders".into(),
            ..Default::default()
        };
        assert_eq!(dead_letter_exchange(&c), "orders.dlx");
        assert_eq!(dead_letter_queue(&c), "orders.dead-letter");
        c.dead_letter_exchange = "shared".into();
        assert_eq!(dead_letter_exchange(&c), "shared");
    }

    #[test]
    fn urls_checked() {
        assert!(check_config(&AmqpBridgeConfig::default()).is_ok());
        let c = AmqpBridgeConfig {
            url: "http://x".into(),
            ..Default::default()
        };
        assert!(check_config(&c)
            .unwrap_err()
            .starts_with("bridges.amqp.url"));
    }

    #[test]
    fn amqps_urls_use_tls_on_5671() {
        let args = connection_args("amqps://bob:pw@broker.example.com/%2f").unwrap();
        assert_eq!(args.get_port(), 5671);
        assert_eq!(args.get_scheme(), Some("amqps"));
        assert_eq!(args.get_virtual_host(), "/");
        assert_eq!(args.get_host(), "broker.example.com");
        assert!(args.get_tls_adaptor().is_some());
        let args = connection_args("AMQPS://h:5999/v").unwrap();
        assert_eq!((args.get_port(), args.get_virtual_host()), (5999, "v"));
        let args = connection_args("amqp://h/%2f").unwrap();
        assert_eq!(args.get_port(), 5672);
        assert!(args.get_tls_adaptor().is_none());
        assert!(has_port("u:p@[::1]:5671/v"));
        assert!(!has_port("u:p@[::1]/v"));
        assert!(!has_port("u:p@h"));
    }

    #[test]
    fn tls_files_checked() {
        let mut c = AmqpBridgeConfig {
            url: "amqps://guest:guest@broker/%2f".into(),
            ca_file: "/nonexistent/ca.pem".into(),
            ..Default::default()
        };
        let e = check_config(&c).unwrap_err();
        assert!(
            e.starts_with("bridges.amqp.ca_file `/nonexistent/ca.pem`: cannot read"),
            "{e}"
        );
        c.ca_file = String::new();
        assert_eq!(check_config(&c), Ok(()));
        c.key_file = "/x/key.pem".into();
        let e = check_config(&c).unwrap_err();
        assert!(
            e.contains("bridges.amqp.cert_file and bridges.amqp.key_file go together"),
            "{e}"
        );
        c.url = "amqp://guest:guest@broker/%2f".into();
        let e = check_config(&c).unwrap_err();
        assert!(e.contains("is not a TLS URL: use amqps://"), "{e}");
    }
}
