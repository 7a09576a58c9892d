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

/// Kills a child that a failing test leaves running; disarmed before the child is
/// waited for (until then its pid cannot belong to another process).
struct Reaper(u32, bool);

impl Reaper {
    fn of(child: &std::process::Child) -> Reaper {
        Reaper(child.id(), true)
    }
    fn disarm(&mut self) {
        self.1 = false;
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if self.1 {
            unsafe {
                libc::kill(self.0 as i32, libc::SIGKILL);
            }
        }
    }
}

/// Every line of standard error as a JSON record; panics naming the first line that is
/// not one.
fn json_lines(err: &str) -> Vec<serde_json::Value> {
    err.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}\nstderr:\n{err}"))
        })
        .collect()
}

/// The message of the ERROR record among `records`.
fn error_message(records: &[serde_json::Value]) -> String {
    let errors: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["level"] == "ERROR").collect();
    assert_eq!(errors.len(), 1, "one ERROR record: {records:?}");
    errors[0]["fields"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message: {records:?}"))
        .to_string()
}

/// Probe findings A6/A7: under `--log-format json` (or `log_format = "json"`) every line
/// `serve` writes to standard error is a JSON record, its fatal error included (an
/// ERROR record with the message), whether the error is a port in use, a bad
/// configuration or a bad flag; the startup notices are records there too, and stay
/// plain lines on standard output.
#[test]
fn serve_under_json_logs_writes_only_json_to_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    // A port in use: the error of a started daemon.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = run(
        dir.path(),
        &[
            "serve",
            "collector",
            "--log-format",
            "json",
            "--data-dir",
            data,
            "--collector-listen",
            &addr,
        ],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    let message = error_message(&json_lines(&err));
    assert!(
        message.contains(&format!("cannot listen on {addr}")),
        "{message}"
    );

    // A configuration that does not load, JSON asked for by the environment.
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("tracardi.toml"), "[collector]\nlisen = 1\n").unwrap();
    let (code, _, err) = run(bad.path(), &["serve"], &[("TRACARDI_LOG_FORMAT", "json")]);
    assert_eq!(code, 2, "{err}");
    let message = error_message(&json_lines(&err));
    assert!(message.contains("unknown field `lisen`"), "{message}");
    // ... and by the file itself.
    std::fs::write(
        bad.path().join("tracardi.toml"),
        "log_format = \"json\"\n[collector]\nlisen = 1\n",
    )
    .unwrap();
    let (code, _, err) = run(bad.path(), &["serve"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(error_message(&json_lines(&err)).contains("lisen"), "{err}");

    // A flag that does not parse.
    let (code, _, err) = run(
        dir.path(),
        &[
            "serve",
            "--log-format",
            "json",
            "--collector-listen",
            "nonsense",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        error_message(&json_lines(&err)).contains("nonsense"),
        "{err}"
    );

    // A first start and a stop: notices on standard output as before, records on
    // standard error.
    let fresh = dir.path().join("fresh");
    let mut child = command(dir.path())
        .args([
            "serve",
            "collector",
            "--log-format",
            "json",
            "--collector-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(&fresh)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reaper = Reaper::of(&child);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    let mut line = String::new();
    while !line.contains("collector listening on http://") {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(n > 0, "serve did not start: {printed:?}");
        printed.push(line.trim_end().to_string());
    }
    let source = printed
        .iter()
        .find_map(|l| {
            l.strip_prefix("tracardictl: default event source (rest, staging and production): ")
        })
        .unwrap_or_else(|| panic!("no default source line: {printed:?}"))
        .to_string();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    reaper.disarm();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let records = json_lines(&err);
    assert!(
        records
            .iter()
            .any(|r| r["fields"]["source_id"] == source.as_str()),
        "the default source as a record: {err}"
    );
    assert!(
        records.iter().any(|r| r["fields"]["message"] == "listening" && r["fields"]["service"] == "collector"),
        "{err}"
    );
}

/// A SIGTERM that arrives as soon as `serve` prints anything (before, the signal
/// handler was installed only after the addresses were printed, and such a signal
/// killed the process) takes the graceful path: drain, flush, exit 0.
#[test]
fn sigterm_right_after_start_is_graceful() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..6 {
        let data = dir.path().join(format!("data-{round}"));
        let mut child = command(dir.path())
            .args([
                "serve",
                "--collector-listen",
                "127.0.0.1:0",
                "--private-api-listen",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(&data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut reaper = Reaper::of(&child);
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(n > 0, "serve printed nothing");
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        // Keep reading: the daemon may still print as it stops.
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        reaper.disarm();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round}: after {line:?} the signal was not handled: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The leaf keys of a TOML table as dotted paths; an empty table is a leaf (a map whose
/// keys the user chooses, such as `identity.strategies`).
fn leaf_keys(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) if !inner.is_empty() => leaf_keys(inner, &path, out),
            _ => out.push(path),
        }
    }
}

/// Probe finding A29: `config keys` lists every key the configuration accepts (the
/// list and table keys too, which only the file sets), no more and no fewer than the
/// effective configuration holds.
#[test]
fn config_keys_lists_every_key_the_config_accepts() {
    let dir = tempfile::tempdir().unwrap();
    // Set so that the optional key appears in `config show`.
    std::fs::write(
        dir.path().join("tracardi.toml"),
        "[identity]\nmerge_key_salt = \"a-salt-of-enough-length-0123\"\nblocked_values = [\"n/a\"]\n",
    )
    .unwrap();
    let (code, keys, err) = run(dir.path(), &["config", "keys"], &[]);
    assert_eq!(code, 0, "{err}");
    let listed: Vec<&str> = keys
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for k in [
        "identity.blocked_values",
        "identity.strategies",
        "collector.listen",
    ] {
        assert!(listed.contains(&k), "{k} missing: {keys}");
    }
    let line = |k: &str| {
        keys.lines()
            .find(|l| l.split_whitespace().next() == Some(k))
            .unwrap()
    };
    assert!(line("identity.strategies").contains("file only"), "{keys}");
    assert!(
        line("collector.listen").contains("TRACARDI_COLLECTOR_LISTEN"),
        "{keys}"
    );

    let (code, shown, err) = run(dir.path(), &["config", "show"], &[]);
    assert_eq!(code, 0, "{err}");
    let table: toml::Table = toml::from_str(&shown).unwrap();
    let mut effective = Vec::new();
    leaf_keys(&table, "", &mut effective);
    effective.sort();
    let mut listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(listed, effective, "config keys and config show disagree");
}

/// Probe finding A32: `localhost` in a listen address is loopback (a flag, the
/// environment, the file); another host name is refused saying what to write instead.
#[test]
fn listen_addresses_take_localhost() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        dir.path(),
        &["config", "show"],
        &[("TRACARDI_COLLECTOR_LISTEN", "localhost:9876")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("listen = \"127.0.0.1:9876\""), "{out}");
    std::fs::write(
        dir.path().join("tracardi.toml"),
        "[private_api]\nlisten = \"LOCALHOST:9877\"\n",
    )
    .unwrap();
    let (code, out, err) = run(dir.path(), &["config", "show"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("listen = \"127.0.0.1:9877\""), "{out}");
    std::fs::remove_file(dir.path().join("tracardi.toml")).unwrap();

    let (code, _, err) = run(
        dir.path(),
        &[
            "serve",
            "collector",
            "--collector-listen",
            "example.com:8585",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("example.com:8585")
            && err.contains("127.0.0.1:8585")
            && err.contains("[::1]:8585"),
        "{err}"
    );
    assert!(!err.contains("invalid socket address syntax"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["config", "validate"],
        &[("TRACARDI_TMS_LISTEN", "db.internal:1")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("tms.listen") && err.contains("127.0.0.1"),
        "{err}"
    );

    let data = dir.path().join("data");
    let mut child = command(dir.path())
        .args(["serve", "collector", "--collector-listen", "localhost:0"])
        .arg("--data-dir")
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reaper = Reaper::of(&child);
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("collector listening on") {
        line.clear();
        let n = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(n > 0, "the collector did not start");
    }
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
    reaper.disarm();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
