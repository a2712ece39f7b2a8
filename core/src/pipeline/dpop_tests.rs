//! DPoP through the pipeline: proofs, the binding of a token to the proof's key, the replay
//! check, and the challenges, with tokens and proofs signed by generated ES256 keys.

use super::fixture_tests::{answer, now_s, Fixture};
use super::*;
use crate::dpop::{access_token_hash, thumbprint};
use crate::mcp_auth::{Config, ResourceConfig};
use crate::tests::support::SigningKey;

const RESOURCE: &str = "https://api.example.com/mcp";

impl Fixture {
    fn dpop_guard(&self, profile: Profile, dpop: Option<DpopOptions>) -> Guard {
        let resource = ResourceConfig {
            metadata: json!({ "resource": RESOURCE }).as_object().cloned().unwrap(),
            authorization_servers: vec![self.resolved()],
        };
        let config =
            Config { profile, has_protected_resources: true, protected_resources: vec![resource], ..Config::default() };
        let auth = Arc::new(McpAuth::construct(config).result.map_err(|f| f.error).unwrap());
        let jwt = JwtVerifier::new(auth, 0, VerifyOptions::default(), JwksOptions::default());
        let (policy, answers) = match profile {
            Profile::Compat => (Policy::new(jwt.trusted().clone(), None, None), Answers::new(Some(RESOURCE), false)),
            Profile::Mcp20260728 => (
                Policy::for_profile(jwt.trusted().clone(), None, Some(RESOURCE), None).unwrap(),
                Answers::for_profile(Some(RESOURCE), false, Default::default()),
            ),
        };
        Guard::with_jwt(policy, answers, jwt, Some(crate::token_cache::DEFAULT_LIMITS)).with_dpop(dpop, 0.0, None)
    }

    /// A token bound to `holder` (`None`: unbound).
    fn bound_token(&self, holder: Option<&SigningKey>) -> String {
        let mut claims = json!({ "iss": self.issuer, "sub": "alice", "aud": RESOURCE, "exp": now_s() + 600.0 });
        if let Some(holder) = holder {
            claims["cnf"] = json!({ "jkt": jkt(holder) });
        }
        self.key.mint(&claims)
    }
}

fn jkt(holder: &SigningKey) -> String {
    thumbprint(holder.jwk().as_object().unwrap()).unwrap()
}

fn proof(holder: &SigningKey, token: &str, jti: &str) -> String {
    let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": holder.jwk() });
    let claims = json!({ "htm": "POST", "htu": RESOURCE, "iat": now_s(), "jti": jti, "ath": access_token_hash(token) });
    holder.mint_with_header(&header, &claims)
}

fn sender(proof: Option<String>) -> SenderInput {
    SenderInput { method: "POST".into(), url: format!("{RESOURCE}?x=1"), proof }
}

async fn ask(guard: &Guard, authorization: &str, sender: &SenderInput) -> Decision {
    let request = Request { authorization: Some(authorization), operation: None, sender: Some(sender) };
    guard.decide(&request).await.decision
}

/// A 401's challenge and body error.
fn refusal(decision: Decision) -> (String, String) {
    let response = answer(decision);
    assert_eq!(response.status, 401, "{response:?}");
    let body: Value = serde_json::from_str(&response.body).unwrap();
    (response.www_authenticate.unwrap(), body["error"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_fresh_proof_passes_once() {
    let fixture = Fixture::start().await;
    let guard = fixture.dpop_guard(Profile::Compat, Some(DpopOptions::default()));
    let holder = SigningKey::generate("holder");
    let token = fixture.bound_token(Some(&holder));
    let with_proof = sender(Some(proof(&holder, &token, "j1")));
    assert!(matches!(ask(&guard, &format!("DPoP {token}"), &with_proof).await, Decision::Authenticated(Some(_))));
    let (challenge, error) = refusal(ask(&guard, &format!("DPoP {token}"), &with_proof).await);
    assert_eq!(error, "invalid_dpop_proof", "a replayed proof");
    assert!(challenge.contains(r#"DPoP algs="ES256 EdDSA RS256 PS256", error="invalid_dpop_proof""#), "{challenge}");
    assert!(challenge.starts_with(r#"Bearer resource_metadata=""#), "{challenge}");
    let fresh = sender(Some(proof(&holder, &token, "j2")));
    assert!(matches!(ask(&guard, &format!("DPoP {token}"), &fresh).await, Decision::Authenticated(Some(_))));
}

#[tokio::test]
async fn binding_and_scheme_refusals() {
    let fixture = Fixture::start().await;
    let guard = fixture.dpop_guard(Profile::Compat, Some(DpopOptions::default()));
    let (holder, other) = (SigningKey::generate("holder"), SigningKey::generate("other"));
    let bound = fixture.bound_token(Some(&holder));
    let (_, error) = refusal(ask(&guard, &format!("Bearer {bound}"), &sender(None)).await);
    assert_eq!(error, "invalid_token", "a bound token as a bearer token");
    let by_other = sender(Some(proof(&other, &bound, "j3")));
    let (challenge, error) = refusal(ask(&guard, &format!("DPoP {bound}"), &by_other).await);
    assert_eq!(error, "invalid_token", "a proof by another key than cnf.jkt");
    assert!(challenge.contains(r#"DPoP algs="ES256 EdDSA RS256 PS256", error="invalid_token""#), "{challenge}");
    let unbound = fixture.bound_token(None);
    let (_, error) =
        refusal(ask(&guard, &format!("DPoP {unbound}"), &sender(Some(proof(&holder, &unbound, "j4")))).await);
    assert_eq!(error, "invalid_token", "an unbound token with the DPoP scheme");
    assert!(matches!(ask(&guard, &format!("Bearer {unbound}"), &sender(None)).await, Decision::Authenticated(_)));
    let (_, error) = refusal(ask(&guard, &format!("DPoP {bound}"), &sender(None)).await);
    assert_eq!(error, "invalid_dpop_proof", "no proof");
    let two = sender(Some(format!("{}, {}", proof(&holder, &bound, "j5"), proof(&holder, &bound, "j6"))));
    assert_eq!(refusal(ask(&guard, &format!("DPoP {bound}"), &two).await).1, "invalid_dpop_proof", "two headers");
    let (challenge, _) = refusal(ask(&guard, "Basic abc", &sender(None)).await);
    assert!(challenge.contains(r#"Expected \"Bearer <token>\".""#), "compat's challenges quoted strictly: {challenge}");
}

#[tokio::test]
async fn required_refuses_bearer_and_the_profile_refuses_bound_bearer_tokens() {
    let fixture = Fixture::start().await;
    let required = DpopOptions { required: true, ..DpopOptions::default() };
    let guard = fixture.dpop_guard(Profile::Compat, Some(required));
    let (challenge, error) =
        refusal(ask(&guard, &format!("Bearer {}", fixture.bound_token(None)), &sender(None)).await);
    assert_eq!(error, "invalid_token");
    assert!(challenge.starts_with("DPoP algs=") && !challenge.contains("Bearer"), "{challenge}");
    let profile = fixture.dpop_guard(Profile::Mcp20260728, None);
    let holder = SigningKey::generate("holder");
    let (_, error) =
        refusal(ask(&profile, &format!("Bearer {}", fixture.bound_token(Some(&holder))), &sender(None)).await);
    assert_eq!(error, "invalid_token", "a bound token is never a bearer token under the profile");
    assert!(matches!(
        ask(&profile, &format!("Bearer {}", fixture.bound_token(None)), &sender(None)).await,
        Decision::Authenticated(_)
    ));
}
