//! RFC 9728 protected-resource metadata: where it is served and the JSON it serves.

use crate::error::{AuthError, AuthResult};
use crate::metadata::well_known::parse_url;
use crate::profile::{Profile, OFFLINE_ACCESS};
use crate::snake_case::snake_case_keys;
use reqwest::Url;
use serde_json::{Map, Value};

pub const WELL_KNOWN_PREFIX: &str = "/.well-known/oauth-protected-resource";

/// The metadata URL of `resource`: origin + well-known prefix + resource path (verbatim, trailing
/// slash kept; `/` adds nothing). Query and fragment are dropped.
pub fn resource_metadata_url(resource: &str) -> AuthResult<Url> {
    let url = Url::parse(resource)
        .map_err(|_| AuthError::type_error(format!("Invalid resource identifier URI: {resource}")))?;
    let origin = url.origin();
    let path =
        if url.path() == "/" { WELL_KNOWN_PREFIX.to_string() } else { format!("{WELL_KNOWN_PREFIX}{}", url.path()) };
    if !origin.is_tuple() {
        // WHATWG `new URL('/x', 'null')` fails: an opaque origin cannot be a base.
        return Err(AuthError::invalid_url(&path, Some("null")));
    }
    parse_url(&format!("{}{path}", origin.ascii_serialization()))
}

/// The served document: every key except `authorizationServers` in order, then the issuers of a
/// non-empty `authorizationServers` list last; keys snake_cased at every depth. Under the
/// `mcp-2026-07-28` profile `scopesSupported` leaves out `offline_access` (and is left out when
/// nothing else remains).
pub fn resource_metadata_body(metadata: &Map<String, Value>, issuers: &[String], profile: Profile) -> Value {
    let mut document: Map<String, Value> = metadata
        .iter()
        .filter(|(key, _)| key.as_str() != "authorizationServers")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if profile == Profile::Mcp20260728 {
        if let Some(Value::Array(scopes)) = document.get_mut("scopesSupported") {
            scopes.retain(|scope| scope != OFFLINE_ACCESS);
            if scopes.is_empty() {
                document.remove("scopesSupported");
            }
        }
    }
    if !issuers.is_empty() {
        document.insert("authorizationServers".into(), issuers.iter().cloned().map(Value::String).collect());
    }
    snake_case_keys(Value::Object(document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(resource: &str) -> String {
        resource_metadata_url(resource).unwrap().to_string()
    }

    #[test]
    fn derives_metadata_urls() {
        assert_eq!(url("https://api.example.com"), "https://api.example.com/.well-known/oauth-protected-resource");
        assert_eq!(url("https://api.example.com/"), "https://api.example.com/.well-known/oauth-protected-resource");
        assert_eq!(
            url("https://api.example.com/notes"),
            "https://api.example.com/.well-known/oauth-protected-resource/notes"
        );
        assert_eq!(
            url("https://api.example.com/notes/"),
            "https://api.example.com/.well-known/oauth-protected-resource/notes/"
        );
        assert_eq!(
            url("https://api.example.com/x?q=1#h"),
            "https://api.example.com/.well-known/oauth-protected-resource/x"
        );
        assert_eq!(url("http://127.0.0.1:3000/mcp"), "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp");
    }

    #[test]
    fn rejects_non_urls_and_opaque_origins() {
        let err = resource_metadata_url("not-a-url").unwrap_err();
        assert_eq!(err.message.as_deref(), Some("Invalid resource identifier URI: not-a-url"));
        assert_eq!(resource_metadata_url("urn:example:res").unwrap_err().code, "ERR_INVALID_URL");
    }

    #[test]
    fn body_puts_authorization_servers_last() {
        let metadata = json!({ "resource": "r", "authorizationServers": [], "scopesSupported": ["a"], "customThing": { "nestedKey": 1 } });
        let body = resource_metadata_body(metadata.as_object().unwrap(), &["https://idp".into()], Profile::Compat);
        assert_eq!(
            body.to_string(),
            r#"{"resource":"r","scopes_supported":["a"],"custom_thing":{"nested_key":1},"authorization_servers":["https://idp"]}"#
        );
        let without = resource_metadata_body(metadata.as_object().unwrap(), &[], Profile::Compat);
        assert!(without.get("authorization_servers").is_none());
        let offline = json!({ "resource": "r", "scopesSupported": ["offline_access", "read"] });
        let profiled = resource_metadata_body(offline.as_object().unwrap(), &[], Profile::Mcp20260728);
        assert_eq!(profiled["scopes_supported"], json!(["read"]));
        let only_offline = json!({ "resource": "r", "scopesSupported": ["offline_access"] });
        let profiled = resource_metadata_body(only_offline.as_object().unwrap(), &[], Profile::Mcp20260728);
        assert!(profiled.get("scopes_supported").is_none());
    }
}
