//! Destinations, visit end and queue health, black-box: the real binary delivers to a
//! real HTTP receiver on an ephemeral port that fails on purpose.

use crate::support::{self, block, client, Server, ADMIN_EMAIL, ADMIN_PASSWORD};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracardictl::domain::{Context, EventSource, Scope};
use tracardictl::store::{self, OpenOptions, SharedStore};
use tracardictl::workflow::engine::kinds;

/// What the receiver saw: status answered, headers, body.
#[derive(Debug, Clone)]
struct Hit {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Hit {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on its own runtime: answers 500 while `fail` is positive (counting
/// down) or negative (for ever), then 200.
struct Receiver {
    url: String,
    fail: Arc<AtomicI64>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    fn start(fail: i64) -> Receiver {
        let fail = Arc::new(AtomicI64::new(fail));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let (f, h) = (fail.clone(), hits.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().route(
                    "/hook",
                    axum::routing::any(
                        move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                            let (f, h) = (f.clone(), h.clone());
                            async move {
                                let left = f.load(Ordering::SeqCst);
                                let status = if left != 0 {
                                    if left > 0 {
                                        f.fetch_sub(1, Ordering::SeqCst);
                                    }
                                    500
                                } else {
                                    200
                                };
                                h.lock().unwrap().push(Hit {
                                    status,
                                    headers: headers
                                        .iter()
                                        .map(|(k, v)| {
                                            (
                                                k.as_str().to_string(),
                                                v.to_str().unwrap_or("").to_string(),
                                            )
                                        })
                                        .collect(),
                                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                                });
                                (axum::http::StatusCode::from_u16(status).unwrap(), "{}")
                            }
                        },
                    ),
                );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Receiver {
            url: format!("http://{addr}/hook"),
            fail,
            hits,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn successes(&self) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.status == 200)
            .collect()
    }

    /// Waits until `n` requests were answered 200.
    fn wait_for_successes(&self, n: usize, within: Duration) -> Vec<Hit> {
        let start = Instant::now();
        loop {
            let ok = self.successes();
            if ok.len() >= n || start.elapsed() > within {
                return ok;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn open(data: &Path) -> SharedStore {
    store::open(
        data.to_str().unwrap(),
        &OpenOptions {
            cache_bytes: 4 << 20,
        },
    )
    .unwrap()
}

/// A temp dir holding `tracardi.toml` with these `[worker]` settings, and the data dir.
fn setup(worker: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tracardi.toml"),
        format!("[worker]\n{worker}\n"),
    )
    .unwrap();
    let data = dir.path().join("data");
    (dir, data)
}

const PROD: &str = "production";

/// Writes configuration documents (kind, doc) and event sources into the production
/// context before the server starts.
fn configure(data: &Path, sources: &[EventSource], docs: &[(&str, Value)]) {
    block(async {
        let store = open(data);
        let scope = Scope::default_tenant(Context::Production);
        for s in sources {
            store::put_event_source(store.as_ref(), &scope, s)
                .await
                .unwrap();
        }
        for (kind, doc) in docs {
            store
                .put_config(&scope, kind, doc["id"].as_str().unwrap(), doc)
                .await
                .unwrap();
        }
        store.durable().await.unwrap();
    });
}

fn api(server: &Server, token: &str, method: reqwest::Method, path: &str) -> (u16, Value) {
    let url = format!("{}{path}", server.private_api());
    let token = token.to_string();
    block(async move {
        let r = client()
            .request(method, url)
            .bearer_auth(token)
            .header("x-context", PROD)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

fn track(server: &Server, body: Value) -> Value {
    let url = format!("{}/track", server.collector());
    block(async move {
        let r = client().post(url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    })
}

fn metrics(server: &Server) -> String {
    let url = format!("{}/metrics", server.private_api());
    block(async move {
        client()
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

/// Runs the binary with a client config signed in to `server`.
struct Ctl {
    dir: tempfile::TempDir,
}

impl Ctl {
    fn login(server: &Server) -> Ctl {
        let ctl = Ctl {
            dir: tempfile::tempdir().unwrap(),
        };
        let (code, _, err) = ctl.run(
            &[
                "login",
                server.private_api(),
                "--name",
                "local",
                "-u",
                ADMIN_EMAIL,
                "--password-stdin",
            ],
            &format!("{ADMIN_PASSWORD}\n"),
        );
        assert_eq!(code, 0, "{err}");
        ctl
    }

    fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        use std::io::Write as _;
        let mut c = support::command(self.dir.path());
        c.args(args)
            .env(
                "TRACARDICTL_CLIENT_CONFIG",
                self.dir.path().join("client.toml"),
            )
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn hook(url: &str) -> Value {
    json!({"id": "hook", "name": "Receiver", "type": "webhook", "enabled": true,
        "credentials": {"production": {"url": url, "headers": {"x-api-key": "k1"}}}})
}

#[test]
fn deliveries_retry_with_backoff_until_the_receiver_accepts_and_are_logged() {
    let receiver = Receiver::start(2);
    let (dir, data) =
        setup("max_attempts = 5\nretry_base_ms = 300\nretry_max_ms = 600\nvisit_idle_seconds = 0");
    let web = EventSource::new_rest("web", "Website");
    let destination = json!({
        "id": "crm", "name": "CRM", "enabled": true,
        "destination": {"package": "webhook", "init": {"method": "post", "timeout": 5,
            "headers": {"x-profile": "{{profile@id}}"}}},
        "condition": "event@properties.price > 10",
        "event_type": {"id": "purchase", "name": "Purchase"},
        "mapping": {"profile": "profile@id", "price": "event@properties.price", "kind": "`order`"},
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[web],
        &[
            ("resource", hook(&receiver.url)),
            ("destination", destination),
        ],
    );
    let mut server = Server::start_at(&data, &[]);
    let token = block(server.install());

    let v = track(
        &server,
        json!({"source": {"id": "web"}, "session": {"id": "s1"}, "events": [
            {"type": "purchase", "properties": {"price": 20}},
            {"type": "purchase", "properties": {"price": 5}},
            {"type": "page-view", "properties": {}}]}),
    );
    let pid = v["profile"]["id"].as_str().unwrap().to_string();

    let ok = receiver.wait_for_successes(1, Duration::from_secs(30));
    assert_eq!(ok.len(), 1, "delivered once the receiver recovered");
    std::thread::sleep(Duration::from_millis(800));
    let hits = receiver.hits();
    assert_eq!(
        hits.iter().map(|h| h.status).collect::<Vec<_>>(),
        [500, 500, 200],
        "only the matching event, retried until accepted"
    );
    let hit = &hits[2];
    assert_eq!(
        hit.body,
        json!({"profile": pid, "price": 20, "kind": "order"})
    );
    assert_eq!(hit.header("x-api-key"), Some("k1"));
    assert_eq!(hit.header("x-profile"), Some(pid.as_str()));

    // The delivery log, newest first.
    let (s, log) = api(
        &server,
        &token,
        reqwest::Method::GET,
        "/destinations/crm/log",
    );
    assert_eq!(s, 200, "{log}");
    assert_eq!(
        (log["delivered"].clone(), log["failed"].clone()),
        (json!(1), json!(2)),
        "{log}"
    );
    assert_eq!(log["consecutive_failures"], 0);
    let entries = log["entries"].as_array().unwrap();
    let shape: Vec<(String, u64, Value)> = entries
        .iter()
        .map(|e| {
            (
                e["outcome"].as_str().unwrap().to_string(),
                e["attempt"].as_u64().unwrap(),
                e["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("delivered".to_string(), 3, json!(200)),
            ("retry".to_string(), 2, json!(500)),
            ("retry".to_string(), 1, json!(500)),
        ]
    );
    assert!(entries
        .iter()
        .all(|e| e["latency_ms"].as_f64().unwrap() >= 0.0));
    let at = |i: usize| {
        entries[i]["at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    // Backoff: at least half the base delay (300 ms, doubling) between attempts.
    assert!((at(1) - at(2)).num_milliseconds() >= 150, "{log}");
    assert!((at(0) - at(1)).num_milliseconds() >= 300, "{log}");
    assert!(
        entries[2]["error"].as_str().unwrap().contains("500"),
        "{log}"
    );

    // Failure paths: an unknown destination, no credentials.
    let (s, v) = api(
        &server,
        &token,
        reqwest::Method::GET,
        "/destinations/nope/log",
    );
    assert_eq!(s, 404, "{v}");
    assert_eq!(v["code"], "not_found", "{v}");
    let (s, _) = api(
        &server,
        "bad-token",
        reqwest::Method::GET,
        "/destinations/crm/log",
    );
    assert_eq!(s, 401);

    // Queue health.
    let (s, q) = api(&server, &token, reqwest::Method::GET, "/queue");
    assert_eq!(s, 200);
    assert_eq!(q["depth"], 0, "{q}");
    let crm = q["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "crm")
        .cloned()
        .unwrap();
    assert_eq!(
        (crm["failed"].clone(), crm["delivered"].clone()),
        (json!(2), json!(1))
    );
    let m = metrics(&server);
    assert!(
        m.contains(r#"tracardi_destination_failures_total{tenant="default",context="production",destination="crm"} 2"#),
        "{m}"
    );

    // The CLI.
    let ctl = Ctl::login(&server);
    let (code, out, err) = ctl.run(&["destination", "log", "crm", "--context", PROD], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("TIME\tITEM\tATTEMPT\tOUTCOME\tSTATUS"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.lines().nth(1).unwrap().contains("delivered"), "{out}");
    assert!(err.contains("1 delivered, 2 failed attempts"), "{err}");
    let (code, out, _) = ctl.run(
        &[
            "destination",
            "log",
            "crm",
            "--context",
            PROD,
            "-o",
            "json",
            "--limit",
            "1",
        ],
        "",
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    let (code, _, err) = ctl.run(&["destination", "log", "nope", "--context", PROD], "");
    assert_eq!(code, 4, "{err}");

    assert_eq!(server.terminate(), Some(0));
    drop(dir);
}

#[test]
fn deliveries_that_always_fail_go_to_the_dead_letter_queue_and_replay_after_recovery() {
    let receiver = Receiver::start(-1);
    let (dir, data) =
        setup("max_attempts = 3\nretry_base_ms = 100\nretry_max_ms = 200\nvisit_idle_seconds = 0");
    // An asynchronous source: the worker matches destinations after running its flows.
    let mut app = EventSource::new_rest("app", "App");
    app.synchronous = Some(false);
    let destination = json!({
        "id": "down", "name": "Down", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 2}},
        "event_type": "purchase",
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[app],
        &[
            ("resource", hook(&receiver.url)),
            ("destination", destination),
        ],
    );
    let mut server = Server::start_at(&data, &[]);
    let token = block(server.install());
    let v = track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "s1"},
            "events": [{"type": "purchase", "properties": {"sku": "A1"}}]}),
    );
    let pid = v["profile"]["id"].as_str().unwrap().to_string();

    let start = Instant::now();
    let dead = loop {
        let (s, v) = api(&server, &token, reqwest::Method::GET, "/dlq");
        assert_eq!(s, 200);
        if let Some(item) = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["topic"] == "destination")
        {
            break item.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no dead letter: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(dead["attempts"], 3, "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("500"),
        "{dead}"
    );
    assert_eq!(receiver.hits().len(), 3);

    let (_, log) = api(
        &server,
        &token,
        reqwest::Method::GET,
        "/destinations/down/log",
    );
    assert_eq!(log["entries"][0]["outcome"], "dead", "{log}");
    assert_eq!(
        (log["dead"].clone(), log["consecutive_failures"].clone()),
        (json!(1), json!(3))
    );
    let (_, q) = api(&server, &token, reqwest::Method::GET, "/queue");
    assert_eq!(q["dead_letters"], 1, "{q}");
    let m = metrics(&server);
    assert!(
        m.contains(r#"tracardi_destination_dead_letters_total{tenant="default",context="production",destination="down"} 1"#),
        "{m}"
    );

    // The receiver recovers; replaying the dead letter delivers it.
    receiver.fail.store(0, Ordering::SeqCst);
    let (s, v) = api(
        &server,
        &token,
        reqwest::Method::POST,
        &format!("/dlq/{}/replay", dead["id"]),
    );
    assert_eq!(s, 200, "{v}");
    let ok = receiver.wait_for_successes(1, Duration::from_secs(20));
    assert_eq!(ok.len(), 1);
    // No mapping: the body is the profile, session and event.
    assert_eq!(ok[0].body["profile"]["id"], json!(pid));
    assert_eq!(ok[0].body["event"]["type"], "purchase");
    assert_eq!(ok[0].body["event"]["properties"]["sku"], "A1");
    assert_eq!(ok[0].body["session"]["id"], "s1");
    std::thread::sleep(Duration::from_millis(300));
    let (_, log) = api(
        &server,
        &token,
        reqwest::Method::GET,
        "/destinations/down/log",
    );
    assert_eq!(log["entries"][0]["outcome"], "delivered", "{log}");
    assert_eq!(log["consecutive_failures"], 0);
    let (_, q) = api(&server, &token, reqwest::Method::GET, "/queue");
    assert_eq!(
        (q["depth"].clone(), q["dead_letters"].clone()),
        (json!(0), json!(0)),
        "{q}"
    );
    assert_eq!(server.terminate(), Some(0));

    // `status` reads the same figures from the store when no daemon holds it.
    let out = support::command(dir.path())
        .args(["status", "-o", "json", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let d = &v["work_queue"]["destinations"][0];
    assert_eq!(
        (d["id"].clone(), d["dead"].clone(), d["delivered"].clone()),
        (json!("down"), json!(1), json!(1)),
        "{v}"
    );
    let out = support::command(dir.path())
        .args(["status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("destination  down (production): 1 delivered"),
        "{text}"
    );
}

const VISIT_FLOW: &str = r#"
id: count-visit-ends
name: Count visit ends
nodes:
  - {id: start, plugin: start}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.visits_ended}}
edges: ["start -> count"]
"#;

/// (visit-ended events of the profile, the counter its rule increments, session status)
fn visit_state(data: &Path, pid: &str) -> (usize, Option<f64>, String) {
    block(async {
        let store = open(data);
        let scope = Scope::default_tenant(Context::Production);
        let events = store
            .events_by_profile(&scope, pid, None, 1000)
            .await
            .unwrap()
            .items;
        let ended = events
            .iter()
            .filter(|e| e.event_type == "visit-ended")
            .count();
        let profile = store.profile(&scope, pid).await.unwrap().unwrap();
        let session = store.session(&scope, "s1").await.unwrap().unwrap();
        (
            ended,
            profile.stats.counters.get("visits_ended").copied(),
            session.metadata.status,
        )
    })
}

#[test]
fn idle_sessions_end_once_with_a_visit_ended_event_that_rules_see() {
    let (_dir, data) = setup("visit_idle_seconds = 1");
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(VISIT_FLOW)
        .unwrap()
        .to_value();
    let rule = json!({"id": "on-end", "name": "on-end", "type": "event-collect",
        "event_type": {"id": "visit-ended", "name": "Visit ended"},
        "source": "*", "flow": {"id": "count-visit-ends", "name": "count"}, "enabled": true});
    configure(
        &data,
        &[EventSource::new_rest("web", "Website")],
        &[(kinds::FLOW, flow), (kinds::RULE, rule)],
    );
    let mut server = Server::start_at(&data, &[]);
    let token = block(server.install());
    let v = track(
        &server,
        json!({"source": {"id": "web"}, "session": {"id": "s1"},
            "events": [{"type": "page-view", "properties": {}}]}),
    );
    let pid = v["profile"]["id"].as_str().unwrap().to_string();
    let start = Instant::now();
    loop {
        let (s, v) = api(&server, &token, reqwest::Method::GET, "/sessions/s1");
        assert_eq!(s, 200, "{v}");
        if v["metadata"]["status"] == "ended" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never ended: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.terminate(), Some(0));
    drop(server);
    assert_eq!(visit_state(&data, &pid), (1, Some(1.0), "ended".into()));

    // A restart ends nothing twice.
    let mut server = Server::start_at(&data, &[]);
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(server.terminate(), Some(0));
    drop(server);
    assert_eq!(visit_state(&data, &pid), (1, Some(1.0), "ended".into()));
}

/// A receiver that accepts connections and never answers: a delivery to it hangs the
/// attempt until the worker dies. Counts the connections it accepted.
fn hanging_receiver() -> (String, Arc<AtomicI64>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicI64::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            count.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (url, accepted)
}

fn wait_for_connections(accepted: &AtomicI64, n: i64) {
    let start = Instant::now();
    while accepted.load(Ordering::SeqCst) < n {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker never attempted delivery {n}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A poison delivery: every attempt hangs and the worker is SIGKILLed in the middle of
/// it. Each lost attempt counts; once they are spent the item goes to the dead-letter
/// queue with the expired-lease error, and the destination's log says `dead`.
#[test]
fn a_delivery_whose_worker_is_killed_every_time_ends_dead_and_logged() {
    let (url, accepted) = hanging_receiver();
    let (_dir, data) = setup("max_attempts = 2\nvisit_idle_seconds = 0");
    let mut app = EventSource::new_rest("app", "App");
    app.synchronous = Some(false);
    let destination = json!({
        "id": "poison", "name": "Poison", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 120}},
        "event_type": "purchase",
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[app],
        &[("resource", hook(&url)), ("destination", destination)],
    );
    let mut server = Server::start_at(&data, &[]);
    block(server.install());
    track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "s1"},
            "events": [{"type": "purchase", "properties": {"sku": "A1"}}]}),
    );
    // Two attempts, each killed while the delivery is in flight.
    for attempt in 1..=2 {
        wait_for_connections(&accepted, attempt);
        server.kill();
        drop(server);
        server = Server::start_at(&data, &[]);
    }
    // The restarted worker finds the attempts spent: dead, not delivered a third time.
    let token = block(support::login(
        server.private_api(),
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    ));
    let start = Instant::now();
    let log = loop {
        let (s, log) = api(
            &server,
            &token,
            reqwest::Method::GET,
            "/destinations/poison/log",
        );
        assert_eq!(s, 200, "{log}");
        if log["dead"] == 1 {
            break log;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no dead entry in the delivery log: {log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let entry = &log["entries"][0];
    assert_eq!(entry["outcome"], "dead", "{log}");
    assert_eq!(entry["attempt"], 2, "{log}");
    assert!(
        entry["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("lease expired"),
        "{log}"
    );
    let (s, v) = api(&server, &token, reqwest::Method::GET, "/dlq");
    assert_eq!(s, 200);
    let items: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["topic"] == "destination")
        .collect();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(items[0]["attempts"], 2, "{v}");
    assert!(
        items[0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("2 of 2 attempts"),
        "{v}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "no third attempt");
    server.kill();
}

/// Probe finding D18: a delivery dead-lettered by the lease that found its attempts
/// spent (every one killed) must keep its `dead` log entry through a crash right after:
/// the dead letter is durable, so its log entry must be too. Three kills, as found.
#[test]
fn a_delivery_dead_by_expired_leases_keeps_its_log_entry_through_a_crash() {
    let (url, accepted) = hanging_receiver();
    let (_dir, data) = setup("max_attempts = 3\nvisit_idle_seconds = 0");
    let mut app = EventSource::new_rest("app", "App");
    app.synchronous = Some(false);
    let destination = json!({
        "id": "poison", "name": "Poison", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 120}},
        "event_type": "purchase",
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[app],
        &[("resource", hook(&url)), ("destination", destination)],
    );
    let mut server = Server::start_at(&data, &[]);
    // Signed in once: a sign-in writes (and syncs) the store, which would hide the bug.
    let token = block(server.install());
    track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "s1"},
            "events": [{"type": "purchase", "properties": {"sku": "A1"}}]}),
    );
    for attempt in 1..=3 {
        wait_for_connections(&accepted, attempt);
        server.kill();
        drop(server);
        server = Server::start_at(&data, &[]);
    }
    let log = |server: &Server| {
        api(
            server,
            &token,
            reqwest::Method::GET,
            "/destinations/poison/log",
        )
    };
    let start = Instant::now();
    loop {
        let (s, v) = log(&server);
        assert_eq!(s, 200, "{v}");
        if v["dead"] == 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no dead entry in the delivery log: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Crash with nothing else written since: the entry must have been made durable.
    server.kill();
    drop(server);
    let server = Server::start_at(&data, &[]);
    let (s, v) = api(&server, &token, reqwest::Method::GET, "/dlq");
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 1, "the dead letter survived: {v}");
    let (s, v) = log(&server);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["dead"].clone(), v["entries"][0]["outcome"].clone()),
        (json!(1), json!("dead")),
        "the dead letter's log entry survived the crash: {v}"
    );
    assert_eq!(v["entries"][0]["attempt"], 3, "{v}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "no fourth attempt");
}

/// A destination that hangs holds one of the worker's slots, not the others: a delivery
/// to a healthy destination, for another profile, goes out while the hanging one waits
/// for its timeout.
#[test]
fn a_hanging_destination_does_not_hold_up_the_others() {
    let (hang_url, accepted) = hanging_receiver();
    let ok = Receiver::start(0);
    let (_dir, data) = setup("visit_idle_seconds = 0");
    let mut app = EventSource::new_rest("app", "App");
    app.synchronous = Some(false);
    let mut hang_hook = hook(&hang_url);
    hang_hook["id"] = json!("hang-hook");
    let hanging = json!({
        "id": "hangs", "name": "Hangs", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 120}},
        "event_type": "stuck",
        "resource": {"id": "hang-hook"}
    });
    let healthy = json!({
        "id": "healthy", "name": "Healthy", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 5}},
        "event_type": "purchase",
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[app],
        &[
            ("resource", hang_hook),
            ("resource", hook(&ok.url)),
            ("destination", hanging),
            ("destination", healthy),
        ],
    );
    let server = Server::start_at(&data, &[]);
    block(server.install());
    track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "slow"},
            "events": [{"type": "stuck", "properties": {}}]}),
    );
    wait_for_connections(&accepted, 1);
    track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "fast"},
            "events": [{"type": "purchase", "properties": {"sku": "A1"}}]}),
    );
    // Well within the hanging delivery's 120 s.
    let got = ok.wait_for_successes(1, Duration::from_secs(20));
    assert_eq!(
        got.len(),
        1,
        "the healthy destination waited for the hanging one"
    );
}

/// A receiver that answers every request `302 Found` to another address.
fn redirecting_receiver() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 302 Found\r\nLocation: /moved\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    url
}

/// A 302 is not a delivery: the POST would become a body-less GET elsewhere. The attempt
/// fails and its error names the new address; a webhook address that is not an http(s)
/// URL is refused when it is configured.
#[test]
fn redirects_are_failed_attempts_and_bad_addresses_are_refused() {
    let url = redirecting_receiver();
    let (_dir, data) = setup("max_attempts = 1\nvisit_idle_seconds = 0");
    let mut app = EventSource::new_rest("app", "App");
    app.synchronous = Some(false);
    let destination = json!({
        "id": "moved", "name": "Moved", "enabled": true,
        "destination": {"package": "webhook", "init": {"timeout": 5}},
        "event_type": "purchase",
        "resource": {"id": "hook"}
    });
    configure(
        &data,
        &[app],
        &[("resource", hook(&url)), ("destination", destination)],
    );
    let server = Server::start_at(&data, &[]);
    let token = block(server.install());
    track(
        &server,
        json!({"source": {"id": "app"}, "session": {"id": "s1"},
            "events": [{"type": "purchase", "properties": {}}]}),
    );
    let start = Instant::now();
    let log = loop {
        let (s, log) = api(
            &server,
            &token,
            reqwest::Method::GET,
            "/destinations/moved/log",
        );
        assert_eq!(s, 200, "{log}");
        if log["entries"].as_array().is_some_and(|e| !e.is_empty()) {
            break log;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no attempt: {log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let entry = &log["entries"][0];
    assert_eq!(entry["status"], 302, "{log}");
    assert_ne!(entry["outcome"], "delivered", "{log}");
    let error = entry["error"].as_str().unwrap_or("");
    assert!(error.contains("Location: /moved"), "{log}");

    let post = |path: &str, doc: Value| {
        let url = format!("{}{path}", server.private_api());
        let token = token.clone();
        block(async move {
            let r = client()
                .post(url)
                .bearer_auth(token)
                .header("x-context", PROD)
                .json(&doc)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        })
    };
    for (init, field) in [
        (json!({"url": "not a url at all"}), "`destination.init.url`"),
        (
            json!({"url": "ftp://example.com/x"}),
            "`destination.init.url`",
        ),
        (json!({"timeout": 0}), "`destination.init.timeout`"),
        (json!({"timeout": "abc"}), "`destination.init.timeout`"),
        (json!({"timeout": 1e9}), "`destination.init.timeout`"),
        (json!({"method": "teleport"}), "`destination.init.method`"),
    ] {
        let bad = json!({"id": "bad", "name": "Bad", "enabled": true,
            "destination": {"package": "webhook", "init": init},
            "resource": {"id": "hook"}});
        let (s, v) = post("/config/destination", bad);
        assert_eq!(s, 422, "{init}: {v}");
        assert!(v["message"].as_str().unwrap().starts_with(field), "{v}");
    }

    // A disabled destination sends nothing, even a dead letter replayed by hand.
    let dead = log["entries"][0]["item"].as_u64().expect("item");
    let disabled = json!({"id": "moved", "name": "Moved", "enabled": false,
        "destination": {"package": "webhook", "init": {"timeout": 5}},
        "event_type": "purchase", "resource": {"id": "hook"}});
    let (s, v) = post("/config/destination", disabled);
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(&format!("/dlq/{dead}/replay"), json!({}));
    assert_eq!(s, 200, "{v}");
    let start = Instant::now();
    loop {
        let (_, log) = api(
            &server,
            &token,
            reqwest::Method::GET,
            "/destinations/moved/log",
        );
        let newest = &log["entries"][0];
        if newest["error"]
            .as_str()
            .is_some_and(|e| e.contains("is disabled"))
        {
            assert!(newest["status"].is_null(), "nothing was sent: {log}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "sent anyway: {log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Dead letters of two contexts and of another tenant, made offline: (seqs of the
/// default tenant's production ones, of its staging ones).
fn dead_letters(data: &Path) -> (Vec<u64>, Vec<u64>) {
    use tracardictl::store::NewItem;
    block(async {
        let s = open(data);
        let now = chrono::Utc::now();
        let mut out = Vec::new();
        for (scope, n) in [
            (Scope::default_tenant(Context::Production), 3),
            (Scope::default_tenant(Context::Staging), 2),
            (Scope::new("acme", Context::Production), 1),
        ] {
            let items: Vec<NewItem> = (0..n)
                .map(|i| NewItem {
                    scope: scope.clone(),
                    topic: "test".into(),
                    key: None,
                    payload: json!({"n": i}),
                })
                .collect();
            out.push(s.enqueue(&items, now).await.unwrap());
        }
        for l in s
            .lease("test", 100, chrono::Duration::seconds(30), 8, now)
            .await
            .unwrap()
        {
            s.nack(l.item.seq, &l.token, "boom", None, now)
                .await
                .unwrap();
        }
        s.durable().await.unwrap();
        (out[0].clone(), out[1].clone())
    })
}

/// Probe findings D21 and D17: `GET /dlq` answers in `total` how many dead letters the
/// caller sees (its tenant's, of the context it names), not the page size; `dlq list`
/// says so and takes `-o json|yaml|name|wide` and `--no-headers` as the other listings
/// do; `destination log` takes `-o yaml`.
#[test]
fn dead_letters_are_counted_and_listed_in_every_format() {
    let (_dir, data) = setup("visit_idle_seconds = 0");
    let destination = json!({"id": "quiet", "name": "Quiet", "enabled": true,
        "destination": {"package": "webhook"}, "event_type": "purchase",
        "resource": {"id": "hook"}});
    configure(
        &data,
        &[],
        &[
            ("resource", hook("http://127.0.0.1:9/hook")),
            ("destination", destination),
        ],
    );
    let (production, staging) = dead_letters(&data);
    let server = Server::start_at(&data, &[]);
    let token = block(server.install());
    let get = |path: &str, context: Option<&str>| {
        let url = format!("{}{path}", server.private_api());
        let token = token.clone();
        let context = context.map(str::to_string);
        block(async move {
            let mut r = client().get(url).bearer_auth(token);
            if let Some(c) = context {
                r = r.header("x-context", c);
            }
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    };
    let ids = |v: &Value| -> Vec<u64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_u64().unwrap())
            .collect()
    };

    // The API: a page of two, the total of three, the rest after the cursor.
    let (s, v) = get("/dlq?limit=2", Some(PROD));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 3, "{v}");
    assert_eq!(ids(&v), production[..2].to_vec(), "{v}");
    let next = v["next"].as_str().expect("a cursor").to_string();
    let (s, v) = get(&format!("/dlq?limit=2&after={next}"), Some(PROD));
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["total"].clone(), ids(&v), v["next"].clone()),
        (json!(3), production[2..].to_vec(), Value::Null),
        "{v}"
    );
    // A page that holds all of them has no cursor.
    let (_, v) = get("/dlq?limit=3", Some(PROD));
    assert_eq!(
        (v["total"].clone(), v["next"].clone()),
        (json!(3), Value::Null)
    );
    // Without a context: both of the tenant's contexts, never another tenant's.
    let (_, v) = get("/dlq?limit=1", None);
    assert_eq!(v["total"], 5, "{v}");
    let (_, v) = get("/dlq", Some("staging"));
    assert_eq!((v["total"].clone(), ids(&v)), (json!(2), staging.clone()));
    for bad in ["/dlq?after=abc", "/dlq?limit=0", "/dlq?limit=5000"] {
        let (s, v) = get(bad, Some(PROD));
        assert_eq!(s, 400, "{bad}: {v}");
    }

    // The CLI.
    let ctl = Ctl::login(&server);
    let (code, out, err) = ctl.run(&["dlq", "list", "--limit", "2", "--context", PROD], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ID\tTOPIC"), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(err.contains("3 dead letter(s), 2 shown"), "{err}");
    assert!(err.contains(&format!("--after {}", production[1])), "{err}");
    let (code, out, err) = ctl.run(
        &[
            "dlq",
            "list",
            "--context",
            PROD,
            "--after",
            &production[1].to_string(),
            "--no-headers",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with(&production[2].to_string()), "{out}");
    let (code, out, err) = ctl.run(&["dlq", "list", "-o", "json", "--context", PROD], "");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3, "{out}");
    assert_eq!(v[0]["last_error"], "boom", "{out}");
    let (code, out, err) = ctl.run(&["dlq", "list", "-o", "yaml", "--context", PROD], "");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(v[2]["id"], json!(production[2]), "{out}");
    let (code, out, err) = ctl.run(&["dlq", "list", "-o", "name"], "");
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = production
        .iter()
        .chain(&staging)
        .map(|s| format!("dlq/{s}"))
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), names, "{out}");
    assert!(err.contains("5 dead letter(s), 5 shown"), "{err}");
    let (code, out, err) = ctl.run(&["dlq", "list", "-o", "wide", "--context", "staging"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().next().unwrap().ends_with("TENANT\tCONTEXT"),
        "{out}"
    );
    assert!(
        out.lines().nth(1).unwrap().ends_with("default\tstaging"),
        "{out}"
    );
    let (code, _, err) = ctl.run(&["dlq", "list", "-o", "xml"], "");
    assert_eq!(code, 2, "{err}");

    // `destination log` takes YAML too, and still `text` for the table.
    let (code, out, err) = ctl.run(
        &[
            "destination",
            "log",
            "quiet",
            "--context",
            PROD,
            "-o",
            "yaml",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(
        (v["id"].clone(), v["entries"].clone()),
        (json!("quiet"), json!([]))
    );
    for format in ["text", "table"] {
        let (code, out, err) = ctl.run(
            &[
                "destination",
                "log",
                "quiet",
                "--context",
                PROD,
                "-o",
                format,
            ],
            "",
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with("TIME\tITEM"), "{out}");
    }
    let (code, out, err) = ctl.run(
        &[
            "destination",
            "log",
            "quiet",
            "--context",
            PROD,
            "--no-headers",
        ],
        "",
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}
