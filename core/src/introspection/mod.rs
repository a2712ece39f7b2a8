//! Opaque access tokens: RFC 7662 introspection at the authorization server, for
//! `bearerAuth('introspection')` and the JWT-first fallback of `bearerAuth('jwt', { introspection })`.
//! One call per distinct token at a time (concurrent requests share it), answers cached by the
//! token's hash, failures never cached.

mod answer;
mod cache;
mod request;

pub use answer::{read_body, Answer, AnswerRules, Introspected};
pub use request::ClientAuth;

use crate::bearer::token_refused;
use crate::bearer::ScopeClaims;
use crate::error::{AuthError, AuthResult, ServerFault};
use crate::http::{self, Failure, FetchLimits};
use crate::jose::base64url_decode;
use crate::mcp_auth::{McpAuth, ServerConfig};
use crate::store::store_key;
use crate::sync::lock;
use answer::endpoint_failure;
use cache::{digest, AnswerCache, TokenDigest, MAX_CACHE_BYTES};
use reqwest::Url;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

/// Answers are capped like any document this library fetches.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The `introspection` option of `bearerAuth`.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrospectionOptions {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// `client_secret_basic`, `client_secret_post` or `none`; default basic with a secret, else none.
    pub auth_method: Option<String>,
    /// Which of the resource's authorization servers to ask (required when it has several).
    pub issuer: Option<String>,
    /// Default: the server metadata's `introspection_endpoint`.
    pub endpoint: Option<String>,
    pub cache_max_age: Duration,
    pub inactive_cache_max_age: Duration,
    pub timeout: Duration,
    pub max_entries: usize,
}

impl Default for IntrospectionOptions {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            auth_method: None,
            issuer: None,
            endpoint: None,
            cache_max_age: Duration::from_secs(60),
            inactive_cache_max_age: Duration::ZERO,
            timeout: Duration::from_secs(5),
            max_entries: 10_000,
        }
    }
}

/// Whether the JWT-first fallback verifies `token` locally: exactly three base64url segments
/// whose first decodes to a JSON object with a string `alg`. Anything else is introspected.
pub fn is_jwt(token: &str) -> bool {
    let mut segments = token.split('.');
    let (Some(header), Some(_), Some(_), None) = (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return false;
    };
    let base64url = |segment: &str| segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !token.split('.').all(base64url) {
        return false;
    }
    base64url_decode(header)
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|header| header.get("alg").is_some_and(Value::is_string))
}

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

type Flight = Arc<OnceCell<AuthResult<Answer>>>;

/// The introspection of one middleware: the server it asks, how, and what it remembers.
pub struct Introspector {
    auth: Arc<McpAuth>,
    server: ServerConfig,
    issuer: String,
    endpoint: Option<Url>,
    client: ClientAuth,
    options: IntrospectionOptions,
    clock_tolerance: f64,
    scope_claims: Option<ScopeClaims>,
    answers: AnswerCache,
    in_flight: Mutex<HashMap<TokenDigest, Flight>>,
}

fn setup_error(why: impl Into<String>) -> AuthError {
    AuthError::invalid_server_config(why)
}

impl Introspector {
    /// Checks the option against the resource's servers: every mistake the configuration alone
    /// shows is an error now, not on a request.
    pub fn new(
        auth: Arc<McpAuth>,
        verifier: usize,
        options: IntrospectionOptions,
        clock_tolerance: f64,
        scope_claims: Option<ScopeClaims>,
    ) -> AuthResult<Self> {
        let client = client_auth(&options)?;
        let servers = auth.servers(verifier);
        let issuers: Vec<String> = servers.iter().map(ServerConfig::issuer_text).collect();
        let server = match &options.issuer {
            Some(issuer) => servers.iter().find(|server| server.issuer_text() == *issuer).ok_or_else(|| {
                setup_error(format!(
                    "`introspection.issuer` (`{issuer}`) is not an authorization server of the resource ({}).",
                    issuers.join(", ")
                ))
            })?,
            None if servers.len() == 1 => &servers[0],
            None => {
                return Err(setup_error(format!(
                    "`introspection.issuer` must name which authorization server to ask: the resource has {} ({}).",
                    servers.len(),
                    issuers.join(", ")
                )))
            }
        };
        let endpoint = match &options.endpoint {
            Some(endpoint) => Some(
                Url::parse(endpoint)
                    .map_err(|_| setup_error(format!("`introspection.endpoint` is not a URL: `{endpoint}`.")))?,
            ),
            None => None,
        };
        if let (None, ServerConfig::Resolved { metadata }) = (&endpoint, server) {
            if !metadata.get("introspectionEndpoint").is_some_and(Value::is_string) {
                return Err(setup_error(format!(
                    "The metadata of `{}` has no `introspection_endpoint`: give `introspection.endpoint`.",
                    server.issuer_text()
                )));
            }
        }
        let answers = AnswerCache::new(options.max_entries, MAX_CACHE_BYTES);
        let (server, issuer) = (server.clone(), server.issuer_text());
        let in_flight = Mutex::default();
        Ok(Self { auth, server, issuer, endpoint, client, options, clock_tolerance, scope_claims, answers, in_flight })
    }

    /// The token's answer: `Ok(None)` when the endpoint must be asked but `may_wait` is false.
    /// `warning`: the metadata warning when this call discovered the server.
    pub async fn introspect(
        &self,
        token: &str,
        may_wait: bool,
        warning: &mut Option<String>,
    ) -> AuthResult<Option<Arc<Introspected>>> {
        let digest = digest(token);
        let answer = match self.answers.get(&digest, now_ms()) {
            Some(answer) => answer,
            None if !may_wait => return Ok(None),
            None => {
                let flight = lock(&self.in_flight).entry(digest).or_default().clone();
                let answer = flight
                    .get_or_init(|| async {
                        let answer = self.ask_shared(token, warning).await;
                        if let Ok(answer) = &answer {
                            self.remember(digest, answer);
                        }
                        lock(&self.in_flight).remove(&digest);
                        answer
                    })
                    .await;
                answer.clone()?
            }
        };
        match answer {
            Answer::Active(introspected, _) => Ok(Some(introspected)),
            Answer::Inactive => Err(token_refused("The authorization server reports the token as not active.")),
        }
    }

    /// How long `answer` may be reused from now (`None`: not at all): active answers up to
    /// `cacheMaxAge` and never past `exp`, inactive ones up to `inactiveCacheMaxAge`.
    fn reuse_for(&self, answer: &Answer, now: f64) -> Option<Duration> {
        let until = match answer {
            Answer::Active(_, exp) => {
                let until = now + self.options.cache_max_age.as_secs_f64() * 1000.0;
                exp.map_or(until, |exp| until.min(exp * 1000.0))
            }
            Answer::Inactive => now + self.options.inactive_cache_max_age.as_secs_f64() * 1000.0,
        };
        (until > now).then(|| Duration::from_secs_f64((until - now) / 1000.0))
    }

    fn remember(&self, digest: TokenDigest, answer: &Answer) {
        let now = now_ms();
        if let Some(reuse) = self.reuse_for(answer, now) {
            self.answers.insert(digest, answer.clone(), now + reuse.as_secs_f64() * 1000.0);
        }
    }

    /// [`Self::ask`] through the shared store, when `MCPAuth` has one: an answer another instance
    /// stored is checked again now and used; a new one is stored (awaited) before it is used.
    /// A store that fails or hangs only costs its timeout: the provider is asked directly.
    async fn ask_shared(&self, token: &str, warning: &mut Option<String>) -> AuthResult<Answer> {
        let endpoint = self.endpoint(warning).await?;
        let Some(store) = self.auth.store() else { return self.ask(token, &endpoint).await };
        let key = store_key("introspection", &[endpoint.as_str(), self.client.id(), token]);
        if let Ok(Some(stored)) = store.get(&key).await {
            if let Ok(answer) = read_body(stored.into_bytes(), &self.rules(now_ms() / 1000.0)) {
                return Ok(answer);
            }
        }
        let answer = self.ask(token, &endpoint).await?;
        if let Some(reuse) = self.reuse_for(&answer, now_ms()) {
            let text = match &answer {
                Answer::Active(introspected, _) => introspected.auth_info.claims.text.clone(),
                Answer::Inactive => r#"{"active":false}"#.to_string(),
            };
            // A failed write only means the other instances ask the provider themselves.
            let _ = store.set(&key, text, reuse).await;
        }
        Ok(answer)
    }

    fn rules(&self, now_seconds: f64) -> AnswerRules<'_> {
        AnswerRules {
            issuer: &self.issuer,
            now_seconds,
            clock_tolerance: self.clock_tolerance,
            scope_claims: self.scope_claims.as_ref(),
        }
    }

    async fn endpoint(&self, warning: &mut Option<String>) -> AuthResult<Url> {
        if let Some(endpoint) = &self.endpoint {
            return Ok(endpoint.clone());
        }
        let loaded = self.auth.metadata_of(&self.server, true).await;
        let (metadata, fetched_warning) = loaded
            .map_err(crate::pipeline::not_json_is_invalid_metadata)?
            .ok_or_else(|| AuthError::type_error("metadata unavailable"))?;
        *warning = fetched_warning;
        let misconfigured = |why: String| endpoint_failure(why, ServerFault::Misconfigured);
        match metadata.get("introspectionEndpoint") {
            Some(Value::String(endpoint)) => Url::parse(endpoint)
                .map_err(|_| misconfigured(format!("The `introspection_endpoint` of `{}` is not a URL.", self.issuer))),
            _ => Err(misconfigured(format!("The metadata of `{}` has no `introspection_endpoint`.", self.issuer))),
        }
    }

    async fn ask(&self, token: &str, endpoint: &Url) -> AuthResult<Answer> {
        let limits = FetchLimits { timeout: self.options.timeout, max_body_bytes: MAX_ANSWER_BYTES };
        let response = http::post_form(endpoint, &self.client.headers(), self.client.form(token), limits).await;
        let response = response.map_err(|failure| match failure {
            Failure::TooLarge(cap) => endpoint_failure(
                format!("The introspection answer is larger than {cap} bytes."),
                ServerFault::Misconfigured,
            ),
            other => endpoint_failure(format!("The introspection endpoint failed: {other}."), ServerFault::Unreachable),
        })?;
        match response.status {
            200..=299 => {}
            status => {
                let fault = if status >= 500 { ServerFault::Unreachable } else { ServerFault::Misconfigured };
                return Err(endpoint_failure(format!("The introspection endpoint answered {status}."), fault));
            }
        }
        read_body(response.body, &self.rules(now_ms() / 1000.0))
    }
}

fn client_auth(options: &IntrospectionOptions) -> AuthResult<ClientAuth> {
    let id = options.client_id.clone().filter(|id| !id.is_empty()).ok_or_else(|| {
        setup_error("`introspection.clientId` is required: the client the resource server introspects as.")
    })?;
    let secret = options.client_secret.clone().filter(|secret| !secret.is_empty());
    let needs_secret = |method: &str| {
        setup_error(format!("`introspection.authMethod` `{method}` needs `introspection.clientSecret`."))
    };
    match (options.auth_method.as_deref(), secret) {
        (None | Some("client_secret_basic"), Some(secret)) => Ok(ClientAuth::Basic { id, secret }),
        (Some("client_secret_post"), Some(secret)) => Ok(ClientAuth::Post { id, secret }),
        (None | Some("none"), None) => Ok(ClientAuth::None { id }),
        (Some("none"), Some(_)) => {
            Err(setup_error("`introspection.authMethod` `none` sends no secret: remove `introspection.clientSecret`."))
        }
        (Some(method @ ("client_secret_basic" | "client_secret_post")), None) => Err(needs_secret(method)),
        (Some(other), _) => Err(setup_error(format!(
            "`introspection.authMethod` must be 'client_secret_basic', 'client_secret_post' or 'none', not `{other}`."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_counts_as_a_jwt() {
        let header = |json: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, json);
        let jwt = format!("{}.e30.c2ln", header(r#"{"alg":"RS256"}"#));
        assert!(is_jwt(&jwt));
        assert!(is_jwt(&format!("{}.e30.", header(r#"{"alg":"none"}"#))));
        for not_jwt in [
            "ya29.a0AfH6SMB".to_string(),
            format!("{}.e30.c2ln.x.y", header(r#"{"alg":"RSA-OAEP"}"#)),
            format!("{}.e30.c2ln", header(r#"{"alg":5}"#)),
            format!("{}.e30.c2ln", header(r#"["alg"]"#)),
            format!("{}.e3+0.c2ln", header(r#"{"alg":"RS256"}"#)),
            "opaque-token".to_string(),
        ] {
            assert!(!is_jwt(&not_jwt), "{not_jwt}");
        }
    }

    #[test]
    fn client_authentication_from_options() {
        let auth = |id: Option<&str>, secret: Option<&str>, method: Option<&str>| {
            client_auth(&IntrospectionOptions {
                client_id: id.map(str::to_string),
                client_secret: secret.map(str::to_string),
                auth_method: method.map(str::to_string),
                ..IntrospectionOptions::default()
            })
        };
        assert_eq!(
            auth(Some("rs"), Some("s"), None).unwrap(),
            ClientAuth::Basic { id: "rs".into(), secret: "s".into() }
        );
        assert_eq!(auth(Some("rs"), None, None).unwrap(), ClientAuth::None { id: "rs".into() });
        assert!(matches!(auth(Some("rs"), Some("s"), Some("client_secret_post")).unwrap(), ClientAuth::Post { .. }));
        for refused in [
            auth(None, Some("s"), None),
            auth(Some(""), Some("s"), None),
            auth(Some("rs"), None, Some("client_secret_basic")),
            auth(Some("rs"), Some("s"), Some("none")),
            auth(Some("rs"), Some("s"), Some("private_key_jwt")),
        ] {
            assert_eq!(refused.unwrap_err().code, "invalid_server_config");
        }
    }
}
