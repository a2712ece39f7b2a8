//! `MCPAuth`: the two modes, the constructor rules, the per-resource verifiers, the shared
//! metadata and JWKS caches, and the JWT bearer pipeline that runs on them.

use crate::bearer::{
    auth_info, parse_authorization, token_error, truthy, unverified_issuer, ErrorResponse, IssuerRule, Policy,
};
use crate::error::{AuthError, AuthResult};
use crate::jose::{check_claims, decode_payload, parse_compact, verify_signature, Claims, VerifyOptions};
use crate::jwks::{CachedLookup, JwksOptions, RemoteKeySet};
use crate::metadata::fetch::{fetch_server_config, DEFAULT_LIMITS};
use crate::metadata::validate::{validate_server_config, warnings_message, Validation};
use crate::metadata::well_known::{parse_url, well_known_url, ServerType};
use crate::snake_case::snake_case_keys;
use crate::token_cache::{self, TokenCache};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An authorization-server config as the shim hands it over (`'metadata' in cfg` decided in JS).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ServerConfig {
    Resolved {
        metadata: Metadata,
        #[serde(default, rename = "type")]
        server_type: String,
    },
    Discovery {
        #[serde(default)]
        issuer: Value,
        #[serde(default, rename = "type")]
        server_type: String,
    },
}

impl ServerConfig {
    /// `getIssuer`.
    pub fn issuer(&self) -> Option<&Value> {
        match self {
            Self::Resolved { metadata, .. } => metadata.get("issuer"),
            Self::Discovery { issuer, .. } => Some(issuer),
        }
    }

    fn issuer_text(&self) -> String {
        match self.issuer() {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "undefined".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceConfig {
    /// The resource metadata without `authorizationServers`.
    pub metadata: Map<String, Value>,
    #[serde(default)]
    pub authorization_servers: Vec<ServerConfig>,
}

/// The constructor argument, normalized by the shim.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// `'server' in config`.
    pub has_server: bool,
    /// `'protectedResources' in config`.
    pub has_protected_resources: bool,
    pub server: Option<ServerConfig>,
    #[serde(default)]
    pub protected_resources: Vec<ResourceConfig>,
}

/// Where a resolved config failed validation (so the shim can attach JS-side causes).
#[derive(Debug, Clone, PartialEq)]
pub enum ServerLocation {
    Server,
    Resource { resource: usize, server: usize },
}

#[derive(Debug)]
pub struct ConfigFailure {
    pub error: AuthError,
    pub invalid_metadata_at: Option<ServerLocation>,
}

pub struct Construction {
    /// `console.warn` lines, in order, printed even when construction fails.
    pub warnings: Vec<String>,
    pub result: Result<McpAuth, ConfigFailure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    AuthorizationServer,
    ResourceServer,
}

struct Verifier {
    servers: Vec<ServerConfig>,
}

impl Verifier {
    fn issuers(&self) -> Vec<String> {
        self.servers.iter().map(ServerConfig::issuer_text).collect()
    }
}

pub struct McpAuth {
    mode: Mode,
    has_protected_resources: bool,
    server: Option<ServerConfig>,
    /// Resource mode: (resource identifier, verifier); authorization-server mode: one entry.
    verifiers: Vec<(String, Verifier)>,
    metadata: MetadataCache,
    key_sets: Mutex<HashMap<String, Arc<RemoteKeySet>>>,
}

const DEPRECATED_MODE: &str = "The authorization server mode is deprecated. Please use resource server mode instead.";

fn validation_failure(validation: &Validation) -> AuthError {
    let mut cause = Map::new();
    if !validation.errors.is_empty() {
        cause.insert("errors".into(), json!(validation.errors));
    }
    cause.insert("warnings".into(), json!(validation.warnings));
    AuthError::auth_server("invalid_server_config").with_cause(Value::Object(cause))
}

/// Validates a resolved config up front; discovery configs are left for first use.
fn check_server(config: &ServerConfig, warnings: &mut Vec<String>) -> AuthResult<()> {
    let ServerConfig::Resolved { metadata, .. } = config else { return Ok(()) };
    let validation = validate_server_config(&Value::Object((**metadata).clone()), false);
    if !validation.is_valid {
        return Err(validation_failure(&validation));
    }
    if !validation.warnings.is_empty() {
        warnings.push(warnings_message(&config.issuer_text(), &validation.warnings));
    }
    Ok(())
}

fn resource_key(metadata: &Map<String, Value>) -> String {
    match metadata.get("resource") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "undefined".into(),
    }
}

impl McpAuth {
    /// Applies the constructor rules; the warnings are kept even when construction fails.
    pub fn construct(config: Config) -> Construction {
        let mut warnings = Vec::new();
        let result = Self::build(config, &mut warnings);
        Construction { warnings, result }
    }

    fn build(config: Config, warnings: &mut Vec<String>) -> Result<Self, ConfigFailure> {
        let plain = |error| ConfigFailure { error, invalid_metadata_at: None };
        let mut auth = Self {
            mode: Mode::ResourceServer,
            has_protected_resources: config.has_protected_resources,
            server: None,
            verifiers: Vec::new(),
            metadata: MetadataCache::default(),
            key_sets: Mutex::default(),
        };
        if config.has_server {
            warnings.push(DEPRECATED_MODE.into());
            let server = config.server.ok_or_else(|| {
                plain(AuthError::type_error("Cannot use 'in' operator to search for 'metadata' in undefined"))
            })?;
            check_server(&server, warnings)
                .map_err(|error| ConfigFailure { error, invalid_metadata_at: Some(ServerLocation::Server) })?;
            auth.mode = Mode::AuthorizationServer;
            auth.verifiers.push((String::new(), Verifier { servers: vec![server.clone()] }));
            auth.server = Some(server);
            return Ok(auth);
        }
        if !config.has_protected_resources {
            return Err(plain(AuthError::invalid_server_config(
                "No authorization server or protected resource metadata is provided.",
            )));
        }
        for (resource_index, resource) in config.protected_resources.iter().enumerate() {
            let key = resource_key(&resource.metadata);
            if auth.verifiers.iter().any(|(existing, _)| *existing == key) {
                return Err(plain(AuthError::invalid_server_config(format!(
                    "The resource metadata (`{key}`) is duplicated."
                ))));
            }
            let mut seen: Vec<String> = Vec::new();
            for (server_index, server) in resource.authorization_servers.iter().enumerate() {
                let issuer = server.issuer_text();
                if seen.contains(&issuer) {
                    return Err(plain(AuthError::invalid_server_config(format!(
                        "The authorization server (`{issuer}`) for resource `{key}` is duplicated."
                    ))));
                }
                seen.push(issuer);
                check_server(server, warnings).map_err(|error| ConfigFailure {
                    error,
                    invalid_metadata_at: Some(ServerLocation::Resource {
                        resource: resource_index,
                        server: server_index,
                    }),
                })?;
            }
            auth.verifiers.push((key, Verifier { servers: resource.authorization_servers.clone() }));
        }
        Ok(auth)
    }

    /// `bearerAuth` steps 2–3: which verifier serves `resource`.
    pub fn verifier_for(&self, resource: Option<&str>, exact: bool) -> AuthResult<usize> {
        let resource = resource.filter(|r| !r.is_empty());
        if self.has_protected_resources && resource.is_none() {
            return Err(AuthError::invalid_server_config(
                "A `resource` must be specified in the `bearerAuth` configuration when using a `protectedResources` configuration.",
            ));
        }
        if self.mode == Mode::AuthorizationServer {
            return Ok(0);
        }
        let resource = resource.unwrap_or_default();
        self.verifiers.iter().position(|(key, _)| exact && key == resource).ok_or_else(|| {
            AuthError::invalid_server_config(format!(
                "No token verifier found for the specified resource: `{resource}`. Please ensure that this resource is correctly configured in the `protectedResources` array in the MCPAuth constructor."
            ))
        })
    }

    pub fn trusted_issuers(&self, verifier: usize) -> Vec<String> {
        self.verifiers.get(verifier).map(|(_, v)| v.issuers()).unwrap_or_default()
    }

    /// `protectedResourceMetadataRouter()` exists only in resource-server mode.
    pub fn check_resource_router(&self) -> AuthResult<()> {
        match self.mode {
            Mode::ResourceServer => Ok(()),
            Mode::AuthorizationServer => Err(AuthError::invalid_server_config(
                "`protectedResourceMetadataRouter` is not available in `authorization server` mode.",
            )),
        }
    }

    fn delegated_server(&self) -> AuthResult<&ServerConfig> {
        match (&self.mode, &self.server) {
            (Mode::AuthorizationServer, Some(server)) => Ok(server),
            _ => Err(AuthError::invalid_server_config("`delegatedRouter` is not available in `resource server` mode.")),
        }
    }

    /// `delegatedRouter()` exists only in authorization-server mode.
    pub fn check_delegated_router(&self) -> AuthResult<()> {
        self.delegated_server().map(|_| ())
    }

    /// The body of `delegatedRouter()` for a discovery config (fetched through the shared cache).
    pub async fn delegated_discovered_body(&self) -> AuthResult<(Value, Option<String>)> {
        let server = self.delegated_server()?;
        let (metadata, warning) =
            self.metadata_of(server, true).await?.ok_or_else(|| AuthError::type_error("metadata unavailable"))?;
        Ok((snake_case_keys(Value::Object((*metadata).clone())), warning))
    }

    /// Metadata for a config: resolved at once, discovery from the cache or (if `may_wait`) fetched.
    /// `Ok(None)` means a fetch is needed but waiting is not allowed.
    async fn metadata_of(
        &self,
        server: &ServerConfig,
        may_wait: bool,
    ) -> AuthResult<Option<(Metadata, Option<String>)>> {
        match server {
            ServerConfig::Resolved { metadata, .. } => Ok(Some((metadata.clone(), None))),
            ServerConfig::Discovery { issuer, server_type } => {
                let issuer = issuer.as_str().map(str::to_string).unwrap_or_else(|| issuer.to_string());
                let key = (issuer, ServerType::from_name(server_type));
                if let Some(ready) = self.metadata.cached(&key) {
                    return Ok(Some((ready, None)));
                }
                if !may_wait {
                    return Ok(None);
                }
                self.metadata.load(key).await.map(Some)
            }
        }
    }

    fn key_set(&self, jwks_uri: &str, options: &JwksOptions) -> AuthResult<Arc<RemoteKeySet>> {
        let mut sets = lock(&self.key_sets);
        if let Some(set) = sets.get(jwks_uri) {
            return Ok(set.clone());
        }
        // The first middleware's options win for a URI, as in the reference.
        let set = Arc::new(RemoteKeySet::new(parse_url(jwks_uri)?, options.clone()));
        sets.insert(jwks_uri.to_string(), set.clone());
        Ok(set)
    }
}

/// Metadata (camelCase) shared by every user of a config.
type Metadata = Arc<Map<String, Value>>;
type Loaded = AuthResult<(Metadata, Option<String>)>;

/// Discovery metadata per (issuer, type), shared by every verifier and router of an instance.
/// Successes are kept for the process lifetime (as the reference); failures are not cached.
#[derive(Default)]
struct MetadataCache {
    ready: Mutex<HashMap<IssuerKey, Metadata>>,
    loading: Mutex<HashMap<IssuerKey, Arc<OnceCell<Loaded>>>>,
}

type IssuerKey = (String, ServerType);

impl MetadataCache {
    fn cached(&self, key: &IssuerKey) -> Option<Metadata> {
        lock(&self.ready).get(key).cloned()
    }

    async fn load(&self, key: IssuerKey) -> Loaded {
        let cell = lock(&self.loading).entry(key.clone()).or_default().clone();
        let mut initialized_here = false;
        let outcome = cell
            .get_or_init(|| async {
                initialized_here = true;
                let outcome = discover(&key.0, key.1).await;
                if let Ok((metadata, _)) = &outcome {
                    lock(&self.ready).insert(key.clone(), metadata.clone());
                }
                lock(&self.loading).remove(&key);
                outcome
            })
            .await
            .clone();
        // Only the caller that fetched reports the warnings (one warning per fetch).
        outcome.map(|(metadata, warning)| (metadata, warning.filter(|_| initialized_here)))
    }
}

async fn discover(issuer: &str, server_type: ServerType) -> Loaded {
    let url = well_known_url(issuer, server_type)?;
    let resolved = fetch_server_config(url.as_str(), server_type, DEFAULT_LIMITS).await?;
    let validation = validate_server_config(&Value::Object(resolved.metadata.clone()), false);
    if !validation.is_valid {
        return Err(validation_failure(&validation));
    }
    let warning = (!validation.warnings.is_empty())
        .then(|| warnings_message(resolved.field("issuer").unwrap_or_default(), &validation.warnings));
    Ok((Arc::new(resolved.metadata), warning))
}

/// What the middleware does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Set `req.auth` to this `AuthInfo` (JSON) and call `next()`.
    Authenticated(Arc<str>),
    /// Write this error answer.
    Rejected(ErrorResponse),
    /// Reject the middleware's promise with this error (nothing written).
    Rethrow(AuthError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub decision: Decision,
    /// A `console.warn` line produced on the way (metadata fetched with warnings).
    pub warning: Option<String>,
}

/// `bearerAuth('jwt', …)`: one verifier of an `MCPAuth`, its policy and jose options.
pub struct JwtBearer {
    auth: Arc<McpAuth>,
    verifier: usize,
    policy: Policy,
    options: VerifyOptions,
    jwks_options: JwksOptions,
    /// Tokens that passed every check of this middleware (`None` = turned off).
    verified: Option<TokenCache>,
}

enum Step<T> {
    Done(T),
    /// Must wait for the network, which the caller did not allow.
    Wait,
}

/// A token that passed verification and the policy, ready for `req.auth`.
struct Verified {
    auth_info: Arc<str>,
}

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

impl JwtBearer {
    pub fn new(
        auth: Arc<McpAuth>,
        verifier: usize,
        mut policy: Policy,
        options: VerifyOptions,
        jwks_options: JwksOptions,
        cache_limits: Option<token_cache::Limits>,
    ) -> Self {
        policy.issuer = IssuerRule::Trusted(auth.trusted_issuers(verifier));
        // A fixed `currentDate` makes validity independent of time: nothing to cache by expiry.
        let verified = cache_limits.filter(|_| options.current_date_ms.is_none()).map(TokenCache::new);
        Self { auth, verifier, policy, options, jwks_options, verified }
    }

    /// The issuer/audience/scope policy and how failures are answered.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers without waiting when everything needed is cached; `None` means call
    /// [`Self::authenticate`] instead.
    pub fn try_authenticate_now(&self, header: Option<&str>) -> Option<Outcome> {
        let mut future = std::pin::pin!(self.run(header, false));
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Step::Done(outcome)) => Some(outcome),
            // Without permission to wait, `run` never suspends; Pending cannot happen.
            Poll::Ready(Step::Wait) | Poll::Pending => None,
        }
    }

    pub async fn authenticate(&self, header: Option<&str>) -> Outcome {
        match self.run(header, true).await {
            Step::Done(outcome) => outcome,
            Step::Wait => Outcome {
                decision: Decision::Rethrow(AuthError::type_error("authentication could not complete")),
                warning: None,
            },
        }
    }

    /// Verification only (the `'jwt'` verify function when a runtime `issuer` override makes the
    /// shim run the generic `handleBearerAuth`): resolves to AuthInfo JSON.
    pub async fn verify_token(&self, token: &str) -> AuthResult<Arc<str>> {
        let header = format!("Bearer {token}");
        match self.decide(Some(&header), true, false, &mut None).await {
            Step::Done(result) => result.map(|verified| verified.auth_info),
            Step::Wait => Err(AuthError::type_error("authentication could not complete")),
        }
    }

    async fn run(&self, header: Option<&str>, may_wait: bool) -> Step<Outcome> {
        let mut warning = None;
        let decision = match self.decide(header, may_wait, true, &mut warning).await {
            Step::Wait => return Step::Wait,
            Step::Done(Ok(verified)) => Decision::Authenticated(verified.auth_info),
            Step::Done(Err(error)) => match self.policy.respond(error) {
                Ok(response) => Decision::Rejected(response),
                Err(error) => Decision::Rethrow(error),
            },
        };
        Step::Done(Outcome { decision, warning })
    }

    /// Until when a verified token may be answered from the cache (epoch ms): its `exp`, the
    /// `maxTokenAge` limit, and never past the key set's max age.
    fn cacheable_until(&self, claims: &Claims, key_set: &RemoteKeySet) -> f64 {
        let now = now_ms();
        let number = |name: &str| claims.get(name).and_then(Value::as_f64);
        let mut until = key_set.max_age().map_or(f64::INFINITY, |age| now + age.as_secs_f64() * 1000.0);
        if let Some(exp) = number("exp") {
            until = until.min(exp * 1000.0);
        }
        if let (Some(max_age), Some(iat)) = (self.options.max_token_age, number("iat")) {
            until = until.min((iat + max_age) * 1000.0);
        }
        until
    }

    async fn decide(
        &self,
        header: Option<&str>,
        may_wait: bool,
        apply_policy: bool,
        warning: &mut Option<String>,
    ) -> Step<AuthResult<Verified>> {
        macro_rules! attempt {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return Step::Done(Err(e)),
                }
            };
        }
        let token = attempt!(parse_authorization(header));
        if let Some(auth_info) =
            self.verified.as_ref().filter(|_| apply_policy).and_then(|cache| cache.get(token, now_ms()))
        {
            return Step::Done(Ok(Verified { auth_info }));
        }
        let claims = token.split('.').nth(1).filter(|_| token.split('.').count() == 3).and_then(decode_payload);
        let issuer = attempt!(unverified_issuer(claims.as_ref())).clone();
        attempt!(self.policy.issuer.check(Some(&issuer)));
        let Some((_, verifier)) = self.auth.verifiers.get(self.verifier) else {
            return Step::Done(Err(AuthError::type_error("unknown verifier")));
        };
        let Some(server) = verifier.servers.iter().find(|s| s.issuer() == Some(&issuer)) else {
            return Step::Done(Err(AuthError::type_error("no configuration for a trusted issuer")));
        };
        let metadata = match attempt!(self.auth.metadata_of(server, may_wait).await) {
            Some((metadata, fetched_warning)) => {
                *warning = fetched_warning;
                metadata
            }
            None => return Step::Wait,
        };
        let jwks_uri = match metadata.get("jwksUri").filter(|v| truthy(v)) {
            Some(Value::String(uri)) => uri.clone(),
            Some(other) => other.to_string(),
            None => {
                let issuer_text = issuer.as_str().map(str::to_string).unwrap_or_else(|| issuer.to_string());
                return Step::Done(Err(AuthError::auth_server("missing_jwks_uri").with_cause(json!({
                    "cause": format!("The authorization server (`{issuer_text}`) does not have a JWKS URI configured.")
                }))));
            }
        };
        let jws = attempt!(parse_compact(token, &self.options).map_err(|e| token_error(&e)));
        // A `jwksUri` that is not a URL fails like the reference's `new URL(jwksUri)`: a
        // TypeError, rethrown (a 500), not a token error.
        let key_set = attempt!(self.auth.key_set(&jwks_uri, &self.jwks_options));
        let key = match key_set.lookup_cached(&jws.alg, jws.kid_value()) {
            CachedLookup::Ready(key) => key,
            CachedLookup::NeedsFetch if may_wait => key_set.lookup(&jws.alg, jws.kid_value()).await,
            CachedLookup::NeedsFetch => return Step::Wait,
        };
        let generation = key_set.generation();
        let key = attempt!(key.map_err(|e| token_error(&e)));
        attempt!(verify_signature(&jws, &key).map_err(|e| token_error(&e)));
        // The payload decoded for the pre-check is the one whose signature just verified.
        let Some(claims) = claims else {
            return Step::Done(Err(AuthError::type_error("claims missing after the pre-check")));
        };
        let claims = attempt!(check_claims(&jws, claims, &self.options).map_err(|e| token_error(&e)));
        let cacheable_until = self.cacheable_until(&claims, &key_set);
        let info = attempt!(auth_info(claims));
        if apply_policy {
            attempt!(self.policy.check(info.issuer(), info.audience(), Some(&info.scopes)));
        }
        let auth_info: Arc<str> = Arc::from(info.to_json());
        if let Some(cache) = self.verified.as_ref().filter(|_| apply_policy) {
            cache.insert(token, auth_info.clone(), cacheable_until, key_set, generation);
        }
        Step::Done(Ok(Verified { auth_info }))
    }
}
