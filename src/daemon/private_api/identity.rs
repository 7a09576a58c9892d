//! Merging by hand, explaining and undoing merges: the merge journal over HTTP.

use super::{json_body, roles, Access, Ctx, Principal, PrivateApiState, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::MergeTrigger;
use crate::identity::apm::ApmError;
use crate::identity::{Apm, MergeOutcome};
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        Method::POST,
        "/profiles/merge",
        Access::Roles(roles::DELETE_DATA),
        "Merge profiles now (or preview with dry_run): {ids, survivor?, dry_run?}",
        merge,
    )
    .add(
        Method::GET,
        "/profiles/{id}/explain",
        Access::Roles(roles::READ_DATA),
        "Why a profile is what it is: merge keys, other ids, merges, counts",
        explain,
    )
    .add(
        Method::POST,
        "/profiles/{id}/unmerge",
        Access::Roles(roles::DELETE_DATA),
        "Undo a merge of this profile: {merge}",
        unmerge,
    )
    .add(
        Method::GET,
        "/merges/{id}",
        Access::Roles(roles::READ_DATA),
        "One merge journal record",
        merge_record,
    )
}

fn apm(state: &PrivateApiState) -> Result<Apm, ApiError> {
    let settings = state.options.identity.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            "profile merging is not configured on this server",
        )
    })?;
    Ok(Apm::new(
        state.store.clone(),
        state.tracker.profile_locks(),
        settings,
    ))
}

fn apm_error(e: ApmError) -> ApiError {
    match e {
        ApmError::Store(s) => s.into(),
        ApmError::UnknownMerge(_) | ApmError::UnknownProfile(_) => {
            ApiError::new(ErrorCode::NotFound, e.to_string())
        }
        ApmError::CannotUndo(..) => ApiError::new(ErrorCode::Conflict, e.to_string()),
        ApmError::Merge(m) => ApiError::new(ErrorCode::InvalidConfiguration, m.to_string()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeRequest {
    ids: Vec<String>,
    #[serde(default)]
    survivor: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn who(principal: &Option<Extension<Principal>>) -> String {
    principal
        .as_ref()
        .and_then(|p| p.email.clone().or(p.user_id.clone()))
        .unwrap_or_else(|| "api key".into())
}

async fn merge(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    principal: Option<Extension<Principal>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: MergeRequest = json_body(&body)?;
    let ids: Vec<String> = req
        .ids
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() < 2 {
        return Err(ApiError::new(
            ErrorCode::InvalidConfiguration,
            "`ids`: name at least two profiles to merge",
        ));
    }
    let scope = state.scope(ctx);
    for id in &ids {
        if state.store.profile(&scope, id).await?.is_none() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no profile `{id}` in {ctx}"),
            ));
        }
    }
    let trigger = MergeTrigger {
        kind: "operator".into(),
        detail: who(&principal),
        keys: vec![],
    };
    let outcome = apm(&state)?
        .merge_group(&scope, &ids, trigger, req.survivor.as_deref(), req.dry_run)
        .await
        .map_err(apm_error)?;
    match outcome {
        MergeOutcome::NothingToMerge => Err(ApiError::new(
            ErrorCode::Conflict,
            "these ids name one profile: nothing to merge",
        )),
        other => Ok(Json(other).into_response()),
    }
}

async fn explain(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let e = apm(&state)?
        .explain(&state.scope(ctx), &id)
        .await
        .map_err(apm_error)?;
    Ok(Json(e).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnmergeRequest {
    merge: String,
}

async fn unmerge(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: UnmergeRequest = json_body(&body)?;
    let scope = state.scope(ctx);
    let record = state
        .store
        .merge_record(&scope, &req.merge)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no merge `{}`", req.merge)))?;
    if record.survivor != id && !record.merged.contains(&id) {
        return Err(ApiError::new(
            ErrorCode::InvalidConfiguration,
            format!("merge `{}` does not involve profile `{id}`", req.merge),
        ));
    }
    let undo = apm(&state)?
        .unmerge(&scope, &req.merge, &who(&principal))
        .await
        .map_err(apm_error)?;
    Ok(Json(json!({"unmerge": undo})).into_response())
}

async fn merge_record(
    State(state): State<PrivateApiState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let r = state
        .store
        .merge_record(&state.scope(ctx), &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no merge `{id}`")))?;
    Ok(Json(r).into_response())
}
