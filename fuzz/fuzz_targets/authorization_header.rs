//! `Authorization` header → bearer token → unverified payload → `iss` pre-check, with the HTTP
//! answer for each failure.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use mcp_auth_core::bearer::{parse_authorization, unverified_issuer};
use mcp_auth_core::jose::decode_payload;

fuzz_target!(|data: &[u8]| {
    // Headers reach us as strings (Node gives latin1/UTF-8 text); non-UTF-8 bytes are replaced.
    let header = String::from_utf8_lossy(data);
    let token = match parse_authorization(Some(&header)) {
        Ok(token) => token,
        Err(error) => {
            common::respond_all(&error);
            return;
        }
    };
    assert!(!token.is_empty());
    assert!(!token.contains(' '));
    assert_eq!(header.len(), header.find(' ').unwrap() + 1 + token.len(), "token is the rest of the header");

    // jose's `decodeJwt`: exactly three segments, the middle one the payload.
    let mut parts = token.split('.');
    let claims = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(payload), Some(_), None) => decode_payload(payload),
        _ => None,
    };
    match unverified_issuer(claims.as_ref()) {
        Ok(iss) => assert!(mcp_auth_core::js_value::truthy(iss)),
        Err(error) => common::respond_all(&error),
    }
});
