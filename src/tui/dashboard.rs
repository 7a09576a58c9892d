//! Dashboard: throughput, today's events per source, active sessions, store counts,
//! errors and latency, the work queue and dead letters, APM merges; from `/stats`,
//! `/metrics` and the events of today and of the last half hour.

use super::app::App;
use super::ui::{context_of, kv, muted};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline, Table};
use ratatui::Frame;
use serde_json::Value;

/// Samples of events/s kept for the sparkline.
const HISTORY: usize = 240;

/// Counters read from the Prometheus text of `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSummary {
    pub events_total: u64,
    pub requests_total: u64,
    pub profiles_created: u64,
    pub sessions_created: u64,
    /// Error answers and requests of the collector.
    pub collector_errors: u64,
    pub collector_requests: u64,
    /// 99th percentile of collector latency, as the upper bound of its bucket (seconds).
    pub collector_p99: Option<f64>,
    /// Work queue items waiting or in flight, and dead letters (absent when the server
    /// could not read its queue).
    pub queue_depth: Option<u64>,
    pub dead_letters: Option<u64>,
    /// Merges done by the APM service since the server started.
    pub apm_merges: u64,
}

impl MetricsSummary {
    pub fn error_rate(&self) -> f64 {
        if self.collector_requests == 0 {
            0.0
        } else {
            self.collector_errors as f64 / self.collector_requests as f64
        }
    }
}

/// One sample of the dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashData {
    pub stats: Value,
    pub metrics: MetricsSummary,
    /// Events stored since midnight UTC (at most the number scanned).
    pub today: u64,
    /// Whether `today` stopped at the scan limit.
    pub today_capped: bool,
    /// Today's events per source id, most first.
    pub per_source: Vec<(String, u64)>,
    /// Sessions with an event in the last half hour (at most those of the events read).
    pub active_sessions: u64,
    /// Whether `active_sessions` stopped at the scan limit.
    pub active_capped: bool,
    /// Milliseconds since the UI started, when this sample was taken.
    pub at_ms: u64,
    /// Events/s between consecutive samples, oldest first.
    pub rate: Vec<u64>,
}

impl DashData {
    /// Continues the events/s history of the previous sample.
    pub fn carry_history(&mut self, prev: &DashData) {
        let mut rate = prev.rate.clone();
        let dt = self.at_ms.saturating_sub(prev.at_ms);
        if dt > 0 {
            let dn = self
                .metrics
                .events_total
                .saturating_sub(prev.metrics.events_total);
            rate.push((dn as f64 * 1000.0 / dt as f64).round() as u64);
        }
        if rate.len() > HISTORY {
            rate.drain(..rate.len() - HISTORY);
        }
        self.rate = rate;
    }
}

fn labels(line: &str) -> (&str, Vec<(&str, &str)>, &str) {
    let (head, value) = match line.rsplit_once(' ') {
        Some(x) => x,
        None => return ("", Vec::new(), ""),
    };
    match head.split_once('{') {
        Some((name, rest)) => {
            let inner = rest.trim_end_matches('}');
            let pairs = inner
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k, v.trim_matches('"')))
                .collect();
            (name, pairs, value)
        }
        None => (head, Vec::new(), value),
    }
}

/// Reads the counters the dashboard shows from Prometheus text.
pub fn parse_metrics(text: &str) -> MetricsSummary {
    let mut m = MetricsSummary::default();
    let mut buckets: Vec<(f64, u64)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, labels, value) = labels(line);
        let n = value.parse::<f64>().unwrap_or(0.0).max(0.0) as u64;
        let label = |k: &str| labels.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
        let collector = label("service") == Some("collector");
        match name {
            "tracardi_events_collected_total" => m.events_total = n,
            "tracardi_track_requests_total" => m.requests_total = n,
            "tracardi_profiles_created_total" => m.profiles_created = n,
            "tracardi_sessions_created_total" => m.sessions_created = n,
            "tracardi_queue_depth" => m.queue_depth = Some(n),
            "tracardi_queue_dead_letters" => m.dead_letters = Some(n),
            "tracardi_apm_merges_total" => m.apm_merges = n,
            "tracardi_http_errors_total" if collector => m.collector_errors += n,
            "tracardi_http_request_duration_seconds_count" if collector => m.collector_requests = n,
            "tracardi_http_request_duration_seconds_bucket" if collector => {
                let le = match label("le") {
                    Some("+Inf") => f64::INFINITY,
                    Some(x) => x.parse().unwrap_or(f64::INFINITY),
                    None => f64::INFINITY,
                };
                buckets.push((le, n));
            }
            _ => {}
        }
    }
    if let Some(&(_, total)) = buckets.last() {
        if total > 0 {
            let want = (total as f64 * 0.99).ceil() as u64;
            m.collector_p99 = buckets.iter().find(|(_, c)| *c >= want).map(|(le, _)| *le);
        }
    }
    m
}

fn count(v: &Value, path: &[&str]) -> u64 {
    let mut cur = v;
    for k in path {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_u64().unwrap_or(0)
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn latency(p99: Option<f64>) -> String {
    match p99 {
        None => "–".into(),
        Some(s) if s.is_infinite() => "> 10 s".into(),
        Some(s) if s < 1.0 => format!("≤ {} ms", (s * 1000.0).round()),
        Some(s) => format!("≤ {s} s"),
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let area = super::ui::stale_banner(f, area, app);
    let Some(d) = &app.dashboard else {
        let what = if app.down.is_some() {
            "no figures: the API cannot be reached"
        } else {
            "loading…"
        };
        f.render_widget(
            Paragraph::new(what).block(Block::bordered().title(" Dashboard ")),
            area,
        );
        return;
    };
    let ctx = app.context.as_str();
    let here = context_of(&d.stats, ctx);
    let m = &d.metrics;
    let [top, spark, bottom] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Min(3),
    ])
    .areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let today = if d.today_capped {
        format!("{}+", d.today)
    } else {
        d.today.to_string()
    };
    let active = if d.active_capped {
        format!("{}+", d.active_sessions)
    } else {
        d.active_sessions.to_string()
    };
    let traffic = vec![
        kv("events today", today),
        kv("events since start", m.events_total.to_string()),
        kv("profiles created", m.profiles_created.to_string()),
        kv("sessions created", m.sessions_created.to_string()),
        kv("active sessions (30 min)", active),
        kv("APM merges", m.apm_merges.to_string()),
    ];
    f.render_widget(
        Paragraph::new(traffic).block(Block::bordered().title(" Traffic (all tenants) ")),
        left,
    );
    let health = vec![
        kv(
            "error rate",
            format!(
                "{:.2} % ({} of {})",
                m.error_rate() * 100.0,
                m.collector_errors,
                m.collector_requests
            ),
        ),
        kv("p99 latency", latency(m.collector_p99)),
        kv(
            "queue / dead letters",
            format!(
                "{} / {}",
                m.queue_depth.map_or("–".into(), |n| n.to_string()),
                m.dead_letters.map_or("–".into(), |n| n.to_string())
            ),
        ),
        kv(
            "profiles / sessions",
            format!(
                "{} / {}",
                count(here, &["profiles"]),
                count(here, &["sessions"])
            ),
        ),
        kv(
            "events stored",
            format!(
                "{} ({})",
                count(here, &["events"]),
                human_bytes(count(&d.stats, &["disk_bytes"]))
            ),
        ),
    ];
    let mut health = health;
    if m.dead_letters.unwrap_or(0) > 0 {
        // Dead letters need an operator: `:health` lists and replays them.
        health[2] = health[2].clone().style(Style::default().fg(Color::Yellow));
    }
    f.render_widget(
        Paragraph::new(health).block(Block::bordered().title(format!(" Health · store ({ctx}) "))),
        right,
    );
    let last = d.rate.last().copied().unwrap_or(0);
    let peak = d.rate.iter().copied().max().unwrap_or(0);
    let width = spark.width.saturating_sub(2) as usize;
    let shown: Vec<u64> = d.rate[d.rate.len().saturating_sub(width)..].to_vec();
    f.render_widget(
        Sparkline::default()
            .block(Block::bordered().title(format!(" events/s  now {last}  peak {peak} ")))
            .data(&shown),
        spark,
    );
    let rows: Vec<Row> = d
        .per_source
        .iter()
        .map(|(s, n)| Row::new(vec![Cell::from(s.clone()), Cell::from(n.to_string())]))
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(rows, [Constraint::Min(20), Constraint::Length(10)])
        .header(
            Row::new(vec!["SOURCE", "TODAY"]).style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .block(Block::bordered().title(" Events today per source "));
    f.render_widget(table, bottom);
    if empty && bottom.height > 3 {
        let inner = Rect {
            x: bottom.x + 2,
            y: bottom.y + 2,
            width: bottom.width.saturating_sub(4),
            height: 1,
        };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                "no events today — post one to the collector's /track",
                muted(),
            ))),
            inner,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_counters_errors_and_p99() {
        let text = "# HELP x\n\
            tracardi_events_collected_total 42\n\
            tracardi_profiles_created_total 7\n\
            tracardi_http_errors_total{service=\"collector\",code=\"not_found\"} 2\n\
            tracardi_http_errors_total{service=\"private-api\",code=\"not_found\"} 9\n\
            tracardi_http_request_duration_seconds_bucket{service=\"collector\",le=\"0.001\"} 50\n\
            tracardi_http_request_duration_seconds_bucket{service=\"collector\",le=\"0.005\"} 99\n\
            tracardi_http_request_duration_seconds_bucket{service=\"collector\",le=\"+Inf\"} 100\n\
            tracardi_http_request_duration_seconds_count{service=\"collector\"} 100\n";
        let m = parse_metrics(text);
        assert_eq!(m.events_total, 42);
        assert_eq!(m.profiles_created, 7);
        assert_eq!(m.collector_errors, 2);
        assert_eq!(m.collector_requests, 100);
        assert_eq!(m.collector_p99, Some(0.005));
        assert!((m.error_rate() - 0.02).abs() < 1e-9);
        assert_eq!(parse_metrics("garbage {{\n"), MetricsSummary::default());
    }

    #[test]
    fn rate_history_is_events_per_second_between_samples() {
        let prev = DashData {
            metrics: MetricsSummary {
                events_total: 10,
                ..Default::default()
            },
            at_ms: 1000,
            ..Default::default()
        };
        let mut next = DashData {
            metrics: MetricsSummary {
                events_total: 30,
                ..Default::default()
            },
            at_ms: 3000,
            ..Default::default()
        };
        next.carry_history(&prev);
        assert_eq!(next.rate, vec![10]);
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
