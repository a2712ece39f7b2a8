//! jose's JWS algorithm table: the key family each `alg` needs, and its aws-lc-rs verifier.

use aws_lc_rs::signature;

/// The key family an algorithm needs; jose picks JWKS candidates by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ec(&'static str),
    Okp,
    Oct,
}

impl KeyType {
    pub fn kty(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::Ec(_) => "EC",
            Self::Okp => "OKP",
            Self::Oct => "oct",
        }
    }

    pub fn curve(self) -> Option<&'static str> {
        match self {
            Self::Ec(crv) => Some(crv),
            Self::Okp => Some("Ed25519"),
            _ => None,
        }
    }
}

/// jose's JWS algorithm table. `None` for names jose does not know.
pub fn key_type_of(alg: &str) -> Option<KeyType> {
    Some(match alg {
        "HS256" | "HS384" | "HS512" => KeyType::Oct,
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => KeyType::Rsa,
        "ES256" => KeyType::Ec("P-256"),
        "ES384" => KeyType::Ec("P-384"),
        "ES512" => KeyType::Ec("P-521"),
        "EdDSA" | "Ed25519" => KeyType::Okp,
        _ => return None,
    })
}

/// The aws-lc-rs verification algorithm of an asymmetric JWS `alg`. RSA ones require 2048 bits
/// or more, as jose does; each RSA algorithm has its own parsed-key slot.
pub(super) enum SignatureAlgorithm {
    Rsa(usize, &'static signature::RsaParameters),
    Other(&'static dyn signature::VerificationAlgorithm),
}

pub(super) fn asymmetric_algorithm(alg: &str) -> Option<SignatureAlgorithm> {
    use SignatureAlgorithm::{Other, Rsa};
    Some(match alg {
        "RS256" => Rsa(0, &signature::RSA_PKCS1_2048_8192_SHA256),
        "RS384" => Rsa(1, &signature::RSA_PKCS1_2048_8192_SHA384),
        "RS512" => Rsa(2, &signature::RSA_PKCS1_2048_8192_SHA512),
        "PS256" => Rsa(3, &signature::RSA_PSS_2048_8192_SHA256),
        "PS384" => Rsa(4, &signature::RSA_PSS_2048_8192_SHA384),
        "PS512" => Rsa(5, &signature::RSA_PSS_2048_8192_SHA512),
        "ES256" => Other(&signature::ECDSA_P256_SHA256_FIXED),
        "ES384" => Other(&signature::ECDSA_P384_SHA384_FIXED),
        "ES512" => Other(&signature::ECDSA_P521_SHA512_FIXED),
        "EdDSA" | "Ed25519" => Other(&signature::ED25519),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_follow_the_alg_prefix() {
        assert_eq!(key_type_of("RS256"), Some(KeyType::Rsa));
        assert_eq!(key_type_of("PS512"), Some(KeyType::Rsa));
        assert_eq!(key_type_of("ES384"), Some(KeyType::Ec("P-384")));
        assert_eq!(key_type_of("Ed25519"), Some(KeyType::Okp));
        assert_eq!(key_type_of("HS256"), Some(KeyType::Oct));
        assert_eq!(key_type_of("none"), None);
    }
}
