//! `tracardictl destination`: destination delivery logs over the private API.

use super::connection::Target;
use super::Failure;
use anyhow::anyhow;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::Value;

/// Inspect what the worker delivered to destinations
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl destination log crm-webhook --context production\n  tracardictl destination log crm-webhook --context production -o json\n  tracardictl destination log crm-webhook --context production -o yaml"
)]
pub struct DestinationArgs {
    #[command(subcommand)]
    pub command: DestinationCommand,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// A destination's last deliveries (time, status, latency, error), newest first, and its totals
    #[command(
        after_help = "Example:\n  tracardictl destination log crm-webhook --limit 10 --context production"
    )]
    Log {
        /// Destination id
        id: String,
        /// Show at most this many deliveries
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Output format (`text` is accepted for `table`)
        #[arg(long, short = 'o', value_enum, default_value = "table")]
        output: Output,
        /// Omit the header row of the table
        #[arg(long)]
        no_headers: bool,
    },
}

/// The formats of the other listing commands, but `wide` (the table has every column)
/// and `name` (log entries are not resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    #[value(alias = "text")]
    Table,
    Json,
    Yaml,
}

fn field(v: &Value, k: &str) -> String {
    match v.get(k) {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_f64() => format!("{:.1}", n.as_f64().unwrap_or(0.0)),
        Some(other) => other.to_string(),
    }
}

pub fn run(args: &DestinationArgs) -> Result<(), Failure> {
    let c = args.target.client()?;
    let rt = super::runtime()?;
    match &args.command {
        DestinationCommand::Log {
            id,
            limit,
            output,
            no_headers,
        } => {
            let path = format!("/destinations/{}/log", urlencoding(id));
            let mut v = rt.block_on(c.call(Method::GET, &path, None))?;
            if let Some(Value::Array(entries)) = v.get_mut("entries") {
                entries.truncate(*limit);
            }
            match output {
                Output::Json => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&v).map_err(|e| anyhow!(e))?
                    );
                    return Ok(());
                }
                Output::Yaml => {
                    print!("{}", serde_yaml::to_string(&v).map_err(|e| anyhow!(e))?);
                    return Ok(());
                }
                Output::Table => {}
            }
            if !no_headers {
                println!("TIME\tITEM\tATTEMPT\tOUTCOME\tSTATUS\tLATENCY MS\tERROR");
            }
            for e in v["entries"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    field(e, "at"),
                    field(e, "item"),
                    field(e, "attempt"),
                    field(e, "outcome"),
                    field(e, "status"),
                    field(e, "latency_ms"),
                    field(e, "error"),
                );
            }
            eprintln!(
                "tracardictl: {} delivered, {} failed attempts ({} in a row), {} dead letters",
                field(&v, "delivered"),
                field(&v, "failed"),
                field(&v, "consecutive_failures"),
                field(&v, "dead"),
            );
        }
    }
    Ok(())
}

/// Percent-encodes a path segment.
fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
