//! The compact JWS: shape, protected header, `crit`, `b64`, `alg` and the allowlist.

use super::base64url::base64url_decode;
use super::error::JoseError;
use super::members::{has_member, pick_members};
use super::options::{CheckStep, VerifyOptions};
use serde_json::Value;

/// The parts of a compact JWS, with the protected header checked.
#[derive(Debug)]
pub struct CompactJws<'a> {
    /// The decoded protected header, as sent (JS parses it for `getKey`).
    pub header_text: String,
    pub alg: String,
    pub(super) kid: Option<Value>,
    pub(super) typ: Option<Value>,
    pub signing_input: &'a str,
    pub payload_b64: &'a str,
    pub signature_b64: &'a str,
}

impl CompactJws<'_> {
    /// `kid` as jose sees it: present but not a string matches no key.
    pub fn kid_value(&self) -> Option<&Value> {
        self.kid.as_ref()
    }
}

pub(super) fn jws_invalid(message: &str) -> JoseError {
    JoseError::new("ERR_JWS_INVALID", message)
}

/// jose's `compactVerify`/`flattenedVerify` up to key resolution: shape, protected header,
/// `crit`, `b64`, `alg`, and the `algorithms` allowlist.
pub fn parse_compact<'a>(token: &'a str, options: &VerifyOptions) -> Result<CompactJws<'a>, JoseError> {
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(jws_invalid("Invalid Compact JWS"));
    };
    let invalid_header = || jws_invalid("JWS Protected Header is invalid");
    let header_text =
        base64url_decode(header_b64).and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(invalid_header)?;
    let [alg, kid, typ, crit, b64] =
        pick_members(&header_text, &["alg", "kid", "typ", "crit", "b64"]).ok_or_else(invalid_header)?;
    if let Some(crit) = &crit {
        let names: Option<Vec<&str>> = crit
            .as_array()
            .filter(|a| !a.is_empty())
            .and_then(|items| items.iter().map(|v| v.as_str().filter(|s| !s.is_empty())).collect());
        let names = names.ok_or_else(|| {
            jws_invalid("\"crit\" (Critical) Header Parameter MUST be an array of non-empty strings when present")
        })?;
        for name in names {
            let recognized = name == "b64" || options.crit.iter().any(|(k, _)| k == name);
            if !recognized {
                return Err(JoseError::new(
                    "ERR_JOSE_NOT_SUPPORTED",
                    format!("Extension Header Parameter \"{name}\" is not recognized"),
                ));
            }
            let present = if name == "b64" { b64.is_some() } else { has_member(&header_text, name) };
            if !present {
                return Err(jws_invalid(&format!("Extension Header Parameter \"{name}\" is missing")));
            }
        }
        if crit.as_array().is_some_and(|a| a.iter().any(|v| v == "b64")) {
            match b64 {
                Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => {
                    return Err(JoseError::new("ERR_JWT_INVALID", "JWTs MUST NOT use unencoded payload"))
                }
                _ => {
                    return Err(jws_invalid(
                        "The \"b64\" (base64url-encode payload) Header Parameter must be a boolean",
                    ))
                }
            }
        }
    }
    let alg = match alg {
        Some(Value::String(alg)) if !alg.is_empty() => alg,
        _ => return Err(jws_invalid("JWS \"alg\" (Algorithm) Header Parameter missing or invalid")),
    };
    options.fail_at(CheckStep::Algorithms)?;
    if options.algorithms.as_ref().is_some_and(|allowed| !allowed.contains(&alg)) {
        return Err(JoseError::new(
            "ERR_JOSE_ALG_NOT_ALLOWED",
            "\"alg\" (Algorithm) Header Parameter value not allowed",
        ));
    }
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(CompactJws { header_text, alg, kid, typ, signing_input, payload_b64, signature_b64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::test_token as jws;

    #[test]
    fn compact_shape_and_header_checks() {
        let options = VerifyOptions::default();
        assert_eq!(parse_compact("a.b", &options).unwrap_err().code, "ERR_JWS_INVALID");
        assert_eq!(parse_compact("a.b.c.d.e", &options).unwrap_err().code, "ERR_JWS_INVALID");
        assert_eq!(parse_compact(&jws("[]", "{}"), &options).unwrap_err().code, "ERR_JWS_INVALID");
        assert_eq!(parse_compact(&jws(r#"{"typ":"JWT"}"#, "{}"), &options).unwrap_err().code, "ERR_JWS_INVALID");
        let crit = jws(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "{}");
        assert_eq!(parse_compact(&crit, &options).unwrap_err().code, "ERR_JOSE_NOT_SUPPORTED");
        let restricted = VerifyOptions { algorithms: Some(vec!["ES256".into()]), ..Default::default() };
        assert_eq!(
            parse_compact(&jws(r#"{"alg":"RS256"}"#, "{}"), &restricted).unwrap_err().code,
            "ERR_JOSE_ALG_NOT_ALLOWED"
        );
        assert_eq!(parse_compact(&jws(r#"{"alg":"none"}"#, "{}"), &options).unwrap().alg, "none");
    }
}
