//! `tracardictl dlq`: the dead-letter queue over the private API.

use super::connection::Target;
use super::Failure;
use anyhow::anyhow;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::Value;

/// Inspect and re-deliver work that failed every retry
#[derive(Debug, Args)]
#[command(
    long_about = "Inspect and re-deliver work that failed every retry. The dead-letter queue \
        holds the failures of every context; with `--context` (or a connection's default \
        context) each command sees only that context's dead letters, without one every \
        context's of the tenant.",
    after_help = "Examples:\n  tracardictl dlq list\n  tracardictl dlq show 1732752000000123\n  tracardictl dlq replay 1732752000000123\n  tracardictl dlq purge --all"
)]
pub struct DlqArgs {
    #[command(subcommand)]
    pub command: DlqCommand,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// List dead letters, oldest first, and the queue's health on stderr
    #[command(after_help = "Example:\n  tracardictl dlq list --limit 20 --context production")]
    List {
        /// At most this many
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// One dead letter as JSON, with its payload and last error
    #[command(after_help = "Example:\n  tracardictl dlq show 42")]
    Show {
        /// Dead letter id (from `dlq list`)
        id: u64,
    },
    /// Put a dead letter back at the end of the queue with its attempts reset
    #[command(after_help = "Example:\n  tracardictl dlq replay 42")]
    Replay {
        /// Dead letter id (from `dlq list`)
        id: u64,
    },
    /// Delete one dead letter, or every one with --all
    #[command(after_help = "Examples:\n  tracardictl dlq purge 42\n  tracardictl dlq purge --all")]
    Purge {
        /// Dead letter id (from `dlq list`)
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<u64>,
        /// Delete every dead letter
        #[arg(long)]
        all: bool,
    },
}

fn field(v: &Value, k: &str) -> String {
    match v.get(k) {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

pub fn run(args: &DlqArgs) -> Result<(), Failure> {
    let c = args.target.client()?;
    let rt = super::runtime()?;
    match &args.command {
        DlqCommand::List { limit } => {
            let health = rt.block_on(c.call(Method::GET, "/queue", None))?;
            let page = rt.block_on(c.call(Method::GET, &format!("/dlq?limit={limit}"), None))?;
            println!("ID\tTOPIC\tKEY\tATTEMPTS\tENQUEUED\tLAST ERROR");
            for item in page["items"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    field(item, "id"),
                    field(item, "topic"),
                    field(item, "key"),
                    field(item, "attempts"),
                    field(item, "enqueued_at"),
                    field(item, "last_error"),
                );
            }
            eprintln!(
                "tracardictl: queue depth {}, in flight {}, dead letters {}",
                field(&health, "depth"),
                field(&health, "in_flight"),
                field(&health, "dead_letters"),
            );
        }
        DlqCommand::Show { id } => {
            let v = rt.block_on(c.call(Method::GET, &format!("/dlq/{id}"), None))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| anyhow!(e))?
            );
        }
        DlqCommand::Replay { id } => {
            let v = rt.block_on(c.call(Method::POST, &format!("/dlq/{id}/replay"), None))?;
            println!(
                "dead letter {id} queued again as {}",
                field(&v, "queued_as")
            );
        }
        DlqCommand::Purge { id, all } => {
            let path = match (id, all) {
                (Some(id), _) => format!("/dlq/{id}"),
                (None, _) => "/dlq".to_string(),
            };
            let v = rt.block_on(c.call(Method::DELETE, &path, None))?;
            println!("{} dead letter(s) deleted", field(&v, "deleted"));
        }
    }
    Ok(())
}
