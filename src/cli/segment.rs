//! `tracardictl segment refresh`: evaluate every segment over every profile.

use super::connection::Target;
use super::{Cli, Failure};
use crate::domain::{Context, Scope};
use crate::store::{self, OpenOptions, StoreError};
use crate::workflow::engine::{EngineOptions, WorkflowEngine};
use crate::workflow::segmentation::{self, RefreshSummary};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::Value;

/// Segments: refresh every profile's segments
#[derive(Debug, Args)]
#[command(
    long_about = "Segments: configuration documents of kind `segment` with a TQL condition. \
        Profiles are segmented live after each event's flows; `refresh` evaluates every \
        enabled segment over every profile at once (after a segment is created or changed), \
        as the worker also does every `segmentation.refresh_interval_s` seconds.",
    after_help = "Examples:\n  tracardictl segment refresh\n  tracardictl segment refresh --context production"
)]
pub struct SegmentArgs {
    #[command(subcommand)]
    pub command: SegmentCommand,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Subcommand)]
pub enum SegmentCommand {
    /// Evaluate every enabled segment over every profile of a context and print a summary
    #[command(
        long_about = "Evaluate every enabled segment over every profile of a context: profiles \
            that now match enter the segment (running its `segment-add` rules once), profiles \
            that no longer match leave it; both are recorded in the profile's \
            `aux.segmentation`. Opens the store directly when no daemon holds it (with a \
            progress bar); when a running `tracardictl serve` holds it, asks that daemon's \
            private API (sign in first with `tracardictl login`).",
        after_help = "Examples:\n  tracardictl segment refresh\n  tracardictl segment refresh --context production --data-dir /var/lib/tracardi"
    )]
    Refresh,
}

pub fn run(cli: &Cli, args: &SegmentArgs) -> Result<(), Failure> {
    match args.command {
        SegmentCommand::Refresh => refresh(cli, &args.target),
    }
}

fn refresh(cli: &Cli, target: &Target) -> Result<(), Failure> {
    let config = cli.load_config(Default::default())?;
    let uri = config.store_uri();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(why) = store::unknown_scheme(&uri) {
        return Err(crate::config::ConfigError::Invalid(why).into());
    }
    // No store on this host (an operator's laptop): the signed-in private API does it.
    // Never an empty store made here and refreshed.
    let exists = rt
        .block_on(store::exists_async(&uri))
        .map_err(|e| anyhow::Error::new(e).context("cannot tell whether the store exists"))?;
    if !exists {
        return refresh_remote(
            target,
            "there is no store on this host, so the refresh goes through a private API",
        );
    }
    let opened = rt.block_on(store::open_async(&uri, &OpenOptions::default()));
    let store = match opened {
        Ok(s) => s,
        Err(StoreError::Locked { .. }) => {
            return refresh_remote(
                target,
                "the store is held by a running `tracardictl serve`, so the refresh goes \
                 through its private API",
            )
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!(
                    "cannot open the store at {}",
                    crate::daemon::redact_uri(&uri)
                ))
                .into())
        }
    };
    let context = target.context.unwrap_or(Context::Staging);
    let scope = Scope::new(config.tenant.clone(), context);
    let summary = rt.block_on(async {
        let total = store.counts(&scope).await?.profiles;
        let bar = super::migrate::bar(total, "profiles");
        let engine = WorkflowEngine::new(store.clone(), EngineOptions::default());
        let progress = |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        };
        let summary = segmentation::refresh(&engine, None, &scope, &progress).await;
        bar.finish_and_clear();
        anyhow::Ok(summary.context("segment refresh failed")?)
    })?;
    print_summary(context.as_str(), &summary);
    Ok(())
}

/// `why`: why the refresh goes through the private API, for the error without a
/// connection.
fn refresh_remote(target: &Target, why: &'static str) -> Result<(), Failure> {
    let c = target.client().map_err(|f| Failure {
        code: f.code,
        error: f.error.context(why),
    })?;
    let rt = super::runtime()?;
    let v = rt.block_on(c.call(Method::POST, "/segments/refresh", None))?;
    let summary: RefreshSummary = RefreshSummary {
        segments: v["segments"].as_u64().unwrap_or(0) as usize,
        profiles: v["profiles"].as_u64().unwrap_or(0),
        changed: v["changed"].as_u64().unwrap_or(0),
        entered: v["entered"].as_u64().unwrap_or(0),
        left: v["left"].as_u64().unwrap_or(0),
        errors: v["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    };
    print_summary(v["context"].as_str().unwrap_or("?"), &summary);
    Ok(())
}

fn print_summary(context: &str, s: &RefreshSummary) {
    println!(
        "refreshed {} segment(s) over {} profile(s) in {context}: {} changed, {} entered, {} left",
        s.segments, s.profiles, s.changed, s.entered, s.left
    );
    for e in &s.errors {
        eprintln!("warning: {e}");
    }
}
