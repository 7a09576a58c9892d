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
        while urls.len() < expected {
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
