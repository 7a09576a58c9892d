//! The PostgreSQL backend, black-box: the model test, two collector processes on one
//! database, an unreachable database, retention and `migrate copy`. Every test runs on
//! its own schema of `TEST_POSTGRES_URL` and prints that it was skipped without it.

use crate::store_model::{op, run_model};
use crate::support::{client, command, payload, Server};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracardictl::domain::{Context, EntityRef, Event, Profile, Scope, Session};
use tracardictl::store::postgres::testing::{with_params, TestStore};
use tracardictl::store::postgres::PostgresStore;
use tracardictl::store::{self, OpenOptions, SharedStore, Store, TimeRange};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The model test of the embedded store, unchanged, on PostgreSQL; a reopen is a new
    /// pool on the same schema.
    #[test]
    fn postgres_store_matches_model(ops in prop::collection::vec(op(), 1..60)) {
        let rt = runtime();
        rt.block_on(async {
            let Some(db) = TestStore::create("postgres_store_matches_model").await else {
                return;
            };
            let uri = db.uri();
            run_model(ops, || {
                let uri = uri.clone();
                async move {
                    let s: SharedStore = Arc::new(PostgresStore::connect(&uri).await.unwrap());
                    s
                }
            })
            .await;
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The queue model test on PostgreSQL: a crash is a new pool, and leases held by
    /// the dead pool stay until they expire.
    #[test]
    fn postgres_queue_matches_model(ops in prop::collection::vec(crate::queue_model::qop(), 1..60)) {
        let rt = runtime();
        rt.block_on(async {
            let Some(db) = TestStore::create("postgres_queue_matches_model").await else {
                return;
            };
            let uri = db.uri();
            crate::queue_model::run_queue_model(ops, || {
                let uri = uri.clone();
                async move {
                    let s: SharedStore = Arc::new(PostgresStore::connect(&uri).await.unwrap());
                    s
                }
            }, true)
            .await;
        });
    }
}

/// Every event of a scope, by insert time.
async fn all_events(store: &dyn Store, scope: &Scope) -> Vec<Event> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .events_by_time(scope, TimeRange::default(), cursor.as_deref(), 1000)
            .await
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

fn start_collector(dir: &std::path::Path, uri: &str) -> Server {
    Server::start_at(dir, &["collector", &format!("--store={uri}")])
}

/// Two collector processes on one database, concurrent traffic for the same sessions
/// and the same profile through both: one profile per session, no lost visit count, and
/// after one collector is SIGKILLed no acknowledged event is missing.
#[test]
fn two_collectors_share_one_database() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("two_collectors_share_one_database")) else {
        return;
    };
    let uri = with_params(&db.uri(), "pool_size=8");
    let dir = tempfile::tempdir().unwrap();
    let a = start_collector(&dir.path().join("a"), &uri);
    let source = a.source().to_string();
    let mut b = start_collector(&dir.path().join("b"), &uri);
    assert!(
        b.default_source.is_none(),
        "the second collector reuses the source"
    );
    let urls = [a.collector().to_string(), b.collector().to_string()];
    let http = client();

    // Phase 1: 16 sessions, each hit through both collectors at once.
    let sessions: Vec<String> = (0..16).map(|i| format!("shared-session-{i}")).collect();
    let profile_of: Arc<Mutex<HashMap<String, HashSet<String>>>> = Arc::default();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for round in 0..3 {
            for (k, s) in sessions.iter().enumerate() {
                for url in &urls {
                    let (http, url, s, source, seen) = (
                        http.clone(),
                        url.clone(),
                        s.clone(),
                        source.clone(),
                        profile_of.clone(),
                    );
                    tasks.push(tokio::spawn(async move {
                        let body = payload(&source, Some(&s), None, &["page-view"]);
                        let r = http
                            .post(format!("{url}/track"))
                            .json(&body)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 200, "round {round} session {k}");
                        let v: serde_json::Value = r.json().await.unwrap();
                        let pid = v["profile"]["id"].as_str().unwrap().to_string();
                        seen.lock().unwrap().entry(s).or_default().insert(pid);
                    }));
                }
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    for (s, pids) in profile_of.lock().unwrap().iter() {
        assert_eq!(pids.len(), 1, "session {s} got profiles {pids:?}");
    }
    let scope = Scope::default_tenant(Context::Production);
    let counts = rt.block_on(db.counts(&scope)).unwrap();
    assert_eq!(counts.profiles, 16, "one profile per session");
    assert_eq!(counts.sessions, 16);

    // Phase 2: one profile, 40 new sessions through both collectors at once: every new
    // session is a visit, none lost to a concurrent read-modify-write.
    let first: serde_json::Value = rt.block_on(async {
        let body = payload(&source, Some("visit-0"), None, &["page-view"]);
        let r = http
            .post(format!("{}/track", urls[0]))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    });
    let pid = first["profile"]["id"].as_str().unwrap().to_string();
    rt.block_on(async {
        let tasks: Vec<_> = (1..=40)
            .map(|i| {
                let (http, url, source, pid) = (
                    http.clone(),
                    urls[i % 2].clone(),
                    source.clone(),
                    pid.clone(),
                );
                tokio::spawn(async move {
                    let s = format!("visit-{i}");
                    let body = payload(&source, Some(&s), Some(&pid), &["page-view"]);
                    let r = http
                        .post(format!("{url}/track"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let profile = rt.block_on(db.profile(&scope, &pid)).unwrap().unwrap();
    assert_eq!(profile.metadata.time.visit.count, 41, "no lost visit");

    // Phase 3: steady traffic through both; SIGKILL collector b midway.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handles: Vec<_> = (0..8)
        .map(|c| {
            let (http, url, source, acked, stop) = (
                http.clone(),
                urls[c % 2].clone(),
                source.clone(),
                acked.clone(),
                stop.clone(),
            );
            rt.spawn(async move {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let ids: Vec<String> = (0..3).map(|k| format!("c{c}-r{n}-e{k}")).collect();
                    let body = serde_json::json!({
                        "source": {"id": source},
                        "session": {"id": format!("kill-session-{}", n % 6)},
                        "events": ids.iter().map(|id| serde_json::json!({"id": id, "type": "page-view"})).collect::<Vec<_>>(),
                    });
                    match http.post(format!("{url}/track")).json(&body).send().await {
                        Ok(r) if r.status().is_success() => acked.lock().unwrap().extend(ids),
                        Ok(r) if r.status() == 503 => {}
                        _ => break, // this collector is gone
                    }
                }
            })
        })
        .collect();
    let start = Instant::now();
    while acked.lock().unwrap().len() < 600 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    b.kill();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in handles {
        let _ = rt.block_on(h);
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "too little traffic: {}", acked.len());
    let stored: HashSet<String> = rt
        .block_on(all_events(&*db, &scope))
        .into_iter()
        .map(|e| e.id)
        .collect();
    let missing: Vec<_> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // Still one profile per session, across both processes and the kill.
    let sessions = rt.block_on(db.list_sessions(&scope, None, 1000)).unwrap();
    let kill_sessions: Vec<Session> = sessions
        .items
        .into_iter()
        .filter(|s| s.id.starts_with("kill-session-"))
        .collect();
    assert_eq!(kill_sessions.len(), 6);
    let events = rt.block_on(all_events(&*db, &scope));
    for s in &kill_sessions {
        let pids: HashSet<_> = events
            .iter()
            .filter(|e| e.session.as_ref().map(|x| x.id.as_str()) == Some(s.id.as_str()))
            .filter_map(|e| e.profile_id().map(str::to_string))
            .collect();
        assert_eq!(
            pids.len(),
            1,
            "session {} has events of profiles {pids:?}",
            s.id
        );
    }
    drop(a);
}

/// A TCP proxy to the database that the test can cut and restore.
struct Proxy {
    port: u16,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                conns.spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Proxy {
            port,
            task: Some(task),
        }
    }

    /// Closes the listener and every proxied connection (the JoinSet aborts them).
    async fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }
}

/// Database gone → 503 with Retry-After quickly, never a hang or a 2xx; back → 200 again
/// without a restart.
#[test]
fn unreachable_database_answers_503_and_recovers() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("unreachable_database")) else {
        return;
    };
    let mut proxy = rt.block_on(Proxy::start(0));
    let base = std::env::var(tracardictl::store::postgres::testing::ENV).unwrap();
    let proxied = with_params(
        &base.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port)),
        &format!("schema={}&timeout_ms=1000", db.schema()),
    );
    assert!(
        proxied.contains(&proxy.port.to_string()),
        "TEST_POSTGRES_URL must name 127.0.0.1:5432"
    );
    let dir = tempfile::tempdir().unwrap();
    let srv = start_collector(&dir.path().join("d"), &proxied);
    let source = srv.source().to_string();
    let url = format!("{}/track", srv.collector());
    let http = client();
    let send = |session: &str| {
        let body = payload(&source, Some(session), None, &["page-view"]);
        let req = http.post(&url).json(&body);
        rt.block_on(async move {
            let started = Instant::now();
            let r = req.send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers().get("retry-after").cloned(),
                started.elapsed(),
            )
        })
    };
    assert_eq!(send("before").0, 200);

    rt.block_on(proxy.cut());
    for i in 0..3 {
        let (status, retry, took) = send(&format!("during-{i}"));
        assert_eq!(status, 503, "database unreachable");
        assert!(retry.is_some(), "503 carries Retry-After");
        assert!(took < Duration::from_secs(5), "answered in {took:?}");
    }
    let during = rt.block_on(db.session(&Scope::default_tenant(Context::Production), "during-0"));
    assert!(
        during.unwrap().is_none(),
        "nothing was written while refused"
    );

    let port = proxy.port;
    let _proxy = rt.block_on(Proxy::start(port));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _, _) = send("after");
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Retention drops whole monthly partitions and their id index entries.
#[test]
fn retention_drops_old_partitions() {
    let rt = runtime();
    rt.block_on(async {
        let Some(db) = TestStore::create("retention").await else {
            return;
        };
        let s = Scope::default_tenant(Context::Production);
        let at = |y, m| {
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, m, 15, 0, 0, 0)
                .single()
                .unwrap()
        };
        let mut events = Vec::new();
        for (i, (y, m)) in [(2023, 11), (2023, 12), (2024, 1)].into_iter().enumerate() {
            let mut e = Event::new(format!("e{i}"), "page-view".into(), "src", at(y, m));
            e.profile = Some(EntityRef::new("p1"));
            events.push(e);
        }
        db.put_events(&s, &events).await.unwrap();
        let dropped = db.drop_events_before(at(2024, 1)).await.unwrap();
        let mut dropped = dropped;
        dropped.sort();
        assert_eq!(dropped, ["events_2023_11", "events_2023_12"]);
        assert!(db.event(&s, "e0").await.unwrap().is_none());
        assert!(db.event(&s, "e2").await.unwrap().is_some());
        assert_eq!(db.counts(&s).await.unwrap().events, 1);
        // Writing into a dropped month recreates its partition.
        db.put_events(&s, &events[..1]).await.unwrap();
        assert!(db.event(&s, "e0").await.unwrap().is_some());
    });
}

/// `migrate copy` moves every scope of an embedded store to PostgreSQL and verifies it.
#[test]
fn migrate_copy_from_sled() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("migrate_copy_from_sled")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let scopes = [
        Scope::default_tenant(Context::Production),
        Scope::new("acme", Context::Staging),
    ];
    rt.block_on(async {
        let sled = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        sled.set_schema_version(1).await.unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for (k, s) in scopes.iter().enumerate() {
            for i in 0..(120 + k) {
                let mut p = Profile::new(format!("p{i}"), t0);
                p.ids.push(format!("emm-{i}"));
                sled.put_profile(s, &p).await.unwrap();
                sled.put_session(s, &Session::new(format!("s{i}"), Some(&p.id), t0))
                    .await
                    .unwrap();
                let evs: Vec<Event> = (0..5)
                    .map(|j| {
                        let mut e = Event::new(
                            format!("e{i}-{j}"),
                            "page-view".into(),
                            "src",
                            t0 + chrono::Duration::days((i * 5 + j) as i64),
                        );
                        e.profile = Some(EntityRef::new(&p.id));
                        e
                    })
                    .collect();
                sled.put_events(s, &evs).await.unwrap();
            }
            sled.put_config(s, "rule", "r1", &serde_json::json!({"id": "r1"}))
                .await
                .unwrap();
            // A merge in the journal, and a profile waiting for the automatic merge.
            let record: tracardictl::domain::MergeRecord =
                serde_json::from_value(serde_json::json!({
                "id": "m1", "time": t0, "action": "merge",
                "trigger": {"kind": "key", "detail": "emm-1", "keys": ["emm-1"]},
                "survivor": "p1", "merged": ["gone"]}))
                .unwrap();
            sled.put_merge_record(s, &record).await.unwrap();
            sled.mark_for_merge(s, "p2").await.unwrap();
        }
        sled.set_meta("merge_key_salt", "a-salt-of-more-than-twenty-characters")
            .await
            .unwrap();
        sled.durable().await.unwrap();
    });
    let out = command(dir.path())
        .args([
            "migrate",
            "copy",
            "--from",
            &format!("sled:{}", data.display()),
            "--to",
            &db.uri(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("acme/staging"), "{stdout}");
    assert!(!stdout.contains("NO"), "{stdout}");
    rt.block_on(async {
        for (k, s) in scopes.iter().enumerate() {
            let c = db.counts(s).await.unwrap();
            assert_eq!(
                (c.profiles, c.sessions, c.events),
                (120 + k as u64, 120 + k as u64, 5 * (120 + k as u64))
            );
            assert_eq!(db.profile(s, "emm-7").await.unwrap().unwrap().id, "p7");
            assert_eq!(
                db.events_by_profile(s, "p3", None, 10)
                    .await
                    .unwrap()
                    .items
                    .len(),
                5
            );
            assert_eq!(db.list_config(s, "rule").await.unwrap().len(), 1);
            let journal = db.merge_records_of(s, "p1").await.unwrap();
            assert_eq!(journal.len(), 1, "the merge journal is copied");
            assert_eq!(journal[0].merged, ["gone"]);
            assert_eq!(db.marked_for_merge(s, 10).await.unwrap(), ["p2"]);
        }
        assert_eq!(
            db.meta("merge_key_salt").await.unwrap().as_deref(),
            Some("a-salt-of-more-than-twenty-characters"),
            "the merge-key salt is copied"
        );
        assert_eq!(db.schema_version().await.unwrap(), Some(1));
    });
    // Again into the target that now holds data: refused before anything is written.
    let copy_again = |extra: &[&str]| {
        command(dir.path())
            .args([
                "migrate",
                "copy",
                "--from",
                &format!("sled:{}", data.display()),
                "--to",
                &db.uri(),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = copy_again(&[]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("will not copy into"), "{err}");
    assert!(err.contains("--resume"), "{err}");
    // With --resume (finishing an interrupted copy) it is harmless and still verifies.
    let again = copy_again(&["--resume"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

const MP_SOURCE: &str = "mp-async";

/// Records every event it runs for: its id in `traits.seen`, a run counter, and the
/// event's email as the profile's merge key.
const RECORD_FLOW: &str = r#"
id: record-runs
name: Record runs
nodes:
  - {id: start, plugin: start}
  - {id: seen, plugin: append, init: {append: {"profile@traits.seen": "event@id"}}}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.runs}}
  - {id: email, plugin: set, init: {set: {"profile@data.contact.email.main": "event@properties.email"}}}
edges: ["start -> seen", "seen -> count", "count -> email"]
"#;

async fn configure_multi_process(store: &dyn Store, scope: &Scope) {
    use tracardictl::workflow::engine::kinds;
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(RECORD_FLOW)
        .unwrap()
        .to_value();
    let rule = serde_json::json!({"id": "on-buy", "name": "on-buy", "type": "event-collect",
        "event_type": {"id": "purchase", "name": "purchase"},
        "source": {"id": MP_SOURCE, "name": MP_SOURCE},
        "flow": {"id": "record-runs", "name": "record-runs"}, "enabled": true});
    let mut source = tracardictl::domain::EventSource::new_rest(MP_SOURCE, "Asynchronous");
    source.synchronous = Some(false);
    store::put_event_source(store, scope, &source)
        .await
        .unwrap();
    store
        .put_config(scope, kinds::FLOW, "record-runs", &flow)
        .await
        .unwrap();
    store
        .put_config(scope, kinds::RULE, "on-buy", &rule)
        .await
        .unwrap();
}

/// Every profile of a scope.
async fn all_profiles(store: &dyn Store, scope: &Scope) -> Vec<Profile> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list_profiles(scope, cursor.as_deref(), 1000)
            .await
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

/// Issue 11 point 4: two collectors, one worker and one APM process on one database.
/// Concurrent traffic for overlapping sessions and profiles goes to both collectors; one
/// collector and the worker are SIGKILLed midway and restarted. Afterwards: one profile
/// per session, no acknowledged event lost, every event's flow ran once in effect, and
/// every profile sharing an email was merged.
#[test]
fn collectors_worker_and_apm_processes_share_one_database() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create(
        "collectors_worker_and_apm_processes_share_one_database",
    )) else {
        return;
    };
    let scope = Scope::default_tenant(Context::Production);
    rt.block_on(configure_multi_process(&*db, &scope));
    let uri = with_params(&db.uri(), "pool_size=6");
    let store_arg = format!("--store={uri}");
    let dir = tempfile::tempdir().unwrap();
    let begin = Instant::now();
    let a = start_collector(&dir.path().join("a"), &uri);
    let b = start_collector(&dir.path().join("b"), &uri);
    let start_worker = || {
        Server::start_at(
            &dir.path().join("worker"),
            &["worker", &store_arg, "--lease-seconds=2"],
        )
    };
    let mut worker = start_worker();
    let _apm = Server::start_at(&dir.path().join("apm"), &["apm", &store_arg]);

    // 12 sessions; sessions i, i+4 and i+8 share an email, so their profiles merge.
    const SESSIONS: usize = 12;
    const EMAILS: usize = 4;
    let urls = Arc::new(Mutex::new(vec![
        a.collector().to_string(),
        b.collector().to_string(),
    ]));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let profile_of: Arc<Mutex<HashMap<String, HashSet<String>>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let http = client();
    let handles: Vec<_> = (0..8)
        .map(|c| {
            let (http, urls, acked, stop, profile_of) = (
                http.clone(),
                urls.clone(),
                acked.clone(),
                stop.clone(),
                profile_of.clone(),
            );
            rt.spawn(async move {
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let s = (c * 5 + n) % SESSIONS;
                    let id = format!("mp-c{c}-r{n}");
                    let url = urls.lock().unwrap()[(c + n) % 2].clone();
                    let body = serde_json::json!({
                        "source": {"id": MP_SOURCE},
                        "session": {"id": format!("mp-session-{s}")},
                        "events": [{"id": id, "type": "purchase",
                            "properties": {"email": format!("user{}@example.com", s % EMAILS)}}],
                    });
                    match http.post(format!("{url}/track")).json(&body).send().await {
                        Ok(r) if r.status().is_success() => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            if let Some(pid) = v["profile"]["id"].as_str() {
                                profile_of
                                    .lock()
                                    .unwrap()
                                    .entry(format!("mp-session-{s}"))
                                    .or_default()
                                    .insert(pid.to_string());
                            }
                            acked.lock().unwrap().push(id);
                        }
                        Ok(r) => assert_eq!(r.status(), 503, "only 503 may refuse a payload"),
                        // The collector is gone (killed): wait for its replacement.
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            })
        })
        .collect();
    let wait_for = |n: usize| {
        let start = Instant::now();
        while acked.lock().unwrap().len() < n && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(150);
    // SIGKILL collector b and the worker mid-traffic.
    let mut b = b;
    b.kill();
    worker.kill();
    drop(worker);
    let before_restart = acked.lock().unwrap().len();
    wait_for(before_restart + 60);
    let b = start_collector(&dir.path().join("b"), &uri);
    urls.lock().unwrap()[1] = b.collector().to_string();
    let _worker = start_worker();
    let restarted = acked.lock().unwrap().len();
    wait_for(restarted + 150);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in handles {
        rt.block_on(h).unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "too little traffic: {}", acked.len());

    // Let the worker drain the queue and the APM merge everything.
    let settled = Instant::now();
    let (profiles, events) = loop {
        let depth = rt
            .block_on(db.queue_stats(chrono::Utc::now()))
            .unwrap()
            .depth;
        let marked = rt.block_on(db.marked_for_merge(&scope, 10)).unwrap();
        let profiles = rt.block_on(all_profiles(&*db, &scope));
        if depth == 0 && marked.is_empty() && profiles.len() == EMAILS {
            break (profiles, rt.block_on(all_events(&*db, &scope)));
        }
        assert!(
            settled.elapsed() < Duration::from_secs(30),
            "not settled: queue depth {depth}, marked {marked:?}, {} profiles",
            profiles.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    };

    // No acknowledged event lost.
    let stored: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let missing: Vec<_> = acked
        .iter()
        .filter(|id| !stored.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // One profile per session: while collecting (before any merge could re-point it,
    // a session got at most one profile at a time), and at the end, the session, its
    // events and its email all agree on one surviving profile.
    let by_id: HashMap<&str, &Profile> = profiles.iter().map(|p| (p.id.as_str(), p)).collect();
    let sessions = rt
        .block_on(db.list_sessions(&scope, None, 1000))
        .unwrap()
        .items;
    assert_eq!(sessions.len(), SESSIONS);
    for s in &sessions {
        let pid = s.profile_id().unwrap();
        let profile = by_id
            .get(pid)
            .unwrap_or_else(|| panic!("session {} points at {pid}", s.id));
        let i: usize = s.id.trim_start_matches("mp-session-").parse().unwrap();
        assert_eq!(
            profile.data.contact.email.main.as_deref(),
            Some(format!("user{}@example.com", i % EMAILS).as_str())
        );
        let pids: HashSet<_> = events
            .iter()
            .filter(|e| e.session.as_ref().map(|x| x.id.as_str()) == Some(s.id.as_str()))
            .filter_map(|e| e.profile_id())
            .collect();
        assert_eq!(pids, HashSet::from([pid]), "events of session {}", s.id);
        // Every profile id the collectors answered for this session resolves to it.
        for answered in &profile_of.lock().unwrap()[&s.id] {
            let now = rt.block_on(db.profile(&scope, answered)).unwrap().unwrap();
            assert_eq!(now.id, pid, "session {} was answered with {answered}", s.id);
        }
    }
    // Merges complete: one profile per email, each with every merged id.
    let emails: HashSet<_> = profiles
        .iter()
        .map(|p| p.data.contact.email.main.clone())
        .collect();
    assert_eq!(emails.len(), EMAILS, "one profile per email");
    // Every stored purchase's flow ran once in effect: the run counters (summed by the
    // merges) add up to the number of purchases, and every purchase id was recorded.
    // (The other events are the collector's own: profile-created, session-opened, …)
    let purchases: HashSet<&str> = events
        .iter()
        .filter(|e| e.event_type == "purchase")
        .map(|e| e.id.as_str())
        .collect();
    let runs: f64 = profiles
        .iter()
        .map(|p| p.stats.counters.get("runs").copied().unwrap_or(0.0))
        .sum();
    assert_eq!(
        runs as usize,
        purchases.len(),
        "one run per stored purchase"
    );
    let seen: HashSet<String> = profiles
        .iter()
        .flat_map(|p| {
            p.traits
                .get("seen")
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let unrecorded: Vec<_> = purchases.iter().filter(|id| !seen.contains(**id)).collect();
    assert!(unrecorded.is_empty(), "flows never ran for {unrecorded:?}");
    assert!(
        begin.elapsed() < Duration::from_secs(60),
        "took {:?}",
        begin.elapsed()
    );
    drop((a, b));
}

/// `status` and `doctor` on a PostgreSQL store show the server's specifics; on an
/// unreachable one, `doctor` fails and says what to fix.
#[test]
fn status_and_doctor_on_postgres() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("status_and_doctor_on_postgres")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |store: &str, args: &[&str]| {
        let out = command(dir.path())
            .args(args)
            .env("TRACARDI_STORE", store)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = run(&db.uri(), &["status"]);
    assert_eq!(code, Some(0), "{out}");
    for want in [
        "server version",
        "database size",
        "pool",
        "migration",
        "tls",
    ] {
        assert!(out.contains(want), "status lacks {want}: {out}");
    }
    let (_, out) = run(&db.uri(), &["status", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["store"]["backend"]["server_version"].is_string(), "{v}");
    let (_, out) = run(&db.uri(), &["doctor"]);
    assert!(out.contains("PostgreSQL 1"), "{out}");
    assert!(out.contains("pool"), "{out}");

    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gone = format!("postgres://postgres@127.0.0.1:{port}/test?timeout_ms=1000");
    let (code, out) = run(&gone, &["doctor"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not listening there"), "{out}");
    let (code, out) = run(&gone, &["status"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not listening there"), "{out}");
    assert!(out.contains("the store is not open"), "{out}");
    assert!(!out.contains("held by a daemon"), "{out}");
}

/// Reading commands on a schema that was never created refuse it and create nothing;
/// schema names PostgreSQL would fold or cut are refused; a string holding U+0000 (which
/// PostgreSQL cannot store) is a client error, not a 503.
#[test]
fn missing_schemas_odd_names_and_nul_characters() {
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("missing_schemas")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = std::env::var(tracardictl::store::postgres::testing::ENV).unwrap();
    let missing = format!("{}_nosuch", db.schema());
    let uri = with_params(&base, &format!("schema={missing}"));
    let run = |args: &[&str]| {
        let out = command(dir.path()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let file = dir.path().join("b.tcbk");
    for args in [
        vec!["migrate", "status", "--store", uri.as_str()],
        vec!["backup", file.to_str().unwrap(), "--store", uri.as_str()],
        vec!["export", "profiles", "--store", uri.as_str()],
    ] {
        let (code, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("there is no store at"), "{err}");
    }
    // `segment refresh` with no store here goes to a private API; with no connection
    // saved it says so, and still creates nothing.
    let out = command(dir.path())
        .args(["segment", "refresh"])
        .env("TRACARDI_STORE", &uri)
        .env("TRACARDICTL_CLIENT_CONFIG", dir.path().join("client.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("there is no store on this host"), "{err}");
    assert!(
        !rt.block_on(store::exists_async(&uri)).unwrap(),
        "the schema was not created"
    );
    assert!(rt.block_on(store::exists_async(&db.uri())).unwrap());
    for schema in ["Upper", &"y".repeat(64)] {
        let odd = with_params(&base, &format!("schema={schema}"));
        let (code, err) = run(&["migrate", "up", "--store", &odd]);
        assert_ne!(code, Some(0));
        assert!(err.contains("lowercase letters"), "{err}");
    }

    let server = start_collector(dir.path(), &db.uri());
    let source = server.default_source.clone().expect("source");
    rt.block_on(async {
        let body = format!(
            r#"{{"source":{{"id":"{source}"}},"events":[{{"type":"view","properties":{{"x":"a\u0000b"}}}}]}}"#
        );
        let r = client()
            .post(format!("{}/track", server.collector()))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains("U+0000"), "{v}");
    });
}
