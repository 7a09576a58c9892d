//! The work queue's health and its dead-letter queue: inspect, replay, purge.

use super::{roles, Access, Ctx, NamedCtx, PrivateApiState, Routes};
use crate::daemon::destinations;
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::Context;
use crate::store::QueueItem;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        Method::GET,
        "/queue",
        Access::Roles(roles::READ_DATA),
        "Work queue health: depth, in flight, oldest item age, dead letters, failures per destination",
        stats,
    )
    .add(
        Method::GET,
        "/destinations/{id}/log",
        Access::Roles(roles::READ_DATA),
        "A destination's delivery log: totals and the last deliveries (time, status, latency, error)",
        delivery_log,
    )
    .add(
        Method::GET,
        "/dlq",
        Access::Roles(roles::READ_DATA),
        "Dead letters, oldest first (limit, after); `total` counts every one the caller sees",
        list,
    )
    .add(
        Method::DELETE,
        "/dlq",
        Access::Roles(roles::DELETE_DATA),
        "Delete every dead letter",
        purge_all,
    )
    .add(
        Method::GET,
        "/dlq/{id}",
        Access::Roles(roles::READ_DATA),
        "One dead letter with its last error",
        show,
    )
    .add(
        Method::DELETE,
        "/dlq/{id}",
        Access::Roles(roles::DELETE_DATA),
        "Delete one dead letter",
        purge_one,
    )
    .add(
        Method::POST,
        "/dlq/{id}/replay",
        Access::Roles(roles::DELETE_DATA),
        "Put a dead letter back at the end of the queue with its attempts reset",
        replay,
    )
}

fn seq(id: &str) -> Result<u64, ApiError> {
    id.trim().parse().map_err(|_| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("a dead letter id is a number, not `{id}`"),
        )
    })
}

fn not_found(id: u64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no dead letter {id}"))
}

pub fn describe(item: &QueueItem) -> Value {
    json!({
        "id": item.seq,
        "tenant": item.scope.tenant,
        "context": item.scope.context.as_str(),
        "topic": item.topic,
        "key": item.key,
        "attempts": item.attempts,
        "enqueued_at": item.enqueued_at,
        "last_error": item.last_error,
        "payload": item.payload,
    })
}

async fn stats(State(s): State<PrivateApiState>) -> Result<Response, ApiError> {
    let now = chrono::Utc::now();
    let st = s.store.queue_stats(now).await?;
    Ok(super::ok_json(json!({
        "depth": st.depth,
        "in_flight": st.in_flight,
        "oldest": st.oldest,
        "oldest_age_seconds": st.oldest.map(|t| (now - t).num_milliseconds() as f64 / 1000.0),
        "dead_letters": st.dead_letters,
        "destinations": destinations::health(s.store.as_ref()).await?,
    })))
}

async fn delivery_log(
    State(s): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = s.scope(ctx);
    if s.store
        .config(&scope, destinations::DESTINATION_KIND, &id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no destination `{id}` in {}", ctx.as_str()),
        ));
    }
    let log = destinations::read_log(s.store.as_ref(), &scope, &id).await?;
    Ok(super::ok_json(destinations::log_json(&id, &log)))
}

/// Whether a dead letter is the request's: its tenant's, and of the context the request
/// names, if it names one.
fn mine(s: &PrivateApiState, ctx: Option<Context>, item: &QueueItem) -> bool {
    item.scope.tenant == s.tenant() && ctx.is_none_or(|c| item.scope.context == c)
}

async fn list(
    State(s): State<PrivateApiState>,
    NamedCtx(ctx): NamedCtx,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let query = super::ListQuery::parse(&params)?;
    let after = query.after.as_deref().map(seq).transpose()?;
    // The queue is install-wide: a tenant sees only its own dead letters, and `total`
    // counts those (of the named context), not the page. Counting them reads every dead
    // letter's record once; the dead-letter queue holds only what failed every retry.
    let mut total = 0u64;
    let mut items = Vec::new();
    let mut next = None;
    let mut cursor = None;
    loop {
        let page = s.store.dead_letters(cursor, SCAN_PAGE).await?;
        let full = page.len() == SCAN_PAGE;
        for item in page {
            cursor = Some(item.seq);
            if !mine(&s, ctx, &item) {
                continue;
            }
            total += 1;
            if after.is_some_and(|a| item.seq <= a) {
                continue;
            }
            if items.len() < query.limit {
                items.push(item);
            } else if next.is_none() {
                next = items.last().map(|i: &QueueItem| i.seq.to_string());
            }
        }
        if !full {
            break;
        }
    }
    let items: Vec<Value> = items.iter().map(describe).collect();
    Ok(super::ok_json(
        json!({"total": total, "items": items, "next": next}),
    ))
}

/// Dead letters read per store call while listing or counting them.
const SCAN_PAGE: usize = 1000;

async fn show(
    State(s): State<PrivateApiState>,
    NamedCtx(ctx): NamedCtx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = seq(&id)?;
    Ok(super::ok_json(describe(&own(&s, ctx, id).await?)))
}

/// A dead letter of the request's tenant (and named context); another's is not found.
async fn own(s: &PrivateApiState, ctx: Option<Context>, id: u64) -> Result<QueueItem, ApiError> {
    match s.store.dead_letter(id).await? {
        Some(item) if mine(s, ctx, &item) => Ok(item),
        _ => Err(not_found(id)),
    }
}

async fn replay(
    State(s): State<PrivateApiState>,
    NamedCtx(ctx): NamedCtx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = seq(&id)?;
    own(&s, ctx, id).await?;
    let new = s
        .store
        .replay_dead_letter(id, chrono::Utc::now())
        .await?
        .ok_or_else(|| not_found(id))?;
    s.store.durable().await?;
    Ok(super::ok_json(json!({"replayed": id, "queued_as": new})))
}

async fn purge_one(
    State(s): State<PrivateApiState>,
    NamedCtx(ctx): NamedCtx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = seq(&id)?;
    own(&s, ctx, id).await?;
    if s.store.purge_dead_letters(Some(id)).await? == 0 {
        return Err(not_found(id));
    }
    s.store.durable().await?;
    Ok(super::ok_json(json!({"deleted": 1})))
}

async fn purge_all(
    State(s): State<PrivateApiState>,
    NamedCtx(ctx): NamedCtx,
) -> Result<Response, ApiError> {
    let mut n = 0;
    let mut after = None;
    loop {
        let page = s.store.dead_letters(after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        for item in page.iter().filter(|i| mine(&s, ctx, i)) {
            n += s.store.purge_dead_letters(Some(item.seq)).await?;
        }
    }
    s.store.durable().await?;
    Ok(super::ok_json(json!({"deleted": n})))
}
