//! Segmentation end to end: live evaluation inside /track after the flows ran, the batch
//! refresh through the private API and the `segment refresh` command, and `segment-add`
//! rules that fire once per entry.

use crate::support::{block, client, command, in_process, sources, InProc, InProcOptions, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, OpenOptions, SharedStore};
use tracardictl::workflow::engine::kinds;
use tracardictl::workflow::segmentation::SEGMENT_KIND;

const BUY_FLOW: &str = r#"
id: buy
name: Count purchases
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.buys}}
edges: ["start -> count"]
"#;

const REFUND_FLOW: &str = r#"
id: refund
name: Count refunds
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: decrement, init: {field: profile@stats.counters.buys}}
edges: ["start -> count"]
"#;

const WELCOME_FLOW: &str = r#"
id: welcome
name: Welcome to the segment
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.welcomed}}
  - {id: keep, plugin: set, init: {set: {"profile@traits.welcomed_into": "payload@segment.machine_name"}}}
edges: ["start -> count", "count -> keep"]
"#;

fn flow_doc(yaml: &str) -> Value {
    tracardictl::workflow::flow::FlowDocument::from_text(yaml)
        .unwrap()
        .to_value()
}

fn rule(id: &str, event_type: &str, source: &str, flow: &str) -> Value {
    json!({"id": id, "name": id, "type": "event-collect",
           "event_type": {"id": event_type, "name": event_type},
           "source": {"id": source, "name": source},
           "flow": {"id": flow, "name": flow}, "enabled": true})
}

fn segment_add_rule(source: &str) -> Value {
    json!({"id": "on-big", "name": "Welcome big buyers", "type": "segment-add",
           "source": {"id": source, "name": source},
           "segment": {"id": "big", "name": "Big Buyers"},
           "flow": {"id": "welcome", "name": "welcome"}, "enabled": true})
}

fn big_buyers(min: u32) -> Value {
    json!({"id": "big", "name": "Big Buyers", "description": "two purchases or more",
           "eventType": [], "condition": format!("profile@stats.counters.buys >= {min}"),
           "enabled": true})
}

async fn put(s: &InProc, kind: &str, doc: Value) {
    let id = doc["id"].as_str().unwrap().to_string();
    s.store.put_config(&s.scope, kind, &id, &doc).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_segments_follow_each_track_and_segment_add_fires_once_per_entry() {
    let s = in_process(InProcOptions::default()).await;
    put(&s, kinds::FLOW, flow_doc(BUY_FLOW)).await;
    put(&s, kinds::FLOW, flow_doc(REFUND_FLOW)).await;
    put(&s, kinds::FLOW, flow_doc(WELCOME_FLOW)).await;
    put(
        &s,
        kinds::RULE,
        rule("on-buy", "purchase", sources::REST, "buy"),
    )
    .await;
    put(
        &s,
        kinds::RULE,
        rule("on-refund", "refund", sources::REST, "refund"),
    )
    .await;
    put(&s, kinds::RULE, segment_add_rule(sources::REST)).await;
    put(&s, SEGMENT_KIND, big_buyers(2)).await;
    // Only evaluated on `page-view`, which never comes: it must stay out.
    put(
        &s,
        SEGMENT_KIND,
        json!({"id": "lazy", "name": "Lazy", "eventType": ["page-view"],
        "condition": "profile@id exists", "enabled": true}),
    )
    .await;

    let mut pid = String::new();
    let step = |kind: &'static str| {
        let body = json!({"source": {"id": sources::REST}, "session": {"id": "seg-1"},
            "events": [{"type": kind, "properties": {}}]});
        let s = &s;
        async move {
            let (status, resp) = s.track(&body).await;
            assert_eq!(status, 200, "{resp}");
            assert_eq!(resp["errors"], json!([]), "{resp}");
            let pid = resp["profile"]["id"].as_str().unwrap().to_string();
            s.store.profile(&s.scope, &pid).await.unwrap().unwrap()
        }
    };
    let p = step("purchase").await;
    assert!(p.segments.is_empty(), "{:?}", p.segments);
    let p = step("purchase").await;
    assert_eq!(p.segments, vec!["big-buyers"]);
    assert_eq!(p.stats.counters.get("welcomed"), Some(&1.0));
    assert_eq!(p.traits["welcomed_into"], json!("big-buyers"));
    assert!(p.metadata.time.segmentation.is_some());
    let p = step("purchase").await;
    assert_eq!(p.segments, vec!["big-buyers"]);
    assert_eq!(p.stats.counters.get("welcomed"), Some(&1.0), "fired once");
    step("refund").await;
    let p = step("refund").await;
    assert!(p.segments.is_empty(), "left: {:?}", p.segments);
    pid.clone_from(&p.id);
    let history = p.aux["segmentation"].as_array().unwrap();
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["entered", "left"]);
    assert_eq!(history[1]["segment"], "big-buyers");
    // Entering again is a new entry: the rule runs again.
    let p = step("purchase").await;
    assert_eq!(p.id, pid);
    assert_eq!(p.segments, vec!["big-buyers"]);
    assert_eq!(p.stats.counters.get("welcomed"), Some(&2.0));
}

fn open(data: &Path) -> SharedStore {
    store::open(
        data.to_str().unwrap(),
        &OpenOptions {
            cache_bytes: 4 << 20,
        },
    )
    .unwrap()
}

const SOURCE: &str = "seg-src";

fn configure(data: &Path) {
    block(async {
        let store = open(data);
        let source = EventSource::new_rest(SOURCE, "Segmented");
        for ctx in Context::ALL {
            let scope = Scope::default_tenant(ctx);
            store::put_event_source(store.as_ref(), &scope, &source)
                .await
                .unwrap();
            for f in [BUY_FLOW, WELCOME_FLOW] {
                let doc = flow_doc(f);
                let id = doc["id"].as_str().unwrap().to_string();
                store
                    .put_config(&scope, kinds::FLOW, &id, &doc)
                    .await
                    .unwrap();
            }
            store
                .put_config(
                    &scope,
                    kinds::RULE,
                    "on-buy",
                    &rule("on-buy", "purchase", SOURCE, "buy"),
                )
                .await
                .unwrap();
        }
        store.durable().await.unwrap();
    });
}

fn profile_of(data: &Path, id: &str) -> tracardictl::domain::Profile {
    block(async {
        let store = open(data);
        store
            .profile(&Scope::default_tenant(Context::Production), id)
            .await
            .unwrap()
            .unwrap()
    })
}

#[test]
fn refresh_after_a_segment_is_created_matches_existing_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    configure(&data);
    let mut server = Server::start_at(&data, &["collector", "private-api"]);
    let collector = server.collector().to_string();
    let api = server.private_api().to_string();
    let mut profiles = Vec::new();
    block(async {
        let c = client();
        for (session, buys) in [("r1", 2), ("r2", 3), ("r3", 1)] {
            let mut pid = String::new();
            for _ in 0..buys {
                let body = json!({"source": {"id": SOURCE}, "session": {"id": session},
                    "events": [{"type": "purchase", "properties": {}}]});
                let v: Value = c
                    .post(format!("{collector}/track"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                pid = v["profile"]["id"].as_str().unwrap().to_string();
            }
            profiles.push(pid);
        }
        let token = server.install().await;
        let call = |path: &str, body: Option<Value>, auth: bool| {
            let mut req = c
                .post(format!("{api}{path}"))
                .header("x-context", "production");
            if auth {
                req = req.bearer_auth(&token);
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            async move {
                let r = req.send().await.unwrap();
                let status = r.status();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        // The segment and its rule are created while profiles already exist.
        let (s, v) = call("/config/segment", Some(big_buyers(2)), true).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // The rule names its segment by a plain string, as the README allows.
        let mut on_big = segment_add_rule(SOURCE);
        on_big["segment"] = json!("big");
        let (s, v) = call("/config/rule", Some(on_big), true).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // A condition that does not parse would never match: refused, naming it.
        let mut bad = big_buyers(2);
        bad["id"] = json!("bad");
        bad["name"] = json!("Bad");
        bad["condition"] = json!("profile@traits.plan ==");
        let (s, v) = call("/config/segment", Some(bad), true).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["message"].as_str().unwrap().starts_with("`condition`"),
            "{v}"
        );
        // Another segment under the same machine name ("Big Buyers" → big-buyers)
        // would undo this one's membership on every evaluation: refused.
        let mut twin = big_buyers(5);
        twin["id"] = json!("twin");
        let (s, v) = call("/config/segment", Some(twin), true).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["message"].as_str().unwrap().contains("big-buyers"), "{v}");

        // Failure path: no credentials.
        let (s, v) = call("/segments/refresh", None, false).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
        assert!(v["message"].is_string(), "{v}");

        let (s, v) = call("/segments/refresh", None, true).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["context"], "production");
        assert_eq!(v["segments"], 1);
        assert_eq!(v["profiles"], 3);
        assert_eq!(v["changed"], 2);
        assert_eq!(v["entered"], 2);
        assert_eq!(v["left"], 0);
        assert_eq!(v["errors"], json!([]));

        // A second pass changes nothing and fires nothing.
        let (s, v) = call("/segments/refresh", None, true).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            (v["changed"].as_u64(), v["entered"].as_u64()),
            (Some(0), Some(0))
        );

        // Staging has no segment: nothing to do there.
        let r = c
            .post(format!("{api}/segments/refresh"))
            .bearer_auth(&token)
            .header("x-context", "staging")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["segments"], 0);
    });
    assert_eq!(server.terminate(), Some(0));
    drop(server);

    for (pid, inside) in profiles.iter().zip([true, true, false]) {
        let p = profile_of(&data, pid);
        assert_eq!(
            p.segments.contains(&"big-buyers".to_string()),
            inside,
            "{pid}"
        );
        let welcomed = p.stats.counters.get("welcomed").copied();
        assert_eq!(welcomed, inside.then_some(1.0), "{pid}");
    }

    // Offline, with the daemon stopped: the command opens the store itself.
    block(async {
        let store = open(&data);
        let scope = Scope::default_tenant(Context::Production);
        store
            .put_config(&scope, SEGMENT_KIND, "big", &big_buyers(3))
            .await
            .unwrap();
        store.durable().await.unwrap();
    });
    let out = command(dir.path())
        .args([
            "segment",
            "refresh",
            "--context",
            "production",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "refreshed 1 segment(s) over 3 profile(s) in production: 1 changed, 0 entered, 1 left"
        ),
        "{stdout}"
    );
    let p = profile_of(&data, &profiles[0]);
    assert!(p.segments.is_empty(), "{:?}", p.segments);
    let last = p.aux["segmentation"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["action"], "left");
}

#[test]
fn refresh_of_a_held_store_without_a_connection_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _server = Server::start_at(&data, &["collector"]);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = command(dir.path())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("TRACARDICTL_CLIENT_CONFIG", home.join("client.toml"))
        .args(["segment", "refresh", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("private API"), "{stderr}");
}

#[test]
fn refresh_without_a_store_here_goes_through_the_signed_in_api() {
    let server = Server::start();
    let token = crate::support::block(server.install());
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let run = |args: &[&str]| {
        command(dir.path())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("TRACARDICTL_CLIENT_CONFIG", home.join("client.toml"))
            .args(args)
            .output()
            .unwrap()
    };
    // Not signed in: says why it needs the private API; no store is made here.
    let out = run(&["segment", "refresh", "--context", "production"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("no store on this host"), "{stderr}");
    assert!(!dir.path().join("tracardi-data").exists());
    // Signed in: the daemon refreshes.
    let out = run(&["login", server.private_api(), "--token", &token]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["segment", "refresh", "--context", "production"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("refreshed"), "{stdout}");
    assert!(!dir.path().join("tracardi-data").exists());
}

/// A `session@…` condition can only be decided live: a batch refresh, which has no
/// session, leaves its members alone instead of emptying the segment (and refilling it,
/// with a new entry, on the next event).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_leaves_session_segments_to_live_evaluation() {
    use tracardictl::workflow::engine::{EngineOptions, WorkflowEngine};
    let s = in_process(InProcOptions::default()).await;
    put(
        &s,
        SEGMENT_KIND,
        json!({"id": "sess-seg", "name": "Sess Seg", "enabled": true,
               "condition": "session@id EXISTS AND profile@id EXISTS"}),
    )
    .await;
    put(&s, SEGMENT_KIND, big_buyers(0)).await;
    let body = json!({"source": {"id": sources::REST}, "session": {"id": "xa"},
                      "events": [{"type": "page-view", "properties": {}}]});
    let (status, v) = s.track(&body).await;
    assert_eq!(status, 200, "{v}");
    let pid = v["profile"]["id"].as_str().unwrap().to_string();
    let p = s.store.profile(&s.scope, &pid).await.unwrap().unwrap();
    assert!(
        p.segments.contains(&"sess-seg".to_string()),
        "{:?}",
        p.segments
    );
    let engine = WorkflowEngine::new(s.store.clone(), EngineOptions::default());
    for _ in 0..2 {
        let summary = tracardictl::workflow::segmentation::refresh(
            &engine,
            Some(&s.locks),
            &s.scope,
            &|_, _| {},
        )
        .await
        .unwrap();
        assert_eq!(summary.left, 0, "{summary:?}");
        assert!(
            summary
                .errors
                .iter()
                .any(|e| e.contains("sess-seg") && e.contains("live")),
            "{summary:?}"
        );
    }
    let p = s.store.profile(&s.scope, &pid).await.unwrap().unwrap();
    assert!(
        p.segments.contains(&"sess-seg".to_string()),
        "{:?}",
        p.segments
    );
    let history = p.aux["segmentation"].as_array().unwrap();
    let sess_entries = history.iter().filter(|h| h["id"] == "sess-seg").count();
    assert_eq!(sess_entries, 1, "{history:?}");
}
