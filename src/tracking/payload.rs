//! The TrackerPayload that trackers post to `/track` (TRACKING.md §2).

use crate::domain::Map;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Treats an explicit `null` like an absent field.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct TrackerPayload {
    pub source: SourceRef,
    #[serde(default)]
    pub session: Option<OptionalId>,
    #[serde(default)]
    pub profile: Option<OptionalId>,
    #[serde(default, deserialize_with = "null_default")]
    pub context: Map,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: Map,
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<EventPayload>,
    #[serde(default, deserialize_with = "null_default")]
    pub options: TrackOptions,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SourceRef {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct OptionalId {
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct EventPayload {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: Map,
    #[serde(default, deserialize_with = "null_default")]
    pub options: Map,
    #[serde(default, deserialize_with = "null_default")]
    pub context: Map,
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TrackOptions {
    #[serde(default = "yes")]
    pub save_session: bool,
    #[serde(default = "yes")]
    pub save_events: bool,
    #[serde(default = "yes")]
    pub save_profile: bool,
    #[serde(default)]
    pub debugger: bool,
}

/// The properties of a body that is not JSON (a webhook's, a raw bridge message's): text
/// as it came, under `raw`; bytes that are not UTF-8 exactly, as base64 under
/// `raw_base64` (never U+FFFD in place of what could not be read).
pub fn raw_properties(body: &[u8]) -> Map {
    use base64::Engine as _;
    let mut m = Map::new();
    match std::str::from_utf8(body) {
        Ok(text) => m.insert("raw".into(), Value::String(text.to_string())),
        Err(_) => m.insert(
            "raw_base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
        ),
    };
    m
}

fn yes() -> bool {
    true
}

impl Default for TrackOptions {
    fn default() -> Self {
        Self {
            save_session: true,
            save_events: true,
            save_profile: true,
            debugger: false,
        }
    }
}

/// A payload that failed validation: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PayloadError {
    pub field: String,
    pub message: String,
}

impl TrackerPayload {
    /// Parses and validates a JSON body; the error names the offending field.
    pub fn from_json(body: &[u8]) -> Result<Self, PayloadError> {
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(_) => {
                return Err(PayloadError {
                    field: "body".into(),
                    message: "expected a JSON object (a TrackerPayload)".into(),
                })
            }
            None => {
                return Err(PayloadError {
                    field: "body".into(),
                    message: "empty body; expected a JSON object (a TrackerPayload)".into(),
                })
            }
        }
        if let Some(why) = crate::domain::nesting::refused(body) {
            return Err(PayloadError {
                field: "body".into(),
                message: why,
            });
        }
        // The plain parse is the common case. serde_path_to_error records the path of
        // every key it passes (an allocation each), so it runs again only to name the
        // field of a body that failed.
        let de = &mut serde_json::Deserializer::from_slice(body);
        let mut payload = match TrackerPayload::deserialize(&mut *de) {
            Ok(payload) => payload,
            Err(plain) => return Err(Self::explain(body, plain)),
        };
        // Whitespace may follow the object; anything else makes the body invalid JSON.
        de.end().map_err(|e| PayloadError {
            field: "body".into(),
            message: format!("unexpected data after the JSON object: {e}"),
        })?;
        payload.normalize()?;
        Ok(payload)
    }

    /// The error of a body that did not parse, with the path of the offending field.
    fn explain(body: &[u8], plain: serde_json::Error) -> PayloadError {
        let de = &mut serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, TrackerPayload>(de) {
            Err(e) => {
                let path = e.path().to_string();
                PayloadError {
                    // `?`: the parser stopped before it knew which key it was in.
                    field: if path == "." || path == "?" {
                        "body".into()
                    } else {
                        path
                    },
                    message: e.inner().to_string(),
                }
            }
            // Not expected: both parses read the same bytes the same way.
            Ok(_) => PayloadError {
                field: "body".into(),
                message: plain.to_string(),
            },
        }
    }

    /// Trims ids, drops empty ones and checks required fields.
    pub fn normalize(&mut self) -> Result<(), PayloadError> {
        self.source.id = self.source.id.trim().to_string();
        if self.source.id.is_empty() {
            return Err(PayloadError {
                field: "source.id".into(),
                message: "must not be empty".into(),
            });
        }
        for r in [&mut self.session, &mut self.profile].into_iter().flatten() {
            r.id =
                r.id.take()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty());
        }
        for (i, e) in self.events.iter_mut().enumerate() {
            e.id =
                e.id.take()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty());
            if e.event_type.trim().is_empty() {
                return Err(PayloadError {
                    field: format!("events[{i}].type"),
                    message: "must not be empty".into(),
                });
            }
        }
        Ok(())
    }

    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().and_then(|s| s.id.as_deref())
    }

    pub fn profile_id(&self) -> Option<&str> {
        self.profile.as_ref().and_then(|s| s.id.as_deref())
    }
}

/// Reads `a.b.c` from a JSON object.
pub fn get_path<'a>(root: &'a Map, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur = root.get(first)?;
    for p in parts {
        cur = match cur {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_payload() {
        let p = TrackerPayload::from_json(br#"{"source":{"id":" abc "}}"#).unwrap();
        assert_eq!(p.source.id, "abc");
        assert!(p.events.is_empty());
        assert!(p.options.save_session);
    }

    #[test]
    fn errors_name_the_field() {
        let e = TrackerPayload::from_json(br#"{"events":[]}"#).unwrap_err();
        assert!(e.message.contains("source"), "{e}");
        let e = TrackerPayload::from_json(br#"{"source":{"id":"a"},"events":[{"type":" "}]}"#)
            .unwrap_err();
        assert_eq!(e.field, "events[0].type");
        let e = TrackerPayload::from_json(
            br#"{"source":{"id":"a"},"events":[{"type":"x","properties":3}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "events[0].properties");
        let e = TrackerPayload::from_json(b"not json").unwrap_err();
        assert_eq!(e.field, "body");
    }

    #[test]
    fn only_whitespace_may_follow_the_object() {
        let body = br#"{"source":{"id":"a"},"events":[{"type":"x"}]}"#;
        assert!(TrackerPayload::from_json(&[&body[..], b" \n\t"].concat()).is_ok());
        for tail in [&b" {}"[..], b"x", b"]"] {
            let e = TrackerPayload::from_json(&[&body[..], tail].concat()).unwrap_err();
            assert_eq!(e.field, "body");
            assert!(e.message.contains("after the JSON object"), "{}", e.message);
        }
    }

    #[test]
    fn a_field_is_named_only_when_the_parser_knows_it() {
        for body in [
            &br#"{"source":{"id":"a"},"#[..],
            br#"{"source""#,
            b"{\"a\":1,",
        ] {
            let e = TrackerPayload::from_json(body).unwrap_err();
            assert_ne!(e.field, "?", "{}", String::from_utf8_lossy(body));
        }
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(70), "]".repeat(70));
        let e = TrackerPayload::from_json(deep.as_bytes()).unwrap_err();
        assert_eq!(e.field, "body");
    }

    #[test]
    fn nulls_and_unknown_fields_are_tolerated() {
        let p = TrackerPayload::from_json(
            br#"{"source":{"id":"a"},"session":{"id":null},"profile":null,"context":null,"whatever":1,
                "events":[{"type":"Page View","properties":null,"extra":true}]}"#,
        )
        .unwrap();
        assert_eq!(p.session_id(), None);
        assert_eq!(p.events[0].event_type, "Page View");
    }
}
