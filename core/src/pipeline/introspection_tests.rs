//! Introspection through the pipeline, against a scripted endpoint on 127.0.0.1: answers, the
//! cache, one call per token at a time, failures never cached, the JWT-first fallback and the
//! setup errors.

use super::fixture_tests::{answer, body, decide, now_s, Fixture};
use super::*;
use crate::bearer::ProfileChallenge;
use crate::introspection::{IntrospectionOptions, Introspector};
use crate::mcp_auth::{Config, ResourceConfig, ServerConfig};
use crate::tests::support::Answer;
use std::time::Duration;

const RESOURCE: &str = "https://api.example.com/mcp";
const TOKEN: &str = "opaque-token-1";

fn options(fixture: &Fixture) -> IntrospectionOptions {
    IntrospectionOptions {
        client_id: Some("rs".into()),
        client_secret: Some("secret".into()),
        endpoint: Some(format!("{}/introspect", fixture.issuer)),
        ..IntrospectionOptions::default()
    }
}

fn auth(profile: Profile, servers: Vec<ServerConfig>) -> Arc<McpAuth> {
    let resource = ResourceConfig {
        metadata: json!({ "resource": RESOURCE }).as_object().cloned().unwrap(),
        authorization_servers: servers,
    };
    let config =
        Config { profile, has_protected_resources: true, protected_resources: vec![resource], ..Config::default() };
    Arc::new(McpAuth::construct(config).result.map_err(|f| f.error).unwrap())
}

impl Fixture {
    fn introspection_guard(&self, profile: Profile, options: IntrospectionOptions) -> Guard {
        let auth = auth(profile, vec![self.resolved()]);
        let trusted = IssuerRule::Trusted(auth.trusted_issuers(0));
        let introspector = Introspector::new(auth, 0, options, 0.0, None).unwrap();
        let (policy, answers) = match profile {
            Profile::Compat => (Policy::new(trusted, None, Some(json!(["read"]))), Answers::new(Some(RESOURCE), false)),
            Profile::Mcp20260728 => (
                Policy::for_profile(trusted, None, Some(RESOURCE), Some(json!(["read"]))).unwrap(),
                Answers::for_profile(Some(RESOURCE), false, ProfileChallenge::default()),
            ),
        };
        Guard::with_introspection(policy, answers, introspector)
    }

    fn introspect_answers(&self, answer: Value, delay: Duration) {
        self.server.route("/introspect", Answer { delay, ..Answer::json(&answer) });
    }

    fn fail_with(&self, status: &'static str) {
        self.server.route("/introspect", Answer { status, body: "{}".into(), delay: Duration::ZERO });
    }
}

fn active() -> Value {
    json!({ "active": true, "scope": "read write", "client_id": "c1", "sub": "alice", "aud": RESOURCE,
            "exp": now_s() + 600.0 })
}

fn authenticated(decision: Decision) -> Value {
    match decision {
        Decision::Authenticated(Some(json)) => serde_json::from_str(&json.text).unwrap(),
        other => panic!("expected AuthInfo, got {other:?}"),
    }
}

#[tokio::test]
async fn an_active_answer_is_authinfo_and_cached() {
    let fixture = Fixture::start().await;
    fixture.introspect_answers(active(), Duration::ZERO);
    let guard = fixture.introspection_guard(Profile::Compat, options(&fixture));
    let header = format!("Bearer {TOKEN}");
    let request = Request { authorization: Some(&header), operation: None, sender: None };
    assert_eq!(guard.decide_now(&request).decision, Decision::FetchFirst, "a new token needs the endpoint");
    let info = authenticated(decide(&guard, Some(&header)).await);
    assert_eq!(
        (&info["clientId"], &info["scopes"], &info["issuer"]),
        (&json!("c1"), &json!(["read", "write"]), &json!(fixture.issuer))
    );
    assert_eq!(info["claims"], active_without_exp(&info["claims"]));
    assert!(matches!(guard.decide_now(&request).decision, Decision::Authenticated(_)), "answered from the cache");
    assert_eq!(fixture.server.hits_on("/introspect"), 1);
}

fn active_without_exp(claims: &Value) -> Value {
    let mut expected = active();
    expected["exp"] = claims["exp"].clone();
    expected
}

#[tokio::test]
async fn concurrent_requests_share_one_call() {
    let fixture = Fixture::start().await;
    fixture.introspect_answers(active(), Duration::from_millis(200));
    let guard = Arc::new(fixture.introspection_guard(Profile::Compat, options(&fixture)));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let guard = guard.clone();
            tokio::spawn(async move { decide(&guard, Some(&format!("Bearer {TOKEN}"))).await })
        })
        .collect();
    for task in tasks {
        authenticated(task.await.unwrap());
    }
    assert_eq!(fixture.server.hits_on("/introspect"), 1);
}

#[tokio::test]
async fn inactive_and_refused_answers_401() {
    let fixture = Fixture::start().await;
    let guard = fixture.introspection_guard(Profile::Compat, options(&fixture));
    let header = format!("Bearer {TOKEN}");
    for (refused, code) in [
        (json!({ "active": false }), "invalid_token"),
        (json!({ "active": "true" }), "invalid_token"),
        (json!({ "active": true, "exp": now_s() - 1.0 }), "invalid_token"),
        (json!({ "active": true, "iss": "https://other.example" }), "invalid_issuer"),
    ] {
        fixture.introspect_answers(refused, Duration::ZERO);
        let response = answer(decide(&guard, Some(&header)).await);
        assert_eq!((response.status, body(&response)["error"].as_str()), (401, Some(code)));
        assert!(!response.body.contains(TOKEN) && !response.www_authenticate.unwrap().contains(TOKEN));
    }
    assert_eq!(fixture.server.hits_on("/introspect"), 4, "refusals are not cached by default");
    fixture.introspect_answers(json!({ "active": true, "scope": "write", "aud": RESOURCE }), Duration::ZERO);
    assert_eq!(answer(decide(&guard, Some(&header)).await).status, 403, "scopes are checked as for JWTs");
}

#[tokio::test]
async fn endpoint_failures_are_never_cached() {
    let fixture = Fixture::start().await;
    let header = format!("Bearer {TOKEN}");
    let timeout = IntrospectionOptions { timeout: Duration::from_millis(100), ..options(&fixture) };
    let compat = fixture.introspection_guard(Profile::Compat, timeout.clone());
    let profile = fixture.introspection_guard(Profile::Mcp20260728, timeout);
    let failures = [("503 Service Unavailable", 503), ("401 Unauthorized", 500), ("200 OK", 500)];
    for (status, profile_status) in failures {
        fixture.fail_with(status);
        if status == "200 OK" {
            fixture.server.route("/introspect", Answer { body: "not json".into(), ..Answer::json(&json!({})) });
        }
        let response = answer(decide(&compat, Some(&header)).await);
        assert_eq!((response.status, body(&response)["error"].as_str()), (500, Some("server_error")), "{status}");
        let response = answer(decide(&profile, Some(&header)).await);
        assert_eq!(response.status, profile_status, "{status}");
        assert_eq!(response.retry_after.is_some(), profile_status == 503);
    }
    fixture.introspect_answers(active(), Duration::from_millis(500));
    let started = std::time::Instant::now();
    assert_eq!(answer(decide(&profile, Some(&header)).await).status, 503, "a hang past the timeout");
    assert!(started.elapsed() < Duration::from_millis(450));
    fixture.introspect_answers(active(), Duration::ZERO);
    authenticated(decide(&profile, Some(&header)).await);
}

#[tokio::test]
async fn jwt_first_fallback() {
    let fixture = Fixture::start().await;
    let auth = auth(Profile::Compat, vec![fixture.resolved()]);
    let introspector = Introspector::new(auth.clone(), 0, options(&fixture), 0.0, None).unwrap();
    let jwt = JwtVerifier::new(auth, 0, VerifyOptions::default(), JwksOptions::default());
    let policy = Policy::new(jwt.trusted().clone(), None, None);
    let guard =
        Guard::with_jwt(policy, Answers::new(Some(RESOURCE), false), jwt, None).falling_back_to(Some(introspector));
    fixture.introspect_answers(active(), Duration::ZERO);
    let token = fixture.key.mint(&json!({ "iss": fixture.issuer, "sub": "bob", "exp": now_s() + 60.0 }));
    assert_eq!(authenticated(decide(&guard, Some(&format!("Bearer {token}"))).await)["claims"]["sub"], json!("bob"));
    // Another signature (not only another last character, whose low bits base64url decoding drops).
    let signed = token.rsplit_once('.').unwrap().0;
    let forged = format!("{signed}.{}", crate::tests::support::base64url(&[7u8; 64]));
    assert_eq!(answer(decide(&guard, Some(&format!("Bearer {forged}"))).await).status, 401);
    assert_eq!(fixture.server.hits_on("/introspect"), 0, "JWTs are never introspected");
    authenticated(decide(&guard, Some(&format!("Bearer {TOKEN}"))).await);
    assert_eq!(fixture.server.hits_on("/introspect"), 1);
}

#[tokio::test]
async fn setup_errors() {
    let fixture = Fixture::start().await;
    let other = ServerConfig::Discovery {
        issuer: json!("https://other.example"),
        server_type: crate::metadata::well_known::ServerType::OAuth,
    };
    let two = auth(Profile::Compat, vec![fixture.resolved(), other]);
    let error =
        |auth: &Arc<McpAuth>, options| Introspector::new(auth.clone(), 0, options, 0.0, None).err().map(|e| e.code);
    let config_error = Some("invalid_server_config".to_string());
    assert_eq!(error(&two, options(&fixture)), config_error, "several servers, no issuer");
    let unknown = IntrospectionOptions { issuer: Some("https://third.example".into()), ..options(&fixture) };
    assert_eq!(error(&two, unknown), config_error);
    let chosen = IntrospectionOptions { issuer: Some(fixture.issuer.clone()), ..options(&fixture) };
    assert_eq!(error(&two, chosen), None);
    let one = auth(Profile::Compat, vec![fixture.resolved()]);
    assert_eq!(error(&one, IntrospectionOptions { endpoint: None, ..options(&fixture) }), config_error, "no endpoint");
    assert_eq!(error(&one, IntrospectionOptions { client_id: None, ..options(&fixture) }), config_error);
}
