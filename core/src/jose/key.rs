//! Public keys (and HMAC secrets) imported from JWKs, parsed once, checking signatures.

use super::algorithm::{asymmetric_algorithm, key_type_of, KeyType, SignatureAlgorithm};
use super::base64url::base64url_decode;
use super::compact::CompactJws;
use super::error::JoseError;
use aws_lc_rs::{hmac, signature};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Key bytes as a JWK gives them.
enum KeyMaterial {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed EC point (`04 || x || y`) or raw Ed25519 public key.
    Point(Vec<u8>),
    /// HMAC secret.
    Secret(Vec<u8>),
}

/// Slots for the per-algorithm parsed key: an RSA key serves six algorithms.
const PARSED_SLOTS: usize = 6;

/// A public key ready to check signatures: decoded once, parsed once per algorithm (parsing an
/// RSA key costs about as much as a fifth of a verification).
pub struct VerificationKey {
    pub key_type: KeyType,
    material: KeyMaterial,
    rsa_bits: usize,
    parsed: [OnceLock<Option<signature::ParsedPublicKey>>; PARSED_SLOTS],
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey").field("key_type", &self.key_type).field("rsa_bits", &self.rsa_bits).finish()
    }
}

fn modulus_bits(n: &[u8]) -> usize {
    let significant: Vec<u8> = n.iter().copied().skip_while(|b| *b == 0).collect();
    significant.first().map_or(0, |first| (significant.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

fn member_bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    jwk.get(name)
        .and_then(Value::as_str)
        .and_then(base64url_decode)
        .ok_or_else(|| format!("invalid or missing JWK member {name:?}"))
}

impl VerificationKey {
    /// Imports a public JWK (RSA, EC, OKP) or an HMAC secret JWK (`oct`).
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<Self, String> {
        let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
        if jwk.contains_key("d") && kty != "oct" {
            return Err("JSON Web Key Set members must be public keys".into());
        }
        let curve = jwk.get("crv").and_then(Value::as_str);
        let (key_type, material) = match kty {
            "RSA" => (KeyType::Rsa, KeyMaterial::Rsa { n: member_bytes(jwk, "n")?, e: member_bytes(jwk, "e")? }),
            "EC" => {
                let (curve, size) = match curve {
                    Some("P-256") => ("P-256", 32),
                    Some("P-384") => ("P-384", 48),
                    Some("P-521") => ("P-521", 66),
                    _ => return Err("unsupported EC curve".into()),
                };
                let (x, y) = (member_bytes(jwk, "x")?, member_bytes(jwk, "y")?);
                if x.len() != size || y.len() != size {
                    return Err("EC coordinates of the wrong size".into());
                }
                (KeyType::Ec(curve), KeyMaterial::Point([&[4u8][..], &x, &y].concat()))
            }
            "OKP" if curve == Some("Ed25519") => (KeyType::Okp, KeyMaterial::Point(member_bytes(jwk, "x")?)),
            "oct" => (KeyType::Oct, KeyMaterial::Secret(member_bytes(jwk, "k")?)),
            _ => return Err(format!("unsupported key type {kty:?}")),
        };
        let rsa_bits = match &material {
            KeyMaterial::Rsa { n, .. } => modulus_bits(n),
            _ => 0,
        };
        Ok(Self { key_type, material, rsa_bits, parsed: Default::default() })
    }

    pub fn rsa_bits(&self) -> Option<usize> {
        (self.key_type == KeyType::Rsa).then_some(self.rsa_bits)
    }

    /// Whether any token could be verified with this key (jose's minimum RSA size).
    pub fn usable(&self) -> Result<(), &'static str> {
        match self.key_type {
            KeyType::Rsa if self.rsa_bits < 2048 => Err("RSA keys under 2048 bits are rejected"),
            _ => Ok(()),
        }
    }

    fn parsed_for(&self, alg: &str) -> Result<&signature::ParsedPublicKey, JoseError> {
        let algorithm = asymmetric_algorithm(alg)
            .ok_or_else(|| JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Unsupported \"alg\" value"))?;
        let slot = match algorithm {
            SignatureAlgorithm::Rsa(slot, _) => slot,
            SignatureAlgorithm::Other(_) => 0,
        };
        let parsed = self.parsed[slot].get_or_init(|| match (&self.material, algorithm) {
            (KeyMaterial::Rsa { n, e }, SignatureAlgorithm::Rsa(_, params)) => {
                signature::RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() }.to_parsed_public_key(params).ok()
            }
            (KeyMaterial::Point(bytes), SignatureAlgorithm::Other(algorithm)) => {
                signature::ParsedPublicKey::new(algorithm, bytes).ok()
            }
            _ => None,
        });
        parsed.as_ref().ok_or_else(|| JoseError::other("Invalid key for this algorithm"))
    }

    /// jose's `checkKeyType` + signature check. `Ok(false)` means a wrong signature.
    pub fn verify(&self, alg: &str, signing_input: &[u8], signature_b64: &str) -> Result<bool, JoseError> {
        let wanted =
            key_type_of(alg).ok_or_else(|| JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Unsupported \"alg\" value"))?;
        if wanted != self.key_type {
            return Err(JoseError::other(format!("Key for the {alg} algorithm must be of type {}", wanted.kty())));
        }
        if self.key_type == KeyType::Rsa && self.rsa_bits < 2048 {
            return Err(JoseError::other(format!("{alg} requires key modulusLength to be 2048 bits or larger")));
        }
        let signature_bytes = base64url_decode(signature_b64)
            .ok_or_else(|| JoseError::new("ERR_JWS_INVALID", "Failed to base64url decode the signature"))?;
        if let KeyMaterial::Secret(secret) = &self.material {
            // The bytes the jose-style decoder produced, as jose compares them.
            let algorithm = hmac_algorithm(alg)
                .ok_or_else(|| JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Unsupported \"alg\" value"))?;
            let key = hmac::Key::new(algorithm, secret);
            return Ok(hmac::verify(&key, signing_input, &signature_bytes).is_ok());
        }
        Ok(self.parsed_for(alg)?.verify_sig(signing_input, &signature_bytes).is_ok())
    }
}

fn hmac_algorithm(alg: &str) -> Option<hmac::Algorithm> {
    Some(match alg {
        "HS256" => hmac::HMAC_SHA256,
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        _ => return None,
    })
}

/// The signature check with a resolved key.
pub fn verify_signature(jws: &CompactJws<'_>, key: &VerificationKey) -> Result<(), JoseError> {
    if key.verify(&jws.alg, jws.signing_input.as_bytes(), jws.signature_b64)? {
        Ok(())
    } else {
        Err(JoseError::new("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "signature verification failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_bits_ignores_leading_zeroes() {
        assert_eq!(modulus_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(modulus_bits(&[]), 0);
    }
}
