//! Decoded copies of the profiles and sessions written or read lately, each kept with
//! the stored bytes it decodes from.
//!
//! Every collected request reads its session and its profile and writes the session
//! back; decompressing and parsing them again is a tenth of the collector's CPU. A read
//! that finds the very bytes a copy was made from clones the copy instead. The bytes are
//! compared on every use, so a copy can never be stale: one whose record was rewritten
//! or deleted since is only a miss, and replaced or evicted later. That makes the memo
//! a cache of the pure function bytes → value, safe whatever writes the tree (the log's
//! replay, merges, tenant drops) without invalidation.

use crate::domain::Scope;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

const SHARDS: usize = 16;

/// Copies kept per kind: at a few kilobytes each, at most some tens of MiB.
const CAPACITY: usize = 4096;

struct Entry<T> {
    bytes: Box<[u8]>,
    value: Arc<T>,
}

pub(super) struct Decoded<T> {
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<HashMap<u64, Entry<T>>>>,
}

impl<T: Clone> Decoded<T> {
    pub(super) fn new() -> Self {
        Self {
            hasher: std::collections::hash_map::RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Where the copy of record `id` of `scope` lives. Two records sharing a slot only
    /// evict each other: a copy is used only for the bytes it was made from.
    pub(super) fn slot(&self, scope: &Scope, id: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        scope.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    }

    fn shard(&self, slot: u64) -> &Mutex<HashMap<u64, Entry<T>>> {
        &self.shards[(slot as usize) % SHARDS]
    }

    /// The copy made from exactly `bytes`, if there is one.
    pub(super) fn get(&self, slot: u64, bytes: &[u8]) -> Option<Arc<T>> {
        let shard = self.shard(slot).lock().ok()?;
        shard
            .get(&slot)
            .filter(|e| *e.bytes == *bytes)
            .map(|e| e.value.clone())
    }

    /// Keeps `value` as the decoding of `bytes` in `slot`.
    pub(super) fn put(&self, slot: u64, bytes: &[u8], value: Arc<T>) {
        let Ok(mut shard) = self.shard(slot).lock() else {
            return;
        };
        if shard.len() >= CAPACITY / SHARDS && !shard.contains_key(&slot) {
            if let Some(evicted) = shard.keys().next().copied() {
                shard.remove(&evicted);
            }
        }
        shard.insert(
            slot,
            Entry {
                bytes: bytes.into(),
                value,
            },
        );
    }

    /// Part of the value `bytes` decode to: taken from the kept copy if it was made
    /// from them, else decoded from the bytes alone (nothing is kept).
    pub(super) fn peek<R, E>(
        &self,
        slot: u64,
        bytes: &[u8],
        from_copy: impl FnOnce(&T) -> R,
        from_bytes: impl FnOnce(&[u8]) -> Result<R, E>,
    ) -> Result<R, E> {
        match self.get(slot, bytes) {
            Some(copy) => Ok(from_copy(&copy)),
            None => from_bytes(bytes),
        }
    }

    /// `bytes` decoded: the kept copy if it was made from them, else `decode(bytes)`,
    /// then kept.
    pub(super) fn decode<E>(
        &self,
        slot: u64,
        bytes: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(v) = self.get(slot, bytes) {
            return Ok((*v).clone());
        }
        let value = decode(bytes)?;
        self.put(slot, bytes, Arc::new(value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Context;

    #[test]
    fn a_copy_is_used_only_for_the_bytes_it_was_made_from() {
        let memo: Decoded<String> = Decoded::new();
        let scope = Scope::default_tenant(Context::Production);
        let slot = memo.slot(&scope, "s1");
        let decodes = std::cell::Cell::new(0);
        let decode = |b: &[u8]| -> Result<String, ()> {
            decodes.set(decodes.get() + 1);
            Ok(String::from_utf8_lossy(b).into_owned())
        };
        assert_eq!(memo.decode(slot, b"one", decode), Ok("one".to_string()));
        assert_eq!(memo.decode(slot, b"one", decode), Ok("one".to_string()));
        assert_eq!(
            decodes.get(),
            1,
            "the second read of the same bytes decodes nothing"
        );
        // The record was rewritten: its new bytes are decoded, never the old copy used.
        assert_eq!(memo.decode(slot, b"two", decode), Ok("two".to_string()));
        assert_eq!(decodes.get(), 2);
        // A write keeps its own copy.
        memo.put(slot, b"three", Arc::new("three".into()));
        assert_eq!(
            memo.get(slot, b"three").as_deref(),
            Some(&"three".to_string())
        );
        assert_eq!(memo.get(slot, b"two"), None);
        // Another scope's record of the same id has another slot.
        let other = memo.slot(&Scope::default_tenant(Context::Staging), "s1");
        assert_ne!(other, slot);
        assert_eq!(memo.get(other, b"three"), None);
    }

    #[test]
    fn the_memo_stays_within_its_capacity() {
        let memo: Decoded<u32> = Decoded::new();
        let scope = Scope::default_tenant(Context::Production);
        for i in 0..(CAPACITY as u32 * 3) {
            let slot = memo.slot(&scope, &i.to_string());
            memo.put(slot, &i.to_le_bytes(), Arc::new(i));
        }
        let kept: usize = memo.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(kept <= CAPACITY, "{kept} copies kept");
        assert!(kept >= CAPACITY / 2, "only {kept} copies kept");
    }
}
