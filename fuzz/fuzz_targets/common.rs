//! Shared by the fuzz targets (`mod common;`): a fixed clock, a few bearer policies, and the
//! invariants every HTTP answer must satisfy.
#![allow(dead_code)]

use mcp_auth_rs::bearer::{AuthInfo, IssuerRule, Policy};
use mcp_auth_rs::error::AuthError;
use serde_json::Value;
use std::sync::OnceLock;

/// The clock (`currentDate`, ms) when the input sets none: keeps runs reproducible.
/// Must match FIXED_NOW in tools/gen-seeds.mjs.
pub const FIXED_NOW_MS: f64 = 1_750_000_000_000.0;

pub const ISSUER: &str = "https://idp.example.com";

/// Policies covering every `IssuerRule`, audience/scope checks, a resource with and without a
/// valid URL, and both `show_error_details` settings.
pub fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        vec![
            Policy::new(IssuerRule::External, None, None, None, false),
            Policy::new(
                IssuerRule::Trusted(vec![ISSUER.into(), "http://127.0.0.1:3000".into()]),
                Some(serde_json::json!("https://api.example.com/mcp")),
                Some(serde_json::json!(["read", "write"])),
                Some("https://api.example.com/mcp"),
                true,
            ),
            Policy::new(IssuerRule::Exact(ISSUER.into()), None, Some(serde_json::json!(["admin"])), Some("not-a-url"), true),
        ]
    })
}

/// Every policy answers `error`; an answer must be a well-formed HTTP error.
pub fn respond_all(error: &AuthError) {
    for policy in policies() {
        if let Ok(response) = policy.respond(error.clone()) {
            assert!(matches!(response.status, 401 | 403 | 500), "unexpected status {}", response.status);
            assert_eq!(response.www_authenticate.is_some(), response.status != 500);
            let body: Value = serde_json::from_str(&response.body).expect("error body is JSON");
            assert!(body.get("error").is_some_and(Value::is_string), "error body without `error`: {body}");
        }
    }
}

/// Checks verified `AuthInfo` against every policy, answering the failures.
pub fn check_all(info: &AuthInfo) {
    for policy in policies() {
        if let Err(error) = policy.check(info.issuer(), info.audience(), Some(&info.scopes)) {
            let _ = policy.respond(error);
        }
    }
}
