use super::{Cli, Failure};
use crate::daemon::redact_uri;
use crate::store::{self, copy, migrations, OpenOptions, SharedStore, StoreError, SCHEMA_VERSION};
use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Upgrade a store's schema or copy a store to another backend
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl migrate status\n  tracardictl migrate up --dry-run\n  tracardictl migrate up --store postgres://cdp@db/cdp\n  tracardictl migrate copy --from sled:./tracardi-data --to postgres://cdp@db/cdp"
)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Show the store's schema version, this binary's, and any pending or interrupted step
    #[command(
        after_help = "Examples:\n  tracardictl migrate status\n  tracardictl migrate status --store postgres://cdp@db/cdp"
    )]
    Status {
        /// Store URI [default: the configured store]
        #[arg(long, value_name = "URI")]
        store: Option<String>,
    },
    /// List the steps `migrate up` would run, with the records each one examines
    #[command(after_help = "Example:\n  tracardictl migrate plan")]
    Plan {
        /// Store URI [default: the configured store]
        #[arg(long, value_name = "URI")]
        store: Option<String>,
    },
    /// Apply pending schema migrations (creates a fresh PostgreSQL schema)
    #[command(
        long_about = "Apply pending schema migrations. PostgreSQL tables are created or \
            altered first; then every versioned step rewrites the records it concerns, page \
            by page, with a progress bar. Progress is saved after every page, so an \
            interrupted run resumes where it stopped when run again. Record counts and \
            checksums are taken before and after and must agree. Stop the daemons first: \
            an embedded store can be opened by one process only.",
        after_help = "Examples:\n  tracardictl migrate status\n  tracardictl migrate up --dry-run\n  tracardictl migrate up --store postgres://cdp@db/cdp"
    )]
    Up {
        /// Store URI [default: the configured store]
        #[arg(long, value_name = "URI")]
        store: Option<String>,
        /// Scan and report what would change; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Records per page (progress is saved after every page)
        #[arg(long, default_value_t = 500, value_name = "N")]
        batch: usize,
        /// Pause after every page, in milliseconds (for testing interruption)
        #[arg(long, hide = true, value_name = "MS")]
        pause_ms: Option<u64>,
    },
    /// Copy every scope's profiles, sessions, events and configuration to another store
    #[command(
        long_about = "Copy every scope's profiles, sessions, events and configuration from \
            one store to another, then compare the record counts of each scope. The target \
            must hold no data (a new data dir, database or schema), so that the counts can \
            match; records are written by id, so an interrupted copy is finished by running \
            it again with `--resume`. Stop the daemons using the source first: an embedded \
            store can be opened by one process only.",
        after_help = "Examples:\n  tracardictl migrate copy --from sled:./tracardi-data --to postgres://cdp@db/cdp\n  tracardictl migrate copy --from sled:./tracardi-data --to postgres://cdp@db/cdp --resume\n  tracardictl migrate copy --from postgres://cdp@old/cdp --to postgres://cdp@new/cdp"
    )]
    Copy {
        /// Source store URI (`sled:DIR`, a directory, or `postgres://…`)
        #[arg(long, value_name = "URI")]
        from: String,
        /// Target store URI; it must hold no data unless `--resume` is given
        #[arg(long, value_name = "URI")]
        to: String,
        /// Finish an interrupted copy into a target that already holds part of it
        #[arg(long)]
        resume: bool,
    },
}

pub fn run(cli: &Cli, args: &MigrateArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let uri_of = |store: &Option<String>| -> Result<String, Failure> {
        Ok(match store {
            Some(s) => s.clone(),
            None => cli.load_config(Default::default())?.store_uri(),
        })
    };
    match &args.command {
        MigrateCommand::Status { store } => runtime.block_on(status(&uri_of(store)?))?,
        MigrateCommand::Plan { store } => runtime.block_on(plan(&uri_of(store)?))?,
        MigrateCommand::Up {
            store,
            dry_run,
            batch,
            pause_ms,
        } => {
            let options = migrations::RunOptions {
                batch: *batch,
                dry_run: *dry_run,
                pause: pause_ms.map(std::time::Duration::from_millis),
            };
            runtime.block_on(up(&uri_of(store)?, &options))?;
        }
        MigrateCommand::Copy { from, to, resume } => {
            if let (Some(a), Some(b)) = (store_identity(from), store_identity(to)) {
                if a.key == b.key {
                    return Err(Failure {
                        code: super::EXIT_USAGE,
                        error: anyhow::anyhow!(
                            "source and target are the same store ({} and {} both name {}); \
                             --to must name another data dir, database or schema",
                            redact_uri(from),
                            redact_uri(to),
                            a.shown
                        ),
                    });
                }
            }
            runtime.block_on(copy_stores(from, to, *resume))?
        }
    }
    Ok(())
}

/// What a store URI points at, comparable across the ways of writing it: the canonical
/// directory of an embedded store; the hosts, ports, database and schema of a
/// PostgreSQL one (credentials and pool settings aside). None when it cannot be told
/// (a directory that does not exist yet is no other store's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreIdentity {
    key: String,
    /// How the store is named in messages (no credentials).
    shown: String,
}

pub(crate) fn store_identity(uri: &str) -> Option<StoreIdentity> {
    if store::is_postgres_uri(uri) {
        let (base, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut schema = None;
        let mut libpq = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "schema" => schema = Some(v.into_owned()),
                "host" | "hostaddr" | "port" | "dbname" | "user" => {
                    libpq.append_pair(&k, &v);
                }
                _ => {}
            }
        }
        let libpq = libpq.finish();
        let text = if libpq.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{libpq}")
        };
        let config: tokio_postgres::Config = text.parse().ok()?;
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.to_ascii_lowercase(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let mut ports: Vec<u16> = config.get_ports().to_vec();
        if ports.is_empty() {
            ports.push(5432);
        }
        let database = config.get_dbname().or(config.get_user()).unwrap_or("");
        let schema = schema.unwrap_or_default();
        let shown = format!(
            "database `{database}`{} on {}",
            if schema.is_empty() {
                String::new()
            } else {
                format!(", schema `{schema}`")
            },
            hosts.join(",")
        );
        return Some(StoreIdentity {
            key: format!("postgres {hosts:?} {ports:?} {database:?} {schema:?}"),
            shown,
        });
    }
    let path = std::path::Path::new(uri.strip_prefix("sled:").unwrap_or(uri));
    let dir = path.canonicalize().ok()?;
    Some(StoreIdentity {
        key: format!("sled {}", dir.display()),
        shown: dir.display().to_string(),
    })
}

/// Whether an offline command may create the store it opens (`migrate up`, `restore`,
/// `import`) or must find one (a read: `backup`, `export`, `migrate status`), so that a
/// mistyped `--data-dir` is an error instead of an empty store and an empty answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Create,
    Refuse,
}

/// Opens a store for offline maintenance, saying so when a running daemon holds it.
pub(crate) async fn open(uri: &str, missing: Missing) -> anyhow::Result<SharedStore> {
    if let Some(why) = store::unknown_scheme(uri) {
        return Err(crate::config::ConfigError::Invalid(why).into());
    }
    if missing == Missing::Refuse
        && !store::exists_async(uri)
            .await
            .with_context(|| format!("cannot open the store at {}", redact_uri(uri)))?
    {
        return Err(crate::config::ConfigError::Invalid(format!(
            "there is no store at {}: check `--data-dir`, `--store` or `data_dir` in tracardi.toml (`tracardictl migrate up` creates an empty one)",
            redact_uri(uri)
        ))
        .into());
    }
    match store::open_async(uri, &OpenOptions::default()).await {
        Ok(s) => Ok(s),
        Err(e @ StoreError::Locked { .. }) => Err(anyhow::Error::new(e).context(format!(
            "cannot open the store at {}: a running daemon (`tracardictl serve`) holds it; \
             stop it first, since offline maintenance commands open the store directly",
            redact_uri(uri)
        ))),
        Err(e) => Err(anyhow::Error::new(e))
            .with_context(|| format!("cannot open the store at {}", redact_uri(uri))),
    }
}

/// A progress bar on standard error, hidden when it is not a terminal.
pub(crate) fn bar(total: impl Into<Option<u64>>, unit: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(total.into(), target);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
    )) {
        bar.set_style(style);
    }
    bar
}

async fn status(uri: &str) -> anyhow::Result<()> {
    let shown = redact_uri(uri);
    let s = open(uri, Missing::Refuse).await?;
    let version = s.schema_version().await?;
    println!("store: {shown}");
    match version {
        None => println!("store schema version: none (a new store; `migrate up` or `serve` sets {SCHEMA_VERSION})"),
        Some(v) => println!("store schema version: {v}"),
    }
    println!("binary schema version: {SCHEMA_VERSION}");
    let v = version.unwrap_or(SCHEMA_VERSION);
    if v > SCHEMA_VERSION {
        bail!("{shown} has schema version {v}, newer than this binary understands ({SCHEMA_VERSION}); use a newer tracardictl");
    }
    let pending = migrations::plan(v);
    if pending.is_empty() {
        println!("up to date");
    } else {
        for step in pending {
            let note = match migrations::checkpoint(s.as_ref(), step).await? {
                Some(c) => format!(
                    " (interrupted after {} records; `migrate up` resumes it)",
                    c.examined
                ),
                None => String::new(),
            };
            println!("pending: {} {}{note}", step.version, step.name);
        }
        println!("run `tracardictl migrate up` to apply");
    }
    Ok(())
}

async fn plan(uri: &str) -> anyhow::Result<()> {
    let shown = redact_uri(uri);
    let s = open(uri, Missing::Refuse).await?;
    let v = s.schema_version().await?.unwrap_or(SCHEMA_VERSION);
    if v > SCHEMA_VERSION {
        bail!("{shown} has schema version {v}, newer than this binary understands ({SCHEMA_VERSION}); use a newer tracardictl");
    }
    let steps = migrations::plan(v);
    if steps.is_empty() {
        println!("{shown}: schema version {v}, nothing to do");
        return Ok(());
    }
    println!("version\tname\trewrites\trecords\tdescription");
    for step in steps {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            step.version,
            step.name,
            step.rewrites.as_str(),
            migrations::step_total(s.as_ref(), step).await?,
            step.description
        );
    }
    Ok(())
}

async fn up(uri: &str, options: &migrations::RunOptions) -> anyhow::Result<()> {
    let shown = redact_uri(uri);
    if store::is_postgres_uri(uri) && !options.dry_run {
        // Connecting applies the pending SQL migrations.
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
    let s = open(uri, Missing::Create).await?;
    let v = match s.schema_version().await? {
        None => {
            if !options.dry_run {
                s.set_schema_version(SCHEMA_VERSION).await?;
                s.durable().await?;
            }
            println!("{shown}: new store, schema version {SCHEMA_VERSION}");
            return Ok(());
        }
        Some(v) if v > SCHEMA_VERSION => bail!(
            "{shown} has schema version {v}, newer than this binary understands ({SCHEMA_VERSION}); use a newer tracardictl"
        ),
        Some(v) => v,
    };
    let steps = migrations::plan(v);
    if steps.is_empty() {
        println!("{shown}: schema version {v}, up to date");
        return Ok(());
    }
    let total_records = copy::total_records(s.as_ref()).await?;
    let b = bar(total_records, "records checked");
    let before = migrations::fingerprint(s.as_ref(), &|n| b.inc(n)).await;
    b.finish_and_clear();
    let before = before.context("cannot read the store before migrating")?;
    let mut rewritten = Vec::new();
    for step in steps {
        let total = migrations::step_total(s.as_ref(), step).await?;
        let b = bar(total, step.rewrites.as_str());
        b.set_message(step.name);
        let report = migrations::run_step(s.as_ref(), step, options, &|n| b.inc(n)).await;
        b.finish_and_clear();
        let report = report.with_context(|| {
            format!(
                "step {} {} failed; progress is saved, run `tracardictl migrate up` again to resume",
                step.version, step.name
            )
        })?;
        if let Some(at) = report.resumed_at {
            println!(
                "step {} {}: resuming after {at} records",
                step.version, step.name
            );
        }
        println!(
            "step {} {}: {} {} examined, {} {}",
            step.version,
            step.name,
            report.examined,
            step.rewrites.as_str(),
            report.changed,
            if options.dry_run {
                "would change"
            } else {
                "rewritten"
            }
        );
        rewritten.push(step.rewrites);
    }
    let b = bar(total_records, "records checked");
    let after = migrations::fingerprint(s.as_ref(), &|n| b.inc(n)).await;
    b.finish_and_clear();
    let after = after.context("cannot read the store after migrating")?;
    let problems = migrations::compare(&before, &after, &rewritten);
    println!("kind\tbefore\tafter");
    for kind in migrations::RecordKind::ALL {
        let count = |f: &migrations::Fingerprint| f.get(&kind).map(|k| k.count).unwrap_or(0);
        println!("{}\t{}\t{}", kind.as_str(), count(&before), count(&after));
    }
    if !problems.is_empty() {
        bail!(
            "verification failed after migrating {shown}: {}",
            problems.join("; ")
        );
    }
    if options.dry_run {
        println!("{shown}: dry run, nothing written; schema version stays {v}");
    } else {
        println!("{shown}: schema version {SCHEMA_VERSION}, counts and checksums verified");
    }
    Ok(())
}

async fn copy_stores(from_uri: &str, to_uri: &str, resume: bool) -> anyhow::Result<()> {
    let from = open(from_uri, Missing::Refuse).await?;
    let to = open(to_uri, Missing::Create).await?;
    // Data already in the target would end in a failed count check after the whole copy
    // (or be the source itself): refused before anything is written.
    let held = to.scopes().await?;
    if !held.is_empty() && !resume {
        let names: Vec<String> = held.iter().map(ToString::to_string).collect();
        bail!(
            "will not copy into {}: it holds {}; copy only into a store with no data, or \
             pass --resume to finish an interrupted copy into it",
            redact_uri(to_uri),
            names.join(", ")
        );
    }
    let total = copy::total_records(from.as_ref()).await?;
    let bar = bar(total, "records");
    let reports = copy::copy_all(from.as_ref(), to.as_ref(), &|n| bar.inc(n)).await;
    bar.finish_and_clear();
    let reports =
        reports.context("copy failed; run the same command again with --resume to finish it")?;
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
