//! `tracardictl status` and `tracardictl doctor`: what runs where, and what is wrong
//! with this host's installation, each problem with its fix.

use super::{Cli, Failure};
use crate::config::{Config, Overrides};
use crate::daemon::private_api::auth::{AuthStore, INSTALLATION_ID, SYSTEM_KIND};
use crate::daemon::private_api::Role;
use crate::domain::{Context, Scope};
use crate::store::{SharedStore, StoreError, TimeRange, SCHEMA_VERSION};
use anyhow::anyhow;
use clap::Args;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

/// Show what runs where: services, versions, store health, size and schema
#[derive(Debug, Args)]
#[command(
    long_about = "Show what runs where: each service's address and whether it answers (with \
        its version), and the store: where it is, whether it opens, its schema version, \
        size on disk, records per context and the automatic-merge queue; and each bridge \
        a running `serve` holds (Segment, MQTT, AMQP): its state (serving, connected, \
        reconnecting, stopped), messages received, stored, duplicates, rejected and \
        dead-lettered, and its last error.\n\n\
        The store is opened read-only in spirit: nothing is written. An embedded store held \
        by a running `serve` is reported as such; its numbers then come from that private API \
        when a saved CLI connection points at it (never from another installation's). Bridges are read from the private API \
        (`GET /bridges`) of the `serve` that runs them.\n\n\
        Exit code 0, or 1 when the store exists but cannot be opened (a PostgreSQL server \
        that does not answer, a damaged data directory).",
    after_help = "Examples:\n  tracardictl status\n  tracardictl --config /etc/tracardi/tracardi.toml status -o json"
)]
pub struct StatusArgs {
    /// Output format
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// Check this host's installation and say how to fix each problem
#[derive(Debug, Args)]
#[command(
    long_about = "Check this host's installation: the configuration, ports in use by other \
        programs, the data directory's permissions, a private API listening on a public \
        address, the store's schema version, a merge-key salt that differs from the one the \
        store was installed with, the installation (contexts, admin), and clock skew against \
        the times recorded in the store. Each problem comes with its fix.\n\n\
        Exit code 0 when nothing failed (warnings allowed), 1 otherwise.",
    after_help = "Examples:\n  tracardictl doctor\n  tracardictl --config /etc/tracardi/tracardi.toml doctor"
)]
pub struct DoctorArgs {}

/// How a service answered a probe.
#[derive(Debug, Clone)]
pub enum Probe {
    /// It answered as tracardictl, with this version.
    Up(String),
    /// Something listens but does not answer as tracardictl.
    Foreign(String),
    /// Nothing listens.
    Down(String),
}

/// Probes a service: its version route, then whether anything accepts connections.
pub async fn probe(addr: &SocketAddr, version_path: &str) -> Probe {
    let url = format!("{}{version_path}", super::init::local_url(addr));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Probe::Down(e.to_string()),
    };
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => {
            let v: Value = r.json().await.unwrap_or(Value::Null);
            let version = v
                .get("version")
                .and_then(Value::as_str)
                .or(v.as_str())
                .map(str::to_string);
            match version {
                Some(v) => Probe::Up(v),
                None => Probe::Foreign(format!("{url} answered, not as tracardictl")),
            }
        }
        Ok(r) => Probe::Foreign(format!("{url} answered {}", r.status())),
        Err(e) if e.is_connect() => Probe::Down("nothing listens".into()),
        Err(e) => Probe::Foreign(format!("{url}: {e}")),
    }
}

/// What the store says about itself.
#[derive(Debug, Default)]
struct StoreFacts {
    opened: bool,
    /// Why it could not be opened.
    error: Option<String>,
    /// An embedded store held by a running daemon.
    held: bool,
    schema: Option<u32>,
    disk_bytes: Option<u64>,
    counts: Vec<(Context, crate::store::Counts, usize)>,
    /// The worker's queue: depth, in flight, oldest item, dead letters.
    queue: Option<Value>,
    /// Backend specifics (PostgreSQL: server version, size, pool, …).
    backend: Vec<(String, String)>,
}

fn queue_json(st: &crate::store::QueueStats, now: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "depth": st.depth,
        "in_flight": st.in_flight,
        "oldest": st.oldest,
        "oldest_age_seconds": st.oldest.map(|t| (now - t).num_milliseconds() as f64 / 1000.0),
        "dead_letters": st.dead_letters,
    })
}

async fn open_quietly(config: &Config) -> Result<SharedStore, StoreError> {
    let opts = crate::store::OpenOptions {
        cache_bytes: 16 * 1024 * 1024,
    };
    crate::store::open_async(&config.store_uri(), &opts).await
}

/// Whether no embedded store was created yet: opening one would create it (in a
/// missing directory, or in an existing one that holds no store).
fn store_absent(config: &Config) -> bool {
    let uri = config.store_uri();
    !crate::store::is_postgres_uri(&uri) && !crate::store::exists(&uri)
}

/// Why the embedded store's place cannot hold one (a file stands there).
fn store_place_problem(config: &Config) -> Option<String> {
    let uri = config.store_uri();
    if crate::store::is_postgres_uri(&uri) {
        return None;
    }
    let path = std::path::Path::new(uri.strip_prefix("sled:").unwrap_or(&uri));
    match std::fs::metadata(path) {
        Ok(m) if !m.is_dir() => Some(format!("{} is not a directory", path.display())),
        _ => None,
    }
}

const NOT_CREATED: &str = "not created yet";

async fn store_facts(config: &Config) -> (StoreFacts, Option<SharedStore>) {
    let mut f = StoreFacts::default();
    if let Some(problem) = store_place_problem(config) {
        f.error = Some(problem);
        return (f, None);
    }
    if store_absent(config) {
        f.error = Some(NOT_CREATED.into());
        return (f, None);
    }
    let store = match open_quietly(config).await {
        Ok(s) => s,
        Err(StoreError::Locked { .. }) => {
            f.held = true;
            return (f, None);
        }
        Err(e) => {
            f.error = Some(if crate::store::is_postgres_uri(&config.store_uri()) {
                format!("{e} ({})", crate::store::postgres::remedy(&e))
            } else {
                e.to_string()
            });
            return (f, None);
        }
    };
    f.opened = true;
    let now = chrono::Utc::now();
    f.queue = store
        .queue_stats(now)
        .await
        .ok()
        .map(|st| queue_json(&st, now));
    if let (Some(Value::Object(q)), Ok(health)) = (
        f.queue.as_mut(),
        crate::daemon::destinations::health(store.as_ref()).await,
    ) {
        q.insert("destinations".into(), json!(health));
    }
    f.schema = store.schema_version().await.ok().flatten();
    f.disk_bytes = store.disk_size().await.ok();
    f.backend = store.backend_facts().await.unwrap_or_default();
    for ctx in Context::ALL {
        let scope = Scope::new(config.tenant.clone(), ctx);
        if let Ok(c) = store.counts(&scope).await {
            let queued = store
                .marked_for_merge(&scope, 100_000)
                .await
                .map(|v| v.len())
                .unwrap_or(0);
            f.counts.push((ctx, c, queued));
        }
    }
    (f, Some(store))
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

fn probe_text(p: &Probe) -> String {
    match p {
        Probe::Up(v) => format!("up (tracardictl {v})"),
        Probe::Foreign(why) => format!("something else answers: {why}"),
        Probe::Down(why) => format!("down ({why})"),
    }
}

fn probe_json(p: &Probe) -> Value {
    match p {
        Probe::Up(v) => json!({"state": "up", "version": v}),
        Probe::Foreign(why) => json!({"state": "foreign", "detail": why}),
        Probe::Down(why) => json!({"state": "down", "detail": why}),
    }
}

pub fn status(cli: &Cli, args: &StatusArgs) -> Result<(), Failure> {
    let config = cli.load_config(Overrides::default())?;
    let file = crate::config::locate(cli.config.as_deref());
    let rt = super::runtime()?;
    let (collector, private_api, (facts, store)) = rt.block_on(async {
        let c = probe(&config.collector.listen, "/info/version").await;
        let p = probe(&config.private_api.listen, "/version").await;
        (c, p, store_facts(&config).await)
    });
    drop(store);
    // A held store's numbers, and the bridges of a running daemon, come from the
    // private API, if this host can sign in.
    let client = if facts.held || matches!(private_api, Probe::Up(_)) {
        super::connection::client_for_local(&config.private_api.listen)
    } else {
        None
    };
    let remote: Option<Value> = client.as_ref().filter(|_| facts.held).and_then(|c| {
        rt.block_on(c.call(reqwest::Method::GET, "/stats", None))
            .ok()
    });
    let bridges: Bridges = match &client {
        Some(c) => match rt.block_on(c.call(reqwest::Method::GET, "/bridges", None)) {
            Ok(v) => Bridges::Running(
                v.get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            ),
            Err(e) => Bridges::Unknown(format!("{e:#}")),
        },
        None if matches!(private_api, Probe::Up(_)) => Bridges::Unknown(format!(
            "sign in to this host's private API ({}) with `tracardictl login` to see them",
            super::init::local_url(&config.private_api.listen)
        )),
        None if facts.held => Bridges::Unknown("the private API is down".into()),
        None => Bridges::Running(vec![]),
    };
    let queue: Option<Value> = facts.queue.clone().or_else(|| {
        client.as_ref().and_then(|c| {
            rt.block_on(c.call(reqwest::Method::GET, "/queue", None))
                .ok()
        })
    });
    let store_uri = crate::daemon::redact_uri(&config.store_uri());
    if args.output == Output::Json {
        let counts: serde_json::Map<String, Value> = facts
            .counts
            .iter()
            .map(|(ctx, c, q)| {
                (
                    ctx.as_str().to_string(),
                    json!({"profiles": c.profiles, "sessions": c.sessions, "events": c.events, "merge_queue": q}),
                )
            })
            .collect();
        let out = json!({
            "version": crate::VERSION,
            "config_file": file.map(|f| f.display().to_string()),
            "services": {
                "collector": {"listen": config.collector.listen.to_string(), "probe": probe_json(&collector)},
                "private-api": {"listen": config.private_api.listen.to_string(), "probe": probe_json(&private_api)},
            },
            "store": {
                "uri": store_uri,
                "opened": facts.opened,
                "held_by_daemon": facts.held,
                "error": facts.error,
                "schema_version": facts.schema,
                "binary_schema_version": SCHEMA_VERSION,
                "disk_bytes": facts.disk_bytes,
                "backend": facts.backend.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect::<serde_json::Map<String, Value>>(),
                "contexts": counts,
                "from_private_api": remote,
            },
            "work_queue": queue,
            "bridges": match &bridges {
                Bridges::Running(items) => json!(items),
                Bridges::Unknown(why) => json!({"unknown": why}),
            },
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(anyhow::Error::from)?
        );
        return store_outcome(&facts);
    }
    println!("tracardictl {}", crate::VERSION);
    let no_file = || {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "the current directory".into());
        format!(
            "none: no {} in {here}; the defaults and TRACARDI_* environment apply \
             (--config FILE names one, `tracardictl init` writes one)",
            crate::config::DEFAULT_CONFIG_FILE
        )
    };
    println!(
        "config       {}",
        file.map(|f| f.display().to_string())
            .unwrap_or_else(no_file)
    );
    println!(
        "collector    {:<22} {}",
        config.collector.listen.to_string(),
        probe_text(&collector)
    );
    println!(
        "private API  {:<22} {}",
        config.private_api.listen.to_string(),
        probe_text(&private_api)
    );
    let not_created = facts.error.as_deref() == Some(NOT_CREATED);
    let health = if facts.opened {
        "ok".to_string()
    } else if facts.held {
        "held by a running tracardictl serve".to_string()
    } else if not_created {
        format!("{NOT_CREATED} (`tracardictl init` or `tracardictl serve` creates it)")
    } else {
        format!(
            "cannot open: {}",
            facts.error.clone().unwrap_or_else(|| "unknown".into())
        )
    };
    println!("store        {store_uri}  {health}");
    let schema = facts
        .schema
        .or_else(|| {
            remote
                .as_ref()
                .and_then(|r| r.get("schema_version"))
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
        })
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into());
    println!("schema       {schema} (this binary: {SCHEMA_VERSION})");
    let disk = facts.disk_bytes.or_else(|| {
        remote
            .as_ref()
            .and_then(|r| r.get("disk_bytes"))
            .and_then(Value::as_u64)
    });
    if let Some(d) = disk {
        println!("size         {}", human_bytes(d));
    }
    for (k, v) in &facts.backend {
        println!("{:<12} {v}", k.replace('_', " "));
    }
    for (ctx, c, q) in &facts.counts {
        println!(
            "{:<12} {} profiles, {} sessions, {} events, {} waiting to merge",
            ctx.as_str(),
            c.profiles,
            c.sessions,
            c.events,
            q
        );
    }
    if let Some(contexts) = remote.as_ref().and_then(|r| r.get("contexts")) {
        for ctx in Context::ALL {
            if let Some(c) = contexts.get(ctx.as_str()) {
                println!(
                    "{:<12} {} profiles, {} sessions, {} events (from the private API)",
                    ctx.as_str(),
                    c.get("profiles").unwrap_or(&Value::Null),
                    c.get("sessions").unwrap_or(&Value::Null),
                    c.get("events").unwrap_or(&Value::Null)
                );
            }
        }
    }
    match &queue {
        Some(q) => {
            let n = |k: &str| q.get(k).and_then(Value::as_u64).unwrap_or(0);
            let oldest = q
                .get("oldest_age_seconds")
                .and_then(Value::as_f64)
                .map(|s| format!(", oldest {s:.0}s old"))
                .unwrap_or_default();
            println!(
                "work queue   {} waiting or in flight ({} in flight{oldest}), {} dead letters",
                n("depth"),
                n("in_flight"),
                n("dead_letters")
            );
            for d in q
                .get("destinations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let n = |k: &str| d.get(k).and_then(Value::as_u64).unwrap_or(0);
                let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("-");
                println!(
                    "destination  {} ({}): {} delivered, {} failed attempts ({} in a row), {} dead{}",
                    s("id"),
                    s("context"),
                    n("delivered"),
                    n("failed"),
                    n("consecutive_failures"),
                    n("dead"),
                    d.get("last_error")
                        .and_then(Value::as_str)
                        .map(|e| format!("; last error: {e}"))
                        .unwrap_or_default()
                );
            }
        }
        None if facts.held => println!("work queue   unknown (store held by a daemon; sign in with `tracardictl login` to see it)"),
        None if not_created => println!("work queue   none (no store yet)"),
        None => println!("work queue   unknown (the store is not open)"),
    }
    match &bridges {
        Bridges::Running(items) if items.is_empty() => println!("bridges      none running"),
        Bridges::Running(items) => {
            for b in items {
                println!("bridge       {}", bridge_line(b));
            }
        }
        Bridges::Unknown(why) => println!("bridges      unknown ({why})"),
    }
    store_outcome(&facts)
}

/// Exit 1 when a store that exists cannot be opened (not merely held by a daemon, nor
/// not created yet), so scripts and monitoring see it.
fn store_outcome(facts: &StoreFacts) -> Result<(), Failure> {
    match &facts.error {
        Some(e) if !facts.opened && !facts.held && e != NOT_CREATED => Err(Failure {
            code: 1,
            error: anyhow!("the store cannot be opened: {e}"),
        }),
        _ => Ok(()),
    }
}

/// What `status` knows of the bridges: those a running daemon reports, or why not.
enum Bridges {
    Running(Vec<Value>),
    Unknown(String),
}

/// One bridge from `GET /bridges`: name, state, counters, last error.
fn bridge_line(b: &Value) -> String {
    let n = |k: &str| b.get(k).and_then(Value::as_u64).unwrap_or(0);
    let name = b.get("name").and_then(Value::as_str).unwrap_or("?");
    let state = match b.get("state").and_then(Value::as_str).unwrap_or("?") {
        "backoff" => "reconnecting",
        other => other,
    };
    let mut line = format!(
        "{name:<8} {state:<12} received {}, stored {}, duplicates {}, rejected {}, dead-lettered {}",
        n("received"),
        n("stored"),
        n("duplicates"),
        n("rejected"),
        n("dead_lettered")
    );
    if n("connects") > 1 {
        line.push_str(&format!(", {} connects", n("connects")));
    }
    if let Some(e) = b.get("last_error").and_then(Value::as_str) {
        line.push_str(&format!("; last error: {e}"));
    }
    line
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

/// One check: what was looked at, its verdict, and the fix when not ok.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }
    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            verdict: Verdict::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            verdict: Verdict::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Whether a port is free, served by tracardictl, or taken by another program.
async fn port_check(name: &'static str, key: &str, addr: &SocketAddr, version: &str) -> Check {
    match std::net::TcpListener::bind(addr) {
        Ok(_) => Check::ok(name, format!("{addr} is free (the service is not running)")),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => match probe(addr, version).await {
            Probe::Up(v) => Check::ok(name, format!("{addr} served by tracardictl {v}")),
            other => Check::fail(
                name,
                format!(
                    "{addr} is in use by another program ({})",
                    probe_text(&other)
                ),
                format!(
                    "find it with `ss -ltnp 'sport = :{}'` and stop it, or set {key} to another address",
                    addr.port()
                ),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Check::fail(
            name,
            format!("{addr}: not allowed to listen there ({e})"),
            format!("use a port above 1023 in {key}, or grant CAP_NET_BIND_SERVICE"),
        ),
        Err(e) => Check::warn(
            name,
            format!("{addr}: cannot listen there ({e})"),
            format!("check that the address belongs to this host, or change {key}"),
        ),
    }
}

fn data_dir_check(config: &Config) -> Check {
    const NAME: &str = "data directory";
    if crate::store::is_postgres_uri(&config.store_uri()) {
        return Check::ok(NAME, "not used: the store is PostgreSQL");
    }
    let uri = config.store_uri();
    let dir = std::path::PathBuf::from(uri.strip_prefix("sled:").unwrap_or(&uri));
    let meta = match std::fs::metadata(&dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::warn(
                NAME,
                format!("{} does not exist yet", dir.display()),
                "run `tracardictl init` (or `tracardictl serve`, which creates it)",
            )
        }
        Err(e) => {
            return Check::fail(
                NAME,
                format!("{}: {e}", dir.display()),
                "check the permissions of its parent directories",
            )
        }
    };
    if !meta.is_dir() {
        return Check::fail(
            NAME,
            format!("{} is not a directory", dir.display()),
            "point data_dir at a directory",
        );
    }
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"") {
        return Check::fail(
            NAME,
            format!("{} is not writable by this user: {e}", dir.display()),
            format!(
                "chown the directory to the user the services run as: `chown -R USER {}`",
                dir.display()
            ),
        );
    }
    let _ = std::fs::remove_file(&probe);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o007 != 0 {
            return Check::warn(
                NAME,
                format!(
                    "{} is open to other users (mode {mode:o}); it holds customer data",
                    dir.display()
                ),
                format!("chmod 700 {}", dir.display()),
            );
        }
    }
    Check::ok(NAME, format!("{} is writable", dir.display()))
}

/// The checks that need the store open.
async fn store_checks(config: &Config, store: &SharedStore, out: &mut Vec<Check>) {
    if crate::store::is_postgres_uri(&config.store_uri()) {
        match store.backend_facts().await {
            Ok(facts) => {
                let get = |k: &str| {
                    facts
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let version = get("server_version");
                let major: u32 = version
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(0);
                let summary = format!(
                    "PostgreSQL {version}, database {} ({}), schema {}, pool {}, connections {}, TLS {}",
                    get("database"),
                    get("database_size"),
                    get("schema"),
                    get("pool"),
                    get("connections"),
                    get("tls")
                );
                if major < 12 {
                    Check::fail("postgresql", summary, "upgrade PostgreSQL to 12 or newer")
                } else {
                    Check::ok("postgresql", summary)
                }
            }
            Err(e) => Check::fail(
                "postgresql",
                e.to_string(),
                crate::store::postgres::remedy(&e),
            ),
        }
        .push_to(out);
    }
    match store.schema_version().await {
        Ok(Some(v)) if v == SCHEMA_VERSION => Check::ok("schema", format!("version {v}")),
        Ok(Some(v)) if v < SCHEMA_VERSION => Check::fail(
            "schema",
            format!("version {v}, older than this binary's {SCHEMA_VERSION}"),
            "stop the daemons and run `tracardictl migrate up`",
        ),
        Ok(Some(v)) => Check::fail(
            "schema",
            format!("version {v}, newer than this binary's {SCHEMA_VERSION}"),
            "install a newer tracardictl",
        ),
        Ok(None) => Check::warn(
            "schema",
            "no schema version recorded (an empty store)",
            "run `tracardictl init`",
        ),
        Err(e) => Check::fail("schema", e.to_string(), "see the store's logs"),
    }
    .push_to(out);

    match (
        config.identity.merge_key_salt.as_deref(),
        store.meta("merge_key_salt").await,
    ) {
        (_, Err(e)) => Check::fail("salt", e.to_string(), "see the store's logs"),
        (Some(c), Ok(Some(s))) if c != s => Check::fail(
            "salt",
            "identity.merge_key_salt differs from the salt the store was installed with; \
             profiles would stop merging with the ones collected before",
            "put the original salt back in identity.merge_key_salt, or remove the key to use \
             the recorded one",
        ),
        (_, Ok(Some(_))) => Check::ok("salt", "matches the salt recorded in the store"),
        (_, Ok(None)) => Check::warn(
            "salt",
            "no salt recorded yet",
            "run `tracardictl init` (the first start records it)",
        ),
    }
    .push_to(out);

    let auth = AuthStore {
        store: store.as_ref(),
        tenant: config.tenant.as_str().into(),
    };
    let contexts = auth.installed_contexts().await.unwrap_or_default();
    let admins = auth
        .users()
        .await
        .map(|u| u.iter().filter(|u| u.roles.contains(&Role::Admin)).count())
        .unwrap_or(0);
    if contexts.len() == Context::ALL.len() && admins > 0 {
        Check::ok("installation", format!("both contexts, {admins} admin(s)"))
    } else {
        Check::warn(
            "installation",
            format!(
                "{} of 2 contexts installed, {admins} admin(s)",
                contexts.len()
            ),
            "run `tracardictl init`",
        )
    }
    .push_to(out);

    out.push(clock_check(config, store).await);
}

trait PushTo {
    fn push_to(self, out: &mut Vec<Check>);
}

impl PushTo for Check {
    fn push_to(self, out: &mut Vec<Check>) {
        out.push(self);
    }
}

/// The times the store recorded must not lie in this host's future: the installation
/// records and the newest events (written by this or other hosts).
async fn clock_check(config: &Config, store: &SharedStore) -> Check {
    const NAME: &str = "clock";
    let tolerance = chrono::Duration::minutes(5);
    let now = chrono::Utc::now();
    let mut latest: Option<chrono::DateTime<chrono::Utc>> = None;
    for ctx in Context::ALL {
        let scope = Scope::new(config.tenant.clone(), ctx);
        if let Ok(Some(doc)) = store.config(&scope, SYSTEM_KIND, INSTALLATION_ID).await {
            if let Some(t) = doc
                .get("installed")
                .and_then(Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            {
                let t = t.with_timezone(&chrono::Utc);
                latest = Some(latest.map_or(t, |l| l.max(t)));
            }
        }
        let future = TimeRange {
            from: Some(now + tolerance),
            to: None,
        };
        if let Ok(page) = store.events_by_time(&scope, future, None, 1).await {
            if let Some(e) = page.items.first() {
                let t = e.metadata.time.insert;
                latest = Some(latest.map_or(t, |l| l.max(t)));
            }
        }
    }
    match latest {
        Some(t) if t > now + tolerance => Check::fail(
            NAME,
            format!(
                "the store holds times up to {t}, {} minutes ahead of this host's clock ({now})",
                (t - now).num_minutes()
            ),
            "synchronise the clocks of every host (`timedatectl set-ntp true`, chrony or systemd-timesyncd)",
        ),
        _ => Check::ok(NAME, "no recorded time lies ahead of this host's clock"),
    }
}

pub fn doctor(cli: &Cli, _args: &DoctorArgs) -> Result<(), Failure> {
    let mut checks = Vec::new();
    let config = match cli.load_config(Overrides::default()) {
        Ok(c) => {
            let file = crate::config::locate(cli.config.as_deref());
            checks.push(Check::ok(
                "config",
                match file {
                    Some(f) => format!("{} is valid", f.display()),
                    None => "no file; defaults and environment are valid".into(),
                },
            ));
            c
        }
        Err(e) => {
            checks.push(Check::fail(
                "config",
                e.to_string(),
                "correct the key named above (`tracardictl config keys` lists them)",
            ));
            print_checks(&checks);
            return Err(Failure {
                code: 1,
                error: anyhow!("1 check failed"),
            });
        }
    };
    if super::init::is_public(&config.private_api.listen) {
        checks.push(Check::fail(
            "private API",
            format!(
                "listens on {}, reachable from public networks; it serves configuration and customer data",
                config.private_api.listen
            ),
            "set private_api.listen to 127.0.0.1:8686 or a VPN address",
        ));
    } else {
        checks.push(Check::ok(
            "private API",
            format!("listens on {}, not public", config.private_api.listen),
        ));
    }
    if config.private_api.installation_token.is_empty() {
        checks.push(Check::ok(
            "install token",
            "unset: POST /install is disabled",
        ));
    } else if config.private_api.installation_token.len() < 16 {
        checks.push(Check::warn(
            "install token",
            "shorter than 16 characters",
            "set a long random private_api.installation_token, or empty it after install",
        ));
    }
    checks.push(data_dir_check(&config));
    let rt = super::runtime()?;
    rt.block_on(async {
        checks.push(
            port_check(
                "collector port",
                "collector.listen",
                &config.collector.listen,
                "/info/version",
            )
            .await,
        );
        checks.push(
            port_check(
                "private API port",
                "private_api.listen",
                &config.private_api.listen,
                "/version",
            )
            .await,
        );
        if store_absent(&config) {
            checks.push(Check::warn(
                "store",
                "not created yet",
                "run `tracardictl init`",
            ));
            return;
        }
        match open_quietly(&config).await {
            Ok(store) => {
                checks.push(Check::ok(
                    "store",
                    format!("{} opens", crate::daemon::redact_uri(&config.store_uri())),
                ));
                store_checks(&config, &store, &mut checks).await;
            }
            Err(StoreError::Locked { path }) => checks.push(Check::ok(
                "store",
                format!(
                    "{path} is held by a running tracardictl serve; stop it to check the salt, \
                     schema and clock against the store"
                ),
            )),
            Err(e) if crate::store::is_postgres_uri(&config.store_uri()) => {
                checks.push(Check::fail(
                    "store",
                    format!("{}: {e}", crate::daemon::redact_uri(&config.store_uri())),
                    crate::store::postgres::remedy(&e),
                ))
            }
            Err(e) => checks.push(Check::fail(
                "store",
                e.to_string(),
                "check store / data_dir and the permissions of the data directory",
            )),
        }
    });
    print_checks(&checks);
    let failed = checks.iter().filter(|c| c.verdict == Verdict::Fail).count();
    if failed > 0 {
        return Err(Failure {
            code: 1,
            error: anyhow!("{failed} check(s) failed"),
        });
    }
    Ok(())
}

fn print_checks(checks: &[Check]) {
    for c in checks {
        let mark = match c.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        println!("{mark}  {:<16} {}", c.name, c.detail);
        if let Some(fix) = &c.fix {
            println!("      {:<16} fix: {fix}", "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_lines() {
        let line = bridge_line(&json!({"name": "amqp", "state": "backoff", "received": 5,
            "stored": 3, "duplicates": 1, "rejected": 0, "dead_lettered": 1, "connects": 2,
            "last_error": "connection refused"}));
        assert_eq!(
            line,
            "amqp     reconnecting received 5, stored 3, duplicates 1, rejected 0, \
             dead-lettered 1, 2 connects; last error: connection refused"
        );
        let line = bridge_line(
            &json!({"name": "segment", "state": "serving", "received": 2,
            "stored": 2, "duplicates": 0, "rejected": 0, "dead_lettered": 0, "connects": 0,
            "last_error": null}),
        );
        assert!(
            line.starts_with("segment  serving      received 2, stored 2"),
            "{line}"
        );
        assert!(!line.contains("last error"), "{line}");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
