//! The one request pipeline. A front door hands it the request as the pipeline reads it and writes
//! back the decision it returns. The steps, in order:
//! header → token → verified-token cache → unverified issuer (trusted before any fetch) →
//! metadata → key → signature → claims → `AuthInfo` → policy → answer. An opaque token goes to
//! introspection instead (answer cache → endpoint → `AuthInfo` → policy). A token checked by the
//! caller's own verify function leaves after the token step and comes back for the policy.

use crate::bearer::bearer_error;
use crate::bearer::{
    parse_scheme_and_token, unverified_issuer, Answers, AuthInfo, IssuerRule, Policy, Scheme, ScopeClaims, Thrown,
};
use crate::bearer::{token_error, token_refused, AuthInfoJson};
use crate::dpop::DpopOptions;
use crate::error::{AuthError, ErrorKind};
use crate::introspection::{is_jwt, Introspector};
use crate::jose::{decode_payload, parse_compact, Claims, VerifyOptions};
use crate::js_value::truthy;
use crate::jwks::{CachedLookup, JwksOptions, RemoteKeySet};
use crate::jwt::verify_access_token;
use crate::mcp_auth::McpAuth;
use crate::operation::{resolve, OperationInput};
use crate::profile::{check_times, parse_credentials, Profile};
use crate::store::SharedStore;
use crate::token_cache::{TokenCache, TokenCacheLimits};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{SystemTime, UNIX_EPOCH};

/// A request as the pipeline reads it. Today the checks read the `Authorization` header only; what
/// else every framework knows (the method and URL for sender-constrained tokens, the JSON-RPC
/// operation for per-operation scopes) joins this type with the check that reads it, so that no
/// request pays to carry it across the addon boundary before (measured: two strings more cost
/// about 0.15 µs per request, 5–9 % of a cached one).
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub authorization: Option<&'a str>,
    /// The JSON-RPC operation as the door read it; only middlewares with `operationScopes` get
    /// (and read) it.
    pub operation: Option<&'a OperationInput>,
    /// The method, URL and `DPoP` header; only middlewares with `dpop` get (and read) them.
    pub sender: Option<&'a SenderInput>,
}

/// What the front door does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Hand the `AuthInfo` on (`Some`: the core's, as JSON; `None`: the caller's own, which
    /// passed the policy) and continue.
    Authenticated(Option<Arc<AuthInfoJson>>),
    /// The token goes to the caller's verify function; its result comes back to
    /// [`Guard::conclude`].
    VerifyToken,
    /// Write this error answer.
    Answer(crate::bearer::ErrorResponse),
    /// Fail with this error, nothing written (`None`: the error the caller raised).
    Rethrow(Option<AuthError>),
    /// Metadata or keys must be fetched first: ask again with [`Guard::decide`].
    FetchFirst,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub decision: Decision,
    /// A `console.warn` line produced on the way (metadata fetched with warnings).
    pub warning: Option<String>,
}

/// Why a request left the pipeline before `AuthInfo`.
enum Halt {
    Failed(AuthError),
    FetchFirst,
    VerifyToken,
}

impl From<AuthError> for Halt {
    fn from(error: AuthError) -> Self {
        Self::Failed(error)
    }
}

/// Always, unlike the reference (which rethrows the `SyntaxError`): discovered metadata that is not
/// JSON is an authorization-server failure, answered 500 like an invalid document.
pub(crate) fn not_json_is_invalid_metadata(error: AuthError) -> AuthError {
    match error.kind {
        ErrorKind::Syntax => AuthError::auth_server("invalid_server_metadata")
            .with_cause(json!({ "message": error.message.unwrap_or_default() })),
        _ => error,
    }
}

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The JWT verification of one `MCPAuth` verifier: its trusted issuers, their metadata and keys.
pub struct JwtVerifier {
    auth: Arc<McpAuth>,
    verifier: usize,
    trusted: IssuerRule,
    options: VerifyOptions,
    jwks_options: JwksOptions,
    scope_claims: Option<ScopeClaims>,
}

/// What the token step produced. Lives on the stack for one request: boxing the larger variant
/// would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Checked {
    Jwt(Verified),
    Introspected(Arc<crate::introspection::Introspected>),
}

/// A token that passed verification, and until when that may be remembered.
struct Verified {
    auth_info: AuthInfo,
    cacheable_until: f64,
    key_set: Arc<RemoteKeySet>,
    generation: u64,
}

impl JwtVerifier {
    pub fn new(auth: Arc<McpAuth>, verifier: usize, options: VerifyOptions, jwks_options: JwksOptions) -> Self {
        let trusted = IssuerRule::Trusted(auth.trusted_issuers(verifier));
        Self { auth, verifier, trusted, options, jwks_options, scope_claims: None }
    }

    /// Scopes read from these claims instead of `scope` / `scopes`.
    pub fn with_scope_claims(mut self, scope_claims: Option<ScopeClaims>) -> Self {
        self.scope_claims = scope_claims;
        self
    }

    pub fn clock_tolerance(&self) -> f64 {
        self.options.clock_tolerance
    }

    /// The issuers this verifier trusts (the default issuer rule of its middleware).
    pub fn trusted(&self) -> &IssuerRule {
        &self.trusted
    }

    async fn verify(&self, token: &str, may_wait: bool, warning: &mut Option<String>) -> Result<Verified, Halt> {
        let claims = token.split('.').nth(1).filter(|_| token.split('.').count() == 3).and_then(decode_payload);
        let issuer = unverified_issuer(claims.as_ref())?.clone();
        self.trusted.check(Some(&issuer))?;
        let server = self
            .auth
            .server_for(self.verifier, &issuer)
            .ok_or_else(|| AuthError::type_error("no configuration for a trusted issuer"))?;
        let loaded = self.auth.metadata_of(server, may_wait).await.map_err(not_json_is_invalid_metadata)?;
        let (metadata, fetched_warning) = loaded.ok_or(Halt::FetchFirst)?;
        *warning = fetched_warning;
        let jwks_uri = match metadata.get("jwksUri").filter(|v| truthy(v)) {
            Some(Value::String(uri)) => uri.clone(),
            Some(other) => other.to_string(),
            None => {
                let issuer_text = issuer.as_str().map(str::to_string).unwrap_or_else(|| issuer.to_string());
                return Err(AuthError::auth_server("missing_jwks_uri")
                    .with_cause(json!({
                        "cause": format!("The authorization server (`{issuer_text}`) does not have a JWKS URI configured.")
                    }))
                    .into());
            }
        };
        let jws = parse_compact(token, &self.options).map_err(|e| token_error(&e))?;
        // A `jwksUri` that is not a URL fails like the reference's `new URL(jwksUri)`: a
        // TypeError, rethrown (a 500), not a token error.
        let key_set = self.auth.key_set(&jwks_uri, &self.jwks_options)?;
        let key = match key_set.lookup_cached(&jws.alg, jws.kid_value()) {
            CachedLookup::Ready(key) => key,
            CachedLookup::NeedsFetch if may_wait => key_set.lookup(&jws.alg, jws.kid_value()).await,
            CachedLookup::NeedsFetch => return Err(Halt::FetchFirst),
        };
        let generation = key_set.generation();
        let key = key.map_err(|e| token_error(&e))?;
        // The payload decoded for the pre-check is the one whose signature is checked.
        let mut auth_info = verify_access_token(&jws, &key, claims, &self.options)?;
        if let Some(scope_claims) = &self.scope_claims {
            auth_info.scopes = scope_claims.scopes_of_text(&auth_info.claims.text);
        }
        if self.auth.profile() == Profile::Mcp20260728 {
            let (now, tolerance) = (self.options.now_seconds(), self.options.clock_tolerance);
            check_times(&auth_info.claims, now, tolerance).map_err(|e| token_error(&e))?;
        }
        let cacheable_until = self.cacheable_until(&auth_info.claims, &key_set);
        Ok(Verified { auth_info, cacheable_until, key_set, generation })
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
}

/// One bearer middleware: what a token must satisfy, how failures are answered, and who verifies
/// tokens (the core's JWT verifier, or the caller's function).
pub struct Guard {
    policy: Policy,
    answers: Answers,
    jwt: Option<JwtVerifier>,
    /// Opaque tokens (with `jwt`: those that are not JWTs) are introspected.
    introspector: Option<Introspector>,
    /// Tokens that passed every check of this middleware (`None` = turned off).
    verified: Option<TokenCache>,
    /// `dpop`: sender-constrained tokens.
    dpop: Option<SenderConstraint>,
}

impl Guard {
    /// A middleware whose tokens the caller verifies.
    pub fn with_caller_verification(policy: Policy, answers: Answers) -> Self {
        Self { policy, answers, jwt: None, introspector: None, verified: None, dpop: None }
    }

    /// A `bearerAuth('introspection')` middleware: every token is introspected.
    pub fn with_introspection(policy: Policy, answers: Answers, introspector: Introspector) -> Self {
        Self { policy, answers, jwt: None, introspector: Some(introspector), verified: None, dpop: None }
    }

    /// With `dpop`: DPoP-bound tokens and their proofs (`clock_tolerance`: seconds, for `iat`).
    /// Each request then needs its own proof checks: the verified-token cache is not used.
    /// `shared`: `MCPAuth`'s store, where every instance records the proofs it accepted.
    pub fn with_dpop(
        mut self,
        options: Option<DpopOptions>,
        clock_tolerance: f64,
        shared: Option<SharedStore>,
    ) -> Self {
        let Some(options) = options else { return self };
        self.answers = self.answers.quoting_strictly();
        self.dpop = Some(SenderConstraint::new(options, clock_tolerance, &self.answers, shared));
        self.verified = None;
        self
    }

    /// Whether the door must hand over the method, URL and `DPoP` header.
    pub fn reads_sender(&self) -> bool {
        self.dpop.is_some()
    }

    /// A `bearerAuth('jwt')` middleware. `cache`: the verified-token cache's limits (`None` =
    /// off).
    pub fn with_jwt(policy: Policy, answers: Answers, jwt: JwtVerifier, cache: Option<TokenCacheLimits>) -> Self {
        // A fixed `currentDate` makes validity independent of time: nothing to cache by expiry.
        // With `operationScopes` each request's operation needs its own scope check.
        let verified = cache
            .filter(|_| jwt.options.current_date_ms.is_none() && policy.operation_scopes.is_none())
            .map(TokenCache::new);
        Self { policy, answers, jwt: Some(jwt), introspector: None, verified, dpop: None }
    }

    /// The JWT-first fallback: tokens that are not JWTs go to `introspector`.
    pub fn falling_back_to(mut self, introspector: Option<Introspector>) -> Self {
        self.introspector = introspector;
        self
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// Decides without waiting: [`Decision::FetchFirst`] when the network is needed.
    pub fn decide_now(&self, request: &Request<'_>) -> Outcome {
        let mut future = std::pin::pin!(self.run(request, false));
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(outcome) => outcome,
            // Without permission to wait, `run` never suspends.
            Poll::Pending => Outcome { decision: Decision::FetchFirst, warning: None },
        }
    }

    /// Decides, fetching metadata and keys as needed.
    pub async fn decide(&self, request: &Request<'_>) -> Outcome {
        let mut outcome = self.run(request, true).await;
        if outcome.decision == Decision::FetchFirst {
            outcome.decision = Decision::Rethrow(Some(AuthError::type_error("authentication could not complete")));
        }
        outcome
    }

    /// After the caller's verify function: the policy on its `AuthInfo` (`issuer`, `audience`,
    /// `scopes` as JSON values; `None` = undefined).
    pub fn conclude(
        &self,
        issuer: Option<&Value>,
        audience: Option<&Value>,
        scopes: Option<&Value>,
        operation: Option<&OperationInput>,
    ) -> Decision {
        match self.check_policy(issuer, audience, scopes, operation) {
            Ok(()) => Decision::Authenticated(None),
            Err(error) => self.answer(error, operation, Scheme::Bearer),
        }
    }

    /// The policy, with the operation's scopes when the middleware has `operationScopes`: the
    /// issuer and audience first, then the operation (400 when it cannot be known or its headers
    /// contradict the body), then every scope it needs.
    fn check_policy(
        &self,
        issuer: Option<&Value>,
        audience: Option<&Value>,
        scopes: Option<&Value>,
        operation: Option<&OperationInput>,
    ) -> Result<(), AuthError> {
        let Some(operation_scopes) = &self.policy.operation_scopes else {
            return self.policy.check(issuer, audience, scopes);
        };
        self.policy.check_identity(issuer, audience)?;
        let operations = resolve(operation.unwrap_or(&OperationInput::default()))
            .map_err(|why| bearer_error("invalid_request").with_message(why))?;
        let extra = operation.map_or(&[][..], |input| input.extra_scopes.as_slice());
        let needed = operation_scopes.needed(&self.policy.required_scope_names(), &operations, extra);
        self.policy.check_scopes(scopes, &needed.into_iter().map(Value::String).collect::<Vec<_>>())
    }

    /// The scopes the request's operation needs (for the profile's challenges), when the
    /// middleware has `operationScopes` and the operation can be read.
    fn needed_scopes(&self, operation: Option<&OperationInput>) -> Option<Vec<String>> {
        let operation_scopes = self.policy.operation_scopes.as_ref()?;
        let operation = operation?;
        let operations = resolve(operation).ok()?;
        Some(operation_scopes.needed(&self.policy.required_scope_names(), &operations, &operation.extra_scopes))
    }

    /// The answer to an error raised outside the core during the request.
    pub fn answer_thrown(&self, thrown: Thrown) -> Decision {
        match self.answers.respond_thrown(thrown) {
            Ok(Some(response)) => Decision::Answer(response),
            Ok(None) => Decision::Rethrow(None),
            Err(error) => Decision::Rethrow(Some(error)),
        }
    }

    /// Verification only, without this middleware's policy (its `'jwt'` verifier used as a
    /// verify function): `AuthInfo` JSON.
    pub async fn verify_token(&self, token: &str) -> Result<Arc<str>, AuthError> {
        match self.check_token(token, true, &mut None).await {
            Ok(Checked::Jwt(verified)) => Ok(Arc::from(verified.auth_info.to_json())),
            Ok(Checked::Introspected(introspected)) => Ok(Arc::from(introspected.json.text.as_str())),
            Err(Halt::Failed(error)) => Err(error),
            Err(Halt::FetchFirst | Halt::VerifyToken) => Err(AuthError::type_error("verification could not complete")),
        }
    }

    /// Which verifier checks `token`, and its result.
    async fn check_token(&self, token: &str, may_wait: bool, warning: &mut Option<String>) -> Result<Checked, Halt> {
        let introspector = self.introspector.as_ref().filter(|_| self.jwt.is_none() || !is_jwt(token));
        if let Some(introspector) = introspector {
            return match introspector.introspect(token, may_wait, warning).await? {
                Some(introspected) => Ok(Checked::Introspected(introspected)),
                None => Err(Halt::FetchFirst),
            };
        }
        match &self.jwt {
            Some(jwt) => Ok(Checked::Jwt(jwt.verify(token, may_wait, warning).await?)),
            None => Err(Halt::VerifyToken),
        }
    }

    fn answer(&self, error: AuthError, operation: Option<&OperationInput>, scheme: Scheme) -> Decision {
        match self.answers.respond_for(error, self.needed_scopes(operation).as_deref()) {
            Ok(mut response) => {
                if let Some(dpop) = &self.dpop {
                    dpop.challenge.decorate(&mut response, scheme);
                }
                Decision::Answer(response)
            }
            Err(error) => Decision::Rethrow(Some(error)),
        }
    }

    async fn run(&self, request: &Request<'_>, may_wait: bool) -> Outcome {
        let mut warning = None;
        let decision = match self.authenticate(request, may_wait, &mut warning).await {
            Ok(auth_info) => Decision::Authenticated(Some(auth_info)),
            Err(Halt::VerifyToken) => Decision::VerifyToken,
            Err(Halt::FetchFirst) => Decision::FetchFirst,
            Err(Halt::Failed(error)) => self.answer(error, request.operation, sender::scheme_of(request.authorization)),
        };
        Outcome { decision, warning }
    }

    async fn authenticate(
        &self,
        request: &Request<'_>,
        may_wait: bool,
        warning: &mut Option<String>,
    ) -> Result<Arc<AuthInfoJson>, Halt> {
        let dpop = self.dpop.as_ref();
        let (scheme, token) = match self.answers.profile() {
            Profile::Compat => parse_scheme_and_token(request.authorization, dpop.is_some())?,
            Profile::Mcp20260728 => parse_credentials(request.authorization, dpop.is_some())?,
        };
        // Only DPoP's checks read the clock here (a cached token's lookup reads it itself).
        let now_seconds = if dpop.is_some() { now_ms() / 1000.0 } else { 0.0 };
        let proof = match (scheme, dpop) {
            // Its replay check waits for the shared store: no check is made twice.
            (Scheme::DPoP, Some(dpop)) if dpop.shares_replays() && !may_wait => return Err(Halt::FetchFirst),
            (Scheme::DPoP, Some(dpop)) => Some(dpop.check(request.sender, token, now_seconds)?),
            (Scheme::Bearer, Some(dpop)) if dpop.required() => {
                return Err(
                    token_refused("Only DPoP-bound tokens are accepted: use the DPoP scheme and a proof.").into()
                )
            }
            _ => None,
        };
        if let Some(auth_info) = self.verified.as_ref().and_then(|cache| cache.get(token, now_ms())) {
            return Ok(auth_info);
        }
        let admit = |info: &AuthInfo| -> Result<(), AuthError> {
            let refuse_bound_bearer = dpop.is_some() || self.answers.profile() == Profile::Mcp20260728;
            sender::check_binding(scheme, &info.claims, proof.as_ref(), refuse_bound_bearer)?;
            self.check_policy(info.issuer(), info.audience(), Some(&info.scopes), request.operation)
        };
        // Last, after every stateless check: the proof's first use (a store outage only touches
        // otherwise valid requests).
        let first_use = || async {
            match (dpop, &proof) {
                (Some(dpop), Some(proof)) => dpop.first_use(proof, now_seconds).await,
                _ => Ok(()),
            }
        };
        let verified = match self.check_token(token, may_wait, warning).await? {
            Checked::Jwt(verified) => verified,
            // Its answer is cached by the introspector; the checks run on every request.
            Checked::Introspected(introspected) => {
                admit(&introspected.auth_info)?;
                first_use().await?;
                return Ok(introspected.json.clone());
            }
        };
        admit(&verified.auth_info)?;
        first_use().await?;
        let auth_info = AuthInfoJson::new(verified.auth_info.to_json());
        if let Some(cache) = &self.verified {
            cache.insert(token, auth_info.clone(), verified.cacheable_until, verified.key_set, verified.generation);
        }
        Ok(auth_info)
    }
}

mod sender;

use sender::SenderConstraint;
pub use sender::SenderInput;

#[cfg(test)]
mod dpop_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod introspection_tests;
#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod profile_tests;
