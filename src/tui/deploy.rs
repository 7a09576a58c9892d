//! Deploy: what copying staging to production would change (a dry run of `/deploy`),
//! and `D` to do it after confirmation.

use super::app::{changes, text, App};
use super::ui::{muted, selected_style, table_state};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let Some(plan) = &app.deploy.plan else {
        f.render_widget(
            Paragraph::new("computing the plan…").block(Block::bordered().title(" Deploy ")),
            area,
        );
        return;
    };
    let all = changes(Some(plan));
    let title = format!(
        " Deploy staging → production · {} created, {} configured, {} unchanged ",
        text(plan, "summary.created"),
        text(plan, "summary.configured"),
        text(plan, "summary.unchanged")
    );
    let hint = if app.readonly {
        " read-only "
    } else {
        " D deploys (asks first) "
    };
    let block = Block::bordered().title(title).title_bottom(hint);
    if all.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "Staging has no configuration to deploy.",
                muted(),
            ))
            .block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = all
        .iter()
        .map(|c| {
            let result = text(c, "result");
            let style = match result.as_str() {
                "created" => Style::default().fg(Color::Green),
                "configured" => Style::default().fg(Color::Yellow),
                _ => muted(),
            };
            Row::new(vec![
                Cell::from(text(c, "kind")),
                Cell::from(text(c, "id")),
                Cell::from(result).style(style),
            ])
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Length(20),
            Constraint::Min(20),
            Constraint::Length(12),
        ],
    )
    .header(
        Row::new(vec!["KIND", "ID", "CHANGE"]).style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style())
    .block(block);
    f.render_stateful_widget(t, area, &mut table_state(app.deploy.selected));
}
