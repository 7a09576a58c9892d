//! kubectl-style verbs over the private API: `get`, `describe`, `apply`, `delete`,
//! `edit`, `deploy`, `token create`. Data goes to standard output, diagnostics to
//! standard error.

use super::connection::Target;
use super::{Failure, EXIT_USAGE};
use crate::client::Client;
use crate::daemon::private_api::config_kinds::{self, KINDS};
use anyhow::{anyhow, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value};
use std::io::Read as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}

/// What a KIND argument names.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Config(&'static config_kinds::KindSpec),
    /// `profiles`, `sessions`, `events`.
    Data(&'static str),
    Users,
    All,
}

impl Kind {
    fn parse(s: &str) -> Result<Kind, Failure> {
        let n = s.trim().to_ascii_lowercase();
        let data = match n.as_str() {
            "profile" | "profiles" => Some("profiles"),
            "session" | "sessions" => Some("sessions"),
            "event" | "events" => Some("events"),
            _ => None,
        };
        if let Some(d) = data {
            return Ok(Kind::Data(d));
        }
        match n.as_str() {
            "user" | "users" => return Ok(Kind::Users),
            "all" => return Ok(Kind::All),
            _ => {}
        }
        config_kinds::kind(&n)
            .map(Kind::Config)
            .ok_or_else(|| Failure {
                code: EXIT_USAGE,
                error: anyhow!(
                    "unknown kind `{s}`; kinds: all, profiles, sessions, events, users, {}",
                    KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// The singular name printed in `kind:` and `kind/id`.
    fn label(self) -> &'static str {
        match self {
            Kind::Config(k) => k.name,
            Kind::Data("profiles") => "profile",
            Kind::Data("sessions") => "session",
            Kind::Data(_) => "event",
            Kind::Users => "user",
            Kind::All => "all",
        }
    }
}

/// Display several resources
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl get event-sources\n  tracardictl get rule r1 -o yaml\n  tracardictl get profiles --context production --limit 20\n  tracardictl get events --context production --filter 'type == \"purchase\"'\n  tracardictl get all -o yaml > site.yaml"
)]
pub struct GetArgs {
    /// Kind: all, a configuration kind (event-source, rule, …), profiles, sessions, events, users
    pub kind: String,
    /// One object by id
    pub id: Option<String>,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
    /// Omit the header row of tables
    #[arg(long)]
    pub no_headers: bool,
    /// Records per page for profiles, sessions and events
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Continue a listing after this cursor
    #[arg(long)]
    pub after: Option<String>,
    /// Only what matches a condition on dot paths, e.g. 'traits.plan == "pro"'
    #[arg(long, value_name = "CONDITION")]
    pub filter: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

/// Show one resource in detail (YAML)
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl describe event-source web\n  tracardictl describe profile 1b4e… --context production"
)]
pub struct DescribeArgs {
    /// Kind: a configuration kind (event-source, rule, …), profile, session, event or user
    pub kind: String,
    /// Id of the resource
    pub id: String,
    #[command(flatten)]
    pub target: Target,
}

/// Create or update configuration from files (YAML or JSON, one or many documents)
#[derive(Debug, Args)]
#[command(
    after_help = "Each document names its `kind` (event-source, rule, …) next to its fields.\n\nExamples:\n  tracardictl apply -f site.yaml\n  tracardictl apply -f config/ --dry-run\n  cat rule.json | tracardictl apply -f -"
)]
pub struct ApplyArgs {
    /// File, directory (every .yaml, .yml and .json in it) or `-` for standard input
    #[arg(short = 'f', long = "filename", required = true)]
    pub files: Vec<PathBuf>,
    /// Show what would change, as a diff, and change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub target: Target,
}

/// Delete a resource
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl delete rule r1\n  tracardictl delete profile 1b4e… --context production"
)]
pub struct DeleteArgs {
    /// Kind: a configuration kind (event-source, rule, …), profile, session, event or user
    pub kind: String,
    /// Id of the resource
    pub id: String,
    #[command(flatten)]
    pub target: Target,
}

/// Edit a resource in $EDITOR and apply it on save
#[derive(Debug, Args)]
#[command(
    after_help = "The editor is $VISUAL, else $EDITOR, else vi. A document that is not YAML, or \
        that the API refuses, reopens in the editor with the error as # comments above your \
        text; quitting without saving then keeps your text in a file and exits 1. If the \
        document was changed on the server while it was open, nothing is applied: the change \
        is shown and your text kept in a file (exit 1).\n\nExamples:\n  tracardictl edit rule r1\n  EDITOR=nano tracardictl edit event-source web"
)]
pub struct EditArgs {
    /// Kind: a configuration kind (event-source, rule, …), profile, session, event or user
    pub kind: String,
    /// Id of the resource
    pub id: String,
    #[command(flatten)]
    pub target: Target,
}

/// Copy configuration from staging to production
#[derive(Debug, Args)]
#[command(
    after_help = "A flow locked in production is not overwritten: the deploy is refused, naming \
        it, and copies nothing until the flow is unlocked there.\n\nExamples:\n  tracardictl deploy --dry-run\n  tracardictl deploy rule event-source"
)]
pub struct DeployArgs {
    /// Kinds to copy [default: every kind]
    pub kinds: Vec<String>,
    /// Show what would be copied and change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub target: Target,
}

/// Manage API keys
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl token create --role maintainer --name nightly-export\n  tracardictl token list\n  tracardictl token revoke 8d021257ddc8"
)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a long-lived API key for scripts; prints the key once
    #[command(
        after_help = "Examples:\n  tracardictl token create --role maintainer --name nightly-export\n  tracardictl token create --role developer --expires-days 90"
    )]
    Create {
        /// Role of the key (repeat for several): admin, developer, marketer, maintainer
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Name shown when listing keys [default: who created it]
        #[arg(long)]
        name: Option<String>,
        /// Days until the key expires, 1 to 36500 [default: never]
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::daemon::private_api::auth::MAX_KEY_DAYS)))]
        expires_days: Option<u32>,
        #[command(flatten)]
        target: Target,
    },
    /// List the API keys and login tokens of this tenant (never their secrets)
    #[command(
        after_help = "Examples:\n  tracardictl token list\n  tracardictl token list -o json"
    )]
    List {
        /// Output format
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: Output,
        #[command(flatten)]
        target: Target,
    },
    /// Revoke an API key or login token by the id `token list` shows
    #[command(after_help = "Examples:\n  tracardictl token revoke 8d021257ddc8")]
    Revoke {
        /// The token's id (the first 12 characters of its hash)
        id: String,
        #[command(flatten)]
        target: Target,
    },
}

/// A document with `kind` first.
fn with_kind(kind: &str, doc: Value) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.into()));
    if let Value::Object(o) = doc {
        for (k, v) in o {
            if k != "kind" {
                m.insert(k, v);
            }
        }
    }
    Value::Object(m)
}

fn s(v: &Value, path: &str) -> String {
    let mut cur = v;
    for k in path.split('.') {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

fn first_of(v: &Value, paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| s(v, p))
        .find(|x| !x.is_empty())
        .unwrap_or_default()
}

/// Table columns of a kind: (header, value).
fn row(kind: Kind, v: &Value, wide: bool) -> Vec<(&'static str, String)> {
    let mut cols = match kind {
        Kind::Data("profiles") => vec![
            ("ID", s(v, "id")),
            ("VISITS", s(v, "metadata.time.visit.count")),
            ("INSERTED", s(v, "metadata.time.insert")),
        ],
        Kind::Data("sessions") => vec![
            ("ID", s(v, "id")),
            ("PROFILE", s(v, "profile.id")),
            ("STATUS", s(v, "metadata.status")),
            ("INSERTED", s(v, "metadata.time.insert")),
        ],
        Kind::Data(_) => vec![
            ("ID", s(v, "id")),
            ("TYPE", s(v, "type")),
            ("PROFILE", s(v, "profile.id")),
            ("INSERTED", s(v, "metadata.time.insert")),
        ],
        Kind::Users => vec![
            ("ID", s(v, "id")),
            ("EMAIL", s(v, "email")),
            ("ROLES", s(v, "roles")),
        ],
        Kind::Config(_) | Kind::All => vec![
            ("KIND", s(v, "kind")),
            ("ID", s(v, "id")),
            (
                "NAME",
                first_of(v, &["name", "event_type.id", "event_type"]),
            ),
            ("ENABLED", s(v, "enabled")),
        ],
    };
    if wide {
        match kind {
            Kind::Data("profiles") => cols.push(("EMAIL", s(v, "data.contact.email.main"))),
            Kind::Data("sessions") => cols.push(("DEVICE", s(v, "device.type"))),
            Kind::Data(_) => cols.push(("SOURCE", s(v, "source.id"))),
            Kind::Users => cols.push(("ENABLED", s(v, "enabled"))),
            Kind::Config(_) | Kind::All => {
                cols.push(("TYPE", s(v, "type")));
                cols.push(("TAGS", s(v, "tags")));
            }
        }
    }
    if let Kind::Config(_) = kind {
        cols.remove(0);
    }
    cols
}

fn table(kind: Kind, docs: &[Value], wide: bool, headers: bool) -> String {
    let rows: Vec<Vec<(&str, String)>> = docs.iter().map(|d| row(kind, d, wide)).collect();
    let header: Vec<&str> = row(kind, &Value::Null, wide).iter().map(|c| c.0).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, (_, v)) in r.iter().enumerate() {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}   ", w = widths[i]));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = String::new();
    if headers {
        out.push_str(&line(header.clone()));
    }
    for r in &rows {
        out.push_str(&line(r.iter().map(|c| c.1.as_str()).collect()));
    }
    out
}

fn yaml(doc: &Value) -> Result<String, Failure> {
    Ok(serde_yaml::to_string(doc).context("cannot render YAML")?)
}

fn render(
    kind: Kind,
    docs: Vec<Value>,
    single: bool,
    out: Output,
    headers: bool,
) -> Result<String, Failure> {
    let label = kind.label();
    let docs: Vec<Value> = docs
        .into_iter()
        .map(|d| match kind {
            // `get all` documents carry their kind already.
            Kind::All => d,
            _ => with_kind(label, d),
        })
        .collect();
    Ok(match out {
        Output::Table | Output::Wide => table(kind, &docs, out == Output::Wide, headers),
        Output::Name => docs
            .iter()
            .map(|d| format!("{}/{}\n", s(d, "kind"), s(d, "id")))
            .collect(),
        Output::Json => {
            let v = if single {
                docs.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(docs)
            };
            serde_json::to_string_pretty(&v).context("cannot render JSON")? + "\n"
        }
        Output::Yaml => {
            let mut text = String::new();
            for (i, d) in docs.iter().enumerate() {
                if i > 0 {
                    text.push_str("---\n");
                }
                text.push_str(&yaml(d)?);
            }
            text
        }
    })
}

async fn fetch_one(c: &Client, kind: Kind, id: &str) -> Result<Value, Failure> {
    Ok(match kind {
        Kind::Config(k) => c.get_config(k.name, id).await?,
        Kind::Data(what) => c.get_record(what, id).await?,
        Kind::Users => {
            c.call(reqwest::Method::GET, &format!("/users/{id}"), None)
                .await?
        }
        Kind::All => {
            return Err(Failure {
                code: EXIT_USAGE,
                error: anyhow!("`all` takes no id"),
            })
        }
    })
}

pub fn get(args: &GetArgs) -> Result<(), Failure> {
    let kind = Kind::parse(&args.kind)?;
    let c = args.target.client()?;
    let rt = super::runtime()?;
    let (docs, single) = rt.block_on(async {
        if let Some(id) = &args.id {
            return Ok::<_, Failure>((vec![fetch_one(&c, kind, id).await?], true));
        }
        // The server evaluates the condition (and refuses an invalid one with 400).
        let filtered = |path: String| match &args.filter {
            Some(f) => format!(
                "{path}?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("filter", f)
                    .finish()
            ),
            None => path,
        };
        if args.filter.is_some() && matches!(kind, Kind::Users | Kind::All) {
            return Err(Failure {
                code: EXIT_USAGE,
                error: anyhow!(
                    "--filter applies to one configuration kind, profiles, sessions or events"
                ),
            });
        }
        let docs = match kind {
            Kind::Config(k) => {
                c.all(&filtered(format!("/config/{}", k.name)), 1000)
                    .await?
            }
            Kind::Users => c.all("/users", 1000).await?,
            Kind::Data(what) => {
                let page = c
                    .page(
                        &filtered(format!("/{what}")),
                        args.limit,
                        args.after.as_deref(),
                    )
                    .await?;
                if let Some(next) = &page.next {
                    eprintln!("tracardictl: more {what}: continue with --after {next}");
                }
                page.items
            }
            Kind::All => {
                let mut all = Vec::new();
                for k in KINDS {
                    for d in c.list_config(k.name).await? {
                        all.push(with_kind(k.name, d));
                    }
                }
                all
            }
        };
        Ok((docs, false))
    })?;
    if docs.is_empty() && matches!(args.output, Output::Table | Output::Wide) {
        eprintln!("No resources found.");
        return Ok(());
    }
    print!(
        "{}",
        render(kind, docs, single, args.output, !args.no_headers)?
    );
    Ok(())
}

pub fn describe(args: &DescribeArgs) -> Result<(), Failure> {
    let kind = Kind::parse(&args.kind)?;
    let c = args.target.client()?;
    let doc = super::runtime()?.block_on(fetch_one(&c, kind, &args.id))?;
    print!("{}", render(kind, vec![doc], true, Output::Yaml, true)?);
    Ok(())
}

/// Every document in the files named: YAML (multi-document) or JSON (object or list).
fn read_documents(files: &[PathBuf]) -> Result<Vec<(String, Value)>, Failure> {
    let mut paths = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(f)
                .with_context(|| format!("cannot read directory {}", f.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
                })
                .collect();
            inside.sort();
            paths.extend(inside);
        } else {
            paths.push(f.clone());
        }
    }
    let mut docs = Vec::new();
    for p in paths {
        let (name, text) = if p == Path::new("-") {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read standard input")?;
            ("<stdin>".to_string(), s)
        } else {
            let s = std::fs::read_to_string(&p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            (p.display().to_string(), s)
        };
        docs.extend(parse_documents(&name, &text)?);
    }
    Ok(docs)
}

fn parse_documents(name: &str, text: &str) -> Result<Vec<(String, Value)>, Failure> {
    // Editors on some systems start files with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let v: Value =
            serde_json::from_str(text).with_context(|| format!("{name}: invalid JSON"))?;
        match v {
            Value::Array(items) => {
                for (i, d) in items.into_iter().enumerate() {
                    out.push((format!("{name}[{i}]"), d));
                }
            }
            d => out.push((name.to_string(), d)),
        }
        return Ok(out);
    }
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let v = <Value as serde::Deserialize>::deserialize(de)
            .with_context(|| format!("{name}: document {}: invalid YAML", i + 1))?;
        if !v.is_null() {
            out.push((format!("{name} (document {})", i + 1), v));
        }
    }
    Ok(out)
}

fn diff(before: &Value, after: &Value) -> Result<String, Failure> {
    let a = if before.is_null() {
        String::new()
    } else {
        yaml(before)?
    };
    let b = yaml(after)?;
    Ok(similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header("live", "applied")
        .to_string())
}

/// Ids of what a batch creates, for a dry run to take as existing (the documents after
/// them may name them).
#[derive(Debug, Default)]
struct Batch {
    sources: Vec<String>,
    resources: Vec<String>,
}

impl Batch {
    fn of(docs: &[(String, Value)]) -> Batch {
        let ids = |kind: &str| -> Vec<String> {
            docs.iter()
                .filter(|(_, d)| {
                    d.get("kind")
                        .and_then(Value::as_str)
                        .and_then(config_kinds::kind)
                        .is_some_and(|k| k.name == kind)
                })
                .filter_map(|(_, d)| d.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        Batch {
            sources: ids(crate::store::kinds::EVENT_SOURCE),
            resources: ids(crate::daemon::destinations::RESOURCE_KIND),
        }
    }
}

async fn apply_one(
    c: &Client,
    doc: Value,
    dry_run: bool,
    batch: &Batch,
) -> Result<String, Failure> {
    let kind_name = doc
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing `kind` (event-source, rule, …)"))?
        .to_string();
    let spec =
        config_kinds::kind(&kind_name).ok_or_else(|| anyhow!("unknown kind `{kind_name}`"))?;
    let mut body = doc;
    if let Value::Object(m) = &mut body {
        m.shift_remove("kind");
    }
    let answer = c
        .apply_assuming(spec.name, &body, dry_run, &batch.sources, &batch.resources)
        .await?;
    let result = s(&answer, "result");
    let mut line = format!("{}/{} {result}", spec.name, s(&answer, "id"));
    if dry_run {
        line.push_str(" (dry run)\n");
        if result != "unchanged" {
            let before = answer.get("before").cloned().unwrap_or(Value::Null);
            let after = answer.get("object").cloned().unwrap_or(Value::Null);
            line.push_str(&diff(&before, &after)?);
        }
    } else {
        line.push('\n');
    }
    Ok(line)
}

pub fn apply(args: &ApplyArgs) -> Result<(), Failure> {
    let docs = read_documents(&args.files)?;
    if docs.is_empty() {
        let names: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
        return Err(anyhow!("no documents to apply in {}", names.join(", ")).into());
    }
    // A dry run writes nothing, so documents naming a source or resource created earlier
    // in the same batch must tell the server to take it as existing.
    let batch = Batch::of(&docs);
    let c = args.target.client()?;
    let rt = super::runtime()?;
    let mut failed = 0;
    // Not signed in or not allowed: the exit code says so when every failure was that.
    let mut denied = 0;
    // A bar only for imports long enough to wait for; hidden when stderr is no terminal.
    let bar = if docs.len() > 10 {
        super::apm::progress_bar(docs.len() as u64, "documents")
    } else {
        indicatif::ProgressBar::hidden()
    };
    rt.block_on(async {
        for (name, doc) in docs {
            match apply_one(&c, doc, args.dry_run, &batch).await {
                Ok(line) => bar.suspend(|| print!("{line}")),
                Err(f) => {
                    failed += 1;
                    if f.code == super::EXIT_AUTH {
                        denied += 1;
                    }
                    bar.suspend(|| eprintln!("tracardictl: error: {name}: {:#}", f.error));
                }
            }
            bar.inc(1);
        }
    });
    bar.finish_and_clear();
    if failed > 0 {
        let error = anyhow!("{failed} document(s) were not applied");
        if denied == failed {
            return Err(Failure {
                code: super::EXIT_AUTH,
                error,
            });
        }
        return Err(error.into());
    }
    Ok(())
}

pub fn delete(args: &DeleteArgs) -> Result<(), Failure> {
    let kind = Kind::parse(&args.kind)?;
    let c = args.target.client()?;
    let rt = super::runtime()?;
    let answer = rt.block_on(async {
        Ok::<_, Failure>(match kind {
            Kind::Config(k) => c.delete_config(k.name, &args.id).await?,
            Kind::Data(what) => c.delete_record(what, &args.id).await?,
            Kind::Users => {
                c.call(
                    reqwest::Method::DELETE,
                    &format!("/users/{}", args.id),
                    None,
                )
                .await?
            }
            Kind::All => {
                return Err(Failure {
                    code: EXIT_USAGE,
                    error: anyhow!("cannot delete `all`"),
                })
            }
        })
    })?;
    println!("{}/{} deleted", kind.label(), args.id);
    if let Some(d) = answer.get("deleted").and_then(Value::as_object) {
        // What went with it (a profile's sessions, events and merge records), as counts.
        let counts: Vec<String> = d
            .iter()
            .filter_map(|(k, v)| v.as_u64().map(|n| format!("{n} {k}")))
            .collect();
        if !counts.is_empty() {
            eprintln!("tracardictl: deleted with it: {}", counts.join(", "));
        }
    }
    Ok(())
}

/// How many times `edit` reopens a refused document before it gives up.
const EDIT_ROUNDS: u32 = 20;

// The comment block above a document reopened after an error is the TUI editor's: one
// form for both.
use crate::tui::app::{annotate, strip_annotation};

/// A new file in the temp dir, readable by its owner only (the document may hold
/// configuration others on the host should not read), holding `text`.
fn private_temp_file(text: &str) -> anyhow::Result<PathBuf> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = std::env::temp_dir().join(format!("tracardictl-edit-{}.yaml", uuid::Uuid::new_v4()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Keeps the user's text in a file that stays; where, for the message.
fn keep_edit(text: &str) -> String {
    match private_temp_file(text) {
        Ok(p) => format!("your edit is kept in {}", p.display()),
        Err(e) => format!("your edit could not be kept ({e:#})"),
    }
}

/// Opens the editor on `text`; the text it saved, and whether the editor succeeded.
fn run_editor(editor: &str, text: &str) -> anyhow::Result<(String, std::process::ExitStatus)> {
    let path = private_temp_file(text)?;
    // Through the shell, so that EDITOR may carry arguments (`code --wait`).
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("tracardictl-edit")
        .arg(&path)
        .status()
        .with_context(|| format!("cannot run the editor `{editor}`"));
    let edited =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()));
    let _ = std::fs::remove_file(&path);
    Ok((edited?, status?))
}

/// Whether a failed apply is a refusal of the text (reopened for the user to fix) rather
/// than a failure to reach or use the server.
fn refused_text(f: &Failure) -> bool {
    match f.error.downcast_ref::<crate::client::ClientError>() {
        Some(e) => matches!(e.status(), Some(400 | 409 | 422)),
        // No call was made: the document itself is wrong (no `kind`, an unknown kind).
        None => true,
    }
}

/// Whether the server's copy of the document is still `base`, the one the edit began
/// from; if not, what changed (a diff, or that it was deleted).
async fn changed_meanwhile(
    c: &Client,
    kind: &str,
    id: &str,
    base: &Value,
) -> Result<Option<String>, Failure> {
    let now = match c.get_config(kind, id).await {
        Ok(now) if now == *base => return Ok(None),
        Ok(now) => now,
        Err(e) if e.status() == Some(404) => {
            return Ok(Some(format!(
                "{kind}/{id} was deleted on the server since the edit began"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let diff = similar::TextDiff::from_lines(&yaml(base)?, &yaml(&now)?)
        .unified_diff()
        .header("as the edit began", "on the server now")
        .to_string();
    Ok(Some(format!(
        "{kind}/{id} was changed on the server since the edit began:\n{}",
        diff.trim_end()
    )))
}

pub fn edit(args: &EditArgs) -> Result<(), Failure> {
    let kind = Kind::parse(&args.kind)?;
    let Kind::Config(spec) = kind else {
        return Err(Failure {
            code: EXIT_USAGE,
            error: anyhow!("only configuration can be edited"),
        });
    };
    let c = args.target.client()?;
    let rt = super::runtime()?;
    // The document as the edit began: if the server's copy differs from it when the edit
    // is saved, someone else changed it meanwhile and the edit would undo their change.
    let base = rt.block_on(c.get_config(spec.name, &args.id))?;
    let original = yaml(&with_kind(spec.name, base.clone()))?;
    let set = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let editor = set("VISUAL")
        .or_else(|| set("EDITOR"))
        .unwrap_or_else(|| "vi".into());
    // What the editor opens on: the document, then the user's text with the error that
    // refused it, until it applies or the user gives up.
    let mut shown = original.clone();
    let mut refused: Option<String> = None;
    for round in 1.. {
        if round > EDIT_ROUNDS {
            // An editor that changes the file without anyone reading it (a script) would
            // otherwise be reopened for ever.
            let why = refused.as_deref().unwrap_or_default();
            return Err(anyhow!(
                "edit given up after {EDIT_ROUNDS} refused saves; nothing applied ({}); {}",
                why.lines().next().unwrap_or_default(),
                keep_edit(strip_annotation(&shown))
            )
            .into());
        }
        let (edited, status) = run_editor(&editor, &shown)?;
        let text = strip_annotation(&edited).to_string();
        if !status.success() {
            let kept = if text == strip_annotation(&shown) && refused.is_none() {
                "nothing was changed".to_string()
            } else {
                keep_edit(&text)
            };
            return Err(anyhow!(
                "the editor `{editor}` failed ({status}); nothing applied; {kept}"
            )
            .into());
        }
        if let Some(why) = &refused {
            // Saved again without a change: the user gives up on the refused text.
            if edited == shown || text == strip_annotation(&shown) {
                return Err(anyhow!(
                    "edit cancelled; nothing applied ({}); {}",
                    why.lines().next().unwrap_or_default(),
                    keep_edit(&text)
                )
                .into());
            }
        } else if edited == original {
            eprintln!("Edit cancelled, no changes made.");
            return Ok(());
        }
        let doc = match parse_documents("edited file", &text) {
            Ok(docs) => match docs.into_iter().next() {
                Some((_, doc)) => doc,
                None => {
                    eprintln!("Edit cancelled: the file is empty.");
                    return Ok(());
                }
            },
            Err(f) => {
                let why = format!("{:#}", f.error);
                shown = annotate(&text, &why);
                refused = Some(why);
                continue;
            }
        };
        // Saved as the same kind and id, it replaces the document the edit began from.
        let same = doc.get("id").and_then(Value::as_str) == Some(args.id.as_str())
            && doc
                .get("kind")
                .and_then(Value::as_str)
                .and_then(config_kinds::kind)
                .is_some_and(|k| k.name == spec.name);
        if same {
            let change = match rt.block_on(changed_meanwhile(&c, spec.name, &args.id, &base)) {
                Ok(change) => change,
                Err(f) => {
                    return Err(Failure {
                        code: f.code,
                        error: f
                            .error
                            .context(format!("nothing applied; {}", keep_edit(&text))),
                    })
                }
            };
            if let Some(change) = change {
                let kept = match private_temp_file(&text) {
                    Ok(p) => format!(
                        "Your edit is kept in {p}: `tracardictl edit {kind} {id}` starts again \
                         from the server's version, `tracardictl apply -f {p}` applies your \
                         edit over theirs",
                        p = p.display(),
                        kind = spec.name,
                        id = args.id
                    ),
                    Err(e) => format!("Your edit could not be kept ({e:#})"),
                };
                return Err(anyhow!("{change}\nNothing was applied. {kept}").into());
            }
        }
        match rt.block_on(apply_one(&c, doc, false, &Batch::default())) {
            Ok(line) => {
                print!("{line}");
                return Ok(());
            }
            Err(f) if refused_text(&f) => {
                let why = format!("{:#}", f.error);
                shown = annotate(&text, &why);
                refused = Some(why);
            }
            Err(f) => {
                let kept = keep_edit(&text);
                return Err(Failure {
                    code: f.code,
                    error: f.error.context(format!("nothing applied; {kept}")),
                });
            }
        }
    }
    Ok(())
}

pub fn deploy(args: &DeployArgs) -> Result<(), Failure> {
    let c = args.target.client()?;
    let answer = super::runtime()?.block_on(c.deploy(&args.kinds, args.dry_run))?;
    if let Some(changes) = answer.get("changes").and_then(Value::as_array) {
        for ch in changes {
            println!("{}/{} {}", s(ch, "kind"), s(ch, "id"), s(ch, "result"));
        }
    }
    eprintln!(
        "tracardictl: staging → production{}: {} created, {} configured, {} unchanged",
        if args.dry_run { " (dry run)" } else { "" },
        s(&answer, "summary.created"),
        s(&answer, "summary.configured"),
        s(&answer, "summary.unchanged"),
    );
    Ok(())
}

pub fn token(args: &TokenArgs) -> Result<(), Failure> {
    match &args.command {
        TokenCommand::Create {
            roles,
            name,
            expires_days,
            target,
        } => {
            let c = target.client()?;
            let rt = super::runtime()?;
            let answer = rt.block_on(c.create_api_key(roles, name.as_deref(), *expires_days))?;
            // The secret is shown once: if it cannot be written out, nobody holds the key,
            // so it is revoked again rather than left working.
            let shown = {
                use std::io::Write as _;
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", s(&answer, "access_token")).and_then(|()| out.flush())
            };
            if let Err(e) = shown {
                let id = s(&answer, "id");
                let revoked = rt.block_on(c.call(
                    reqwest::Method::DELETE,
                    &format!("/tokens/{}", enc_path(&id)),
                    None,
                ));
                let fate = match revoked {
                    Ok(_) => "it was revoked again".to_string(),
                    Err(r) => format!("revoke it with `tracardictl token revoke {id}` ({r:#})"),
                };
                return Err(anyhow::anyhow!(
                    "cannot write the new API key {id} to standard output ({e}); {fate}"
                )
                .into());
            }
            eprintln!(
                "tracardictl: API key {} created (roles: {}); it is shown once",
                s(&answer, "id"),
                s(&answer, "roles")
            );
            Ok(())
        }
        TokenCommand::List { output, target } => {
            let c = target.client()?;
            let items = super::runtime()?.block_on(c.all("/tokens", 1000))?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&items)?),
                Output::Yaml => print!("{}", serde_yaml::to_string(&items)?),
                Output::Name => {
                    for t in &items {
                        println!("token/{}", s(t, "id"));
                    }
                }
                Output::Table | Output::Wide => {
                    if items.is_empty() {
                        eprintln!("No resources found.");
                        return Ok(());
                    }
                    let rows: Vec<[String; 5]> = items
                        .iter()
                        .map(|t| {
                            let expires = match t.get("expires") {
                                Some(Value::String(e)) => e.clone(),
                                _ => "never".into(),
                            };
                            [
                                s(t, "id"),
                                s(t, "kind"),
                                s(t, "roles"),
                                expires,
                                s(t, "name"),
                            ]
                        })
                        .collect();
                    let head = ["ID", "KIND", "ROLES", "EXPIRES", "NAME"];
                    let width = |i: usize| {
                        rows.iter()
                            .map(|r| r[i].chars().count())
                            .chain([head[i].len()])
                            .max()
                            .unwrap_or(0)
                    };
                    let widths: Vec<usize> = (0..4).map(width).collect();
                    let line = |cells: [&str; 5]| {
                        let mut out = String::new();
                        for (i, w) in widths.iter().enumerate() {
                            out.push_str(&format!("{:<w$}   ", cells[i], w = *w));
                        }
                        out.push_str(cells[4]);
                        out
                    };
                    println!("{}", line(head));
                    for r in &rows {
                        println!("{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
                    }
                }
            }
            Ok(())
        }
        TokenCommand::Revoke { id, target } => {
            let c = target.client()?;
            super::runtime()?.block_on(c.call(
                reqwest::Method::DELETE,
                &format!("/tokens/{}", enc_path(id)),
                None,
            ))?;
            println!("token/{id} revoked");
            Ok(())
        }
    }
}

fn enc_path(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_from_yaml_and_json() {
        let docs = parse_documents("x", "kind: rule\nid: a\n---\nkind: flow\nid: b\n")
            .map_err(|f| f.error)
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].1["kind"], "flow");
        let docs = parse_documents("x", "[{\"kind\": \"rule\"}, {\"kind\": \"flow\"}]")
            .map_err(|f| f.error)
            .unwrap();
        assert_eq!(docs.len(), 2);
        assert!(parse_documents("x", "{nope").is_err());
    }
}
