//! JWT claims: the payload text, the members the checks read, and jose's claim checks.

use super::base64url::base64url_decode;
use super::compact::{jws_invalid, CompactJws};
use super::error::JoseError;
use super::members::{has_member, pick_members};
use super::options::{CheckStep, VerifyOptions};
use serde_json::Value;

/// The payload members the checks read.
// `cnf`: the key a sender-constrained (DPoP) token is bound to.
const CLAIM_NAMES: [&str; 11] =
    ["iss", "sub", "aud", "exp", "nbf", "iat", "client_id", "azp", "scope", "scopes", "cnf"];

/// A JWT payload: its text (handed to JS as is, so `JSON.parse` there builds exactly the object
/// the reference's jose builds) and the members the checks read.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub text: String,
    members: [Option<Value>; CLAIM_NAMES.len()],
}

impl Claims {
    /// `None` unless `text` is one JSON object.
    pub fn parse(text: String) -> Option<Self> {
        let members = pick_members(&text, &CLAIM_NAMES)?;
        Some(Self { text, members })
    }

    /// A member the checks read (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `client_id`, `azp`,
    /// `scope`, `scopes`, `cnf`); `None` when absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let index = CLAIM_NAMES.iter().position(|n| *n == name);
        debug_assert!(index.is_some(), "claim {name} is not read when parsing");
        self.members[index?].as_ref()
    }

    /// Whether the payload has member `name` (any name).
    pub fn contains(&self, name: &str) -> bool {
        match CLAIM_NAMES.iter().position(|n| *n == name) {
            Some(index) => self.members[index].is_some(),
            None => has_member(&self.text, name),
        }
    }

    /// The whole payload as a JSON value (for error details; `null` beyond the parser's depth
    /// limit).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// Decodes a payload segment to a JSON object (strict UTF-8, as jose 6.2's `decodeJwt`).
pub fn decode_payload(payload_b64: &str) -> Option<Claims> {
    Claims::parse(String::from_utf8(base64url_decode(payload_b64)?).ok()?)
}

fn normalize_typ(value: &str) -> String {
    let lower = value.to_lowercase();
    if value.contains('/') {
        lower
    } else {
        format!("application/{lower}")
    }
}

fn numeric_claim(claims: &Claims, claim: &str, required: bool) -> Result<Option<f64>, JoseError> {
    match claims.get(claim) {
        None if !required => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        _ => Err(JoseError::claim_check(format!("\"{claim}\" claim must be a number"), claims, claim, "invalid")),
    }
}

/// jose's `validateClaimsSet`, after the signature is known good: decodes the payload, then
/// [`check_claims`].
pub fn validate_claims(jws: &CompactJws<'_>, options: &VerifyOptions) -> Result<Claims, JoseError> {
    let bytes =
        base64url_decode(jws.payload_b64).ok_or_else(|| jws_invalid("Failed to base64url decode the payload"))?;
    let invalid_claims = || JoseError::new("ERR_JWT_INVALID", "JWT Claims Set must be a top-level JSON object");
    let text = String::from_utf8(bytes).map_err(|_| invalid_claims())?;
    let claims = Claims::parse(text).ok_or_else(invalid_claims)?;
    check_claims(jws, claims, options)
}

/// The checks of jose's `validateClaimsSet` on decoded claims, in jose's order.
pub fn check_claims(jws: &CompactJws<'_>, claims: Claims, options: &VerifyOptions) -> Result<Claims, JoseError> {
    let map = &claims;
    if let Some(typ) = &options.typ {
        let matches = jws.typ.as_ref().and_then(Value::as_str).is_some_and(|t| normalize_typ(t) == normalize_typ(typ));
        if !matches {
            return Err(JoseError::claim_check("unexpected \"typ\" JWT header value", map, "typ", "check_failed"));
        }
    }
    options.fail_at(CheckStep::Presence)?;
    let mut presence: Vec<&str> = options.required_claims.iter().map(String::as_str).collect();
    if options.requires_iat {
        presence.push("iat");
    }
    if options.audience.is_some() {
        presence.push("aud");
    }
    if options.subject.is_some() {
        presence.push("sub");
    }
    if options.issuer.is_some() {
        presence.push("iss");
    }
    presence.reverse();
    let mut seen = Vec::new();
    for claim in presence {
        if seen.contains(&claim) {
            continue;
        }
        seen.push(claim);
        if !map.contains(claim) {
            return Err(JoseError::claim_check(format!("missing required \"{claim}\" claim"), map, claim, "missing"));
        }
    }
    let unexpected =
        |claim: &str| JoseError::claim_check(format!("unexpected \"{claim}\" claim value"), map, claim, "check_failed");
    if let Some(issuers) = &options.issuer {
        if !map.get("iss").and_then(Value::as_str).is_some_and(|iss| issuers.iter().any(|i| i == iss)) {
            return Err(unexpected("iss"));
        }
    }
    if let Some(subject) = &options.subject {
        if map.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
            return Err(unexpected("sub"));
        }
    }
    if let Some(audience) = &options.audience {
        options.fail_at(CheckStep::Audience)?;
        let present = match map.get("aud") {
            Some(Value::String(aud)) => audience.contains(aud),
            Some(Value::Array(auds)) => audience.iter().any(|a| auds.iter().any(|v| v.as_str() == Some(a))),
            _ => false,
        };
        if !present {
            return Err(unexpected("aud"));
        }
    }
    options.fail_at(CheckStep::Clock)?;
    let tolerance = options.clock_tolerance;
    let now = options.now_seconds();
    let iat = numeric_claim(map, "iat", options.requires_iat)?;
    if let Some(nbf) = numeric_claim(map, "nbf", false)? {
        if nbf > now + tolerance {
            return Err(JoseError::claim_check("\"nbf\" claim timestamp check failed", map, "nbf", "check_failed"));
        }
    }
    if let Some(exp) = numeric_claim(map, "exp", false)? {
        if exp <= now - tolerance {
            return Err(JoseError::claim_failure(
                "ERR_JWT_EXPIRED",
                "\"exp\" claim timestamp check failed",
                map,
                "exp",
                "check_failed",
            ));
        }
    }
    if options.requires_iat {
        options.fail_at(CheckStep::MaxTokenAge)?;
    }
    if let (Some(max), Some(iat)) = (options.max_token_age, iat) {
        let age = now - iat;
        if age - tolerance > max {
            return Err(JoseError::claim_failure(
                "ERR_JWT_EXPIRED",
                "\"iat\" claim timestamp check failed (too far in the past)",
                map,
                "iat",
                "check_failed",
            ));
        }
        if age < -tolerance {
            return Err(JoseError::claim_check(
                "\"iat\" claim timestamp check failed (it should be in the past)",
                map,
                "iat",
                "check_failed",
            ));
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::compact::parse_compact;
    use crate::jose::test_token as jws;
    use serde_json::json;

    fn claims_error(payload: &str, options: &VerifyOptions) -> JoseError {
        let token = jws(r#"{"alg":"RS256"}"#, payload);
        let parsed = parse_compact(&token, options).unwrap();
        validate_claims(&parsed, options).unwrap_err()
    }

    #[test]
    fn claim_checks_in_jose_order() {
        let at = |seconds: f64| VerifyOptions { current_date_ms: Some(seconds * 1000.0 + 999.0), ..Default::default() };
        assert_eq!(claims_error(r#"{"exp":100}"#, &at(100.0)).code, "ERR_JWT_EXPIRED");
        assert_eq!(claims_error(r#"{"nbf":221}"#, &at(100.0)).code, "ERR_JWT_CLAIM_VALIDATION_FAILED");
        assert_eq!(claims_error(r#"{"exp":"100"}"#, &at(1.0)).reason, Some("invalid"));
        assert_eq!(claims_error("[1]", &at(1.0)).code, "ERR_JWT_INVALID");
        let tolerant = VerifyOptions { clock_tolerance: 60.0, ..at(100.0) };
        let token = jws(r#"{"alg":"RS256"}"#, r#"{"exp":70}"#);
        assert!(validate_claims(&parse_compact(&token, &tolerant).unwrap(), &tolerant).is_ok());
        let required = VerifyOptions { required_claims: vec!["exp".into()], ..Default::default() };
        let error = claims_error("{}", &required);
        assert_eq!((error.claim.as_deref(), error.reason), (Some("exp"), Some("missing")));
        let audience = VerifyOptions { audience: Some(vec!["r".into()]), ..Default::default() };
        assert_eq!(claims_error(r#"{"aud":"other"}"#, &audience).claim.as_deref(), Some("aud"));
    }

    #[test]
    fn claims_read_like_json_parse() {
        let claims = Claims::parse(r#"{"iss":"a","\u0069ss":"b","x":[[[{"y":1e400}]]],"sub":"s"}"#.into()).unwrap();
        assert_eq!(claims.get("iss"), Some(&json!("b")), "escaped names match; the last duplicate wins");
        assert_eq!(claims.get("sub"), Some(&json!("s")));
        assert_eq!(claims.get("aud"), None);
        assert!(claims.contains("x") && !claims.contains("y"));
        let deep = format!(r#"{{"iss":"a","x":{}{}}}"#, "[".repeat(500), "]".repeat(500));
        assert!(Claims::parse(deep).is_some(), "members not read are only syntax-checked");
        for bad in ["[1]", "{} x", r#"{"iss":}"#, r#"{"x":[}"#, ""] {
            assert!(Claims::parse(bad.into()).is_none(), "{bad}");
        }
        assert!(Claims::parse(r#"{"exp":1e400}"#.into()).is_none(), "read members are parsed");
    }
}
