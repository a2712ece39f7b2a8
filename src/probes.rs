//! Test-only exports (feature `test-probes`, built into the test addon, never shipped): panics,
//! to prove none crosses into Node, the Rust half of the codec, for the JS round trips, and the
//! bare signature check, the benchmark's verify floor.

use crate::codec::{decode_jwks_answer, encode_decision, encode_jwks_request};
use crate::throw::{json_arg, to_js};
use mcp_auth_core::bearer::{AuthInfoJson, ErrorResponse};
use mcp_auth_core::error::{AuthError, ErrorKind, ERROR_MESSAGE_KEY, ERROR_OBJECT_KEY};
use mcp_auth_core::jose::{parse_compact, verify_signature, VerifyOptions};
use mcp_auth_core::jwks::{HostFetchError, KeySet};
use mcp_auth_core::pipeline::Decision;
use mcp_auth_core::snake_case::snake_case_keys;
use napi::Result;
use napi_derive::napi;
use serde_json::{json, Value};
use std::time::Duration;

#[napi(catch_unwind)]
pub fn panic_probe(message: String) -> String {
    panic!("{message}")
}

/// The panic must become a rejected promise.
#[napi]
pub async fn panic_probe_async(message: String) -> Result<String> {
    panic!("{message}")
}

/// Every kind of encoded decision, each beside what it stands for: `[{ encoded, expected }]`.
#[napi(catch_unwind)]
pub fn codec_probe_decisions() -> String {
    let error = AuthError::new(ErrorKind::TokenVerification, "invalid_token").with_cause(json!({
        "code": "ERR_JWT_EXPIRED",
        "cause": { ERROR_OBJECT_KEY: { "code": "ERR_JWT_EXPIRED", "name": "JWTExpired" }, ERROR_MESSAGE_KEY: "expired" },
    }));
    let answer = ErrorResponse {
        status: 401,
        www_authenticate: Some("Bearer error=\"x\"".into()),
        body: r#"{"a":"\u0000b"}"#.into(),
        retry_after: None,
    };
    let unavailable = ErrorResponse { status: 503, www_authenticate: None, body: "{}".into(), retry_after: Some(5) };
    let cases = [
        (
            Decision::Authenticated(Some(AuthInfoJson::new(
                r#"{"clientId":"c","scopes":["a"],"claims":{"sub":"s"}}"#.into(),
            ))),
            None,
        ),
        (Decision::Authenticated(None), Some("a warning")),
        (Decision::VerifyToken, None),
        (Decision::Answer(answer.clone()), Some("w")),
        (Decision::Answer(unavailable), None),
        (Decision::Rethrow(Some(error.clone())), None),
        (Decision::Rethrow(None), None),
        (Decision::FetchFirst, None),
    ];
    let described: Vec<Value> = cases
        .iter()
        .map(|(decision, warning)| {
            let expected = match decision {
                Decision::Authenticated(info) => json!({
                    "tag": "authenticated",
                    "authInfo": info.as_ref().map(|info| &info.text),
                    "authInfoId": info.as_ref().map(|info| info.id.to_string()),
                }),
                Decision::VerifyToken => json!({ "tag": "verifyToken" }),
                Decision::Answer(r) => {
                    json!({ "tag": "answer", "status": r.status, "body": r.body, "challenge": r.www_authenticate, "retryAfter": r.retry_after })
                }
                Decision::Rethrow(error) => json!({ "tag": "rethrow", "error": error }),
                Decision::FetchFirst => json!(null),
            };
            json!({ "encoded": encode_decision(decision, *warning), "warning": warning, "expected": expected })
        })
        .collect();
    Value::Array(described).to_string()
}

/// A JWKS request as the Rust half encodes it.
#[napi(catch_unwind)]
pub fn codec_probe_jwks_request(url: String, timeout_ms: u32) -> String {
    encode_jwks_request(&url, &[("accept".into(), "application/json".into())], Duration::from_millis(timeout_ms.into()))
}

/// A JWKS answer as the Rust half decodes it: `{ status, body }`, `{ timeout }` or `{ error }`.
#[napi(catch_unwind)]
pub fn codec_probe_jwks_answer(answer: String) -> String {
    match decode_jwks_answer(&answer) {
        Ok((status, body)) => json!({ "status": status, "body": String::from_utf8_lossy(&body) }),
        Err(HostFetchError::Timeout) => json!({ "timeout": true }),
        Err(HostFetchError::Failed(message)) => json!({ "error": message }),
    }
    .to_string()
}

/// A JSON argument as the core reads it in an answer body (error objects keep their keys).
#[napi(catch_unwind)]
pub fn codec_probe_body(json_text: String) -> Result<String> {
    Ok(snake_case_keys(json_arg(&json_text)?).to_string())
}

/// The bare signature check through the core's jose code (bench/'s verify floor): a JWKS imported
/// once; `verify(token)` reads the protected header, selects the key and checks the signature,
/// nothing else (no claims, no cache, no AuthInfo).
#[napi]
pub struct SignatureProbe {
    keys: KeySet,
    options: VerifyOptions,
}

#[napi]
impl SignatureProbe {
    #[napi(constructor, catch_unwind)]
    pub fn new(jwks_json: String) -> Result<Self> {
        let keys =
            KeySet::parse(&json_arg(&jwks_json)?).map_err(|error| to_js(AuthError::type_error(error.message)))?;
        Ok(Self { keys, options: VerifyOptions::default() })
    }

    /// Whether the token's signature is valid for the set's key.
    #[napi(catch_unwind)]
    pub fn verify(&self, token: String) -> bool {
        parse_compact(&token, &self.options)
            .and_then(|jws| verify_signature(&jws, &*self.keys.select(&jws.alg, jws.kid_value())?))
            .is_ok()
    }
}
