//! The durable work queue's types: what is enqueued, what a consumer leases, and the
//! retry policy (exponential backoff with jitter, dead letter after N attempts).
//!
//! The queue is install-wide; every item carries its scope. Items with the same
//! ordering `key` (a profile) are handed out one at a time in enqueue order: an item is
//! leasable only when no earlier item with its key is still queued, leased or backing
//! off. Dead letters no longer block their key.
//!
//! Attempts are counted when they begin: every lease durably adds one to the item's
//! `attempts` before the item is handed out, so an attempt whose worker crashed or hung
//! (its lease expired with neither ack nor nack) still counts. A nack records how the
//! attempt ended without counting it again. An item that has used up its attempts is
//! never handed out again: the lease that finds it moves it to the dead-letter queue.

use crate::domain::Scope;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Something to enqueue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewItem {
    pub scope: Scope,
    /// What the item asks for (`workflow`, `destination`, …); consumers lease by topic.
    pub topic: String,
    /// Items with the same key are processed in enqueue order; None for no ordering.
    pub key: Option<String>,
    pub payload: Value,
}

/// A queued item as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Position in the queue; increases with every enqueue.
    pub seq: u64,
    pub scope: Scope,
    pub topic: String,
    pub key: Option<String>,
    pub payload: Value,
    /// Attempts begun: each lease counts one, recorded before the item is handed out;
    /// a nack does not add another. On a leased item it is the number of the attempt in
    /// progress (1 for the first).
    pub attempts: u32,
    /// Of `attempts`, those whose lease expired with neither ack nor nack (the worker
    /// crashed or timed out).
    #[serde(default)]
    pub expired: u32,
    /// While an attempt is in progress: when its lease ends. None when none is (never
    /// leased, or the last attempt was nacked). A lease that finds it set knows the
    /// attempt before was lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leased_until: Option<DateTime<Utc>>,
    pub enqueued_at: DateTime<Utc>,
    /// Not leasable before this time (backoff after a failure).
    pub available_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// A leased item: process it, then ack or nack with the token.
#[derive(Debug, Clone, PartialEq)]
pub struct Leased {
    pub item: QueueItem,
    pub token: String,
    pub until: DateTime<Utc>,
}

/// What one lease call did: the items it handed out, and those it moved to the
/// dead-letter queue instead because their attempts were spent (the last one lost to an
/// expired lease, or failed without a nack).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leases {
    pub leased: Vec<Leased>,
    pub dead: Vec<QueueItem>,
}

/// Queue health figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueStats {
    /// Items waiting or in flight.
    pub depth: u64,
    /// Items leased and not yet expired.
    pub in_flight: u64,
    /// Enqueue time of the oldest queued item.
    pub oldest: Option<DateTime<Utc>>,
    pub dead_letters: u64,
}

/// What a nack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackOutcome {
    /// Back in the queue, leasable again at this time.
    Retry(DateTime<Utc>),
    /// Moved to the dead-letter queue.
    Dead,
    /// The lease had expired or the token was wrong: nothing changed.
    Stale,
}

/// The start of the last error of an item whose attempts ran out because its leases
/// expired; [`expired_error`] adds the counts.
pub const LEASE_EXPIRED: &str = "lease expired without ack or nack (worker crashed or timed out)";

/// The last error of an item that goes to the dead-letter queue because its last
/// attempt's lease expired: how many of its attempts were lost that way, and the error
/// of the last attempt that did fail, if any.
pub fn expired_error(expired: u32, attempts: u32, last_error: Option<&str>) -> String {
    let mut s = format!("{LEASE_EXPIRED} in {expired} of {attempts} attempts");
    if let Some(e) = last_error {
        s.push_str("; last failure: ");
        s.push_str(e);
    }
    s
}

/// How failed items are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// After this many attempts (failed, or lost with an expired lease) the item goes to
    /// the dead-letter queue.
    pub max_attempts: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::seconds(1),
            max_delay: Duration::minutes(10),
        }
    }
}

impl RetryPolicy {
    /// When an item whose attempt number `attempts` just failed may be tried again, or
    /// None when it goes to the dead-letter queue. `jitter` in [0, 1) spreads the retries
    /// of many items failing together ("full jitter" on the upper half).
    pub fn retry_at(
        &self,
        attempts: u32,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = attempts.saturating_sub(1).min(30);
        let base_ms = self.base.num_milliseconds().max(1);
        let delay_ms = base_ms
            .saturating_mul(1i64 << exp)
            .min(self.max_delay.num_milliseconds().max(1));
        let jitter = jitter.clamp(0.0, 1.0);
        let spread = (delay_ms as f64 / 2.0) * jitter;
        let ms = (delay_ms as f64 / 2.0 + spread) as i64;
        Some(now + Duration::milliseconds(ms.max(1)))
    }
}

/// A jitter value in [0, 1) from the clock and a counter; no cryptographic needs.
pub fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
    let nanos = Utc::now().timestamp_subsec_nanos() as u64;
    let mut x = N.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) ^ nanos;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops_at_max_attempts() {
        let p = RetryPolicy {
            max_attempts: 4,
            base: Duration::seconds(1),
            max_delay: Duration::seconds(3),
        };
        let now = Utc::now();
        let d = |a: u32, j: f64| p.retry_at(a, now, j).map(|t| (t - now).num_milliseconds());
        assert_eq!(d(1, 0.0), Some(500));
        assert_eq!(d(1, 1.0), Some(1000));
        assert_eq!(d(2, 0.0), Some(1000));
        assert_eq!(d(3, 1.0), Some(3000));
        assert_eq!(d(4, 0.0), None);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
