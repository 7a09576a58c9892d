//! The MQTT and AMQP bridges against the real brokers on this machine (URLs from
//! TEST_MQTT_URL and TEST_AMQP_URL; without them each test says it was skipped). The
//! real binary runs `serve bridge NAME`; it is SIGKILLed midway and restarted, and every
//! message must be stored exactly once in effect. Malformed messages reach the
//! dead-letter exchange or topic.

use crate::support::command;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tracardictl::domain::{Context, Event, EventSource, Scope};
use tracardictl::store;

const SOURCE: &str = "broker-src";

fn scope() -> Scope {
    Scope::default_tenant(Context::Production)
}

async fn make_store(data: &Path, source_type: &str) {
    let st = store::open(data.to_str().unwrap(), &store::OpenOptions::default()).unwrap();
    let mut src = EventSource::new_rest(SOURCE, "broker");
    src.source_type = source_type.into();
    store::put_event_source(st.as_ref(), &scope(), &src)
        .await
        .unwrap();
    st.durable().await.unwrap();
}

async fn stored_events(data: &Path, event_type: &str) -> Vec<Event> {
    let st = store::open(data.to_str().unwrap(), &store::OpenOptions::default()).unwrap();
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = st
            .events_by_time(&scope(), Default::default(), after.as_deref(), 5000)
            .await
            .unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    all.into_iter()
        .filter(|e| e.event_type == event_type)
        .collect()
}

/// `serve bridge NAME` on `data`, returned once it has printed that it is consuming.
fn start_bridge(data: &Path, name: &str, env: &[(String, String)]) -> Child {
    let mut cmd = command(data.parent().unwrap());
    cmd.args(["serve", "bridge", name, "--data-dir"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn tracardictl");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("consuming") => return child,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("bridge {name} did not start");
            }
        }
    }
}

/// A bridge process, killed if a test panics before it is terminated.
struct Bridge(Child);

impl Drop for Bridge {
    fn drop(&mut self) {
        kill(&mut self.0);
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn terminate(child: &mut Child) -> Option<i32> {
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().ok().and_then(|s| s.code())
}

fn check_exactly_once(events: &[Event], n: usize) {
    let mut seen = std::collections::HashSet::new();
    for e in events {
        let i = e.properties["n"].as_u64().expect("n");
        assert!(seen.insert(i), "message {i} stored twice");
    }
    assert_eq!(seen.len(), n, "every message stored");
}

mod amqp {
    use super::*;
    use amqprs::channel::{
        BasicPublishArguments, Channel, QueueDeclareArguments, QueueDeleteArguments,
    };
    use amqprs::connection::Connection;
    use amqprs::BasicProperties;

    async fn connect(url: &str) -> (Connection, Channel) {
        let args = tracardictl::daemon::bridges::amqp::connection_args(url).unwrap();
        let conn = Connection::open(&args).await.unwrap();
        let ch = conn.open_channel(None).await.unwrap();
        (conn, ch)
    }

    async fn count(ch: &Channel, queue: &str) -> u32 {
        let mut args = QueueDeclareArguments::new(queue);
        args.passive(true);
        ch.queue_declare(args.finish())
            .await
            .unwrap()
            .map(|(_, n, _)| n)
            .unwrap_or(0)
    }

    async fn publish(ch: &Channel, queue: &str, body: Vec<u8>, id: Option<&str>) {
        let mut props = BasicProperties::default();
        props.with_persistence(true);
        if let Some(id) = id {
            props.with_message_id(id);
        }
        ch.basic_publish(props.finish(), body, BasicPublishArguments::new("", queue))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_stores_every_message_once_across_a_kill() {
        let Ok(url) = std::env::var("TEST_AMQP_URL") else {
            println!("skipped: TEST_AMQP_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "queue").await;
        let queue = format!("tracardi-test-{}", uuid::Uuid::new_v4());
        let dlx = format!("{queue}.dlx");
        let dlq = format!("{queue}.dead-letter");
        let (conn, ch) = connect(&url).await;
        ch.queue_declare(QueueDeclareArguments::durable_client_named(&queue))
            .await
            .unwrap();
        let env = vec![
            ("TRACARDI_BRIDGES_AMQP_URL".to_string(), url.clone()),
            ("TRACARDI_BRIDGES_AMQP_QUEUE".to_string(), queue.clone()),
            (
                "TRACARDI_BRIDGES_AMQP_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
            (
                "TRACARDI_BRIDGES_AMQP_DEAD_LETTER_EXCHANGE".to_string(),
                dlx,
            ),
            (
                "TRACARDI_BRIDGES_AMQP_PREFETCH".to_string(),
                "50".to_string(),
            ),
        ];
        let n = 3000;
        let payload = |i: usize| {
            serde_json::json!({"events": [{"type": "reading", "properties": {"n": i}}]})
                .to_string()
                .into_bytes()
        };
        for i in 0..n {
            publish(&ch, &queue, payload(i), Some(&format!("msg-{i}"))).await;
        }
        // Malformed: not JSON, and an empty event type.
        publish(&ch, &queue, b"{oops".to_vec(), None).await;
        publish(&ch, &queue, br#"{"events":[{"type":""}]}"#.to_vec(), None).await;

        let mut bridge = start_bridge(&data, "amqp", &env);
        let deadline = Instant::now() + Duration::from_secs(60);
        while count(&ch, &queue).await as usize > n / 2 {
            assert!(Instant::now() < deadline, "bridge consumed nothing");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        kill(&mut bridge);
        let left = count(&ch, &queue).await as usize;
        assert!(left > 0 && left < n, "killed midway ({left} of {n} left)");
        // Redelivery after the kill: a message republished with the same id is one too.
        publish(&ch, &queue, payload(7), Some("msg-7")).await;
        // The sentinel: once it is dead-lettered, everything before it was processed.
        publish(&ch, &queue, b"sentinel".to_vec(), None).await;

        let mut bridge = start_bridge(&data, "amqp", &env);
        let deadline = Instant::now() + Duration::from_secs(120);
        while count(&ch, &dlq).await < 3 {
            assert!(Instant::now() < deadline, "bridge did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(terminate(&mut bridge), Some(0));
        assert_eq!(count(&ch, &queue).await, 0, "everything acknowledged");
        assert_eq!(count(&ch, &dlq).await, 3, "both malformed and the sentinel");

        for q in [&queue, &dlq] {
            let _ = ch.queue_delete(QueueDeleteArguments::new(q)).await;
        }
        let _ = conn.close().await;
        check_exactly_once(&stored_events(&data, "reading").await, n);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_refuses_a_missing_source() {
        let Ok(url) = std::env::var("TEST_AMQP_URL") else {
            println!("skipped: TEST_AMQP_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "queue").await;
        let out = command(dir.path())
            .args(["serve", "bridge", "amqp", "--data-dir"])
            .arg(&data)
            .env("TRACARDI_BRIDGES_AMQP_URL", url)
            .env("TRACARDI_BRIDGES_AMQP_SOURCE", "no-such-source")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no-such-source"), "{err}");
        let out = command(dir.path())
            .args(["serve", "bridge", "amqp", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("bridges.amqp.source"));
    }

    /// Once the `n`th letter is in `dlq` (a sentinel published last), what was published
    /// before it is handled.
    async fn until_dead_lettered(ch: &Channel, dlq: &str, n: u32) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while count(ch, dlq).await < n {
            assert!(Instant::now() < deadline, "letter {n} not dead-lettered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Deleting the queue cancels the bridge's consumer: it reconnects, declares the
    /// queue again and goes on consuming. Two messages with the same bytes and no
    /// `message_id` are two messages.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_consumes_again_after_its_queue_is_deleted() {
        let Ok(url) = std::env::var("TEST_AMQP_URL") else {
            println!("skipped: TEST_AMQP_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "queue").await;
        let queue = format!("tracardi-test-{}", uuid::Uuid::new_v4());
        let dlq = format!("{queue}.dead-letter");
        let env = vec![
            ("TRACARDI_BRIDGES_AMQP_URL".to_string(), url.clone()),
            ("TRACARDI_BRIDGES_AMQP_QUEUE".to_string(), queue.clone()),
            (
                "TRACARDI_BRIDGES_AMQP_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
            (
                "TRACARDI_BRIDGES_AMQP_DEAD_LETTER_EXCHANGE".to_string(),
                format!("{queue}.dlx"),
            ),
        ];
        let (conn, ch) = connect(&url).await;
        let mut bridge = Bridge(start_bridge(&data, "amqp", &env));
        let reading = |n: u64| {
            serde_json::json!({"events": [{"type": "reading", "properties": {"n": n}}]})
                .to_string()
                .into_bytes()
        };
        // The bridge has declared its queues once the first sentinel arrives.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut args = QueueDeclareArguments::new(&dlq);
            args.passive(true);
            let (probe_conn, probe) = connect(&url).await;
            let there = probe.queue_declare(args.finish()).await.is_ok();
            let _ = probe_conn.close().await;
            if there {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the bridge never declared its queues"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        publish(&ch, &queue, reading(1), None).await;
        publish(&ch, &queue, reading(1), None).await;
        publish(&ch, &queue, b"sentinel".to_vec(), None).await;
        until_dead_lettered(&ch, &dlq, 1).await;

        ch.queue_delete(QueueDeleteArguments::new(&queue))
            .await
            .unwrap();
        // A producer declares the queue again, as producers do, and publishes.
        ch.queue_declare(QueueDeclareArguments::durable_client_named(&queue))
            .await
            .unwrap();
        publish(&ch, &queue, reading(2), None).await;
        publish(
            &ch,
            &queue,
            br#"{"source":{"id":"nope"},"events":[{"type":"reading","properties":{"n":9}}]}"#
                .to_vec(),
            None,
        )
        .await;
        publish(&ch, &queue, b"sentinel".to_vec(), None).await;
        until_dead_lettered(&ch, &dlq, 3).await;
        assert_eq!(terminate(&mut bridge.0), Some(0));
        for q in [&queue, &dlq] {
            let _ = ch.queue_delete(QueueDeleteArguments::new(q)).await;
        }
        let _ = conn.close().await;
        let mut seen: Vec<u64> = stored_events(&data, "reading")
            .await
            .iter()
            .map(|e| e.properties["n"].as_u64().unwrap())
            .collect();
        seen.sort();
        assert_eq!(seen, vec![1, 1, 2]);
    }

    /// In raw mode, bytes that are not UTF-8 are stored exactly (`raw_base64`), not
    /// mangled; a message over 1 MB goes to the dead letters with the reason, as it
    /// came, and the bridge carries on; and each bridge's dead letters stay in its own
    /// `<queue>.dead-letter` (by default each has its own exchange, `<queue>.dlx`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_keeps_binary_refuses_oversized_and_keeps_its_own_dead_letters() {
        use amqprs::channel::{BasicGetArguments, ExchangeDeclareArguments};
        use base64::Engine as _;
        let Ok(url) = std::env::var("TEST_AMQP_URL") else {
            println!("skipped: TEST_AMQP_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let (conn, ch) = connect(&url).await;
        let mut bridges = Vec::new();
        let mut queues = Vec::new();
        for (name, raw) in [("raw", "true"), ("payload", "false")] {
            let data = dir.path().join(name);
            make_store(&data, "queue").await;
            let queue = format!("tracardi-test-{}", uuid::Uuid::new_v4());
            ch.queue_declare(QueueDeclareArguments::durable_client_named(&queue))
                .await
                .unwrap();
            // No dead_letter_exchange: the default.
            let env = vec![
                ("TRACARDI_BRIDGES_AMQP_URL".to_string(), url.clone()),
                ("TRACARDI_BRIDGES_AMQP_QUEUE".to_string(), queue.clone()),
                (
                    "TRACARDI_BRIDGES_AMQP_SOURCE".to_string(),
                    SOURCE.to_string(),
                ),
                ("TRACARDI_BRIDGES_AMQP_RAW".to_string(), raw.to_string()),
            ];
            bridges.push(Bridge(start_bridge(&data, "amqp", &env)));
            queues.push((data, queue));
        }
        let (raw_queue, payload_queue) = (&queues[0].1, &queues[1].1);
        let dead = |q: &str| format!("{q}.dead-letter");
        // Declared by the bridges once they consume.
        let deadline = Instant::now() + Duration::from_secs(30);
        for q in [raw_queue, payload_queue] {
            loop {
                let (probe_conn, probe) = connect(&url).await;
                let mut args = ExchangeDeclareArguments::new(&format!("{q}.dlx"), "fanout");
                args.passive = true;
                let there = probe.exchange_declare(args).await.is_ok();
                let mut args = QueueDeclareArguments::new(&dead(q));
                args.passive(true);
                let there = there && probe.queue_declare(args.finish()).await.is_ok();
                let _ = probe_conn.close().await;
                if there {
                    break;
                }
                assert!(Instant::now() < deadline, "no exchange `{q}.dlx`");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        let binary: Vec<u8> = vec![0xff, 0xfe, 0x00, b'a', 0x80, 0xc3, 0x28];
        publish(&ch, raw_queue, binary.clone(), None).await;
        let big = vec![b' '; 1_100_000];
        publish(&ch, raw_queue, big.clone(), None).await;
        publish(&ch, raw_queue, br#"{"after": true}"#.to_vec(), None).await;
        publish(&ch, payload_queue, b"{oops".to_vec(), None).await;
        until_dead_lettered(&ch, &dead(raw_queue), 1).await;
        until_dead_lettered(&ch, &dead(payload_queue), 1).await;
        // A sentinel behind the first letter: the bridge has handled what came before.
        publish(&ch, payload_queue, b"sentinel".to_vec(), None).await;
        until_dead_lettered(&ch, &dead(payload_queue), 2).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Each bridge's letters in its own queue only.
        assert_eq!(count(&ch, &dead(raw_queue)).await, 1);
        assert_eq!(count(&ch, &dead(payload_queue)).await, 2);
        let (_, props, body) = ch
            .basic_get(BasicGetArguments::new(&dead(raw_queue)))
            .await
            .unwrap()
            .expect("the oversized letter");
        assert_eq!(body.len(), big.len(), "the body as it came");
        let headers = props.headers().expect("reason header").to_string();
        assert!(
            headers.contains("larger than 1048576 bytes (1100000 bytes)"),
            "{headers}"
        );

        for b in &mut bridges {
            assert_eq!(terminate(&mut b.0), Some(0));
        }
        for (_, q) in &queues {
            let _ = ch.queue_delete(QueueDeleteArguments::new(q)).await;
            let _ = ch.queue_delete(QueueDeleteArguments::new(&dead(q))).await;
            let _ = ch
                .exchange_delete(amqprs::channel::ExchangeDeleteArguments::new(&format!(
                    "{q}.dlx"
                )))
                .await;
        }
        let _ = conn.close().await;
        let stored = stored_events(&queues[0].0, "queue-message").await;
        assert_eq!(
            stored.len(),
            2,
            "the binary message and the one after the big one"
        );
        let kept = stored
            .iter()
            .find_map(|e| e.properties.get("raw_base64"))
            .expect("binary stored as raw_base64");
        let back = base64::engine::general_purpose::STANDARD
            .decode(kept.as_str().unwrap())
            .unwrap();
        assert_eq!(back, binary);
        assert!(stored.iter().all(|e| e.properties.get("raw").is_none()));
        assert!(stored
            .iter()
            .any(|e| e.properties.get("after") == Some(&serde_json::Value::Bool(true))));
    }

    /// What the broker says when it refuses the bridge is what the operator reads.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_says_why_the_broker_refused_it() {
        let Ok(url) = std::env::var("TEST_AMQP_URL") else {
            println!("skipped: TEST_AMQP_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "queue").await;
        let wrong_password = url.replacen("guest:guest@", "guest:wrong@", 1);
        let no_vhost = match url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/no-such-vhost"),
            None => url.clone(),
        };
        // A queue already declared with other arguments (not durable).
        let queue = format!("tracardi-test-{}", uuid::Uuid::new_v4());
        let (conn, ch) = connect(&url).await;
        ch.queue_declare(QueueDeclareArguments::new(&queue))
            .await
            .unwrap();
        for (bridge_url, q, expected) in [
            (&wrong_password, "tracardi", "wrong user name or password"),
            (&no_vhost, "tracardi", "vhost no-such-vhost not found (530)"),
            (&url, queue.as_str(), "PRECONDITION_FAILED"),
        ] {
            let mut child = command(dir.path())
                .args(["serve", "bridge", "amqp", "--data-dir"])
                .arg(&data)
                .env("TRACARDI_BRIDGES_AMQP_URL", bridge_url)
                .env("TRACARDI_BRIDGES_AMQP_QUEUE", q)
                .env("TRACARDI_BRIDGES_AMQP_SOURCE", SOURCE)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stderr = child.stderr.take().unwrap();
            let mut bridge = Bridge(child);
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let _ = tx.send(line);
                }
            });
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut log = String::new();
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(line) if line.contains(expected) => {
                        println!("{line}");
                        break;
                    }
                    Ok(line) => log.push_str(&line),
                    Err(_) => panic!("`{expected}` not said: {log}"),
                }
            }
            assert!(!log.contains("MethodHeader"), "{log}");
            terminate(&mut bridge.0);
        }
        let _ = ch.queue_delete(QueueDeleteArguments::new(&queue)).await;
        let _ = conn.close().await;
    }
}

mod mqtt {
    use super::*;
    use rumqttc::{AsyncClient, Event as MqttEvent, MqttOptions, Packet, QoS};
    use tokio::sync::mpsc as tmpsc;

    /// A publisher that also listens on `listen`; received payloads come out of the
    /// channel.
    async fn client(url: &str, listen: &str) -> (AsyncClient, tmpsc::UnboundedReceiver<Vec<u8>>) {
        let rest = url.trim_start_matches("mqtt://");
        let (host, port) = rest.split_once(':').unwrap_or((rest, "1883"));
        let mut opts = MqttOptions::new(
            format!("test-{}", uuid::Uuid::new_v4()),
            host,
            port.trim_end_matches('/').parse().unwrap(),
        );
        opts.set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(4 << 20, 4 << 20);
        let (c, mut ev) = AsyncClient::new(opts, 10_000);
        let (tx, rx) = tmpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match ev.poll().await {
                    Ok(MqttEvent::Incoming(Packet::Publish(p))) => {
                        let _ = tx.send(p.payload.to_vec());
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        c.subscribe(listen, QoS::AtLeastOnce).await.unwrap();
        (c, rx)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mqtt_bridge_stores_every_message_once_across_a_kill() {
        let Ok(url) = std::env::var("TEST_MQTT_URL") else {
            println!("skipped: TEST_MQTT_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "mqtt").await;
        let run = uuid::Uuid::new_v4();
        let topic = format!("tracardi-test/{run}/in");
        let dlt = format!("tracardi-test/{run}/dead");
        let env = vec![
            ("TRACARDI_BRIDGES_MQTT_URL".to_string(), url.clone()),
            ("TRACARDI_BRIDGES_MQTT_TOPICS".to_string(), topic.clone()),
            (
                "TRACARDI_BRIDGES_MQTT_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_CLIENT_ID".to_string(),
                format!("bridge-{run}"),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC".to_string(),
                dlt.clone(),
            ),
        ];
        let (publisher, mut dead) = client(&url, &dlt).await;
        let mut bridge = start_bridge(&data, "mqtt", &env);
        // Until the bridge has subscribed, the broker keeps nothing for it: probe with
        // malformed messages until one comes back on the dead-letter topic.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            publisher
                .publish(topic.clone(), QoS::AtLeastOnce, false, b"probe".to_vec())
                .await
                .unwrap();
            if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), dead.recv()).await
            {
                break;
            }
            assert!(Instant::now() < deadline, "the bridge never subscribed");
        }
        let n = 400;
        let body = |i: usize| {
            serde_json::json!({"events": [{"type": "reading", "properties": {"n": i}}]})
                .to_string()
                .into_bytes()
        };
        for i in 0..n / 2 {
            publisher
                .publish(topic.clone(), QoS::AtLeastOnce, false, body(i))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        kill(&mut bridge);
        // Published while the bridge is down: the broker keeps them in its session.
        for i in n / 2..n {
            publisher
                .publish(topic.clone(), QoS::AtLeastOnce, false, body(i))
                .await
                .unwrap();
        }
        publisher
            .publish(topic.clone(), QoS::AtLeastOnce, false, b"sentinel".to_vec())
            .await
            .unwrap();
        let mut bridge = start_bridge(&data, "mqtt", &env);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, dead.recv()).await {
                Ok(Some(letter)) => {
                    let letter: serde_json::Value = serde_json::from_slice(&letter).unwrap();
                    assert!(letter["reason"].as_str().is_some_and(|r| !r.is_empty()));
                    if letter["payload"] == "sentinel" {
                        break;
                    }
                }
                _ => panic!("the sentinel never reached the dead-letter topic"),
            }
        }
        assert_eq!(terminate(&mut bridge), Some(0));
        check_exactly_once(&stored_events(&data, "reading").await, n);
    }

    /// Waits for the next dead-letter notice.
    async fn next_letter(dead: &mut tmpsc::UnboundedReceiver<Vec<u8>>) -> serde_json::Value {
        match tokio::time::timeout(Duration::from_secs(30), dead.recv()).await {
            Ok(Some(letter)) => serde_json::from_slice(&letter).unwrap(),
            _ => panic!("no dead-letter notice"),
        }
    }

    /// Oversized and binary messages are dead-lettered (their bytes kept, the notice cut
    /// to fit) and acked, and the bridge carries on; a message naming another source is
    /// refused; a second message with the same bytes is a new message, not a resend.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mqtt_bridge_dead_letters_what_it_cannot_take_and_carries_on() {
        use base64::Engine as _;
        let Ok(url) = std::env::var("TEST_MQTT_URL") else {
            println!("skipped: TEST_MQTT_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        make_store(&data, "mqtt").await;
        let run = uuid::Uuid::new_v4();
        let topic = format!("tracardi-test/{run}/in");
        let dlt = format!("tracardi-test/{run}/dead");
        let env = vec![
            ("TRACARDI_BRIDGES_MQTT_URL".to_string(), url.clone()),
            ("TRACARDI_BRIDGES_MQTT_TOPICS".to_string(), topic.clone()),
            (
                "TRACARDI_BRIDGES_MQTT_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_CLIENT_ID".to_string(),
                format!("bridge-{run}"),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC".to_string(),
                dlt.clone(),
            ),
        ];
        let (publisher, mut dead) = client(&url, &dlt).await;
        let mut bridge = Bridge(start_bridge(&data, "mqtt", &env));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            publisher
                .publish(topic.clone(), QoS::AtLeastOnce, false, b"probe".to_vec())
                .await
                .unwrap();
            if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), dead.recv()).await
            {
                break;
            }
            assert!(Instant::now() < deadline, "the bridge never subscribed");
        }
        while tokio::time::timeout(Duration::from_millis(300), dead.recv())
            .await
            .is_ok()
        {}
        let publish = |body: Vec<u8>| {
            let (p, t) = (publisher.clone(), topic.clone());
            async move { p.publish(t, QoS::AtLeastOnce, false, body).await.unwrap() }
        };
        let reading = |n: u64| {
            serde_json::json!({"events": [{"type": "reading", "properties": {"n": n}}]})
                .to_string()
                .into_bytes()
        };

        // Larger than the bridge takes: refused with the reason, not a dropped
        // connection that brings it back for ever.
        let big = vec![b'x'; 1_100_000];
        publish(big).await;
        let letter = next_letter(&mut dead).await;
        assert!(
            letter["reason"].as_str().unwrap().contains("larger than"),
            "{letter}"
        );
        assert_eq!(letter["truncated"], true);
        assert_eq!(letter["size"], 1_100_000);
        publish(reading(1)).await;

        // Binary: the exact bytes, base64. Big binary: cut to fit a notice.
        let binary: Vec<u8> = (0..300u32).map(|i| (i * 151 % 256) as u8).collect();
        publish(binary.clone()).await;
        let letter = next_letter(&mut dead).await;
        let back = base64::engine::general_purpose::STANDARD
            .decode(letter["payload_base64"].as_str().unwrap())
            .unwrap();
        assert_eq!(back, binary);
        let big_binary: Vec<u8> = (0..900_000u32).map(|i| (i * 151 % 256) as u8).collect();
        publish(big_binary).await;
        let letter = next_letter(&mut dead).await;
        assert_eq!(letter["truncated"], true, "{}", letter["reason"]);
        assert_eq!(letter["size"], 900_000);

        // Another source named: refused, not silently replaced.
        publish(
            br#"{"source":{"id":"nope"},"events":[{"type":"reading","properties":{"n":99}}]}"#
                .to_vec(),
        )
        .await;
        let letter = next_letter(&mut dead).await;
        assert!(
            letter["reason"].as_str().unwrap().contains("`nope`"),
            "{letter}"
        );

        // The same bytes twice: two readings that happened.
        publish(reading(2)).await;
        publish(reading(2)).await;
        publish(b"sentinel".to_vec()).await;
        loop {
            if next_letter(&mut dead).await["payload"] == "sentinel" {
                break;
            }
        }
        assert_eq!(terminate(&mut bridge.0), Some(0));
        let mut seen: Vec<u64> = stored_events(&data, "reading")
            .await
            .iter()
            .map(|e| e.properties["n"].as_u64().unwrap())
            .collect();
        seen.sort();
        assert_eq!(seen, vec![1, 2, 2]);
    }

    /// `serve bridge mqtt` with its stdout line saying what it consumes, and a channel
    /// of its stderr lines.
    fn start_watched(
        data: &Path,
        env: &[(String, String)],
    ) -> (Bridge, String, mpsc::Receiver<String>) {
        let mut cmd = command(data.parent().unwrap());
        cmd.args(["serve", "bridge", "mqtt", "--data-dir"])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let (out_tx, out_rx) = mpsc::channel();
        let (err_tx, err_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let bridge = Bridge(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match out_rx.recv_timeout(left) {
                Ok(line) if line.contains("consuming") => return (bridge, line, err_rx),
                Ok(_) => {}
                Err(_) => panic!("bridge mqtt did not start"),
            }
        }
    }

    /// Drops the broker's persistent session of `id`.
    async fn forget_session(url: &str, id: &str) {
        let rest = url.trim_start_matches("mqtt://");
        let (host, port) = rest.split_once(':').unwrap_or((rest, "1883"));
        let mut opts = MqttOptions::new(id, host, port.trim_end_matches('/').parse().unwrap());
        opts.set_clean_session(true);
        let (c, mut ev) = AsyncClient::new(opts, 10);
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(e) = ev.poll().await {
                if matches!(e, MqttEvent::Incoming(Packet::ConnAck(_))) {
                    break;
                }
            }
        })
        .await;
        let _ = c.disconnect().await;
        let _ = tokio::time::timeout(Duration::from_secs(1), ev.poll()).await;
    }

    /// Without a configured client id, two bridges on one host (two stores) connect
    /// under ids of their own and both stay connected. Two bridges given the same id
    /// knock each other off the broker in turn: the bridge says so, naming the id.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mqtt_client_ids_default_per_store_and_a_shared_one_is_named() {
        let Ok(url) = std::env::var("TEST_MQTT_URL") else {
            println!("skipped: TEST_MQTT_URL is not set");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let run = uuid::Uuid::new_v4();
        let env = |client_id: Option<String>| {
            let mut env = vec![
                ("TRACARDI_BRIDGES_MQTT_URL".to_string(), url.clone()),
                (
                    "TRACARDI_BRIDGES_MQTT_TOPICS".to_string(),
                    format!("tracardi-test/{run}/in"),
                ),
                (
                    "TRACARDI_BRIDGES_MQTT_SOURCE".to_string(),
                    SOURCE.to_string(),
                ),
                (
                    "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC".to_string(),
                    format!("tracardi-test/{run}/dead"),
                ),
                ("RUST_LOG".to_string(), "warn".to_string()),
            ];
            if let Some(id) = client_id {
                env.push(("TRACARDI_BRIDGES_MQTT_CLIENT_ID".to_string(), id));
            }
            env
        };
        let mut datas = Vec::new();
        for name in ["a", "b"] {
            let data = dir.path().join(name);
            make_store(&data, "mqtt").await;
            datas.push(data);
        }

        // Default ids: one per store, both bridges stay connected.
        let mut ids = Vec::new();
        let mut watched = Vec::new();
        for data in &datas {
            let (bridge, line, stderr) = start_watched(data, &env(None));
            let id = line
                .split("as client id ")
                .nth(1)
                .unwrap_or_else(|| panic!("no client id in `{line}`"))
                .to_string();
            assert!(id.starts_with("tracardictl-"), "{line}");
            ids.push(id);
            watched.push((bridge, stderr));
        }
        assert_ne!(ids[0], ids[1], "one default client id for two stores");
        std::thread::sleep(Duration::from_secs(4));
        for (bridge, stderr) in &mut watched {
            let said: Vec<String> = stderr.try_iter().collect();
            assert!(
                !said.iter().any(|l| l.contains("connection lost")),
                "{said:?}"
            );
            assert_eq!(terminate(&mut bridge.0), Some(0));
        }

        // One explicit id for both: named as the likely cause.
        let shared = format!("clash-{run}");
        let mut watched: Vec<_> = datas
            .iter()
            .map(|data| start_watched(data, &env(Some(shared.clone()))))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        let expected = format!("same client id `{shared}`");
        'found: loop {
            for (_, _, stderr) in &watched {
                for line in stderr.try_iter() {
                    if line.contains(&expected) {
                        println!("{line}");
                        break 'found;
                    }
                }
            }
            assert!(Instant::now() < deadline, "the clash was never named");
            std::thread::sleep(Duration::from_millis(100));
        }
        for (bridge, _, _) in &mut watched {
            terminate(&mut bridge.0);
        }
        for id in ids.iter().chain([&shared]) {
            forget_session(&url, id).await;
        }
    }
}

/// A bridge whose event source is missing, disabled or of another type is refused
/// before anything starts (exit 2, naming the key and the source; nothing printed as
/// running): by `serve bridge NAME` and by the single-node `serve` alike. No broker is
/// contacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_whose_source_is_unfit_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    // SOURCE is of type `rest` here.
    let data = dir.path().join("data");
    make_store(&data, "rest").await;
    let disabled = dir.path().join("disabled");
    {
        let st = store::open(disabled.to_str().unwrap(), &store::OpenOptions::default()).unwrap();
        let mut src = EventSource::new_rest(SOURCE, "broker");
        src.source_type = "queue".into();
        src.enabled = false;
        store::put_event_source(st.as_ref(), &scope(), &src)
            .await
            .unwrap();
        st.durable().await.unwrap();
    }
    let single_node: &[&str] = &["serve"];
    let cases: &[(&[&str], &Path, &str, &str, &str)] = &[
        (
            &["serve", "bridge", "amqp"],
            &data,
            "amqp",
            "no-such-source",
            "bridges.amqp.source: there is no event source `no-such-source` in tenant `default`, context production",
        ),
        (
            &["serve", "bridge", "mqtt"],
            &data,
            "mqtt",
            "no-such-source",
            "bridges.mqtt.source: there is no event source `no-such-source`",
        ),
        (
            &["serve", "bridge", "mqtt"],
            &data,
            "mqtt",
            SOURCE,
            "is of type `rest`; a broker bridge feeds sources of type mqtt or queue",
        ),
        (
            &["serve", "bridge", "amqp"],
            &disabled,
            "amqp",
            SOURCE,
            "is disabled",
        ),
        (
            single_node,
            &data,
            "amqp",
            "no-such-source",
            "bridges.amqp.source: there is no event source `no-such-source`",
        ),
    ];
    for (args, data, bridge, source, expected) in cases {
        let upper = bridge.to_uppercase();
        let out = command(dir.path())
            .args(*args)
            .arg("--data-dir")
            .arg(data)
            .env(format!("TRACARDI_BRIDGES_{upper}_SOURCE"), source)
            .env(format!("TRACARDI_BRIDGES_{upper}_ENABLED"), "true")
            .env("TRACARDI_COLLECTOR_LISTEN", "127.0.0.1:0")
            .env("TRACARDI_PRIVATE_API_LISTEN", "127.0.0.1:0")
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?} {source}: {stderr}");
        assert!(stderr.contains(expected), "{args:?} {source}: {stderr}");
        assert!(
            !stdout.contains("consuming") && !stdout.contains("listening"),
            "reported running before the refusal: {stdout}"
        );
    }
}

/// Bridge settings that cannot work are configuration errors (exit 2, naming the key)
/// from `config validate` and from `serve` before anything listens — not a panic, a
/// retry loop or an exit 1 after start.
#[test]
fn bad_bridge_settings_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("TRACARDI_BRIDGES_MQTT_URL", "not a url", "bridges.mqtt.url"),
        (
            "TRACARDI_BRIDGES_MQTT_URL",
            "mqtt://127.0.0.1:99999",
            "bridges.mqtt.url",
        ),
        ("TRACARDI_BRIDGES_MQTT_TOPICS", "", "bridges.mqtt.topics"),
        ("TRACARDI_BRIDGES_MQTT_TOPICS", "in/#/bad", "`#` must be"),
        (
            "TRACARDI_BRIDGES_AMQP_DEAD_LETTER_EXCHANGE",
            "  ",
            "bridges.amqp.dead_letter_exchange",
        ),
        (
            "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC",
            "",
            "bridges.mqtt.dead_letter_topic",
        ),
        (
            "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC",
            "dead/#",
            "bridges.mqtt.dead_letter_topic",
        ),
        // Inside the subscribed `tracardi/#`: the bridge would read its own letters.
        (
            "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC",
            "tracardi/dead",
            "matched by the subscribed filter `tracardi/#`",
        ),
        ("TRACARDI_BRIDGES_AMQP_URL", "http://x", "bridges.amqp.url"),
        // TLS: an unknown scheme, and TLS files with a plain URL (TLS meant, none had).
        (
            "TRACARDI_BRIDGES_MQTT_URL",
            "wss://127.0.0.1",
            "expected mqtt://host[:port], or mqtts://host[:port] for TLS",
        ),
        (
            "TRACARDI_BRIDGES_MQTT_CA_FILE",
            "ca.pem",
            "bridges.mqtt.ca_file, cert_file and key_file are for TLS, but bridges.mqtt.url \
             is not a TLS URL: use mqtts://",
        ),
        (
            "TRACARDI_BRIDGES_AMQP_CA_FILE",
            "ca.pem",
            "is not a TLS URL: use amqps://",
        ),
    ];
    for (var, value, expected) in cases {
        for args in [
            &["config", "validate"][..],
            &["serve", "bridge", "mqtt"][..],
        ] {
            let out = command(dir.path())
                .args(args)
                .env(var, value)
                .env("TRACARDI_BRIDGES_MQTT_SOURCE", SOURCE)
                .env("TRACARDI_BRIDGES_AMQP_SOURCE", SOURCE)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{var}={value:?} {args:?}: {err}"
            );
            assert!(err.contains(expected), "{var}={value:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // A TLS URL with a `ca_file` that is missing, or is not PEM: named, exit 2.
    std::fs::write(dir.path().join("not-pem.txt"), "not a certificate").unwrap();
    for (bridge, url) in [
        ("MQTT", "mqtts://127.0.0.1:8883"),
        ("AMQP", "amqps://guest:guest@127.0.0.1/%2f"),
    ] {
        let key = format!("bridges.{}.ca_file", bridge.to_lowercase());
        for (file, expected) in [
            (
                "missing.pem",
                format!("{key} `missing.pem`: cannot read it"),
            ),
            (
                "not-pem.txt",
                format!("{key} `not-pem.txt` holds no PEM certificate"),
            ),
        ] {
            let out = command(dir.path())
                .args(["config", "validate"])
                .env(format!("TRACARDI_BRIDGES_{bridge}_URL"), url)
                .env(format!("TRACARDI_BRIDGES_{bridge}_CA_FILE"), file)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{bridge} {file}: {err}");
            assert!(err.contains(&expected), "{bridge} {file}: {err}");
        }
        // Without ca_file: the bundled roots, valid.
        let out = command(dir.path())
            .args(["config", "validate"])
            .env(format!("TRACARDI_BRIDGES_{bridge}_URL"), url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{bridge}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Empty client id and dead-letter exchange: derived ones, not errors.
    let out = command(dir.path())
        .args(["config", "validate"])
        .env("TRACARDI_BRIDGES_MQTT_CLIENT_ID", "")
        .env("TRACARDI_BRIDGES_AMQP_DEAD_LETTER_EXCHANGE", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The MQTT bridge over TLS (`mqtts://`), against a private mosquitto with a TLS
/// listener and a CA made for the test (openssl). Skipped when mosquitto or openssl is
/// not installed.
mod mqtt_tls {
    use super::*;
    use crate::support::{client as http, Server};
    use rumqttc::{
        AsyncClient, Event as MqttEvent, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
    };
    use std::sync::Arc;
    use tokio::sync::mpsc as tmpsc;

    const MOSQUITTO: &str = "/usr/sbin/mosquitto";

    /// A mosquitto process, killed when dropped.
    pub(super) struct Broker {
        child: Child,
        pub(super) port: u16,
        pub(super) ca: std::path::PathBuf,
    }

    impl Drop for Broker {
        fn drop(&mut self) {
            kill(&mut self.child);
        }
    }

    fn run(dir: &Path, program: &str, args: &[&str]) {
        let out = std::process::Command::new(program)
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A CA and a server certificate for 127.0.0.1 signed by it, and mosquitto with a
    /// TLS listener on a free port using them; `None` (the test skipped) without
    /// mosquitto or openssl.
    pub(super) fn start_broker(dir: &Path) -> Option<Broker> {
        let have_openssl = std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !Path::new(MOSQUITTO).exists() || !have_openssl {
            println!("skipped: {MOSQUITTO} or openssl is not installed");
            return None;
        }
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca_args = vec!["req", "-x509"];
        ca_args.extend(ec);
        ca_args.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"]);
        ca_args.extend(["-subj", "/CN=tracardi-test-ca"]);
        run(dir, "openssl", &ca_args);
        let mut csr_args = vec!["req"];
        csr_args.extend(ec);
        csr_args.extend(["-keyout", "server.key", "-out", "server.csr"]);
        csr_args.extend(["-subj", "/CN=localhost"]);
        run(dir, "openssl", &csr_args);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(
            dir,
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
            ],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
                 certfile {}\nkeyfile {}\n{}",
                dir.join("server.pem").display(),
                dir.join("server.key").display(),
                // As root mosquitto would switch to its own user, which cannot read
                // the test's files.
                if unsafe { libc::geteuid() } == 0 {
                    "user root\n"
                } else {
                    ""
                }
            ),
        )
        .unwrap();
        let child = std::process::Command::new(MOSQUITTO)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let broker = Broker {
            child,
            port,
            ca: dir.join("ca.pem"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(broker)
    }

    /// A TLS publisher trusting `ca` that also listens on `listen`.
    async fn tls_client(
        port: u16,
        ca: &Path,
        listen: &str,
    ) -> (AsyncClient, tmpsc::UnboundedReceiver<Vec<u8>>) {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut opts =
            MqttOptions::new(format!("test-{}", uuid::Uuid::new_v4()), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(30))
            .set_transport(Transport::Tls(TlsConfiguration::Rustls(Arc::new(tls))));
        let (c, mut ev) = AsyncClient::new(opts, 100);
        let (tx, rx) = tmpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match ev.poll().await {
                    Ok(MqttEvent::Incoming(Packet::Publish(p))) => {
                        let _ = tx.send(p.payload.to_vec());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        println!("test client: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
        c.subscribe(listen, QoS::AtLeastOnce).await.unwrap();
        (c, rx)
    }

    /// With `ca_file` naming the broker's private CA, the bridge connects over TLS
    /// (`mqtts://`) and stores what is published.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mqtt_bridge_over_tls_with_a_private_ca() {
        let dir = tempfile::tempdir().unwrap();
        let Some(broker) = start_broker(dir.path()) else {
            return;
        };
        let data = dir.path().join("data");
        make_store(&data, "mqtt").await;
        let run = uuid::Uuid::new_v4();
        let topic = format!("tracardi-test/{run}/in");
        let dlt = format!("tracardi-test/{run}/dead");
        let env = vec![
            (
                "TRACARDI_BRIDGES_MQTT_URL".to_string(),
                format!("mqtts://127.0.0.1:{}", broker.port),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_CA_FILE".to_string(),
                broker.ca.display().to_string(),
            ),
            ("TRACARDI_BRIDGES_MQTT_TOPICS".to_string(), topic.clone()),
            (
                "TRACARDI_BRIDGES_MQTT_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_CLIENT_ID".to_string(),
                format!("bridge-{run}"),
            ),
            (
                "TRACARDI_BRIDGES_MQTT_DEAD_LETTER_TOPIC".to_string(),
                dlt.clone(),
            ),
        ];
        let (publisher, mut dead) = tls_client(broker.port, &broker.ca, &dlt).await;
        let mut bridge = Bridge(start_bridge(&data, "mqtt", &env));
        // Probe with malformed messages until the bridge has subscribed (one comes back
        // on the dead-letter topic).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            publisher
                .publish(topic.clone(), QoS::AtLeastOnce, false, b"probe".to_vec())
                .await
                .unwrap();
            if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), dead.recv()).await
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the bridge never subscribed over TLS"
            );
        }
        let reading = serde_json::json!({"events": [{"type": "reading", "properties": {"n": 7}}]});
        publisher
            .publish(
                topic.clone(),
                QoS::AtLeastOnce,
                false,
                reading.to_string().into_bytes(),
            )
            .await
            .unwrap();
        publisher
            .publish(topic.clone(), QoS::AtLeastOnce, false, b"sentinel".to_vec())
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, dead.recv()).await {
                Ok(Some(letter)) => {
                    let letter: serde_json::Value = serde_json::from_slice(&letter).unwrap();
                    if letter["payload"] == "sentinel" {
                        break;
                    }
                }
                _ => panic!("the sentinel never reached the dead-letter topic"),
            }
        }
        assert_eq!(terminate(&mut bridge.0), Some(0));
        let stored = stored_events(&data, "reading").await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0].properties["n"], 7);
    }

    /// Without `ca_file` the broker's private CA is unknown: the connection is refused
    /// (never unverified), and the bridge's status says why and what to set, instead of
    /// retrying in silence.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mqtt_bridge_over_tls_reports_an_untrusted_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let Some(broker) = start_broker(dir.path()) else {
            return;
        };
        let data = dir.path().join("data");
        make_store(&data, "mqtt").await;
        // `serve` runs in the temp dir and reads its tracardi.toml.
        std::fs::write(
            dir.path().join("tracardi.toml"),
            format!(
                "[bridges.mqtt]\nenabled = true\nurl = \"mqtts://127.0.0.1:{}\"\n\
                 source = \"{SOURCE}\"\nclient_id = \"bridge-{}\"\n",
                broker.port,
                uuid::Uuid::new_v4()
            ),
        )
        .unwrap();
        let server = Server::start_at(&data, &[]);
        let token = server.install().await;
        let deadline = Instant::now() + Duration::from_secs(30);
        let mqtt = loop {
            let v: serde_json::Value = http()
                .get(format!("{}/bridges", server.private_api()))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mqtt = v["items"]
                .as_array()
                .and_then(|items| items.iter().find(|b| b["name"] == "mqtt").cloned());
            if let Some(m) = mqtt.filter(|m| m["last_error"].is_string()) {
                break m;
            }
            assert!(Instant::now() < deadline, "no error reported: {v}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let error = mqtt["last_error"].as_str().unwrap();
        assert!(error.contains("invalid peer certificate"), "{mqtt}");
        assert!(error.contains("set bridges.mqtt.ca_file"), "{mqtt}");
        assert_ne!(mqtt["state"], "connected", "{mqtt}");
        assert_eq!(mqtt["connects"], 0, "{mqtt}");
    }
}

/// The AMQP bridge's TLS (`amqps://`) against a TLS server that is not RabbitMQ (the
/// private mosquitto of [`mqtt_tls`]), so the system's RabbitMQ is left alone: without
/// `ca_file` the private CA is refused and the error says what to set; with it the TLS
/// handshake passes and only the AMQP exchange after it fails.
mod amqp_tls {
    use super::*;

    /// The first `AMQP bridge disconnected` warning of `serve bridge amqp`.
    fn first_error(data: &Path, env: &[(String, String)]) -> String {
        let mut cmd = command(data.parent().unwrap());
        cmd.args(["serve", "bridge", "amqp", "--data-dir"])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut bridge = Bridge(cmd.spawn().unwrap());
        let stderr = bridge.0.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("AMQP bridge disconnected") => {
                    terminate(&mut bridge.0);
                    return line;
                }
                Ok(_) => {}
                Err(_) => panic!("the AMQP bridge reported no error"),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn amqp_bridge_verifies_the_brokers_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let Some(broker) = super::mqtt_tls::start_broker(dir.path()) else {
            return;
        };
        let data = dir.path().join("data");
        make_store(&data, "queue").await;
        let mut env = vec![
            (
                "TRACARDI_BRIDGES_AMQP_URL".to_string(),
                format!("amqps://guest:guest@127.0.0.1:{}/%2f", broker.port),
            ),
            (
                "TRACARDI_BRIDGES_AMQP_SOURCE".to_string(),
                SOURCE.to_string(),
            ),
        ];
        let untrusted = first_error(&data, &env);
        assert!(
            untrusted.contains("invalid peer certificate"),
            "{untrusted}"
        );
        assert!(
            untrusted.contains("set bridges.amqp.ca_file"),
            "{untrusted}"
        );
        env.push((
            "TRACARDI_BRIDGES_AMQP_CA_FILE".to_string(),
            broker.ca.display().to_string(),
        ));
        let trusted = first_error(&data, &env);
        println!("{untrusted}\n{trusted}");
        assert!(!trusted.contains("certificate"), "{trusted}");
        assert!(
            trusted.contains("cannot connect to the AMQP broker"),
            "{trusted}"
        );
    }
}
