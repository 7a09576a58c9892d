//! Fresh PostgreSQL stores for tests: each gets its own schema, dropped afterwards.
//!
//! The database comes from `TEST_POSTGRES_URL`; without it [`TestStore::create`] prints
//! that the test was skipped and returns `None`.

use super::{pg_err, PgSettings, PostgresStore};
use crate::store::Result;
use tokio_postgres::NoTls;

/// The variable naming the test database.
pub const ENV: &str = "TEST_POSTGRES_URL";

pub struct TestStore {
    store: Option<PostgresStore>,
    base: String,
    schema: String,
}

/// `base` with `extra` query parameters added.
pub fn with_params(base: &str, extra: &str) -> String {
    if base.contains('?') {
        format!("{base}&{extra}")
    } else {
        format!("{base}?{extra}")
    }
}

impl TestStore {
    /// A store on a new schema of the test database, or None (and a note on stderr)
    /// when `TEST_POSTGRES_URL` is unset.
    pub async fn create(test: &str) -> Option<TestStore> {
        let Some(base) = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty()) else {
            eprintln!("skipped {test}: {ENV} is not set");
            return None;
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let uri = with_params(&base, &format!("schema={schema}&pool_size=3"));
        match PostgresStore::connect(&uri).await {
            Ok(store) => Some(TestStore {
                store: Some(store),
                base,
                schema,
            }),
            Err(e) => panic!("cannot open a test store at {base}: {e}"),
        }
    }

    /// The URI of this store (with its schema), for other processes.
    pub fn uri(&self) -> String {
        with_params(&self.base, &format!("schema={}", self.schema))
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl std::ops::Deref for TestStore {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        match &self.store {
            Some(s) => s,
            None => unreachable!("the store lives until drop"),
        }
    }
}

/// Drops a schema and everything in it.
pub async fn drop_schema(base: &str, schema: &str) -> Result<()> {
    let settings = PgSettings::parse(base)?;
    let (client, connection) = settings.config.connect(NoTls).await.map_err(pg_err)?;
    let conn = tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .map_err(pg_err)?;
    drop(client);
    let _ = conn.await;
    Ok(())
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.store.take();
        let base = self.base.clone();
        let schema = self.schema.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with
        // its own runtime can.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                if let Err(e) = rt.block_on(drop_schema(&base, &schema)) {
                    eprintln!("cannot drop test schema {schema}: {e}");
                }
            }
        })
        .join();
        if done.is_err() {
            eprintln!("dropping test schema {} failed", self.schema);
        }
    }
}
