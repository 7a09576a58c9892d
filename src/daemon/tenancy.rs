//! Collection routing between tenants: which tenant a collecting request is for (its
//! host name, else its event source id), whether that tenant may collect (suspended:
//! 403 `tenant_suspended`), and its rate limit (429 `rate_limited` with `Retry-After`).
//!
//! A single-tenant install has no registered tenant: everything goes to the configured
//! tenant, as before.

use super::http::{ApiError, ErrorCode};
use crate::domain::{Context, Scope, Tenant, TenantState};
use crate::store::{tenants, SharedStore};
use crate::tracking::Tracker;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a looked-up tenant record or source index entry is trusted: a suspension,
/// resumption, new limit or new source takes effect within this time.
const CACHE_TTL: Duration = Duration::from_secs(1);

/// A token bucket: `burst` tokens at most, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    pub fn new(rate: f64, burst: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            last: now,
            rate,
            burst: f64::from(burst),
        }
    }

    /// Takes `n` tokens (at most a full bucket), or says how many seconds to wait
    /// before they are there.
    pub fn take(&mut self, n: u32, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
        let want = f64::from(n).min(self.burst);
        if self.tokens >= want {
            self.tokens -= want;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((want - self.tokens) / self.rate))
        }
    }

    fn reconfigure(&mut self, rate: f64, burst: u32) {
        self.rate = rate;
        self.burst = f64::from(burst);
        self.tokens = self.tokens.min(self.burst);
    }
}

pub struct TenantRouter {
    store: SharedStore,
    /// The configured tenant's tracker.
    default: Arc<Tracker>,
    /// `{tenant}` pattern of host names, split around the placeholder.
    host: Option<(String, String)>,
    trackers: Mutex<HashMap<String, Arc<Tracker>>>,
    sources: Mutex<HashMap<String, (Instant, Option<String>)>>,
    records: Mutex<HashMap<String, (Instant, Option<Tenant>)>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl TenantRouter {
    /// `host_pattern` holds `{tenant}` once, or is empty for no host routing.
    pub fn new(default: Arc<Tracker>, host_pattern: &str) -> Self {
        let host = host_pattern
            .split_once("{tenant}")
            .map(|(a, b)| (a.to_ascii_lowercase(), b.to_ascii_lowercase()));
        Self {
            store: default.store().clone(),
            default,
            host,
            trackers: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
            records: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant a host name names under the pattern (the port ignored).
    pub fn tenant_of_host(&self, host: &str) -> Option<String> {
        let (prefix, suffix) = self.host.as_ref()?;
        let host = host.trim().to_ascii_lowercase();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
            _ => host,
        };
        let name = host
            .strip_prefix(prefix.as_str())?
            .strip_suffix(suffix.as_str())?;
        (!name.is_empty() && !name.contains('.')).then(|| name.to_string())
    }

    async fn source_tenant(&self, source_id: &str) -> Result<Option<String>, ApiError> {
        let now = Instant::now();
        if let Ok(m) = self.sources.lock() {
            if let Some((at, t)) = m.get(source_id) {
                if now.duration_since(*at) < CACHE_TTL {
                    return Ok(t.clone());
                }
            }
        }
        let t = tenants::source_tenant(self.store.as_ref(), source_id).await?;
        if let Ok(mut m) = self.sources.lock() {
            // Unknown ids are remembered too, but not without bound.
            if m.len() > 100_000 {
                m.clear();
            }
            m.insert(source_id.to_string(), (now, t.clone()));
        }
        Ok(t)
    }

    async fn record(&self, tenant: &str) -> Result<Option<Tenant>, ApiError> {
        let now = Instant::now();
        if let Ok(m) = self.records.lock() {
            if let Some((at, t)) = m.get(tenant) {
                if now.duration_since(*at) < CACHE_TTL {
                    return Ok(t.clone());
                }
            }
        }
        let t = tenants::tenant(self.store.as_ref(), tenant).await?;
        if let Ok(mut m) = self.records.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(tenant.to_string(), (now, t.clone()));
        }
        Ok(t)
    }

    fn tracker(&self, tenant: &str) -> Arc<Tracker> {
        if tenant == self.default.scope().tenant {
            return self.default.clone();
        }
        let Ok(mut m) = self.trackers.lock() else {
            return Arc::new(self.default.for_scope(self.scope(tenant)));
        };
        m.entry(tenant.to_string())
            .or_insert_with(|| Arc::new(self.default.for_scope(self.scope(tenant))))
            .clone()
    }

    fn scope(&self, tenant: &str) -> Scope {
        let context: Context = self.default.scope().context;
        Scope::new(tenant, context)
    }

    /// The tracker of the tenant a collecting request is for, after its state and rate
    /// limit allow `events` more events.
    pub async fn route(
        &self,
        host: Option<&str>,
        source_id: &str,
        events: usize,
    ) -> Result<Arc<Tracker>, ApiError> {
        let by_host = host.and_then(|h| self.tenant_of_host(h));
        let tenant = match by_host {
            Some(t) => t,
            None => self
                .source_tenant(source_id)
                .await?
                .unwrap_or_else(|| self.default.scope().tenant.clone()),
        };
        let record = self.record(&tenant).await?;
        let is_default = tenant == self.default.scope().tenant;
        let Some(record) = record else {
            if is_default {
                return Ok(self.default.clone());
            }
            return Err(ApiError::new(
                ErrorCode::InvalidEventSource,
                format!("Invalid event source `{source_id}`: unknown tenant `{tenant}`"),
            ));
        };
        if record.state == TenantState::Suspended {
            return Err(ApiError::new(
                ErrorCode::TenantSuspended,
                format!("tenant `{tenant}` is suspended: collection is refused"),
            ));
        }
        if let Some(limit) = record.rate_limit {
            let n = u32::try_from(events.max(1)).unwrap_or(u32::MAX);
            let now = Instant::now();
            let outcome = match self.buckets.lock() {
                Ok(mut m) => {
                    let bucket = m
                        .entry(tenant.clone())
                        .or_insert_with(|| Bucket::new(limit.events_per_second, limit.burst, now));
                    bucket.reconfigure(limit.events_per_second, limit.burst);
                    bucket.take(n, now)
                }
                Err(_) => Ok(()),
            };
            if let Err(wait) = outcome {
                let mut e = ApiError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "tenant `{tenant}` is over its collection rate limit ({} events/s, burst {})",
                        limit.events_per_second, limit.burst
                    ),
                );
                e.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
                return Err(e);
            }
        }
        Ok(self.tracker(&tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_from_host_name() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(
            crate::store::sled::SledStore::open(dir.path(), &crate::store::OpenOptions::default())
                .unwrap(),
        );
        let tracker = Arc::new(Tracker::new(
            store,
            crate::tracking::TrackerSettings {
                scope: Scope::default_tenant(Context::Production),
                track_debug: false,
                refuse_bots: false,
                identity: None,
            },
        ));
        let r = TenantRouter::new(tracker.clone(), "{tenant}.collect.example.com");
        assert_eq!(
            r.tenant_of_host("acme.collect.example.com").as_deref(),
            Some("acme")
        );
        assert_eq!(
            r.tenant_of_host("ACME.Collect.Example.com:8585").as_deref(),
            Some("acme")
        );
        assert_eq!(r.tenant_of_host("collect.example.com"), None);
        assert_eq!(r.tenant_of_host(".collect.example.com"), None);
        assert_eq!(r.tenant_of_host("a.b.collect.example.com"), None);
        assert_eq!(r.tenant_of_host("acme.example.org"), None);
        let off = TenantRouter::new(tracker, "");
        assert_eq!(off.tenant_of_host("acme.collect.example.com"), None);
    }

    #[test]
    fn bucket_allows_burst_then_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(2.0, 4, t0);
        assert!(b.take(4, t0).is_ok());
        let wait = b.take(1, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(b.take(1, t0 + Duration::from_millis(500)).is_ok());
        assert!(b.take(1, t0 + Duration::from_millis(500)).is_err());
        // Never more than the burst accumulates.
        assert!(b.take(4, t0 + Duration::from_secs(100)).is_ok());
        assert!(b.take(1, t0 + Duration::from_secs(100)).is_err());
        // A request larger than the burst costs a full bucket.
        assert!(b.take(50, t0 + Duration::from_secs(200)).is_ok());
    }
}
