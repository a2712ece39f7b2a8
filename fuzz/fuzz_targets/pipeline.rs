//! The request pipeline end to end: an `Authorization` header through `Guard::decide` (header,
//! pre-check, metadata, key selection, signature, claims, AuthInfo, policy, answer) for several
//! guards over one `MCPAuth` whose JWKS is the FIXED set (fixed_jwks.json), served by a host fetch
//! so no network is involved. Every decision must be one a front door can apply, and the
//! synchronous path must agree with the asynchronous one once keys are cached.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::bearer::{Answers, IssuerRule, Policy};
use mcp_auth_core::error::ErrorKind;
use mcp_auth_core::jose::VerifyOptions;
use mcp_auth_core::jwks::{CustomFetch, HostFetch, HostFetchResult, JwksOptions};
use mcp_auth_core::mcp_auth::{Config, McpAuth, ResourceConfig, ServerConfig};
use mcp_auth_core::pipeline::{Decision, Guard, JwtVerifier, Request};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const RESOURCE: &str = "https://api.example.com/mcp";

/// Serves fixed_jwks.json for any URL.
struct FixedJwks;

impl HostFetch for FixedJwks {
    fn fetch(
        &self,
        _: String,
        _: Vec<(String, String)>,
        _: Duration,
    ) -> Pin<Box<dyn Future<Output = HostFetchResult> + Send>> {
        Box::pin(async { Ok((200, include_bytes!("fixed_jwks.json").to_vec())) })
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime"))
}

fn guards() -> &'static [Guard] {
    static GUARDS: OnceLock<Vec<Guard>> = OnceLock::new();
    GUARDS.get_or_init(|| {
        let metadata = json!({
            "issuer": common::ISSUER, "authorizationEndpoint": "https://idp.example.com/auth",
            "tokenEndpoint": "https://idp.example.com/token", "responseTypesSupported": ["code"],
            "codeChallengeMethodsSupported": ["S256"], "jwksUri": "https://idp.example.com/jwks",
        });
        let resource = ResourceConfig {
            metadata: json!({ "resource": RESOURCE }).as_object().cloned().unwrap_or_default(),
            authorization_servers: vec![ServerConfig::Resolved {
                metadata: Arc::new(metadata.as_object().cloned().unwrap_or_default()),
            }],
        };
        let config = Config { has_protected_resources: true, protected_resources: vec![resource], ..Config::default() };
        let auth = Arc::new(McpAuth::construct(config).result.map_err(|f| f.error).expect("valid config"));
        let jwks = JwksOptions { custom_fetch: Some(CustomFetch(Arc::new(FixedJwks))), ..JwksOptions::default() };
        // The seeds' tokens are valid at the fixed clock.
        let options = VerifyOptions { current_date_ms: Some(common::FIXED_NOW_MS), ..VerifyOptions::default() };
        let guard = |audience: Option<Value>, scopes: Option<Value>, answers: Answers| {
            let jwt = JwtVerifier::new(auth.clone(), 0, options.clone(), jwks.clone());
            let policy = Policy::new(jwt.trusted().clone(), audience, scopes);
            Guard::with_jwt(policy, answers, jwt, None)
        };
        vec![
            guard(None, None, Answers::new(None, false)),
            guard(Some(json!(RESOURCE)), Some(json!(["read"])), Answers::new(Some(RESOURCE), true)),
            guard(None, Some(json!("not-a-list")), Answers::new(Some("not-a-url"), false)),
            Guard::with_caller_verification(Policy::new(IssuerRule::External, None, None), Answers::new(None, true)),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let request = Request { authorization: Some(&header), operation: None, sender: None };
    for guard in guards() {
        let decided = runtime().block_on(guard.decide(&request)).decision;
        match &decided {
            Decision::Authenticated(Some(info)) => {
                assert!(header.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("bearer ")), "{header:?}");
                let info: Value = serde_json::from_str(&info.text).expect("AuthInfo JSON");
                assert!(info["scopes"].as_array().is_some_and(|a| a.iter().all(Value::is_string)));
            }
            Decision::VerifyToken => assert!(header.len() > 7),
            Decision::Answer(response) => common::check_answer(response),
            Decision::Rethrow(Some(error)) => assert_eq!(error.kind, ErrorKind::Type, "{error:?}"),
            other => panic!("not a decision a door can apply here: {other:?}"),
        }
        // Keys are cached now: the synchronous path decides the same.
        assert_eq!(guard.decide_now(&request).decision, decided);
    }
});
