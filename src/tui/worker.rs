//! The API worker: a thread with its own runtime that carries out [`Request`]s with the
//! private API client and sends the answers back as actions. The input thread never
//! waits on the network, so a slow or failing API cannot freeze the keyboard.

use super::app::{Action, Data, Kind, Loaded, Request, PAGE};
use super::dashboard::{parse_metrics, DashData};
use super::health::HealthData;
use crate::client::{Client, ClientError};
use crate::domain::Context;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::Instant;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tracing::{debug, warn};

/// Today's events scanned for the dashboard at most (five pages).
const TODAY_SCAN: usize = 5000;
/// A session is active when one of its events arrived this recently.
pub const ACTIVE_MINUTES: i64 = 30;
/// Dead letters listed on the health screen.
const DEAD_LETTERS: usize = 100;
/// Stored traces listed for a flow.
const TRACES: usize = 50;
/// A profile's events or sessions fetched at a time; `]` fetches the next ones.
const DETAIL_PAGE: usize = 200;

/// Where requests go; dropping it stops the worker.
pub struct Worker {
    tx: UnboundedSender<(Context, Request)>,
}

impl Worker {
    /// Starts the worker thread. `clients` has one client per context.
    pub fn start(
        clients: HashMap<Context, Client>,
        answers: Sender<Action>,
    ) -> std::io::Result<Worker> {
        let (tx, mut rx) = unbounded_channel::<(Context, Request)>();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("tui-api".into())
            .spawn(move || {
                rt.block_on(async move {
                    let started = Instant::now();
                    let mut stream: Option<tokio::task::JoinHandle<()>> = None;
                    while let Some((ctx, req)) = rx.recv().await {
                        let Some(client) = clients.get(&ctx).cloned() else {
                            continue;
                        };
                        debug!(?req, context = ctx.as_str(), "request");
                        let answers = answers.clone();
                        if let Request::DeployDiff { kind, id } = &req {
                            let (Some(st), Some(pr)) = (
                                clients.get(&Context::Staging).cloned(),
                                clients.get(&Context::Production).cloned(),
                            ) else {
                                continue;
                            };
                            let (kind, id) = (kind.clone(), id.clone());
                            tokio::spawn(async move {
                                let data = deploy_diff(&st, &pr, &kind, &id).await.map_err(explain);
                                let _ = answers.send(Action::Loaded(Loaded { context: ctx, data }));
                            });
                            continue;
                        }
                        if let Request::DryRun { flow, input } = &req {
                            let (flow, input) = (flow.clone(), input.clone());
                            tokio::spawn(async move {
                                let data = dry_run(&client, &flow, &input).await;
                                let _ = answers.send(Action::Loaded(Loaded { context: ctx, data }));
                            });
                            continue;
                        }
                        if let Request::Stream(on) = req {
                            if let Some(h) = stream.take() {
                                h.abort();
                            }
                            if on {
                                stream = Some(tokio::spawn(live(client, ctx, answers)));
                            }
                            continue;
                        }
                        // A failed search is told to the profile list, which would
                        // otherwise wait for its page.
                        let search = match &req {
                            Request::Profiles { query, .. } => Some(query.clone()),
                            _ => None,
                        };
                        // So is a refused edit, which the editor reopens.
                        let applying = matches!(req, Request::Apply { .. });
                        // The polled screens mark their figures as stale when the API
                        // cannot be reached.
                        let polled = matches!(req, Request::Dashboard | Request::Health);
                        tokio::spawn(async move {
                            let mut data = match handle(&client, req, started).await {
                                Err(ClientError::Transport { reason, .. }) if polled => {
                                    Ok(Data::Unreachable {
                                        error: reason,
                                        at: chrono::Local::now().format("%H:%M:%S").to_string(),
                                    })
                                }
                                other => other.map_err(explain),
                            };
                            if let Err(e) = &data {
                                warn!(error = %e, "request failed");
                            }
                            if let (Err(error), Some(query)) = (&data, search) {
                                data = Ok(Data::ProfilesFailed {
                                    query,
                                    error: error.clone(),
                                });
                            } else if let (Err(error), true) = (&data, applying) {
                                data = Ok(Data::ApplyFailed {
                                    error: error.clone(),
                                    current: None,
                                });
                            }
                            let _ = answers.send(Action::Loaded(Loaded { context: ctx, data }));
                        });
                    }
                    if let Some(h) = stream.take() {
                        h.abort();
                    }
                });
            })?;
        Ok(Worker { tx })
    }

    pub fn send(&self, ctx: Context, req: Request) {
        let _ = self.tx.send((ctx, req));
    }
}

/// An error as the status line shows it, with what to do about it.
pub fn explain(e: ClientError) -> String {
    match &e {
        ClientError::Transport { .. } => {
            format!("{e} — is `tracardictl serve` running there? (r retries)")
        }
        ClientError::Api { status: 401, .. } => {
            format!("{e} — the token was refused: run `tracardictl login URL` again")
        }
        ClientError::Api { status: 403, .. } => {
            format!("{e} — your roles do not allow this")
        }
        _ => e.to_string(),
    }
}

fn q(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Whether a profile search is a condition rather than an id or a merge key.
pub fn is_condition(s: &str) -> bool {
    [
        "==",
        "!=",
        ">",
        "<",
        " exists",
        " EXISTS",
        " between",
        " contains",
        "@",
    ]
    .iter()
    .any(|op| s.contains(op))
        && !(s.contains('@') && !s.contains(' ') && !s.contains("=="))
}

/// A condition matching a merge key (e-mail, phone) in the usual places, trimmed and
/// whatever its case, as identity matches it (merge keys are built from the trimmed,
/// lower-cased value).
pub fn merge_key_condition(key: &str) -> String {
    let key = key.trim().to_lowercase();
    let k = key.replace('\\', "\\\\").replace('"', "\\\"");
    [
        "traits.email",
        "traits.phone",
        "data.contact.email.main",
        "data.contact.email.business",
        "data.contact.email.private",
        "data.contact.phone.main",
        "data.contact.phone.mobile",
    ]
    .iter()
    // `lowercase` of a missing path fails the whole condition: each is checked first.
    .map(|p| format!("({p} exists and lowercase({p}) == \"{k}\")"))
    .collect::<Vec<_>>()
    .join(" or ")
}

async fn text_of(c: &Client, path: &str) -> Result<String, ClientError> {
    Ok(match c.call(Method::GET, path, None).await? {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

async fn dashboard(c: &Client, started: Instant) -> Result<DashData, ClientError> {
    let stats = c.call(Method::GET, "/stats", None).await?;
    let metrics = parse_metrics(&text_of(c, "/metrics").await?);
    let midnight = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().to_rfc3339())
        .unwrap_or_default();
    let path = format!("/events?{}", q(&[("from", &midnight)]));
    let mut per: HashMap<String, u64> = HashMap::new();
    let mut today = 0u64;
    let mut after: Option<String> = None;
    let mut capped = false;
    loop {
        let page = c.page(&path, 1000, after.as_deref()).await?;
        for e in &page.items {
            today += 1;
            let src = e
                .get("source")
                .and_then(|s| s.get("id"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            *per.entry(src.to_string()).or_default() += 1;
        }
        after = page.next;
        if after.is_none() {
            break;
        }
        if today as usize >= TODAY_SCAN {
            capped = true;
            break;
        }
    }
    let mut per_source: Vec<(String, u64)> = per.into_iter().collect();
    per_source.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (active_sessions, active_capped) = active_sessions(c).await?;
    Ok(DashData {
        stats,
        metrics,
        today,
        today_capped: capped,
        per_source,
        active_sessions,
        active_capped,
        at_ms: started.elapsed().as_millis() as u64,
        rate: Vec::new(),
    })
}

/// Sessions with an event in the last [`ACTIVE_MINUTES`]: the distinct sessions of the
/// events listed since then (at most [`TODAY_SCAN`] events read; true when capped).
async fn active_sessions(c: &Client) -> Result<(u64, bool), ClientError> {
    let since = (chrono::Utc::now() - chrono::Duration::minutes(ACTIVE_MINUTES)).to_rfc3339();
    let path = format!("/events?{}", q(&[("from", &since)]));
    let mut seen = std::collections::HashSet::new();
    let mut read = 0usize;
    let mut after: Option<String> = None;
    loop {
        let page = c.page(&path, 1000, after.as_deref()).await?;
        read += page.items.len();
        for e in &page.items {
            if let Some(s) = e
                .get("session")
                .and_then(|s| s.get("id"))
                .and_then(Value::as_str)
            {
                seen.insert(s.to_string());
            }
        }
        after = page.next;
        if after.is_none() {
            return Ok((seen.len() as u64, false));
        }
        if read >= TODAY_SCAN {
            return Ok((seen.len() as u64, true));
        }
    }
}

/// The work queue's counters and the oldest dead letters.
async fn queue(c: &Client) -> Result<(Value, Vec<Value>, bool), ClientError> {
    let queue = c.call(Method::GET, "/queue", None).await?;
    let page = c.page("/dlq", DEAD_LETTERS, None).await?;
    Ok((queue, page.items, page.next.is_some()))
}

/// A dry run of a flow against an event id, an event as JSON, or an empty event. The
/// event's profile and session are read too when the event names them.
async fn dry_run(c: &Client, flow: &str, input: &str) -> Result<Data, String> {
    let input = input.trim();
    let mut body = json!({});
    if input.starts_with('{') {
        let event: Value = serde_json::from_str(input)
            .map_err(|e| format!("the pasted event is not valid JSON: {e}"))?;
        body["event"] = event;
    } else if !input.is_empty() {
        let event = match c.get_record("events", input).await {
            Ok(e) => e,
            Err(ClientError::Api { status: 404, .. }) => {
                return Err(format!(
                    "no event `{input}` in this context: give an event id or paste the event JSON"
                ))
            }
            Err(e) => return Err(explain(e)),
        };
        for (what, field) in [("profiles", "profile"), ("sessions", "session")] {
            let id = event
                .get(field)
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if id.is_empty() {
                continue;
            }
            match c.get_record(what, id).await {
                Ok(v) => body[field] = v,
                Err(ClientError::Api { status: 404, .. }) => {}
                Err(e) => return Err(explain(e)),
            }
        }
        body["event"] = event;
    }
    let path = format!("/flows/{}/run", enc(flow));
    let answer = c
        .call(Method::POST, &path, Some(&body))
        .await
        .map_err(explain)?;
    Ok(Data::DryRun(flow.to_string(), answer))
}

/// Where a profile's events (or sessions) are listed.
fn profile_list(id: &str, sessions: bool) -> String {
    if sessions {
        let cond = format!("profile.id == \"{}\"", id.replace('"', "\\\""));
        format!("/sessions?{}", q(&[("filter", &cond)]))
    } else {
        format!("/profiles/{}/events", enc(id))
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn handle(c: &Client, req: Request, started: Instant) -> Result<Data, ClientError> {
    Ok(match req {
        Request::Dashboard => Data::Dashboard(Box::new(dashboard(c, started).await?)),
        Request::Health => {
            let alive = c.call(Method::GET, "/health", None).await.is_ok();
            let version = c.call(Method::GET, "/version", None).await?;
            let (queue, dead, dead_more) = queue(c).await?;
            Data::Health(Box::new(HealthData {
                alive,
                version: version
                    .get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                stats: c.call(Method::GET, "/stats", None).await?,
                metrics: parse_metrics(&text_of(c, "/metrics").await?),
                queue,
                dead,
                dead_more,
            }))
        }
        Request::Traces(flow) => {
            let path = format!(
                "/flows/{}/traces?{}",
                enc(&flow),
                q(&[("limit", &TRACES.to_string())])
            );
            let items = c
                .call(Method::GET, &path, None)
                .await?
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Data::Traces(flow, items)
        }
        Request::Replay(id) => {
            let a = c
                .call(Method::POST, &format!("/dlq/{id}/replay"), None)
                .await?;
            Data::Done(format!(
                "dead letter {id} is back on the work queue as item {}",
                a.get("queued_as").map(Value::to_string).unwrap_or_default()
            ))
        }
        Request::DeleteDeadLetter(id) => {
            c.call(Method::DELETE, &format!("/dlq/{id}"), None).await?;
            Data::Done(format!("dead letter {id} deleted"))
        }
        Request::Profiles { query, after } => {
            let page = if query.is_empty() {
                c.page("/profiles", PAGE, after.as_deref()).await?
            } else if is_condition(&query) {
                let path = format!("/profiles?{}", q(&[("filter", &query)]));
                c.page(&path, PAGE, after.as_deref()).await?
            } else {
                match c.get_record("profiles", &query).await {
                    Ok(p) if after.is_none() => crate::client::Page {
                        items: vec![p],
                        next: None,
                    },
                    Ok(_) | Err(ClientError::Api { status: 404, .. }) => {
                        let path = format!(
                            "/profiles?{}",
                            q(&[("filter", &merge_key_condition(&query))])
                        );
                        c.page(&path, PAGE, after.as_deref()).await?
                    }
                    Err(e) => return Err(e),
                }
            };
            Data::Profiles {
                query,
                after,
                items: page.items,
                next: page.next,
            }
        }
        Request::Profile(id) => {
            let profile = c.get_record("profiles", &id).await?;
            let pid = profile
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or(&id)
                .to_string();
            let enc: String = form_urlencoded::byte_serialize(pid.as_bytes()).collect();
            let events = c
                .page(&profile_list(&pid, false), DETAIL_PAGE, None)
                .await?;
            let sessions = c.page(&profile_list(&pid, true), DETAIL_PAGE, None).await?;
            let explain = match c
                .call(Method::GET, &format!("/profiles/{enc}/explain"), None)
                .await
            {
                Ok(v) => Ok(v),
                Err(ClientError::Api { status: 409, .. }) => {
                    Err("profile merging is not configured on this server".to_string())
                }
                Err(e) => Err(explain(e)),
            };
            Data::Profile {
                profile,
                events: events.items,
                sessions: sessions.items,
                more: [events.next, sessions.next],
                explain,
            }
        }
        Request::MoreOfProfile {
            id,
            sessions,
            after,
        } => {
            let page = c
                .page(&profile_list(&id, sessions), DETAIL_PAGE, Some(&after))
                .await?;
            Data::MoreOfProfile {
                id,
                sessions,
                after,
                items: page.items,
                next: page.next,
            }
        }
        Request::Config(Kind::Users) => Data::Config(Kind::Users, c.all("/users", 1000).await?),
        Request::Config(k) => Data::Config(k, c.list_config(k.api()).await?),
        Request::ForEdit(k, id) => Data::ForEdit(k, c.get_config(k.api(), &id).await?),
        Request::Apply {
            kind: k,
            mut doc,
            base,
        } => {
            if let Some(conflict) = changed_since(c, k, &doc, base.as_ref()).await? {
                return Ok(conflict);
            }
            let kind = doc
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or(k.api())
                .to_string();
            if let Value::Object(m) = &mut doc {
                m.shift_remove("kind");
            }
            let answer = c.apply(&kind, &doc, false, &[]).await?;
            let field = |f: &str| {
                answer
                    .get(f)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            Data::Done(format!("{kind}/{} {}", field("id"), field("result")))
        }
        Request::Toggle(k, id) => {
            let mut doc = c.get_config(k.api(), &id).await?;
            let on = !doc.get("enabled").and_then(Value::as_bool).unwrap_or(true);
            if let Value::Object(m) = &mut doc {
                m.shift_remove("kind");
                m.insert("enabled".into(), Value::Bool(on));
            }
            c.apply(k.api(), &doc, false, &[]).await?;
            Data::Done(format!(
                "{}/{id} {}",
                k.api(),
                if on { "enabled" } else { "disabled" }
            ))
        }
        Request::DeleteConfig(Kind::Users, id) => {
            let enc: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
            c.call(Method::DELETE, &format!("/users/{enc}"), None)
                .await?;
            Data::Done(format!("user/{id} deleted"))
        }
        Request::DeleteConfig(k, id) => {
            c.delete_config(k.api(), &id).await?;
            Data::Done(format!("{}/{id} deleted", k.api()))
        }
        Request::DeleteProfile(id) => {
            let a = c.delete_record("profiles", &id).await?;
            let n = |f: &str| {
                a.get("deleted")
                    .and_then(|d| d.get(f))
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            };
            Data::Done(format!(
                "profile/{id} deleted with {} session(s) and {} event(s)",
                n("sessions"),
                n("events")
            ))
        }
        Request::DeployPlan => Data::DeployPlan(c.deploy(&[], true).await?),
        Request::Deploy => {
            let a = c.deploy(&[], false).await?;
            let n = |f: &str| {
                a.get("summary")
                    .and_then(|d| d.get(f))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "0".into())
            };
            Data::Done(format!(
                "deployed to production: {} created, {} configured, {} unchanged",
                n("created"),
                n("configured"),
                n("unchanged")
            ))
        }
        // Handled by the worker loop itself.
        Request::Stream(_) | Request::DeployDiff { .. } | Request::DryRun { .. } => {
            Data::StreamState(false)
        }
    })
}

/// Whether the server's copy of an edited document is still the one the editor was
/// opened on; if not, the refusal that shows what changed, with the copy now.
async fn changed_since(
    c: &Client,
    k: Kind,
    doc: &Value,
    base: Option<&Value>,
) -> Result<Option<Data>, ClientError> {
    let Some(base) = base else {
        return Ok(None);
    };
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    // Saved under another id, it is another document.
    if base.get("id").and_then(Value::as_str) != Some(id) {
        return Ok(None);
    }
    let what = format!("{}/{id}", k.api());
    let now = match c.get_config(k.api(), id).await {
        Ok(now) if now == *base => return Ok(None),
        Ok(now) => now,
        Err(ClientError::Api { status: 404, .. }) => {
            return Ok(Some(Data::ApplyFailed {
                error: format!(
                    "{what} was deleted by someone else since you opened it. To create it \
                     again from your text, delete these # lines and save."
                ),
                current: Some(Value::Null),
            }))
        }
        Err(e) => return Err(e),
    };
    let yaml = |v: &Value| serde_yaml::to_string(v).unwrap_or_else(|e| e.to_string());
    let (a, b) = (yaml(base), yaml(&now));
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header("as you opened it", "as it is now")
        .to_string();
    Ok(Some(Data::ApplyFailed {
        error: format!(
            "{what} was changed by someone else since you opened it:\n{}\nTo apply your \
             text over those changes, delete these # lines and save.",
            diff.trim_end()
        ),
        current: Some(now),
    }))
}

/// Production's version of a document against staging's, as a unified YAML diff.
async fn deploy_diff(
    staging: &Client,
    production: &Client,
    kind: &str,
    id: &str,
) -> Result<Data, ClientError> {
    let yaml = |v: &Value| {
        if v.is_null() {
            String::new()
        } else {
            serde_yaml::to_string(v).unwrap_or_else(|e| e.to_string())
        }
    };
    let after = staging.get_config(kind, id).await?;
    let before = match production.get_config(kind, id).await {
        Ok(v) => v,
        Err(ClientError::Api { status: 404, .. }) => Value::Null,
        Err(e) => return Err(e),
    };
    let (a, b) = (yaml(&before), yaml(&after));
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .header("production", "staging")
        .to_string();
    Ok(Data::Diff(
        format!("{kind}/{id} · production → staging"),
        diff,
    ))
}

/// Follows the live stream, reconnecting after a pause when it ends or fails.
async fn live(c: Client, ctx: Context, answers: Sender<Action>) {
    let send = |data: Result<Data, String>| {
        answers
            .send(Action::Loaded(Loaded { context: ctx, data }))
            .is_ok()
    };
    loop {
        if !send(Ok(Data::StreamState(true))) {
            return;
        }
        let result = c
            .stream("/events/stream", |event, data| match event {
                "event" => match serde_json::from_str::<Value>(data) {
                    Ok(v) => send(Ok(Data::Event(v))),
                    Err(_) => true,
                },
                "lagged" => send(Ok(Data::Lagged(data.trim().parse().unwrap_or(0)))),
                _ => true,
            })
            .await;
        let msg = match result {
            Ok(()) => "live stream ended; reconnecting…".to_string(),
            Err(e) => format!("live stream: {}", explain(e)),
        };
        if !send(Ok(Data::StreamDown(msg))) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_tell_conditions_from_keys() {
        assert!(is_condition("traits.plan == \"pro\""));
        assert!(is_condition("profile@traits.age > 3"));
        assert!(!is_condition("ann@example.com"));
        assert!(!is_condition("+48600100200"));
        assert!(!is_condition("0a1b2c"));
        assert_eq!(
            merge_key_condition("a\"b").split(" or ").next(),
            Some("(traits.email exists and lowercase(traits.email) == \"a\\\"b\")")
        );
    }

    /// An e-mail finds its profile however it is spelt, as identity does.
    #[test]
    fn an_email_search_ignores_case_and_spaces() {
        use crate::daemon::private_api::data::Filter;
        let profile = serde_json::json!({"id": "p1",
            "data": {"contact": {"email": {"main": "Merge.Me@Example.com"}}},
            "traits": {"phone": "+48 600"}});
        for typed in [
            "Merge.Me@Example.com",
            "merge.me@example.com",
            " MERGE.ME@EXAMPLE.COM ",
            "+48 600",
        ] {
            let f = Filter::parse_for(Some(&merge_key_condition(typed)), None)
                .unwrap_or_else(|e| panic!("{typed}: {e:?}"));
            assert!(f.matches(&profile).unwrap_or(false), "{typed}");
        }
        let f = Filter::parse_for(Some(&merge_key_condition("other@example.com")), None);
        assert!(!f.is_ok_and(|f| f.matches(&profile).unwrap_or(true)));
    }
}
