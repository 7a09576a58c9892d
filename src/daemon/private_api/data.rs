//! Data access: profiles, sessions and events of a context. Get, list with cursor paging
//! (never an offset, so listings go past any size), filter by a condition, count,
//! delete, and the live event stream.

use super::{roles, Access, Ctx, ListQuery, PrivateApiState, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::{Context, Scope};
use crate::store::{Page, TimeRange};
use crate::workflow::notation::{DotContext, DotSource};
use crate::workflow::tql;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::future::Future;

/// Records examined for one filtered page before answering with what was found and a
/// cursor to continue from; keeps one request bounded on a large store.
const SCAN_BUDGET: usize = 100_000;

/// A condition (TQL) over a record's dot paths. The record is `payload@` and, for data,
/// also `profile@`, `session@` or `event@`; a bare path (`traits.plan == "pro"`) reads
/// the record. A record on which the condition fails to evaluate (for example it orders
/// a string against a number) does not match.
pub struct Filter(Option<(tql::Expr, Option<DotSource>)>);

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "exists", "empty", "is", "null", "true", "false", "contains", "starts",
    "ends", "with", "between",
];

/// Prefixes bare paths with `payload@`, leaving strings, keywords, functions and
/// source-qualified paths as they are.
#[cfg(test)]
fn qualify_bare_paths(condition: &str) -> String {
    qualify_bare_paths_mapped(condition).0
}

const QUALIFIER: &str = "payload@";

/// [`qualify_bare_paths`], and the byte offsets in the result where a `payload@` was
/// inserted, so that an error in the result can be placed in what the user wrote.
fn qualify_bare_paths_mapped(condition: &str) -> (String, Vec<usize>) {
    let chars: Vec<char> = condition.chars().collect();
    let mut out = String::with_capacity(condition.len() + 16);
    let mut inserted = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            // Copy a quoted string whole, honouring backslash escapes.
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                i += 1;
                if chars[i - 1] == c {
                    break;
                }
            }
            continue;
        }
        let boundary =
            i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || "_.@-[]".contains(chars[i - 1]));
        if boundary && (c.is_ascii_alphabetic() || c == '_') {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || "_.-".contains(chars[j]))
            {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let next = chars[j..].iter().find(|c| !c.is_whitespace()).copied();
            let is_keyword = KEYWORDS.contains(&word.to_ascii_lowercase().as_str());
            let is_call = next == Some('(');
            let is_sourced = chars.get(j) == Some(&'@');
            if !is_keyword && !is_call && !is_sourced {
                inserted.push(out.len());
                out.push_str(QUALIFIER);
            }
            out.push_str(&word);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    (out, inserted)
}

/// An error found in the qualified form of `original`, placed in `original`: its offset
/// less the qualifiers inserted before it, its line and column counted again, and a
/// quoted token without the qualifier the user did not write.
fn unqualify_error(original: &str, inserted: &[usize], err: tql::ParseError) -> tql::ParseError {
    let len = QUALIFIER.len();
    let before = inserted
        .iter()
        .filter(|&&at| at + len <= err.offset)
        .count();
    let inside = inserted
        .iter()
        .any(|&at| at <= err.offset && err.offset < at + len);
    let offset = if inside {
        err.offset - before * len - (err.offset - inserted[before])
    } else {
        err.offset - before * len
    }
    .min(original.len());
    let prefix = &original[..offset];
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let kind = match err.kind {
        tql::ParseErrorKind::Unexpected { expected, found } => tql::ParseErrorKind::Unexpected {
            expected,
            found: found.replacen(&format!("`{QUALIFIER}"), "`", 1),
        },
        other => other,
    };
    tql::ParseError {
        kind,
        offset,
        line: prefix.matches('\n').count() + 1,
        column: prefix[line_start..].chars().count() + 1,
    }
}

impl Filter {
    /// A filter over records read as `source@` (and `payload@`).
    pub fn parse_for(condition: Option<&str>, source: Option<DotSource>) -> Result<Self, ApiError> {
        let Some(c) = condition else {
            return Ok(Filter(None));
        };
        let expr = match tql::parse(c) {
            Ok(e) => e,
            Err(first) => {
                // The condition may use bare paths: the error worth showing is the one
                // in its qualified form (the first only says a bare path is an unknown
                // word), placed back in what the user wrote.
                let (qualified, inserted) = qualify_bare_paths_mapped(c);
                tql::parse(&qualified).map_err(|second| {
                    let err = if inserted.is_empty() {
                        first
                    } else {
                        unqualify_error(c, &inserted, second)
                    };
                    ApiError::new(
                        ErrorCode::BadRequest,
                        format!("query parameter `filter`: invalid condition: {err}"),
                    )
                })?
            }
        };
        Ok(Filter(Some((expr, source))))
    }

    /// A filter over configuration documents (`payload@` or bare paths).
    pub fn parse(condition: Option<&str>) -> Result<Self, ApiError> {
        Self::parse_for(condition, None)
    }

    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The parsed condition, if any.
    pub fn expr(&self) -> Option<&tql::Expr> {
        self.0.as_ref().map(|(e, _)| e)
    }

    pub fn matches(&self, record: &Value) -> Result<bool, ApiError> {
        let Some((expr, source)) = &self.0 else {
            return Ok(true);
        };
        let mut ctx = DotContext {
            payload: record.clone(),
            ..DotContext::default()
        };
        if let Some(s) = source {
            *ctx.source_mut(*s) = record.clone();
        }
        Ok(tql::eval(expr, &ctx).unwrap_or(false))
    }
}

pub(crate) fn routes(r: Routes) -> Routes {
    use Access::Roles;
    let read = Roles(roles::READ_DATA);
    let del = Roles(roles::DELETE_DATA);
    r.add(
        Method::GET,
        "/profiles",
        read,
        "List profiles (limit, after, filter)",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            list(s, c, r, Records::Profiles)
        },
    )
    .add(
        Method::GET,
        "/profiles/count",
        read,
        "Count profiles",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            count(s, c, r, Records::Profiles)
        },
    )
    .add(
        Method::GET,
        "/profiles/{id}",
        read,
        "A profile by id or by any of its ids",
        get_profile,
    )
    .add(
        Method::DELETE,
        "/profiles/{id}",
        del,
        "Delete a profile with its sessions and events",
        delete_profile,
    )
    .add(
        Method::GET,
        "/profiles/{id}/events",
        read,
        "A profile's events, oldest first",
        profile_events,
    )
    .add(
        Method::GET,
        "/sessions",
        read,
        "List sessions (limit, after, filter)",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            list(s, c, r, Records::Sessions)
        },
    )
    .add(
        Method::GET,
        "/sessions/count",
        read,
        "Count sessions",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            count(s, c, r, Records::Sessions)
        },
    )
    .add(
        Method::GET,
        "/sessions/{id}",
        read,
        "A session by id",
        get_session,
    )
    .add(
        Method::DELETE,
        "/sessions/{id}",
        del,
        "Delete a session",
        delete_session,
    )
    .add(
        Method::GET,
        "/events",
        read,
        "List events by insert time (from, to, limit, after, filter)",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            list(s, c, r, Records::Events)
        },
    )
    .add(
        Method::GET,
        "/events/count",
        read,
        "Count events",
        |State(s): State<PrivateApiState>, Ctx(c): Ctx, RawQuery(r): RawQuery| {
            count(s, c, r, Records::Events)
        },
    )
    .add(
        Method::GET,
        "/events/stream",
        read,
        "Server-sent events: every event collected from now on (type filters)",
        stream_events,
    )
    .add(
        Method::GET,
        "/events/{id}",
        read,
        "An event by id",
        get_event,
    )
    .add(
        Method::DELETE,
        "/events/{id}",
        del,
        "Delete an event",
        delete_event,
    )
}

fn params(raw: Option<String>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// How a filtered listing was selected, reported as `filter` in the response: the whole
/// condition ran in the store (`sql`), part of it did and the rest ran here on the rows
/// it returned (`partial`), or every record was read and tested here (`scan`). Items
/// are always tested here too, so all three give the same answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterMode {
    Sql,
    Partial,
    Scan,
}

impl FilterMode {
    fn as_str(self) -> &'static str {
        match self {
            FilterMode::Sql => "sql",
            FilterMode::Partial => "partial",
            FilterMode::Scan => "scan",
        }
    }
}

/// Remembers how the pages of one listing were selected.
#[derive(Default)]
struct ModeCell(std::sync::Mutex<Option<FilterMode>>);

impl ModeCell {
    fn set(&self, m: FilterMode) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(m);
        }
    }
    fn get(&self) -> FilterMode {
        self.0
            .lock()
            .ok()
            .and_then(|g| *g)
            .unwrap_or(FilterMode::Scan)
    }
}

/// A page of profiles, narrowed by the store when it can.
async fn profile_page(
    store: &crate::store::SharedStore,
    sc: &Scope,
    filter: &Filter,
    after: Option<String>,
    n: usize,
    mode: &ModeCell,
) -> crate::store::Result<Page<crate::domain::Profile>> {
    if let Some(expr) = filter.expr() {
        if let Some(narrowed) = store
            .list_profiles_where(sc, expr, after.as_deref(), n)
            .await?
        {
            mode.set(if narrowed.exact {
                FilterMode::Sql
            } else {
                FilterMode::Partial
            });
            return Ok(narrowed.page);
        }
    }
    mode.set(FilterMode::Scan);
    store.list_profiles(sc, after.as_deref(), n).await
}

/// A page of events by time, narrowed by the store when it can.
async fn event_page(
    store: &crate::store::SharedStore,
    sc: &Scope,
    range: TimeRange,
    filter: &Filter,
    after: Option<String>,
    n: usize,
    mode: &ModeCell,
) -> crate::store::Result<Page<crate::domain::Event>> {
    if let Some(expr) = filter.expr() {
        if let Some(narrowed) = store
            .events_by_time_where(sc, range, expr, after.as_deref(), n)
            .await?
        {
            mode.set(if narrowed.exact {
                FilterMode::Sql
            } else {
                FilterMode::Partial
            });
            return Ok(narrowed.page);
        }
    }
    mode.set(FilterMode::Scan);
    store.events_by_time(sc, range, after.as_deref(), n).await
}

/// Adds `filter` (how the listing was selected) to a filtered listing's body.
fn with_mode(mut body: Value, filter: &Filter, mode: &ModeCell) -> Value {
    if filter.is_some() {
        if let Value::Object(m) = &mut body {
            m.insert("filter".into(), Value::from(mode.get().as_str()));
        }
    }
    body
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn json_page<T: Serialize>(page: Page<T>) -> Page<Value> {
    Page {
        items: page.items.iter().map(to_value).collect(),
        next: page.next,
    }
}

/// The records the listing and counting routes serve.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Records {
    Profiles,
    Sessions,
    Events,
}

impl Records {
    fn source(self) -> DotSource {
        match self {
            Records::Profiles => DotSource::Profile,
            Records::Sessions => DotSource::Session,
            Records::Events => DotSource::Event,
        }
    }

    /// A page of these records as JSON, narrowed by the store when it can (profiles
    /// and events; sessions are scanned). `range` applies to events.
    #[allow(clippy::too_many_arguments)]
    async fn page(
        self,
        store: &crate::store::SharedStore,
        sc: &Scope,
        range: TimeRange,
        filter: &Filter,
        after: Option<String>,
        n: usize,
        mode: &ModeCell,
    ) -> crate::store::Result<Page<Value>> {
        Ok(match self {
            Records::Profiles => json_page(profile_page(store, sc, filter, after, n, mode).await?),
            Records::Sessions => json_page(store.list_sessions(sc, after.as_deref(), n).await?),
            Records::Events => {
                json_page(event_page(store, sc, range, filter, after, n, mode).await?)
            }
        })
    }
}

/// `GET /profiles`, `/sessions`, `/events`: a page of the records that pass the filter.
async fn list(
    state: PrivateApiState,
    ctx: Context,
    raw: Option<String>,
    kind: Records,
) -> Result<Response, ApiError> {
    let p = params(raw);
    let q = ListQuery::parse(&p)?;
    let filter = Filter::parse_for(q.filter.as_deref(), Some(kind.source()))?;
    let range = match kind {
        Records::Events => TimeRange {
            from: time_param(&p, "from")?,
            to: time_param(&p, "to")?,
        },
        _ => TimeRange::default(),
    };
    let sc = scope(&state, ctx);
    let mode = ModeCell::default();
    let body = filtered_page(
        |after, n| kind.page(&state.store, &sc, range, &filter, after, n, &mode),
        &q,
        &filter,
    )
    .await?;
    // Sessions are always scanned: their listing does not say how it was selected.
    Ok(Json(match kind {
        Records::Sessions => body,
        _ => with_mode(body, &filter, &mode),
    })
    .into_response())
}

/// `GET /profiles/count`, `/sessions/count`, `/events/count`: the records that pass the
/// filter, or all of them from the store's counts when there is none.
async fn count(
    state: PrivateApiState,
    ctx: Context,
    raw: Option<String>,
    kind: Records,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(&params(raw))?;
    let filter = Filter::parse_for(q.filter.as_deref(), Some(kind.source()))?;
    let sc = scope(&state, ctx);
    let count = if filter.is_some() {
        let mode = ModeCell::default();
        filtered_count(
            |after, n| {
                kind.page(
                    &state.store,
                    &sc,
                    TimeRange::default(),
                    &filter,
                    after,
                    n,
                    &mode,
                )
            },
            &filter,
        )
        .await?
    } else {
        let c = state.store.counts(&sc).await?;
        match kind {
            Records::Profiles => c.profiles,
            Records::Sessions => c.sessions,
            Records::Events => c.events,
        }
    };
    Ok(Json(json!({"count": count})).into_response())
}

/// One page of records that pass the filter, fetched from the store in pages; the
/// cursor continues after the last record examined.
async fn filtered_page<F, Fut>(fetch: F, q: &ListQuery, filter: &Filter) -> Result<Value, ApiError>
where
    F: Fn(Option<String>, usize) -> Fut,
    Fut: Future<Output = crate::store::Result<Page<Value>>>,
{
    let mut items = Vec::new();
    let mut cursor = q.after.clone();
    let mut scanned = 0;
    loop {
        // Ask for exactly what is missing, so that when the page fills, the store's
        // cursor points just past the last record answered.
        let want = q.limit - items.len();
        let page = fetch(cursor.clone(), want).await?;
        scanned += page.items.len();
        for v in page.items {
            if filter.matches(&v)? {
                items.push(v);
            }
        }
        cursor = page.next;
        if items.len() >= q.limit || cursor.is_none() || scanned >= SCAN_BUDGET {
            break;
        }
    }
    Ok(json!({"items": items, "next": cursor}))
}

/// Counts records passing the filter by scanning every page.
async fn filtered_count<F, Fut>(fetch: F, filter: &Filter) -> Result<u64, ApiError>
where
    F: Fn(Option<String>, usize) -> Fut,
    Fut: Future<Output = crate::store::Result<Page<Value>>>,
{
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = fetch(cursor, 1000).await?;
        for v in &page.items {
            if filter.matches(v)? {
                n += 1;
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            return Ok(n);
        }
    }
}

/// Names the context searched: data commands default to staging, the collector writes
/// to production.
fn not_found(what: &str, id: &str, ctx: Context) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no {what} `{id}` in {ctx}"))
}

/// A profile missing from `ctx`; says where it is when the other context holds it.
async fn profile_not_found(state: &PrivateApiState, ctx: Context, id: &str) -> ApiError {
    for other in Context::ALL.into_iter().filter(|c| *c != ctx) {
        if let Ok(Some(_)) = state.store.profile(&scope(state, other), id).await {
            return ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no profile `{id}` in {ctx}; it is in {other} (`--context {other}`, header `x-context: {other}`)"
                ),
            );
        }
    }
    not_found("profile", id, ctx)
}

fn scope(state: &PrivateApiState, ctx: Context) -> Scope {
    state.scope(ctx)
}

async fn get_profile(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match state.store.profile(&scope(&state, ctx), &id).await? {
        Some(p) => Ok(Json(p).into_response()),
        None => Err(profile_not_found(&state, ctx, &id).await),
    }
}

async fn delete_profile(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let sc = scope(&state, ctx);
    let store = &state.store;
    let Some(profile) = store.profile(&sc, &id).await? else {
        return Err(profile_not_found(&state, ctx, &id).await);
    };
    let mut ids: HashSet<String> = profile.ids.iter().cloned().collect();
    ids.insert(profile.id.clone());
    let mut events = 0u64;
    for pid in &ids {
        loop {
            // Deleting as we go: every pass starts at the beginning of what is left.
            let page = store.events_by_profile(&sc, pid, None, 500).await?;
            if page.items.is_empty() {
                break;
            }
            let before = events;
            for e in &page.items {
                if store.delete_event(&sc, &e.id).await? {
                    events += 1;
                }
            }
            // An index entry whose record is gone would otherwise be read forever.
            if events == before {
                break;
            }
        }
    }
    let mut sessions = 0u64;
    for pid in &ids {
        loop {
            let page = store.sessions_by_profile(&sc, pid, None, 500).await?;
            if page.items.is_empty() {
                break;
            }
            let before = sessions;
            for s in &page.items {
                if store.delete_session(&sc, &s.id).await? {
                    sessions += 1;
                }
            }
            if sessions == before {
                break;
            }
        }
    }
    // The merge journal keeps snapshots of the profiles a merge joined: erasing the
    // person erases them too.
    let mut merges = 0u64;
    for pid in &ids {
        for record in store.merge_records_of(&sc, pid).await? {
            if store.delete_merge_record(&sc, &record.id).await? {
                merges += 1;
            }
        }
    }
    store.delete_profile(&sc, &profile.id).await?;
    store.durable().await?;
    Ok(Json(json!({
        "deleted": {"profile": profile.id, "sessions": sessions, "events": events, "merges": merges},
    }))
    .into_response())
}

async fn profile_events(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = ListQuery::parse(&params(raw))?;
    let filter = Filter::parse_for(q.filter.as_deref(), Some(DotSource::Event))?;
    let sc = scope(&state, ctx);
    let Some(profile) = state.store.profile(&sc, &id).await? else {
        return Err(profile_not_found(&state, ctx, &id).await);
    };
    let store = state.store.clone();
    let pid = profile.id.clone();
    let body = filtered_page(
        |after, n| {
            let (store, sc, pid) = (store.clone(), sc.clone(), pid.clone());
            async move {
                let page = store
                    .events_by_profile(&sc, &pid, after.as_deref(), n)
                    .await?;
                Ok(json_page(page))
            }
        },
        &q,
        &filter,
    )
    .await?;
    Ok(Json(body).into_response())
}

async fn get_session(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match state.store.session(&scope(&state, ctx), &id).await? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(not_found("session", &id, ctx)),
    }
}

async fn delete_session(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !state.store.delete_session(&scope(&state, ctx), &id).await? {
        return Err(not_found("session", &id, ctx));
    }
    state.store.durable().await?;
    Ok(
        Json(json!({"deleted": {"session": id}, "kept": "the session's events and profile"}))
            .into_response(),
    )
}

fn time_param(p: &HashMap<String, String>, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match p.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("query parameter `{name}` must be an RFC 3339 time, not `{s}`: {e}"),
                )
            }),
    }
}

async fn get_event(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match state.store.event(&scope(&state, ctx), &id).await? {
        Some(e) => Ok(Json(e).into_response()),
        None => Err(not_found("event", &id, ctx)),
    }
}

async fn delete_event(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !state.store.delete_event(&scope(&state, ctx), &id).await? {
        return Err(not_found("event", &id, ctx));
    }
    state.store.durable().await?;
    Ok(Json(json!({"deleted": {"event": id}})).into_response())
}

/// `text/event-stream` of events as they are collected: `event: event`, `data: <JSON>`;
/// a subscriber that falls behind gets `event: lagged` with how many it missed.
async fn stream_events(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = params(raw);
    let types: Option<HashSet<String>> = p
        .get("type")
        .map(|t| t.split(',').map(|s| s.trim().to_string()).collect());
    let filter = Filter::parse_for(p.get("filter").map(String::as_str), Some(DotSource::Event))?;
    // The collector's tracker writes one tenant's context; a stream of another has
    // nothing to show.
    let live = state.tracker.scope() == &state.scope(ctx);
    let rx = state.tracker.subscribe();
    let stream = futures::stream::unfold(
        (rx, types, filter, live),
        |(mut rx, types, filter, live)| async move {
            if !live {
                std::future::pending::<()>().await;
            }
            loop {
                match rx.recv().await {
                    Ok(e) => {
                        if types.as_ref().is_some_and(|t| !t.contains(&e.event_type)) {
                            continue;
                        }
                        let v = to_value(&e);
                        if !filter.matches(&v).unwrap_or(false) {
                            continue;
                        }
                        let ev = SseEvent::default()
                            .event("event")
                            .id(e.id.clone())
                            .data(v.to_string());
                        return Some((
                            Ok::<_, std::convert::Infallible>(ev),
                            (rx, types, filter, live),
                        ));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        let ev = SseEvent::default().event("lagged").data(n.to_string());
                        return Some((Ok(ev), (rx, types, filter, live)));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    // The stream ends when the daemon stops: an open one would hold the graceful
    // shutdown until its deadline.
    let mut stop = state.options.stop.clone();
    let stopping = async move {
        match &mut stop {
            Some(rx) => {
                let _ = rx.wait_for(|stop| *stop).await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    Ok(Sse::new(futures::StreamExt::take_until(stream, stopping))
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_paths_read_the_record() {
        assert_eq!(
            qualify_bare_paths(
                r#"traits.plan == "pro" AND metadata.time.insert > now.offset("-1d")"#
            ),
            r#"payload@traits.plan == "pro" AND payload@metadata.time.insert > now.offset("-1d")"#
        );
        assert_eq!(
            qualify_bare_paths(r#"profile@traits.a EXISTS or x == 'it''s'"#),
            r#"profile@traits.a EXISTS or payload@x == 'it''s'"#
        );
        let f =
            Filter::parse_for(Some(r#"traits.plan == "pro""#), Some(DotSource::Profile)).unwrap();
        assert!(f.matches(&json!({"traits": {"plan": "pro"}})).unwrap());
        assert!(!f.matches(&json!({"traits": {}})).unwrap());
        let f = Filter::parse_for(
            Some(r#"profile@traits.plan == "pro""#),
            Some(DotSource::Profile),
        )
        .unwrap();
        assert!(f.matches(&json!({"traits": {"plan": "pro"}})).unwrap());
        let f = Filter::parse(Some("metadata.time.insert > now.offset(\"-1d\")")).unwrap();
        assert!(f
            .matches(&json!({"metadata": {"time": {"insert": chrono::Utc::now().to_rfc3339()}}}))
            .unwrap());
        assert!(Filter::parse(Some("a == ")).is_err());
    }

    fn filter_error(condition: &str) -> String {
        match Filter::parse(Some(condition)) {
            Err(e) => e.message,
            Ok(_) => panic!("`{condition}` parsed"),
        }
    }

    #[test]
    fn errors_in_bare_path_conditions_point_at_what_the_user_wrote() {
        // The error is the real one (not "unknown keyword `traits`" at column 1), at the
        // column of what was typed, not of the `payload@`-qualified form.
        let e = filter_error(r#"traits.plan == "pro" AND stats.visits >"#);
        assert!(
            e.contains("found the end of the condition at line 1, column 40 (offset 39)"),
            "{e}"
        );
        let e = filter_error("traits.a == 1 OR traits.b == 2 AND traits.c == 3");
        assert!(e.contains("mixes AND and OR"), "{e}");
        let e = filter_error("traits.a == 1 traits.b");
        assert!(
            e.contains("found `traits.b` at line 1, column 15 (offset 14)"),
            "{e}"
        );
        let e = filter_error("traits.a ==\n  == 2");
        assert!(e.contains("at line 2, column 3 (offset 14)"), "{e}");
        // Without bare paths the first error stands.
        let e = filter_error("profile@a ==== 2");
        assert!(e.contains("column 13"), "{e}");
    }
}
