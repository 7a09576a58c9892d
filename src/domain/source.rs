use super::{EntityRef, Map};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The id of the source that system events (`profile-created`, …) are stored with.
pub const INTERNAL_SOURCE_ID: &str = "@internal";

pub const SOURCE_TYPES: &[&str] = &[
    "rest", "webhook", "redirect", "internal", "mqtt", "queue", "imap", "segment",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSource {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(default)]
    pub bridge: Option<EntityRef>,
    #[serde(default = "Utc::now")]
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub channel: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub transitional: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub config: Map,
    #[serde(default)]
    pub requires_consent: bool,
    #[serde(default)]
    pub synchronize_profiles: bool,
    /// (ours) run workflows inside the request; default true for `rest`.
    #[serde(default)]
    pub synchronous: Option<bool>,
    #[serde(flatten)]
    pub extra: Map,
}

fn yes() -> bool {
    true
}

impl EventSource {
    pub fn new_rest(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            source_type: "rest".into(),
            bridge: None,
            timestamp: Utc::now(),
            channel: "web".into(),
            enabled: true,
            transitional: false,
            tags: vec![],
            groups: vec![],
            config: Map::new(),
            requires_consent: false,
            synchronize_profiles: true,
            synchronous: Some(true),
            extra: Map::new(),
        }
    }

    pub fn is_synchronous(&self) -> bool {
        self.synchronous.unwrap_or(self.source_type == "rest")
    }

    /// A boolean flag in `config`, false when absent or not a boolean.
    pub fn config_flag(&self, key: &str) -> bool {
        self.config
            .get(key)
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    pub fn config_str(&self, key: &str) -> Option<&str> {
        self.config
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
    }
}
