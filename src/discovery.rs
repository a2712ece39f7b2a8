//! Exports for discovery, validation, the metadata routers and the provider checker, and the
//! fixed tables the JS layer builds its errors and schemas from.

use crate::codec;
use crate::options::resource_document_input;
use crate::throw::{js, json_arg, to_js};
use mcp_auth_core::descriptions as text;
use mcp_auth_core::http::FetchLimits;
use mcp_auth_core::jwks::{JwksOptions, RemoteKeySet};
use mcp_auth_core::metadata::{fetch, schema, validate, well_known};
use mcp_auth_core::resource;
use mcp_auth_core::snake_case::snake_case_keys;
use napi::Result;
use napi_derive::napi;
use serde_json::{json, Value};
use std::time::Duration;

fn table(entries: &[(&str, &str)]) -> Value {
    entries.iter().map(|(code, message)| (code.to_string(), json!(message))).collect::<serde_json::Map<_, _>>().into()
}

/// Every fixed table the JS layer uses, as one JSON document.
#[napi(catch_unwind)]
pub fn static_tables() -> String {
    let fields = |list: &[schema::Field]| -> Vec<Value> {
        list.iter()
            .map(|f| json!({ "name": f.name, "camel": schema::camel_case(f.name), "kind": f.kind, "required": f.required }))
            .collect()
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
        "messages": { "metadataNotAnObject": text::METADATA_NOT_AN_OBJECT },
        "serverMetadataPaths": { "oauth": well_known::OAUTH_PATH, "oidc": well_known::OIDC_PATH },
        "defaultValues": {
            "grantTypesSupported": validate::DEFAULT_GRANT_TYPES,
            "responseModesSupported": validate::DEFAULT_RESPONSE_MODES,
        },
        "authServerFields": fields(schema::AUTH_SERVER_FIELDS),
        "protectedResourceFields": fields(schema::PROTECTED_RESOURCE_FIELDS),
        "boundary": codec::constants(),
    })
    .to_string()
}

#[napi(catch_unwind)]
pub fn well_known_url(issuer: String, server_type: String) -> Result<String> {
    js(well_known::well_known_url(&issuer, well_known::ServerType::from_name(&server_type)).map(String::from))
}

/// Fetches a metadata document; resolves to its body text (JS parses it like `response.json()`).
#[napi]
pub async fn fetch_metadata_text(url: String, timeout_ms: Option<u32>, max_body_bytes: Option<u32>) -> Result<String> {
    let defaults = fetch::DEFAULT_LIMITS;
    let limits = FetchLimits {
        timeout: timeout_ms.map_or(defaults.timeout, |ms| Duration::from_millis(ms.into())),
        max_body_bytes: max_body_bytes.map_or(defaults.max_body_bytes, |n| n as usize),
    };
    js(fetch::fetch_metadata_text(&url, limits).await)
}

/// Applies the metadata schema; returns `{ metadata, type }` as JSON text.
#[napi(catch_unwind)]
pub fn parse_server_metadata(candidate_json: String, server_type: String) -> Result<String> {
    let candidate = json_arg(&candidate_json)?;
    let resolved = js(fetch::parse_server_metadata(&candidate, well_known::ServerType::from_name(&server_type)))?;
    Ok(resolved.to_json().to_string())
}

#[napi(catch_unwind)]
pub fn validate_server_config(metadata_json: String, verbose: bool) -> Result<String> {
    let metadata = json_arg(&metadata_json)?;
    Ok(json!(validate::validate_server_config(&metadata, verbose)).to_string())
}

/// Path of the RFC 9728 document of `resource` (TypeError for a non-URL, as the reference).
#[napi(catch_unwind)]
pub fn resource_metadata_path(resource: String) -> Result<String> {
    js(resource::resource_metadata_url(&resource).map(|url| url.path().to_string()))
}

/// The RFC 9728 document for `{ metadata, issuers }` (metadata without `authorizationServers`).
#[napi(catch_unwind)]
pub fn resource_metadata_document(input_json: String) -> Result<String> {
    let (metadata, issuers, profile) = js(resource_document_input(&input_json))?;
    Ok(resource::resource_metadata_body(&metadata, &issuers, profile).to_string())
}

/// Deep snake_case of a JSON document's keys (the delegated metadata body).
#[napi(catch_unwind)]
pub fn snake_case_document(document_json: String) -> Result<String> {
    Ok(snake_case_keys(json_arg(&document_json)?).to_string())
}

/// Fetches a JWKS like `bearerAuth('jwt')` does and describes each key (provider checker).
#[napi]
pub async fn inspect_jwks(url: String) -> Result<String> {
    let target = well_known::parse_url(&url).map_err(to_js)?;
    let key_set = RemoteKeySet::new(target, JwksOptions::default());
    let described = key_set.fetch_once().await.map(|keys| keys.describe());
    Ok(match described {
        Ok(keys) => json!({ "keys": keys }),
        Err(error) => json!({ "error": { "code": error.code, "message": error.message } }),
    }
    .to_string())
}
