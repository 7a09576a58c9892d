//! Plain data types with Tracardi's field names (TRACKING.md §5).
//!
//! Field names are a contract: users' dot paths (`profile@data.contact.email.main`)
//! depend on them. Free-form parts (`traits`, `properties`, `context`, `aux`, …) are
//! JSON maps so that whatever users put there is kept.

mod event;
mod merge;
pub mod nesting;
mod profile;
mod scope;
mod session;
mod source;
mod tenant;

pub use event::*;
pub use merge::*;
pub use profile::*;
pub use scope::*;
pub use session::*;
pub use source::*;
pub use tenant::*;

use serde::{Deserialize, Serialize};

/// A JSON object as stored in free-form fields.
pub type Map = serde_json::Map<String, serde_json::Value>;

/// `{ "id": "…" }`, the shape Tracardi uses to refer to another entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EntityRef {
    pub id: String,
    #[serde(flatten)]
    pub extra: Map,
}

impl EntityRef {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            extra: Map::new(),
        }
    }
}

/// Turns an event type as sent by a tracker into its slug: trimmed, lower-cased,
/// spaces become `-` (`"Page View"` → `page-view`).
pub fn event_type_slug(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// The human form of an event type: words capitalised (`page-view` → `Page View`).
pub fn event_type_name(slug: &str) -> String {
    slug.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new identifier in UUID form. Time-ordered (UUID v7), so records written together
/// sit together in the store's trees.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_and_name() {
        assert_eq!(event_type_slug(" Page View "), "page-view");
        assert_eq!(event_type_slug("Add  To Cart"), "add-to-cart");
        assert_eq!(event_type_name("page-view"), "Page View");
        assert_eq!(event_type_name("purchase"), "Purchase");
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn now() -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).single().unwrap()
    }

    /// The Tracardi field names that users' dot paths rely on.
    #[test]
    fn field_names_are_tracardis() {
        let p = serde_json::to_value(Profile::new("p".into(), now())).unwrap();
        for ptr in [
            "/id",
            "/ids",
            "/primary_id",
            "/metadata/time/insert",
            "/metadata/time/visit/count",
            "/metadata/time/visit/tz",
            "/metadata/system/aux/auto_merge",
            "/stats/counters",
            "/data/contact/email/main",
            "/data/contact/phone/whatsapp",
            "/data/identifier/pk",
            "/data/pii/language/native",
            "/data/job/company/name",
            "/data/job/type",
            "/data/metrics/ltv",
            "/data/loyalty/card/points",
            "/data/devices/last/geo",
            "/consents",
            "/interests",
        ] {
            assert!(p.pointer(ptr).is_some(), "profile{ptr} missing in {p}");
        }
        let e =
            serde_json::to_value(Event::new("e".into(), "page-view".into(), "s", now())).unwrap();
        for ptr in [
            "/type",
            "/name",
            "/metadata/time/insert",
            "/metadata/processed_by/rules",
            "/metadata/profile_less",
            "/metadata/valid",
            "/source/id",
            "/tags/values",
            "/tags/count",
            "/journey/state",
            "/hit/url",
            "/os/name",
            "/device/type",
            "/app/bot",
        ] {
            assert!(e.pointer(ptr).is_some(), "event{ptr} missing in {e}");
        }
        let s = serde_json::to_value(Session::new("s".into(), Some("p"), now())).unwrap();
        for ptr in [
            "/metadata/time/timestamp",
            "/metadata/status",
            "/profile/id",
            "/utm/source",
        ] {
            assert!(s.pointer(ptr).is_some(), "session{ptr} missing in {s}");
        }
        let src = serde_json::to_value(EventSource::new_rest("x", "X")).unwrap();
        assert_eq!(src["type"], "rest");
    }

    #[test]
    fn unknown_fields_are_kept() {
        let mut doc = serde_json::to_value(Profile::new("p".into(), now())).unwrap();
        doc["custom"] = json!({"a": 1});
        doc["data"]["contact"]["email"]["other"] = json!("x@y.z");
        doc["data"]["hobbies"] = json!(["chess"]);
        doc["metadata"]["system"]["aux"]["mine"] = json!(true);
        let p: Profile = serde_json::from_value(doc.clone()).unwrap();
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back["custom"], doc["custom"]);
        assert_eq!(back["data"]["contact"]["email"]["other"], "x@y.z");
        assert_eq!(back["data"]["hobbies"], json!(["chess"]));
        assert_eq!(back["metadata"]["system"]["aux"]["mine"], true);
    }

    fn json_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|i| json!(i)),
            "[a-z ]{0,8}".prop_map(Value::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        json_leaf().prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn json_map() -> impl Strategy<Value = Map> {
        prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..5)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #[test]
        fn profile_round_trips(traits in json_map(), aux in json_map(), email in proptest::option::of("[a-z]{1,5}@x\\.io")) {
            let mut p = Profile::new("p".into(), now());
            p.traits = traits;
            p.aux = aux;
            p.data.contact.email.main = email;
            let text = serde_json::to_string(&p).unwrap();
            let back: Profile = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, p);
        }

        #[test]
        fn event_round_trips(props in json_map(), ctx in json_map(), tags in prop::collection::vec("[a-z]{1,4}", 0..3)) {
            let mut e = Event::new("e".into(), "x".into(), "s", now());
            e.properties = props;
            e.context = ctx;
            e.tags = Tags::from_values(tags);
            let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            prop_assert_eq!(back, e);
        }

        #[test]
        fn session_round_trips(props in json_map()) {
            let mut s = Session::new("s".into(), Some("p"), now());
            s.properties = props;
            let back: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
            prop_assert_eq!(back, s);
        }
    }
}
