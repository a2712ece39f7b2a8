//! `MCPAuth`'s `store` (an object with `get`/`set`/`add`) as the core's store backend, through the
//! JS layer's wrapper (lib/store.js): one function taking a request and answering, both JSON:
//! `{ op: 'get', key }` → `{ value: string | null }`, `{ op: 'set', key, value, ttlMs }` →
//! `{ ok: true }`, `{ op: 'add', key, ttlMs }` → `{ added: boolean }`, and `{ error }` for a
//! failure of the store.

use mcp_auth_core::store::{StoreBackend, StoreFuture};
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// `(request: string) => Promise<string>`. Weak: it never keeps Node alive.
pub type StoreFunction = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

pub struct JsStore(pub Arc<StoreFunction>);

impl JsStore {
    fn call(&self, request: Value) -> StoreFuture<Value> {
        let function = Arc::clone(&self.0);
        Box::pin(async move {
            let answer = function.call_async(request.to_string()).await.map_err(|e| e.reason.clone())?;
            let answer = answer.await.map_err(|e| e.reason.clone())?;
            let answer: Value = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            match answer.get("error") {
                Some(error) => Err(error.as_str().unwrap_or("store error").to_string()),
                None => Ok(answer),
            }
        })
    }
}

fn ttl_ms(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

impl StoreBackend for JsStore {
    fn get(&self, key: String) -> StoreFuture<Option<String>> {
        let answer = self.call(json!({ "op": "get", "key": key }));
        Box::pin(async move { Ok(answer.await?.get("value").and_then(Value::as_str).map(str::to_string)) })
    }

    fn set(&self, key: String, value: String, ttl: Duration) -> StoreFuture<()> {
        let answer = self.call(json!({ "op": "set", "key": key, "value": value, "ttlMs": ttl_ms(ttl) }));
        Box::pin(async move { answer.await.map(|_| ()) })
    }

    fn add(&self, key: String, ttl: Duration) -> StoreFuture<bool> {
        let answer = self.call(json!({ "op": "add", "key": key, "ttlMs": ttl_ms(ttl) }));
        Box::pin(async move {
            answer.await?.get("added").and_then(Value::as_bool).ok_or_else(|| "`add` answered no boolean".to_string())
        })
    }
}
