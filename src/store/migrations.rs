//! Versioned schema migrations that rewrite stored records, for every backend.
//!
//! A step takes the store from `version - 1` to `version`. It works through the
//! [`Store`] trait, page by page, and after every page records how far it got in the
//! store's metadata (`migration.<version>`) and makes that durable. A run that is
//! interrupted resumes after the last recorded page; a page redone after a crash is
//! rewritten to the same result, and the record counter is saved together with the
//! cursor, so every record is counted exactly once across runs.
//!
//! Before and after a run, [`fingerprint`] counts the records of every kind and checks
//! them: the identity checksum (which records exist) must not change at all, and the
//! content checksum must not change for kinds the steps do not rewrite.

use super::{Result, Store, StoreError, TimeRange, SCHEMA_VERSION};
use crate::domain::{Profile, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// Record kinds a step may rewrite, and that [`fingerprint`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Profiles,
    Sessions,
    Events,
    Config,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Profiles,
        RecordKind::Sessions,
        RecordKind::Events,
        RecordKind::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Profiles => "profiles",
            RecordKind::Sessions => "sessions",
            RecordKind::Events => "events",
            RecordKind::Config => "config",
        }
    }
}

/// One migration step.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The schema version the step produces.
    pub version: u32,
    pub name: &'static str,
    pub description: &'static str,
    /// The kind of record it rewrites.
    pub rewrites: RecordKind,
    /// Rewrites one record in place; true when it changed.
    apply: fn(&mut Profile) -> bool,
}

/// Every step, in version order. Version 1 is the first released format and has no step.
pub const STEPS: &[Step] = &[Step {
    version: 2,
    name: "profile-ids",
    description: "Every profile's `ids` holds its own id exactly once, with no empty or \
        repeated entries, and its alias index is rebuilt. Lookups by alias, merging and \
        `profile@ids` in conditions rely on this; profiles written by version-1 builds \
        or copied in from other tools may break it.",
    rewrites: RecordKind::Profiles,
    apply: profile_ids,
}];

fn profile_ids(p: &mut Profile) -> bool {
    let before = p.ids.clone();
    p.normalize_ids();
    p.ids != before
}

/// The steps that take a store at `from` to this binary's version.
pub fn plan(from: u32) -> Vec<&'static Step> {
    STEPS
        .iter()
        .filter(|s| s.version > from && s.version <= SCHEMA_VERSION)
        .collect()
}

/// Where an interrupted step stopped, kept in the store's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Checkpoint {
    /// Index into the sorted scopes of the store.
    pub scope: usize,
    /// The last record id done in that scope.
    pub after: Option<String>,
    /// Records examined so far, over every scope.
    pub examined: u64,
    /// Records rewritten so far.
    pub changed: u64,
}

pub fn checkpoint_key(step: &Step) -> String {
    format!("migration.{}", step.version)
}

/// The saved checkpoint of a step, if a run of it was interrupted.
pub async fn checkpoint(store: &dyn Store, step: &Step) -> Result<Option<Checkpoint>> {
    match store.meta(&checkpoint_key(step)).await? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                kind: "migration checkpoint",
                id: checkpoint_key(step),
                reason: e.to_string(),
            }),
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub batch: usize,
    /// Scan and count what would change, write nothing.
    pub dry_run: bool,
    /// Sleep after every page (lets tests interrupt a run part-way).
    pub pause: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    pub version: u32,
    pub examined: u64,
    pub changed: u64,
    /// Records already done by an earlier, interrupted run.
    pub resumed_at: Option<u64>,
}

/// Records a step will examine: the total its progress bar counts to.
pub async fn step_total(store: &dyn Store, step: &Step) -> Result<u64> {
    let mut total = 0;
    for scope in store.scopes().await? {
        let c = store.counts(&scope).await?;
        total += match step.rewrites {
            RecordKind::Profiles => c.profiles,
            RecordKind::Sessions => c.sessions,
            RecordKind::Events => c.events,
            RecordKind::Config => 0,
        };
    }
    Ok(total)
}

/// Runs one step (resuming a saved checkpoint) and, unless dry, records its version.
pub async fn run_step(
    store: &dyn Store,
    step: &Step,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<StepReport> {
    let key = checkpoint_key(step);
    let saved = if options.dry_run {
        None
    } else {
        checkpoint(store, step).await?
    };
    let resumed_at = saved.as_ref().map(|c| c.examined);
    let mut at = saved.unwrap_or_default();
    if at.examined > 0 {
        progress(at.examined);
    }
    let scopes = store.scopes().await?;
    let batch = options.batch.max(1);
    while at.scope < scopes.len() {
        let scope = &scopes[at.scope];
        let page = store
            .list_profiles(scope, at.after.as_deref(), batch)
            .await?;
        let mut changed = 0;
        for mut p in page.items.iter().cloned() {
            if (step.apply)(&mut p) {
                changed += 1;
                if !options.dry_run {
                    store.put_profile(scope, &p).await?;
                }
            }
        }
        at.examined += page.items.len() as u64;
        at.changed += changed;
        match (&page.next, page.items.last()) {
            (Some(_), Some(last)) => at.after = Some(last.id.clone()),
            _ => {
                at.scope += 1;
                at.after = None;
            }
        }
        if !options.dry_run {
            let text = serde_json::to_string(&at).map_err(|e| StoreError::Encode {
                kind: "migration checkpoint",
                id: key.clone(),
                reason: e.to_string(),
            })?;
            // The page's writes precede the checkpoint in the store's log, so a durable
            // checkpoint implies durable writes.
            store.set_meta(&key, &text).await?;
            store.durable().await?;
        }
        progress(page.items.len() as u64);
        if let Some(pause) = options.pause {
            tokio::time::sleep(pause).await;
        }
    }
    if !options.dry_run {
        store.set_schema_version(step.version).await?;
        store.set_meta(&key, "").await?;
        store.durable().await?;
    }
    Ok(StepReport {
        version: step.version,
        examined: at.examined,
        changed: at.changed,
        resumed_at,
    })
}

/// Counts and checksums of one record kind over every scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KindSum {
    pub count: u64,
    /// Order-independent checksum of the scopes and ids of the records.
    pub ids: u64,
    /// Order-independent checksum of the records' full content.
    pub content: u64,
}

/// What a store holds, per kind, to compare before and after a migration or a restore.
pub type Fingerprint = BTreeMap<RecordKind, KindSum>;

fn digest(parts: &[&[u8]]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let out = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&out[..8]);
    u64::from_le_bytes(b)
}

/// A fingerprint with every kind at zero.
pub fn empty_fingerprint() -> Fingerprint {
    RecordKind::ALL
        .iter()
        .map(|k| (*k, KindSum::default()))
        .collect()
}

/// Adds one record, as [`fingerprint`] does: configuration ids are `<kind>/<id>`, bodies
/// the record's JSON encoding.
pub fn add_record(fp: &mut Fingerprint, kind: RecordKind, scope: &Scope, id: &str, body: &[u8]) {
    if let Some(sum) = fp.get_mut(&kind) {
        add(sum, scope, id, body);
    }
}

fn add(sum: &mut KindSum, scope: &Scope, id: &str, body: &[u8]) {
    let s = scope.to_string();
    sum.count += 1;
    sum.ids = sum.ids.wrapping_add(digest(&[s.as_bytes(), id.as_bytes()]));
    sum.content = sum
        .content
        .wrapping_add(digest(&[s.as_bytes(), id.as_bytes(), body]));
}

fn body<T: Serialize>(kind: &'static str, id: &str, v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| StoreError::Encode {
        kind,
        id: id.to_string(),
        reason: e.to_string(),
    })
}

/// Reads every record of every scope and sums them per kind.
pub async fn fingerprint(
    store: &dyn Store,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Fingerprint> {
    const PAGE: usize = 500;
    let mut out = empty_fingerprint();
    for scope in store.scopes().await? {
        let mut cursor: Option<String> = None;
        loop {
            let page = store.list_profiles(&scope, cursor.as_deref(), PAGE).await?;
            if let Some(sum) = out.get_mut(&RecordKind::Profiles) {
                for p in &page.items {
                    add(sum, &scope, &p.id, &body("profile", &p.id, p)?);
                }
            }
            progress(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        cursor = None;
        loop {
            let page = store.list_sessions(&scope, cursor.as_deref(), PAGE).await?;
            if let Some(sum) = out.get_mut(&RecordKind::Sessions) {
                for s in &page.items {
                    add(sum, &scope, &s.id, &body("session", &s.id, s)?);
                }
            }
            progress(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        cursor = None;
        loop {
            let page = store
                .events_by_time(&scope, TimeRange::default(), cursor.as_deref(), PAGE)
                .await?;
            if let Some(sum) = out.get_mut(&RecordKind::Events) {
                for e in &page.items {
                    add(sum, &scope, &e.id, &body("event", &e.id, e)?);
                }
            }
            progress(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        for kind in store.config_kinds(&scope).await? {
            let docs = store.list_config_keyed(&scope, &kind).await?;
            if let Some(sum) = out.get_mut(&RecordKind::Config) {
                for (id, doc) in &docs {
                    let key = format!("{kind}/{id}");
                    add(sum, &scope, &key, &body("configuration", &key, doc)?);
                }
            }
            progress(docs.len() as u64);
        }
    }
    Ok(out)
}

/// The differences between two fingerprints that a migration must not cause: a
/// changed count or identity checksum, or changed content of a kind no step rewrote.
pub fn compare(before: &Fingerprint, after: &Fingerprint, rewritten: &[RecordKind]) -> Vec<String> {
    let mut problems = Vec::new();
    for kind in RecordKind::ALL {
        let b = before.get(&kind).copied().unwrap_or_default();
        let a = after.get(&kind).copied().unwrap_or_default();
        if b.count != a.count {
            problems.push(format!(
                "{}: {} records before, {} after",
                kind.as_str(),
                b.count,
                a.count
            ));
        } else if b.ids != a.ids {
            problems.push(format!("{}: the set of record ids changed", kind.as_str()));
        } else if !rewritten.contains(&kind) && b.content != a.content {
            problems.push(format!(
                "{}: content changed though no step rewrites it",
                kind.as_str()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lists_pending_steps_in_order() {
        assert_eq!(plan(SCHEMA_VERSION).len(), 0);
        let all = plan(1);
        assert_eq!(all.len() as u32, SCHEMA_VERSION - 1);
        assert!(all.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn profile_ids_step_is_idempotent() {
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let mut p = Profile::new("p1".into(), t);
        p.ids = vec!["".into(), "k1".into(), "k1".into()];
        assert!(profile_ids(&mut p));
        assert_eq!(p.ids, vec!["p1", "k1"]);
        assert!(!profile_ids(&mut p));
    }
}
