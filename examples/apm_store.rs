//! The store of the APM benchmark (`benches/apm/run.sh`), written through the Store API
//! (no HTTP): `PROFILES` profiles, of which `2 × PAIRS` come in pairs sharing an email
//! (so a merge key). The second profile of each pair is marked for merging, as the
//! collector marks a profile whose key changed; the first was examined earlier. Every
//! profile of a pair has one session and `EVENTS` events, which the merge moves.
//!
//! Usage: `cargo run --release --example apm_store -- DATA_DIR [PROFILES] [PAIRS] [EVENTS]`
//! (defaults 1,000,000, 100,000, 2). The store gets the current schema version and a
//! merge-key salt, so `tracardictl serve --data-dir DATA_DIR` runs its APM on it.

use anyhow::{bail, Context as _};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use tracardictl::domain::{Context, EntityRef, Event, EventSession, Profile, Scope, Session};
use tracardictl::identity::KeyPolicy;
use tracardictl::store::{self, SharedStore};

/// Profiles written between two `durable()` calls.
const BATCH: u64 = 2000;

fn arg(n: usize, default: u64) -> anyhow::Result<u64> {
    match std::env::args().nth(n) {
        Some(v) => v
            .parse()
            .with_context(|| format!("argument {n} `{v}` is not a count")),
        None => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        bail!("usage: apm_store DATA_DIR [PROFILES] [PAIRS] [EVENTS]");
    };
    let profiles = arg(2, 1_000_000)?;
    let pairs = arg(3, 100_000)?;
    let events = arg(4, 2)?;
    if pairs * 2 > profiles {
        bail!("{pairs} pairs need at least {} profiles", pairs * 2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = store::open_async(&dir, &store::OpenOptions::default()).await?;
        if store.schema_version().await?.is_none() {
            store.set_schema_version(store::SCHEMA_VERSION).await?;
        }
        let salt = tracardictl::daemon::resolve_salt(&store, None).await?;
        let policy = Arc::new(KeyPolicy {
            salt,
            blocked: vec![],
        });
        let scope = Scope::new("default", Context::Production);
        let started = Instant::now();
        // Two writers on disjoint halves (the machine has two cores).
        let half = profiles / 2;
        let mut tasks = Vec::new();
        for (from, to) in [(0, half), (half, profiles)] {
            let (store, policy, scope) = (store.clone(), policy.clone(), scope.clone());
            tasks.push(tokio::spawn(async move {
                write_range(&store, &policy, &scope, from..to, pairs, events).await
            }));
        }
        for t in tasks {
            t.await??;
        }
        store.durable().await?;
        let secs = started.elapsed().as_secs_f64();
        let counts = store.counts(&scope).await?;
        println!(
            "apm_store: {} profiles ({pairs} duplicate pairs), {} sessions, {} events in {secs:.1}s ({:.0} profiles/s)",
            counts.profiles,
            counts.sessions,
            counts.events,
            profiles as f64 / secs
        );
        // As a daemon stops: the APM daemon then starts without replaying this log.
        store.checkpoint().await?;
        anyhow::Ok(())
    })
}

async fn write_range(
    store: &SharedStore,
    policy: &KeyPolicy,
    scope: &Scope,
    range: std::ops::Range<u64>,
    pairs: u64,
    events: u64,
) -> anyhow::Result<()> {
    let now = Utc::now();
    for i in range {
        let in_pair = i < pairs * 2;
        let mut p = Profile::new(format!("bench-p{i:08}"), now);
        // Pairs share an email; every other profile has an email of its own.
        p.data.contact.email.main = Some(if in_pair {
            format!("dup{}@bench.example", i / 2)
        } else {
            format!("solo{i}@bench.example")
        });
        p.data.pii.firstname = Some(format!("First{i}"));
        p.traits.insert("segment".into(), (i % 7).into());
        policy.refresh(&mut p);
        let marked = in_pair && i % 2 == 1;
        if !marked {
            // Examined before: only the later profile of a pair waits for the APM.
            p.metadata.system.aux.auto_merge.clear();
        }
        store.put_profile(scope, &p).await?;
        if marked {
            store.mark_for_merge(scope, &p.id).await?;
        }
        if in_pair {
            let session = Session::new(format!("bench-s{i:08}"), Some(&p.id), now);
            store.put_session(scope, &session).await?;
            let evs: Vec<Event> = (0..events)
                .map(|n| {
                    let mut e = Event::new(
                        format!("bench-e{i:08}-{n}"),
                        "page-view".into(),
                        "bench",
                        now,
                    );
                    e.profile = Some(EntityRef::new(&p.id));
                    e.session = Some(EventSession {
                        id: session.id.clone(),
                        start: Some(now),
                        duration: 0.0,
                        tz: None,
                    });
                    e
                })
                .collect();
            store.put_events(scope, &evs).await?;
        }
        if i % BATCH == BATCH - 1 {
            store.durable().await?;
        }
    }
    Ok(())
}
