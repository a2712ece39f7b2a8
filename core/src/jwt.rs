//! JWT access tokens: from a compact JWS and its key to `AuthInfo`. Both `bearerAuth('jwt')` (keys
//! from the JWKS) and `createVerifyJwt` (a key from the caller) end here.

use crate::bearer::{auth_info, token_error, AuthInfo};
use crate::error::AuthResult;
use crate::jose::{
    check_claims, check_jwk_restrictions, check_key_family, parse_compact, validate_claims, verify_signature, Claims,
    CompactJws, JoseError, KeyForm, VerificationKey, VerifyOptions,
};
use serde_json::Value;

/// Signature, claims, `AuthInfo`: the tail of every verification. `claims`: the payload when it
/// was already decoded (the unverified-issuer pre-check); decoded here otherwise.
pub fn verify_access_token(
    jws: &CompactJws<'_>,
    key: &VerificationKey,
    claims: Option<Claims>,
    options: &VerifyOptions,
) -> AuthResult<AuthInfo> {
    verify_signature(jws, key).map_err(|e| token_error(&e))?;
    let claims = match claims {
        Some(claims) => check_claims(jws, claims, options),
        None => validate_claims(jws, options),
    };
    auth_info(claims.map_err(|e| token_error(&e))?)
}

/// The protected header of `token` as sent (what jose hands a `getKey` function).
pub fn protected_header(token: &str, options: &VerifyOptions) -> AuthResult<String> {
    Ok(parse_compact(token, options).map_err(|e| token_error(&e))?.header_text)
}

/// `createVerifyJwt`: verifies `token` with the key a `getKey` function produced, as a JWK;
/// `form` says what it returned (jose checks each form differently).
pub fn verify_with_jwk(token: &str, jwk: &Value, form: KeyForm, options: &VerifyOptions) -> AuthResult<AuthInfo> {
    let jws = parse_compact(token, options).map_err(|e| token_error(&e))?;
    if let Some(members) = jwk.as_object() {
        check_jwk_restrictions(form, members, &jws.alg).map_err(|e| token_error(&e))?;
    }
    let key = jwk
        .as_object()
        .ok_or_else(|| "key is not a JWK".to_string())
        .and_then(VerificationKey::from_jwk)
        .map_err(|e| token_error(&JoseError::other(e)))?;
    check_key_family(form, &jws.alg, key.key_type).map_err(|e| token_error(&e))?;
    verify_access_token(&jws, &key, None, options)
}
