//! `tracardictl dlq`: the dead-letter queue over the private API.

use super::connection::Target;
use super::resources::Output;
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
    /// List dead letters, oldest first; their count and the queue's health on stderr
    #[command(
        after_help = "Examples:\n  tracardictl dlq list --limit 20 --context production\n  tracardictl dlq list -o json\n  tracardictl dlq list -o name | xargs -n1 basename"
    )]
    List {
        /// At most this many (1 to 1000)
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
        /// Continue the listing after this dead letter id
        #[arg(long, value_name = "ID")]
        after: Option<u64>,
        /// Output format (wide adds the tenant and context)
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
        /// Omit the header row of tables
        #[arg(long)]
        no_headers: bool,
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
        DlqCommand::List {
            limit,
            after,
            output,
            no_headers,
        } => {
            let health = rt.block_on(c.call(Method::GET, "/queue", None))?;
            let mut path = format!("/dlq?limit={limit}");
            if let Some(a) = after {
                path.push_str(&format!("&after={a}"));
            }
            let page = rt.block_on(c.call(Method::GET, &path, None))?;
            let items: Vec<Value> = page["items"].as_array().cloned().unwrap_or_default();
            match output {
                Output::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&items).map_err(|e| anyhow!(e))?
                ),
                Output::Yaml => {
                    print!("{}", serde_yaml::to_string(&items).map_err(|e| anyhow!(e))?)
                }
                Output::Name => {
                    for item in &items {
                        println!("dlq/{}", field(item, "id"));
                    }
                }
                Output::Table | Output::Wide => {
                    let wide = *output == Output::Wide;
                    if !no_headers {
                        println!(
                            "ID\tTOPIC\tKEY\tATTEMPTS\tENQUEUED\tLAST ERROR{}",
                            if wide { "\tTENANT\tCONTEXT" } else { "" }
                        );
                    }
                    for item in &items {
                        let mut line = format!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            field(item, "id"),
                            field(item, "topic"),
                            field(item, "key"),
                            field(item, "attempts"),
                            field(item, "enqueued_at"),
                            field(item, "last_error"),
                        );
                        if wide {
                            line.push_str(&format!(
                                "\t{}\t{}",
                                field(item, "tenant"),
                                field(item, "context")
                            ));
                        }
                        println!("{line}");
                    }
                }
            }
            // The count is the caller's (its tenant, and the context it names); the
            // queue's figures are the installation's.
            eprintln!(
                "tracardictl: {} dead letter(s), {} shown; queue depth {}, in flight {}",
                field(&page, "total"),
                items.len(),
                field(&health, "depth"),
                field(&health, "in_flight"),
            );
            if let Some(next) = page.get("next").and_then(Value::as_str) {
                eprintln!("tracardictl: more dead letters: continue with --after {next}");
            }
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
