//! `tracardictl profile …`: explain, merge and unmerge profiles through the private API.

use super::connection::Target;
use super::Failure;
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::{json, Value};

/// Explain, merge and unmerge profiles (the merge journal)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl profile explain 0191c2…\n  tracardictl profile merge A B --dry-run\n  tracardictl profile unmerge A --merge 0191c3…"
)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
    #[command(flatten)]
    pub target: Target,
    /// Output format
    #[arg(short, long, value_enum, default_value = "text", global = true)]
    pub output: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Why a profile is what it is: its merge keys, other ids, merges and counts
    #[command(after_help = "Example:\n  tracardictl profile explain emm-… --context production")]
    Explain {
        /// Profile id or any of its ids (merge keys, merged-away ids)
        id: String,
    },
    /// Merge profiles now, or preview the result with --dry-run
    #[command(after_help = "Example:\n  tracardictl profile merge A B C --survivor A --dry-run")]
    Merge {
        /// Profiles to merge (at least two)
        #[arg(required = true, num_args = 2..)]
        ids: Vec<String>,
        /// The profile that keeps its id [default: the oldest]
        #[arg(long)]
        survivor: Option<String>,
        /// Print the merged result without writing anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Undo a merge: restore the merged-away profiles with their events and sessions
    #[command(after_help = "Example:\n  tracardictl profile unmerge A --merge 0191c3…")]
    Unmerge {
        /// A profile the merge involved
        id: String,
        /// The merge to undo (from `profile explain`)
        #[arg(long = "merge", value_name = "MERGE_ID")]
        merge: String,
    },
}

fn print(v: &Value, format: Format, text: impl FnOnce(&Value) -> String) -> Result<(), Failure> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(v)?),
        Format::Yaml => print!("{}", serde_yaml::to_string(v)?),
        Format::Text => print!("{}", text(v)),
    }
    Ok(())
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn explain_text(v: &Value) -> String {
    let p = &v["profile"];
    let mut out = format!(
        "Profile {}\n  created {}  visits {}  events {}  sessions {}\n",
        s(&p["id"]),
        s(&p["metadata"]["time"]["insert"]),
        s(&p["metadata"]["time"]["visit"]["count"]),
        s(&v["events"]),
        s(&v["sessions"])
    );
    out.push_str("Merge keys:\n");
    match v["keys"].as_array() {
        Some(keys) if !keys.is_empty() => {
            for k in keys {
                out.push_str(&format!("  {:<30} {}\n", s(&k["field"]), s(&k["key"])));
            }
        }
        _ => out.push_str("  (none)\n"),
    }
    if let Some(ids) = v["other_ids"].as_array().filter(|a| !a.is_empty()) {
        out.push_str("Also known as:\n");
        for i in ids {
            out.push_str(&format!("  {}\n", s(i)));
        }
    }
    out.push_str("Merge history:\n");
    match v["merges"].as_array() {
        Some(m) if !m.is_empty() => {
            for r in m {
                let undone = r["related"]
                    .as_str()
                    .filter(|_| r["action"] == "merge")
                    .map(|u| format!(" (undone by {u})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {} {:<8} {}  survivor {} ← {}  trigger {} {}{}\n",
                    s(&r["time"]),
                    s(&r["action"]),
                    s(&r["id"]),
                    s(&r["survivor"]),
                    r["merged"]
                        .as_array()
                        .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                    s(&r["trigger"]["kind"]),
                    s(&r["trigger"]["detail"]),
                    undone
                ));
                if let Some(m) = r["message"].as_str() {
                    out.push_str(&format!("      {m}\n"));
                }
            }
        }
        _ => out.push_str("  (never merged)\n"),
    }
    out
}

pub fn run(args: &ProfileArgs) -> Result<(), Failure> {
    let client = args.target.client()?;
    let rt = super::runtime()?;
    match &args.command {
        ProfileCommand::Explain { id } => {
            let v = rt.block_on(client.call(
                Method::GET,
                &format!("/profiles/{}/explain", enc(id)),
                None,
            ))?;
            print(&v, args.output, explain_text)
        }
        ProfileCommand::Merge {
            ids,
            survivor,
            dry_run,
        } => {
            let body = json!({"ids": ids, "survivor": survivor, "dry_run": dry_run});
            let v = rt.block_on(client.call(Method::POST, "/profiles/merge", Some(&body)))?;
            print(&v, args.output, |v| {
                let r = &v["record"];
                let head = if *dry_run {
                    "would merge".to_string()
                } else {
                    format!("merged ({})", s(&r["id"]))
                };
                if v["outcome"] == "skipped" {
                    return format!("not merged: {}\n", s(&v["reason"]));
                }
                format!(
                    "{head}: {} into {}\n{}",
                    r["merged"]
                        .as_array()
                        .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                    s(&r["survivor"]),
                    serde_json::to_string_pretty(&r["result"]).unwrap_or_default() + "\n"
                )
            })
        }
        ProfileCommand::Unmerge { id, merge } => {
            let body = json!({"merge": merge});
            let v = rt.block_on(client.call(
                Method::POST,
                &format!("/profiles/{}/unmerge", enc(id)),
                Some(&body),
            ))?;
            print(&v, args.output, |v| {
                format!(
                    "unmerged {merge} ({}): restored {}\n",
                    s(&v["unmerge"]["id"]),
                    v["unmerge"]["merged"]
                        .as_array()
                        .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                )
            })
        }
    }
}

/// Percent-encodes a path segment.
fn enc(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
