//! The napi surface: argument conversion and error encoding only, no logic.
//! Structured data crosses as JSON text (exact `null`/absent distinction, stable key order);
//! errors cross as `MCPAUTH:` + JSON of [`AuthError`], which the shim turns into JS classes.

use crate::descriptions as text;
use crate::error::{AuthError, AuthResult};
use crate::http::Limits;
use crate::metadata::{fetch, schema, validate, well_known};
use napi::{Error, Result, Status};
use napi_derive::napi;
use serde_json::{json, Value};
use std::time::Duration;

const ERROR_PREFIX: &str = "MCPAUTH:";

fn to_js(error: AuthError) -> Error {
    let encoded = serde_json::to_string(&error).unwrap_or_else(|_| "{}".into());
    Error::new(Status::GenericFailure, format!("{ERROR_PREFIX}{encoded}"))
}

fn js<T>(result: AuthResult<T>) -> Result<T> {
    result.map_err(to_js)
}

fn parse_json_arg(json_text: &str) -> Result<Value> {
    serde_json::from_str(json_text).map_err(|e| to_js(AuthError::type_error(format!("invalid JSON argument: {e}"))))
}

fn table(entries: &[(&str, &str)]) -> Value {
    entries.iter().map(|(code, message)| (code.to_string(), json!(message))).collect::<serde_json::Map<_, _>>().into()
}

/// Every fixed table the shim exports, as one JSON document.
#[napi(catch_unwind)]
pub fn static_tables() -> String {
    let fields = |list: &[schema::Field]| -> Vec<Value> {
        list.iter().map(|f| json!({ "name": f.name, "camel": schema::camel_case(f.name), "kind": f.kind, "required": f.required })).collect()
    };
    json!({
        "authServerErrors": table(text::AUTH_SERVER_ERRORS),
        "bearerAuthErrors": table(text::BEARER_AUTH_ERRORS),
        "tokenVerificationErrors": table(text::TOKEN_VERIFICATION_ERRORS),
        "fallbacks": {
            "authServer": text::AUTH_SERVER_ERROR_FALLBACK,
            "bearerAuth": text::BEARER_AUTH_ERROR_FALLBACK,
            "tokenVerification": text::TOKEN_VERIFICATION_ERROR_FALLBACK,
        },
        "messages": { "metadataNotAnObject": text::METADATA_NOT_AN_OBJECT },
        "serverMetadataPaths": { "oauth": well_known::OAUTH_PATH, "oidc": well_known::OIDC_PATH },
        "defaultValues": {
            "grantTypesSupported": validate::DEFAULT_GRANT_TYPES,
            "responseModesSupported": validate::DEFAULT_RESPONSE_MODES,
        },
        "authServerFields": fields(schema::AUTH_SERVER_FIELDS),
        "protectedResourceFields": fields(schema::PROTECTED_RESOURCE_FIELDS),
    })
    .to_string()
}

#[napi(catch_unwind)]
pub fn well_known_url(issuer: String, server_type: String) -> Result<String> {
    js(well_known::well_known_url(&issuer, well_known::ServerType::from_name(&server_type)).map(String::from))
}

fn limits(timeout_ms: Option<u32>, max_body_bytes: Option<u32>) -> Limits {
    let defaults = fetch::DEFAULT_LIMITS;
    Limits {
        timeout: timeout_ms.map_or(defaults.timeout, |ms| Duration::from_millis(ms.into())),
        max_body_bytes: max_body_bytes.map_or(defaults.max_body_bytes, |n| n as usize),
    }
}

/// Fetches a metadata document; resolves to its body text (JS parses it like `response.json()`).
#[napi]
pub async fn fetch_metadata_text(url: String, timeout_ms: Option<u32>, max_body_bytes: Option<u32>) -> Result<String> {
    let body = js(fetch::fetch_metadata_text(&url, limits(timeout_ms, max_body_bytes)).await)?;
    let text = String::from_utf8_lossy(&body);
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// Applies the metadata schema; returns `{ metadata, type }` as JSON text.
#[napi(catch_unwind)]
pub fn parse_server_metadata(candidate_json: String, server_type: String) -> Result<String> {
    let candidate = parse_json_arg(&candidate_json)?;
    let resolved = js(fetch::parse_server_metadata(&candidate, well_known::ServerType::from_name(&server_type)))?;
    Ok(resolved.to_json().to_string())
}

#[napi(catch_unwind)]
pub fn validate_server_config(metadata_json: String, verbose: bool) -> Result<String> {
    let metadata = parse_json_arg(&metadata_json)?;
    Ok(json!(validate::validate_server_config(&metadata, verbose)).to_string())
}

/// Path of the RFC 9728 document of `resource` (TypeError for a non-URL, as the reference).
#[napi(catch_unwind)]
pub fn resource_metadata_path(resource: String) -> Result<String> {
    js(crate::resource::resource_metadata_url(&resource).map(|url| url.path().to_string()))
}

/// The RFC 9728 document for `{ metadata, issuers }` (metadata without `authorizationServers`).
#[napi(catch_unwind)]
pub fn resource_metadata_document(input_json: String) -> Result<String> {
    let input = parse_json_arg(&input_json)?;
    let metadata = input.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let issuers = string_list(input.get("issuers")).unwrap_or_default();
    Ok(crate::resource::resource_metadata_body(&metadata, &issuers).to_string())
}

/// Deep snake_case of a JSON document's keys (the delegated metadata body).
#[napi(catch_unwind)]
pub fn snake_case_document(document_json: String) -> Result<String> {
    Ok(crate::snake_case::snake_case_keys(parse_json_arg(&document_json)?).to_string())
}

/// Fetches a JWKS like `bearerAuth('jwt')` does and describes each key (provider checker).
#[napi]
pub async fn inspect_jwks(url: String) -> Result<String> {
    let target = js(crate::metadata::well_known::parse_url(&url))?;
    let key_set = crate::jwks::RemoteKeySet::new(target, JwksOptions::default());
    let described = key_set.fetch_once().await.map(|keys| keys.describe());
    Ok(match described {
        Ok(keys) => json!({ "keys": keys }),
        Err(error) => json!({ "error": { "code": error.code, "message": error.message } }),
    }
    .to_string())
}

/// Deliberately panics, so tests can prove a panic becomes a JS error instead of killing Node.
#[napi(catch_unwind)]
pub fn panic_probe(message: String) -> String {
    panic!("{message}")
}

/// The same for the async path: the panic must become a rejected promise.
#[napi]
pub async fn panic_probe_async(message: String) -> Result<String> {
    panic!("{message}")
}

// ---------------------------------------------------------------------------------------------
// MCPAuth, bearer middleware and JWT verification.

use crate::bearer::{self, IssuerRule, Policy};
use crate::jose::{self, VerifyOptions};
use crate::jwks::{CustomFetch, HostFetch, HostFetchError, HostFetchResult, JwksOptions};
use crate::mcp_auth::{self, Decision, JwtBearer, McpAuth, ServerLocation};
use crate::token_cache;
use napi::bindgen_prelude::Promise;
use napi::bindgen_prelude::{External, PromiseRaw};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Env;
use std::sync::Arc;

/// A middleware decision as one string (one JS value to create, not an object with properties):
/// `[W<warning>\0]` then `A<AuthInfo JSON>`, `R<status><body>\0<WWW-Authenticate>` or
/// `E<encoded error>`. JSON bodies escape NUL, so the first NUL ends a body.
fn encode_outcome(result: mcp_auth::Outcome) -> String {
    let mut encoded = String::new();
    if let Some(warning) = result.warning {
        encoded.push('W');
        encoded.push_str(&warning);
        encoded.push('\0');
    }
    match result.decision {
        Decision::Authenticated(info) => {
            encoded.push('A');
            encoded.push_str(&info);
        }
        Decision::Rejected(response) => encoded.push_str(&encode_response(&response)),
        Decision::Rethrow(error) => {
            encoded.push('E');
            encoded.push_str(&encode(&error));
        }
    }
    encoded
}

fn encode_response(response: &bearer::ErrorResponse) -> String {
    format!("R{}{}\0{}", response.status, response.body, response.www_authenticate.as_deref().unwrap_or(""))
}

fn encode(error: &AuthError) -> String {
    format!("{ERROR_PREFIX}{}", serde_json::to_string(error).unwrap_or_else(|_| "{}".into()))
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect())
}

/// `{ issuer?: string, audience?, requiredScopes?, resource?, showErrorDetails? }`.
fn policy_from_json(json_text: &str, issuer: IssuerRule) -> Result<Policy> {
    let config = parse_json_arg(json_text)?;
    let text = |key: &str| {
        config.get(key).filter(|v| bearer::truthy(v)).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
    };
    let issuer = match config.get("issuer") {
        Some(Value::String(exact)) => IssuerRule::Exact(exact.clone()),
        _ => issuer,
    };
    Ok(Policy::new(
        issuer,
        config.get("audience").cloned(),
        config.get("requiredScopes").cloned(),
        text("resource").as_deref(),
        config.get("showErrorDetails").is_some_and(bearer::truthy),
    ))
}

#[napi]
pub struct McpAuthCore {
    auth: Option<Arc<McpAuth>>,
    report: String,
}

#[napi]
impl McpAuthCore {
    /// Builds the core from the shim's normalized config; never throws: the outcome (warnings to
    /// print, error to raise) is read with `startupReport()`.
    #[napi(constructor, catch_unwind)]
    pub fn new(config_json: String) -> Result<Self> {
        let config: mcp_auth::Config = serde_json::from_str(&config_json)
            .map_err(|e| to_js(AuthError::type_error(format!("invalid MCPAuth config: {e}"))))?;
        let construction = McpAuth::construct(config);
        let mut report = json!({ "warnings": construction.warnings });
        let auth = match construction.result {
            Ok(auth) => Some(Arc::new(auth)),
            Err(failure) => {
                report["error"] = json!(encode(&failure.error));
                report["invalidMetadataAt"] = match failure.invalid_metadata_at {
                    Some(ServerLocation::Server) => json!({ "server": true }),
                    Some(ServerLocation::Resource { resource, server }) => {
                        json!({ "resource": resource, "server": server })
                    }
                    None => Value::Null,
                };
                None
            }
        };
        Ok(Self { auth, report: report.to_string() })
    }

    fn auth(&self) -> Result<&Arc<McpAuth>> {
        self.auth.as_ref().ok_or_else(|| to_js(AuthError::type_error("MCPAuth was not constructed")))
    }

    #[napi(catch_unwind)]
    pub fn startup_report(&self) -> String {
        self.report.clone()
    }

    /// The verifier serving `resource` (bearerAuth steps 2–3). `exact` is false when the JS
    /// value was not a string: it then names no resource (the reference's lookup is by identity).
    #[napi(catch_unwind)]
    pub fn verifier_for(&self, resource: Option<String>, exact: bool) -> Result<u32> {
        js(self.auth()?.verifier_for(resource.as_deref(), exact).map(|i| i as u32))
    }

    /// The trusted-issuer check of a verifier, for custom verify functions.
    #[napi(catch_unwind)]
    pub fn check_issuer(&self, verifier: u32, issuer_json: Option<String>) -> Result<()> {
        let issuer = issuer_json.as_deref().map(parse_json_arg).transpose()?;
        js(IssuerRule::Trusted(self.auth()?.trusted_issuers(verifier as usize)).check(issuer.as_ref()))
    }

    #[napi(catch_unwind)]
    pub fn check_resource_router(&self) -> Result<()> {
        js(self.auth()?.check_resource_router())
    }

    #[napi(catch_unwind)]
    pub fn check_delegated_router(&self) -> Result<()> {
        js(self.auth()?.check_delegated_router())
    }

    /// Fetches (once, shared) the delegated document: `{ body, warning }`.
    #[napi]
    pub async fn delegated_discovered_body(&self) -> Result<String> {
        let auth = self.auth()?.clone();
        let (body, warning) = js(auth.delegated_discovered_body().await)?;
        Ok(json!({ "body": body, "warning": warning }).to_string())
    }

    /// `policy_json` may carry `verifiedTokenCache`: `false` turns the cache off,
    /// `{ maxEntries }` sizes it. `jwks_fetch`: the shim's wrapper of jose's `[customFetch]`.
    #[napi(catch_unwind)]
    pub fn jwt_bearer(
        &self,
        verifier: u32,
        policy_json: String,
        jwt_verify_json: String,
        remote_jwk_set_json: String,
        jwks_fetch: Option<JwksFetchFunction>,
    ) -> Result<JwtBearerRef> {
        let policy = policy_from_json(&policy_json, IssuerRule::External)?;
        let cache = match parse_json_arg(&policy_json)?.get("verifiedTokenCache") {
            Some(Value::Bool(false)) => None,
            Some(Value::Object(sizing)) => Some(token_cache::Limits {
                max_entries: sizing
                    .get("maxEntries")
                    .and_then(Value::as_u64)
                    .map_or(token_cache::DEFAULT_LIMITS.max_entries, |n| n as usize),
                ..token_cache::DEFAULT_LIMITS
            }),
            _ => Some(token_cache::DEFAULT_LIMITS),
        };
        let options = VerifyOptions::from_json(&parse_json_arg(&jwt_verify_json)?);
        let mut jwks = JwksOptions::from_json(&parse_json_arg(&remote_jwk_set_json)?);
        jwks.custom_fetch = jwks_fetch.map(|function| CustomFetch(Arc::new(JsJwksFetch(Arc::new(function)))));
        Ok(External::new(Arc::new(JwtBearer::new(
            self.auth()?.clone(),
            verifier as usize,
            policy,
            options,
            jwks,
            cache,
        ))))
    }
}

/// `(request: string) => Promise<string>`: request `{ url, headers, timeoutMs }`, answer
/// `{ status, body }`, `{ timeout: true }` or `{ error }` (JSON). Weak: it never keeps Node alive.
type JwksFetchFunction = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

/// A JWKS request made by the user's `[customFetch]`, through the shim's wrapper.
struct JsJwksFetch(Arc<JwksFetchFunction>);

impl HostFetch for JsJwksFetch {
    fn fetch(
        &self,
        url: String,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = HostFetchResult> + Send>> {
        let function = Arc::clone(&self.0);
        let headers: serde_json::Map<String, Value> = headers.into_iter().map(|(k, v)| (k, json!(v))).collect();
        let request = json!({ "url": url, "headers": headers, "timeoutMs": timeout.as_millis() as u64 }).to_string();
        Box::pin(async move {
            let failed = |e: Error| HostFetchError::Failed(e.reason.clone());
            let answer = function.call_async(request).await.map_err(failed)?.await.map_err(failed)?;
            let answer: Value = serde_json::from_str(&answer).map_err(|e| HostFetchError::Failed(e.to_string()))?;
            if answer.get("timeout").is_some_and(|t| t == true) {
                return Err(HostFetchError::Timeout);
            }
            match (answer.get("status").and_then(Value::as_u64), answer.get("body").and_then(Value::as_str)) {
                (Some(status), Some(body)) => Ok((status as u16, body.as_bytes().to_vec())),
                _ => Err(HostFetchError::Failed(answer.get("error").and_then(Value::as_str).unwrap_or("").to_string())),
            }
        })
    }
}

/// A `bearerAuth('jwt')` middleware's core, an opaque value in JS. The per-request calls take it
/// as a plain argument: a class method's `this` costs about 0.3 µs more per call (napi-rs's
/// unwrap and borrow bookkeeping), on every request.
type JwtBearerRef = External<Arc<JwtBearer>>;

/// The whole middleware decision (encoded) when it needs no network; `null` = use
/// `jwtBearerAuthenticateAsync`.
#[napi(catch_unwind)]
pub fn jwt_bearer_authenticate(bearer: &JwtBearerRef, header: Option<String>) -> Option<String> {
    bearer.try_authenticate_now(header.as_deref()).map(encode_outcome)
}

#[napi(catch_unwind)]
pub fn jwt_bearer_authenticate_async<'env>(
    env: &'env Env,
    bearer: &JwtBearerRef,
    header: Option<String>,
) -> Result<PromiseRaw<'env, String>> {
    let bearer = Arc::clone(bearer);
    env.spawn_future(async move { Ok(encode_outcome(bearer.authenticate(header.as_deref()).await)) })
}

/// The answer for an MCP-Auth error thrown by `next()` (the reference calls it inside its try).
#[napi(catch_unwind)]
pub fn jwt_bearer_respond(
    bearer: &JwtBearerRef,
    kind: String,
    code: String,
    message: String,
    to_json: String,
) -> Result<String> {
    respond_to_js_error(bearer.policy(), &kind, &code, &message, &to_json)
}

/// Only the verification (no issuer/audience/scope policy): resolves to AuthInfo JSON.
#[napi(catch_unwind)]
pub fn jwt_bearer_verify_token<'env>(
    env: &'env Env,
    bearer: &JwtBearerRef,
    token: String,
) -> Result<PromiseRaw<'env, String>> {
    let bearer = Arc::clone(bearer);
    env.spawn_future(async move { js(bearer.verify_token(&token).await.map(|info| info.to_string())) })
}

/// The policy half of `handleBearerAuth` for JS verify functions.
#[napi]
pub struct BearerPolicy {
    policy: Policy,
}

#[napi]
impl BearerPolicy {
    #[napi(constructor, catch_unwind)]
    pub fn new(policy_json: String) -> Result<Self> {
        Ok(Self { policy: policy_from_json(&policy_json, IssuerRule::External)? })
    }

    /// The bearer token of an `Authorization` header (throws the reference's errors).
    #[napi(catch_unwind)]
    pub fn token(&self, header: Option<String>) -> Result<String> {
        js(bearer::parse_authorization(header.as_deref()).map(str::to_string))
    }

    /// Issuer (string rule), audience and scope checks on `{ issuer, audience, scopes }`.
    #[napi(catch_unwind)]
    pub fn check(&self, auth_info_json: String) -> Result<()> {
        let info = parse_json_arg(&auth_info_json)?;
        js(self.policy.check(info.get("issuer"), info.get("audience"), info.get("scopes")))
    }

    /// The answer for an MCP-Auth error raised in JS (see [`respond_to_js_error`]).
    #[napi(catch_unwind)]
    pub fn respond(&self, kind: String, code: String, message: String, to_json: String) -> Result<String> {
        respond_to_js_error(&self.policy, &kind, &code, &message, &to_json)
    }
}

/// The answer for an MCP-Auth error raised in JS: `kind` is its class, `to_json` its
/// `toJson(...)` output. Throws the TypeError of an invalid `resource`.
fn respond_to_js_error(policy: &Policy, kind: &str, code: &str, message: &str, to_json: &str) -> Result<String> {
    if let Some(Err(type_error)) = &policy.resource_metadata {
        return Err(to_js(type_error.clone()));
    }
    let resource_metadata = policy.resource_metadata.as_ref().and_then(|r| r.as_ref().ok()).map(String::as_str);
    let response = match kind {
        "BearerAuth" | "TokenVerification" => {
            let body = bearer::js_error_body(parse_json_arg(to_json)?);
            bearer::challenge_response(code, message, resource_metadata, body)
        }
        _ => bearer::server_error_response(code, message, policy.show_error_details),
    };
    Ok(encode_response(&response))
}

/// `createVerifyJwt` with a JS key: the token is parsed here, the key resolved in JS.
#[napi]
pub struct JwtKeyVerifier {
    options: VerifyOptions,
}

#[napi]
impl JwtKeyVerifier {
    #[napi(constructor, catch_unwind)]
    pub fn new(jwt_verify_json: String) -> Result<Self> {
        Ok(Self { options: VerifyOptions::from_json(&parse_json_arg(&jwt_verify_json)?) })
    }

    /// The protected header as JSON (what jose passes to `getKey`).
    #[napi(catch_unwind)]
    pub fn protected_header(&self, token: String) -> Result<String> {
        let jws = js(jose::parse_compact(&token, &self.options).map_err(|e| bearer::token_error(&e)))?;
        Ok(jws.header_text)
    }

    /// Verifies with the key the JS `getKey` produced, as a JWK; returns AuthInfo JSON.
    /// `key_form`: what `getKey` returned (`jwk`, `cryptokey` or `other`, see [`jose::KeyForm`]).
    #[napi(catch_unwind)]
    pub fn verify(&self, token: String, jwk_json: String, key_form: String) -> Result<String> {
        let form = jose::KeyForm::from_name(&key_form);
        let jwk = parse_json_arg(&jwk_json)?;
        let jws = js(jose::parse_compact(&token, &self.options).map_err(|e| bearer::token_error(&e)))?;
        if let Some(members) = jwk.as_object() {
            js(jose::check_jwk_restrictions(form, members, &jws.alg).map_err(|e| bearer::token_error(&e)))?;
        }
        let key = jwk
            .as_object()
            .ok_or_else(|| "key is not a JWK".to_string())
            .and_then(jose::VerificationKey::from_jwk)
            .map_err(|e| to_js(bearer::token_error(&jose::JoseError::other(e))))?;
        js(jose::check_key_family(form, &jws.alg, key.key_type).map_err(|e| bearer::token_error(&e)))?;
        let claims = js(jose::verify_with_key(&jws, &key, &self.options).map_err(|e| bearer::token_error(&e)))?;
        js(bearer::auth_info(claims).map(|info| info.to_json()))
    }
}
