//! Workflows end to end: rules and flows in the store, synchronous runs inside /track
//! over real HTTP, traces, and the `tql` and `flow` commands of the real binary.

use crate::support::{command, in_process, sources, InProc, InProcOptions};
use serde_json::{json, Value};
use std::path::Path;
use tracardictl::workflow::engine::{kinds, DryRunData, EngineOptions, WorkflowEngine};

async fn put(s: &InProc, kind: &str, doc: Value) {
    let id = doc["id"].as_str().unwrap().to_string();
    s.store.put_config(&s.scope, kind, &id, &doc).await.unwrap();
}

fn rule(id: &str, event_type: &str, flow: &str) -> Value {
    json!({"id": id, "name": id, "type": "event-collect",
           "event_type": {"id": event_type, "name": event_type},
           "source": {"id": sources::REST, "name": "rest"},
           "flow": {"id": flow, "name": flow}, "enabled": true})
}

fn track_body(session: &str, events: Value) -> Value {
    json!({"source": {"id": sources::REST}, "session": {"id": session}, "events": events})
}

const BUY_FLOW: &str = r#"
id: buy
name: On purchase
trace: true
nodes:
  - {id: start, plugin: start}
  - {id: keep, plugin: set, init: {set: {"profile@traits.last_sku": "payload@sku"}}}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.buys}}
  - {id: answer, plugin: create-response, init: {key: offer, body: {sku: "event@properties.sku"}}}
  - {id: show, plugin: ux-snippet, init: {content: "Thanks for {{event@properties.sku}}"}}
edges: ["start -> keep", "keep -> count", "count -> answer", "answer -> show"]
"#;

fn flow_doc(yaml: &str) -> Value {
    tracardictl::workflow::flow::FlowDocument::from_text(yaml)
        .unwrap()
        .to_value()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronous_flows_answer_and_their_changes_are_stored() {
    let s = in_process(InProcOptions::default()).await;
    put(&s, kinds::FLOW, flow_doc(BUY_FLOW)).await;
    put(&s, kinds::RULE, rule("on-buy", "purchase", "buy")).await;
    let body = track_body(
        "w1",
        json!([{"type": "page-view", "properties": {}}, {"type": "Purchase", "properties": {"sku": "A1"}}]),
    );
    let (status, resp) = s.track(&body).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["response"], json!({"offer": {"sku": "A1"}}));
    assert_eq!(resp["ux"][0]["content"], json!("Thanks for A1"));
    assert_eq!(resp["errors"], json!([]));
    let pid = resp["profile"]["id"].as_str().unwrap();
    let profile = s.store.profile(&s.scope, pid).await.unwrap().unwrap();
    assert_eq!(profile.traits["last_sku"], json!("A1"));
    assert_eq!(profile.stats.counters.get("buys"), Some(&1.0));
    let events = s.events_of(pid).await;
    let buy = events.iter().find(|e| e.event_type == "purchase").unwrap();
    assert_eq!(buy.metadata.processed_by.rules, vec!["on-buy".to_string()]);
    assert_eq!(buy.metadata.processed_by.flows, vec!["buy".to_string()]);
    assert_eq!(buy.metadata.status, "processed");
    let view = events.iter().find(|e| e.event_type == "page-view").unwrap();
    assert!(view.metadata.processed_by.flows.is_empty());
    assert_eq!(view.metadata.status, "collected");

    // The flow asked for a trace; it names the event.
    let engine = WorkflowEngine::new(s.store.clone(), EngineOptions::default());
    let traces = engine.traces(&s.scope, Some("buy"), 10).await.unwrap();
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0]["event_id"], json!(buy.id));
    assert_eq!(traces[0]["trace"].as_array().unwrap().len(), 5);

    // Second purchase: the counter goes on from the stored profile.
    let (_, resp) = s
        .track(&track_body(
            "w1",
            json!([{"type": "purchase", "properties": {"sku": "B2"}}]),
        ))
        .await;
    let profile = s.store.profile(&s.scope, pid).await.unwrap().unwrap();
    assert_eq!(profile.stats.counters.get("buys"), Some(&2.0), "{resp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_error_answers_226_and_keeps_the_event() {
    let s = in_process(InProcOptions::default()).await;
    let failing = r#"
id: failing
nodes:
  - {id: start, plugin: start}
  - {id: boom, plugin: throw-error, init: {message: "no stock for {{event@properties.sku}}"}}
edges: ["start -> boom"]
"#;
    put(&s, kinds::FLOW, flow_doc(failing)).await;
    put(&s, kinds::RULE, rule("r", "purchase", "failing")).await;
    put(&s, kinds::RULE, rule("ghost", "purchase", "no-such-flow")).await;
    let (status, resp) = s
        .track(&track_body(
            "w2",
            json!([{"type": "purchase", "properties": {"sku": "Z"}}]),
        ))
        .await;
    assert_eq!(status, 226, "{resp}");
    let errors: Vec<&str> = resp["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("node `boom`: no stock for Z")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("flow `no-such-flow` not found")),
        "{errors:?}"
    );
    let events = s.events_of(resp["profile"]["id"].as_str().unwrap()).await;
    assert!(events.iter().any(|e| e.event_type == "purchase"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consents_gate_rules_and_disabled_rules_do_not_run() {
    let s = in_process(InProcOptions::default()).await;
    put(&s, kinds::FLOW, flow_doc(BUY_FLOW)).await;
    let mut gated = rule("gated", "purchase", "buy");
    gated["properties"] = json!({"consents": [{"id": "marketing", "name": "Marketing"}]});
    put(&s, kinds::RULE, gated).await;
    let mut off = rule("off", "purchase", "buy");
    off["enabled"] = json!(false);
    put(&s, kinds::RULE, off).await;
    let (status, resp) = s
        .track(&track_body(
            "w3",
            json!([{"type": "purchase", "properties": {"sku": "A1"}}]),
        ))
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["response"], json!({}));
    let pid = resp["profile"]["id"].as_str().unwrap().to_string();

    // Grant the consent with a flow of its own, then the gated rule runs.
    let grant = r#"
id: grant
nodes:
  - {id: start, plugin: start}
  - {id: c, plugin: add-consent, init: {consent: marketing}}
edges: ["start -> c"]
"#;
    put(&s, kinds::FLOW, flow_doc(grant)).await;
    put(&s, kinds::RULE, rule("a-grant", "opt-in", "grant")).await;
    let (_, resp) = s
        .track(&track_body(
            "w3",
            json!([{"type": "opt-in"}, {"type": "purchase", "properties": {"sku": "C3"}}]),
        ))
        .await;
    assert_eq!(resp["response"], json!({"offer": {"sku": "C3"}}), "{resp}");
    let events = s.events_of(&pid).await;
    let last = events
        .iter()
        .rev()
        .find(|e| e.event_type == "purchase")
        .unwrap();
    assert_eq!(last.metadata.processed_by.rules, vec!["gated".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_deploy_lock_and_trace_retention() {
    let s = in_process(InProcOptions::default()).await;
    let engine = WorkflowEngine::new(
        s.store.clone(),
        EngineOptions {
            trace_retention: 3,
            ..EngineOptions::default()
        },
    );
    let draft = flow_doc(BUY_FLOW);
    engine.save_draft(&s.scope, &draft).await.unwrap();
    assert!(
        engine.deployed(&s.scope, "buy").await.is_err(),
        "a draft is not deployed"
    );
    engine.deploy(&s.scope, "buy").await.unwrap();
    engine.deployed(&s.scope, "buy").await.unwrap();
    engine.set_lock(&s.scope, "buy", true).await.unwrap();
    let mut locked = draft.clone();
    locked["lock"] = json!(true);
    // Refused whatever the new document's own `lock` says.
    for doc in [&locked, &draft] {
        assert!(engine
            .save_draft(&s.scope, doc)
            .await
            .unwrap_err()
            .to_string()
            .contains("locked"));
    }
    engine.set_lock(&s.scope, "buy", false).await.unwrap();
    engine.save_draft(&s.scope, &draft).await.unwrap();
    let mut bad = draft.clone();
    bad["flowGraph"]["nodes"][1]["data"]["spec"]["init"] = json!({"set": {"nope": 1}});
    let e = engine
        .save_draft(&s.scope, &bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("node `keep") && e.contains("init.set.nope"),
        "{e}"
    );

    for i in 0..5 {
        let event = json!({"id": format!("e{i}"), "type": "purchase", "properties": {"sku": "A"}});
        let (result, _) = engine
            .dry_run(
                &draft,
                DryRunData {
                    event,
                    ..DryRunData::default()
                },
            )
            .await
            .unwrap();
        engine
            .store_trace(&s.scope, &result, Some("e"), None)
            .await
            .unwrap();
    }
    engine.prune_traces(&s.scope).await.unwrap();
    assert_eq!(engine.traces(&s.scope, None, 100).await.unwrap().len(), 3);
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(dir).args(args).output().expect("run tracardictl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tql_check_and_eval_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(
        dir.path(),
        &[
            "tql",
            "check",
            "profile@traits.age >= 18 and event@type = 'buy'",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "profile@traits.age >= 18 AND event@type == \"buy\""
    );
    let (code, _, err) = run(
        dir.path(),
        &[
            "tql",
            "check",
            "payload@a == 1 AND payload@b == 2 OR payload@c == 3",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("mixes AND and OR") && err.contains("column"),
        "{err}"
    );

    std::fs::write(dir.path().join("p.json"), r#"{"traits": {"age": 20}}"#).unwrap();
    std::fs::write(dir.path().join("e.json"), r#"{"type": "buy"}"#).unwrap();
    let args = [
        "tql",
        "eval",
        "profile@traits.age >= 18 AND event@type == \"buy\"",
        "--profile",
        "p.json",
        "--event",
        "e.json",
    ];
    let (code, out, err) = run(dir.path(), &args);
    assert_eq!((code, out.trim()), (0, "true"), "{err}");
    let (code, out, _) = run(dir.path(), &["tql", "eval", "payload@x EXISTS"]);
    assert_eq!((code, out.trim()), (0, "false"));
    let (code, _, err) = run(
        dir.path(),
        &[
            "tql",
            "eval",
            "profile@traits.age > \"a\"",
            "--profile",
            "p.json",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("condition failed"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["tql", "eval", "x", "--profile", "missing.json"],
    );
    assert_eq!(code, 1, "{err}");
}

#[test]
fn flow_commands_validate_convert_dry_run_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("buy.yaml"), BUY_FLOW).unwrap();
    std::fs::write(d.join("profile.json"), r#"{"id": "p1", "traits": {}}"#).unwrap();
    std::fs::write(
        d.join("event.json"),
        r#"{"id": "e1", "type": "purchase", "properties": {"sku": "A1"}}"#,
    )
    .unwrap();

    let (code, out, err) = run(d, &["flow", "validate", "buy.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5 nodes"), "{out}");
    let (code, json_text, _) = run(d, &["flow", "convert", "buy.yaml", "--to", "json"]);
    assert_eq!(code, 0);
    std::fs::write(d.join("buy.json"), &json_text).unwrap();
    let (code, yaml, _) = run(d, &["flow", "convert", "buy.json", "--to", "yaml"]);
    assert_eq!(code, 0);
    assert!(
        yaml.contains("plugin: increment") && yaml.contains("count -> answer"),
        "{yaml}"
    );

    let args = [
        "flow",
        "run",
        "buy.yaml",
        "--event",
        "event.json",
        "--profile",
        "profile.json",
        "-o",
        "json",
    ];
    let (code, out, err) = run(d, &args);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["profile"]["traits"]["last_sku"], json!("A1"));
    assert_eq!(v["result"]["response"], json!({"offer": {"sku": "A1"}}));
    assert_eq!(v["result"]["trace"].as_array().unwrap().len(), 5);
    let unchanged = std::fs::read_to_string(d.join("profile.json")).unwrap();
    assert!(!unchanged.contains("last_sku"), "a dry run changes nothing");

    std::fs::write(
        d.join("bad.yaml"),
        BUY_FLOW.replace(
            "increment, init: {field: profile@stats.counters.buys}",
            "increment, init: {}",
        ),
    )
    .unwrap();
    let (code, _, err) = run(d, &["flow", "validate", "bad.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("node `count") && err.contains("init.field"),
        "{err}"
    );

    // Drafts and deploys offline on a data dir, then a stored trace printed.
    let data = d.join("data");
    let data_s = data.to_str().unwrap();
    let (code, _, err) = run(
        d,
        &[
            "flow",
            "draft",
            "buy.yaml",
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        d,
        &[
            "flow",
            "run",
            "buy",
            "--deployed",
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_ne!(code, 0, "not deployed yet: {err}");
    let (code, _, err) = run(
        d,
        &[
            "flow",
            "deploy",
            "buy",
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let args = [
        "flow",
        "run",
        "buy",
        "--deployed",
        "--event",
        "event.json",
        "--data-dir",
        data_s,
        "--context",
        "production",
    ];
    let (code, out, err) = run(d, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("create-response"), "{out}");

    let run_id = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = tracardictl::store::open(data_s, &Default::default()).unwrap();
            let scope = tracardictl::domain::Scope::default_tenant(
                tracardictl::domain::Context::Production,
            );
            let engine = WorkflowEngine::new(store.clone(), EngineOptions::default());
            let doc = store
                .config(&scope, kinds::FLOW, "buy")
                .await
                .unwrap()
                .unwrap();
            let event = json!({"id": "e1", "type": "purchase", "properties": {"sku": "T"}});
            let (result, _) = engine
                .dry_run(
                    &doc,
                    DryRunData {
                        event,
                        ..DryRunData::default()
                    },
                )
                .await
                .unwrap();
            engine
                .store_trace(&scope, &result, Some("e1"), Some("p1"))
                .await
                .unwrap();
            store.durable().await.unwrap();
            result.run_id
        })
    };
    let (code, out, err) = run(
        d,
        &[
            "flow",
            "trace",
            &run_id,
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&run_id) && out.contains("increment"), "{out}");
    let (code, out, _) = run(
        d,
        &[
            "flow",
            "traces",
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains(&run_id));
    let (code, _, err) = run(
        d,
        &[
            "flow",
            "trace",
            "nope",
            "--data-dir",
            data_s,
            "--context",
            "production",
        ],
    );
    assert_eq!(code, 4, "not found: {err}");
    assert!(err.contains("no trace `nope`"), "{err}");

    let (code, out, _) = run(d, &["flow", "plugins"]);
    assert_eq!(code, 0);
    assert!(out.contains("remote-call") && out.contains("conditional-segmentation"));
}

const LOGIN_FLOW: &str = r#"
id: login
name: On login
nodes:
  - {id: start, plugin: start}
  - {id: email, plugin: set, init: {set: {"profile@data.contact.email.main": "payload@email"}}}
  - {id: merge, plugin: merge-profiles, init: {mergeBy: ["profile@data.contact.email.main"]}}
  - {id: merge2, plugin: merge-profiles, init: {mergeBy: ["profile@data.identifier.id"]}}
edges: ["start -> email", "email -> merge", "merge -> merge2"]
"#;

/// The merge node marks the profile when the flow ends; the APM then merges every
/// profile sharing the keys the flow set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_node_queues_the_profile_and_the_apm_merges_it() {
    use std::sync::Arc;
    use tracardictl::identity::{Apm, IdentitySettings, KeyPolicy, MergeOptions};
    let s = in_process(InProcOptions::default()).await;
    put(&s, kinds::FLOW, flow_doc(LOGIN_FLOW)).await;
    put(&s, kinds::RULE, rule("on-login", "login", "login")).await;
    let mut profiles = Vec::new();
    for session in ["phone", "laptop"] {
        let (status, resp) = s
            .track(&track_body(
                session,
                json!([{"type": "login", "properties": {"email": "ada@example.com"}}]),
            ))
            .await;
        assert_eq!(status, 200, "{resp}");
        profiles.push(resp["profile"]["id"].as_str().unwrap().to_string());
    }
    assert_ne!(profiles[0], profiles[1], "two devices, two profiles so far");
    let p = s
        .store
        .profile(&s.scope, &profiles[0])
        .await
        .unwrap()
        .unwrap();
    assert!(p
        .metadata
        .system
        .aux
        .auto_merge
        .iter()
        .any(|f| f.ends_with("data.contact.email.main")));
    let marked = s.store.marked_for_merge(&s.scope, 10).await.unwrap();
    assert_eq!(
        marked.len(),
        2,
        "both profiles queued for merging: {marked:?}"
    );
    let apm = Apm::new(
        s.store.clone(),
        s.locks.clone(),
        Arc::new(IdentitySettings {
            policy: KeyPolicy {
                salt: crate::support::IN_PROC_SALT.into(),
                blocked: vec![],
            },
            merge: MergeOptions::default(),
            max_profiles_per_merge: 50,
            never_merge_different_identifier: false,
        }),
    );
    let stats = apm.run_marked(&s.scope, 10).await.unwrap();
    assert_eq!(stats.merges, 1);
    let a = s
        .store
        .profile(&s.scope, &profiles[0])
        .await
        .unwrap()
        .unwrap();
    let b = s
        .store
        .profile(&s.scope, &profiles[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.id, b.id, "one customer, one profile");
    assert_eq!(a.metadata.time.visit.count, 2);
}

/// `flow deploy` (offline) does not publish a draft over a locked deployed flow, as the
/// private API's deploys do not: it says how to unlock, and deploys once unlocked.
#[test]
fn offline_flow_deploy_refuses_to_overwrite_a_locked_flow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("buy.yaml"), BUY_FLOW).unwrap();
    let data = d.join("data");
    let data_s = data.to_str().unwrap();
    let flow = |args: &[&str]| {
        let mut all = vec!["flow"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", data_s, "--context", "production"]);
        run(d, &all)
    };
    for args in [&["draft", "buy.yaml"][..], &["deploy", "buy"]] {
        let (code, _, err) = flow(args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    // A draft changed before the lock, which a deploy would publish over it.
    std::fs::write(
        d.join("buy.yaml"),
        BUY_FLOW.replace("name: On purchase", "name: Changed"),
    )
    .unwrap();
    let (code, _, err) = flow(&["draft", "buy.yaml"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = flow(&["lock", "buy"]);
    assert_eq!(code, 0, "{err}");
    // While locked, the draft cannot change (the file says nothing of `lock`).
    let (code, _, err) = flow(&["draft", "buy.yaml"]);
    assert_ne!(code, 0, "a locked flow's draft changed: {err}");
    assert!(err.contains("flow `buy` is locked"), "{err}");
    let (code, _, err) = flow(&["deploy", "buy"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("flow `buy` is locked in production"), "{err}");
    assert!(
        err.contains("tracardictl flow lock buy --unlock --context production"),
        "{err}"
    );
    let deployed_name = || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = tracardictl::store::open(data_s, &Default::default()).unwrap();
            let scope = tracardictl::domain::Scope::default_tenant(
                tracardictl::domain::Context::Production,
            );
            store
                .config(&scope, kinds::FLOW, "buy")
                .await
                .unwrap()
                .unwrap()["name"]
                .clone()
        })
    };
    assert_eq!(deployed_name(), "On purchase");
    let (code, _, err) = flow(&["lock", "buy", "--unlock"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = flow(&["deploy", "buy"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(deployed_name(), "Changed");
}
