//! Scheduled work end to end: a `schedule event` and a `pause and resume` node are
//! stored as delayed queue items; the process is killed before they are due; after the
//! restart each happens exactly once.

use crate::support::{block, client, Server};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, OpenOptions, SharedStore};
use tracardictl::workflow::engine::kinds;

const SOURCE: &str = "sched-src";

const SIGNUP_FLOW: &str = r#"
id: signup
name: Remind later
nodes:
  - {id: start, plugin: start}
  - {id: remind, plugin: schedule-event, init: {event_type: reminder, delay: 1.5, properties: {"kind": "first"}}}
  - {id: wait, plugin: pause-and-resume, init: {delay: 1.5}}
  - {id: resumed, plugin: increment, init: {field: profile@stats.counters.resumed}}
edges: ["start -> remind", "start -> wait", "wait -> resumed"]
"#;

const REMINDER_FLOW: &str = r#"
id: reminder
name: Count reminders
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.reminded}}
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

fn rule(id: &str, event_type: &str, flow: &str) -> Value {
    json!({"id": id, "name": id, "type": "event-collect",
           "event_type": {"id": event_type, "name": event_type},
           "source": {"id": SOURCE, "name": SOURCE},
           "flow": {"id": flow, "name": flow}, "enabled": true})
}

fn configure(data: &Path) {
    block(async {
        let store = open(data);
        let source = EventSource::new_rest(SOURCE, "Scheduling");
        for ctx in Context::ALL {
            let scope = Scope::default_tenant(ctx);
            store::put_event_source(store.as_ref(), &scope, &source)
                .await
                .unwrap();
            for (f, r) in [
                (SIGNUP_FLOW, rule("on-signup", "signup", "signup")),
                (REMINDER_FLOW, rule("on-reminder", "reminder", "reminder")),
            ] {
                let doc = tracardictl::workflow::flow::FlowDocument::from_text(f)
                    .unwrap()
                    .to_value();
                let id = doc["id"].as_str().unwrap().to_string();
                store
                    .put_config(&scope, kinds::FLOW, &id, &doc)
                    .await
                    .unwrap();
                let rid = r["id"].as_str().unwrap().to_string();
                store
                    .put_config(&scope, kinds::RULE, &rid, &r)
                    .await
                    .unwrap();
            }
        }
        store.durable().await.unwrap();
    });
}

/// (queue depth, resumed count, reminded count, reminder events)
fn inspect(data: &Path, pid: &str) -> (u64, Option<f64>, Option<f64>, usize) {
    block(async {
        let store = open(data);
        let scope = Scope::default_tenant(Context::Production);
        let depth = store.queue_stats(chrono::Utc::now()).await.unwrap().depth;
        let p = store.profile(&scope, pid).await.unwrap().unwrap();
        let events = store
            .events_by_profile(&scope, pid, None, 1000)
            .await
            .unwrap()
            .items;
        let reminders: Vec<_> = events
            .iter()
            .filter(|e| e.event_type == "reminder")
            .collect();
        if let Some(r) = reminders.first() {
            assert_eq!(r.properties["kind"], json!("first"));
            assert_eq!(r.source.id, SOURCE);
        }
        (
            depth,
            p.stats.counters.get("resumed").copied(),
            p.stats.counters.get("reminded").copied(),
            reminders.len(),
        )
    })
}

#[test]
fn scheduled_event_and_resumed_flow_survive_a_kill_and_happen_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    configure(&data);

    let mut server = Server::start_at(&data, &[]);
    let url = server.collector().to_string();
    let pid = block(async {
        let body = json!({"source": {"id": SOURCE}, "session": {"id": "sched-1"},
            "events": [{"type": "signup", "properties": {}}]});
        let r = client()
            .post(format!("{url}/track"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errors"], json!([]), "{v}");
        v["profile"]["id"].as_str().unwrap().to_string()
    });
    // Die well before the 1.5 s delays are over.
    server.kill();
    drop(server);
    let (depth, resumed, reminded, events) = inspect(&data, &pid);
    assert_eq!(depth, 2, "both delayed items are stored");
    assert_eq!((resumed, reminded, events), (None, None, 0));

    let mut state = (depth, resumed, reminded, events);
    for _ in 0..15 {
        let mut server = Server::start_at(&data, &[]);
        std::thread::sleep(Duration::from_millis(2000));
        assert_eq!(server.terminate(), Some(0));
        drop(server);
        state = inspect(&data, &pid);
        if state.0 == 0 {
            break;
        }
    }
    assert_eq!(
        state,
        (0, Some(1.0), Some(1.0), 1),
        "(depth, resumed, reminded, reminder events)"
    );

    // Another run of the worker changes nothing.
    let mut server = Server::start_at(&data, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.terminate(), Some(0));
    drop(server);
    assert_eq!(inspect(&data, &pid), (0, Some(1.0), Some(1.0), 1));
}
