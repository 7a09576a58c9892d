//! The private API (VPN only): configuration and data access for the CLI and the TUI,
//! per context (staging or production), behind users, roles and tokens.
//!
//! Every route is declared once in a table ([`RouteSpec`]) with the roles it admits.
//! The router, the authorization layer and `/openapi.json` are all built from that
//! table, so a route cannot exist without an access rule.

pub mod auth;
pub mod config_kinds;
pub mod data;
pub mod flows;
pub mod identity;
pub mod ops;
pub mod queue;
pub mod segments;

use super::http::{self, ApiError, ErrorCode};
use super::metrics::Metrics;
use crate::domain::{Context, Scope};
use crate::store::SharedStore;
use crate::tracking::Tracker;
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// A user's role. Tracardi's four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Developer,
    Marketer,
    Maintainer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Developer,
        Role::Marketer,
        Role::Maintainer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Marketer => "marketer",
            Role::Maintainer => "maintainer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// The role matrix (Tracardi's): who may do what.
pub mod roles {
    use super::Role::{self, *};

    /// Event sources, flows, resources, destinations and the event mappings.
    pub const CONFIGURE: &[Role] = &[Admin, Developer];
    /// Rules, segments, consent types and conditions (TQL).
    pub const MARKETING: &[Role] = &[Admin, Developer, Marketer];
    /// Reading profiles, sessions and events; operational views.
    pub const READ_DATA: &[Role] = &[Admin, Developer, Marketer, Maintainer];
    /// Deleting profiles, sessions and events.
    pub const DELETE_DATA: &[Role] = &[Admin, Developer];
    /// Users and API keys.
    pub const ADMIN: &[Role] = &[Admin];
    /// Any signed-in user (logout, who am I).
    pub const ANY: &[Role] = &[Admin, Developer, Marketer, Maintainer];
    /// Deploying staging to production.
    pub const DEPLOY: &[Role] = &[Admin, Developer];
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Access {
    /// No token needed (health, version, metrics, login, install, the OpenAPI document).
    Public,
    /// A token carrying one of these roles.
    Roles(&'static [Role]),
}

/// One route: method, path (axum syntax), who may call it, and what it does.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: String,
    pub access: Access,
    pub summary: String,
}

/// Builds the router and the route table together.
pub(crate) struct Routes {
    router: Router<PrivateApiState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    pub(crate) fn add<H, T>(
        mut self,
        method: Method,
        path: &str,
        access: Access,
        summary: impl Into<String>,
        handler: H,
    ) -> Self
    where
        H: Handler<T, PrivateApiState>,
        T: 'static,
    {
        let mr: MethodRouter<PrivateApiState> = match method.as_str() {
            "POST" => post(handler),
            "PUT" => put(handler),
            "DELETE" => delete(handler),
            _ => get(handler),
        };
        self.router = self.router.route(path, mr);
        self.specs.push(RouteSpec {
            method,
            path: path.to_string(),
            access,
            summary: summary.into(),
        });
        self
    }
}

pub struct PrivateApiOptions {
    pub tenant: String,
    pub installation_token: String,
    pub production_only: bool,
    pub token_ttl: chrono::Duration,
    /// Merge settings for the merge, explain and unmerge routes; None: they answer 409.
    pub identity: Option<Arc<crate::identity::IdentitySettings>>,
    /// Turns true when the daemon stops: live streams (`/events/stream`) end then, so
    /// they do not hold the graceful shutdown until its deadline.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

pub struct Inner {
    pub store: SharedStore,
    pub tracker: Arc<Tracker>,
    pub metrics: Arc<Metrics>,
    pub options: PrivateApiOptions,
    pub specs: Vec<RouteSpec>,
    access: HashMap<(Method, String), Access>,
}

#[derive(Clone)]
pub struct PrivateApiState(pub Arc<Inner>);

impl std::ops::Deref for PrivateApiState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

tokio::task_local! {
    /// The tenant of the token a request was authorised with, for the whole handling of
    /// that request (set by the authorization layer).
    static REQUEST_TENANT: String;
}

/// Runs `f` as work of `tenant`: [`Inner::tenant`] and every scope it derives answer
/// that tenant inside it.
pub async fn with_tenant<F: std::future::Future>(tenant: String, f: F) -> F::Output {
    REQUEST_TENANT.scope(tenant, f).await
}

impl Inner {
    /// The tenant the current request works on: its token's tenant, else (public routes,
    /// work outside a request) the server's configured tenant.
    pub fn tenant(&self) -> String {
        REQUEST_TENANT
            .try_with(Clone::clone)
            .unwrap_or_else(|_| self.options.tenant.clone())
    }

    /// Where users, tokens and the installation record live: tenant-wide, kept in the
    /// production scope and never deployed.
    pub fn auth_scope(&self) -> Scope {
        Scope::new(self.tenant(), Context::Production)
    }

    pub fn scope(&self, context: Context) -> Scope {
        Scope::new(self.tenant(), context)
    }
}

/// Every route of the private API.
fn routes() -> Routes {
    let r = Routes::new();
    let r = ops::routes(r);
    let r = auth::routes(r);
    let r = config_kinds::routes(r);
    let r = flows::routes(r);
    let r = queue::routes(r);
    let r = segments::routes(r);
    let r = identity::routes(r);
    data::routes(r)
}

/// The route table, for documentation and tests.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().specs
}

pub fn router(
    store: SharedStore,
    tracker: Arc<Tracker>,
    metrics: Arc<Metrics>,
    options: PrivateApiOptions,
) -> Router {
    let Routes { router, specs } = routes();
    let access = specs
        .iter()
        .map(|s| ((s.method.clone(), s.path.clone()), s.access))
        .collect();
    let state = PrivateApiState(Arc::new(Inner {
        store,
        tracker,
        metrics: metrics.clone(),
        options,
        specs,
        access,
    }));
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            (metrics, "private-api"),
            super::metrics::record,
        ))
        .layer(axum::middleware::from_fn(http::process_time))
}

impl Inner {
    /// The access rule of the route a request matched; None for a route missing from
    /// the table (which the authorization layer refuses).
    fn access_of(&self, req: &Request) -> Option<Access> {
        let path = req.extensions().get::<MatchedPath>()?.as_str().to_string();
        let method = if req.method() == Method::HEAD {
            Method::GET
        } else {
            req.method().clone()
        };
        self.access.get(&(method, path)).copied()
    }
}

/// The context a request works on: the `x-context` header (default staging), or
/// production when the server runs production-only.
pub struct Ctx(pub Context);

impl FromRequestParts<PrivateApiState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &PrivateApiState,
    ) -> Result<Self, Self::Rejection> {
        if state.options.production_only {
            return Ok(Ctx(Context::Production));
        }
        match parts.headers.get("x-context") {
            None => Ok(Ctx(Context::Staging)),
            Some(v) => {
                let s = v.to_str().unwrap_or("");
                s.parse::<Context>().map(Ctx).map_err(|e| {
                    ApiError::new(ErrorCode::BadRequest, format!("header `x-context`: {e}"))
                })
            }
        }
    }
}

/// The context a request names in `x-context`, if it names one (the install-wide
/// dead-letter queue answers for every context of the tenant without it).
pub struct NamedCtx(pub Option<Context>);

impl FromRequestParts<PrivateApiState> for NamedCtx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &PrivateApiState,
    ) -> Result<Self, Self::Rejection> {
        match parts.headers.get("x-context") {
            None => Ok(NamedCtx(None)),
            Some(v) => v
                .to_str()
                .unwrap_or("")
                .parse::<Context>()
                .map(|c| NamedCtx(Some(c)))
                .map_err(|e| {
                    ApiError::new(ErrorCode::BadRequest, format!("header `x-context`: {e}"))
                }),
        }
    }
}

/// Decodes a JSON body; errors name the field that failed.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if let Some(why) = crate::domain::nesting::refused(body) {
        return Err(ApiError::new(
            ErrorCode::InvalidConfiguration,
            format!("body: {why}"),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." || path == "?" {
            ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("body: invalid JSON: {inner}"),
            )
        } else {
            ApiError::new(
                ErrorCode::InvalidConfiguration,
                format!("`{path}`: {inner}"),
            )
        }
    })
}

/// Paging and filtering parameters of list routes: `limit`, `after` (cursor), `q`
/// (text), `filter` (condition).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub limit: usize,
    pub after: Option<String>,
    pub q: Option<String>,
    pub filter: Option<String>,
}

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;

impl ListQuery {
    pub fn parse(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let limit = match params.get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::BadRequest,
                        format!(
                        "query parameter `limit` must be a number from 1 to {MAX_LIMIT}, not `{v}`"
                    ),
                    ))
                }
            },
        };
        let opt = |k: &str| {
            params
                .get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        Ok(Self {
            limit,
            after: opt("after"),
            q: opt("q"),
            filter: opt("filter"),
        })
    }
}

/// An answer body built from a value that cannot fail to encode.
pub fn ok_json(v: serde_json::Value) -> Response {
    axum::Json(v).into_response()
}

/// The authenticated caller, put in the request extensions by the authorization layer.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    /// The stored key of the token used (its hash).
    pub token_key: String,
    /// The tenant the token belongs to; the request sees only this tenant's data.
    pub tenant: String,
}
