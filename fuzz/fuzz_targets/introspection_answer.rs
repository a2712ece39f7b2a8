//! An introspection endpoint's answer body → active / inactive / refused / endpoint failure, the
//! `AuthInfo` of an active one, and the HTTP answer for each failure; the same bytes as a token:
//! the JWT-first routing and the request form.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::bearer::ScopeClaims;
use mcp_auth_core::introspection::{is_jwt, read_body, Answer, AnswerRules, ClientAuth};

fuzz_target!(|data: &[u8]| {
    let scope_claims = ScopeClaims::new(vec!["scope".into(), "realm_access.roles".into()]).unwrap();
    for claims in [None, Some(&scope_claims)] {
        let rules =
            AnswerRules { issuer: "https://as.example", now_seconds: 1e9, clock_tolerance: 0.0, scope_claims: claims };
        match read_body(data.to_vec(), &rules) {
            Ok(Answer::Active(introspected, _)) => {
                let json: serde_json::Value = serde_json::from_str(&introspected.json.text).expect("AuthInfo JSON");
                assert!(json["scopes"].is_array());
            }
            Ok(Answer::Inactive) => {}
            Err(error) => common::respond_all(&error),
        }
    }
    let token = String::from_utf8_lossy(data);
    let _ = is_jwt(&token);
    let form = ClientAuth::Post { id: "rs".into(), secret: token.to_string() }.form(&token);
    assert!(form.bytes().all(|b| b.is_ascii_graphic()), "form-urlencoded output is printable ASCII");
});
