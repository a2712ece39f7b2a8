//! A DPoP proof → `dpop::check_proof` (the bytes as the proof, `<proof>\n<request URL>`, and as
//! the request URL of a valid proof), `same_target`, `thumbprint`, `bound_thumbprint`, the
//! option checks (`publicOrigin`, `algorithms`) and the replay cache. Every refusal must be a
//! short printable text that repeats nothing of the input; every accepted proof must be fresh
//! once and a replay after.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::dpop::{
    bound_thumbprint, check_proof, same_target, thumbprint, CheckedProof, DpopOptions, ProofError, ProofInput,
    ReplayCache,
};
use serde_json::{Map, Value};

/// What the seeds are bound to (fuzz/tools/gen-dpop-seeds.mjs).
const TOKEN: &str = "fuzz-access-token";
const URL: &str = "https://api.example.com/mcp";
/// A valid ES256 proof for POST `URL` with `TOKEN`, dated `FIXED_NOW_MS`.
const VALID_PROOF: &str = include_str!("../seeds/dpop_proof/es256");

fn check(proof: &str, url: &str, clock_tolerance: f64, options: &DpopOptions) -> Result<CheckedProof, ProofError> {
    let now_seconds = common::FIXED_NOW_MS / 1000.0;
    let input = ProofInput { proof, method: "POST", url, token: TOKEN, now_seconds, clock_tolerance };
    let outcome = check_proof(&input, options);
    match &outcome {
        Ok(checked) => {
            assert_eq!(checked.thumbprint.len(), 43, "SHA-256 in base64url");
            assert!(checked.thumbprint.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(!checked.jti.is_empty());
            assert!((now_seconds - checked.iat).abs() <= options.max_proof_age + clock_tolerance);
            let cache = ReplayCache::new(4);
            let ttl = 2.0 * options.max_proof_age + clock_tolerance;
            assert!(cache.first_use(&checked.thumbprint, &checked.jti, ttl, now_seconds));
            assert!(!cache.first_use(&checked.thumbprint, &checked.jti, ttl, now_seconds + 1.0));
        }
        Err(ProofError(text)) => {
            assert!(text.starts_with("DPoP proof ") && text.len() < 100, "{text:?}");
            assert!(text.bytes().all(|b| b.is_ascii_graphic() || b == b' '), "{text:?}");
        }
    }
    outcome
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let defaults = DpopOptions::default();
    let es256_only = DpopOptions { algorithms: vec!["ES256".into()], max_proof_age: 60.0, ..Default::default() };

    // The bytes as a proof, for the seeds' URL and for a URL of their own.
    let _ = check(&text, URL, 0.0, &defaults);
    let _ = check(&text, URL, 30.0, &es256_only);
    if let Some((proof, url)) = text.split_once('\n') {
        let _ = check(proof, url, 0.0, &defaults);
    }
    // The bytes as the request URL of a valid proof: accepted exactly when it names the same target.
    let outcome = check(VALID_PROOF, &text, 0.0, &defaults);
    assert_eq!(outcome.is_ok(), same_target(URL, &text), "{text:?}");
    assert_eq!(same_target(&text, URL), same_target(URL, &text), "symmetric");

    // Keys and claims as JSON objects.
    if let Ok(object) = serde_json::from_str::<Map<String, Value>>(&text) {
        if let Some(print) = thumbprint(&object) {
            assert_eq!(print.len(), 43);
        }
        let _ = bound_thumbprint(object.get("cnf"));
    }

    // Setup checks: a normalized origin is a fixed point; accepted algorithms are asymmetric names.
    let with_origin = DpopOptions { public_origin: Some(text.to_string()), ..Default::default() };
    if let Ok(valid) = with_origin.validated() {
        let origin = valid.public_origin.clone().expect("kept");
        assert!(!origin.ends_with('/') && !origin.contains('?') && !origin.contains('#'), "{origin:?}");
        let again = DpopOptions { public_origin: Some(origin.clone()), ..Default::default() }.validated();
        assert_eq!(again.expect("a normalized origin stays valid").public_origin, Some(origin));
    }
    let algorithms = text.split(|c: char| c == ',' || c.is_whitespace()).map(String::from).collect();
    if let Ok(valid) = (DpopOptions { algorithms, ..Default::default() }).validated() {
        assert!(!valid.algorithms.is_empty());
        assert!(valid.algorithms.iter().all(|a| !a.starts_with("HS") && a != "none" && a != "Ed25519"));
        assert_eq!(valid.challenge_algs().split(' ').count(), valid.algorithms.len());
    }
});
