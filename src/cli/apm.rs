//! `tracardictl apm …`: maintenance of automatic profile merging on the store itself.

use super::{Cli, Failure};
use crate::config::Overrides;
use crate::daemon;
use crate::domain::{Context, Scope};
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::sync::Arc;

/// Automatic profile merging: full duplicate scans
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl apm scan\n  tracardictl apm scan --context staging --tenant acme"
)]
pub struct ApmArgs {
    #[command(subcommand)]
    pub command: ApmCommand,
}

#[derive(Debug, Subcommand)]
pub enum ApmCommand {
    /// Scan every profile for duplicates sharing a merge key and merge them
    #[command(
        long_about = "Scan every profile of a scope for others sharing one of its merge keys \
        and merge them, journaling each merge (see `profile explain`).\n\n\
        Works on the store directly, so no daemon may hold it: stop `tracardictl serve` first \
        (a running APM merges marked profiles on its own).",
        after_help = "Examples:\n  tracardictl apm scan\n  tracardictl apm scan --context staging --tenant acme"
    )]
    Scan {
        /// Context to scan
        #[arg(long, default_value = "production")]
        context: Context,
        /// Tenant to scan [default: the configured tenant]
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub fn run(cli: &Cli, args: &ApmArgs) -> Result<(), Failure> {
    let config = cli.load_config(Overrides::default())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match &args.command {
            ApmCommand::Scan { context, tenant } => {
                let uri = config.store_uri();
                if !crate::store::exists_async(&uri).await? {
                    return Err(crate::config::ConfigError::Invalid(format!(
                        "there is no store at {}: check `--data-dir`, `--store` or `data_dir` in tracardi.toml",
                        daemon::redact_uri(&uri)
                    ))
                    .into());
                }
                let store = daemon::open_store(&config).await?;
                let scope = Scope::new(tenant.clone().unwrap_or_else(|| config.tenant.clone()), *context);
                require_held(&store, &scope, false).await?;
                let salt = daemon::resolve_salt(&store, config.identity.merge_key_salt.as_deref()).await?;
                let settings = Arc::new(daemon::identity_settings(&config, salt));
                let apm = crate::identity::Apm::new(
                    store.clone(),
                    Arc::new(crate::tracking::locks::KeyedLocks::new(64)),
                    settings,
                );
                let total = store.counts(&scope).await?.profiles;
                let bar = progress_bar(total, "profiles");
                let stats = apm
                    .scan(&scope, &|n| bar.set_position(n))
                    .await
                    .map_err(anyhow::Error::from)?;
                // Flushed, so the next open has no log of this pass to replay.
                store.checkpoint().await?;
                bar.finish_and_clear();
                println!(
                    "scanned {} profiles in {scope}: {} merges, {} profiles merged away, {} skipped by guardrails",
                    stats.examined, stats.merges, stats.profiles_merged_away, stats.skipped
                );
                Ok::<(), Failure>(())
            }
        }
    })
}

/// Refuses a scope the store holds nothing for (with `tenant_only`: a tenant it holds
/// nothing for), naming what it holds: a typo in `--tenant` or `--context` is a usage
/// error, not an empty run.
pub(crate) async fn require_held(
    store: &crate::store::SharedStore,
    scope: &Scope,
    tenant_only: bool,
) -> Result<(), crate::config::ConfigError> {
    let scopes = store.scopes().await.map_err(|e| {
        crate::config::ConfigError::Invalid(format!("cannot list the store's scopes: {e}"))
    })?;
    let held = scopes
        .iter()
        .any(|s| s.tenant == scope.tenant && (tenant_only || s == scope));
    if held {
        return Ok(());
    }
    let names: Vec<String> = scopes
        .iter()
        .filter(|s| s.tenant != crate::domain::SYSTEM_TENANT)
        .map(ToString::to_string)
        .collect();
    let what = if tenant_only {
        format!("tenant `{}`", scope.tenant)
    } else {
        scope.to_string()
    };
    Err(crate::config::ConfigError::Invalid(format!(
        "the store holds nothing for {what} (it holds: {})",
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    )))
}

/// A progress bar on standard error with rate and ETA, hidden when it is not a terminal.
pub fn progress_bar(total: u64, unit: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} · {{per_sec}} · ETA {{eta}}");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
