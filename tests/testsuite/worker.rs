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

/// A job delivered again after it ran (the worker died before its ack) changes nothing.
#[test]
fn a_redelivered_job_is_skipped() {
    use std::sync::Arc;
    use tracardictl::domain::{EntityRef, Event, Profile};
    use tracardictl::tracking::queued::{JobOutcome, WorkflowJob};
    use tracardictl::tracking::{Tracker, TrackerSettings};
    use tracardictl::workflow::engine::{EngineOptions, WorkflowEngine};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    configure(&data);
    block(async {
        let store = open(&data);
        let scope = Scope::default_tenant(Context::Production);
        let now = chrono::Utc::now();
        store
            .put_profile(&scope, &Profile::new("p1".into(), now))
            .await
            .unwrap();
        let mut e = Event::new("e1".into(), "purchase".into(), SOURCE, now);
        e.profile = Some(EntityRef::new("p1"));
        store.put_events(&scope, &[e]).await.unwrap();
        let engine = Arc::new(WorkflowEngine::new(store.clone(), EngineOptions::default()));
        let tracker = Tracker::new(
            store.clone(),
            TrackerSettings {
                scope: scope.clone(),
                track_debug: false,
                refuse_bots: false,
                identity: None,
            },
        )
        .with_processor(engine);
        let job = WorkflowJob {
            source: SOURCE.into(),
            profile: "p1".into(),
            session: None,
            events: vec!["e1".into()],
            new_profile: false,
            new_session: false,
        };
        store
            .enqueue(&[job.item(&scope).unwrap()], now)
            .await
            .unwrap();
        let leased = store
            .lease("workflow", 1, chrono::Duration::seconds(30), 8, now)
            .await
            .unwrap();
        assert_eq!(
            tracker.run_queued(&leased[0].item).await,
            Ok(JobOutcome::Ran)
        );
        assert_eq!(
            tracker.run_queued(&leased[0].item).await,
            Ok(JobOutcome::Skipped)
        );
        let p = store.profile(&scope, "p1").await.unwrap().unwrap();
        assert_eq!(p.stats.counters.get("buys"), Some(&1.0));
        // A bad payload is an error, so the job ends in the dead-letter queue.
        let mut bad = leased[0].item.clone();
        bad.payload = json!({"nonsense": true});
        assert!(tracker.run_queued(&bad).await.is_err());
    });
}
