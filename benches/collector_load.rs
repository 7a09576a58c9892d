//! A minimal collector load generator: `CONCURRENCY` clients post `/track` payloads
//! (two events each, a new session every 10 payloads) to `TARGET_URL` for `SECONDS`
//! and print acknowledged payloads per second. Driven by `benches/store_compare.sh`;
//! `cargo bench --bench collector_load` without `TARGET_URL` prints how to use it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let Ok(url) = std::env::var("TARGET_URL") else {
        eprintln!("collector_load: set TARGET_URL and SOURCE (see benches/store_compare.sh)");
        return;
    };
    let source = std::env::var("SOURCE").expect("SOURCE");
    let concurrency: usize = std::env::var("CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let deadline = started + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..concurrency)
            .map(|c| {
                let (http, url, source, ok, failed) = (
                    http.clone(),
                    url.clone(),
                    source.clone(),
                    ok.clone(),
                    failed.clone(),
                );
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        n += 1;
                        let body = serde_json::json!({
                            "source": {"id": source},
                            "session": {"id": format!("load-{c}-{}", n / 10)},
                            "context": {"page": {"url": "https://example.com/a"}},
                            "events": [
                                {"type": "page-view", "properties": {"n": n}},
                                {"type": "click", "properties": {"button": "buy"}}
                            ]
                        });
                        match http.post(format!("{url}/track")).json(&body).send().await {
                            Ok(r) if r.status().is_success() => ok.fetch_add(1, Ordering::Relaxed),
                            _ => failed.fetch_add(1, Ordering::Relaxed),
                        };
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let n = ok.load(Ordering::Relaxed);
    println!(
        "payloads_per_sec={:.0} acknowledged={n} failed={} seconds={secs:.1} concurrency={concurrency}",
        n as f64 / secs,
        failed.load(Ordering::Relaxed)
    );
}
