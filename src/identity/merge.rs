//! Merge semantics: one function that every path (APM, the workflow node, the operator)
//! uses to fuse profiles into one.
//!
//! The survivor keeps its id; `ids` become the union; `traits`, `data`, `aux` and unknown
//! fields are deep-merged field by field (default: objects merge recursively, lists are
//! unioned without duplicates, anything else takes the newest non-null value — so a
//! string never becomes a list and a missing value never erases a present one); stats,
//! counters and interests are summed; visit counts are summed once; segments unioned;
//! consents take the newest decision. Field times come from `metadata.fields[path]` when
//! recorded, else from the profile's last update.

use crate::domain::{Map, Profile, ProfileData};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Newest,
    Oldest,
    Min,
    Max,
    Sum,
    First,
    Union,
}

/// Per-field strategies: `(pattern, strategy)`, the first matching pattern wins. A
/// pattern is a dot path where `*` stands for any run of characters (`traits.*_score`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MergeOptions {
    #[serde(default)]
    pub strategies: Vec<(String, Strategy)>,
}

impl MergeOptions {
    fn strategy_for(&self, path: &str) -> Option<Strategy> {
        self.strategies
            .iter()
            .find(|(pattern, _)| glob(pattern, path))
            .map(|(_, s)| *s)
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("a merge needs at least two profiles, got {0}")]
    TooFew(usize),
    #[error("the survivor `{0}` is not among the profiles to merge")]
    UnknownSurvivor(String),
    #[error("merged `{field}` does not fit the profile model: {reason}")]
    Shape { field: String, reason: String },
}

/// The result of a merge: the survivor as it should be stored, and who was merged away.
#[derive(Debug, Clone)]
pub struct Merged {
    pub survivor: Profile,
    pub merged_ids: Vec<String>,
    /// What the merge had to leave out, for the journal (a value a `sum` could not add).
    pub notes: Vec<String>,
}

/// The profile that survives by default: the oldest (then the smallest id).
pub fn default_survivor(profiles: &[Profile]) -> Option<&Profile> {
    profiles.iter().min_by(|a, b| {
        a.metadata
            .time
            .insert
            .cmp(&b.metadata.time.insert)
            .then_with(|| a.id.cmp(&b.id))
    })
}

fn profile_time(p: &Profile) -> DateTime<Utc> {
    p.metadata
        .time
        .update
        .or(p.metadata.time.create)
        .unwrap_or(p.metadata.time.insert)
}

/// The recorded update time of a field: `metadata.fields[path]` as a datetime string or
/// a list whose first element is one.
fn field_time(p: &Profile, path: &str) -> Option<DateTime<Utc>> {
    let v = p.metadata.fields.get(path)?;
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Array(a) => a.first()?.as_str()?,
        _ => return None,
    };
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Records that a field changed now, for merges to compare field times.
pub fn touch_field(profile: &mut Profile, path: &str, now: DateTime<Utc>) {
    profile
        .metadata
        .fields
        .insert(path.to_string(), Value::String(now.to_rfc3339()));
}

#[derive(Clone, Copy)]
struct Cand<'a> {
    value: &'a Value,
    time: DateTime<Utc>,
    profile: &'a Profile,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn union_lists(cands: &[Cand]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for c in cands {
        if let Value::Array(items) = c.value {
            for item in items {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
        }
    }
    Value::Array(out)
}

fn newest(cands: &[Cand]) -> Value {
    // Ties go to the earlier candidate (the survivor comes first).
    let mut best = cands[0];
    for c in &cands[1..] {
        if c.time > best.time {
            best = *c;
        }
    }
    best.value.clone()
}

fn oldest(cands: &[Cand]) -> Value {
    let mut best = cands[0];
    for c in &cands[1..] {
        if c.time < best.time {
            best = *c;
        }
    }
    best.value.clone()
}

/// A value a numeric strategy can use: a number, or a string holding one (`"5"`, as
/// trackers often send amounts). With whether it is a whole number.
fn numeric(v: &Value) -> Option<(f64, bool)> {
    match v {
        Value::Number(n) => n.as_f64().map(|x| (x, n.is_i64() || n.is_u64())),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                return Some((i as f64, true));
            }
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| (x, false))
        }
        _ => None,
    }
}

/// The numbers among the candidates for `min`, `max` or `sum`, and whether all are whole.
/// A value that is no number is left out and noted; with no number at all, `None`.
fn numbers(
    path: &str,
    name: &str,
    cands: &[Cand],
    notes: &mut Vec<String>,
) -> Option<(Vec<f64>, bool)> {
    let mut out = Vec::new();
    let mut all_ints = true;
    let mut skipped = Vec::new();
    for c in cands {
        match numeric(c.value) {
            Some((x, int)) => {
                out.push(x);
                all_ints &= int;
            }
            None => skipped.push(c.value.to_string()),
        }
    }
    if out.is_empty() {
        return None;
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "`{path}` ({name}): left out {} (not a number)",
            skipped.join(", ")
        ));
    }
    Some((out, all_ints))
}

fn number(x: f64, all_ints: bool) -> Value {
    if all_ints && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Whether a list is anywhere in `v`.
fn holds_list(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(m) => m.values().any(holds_list),
        _ => false,
    }
}

fn merge_at(path: &str, cands: &[Cand], opts: &MergeOptions, notes: &mut Vec<String>) -> Value {
    let present: Vec<Cand> = cands
        .iter()
        .copied()
        .filter(|c| !c.value.is_null())
        .collect();
    if present.is_empty() {
        return Value::Null;
    }
    // Equal values merge into themselves when no strategy applies: newest or oldest pick
    // one of them, objects merge key by key into the same. Not with a list inside, which a
    // merge also rids of duplicates. The profile model's many empty sections end here.
    if opts.strategies.is_empty()
        && present[1..].iter().all(|c| c.value == present[0].value)
        && !holds_list(present[0].value)
    {
        return present[0].value.clone();
    }
    if let Some(strategy) = opts.strategy_for(path) {
        return match strategy {
            Strategy::Newest => newest(&present),
            Strategy::Oldest => oldest(&present),
            Strategy::First => present[0].value.clone(),
            Strategy::Min => numbers(path, "min", &present, notes)
                .map(|(n, ints)| number(n.into_iter().fold(f64::INFINITY, f64::min), ints))
                .unwrap_or_else(|| newest(&present)),
            Strategy::Max => numbers(path, "max", &present, notes)
                .map(|(n, ints)| number(n.into_iter().fold(f64::NEG_INFINITY, f64::max), ints))
                .unwrap_or_else(|| newest(&present)),
            Strategy::Sum => numbers(path, "sum", &present, notes)
                .map(|(n, ints)| number(n.into_iter().sum(), ints))
                .unwrap_or_else(|| newest(&present)),
            Strategy::Union => {
                if present.iter().all(|c| c.value.is_array()) {
                    union_lists(&present)
                } else {
                    newest(&present)
                }
            }
        };
    }
    if present.iter().all(|c| c.value.is_object()) {
        let mut keys: Vec<&String> = Vec::new();
        for c in &present {
            if let Value::Object(m) = c.value {
                for k in m.keys() {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
        }
        let mut out = Map::new();
        for k in keys {
            let child_path = join(path, k);
            let children: Vec<Cand> = present
                .iter()
                .filter_map(|c| {
                    let v = c.value.get(k.as_str())?;
                    Some(Cand {
                        value: v,
                        time: field_time(c.profile, &child_path).unwrap_or(c.time),
                        profile: c.profile,
                    })
                })
                .collect();
            out.insert(k.clone(), merge_at(&child_path, &children, opts, notes));
        }
        return Value::Object(out);
    }
    if present.iter().all(|c| c.value.is_array()) {
        return union_lists(&present);
    }
    newest(&present)
}

fn merge_section(
    path: &str,
    profiles: &[&Profile],
    get: impl Fn(&Profile) -> Value,
    opts: &MergeOptions,
    notes: &mut Vec<String>,
) -> Value {
    let values: Vec<Value> = profiles.iter().map(|p| get(p)).collect();
    let cands: Vec<Cand> = profiles
        .iter()
        .zip(values.iter())
        .map(|(p, v)| Cand {
            value: v,
            time: field_time(p, path).unwrap_or_else(|| profile_time(p)),
            profile: p,
        })
        .collect();
    merge_at(path, &cands, opts, notes)
}

/// One section of `data` (`data.<name>`) merged as JSON. A section at its default in
/// every profile stays at its default without the trip through JSON: whatever the
/// strategy, defaults merge into the default (nulls are skipped, empty lists union to
/// empty, zeros sum to zero).
fn data_section<T>(
    name: &str,
    parts: &[&Profile],
    get: impl Fn(&ProfileData) -> &T,
    opts: &MergeOptions,
    notes: &mut Vec<String>,
) -> Result<T, MergeError>
where
    T: Serialize + DeserializeOwned + Default + PartialEq,
{
    let default = T::default();
    if parts.iter().all(|p| *get(&p.data) == default) {
        return Ok(default);
    }
    let path = join("data", name);
    let values: Vec<Value> = parts
        .iter()
        .map(|p| serde_json::to_value(get(&p.data)).unwrap_or(Value::Null))
        .collect();
    let cands: Vec<Cand> = parts
        .iter()
        .zip(values.iter())
        .map(|(p, v)| Cand {
            value: v,
            time: field_time(p, &path)
                .or_else(|| field_time(p, "data"))
                .unwrap_or_else(|| profile_time(p)),
            profile: p,
        })
        .collect();
    serde_json::from_value(merge_at(&path, &cands, opts, notes)).map_err(|e| MergeError::Shape {
        field: path,
        reason: e.to_string(),
    })
}

/// `data`, merged as one JSON object would be (key by key, the field times of
/// `data.<key>` or else of `data`), a section at a time: most sections of most profiles
/// are empty. A strategy for the whole of `data` takes the one-object path.
fn merge_data(
    parts: &[&Profile],
    opts: &MergeOptions,
    notes: &mut Vec<String>,
) -> Result<ProfileData, MergeError> {
    if opts.strategy_for("data").is_some() {
        let data = merge_section(
            "data",
            parts,
            |p| serde_json::to_value(&p.data).unwrap_or(Value::Null),
            opts,
            notes,
        );
        return serde_json::from_value(data).map_err(|e| MergeError::Shape {
            field: "data".into(),
            reason: e.to_string(),
        });
    }
    // Unknown keys of `data` merge as the keys of one object at `data`.
    let extra = if parts.iter().all(|p| p.data.extra.is_empty()) {
        Map::new()
    } else {
        as_map(merge_section(
            "data",
            parts,
            |p| Value::Object(p.data.extra.clone()),
            opts,
            notes,
        ))
    };
    Ok(ProfileData {
        anonymous: data_section("anonymous", parts, |d| &d.anonymous, opts, notes)?,
        pii: data_section("pii", parts, |d| &d.pii, opts, notes)?,
        contact: data_section("contact", parts, |d| &d.contact, opts, notes)?,
        identifier: data_section("identifier", parts, |d| &d.identifier, opts, notes)?,
        devices: data_section("devices", parts, |d| &d.devices, opts, notes)?,
        media: data_section("media", parts, |d| &d.media, opts, notes)?,
        preferences: data_section("preferences", parts, |d| &d.preferences, opts, notes)?,
        job: data_section("job", parts, |d| &d.job, opts, notes)?,
        metrics: data_section("metrics", parts, |d| &d.metrics, opts, notes)?,
        loyalty: data_section("loyalty", parts, |d| &d.loyalty, opts, notes)?,
        extra,
    })
}

fn as_map(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Where a profile records how many profiles were merged into it over time (nested
/// merges included), so the `max_profiles_per_merge` guardrail counts them too.
const MERGED_PROFILES: &str = "merged_profiles";

/// How many profiles were merged into this one over time (0 when none, or when merged
/// before the count was kept).
pub fn merged_count(p: &Profile) -> u64 {
    p.metadata
        .system
        .aux
        .extra
        .get(MERGED_PROFILES)
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Sets [`merged_count`]; a count of 0 leaves no trace.
pub fn set_merged_count(p: &mut Profile, n: u64) {
    if n == 0 {
        p.metadata.system.aux.extra.remove(MERGED_PROFILES);
    } else {
        p.metadata
            .system
            .aux
            .extra
            .insert(MERGED_PROFILES.into(), Value::from(n));
    }
}

/// Merges profiles into one. `survivor` names the profile that keeps its id (default:
/// the oldest). Profiles whose id the survivor already holds in `ids` were absorbed by an
/// earlier, interrupted merge: their fields are not counted again.
pub fn merge_profiles(
    profiles: &[Profile],
    survivor: Option<&str>,
    opts: &MergeOptions,
    now: DateTime<Utc>,
) -> Result<Merged, MergeError> {
    if profiles.len() < 2 {
        return Err(MergeError::TooFew(profiles.len()));
    }
    let survivor = match survivor {
        Some(id) => profiles
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| MergeError::UnknownSurvivor(id.to_string()))?,
        None => default_survivor(profiles).ok_or(MergeError::TooFew(0))?,
    };
    let merged_ids: Vec<String> = profiles
        .iter()
        .filter(|p| p.id != survivor.id)
        .map(|p| p.id.clone())
        .collect();
    // The survivor first, then the others in the order given; absorbed ones left out.
    let mut parts: Vec<&Profile> = vec![survivor];
    parts.extend(
        profiles
            .iter()
            .filter(|p| p.id != survivor.id && !survivor.ids.contains(&p.id)),
    );

    let mut out = survivor.clone();
    // ids: the union, the survivor's own id first.
    let mut ids = vec![survivor.id.clone()];
    for p in profiles {
        for i in std::iter::once(&p.id).chain(p.ids.iter()) {
            if !ids.contains(i) {
                ids.push(i.clone());
            }
        }
    }
    out.ids = ids;
    if parts.len() == 1 {
        out.metadata.system.aux.auto_merge.clear();
        out.metadata.time.update = Some(now);
        return Ok(Merged {
            survivor: out,
            merged_ids,
            notes: Vec::new(),
        });
    }

    let mut notes = Vec::new();
    out.traits = as_map(merge_section(
        "traits",
        &parts,
        |p| Value::Object(p.traits.clone()),
        opts,
        &mut notes,
    ));
    out.aux = as_map(merge_section(
        "aux",
        &parts,
        |p| Value::Object(p.aux.clone()),
        opts,
        &mut notes,
    ));
    out.extra = as_map(merge_section(
        "",
        &parts,
        |p| Value::Object(p.extra.clone()),
        opts,
        &mut notes,
    ));
    out.data = merge_data(&parts, opts, &mut notes)?;

    // Stats, counters and interests add up.
    out.stats.visits = parts.iter().map(|p| p.stats.visits).sum();
    out.stats.views = parts.iter().map(|p| p.stats.views).sum();
    let mut counters: BTreeMap<String, f64> = BTreeMap::new();
    let mut interests: BTreeMap<String, f64> = BTreeMap::new();
    for p in &parts {
        for (k, v) in &p.stats.counters {
            *counters.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &p.interests {
            *interests.entry(k.clone()).or_default() += v;
        }
    }
    out.stats.counters = counters;
    out.interests = interests;

    // Times: first insert, latest visit; every visit counted once.
    let t = &mut out.metadata.time;
    t.insert = parts
        .iter()
        .map(|p| p.metadata.time.insert)
        .min()
        .unwrap_or(t.insert);
    t.create = parts.iter().filter_map(|p| p.metadata.time.create).min();
    t.update = Some(now);
    t.visit.count = parts.iter().map(|p| p.metadata.time.visit.count).sum();
    let latest = parts
        .iter()
        .filter(|p| p.metadata.time.visit.current.is_some())
        .max_by_key(|p| p.metadata.time.visit.current);
    if let Some(latest) = latest {
        t.visit.current = latest.metadata.time.visit.current;
        t.visit.tz = latest.metadata.time.visit.tz.clone().or(t.visit.tz.take());
        // The last visit before the current one, across all profiles.
        t.visit.last = parts
            .iter()
            .flat_map(|p| [p.metadata.time.visit.last, p.metadata.time.visit.current])
            .flatten()
            .filter(|d| Some(*d) != t.visit.current)
            .max();
    }

    // Field times: the latest of each.
    let mut fields = Map::new();
    for p in &parts {
        for (k, v) in &p.metadata.fields {
            let keep = match (fields.get(k), field_time(p, k)) {
                (None, _) => true,
                (Some(Value::String(s)), Some(new)) => DateTime::parse_from_rfc3339(s)
                    .map(|old| new > old.with_timezone(&Utc))
                    .unwrap_or(true),
                _ => false,
            };
            if keep {
                fields.insert(k.clone(), v.clone());
            }
        }
    }
    out.metadata.fields = fields;
    out.metadata.system.aux.auto_merge.clear();
    // Every profile merged in counts, with those merged into it before.
    let absorbed: u64 = parts[1..].iter().map(|p| 1 + merged_count(p)).sum();
    set_merged_count(&mut out, merged_count(survivor) + absorbed);

    // Segments: the union.
    let mut segments: Vec<String> = Vec::new();
    for p in &parts {
        for s in &p.segments {
            if !segments.contains(s) {
                segments.push(s.clone());
            }
        }
    }
    out.segments = segments;

    // Consents: the newest decision about each consent type.
    let mut consents = BTreeMap::new();
    let mut decided: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    for p in &parts {
        for (k, c) in &p.consents {
            let at = field_time(p, &format!("consents.{k}")).unwrap_or_else(|| profile_time(p));
            if decided.get(k).is_none_or(|d| at > *d) {
                decided.insert(k.clone(), at);
                consents.insert(k.clone(), c.clone());
            }
        }
    }
    out.consents = consents;
    out.active = parts.iter().any(|p| p.active);
    out.primary_id = parts.iter().find_map(|p| p.primary_id.clone());
    Ok(Merged {
        survivor: out,
        merged_ids,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + h * 3600, 0)
            .single()
            .unwrap_or_default()
    }

    /// `data` merged as one JSON object: what the sectioned merge must equal.
    fn whole(parts: &[&Profile], opts: &MergeOptions) -> ProfileData {
        let v = merge_section(
            "data",
            parts,
            |p| serde_json::to_value(&p.data).unwrap_or(Value::Null),
            opts,
            &mut Vec::new(),
        );
        serde_json::from_value(v).unwrap()
    }

    fn person(id: &str, updated: i64, data: Value, fields: Value) -> Profile {
        let mut p = Profile::new(id.into(), at(0));
        p.metadata.time.update = Some(at(updated));
        p.data = serde_json::from_value(data).unwrap();
        if let Value::Object(f) = fields {
            p.metadata.fields = f;
        }
        p
    }

    #[test]
    fn data_merged_by_section_equals_data_merged_as_one_object() {
        let a = person(
            "a",
            1,
            json!({"pii": {"firstname": "Ada", "language": {"spoken": ["pl", "en", "pl"]}},
                   "contact": {"email": {"main": "ada@example.com"}},
                   "metrics": {"ltv": 10.0, "ltcop": 2},
                   "preferences": {"colors": ["red", "red"]},
                   "favourite": {"fruit": "apple", "n": 1}}),
            json!({"data.contact": at(20).to_rfc3339()}),
        );
        let b = person(
            "b",
            9,
            json!({"pii": {"firstname": "Adele", "lastname": "L"},
                   "contact": {"email": {"main": "adele@example.com", "business": "b@x"}},
                   "metrics": {"ltv": 5.5},
                   "anonymous": true,
                   "favourite": {"fruit": "pear"}, "score": 3}),
            json!({"data.favourite": at(30).to_rfc3339(), "data": at(2).to_rfc3339()}),
        );
        let c = person("c", 4, json!({}), json!({}));
        let strategies = MergeOptions {
            strategies: vec![
                ("data.metrics.ltv".into(), Strategy::Sum),
                ("data.pii.*".into(), Strategy::Oldest),
                ("data.score".into(), Strategy::Max),
            ],
        };
        let whole_data = MergeOptions {
            strategies: vec![("data".into(), Strategy::Newest)],
        };
        for opts in [MergeOptions::default(), strategies, whole_data] {
            for parts in [
                vec![&a, &b],
                vec![&b, &a],
                vec![&a, &c],
                vec![&c, &b, &a],
                vec![&c, &c],
            ] {
                let got = merge_data(&parts, &opts, &mut Vec::new()).unwrap();
                assert_eq!(got, whole(&parts, &opts), "{opts:?}");
            }
        }
        // And the merge did merge: newest scalars, the later field time of a section,
        // lists rid of duplicates, unknown keys kept.
        let m = merge_data(&[&a, &b], &MergeOptions::default(), &mut Vec::new()).unwrap();
        assert_eq!(m.pii.firstname.as_deref(), Some("Adele"));
        assert_eq!(m.contact.email.main.as_deref(), Some("ada@example.com"));
        assert_eq!(m.contact.email.business.as_deref(), Some("b@x"));
        assert_eq!(m.pii.language.spoken, Some(json!(["pl", "en"])));
        assert_eq!(m.preferences.colors, vec![json!("red")]);
        assert_eq!(m.extra["favourite"], json!({"fruit": "pear", "n": 1}));
        assert_eq!(m.extra["score"], json!(3));
        assert_eq!(m.anonymous, Some(true));
    }
}
