//! Flows: a flow's graph drawn as text — nodes with their plugin and ports, and the
//! edges as an indented tree from each start node; its stored run traces
//! (`/flows/{id}/traces`) and dry runs (`/flows/{id}/run`) node by node, with each
//! node's input and outputs and its errors in red.

use super::app::{text, App, TraceView, FLOW_TABS};
use super::profiles::short_time;
use super::ui::{muted, scrolled, selected_style, table_state, title_style};
use crate::workflow::flow::FlowDocument;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Tabs, Wrap};
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

/// The lines of a flow's graph: nodes, then edges as a tree from each start node. A
/// flow saved in the concise form (`nodes` and `edges` at the top) is read as the
/// daemon reads it, into Tracardi's shape, first.
pub fn graph_lines(flow: &Value) -> Vec<Line<'static>> {
    if flow.get("nodes").is_some() && flow.get("flowGraph").is_none() {
        return match FlowDocument::from_value(flow) {
            Ok(doc) => graph_lines(&doc.to_value()),
            Err(e) => vec![Line::styled(
                format!("cannot draw this flow: {e}"),
                Style::default().fg(Color::Red),
            )],
        };
    }
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
        // A long name is cut before the plugin column, never run into it.
        let name = node_name(n);
        let name = if name.chars().count() > 24 {
            format!("{}…", name.chars().take(23).collect::<String>())
        } else {
            name
        };
        out.push(Line::from(vec![
            Span::raw(format!("  ● {name:<24} ")),
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
    let Some(flow) = app.flow_open() else {
        return;
    };
    let title = format!(" Flow {} · {} ", text(flow, "id"), text(flow, "name"));
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let traces = app.flow.traces.as_ref().map(Vec::len);
    let titles: Vec<String> = FLOW_TABS
        .iter()
        .enumerate()
        .map(|(i, t)| match (i, traces) {
            (1, Some(n)) => format!("{t} ({n})"),
            _ => t.to_string(),
        })
        .collect();
    f.render_widget(
        Tabs::new(titles)
            .select(app.flow.tab)
            .highlight_style(selected_style())
            .divider(Span::raw(" │ ")),
        tabs,
    );
    if let Some(t) = &app.flow.trace {
        draw_trace(f, body, t);
        return;
    }
    if app.flow.tab == 1 {
        draw_traces(f, body, app, &title);
        return;
    }
    let lines = graph_lines(flow);
    let (shown, range) = scrolled(lines.len(), body, app.flow.graph_scroll);
    let keys = match range {
        Some(r) => format!(" tab traces · x dry run · {r}, j k PgUp PgDn g G "),
        None => " tab traces · x dry run ".to_string(),
    };
    f.render_widget(
        Paragraph::new(lines)
            .scroll((shown, 0))
            .block(Block::bordered().title(title).title_bottom(keys)),
        body,
    );
}

/// A run's status word: error, skipped or ok, and its style.
fn node_status(n: &Value) -> (String, Style) {
    let err = text(n, "error");
    if !err.is_empty() {
        ("error".into(), Style::default().fg(Color::Red))
    } else if n.get("skipped").and_then(Value::as_bool) == Some(true) {
        ("skipped".into(), muted())
    } else {
        ("ok".into(), Style::default().fg(Color::Green))
    }
}

fn micros(n: &Value, k: &str) -> String {
    match n.get(k).and_then(Value::as_u64) {
        Some(us) if us >= 1000 => format!("{:.1} ms", us as f64 / 1000.0),
        Some(us) => format!("{us} µs"),
        None => "–".into(),
    }
}

fn count(v: &Value, k: &str) -> usize {
    v.get(k).and_then(Value::as_array).map_or(0, Vec::len)
}

fn draw_traces(f: &mut Frame, area: Rect, app: &App, title: &str) {
    let block = Block::bordered()
        .title(title.to_string())
        .title_bottom(" ⏎ open · x dry run · r refresh ");
    let Some(traces) = &app.flow.traces else {
        f.render_widget(
            Paragraph::new(Line::styled("loading traces…", muted())).block(block),
            area,
        );
        return;
    };
    if traces.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "No stored traces of this flow. Runs are traced when the flow has tracing on \
                 (or the event source debugs); press x to dry-run it against an event.",
                muted(),
            ))
            .wrap(Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = traces
        .iter()
        .map(|t| {
            let errors = count(t, "errors");
            let style = if errors > 0 {
                Style::default().fg(Color::Red)
            } else {
                Style::default()
            };
            Row::new(vec![
                Cell::from(short_time(&text(t, "started"))),
                Cell::from(text(t, "run_id")),
                Cell::from(count(t, "trace").to_string()),
                Cell::from(Span::styled(errors.to_string(), style)),
                Cell::from(micros(t, "duration_us")),
                Cell::from(text(t, "event_id")),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Min(25),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Min(8),
        ],
    )
    .header(
        Row::new(vec!["STARTED", "RUN", "NODES", "ERRORS", "TIME", "EVENT"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(block);
    f.render_stateful_widget(table, area, &mut table_state(app.flow.selected));
}

/// Pretty JSON lines of a value, each prefixed.
fn json_lines(v: &Value, indent: &str) -> Vec<Line<'static>> {
    serde_json::to_string_pretty(v)
        .unwrap_or_default()
        .lines()
        .map(|l| Line::raw(format!("{indent}{l}")))
        .collect()
}

fn draw_trace(f: &mut Frame, area: Rect, t: &TraceView) {
    let nodes = t.nodes();
    let errors = count(&t.run, "errors");
    let wide = area.width >= 120;
    let [list, detail] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    } else {
        // At most half the area, at least four rows when there is room for them (a
        // short terminal gives less than eight rows; `clamp` would panic there).
        let h = (nodes.len() as u16 + 3)
            .min(area.height / 2)
            .max(4.min(area.height));
        Layout::vertical([Constraint::Length(h), Constraint::Min(3)]).areas(area)
    };
    let rows: Vec<Row> = nodes
        .iter()
        .map(|n| {
            let (status, style) = node_status(n);
            let row = Row::new(vec![
                Cell::from(text(n, "name")),
                Cell::from(text(n, "plugin")),
                Cell::from(text(n, "input_port")),
                Cell::from(micros(n, "duration_us")),
                Cell::from(Span::styled(status, style)),
            ]);
            // A failed node stands out in the whole row.
            if text(n, "error").is_empty() {
                row
            } else {
                row.style(Style::default().fg(Color::Red))
            }
        })
        .collect();
    let summary = format!(
        " {} node(s), {} error(s), {} ",
        nodes.len(),
        errors,
        micros(&t.run, "duration_us")
    );
    let border = if errors > 0 {
        Style::default().fg(Color::Red)
    } else {
        Style::default()
    };
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Min(12),
            Constraint::Min(10),
            Constraint::Length(8),
            Constraint::Length(9),
            Constraint::Length(7),
        ],
    )
    .header(
        Row::new(vec!["NODE", "PLUGIN", "IN PORT", "TIME", "STATUS"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(
        Block::bordered()
            .title(summary)
            .title_bottom(format!(" {} ", t.title))
            .border_style(border),
    );
    f.render_stateful_widget(table, list, &mut table_state(t.selected));
    let mut lines: Vec<Line> = Vec::new();
    let title;
    match nodes.get(t.selected) {
        Some(n) => {
            title = format!(" {} · {} ", text(n, "name"), text(n, "plugin"));
            let err = text(n, "error");
            if !err.is_empty() {
                lines.push(Line::styled(
                    format!("error: {err}"),
                    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                ));
            }
            lines.push(Line::styled(
                format!("input [{}]", text(n, "input_port")),
                title_style(),
            ));
            lines.extend(json_lines(n.get("input").unwrap_or(&Value::Null), "  "));
            let outs = n
                .get("outputs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if outs.is_empty() {
                lines.push(Line::styled("no output", muted()));
            }
            for o in outs {
                lines.push(Line::styled(
                    format!("output [{}]", text(&o, "port")),
                    title_style(),
                ));
                lines.extend(json_lines(o.get("value").unwrap_or(&Value::Null), "  "));
            }
        }
        None => {
            title = " Run ".to_string();
            lines.push(Line::styled(
                if empty {
                    "no node ran (the run recorded no trace)"
                } else {
                    "no node selected"
                },
                muted(),
            ));
        }
    }
    // The run's errors, whichever node is selected.
    for e in t
        .run
        .get("errors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        lines.push(Line::styled(
            format!("✗ {}: {}", text(&e, "name"), text(&e, "message")),
            Style::default().fg(Color::Red),
        ));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(title)
                .title_bottom(" ⏎ node JSON · y whole run · esc back "),
        ),
        detail,
    );
}
