//! Health: the private API's liveness and version, the store (size, schema, counts per
//! context), error answers, the work queue (`/queue`) and its dead letters (`/dlq`):
//! `Enter` shows one, `R` replays it and Ctrl-D deletes it, after confirmation.

use super::app::{text, App};
use super::dashboard::{human_bytes, MetricsSummary};
use super::profiles::short_time;
use super::ui::{context_of, kv, muted, selected_style, table_state};
use crate::domain::Context;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthData {
    /// `/health` answered `ok`.
    pub alive: bool,
    pub version: String,
    pub stats: Value,
    pub metrics: MetricsSummary,
    /// `/queue`: depth, in_flight, oldest_age_seconds, dead_letters.
    pub queue: Value,
    /// The oldest dead letters, as `/dlq` lists them.
    pub dead: Vec<Value>,
    /// Whether there are more dead letters than listed.
    pub dead_more: bool,
}

/// An age in seconds as `12 s`, `4 min`, `3 h`, `2 d`.
pub fn age(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
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
    let area = super::ui::stale_banner(f, area, app);
    let Some(h) = &app.health else {
        let what = if app.down.is_some() {
            "no figures: the API cannot be reached"
        } else {
            "loading…"
        };
        f.render_widget(
            Paragraph::new(what).block(Block::bordered().title(" Health ")),
            area,
        );
        return;
    };
    let contexts = context_lines(&h.stats);
    // Every context's line, wrapped, fits: the dead letters keep at least three rows.
    let inner = area.width.saturating_sub(2).max(1) as usize;
    let wanted: usize = contexts
        .iter()
        .map(|l| {
            let t: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&t, inner)
        })
        .sum();
    let ctx_height = (wanted as u16 + 2).min(area.height.saturating_sub(7 + 3).max(4));
    let [top, bottom, dlq] = Layout::vertical([
        Constraint::Length(7),
        Constraint::Length(ctx_height),
        Constraint::Min(3),
    ])
    .areas(area);
    let [services, store] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let lines = vec![
        match &app.down {
            Some(d) => Line::from(vec![
                Span::styled("private API: ", Style::default().fg(Color::Cyan)),
                Span::styled(
                    format!("DOWN since {} ({})", d.since, d.error),
                    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                ),
            ]),
            None => kv(
                "private API",
                if h.alive {
                    "ok".to_string()
                } else {
                    "not answering".to_string()
                },
            ),
        },
        kv("version", h.version.clone()),
        kv(
            "collector errors",
            format!(
                "{} of {} requests",
                h.metrics.collector_errors, h.metrics.collector_requests
            ),
        ),
        kv("track requests", h.metrics.requests_total.to_string()),
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
        kv(
            "work queue",
            format!(
                "{} waiting, {} in flight",
                n(&h.queue, "depth"),
                n(&h.queue, "in_flight")
            ),
        ),
        kv(
            "oldest queued",
            h.queue
                .get("oldest_age_seconds")
                .and_then(Value::as_f64)
                .map_or("–".into(), age),
        ),
    ];
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Store and queue ")),
        store,
    );
    f.render_widget(
        Paragraph::new(contexts)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Contexts ")),
        bottom,
    );
    draw_dead_letters(f, dlq, app, h);
}

/// One line per context: its counts and its configuration.
fn context_lines(stats: &Value) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for ctx in Context::ALL {
        let c = context_of(stats, ctx.as_str());
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
    lines
}

/// The rows a text takes wrapped at word boundaries to `width` columns.
fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else if used == 0 {
            // A word longer than the line is cut over several rows.
            rows += (w - 1) / width;
            used = (w - 1) % width + 1;
        } else {
            rows += 1 + w.saturating_sub(1) / width;
            used = w.saturating_sub(1) % width + 1;
        }
    }
    rows
}

fn draw_dead_letters(f: &mut Frame, area: Rect, app: &App, h: &HealthData) {
    let total = h.queue.get("dead_letters").and_then(Value::as_u64);
    let title = format!(
        " Dead letters ({}{}) ",
        total.map_or(h.dead.len().to_string(), |t| t.to_string()),
        if h.dead_more { ", oldest shown" } else { "" }
    );
    let keys = if app.readonly {
        " ⏎ view "
    } else {
        " ⏎ view · R replay · ^d delete "
    };
    let block = Block::bordered().title(title).title_bottom(keys);
    if h.dead.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "no dead letters: every queued item was processed or is still being retried",
                muted(),
            ))
            .wrap(Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    // The whole id (`tracardictl dlq show ID` takes it) and the key (what the item was
    // for: a destination and a profile, a flow…) tell the rows apart. Narrow terminals
    // drop the topic, the context and the time: Enter shows everything.
    let wide = area.width >= 120;
    let width_of = |k: &str| {
        h.dead
            .iter()
            .map(|d| text(d, k).chars().count())
            .max()
            .unwrap_or(0) as u16
    };
    let id_w = width_of("id").max(2);
    let key_w = width_of("key").clamp(3, if wide { 40 } else { 24 });
    let rows: Vec<Row> = h
        .dead
        .iter()
        .map(|d| {
            let mut cells = vec![Cell::from(text(d, "id"))];
            if wide {
                cells.push(Cell::from(text(d, "topic")));
            }
            cells.push(Cell::from(text(d, "key")));
            if wide {
                cells.push(Cell::from(text(d, "context")));
            }
            cells.push(Cell::from(text(d, "attempts")));
            if wide {
                cells.push(Cell::from(short_time(&text(d, "enqueued_at"))));
            }
            cells.push(Cell::from(Span::styled(
                text(d, "last_error"),
                Style::default().fg(Color::Red),
            )));
            Row::new(cells)
        })
        .collect();
    let (widths, header) = if wide {
        (
            vec![
                Constraint::Length(id_w),
                Constraint::Length(12),
                Constraint::Length(key_w),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(19),
                Constraint::Min(10),
            ],
            vec![
                "ID",
                "TOPIC",
                "KEY",
                "CONTEXT",
                "TRIES",
                "ENQUEUED",
                "LAST ERROR",
            ],
        )
    } else {
        (
            vec![
                Constraint::Length(id_w),
                Constraint::Length(key_w),
                Constraint::Length(5),
                Constraint::Min(10),
            ],
            vec!["ID", "KEY", "TRIES", "LAST ERROR"],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
        .row_highlight_style(selected_style())
        .block(block);
    f.render_stateful_widget(table, area, &mut table_state(app.dead_selected));
}
