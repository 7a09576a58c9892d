//! Throughput of the bridges, with durable acknowledgement, against a baseline measured
//! in the same run (these machines are noisy; compare ratios):
//!
//! - baseline: `/track` with 100-event TrackerPayloads (the collector's own route);
//! - Segment `/v1/batch` with 100-message batches;
//! - the AMQP bridge draining a queue (only when TEST_AMQP_URL is set).
//!
//! `cargo bench --bench bridges`. Every write is on disk before its answer or ack.
//! `BRIDGES_BENCH=segment` runs only the Segment part, five rounds, for a profiler.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The allocator the shipped binary uses (src/main.rs): without it the bench measures
// glibc malloc, a third of the time in a profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracardictl::daemon::bridges::{self, BridgeStats};
use tracardictl::daemon::collector;
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, SharedStore};
use tracardictl::tracking::{Tracker, TrackerSettings};

const BATCHES: usize = 300;
const PER_BATCH: usize = 100;
const CONCURRENCY: usize = 8;
const AMQP_MESSAGES: usize = 30_000;

struct Setup {
    url: String,
    tracker: Arc<Tracker>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let st: SharedStore =
        store::open(dir.path().to_str().unwrap(), &store::OpenOptions::default()).unwrap();
    let scope = Scope::default_tenant(Context::Production);
    for (id, ty) in [("rest", "rest"), ("seg", "segment"), ("queue", "queue")] {
        let mut s = EventSource::new_rest(id, id);
        s.source_type = ty.into();
        store::put_event_source(st.as_ref(), &scope, &s)
            .await
            .unwrap();
    }
    let tracker = Arc::new(Tracker::new(
        st,
        TrackerSettings {
            scope,
            track_debug: false,
            refuse_bots: false,
            identity: None,
        },
    ));
    let router = collector::router(
        collector::CollectorState::new(tracker.clone()),
        &collector::CollectorOptions {
            body_limit: 4 << 20,
            request_timeout: Duration::from_secs(60),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Setup {
        url: format!("http://{addr}"),
        tracker,
        _dir: dir,
    }
}

/// Posts every body with `CONCURRENCY` requests in flight; returns the elapsed time.
async fn post_all(url: String, bodies: Vec<(String, Vec<(&'static str, String)>)>) -> Duration {
    let client = reqwest::Client::new();
    let queue = Arc::new(tokio::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, queue, url) = (client.clone(), queue.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some((body, headers)) = queue.lock().await.pop() else {
                    break;
                };
                let mut r = client.post(&url).body(body);
                for (k, v) in headers {
                    r = r.header(k, v);
                }
                let resp = r.send().await.unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text().await);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

async fn baseline(s: &Setup) -> f64 {
    let bodies = (0..BATCHES)
        .map(|b| {
            let events: Vec<_> = (0..PER_BATCH)
                .map(|i| json!({"type": "order-completed", "properties": {"n": i, "total": 10}}))
                .collect();
            let body = json!({"source": {"id": "rest"}, "session": {"id": format!("s-{b}")}, "events": events});
            (
                body.to_string(),
                vec![("content-type", "application/json".to_string())],
            )
        })
        .collect();
    let d = post_all(format!("{}/track", s.url), bodies).await;
    rate(BATCHES * PER_BATCH, d)
}

async fn segment(s: &Setup) -> f64 {
    // Each round its own message ids: a repeated id would be skipped as a resend.
    static ROUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let round = ROUND.fetch_add(1, Ordering::Relaxed);
    let bodies = (0..BATCHES)
        .map(|b| {
            let batch: Vec<_> = (0..PER_BATCH)
                .map(|i| {
                    json!({
                        "type": "track", "event": "Order Completed",
                        "messageId": format!("bench-{round}-{b}-{i}"),
                        "anonymousId": format!("anon-{}", (b * PER_BATCH + i) % 500),
                        "properties": {"total": 10, "n": i},
                        "timestamp": "2024-03-01T10:00:00.000Z",
                        "context": {"library": {"name": "analytics-node-next"}},
                    })
                })
                .collect();
            let body = json!({"batch": batch, "sentAt": "2024-03-01T10:00:01.000Z"});
            (
                body.to_string(),
                vec![("authorization", "Basic c2VnOg==".to_string())],
            )
        })
        .collect();
    let d = post_all(format!("{}/v1/batch", s.url), bodies).await;
    rate(BATCHES * PER_BATCH, d)
}

async fn amqp(s: &Setup, url: &str) -> f64 {
    use amqprs::channel::{BasicPublishArguments, QueueDeclareArguments, QueueDeleteArguments};
    use amqprs::connection::Connection;
    use amqprs::BasicProperties;
    let queue = format!("tracardi-bench-{}", uuid::Uuid::new_v4());
    let conn = Connection::open(&bridges::amqp::connection_args(url).unwrap())
        .await
        .unwrap();
    let ch = conn.open_channel(None).await.unwrap();
    ch.queue_declare(QueueDeclareArguments::durable_client_named(&queue))
        .await
        .unwrap();
    for i in 0..AMQP_MESSAGES {
        let body = json!({"session": {"id": format!("s-{}", i % 500)},
                          "events": [{"type": "reading", "properties": {"n": i}}]});
        let mut props = BasicProperties::default();
        props.with_message_id(&format!("m-{i}"));
        ch.basic_publish(
            props.finish(),
            body.to_string().into_bytes(),
            BasicPublishArguments::new("", &queue),
        )
        .await
        .unwrap();
    }
    let config = tracardictl::config::AmqpBridgeConfig {
        url: url.to_string(),
        queue: queue.clone(),
        source: "queue".into(),
        dead_letter_exchange: format!("{queue}.dlx"),
        ..Default::default()
    };
    let stats = Arc::new(BridgeStats::new("amqp"));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let task = tokio::spawn(bridges::amqp::run(
        s.tracker.clone(),
        config,
        stats.clone(),
        stop_rx,
    ));
    while (stats.stored.load(Ordering::Relaxed) as usize) < AMQP_MESSAGES {
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "bridge stalled"
        );
    }
    let d = started.elapsed();
    let _ = stop_tx.send(true);
    let _ = task.await;
    for q in [queue.clone(), format!("{queue}.dead-letter")] {
        let _ = ch.queue_delete(QueueDeleteArguments::new(&q)).await;
    }
    let _ = conn.close().await;
    rate(AMQP_MESSAGES, d)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = setup().await;
        // Warm-up: the first writes create trees and grow the page cache.
        let _ = baseline(&s).await;
        if std::env::var("BRIDGES_BENCH").as_deref() == Ok("segment") {
            // For a profiler: the Segment part alone, repeated.
            for _ in 0..5 {
                let seg = segment(&s).await;
                println!("Segment /v1/batch, 100 messages a batch: {seg:>9.0} messages/s");
            }
            return;
        }
        let base = baseline(&s).await;
        let seg = segment(&s).await;
        println!("baseline /track, 100 events a request:    {base:>9.0} events/s");
        println!(
            "Segment /v1/batch, 100 messages a batch: {seg:>9.0} messages/s  ({:.2}x baseline)",
            seg / base
        );
        match std::env::var("TEST_AMQP_URL") {
            Ok(url) => {
                let a = amqp(&s, &url).await;
                println!(
                    "AMQP bridge, {AMQP_MESSAGES} messages:          {a:>9.0} messages/s  ({:.2}x baseline)",
                    a / base
                );
            }
            Err(_) => println!("AMQP bridge: skipped (TEST_AMQP_URL is not set)"),
        }
    });
}
