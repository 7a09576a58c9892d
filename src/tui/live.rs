//! Live events: the collector's stream as it arrives (`/events/stream`), filterable by
//! type, source or profile, pausable; `Enter` opens an event as pretty JSON.

use super::app::{text, App};
use super::profiles::short_time;
use super::ui::{muted, selected_style, table_state};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let l = &app.live;
    let state = match (l.connected, l.paused) {
        (false, _) => "connecting…".to_string(),
        (true, true) => format!("PAUSED, {} held", l.held.len()),
        (true, false) => "streaming".to_string(),
    };
    let mut title = format!(" Live events ({}) · {state} ", app.context.as_str());
    if !l.filter.is_empty() {
        title.push_str(&format!("· filter `{}` ", l.filter));
    }
    if l.missed > 0 {
        title.push_str(&format!("· {} missed ", l.missed));
    }
    let visible = app.live_visible();
    let block = Block::bordered().title(title);
    if visible.is_empty() {
        let msg = if l.events.is_empty() {
            "Waiting for events. The stream shows what the collector stores from now on, \
             in the one context it writes (press c if nothing comes), and only for the \
             tenant the server is configured for: another tenant's stream stays empty."
        } else {
            "No event matches the filter. Esc clears it."
        };
        f.render_widget(
            Paragraph::new(Line::styled(msg, muted()))
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = visible
        .iter()
        .map(|e| {
            Row::new(vec![
                short_time(&text(e, "metadata.time.insert")),
                text(e, "type"),
                text(e, "source.id"),
                text(e, "profile.id"),
            ])
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Min(14),
            Constraint::Min(10),
            Constraint::Min(20),
        ],
    )
    .header(
        Row::new(vec!["TIME", "TYPE", "SOURCE", "PROFILE"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(block);
    f.render_stateful_widget(t, area, &mut table_state(l.selected));
}
