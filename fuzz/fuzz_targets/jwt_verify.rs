//! A token verified the way the bearer middleware does it: `parse_compact` → `KeySet::select`
//! → `verify_access_token` (signature, claims, `AuthInfo`) → policy checks, against a FIXED JWKS (one RSA-2048 and
//! one P-256 public key, see fixed_jwks.json / tools/gen-seeds.mjs).
//!
//! Input: `<token>` or `<token>\n<jose verify options as JSON>`. Without a `currentDate` option
//! the clock is fixed (common::FIXED_NOW_MS) so runs are reproducible.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::bearer::token_error;
use mcp_auth_core::jose::{duration_seconds, parse_compact, validate_claims, JoseError, VerifyOptions};
use mcp_auth_core::jwks::KeySet;
use mcp_auth_core::jwt::verify_access_token;
use serde_json::Value;
use std::sync::OnceLock;

fn key_set() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let document: Value = serde_json::from_str(include_str!("fixed_jwks.json")).expect("fixed JWKS is JSON");
        let keys = KeySet::parse(&document).expect("fixed JWKS parses");
        // Both keys must import, or the target would only ever exercise selection failures.
        keys.select("RS256", Some(&Value::from("fuzz-rsa-1"))).expect("RSA key imports");
        keys.select("ES256", Some(&Value::from("fuzz-ec-1"))).expect("EC key imports");
        keys
    })
}

/// `FUZZ_TRACE=1` prints each input's outcome (to check that seeds reach the stage they should).
fn trace(outcome: &dyn std::fmt::Debug) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some()) {
        eprintln!("outcome: {outcome:?}");
    }
}

fn fail(error: &JoseError) {
    trace(&(error.code, &error.message));
    let _ = error.to_json();
    common::respond_all(&token_error(error));
}

/// The options a seed's JSON line sets (the addon's option parsing is not part of this crate).
fn options_from(json: &Value) -> VerifyOptions {
    let strings = |key: &str| match json.get(key) {
        Some(Value::String(one)) => Some(vec![one.clone()]),
        Some(Value::Array(items)) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        _ => None,
    };
    let seconds = |key: &str| match json.get(key) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(text)) => duration_seconds(text),
        _ => None,
    };
    VerifyOptions {
        algorithms: strings("algorithms"),
        audience: strings("audience"),
        issuer: strings("issuer"),
        subject: json.get("subject").and_then(Value::as_str).map(str::to_string),
        clock_tolerance: seconds("clockTolerance").filter(|t| t.is_finite() && *t >= 0.0).unwrap_or(0.0),
        max_token_age: seconds("maxTokenAge").filter(|t| t.is_finite() && *t >= 0.0),
        requires_iat: json.get("maxTokenAge").is_some(),
        required_claims: strings("requiredClaims").unwrap_or_default(),
        typ: json.get("typ").and_then(Value::as_str).map(str::to_string),
        current_date_ms: json.get("currentDate").and_then(Value::as_f64),
        ..VerifyOptions::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let keys = key_set();
    let text = String::from_utf8_lossy(data);
    let (token, options_text) = match text.split_once('\n') {
        Some((token, options)) => (token, Some(options)),
        None => (&*text, None),
    };
    let mut options = match options_text {
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(json) => options_from(&json),
            Err(_) => {
                // Not JSON: use it as a duration string instead (jose's `secs()`).
                if let Some(seconds) = duration_seconds(raw) {
                    assert!(!seconds.is_nan());
                }
                VerifyOptions::default()
            }
        },
        None => VerifyOptions::default(),
    };
    options.current_date_ms.get_or_insert(common::FIXED_NOW_MS);

    let jws = match parse_compact(token, &options) {
        Ok(jws) => jws,
        Err(error) => return fail(&error),
    };
    assert!(!jws.alg.is_empty());
    assert_eq!(jws.signing_input.len(), jws.signing_input.rfind('.').unwrap() + 1 + jws.payload_b64.len());
    // Claims validation on its own (as if the signature were good) must not panic either.
    let _ = validate_claims(&jws, &options);

    let key = match keys.select(&jws.alg, jws.kid_value()) {
        Ok(key) => key,
        Err(error) => return fail(&error),
    };
    match verify_access_token(&jws, &key, None, &options) {
        Ok(info) => {
            trace(&("verified", info.claims.get("sub"), &info.scopes));
            assert!(info.issuer().and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
            assert!(info.claims.get("sub").and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
            assert!(info.scopes.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
            // What JS parses must be one JSON value (the payload may nest beyond serde's depth limit).
            serde_json::from_str::<serde::de::IgnoredAny>(&info.to_json()).expect("AuthInfo JSON");
            common::check_all(&info);
        }
        Err(error) => {
            trace(&(&error.code, &error.cause));
            common::respond_all(&error)
        }
    }
});
