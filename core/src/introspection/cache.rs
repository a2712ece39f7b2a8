//! Introspection answers per token, keyed by the token's SHA-256 (the token itself is never
//! stored), bounded in entries and bytes (oldest out first), each entry dropped at its expiry.

use super::answer::Answer;
use crate::sync::lock;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub type TokenDigest = [u8; 32];

pub use crate::cache_key::sha256 as digest;

/// A cached answer holds the whole introspection response (up to the 1 MiB cap each): besides
/// `maxEntries`, the cache keeps under this many bytes.
pub const MAX_CACHE_BYTES: usize = 32 * 1024 * 1024;

struct Entry {
    answer: Answer,
    /// Epoch milliseconds after which the entry is no longer used.
    expires_at_ms: f64,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<TokenDigest, Entry>,
    order: VecDeque<TokenDigest>,
    bytes: usize,
}

pub struct AnswerCache {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

fn cost(answer: &Answer) -> usize {
    match answer {
        Answer::Active(introspected, _) => {
            introspected.auth_info.claims.text.len() + introspected.json.text.len() + 128
        }
        Answer::Inactive => 64,
    }
}

impl AnswerCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { max_entries, max_bytes, inner: Mutex::default() }
    }

    /// The answer for `digest`, if still valid at `now_ms`.
    pub fn get(&self, digest: &TokenDigest, now_ms: f64) -> Option<Answer> {
        let mut inner = lock(&self.inner);
        let entry = inner.entries.get(digest)?;
        if now_ms < entry.expires_at_ms {
            return Some(entry.answer.clone());
        }
        if let Some(stale) = inner.entries.remove(digest) {
            inner.bytes -= stale.bytes;
        }
        None
    }

    pub fn insert(&self, digest: TokenDigest, answer: Answer, expires_at_ms: f64) {
        let bytes = cost(&answer);
        if self.max_entries == 0 || bytes > self.max_bytes {
            return;
        }
        let mut inner = lock(&self.inner);
        match inner.entries.insert(digest, Entry { answer, expires_at_ms, bytes }) {
            Some(previous) => inner.bytes -= previous.bytes,
            None => inner.order.push_back(digest),
        }
        inner.bytes += bytes;
        while inner.entries.len() > self.max_entries || inner.bytes > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= evicted.bytes;
            }
        }
        // Entries removed on expiry leave their key in `order`; keep it from growing past twice
        // the live entries.
        if inner.order.len() > 2 * inner.entries.len() + 16 {
            let Inner { entries, order, .. } = &mut *inner;
            order.retain(|key| entries.contains_key(key));
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        lock(&self.inner).entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let cache = AnswerCache::new(100, MAX_CACHE_BYTES);
        for i in 0..1000 {
            cache.insert(digest(&format!("token-{i}")), Answer::Inactive, 10.0);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.get(&digest("token-999"), 0.0).is_some());
        assert!(cache.get(&digest("token-0"), 0.0).is_none(), "oldest evicted first");
        assert!(cache.get(&digest("token-999"), 10.0).is_none(), "expired");
        let small = AnswerCache::new(1000, 640);
        for i in 0..100 {
            small.insert(digest(&format!("token-{i}")), Answer::Inactive, 10.0);
        }
        assert_eq!(small.len(), 10);
        assert_ne!(digest("a"), digest("b"));
    }
}
