//! Model-based test of the embedded store: random puts, gets, deletes and reopens
//! compared with an in-memory model.

use proptest::prelude::*;
use std::collections::BTreeMap;
use tracardictl::domain::{Context, EntityRef, Event, Profile, Scope};
use tracardictl::store::{self, OpenOptions, SharedStore, TimeRange};

#[derive(Debug, Clone)]
pub(crate) enum Op {
    PutProfile { id: u8, alias: u8, version: u32 },
    DeleteProfile { id: u8 },
    PutEvent { id: u8, profile: u8, at: u16 },
    DeleteEvent { id: u8 },
    Durable,
    Reopen,
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..8, 0u8..4, any::<u32>()).prop_map(|(id, alias, version)| Op::PutProfile { id, alias, version }),
        1 => (0u8..8).prop_map(|id| Op::DeleteProfile { id }),
        4 => (0u8..16, 0u8..8, any::<u16>()).prop_map(|(id, profile, at)| Op::PutEvent { id, profile, at }),
        1 => (0u8..16).prop_map(|id| Op::DeleteEvent { id }),
        1 => Just(Op::Durable),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Default)]
struct Model {
    profiles: BTreeMap<String, (String, u32)>, // id → (alias, version)
    events: BTreeMap<String, (String, u16)>,   // id → (profile, at)
}

pub(crate) fn open(dir: &std::path::Path) -> SharedStore {
    // sled's background flusher can hold the file lock for a moment after the last
    // handle is dropped; a reopen on a loaded machine retries briefly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match store::open(
            dir.to_str().unwrap(),
            &OpenOptions {
                cache_bytes: 4 << 20,
            },
        ) {
            Ok(s) => return s,
            Err(store::StoreError::Locked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot reopen the store: {e}"),
        }
    }
}

async fn check(store: &SharedStore, model: &Model, scope: &Scope) {
    for i in 0..8u8 {
        let id = format!("p{i}");
        let got = store.profile(scope, &id).await.unwrap();
        match model.profiles.get(&id) {
            Some((alias, version)) => {
                let p = got.expect("profile in model must be in store");
                assert_eq!(p.traits["version"], *version);
                // The alias resolves unless a later profile took it over.
                let owner = store.profile(scope, alias).await.unwrap().map(|p| p.id);
                assert!(owner.is_some(), "alias {alias} of {id} resolves to nothing");
            }
            None => assert!(got.is_none(), "{id} deleted but still stored"),
        }
    }
    for i in 0..16u8 {
        let id = format!("e{i}");
        let got = store.event(scope, &id).await.unwrap();
        assert_eq!(got.is_some(), model.events.contains_key(&id), "event {id}");
    }
    let all = store
        .events_by_time(scope, TimeRange::default(), None, 1000)
        .await
        .unwrap();
    assert_eq!(all.items.len(), model.events.len(), "time index matches");
    for i in 0..8u8 {
        let pid = format!("p{i}");
        let expected = model.events.values().filter(|(p, _)| *p == pid).count();
        let got = store
            .events_by_profile(scope, &pid, None, 1000)
            .await
            .unwrap();
        assert_eq!(got.items.len(), expected, "profile index of {pid}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model(ops in prop::collection::vec(op(), 1..60)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(run_model(ops, || {
            let store = open(dir.path());
            async move { store }
        }));
    }
}

/// Applies `ops` to the store `open` yields (called again for each reopen) and to the
/// model, checking after every step. Shared by every backend's model test.
pub(crate) async fn run_model<F, Fut>(ops: Vec<Op>, mut open: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = SharedStore>,
{
    let scope = Scope::default_tenant(Context::Production);
    let mut store = open().await;
    let mut model = Model::default();
    let base = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    for op in ops {
        match op {
            Op::PutProfile { id, alias, version } => {
                let id = format!("p{id}");
                let alias = format!("alias-{id}-{alias}");
                let mut p = Profile::new(id.clone(), base);
                p.ids.push(alias.clone());
                p.traits.insert("version".into(), version.into());
                store.put_profile(&scope, &p).await.unwrap();
                model.profiles.insert(id, (alias, version));
            }
            Op::DeleteProfile { id } => {
                let id = format!("p{id}");
                let existed = store.delete_profile(&scope, &id).await.unwrap();
                assert_eq!(existed, model.profiles.remove(&id).is_some());
            }
            Op::PutEvent { id, profile, at } => {
                let id = format!("e{id}");
                let pid = format!("p{profile}");
                let mut e = Event::new(
                    id.clone(),
                    "x".into(),
                    "s",
                    base + chrono::Duration::seconds(at as i64),
                );
                e.profile = Some(EntityRef::new(&pid));
                store.put_events(&scope, &[e]).await.unwrap();
                model.events.insert(id, (pid, at));
            }
            Op::DeleteEvent { id } => {
                let id = format!("e{id}");
                let existed = store.delete_event(&scope, &id).await.unwrap();
                assert_eq!(existed, model.events.remove(&id).is_some());
            }
            Op::Durable => store.durable().await.unwrap(),
            Op::Reopen => {
                store.durable().await.unwrap();
                drop(store);
                store = open().await;
            }
        }
        check(&store, &model, &scope).await;
    }
}
