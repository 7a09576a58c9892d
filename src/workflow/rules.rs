//! Rules: (event type, source) → flow, stored as configuration documents of kind
//! `rule` in Tracardi's shape:
//!
//! ```text
//! {id, name, description, type: event-collect|segment-add, event_type: {id, name},
//!  source: {id, name}, segment: {id, name}, flow: {id, name}, enabled,
//!  properties: {consents: [{id, name} | "id"]}, tags}
//! ```
//!
//! `event_type` and `source` may also be plain strings. (ours) A missing, empty or `*`
//! event type or source matches any. Only `event-collect` rules run flows on events.
//! A rule with consents runs only when the profile holds every one of them and none
//! has lapsed (`consents.<id>.revoke` null or in the future).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::plugins::profile::has_consent;

fn yes() -> bool {
    true
}

fn event_collect() -> String {
    "event-collect".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type", default = "event_collect")]
    pub rule_type: String,
    #[serde(default)]
    pub event_type: Value,
    #[serde(default)]
    pub source: Value,
    #[serde(default)]
    pub segment: Value,
    #[serde(default)]
    pub flow: Value,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The id of a reference written as `"id"` or `{id, name}`.
pub fn ref_id(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_str()),
        Value::Object(m) => m.get("id").and_then(Value::as_str),
        _ => None,
    }
    .map(str::trim)
    .filter(|s| !s.is_empty())
}

fn matches_ref(pattern: &Value, actual: &str) -> bool {
    match ref_id(pattern) {
        None | Some("*") => true,
        Some(id) => id == actual || crate::domain::event_type_slug(id) == actual,
    }
}

impl Rule {
    /// Reads a rule document.
    pub fn from_value(doc: &Value) -> Result<Rule, String> {
        serde_path_to_error::deserialize(doc).map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    /// The flow this rule runs.
    pub fn flow_id(&self) -> Option<&str> {
        ref_id(&self.flow)
    }

    /// Whether the rule runs for an event of this type from this source.
    pub fn matches(&self, event_type: &str, source_id: &str) -> bool {
        self.enabled
            && self.rule_type == "event-collect"
            && matches_ref(&self.event_type, event_type)
            && matches_ref(&self.source, source_id)
    }

    /// The consent type ids the rule requires.
    pub fn required_consents(&self) -> Vec<&str> {
        match self.properties.get("consents") {
            Some(Value::Array(items)) => items.iter().filter_map(ref_id).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the profile (as JSON) holds every required consent at `now`.
    pub fn consents_granted(&self, profile: &Value, now: DateTime<Utc>) -> bool {
        self.required_consents()
            .into_iter()
            .all(|c| has_consent(profile, c, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(doc: Value) -> Rule {
        Rule::from_value(&doc).unwrap()
    }

    #[test]
    fn matching() {
        let r = rule(
            json!({"id": "r", "event_type": {"id": "page-view", "name": "Page View"}, "source": {"id": "web"}, "flow": {"id": "f"}}),
        );
        assert!(r.matches("page-view", "web"));
        assert!(!r.matches("purchase", "web"));
        assert!(!r.matches("page-view", "app"));
        assert_eq!(r.flow_id(), Some("f"));
        let any = rule(json!({"id": "r", "event_type": "*", "flow": "f"}));
        assert!(any.matches("x", "y"));
        let named = rule(json!({"id": "r", "event_type": "Page View", "source": "web"}));
        assert!(named.matches("page-view", "web"));
        let off = rule(json!({"id": "r", "enabled": false}));
        assert!(!off.matches("x", "y"));
        let seg = rule(json!({"id": "r", "type": "segment-add"}));
        assert!(!seg.matches("x", "y"));
    }

    #[test]
    fn consents() {
        let now = Utc::now();
        let r = rule(
            json!({"id": "r", "properties": {"consents": [{"id": "marketing", "name": "M"}, "ads"]}}),
        );
        assert_eq!(r.required_consents(), vec!["marketing", "ads"]);
        let both = json!({"consents": {"marketing": {"revoke": null}, "ads": {"revoke": "2999-01-01T00:00:00Z"}}});
        assert!(r.consents_granted(&both, now));
        let lapsed = json!({"consents": {"marketing": {"revoke": null}, "ads": {"revoke": "2000-01-01T00:00:00Z"}}});
        assert!(!r.consents_granted(&lapsed, now));
        assert!(!r.consents_granted(&json!({"consents": {"marketing": {}}}), now));
    }
}
