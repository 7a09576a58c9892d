//! Profiles: search by id, merge key (e-mail, phone) or a TQL condition; a page of
//! profiles; a profile's detail with traits, data, segments, consents, stats, sessions
//! an events timeline and the merge history (`explain`: merge keys, other ids, merges).

use super::app::{text, App, ProfileDetail, PROFILE_TABS};
use super::ui::{flatten, kv, muted, selected_style, table_state};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Tabs, Wrap};
use ratatui::Frame;
use serde_json::Value;

/// The profile's best label: e-mail, else name, else nothing.
pub fn label(p: &Value) -> String {
    for path in [
        "traits.email",
        "data.contact.email.main",
        "data.contact.email.business",
        "data.contact.email.private",
        "data.pii.name",
        "traits.name",
    ] {
        let t = text(p, path);
        if !t.is_empty() {
            return t;
        }
    }
    String::new()
}

/// A time as `YYYY-MM-DD HH:MM:SS` (or as given when it is not RFC 3339).
pub fn short_time(t: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => t.to_string(),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    match &app.profiles.detail {
        Some(_) => draw_detail(f, area, app),
        None => draw_list(f, area, app),
    }
}

fn draw_list(f: &mut Frame, area: Rect, app: &App) {
    let p = &app.profiles;
    let title = if p.query.is_empty() {
        format!(" Profiles ({}) ", app.context.as_str())
    } else {
        format!(" Profiles matching `{}` ", p.query)
    };
    let page = if p.back.is_empty() && p.next.is_none() {
        String::new()
    } else {
        format!(
            " page {}{} ",
            p.back.len() + 1,
            if p.next.is_some() { ", ] next" } else { "" }
        )
    };
    let rows: Vec<Row> = p
        .items
        .iter()
        .map(|x| {
            Row::new(vec![
                text(x, "id"),
                label(x),
                text(x, "metadata.time.visit.count"),
                short_time(&text(x, "metadata.time.visit.last")),
                x.get("segments")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default(),
            ])
        })
        .collect();
    let block = Block::bordered().title(title).title_bottom(page);
    if let (true, Some(why)) = (rows.is_empty(), &p.failed) {
        let lines = vec![
            Line::styled(
                "The profiles could not be fetched:",
                Style::default().fg(Color::Red),
            ),
            Line::styled(why.clone(), Style::default().fg(Color::Red)),
            Line::raw(""),
            Line::styled("Press / to edit the search, r to try again.", muted()),
        ];
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            area,
        );
        return;
    }
    if rows.is_empty() {
        let msg = if !p.loaded {
            "loading…".to_string()
        } else if p.query.is_empty() {
            "No profiles in this context yet. Post an event to the collector, or press c to switch context.".to_string()
        } else {
            format!(
                "No profile matches `{}`. Press / to search again, Esc to go back.",
                p.query
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
    let table = Table::new(
        rows,
        [
            Constraint::Length(36),
            Constraint::Min(16),
            Constraint::Length(6),
            Constraint::Length(19),
            Constraint::Min(8),
        ],
    )
    .header(
        Row::new(vec![
            "ID",
            "E-MAIL / NAME",
            "VISITS",
            "LAST VISIT",
            "SEGMENTS",
        ])
        .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(block);
    f.render_stateful_widget(table, area, &mut table_state(p.selected));
}

fn draw_detail(f: &mut Frame, area: Rect, app: &App) {
    let Some(d) = &app.profiles.detail else {
        return;
    };
    let p = &d.profile;
    let id = text(p, "id");
    let [summary, tabs, body] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(area);
    let list = |k: &str| -> String {
        match p.get(k) {
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(Value::Object(o)) if !o.is_empty() => {
                o.keys().cloned().collect::<Vec<_>>().join(", ")
            }
            _ => "–".into(),
        }
    };
    let lines = vec![
        kv("id", id.clone()),
        kv("label", {
            let l = label(p);
            if l.is_empty() {
                "–".into()
            } else {
                l
            }
        }),
        kv(
            "visits / views",
            format!(
                "{} / {}",
                text(p, "metadata.time.visit.count"),
                text(p, "stats.views")
            ),
        ),
        kv(
            "created / last",
            format!(
                "{} / {}",
                short_time(&text(p, "metadata.time.insert")),
                short_time(&text(p, "metadata.time.visit.last"))
            ),
        ),
        kv("segments", list("segments")),
        kv("consents", list("consents")),
    ];
    let merged = p
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.len())
        .unwrap_or(0);
    let title = if merged > 1 {
        format!(" Profile · {merged} merged ids ")
    } else {
        " Profile ".to_string()
    };
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        summary,
    );
    let titles: Vec<String> = PROFILE_TABS
        .iter()
        .enumerate()
        .map(|(i, t)| match i {
            2 => format!("{t} ({})", d.count(false)),
            3 => format!("{t} ({})", d.count(true)),
            4 => format!("{t} ({})", d.merges().len()),
            _ => t.to_string(),
        })
        .collect();
    f.render_widget(
        Tabs::new(titles)
            .select(d.tab)
            .highlight_style(selected_style())
            .divider(Span::raw(" │ ")),
        tabs,
    );
    match d.tab {
        0 | 1 => {
            let key = if d.tab == 0 { "traits" } else { "data" };
            let lines = flatten(p.get(key).unwrap_or(&Value::Null));
            let body_lines: Vec<Line> = if lines.is_empty() {
                vec![Line::styled(format!("no {key}"), muted())]
            } else {
                lines.into_iter().map(|(k, v)| kv(&k, v)).collect()
            };
            // Long values wrap instead of ending at the border (`y` shows them whole).
            f.render_widget(
                Paragraph::new(body_lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered()),
                body,
            );
        }
        2 => {
            let rows: Vec<Row> = d
                .events
                .iter()
                .map(|e| {
                    Row::new(vec![
                        short_time(&text(e, "metadata.time.insert")),
                        text(e, "type"),
                        text(e, "source.id"),
                        text(e, "session.id"),
                    ])
                })
                .collect();
            let t = Table::new(
                rows,
                [
                    Constraint::Length(19),
                    Constraint::Min(14),
                    Constraint::Min(10),
                    Constraint::Min(10),
                ],
            )
            .header(
                Row::new(vec!["TIME", "TYPE", "SOURCE", "SESSION"])
                    .style(Style::default().add_modifier(Modifier::BOLD)),
            )
            .row_highlight_style(selected_style())
            .block(Block::bordered().title(if d.more[0].is_some() {
                " oldest first · ] loads more · Enter shows JSON "
            } else {
                " oldest first · Enter shows JSON "
            }));
            f.render_stateful_widget(t, body, &mut table_state(d.selected));
        }
        4 => draw_merges(f, body, d),
        _ => {
            let rows: Vec<Row> = d
                .sessions
                .iter()
                .map(|s| {
                    Row::new(vec![
                        text(s, "id"),
                        short_time(&text(s, "metadata.time.insert")),
                        text(s, "os.name"),
                        text(s, "app.name"),
                    ])
                })
                .collect();
            let t = Table::new(
                rows,
                [
                    Constraint::Min(20),
                    Constraint::Length(19),
                    Constraint::Min(8),
                    Constraint::Min(8),
                ],
            )
            .header(
                Row::new(vec!["SESSION", "STARTED", "OS", "APP"])
                    .style(Style::default().add_modifier(Modifier::BOLD)),
            )
            .row_highlight_style(selected_style())
            .block(Block::bordered().title(if d.more[1].is_some() {
                " ] loads more · Enter shows JSON "
            } else {
                " Enter shows JSON "
            }));
            f.render_stateful_widget(t, body, &mut table_state(d.selected));
        }
    }
}

/// The count of a map of lists (`moved_events`: profile → event ids).
fn moved(m: &Value, k: &str) -> usize {
    m.get(k).and_then(Value::as_object).map_or(0, |o| {
        o.values().filter_map(Value::as_array).map(Vec::len).sum()
    })
}

fn draw_merges(f: &mut Frame, area: Rect, d: &ProfileDetail) {
    let explain = match &d.explain {
        None => {
            f.render_widget(
                Paragraph::new(Line::styled("loading the merge history…", muted()))
                    .block(Block::bordered()),
                area,
            );
            return;
        }
        Some(Err(why)) => {
            f.render_widget(
                Paragraph::new(Line::styled(format!("no merge history: {why}"), muted()))
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered()),
                area,
            );
            return;
        }
        Some(Ok(e)) => e,
    };
    let mut head: Vec<Line> = explain
        .get("keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .map(|k| kv(&format!("key {}", text(k, "field")), text(k, "key")))
                .collect()
        })
        .unwrap_or_default();
    if head.is_empty() {
        head.push(Line::styled(
            "no merge keys (e-mail, phone, …) on this profile",
            muted(),
        ));
    }
    let others: Vec<String> = explain
        .get("other_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    head.push(kv(
        "other ids",
        if others.is_empty() {
            "–".into()
        } else {
            others.join(", ")
        },
    ));
    let head_h = (head.len() as u16 + 2).min(area.height.saturating_sub(3) / 2 + 2);
    let [top, list] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Min(3)]).areas(area);
    f.render_widget(
        Paragraph::new(head).block(Block::bordered().title(format!(
            " Identity · {} event(s), {} session(s) ",
            text(explain, "events"),
            text(explain, "sessions")
        ))),
        top,
    );
    let merges = d.merges();
    if merges.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "no merges: this profile was never merged with another",
                muted(),
            ))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Merges ")),
            list,
        );
        return;
    }
    let rows: Vec<Row> = merges
        .iter()
        .map(|m| {
            let trigger = match (text(m, "trigger.kind"), text(m, "trigger.detail")) {
                (k, det) if det.is_empty() => k,
                (k, det) => format!("{k}: {det}"),
            };
            let merged: Vec<String> = m
                .get("merged")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Row::new(vec![
                short_time(&text(m, "time")),
                text(m, "action"),
                trigger,
                merged.join(", "),
                format!(
                    "{}/{}",
                    moved(m, "moved_events"),
                    moved(m, "moved_sessions")
                ),
            ])
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Length(8),
            Constraint::Min(14),
            Constraint::Min(14),
            Constraint::Length(8),
        ],
    )
    .header(
        Row::new(vec!["TIME", "ACTION", "TRIGGER", "MERGED AWAY", "EV/SESS"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(Block::bordered().title(" Merges · Enter shows the journal record "));
    f.render_stateful_widget(t, list, &mut table_state(d.selected));
}
