//! `tracardictl tenant`: a client of the tenant management service (`serve tms`).

use super::{Cli, Failure};
use crate::client::Client;
use crate::config::Overrides;
use anyhow::anyhow;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

/// Manage tenants through the tenant management service (TMS)
#[derive(Debug, Args)]
#[command(
    long_about = "Manage tenants through the tenant management service (`tracardictl serve tms`).\n\n\
        Every call carries the TMS API key: --api-key, else tms.api_key from the \
        configuration (TRACARDI_TMS_API_KEY). The TMS address is --tms-url, else \
        http:// + tms.listen.",
    after_help = "Examples:\n  tracardictl tenant create acme --admin-email admin@acme.example\n  tracardictl tenant list\n  tracardictl tenant get acme\n  tracardictl tenant suspend acme\n  tracardictl tenant delete acme --yes"
)]
pub struct TenantArgs {
    #[command(subcommand)]
    pub command: TenantCommand,

    /// Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]
    #[arg(long, global = true, value_name = "URL", env = "TRACARDI_TMS_URL")]
    pub tms_url: Option<String>,

    /// The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,

    /// Print the answer as JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant: its contexts, admin user and API key, and default event source
    #[command(
        after_help = "Examples:\n  tracardictl tenant create acme --admin-email admin@acme.example\n  tracardictl tenant create beta --admin-email ops@beta.example --events-per-second 200 --burst 1000"
    )]
    Create {
        /// Tenant name: lowercase letters, digits and `-`, starting with a letter
        name: String,
        /// Email of the tenant's admin user
        #[arg(long, value_name = "EMAIL")]
        admin_email: String,
        /// Password of the admin user [default: generated and printed once]
        #[arg(long, value_name = "PASSWORD", env = "TRACARDI_TENANT_ADMIN_PASSWORD")]
        admin_password: Option<String>,
        /// Collection rate limit in events per second (with --burst) [default: none]
        #[arg(long, value_name = "N", requires = "burst")]
        events_per_second: Option<f64>,
        /// Events the rate limit lets through at once (with --events-per-second)
        #[arg(long, value_name = "N", requires = "events_per_second")]
        burst: Option<u32>,
    },
    /// List tenants and their state
    #[command(after_help = "Example:\n  tracardictl tenant list --json")]
    List,
    /// A tenant with its storage figures (profiles, sessions, events, configuration)
    #[command(after_help = "Example:\n  tracardictl tenant get acme")]
    Get {
        /// Tenant name
        name: String,
    },
    /// Suspend a tenant: its collection answers 403 and its API tokens 403
    #[command(after_help = "Example:\n  tracardictl tenant suspend acme")]
    Suspend {
        /// Tenant name
        name: String,
    },
    /// Resume a suspended tenant
    #[command(after_help = "Example:\n  tracardictl tenant resume acme")]
    Resume {
        /// Tenant name
        name: String,
    },
    /// Set or remove a tenant's collection rate limit
    #[command(
        after_help = "Examples:\n  tracardictl tenant rate-limit acme --events-per-second 100 --burst 500\n  tracardictl tenant rate-limit acme --off"
    )]
    RateLimit {
        /// Tenant name
        name: String,
        /// Events per second the bucket refills with
        #[arg(
            long,
            value_name = "N",
            required_unless_present = "off",
            requires = "burst"
        )]
        events_per_second: Option<f64>,
        /// Events the bucket holds at most (let through at once)
        #[arg(long, value_name = "N", requires = "events_per_second")]
        burst: Option<u32>,
        /// Remove the limit
        #[arg(long, conflicts_with_all = ["events_per_second", "burst"])]
        off: bool,
    },
    /// Delete a tenant and all of its data; reports what was removed
    #[command(after_help = "Example:\n  tracardictl tenant delete acme --yes")]
    Delete {
        /// Tenant name
        name: String,
        /// Confirm that every record of the tenant is to be removed
        #[arg(long)]
        yes: bool,
    },
}

fn text(v: &Value, k: &str) -> String {
    match v.get(k) {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn limit_text(v: &Value) -> String {
    match v.get("rate_limit") {
        Some(Value::Object(m)) => format!(
            "{}/s burst {}",
            m.get("events_per_second").cloned().unwrap_or(Value::Null),
            m.get("burst").cloned().unwrap_or(Value::Null)
        ),
        _ => "none".into(),
    }
}

fn print_json(v: &Value) -> Result<(), Failure> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| anyhow!(e))?
    );
    Ok(())
}

fn figures_line(v: &Value) -> String {
    format!(
        "{} profiles, {} sessions, {} events, {} configuration documents",
        text(v, "profiles"),
        text(v, "sessions"),
        text(v, "events"),
        text(v, "configuration")
    )
}

pub fn run(cli: &Cli, args: &TenantArgs) -> Result<(), Failure> {
    let config = cli.load_config(Overrides::default())?;
    let url = args
        .tms_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.tms.listen));
    let key = args
        .api_key
        .clone()
        .unwrap_or_else(|| config.tms.api_key.clone());
    if key.trim().is_empty() {
        return Err(Failure {
            code: super::EXIT_AUTH,
            error: anyhow!(
                "no TMS API key: pass --api-key or set tms.api_key (TRACARDI_TMS_API_KEY)"
            ),
        });
    }
    let c = Client::new(&url, Some(key), None)?;
    let rt = super::runtime()?;
    let name_path = |n: &str| {
        format!(
            "/tenants/{}",
            form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        )
    };
    match &args.command {
        TenantCommand::Create {
            name,
            admin_email,
            admin_password,
            events_per_second,
            burst,
        } => {
            let rate_limit = match (events_per_second, burst) {
                (Some(e), Some(b)) => json!({"events_per_second": e, "burst": b}),
                _ => Value::Null,
            };
            let body = json!({
                "name": name,
                "admin_email": admin_email,
                "admin_password": admin_password,
                "rate_limit": rate_limit,
            });
            let v = rt.block_on(c.call(Method::POST, "/tenants", Some(&body)))?;
            if args.json {
                return print_json(&v);
            }
            println!("tenant {name} created");
            println!("  admin user:          {}", text(&v["admin"], "email"));
            if v["admin"].get("password").is_some() {
                println!("  admin password:      {}", text(&v["admin"], "password"));
            }
            println!("  admin API token:     {}", text(&v, "api_token"));
            println!("  installation token:  {}", text(&v, "installation_token"));
            println!("  default event source: {}", text(&v, "default_source"));
            println!("  rate limit:          {}", limit_text(&v["tenant"]));
            eprintln!("tracardictl: the secrets above are shown once; keep them now");
        }
        TenantCommand::List => {
            let v = rt.block_on(c.call(Method::GET, "/tenants", None))?;
            if args.json {
                return print_json(&v);
            }
            println!("NAME\tSTATE\tADMIN\tDEFAULT SOURCE\tRATE LIMIT\tCREATED");
            for t in v["items"].as_array().into_iter().flatten() {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    text(t, "name"),
                    text(t, "state"),
                    text(t, "admin_email"),
                    text(t, "default_source"),
                    limit_text(t),
                    text(t, "created"),
                );
            }
        }
        TenantCommand::Get { name } => {
            let v = rt.block_on(c.call(Method::GET, &name_path(name), None))?;
            if args.json {
                return print_json(&v);
            }
            println!("name:           {}", text(&v, "name"));
            println!("state:          {}", text(&v, "state"));
            println!("created:        {}", text(&v, "created"));
            println!("admin:          {}", text(&v, "admin_email"));
            println!("default source: {}", text(&v, "default_source"));
            println!("rate limit:     {}", limit_text(&v));
            let s = &v["storage"];
            println!("storage:");
            println!("  production: {}", figures_line(&s["production"]));
            println!("  staging:    {}", figures_line(&s["staging"]));
            println!("  total:      {}", figures_line(&s["total"]));
        }
        TenantCommand::Suspend { name } | TenantCommand::Resume { name } => {
            let verb = match &args.command {
                TenantCommand::Suspend { .. } => "suspend",
                _ => "resume",
            };
            let v =
                rt.block_on(c.call(Method::POST, &format!("{}/{verb}", name_path(name)), None))?;
            if args.json {
                return print_json(&v);
            }
            println!("tenant {name} is {}", text(&v, "state"));
        }
        TenantCommand::RateLimit {
            name,
            events_per_second,
            burst,
            off,
        } => {
            let body = match (off, events_per_second, burst) {
                (false, Some(e), Some(b)) => json!({"events_per_second": e, "burst": b}),
                _ => Value::Null,
            };
            let v = rt.block_on(c.call(
                Method::PUT,
                &format!("{}/rate-limit", name_path(name)),
                Some(&body),
            ))?;
            if args.json {
                return print_json(&v);
            }
            println!("tenant {name} rate limit: {}", limit_text(&v));
        }
        TenantCommand::Delete { name, yes } => {
            if !yes {
                return Err(Failure {
                    code: super::EXIT_USAGE,
                    error: anyhow!(
                        "deleting tenant `{name}` removes all of its data: add --yes to confirm"
                    ),
                });
            }
            let v = rt.block_on(c.call(
                Method::DELETE,
                &format!("{}?confirm=true", name_path(name)),
                None,
            ))?;
            if args.json {
                return print_json(&v);
            }
            let r = &v["removed"];
            println!("tenant {name} deleted; removed:");
            println!("  production: {}", figures_line(&r["production"]));
            println!("  staging:    {}", figures_line(&r["staging"]));
            println!("  total:      {}", figures_line(&r["total"]));
            println!(
                "  index entries (sources, tokens): {}",
                text(r, "index_entries")
            );
        }
    }
    Ok(())
}
