//! Flows beyond plain configuration: drafts, deploys, locks, debug runs and traces, and
//! the plugin registry.

use super::{json_body, ok_json, roles, Access, Ctx, PrivateApiState, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::workflow::engine::{DryRunData, EngineError, EngineOptions, WorkflowEngine};
use crate::workflow::plugins;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn routes(r: Routes) -> Routes {
    let configure = Access::Roles(roles::CONFIGURE);
    let read = Access::Roles(roles::READ_DATA);
    r.add(
        Method::GET,
        "/plugins",
        read,
        "Workflow plugins: id, ports and init fields",
        list_plugins,
    )
    .add(
        Method::GET,
        "/flows/{id}/draft",
        configure,
        "A flow's draft (the deployed version when there is no draft)",
        get_draft,
    )
    .add(
        Method::PUT,
        "/flows/{id}/draft",
        configure,
        "Validate and save a flow's draft (Tracardi JSON or the YAML form as JSON)",
        put_draft,
    )
    .add(
        Method::POST,
        "/flows/{id}/deploy",
        configure,
        "Publish a flow's draft: rules run the deployed version",
        deploy,
    )
    .add(
        Method::POST,
        "/flows/{id}/lock",
        configure,
        "Lock a flow against edits",
        lock,
    )
    .add(
        Method::POST,
        "/flows/{id}/unlock",
        configure,
        "Unlock a flow",
        unlock,
    )
    .add(
        Method::POST,
        "/flows/{id}/run",
        configure,
        "Debug run of a flow's draft over given event, profile and session; nothing is stored",
        run_debug,
    )
    .add(
        Method::GET,
        "/flows/{id}/traces",
        read,
        "Stored traces of a flow, newest first (limit)",
        list_traces,
    )
    .add(
        Method::GET,
        "/traces/{id}",
        read,
        "One stored flow trace by run id",
        get_trace,
    )
}

fn engine(state: &PrivateApiState) -> WorkflowEngine {
    WorkflowEngine::new(state.store.clone(), EngineOptions::default())
}

fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::Store(e) => e.into(),
        EngineError::NotFound(id) => {
            ApiError::new(ErrorCode::NotFound, format!("flow `{id}` not found"))
        }
        EngineError::Locked(_) => ApiError::new(ErrorCode::Conflict, e.to_string()),
        EngineError::Flow(_) | EngineError::Invalid(_) => {
            ApiError::new(ErrorCode::InvalidConfiguration, e.to_string())
        }
    }
}

async fn list_plugins() -> Response {
    let items: Vec<Value> = plugins::registry().iter().map(|p| p.describe()).collect();
    ok_json(json!({"total": items.len(), "items": items}))
}

async fn get_draft(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let flow = engine(&s)
        .draft(&s.scope(c), &id)
        .await
        .map_err(engine_error)?;
    Ok(ok_json(flow.to_value()))
}

async fn put_draft(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let doc: Value = json_body(&body)?;
    let named = doc.get("id").and_then(Value::as_str);
    if named.is_some_and(|n| n != id) {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "the body names flow `{}` but the path names `{id}`",
                named.unwrap_or_default()
            ),
        ));
    }
    let mut doc = doc;
    if let Value::Object(m) = &mut doc {
        m.insert("id".into(), json!(id));
    }
    let flow = engine(&s)
        .save_draft(&s.scope(c), &doc)
        .await
        .map_err(engine_error)?;
    Ok(ok_json(flow.to_value()))
}

async fn deploy(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = s.scope(c);
    let engine = engine(&s);
    let draft = engine.draft(&scope, &id).await.map_err(engine_error)?;
    if deploy_would_overwrite_lock(s.store.as_ref(), &scope, &draft).await? {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "flow `{id}` is locked in {}; its deployed version is kept. Unlock it first \
                 (`POST /flows/{id}/unlock`), then deploy again",
                c.as_str()
            ),
        ));
    }
    let flow = engine.deploy(&scope, &id).await.map_err(engine_error)?;
    Ok(ok_json(json!({"deployed": flow.id})))
}

/// Whether publishing `draft` would change a locked deployed flow (compared in one
/// shape: a flow applied as configuration may be stored in its concise form).
pub async fn deploy_would_overwrite_lock(
    store: &dyn crate::store::Store,
    scope: &crate::domain::Scope,
    draft: &crate::workflow::flow::FlowDocument,
) -> Result<bool, crate::store::StoreError> {
    let current = store
        .config(scope, crate::workflow::engine::kinds::FLOW, &draft.id)
        .await?
        .map(|c| {
            crate::workflow::flow::FlowDocument::from_value(&c)
                .map(|f| f.to_value())
                .unwrap_or(c)
        });
    let new = draft.to_value();
    Ok(super::config_kinds::overwrites_locked_flow(
        current.as_ref(),
        &new,
    ))
}

async fn set_lock(
    s: PrivateApiState,
    c: crate::domain::Context,
    id: String,
    lock: bool,
) -> Result<Response, ApiError> {
    engine(&s)
        .set_lock(&s.scope(c), &id, lock)
        .await
        .map_err(engine_error)?;
    Ok(ok_json(json!({"id": id, "lock": lock})))
}

async fn lock(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_lock(s, c, id, true).await
}

async fn unlock(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_lock(s, c, id, false).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RunBody {
    #[serde(default)]
    event: Value,
    #[serde(default)]
    profile: Value,
    #[serde(default)]
    session: Value,
    #[serde(default)]
    new_profile: bool,
    #[serde(default)]
    new_session: bool,
}

async fn run_debug(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: RunBody = if body.is_empty() {
        RunBody::default()
    } else {
        json_body(&body)?
    };
    let engine = engine(&s);
    let flow = engine.draft(&s.scope(c), &id).await.map_err(engine_error)?;
    let object_or_empty = |v: Value| if v.is_null() { json!({}) } else { v };
    let (result, ctx) = engine
        .dry_run(
            &flow.to_value(),
            DryRunData {
                profile: object_or_empty(body.profile),
                session: object_or_empty(body.session),
                event: object_or_empty(body.event),
                new_profile: body.new_profile,
                new_session: body.new_session,
            },
        )
        .await
        .map_err(engine_error)?;
    Ok(ok_json(json!({
        "result": result,
        "profile": ctx.profile,
        "session": ctx.session,
        "event": ctx.event,
    })))
}

async fn list_traces(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let query = super::ListQuery::parse(&params)?;
    let items = engine(&s)
        .traces(&s.scope(c), Some(&id), query.limit)
        .await?;
    Ok(ok_json(json!({"total": items.len(), "items": items})))
}

async fn get_trace(
    State(s): State<PrivateApiState>,
    Ctx(c): Ctx,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    match engine(&s).trace(&s.scope(c), &run_id).await? {
        Some(t) => Ok(ok_json(t)),
        None => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no trace of run `{run_id}`"),
        )),
    }
}
