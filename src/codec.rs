//! The boundary formats, Rust half (the JS half is lib/codec.js; the constants reach it through
//! `staticTables().boundary`):
//! - an error: `MCPAUTH:` + JSON `{ kind, code, message?, cause? }`, thrown as the message of a
//!   napi error; inside a `cause`, `{ "\0raw": {...}, "\0message": "…" }` stands for a JS error;
//! - a request decision: `[W<warning>\0]` then `A<AuthInfo number><AuthInfo JSON>` (the
//!   number in decimal, unique to that text in the process; `A` alone: the caller's own), `V`,
//!   `R<3-digit status><Retry-After seconds or nothing>;<body>\0<WWW-Authenticate>` or
//!   `E<encoded error or nothing>` (JSON bodies escape NUL, so the first NUL ends a body); "fetch
//!   first" is `null`, not a string;
//! - a JWKS request made by a JS `customFetch`: `{ url, headers, timeoutMs }` out, and back
//!   `{ status, body }`, `{ timeout: true }` or `{ error }`.
//!
//! Arguments from JS are JSON text too, parsed here with one error.

use mcp_auth_core::bearer::ErrorResponse;
use mcp_auth_core::error::{AuthError, AuthResult, ErrorKind, ERROR_MESSAGE_KEY, ERROR_OBJECT_KEY};
use mcp_auth_core::jwks::{HostFetchError, HostFetchResult};
use mcp_auth_core::pipeline::{Decision, Outcome};
use serde_json::{json, Value};
use std::time::Duration;

pub const ERROR_PREFIX: &str = "MCPAUTH:";
const WARNING: char = 'W';
const AUTHENTICATED: char = 'A';
const VERIFY_TOKEN: char = 'V';
const ANSWER: char = 'R';
const RETHROW: char = 'E';
const SEPARATOR: char = '\0';
const RETRY_AFTER_END: char = ';';

/// The constants of the formats, for the JS half.
pub fn constants() -> Value {
    json!({
        "errorPrefix": ERROR_PREFIX,
        "errorObjectKey": ERROR_OBJECT_KEY,
        "errorMessageKey": ERROR_MESSAGE_KEY,
        "outcome": {
            "warning": WARNING, "authenticated": AUTHENTICATED, "verifyToken": VERIFY_TOKEN,
            "answer": ANSWER, "rethrow": RETHROW, "separator": SEPARATOR, "retryAfterEnd": RETRY_AFTER_END,
        },
    })
}

pub fn encode_error(error: &AuthError) -> String {
    format!("{ERROR_PREFIX}{}", serde_json::to_string(error).unwrap_or_else(|_| "{}".into()))
}

/// A JSON argument from the JS layer.
pub fn json_value(json_text: &str) -> AuthResult<Value> {
    serde_json::from_str(json_text).map_err(|e| AuthError::type_error(format!("invalid JSON argument: {e}")))
}

/// A JSON list as strings (non-strings as their JSON text).
pub fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect())
}

/// An error class name of the JS layer (`answeredKind`): `None` for other errors.
pub fn error_kind(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "BearerAuth" => ErrorKind::BearerAuth,
        "TokenVerification" => ErrorKind::TokenVerification,
        "AuthServer" => ErrorKind::AuthServer,
        "Config" => ErrorKind::Config,
        _ => return None,
    })
}

fn push_answer(encoded: &mut String, response: &ErrorResponse) {
    encoded.push(ANSWER);
    encoded.push_str(&format!("{:03}", response.status));
    if let Some(seconds) = response.retry_after {
        encoded.push_str(&seconds.to_string());
    }
    encoded.push(RETRY_AFTER_END);
    encoded.push_str(&response.body);
    encoded.push(SEPARATOR);
    encoded.push_str(response.www_authenticate.as_deref().unwrap_or(""));
}

/// A decision as one string (one JS value to create, not an object with properties); `None`
/// for "fetch first".
pub fn encode_decision(decision: &Decision, warning: Option<&str>) -> Option<String> {
    let mut encoded = String::new();
    if let Some(warning) = warning {
        encoded.push(WARNING);
        encoded.push_str(warning);
        encoded.push(SEPARATOR);
    }
    match decision {
        Decision::FetchFirst => return None,
        Decision::Authenticated(info) => {
            encoded.push(AUTHENTICATED);
            if let Some(info) = info {
                encoded.push_str(&info.id.to_string());
                encoded.push_str(&info.text);
            }
        }
        Decision::VerifyToken => encoded.push(VERIFY_TOKEN),
        Decision::Answer(response) => push_answer(&mut encoded, response),
        Decision::Rethrow(error) => {
            encoded.push(RETHROW);
            if let Some(error) = error {
                encoded.push_str(&encode_error(error));
            }
        }
    }
    Some(encoded)
}

pub fn encode_outcome(outcome: &Outcome) -> Option<String> {
    encode_decision(&outcome.decision, outcome.warning.as_deref())
}

/// The request a JS `customFetch` makes.
pub fn encode_jwks_request(url: &str, headers: &[(String, String)], timeout: Duration) -> String {
    let headers: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    json!({ "url": url, "headers": headers, "timeoutMs": timeout.as_millis() as u64 }).to_string()
}

/// What a JS `customFetch` answered.
pub fn decode_jwks_answer(answer: &str) -> HostFetchResult {
    let answer: Value = serde_json::from_str(answer).map_err(|e| HostFetchError::Failed(e.to_string()))?;
    if answer.get("timeout").is_some_and(|t| t == true) {
        return Err(HostFetchError::Timeout);
    }
    match (answer.get("status").and_then(Value::as_u64), answer.get("body").and_then(Value::as_str)) {
        (Some(status), Some(body)) => Ok((status.min(999) as u16, body.as_bytes().to_vec())),
        _ => Err(HostFetchError::Failed(answer.get("error").and_then(Value::as_str).unwrap_or("").to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_auth_core::bearer::AuthInfoJson;

    /// The decoding rules lib/codec.js follows, for the round trips.
    fn decode(encoded: &str) -> (Option<&str>, char, &str) {
        let (warning, rest) = match encoded.strip_prefix(WARNING) {
            Some(rest) => {
                let (warning, rest) = rest.split_once(SEPARATOR).unwrap();
                (Some(warning), rest)
            }
            None => (None, encoded),
        };
        let mut chars = rest.chars();
        let tag = chars.next().unwrap();
        (warning, tag, chars.as_str())
    }

    #[test]
    fn decisions_round_trip() {
        let info = AuthInfoJson::new(r#"{"clientId":"c","scopes":[],"claims":{"a":"\u0000"}}"#.into());
        let encoded = encode_decision(&Decision::Authenticated(Some(info.clone())), Some("careful")).unwrap();
        assert_eq!(decode(&encoded), (Some("careful"), AUTHENTICATED, &*format!("{}{}", info.id, info.text)));
        assert_eq!(decode(&encode_decision(&Decision::Authenticated(None), None).unwrap()), (None, AUTHENTICATED, ""));
        assert_eq!(decode(&encode_decision(&Decision::VerifyToken, None).unwrap()), (None, VERIFY_TOKEN, ""));
        assert_eq!(encode_decision(&Decision::FetchFirst, Some("w")), None);
        let response = ErrorResponse {
            status: 403,
            www_authenticate: Some("Bearer x".into()),
            body: r#"{"e":"\u0000"}"#.into(),
            retry_after: None,
        };
        let encoded = encode_decision(&Decision::Answer(response.clone()), None).unwrap();
        let (_, tag, payload) = decode(&encoded);
        let (retry_after, rest) = payload[3..].split_once(RETRY_AFTER_END).unwrap();
        let (body, challenge) = rest.split_once(SEPARATOR).unwrap();
        assert_eq!(
            (tag, &payload[..3], retry_after, body, challenge),
            (ANSWER, "403", "", response.body.as_str(), "Bearer x")
        );
        let unavailable =
            ErrorResponse { status: 503, www_authenticate: None, body: "{}".into(), retry_after: Some(5) };
        let encoded = encode_decision(&Decision::Answer(unavailable), None).unwrap();
        assert_eq!(decode(&encoded), (None, ANSWER, "5035;{}\0"));
        let error = AuthError::type_error("boom").with_cause(json!({ ERROR_OBJECT_KEY: {} }));
        let encoded = encode_decision(&Decision::Rethrow(Some(error.clone())), None).unwrap();
        let (_, tag, payload) = decode(&encoded);
        let decoded: Value = serde_json::from_str(payload.strip_prefix(ERROR_PREFIX).unwrap()).unwrap();
        assert_eq!((tag, decoded), (RETHROW, serde_json::to_value(&error).unwrap()));
        assert_eq!(decode(&encode_decision(&Decision::Rethrow(None), None).unwrap()), (None, RETHROW, ""));
    }

    #[test]
    fn jwks_fetch_round_trip() {
        let request =
            encode_jwks_request("https://idp/jwks", &[("accept".into(), "x".into())], Duration::from_millis(5));
        let decoded: Value = serde_json::from_str(&request).unwrap();
        assert_eq!(decoded, json!({ "url": "https://idp/jwks", "headers": { "accept": "x" }, "timeoutMs": 5 }));
        assert_eq!(decode_jwks_answer(r#"{"status":200,"body":"{}"}"#), Ok((200, b"{}".to_vec())));
        assert_eq!(decode_jwks_answer(r#"{"timeout":true}"#), Err(HostFetchError::Timeout));
        assert_eq!(decode_jwks_answer(r#"{"error":"nope"}"#), Err(HostFetchError::Failed("nope".into())));
        assert!(matches!(decode_jwks_answer("not json"), Err(HostFetchError::Failed(_))));
    }
}
