//! JWS/JWT verification with the semantics of jose 6 (the reference's engine): the same checks in
//! the same order, failing with the same error codes. Signatures are checked by `jsonwebtoken`
//! (aws-lc-rs); the algorithm always comes from the token header *and* must fit the key type.

use aws_lc_rs::signature;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The URL-safe alphabet without padding; unused trailing bits are not checked (as `atob`).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// base64url as jose decodes it (WHATWG forgiving-base64 over the URL-safe alphabet): ASCII
/// whitespace is ignored, `=` may only pad to a multiple of 4, unused trailing bits are accepted.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let forgiving = |text: &[u8]| {
        let text = if text.len().is_multiple_of(4) {
            text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text)
        } else {
            text
        };
        if text.len() % 4 == 1 {
            return None;
        }
        BASE64URL.decode(text).ok()
    };
    let is_whitespace = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r');
    // Whitespace is rare: removed only when decoding as is failed.
    forgiving(input.as_bytes()).or_else(|| {
        let bytes = input.as_bytes();
        bytes
            .iter()
            .any(is_whitespace)
            .then(|| bytes.iter().copied().filter(|b| !is_whitespace(b)).collect::<Vec<u8>>())
            .and_then(|text| forgiving(&text))
    })
}

/// A verification failure. `code` is a jose error code, or `JWT_VERIFICATION_FAILED` for
/// failures jose raises as plain `TypeError`s.
#[derive(Debug, Clone, PartialEq)]
pub struct JoseError {
    pub code: &'static str,
    pub message: String,
    pub claim: Option<String>,
    pub reason: Option<&'static str>,
    pub payload: Option<Value>,
}

pub const NOT_A_JOSE_ERROR: &str = "JWT_VERIFICATION_FAILED";

impl JoseError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), claim: None, reason: None, payload: None }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(NOT_A_JOSE_ERROR, message)
    }

    fn claim_failure(
        code: &'static str,
        message: impl Into<String>,
        payload: &Claims,
        claim: &str,
        reason: &'static str,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            claim: Some(claim.to_string()),
            reason: Some(reason),
            payload: Some(payload.to_value()),
        }
    }

    fn claim_check(message: impl Into<String>, payload: &Claims, claim: &str, reason: &'static str) -> Self {
        Self::claim_failure("ERR_JWT_CLAIM_VALIDATION_FAILED", message, payload, claim, reason)
    }

    /// The jose class name for the code (`None` for non-jose errors).
    pub fn class_name(&self) -> Option<&'static str> {
        Some(match self.code {
            "ERR_JWT_EXPIRED" => "JWTExpired",
            "ERR_JWT_CLAIM_VALIDATION_FAILED" => "JWTClaimValidationFailed",
            "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" => "JWSSignatureVerificationFailed",
            "ERR_JWS_INVALID" => "JWSInvalid",
            "ERR_JWT_INVALID" => "JWTInvalid",
            "ERR_JOSE_ALG_NOT_ALLOWED" => "JOSEAlgNotAllowed",
            "ERR_JOSE_NOT_SUPPORTED" => "JOSENotSupported",
            "ERR_JWKS_NO_MATCHING_KEY" => "JWKSNoMatchingKey",
            "ERR_JWKS_MULTIPLE_MATCHING_KEYS" => "JWKSMultipleMatchingKeys",
            "ERR_JWKS_INVALID" => "JWKSInvalid",
            "ERR_JWKS_TIMEOUT" => "JWKSTimeout",
            "ERR_JOSE_GENERIC" => "JOSEError",
            _ => return None,
        })
    }

    /// How the error object serializes in a JSON body: its own enumerable properties
    /// (`code`, `name`, and for claim failures `claim`, `reason`, `payload`); `{}` for a TypeError.
    pub fn to_json(&self) -> Value {
        let Some(name) = self.class_name() else { return json!({}) };
        let mut out = Map::new();
        out.insert("code".into(), json!(self.code));
        out.insert("name".into(), json!(name));
        if let (Some(claim), Some(reason), Some(payload)) = (&self.claim, self.reason, &self.payload) {
            out.insert("claim".into(), json!(claim));
            out.insert("reason".into(), json!(reason));
            out.insert("payload".into(), payload.clone());
        }
        Value::Object(out)
    }
}

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
enum SignatureAlgorithm {
    Rsa(usize, &'static signature::RsaParameters),
    Other(&'static dyn signature::VerificationAlgorithm),
}

fn asymmetric_algorithm(alg: &str) -> Option<SignatureAlgorithm> {
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

/// Key bytes as a JWK gives them.
enum KeyMaterial {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed EC point (`04 || x || y`) or raw Ed25519 public key.
    Point(Vec<u8>),
    /// HMAC secret (checked by `jsonwebtoken`).
    Secret(DecodingKey),
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
            "oct" => (KeyType::Oct, KeyMaterial::Secret(DecodingKey::from_secret(&member_bytes(jwk, "k")?))),
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
            let algorithm: Algorithm =
                alg.parse().map_err(|_| JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Unsupported \"alg\" value"))?;
            return jsonwebtoken::crypto::verify(signature_b64, signing_input, secret, algorithm)
                .map_err(|e| JoseError::other(e.to_string()));
        }
        Ok(self.parsed_for(alg)?.verify_sig(signing_input, &signature_bytes).is_ok())
    }
}

/// The parts of a compact JWS, with the protected header checked.
#[derive(Debug)]
pub struct CompactJws<'a> {
    /// The decoded protected header, as sent (JS parses it for `getKey`).
    pub header_text: String,
    pub alg: String,
    kid: Option<Value>,
    typ: Option<Value>,
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

/// Reads only the top-level members `names` of a JSON object text (in that order; a repeated
/// member keeps its last value, as `JSON.parse`). Everything else is syntax-checked and skipped
/// without being built: a token check needs a few small values, while JS parses the whole text.
/// `None` when the text is not one JSON object.
fn pick_members<const N: usize>(text: &str, names: &[&str; N]) -> Option<[Option<Value>; N]> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let values = MemberPicker(names).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(values)
}

/// Whether the JSON object `text` has a top-level member `name` (any name; the slow path).
fn has_member(text: &str, name: &str) -> bool {
    serde_json::from_str::<HashMap<String, IgnoredAny>>(text).is_ok_and(|members| members.contains_key(name))
}

struct MemberPicker<'n, const N: usize>(&'n [&'n str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for MemberPicker<'_, N> {
    type Value = [Option<Value>; N];

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for MemberPicker<'_, N> {
    type Value = [Option<Value>; N];

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = std::array::from_fn(|_| None);
        while let Some(index) = map.next_key_seed(MemberIndex(self.0))? {
            match index {
                Some(i) => values[i] = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// A member name → its index in the wanted names (compared in place, escaped or not).
struct MemberIndex<'n, const N: usize>(&'n [&'n str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for MemberIndex<'_, N> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for MemberIndex<'_, N> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|wanted| *wanted == name))
    }
}

/// Options of jose's `jwtVerify`, already type-checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyOptions {
    pub algorithms: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub issuer: Option<Vec<String>>,
    pub subject: Option<String>,
    pub clock_tolerance: f64,
    pub max_token_age: Option<f64>,
    pub required_claims: Vec<String>,
    pub typ: Option<String>,
    /// Milliseconds since the epoch; `None` means now.
    pub current_date_ms: Option<f64>,
    pub crit: Vec<(String, bool)>,
    /// `maxTokenAge` was given (valid or not): `iat` must be present.
    pub requires_iat: bool,
    /// Options jose would reject, each at the step where its TypeError is thrown: a token is
    /// then refused (fail closed), with the errors of the earlier steps still reported first.
    pub invalid: Vec<(Step, String)>,
}

/// The step of jose's checks at which an invalid option makes it throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// `algorithms` (before the signature).
    #[default]
    Algorithms,
    /// `requiredClaims` (before the presence checks).
    Presence,
    /// `audience` (at the `aud` comparison).
    Audience,
    /// `clockTolerance`, `currentDate` (before the time checks).
    Clock,
    /// `maxTokenAge` (after `nbf` and `exp`).
    MaxTokenAge,
}

/// jose's `secs()`: `'30s'`, `'5 minutes'`, `'-1h'`, `'2 days ago'`…
pub fn duration_seconds(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut sign = 1.0;
    if let Some(r) = rest.strip_prefix('-') {
        sign = -1.0;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    let signed = rest.len() != lower.len();
    rest = rest.strip_prefix(' ').unwrap_or(rest);
    let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let number = &rest[..number_end];
    let valid_number = {
        let mut parts = number.split('.');
        let whole = parts.next().unwrap_or("");
        let frac = parts.next();
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && parts.next().is_none()
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    };
    if !valid_number {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    rest = &rest[number_end..];
    rest = rest.strip_prefix(' ').unwrap_or(rest);
    let (unit, suffix) = match rest.find(' ') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let multiplier = match unit {
        "sec" | "secs" | "second" | "seconds" | "s" => 1.0,
        "minute" | "minutes" | "min" | "mins" | "m" => 60.0,
        "hour" | "hours" | "hr" | "hrs" | "h" => 3600.0,
        "day" | "days" | "d" => 86400.0,
        "week" | "weeks" | "w" => 604800.0,
        "year" | "years" | "yr" | "yrs" | "y" => 31557600.0,
        _ => return None,
    };
    let ago = match suffix {
        None => false,
        Some("ago") if !signed => true,
        Some("from now") if !signed => false,
        _ => return None,
    };
    let seconds = (value * multiplier).round();
    Some(if sign < 0.0 || ago { -seconds } else { seconds })
}

fn seconds_option(value: &Value, label: &str) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("Invalid {label} input")),
        Value::String(s) => duration_seconds(s).ok_or_else(|| "Invalid time period format".to_string()),
        _ => Err(format!("Invalid {label} option type")),
    }
}

impl VerifyOptions {
    /// Reads the JSON form of jose's options (`currentDate` as epoch milliseconds).
    pub fn from_json(options: &Value) -> Self {
        let mut parsed = Self::default();
        let Some(map) = options.as_object() else { return parsed };
        let mut invalid = Vec::new();
        let mut fail = |step: Step, message: String| invalid.push((step, message));
        let get = |key: &str| map.get(key).filter(|v| !v.is_null());
        // jose checks these with `!== undefined`: a null is given (and refused or never matched).
        let given = |key: &str| map.get(key);
        let algorithms = given("algorithms").map(|v| match v {
            Value::Array(items) => {
                items.iter().map(|item| item.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()
            }
            _ => None,
        });
        let clock_tolerance = given("clockTolerance").map(|v| seconds_option(v, "clockTolerance"));
        let max_token_age = given("maxTokenAge").map(|v| seconds_option(v, "maxTokenAge"));
        match algorithms {
            Some(None) => fail(Step::Algorithms, "\"algorithms\" option must be an array of strings".into()),
            Some(list) => parsed.algorithms = list,
            None => {}
        }
        // jose compares with `includes`: strings of a list can match, anything else never does;
        // an audience that is neither a string nor a list throws at the comparison.
        parsed.audience = match given("audience") {
            Some(Value::String(one)) => Some(vec![one.clone()]),
            Some(Value::Array(items)) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            Some(_) => {
                fail(Step::Audience, "audOption.includes is not a function".into());
                Some(Vec::new())
            }
            None => None,
        };
        // `includes` again: only strings can match an `iss`.
        parsed.issuer = given("issuer").map(|issuer| match issuer {
            Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            other => other.as_str().map(str::to_string).into_iter().collect(),
        });
        parsed.subject = get("subject").and_then(Value::as_str).map(str::to_string);
        match clock_tolerance {
            Some(Ok(t)) if t >= 0.0 && t.is_finite() => parsed.clock_tolerance = t,
            Some(Ok(_)) => fail(Step::Clock, "Invalid clockTolerance option input".into()),
            Some(Err(e)) => fail(Step::Clock, e),
            None => {}
        }
        // Given at all, `maxTokenAge` makes `iat` required, even when its value is then refused.
        parsed.requires_iat = max_token_age.is_some();
        match max_token_age {
            Some(Ok(t)) if t >= 0.0 && t.is_finite() => parsed.max_token_age = Some(t),
            Some(Ok(_)) => fail(Step::MaxTokenAge, "Invalid maxTokenAge option input".into()),
            Some(Err(e)) => fail(Step::MaxTokenAge, e),
            None => {}
        }
        match given("requiredClaims") {
            Some(Value::Array(items)) => {
                parsed.required_claims =
                    items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect()
            }
            Some(_) => fail(Step::Presence, "requiredClaims is not iterable".into()),
            None => {}
        }
        parsed.typ = get("typ").and_then(Value::as_str).map(str::to_string);
        // The shim sends epoch milliseconds for a valid date, anything else for an invalid one.
        match map.get("currentDate") {
            Some(Value::Number(ms)) => parsed.current_date_ms = ms.as_f64(),
            Some(_) => fail(Step::Clock, "Invalid currentDate option input".into()),
            None => {}
        }
        parsed.invalid = invalid;
        if let Some(crit) = get("crit").and_then(Value::as_object) {
            parsed.crit = crit.iter().map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false))).collect();
        }
        parsed
    }

    /// The failure of an invalid option checked at `step`, if any.
    fn fail_at(&self, step: Step) -> Result<(), JoseError> {
        match self.invalid.iter().find(|(at, _)| *at == step) {
            Some((_, message)) => Err(JoseError::other(message.clone())),
            None => Ok(()),
        }
    }

    fn now_seconds(&self) -> f64 {
        let ms = self
            .current_date_ms
            .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64));
        (ms / 1000.0).floor()
    }
}

fn jws_invalid(message: &str) -> JoseError {
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
    options.fail_at(Step::Algorithms)?;
    if options.algorithms.as_ref().is_some_and(|allowed| !allowed.contains(&alg)) {
        return Err(JoseError::new(
            "ERR_JOSE_ALG_NOT_ALLOWED",
            "\"alg\" (Algorithm) Header Parameter value not allowed",
        ));
    }
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(CompactJws { header_text, alg, kid, typ, signing_input, payload_b64, signature_b64 })
}

/// The payload members the checks read.
const CLAIM_NAMES: [&str; 10] = ["iss", "sub", "aud", "exp", "nbf", "iat", "client_id", "azp", "scope", "scopes"];

/// A JWT payload: its text (handed to JS as is, so `JSON.parse` there builds exactly the object
/// the reference's jose builds) and the members the checks read.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    pub text: String,
    members: [Option<Value>; CLAIM_NAMES.len()],
}

impl Claims {
    /// `None` unless `text` is one JSON object.
    pub fn parse(text: String) -> Option<Self> {
        let members = pick_members(&text, &CLAIM_NAMES)?;
        Some(Self { text, members })
    }

    /// A member the checks read (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `client_id`, `azp`,
    /// `scope`, `scopes`); `None` when absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let index = CLAIM_NAMES.iter().position(|n| *n == name);
        debug_assert!(index.is_some(), "claim {name} is not read when parsing");
        self.members[index?].as_ref()
    }

    /// Whether the payload has member `name` (any name).
    pub fn contains(&self, name: &str) -> bool {
        match CLAIM_NAMES.iter().position(|n| *n == name) {
            Some(index) => self.members[index].is_some(),
            None => has_member(&self.text, name),
        }
    }

    /// The whole payload as a JSON value (for error details; `null` beyond the parser's depth
    /// limit).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// Decodes a payload segment to a JSON object (strict UTF-8, as jose 6.2's `decodeJwt`).
pub fn decode_payload(payload_b64: &str) -> Option<Claims> {
    Claims::parse(String::from_utf8(base64url_decode(payload_b64)?).ok()?)
}

fn normalize_typ(value: &str) -> String {
    let lower = value.to_lowercase();
    if value.contains('/') {
        lower
    } else {
        format!("application/{lower}")
    }
}

fn numeric_claim(claims: &Claims, claim: &str, required: bool) -> Result<Option<f64>, JoseError> {
    match claims.get(claim) {
        None if !required => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        _ => Err(JoseError::claim_check(format!("\"{claim}\" claim must be a number"), claims, claim, "invalid")),
    }
}

/// jose's `validateClaimsSet`, after the signature is known good: decodes the payload, then
/// [`check_claims`].
pub fn validate_claims(jws: &CompactJws<'_>, options: &VerifyOptions) -> Result<Claims, JoseError> {
    let bytes =
        base64url_decode(jws.payload_b64).ok_or_else(|| jws_invalid("Failed to base64url decode the payload"))?;
    let invalid_claims = || JoseError::new("ERR_JWT_INVALID", "JWT Claims Set must be a top-level JSON object");
    let text = String::from_utf8(bytes).map_err(|_| invalid_claims())?;
    let claims = Claims::parse(text).ok_or_else(invalid_claims)?;
    check_claims(jws, claims, options)
}

/// The checks of jose's `validateClaimsSet` on decoded claims, in jose's order.
pub fn check_claims(jws: &CompactJws<'_>, claims: Claims, options: &VerifyOptions) -> Result<Claims, JoseError> {
    let map = &claims;
    if let Some(typ) = &options.typ {
        let matches = jws.typ.as_ref().and_then(Value::as_str).is_some_and(|t| normalize_typ(t) == normalize_typ(typ));
        if !matches {
            return Err(JoseError::claim_check("unexpected \"typ\" JWT header value", map, "typ", "check_failed"));
        }
    }
    options.fail_at(Step::Presence)?;
    let mut presence: Vec<&str> = options.required_claims.iter().map(String::as_str).collect();
    if options.requires_iat {
        presence.push("iat");
    }
    if options.audience.is_some() {
        presence.push("aud");
    }
    if options.subject.is_some() {
        presence.push("sub");
    }
    if options.issuer.is_some() {
        presence.push("iss");
    }
    presence.reverse();
    let mut seen = Vec::new();
    for claim in presence {
        if seen.contains(&claim) {
            continue;
        }
        seen.push(claim);
        if !map.contains(claim) {
            return Err(JoseError::claim_check(format!("missing required \"{claim}\" claim"), map, claim, "missing"));
        }
    }
    let unexpected =
        |claim: &str| JoseError::claim_check(format!("unexpected \"{claim}\" claim value"), map, claim, "check_failed");
    if let Some(issuers) = &options.issuer {
        if !map.get("iss").and_then(Value::as_str).is_some_and(|iss| issuers.iter().any(|i| i == iss)) {
            return Err(unexpected("iss"));
        }
    }
    if let Some(subject) = &options.subject {
        if map.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
            return Err(unexpected("sub"));
        }
    }
    if let Some(audience) = &options.audience {
        options.fail_at(Step::Audience)?;
        let present = match map.get("aud") {
            Some(Value::String(aud)) => audience.contains(aud),
            Some(Value::Array(auds)) => audience.iter().any(|a| auds.iter().any(|v| v.as_str() == Some(a))),
            _ => false,
        };
        if !present {
            return Err(unexpected("aud"));
        }
    }
    options.fail_at(Step::Clock)?;
    let tolerance = options.clock_tolerance;
    let now = options.now_seconds();
    let iat = numeric_claim(map, "iat", options.requires_iat)?;
    if let Some(nbf) = numeric_claim(map, "nbf", false)? {
        if nbf > now + tolerance {
            return Err(JoseError::claim_check("\"nbf\" claim timestamp check failed", map, "nbf", "check_failed"));
        }
    }
    if let Some(exp) = numeric_claim(map, "exp", false)? {
        if exp <= now - tolerance {
            return Err(JoseError::claim_failure(
                "ERR_JWT_EXPIRED",
                "\"exp\" claim timestamp check failed",
                map,
                "exp",
                "check_failed",
            ));
        }
    }
    if options.requires_iat {
        options.fail_at(Step::MaxTokenAge)?;
    }
    if let (Some(max), Some(iat)) = (options.max_token_age, iat) {
        let age = now - iat;
        if age - tolerance > max {
            return Err(JoseError::claim_failure(
                "ERR_JWT_EXPIRED",
                "\"iat\" claim timestamp check failed (too far in the past)",
                map,
                "iat",
                "check_failed",
            ));
        }
        if age < -tolerance {
            return Err(JoseError::claim_check(
                "\"iat\" claim timestamp check failed (it should be in the past)",
                map,
                "iat",
                "check_failed",
            ));
        }
    }
    Ok(claims)
}

/// What a `createVerifyJwt` key function returned: jose checks each form differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// A JWK object.
    Jwk,
    CryptoKey,
    /// A KeyObject or bytes.
    Other,
}

impl KeyForm {
    pub fn from_name(name: &str) -> Self {
        match name {
            "jwk" => Self::Jwk,
            "cryptokey" => Self::CryptoKey,
            _ => Self::Other,
        }
    }
}

/// jose's checks of a JWK object handed to it for verifying with a supported `alg`: its `use`,
/// `alg` and `key_ops`, when present, must allow that (a TypeError otherwise).
pub fn check_jwk_restrictions(form: KeyForm, jwk: &Map<String, Value>, alg: &str) -> Result<(), JoseError> {
    if form != KeyForm::Jwk || key_type_of(alg).is_none() {
        return Ok(());
    }
    if jwk.get("use").is_some_and(|u| u != "sig") {
        return Err(JoseError::other("Invalid key for this operation, its \"use\" must be \"sig\" when present"));
    }
    if jwk.get("alg").is_some_and(|a| a != alg) {
        return Err(JoseError::other(format!(
            "Invalid key for this operation, its \"alg\" must be \"{alg}\" when present"
        )));
    }
    if let Some(Value::Array(ops)) = jwk.get("key_ops") {
        if !ops.iter().any(|op| op == "verify") {
            return Err(JoseError::other(
                "Invalid key for this operation, its \"key_ops\" must include \"verify\" when present",
            ));
        }
    }
    Ok(())
}

/// A key of another family than `alg` needs: jose reports it as unsupported, but as a TypeError
/// for a CryptoKey, for a JWK given for an HMAC algorithm, and for a KeyObject when one side is
/// a secret.
pub fn check_key_family(form: KeyForm, alg: &str, key_type: KeyType) -> Result<(), JoseError> {
    let expected = key_type_of(alg);
    if expected.is_some_and(|t| std::mem::discriminant(&t) == std::mem::discriminant(&key_type)) {
        return Ok(());
    }
    let type_error = match form {
        KeyForm::Jwk => expected == Some(KeyType::Oct),
        KeyForm::CryptoKey => true,
        KeyForm::Other => key_type == KeyType::Oct || expected == Some(KeyType::Oct),
    };
    if type_error {
        return Ok(());
    }
    Err(JoseError::new("ERR_JOSE_NOT_SUPPORTED", "Invalid or unsupported JWK for this algorithm"))
}

/// The signature check with a resolved key.
pub fn verify_signature(jws: &CompactJws<'_>, key: &VerificationKey) -> Result<(), JoseError> {
    if key.verify(&jws.alg, jws.signing_input.as_bytes(), jws.signature_b64)? {
        Ok(())
    } else {
        Err(JoseError::new("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "signature verification failed"))
    }
}

/// Signature, then claims: the tail of jose's `jwtVerify`.
pub fn verify_with_key(
    jws: &CompactJws<'_>,
    key: &VerificationKey,
    options: &VerifyOptions,
) -> Result<Claims, JoseError> {
    verify_signature(jws, key)?;
    validate_claims(jws, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_jose() {
        assert_eq!(duration_seconds("30s"), Some(30.0));
        assert_eq!(duration_seconds("5 minutes"), Some(300.0));
        assert_eq!(duration_seconds("1.5h"), Some(5400.0));
        assert_eq!(duration_seconds("-1 day"), Some(-86400.0));
        assert_eq!(duration_seconds("2 weeks ago"), Some(-1209600.0));
        assert_eq!(duration_seconds("1 hour from now"), Some(3600.0));
        assert_eq!(duration_seconds("+1h ago"), None);
        assert_eq!(duration_seconds("soon"), None);
        assert_eq!(duration_seconds("1.h"), None);
    }

    #[test]
    fn key_types_follow_the_alg_prefix() {
        assert_eq!(key_type_of("RS256"), Some(KeyType::Rsa));
        assert_eq!(key_type_of("PS512"), Some(KeyType::Rsa));
        assert_eq!(key_type_of("ES384"), Some(KeyType::Ec("P-384")));
        assert_eq!(key_type_of("Ed25519"), Some(KeyType::Okp));
        assert_eq!(key_type_of("HS256"), Some(KeyType::Oct));
        assert_eq!(key_type_of("none"), None);
    }

    #[test]
    fn modulus_bits_ignores_leading_zeroes() {
        assert_eq!(modulus_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(modulus_bits(&[]), 0);
    }

    fn jws(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", BASE64URL.encode(header), BASE64URL.encode(payload))
    }

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

    fn claims_error(payload: &str, options: &VerifyOptions) -> JoseError {
        let token = jws(r#"{"alg":"RS256"}"#, payload);
        let parsed = parse_compact(&token, options).unwrap();
        validate_claims(&parsed, options).unwrap_err()
    }

    #[test]
    fn claim_checks_in_jose_order() {
        let at = |seconds: f64| VerifyOptions { current_date_ms: Some(seconds * 1000.0 + 999.0), ..Default::default() };
        assert_eq!(claims_error(r#"{"exp":100}"#, &at(100.0)).code, "ERR_JWT_EXPIRED");
        assert_eq!(claims_error(r#"{"nbf":221}"#, &at(100.0)).code, "ERR_JWT_CLAIM_VALIDATION_FAILED");
        assert_eq!(claims_error(r#"{"exp":"100"}"#, &at(1.0)).reason, Some("invalid"));
        assert_eq!(claims_error("[1]", &at(1.0)).code, "ERR_JWT_INVALID");
        let tolerant = VerifyOptions { clock_tolerance: 60.0, ..at(100.0) };
        let token = jws(r#"{"alg":"RS256"}"#, r#"{"exp":70}"#);
        assert!(validate_claims(&parse_compact(&token, &tolerant).unwrap(), &tolerant).is_ok());
        let required = VerifyOptions { required_claims: vec!["exp".into()], ..Default::default() };
        let error = claims_error("{}", &required);
        assert_eq!((error.claim.as_deref(), error.reason), (Some("exp"), Some("missing")));
        let audience = VerifyOptions { audience: Some(vec!["r".into()]), ..Default::default() };
        assert_eq!(claims_error(r#"{"aud":"other"}"#, &audience).claim.as_deref(), Some("aud"));
    }

    #[test]
    fn claims_read_like_json_parse() {
        let claims = Claims::parse(r#"{"iss":"a","\u0069ss":"b","x":[[[{"y":1e400}]]],"sub":"s"}"#.into()).unwrap();
        assert_eq!(claims.get("iss"), Some(&json!("b")), "escaped names match; the last duplicate wins");
        assert_eq!(claims.get("sub"), Some(&json!("s")));
        assert_eq!(claims.get("aud"), None);
        assert!(claims.contains("x") && !claims.contains("y"));
        let deep = format!(r#"{{"iss":"a","x":{}{}}}"#, "[".repeat(500), "]".repeat(500));
        assert!(Claims::parse(deep).is_some(), "members not read are only syntax-checked");
        for bad in ["[1]", "{} x", r#"{"iss":}"#, r#"{"x":[}"#, ""] {
            assert!(Claims::parse(bad.into()).is_none(), "{bad}");
        }
        assert!(Claims::parse(r#"{"exp":1e400}"#.into()).is_none(), "read members are parsed");
    }

    #[test]
    fn base64url_decodes_as_jose() {
        let cases = [
            ("YQ", Some("61")),
            ("YQ=", None),
            ("YQ==", Some("61")),
            ("YR", Some("61")),
            ("Y Q", Some("61")),
            ("Y\tQ", Some("61")),
            ("YQ=a", None),
            ("YWJj=", None),
            ("YWI=", Some("6162")),
            ("Y", None),
            ("YQ===", None),
            ("Y+Q", None),
            ("Y/Q", None),
        ];
        for (input, expected) in cases {
            let hex = base64url_decode(input).map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
            assert_eq!(hex.as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn options_from_json() {
        let options = VerifyOptions::from_json(&json!({ "clockTolerance": "1m", "audience": "a", "maxTokenAge": 30 }));
        assert_eq!(options.clock_tolerance, 60.0);
        assert_eq!(options.audience, Some(vec!["a".to_string()]));
        assert_eq!(options.max_token_age, Some(30.0));
        assert_eq!(VerifyOptions::from_json(&json!({ "clockTolerance": "soon" })).invalid[0].0, Step::Clock);
        let odd = VerifyOptions::from_json(&json!({ "audience": 5, "maxTokenAge": {}, "currentDate": "x" }));
        let steps: Vec<Step> = odd.invalid.iter().map(|(step, _)| *step).collect();
        assert_eq!(steps, [Step::Audience, Step::MaxTokenAge, Step::Clock]);
        assert!(odd.requires_iat && odd.max_token_age.is_none());
    }

    #[test]
    fn error_json_has_jose_own_properties() {
        let claims = Claims::parse("{}".into()).unwrap();
        let error = JoseError::claim_failure("ERR_JWT_EXPIRED", "x", &claims, "exp", "check_failed");
        assert_eq!(
            error.to_json(),
            json!({ "code": "ERR_JWT_EXPIRED", "name": "JWTExpired", "claim": "exp", "reason": "check_failed", "payload": {} })
        );
        assert_eq!(JoseError::other("x").to_json(), json!({}));
    }
}
