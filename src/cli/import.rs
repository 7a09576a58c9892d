use super::migrate::{bar, open, Missing};
use super::{Cli, Failure};
use crate::daemon;
use crate::domain::{Context, Event, Profile, Scope, Session, SOURCE_TYPES};
use crate::store::SharedStore;
use crate::tracking::payload::{EventPayload, OptionalId, SourceRef, TrackOptions, TrackerPayload};
use crate::tracking::{RequestMeta, TrackRequest, Tracker, TrackerSettings};
use anyhow::{bail, Context as _};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportKind {
    Profiles,
    Sessions,
    Events,
    /// Event sources, rules, flows… (Tracardi's exported documents or index hits)
    Config,
}

/// Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too
#[derive(Debug, Args)]
#[command(
    long_about = "Load records from a file with one JSON document per line. Profiles and \
        sessions are written directly, ids, `ids` (merge keys) and timestamps kept. Events \
        given `--source ID` are replayed through the tracking pipeline (the source is \
        checked, sessions and profiles resolved, workflows and merging apply); with \
        `--direct` they are stored as they are, ids and timestamps kept. A line may also be \
        an Elasticsearch hit (`{\"_id\": …, \"_source\": {…}}`) as dumped from Tracardi's \
        indices. A bad line is rejected with its reason (to `--rejects FILE`) and never \
        stops the rest. The store is opened directly, so stop the daemons first.\n\n\
        Exit code 0 when at least one line was accepted, 1 when every line was rejected \
        (with `--strict`: when any line was).",
    after_help = "Examples:\n  tracardictl import profiles tracardi-profiles.ndjson --rejects bad.ndjson\n  tracardictl import events events.ndjson --source 7d2c… --dry-run\n  tracardictl import events tracardi-events.ndjson --direct"
)]
pub struct ImportArgs {
    /// What to import
    pub kind: ImportKind,
    /// NDJSON file
    pub file: PathBuf,
    /// Event source the events arrive by (replays them through the tracking pipeline)
    #[arg(long, value_name = "ID", conflicts_with = "direct")]
    pub source: Option<String>,
    /// Store events as they are instead of replaying them
    #[arg(long)]
    pub direct: bool,
    /// Skip workflows while replaying events
    #[arg(long)]
    pub no_workflows: bool,
    /// Check every line, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Exit 1 when any line is rejected (without it: only when every line is)
    #[arg(long)]
    pub strict: bool,
    /// Write rejected lines here, one JSON object each with the line number and reason
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Configuration kind of every line (`event-source`, `rule`, `flow`, …) [default: from
    /// a hit's `_index` (`tracardi-rule`) or the document's `kind`]
    #[arg(long, value_name = "KIND")]
    pub config_kind: Option<String>,
    /// Tenant [default: the configured tenant]
    #[arg(long)]
    pub tenant: Option<String>,
    /// Context to import into
    #[arg(long, default_value = "production")]
    pub context: Context,
    /// Store URI [default: the configured store]
    #[arg(long, value_name = "URI")]
    pub store: Option<String>,
}

/// Unwraps an Elasticsearch hit (`_source`, with `_id` as the id when the document has
/// none) and gives naive timestamps (Tracardi writes UTC without an offset) a `Z`.
pub fn unwrap_hit(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        if let Some(Value::Object(mut source)) = m.remove("_source") {
            if !source.contains_key("id") {
                if let Some(id) = m.get("_id").cloned() {
                    source.insert("id".into(), id);
                }
            }
            v = Value::Object(source);
        }
    }
    fix_times(&mut v, false);
    v
}

/// Under any `time` object (and for `start`, `revoke`, `time` fields), a string that
/// reads as a date-time without an offset is taken as UTC.
fn fix_times(v: &mut Value, in_time: bool) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let timeish = in_time
                    || matches!(
                        k.as_str(),
                        "time" | "start" | "revoke" | "next" | "timestamp"
                    );
                fix_times(child, timeish);
            }
        }
        Value::Array(a) if in_time => a.iter_mut().for_each(|c| fix_times(c, true)),
        Value::String(s)
            if in_time
                && chrono::DateTime::parse_from_rfc3339(s).is_err()
                && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok() =>
        {
            s.push('Z');
        }
        _ => {}
    }
}

/// Why a line is not a `kind` (`profile`, `session`, `event`) but a record of another
/// kind: a hit from another Tracardi index, or a document with the fields only another
/// kind has (an event's `type`, a session's `profile`, a profile's `ids`).
fn foreign(kind: &str, raw: &Value) -> Option<String> {
    if let Some(index) = raw.get("_index").and_then(Value::as_str) {
        // `<prefix>tracardi-<kind>`, maybe with a date part (`tracardi-event-2024-01`).
        let tail = index.rsplit("tracardi-").next().unwrap_or(index);
        let ours = tail.strip_prefix(kind).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('-')
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        });
        if !ours {
            return Some(format!(
                "the line is a hit of index `{index}`, not a {kind}"
            ));
        }
    }
    let doc = raw.get("_source").unwrap_or(raw);
    let has = |k: &str| doc.get(k).is_some_and(|v| !v.is_null());
    match kind {
        "profile" if has("type") && (has("source") || has("session")) => Some(
            "the line looks like an event (it has `type` and `source`/`session`), not a profile"
                .into(),
        ),
        "profile" if has("profile") => Some(
            "the line looks like a session or an event (it names a `profile`), not a profile"
                .into(),
        ),
        "session" if has("type") => {
            Some("the line looks like an event (it has a `type`), not a session".into())
        }
        "session" if has("ids") && !has("profile") => {
            Some("the line looks like a profile (it has `ids`), not a session".into())
        }
        _ => None,
    }
}

/// Reads a line as a record of `kind` (`profile`, `session`, `event`).
fn parse<T: serde::de::DeserializeOwned>(line: &str, kind: &str) -> Result<T, String> {
    if let Some(why) = crate::domain::nesting::refused(line.as_bytes()) {
        return Err(why);
    }
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(why) = foreign(kind, &v) {
        return Err(why);
    }
    let v = unwrap_hit(v);
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        format!("at `{path}`: {}", e.into_inner())
    })
}

/// A replayed event as a tracker payload: the line is a tracker event
/// (`{"type", "properties", "profile": {"id"}, "session": {"id"}}`) or a stored event.
fn payload_of(source: &str, line: &str) -> Result<TrackerPayload, String> {
    if let Some(why) = crate::domain::nesting::refused(line.as_bytes()) {
        return Err(why);
    }
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(why) = foreign("event", &v) {
        return Err(why);
    }
    let v = unwrap_hit(v);
    let Value::Object(m) = &v else {
        return Err("not a JSON object".into());
    };
    let id_of = |key: &str| {
        m.get(key)
            .and_then(|x| x.get("id"))
            .and_then(Value::as_str)
            .map(|s| OptionalId {
                id: Some(s.to_string()),
            })
    };
    let obj = |key: &str| match m.get(key) {
        Some(Value::Object(o)) => o.clone(),
        _ => Default::default(),
    };
    let event_type = m
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or("no event `type`")?
        .to_string();
    let tags = match m.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(Value::Object(o)) => o
            .get("values")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![],
    };
    Ok(TrackerPayload {
        source: SourceRef { id: source.into() },
        session: id_of("session"),
        profile: id_of("profile"),
        context: Default::default(),
        properties: Default::default(),
        events: vec![EventPayload {
            id: m.get("id").and_then(Value::as_str).map(str::to_string),
            event_type,
            properties: obj("properties"),
            options: Default::default(),
            context: obj("context"),
            tags,
        }],
        options: TrackOptions::default(),
    })
}

struct Summary {
    accepted: u64,
    rejected: u64,
    /// Accepted lines that deserve a look (an id another profile holds too).
    warnings: u64,
    rejects: Option<Box<dyn Write>>,
}

impl Summary {
    fn reject(&mut self, line: u64, reason: &str, text: &str) -> anyhow::Result<()> {
        self.rejected += 1;
        if let Some(w) = &mut self.rejects {
            let doc = serde_json::json!({"line": line, "reason": reason, "text": text});
            serde_json::to_writer(&mut *w, &doc)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Warnings printed one by one; the rest are counted.
const SHOWN_WARNINGS: u64 = 20;

/// Lines imported between two `durable()` calls.
const SYNC_EVERY_LINES: u64 = 5000;

pub fn run(cli: &Cli, args: &ImportArgs) -> Result<(), Failure> {
    let config = cli.load_config(Default::default())?;
    let uri = args.store.clone().unwrap_or_else(|| config.store_uri());
    let scope = Scope::new(
        args.tenant.clone().unwrap_or_else(|| config.tenant.clone()),
        args.context,
    );
    if args.kind == ImportKind::Events && args.source.is_none() && !args.direct {
        return Err(anyhow::anyhow!(
            "events are imported through an event source (`--source ID`) or as they are (`--direct`)"
        )
        .into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (accepted, rejected) = runtime.block_on(async {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let exists = crate::store::exists_async(&uri)
            .await
            .with_context(|| format!("cannot open the store at {}", daemon::redact_uri(&uri)))?;
        // Another tenant than the configured one must be in the store already: a typo
        // would otherwise make a scope that nothing serves.
        let other_tenant = args.tenant.as_deref().filter(|t| *t != config.tenant);
        if let (Some(tenant), false) = (other_tenant, exists) {
            return Err(crate::config::ConfigError::Invalid(format!(
                "there is no store at {} to hold tenant `{tenant}` (tenants are created with `tracardictl tenant create`)",
                daemon::redact_uri(&uri)
            ))
            .into());
        }
        // A dry run creates nothing: without a store it checks the lines on their own.
        let store = if args.dry_run && !exists {
            eprintln!(
                "tracardictl: there is no store at {}; the dry run checks the lines on their own and creates none",
                daemon::redact_uri(&uri)
            );
            None
        } else {
            Some(open(&uri, Missing::Create).await?)
        };
        if let (Some(tenant), Some(store)) = (other_tenant, &store) {
            crate::cli::apm::require_held(store, &scope, true).await.map_err(|e| {
                anyhow::Error::from(e).context(format!(
                    "will not import into tenant `{tenant}` (tenants are created with `tracardictl tenant create`)"
                ))
            })?;
        }
        let rejects: Option<Box<dyn Write>> = match &args.rejects {
            Some(p) => Some(Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            ))),
            None => None,
        };
        let mut summary = Summary {
            accepted: 0,
            rejected: 0,
            warnings: 0,
            rejects,
        };
        // One tracker per lane: each lane's counters are its own; the store's locks
        // still serialise two lanes meeting on one profile.
        let trackers: Vec<Tracker> = match (&args.source, args.kind) {
            // A dry run only reads the lines: no tracker, no salt written.
            (Some(_), ImportKind::Events) if !args.dry_run => {
                let Some(store) = &store else {
                    bail!("no store to replay the events into");
                };
                let v = store.schema_version().await?;
                if v.is_some_and(|v| v != crate::store::SCHEMA_VERSION) {
                    bail!("the store's schema version is not this binary's; run `tracardictl migrate up` first");
                }
                let salt = daemon::resolve_salt(store, config.identity.merge_key_salt.as_deref()).await?;
                let identity = daemon::identity_settings(&config, salt);
                let policy = Arc::new(identity.policy.clone());
                (0..lanes())
                    .map(|_| {
                        let mut t = Tracker::new(
                            store.clone(),
                            TrackerSettings {
                                scope: scope.clone(),
                                track_debug: false,
                                refuse_bots: false,
                                identity: Some(policy.clone()),
                            },
                        );
                        if !args.no_workflows {
                            t = t.with_processor(Arc::new(crate::workflow::engine::WorkflowEngine::new(
                                store.clone(),
                                crate::workflow::engine::EngineOptions::default(),
                            )));
                        }
                        t
                    })
                    .collect()
            }
            _ => vec![],
        };
        // A dry run replays nothing, but the source every line would name is checked as
        // the real run checks it, so that the dry run does not pass what the run rejects.
        if let (true, ImportKind::Events, Some(id), Some(store)) =
            (args.dry_run, args.kind, &args.source, &store)
        {
            match crate::store::event_source(store.as_ref(), &scope, id).await? {
                None => bail!(
                    "there is no event source `{id}` in {scope}: the import would reject every line (`tracardictl get event-sources --context {}` lists them)",
                    scope.context
                ),
                Some(s) if !s.enabled => bail!(
                    "event source `{id}` in {scope} is disabled: the import would reject every line"
                ),
                Some(_) => {}
            }
        }
        let mut trackers = trackers.into_iter().map(Arc::new);
        let tracker = trackers.next();
        // Replaying events: lines go to lanes that run concurrently, all lines of one
        // session (else profile) to the same lane, in file order.
        let mut lanes: Vec<Lane> = match &tracker {
            Some(first) if !args.dry_run => std::iter::once(first.clone())
                .chain(trackers)
                .map(Lane::start)
                .collect(),
            _ => vec![],
        };
        let b = bar(size, "bytes");
        let reader = BufReader::new(file);
        let mut events: Vec<Event> = Vec::new();
        for (n, line) in reader.lines().enumerate() {
            let n = n as u64 + 1;
            let mut line = line.with_context(|| format!("cannot read {} at line {n}", args.file.display()))?;
            b.inc(line.len() as u64 + 1);
            if n == 1 {
                // A byte-order mark some editors write first.
                if let Some(rest) = line.strip_prefix('\u{feff}') {
                    line = rest.to_string();
                }
            }
            if line.trim().is_empty() {
                continue;
            }
            if !lanes.is_empty() {
                match payload_of(args.source.as_deref().unwrap_or_default(), &line) {
                    Ok(payload) => {
                        let key = payload.session_id().or(payload.profile_id()).unwrap_or(&line);
                        let lane = &lanes[lane_of(key, lanes.len())];
                        lane.send(n, line, payload).await?;
                    }
                    Err(reason) => summary.reject(n, &reason, &line)?,
                }
                if let (0, Some(store)) = (n % SYNC_EVERY_LINES, &store) {
                    store.durable().await?;
                }
                continue;
            }
            let mut warnings = Vec::new();
            let outcome = import_line(store.as_ref(), &scope, args, tracker.as_deref(), &line, &mut events, &mut warnings).await;
            match outcome {
                Ok(()) => summary.accepted += 1,
                Err(reason) => summary.reject(n, &reason, &line)?,
            }
            for w in warnings {
                summary.warnings += 1;
                if summary.warnings <= SHOWN_WARNINGS {
                    eprintln!("warning: line {n}: {w}");
                }
            }
            if let Some(store) = &store {
                if events.len() >= 500 {
                    store.put_events(&scope, &events).await?;
                    events.clear();
                }
                // Many lines per sync: bounds what the store holds unsynced (its log) and
                // lets it checkpoint, at one sync per batch instead of per line.
                if n % SYNC_EVERY_LINES == 0 && !args.dry_run {
                    store.durable().await?;
                }
            }
        }
        if let (false, Some(store)) = (events.is_empty(), &store) {
            store.put_events(&scope, &events).await?;
        }
        let mut rejected = Vec::new();
        for lane in lanes.drain(..) {
            let (accepted, mut rejects) = lane.finish().await?;
            summary.accepted += accepted;
            rejected.append(&mut rejects);
        }
        rejected.sort_by_key(|r| r.0);
        for (n, reason, line) in rejected {
            summary.reject(n, &reason, &line)?;
        }
        if let Some(store) = &store {
            store.checkpoint().await?;
        }
        b.finish_and_clear();
        if let Some(w) = &mut summary.rejects {
            w.flush()?;
        }
        if summary.warnings > SHOWN_WARNINGS {
            eprintln!("warning: … and {} more", summary.warnings - SHOWN_WARNINGS);
        }
        println!(
            "{}{} accepted, {} rejected{}{}",
            if args.dry_run { "dry run: " } else { "" },
            summary.accepted,
            summary.rejected,
            match (&args.rejects, summary.rejected) {
                (Some(p), r) if r > 0 => format!(" (see {})", p.display()),
                _ => String::new(),
            },
            match summary.warnings {
                0 => String::new(),
                w => format!(", {w} warning(s): ids held by more than one profile (lookups by such an id find only one of them)"),
            }
        );
        anyhow::Ok((summary.accepted, summary.rejected))
    })?;
    if rejected > 0 && (accepted == 0 || args.strict) {
        return Err(Failure {
            code: 1,
            error: anyhow::anyhow!(if accepted == 0 {
                format!("every line was rejected ({rejected})")
            } else {
                format!("{rejected} line(s) rejected (--strict)")
            }),
        });
    }
    Ok(())
}

/// How many lanes replay events at once.
fn lanes() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(2)
        .clamp(2, 8)
}

fn lane_of(key: &str, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() % lanes as u64) as usize
}

/// A rejected line: number, reason, text.
type Rejected = (u64, String, String);

/// One task replaying its share of the lines through its own tracker, in order.
struct Lane {
    tx: tokio::sync::mpsc::Sender<(u64, String, TrackerPayload)>,
    task: tokio::task::JoinHandle<(u64, Vec<Rejected>)>,
}

impl Lane {
    fn start(tracker: Arc<Tracker>) -> Lane {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, String, TrackerPayload)>(256);
        let task = tokio::spawn(async move {
            let mut accepted = 0u64;
            let mut rejects = Vec::new();
            while let Some((n, line, payload)) = rx.recv().await {
                match replay(&tracker, payload).await {
                    Ok(()) => accepted += 1,
                    Err(reason) => rejects.push((n, reason, line)),
                }
            }
            (accepted, rejects)
        });
        Lane { tx, task }
    }

    async fn send(&self, n: u64, line: String, payload: TrackerPayload) -> anyhow::Result<()> {
        self.tx
            .send((n, line, payload))
            .await
            .map_err(|_| anyhow::anyhow!("an import lane stopped at line {n}"))
    }

    async fn finish(self) -> anyhow::Result<(u64, Vec<Rejected>)> {
        drop(self.tx);
        Ok(self.task.await?)
    }
}

/// One event line through the pipeline (the tracker is used by one task at a time, so
/// its counter tells whether the line stored anything).
async fn replay(t: &Tracker, payload: TrackerPayload) -> Result<(), String> {
    let before = t.stats.events_stored.load(Ordering::Relaxed);
    let resp = t
        .track_pending(
            TrackRequest {
                payload,
                profile_less: false,
                meta: RequestMeta::default(),
                allowed_types: SOURCE_TYPES,
                adopt_profile_id: true,
            },
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    if t.stats.events_stored.load(Ordering::Relaxed) == before {
        return Err(format!("no event stored: {}", resp.errors.join("; ")));
    }
    Ok(())
}

async fn import_line(
    store: Option<&SharedStore>,
    scope: &Scope,
    args: &ImportArgs,
    tracker: Option<&Tracker>,
    line: &str,
    events: &mut Vec<Event>,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    match args.kind {
        ImportKind::Profiles => {
            let mut p: Profile = parse(line, "profile")?;
            if p.id.trim().is_empty() {
                return Err("empty profile `id`".into());
            }
            p.normalize_ids();
            // An id (its own or in `ids`) another profile holds already: lookups by it
            // will find one of the two only. Merge keys are shared on purpose (APM).
            if let Some(store) = store {
                let mut own: Vec<&String> = std::iter::once(&p.id).chain(p.ids.iter()).collect();
                own.sort();
                own.dedup();
                for id in own
                    .into_iter()
                    .filter(|i| !crate::identity::keys::is_merge_key(i))
                {
                    let holder = store
                        .profile_id(scope, id)
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(holder) = holder.filter(|h| *h != p.id) {
                        warnings.push(format!(
                            "profile `{}` holds id `{id}`, which profile `{holder}` holds too",
                            p.id
                        ));
                    }
                }
            }
            if !args.dry_run {
                store
                    .ok_or("no store to write to")?
                    .put_profile(scope, &p)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        ImportKind::Sessions => {
            let s: Session = parse(line, "session")?;
            if s.id.trim().is_empty() {
                return Err("empty session `id`".into());
            }
            if !args.dry_run {
                store
                    .ok_or("no store to write to")?
                    .put_session(scope, &s)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        ImportKind::Config => {
            if let Some(why) = crate::domain::nesting::refused(line.as_bytes()) {
                return Err(why);
            }
            let raw: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
            let kind = config_kind_of(args.config_kind.as_deref(), &raw)?;
            let mut doc = unwrap_hit(raw);
            if let Value::Object(m) = &mut doc {
                m.shift_remove("kind");
                m.shift_remove("_kind");
            }
            crate::daemon::private_api::config_kinds::validate(kind, &doc)
                .map_err(|e| format!("invalid {}: {}", kind.name, e.message))?;
            let id = doc
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !args.dry_run {
                store
                    .ok_or("no store to write to")?
                    .put_config(scope, kind.name, &id, &doc)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        ImportKind::Events => match (tracker, &args.source) {
            (_, Some(source)) if args.dry_run => {
                payload_of(source, line)?;
            }
            (Some(t), Some(source)) => {
                let payload = payload_of(source, line)?;
                replay(t, payload).await?;
            }
            _ => {
                let e: Event = parse(line, "event")?;
                if e.id.trim().is_empty() {
                    return Err("empty event `id`".into());
                }
                if !args.dry_run {
                    events.push(e);
                }
            }
        },
    }
    Ok(())
}

/// The configuration kind of a line: the flag, else a hit's `_index` (Tracardi names its
/// indices `<prefix>tracardi-<kind>`), else the document's `_kind` (as `export config`
/// writes it) or `kind`.
fn config_kind_of(
    flag: Option<&str>,
    raw: &Value,
) -> Result<&'static crate::daemon::private_api::config_kinds::KindSpec, String> {
    use crate::daemon::private_api::config_kinds::{kind, KINDS};
    if let Some(f) = flag {
        return kind(f).ok_or_else(|| format!("unknown configuration kind `{f}`"));
    }
    if let Some(index) = raw.get("_index").and_then(Value::as_str) {
        let tail = index.rsplit("tracardi-").next().unwrap_or(index);
        return KINDS
            .iter()
            .find(|k| {
                tail == k.name
                    || tail.starts_with(&format!("{}-", k.name))
                    || tail.replace('_', "-") == k.name
            })
            .ok_or_else(|| {
                format!("index `{index}` is not a configuration kind this binary keeps")
            });
    }
    // `_kind`: what `export config` writes.
    match raw
        .get("_kind")
        .or_else(|| raw.get("kind"))
        .and_then(Value::as_str)
    {
        Some(k) => kind(k).ok_or_else(|| format!("unknown configuration kind `{k}`")),
        None => Err(
            "no configuration kind: give `--config-kind`, an `_index`, a `_kind` or a `kind`"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_are_unwrapped_and_naive_times_become_utc() {
        let hit = serde_json::json!({
            "_index": "tracardi-profile", "_id": "abc",
            "_source": {"metadata": {"time": {"insert": "2023-05-01T10:00:00.123456", "visit": {"last": "2023-05-01T09:00:00"}}},
                        "traits": {"born": "1990-01-01T00:00:00"}}
        });
        let v = unwrap_hit(hit);
        assert_eq!(v["id"], "abc");
        assert_eq!(
            v["metadata"]["time"]["insert"],
            "2023-05-01T10:00:00.123456Z"
        );
        assert_eq!(
            v["metadata"]["time"]["visit"]["last"],
            "2023-05-01T09:00:00Z"
        );
        assert_eq!(
            v["traits"]["born"], "1990-01-01T00:00:00",
            "outside time fields untouched"
        );
    }

    #[test]
    fn lines_of_another_kind_are_refused() {
        let hit = |index: &str, doc: Value| serde_json::json!({"_index": index, "_id": "x", "_source": doc});
        let event = serde_json::json!({"id": "e-1", "type": "page-view", "source": {"id": "web"},
            "session": {"id": "s-1"}, "profile": {"id": "p-1"}, "metadata": {"time": {"insert": "2024-01-10T10:00:01"}}});
        let session = serde_json::json!({"id": "s-1", "profile": {"id": "p-1"},
            "metadata": {"time": {"insert": "2024-01-10T10:00:00"}}});
        let profile = serde_json::json!({"id": "p-1", "ids": ["p-1"],
            "metadata": {"time": {"insert": "2024-01-10T10:00:00"}}});
        let ev_hit = hit("prod.tracardi-event-2024-01", event.clone());
        for (kind, line) in [
            ("profile", &ev_hit),
            ("session", &ev_hit),
            ("profile", &event),
            ("session", &event),
            ("profile", &session),
            ("session", &profile),
            ("event", &hit("tracardi-event-source", event.clone())),
            ("profile", &hit("tracardi-session-2024-q1", profile.clone())),
        ] {
            let why = foreign(kind, line);
            assert!(
                why.as_deref()
                    .is_some_and(|w| w.ends_with(&format!("not a {kind}"))),
                "{kind} {line}: {why:?}"
            );
        }
        for (kind, line) in [
            ("event", &ev_hit),
            ("event", &event),
            ("session", &session),
            ("profile", &profile),
            ("profile", &hit("prod.tracardi-profile", profile.clone())),
            ("profile", &hit("tracardi-profile-2024-q1", profile.clone())),
            ("session", &hit("tracardi-session-2024-01", session.clone())),
        ] {
            assert_eq!(foreign(kind, line), None, "{kind} {line}");
        }
        let text = serde_json::to_string(&ev_hit).unwrap_or_default();
        let e = parse::<Profile>(&text, "profile").err().unwrap_or_default();
        assert!(e.contains("tracardi-event-2024-01"), "{e}");
    }

    #[test]
    fn bad_lines_say_why() {
        let e = parse::<Profile>("{\"id\": 3}", "profile")
            .err()
            .unwrap_or_default();
        assert!(e.contains("id"), "{e}");
        let e = parse::<Profile>("not json", "profile")
            .err()
            .unwrap_or_default();
        assert!(e.contains("not JSON"), "{e}");
        let e = payload_of("src", "{\"properties\": {}}")
            .err()
            .unwrap_or_default();
        assert!(e.contains("type"), "{e}");
    }
}
