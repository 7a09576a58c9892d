//! Starting the real binary on ephemeral ports with a temp data dir.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_tracardictl");

/// The installation token every test server is started with.
pub const INSTALL_TOKEN: &str = "test-installation-token";
/// The first admin `Server::install` creates.
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// A command of the binary run in `dir`, with no config file or TRACARDI_* variable
/// from the environment leaking in.
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("TRACARDI_") {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "warn");
    c
}

pub struct Server {
    pub child: Child,
    /// Service name → base URL (`http://127.0.0.1:PORT`).
    pub urls: HashMap<String, String>,
    /// The default event source id printed on first start, if this start created it.
    pub default_source: Option<String>,
    pub data_dir: PathBuf,
    /// Everything printed on stdout before the server was ready.
    pub banner: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// `serve` (the single-node set) on a fresh temp data dir.
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut s = Server::start_at(&data, &[]);
        s._dir = Some(dir);
        s
    }

    /// `serve EXTRA…` with the data dir `data`; every listening address ephemeral.
    pub fn start_at(data: &Path, extra: &[&str]) -> Server {
        let parent = data.parent().unwrap_or(Path::new("/"));
        let mut cmd = command(parent);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(data)
            .arg("--collector-listen")
            .arg("127.0.0.1:0")
            .arg("--private-api-listen")
            .arg("127.0.0.1:0")
            .env("TRACARDI_PRIVATE_API_INSTALLATION_TOKEN", INSTALL_TOKEN)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn tracardictl");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Keep draining so the child never blocks on a full pipe.
                }
            }
        });
        let mut urls = HashMap::new();
        let mut banner = Vec::new();
        let mut default_source = None;
        let named = extra.iter().filter(|a| !a.starts_with('-')).count();
        let expected = if named == 0 { 2 } else { named };
        // Named services without a listener (worker, apm) report that they run.
        let mut running = 0;
        while urls.len() + running < expected {
            let line = match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => l,
                Err(_) => {
                    let _ = child.kill();
                    panic!("server did not report its addresses; output so far: {banner:?}");
                }
            };
            if let Some(rest) = line.strip_prefix("tracardictl: ") {
                if let Some((svc, url)) = rest.split_once(" listening on ") {
                    urls.insert(svc.to_string(), url.trim().to_string());
                }
                if named > 0 && (rest == "apm running" || rest.starts_with("worker running")) {
                    running += 1;
                }
                if rest.starts_with("default event source") {
                    default_source = rest.split_whitespace().last().map(str::to_string);
                }
            }
            banner.push(line);
        }
        Server {
            child,
            urls,
            default_source,
            data_dir: data.to_path_buf(),
            banner,
            _dir: None,
        }
    }

    pub fn collector(&self) -> &str {
        &self.urls["collector"]
    }

    pub fn private_api(&self) -> &str {
        &self.urls["private-api"]
    }

    /// Installs (first admin) and signs in; returns the admin's bearer token.
    pub async fn install(&self) -> String {
        let api = self.private_api().to_string();
        {
            let c = client();
            let r = c
                .post(format!("{api}/install"))
                .json(&serde_json::json!({"token": INSTALL_TOKEN, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
                .send()
                .await
                .expect("install");
            assert_eq!(r.status(), 200, "{:?}", r.text().await);
            login(&api, ADMIN_EMAIL, ADMIN_PASSWORD).await
        }
    }

    pub fn source(&self) -> &str {
        self.default_source
            .as_deref()
            .expect("default source printed")
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A TrackerPayload with the given source, session, profile and event types.
pub fn payload(
    source: &str,
    session: Option<&str>,
    profile: Option<&str>,
    types: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "source": {"id": source},
        "session": session.map(|s| serde_json::json!({"id": s})),
        "profile": profile.map(|p| serde_json::json!({"id": p})),
        "context": {},
        "events": types.iter().map(|t| serde_json::json!({"type": t, "properties": {}})).collect::<Vec<_>>(),
    })
}

/// Runs a future to completion on a fresh runtime (for sync test helpers).
pub fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Signs in and returns the bearer token.
pub async fn login(api: &str, user: &str, password: &str) -> String {
    let r = client()
        .post(format!("{api}/user/token"))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.expect("json");
    v["access_token"].as_str().expect("token").to_string()
}

/// A collector served in this test's process, on an ephemeral port, over a temp store
/// holding a set of event sources for the tests.
pub struct InProc {
    pub url: String,
    /// The collector's per-profile locks, for services that must share them.
    pub locks: std::sync::Arc<tracardictl::tracking::locks::KeyedLocks>,
    pub store: tracardictl::store::SharedStore,
    pub scope: tracardictl::domain::Scope,
    _dir: tempfile::TempDir,
}

#[derive(Clone)]
pub struct InProcOptions {
    pub track_debug: bool,
    pub refuse_bots: bool,
    pub body_limit: usize,
    pub request_timeout: Duration,
}

impl Default for InProcOptions {
    fn default() -> Self {
        Self {
            track_debug: true,
            refuse_bots: false,
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// The merge-key salt of [`in_process`] servers.
pub const IN_PROC_SALT: &str = "in-process-test-salt-0123456789";

/// Source ids that [`in_process`] creates.
pub mod sources {
    pub const REST: &str = "rest-src";
    pub const DISABLED: &str = "disabled-src";
    pub const STATIC: &str = "static-src";
    pub const TRANSITIONAL: &str = "transitional-src";
    pub const WEBHOOK: &str = "webhook-src";
    pub const WEBHOOK_GENERATE: &str = "webhook-generate";
    pub const WEBHOOK_REPLACE: &str = "webhook-replace";
    pub const SEGMENT: &str = "segment-src";
    pub const SEGMENT_DISABLED: &str = "segment-disabled";
}

pub async fn in_process(opts: InProcOptions) -> InProc {
    use tracardictl::daemon::collector;
    use tracardictl::domain::{Context, EventSource, Scope};
    use tracardictl::store;
    use tracardictl::tracking::{Tracker, TrackerSettings};

    let dir = tempfile::tempdir().expect("temp dir");
    let st = store::open(
        dir.path().to_str().expect("utf-8 path"),
        &store::OpenOptions {
            cache_bytes: 16 << 20,
        },
    )
    .expect("open store");
    let scope = Scope::default_tenant(Context::Production);
    let mk = |id: &str, ty: &str| {
        let mut s = EventSource::new_rest(id, id);
        s.source_type = ty.into();
        s
    };
    let mut all = vec![mk(sources::REST, "rest")];
    let mut disabled = mk(sources::DISABLED, "rest");
    disabled.enabled = false;
    all.push(disabled);
    let mut stat = mk(sources::STATIC, "rest");
    stat.config.insert("static_profile_id".into(), true.into());
    all.push(stat);
    let mut trans = mk(sources::TRANSITIONAL, "rest");
    trans.transitional = true;
    all.push(trans);
    all.push(mk(sources::WEBHOOK, "webhook"));
    let mut generate = mk(sources::WEBHOOK_GENERATE, "webhook");
    generate
        .config
        .insert("generate_profile".into(), true.into());
    all.push(generate);
    let mut replace = mk(sources::WEBHOOK_REPLACE, "webhook");
    replace
        .config
        .insert("replace_profile_id".into(), "user.id".into());
    all.push(replace);
    all.push(mk(sources::SEGMENT, "segment"));
    let mut seg_off = mk(sources::SEGMENT_DISABLED, "segment");
    seg_off.enabled = false;
    all.push(seg_off);
    for s in &all {
        store::put_event_source(st.as_ref(), &scope, s)
            .await
            .expect("put source");
    }
    let workflows = std::sync::Arc::new(tracardictl::workflow::engine::WorkflowEngine::new(
        st.clone(),
        tracardictl::workflow::engine::EngineOptions::default(),
    ));
    let tracker = std::sync::Arc::new(
        Tracker::new(
            st.clone(),
            TrackerSettings {
                scope: scope.clone(),
                track_debug: opts.track_debug,
                refuse_bots: opts.refuse_bots,
                identity: Some(std::sync::Arc::new(tracardictl::identity::KeyPolicy {
                    salt: IN_PROC_SALT.into(),
                    blocked: vec![],
                })),
            },
        )
        .with_processor(std::sync::Arc::new(
            tracardictl::workflow::segmentation::Segmenter::new(workflows),
        )),
    );
    let locks = tracker.profile_locks();
    let router = collector::router(
        collector::CollectorState::new(tracker),
        &collector::CollectorOptions {
            body_limit: opts.body_limit,
            request_timeout: opts.request_timeout,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    InProc {
        url: format!("http://{addr}"),
        locks,
        store: st,
        scope,
        _dir: dir,
    }
}

impl InProc {
    pub async fn track(&self, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.track_query(body, "").await
    }

    pub async fn track_query(
        &self,
        body: &serde_json::Value,
        query: &str,
    ) -> (u16, serde_json::Value) {
        let r = client()
            .post(format!("{}/track{query}", self.url))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn events_of(&self, profile: &str) -> Vec<tracardictl::domain::Event> {
        self.store
            .events_by_profile(&self.scope, profile, None, 10_000)
            .await
            .expect("events")
            .items
    }
}
