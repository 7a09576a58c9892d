//! Segmentation on demand: evaluate every segment over every profile of the context.

use super::{ok_json, roles, Access, Ctx, PrivateApiState, Routes};
use crate::daemon::http::ApiError;
use crate::workflow::engine::{EngineOptions, WorkflowEngine};
use crate::workflow::segmentation;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        Method::POST,
        "/segments/refresh",
        Access::Roles(roles::MARKETING),
        "Evaluate every enabled segment over every profile of the context; entering runs segment-add rules",
        refresh,
    )
}

async fn refresh(State(s): State<PrivateApiState>, Ctx(c): Ctx) -> Result<Response, ApiError> {
    let scope = s.scope(c);
    let engine = WorkflowEngine::new(s.store.clone(), EngineOptions::default());
    let locks = s.tracker.profile_locks();
    let summary = segmentation::refresh(&engine, Some(&locks), &scope, &|_, _| {}).await?;
    let mut v = serde_json::to_value(&summary).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("context".into(), c.as_str().into());
    }
    Ok(ok_json(v))
}
