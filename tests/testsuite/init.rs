//! `tracardictl init`: flags, answers file, a pseudo terminal answering the prompts,
//! idempotency, and `serve` started from the written configuration.

use crate::support::{block, client, command};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

/// A free loopback port (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Host {
    dir: tempfile::TempDir,
    collector: u16,
    private_api: u16,
}

impl Host {
    fn new() -> Host {
        Host {
            dir: tempfile::tempdir().unwrap(),
            collector: free_port(),
            private_api: free_port(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn client_config(&self) -> PathBuf {
        self.path().join("client.toml")
    }

    fn cmd(&self) -> std::process::Command {
        let mut c = command(self.path());
        c.env("TRACARDICTL_CLIENT_CONFIG", self.client_config())
            .env_remove("TRACARDICTL_ADMIN_PASSWORD");
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let out = self
            .cmd()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn flags(&self) -> Vec<String> {
        [
            "init",
            "--non-interactive",
            "--data-dir",
            "data",
            "--collector-listen",
            &format!("127.0.0.1:{}", self.collector),
            "--private-api-listen",
            &format!("127.0.0.1:{}", self.private_api),
            "--admin-email",
            "admin@example.com",
            "--admin-password",
            PASSWORD,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// `serve` from ./tracardi.toml, waiting until both APIs listen.
    fn serve(&self) -> Served {
        self.serve_with(&["serve"])
    }

    /// The binary with these arguments (a `serve` that runs both APIs), waiting until
    /// both listen.
    fn serve_with(&self, args: &[&str]) -> Served {
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut listening = 0;
        let mut seen = Vec::new();
        while listening < 2 {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("serve did not start: {seen:?}"));
            if line.contains(" listening on ") {
                listening += 1;
            }
            seen.push(line);
        }
        Served(child)
    }
}

struct Served(Child);

impl Served {
    /// SIGTERM, as systemd stops it, and the exit.
    fn stop(mut self) {
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The source id init prints in its next steps.
fn source_id(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("source id:"))
        .unwrap_or_else(|| panic!("no source id in {out}"));
    line.split_whitespace().last().unwrap().to_string()
}

fn track(collector: u16, source: &str) {
    block(async {
        let r = client()
            .post(format!("http://127.0.0.1:{collector}/track"))
            .json(&serde_json::json!({
                "source": {"id": source},
                "session": {"id": "s-1"},
                "events": [{"type": "page-view", "properties": {}}],
            }))
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_eq!(status, 200, "{:?}", r.text().await);
    });
}

#[test]
fn flags_then_serve_track_and_get_without_login() {
    let host = Host::new();
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    for part in [
        "config",
        "store",
        "admin",
        "source",
        "api-key",
        "connection",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with("created") && l.contains(part)),
            "{part} created: {out}"
        );
    }
    assert!(out.contains("Next steps"), "{out}");
    let config = host.path().join("tracardi.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "tracardi.toml holds secrets: {mode:o}");
    }
    let (code, shown, err) = host.run(&["config", "validate"]);
    assert_eq!(code, 0, "{shown}{err}");

    let source = source_id(&out);
    let _served = host.serve();
    track(host.collector, &source);
    let (code, listed, err) = host.run(&["get", "event-sources"]);
    assert_eq!(code, 0, "get works without login: {err}");
    assert!(listed.contains("Website"), "{listed}");
}

#[test]
fn answers_file_and_a_second_run_changes_nothing() {
    let host = Host::new();
    std::fs::write(
        host.path().join("answers.toml"),
        format!(
            "data_dir = \"data\"\nservices = [\"collector\", \"private-api\"]\n\
             collector_listen = \"127.0.0.1:{}\"\nprivate_api_listen = \"127.0.0.1:{}\"\n\
             admin_email = \"Ops@Example.com\"\nadmin_password = \"{PASSWORD}\"\n\
             source_name = \"Shop\"\nsource_type = \"webhook\"\n\
             systemd = true\nsystemd_dir = \"units\"\nsystemd_user = \"cdp\"\n",
            host.collector, host.private_api
        ),
    )
    .unwrap();
    let (code, out, err) = host.run(&["init", "--answers", "answers.toml"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Shop (webhook)"), "{out}");
    let unit = std::fs::read_to_string(host.path().join("units/tracardictl.service")).unwrap();
    assert!(
        unit.contains("User=cdp") && unit.contains("serve collector private-api"),
        "{unit}"
    );
    let config = std::fs::read(host.path().join("tracardi.toml")).unwrap();
    let clients = std::fs::read(host.client_config()).unwrap();

    let (code, again, err) = host.run(&["init", "--answers", "answers.toml"]);
    assert_eq!(code, 0, "{again}\n{err}");
    assert!(
        !again.lines().any(|l| l.trim_start().starts_with("created")),
        "second run creates nothing: {again}"
    );
    for part in [
        "config",
        "store",
        "admin",
        "source",
        "api-key",
        "connection",
        "systemd",
    ] {
        assert!(
            again
                .lines()
                .any(|l| l.trim_start().starts_with("exists") && l.contains(part)),
            "{part} reported as existing: {again}"
        );
    }
    assert_eq!(
        std::fs::read(host.path().join("tracardi.toml")).unwrap(),
        config
    );
    assert_eq!(std::fs::read(host.client_config()).unwrap(), clients);

    // --force redoes only the parts named.
    let (code, forced, err) =
        host.run(&["init", "--answers", "answers.toml", "--force", "api-key"]);
    assert_eq!(code, 0, "{forced}\n{err}");
    assert!(forced.contains("API key"), "{forced}");
    assert!(forced
        .lines()
        .any(|l| l.contains("created") && l.contains("api-key")));
    assert!(forced
        .lines()
        .any(|l| l.contains("exists") && l.contains("admin")));
    assert_ne!(std::fs::read(host.client_config()).unwrap(), clients);
    assert_eq!(
        std::fs::read(host.path().join("tracardi.toml")).unwrap(),
        config
    );

    // --force config keeps what the installed file says unless a flag changes it:
    // the store, the addresses, the installation token and the merge-key salt.
    let (code, rewritten, err) = host.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "ops@example.com",
        "--admin-password",
        PASSWORD,
        "--source-name",
        "Shop",
        "--source-type",
        "webhook",
        "--force",
        "config",
    ]);
    assert_eq!(code, 0, "{rewritten}\n{err}");
    for part in ["store", "admin", "source"] {
        assert!(
            rewritten
                .lines()
                .any(|l| l.trim_start().starts_with("exists") && l.contains(part)),
            "{part} reported as existing: {rewritten}"
        );
    }
    let table = |bytes: &[u8]| -> toml::Table {
        toml::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
    };
    let (before, after) = (
        table(&config),
        table(&std::fs::read(host.path().join("tracardi.toml")).unwrap()),
    );
    assert_eq!(before["data_dir"], after["data_dir"]);
    for (section, key) in [
        ("collector", "listen"),
        ("private_api", "listen"),
        ("private_api", "installation_token"),
        ("identity", "merge_key_salt"),
    ] {
        assert_eq!(before[section][key], after[section][key], "{section}.{key}");
    }

    assert!(
        forced.contains("/collect/page-view/"),
        "webhook example: {forced}"
    );
    let source = source_id(&forced);
    let _served = host.serve();
    block(async {
        let r = client()
            .post(format!(
                "http://127.0.0.1:{}/collect/page-view/{source}",
                host.collector
            ))
            .json(&serde_json::json!({"page": "/"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    let (code, listed, err) = host.run(&["get", "event-sources"]);
    assert_eq!(code, 0, "the new key works: {err}");
    assert!(listed.contains("Shop"), "{listed}");
}

#[test]
fn non_interactive_names_the_missing_flag_and_writes_nothing() {
    let host = Host::new();
    let (code, _, err) = host.run(&["init", "--non-interactive", "--admin-password", PASSWORD]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--admin-email"), "{err}");
    let (code, _, err) = host.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "a@example.com",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--admin-password"), "{err}");
    let (code, _, err) = host.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "a@example.com",
        "--admin-password",
        "password123",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--admin-password"),
        "weak password refused: {err}"
    );
    // Standard input is not a terminal here: no prompt.
    let (code, _, err) = host.run(&["init"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a terminal"), "{err}");
    assert!(!host.path().join("tracardi.toml").exists());
    assert!(!host.path().join("tracardi-data").exists());
}

/// A child on a pseudo terminal: its screen is read in the background.
pub(crate) struct Pty {
    child: Child,
    master: std::fs::File,
    screen: Arc<Mutex<String>>,
    read_upto: usize,
}

impl Pty {
    pub(crate) fn spawn(mut cmd: std::process::Command) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        let slave = unsafe { OwnedFd::from_raw_fd(slave) };
        cmd.stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave.try_clone().unwrap())
            .env("TERM", "xterm");
        unsafe {
            cmd.pre_exec(|| {
                // A session of its own with this terminal as the controlling one, so
                // Ctrl-C becomes SIGINT as on a real terminal.
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        drop(slave);
        let master = unsafe { std::fs::File::from_raw_fd(master) };
        let mut reader = master.try_clone().unwrap();
        let screen = Arc::new(Mutex::new(String::new()));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Pty {
            child,
            master,
            screen,
            read_upto: 0,
        }
    }

    /// Waits until `text` appears after what was already matched.
    pub(crate) fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            {
                let s = self.screen.lock().unwrap();
                if let Some(i) = s[self.read_upto..].find(text) {
                    self.read_upto += i + text.len();
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {text:?}; screen:\n{}",
                    self.screen.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn send(&mut self, keys: &str) {
        // Give the prompt time to switch the terminal mode before keys arrive.
        std::thread::sleep(Duration::from_millis(150));
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    pub(crate) fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "init did not exit; screen:\n{}",
                    self.screen.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn screen(&self) -> String {
        self.screen.lock().unwrap().clone()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn wizard_on_a_terminal_then_serve_and_track() {
    let host = Host::new();
    let mut cmd = host.cmd();
    cmd.arg("init");
    let mut t = Pty::spawn(cmd);
    t.expect("Deployment");
    t.send("\r");
    t.expect("Data directory");
    t.send("data\r");
    t.expect("Services");
    t.send("\r");
    t.expect("Collector listen address");
    t.send(&format!("127.0.0.1:{}\r", host.collector));
    t.expect("Private API listen address");
    t.send(&format!("0.0.0.0:{}\r", host.private_api));
    t.expect("public networks");
    t.expect("anyway");
    t.send("n");
    t.expect("Private API listen address");
    t.send(&format!("127.0.0.1:{}\r", host.private_api));
    t.expect("Installation token");
    t.send("\r");
    t.expect("Merge-key salt");
    t.send("\r");
    t.expect("Admin e-mail");
    t.send("admin@example.com\r");
    t.expect("Admin password");
    t.send("weakpass\r");
    t.expect("too weak");
    t.expect("Admin password");
    t.send(&format!("{PASSWORD}\r"));
    t.expect("Repeat the password");
    t.send(&format!("{PASSWORD}\r"));
    t.expect("Name of the first event source");
    t.send("\r");
    t.expect("Type of the first event source");
    t.send("\r");
    t.expect("systemd");
    t.send("n");
    t.expect("About to set up");
    t.expect("Write this?");
    t.send("y");
    t.expect("Next steps");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    let screen = t.screen();
    assert!(!screen.contains(PASSWORD), "the password is never echoed");

    let source = source_id(&screen.replace("\r\n", "\n"));
    let _served = host.serve();
    track(host.collector, &source);
    let (code, _, err) = host.run(&["get", "event-sources"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn ctrl_c_leaves_nothing_written_and_the_cursor_visible() {
    // At a line prompt (raw mode: Ctrl-C is a key) and at the password prompt (cooked
    // mode without echo: Ctrl-C is SIGINT).
    for at_password in [false, true] {
        let host = Host::new();
        let mut cmd = host.cmd();
        cmd.args(["init", "--deployment", "single", "--data-dir", "data"])
            .args(["--services", "collector,private-api,apm"])
            .args(["--collector-listen", "127.0.0.1:1", "--private-api-listen"])
            .args(["127.0.0.1:2", "--admin-email", "a@example.com"]);
        let mut t = Pty::spawn(cmd);
        t.expect("Installation token");
        if at_password {
            t.send("\r");
            t.expect("Merge-key salt");
            t.send("\r");
            t.expect("Admin password");
        }
        t.send("\x03");
        // Read what it prints on the way out before looking at the screen.
        t.expect("nothing was written");
        let code = t.wait();
        let screen = t.screen();
        assert_eq!(code, 130, "{screen}");
        assert!(
            screen.contains("\x1b[?25h"),
            "cursor shown again: {screen:?}"
        );
        assert!(screen.contains("nothing was written"), "{screen}");
        assert!(!host.path().join("tracardi.toml").exists());
        assert!(!host.path().join("data").exists());
        assert!(!host.client_config().exists());
    }
}

#[test]
fn status_and_doctor_after_init_and_the_problems_doctor_finds() {
    let host = Host::new();
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, status, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(status.contains("down (nothing listens)"), "{status}");
    let schema = format!("schema       {}", tracardictl::store::SCHEMA_VERSION);
    assert!(status.contains(&schema), "{status}");
    assert!(
        status.contains("work queue   0 waiting or in flight (0 in flight), 0 dead letters"),
        "{status}"
    );
    let (code, json, err) = host.run(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["store"]["opened"], true, "{json}");
    assert_eq!(v["work_queue"]["depth"], 0, "{json}");

    let (code, report, err) = host.run(&["doctor"]);
    assert_eq!(code, 0, "{report}\n{err}");
    assert!(!report.contains("FAIL"), "{report}");
    assert!(
        report.contains("salt") && report.contains("installation"),
        "{report}"
    );

    // A port taken by a program that is not tracardictl.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", host.collector)).unwrap();
    // A changed salt and a public private API.
    let path = host.path().join("tracardi.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("merge_key_salt") {
                "merge_key_salt = \"a-different-salt-of-enough-length\"".to_string()
            } else if l.starts_with("listen") && l.contains(&host.private_api.to_string()) {
                format!("listen = \"0.0.0.0:{}\"", host.private_api)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, text).unwrap();
    let (code, report, _) = host.run(&["doctor"]);
    assert_eq!(code, 1, "{report}");
    for what in ["FAIL  salt", "FAIL  private API ", "FAIL  collector port"] {
        assert!(report.contains(what), "{what}: {report}");
    }
    assert!(
        report.contains("fix: put the original salt back"),
        "{report}"
    );
    drop(squatter);
}

/// `status` against a running `serve`: the Segment bridge with its counters, read from
/// `GET /bridges` (which refuses a caller without a token).
#[test]
fn status_shows_the_bridges_of_a_running_serve() {
    let host = Host::new();
    let mut flags = host.flags();
    flags.extend(["--source-type".to_string(), "segment".to_string()]);
    let (code, out, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let key = source_id(&out);
    let _served = host.serve();
    block(async {
        let url = format!("http://127.0.0.1:{}/v1/batch", host.collector);
        let batch = serde_json::json!({"writeKey": key, "batch": [
            {"type": "track", "event": "Paid", "anonymousId": "a1", "messageId": "m1"},
            {"type": "track", "event": "Paid", "anonymousId": "a1", "messageId": "m1"},
            {"type": "track", "event": "Lost", "messageId": "m2"},
        ]});
        let r = client().post(&url).json(&batch).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let r = client()
            .post(&url)
            .json(&serde_json::json!({"writeKey": "nope", "batch": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = client()
            .get(format!("http://127.0.0.1:{}/bridges", host.private_api))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "no token, no bridges");
    });
    let (code, status, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        status.contains(
            "bridge       segment  serving      received 3, stored 1, duplicates 1, rejected 1, dead-lettered 0; last error: "
        ),
        "{status}"
    );
    // The current connection pointing at another installation is not asked for this
    // host's numbers: the saved one that reaches this host is; with none, status says so.
    let saved = std::fs::read_to_string(host.client_config()).unwrap();
    let mut cfg: toml::Table = toml::from_str(&saved).unwrap();
    let other: toml::Table =
        toml::from_str("url = \"http://127.0.0.1:1\"\ntoken = \"tct_other\"").unwrap();
    cfg["connections"]
        .as_table_mut()
        .unwrap()
        .insert("other".into(), toml::Value::Table(other.clone()));
    cfg.insert("current".into(), "other".into());
    std::fs::write(host.client_config(), toml::to_string(&cfg).unwrap()).unwrap();
    let (code, status, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(status.contains("bridge       segment  serving"), "{status}");
    let mut only_other = toml::Table::new();
    only_other.insert("current".into(), "other".into());
    let mut conns = toml::Table::new();
    conns.insert("other".into(), toml::Value::Table(other));
    only_other.insert("connections".into(), toml::Value::Table(conns));
    std::fs::write(host.client_config(), toml::to_string(&only_other).unwrap()).unwrap();
    let (code, status, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        status.contains("sign in to this host's private API"),
        "{status}"
    );
    std::fs::write(host.client_config(), saved).unwrap();

    let (code, json, err) = host.run(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let segment = &v["bridges"][0];
    assert_eq!(segment["name"], "segment", "{json}");
    assert_eq!(segment["state"], "serving", "{json}");
    assert_eq!(segment["stored"], 1, "{json}");
    assert!(
        segment["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("nope")),
        "{json}"
    );
}

/// The start command `init` prints (and the unit it writes) runs the worker: jobs of an
/// asynchronous (webhook) source are taken from the work queue.
#[test]
fn the_printed_start_command_runs_the_worker() {
    let host = Host::new();
    let mut flags = host.flags();
    flags.extend(["--source-type".to_string(), "webhook".to_string()]);
    let (code, out, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let start = out
        .lines()
        .find(|l| l.trim_start().starts_with("start:"))
        .unwrap_or_else(|| panic!("no start command: {out}"));
    let words: Vec<&str> = start.split_whitespace().skip(2).collect();
    assert!(
        words.ends_with(&["serve", "collector", "private-api", "apm", "worker"]),
        "{start}"
    );
    assert!(!out.contains("no worker"), "{out}");
    let source = source_id(&out);
    let _served = host.serve_with(&words);
    block(async {
        let r = client()
            .post(format!(
                "http://127.0.0.1:{}/collect/purchase/{source}/s-1",
                host.collector
            ))
            .json(&serde_json::json!({"a": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, json, err) = host.run(&["status", "-o", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        if v["work_queue"]["depth"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the job was never run: {json}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // `--services` names the worker; a host without it is told what waits.
    let other = Host::new();
    let mut flags = other.flags();
    flags.extend([
        "--services".to_string(),
        "collector,private-api".to_string(),
    ]);
    let (code, out, err) = other.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("no worker on this host"), "{out}");
    let (code, out, err) = other.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "admin@example.com",
        "--admin-password",
        PASSWORD,
        "--services",
        "worker,collector,worker",
        "--force",
        "systemd",
        "--systemd",
        "true",
        "--systemd-dir",
        "units",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let unit = std::fs::read_to_string(other.path().join("units/tracardictl.service")).unwrap();
    assert!(unit.contains(" serve collector worker\n"), "{unit}");
}

/// A store first started by `serve` (which records a merge-key salt) is set up by
/// `init`, which keeps that salt instead of failing on the one it generated.
#[test]
fn init_adopts_a_store_started_by_serve() {
    let host = Host::new();
    let collector = format!("127.0.0.1:{}", host.collector);
    let private_api = format!("127.0.0.1:{}", host.private_api);
    host.serve_with(&[
        "serve",
        "--data-dir",
        "data",
        "--collector-listen",
        &collector,
        "--private-api-listen",
        &private_api,
    ])
    .stop();
    assert!(!host.path().join("tracardi.toml").exists());
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("keeping the merge-key salt it recorded"),
        "{out}"
    );
    let (code, report, err) = host.run(&["doctor"]);
    assert!(
        report.contains("ok    salt"),
        "the written salt is the store's: {report}\n{err}"
    );
    assert!(!report.contains("FAIL"), "{code} {report}");
    // Given explicitly, a different salt is still refused.
    std::fs::remove_file(host.path().join("tracardi.toml")).unwrap();
    let mut flags = host.flags();
    flags.extend([
        "--merge-key-salt".to_string(),
        "a-salt-of-enough-length-but-new".to_string(),
    ]);
    let (code, _, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("differs from the salt"), "{err}");
}

/// `--force config` keeps the settings it does not manage, the TMS key among them,
/// and keeps the replaced file as tracardi.toml.bak.
#[test]
fn force_config_keeps_the_other_settings() {
    let host = Host::new();
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let path = host.path().join("tracardi.toml");
    let custom = format!(
        "log_format = \"json\"\n{}\n[worker]\nconcurrency = 8\n[tms]\napi_key = \"0123456789abcdef0123\"\n",
        std::fs::read_to_string(&path).unwrap()
    );
    std::fs::write(&path, &custom).unwrap();
    let (code, out, err) = host.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "admin@example.com",
        "--admin-password",
        PASSWORD,
        "--collector-listen",
        "127.0.0.1:1",
        "--force",
        "config",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("kept from the file it replaces: log_format, tms, worker")
            && out.contains("tracardi.toml.bak"),
        "{out}"
    );
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(table["log_format"].as_str(), Some("json"));
    assert_eq!(table["worker"]["concurrency"].as_integer(), Some(8));
    assert_eq!(
        table["tms"]["api_key"].as_str(),
        Some("0123456789abcdef0123")
    );
    assert_eq!(table["collector"]["listen"].as_str(), Some("127.0.0.1:1"));
    assert_eq!(
        std::fs::read_to_string(host.path().join("tracardi.toml.bak")).unwrap(),
        custom
    );
    let (code, shown, err) = host.run(&["config", "validate"]);
    assert_eq!(code, 0, "{shown}{err}");
}

/// A second host set up with the same client file does not take over the first
/// host's connection (and its API key).
#[test]
fn a_second_host_keeps_the_first_hosts_connection() {
    let first = Host::new();
    let (code, out, err) = first.run(&first.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let before: toml::Table =
        toml::from_str(&std::fs::read_to_string(first.client_config()).unwrap()).unwrap();

    let second = Host::new();
    let run = |extra: &[&str]| {
        let mut args = second.flags();
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = second
            .cmd()
            .env("TRACARDICTL_CLIENT_CONFIG", first.client_config())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&["--connection-name", "local"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--connection-name") && err.contains("--force connection"),
        "{err}"
    );
    let (code, out, err) = run(&[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("`local-2`")
            && out.contains(&format!(
                "`local` points at http://127.0.0.1:{}",
                first.private_api
            )),
        "{out}"
    );
    let after: toml::Table =
        toml::from_str(&std::fs::read_to_string(first.client_config()).unwrap()).unwrap();
    assert_eq!(
        after["connections"]["local"], before["connections"]["local"],
        "the first host's connection is kept"
    );
    assert_eq!(
        after["connections"]["local-2"]["url"].as_str(),
        Some(&*format!("http://127.0.0.1:{}", second.private_api))
    );
    // Run again: the same connection, nothing new.
    let (code, again, err) = run(&[]);
    assert_eq!(code, 0, "{again}\n{err}");
    assert!(again.contains("exists   connection   `local-2`"), "{again}");
}

/// `--store-url` is a PostgreSQL deployment: never dropped in favour of an embedded store.
#[test]
fn a_store_url_is_never_silently_ignored() {
    let host = Host::new();
    let url = "postgres://nobody@127.0.0.1:1/cdp";
    let mut flags = host.flags();
    flags.extend(["--store-url", url, "--deployment", "single"].map(String::from));
    let (code, _, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--store-url") && err.contains("--deployment postgres"),
        "{err}"
    );
    // Without --deployment the URL makes it one (here: tested, and unreachable).
    let mut flags = host.flags();
    flags.extend(["--store-url", url].map(String::from));
    let (code, _, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--store-url: cannot connect"), "{err}");
    assert!(!host.path().join("tracardi.toml").exists());
    assert!(!host.path().join("data").exists());
}

/// On an installed host, answers that would change the kept tracardi.toml (or the
/// admin) are reported as not applied.
#[test]
fn a_rerun_says_which_answers_it_did_not_apply() {
    let host = Host::new();
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let config = std::fs::read(host.path().join("tracardi.toml")).unwrap();
    let (code, out, err) = host.run(&[
        "init",
        "--non-interactive",
        "--admin-email",
        "other@example.com",
        "--admin-password",
        PASSWORD,
        "--collector-listen",
        "127.0.0.1:1",
        "--tms-api-key",
        "0123456789abcdefXYZ",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    for line in [
        format!(
            "ignored  --collector-listen 127.0.0.1:1: tracardi.toml says 127.0.0.1:{} and is kept (add --force config to apply it)",
            host.collector
        ),
        "ignored  --tms-api-key: tracardi.toml has none and is kept".to_string(),
        "ignored  --admin-email other@example.com: the store's admin is admin@example.com (add --force admin"
            .to_string(),
    ] {
        assert!(out.contains(&line), "{line}: {out}");
    }
    assert!(
        !out.contains("0123456789abcdefXYZ"),
        "no secret shown: {out}"
    );
    assert_eq!(
        std::fs::read(host.path().join("tracardi.toml")).unwrap(),
        config
    );
    // The same answers again: nothing to say.
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("ignored"), "{out}");
}

/// With systemd units for a user that does not exist yet, the next steps create it and
/// give it the configuration and the data before `systemctl`.
#[test]
fn systemd_next_steps_prepare_the_services_user() {
    let host = Host::new();
    let mut flags = host.flags();
    flags.extend(
        [
            "--systemd",
            "true",
            "--systemd-dir",
            "units",
            "--systemd-user",
            "no-such-user-tcdp",
        ]
        .map(String::from),
    );
    let (code, out, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let data = host.path().join("data");
    let config = host.path().join("tracardi.toml");
    let steps: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Next steps"))
        .collect();
    let at = |needle: &str| {
        steps
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {out}"))
    };
    let useradd = at(&format!(
        "before start: useradd --system --home-dir {} no-such-user-tcdp",
        data.display()
    ));
    let chown = at(&format!(
        "chown -R no-such-user-tcdp: {} {}",
        data.display(),
        config.display()
    ));
    let start = at("systemctl daemon-reload");
    assert!(useradd < chown && chown < start, "{out}");
    let unit = std::fs::read_to_string(host.path().join("units/tracardictl.service")).unwrap();
    assert!(
        unit.contains(" serve collector private-api apm worker\n"),
        "{unit}"
    );
    assert!(
        unit.contains(&format!("ReadWritePaths={}\n", data.display())),
        "{unit}"
    );
}

/// A data directory or a config file that cannot be created is refused before
/// anything is set up, naming the flag.
#[test]
fn an_uncreatable_directory_is_refused_up_front() {
    let host = Host::new();
    std::fs::write(host.path().join("file"), "").unwrap();
    let mut flags = host.flags();
    flags[3] = "file/data".into();
    let (code, _, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--data-dir") && err.contains("not a directory"),
        "{err}"
    );
    let mut args = vec!["--config", "file/etc/tracardi.toml"];
    let flags = host.flags();
    args.extend(flags.iter().map(String::as_str));
    let (code, _, err) = host.run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--config"), "{err}");
    assert!(!host.path().join("data").exists());
    assert!(!host.client_config().exists());
}

/// The wizard says at its prompt that a data directory cannot be created and that a
/// listen address is in use, and asks again.
#[test]
fn wizard_checks_the_data_directory_and_the_ports_at_their_prompts() {
    let host = Host::new();
    std::fs::write(host.path().join("file"), "").unwrap();
    let squatter = std::net::TcpListener::bind(("127.0.0.1", host.collector)).unwrap();
    let mut cmd = host.cmd();
    cmd.args(["init", "--deployment", "single"]);
    let mut t = Pty::spawn(cmd);
    t.expect("Data directory");
    t.send("file/data\r");
    t.expect("not a directory");
    t.expect("Data directory");
    t.send("data\r");
    t.expect("Services");
    t.send("\r");
    t.expect("Collector listen address");
    t.send(&format!("127.0.0.1:{}\r", host.collector));
    t.expect("in use by another program");
    t.expect("Use this address anyway?");
    t.send("n");
    t.expect("Collector listen address");
    drop(squatter);
    t.send(&format!("127.0.0.1:{}\r", host.collector));
    t.expect("Private API listen address");
    t.send("\x03");
    t.expect("nothing was written");
    assert_eq!(t.wait(), 130, "{}", t.screen());
    assert!(!host.path().join("data").exists());
}

/// Probe finding D26: `status` without a tracardi.toml works on the defaults and says
/// that no file was found; it creates nothing (not even in an empty data directory)
/// and names a file where the data directory should be.
#[test]
fn status_without_a_config_file_runs_on_the_defaults() {
    let host = Host::new();
    let (code, out, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("no tracardi.toml in "), "{out}");
    assert!(
        out.contains("store        ./tracardi-data  not created yet"),
        "{out}"
    );
    assert!(!host.path().join("tracardi-data").exists());
    let (code, json, err) = host.run(&["status", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["config_file"], serde_json::Value::Null, "{json}");
    assert_eq!(v["store"]["error"], "not created yet", "{json}");

    // An empty directory holds no store: status says so and writes nothing into it.
    std::fs::create_dir(host.path().join("tracardi-data")).unwrap();
    let (code, out, err) = host.run(&["status"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("not created yet"), "{out}");
    let inside: Vec<_> = std::fs::read_dir(host.path().join("tracardi-data"))
        .unwrap()
        .collect();
    assert!(inside.is_empty(), "status wrote into the data directory");
    let (code, report, _) = host.run(&["doctor"]);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("not created yet"), "{report}");

    // A file where the data directory should be.
    std::fs::remove_dir(host.path().join("tracardi-data")).unwrap();
    std::fs::write(host.path().join("tracardi-data"), "").unwrap();
    let (code, out, err) = host.run(&["status"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("./tracardi-data is not a directory"), "{out}");
    assert!(err.contains("not a directory"), "{err}");
}

/// Probe finding A36: a shared-address-space (CGNAT, 100.64.0.0/10) address, as VPNs
/// such as Tailscale hand out, is not public: no warning from init nor doctor.
#[test]
fn a_cgnat_address_is_not_public() {
    let host = Host::new();
    let mut flags = host.flags();
    flags[7] = format!("100.100.1.2:{}", host.private_api);
    let (code, out, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!err.contains("public networks"), "{err}");
    let (_, report, _) = host.run(&["doctor"]);
    assert!(
        report.contains(&format!(
            "private API      listens on 100.100.1.2:{}, not public",
            host.private_api
        )),
        "{report}"
    );
    // An address just outside the range is public.
    let (_, report, _) = host.run_env(
        &["doctor"],
        &[("TRACARDI_PRIVATE_API_LISTEN", "100.128.0.1:8686")],
    );
    assert!(report.contains("FAIL  private API"), "{report}");
}

/// Probe finding A33: paths in the systemd units are quoted and escaped by systemd's
/// rules: a space does not split a path, `%` is not a specifier.
#[test]
fn systemd_units_quote_their_paths() {
    let host = Host::new();
    let mut args: Vec<String> = vec!["--config".into(), "conf dir/tracardi.toml".into()];
    let mut flags = host.flags();
    flags[3] = "my data 100%".into();
    flags.extend(["--systemd", "true", "--systemd-dir", "units"].map(String::from));
    args.extend(flags);
    let (code, out, err) = host.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    let unit_path = host.path().join("units/tracardictl.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    let data = host.path().join("my data 100%");
    let config = host.path().join("conf dir/tracardi.toml");
    assert!(
        unit.contains(&format!(
            "ReadWritePaths=\"{}\"\n",
            data.display().to_string().replace('%', "%%")
        )),
        "{unit}"
    );
    assert!(
        unit.contains(&format!(" --config \"{}\" serve ", config.display())),
        "{unit}"
    );
    // systemd itself, where it is installed, reads the unit without a complaint.
    if let Ok(out) = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no", "--generators=no"])
        .arg(&unit_path)
        .output()
    {
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            !said.contains("ignoring") && !said.contains("not absolute"),
            "{said}\n{unit}"
        );
    }
}

/// Probe finding A34: the files holding secrets are the owner's only, also when they
/// existed with a looser mode: the CLI connection file init rewrites, and the
/// tracardi.toml (installation token) that `--force config` replaces, with its backup.
#[test]
fn files_with_secrets_are_written_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let host = Host::new();
    std::fs::write(host.client_config(), "").unwrap();
    std::fs::set_permissions(host.client_config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, out, err) = host.run(&host.flags().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(mode(&host.client_config()), 0o600);
    let config = host.path().join("tracardi.toml");
    assert_eq!(mode(&config), 0o600);
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut flags = host.flags();
    flags.extend(["--force", "config", "--force", "api-key"].map(String::from));
    let (code, out, err) = host.run(&flags.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(&host.path().join("tracardi.toml.bak")), 0o600);
    assert_eq!(mode(&host.client_config()), 0o600);
}
