//! `createVerifyJwt`: the token is checked in the core with the key the JS `getKey` produced.

use crate::options::verify_options;
use crate::throw::{js, json_arg};
use mcp_auth_core::jose::{KeyForm, VerifyOptions};
use mcp_auth_core::jwt;
use napi::Result;
use napi_derive::napi;

#[napi]
pub struct JwtKeyVerifier {
    options: VerifyOptions,
}

#[napi]
impl JwtKeyVerifier {
    #[napi(constructor, catch_unwind)]
    pub fn new(jwt_verify_json: String) -> Result<Self> {
        Ok(Self { options: verify_options(&json_arg(&jwt_verify_json)?) })
    }

    /// The protected header as JSON (what jose passes to `getKey`).
    #[napi(catch_unwind)]
    pub fn protected_header(&self, token: String) -> Result<String> {
        js(jwt::protected_header(&token, &self.options))
    }

    /// Verifies with the key as a JWK; returns AuthInfo JSON. `key_form`: what `getKey` returned
    /// (`jwk`, `cryptokey` or anything else).
    #[napi(catch_unwind)]
    pub fn verify(&self, token: String, jwk_json: String, key_form: String) -> Result<String> {
        let form = match key_form.as_str() {
            "jwk" => KeyForm::Jwk,
            "cryptokey" => KeyForm::CryptoKey,
            _ => KeyForm::Other,
        };
        js(jwt::verify_with_jwk(&token, &json_arg(&jwk_json)?, form, &self.options).map(|info| info.to_json()))
    }
}
