//! A JWKS response body: `parse_json_body` → `KeySet::parse` (imports every JWK through
//! `VerificationKey::from_jwk`) → `select` for a few algorithms and kids, and a signature check
//! with each selected key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::jose::{parse_compact, verify_signature, VerifyOptions};
use mcp_auth_core::jwks::KeySet;
use mcp_auth_core::metadata::fetch::parse_json_body;
use serde_json::Value;

const ALGS: [&str; 9] = ["RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "none"];

/// A JWS shape for each algorithm (the signature is junk: the point is to run the check).
const SIG: &str = "c2lnbmF0dXJlLWJ5dGVzLXRoYXQtYXJlLW5vdC12YWxpZA";

fuzz_target!(|data: &[u8]| {
    let Ok(document) = parse_json_body(data) else { return };
    let Ok(keys) = KeySet::parse(&document) else { return };
    // The kids present in the document, plus an unknown one and a non-string one.
    let mut kids: Vec<Option<Value>> = vec![None, Some(Value::from("unknown-kid")), Some(Value::from(7))];
    if let Some(list) = document.get("keys").and_then(Value::as_array) {
        kids.extend(list.iter().filter_map(|k| k.get("kid")).take(4).cloned().map(Some));
    }
    let options = VerifyOptions { current_date_ms: Some(1_750_000_000_000.0), ..Default::default() };
    for alg in ALGS {
        let header = format!("{{\"alg\":\"{alg}\"}}");
        let token =
            format!("{}.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsInN1YiI6IngifQ.{SIG}", b64(header.as_bytes()));
        let jws = parse_compact(&token, &options).expect("fixed token shape parses");
        for kid in &kids {
            if let Ok(key) = keys.select(alg, kid.as_ref()) {
                let _ = format!("{key:?}");
                // A junk signature never verifies.
                assert!(verify_signature(&jws, &key).is_err(), "junk signature accepted for {alg}");
            }
        }
    }
});

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}
