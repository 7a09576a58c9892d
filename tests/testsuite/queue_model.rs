//! Model-based test of the work queue: random enqueues, leases, acks, nacks, dead-letter
//! replays, clock steps and crash/reopens compared with an in-memory model. Every lease
//! counts an attempt; a lease that expires or dies with the process is a lost attempt,
//! and an item whose attempts are spent goes to the dead-letter queue at its next lease.

use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use tracardictl::domain::{Context, Scope};
use tracardictl::store::queue::expired_error;
use tracardictl::store::{NackOutcome, NewItem, SharedStore};

#[derive(Debug, Clone)]
pub(crate) enum QOp {
    Enqueue {
        topic: u8,
        key: Option<u8>,
    },
    Lease {
        topic: u8,
        max: u8,
        visibility: u8,
        max_attempts: u8,
    },
    Ack {
        pick: u8,
        stale: bool,
    },
    Nack {
        pick: u8,
        retry_in: Option<u8>,
    },
    Advance {
        secs: u8,
    },
    Replay {
        pick: u8,
    },
    Purge {
        pick: Option<u8>,
    },
    /// The process dies with leases held; the store is reopened.
    Crash,
}

pub(crate) fn qop() -> impl Strategy<Value = QOp> {
    prop_oneof![
        5 => (0u8..2, prop::option::of(0u8..3)).prop_map(|(topic, key)| QOp::Enqueue { topic, key }),
        5 => (0u8..2, 1u8..4, 1u8..20, 1u8..4).prop_map(|(topic, max, visibility, max_attempts)| QOp::Lease { topic, max, visibility, max_attempts }),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(pick, stale)| QOp::Ack { pick, stale }),
        3 => (any::<u8>(), prop::option::of(0u8..30)).prop_map(|(pick, retry_in)| QOp::Nack { pick, retry_in }),
        3 => (0u8..25).prop_map(|secs| QOp::Advance { secs }),
        1 => any::<u8>().prop_map(|pick| QOp::Replay { pick }),
        1 => prop::option::of(any::<u8>()).prop_map(|pick| QOp::Purge { pick }),
        1 => Just(QOp::Crash),
    ]
}

#[derive(Debug, Clone)]
struct MItem {
    topic: String,
    key: Option<String>,
    n: u64,
    /// Leases taken.
    attempts: u32,
    /// Leases lost (expired, or held by a process that crashed).
    expired: u32,
    available_at: i64,
    enqueued_at: i64,
    last_error: Option<String>,
    /// The lease held: token and expiry. Gone with the process on the embedded store.
    lease: Option<(String, i64)>,
    /// An attempt began and was neither acked nor nacked; survives crashes.
    outstanding: bool,
}

#[derive(Default)]
struct Model {
    queue: BTreeMap<u64, MItem>,
    dead: BTreeMap<u64, MItem>,
    now: i64,
    enqueued: u64,
}

impl Model {
    /// What a lease at `now` does: the seqs it hands out and those it moves to the
    /// dead-letter queue (spent attempts), in seq order. A dead item no longer blocks
    /// its key.
    fn leasable(&self, topic: &str, max: usize, max_attempts: u32) -> (Vec<u64>, Vec<u64>) {
        let mut blocked = HashSet::new();
        let mut out = Vec::new();
        let mut dead = Vec::new();
        for (seq, it) in &self.queue {
            if out.len() >= max {
                break;
            }
            if it.topic != topic || it.key.as_ref().is_some_and(|k| blocked.contains(k)) {
                continue;
            }
            let held = matches!(&it.lease, Some((_, until)) if *until > self.now);
            if it.available_at > self.now || held {
                blocked.extend(it.key.clone());
                continue;
            }
            if it.attempts >= max_attempts {
                dead.push(*seq);
                continue;
            }
            blocked.extend(it.key.clone());
            out.push(*seq);
        }
        (out, dead)
    }

    /// Leases currently held (token set), in seq order; expired ones too (their answers
    /// still count until the item is leased again).
    fn held(&self) -> Vec<(u64, String)> {
        self.queue
            .iter()
            .filter_map(|(s, it)| it.lease.as_ref().map(|(t, _)| (*s, t.clone())))
            .collect()
    }
}

fn at(base: chrono::DateTime<chrono::Utc>, secs: i64) -> chrono::DateTime<chrono::Utc> {
    base + chrono::Duration::seconds(secs)
}

fn topic_name(t: u8) -> String {
    format!("topic-{t}")
}

async fn check(store: &SharedStore, model: &Model, base: chrono::DateTime<chrono::Utc>) {
    let now = at(base, model.now);
    let stats = store.queue_stats(now).await.unwrap();
    assert_eq!(stats.depth, model.queue.len() as u64, "depth");
    let in_flight = model
        .queue
        .values()
        .filter(|it| matches!(&it.lease, Some((_, until)) if *until > model.now))
        .count() as u64;
    assert_eq!(stats.in_flight, in_flight, "in flight");
    assert_eq!(
        stats.oldest,
        model
            .queue
            .values()
            .next()
            .map(|it| at(base, it.enqueued_at)),
        "oldest"
    );
    assert_eq!(stats.dead_letters, model.dead.len() as u64, "dead letters");
    let dead = store.dead_letters(None, 1000).await.unwrap();
    let got: Vec<_> = dead
        .iter()
        .map(|d| {
            (
                d.seq,
                d.attempts,
                d.expired,
                d.last_error.clone(),
                d.payload["n"].as_u64(),
            )
        })
        .collect();
    let want: Vec<_> = model
        .dead
        .iter()
        .map(|(s, it)| {
            (
                *s,
                it.attempts,
                it.expired,
                it.last_error.clone(),
                Some(it.n),
            )
        })
        .collect();
    assert_eq!(got, want, "dead letters");
}

/// Applies `ops` to the store `open` yields (called again after each crash) and to the
/// model, checking after every step. `leases_survive_crash` is false for the embedded
/// store (leases die with the process) and true for a shared database, where they
/// expire instead.
pub(crate) async fn run_queue_model<F, Fut>(ops: Vec<QOp>, mut open: F, leases_survive_crash: bool)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = SharedStore>,
{
    let scope = Scope::default_tenant(Context::Production);
    let base = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let mut store = open().await;
    let mut model = Model::default();
    for op in ops {
        let now = at(base, model.now);
        match op {
            QOp::Enqueue { topic, key } => {
                let key = key.map(|k| format!("profile-{k}"));
                let n = model.enqueued;
                model.enqueued += 1;
                let seqs = store
                    .enqueue(
                        &[NewItem {
                            scope: scope.clone(),
                            topic: topic_name(topic),
                            key: key.clone(),
                            payload: serde_json::json!({ "n": n }),
                        }],
                        now,
                    )
                    .await
                    .unwrap();
                assert_eq!(seqs.len(), 1);
                let seq = seqs[0];
                let highest = model.queue.keys().chain(model.dead.keys()).max();
                assert!(
                    highest.is_none_or(|h| seq > *h),
                    "seq {seq} after {highest:?}"
                );
                model.queue.insert(
                    seq,
                    MItem {
                        topic: topic_name(topic),
                        key,
                        n,
                        attempts: 0,
                        expired: 0,
                        available_at: model.now,
                        enqueued_at: model.now,
                        last_error: None,
                        lease: None,
                        outstanding: false,
                    },
                );
            }
            QOp::Lease {
                topic,
                max,
                visibility,
                max_attempts,
            } => {
                let max_attempts = max_attempts as u32;
                let (want, dead) = model.leasable(&topic_name(topic), max as usize, max_attempts);
                let batch = store
                    .lease_batch(
                        &topic_name(topic),
                        max as usize,
                        chrono::Duration::seconds(visibility as i64),
                        max_attempts,
                        now,
                    )
                    .await
                    .unwrap();
                let got = batch.leased;
                let seqs: Vec<u64> = got.iter().map(|l| l.item.seq).collect();
                assert_eq!(seqs, want, "leased");
                let mut reported: Vec<u64> = batch.dead.iter().map(|i| i.seq).collect();
                reported.sort_unstable();
                let mut expected = dead.clone();
                expected.sort_unstable();
                assert_eq!(reported, expected, "reported as dead");
                for seq in dead {
                    let mut it = model.queue.remove(&seq).unwrap();
                    if std::mem::take(&mut it.outstanding) {
                        it.expired += 1;
                        it.last_error = Some(expired_error(
                            it.expired,
                            it.attempts,
                            it.last_error.as_deref(),
                        ));
                    }
                    it.lease = None;
                    model.dead.insert(seq, it);
                }
                for l in got {
                    let it = model.queue.get_mut(&l.item.seq).unwrap();
                    if it.outstanding {
                        it.expired += 1;
                    }
                    it.attempts += 1;
                    it.outstanding = true;
                    assert_eq!(l.item.payload["n"].as_u64(), Some(it.n));
                    assert_eq!(l.item.attempts, it.attempts, "attempts");
                    assert_eq!(l.item.expired, it.expired, "expired");
                    assert_eq!(l.item.last_error, it.last_error);
                    it.lease = Some((l.token, model.now + visibility as i64));
                }
            }
            QOp::Ack { pick, stale } => {
                let held = model.held();
                if held.is_empty() {
                    continue;
                }
                let (seq, token) = held[pick as usize % held.len()].clone();
                let token = if stale {
                    format!("{token}-stale")
                } else {
                    token
                };
                let ok = store.ack(seq, &token, now).await.unwrap();
                assert_eq!(ok, !stale, "ack");
                if ok {
                    model.queue.remove(&seq);
                }
            }
            QOp::Nack { pick, retry_in } => {
                let held = model.held();
                if held.is_empty() {
                    continue;
                }
                let (seq, token) = held[pick as usize % held.len()].clone();
                let error = format!("failed at {}", model.now);
                let retry_at = retry_in.map(|d| at(base, model.now + d as i64));
                let got = store
                    .nack(seq, &token, &error, retry_at, now)
                    .await
                    .unwrap();
                let mut it = model.queue.remove(&seq).unwrap();
                it.last_error = Some(error);
                it.lease = None;
                it.outstanding = false;
                match retry_in {
                    Some(d) => {
                        assert_eq!(got, NackOutcome::Retry(at(base, model.now + d as i64)));
                        it.available_at = model.now + d as i64;
                        model.queue.insert(seq, it);
                    }
                    None => {
                        assert_eq!(got, NackOutcome::Dead);
                        model.dead.insert(seq, it);
                    }
                }
            }
            QOp::Advance { secs } => model.now += secs as i64,
            QOp::Replay { pick } => {
                let dead: Vec<u64> = model.dead.keys().copied().collect();
                if dead.is_empty() {
                    assert_eq!(store.replay_dead_letter(1 << 40, now).await.unwrap(), None);
                    continue;
                }
                let seq = dead[pick as usize % dead.len()];
                let new_seq = store.replay_dead_letter(seq, now).await.unwrap().unwrap();
                let mut it = model.dead.remove(&seq).unwrap();
                let highest = model.queue.keys().chain(model.dead.keys()).max();
                assert!(new_seq > seq && highest.is_none_or(|h| new_seq > *h));
                it.attempts = 0;
                it.expired = 0;
                it.available_at = model.now;
                it.enqueued_at = model.now;
                model.queue.insert(new_seq, it);
            }
            QOp::Purge { pick } => {
                let dead: Vec<u64> = model.dead.keys().copied().collect();
                match pick {
                    Some(p) if !dead.is_empty() => {
                        let seq = dead[p as usize % dead.len()];
                        assert_eq!(store.purge_dead_letters(Some(seq)).await.unwrap(), 1);
                        model.dead.remove(&seq);
                    }
                    Some(_) => {
                        assert_eq!(store.purge_dead_letters(Some(7)).await.unwrap(), 0);
                    }
                    None => {
                        let n = store.purge_dead_letters(None).await.unwrap();
                        assert_eq!(n, model.dead.len() as u64);
                        model.dead.clear();
                    }
                }
            }
            QOp::Crash => {
                store.durable().await.unwrap();
                drop(store);
                store = open().await;
                if !leases_survive_crash {
                    for it in model.queue.values_mut() {
                        it.lease = None;
                    }
                }
            }
        }
        check(&store, &model, base).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn queue_matches_model(ops in prop::collection::vec(qop(), 1..80)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(run_queue_model(ops, || {
            let store = crate::store_model::open(dir.path());
            async move { store }
        }, false));
    }
}
