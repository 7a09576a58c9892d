//! `tracardictl tui` end to end: the real binary in a tmux pseudo terminal against a
//! real private API with data, navigated like a user would; and the refusals (no
//! terminal, unreachable API, refused token).

use crate::support::{self, client, payload, Server};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(args: &[&str], w: u16, h: u16) -> Tmux {
        Tmux::start_program(support::BIN, args, w, h)
    }

    /// Like `start`, with another program in the pane (a shell around the UI).
    fn start_program(program: &str, args: &[&str], w: u16, h: u16) -> Tmux {
        let socket = format!("tracardictl-test-{}", uuid::Uuid::new_v4());
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
        ])
        .args(["-x", &w.to_string(), "-y", &h.to_string()])
        .arg("--")
        .arg(program)
        .args(args)
        .env("TERM", "xterm-256color")
        .env("RUST_LOG", "debug");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let mut a = vec!["send-keys", "-t", "t"];
            // Plain text is sent literally; key names (Enter, Tab, Escape) are not.
            if !matches!(*k, "Enter" | "Tab" | "Escape" | "C-d" | "C-u") {
                a.push("-l");
            }
            a.push(k);
            self.tmux(&a);
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// The process the pane runs, then its children (the UI under a shell).
    fn children(&self) -> Vec<String> {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    fn alive(&self) -> bool {
        self.tmux(&["has-session", "-t", "t"]).status.success()
    }

    /// Waits until the screen shows every one of `want`; the screen.
    fn wait_for(&self, want: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if want.iter().all(|w| s.contains(w)) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {want:?}; it shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// A private-API call as `tracardictl tui` makes it (production context); the answer.
async fn api(
    server: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = client()
        .request(method, format!("{}{path}", server.private_api()))
        .bearer_auth(token)
        .header("x-context", "production");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

/// A traced flow run by a rule on `purchase` events of the default source; waits until
/// the collector's run left a trace.
async fn traced_flow(server: &Server, token: &str) {
    let flow = json!({"id": "count-buys", "name": "Count buys", "trace": true,
        "nodes": [{"id": "start", "plugin": "start"},
                  {"id": "count", "plugin": "increment", "init": {"field": "profile@stats.counters.buys"}}],
        "edges": ["start -> count"]});
    api(
        server,
        token,
        reqwest::Method::PUT,
        "/flows/count-buys/draft",
        Some(flow),
    )
    .await;
    api(
        server,
        token,
        reqwest::Method::POST,
        "/flows/count-buys/deploy",
        Some(json!({})),
    )
    .await;
    let rule = json!({"id": "on-buy", "name": "on-buy", "type": "event-collect",
        "event_type": {"id": "purchase", "name": "purchase"},
        "source": {"id": server.source(), "name": "rest"},
        "flow": {"id": "count-buys", "name": "count-buys"}, "enabled": true});
    api(
        server,
        token,
        reqwest::Method::POST,
        "/config/rule",
        Some(rule),
    )
    .await;
    track(server, &["purchase"]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = api(
            server,
            token,
            reqwest::Method::GET,
            "/flows/count-buys/traces",
            None,
        )
        .await;
        if v["items"].as_array().is_some_and(|a| !a.is_empty()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the flow never left a trace: {v}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Two logins with one e-mail on two devices, merged by the APM service through a flow's
/// merge node; the surviving profile's id once the merge is done.
async fn merged_profile(server: &Server, token: &str) -> String {
    let flow = json!({"id": "login", "name": "On login",
        "nodes": [{"id": "start", "plugin": "start"},
                  {"id": "email", "plugin": "set", "init": {"set": {"profile@data.contact.email.main": "payload@email"}}},
                  {"id": "merge", "plugin": "merge-profiles", "init": {"mergeBy": ["profile@data.contact.email.main"]}}],
        "edges": ["start -> email", "email -> merge"]});
    api(
        server,
        token,
        reqwest::Method::PUT,
        "/flows/login/draft",
        Some(flow),
    )
    .await;
    api(
        server,
        token,
        reqwest::Method::POST,
        "/flows/login/deploy",
        Some(json!({})),
    )
    .await;
    let rule = json!({"id": "on-login", "name": "on-login", "type": "event-collect",
        "event_type": {"id": "login", "name": "login"},
        "source": {"id": server.source(), "name": "rest"},
        "flow": {"id": "login", "name": "login"}, "enabled": true});
    api(
        server,
        token,
        reqwest::Method::POST,
        "/config/rule",
        Some(rule),
    )
    .await;
    let mut ids = Vec::new();
    for device in ["phone", "laptop"] {
        let body = json!({"source": {"id": server.source()}, "session": {"id": device},
            "events": [{"type": "login", "properties": {"email": "ann@example.com"}}]});
        let r = client()
            .post(format!("{}/track", server.collector()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        ids.push(v["profile"]["id"].as_str().unwrap().to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = api(
            server,
            token,
            reqwest::Method::GET,
            &format!("/profiles/{}", ids[1]),
            None,
        )
        .await;
        if p["id"] == json!(ids[0]) || p["id"] != json!(ids[1]) {
            return p["id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "the APM never merged {ids:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn track(server: &Server, types: &[&str]) -> Value {
    let r = client()
        .post(format!("{}/track", server.collector()))
        .json(&payload(server.source(), Some("s-tui"), None, types))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[test]
fn tui_finds_a_profile_and_its_events_in_a_terminal() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let server = Server::start();
    let token = support::block(server.install());
    let answer = support::block(track(&server, &["page-view", "purchase"]));
    support::block(traced_flow(&server, &token));
    let merged = support::block(merged_profile(&server, &token));
    let profile = answer["profile"]["id"].as_str().unwrap().to_string();
    let events = support::block(api(
        &server,
        &token,
        reqwest::Method::GET,
        &format!("/profiles/{profile}/events"),
        None,
    ));
    let event_id = events["items"][0]["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tui.log");
    let t = Tmux::start(
        &[
            "tui",
            "--url",
            server.private_api(),
            "--token",
            &token,
            "--log-file",
            log.to_str().unwrap(),
        ],
        120,
        40,
    );
    // Per source: the collector's default source has today's events.
    let s = t.wait_for(&[
        "PRODUCTION",
        "Dashboard",
        "events today: ",
        server.source(),
        "APM merges: 1",
        "queue / dead letters: 0 / 0",
    ]);
    assert!(s.contains("help"), "the help bar is shown:\n{s}");

    t.keys(&[":profiles", "Enter"]);
    t.wait_for(&["Profiles (production)", &profile[..16]]);
    t.keys(&["Enter"]);
    t.wait_for(&[
        "Profile",
        &format!("id: {profile}"),
        "Events (",
        "Sessions (1)",
    ]);
    t.keys(&["Tab", "Tab"]);
    let s = t.wait_for(&["page-view", "purchase", "oldest first"]);
    assert!(s.contains("Sessions (1)"), "{s}");
    // The merge history (`explain`): the profile's merge keys, and no merge yet.
    t.keys(&["Tab", "Tab"]);
    t.wait_for(&[
        "Merges (0)",
        "Identity · ",
        "no merges: this profile was never merged",
    ]);

    // Search by id from the list, then leave.
    t.keys(&["Escape", "/", &profile, "Enter"]);
    t.wait_for(&[&format!("Profiles matching `{profile}`")]);
    t.keys(&["?"]);
    t.wait_for(&["Keys · Profiles"]);
    t.keys(&["?"]);

    // A profile the APM merged: its merge history, found by its e-mail.
    t.keys(&["/", "C-u", "ann@example.com", "Enter"]);
    t.wait_for(&["Profiles matching `ann@example.com`", &merged[..16]]);
    t.keys(&["Enter", "Tab", "Tab", "Tab", "Tab"]);
    t.wait_for(&[
        "Merges (1)",
        "key data.contact.email.main",
        "merge    key: ",
    ]);
    t.keys(&["Escape"]);

    // The flow's stored trace, node by node.
    t.keys(&[":flows", "Enter"]);
    t.wait_for(&["Flows", "count-buys"]);
    t.keys(&["Enter", "Tab"]);
    t.wait_for(&["Traces (1)", "STARTED"]);
    t.keys(&["Enter", "j"]);
    t.wait_for(&[
        "0 error(s)",
        "increment",
        "input [payload]",
        "output [payload]",
    ]);

    // A dry run of the flow against an event typed in as JSON.
    t.keys(&[
        "Escape",
        "x",
        r#"{"type": "purchase", "properties": {}}"#,
        "Enter",
    ]);
    t.wait_for(&[
        "dry run of count-buys on an event without id",
        "2 node(s), 0 error(s)",
    ]);
    // …and against a stored event, by its id.
    t.keys(&["Escape", "x", &event_id, "Enter"]);
    t.wait_for(&[&format!(
        "dry run of count-buys on event {}",
        &event_id[..12]
    )]);

    // Health: the work queue and its (empty) dead-letter queue.
    t.keys(&[":health", "Enter"]);
    t.wait_for(&[
        "Store and queue",
        "work queue: ",
        "Dead letters (0)",
        "no dead letters",
    ]);

    // The live stream shows what the collector stores from now on.
    t.keys(&[":live", "Enter"]);
    t.wait_for(&["Live events (production) · streaming"]);
    support::block(track(&server, &["tui-check"]));
    t.wait_for(&["tui-check"]);
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!t.alive(), "q quits");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("tui started"), "{logged}");
    assert!(!logged.contains(&token), "tokens are never logged");
}

fn run_tui(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = support::command(dir.path())
        .arg("tui")
        .args(args)
        .env("TRACARDICTL_CLIENT_CONFIG", dir.path().join("none.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tui_explains_what_is_wrong_before_starting() {
    let (code, err) = run_tui(&[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("tracardictl login"), "{err}");

    let (code, err) = run_tui(&["--url", "http://127.0.0.1:9", "--token", "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot reach") && err.contains("fix:"),
        "{err}"
    );

    let server = Server::start();
    let token = support::block(server.install());
    let (code, err) = run_tui(&["--url", server.private_api(), "--token", "wrong"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("token was refused"), "{err}");

    let (code, err) = run_tui(&["--url", server.private_api(), "--token", &token]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
}

/// `tui` with a client config holding one connection; (exit code, stderr).
fn run_tui_saved(config: &str, args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.toml");
    std::fs::write(&path, config).unwrap();
    let out = support::command(dir.path())
        .arg("tui")
        .args(args)
        .env("TRACARDICTL_CLIENT_CONFIG", &path)
        .env_remove("TRACARDICTL_URL")
        .env_remove("TRACARDICTL_TOKEN")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tui_takes_the_url_or_the_token_alone_from_the_saved_connection() {
    let server = Server::start();
    let token = support::block(server.install());
    let url = server.private_api();
    let config = format!(
        "current = \"default\"\n\n[connections.default]\nurl = \"{url}\"\ntoken = \"{token}\"\n"
    );
    // --token alone goes to the saved connection's URL: a good key gets as far as the
    // terminal check, a bad one is refused by that server.
    let (code, err) = run_tui_saved(&config, &["--token", &token], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    let (code, err) = run_tui_saved(&config, &["--token", "wrong"], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("token was refused"), "{err}");
    let (code, err) = run_tui_saved(&config, &[], &[("TRACARDICTL_TOKEN", "wrong")]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("token was refused"), "{err}");
    // --url alone uses the token saved for that URL, and no other URL gets it.
    let (code, err) = run_tui_saved(&config, &["--url", &format!("{url}/")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a terminal"), "{err}");
    let (code, err) = run_tui_saved(&config, &["--url", "http://127.0.0.1:9"], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no saved connection to http://127.0.0.1:9") && err.contains("--token"),
        "{err}"
    );
    // Without any saved connection, a token alone says what is missing.
    let (code, err) = run_tui_saved("", &["--token", &token], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("tracardictl login"), "{err}");
}

/// A client of the live stream (as the TUI's live screen and dashboard are) does not
/// hold a stopping daemon until its drain deadline: the stream ends at once.
#[test]
fn an_open_event_stream_does_not_hold_the_daemon_stop() {
    use std::io::{Read as _, Write as _};
    let mut server = Server::start();
    let token = support::block(server.install());
    let addr = server
        .private_api()
        .trim_start_matches("http://")
        .to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "GET /events/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         X-Context: production\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "{}", String::from_utf8_lossy(&head));
    let started = Instant::now();
    assert_eq!(server.terminate(), Some(0));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "stopping took {took:?}");
    // The stream was ended by the server, not cut by the drain deadline.
    let mut rest = Vec::new();
    let _ = conn.read_to_end(&mut rest);
    let rest = String::from_utf8_lossy(&rest);
    assert!(rest.ends_with("0\r\n\r\n"), "{rest}");
}

/// The store size the dashboard and the health screen show (`/stats` `disk_bytes`)
/// counts the write-ahead log, where a new store's data is for its first minutes.
#[test]
fn the_store_size_shown_counts_the_write_ahead_log() {
    let server = Server::start();
    let token = support::block(server.install());
    let body = payload(server.source(), Some("s-size"), None, &["page-view"; 20]);
    support::block(async {
        for _ in 0..10 {
            let r = client()
                .post(format!("{}/track", server.collector()))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
    });
    let stats = support::block(api(&server, &token, reqwest::Method::GET, "/stats", None));
    let disk = stats["disk_bytes"].as_u64().unwrap_or(0);
    assert!(disk > 20_000, "200 events stored, yet disk_bytes is {disk}");
}

/// Ended by a signal (a `kill`, an SSH session torn down, `timeout`), the UI leaves the
/// alternate screen and raw mode before it exits, with 128 + the signal's number.
#[test]
fn a_stop_signal_gives_the_terminal_back() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let server = Server::start();
    let token = support::block(server.install());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tui.log");
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130), ("QUIT", 131)] {
        let script = format!(
            "'{}' tui --url {} --token {token} --log-file '{}'; echo EXIT CODE: $?; stty -a; sleep 60",
            support::BIN,
            server.private_api(),
            log.display()
        );
        let t = Tmux::start_program("sh", &["-c", &script], 120, 40);
        t.wait_for(&["Dashboard", "events today: "]);
        let ui = t.children();
        assert_eq!(ui.len(), 1, "the shell runs the UI: {ui:?}");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &ui[0]])
            .status()
            .unwrap();
        assert!(killed.success());
        // `stty -a` prints after the exit code: wait for its local-modes line too.
        let s = t.wait_for(&[&format!("EXIT CODE: {code}"), "icanon", "echoctl"]);
        assert!(
            !s.contains("events today"),
            "SIG{signal}: the UI is still drawn:\n{s}"
        );
        let alt = t.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
        assert_eq!(
            String::from_utf8_lossy(&alt.stdout).trim(),
            "0",
            "SIG{signal}: still on the alternate screen"
        );
        assert!(
            s.contains(" icanon") && !s.contains("-icanon") && !s.contains("-echo "),
            "SIG{signal}: the terminal stays raw:\n{s}"
        );
        assert!(s.contains(&format!("stopped by SIG{signal}")), "{s}");
    }
}

/// A locked flow refuses changes written as configuration (the TUI's `e`,
/// `tracardictl edit` and `apply`) as its draft does, until it is unlocked.
#[test]
fn a_locked_flow_refuses_configuration_changes_until_unlocked() {
    let server = Server::start();
    let token = support::block(server.install());
    support::block(async {
        let flow = json!({"id": "frozen", "name": "Frozen",
            "nodes": [{"id": "start", "plugin": "start"}], "edges": []});
        api(
            &server,
            &token,
            reqwest::Method::POST,
            "/config/flow",
            Some(flow),
        )
        .await;
        api(
            &server,
            &token,
            reqwest::Method::POST,
            "/flows/frozen/lock",
            Some(json!({})),
        )
        .await;
        let stored = api(
            &server,
            &token,
            reqwest::Method::GET,
            "/config/flow/frozen",
            None,
        )
        .await;
        let post = |doc: Value| {
            let token = token.clone();
            let url = format!("{}/config/flow", server.private_api());
            async move {
                let r = client()
                    .post(url)
                    .bearer_auth(token)
                    .header("x-context", "production")
                    .json(&doc)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };
        let mut renamed = stored.clone();
        renamed["name"] = json!("Changed while locked");
        let (s, v) = post(renamed.clone()).await;
        assert_eq!(s, 409, "{v}");
        assert!(
            v.to_string()
                .contains("is locked; unlock it before editing"),
            "{v}"
        );
        // Leaving `lock` out does not unlock it either.
        let mut unmarked = renamed.clone();
        unmarked.as_object_mut().unwrap().remove("lock");
        assert_eq!(post(unmarked).await.0, 409);
        // The same document again changes nothing and is fine.
        let (s, v) = post(stored.clone()).await;
        assert_eq!((s, v["result"].clone()), (200, json!("unchanged")), "{v}");
        let now = api(
            &server,
            &token,
            reqwest::Method::GET,
            "/config/flow/frozen",
            None,
        )
        .await;
        assert_eq!(now["name"], json!("Frozen"));
        // Unlocked, the change goes through.
        api(
            &server,
            &token,
            reqwest::Method::POST,
            "/flows/frozen/unlock",
            Some(json!({})),
        )
        .await;
        renamed["lock"] = json!(false);
        let (s, v) = post(renamed).await;
        assert_eq!(s, 200, "{v}");
    });
}

/// `e` in the TUI: a change someone else made while the editor was open is not
/// overwritten but shown, the text typed is kept (in the editor, or in a file when the
/// user gives up), and an edit that is not YAML reopens the editor instead of being lost.
#[test]
fn tui_edits_keep_the_text_and_never_overwrite_changes_made_meanwhile() {
    if !Tmux::available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let server = Server::start();
    let token = support::block(server.install());
    let rule = json!({"id": "r-edit", "name": "Original", "type": "event-collect",
        "event_type": {"id": "purchase", "name": "purchase"},
        "source": {"id": server.source(), "name": "rest"},
        "flow": {"id": "none", "name": "none"}, "enabled": true});
    let post_rule = |doc: Value| {
        support::block(api(
            &server,
            &token,
            reqwest::Method::POST,
            "/config/rule",
            Some(doc),
        ))
    };
    let get_rule = || {
        support::block(api(
            &server,
            &token,
            reqwest::Method::GET,
            "/config/rule/r-edit",
            None,
        ))
    };
    post_rule(rule.clone());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    // The editor: each opening is saved for the test to read, then edited as a user
    // would: (1) rename while someone else disables the rule, (2) give up, (3) break the
    // YAML, (4) fix it and rename.
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nd='{d}'\nn=$(($(cat \"$d/n\" 2>/dev/null || echo 0)+1)); echo $n > \"$d/n\"\n\
             cp \"$1\" \"$d/seen-$n\"\ncase $n in\n\
             1) touch \"$d/opened\"; while [ ! -e \"$d/go\" ]; do sleep 0.1; done\n   \
                sed -i 's/^name: .*/name: Renamed in TUI/' \"$1\";;\n\
             3) echo 'foo: [unclosed' >> \"$1\";;\n\
             4) sed -i '/^#/d; /^foo:/d; s/^name: .*/name: Fixed after an error/' \"$1\";;\n\
             esac\n"
        ),
    )
    .unwrap();
    let script = format!(
        "EDITOR='sh {}' exec '{}' tui --url {} --token {token} --log-file '{d}/tui.log'",
        editor.display(),
        support::BIN,
        server.private_api(),
    );
    let t = Tmux::start_program("sh", &["-c", &script], 200, 40);
    t.wait_for(&["Dashboard"]);
    t.keys(&[":rules", "Enter"]);
    t.wait_for(&["r-edit"]);
    t.keys(&["/", "r-edit", "Enter", "e"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("opened").exists() {
        assert!(Instant::now() < deadline, "the editor never opened");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut disabled = rule.clone();
    disabled["enabled"] = json!(false);
    post_rule(disabled);
    std::fs::write(dir.path().join("go"), "").unwrap();

    // Refused: the editor reopens on the renamed text with the other change shown;
    // closed unchanged, the text stays in a file and nothing was written.
    let s = t.wait_for(&["your text is kept in "]);
    let seen = std::fs::read_to_string(dir.path().join("seen-2")).unwrap();
    assert!(
        seen.contains("rule/r-edit was changed by someone else")
            && seen.contains("#   +enabled: false")
            && seen.contains("\nname: Renamed in TUI\n"),
        "{seen}"
    );
    let kept = s
        .split("your text is kept in ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap();
    assert_eq!(std::fs::read_to_string(kept).unwrap(), seen);
    let _ = std::fs::remove_file(kept);
    let now = get_rule();
    assert_eq!(
        (now["name"].clone(), now["enabled"].clone()),
        (json!("Original"), json!(false))
    );

    // Not YAML: reopened with the parse error above the text; fixed, it is applied over
    // the copy it was opened on (the disabled one).
    t.keys(&["e"]);
    t.wait_for(&["rule/r-edit configured"]);
    let seen = std::fs::read_to_string(dir.path().join("seen-4")).unwrap();
    assert!(
        seen.contains("not valid YAML") && seen.contains("foo: [unclosed"),
        "{seen}"
    );
    let now = get_rule();
    assert_eq!(
        (now["name"].clone(), now["enabled"].clone()),
        (json!("Fixed after an error"), json!(false))
    );
}

/// A server that takes the connection but never answers: the start-up check gives up
/// after a few seconds and says so, instead of a blank minute.
#[test]
fn tui_gives_up_quickly_on_a_server_that_does_not_answer() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming().take(4) {
            conns.push(c);
        }
        conns.len()
    });
    let started = Instant::now();
    let (code, err) = run_tui(&["--url", &url, "--token", "x"]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("no answer from {url} within 10 s")) && err.contains("fix:"),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    drop(held);
}

/// What `n` opens in the editor is a document the API takes once its id is changed, for
/// every kind the TUI creates.
#[test]
fn tui_templates_for_new_documents_are_accepted() {
    use tracardictl::tui::app::{template, Kind};
    let server = Server::start();
    let token = support::block(server.install());
    for k in Kind::ALL.into_iter().filter(|k| k.editable()) {
        let mut doc: Value = serde_yaml::from_str(&template(k)).unwrap();
        doc.as_object_mut().unwrap().remove("kind");
        doc["id"] = json!(format!("tpl-{}", k.api()));
        let (status, v) = support::block(async {
            let r = client()
                // A destination's resource must exist: the resource template's.
                .post(format!(
                    "{}/config/{}?dry_run=true&assume_resources=new-resource",
                    server.private_api(),
                    k.api()
                ))
                .bearer_auth(&token)
                .header("x-context", "production")
                .json(&doc)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        });
        assert!(
            status.is_success(),
            "{}: {status} {v}\n{}",
            k.api(),
            template(k)
        );
    }
}
