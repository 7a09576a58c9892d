//! Tenants: customers sharing one install, each with its own scopes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The tenant that holds the install-wide tenant registry and the indexes that route a
/// request to its tenant (event source id → tenant, API token → tenant). Tenant names
/// never start with `_`, so no tenant can take it.
pub const SYSTEM_TENANT: &str = "_system";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantState {
    Active,
    Suspended,
}

impl TenantState {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantState::Active => "active",
            TenantState::Suspended => "suspended",
        }
    }
}

/// A collection rate limit: a token bucket refilled at `events_per_second` and holding
/// at most `burst` events.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    pub events_per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    /// Why the limit is unusable, if it is.
    pub fn check(&self) -> Result<(), String> {
        if !self.events_per_second.is_finite() || self.events_per_second <= 0.0 {
            return Err("`events_per_second` must be a number above 0".into());
        }
        if self.burst == 0 {
            return Err("`burst` must be at least 1".into());
        }
        Ok(())
    }
}

/// One tenant of the install, as the tenant management service (TMS) keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// Lowercase letters, digits and `-`, starting with a letter; also the host-name
    /// label that routes collection to it.
    pub name: String,
    pub state: TenantState,
    pub created: DateTime<Utc>,
    /// The email of the admin user created with the tenant.
    pub admin_email: String,
    /// SHA-256 of the tenant's installation token (the secret is shown once).
    pub installation_token_sha256: String,
    /// The event source created with the tenant (same id in staging and production).
    pub default_source: String,
    /// Collection rate limit; none: unlimited.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub suspended_at: Option<DateTime<Utc>>,
}

/// Why a tenant name is refused, if it is.
pub fn check_tenant_name(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let starts = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if name.is_empty() || name.len() > 63 || !ok_chars || !starts || name.ends_with('-') {
        return Err(format!(
            "tenant name `{name}`: use 1 to 63 lowercase letters, digits and `-`, starting with a letter and not ending with `-`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names() {
        for ok in ["acme", "a", "acme-2", "default"] {
            assert!(check_tenant_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "_system", "Acme", "2acme", "acme-", "ac.me", "ac me"] {
            assert!(check_tenant_name(bad).is_err(), "{bad}");
        }
        assert!(check_tenant_name(SYSTEM_TENANT).is_err());
    }

    #[test]
    fn rate_limits() {
        assert!(RateLimit {
            events_per_second: 5.0,
            burst: 10
        }
        .check()
        .is_ok());
        assert!(RateLimit {
            events_per_second: 0.0,
            burst: 10
        }
        .check()
        .is_err());
        assert!(RateLimit {
            events_per_second: 1.0,
            burst: 0
        }
        .check()
        .is_err());
        assert!(RateLimit {
            events_per_second: f64::NAN,
            burst: 1
        }
        .check()
        .is_err());
    }
}
