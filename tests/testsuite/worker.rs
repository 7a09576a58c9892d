//! The background worker, black-box: events of an asynchronous source are acknowledged
//! after the durable write, survive a SIGKILL before any worker ran, and are processed
//! exactly once in effect after the restart.

use crate::support::{block, client, Server};
use serde_json::{json, Value};
use std::path::Path;
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, OpenOptions, SharedStore};
use tracardictl::workflow::engine::kinds;

const SOURCE: &str = "async-src";

const COUNT_FLOW: &str = r#"
id: count-buys
name: Count purchases
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.buys}}
edges: ["start -> count"]
"#;

fn open(data: &Path) -> SharedStore {
    store::open(
        data.to_str().unwrap(),
        &OpenOptions {
            cache_bytes: 4 << 20,
        },
    )
    .unwrap()
}

/// An asynchronous source, a flow that counts purchases and its rule, in every context.
fn configure(data: &Path) {
    block(async {
        let store = open(data);
        let flow = tracardictl::workflow::flow::FlowDocument::from_text(COUNT_FLOW)
            .unwrap()
            .to_value();
        let rule = json!({"id": "on-buy", "name": "on-buy", "type": "event-collect",
            "event_type": {"id": "purchase", "name": "purchase"},
            "source": {"id": SOURCE, "name": SOURCE},
            "flow": {"id": "count-buys", "name": "count-buys"}, "enabled": true});
        let mut source = EventSource::new_rest(SOURCE, "Asynchronous");
        source.synchronous = Some(false);
        for ctx in Context::ALL {
            let scope = Scope::default_tenant(ctx);
            store::put_event_source(store.as_ref(), &scope, &source)
                .await
                .unwrap();
            store
                .put_config(&scope, kinds::FLOW, "count-buys", &flow)
                .await
                .unwrap();
            store
                .put_config(&scope, kinds::RULE, "on-buy", &rule)
                .await
                .unwrap();
        }
        store.durable().await.unwrap();
    });
}

/// (queue depth, purchase count per profile id)
fn inspect(data: &Path, profiles: &[String]) -> (u64, Vec<Option<f64>>) {
    block(async {
        let store = open(data);
        let depth = store.queue_stats(chrono::Utc::now()).await.unwrap().depth;
        let mut counts = Vec::new();
        for pid in profiles {
            let mut found = None;
            for ctx in Context::ALL {
                if let Some(p) = store
                    .profile(&Scope::default_tenant(ctx), pid)
                    .await
                    .unwrap()
                {
                    found = p.stats.counters.get("buys").copied();
                }
            }
            counts.push(found);
        }
        (depth, counts)
    })
}

#[test]
fn asynchronous_events_survive_a_kill_and_run_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    configure(&data);

    // Collect with no worker running, then die without a chance to clean up.
    let mut server = Server::start_at(&data, &["collector"]);
    let url = server.collector().to_string();
    let mut profiles: Vec<String> = Vec::new();
    block(async {
        let c = client();
        for session in ["s1", "s2", "s3"] {
            let mut pid: Option<String> = None;
            for i in 0..4 {
                let body = json!({"source": {"id": SOURCE}, "session": {"id": session},
                    "events": [{"type": "purchase", "properties": {"n": i}}]});
                let r = c
                    .post(format!("{url}/track"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let v: Value = r.json().await.unwrap();
                let got = v["profile"]["id"].as_str().unwrap().to_string();
                if let Some(p) = &pid {
                    assert_eq!(p, &got);
                }
                pid = Some(got);
            }
            profiles.push(pid.unwrap());
        }
    });
    server.kill();
    drop(server);
    let (depth, counts) = inspect(&data, &profiles);
    assert!(
        depth >= 12,
        "every acknowledged request left a job: {depth}"
    );
    assert!(
        counts.iter().all(Option::is_none),
        "nothing ran yet: {counts:?}"
    );

    // The single-node set includes the worker: every job runs.
    let mut done = false;
    for _ in 0..20 {
        let mut server = Server::start_at(&data, &[]);
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert_eq!(server.terminate(), Some(0));
        drop(server);
        let (depth, counts) = inspect(&data, &profiles);
        if depth == 0 {
            assert_eq!(counts, vec![Some(4.0); 3], "each purchase counted once");
            done = true;
            break;
        }
    }
    assert!(done, "the worker never emptied the queue");

    // Another restart runs nothing again.
    let mut server = Server::start_at(&data, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert_eq!(server.terminate(), Some(0));
    drop(server);
    assert_eq!(inspect(&data, &profiles), (0, vec![Some(4.0); 3]));
}
