//! An authorization-server metadata response body: `parse_json_body` → the snake_case schema
//! (`parse_server_metadata`, both server types) → MCP validation (`validate_server_config`),
//! plus `well_known_url` for arbitrary issuer strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::metadata::fetch::{parse_json_body, parse_server_metadata};
use mcp_auth_core::metadata::validate::{validate_server_config, warnings_message};
use mcp_auth_core::metadata::well_known::{well_known_url, ServerType};
use serde_json::Value;

const TYPES: [ServerType; 2] = [ServerType::OAuth, ServerType::Oidc];

fn well_known(issuer: &str) {
    for server_type in TYPES {
        if let Ok(url) = well_known_url(issuer, server_type) {
            // The URL must survive a round trip through its own serialization.
            let text = url.to_string();
            assert!(well_known_url(&text, server_type).is_ok(), "{issuer:?} → {text:?} does not parse again");
            if server_type == ServerType::Oidc {
                assert!(url.query().is_none() && url.fragment().is_none());
            }
        }
    }
}

fn validate(metadata: &Value) {
    for verbose in [false, true] {
        let result = validate_server_config(metadata, verbose);
        assert_eq!(result.is_valid, result.errors.is_empty());
        assert_eq!(result.successes.is_some(), verbose);
        let _ = serde_json::to_value(&result).expect("validation serializes");
        if result.is_valid && !result.warnings.is_empty() {
            let issuer = metadata.get("issuer").and_then(Value::as_str).unwrap_or("");
            let _ = warnings_message(issuer, &result.warnings);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The raw input as an issuer string too (a URL parser target of its own).
    well_known(&String::from_utf8_lossy(data));

    let Ok(document) = parse_json_body(data) else { return };
    if let Some(issuer) = document.get("issuer").and_then(Value::as_str) {
        well_known(issuer);
    }
    // A camelCase document straight into validation (what a JS `transpileData` may return).
    validate(&document);
    for server_type in TYPES {
        match parse_server_metadata(&document, server_type) {
            Ok(config) => {
                assert!(config.field("issuer").is_some() && config.field("tokenEndpoint").is_some());
                let _ = config.to_json();
                validate(&Value::Object(config.metadata.clone()));
            }
            Err(error) => {
                assert_eq!(error.code, "invalid_server_metadata");
                let _ = serde_json::to_string(&error).expect("error serializes");
            }
        }
    }
});
