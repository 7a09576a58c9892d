//! `tracardictl flow`: validate, convert, dry-run flows; drafts, deploys, locks and
//! traces on the local store (offline: a running daemon holding the store refuses it).

use super::tql::{parse_now, read_json};
use super::{Cli, Failure};
use crate::config::Overrides;
use crate::domain::{Context, Scope};
use crate::workflow::engine::{self, DryRunData, EngineOptions, WorkflowEngine};
use crate::workflow::flow::{self, FlowDocument};
use crate::workflow::plugins;
use crate::workflow::runtime::RunResult;
use anyhow::{anyhow, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Validate, convert, test and inspect workflows
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl flow validate welcome.yaml\n  tracardictl flow convert exported.json --to yaml\n  tracardictl flow run welcome.yaml --event event.json --profile profile.json\n  tracardictl flow trace 00061c3f2a9b1c40-1f2e3d4c\n  tracardictl flow plugins"
)]
pub struct FlowArgs {
    #[command(subcommand)]
    pub command: FlowCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shape {
    /// The concise form (YAML)
    Yaml,
    /// Tracardi's JSON shape
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Which store data offline commands read.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Context of the data [default: the collector's context from the configuration]
    #[arg(long, value_enum)]
    pub context: Option<ContextArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ContextArg {
    Staging,
    Production,
}

#[derive(Debug, Subcommand)]
pub enum FlowCommand {
    /// Check a flow file (either shape) as saving would: plugins, init, edges, cycles
    #[command(
        after_help = "Examples:\n  tracardictl flow validate welcome.yaml\n  tracardictl flow validate exported-from-tracardi.json"
    )]
    Validate {
        /// A flow file (YAML or JSON)
        file: PathBuf,
    },
    /// Convert a flow file between the concise YAML form and Tracardi's JSON shape
    #[command(
        after_help = "Examples:\n  tracardictl flow convert exported.json --to yaml > welcome.yaml\n  tracardictl flow convert welcome.yaml --to json"
    )]
    Convert {
        /// A flow file (YAML or JSON)
        file: PathBuf,
        /// The shape to print
        #[arg(long, value_enum, default_value = "yaml")]
        to: Shape,
    },
    /// Dry-run a flow over JSON files: nothing is stored; prints the result and trace
    #[command(
        long_about = "Dry-run a flow over JSON files: nothing is stored; prints the \
        result, the changed profile and the trace.\n\nFLOW is a flow file (YAML or JSON), or \
        the id of a stored flow (its draft, or with --deployed its deployed version) read \
        offline from the data directory.",
        after_help = "Examples:\n  tracardictl flow run welcome.yaml --event event.json --profile profile.json\n  tracardictl flow run welcome --deployed --event event.json -o json"
    )]
    Run {
        /// A flow file or a stored flow id
        flow: String,
        /// The event (JSON file or -); its properties are the initial payload
        #[arg(long, value_name = "FILE")]
        event: Option<PathBuf>,
        /// The profile (JSON file or -)
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// The session (JSON file or -)
        #[arg(long, value_name = "FILE")]
        session: Option<PathBuf>,
        /// Treat the profile as created by this request
        #[arg(long)]
        new_profile: bool,
        /// Treat the session as new (a new visit)
        #[arg(long)]
        new_session: bool,
        /// The time `now()` returns (RFC 3339)
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Run the deployed version of a stored flow instead of its draft
        #[arg(long)]
        deployed: bool,
        /// Output format
        #[arg(short, long, value_enum, default_value = "text")]
        output: OutputFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a stored run trace
    #[command(
        after_help = "Examples:\n  tracardictl flow trace 00061c3f2a9b1c40-1f2e3d4c\n  tracardictl flow trace 00061c3f2a9b1c40-1f2e3d4c -o json --context staging"
    )]
    Trace {
        /// Id of the run (see `flow traces`)
        run_id: String,
        /// Output format
        #[arg(short, long, value_enum, default_value = "text")]
        output: OutputFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List stored run traces, newest first
    #[command(
        after_help = "Examples:\n  tracardictl flow traces\n  tracardictl flow traces --flow welcome --limit 5"
    )]
    Traces {
        /// Only traces of this flow
        #[arg(long)]
        flow: Option<String>,
        /// How many traces to list
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Save a flow file as the draft of its flow (offline)
    #[command(
        after_help = "Examples:\n  tracardictl flow draft welcome.yaml\n  tracardictl flow draft welcome.yaml --context production"
    )]
    Draft {
        /// A flow file (YAML or JSON)
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Publish a flow's draft: rules run the deployed version (offline)
    #[command(after_help = "Examples:\n  tracardictl flow deploy welcome")]
    Deploy {
        /// Id of the flow
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Lock a flow against edits (offline)
    #[command(
        after_help = "Examples:\n  tracardictl flow lock welcome\n  tracardictl flow lock welcome --unlock"
    )]
    Lock {
        /// Id of the flow
        id: String,
        /// Unlock instead
        #[arg(long)]
        unlock: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the plugins flows can use
    #[command(
        after_help = "Examples:\n  tracardictl flow plugins\n  tracardictl flow plugins -o json"
    )]
    Plugins {
        /// Output format
        #[arg(short, long, value_enum, default_value = "text")]
        output: OutputFormat,
    },
}

fn read_flow_file(path: &Path) -> anyhow::Result<FlowDocument> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the flow {}", path.display()))?;
    FlowDocument::from_text(&text).with_context(|| format!("flow {}", path.display()))
}

struct Offline {
    engine: WorkflowEngine,
    scope: Scope,
    store: crate::store::SharedStore,
}

impl Offline {
    async fn open(cli: &Cli, args: &StoreArgs) -> anyhow::Result<Offline> {
        let config = cli.load_config(Overrides::default())?;
        let store = crate::daemon::open_store(&config).await?;
        let context = match args.context {
            Some(ContextArg::Staging) => Context::Staging,
            Some(ContextArg::Production) => Context::Production,
            None => config.collector.context,
        };
        Ok(Offline {
            engine: WorkflowEngine::new(store.clone(), EngineOptions::default()),
            scope: Scope::new(config.tenant.clone(), context),
            store,
        })
    }

    async fn close(self) -> anyhow::Result<()> {
        self.store.durable().await?;
        Ok(())
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn run(cli: &Cli, args: &FlowArgs) -> Result<(), Failure> {
    runtime()?
        .block_on(run_async(cli, args))
        .map_err(Failure::from)
}

async fn run_async(cli: &Cli, args: &FlowArgs) -> anyhow::Result<()> {
    match &args.command {
        FlowCommand::Validate { file } => {
            let doc = read_flow_file(file)?;
            let compiled =
                flow::compile(&doc).with_context(|| format!("flow {}", file.display()))?;
            println!(
                "flow `{}` is valid: {} nodes, {} edges, {} start node(s)",
                doc.id,
                compiled.nodes.len(),
                doc.flow_graph.edges.len(),
                compiled.starts.len()
            );
        }
        FlowCommand::Convert { file, to } => {
            let doc = read_flow_file(file)?;
            match to {
                Shape::Yaml => print!("{}", doc.to_yaml()),
                Shape::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
            }
        }
        FlowCommand::Run {
            flow,
            event,
            profile,
            session,
            new_profile,
            new_session,
            now,
            deployed,
            output,
            store,
        } => {
            let path = Path::new(flow);
            let dashes = [event, profile, session]
                .iter()
                .filter(|p| p.as_deref() == Some(Path::new("-")))
                .count();
            if dashes > 1 {
                return Err(anyhow!("only one of the files can be `-` (standard input)"));
            }
            let doc = if path.is_file() {
                read_flow_file(path)?
            } else {
                let offline = Offline::open(cli, store).await?;
                let doc = if *deployed {
                    let d = offline
                        .store
                        .config(&offline.scope, engine::kinds::FLOW, flow)
                        .await?
                        .ok_or_else(|| {
                            anyhow!(
                                "no file `{flow}` and no deployed flow with that id in {}",
                                offline.scope
                            )
                        })?;
                    FlowDocument::from_value(&d)?
                } else {
                    offline
                        .engine
                        .draft(&offline.scope, flow)
                        .await
                        .with_context(|| {
                            format!(
                                "no file `{flow}`, and reading it from the store in {} failed",
                                offline.scope
                            )
                        })?
                };
                offline.close().await?;
                doc
            };
            let compiled = flow::compile(&doc).with_context(|| format!("flow `{}`", doc.id))?;
            let mut event_v = read_json(event.as_deref(), "event")?;
            if event_v.get("properties").is_none() {
                if let Value::Object(m) = &mut event_v {
                    m.insert("properties".into(), Value::Object(Default::default()));
                }
            }
            let data = DryRunData {
                profile: read_json(profile.as_deref(), "profile")?,
                session: read_json(session.as_deref(), "session")?,
                event: event_v,
                new_profile: *new_profile,
                new_session: *new_session,
            };
            let now = parse_now(now.as_deref())?;
            let services = plugins::Services::default();
            let (result, ctx) = run_with_now(&compiled, data, &services, now).await;
            match output {
                OutputFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "result": result,
                        "profile": ctx.profile,
                        "session": ctx.session,
                        "event": ctx.event,
                    }))?
                ),
                OutputFormat::Text => {
                    print_result(&result);
                    println!("profile after the run:");
                    println!("{}", serde_json::to_string_pretty(&ctx.profile)?);
                }
            }
            if !result.errors.is_empty() {
                return Err(anyhow!("the run had {} error(s)", result.errors.len()));
            }
        }
        FlowCommand::Trace {
            run_id,
            output,
            store,
        } => {
            let offline = Offline::open(cli, store).await?;
            let doc = offline
                .engine
                .trace(&offline.scope, run_id)
                .await?
                .ok_or_else(|| {
                    super::NotFound(format!("no trace `{run_id}` in {}", offline.scope))
                })?;
            offline.close().await?;
            match output {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
                OutputFormat::Text => {
                    let result: RunResult = serde_json::from_value(doc)
                        .map_err(|e| anyhow!("trace `{run_id}` cannot be read: {e}"))?;
                    print_result(&result);
                }
            }
        }
        FlowCommand::Traces { flow, limit, store } => {
            let offline = Offline::open(cli, store).await?;
            let docs = offline
                .engine
                .traces(&offline.scope, flow.as_deref(), *limit)
                .await?;
            offline.close().await?;
            println!(
                "{:<26} {:<20} {:<27} {:>10} {:>6}",
                "RUN", "FLOW", "STARTED", "MICROS", "ERRORS"
            );
            for d in docs {
                let s = engine::trace_summary(&d);
                let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                println!(
                    "{:<26} {:<20} {:<27} {:>10} {:>6}",
                    text("id"),
                    text("flow_id"),
                    text("started"),
                    s.get("duration_us").cloned().unwrap_or(Value::Null),
                    s.get("errors").cloned().unwrap_or(Value::Null)
                );
            }
        }
        FlowCommand::Draft { file, store } => {
            let doc = read_flow_file(file)?;
            let offline = Offline::open(cli, store).await?;
            let saved = offline
                .engine
                .save_draft(&offline.scope, &doc.to_value())
                .await?;
            offline.close().await?;
            println!(
                "draft of flow `{}` saved; `tracardictl flow deploy {}` publishes it",
                saved.id, saved.id
            );
        }
        FlowCommand::Deploy { id, store } => {
            let offline = Offline::open(cli, store).await?;
            let draft = offline.engine.draft(&offline.scope, id).await?;
            if crate::daemon::private_api::flows::deploy_would_overwrite_lock(
                offline.store.as_ref(),
                &offline.scope,
                &draft,
            )
            .await?
            {
                anyhow::bail!(
                    "flow `{id}` is locked in {ctx}; its deployed version is kept. Unlock it \
                     first (`tracardictl flow lock {id} --unlock --context {ctx}`), then deploy again",
                    ctx = offline.scope.context.as_str()
                );
            }
            offline.engine.deploy(&offline.scope, id).await?;
            offline.close().await?;
            println!("flow `{id}` deployed");
        }
        FlowCommand::Lock { id, unlock, store } => {
            let offline = Offline::open(cli, store).await?;
            offline.engine.set_lock(&offline.scope, id, !unlock).await?;
            offline.close().await?;
            println!(
                "flow `{id}` {}",
                if *unlock { "unlocked" } else { "locked" }
            );
        }
        FlowCommand::Plugins { output } => match output {
            OutputFormat::Json => {
                let all: Vec<Value> = plugins::registry().iter().map(|p| p.describe()).collect();
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
            OutputFormat::Text => {
                println!(
                    "{:<26} {:<12} {:<22} {:<26} NAME",
                    "ID", "FAMILY", "INPUTS", "OUTPUTS"
                );
                for p in plugins::registry() {
                    println!(
                        "{:<26} {:<12} {:<22} {:<26} {}",
                        p.id,
                        p.family,
                        p.inputs.join(","),
                        p.outputs.join(","),
                        p.name
                    );
                }
            }
        },
    }
    Ok(())
}

async fn run_with_now(
    compiled: &flow::CompiledFlow,
    data: DryRunData,
    services: &plugins::Services,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> (RunResult, crate::workflow::notation::DotContext) {
    let budget = EngineOptions::default().budget;
    match now {
        None => engine::dry_run_compiled(compiled, data, services, budget).await,
        Some(now) => engine::dry_run_compiled_at(compiled, data, services, budget, now).await,
    }
}

fn print_result(r: &RunResult) {
    println!(
        "run {} of flow `{}` ({}): {} µs",
        r.run_id, r.flow_id, r.flow_name, r.duration_us
    );
    for t in &r.trace {
        let status = match (&t.error, t.skipped) {
            (Some(e), _) => format!("ERROR {e}"),
            (None, true) => "skipped".into(),
            (None, false) if t.outputs.is_empty() => "no output".into(),
            (None, false) => t
                .outputs
                .iter()
                .map(|o| o.port.as_str())
                .collect::<Vec<_>>()
                .join(","),
        };
        println!(
            "  {:<20} {:<22} in:{:<10} {:>7} µs  → {}",
            t.node, t.plugin, t.input_port, t.duration_us, status
        );
    }
    for e in &r.errors {
        println!("error: node `{}`: {}", e.node, e.message);
    }
    for l in &r.logs {
        println!("log {}: node `{}`: {}", l.level, l.node, l.message);
    }
    if !r.ux.is_empty() {
        println!("ux: {}", Value::Array(r.ux.clone()));
    }
    if !r.response.is_empty() {
        println!("response: {}", Value::Object(r.response.clone()));
    }
    if !r.merge_keys.is_empty() {
        println!("merge keys marked: {}", r.merge_keys.join(", "));
    }
}
