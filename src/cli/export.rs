use super::migrate::{bar, open, Missing};
use super::{Cli, Failure};
use crate::domain::{Context, Scope};
use crate::store::{SharedStore, TimeRange};
use crate::workflow::notation::DotContext;
use crate::workflow::tql;
use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    Profiles,
    Events,
    Sessions,
    Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Ndjson,
    /// Profiles only, with `--fields`
    Csv,
}

/// Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)
#[derive(Debug, Args)]
#[command(
    long_about = "Write the records of one scope, one JSON document per line (or CSV for \
        profiles), optionally filtered by a TQL condition over `profile@…`, `event@…`, \
        `session@…` or `payload@…` (configuration) and by insert time. The store is opened \
        directly, so stop the daemons first.",
    after_help = "Examples:\n  tracardictl export profiles -o profiles.ndjson\n  tracardictl export profiles --format csv --fields id,data.contact.email.main,traits.plan\n  tracardictl export events --where 'event@type == \"purchase\"' --since 2026-01-01T00:00:00Z\n  tracardictl export config --context production --tenant acme"
)]
pub struct ExportArgs {
    /// What to export
    pub kind: ExportKind,
    /// Output file [default: standard output]
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format: NDJSON, or CSV for profiles
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: ExportFormat,
    /// Comma-separated dot paths for CSV columns
    #[arg(long, value_delimiter = ',', default_value = "id")]
    pub fields: Vec<String>,
    /// Keep only records for which this TQL condition holds
    #[arg(long = "where", value_name = "TQL")]
    pub condition: Option<String>,
    /// Only records inserted at or after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub since: Option<DateTime<Utc>>,
    /// Only records inserted before this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<DateTime<Utc>>,
    /// Tenant [default: the configured tenant]
    #[arg(long)]
    pub tenant: Option<String>,
    /// Context to export from
    #[arg(long, default_value = "production")]
    pub context: Context,
    /// Store URI [default: the configured store]
    #[arg(long, value_name = "URI")]
    pub store: Option<String>,
}

const PAGE: usize = 500;

/// A CSV field: quoted when it holds a comma, quote or line break.
fn csv_field(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn at_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        cur = match cur {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn insert_time(doc: &Value) -> Option<DateTime<Utc>> {
    at_path(doc, "metadata.time.insert")?.as_str()?.parse().ok()
}

struct Filter {
    condition: Option<tql::Expr>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    kind: ExportKind,
}

impl Filter {
    fn keep(&self, doc: &Value) -> anyhow::Result<bool> {
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = insert_time(doc) else {
                return Ok(false);
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return Ok(false);
            }
        }
        let Some(expr) = &self.condition else {
            return Ok(true);
        };
        let mut ctx = DotContext::default();
        match self.kind {
            ExportKind::Profiles => ctx.profile = doc.clone(),
            ExportKind::Events => ctx.event = doc.clone(),
            ExportKind::Sessions => ctx.session = doc.clone(),
            ExportKind::Config => ctx.payload = doc.clone(),
        }
        tql::eval(expr, &ctx).map_err(|e| {
            anyhow!(
                "condition failed on `{}`: {e}",
                doc.get("id").and_then(Value::as_str).unwrap_or("?")
            )
        })
    }
}

pub fn run(cli: &Cli, args: &ExportArgs) -> Result<(), Failure> {
    let config = cli.load_config(Default::default())?;
    let uri = args.store.clone().unwrap_or_else(|| config.store_uri());
    let scope = Scope::new(
        args.tenant.clone().unwrap_or_else(|| config.tenant.clone()),
        args.context,
    );
    if let Some(t) = &args.tenant {
        crate::domain::check_tenant_name(t)
            .map_err(|e| crate::config::ConfigError::Invalid(format!("--tenant: {e}")))?;
    }
    if args.format == ExportFormat::Csv && args.kind != ExportKind::Profiles {
        return Err(anyhow!("CSV export is for profiles; use ndjson for {:?}", args.kind).into());
    }
    let condition = match &args.condition {
        Some(c) => Some(tql::parse(c).map_err(|e| anyhow!("--where: {e}"))?),
        None => None,
    };
    let filter = Filter {
        condition,
        since: args.since,
        until: args.until,
        kind: args.kind,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = open(&uri, Missing::Refuse).await?;
        // A read: a scope the store does not hold is an error (a typo), not an empty
        // export, and reading it must not create it.
        let scopes = store.scopes().await?;
        if !scopes.contains(&scope) {
            let held: Vec<String> = scopes
                .iter()
                .filter(|s| s.tenant != crate::domain::SYSTEM_TENANT)
                .map(ToString::to_string)
                .collect();
            return Err(crate::config::ConfigError::Invalid(format!(
                "the store holds nothing for {scope} (it holds: {})",
                if held.is_empty() {
                    "nothing".to_string()
                } else {
                    held.join(", ")
                }
            ))
            .into());
        }
        let mut out: Box<dyn Write> = match &args.output {
            Some(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        let written = export(&store, &scope, args, &filter, &mut out).await?;
        out.flush().context("cannot write the export")?;
        eprintln!("exported {written} {:?} of {scope}", args.kind);
        anyhow::Ok(())
    })?;
    Ok(())
}

async fn export(
    store: &SharedStore,
    scope: &Scope,
    args: &ExportArgs,
    filter: &Filter,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let c = store.counts(scope).await?;
    let total = match args.kind {
        ExportKind::Profiles => c.profiles,
        ExportKind::Events => c.events,
        ExportKind::Sessions => c.sessions,
        ExportKind::Config => 0,
    };
    let b = bar(total, "records");
    let mut written = 0u64;
    let csv = args.format == ExportFormat::Csv;
    if csv {
        writeln!(out, "{}", args.fields.join(","))?;
    }
    let mut emit = |doc: &Value, out: &mut dyn Write| -> anyhow::Result<()> {
        if !filter.keep(doc)? {
            return Ok(());
        }
        if csv {
            let row: Vec<String> = args
                .fields
                .iter()
                .map(|f| csv_field(at_path(doc, f)))
                .collect();
            writeln!(out, "{}", row.join(","))?;
        } else {
            serde_json::to_writer(&mut *out, doc)?;
            out.write_all(b"\n")?;
        }
        written += 1;
        Ok(())
    };
    let mut cursor: Option<String> = None;
    match args.kind {
        ExportKind::Config => {
            for kind in store.config_kinds(scope).await? {
                for mut doc in store.list_config(scope, &kind).await? {
                    if let Value::Object(m) = &mut doc {
                        m.insert("_kind".into(), Value::String(kind.clone()));
                    }
                    emit(&doc, out)?;
                }
            }
        }
        ExportKind::Profiles => loop {
            let page = store.list_profiles(scope, cursor.as_deref(), PAGE).await?;
            for p in &page.items {
                emit(&serde_json::to_value(p)?, out)?;
            }
            b.inc(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        },
        ExportKind::Sessions => loop {
            let page = store.list_sessions(scope, cursor.as_deref(), PAGE).await?;
            for s in &page.items {
                emit(&serde_json::to_value(s)?, out)?;
            }
            b.inc(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        },
        ExportKind::Events => loop {
            let range = TimeRange {
                from: args.since,
                to: args.until,
            };
            let page = store
                .events_by_time(scope, range, cursor.as_deref(), PAGE)
                .await?;
            for e in &page.items {
                emit(&serde_json::to_value(e)?, out)?;
            }
            b.inc(page.items.len() as u64);
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        },
    }
    b.finish_and_clear();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field(Some(&Value::String("a,b".into()))), "\"a,b\"");
        assert_eq!(
            csv_field(Some(&Value::String("say \"hi\"".into()))),
            "\"say \"\"hi\"\"\""
        );
        assert_eq!(csv_field(None), "");
        assert_eq!(csv_field(Some(&serde_json::json!(3))), "3");
    }

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        let doc = serde_json::json!({"a": {"b": [1, {"c": "x"}]}});
        assert_eq!(at_path(&doc, "a.b.1.c"), Some(&Value::String("x".into())));
        assert_eq!(at_path(&doc, "a.z"), None);
    }
}
