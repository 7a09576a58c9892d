//! Running a compiled flow.
//!
//! * A run starts at the start nodes, which get the initial payload (the event's
//!   properties) on their `payload` port.
//! * Nodes run in a topological order. A node runs once per input that reached it, or
//!   once with every input merged when it joins (`join_input_payload`, default from the
//!   plugin: only `join` joins). Merging: objects are merged key by key in arrival order;
//!   anything else gives the list of inputs.
//! * A node that returns nothing on a port ends the branches leaving that port; a node
//!   no input reached does not run.
//! * A skipped node (`skip`) passes its input on every output port but `error`.
//! * A failing node sends `{message, node}` on its `error` port when that port is
//!   connected; otherwise its branches end and the error is recorded in the result.
//! * The run has a time budget: no node starts after it, and waiting nodes (HTTP,
//!   sleep) are cut off by it; running out is recorded as an error.
//! * Every node of the run shares the one [`RunState`]: profile, session and event
//!   changes are seen by later nodes and by later flows of the same event.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::flow::CompiledFlow;
use super::plugins::{ActionError, LogEntry, Output, ProfileUpdate, RunState};

/// How a run is done.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub budget: Duration,
    /// Record per-node traces.
    pub trace: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            budget: Duration::from_secs(5),
            trace: false,
        }
    }
}

/// A node's failure, as recorded in the run result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeError {
    pub node: String,
    pub name: String,
    pub message: String,
}

/// One output of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortValue {
    pub port: String,
    pub value: Value,
}

/// One node run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeTrace {
    pub node: String,
    pub name: String,
    pub plugin: String,
    pub input_port: String,
    pub input: Value,
    pub outputs: Vec<PortValue>,
    pub duration_us: u64,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub skipped: bool,
}

/// What a run did, apart from its changes to the shared state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub run_id: String,
    pub flow_id: String,
    pub flow_name: String,
    pub started: DateTime<Utc>,
    pub duration_us: u64,
    pub errors: Vec<NodeError>,
    pub logs: Vec<LogEntry>,
    pub ux: Vec<Value>,
    pub response: Map<String, Value>,
    pub merge_keys: Vec<String>,
    pub profile_update: ProfileUpdate,
    pub session_update: bool,
    #[serde(default)]
    pub trace: Vec<NodeTrace>,
}

/// A run id that sorts by time: 16 hex digits of microseconds, `-`, 8 random hex digits.
pub fn new_run_id(at: DateTime<Utc>) -> String {
    let micros = at.timestamp_micros().max(0) as u64;
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{micros:016x}-{}", &random[..8])
}

fn merge_inputs(inputs: Vec<(String, Value)>) -> (String, Value) {
    let port = inputs
        .first()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| "payload".into());
    if inputs.iter().all(|(_, v)| v.is_object()) {
        let mut merged = Value::Object(Map::new());
        for (_, v) in inputs {
            super::plugins::data::deep_merge(&mut merged, v);
        }
        (port, merged)
    } else {
        (
            port,
            Value::Array(inputs.into_iter().map(|(_, v)| v).collect()),
        )
    }
}

/// Runs a flow over a shared state. Never fails: node errors are in the result.
pub async fn run_flow(
    flow: &CompiledFlow,
    state: &mut RunState,
    initial: Value,
    options: &RunOptions,
) -> RunResult {
    let seeds = flow
        .starts
        .iter()
        .map(|&s| (s, "payload".to_string(), initial.clone()))
        .collect();
    run_seeded(flow, state, seeds, options).await
}

/// Resumes a flow after node `after` (a `pause and resume` node): the nodes connected to
/// its output ports (but `error`) get `payload`, and the run goes on from there. None
/// when the flow has no such node (it was changed since the pause).
pub async fn resume_flow(
    flow: &CompiledFlow,
    state: &mut RunState,
    after: &str,
    payload: Value,
    options: &RunOptions,
) -> Option<RunResult> {
    let node = flow.nodes.iter().find(|n| n.id == after)?;
    let seeds = node
        .outputs
        .iter()
        .filter(|(port, _)| *port != "error")
        .flat_map(|(_, targets)| targets.iter())
        .map(|(t, port)| (*t, port.clone(), payload.clone()))
        .collect();
    Some(run_seeded(flow, state, seeds, options).await)
}

/// Runs a flow whose nodes `seeds` name get a value on an input port.
async fn run_seeded(
    flow: &CompiledFlow,
    state: &mut RunState,
    seeds: Vec<(usize, String, Value)>,
    options: &RunOptions,
) -> RunResult {
    let started_at = state.now();
    let started = Instant::now();
    let deadline = started + options.budget;
    state.deadline = Some(deadline);
    state.ctx.flow = json!({"id": flow.id, "name": flow.name, "response": {}});
    state.ctx.memory = json!({});
    let trace_on = options.trace || flow.trace;

    let mut errors = Vec::new();
    let mut trace = Vec::new();
    let mut inbox: Vec<Vec<(String, Value)>> = vec![Vec::new(); flow.nodes.len()];
    for (node, port, value) in seeds {
        if let Some(slot) = inbox.get_mut(node) {
            slot.push((port, value));
        }
    }
    'nodes: for &idx in &flow.order {
        let inputs = std::mem::take(&mut inbox[idx]);
        if inputs.is_empty() {
            continue;
        }
        let node = &flow.nodes[idx];
        let batches = if node.join && inputs.len() > 1 {
            vec![merge_inputs(inputs)]
        } else {
            inputs
        };
        for (port, payload) in batches {
            if Instant::now() >= deadline {
                errors.push(NodeError {
                    node: node.id.clone(),
                    name: node.name.clone(),
                    message: format!(
                        "the run's time budget of {:?} ran out before this node",
                        options.budget
                    ),
                });
                break 'nodes;
            }
            let input_copy = if trace_on {
                payload.clone()
            } else {
                Value::Null
            };
            state.ctx.payload = payload;
            state.input_port.clone_from(&port);
            state.node_id.clone_from(&node.id);
            let node_started = Instant::now();
            let result = if node.skip {
                let value = state.take_payload();
                Ok(Output(
                    node.plugin
                        .outputs
                        .iter()
                        .filter(|p| **p != "error")
                        .map(|p| (*p, value.clone()))
                        .collect(),
                ))
            } else if let Some(action) = node.action.as_async() {
                let remaining = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(remaining, action.run_async(state)).await {
                    Ok(r) => r,
                    Err(_) => Err(ActionError(format!(
                        "cut off: the run's time budget of {:?} ran out",
                        options.budget
                    ))),
                }
            } else {
                node.action.run(state)
            };
            let duration_us = node_started.elapsed().as_micros() as u64;
            state.ctx.payload = Value::Null;
            let (output, error) = match result {
                Ok(output) => (output, None),
                Err(e) if node.has_error_port() => (
                    Output::port("error", json!({"message": e.0, "node": node.id})),
                    Some(e.0),
                ),
                Err(e) => {
                    errors.push(NodeError {
                        node: node.id.clone(),
                        name: node.name.clone(),
                        message: e.0.clone(),
                    });
                    (Output::none(), Some(e.0))
                }
            };
            if trace_on {
                trace.push(NodeTrace {
                    node: node.id.clone(),
                    name: node.name.clone(),
                    plugin: node.plugin.id.to_string(),
                    input_port: port,
                    input: input_copy,
                    outputs: output
                        .0
                        .iter()
                        .map(|(p, v)| PortValue {
                            port: (*p).to_string(),
                            value: v.clone(),
                        })
                        .collect(),
                    duration_us,
                    error,
                    skipped: node.skip,
                });
            }
            for (out_port, value) in output.0 {
                let Some((_, targets)) = node.outputs.iter().find(|(p, _)| *p == out_port) else {
                    continue;
                };
                if let Some(((last_t, last_port), rest)) = targets.split_last() {
                    for (t, tport) in rest {
                        inbox[*t].push((tport.clone(), value.clone()));
                    }
                    inbox[*last_t].push((last_port.clone(), value));
                }
            }
        }
    }

    let response = match state.ctx.flow.get_mut("response").map(Value::take) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    state.deadline = None;
    RunResult {
        run_id: new_run_id(started_at),
        flow_id: flow.id.clone(),
        flow_name: flow.name.clone(),
        started: started_at,
        duration_us: started.elapsed().as_micros() as u64,
        errors,
        logs: std::mem::take(&mut state.logs),
        ux: std::mem::take(&mut state.ux),
        response,
        merge_keys: state.merge_keys.clone(),
        profile_update: state.profile_update,
        session_update: state.session_update,
        trace,
    }
}
