use super::{Cli, Failure};
use crate::config::{LogFormat, Overrides};
use crate::daemon::{self, Service};
use clap::Args;
use std::net::SocketAddr;

/// Run services as a daemon (with none named: the single-node set)
#[derive(Debug, Args)]
#[command(
    long_about = "Run one or more services in this process over one store.\n\n\
        With no service named, runs the single-node set. On first start with an empty \
        data directory it creates the store and a default `rest` event source, and prints \
        its id. SIGINT or SIGTERM, from the moment it starts, stops accepting requests, \
        drains those in flight, flushes the store and exits 0; a second signal exits at \
        once.\n\n\
        Standard output says where each service listens (and, on first start, the default \
        source's id), as plain lines. Standard error is the log: under --log-format json \
        every line there is a JSON record, a fatal error included (level ERROR, its message \
        and exit_code). A listen address is IP:PORT; localhost:PORT means 127.0.0.1:PORT.",
    after_help = "Examples:\n  tracardictl serve\n  tracardictl serve collector --collector-listen 0.0.0.0:8080\n  TRACARDI_DATA_DIR=/var/lib/tracardi tracardictl serve --log-format json\n  TRACARDI_TMS_API_KEY=secret tracardictl serve tms collector private-api"
)]
pub struct ServeArgs {
    /// Services to run [default: the single-node set]
    #[arg(value_enum)]
    pub services: Vec<Service>,

    /// Address of the public collector API [default: 0.0.0.0:8585]
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub collector_listen: Option<SocketAddr>,

    /// Address of the private API [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub private_api_listen: Option<SocketAddr>,

    /// Address of the tenant management service (TMS) [default: 127.0.0.1:8383]
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub tms_listen: Option<SocketAddr>,

    /// Serve only the production context on the private API (ignore `x-context`)
    #[arg(long)]
    pub production_only: bool,

    /// Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared
    /// PostgreSQL) [default: the data directory]
    #[arg(long, value_name = "URI")]
    pub store: Option<String>,

    /// Items (workflow jobs, deliveries) the background worker runs at once
    /// [default: worker.concurrency, 64]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,

    /// Seconds between the worker's refreshes of every segment over every profile; 0
    /// turns them off [default: segmentation.refresh_interval_s, 3600]
    #[arg(long, value_name = "SECS")]
    pub segment_refresh: Option<u64>,

    /// Seconds a job leased by the worker stays invisible to other workers; a job of a
    /// worker that died returns to the queue after this [default: worker.visibility_ms / 1000, 60]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    pub lease_seconds: Option<u32>,
}

pub fn run(cli: &Cli, args: &ServeArgs) -> Result<(), Failure> {
    let mut o = Overrides::default();
    if let Some(a) = args.collector_listen {
        o.0.push(("collector.listen", a.to_string()));
    }
    if let Some(n) = args.segment_refresh {
        o.0.push(("segmentation.refresh_interval_s", n.to_string()));
    }
    if let Some(a) = args.private_api_listen {
        o.0.push(("private_api.listen", a.to_string()));
    }
    if let Some(a) = args.tms_listen {
        o.0.push(("tms.listen", a.to_string()));
    }
    if args.production_only {
        o.0.push(("private_api.production_only", "true".to_string()));
    }
    if let Some(s) = &args.store {
        o.0.push(("store", s.clone()));
    }
    if let Some(n) = args.concurrency {
        o.0.push(("worker.concurrency", n.to_string()));
    }
    if let Some(secs) = args.lease_seconds {
        o.0.push(("worker.visibility_ms", (u64::from(secs) * 1000).to_string()));
    }
    // Known before the configuration loads: under JSON logs its error must be a JSON
    // record too.
    if super::requested_log_format(cli) == Some(LogFormat::Json) {
        crate::config::set_json_logs(true);
    }
    let config = cli.load_config(o)?;
    super::init_logging(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let worker = daemon::worker::WorkerOptions::from_config(&config.worker);
    // A service named twice runs once (a second collector could not listen anyway).
    let mut services: Vec<Service> = Vec::with_capacity(args.services.len());
    for s in &args.services {
        if !services.contains(s) {
            services.push(*s);
        }
    }
    runtime.block_on(daemon::serve_with(config, services, worker))?;
    Ok(())
}
