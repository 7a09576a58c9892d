use super::migrate::{bar, open, Missing};
use super::{Cli, Failure};
use crate::daemon::redact_uri;
use crate::store::{backup, copy};
use anyhow::{bail, Context as _};
use clap::Args;
use std::io::{BufReader, BufWriter, Write as _};
use std::path::PathBuf;

/// Write every scope of the store to one compressed file (offline)
#[derive(Debug, Args)]
#[command(
    long_about = "Write every scope's profiles, sessions, events, configuration (users and \
        tokens included), merge journal and install metadata (the merge-key salt) to one \
        gzip-compressed NDJSON file, ending with record counts and checksums. The store is \
        opened directly, so stop the daemons first; the snapshot is consistent because \
        nothing else can write meanwhile.",
    after_help = "Examples:\n  tracardictl backup cdp-2026-01-31.tcbk\n  tracardictl backup --store postgres://cdp@db/cdp cdp.tcbk"
)]
pub struct BackupArgs {
    /// File to write (replaced only once the backup is complete)
    pub file: PathBuf,
    /// Store URI [default: the configured store]
    #[arg(long, value_name = "URI", conflicts_with = "online")]
    pub store: Option<String>,
    /// Ask the running private API for the backup (admin token; this tenant only)
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub target: super::connection::Target,
}

/// Restore a backup file into an empty store, then verify counts and checksums
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl restore cdp.tcbk --data-dir ./new-data\n  tracardictl restore cdp.tcbk --store postgres://cdp@db/fresh"
)]
pub struct RestoreArgs {
    /// Backup file written by `tracardictl backup`
    pub file: PathBuf,
    /// Store URI [default: the configured store]; it must be empty
    #[arg(long, value_name = "URI")]
    pub store: Option<String>,
}

fn store_uri(cli: &Cli, store: &Option<String>) -> Result<String, Failure> {
    Ok(match store {
        Some(s) => s.clone(),
        None => cli.load_config(Default::default())?.store_uri(),
    })
}

/// `FILE.partial`, where a backup is written until it is complete. A directory is not a
/// backup file: refused before anything is written.
fn partial_path(file: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    if file.is_dir() {
        anyhow::bail!(
            "{} is a directory; name the backup file (for example {})",
            file.display(),
            file.join("tracardictl.tcbk").display()
        );
    }
    let mut name = file.as_os_str().to_os_string();
    name.push(".partial");
    Ok(name.into())
}

fn run_online(args: &BackupArgs) -> Result<(), Failure> {
    let client = args.target.client()?;
    let runtime = super::runtime()?;
    let tmp = partial_path(&args.file)?;
    let mut out = BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    let bytes = match runtime.block_on(client.download("/backup", &mut out)) {
        Ok(bytes) => bytes,
        Err(e) => {
            // Part of a backup restores nothing: it is not left behind to be mistaken
            // for one.
            drop(out);
            let cut = matches!(e, crate::client::ClientError::Interrupted { .. });
            let mut context = format!(
                "online backup to {} failed; nothing was written there",
                args.file.display()
            );
            match std::fs::remove_file(&tmp) {
                Ok(()) if cut => context.push_str(&format!(
                    " and the partial download {} was removed",
                    tmp.display()
                )),
                Ok(()) => {}
                Err(r) => context.push_str(&format!(
                    "; remove the partial download {} ({r}): it is not a backup",
                    tmp.display()
                )),
            }
            let f = Failure::from(e);
            return Err(Failure {
                code: f.code,
                error: f.error.context(context),
            });
        }
    };
    let file = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", tmp.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("cannot sync {}", tmp.display()))?;
    // The stream ends without its trailer when the server failed part-way.
    let complete = std::io::BufRead::lines(BufReader::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&tmp).with_context(|| format!("cannot read {}", tmp.display()))?,
    )))
    .map_while(Result::ok)
    .last()
    .and_then(|l| serde_json::from_str::<backup::Trailer>(&l).ok());
    let Some(trailer) = complete else {
        return Err(anyhow::anyhow!(
            "the backup from {} is incomplete (no trailer); kept as {}",
            client.base(),
            tmp.display()
        )
        .into());
    };
    std::fs::rename(&tmp, &args.file)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), args.file.display()))?;
    println!(
        "backed up {} records ({bytes} bytes) from {} to {}",
        trailer.records,
        client.base(),
        args.file.display()
    );
    Ok(())
}

pub fn run_backup(cli: &Cli, args: &BackupArgs) -> Result<(), Failure> {
    if args.online {
        return run_online(args);
    }
    let uri = store_uri(cli, &args.store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = open(&uri, Missing::Refuse).await?;
        let total = copy::total_records(store.as_ref()).await?;
        let tmp = partial_path(&args.file)?;
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out =
            flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::fast());
        let b = bar(total, "records");
        let trailer = backup::backup(store.as_ref(), None, &mut out, &|n| b.inc(n)).await;
        b.finish_and_clear();
        let trailer = trailer.with_context(|| format!("backup to {} failed", tmp.display()))?;
        let mut inner = out
            .finish()
            .with_context(|| format!("cannot finish {}", tmp.display()))?;
        inner
            .flush()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        let file = inner
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", tmp.display(), e.error()))?;
        file.sync_all()
            .with_context(|| format!("cannot sync {}", tmp.display()))?;
        std::fs::rename(&tmp, &args.file).with_context(|| {
            format!("cannot rename {} to {}", tmp.display(), args.file.display())
        })?;
        println!(
            "backed up {} records of {} to {}",
            trailer.records,
            redact_uri(&uri),
            args.file.display()
        );
        for (kind, sum) in &trailer.fingerprint {
            println!("{}\t{}", kind.as_str(), sum.count);
        }
        anyhow::Ok(())
    })?;
    Ok(())
}

/// What a restore found at an embedded store's path before it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Nothing: the restore creates the directory, and removes it if it fails.
    New,
    /// An empty directory (or a mount point holding only `lost+found`): kept, with its
    /// owner and mode; only what the restore wrote in it is removed if it fails.
    EmptyDir,
    /// A store, or a PostgreSQL database: refused when it holds data.
    Store,
}

/// Entries of a directory other than `lost+found`.
fn entries_besides_lost_found(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() != "lost+found" {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Where an embedded restore would write, and what is there; a directory holding files
/// that are not a store is refused, since a failed restore must be able to clear what it
/// wrote without touching anything else.
fn restore_target(uri: &str) -> anyhow::Result<Target> {
    if crate::store::is_postgres_uri(uri) || crate::store::exists(uri) {
        return Ok(Target::Store);
    }
    let dir = std::path::Path::new(uri.strip_prefix("sled:").unwrap_or(uri));
    if !dir.exists() {
        return Ok(Target::New);
    }
    let others = entries_besides_lost_found(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?;
    if let Some(first) = others.first() {
        bail!(
            "will not restore into {}: it holds files that are not a store ({}{}); restore into a new or empty directory",
            dir.display(),
            first.display(),
            if others.len() > 1 { ", …" } else { "" }
        );
    }
    Ok(Target::EmptyDir)
}

/// What became of the part of a backup a failed restore wrote: a directory the restore
/// created is removed; in an empty directory that was there, what the restore wrote is
/// removed and the directory kept. A store or database that was there (empty) keeps it,
/// and the user is told to clear it, since the next restore refuses a store with data.
fn partial_restore(uri: &str, target: Target) -> String {
    if crate::store::is_postgres_uri(uri) {
        return format!(
            "{} now holds part of the backup: drop its schema before restoring again",
            redact_uri(uri)
        );
    }
    let dir = std::path::Path::new(uri.strip_prefix("sled:").unwrap_or(uri));
    let removed = match target {
        Target::New => std::fs::remove_dir_all(dir),
        Target::EmptyDir => entries_besides_lost_found(dir).and_then(|written| {
            written.iter().try_for_each(|p| {
                if p.is_dir() {
                    std::fs::remove_dir_all(p)
                } else {
                    std::fs::remove_file(p)
                }
            })
        }),
        Target::Store => {
            return format!(
                "{} now holds part of the backup: remove it before restoring again",
                dir.display()
            )
        }
    };
    match (removed, target) {
        (Ok(()), Target::New) => {
            format!("the partial store it had begun at {} was removed", dir.display())
        }
        (Ok(()), _) => format!(
            "the partial store it had begun in {} was removed (the directory was kept)",
            dir.display()
        ),
        (Err(e), _) => format!(
            "{} holds part of the backup and could not be removed ({e}): remove it before restoring again",
            dir.display()
        ),
    }
}

pub fn run_restore(cli: &Cli, args: &RestoreArgs) -> Result<(), Failure> {
    let uri = store_uri(cli, &args.store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let target = restore_target(&uri)?;
        let store = open(&uri, Missing::Create).await?;
        if let Some(why) = backup::is_empty(store.as_ref()).await? {
            bail!(
                "will not restore into {}: {why}; restore only into an empty data dir or database",
                redact_uri(&uri)
            );
        }
        let reader = BufReader::new(flate2::read::GzDecoder::new(BufReader::new(file)));
        let b = bar(None, "records");
        let trailer = backup::restore(store.as_ref(), reader, &|n| b.inc(n)).await;
        b.finish_and_clear();
        let trailer = match trailer {
            Ok(t) => t,
            Err(e) => {
                drop(store);
                let left = partial_restore(&uri, target);
                return Err(anyhow::Error::new(e)
                    .context(format!("restore of {} failed; {left}", args.file.display())));
            }
        };
        println!(
            "restored {} records from {} into {}; counts and checksums verified",
            trailer.records,
            args.file.display(),
            redact_uri(&uri)
        );
        for (kind, sum) in &trailer.fingerprint {
            println!("{}\t{}", kind.as_str(), sum.count);
        }
        anyhow::Ok(())
    })?;
    Ok(())
}
