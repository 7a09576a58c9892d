//! Services and the process that runs them: one store, several services, graceful
//! shutdown.

pub mod apm;
pub mod bridges;
pub mod collector;
pub mod destinations;
pub mod http;
pub mod metrics;
pub mod private_api;
pub mod redirect;
pub mod scheduled;
pub mod tenancy;
pub mod tms;
pub mod worker;

use crate::config::Config;
use crate::domain::{new_id, Context, EventSource, Scope};
use crate::store::{self, SharedStore, SCHEMA_VERSION};
use crate::tracking::{Tracker, TrackerSettings};
use anyhow::{bail, Context as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The services `serve` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Service {
    /// The public collector API (internet-facing, collecting only).
    Collector,
    /// The private API (VPN only): configuration and data for the CLI and the TUI.
    PrivateApi,
    /// Every enabled bridge; before a bridge name (`bridge mqtt`), just that one.
    Bridge,
    /// The MQTT bridge (`bridge mqtt`).
    Mqtt,
    /// The AMQP bridge (`bridge amqp`).
    Amqp,
    /// Automatic profile merging.
    Apm,
    /// The background worker: workflows of asynchronous sources, from the durable queue.
    Worker,
    /// Tenant management (TMS): create, suspend, resume and delete tenants.
    Tms,
}

impl Service {
    /// What `tracardictl serve` runs when no service is named.
    pub const SINGLE_NODE: &'static [Service] = &[
        Service::Collector,
        Service::PrivateApi,
        Service::Apm,
        Service::Worker,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Collector => "collector",
            Service::PrivateApi => "private-api",
            Service::Bridge => "bridge",
            Service::Mqtt => "bridge mqtt",
            Service::Amqp => "bridge amqp",
            Service::Apm => "apm",
            Service::Worker => "worker",
            Service::Tms => "tms",
        }
    }
}

/// How long in-flight requests may take to finish after a shutdown signal.
/// How long the final flush of a stopping daemon may take.
const FLUSH_DEADLINE: Duration = Duration::from_secs(20);
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

/// Opens the store and checks its schema version; a fresh store gets the current one.
pub async fn open_store(config: &Config) -> anyhow::Result<SharedStore> {
    let uri = config.store_uri();
    let shown = redact_uri(&uri);
    let opts = store::OpenOptions {
        cache_bytes: config.storage.cache_mb * 1024 * 1024,
    };
    let store = store::open_async(&uri, &opts)
        .await
        .with_context(|| format!("cannot open the store at {shown}"))?;
    if store::backup::unfinished_restore(store.as_ref()).await? {
        bail!(
            "the store at {shown} holds a restore that did not finish (the process was stopped \
             while it ran), so it holds part of a backup only; remove it and run the restore again"
        );
    }
    match store.schema_version().await? {
        None => store.set_schema_version(SCHEMA_VERSION).await?,
        Some(v) if v == SCHEMA_VERSION => {}
        Some(v) if v < SCHEMA_VERSION => bail!(
            "the store at {shown} has schema version {v}, older than this binary's {SCHEMA_VERSION}; run `tracardictl migrate up` first"
        ),
        Some(v) => bail!(
            "the store at {shown} has schema version {v}, newer than this binary understands ({SCHEMA_VERSION}); use a newer tracardictl"
        ),
    }
    Ok(store)
}

/// A store URI with any password replaced by `***`, for messages and logs.
pub fn redact_uri(uri: &str) -> String {
    crate::config::redact_uri_with(uri, "***")
}

/// The merge-key salt: the configured one, which must match the one recorded at install,
/// or the recorded one; on a new store without a configured salt, a generated one.
pub async fn resolve_salt(store: &SharedStore, configured: Option<&str>) -> anyhow::Result<String> {
    const KEY: &str = "merge_key_salt";
    let stored = store.meta(KEY).await?;
    match (configured, stored) {
        (Some(c), Some(s)) if c != s => bail!(
            "identity.merge_key_salt differs from the salt this store was installed with; \
             changing it would give every profile new merge keys and stop merging with old ones. \
             Put the original salt back (or remove the setting to use the recorded one)"
        ),
        (Some(c), Some(_)) => Ok(c.to_string()),
        (Some(c), None) => {
            store.set_meta(KEY, c).await?;
            Ok(c.to_string())
        }
        (None, Some(s)) => Ok(s),
        (None, None) => {
            let salt = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            store.set_meta(KEY, &salt).await?;
            store.durable().await?;
            Ok(salt)
        }
    }
}

/// The identity settings of a configuration and salt.
pub fn identity_settings(config: &Config, salt: String) -> crate::identity::IdentitySettings {
    let mut strategies: Vec<(String, crate::identity::Strategy)> = config
        .identity
        .strategies
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    // The most specific pattern first.
    strategies.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    crate::identity::IdentitySettings {
        policy: crate::identity::KeyPolicy {
            salt,
            blocked: config.identity.blocked_values.clone(),
        },
        merge: crate::identity::MergeOptions { strategies },
        max_profiles_per_merge: config.identity.max_profiles_per_merge,
        never_merge_different_identifier: config.identity.never_merge_different_identifier,
    }
}

/// On a store with no event source at all, creates the default `rest` source in both
/// contexts (one id) and returns it.
pub async fn bootstrap(store: &SharedStore, tenant: &str) -> anyhow::Result<Option<EventSource>> {
    for ctx in Context::ALL {
        if !store::event_sources(store.as_ref(), &Scope::new(tenant, ctx))
            .await?
            .is_empty()
        {
            return Ok(None);
        }
    }
    let mut source = EventSource::new_rest(new_id(), "Default REST source");
    source.description = "Created on first start for website trackers.".into();
    for ctx in Context::ALL {
        store::put_event_source(store.as_ref(), &Scope::new(tenant, ctx), &source).await?;
    }
    store.durable().await?;
    Ok(Some(source))
}

/// A service bound to its address and ready to run.
struct Bound {
    service: Service,
    addr: SocketAddr,
    listener: tokio::net::TcpListener,
    router: axum::Router,
}

async fn bind(service: Service, addr: SocketAddr, router: axum::Router) -> anyhow::Result<Bound> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("{} cannot listen on {addr}", service.name()))?;
    let addr = listener.local_addr()?;
    Ok(Bound {
        service,
        addr,
        listener,
        router,
    })
}

/// Runs the chosen services in this process until SIGINT or SIGTERM.
pub async fn serve(config: Config, services: Vec<Service>) -> anyhow::Result<()> {
    let worker = worker::WorkerOptions::from_config(&config.worker);
    serve_with(config, services, worker).await
}

/// [`serve`] with the worker's options (`serve worker --concurrency N`).
pub async fn serve_with(
    config: Config,
    services: Vec<Service>,
    worker_options: worker::WorkerOptions,
) -> anyhow::Result<()> {
    // First of all: from here on a SIGTERM or SIGINT takes the graceful path, even one
    // that arrives while the store opens or right after the addresses are printed (the
    // default action would end the process without the final flush).
    let mut signals = Signals::install();
    let services = if services.is_empty() {
        Service::SINGLE_NODE.to_vec()
    } else {
        services
    };
    let bridges = bridges_to_run(&config, &services)?;
    let store = open_store(&config).await?;
    let created = bootstrap(&store, &config.tenant).await?;
    let salt = resolve_salt(&store, config.identity.merge_key_salt.as_deref()).await?;
    let identity = Arc::new(identity_settings(&config, salt));

    // Workflows run inside /track for synchronous sources; asynchronous sources wait
    // for the background worker.
    let workflows = Arc::new(crate::workflow::engine::WorkflowEngine::new(
        store.clone(),
        crate::workflow::engine::EngineOptions::default(),
    ));
    let tracker = Arc::new(
        Tracker::new(
            store.clone(),
            TrackerSettings {
                scope: Scope::new(config.tenant.clone(), config.collector.context),
                track_debug: config.collector.track_debug,
                refuse_bots: config.collector.refuse_bots,
                identity: Some(Arc::new(identity.policy.clone())),
            },
        )
        .with_processor(Arc::new(crate::workflow::segmentation::Segmenter::new(
            workflows.clone(),
        )))
        .with_queue(),
    );
    // A bridge whose source is missing, disabled or of another type does not start:
    // refused here (exit 2) before anything runs, its messages left in the broker.
    for b in &bridges {
        let (key, source) = match b {
            Service::Mqtt => ("bridges.mqtt.source", &config.bridges.mqtt.source),
            _ => ("bridges.amqp.source", &config.bridges.amqp.source),
        };
        bridges::broker::check_source_at_start(&tracker, key, source).await?;
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = tokio::task::JoinSet::new();

    let metrics = Arc::new(metrics::Metrics::default());
    let mut bound = Vec::new();
    for service in &services {
        match service {
            Service::PrivateApi => {
                let router = private_api::router(
                    store.clone(),
                    tracker.clone(),
                    metrics.clone(),
                    private_api::PrivateApiOptions {
                        tenant: config.tenant.clone(),
                        installation_token: config.private_api.installation_token.clone(),
                        production_only: config.private_api.production_only,
                        token_ttl: chrono::Duration::hours(
                            i64::try_from(config.private_api.token_ttl_hours).unwrap_or(12),
                        ),
                        identity: Some(identity.clone()),
                        stop: Some(stop_rx.clone()),
                    },
                );
                bound.push(bind(*service, config.private_api.listen, router).await?);
            }
            Service::Bridge | Service::Mqtt | Service::Amqp => {}
            Service::Tms => {
                let router = tms::router(store.clone(), &config.tms.api_key);
                if config.tms.api_key.is_empty() {
                    println!("tracardictl: tms has no API key (tms.api_key, TRACARDI_TMS_API_KEY): it refuses every request");
                    tracing::warn!(
                        "tms has no API key (tms.api_key, TRACARDI_TMS_API_KEY): it refuses every request"
                    );
                }
                bound.push(bind(*service, config.tms.listen, router).await?);
            }
            Service::Collector => {
                let tenants = Arc::new(tenancy::TenantRouter::new(
                    tracker.clone(),
                    &config.collector.tenant_host,
                ));
                let mut state = collector::CollectorState::new(tracker.clone());
                state.tenants = Some(tenants);
                metrics.add_bridge(state.segment.clone());
                let router = collector::router(
                    state.clone(),
                    &collector::CollectorOptions {
                        body_limit: config.collector.body_limit,
                        request_timeout: Duration::from_secs(config.collector.request_timeout),
                    },
                )
                .merge(redirect::router(state))
                .layer(axum::middleware::from_fn_with_state(
                    (metrics.clone(), "collector"),
                    metrics::record,
                ));
                bound.push(bind(*service, config.collector.listen, router).await?);
            }
            Service::Apm => {
                let apm = Arc::new(crate::identity::Apm::new(
                    store.clone(),
                    tracker.profile_locks(),
                    identity.clone(),
                ));
                workers.spawn(apm::run(
                    apm,
                    store.clone(),
                    Duration::from_millis(config.apm.interval_ms),
                    config.apm.batch,
                    metrics.clone(),
                    stop_rx.clone(),
                ));
                println!("tracardictl: apm running");
                tracing::info!(service = "apm", "running");
            }
            Service::Worker => {
                workers.spawn(worker::run(
                    tracker.clone(),
                    worker_options.clone(),
                    stop_rx.clone(),
                ));
                workers.spawn(scheduled::run(
                    tracker.clone(),
                    workflows.clone(),
                    worker_options.visibility,
                    worker_options.idle.max(Duration::from_millis(200)),
                    worker_options.retry,
                    stop_rx.clone(),
                ));
                let every = config.segmentation.refresh_interval_s;
                if every > 0 {
                    workers.spawn(scheduled::refresh_segments(
                        tracker.clone(),
                        workflows.clone(),
                        Duration::from_secs(every),
                        stop_rx.clone(),
                    ));
                }
                println!(
                    "tracardictl: worker running (concurrency {})",
                    worker_options.concurrency
                );
                tracing::info!(
                    service = "worker",
                    concurrency = worker_options.concurrency,
                    "running"
                );
            }
        }
    }

    if let Some(source) = &created {
        println!(
            "tracardictl: created a new store at {}",
            redact_uri(&config.store_uri())
        );
        println!(
            "tracardictl: default event source (rest, staging and production): {}",
            source.id
        );
        tracing::info!(
            store = %redact_uri(&config.store_uri()),
            source_id = %source.id,
            "created a new store and its default event source (rest, staging and production)"
        );
    }
    for b in &bound {
        println!(
            "tracardictl: {} listening on http://{}",
            b.service.name(),
            b.addr
        );
        tracing::info!(service = b.service.name(), addr = %b.addr, "listening");
    }

    let mut servers = tokio::task::JoinSet::new();
    for b in bound {
        let mut rx = stop_rx.clone();
        servers.spawn(async move {
            let make = b.router.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(b.listener, make)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await
                .with_context(|| format!("{} failed", b.service.name()))
        });
    }

    let mut bridge_tasks = tokio::task::JoinSet::new();
    let mut bridge_stats = Vec::new();
    for b in bridges {
        let name = if b == Service::Mqtt { "mqtt" } else { "amqp" };
        let stats = Arc::new(bridges::BridgeStats::new(name));
        bridge_stats.push(stats.clone());
        metrics.add_bridge(stats.clone());
        let rx = stop_rx.clone();
        let t = tracker.clone();
        match b {
            Service::Mqtt => {
                let mut cfg = config.bridges.mqtt.clone();
                cfg.client_id = bridges::mqtt::client_id(&cfg, &config.store_uri(), &config.tenant);
                println!(
                    "tracardictl: bridge mqtt consuming {} from {} as client id {}",
                    cfg.topics,
                    redact_url(&cfg.url),
                    cfg.client_id
                );
                bridge_tasks.spawn(bridges::mqtt::run(t, cfg, stats, rx));
            }
            _ => {
                let cfg = config.bridges.amqp.clone();
                println!(
                    "tracardictl: bridge amqp consuming queue {} from {}",
                    cfg.queue,
                    redact_url(&cfg.url)
                );
                bridge_tasks.spawn(bridges::amqp::run(t, cfg, stats, rx));
            }
        }
    }
    let only_bridges = servers.is_empty();

    tokio::select! {
        _ = signals.recv() => {
            tracing::info!("shutdown requested: draining in-flight requests");
        }
        Some(res) = servers.join_next() => {
            // A server ended on its own: stop the rest and report.
            let _ = stop_tx.send(true);
            res.context("server task failed")??;
        }
        Some(res) = bridge_tasks.join_next() => {
            // A bridge refused to start (its source, its URL): stop everything.
            let _ = stop_tx.send(true);
            res.context("bridge task failed")??;
            if only_bridges && bridge_tasks.is_empty() {
                tracing::info!("bridges stopped");
            }
        }
    }
    let _ = stop_tx.send(true);
    // A second signal exits at once.
    tokio::spawn(async move {
        signals.recv().await;
        if crate::config::json_logs() {
            tracing::warn!("second signal, exiting without draining");
        } else {
            eprintln!("tracardictl: second signal, exiting without draining");
        }
        std::process::exit(130);
    });
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        while let Some(res) = servers.join_next().await {
            if let Ok(Err(e)) = res {
                tracing::error!(error = %format!("{e:#}"), "server ended with an error");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("drain deadline passed; closing remaining connections");
        servers.abort_all();
    }
    let bridges_done = tokio::time::timeout(DRAIN_DEADLINE, async {
        while let Some(res) = bridge_tasks.join_next().await {
            if let Ok(Err(e)) = res {
                tracing::error!(error = %format!("{e:#}"), "bridge ended with an error");
            }
        }
    })
    .await;
    if bridges_done.is_err() {
        bridge_tasks.abort_all();
    }
    for s in &bridge_stats {
        let st = s.status();
        tracing::info!(bridge = %st.name, received = st.received, stored = st.stored,
            duplicates = st.duplicates, dead_lettered = st.dead_lettered, "bridge stopped");
    }
    if tokio::time::timeout(DRAIN_DEADLINE, async {
        while workers.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        workers.abort_all();
    }
    // Every acknowledged write is in the write-ahead log already: a final flush that
    // fails or never finishes (a full disk can leave sled's writers waiting for ever)
    // only means the next start replays the log. It must not keep the process alive.
    // After a failed write (a full disk) sled waits for ever for the write it lost, in
    // the flush and again when the store is dropped: exit without dropping it.
    let failed = match tokio::time::timeout(FLUSH_DEADLINE, store.checkpoint()).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("final flush failed: {e}")),
        Err(_) => Some(format!(
            "final flush did not finish in {} s",
            FLUSH_DEADLINE.as_secs()
        )),
    };
    if let Some(why) = failed {
        tracing::error!(error = %why, "stopped without the final flush; the next start replays the write-ahead log");
        if !crate::config::json_logs() {
            eprintln!("tracardictl: error: {why}; the next start replays the write-ahead log");
        }
        std::process::exit(1);
    }
    tracing::info!("stopped");
    Ok(())
}

/// The bridges the named services ask for: `bridge NAME` (or `NAME`) runs that bridge;
/// `bridge` alone and the single-node set run every enabled one.
fn bridges_to_run(config: &Config, services: &[Service]) -> anyhow::Result<Vec<Service>> {
    let named: Vec<Service> = services
        .iter()
        .copied()
        .filter(|s| matches!(s, Service::Mqtt | Service::Amqp))
        .collect();
    let mut out = Vec::new();
    if !named.is_empty() {
        for s in named {
            let source = match s {
                Service::Mqtt => &config.bridges.mqtt.source,
                _ => &config.bridges.amqp.source,
            };
            if source.trim().is_empty() {
                let key = match s {
                    Service::Mqtt => "mqtt",
                    _ => "amqp",
                };
                return Err(crate::config::ConfigError::Invalid(format!(
                    "{} needs an event source: set bridges.{key}.source (TRACARDI_BRIDGES_{}_SOURCE)",
                    s.name(),
                    key.to_uppercase()
                ))
                .into());
            }
            if !out.contains(&s) {
                out.push(s);
            }
        }
        return Ok(out);
    }
    let all = services.contains(&Service::Bridge) || services == Service::SINGLE_NODE;
    if all {
        if config.bridges.mqtt.enabled {
            out.push(Service::Mqtt);
        }
        if config.bridges.amqp.enabled {
            out.push(Service::Amqp);
        }
        if out.is_empty() && services.contains(&Service::Bridge) {
            bail!("no bridge is enabled: name one (`serve bridge mqtt`) or set bridges.mqtt.enabled / bridges.amqp.enabled");
        }
    }
    Ok(out)
}

fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((cred, host)) => {
                let user = cred.split_once(':').map(|(u, _)| u).unwrap_or(cred);
                format!("{scheme}://{user}:<redacted>@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The shutdown signals, SIGINT and SIGTERM, caught from the moment of
/// [`Signals::install`] on: one that arrives before anything waits for it is kept.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let catch = |kind: SignalKind| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot catch a shutdown signal");
                    None
                }
            };
            Signals {
                term: catch(SignalKind::terminate()),
                int: catch(SignalKind::interrupt()),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next SIGINT or SIGTERM.
    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = next(&mut self.term) => {}
                _ = next(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
