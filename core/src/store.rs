//! The shared level of state for several server instances (a deployment's Redis, through the
//! host's store): introspection answers and DPoP proof identifiers. Every call is bounded by the
//! store timeout; what a failure means is decided by the caller (a replay check fails closed, an
//! introspection lookup falls back to the provider).

use crate::cache_key::hex_sha256;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub type StoreFuture<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

/// A store of the host (JS): `get`, `set` with a TTL, and `add` (set if absent, atomically).
pub trait StoreBackend: Send + Sync {
    fn get(&self, key: String) -> StoreFuture<Option<String>>;
    fn set(&self, key: String, value: String, ttl: Duration) -> StoreFuture<()>;
    fn add(&self, key: String, ttl: Duration) -> StoreFuture<bool>;
}

/// Why a store call gave no answer (never a token or a key in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreFailure {
    Timeout(Duration),
    Failed(String),
}

impl std::fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout(limit) => write!(f, "the store did not answer within {} ms", limit.as_millis()),
            Self::Failed(why) => write!(f, "the store failed: {why}"),
        }
    }
}

/// A backend and the timeout of every call.
#[derive(Clone)]
pub struct SharedStore {
    backend: Arc<dyn StoreBackend>,
    timeout: Duration,
}

impl SharedStore {
    pub fn new(backend: Arc<dyn StoreBackend>, timeout: Duration) -> Self {
        Self { backend, timeout }
    }

    async fn bounded<T>(&self, call: StoreFuture<T>) -> Result<T, StoreFailure> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(answer) => answer.map_err(StoreFailure::Failed),
            Err(_) => Err(StoreFailure::Timeout(self.timeout)),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreFailure> {
        self.bounded(self.backend.get(key.to_string())).await
    }

    pub async fn set(&self, key: &str, value: String, ttl: Duration) -> Result<(), StoreFailure> {
        self.bounded(self.backend.set(key.to_string(), value, ttl)).await
    }

    pub async fn add(&self, key: &str, ttl: Duration) -> Result<bool, StoreFailure> {
        self.bounded(self.backend.add(key.to_string(), ttl)).await
    }
}

/// A store key: `<kind>:` and the hex SHA-256 of the parts (never a token or a `jti` as such).
pub fn store_key(kind: &str, parts: &[&str]) -> String {
    format!("{kind}:{}", hex_sha256(&parts.join("\0")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A backend for the tests: a map, optionally failing or hanging.
    #[derive(Default)]
    struct MapBackend {
        values: Mutex<HashMap<String, String>>,
        hang: bool,
    }

    impl StoreBackend for MapBackend {
        fn get(&self, key: String) -> StoreFuture<Option<String>> {
            let value = self.values.lock().unwrap().get(&key).cloned();
            let hang = self.hang;
            Box::pin(async move {
                if hang {
                    std::future::pending::<()>().await;
                }
                Ok(value)
            })
        }
        fn set(&self, key: String, value: String, _ttl: Duration) -> StoreFuture<()> {
            self.values.lock().unwrap().insert(key, value);
            Box::pin(async { Ok(()) })
        }
        fn add(&self, key: String, _ttl: Duration) -> StoreFuture<bool> {
            let added = self.values.lock().unwrap().insert(key, String::new()).is_none();
            Box::pin(async move { Ok(added) })
        }
    }

    #[tokio::test]
    async fn calls_and_their_timeout() {
        let store = SharedStore::new(Arc::new(MapBackend::default()), Duration::from_millis(50));
        assert!(store.add("k", Duration::from_secs(1)).await.unwrap());
        assert!(!store.add("k", Duration::from_secs(1)).await.unwrap());
        store.set("v", "x".into(), Duration::from_secs(1)).await.unwrap();
        assert_eq!(store.get("v").await.unwrap().as_deref(), Some("x"));
        let hanging =
            SharedStore::new(Arc::new(MapBackend { hang: true, ..MapBackend::default() }), Duration::from_millis(50));
        assert_eq!(hanging.get("v").await, Err(StoreFailure::Timeout(Duration::from_millis(50))));
        let key = store_key("dpop", &["thumb", "jti"]);
        assert!(key.starts_with("dpop:") && key.len() == 5 + 64 && !key.contains("jti"));
    }
}
