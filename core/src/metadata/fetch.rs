//! Fetching authorization-server metadata: HTTP, JSON, and the reference's error outcomes.

use super::schema::{parse_fields, KeyStyle, AUTH_SERVER_FIELDS};
use super::well_known::{parse_url, ServerType};
use crate::descriptions::METADATA_NOT_AN_OBJECT;
use crate::error::{AuthError, AuthResult, ErrorKind, ServerFault};
use crate::http::{self, Failure, FetchLimits, Redirects};
use serde_json::{json, Map, Value};
use std::time::Duration;

pub const DEFAULT_LIMITS: FetchLimits = FetchLimits { timeout: Duration::from_secs(10), max_body_bytes: 1024 * 1024 };

/// Metadata that passed the schema: camelCase keys, known fields only.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConfig {
    pub metadata: Map<String, Value>,
    pub server_type: ServerType,
}

impl ResolvedConfig {
    pub fn field(&self, camel_name: &str) -> Option<&str> {
        self.metadata.get(camel_name).and_then(Value::as_str)
    }

    pub fn to_json(&self) -> Value {
        json!({ "metadata": self.metadata, "type": self.server_type.name() })
    }
}

fn fetch_error(url: &str, reason: &str) -> AuthError {
    AuthError::config("fetch_server_config_error", format!("Failed to fetch server config from {url}: {reason}"))
}

/// A response body as `response.text()` reads it: UTF-8 with replacement, a leading BOM dropped.
pub fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text.into_owned(),
    }
}

/// Parses a body text as `JSON.parse` would.
pub fn parse_json_text(text: &str) -> AuthResult<Value> {
    serde_json::from_str(text)
        .map_err(|e| AuthError::new(ErrorKind::Syntax, "").with_message(format!("Unexpected token in JSON: {e}")))
}

/// Parses a response body as `response.json()` would.
pub fn parse_json_body(body: &[u8]) -> AuthResult<Value> {
    parse_json_text(&body_text(body))
}

/// GETs the metadata document at `url`; resolves to the body text of a 2xx answer.
pub async fn fetch_metadata_text(url: &str, limits: FetchLimits) -> AuthResult<String> {
    let target = parse_url(url)?;
    if !target.username().is_empty() || target.password().is_some() {
        return Err(AuthError::type_error(format!(
            "Request cannot be constructed from a URL that includes credentials: {url}"
        )));
    }
    let response = http::get(&target, Redirects::Follow, &[], limits).await.map_err(|failure| match failure {
        Failure::Network(detail, system) => {
            AuthError::network(detail, system.as_ref()).with_fault(ServerFault::Unreachable)
        }
        Failure::Timeout(_) => fetch_error(url, &failure.to_string()).with_fault(ServerFault::Unreachable),
        Failure::TooLarge(_) => fetch_error(url, &failure.to_string()),
    })?;
    if !(200..300).contains(&response.status) {
        let failure = fetch_error(url, &response.status_text);
        let fault = if response.status >= 500 { ServerFault::Unreachable } else { ServerFault::Misconfigured };
        return Err(failure.with_fault(fault));
    }
    Ok(body_text(&response.body))
}

/// The metadata document as JSON, once it is known to be an object (arrays included, as in the
/// reference); the schema is checked by [`parse_server_metadata`].
pub async fn fetch_metadata_document(url: &str, limits: FetchLimits) -> AuthResult<Value> {
    let document = parse_json_text(&fetch_metadata_text(url, limits).await?)?;
    if !(document.is_object() || document.is_array()) {
        return Err(AuthError::auth_server("invalid_server_metadata").with_cause(json!({
            "metadata": document,
            "message": METADATA_NOT_AN_OBJECT,
        })));
    }
    Ok(document)
}

/// Applies the snake_case schema to a (possibly transpiled) document.
pub fn parse_server_metadata(candidate: &Value, server_type: ServerType) -> AuthResult<ResolvedConfig> {
    match parse_fields(candidate, AUTH_SERVER_FIELDS, KeyStyle::Snake) {
        Ok(metadata) => Ok(ResolvedConfig { metadata, server_type }),
        Err(issues) => {
            let fields: Vec<_> = issues.iter().map(|i| json!({ "path": i.field, "message": i.problem })).collect();
            Err(AuthError::auth_server("invalid_server_metadata")
                .with_cause(json!({ "metadata": candidate, "parseError": { "issues": fields } })))
        }
    }
}

/// Fetch + schema in one go (the path used when no JS `transpileData` is involved).
pub async fn fetch_server_config(
    url: &str,
    server_type: ServerType,
    limits: FetchLimits,
) -> AuthResult<ResolvedConfig> {
    let document = fetch_metadata_document(url, limits).await?;
    parse_server_metadata(&document, server_type)
}
