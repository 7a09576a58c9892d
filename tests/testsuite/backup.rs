//! `backup FILE` and `restore FILE`: a round trip compares everything; a non-empty
//! target, a truncated file and a held store are refused.

use crate::support::command;
use std::path::Path;
use tracardictl::domain::{
    Context, EntityRef, Event, MergeAction, MergeRecord, MergeTrigger, Profile, Scope, Session,
};
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

/// Writes `to` as the backup `from` with its lines changed by `change`.
fn rewrite_backup(from: &Path, to: &Path, change: impl FnOnce(&mut Vec<String>)) {
    use std::io::{Read, Write};
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(from).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    change(&mut lines);
    let mut w = flate2::write::GzEncoder::new(
        std::fs::File::create(to).unwrap(),
        flate2::Compression::fast(),
    );
    w.write_all((lines.join("\n") + "\n").as_bytes()).unwrap();
    w.finish().unwrap();
}

fn scopes() -> [Scope; 3] {
    [
        Scope::default_tenant(Context::Production),
        Scope::default_tenant(Context::Staging),
        Scope::new("acme", Context::Production),
    ]
}

fn fill(data: &Path) {
    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        s.set_schema_version(SCHEMA_VERSION).await.unwrap();
        s.set_meta("merge_key_salt", "salt-123").await.unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for (k, scope) in scopes().iter().enumerate() {
            for i in 0..(150 + 200 * k) {
                let mut p = Profile::new(format!("p{i}"), t0);
                p.ids.push(format!("emm-{i}"));
                p.traits.insert("n".into(), serde_json::json!(i));
                s.put_profile(scope, &p).await.unwrap();
                s.put_session(scope, &Session::new(format!("s{i}"), Some(&p.id), t0))
                    .await
                    .unwrap();
                let evs: Vec<Event> = (0..3)
                    .map(|j| {
                        let mut e = Event::new(
                            format!("e{i}-{j}"),
                            "page-view".into(),
                            "src",
                            t0 + chrono::Duration::seconds((i * 3 + j) as i64),
                        );
                        e.profile = Some(EntityRef::new(&p.id));
                        e.properties.insert("j".into(), serde_json::json!(j));
                        e
                    })
                    .collect();
                s.put_events(scope, &evs).await.unwrap();
            }
            s.put_config(
                scope,
                "rule",
                "r1",
                &serde_json::json!({"id": "r1", "name": "R"}),
            )
            .await
            .unwrap();
            s.put_config(
                scope,
                "event-source",
                "src",
                &serde_json::json!({"id": "src"}),
            )
            .await
            .unwrap();
            let record = MergeRecord {
                id: format!("m-{k}"),
                time: t0,
                action: MergeAction::Merge,
                trigger: MergeTrigger {
                    kind: "operator".into(),
                    detail: "test".into(),
                    keys: vec![],
                },
                survivor: "p1".into(),
                merged: vec!["gone".into()],
                inputs: vec![],
                result: None,
                moved_events: Default::default(),
                moved_sessions: Default::default(),
                related: None,
                message: Some("hello".into()),
            };
            s.put_merge_record(scope, &record).await.unwrap();
            s.mark_for_merge(scope, "p2").await.unwrap();
        }
        s.durable().await.unwrap();
    });
}

#[test]
fn backup_restore_round_trip_compares_everything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let restored = dir.path().join("restored");
    let file = dir.path().join("cdp.tcbk");
    fill(&data);
    let (code, out, err) = run(
        dir.path(),
        &[
            "backup",
            file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backed up"), "{out}");
    assert!(file.exists());

    let (code, out, err) = run(
        dir.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("counts and checksums verified"), "{out}");

    // Restoring again into the now non-empty store is refused.
    let (code, _, err) = run(
        dir.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("empty"), "{err}");

    let rt = runtime();
    rt.block_on(async {
        let a = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let b = store::open(restored.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let fa = migrations::fingerprint(a.as_ref(), &|_| {}).await.unwrap();
        let fb = migrations::fingerprint(b.as_ref(), &|_| {}).await.unwrap();
        assert_eq!(fa, fb);
        assert_eq!(a.scopes().await.unwrap(), b.scopes().await.unwrap());
        assert_eq!(b.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        assert_eq!(
            b.meta("merge_key_salt").await.unwrap().as_deref(),
            Some("salt-123")
        );
        for scope in scopes() {
            assert_eq!(
                a.counts(&scope).await.unwrap(),
                b.counts(&scope).await.unwrap()
            );
            assert_eq!(
                a.merge_records_of(&scope, "p1").await.unwrap(),
                b.merge_records_of(&scope, "p1").await.unwrap()
            );
            assert_eq!(b.merge_records_of(&scope, "gone").await.unwrap().len(), 1);
            assert_eq!(b.marked_for_merge(&scope, 10).await.unwrap(), vec!["p2"]);
            assert_eq!(
                b.profile(&scope, "emm-5").await.unwrap().unwrap().id,
                "p5",
                "alias index rebuilt"
            );
            assert_eq!(
                a.events_by_profile(&scope, "p7", None, 10).await.unwrap(),
                b.events_by_profile(&scope, "p7", None, 10).await.unwrap()
            );
            assert_eq!(
                a.sessions_by_profile(&scope, "p7", None, 10).await.unwrap(),
                b.sessions_by_profile(&scope, "p7", None, 10).await.unwrap()
            );
            assert_eq!(
                a.list_config(&scope, "rule").await.unwrap(),
                b.list_config(&scope, "rule").await.unwrap()
            );
        }
    });
}

#[test]
fn truncated_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("cdp.tcbk");
    fill(&data);
    let (code, _, err) = run(
        dir.path(),
        &[
            "backup",
            file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // Without the trailer.
    let short = dir.path().join("short.tcbk");
    rewrite_backup(&file, &short, |lines| {
        lines.pop();
    });
    let target = dir.path().join("t");
    let (code, _, err) = run(
        dir.path(),
        &[
            "restore",
            short.to_str().unwrap(),
            "--data-dir",
            target.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("truncated"), "{err}");
    // The store the restore began is gone, so the next restore is not refused.
    assert!(err.contains("was removed"), "{err}");
    assert!(!target.exists());

    // Into an empty directory that was there: what the restore wrote goes, the
    // directory (its owner and mode) stays.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, _, err) = run(
        dir.path(),
        &[
            "restore",
            short.to_str().unwrap(),
            "--data-dir",
            empty.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("the directory was kept"), "{err}");
    assert!(empty.is_dir());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // A directory holding other files is refused before anything is written, and
    // nothing of it is touched.
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "precious").unwrap();
    let (code, _, err) = run(
        dir.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            "--data-dir",
            busy.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("holds files that are not a store"), "{err}");
    assert_eq!(
        std::fs::read_to_string(busy.join("notes.txt")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);
}

#[test]
fn reading_commands_refuse_a_store_that_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let file = dir.path().join("b.tcbk");
    for args in [
        vec![
            "backup",
            file.to_str().unwrap(),
            "--data-dir",
            missing.to_str().unwrap(),
        ],
        vec![
            "export",
            "profiles",
            "--data-dir",
            missing.to_str().unwrap(),
        ],
        vec!["migrate", "status", "--store", missing.to_str().unwrap()],
    ] {
        let (code, out, err) = run(dir.path(), &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("there is no store at"), "{err}");
        assert!(!missing.exists(), "{args:?} created the store");
    }
    // A mistyped scheme is not a directory name.
    let (code, _, err) = run(
        dir.path(),
        &[
            "backup",
            file.to_str().unwrap(),
            "--store",
            "postgress://u@h/db",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown scheme `postgress`"), "{err}");
    assert!(!dir.path().join("postgress:").exists());
    assert!(!file.exists());
}

#[test]
fn online_backup_through_the_private_api_restores_offline() {
    use crate::support::{block, client, payload, Server};
    let server = Server::start();
    let token = block(server.install());
    let source = server.source().to_string();
    block(async {
        let c = client();
        for i in 0..20 {
            let r = c
                .post(format!("{}/track", server.collector()))
                .json(&payload(
                    &source,
                    None,
                    Some(&format!("visitor-{i}")),
                    &["page-view", "purchase"],
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        let r = c
            .get(format!("{}/backup", server.private_api()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "a token is needed");
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("client.toml");
    let with_cfg = |args: &[&str]| {
        let out = command(dir.path())
            .env("TRACARDICTL_CLIENT_CONFIG", &cfg)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = with_cfg(&["login", server.private_api(), "--token", &token]);
    assert_eq!(code, 0, "{err}");
    let file = dir.path().join("online.tcbk");
    // The daemon keeps running (and holding the store) meanwhile.
    let (code, out, err) = with_cfg(&["backup", file.to_str().unwrap(), "--online"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backed up"), "{out}");
    let restored = dir.path().join("restored");
    let (code, out, err) = run(
        dir.path(),
        &[
            "restore",
            file.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified"), "{out}");
    runtime().block_on(async {
        let s = store::open(restored.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let mut events = 0;
        let mut profiles = 0;
        for scope in s.scopes().await.unwrap() {
            let c = s.counts(&scope).await.unwrap();
            events += c.events;
            profiles += c.profiles;
        }
        assert!(events >= 40, "{events}");
        assert!(profiles >= 20, "{profiles}");
        assert!(s.meta("merge_key_salt").await.unwrap().is_some());
    });
    // Tokens are stored under the hash of their secret, not their short id: the
    // admin's token still signs in on the restored store.
    let mut again = Server::start_at(&restored, &[]);
    block(async {
        let r = client()
            .get(format!("{}/user/me", again.private_api()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the token works after restore");
    });
    again.terminate();
}

#[test]
fn a_directory_as_the_file_and_a_newer_schema_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fill(&data);
    let d = data.to_str().unwrap();
    // A directory is not a backup file: refused before anything is written.
    let (code, _, err) = run(
        dir.path(),
        &["backup", dir.path().to_str().unwrap(), "--data-dir", d],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    let stray: Vec<_> = std::fs::read_dir(dir.path().parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                == format!(
                    "{}.partial",
                    dir.path().file_name().unwrap().to_string_lossy()
                )
                .as_str()
        })
        .collect();
    assert!(stray.is_empty());

    // Written as FILE.partial, renamed when complete.
    let file = dir.path().join("cdp.tcbk");
    let (code, _, err) = run(
        dir.path(),
        &["backup", file.to_str().unwrap(), "--data-dir", d],
    );
    assert_eq!(code, 0, "{err}");
    assert!(file.exists() && !dir.path().join("cdp.tcbk.partial").exists());

    // A backup of a store newer than this binary is refused before anything is written.
    let newer = dir.path().join("newer.tcbk");
    rewrite_backup(&file, &newer, |lines| {
        let mut header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        header["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
        lines[0] = header.to_string();
    });
    let target = dir.path().join("t");
    let (code, _, err) = run(
        dir.path(),
        &[
            "restore",
            newer.to_str().unwrap(),
            "--data-dir",
            target.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("newer than this binary"), "{err}");
    assert!(!target.exists());
}

/// What a restore killed part-way leaves is not served as a store of its own: `serve`
/// refuses it and says why.
#[test]
fn a_store_left_by_an_unfinished_restore_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fill(&data);
    // As a restore marks the store before it loads anything.
    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        s.set_meta(store::backup::RESTORING, "1").await.unwrap();
        s.checkpoint().await.unwrap();
    });
    let out = command(dir.path())
        .args([
            "serve",
            "collector",
            "--collector-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("holds a restore that did not finish"), "{err}");
}

/// A private API that answers `GET /backup` with the start of a chunked body and then
/// drops the connection, as a daemon killed mid-backup does.
fn dying_backup_server() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/gzip\r\ntransfer-encoding: chunked\r\n\r\n400\r\n",
            );
            let _ = stream.write_all(&[0x1f; 1024]);
            let _ = stream.write_all(b"\r\n");
            let _ = stream.flush();
            // Dropped here, without the last chunk.
        }
    });
    url
}

/// Probe finding C19: an online backup whose daemon dies part-way says so (not "cannot
/// reach"), leaves neither the backup file nor its `.partial`, and exits 1; a daemon
/// that is not there is "cannot reach", again with nothing left behind.
#[test]
fn an_online_backup_cut_by_the_daemon_says_so_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("client.toml");
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    std::fs::write(
        &cfg,
        format!(
            "current = \"dying\"\n[connections.dying]\nurl = \"{}\"\ntoken = \"t\"\n\
             [connections.gone]\nurl = \"{refused}\"\ntoken = \"t\"\n",
            dying_backup_server()
        ),
    )
    .unwrap();
    let file = dir.path().join("cut.tcbk");
    let partial = dir.path().join("cut.tcbk.partial");
    let backup = |connection: &str| {
        let out = command(dir.path())
            .env("TRACARDICTL_CLIENT_CONFIG", &cfg)
            .args(["backup", file.to_str().unwrap(), "--online", "--connection"])
            .arg(connection)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = backup("dying");
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("cannot reach"), "{err}");
    assert!(err.contains("closed after 1024 bytes"), "{err}");
    assert!(err.contains("the daemon stopped"), "{err}");
    assert!(
        err.contains(&format!(
            "the partial download {} was removed",
            partial.display()
        )),
        "{err}"
    );
    assert!(!file.exists() && !partial.exists(), "{err}");

    let (code, err) = backup("gone");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    assert!(!file.exists() && !partial.exists(), "{err}");
}
