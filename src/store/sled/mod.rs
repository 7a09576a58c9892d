//! The embedded store on sled: one database per data dir, trees per scope and kind,
//! secondary indexes as trees.

mod decoded;
mod wal;

use super::locks::KeyLocks;
use super::queue::{Leased, Leases, NackOutcome, NewItem, QueueItem, QueueStats};
use super::{Counts, LockGuard, OpenOptions, Page, Result, Store, StoreError, TimeRange};
use crate::domain::{Context, Event, MergeRecord, Profile, Scope, Session};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use decoded::Decoded;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use wal::{Op, Wal};

const META_TREE: &str = "meta";
const SCHEMA_KEY: &str = "schema_version";
const QUEUE_TREE: &str = "queue";
const DEAD_TREE: &str = "queue-dead";

/// Leases live in memory: sled allows one process per database, so a lease cannot
/// outlive the process that took it, and a restart returns every leased item.
#[derive(Default)]
struct QueueState {
    next_seq: u64,
    /// seq → (token, lease expiry)
    leases: HashMap<u64, (String, DateTime<Utc>)>,
    /// The queued seqs of each topic, so a lease reads only its topic's items; built at
    /// open and kept by every queue write.
    by_topic: HashMap<String, std::collections::BTreeSet<u64>>,
}

impl QueueState {
    fn index(&mut self, topic: &str, seq: u64) {
        match self.by_topic.get_mut(topic) {
            Some(set) => {
                set.insert(seq);
            }
            None => {
                self.by_topic.insert(topic.to_string(), [seq].into());
            }
        }
    }

    fn unindex(&mut self, seq: u64) {
        for set in self.by_topic.values_mut() {
            set.remove(&seq);
        }
    }
}

/// The one field of a queue item the topic index needs.
#[derive(serde::Deserialize)]
struct ItemTopic {
    topic: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Profiles,
    ProfileIds,
    Sessions,
    Events,
    EventsByProfile,
    EventsByTime,
    AliasMembers,
    SessionsByProfile,
    Merges,
    MergesByProfile,
    MergeMarks,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Profiles => "profiles",
            Kind::ProfileIds => "profile-ids",
            Kind::Sessions => "sessions",
            Kind::Events => "events",
            Kind::EventsByProfile => "events-by-profile",
            Kind::EventsByTime => "events-by-time",
            Kind::AliasMembers => "alias-members",
            Kind::SessionsByProfile => "sessions-by-profile",
            Kind::Merges => "merges",
            Kind::MergesByProfile => "merges-by-profile",
            Kind::MergeMarks => "merge-marks",
        }
    }
}

pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    /// Open trees by scope, then name: looked up without building a key.
    trees: RwLock<HashMap<Scope, HashMap<String, sled::Tree>>>,
    /// Bumped by every configuration write (see `Store::config_generation`).
    config_gen: AtomicU64,
    /// None only while the log of an earlier run is being replayed.
    wal: Option<Arc<Wal>>,
    checkpointing: Arc<AtomicBool>,
    /// sled allows one process per database, so in-process locks serialise everyone.
    locks: KeyLocks,
    queue: std::sync::Mutex<QueueState>,
    /// Decoded copies of recent profiles and sessions, by the bytes they decode from.
    profiles: Decoded<Profile>,
    sessions: Decoded<Session>,
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

/// First byte of a compressed value: LZ4 (block, size-prepended) of the JSON. JSON
/// never starts with it, so values written before compression still read as they are.
const COMPRESSED: u8 = 0x01;

/// Values shorter than this are stored as plain JSON: compressing them gains little.
const COMPRESS_FROM: usize = 256;

fn decode<T: DeserializeOwned>(kind: &'static str, id: &[u8], bytes: &[u8]) -> Result<T> {
    let corrupt = |reason: String| StoreError::Corrupt {
        kind,
        id: String::from_utf8_lossy(id).into_owned(),
        reason,
    };
    match bytes.split_first() {
        Some((&COMPRESSED, packed)) => {
            // LZ4 expands at most 255-fold: a larger size is damage, not a reason to
            // allocate it.
            let size = packed
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| corrupt("compressed value without its size".into()))?;
            if size > packed.len().saturating_mul(255) {
                return Err(corrupt(format!("compressed value claims {size} bytes")));
            }
            let json = lz4_flex::decompress_size_prepended(packed)
                .map_err(|e| corrupt(format!("cannot decompress: {e}")))?;
            serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))
        }
        _ => serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string())),
    }
}

/// The part of a stored profile its index entries derive from: an overwrite decodes
/// only this from the old value.
#[derive(serde::Deserialize)]
struct OldProfile {
    #[serde(default)]
    ids: Vec<String>,
}

/// The same for a session.
#[derive(serde::Deserialize)]
struct OldSession {
    #[serde(default)]
    profile: Option<IdOnly>,
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

/// JSON, LZ4-compressed unless short: smaller values make smaller sled nodes, which sled
/// copies and rewrites on every update, and fewer bytes on disk.
fn encode<T: Serialize>(kind: &'static str, id: &str, value: &T) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| StoreError::Encode {
        kind,
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    if json.len() < COMPRESS_FROM {
        return Ok(json);
    }
    // COMPRESSED | u32 little-endian length | LZ4 block (lz4_flex's size-prepended form).
    let mut out = vec![0u8; 5 + lz4_flex::block::get_maximum_output_size(json.len())];
    out[0] = COMPRESSED;
    out[1..5].copy_from_slice(&(json.len() as u32).to_le_bytes());
    let n =
        lz4_flex::block::compress_into(&json, &mut out[5..]).map_err(|e| StoreError::Encode {
            kind,
            id: id.to_string(),
            reason: e.to_string(),
        })?;
    out.truncate(5 + n);
    Ok(out)
}

/// Time as a big-endian key that sorts chronologically (sign bit flipped).
fn time_key(t: DateTime<Utc>) -> [u8; 8] {
    ((t.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

fn time_from_key(k: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&k[..8]);
    (u64::from_be_bytes(b) ^ (1 << 63)) as i64
}

/// `<micros>:<id>` — the cursor of time-ordered listings.
fn time_cursor(key_tail: &[u8]) -> String {
    format!(
        "{}:{}",
        time_from_key(key_tail),
        String::from_utf8_lossy(&key_tail[8..])
    )
}

fn parse_time_cursor(cursor: &str) -> Result<Vec<u8>> {
    let (micros, id) = cursor
        .split_once(':')
        .ok_or_else(|| StoreError::BadCursor(cursor.to_string()))?;
    let micros: i64 = micros
        .parse()
        .map_err(|_| StoreError::BadCursor(cursor.to_string()))?;
    let mut key = ((micros as u64) ^ (1 << 63)).to_be_bytes().to_vec();
    key.extend_from_slice(id.as_bytes());
    Ok(key)
}

fn by_profile_prefix(profile_id: &str) -> Vec<u8> {
    let mut k = profile_id.as_bytes().to_vec();
    k.push(0);
    k
}

fn by_profile_key(event: &Event) -> Option<Vec<u8>> {
    let pid = event.profile_id()?;
    Some(event_profile_key(
        pid,
        event.metadata.time.insert,
        &event.id,
    ))
}

fn event_profile_key(profile_id: &str, insert: DateTime<Utc>, id: &str) -> Vec<u8> {
    let mut k = by_profile_prefix(profile_id);
    k.extend_from_slice(&time_key(insert));
    k.extend_from_slice(id.as_bytes());
    k
}

fn by_time_key(event: &Event) -> Vec<u8> {
    event_time_key(event.metadata.time.insert, &event.id)
}

fn event_time_key(insert: DateTime<Utc>, id: &str) -> Vec<u8> {
    let mut k = time_key(insert).to_vec();
    k.extend_from_slice(id.as_bytes());
    k
}

/// The fields of a stored event that its index keys are made of, decoded without the
/// rest of the document.
#[derive(serde::Deserialize)]
struct IndexedEvent {
    id: String,
    #[serde(default)]
    profile: Option<IdOnly>,
    metadata: IndexedMetadata,
}

#[derive(serde::Deserialize)]
struct IndexedMetadata {
    time: IndexedTime,
}

#[derive(serde::Deserialize)]
struct IndexedTime {
    insert: DateTime<Utc>,
}

impl IndexedEvent {
    /// As [`by_profile_key`] of the whole event.
    fn profile_key(&self) -> Option<Vec<u8>> {
        let pid = &self.profile.as_ref()?.id;
        Some(event_profile_key(pid, self.metadata.time.insert, &self.id))
    }

    /// As [`by_time_key`] of the whole event.
    fn time_key(&self) -> Vec<u8> {
        event_time_key(self.metadata.time.insert, &self.id)
    }
}

/// `<a>\0<b>`: a two-part index key.
fn pair_key(a: &str, b: &str) -> Vec<u8> {
    let mut k = by_profile_prefix(a);
    k.extend_from_slice(b.as_bytes());
    k
}

/// The key just after every key starting with `prefix`.
fn after(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}

/// Appends a record of a scope's write to the log (none while replaying it).
fn log_to<F: AsRef<[u8]>>(wal: Option<&Wal>, op: Op, scope: &Scope, rest: &[F]) {
    let Some(wal) = wal else {
        return;
    };
    let mut fields: Vec<&[u8]> = Vec::with_capacity(2 + rest.len());
    fields.push(scope.tenant.as_bytes());
    fields.push(scope.context.as_str().as_bytes());
    fields.extend(rest.iter().map(AsRef::as_ref));
    wal.append(op, &fields);
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io(format!("storage task failed: {e}")))?
}

/// sled's log segment size for a new store. sled's own default (512 KiB) makes its
/// segment accountant walk thousands of segments on a large store now and then, while
/// every write waits: on a million profiles with the APM merging, stalls of 100-250 ms
/// and a `/track` p99 of 68-157 ms during a pass. Single runs on 2 cores (session 6):
/// 2 MiB gave 14.9 ms there, with the collector bench's p99 at half load 19.3 ms and
/// 517 MiB after a million events; 8 MiB gave 13.6-16.3 ms, but 46 ms and 652 MiB (sled
/// holds and writes whole segments in memory); 512 KiB gave 12.2 ms and 470 MiB.
const SEGMENT_BYTES: usize = 2 << 20;

/// sled's default segment size, which stores made before [`SEGMENT_BYTES`] use.
const SLED_DEFAULT_SEGMENT_BYTES: usize = 512 * 1024;

/// The segment size to open the database in `db_dir` with: sled refuses to open a
/// database with another size than it was made with, which its `conf` file records
/// (`segment_size: N`). A new database gets [`SEGMENT_BYTES`]. A database without a
/// readable record is refused: opened with a wrong size, sled would misread its log.
fn segment_size_of(db_dir: &Path) -> Result<usize> {
    let conf = db_dir.join("conf");
    let refuse = |why: String| {
        StoreError::Io(format!(
            "{why}: the size of sled's log segments in this store is unknown, and opened \
             with a wrong one sled would misread it. Restore the file from a backup of the \
             store (stores made by this version use {SEGMENT_BYTES} bytes, earlier ones \
             {SLED_DEFAULT_SEGMENT_BYTES})"
        ))
    };
    match std::fs::read(&conf) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if db_dir.join("db").exists() {
                Err(refuse(format!("{} is missing", conf.display())))
            } else {
                Ok(SEGMENT_BYTES)
            }
        }
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .lines()
            .find_map(|l| l.strip_prefix("segment_size: ")?.trim().parse().ok())
            .ok_or_else(|| refuse(format!("{} records no segment size", conf.display()))),
        Err(e) => Err(refuse(format!("cannot read {}: {e}", conf.display()))),
    }
}

/// Writes and flushes a little more than one segment, then removes it. The first
/// segment sled seals after opening makes it account for every segment of the store at
/// once (180 ms on a million profiles in 512 KiB segments), and every write waits for
/// it: on a store of many segments, better at open, before the daemon takes requests,
/// than under the first ones.
fn seal_a_segment(db: &sled::Db, segment: usize) -> Result<()> {
    const SCRATCH: &str = "open-scratch";
    const FILLER: usize = 4096;
    let scratch = db.open_tree(SCRATCH).map_err(io)?;
    let filler = vec![0u8; FILLER];
    for i in 0..(segment / FILLER + 32) as u32 {
        scratch
            .insert(i.to_be_bytes(), filler.as_slice())
            .map_err(io)?;
    }
    db.flush().map_err(io)?;
    drop(scratch);
    db.drop_tree(SCRATCH).map_err(io)?;
    db.flush().map_err(io)?;
    Ok(())
}

/// At most this many index entries are moved on the calling task.
const MOVED_HERE: usize = 16;

/// Runs `f`, the move of the entries under `prefix` of `index`, on the calling task when
/// there are at most [`MOVED_HERE`] of them (a merged profile's few events or sessions:
/// the hand-off to a blocking thread and back costs more than the work), else on a
/// blocking thread, so a profile with thousands never stalls the runtime.
async fn small_here_else_blocking<T: Send + 'static>(
    index: sled::Tree,
    prefix: Vec<u8>,
    f: impl FnOnce(sled::Tree, Vec<u8>) -> Result<T> + Send + 'static,
) -> Result<T> {
    if index
        .scan_prefix(&prefix)
        .keys()
        .take(MOVED_HERE + 1)
        .count()
        <= MOVED_HERE
    {
        f(index, prefix)
    } else {
        blocking(move || f(index, prefix)).await
    }
}

impl SledStore {
    pub fn open(path: &Path, options: &OpenOptions) -> Result<Self> {
        // A new data dir is the owner's only (it holds customer data); one that exists
        // keeps the mode its operator gave it.
        {
            use std::os::unix::fs::DirBuilderExt as _;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(|e| StoreError::Io(format!("cannot create {}: {e}", path.display())))?;
        }
        // A store closed a moment ago may still be releasing its lock: retry briefly.
        // No periodic flush of its own: the write-ahead log makes writes durable, and
        // checkpoints flush sled when the log grows. Fewer flushes let repeated updates
        // of the same pages reach the disk once.
        let segment = segment_size_of(&path.join("db"))?;
        let config = sled::Config::new()
            .path(path.join("db"))
            .cache_capacity(options.cache_bytes)
            .flush_every_ms(None)
            .segment_size(segment);
        let mut attempt = 0;
        let opened = loop {
            match config.open() {
                Err(sled::Error::Io(e))
                    if (e.kind() == std::io::ErrorKind::WouldBlock
                        || e.to_string().contains("lock"))
                        && attempt < 20 =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => break other,
            }
        };
        let db = opened.map_err(|e| match &e {
            sled::Error::Io(ioe)
                if ioe.kind() == std::io::ErrorKind::WouldBlock
                    || ioe.to_string().contains("lock") =>
            {
                StoreError::Locked {
                    path: path.display().to_string(),
                }
            }
            _ => io(e),
        })?;
        let wal_dir = path.join("wal");
        let mut store = Self {
            db,
            path: path.to_path_buf(),
            trees: RwLock::new(HashMap::new()),
            config_gen: AtomicU64::new(0),
            locks: KeyLocks::new(),
            wal: None,
            checkpointing: Arc::new(AtomicBool::new(false)),
            queue: std::sync::Mutex::new(QueueState::default()),
            profiles: Decoded::new(),
            sessions: Decoded::new(),
        };
        // Writes acknowledged before a crash may be only in the log: replay them, make
        // sled durable, and start a fresh log.
        let existing = wal::segments(&wal_dir)?;
        // Every segment is checked before anything is replayed.
        let mut logged = Vec::with_capacity(existing.len());
        for (i, n) in existing.iter().enumerate() {
            let data = wal::read_segment(&wal_dir, *n)?;
            let (records, bad) = wal::decode_records(&data);
            if let Some(at) = bad {
                // A crash can cut the last segment short: the records after its last sync
                // were never acknowledged. Anything else is damage, and replaying around it
                // would lose acknowledged writes without a word: refused, the log kept.
                let file = wal::segment_path(&wal_dir, *n);
                let torn = i + 1 == existing.len() && wal::valid_record_after(&data, at).is_none();
                if !torn {
                    return Err(StoreError::Corrupt {
                        kind: "write-ahead log",
                        id: file.display().to_string(),
                        reason: format!(
                            "damaged at byte {at} of {}, with records after it; nothing was \
                             replayed and the log is kept. Restore the data dir from a backup, \
                             or move {} aside to start without the writes it holds",
                            data.len(),
                            file.display()
                        ),
                    });
                }
                tracing::warn!(
                    file = %file.display(),
                    at,
                    bytes = data.len() - at,
                    "the write-ahead log ends in a record cut short by a crash; it was never acknowledged and is dropped"
                );
            }
            logged.push(records);
        }
        let mut replayed = 0usize;
        for (op, fields) in logged.into_iter().flatten() {
            store.replay(op, &fields)?;
            replayed += 1;
        }
        if replayed > 0 {
            tracing::info!(records = replayed, "replayed the write-ahead log");
        }
        store.db.flush().map_err(io)?;
        // A small store has nothing much to account for.
        if store.db.size_on_disk().map_err(io)? >= 256 * segment as u64 {
            seal_a_segment(&store.db, segment)?;
        }
        let next = existing.last().map(|n| n + 1).unwrap_or(0);
        wal::remove_segments(&wal_dir, next)?;
        store.wal = Some(Arc::new(Wal::create(&wal_dir, next)?));
        let next_seq = [QUEUE_TREE, DEAD_TREE]
            .iter()
            .map(|name| -> Result<u64> {
                let tree = store.db.open_tree(name).map_err(io)?;
                Ok(match tree.last().map_err(io)? {
                    Some((k, _)) => seq_from_key(&k).map_or(0, |s| s + 1),
                    None => 0,
                })
            })
            .collect::<Result<Vec<u64>>>()?
            .into_iter()
            .max()
            .unwrap_or(0)
            // Numbers never go back, even when the queue was empty at the restart: the
            // worker records the last number it ran per profile.
            .max(u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or(0));
        let mut by_topic = HashMap::new();
        for kv in store.db.open_tree(QUEUE_TREE).map_err(io)?.iter() {
            let (k, v) = kv.map_err(io)?;
            let item: ItemTopic = decode("queue item", &k, &v)?;
            if let Some(seq) = seq_from_key(&k) {
                by_topic
                    .entry(item.topic)
                    .or_insert_with(std::collections::BTreeSet::new)
                    .insert(seq);
            }
        }
        if let Ok(mut q) = store.queue.lock() {
            q.next_seq = next_seq;
            q.by_topic = by_topic;
        }
        Ok(store)
    }

    fn replay(&self, op: Op, f: &[Vec<u8>]) -> Result<()> {
        let text = |i: usize| -> Result<String> {
            f.get(i)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .ok_or_else(|| StoreError::Corrupt {
                    kind: "write-ahead log record",
                    id: format!("{op:?}"),
                    reason: format!("field {i} missing"),
                })
        };
        let bytes = |i: usize| -> Result<&[u8]> {
            f.get(i)
                .map(Vec::as_slice)
                .ok_or_else(|| StoreError::Corrupt {
                    kind: "write-ahead log record",
                    id: format!("{op:?}"),
                    reason: format!("field {i} missing"),
                })
        };
        match op {
            Op::SetMeta => return self.raw_set_meta(&text(0)?, &text(1)?),
            Op::QueuePut => {
                let item: QueueItem = decode("queue item", b"wal", bytes(0)?)?;
                return self.raw_queue_put(&item);
            }
            Op::QueueDelete => return self.raw_queue_delete(QUEUE_TREE, bytes(0)?),
            Op::DeadPut => {
                let item: QueueItem = decode("dead letter", b"wal", bytes(0)?)?;
                return self.raw_dead_put(&item);
            }
            Op::DeadDelete => return self.raw_queue_delete(DEAD_TREE, bytes(0)?),
            Op::DropTenant => return self.raw_drop_tenant(&text(0)?),
            _ => {}
        }
        let context: Context = text(1)?
            .parse()
            .map_err(|e: crate::domain::UnknownContext| StoreError::Corrupt {
                kind: "write-ahead log record",
                id: format!("{op:?}"),
                reason: e.to_string(),
            })?;
        let scope = Scope::new(text(0)?, context);
        match op {
            Op::PutProfile => {
                let p: Profile = decode("profile", b"wal", bytes(2)?)?;
                self.raw_put_profile(&scope, &p)?;
            }
            Op::DeleteProfile => {
                // The log names the profile's own id; never resolved as an alias, since
                // by now the id may be one of the survivor's (a merge deletes the merged
                // profile after the survivor took over its ids).
                self.raw_delete_profile(&scope, &text(2)?, Resolve::Exact)?;
            }
            Op::PutSession => {
                let s: Session = decode("session", b"wal", bytes(2)?)?;
                self.raw_put_session(&scope, &s)?;
            }
            Op::DeleteSession => {
                self.raw_delete_session(&scope, &text(2)?)?;
            }
            Op::PutEvents => {
                let events = f[2..]
                    .iter()
                    .map(|b| decode::<Event>("event", b"wal", b))
                    .collect::<Result<Vec<_>>>()?;
                self.raw_put_events(&scope, &events)?;
            }
            Op::DeleteEvent => {
                self.raw_delete_event(&scope, &text(2)?)?;
            }
            Op::PutConfig => {
                let doc: Value = decode("configuration", b"wal", bytes(4)?)?;
                self.raw_put_config(&scope, &text(2)?, &text(3)?, &doc)?;
            }
            Op::DeleteConfig => {
                self.raw_delete_config(&scope, &text(2)?, &text(3)?)?;
            }
            Op::PutMergeRecord => {
                let r: MergeRecord = decode("merge record", b"wal", bytes(2)?)?;
                self.raw_put_merge_record(&scope, &r, bytes(2)?)?;
            }
            Op::DeleteMergeRecord => {
                self.raw_delete_merge_record(&scope, &text(2)?)?;
            }
            Op::Mark => self.raw_mark_for_merge(&scope, &text(2)?)?,
            Op::Unmark => self.raw_unmark_for_merge(&scope, &text(2)?)?,
            Op::SetMeta
            | Op::QueuePut
            | Op::QueueDelete
            | Op::DeadPut
            | Op::DeadDelete
            | Op::DropTenant => {}
        }
        Ok(())
    }

    fn log(&self, op: Op, scope: &Scope, rest: &[&[u8]]) {
        log_to(self.wal.as_deref(), op, scope, rest);
    }

    /// Flushes sled and drops the log segments the flush covers, in the background.
    fn checkpoint_in_background(&self) {
        let Some(wal) = self.wal.clone() else {
            return;
        };
        if self.checkpointing.swap(true, Ordering::SeqCst) {
            return;
        }
        let db = self.db.clone();
        let flag = self.checkpointing.clone();
        tokio::spawn(async move {
            if let Err(e) = checkpoint_now(&wal, &db).await {
                tracing::error!(error = %e, "checkpoint failed; the log keeps growing until one succeeds");
            }
            flag.store(false, Ordering::SeqCst);
        });
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tree_named(&self, scope: &Scope, name: &str) -> Result<sled::Tree> {
        if let Ok(trees) = self.trees.read() {
            if let Some(t) = trees.get(scope).and_then(|m| m.get(name)) {
                return Ok(t.clone());
            }
        }
        let tree = self
            .db
            .open_tree(format!(
                "t\u{1f}{}\u{1f}{}\u{1f}{}",
                scope.tenant, scope.context, name
            ))
            .map_err(io)?;
        if let Ok(mut trees) = self.trees.write() {
            trees
                .entry(scope.clone())
                .or_default()
                .insert(name.to_string(), tree.clone());
        }
        Ok(tree)
    }

    fn tree(&self, scope: &Scope, kind: Kind) -> Result<sled::Tree> {
        self.tree_named(scope, kind.name())
    }

    fn config_tree(&self, scope: &Scope, kind: &str) -> Result<sled::Tree> {
        self.tree_named(scope, &format!("config:{kind}"))
    }

    fn canonical_profile_id(&self, scope: &Scope, id: &str) -> Result<Option<String>> {
        let profiles = self.tree(scope, Kind::Profiles)?;
        if profiles.contains_key(id).map_err(io)? {
            return Ok(Some(id.to_string()));
        }
        let ids = self.tree(scope, Kind::ProfileIds)?;
        Ok(ids
            .get(id)
            .map_err(io)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn remove_event_indexes(&self, scope: &Scope, old: &IndexedEvent) -> Result<()> {
        if let Some(k) = old.profile_key() {
            self.tree(scope, Kind::EventsByProfile)?
                .remove(k)
                .map_err(io)?;
        }
        self.tree(scope, Kind::EventsByTime)?
            .remove(old.time_key())
            .map_err(io)?;
        Ok(())
    }
}

/// How a profile id given to a delete is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolve {
    /// As any of a profile's ids (what callers of the store may give).
    Alias,
    /// As the profile's own id only (the log's replay).
    Exact,
}

fn list_page<T: DeserializeOwned + Send + 'static>(
    tree: sled::Tree,
    kind: &'static str,
    after_key: Option<String>,
    limit: usize,
) -> impl FnOnce() -> Result<Page<T>> + Send + 'static {
    move || {
        let iter = match &after_key {
            Some(a) => tree.range(after(a.as_bytes())..),
            None => tree.iter(),
        };
        let mut items = Vec::new();
        let mut last = None;
        for kv in iter {
            let (k, v) = kv.map_err(io)?;
            if items.len() == limit {
                return Ok(Page { items, next: last });
            }
            items.push(decode(kind, &k, &v)?);
            last = Some(String::from_utf8_lossy(&k).into_owned());
        }
        Ok(Page { items, next: None })
    }
}

/// Reads events named by an index whose keys end in `<time><id>` after `prefix`.
fn index_page(
    index: sled::Tree,
    events: sled::Tree,
    prefix: Vec<u8>,
    start: Vec<u8>,
    end: Option<Vec<u8>>,
    limit: usize,
) -> impl FnOnce() -> Result<Page<Event>> + Send + 'static {
    move || {
        let iter = match end {
            Some(end) => index.range(start..end),
            None => index.range(start..),
        };
        let mut items = Vec::new();
        let mut last: Option<String> = None;
        for kv in iter {
            let (k, _) = kv.map_err(io)?;
            if !k.starts_with(&prefix) {
                break;
            }
            if items.len() == limit {
                return Ok(Page { items, next: last });
            }
            let tail = &k[prefix.len()..];
            if tail.len() < 8 {
                continue;
            }
            let id = &tail[8..];
            if let Some(v) = events.get(id).map_err(io)? {
                items.push(decode::<Event>("event", id, &v)?);
                last = Some(time_cursor(tail));
            }
        }
        Ok(Page { items, next: None })
    }
}

#[async_trait]
impl Store for SledStore {
    async fn profile(&self, scope: &Scope, id: &str) -> Result<Option<Profile>> {
        let Some((canonical, v)) = self.stored_profile(scope, id)? else {
            return Ok(None);
        };
        Ok(Some(self.profiles.decode(
            self.profiles.slot(scope, &canonical),
            &v,
            |b| decode("profile", canonical.as_bytes(), b),
        )?))
    }

    async fn profile_id(&self, scope: &Scope, id: &str) -> Result<Option<String>> {
        self.canonical_profile_id(scope, id)
    }

    async fn profile_ids_of(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<(String, Vec<String>)>> {
        match self.stored_profile(scope, id)? {
            Some((canonical, v)) => {
                let slot = self.profiles.slot(scope, &canonical);
                let ids = self.ids_in_stored(slot, &canonical, &v)?;
                Ok(Some((canonical, ids)))
            }
            None => Ok(None),
        }
    }

    async fn list_profiles(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Profile>> {
        let tree = self.tree(scope, Kind::Profiles)?;
        blocking(list_page(tree, "profile", after.map(str::to_string), limit)).await
    }

    async fn profiles_by_alias(&self, scope: &Scope, alias: &str) -> Result<Vec<Profile>> {
        let members = self.tree(scope, Kind::AliasMembers)?;
        let profiles = self.tree(scope, Kind::Profiles)?;
        let prefix = by_profile_prefix(alias);
        let mut out = Vec::new();
        for kv in members.scan_prefix(&prefix) {
            let (k, _) = kv.map_err(io)?;
            let pid = &k[prefix.len()..];
            if let Some(v) = profiles.get(pid).map_err(io)? {
                out.push(decode("profile", pid, &v)?);
            }
        }
        Ok(out)
    }

    async fn profile_ids_by_alias(&self, scope: &Scope, alias: &str) -> Result<Vec<String>> {
        let members = self.tree(scope, Kind::AliasMembers)?;
        let profiles = self.tree(scope, Kind::Profiles)?;
        let prefix = by_profile_prefix(alias);
        let mut out = Vec::new();
        for kv in members.scan_prefix(&prefix) {
            let (k, _) = kv.map_err(io)?;
            let pid = &k[prefix.len()..];
            if profiles.contains_key(pid).map_err(io)? {
                out.push(String::from_utf8_lossy(pid).into_owned());
            }
        }
        Ok(out)
    }

    async fn move_events(&self, scope: &Scope, from: &str, to: &str) -> Result<Vec<String>> {
        let events = self.tree(scope, Kind::Events)?;
        let index = self.tree(scope, Kind::EventsByProfile)?;
        let wal = self.wal.clone();
        let prefix = by_profile_prefix(from);
        let (scope, to) = (scope.clone(), to.to_string());
        small_here_else_blocking(index, prefix, move |index, prefix| {
            // The index key is `<profile>\0<time><id>` and only the profile changes, so
            // each event is read once and its time index stays as it is.
            let keys = index
                .scan_prefix(&prefix)
                .keys()
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(io)?;
            let mut moved = Vec::with_capacity(keys.len());
            let mut logged: Vec<Vec<u8>> = Vec::new();
            for k in keys {
                let tail = &k[prefix.len()..];
                let Some(id) = tail.get(8..) else { continue };
                let Some(v) = events.get(id).map_err(io)? else {
                    continue;
                };
                let mut event: Event = decode("event", id, &v)?;
                event.profile = Some(crate::domain::EntityRef::new(&to));
                let bytes = encode("event", &event.id, &event)?;
                events.insert(id, bytes.as_slice()).map_err(io)?;
                index.remove(&k).map_err(io)?;
                let mut moved_key = by_profile_prefix(&to);
                moved_key.extend_from_slice(tail);
                index.insert(moved_key, &[]).map_err(io)?;
                moved.push(event.id);
                logged.push(bytes);
                if logged.len() == super::MOVE_BATCH {
                    log_to(wal.as_deref(), Op::PutEvents, &scope, &logged);
                    logged.clear();
                }
            }
            if !logged.is_empty() {
                log_to(wal.as_deref(), Op::PutEvents, &scope, &logged);
            }
            Ok(moved)
        })
        .await
    }

    async fn move_sessions(&self, scope: &Scope, from: &str, to: &str) -> Result<Vec<String>> {
        let sessions = self.tree(scope, Kind::Sessions)?;
        let index = self.tree(scope, Kind::SessionsByProfile)?;
        let wal = self.wal.clone();
        let prefix = by_profile_prefix(from);
        let (scope, to) = (scope.clone(), to.to_string());
        small_here_else_blocking(index, prefix, move |index, prefix| {
            let keys = index
                .scan_prefix(&prefix)
                .keys()
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(io)?;
            let mut moved = Vec::with_capacity(keys.len());
            for k in keys {
                let sid = &k[prefix.len()..];
                let Some(v) = sessions.get(sid).map_err(io)? else {
                    continue;
                };
                let mut session: Session = decode("session", sid, &v)?;
                session.profile = Some(crate::domain::EntityRef::new(&to));
                let bytes = encode("session", &session.id, &session)?;
                sessions.insert(sid, bytes.as_slice()).map_err(io)?;
                index.remove(&k).map_err(io)?;
                index.insert(pair_key(&to, &session.id), &[]).map_err(io)?;
                log_to(wal.as_deref(), Op::PutSession, &scope, &[bytes]);
                moved.push(session.id);
            }
            Ok(moved)
        })
        .await
    }

    async fn session(&self, scope: &Scope, id: &str) -> Result<Option<Session>> {
        match self.tree(scope, Kind::Sessions)?.get(id).map_err(io)? {
            Some(v) => Ok(Some(self.sessions.decode(
                self.sessions.slot(scope, id),
                &v,
                |b| decode("session", id.as_bytes(), b),
            )?)),
            None => Ok(None),
        }
    }

    async fn sessions_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after_cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>> {
        let index = self.tree(scope, Kind::SessionsByProfile)?;
        let sessions = self.tree(scope, Kind::Sessions)?;
        let prefix = by_profile_prefix(profile_id);
        let start = match after_cursor {
            Some(c) => after(&pair_key(profile_id, c)),
            None => prefix.clone(),
        };
        blocking(move || {
            let mut items = Vec::new();
            let mut last = None;
            for kv in index.range(start..) {
                let (k, _) = kv.map_err(io)?;
                if !k.starts_with(&prefix) {
                    break;
                }
                if items.len() == limit {
                    return Ok(Page { items, next: last });
                }
                let sid = &k[prefix.len()..];
                if let Some(v) = sessions.get(sid).map_err(io)? {
                    items.push(decode("session", sid, &v)?);
                    last = Some(String::from_utf8_lossy(sid).into_owned());
                }
            }
            Ok(Page { items, next: None })
        })
        .await
    }

    async fn list_sessions(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Session>> {
        let tree = self.tree(scope, Kind::Sessions)?;
        blocking(list_page(tree, "session", after.map(str::to_string), limit)).await
    }

    async fn event(&self, scope: &Scope, id: &str) -> Result<Option<Event>> {
        match self.tree(scope, Kind::Events)?.get(id).map_err(io)? {
            Some(v) => Ok(Some(decode("event", id.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    async fn events_by_profile(
        &self,
        scope: &Scope,
        profile_id: &str,
        after_cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>> {
        let prefix = by_profile_prefix(profile_id);
        let start = match after_cursor {
            Some(c) => {
                let mut k = prefix.clone();
                k.extend(parse_time_cursor(c)?);
                after(&k)
            }
            None => prefix.clone(),
        };
        let index = self.tree(scope, Kind::EventsByProfile)?;
        let events = self.tree(scope, Kind::Events)?;
        blocking(index_page(index, events, prefix, start, None, limit)).await
    }

    async fn events_by_time(
        &self,
        scope: &Scope,
        range: TimeRange,
        after_cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Event>> {
        let mut start = range.from.map(|t| time_key(t).to_vec()).unwrap_or_default();
        if let Some(c) = after_cursor {
            let k = after(&parse_time_cursor(c)?);
            if k > start {
                start = k;
            }
        }
        let end = range.to.map(|t| time_key(t).to_vec());
        let index = self.tree(scope, Kind::EventsByTime)?;
        let events = self.tree(scope, Kind::Events)?;
        blocking(index_page(index, events, Vec::new(), start, end, limit)).await
    }

    fn config_generation(&self) -> Option<u64> {
        // sled allows one process per database: every change goes through this store.
        Some(self.config_gen.load(Ordering::SeqCst))
    }

    async fn config(&self, scope: &Scope, kind: &str, id: &str) -> Result<Option<Value>> {
        match self.config_tree(scope, kind)?.get(id).map_err(io)? {
            Some(v) => Ok(Some(decode("configuration", id.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    async fn list_config_keyed(&self, scope: &Scope, kind: &str) -> Result<Vec<(String, Value)>> {
        let tree = self.config_tree(scope, kind)?;
        blocking(move || {
            tree.iter()
                .map(|kv| {
                    let (k, v) = kv.map_err(io)?;
                    let doc = decode("configuration", &k, &v)?;
                    Ok((String::from_utf8_lossy(&k).into_owned(), doc))
                })
                .collect()
        })
        .await
    }

    async fn merge_record(&self, scope: &Scope, id: &str) -> Result<Option<MergeRecord>> {
        match self.tree(scope, Kind::Merges)?.get(id).map_err(io)? {
            Some(v) => Ok(Some(decode("merge record", id.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    async fn merge_records_of(&self, scope: &Scope, profile_id: &str) -> Result<Vec<MergeRecord>> {
        let index = self.tree(scope, Kind::MergesByProfile)?;
        let merges = self.tree(scope, Kind::Merges)?;
        let prefix = by_profile_prefix(profile_id);
        blocking(move || {
            let mut out = Vec::new();
            for kv in index.scan_prefix(&prefix) {
                let (k, _) = kv.map_err(io)?;
                let tail = &k[prefix.len()..];
                if tail.len() < 8 {
                    continue;
                }
                let id = &tail[8..];
                if let Some(v) = merges.get(id).map_err(io)? {
                    out.push(decode("merge record", id, &v)?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn marked_for_merge(&self, scope: &Scope, limit: usize) -> Result<Vec<String>> {
        let marks = self.tree(scope, Kind::MergeMarks)?;
        blocking(move || {
            marks
                .iter()
                .keys()
                .take(limit)
                .map(|k| {
                    k.map(|k| String::from_utf8_lossy(&k).into_owned())
                        .map_err(io)
                })
                .collect()
        })
        .await
    }

    async fn lock(&self, scope: &Scope, key: &str) -> Result<LockGuard> {
        let key = format!("{}\u{1f}{}\u{1f}{key}", scope.tenant, scope.context);
        Ok(LockGuard::new(self.locks.lock(&key).await))
    }

    async fn config_kinds(&self, scope: &Scope) -> Result<Vec<String>> {
        let mut kinds: Vec<String> = self
            .db
            .tree_names()
            .iter()
            .filter_map(|name| parse_tree_name(name))
            .filter(|(s, _)| s == scope)
            .filter_map(|(_, name)| name.strip_prefix("config:").map(str::to_string))
            .collect();
        kinds.sort();
        kinds.dedup();
        Ok(kinds)
    }

    async fn scopes(&self) -> Result<Vec<Scope>> {
        let mut out: Vec<Scope> = Vec::new();
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            let mut parts = name.split('\u{1f}');
            if parts.next() != Some("t") {
                continue;
            }
            let (Some(tenant), Some(ctx)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(context) = ctx.parse::<Context>() else {
                continue;
            };
            let scope = Scope::new(tenant, context);
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        out.sort();
        Ok(out)
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let meta = self.db.open_tree(META_TREE).map_err(io)?;
        Ok(meta
            .get(key.as_bytes())
            .map_err(io)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    async fn counts(&self, scope: &Scope) -> Result<Counts> {
        let profiles = self.tree(scope, Kind::Profiles)?;
        let sessions = self.tree(scope, Kind::Sessions)?;
        let events = self.tree(scope, Kind::Events)?;
        blocking(move || {
            Ok(Counts {
                profiles: profiles.len() as u64,
                sessions: sessions.len() as u64,
                events: events.len() as u64,
            })
        })
        .await
    }

    async fn schema_version(&self) -> Result<Option<u32>> {
        let meta = self.db.open_tree(META_TREE).map_err(io)?;
        match meta.get(SCHEMA_KEY).map_err(io)? {
            None => Ok(None),
            Some(v) => {
                let s = String::from_utf8_lossy(&v);
                s.parse().map(Some).map_err(|_| StoreError::Corrupt {
                    kind: "schema version",
                    id: "meta".into(),
                    reason: format!("`{s}` is not a number"),
                })
            }
        }
    }

    async fn disk_size(&self) -> Result<u64> {
        // sled's files, and the write-ahead log holding what sled has not flushed yet
        // (all of a new store's data for its first minutes).
        let wal_dir = self.path.join("wal");
        let mut size = self.db.size_on_disk().map_err(io)?;
        for n in wal::segments(&wal_dir)? {
            size += std::fs::metadata(wal::segment_path(&wal_dir, n)).map_or(0, |m| m.len());
        }
        Ok(size)
    }

    async fn durable(&self) -> Result<()> {
        if let Some(wal) = &self.wal {
            if Wal::durable(wal).await? {
                self.checkpoint_in_background();
            }
        }
        Ok(())
    }

    async fn checkpoint(&self) -> Result<()> {
        match &self.wal {
            Some(wal) => checkpoint_now(wal, &self.db).await,
            None => Ok(()),
        }
    }

    async fn put_profile(&self, scope: &Scope, profile: &Profile) -> Result<()> {
        let bytes = self.raw_put_profile(scope, profile)?;
        self.log(Op::PutProfile, scope, &[&bytes]);
        Ok(())
    }

    async fn delete_profile(&self, scope: &Scope, id: &str) -> Result<bool> {
        let deleted = self.raw_delete_profile(scope, id, Resolve::Alias)?;
        if let Some(own) = &deleted {
            self.log(Op::DeleteProfile, scope, &[own.as_bytes()]);
        }
        Ok(deleted.is_some())
    }

    async fn put_session(&self, scope: &Scope, session: &Session) -> Result<()> {
        let bytes = self.raw_put_session(scope, session)?;
        self.log(Op::PutSession, scope, &[&bytes]);
        Ok(())
    }

    async fn delete_session(&self, scope: &Scope, id: &str) -> Result<bool> {
        let existed = self.raw_delete_session(scope, id)?;
        if existed {
            self.log(Op::DeleteSession, scope, &[id.as_bytes()]);
        }
        Ok(existed)
    }

    async fn put_events(&self, scope: &Scope, events: &[Event]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let encoded = self.raw_put_events(scope, events)?;
        let fields: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        self.log(Op::PutEvents, scope, &fields);
        Ok(())
    }

    async fn delete_event(&self, scope: &Scope, id: &str) -> Result<bool> {
        let existed = self.raw_delete_event(scope, id)?;
        if existed {
            self.log(Op::DeleteEvent, scope, &[id.as_bytes()]);
        }
        Ok(existed)
    }

    async fn put_config(&self, scope: &Scope, kind: &str, id: &str, doc: &Value) -> Result<()> {
        self.raw_put_config(scope, kind, id, doc)?;
        let bytes = encode("configuration", id, doc)?;
        self.log(
            Op::PutConfig,
            scope,
            &[kind.as_bytes(), id.as_bytes(), &bytes],
        );
        Ok(())
    }

    async fn delete_config(&self, scope: &Scope, kind: &str, id: &str) -> Result<bool> {
        let existed = self.raw_delete_config(scope, kind, id)?;
        if existed {
            self.log(Op::DeleteConfig, scope, &[kind.as_bytes(), id.as_bytes()]);
        }
        Ok(existed)
    }

    async fn put_merge_record(&self, scope: &Scope, record: &MergeRecord) -> Result<()> {
        let bytes = encode("merge record", &record.id, record)?;
        self.raw_put_merge_record(scope, record, &bytes)?;
        self.log(Op::PutMergeRecord, scope, &[&bytes]);
        Ok(())
    }

    async fn delete_merge_record(&self, scope: &Scope, id: &str) -> Result<bool> {
        let existed = self.raw_delete_merge_record(scope, id)?;
        if existed {
            self.log(Op::DeleteMergeRecord, scope, &[id.as_bytes()]);
        }
        Ok(existed)
    }

    async fn mark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.raw_mark_for_merge(scope, profile_id)?;
        self.log(Op::Mark, scope, &[profile_id.as_bytes()]);
        Ok(())
    }

    async fn unmark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.raw_unmark_for_merge(scope, profile_id)?;
        self.log(Op::Unmark, scope, &[profile_id.as_bytes()]);
        Ok(())
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.raw_set_meta(key, value)?;
        if let Some(wal) = &self.wal {
            wal.append(Op::SetMeta, &[key.as_bytes(), value.as_bytes()]);
        }
        Ok(())
    }

    async fn drop_tenant(&self, tenant: &str) -> Result<()> {
        self.raw_drop_tenant(tenant)?;
        if let Some(wal) = &self.wal {
            wal.append(Op::DropTenant, &[tenant.as_bytes()]);
        }
        Ok(())
    }

    async fn set_schema_version(&self, version: u32) -> Result<()> {
        self.set_meta(SCHEMA_KEY, &version.to_string()).await
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
        let mut seqs = Vec::with_capacity(items.len());
        let mut q = self.queue_state()?;
        for new in items {
            let item = QueueItem {
                seq: q.next_seq,
                scope: new.scope.clone(),
                topic: new.topic.clone(),
                key: new.key.clone(),
                payload: new.payload.clone(),
                attempts: 0,
                expired: 0,
                leased_until: None,
                enqueued_at: now,
                available_at: not_before.max(now),
                last_error: None,
            };
            q.next_seq += 1;
            self.raw_queue_put(&item)?;
            q.index(&item.topic, item.seq);
            let bytes = encode("queue item", &item.seq.to_string(), &item)?;
            self.log_queue(Op::QueuePut, &bytes);
            seqs.push(item.seq);
        }
        Ok(seqs)
    }

    async fn lease_batch(
        &self,
        topic: &str,
        max: usize,
        visibility: chrono::Duration,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Leases> {
        let tree = self.db.open_tree(QUEUE_TREE).map_err(io)?;
        let until = now + visibility;
        let mut out = Vec::new();
        let mut dead = Vec::new();
        let mut wrote = false;
        {
            let mut q = self.queue_state()?;
            let QueueState {
                leases, by_topic, ..
            } = &mut *q;
            let Some(seqs) = by_topic.get_mut(topic) else {
                return Ok(Leases::default());
            };
            let mut blocked = std::collections::HashSet::new();
            let mut gone = Vec::new();
            for &seq in seqs.iter() {
                if out.len() >= max {
                    break;
                }
                let key = seq.to_be_bytes();
                let Some(v) = tree.get(key).map_err(io)? else {
                    gone.push(seq);
                    continue;
                };
                let mut item: QueueItem = decode("queue item", &key, &v)?;
                if item.topic != topic || item.key.as_ref().is_some_and(|k| blocked.contains(k)) {
                    continue;
                }
                let held = leases.get(&item.seq).is_some_and(|(_, u)| *u > now);
                if item.available_at > now || held {
                    if let Some(key) = item.key.take() {
                        blocked.insert(key);
                    }
                    continue;
                }
                // Set and not held: the attempt it records was lost (its lease expired,
                // or the process that held it ended).
                let lost = item.leased_until.take().is_some();
                if lost {
                    item.expired = item.expired.saturating_add(1);
                }
                wrote = true;
                if item.attempts >= max_attempts {
                    leases.remove(&item.seq);
                    gone.push(item.seq);
                    if lost {
                        item.last_error = Some(super::queue::expired_error(
                            item.expired,
                            item.attempts,
                            item.last_error.as_deref(),
                        ));
                    }
                    let bytes = encode("dead letter", &item.seq.to_string(), &item)?;
                    self.raw_dead_put(&item)?;
                    self.log_queue(Op::DeadPut, &bytes);
                    dead.push(item);
                    continue;
                }
                item.attempts = item.attempts.saturating_add(1);
                item.leased_until = Some(until);
                let bytes = encode("queue item", &item.seq.to_string(), &item)?;
                tree.insert(item.seq.to_be_bytes(), bytes.as_slice())
                    .map_err(io)?;
                self.log_queue(Op::QueuePut, &bytes);
                if let Some(key) = &item.key {
                    blocked.insert(key.clone());
                }
                let token = uuid::Uuid::new_v4().simple().to_string();
                leases.insert(item.seq, (token.clone(), until));
                out.push(Leased { item, token, until });
            }
            for seq in gone {
                seqs.remove(&seq);
            }
        }
        // The attempts are on disk before anyone works on them: one sync for the call.
        if wrote {
            self.durable().await?;
        }
        Ok(Leases { leased: out, dead })
    }

    async fn ack(&self, seq: u64, token: &str, _now: DateTime<Utc>) -> Result<bool> {
        let mut q = self.queue_state()?;
        if q.leases.get(&seq).is_none_or(|(t, _)| t != token) {
            return Ok(false);
        }
        q.leases.remove(&seq);
        q.unindex(seq);
        let key = seq.to_be_bytes();
        self.raw_queue_delete(QUEUE_TREE, &key)?;
        self.log_queue(Op::QueueDelete, &key);
        Ok(true)
    }

    async fn nack(
        &self,
        seq: u64,
        token: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        _now: DateTime<Utc>,
    ) -> Result<NackOutcome> {
        let mut q = self.queue_state()?;
        if q.leases.get(&seq).is_none_or(|(t, _)| t != token) {
            return Ok(NackOutcome::Stale);
        }
        q.leases.remove(&seq);
        let tree = self.db.open_tree(QUEUE_TREE).map_err(io)?;
        let key = seq.to_be_bytes();
        let Some(v) = tree.get(key).map_err(io)? else {
            return Ok(NackOutcome::Stale);
        };
        let mut item: QueueItem = decode("queue item", &key, &v)?;
        item.leased_until = None;
        item.last_error = Some(error.to_string());
        let bytes = encode("queue item", &seq.to_string(), &item)?;
        match retry_at {
            Some(at) => {
                item.available_at = at;
                let bytes = encode("queue item", &seq.to_string(), &item)?;
                self.raw_queue_put(&item)?;
                self.log_queue(Op::QueuePut, &bytes);
                Ok(NackOutcome::Retry(at))
            }
            None => {
                self.raw_dead_put(&item)?;
                q.unindex(seq);
                self.log_queue(Op::DeadPut, &bytes);
                Ok(NackOutcome::Dead)
            }
        }
    }

    async fn dead_letters(&self, after_seq: Option<u64>, limit: usize) -> Result<Vec<QueueItem>> {
        let tree = self.db.open_tree(DEAD_TREE).map_err(io)?;
        let start = after_seq.map_or(0, |s| s.saturating_add(1));
        blocking(move || {
            let mut out = Vec::new();
            for kv in tree.range(start.to_be_bytes()..) {
                if out.len() >= limit {
                    break;
                }
                let (k, v) = kv.map_err(io)?;
                out.push(decode("dead letter", &k, &v)?);
            }
            Ok(out)
        })
        .await
    }

    async fn dead_letter(&self, seq: u64) -> Result<Option<QueueItem>> {
        let tree = self.db.open_tree(DEAD_TREE).map_err(io)?;
        match tree.get(seq.to_be_bytes()).map_err(io)? {
            Some(v) => Ok(Some(decode("dead letter", &seq.to_be_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    async fn replay_dead_letter(&self, seq: u64, now: DateTime<Utc>) -> Result<Option<u64>> {
        let Some(dead) = self.dead_letter(seq).await? else {
            return Ok(None);
        };
        let mut q = self.queue_state()?;
        let item = QueueItem {
            seq: q.next_seq,
            attempts: 0,
            expired: 0,
            leased_until: None,
            enqueued_at: now,
            available_at: now,
            ..dead
        };
        q.next_seq += 1;
        let key = seq.to_be_bytes();
        self.raw_queue_delete(DEAD_TREE, &key)?;
        self.log_queue(Op::DeadDelete, &key);
        let bytes = encode("queue item", &item.seq.to_string(), &item)?;
        self.raw_queue_put(&item)?;
        q.index(&item.topic, item.seq);
        self.log_queue(Op::QueuePut, &bytes);
        Ok(Some(item.seq))
    }

    async fn purge_dead_letters(&self, seq: Option<u64>) -> Result<u64> {
        let tree = self.db.open_tree(DEAD_TREE).map_err(io)?;
        let keys: Vec<sled::IVec> = match seq {
            Some(s) => {
                if tree.contains_key(s.to_be_bytes()).map_err(io)? {
                    vec![sled::IVec::from(&s.to_be_bytes()[..])]
                } else {
                    Vec::new()
                }
            }
            None => tree
                .iter()
                .keys()
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(io)?,
        };
        for k in &keys {
            self.raw_queue_delete(DEAD_TREE, k)?;
            self.log_queue(Op::DeadDelete, k);
        }
        Ok(keys.len() as u64)
    }

    async fn queue_stats(&self, now: DateTime<Utc>) -> Result<QueueStats> {
        let tree = self.db.open_tree(QUEUE_TREE).map_err(io)?;
        let dead = self.db.open_tree(DEAD_TREE).map_err(io)?;
        let oldest = match tree.first().map_err(io)? {
            Some((k, v)) => Some(decode::<QueueItem>("queue item", &k, &v)?.enqueued_at),
            None => None,
        };
        let in_flight = self
            .queue_state()?
            .leases
            .values()
            .filter(|(_, until)| *until > now)
            .count() as u64;
        Ok(QueueStats {
            depth: tree.len() as u64,
            in_flight,
            oldest,
            dead_letters: dead.len() as u64,
        })
    }
}

/// The queue's writes; replay of the log repeats them.
impl SledStore {
    fn queue_state(&self) -> Result<std::sync::MutexGuard<'_, QueueState>> {
        self.queue
            .lock()
            .map_err(|_| StoreError::Io("queue state poisoned by an earlier panic".into()))
    }

    fn log_queue(&self, op: Op, field: &[u8]) {
        if let Some(wal) = &self.wal {
            wal.append(op, &[field]);
        }
    }

    fn raw_queue_put(&self, item: &QueueItem) -> Result<()> {
        let bytes = encode("queue item", &item.seq.to_string(), item)?;
        self.db
            .open_tree(QUEUE_TREE)
            .map_err(io)?
            .insert(item.seq.to_be_bytes(), bytes)
            .map_err(io)?;
        Ok(())
    }

    fn raw_dead_put(&self, item: &QueueItem) -> Result<()> {
        let bytes = encode("dead letter", &item.seq.to_string(), item)?;
        self.db
            .open_tree(QUEUE_TREE)
            .map_err(io)?
            .remove(item.seq.to_be_bytes())
            .map_err(io)?;
        self.db
            .open_tree(DEAD_TREE)
            .map_err(io)?
            .insert(item.seq.to_be_bytes(), bytes)
            .map_err(io)?;
        Ok(())
    }

    /// Drops every tree of a tenant's scopes and removes its queue items and dead
    /// letters.
    fn raw_drop_tenant(&self, tenant: &str) -> Result<()> {
        if let Ok(mut trees) = self.trees.write() {
            trees.retain(|scope, _| scope.tenant != tenant);
        }
        for name in self.db.tree_names() {
            if parse_tree_name(&name).is_some_and(|(scope, _)| scope.tenant == tenant) {
                self.db.drop_tree(&name).map_err(io)?;
            }
        }
        let mut removed = Vec::new();
        for name in [QUEUE_TREE, DEAD_TREE] {
            let tree = self.db.open_tree(name).map_err(io)?;
            for entry in tree.iter() {
                let (k, v) = entry.map_err(io)?;
                let item: QueueItem = decode("queue item", &k, &v)?;
                if item.scope.tenant == tenant {
                    tree.remove(&k).map_err(io)?;
                    removed.push(item.seq);
                }
            }
        }
        if let Ok(mut q) = self.queue.lock() {
            for seq in removed {
                q.leases.remove(&seq);
                q.unindex(seq);
            }
        }
        Ok(())
    }

    fn raw_queue_delete(&self, tree: &str, key: &[u8]) -> Result<()> {
        self.db
            .open_tree(tree)
            .map_err(io)?
            .remove(key)
            .map_err(io)?;
        Ok(())
    }
}

fn seq_from_key(k: &[u8]) -> Option<u64> {
    let b: [u8; 8] = k.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(b))
}

impl SledStore {
    /// The `ids` of the stored profile `id` (memo slot `slot`) whose value is `bytes`:
    /// from its decoded copy if the memo holds one for these bytes, else decoding only
    /// that field.
    fn ids_in_stored(&self, slot: u64, id: &str, bytes: &[u8]) -> Result<Vec<String>> {
        self.profiles.peek(
            slot,
            bytes,
            |copy| copy.ids.clone(),
            |b| Ok(decode::<OldProfile>("profile", id.as_bytes(), b)?.ids),
        )
    }

    /// The stored bytes of the profile `id` names (its own id or any of its ids), with
    /// its own id.
    fn stored_profile(&self, scope: &Scope, id: &str) -> Result<Option<(String, sled::IVec)>> {
        let Some(canonical) = self.canonical_profile_id(scope, id)? else {
            return Ok(None);
        };
        Ok(self
            .tree(scope, Kind::Profiles)?
            .get(&canonical)
            .map_err(io)?
            .map(|v| (canonical, v)))
    }
}

/// Starts a new log segment, flushes sled (which then holds everything the older
/// segments do) and deletes the older segments. Safe to run while writes go on and
/// alongside another checkpoint: each deletes only segments older than its own rotation.
async fn checkpoint_now(wal: &Arc<Wal>, db: &sled::Db) -> Result<()> {
    let next = wal.rotate().await?;
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || db2.flush())
        .await
        .map_err(|e| StoreError::Io(format!("flush task failed: {e}")))?
        .map_err(io)?;
    let dir = wal.dir().to_path_buf();
    tokio::task::spawn_blocking(move || wal::remove_segments(&dir, next))
        .await
        .map_err(|e| StoreError::Io(format!("checkpoint task failed: {e}")))?
}

/// The writes themselves; the `Store` methods log each one to the WAL after it.
impl SledStore {
    fn raw_put_profile(&self, scope: &Scope, profile: &Profile) -> Result<Vec<u8>> {
        let profiles = self.tree(scope, Kind::Profiles)?;
        let ids = self.tree(scope, Kind::ProfileIds)?;
        let members = self.tree(scope, Kind::AliasMembers)?;
        let bytes = encode("profile", &profile.id, profile)?;
        let old = profiles
            .insert(profile.id.as_bytes(), bytes.as_slice())
            .map_err(io)?;
        let slot = self.profiles.slot(scope, &profile.id);
        let old_ids = match &old {
            Some(old) => Some(self.ids_in_stored(slot, &profile.id, old)?),
            None => None,
        };
        self.profiles.put(slot, &bytes, Arc::new(profile.clone()));
        // Ids the profile had before, whose entries an update finds in place (most
        // updates change no id). Not while replaying the log: a crash may have kept the
        // profile without its index entries.
        let mut had: Option<Vec<String>> = None;
        if let Some(old_ids) = old_ids {
            for stale in old_ids.iter().filter(|i| !profile.ids.contains(i)) {
                if ids.get(stale).map_err(io)?.as_deref() == Some(profile.id.as_bytes()) {
                    ids.remove(stale.as_bytes()).map_err(io)?;
                }
                members.remove(pair_key(stale, &profile.id)).map_err(io)?;
            }
            if self.wal.is_some() {
                had = Some(old_ids);
            }
        }
        for alias in std::iter::once(&profile.id).chain(profile.ids.iter()) {
            let kept = had
                .as_ref()
                .is_some_and(|had| alias == &profile.id || had.contains(alias));
            // An id two profiles share points at whichever wrote it last until they are
            // merged: only an entry that names this profile is left alone.
            if kept && ids.get(alias).map_err(io)?.as_deref() == Some(profile.id.as_bytes()) {
                continue;
            }
            ids.insert(alias.as_bytes(), profile.id.as_bytes())
                .map_err(io)?;
            members
                .insert(pair_key(alias, &profile.id), &[])
                .map_err(io)?;
        }
        Ok(bytes)
    }

    /// Deletes a profile and its index entries; returns the own id of the profile
    /// deleted, if there was one.
    fn raw_delete_profile(&self, scope: &Scope, id: &str, how: Resolve) -> Result<Option<String>> {
        let canonical = match how {
            Resolve::Alias => match self.canonical_profile_id(scope, id)? {
                Some(c) => c,
                None => return Ok(None),
            },
            Resolve::Exact => id.to_string(),
        };
        let profiles = self.tree(scope, Kind::Profiles)?;
        let ids = self.tree(scope, Kind::ProfileIds)?;
        let Some(old) = profiles.remove(canonical.as_bytes()).map_err(io)? else {
            return Ok(None);
        };
        let old: OldProfile = decode("profile", canonical.as_bytes(), &old)?;
        let members = self.tree(scope, Kind::AliasMembers)?;
        for alias in old.ids.iter().chain(std::iter::once(&canonical)) {
            members.remove(pair_key(alias, &canonical)).map_err(io)?;
            if ids.get(alias).map_err(io)?.as_deref() == Some(canonical.as_bytes()) {
                // An id another profile also holds (a merge key shared until the APM
                // merges them) goes on resolving, to that profile.
                let prefix = by_profile_prefix(alias);
                let mut other = None;
                for kv in members.scan_prefix(&prefix) {
                    let (k, _) = kv.map_err(io)?;
                    let pid = &k[prefix.len()..];
                    if profiles.contains_key(pid).map_err(io)? {
                        other = Some(pid.to_vec());
                        break;
                    }
                }
                match other {
                    Some(pid) => ids.insert(alias.as_bytes(), pid).map_err(io)?,
                    None => ids.remove(alias.as_bytes()).map_err(io)?,
                };
            }
        }
        Ok(Some(canonical))
    }

    fn raw_put_session(&self, scope: &Scope, session: &Session) -> Result<Vec<u8>> {
        let bytes = encode("session", &session.id, session)?;
        let index = self.tree(scope, Kind::SessionsByProfile)?;
        let mut indexed = false;
        let slot = self.sessions.slot(scope, &session.id);
        let old = self
            .tree(scope, Kind::Sessions)?
            .insert(session.id.as_bytes(), bytes.as_slice())
            .map_err(io)?;
        let old_profile = match &old {
            Some(old) => Some(self.sessions.peek(
                slot,
                old,
                |copy| copy.profile_id().map(str::to_string),
                |b| {
                    Ok(decode::<OldSession>("session", session.id.as_bytes(), b)?
                        .profile
                        .map(|p| p.id))
                },
            )?),
            None => None,
        };
        self.sessions.put(slot, &bytes, Arc::new(session.clone()));
        if let Some(old_profile) = old_profile {
            match old_profile.as_deref() {
                // The entry is there already: an update of a session keeps its profile.
                // Not while replaying the log: a crash may have kept the session
                // without its index entry.
                Some(pid) if Some(pid) == session.profile_id() => indexed = self.wal.is_some(),
                Some(pid) => {
                    index.remove(pair_key(pid, &session.id)).map_err(io)?;
                }
                None => {}
            }
        }
        if let Some(pid) = session.profile_id().filter(|_| !indexed) {
            index.insert(pair_key(pid, &session.id), &[]).map_err(io)?;
        }
        Ok(bytes)
    }

    fn raw_delete_session(&self, scope: &Scope, id: &str) -> Result<bool> {
        match self
            .tree(scope, Kind::Sessions)?
            .remove(id.as_bytes())
            .map_err(io)?
        {
            Some(old) => {
                let old: Session = decode("session", id.as_bytes(), &old)?;
                if let Some(pid) = old.profile_id() {
                    self.tree(scope, Kind::SessionsByProfile)?
                        .remove(pair_key(pid, id))
                        .map_err(io)?;
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn raw_put_events(&self, scope: &Scope, events: &[Event]) -> Result<Vec<Vec<u8>>> {
        let tree = self.tree(scope, Kind::Events)?;
        let by_profile = self.tree(scope, Kind::EventsByProfile)?;
        let by_time = self.tree(scope, Kind::EventsByTime)?;
        let mut encoded = Vec::with_capacity(events.len());
        for event in events {
            let bytes = encode("event", &event.id, event)?;
            let profile_key = by_profile_key(event);
            let time_key = by_time_key(event);
            let old = tree
                .insert(event.id.as_bytes(), bytes.as_slice())
                .map_err(io)?;
            encoded.push(bytes);
            let (mut old_profile_key, mut old_time_key) = (None, None);
            if let Some(old) = old {
                // Only the fields the index keys are made of: a rewrite of an event (the
                // worker marking it processed) usually keeps both keys, and then neither
                // index is touched.
                let old: IndexedEvent = decode("event", event.id.as_bytes(), &old)?;
                old_profile_key = old.profile_key();
                old_time_key = Some(old.time_key());
            }
            // While the log is replayed, a crash may have kept the event without its
            // index entries: write them whatever the old keys were.
            let replaying = self.wal.is_none();
            if replaying || old_profile_key != profile_key {
                if let Some(k) = old_profile_key {
                    by_profile.remove(k).map_err(io)?;
                }
                if let Some(k) = profile_key {
                    by_profile.insert(k, &[]).map_err(io)?;
                }
            }
            if replaying || old_time_key.as_ref() != Some(&time_key) {
                if let Some(k) = old_time_key {
                    by_time.remove(k).map_err(io)?;
                }
                by_time.insert(time_key, &[]).map_err(io)?;
            }
        }
        Ok(encoded)
    }

    fn raw_delete_event(&self, scope: &Scope, id: &str) -> Result<bool> {
        match self
            .tree(scope, Kind::Events)?
            .remove(id.as_bytes())
            .map_err(io)?
        {
            Some(old) => {
                let old: IndexedEvent = decode("event", id.as_bytes(), &old)?;
                self.remove_event_indexes(scope, &old)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn raw_put_config(&self, scope: &Scope, kind: &str, id: &str, doc: &Value) -> Result<()> {
        let bytes = encode("configuration", id, doc)?;
        self.config_tree(scope, kind)?
            .insert(id.as_bytes(), bytes)
            .map_err(io)?;
        self.config_gen.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn raw_delete_config(&self, scope: &Scope, kind: &str, id: &str) -> Result<bool> {
        let existed = self
            .config_tree(scope, kind)?
            .remove(id.as_bytes())
            .map_err(io)?
            .is_some();
        self.config_gen.fetch_add(1, Ordering::SeqCst);
        Ok(existed)
    }

    /// `bytes`: the record encoded, as the log holds it too.
    fn raw_put_merge_record(
        &self,
        scope: &Scope,
        record: &MergeRecord,
        bytes: &[u8],
    ) -> Result<()> {
        self.tree(scope, Kind::Merges)?
            .insert(record.id.as_bytes(), bytes)
            .map_err(io)?;
        let index = self.tree(scope, Kind::MergesByProfile)?;
        let mut named: Vec<&String> = record.merged.iter().collect();
        named.push(&record.survivor);
        for pid in named {
            let mut k = by_profile_prefix(pid);
            k.extend_from_slice(&time_key(record.time));
            k.extend_from_slice(record.id.as_bytes());
            index.insert(k, &[]).map_err(io)?;
        }
        Ok(())
    }

    fn raw_delete_merge_record(&self, scope: &Scope, id: &str) -> Result<bool> {
        let Some(old) = self.tree(scope, Kind::Merges)?.remove(id).map_err(io)? else {
            return Ok(false);
        };
        let record: MergeRecord = decode("merge record", id.as_bytes(), &old)?;
        let index = self.tree(scope, Kind::MergesByProfile)?;
        for pid in record
            .merged
            .iter()
            .chain(std::iter::once(&record.survivor))
        {
            let mut k = by_profile_prefix(pid);
            k.extend_from_slice(&time_key(record.time));
            k.extend_from_slice(record.id.as_bytes());
            index.remove(k).map_err(io)?;
        }
        Ok(true)
    }

    fn raw_mark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.tree(scope, Kind::MergeMarks)?
            .insert(profile_id.as_bytes(), &time_key(chrono::Utc::now()))
            .map_err(io)?;
        Ok(())
    }

    fn raw_unmark_for_merge(&self, scope: &Scope, profile_id: &str) -> Result<()> {
        self.tree(scope, Kind::MergeMarks)?
            .remove(profile_id.as_bytes())
            .map_err(io)?;
        Ok(())
    }

    fn raw_set_meta(&self, key: &str, value: &str) -> Result<()> {
        let meta = self.db.open_tree(META_TREE).map_err(io)?;
        meta.insert(key.as_bytes(), value.as_bytes()).map_err(io)?;
        Ok(())
    }
}

/// The scope and kind name of a tree opened by `tree_named`.
fn parse_tree_name(name: &[u8]) -> Option<(Scope, String)> {
    let name = std::str::from_utf8(name).ok()?;
    let mut parts = name.splitn(4, '\u{1f}');
    if parts.next()? != "t" {
        return None;
    }
    let tenant = parts.next()?;
    let context: Context = parts.next()?.parse().ok()?;
    let kind = parts.next()?;
    Some((Scope::new(tenant, context), kind.to_string()))
}

#[cfg(test)]
mod encoding {
    use super::*;

    #[test]
    fn long_values_are_compressed_and_plain_json_still_reads() {
        let mut p = Profile::new("p1".into(), Utc::now());
        p.traits
            .insert("note".into(), Value::String("x".repeat(2000)));
        let bytes = encode("profile", "p1", &p).unwrap();
        assert_eq!(bytes[0], COMPRESSED);
        assert!(bytes.len() < serde_json::to_vec(&p).unwrap().len() / 2);
        let back: Profile = decode("profile", b"p1", &bytes).unwrap();
        assert_eq!(back, p);
        // Written before compression (or short): plain JSON.
        let plain = serde_json::to_vec(&p).unwrap();
        let back: Profile = decode("profile", b"p1", &plain).unwrap();
        assert_eq!(back, p);
        let short = encode("configuration", "c", &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(short, br#"{"a":1}"#);
        // A damaged compressed value is reported, never a panic.
        let mut torn = bytes.clone();
        torn.truncate(bytes.len() / 2);
        assert!(matches!(
            decode::<Profile>("profile", b"p1", &torn),
            Err(StoreError::Corrupt { .. })
        ));
        let mut lying = bytes.clone();
        lying[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode::<Profile>("profile", b"p1", &lying).is_err());
    }
}

#[cfg(test)]
mod conformance {
    use super::SledStore;
    use crate::store::OpenOptions;

    /// A fresh store in a temp dir that lives as long as the store.
    struct TempStore {
        store: SledStore,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for TempStore {
        type Target = SledStore;
        fn deref(&self) -> &SledStore {
            &self.store
        }
    }

    fn fresh() -> TempStore {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(
            dir.path(),
            &OpenOptions {
                cache_bytes: 8 << 20,
            },
        )
        .unwrap();
        TempStore { store, _dir: dir }
    }

    crate::store_conformance_tests!(fresh());

    /// A caller that goes away mid-flush (a client hanging up) must leave the log usable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn abandoned_flushes_leave_the_log_usable() {
        use crate::domain::{Context, Profile, Scope};
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::default_tenant(Context::Production);
        {
            let store = SledStore::open(
                dir.path(),
                &OpenOptions {
                    cache_bytes: 8 << 20,
                },
            )
            .unwrap();
            for i in 0..50 {
                store
                    .put_profile(&scope, &Profile::new(format!("p{i}"), chrono::Utc::now()))
                    .await
                    .unwrap();
                // Dropped right after its first poll, while the write is under way.
                let _ = tokio::time::timeout(std::time::Duration::ZERO, store.durable()).await;
            }
            store.durable().await.unwrap();
            store
                .put_profile(&scope, &Profile::new("last".into(), chrono::Utc::now()))
                .await
                .unwrap();
            store.durable().await.unwrap();
        }
        let store = SledStore::open(
            dir.path(),
            &OpenOptions {
                cache_bytes: 8 << 20,
            },
        )
        .unwrap();
        assert_eq!(store.counts(&scope).await.unwrap().profiles, 51);
    }

    /// What a crash leaves on disk: a copy of the data dir taken while the store is open.
    fn crash_image(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                crash_image(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    /// A lease is on disk when it returns: a crash right after it (no other write, no
    /// flush) still counts the attempt, and the next lease knows it was lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lease_lost_in_a_crash_counts_as_an_attempt() {
        use crate::domain::{Context, Scope};
        use crate::store::{NewItem, Store};
        let opts = OpenOptions {
            cache_bytes: 8 << 20,
        };
        let vis = chrono::Duration::seconds(60);
        let now = chrono::Utc::now();
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let seq = {
            let store = SledStore::open(dirs[0].path(), &opts).unwrap();
            let item = NewItem {
                scope: Scope::default_tenant(Context::Production),
                topic: "work".into(),
                key: Some("p".into()),
                payload: serde_json::json!({}),
            };
            store.enqueue(&[item], now).await.unwrap();
            store.durable().await.unwrap();
            let a = store.lease("work", 1, vis, 2, now).await.unwrap();
            assert_eq!(a[0].item.attempts, 1);
            crash_image(dirs[0].path(), dirs[1].path());
            a[0].item.seq
        };
        {
            // The process that held the lease is gone: the item is free at once.
            let store = SledStore::open(dirs[1].path(), &opts).unwrap();
            let b = store.lease("work", 1, vis, 2, now).await.unwrap();
            assert_eq!(b.len(), 1);
            assert_eq!((b[0].item.attempts, b[0].item.expired), (2, 1));
            crash_image(dirs[1].path(), dirs[2].path());
        }
        let store = SledStore::open(dirs[2].path(), &opts).unwrap();
        assert!(store
            .lease("work", 1, vis, 2, now)
            .await
            .unwrap()
            .is_empty());
        let dead = store.dead_letter(seq).await.unwrap().unwrap();
        assert_eq!((dead.attempts, dead.expired), (2, 2));
        assert_eq!(
            dead.last_error,
            Some(crate::store::queue::expired_error(2, 2, None))
        );
    }

    #[test]
    fn every_check_is_run() {
        assert_eq!(crate::store::testsuite::CHECKS.len(), 29);
    }

    /// Moves made by a merge are in the log: a reopened store has them, indexes included.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn moved_events_and_sessions_survive_reopen() {
        use crate::domain::{Context, EntityRef, Event, Scope, Session};
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let opts = OpenOptions {
            cache_bytes: 8 << 20,
        };
        let s = Scope::default_tenant(Context::Production);
        let now = chrono::Utc::now();
        {
            let store = SledStore::open(dir.path(), &opts).unwrap();
            let events: Vec<Event> = (0..3)
                .map(|i| {
                    let mut e = Event::new(format!("e{i}"), "page-view".into(), "src", now);
                    e.profile = Some(EntityRef::new("b"));
                    e
                })
                .collect();
            store.put_events(&s, &events).await.unwrap();
            store
                .put_session(&s, &Session::new("s1".into(), Some("b"), now))
                .await
                .unwrap();
            assert_eq!(store.move_events(&s, "b", "a").await.unwrap().len(), 3);
            assert_eq!(store.move_sessions(&s, "b", "a").await.unwrap(), ["s1"]);
            store.durable().await.unwrap();
        }
        let store = SledStore::open(dir.path(), &opts).unwrap();
        let of_a = store.events_by_profile(&s, "a", None, 10).await.unwrap();
        assert_eq!(of_a.items.len(), 3);
        assert!(store
            .events_by_profile(&s, "b", None, 10)
            .await
            .unwrap()
            .items
            .is_empty());
        let sessions = store.sessions_by_profile(&s, "a", None, 10).await.unwrap();
        assert_eq!(sessions.items.len(), 1);
        assert!(store
            .sessions_by_profile(&s, "b", None, 10)
            .await
            .unwrap()
            .items
            .is_empty());
    }

    /// The log replays a dropped tenant's writes and then its drop: it stays dropped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropped_tenant_stays_dropped_after_replay() {
        use crate::domain::{Context, Profile, Scope};
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let opts = OpenOptions {
            cache_bytes: 8 << 20,
        };
        let (a, b) = (
            Scope::new("acme", Context::Production),
            Scope::new("beta", Context::Production),
        );
        {
            let store = SledStore::open(dir.path(), &opts).unwrap();
            for s in [&a, &b] {
                store
                    .put_profile(s, &Profile::new("p".into(), chrono::Utc::now()))
                    .await
                    .unwrap();
            }
            store.drop_tenant("beta").await.unwrap();
            store.durable().await.unwrap();
        }
        let store = SledStore::open(dir.path(), &opts).unwrap();
        assert!(store
            .scopes()
            .await
            .unwrap()
            .iter()
            .all(|s| s.tenant != "beta"));
        assert_eq!(store.counts(&a).await.unwrap().profiles, 1);
        assert_eq!(store.counts(&b).await.unwrap().profiles, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Context;

    fn logged_bytes(dir: &Path) -> u64 {
        wal::segments(dir)
            .unwrap()
            .iter()
            .map(|n| std::fs::metadata(wal::segment_path(dir, *n)).unwrap().len())
            .sum()
    }

    /// A new store gets 2 MiB log segments; a store made with sled's default keeps its
    /// own (sled refuses to open it with another); sealing a segment at open leaves no
    /// scratch behind and touches nothing else.
    #[tokio::test]
    async fn segment_sizes_and_the_seal_at_open() {
        let opts = OpenOptions {
            cache_bytes: 8 << 20,
        };
        let s = Scope::default_tenant(Context::Production);
        let fresh_dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(fresh_dir.path(), &opts).unwrap();
            store
                .put_profile(&s, &Profile::new("p1".into(), Utc::now()))
                .await
                .unwrap();
            store.durable().await.unwrap();
        }
        assert_eq!(
            segment_size_of(&fresh_dir.path().join("db")).unwrap(),
            SEGMENT_BYTES
        );

        let old_dir = tempfile::tempdir().unwrap();
        drop(
            sled::Config::new()
                .path(old_dir.path().join("db"))
                .open()
                .unwrap(),
        );
        assert_eq!(
            segment_size_of(&old_dir.path().join("db")).unwrap(),
            SLED_DEFAULT_SEGMENT_BYTES
        );
        let old = SledStore::open(old_dir.path(), &opts).unwrap();
        old.put_profile(&s, &Profile::new("p2".into(), Utc::now()))
            .await
            .unwrap();
        assert!(old.profile(&s, "p2").await.unwrap().is_some());
        drop(old);

        let store = SledStore::open(fresh_dir.path(), &opts).unwrap();
        seal_a_segment(&store.db, SEGMENT_BYTES).unwrap();
        let names: Vec<String> = store
            .db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains("scratch")), "{names:?}");
        assert_eq!(store.scopes().await.unwrap(), std::slice::from_ref(&s));
        assert!(store.profile(&s, "p1").await.unwrap().is_some());
        drop(store);

        // A lost or garbled record is refused with what to do, not guessed at.
        let conf = old_dir.path().join("db").join("conf");
        let saved = std::fs::read(&conf).unwrap();
        std::fs::write(&conf, "garbage").unwrap();
        let err = SledStore::open(old_dir.path(), &opts)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("records no segment size"), "{err}");
        assert!(err.contains("from a backup"), "{err}");
        std::fs::remove_file(&conf).unwrap();
        let err = SledStore::open(old_dir.path(), &opts)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("is missing"), "{err}");
        std::fs::write(&conf, saved).unwrap();
        let back = SledStore::open(old_dir.path(), &opts).unwrap();
        assert!(back.profile(&s, "p2").await.unwrap().is_some());
    }

    /// A merge puts the survivor with the merged profile's ids, then deletes the merged
    /// profile. Replaying that log over a sled that already holds both (it flushes on its
    /// own) must delete the merged profile only, not the survivor its id now names.
    #[tokio::test]
    async fn replaying_a_merge_keeps_the_survivor() {
        let dir = tempfile::tempdir().unwrap();
        let scope = Scope::default_tenant(Context::Production);
        {
            let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
            let mut a = Profile::new("a".into(), Utc::now());
            a.ids = vec!["a".into(), "emm-k".into()];
            let mut b = Profile::new("b".into(), Utc::now());
            b.ids = vec!["b".into(), "emm-k".into()];
            store.put_profile(&scope, &a).await.unwrap();
            store.put_profile(&scope, &b).await.unwrap();
            // The profiles were there before (an import ends with a checkpoint): the log
            // holds the merge only.
            store.checkpoint().await.unwrap();
            a.ids.push("b".into());
            store.put_profile(&scope, &a).await.unwrap();
            assert!(store.delete_profile(&scope, "b").await.unwrap());
            store.durable().await.unwrap();
            // sled has it all; the log is not truncated (no checkpoint), as after a
            // command that ends without one.
            store.db.flush().unwrap();
        }
        let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
        let a = store
            .profile(&scope, "a")
            .await
            .unwrap()
            .expect("the survivor");
        assert_eq!(a.id, "a");
        assert_eq!(
            store.profile_id(&scope, "b").await.unwrap().as_deref(),
            Some("a")
        );
        assert_eq!(store.counts(&scope).await.unwrap().profiles, 1);
    }

    /// A data dir the store creates is its owner's only.
    #[test]
    fn a_new_data_dir_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nested").join("data");
        drop(SledStore::open(&data, &OpenOptions::default()).unwrap());
        let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    /// A log damaged in the middle is refused and kept (replaying around the damage would
    /// drop acknowledged writes); one cut short at its end by a crash is replayed up to
    /// the cut.
    #[tokio::test]
    async fn a_damaged_log_is_refused_and_a_torn_tail_is_not() {
        let scope = Scope::default_tenant(Context::Production);
        let write = |dir: &Path| {
            let dir = dir.to_path_buf();
            let scope = scope.clone();
            async move {
                let store = SledStore::open(&dir, &OpenOptions::default()).unwrap();
                for i in 0..20 {
                    let s = Session::new(format!("s-{i}"), Some("p-1"), Utc::now());
                    store.put_session(&scope, &s).await.unwrap();
                    store.durable().await.unwrap();
                }
                // Closed without a checkpoint: the log is replayed at the next open.
                drop(store);
            }
        };
        let segment = |dir: &Path| {
            let wal_dir = dir.join("wal");
            wal::segment_path(&wal_dir, *wal::segments(&wal_dir).unwrap().last().unwrap())
        };
        let damaged = tempfile::tempdir().unwrap();
        write(damaged.path()).await;
        let file = segment(damaged.path());
        let mut bytes = std::fs::read(&file).unwrap();
        let len = bytes.len();
        bytes[len / 2] ^= 0xff;
        std::fs::write(&file, &bytes).unwrap();
        let Err(e) = SledStore::open(damaged.path(), &OpenOptions::default()) else {
            panic!("a log damaged in the middle was replayed");
        };
        assert!(e.to_string().contains("with records after it"), "{e}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "the log is kept as it was"
        );

        let torn = tempfile::tempdir().unwrap();
        write(torn.path()).await;
        let file = segment(torn.path());
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        let store = SledStore::open(torn.path(), &OpenOptions::default()).unwrap();
        assert!(store.session(&scope, "s-18").await.unwrap().is_some());
    }

    /// What a daemon does when it stops cleanly: the next start has no log to replay, and
    /// everything written is still there.
    #[tokio::test]
    async fn a_checkpoint_leaves_nothing_to_replay() {
        let dir = tempfile::tempdir().unwrap();
        let wal_dir = dir.path().join("wal");
        let scope = Scope::default_tenant(Context::Production);
        {
            let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
            let session = Session::new("s-1".into(), Some("p-1"), Utc::now());
            store.put_session(&scope, &session).await.unwrap();
            store.durable().await.unwrap();
            assert!(logged_bytes(&wal_dir) > 0, "the write is in the log");
            store.checkpoint().await.unwrap();
            assert_eq!(logged_bytes(&wal_dir), 0, "nothing left to replay");
            assert_eq!(wal::segments(&wal_dir).unwrap().len(), 1);
            // Writes go on after a checkpoint, into the fresh segment.
            let later = Session::new("s-2".into(), Some("p-1"), Utc::now());
            store.put_session(&scope, &later).await.unwrap();
            store.durable().await.unwrap();
            assert!(logged_bytes(&wal_dir) > 0);
        }
        let store = SledStore::open(dir.path(), &OpenOptions::default()).unwrap();
        for id in ["s-1", "s-2"] {
            let s = store.session(&scope, id).await.unwrap();
            assert_eq!(
                s.and_then(|s| s.profile_id().map(str::to_string))
                    .as_deref(),
                Some("p-1")
            );
        }
    }
}
