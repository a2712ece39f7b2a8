//! Protected-resource metadata (RFC 9728): the served body (`resource_metadata_body`), the
//! metadata URL of a resource (`resource_metadata_url`), the schema, and the deep snake_casing
//! applied to every JSON body (`snake_case_keys`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::metadata::fetch::parse_json_body;
use mcp_auth_core::metadata::schema::{camel_case, parse_fields, KeyStyle, PROTECTED_RESOURCE_FIELDS};
use mcp_auth_core::profile::Profile;
use mcp_auth_core::resource::{resource_metadata_body, resource_metadata_url, WELL_KNOWN_PREFIX};
use mcp_auth_core::snake_case::{snake_case, snake_case_keys};
use serde_json::Value;

fn metadata_url(resource: &str) {
    if let Ok(url) = resource_metadata_url(resource) {
        assert!(url.path().starts_with(WELL_KNOWN_PREFIX), "{resource:?} → {url}");
        assert!(url.query().is_none() && url.fragment().is_none());
    }
}

/// Every key a snake_cased document can hold: lowercase ASCII words joined by `_`, and a fixed
/// point of `snake_case`.
fn check_keys(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let snake = snake_case(key);
                assert!(
                    snake.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{key:?} → {snake:?}"
                );
                assert!(
                    !snake.starts_with('_') && !snake.ends_with('_') && !snake.contains("__"),
                    "{key:?} → {snake:?}"
                );
                assert_eq!(snake_case(&snake), snake, "snake_case is not idempotent on {key:?}");
                check_keys(inner);
            }
        }
        Value::Array(items) => items.iter().for_each(check_keys),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    metadata_url(&String::from_utf8_lossy(data));

    let Ok(document) = parse_json_body(data) else { return };
    check_keys(&document);
    let snaked = snake_case_keys(document.clone());
    let _ = snaked.to_string();

    let Some(map) = document.as_object() else { return };
    if let Some(resource) = map.get("resource").and_then(Value::as_str) {
        metadata_url(resource);
    }
    for style in [KeyStyle::Snake, KeyStyle::Camel] {
        if let Ok(parsed) = parse_fields(&document, PROTECTED_RESOURCE_FIELDS, style) {
            assert!(parsed.keys().all(|k| PROTECTED_RESOURCE_FIELDS.iter().any(|f| camel_case(f.name) == *k)));
        }
    }
    let issuers: Vec<String> = map
        .get("authorizationServers")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    for list in [&issuers[..], &[][..]] {
        let body = resource_metadata_body(map, list, Profile::Compat);
        let object = body.as_object().expect("body is an object");
        match object.get("authorization_servers") {
            Some(servers) if !list.is_empty() => {
                assert_eq!(servers.as_array().map(Vec::len), Some(list.len()));
                // Last, unless another key snake-cases to the same name: then, as a JS object
                // assignment does, the value is replaced where that key stood.
                let collides =
                    map.keys().any(|k| k != "authorizationServers" && snake_case(k) == "authorization_servers");
                if !collides {
                    assert_eq!(object.keys().next_back().map(String::as_str), Some("authorization_servers"));
                }
            }
            _ => {}
        }
        let _ = body.to_string();
    }
});
