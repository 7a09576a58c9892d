//! Users, roles and tokens; the installer.
//!
//! Passwords are hashed with argon2. Tokens are random, shown once, and stored only as
//! their SHA-256 (a token carries 244 random bits, so a fast hash is enough and lets a
//! request find its token with one lookup). Login tokens expire; API keys for scripts
//! expire when their creator says so.

use super::{json_body, roles, Access, Inner, Principal, PrivateApiState, Role, Routes};
use crate::daemon::http::{ApiError, ErrorCode};
use crate::domain::{new_id, Context, Scope, TenantState};
use crate::store::{tenants, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const USER_KIND: &str = "user";
pub const TOKEN_KIND: &str = "token";
pub const SYSTEM_KIND: &str = "system";
pub const INSTALLATION_ID: &str = "installation";
const TOKEN_PREFIX: &str = "tct_";
const MIN_PASSWORD: usize = 8;

pub(crate) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.add(
        Method::POST,
        "/user/token",
        Public,
        "Sign in with form fields `username` and `password`; returns a bearer token",
        login,
    )
    .add(
        Method::POST,
        "/user/logout",
        Roles(roles::ANY),
        "Revoke the token of this request",
        logout,
    )
    .add(
        Method::GET,
        "/user/me",
        Roles(roles::ANY),
        "The signed-in user and roles",
        me,
    )
    .add(
        Method::GET,
        "/users",
        Roles(roles::ADMIN),
        "List users",
        list_users,
    )
    .add(
        Method::POST,
        "/users",
        Roles(roles::ADMIN),
        "Create a user",
        create_user,
    )
    .add(
        Method::GET,
        "/users/{id}",
        Roles(roles::ADMIN),
        "A user by id or email",
        get_user,
    )
    .add(
        Method::DELETE,
        "/users/{id}",
        Roles(roles::ADMIN),
        "Delete a user and revoke their tokens",
        delete_user,
    )
    .add(
        Method::GET,
        "/tokens",
        Roles(roles::ADMIN),
        "List tokens and API keys (never the secret)",
        list_tokens,
    )
    .add(
        Method::POST,
        "/tokens",
        Roles(roles::ADMIN),
        "Create a long-lived API key with the given roles",
        create_api_key,
    )
    .add(
        Method::DELETE,
        "/tokens/{id}",
        Roles(roles::ADMIN),
        "Revoke a token or API key",
        revoke_token,
    )
    .add(
        Method::GET,
        "/install",
        Public,
        "What is set up: admin user, contexts, schema",
        install_status,
    )
    .add(
        Method::POST,
        "/install",
        Public,
        "Create the first admin and both contexts (needs the installation token)",
        install,
    )
}

/// A stored user. `password` is the argon2 hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
    pub roles: Vec<Role>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub expiration_timestamp: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

impl User {
    /// The user as answered: never the password hash.
    fn public(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "roles": self.roles,
            "enabled": self.enabled,
            "expiration_timestamp": self.expiration_timestamp,
        })
    }
}

/// A stored token: the key it is stored under is the SHA-256 of the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The key the record is stored under: the SHA-256 of the secret.
    #[serde(default)]
    pub key: String,
    /// A short public id (the first characters of the hash) for listing and revoking.
    pub id: String,
    /// `login` or `api-key`.
    pub kind: String,
    pub name: String,
    pub user_id: Option<String>,
    pub roles: Vec<Role>,
    pub created: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
}

pub fn token_key(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_secret() -> String {
    format!(
        "{TOKEN_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn encode<T: Serialize>(what: &'static str, id: &str, v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| {
        StoreError::Encode {
            kind: what,
            id: id.to_string(),
            reason: e.to_string(),
        }
        .into()
    })
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    id: &str,
    v: Value,
) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        StoreError::Corrupt {
            kind: what,
            id: id.to_string(),
            reason: e.to_string(),
        }
        .into()
    })
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        // 16 random bytes from the OS, as the uuid crate draws them.
        let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| ApiError::new(ErrorCode::Internal, "password hashing task failed"))?
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot hash password: {e}")))
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Users, tokens and the installation records of one tenant, on the store itself: what
/// the private API's routes and the offline `tracardictl init` share.
pub struct AuthStore<'a> {
    pub store: &'a dyn crate::store::Store,
    pub tenant: std::borrow::Cow<'a, str>,
}

impl AuthStore<'_> {
    /// Where users, tokens and the installation record live (see [`Inner::auth_scope`]).
    fn auth_scope(&self) -> Scope {
        Scope::new(self.tenant.as_ref(), Context::Production)
    }

    pub async fn users(&self) -> Result<Vec<User>, ApiError> {
        let docs = self
            .store
            .list_config(&self.auth_scope(), USER_KIND)
            .await?;
        docs.into_iter()
            .map(|d| {
                let id = d
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                decode("user", &id, d)
            })
            .collect()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, ApiError> {
        let email = email.trim().to_ascii_lowercase();
        Ok(self.users().await?.into_iter().find(|u| u.email == email))
    }

    pub async fn put_user(&self, user: &User) -> Result<(), ApiError> {
        let doc = encode("user", &user.id, user)?;
        self.store
            .put_config(&self.auth_scope(), USER_KIND, &user.id, &doc)
            .await?;
        Ok(())
    }

    /// Creates a user after checking the fields; errors name the field.
    pub async fn create_user(&self, new: NewUser) -> Result<User, ApiError> {
        let email = new.email.trim().to_ascii_lowercase();
        if email.is_empty() || !email.contains('@') {
            return Err(invalid("email", "must be an email address"));
        }
        if new.password.chars().count() < MIN_PASSWORD {
            return Err(invalid(
                "password",
                &format!("must be at least {MIN_PASSWORD} characters"),
            ));
        }
        if new.roles.is_empty() {
            return Err(invalid("roles", "must name at least one role"));
        }
        if self.user_by_email(&email).await?.is_some() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("a user with email `{email}` exists"),
            ));
        }
        let user = User {
            id: new_id(),
            name: new.name.unwrap_or_default(),
            email,
            password: hash_password(new.password).await?,
            roles: new.roles,
            enabled: true,
            expiration_timestamp: new.expiration_timestamp,
        };
        self.put_user(&user).await?;
        self.store.durable().await?;
        Ok(user)
    }

    /// Sets a new password on an existing user.
    pub async fn set_password(&self, user: &User, password: String) -> Result<(), ApiError> {
        if password.chars().count() < MIN_PASSWORD {
            return Err(invalid(
                "password",
                &format!("must be at least {MIN_PASSWORD} characters"),
            ));
        }
        let mut user = user.clone();
        user.password = hash_password(password).await?;
        self.put_user(&user).await?;
        // A new password signs out whoever held a session of the old one (a leaked
        // password is the usual reason to set one); API keys are kept.
        for (key, record) in self.tokens().await? {
            if record.kind == "login" && record.user_id.as_deref() == Some(user.id.as_str()) {
                self.revoke(&key).await?;
            }
        }
        self.store.durable().await?;
        Ok(())
    }

    /// Stores a new token and returns its secret (shown once) with its record.
    pub async fn issue_token(
        &self,
        kind: &str,
        name: String,
        user_id: Option<String>,
        roles: Vec<Role>,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(String, TokenRecord), ApiError> {
        let secret = new_secret();
        let key = token_key(&secret);
        let record = TokenRecord {
            key: key.clone(),
            id: key[..12].to_string(),
            kind: kind.into(),
            name,
            user_id,
            roles,
            created: Utc::now(),
            expires,
        };
        let doc = encode("token", &record.id, &record)?;
        self.store
            .put_config(&self.auth_scope(), TOKEN_KIND, &key, &doc)
            .await?;
        // The private API finds a token's tenant through this index.
        tenants::index_token(self.store, &key, &self.tenant).await?;
        self.store.durable().await?;
        Ok((secret, record))
    }

    /// Every stored token with the key it is stored under.
    pub async fn tokens(&self) -> Result<Vec<(String, TokenRecord)>, ApiError> {
        let scope = self.auth_scope();
        let mut out = Vec::new();
        for doc in self.store.list_config(&scope, TOKEN_KIND).await? {
            let record: TokenRecord = decode("token", "?", doc)?;
            out.push((record.key.clone(), record));
        }
        Ok(out)
    }

    pub async fn revoke(&self, key: &str) -> Result<(), ApiError> {
        self.store
            .delete_config(&self.auth_scope(), TOKEN_KIND, key)
            .await?;
        tenants::unindex_token(self.store, key).await?;
        self.store.durable().await?;
        Ok(())
    }

    /// The contexts that have their installation record.
    pub async fn installed_contexts(&self) -> Result<Vec<Context>, ApiError> {
        let mut out = Vec::new();
        for ctx in Context::ALL {
            let scope = Scope::new(self.tenant.as_ref(), ctx);
            if self
                .store
                .config(&scope, SYSTEM_KIND, INSTALLATION_ID)
                .await?
                .is_some()
            {
                out.push(ctx);
            }
        }
        Ok(out)
    }

    /// The installation: both contexts' records, then the first admin unless one
    /// exists. Running it again changes nothing.
    pub async fn install(
        &self,
        email: String,
        password: String,
        name: Option<String>,
    ) -> Result<InstallOutcome, ApiError> {
        let mut contexts_created = Vec::new();
        let done = self.installed_contexts().await?;
        for ctx in Context::ALL {
            if done.contains(&ctx) {
                continue;
            }
            let doc = json!({"id": INSTALLATION_ID, "context": ctx, "installed": Utc::now()});
            self.store
                .put_config(
                    &Scope::new(self.tenant.as_ref(), ctx),
                    SYSTEM_KIND,
                    INSTALLATION_ID,
                    &doc,
                )
                .await?;
            contexts_created.push(ctx);
        }
        let has_admin = self
            .users()
            .await?
            .iter()
            .any(|u| u.roles.contains(&Role::Admin));
        let admin_created = if has_admin {
            false
        } else {
            self.create_user(NewUser {
                email,
                password,
                name: name.or(Some("Administrator".into())),
                roles: vec![Role::Admin],
                expiration_timestamp: None,
            })
            .await?;
            true
        };
        self.store.durable().await?;
        Ok(InstallOutcome {
            admin_created,
            contexts_created,
        })
    }
}

/// What [`AuthStore::install`] created.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallOutcome {
    pub admin_created: bool,
    pub contexts_created: Vec<Context>,
}

impl Inner {
    pub fn auth(&self) -> AuthStore<'_> {
        AuthStore {
            store: self.store.as_ref(),
            tenant: std::borrow::Cow::Owned(self.tenant()),
        }
    }

    pub async fn users(&self) -> Result<Vec<User>, ApiError> {
        self.auth().users().await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, ApiError> {
        self.auth().user_by_email(email).await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, ApiError> {
        match self.store.config(&self.auth_scope(), USER_KIND, id).await? {
            Some(d) => Ok(Some(decode("user", id, d)?)),
            None => self.user_by_email(id).await,
        }
    }

    async fn create_user(&self, new: NewUser) -> Result<User, ApiError> {
        self.auth().create_user(new).await
    }

    async fn issue_token(
        &self,
        kind: &str,
        name: String,
        user_id: Option<String>,
        roles: Vec<Role>,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(String, TokenRecord), ApiError> {
        self.auth()
            .issue_token(kind, name, user_id, roles, expires)
            .await
    }

    /// The caller behind a bearer token, or the 401 to answer.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        let unauthenticated = |m: &str| ApiError::new(ErrorCode::Unauthenticated, m.to_string());
        let raw = headers
            .get("authorization")
            .ok_or_else(|| {
                unauthenticated("Not authenticated: send `Authorization: Bearer <token>`")
            })?
            .to_str()
            .map_err(|_| unauthenticated("Invalid token"))?;
        let secret = raw
            .strip_prefix("Bearer ")
            .or_else(|| raw.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                unauthenticated("Not authenticated: send `Authorization: Bearer <token>`")
            })?;
        let key = token_key(secret);
        // A token belongs to one tenant: the index names it (tokens made before the
        // index existed belong to the configured tenant).
        let tenant = tenants::token_tenant(self.store.as_ref(), &key)
            .await?
            .unwrap_or_else(|| self.options.tenant.clone());
        self.check_tenant(&tenant).await?;
        let auth_scope = Scope::new(tenant.clone(), Context::Production);
        let Some(doc) = self.store.config(&auth_scope, TOKEN_KIND, &key).await? else {
            return Err(unauthenticated("Invalid token"));
        };
        let record: TokenRecord = decode("token", &key, doc)?;
        if record.expires.is_some_and(|e| e <= Utc::now()) {
            return Err(unauthenticated("Token expired"));
        }
        let mut email = None;
        let mut roles = record.roles.clone();
        if let Some(uid) = &record.user_id {
            // A login token follows its user: a deleted, disabled or expired user, or a
            // changed role, takes effect at once.
            let user = match self.store.config(&auth_scope, USER_KIND, uid).await? {
                Some(d) => decode::<User>("user", uid, d)?,
                None => return Err(unauthenticated("Invalid token")),
            };
            if !user.enabled || user.expiration_timestamp.is_some_and(|e| e <= Utc::now()) {
                return Err(unauthenticated("User disabled or expired"));
            }
            if record.kind == "login" {
                roles = user.roles.clone();
            }
            email = Some(user.email);
        }
        Ok(Principal {
            user_id: record.user_id,
            email,
            roles,
            token_key: key,
            tenant,
        })
    }

    /// Refuses a tenant that is suspended (403) or no longer exists (401). The
    /// configured tenant of a single-tenant install needs no registration.
    async fn check_tenant(&self, tenant: &str) -> Result<(), ApiError> {
        match tenants::tenant(self.store.as_ref(), tenant).await? {
            Some(t) if t.state == TenantState::Suspended => Err(ApiError::new(
                ErrorCode::TenantSuspended,
                format!("tenant `{tenant}` is suspended"),
            )),
            Some(_) => Ok(()),
            None if tenant == self.options.tenant => Ok(()),
            None => Err(ApiError::new(ErrorCode::Unauthenticated, "Invalid token")),
        }
    }
}

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidConfiguration, format!("`{field}`: {why}"))
}

/// The authorization layer: public routes pass; others need a valid token (401) whose
/// roles the route admits (403).
pub async fn authorize(
    State(state): State<PrivateApiState>,
    mut req: Request,
    next: Next,
) -> Response {
    let access = match state.access_of(&req) {
        Some(a) => a,
        // A route missing from the table is refused, never served open.
        None => {
            return ApiError::new(ErrorCode::Forbidden, "route has no access rule").into_response()
        }
    };
    if let Access::Roles(allowed) = access {
        let principal = match state.authenticate(req.headers()).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        if !principal.roles.iter().any(|r| allowed.contains(r)) {
            let need: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            return ApiError::new(
                ErrorCode::Forbidden,
                format!("this needs one of the roles: {}", need.join(", ")),
            )
            .into_response();
        }
        let tenant = principal.tenant.clone();
        req.extensions_mut().insert(principal);
        return super::with_tenant(tenant, next.run(req)).await;
    }
    next.run(req).await
}

/// Form (`application/x-www-form-urlencoded`) or JSON fields.
fn fields(headers: &HeaderMap, body: &[u8]) -> std::collections::HashMap<String, String> {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    if is_json {
        serde_json::from_slice::<serde_json::Map<String, Value>>(body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
            .collect()
    } else {
        form_urlencoded::parse(body).into_owned().collect()
    }
}

async fn login(
    State(state): State<PrivateApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let f = fields(&headers, &body);
    // Users of another tenant than the configured one sign in naming their tenant.
    match f.get("tenant").map(|t| t.trim()).filter(|t| !t.is_empty()) {
        Some(t) if t != state.options.tenant => {
            let t = t.to_string();
            let registered = tenants::tenant(state.store.as_ref(), &t).await?.is_some();
            if !registered {
                return Err(ApiError::new(
                    ErrorCode::BadCredentials,
                    "Incorrect username or password",
                ));
            }
            state.check_tenant(&t).await?;
            super::with_tenant(t, login_as(state, f)).await
        }
        _ => {
            state.check_tenant(&state.options.tenant).await?;
            login_as(state, f).await
        }
    }
}

async fn login_as(
    state: PrivateApiState,
    f: std::collections::HashMap<String, String>,
) -> Result<Response, ApiError> {
    let username = f.get("username").map(|s| s.trim()).unwrap_or("");
    let password = f.get("password").cloned().unwrap_or_default();
    let wrong = || ApiError::new(ErrorCode::BadCredentials, "Incorrect username or password");
    if username.is_empty() || password.is_empty() {
        return Err(wrong());
    }
    let Some(user) = state.user_by_email(username).await? else {
        // Spend the same effort as a real check so timing does not reveal the user.
        let _ = verify_password(password, DUMMY_HASH.to_string()).await;
        return Err(wrong());
    };
    if !verify_password(password, user.password.clone()).await {
        return Err(wrong());
    }
    if !user.enabled || user.expiration_timestamp.is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::new(
            ErrorCode::BadCredentials,
            "This account is disabled or expired",
        ));
    }
    let expires = Utc::now() + state.options.token_ttl;
    let (secret, _) = state
        .issue_token(
            "login",
            format!("login {}", user.email),
            Some(user.id.clone()),
            user.roles.clone(),
            Some(expires),
        )
        .await?;
    Ok(Json(json!({
        "access_token": secret,
        "token_type": "bearer",
        "roles": user.roles,
        "expires": expires,
    }))
    .into_response())
}

/// A valid argon2 hash of a random string, verified against when the user is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5GQ2SxmU1nUq8gZm7hAbr1ZbHnW0n1x7m5r0Cq0Yl1A";

async fn logout(
    State(state): State<PrivateApiState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    state.auth().revoke(&p.token_key).await?;
    Ok(Json(json!({"revoked": true})).into_response())
}

async fn me(Extension(p): Extension<Principal>) -> Json<Value> {
    Json(json!({"id": p.user_id, "email": p.email, "roles": p.roles}))
}

/// A user to create.
#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: Option<String>,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub expiration_timestamp: Option<DateTime<Utc>>,
}

async fn list_users(State(state): State<PrivateApiState>) -> Result<Response, ApiError> {
    let users: Vec<Value> = state.users().await?.iter().map(User::public).collect();
    Ok(Json(json!({"total": users.len(), "items": users, "next": null})).into_response())
}

async fn create_user(
    State(state): State<PrivateApiState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewUser = json_body(&body)?;
    let user = state.create_user(new).await?;
    Ok((StatusCode::CREATED, Json(user.public())).into_response())
}

async fn get_user(
    State(state): State<PrivateApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match state.user(&id).await? {
        Some(u) => Ok(Json(u.public()).into_response()),
        None => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no user `{id}`"),
        )),
    }
}

async fn delete_user(
    State(state): State<PrivateApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(user) = state.user(&id).await? else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no user `{id}`"),
        ));
    };
    // Without an enabled admin nobody could manage users, tokens or the installation
    // again (the installation token is spent), so the last one stays.
    let is_admin = |u: &User| u.enabled && u.roles.contains(&Role::Admin);
    if is_admin(&user)
        && !state
            .users()
            .await?
            .iter()
            .any(|u| u.id != user.id && is_admin(u))
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "`{}` is the last enabled admin; create another admin before deleting it",
                user.email
            ),
        ));
    }
    let scope = state.auth_scope();
    state
        .store
        .delete_config(&scope, USER_KIND, &user.id)
        .await?;
    let mut revoked = 0;
    for (key, record) in tokens(&state).await? {
        if record.user_id.as_deref() == Some(user.id.as_str()) {
            state.store.delete_config(&scope, TOKEN_KIND, &key).await?;
            tenants::unindex_token(state.store.as_ref(), &key).await?;
            revoked += 1;
        }
    }
    state.store.durable().await?;
    Ok(Json(json!({"deleted": user.id, "tokens_revoked": revoked})).into_response())
}

async fn tokens(state: &Inner) -> Result<Vec<(String, TokenRecord)>, ApiError> {
    state.auth().tokens().await
}

fn token_public(r: &TokenRecord) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind,
        "name": r.name,
        "user_id": r.user_id,
        "roles": r.roles,
        "created": r.created,
        "expires": r.expires,
    })
}

async fn list_tokens(State(state): State<PrivateApiState>) -> Result<Response, ApiError> {
    let items: Vec<Value> = tokens(&state)
        .await?
        .iter()
        .map(|(_, r)| token_public(r))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items, "next": null})).into_response())
}

#[derive(Debug, Deserialize)]
struct NewApiKey {
    roles: Vec<Role>,
    #[serde(default)]
    name: Option<String>,
    /// Days until it expires; none for a key that does not expire.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

/// The longest lifetime an expiring API key can be given.
pub const MAX_KEY_DAYS: u32 = 36_500;

async fn create_api_key(
    State(state): State<PrivateApiState>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewApiKey = json_body(&body)?;
    if new.roles.is_empty() {
        return Err(invalid("roles", "must name at least one role"));
    }
    if new.expires_in_days == Some(0) {
        return Err(invalid("expires_in_days", "must be at least 1"));
    }
    if new.expires_in_days.is_some_and(|d| d > MAX_KEY_DAYS) {
        return Err(invalid(
            "expires_in_days",
            &format!("must be at most {MAX_KEY_DAYS} (100 years); leave it out for a key that does not expire"),
        ));
    }
    let expires = new
        .expires_in_days
        .map(|d| Utc::now() + chrono::Duration::days(i64::from(d)));
    let name = new
        .name
        .unwrap_or_else(|| format!("api key by {}", p.email.unwrap_or_default()));
    let (secret, record) = state
        .issue_token("api-key", name, None, new.roles, expires)
        .await?;
    let mut body = token_public(&record);
    if let Value::Object(m) = &mut body {
        m.insert("access_token".into(), Value::String(secret));
        m.insert("token_type".into(), Value::String("bearer".into()));
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke_token(
    State(state): State<PrivateApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = state.auth_scope();
    for (key, record) in tokens(&state).await? {
        if record.id == id {
            state.store.delete_config(&scope, TOKEN_KIND, &key).await?;
            tenants::unindex_token(state.store.as_ref(), &key).await?;
            state.store.durable().await?;
            return Ok(Json(json!({"revoked": id})).into_response());
        }
    }
    Err(ApiError::new(
        ErrorCode::NotFound,
        format!("no token `{id}`"),
    ))
}

async fn install_status(State(state): State<PrivateApiState>) -> Result<Response, ApiError> {
    let admins = state
        .users()
        .await?
        .iter()
        .filter(|u| u.roles.contains(&Role::Admin))
        .count();
    let mut contexts = serde_json::Map::new();
    for ctx in Context::ALL {
        let done = state
            .store
            .config(&state.scope(ctx), SYSTEM_KIND, INSTALLATION_ID)
            .await?
            .is_some();
        contexts.insert(ctx.as_str().into(), Value::Bool(done));
    }
    Ok(Json(json!({
        "installed": admins > 0 && contexts.values().all(|v| v == &Value::Bool(true)),
        "admins": admins,
        "contexts": contexts,
        "schema_version": state.store.schema_version().await?,
        "installation_token_set": !state.options.installation_token.is_empty(),
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
struct InstallRequest {
    token: String,
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
    /// A tenant created by the TMS, with the installation token it answered: creates
    /// that tenant's admin again when none is left.
    #[serde(default)]
    tenant: Option<String>,
}

/// Constant-time equality of two secrets (compares their digests).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

async fn install(State(state): State<PrivateApiState>, body: Bytes) -> Result<Response, ApiError> {
    let req: InstallRequest = json_body(&body)?;
    if let Some(tenant) = req
        .tenant
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && *t != state.options.tenant)
    {
        let wrong = || ApiError::new(ErrorCode::Forbidden, "Incorrect installation token");
        let record = tenants::tenant(state.store.as_ref(), tenant)
            .await?
            .ok_or_else(wrong)?;
        if !same_secret(
            &token_key(req.token.trim()),
            &record.installation_token_sha256,
        ) {
            return Err(wrong());
        }
        let tenant = tenant.to_string();
        let outcome = super::with_tenant(
            tenant,
            state.auth().install(req.email, req.password, req.name),
        )
        .await?;
        return Ok(install_answer(&outcome));
    }
    let expected = &state.options.installation_token;
    if expected.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "installation is disabled: set private_api.installation_token (TRACARDI_PRIVATE_API_INSTALLATION_TOKEN)",
        ));
    }
    if !same_secret(req.token.trim(), expected) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "Incorrect installation token",
        ));
    }
    let outcome = state
        .auth()
        .install(req.email, req.password, req.name)
        .await?;
    Ok(install_answer(&outcome))
}

fn install_answer(outcome: &InstallOutcome) -> Response {
    let contexts_created: Vec<&str> = outcome
        .contexts_created
        .iter()
        .map(|c| c.as_str())
        .collect();
    Json(json!({
        "admin_created": outcome.admin_created,
        "contexts_created": contexts_created,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Setting a user's password again (`init --force admin`) signs out the sessions of
    /// the old one; the user's API keys are kept.
    #[tokio::test]
    async fn a_new_password_revokes_the_users_login_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open(dir.path().to_str().unwrap(), &Default::default()).unwrap();
        let auth = AuthStore {
            store: store.as_ref(),
            tenant: "default".into(),
        };
        let user = auth
            .create_user(NewUser {
                email: "ops@example.com".into(),
                password: "first-password-1".into(),
                name: None,
                roles: vec![Role::Admin],
                expiration_timestamp: None,
            })
            .await
            .unwrap();
        let login = |kind: &'static str| {
            auth.issue_token(
                kind,
                "t".into(),
                Some(user.id.clone()),
                vec![Role::Admin],
                None,
            )
        };
        login("login").await.unwrap();
        login("api-key").await.unwrap();
        auth.set_password(&user, "second-password-2".into())
            .await
            .unwrap();
        let kinds: Vec<String> = auth
            .tokens()
            .await
            .unwrap()
            .into_iter()
            .map(|(_, r)| r.kind)
            .collect();
        assert_eq!(kinds, ["api-key"]);
    }
}
