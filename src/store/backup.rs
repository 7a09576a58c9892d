//! Backup and restore of a whole store as one gzip-compressed NDJSON file.
//!
//! Line one is a [`Header`] (format, schema version, install-wide metadata such as the
//! merge-key salt); then one [`Record`] per line; the last line is a [`Trailer`] with
//! the record count and the [`Fingerprint`] of what was written, so a restore can prove
//! it got everything back and a truncated file is refused. Works through the [`Store`]
//! trait, so a backup of one backend restores into the other.

use super::migrations::{add_record, empty_fingerprint, fingerprint, Fingerprint, RecordKind};
use super::{Result, Store, StoreError, TimeRange};
use crate::domain::{Context, Event, MergeRecord, Profile, Scope, Session};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, Write};

pub const FORMAT: &str = "tracardictl-backup";
pub const FORMAT_VERSION: u32 = 1;
/// Install-wide metadata a restored store needs (a lost salt would change every
/// profile's merge keys).
pub const META_KEYS: &[&str] = &["merge_key_salt"];
const PAGE: usize = 500;
/// More merge marks than this in one scope are not kept (the APM re-marks on change).
pub const MAX_MARKS: usize = 1_000_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub schema_version: Option<u32>,
    pub created: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub meta: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Record {
    Profile {
        tenant: String,
        context: Context,
        doc: Box<Profile>,
    },
    Session {
        tenant: String,
        context: Context,
        doc: Box<Session>,
    },
    Event {
        tenant: String,
        context: Context,
        doc: Box<Event>,
    },
    Config {
        tenant: String,
        context: Context,
        config_kind: String,
        id: String,
        doc: Value,
    },
    Merge {
        tenant: String,
        context: Context,
        doc: Box<MergeRecord>,
    },
    MergeMark {
        tenant: String,
        context: Context,
        profile_id: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trailer {
    pub end: bool,
    pub records: u64,
    pub fingerprint: Fingerprint,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the backup: {0}")]
    Write(std::io::Error),
    #[error("cannot read the backup: {0}")]
    Read(std::io::Error),
    #[error("line {line} of the backup is not valid: {reason}")]
    Bad { line: u64, reason: String },
    #[error("the backup ends before its trailer (truncated after {0} records)")]
    Truncated(u64),
    #[error("the target store is not empty ({0}); restore only into an empty data dir")]
    NotEmpty(String),
    #[error("the restored store differs from the backup: {0}")]
    Mismatch(String),
}

fn write_line<W: Write, T: Serialize>(
    out: &mut W,
    value: &T,
) -> std::result::Result<(), BackupError> {
    serde_json::to_writer(&mut *out, value).map_err(|e| BackupError::Write(e.into()))?;
    out.write_all(b"\n").map_err(BackupError::Write)
}

fn encoded<T: Serialize>(id: &str, v: &T) -> std::result::Result<Vec<u8>, BackupError> {
    serde_json::to_vec(v).map_err(|e| {
        BackupError::Store(StoreError::Encode {
            kind: "backup record",
            id: id.to_string(),
            reason: e.to_string(),
        })
    })
}

/// Writes every scope of `store` (of one tenant when given) to `out`. The trailer's
/// fingerprint sums the records as written, so a backup taken while daemons write is
/// still consistent with itself: each record appears once, as it was when read.
pub async fn backup<W: Write>(
    store: &dyn Store,
    tenant: Option<&str>,
    out: &mut W,
    progress: &(dyn Fn(u64) + Sync),
) -> std::result::Result<Trailer, BackupError> {
    let mut fp = empty_fingerprint();
    let mut meta = serde_json::Map::new();
    for key in META_KEYS {
        if let Some(v) = store.meta(key).await? {
            meta.insert((*key).to_string(), Value::String(v));
        }
    }
    write_line(
        out,
        &Header {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            schema_version: store.schema_version().await?,
            created: chrono::Utc::now(),
            meta,
        },
    )?;
    let mut records = 0u64;
    for scope in store.scopes().await? {
        if tenant.is_some_and(|t| t != scope.tenant) {
            continue;
        }
        let (tenant, context) = (scope.tenant.clone(), scope.context);
        for kind in store.config_kinds(&scope).await? {
            for (id, doc) in store.list_config_keyed(&scope, &kind).await? {
                let key = format!("{kind}/{id}");
                add_record(
                    &mut fp,
                    RecordKind::Config,
                    &scope,
                    &key,
                    &encoded(&key, &doc)?,
                );
                write_line(
                    out,
                    &Record::Config {
                        tenant: tenant.clone(),
                        context,
                        config_kind: kind.clone(),
                        id,
                        doc,
                    },
                )?;
                records += 1;
                progress(1);
            }
        }
        let mut merges_seen = HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = store.list_profiles(&scope, cursor.as_deref(), PAGE).await?;
            for p in &page.items {
                for m in store.merge_records_of(&scope, &p.id).await? {
                    if merges_seen.insert(m.id.clone()) {
                        write_line(
                            out,
                            &Record::Merge {
                                tenant: tenant.clone(),
                                context,
                                doc: Box::new(m),
                            },
                        )?;
                        records += 1;
                    }
                }
            }
            let n = page.items.len() as u64;
            for p in page.items {
                add_record(
                    &mut fp,
                    RecordKind::Profiles,
                    &scope,
                    &p.id,
                    &encoded(&p.id, &p)?,
                );
                write_line(
                    out,
                    &Record::Profile {
                        tenant: tenant.clone(),
                        context,
                        doc: Box::new(p),
                    },
                )?;
            }
            records += n;
            progress(n);
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        cursor = None;
        loop {
            let page = store.list_sessions(&scope, cursor.as_deref(), PAGE).await?;
            let n = page.items.len() as u64;
            for s in page.items {
                add_record(
                    &mut fp,
                    RecordKind::Sessions,
                    &scope,
                    &s.id,
                    &encoded(&s.id, &s)?,
                );
                write_line(
                    out,
                    &Record::Session {
                        tenant: tenant.clone(),
                        context,
                        doc: Box::new(s),
                    },
                )?;
            }
            records += n;
            progress(n);
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        cursor = None;
        loop {
            let page = store
                .events_by_time(&scope, TimeRange::default(), cursor.as_deref(), PAGE)
                .await?;
            let n = page.items.len() as u64;
            for e in page.items {
                add_record(
                    &mut fp,
                    RecordKind::Events,
                    &scope,
                    &e.id,
                    &encoded(&e.id, &e)?,
                );
                write_line(
                    out,
                    &Record::Event {
                        tenant: tenant.clone(),
                        context,
                        doc: Box::new(e),
                    },
                )?;
            }
            records += n;
            progress(n);
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        for profile_id in store.marked_for_merge(&scope, MAX_MARKS).await? {
            write_line(
                out,
                &Record::MergeMark {
                    tenant: tenant.clone(),
                    context,
                    profile_id,
                },
            )?;
            records += 1;
        }
    }
    let trailer = Trailer {
        end: true,
        records,
        fingerprint: fp,
    };
    write_line(out, &trailer)?;
    out.flush().map_err(BackupError::Write)?;
    Ok(trailer)
}

/// True when the store holds nothing: no scope and no schema version.
pub async fn is_empty(store: &dyn Store) -> Result<Option<String>> {
    let scopes = store.scopes().await?;
    if !scopes.is_empty() {
        let names: Vec<String> = scopes.iter().map(Scope::to_string).collect();
        return Ok(Some(format!("it holds {}", names.join(", "))));
    }
    if let Some(v) = store.schema_version().await? {
        return Ok(Some(format!("it has schema version {v}")));
    }
    Ok(None)
}

/// Restores a backup into an empty store and verifies it against the trailer.
pub async fn restore<R: BufRead>(
    store: &dyn Store,
    input: R,
    progress: &(dyn Fn(u64) + Sync),
) -> std::result::Result<Trailer, BackupError> {
    if let Some(why) = is_empty(store).await? {
        return Err(BackupError::NotEmpty(why));
    }
    // Until the backup is loaded and verified, the store says so: a daemon refuses to
    // serve what a killed restore left (it would look like a store of its own).
    store.set_meta(RESTORING, "1").await?;
    store.durable().await?;
    let mut lines = input.lines();
    let next_line =
        |lines: &mut std::io::Lines<R>| -> std::result::Result<Option<String>, BackupError> {
            lines.next().transpose().map_err(BackupError::Read)
        };
    let bad = |line: u64, reason: String| BackupError::Bad { line, reason };
    let Some(first) = next_line(&mut lines)? else {
        return Err(bad(1, "the file is empty".into()));
    };
    let header: Header =
        serde_json::from_str(&first).map_err(|e| bad(1, format!("not a backup header: {e}")))?;
    if header.format != FORMAT {
        return Err(bad(
            1,
            format!("format `{}` is not `{FORMAT}`", header.format),
        ));
    }
    if header.version > FORMAT_VERSION {
        return Err(bad(
            1,
            format!(
                "backup format version {} is newer than this binary reads ({FORMAT_VERSION})",
                header.version
            ),
        ));
    }
    if let Some(v) = header.schema_version.filter(|v| *v > super::SCHEMA_VERSION) {
        return Err(bad(
            1,
            format!(
                "the backup's store has schema version {v}, newer than this binary's ({}); \
                 restore it with the binary that made it, or a newer one",
                super::SCHEMA_VERSION
            ),
        ));
    }
    let mut records = 0u64;
    let mut events: Vec<Event> = Vec::new();
    let mut events_scope: Option<Scope> = None;
    let mut line = 1u64;
    let trailer = loop {
        let Some(text) = next_line(&mut lines)? else {
            return Err(BackupError::Truncated(records));
        };
        line += 1;
        let value: Value = serde_json::from_str(&text).map_err(|e| bad(line, e.to_string()))?;
        if value.get("end").is_some() {
            break serde_json::from_value::<Trailer>(value)
                .map_err(|e| bad(line, format!("bad trailer: {e}")))?;
        }
        let record: Record = serde_json::from_value(value).map_err(|e| bad(line, e.to_string()))?;
        let scope_of = |t: &str, c: Context| Scope::new(t, c);
        if let Record::Event {
            tenant,
            context,
            doc,
        } = record
        {
            let scope = scope_of(&tenant, context);
            if events_scope.as_ref() != Some(&scope) || events.len() >= PAGE {
                if let Some(s) = &events_scope {
                    store.put_events(s, &events).await?;
                    progress(events.len() as u64);
                }
                events.clear();
                events_scope = Some(scope);
            }
            events.push(*doc);
            records += 1;
            continue;
        }
        match record {
            Record::Profile {
                tenant,
                context,
                doc,
            } => store.put_profile(&scope_of(&tenant, context), &doc).await?,
            Record::Session {
                tenant,
                context,
                doc,
            } => store.put_session(&scope_of(&tenant, context), &doc).await?,
            Record::Config {
                tenant,
                context,
                config_kind,
                id,
                doc,
            } => {
                store
                    .put_config(&scope_of(&tenant, context), &config_kind, &id, &doc)
                    .await?
            }
            Record::Merge {
                tenant,
                context,
                doc,
            } => {
                store
                    .put_merge_record(&scope_of(&tenant, context), &doc)
                    .await?
            }
            Record::MergeMark {
                tenant,
                context,
                profile_id,
            } => {
                store
                    .mark_for_merge(&scope_of(&tenant, context), &profile_id)
                    .await?
            }
            Record::Event { .. } => {}
        }
        records += 1;
        progress(1);
    };
    if let Some(s) = &events_scope {
        store.put_events(s, &events).await?;
        progress(events.len() as u64);
    }
    for (key, value) in &header.meta {
        if let Some(v) = value.as_str() {
            store.set_meta(key, v).await?;
        }
    }
    if let Some(v) = header.schema_version {
        store.set_schema_version(v).await?;
    }
    store.durable().await?;
    if records != trailer.records {
        return Err(BackupError::Mismatch(format!(
            "{records} records read, the trailer says {}",
            trailer.records
        )));
    }
    let got = fingerprint(store, &|_| {}).await?;
    if got != trailer.fingerprint {
        return Err(BackupError::Mismatch(
            "record counts or checksums differ from the backup's".into(),
        ));
    }
    store.set_meta(RESTORING, "").await?;
    store.durable().await?;
    Ok(trailer)
}

/// Install metadata set while a restore runs (non-empty until it finished).
pub const RESTORING: &str = "restore_unfinished";

/// Why a store may not be served: a restore into it that never finished.
pub async fn unfinished_restore(store: &dyn Store) -> Result<bool> {
    Ok(store.meta(RESTORING).await?.is_some_and(|v| !v.is_empty()))
}
