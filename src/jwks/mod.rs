//! Remote JSON Web Key Sets with jose's `createRemoteJWKSet` semantics: fetched on first use,
//! refetched when older than `cacheMaxAge`, refetched once on an unknown `kid` after the
//! cooldown, concurrent reloads share one request, failures are not cached.

use crate::http::{self, Failure, Limits, Redirects};
use crate::jose::{key_type_of, JoseError, VerificationKey};
use crate::metadata::fetch::parse_json_body;
use reqwest::Url;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

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

fn millis(value: &Value) -> Option<Duration> {
    value.as_f64().filter(|ms| ms.is_finite() && *ms >= 0.0).map(|ms| Duration::from_millis(ms as u64))
}

impl JwksOptions {
    /// Reads jose's `RemoteJWKSetOptions` (JSON form; `Infinity` arrives as `null` or a string).
    pub fn from_json(options: &Value) -> Self {
        let mut parsed = Self::default();
        let Some(map) = options.as_object() else { return parsed };
        if let Some(t) = map.get("timeoutDuration").and_then(millis) {
            parsed.timeout = t;
        }
        if let Some(c) = map.get("cooldownDuration").and_then(millis) {
            parsed.cooldown = c;
        }
        if let Some(grace) = map.get("staleIfError").and_then(millis) {
            parsed.stale_if_error = grace;
        }
        match map.get("cacheMaxAge") {
            Some(Value::String(s)) if s == "Infinity" => parsed.max_age = None,
            Some(v) => {
                if let Some(age) = millis(v) {
                    parsed.max_age = Some(age);
                }
            }
            None => {}
        }
        if let Some(headers) = map.get("headers").and_then(Value::as_object) {
            parsed.headers =
                headers.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect();
        }
        parsed
    }

    fn request_headers(&self) -> Vec<(String, String)> {
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

/// One JWK of the set: the members jose filters on (read once), and the key parsed once.
#[derive(Debug)]
struct KeyEntry {
    jwk: Map<String, Value>,
    filter: KeyFilter,
    key: Result<Arc<VerificationKey>, String>,
}

/// The JWK members jose's `isUsableJWK` looks at: string members (`None` when absent or not a
/// string), and what the others allow regardless of the token.
#[derive(Debug)]
struct KeyFilter {
    kty: Option<String>,
    kid: Option<String>,
    crv: Option<String>,
    /// `None` = no `alg` member (any algorithm); `Some(None)` = a non-string `alg` (none).
    alg: Option<Option<String>>,
    /// `use`, `key_ops` and `ext` allow verifying.
    verifies: bool,
}

impl KeyFilter {
    fn of(jwk: &Map<String, Value>) -> Self {
        let string = |name: &str| jwk.get(name).and_then(Value::as_str).map(str::to_string);
        let use_ok = jwk.get("use").is_none_or(|u| u.as_str() == Some("sig"));
        let ops_ok = match jwk.get("key_ops") {
            None => true,
            Some(Value::Array(ops)) => {
                let names: Option<Vec<&str>> = ops.iter().map(Value::as_str).collect();
                names.is_some_and(|n| n.contains(&"verify") && n.iter().enumerate().all(|(i, op)| !n[..i].contains(op)))
            }
            Some(_) => false,
        };
        let ext_ok = jwk.get("ext").is_none_or(Value::is_boolean);
        Self {
            kty: string("kty"),
            kid: string("kid"),
            crv: string("crv"),
            alg: jwk.get("alg").map(|a| a.as_str().map(str::to_string)),
            verifies: use_ok && ops_ok && ext_ok,
        }
    }

    /// jose's `isUsableJWK`.
    fn usable_for(&self, alg: &str, kid: Option<&Value>) -> bool {
        let Some(key_type) = key_type_of(alg) else { return false };
        let kid_ok = match kid {
            None => true,
            Some(Value::String(kid)) => self.kid.as_deref() == Some(kid.as_str()),
            Some(_) => false,
        };
        self.verifies
            && kid_ok
            && self.kty.as_deref() == Some(key_type.kty())
            && self.alg.as_ref().is_none_or(|a| a.as_deref() == Some(alg))
            && key_type.curve().is_none_or(|crv| self.crv.as_deref() == Some(crv))
    }
}

/// A parsed key set (`{ keys: object[] }`).
#[derive(Debug)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
}

impl KeySet {
    pub fn parse(document: &Value) -> Result<Self, JoseError> {
        let malformed = || JoseError::new("ERR_JWKS_INVALID", "JSON Web Key Set malformed");
        let keys = document.get("keys").and_then(Value::as_array).ok_or_else(malformed)?;
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            let jwk = key.as_object().ok_or_else(malformed)?.clone();
            // HMAC secrets never come from a JWKS: only public key types are imported.
            let key = match jwk.get("kty").and_then(Value::as_str) {
                Some("oct") => Err("symmetric keys are not accepted from a JWKS".to_string()),
                _ => VerificationKey::from_jwk(&jwk).map(Arc::new),
            };
            entries.push(KeyEntry { filter: KeyFilter::of(&jwk), jwk, key });
        }
        Ok(Self { entries })
    }

    /// Whether every key of `other` is still in this set.
    fn contains_all(&self, other: &KeySet) -> bool {
        other.entries.iter().all(|old| self.entries.iter().any(|new| new.jwk == old.jwk))
    }

    /// What each key is and whether it can verify signatures here (for diagnostics).
    pub fn describe(&self) -> Vec<Value> {
        self.entries
            .iter()
            .map(|entry| {
                let mut report = Map::new();
                for member in ["kid", "kty", "alg", "crv", "use"] {
                    if let Some(value) = entry.jwk.get(member) {
                        report.insert(member.into(), value.clone());
                    }
                }
                match &entry.key {
                    Ok(key) => {
                        if let Some(bits) = key.rsa_bits() {
                            report.insert("bits".into(), bits.into());
                        }
                        report.insert("usable".into(), key.usable().is_ok().into());
                        if let Err(reason) = key.usable() {
                            report.insert("problem".into(), reason.into());
                        }
                    }
                    Err(reason) => {
                        report.insert("usable".into(), false.into());
                        report.insert("problem".into(), reason.clone().into());
                    }
                }
                Value::Object(report)
            })
            .collect()
    }

    /// jose's key selection for a token's `alg` and `kid`.
    pub fn select(&self, alg: &str, kid: Option<&Value>) -> Result<Arc<VerificationKey>, JoseError> {
        match key_type_of(alg) {
            None | Some(crate::jose::KeyType::Oct) => {
                return Err(JoseError::new(
                    "ERR_JOSE_NOT_SUPPORTED",
                    "Unsupported \"alg\" value for a JSON Web Key Set",
                ))
            }
            Some(_) => {}
        }
        let mut candidates = self.entries.iter().filter(|e| e.filter.usable_for(alg, kid));
        let first = candidates.next().ok_or_else(|| {
            JoseError::new("ERR_JWKS_NO_MATCHING_KEY", "no applicable key found in the JSON Web Key Set")
        })?;
        if candidates.next().is_some() {
            return Err(JoseError::new(
                "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
                "multiple matching keys found in the JSON Web Key Set",
            ));
        }
        first.key.clone().map_err(JoseError::other)
    }
}

type ReloadOutcome = Result<Arc<KeySet>, JoseError>;

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Instant>,
    /// When the last fetch failed (serving stale keys skips refetching for a cooldown after it).
    failed_at: Option<Instant>,
    /// Counts successful fetches: anything verified against an older set is stale.
    generation: u64,
    reload: Option<Arc<OnceCell<ReloadOutcome>>>,
}

/// What a lookup without waiting found.
pub enum CachedLookup {
    /// Answered from the cache (a key, or a definite failure).
    Ready(Result<Arc<VerificationKey>, JoseError>),
    /// The set must be (re)fetched first.
    NeedsFetch,
}

pub struct RemoteKeySet {
    url: Url,
    options: JwksOptions,
    state: Mutex<State>,
}

impl RemoteKeySet {
    pub fn new(url: Url, options: JwksOptions) -> Self {
        Self { url, options, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, state: &State) -> bool {
        match (state.fetched_at, self.options.max_age) {
            (Some(_), None) => true,
            (Some(at), Some(max)) => at.elapsed() < max,
            (None, _) => false,
        }
    }

    /// A stale set that stale-if-error still allows, while its provider is failing.
    fn stale_keys(&self, state: &State) -> Option<Arc<KeySet>> {
        let (Some(keys), Some(at), Some(max)) = (state.keys.as_ref(), state.fetched_at, self.options.max_age) else {
            return None;
        };
        (!self.options.stale_if_error.is_zero() && at.elapsed() < max + self.options.stale_if_error)
            .then(|| keys.clone())
    }

    fn cooling_down(&self, state: &State) -> bool {
        state.fetched_at.is_some_and(|at| at.elapsed() < self.options.cooldown)
    }

    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    /// How long a fetched set is used (`None` = for ever).
    pub fn max_age(&self) -> Option<Duration> {
        self.options.max_age
    }

    /// The synchronous fast path: a fresh set answers, anything else asks for [`Self::lookup`].
    pub fn lookup_cached(&self, alg: &str, kid: Option<&Value>) -> CachedLookup {
        let state = self.state();
        let recently_failed = state.failed_at.is_some_and(|at| at.elapsed() < self.options.cooldown);
        let usable = match state.keys.as_ref().filter(|_| self.fresh(&state)) {
            Some(keys) => Some(keys.clone()),
            None if recently_failed => self.stale_keys(&state),
            None => None,
        };
        let Some(keys) = usable else { return CachedLookup::NeedsFetch };
        match keys.select(alg, kid) {
            Err(e) if e.code == "ERR_JWKS_NO_MATCHING_KEY" && !self.cooling_down(&state) => CachedLookup::NeedsFetch,
            result => CachedLookup::Ready(result),
        }
    }

    /// jose's `getKey`: reload when stale, select, and on a `kid` miss reload once (after cooldown).
    pub async fn lookup(&self, alg: &str, kid: Option<&Value>) -> Result<Arc<VerificationKey>, JoseError> {
        let cached = {
            let state = self.state();
            state.keys.clone().filter(|_| self.fresh(&state))
        };
        let keys = match cached {
            Some(keys) => keys,
            None => match self.reload().await {
                Ok(keys) => keys,
                Err(error) => self.stale_keys(&self.state()).ok_or(error)?,
            },
        };
        match keys.select(alg, kid) {
            Err(e) if e.code == "ERR_JWKS_NO_MATCHING_KEY" && !self.cooling_down(&self.state()) => {
                self.reload().await?.select(alg, kid)
            }
            result => result,
        }
    }

    /// Fetches the set once, outside any cache (the provider checker).
    pub async fn fetch_once(&self) -> ReloadOutcome {
        self.fetch().await
    }

    /// Fetches the set; concurrent callers share one request and its outcome.
    async fn reload(&self) -> ReloadOutcome {
        let cell = self.state().reload.get_or_insert_with(Default::default).clone();
        cell.get_or_init(|| async {
            let outcome = self.fetch().await;
            let mut state = self.state();
            match &outcome {
                Ok(keys) => {
                    // Tokens verified before stay good unless a key they may have used is gone
                    // (so a flood of unknown kids cannot flush the verified-token cache).
                    if state.keys.as_ref().is_some_and(|old| !keys.contains_all(old)) {
                        state.generation += 1;
                    }
                    state.keys = Some(keys.clone());
                    state.fetched_at = Some(Instant::now());
                    state.failed_at = None;
                }
                Err(_) => state.failed_at = Some(Instant::now()),
            }
            state.reload = None;
            outcome
        })
        .await
        .clone()
    }

    async fn fetch(&self) -> ReloadOutcome {
        let timed_out = || JoseError::new("ERR_JWKS_TIMEOUT", "request timed out");
        let too_large = || JoseError::new("ERR_JOSE_GENERIC", "JSON Web Key Set HTTP response is too large");
        let headers = self.options.request_headers();
        let (status, body) = match &self.options.custom_fetch {
            // The host's deadline (the signal it was given) and ours, whichever comes first.
            Some(CustomFetch(host)) => {
                let request = host.fetch(self.url.to_string(), headers, self.options.timeout);
                match tokio::time::timeout(self.options.timeout, request).await {
                    Err(_) | Ok(Err(HostFetchError::Timeout)) => return Err(timed_out()),
                    Ok(Err(HostFetchError::Failed(message))) => return Err(JoseError::other(message)),
                    Ok(Ok((_, body))) if body.len() > MAX_JWKS_BYTES => return Err(too_large()),
                    Ok(Ok(answer)) => answer,
                }
            }
            None => {
                let limits = Limits { timeout: self.options.timeout, max_body_bytes: MAX_JWKS_BYTES };
                let response =
                    http::get(&self.url, Redirects::Refuse, &headers, limits).await.map_err(
                        |failure| match failure {
                            Failure::Timeout(_) => timed_out(),
                            Failure::TooLarge(_) => too_large(),
                            Failure::Network(detail, _) => JoseError::other(format!("fetch failed: {detail}")),
                        },
                    )?;
                (response.status, response.body)
            }
        };
        if status != 200 {
            return Err(JoseError::new("ERR_JOSE_GENERIC", "Expected 200 OK from the JSON Web Key Set HTTP response"));
        }
        let document = parse_json_body(&body).map_err(|_| {
            JoseError::new("ERR_JOSE_GENERIC", "Failed to parse the JSON Web Key Set HTTP response as JSON")
        })?;
        KeySet::parse(&document).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    fn set() -> KeySet {
        KeySet::parse(&json!({ "keys": [
            { "kty": "RSA", "kid": "a", "n": N, "e": "AQAB" },
            { "kty": "RSA", "kid": "b", "n": N, "e": "AQAB", "use": "enc" },
            { "kty": "RSA", "kid": "c", "n": N, "e": "AQAB", "alg": "PS256" },
            { "kty": "oct", "kid": "h", "k": "c2VjcmV0" },
        ]}))
        .unwrap()
    }

    #[test]
    fn selects_by_kid_alg_and_use() {
        let keys = set();
        assert!(keys.select("RS256", Some(&json!("a"))).is_ok());
        assert_eq!(keys.select("RS256", Some(&json!("b"))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
        assert_eq!(keys.select("RS256", Some(&json!("c"))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
        assert!(keys.select("PS256", Some(&json!("c"))).is_ok());
        assert_eq!(keys.select("PS256", None).unwrap_err().code, "ERR_JWKS_MULTIPLE_MATCHING_KEYS");
        assert_eq!(keys.select("RS256", Some(&json!(7))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
    }

    #[test]
    fn hmac_and_none_are_never_served_from_a_jwks() {
        let keys = set();
        assert_eq!(keys.select("HS256", Some(&json!("h"))).unwrap_err().code, "ERR_JOSE_NOT_SUPPORTED");
        assert_eq!(keys.select("none", None).unwrap_err().code, "ERR_JOSE_NOT_SUPPORTED");
    }

    #[test]
    fn malformed_sets_are_rejected() {
        assert_eq!(KeySet::parse(&json!({})).unwrap_err().code, "ERR_JWKS_INVALID");
        assert_eq!(KeySet::parse(&json!({ "keys": [1] })).unwrap_err().code, "ERR_JWKS_INVALID");
    }

    #[test]
    fn options_from_json() {
        let options = JwksOptions::from_json(
            &json!({ "timeoutDuration": 100, "cacheMaxAge": "Infinity", "headers": { "Accept": "x" } }),
        );
        assert_eq!(options.timeout, Duration::from_millis(100));
        assert_eq!(options.max_age, None);
        assert_eq!(options.request_headers()[1], ("Accept".to_string(), "x".to_string()));
        assert!(options.request_headers()[0].1.starts_with("jose/v6"));
    }
}

#[cfg(test)]
mod server_tests;
