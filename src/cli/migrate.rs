use super::{Cli, Failure};
use crate::daemon::redact_uri;
use crate::store::{self, copy, OpenOptions, SharedStore, SCHEMA_VERSION};
use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Upgrade a store's schema or copy a store to another backend
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl migrate up --store postgres://cdp@db/cdp\n  tracardictl migrate copy --from sled:./tracardi-data --to postgres://cdp@db/cdp"
)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending schema migrations (creates a fresh PostgreSQL schema)
    #[command(
        long_about = "Apply pending schema migrations: record the current schema version in \
            an embedded store, or create and upgrade the tables of a PostgreSQL database. \
            Running it again changes nothing.",
        after_help = "Examples:\n  tracardictl migrate up\n  tracardictl migrate up --store postgres://cdp@db/cdp"
    )]
    Up {
        /// Store URI [default: the configured store]
        #[arg(long, value_name = "URI")]
        store: Option<String>,
    },
    /// Copy every scope's profiles, sessions, events and configuration to another store
    #[command(
        long_about = "Copy every scope's profiles, sessions, events and configuration from \
            one store to another, then compare the record counts of each scope. Records are \
            written by id, so an interrupted copy can be run again. Stop the daemons using \
            the source first: an embedded store can be opened by one process only.",
        after_help = "Examples:\n  tracardictl migrate copy --from sled:./tracardi-data --to postgres://cdp@db/cdp\n  tracardictl migrate copy --from postgres://cdp@old/cdp --to postgres://cdp@new/cdp"
    )]
    Copy {
        /// Source store URI (`sled:DIR`, a directory, or `postgres://…`)
        #[arg(long, value_name = "URI")]
        from: String,
        /// Target store URI
        #[arg(long, value_name = "URI")]
        to: String,
    },
}

pub fn run(cli: &Cli, args: &MigrateArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match &args.command {
        MigrateCommand::Up { store } => {
            let uri = match store {
                Some(s) => s.clone(),
                None => cli.load_config(Default::default())?.store_uri(),
            };
            runtime.block_on(up(&uri))?;
        }
        MigrateCommand::Copy { from, to } => runtime.block_on(copy_stores(from, to))?,
    }
    Ok(())
}

async fn open(uri: &str) -> anyhow::Result<SharedStore> {
    store::open_async(uri, &OpenOptions::default())
        .await
        .with_context(|| format!("cannot open the store at {}", redact_uri(uri)))
}

async fn up(uri: &str) -> anyhow::Result<()> {
    let shown = redact_uri(uri);
    if store::is_postgres_uri(uri) {
        // Opening applies the pending migrations.
        let pg = store::postgres::PostgresStore::connect(uri)
            .await
            .with_context(|| format!("cannot migrate {shown}"))?;
        let applied = pg.applied_migrations().await?;
        println!(
            "{shown}: SQL migrations applied: {}",
            applied
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let s = open(uri).await?;
    match s.schema_version().await? {
        None => s.set_schema_version(SCHEMA_VERSION).await?,
        Some(v) if v > SCHEMA_VERSION => bail!(
            "{shown} has schema version {v}, newer than this binary understands ({SCHEMA_VERSION})"
        ),
        Some(v) if v < SCHEMA_VERSION => s.set_schema_version(SCHEMA_VERSION).await?,
        Some(_) => {}
    }
    s.durable().await?;
    println!("{shown}: schema version {SCHEMA_VERSION}, up to date");
    Ok(())
}

async fn copy_stores(from_uri: &str, to_uri: &str) -> anyhow::Result<()> {
    let from = open(from_uri).await?;
    let to = open(to_uri).await?;
    let total = copy::total_records(from.as_ref()).await?;
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} records ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    let reports = copy::copy_all(from.as_ref(), to.as_ref(), &|n| bar.inc(n)).await;
    bar.finish_and_clear();
    let reports = reports.context("copy failed; it is safe to run again")?;
    let mut bad = 0;
    println!("scope\tprofiles\tsessions\tevents\tconfiguration\tverified");
    for r in &reports {
        let ok = r.verified();
        if !ok {
            bad += 1;
        }
        println!(
            "{}\t{}/{}\t{}/{}\t{}/{}\t{}/{}\t{}",
            r.scope,
            r.target.profiles,
            r.source.profiles,
            r.target.sessions,
            r.source.sessions,
            r.target.events,
            r.source.events,
            r.target_config_docs,
            r.config_docs,
            if ok { "yes" } else { "NO" }
        );
    }
    if bad > 0 {
        bail!("{bad} scope(s) differ between source and target (target/source counts above); was the target empty?");
    }
    println!(
        "copied {total} records of {} scope(s) from {} to {}",
        reports.len(),
        redact_uri(from_uri),
        redact_uri(to_uri)
    );
    Ok(())
}
