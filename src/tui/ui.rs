//! Drawing: the frame around every screen (header with the context, status line, help
//! bar) and the overlays (help, raw JSON/YAML, confirmation). Reads the state, never
//! changes it.

use super::app::{App, Kind, Mode, RawView, Screen};
use crate::domain::Context;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, TableState, Wrap};
use ratatui::Frame;
use serde_json::Value;

/// Where `len` lines scrolled by `scroll` show in the bordered box `body`: the first line
/// shown (the scroll kept within the text), and "lines a–b of n" when not all fit.
pub fn scrolled(len: usize, body: Rect, scroll: u16) -> (u16, Option<String>) {
    let fit = body.height.saturating_sub(2) as usize;
    let max = len.saturating_sub(fit).min(u16::MAX as usize) as u16;
    let shown = scroll.min(max);
    let range = (len > fit).then(|| {
        format!(
            "lines {}–{} of {len}",
            shown as usize + 1,
            (shown as usize + fit).min(len)
        )
    });
    (shown, range)
}

pub fn muted() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn title_style() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn selected_style() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn table_state(selected: usize) -> TableState {
    TableState::default().with_selected(Some(selected))
}

/// Splits off a red line over a polled screen while the API cannot be reached: its
/// figures are from before. The area left for the screen.
pub fn stale_banner(f: &mut Frame, area: Rect, app: &App) -> Rect {
    let Some(d) = &app.down else {
        return area;
    };
    let [banner, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(
                "API unreachable since {}: the figures below are from before (r retries) · {}",
                d.since, d.error
            ),
            Style::default().fg(Color::White).bg(Color::Red),
        )),
        banner,
    );
    rest
}

/// A `key: value` line with the key dimmed.
pub fn kv(k: &str, v: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k}: "), Style::default().fg(Color::Cyan)),
        Span::raw(v),
    ])
}

/// The counts of one context in `/stats`.
pub fn context_of<'a>(stats: &'a Value, ctx: &str) -> &'a Value {
    stats
        .get("contexts")
        .and_then(|c| c.get(ctx))
        .unwrap_or(&Value::Null)
}

/// A JSON value as `dot.path = value` pairs, leaves only.
pub fn flatten(v: &Value) -> Vec<(String, String)> {
    fn go(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    go(&p, x, out);
                }
            }
            Value::Null => {}
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            Value::Array(a) if a.is_empty() => {}
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    go("", v, &mut out);
    out
}

/// The keys of the current screen, most useful first: (key, what it does). Keys that
/// change data are left out in read-only mode.
pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    let ro = app.readonly;
    let mut k = Vec::new();
    match app.screen {
        Screen::Dashboard => k.push(("⏎", "profiles")),
        Screen::Profiles => {
            if let Some(d) = &app.profiles.detail {
                k.extend([("tab", "section"), ("⏎", "json")]);
                if matches!(d.tab, 2 | 3) && d.more[d.tab - 2].is_some() {
                    k.push(("]", "more"));
                }
            } else {
                k.extend([("/", "search"), ("⏎", "open"), ("]/[", "page")]);
            }
            if !ro {
                k.push(("^d", "delete"));
            }
        }
        Screen::Live => k.extend([("⏎", "json"), ("p", "pause"), ("/", "filter")]),
        Screen::Config(Kind::Flows) if app.flow_open().is_some() => {
            if app.flow.trace.is_some() {
                k.extend([("↑↓", "node"), ("⏎", "node json")]);
            } else {
                k.push(("tab", "graph/traces"));
                if app.flow.tab == 1 {
                    k.push(("⏎", "open trace"));
                }
            }
            k.push(("x", "dry run"));
        }
        Screen::Config(kind) => {
            k.push(("⏎", if kind == Kind::Flows { "graph" } else { "view" }));
            if !ro {
                if kind.editable() {
                    k.extend([("e", "edit"), ("n", "new"), ("t", "on/off")]);
                }
                k.push(("^d", "delete"));
            }
            k.push(("/", "filter"));
        }
        Screen::Deploy => {
            k.push(("⏎", "diff"));
            if !ro {
                k.push(("D", "deploy"));
            }
        }
        Screen::Health => {
            k.push(("⏎", "dead letter"));
            if !ro {
                k.extend([("R", "replay"), ("^d", "delete")]);
            }
        }
    }
    k.extend([
        (":", "jump"),
        ("esc", "back"),
        ("?", "help"),
        ("q", "quit"),
        ("c", "context"),
        ("y", "raw"),
        ("r", "refresh"),
    ]);
    k
}

fn header(app: &App) -> Line<'static> {
    let ctx_style = match app.context {
        Context::Production => Style::default().fg(Color::White).bg(Color::Red),
        Context::Staging => Style::default().fg(Color::Black).bg(Color::Green),
    };
    let mut spans = vec![
        Span::styled(" tracardictl ", title_style()),
        Span::styled(
            format!(" {} ", app.context.as_str().to_uppercase()),
            ctx_style.add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(" {} ", app.screen.title())),
        Span::styled(format!("│ {} │ {}", app.url, app.user), muted()),
    ];
    if app.readonly {
        spans.push(Span::styled(
            " [read-only]",
            Style::default().fg(Color::Yellow),
        ));
    }
    if app.pending > 0 {
        spans.push(Span::styled(" ⟳", muted()));
    }
    Line::from(spans)
}

/// The keys that fit in `width` columns, most useful first; `?` lists them all.
fn help_bar(app: &App, width: u16) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, what) in keys(app) {
        let w = key.chars().count() + what.chars().count() + 2;
        if used + w > width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(
            key.to_string(),
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {what} ")));
    }
    Line::from(spans)
}

/// The line being typed, split at the cursor, with the cursor drawn there.
fn typed(app: &App, s: &str) -> Vec<Span<'static>> {
    let len = s.chars().count();
    let at = app.input_cursor.unwrap_or(len).min(len);
    let before: String = s.chars().take(at).collect();
    let mut rest = s.chars().skip(at);
    match rest.next() {
        None => vec![Span::raw(before), Span::raw("▏")],
        Some(c) => vec![
            Span::raw(before),
            Span::styled(c.to_string(), selected_style()),
            Span::raw(rest.collect::<String>()),
            Span::raw(" "),
        ],
    }
}

fn status_line(app: &App) -> Line<'static> {
    let (prompt, s, hint) = match &app.mode {
        Mode::Command(s) => (
            ":",
            s,
            "  screens: dashboard profiles live sources rules flows segments consents destinations resources users deploy health",
        ),
        Mode::RunInput(s) => (
            "dry run against: ",
            s,
            "  event id, or paste the event JSON; empty: an empty event",
        ),
        Mode::Filter(s) => (
            "/",
            s,
            match app.screen {
                Screen::Profiles => "  id, e-mail, phone or a condition like traits.plan == \"pro\" (^u clears)",
                _ => "  text to match; ⏎ applies, ^u clears, esc cancels",
            },
        ),
        _ => {
            let style = if app.error {
                Style::default().fg(Color::Red)
            } else {
                Style::default()
            };
            return Line::styled(app.status.clone(), style);
        }
    };
    let mut spans = vec![Span::styled(prompt, title_style())];
    spans.extend(typed(app, s));
    spans.push(Span::styled(hint, muted()));
    Line::from(spans)
}

/// Rows the status line takes: an error wraps onto up to a quarter of the screen so
/// that its cause is not cut at the right border.
fn status_rows(app: &App, width: u16, height: u16) -> u16 {
    if app.mode != Mode::Normal || !app.error || width == 0 {
        return 1;
    }
    let cols: usize = app
        .status
        .lines()
        .map(|l| Span::raw(l).width().div_ceil(width as usize).max(1))
        .sum();
    (cols as u16).clamp(1, (height / 4).max(1))
}

/// The text of the raw view, each line cut into rows of at most `width` columns so that
/// nothing is lost at the right border (a wrapped row starts with `↪`). A string (a
/// diff) is shown as it is, coloured by line.
pub fn raw_lines(raw: &RawView, width: usize) -> Vec<Line<'static>> {
    let (text, diff) = match &raw.value {
        Value::String(s) => (s.clone(), true),
        v if raw.yaml => (
            serde_yaml::to_string(v).unwrap_or_else(|e| e.to_string()),
            false,
        ),
        v => (
            serde_json::to_string_pretty(v).unwrap_or_else(|e| e.to_string()),
            false,
        ),
    };
    let mut out = Vec::new();
    for l in text.lines() {
        let style = if !diff {
            Style::default()
        } else if l.starts_with('+') && !l.starts_with("+++") {
            Style::default().fg(Color::Green)
        } else if l.starts_with('-') && !l.starts_with("---") {
            Style::default().fg(Color::Red)
        } else {
            Style::default()
        };
        for (i, piece) in cut_to_width(l, width).into_iter().enumerate() {
            if i == 0 {
                out.push(Line::styled(piece, style));
            } else {
                out.push(Line::from(vec![
                    Span::styled("↪", muted()),
                    Span::styled(piece, style),
                ]));
            }
        }
    }
    out
}

/// `line` in pieces of at most `width` display columns (the first), then `width - 1`
/// (the rest, after their `↪`); a wide character is never split.
fn cut_to_width(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut used = 0usize;
    let mut room = width.max(2);
    for (i, c) in line.char_indices() {
        let w = Span::raw(&line[i..i + c.len_utf8()]).width();
        if used + w > room && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            used = 0;
            room = width.saturating_sub(1).max(2);
        }
        cur.push(c);
        used += w;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// A rectangle of at most `w`×`h` centred in `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let [top, body, status, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_rows(app, area.width, area.height)),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(header(app)), top);
    match app.screen {
        Screen::Dashboard => super::dashboard::draw(f, body, app),
        Screen::Profiles => super::profiles::draw(f, body, app),
        Screen::Live => super::live::draw(f, body, app),
        Screen::Config(k) => super::config::draw(f, body, app, k),
        Screen::Deploy => super::deploy::draw(f, body, app),
        Screen::Health => super::health::draw(f, body, app),
    }
    let line = Paragraph::new(status_line(app));
    let line = if status.height > 1 {
        line.wrap(Wrap { trim: false })
    } else {
        line
    };
    f.render_widget(line, status);
    f.render_widget(Paragraph::new(help_bar(app, bar.width)), bar);
    if let Some(raw) = &app.raw {
        let title = match &raw.value {
            Value::String(_) => format!(" {} · esc closes ", raw.title),
            _ => format!(
                " {} · {} · y {} · esc closes ",
                raw.title,
                if raw.yaml { "YAML" } else { "JSON" },
                if raw.yaml { "closes" } else { "YAML" }
            ),
        };
        let lines = raw_lines(raw, body.width.saturating_sub(2).max(1) as usize);
        let (shown, range) = scrolled(lines.len(), body, raw.scroll);
        let title_bottom = range
            .map(|r| format!(" {r} · j k PgUp PgDn g G "))
            .unwrap_or_default();
        f.render_widget(Clear, body);
        f.render_widget(
            Paragraph::new(lines).scroll((shown, 0)).block(
                Block::bordered()
                    .title(title)
                    .title_bottom(Line::styled(title_bottom, muted())),
            ),
            body,
        );
    }
    match &app.mode {
        Mode::Help => {
            let mut lines: Vec<Line> = keys(app)
                .into_iter()
                .map(|(k, w)| {
                    Line::from(vec![
                        Span::styled(format!("{k:>6}  "), Style::default().fg(Color::Cyan)),
                        Span::raw(w),
                    ])
                })
                .collect();
            lines.extend([
                Line::raw(""),
                Line::styled("  ↑↓ j k move · PgUp PgDn ^f ^b · g G top/bottom", muted()),
                Line::styled("  :name jumps: dashboard profiles live sources", muted()),
                Line::styled("  rules flows segments consents destinations", muted()),
                Line::styled("  resources users deploy health", muted()),
            ]);
            let h = lines.len() as u16 + 2;
            let area = centered(body, 52, h);
            f.render_widget(Clear, area);
            f.render_widget(
                Paragraph::new(lines).block(
                    Block::bordered().title(format!(" Keys · {} · ? closes ", app.screen.title())),
                ),
                area,
            );
        }
        Mode::Confirm(c) => {
            // Room for the wrapped question and the answer line.
            let inner = body.width.clamp(3, 60) as usize - 2;
            let wrapped = c
                .question
                .chars()
                .count()
                .div_ceil(inner.saturating_sub(4).max(1));
            let area = centered(body, 60, wrapped as u16 + 3);
            f.render_widget(Clear, area);
            f.render_widget(
                Paragraph::new(vec![
                    Line::raw(c.question.clone()),
                    Line::styled("y / ⏎ yes    n / esc no", muted()),
                ])
                .wrap(Wrap { trim: true })
                .block(
                    Block::bordered()
                        .title(" Confirm ")
                        .border_style(Style::default().fg(Color::Yellow)),
                ),
                area,
            );
        }
        _ => {}
    }
}
