//! The answers of a middleware with `dpop` (RFC 9449 §7.1): every 401 carries a `DPoP` challenge
//! naming the accepted algorithms, beside the `Bearer` one unless only DPoP-bound tokens are
//! accepted. The error goes on the challenge of the scheme the client used; a problem with the
//! proof itself is always the `DPoP` challenge's `invalid_dpop_proof`. The `DPoP` challenge also
//! carries `resource_metadata` (and the profile's `scope`), so that a client finds them whichever
//! challenge it reads (with `required`, it is the only one).

use super::answer::{quoted, ErrorResponse};
use super::header::{bearer_error, Scheme};
use crate::error::AuthError;
use serde_json::Value;

pub const INVALID_DPOP_PROOF: &str = "invalid_dpop_proof";

/// A refused proof (missing, malformed, failing a check, replayed): 401 `invalid_dpop_proof`.
pub fn proof_error(description: impl Into<String>) -> AuthError {
    bearer_error(INVALID_DPOP_PROOF).with_message(description)
}

#[derive(Debug, Clone, PartialEq)]
pub struct DpopChallenge {
    /// `algs` of the challenge.
    pub algs: String,
    /// Only DPoP-bound tokens are accepted: no `Bearer` challenge.
    pub required: bool,
    /// The middleware's `Bearer` challenge without an error.
    pub plain_bearer: String,
}

impl DpopChallenge {
    /// `response` (built for the `Bearer` scheme) as answered to a request that used `scheme`.
    pub fn decorate(&self, response: &mut ErrorResponse, scheme: Scheme) {
        let Some(bearer) = response.www_authenticate.take() else { return };
        if response.status != 401 {
            // A 403 (insufficient scope) is answered on the scheme the client used.
            response.www_authenticate = Some(match scheme {
                Scheme::DPoP => format!("DPoP algs={}, {}", quoted(&self.algs), bearer.trim_start_matches("Bearer ")),
                Scheme::Bearer => bearer,
            });
            return;
        }
        let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
        let error = body.get("error").and_then(Value::as_str);
        let on_dpop = scheme == Scheme::DPoP || self.required || error == Some(INVALID_DPOP_PROOF);
        let mut dpop = format!("DPoP algs={}", quoted(&self.algs));
        if let (true, Some(error)) = (on_dpop, error) {
            dpop.push_str(&format!(", error={}", quoted(error)));
            if let Some(description) = body.get("error_description").and_then(Value::as_str) {
                dpop.push_str(&format!(", error_description={}", quoted(description)));
            }
        }
        if let Some(params) = self.plain_bearer.strip_prefix("Bearer ") {
            dpop.push_str(&format!(", {params}"));
        }
        let bearer = if on_dpop { self.plain_bearer.clone() } else { bearer };
        response.www_authenticate = Some(if self.required { dpop } else { format!("{bearer}, {dpop}") });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, challenge: &str, body: Value) -> ErrorResponse {
        ErrorResponse { status, www_authenticate: Some(challenge.into()), body: body.to_string(), retry_after: None }
    }

    fn challenge(required: bool) -> DpopChallenge {
        DpopChallenge { algs: "ES256 EdDSA".into(), required, plain_bearer: r#"Bearer resource_metadata="m""#.into() }
    }

    #[test]
    fn the_error_goes_on_the_scheme_used() {
        let token_error = json!({ "error": "invalid_token", "error_description": "d" });
        let bearer_built = r#"Bearer error="invalid_token", error_description="d", resource_metadata="m""#;
        let mut as_bearer = response(401, bearer_built, token_error.clone());
        challenge(false).decorate(&mut as_bearer, Scheme::Bearer);
        assert_eq!(
            as_bearer.www_authenticate.unwrap(),
            format!(r#"{bearer_built}, DPoP algs="ES256 EdDSA", resource_metadata="m""#)
        );
        let mut as_dpop = response(401, bearer_built, token_error);
        challenge(false).decorate(&mut as_dpop, Scheme::DPoP);
        assert_eq!(
            as_dpop.www_authenticate.unwrap(),
            r#"Bearer resource_metadata="m", DPoP algs="ES256 EdDSA", error="invalid_token", error_description="d", resource_metadata="m""#
        );
        let proof = json!({ "error": INVALID_DPOP_PROOF, "error_description": "replayed" });
        let mut refused = response(401, "Bearer x", proof);
        challenge(true).decorate(&mut refused, Scheme::DPoP);
        assert_eq!(
            refused.www_authenticate.unwrap(),
            r#"DPoP algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="replayed", resource_metadata="m""#
        );
        let mut forbidden = response(403, r#"Bearer error="insufficient_scope", scope="a""#, json!({}));
        challenge(false).decorate(&mut forbidden, Scheme::DPoP);
        assert_eq!(
            forbidden.www_authenticate.unwrap(),
            r#"DPoP algs="ES256 EdDSA", error="insufficient_scope", scope="a""#
        );
        let mut unavailable =
            ErrorResponse { status: 503, www_authenticate: None, body: "{}".into(), retry_after: Some(5) };
        challenge(false).decorate(&mut unavailable, Scheme::DPoP);
        assert_eq!(unavailable.www_authenticate, None);
    }
}
