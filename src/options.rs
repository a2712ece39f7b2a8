//! The JS layer's option objects (JSON text) turned into the core's typed options. Values JSON
//! cannot carry arrive pre-converted by the JS layer (see lib/bearer.js): `Infinity` as the
//! string `"Infinity"`, dates as epoch milliseconds, values jose would refuse as `{}`.

use crate::codec::{json_value, string_list};
use mcp_auth_core::bearer::{BearerConfig, ImpliedScopes, IssuerRule, ScopeClaims};
use mcp_auth_core::dpop::DpopOptions;
use mcp_auth_core::error::AuthError;
use mcp_auth_core::error::AuthResult;
use mcp_auth_core::introspection::IntrospectionOptions;
use mcp_auth_core::jose::{duration_seconds, CheckStep, VerifyOptions};
use mcp_auth_core::js_value::truthy;
use mcp_auth_core::jwks::JwksOptions;
use mcp_auth_core::mcp_auth::{Config, ResourceConfig, ServerConfig};
use mcp_auth_core::metadata::well_known::ServerType;
use mcp_auth_core::operation::{Message, OperationInput, OperationScopes};
use mcp_auth_core::profile::Profile;
use mcp_auth_core::token_cache::{TokenCacheLimits, DEFAULT_LIMITS};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn seconds_option(value: &Value, label: &str) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("Invalid {label} input")),
        Value::String(s) => duration_seconds(s).ok_or_else(|| "Invalid time period format".to_string()),
        _ => Err(format!("Invalid {label} option type")),
    }
}

/// jose's `jwtVerify` options from their JSON form (`currentDate` as epoch milliseconds).
pub fn verify_options(options: &Value) -> VerifyOptions {
    let mut parsed = VerifyOptions::default();
    let Some(map) = options.as_object() else { return parsed };
    let mut invalid = Vec::new();
    let mut fail = |step: CheckStep, message: String| invalid.push((step, message));
    let get = |key: &str| map.get(key).filter(|v| !v.is_null());
    // jose checks these with `!== undefined`: a null is given (and refused or never matched).
    let given = |key: &str| map.get(key);
    let algorithms = given("algorithms").map(|v| match v {
        Value::Array(items) => items.iter().map(|item| item.as_str().map(str::to_string)).collect::<Option<Vec<_>>>(),
        _ => None,
    });
    let clock_tolerance = given("clockTolerance").map(|v| seconds_option(v, "clockTolerance"));
    let max_token_age = given("maxTokenAge").map(|v| seconds_option(v, "maxTokenAge"));
    match algorithms {
        Some(None) => fail(CheckStep::Algorithms, "\"algorithms\" option must be an array of strings".into()),
        Some(list) => parsed.algorithms = list,
        None => {}
    }
    // jose compares with `includes`: strings of a list can match, anything else never does;
    // an audience that is neither a string nor a list throws at the comparison.
    parsed.audience = match given("audience") {
        Some(Value::String(one)) => Some(vec![one.clone()]),
        Some(Value::Array(items)) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        Some(_) => {
            fail(CheckStep::Audience, "audOption.includes is not a function".into());
            Some(Vec::new())
        }
        None => None,
    };
    // `includes` again: only strings can match an `iss`.
    parsed.issuer = given("issuer").map(|issuer| match issuer {
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        other => other.as_str().map(str::to_string).into_iter().collect(),
    });
    parsed.subject = get("subject").and_then(Value::as_str).map(str::to_string);
    match clock_tolerance {
        Some(Ok(t)) if t >= 0.0 && t.is_finite() => parsed.clock_tolerance = t,
        Some(Ok(_)) => fail(CheckStep::Clock, "Invalid clockTolerance option input".into()),
        Some(Err(e)) => fail(CheckStep::Clock, e),
        None => {}
    }
    // Given at all, `maxTokenAge` makes `iat` required, even when its value is then refused.
    parsed.requires_iat = max_token_age.is_some();
    match max_token_age {
        Some(Ok(t)) if t >= 0.0 && t.is_finite() => parsed.max_token_age = Some(t),
        Some(Ok(_)) => fail(CheckStep::MaxTokenAge, "Invalid maxTokenAge option input".into()),
        Some(Err(e)) => fail(CheckStep::MaxTokenAge, e),
        None => {}
    }
    match given("requiredClaims") {
        Some(Value::Array(items)) => {
            parsed.required_claims =
                items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect()
        }
        Some(_) => fail(CheckStep::Presence, "requiredClaims is not iterable".into()),
        None => {}
    }
    parsed.typ = get("typ").and_then(Value::as_str).map(str::to_string);
    // The shim sends epoch milliseconds for a valid date, anything else for an invalid one.
    match map.get("currentDate") {
        Some(Value::Number(ms)) => parsed.current_date_ms = ms.as_f64(),
        Some(_) => fail(CheckStep::Clock, "Invalid currentDate option input".into()),
        None => {}
    }
    parsed.invalid = invalid;
    if let Some(crit) = get("crit").and_then(Value::as_object) {
        parsed.crit = crit.iter().map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false))).collect();
    }
    parsed
}

fn millis(value: &Value) -> Option<Duration> {
    value.as_f64().filter(|ms| ms.is_finite() && *ms >= 0.0).map(|ms| Duration::from_millis(ms as u64))
}

/// jose's `RemoteJWKSetOptions` (`staleIfError` is ours).
pub fn jwks_options(options: &Value) -> JwksOptions {
    let mut parsed = JwksOptions::default();
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
        parsed.headers = headers.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect();
    }
    parsed
}

/// A bearer middleware's settings: `{ issuer?, audience?, requiredScopes?, resource?,
/// showErrorDetails?, verifiedTokenCache? }`. `issuer`: a string (exact match), `null` (a JS
/// function checks it), absent (the verifier's trusted issuers, when there is a verifier).
pub struct BearerSettings {
    pub issuer: Option<Value>,
    audience: Option<Value>,
    required_scopes: Option<Value>,
    resource: Option<String>,
    show_error_details: bool,
    implied_scopes: Option<ImpliedScopes>,
    operation_scopes: Option<OperationScopes>,
    /// `scopeClaims`: where the core's verifiers read scopes.
    pub scope_claims: Option<ScopeClaims>,
    /// `dpop`: sender-constrained tokens (checked at setup).
    pub dpop: Option<DpopOptions>,
    /// `None`: the verified-token cache is off.
    pub token_cache: Option<TokenCacheLimits>,
}

impl BearerSettings {
    pub fn parse(json_text: &str) -> AuthResult<Self> {
        let config = json_value(json_text)?;
        let resource = config
            .get("resource")
            .filter(|v| truthy(v))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        let token_cache = match config.get("verifiedTokenCache") {
            Some(Value::Bool(false)) => None,
            Some(Value::Object(sizing)) => Some(TokenCacheLimits {
                max_entries: sizing
                    .get("maxEntries")
                    .and_then(Value::as_u64)
                    .map_or(DEFAULT_LIMITS.max_entries, |n| n as usize),
                ..DEFAULT_LIMITS
            }),
            _ => Some(DEFAULT_LIMITS),
        };
        Ok(Self {
            issuer: config.get("issuer").cloned(),
            audience: config.get("audience").cloned(),
            required_scopes: config.get("requiredScopes").cloned(),
            resource,
            show_error_details: config.get("showErrorDetails").is_some_and(truthy),
            implied_scopes: scope_map(config.get("impliedScopes"), "impliedScopes")?.map(ImpliedScopes),
            operation_scopes: scope_map(config.get("operationScopes"), "operationScopes")?.map(OperationScopes),
            scope_claims: scope_claims(config.get("scopeClaims"))?,
            dpop: dpop_options(config.get("dpop"))?,
            token_cache,
        })
    }

    /// The core's configuration, with `trusted` as the issuer rule when the settings name no
    /// issuer.
    pub fn bearer_config(&self, trusted: Option<&IssuerRule>) -> BearerConfig {
        let issuer = match (&self.issuer, trusted) {
            (Some(Value::String(exact)), _) => IssuerRule::Exact(exact.clone()),
            (None, Some(trusted)) => trusted.clone(),
            _ => IssuerRule::External,
        };
        BearerConfig {
            issuer,
            audience: self.audience.clone(),
            required_scopes: self.required_scopes.clone(),
            resource: self.resource.clone(),
            show_error_details: self.show_error_details,
            implied_scopes: self.implied_scopes.clone(),
            operation_scopes: self.operation_scopes.clone(),
        }
    }
}

/// `scopeClaims`: a list of claim names (absent or `null`: the reference's `scope` / `scopes`).
fn scope_claims(value: Option<&Value>) -> AuthResult<Option<ScopeClaims>> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let names = value.as_array().and_then(|items| items.iter().map(|v| v.as_str().map(str::to_string)).collect());
    let names = names.ok_or_else(|| AuthError::type_error("`scopeClaims` must be a list of claim names."))?;
    ScopeClaims::new(names).map(Some)
}

/// `dpop`: `{ required?, algorithms?, maxProofAge?, publicOrigin? }` (absent or `null`: none). A
/// value of the wrong type is a `TypeError`; what the core refuses, its setup error.
fn dpop_options(value: Option<&Value>) -> AuthResult<Option<DpopOptions>> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let map = value.as_object().ok_or_else(|| AuthError::type_error("`dpop` must be an object."))?;
    let wrong = |key: &str, what: &str| AuthError::type_error(format!("`dpop.{key}` must be {what}."));
    let given = |key: &str| map.get(key).filter(|v| !v.is_null());
    let mut options = DpopOptions::default();
    if let Some(required) = given("required") {
        options.required = required.as_bool().ok_or_else(|| wrong("required", "a boolean"))?;
    }
    if let Some(algorithms) = given("algorithms") {
        let names =
            algorithms.as_array().and_then(|items| items.iter().map(|v| v.as_str().map(str::to_string)).collect());
        options.algorithms = names.ok_or_else(|| wrong("algorithms", "a list of algorithm names"))?;
    }
    if let Some(age) = given("maxProofAge") {
        options.max_proof_age = age.as_f64().ok_or_else(|| wrong("maxProofAge", "a number of seconds"))?;
    }
    if let Some(origin) = given("publicOrigin") {
        options.public_origin = Some(origin.as_str().ok_or_else(|| wrong("publicOrigin", "a string"))?.to_string());
    }
    options.validated().map(Some)
}

/// The `introspection` option of `bearerAuth`. Durations in milliseconds; a value of the wrong
/// type is a `TypeError` (a missing `clientId` is the core's setup error).
pub fn introspection_options(json_text: &str) -> AuthResult<IntrospectionOptions> {
    let config = json_value(json_text)?;
    let map = config.as_object().ok_or_else(|| AuthError::type_error("`introspection` must be an object."))?;
    let text = |key: &str| -> AuthResult<Option<String>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(AuthError::type_error(format!("`introspection.{key}` must be a string."))),
        }
    };
    let amount = |key: &str| -> AuthResult<Option<f64>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_f64().filter(|n| n.is_finite() && *n >= 0.0).map(Some).ok_or_else(|| {
                AuthError::type_error(format!("`introspection.{key}` must be a finite number, 0 or more."))
            }),
        }
    };
    let duration = |key: &str, default: Duration| -> AuthResult<Duration> {
        Ok(amount(key)?.map_or(default, |ms| Duration::from_secs_f64(ms / 1000.0)))
    };
    let defaults = IntrospectionOptions::default();
    // A client id that is not a string is no client id (the setup error names it).
    let client_id = map.get("clientId").and_then(Value::as_str).map(str::to_string);
    Ok(IntrospectionOptions {
        client_id,
        client_secret: text("clientSecret")?,
        auth_method: text("authMethod")?,
        issuer: text("issuer")?,
        endpoint: text("endpoint")?,
        cache_max_age: duration("cacheMaxAge", defaults.cache_max_age)?,
        inactive_cache_max_age: duration("inactiveCacheMaxAge", defaults.inactive_cache_max_age)?,
        timeout: duration("timeoutDuration", defaults.timeout)?,
        max_entries: amount("maxEntries")?.map_or(defaults.max_entries, |n| n as usize),
    })
}

/// `impliedScopes` / `operationScopes`: `{ key: [scopes] }` (absent or `null`: none).
fn scope_map(value: Option<&Value>, option: &str) -> AuthResult<Option<HashMap<String, Vec<String>>>> {
    let invalid = || AuthError::type_error(format!("`{option}` must map each key to a list of scopes."));
    let Some(map) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    let map = map.as_object().ok_or_else(invalid)?;
    let mut scopes = HashMap::new();
    for (key, listed) in map {
        let listed = listed.as_array().ok_or_else(invalid)?;
        let listed: Option<Vec<String>> = listed.iter().map(|s| s.as_str().map(str::to_string)).collect();
        scopes.insert(key.clone(), listed.ok_or_else(invalid)?);
    }
    Ok(Some(scopes))
}

/// The operation a door read: `{ http, body: [{ method, name?, uri?, taskId? }] | null, mcpMethod?,
/// mcpName? }`.
pub fn operation_input(json_text: &str) -> AuthResult<OperationInput> {
    let input = json_value(json_text)?;
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let body = input.get("body").and_then(Value::as_array).map(|messages| {
        messages
            .iter()
            .map(|message| Message {
                method: text(message, "method").unwrap_or_default(),
                name: text(message, "name"),
                uri: text(message, "uri"),
                task_id: text(message, "taskId"),
            })
            .collect()
    });
    Ok(OperationInput {
        http_method: text(&input, "http").unwrap_or_default(),
        body,
        mcp_method: text(&input, "mcpMethod"),
        mcp_name: text(&input, "mcpName"),
        extra_scopes: string_list(input.get("extraScopes")).unwrap_or_default(),
    })
}

fn server_config(value: &Value) -> ServerConfig {
    let server_type = ServerType::from_name(value.get("type").and_then(Value::as_str).unwrap_or(""));
    if value.get("kind").and_then(Value::as_str) == Some("resolved") {
        let metadata = value.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
        return ServerConfig::Resolved { metadata: Arc::new(metadata) };
    }
    ServerConfig::Discovery { issuer: value.get("issuer").cloned().unwrap_or(Value::Null), server_type }
}

/// The `MCPAuth` constructor argument as the JS layer normalizes it: `{ hasServer,
/// hasProtectedResources, server?: ServerConfig, protectedResources: [{ metadata,
/// authorizationServers: ServerConfig[] }] }`, a ServerConfig being `{ kind: 'resolved', metadata }`
/// or `{ kind: 'discovery', issuer, type }`.
pub fn mcp_auth_config(json_text: &str) -> AuthResult<Config> {
    let config = json_value(json_text)?;
    let flag = |key: &str| config.get(key).is_some_and(|v| v == true);
    let profile = match config.get("profile") {
        None | Some(Value::Null) => Profile::Compat,
        Some(name) => name.as_str().and_then(Profile::from_name).ok_or_else(|| {
            AuthError::invalid_server_config(format!(
                "Unknown profile {name}: use 'compat' (the default) or 'mcp-2026-07-28'."
            ))
        })?,
    };
    let resources = config.get("protectedResources").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    Ok(Config {
        profile,
        has_server: flag("hasServer"),
        has_protected_resources: flag("hasProtectedResources"),
        server: config.get("server").filter(|s| s.is_object()).map(server_config),
        protected_resources: resources
            .iter()
            .map(|resource| ResourceConfig {
                metadata: resource.get("metadata").and_then(Value::as_object).cloned().unwrap_or_else(Map::new),
                authorization_servers: resource
                    .get("authorizationServers")
                    .and_then(Value::as_array)
                    .map(|servers| servers.iter().map(server_config).collect())
                    .unwrap_or_default(),
            })
            .collect(),
    })
}

/// `{ metadata, issuers, profile? }` of a resource metadata document.
pub fn resource_document_input(json_text: &str) -> AuthResult<(Map<String, Value>, Vec<String>, Profile)> {
    let input = json_value(json_text)?;
    let metadata = input.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    let profile = input.get("profile").and_then(Value::as_str).and_then(Profile::from_name).unwrap_or_default();
    Ok((metadata, string_list(input.get("issuers")).unwrap_or_default(), profile))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verify_options_from_json() {
        let options = verify_options(&json!({ "clockTolerance": "1m", "audience": "a", "maxTokenAge": 30 }));
        assert_eq!(options.clock_tolerance, 60.0);
        assert_eq!(options.audience, Some(vec!["a".to_string()]));
        assert_eq!(options.max_token_age, Some(30.0));
        assert_eq!(verify_options(&json!({ "clockTolerance": "soon" })).invalid[0].0, CheckStep::Clock);
        let odd = verify_options(&json!({ "audience": 5, "maxTokenAge": {}, "currentDate": "x" }));
        let steps: Vec<CheckStep> = odd.invalid.iter().map(|(step, _)| *step).collect();
        assert_eq!(steps, [CheckStep::Audience, CheckStep::MaxTokenAge, CheckStep::Clock]);
        assert!(odd.requires_iat && odd.max_token_age.is_none());
    }

    #[test]
    fn jwks_options_from_json() {
        let options =
            jwks_options(&json!({ "timeoutDuration": 100, "cacheMaxAge": "Infinity", "headers": { "Accept": "x" } }));
        assert_eq!(options.timeout, Duration::from_millis(100));
        assert_eq!(options.max_age, None);
        assert_eq!(options.headers, [("Accept".to_string(), "x".to_string())]);
    }

    #[test]
    fn issuer_rules_from_settings() {
        let trusted = IssuerRule::Trusted(vec!["https://a".into()]);
        let rule = |json: &str, trusted| BearerSettings::parse(json).unwrap().bearer_config(trusted).issuer;
        assert_eq!(rule("{}", Some(&trusted)), trusted);
        assert_eq!(rule("{}", None), IssuerRule::External);
        assert_eq!(rule(r#"{"issuer":null}"#, Some(&trusted)), IssuerRule::External);
        assert_eq!(rule(r#"{"issuer":"https://b"}"#, Some(&trusted)), IssuerRule::Exact("https://b".into()));
        assert!(BearerSettings::parse(r#"{"verifiedTokenCache":false}"#).unwrap().token_cache.is_none());
    }

    #[test]
    fn implied_scopes_from_json() {
        let settings = BearerSettings::parse(r#"{"impliedScopes":{"admin":["write"],"write":["read"]}}"#).unwrap();
        let hierarchy = settings.bearer_config(None).implied_scopes.unwrap();
        assert_eq!(hierarchy.0["admin"], ["write"]);
        for invalid in
            [r#"{"impliedScopes":["a"]}"#, r#"{"impliedScopes":{"a":"b"}}"#, r#"{"impliedScopes":{"a":[1]}}"#]
        {
            assert!(BearerSettings::parse(invalid).is_err(), "{invalid}");
        }
        assert!(BearerSettings::parse(r#"{"impliedScopes":null}"#).unwrap().implied_scopes.is_none());
    }

    #[test]
    fn introspection_options_from_json() {
        let options = introspection_options(
            r#"{"clientId":"rs","clientSecret":"s","cacheMaxAge":1500,"timeoutDuration":300,"maxEntries":5}"#,
        )
        .unwrap();
        assert_eq!((options.client_id.as_deref(), options.client_secret.as_deref()), (Some("rs"), Some("s")));
        assert_eq!((options.cache_max_age, options.timeout), (Duration::from_millis(1500), Duration::from_millis(300)));
        assert_eq!((options.max_entries, options.inactive_cache_max_age), (5, Duration::ZERO));
        assert_eq!(introspection_options(r#"{"clientId":5}"#).unwrap().client_id, None);
        for invalid in [r#"[]"#, r#"{"cacheMaxAge":-1}"#, r#"{"timeoutDuration":"5s"}"#, r#"{"endpoint":5}"#] {
            assert!(introspection_options(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn scope_claims_from_settings() {
        let parsed = BearerSettings::parse(r#"{"scopeClaims":["scp","roles"]}"#).unwrap();
        assert!(parsed.scope_claims.is_some());
        for invalid in [r#"{"scopeClaims":[]}"#, r#"{"scopeClaims":"scp"}"#, r#"{"scopeClaims":["scp",1]}"#] {
            assert!(BearerSettings::parse(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn operation_input_from_json() {
        let input = operation_input(
            r#"{"http":"POST","body":[{"method":"tools/call","name":"a"},{"method":"resources/read","uri":"u"}],"mcpMethod":"tools/call"}"#,
        )
        .unwrap();
        let body = input.body.unwrap();
        assert_eq!((body[0].name.as_deref(), body[1].uri.as_deref()), (Some("a"), Some("u")));
        assert_eq!(
            (input.http_method.as_str(), input.mcp_method.as_deref(), input.mcp_name),
            ("POST", Some("tools/call"), None)
        );
        assert!(operation_input(r#"{"http":"GET","body":null}"#).unwrap().body.is_none());
    }

    #[test]
    fn profiles_by_name() {
        let profile = |json: &str| mcp_auth_config(json).map(|c| c.profile);
        assert_eq!(profile(r#"{"profile":"mcp-2026-07-28"}"#).unwrap(), Profile::Mcp20260728);
        assert_eq!(profile(r#"{"profile":null}"#).unwrap(), Profile::Compat);
        assert_eq!(profile(r#"{"profile":"strict"}"#).unwrap_err().code, "invalid_server_config");
    }

    #[test]
    fn mcp_auth_config_from_json() {
        let config = mcp_auth_config(
            r#"{"hasServer":false,"hasProtectedResources":true,"protectedResources":[{"metadata":{"resource":"r"},
            "authorizationServers":[{"kind":"discovery","issuer":"https://i","type":"oauth"},{"kind":"resolved","metadata":{"issuer":"x"}}]}]}"#,
        )
        .unwrap();
        assert_eq!(config.profile, Profile::Compat);
        let servers = &config.protected_resources[0].authorization_servers;
        assert!(matches!(&servers[0], ServerConfig::Discovery { server_type: ServerType::OAuth, .. }));
        assert_eq!(servers[1].issuer(), Some(&json!("x")));
    }
}
