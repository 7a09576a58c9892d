use super::Profile;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a journal record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MergeAction {
    /// Profiles were merged into the survivor.
    Merge,
    /// A merge was undone.
    Unmerge,
    /// A merge was found but not done (a guardrail stopped it).
    Skipped,
}

/// What started a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeTrigger {
    /// `key` (APM found a shared merge key), `event`, `flow` or `operator`.
    pub kind: String,
    /// The key, event id, flow id or operator name.
    #[serde(default)]
    pub detail: String,
    /// The merge-key ids the profiles shared.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// One entry of the merge journal: enough to explain and to undo a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub id: String,
    pub time: DateTime<Utc>,
    pub action: MergeAction,
    pub trigger: MergeTrigger,
    /// The profile that kept its id.
    pub survivor: String,
    /// Profiles merged away (or, for an unmerge, restored).
    pub merged: Vec<String>,
    /// Every input profile as it was before the merge, survivor included.
    #[serde(default)]
    pub inputs: Vec<Profile>,
    /// The survivor after the merge.
    #[serde(default)]
    pub result: Option<Profile>,
    /// Event ids re-pointed to the survivor, by the profile they came from.
    #[serde(default)]
    pub moved_events: BTreeMap<String, Vec<String>>,
    /// Session ids re-pointed to the survivor, by the profile they came from.
    #[serde(default)]
    pub moved_sessions: BTreeMap<String, Vec<String>>,
    /// For an unmerge: the merge it undid. For a merge: the unmerge that undid it.
    #[serde(default)]
    pub related: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}
