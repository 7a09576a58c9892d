//! The failures CDPs are known for, one test each, plus the APM round trip.

use super::*;
use crate::domain::{
    Consent, Context, EntityRef, Event, MergeAction, MergeTrigger, Profile, Scope, Session,
};
use crate::store::{self, OpenOptions, SharedStore};
use crate::tracking::locks::KeyedLocks;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::sync::Arc;

fn t(h: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).single().unwrap() + Duration::hours(h)
}

fn profile(id: &str, created: i64, updated: i64) -> Profile {
    let mut p = Profile::new(id.into(), t(created));
    p.metadata.time.update = Some(t(updated));
    p
}

fn merge(ps: &[Profile]) -> Profile {
    merge_profiles(ps, None, &MergeOptions::default(), t(100))
        .unwrap()
        .survivor
}

#[test]
fn pii_is_kept_from_every_profile() {
    let mut a = profile("a", 0, 1);
    a.data.pii.firstname = Some("Ada".into());
    a.data.contact.email.main = Some("ada@example.com".into());
    let mut b = profile("b", 5, 9);
    b.data.contact.phone.mobile = Some("+48 600 000 000".into());
    b.data.pii.lastname = Some("Lovelace".into());
    let m = merge(&[b, a]);
    assert_eq!(m.id, "a", "the oldest survives");
    assert_eq!(m.data.pii.firstname.as_deref(), Some("Ada"));
    assert_eq!(m.data.pii.lastname.as_deref(), Some("Lovelace"));
    assert_eq!(
        m.data.contact.email.main.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(
        m.data.contact.phone.mobile.as_deref(),
        Some("+48 600 000 000")
    );
    assert_eq!(m.ids, ["a", "b"]);
}

#[test]
fn strings_never_become_lists_and_newest_wins() {
    let mut a = profile("a", 0, 1);
    a.traits.insert("city".into(), json!("Paris"));
    a.traits.insert("plan".into(), json!("free"));
    a.traits.insert("tags".into(), json!(["x", "y"]));
    a.traits.insert("mixed".into(), json!("single"));
    let mut b = profile("b", 2, 8);
    b.traits.insert("city".into(), json!("Berlin"));
    b.traits.insert("plan".into(), json!(null));
    b.traits.insert("tags".into(), json!(["y", "z"]));
    b.traits.insert("mixed".into(), json!(["l1"]));
    let m = merge(&[a, b]);
    assert_eq!(m.traits["city"], "Berlin", "newest scalar wins");
    assert_eq!(m.traits["plan"], "free", "null never erases a value");
    assert_eq!(
        m.traits["tags"],
        json!(["x", "y", "z"]),
        "lists unioned once"
    );
    assert_eq!(
        m.traits["mixed"],
        json!(["l1"]),
        "newest whole value, not a list of both"
    );
    assert!(m.data.contact.email.main.is_none());
}

#[test]
fn equal_sections_merge_into_themselves_and_lists_still_lose_duplicates() {
    let mut a = profile("a", 0, 1);
    let mut b = profile("b", 2, 8);
    for p in [&mut a, &mut b] {
        p.traits
            .insert("address".into(), json!({"city": "Paris", "zip": "75001"}));
        p.traits
            .insert("tags".into(), json!({"all": ["x", "x", "y"]}));
        p.data.pii.firstname = Some("Ada".into());
    }
    let m = merge(&[a.clone(), b.clone()]);
    assert_eq!(
        m.traits["address"],
        json!({"city": "Paris", "zip": "75001"})
    );
    assert_eq!(m.traits["tags"], json!({"all": ["x", "y"]}), "one of each");
    assert_eq!(m.data.pii.firstname.as_deref(), Some("Ada"));
    assert_eq!(m.data.pii.lastname, None);
    // A strategy sees equal values too: a sum of two equal counts is twice the count.
    a.traits.insert("score".into(), json!(2));
    b.traits.insert("score".into(), json!(2));
    let opts = MergeOptions {
        strategies: vec![("traits.score".into(), Strategy::Sum)],
    };
    let m = merge_profiles(&[a, b], None, &opts, t(100))
        .unwrap()
        .survivor;
    assert_eq!(m.traits["score"], json!(4));
    assert_eq!(
        m.traits["address"],
        json!({"city": "Paris", "zip": "75001"})
    );
}

#[test]
fn field_times_beat_profile_times() {
    let mut a = profile("a", 0, 50);
    a.traits.insert("email_opt_in".into(), json!(true));
    let mut b = profile("b", 1, 10);
    b.traits.insert("email_opt_in".into(), json!(false));
    // b's profile is older overall, but it changed this field after a did.
    touch_field(&mut b, "traits.email_opt_in", t(60));
    touch_field(&mut a, "traits.email_opt_in", t(20));
    let m = merge(&[a, b]);
    assert_eq!(m.traits["email_opt_in"], false);
    assert_eq!(
        m.metadata.fields["traits.email_opt_in"],
        json!(t(60).to_rfc3339())
    );
}

#[test]
fn visits_and_stats_are_summed_once() {
    let mut a = profile("a", 0, 1);
    a.metadata.time.visit.count = 3;
    a.metadata.time.visit.current = Some(t(30));
    a.metadata.time.visit.last = Some(t(20));
    a.stats.views = 10;
    a.stats.counters.insert("purchases".into(), 2.0);
    a.interests.insert("shoes".into(), 1.5);
    let mut b = profile("b", 4, 5);
    b.metadata.time.visit.count = 2;
    b.metadata.time.visit.current = Some(t(25));
    b.metadata.time.visit.last = Some(t(24));
    b.metadata.time.visit.tz = Some("Europe/Warsaw".into());
    b.stats.views = 5;
    b.stats.counters.insert("purchases".into(), 1.0);
    b.interests.insert("shoes".into(), 0.5);
    b.interests.insert("bags".into(), 1.0);
    let m = merge(&[a.clone(), b.clone()]);
    assert_eq!(m.metadata.time.visit.count, 5);
    assert_eq!(m.metadata.time.visit.current, Some(t(30)));
    assert_eq!(m.metadata.time.visit.last, Some(t(25)));
    assert_eq!(m.metadata.time.insert, t(0));
    assert_eq!(m.stats.views, 15);
    assert_eq!(m.stats.counters["purchases"], 3.0);
    assert_eq!(m.interests["shoes"], 2.0);
    assert_eq!(m.interests["bags"], 1.0);
    // An interrupted merge re-run: the survivor already holds b's id, b counts no more.
    let mut absorbed = m.clone();
    absorbed.metadata.time.update = Some(t(101));
    let again = merge(&[absorbed, b]);
    assert_eq!(again.metadata.time.visit.count, 5);
    assert_eq!(again.stats.views, 15);
}

#[test]
fn segments_union_and_newest_consent() {
    let mut a = profile("a", 0, 1);
    a.segments = vec!["vip".into()];
    a.consents.insert(
        "marketing".into(),
        Consent {
            revoke: Some(t(1000)),
            ..Default::default()
        },
    );
    let mut b = profile("b", 1, 2);
    b.segments = vec!["eu".into(), "vip".into()];
    b.consents.insert("marketing".into(), Consent::default());
    let m = merge(&[a, b]);
    assert_eq!(m.segments, ["vip", "eu"]);
    assert_eq!(m.consents["marketing"].revoke, None, "b decided last");
}

#[test]
fn configured_strategies() {
    let mut a = profile("a", 0, 9);
    a.traits =
        json!({"score": 5, "ltv_web": 10, "ltv_app": 1.5, "first_source": "ads", "nick": "old"})
            .as_object()
            .cloned()
            .unwrap();
    let mut b = profile("b", 1, 2);
    b.traits =
        json!({"score": 7, "ltv_web": 5, "ltv_app": 2, "first_source": "seo", "nick": "older"})
            .as_object()
            .cloned()
            .unwrap();
    let opts = MergeOptions {
        strategies: vec![
            ("traits.score".into(), Strategy::Max),
            ("traits.ltv_*".into(), Strategy::Sum),
            ("traits.first_source".into(), Strategy::First),
            ("traits.nick".into(), Strategy::Oldest),
        ],
    };
    let m = merge_profiles(&[a, b], None, &opts, t(100))
        .unwrap()
        .survivor;
    assert_eq!(m.traits["score"], 7);
    assert_eq!(m.traits["ltv_web"], 15);
    assert_eq!(m.traits["ltv_app"], 3.5);
    assert_eq!(m.traits["first_source"], "ads");
    assert_eq!(m.traits["nick"], "older");
}

#[test]
fn explicit_survivor_and_errors() {
    let a = profile("a", 0, 1);
    let b = profile("b", 1, 2);
    let m = merge_profiles(
        &[a.clone(), b.clone()],
        Some("b"),
        &MergeOptions::default(),
        t(9),
    )
    .unwrap();
    assert_eq!(m.survivor.id, "b");
    assert_eq!(m.merged_ids, ["a"]);
    assert!(merge_profiles(
        std::slice::from_ref(&a),
        None,
        &MergeOptions::default(),
        t(9)
    )
    .is_err());
    assert!(merge_profiles(&[a, b], Some("z"), &MergeOptions::default(), t(9)).is_err());
}

// ---- APM against a real store ----

struct Fixture {
    apm: Apm,
    store: SharedStore,
    scope: Scope,
    _dir: tempfile::TempDir,
}

fn settings(max: usize, strict: bool) -> IdentitySettings {
    IdentitySettings {
        policy: KeyPolicy {
            salt: "test-salt-with-more-than-20-chars".into(),
            blocked: vec![],
        },
        merge: MergeOptions::default(),
        max_profiles_per_merge: max,
        never_merge_different_identifier: strict,
    }
}

fn fixture(s: IdentitySettings) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(
        dir.path().to_str().unwrap(),
        &OpenOptions {
            cache_bytes: 8 << 20,
        },
    )
    .unwrap();
    Fixture {
        apm: Apm::new(store.clone(), Arc::new(KeyedLocks::new(64)), Arc::new(s)),
        store,
        scope: Scope::default_tenant(Context::Production),
        _dir: dir,
    }
}

impl Fixture {
    /// A profile with an email, marked as the collector would, with one session and
    /// two events.
    async fn add(&self, id: &str, at: i64, email: &str) -> Profile {
        let mut p = profile(id, at, at + 1);
        p.data.contact.email.main = Some(email.into());
        p.metadata.time.visit.count = 1;
        self.apm.settings().policy.refresh(&mut p);
        self.store.put_profile(&self.scope, &p).await.unwrap();
        self.store.mark_for_merge(&self.scope, id).await.unwrap();
        let sess = Session::new(format!("{id}-s"), Some(id), t(at));
        self.store.put_session(&self.scope, &sess).await.unwrap();
        let events: Vec<Event> = (0..2)
            .map(|i| {
                let mut e = Event::new(
                    format!("{id}-e{i}"),
                    "page-view".into(),
                    "src",
                    t(at) + Duration::seconds(i),
                );
                e.profile = Some(EntityRef::new(id));
                e
            })
            .collect();
        self.store.put_events(&self.scope, &events).await.unwrap();
        p
    }

    async fn snapshot(&self) -> (Vec<Profile>, Vec<Session>, Vec<Event>) {
        let p = self
            .store
            .list_profiles(&self.scope, None, 100)
            .await
            .unwrap()
            .items;
        let s = self
            .store
            .list_sessions(&self.scope, None, 100)
            .await
            .unwrap()
            .items;
        let e = self
            .store
            .events_by_time(&self.scope, Default::default(), None, 100)
            .await
            .unwrap()
            .items;
        (p, s, e)
    }
}

#[tokio::test]
async fn apm_merges_profiles_sharing_a_key_and_moves_their_data() {
    let f = fixture(settings(50, false));
    f.add("a", 0, "ada@example.com").await;
    f.add("b", 5, " ADA@example.com ").await;
    f.add("c", 6, "someone@else.com").await;
    let stats = f.apm.run_marked(&f.scope, 100).await.unwrap();
    assert_eq!(stats.merges, 1);
    assert_eq!(stats.profiles_merged_away, 1);
    assert!(f
        .store
        .marked_for_merge(&f.scope, 10)
        .await
        .unwrap()
        .is_empty());
    let a = f.store.profile(&f.scope, "b").await.unwrap().unwrap();
    assert_eq!(a.id, "a", "the merged-away id resolves to the survivor");
    assert_eq!(a.metadata.time.visit.count, 2);
    assert!(a.metadata.system.aux.auto_merge.is_empty());
    assert_eq!(
        f.store
            .events_by_profile(&f.scope, "a", None, 10)
            .await
            .unwrap()
            .items
            .len(),
        4
    );
    assert!(f
        .store
        .events_by_profile(&f.scope, "b", None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    let sessions = f
        .store
        .sessions_by_profile(&f.scope, "a", None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(sessions.len(), 2);
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 2);
    let explained = f.apm.explain(&f.scope, "b").await.unwrap();
    assert_eq!(explained.profile.id, "a");
    assert_eq!(explained.merges.len(), 1);
    assert_eq!(explained.merges[0].trigger.kind, "key");
    assert_eq!(explained.merges[0].merged, ["b"]);
    assert_eq!(explained.events, 4);
    assert_eq!(explained.keys[0].field, "data.contact.email.main");
    assert!(explained.other_ids.contains(&"b".to_string()));
    // A second pass has nothing to do.
    assert_eq!(f.apm.run_marked(&f.scope, 100).await.unwrap().merges, 0);
}

#[tokio::test]
async fn unmerge_restores_everything_byte_for_byte() {
    let f = fixture(settings(50, false));
    f.add("a", 0, "ada@example.com").await;
    f.add("b", 5, "ada@example.com").await;
    f.store.unmark_for_merge(&f.scope, "a").await.unwrap();
    f.store.unmark_for_merge(&f.scope, "b").await.unwrap();
    let before = f.snapshot().await;
    let outcome = f
        .apm
        .merge_group(
            &f.scope,
            &["a".into(), "b".into()],
            MergeTrigger {
                kind: "operator".into(),
                detail: "test".into(),
                keys: vec![],
            },
            None,
            false,
        )
        .await
        .unwrap();
    let MergeOutcome::Merged { record, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_ne!(f.snapshot().await, before);
    let undo = f.apm.unmerge(&f.scope, &record.id, "tester").await.unwrap();
    assert_eq!(undo.action, MergeAction::Unmerge);
    assert_eq!(
        f.snapshot().await,
        before,
        "profiles, sessions and events as they were"
    );
    assert_eq!(
        f.store.profile(&f.scope, "b").await.unwrap().unwrap().id,
        "b"
    );
    let err = f
        .apm
        .unmerge(&f.scope, &record.id, "tester")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already undone"), "{err}");
    assert!(f.apm.unmerge(&f.scope, "nope", "t").await.is_err());
    let journal = f.store.merge_records_of(&f.scope, "a").await.unwrap();
    assert_eq!(journal.len(), 2);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let f = fixture(settings(50, false));
    f.add("a", 0, "x@example.com").await;
    f.add("b", 1, "y@example.com").await;
    let before = f.snapshot().await;
    let out = f
        .apm
        .merge_group(
            &f.scope,
            &["a".into(), "b".into()],
            MergeTrigger {
                kind: "operator".into(),
                detail: String::new(),
                keys: vec![],
            },
            None,
            true,
        )
        .await
        .unwrap();
    match out {
        MergeOutcome::Merged { record, dry_run } => {
            assert!(dry_run);
            assert_eq!(
                record.result.unwrap().ids.len(),
                4,
                "two ids, two email keys"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.snapshot().await, before);
    assert!(f
        .store
        .merge_records_of(&f.scope, "a")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn guardrails_stop_merges_and_say_why() {
    let f = fixture(settings(2, false));
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        f.add(id, i as i64, "shared@example.com").await;
    }
    let stats = f.apm.run_marked(&f.scope, 100).await.unwrap();
    assert_eq!(stats.merges, 0);
    assert!(stats.skipped >= 1);
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 3);
    let journal = f.store.merge_records_of(&f.scope, "a").await.unwrap();
    assert_eq!(journal[0].action, MergeAction::Skipped);
    assert!(journal[0]
        .message
        .as_deref()
        .unwrap()
        .contains("limit of 2"));

    let f = fixture(settings(50, true));
    let mut a = f.add("a", 0, "same@example.com").await;
    a.data.identifier.id = Some("crm-1".into());
    f.store.put_profile(&f.scope, &a).await.unwrap();
    let mut b = f.add("b", 1, "same@example.com").await;
    b.data.identifier.id = Some("crm-2".into());
    f.store.put_profile(&f.scope, &b).await.unwrap();
    let stats = f.apm.run_marked(&f.scope, 100).await.unwrap();
    assert_eq!(stats.merges, 0);
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 2);
}

#[tokio::test]
async fn blocked_values_never_merge() {
    let f = fixture(settings(50, false));
    f.add("a", 0, "anonymous").await;
    f.add("b", 1, "anonymous").await;
    let stats = f.apm.run_marked(&f.scope, 100).await.unwrap();
    assert_eq!(stats.merges, 0);
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 2);
}

#[tokio::test]
async fn full_scan_finds_unmarked_duplicates() {
    let f = fixture(settings(50, false));
    for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
        let email = if i < 2 {
            "one@example.com"
        } else {
            "two@example.com"
        };
        f.add(id, i as i64, email).await;
        f.store.unmark_for_merge(&f.scope, id).await.unwrap();
    }
    let stats = f.apm.scan(&f.scope, &|_| {}).await.unwrap();
    assert_eq!(stats.merges, 2);
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 2);
}

/// On PostgreSQL the APM takes the same advisory locks as collectors and workers in
/// other processes: a merge waits while another process holds one of the profiles, and
/// a profile write made under that lock is part of the merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apm_waits_for_a_profile_locked_by_another_process() {
    use crate::store::postgres::{testing::TestStore, PostgresStore};
    use crate::store::Store;
    let Some(db) = TestStore::create(module_path!()).await else {
        return;
    };
    let ours: SharedStore = Arc::new(PostgresStore::connect(&db.uri()).await.unwrap());
    let theirs = PostgresStore::connect(&db.uri()).await.unwrap();
    let f = Fixture {
        apm: Apm::new(
            ours.clone(),
            Arc::new(KeyedLocks::new(64)),
            Arc::new(settings(50, false)),
        ),
        store: ours,
        scope: Scope::default_tenant(Context::Production),
        _dir: tempfile::tempdir().unwrap(),
    };
    f.add("a", 0, "ada@example.com").await;
    f.add("b", 5, "ada@example.com").await;
    let held = theirs.lock(&f.scope, "profile:b").await.unwrap();
    let names: Vec<String> = vec!["b".into(), "a".into()];
    let merging = f.apm.merge_group(
        &f.scope,
        &names,
        MergeTrigger {
            kind: "operator".into(),
            detail: "test".into(),
            keys: vec![],
        },
        None,
        false,
    );
    tokio::pin!(merging);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), &mut merging)
            .await
            .is_err(),
        "the merge waits for the other process's lock"
    );
    // The other process writes b while it holds the lock; the merge must see it.
    let mut b = theirs.profile(&f.scope, "b").await.unwrap().unwrap();
    b.traits.insert("plan".into(), json!("pro"));
    theirs.put_profile(&f.scope, &b).await.unwrap();
    drop(held);
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), merging)
        .await
        .expect("the merge proceeds once the lock is released")
        .unwrap();
    let MergeOutcome::Merged { record, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(record.survivor, "a");
    let a = theirs.profile(&f.scope, "b").await.unwrap().unwrap();
    assert_eq!(a.id, "a", "b resolves to the survivor");
    assert_eq!(a.traits.get("plan"), Some(&json!("pro")), "{a:?}");
}

#[test]
fn sum_reads_numeric_strings_and_never_drops_the_total() {
    let mut a = profile("a", 0, 1);
    a.traits.insert("ltv".into(), json!(17));
    a.traits.insert("best".into(), json!(3.5));
    let mut b = profile("b", 2, 8);
    b.traits.insert("ltv".into(), json!("5"));
    b.traits.insert("best".into(), json!(" 4.5 "));
    let opts = MergeOptions {
        strategies: vec![
            ("traits.ltv".into(), Strategy::Sum),
            ("traits.best".into(), Strategy::Max),
        ],
    };
    let m = merge_profiles(&[a.clone(), b.clone()], None, &opts, t(100)).unwrap();
    assert_eq!(m.survivor.traits["ltv"], json!(22), "\"5\" is read as 5");
    assert_eq!(m.survivor.traits["best"], json!(4.5));
    assert!(m.notes.is_empty(), "{:?}", m.notes);
    // A value that is no number is left out of the sum and said so.
    b.traits.insert("ltv".into(), json!("lots"));
    let m = merge_profiles(&[a, b], None, &opts, t(100)).unwrap();
    assert_eq!(m.survivor.traits["ltv"], json!(17), "the total is kept");
    assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
    assert!(m.notes[0].contains("traits.ltv") && m.notes[0].contains("\"lots\""));
}

#[tokio::test]
async fn guardrail_counts_profiles_merged_earlier() {
    let f = fixture(settings(3, false));
    // One customer at a time shares the key: each pass sees only two profiles.
    for (i, id) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        f.add(id, i as i64, "shared@example.com").await;
        f.apm.run_marked(&f.scope, 100).await.unwrap();
    }
    let a = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    assert_eq!(merge::merged_count(&a), 2, "b and c, and no more");
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 3);
    assert_eq!(
        f.store.profile(&f.scope, "d").await.unwrap().unwrap().id,
        "d"
    );
    let journal = f.store.merge_records_of(&f.scope, "d").await.unwrap();
    let skipped = journal
        .iter()
        .find(|r| r.action == MergeAction::Skipped)
        .expect("a skipped record");
    let message = skipped.message.as_deref().unwrap();
    assert!(
        message.contains("4 profiles") && message.contains("2 merged into them earlier"),
        "{message}"
    );
    // Undoing a merge gives its profiles back to the count.
    let merged_c = f
        .store
        .merge_records_of(&f.scope, "c")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.action == MergeAction::Merge)
        .unwrap();
    f.apm.unmerge(&f.scope, &merged_c.id, "t").await.unwrap();
    let a = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    assert_eq!(merge::merged_count(&a), 1);
}

async fn merge_pair(f: &Fixture, a: &str, b: &str) -> crate::domain::MergeRecord {
    let outcome = f
        .apm
        .merge_group(
            &f.scope,
            &[a.into(), b.into()],
            MergeTrigger {
                kind: "operator".into(),
                detail: "test".into(),
                keys: vec![],
            },
            Some(a),
            false,
        )
        .await
        .unwrap();
    let MergeOutcome::Merged { record, .. } = outcome else {
        panic!("{outcome:?}")
    };
    *record
}

#[tokio::test]
async fn unmerge_out_of_order_is_refused_and_in_order_restores_the_survivor() {
    let f = fixture(settings(50, false));
    let mut a = f.add("a", 0, "m@example.com").await;
    a.traits.insert("mx".into(), json!(5));
    f.store.put_profile(&f.scope, &a).await.unwrap();
    let mut b = f.add("b", 1, "m@example.com").await;
    b.traits.insert("mx".into(), json!(9));
    b.traits.insert("obj".into(), json!({"b": 2}));
    f.store.put_profile(&f.scope, &b).await.unwrap();
    f.add("c", 2, "m@example.com").await;
    let original = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    let m1 = merge_pair(&f, "a", "b").await;
    let m2 = merge_pair(&f, "a", "c").await;
    let err = f.apm.unmerge(&f.scope, &m1.id, "t").await.unwrap_err();
    assert!(
        err.to_string().contains(&m2.id) && err.to_string().contains("first"),
        "{err}"
    );
    assert_eq!(
        f.store.profile(&f.scope, "b").await.unwrap().unwrap().id,
        "a"
    );
    f.apm.unmerge(&f.scope, &m2.id, "t").await.unwrap();
    f.apm.unmerge(&f.scope, &m1.id, "t").await.unwrap();
    let a = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    assert_eq!(a, original, "the survivor as it was before both merges");
    assert_eq!(f.store.counts(&f.scope).await.unwrap().profiles, 3);
}

#[tokio::test]
async fn unmerge_after_tracking_keeps_the_changes_and_gives_back_the_rest() {
    let f = fixture(settings(50, false));
    let mut a = f.add("a", 0, "m@example.com").await;
    a.traits.insert("mx".into(), json!(5));
    f.store.put_profile(&f.scope, &a).await.unwrap();
    let mut b = f.add("b", 1, "m@example.com").await;
    b.traits.insert("mx".into(), json!(9));
    b.traits.insert("obj".into(), json!({"b": 2}));
    b.stats.counters.insert("clicks".into(), 4.0);
    f.store.put_profile(&f.scope, &b).await.unwrap();
    let m1 = merge_pair(&f, "a", "b").await;
    // The survivor is tracked further after the merge.
    let mut cur = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    assert_eq!(cur.traits["mx"], json!(9));
    assert_eq!(cur.metadata.time.visit.count, 2);
    cur.metadata.time.visit.count += 1;
    cur.traits.insert("plan".into(), json!("pro"));
    *cur.stats.counters.entry("clicks".into()).or_default() += 1.0;
    f.store.put_profile(&f.scope, &cur).await.unwrap();
    f.apm.unmerge(&f.scope, &m1.id, "t").await.unwrap();
    let a = f.store.profile(&f.scope, "a").await.unwrap().unwrap();
    assert_eq!(
        a.traits.get("mx"),
        Some(&json!(5)),
        "b's value went back to b"
    );
    assert_eq!(a.traits.get("obj"), None);
    assert_eq!(
        a.traits.get("plan"),
        Some(&json!("pro")),
        "the change since stays"
    );
    assert_eq!(
        a.metadata.time.visit.count, 2,
        "its own visit and the new one"
    );
    assert_eq!(a.stats.counters.get("clicks"), Some(&1.0));
    assert!(!a.ids.contains(&"b".to_string()));
    let b = f.store.profile(&f.scope, "b").await.unwrap().unwrap();
    assert_eq!(b.traits["mx"], json!(9));
}

#[tokio::test]
async fn explain_lists_merges_that_reached_the_profile_through_another() {
    let f = fixture(settings(50, false));
    f.add("a", 0, "one@example.com").await;
    f.add("b", 1, "two@example.com").await;
    f.add("c", 2, "two@example.com").await;
    let bc = merge_pair(&f, "b", "c").await;
    let ab = merge_pair(&f, "a", "b").await;
    for asked in ["a", "b", "c"] {
        let explained = f.apm.explain(&f.scope, asked).await.unwrap();
        assert_eq!(explained.profile.id, "a");
        let ids: Vec<&str> = explained.merges.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, [bc.id.as_str(), ab.id.as_str()], "asked for {asked}");
    }
}
