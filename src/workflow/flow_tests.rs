//! Flow model, conversion, validation and runtime semantics.

use serde_json::{json, Value};

use super::flow::{compile, validate, FlowDocument, FlowError};
use super::notation::DotContext;
use super::plugins::RunState;
use super::runtime::{run_flow, RunOptions, RunResult};

/// A flow as Tracardi exports it: class names, modules, positions, editor metadata.
fn tracardi_export() -> Value {
    json!({
        "id": "7d4c0c1e-0000-4000-8000-000000000001",
        "name": "Adults",
        "description": "tags adults",
        "type": "collection",
        "projects": ["General"],
        "flowGraph": {
            "nodes": [
                {"id": "n-start", "type": "flowNode", "position": {"x": 10, "y": 20},
                 "data": {"name": "Start", "metadata": {"time": {}}, "spec": {
                     "className": "StartAction", "module": "tracardi.process_engine.action.v1.start_action",
                     "inputs": ["payload"], "outputs": ["payload"], "init": null, "skip": false,
                     "block_flow": false, "run_once": {"value": "", "ttl": 0}}}},
                {"id": "n-if", "type": "flowNode", "position": {"x": 10, "y": 120},
                 "data": {"name": "Is adult", "spec": {
                     "className": "IfAction", "module": "tracardi.process_engine.action.v1.if_action",
                     "inputs": ["payload"], "outputs": ["true", "false"],
                     "init": {"condition": "profile@traits.age >= 18"}}}},
                {"id": "n-seg", "type": "flowNode", "position": {"x": 10, "y": 220},
                 "data": {"name": "Add segment", "spec": {
                     "className": "AddSegmentAction", "module": "x", "init": {"segment": "adult"}}}},
                {"id": "n-end", "type": "flowNode", "data": {"name": "End", "spec": {"className": "EndAction", "module": "y"}}}
            ],
            "edges": [
                {"id": "e1", "source": "n-start", "sourceHandle": "payload", "target": "n-if", "targetHandle": "payload", "type": "default"},
                {"id": "e2", "source": "n-if", "sourceHandle": "true", "target": "n-seg", "targetHandle": "payload"},
                {"id": "e3", "source": "n-seg", "sourceHandle": "payload", "target": "n-end", "targetHandle": "payload"}
            ]
        }
    })
}

fn ctx(profile: Value) -> RunState {
    RunState::new(DotContext {
        profile,
        event: json!({"id": "e", "type": "page-view", "properties": {"p": 1}}),
        ..DotContext::default()
    })
}

fn yaml_flow(text: &str) -> FlowDocument {
    match FlowDocument::from_text(text) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

async fn run_yaml(text: &str, state: &mut RunState, options: RunOptions) -> RunResult {
    let doc = yaml_flow(text);
    let compiled = compile(&doc).unwrap();
    run_flow(&compiled, state, json!({"p": 1}), &options).await
}

#[tokio::test]
async fn tracardi_export_imports_and_runs() {
    let (doc, compiled) = validate(&tracardi_export()).unwrap();
    assert_eq!(compiled.nodes.len(), 4);
    // Unknown fields survive a round trip.
    let back = doc.to_value();
    assert_eq!(back["projects"], json!(["General"]));
    assert_eq!(
        back["flowGraph"]["nodes"][0]["data"]["spec"]["run_once"],
        json!({"value": "", "ttl": 0})
    );
    assert_eq!(back["flowGraph"]["edges"][0]["type"], json!("default"));
    let mut state = ctx(json!({"traits": {"age": 20}, "segments": []}));
    let result = run_flow(&compiled, &mut state, json!({}), &RunOptions::default()).await;
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(state.ctx.profile["segments"], json!(["adult"]));
    let mut state = ctx(json!({"traits": {"age": 10}, "segments": []}));
    run_flow(&compiled, &mut state, json!({}), &RunOptions::default()).await;
    assert_eq!(state.ctx.profile["segments"], json!([]));
}

const YAML: &str = r#"
id: welcome
name: Welcome
nodes:
  - id: start
    plugin: start
  - id: adult
    plugin: if
    init: {condition: "profile@traits.age >= 18"}
  - id: tag
    plugin: add-segment
    name: Tag adults
    init: {segment: adult}
edges:
  - start -> adult
  - adult.true -> tag.payload
"#;

#[test]
fn yaml_and_json_convert_both_ways() {
    let doc = yaml_flow(YAML);
    assert_eq!(doc.flow_graph.nodes[1].data.spec.class_name, "if");
    assert_eq!(
        doc.flow_graph.nodes[1].data.spec.outputs,
        vec!["true", "false"]
    );
    assert_eq!(doc.flow_graph.edges[0].source_handle, "payload");
    assert_eq!(doc.flow_graph.nodes[2].data.name, "Tag adults");
    let yaml = doc.to_yaml();
    let again = yaml_flow(&yaml);
    assert_eq!(again.to_concise(), doc.to_concise());
    // JSON shape → concise keeps the graph.
    let (imported, _) = validate(&tracardi_export()).unwrap();
    let concise = imported.to_concise();
    assert_eq!(concise.nodes[1].plugin, "if");
    assert!(
        concise.edges.contains(&"n-if.true -> n-seg".to_string()),
        "{:?}",
        concise.edges
    );
    let reimported = concise.to_document().unwrap();
    compile(&reimported).unwrap();
}

fn error_of(doc: Value) -> String {
    match validate(&doc) {
        Ok(_) => "valid".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn validation_names_the_node() {
    let mut d = tracardi_export();
    d["flowGraph"]["nodes"][2]["data"]["spec"]["className"] = json!("NoSuchAction");
    assert_eq!(
        error_of(d),
        "node `n-seg (Add segment)`: unknown plugin `NoSuchAction`"
    );

    let mut d = tracardi_export();
    d["flowGraph"]["nodes"][1]["data"]["spec"]["init"] = json!({"condition": "a =="});
    let e = error_of(d);
    assert!(
        e.starts_with("node `n-if (Is adult)`: init.condition"),
        "{e}"
    );

    let mut d = tracardi_export();
    d["flowGraph"]["edges"][2]["target"] = json!("ghost");
    assert_eq!(error_of(d), "edge `e3`: target node `ghost` does not exist");

    let mut d = tracardi_export();
    d["flowGraph"]["edges"][1]["sourceHandle"] = json!("maybe");
    assert!(error_of(d).contains("has no output port `maybe`"));

    let mut d = tracardi_export();
    d["flowGraph"]["edges"].as_array_mut().unwrap().push(
        json!({"id": "back", "source": "n-seg", "sourceHandle": "payload", "target": "n-if", "targetHandle": "payload"}),
    );
    let e = error_of(d);
    assert!(e.contains("cycle") && e.contains("n-if"), "{e}");

    let mut d = tracardi_export();
    d["flowGraph"]["nodes"].as_array_mut().unwrap().remove(0);
    d["flowGraph"]["edges"].as_array_mut().unwrap().remove(0);
    assert_eq!(validate(&d).err(), Some(FlowError::NoStart));

    let e = error_of(
        json!({"id": "x", "nodes": [{"id": "a", "plugin": "start"}], "edges": ["a -> b"]}),
    );
    assert!(e.contains("no node `b`"), "{e}");
    let e = error_of(
        json!({"id": "x", "nodes": [{"id": "a", "plugin": "start"}, {"id": "i", "plugin": "if", "init": {"condition": "payload@a EXISTS"}}, {"id": "b", "plugin": "end"}], "edges": ["a -> i", "i -> b"]}),
    );
    assert!(e.contains("name one"), "{e}");
    assert!(error_of(json!({"id": "x", "flowGraph": {"nodes": 3}})).contains("malformed"));
}

#[tokio::test]
async fn a_port_without_output_kills_the_branch() {
    let flow = r#"
id: f
nodes:
  - {id: s, plugin: start}
  - {id: c, plugin: if, init: {condition: "payload@p == 2"}}
  - {id: yes, plugin: increment, init: {field: profile@stats.yes}}
  - {id: no, plugin: increment, init: {field: profile@stats.no}}
  - {id: after, plugin: increment, init: {field: profile@stats.after}}
edges: ["s -> c", "c.true -> yes", "c.false -> no", "yes -> after"]
"#;
    let mut state = ctx(json!({}));
    let r = run_yaml(flow, &mut state, RunOptions::default()).await;
    assert!(r.errors.is_empty());
    assert_eq!(state.ctx.profile["stats"], json!({"no": 1}));
}

#[tokio::test]
async fn several_inputs_run_once_each_unless_joined() {
    let flow = |join: &str| {
        format!(
            r#"
id: f
nodes:
  - {{id: s, plugin: start}}
  - {{id: a, plugin: inject, init: {{value: {{"a": 1}}}}}}
  - {{id: b, plugin: inject, init: {{value: {{"b": 2}}}}}}
  - {{id: count, plugin: increment, init: {{field: profile@n}}{join}}}
  - {{id: keep, plugin: set, init: {{set: {{"profile@last": "payload@"}}}}}}
edges: ["s -> a", "s -> b", "a -> count", "b -> count", "count -> keep"]
"#
        )
    };
    let mut state = ctx(json!({}));
    run_yaml(&flow(""), &mut state, RunOptions::default()).await;
    assert_eq!(state.ctx.profile["n"], json!(2));
    assert_eq!(state.ctx.profile["last"], json!({"b": 2}));
    let mut state = ctx(json!({}));
    run_yaml(&flow(", join: true"), &mut state, RunOptions::default()).await;
    assert_eq!(state.ctx.profile["n"], json!(1));
    assert_eq!(state.ctx.profile["last"], json!({"a": 1, "b": 2}));
}

#[tokio::test]
async fn skip_passes_through_and_errors_go_to_the_error_port() {
    let flow = r#"
id: f
nodes:
  - {id: s, plugin: start}
  - {id: call, plugin: remote-call, init: {url: "{{payload@nope}}", method: GET}}
  - {id: onerr, plugin: set, init: {set: {"profile@err": "payload@message"}}}
  - {id: bad, plugin: cut-out, init: {property: event@missing}}
  - {id: never, plugin: increment, init: {field: profile@never}}
edges: ["s -> call", "call.error -> onerr", "s -> bad", "bad -> never"]
"#;
    let mut state = ctx(json!({}));
    let r = run_yaml(
        flow,
        &mut state,
        RunOptions {
            trace: true,
            ..RunOptions::default()
        },
    )
    .await;
    assert!(state.ctx.profile["err"]
        .as_str()
        .unwrap()
        .contains("not an http"));
    assert!(state.ctx.profile.get("never").is_none());
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].node, "bad");
    assert!(r.errors[0].message.contains("event@missing"));
    // Trace: one entry per node run, with ports.
    let bad = r.trace.iter().find(|t| t.node == "bad").unwrap();
    assert!(bad.error.is_some() && bad.outputs.is_empty());
    assert_eq!(bad.input, json!({"p": 1}));
    let call = r.trace.iter().find(|t| t.node == "call").unwrap();
    assert_eq!(call.outputs[0].port, "error");

    let flow = r#"
id: f
nodes:
  - {id: s, plugin: start}
  - {id: skipped, plugin: increment, init: {field: profile@skipped}, skip: true}
  - {id: after, plugin: set, init: {set: {"profile@seen": "payload@p"}}}
edges: ["s -> skipped", "skipped -> after"]
"#;
    let mut state = ctx(json!({}));
    let r = run_yaml(flow, &mut state, RunOptions::default()).await;
    assert!(r.errors.is_empty());
    assert!(state.ctx.profile.get("skipped").is_none());
    assert_eq!(state.ctx.profile["seen"], json!(1));
}

#[tokio::test]
async fn the_time_budget_stops_the_run() {
    let flow = r#"
id: f
nodes:
  - {id: s, plugin: start}
  - {id: nap, plugin: sleep, init: {wait: 0.05}}
  - {id: after, plugin: increment, init: {field: profile@n}}
edges: ["s -> nap", "nap -> after"]
"#;
    let mut state = ctx(json!({}));
    let options = RunOptions {
        budget: std::time::Duration::from_millis(20),
        trace: false,
    };
    let r = run_yaml(flow, &mut state, options).await;
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(state.ctx.profile.get("n").is_none());
}

#[tokio::test]
async fn response_ux_and_shared_state() {
    let flow = r#"
id: f
name: F
nodes:
  - {id: s, plugin: start}
  - {id: r, plugin: create-response, init: {key: hello, body: {"name": "profile@name"}}}
  - {id: u, plugin: ux-snippet, init: {content: "hi {{profile@name}}"}}
  - {id: e, plugin: set, init: {set: {"event@traits.seen": "`true`", "session@properties.x": 1}}}
edges: ["s -> r", "r -> u", "u -> e"]
"#;
    let mut state = ctx(json!({"name": "Ann"}));
    let r = run_yaml(flow, &mut state, RunOptions::default()).await;
    assert_eq!(
        r.response,
        json!({"hello": {"name": "Ann"}})
            .as_object()
            .cloned()
            .unwrap()
    );
    assert_eq!(r.ux[0]["content"], json!("hi Ann"));
    assert_eq!(state.ctx.event["traits"]["seen"], json!(true));
    assert_eq!(state.ctx.session["properties"]["x"], json!(1));
}
