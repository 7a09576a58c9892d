//! End to end: collector → durable queue → background worker running a 5-node flow,
//! in one process over a fresh embedded store per phase.
//!
//! * Baseline: the collector alone (an asynchronous source: each acknowledged payload is
//!   stored and leaves a workflow job; no worker runs), acknowledged events/s.
//! * End to end: the same load with the worker running the flow for every event.
//!   Reports acknowledged events/s, events/s the worker finished, and the queue depth
//!   sampled every second; "sustained" is the rate at which the backlog did not grow
//!   (the lower of the two rates, unless the depth at the end is within one second of
//!   load of the depth at the first sample).
//!
//! The ratio of the two phases is the figure to compare across machines. Loopback
//! only, bounded in time. `cargo bench --bench worker_e2e`; BENCH_SECONDS (10),
//! BENCH_CONNECTIONS (32), BENCH_EVENTS events per payload (3), BENCH_CONCURRENCY worker
//! jobs at once (64, the daemon's default).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracardictl::daemon::{collector, worker};
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, SharedStore};
use tracardictl::tracking::{Tracker, TrackerSettings};
use tracardictl::workflow::engine::{kinds, EngineOptions, WorkflowEngine};
use tracardictl::workflow::segmentation::Segmenter;

const SOURCE: &str = "bench-async";

/// start → set → increment → increase views → increment: five nodes per event.
const FLOW: &str = r#"
id: five
name: Five nodes
nodes:
  - {id: start, plugin: start}
  - {id: keep, plugin: set, init: {set: {"profile@traits.last_n": "payload@n"}}}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.events}}
  - {id: views, plugin: increase-views}
  - {id: again, plugin: increment, init: {field: profile@stats.counters.flows, increment: 2}}
edges: ["start -> keep", "keep -> count", "count -> views", "views -> again"]
"#;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Phase {
    acked_events: u64,
    seconds: f64,
    /// Queue depth sampled each second during the load.
    depths: Vec<u64>,
    /// Events whose job the worker finished during the load.
    processed_events: u64,
    drain_seconds: Option<f64>,
}

async fn setup(dir: &std::path::Path) -> (SharedStore, Arc<Tracker>, Scope) {
    let st = store::open(
        dir.to_str().unwrap(),
        &store::OpenOptions {
            cache_bytes: 64 << 20,
        },
    )
    .unwrap();
    let scope = Scope::default_tenant(Context::Production);
    let mut source = EventSource::new_rest(SOURCE, "bench");
    source.synchronous = Some(false);
    store::put_event_source(st.as_ref(), &scope, &source)
        .await
        .unwrap();
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(FLOW)
        .unwrap()
        .to_value();
    st.put_config(&scope, kinds::FLOW, "five", &flow)
        .await
        .unwrap();
    let rule = json!({"id": "all", "name": "all", "type": "event-collect",
        "event_type": {"id": "*"}, "source": {"id": SOURCE},
        "flow": {"id": "five", "name": "five"}, "enabled": true});
    st.put_config(&scope, kinds::RULE, "all", &rule)
        .await
        .unwrap();
    st.durable().await.unwrap();
    let engine = Arc::new(WorkflowEngine::new(st.clone(), EngineOptions::default()));
    let tracker = Arc::new(
        Tracker::new(
            st.clone(),
            TrackerSettings {
                scope: scope.clone(),
                track_debug: false,
                refuse_bots: false,
                identity: None,
            },
        )
        .with_processor(Arc::new(Segmenter::new(engine)))
        .with_queue(),
    );
    (st, tracker, scope)
}

async fn phase(
    with_worker: bool,
    seconds: u64,
    conns: u64,
    events: u64,
    concurrency: usize,
) -> Phase {
    let dir = tempfile::tempdir().unwrap();
    let (st, tracker, _scope) = setup(dir.path()).await;
    let router = collector::router(
        collector::CollectorState::new(tracker.clone()),
        &collector::CollectorOptions {
            body_limit: 1 << 20,
            request_timeout: Duration::from_secs(30),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker_task = with_worker.then(|| {
        tokio::spawn(worker::run(
            tracker.clone(),
            worker::WorkerOptions {
                concurrency,
                ..Default::default()
            },
            stop_rx,
        ))
    });

    let ok = Arc::new(AtomicU64::new(0));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(conns as usize)
        .build()
        .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let (http, url, ok) = (http.clone(), url.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let evs: Vec<_> = (0..events)
                    .map(|i| json!({"type": "page-view", "properties": {"n": n * 10 + i}}))
                    .collect();
                let body = json!({
                    "source": {"id": SOURCE},
                    "session": {"id": format!("e2e-{c}-{}", n / 50)},
                    "context": {"page": {"url": "https://example.com/a"}},
                    "events": evs,
                });
                if let Ok(r) = http.post(format!("{url}/track")).json(&body).send().await {
                    if r.status().is_success() {
                        ok.fetch_add(events, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let mut depths = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        depths.push(st.queue_stats(chrono::Utc::now()).await.unwrap().depth);
    }
    for t in tasks {
        let _ = t.await;
    }
    let secs = started.elapsed().as_secs_f64();
    let acked = ok.load(Ordering::Relaxed);
    let depth_end = st.queue_stats(chrono::Utc::now()).await.unwrap().depth;
    // Each payload is one job of `events` events.
    let jobs = acked / events.max(1);
    let processed_events = if with_worker {
        jobs.saturating_sub(depth_end) * events
    } else {
        0
    };
    let mut drain_seconds = None;
    if with_worker {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(60) {
            if st.queue_stats(chrono::Utc::now()).await.unwrap().depth == 0 {
                drain_seconds = Some(t.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let _ = stop_tx.send(true);
    if let Some(w) = worker_task {
        let _ = w.await;
    }
    server.abort();
    Phase {
        acked_events: acked,
        seconds: secs,
        depths,
        processed_events,
        drain_seconds,
    }
}

fn main() {
    let seconds = env("BENCH_SECONDS", 10);
    let conns = env("BENCH_CONNECTIONS", 32);
    let events = env("BENCH_EVENTS", 3).max(1);
    let concurrency = env("BENCH_CONCURRENCY", 64) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = rt.block_on(phase(false, seconds, conns, events, concurrency));
    let e2e = rt.block_on(phase(true, seconds, conns, events, concurrency));
    let base_rate = base.acked_events as f64 / base.seconds;
    let ingest = e2e.acked_events as f64 / e2e.seconds;
    let processed = e2e.processed_events as f64 / e2e.seconds;
    let first = e2e.depths.first().copied().unwrap_or(0);
    let last = e2e.depths.last().copied().unwrap_or(0);
    // Jobs of one second of load: the tolerance for "no growth".
    let per_second_jobs = (ingest / events as f64).max(1.0) as u64;
    let flat = last <= first + per_second_jobs;
    let sustained = if flat { ingest } else { processed.min(ingest) };
    println!("worker_e2e: {seconds}s per phase, {conns} connections, {events} events per payload, worker concurrency {concurrency}, 5-node flow per event");
    println!("baseline (collector alone): {base_rate:.0} events/s acknowledged; queue depth samples {:?}", base.depths);
    println!(
        "end to end: {ingest:.0} events/s acknowledged, {processed:.0} events/s processed by the worker; queue depth samples {:?}; drained {} after the load",
        e2e.depths,
        e2e.drain_seconds
            .map_or("not within 60 s".to_string(), |s| format!("in {s:.1} s"))
    );
    println!(
        "sustained end to end: {sustained:.0} events/s ({}); ratio to the collector alone: {:.2}",
        if flat {
            "no backlog growth"
        } else {
            "the backlog grew: the worker's rate"
        },
        sustained / base_rate.max(1.0)
    );
}
