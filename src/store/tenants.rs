//! The tenant registry and the indexes that route a request to its tenant: event
//! source id → tenant (source ids are unique across tenants) and private-API token →
//! tenant (a token belongs to one tenant).
//!
//! They are configuration documents of the reserved [`SYSTEM_TENANT`] scope, so both
//! backends keep them with the same code, and a full backup carries them.

use super::{Result, Store, StoreError};
use crate::domain::{Context, Scope, Tenant, SYSTEM_TENANT};
use serde_json::{json, Value};

pub const TENANT_KIND: &str = "tenant";
pub const SOURCE_INDEX_KIND: &str = "source-tenant";
pub const TOKEN_INDEX_KIND: &str = "token-tenant";

pub fn system_scope() -> Scope {
    Scope::new(SYSTEM_TENANT, Context::Production)
}

pub async fn tenant(store: &dyn Store, name: &str) -> Result<Option<Tenant>> {
    match store.config(&system_scope(), TENANT_KIND, name).await? {
        None => Ok(None),
        Some(doc) => serde_json::from_value(doc)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                kind: "tenant",
                id: name.to_string(),
                reason: e.to_string(),
            }),
    }
}

pub async fn put_tenant(store: &dyn Store, tenant: &Tenant) -> Result<()> {
    let doc = serde_json::to_value(tenant).map_err(|e| StoreError::Encode {
        kind: "tenant",
        id: tenant.name.clone(),
        reason: e.to_string(),
    })?;
    store
        .put_config(&system_scope(), TENANT_KIND, &tenant.name, &doc)
        .await
}

/// Every registered tenant, by name.
pub async fn tenants(store: &dyn Store) -> Result<Vec<Tenant>> {
    store
        .list_config(&system_scope(), TENANT_KIND)
        .await?
        .into_iter()
        .map(|doc| {
            let id = doc
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            serde_json::from_value(doc).map_err(|e| StoreError::Corrupt {
                kind: "tenant",
                id,
                reason: e.to_string(),
            })
        })
        .collect()
}

async fn index_get(store: &dyn Store, kind: &str, key: &str) -> Result<Option<String>> {
    Ok(store
        .config(&system_scope(), kind, key)
        .await?
        .and_then(|d| d.get("tenant").and_then(Value::as_str).map(str::to_string)))
}

async fn index_put(store: &dyn Store, kind: &str, key: &str, tenant: &str) -> Result<()> {
    store
        .put_config(
            &system_scope(),
            kind,
            key,
            &json!({"id": key, "tenant": tenant}),
        )
        .await
}

/// The tenant an event source id belongs to, when it is indexed.
pub async fn source_tenant(store: &dyn Store, source_id: &str) -> Result<Option<String>> {
    index_get(store, SOURCE_INDEX_KIND, source_id).await
}

pub async fn index_source(store: &dyn Store, source_id: &str, tenant: &str) -> Result<()> {
    index_put(store, SOURCE_INDEX_KIND, source_id, tenant).await
}

/// The tenant a token (by its stored key) belongs to, when it is indexed.
pub async fn token_tenant(store: &dyn Store, token_key: &str) -> Result<Option<String>> {
    index_get(store, TOKEN_INDEX_KIND, token_key).await
}

pub async fn index_token(store: &dyn Store, token_key: &str, tenant: &str) -> Result<()> {
    index_put(store, TOKEN_INDEX_KIND, token_key, tenant).await
}

pub async fn unindex_source(store: &dyn Store, source_id: &str) -> Result<()> {
    store
        .delete_config(&system_scope(), SOURCE_INDEX_KIND, source_id)
        .await
        .map(|_| ())
}

pub async fn unindex_token(store: &dyn Store, token_key: &str) -> Result<()> {
    store
        .delete_config(&system_scope(), TOKEN_INDEX_KIND, token_key)
        .await
        .map(|_| ())
}

/// Removes a tenant's record and every index entry pointing at it; how many index
/// entries went.
pub async fn unregister(store: &dyn Store, name: &str) -> Result<u64> {
    let scope = system_scope();
    store.delete_config(&scope, TENANT_KIND, name).await?;
    let mut removed = 0;
    for kind in [SOURCE_INDEX_KIND, TOKEN_INDEX_KIND] {
        for doc in store.list_config(&scope, kind).await? {
            if doc.get("tenant").and_then(Value::as_str) == Some(name) {
                if let Some(id) = doc.get("id").and_then(Value::as_str) {
                    if store.delete_config(&scope, kind, id).await? {
                        removed += 1;
                    }
                }
            }
        }
    }
    Ok(removed)
}
