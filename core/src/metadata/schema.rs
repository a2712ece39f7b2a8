//! Field lists of RFC 8414 authorization-server metadata and RFC 9728 protected-resource metadata,
//! and the parse rules of the reference's schemas: required fields present, each value of its
//! declared type (optional means absent, never `null`), unknown keys dropped.
//! The JS shim builds its zod schemas from these same lists.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldKind {
    String,
    StringList,
    Boolean,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn field(name: &'static str, kind: FieldKind, required: bool) -> Field {
    Field { name, kind, required }
}

use FieldKind::{Boolean, String as Str, StringList as List};

/// RFC 8414 fields, in the reference schema's order (which is the order of parsed output).
pub const AUTH_SERVER_FIELDS: &[Field] = &[
    field("issuer", Str, true),
    field("authorization_endpoint", Str, true),
    field("token_endpoint", Str, true),
    field("jwks_uri", Str, false),
    field("registration_endpoint", Str, false),
    field("scopes_supported", List, false),
    field("response_types_supported", List, true),
    field("response_modes_supported", List, false),
    field("grant_types_supported", List, false),
    field("token_endpoint_auth_methods_supported", List, false),
    field("token_endpoint_auth_signing_alg_values_supported", List, false),
    field("service_documentation", Str, false),
    field("ui_locales_supported", List, false),
    field("op_policy_uri", Str, false),
    field("op_tos_uri", Str, false),
    field("revocation_endpoint", Str, false),
    field("revocation_endpoint_auth_methods_supported", List, false),
    field("revocation_endpoint_auth_signing_alg_values_supported", List, false),
    field("introspection_endpoint", Str, false),
    field("introspection_endpoint_auth_methods_supported", List, false),
    field("introspection_endpoint_auth_signing_alg_values_supported", List, false),
    field("code_challenge_methods_supported", List, false),
    field("userinfo_endpoint", Str, false),
];

/// RFC 9728 fields.
pub const PROTECTED_RESOURCE_FIELDS: &[Field] = &[
    field("resource", Str, true),
    field("authorization_servers", List, false),
    field("jwks_uri", Str, false),
    field("scopes_supported", List, false),
    field("bearer_methods_supported", List, false),
    field("resource_signing_alg_values_supported", List, false),
    field("resource_name", Str, false),
    field("resource_documentation", Str, false),
    field("resource_policy_uri", Str, false),
    field("resource_tos_uri", Str, false),
    field("tls_client_certificate_bound_access_tokens", Boolean, false),
    field("authorization_details_types_supported", List, false),
    field("dpop_signing_alg_values_supported", List, false),
    field("dpop_bound_access_tokens_required", Boolean, false),
    field("signed_metadata", Str, false),
];

/// Which spelling of the field names an input object uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStyle {
    Snake,
    Camel,
}

/// `snake_case` → `camelCase` for the field names above (letters and underscores only).
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn value_matches(kind: FieldKind, value: &Value) -> bool {
    match kind {
        FieldKind::String => value.is_string(),
        FieldKind::Boolean => value.is_boolean(),
        FieldKind::StringList => value.as_array().is_some_and(|items| items.iter().all(Value::is_string)),
    }
}

/// One field that failed the schema: its name as written in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaIssue {
    pub field: String,
    pub problem: &'static str,
}

/// Parses `value` against `fields`. On success the result holds only known fields, in schema
/// order, under camelCase names. On failure every offending field is reported.
pub fn parse_fields(value: &Value, fields: &[Field], style: KeyStyle) -> Result<Map<String, Value>, Vec<SchemaIssue>> {
    let Some(object) = value.as_object() else {
        return Err(vec![SchemaIssue { field: String::new(), problem: "expected object" }]);
    };
    let mut parsed = Map::new();
    let mut issues = Vec::new();
    for field in fields {
        let camel = camel_case(field.name);
        let key = match style {
            KeyStyle::Snake => field.name.to_string(),
            KeyStyle::Camel => camel.clone(),
        };
        match object.get(&key) {
            None if field.required => issues.push(SchemaIssue { field: key, problem: "required" }),
            None => {}
            Some(v) if value_matches(field.kind, v) => {
                parsed.insert(camel, v.clone());
            }
            Some(_) => issues.push(SchemaIssue { field: key, problem: "wrong type" }),
        }
    }
    if issues.is_empty() {
        Ok(parsed)
    } else {
        Err(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "issuer": "https://as",
            "authorization_endpoint": "https://as/auth",
            "token_endpoint": "https://as/token",
            "response_types_supported": ["code"],
        })
    }

    #[test]
    fn camel_case_of_field_names() {
        assert_eq!(camel_case("jwks_uri"), "jwksUri");
        assert_eq!(camel_case("op_tos_uri"), "opTosUri");
        assert_eq!(
            camel_case("introspection_endpoint_auth_signing_alg_values_supported"),
            "introspectionEndpointAuthSigningAlgValuesSupported"
        );
    }

    #[test]
    fn parses_known_fields_in_schema_order_and_drops_unknown() {
        let mut input = minimal();
        input["end_session_endpoint"] = json!("https://as/logout");
        input["code_challenge_methods_supported"] = json!(["S256"]);
        input["jwks_uri"] = json!("https://as/jwks");
        let parsed = parse_fields(&input, AUTH_SERVER_FIELDS, KeyStyle::Snake).unwrap();
        let keys: Vec<_> = parsed.keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "issuer",
                "authorizationEndpoint",
                "tokenEndpoint",
                "jwksUri",
                "responseTypesSupported",
                "codeChallengeMethodsSupported"
            ]
        );
    }

    #[test]
    fn null_and_wrong_types_fail() {
        let mut input = minimal();
        input["jwks_uri"] = Value::Null;
        input["scopes_supported"] = json!(["a", 1]);
        let issues = parse_fields(&input, AUTH_SERVER_FIELDS, KeyStyle::Snake).unwrap_err();
        let names: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(names, ["jwks_uri", "scopes_supported"]);
    }

    #[test]
    fn missing_required_fields_and_non_objects_fail() {
        let issues = parse_fields(&json!({}), AUTH_SERVER_FIELDS, KeyStyle::Camel).unwrap_err();
        assert_eq!(issues.len(), 4);
        assert!(parse_fields(&json!([1]), AUTH_SERVER_FIELDS, KeyStyle::Snake).is_err());
    }

    #[test]
    fn camel_style_reads_camel_keys() {
        let input = json!({
            "issuer": "i", "authorizationEndpoint": "a", "tokenEndpoint": "t",
            "responseTypesSupported": ["code"], "tlsClientCertificateBoundAccessTokens": true
        });
        assert!(parse_fields(&input, AUTH_SERVER_FIELDS, KeyStyle::Camel).is_ok());
        assert!(parse_fields(&input, AUTH_SERVER_FIELDS, KeyStyle::Snake).is_err());
    }
}
