//! Flows: a flow's graph drawn as text — nodes with their plugin and ports, and the
//! edges as an indented tree from each start node. Run traces are read offline with
//! `tracardictl flow trace`; the private API has no route for them yet.

use super::app::{text, App, Kind};
use super::ui::{muted, title_style};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

fn arr<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let mut cur = v;
    for k in path {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return Vec::new(),
        }
    }
    cur.as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn node_name(n: &Value) -> String {
    for p in ["data.name", "name", "data.metadata.name", "id"] {
        let t = text(n, p);
        if !t.is_empty() {
            return t;
        }
    }
    "?".into()
}

fn plugin(n: &Value) -> String {
    for p in ["data.spec.className", "type", "plugin", "data.spec.module"] {
        let t = text(n, p);
        if !t.is_empty() {
            return t;
        }
    }
    String::new()
}

/// The lines of a flow's graph: nodes, then edges as a tree from each start node.
pub fn graph_lines(flow: &Value) -> Vec<Line<'static>> {
    let nodes = arr(flow, &["flowGraph", "nodes"]);
    let edges = arr(flow, &["flowGraph", "edges"]);
    let mut out = Vec::new();
    let names: BTreeMap<String, String> = nodes
        .iter()
        .map(|n| (text(n, "id"), node_name(n)))
        .collect();
    out.push(Line::styled(
        format!("Nodes ({})", nodes.len()),
        title_style(),
    ));
    for n in &nodes {
        let ins: Vec<String> = arr(n, &["data", "spec", "inputs"])
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        let outs: Vec<String> = arr(n, &["data", "spec", "outputs"])
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        out.push(Line::from(vec![
            Span::raw(format!("  ● {:<24}", node_name(n))),
            Span::styled(plugin(n), muted()),
            Span::raw(format!("  in [{}] out [{}]", ins.join(","), outs.join(","))),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Edges ({})", edges.len()),
        title_style(),
    ));
    let mut children: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let mut has_parent = HashSet::new();
    for e in &edges {
        let (s, t) = (text(e, "source"), text(e, "target"));
        has_parent.insert(t.clone());
        children
            .entry(s)
            .or_default()
            .push((text(e, "sourceHandle"), t, text(e, "targetHandle")));
    }
    let mut seen = HashSet::new();
    let mut roots: Vec<&String> = names
        .keys()
        .filter(|id| !has_parent.contains(*id))
        .collect();
    if roots.is_empty() {
        roots = names.keys().take(1).collect();
    }
    for r in roots {
        let name = names.get(r).cloned().unwrap_or_else(|| r.clone());
        out.push(Line::raw(format!("  {name}")));
        walk(r, 2, &children, &names, &mut seen, &mut out);
    }
    if edges.is_empty() {
        out.push(Line::styled("  no edges", muted()));
    }
    out
}

fn walk(
    id: &str,
    depth: usize,
    children: &BTreeMap<String, Vec<(String, String, String)>>,
    names: &BTreeMap<String, String>,
    seen: &mut HashSet<String>,
    out: &mut Vec<Line<'static>>,
) {
    if !seen.insert(id.to_string()) || depth > 32 {
        return;
    }
    for (sp, t, tp) in children.get(id).map(Vec::as_slice).unwrap_or(&[]) {
        let name = names.get(t).cloned().unwrap_or_else(|| t.clone());
        out.push(Line::raw(format!(
            "{}└─{}→ {}{}",
            " ".repeat(depth * 2),
            if sp.is_empty() {
                String::new()
            } else {
                format!("[{sp}]")
            },
            if tp.is_empty() {
                String::new()
            } else {
                format!("[{tp}] ")
            },
            name
        )));
        walk(t, depth + 1, children, names, seen, out);
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(flow) = &app.list(Kind::Flows).open else {
        return;
    };
    let mut lines = graph_lines(flow);
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Run traces: `tracardictl flow trace ID` on the host (no private API route yet)",
        muted(),
    ));
    let title = format!(" Flow {} · {} ", text(flow, "id"), text(flow, "name"));
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}
