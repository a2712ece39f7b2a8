//! The `mcp-2026-07-28` profile's answer table through the pipeline: statuses, challenges (every
//! parameter a quoted-string), bodies, the canonical audience, token times, 503 while the key set
//! cannot be fetched, the discovered issuer.

use super::fixture_tests::{answer, body, decide, now_s, Fixture};
use super::*;
use crate::bearer::BearerConfig;
use crate::mcp_auth::{Config, ResourceConfig, ServerConfig};
use crate::metadata::well_known::ServerType;
use crate::operation::OperationInput;
use crate::tests::support::Answer;
use std::time::Duration;

const RESOURCE: &str = "https://api.example.com/mcp";
const METADATA_URL: &str = "https://api.example.com/.well-known/oauth-protected-resource/mcp";

impl Fixture {
    /// A profile guard for `bearerAuth('jwt', { resource, requiredScopes })`.
    fn profile_guard(&self, server: ServerConfig, required: Value) -> Guard {
        let resource = ResourceConfig {
            metadata: json!({ "resource": RESOURCE, "scopesSupported": ["read", "write", "offline_access"] })
                .as_object()
                .cloned()
                .unwrap(),
            authorization_servers: vec![server],
        };
        let config = Config {
            profile: Profile::Mcp20260728,
            has_protected_resources: true,
            protected_resources: vec![resource],
            ..Config::default()
        };
        let auth = Arc::new(McpAuth::construct(config).result.map_err(|f| f.error).unwrap());
        let options =
            VerifyOptions { clock_tolerance: crate::profile::DEFAULT_CLOCK_TOLERANCE_S, ..Default::default() };
        let jwt = JwtVerifier::new(auth.clone(), 0, options, JwksOptions::default());
        let config = BearerConfig {
            issuer: jwt.trusted().clone(),
            required_scopes: Some(required),
            resource: Some(RESOURCE.into()),
            ..BearerConfig::default()
        };
        let (policy, answers) = config.policy_and_answers(auth.profile(), auth.scopes_supported(0)).unwrap();
        Guard::with_jwt(policy, answers, jwt, None)
    }

    /// The same guard with `operationScopes`.
    fn guard_with_operations(&self, required: Value, operations: &[(&str, &[&str])]) -> Guard {
        let mut guard = self.profile_guard(self.resolved(), required);
        let scopes = operations.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()));
        guard.policy.operation_scopes = Some(crate::operation::OperationScopes(scopes.collect()));
        guard
    }

    fn profile_token(&self, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = json!({ "iss": self.issuer, "sub": "alice", "aud": RESOURCE, "scope": "read",
                                 "exp": now_s() + 600.0, "iat": now_s() });
        change(&mut claims);
        format!("Bearer {}", self.key.mint(&claims))
    }
}

#[tokio::test]
async fn no_credentials_401_without_an_error_code() {
    let fixture = Fixture::start().await;
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read"]));
    for header in [None, Some("Basic dXNlcjpwYXNz"), Some("DPoP abc")] {
        let response = answer(decide(&guard, header).await);
        assert_eq!(response.status, 401);
        let expected = format!(r#"Bearer resource_metadata="{METADATA_URL}", scope="read""#);
        assert_eq!(response.www_authenticate.as_deref(), Some(expected.as_str()));
        assert_eq!(body(&response).as_object().unwrap().keys().collect::<Vec<_>>(), ["error_description"]);
    }
    // Without required scopes the challenge names the resource's, never `offline_access`.
    let open = fixture.profile_guard(fixture.resolved(), json!([]));
    let response = answer(decide(&open, None).await);
    assert!(response.www_authenticate.unwrap().ends_with(r#"scope="read write""#));
}

#[tokio::test]
async fn malformed_bearer_credentials_400() {
    let fixture = Fixture::start().await;
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read"]));
    for header in ["Bearer", "bearer ", "Bearer a b", "Bearer a,b"] {
        let response = answer(decide(&guard, Some(header)).await);
        assert_eq!(response.status, 400, "{header}");
        let challenge = response.www_authenticate.clone().unwrap();
        assert!(challenge.starts_with(r#"Bearer error="invalid_request", error_description=""#), "{challenge}");
        assert!(challenge.ends_with(&format!(r#"resource_metadata="{METADATA_URL}""#)));
        assert_eq!(body(&response)["error"], json!("invalid_request"));
    }
    let spaced = fixture.profile_token(|_| {}).replacen(' ', "   ", 1);
    assert!(
        matches!(decide(&guard, Some(&spaced)).await, Decision::Authenticated(Some(_))),
        "spaces are one separator"
    );
}

#[tokio::test]
async fn invalid_tokens_401_invalid_token_with_scope() {
    let fixture = Fixture::start().await;
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read"]));
    let remove = |name: &'static str| move |c: &mut Value| drop(c.as_object_mut().unwrap().remove(name));
    let cases: Vec<(&str, String)> = vec![
        ("malformed", "Bearer not.a.jwt".into()),
        ("expired", fixture.profile_token(|c| c["exp"] = json!(now_s() - 120.0))),
        ("no exp", fixture.profile_token(remove("exp"))),
        ("exp over a year ahead", fixture.profile_token(|c| c["exp"] = json!(now_s() + 367.0 * 86_400.0))),
        ("iat ahead", fixture.profile_token(|c| c["iat"] = json!(now_s() + 120.0))),
        ("untrusted issuer", fixture.profile_token(|c| c["iss"] = json!("https://evil.example.com"))),
        ("other audience", fixture.profile_token(|c| c["aud"] = json!("https://api.example.com/other"))),
        ("no audience", fixture.profile_token(remove("aud"))),
    ];
    for (label, header) in cases {
        let response = answer(decide(&guard, Some(&header)).await);
        assert_eq!(response.status, 401, "{label}");
        let challenge = response.www_authenticate.clone().unwrap();
        assert!(challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#), "{label}: {challenge}");
        assert!(challenge.ends_with(&format!(r#"resource_metadata="{METADATA_URL}", scope="read""#)), "{label}");
        assert_eq!(body(&response)["error"], json!("invalid_token"), "{label}");
        assert!(!response.body.contains(header.trim_start_matches("Bearer ")), "{label}: never echoes the token");
    }
}

#[tokio::test]
async fn canonical_audience_and_clock_tolerance() {
    let fixture = Fixture::start().await;
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read"]));
    for audience in [json!("HTTPS://API.example.com:443/mcp/"), json!(["x", "https://api.example.com/mcp"])] {
        let header = fixture.profile_token(|c| c["aud"] = audience.clone());
        assert!(matches!(decide(&guard, Some(&header)).await, Decision::Authenticated(Some(_))), "{audience}");
    }
    let within_tolerance = fixture.profile_token(|c| c["iat"] = json!(now_s() + 30.0));
    assert!(matches!(decide(&guard, Some(&within_tolerance)).await, Decision::Authenticated(Some(_))));
}

#[tokio::test]
async fn missing_scope_403_insufficient_scope() {
    let fixture = Fixture::start().await;
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read", "notes:write"]));
    let response = answer(decide(&guard, Some(&fixture.profile_token(|_| {}))).await);
    assert_eq!(response.status, 403);
    let expected = format!(
        r#"Bearer error="insufficient_scope", scope="read notes:write", resource_metadata="{METADATA_URL}", error_description="The token does not contain the necessary scopes for this request.""#
    );
    assert_eq!(response.www_authenticate.as_deref(), Some(expected.as_str()));
    assert_eq!(body(&response)["error"], json!("insufficient_scope"));
}

#[tokio::test]
async fn an_unreachable_key_set_503_a_misconfigured_server_500() {
    let fixture = Fixture::start().await;
    *fixture.server.answer.lock().unwrap() =
        Answer { status: "502 Bad Gateway", body: String::new(), delay: Duration::ZERO };
    let guard = fixture.profile_guard(fixture.resolved(), json!(["read"]));
    let response = answer(decide(&guard, Some(&fixture.profile_token(|_| {}))).await);
    assert_eq!((response.status, response.www_authenticate.as_deref(), response.retry_after), (503, None, Some(5)));
    assert_eq!(body(&response)["error"], json!("temporarily_unavailable"));
    // Back up: served again (the failure was not cached).
    *fixture.server.answer.lock().unwrap() = Answer::json(&json!({ "keys": [fixture.key.jwk()] }));
    assert!(matches!(decide(&guard, Some(&fixture.profile_token(|_| {}))).await, Decision::Authenticated(Some(_))));

    let mut metadata = fixture.metadata();
    metadata.remove("jwksUri");
    let misconfigured = ServerConfig::Resolved { metadata: Arc::new(metadata) };
    let response = answer(
        decide(&fixture.profile_guard(misconfigured, json!(["read"])), Some(&fixture.profile_token(|_| {}))).await,
    );
    assert_eq!((response.status, response.retry_after), (500, None));
    assert_eq!(body(&response)["error"], json!("server_error"));
}

#[tokio::test]
async fn lazy_discovery_needs_the_same_issuer() {
    let fixture = Fixture::start().await;
    let mut metadata = fixture.metadata();
    metadata["issuer"] = json!(format!("{}/other", fixture.issuer));
    let snake = crate::snake_case::snake_case_keys(Value::Object(metadata));
    fixture.server.route("/.well-known/oauth-authorization-server", Answer::json(&snake));
    let discovery = ServerConfig::Discovery { issuer: json!(fixture.issuer), server_type: ServerType::OAuth };
    let guard = fixture.profile_guard(discovery, json!(["read"]));
    let response = answer(decide(&guard, Some(&fixture.profile_token(|_| {}))).await);
    assert_eq!(response.status, 500);
    // Not cached: fixed, the next request passes.
    fixture.server.route(
        "/.well-known/oauth-authorization-server",
        Answer::json(&crate::snake_case::snake_case_keys(Value::Object(fixture.metadata()))),
    );
    assert!(matches!(decide(&guard, Some(&fixture.profile_token(|_| {}))).await, Decision::Authenticated(Some(_))));
}

#[test]
fn offline_access_cannot_be_required() {
    let config = BearerConfig {
        required_scopes: Some(json!(["offline_access"])),
        resource: Some(RESOURCE.into()),
        ..Default::default()
    };
    let error = config.policy_and_answers(Profile::Mcp20260728, &[]).unwrap_err();
    assert_eq!(error.code, "invalid_server_config");
    assert!(config.policy_and_answers(Profile::Compat, &[]).is_ok(), "compat: as the reference");
}

fn call(tool: &str) -> OperationInput {
    let message =
        crate::operation::Message { method: "tools/call".into(), name: Some(tool.into()), ..Default::default() };
    OperationInput { http_method: "POST".into(), body: Some(vec![message]), ..Default::default() }
}

#[tokio::test]
async fn operation_scopes_step_up() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard_with_operations(json!(["notes:read"]), &[("tools/call:delete_note", &["notes:write"])]);
    let header = fixture.profile_token(|c| c["scope"] = json!("notes:read"));
    fn ask<'a>(header: &'a str, operation: &'a OperationInput) -> Request<'a> {
        Request { authorization: Some(header), operation: Some(operation), sender: None }
    }
    let list = OperationInput {
        http_method: "POST".into(),
        body: Some(vec![crate::operation::Message { method: "tools/list".into(), ..Default::default() }]),
        ..Default::default()
    };
    assert!(matches!(guard.decide(&ask(&header, &list)).await.decision, Decision::Authenticated(Some(_))));
    let delete = call("delete_note");
    let response = answer(guard.decide(&ask(&header, &delete)).await.decision);
    assert_eq!(response.status, 403);
    assert!(response
        .www_authenticate
        .unwrap()
        .starts_with(r#"Bearer error="insufficient_scope", scope="notes:read notes:write""#));
    let unauthenticated =
        answer(guard.decide(&Request { authorization: None, operation: Some(&delete), sender: None }).await.decision);
    assert!(unauthenticated.www_authenticate.unwrap().ends_with(r#"scope="notes:read notes:write""#));
    let mismatch = OperationInput { mcp_method: Some("tools/list".into()), ..call("delete_note") };
    assert_eq!(answer(guard.decide(&ask(&header, &mismatch)).await.decision).status, 400);
    let unknown = OperationInput { http_method: "POST".into(), ..Default::default() };
    let response = answer(guard.decide(&ask(&header, &unknown)).await.decision);
    assert_eq!(response.status, 400);
    assert!(body(&response)["error_description"].as_str().unwrap().contains("parse the JSON body"));
    let writer = fixture.profile_token(|c| c["scope"] = json!("notes:read notes:write"));
    let request = Request { authorization: Some(&writer), operation: Some(&delete), sender: None };
    assert!(matches!(guard.decide(&request).await.decision, Decision::Authenticated(Some(_))));
}
