//! The fixture both pipeline test files use: a JWKS and metadata server on 127.0.0.1 whose keys
//! sign the tokens, and how the tests read a decision.

use super::*;
use crate::bearer::ErrorResponse;
use crate::mcp_auth::ServerConfig;
use crate::tests::support::{serve, Answer, Server, SigningKey};
use serde_json::Map;

pub(super) struct Fixture {
    pub server: Server,
    pub key: SigningKey,
    pub issuer: String,
}

pub(super) fn now_s() -> f64 {
    (now_ms() / 1000.0).floor()
}

impl Fixture {
    pub async fn start() -> Self {
        let key = SigningKey::generate("k1");
        let server = serve(Answer::json(&json!({ "keys": [key.jwk()] }))).await;
        let issuer = server.origin.clone();
        Self { server, key, issuer }
    }

    /// Valid metadata (camelCase) naming the server's JWKS.
    pub fn metadata(&self) -> Map<String, Value> {
        json!({
            "issuer": self.issuer, "authorizationEndpoint": format!("{}/auth", self.issuer),
            "tokenEndpoint": format!("{}/token", self.issuer), "responseTypesSupported": ["code"],
            "codeChallengeMethodsSupported": ["S256"], "registrationEndpoint": format!("{}/reg", self.issuer),
            "jwksUri": self.server.url,
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    pub fn resolved(&self) -> ServerConfig {
        ServerConfig::Resolved { metadata: Arc::new(self.metadata()) }
    }
}

pub(super) async fn decide(guard: &Guard, authorization: Option<&str>) -> Decision {
    guard.decide(&Request { authorization, operation: None, sender: None }).await.decision
}

pub(super) fn answer(decision: Decision) -> ErrorResponse {
    match decision {
        Decision::Answer(response) => response,
        other => panic!("expected an answer, got {other:?}"),
    }
}

pub(super) fn body(response: &ErrorResponse) -> Value {
    serde_json::from_str(&response.body).unwrap()
}
