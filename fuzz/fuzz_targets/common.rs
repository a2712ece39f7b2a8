//! Shared by the fuzz targets (`mod common;`): a fixed clock, a few bearer policies with their
//! answers, and the invariants every HTTP answer must satisfy.
#![allow(dead_code)]

use mcp_auth_core::bearer::{Answers, AuthInfo, ErrorResponse, IssuerRule, Policy};
use mcp_auth_core::error::AuthError;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The clock (`currentDate`, ms) when the input sets none: keeps runs reproducible.
/// Must match FIXED_NOW in tools/gen-seeds.mjs.
pub const FIXED_NOW_MS: f64 = 1_750_000_000_000.0;

pub const ISSUER: &str = "https://idp.example.com";

/// Policies covering every `IssuerRule`, audience/scope checks, a resource with and without a
/// valid URL, and both `show_error_details` settings.
pub fn policies() -> &'static [(Policy, Answers)] {
    static POLICIES: OnceLock<Vec<(Policy, Answers)>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        vec![
            (Policy::new(IssuerRule::External, None, None), Answers::new(None, false)),
            (
                Policy::new(
                    IssuerRule::Trusted(vec![ISSUER.into(), "http://127.0.0.1:3000".into()]),
                    Some(json!("https://api.example.com/mcp")),
                    Some(json!(["read", "write"])),
                ),
                Answers::new(Some("https://api.example.com/mcp"), true),
            ),
            (
                Policy::new(IssuerRule::Exact(ISSUER.into()), None, Some(json!(["admin"]))),
                Answers::new(Some("not-a-url"), true),
            ),
        ]
    })
}

/// A well-formed HTTP error answer.
pub fn check_answer(response: &ErrorResponse) {
    assert!(matches!(response.status, 401 | 403 | 500), "unexpected status {}", response.status);
    assert_eq!(response.www_authenticate.is_some(), response.status != 500);
    let body: Value = serde_json::from_str(&response.body).expect("error body is JSON");
    assert!(body.get("error").is_some_and(Value::is_string), "error body without `error`: {body}");
}

/// Every policy answers `error`; an answer must be a well-formed HTTP error.
pub fn respond_all(error: &AuthError) {
    for (_, answers) in policies() {
        if let Ok(response) = answers.respond(error.clone()) {
            check_answer(&response);
        }
    }
}

/// Checks verified `AuthInfo` against every policy, answering the failures.
pub fn check_all(info: &AuthInfo) {
    for (policy, answers) in policies() {
        if let Err(error) = policy.check(info.issuer(), info.audience(), Some(&info.scopes)) {
            let _ = answers.respond(error);
        }
    }
}
