//! Plain data types with Tracardi's field names (TRACKING.md §5).
//!
//! Field names are a contract: users' dot paths (`profile@data.contact.email.main`)
//! depend on them. Free-form parts (`traits`, `properties`, `context`, `aux`, …) are
//! JSON maps so that whatever users put there is kept.

mod event;
mod profile;
mod scope;
mod session;
mod source;

pub use event::*;
pub use profile::*;
pub use scope::*;
pub use session::*;
pub use source::*;

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

/// A new random identifier in UUID form.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
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
