//! The bearer decision: `Authorization` header parsing, claims → `AuthInfo`, the issuer /
//! audience / scope policy, and the HTTP answer (status, `WWW-Authenticate`, JSON body) for
//! every failure, exactly as the reference's `handleBearerAuth`.

use crate::descriptions::{
    describe, AUTH_SERVER_ERRORS, AUTH_SERVER_ERROR_FALLBACK, BEARER_AUTH_ERRORS, BEARER_AUTH_ERROR_FALLBACK,
    TOKEN_VERIFICATION_ERRORS, TOKEN_VERIFICATION_ERROR_FALLBACK,
};
use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::jose::{Claims, JoseError};
use crate::resource::resource_metadata_url;
use crate::snake_case::{snake_case_keys, MESSAGE_MARKER, RAW_MARKER};
use serde_json::{json, Map, Value};

pub fn bearer_error(code: &str) -> AuthError {
    AuthError::new(ErrorKind::BearerAuth, code)
}

fn bearer_error_with_text(code: &str, text: &str) -> AuthError {
    bearer_error(code).with_cause(json!({ "cause": text }))
}

/// The token of `Bearer <token>`; splitting on single spaces only, as the reference does.
pub fn parse_authorization(header: Option<&str>) -> AuthResult<&str> {
    let header = header.filter(|h| !h.is_empty()).ok_or_else(|| bearer_error("missing_auth_header"))?;
    let mut parts = header.split(' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next();
    if !scheme.eq_ignore_ascii_case("bearer") || parts.next().is_some() {
        return Err(bearer_error("invalid_auth_header_format"));
    }
    token.filter(|t| !t.is_empty()).ok_or_else(|| bearer_error("missing_bearer_token"))
}

/// JS truthiness of a JSON value.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// JS `===` between two values that came through JSON: objects and arrays are never the same
/// object, primitives compare by value.
fn strictly_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// JS `String(value)`, which `String.prototype.includes` applies to its argument.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            items.iter().map(|v| if v.is_null() { String::new() } else { js_string(v) }).collect::<Vec<_>>().join(",")
        }
        Value::Object(_) => "[object Object]".into(),
        // null, booleans and numbers print as in JS.
        other => other.to_string(),
    }
}

/// The unverified `iss` of a JWT, or the reference's pre-check error.
pub fn unverified_issuer(claims: Option<&Claims>) -> AuthResult<&Value> {
    let claims = claims.ok_or_else(|| bearer_error_with_text("invalid_token", "The JWT is malformed or invalid."))?;
    claims
        .get("iss")
        .filter(|iss| truthy(iss))
        .ok_or_else(|| bearer_error_with_text("invalid_token", "The JWT payload does not contain the `iss` field."))
}

/// How a token issuer is judged.
#[derive(Debug, Clone, PartialEq)]
pub enum IssuerRule {
    /// One of the issuers configured in `MCPAuth` (exact string match).
    Trusted(Vec<String>),
    /// `handleBearerAuth({ issuer: '<string>' })`.
    Exact(String),
    /// A JS function the shim calls itself.
    External,
}

impl IssuerRule {
    pub fn check(&self, issuer: Option<&Value>) -> AuthResult<()> {
        let text = issuer.and_then(Value::as_str);
        // The expected text is built only for the error: this check runs on every request.
        let expected = match self {
            Self::External => return Ok(()),
            Self::Trusted(list) if text.is_some_and(|i| list.iter().any(|t| t == i)) => return Ok(()),
            Self::Exact(expected) if text == Some(expected.as_str()) => return Ok(()),
            Self::Trusted(list) => list.join(", "),
            Self::Exact(expected) => expected.clone(),
        };
        let mut cause = Map::new();
        cause.insert("expected".into(), json!(expected));
        if let Some(actual) = issuer {
            cause.insert("actual".into(), actual.clone());
        }
        Err(bearer_error("invalid_issuer").with_cause(Value::Object(cause)))
    }
}

/// The per-middleware policy of `handleBearerAuth`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub issuer: IssuerRule,
    /// The configured values as given (only truthy ones), compared as the reference's JS does:
    /// `===` / `includes`, so `5` never matches `"5"`, and a `requiredScopes` that is not an
    /// array fails every request (`requiredScopes.filter is not a function`), never open.
    pub audience: Option<Value>,
    pub required_scopes: Option<Value>,
    /// `resource_metadata` of 401 challenges (`Err` when `resource` is not a URL: every error
    /// path then fails with that TypeError, like the reference).
    pub resource_metadata: Option<Result<String, AuthError>>,
    pub show_error_details: bool,
    /// Answers that never vary for this policy (bad headers, undecodable tokens), built once.
    prebuilt: Vec<(AuthError, ErrorResponse)>,
}

/// The header and pre-check failures, and a failed verification: their answers depend only on
/// the policy (for the last one, when details are hidden).
fn constant_errors() -> [AuthError; 6] {
    [
        AuthError::new(ErrorKind::TokenVerification, "invalid_token"),
        bearer_error("missing_auth_header"),
        bearer_error("invalid_auth_header_format"),
        bearer_error("missing_bearer_token"),
        bearer_error_with_text("invalid_token", "The JWT is malformed or invalid."),
        bearer_error_with_text("invalid_token", "The JWT payload does not contain the `iss` field."),
    ]
}

impl Policy {
    pub fn new(
        issuer: IssuerRule,
        audience: Option<Value>,
        required_scopes: Option<Value>,
        resource: Option<&str>,
        show_error_details: bool,
    ) -> Self {
        let resource_metadata = resource.filter(|r| !r.is_empty()).map(|r| resource_metadata_url(r).map(String::from));
        let mut policy = Self {
            issuer,
            audience: audience.filter(truthy),
            required_scopes: required_scopes.filter(truthy),
            resource_metadata,
            show_error_details,
            prebuilt: Vec::new(),
        };
        policy.prebuilt = constant_errors()
            .into_iter()
            .filter_map(|error| policy.build_response(error.clone()).ok().map(|response| (error, response)))
            .collect();
        policy
    }

    /// Issuer, audience and scope checks on a verified `AuthInfo` (`issuer`, `audience`,
    /// `scopes` as JSON values; `None` = undefined).
    pub fn check(&self, issuer: Option<&Value>, audience: Option<&Value>, scopes: Option<&Value>) -> AuthResult<()> {
        self.issuer.check(issuer)?;
        if let Some(expected) = &self.audience {
            let matches = match audience {
                Some(Value::Array(items)) => items.iter().any(|a| strictly_equal(a, expected)),
                Some(actual) => strictly_equal(actual, expected),
                None => false,
            };
            if !matches {
                let mut cause = Map::new();
                cause.insert("expected".into(), expected.clone());
                if let Some(actual) = audience {
                    cause.insert("actual".into(), actual.clone());
                }
                return Err(bearer_error("invalid_audience").with_cause(Value::Object(cause)));
            }
        }
        if let Some(required) = &self.required_scopes {
            let Value::Array(required) = required else {
                return Err(AuthError::type_error("requiredScopes.filter is not a function"));
            };
            let has = |scope: &Value| match scopes {
                Some(Value::Array(items)) => Ok(items.iter().any(|s| strictly_equal(s, scope))),
                // The reference calls `scopes.includes(...)`: a string does a substring search.
                Some(Value::String(text)) => Ok(text.contains(&js_string(scope))),
                Some(Value::Null) | None => {
                    Err(AuthError::type_error("Cannot read properties of undefined (reading 'includes')"))
                }
                Some(_) => Err(AuthError::type_error("authInfo.scopes.includes is not a function")),
            };
            let mut missing = Vec::new();
            for scope in required {
                if !has(scope)? {
                    missing.push(scope.clone());
                }
            }
            if !missing.is_empty() {
                return Err(bearer_error("missing_required_scopes").with_cause(json!({ "missingScopes": missing })));
            }
        }
        Ok(())
    }

    /// The HTTP answer for `error`, or `Err` with the error to rethrow (no answer written).
    pub fn respond(&self, error: AuthError) -> Result<ErrorResponse, AuthError> {
        // Without details, a token-verification answer shows no cause: one answer per code.
        let cause_hidden = !self.show_error_details && error.kind == ErrorKind::TokenVerification;
        let same_answer = |known: &AuthError| {
            known.kind == error.kind && known.code == error.code && (cause_hidden || known.cause == error.cause)
        };
        match self.prebuilt.iter().find(|(known, _)| same_answer(known)) {
            Some((_, response)) => Ok(response.clone()),
            None => self.build_response(error),
        }
    }

    fn build_response(&self, error: AuthError) -> Result<ErrorResponse, AuthError> {
        let resource_metadata = match &self.resource_metadata {
            Some(Err(type_error)) => return Err(type_error.clone()),
            Some(Ok(url)) => Some(url.as_str()),
            None => None,
        };
        let description = match error.kind {
            ErrorKind::BearerAuth => describe(BEARER_AUTH_ERRORS, &error.code, BEARER_AUTH_ERROR_FALLBACK).to_string(),
            ErrorKind::TokenVerification => {
                describe(TOKEN_VERIFICATION_ERRORS, &error.code, TOKEN_VERIFICATION_ERROR_FALLBACK).to_string()
            }
            ErrorKind::AuthServer => {
                let message = describe(AUTH_SERVER_ERRORS, &error.code, AUTH_SERVER_ERROR_FALLBACK);
                return Ok(server_error_response(&error.code, message, self.show_error_details));
            }
            ErrorKind::Config => {
                let message = error.message.as_deref().unwrap_or_default();
                return Ok(server_error_response(&error.code, message, self.show_error_details));
            }
            _ => return Err(error),
        };
        let message = error.message.clone().unwrap_or(description);
        let body = error_body(&error.code, &message, error.cause.as_ref(), self.show_error_details);
        Ok(challenge_response(&error.code, &message, resource_metadata, body))
    }
}

/// An error answer of the middleware.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: String,
}

/// `toJson(showCause)` of a bearer or token-verification error, snake_cased.
fn error_body(code: &str, message: &str, cause: Option<&Value>, show_cause: bool) -> Value {
    let mut body = Map::new();
    if !code.is_empty() {
        body.insert("error".into(), json!(code));
    }
    if !message.is_empty() {
        body.insert("errorDescription".into(), json!(message));
    }
    if let Some(cause) = cause.filter(|c| show_cause && truthy(c)) {
        body.insert("cause".into(), cause.clone());
    }
    if let Some(uri) = cause.and_then(|c| c.get("uri")).and_then(|u| u.get("href")).filter(|h| truthy(h)) {
        body.insert("errorUri".into(), uri.clone());
    }
    if let Some(missing) = cause.and_then(|c| c.get("missingScopes")).filter(|m| truthy(m)) {
        body.insert("missingScopes".into(), missing.clone());
    }
    snake_case_keys(Value::Object(body))
}

/// The reference's `toJson` output for an error raised in JS (already a JSON object), as a body.
pub fn js_error_body(to_json: Value) -> Value {
    snake_case_keys(to_json)
}

/// 401/403 with a `WWW-Authenticate` challenge. No escaping, as in the reference.
pub fn challenge_response(code: &str, message: &str, resource_metadata: Option<&str>, body: Value) -> ErrorResponse {
    let status = if code == "missing_required_scopes" { 403 } else { 401 };
    let mut params = vec![("error", code), ("error_description", message)];
    if status == 401 {
        params.push(("resource_metadata", resource_metadata.unwrap_or("")));
    }
    let header = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    ErrorResponse { status, www_authenticate: Some(format!("Bearer {header}")), body: body.to_string() }
}

/// 500 for authorization-server and configuration errors.
pub fn server_error_response(code: &str, message: &str, show_error_details: bool) -> ErrorResponse {
    let mut body = json!({ "error": "server_error", "error_description": AUTH_SERVER_ERROR_FALLBACK });
    if show_error_details {
        let mut cause = Map::new();
        if !code.is_empty() {
            cause.insert("error".into(), json!(code));
        }
        if !message.is_empty() {
            cause.insert("error_description".into(), json!(message));
        }
        body["cause"] = Value::Object(cause);
    }
    ErrorResponse { status: 500, www_authenticate: None, body: body.to_string() }
}

/// A jose failure as the reference reports it: `MCPAuthTokenVerificationError('invalid_token',
/// { code, cause: <jose error> })`.
pub fn token_error(error: &JoseError) -> AuthError {
    let mut raw = Map::new();
    raw.insert(RAW_MARKER.into(), error.to_json());
    raw.insert(MESSAGE_MARKER.into(), json!(error.message));
    AuthError::new(ErrorKind::TokenVerification, "invalid_token")
        .with_cause(json!({ "code": error.code, "cause": Value::Object(raw) }))
}

fn token_error_with_text(text: &str) -> AuthError {
    AuthError::new(ErrorKind::TokenVerification, "invalid_token").with_cause(json!({ "cause": text }))
}

/// `scope`/`scopes` → list, per the reference's rules.
fn scopes_of(value: Option<&Value>) -> Option<Vec<Value>> {
    match value? {
        Value::Array(items) => Some(items.iter().filter(|i| i.is_string()).cloned().collect()),
        Value::String(text) => Some(
            text.split(' ')
                .filter(|item| !item.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').is_empty())
                .map(|item| json!(item))
                .collect(),
        ),
        _ => None,
    }
}

/// What `AuthInfo` needs beyond the verified claims themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthInfo {
    pub claims: Claims,
    pub client_id: String,
    pub scopes: Value,
}

impl AuthInfo {
    pub fn issuer(&self) -> Option<&Value> {
        self.claims.get("iss")
    }

    pub fn audience(&self) -> Option<&Value> {
        self.claims.get("aud")
    }

    /// `{"clientId":…,"scopes":[…],"claims":<payload text>}`: the shim takes `issuer`,
    /// `audience`, `expiresAt` and `subject` from the claims it parses, and adds the token.
    pub fn to_json(&self) -> String {
        format!(r#"{{"clientId":{},"scopes":{},"claims":{}}}"#, json!(self.client_id), self.scopes, self.claims.text)
    }
}

/// Verified claims → `AuthInfo`, failing when `iss` or `sub` is not a non-empty string.
pub fn auth_info(claims: Claims) -> AuthResult<AuthInfo> {
    let map = &claims;
    let non_empty = |key: &str| map.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if !non_empty("iss") {
        return Err(token_error_with_text("The JWT payload does not contain the `iss` field or it is malformed."));
    }
    if !non_empty("sub") {
        return Err(token_error_with_text("The JWT payload does not contain the `sub` field or it is malformed."));
    }
    let client_id = match map.get("client_id").filter(|v| !v.is_null()).or_else(|| map.get("azp")) {
        Some(Value::String(id)) => id.clone(),
        _ => String::new(),
    };
    let scopes = Value::Array(scopes_of(map.get("scope")).or_else(|| scopes_of(map.get("scopes"))).unwrap_or_default());
    Ok(AuthInfo { claims, client_id, scopes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing_like_the_reference() {
        assert_eq!(parse_authorization(None).unwrap_err().code, "missing_auth_header");
        assert_eq!(parse_authorization(Some("")).unwrap_err().code, "missing_auth_header");
        assert_eq!(parse_authorization(Some("Bearer")).unwrap_err().code, "missing_bearer_token");
        assert_eq!(parse_authorization(Some("bearer ")).unwrap_err().code, "missing_bearer_token");
        assert_eq!(parse_authorization(Some("Bearer  tok")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Bearer\ttok")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Basic abc")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Bearer a b")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("BEARER tok")).unwrap(), "tok");
    }

    fn info(value: Value) -> AuthResult<AuthInfo> {
        auth_info(Claims::parse(value.to_string()).unwrap())
    }

    #[test]
    fn auth_info_mapping() {
        let mapped = info(json!({ "iss": "i", "sub": "s", "scope": "read  write", "azp": "c1", "exp": 5 })).unwrap();
        assert_eq!(mapped.scopes, json!(["read", "write"]));
        assert_eq!(mapped.client_id, "c1");
        let encoded: Value = serde_json::from_str(&mapped.to_json()).unwrap();
        assert_eq!(
            encoded,
            json!({ "clientId": "c1", "scopes": ["read", "write"], "claims": { "iss": "i", "sub": "s", "scope": "read  write", "azp": "c1", "exp": 5 } })
        );
        let pick = |c: Value| info(c).unwrap();
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "client_id": 5, "azp": "c" })).client_id, "");
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "client_id": "", "azp": "c" })).client_id, "");
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "scope": "", "scopes": ["read"] })).scopes, json!([]));
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "scope": null, "scopes": "a b" })).scopes, json!(["a", "b"]));
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "scope": ["a", 3, ""] })).scopes, json!(["a", ""]));
        assert_eq!(pick(json!({ "iss": "i", "sub": "s", "scope": "a\tb" })).scopes, json!(["a\tb"]));
        assert!(info(json!({ "iss": "i", "sub": "" })).is_err());
        assert!(info(json!({ "iss": "i", "sub": 5 })).is_err());
    }

    #[test]
    fn policy_checks_in_order() {
        let policy = Policy::new(
            IssuerRule::Trusted(vec!["https://a".into(), "https://b".into()]),
            Some(json!("r")),
            Some(json!(["read", "write"])),
            None,
            false,
        );
        let err = policy.check(Some(&json!("https://evil")), None, None).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.cause.unwrap()["expected"].clone()),
            ("invalid_issuer", json!("https://a, https://b"))
        );
        let err = policy.check(Some(&json!("https://a")), None, None).unwrap_err();
        assert_eq!(err.cause.unwrap(), json!({ "expected": "r" }));
        let err =
            policy.check(Some(&json!("https://a")), Some(&json!(["x", "r"])), Some(&json!(["read"]))).unwrap_err();
        assert_eq!(err.cause.unwrap(), json!({ "missingScopes": ["write"] }));
    }

    #[test]
    fn audience_and_scopes_compare_like_js() {
        let check = |audience: Value, scopes: Value, token_audience: Value, token_scopes: Value| {
            Policy::new(IssuerRule::External, Some(audience), Some(scopes), None, false).check(
                None,
                Some(&token_audience),
                Some(&token_scopes),
            )
        };
        assert_eq!(check(json!(5), json!([]), json!("5"), json!([])).unwrap_err().code, "invalid_audience");
        assert!(check(json!(5), json!([]), json!([4, 5]), json!([])).is_ok());
        let missing = check(json!("a"), json!([1, "read"]), json!("a"), json!(["1", "read"])).unwrap_err();
        assert_eq!(missing.cause.unwrap(), json!({ "missingScopes": [1] }));
        for not_a_list in [json!("read"), json!({ "0": "read" })] {
            let error = check(json!("a"), not_a_list, json!("a"), json!(["read"])).unwrap_err();
            assert_eq!(error.message.as_deref(), Some("requiredScopes.filter is not a function"));
        }
        assert!(check(json!("a"), json!(""), json!("a"), json!([])).is_ok(), "a falsy requiredScopes checks nothing");
    }

    #[test]
    fn challenges_and_bodies() {
        let policy = Policy::new(IssuerRule::External, None, None, Some("https://api.example.com/notes"), false);
        let response = policy.respond(bearer_error("missing_auth_header")).unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(
            response.www_authenticate.as_deref(),
            Some("Bearer error=\"missing_auth_header\", error_description=\"Missing `Authorization` header. Please provide a valid bearer token.\", resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/notes\"")
        );
        assert_eq!(
            response.body,
            r#"{"error":"missing_auth_header","error_description":"Missing `Authorization` header. Please provide a valid bearer token."}"#
        );
        let scopes = policy
            .respond(bearer_error("missing_required_scopes").with_cause(json!({ "missingScopes": ["write"] })))
            .unwrap();
        assert_eq!(scopes.status, 403);
        assert!(!scopes.www_authenticate.unwrap().contains("resource_metadata"));
        assert!(scopes.body.ends_with(r#""missing_scopes":["write"]}"#));
        let server = policy.respond(AuthError::auth_server("missing_jwks_uri")).unwrap();
        assert_eq!((server.status, server.www_authenticate), (500, None));
        let rethrown = policy.respond(AuthError::type_error("boom"));
        assert!(rethrown.is_err());
    }

    #[test]
    fn jose_errors_keep_their_own_keys() {
        let policy = Policy::new(IssuerRule::External, None, None, None, true);
        let mut claims = Map::new();
        claims.insert("myClaim".into(), json!(1));
        let jose = JoseError {
            code: "ERR_JWT_EXPIRED",
            message: String::new(),
            claim: Some("exp".into()),
            reason: Some("check_failed"),
            payload: Some(Value::Object(claims)),
        };
        let response = policy.respond(token_error(&jose)).unwrap();
        let body: Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(body["cause"]["code"], json!("ERR_JWT_EXPIRED"));
        assert_eq!(body["cause"]["cause"]["payload"], json!({ "myClaim": 1 }));
    }

    #[test]
    fn invalid_resource_turns_every_error_into_a_type_error() {
        let policy = Policy::new(IssuerRule::External, None, None, Some("not-a-url"), false);
        let error = policy.respond(bearer_error("missing_auth_header")).unwrap_err();
        assert_eq!(error.message.as_deref(), Some("Invalid resource identifier URI: not-a-url"));
    }
}
