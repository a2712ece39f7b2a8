//! JWS/JWT verification with the semantics of jose 6 (the reference's engine): the same checks in
//! the same order, failing with the same error codes. Signatures are checked with aws-lc-rs; the
//! algorithm always comes from the token header *and* must fit the key type.

pub mod algorithm;
pub mod base64url;
pub mod claims;
pub mod compact;
pub mod error;
pub mod jwk_checks;
pub mod key;
mod members;
pub mod options;

pub use algorithm::{key_type_of, KeyType};
pub use base64url::base64url_decode;
pub use claims::{check_claims, decode_payload, validate_claims, Claims};
pub use compact::{parse_compact, CompactJws};
pub use error::{JoseError, NOT_A_JOSE_ERROR};
pub use jwk_checks::{check_jwk_restrictions, check_key_family, KeyForm};
pub use key::{verify_signature, VerificationKey};
pub use options::{duration_seconds, CheckStep, VerifyOptions};

/// A compact JWS with the given header and payload texts and a dummy signature.
#[cfg(test)]
pub(crate) fn test_token(header: &str, payload: &str) -> String {
    use base64::Engine;
    let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    format!("{}.{}.c2ln", encode(header), encode(payload))
}
