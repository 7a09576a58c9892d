//! Request metrics shared by the HTTP services, rendered in Prometheus text format.

use super::bridges::{BridgeState, BridgeStats, BridgeStatus};
use super::http::ErrorCode;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

struct Histogram {
    service: &'static str,
    /// Cumulative counts are computed when rendering; each slot counts its own bucket,
    /// the last one everything above the largest bound.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(service: &'static str) -> Self {
        Self {
            service,
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, secs: f64) {
        let slot = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((secs * 1_000_000.0) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Request latency per service and error answers per service and code.
pub struct Metrics {
    latency: Vec<Histogram>,
    /// One counter per (service, code), in the order of `latency` × `ErrorCode::ALL`.
    errors: Vec<AtomicU64>,
    /// Merges done by the APM service in this process, and the profiles they merged
    /// away.
    pub apm_merges: AtomicU64,
    pub apm_profiles_merged: AtomicU64,
    /// The bridges running in this process, reported by `/bridges` and `/metrics`.
    bridges: Mutex<Vec<Arc<BridgeStats>>>,
}

/// The services that record metrics.
pub const SERVICES: [&str; 2] = ["collector", "private-api"];

impl Default for Metrics {
    fn default() -> Self {
        Self {
            latency: SERVICES.iter().map(|s| Histogram::new(s)).collect(),
            errors: (0..SERVICES.len() * ErrorCode::ALL.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            apm_merges: AtomicU64::new(0),
            apm_profiles_merged: AtomicU64::new(0),
            bridges: Mutex::new(Vec::new()),
        }
    }
}

impl Metrics {
    fn service_index(service: &str) -> Option<usize> {
        SERVICES.iter().position(|s| *s == service)
    }

    pub fn record(&self, service: &str, secs: f64, error: Option<ErrorCode>) {
        let Some(i) = Self::service_index(service) else {
            return;
        };
        self.latency[i].observe(secs);
        if let Some(code) = error {
            if let Some(c) = ErrorCode::ALL.iter().position(|x| *x == code) {
                self.errors[i * ErrorCode::ALL.len() + c].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Reports a bridge running in this process from now on.
    pub fn add_bridge(&self, stats: Arc<BridgeStats>) {
        if let Ok(mut b) = self.bridges.lock() {
            b.push(stats);
        }
    }

    /// A snapshot of every bridge running in this process, in the order they started.
    pub fn bridges(&self) -> Vec<BridgeStatus> {
        self.bridges
            .lock()
            .map(|b| b.iter().map(|s| s.status()).collect())
            .unwrap_or_default()
    }

    /// Errors answered with a code, summed over services.
    pub fn errors_with(&self, code: ErrorCode) -> u64 {
        let Some(c) = ErrorCode::ALL.iter().position(|x| *x == code) else {
            return 0;
        };
        (0..SERVICES.len())
            .map(|i| self.errors[i * ErrorCode::ALL.len() + c].load(Ordering::Relaxed))
            .sum()
    }

    /// The request, error and bridge series in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        for (name, help, v) in [
            (
                "tracardi_apm_merges_total",
                "Profile merges done by the APM service.",
                &self.apm_merges,
            ),
            (
                "tracardi_apm_profiles_merged_total",
                "Profiles merged away by the APM service.",
                &self.apm_profiles_merged,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        self.render_bridges(out);
        out.push_str("# HELP tracardi_http_errors_total Error answers by service and code.\n");
        out.push_str("# TYPE tracardi_http_errors_total counter\n");
        for (i, service) in SERVICES.iter().enumerate() {
            for (c, code) in ErrorCode::ALL.iter().enumerate() {
                let n = self.errors[i * ErrorCode::ALL.len() + c].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "tracardi_http_errors_total{{service=\"{service}\",code=\"{}\"}} {n}",
                    code.as_str()
                );
            }
        }
        out.push_str("# HELP tracardi_http_request_duration_seconds Request latency by service.\n");
        out.push_str("# TYPE tracardi_http_request_duration_seconds histogram\n");
        for h in &self.latency {
            let mut cumulative = 0;
            for (slot, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[slot].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "tracardi_http_request_duration_seconds_bucket{{service=\"{}\",le=\"{bound}\"}} {cumulative}",
                    h.service
                );
            }
            cumulative += h.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "tracardi_http_request_duration_seconds_bucket{{service=\"{}\",le=\"+Inf\"}} {cumulative}",
                h.service
            );
            let _ = writeln!(
                out,
                "tracardi_http_request_duration_seconds_sum{{service=\"{}\"}} {}",
                h.service,
                h.sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0
            );
            let _ = writeln!(
                out,
                "tracardi_http_request_duration_seconds_count{{service=\"{}\"}} {}",
                h.service,
                h.count.load(Ordering::Relaxed)
            );
        }
    }
}

impl Metrics {
    fn render_bridges(&self, out: &mut String) {
        let bridges = self.bridges();
        if bridges.is_empty() {
            return;
        }
        out.push_str("# HELP tracardi_bridge_messages_total Bridge messages by outcome.\n");
        out.push_str("# TYPE tracardi_bridge_messages_total counter\n");
        for b in &bridges {
            for (outcome, n) in [
                ("received", b.received),
                ("stored", b.stored),
                ("duplicate", b.duplicates),
                ("rejected", b.rejected),
                ("dead_lettered", b.dead_lettered),
            ] {
                let _ = writeln!(
                    out,
                    "tracardi_bridge_messages_total{{bridge=\"{}\",outcome=\"{outcome}\"}} {n}",
                    b.name
                );
            }
        }
        out.push_str(
            "# HELP tracardi_bridge_up Whether a bridge is connected (or serving): 1, else 0.\n",
        );
        out.push_str("# TYPE tracardi_bridge_up gauge\n");
        for b in &bridges {
            let up = matches!(b.state, BridgeState::Connected | BridgeState::Serving);
            let _ = writeln!(
                out,
                "tracardi_bridge_up{{bridge=\"{}\"}} {}",
                b.name,
                u8::from(up)
            );
        }
        out.push_str("# HELP tracardi_bridge_connects_total Successful bridge connections.\n");
        out.push_str("# TYPE tracardi_bridge_connects_total counter\n");
        for b in &bridges {
            let _ = writeln!(
                out,
                "tracardi_bridge_connects_total{{bridge=\"{}\"}} {}",
                b.name, b.connects
            );
        }
    }
}

/// Middleware state: the metrics and the service the router belongs to.
pub type MetricsLayerState = (Arc<Metrics>, &'static str);

/// Records the latency of every request and the code of every error answer.
pub async fn record(
    State((metrics, service)): State<MetricsLayerState>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let resp = next.run(req).await;
    let code = resp.extensions().get::<ErrorCode>().copied();
    metrics.record(service, started.elapsed().as_secs_f64(), code);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_buckets() {
        let m = Metrics::default();
        m.record("collector", 0.002, None);
        m.record("collector", 20.0, Some(ErrorCode::NotFound));
        m.apm_merges.fetch_add(2, Ordering::Relaxed);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("\ntracardi_apm_merges_total 2\n"), "{out}");
        assert!(out.contains("\ntracardi_apm_profiles_merged_total 0\n"));
        assert!(out.contains(
            "tracardi_http_request_duration_seconds_bucket{service=\"collector\",le=\"0.0025\"} 1"
        ));
        assert!(out.contains(
            "tracardi_http_request_duration_seconds_bucket{service=\"collector\",le=\"+Inf\"} 2"
        ));
        assert!(
            out.contains("tracardi_http_errors_total{service=\"collector\",code=\"not_found\"} 1")
        );
        assert_eq!(m.errors_with(ErrorCode::NotFound), 1);
        assert!(!out.contains("tracardi_bridge"), "no bridge, no series");
    }

    #[test]
    fn renders_bridges() {
        let m = Metrics::default();
        let b = Arc::new(BridgeStats::new("amqp"));
        b.set_state(BridgeState::Connected);
        b.received.fetch_add(3, Ordering::Relaxed);
        b.dead_lettered.fetch_add(1, Ordering::Relaxed);
        m.add_bridge(b);
        let mut out = String::new();
        m.render(&mut out);
        assert!(
            out.contains("tracardi_bridge_messages_total{bridge=\"amqp\",outcome=\"received\"} 3")
        );
        assert!(out.contains(
            "tracardi_bridge_messages_total{bridge=\"amqp\",outcome=\"dead_lettered\"} 1"
        ));
        assert!(out.contains("tracardi_bridge_up{bridge=\"amqp\"} 1"));
        assert_eq!(m.bridges()[0].received, 3);
    }
}
