//! Copies everything of every scope from one store to another (`tracardictl migrate
//! copy`): install metadata (the merge-key salt), configuration, profiles with their
//! merge journal and merge marks, sessions and events; then verifies the counts.

use super::{Counts, Result, Store, TimeRange};
use crate::domain::Scope;

/// Records read and written per round trip.
pub const BATCH: usize = 500;

/// What was copied in one scope, read back from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeReport {
    pub scope: Scope,
    pub source: Counts,
    pub target: Counts,
    pub config_docs: u64,
    pub target_config_docs: u64,
}

impl ScopeReport {
    pub fn verified(&self) -> bool {
        self.source == self.target && self.config_docs == self.target_config_docs
    }
}

/// Records of every scope of `from`: the total a progress bar counts up to.
pub async fn total_records(from: &dyn Store) -> Result<u64> {
    let mut total = 0;
    for scope in from.scopes().await? {
        let c = from.counts(&scope).await?;
        total += c.profiles + c.sessions + c.events;
        for kind in from.config_kinds(&scope).await? {
            total += from.list_config(&scope, &kind).await?.len() as u64;
        }
    }
    Ok(total)
}

/// Copies profiles, sessions, events and configuration of every scope, calling
/// `progress` with the number of records written since the last call. Writing is by
/// id, so running it again after an interruption is safe.
pub async fn copy_all(
    from: &dyn Store,
    to: &dyn Store,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ScopeReport>> {
    if let Some(v) = from.schema_version().await? {
        to.set_schema_version(v).await?;
    }
    // Install-wide metadata: without the merge-key salt every profile would get new
    // merge keys on the target and stop merging with what it holds.
    for key in super::backup::META_KEYS {
        if let Some(value) = from.meta(key).await? {
            match to.meta(key).await? {
                Some(theirs) if theirs != value => {
                    return Err(super::StoreError::Invalid(format!(
                        "the target's `{key}` differs from the source's; copy into a store made \
                         by this copy or a new one"
                    )))
                }
                _ => to.set_meta(key, &value).await?,
            }
        }
    }
    let mut reports = Vec::new();
    for scope in from.scopes().await? {
        let mut config_docs = 0u64;
        for kind in from.config_kinds(&scope).await? {
            let docs = from.list_config_keyed(&scope, &kind).await?;
            for (id, doc) in &docs {
                to.put_config(&scope, &kind, id, doc).await?;
            }
            config_docs += docs.len() as u64;
            progress(docs.len() as u64);
        }
        // The merge journal (what `profile explain` and `unmerge` read) is found through
        // the profiles it names; each record once.
        let mut merges = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = from.list_profiles(&scope, cursor.as_deref(), BATCH).await?;
            for p in &page.items {
                to.put_profile(&scope, p).await?;
                for m in from.merge_records_of(&scope, &p.id).await? {
                    if merges.insert(m.id.clone()) {
                        to.put_merge_record(&scope, &m).await?;
                    }
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
            let page = from.list_sessions(&scope, cursor.as_deref(), BATCH).await?;
            for s in &page.items {
                to.put_session(&scope, s).await?;
            }
            progress(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        cursor = None;
        loop {
            let page = from
                .events_by_time(&scope, TimeRange::default(), cursor.as_deref(), BATCH)
                .await?;
            to.put_events(&scope, &page.items).await?;
            progress(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        // Profiles waiting for the automatic merge still wait on the target.
        for profile_id in from
            .marked_for_merge(&scope, super::backup::MAX_MARKS)
            .await?
        {
            to.mark_for_merge(&scope, &profile_id).await?;
        }
        to.durable().await?;
        let mut target_config_docs = 0u64;
        for kind in to.config_kinds(&scope).await? {
            target_config_docs += to.list_config(&scope, &kind).await?.len() as u64;
        }
        reports.push(ScopeReport {
            source: from.counts(&scope).await?,
            target: to.counts(&scope).await?,
            scope,
            config_docs,
            target_config_docs,
        });
    }
    to.durable().await?;
    Ok(reports)
}
