//! Flows: the document (Tracardi's JSON shape), the concise YAML form, validation and
//! compilation into a runnable graph.
//!
//! Tracardi's shape (what an exported Tracardi flow holds, and what is stored):
//!
//! ```text
//! {id, name, description, type, enabled, lock, tags, trace (ours),
//!  flowGraph: {nodes: [{id, type, position, data: {name, description,
//!                        spec: {className, module, init, inputs, outputs, skip,
//!                               join_input_payload, …}}}],
//!              edges: [{id, source, sourceHandle, target, targetHandle}]}}
//! ```
//!
//! The concise form, for hand editing:
//!
//! ```yaml
//! id: welcome
//! name: Welcome
//! nodes:
//!   - id: start
//!     plugin: start
//!   - id: adult
//!     plugin: if
//!     init: {condition: "profile@traits.age >= 18"}
//! edges:
//!   - start.payload -> adult.payload
//!   - adult.true -> tag          # a single input port may be left out
//! ```
//!
//! A node's plugin is found by `spec.className` (our plugin id or a Tracardi class
//! name in the plugin's aliases). Unknown fields of the JSON shape are kept.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use thiserror::Error;

use super::plugins::{self, Action, PluginSpec};

/// Why a flow document cannot be saved or run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FlowError {
    #[error("the flow document is malformed: {0}")]
    Malformed(String),
    #[error("node `{node}`: unknown plugin `{plugin}`")]
    UnknownPlugin { node: String, plugin: String },
    #[error("node `{node}`: {message}")]
    BadInit { node: String, message: String },
    #[error("edge `{edge}`: {message}")]
    BadEdge { edge: String, message: String },
    #[error("node `{node}` is part of a cycle; flows must be acyclic")]
    Cycle { node: String },
    #[error("duplicate node id `{0}`")]
    DuplicateNode(String),
    #[error("the flow has no start node")]
    NoStart,
}

fn yes() -> bool {
    true
}

/// A flow document in Tracardi's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDocument {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type", default = "collection")]
    pub flow_type: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A locked flow's draft cannot be changed.
    #[serde(default)]
    pub lock: bool,
    /// (ours) store a trace of every run of this flow.
    #[serde(default)]
    pub trace: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(rename = "flowGraph", default)]
    pub flow_graph: FlowGraph,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn collection() -> String {
    "collection".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FlowGraph {
    #[serde(default)]
    pub nodes: Vec<GraphNode>,
    #[serde(default)]
    pub edges: Vec<GraphEdge>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    #[serde(rename = "type", default = "flow_node")]
    pub node_type: String,
    #[serde(default)]
    pub position: Value,
    pub data: NodeData,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn flow_node() -> String {
    "flowNode".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub spec: NodeSpec,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeSpec {
    #[serde(rename = "className")]
    pub class_name: String,
    #[serde(default)]
    pub module: String,
    #[serde(default)]
    pub init: Value,
    #[serde(default)]
    pub inputs: Vec<String>,
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Pass the input through instead of running the plugin.
    #[serde(default)]
    pub skip: bool,
    /// Run once with all inputs merged instead of once per input; `None` = the
    /// plugin's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_input_payload: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    #[serde(default)]
    pub id: String,
    pub source: String,
    #[serde(rename = "sourceHandle")]
    pub source_handle: String,
    pub target: String,
    #[serde(rename = "targetHandle")]
    pub target_handle: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---- the concise form ----

/// The concise form of a flow (YAML or JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConciseFlow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub lock: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub trace: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub nodes: Vec<ConciseNode>,
    #[serde(default)]
    pub edges: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConciseNode {
    pub id: String,
    pub plugin: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "is_empty_init")]
    pub init: Value,
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<bool>,
}

fn is_empty_init(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

impl FlowDocument {
    /// Reads a flow from either shape: Tracardi's (`flowGraph`) or the concise one
    /// (`nodes` at the top).
    pub fn from_value(doc: &Value) -> Result<FlowDocument, FlowError> {
        let concise = doc.get("nodes").is_some() && doc.get("flowGraph").is_none();
        if concise {
            let flow: ConciseFlow = serde_path_to_error::deserialize(doc)
                .map_err(|e| FlowError::Malformed(format!("{}: {}", e.path(), e.inner())))?;
            flow.to_document()
        } else {
            serde_path_to_error::deserialize(doc)
                .map_err(|e| FlowError::Malformed(format!("{}: {}", e.path(), e.inner())))
        }
    }

    /// Reads a flow from YAML or JSON text, in either shape.
    pub fn from_text(text: &str) -> Result<FlowDocument, FlowError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => serde_yaml::from_str(text)
                .map_err(|e| FlowError::Malformed(format!("neither JSON nor YAML: {e}")))?,
        };
        FlowDocument::from_value(&value)
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The concise form. Node positions and editor metadata are dropped.
    pub fn to_concise(&self) -> ConciseFlow {
        let nodes: HashMap<&str, &GraphNode> = self
            .flow_graph
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n))
            .collect();
        let edges = self
            .flow_graph
            .edges
            .iter()
            .map(|e| {
                let only = |id: &str, port: &str, outputs: bool| {
                    nodes
                        .get(id)
                        .and_then(|n| plugins::find(&n.data.spec.class_name))
                        .is_some_and(|p| {
                            let ports = if outputs { p.outputs } else { p.inputs };
                            ports.len() == 1 && ports[0] == port
                        })
                };
                let source = if only(&e.source, &e.source_handle, true) {
                    e.source.clone()
                } else {
                    format!("{}.{}", e.source, e.source_handle)
                };
                let target = if only(&e.target, &e.target_handle, false) {
                    e.target.clone()
                } else {
                    format!("{}.{}", e.target, e.target_handle)
                };
                format!("{source} -> {target}")
            })
            .collect();
        ConciseFlow {
            kind: Some("flow".into()),
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
            lock: self.lock,
            trace: self.trace,
            tags: self.tags.clone(),
            nodes: self
                .flow_graph
                .nodes
                .iter()
                .map(|n| {
                    let spec = plugins::find(&n.data.spec.class_name);
                    let plugin = spec.map_or(n.data.spec.class_name.clone(), |p| p.id.to_string());
                    let name = match spec {
                        Some(p) if p.name == n.data.name => String::new(),
                        _ => n.data.name.clone(),
                    };
                    ConciseNode {
                        id: n.id.clone(),
                        plugin,
                        name,
                        description: n.data.description.clone(),
                        init: n.data.spec.init.clone(),
                        skip: n.data.spec.skip,
                        join: n.data.spec.join_input_payload,
                    }
                })
                .collect(),
            edges,
        }
    }

    /// The concise form as YAML text.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(&self.to_concise()).unwrap_or_default()
    }
}

impl ConciseFlow {
    /// Tracardi's shape: plugin specs filled in from the registry, nodes laid out by
    /// depth so the flow opens readably in a graphical editor.
    pub fn to_document(&self) -> Result<FlowDocument, FlowError> {
        let mut specs: HashMap<&str, &'static PluginSpec> = HashMap::new();
        for n in &self.nodes {
            let spec = plugins::find(&n.plugin).ok_or_else(|| FlowError::UnknownPlugin {
                node: n.id.clone(),
                plugin: n.plugin.clone(),
            })?;
            if specs.insert(n.id.as_str(), spec).is_some() {
                return Err(FlowError::DuplicateNode(n.id.clone()));
            }
        }
        let mut edges = Vec::new();
        for (i, text) in self.edges.iter().enumerate() {
            let edge = parse_edge(text, &specs).map_err(|message| FlowError::BadEdge {
                edge: text.clone(),
                message,
            })?;
            edges.push(GraphEdge {
                id: format!("e{}", i + 1),
                source: edge.0,
                source_handle: edge.1,
                target: edge.2,
                target_handle: edge.3,
                extra: Map::new(),
            });
        }
        let ids: Vec<String> = self.nodes.iter().map(|n| n.id.clone()).collect();
        let depth = depths(&ids, &edges);
        let mut row: HashMap<usize, usize> = HashMap::new();
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let spec = specs.get(n.id.as_str()).copied();
                let d = depth.get(n.id.as_str()).copied().unwrap_or(0);
                let r = row.entry(d).or_insert(0);
                let position = json!({"x": *r * 260, "y": d * 140});
                *r += 1;
                GraphNode {
                    id: n.id.clone(),
                    node_type: flow_node(),
                    position,
                    data: NodeData {
                        name: if n.name.is_empty() {
                            spec.map_or(n.plugin.clone(), |s| s.name.to_string())
                        } else {
                            n.name.clone()
                        },
                        description: n.description.clone(),
                        spec: NodeSpec {
                            class_name: spec.map_or(n.plugin.clone(), |s| s.id.to_string()),
                            module: spec.map(|s| s.module()).unwrap_or_default(),
                            init: if n.init.is_null() {
                                json!({})
                            } else {
                                n.init.clone()
                            },
                            inputs: spec.map_or(vec![], |s| {
                                s.inputs.iter().map(|p| p.to_string()).collect()
                            }),
                            outputs: spec.map_or(vec![], |s| {
                                s.outputs.iter().map(|p| p.to_string()).collect()
                            }),
                            skip: n.skip,
                            join_input_payload: n.join,
                            extra: Map::new(),
                        },
                        extra: Map::new(),
                    },
                    extra: Map::new(),
                }
            })
            .collect();
        Ok(FlowDocument {
            id: self.id.clone(),
            name: if self.name.is_empty() {
                self.id.clone()
            } else {
                self.name.clone()
            },
            description: self.description.clone(),
            flow_type: collection(),
            enabled: self.enabled,
            lock: self.lock,
            trace: self.trace,
            tags: self.tags.clone(),
            flow_graph: FlowGraph {
                nodes,
                edges,
                extra: Map::new(),
            },
            extra: Map::new(),
        })
    }
}

/// `a.port -> b.port`; either port may be left out when the plugin has just one.
fn parse_edge(
    text: &str,
    specs: &HashMap<&str, &'static PluginSpec>,
) -> Result<(String, String, String, String), String> {
    let Some((left, right)) = text.split_once("->") else {
        return Err("expected `source.port -> target.port`".into());
    };
    let end = |side: &str, outputs: bool| -> Result<(String, String), String> {
        let side = side.trim();
        let (node, port) = match side.rsplit_once('.') {
            Some((n, p)) if specs.contains_key(n) => (n, Some(p)),
            _ => (side, None),
        };
        let spec = specs.get(node).ok_or_else(|| format!("no node `{node}`"))?;
        let ports = if outputs { spec.outputs } else { spec.inputs };
        let port = match port {
            Some(p) => p.to_string(),
            None if ports.len() == 1 => ports[0].to_string(),
            None => {
                return Err(format!(
                    "node `{node}` has ports {}; name one as `{node}.PORT`",
                    ports.join(", ")
                ))
            }
        };
        Ok((node.to_string(), port))
    };
    let (source, source_handle) = end(left, true)?;
    let (target, target_handle) = end(right, false)?;
    Ok((source, source_handle, target, target_handle))
}

/// Longest distance from a root, for layout; nodes in cycles get what they reached.
fn depths<'a>(nodes: &'a [String], edges: &[GraphEdge]) -> HashMap<&'a str, usize> {
    let mut depth: HashMap<&str, usize> = nodes.iter().map(|n| (n.as_str(), 0)).collect();
    for _ in 0..nodes.len() {
        let mut changed = false;
        for e in edges {
            let (Some(&s), Some(&t)) = (depth.get(e.source.as_str()), depth.get(e.target.as_str()))
            else {
                continue;
            };
            if t < s + 1 {
                if let Some(slot) = nodes.iter().find(|n| **n == e.target) {
                    depth.insert(slot.as_str(), s + 1);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

// ---- validation and compilation ----

/// A node ready to run.
pub struct CompiledNode {
    pub id: String,
    pub name: String,
    pub plugin: &'static PluginSpec,
    pub action: Box<dyn Action>,
    pub skip: bool,
    pub join: bool,
    /// Per output port (in the plugin's order): the edges leaving it as (target node
    /// index, target port).
    pub outputs: Vec<(&'static str, Vec<(usize, String)>)>,
}

impl CompiledNode {
    /// Whether an `error` output port is connected.
    pub fn has_error_port(&self) -> bool {
        self.outputs
            .iter()
            .any(|(p, e)| *p == "error" && !e.is_empty())
    }
}

/// A validated flow, ready to run any number of times.
pub struct CompiledFlow {
    pub id: String,
    pub name: String,
    pub trace: bool,
    pub nodes: Vec<CompiledNode>,
    /// Node indexes in an order where every edge goes forward.
    pub order: Vec<usize>,
    pub starts: Vec<usize>,
}

impl std::fmt::Debug for CompiledFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledFlow")
            .field("id", &self.id)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

/// Checks a flow the way saving does: every plugin known, every `init` valid, every
/// edge joining existing ports of existing nodes, no cycle, at least one start node.
pub fn compile(doc: &FlowDocument) -> Result<CompiledFlow, FlowError> {
    let graph = &doc.flow_graph;
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for (i, n) in graph.nodes.iter().enumerate() {
        if index.insert(n.id.as_str(), i).is_some() {
            return Err(FlowError::DuplicateNode(n.id.clone()));
        }
        let spec =
            plugins::find(&n.data.spec.class_name).ok_or_else(|| FlowError::UnknownPlugin {
                node: node_label(n),
                plugin: n.data.spec.class_name.clone(),
            })?;
        let action = (spec.build)(&n.data.spec.init).map_err(|e| FlowError::BadInit {
            node: node_label(n),
            message: e.to_string(),
        })?;
        nodes.push(CompiledNode {
            id: n.id.clone(),
            name: n.data.name.clone(),
            plugin: spec,
            action,
            skip: n.data.spec.skip,
            join: n.data.spec.join_input_payload.unwrap_or(spec.join),
            outputs: spec.outputs.iter().map(|p| (*p, Vec::new())).collect(),
        });
    }
    let mut seen_edges = HashSet::new();
    for e in &graph.edges {
        let label = if e.id.is_empty() {
            format!(
                "{}.{} -> {}.{}",
                e.source, e.source_handle, e.target, e.target_handle
            )
        } else {
            e.id.clone()
        };
        let bad = |message: String| FlowError::BadEdge {
            edge: label.clone(),
            message,
        };
        let &s = index
            .get(e.source.as_str())
            .ok_or_else(|| bad(format!("source node `{}` does not exist", e.source)))?;
        let &t = index
            .get(e.target.as_str())
            .ok_or_else(|| bad(format!("target node `{}` does not exist", e.target)))?;
        let target_plugin = nodes[t].plugin;
        if !target_plugin.inputs.contains(&e.target_handle.as_str()) {
            return Err(bad(format!(
                "node `{}` ({}) has no input port `{}`",
                e.target, target_plugin.id, e.target_handle
            )));
        }
        let source = &mut nodes[s];
        let source_id = source.plugin.id;
        let Some((_, targets)) = source
            .outputs
            .iter_mut()
            .find(|(p, _)| *p == e.source_handle)
        else {
            return Err(bad(format!(
                "node `{}` ({source_id}) has no output port `{}`",
                e.source, e.source_handle
            )));
        };
        if seen_edges.insert((s, e.source_handle.clone(), t, e.target_handle.clone())) {
            targets.push((t, e.target_handle.clone()));
        }
    }
    let order = topological_order(&nodes).map_err(|i| FlowError::Cycle {
        node: graph.nodes.get(i).map(node_label).unwrap_or_default(),
    })?;
    let starts: Vec<usize> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.plugin.id == "start")
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() && !nodes.is_empty() {
        return Err(FlowError::NoStart);
    }
    Ok(CompiledFlow {
        id: doc.id.clone(),
        name: doc.name.clone(),
        trace: doc.trace,
        nodes,
        order,
        starts,
    })
}

fn node_label(n: &GraphNode) -> String {
    if n.data.name.is_empty() || n.data.name == n.id {
        n.id.clone()
    } else {
        format!("{} ({})", n.id, n.data.name)
    }
}

/// Kahn's algorithm, keeping document order among ready nodes. `Err` names a node on a
/// cycle.
fn topological_order(nodes: &[CompiledNode]) -> Result<Vec<usize>, usize> {
    let mut incoming = vec![0usize; nodes.len()];
    for n in nodes {
        for (_, targets) in &n.outputs {
            for (t, _) in targets {
                incoming[*t] += 1;
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..nodes.len()).filter(|&i| incoming[i] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for (_, targets) in &nodes[i].outputs {
            for (t, _) in targets {
                incoming[*t] -= 1;
                if incoming[*t] == 0 {
                    ready.insert(*t);
                }
            }
        }
    }
    if order.len() == nodes.len() {
        Ok(order)
    } else {
        Err((0..nodes.len()).find(|&i| incoming[i] > 0).unwrap_or(0))
    }
}

/// Parses and compiles a flow document in either shape: what saving checks.
pub fn validate(doc: &Value) -> Result<(FlowDocument, CompiledFlow), FlowError> {
    let flow = FlowDocument::from_value(doc)?;
    if flow.id.trim().is_empty() {
        return Err(FlowError::Malformed("id: must not be empty".into()));
    }
    let compiled = compile(&flow)?;
    Ok((flow, compiled))
}
