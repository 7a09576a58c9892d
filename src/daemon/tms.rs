//! The tenant management service (`tracardictl serve tms`, 127.0.0.1:8383): creates,
//! lists, suspends, resumes and deletes tenants. Every route but the health check needs
//! the TMS API key (`x-api-key: KEY` or `Authorization: Bearer KEY`).
//!
//! Creating a tenant bootstraps its two contexts, its admin user and an admin API key
//! for the private API, and a default `rest` event source whose id is indexed so the
//! collector routes it to the tenant. Deleting one removes all of its data.

use super::http::{self, ApiError, ErrorCode};
use super::private_api::auth::{same_secret, token_key, AuthStore};
use super::private_api::{json_body, Role};
use crate::domain::{
    check_tenant_name, new_id, Context, EventSource, RateLimit, Scope, Tenant, TenantState,
};
use crate::store::{self, tenants, SharedStore};
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// One TMS route: method, path, whether it needs the API key, and what it does.
#[derive(Debug, Clone)]
pub struct TmsRoute {
    pub method: Method,
    pub path: &'static str,
    pub needs_key: bool,
    pub summary: &'static str,
}

struct Inner {
    store: SharedStore,
    api_key: String,
}

#[derive(Clone)]
struct TmsState(Arc<Inner>);

fn table() -> Vec<(TmsRoute, MethodRouter<TmsState>)> {
    let r = |method: Method, path, needs_key, summary, mr| {
        (
            TmsRoute {
                method,
                path,
                needs_key,
                summary,
            },
            mr,
        )
    };
    vec![
        r(
            Method::GET,
            "/healthcheck",
            false,
            "Liveness: answers 200 without a key",
            get(healthcheck),
        ),
        r(
            Method::GET,
            "/tenants",
            true,
            "List tenants with their state",
            get(list),
        ),
        r(
            Method::POST,
            "/tenants",
            true,
            "Create a tenant: contexts, admin user and API key, default event source",
            post(create),
        ),
        r(
            Method::GET,
            "/tenants/{name}",
            true,
            "A tenant with its storage figures",
            get(show),
        ),
        r(
            Method::POST,
            "/tenants/{name}/suspend",
            true,
            "Suspend a tenant: collection answers 403, its API tokens 403",
            post(suspend),
        ),
        r(
            Method::POST,
            "/tenants/{name}/resume",
            true,
            "Resume a suspended tenant",
            post(resume),
        ),
        r(
            Method::PUT,
            "/tenants/{name}/rate-limit",
            true,
            "Set (`{events_per_second, burst}`) or remove (`null`) the collection rate limit",
            put(set_rate_limit),
        ),
        r(
            Method::DELETE,
            "/tenants/{name}",
            true,
            "Delete a tenant and all of its data (needs `?confirm=true`); reports what went",
            delete(remove),
        ),
    ]
}

/// The TMS route table, for documentation and tests.
pub fn route_specs() -> Vec<TmsRoute> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

pub fn router(store: SharedStore, api_key: &str) -> Router {
    let state = TmsState(Arc::new(Inner {
        store,
        api_key: api_key.trim().to_string(),
    }));
    let mut router = Router::new();
    for (spec, mr) in table() {
        let mr = if spec.needs_key {
            mr.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                require_key,
            ))
        } else {
            mr
        };
        router = router.route(spec.path, mr);
    }
    router
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn(http::process_time))
}

/// A missing or wrong key answers 401.
async fn require_key(State(state): State<TmsState>, req: Request, next: Next) -> Response {
    let unauthenticated = |m: &str| ApiError::new(ErrorCode::Unauthenticated, m).into_response();
    if state.0.api_key.is_empty() {
        return unauthenticated(
            "the TMS has no API key configured (tms.api_key, TRACARDI_TMS_API_KEY): every request is refused",
        );
    }
    let headers = req.headers();
    let given = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .or_else(|| {
            headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or(v.strip_prefix("bearer ")))
                .map(str::trim)
        });
    match given {
        None | Some("") => {
            unauthenticated("Not authenticated: send the TMS API key as `x-api-key: KEY`")
        }
        Some(k) if same_secret(k, &state.0.api_key) => next.run(req).await,
        Some(_) => unauthenticated("Invalid TMS API key"),
    }
}

async fn healthcheck() -> Json<Value> {
    Json(json!({"status": "ok", "service": "tms"}))
}

fn public(t: &Tenant) -> Value {
    json!({
        "name": t.name,
        "state": t.state,
        "created": t.created,
        "admin_email": t.admin_email,
        "default_source": t.default_source,
        "rate_limit": t.rate_limit,
        "suspended_at": t.suspended_at,
    })
}

async fn list(State(state): State<TmsState>) -> Result<Response, ApiError> {
    let items: Vec<Value> = tenants::tenants(state.0.store.as_ref())
        .await?
        .iter()
        .map(public)
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})).into_response())
}

async fn registered(state: &TmsState, name: &str) -> Result<Tenant, ApiError> {
    tenants::tenant(state.0.store.as_ref(), name)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no tenant `{name}`")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTenant {
    name: String,
    admin_email: String,
    /// None: one is generated and answered once.
    #[serde(default)]
    admin_password: Option<String>,
    #[serde(default)]
    rate_limit: Option<RateLimit>,
}

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidConfiguration, format!("`{field}`: {why}"))
}

fn random_secret(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn create(State(state): State<TmsState>, body: Bytes) -> Result<Response, ApiError> {
    let new: NewTenant = json_body(&body)?;
    let store = state.0.store.as_ref();
    let name = new.name.trim().to_string();
    check_tenant_name(&name).map_err(|e| invalid("name", &e))?;
    if let Some(limit) = &new.rate_limit {
        limit.check().map_err(|e| invalid("rate_limit", &e))?;
    }
    if tenants::tenant(store, &name).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("tenant `{name}` exists"),
        ));
    }
    if store.scopes().await?.iter().any(|s| s.tenant == name) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("the store already holds data of tenant `{name}` (a single-tenant install's tenant?); pick another name"),
        ));
    }
    let generated = new.admin_password.is_none();
    let password = new
        .admin_password
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let auth = AuthStore {
        store,
        tenant: name.as_str().into(),
    };
    // Contexts and the admin user: the same installation a single-tenant install runs.
    auth.install(new.admin_email.clone(), password.clone(), None)
        .await?;
    let (api_token, _) = auth
        .issue_token(
            "api-key",
            "tenant admin key (created by the TMS)".into(),
            None,
            vec![Role::Admin],
            None,
        )
        .await?;
    let mut source = EventSource::new_rest(new_id(), "Default REST source");
    source.description = "Created with the tenant for website trackers.".into();
    for ctx in Context::ALL {
        store::put_event_source(store, &Scope::new(name.as_str(), ctx), &source).await?;
    }
    tenants::index_source(store, &source.id, &name).await?;
    let installation_token = random_secret("tit_");
    let tenant = Tenant {
        name: name.clone(),
        state: TenantState::Active,
        created: Utc::now(),
        admin_email: new.admin_email.trim().to_ascii_lowercase(),
        installation_token_sha256: token_key(&installation_token),
        default_source: source.id.clone(),
        rate_limit: new.rate_limit,
        suspended_at: None,
    };
    tenants::put_tenant(store, &tenant).await?;
    store.durable().await?;
    let mut body = json!({
        "tenant": public(&tenant),
        "installation_token": installation_token,
        "admin": {"email": tenant.admin_email},
        "api_token": api_token,
        "default_source": source.id,
    });
    if generated {
        body["admin"]["password"] = Value::String(password);
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Records of one scope: data counts and configuration documents.
async fn figures(store: &dyn store::Store, scope: &Scope) -> Result<Value, ApiError> {
    let counts = store.counts(scope).await?;
    let mut config = 0usize;
    for kind in store.config_kinds(scope).await? {
        config += store.list_config(scope, &kind).await?.len();
    }
    Ok(json!({
        "profiles": counts.profiles,
        "sessions": counts.sessions,
        "events": counts.events,
        "configuration": config,
    }))
}

async fn storage(store: &dyn store::Store, name: &str) -> Result<Value, ApiError> {
    let mut out = serde_json::Map::new();
    let mut total = json!({"profiles": 0, "sessions": 0, "events": 0, "configuration": 0});
    for ctx in Context::ALL {
        let f = figures(store, &Scope::new(name, ctx)).await?;
        for k in ["profiles", "sessions", "events", "configuration"] {
            let sum = total[k].as_u64().unwrap_or(0) + f[k].as_u64().unwrap_or(0);
            total[k] = json!(sum);
        }
        out.insert(ctx.as_str().into(), f);
    }
    out.insert("total".into(), total);
    Ok(Value::Object(out))
}

async fn show(
    State(state): State<TmsState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let tenant = registered(&state, &name).await?;
    let mut body = public(&tenant);
    body["storage"] = storage(state.0.store.as_ref(), &name).await?;
    Ok(Json(body).into_response())
}

async fn set_state(state: &TmsState, name: &str, to: TenantState) -> Result<Response, ApiError> {
    let mut tenant = registered(state, name).await?;
    if tenant.state != to {
        tenant.state = to;
        tenant.suspended_at = (to == TenantState::Suspended).then(Utc::now);
        tenants::put_tenant(state.0.store.as_ref(), &tenant).await?;
        state.0.store.durable().await?;
    }
    Ok(Json(public(&tenant)).into_response())
}

async fn suspend(
    State(state): State<TmsState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    set_state(&state, &name, TenantState::Suspended).await
}

async fn resume(
    State(state): State<TmsState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    set_state(&state, &name, TenantState::Active).await
}

async fn set_rate_limit(
    State(state): State<TmsState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let limit: Option<RateLimit> = json_body(&body)?;
    if let Some(l) = &limit {
        l.check().map_err(|e| invalid("rate_limit", &e))?;
    }
    let mut tenant = registered(&state, &name).await?;
    tenant.rate_limit = limit;
    tenants::put_tenant(state.0.store.as_ref(), &tenant).await?;
    state.0.store.durable().await?;
    Ok(Json(public(&tenant)).into_response())
}

async fn remove(
    State(state): State<TmsState>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if params.get("confirm").map(|s| s.trim()) != Some("true") {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "deleting tenant `{name}` removes all of its data: confirm with `?confirm=true`"
            ),
        ));
    }
    let mut tenant = registered(&state, &name).await?;
    let store = state.0.store.as_ref();
    // Suspended first: collectors and the private API refuse the tenant from the
    // moment its record says so, before its records go.
    if tenant.state != TenantState::Suspended {
        tenant.state = TenantState::Suspended;
        tenant.suspended_at = Some(Utc::now());
        tenants::put_tenant(store, &tenant).await?;
        store.durable().await?;
    }
    let removed = storage(store, &name).await?;
    store.drop_tenant(&name).await?;
    let index_entries = tenants::unregister(store, &name).await?;
    store.durable().await?;
    Ok(Json(json!({
        "deleted": name,
        "removed": {
            "staging": removed["staging"],
            "production": removed["production"],
            "total": removed["total"],
            "index_entries": index_entries,
        },
    }))
    .into_response())
}
