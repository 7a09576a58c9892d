//! `migrate status|plan|up` on the embedded store: a schema-1 fixture, dry runs,
//! refusal by `serve`, and resuming after the process is killed mid-migration.

use crate::support::command;
use std::path::Path;
use std::time::Duration;
use tracardictl::domain::{Context, EntityRef, Event, Profile, Scope, Session};
use tracardictl::store::{self, migrations, OpenOptions, SCHEMA_VERSION};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture_profiles() -> Vec<Profile> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-1/profiles.ndjson"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A version-1 store at `data`: the fixture profiles plus `extra` generated ones (every
/// third with a broken `ids`), a session and an event each, and a rule.
fn schema_1_store(data: &Path, extra: usize) {
    let rt = runtime();
    rt.block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let scopes = [
            Scope::default_tenant(Context::Production),
            Scope::new("acme", Context::Staging),
        ];
        for p in fixture_profiles() {
            s.put_profile(&scopes[0], &p).await.unwrap();
        }
        for i in 0..extra {
            let scope = &scopes[i % 2];
            let mut p = Profile::new(format!("gen-{i:05}"), t0);
            if i % 3 == 0 {
                p.ids = vec![format!("key-{i}"), String::new(), format!("key-{i}")];
            }
            s.put_profile(scope, &p).await.unwrap();
            s.put_session(scope, &Session::new(format!("s{i}"), Some(&p.id), t0))
                .await
                .unwrap();
            let mut e = Event::new(format!("e{i}"), "page-view".into(), "src", t0);
            e.profile = Some(EntityRef::new(&p.id));
            s.put_events(scope, &[e]).await.unwrap();
        }
        s.put_config(&scopes[0], "rule", "r1", &serde_json::json!({"id": "r1"}))
            .await
            .unwrap();
        s.set_schema_version(1).await.unwrap();
        s.durable().await.unwrap();
    });
}

fn data_arg(data: &Path) -> String {
    data.display().to_string()
}

#[test]
fn schema_1_fixture_is_refused_by_serve_and_migrated_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    schema_1_store(&data, 30);
    let d = data_arg(&data);

    let (code, out, err) = run(dir.path(), &["migrate", "status", "--data-dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("store schema version: 1"), "{out}");
    assert!(out.contains("pending: 2 profile-ids"), "{out}");

    let (code, out, err) = run(dir.path(), &["migrate", "plan", "--data-dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2\tprofile-ids\tprofiles\t34\t"), "{out}");

    let (code, _, err) = run(
        dir.path(),
        &[
            "serve",
            "--data-dir",
            &d,
            "--collector-listen",
            "127.0.0.1:0",
            "--private-api-listen",
            "127.0.0.1:0",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("tracardictl migrate up"), "{err}");

    let (code, out, err) = run(
        dir.path(),
        &["migrate", "up", "--dry-run", "--data-dir", &d],
    );
    assert_eq!(code, 0, "{err}");
    // 3 fixture profiles and every third of the 30 generated ones are broken.
    assert!(
        out.contains("34 profiles examined, 13 would change"),
        "{out}"
    );
    assert!(out.contains("schema version stays 1"), "{out}");

    let (code, out, err) = run(dir.path(), &["migrate", "up", "--data-dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("34 profiles examined, 13 rewritten"), "{out}");
    assert!(out.contains("counts and checksums verified"), "{out}");

    let (code, out, _) = run(dir.path(), &["migrate", "up", "--data-dir", &d]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");

    let rt = runtime();
    rt.block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        assert_eq!(s.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        let scope = Scope::default_tenant(Context::Production);
        let p = s.profile(&scope, "emm-a1").await.unwrap().unwrap();
        assert_eq!(p.ids, vec!["p-missing-own-id", "emm-a1"]);
        assert_eq!(p.traits["plan"], "gold");
        let p = s.profile(&scope, "p-duplicates").await.unwrap().unwrap();
        assert_eq!(p.ids, vec!["p-duplicates", "emm-b1"]);
        let p = s.profile(&scope, "p-empty-ids").await.unwrap().unwrap();
        assert_eq!(p.ids, vec!["p-empty-ids"]);
        let p = s.profile(&scope, "p-already-fine").await.unwrap().unwrap();
        assert_eq!(p.extra["custom_field"]["kept"], true);
        let c = s.counts(&scope).await.unwrap();
        assert_eq!((c.profiles, c.sessions, c.events), (19, 15, 15));
    });
}

#[test]
fn newer_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        s.set_schema_version(SCHEMA_VERSION + 1).await.unwrap();
        s.durable().await.unwrap();
    });
    let (code, _, err) = run(
        dir.path(),
        &["migrate", "up", "--data-dir", &data_arg(&data)],
    );
    assert_ne!(code, 0);
    assert!(err.contains("newer than this binary"), "{err}");
}

#[test]
fn killed_migration_resumes_and_counts_every_record_once() {
    const N: usize = 1200;
    let total = N as u64 + 4;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    schema_1_store(&data, N);
    let d = data_arg(&data);
    let step = migrations::STEPS[0];
    // Kill the run part-way. How long the binary takes to reach its first checkpoint
    // depends on the machine's load, so the kill time adapts: later when no checkpoint
    // was saved yet, earlier (on a fresh store) when the run had already finished.
    let mut saved = None;
    let (mut early, mut late) = (0u64, None::<u64>);
    let mut wait_ms = 400u64;
    for _ in 0..12 {
        let mut child = command(dir.path())
            .args([
                "migrate",
                "up",
                "--batch",
                "20",
                "--pause-ms",
                "40",
                "--data-dir",
                &d,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill();
        let _ = child.wait();
        let rt = runtime();
        let (version, at) = rt.block_on(async {
            let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
            (
                s.schema_version().await.unwrap(),
                migrations::checkpoint(s.as_ref(), &step).await.unwrap(),
            )
        });
        drop(rt);
        if version != Some(1) {
            // Finished before the kill: start again from the old format, kill sooner.
            late = Some(wait_ms);
            std::fs::remove_dir_all(&data).unwrap();
            schema_1_store(&data, N);
        } else if let Some(c) = at {
            saved = Some(c);
            break;
        } else {
            early = wait_ms;
        }
        wait_ms = match late {
            Some(l) => (early + l) / 2,
            None => wait_ms * 2,
        };
    }
    let saved = saved.expect("a checkpoint after killing the migration");
    assert!(saved.examined > 0 && saved.examined < total, "{saved:?}");

    let (code, out, err) = run(dir.path(), &["migrate", "up", "--data-dir", &d]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("resuming after {} records", saved.examined)),
        "{out}"
    );
    assert!(
        out.contains(&format!("{total} profiles examined")),
        "every profile counted exactly once: {out}"
    );
    assert!(out.contains("counts and checksums verified"), "{out}");

    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        assert_eq!(s.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        assert_eq!(
            migrations::checkpoint(s.as_ref(), &step).await.unwrap(),
            None
        );
        let mut seen = 0;
        for scope in s.scopes().await.unwrap() {
            let mut cursor: Option<String> = None;
            loop {
                let page = s
                    .list_profiles(&scope, cursor.as_deref(), 200)
                    .await
                    .unwrap();
                for p in &page.items {
                    seen += 1;
                    assert_eq!(p.ids.first(), Some(&p.id), "{p:?}");
                    let mut again = p.clone();
                    again.normalize_ids();
                    assert_eq!(&again, p);
                }
                match page.next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
        }
        assert_eq!(seen, total);
    });
}

/// The same step runs over PostgreSQL, and a backup of it restores into sled.
#[test]
fn postgres_store_is_migrated_and_backed_up_into_sled() {
    use tracardictl::store::postgres::testing::TestStore;
    use tracardictl::store::Store;
    let rt = runtime();
    let Some(db) = rt.block_on(TestStore::create("postgres_store_is_migrated")) else {
        return;
    };
    let scope = Scope::default_tenant(Context::Production);
    rt.block_on(async {
        for p in fixture_profiles() {
            db.put_profile(&scope, &p).await.unwrap();
        }
        db.set_schema_version(1).await.unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), &["migrate", "up", "--store", &db.uri()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 profiles examined, 3 rewritten"), "{out}");
    rt.block_on(async {
        assert_eq!(db.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        let p = db.profile(&scope, "emm-a1").await.unwrap().unwrap();
        assert_eq!(p.ids, vec!["p-missing-own-id", "emm-a1"]);
    });
    let file = dir.path().join("pg.tcbk");
    let (code, _, err) = run(
        dir.path(),
        &["backup", file.to_str().unwrap(), "--store", &db.uri()],
    );
    assert_eq!(code, 0, "{err}");
    let data = dir.path().join("sled");
    let (code, out, err) = run(
        dir.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            "--data-dir",
            &data_arg(&data),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified"), "{out}");
}

/// Probe finding C21: `migrate copy` whose source and target are one store, however
/// spelt (a relative path, `sled:`, a trailing slash, a symlink; the same PostgreSQL
/// database and schema with other credentials or settings), is refused as such (exit 2)
/// before anything is opened, instead of blaming a daemon.
#[test]
fn migrate_copy_refuses_the_same_store_as_source_and_target() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    schema_1_store(&data, 6);
    std::os::unix::fs::symlink(&data, dir.path().join("link")).unwrap();
    let abs = data_arg(&data);
    for to in ["sled:./data/", "./data", "link", abs.as_str()] {
        let (code, out, err) = run(
            dir.path(),
            &["migrate", "copy", "--from", &abs, "--to", to, "--resume"],
        );
        assert_eq!(code, 2, "--to {to}: {out}{err}");
        assert!(
            err.contains("source and target are the same store"),
            "--to {to}: {err}"
        );
        assert!(!err.contains("daemon"), "{err}");
    }
    // Nobody holds the source: a copy to another directory goes through.
    let (code, out, err) = run(
        dir.path(),
        &["migrate", "copy", "--from", &abs, "--to", "copy"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("copied"), "{out}");

    // PostgreSQL: the same host, port, database and schema, whatever the credentials,
    // the scheme's spelling or the pool settings. Refused without connecting (nothing
    // listens there).
    let from = "postgres://cdp:secret@DB.example.invalid:5432/cdp?schema=tracardi";
    let same = "postgresql://other@db.example.invalid/cdp?pool_size=4&schema=tracardi";
    let (code, _, err) = run(
        dir.path(),
        &["migrate", "copy", "--from", from, "--to", same],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("source and target are the same store"),
        "{err}"
    );
    assert!(!err.contains("secret"), "no password in messages: {err}");
    for other in [
        "postgres://cdp@db.example.invalid/cdp?schema=copy",
        "postgres://cdp@db.example.invalid/cdp2?schema=tracardi",
        "postgres://cdp@db.example.invalid:5433/cdp?schema=tracardi",
    ] {
        let (code, _, err) = run(
            dir.path(),
            &["migrate", "copy", "--from", from, "--to", other, "--resume"],
        );
        assert_ne!(code, 2, "{other}: {err}");
        assert!(!err.contains("the same store"), "{other}: {err}");
    }
}
