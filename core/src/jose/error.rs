//! jose's errors: code, message, and for claim failures the claim, reason and payload.

use super::claims::Claims;
use crate::error::ServerFault;
use serde_json::{json, Map, Value};

/// A verification failure. `code` is a jose error code, or `JWT_VERIFICATION_FAILED` for
/// failures jose raises as plain `TypeError`s.
#[derive(Debug, Clone, PartialEq)]
pub struct JoseError {
    pub code: &'static str,
    pub message: String,
    pub claim: Option<String>,
    pub reason: Option<&'static str>,
    pub payload: Option<Value>,
    /// Set when the key set, not the token, is at fault.
    pub server_fault: Option<ServerFault>,
}

pub const NOT_A_JOSE_ERROR: &str = "JWT_VERIFICATION_FAILED";

impl JoseError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), claim: None, reason: None, payload: None, server_fault: None }
    }

    pub fn with_fault(mut self, fault: ServerFault) -> Self {
        self.server_fault = Some(fault);
        self
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(NOT_A_JOSE_ERROR, message)
    }

    pub(super) fn claim_failure(
        code: &'static str,
        message: impl Into<String>,
        payload: &Claims,
        claim: &str,
        reason: &'static str,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            claim: Some(claim.to_string()),
            reason: Some(reason),
            payload: Some(payload.to_value()),
            server_fault: None,
        }
    }

    pub(crate) fn claim_check(message: impl Into<String>, payload: &Claims, claim: &str, reason: &'static str) -> Self {
        Self::claim_failure("ERR_JWT_CLAIM_VALIDATION_FAILED", message, payload, claim, reason)
    }

    /// The jose class name for the code (`None` for non-jose errors).
    pub fn class_name(&self) -> Option<&'static str> {
        Some(match self.code {
            "ERR_JWT_EXPIRED" => "JWTExpired",
            "ERR_JWT_CLAIM_VALIDATION_FAILED" => "JWTClaimValidationFailed",
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" => "JWSSignatureVerificationFailed",
            "ERR_JWS_INVALID" => "JWSInvalid",
            "ERR_JWT_INVALID" => "JWTInvalid",
            "ERR_JOSE_ALG_NOT_ALLOWED" => "JOSEAlgNotAllowed",
            "ERR_JOSE_NOT_SUPPORTED" => "JOSENotSupported",
            "ERR_JWKS_NO_MATCHING_KEY" => "JWKSNoMatchingKey",
            "ERR_JWKS_MULTIPLE_MATCHING_KEYS" => "JWKSMultipleMatchingKeys",
            "ERR_JWKS_INVALID" => "JWKSInvalid",
            "ERR_JWKS_TIMEOUT" => "JWKSTimeout",
            "ERR_JOSE_GENERIC" => "JOSEError",
            _ => return None,
        })
    }

    /// How the error object serializes in a JSON body: its own enumerable properties
    /// (`code`, `name`, and for claim failures `claim`, `reason`, `payload`); `{}` for a TypeError.
    pub fn to_json(&self) -> Value {
        let Some(name) = self.class_name() else { return json!({}) };
        let mut out = Map::new();
        out.insert("code".into(), json!(self.code));
        out.insert("name".into(), json!(name));
        if let (Some(claim), Some(reason), Some(payload)) = (&self.claim, self.reason, &self.payload) {
            out.insert("claim".into(), json!(claim));
            out.insert("reason".into(), json!(reason));
            out.insert("payload".into(), payload.clone());
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_has_jose_own_properties() {
        let claims = Claims::parse("{}".into()).unwrap();
        let error = JoseError::claim_failure("ERR_JWT_EXPIRED", "x", &claims, "exp", "check_failed");
        assert_eq!(
            error.to_json(),
            json!({ "code": "ERR_JWT_EXPIRED", "name": "JWTExpired", "claim": "exp", "reason": "check_failed", "payload": {} })
        );
        assert_eq!(JoseError::other("x").to_json(), json!({}));
    }
}
