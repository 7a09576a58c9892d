use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Staging holds the configuration being edited; production what the collector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Context {
    Staging,
    Production,
}

impl Context {
    pub const ALL: [Context; 2] = [Context::Staging, Context::Production];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Staging => "staging",
            Context::Production => "production",
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown context `{0}`: expected `staging` or `production`")]
pub struct UnknownContext(pub String);

impl FromStr for Context {
    type Err = UnknownContext;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "staging" => Ok(Context::Staging),
            "production" => Ok(Context::Production),
            _ => Err(UnknownContext(s.to_string())),
        }
    }
}

/// Every record belongs to one tenant and one context.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Scope {
    pub tenant: String,
    pub context: Context,
}

pub const DEFAULT_TENANT: &str = "default";

impl Scope {
    pub fn new(tenant: impl Into<String>, context: Context) -> Self {
        Self {
            tenant: tenant.into(),
            context,
        }
    }

    pub fn default_tenant(context: Context) -> Self {
        Self::new(DEFAULT_TENANT, context)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.context)
    }
}
