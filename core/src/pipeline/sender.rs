//! Sender-constrained tokens in the pipeline (RFC 9449): the proof a `DPoP` request carries, the
//! binding of its token to the proof's key, and the replay check, made last.

use crate::bearer::{proof_error, token_refused, Answers, DpopChallenge, Scheme};
use crate::dpop::{bound_thumbprint, check_proof, CheckedProof, DpopOptions, ProofInput, ReplayCache};
use crate::error::{AuthError, AuthResult, ServerFault};
use crate::jose::Claims;
use crate::store::{store_key, SharedStore};
use reqwest::Url;
use serde_json::json;
use serde_json::Value;
use std::time::Duration;

/// What a door hands over for sender-constrained tokens, when the middleware has `dpop`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SenderInput {
    pub method: String,
    /// The request URL as the door sees it (its `Host` and protocol).
    pub url: String,
    /// The `DPoP` header (several are joined with `, `, which no proof contains).
    pub proof: Option<String>,
}

/// Proofs remembered for replay detection (each at most twice the proof window).
const REPLAY_ENTRIES: usize = 100_000;

/// The `dpop` option of one middleware.
pub struct SenderConstraint {
    options: DpopOptions,
    pub(super) challenge: DpopChallenge,
    clock_tolerance: f64,
    replays: ReplayCache,
    /// Proofs seen by the other instances too (`MCPAuth`'s `store`).
    shared: Option<SharedStore>,
}

impl SenderConstraint {
    pub fn new(options: DpopOptions, clock_tolerance: f64, answers: &Answers, shared: Option<SharedStore>) -> Self {
        let challenge = DpopChallenge {
            algs: options.challenge_algs(),
            required: options.required,
            plain_bearer: answers.plain_bearer_challenge(),
        };
        Self { options, challenge, clock_tolerance, replays: ReplayCache::new(REPLAY_ENTRIES), shared }
    }

    /// Whether the replay check asks the shared store (so it cannot be decided without waiting).
    pub fn shares_replays(&self) -> bool {
        self.shared.is_some()
    }

    pub fn required(&self) -> bool {
        self.options.required
    }

    /// The URL the client addressed: the door's, or `publicOrigin` + its path.
    fn client_url(&self, url: &str) -> String {
        match (&self.options.public_origin, Url::parse(url)) {
            (Some(origin), Ok(parsed)) => format!("{origin}{}", parsed.path()),
            _ => url.to_string(),
        }
    }

    /// Every stateless check of the request's proof for `token`.
    pub fn check(&self, sender: Option<&SenderInput>, token: &str, now_seconds: f64) -> AuthResult<CheckedProof> {
        let sender = sender.ok_or_else(|| proof_error("The request carries no DPoP proof."))?;
        let proof = sender.proof.as_deref().ok_or_else(|| proof_error("The request carries no DPoP proof."))?;
        if proof.contains(',') {
            return Err(proof_error("The request carries more than one DPoP header."));
        }
        let url = self.client_url(&sender.url);
        let input = ProofInput {
            proof,
            method: &sender.method,
            url: &url,
            token,
            now_seconds,
            clock_tolerance: self.clock_tolerance,
        };
        check_proof(&input, &self.options).map_err(|refused| proof_error(refused.0))
    }

    /// The replay check, after every other one: a proof is accepted once, by this instance and,
    /// with a store, by all of them. A store that cannot answer refuses the request (fail closed).
    pub async fn first_use(&self, proof: &CheckedProof, now_seconds: f64) -> AuthResult<()> {
        let replayed = || proof_error("The DPoP proof was used before.");
        let ttl = 2.0 * self.options.max_proof_age + self.clock_tolerance;
        if !self.replays.first_use(&proof.thumbprint, &proof.jti, ttl, now_seconds) {
            return Err(replayed());
        }
        let Some(store) = &self.shared else { return Ok(()) };
        let key = store_key("dpop", &[&proof.thumbprint, &proof.jti]);
        match store.add(&key, Duration::from_secs_f64(ttl.max(0.001))).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(replayed()),
            Err(failure) => Err(AuthError::auth_server("store_unavailable")
                .with_cause(json!({ "cause": format!("The DPoP replay check could not be made: {failure}.") }))
                .with_fault(ServerFault::Unreachable)),
        }
    }
}

/// A token's binding against the scheme it came with. `refuse_bound_bearer`: a bound token may not
/// be used as a bearer token (with `dpop`, and always under the profile).
pub fn check_binding(
    scheme: Scheme,
    claims: &Claims,
    proof: Option<&CheckedProof>,
    refuse_bound_bearer: bool,
) -> AuthResult<()> {
    match (scheme, bound_thumbprint(claims.get("cnf")), proof) {
        (Scheme::Bearer, Some(_), _) if refuse_bound_bearer => {
            Err(token_refused("The token is DPoP-bound: send it with the DPoP scheme and a proof."))
        }
        (Scheme::DPoP, None, _) => Err(token_refused("The token is not DPoP-bound.")),
        (Scheme::DPoP, Some(key), Some(proof)) if key != proof.thumbprint => {
            Err(token_refused("The token is bound to another key than the proof's."))
        }
        _ => Ok(()),
    }
}

/// The scheme a request's `Authorization` names (for the answer's challenges).
pub fn scheme_of(authorization: Option<&str>) -> Scheme {
    let name = authorization.and_then(|header| header.split(' ').next()).unwrap_or("");
    Scheme::named(name, true).unwrap_or(Scheme::Bearer)
}

impl From<&Value> for SenderInput {
    /// `{ method, url, proof? }` as the JS layer sends it.
    fn from(value: &Value) -> Self {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        Self { method: text("method").unwrap_or_default(), url: text("url").unwrap_or_default(), proof: text("proof") }
    }
}
