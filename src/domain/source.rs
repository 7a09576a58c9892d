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
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(default)]
    pub bridge: Option<EntityRef>,
    #[serde(default = "Utc::now", deserialize_with = "null_as_now")]
    pub timestamp: DateTime<Utc>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub channel: String,
    #[serde(default = "yes", deserialize_with = "null_as_yes")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub transitional: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub config: Map,
    #[serde(default, deserialize_with = "null_as_default")]
    pub requires_consent: bool,
    #[serde(default, deserialize_with = "null_as_default")]
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

/// Tracardi writes an optional field it has no value for as `null`: read as not set.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn null_as_now<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    Ok(Option::<DateTime<Utc>>::deserialize(d)?.unwrap_or_else(Utc::now))
}

fn null_as_yes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A Tracardi dump holds `null` for every optional field it has no value for.
    #[test]
    fn nulls_of_a_tracardi_dump_read_as_not_set() {
        let v = serde_json::json!({"id": "web", "type": "rest", "name": null,
            "description": null, "timestamp": null, "channel": null, "enabled": null,
            "transitional": null, "tags": null, "groups": null, "config": null,
            "requires_consent": null, "synchronize_profiles": null, "bridge": null});
        let s: EventSource = serde_json::from_value(v).unwrap();
        assert!(s.enabled);
        assert!(s.tags.is_empty() && s.config.is_empty() && s.description.is_empty());
        // Wrong types are still refused.
        let bad = serde_json::json!({"id": "web", "type": "rest", "tags": "a"});
        assert!(serde_json::from_value::<EventSource>(bad).is_err());
    }
}
