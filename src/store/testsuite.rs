//! The storage conformance suite: one set of checks that every backend must pass.
//!
//! Each check takes a fresh, empty store. A backend's tests call them all through
//! [`store_conformance_tests!`](crate::store_conformance_tests), so a second backend
//! runs exactly the same suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Store, TimeRange};
use crate::domain::{Context, EntityRef, Event, Profile, Scope, Session};
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

fn scope() -> Scope {
    Scope::default_tenant(Context::Production)
}

fn t(secs: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
}

/// The events of a profile (up to 100), as its index lists them.
async fn events_of(store: &dyn Store, s: &Scope, profile: &str) -> Vec<Event> {
    store
        .events_by_profile(s, profile, None, 100)
        .await
        .unwrap()
        .items
}

fn event(id: &str, profile: Option<&str>, at: i64) -> Event {
    let mut e = Event::new(id.into(), "page-view".into(), "src", t(at));
    e.profile = profile.map(EntityRef::new);
    e
}

/// Every check of the suite, by name, for the macro.
pub const CHECKS: &[&str] = &[
    "profiles_by_id_and_alias",
    "profile_aliases_follow_changes",
    "profile_delete_removes_aliases",
    "profile_paging",
    "sessions_round_trip",
    "events_round_trip_and_indexes",
    "events_by_time_range_and_paging",
    "event_reindexed_when_profile_changes",
    "config_documents",
    "scopes_are_isolated",
    "counts_and_meta",
    "unknown_fields_survive",
    "profiles_by_alias_finds_every_holder",
    "sessions_by_profile_follow_repointing",
    "merge_journal_by_profile",
    "merge_marks",
    "meta_and_scopes",
    "locks_exclude_per_key",
    "lock_many_takes_every_key_without_deadlock",
    "scopes_and_config_kinds",
    "queue_lease_ack_and_key_order",
    "queue_lease_expiry_returns_items",
    "queue_nack_backoff_and_dead_letters",
    "drop_tenant_removes_only_that_tenant",
    "tenant_registry_and_indexes",
    "queue_not_before_delays_items",
    "merge_moves_events_and_sessions",
    "queue_expired_leases_count_as_attempts",
    "commit_track_writes_every_part",
];

pub async fn profiles_by_id_and_alias(store: &dyn Store) {
    let s = scope();
    assert!(store.profile(&s, "p1").await.unwrap().is_none());
    let mut p = Profile::new("p1".into(), t(0));
    p.ids.push("emm-abc".into());
    p.traits.insert("plan".into(), json!("pro"));
    store.put_profile(&s, &p).await.unwrap();
    let got = store.profile(&s, "p1").await.unwrap().unwrap();
    assert_eq!(got, p);
    let by_alias = store.profile(&s, "emm-abc").await.unwrap().unwrap();
    assert_eq!(by_alias.id, "p1");
    assert!(store.profile(&s, "emm-other").await.unwrap().is_none());
    // Only the id and the ids, by either name.
    for name in ["p1", "emm-abc"] {
        assert_eq!(
            store.profile_ids_of(&s, name).await.unwrap(),
            Some(("p1".to_string(), p.ids.clone()))
        );
    }
    assert_eq!(store.profile_ids_of(&s, "emm-other").await.unwrap(), None);
}

pub async fn profile_aliases_follow_changes(store: &dyn Store) {
    let s = scope();
    let mut p = Profile::new("p1".into(), t(0));
    p.ids.push("old-key".into());
    store.put_profile(&s, &p).await.unwrap();
    p.ids.retain(|i| i != "old-key");
    p.ids.push("new-key".into());
    store.put_profile(&s, &p).await.unwrap();
    assert!(store.profile(&s, "old-key").await.unwrap().is_none());
    assert_eq!(
        store.profile(&s, "new-key").await.unwrap().unwrap().id,
        "p1"
    );
    // Another profile taking over an alias keeps it.
    let mut q = Profile::new("p2".into(), t(0));
    q.ids.push("new-key".into());
    store.put_profile(&s, &q).await.unwrap();
    assert_eq!(
        store.profile(&s, "new-key").await.unwrap().unwrap().id,
        "p2"
    );
}

pub async fn profile_delete_removes_aliases(store: &dyn Store) {
    let s = scope();
    let mut p = Profile::new("p1".into(), t(0));
    p.ids.push("alias".into());
    store.put_profile(&s, &p).await.unwrap();
    assert!(store.delete_profile(&s, "alias").await.unwrap());
    assert!(store.profile(&s, "p1").await.unwrap().is_none());
    assert!(store.profile(&s, "alias").await.unwrap().is_none());
    assert!(!store.delete_profile(&s, "p1").await.unwrap());
    // An id two profiles hold (a merge key before the merge) still finds the one left
    // when the other, which wrote it last, is deleted.
    let mut a = Profile::new("pa".into(), t(0));
    a.ids.push("shared-key".into());
    let mut b = Profile::new("pb".into(), t(1));
    b.ids.push("shared-key".into());
    store.put_profile(&s, &a).await.unwrap();
    store.put_profile(&s, &b).await.unwrap();
    assert!(store.delete_profile(&s, "pb").await.unwrap());
    let left = store.profile(&s, "shared-key").await.unwrap();
    assert_eq!(left.map(|p| p.id).as_deref(), Some("pa"));
}

pub async fn profile_paging(store: &dyn Store) {
    let s = scope();
    for i in 0..25 {
        store
            .put_profile(&s, &Profile::new(format!("p{i:02}"), t(i)))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list_profiles(&s, cursor.as_deref(), 10)
            .await
            .unwrap();
        assert!(page.items.len() <= 10);
        seen.extend(page.items.into_iter().map(|p| p.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    assert_eq!(seen, expected);
}

pub async fn sessions_round_trip(store: &dyn Store) {
    let s = scope();
    let mut sess = Session::new("s1".into(), Some("p1"), t(0));
    sess.utm.source = Some("google".into());
    store.put_session(&s, &sess).await.unwrap();
    assert_eq!(store.session(&s, "s1").await.unwrap().unwrap(), sess);
    store
        .put_session(&s, &Session::new("s2".into(), None, t(1)))
        .await
        .unwrap();
    let page = store.list_sessions(&s, None, 10).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(store.delete_session(&s, "s1").await.unwrap());
    assert!(store.session(&s, "s1").await.unwrap().is_none());
    assert!(!store.delete_session(&s, "s1").await.unwrap());
}

pub async fn events_round_trip_and_indexes(store: &dyn Store) {
    let s = scope();
    let events = vec![
        event("e3", Some("p1"), 3),
        event("e1", Some("p1"), 1),
        event("e2", Some("p2"), 2),
        event("e4", None, 4),
    ];
    store.put_events(&s, &events).await.unwrap();
    assert_eq!(store.event(&s, "e1").await.unwrap().unwrap(), events[1]);
    let p1 = store.events_by_profile(&s, "p1", None, 10).await.unwrap();
    let ids: Vec<_> = p1.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e3"], "a profile's events, oldest first");
    let first = store.events_by_profile(&s, "p1", None, 1).await.unwrap();
    assert_eq!(first.items[0].id, "e1");
    let rest = store
        .events_by_profile(&s, "p1", first.next.as_deref(), 10)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, "e3");
    assert!(rest.next.is_none());
    assert!(store.delete_event(&s, "e1").await.unwrap());
    assert!(store.event(&s, "e1").await.unwrap().is_none());
    let p1 = store.events_by_profile(&s, "p1", None, 10).await.unwrap();
    assert_eq!(p1.items.len(), 1);
    assert!(!store.delete_event(&s, "e1").await.unwrap());
}

pub async fn events_by_time_range_and_paging(store: &dyn Store) {
    let s = scope();
    let events: Vec<Event> = (0..30)
        .map(|i| event(&format!("e{i:02}"), None, i))
        .collect();
    store.put_events(&s, &events).await.unwrap();
    let range = TimeRange {
        from: Some(t(10)),
        to: Some(t(20)),
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .events_by_time(&s, range, cursor.as_deref(), 4)
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|e| e.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let expected: Vec<String> = (10..20).map(|i| format!("e{i:02}")).collect();
    assert_eq!(
        seen, expected,
        "from inclusive, to exclusive, in time order"
    );
    let all = store
        .events_by_time(&s, TimeRange::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 30);
    assert!(store
        .events_by_time(&s, TimeRange::default(), Some("garbage"), 1)
        .await
        .is_err());
}

pub async fn event_reindexed_when_profile_changes(store: &dyn Store) {
    let s = scope();
    store
        .put_events(&s, &[event("e1", Some("old"), 1)])
        .await
        .unwrap();
    let mut moved = event("e1", Some("new"), 1);
    moved.metadata.time.insert = t(1) + Duration::seconds(5);
    store.put_events(&s, &[moved]).await.unwrap();
    assert!(events_of(store, &s, "old").await.is_empty());
    assert_eq!(events_of(store, &s, "new").await.len(), 1);
    let all = store
        .events_by_time(&s, TimeRange::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1, "no stale time index entry");

    // Rewritten with the same profile and time (the worker marking it processed): one
    // entry in each listing, and it is the new version.
    let mut processed = all.items[0].clone();
    processed.metadata.status = "processed".into();
    store
        .put_events(&s, std::slice::from_ref(&processed))
        .await
        .unwrap();
    let of_new = store.events_by_profile(&s, "new", None, 10).await.unwrap();
    assert_eq!(of_new.items, vec![processed.clone()]);
    let all = store
        .events_by_time(&s, TimeRange::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(all.items, vec![processed.clone()]);

    // Its profile dropped: gone from the profile's listing, still listed by time.
    let mut anonymous = processed;
    anonymous.profile = None;
    store
        .put_events(&s, std::slice::from_ref(&anonymous))
        .await
        .unwrap();
    assert!(events_of(store, &s, "new").await.is_empty());
    let all = store
        .events_by_time(&s, TimeRange::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(all.items, vec![anonymous]);
}

pub async fn config_documents(store: &dyn Store) {
    let s = scope();
    let a = json!({"id": "a", "name": "A"});
    let b = json!({"id": "b", "name": "B"});
    store.put_config(&s, "rule", "b", &b).await.unwrap();
    store.put_config(&s, "rule", "a", &a).await.unwrap();
    store
        .put_config(&s, "flow", "a", &json!({"id": "a", "flow": true}))
        .await
        .unwrap();
    assert_eq!(
        store.config(&s, "rule", "a").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.list_config(&s, "rule").await.unwrap(), vec![a, b]);
    assert!(store.delete_config(&s, "rule", "a").await.unwrap());
    assert!(!store.delete_config(&s, "rule", "a").await.unwrap());
    assert_eq!(store.list_config(&s, "rule").await.unwrap().len(), 1);
    assert_eq!(store.list_config(&s, "flow").await.unwrap().len(), 1);
    assert!(store.list_config(&s, "nothing").await.unwrap().is_empty());
    // A document stored under another key than its `id` (an API key under the hash of
    // its secret) is listed with that key, in key order.
    let token = json!({"id": "short", "key": "zz-long-hash"});
    store
        .put_config(&s, "token", "zz-long-hash", &token)
        .await
        .unwrap();
    store
        .put_config(&s, "token", "aa", &json!({"id": "aa"}))
        .await
        .unwrap();
    let keyed = store.list_config_keyed(&s, "token").await.unwrap();
    assert_eq!(
        keyed,
        vec![
            ("aa".to_string(), json!({"id": "aa"})),
            ("zz-long-hash".to_string(), token)
        ]
    );
}

pub async fn scopes_are_isolated(store: &dyn Store) {
    let prod = scope();
    let staging = Scope::default_tenant(Context::Staging);
    let other = Scope::new("acme", Context::Production);
    store
        .put_profile(&prod, &Profile::new("p1".into(), t(0)))
        .await
        .unwrap();
    store
        .put_events(&prod, &[event("e1", Some("p1"), 0)])
        .await
        .unwrap();
    store
        .put_config(&prod, "rule", "r", &json!({"id": "r"}))
        .await
        .unwrap();
    for s in [&staging, &other] {
        assert!(store.profile(s, "p1").await.unwrap().is_none());
        assert!(store.event(s, "e1").await.unwrap().is_none());
        assert!(store.config(s, "rule", "r").await.unwrap().is_none());
        assert_eq!(store.counts(s).await.unwrap(), Default::default());
    }
}

pub async fn counts_and_meta(store: &dyn Store) {
    let s = scope();
    assert_eq!(store.schema_version().await.unwrap(), None);
    store.set_schema_version(7).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Some(7));
    store
        .put_profile(&s, &Profile::new("p1".into(), t(0)))
        .await
        .unwrap();
    store
        .put_session(&s, &Session::new("s1".into(), Some("p1"), t(0)))
        .await
        .unwrap();
    store
        .put_events(
            &s,
            &[event("e1", Some("p1"), 0), event("e2", Some("p1"), 1)],
        )
        .await
        .unwrap();
    store.durable().await.unwrap();
    let c = store.counts(&s).await.unwrap();
    assert_eq!((c.profiles, c.sessions, c.events), (1, 1, 2));
    assert!(store.disk_size().await.unwrap() > 0);
}

pub async fn unknown_fields_survive(store: &dyn Store) {
    let s = scope();
    let mut p = Profile::new("p1".into(), t(0));
    p.extra.insert("custom_top".into(), json!({"x": 1}));
    p.data
        .contact
        .email
        .extra
        .insert("work2".into(), json!("a@b.c"));
    p.aux.insert("anything".into(), json!([1, 2]));
    store.put_profile(&s, &p).await.unwrap();
    assert_eq!(store.profile(&s, "p1").await.unwrap().unwrap(), p);
}

pub async fn locks_exclude_per_key(store: &dyn Store) {
    let s = scope();
    let wait = std::time::Duration::from_millis(300);
    let held = store.lock(&s, "session:1").await.unwrap();
    assert!(
        tokio::time::timeout(wait, store.lock(&s, "session:1"))
            .await
            .is_err(),
        "a held key is not granted twice"
    );
    // Other keys and the same key in another scope proceed.
    let other = store.lock(&s, "profile:1").await.unwrap();
    let staging = Scope::default_tenant(Context::Staging);
    let elsewhere = store.lock(&staging, "session:1").await.unwrap();
    drop((other, elsewhere));
    drop(held);
    let again = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.lock(&s, "session:1"),
    )
    .await
    .expect("released on drop")
    .unwrap();
    drop(again);
    // A waiter given up on (timed out above) left nothing behind.
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.lock(&s, "session:1"),
    )
    .await
    .expect("a cancelled waiter leaves the key free")
    .unwrap();
}

pub async fn lock_many_takes_every_key_without_deadlock(store: &dyn Store) {
    let s = scope();
    let wait = std::time::Duration::from_millis(300);
    let keys = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("profile:{n}"))
            .collect::<Vec<_>>()
    };
    let held = store.lock_many(&s, &keys(&["b", "a", "b"])).await.unwrap();
    for k in ["a", "b"] {
        assert!(
            tokio::time::timeout(wait, store.lock(&s, &format!("profile:{k}")))
                .await
                .is_err(),
            "profile:{k} is held by lock_many"
        );
    }
    let free = store.lock(&s, "profile:c").await.unwrap();
    drop(free);
    drop(held);
    // Overlapping sets given in opposite orders, many times over, never deadlock.
    let sets = [
        keys(&["x", "y", "z"]),
        keys(&["z", "y", "x"]),
        keys(&["y", "w", "x"]),
    ];
    let sc = &s;
    let rounds = async {
        for _ in 0..20 {
            let all = sets.iter().map(|set| async move {
                let g = store.lock_many(sc, set).await.unwrap();
                tokio::task::yield_now().await;
                drop(g);
            });
            futures::future::join_all(all).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), rounds)
        .await
        .expect("overlapping lock_many calls finish");
    let again = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.lock_many(&s, &keys(&["a", "b", "x", "y", "z", "w"])),
    )
    .await
    .expect("every key was released")
    .unwrap();
    drop(again);
}

pub async fn scopes_and_config_kinds(store: &dyn Store) {
    let prod = scope();
    let acme = Scope::new("acme", Context::Staging);
    store
        .put_profile(&prod, &Profile::new("p1".into(), t(0)))
        .await
        .unwrap();
    store
        .put_config(&acme, "rule", "r", &json!({"id": "r"}))
        .await
        .unwrap();
    store
        .put_config(&acme, "flow", "f", &json!({"id": "f"}))
        .await
        .unwrap();
    let scopes = store.scopes().await.unwrap();
    assert!(
        scopes.contains(&prod) && scopes.contains(&acme),
        "{scopes:?}"
    );
    assert_eq!(store.config_kinds(&acme).await.unwrap(), ["flow", "rule"]);
    assert!(store.config_kinds(&prod).await.unwrap().is_empty());
}

pub async fn profiles_by_alias_finds_every_holder(store: &dyn Store) {
    let s = scope();
    for id in ["a", "b", "c"] {
        let mut p = Profile::new(id.into(), t(0));
        if id != "c" {
            p.ids.push("emm-shared".into());
        }
        store.put_profile(&s, &p).await.unwrap();
    }
    let mut holders: Vec<String> = store
        .profiles_by_alias(&s, "emm-shared")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    holders.sort();
    assert_eq!(holders, ["a", "b"]);
    assert_eq!(
        store.profiles_by_alias(&s, "c").await.unwrap().len(),
        1,
        "own id"
    );
    let mut b = store.profile(&s, "b").await.unwrap().unwrap();
    b.ids.retain(|i| i != "emm-shared");
    store.put_profile(&s, &b).await.unwrap();
    store.delete_profile(&s, "a").await.unwrap();
    assert!(store
        .profiles_by_alias(&s, "emm-shared")
        .await
        .unwrap()
        .is_empty());
}

/// What a merge asks of the store: the holders of a key by id, and a profile's events
/// and sessions moved to another profile with every index following.
pub async fn merge_moves_events_and_sessions(store: &dyn Store) {
    let s = scope();
    for id in ["a", "b", "c"] {
        let mut p = Profile::new(id.into(), t(0));
        if id != "c" {
            p.ids.push("emm-shared".into());
        }
        store.put_profile(&s, &p).await.unwrap();
    }
    let mut holders = store.profile_ids_by_alias(&s, "emm-shared").await.unwrap();
    holders.sort();
    assert_eq!(holders, ["a", "b"]);
    assert!(store
        .profile_ids_by_alias(&s, "emm-none")
        .await
        .unwrap()
        .is_empty());
    let events: Vec<Event> = (0..7)
        .map(|i| event(&format!("e{i}"), Some(if i < 5 { "b" } else { "a" }), i))
        .collect();
    store.put_events(&s, &events).await.unwrap();
    for (sid, pid) in [("s1", "b"), ("s2", "b"), ("s3", "a"), ("s4", "c")] {
        store
            .put_session(&s, &Session::new(sid.into(), Some(pid), t(0)))
            .await
            .unwrap();
    }
    let moved = store.move_events(&s, "b", "a").await.unwrap();
    assert_eq!(moved, ["e0", "e1", "e2", "e3", "e4"], "oldest first");
    let mut sessions = store.move_sessions(&s, "b", "a").await.unwrap();
    sessions.sort();
    assert_eq!(sessions, ["s1", "s2"]);
    let of_a = store.events_by_profile(&s, "a", None, 100).await.unwrap();
    let ids: Vec<&str> = of_a.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e0", "e1", "e2", "e3", "e4", "e5", "e6"]);
    assert!(of_a.items.iter().all(|e| e.profile_id() == Some("a")));
    assert_eq!(
        store.event(&s, "e3").await.unwrap().unwrap().profile_id(),
        Some("a")
    );
    assert!(events_of(store, &s, "b").await.is_empty());
    // The time index is untouched: every event once, in order.
    let by_time = store
        .events_by_time(&s, TimeRange::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(by_time.items.len(), 7);
    let mut of_a: Vec<String> = store
        .sessions_by_profile(&s, "a", None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|x| x.id)
        .collect();
    of_a.sort();
    assert_eq!(of_a, ["s1", "s2", "s3"]);
    assert!(store
        .sessions_by_profile(&s, "b", None, 100)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        store.session(&s, "s2").await.unwrap().unwrap().profile_id(),
        Some("a")
    );
    // Nothing to move: nothing moved.
    assert!(store.move_events(&s, "b", "a").await.unwrap().is_empty());
    assert!(store.move_sessions(&s, "zz", "a").await.unwrap().is_empty());
    // More events and sessions than a backend may move without a hand-off: all of them.
    let many: Vec<Event> = (0..40)
        .map(|i| event(&format!("m{i:02}"), Some("c"), 100 + i))
        .collect();
    store.put_events(&s, &many).await.unwrap();
    for i in 0..20 {
        store
            .put_session(&s, &Session::new(format!("c{i:02}"), Some("c"), t(0)))
            .await
            .unwrap();
    }
    let moved = store.move_events(&s, "c", "a").await.unwrap();
    let expected: Vec<&str> = many.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(moved, expected, "oldest first");
    let mut sessions = store.move_sessions(&s, "c", "a").await.unwrap();
    sessions.sort();
    assert_eq!(sessions.len(), 21);
    assert_eq!(sessions[0], "c00");
    assert!(events_of(store, &s, "c").await.is_empty());
    assert_eq!(events_of(store, &s, "a").await.len(), 47);
}

pub async fn sessions_by_profile_follow_repointing(store: &dyn Store) {
    let s = scope();
    for (sid, pid) in [("s1", "p1"), ("s2", "p1"), ("s3", "p2")] {
        store
            .put_session(&s, &Session::new(sid.into(), Some(pid), t(0)))
            .await
            .unwrap();
    }
    let ids = |page: crate::store::Page<Session>| -> Vec<String> {
        page.items.into_iter().map(|x| x.id).collect()
    };
    assert_eq!(
        ids(store.sessions_by_profile(&s, "p1", None, 10).await.unwrap()),
        ["s1", "s2"]
    );
    let first = store.sessions_by_profile(&s, "p1", None, 1).await.unwrap();
    let next = first.next.clone().unwrap();
    assert_eq!(ids(first), ["s1"]);
    assert_eq!(
        ids(store
            .sessions_by_profile(&s, "p1", Some(&next), 1)
            .await
            .unwrap()),
        ["s2"]
    );
    let mut moved = store.session(&s, "s2").await.unwrap().unwrap();
    moved.profile = Some(EntityRef::new("p2"));
    store.put_session(&s, &moved).await.unwrap();
    assert_eq!(
        ids(store.sessions_by_profile(&s, "p1", None, 10).await.unwrap()),
        ["s1"]
    );
    assert_eq!(
        ids(store.sessions_by_profile(&s, "p2", None, 10).await.unwrap()),
        ["s2", "s3"]
    );
    store.delete_session(&s, "s3").await.unwrap();
    assert_eq!(
        ids(store.sessions_by_profile(&s, "p2", None, 10).await.unwrap()),
        ["s2"]
    );
}

pub async fn merge_journal_by_profile(store: &dyn Store) {
    use crate::domain::{MergeAction, MergeRecord, MergeTrigger};
    let s = scope();
    let record = |id: &str, at: i64, survivor: &str, merged: &[&str]| MergeRecord {
        id: id.into(),
        time: t(at),
        action: MergeAction::Merge,
        trigger: MergeTrigger {
            kind: "key".into(),
            detail: "emm-x".into(),
            keys: vec!["emm-x".into()],
        },
        survivor: survivor.into(),
        merged: merged.iter().map(|m| m.to_string()).collect(),
        inputs: vec![Profile::new(survivor.into(), t(0))],
        result: None,
        moved_events: Default::default(),
        moved_sessions: Default::default(),
        related: None,
        message: None,
    };
    let m2 = record("m2", 2, "a", &["c"]);
    let m1 = record("m1", 1, "a", &["b"]);
    store.put_merge_record(&s, &m2).await.unwrap();
    store.put_merge_record(&s, &m1).await.unwrap();
    assert_eq!(
        store.merge_record(&s, "m1").await.unwrap(),
        Some(m1.clone())
    );
    assert!(store.merge_record(&s, "nope").await.unwrap().is_none());
    let of_a: Vec<String> = store
        .merge_records_of(&s, "a")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(of_a, ["m1", "m2"], "oldest first");
    assert_eq!(store.merge_records_of(&s, "b").await.unwrap(), vec![m1]);
    assert!(store.merge_records_of(&s, "z").await.unwrap().is_empty());
    // Deleting a record takes it out of every profile's list.
    assert!(store.delete_merge_record(&s, "m1").await.unwrap());
    assert!(!store.delete_merge_record(&s, "m1").await.unwrap());
    assert!(store.merge_record(&s, "m1").await.unwrap().is_none());
    assert!(store.merge_records_of(&s, "b").await.unwrap().is_empty());
    let of_a: Vec<String> = store
        .merge_records_of(&s, "a")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(of_a, ["m2"]);
}

pub async fn merge_marks(store: &dyn Store) {
    let s = scope();
    assert!(store.marked_for_merge(&s, 10).await.unwrap().is_empty());
    for id in ["p2", "p1", "p3"] {
        store.mark_for_merge(&s, id).await.unwrap();
    }
    store.mark_for_merge(&s, "p1").await.unwrap();
    let mut marked = store.marked_for_merge(&s, 10).await.unwrap();
    marked.sort();
    assert_eq!(marked, ["p1", "p2", "p3"], "a profile is marked once");
    assert_eq!(store.marked_for_merge(&s, 2).await.unwrap().len(), 2);
    store.unmark_for_merge(&s, "p2").await.unwrap();
    store.unmark_for_merge(&s, "never").await.unwrap();
    assert_eq!(store.marked_for_merge(&s, 10).await.unwrap().len(), 2);
}

pub async fn meta_and_scopes(store: &dyn Store) {
    assert_eq!(store.meta("salt").await.unwrap(), None);
    store.set_meta("salt", "s3cret").await.unwrap();
    assert_eq!(store.meta("salt").await.unwrap().as_deref(), Some("s3cret"));
    let a = Scope::new("acme", Context::Staging);
    store
        .put_config(&a, "rule", "r", &json!({"id": "r"}))
        .await
        .unwrap();
    store
        .put_profile(&scope(), &Profile::new("p".into(), t(0)))
        .await
        .unwrap();
    let scopes = store.scopes().await.unwrap();
    assert!(scopes.contains(&a), "{scopes:?}");
    assert!(scopes.contains(&scope()), "{scopes:?}");
}

fn new_item(topic: &str, key: Option<&str>, n: i64) -> super::NewItem {
    super::NewItem {
        scope: scope(),
        topic: topic.into(),
        key: key.map(str::to_string),
        payload: json!({ "n": n }),
    }
}

/// The retry policy's attempts for the queue checks that do not test it.
const MAX_ATTEMPTS: u32 = 8;

fn payload_n(l: &super::Leased) -> i64 {
    l.item.payload["n"].as_i64().unwrap()
}

pub async fn queue_lease_ack_and_key_order(store: &dyn Store) {
    let vis = Duration::seconds(30);
    let seqs = store
        .enqueue(
            &[
                new_item("work", Some("p1"), 1),
                new_item("work", Some("p1"), 2),
                new_item("work", Some("p2"), 3),
                new_item("work", None, 4),
                new_item("other", Some("p1"), 5),
            ],
            t(0),
        )
        .await
        .unwrap();
    assert_eq!(seqs.len(), 5);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let stats = store.queue_stats(t(0)).await.unwrap();
    assert_eq!(
        (stats.depth, stats.in_flight, stats.dead_letters),
        (5, 0, 0)
    );
    assert_eq!(stats.oldest, Some(t(0)));

    // p1's second item waits for its first; topics are separate.
    let leased = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(1))
        .await
        .unwrap();
    assert_eq!(
        leased.iter().map(payload_n).collect::<Vec<_>>(),
        vec![1, 3, 4]
    );
    assert_eq!(leased[0].item.scope, scope());
    // The lease counts the attempt it begins.
    assert_eq!(leased[0].item.attempts, 1);
    assert!(store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(2))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.queue_stats(t(2)).await.unwrap().in_flight, 3);

    let first = &leased[0];
    assert!(!store
        .ack(first.item.seq, "not-the-token", t(2))
        .await
        .unwrap());
    assert!(store.ack(first.item.seq, &first.token, t(2)).await.unwrap());
    assert!(!store.ack(first.item.seq, &first.token, t(2)).await.unwrap());
    let next = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(3))
        .await
        .unwrap();
    assert_eq!(next.iter().map(payload_n).collect::<Vec<_>>(), vec![2]);
    let other = store
        .lease("other", 1, vis, MAX_ATTEMPTS, t(3))
        .await
        .unwrap();
    assert_eq!(other.iter().map(payload_n).collect::<Vec<_>>(), vec![5]);
    for l in leased[1..].iter().chain(&next).chain(&other) {
        assert!(store.ack(l.item.seq, &l.token, t(4)).await.unwrap());
    }
    let stats = store.queue_stats(t(4)).await.unwrap();
    assert_eq!((stats.depth, stats.in_flight, stats.oldest), (0, 0, None));
    // Sequence numbers keep growing after the queue empties.
    let later = store
        .enqueue(&[new_item("work", None, 6)], t(5))
        .await
        .unwrap();
    assert!(later[0] > seqs[4]);
    let limited = store
        .enqueue(&[new_item("work", None, 7)], t(5))
        .await
        .unwrap();
    assert!(limited[0] > later[0]);
    assert_eq!(
        store
            .lease("work", 1, vis, MAX_ATTEMPTS, t(6))
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn queue_lease_expiry_returns_items(store: &dyn Store) {
    let vis = Duration::seconds(10);
    store
        .enqueue(&[new_item("work", Some("p"), 1)], t(0))
        .await
        .unwrap();
    let a = store
        .lease("work", 1, vis, MAX_ATTEMPTS, t(0))
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].until, t(10));
    assert!(store
        .lease("work", 1, vis, MAX_ATTEMPTS, t(5))
        .await
        .unwrap()
        .is_empty());
    let b = store
        .lease("work", 1, vis, MAX_ATTEMPTS, t(11))
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].item.seq, a[0].item.seq);
    assert_ne!(b[0].token, a[0].token);
    // The first consumer lost its lease: its answers change nothing.
    assert!(!store.ack(a[0].item.seq, &a[0].token, t(12)).await.unwrap());
    assert_eq!(
        store
            .nack(a[0].item.seq, &a[0].token, "late", None, t(12))
            .await
            .unwrap(),
        super::NackOutcome::Stale
    );
    assert!(store.ack(b[0].item.seq, &b[0].token, t(12)).await.unwrap());
    assert_eq!(store.queue_stats(t(12)).await.unwrap().depth, 0);
}

pub async fn queue_nack_backoff_and_dead_letters(store: &dyn Store) {
    use super::NackOutcome;
    let vis = Duration::seconds(30);
    store
        .enqueue(
            &[
                new_item("work", Some("p"), 1),
                new_item("work", Some("p"), 2),
            ],
            t(0),
        )
        .await
        .unwrap();
    let a = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(0))
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    let seq = a[0].item.seq;
    assert_eq!(
        store
            .nack(seq, &a[0].token, "boom", Some(t(60)), t(1))
            .await
            .unwrap(),
        NackOutcome::Retry(t(60))
    );
    // Backing off: neither it nor the next item of its key is handed out.
    assert!(store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(30))
        .await
        .unwrap()
        .is_empty());
    let b = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(60))
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].item.seq, seq);
    // The nack did not count the attempt again; this lease counts the second.
    assert_eq!(b[0].item.attempts, 2);
    assert_eq!(b[0].item.expired, 0);
    assert_eq!(b[0].item.last_error.as_deref(), Some("boom"));
    assert_eq!(
        store
            .nack(seq, &b[0].token, "boom again", None, t(61))
            .await
            .unwrap(),
        NackOutcome::Dead
    );
    let stats = store.queue_stats(t(61)).await.unwrap();
    assert_eq!((stats.depth, stats.dead_letters), (1, 1));

    let dead = store.dead_letters(None, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].seq, seq);
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(dead[0].last_error.as_deref(), Some("boom again"));
    assert_eq!(dead[0].payload, json!({ "n": 1 }));
    assert_eq!(store.dead_letter(seq).await.unwrap().unwrap(), dead[0]);
    assert!(store.dead_letters(Some(seq), 10).await.unwrap().is_empty());
    assert!(store.dead_letter(seq + 1000).await.unwrap().is_none());

    // A dead letter no longer holds up its key.
    let c = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(62))
        .await
        .unwrap();
    assert_eq!(c.iter().map(payload_n).collect::<Vec<_>>(), vec![2]);
    assert!(store.ack(c[0].item.seq, &c[0].token, t(62)).await.unwrap());

    // Replay puts it at the end of the queue with a fresh attempt count.
    assert_eq!(
        store.replay_dead_letter(seq + 1000, t(63)).await.unwrap(),
        None
    );
    let new_seq = store.replay_dead_letter(seq, t(63)).await.unwrap().unwrap();
    assert!(new_seq > seq);
    assert!(store.dead_letter(seq).await.unwrap().is_none());
    let d = store
        .lease("work", 10, vis, MAX_ATTEMPTS, t(64))
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].item.seq, d[0].item.attempts), (new_seq, 1));
    assert_eq!(
        store
            .nack(new_seq, &d[0].token, "third", None, t(65))
            .await
            .unwrap(),
        NackOutcome::Dead
    );
    store
        .enqueue(&[new_item("work", None, 9)], t(66))
        .await
        .unwrap();
    let e = store
        .lease("work", 1, vis, MAX_ATTEMPTS, t(66))
        .await
        .unwrap();
    store
        .nack(e[0].item.seq, &e[0].token, "x", None, t(66))
        .await
        .unwrap();
    assert_eq!(store.dead_letters(None, 10).await.unwrap().len(), 2);
    assert_eq!(store.purge_dead_letters(Some(new_seq)).await.unwrap(), 1);
    assert_eq!(store.purge_dead_letters(Some(new_seq)).await.unwrap(), 0);
    assert_eq!(store.purge_dead_letters(None).await.unwrap(), 1);
    assert_eq!(
        store.queue_stats(t(67)).await.unwrap(),
        super::QueueStats::default()
    );
}

/// Fills both contexts of a tenant with one of everything.
async fn fill_tenant(store: &dyn Store, tenant: &str) {
    for ctx in Context::ALL {
        let s = Scope::new(tenant, ctx);
        let mut p = Profile::new(format!("{tenant}-p"), t(0));
        p.ids.push(format!("{tenant}-alias"));
        store.put_profile(&s, &p).await.unwrap();
        let sess = Session::new(format!("{tenant}-s"), Some(&p.id), t(0));
        store.put_session(&s, &sess).await.unwrap();
        store
            .put_events(&s, &[event(&format!("{tenant}-e"), Some(&p.id), 1)])
            .await
            .unwrap();
        store
            .put_config(&s, "rule", "r1", &json!({"id": "r1", "t": tenant}))
            .await
            .unwrap();
        store.mark_for_merge(&s, &p.id).await.unwrap();
    }
    let item = super::NewItem {
        scope: Scope::new(tenant, Context::Production),
        topic: "t".into(),
        key: None,
        payload: json!({"tenant": tenant}),
    };
    store.enqueue(&[item], t(0)).await.unwrap();
}

pub async fn drop_tenant_removes_only_that_tenant(store: &dyn Store) {
    fill_tenant(store, "acme").await;
    fill_tenant(store, "beta").await;
    store.drop_tenant("beta").await.unwrap();
    store.durable().await.unwrap();
    let tenants: Vec<String> = store
        .scopes()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.tenant)
        .collect();
    assert!(tenants.contains(&"acme".to_string()));
    assert!(!tenants.contains(&"beta".to_string()), "{tenants:?}");
    for ctx in Context::ALL {
        let b = Scope::new("beta", ctx);
        assert_eq!(store.counts(&b).await.unwrap(), super::Counts::default());
        assert!(store.profile(&b, "beta-alias").await.unwrap().is_none());
        assert!(store.config(&b, "rule", "r1").await.unwrap().is_none());
        assert!(store.marked_for_merge(&b, 10).await.unwrap().is_empty());
        let a = Scope::new("acme", ctx);
        let counts = store.counts(&a).await.unwrap();
        assert_eq!((counts.profiles, counts.sessions, counts.events), (1, 1, 1));
        assert_eq!(
            store.profile(&a, "acme-alias").await.unwrap().unwrap().id,
            "acme-p"
        );
        assert!(store.config(&a, "rule", "r1").await.unwrap().is_some());
        assert_eq!(
            store.marked_for_merge(&a, 10).await.unwrap(),
            vec!["acme-p"]
        );
    }
    let leased = store
        .lease("t", 10, Duration::seconds(30), MAX_ATTEMPTS, t(1))
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].item.scope.tenant, "acme");
}

pub async fn tenant_registry_and_indexes(store: &dyn Store) {
    use super::tenants;
    use crate::domain::{RateLimit, Tenant, TenantState};
    assert!(tenants::tenant(store, "acme").await.unwrap().is_none());
    let mut acme = Tenant {
        name: "acme".into(),
        state: TenantState::Active,
        created: t(0),
        admin_email: "admin@acme.test".into(),
        installation_token_sha256: "00".into(),
        default_source: "src-acme".into(),
        rate_limit: None,
        suspended_at: None,
    };
    tenants::put_tenant(store, &acme).await.unwrap();
    let mut beta = acme.clone();
    beta.name = "beta".into();
    tenants::put_tenant(store, &beta).await.unwrap();
    acme.state = TenantState::Suspended;
    acme.rate_limit = Some(RateLimit {
        events_per_second: 2.5,
        burst: 5,
    });
    tenants::put_tenant(store, &acme).await.unwrap();
    assert_eq!(tenants::tenant(store, "acme").await.unwrap().unwrap(), acme);
    let names: Vec<String> = tenants::tenants(store)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["acme", "beta"]);
    tenants::index_source(store, "src-acme", "acme")
        .await
        .unwrap();
    tenants::index_source(store, "src-beta", "beta")
        .await
        .unwrap();
    tenants::index_token(store, "k-acme", "acme").await.unwrap();
    assert_eq!(
        tenants::source_tenant(store, "src-acme")
            .await
            .unwrap()
            .as_deref(),
        Some("acme")
    );
    assert_eq!(
        tenants::token_tenant(store, "k-acme")
            .await
            .unwrap()
            .as_deref(),
        Some("acme")
    );
    assert!(tenants::source_tenant(store, "nope")
        .await
        .unwrap()
        .is_none());
    assert_eq!(tenants::unregister(store, "acme").await.unwrap(), 2);
    assert!(tenants::tenant(store, "acme").await.unwrap().is_none());
    assert!(tenants::token_tenant(store, "k-acme")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        tenants::source_tenant(store, "src-beta")
            .await
            .unwrap()
            .as_deref(),
        Some("beta")
    );
}

pub async fn queue_not_before_delays_items(store: &dyn Store) {
    let vis = Duration::seconds(30);
    let delayed = store
        .enqueue_at(&[new_item("later", None, 1)], t(10), t(0))
        .await
        .unwrap();
    // A not-before time in the past means now.
    store
        .enqueue_at(&[new_item("later", None, 2)], t(-100), t(0))
        .await
        .unwrap();
    // A delayed item with a key holds up its key's later items until it is done.
    store
        .enqueue_at(&[new_item("keyed", Some("p1"), 3)], t(10), t(0))
        .await
        .unwrap();
    store
        .enqueue(&[new_item("keyed", Some("p1"), 4)], t(0))
        .await
        .unwrap();
    let stats = store.queue_stats(t(1)).await.unwrap();
    assert_eq!((stats.depth, stats.in_flight), (4, 0));
    assert_eq!(stats.oldest, Some(t(0)));

    let now = store
        .lease("later", 10, vis, MAX_ATTEMPTS, t(5))
        .await
        .unwrap();
    assert_eq!(now.iter().map(payload_n).collect::<Vec<_>>(), vec![2]);
    assert!(store
        .lease("keyed", 10, vis, MAX_ATTEMPTS, t(5))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .lease("later", 10, vis, MAX_ATTEMPTS, t(9))
        .await
        .unwrap()
        .is_empty());

    let due = store
        .lease("later", 10, vis, MAX_ATTEMPTS, t(10))
        .await
        .unwrap();
    assert_eq!(due.iter().map(payload_n).collect::<Vec<_>>(), vec![1]);
    assert_eq!(due[0].item.seq, delayed[0]);
    assert_eq!(due[0].item.enqueued_at, t(0));
    assert_eq!(due[0].item.available_at, t(10));
    assert_eq!(due[0].item.attempts, 1);
    assert!(store
        .ack(due[0].item.seq, &due[0].token, t(10))
        .await
        .unwrap());
    assert!(store
        .ack(now[0].item.seq, &now[0].token, t(10))
        .await
        .unwrap());

    let keyed = store
        .lease("keyed", 10, vis, MAX_ATTEMPTS, t(10))
        .await
        .unwrap();
    assert_eq!(keyed.iter().map(payload_n).collect::<Vec<_>>(), vec![3]);
    assert!(store
        .ack(keyed[0].item.seq, &keyed[0].token, t(11))
        .await
        .unwrap());
    let next = store
        .lease("keyed", 10, vis, MAX_ATTEMPTS, t(11))
        .await
        .unwrap();
    assert_eq!(next.iter().map(payload_n).collect::<Vec<_>>(), vec![4]);
    assert!(store
        .ack(next[0].item.seq, &next[0].token, t(11))
        .await
        .unwrap());
    assert_eq!(store.queue_stats(t(12)).await.unwrap().depth, 0);
}

/// A lease that expires (a worker crashed or hung) counts as an attempt; once the
/// attempts are spent the next lease sends the item to the dead-letter queue.
pub async fn queue_expired_leases_count_as_attempts(store: &dyn Store) {
    use super::queue::{expired_error, LEASE_EXPIRED};
    use super::NackOutcome;
    let vis = Duration::seconds(10);
    store
        .enqueue(
            &[
                new_item("work", Some("p"), 1),
                new_item("work", Some("p"), 2),
            ],
            t(0),
        )
        .await
        .unwrap();
    let a = store.lease("work", 10, vis, 3, t(0)).await.unwrap();
    assert_eq!(a.iter().map(payload_n).collect::<Vec<_>>(), vec![1]);
    let seq = a[0].item.seq;
    assert_eq!((a[0].item.attempts, a[0].item.expired), (1, 0));
    assert_eq!(a[0].item.leased_until, Some(t(10)));

    // The first lease ran out: the second attempt counts it as lost.
    let b = store.lease("work", 10, vis, 3, t(11)).await.unwrap();
    assert_eq!(b.iter().map(payload_n).collect::<Vec<_>>(), vec![1]);
    assert_eq!((b[0].item.attempts, b[0].item.expired), (2, 1));
    // A nack ends the attempt without counting it again.
    assert_eq!(
        store
            .nack(seq, &b[0].token, "boom", Some(t(20)), t(12))
            .await
            .unwrap(),
        NackOutcome::Retry(t(20))
    );
    let c = store.lease("work", 10, vis, 3, t(20)).await.unwrap();
    assert_eq!(c.iter().map(payload_n).collect::<Vec<_>>(), vec![1]);
    assert_eq!((c[0].item.attempts, c[0].item.expired), (3, 1));
    assert_eq!(c[0].item.last_error.as_deref(), Some("boom"));
    assert!(store
        .lease("work", 10, vis, 3, t(25))
        .await
        .unwrap()
        .is_empty());

    // The third lease ran out too and the attempts are spent: the item goes to the
    // dead-letter queue instead of out again, and its key's next item is handed out.
    let batch = store.lease_batch("work", 10, vis, 3, t(31)).await.unwrap();
    let d = batch.leased;
    assert_eq!(d.iter().map(payload_n).collect::<Vec<_>>(), vec![2]);
    assert_eq!((d[0].item.attempts, d[0].item.expired), (1, 0));
    let dead = store.dead_letter(seq).await.unwrap().unwrap();
    // The lease says what it sent to the dead-letter queue, as it stored it.
    assert_eq!(batch.dead, vec![dead.clone()]);
    assert_eq!((dead.attempts, dead.expired), (3, 2));
    assert_eq!(dead.leased_until, None);
    assert_eq!(
        dead.last_error.as_deref(),
        Some(expired_error(2, 3, Some("boom")).as_str())
    );
    assert!(dead.last_error.unwrap().starts_with(LEASE_EXPIRED));
    let stats = store.queue_stats(t(31)).await.unwrap();
    assert_eq!(
        (stats.depth, stats.in_flight, stats.dead_letters),
        (1, 1, 1)
    );
    // The lost attempt's late answers change nothing.
    assert!(!store.ack(seq, &c[0].token, t(32)).await.unwrap());
    assert_eq!(
        store
            .nack(seq, &c[0].token, "late", None, t(32))
            .await
            .unwrap(),
        NackOutcome::Stale
    );
    assert!(store.ack(d[0].item.seq, &d[0].token, t(32)).await.unwrap());

    // Replayed, it starts again from no attempts.
    let again = store.replay_dead_letter(seq, t(40)).await.unwrap().unwrap();
    let e = store.lease("work", 10, vis, 3, t(40)).await.unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].item.seq, e[0].item.attempts, e[0].item.expired),
        (again, 1, 0)
    );

    // Never answered and out of attempts after the first: dead with every attempt lost.
    store
        .enqueue(&[new_item("solo", None, 3)], t(50))
        .await
        .unwrap();
    let f = store.lease("solo", 1, vis, 1, t(50)).await.unwrap();
    assert_eq!(f.len(), 1);
    let batch = store.lease_batch("solo", 1, vis, 1, t(61)).await.unwrap();
    assert!(batch.leased.is_empty());
    let dead = store.dead_letter(f[0].item.seq).await.unwrap().unwrap();
    assert_eq!(batch.dead, vec![dead.clone()]);
    assert_eq!((dead.attempts, dead.expired), (1, 1));
    assert_eq!(
        dead.last_error.as_deref(),
        Some(expired_error(1, 1, None).as_str())
    );
}

/// What a collected request writes, in one call; concurrent calls; and a later write
/// moving an id from one profile to another.
pub async fn commit_track_writes_every_part(store: &dyn Store) {
    use super::{NewItem, TrackWrite};
    let s = scope();
    let mut p = Profile::new("p1".into(), t(0));
    p.ids.push("alias-1".into());
    let session = Session::new("s1".into(), Some("p1"), t(0));
    let events = vec![event("e1", Some("p1"), 1), event("e2", Some("p1"), 2)];
    let jobs = vec![NewItem {
        scope: s.clone(),
        topic: "workflow".into(),
        key: Some("p1".into()),
        payload: json!({"events": ["e1", "e2"]}),
    }];
    store.commit_track(&s, TrackWrite::default()).await.unwrap();
    store
        .commit_track(
            &s,
            TrackWrite {
                mark_for_merge: Some("p1"),
                profile: Some(&p),
                session: Some(&session),
                jobs: &jobs,
                events: &events,
            },
        )
        .await
        .unwrap();
    store.durable().await.unwrap();
    assert_eq!(store.profile(&s, "alias-1").await.unwrap().unwrap(), p);
    assert_eq!(store.session(&s, "s1").await.unwrap().unwrap(), session);
    let stored = store.events_by_profile(&s, "p1", None, 10).await.unwrap();
    assert_eq!(stored.items, events);
    assert_eq!(store.marked_for_merge(&s, 10).await.unwrap(), vec!["p1"]);
    let leased = store
        .lease("workflow", 10, Duration::seconds(30), 8, Utc::now())
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].item.payload, jobs[0].payload);

    // Many at once (on PostgreSQL: shared transactions), each complete.
    let profiles: Vec<Profile> = (0..20)
        .map(|i| Profile::new(format!("c{i:02}"), t(0)))
        .collect();
    let batches: Vec<Vec<Event>> = (0..20)
        .map(|i| vec![event(&format!("ce{i:02}"), Some(&format!("c{i:02}")), 5)])
        .collect();
    let writes = profiles.iter().zip(&batches).map(|(p, e)| {
        store.commit_track(
            &s,
            TrackWrite {
                profile: Some(p),
                events: e,
                ..TrackWrite::default()
            },
        )
    });
    for r in futures::future::join_all(writes).await {
        r.unwrap();
    }
    store.durable().await.unwrap();
    for (p, e) in profiles.iter().zip(&batches) {
        assert_eq!(store.profile(&s, &p.id).await.unwrap().as_ref(), Some(p));
        assert_eq!(
            store.event(&s, &e[0].id).await.unwrap().as_ref(),
            Some(&e[0])
        );
    }

    // The id moves to another profile: the index follows, the old holder loses it.
    p.ids.clear();
    let mut p2 = Profile::new("p2".into(), t(0));
    p2.ids.push("alias-1".into());
    for profile in [&p, &p2] {
        let write = TrackWrite {
            profile: Some(profile),
            ..TrackWrite::default()
        };
        store.commit_track(&s, write).await.unwrap();
    }
    store.durable().await.unwrap();
    assert_eq!(
        store.profile(&s, "alias-1").await.unwrap().unwrap().id,
        "p2"
    );
    let holders = store.profiles_by_alias(&s, "alias-1").await.unwrap();
    assert_eq!(
        holders.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec!["p2"]
    );
}

/// Runs the conformance suite against a backend. `$make` is an async expression that
/// yields a fresh, empty store (anything that derefs to `dyn Store`).
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@each $make;
            profiles_by_id_and_alias,
            profile_aliases_follow_changes,
            profile_delete_removes_aliases,
            profile_paging,
            sessions_round_trip,
            events_round_trip_and_indexes,
            events_by_time_range_and_paging,
            event_reindexed_when_profile_changes,
            config_documents,
            scopes_are_isolated,
            counts_and_meta,
            unknown_fields_survive,
            profiles_by_alias_finds_every_holder,
            sessions_by_profile_follow_repointing,
            merge_journal_by_profile,
            merge_marks,
            meta_and_scopes,
            locks_exclude_per_key,
            lock_many_takes_every_key_without_deadlock,
            scopes_and_config_kinds,
            queue_lease_ack_and_key_order,
            queue_lease_expiry_returns_items,
            queue_nack_backoff_and_dead_letters,
            drop_tenant_removes_only_that_tenant,
            tenant_registry_and_indexes,
            queue_not_before_delays_items,
            merge_moves_events_and_sessions,
            queue_expired_leases_count_as_attempts,
            commit_track_writes_every_part
        );
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $make;
                $crate::store::testsuite::$name(&*store).await;
            }
        )*
    };
}
