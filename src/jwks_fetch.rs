//! jose's `remoteJwkSet[customFetch]`: JWKS requests made by a JS function (through the JS
//! layer's wrapper), in the codec's request/answer format.

use crate::codec::{decode_jwks_answer, encode_jwks_request};
use mcp_auth_core::jwks::{CustomFetch, HostFetch, HostFetchError, HostFetchResult};
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// `(request: string) => Promise<string>`. Weak: it never keeps Node alive.
pub type JwksFetchFunction = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

struct JsJwksFetch(Arc<JwksFetchFunction>);

impl HostFetch for JsJwksFetch {
    fn fetch(
        &self,
        url: String,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = HostFetchResult> + Send>> {
        let function = Arc::clone(&self.0);
        let request = encode_jwks_request(&url, &headers, timeout);
        Box::pin(async move {
            let failed = |e: napi::Error| HostFetchError::Failed(e.reason.clone());
            let answer = function.call_async(request).await.map_err(failed)?.await.map_err(failed)?;
            decode_jwks_answer(&answer)
        })
    }
}

pub fn custom_fetch(function: JwksFetchFunction) -> CustomFetch {
    CustomFetch(Arc::new(JsJwksFetch(Arc::new(function))))
}
