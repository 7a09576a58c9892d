//! `export` to NDJSON/CSV with filters, and `import` of profiles, sessions and events
//! (direct, through the pipeline, and Tracardi Elasticsearch hits).

use crate::support::command;
use std::path::Path;
use tracardictl::domain::{Context, EntityRef, Event, EventSource, Profile, Scope};
use tracardictl::store::{self, OpenOptions, SCHEMA_VERSION};

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

fn prod() -> Scope {
    Scope::default_tenant(Context::Production)
}

fn fresh_store(data: &Path) {
    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        s.set_schema_version(SCHEMA_VERSION).await.unwrap();
        store::put_event_source(s.as_ref(), &prod(), &EventSource::new_rest("src1", "S"))
            .await
            .unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..10 {
            let mut p = Profile::new(format!("p{i}"), t0 + chrono::Duration::days(i));
            p.traits.insert(
                "plan".into(),
                serde_json::json!(if i % 2 == 0 {
                    "gold"
                } else {
                    "free, \"basic\""
                }),
            );
            p.data.contact.email.main = Some(format!("u{i}@example.com"));
            s.put_profile(&prod(), &p).await.unwrap();
            let mut e = Event::new(
                format!("e{i}"),
                if i < 3 { "purchase" } else { "page-view" }.into(),
                "src1",
                t0 + chrono::Duration::days(i),
            );
            e.profile = Some(EntityRef::new(&p.id));
            s.put_events(&prod(), &[e]).await.unwrap();
        }
        s.durable().await.unwrap();
    });
}

#[test]
fn export_filters_by_condition_and_time_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();

    let (code, out, err) = run(dir.path(), &["export", "profiles", "--data-dir", d]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 10);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "p0");

    let (code, out, err) = run(
        dir.path(),
        &[
            "export",
            "profiles",
            "--data-dir",
            d,
            "--where",
            "profile@traits.plan == \"gold\"",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 5, "{out}");

    let (code, out, err) = run(
        dir.path(),
        &[
            "export",
            "events",
            "--data-dir",
            d,
            "--where",
            "event@type == \"purchase\"",
            "--since",
            "2023-11-15T00:00:00Z",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // e0 is on 2023-11-14, before --since.
    let ids: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, vec!["e1", "e2"]);

    let csv = dir.path().join("p.csv");
    let (code, _, err) = run(
        dir.path(),
        &[
            "export",
            "profiles",
            "--data-dir",
            d,
            "--format",
            "csv",
            "--fields",
            "id,data.contact.email.main,traits.plan",
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,data.contact.email.main,traits.plan");
    assert_eq!(lines[1], "p0,u0@example.com,gold");
    assert_eq!(lines[2], "p1,u1@example.com,\"free, \"\"basic\"\"\"");

    let (code, _, err) = run(
        dir.path(),
        &[
            "export",
            "profiles",
            "--data-dir",
            d,
            "--where",
            "profile@ ==",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--where"), "{err}");
}

#[test]
fn import_profiles_rejects_bad_lines_and_reads_tracardi_hits() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let file = dir.path().join("profiles.ndjson");
    let lines = [
        // A Tracardi Elasticsearch hit: naive UTC timestamps, id from `_id`, merge keys kept.
        r#"{"_index":"tracardi-profile","_id":"tr-1","_source":{"ids":["tr-1","emm-abc"],"metadata":{"time":{"insert":"2023-05-01T10:00:00.123456","visit":{"last":null,"current":"2023-05-01T10:00:00","count":3}}},"traits":{"x":1},"data":{"contact":{"email":{"main":"t@example.com"}}}}}"#,
        "not json at all",
        r#"{"id":"bad-time","metadata":{"time":{"insert":"yesterday"}}}"#,
        r#"{"id":"plain","metadata":{"time":{"insert":"2024-01-01T00:00:00Z"}}}"#,
        "",
        r#"{"metadata":{"time":{"insert":"2024-01-01T00:00:00Z"}}}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let rejects = dir.path().join("rejects.ndjson");

    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            file.to_str().unwrap(),
            "--data-dir",
            d,
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: 2 accepted, 3 rejected"), "{out}");

    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            file.to_str().unwrap(),
            "--data-dir",
            d,
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 accepted, 3 rejected"), "{out}");
    // --strict: the same lines, exit 1 for the rejected ones (a dry run, to leave the
    // store as the rest of this test expects).
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            file.to_str().unwrap(),
            "--data-dir",
            d,
            "--dry-run",
            "--strict",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("3 line(s) rejected (--strict)"), "{err}");
    let rejected: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rejected.len(), 3);
    assert_eq!(rejected[0]["line"], 2);
    assert!(rejected[0]["reason"].as_str().unwrap().contains("not JSON"));
    assert_eq!(rejected[1]["line"], 3);
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("metadata.time.insert"),
        "{}",
        rejected[1]
    );
    assert_eq!(rejected[2]["line"], 6);

    runtime().block_on(async {
        let s = store::open(d, &OpenOptions::default()).unwrap();
        let p = s.profile(&prod(), "emm-abc").await.unwrap().unwrap();
        assert_eq!(p.id, "tr-1");
        assert_eq!(p.ids, vec!["tr-1", "emm-abc"]);
        assert_eq!(
            p.metadata.time.insert.to_rfc3339(),
            "2023-05-01T10:00:00.123456+00:00"
        );
        assert_eq!(p.metadata.time.visit.count, 3);
        assert!(s.profile(&prod(), "plain").await.unwrap().is_some());
        assert_eq!(s.counts(&prod()).await.unwrap().profiles, 12);
    });
}

#[test]
fn import_events_through_the_pipeline_and_directly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let file = dir.path().join("events.ndjson");
    std::fs::write(
        &file,
        [
            r#"{"type":"purchase","properties":{"total":10},"profile":{"id":"buyer-1"},"session":{"id":"sess-1"}}"#,
            r#"{"properties":{"no":"type"}}"#,
            r#"{"type":"page-view","profile":{"id":"buyer-1"},"session":{"id":"sess-1"},"tags":["a"]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "events",
            file.to_str().unwrap(),
            "--source",
            "src1",
            "--data-dir",
            d,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 accepted, 1 rejected"), "{out}");

    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "events",
            file.to_str().unwrap(),
            "--source",
            "no-such-source",
            "--data-dir",
            d,
        ],
    );
    // Nothing accepted: the summary, and exit 1 so a script notices.
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("0 accepted, 3 rejected"), "{out}");
    assert!(err.contains("every line was rejected"), "{err}");
    // A dry run checks the source as the run does: it does not pass what the run rejects.
    let dry = |source: &str| {
        run(
            dir.path(),
            &[
                "import",
                "events",
                file.to_str().unwrap(),
                "--source",
                source,
                "--dry-run",
                "--data-dir",
                d,
            ],
        )
    };
    let (code, out, err) = dry("no-such-source");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("there is no event source `no-such-source` in default/production"),
        "{err}"
    );
    let (code, out, err) = dry("src1");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: 2 accepted, 1 rejected"), "{out}");

    let hits = dir.path().join("hits.ndjson");
    std::fs::write(
        &hits,
        r#"{"_id":"tr-e1","_source":{"type":"signup","metadata":{"time":{"insert":"2023-01-02T03:04:05"}},"source":{"id":"old"},"profile":{"id":"buyer-1"},"session":{"id":"sess-0","start":"2023-01-02T03:00:00"}}}"#,
    )
    .unwrap();
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "events",
            hits.to_str().unwrap(),
            "--direct",
            "--data-dir",
            d,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 accepted, 0 rejected"), "{out}");

    runtime().block_on(async {
        let s = store::open(d, &OpenOptions::default()).unwrap();
        assert!(
            s.profile(&prod(), "buyer-1").await.unwrap().is_some(),
            "profile adopted"
        );
        assert!(s.session(&prod(), "sess-1").await.unwrap().is_some());
        let evs = s
            .events_by_profile(&prod(), "buyer-1", None, 10)
            .await
            .unwrap()
            .items;
        let types: Vec<&str> = evs.iter().map(|e| e.event_type.as_str()).collect();
        // The pipeline ran: it added its own profile and session events.
        assert!(types.contains(&"profile-created"), "{types:?}");
        let imported: Vec<&str> = types
            .into_iter()
            .filter(|t| ["signup", "purchase", "page-view"].contains(t))
            .collect();
        assert_eq!(imported, vec!["signup", "purchase", "page-view"]);
        let e = s.event(&prod(), "tr-e1").await.unwrap().unwrap();
        assert_eq!(
            e.metadata.time.insert.to_rfc3339(),
            "2023-01-02T03:04:05+00:00"
        );
    });
}

#[test]
fn import_tracardi_configuration_hits() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let file = dir.path().join("config.ndjson");
    std::fs::write(
        &file,
        [
            r#"{"_index":"prod.tracardi-event-source","_id":"tr-src","_source":{"name":"Web","type":"rest","enabled":true,"tags":["web"],"timestamp":"2023-01-01T00:00:00"}}"#,
            r#"{"_index":"prod.tracardi-rule","_id":"tr-rule","_source":{"name":"On purchase","type":"event-collect","event_type":{"id":"purchase","name":"Purchase"},"source":{"id":"tr-src","name":"Web"},"flow":{"id":"f1","name":"F"},"enabled":true}}"#,
            r#"{"kind":"flow","id":"bad-flow"}"#,
            r#"{"_index":"prod.tracardi-unknown-thing","_id":"x","_source":{}}"#,
            // Tracardi writes optional fields it has no value for as null.
            r#"{"_index":"prod.tracardi-event-source","_id":"tr-null","_source":{"name":"App","type":"rest","description":null,"enabled":true,"tags":null,"groups":[],"config":null,"manual":null,"timestamp":"2024-01-01T00:00:00"}}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let (code, out, err) = run(
        dir.path(),
        &["import", "config", file.to_str().unwrap(), "--data-dir", d],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 accepted, 2 rejected"), "{out}");
    let (code, out, err) = run(dir.path(), &["export", "config", "--data-dir", d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"id\":\"tr-src\""), "{out}");
    assert!(out.contains("\"id\":\"tr-null\""), "{out}");
    assert!(out.contains("\"id\":\"tr-rule\""), "{out}");
    assert!(out.contains("\"_kind\":\"rule\""), "{out}");
}

#[test]
fn export_config_imports_again_and_a_missing_tenant_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let file = dir.path().join("config.ndjson");
    let (code, _, err) = run(
        dir.path(),
        &[
            "export",
            "config",
            "--data-dir",
            d,
            "--context",
            "production",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("\"_kind\":\"event-source\""));

    // What export writes (`_kind`) is what import reads.
    let other = dir.path().join("other");
    let (code, _, err) = run(
        dir.path(),
        &["migrate", "up", "--data-dir", other.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "config",
            file.to_str().unwrap(),
            "--context",
            "production",
            "--data-dir",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 accepted, 0 rejected"), "{out}");
    runtime().block_on(async {
        let s = store::open(other.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let src = s
            .config(&prod(), "event-source", "src1")
            .await
            .unwrap()
            .unwrap();
        assert!(src.get("_kind").is_none(), "{src}");
    });

    // A tenant the store does not hold is a typo: an error, and nothing is created.
    let (code, _, err) = run(
        dir.path(),
        &["export", "profiles", "--data-dir", d, "--tenant", "nosuch"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds nothing for nosuch/production"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["export", "profiles", "--data-dir", d, "--tenant", "../x"],
    );
    assert_eq!(code, 2, "{err}");
    runtime().block_on(async {
        let s = store::open(d, &OpenOptions::default()).unwrap();
        let tenants: Vec<String> = s
            .scopes()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.tenant)
            .collect();
        assert!(tenants.iter().all(|t| t == "default"), "{tenants:?}");
    });
}

/// Moving from Tracardi with three dumps: an event dump given to `import profiles` or
/// `import sessions` is refused line by line, naming the index, and writes nothing.
#[test]
fn import_refuses_lines_of_another_kind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let events = dir.path().join("events.ndjson");
    let hit = r#"{"_index":"prod.tracardi-event-2024-01","_id":"e-1","_source":{"id":"e-1","type":"page-view","metadata":{"time":{"insert":"2024-01-10T10:00:01.5"}},"source":{"id":"web-src"},"session":{"id":"sess-1"},"profile":{"id":"p-1"},"properties":{"url":"/"}}}"#;
    let bare = r#"{"id":"e-2","type":"page-view","metadata":{"time":{"insert":"2024-01-10T10:00:01Z"}},"source":{"id":"web-src"},"session":{"id":"sess-1"}}"#;
    std::fs::write(&events, format!("{hit}\n{bare}\n")).unwrap();
    let rejects = dir.path().join("r.ndjson");
    for kind in ["profiles", "sessions"] {
        let (code, out, err) = run(
            dir.path(),
            &[
                "import",
                kind,
                events.to_str().unwrap(),
                "--data-dir",
                d,
                "--rejects",
                rejects.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 1, "{kind}: {out} {err}");
        assert!(out.contains("0 accepted, 2 rejected"), "{kind}: {out}");
        let why = std::fs::read_to_string(&rejects).unwrap();
        assert!(why.contains("prod.tracardi-event-2024-01"), "{why}");
        assert!(why.contains("looks like an event"), "{why}");
    }
    runtime().block_on(async {
        let s = store::open(d, &OpenOptions::default()).unwrap();
        assert!(s.profile(&prod(), "e-1").await.unwrap().is_none());
        assert!(s.session(&prod(), "e-1").await.unwrap().is_none());
    });
}

/// `--dry-run` creates no store; a tenant the store does not hold is refused (exit 2,
/// naming what it holds) instead of making a scope nothing serves.
#[test]
fn import_dry_run_creates_nothing_and_an_unknown_tenant_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.ndjson");
    std::fs::write(
        &file,
        r#"{"id":"q1","metadata":{"time":{"insert":"2024-01-01T00:00:00Z"}}}"#,
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let missing = dir.path().join("misspelt");
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            f,
            "--dry-run",
            "--data-dir",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: 1 accepted, 0 rejected"), "{out}");
    assert!(err.contains("there is no store at"), "{err}");
    assert!(!missing.exists(), "a dry run made {}", missing.display());

    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    for extra in [&["--dry-run"][..], &[][..]] {
        let mut args = vec![
            "import",
            "profiles",
            f,
            "--data-dir",
            d,
            "--tenant",
            "typo-tenant",
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = run(dir.path(), &args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("typo-tenant") && err.contains("default/production"),
            "{err}"
        );
    }
    let (code, _, err) = run(
        dir.path(),
        &[
            "export",
            "profiles",
            "--data-dir",
            d,
            "--tenant",
            "typo-tenant",
        ],
    );
    assert_eq!(code, 2, "no scope was made: {err}");
    // Nor into a store that does not exist.
    let (code, _, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            f,
            "--data-dir",
            missing.to_str().unwrap(),
            "--tenant",
            "acme",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!missing.exists());
    // The configured tenant needs no flag and no earlier data.
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            f,
            "--data-dir",
            d,
            "--tenant",
            "default",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 accepted"), "{out}");
}

/// `apm scan` on a misspelt data dir or an unknown tenant is a usage error, not a clean
/// scan of nothing (and creates no store).
#[test]
fn apm_scan_refuses_a_missing_store_and_an_unknown_scope() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexist");
    let (code, out, err) = run(
        dir.path(),
        &["apm", "scan", "--data-dir", missing.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{out} {err}");
    assert!(err.contains("there is no store at"), "{err}");
    assert!(!missing.exists());
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let (code, out, err) = run(
        dir.path(),
        &["apm", "scan", "--data-dir", d, "--tenant", "nope"],
    );
    assert_eq!(code, 2, "{out} {err}");
    assert!(
        err.contains("nope/production") && err.contains("default/production"),
        "{err}"
    );
    let (code, out, err) = run(dir.path(), &["apm", "scan", "--data-dir", d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("scanned 10 profiles"), "{out}");
}

/// Two imported profiles claiming the same alias (or one claiming another's id) are
/// accepted, with a warning naming both: lookups by that id find one of them only.
#[test]
fn import_warns_about_ids_held_by_more_than_one_profile() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fresh_store(&data);
    let d = data.to_str().unwrap();
    let file = dir.path().join("sa.ndjson");
    std::fs::write(
        &file,
        [
            r#"{"id":"p-1","ids":["p-1","shared-alias"],"metadata":{"time":{"insert":"2024-01-01T00:00:00"}},"traits":{"who":"one"}}"#,
            r#"{"id":"p-2","ids":["p-2","shared-alias"],"metadata":{"time":{"insert":"2024-01-02T00:00:00"}},"traits":{"who":"two"}}"#,
            r#"{"id":"p-9","ids":["alias-8"],"metadata":{"time":{"insert":"2024-01-02T00:00:00"}}}"#,
            r#"{"id":"alias-8","metadata":{"time":{"insert":"2024-01-02T00:00:00"}}}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let (code, out, err) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            file.to_str().unwrap(),
            "--data-dir",
            d,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 accepted, 0 rejected, 2 warning(s)"),
        "{out}"
    );
    assert!(
        err.contains(
            "line 2: profile `p-2` holds id `shared-alias`, which profile `p-1` holds too"
        ),
        "{err}"
    );
    assert!(
        err.contains("line 4: profile `alias-8` holds id `alias-8`, which profile `p-9` holds too"),
        "{err}"
    );
    // A dry run checks against the store too.
    let (_, out, _) = run(
        dir.path(),
        &[
            "import",
            "profiles",
            file.to_str().unwrap(),
            "--data-dir",
            d,
            "--dry-run",
        ],
    );
    assert!(out.contains("warning(s)"), "{out}");
}

/// `export … | head`: the reader goes away mid-export; the export ends quietly with
/// 141, as a tool SIGPIPE ended would, whichever write met the closed pipe (the
/// README's `tracardictl export profiles | head`).
#[test]
fn export_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    runtime().block_on(async {
        let s = store::open(data.to_str().unwrap(), &OpenOptions::default()).unwrap();
        s.set_schema_version(SCHEMA_VERSION).await.unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..300 {
            let mut p = Profile::new(format!("p{i}"), t0);
            p.traits
                .insert("note".into(), serde_json::json!("x".repeat(200)));
            s.put_profile(&prod(), &p).await.unwrap();
        }
        s.checkpoint().await.unwrap();
    });
    for _ in 0..5 {
        let mut child = command(dir.path())
            .args([
                "export",
                "profiles",
                "--context",
                "production",
                "--data-dir",
            ])
            .arg(&data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{err}");
        assert!(!err.contains("error"), "{err}");
    }
}
