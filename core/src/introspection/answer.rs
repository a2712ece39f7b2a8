//! Reading an introspection answer (RFC 7662 §2.2): active or not, the checks an active answer
//! must pass, and the `AuthInfo` it becomes.

use crate::bearer::auth_info::scopes_of;
use crate::bearer::{token_refused, AuthInfo, AuthInfoJson, IssuerRule, ScopeClaims};
use crate::error::{AuthError, ServerFault};
use crate::jose::Claims;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// An active answer that passed the checks, as the pipeline hands it on.
#[derive(Debug, PartialEq)]
pub struct Introspected {
    pub auth_info: AuthInfo,
    /// `auth_info` as the boundary's JSON, built once.
    pub json: Arc<AuthInfoJson>,
}

/// What an answer says about a token.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Active; `exp` (epoch seconds) when the answer has one.
    Active(Arc<Introspected>, Option<f64>),
    Inactive,
}

/// A failed exchange with the endpoint: never cached; the profile answers `fault` 503 or 500,
/// compat every one 500.
pub fn endpoint_failure(why: impl Into<String>, fault: ServerFault) -> AuthError {
    AuthError::auth_server("introspection_failed").with_cause(json!({ "cause": why.into() })).with_fault(fault)
}

/// What the checks of an answer need to know.
pub struct AnswerRules<'a> {
    /// The issuer of the server asked (an answer's `iss` must be it; without one, it is the
    /// token's issuer).
    pub issuer: &'a str,
    pub now_seconds: f64,
    pub clock_tolerance: f64,
    pub scope_claims: Option<&'a ScopeClaims>,
}

/// A 2xx body: JSON, an object, then [`read_answer`].
pub fn read_body(body: Vec<u8>, rules: &AnswerRules<'_>) -> Result<Answer, AuthError> {
    let misconfigured = |why: &str| endpoint_failure(why, ServerFault::Misconfigured);
    let text = String::from_utf8(body).map_err(|_| misconfigured("The introspection answer is not UTF-8 JSON."))?;
    let parsed: Value =
        serde_json::from_str(&text).map_err(|_| misconfigured("The introspection answer is not JSON."))?;
    let Value::Object(members) = parsed else {
        return Err(misconfigured("The introspection answer is not a JSON object."));
    };
    read_answer(text, &members, rules)
}

/// `active` must be the JSON `true` (`"true"`, `1` or no member are inactive); an active answer's
/// `iss` must be the server's, and its `exp`/`nbf` hold now (with the tolerance).
fn read_answer(text: String, members: &Map<String, Value>, rules: &AnswerRules<'_>) -> Result<Answer, AuthError> {
    if members.get("active") != Some(&Value::Bool(true)) {
        return Ok(Answer::Inactive);
    }
    if let Some(iss) = members.get("iss").filter(|iss| !iss.is_null()) {
        IssuerRule::Exact(rules.issuer.to_string()).check(Some(iss))?;
    }
    let number = |name: &str| members.get(name).and_then(Value::as_f64);
    let exp = number("exp");
    if exp.is_some_and(|exp| exp <= rules.now_seconds - rules.clock_tolerance) {
        return Err(token_refused("The introspection answer's `exp` has passed."));
    }
    if number("nbf").is_some_and(|nbf| nbf > rules.now_seconds + rules.clock_tolerance) {
        return Err(token_refused("The introspection answer's `nbf` is in the future."));
    }
    let scopes = match rules.scope_claims {
        Some(scope_claims) => scope_claims.scopes(members),
        None => Value::Array(
            scopes_of(members.get("scope")).or_else(|| scopes_of(members.get("scopes"))).unwrap_or_default(),
        ),
    };
    let client_id = members.get("client_id").and_then(Value::as_str).unwrap_or_default().to_string();
    let claims = Claims::parse(text).ok_or_else(|| AuthError::type_error("introspection answer unreadable"))?;
    let auth_info = AuthInfo { claims, client_id, scopes, default_issuer: Some(json!(rules.issuer)) };
    let json = AuthInfoJson::new(auth_info.to_json());
    Ok(Answer::Active(Arc::new(Introspected { auth_info, json }), exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://as.example";

    fn read(answer: Value) -> Result<Answer, AuthError> {
        let rules = AnswerRules { issuer: ISSUER, now_seconds: 1000.0, clock_tolerance: 0.0, scope_claims: None };
        read_body(answer.to_string().into_bytes(), &rules)
    }

    fn active(answer: Value) -> Arc<Introspected> {
        match read(answer).unwrap() {
            Answer::Active(introspected, _) => introspected,
            Answer::Inactive => panic!("inactive"),
        }
    }

    #[test]
    fn only_active_true_is_active() {
        for inactive in [json!({ "active": false }), json!({ "active": "true" }), json!({ "active": 1 }), json!({})] {
            assert_eq!(read(inactive).unwrap(), Answer::Inactive);
        }
    }

    #[test]
    fn auth_info_of_an_active_answer() {
        let minimal = active(json!({ "active": true }));
        let encoded: Value = serde_json::from_str(&minimal.json.text).unwrap();
        assert_eq!(encoded, json!({ "clientId": "", "scopes": [], "claims": { "active": true }, "issuer": ISSUER }));
        let full =
            active(json!({ "active": true, "iss": ISSUER, "client_id": "c", "scope": "a b", "sub": "u", "exp": 2000 }));
        let encoded: Value = serde_json::from_str(&full.json.text).unwrap();
        assert_eq!(
            (&encoded["clientId"], &encoded["scopes"], encoded.get("issuer")),
            (&json!("c"), &json!(["a", "b"]), None)
        );
        assert_eq!(full.auth_info.issuer(), Some(&json!(ISSUER)));
    }

    #[test]
    fn refused_answers() {
        assert_eq!(read(json!({ "active": true, "iss": "https://other" })).unwrap_err().code, "invalid_issuer");
        assert_eq!(read(json!({ "active": true, "exp": 1000 })).unwrap_err().code, "invalid_token");
        assert_eq!(read(json!({ "active": true, "nbf": 1001 })).unwrap_err().code, "invalid_token");
        for (body, why) in [(&b"not json"[..], "not JSON"), (b"[1]", "not a JSON object"), (b"\xff", "not UTF-8")] {
            let rules = AnswerRules { issuer: ISSUER, now_seconds: 0.0, clock_tolerance: 0.0, scope_claims: None };
            let error = read_body(body.to_vec(), &rules).unwrap_err();
            assert_eq!(
                (error.code.as_str(), error.server_fault),
                ("introspection_failed", Some(ServerFault::Misconfigured))
            );
            assert!(error.cause.unwrap()["cause"].as_str().unwrap().contains(why));
        }
    }
}
