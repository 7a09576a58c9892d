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
            "TRACARDI_BRIDGES_MQTT_CLIENT_ID",
            "",
            "bridges.mqtt.client_id",
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
}
