//! Automatic profile merging: finds profiles that share a merge key and merges them
//! under the per-profile locks, journaling every merge so it can be explained and undone.

use super::keys::{is_merge_key, KeyPolicy, MERGE_KEY_FIELDS};
use super::merge::{merge_profiles, merged_count, MergeError, MergeOptions};
use crate::domain::{new_id, MergeAction, MergeRecord, MergeTrigger, Profile, Scope};
use crate::store::{SharedStore, StoreError};
use crate::tracking::locks::KeyedLocks;
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How merging behaves; from the `[identity]` configuration.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub policy: KeyPolicy,
    pub merge: MergeOptions,
    /// Above this many profiles nothing merges and a warning is journaled.
    pub max_profiles_per_merge: usize,
    /// Never merge profiles holding different `data.identifier.id` values.
    pub never_merge_different_identifier: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ApmError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error("no merge `{0}` in the journal")]
    UnknownMerge(String),
    #[error("merge `{0}` cannot be undone: {1}")]
    CannotUndo(String, String),
    #[error("no profile `{0}`")]
    UnknownProfile(String),
}

/// What one merge attempt did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MergeOutcome {
    /// Fewer than two distinct profiles: nothing to do.
    NothingToMerge,
    /// A guardrail stopped the merge (journaled unless a dry run).
    Skipped { reason: String },
    /// The merge that was done, or that a dry run would do.
    Merged {
        record: Box<MergeRecord>,
        dry_run: bool,
    },
}

/// Counts of one APM pass.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct PassStats {
    pub examined: u64,
    pub merges: u64,
    pub profiles_merged_away: u64,
    pub skipped: u64,
}

/// Why a profile is what it is.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub profile: Profile,
    /// Merge-key fields with their value's key, and whether the profile holds it.
    pub keys: Vec<ExplainedKey>,
    /// Other ids the profile answers to (merged-away profiles, keys from merges).
    pub other_ids: Vec<String>,
    pub merges: Vec<MergeRecord>,
    pub events: u64,
    pub sessions: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainedKey {
    pub field: String,
    pub key: String,
}

/// Cheap to clone: every field is shared.
#[derive(Clone)]
pub struct Apm {
    store: SharedStore,
    locks: Arc<KeyedLocks>,
    settings: Arc<IdentitySettings>,
}

/// Merges run at once in a pass: two per core, at most 16. A merge may hand part of its
/// work to blocking threads (moving a profile with many events) and wait for it; with
/// one lane per core the cores idled through every hand-off. On 2 cores and a million
/// profiles (session 5): 2 lanes 3,170-3,260 merges/s, 4 lanes 3,654-4,467, 8 lanes
/// 3,705-4,572; more lanes only crowd out the collector's requests.
fn apm_lanes() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_mul(2)
        .clamp(2, 16)
}

/// The prefix of a profile's key in [`crate::store::Store::lock`], as the tracker uses it.
const PROFILE_LOCK: &str = "profile:";

/// The locks of the profiles being merged: in-process and in the store.
struct Held<'a> {
    _local: Vec<tokio::sync::MutexGuard<'a, ()>>,
    _shared: crate::store::LockGuard,
}

impl Apm {
    pub fn new(
        store: SharedStore,
        locks: Arc<KeyedLocks>,
        settings: Arc<IdentitySettings>,
    ) -> Self {
        Self {
            store,
            locks,
            settings,
        }
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    /// The profiles sharing any merge key with the profile `id` (whose ids are
    /// `aliases`), itself included.
    async fn group_of(
        &self,
        scope: &Scope,
        id: &str,
        aliases: &[String],
    ) -> Result<(Vec<String>, Vec<String>), ApmError> {
        let mut ids = vec![id.to_string()];
        let mut keys = Vec::new();
        for key in aliases.iter().filter(|i| is_merge_key(i)) {
            for other in self.store.profile_ids_by_alias(scope, key).await? {
                if other != id {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                    if !ids.contains(&other) {
                        ids.push(other);
                    }
                }
            }
        }
        Ok((ids, keys))
    }

    /// One pass over the profiles marked for merging (at most `batch` of them).
    ///
    /// The marked profiles are dealt out to lanes that merge concurrently, one task per
    /// core: every merge takes the locks of its whole group, so lanes that meet on a
    /// profile take turns, and the later one finds the group already merged (the
    /// survivor answers to the merged ids) and has nothing left to do. The pass makes
    /// its merges durable together, at its end.
    pub async fn run_marked(&self, scope: &Scope, batch: usize) -> Result<PassStats, ApmError> {
        let marked = self.store.marked_for_merge(scope, batch).await?;
        if marked.is_empty() {
            return Ok(PassStats::default());
        }
        let lanes = apm_lanes().min(marked.len());
        let mut dealt: Vec<Vec<String>> = vec![Vec::new(); lanes];
        for (i, pid) in marked.into_iter().enumerate() {
            dealt[i % lanes].push(pid);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for pids in dealt {
            let (apm, scope) = (self.clone(), scope.clone());
            tasks.spawn(async move {
                let mut stats = PassStats::default();
                for pid in pids {
                    stats.examined += 1;
                    // A merge of the group has unmarked its profiles already.
                    if !apm.merge_from(&scope, &pid, &mut stats).await? {
                        apm.store.unmark_for_merge(&scope, &pid).await?;
                    }
                    // On sled a merge never waits, so a lane would hold its runtime
                    // thread for the whole pass: the collector's requests go first.
                    tokio::task::yield_now().await;
                }
                Ok::<_, ApmError>(stats)
            });
        }
        let mut stats = PassStats::default();
        let mut failed = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(lane)) => {
                    stats.examined += lane.examined;
                    stats.merges += lane.merges;
                    stats.profiles_merged_away += lane.profiles_merged_away;
                    stats.skipped += lane.skipped;
                }
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(e) => {
                    failed = failed.or(Some(ApmError::Store(StoreError::Io(format!(
                        "an APM lane failed: {e}"
                    )))))
                }
            }
        }
        // What the lanes did before a failure is kept, and durable like the rest.
        self.store.durable().await?;
        match failed {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }

    /// Merges the group of profile `pid`; true when that also took `pid` off the list of
    /// profiles marked for merging.
    async fn merge_from(
        &self,
        scope: &Scope,
        pid: &str,
        stats: &mut PassStats,
    ) -> Result<bool, ApmError> {
        // Only its ids: the merge reads the whole group again under the locks.
        let Some((id, aliases)) = self.store.profile_ids_of(scope, pid).await? else {
            return Ok(false);
        };
        let (group, keys) = self.group_of(scope, &id, &aliases).await?;
        if group.len() < 2 {
            self.clear_mark(scope, &id).await?;
            return Ok(false);
        }
        let trigger = MergeTrigger {
            kind: "key".into(),
            detail: keys.first().cloned().unwrap_or_default(),
            keys,
        };
        // The pass makes its merges durable together, at its end.
        match self
            .merge_group_pending(scope, &group, trigger, None, false)
            .await?
        {
            MergeOutcome::Merged { record, .. } => {
                stats.merges += 1;
                stats.profiles_merged_away += record.merged.len() as u64;
                Ok(id == pid && (record.survivor == id || record.merged.contains(&id)))
            }
            MergeOutcome::Skipped { .. } => {
                stats.skipped += 1;
                Ok(false)
            }
            MergeOutcome::NothingToMerge => Ok(false),
        }
    }

    /// Clears `auto_merge` on a profile that turned out to have no one to merge with.
    async fn clear_mark(&self, scope: &Scope, pid: &str) -> Result<(), ApmError> {
        let _g = self.locks.lock(pid).await;
        let _shared = self
            .store
            .lock(scope, &format!("{PROFILE_LOCK}{pid}"))
            .await?;
        if let Some(mut p) = self.store.profile(scope, pid).await? {
            if !p.metadata.system.aux.auto_merge.is_empty() {
                p.metadata.system.aux.auto_merge.clear();
                self.store.put_profile(scope, &p).await?;
            }
        }
        Ok(())
    }

    /// A full duplicate scan: every profile, grouped by shared merge keys.
    pub async fn scan(
        &self,
        scope: &Scope,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<PassStats, ApmError> {
        let mut stats = PassStats::default();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .list_profiles(scope, cursor.as_deref(), 1000)
                .await?;
            for p in &page.items {
                stats.examined += 1;
                if p.ids.iter().any(|i| is_merge_key(i)) {
                    self.merge_from(scope, &p.id, &mut stats).await?;
                }
            }
            // One sync per page for its merges; it also bounds the log held in memory.
            self.store.durable().await?;
            progress(stats.examined);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        self.store.durable().await?;
        Ok(stats)
    }

    /// Takes the locks of the named profiles: the in-process locks shared with the
    /// tracker, then the store's (advisory locks on PostgreSQL, so collectors and workers
    /// in other processes are excluded too), both in a fixed order.
    async fn lock_profiles(&self, scope: &Scope, ids: &[String]) -> Result<Held<'_>, ApmError> {
        let local = self.locks.lock_many(ids).await;
        let keys: Vec<String> = ids.iter().map(|i| format!("{PROFILE_LOCK}{i}")).collect();
        let shared = self.store.lock_many(scope, &keys).await?;
        Ok(Held {
            _local: local,
            _shared: shared,
        })
    }

    /// Locks the named profiles (ids or aliases) and loads them. An alias is resolved
    /// first and its profile's own id locked, as the tracker locks it; when a profile
    /// resolves elsewhere once locked (merged meanwhile), the locks are taken again.
    async fn lock_and_load(
        &self,
        scope: &Scope,
        ids: &[String],
    ) -> Result<(Held<'_>, Vec<Profile>), ApmError> {
        let mut names: Vec<String> = ids.to_vec();
        for id in ids {
            if let Some(p) = self.store.profile_id(scope, id).await? {
                names.push(p);
            }
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            names.sort();
            names.dedup();
            let held = self.lock_profiles(scope, &names).await?;
            let mut profiles: Vec<Profile> = Vec::new();
            for id in ids {
                if let Some(p) = self.store.profile(scope, id).await? {
                    if !profiles.iter().any(|q| q.id == p.id) {
                        profiles.push(p);
                    }
                }
            }
            let unlocked: Vec<String> = profiles
                .iter()
                .filter(|p| !names.contains(&p.id))
                .map(|p| p.id.clone())
                .collect();
            if unlocked.is_empty() || attempts >= 3 {
                return Ok((held, profiles));
            }
            drop(held);
            names.extend(unlocked);
        }
    }

    /// Merges the named profiles (ids or aliases) under their locks; returns once the
    /// merge is on disk.
    pub async fn merge_group(
        &self,
        scope: &Scope,
        ids: &[String],
        trigger: MergeTrigger,
        survivor: Option<&str>,
        dry_run: bool,
    ) -> Result<MergeOutcome, ApmError> {
        let outcome = self
            .merge_group_pending(scope, ids, trigger, survivor, dry_run)
            .await?;
        if !dry_run {
            self.store.durable().await?;
        }
        Ok(outcome)
    }

    /// [`Apm::merge_group`] without waiting for the disk: a pass syncs once for all
    /// its merges instead of once per merge.
    async fn merge_group_pending(
        &self,
        scope: &Scope,
        ids: &[String],
        trigger: MergeTrigger,
        survivor: Option<&str>,
        dry_run: bool,
    ) -> Result<MergeOutcome, ApmError> {
        let (_guards, profiles) = self.lock_and_load(scope, ids).await?;
        if profiles.len() < 2 {
            return Ok(MergeOutcome::NothingToMerge);
        }
        let now = Utc::now();
        let ids_of = |ps: &[Profile]| ps.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        let mut reason = None;
        // Profiles merged into these earlier count too: a shared identifier that
        // arrives one customer at a time stops merging at the same limit as a burst.
        let earlier: u64 = profiles.iter().map(merged_count).sum();
        let total = profiles.len() as u64 + earlier;
        if total > self.settings.max_profiles_per_merge as u64 {
            let counted = if earlier == 0 {
                String::new()
            } else {
                format!(
                    " ({} now, {earlier} merged into them earlier)",
                    profiles.len()
                )
            };
            reason = Some(format!(
                "{total} profiles share these keys{counted}, more than the limit of {}; nothing merged",
                self.settings.max_profiles_per_merge
            ));
        } else if self.settings.never_merge_different_identifier {
            let mut seen: Vec<String> = profiles
                .iter()
                .filter_map(|p| p.data.identifier.id.clone())
                .filter(|s| !s.trim().is_empty())
                .collect();
            seen.sort();
            seen.dedup();
            if seen.len() > 1 {
                reason = Some(format!(
                    "the profiles hold different data.identifier.id values ({}); nothing merged",
                    seen.join(", ")
                ));
            }
        }
        if let Some(reason) = reason {
            tracing::warn!(scope = %scope, profiles = ?ids_of(&profiles), %reason, "merge skipped");
            if !dry_run {
                let survivor_id = survivor
                    .map(str::to_string)
                    .unwrap_or_else(|| profiles[0].id.clone());
                let record = MergeRecord {
                    id: new_id(),
                    time: now,
                    action: MergeAction::Skipped,
                    trigger,
                    merged: ids_of(&profiles)
                        .into_iter()
                        .filter(|i| *i != survivor_id)
                        .collect(),
                    survivor: survivor_id,
                    inputs: vec![],
                    result: None,
                    moved_events: BTreeMap::new(),
                    moved_sessions: BTreeMap::new(),
                    related: None,
                    message: Some(reason.clone()),
                };
                self.store.put_merge_record(scope, &record).await?;
                for p in &profiles {
                    self.store.unmark_for_merge(scope, &p.id).await?;
                }
            }
            return Ok(MergeOutcome::Skipped { reason });
        }

        let merged = merge_profiles(&profiles, survivor, &self.settings.merge, now)?;
        let mut result = merged.survivor;
        self.settings.policy.adopt(&mut result);
        let mut record = MergeRecord {
            id: new_id(),
            time: now,
            action: MergeAction::Merge,
            trigger,
            survivor: result.id.clone(),
            merged: merged.merged_ids.clone(),
            inputs: profiles,
            result: Some(result.clone()),
            moved_events: BTreeMap::new(),
            moved_sessions: BTreeMap::new(),
            related: None,
            message: (!merged.notes.is_empty()).then(|| merged.notes.join("; ")),
        };
        if let Some(note) = &record.message {
            tracing::warn!(scope = %scope, survivor = %record.survivor, %note, "merge left values out");
        }
        if dry_run {
            return Ok(MergeOutcome::Merged {
                record: Box::new(record),
                dry_run: true,
            });
        }
        // The survivor first: from here on every merged id resolves to it.
        self.store.put_profile(scope, &result).await?;
        for from in &merged.merged_ids {
            let events = self.store.move_events(scope, from, &result.id).await?;
            let sessions = self.store.move_sessions(scope, from, &result.id).await?;
            record.moved_events.insert(from.clone(), events);
            record.moved_sessions.insert(from.clone(), sessions);
            self.store.delete_profile(scope, from).await?;
            self.store.unmark_for_merge(scope, from).await?;
        }
        self.store.unmark_for_merge(scope, &result.id).await?;
        self.store.put_merge_record(scope, &record).await?;
        tracing::info!(scope = %scope, survivor = %result.id, merged = ?merged.merged_ids, merge = %record.id, "profiles merged");
        Ok(MergeOutcome::Merged {
            record: Box::new(record),
            dry_run: false,
        })
    }

    /// Undoes a merge: the merged-away profiles come back as they were, with their
    /// events and sessions; the survivor returns to its state before the merge (or, if it
    /// changed since, keeps those changes and loses only the ids it took over).
    pub async fn unmerge(
        &self,
        scope: &Scope,
        merge_id: &str,
        operator: &str,
    ) -> Result<MergeRecord, ApmError> {
        let mut merge = self
            .store
            .merge_record(scope, merge_id)
            .await?
            .ok_or_else(|| ApmError::UnknownMerge(merge_id.to_string()))?;
        if merge.action != MergeAction::Merge {
            return Err(ApmError::CannotUndo(
                merge_id.into(),
                format!("it is a {:?} record, not a merge", merge.action).to_lowercase(),
            ));
        }
        if let Some(by) = &merge.related {
            return Err(ApmError::CannotUndo(
                merge_id.into(),
                format!("already undone by `{by}`"),
            ));
        }
        let mut lock_ids = merge.merged.clone();
        lock_ids.push(merge.survivor.clone());
        let _guards = self.lock_profiles(scope, &lock_ids).await?;
        // A later merge onto the same survivor was computed from this merge's result:
        // undoing this one first would leave what came from either in two profiles.
        let later: Vec<String> = self
            .store
            .merge_records_of(scope, &merge.survivor)
            .await?
            .into_iter()
            .filter(|r| {
                r.action == MergeAction::Merge
                    && r.related.is_none()
                    && r.id != merge.id
                    && r.survivor == merge.survivor
                    && (r.time, &r.id) > (merge.time, &merge.id)
            })
            .map(|r| r.id)
            .collect();
        if !later.is_empty() {
            return Err(ApmError::CannotUndo(
                merge_id.into(),
                format!(
                    "later merge(s) onto `{}` build on it ({}); undo {} first",
                    merge.survivor,
                    later.join(", "),
                    if later.len() == 1 {
                        "it"
                    } else {
                        "them, newest first"
                    }
                ),
            ));
        }
        let before = merge
            .inputs
            .iter()
            .find(|p| p.id == merge.survivor)
            .cloned()
            .ok_or_else(|| {
                ApmError::CannotUndo(
                    merge_id.into(),
                    "the journal lacks the survivor's state".into(),
                )
            })?;
        let current = self.store.profile(scope, &merge.survivor).await?;
        let survivor = match current {
            Some(cur) if Some(&cur) == merge.result.as_ref() => before.clone(),
            Some(cur) if cur.id == merge.survivor => {
                // Changed since (tracked further): back to the state before the merge,
                // with the changes made since the merge on top.
                let mut cur = match &merge.result {
                    Some(result) => rebase_profile(&before, result, &cur)
                        .map_err(|e| ApmError::CannotUndo(merge_id.into(), e))?,
                    None => cur,
                };
                let taken: Vec<String> = merge
                    .inputs
                    .iter()
                    .filter(|p| p.id != merge.survivor)
                    .flat_map(|p| p.ids.iter().chain(std::iter::once(&p.id)).cloned())
                    .filter(|i| !before.ids.contains(i))
                    .collect();
                cur.ids.retain(|i| !taken.contains(i));
                cur
            }
            _ => {
                return Err(ApmError::CannotUndo(
                    merge_id.into(),
                    format!(
                        "the survivor `{}` no longer exists (merged again or deleted)",
                        merge.survivor
                    ),
                ))
            }
        };
        for p in merge.inputs.iter().filter(|p| p.id != merge.survivor) {
            self.store.put_profile(scope, p).await?;
        }
        // The survivor last, so its own ids point back at it.
        self.store.put_profile(scope, &survivor).await?;
        for (from, ids) in &merge.moved_events {
            let mut batch = Vec::new();
            for id in ids {
                if let Some(mut e) = self.store.event(scope, id).await? {
                    e.profile = Some(crate::domain::EntityRef::new(from));
                    batch.push(e);
                }
            }
            self.store.put_events(scope, &batch).await?;
        }
        for (from, ids) in &merge.moved_sessions {
            for id in ids {
                if let Some(mut s) = self.store.session(scope, id).await? {
                    s.profile = Some(crate::domain::EntityRef::new(from));
                    self.store.put_session(scope, &s).await?;
                }
            }
        }
        let undo = MergeRecord {
            id: new_id(),
            time: Utc::now(),
            action: MergeAction::Unmerge,
            trigger: MergeTrigger {
                kind: "operator".into(),
                detail: operator.to_string(),
                keys: vec![],
            },
            survivor: merge.survivor.clone(),
            merged: merge.merged.clone(),
            inputs: vec![],
            result: Some(survivor),
            moved_events: merge.moved_events.clone(),
            moved_sessions: merge.moved_sessions.clone(),
            related: Some(merge.id.clone()),
            message: None,
        };
        self.store.put_merge_record(scope, &undo).await?;
        merge.related = Some(undo.id.clone());
        self.store.put_merge_record(scope, &merge).await?;
        self.store.durable().await?;
        Ok(undo)
    }

    /// Why a profile is what it is: its keys, the merges it took part in, its data.
    pub async fn explain(&self, scope: &Scope, id: &str) -> Result<Explanation, ApmError> {
        let profile = self
            .store
            .profile(scope, id)
            .await?
            .ok_or_else(|| ApmError::UnknownProfile(id.to_string()))?;
        let keys: Vec<ExplainedKey> = self
            .settings
            .policy
            .keys_of(&profile)
            .into_iter()
            .map(|(field, key)| ExplainedKey {
                field: field.to_string(),
                key,
            })
            .collect();
        let other_ids = profile
            .ids
            .iter()
            .filter(|i| **i != profile.id && !keys.iter().any(|k| &k.key == *i))
            .cloned()
            .collect();
        // Every merge whose ids the profile now holds, those that reached it through
        // another survivor (merged into it later) included.
        let mut merges = self.store.merge_records_of(scope, &profile.id).await?;
        for other in profile
            .ids
            .iter()
            .filter(|i| **i != profile.id && !is_merge_key(i))
        {
            for r in self.store.merge_records_of(scope, other).await? {
                if !merges.iter().any(|m| m.id == r.id) {
                    merges.push(r);
                }
            }
        }
        merges.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
        let mut events = 0u64;
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .events_by_profile(scope, &profile.id, cursor.as_deref(), 1000)
                .await?;
            events += page.items.len() as u64;
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        let sessions = self
            .store
            .sessions_by_profile(scope, &profile.id, None, 10_000)
            .await?
            .items
            .len() as u64;
        Ok(Explanation {
            profile,
            keys,
            other_ids,
            merges,
            events,
            sessions,
        })
    }
}

/// Paths whose values add up (a merge sums them): undoing a merge takes off what it added.
fn is_counter(path: &str) -> bool {
    matches!(
        path,
        "stats.visits" | "stats.views" | "metadata.time.visit.count"
    ) || path.starts_with("stats.counters.")
        || path.starts_with("interests.")
}

/// Three-way: `before` a merge, its `result`, and `cur` now. Where `cur` still equals the
/// result, the value before the merge comes back; where it changed since, the change is
/// kept (for counters, the difference is added to the value before).
fn rebase(
    path: &str,
    before: Option<&Value>,
    result: Option<&Value>,
    cur: Option<&Value>,
) -> Option<Value> {
    if cur == result {
        return before.cloned();
    }
    match (result, cur) {
        (Some(Value::Object(r)), Some(Value::Object(c))) => {
            let empty = serde_json::Map::new();
            let b = match before {
                Some(Value::Object(b)) => b,
                _ => &empty,
            };
            let mut out = serde_json::Map::new();
            for k in c.keys().chain(b.keys()).chain(r.keys()) {
                if out.contains_key(k) {
                    continue;
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if let Some(v) = rebase(&child, b.get(k), r.get(k), c.get(k)) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        (Some(Value::Number(r)), Some(Value::Number(c))) if is_counter(path) => {
            let b = before.and_then(Value::as_f64).unwrap_or(0.0);
            let x = b + c.as_f64().unwrap_or(0.0) - r.as_f64().unwrap_or(0.0);
            let ints = before.is_none_or(|v| v.is_u64() || v.is_i64()) && r.is_u64() && c.is_u64();
            if ints {
                Some(Value::from(x.max(0.0) as u64))
            } else {
                serde_json::Number::from_f64(x).map(Value::Number)
            }
        }
        _ => cur.cloned(),
    }
}

fn rebase_profile(before: &Profile, result: &Profile, cur: &Profile) -> Result<Profile, String> {
    let json = |p: &Profile| serde_json::to_value(p).map_err(|e| e.to_string());
    let (b, r, c) = (json(before)?, json(result)?, json(cur)?);
    let merged = rebase("", Some(&b), Some(&r), Some(&c)).unwrap_or(c);
    serde_json::from_value(merged)
        .map_err(|e| format!("the survivor's state before the merge does not apply: {e}"))
}

/// The merge-key field names, for documentation and help text.
pub fn merge_key_fields() -> impl Iterator<Item = &'static str> {
    MERGE_KEY_FIELDS.iter().map(|(f, _)| *f)
}
