//! Configuration screens: event sources, rules, flows, segments, consent types,
//! destinations, resources and users. List, filter, view (`y`), edit and create in
//! `$EDITOR` as YAML (the `tracardictl apply` form), delete with confirmation.

use super::app::{text, App, Kind};
use super::ui::{muted, selected_style, table_state};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use serde_json::Value;

/// The columns of a kind: (header, dot path).
fn columns(k: Kind) -> &'static [(&'static str, &'static str)] {
    match k {
        Kind::Sources => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("TYPE", "type"),
            ("ENABLED", "enabled"),
        ],
        Kind::Rules => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("EVENT TYPE", "event_type.id"),
            ("SOURCE", "source.id"),
            ("FLOW", "flow.id"),
            ("ENABLED", "enabled"),
        ],
        Kind::Flows => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("TYPE", "type"),
            ("ENABLED", "enabled"),
        ],
        Kind::Segments => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("CONDITION", "condition"),
            ("ENABLED", "enabled"),
        ],
        Kind::Consents => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("REQUIRED", "required"),
            ("ENABLED", "enabled"),
        ],
        Kind::Destinations => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("RESOURCE", "resource.id"),
            ("ENABLED", "enabled"),
        ],
        Kind::Resources => &[
            ("ID", "id"),
            ("NAME", "name"),
            ("TYPE", "type"),
            ("ENABLED", "enabled"),
        ],
        Kind::Users => &[
            ("ID", "id"),
            ("E-MAIL", "email"),
            ("NAME", "name"),
            ("ROLES", "roles"),
            ("ENABLED", "enabled"),
        ],
    }
}

fn cell(v: &Value, path: &str) -> String {
    let mut cur = v;
    for k in path.split('.') {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => text(v, path),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, k: Kind) {
    let l = app.list(k);
    if k == Kind::Flows && l.open.is_some() {
        super::flows::draw(f, area, app);
        return;
    }
    let mut title = format!(" {} ({}) ", k.title(), app.context.as_str());
    if !l.filter.is_empty() {
        title.push_str(&format!("· filter `{}` ", l.filter));
    }
    let block = Block::bordered().title(title);
    let visible = app.list_visible(k);
    if visible.is_empty() {
        let msg = if !l.loaded {
            "loading…".to_string()
        } else if !l.filter.is_empty() {
            "Nothing matches the filter. Esc clears it.".to_string()
        } else if app.readonly || !k.editable() {
            format!("No {} in this context.", k.title().to_lowercase())
        } else {
            format!(
                "No {} in this context. Press n to create one in $EDITOR.",
                k.title().to_lowercase()
            )
        };
        f.render_widget(
            Paragraph::new(Line::styled(msg, muted()))
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let cols = columns(k);
    let rows: Vec<Row> = visible
        .iter()
        .map(|d| Row::new(cols.iter().map(|(_, p)| cell(d, p)).collect::<Vec<_>>()))
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|(h, _)| match *h {
            "ENABLED" | "REQUIRED" => Constraint::Length(8),
            "ID" => Constraint::Min(12),
            _ => Constraint::Min(10),
        })
        .collect();
    let t = Table::new(rows, widths)
        .header(
            Row::new(cols.iter().map(|(h, _)| *h).collect::<Vec<_>>())
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .row_highlight_style(selected_style())
        .block(block);
    f.render_stateful_widget(t, area, &mut table_state(l.selected));
}
