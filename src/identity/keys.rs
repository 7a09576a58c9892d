//! Merge keys (TRACKING.md §6): salted, hashed ids derived from identifying fields.

use crate::domain::Profile;
use serde_json::Value;

/// Profile fields that identify a person, with the prefix of their hashed id.
pub const MERGE_KEY_FIELDS: &[(&str, &str)] = &[
    ("data.contact.email.main", "emm-"),
    ("data.contact.email.business", "emb-"),
    ("data.contact.email.private", "emp-"),
    ("data.contact.phone.main", "phm-"),
    ("data.contact.phone.business", "phb-"),
    ("data.contact.phone.mobile", "pho-"),
    ("data.contact.phone.whatsapp", "pwa-"),
    ("data.identifier.id", "iid-"),
    ("data.identifier.pk", "ipk-"),
];

/// The shortest salt accepted.
pub const MIN_SALT_LEN: usize = 20;

/// Values that never make a merge key, whatever field they are in.
pub const DEFAULT_BLOCKED: &[&str] = &[
    "",
    "null",
    "none",
    "undefined",
    "anonymous",
    "0",
    "-1",
    "nan",
    "n/a",
];

/// The prefix of a merge-key field, if it is one.
pub fn prefix_of(field: &str) -> Option<&'static str> {
    MERGE_KEY_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, p)| *p)
}

/// True when an id is a merge key (has one of the prefixes).
pub fn is_merge_key(id: &str) -> bool {
    MERGE_KEY_FIELDS.iter().any(|(_, p)| id.starts_with(p))
}

/// Normalised value: trimmed, lower-cased.
pub fn normalize(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Whether a (normalised) value is blocked from merging.
pub fn is_blocked(value: &str, extra: &[String]) -> bool {
    let v = normalize(value);
    if DEFAULT_BLOCKED.contains(&v.as_str()) || extra.iter().any(|b| normalize(b) == v) {
        return true;
    }
    // All-zero strings (0000, 00-00-00) identify nobody.
    let significant: Vec<char> = v.chars().filter(|c| c.is_alphanumeric()).collect();
    significant.is_empty() || significant.iter().all(|c| *c == '0')
}

/// `<prefix>` + the md5 of `<salt>-<value>` formatted as a UUID.
pub fn hashed_id(prefix: &str, salt: &str, value: &str) -> String {
    let digest = md5::compute(format!("{salt}-{}", normalize(value)));
    let h = format!("{digest:x}");
    format!(
        "{prefix}{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The value of one of [`MERGE_KEY_FIELDS`] in a profile, read from the typed fields
/// (no serialisation: this runs on every profile write).
fn key_field_value<'a>(profile: &'a Profile, field: &str) -> Option<&'a str> {
    let contact = &profile.data.contact;
    let identifier = &profile.data.identifier;
    let v = match field {
        "data.contact.email.main" => &contact.email.main,
        "data.contact.email.business" => &contact.email.business,
        "data.contact.email.private" => &contact.email.private,
        "data.contact.phone.main" => &contact.phone.main,
        "data.contact.phone.business" => &contact.phone.business,
        "data.contact.phone.mobile" => &contact.phone.mobile,
        "data.contact.phone.whatsapp" => &contact.phone.whatsapp,
        "data.identifier.id" => &identifier.id,
        "data.identifier.pk" => &identifier.pk,
        _ => return None,
    };
    v.as_deref()
}

/// Settings that decide which values become keys.
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    pub salt: String,
    pub blocked: Vec<String>,
}

impl KeyPolicy {
    /// The merge key of a field's value, unless the value is blocked.
    pub fn key_for(&self, field: &str, value: &str) -> Option<String> {
        let prefix = prefix_of(field)?;
        (!is_blocked(value, &self.blocked)).then(|| hashed_id(prefix, &self.salt, value))
    }

    /// The merge keys a profile's fields give now, by field.
    pub fn keys_of(&self, profile: &Profile) -> Vec<(&'static str, String)> {
        MERGE_KEY_FIELDS
            .iter()
            .filter_map(|(field, _)| {
                let text = key_field_value(profile, field)?;
                self.key_for(field, text).map(|k| (*field, k))
            })
            .collect()
    }

    /// Brings `profile.ids` in line with its key fields. A key the profile computed
    /// before for a field whose value changed is replaced; keys it received by merging
    /// stay. The fields whose key is new are returned and recorded in
    /// `metadata.system.aux.auto_merge` (the profile is marked for merging).
    pub fn refresh(&self, profile: &mut Profile) -> Vec<String> {
        let current = self.keys_of(profile);
        let mut recorded: serde_json::Map<String, Value> = profile
            .metadata
            .system
            .aux
            .extra
            .get("merge_keys")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut changed = Vec::new();
        for (field, _) in MERGE_KEY_FIELDS {
            let now = current
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, k)| k.clone());
            let before = recorded
                .get(*field)
                .and_then(Value::as_str)
                .map(str::to_string);
            if now == before {
                continue;
            }
            if let Some(old) = &before {
                profile.ids.retain(|i| i != old);
            }
            match &now {
                Some(k) => {
                    if !profile.ids.contains(k) {
                        profile.ids.push(k.clone());
                    }
                    recorded.insert(field.to_string(), Value::String(k.clone()));
                    changed.push(field.to_string());
                }
                None => {
                    recorded.remove(*field);
                }
            }
        }
        if !changed.is_empty() || recorded.len() != current.len() {
            profile
                .metadata
                .system
                .aux
                .extra
                .insert("merge_keys".into(), Value::Object(recorded));
        }
        for f in &changed {
            if !profile.metadata.system.aux.auto_merge.contains(f) {
                profile.metadata.system.aux.auto_merge.push(f.clone());
            }
        }
        profile.normalize_ids();
        changed
    }
}

impl KeyPolicy {
    /// After a merge: records the keys the merged fields give as the profile's own and
    /// makes sure `ids` holds them, removing nothing (every merged key keeps resolving).
    pub fn adopt(&self, profile: &mut Profile) {
        let current = self.keys_of(profile);
        let mut recorded = serde_json::Map::new();
        for (field, key) in current {
            if !profile.ids.contains(&key) {
                profile.ids.push(key.clone());
            }
            recorded.insert(field.to_string(), Value::String(key));
        }
        profile
            .metadata
            .system
            .aux
            .extra
            .insert("merge_keys".into(), Value::Object(recorded));
        profile.metadata.system.aux.auto_merge.clear();
        profile.normalize_ids();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> KeyPolicy {
        KeyPolicy {
            salt: "a-salt-of-at-least-20-chars".into(),
            blocked: vec!["test@example.com".into()],
        }
    }

    #[test]
    fn hashed_ids_are_uuid_shaped_and_normalised() {
        let a = hashed_id("emm-", "salt", " Ada@Example.COM ");
        let b = hashed_id("emm-", "salt", "ada@example.com");
        assert_eq!(a, b);
        assert!(a.starts_with("emm-"));
        assert_eq!(a.len(), 4 + 36);
        assert_eq!(a.matches('-').count(), 5);
        assert_ne!(a, hashed_id("emm-", "other salt", "ada@example.com"));
        // md5("salt-ada@example.com"), formatted as a UUID.
        let digest = format!("{:x}", md5::compute("salt-ada@example.com"));
        assert_eq!(a.replace('-', "")[3..], digest[..]);
    }

    #[test]
    fn every_key_field_is_read_from_its_path() {
        let p = policy();
        for (field, prefix) in MERGE_KEY_FIELDS {
            let mut doc =
                serde_json::to_value(Profile::new("p1".into(), chrono::Utc::now())).unwrap();
            let mut cur = &mut doc;
            for part in field.split('.') {
                cur = &mut cur[part];
            }
            *cur = Value::String("someone@example.org".into());
            let prof: Profile = serde_json::from_value(doc).unwrap();
            let keys = p.keys_of(&prof);
            assert_eq!(keys.len(), 1, "{field}");
            assert_eq!(keys[0].0, *field);
            assert!(keys[0].1.starts_with(prefix), "{field}");
        }
    }

    #[test]
    fn blocked_values_make_no_key() {
        let p = policy();
        for v in [
            "",
            "  ",
            "null",
            "Undefined",
            "anonymous",
            "0",
            "-1",
            "0000",
            "00-00",
            "test@example.com",
        ] {
            assert!(p.key_for("data.contact.email.main", v).is_none(), "{v:?}");
        }
        assert!(p.key_for("data.contact.email.main", "a@b.c").is_some());
        assert!(
            p.key_for("traits.email", "a@b.c").is_none(),
            "not a key field"
        );
    }

    #[test]
    fn refresh_adds_replaces_and_marks() {
        let p = policy();
        let mut prof = Profile::new("p1".into(), chrono::Utc::now());
        assert!(p.refresh(&mut prof).is_empty());
        prof.data.contact.email.main = Some("ada@example.com".into());
        prof.data.identifier.id = Some("CRM-1".into());
        let changed = p.refresh(&mut prof);
        assert_eq!(changed, ["data.contact.email.main", "data.identifier.id"]);
        let email_key = p
            .key_for("data.contact.email.main", "ada@example.com")
            .unwrap();
        assert!(prof.ids.contains(&email_key));
        assert_eq!(prof.metadata.system.aux.auto_merge.len(), 2);
        // Unchanged: nothing new.
        assert!(p.refresh(&mut prof).is_empty());
        // A key received by merging stays; the profile's own old key is replaced.
        prof.ids.push("emm-from-a-merge".into());
        prof.data.contact.email.main = Some("ada@new.example".into());
        assert_eq!(p.refresh(&mut prof), ["data.contact.email.main"]);
        assert!(!prof.ids.contains(&email_key));
        assert!(prof.ids.contains(&"emm-from-a-merge".to_string()));
        assert!(prof.ids.contains(&prof.id.clone()));
    }
}
