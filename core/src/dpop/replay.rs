//! Proofs already used, in process memory: RFC 9449 §11.1 (a `jti` is accepted once per key
//! within the proof window). Bounded, so that a flood of fresh proofs cannot exhaust memory.
//!
//! The bound and its cost: entries never outlive their TTL; when the cache is full, expired
//! entries go first, and only then the entry closest to expiry. Evicting an unexpired entry
//! reopens a replay of that proof for the rest of its window, so `max_entries` must cover the
//! proofs accepted within one TTL: with 100 000 entries and a TTL of 2 × 300 s that is about
//! 166 proofs per second sustained before any hole (a shared store, BEYOND §7, lifts the bound).

use crate::cache_key::sha256;
use crate::sync::lock;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// SHA-256 of thumbprint + "\0" + jti: fixed size whatever the `jti`, and no raw client text kept.
type ReplayKey = [u8; 32];

/// An expiry time (s) ordered with `total_cmp`, so the eviction order is total even for odd input.
#[derive(Debug, Clone, Copy)]
struct Expiry(f64);

impl PartialEq for Expiry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Expiry {}

impl PartialOrd for Expiry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Expiry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Debug, Default)]
struct Entries {
    expiries: HashMap<ReplayKey, Expiry>,
    /// The same entries by expiry, soonest first: purging and eviction take from the front.
    by_expiry: BTreeSet<(Expiry, ReplayKey)>,
}

impl Entries {
    fn pop_first(&mut self) {
        if let Some((_, key)) = self.by_expiry.pop_first() {
            self.expiries.remove(&key);
        }
    }

    fn purge_expired(&mut self, now: f64) {
        while self.by_expiry.first().is_some_and(|(expiry, _)| expiry.0 <= now) {
            self.pop_first();
        }
    }
}

/// The `jti` memory of the DPoP check (see the module documentation for its bound).
#[derive(Debug)]
pub struct ReplayCache {
    max_entries: usize,
    entries: Mutex<Entries>,
}

impl ReplayCache {
    /// A cache of at most `max_entries` proofs (at least one).
    pub fn new(max_entries: usize) -> Self {
        Self { max_entries: max_entries.max(1), entries: Mutex::default() }
    }

    /// true when (thumbprint, jti) was not seen within its TTL (and records it for `ttl_seconds`
    /// from `now_seconds`); false for a replay. A TTL that is not > 0 records nothing lasting.
    pub fn first_use(&self, thumbprint: &str, jti: &str, ttl_seconds: f64, now_seconds: f64) -> bool {
        let key = replay_key(thumbprint, jti);
        let mut entries = lock(&self.entries);
        entries.purge_expired(now_seconds);
        if entries.expiries.contains_key(&key) {
            return false;
        }
        let expiry = Expiry(now_seconds + ttl_seconds);
        if expiry.0 > now_seconds {
            while entries.expiries.len() >= self.max_entries {
                entries.pop_first();
            }
            entries.expiries.insert(key, expiry);
            entries.by_expiry.insert((expiry, key));
        }
        true
    }

    /// Entries currently held (expired ones included until the next call purges them).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        lock(&self.entries).expiries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn replay_key(thumbprint: &str, jti: &str) -> ReplayKey {
    sha256(&format!("{thumbprint}\0{jti}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_accepted_once_within_its_ttl() {
        let cache = ReplayCache::new(10);
        assert!(cache.first_use("thumb", "jti-1", 600.0, 1000.0));
        assert!(!cache.first_use("thumb", "jti-1", 600.0, 1000.0));
        assert!(!cache.first_use("thumb", "jti-1", 600.0, 1599.0));
        // Another key or another jti is another proof.
        assert!(cache.first_use("other", "jti-1", 600.0, 1000.0));
        assert!(cache.first_use("thumb", "jti-2", 600.0, 1000.0));
        // After the TTL the entry is gone: accepted (and recorded) again.
        assert!(cache.first_use("thumb", "jti-1", 600.0, 1600.0));
        assert!(!cache.first_use("thumb", "jti-1", 600.0, 1601.0));
    }

    #[test]
    fn the_separator_keeps_keys_apart() {
        let cache = ReplayCache::new(10);
        assert!(cache.first_use("ab", "c", 600.0, 0.0));
        assert!(cache.first_use("a", "bc", 600.0, 0.0));
    }

    #[test]
    fn expired_entries_go_before_live_ones() {
        let cache = ReplayCache::new(2);
        assert!(cache.first_use("k", "short", 10.0, 0.0));
        assert!(cache.first_use("k", "long", 600.0, 0.0));
        // Full; at t = 20 the short one has expired and is purged, the long one stays.
        assert!(cache.first_use("k", "new", 600.0, 20.0));
        assert_eq!(cache.len(), 2);
        assert!(!cache.first_use("k", "long", 600.0, 21.0));
        assert!(!cache.first_use("k", "new", 600.0, 21.0));
    }

    #[test]
    fn when_full_of_live_entries_the_soonest_to_expire_is_evicted() {
        let cache = ReplayCache::new(3);
        assert!(cache.first_use("k", "a", 100.0, 0.0));
        assert!(cache.first_use("k", "b", 300.0, 0.0));
        assert!(cache.first_use("k", "c", 200.0, 0.0));
        assert!(cache.first_use("k", "d", 600.0, 1.0));
        assert_eq!(cache.len(), 3);
        // `a` (expiring first) was evicted: the documented hole; the others are still refused.
        assert!(!cache.first_use("k", "b", 300.0, 2.0));
        assert!(!cache.first_use("k", "c", 200.0, 2.0));
        assert!(!cache.first_use("k", "d", 600.0, 2.0));
        assert!(cache.first_use("k", "a", 100.0, 2.0));
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn the_bound_holds_under_a_flood() {
        let cache = ReplayCache::new(100);
        for i in 0..1000 {
            assert!(cache.first_use("k", &i.to_string(), 600.0, f64::from(i) * 0.01));
        }
        assert_eq!(cache.len(), 100);
        let entries = lock(&cache.entries);
        assert_eq!(entries.by_expiry.len(), 100);
    }

    #[test]
    fn odd_ttls_and_sizes() {
        let cache = ReplayCache::new(0);
        assert!(cache.first_use("k", "a", 600.0, 0.0));
        assert!(!cache.first_use("k", "a", 600.0, 0.0));
        assert!(cache.first_use("k", "b", 600.0, 0.0));
        assert_eq!(cache.len(), 1);
        let cache = ReplayCache::new(10);
        assert!(cache.first_use("k", "zero", 0.0, 0.0));
        assert!(cache.first_use("k", "nan", f64::NAN, 0.0));
        assert!(cache.is_empty());
        let long_jti = "j".repeat(1 << 16);
        assert!(cache.first_use("k", &long_jti, 600.0, 0.0));
        assert!(!cache.first_use("k", &long_jti, 600.0, 0.0));
    }
}
