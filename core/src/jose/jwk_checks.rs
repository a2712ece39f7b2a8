//! jose's checks of a key handed to `createVerifyJwt`: JWK restrictions and key family.

use super::algorithm::{key_type_of, KeyType};
use super::error::JoseError;
use serde_json::{Map, Value};

/// What a `createVerifyJwt` key function returned: jose checks each form differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// A JWK object.
    Jwk,
    CryptoKey,
    /// A KeyObject or bytes.
    Other,
}

/// jose's checks of a JWK object handed to it for verifying with a supported `alg`: its `use`,
/// `alg` and `key_ops`, when present, must allow that (a TypeError otherwise).
pub fn check_jwk_restrictions(form: KeyForm, jwk: &Map<String, Value>, alg: &str) -> Result<(), JoseError> {
    if form != KeyForm::Jwk || key_type_of(alg).is_none() {
        return Ok(());
    }
    if jwk.get("use").is_some_and(|u| u != "sig") {
        return Err(JoseError::other("Invalid key for this operation, its \"use\" must be \"sig\" when present"));
    }
    if jwk.get("alg").is_some_and(|a| a != alg) {
        return Err(JoseError::other(format!(
            "Invalid key for this operation, its \"alg\" must be \"{alg}\" when present"
        )));
    }
    if let Some(Value::Array(ops)) = jwk.get("key_ops") {
        if !ops.iter().any(|op| op == "verify") {
            return Err(JoseError::other(
                "Invalid key for this operation, its \"key_ops\" must include \"verify\" when present",
            ));
        }
    }
    Ok(())
}

/// A key of another family than `alg` needs: jose reports it as unsupported, but as a TypeError
/// for a CryptoKey, for a JWK given for an HMAC algorithm, and for a KeyObject when one side is
/// a secret.
pub fn check_key_family(form: KeyForm, alg: &str, key_type: KeyType) -> Result<(), JoseError> {
    let expected = key_type_of(alg);
    if expected.is_some_and(|t| std::mem::discriminant(&t) == std::mem::discriminant(&key_type)) {
        return Ok(());
    }
    let type_error = match form {
        KeyForm::Jwk => expected == Some(KeyType::Oct),
        KeyForm::CryptoKey => true,
        KeyForm::Other => key_type == KeyType::Oct || expected == Some(KeyType::Oct),
    };
    if type_error {
        return Ok(());
    }
    Err(JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Invalid or unsupported JWK for this algorithm"))
}
