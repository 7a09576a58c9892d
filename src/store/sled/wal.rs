//! The write-ahead log that makes acknowledgements cheap.
//!
//! Every write is applied to sled and then appended, already encoded, to an in-memory
//! buffer. `durable()` writes the buffer to the current log segment and syncs it once for
//! everyone waiting (group commit), so a 2xx costs one small sequential append instead
//! of a flush of sled's page cache. Now and then a checkpoint flushes sled and deletes
//! the segments the flush covers; on open, whatever segments remain are replayed in
//! order. Replay is safe to repeat: every record is a whole-value write or a delete.
//!
//! Record frame: `u32 body length | u32 crc32 of body | body`; body: `u8 op | u16 field
//! count | (u32 length | bytes)…`. A torn last record (a crash mid-write, never
//! acknowledged) ends the replay of its segment.

use super::super::{Result, StoreError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Segments larger than this trigger a checkpoint.
pub(super) const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Op {
    PutProfile = 1,
    DeleteProfile = 2,
    PutSession = 3,
    DeleteSession = 4,
    PutEvents = 5,
    DeleteEvent = 6,
    PutConfig = 7,
    DeleteConfig = 8,
    PutMergeRecord = 9,
    Mark = 10,
    Unmark = 11,
    SetMeta = 12,
    QueuePut = 13,
    QueueDelete = 14,
    DeadPut = 15,
    DeadDelete = 16,
    DropTenant = 17,
    DeleteMergeRecord = 18,
}

impl Op {
    fn from_u8(b: u8) -> Option<Op> {
        use Op::*;
        Some(match b {
            1 => PutProfile,
            2 => DeleteProfile,
            3 => PutSession,
            4 => DeleteSession,
            5 => PutEvents,
            6 => DeleteEvent,
            7 => PutConfig,
            8 => DeleteConfig,
            9 => PutMergeRecord,
            10 => Mark,
            11 => Unmark,
            12 => SetMeta,
            13 => QueuePut,
            14 => QueueDelete,
            15 => DeadPut,
            16 => DeadDelete,
            17 => DropTenant,
            18 => DeleteMergeRecord,
            _ => return None,
        })
    }
}

fn wal_err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("write-ahead log: {what}: {e}"))
}

fn encode_record(buf: &mut Vec<u8>, op: Op, fields: &[&[u8]]) {
    let body_len: usize = 1 + 2 + fields.iter().map(|f| 4 + f.len()).sum::<usize>();
    let start = buf.len();
    buf.extend_from_slice(&(body_len as u32).to_le_bytes());
    buf.extend_from_slice(&[0u8; 4]);
    let body_start = buf.len();
    buf.push(op as u8);
    buf.extend_from_slice(&(fields.len() as u16).to_le_bytes());
    for f in fields {
        buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        buf.extend_from_slice(f);
    }
    let crc = crc32fast::hash(&buf[body_start..]);
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Decodes the records of one segment; stops at the first torn or corrupt record.
/// One decoded record: its operation and fields.
pub(super) type Record = (Op, Vec<Vec<u8>>);

/// The records of a segment up to the first that does not decode, and where that one
/// starts (None when the segment decoded to its end).
pub(super) fn decode_records(data: &[u8]) -> (Vec<Record>, Option<usize>) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        match record_at(data, pos) {
            Some((record, next)) => {
                out.push(record);
                pos = next;
            }
            None => return (out, Some(pos)),
        }
    }
    (out, None)
}

/// Whether a whole, valid record starts anywhere after `from`: a log whose bad record is
/// followed by good ones was damaged in the middle, not cut short by a crash.
pub(super) fn valid_record_after(data: &[u8], from: usize) -> Option<usize> {
    (from + 1..data.len()).find(|&p| record_at(data, p).is_some())
}

/// The record at `pos` and where the next one starts, if a whole, valid one is there.
fn record_at(data: &[u8], pos: usize) -> Option<(Record, usize)> {
    let u32_at = |p: usize| -> Option<u32> {
        data.get(p..p.checked_add(4)?)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let len = u32_at(pos)? as usize;
    let crc = u32_at(pos + 4)?;
    let body_start = pos + 8;
    let body = data.get(body_start..body_start.checked_add(len)?)?;
    if body.len() < 3 {
        return None;
    }
    let op = Op::from_u8(body[0])?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let count = u16::from_le_bytes([body[1], body[2]]) as usize;
    let mut fields = Vec::with_capacity(count);
    let mut p = 3usize;
    for _ in 0..count {
        let l = body
            .get(p..p + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)?;
        fields.push(body.get(p + 4..(p + 4).checked_add(l)?)?.to_vec());
        p += 4 + l;
    }
    Some(((op, fields), body_start + len))
}

struct Pending {
    buf: Vec<u8>,
    appended: u64,
}

struct Segment {
    file: Option<File>,
    number: u64,
    bytes: u64,
}

pub(super) struct Wal {
    dir: PathBuf,
    pending: Mutex<Pending>,
    synced: AtomicU64,
    /// Held while writing and syncing: one writer at a time, in order.
    segment: tokio::sync::Mutex<Segment>,
}

pub(super) fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("wal-{n:020}.log"))
}

/// The numbers of the segments in `dir`, oldest first.
pub(super) fn segments(dir: &Path) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(wal_err("cannot list segments", e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| wal_err("cannot list segments", e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix("wal-")
            .and_then(|r| r.strip_suffix(".log"))
            .and_then(|n| n.parse::<u64>().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

pub(super) fn read_segment(dir: &Path, n: u64) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    File::open(segment_path(dir, n))
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(|e| wal_err("cannot read a segment", e))?;
    Ok(data)
}

pub(super) fn remove_segments(dir: &Path, upto_exclusive: u64) -> Result<()> {
    for n in segments(dir)? {
        if n < upto_exclusive {
            std::fs::remove_file(segment_path(dir, n))
                .map_err(|e| wal_err("cannot remove a segment", e))?;
        }
    }
    Ok(())
}

fn open_segment(dir: &Path, n: u64) -> Result<File> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(segment_path(dir, n))
        .map_err(|e| wal_err("cannot open a segment", e))?;
    // Make the new file's directory entry durable too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(f)
}

impl Wal {
    /// Starts a new segment after `last` (the highest existing one, already replayed).
    pub(super) fn create(dir: &Path, next: u64) -> Result<Wal> {
        std::fs::create_dir_all(dir).map_err(|e| wal_err("cannot create its directory", e))?;
        let file = open_segment(dir, next)?;
        Ok(Wal {
            dir: dir.to_path_buf(),
            pending: Mutex::new(Pending {
                buf: Vec::with_capacity(1 << 20),
                appended: 0,
            }),
            synced: AtomicU64::new(0),
            segment: tokio::sync::Mutex::new(Segment {
                file: Some(file),
                number: next,
                bytes: 0,
            }),
        })
    }

    pub(super) fn append(&self, op: Op, fields: &[&[u8]]) {
        if let Ok(mut p) = self.pending.lock() {
            encode_record(&mut p.buf, op, fields);
            p.appended += 1;
        }
    }

    fn take_pending(&self) -> (Vec<u8>, u64) {
        match self.pending.lock() {
            Ok(mut p) => {
                let cap = p.buf.capacity().max(1 << 16);
                (
                    std::mem::replace(&mut p.buf, Vec::with_capacity(cap)),
                    p.appended,
                )
            }
            Err(_) => (Vec::new(), 0),
        }
    }

    fn appended(&self) -> u64 {
        self.pending.lock().map(|p| p.appended).unwrap_or(0)
    }

    /// Writes and syncs what is pending into the current segment (caller holds it).
    async fn write_pending(&self, seg: &mut Segment) -> Result<()> {
        let (buf, upto) = self.take_pending();
        if !buf.is_empty() {
            let mut file = seg
                .file
                .take()
                .ok_or_else(|| wal_err("segment", "closed after an earlier failure"))?;
            let len = buf.len() as u64;
            let (file, res) = tokio::task::spawn_blocking(move || {
                let res = file.write_all(&buf).and_then(|_| file.sync_data());
                (file, res)
            })
            .await
            .map_err(|e| wal_err("sync task failed", e))?;
            seg.file = Some(file);
            res.map_err(|e| wal_err("cannot write or sync", e))?;
            seg.bytes += len;
        }
        self.synced.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }

    /// Returns once every record appended before the call is synced to disk. Returns
    /// whether the current segment has grown past the checkpoint size.
    ///
    /// The write runs in its own task: a caller that goes away (a client hanging up)
    /// never interrupts a write halfway, so the segment stays usable and in order.
    pub(super) async fn durable(wal: &Arc<Wal>) -> Result<bool> {
        let ticket = wal.appended();
        if wal.synced.load(Ordering::SeqCst) >= ticket {
            return Ok(false);
        }
        let wal = wal.clone();
        tokio::spawn(async move {
            let mut seg = wal.segment.lock().await;
            if wal.synced.load(Ordering::SeqCst) < ticket {
                wal.write_pending(&mut seg).await?;
            }
            Ok(seg.bytes >= CHECKPOINT_BYTES)
        })
        .await
        .map_err(|e| wal_err("sync task failed", e))?
    }

    /// Syncs what is pending and starts a new segment; returns its number. Every record
    /// in the earlier segments was applied to sled before this call.
    pub(super) async fn rotate(&self) -> Result<u64> {
        let mut seg = self.segment.lock().await;
        self.write_pending(&mut seg).await?;
        let next = seg.number + 1;
        let file = open_segment(&self.dir, next)?;
        seg.file = Some(file);
        seg.number = next;
        seg.bytes = 0;
        Ok(next)
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_torn_tails_are_dropped() {
        let mut buf = Vec::new();
        encode_record(
            &mut buf,
            Op::PutProfile,
            &[b"default", b"production", b"{\"id\":1}"],
        );
        encode_record(&mut buf, Op::SetMeta, &[b"k", b""]);
        let (full, bad) = decode_records(&buf);
        assert_eq!(bad, None);
        assert_eq!(full.len(), 2);
        assert_eq!(full[0].0, Op::PutProfile);
        assert_eq!(full[0].1[2], b"{\"id\":1}");
        assert_eq!(full[1].1[1], b"");
        for cut in 1..buf.len() {
            let (partial, bad) = decode_records(&buf[..cut]);
            assert!(partial.len() < 2, "cut at {cut}");
            // A torn tail: nothing valid follows the cut record.
            if let Some(bad) = bad {
                assert_eq!(valid_record_after(&buf[..cut], bad), None, "cut at {cut}");
            }
        }
        let mut corrupt = buf.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        assert_eq!(decode_records(&corrupt).0.len(), 1);
        // Damage in the first record, with a good one after it: found.
        let mut middle = buf.clone();
        middle[12] ^= 0xff;
        let (records, bad) = decode_records(&middle);
        assert!(records.is_empty());
        assert_eq!(bad, Some(0));
        assert!(valid_record_after(&middle, 0).is_some());
    }
}
