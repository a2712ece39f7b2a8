//! The napi surface: argument conversion and error encoding only, no logic.
//! Structured data crosses as JSON text (exact `null`/absent distinction, stable key order);
//! errors cross as `MCPAUTH:` + JSON of [`AuthError`], which the shim turns into JS classes.

use crate::descriptions as text;
use crate::error::{AuthError, AuthResult};
use crate::http::Limits;
use crate::metadata::{fetch, schema, validate, well_known};
use napi::{Error, Result, Status};
use napi_derive::napi;
use serde_json::{json, Value};
use std::time::Duration;

const ERROR_PREFIX: &str = "MCPAUTH:";

fn to_js(error: AuthError) -> Error {
    let encoded = serde_json::to_string(&error).unwrap_or_else(|_| "{}".into());
    Error::new(Status::GenericFailure, format!("{ERROR_PREFIX}{encoded}"))
}

fn js<T>(result: AuthResult<T>) -> Result<T> {
    result.map_err(to_js)
}

fn parse_json_arg(json_text: &str) -> Result<Value> {
    serde_json::from_str(json_text).map_err(|e| to_js(AuthError::type_error(format!("invalid JSON argument: {e}"))))
}

fn table(entries: &[(&str, &str)]) -> Value {
    entries.iter().map(|(code, message)| (code.to_string(), json!(message))).collect::<serde_json::Map<_, _>>().into()
}

/// Every fixed table the shim exports, as one JSON document.
#[napi(catch_unwind)]
pub fn static_tables() -> String {
    let fields = |list: &[schema::Field]| -> Vec<Value> {
        list.iter().map(|f| json!({ "name": f.name, "camel": schema::camel_case(f.name), "kind": f.kind, "required": f.required })).collect()
    };
    json!({
        "authServerErrors": table(text::AUTH_SERVER_ERRORS),
        "bearerAuthErrors": table(text::BEARER_AUTH_ERRORS),
        "tokenVerificationErrors": table(text::TOKEN_VERIFICATION_ERRORS),
        "fallbacks": {
            "authServer": text::AUTH_SERVER_ERROR_FALLBACK,
            "bearerAuth": text::BEARER_AUTH_ERROR_FALLBACK,
            "tokenVerification": text::TOKEN_VERIFICATION_ERROR_FALLBACK,
        },
        "serverMetadataPaths": { "oauth": well_known::OAUTH_PATH, "oidc": well_known::OIDC_PATH },
        "defaultValues": {
            "grantTypesSupported": validate::DEFAULT_GRANT_TYPES,
            "responseModesSupported": validate::DEFAULT_RESPONSE_MODES,
        },
        "authServerFields": fields(schema::AUTH_SERVER_FIELDS),
        "protectedResourceFields": fields(schema::PROTECTED_RESOURCE_FIELDS),
    })
    .to_string()
}

#[napi(catch_unwind)]
pub fn well_known_url(issuer: String, server_type: String) -> Result<String> {
    js(well_known::well_known_url(&issuer, well_known::ServerType::from_name(&server_type)).map(String::from))
}

fn limits(timeout_ms: Option<u32>, max_body_bytes: Option<u32>) -> Limits {
    let defaults = fetch::DEFAULT_LIMITS;
    Limits {
        timeout: timeout_ms.map_or(defaults.timeout, |ms| Duration::from_millis(ms.into())),
        max_body_bytes: max_body_bytes.map_or(defaults.max_body_bytes, |n| n as usize),
    }
}

/// Fetches a metadata document; resolves to its JSON text.
#[napi]
pub async fn fetch_metadata_document(url: String, timeout_ms: Option<u32>, max_body_bytes: Option<u32>) -> Result<String> {
    let document = js(fetch::fetch_metadata_document(&url, limits(timeout_ms, max_body_bytes)).await)?;
    Ok(document.to_string())
}

/// Applies the metadata schema; returns `{ metadata, type }` as JSON text.
#[napi(catch_unwind)]
pub fn parse_server_metadata(candidate_json: String, server_type: String) -> Result<String> {
    let candidate = parse_json_arg(&candidate_json)?;
    let resolved = js(fetch::parse_server_metadata(&candidate, well_known::ServerType::from_name(&server_type)))?;
    Ok(resolved.to_json().to_string())
}

#[napi(catch_unwind)]
pub fn validate_server_config(metadata_json: String, verbose: bool) -> Result<String> {
    let metadata = parse_json_arg(&metadata_json)?;
    Ok(json!(validate::validate_server_config(&metadata, verbose)).to_string())
}

/// Deliberately panics, so tests can prove a panic becomes a JS error instead of killing Node.
#[napi(catch_unwind)]
pub fn panic_probe(message: String) -> String {
    panic!("{message}")
}

/// The same for the async path: the panic must become a rejected promise.
#[napi]
pub async fn panic_probe_async(message: String) -> Result<String> {
    panic!("{message}")
}
