//! A parsed JSON Web Key Set and jose's key selection for a token's `alg` and `kid`.

use crate::jose::{key_type_of, JoseError, KeyType, VerificationKey};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One JWK of the set: the members jose filters on (read once), and the key parsed once.
#[derive(Debug)]
struct KeyEntry {
    jwk: Map<String, Value>,
    filter: KeyFilter,
    key: Result<Arc<VerificationKey>, String>,
}

/// The JWK members jose's `isUsableJWK` looks at: string members (`None` when absent or not a
/// string), and what the others allow regardless of the token.
#[derive(Debug)]
struct KeyFilter {
    kty: Option<String>,
    kid: Option<String>,
    crv: Option<String>,
    /// `None` = no `alg` member (any algorithm); `Some(None)` = a non-string `alg` (none).
    alg: Option<Option<String>>,
    /// `use`, `key_ops` and `ext` allow verifying.
    verifies: bool,
}

impl KeyFilter {
    fn of(jwk: &Map<String, Value>) -> Self {
        let string = |name: &str| jwk.get(name).and_then(Value::as_str).map(str::to_string);
        let use_ok = jwk.get("use").is_none_or(|u| u.as_str() == Some("sig"));
        let ops_ok = match jwk.get("key_ops") {
            None => true,
            Some(Value::Array(ops)) => {
                let names: Option<Vec<&str>> = ops.iter().map(Value::as_str).collect();
                names.is_some_and(|n| n.contains(&"verify") && n.iter().enumerate().all(|(i, op)| !n[..i].contains(op)))
            }
            Some(_) => false,
        };
        let ext_ok = jwk.get("ext").is_none_or(Value::is_boolean);
        Self {
            kty: string("kty"),
            kid: string("kid"),
            crv: string("crv"),
            alg: jwk.get("alg").map(|a| a.as_str().map(str::to_string)),
            verifies: use_ok && ops_ok && ext_ok,
        }
    }

    /// jose's `isUsableJWK`.
    fn usable_for(&self, alg: &str, kid: Option<&Value>) -> bool {
        let Some(key_type) = key_type_of(alg) else { return false };
        let kid_ok = match kid {
            None => true,
            Some(Value::String(kid)) => self.kid.as_deref() == Some(kid.as_str()),
            Some(_) => false,
        };
        self.verifies
            && kid_ok
            && self.kty.as_deref() == Some(key_type.kty())
            && self.alg.as_ref().is_none_or(|a| a.as_deref() == Some(alg))
            && key_type.curve().is_none_or(|crv| self.crv.as_deref() == Some(crv))
    }
}

/// A parsed key set (`{ keys: object[] }`).
#[derive(Debug)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
}

impl KeySet {
    pub fn parse(document: &Value) -> Result<Self, JoseError> {
        let malformed = || JoseError::new("ERR_JWKS_INVALID", "JSON Web Key Set malformed");
        let keys = document.get("keys").and_then(Value::as_array).ok_or_else(malformed)?;
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            let jwk = key.as_object().ok_or_else(malformed)?.clone();
            // HMAC secrets never come from a JWKS: only public key types are imported.
            let key = match jwk.get("kty").and_then(Value::as_str) {
                Some("oct") => Err("symmetric keys are not accepted from a JWKS".to_string()),
                _ => VerificationKey::from_jwk(&jwk).map(Arc::new),
            };
            entries.push(KeyEntry { filter: KeyFilter::of(&jwk), jwk, key });
        }
        Ok(Self { entries })
    }

    /// Whether every key of `other` is still in this set.
    pub(crate) fn contains_all(&self, other: &KeySet) -> bool {
        other.entries.iter().all(|old| self.entries.iter().any(|new| new.jwk == old.jwk))
    }

    /// What each key is and whether it can verify signatures here (for diagnostics).
    pub fn describe(&self) -> Vec<Value> {
        self.entries
            .iter()
            .map(|entry| {
                let mut report = Map::new();
                for member in ["kid", "kty", "alg", "crv", "use"] {
                    if let Some(value) = entry.jwk.get(member) {
                        report.insert(member.into(), value.clone());
                    }
                }
                match &entry.key {
                    Ok(key) => {
                        if let Some(bits) = key.rsa_bits() {
                            report.insert("bits".into(), bits.into());
                        }
                        report.insert("usable".into(), key.usable().is_ok().into());
                        if let Err(reason) = key.usable() {
                            report.insert("problem".into(), reason.into());
                        }
                    }
                    Err(reason) => {
                        report.insert("usable".into(), false.into());
                        report.insert("problem".into(), reason.clone().into());
                    }
                }
                Value::Object(report)
            })
            .collect()
    }

    /// jose's key selection for a token's `alg` and `kid`.
    pub fn select(&self, alg: &str, kid: Option<&Value>) -> Result<Arc<VerificationKey>, JoseError> {
        match key_type_of(alg) {
            None | Some(KeyType::Oct) => {
                return Err(JoseError::new(
                    "ERR_JOSE_NOT_SUPPORTED",
                    "Unsupported \"alg\" value for a JSON Web Key Set",
                ))
            }
            Some(_) => {}
        }
        let mut candidates = self.entries.iter().filter(|e| e.filter.usable_for(alg, kid));
        let first = candidates.next().ok_or_else(|| {
            JoseError::new("ERR_JWKS_NO_MATCHING_KEY", "no applicable key found in the JSON Web Key Set")
        })?;
        if candidates.next().is_some() {
            return Err(JoseError::new(
                "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
                "multiple matching keys found in the JSON Web Key Set",
            ));
        }
        first.key.clone().map_err(JoseError::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    fn set() -> KeySet {
        KeySet::parse(&json!({ "keys": [
            { "kty": "RSA", "kid": "a", "n": N, "e": "AQAB" },
            { "kty": "RSA", "kid": "b", "n": N, "e": "AQAB", "use": "enc" },
            { "kty": "RSA", "kid": "c", "n": N, "e": "AQAB", "alg": "PS256" },
            { "kty": "oct", "kid": "h", "k": "c2VjcmV0" },
        ]}))
        .unwrap()
    }

    #[test]
    fn selects_by_kid_alg_and_use() {
        let keys = set();
        assert!(keys.select("RS256", Some(&json!("a"))).is_ok());
        assert_eq!(keys.select("RS256", Some(&json!("b"))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
        assert_eq!(keys.select("RS256", Some(&json!("c"))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
        assert!(keys.select("PS256", Some(&json!("c"))).is_ok());
        assert_eq!(keys.select("PS256", None).unwrap_err().code, "ERR_JWKS_MULTIPLE_MATCHING_KEYS");
        assert_eq!(keys.select("RS256", Some(&json!(7))).unwrap_err().code, "ERR_JWKS_NO_MATCHING_KEY");
    }

    #[test]
    fn hmac_and_none_are_never_served_from_a_jwks() {
        let keys = set();
        assert_eq!(keys.select("HS256", Some(&json!("h"))).unwrap_err().code, "ERR_JOSE_NOT_SUPPORTED");
        assert_eq!(keys.select("none", None).unwrap_err().code, "ERR_JOSE_NOT_SUPPORTED");
    }

    #[test]
    fn malformed_sets_are_rejected() {
        assert_eq!(KeySet::parse(&json!({})).unwrap_err().code, "ERR_JWKS_INVALID");
        assert_eq!(KeySet::parse(&json!({ "keys": [1] })).unwrap_err().code, "ERR_JWKS_INVALID");
    }
}
