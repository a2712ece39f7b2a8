//! The `mcp-2026-07-28` profile (MCP authorization, revision 2026-07-28), opt-in per `MCPAuth`:
//! RFC 6750 challenges with `scope`, 400 `invalid_request` for malformed credentials, 403
//! `insufficient_scope` for step-up, the audience required and compared as canonical URIs,
//! stricter token times, 503 + `Retry-After` while the authorization server cannot be reached,
//! the discovered issuer equal to the configured one. `Compat` is the reference's behavior.

use crate::bearer::header::{bearer_error, Scheme};
use crate::error::{AuthError, AuthResult};
use crate::jose::{Claims, JoseError};
use reqwest::Url;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Compat,
    Mcp20260728,
}

impl Profile {
    /// `None` for a name that is no profile.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "compat" => Some(Self::Compat),
            "mcp-2026-07-28" => Some(Self::Mcp20260728),
            _ => None,
        }
    }
}

/// A scope a challenge never asks for (the spec: SHOULD NOT advertise it), and that a client could
/// never be granted by one.
pub const OFFLINE_ACCESS: &str = "offline_access";
/// How far ahead an `exp` may lie (plus the clock tolerance).
const MAX_LIFETIME_S: f64 = 365.0 * 86_400.0;
/// The profile's clock tolerance when `jwtVerify.clockTolerance` is not given.
pub const DEFAULT_CLOCK_TOLERANCE_S: f64 = 60.0;
/// `Retry-After` of a 503: the authorization server is asked again on the next request (failures
/// are not cached), so a short wait.
pub const RETRY_AFTER_S: u32 = 5;

/// An audience URI as compared under the profile: scheme and host lowercase, default port elided
/// (WHATWG parsing does both), at most one trailing slash of the path ignored; a value that is not
/// a URL stays as it is.
pub fn canonical_uri(value: &str) -> String {
    let Ok(url) = Url::parse(value) else { return value.to_string() };
    let origin = url.origin();
    if !origin.is_tuple() {
        return url.as_str().to_string();
    }
    let path = url.path();
    let mut canonical = format!("{}{}", origin.ascii_serialization(), path.strip_suffix('/').unwrap_or(path));
    if let Some(query) = url.query() {
        canonical.push('?');
        canonical.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        canonical.push('#');
        canonical.push_str(fragment);
    }
    canonical
}

/// Whether a token's `aud` (a string, or a list of which any member may match) names `expected`
/// (already canonical).
pub fn audience_matches(expected: &str, audience: Option<&Value>) -> bool {
    let names = |value: &Value| value.as_str().is_some_and(|aud| canonical_uri(aud) == expected);
    match audience {
        Some(Value::Array(items)) => items.iter().any(names),
        Some(value) => names(value),
        None => false,
    }
}

/// The profile's time rules, after jose's: `exp` required and at most a year ahead, `iat` not
/// ahead of now (both with the clock tolerance).
pub fn check_times(claims: &Claims, now_s: f64, tolerance_s: f64) -> Result<(), JoseError> {
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    let Some(exp) = number("exp") else {
        return Err(JoseError::claim_check("missing required \"exp\" claim", claims, "exp", "missing"));
    };
    if !exp.is_finite() || exp > now_s + MAX_LIFETIME_S + tolerance_s {
        return Err(JoseError::claim_check(
            "\"exp\" claim timestamp check failed (too far in the future)",
            claims,
            "exp",
            "check_failed",
        ));
    }
    if number("iat").is_some_and(|iat| iat > now_s + tolerance_s) {
        return Err(JoseError::claim_check(
            "\"iat\" claim timestamp check failed (it should be in the past)",
            claims,
            "iat",
            "check_failed",
        ));
    }
    Ok(())
}

/// `requiredScopes` as the profile takes them: strings, without `offline_access`, which no
/// challenge can get a client (a setup error).
pub fn required_scopes(required: Option<&Value>) -> AuthResult<Vec<String>> {
    let scopes: Vec<String> = required
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if scopes.iter().any(|s| s == OFFLINE_ACCESS) {
        return Err(AuthError::invalid_server_config(
            "`offline_access` cannot be a required scope under the `mcp-2026-07-28` profile: no challenge can grant it.",
        ));
    }
    Ok(scopes)
}

/// Scopes as a challenge lists them: in order, without duplicates and `offline_access`.
pub fn challenge_scopes<'a>(scopes: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut listed: Vec<String> = Vec::new();
    for scope in scopes {
        if scope != OFFLINE_ACCESS && !listed.contains(scope) {
            listed.push(scope.clone());
        }
    }
    listed
}

/// RFC 6750 §2.1 as the profile reads credentials: `Bearer` (any case), one or more spaces, one
/// b64token. No credentials (absent, empty, another scheme) is `missing_auth_header`; a malformed
/// Bearer credential is `invalid_request`.
pub fn parse_credentials(header: Option<&str>, dpop: bool) -> AuthResult<(Scheme, &str)> {
    let header = header.filter(|h| !h.is_empty()).ok_or_else(|| bearer_error("missing_auth_header"))?;
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let Some(scheme) = Scheme::named(scheme, dpop) else {
        return Err(bearer_error("missing_auth_header"));
    };
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let b64token = !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if b64token {
        Ok((scheme, token))
    } else {
        Err(bearer_error("invalid_request"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_audiences() {
        let same = |a: &str, b: &str| canonical_uri(a) == canonical_uri(b);
        assert!(same("https://API.example.com:443/mcp/", "https://api.example.com/mcp"));
        assert!(same("HTTPS://api.example.com", "https://api.example.com/"));
        assert!(same("http://127.0.0.1:80/x", "http://127.0.0.1/x"));
        assert!(!same("https://api.example.com/mcp", "https://api.example.com/MCP"));
        assert!(!same("https://api.example.com/mcp//", "https://api.example.com/mcp"), "one trailing slash only");
        assert!(!same("https://api.example.com:8443/mcp", "https://api.example.com/mcp"));
        assert!(same("urn:example:api", "urn:example:api"));
        assert!(!same("not a url", "Not a url"));
        let expected = canonical_uri("https://api.example.com/mcp");
        assert!(audience_matches(&expected, Some(&json!(["other", "https://api.example.com/mcp/"]))));
        assert!(!audience_matches(&expected, Some(&json!(5))));
        assert!(!audience_matches(&expected, None));
    }

    #[test]
    fn times() {
        let claims = |value: Value| Claims::parse(value.to_string()).unwrap();
        let now = 1_000_000.0;
        assert!(check_times(&claims(json!({ "exp": now + 10.0, "iat": now })), now, 60.0).is_ok());
        assert_eq!(check_times(&claims(json!({ "iat": now })), now, 60.0).unwrap_err().reason, Some("missing"));
        let far = json!({ "exp": now + 366.0 * 86_400.0 });
        assert_eq!(check_times(&claims(far), now, 60.0).unwrap_err().claim.as_deref(), Some("exp"));
        assert!(check_times(&claims(json!({ "exp": now + 10.0, "iat": now + 59.0 })), now, 60.0).is_ok());
        let ahead = json!({ "exp": now + 10.0, "iat": now + 61.0 });
        assert_eq!(check_times(&claims(ahead), now, 60.0).unwrap_err().claim.as_deref(), Some("iat"));
    }

    #[test]
    fn credentials() {
        assert_eq!(parse_credentials(Some("bearer   abc.def-_~+/=="), false).unwrap().1, "abc.def-_~+/==");
        assert_eq!(parse_credentials(Some("DPoP abc"), true).unwrap(), (Scheme::DPoP, "abc"));
        assert_eq!(parse_credentials(Some("DPoP abc"), false).unwrap_err().code, "missing_auth_header");
        for none in [None, Some(""), Some("Basic abc"), Some("DPoP abc"), Some("Bearer\tabc")] {
            assert_eq!(parse_credentials(none, false).unwrap_err().code, "missing_auth_header", "{none:?}");
        }
        for malformed in ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer =", "Bearer a "] {
            assert_eq!(parse_credentials(Some(malformed), false).unwrap_err().code, "invalid_request", "{malformed:?}");
        }
    }

    #[test]
    fn scopes() {
        assert!(required_scopes(Some(&json!(["read", "offline_access"]))).is_err());
        assert_eq!(required_scopes(Some(&json!(["read", 5]))).unwrap(), ["read"]);
        let listed =
            challenge_scopes(&["a".to_string(), "offline_access".to_string(), "b".to_string(), "a".to_string()]);
        assert_eq!(listed, ["a", "b"]);
    }
}
