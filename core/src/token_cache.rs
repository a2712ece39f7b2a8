//! Verified tokens, so a token seen before costs a hash lookup: filled only after a complete
//! successful check, keyed by the whole token, bounded in entries and bytes (oldest out first),
//! and each entry dropped at its expiry or as soon as a refetch of its key set removed a key.

use crate::bearer::AuthInfoJson;
use crate::jwks::RemoteKeySet;
use crate::sync::lock;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheLimits {
    pub max_entries: usize,
    pub max_bytes: usize,
    /// Longer tokens are never cached (they would crowd out the rest).
    pub max_token_bytes: usize,
}

/// About 1 KB per entry with typical tokens: 1,000 concurrent token holders in about 1 MB (each one
/// beyond costs a full verification, not an error).
pub const DEFAULT_LIMITS: TokenCacheLimits =
    TokenCacheLimits { max_entries: 1_000, max_bytes: 8 * 1024 * 1024, max_token_bytes: 8 * 1024 };

struct Entry {
    token: Arc<str>,
    auth_info: Arc<AuthInfoJson>,
    /// Epoch milliseconds after which the entry is no longer used.
    expires_at_ms: f64,
    /// The key set the token was verified against, and its generation then.
    key_set: Arc<RemoteKeySet>,
    generation: u64,
}

/// Entries are keyed by a keyed hash of the token's last bytes (its signature) and length, so a
/// lookup hashes a few dozen bytes instead of the whole token; the entry holds the token itself,
/// which a hit must equal.
type Digest = u64;

#[derive(Default)]
struct Inner {
    entries: HashMap<Digest, Entry>,
    order: VecDeque<Digest>,
    bytes: usize,
}

pub struct TokenCache {
    limits: TokenCacheLimits,
    hasher: RandomState,
    inner: Mutex<Inner>,
}

fn cost(token: &str, auth_info: &AuthInfoJson) -> usize {
    token.len() + auth_info.text.len() + 64
}

impl TokenCache {
    pub fn new(limits: TokenCacheLimits) -> Self {
        Self { limits, hasher: RandomState::new(), inner: Mutex::default() }
    }

    fn digest(&self, token: &str) -> Digest {
        let bytes = token.as_bytes();
        self.hasher.hash_one((&bytes[bytes.len().saturating_sub(48)..], bytes.len()))
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// The cached AuthInfo JSON of `token`, if still valid at `now_ms` and its key set unchanged.
    pub fn get(&self, token: &str, now_ms: f64) -> Option<Arc<AuthInfoJson>> {
        let digest = self.digest(token);
        let mut inner = self.inner();
        let entry = inner.entries.get(&digest).filter(|entry| &*entry.token == token)?;
        if now_ms < entry.expires_at_ms && entry.generation == entry.key_set.generation() {
            return Some(entry.auth_info.clone());
        }
        if let Some(stale) = inner.entries.remove(&digest) {
            inner.bytes -= cost(token, &stale.auth_info);
        }
        None
    }

    pub fn insert(
        &self,
        token: &str,
        auth_info: Arc<AuthInfoJson>,
        expires_at_ms: f64,
        key_set: Arc<RemoteKeySet>,
        generation: u64,
    ) {
        if token.len() > self.limits.max_token_bytes || self.limits.max_entries == 0 {
            return;
        }
        let digest = self.digest(token);
        let entry = Entry { token: Arc::from(token), auth_info, expires_at_ms, key_set, generation };
        let added = cost(token, &entry.auth_info);
        let mut inner = self.inner();
        // A different token with the same digest is replaced: the cache only ever misses.
        if let Some(previous) = inner.entries.insert(digest, entry) {
            inner.bytes -= cost(&previous.token, &previous.auth_info);
        } else {
            inner.order.push_back(digest);
        }
        inner.bytes += added;
        while inner.entries.len() > self.limits.max_entries || inner.bytes > self.limits.max_bytes {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= cost(&evicted.token, &evicted.auth_info);
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
    fn len(&self) -> usize {
        self.inner().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwks::JwksOptions;

    fn info() -> Arc<AuthInfoJson> {
        AuthInfoJson::new("{}".into())
    }

    fn key_set() -> Arc<RemoteKeySet> {
        Arc::new(RemoteKeySet::new("http://127.0.0.1:9/jwks".parse().unwrap(), JwksOptions::default()))
    }

    #[test]
    fn hits_until_expiry_or_rotation() {
        let cache = TokenCache::new(DEFAULT_LIMITS);
        let keys = key_set();
        cache.insert("t", info(), 1000.0, keys.clone(), 0);
        assert!(cache.get("t", 999.0).is_some());
        cache.insert("r", info(), 1000.0, keys.clone(), 7);
        assert!(cache.get("r", 999.0).is_none(), "a refetched key set drops the entry");
        cache.insert("u", info(), 1000.0, keys, 0);
        assert!(cache.get("u", 1000.0).is_none(), "expired at exp");
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn bounded_in_entries_and_bytes() {
        let keys = key_set();
        let cache = TokenCache::new(TokenCacheLimits { max_entries: 100, max_bytes: 1_000_000, max_token_bytes: 64 });
        for i in 0..1000 {
            cache.insert(&format!("token-{i}"), info(), f64::MAX, keys.clone(), 0);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.get("token-999", 0.0).is_some());
        assert!(cache.get("token-0", 0.0).is_none(), "oldest evicted first");
        cache.insert(&"x".repeat(65), info(), f64::MAX, keys.clone(), 0);
        assert!(cache.get(&"x".repeat(65), 0.0).is_none(), "oversized tokens are not cached");
        let small = TokenCache::new(TokenCacheLimits { max_entries: 1000, max_bytes: 700, max_token_bytes: 64 });
        for i in 0..100 {
            small.insert(&format!("token-{i}"), info(), f64::MAX, keys.clone(), 0);
        }
        assert!(small.len() <= 10);
    }
}
