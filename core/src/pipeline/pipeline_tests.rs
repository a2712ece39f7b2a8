//! Every row of the bearer behavior table through the pipeline, with a real JWKS and metadata
//! server on 127.0.0.1 and tokens signed by a generated ES256 key.

use super::fixture_tests::{answer, body, decide, now_s, Fixture};
use super::*;
use crate::bearer::ErrorResponse;
use crate::error::ErrorKind;
use crate::mcp_auth::{Config, ResourceConfig, ServerConfig};
use crate::metadata::well_known::ServerType;
use crate::tests::support::{Answer, SigningKey};
use crate::token_cache::DEFAULT_LIMITS;

const RESOURCE: &str = "https://api.example.com/mcp";
const CHALLENGE_TAIL: &str = r#"resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp""#;

impl Fixture {
    fn auth(&self, server: ServerConfig) -> Arc<McpAuth> {
        let resource = ResourceConfig {
            metadata: json!({ "resource": RESOURCE }).as_object().cloned().unwrap(),
            authorization_servers: vec![server],
        };
        let config = Config { has_protected_resources: true, protected_resources: vec![resource], ..Config::default() };
        Arc::new(McpAuth::construct(config).result.map_err(|f| f.error).unwrap())
    }

    fn guard_with(&self, server: ServerConfig, audience: Option<Value>, scopes: Option<Value>, details: bool) -> Guard {
        let auth = self.auth(server);
        let jwt = JwtVerifier::new(auth, 0, VerifyOptions::default(), JwksOptions::default());
        let policy = Policy::new(jwt.trusted().clone(), audience, scopes);
        Guard::with_jwt(policy, Answers::new(Some(RESOURCE), details), jwt, Some(DEFAULT_LIMITS))
    }

    fn guard(&self, details: bool) -> Guard {
        let server = ServerConfig::Resolved { metadata: Arc::new(self.metadata()) };
        self.guard_with(server, Some(json!(RESOURCE)), Some(json!(["read"])), details)
    }

    fn claims(&self) -> Value {
        json!({ "iss": self.issuer, "sub": "alice", "aud": RESOURCE, "scope": "read write", "client_id": "c1",
                "exp": now_s() + 600.0, "iat": now_s() })
    }

    fn token_with(&self, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.claims();
        change(&mut claims);
        self.key.mint(&claims)
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A 401 with `code`, its challenge naming the resource metadata.
fn assert_unauthorized(response: &ErrorResponse, code: &str) {
    assert_eq!(response.status, 401, "{response:?}");
    let challenge = response.www_authenticate.as_deref().unwrap();
    assert!(challenge.starts_with(&format!("Bearer error=\"{code}\", error_description=\"")), "{challenge}");
    assert!(challenge.ends_with(CHALLENGE_TAIL), "{challenge}");
    assert_eq!(body(response)["error"], json!(code));
}

#[tokio::test]
async fn header_rows() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard(false);
    for (header, code) in [
        (None, "missing_auth_header"),
        (Some(""), "missing_auth_header"),
        (Some("Basic dXNlcjpwYXNz"), "invalid_auth_header_format"),
        (Some("Bearer a b"), "invalid_auth_header_format"),
        (Some("Bearer"), "missing_bearer_token"),
    ] {
        let response = answer(decide(&guard, header).await);
        assert_unauthorized(&response, code);
        // The header rows never need the network.
        let now = guard.decide_now(&Request { authorization: header, operation: None, sender: None });
        assert_eq!(now.decision, Decision::Answer(response));
    }
    assert_eq!(fixture.server.hits(), 0);
}

#[tokio::test]
async fn pre_check_rows_fetch_nothing() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard(true);
    let malformed = answer(decide(&guard, Some("Bearer not-a-jwt")).await);
    assert_unauthorized(&malformed, "invalid_token");
    assert_eq!(body(&malformed)["cause"], json!({ "cause": "The JWT is malformed or invalid." }));
    let no_issuer = answer(decide(&guard, Some(&bearer(&fixture.token_with(|c| c["iss"] = json!(""))))).await);
    assert_eq!(body(&no_issuer)["cause"], json!({ "cause": "The JWT payload does not contain the `iss` field." }));
    let untrusted = fixture.token_with(|c| c["iss"] = json!("https://evil.example.com"));
    let response = answer(decide(&guard, Some(&bearer(&untrusted))).await);
    assert_unauthorized(&response, "invalid_issuer");
    assert_eq!(body(&response)["cause"]["actual"], json!("https://evil.example.com"));
    assert_eq!(fixture.server.hits(), 0, "no token makes the middleware fetch from an untrusted host");
}

#[tokio::test]
async fn success_then_answered_from_the_cache() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard(false);
    let header = bearer(&fixture.token_with(|_| {}));
    let request = Request { authorization: Some(&header), operation: None, sender: None };
    assert_eq!(guard.decide_now(&request).decision, Decision::FetchFirst, "keys are not fetched yet");
    let Decision::Authenticated(Some(first)) = decide(&guard, Some(&header)).await else { panic!("not authenticated") };
    let info: Value = serde_json::from_str(&first.text).unwrap();
    assert_eq!(info["clientId"], json!("c1"));
    assert_eq!(info["scopes"], json!(["read", "write"]));
    assert_eq!(info["claims"]["sub"], json!("alice"));
    let again = guard.decide_now(&request);
    // A cache hit hands on the same numbered text (the JS layer keeps its parse under the number).
    let same = |decision: &Decision| matches!(decision, Decision::Authenticated(Some(cached)) if cached.id == first.id && cached.text == first.text);
    assert!(same(&again.decision), "{again:?}");
    // Another token signed by the same, now known, key needs no fetch either.
    let other = bearer(&fixture.token_with(|c| c["sub"] = json!("bob")));
    let now = guard.decide_now(&Request { authorization: Some(&other), operation: None, sender: None });
    assert!(
        matches!(&now.decision, Decision::Authenticated(Some(info)) if info.id != first.id && info.text != first.text)
    );
    assert_eq!(fixture.server.hits(), 1);
}

#[tokio::test]
async fn verification_rows() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard(true);
    let jose_code = |response: &ErrorResponse| body(response)["cause"]["code"].clone();

    let token = fixture.token_with(|_| {});
    let (signed, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", crate::tests::support::base64url(&[7u8; 64]));
    let response = answer(decide(&guard, Some(&bearer(&forged))).await);
    assert_unauthorized(&response, "invalid_token");
    assert_eq!(jose_code(&response), json!("ERR_JWS_SIGNATURE_VERIFICATION_FAILED"));

    let stranger = SigningKey::generate("unknown-kid");
    let mut claims = fixture.claims();
    claims["sub"] = json!("mallory");
    let response = answer(decide(&guard, Some(&bearer(&stranger.mint(&claims)))).await);
    assert_eq!(jose_code(&response), json!("ERR_JWKS_NO_MATCHING_KEY"));

    let expired = fixture.token_with(|c| c["exp"] = json!(now_s() - 10.0));
    let response = answer(decide(&guard, Some(&bearer(&expired))).await);
    assert_eq!(jose_code(&response), json!("ERR_JWT_EXPIRED"));
    assert_eq!(body(&response)["cause"]["cause"]["claim"], json!("exp"));

    let no_subject = fixture.token_with(|c| c.as_object_mut().unwrap().remove("sub").map(drop).unwrap_or(()));
    let response = answer(decide(&guard, Some(&bearer(&no_subject))).await);
    assert_eq!(
        body(&response)["cause"],
        json!({ "cause": "The JWT payload does not contain the `sub` field or it is malformed." })
    );
}

#[tokio::test]
async fn policy_rows() {
    let fixture = Fixture::start().await;
    let guard = fixture.guard(false);
    let other_audience = fixture.token_with(|c| c["aud"] = json!("https://other.example.com"));
    let response = answer(decide(&guard, Some(&bearer(&other_audience))).await);
    assert_unauthorized(&response, "invalid_audience");
    assert!(body(&response).get("cause").is_none(), "details hidden");

    let few_scopes = fixture.token_with(|c| c["scope"] = json!("write"));
    let response = answer(decide(&guard, Some(&bearer(&few_scopes))).await);
    assert_eq!(response.status, 403);
    assert_eq!(
        response.www_authenticate.as_deref(),
        Some("Bearer error=\"missing_required_scopes\", error_description=\"The token does not contain the necessary scopes for this request.\"")
    );
    assert_eq!(body(&response)["missing_scopes"], json!(["read"]));
}

#[tokio::test]
async fn error_details_shown_only_when_asked() {
    let fixture = Fixture::start().await;
    let expired = bearer(&fixture.token_with(|c| c["exp"] = json!(now_s() - 10.0)));
    let hidden = answer(decide(&fixture.guard(false), Some(&expired)).await);
    assert_eq!(
        body(&hidden),
        json!({ "error": "invalid_token", "error_description": "The provided token is invalid or malformed." })
    );
    let shown = answer(decide(&fixture.guard(true), Some(&expired)).await);
    assert_eq!(body(&shown)["cause"]["cause"]["name"], json!("JWTExpired"));
}

#[tokio::test]
async fn authorization_server_failures_are_500() {
    let fixture = Fixture::start().await;
    let mut metadata = fixture.metadata();
    metadata.remove("jwksUri");
    let guard = fixture.guard_with(ServerConfig::Resolved { metadata: Arc::new(metadata) }, None, None, true);
    let response = answer(decide(&guard, Some(&bearer(&fixture.token_with(|_| {})))).await);
    assert_eq!((response.status, response.www_authenticate.as_deref()), (500, None));
    assert_eq!(body(&response)["error"], json!("server_error"));
    assert_eq!(body(&response)["cause"]["error"], json!("missing_jwks_uri"));
}

#[tokio::test]
async fn lazy_discovery_fetches_once_and_warns_once() {
    let fixture = Fixture::start().await;
    let mut metadata = fixture.metadata();
    metadata.remove("registrationEndpoint");
    let snake = crate::snake_case::snake_case_keys(Value::Object(metadata));
    fixture.server.route("/.well-known/oauth-authorization-server", Answer::json(&snake));
    let discovery = ServerConfig::Discovery { issuer: json!(fixture.issuer), server_type: ServerType::OAuth };
    let guard = fixture.guard_with(discovery, None, None, false);
    let header = bearer(&fixture.token_with(|_| {}));
    let request = Request { authorization: Some(&header), operation: None, sender: None };
    assert_eq!(guard.decide_now(&request).decision, Decision::FetchFirst);
    let first = guard.decide(&request).await;
    assert!(matches!(first.decision, Decision::Authenticated(Some(_))), "{first:?}");
    assert!(first.warning.unwrap().contains("Dynamic Client Registration (RFC 7591) is not supported"));
    let second = guard
        .decide(&Request {
            authorization: Some(&bearer(&fixture.token_with(|c| c["sub"] = json!("b")))),
            operation: None,
            sender: None,
        })
        .await;
    assert_eq!(second.warning, None);
    assert_eq!(fixture.server.hits(), 2, "metadata and keys, each once");
}

#[tokio::test]
async fn caller_verified_tokens_come_back_for_the_policy() {
    let guard = Guard::with_caller_verification(
        Policy::new(IssuerRule::Exact("https://idp".into()), None, Some(json!(["read"]))),
        Answers::new(Some(RESOURCE), false),
    );
    let request = Request { authorization: Some("Bearer opaque"), operation: None, sender: None };
    assert_eq!(guard.decide_now(&request).decision, Decision::VerifyToken);
    assert_unauthorized(&answer(guard.decide_now(&Request::default()).decision), "missing_auth_header");
    let scopes = json!(["read"]);
    assert_eq!(guard.conclude(Some(&json!("https://idp")), None, Some(&scopes), None), Decision::Authenticated(None));
    assert_unauthorized(
        &answer(guard.conclude(Some(&json!("https://x")), None, Some(&scopes), None)),
        "invalid_issuer",
    );
    let thrown = |kind| Thrown { kind, code: "invalid_token".into(), message: "m".into(), to_json: json!({}) };
    assert_eq!(answer(guard.answer_thrown(thrown(Some(ErrorKind::TokenVerification)))).status, 401);
    assert_eq!(guard.answer_thrown(thrown(None)), Decision::Rethrow(None));
    let type_error = guard.conclude(Some(&json!("https://idp")), None, None, None);
    assert!(matches!(type_error, Decision::Rethrow(Some(AuthError { kind: ErrorKind::Type, .. }))));
}

#[tokio::test]
async fn an_invalid_resource_fails_every_answer() {
    let guard = Guard::with_caller_verification(
        Policy::new(IssuerRule::External, None, None),
        Answers::new(Some("nope"), false),
    );
    let Decision::Rethrow(Some(error)) = guard.decide_now(&Request::default()).decision else { panic!() };
    assert_eq!(error.message.as_deref(), Some("Invalid resource identifier URI: nope"));
}

#[tokio::test]
async fn discovered_metadata_that_is_not_json_is_a_500() {
    let fixture = Fixture::start().await;
    let not_json = Answer { status: "200 OK", body: "<html>".into(), delay: std::time::Duration::ZERO };
    fixture.server.route("/.well-known/oauth-authorization-server", not_json);
    let discovery = ServerConfig::Discovery { issuer: json!(fixture.issuer), server_type: ServerType::OAuth };
    let guard = fixture.guard_with(discovery, None, None, true);
    let response = answer(decide(&guard, Some(&bearer(&fixture.token_with(|_| {})))).await);
    assert_eq!((response.status, response.www_authenticate.as_deref()), (500, None));
    assert_eq!(body(&response)["cause"]["error"], json!("invalid_server_metadata"));
}
