//! The shared store on PostgreSQL: collectors and workers on many hosts over one database.
//!
//! Records are JSONB documents in tables keyed by scope (tenant, context) and id, with
//! columns for what queries select on: the id index (`profile_ids`: every id of a profile
//! → its canonical id), events by (scope, profile, insert time, id) and by (scope, insert
//! time, id), sessions by profile. Events live in monthly range partitions on their insert
//! time, created on demand and dropped whole by [`PostgresStore::drop_events_before`].
//!
//! **Durability.** Every write is one statement (or one transaction) that has committed
//! before the method returns, with `synchronous_commit=on` forced on every connection, so
//! a committed write is in PostgreSQL's WAL on disk. [`Store::durable`] therefore has
//! nothing left to do. Concurrent commits share WAL flushes in PostgreSQL itself (its own
//! group commit), so many requests are covered by one fsync.
//!
//! **URI.** `postgres://user:password@host:port/db?schema=NAME&pool_size=N&timeout_ms=T`.
//! Besides what libpq-style URIs accept, `schema` puts every table in that schema
//! (created if missing; default `public` / the server's `search_path`), `pool_size` caps
//! connections of this process (default 16), `timeout_ms` bounds connecting, waiting for
//! a pooled connection and every statement (default 5000), `lock_timeout_ms` bounds
//! waiting for a per-profile lock held by another process (default 10000).

mod advisory;
pub mod filter;
pub mod migrations;
mod stats;
pub mod testing;
pub mod tls;
mod writer;

use super::queue::{Leased, Leases, NackOutcome, NewItem, QueueItem, QueueStats};
use super::{Counts, LockGuard, Narrowed, Page, Result, Store, StoreError, TimeRange, TrackWrite};
use crate::domain::{Context, Event, MergeRecord, Profile, Scope, Session};
use advisory::AdvisoryLocks;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_postgres::types::{FromSql, Json, Type};
use tokio_postgres::{NoTls, Row};

/// Serialises schema changes (migrations, partition creation) across processes.
const DDL_LOCK: i64 = 0x7472_6163_6172_6469; // "tracardi"

/// Connection settings parsed from the store URI.
#[derive(Clone)]
pub(crate) struct PgSettings {
    config: tokio_postgres::Config,
    schema: Option<String>,
    pool_size: usize,
    op_timeout: Duration,
    lock_timeout: Duration,
    /// TLS for `sslmode=require|verify-full`.
    tls: Option<tls::RustlsConnect>,
}

impl PgSettings {
    /// Parses a `postgres://` URI, taking out this store's own parameters.
    pub(crate) fn parse(uri: &str) -> Result<Self> {
        let (base, query) = match uri.split_once('?') {
            Some((b, q)) => (b, q),
            None => (uri, ""),
        };
        let mut rest = form_urlencoded::Serializer::new(String::new());
        let mut schema = None;
        let mut pool_size = 16usize;
        let mut op_timeout = Duration::from_millis(5000);
        let mut lock_timeout = Duration::from_millis(10_000);
        let mut tls_mode = tls::TlsMode::Off;
        let mut root_cert: Option<String> = None;
        // A number within `lo..=hi`; out of range is refused, never quietly moved in.
        let number = |k: &str, v: &str, lo: u64, hi: u64| -> Result<u64> {
            let n: u64 = v.parse().map_err(|_| {
                StoreError::Invalid(format!("store URI: `{k}={v}` is not a number"))
            })?;
            if !(lo..=hi).contains(&n) {
                return Err(StoreError::Invalid(format!(
                    "store URI: `{k}={v}` is out of range; it must be from {lo} to {hi}"
                )));
            }
            Ok(n)
        };
        const DAY_MS: u64 = 86_400_000;
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "schema" => {
                    // PostgreSQL folds unquoted names to lower case and cuts them at 63
                    // bytes: only names it keeps as written are accepted, so one URI
                    // names one schema.
                    let ok_chars = v
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    let starts = v
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
                    if !ok_chars || !starts || v.len() > 63 {
                        return Err(StoreError::Invalid(format!(
                            "store URI: schema `{v}` must be 1 to 63 lowercase letters, digits \
                             and `_`, starting with a letter or `_`"
                        )));
                    }
                    schema = Some(v.into_owned());
                }
                "pool_size" => pool_size = number(&k, &v, 1, 1000)? as usize,
                "timeout_ms" => op_timeout = Duration::from_millis(number(&k, &v, 1, DAY_MS)?),
                "lock_timeout_ms" => {
                    lock_timeout = Duration::from_millis(number(&k, &v, 1, DAY_MS)?)
                }
                // Taken out: tokio-postgres knows only disable/prefer/require; TLS is
                // set up here (see `tls`), and the driver told to require it.
                "sslmode" => {
                    tls_mode = tls::TlsMode::parse(&v)?;
                    if tls_mode != tls::TlsMode::Off {
                        rest.append_pair("sslmode", "require");
                    } else if v != "allow" {
                        rest.append_pair("sslmode", "disable");
                    }
                }
                "sslrootcert" => root_cert = Some(v.into_owned()),
                _ => {
                    rest.append_pair(&k, &v);
                }
            }
        }
        let rest = rest.finish();
        let libpq = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{rest}")
        };
        let mut config: tokio_postgres::Config = libpq
            .parse()
            .map_err(|e| StoreError::Invalid(format!("bad PostgreSQL URI: {e}")))?;
        let mut options = config.get_options().unwrap_or_default().to_string();
        if let Some(s) = &schema {
            options.push_str(&format!(" -c search_path={s}"));
        }
        // A commit must be on disk before we acknowledge, whatever the server default.
        options.push_str(" -c synchronous_commit=on");
        // Notices ("relation … already exists, skipping" on every start) are not for the
        // operator's log; warnings and errors still come.
        options.push_str(" -c client_min_messages=warning");
        config.options(options.trim());
        config.connect_timeout(op_timeout);
        if config.get_application_name().is_none() {
            config.application_name("tracardictl");
        }
        if root_cert.is_some() && tls_mode != tls::TlsMode::VerifyFull {
            return Err(StoreError::Invalid(
                "store URI: sslrootcert needs sslmode=verify-full".into(),
            ));
        }
        let tls = tls::client_config(tls_mode, root_cert.as_deref())?;
        Ok(Self {
            config,
            schema,
            pool_size,
            op_timeout,
            lock_timeout,
            tls,
        })
    }
}

pub struct PostgresStore {
    pool: Pool,
    settings: PgSettings,
    /// Months (year * 12 + month0) whose event partition is known to exist.
    partitions: Mutex<HashSet<i32>>,
    locks: Arc<AdvisoryLocks>,
    /// Commits collected requests in shared transactions ([`Store::commit_track`]).
    writer: writer::GroupWriter,
    /// Analyzes tables that grew since the planner last looked ([`stats`]).
    _stats: stats::StatsKeeper,
}

/// Maps a driver error: bad data is `Invalid`, a lost or refused connection
/// `Unavailable`, anything else `Io`. All three answer 503 on the collector.
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            if code.starts_with("22") {
                StoreError::Invalid(format!("PostgreSQL refused the data: {}", db.message()))
            } else if ["08", "53", "57"].iter().any(|c| code.starts_with(c)) {
                StoreError::Unavailable(format!("PostgreSQL: {}", db.message()))
            } else {
                StoreError::Io(format!("PostgreSQL: {db}"))
            }
        }
        None => StoreError::Unavailable(format!("PostgreSQL connection: {e}")),
    }
}

/// A failed connection with PostgreSQL's own reason ("database \"x\" does not exist",
/// "role \"y\" does not exist"): the pool's message alone ends in "db error".
fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    let detail = match &e {
        deadpool_postgres::PoolError::Backend(pg) => match pg.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => {
                let mut text = pg.to_string();
                let mut source = std::error::Error::source(pg);
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                text
            }
        },
        other => other.to_string(),
    };
    StoreError::Unavailable(format!("no PostgreSQL connection: {detail}"))
}

/// A JSON or JSONB column's bytes, decoded once by serde into the target type.
struct RawJson<'a>(&'a [u8]);

impl<'a> FromSql<'a> for RawJson<'a> {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        if *ty == Type::JSONB {
            match raw.split_first() {
                Some((1, rest)) => Ok(RawJson(rest)),
                _ => Err("unsupported JSONB encoding version".into()),
            }
        } else {
            Ok(RawJson(raw))
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }
}

fn decode<T: DeserializeOwned>(kind: &'static str, row: &Row, col: usize, id: &str) -> Result<T> {
    let raw: RawJson = row.try_get(col).map_err(|e| StoreError::Corrupt {
        kind,
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_slice(raw.0).map_err(|e| StoreError::Corrupt {
        kind,
        id: id.to_string(),
        reason: e.to_string(),
    })
}

fn text(row: &Row, col: usize) -> Result<String> {
    row.try_get::<_, String>(col).map_err(pg_err)
}

fn month_of(t: DateTime<Utc>) -> i32 {
    t.year() * 12 + t.month0() as i32
}

fn month_start(month: i32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(
        month.div_euclid(12),
        month.rem_euclid(12) as u32 + 1,
        1,
        0,
        0,
        0,
    )
    .single()
}

fn partition_name(month: i32) -> String {
    format!(
        "events_{:04}_{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}

fn parse_partition_name(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("events_")?;
    let (y, m) = rest.split_once('_')?;
    let y: i32 = y.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// `<micros>:<id>` — the cursor of time-ordered listings (the same shape as sled's).
fn time_cursor(t: DateTime<Utc>, id: &str) -> String {
    format!("{}:{id}", t.timestamp_micros())
}

fn parse_time_cursor(cursor: &str) -> Result<(DateTime<Utc>, String)> {
    let bad = || StoreError::BadCursor(cursor.to_string());
    let (micros, id) = cursor.split_once(':').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let t = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((t, id.to_string()))
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1
}

/// Builds a page from rows fetched with `limit + 1`.
fn event_page(rows: Vec<Row>, limit: usize) -> Result<Page<Event>> {
    let more = rows.len() > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit));
    let mut next = None;
    for row in rows.iter().take(limit) {
        let inserted: DateTime<Utc> = row.try_get(0).map_err(pg_err)?;
        let id = text(row, 1)?;
        items.push(decode("event", row, 2, &id)?);
        next = Some(time_cursor(inserted, &id));
    }
    Ok(Page {
        items,
        next: if more { next } else { None },
    })
}

impl PostgresStore {
    /// Connects, creates the schema named by `?schema=` if missing, and applies pending
    /// migrations.
    pub async fn connect(uri: &str) -> Result<Self> {
        let settings = PgSettings::parse(uri)?;
        let pool = Self::pool(&settings)?;
        let store = Self {
            writer: writer::GroupWriter::start(pool.clone(), settings.op_timeout),
            _stats: stats::StatsKeeper::start(pool.clone()),
            pool,
            locks: Arc::new(AdvisoryLocks::new(settings.clone())),
            settings,
            partitions: Mutex::new(HashSet::new()),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Whether the URI names a store that was ever created: its schema holds the
    /// migrations table. Creates nothing (a read-only command on a mistyped `schema=`
    /// must not make an empty store).
    pub async fn exists(uri: &str) -> Result<bool> {
        let settings = PgSettings::parse(uri)?;
        let pool = Self::pool(&settings)?;
        let client = pool.get().await.map_err(pool_err)?;
        let table = match &settings.schema {
            Some(schema) => format!("\"{schema}\".schema_migrations"),
            None => "schema_migrations".to_string(),
        };
        let row = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .map_err(pg_err)?;
        row.try_get::<_, bool>(0).map_err(pg_err)
    }

    fn pool(settings: &PgSettings) -> Result<Pool> {
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match &settings.tls {
            Some(tls) => Manager::from_config(settings.config.clone(), tls.clone(), manager_config),
            None => Manager::from_config(settings.config.clone(), NoTls, manager_config),
        };
        Pool::builder(manager)
            .max_size(settings.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(settings.op_timeout))
            .create_timeout(Some(settings.op_timeout))
            .recycle_timeout(Some(settings.op_timeout))
            .build()
            .map_err(|e| StoreError::Invalid(format!("cannot build the connection pool: {e}")))
    }

    /// Analyzes the tables of the schema that changed by half their size or more since
    /// their last analysis (what the background keeper does every few seconds); returns
    /// their names.
    #[cfg(test)]
    async fn refresh_statistics(&self) -> Result<Vec<String>> {
        self.timed(stats::refresh(&self.pool)).await
    }

    /// The schema named in the URI, if any.
    pub fn schema(&self) -> Option<&str> {
        self.settings.schema.as_deref()
    }

    async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(pool_err)
    }

    /// Bounds a database operation so that a hung server answers an error, not a hang.
    async fn timed<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout(self.settings.op_timeout, fut)
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "PostgreSQL did not answer within {} ms",
                    self.settings.op_timeout.as_millis()
                ))
            })?
    }

    /// Applies every pending migration; returns the versions applied now. Safe to run
    /// from several processes at once.
    pub async fn migrate(&self) -> Result<Vec<i32>> {
        self.timed(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DDL_LOCK])
                .await
                .map_err(pg_err)?;
            if let Some(schema) = &self.settings.schema {
                tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                    .await
                    .map_err(pg_err)?;
            }
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )",
            )
            .await
            .map_err(pg_err)?;
            let applied: HashSet<i32> = tx
                .query("SELECT version FROM schema_migrations", &[])
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()
                .map_err(pg_err)?;
            let known = migrations::MIGRATIONS
                .iter()
                .map(|m| m.version)
                .max()
                .unwrap_or(0);
            if let Some(newer) = applied.iter().copied().filter(|v| *v > known).max() {
                return Err(StoreError::Invalid(format!(
                    "the database has schema migration {newer}, newer than this binary knows ({known}); use a newer tracardictl"
                )));
            }
            let mut done = Vec::new();
            for m in migrations::MIGRATIONS {
                if applied.contains(&m.version) {
                    continue;
                }
                tx.batch_execute(m.sql).await.map_err(pg_err)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    &[&m.version, &m.name],
                )
                .await
                .map_err(pg_err)?;
                done.push(m.version);
            }
            tx.commit().await.map_err(pg_err)?;
            Ok(done)
        })
        .await
    }

    /// Versions recorded in `schema_migrations`.
    pub async fn applied_migrations(&self) -> Result<Vec<i32>> {
        self.timed(async {
            let client = self.client().await?;
            client
                .query(
                    "SELECT version FROM schema_migrations ORDER BY version",
                    &[],
                )
                .await
                .map_err(pg_err)?
                .iter()
                .map(|r| r.try_get(0).map_err(pg_err))
                .collect()
        })
        .await
    }

    /// Creates the monthly partitions the given months need, once per process.
    async fn ensure_partitions(&self, months: &[i32]) -> Result<()> {
        let missing: Vec<i32> = match self.partitions.lock() {
            Ok(known) => months
                .iter()
                .copied()
                .filter(|m| !known.contains(m))
                .collect(),
            Err(_) => months.to_vec(),
        };
        if missing.is_empty() {
            return Ok(());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DDL_LOCK])
            .await
            .map_err(pg_err)?;
        for &m in &missing {
            let (Some(from), Some(to)) = (month_start(m), month_start(m + 1)) else {
                return Err(StoreError::Invalid(
                    "event insert time out of the storable range".into(),
                ));
            };
            if !(1..=9998).contains(&from.year()) {
                return Err(StoreError::Invalid(format!(
                    "event insert time in year {} is out of the storable range",
                    from.year()
                )));
            }
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS \"{}\" PARTITION OF events FOR VALUES FROM ('{}') TO ('{}')",
                partition_name(m),
                from.format("%Y-%m-%d %H:%M:%S+00"),
                to.format("%Y-%m-%d %H:%M:%S+00"),
            ))
            .await
            .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)?;
        if let Ok(mut known) = self.partitions.lock() {
            known.extend(missing);
        }
        Ok(())
    }

    /// Retention: drops every monthly event partition that ends at or before `cutoff`,
    /// with the id index entries of its events. Returns the dropped partitions' names.
    /// Events in the month holding `cutoff` are kept.
    pub async fn drop_events_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>> {
        self.timed(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DDL_LOCK])
                .await
                .map_err(pg_err)?;
            let rows = tx
                .query(
                    "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE i.inhparent = 'events'::regclass",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let first_kept = month_of(cutoff);
            let mut dropped = Vec::new();
            for row in &rows {
                let name = text(row, 0)?;
                let Some(month) = parse_partition_name(&name) else {
                    continue;
                };
                if month < first_kept {
                    tx.batch_execute(&format!("DROP TABLE \"{name}\""))
                        .await
                        .map_err(pg_err)?;
                    dropped.push((month, name));
                }
            }
            if let Some(bound) = month_start(first_kept) {
                tx.execute("DELETE FROM event_ids WHERE inserted < $1", &[&bound])
                    .await
                    .map_err(pg_err)?;
            }
            tx.commit().await.map_err(pg_err)?;
            if let Ok(mut known) = self.partitions.lock() {
                for (m, _) in &dropped {
                    known.remove(m);
                }
            }
            Ok(dropped.into_iter().map(|(_, n)| n).collect())
        })
        .await
    }

    async fn write_events(&self, scope: &Scope, events: &[Event]) -> Result<()> {
        // One row per id, the last one winning, as if written one after another.
        let mut seen = HashSet::new();
        let mut unique: Vec<&Event> = events
            .iter()
            .rev()
            .filter(|e| seen.insert(e.id.as_str()))
            .collect();
        unique.reverse();
        let mut months: Vec<i32> = unique
            .iter()
            .map(|e| month_of(e.metadata.time.insert))
            .collect();
        months.sort_unstable();
        months.dedup();
        self.ensure_partitions(&months).await?;
        let ids: Vec<&str> = unique.iter().map(|e| e.id.as_str()).collect();
        let profiles: Vec<Option<&str>> = unique.iter().map(|e| e.profile_id()).collect();
        let times: Vec<DateTime<Utc>> = unique.iter().map(|e| e.metadata.time.insert).collect();
        let docs: Vec<String> = unique
            .iter()
            .map(|e| {
                serde_json::to_string(e).map_err(|err| StoreError::Encode {
                    kind: "event",
                    id: e.id.clone(),
                    reason: err.to_string(),
                })
            })
            .collect::<Result<_>>()?;
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        // One transaction: an event whose insert time changed is deleted from its old
        // partition and inserted again, and a process killed in between must not lose it.
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        write_event_rows(&tx, scope, &ids, &profiles, &times, &docs).await?;
        tx.commit().await.map_err(pg_err)
    }
}

/// A table listed by id: its name and what its documents are called in errors.
struct Listing {
    table: &'static str,
    kind: &'static str,
}

impl Listing {
    const PROFILES: Listing = Listing {
        table: "profiles",
        kind: "profile",
    };
    const SESSIONS: Listing = Listing {
        table: "sessions",
        kind: "session",
    };
}

type SqlParam<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

impl PostgresStore {
    /// A page of a table's `(id, doc)` rows in id order after the cursor, of one profile
    /// when `profile_id` is given, narrowed by a translated condition (placeholders
    /// numbered from 5) when given.
    async fn id_listing<T: DeserializeOwned>(
        &self,
        listing: Listing,
        scope: &Scope,
        profile_id: Option<&str>,
        after: Option<&str>,
        limit: usize,
        condition: Option<filter::Translation>,
    ) -> Result<Narrowed<T>> {
        let context = scope.context.as_str();
        let limit_p = limit_param(limit);
        let mut sql = format!(
            "SELECT id, doc FROM {} WHERE tenant = $1 AND context = $2 AND ($3::text IS NULL OR id > $3)",
            listing.table
        );
        let mut params: Vec<SqlParam> = vec![&scope.tenant, &context, &after, &limit_p];
        let exact = condition.as_ref().is_none_or(|t| t.exact);
        if let Some(t) = &condition {
            sql.push_str(&format!(" AND {}", t.sql));
            params.extend(t.params.iter().map(|p| p.as_ref() as SqlParam));
        }
        if let Some(p) = &profile_id {
            params.push(p);
            sql.push_str(&format!(" AND profile_id = ${}", params.len()));
        }
        sql.push_str(" ORDER BY id LIMIT $4");
        self.timed(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&sql).await.map_err(pg_err)?;
            let rows = client.query(&stmt, &params).await.map_err(pg_err)?;
            Ok(Narrowed {
                page: id_page(listing.kind, rows, limit)?,
                exact,
            })
        })
        .await
    }

    /// Events by insert time within the range after the cursor, narrowed by a condition
    /// when given; None when the condition cannot be translated at all. Only the
    /// conditions in use are in the SQL, so the planner prunes partitions on constants.
    async fn time_listing(
        &self,
        scope: &Scope,
        range: TimeRange,
        after: Option<&str>,
        limit: usize,
        condition: Option<&crate::workflow::tql::Expr>,
    ) -> Result<Option<Narrowed<Event>>> {
        let after = after.map(parse_time_cursor).transpose()?;
        let context = scope.context.as_str();
        let limit_p = limit_param(limit);
        let mut sql =
            String::from("SELECT inserted, id, doc FROM events WHERE tenant = $1 AND context = $2");
        let mut params: Vec<SqlParam> = vec![&scope.tenant, &context];
        if let Some(from) = &range.from {
            params.push(from);
            sql.push_str(&format!(" AND inserted >= ${}", params.len()));
        }
        if let Some(to) = &range.to {
            params.push(to);
            sql.push_str(&format!(" AND inserted < ${}", params.len()));
        }
        if let Some((t, id)) = &after {
            params.push(t);
            params.push(id);
            sql.push_str(&format!(
                " AND (inserted, id) > (${}, ${})",
                params.len() - 1,
                params.len()
            ));
        }
        params.push(&limit_p);
        let limit_at = params.len();
        let translated = match condition {
            None => None,
            Some(c) => match filter::translate(
                c,
                crate::workflow::notation::DotSource::Event,
                "doc",
                params.len(),
            ) {
                Some(t) => Some(t),
                None => return Ok(None),
            },
        };
        if let Some(t) = &translated {
            sql.push_str(&format!(" AND {}", t.sql));
            params.extend(t.params.iter().map(|p| p.as_ref() as SqlParam));
        }
        sql.push_str(&format!(" ORDER BY inserted, id LIMIT ${limit_at}"));
        self.timed(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&sql).await.map_err(pg_err)?;
            let rows = client.query(&stmt, &params).await.map_err(pg_err)?;
            Ok(Some(Narrowed {
                page: event_page(rows, limit)?,
                exact: translated.as_ref().is_none_or(|t| t.exact),
            }))
        })
        .await
    }
}

/// The stored insert times of events by id (`$1` tenant, `$2` context, `$3` ids). Looked
/// up by id in the index, never joined against the events table: a generic plan on a
/// fresh table (statistics saying "one row") would scan every event of the scope.
pub(super) const STORED_EVENT_TIMES: &str = "SELECT id, inserted FROM event_ids
     WHERE tenant = $1 AND context = $2 AND id = ANY($3::text[])";

/// Deletes an event's row from its old partition (`$3` the old insert time, `$4` id).
pub(super) const DELETE_EVENT_ROW: &str =
    "DELETE FROM events WHERE tenant = $1 AND context = $2 AND inserted = $3 AND id = $4";

/// Writes event rows (ids unique, `$3`..`$6`: ids, profile ids, insert times, documents)
/// and their id index entries. The index entries and the rows are disjoint: one
/// statement, one round trip.
pub(super) const WRITE_EVENT_ROWS: &str = "WITH input AS (
        SELECT * FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[])
            AS t(id, profile_id, inserted, doc)
     ), idx AS (
        INSERT INTO event_ids (tenant, context, id, inserted)
        SELECT $1, $2, id, inserted FROM input
        ON CONFLICT (tenant, context, id) DO UPDATE SET inserted = excluded.inserted
        RETURNING 1
     )
     INSERT INTO events (tenant, context, inserted, id, profile_id, doc)
     SELECT $1, $2, inserted, id, profile_id, doc::jsonb FROM input
     ON CONFLICT (tenant, context, inserted, id)
     DO UPDATE SET profile_id = excluded.profile_id, doc = excluded.doc";

/// The events among `stored` ([`STORED_EVENT_TIMES`] rows) that are written again at
/// another insert time: their id and old insert time, whose row must go first.
pub(super) fn moved_events(
    stored: &[tokio_postgres::Row],
    ids: &[&str],
    times: &[DateTime<Utc>],
) -> Result<Vec<(String, DateTime<Utc>)>> {
    let mut moved = Vec::new();
    for row in stored {
        let id = text(row, 0)?;
        let old: DateTime<Utc> = row.try_get(1).map_err(pg_err)?;
        // The column keeps microseconds (the client truncates); the event's own time
        // may have nanoseconds, which is not a move.
        if ids
            .iter()
            .zip(times)
            .any(|(i, t)| *i == id.as_str() && t.timestamp_micros() != old.timestamp_micros())
        {
            moved.push((id, old));
        }
    }
    Ok(moved)
}

/// Writes event rows (ids unique) and their id index entries. An event rewritten at
/// another insert time first loses its old row.
async fn write_event_rows<C: deadpool_postgres::GenericClient + Sync>(
    client: &C,
    scope: &Scope,
    ids: &[&str],
    profiles: &[Option<&str>],
    times: &[DateTime<Utc>],
    docs: &[&str],
) -> Result<()> {
    let context = scope.context.as_str();
    let stmt = client
        .prepare_cached(STORED_EVENT_TIMES)
        .await
        .map_err(pg_err)?;
    let stored = client
        .query(&stmt, &[&scope.tenant, &context, &ids])
        .await
        .map_err(pg_err)?;
    for (id, old) in moved_events(&stored, ids, times)? {
        let stmt = client
            .prepare_cached(DELETE_EVENT_ROW)
            .await
            .map_err(pg_err)?;
        client
            .execute(&stmt, &[&scope.tenant, &context, &old, &id])
            .await
            .map_err(pg_err)?;
    }
    let stmt = client
        .prepare_cached(WRITE_EVENT_ROWS)
        .await
        .map_err(pg_err)?;
    client
        .execute(
            &stmt,
            &[&scope.tenant, &context, &ids, &profiles, &times, &docs],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

/// What to do about an error opening or using a PostgreSQL store, for `doctor`.
pub fn remedy(error: &StoreError) -> &'static str {
    let m = error.to_string().to_lowercase();
    if m.contains("connection refused") || m.contains("error connecting") {
        "PostgreSQL is not listening there: start it, or fix host and port in the store URI"
    } else if m.contains("password authentication failed")
        || m.contains("no pg_hba.conf entry")
        || m.contains("authentication")
    {
        "the server refused the credentials: fix user and password in the store URI, or pg_hba.conf"
    } else if m.contains("does not exist") && m.contains("database") {
        "the database does not exist: create it (`createdb NAME`) or fix its name in the store URI"
    } else if m.contains("tls") || m.contains("ssl") {
        "TLS failed: check that the server has ssl=on, the sslrootcert and the host name, or use sslmode=disable on a private network"
    } else if m.contains("did not") || m.contains("timed out") || m.contains("timeout") {
        "no answer in time: check the network and firewall to the server, or raise timeout_ms in the store URI"
    } else if m.contains("permission denied") {
        "the user lacks rights: grant it CREATE on the database (or the schema) and USAGE on the schema"
    } else {
        "check the store URI, that PostgreSQL is reachable from this host, and the credentials"
    }
}

/// 23514: no partition for a row — another process's retention dropped a partition
/// this process believed in.
fn is_missing_partition(e: &StoreError) -> bool {
    matches!(e, StoreError::Io(m) if m.contains("no partition of relation"))
}

#[async_trait]
impl Store for PostgresStore {
    async fn profile(&self, scope: &Scope, id: &str) -> Result<Option<Profile>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT id, doc, 0 AS rank FROM profiles
                     WHERE tenant = $1 AND context = $2 AND id = $3
                     UNION ALL
                     SELECT p.id, p.doc, 1 FROM profile_ids i
                     JOIN profiles p ON p.tenant = i.tenant AND p.context = i.context AND p.id = i.profile_id
                     WHERE i.tenant = $1 AND i.context = $2 AND i.alias = $3
                     ORDER BY rank LIMIT 1",
                )
                .await
                .map_err(pg_err)?;
            let row = client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let pid = text(&row, 0)?;
                    Ok(Some(decode("profile", &row, 1, &pid)?))
                }
            }
        })
        .await
    }

    /// Only the id: the collector resolves a session's profile before locking it, and
    /// decoding the document there would be wasted.
    async fn profile_id(&self, scope: &Scope, id: &str) -> Result<Option<String>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT id, 0 AS rank FROM profiles
                     WHERE tenant = $1 AND context = $2 AND id = $3
                     UNION ALL
                     SELECT p.id, 1 FROM profile_ids i
                     JOIN profiles p ON p.tenant = i.tenant AND p.context = i.context AND p.id = i.profile_id
                     WHERE i.tenant = $1 AND i.context = $2 AND i.alias = $3
                     ORDER BY rank LIMIT 1",
                )
                .await
                .map_err(pg_err)?;
            let row = client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?;
            row.map(|r| text(&r, 0)).transpose()
        })
        .await
    }

    async fn put_profile(&self, scope: &Scope, profile: &Profile) -> Result<()> {
        let mut aliases: Vec<&str> = std::iter::once(profile.id.as_str())
            .chain(profile.ids.iter().map(String::as_str))
            .collect();
        aliases.sort_unstable();
        aliases.dedup();
        self.timed(async {
            let client = self.client().await?;
            // Upsert the document, drop aliases it no longer has, point its aliases at it
            // (taking them over from other profiles): disjoint rows, one statement.
            let stmt = client
                .prepare_cached(
                    "WITH doc AS (
                        INSERT INTO profiles (tenant, context, id, doc) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (tenant, context, id) DO UPDATE SET doc = excluded.doc
                        RETURNING 1
                     ), stale AS (
                        DELETE FROM profile_ids
                        WHERE tenant = $1 AND context = $2 AND profile_id = $3 AND alias <> ALL($5::text[])
                        RETURNING 1
                     ), stale_members AS (
                        DELETE FROM alias_members
                        WHERE tenant = $1 AND context = $2 AND profile_id = $3 AND alias <> ALL($5::text[])
                        RETURNING 1
                     ), members AS (
                        INSERT INTO alias_members (tenant, context, alias, profile_id)
                        SELECT $1, $2, a, $3 FROM unnest($5::text[]) AS a
                        ON CONFLICT DO NOTHING
                        RETURNING 1
                     )
                     INSERT INTO profile_ids (tenant, context, alias, profile_id)
                     SELECT $1, $2, a, $3 FROM unnest($5::text[]) AS a
                     ON CONFLICT (tenant, context, alias) DO UPDATE SET profile_id = excluded.profile_id",
                )
                .await
                .map_err(pg_err)?;
            client
                .execute(
                    &stmt,
                    &[
                        &scope.tenant,
                        &scope.context.as_str(),
                        &profile.id,
                        &Json(profile),
                        &aliases,
                    ],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn delete_profile(&self, scope: &Scope, id: &str) -> Result<bool> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "WITH canonical AS (
                        SELECT id FROM (
                            SELECT id, 0 AS rank FROM profiles WHERE tenant = $1 AND context = $2 AND id = $3
                            UNION ALL
                            SELECT profile_id, 1 FROM profile_ids WHERE tenant = $1 AND context = $2 AND alias = $3
                        ) c ORDER BY rank LIMIT 1
                     ), gone AS (
                        DELETE FROM profiles p USING canonical c
                        WHERE p.tenant = $1 AND p.context = $2 AND p.id = c.id
                        RETURNING 1
                     ), heirs AS (
                        -- Another profile holding an id (a merge key shared until the
                        -- APM merges them) inherits its entry.
                        SELECT m.alias, min(m.profile_id) AS profile_id
                        FROM alias_members m, canonical c
                        WHERE m.tenant = $1 AND m.context = $2 AND m.profile_id <> c.id
                          AND m.alias IN (SELECT o.alias FROM alias_members o
                                          WHERE o.tenant = $1 AND o.context = $2 AND o.profile_id = c.id)
                          AND EXISTS (SELECT 1 FROM profiles p
                                      WHERE p.tenant = $1 AND p.context = $2 AND p.id = m.profile_id)
                        GROUP BY m.alias
                     ), repointed AS (
                        UPDATE profile_ids i SET profile_id = h.profile_id
                        FROM canonical c, heirs h
                        WHERE i.tenant = $1 AND i.context = $2 AND i.profile_id = c.id
                          AND h.alias = i.alias
                        RETURNING 1
                     ), aliases AS (
                        DELETE FROM profile_ids i USING canonical c
                        WHERE i.tenant = $1 AND i.context = $2 AND i.profile_id = c.id
                          AND NOT EXISTS (SELECT 1 FROM heirs h WHERE h.alias = i.alias)
                        RETURNING 1
                     ), members AS (
                        DELETE FROM alias_members m USING canonical c
                        WHERE m.tenant = $1 AND m.context = $2 AND m.profile_id = c.id
                        RETURNING 1
                     )
                     SELECT count(*) FROM gone",
                )
                .await
                .map_err(pg_err)?;
            let row = client
                .query_one(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?;
            let n: i64 = row.try_get(0).map_err(pg_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_profiles(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Profile>> {
        self.id_listing(Listing::PROFILES, scope, None, after, limit, None)
            .await
            .map(|n| n.page)
    }

    async fn list_profiles_where(
        &self,
        scope: &Scope,
        condition: &crate::workflow::tql::Expr,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Option<Narrowed<Profile>>> {
        let Some(t) = filter::translate(
            condition,
            crate::workflow::notation::DotSource::Profile,
            "doc",
            4,
        ) else {
            return Ok(None);
        };
        self.id_listing(Listing::PROFILES, scope, None, after, limit, Some(t))
            .await
            .map(Some)
    }

    async fn profiles_by_alias(&self, scope: &Scope, alias: &str) -> Result<Vec<Profile>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT p.id, p.doc FROM alias_members m
                     JOIN profiles p ON p.tenant = m.tenant AND p.context = m.context AND p.id = m.profile_id
                     WHERE m.tenant = $1 AND m.context = $2 AND m.alias = $3
                     ORDER BY p.id",
                )
                .await
                .map_err(pg_err)?;
            let rows = client
                .query(&stmt, &[&scope.tenant, &scope.context.as_str(), &alias])
                .await
                .map_err(pg_err)?;
            rows.iter()
                .map(|row| {
                    let id = text(row, 0)?;
                    decode("profile", row, 1, &id)
                })
                .collect()
        })
        .await
    }

    async fn sessions_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>> {
        self.id_listing(
            Listing::SESSIONS,
            scope,
            Some(profile_id),
            after,
            limit,
            None,
        )
        .await
        .map(|n| n.page)
    }

    async fn put_merge_record(&self, scope: &Scope, record: &MergeRecord) -> Result<()> {
        let mut named: Vec<&str> = record.merged.iter().map(String::as_str).collect();
        named.push(&record.survivor);
        named.sort_unstable();
        named.dedup();
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "WITH doc AS (
                        INSERT INTO merges (tenant, context, id, time, doc) VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (tenant, context, id) DO UPDATE SET time = excluded.time, doc = excluded.doc
                        RETURNING 1
                     )
                     INSERT INTO merge_profiles (tenant, context, profile_id, time, merge_id)
                     SELECT $1, $2, p, $4, $3 FROM unnest($6::text[]) AS p
                     ON CONFLICT DO NOTHING",
                )
                .await
                .map_err(pg_err)?;
            client
                .execute(
                    &stmt,
                    &[
                        &scope.tenant,
                        &scope.context.as_str(),
                        &record.id,
                        &record.time,
                        &Json(record),
                        &named,
                    ],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn merge_record(&self, scope: &Scope, id: &str) -> Result<Option<MergeRecord>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT doc FROM merges WHERE tenant = $1 AND context = $2 AND id = $3",
                )
                .await
                .map_err(pg_err)?;
            match client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?
            {
                None => Ok(None),
                Some(row) => Ok(Some(decode("merge record", &row, 0, id)?)),
            }
        })
        .await
    }

    async fn merge_records_of(&self, scope: &Scope, profile_id: &str) -> Result<Vec<MergeRecord>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT m.id, m.doc FROM merge_profiles x
                     JOIN merges m ON m.tenant = x.tenant AND m.context = x.context AND m.id = x.merge_id
                     WHERE x.tenant = $1 AND x.context = $2 AND x.profile_id = $3
                     ORDER BY x.time, x.merge_id",
                )
                .await
                .map_err(pg_err)?;
            let rows = client
                .query(&stmt, &[&scope.tenant, &scope.context.as_str(), &profile_id])
                .await
                .map_err(pg_err)?;
            rows.iter()
                .map(|row| {
                    let id = text(row, 0)?;
                    decode("merge record", row, 1, &id)
                })
                .collect()
        })
        .await
    }

    async fn delete_merge_record(&self, scope: &Scope, id: &str) -> Result<bool> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "WITH gone AS (
                        DELETE FROM merge_profiles WHERE tenant = $1 AND context = $2 AND merge_id = $3
                     )
                     DELETE FROM merges WHERE tenant = $1 AND context = $2 AND id = $3",
                )
                .await
                .map_err(pg_err)?;
            let n = client
                .execute(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?;
            Ok(n > 0)
        })
        .await
    }

    /// A profile marked again keeps its first mark's time, so the oldest is served first.
    async fn mark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO merge_marks (tenant, context, profile_id) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&scope.tenant, &scope.context.as_str(), &profile_id],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn marked_for_merge(&self, scope: &Scope, limit: usize) -> Result<Vec<String>> {
        self.timed(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT profile_id FROM merge_marks WHERE tenant = $1 AND context = $2
                     ORDER BY marked_at, profile_id LIMIT $3",
                    &[
                        &scope.tenant,
                        &scope.context.as_str(),
                        &i64::try_from(limit).unwrap_or(i64::MAX),
                    ],
                )
                .await
                .map_err(pg_err)?;
            rows.iter().map(|r| text(r, 0)).collect()
        })
        .await
    }

    async fn unmark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            client
                .execute(
                    "DELETE FROM merge_marks WHERE tenant = $1 AND context = $2 AND profile_id = $3",
                    &[&scope.tenant, &scope.context.as_str(), &profile_id],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        self.timed(async {
            let client = self.client().await?;
            match client
                .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .await
                .map_err(pg_err)?
            {
                None => Ok(None),
                Some(row) => Ok(Some(text(&row, 0)?)),
            }
        })
        .await
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&key, &value],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, scope: &Scope, id: &str) -> Result<Option<Session>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT doc FROM sessions WHERE tenant = $1 AND context = $2 AND id = $3",
                )
                .await
                .map_err(pg_err)?;
            match client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?
            {
                None => Ok(None),
                Some(row) => Ok(Some(decode("session", &row, 0, id)?)),
            }
        })
        .await
    }

    async fn put_session(&self, scope: &Scope, session: &Session) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "INSERT INTO sessions (tenant, context, id, profile_id, doc) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (tenant, context, id)
                     DO UPDATE SET profile_id = excluded.profile_id, doc = excluded.doc",
                )
                .await
                .map_err(pg_err)?;
            client
                .execute(
                    &stmt,
                    &[
                        &scope.tenant,
                        &scope.context.as_str(),
                        &session.id,
                        &session.profile_id(),
                        &Json(session),
                    ],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, scope: &Scope, id: &str) -> Result<bool> {
        self.timed(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "DELETE FROM sessions WHERE tenant = $1 AND context = $2 AND id = $3",
                    &[&scope.tenant, &scope.context.as_str(), &id],
                )
                .await
                .map_err(pg_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_sessions(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>> {
        self.id_listing(Listing::SESSIONS, scope, None, after, limit, None)
            .await
            .map(|n| n.page)
    }

    async fn event(&self, scope: &Scope, id: &str) -> Result<Option<Event>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT e.doc FROM event_ids i
                     JOIN events e ON e.tenant = i.tenant AND e.context = i.context
                                  AND e.inserted = i.inserted AND e.id = i.id
                     WHERE i.tenant = $1 AND i.context = $2 AND i.id = $3",
                )
                .await
                .map_err(pg_err)?;
            match client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?
            {
                None => Ok(None),
                Some(row) => Ok(Some(decode("event", &row, 0, id)?)),
            }
        })
        .await
    }

    async fn put_events(&self, scope: &Scope, events: &[Event]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.timed(async {
            match self.write_events(scope, events).await {
                Err(e) if is_missing_partition(&e) => {
                    if let Ok(mut known) = self.partitions.lock() {
                        known.clear();
                    }
                    self.write_events(scope, events).await
                }
                other => other,
            }
        })
        .await
    }

    async fn delete_event(&self, scope: &Scope, id: &str) -> Result<bool> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "WITH i AS (
                        DELETE FROM event_ids WHERE tenant = $1 AND context = $2 AND id = $3
                        RETURNING inserted
                     ), e AS (
                        DELETE FROM events e USING i
                        WHERE e.tenant = $1 AND e.context = $2 AND e.inserted = i.inserted AND e.id = $3
                        RETURNING 1
                     )
                     SELECT count(*) FROM e",
                )
                .await
                .map_err(pg_err)?;
            let row = client
                .query_one(&stmt, &[&scope.tenant, &scope.context.as_str(), &id])
                .await
                .map_err(pg_err)?;
            let n: i64 = row.try_get(0).map_err(pg_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn events_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>> {
        let after = after.map(parse_time_cursor).transpose()?;
        self.timed(async {
            let client = self.client().await?;
            let rows = match &after {
                None => {
                    let stmt = client
                        .prepare_cached(
                            "SELECT inserted, id, doc FROM events
                             WHERE tenant = $1 AND context = $2 AND profile_id = $3
                             ORDER BY inserted, id LIMIT $4",
                        )
                        .await
                        .map_err(pg_err)?;
                    client
                        .query(
                            &stmt,
                            &[
                                &scope.tenant,
                                &scope.context.as_str(),
                                &profile_id,
                                &limit_param(limit),
                            ],
                        )
                        .await
                }
                Some((t, id)) => {
                    let stmt = client
                        .prepare_cached(
                            "SELECT inserted, id, doc FROM events
                             WHERE tenant = $1 AND context = $2 AND profile_id = $3
                               AND (inserted, id) > ($4, $5)
                             ORDER BY inserted, id LIMIT $6",
                        )
                        .await
                        .map_err(pg_err)?;
                    client
                        .query(
                            &stmt,
                            &[
                                &scope.tenant,
                                &scope.context.as_str(),
                                &profile_id,
                                t,
                                id,
                                &limit_param(limit),
                            ],
                        )
                        .await
                }
            }
            .map_err(pg_err)?;
            event_page(rows, limit)
        })
        .await
    }

    async fn events_by_time(
        &self,
        scope: &Scope,
        range: TimeRange,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>> {
        let listed = self.time_listing(scope, range, after, limit, None).await?;
        Ok(listed.map(|n| n.page).unwrap_or(Page {
            items: Vec::new(),
            next: None,
        }))
    }

    async fn events_by_time_where(
        &self,
        scope: &Scope,
        range: TimeRange,
        condition: &crate::workflow::tql::Expr,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Option<Narrowed<Event>>> {
        self.time_listing(scope, range, after, limit, Some(condition))
            .await
    }

    async fn config(&self, scope: &Scope, kind: &str, id: &str) -> Result<Option<Value>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT doc FROM config WHERE tenant = $1 AND context = $2 AND kind = $3 AND id = $4",
                )
                .await
                .map_err(pg_err)?;
            match client
                .query_opt(&stmt, &[&scope.tenant, &scope.context.as_str(), &kind, &id])
                .await
                .map_err(pg_err)?
            {
                None => Ok(None),
                Some(row) => Ok(Some(decode("configuration", &row, 0, id)?)),
            }
        })
        .await
    }

    async fn put_config(&self, scope: &Scope, kind: &str, id: &str, doc: &Value) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "INSERT INTO config (tenant, context, kind, id, doc) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (tenant, context, kind, id) DO UPDATE SET doc = excluded.doc",
                )
                .await
                .map_err(pg_err)?;
            client
                .execute(
                    &stmt,
                    &[
                        &scope.tenant,
                        &scope.context.as_str(),
                        &kind,
                        &id,
                        &Json(doc),
                    ],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn delete_config(&self, scope: &Scope, kind: &str, id: &str) -> Result<bool> {
        self.timed(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "DELETE FROM config WHERE tenant = $1 AND context = $2 AND kind = $3 AND id = $4",
                    &[&scope.tenant, &scope.context.as_str(), &kind, &id],
                )
                .await
                .map_err(pg_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_config_keyed(&self, scope: &Scope, kind: &str) -> Result<Vec<(String, Value)>> {
        self.timed(async {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT id, doc FROM config WHERE tenant = $1 AND context = $2 AND kind = $3 ORDER BY id",
                )
                .await
                .map_err(pg_err)?;
            let rows = client
                .query(&stmt, &[&scope.tenant, &scope.context.as_str(), &kind])
                .await
                .map_err(pg_err)?;
            rows.iter()
                .map(|row| {
                    let id = text(row, 0)?;
                    let doc = decode("configuration", row, 1, &id)?;
                    Ok((id, doc))
                })
                .collect()
        })
        .await
    }

    async fn counts(&self, scope: &Scope) -> Result<Counts> {
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT
                        (SELECT count(*) FROM profiles WHERE tenant = $1 AND context = $2),
                        (SELECT count(*) FROM sessions WHERE tenant = $1 AND context = $2),
                        (SELECT count(*) FROM event_ids WHERE tenant = $1 AND context = $2)",
                    &[&scope.tenant, &scope.context.as_str()],
                )
                .await
                .map_err(pg_err)?;
            let n = |i: usize| -> Result<u64> {
                Ok(row.try_get::<_, i64>(i).map_err(pg_err)?.max(0) as u64)
            };
            Ok(Counts {
                profiles: n(0)?,
                sessions: n(1)?,
                events: n(2)?,
            })
        })
        .await
    }

    async fn schema_version(&self) -> Result<Option<u32>> {
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
                .await
                .map_err(pg_err)?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let s = text(&row, 0)?;
                    s.parse().map(Some).map_err(|_| StoreError::Corrupt {
                        kind: "schema version",
                        id: "meta".into(),
                        reason: format!("`{s}` is not a number"),
                    })
                }
            }
        })
        .await
    }

    async fn set_schema_version(&self, version: u32) -> Result<()> {
        self.timed(async {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&version.to_string()],
                )
                .await
                .map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn disk_size(&self) -> Result<u64> {
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let n: i64 = row.try_get(0).map_err(pg_err)?;
            Ok(n.max(0) as u64)
        })
        .await
    }

    async fn backend_facts(&self) -> Result<Vec<(String, String)>> {
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT current_setting('server_version'),
                            pg_size_pretty(pg_database_size(current_database())),
                            current_database(), current_schema(),
                            (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),
                            current_setting('max_connections'),
                            (SELECT coalesce(max(version), 0) FROM schema_migrations)",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let get = |i: usize| -> Result<String> { row.try_get::<_, String>(i).map_err(pg_err) };
            let sessions: i64 = row.try_get(4).map_err(pg_err)?;
            let migration: i32 = row.try_get(6).map_err(pg_err)?;
            let pool = self.pool.status();
            Ok(vec![
                ("server_version".into(), get(0)?),
                ("database".into(), get(2)?),
                ("schema".into(), get(3)?),
                ("database_size".into(), get(1)?),
                ("migration".into(), migration.to_string()),
                (
                    "pool".into(),
                    format!(
                        "{} open, {} idle, max {} (this process)",
                        pool.size, pool.available, pool.max_size
                    ),
                ),
                (
                    "connections".into(),
                    format!("{sessions} to this database, server max {}", get(5)?),
                ),
                (
                    "tls".into(),
                    if self.settings.tls.is_some() {
                        "on".into()
                    } else {
                        "off".into()
                    },
                ),
            ])
        })
        .await
    }

    /// Every write has committed (with `synchronous_commit=on`) before it returned.
    async fn durable(&self) -> Result<()> {
        Ok(())
    }

    /// One transaction, shared with the requests that commit at the same time.
    async fn commit_track(&self, scope: &Scope, write: TrackWrite<'_>) -> Result<()> {
        if write.is_empty() {
            return Ok(());
        }
        let encoded = Arc::new(writer::Encoded::new(scope, &write)?);
        let months = encoded.months();
        self.timed(self.ensure_partitions(&months)).await?;
        match self.writer.commit(encoded.clone()).await {
            Err(e) if is_missing_partition(&e) => {
                if let Ok(mut known) = self.partitions.lock() {
                    known.clear();
                }
                self.timed(self.ensure_partitions(&months)).await?;
                self.writer.commit(encoded).await
            }
            other => other,
        }
    }

    async fn lock(&self, scope: &Scope, key: &str) -> Result<LockGuard> {
        let key = format!("{}\u{1f}{}\u{1f}{key}", scope.tenant, scope.context);
        self.locks.lock(key).await
    }

    async fn scopes(&self) -> Result<Vec<Scope>> {
        self.timed(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT tenant, context FROM profiles
                     UNION SELECT tenant, context FROM profile_ids
                     UNION SELECT tenant, context FROM sessions
                     UNION SELECT tenant, context FROM event_ids
                     UNION SELECT tenant, context FROM config
                     UNION SELECT tenant, context FROM merges
                     UNION SELECT tenant, context FROM merge_marks
                     ORDER BY 1, 2",
                    &[],
                )
                .await
                .map_err(pg_err)?;
            let mut scopes = Vec::new();
            for row in &rows {
                let tenant = text(row, 0)?;
                if let Ok(context) = text(row, 1)?.parse::<Context>() {
                    scopes.push(Scope::new(tenant, context));
                }
            }
            scopes.sort();
            Ok(scopes)
        })
        .await
    }

    async fn config_kinds(&self, scope: &Scope) -> Result<Vec<String>> {
        self.timed(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT DISTINCT kind FROM config WHERE tenant = $1 AND context = $2 ORDER BY kind",
                    &[&scope.tenant, &scope.context.as_str()],
                )
                .await
                .map_err(pg_err)?;
            rows.iter().map(|r| text(r, 0)).collect()
        })
        .await
    }

    async fn enqueue(&self, items: &[NewItem], now: DateTime<Utc>) -> Result<Vec<u64>> {
        self.enqueue_at(items, now, now).await
    }

    async fn enqueue_at(
        &self,
        items: &[NewItem],
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>> {
        let not_before = not_before.max(now);
        if items.is_empty() {
            return Ok(Vec::new());
        }
        self.timed(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            let stmt = tx
                .prepare(
                    "INSERT INTO work_queue (tenant, context, topic, key, payload, enqueued_at, available_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
                )
                .await
                .map_err(pg_err)?;
            let mut seqs = Vec::with_capacity(items.len());
            for item in items {
                let row = tx
                    .query_one(
                        &stmt,
                        &[
                            &item.scope.tenant,
                            &item.scope.context.as_str(),
                            &item.topic,
                            &item.key,
                            &Json(&item.payload),
                            &now,
                            &not_before,
                        ],
                    )
                    .await
                    .map_err(pg_err)?;
                seqs.push(seq_of(&row, 0)?);
            }
            tx.commit().await.map_err(pg_err)?;
            Ok(seqs)
        })
        .await
    }

    async fn lease_batch(
        &self,
        topic: &str,
        max: usize,
        visibility: chrono::Duration,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Leases> {
        let until = now + visibility;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        // One statement takes the due items at the head of their keys: those with
        // attempts left are leased (the lease counts the attempt, and one lost to an
        // expired lease), the others go to the dead-letter queue. A key whose item went
        // dead has its next item taken by the next round.
        let sql = format!(
            "WITH cand AS (
               SELECT q.seq, q.attempts >= $6 AS spent FROM work_queue q
               WHERE q.topic = $1 AND q.available_at <= $2
                 AND (q.lease_until IS NULL OR q.lease_until <= $2)
                 AND (q.key IS NULL OR NOT EXISTS (
                   SELECT 1 FROM work_queue p
                   WHERE p.topic = q.topic AND p.key = q.key AND p.seq < q.seq))
               ORDER BY q.seq LIMIT $3
               FOR UPDATE SKIP LOCKED),
             gone AS (
               DELETE FROM work_queue w USING cand WHERE w.seq = cand.seq AND cand.spent
               RETURNING w.*),
             dead AS (
               INSERT INTO dead_letters (seq, tenant, context, topic, key, payload, attempts,
                   expired, enqueued_at, available_at, last_error)
               SELECT seq, tenant, context, topic, key, payload, attempts,
                   expired + (lease_token IS NOT NULL)::int, enqueued_at, available_at,
                   CASE WHEN lease_token IS NULL THEN last_error
                        ELSE $7::text || ' in ' || (expired + 1) || ' of ' || attempts || ' attempts'
                             || COALESCE('; last failure: ' || last_error, '') END
               FROM gone RETURNING {QUEUE_COLUMNS}),
             leased AS (
               UPDATE work_queue w SET attempts = w.attempts + 1,
                   expired = w.expired + (w.lease_token IS NOT NULL)::int,
                   lease_token = $4 || '-' || w.seq::text, lease_until = $5
               FROM cand WHERE w.seq = cand.seq AND NOT cand.spent
               RETURNING {QUEUE_COLUMNS_W}, w.lease_token)
             SELECT l.*, false FROM leased l
             UNION ALL SELECT d.*, NULL::text, true FROM dead d"
        );
        self.timed(async {
            let client = self.client().await?;
            let mut out = Vec::new();
            let mut gone = Vec::new();
            while out.len() < max {
                let rows = client
                    .query(
                        &sql,
                        &[
                            &topic,
                            &now,
                            &count_param(max - out.len()),
                            &token,
                            &until,
                            &max_attempts,
                            &super::queue::LEASE_EXPIRED,
                        ],
                    )
                    .await
                    .map_err(pg_err)?;
                let mut dead = 0usize;
                for r in &rows {
                    let is_dead: bool = r.try_get(13).map_err(pg_err)?;
                    if is_dead {
                        dead += 1;
                        gone.push(queue_item(r)?);
                    } else {
                        out.push(Leased {
                            item: queue_item(r)?,
                            token: text(r, 12)?,
                            until,
                        });
                    }
                }
                if dead == 0 {
                    break;
                }
            }
            out.sort_by_key(|l| l.item.seq);
            gone.sort_by_key(|i| i.seq);
            Ok(Leases {
                leased: out,
                dead: gone,
            })
        })
        .await
    }

    async fn ack(&self, seq: u64, token: &str, _now: DateTime<Utc>) -> Result<bool> {
        let seq = seq_param(seq)?;
        self.timed(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "DELETE FROM work_queue WHERE seq = $1 AND lease_token = $2",
                    &[&seq, &token],
                )
                .await
                .map_err(pg_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn nack(
        &self,
        seq: u64,
        token: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        _now: DateTime<Utc>,
    ) -> Result<NackOutcome> {
        let seq = seq_param(seq)?;
        self.timed(async {
            let client = self.client().await?;
            let n =
                match retry_at {
                    Some(at) => {
                        client
                            .execute(
                                "UPDATE work_queue SET last_error = $3,
                                 available_at = $4, lease_token = NULL, lease_until = NULL
                             WHERE seq = $1 AND lease_token = $2",
                                &[&seq, &token, &error, &at],
                            )
                            .await
                    }
                    None => client
                        .execute(
                            "WITH d AS (DELETE FROM work_queue WHERE seq = $1 AND lease_token = $2
                                        RETURNING *)
                             INSERT INTO dead_letters (seq, tenant, context, topic, key, payload,
                                 attempts, expired, enqueued_at, available_at, last_error)
                             SELECT seq, tenant, context, topic, key, payload, attempts,
                                 expired, enqueued_at, available_at, $3 FROM d",
                            &[&seq, &token, &error],
                        )
                        .await,
                }
                .map_err(pg_err)?;
            Ok(match (n, retry_at) {
                (0, _) => NackOutcome::Stale,
                (_, Some(at)) => NackOutcome::Retry(at),
                (_, None) => NackOutcome::Dead,
            })
        })
        .await
    }

    async fn dead_letters(&self, after: Option<u64>, limit: usize) -> Result<Vec<QueueItem>> {
        let after = match after {
            Some(s) => seq_param(s)?,
            None => -1,
        };
        self.timed(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT {QUEUE_COLUMNS} FROM dead_letters WHERE seq > $1 ORDER BY seq LIMIT $2"
                    ),
                    &[&after, &count_param(limit)],
                )
                .await
                .map_err(pg_err)?;
            rows.iter().map(queue_item).collect()
        })
        .await
    }

    async fn dead_letter(&self, seq: u64) -> Result<Option<QueueItem>> {
        let seq = seq_param(seq)?;
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    &format!("SELECT {QUEUE_COLUMNS} FROM dead_letters WHERE seq = $1"),
                    &[&seq],
                )
                .await
                .map_err(pg_err)?;
            row.as_ref().map(queue_item).transpose()
        })
        .await
    }

    async fn replay_dead_letter(&self, seq: u64, now: DateTime<Utc>) -> Result<Option<u64>> {
        let seq = seq_param(seq)?;
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "WITH d AS (DELETE FROM dead_letters WHERE seq = $1 RETURNING *)
                     INSERT INTO work_queue (tenant, context, topic, key, payload, attempts,
                         enqueued_at, available_at, last_error)
                     SELECT tenant, context, topic, key, payload, 0, $2, $2, last_error
                     FROM d RETURNING seq",
                    &[&seq, &now],
                )
                .await
                .map_err(pg_err)?;
            row.as_ref().map(|r| seq_of(r, 0)).transpose()
        })
        .await
    }

    async fn drop_tenant(&self, tenant: &str) -> Result<()> {
        self.timed(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_err)?;
            for table in [
                "profiles",
                "profile_ids",
                "alias_members",
                "sessions",
                "events",
                "event_ids",
                "config",
                "merges",
                "merge_profiles",
                "merge_marks",
                "work_queue",
                "dead_letters",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE tenant = $1"),
                    &[&tenant],
                )
                .await
                .map_err(pg_err)?;
            }
            tx.commit().await.map_err(pg_err)?;
            Ok(())
        })
        .await
    }

    async fn purge_dead_letters(&self, seq: Option<u64>) -> Result<u64> {
        let seq = seq.map(seq_param).transpose()?;
        self.timed(async {
            let client = self.client().await?;
            let n = match seq {
                Some(s) => {
                    client
                        .execute("DELETE FROM dead_letters WHERE seq = $1", &[&s])
                        .await
                }
                None => client.execute("DELETE FROM dead_letters", &[]).await,
            }
            .map_err(pg_err)?;
            Ok(n)
        })
        .await
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<QueueStats> {
        self.timed(async {
            let client = self.client().await?;
            let row = client
                .query_one(
                    "SELECT (SELECT count(*) FROM work_queue),
                            (SELECT count(*) FROM work_queue WHERE lease_until > $1),
                            (SELECT min(enqueued_at) FROM work_queue),
                            (SELECT count(*) FROM dead_letters)",
                    &[&now],
                )
                .await
                .map_err(pg_err)?;
            let count = |i: usize| -> Result<u64> {
                Ok(u64::try_from(row.try_get::<_, i64>(i).map_err(pg_err)?).unwrap_or(0))
            };
            Ok(QueueStats {
                depth: count(0)?,
                in_flight: count(1)?,
                oldest: row.try_get(2).map_err(pg_err)?,
                dead_letters: count(3)?,
            })
        })
        .await
    }
}

/// The columns [`queue_item`] reads, from `dead_letters` (no lease) …
const QUEUE_COLUMNS: &str = "seq, tenant, context, topic, key, payload, attempts, enqueued_at, available_at, last_error, expired, NULL::timestamptz";
/// … and from `work_queue w`.
const QUEUE_COLUMNS_W: &str = "w.seq, w.tenant, w.context, w.topic, w.key, w.payload, w.attempts, w.enqueued_at, w.available_at, w.last_error, w.expired, w.lease_until";

fn count_param(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn seq_param(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| StoreError::Invalid(format!("no queue item {seq}")))
}

fn seq_of(row: &Row, col: usize) -> Result<u64> {
    let s: i64 = row.try_get(col).map_err(pg_err)?;
    u64::try_from(s).map_err(|_| StoreError::Corrupt {
        kind: "queue item",
        id: s.to_string(),
        reason: "negative sequence number".into(),
    })
}

/// A row of `QUEUE_COLUMNS`.
fn queue_item(row: &Row) -> Result<QueueItem> {
    let seq = seq_of(row, 0)?;
    let context: Context = text(row, 2)?
        .parse()
        .map_err(|e: crate::domain::UnknownContext| StoreError::Corrupt {
            kind: "queue item",
            id: seq.to_string(),
            reason: e.to_string(),
        })?;
    let attempts: i32 = row.try_get(6).map_err(pg_err)?;
    let expired: i32 = row.try_get(10).map_err(pg_err)?;
    Ok(QueueItem {
        seq,
        scope: Scope::new(text(row, 1)?, context),
        topic: text(row, 3)?,
        key: row.try_get(4).map_err(pg_err)?,
        payload: decode("queue item", row, 5, &seq.to_string())?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        expired: u32::try_from(expired).unwrap_or(0),
        leased_until: row.try_get(11).map_err(pg_err)?,
        enqueued_at: row.try_get(7).map_err(pg_err)?,
        available_at: row.try_get(8).map_err(pg_err)?,
        last_error: row.try_get(9).map_err(pg_err)?,
    })
}

/// A page of `(id, doc)` rows fetched with `limit + 1`; the cursor is the last id.
fn id_page<T: DeserializeOwned>(
    kind: &'static str,
    rows: Vec<Row>,
    limit: usize,
) -> Result<Page<T>> {
    let more = rows.len() > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit));
    let mut next = None;
    for row in rows.iter().take(limit) {
        let id = text(row, 0)?;
        items.push(decode(kind, row, 1, &id)?);
        next = Some(id);
    }
    Ok(Page {
        items,
        next: if more { next } else { None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_parameters_are_taken_out() {
        let s = PgSettings::parse(
            "postgres://u@localhost:5432/db?schema=t_1&pool_size=3&timeout_ms=250&sslmode=disable",
        )
        .unwrap();
        assert_eq!(s.schema.as_deref(), Some("t_1"));
        assert_eq!(s.pool_size, 3);
        assert_eq!(s.op_timeout, Duration::from_millis(250));
        let opts = s.config.get_options().unwrap();
        assert!(opts.contains("search_path=t_1"), "{opts}");
        assert!(opts.contains("synchronous_commit=on"), "{opts}");
        assert!(s.tls.is_none());
        assert_eq!(
            s.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
        for mode in ["require", "verify-full"] {
            let s = PgSettings::parse(&format!("postgres://u@h/db?sslmode={mode}")).unwrap();
            assert!(s.tls.is_some(), "{mode}");
            assert_eq!(
                s.config.get_ssl_mode(),
                tokio_postgres::config::SslMode::Require
            );
        }
        assert!(PgSettings::parse("postgres://u@h/db?sslmode=verify-ca").is_err());
        assert!(PgSettings::parse("postgres://u@h/db?sslmode=require&sslrootcert=/x.pem").is_err());
        assert!(PgSettings::parse("postgres://u@h/db?schema=x;drop").is_err());
        assert!(PgSettings::parse("postgres://u@h/db?pool_size=many").is_err());
        for bad in [
            "pool_size=0",
            "pool_size=1001",
            "timeout_ms=0",
            "lock_timeout_ms=0",
        ] {
            let Err(e) = PgSettings::parse(&format!("postgres://u@h/db?{bad}")) else {
                panic!("{bad} was taken");
            };
            assert!(e.to_string().contains("out of range"), "{bad}: {e}");
        }
    }

    #[test]
    fn partitions_and_cursors() {
        let t = Utc.with_ymd_and_hms(2023, 12, 31, 23, 0, 0).unwrap();
        let m = month_of(t);
        assert_eq!(partition_name(m), "events_2023_12");
        assert_eq!(parse_partition_name("events_2023_12"), Some(m));
        assert_eq!(
            month_start(m + 1),
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single()
        );
        let c = time_cursor(t, "a:b");
        assert_eq!(parse_time_cursor(&c).unwrap(), (t, "a:b".to_string()));
        assert!(parse_time_cursor("x").is_err());
    }
}

/// The local test server has no TLS: asking for it must fail, never fall back to a
/// plain connection. (A TLS handshake itself is not tested here: no TLS server.)
#[cfg(test)]
#[tokio::test]
async fn required_tls_is_never_downgraded() {
    let Some(base) = std::env::var(testing::ENV).ok().filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipped required_tls_is_never_downgraded: {} is not set",
            testing::ENV
        );
        return;
    };
    for mode in ["require", "verify-full"] {
        let uri = testing::with_params(&base, &format!("sslmode={mode}&timeout_ms=2000"));
        match PostgresStore::connect(&uri).await {
            Ok(_) => {
                eprintln!("the test server speaks TLS; the no-downgrade check does not apply")
            }
            Err(e) => assert!(
                matches!(e, StoreError::Unavailable(_) | StoreError::Io(_)),
                "{mode}: {e:?}"
            ),
        }
    }
}

/// Tables that filled up since their last analysis get analyzed, so the planner does not
/// take a table of thousands of events for an empty one (and scan it for every lookup).
#[cfg(test)]
#[tokio::test]
async fn tables_that_grew_are_analyzed() {
    let Some(store) = testing::TestStore::create("tables_that_grew_are_analyzed").await else {
        return;
    };
    let scope = Scope::default_tenant(Context::Production);
    let now = Utc::now();
    let events: Vec<Event> = (0..(stats::MIN_CHANGED as usize * 2))
        .map(|i| {
            let mut e = Event::new(format!("e-{i}"), "page-view".into(), "src", now);
            e.profile = Some(crate::domain::EntityRef::new(format!("p-{}", i % 7)));
            e
        })
        .collect();
    store.put_events(&scope, &events).await.unwrap();
    // Backends report their row counts to the statistics system within a few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let analyzed = loop {
        let analyzed = store.refresh_statistics().await.unwrap();
        if analyzed.iter().any(|t| t == "event_ids") {
            break analyzed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "event_ids was never analyzed (last round: {analyzed:?})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        analyzed.iter().any(|t| t.starts_with("events_")),
        "{analyzed:?}"
    );
    let client = store.client().await.unwrap();
    let last: Option<DateTime<Utc>> = client
        .query_one(
            "SELECT last_analyze FROM pg_stat_user_tables
             WHERE schemaname = current_schema() AND relname = 'event_ids'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(last.is_some());
    // Nothing changed since: the next round analyzes nothing.
    assert_eq!(
        store.refresh_statistics().await.unwrap(),
        Vec::<String>::new()
    );
    // The planner now knows the table's size (it believed 0 rows before).
    let planned: f32 = client
        .query_one(
            "SELECT reltuples FROM pg_class WHERE oid = 'event_ids'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(planned as usize, events.len());
}

#[cfg(test)]
mod conformance {
    use super::testing::TestStore;

    crate::store_conformance_tests!(match TestStore::create(module_path!()).await {
        Some(s) => s,
        None => return,
    });
}

/// Requests committed together: a document PostgreSQL refuses (JSONB cannot hold
/// U+0000) fails its own request only; the others of the shared transaction commit.
#[cfg(test)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_document_fails_only_its_own_request() {
    let Some(store) =
        testing::TestStore::create("a_refused_document_fails_only_its_own_request").await
    else {
        return;
    };
    let scope = Scope::default_tenant(Context::Production);
    let batches: Vec<Vec<Event>> = (0..16)
        .map(|i| {
            let mut e = Event::new(format!("e{i}"), "page-view".into(), "src", Utc::now());
            if i == 7 {
                e.properties
                    .insert("bad".into(), serde_json::json!("a\u{0}b"));
            }
            vec![e]
        })
        .collect();
    let writes = batches.iter().map(|events| {
        store.commit_track(
            &scope,
            TrackWrite {
                events,
                ..TrackWrite::default()
            },
        )
    });
    let results = futures::future::join_all(writes).await;
    for (i, r) in results.iter().enumerate() {
        if i == 7 {
            assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
        } else {
            assert!(r.is_ok(), "{i}: {r:?}");
        }
    }
    assert!(store.event(&scope, "e7").await.unwrap().is_none());
    assert!(store.event(&scope, "e3").await.unwrap().is_some());
}

/// Lock requests are batched per connection: two stores (two processes, each with its
/// lock connection) with many requests in flight for a few keys still hold each key
/// one at a time, and every lock is released at the end.
#[cfg(test)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_locks_exclude_across_processes() {
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
    let Some(db) = testing::TestStore::create("batched_locks_exclude_across_processes").await
    else {
        return;
    };
    let a = Arc::new(PostgresStore::connect(&db.uri()).await.unwrap());
    let b = Arc::new(PostgresStore::connect(&db.uri()).await.unwrap());
    let scope = Scope::default_tenant(Context::Production);
    let holders: Arc<Vec<AtomicUsize>> = Arc::new((0..4).map(|_| AtomicUsize::new(0)).collect());
    let granted = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64usize {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (scope, holders, granted) = (scope.clone(), holders.clone(), granted.clone());
        tasks.spawn(async move {
            for round in 0..5usize {
                let k = (i + round) % 4;
                let guard = store.lock(&scope, &format!("profile:k{k}")).await.unwrap();
                assert_eq!(
                    holders[k].fetch_add(1, AtomicOrdering::SeqCst),
                    0,
                    "key k{k} held twice at once"
                );
                tokio::task::yield_now().await;
                holders[k].fetch_sub(1, AtomicOrdering::SeqCst);
                granted.fetch_add(1, AtomicOrdering::SeqCst);
                drop(guard);
            }
        });
    }
    let all = async {
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("every lock request was answered");
    assert_eq!(granted.load(AtomicOrdering::SeqCst), 64 * 5);
    // A third process takes every key at once: none was left held.
    let c = PostgresStore::connect(&db.uri()).await.unwrap();
    let keys: Vec<String> = (0..4).map(|k| format!("profile:k{k}")).collect();
    tokio::time::timeout(Duration::from_secs(5), c.lock_many(&scope, &keys))
        .await
        .expect("no lock was left held")
        .unwrap();
}
