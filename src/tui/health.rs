//! Health: the private API's liveness and version, the store (size, schema, counts per
//! context) and error answers. Queue depth and dead letters are not exposed by the
//! private API yet, and the screen says so.

use super::app::App;
use super::dashboard::{human_bytes, MetricsSummary};
use super::ui::{context_of, kv, muted};
use crate::domain::Context;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthData {
    /// `/health` answered `ok`.
    pub alive: bool,
    pub version: String,
    pub stats: Value,
    pub metrics: MetricsSummary,
}

fn n(v: &Value, k: &str) -> String {
    v.get(k)
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| "–".into())
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(h) = &app.health else {
        f.render_widget(
            Paragraph::new("loading…").block(Block::bordered().title(" Health ")),
            area,
        );
        return;
    };
    let [top, bottom] = Layout::vertical([Constraint::Length(7), Constraint::Min(3)]).areas(area);
    let [services, store] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let lines = vec![
        kv(
            "private API",
            if h.alive {
                "ok".to_string()
            } else {
                "not answering".to_string()
            },
        ),
        kv("version", h.version.clone()),
        kv(
            "collector errors",
            format!(
                "{} of {} requests",
                h.metrics.collector_errors, h.metrics.collector_requests
            ),
        ),
        kv("track requests", h.metrics.requests_total.to_string()),
        Line::styled("queue, dead letters: not in the private API", muted()),
    ];
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Services ")),
        services,
    );
    let disk = h
        .stats
        .get("disk_bytes")
        .and_then(Value::as_u64)
        .map(human_bytes)
        .unwrap_or_else(|| "–".into());
    let lines = vec![
        kv("tenant", n(&h.stats, "tenant")),
        kv("disk", disk),
        kv("schema version", n(&h.stats, "schema_version")),
    ];
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Store ")),
        store,
    );
    let mut lines = Vec::new();
    for ctx in Context::ALL {
        let c = context_of(&h.stats, ctx.as_str());
        let mut config: Vec<String> = c
            .get("config")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.as_u64().unwrap_or(0) > 0)
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect()
            })
            .unwrap_or_default();
        if config.is_empty() {
            config.push("no configuration".into());
        }
        lines.push(kv(
            ctx.as_str(),
            format!(
                "{} profiles, {} sessions, {} events; {}",
                n(c, "profiles"),
                n(c, "sessions"),
                n(c, "events"),
                config.join(", ")
            ),
        ));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Contexts ")),
        bottom,
    );
}
