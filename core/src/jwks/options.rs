//! Options of a remote key set (jose's `RemoteJWKSetOptions`) and the host's own fetch.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How a JWKS request made by the host failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostFetchError {
    /// The request's deadline passed (jose: `JWKSTimeout`).
    Timeout,
    Failed(String),
}

/// The answer of a JWKS request made by the host: status and body.
pub type HostFetchResult = Result<(u16, Vec<u8>), HostFetchError>;

/// A JWKS request made by the host instead of the built-in client: jose's `[customFetch]`, a
/// JS function (proxies, mTLS, undici dispatchers). It gets the URL, the request headers and the
/// deadline.
pub trait HostFetch: Send + Sync {
    fn fetch(
        &self,
        url: String,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = HostFetchResult> + Send>>;
}

/// A [`HostFetch`] in the options (compared by identity).
#[derive(Clone)]
pub struct CustomFetch(pub Arc<dyn HostFetch>);

impl std::fmt::Debug for CustomFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomFetch")
    }
}

impl PartialEq for CustomFetch {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// JWKS documents are small; this bounds memory against a hostile or broken endpoint.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct JwksOptions {
    pub timeout: Duration,
    pub cooldown: Duration,
    /// `None` = never stale (`cacheMaxAge: Infinity`).
    pub max_age: Option<Duration>,
    /// How long past `max_age` a set may still be used while refetching it fails (stale-if-error,
    /// RFC 5861). Zero (the default, as jose) fails tokens as soon as a refetch of a stale set fails.
    pub stale_if_error: Duration,
    pub headers: Vec<(String, String)>,
    /// jose's `[customFetch]`: the host fetches instead of the built-in client.
    pub custom_fetch: Option<CustomFetch>,
}

impl Default for JwksOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            cooldown: Duration::from_secs(30),
            max_age: Some(Duration::from_secs(600)),
            stale_if_error: Duration::ZERO,
            headers: Vec::new(),
            custom_fetch: None,
        }
    }
}

impl JwksOptions {
    pub(crate) fn request_headers(&self) -> Vec<(String, String)> {
        // jose's defaults (the reference's JWKS client), naming us too.
        let mut headers = vec![
            ("accept".to_string(), "application/json, application/jwk-set+json".to_string()),
            ("user-agent".to_string(), concat!("jose/v6 (mcp-auth-rs/", env!("CARGO_PKG_VERSION"), ")").to_string()),
        ];
        for (name, value) in &self.headers {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn request_headers_name_us_and_take_overrides() {
        let options = JwksOptions { headers: vec![("Accept".into(), "x".into())], ..Default::default() };
        assert_eq!(options.request_headers()[1], ("Accept".to_string(), "x".to_string()));
        assert!(options.request_headers()[0].1.starts_with("jose/v6"));
    }
}
