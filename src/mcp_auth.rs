//! `MCPAuth`'s core as a JS class: construction, the verifier lookup, router checks, and the
//! bearer middlewares (guards) it creates.

use crate::codec::encode_error;
use crate::guard::GuardRef;
use crate::jwks_fetch::{custom_fetch, JwksFetchFunction};
use crate::options::{introspection_options, jwks_options, mcp_auth_config, verify_options, BearerSettings};
use crate::store::{JsStore, StoreFunction};
use crate::throw::{js, json_arg, to_js};
use mcp_auth_core::bearer::IssuerRule;
use mcp_auth_core::error::AuthError;
use mcp_auth_core::introspection::Introspector;
use mcp_auth_core::mcp_auth::{McpAuth, ServerLocation};
use mcp_auth_core::pipeline::{Guard, JwtVerifier};
use mcp_auth_core::profile::{Profile, DEFAULT_CLOCK_TOLERANCE_S};
use mcp_auth_core::store::SharedStore;
use napi::bindgen_prelude::External;
use napi::Result;
use napi_derive::napi;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

#[napi]
pub struct McpAuthCore {
    auth: Option<Arc<McpAuth>>,
    report: String,
}

#[napi]
impl McpAuthCore {
    /// Builds the core from the JS layer's normalized config; never throws for a refused
    /// config: the outcome (warnings to print, error to raise) is read with `startupReport()`.
    #[napi(constructor, catch_unwind)]
    pub fn new(config_json: String) -> Result<Self> {
        let construction = McpAuth::construct(js(mcp_auth_config(&config_json))?);
        let mut report = json!({ "warnings": construction.warnings });
        let auth = match construction.result {
            Ok(auth) => Some(Arc::new(auth)),
            Err(failure) => {
                report["error"] = json!(encode_error(&failure.error));
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

    /// `store` of the constructor: shared by every middleware created after it, every call
    /// bounded by `timeout_ms`.
    #[napi(catch_unwind)]
    pub fn use_store(&self, store: StoreFunction, timeout_ms: u32) -> Result<()> {
        let shared = SharedStore::new(Arc::new(JsStore(Arc::new(store))), Duration::from_millis(timeout_ms as u64));
        js(self.auth()?.use_store(shared))
    }

    #[napi(catch_unwind)]
    pub fn startup_report(&self) -> String {
        self.report.clone()
    }

    /// The verifier serving `resource`. `exact` is false when the JS value was not a string: it
    /// then names no resource (the reference's lookup is by identity).
    #[napi(catch_unwind)]
    pub fn verifier_for(&self, resource: Option<String>, exact: bool) -> Result<u32> {
        js(self.auth()?.verifier_for(resource.as_deref(), exact).map(|i| i as u32))
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

    /// `bearerAuth('jwt')` of `verifier`. `jwks_fetch`: the JS layer's wrapper of jose's
    /// `[customFetch]`; `introspection_json`: the `introspection` option (the JWT-first fallback).
    #[napi(catch_unwind)]
    pub fn jwt_guard(
        &self,
        verifier: u32,
        settings_json: String,
        jwt_verify_json: String,
        remote_jwk_set_json: String,
        jwks_fetch: Option<JwksFetchFunction>,
        introspection_json: Option<String>,
    ) -> Result<GuardRef> {
        let mut settings = js(BearerSettings::parse(&settings_json))?;
        let mut jwks = jwks_options(&json_arg(&remote_jwk_set_json)?);
        jwks.custom_fetch = jwks_fetch.map(custom_fetch);
        let auth = self.auth()?;
        let jwt_verify = json_arg(&jwt_verify_json)?;
        let mut options = verify_options(&jwt_verify);
        let introspector = introspection_json
            .map(|json| self.introspector(verifier, &json, options.clock_tolerance, &settings))
            .transpose()?;
        if auth.profile() == Profile::Mcp20260728 && jwt_verify.get("clockTolerance").is_none() {
            options.clock_tolerance = DEFAULT_CLOCK_TOLERANCE_S;
        }
        let tolerance = options.clock_tolerance;
        let jwt = JwtVerifier::new(auth.clone(), verifier as usize, options, jwks)
            .with_scope_claims(settings.scope_claims.clone());
        // Always the verifier's trusted issuers: a runtime `issuer` goes through a caller guard.
        settings.issuer = None;
        let config = settings.bearer_config(Some(jwt.trusted()));
        let (policy, answers) =
            js(config.policy_and_answers(auth.profile(), auth.scopes_supported(verifier as usize)))?;
        let guard = Guard::with_jwt(policy, answers, jwt, settings.token_cache)
            .falling_back_to(introspector)
            .with_dpop(settings.dpop.clone(), tolerance, auth.store().cloned());
        Ok(External::new(Arc::new(guard)))
    }

    /// `bearerAuth('introspection')` of `verifier`: every token is introspected. `exp`/`nbf` of
    /// answers are checked with `jwtVerify.clockTolerance` (seconds; default 0).
    #[napi(catch_unwind)]
    pub fn introspection_guard(
        &self,
        verifier: u32,
        settings_json: String,
        introspection_json: String,
        jwt_verify_json: String,
    ) -> Result<GuardRef> {
        let mut settings = js(BearerSettings::parse(&settings_json))?;
        let auth = self.auth()?;
        let clock_tolerance = verify_options(&json_arg(&jwt_verify_json)?).clock_tolerance;
        let introspector = self.introspector(verifier, &introspection_json, clock_tolerance, &settings)?;
        settings.issuer = None;
        let trusted = IssuerRule::Trusted(auth.trusted_issuers(verifier as usize));
        let config = settings.bearer_config(Some(&trusted));
        let (policy, answers) =
            js(config.policy_and_answers(auth.profile(), auth.scopes_supported(verifier as usize)))?;
        let guard = Guard::with_introspection(policy, answers, introspector).with_dpop(
            settings.dpop.clone(),
            clock_tolerance,
            auth.store().cloned(),
        );
        Ok(External::new(Arc::new(guard)))
    }

    fn introspector(
        &self,
        verifier: u32,
        introspection_json: &str,
        clock_tolerance: f64,
        settings: &BearerSettings,
    ) -> Result<Introspector> {
        let options = js(introspection_options(introspection_json))?;
        let scope_claims = settings.scope_claims.clone();
        js(Introspector::new(self.auth()?.clone(), verifier as usize, options, clock_tolerance, scope_claims))
    }

    /// `bearerAuth(verify)` of `verifier`: without an `issuer` in the settings, the verifier's
    /// trusted issuers are the issuer rule.
    #[napi(catch_unwind)]
    pub fn caller_guard(&self, verifier: u32, settings_json: String) -> Result<GuardRef> {
        let settings = js(BearerSettings::parse(&settings_json))?;
        let auth = self.auth()?;
        let trusted = IssuerRule::Trusted(auth.trusted_issuers(verifier as usize));
        let config = settings.bearer_config(Some(&trusted));
        let (policy, answers) =
            js(config.policy_and_answers(auth.profile(), auth.scopes_supported(verifier as usize)))?;
        Ok(External::new(Arc::new(Guard::with_caller_verification(policy, answers))))
    }
}
