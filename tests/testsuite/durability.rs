//! A 2xx from the collector means the data is on disk: kill the process with SIGKILL
//! mid-stream and every acknowledged event must be readable after a restart.

use crate::support::{client, Server};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracardictl::domain::{Context, Scope};
use tracardictl::store::{self, OpenOptions};

#[test]
fn no_acknowledged_event_is_lost_on_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut srv = Server::start_at(&data, &[]);
    let source = srv.source().to_string();
    let url = srv.collector().to_string();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let clients = 8;
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.clone();
            let source = source.clone();
            let acked = acked.clone();
            rt.spawn(async move {
                let http = client();
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let ids: Vec<String> = (0..3).map(|k| format!("c{c}-r{n}-e{k}")).collect();
                    let body = json!({
                        "source": {"id": source},
                        "session": {"id": format!("session-{c}-{}", n % 5)},
                        "events": ids.iter().map(|id| json!({"id": id, "type": "page-view"})).collect::<Vec<_>>(),
                    });
                    match http.post(format!("{url}/track")).json(&body).send().await {
                        Ok(r) if r.status().is_success() => acked.lock().unwrap().extend(ids),
                        // The process is gone: stop this client.
                        _ => break,
                    }
                }
            })
        })
        .collect();

    // Let traffic build up, then pull the plug.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 600 && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(20));
    }
    srv.kill();
    for h in handles {
        let _ = rt.block_on(h);
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 30,
        "too little traffic before the kill: {}",
        acked.len()
    );

    // Reopen the store as a restarted daemon would, and read every acknowledged event.
    rt.block_on(async {
        let st = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let scope = Scope::default_tenant(Context::Production);
        let mut missing = Vec::new();
        for id in &acked {
            if st.event(&scope, id).await.unwrap().is_none() {
                missing.push(id.clone());
            }
        }
        assert!(
            missing.is_empty(),
            "{} of {} acknowledged events lost: {:?}",
            missing.len(),
            acked.len(),
            &missing[..missing.len().min(10)]
        );
    });

    // And the restarted binary serves on the same store.
    let mut again = Server::start_at(&data, &[]);
    let url = again.collector().to_string();
    rt.block_on(async {
        let r = client()
            .post(format!("{url}/track"))
            .json(&crate::support::payload(
                &source,
                Some("after"),
                None,
                &["a"],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    assert_eq!(again.terminate(), Some(0));
}
