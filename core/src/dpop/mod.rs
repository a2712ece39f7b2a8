//! DPoP (RFC 9449): the stateless checks of a proof, the thumbprint a token is bound to, and (in
//! [`replay`]) the memory of proofs already used. No Node here: the pipeline and the doors wire it.

pub mod replay;

#[cfg(test)]
mod proof_tests;

use crate::error::{AuthError, AuthResult};
use crate::jose::{
    base64url_decode, key_type_of, parse_compact, verify_signature, KeyType, VerificationKey, VerifyOptions,
};
use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Url;
use serde_json::{Map, Value};

pub use replay::ReplayCache;

/// The `typ` every proof carries, so that no other JWT can pass as a proof (RFC 9449 §4.2).
const PROOF_TYP: &str = "dpop+jwt";

/// JWK members that only a private (or secret) key has: a proof must carry a public key.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

/// `bearerAuth(…, { dpop })`, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct DpopOptions {
    /// Only DPoP-bound tokens are accepted (a plain bearer token is refused).
    pub required: bool,
    /// JWS algorithms a proof may be signed with; asymmetric only.
    pub algorithms: Vec<String>,
    /// How far (s) a proof's `iat` may be from now, before the clock tolerance.
    pub max_proof_age: f64,
    /// The normalized origin clients use, for servers behind a proxy; `None`: derived per request.
    pub public_origin: Option<String>,
}

impl Default for DpopOptions {
    fn default() -> Self {
        Self {
            required: false,
            algorithms: ["ES256", "EdDSA", "RS256", "PS256"].map(String::from).to_vec(),
            max_proof_age: 300.0,
            public_origin: None,
        }
    }
}

impl DpopOptions {
    /// Setup checks: every algorithm known and asymmetric (`none`, HS256/384/512, unknown → error), non-empty list,
    /// 'Ed25519' normalized to 'EdDSA' (dedupe), max_proof_age finite > 0, public_origin an http(s) origin with no
    /// path other than "/", no query, no fragment, no userinfo (normalized: lowercase scheme/host, default port
    /// elided, no trailing slash). Errors: `AuthError::invalid_server_config(text)`, found at setup rather than
    /// on every request.
    pub fn validated(self) -> AuthResult<Self> {
        if self.algorithms.is_empty() {
            return Err(AuthError::invalid_server_config("dpop.algorithms must not be empty"));
        }
        let mut algorithms: Vec<String> = Vec::with_capacity(self.algorithms.len());
        for alg in &self.algorithms {
            match key_type_of(alg) {
                Some(KeyType::Oct) => {
                    return Err(AuthError::invalid_server_config(format!(
                        "dpop.algorithms: {alg} is symmetric; a DPoP proof must be signed with a private key"
                    )))
                }
                None => {
                    return Err(AuthError::invalid_server_config(format!(
                        "dpop.algorithms: {alg:?} is not a supported asymmetric JWS algorithm"
                    )))
                }
                Some(_) => {}
            }
            let name = if alg == "Ed25519" { "EdDSA" } else { alg.as_str() };
            if !algorithms.iter().any(|known| known == name) {
                algorithms.push(name.to_string());
            }
        }
        if !(self.max_proof_age.is_finite() && self.max_proof_age > 0.0) {
            return Err(AuthError::invalid_server_config("dpop.maxProofAge must be a finite number of seconds > 0"));
        }
        let public_origin = match &self.public_origin {
            Some(origin) => Some(normalized_origin(origin).map_err(|why| {
                AuthError::invalid_server_config(format!("dpop.publicOrigin must be an http(s) origin: {why}"))
            })?),
            None => None,
        };
        Ok(Self { algorithms, public_origin, ..self })
    }

    /// `algs` of the DPoP challenge: the algorithms joined with spaces.
    pub fn challenge_algs(&self) -> String {
        self.algorithms.join(" ")
    }

    /// Whether a proof header's `alg` is allowed; `Ed25519` (RFC 9864's name) counts as `EdDSA`.
    fn allows(&self, alg: &str) -> bool {
        self.algorithms.iter().any(|allowed| allowed == alg || (alg == "Ed25519" && allowed == "EdDSA"))
    }
}

/// `scheme://host[:port]` of an origin text, or why it is not one.
fn normalized_origin(text: &str) -> Result<String, &'static str> {
    let url = Url::parse(text).map_err(|_| "not a URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no user info allowed");
    }
    if url.path() != "/" {
        return Err("no path allowed");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("no query or fragment allowed");
    }
    let host = url.host_str().filter(|host| !host.is_empty()).ok_or("a host is required")?;
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// What a request brings to the proof check.
#[derive(Debug, Clone, Copy)]
pub struct ProofInput<'a> {
    /// The `DPoP` header value.
    pub proof: &'a str,
    /// The request method, as received.
    pub method: &'a str,
    /// The request URL as the client addressed it (public origin + path and query).
    pub url: &'a str,
    /// The access token of `Authorization: DPoP <token>`.
    pub token: &'a str,
    pub now_seconds: f64,
    pub clock_tolerance: f64,
}

/// What the stateful steps (binding and replay) need from a proof that passed.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedProof {
    /// RFC 7638 thumbprint of the proof's key: compared with `cnf.jkt`, and part of the replay key.
    pub thumbprint: String,
    pub jti: String,
    pub iat: f64,
}

/// Why a proof is refused: text for `error_description` (never the token or the proof itself).
#[derive(Debug, Clone, PartialEq)]
pub struct ProofError(pub String);

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProofError {}

fn refuse<T>(why: &str) -> Result<T, ProofError> {
    Err(ProofError(format!("DPoP proof {why}")))
}

/// Every stateless check of RFC 9449 §4.3 in order: compact JWS (exactly 3 segments), header `typ` == "dpop+jwt",
/// `alg` in options.algorithms, `jwk` an object with no private members (d, p, q, dp, dq, qi, k, oth) and a kty
/// matching the alg, signature verified with that jwk, payload a JSON object with string `jti` (non-empty),
/// string `htm` == input.method (case-sensitive), string `htu` matching input.url (see same_target), numeric `iat`
/// with |now - iat| <= max_proof_age + clock_tolerance, string `ath` == base64url(SHA-256(token)).
/// Returns the RFC 7638 thumbprint of the jwk (for `cnf.jkt` and the replay key). The replay check is left to
/// the caller, last, so that a store outage only touches otherwise valid requests.
pub fn check_proof(input: &ProofInput<'_>, options: &DpopOptions) -> Result<CheckedProof, ProofError> {
    // Shape, header JSON, `crit` (nothing is understood but `b64`) and a non-empty `alg`.
    let jws = match parse_compact(input.proof, &VerifyOptions::default()) {
        Ok(jws) => jws,
        Err(_) => return refuse("is not a compact JWS with a valid protected header"),
    };
    let Ok(header) = serde_json::from_str::<Map<String, Value>>(&jws.header_text) else {
        return refuse("is not a compact JWS with a valid protected header");
    };
    if header.get("typ").and_then(Value::as_str) != Some(PROOF_TYP) {
        return refuse("header \"typ\" must be \"dpop+jwt\"");
    }
    let alg = jws.alg.as_str();
    let expected = match key_type_of(alg) {
        Some(KeyType::Oct) | None => return refuse("\"alg\" is not allowed"),
        Some(_) if !options.allows(alg) => return refuse("\"alg\" is not allowed"),
        Some(key_type) => key_type,
    };
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return refuse("header \"jwk\" must be a JSON Web Key object");
    };
    if PRIVATE_MEMBERS.iter().any(|member| jwk.contains_key(*member)) {
        return refuse("header \"jwk\" must be a public key");
    }
    let kty_fits = jwk.get("kty").and_then(Value::as_str) == Some(expected.kty())
        && expected.curve().is_none_or(|crv| jwk.get("crv").and_then(Value::as_str) == Some(crv));
    if !kty_fits {
        return refuse("header \"jwk\" does not fit the \"alg\"");
    }
    let Ok(key) = VerificationKey::from_jwk(jwk) else {
        return refuse("header \"jwk\" is not a valid public key");
    };
    if key.usable().is_err() || verify_signature(&jws, &key).is_err() {
        return refuse("signature verification failed");
    }
    let Some(thumbprint) = thumbprint(jwk) else {
        return refuse("header \"jwk\" is not a valid public key");
    };

    let claims =
        base64url_decode(jws.payload_b64).and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok());
    let Some(claims) = claims else {
        return refuse("payload must be a JSON object");
    };
    let jti = match claims.get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() => jti.clone(),
        _ => return refuse("\"jti\" claim must be a non-empty string"),
    };
    if claims.get("htm").and_then(Value::as_str) != Some(input.method) {
        return refuse("\"htm\" claim does not match the request method");
    }
    if !claims.get("htu").and_then(Value::as_str).is_some_and(|htu| same_target(htu, input.url)) {
        return refuse("\"htu\" claim does not match the request URL");
    }
    let Some(iat) = claims.get("iat").and_then(Value::as_f64) else {
        return refuse("\"iat\" claim must be a number");
    };
    // False for NaN (a bad tolerance): refuses rather than accepts.
    let within_window = (input.now_seconds - iat).abs() <= options.max_proof_age + input.clock_tolerance;
    if !within_window {
        return refuse("\"iat\" claim is outside the accepted window");
    }
    match claims.get("ath") {
        Some(Value::String(ath)) if *ath == access_token_hash(input.token) => {}
        Some(_) => return refuse("\"ath\" claim does not match the access token"),
        None => return refuse("\"ath\" claim is missing"),
    }
    Ok(CheckedProof { thumbprint, jti, iat })
}

fn sha256_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// RFC 7638 SHA-256 thumbprint (base64url, no padding) of a public JWK: required members only (EC: crv,kty,x,y;
/// RSA: e,kty,n; OKP: crv,kty,x), lexicographic order, no whitespace; None when a required member is
/// missing/non-string. It is what `cnf.jkt` names.
pub fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let members: &[&str] = match jwk.get("kty").and_then(Value::as_str)? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (index, name) in members.iter().enumerate() {
        let value = jwk.get(*name)?.as_str()?;
        if index > 0 {
            canonical.push(',');
        }
        // serde_json escapes a string as JSON.stringify does (Rust strings hold no lone surrogate).
        canonical.push_str(&serde_json::to_string(name).ok()?);
        canonical.push(':');
        canonical.push_str(&serde_json::to_string(value).ok()?);
    }
    canonical.push('}');
    Some(sha256_base64url(canonical.as_bytes()))
}

/// base64url(SHA-256(token)): the `ath` a proof must carry, tying it to one access token.
pub fn access_token_hash(token: &str) -> String {
    sha256_base64url(token.as_bytes())
}

/// `htu` vs the request URL: both parsed as URLs, compared on scheme + host (case-insensitive) + port (default
/// elided) + path; query and fragment of both ignored (RFC 9449 §4.3 step 9). Unparseable → false.
pub fn same_target(htu: &str, request_url: &str) -> bool {
    let (Ok(htu), Ok(request)) = (Url::parse(htu), Url::parse(request_url)) else {
        return false;
    };
    let host_of = |url: &Url| url.host_str().filter(|host| !host.is_empty()).map(str::to_ascii_lowercase);
    let (Some(htu_host), Some(request_host)) = (host_of(&htu), host_of(&request)) else {
        return false;
    };
    htu.scheme() == request.scheme()
        && htu_host == request_host
        && htu.port_or_known_default() == request.port_or_known_default()
        && htu.path() == request.path()
}

/// The key a token's `cnf` claim (or an introspection answer's) binds it to, if any (a non-string `jkt`
/// counts as bound to nothing valid: `Some("")`, so that a bound-looking token never passes as unbound).
/// Only `jkt` matters: other confirmation methods (`x5t#S256`…) are not DPoP's.
pub fn bound_thumbprint(cnf: Option<&Value>) -> Option<&str> {
    let jkt = cnf?.as_object()?.get("jkt")?;
    Some(jkt.as_str().unwrap_or_default())
}
