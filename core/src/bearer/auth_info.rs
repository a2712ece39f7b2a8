//! From verified claims to `AuthInfo`, and the token errors on the way.

use super::header::bearer_error;
use crate::error::{AuthError, AuthResult, ErrorKind, ERROR_MESSAGE_KEY, ERROR_OBJECT_KEY};
use crate::jose::{Claims, JoseError};
use crate::js_value::truthy;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// An AuthInfo as the boundary's JSON (`AuthInfo::to_json`), numbered: no other text made in this
/// process has its `id`, so a consumer may keep what it parsed under the number (the JS layer
/// does, to give a repeated token a copy instead of a new parse).
#[derive(Debug, PartialEq)]
pub struct AuthInfoJson {
    pub id: u64,
    pub text: String,
}

impl AuthInfoJson {
    pub fn new(text: String) -> Arc<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(Self { id: NEXT.fetch_add(1, Ordering::Relaxed), text })
    }
}

fn bearer_error_with_text(code: &str, text: &str) -> AuthError {
    bearer_error(code).with_cause(json!({ "cause": text }))
}

/// The pre-check failure of a token that is not a decodable JWT.
pub(super) fn malformed_token() -> AuthError {
    bearer_error_with_text("invalid_token", "The JWT is malformed or invalid.")
}

/// The pre-check failure of a JWT without a truthy `iss`.
pub(super) fn missing_issuer() -> AuthError {
    bearer_error_with_text("invalid_token", "The JWT payload does not contain the `iss` field.")
}

/// The unverified `iss` of a JWT, or the reference's pre-check error.
pub fn unverified_issuer(claims: Option<&Claims>) -> AuthResult<&Value> {
    claims.ok_or_else(malformed_token)?.get("iss").filter(|iss| truthy(iss)).ok_or_else(missing_issuer)
}

/// A jose failure as the reference reports it: `MCPAuthTokenVerificationError('invalid_token',
/// { code, cause: <jose error> })`.
pub fn token_error(error: &JoseError) -> AuthError {
    let mut raw = Map::new();
    raw.insert(ERROR_OBJECT_KEY.into(), error.to_json());
    raw.insert(ERROR_MESSAGE_KEY.into(), json!(error.message));
    let error_for_js = AuthError::new(ErrorKind::TokenVerification, "invalid_token")
        .with_cause(json!({ "code": error.code, "cause": Value::Object(raw) }));
    AuthError { server_fault: error.server_fault, ..error_for_js }
}

/// `invalid_token` with a text cause (a token refused by a check of ours, not by jose).
pub fn token_refused(text: &str) -> AuthError {
    AuthError::new(ErrorKind::TokenVerification, "invalid_token").with_cause(json!({ "cause": text }))
}

/// `scope`/`scopes` → list, per the reference's rules.
pub(crate) fn scopes_of(value: Option<&Value>) -> Option<Vec<Value>> {
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
    /// The issuer when the claims name none (an introspection answer without `iss`: the server
    /// that answered).
    pub default_issuer: Option<Value>,
}

impl AuthInfo {
    pub fn issuer(&self) -> Option<&Value> {
        self.claims.get("iss").filter(|iss| !iss.is_null()).or(self.default_issuer.as_ref())
    }

    pub fn audience(&self) -> Option<&Value> {
        self.claims.get("aud")
    }

    /// `{"clientId":…,"scopes":[…],"claims":<payload text>}`: the JS layer takes `issuer`,
    /// `audience`, `expiresAt` and `subject` from the claims it parses, and adds the token;
    /// `"issuer"` is added when the claims name none.
    pub fn to_json(&self) -> String {
        let (client_id, scopes, claims) = (json!(self.client_id), &self.scopes, &self.claims.text);
        match self.default_issuer.as_ref().filter(|_| self.claims.get("iss").is_none_or(Value::is_null)) {
            Some(issuer) => {
                format!(r#"{{"clientId":{client_id},"scopes":{scopes},"claims":{claims},"issuer":{issuer}}}"#)
            }
            None => format!(r#"{{"clientId":{client_id},"scopes":{scopes},"claims":{claims}}}"#),
        }
    }
}

/// Verified claims → `AuthInfo`, failing when `iss` or `sub` is not a non-empty string.
pub fn auth_info(claims: Claims) -> AuthResult<AuthInfo> {
    let map = &claims;
    let non_empty = |key: &str| map.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if !non_empty("iss") {
        return Err(token_refused("The JWT payload does not contain the `iss` field or it is malformed."));
    }
    if !non_empty("sub") {
        return Err(token_refused("The JWT payload does not contain the `sub` field or it is malformed."));
    }
    let client_id = match map.get("client_id").filter(|v| !v.is_null()).or_else(|| map.get("azp")) {
        Some(Value::String(id)) => id.clone(),
        _ => String::new(),
    };
    let scopes = Value::Array(scopes_of(map.get("scope")).or_else(|| scopes_of(map.get("scopes"))).unwrap_or_default());
    Ok(AuthInfo { claims, client_id, scopes, default_issuer: None })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
