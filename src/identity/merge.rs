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

use crate::domain::{Map, Profile};
use chrono::{DateTime, Utc};
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

fn numbers(cands: &[Cand]) -> Option<Vec<f64>> {
    cands.iter().map(|c| c.value.as_f64()).collect()
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

fn merge_at(path: &str, cands: &[Cand], opts: &MergeOptions) -> Value {
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
    let all_ints = present.iter().all(|c| c.value.is_i64() || c.value.is_u64());
    if let Some(strategy) = opts.strategy_for(path) {
        return match strategy {
            Strategy::Newest => newest(&present),
            Strategy::Oldest => oldest(&present),
            Strategy::First => present[0].value.clone(),
            Strategy::Min => numbers(&present)
                .map(|n| number(n.into_iter().fold(f64::INFINITY, f64::min), all_ints))
                .unwrap_or_else(|| newest(&present)),
            Strategy::Max => numbers(&present)
                .map(|n| number(n.into_iter().fold(f64::NEG_INFINITY, f64::max), all_ints))
                .unwrap_or_else(|| newest(&present)),
            Strategy::Sum => numbers(&present)
                .map(|n| number(n.into_iter().sum(), all_ints))
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
            out.insert(k.clone(), merge_at(&child_path, &children, opts));
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
    merge_at(path, &cands, opts)
}

fn as_map(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
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
        });
    }

    out.traits = as_map(merge_section(
        "traits",
        &parts,
        |p| Value::Object(p.traits.clone()),
        opts,
    ));
    out.aux = as_map(merge_section(
        "aux",
        &parts,
        |p| Value::Object(p.aux.clone()),
        opts,
    ));
    out.extra = as_map(merge_section(
        "",
        &parts,
        |p| Value::Object(p.extra.clone()),
        opts,
    ));
    let data = merge_section(
        "data",
        &parts,
        |p| serde_json::to_value(&p.data).unwrap_or(Value::Null),
        opts,
    );
    out.data = serde_json::from_value(data).map_err(|e| MergeError::Shape {
        field: "data".into(),
        reason: e.to_string(),
    })?;

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
    })
}
