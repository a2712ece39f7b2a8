//! MCP compliance of resolved authorization-server metadata (`validateServerConfig`).

use super::schema::{parse_fields, KeyStyle, AUTH_SERVER_FIELDS};
use crate::descriptions::{describe, VALIDATION_ERRORS, VALIDATION_SUCCESSES, VALIDATION_WARNINGS};
use crate::error::AuthError;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Grant types assumed when the metadata does not list any (RFC 8414 §2).
pub const DEFAULT_GRANT_TYPES: &[&str] = &["authorization_code", "implicit"];
/// Response modes assumed when the metadata does not list any.
pub const DEFAULT_RESPONSE_MODES: &[&str] = &["query", "fragment"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub description: &'static str,
}

fn finding(table: &[(&'static str, &'static str)], code: &'static str) -> Finding {
    Finding { code, description: describe(table, code, "") }
}

/// The result in the reference's shape: falsy keys are absent, so an invalid result has no
/// `isValid` and a non-verbose one no `successes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_valid: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successes: Option<Vec<Finding>>,
}

fn strings(value: Option<&Value>) -> Option<Vec<&str>> {
    value.and_then(Value::as_array).map(|items| items.iter().filter_map(Value::as_str).collect())
}

/// Validates camelCase `metadata`. Findings are recorded in the reference's order.
pub fn validate_server_config(metadata: &Value, verbose: bool) -> Validation {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut successes = Vec::new();
    let finish = |errors: Vec<Finding>, warnings, successes| Validation {
        is_valid: errors.is_empty(),
        errors,
        warnings,
        successes: verbose.then_some(successes),
    };
    let mut success = |code| successes.push(finding(VALIDATION_SUCCESSES, code));

    if parse_fields(metadata, AUTH_SERVER_FIELDS, KeyStyle::Camel).is_err() {
        errors.push(finding(VALIDATION_ERRORS, "invalid_server_metadata"));
        return finish(errors, warnings, Vec::new());
    }
    success("server_metadata_valid");

    let response_types = strings(metadata.get("responseTypesSupported")).unwrap_or_default();
    if response_types.iter().any(|t| t.split(' ').any(|part| part == "code")) {
        success("code_response_type_supported");
    } else {
        errors.push(finding(VALIDATION_ERRORS, "code_response_type_not_supported"));
    }

    let grant_types = strings(metadata.get("grantTypesSupported")).unwrap_or_else(|| DEFAULT_GRANT_TYPES.to_vec());
    if grant_types.contains(&"authorization_code") {
        success("authorization_code_grant_supported");
    } else {
        errors.push(finding(VALIDATION_ERRORS, "authorization_code_grant_not_supported"));
    }

    match strings(metadata.get("codeChallengeMethodsSupported")) {
        Some(methods) => {
            success("pkce_supported");
            if methods.contains(&"S256") {
                success("s256_code_challenge_method_supported");
            } else {
                errors.push(finding(VALIDATION_ERRORS, "s256_code_challenge_method_not_supported"));
            }
        }
        None => errors.push(finding(VALIDATION_ERRORS, "pkce_not_supported")),
    }

    let registration = metadata.get("registrationEndpoint").and_then(Value::as_str).unwrap_or("");
    if registration.is_empty() {
        warnings.push(finding(VALIDATION_WARNINGS, "dynamic_registration_not_supported"));
    } else {
        success("dynamic_registration_supported");
    }
    finish(errors, warnings, successes)
}

/// `MCPAuthAuthServerError('invalid_server_config')` for a validation that failed.
pub fn validation_error(validation: &Validation) -> AuthError {
    let mut cause = Map::new();
    if !validation.errors.is_empty() {
        cause.insert("errors".into(), json!(validation.errors));
    }
    cause.insert("warnings".into(), json!(validation.warnings));
    AuthError::auth_server("invalid_server_config").with_cause(Value::Object(cause))
}

/// The `console.warn` text the reference prints for a valid configuration with warnings.
pub fn warnings_message(issuer: &str, warnings: &[Finding]) -> String {
    let lines: String = warnings.iter().map(|w| format!("  - {}\n", w.description)).collect();
    format!("The authorization server (issuer: `{issuer}`) configuration has warnings:\n\n{lines}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "issuer": "https://as", "authorizationEndpoint": "https://as/a", "tokenEndpoint": "https://as/t",
            "responseTypesSupported": ["code"], "codeChallengeMethodsSupported": ["S256"],
            "registrationEndpoint": "https://as/reg"
        })
    }

    fn codes(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn fully_valid_is_exactly_is_valid_and_empty_warnings() {
        let result = serde_json::to_value(validate_server_config(&valid(), false)).unwrap();
        assert_eq!(result, json!({ "isValid": true, "warnings": [] }));
    }

    #[test]
    fn invalid_schema_stops_early_and_has_no_is_valid() {
        let result = serde_json::to_value(validate_server_config(&json!({}), true)).unwrap();
        assert_eq!(
            result,
            json!({
                "errors": [{ "code": "invalid_server_metadata", "description": describe(VALIDATION_ERRORS, "invalid_server_metadata", "") }],
                "warnings": [], "successes": []
            })
        );
    }

    #[test]
    fn empty_pkce_list_is_supported_but_lacks_s256() {
        let mut metadata = valid();
        metadata["codeChallengeMethodsSupported"] = json!([]);
        let result = validate_server_config(&metadata, true);
        assert_eq!(codes(&result.errors), ["s256_code_challenge_method_not_supported"]);
        assert!(codes(result.successes.as_ref().unwrap()).contains(&"pkce_supported"));
    }

    #[test]
    fn grant_types_default_when_absent_and_fail_when_empty() {
        assert!(validate_server_config(&valid(), false).is_valid);
        let mut metadata = valid();
        metadata["grantTypesSupported"] = json!([]);
        assert_eq!(codes(&validate_server_config(&metadata, false).errors), ["authorization_code_grant_not_supported"]);
    }

    #[test]
    fn errors_in_order_with_registration_warning() {
        let metadata = json!({
            "issuer": "i", "authorizationEndpoint": "a", "tokenEndpoint": "t", "responseTypesSupported": ["token"]
        });
        let result = validate_server_config(&metadata, false);
        assert_eq!(codes(&result.errors), ["code_response_type_not_supported", "pkce_not_supported"]);
        assert_eq!(codes(&result.warnings), ["dynamic_registration_not_supported"]);
        assert!(!result.is_valid);
    }

    #[test]
    fn composite_response_types_count_as_code() {
        let mut metadata = valid();
        metadata["responseTypesSupported"] = json!(["code id_token"]);
        assert!(validate_server_config(&metadata, false).is_valid);
    }

    #[test]
    fn verbose_success_order() {
        let result = validate_server_config(&valid(), true);
        assert_eq!(
            codes(result.successes.as_ref().unwrap()),
            [
                "server_metadata_valid",
                "code_response_type_supported",
                "authorization_code_grant_supported",
                "pkce_supported",
                "s256_code_challenge_method_supported",
                "dynamic_registration_supported"
            ]
        );
    }

    #[test]
    fn warning_message_format() {
        let result = validate_server_config(
            &json!({
                "issuer": "https://as", "authorizationEndpoint": "a", "tokenEndpoint": "t",
                "responseTypesSupported": ["code"], "codeChallengeMethodsSupported": ["S256"]
            }),
            false,
        );
        assert_eq!(
            warnings_message("https://as", &result.warnings),
            "The authorization server (issuer: `https://as`) configuration has warnings:\n\n  - Dynamic Client Registration (RFC 7591) is not supported by the server.\n"
        );
    }
}
