//! The command line: configuration commands, exit codes, and the generated files.

use crate::support::command;
use std::collections::BTreeMap;
use std::path::Path;

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = command(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run tracardictl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_show_follows_precedence_and_redacts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tracardi.toml"),
        "store = \"postgres://cdp:hunter2@db.internal/cdp\"\n[collector]\nbody_limit = 2048\nrequest_timeout = 9\n",
    )
    .unwrap();
    let (code, out, err) = run(
        dir.path(),
        &["config", "show", "--data-dir", "/flag/dir"],
        &[
            ("TRACARDI_COLLECTOR_BODY_LIMIT", "4096"),
            ("TRACARDI_DATA_DIR", "/env/dir"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("body_limit = 4096"), "env beats file: {out}");
    assert!(
        out.contains("request_timeout = 9"),
        "file beats default: {out}"
    );
    assert!(
        out.contains("data_dir = \"/flag/dir\""),
        "flag beats env: {out}"
    );
    assert!(
        out.contains("listen = \"127.0.0.1:8686\""),
        "defaults shown: {out}"
    );
    assert!(!out.contains("hunter2"), "secrets redacted: {out}");
}

#[test]
fn config_validate_reports_the_bad_key_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(dir.path(), &["config", "validate"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("valid"));
    std::fs::write(
        dir.path().join("tracardi.toml"),
        "[collector]\nlisten = \"not an address\"\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["config", "validate"], &[]);
    assert_eq!(code, 2, "{err}");
    // Both the key and the reason.
    assert!(
        err.contains("collector.listen") && err.contains("socket address"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("tracardi.toml"),
        "[collector]
lisen = \"x\"\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["config", "validate"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("in `collector`: unknown field `lisen`"),
        "{err}"
    );
    // Durations past any sensible value (and past chrono's range) are refused here,
    // not by a panic of the daemon that adds them to a time.
    for (file, key) in [
        (
            "[worker]\nvisit_idle_seconds = 9223372036854775807\n",
            "worker.visit_idle_seconds",
        ),
        (
            "[worker]\nvisibility_ms = 9223372036854775807\n",
            "worker.visibility_ms",
        ),
        (
            "[private_api]\ntoken_ttl_hours = 9000000000000\n",
            "private_api.token_ttl_hours",
        ),
    ] {
        std::fs::write(dir.path().join("tracardi.toml"), file).unwrap();
        let (code, _, err) = run(dir.path(), &["config", "validate"], &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(key) && err.contains("at most"), "{err}");
    }
    std::fs::write(dir.path().join("tracardi.toml"), "colector = 1\n").unwrap();
    let (code, _, err) = run(dir.path(), &["config", "validate"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("colector"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["--config", "missing.toml", "config", "show"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
    let (code, _, err) = run(
        tempfile::tempdir().unwrap().path(),
        &["config", "validate"],
        &[("TRACARDI_COLLECTOR_REQUEST_TIMEOUT", "soon")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("TRACARDI_COLLECTOR_REQUEST_TIMEOUT"), "{err}");
    // Two services on one port, and store URIs `serve` could not open, are found here.
    let fresh = tempfile::tempdir().unwrap();
    for (env, want) in [
        (
            vec![
                ("TRACARDI_COLLECTOR_LISTEN", "0.0.0.0:19999"),
                ("TRACARDI_PRIVATE_API_LISTEN", "127.0.0.1:19999"),
            ],
            "take the same port",
        ),
        (vec![("TRACARDI_STORE", "mysql://x")], "unknown scheme"),
        (
            vec![("TRACARDI_STORE", "postgres://u@h/db?pool_size=0")],
            "out of range",
        ),
        (
            vec![("TRACARDI_STORE", "postgres://u@h/db?schema=Bad-Name")],
            "lowercase",
        ),
    ] {
        let (code, _, err) = run(fresh.path(), &["config", "validate"], &env);
        assert_eq!(code, 2, "{env:?}: {err}");
        assert!(err.contains(want), "{env:?}: {err}");
    }
}

#[test]
fn config_keys_lists_env_names() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(dir.path(), &["config", "keys"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("collector.listen") && out.contains("TRACARDI_COLLECTOR_LISTEN"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["serve", "no-such-service"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-service"));
    let (code, out, _) = run(dir.path(), &["--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes"));
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// completions/ and man/ are generated from the command tree; regenerate them with
/// `cargo run -- generate completions completions && cargo run -- generate man man`.
#[test]
fn generated_files_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for what in ["completions", "man"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join(what);
        let (code, _, err) = run(root, &["generate", what, out.to_str().unwrap()], &[]);
        assert_eq!(code, 0, "{err}");
        let fresh = files(&out);
        let committed = files(&root.join(what));
        assert_eq!(
            fresh.keys().collect::<Vec<_>>(),
            committed.keys().collect::<Vec<_>>(),
            "{what}/ is stale: run `cargo run -- generate {what} {what}`"
        );
        for (name, content) in &fresh {
            assert!(
                committed.get(name) == Some(content),
                "{what}/{name} is stale: run `cargo run -- generate {what} {what}`"
            );
        }
    }
}

#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .args(["config", "show"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the command writes.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Output that cannot be written (here a full disk, `/dev/full`) is an error with its
/// reason and exit 1, never a panic.
#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(dir.path())
        .args(["config", "show"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A service named twice runs once; a bridge without its event source is a
/// configuration error (exit 2), as the same setting is everywhere else.
#[test]
fn serve_takes_a_service_named_twice_and_refuses_a_bridge_without_source() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = command(dir.path())
        .args([
            "serve",
            "collector",
            "collector",
            "--collector-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader is kept to the end: the daemon writes to it as it stops.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("collector listening on") {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(n > 0, "the collector did not start");
    }
    // It answers, so its signal handler is in place.
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    crate::support::block(async move {
        let r = crate::support::client()
            .get(format!("{url}/healthcheck"))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    drop(stdout);
    let (code, _, err) = run(
        dir.path(),
        &[
            "serve",
            "bridge",
            "mqtt",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bridges.mqtt.source"), "{err}");
}
