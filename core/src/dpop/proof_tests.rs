//! Proofs minted with aws-lc-rs keys (ES256, EdDSA, RS256, PS256), one per refusal of `check_proof`.

use super::*;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
    RSA_PKCS1_SHA256, RSA_PSS_SHA256,
};
use serde_json::json;
use std::sync::OnceLock;

const NOW: f64 = 1_750_000_000.0;
const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln-access-token";
const URL: &str = "https://api.example.com/mcp";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

enum Signer {
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

impl Signer {
    fn es256() -> Self {
        Self::Ec(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap())
    }

    fn es384() -> Self {
        Self::Ec(EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).unwrap())
    }

    fn ed25519() -> Self {
        Self::Ed(Ed25519KeyPair::generate().unwrap())
    }

    /// One RSA-2048 key for every test (generating one takes a while).
    fn rsa() -> &'static Self {
        static RSA: OnceLock<Signer> = OnceLock::new();
        RSA.get_or_init(|| Self::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()))
    }

    fn jwk(&self) -> Value {
        match self {
            Self::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                let crv = if size == 32 { "P-256" } else { "P-384" };
                json!({ "kty": "EC", "crv": crv, "x": b64(&point[1..=size]), "y": b64(&point[size + 1..]) })
            }
            Self::Ed(pair) => json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) }),
            Self::Rsa(pair) => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
        }
    }

    fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Ec(pair) => pair.sign(&rng, input).unwrap().as_ref().to_vec(),
            Self::Ed(pair) => pair.sign(input).as_ref().to_vec(),
            Self::Rsa(pair) => {
                let padding: &'static dyn aws_lc_rs::signature::RsaEncoding =
                    if alg == "PS256" { &RSA_PSS_SHA256 } else { &RSA_PKCS1_SHA256 };
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, input, &mut signature).unwrap();
                signature
            }
        }
    }

    fn default_alg(&self) -> &'static str {
        match self {
            Self::Ec(pair) if pair.public_key().as_ref().len() == 65 => "ES256",
            Self::Ec(_) => "ES384",
            Self::Ed(_) => "EdDSA",
            Self::Rsa(_) => "RS256",
        }
    }

    fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": self.default_alg(), "jwk": self.jwk() })
    }

    /// A proof with `header` and `claims`, signed for the header's `alg`.
    fn mint_with(&self, header: &Value, claims: &Value) -> String {
        let alg = header["alg"].as_str().unwrap_or("ES256");
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        format!("{input}.{}", b64(&self.sign(alg, input.as_bytes())))
    }

    /// The default header and claims, with `header_changes` / `claim_changes` applied (null removes).
    fn mint(&self, header_changes: Value, claim_changes: Value) -> String {
        self.mint_with(&merged(self.header(), header_changes), &merged(claims(), claim_changes))
    }
}

fn claims() -> Value {
    json!({ "jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": URL, "iat": NOW, "ath": access_token_hash(TOKEN) })
}

fn merged(mut base: Value, changes: Value) -> Value {
    if let (Some(base), Value::Object(changes)) = (base.as_object_mut(), changes) {
        for (name, value) in changes {
            if value.is_null() {
                base.remove(&name);
            } else {
                base.insert(name, value);
            }
        }
    }
    base
}

fn input(proof: &str) -> ProofInput<'_> {
    ProofInput { proof, method: "POST", url: URL, token: TOKEN, now_seconds: NOW, clock_tolerance: 0.0 }
}

fn check(proof: &str) -> Result<CheckedProof, ProofError> {
    check_proof(&input(proof), &DpopOptions::default())
}

/// The refusal text, checked to name the failing part and to leak neither the proof nor the token.
fn refusal(proof: &str, mentions: &str) {
    refusal_of(&input(proof), &DpopOptions::default(), mentions);
}

fn refusal_of(input: &ProofInput<'_>, options: &DpopOptions, mentions: &str) {
    let ProofError(text) = check_proof(input, options).expect_err("the proof must be refused");
    assert!(text.contains(mentions), "{text:?} should mention {mentions:?}");
    assert!(text.starts_with("DPoP proof "), "{text:?}");
    assert!(!text.contains(TOKEN) && (input.proof.is_empty() || !text.contains(input.proof)), "{text:?}");
}

#[test]
fn proofs_of_every_default_algorithm_pass() {
    let es = Signer::es256();
    let ed = Signer::ed25519();
    let rsa = Signer::rsa();
    let cases = [
        (&es, es.mint(json!({}), json!({}))),
        (&ed, ed.mint(json!({}), json!({}))),
        (rsa, rsa.mint(json!({}), json!({}))),
        (rsa, rsa.mint(json!({ "alg": "PS256" }), json!({}))),
    ];
    for (signer, proof) in cases {
        let checked = check(&proof).unwrap();
        let jwk = signer.jwk();
        assert_eq!(checked.thumbprint, thumbprint(jwk.as_object().unwrap()).unwrap());
        assert_eq!(checked.thumbprint.len(), 43);
        assert_eq!(checked.jti, "e1j3V_bKic8-LAEB");
        assert_eq!(checked.iat, NOW);
    }
    // RFC 9864's fully specified name is the same algorithm as EdDSA.
    check(&ed.mint(json!({ "alg": "Ed25519" }), json!({}))).unwrap();
    // Optional JWK members do not change the thumbprint.
    let decorated = merged(es.jwk(), json!({ "kid": "k1", "use": "sig", "alg": "ES256" }));
    let checked = check(&es.mint(json!({ "jwk": decorated }), json!({}))).unwrap();
    assert_eq!(checked.thumbprint, thumbprint(es.jwk().as_object().unwrap()).unwrap());
}

#[test]
fn the_shape_must_be_a_compact_jws() {
    let es = Signer::es256();
    let proof = es.mint(json!({}), json!({}));
    let segments: Vec<&str> = proof.split('.').collect();
    let two = segments[..2].join(".");
    let five = format!("{proof}.x.y");
    for bad in ["", "not a jws", two.as_str(), five.as_str(), "..", "e30.e30."] {
        refusal(bad, "compact JWS");
    }
    let not_json = format!("{}.{}.{}", b64(b"not json"), segments[1], segments[2]);
    refusal(&not_json, "compact JWS");
    let unknown_crit = es.mint(json!({ "crit": ["exp"], "exp": 1 }), json!({}));
    refusal(&unknown_crit, "compact JWS");
}

#[test]
fn the_header_typ_must_be_dpop_jwt() {
    let es = Signer::es256();
    refusal(&es.mint(json!({ "typ": "JWT" }), json!({})), "typ");
    refusal(&es.mint(json!({ "typ": null }), json!({})), "typ");
    refusal(&es.mint(json!({ "typ": "application/dpop+jwt" }), json!({})), "typ");
    refusal(&es.mint(json!({ "typ": ["dpop+jwt"] }), json!({})), "typ");
}

#[test]
fn the_alg_must_be_allowed_and_asymmetric() {
    let rsa = Signer::rsa();
    let proof = rsa.mint(json!({}), json!({}));
    let es256_only = DpopOptions { algorithms: vec!["ES256".into()], ..Default::default() };
    refusal_of(&input(&proof), &es256_only, "\"alg\"");
    let es = Signer::es256();
    // ES384 is a valid asymmetric algorithm, but not in the default list.
    refusal(&Signer::es384().mint(json!({}), json!({})), "\"alg\"");
    // alg none: no signature at all.
    let header = json!({ "typ": "dpop+jwt", "alg": "none", "jwk": es.jwk() });
    let none = format!("{}.{}.", b64(header.to_string().as_bytes()), b64(claims().to_string().as_bytes()));
    refusal(&none, "\"alg\"");
    // HS256 with the secret in the header: refused even when (wrongly) listed.
    let secret = b"a shared secret that anyone who reads the proof knows";
    let header = json!({ "typ": "dpop+jwt", "alg": "HS256", "jwk": { "kty": "oct", "k": b64(secret) } });
    let input_text = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims().to_string().as_bytes()));
    let tag =
        aws_lc_rs::hmac::sign(&aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret), input_text.as_bytes());
    let hs256 = format!("{input_text}.{}", b64(tag.as_ref()));
    refusal(&hs256, "\"alg\"");
    let listed = DpopOptions { algorithms: vec!["HS256".into()], ..Default::default() };
    refusal_of(&input(&hs256), &listed, "\"alg\"");
    refusal(&es.mint(json!({ "alg": "XS256" }), json!({})), "\"alg\"");
}

#[test]
fn the_jwk_must_be_a_public_key_of_the_algs_type() {
    let es = Signer::es256();
    for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
        let jwk = merged(es.jwk(), json!({ private: "AQAB" }));
        refusal(&es.mint(json!({ "jwk": jwk }), json!({})), "public key");
    }
    refusal(&es.mint(json!({ "jwk": null }), json!({})), "\"jwk\"");
    refusal(&es.mint(json!({ "jwk": "eyJrdHkiOiJFQyJ9" }), json!({})), "\"jwk\"");
    // An RSA key for ES256, a P-384 key for ES256, an OKP key for RS256.
    let rsa = Signer::rsa();
    refusal(&es.mint(json!({ "jwk": rsa.jwk() }), json!({})), "does not fit");
    refusal(&es.mint(json!({ "jwk": Signer::es384().jwk() }), json!({})), "does not fit");
    refusal(&rsa.mint(json!({ "jwk": Signer::ed25519().jwk() }), json!({})), "does not fit");
    refusal(&es.mint(json!({ "jwk": merged(es.jwk(), json!({ "kty": null })) }), json!({})), "does not fit");
    // Right type, unusable members.
    refusal(&es.mint(json!({ "jwk": merged(es.jwk(), json!({ "x": "AAAA" })) }), json!({})), "not a valid public key");
}

#[test]
fn the_signature_must_verify_with_the_jwk() {
    let es = Signer::es256();
    // Signed by another key than the one in the header.
    let other = Signer::es256();
    refusal(&other.mint_with(&es.header(), &claims()), "signature");
    // A changed payload.
    let proof = es.mint(json!({}), json!({}));
    let segments: Vec<&str> = proof.split('.').collect();
    let changed = merged(claims(), json!({ "htm": "GET" }));
    let tampered = format!("{}.{}.{}", segments[0], b64(changed.to_string().as_bytes()), segments[2]);
    refusal(&tampered, "signature");
    refusal(&format!("{}.{}.", segments[0], segments[1]), "signature");
    refusal(&format!("{}.{}.!!", segments[0], segments[1]), "signature");
}

#[test]
fn the_payload_must_be_an_object_with_a_jti() {
    let es = Signer::es256();
    let header = es.header();
    refusal(&es.mint_with(&header, &json!([1, 2])), "payload");
    refusal(&es.mint(json!({}), json!({ "jti": null })), "\"jti\"");
    refusal(&es.mint(json!({}), json!({ "jti": "" })), "\"jti\"");
    refusal(&es.mint(json!({}), json!({ "jti": 42 })), "\"jti\"");
}

#[test]
fn htm_must_be_the_request_method_exactly() {
    let es = Signer::es256();
    refusal(&es.mint(json!({}), json!({ "htm": "GET" })), "\"htm\"");
    refusal(&es.mint(json!({}), json!({ "htm": "post" })), "\"htm\"");
    refusal(&es.mint(json!({}), json!({ "htm": null })), "\"htm\"");
}

#[test]
fn htu_must_name_the_request_target() {
    let es = Signer::es256();
    for htu in [
        "https://other.example.com/mcp",
        "https://api.example.com/mcp/other",
        "https://api.example.com/",
        "http://api.example.com/mcp",
        "https://api.example.com:8443/mcp",
        "not a url",
    ] {
        refusal(&es.mint(json!({}), json!({ "htu": htu })), "\"htu\"");
    }
    refusal(&es.mint(json!({}), json!({ "htu": null })), "\"htu\"");
    refusal(&es.mint(json!({}), json!({ "htu": 1 })), "\"htu\"");
    for htu in [
        "https://api.example.com/mcp?session=1",
        "https://api.example.com/mcp#fragment",
        "https://api.example.com:443/mcp",
        "HTTPS://API.Example.COM/mcp",
    ] {
        check(&es.mint(json!({}), json!({ "htu": htu }))).unwrap();
    }
    // The request URL's own query is ignored too.
    let proof = es.mint(json!({}), json!({}));
    let with_query = ProofInput { url: "https://api.example.com/mcp?a=b", ..input(&proof) };
    check_proof(&with_query, &DpopOptions::default()).unwrap();
}

#[test]
fn iat_must_be_within_the_window() {
    let es = Signer::es256();
    check(&es.mint(json!({}), json!({ "iat": NOW - 300.0 }))).unwrap();
    check(&es.mint(json!({}), json!({ "iat": NOW + 300.0 }))).unwrap();
    check(&es.mint(json!({}), json!({ "iat": NOW - 12.5 }))).unwrap();
    refusal(&es.mint(json!({}), json!({ "iat": NOW - 301.0 })), "\"iat\"");
    refusal(&es.mint(json!({}), json!({ "iat": NOW + 301.0 })), "\"iat\"");
    refusal(&es.mint(json!({}), json!({ "iat": null })), "\"iat\"");
    refusal(&es.mint(json!({}), json!({ "iat": NOW.to_string() })), "\"iat\"");
    // The clock tolerance widens the window on both sides.
    let old = es.mint(json!({}), json!({ "iat": NOW - 330.0 }));
    let future = es.mint(json!({}), json!({ "iat": NOW + 330.0 }));
    for proof in [&old, &future] {
        let tolerant = ProofInput { clock_tolerance: 30.0, ..input(proof) };
        check_proof(&tolerant, &DpopOptions::default()).unwrap();
        let less = ProofInput { clock_tolerance: 29.0, ..input(proof) };
        refusal_of(&less, &DpopOptions::default(), "\"iat\"");
        let nan = ProofInput { clock_tolerance: f64::NAN, ..input(proof) };
        refusal_of(&nan, &DpopOptions::default(), "\"iat\"");
    }
    let short = DpopOptions { max_proof_age: 10.0, ..Default::default() };
    refusal_of(&input(&es.mint(json!({}), json!({ "iat": NOW - 11.0 }))), &short, "\"iat\"");
}

#[test]
fn ath_must_hash_the_access_token() {
    let es = Signer::es256();
    refusal(&es.mint(json!({}), json!({ "ath": access_token_hash("another token") })), "\"ath\"");
    refusal(&es.mint(json!({}), json!({ "ath": null })), "\"ath\" claim is missing");
    refusal(&es.mint(json!({}), json!({ "ath": 1 })), "\"ath\"");
    let proof = es.mint(json!({}), json!({}));
    let other_token = ProofInput { token: "another token", ..input(&proof) };
    refusal_of(&other_token, &DpopOptions::default(), "\"ath\"");
}

#[test]
fn access_token_hash_matches_rfc_9449() {
    // RFC 9449 §4.2, the example access token and its `ath`.
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn thumbprint_follows_rfc_7638() {
    let rfc_example = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    let jwk = rfc_example.as_object().unwrap();
    assert_eq!(thumbprint(jwk).as_deref(), Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    // The canonical text is built from the required members in order, whatever the input order.
    let ec = json!({ "y": "Y", "x": "X", "kty": "EC", "crv": "P-256", "kid": "ignored" });
    let canonical = r#"{"crv":"P-256","kty":"EC","x":"X","y":"Y"}"#;
    assert_eq!(thumbprint(ec.as_object().unwrap()), Some(sha256_base64url(canonical.as_bytes())));
    let okp = json!({ "x": "X", "crv": "Ed25519", "kty": "OKP" });
    let canonical = r#"{"crv":"Ed25519","kty":"OKP","x":"X"}"#;
    assert_eq!(thumbprint(okp.as_object().unwrap()), Some(sha256_base64url(canonical.as_bytes())));
    for incomplete in [
        json!({ "kty": "RSA", "n": "AQAB" }),
        json!({ "kty": "EC", "crv": "P-256", "x": "X", "y": 1 }),
        json!({ "kty": "oct", "k": "AQAB" }),
        json!({ "n": "AQAB", "e": "AQAB" }),
    ] {
        assert_eq!(thumbprint(incomplete.as_object().unwrap()), None, "{incomplete}");
    }
}

#[test]
fn same_target_compares_origin_and_path() {
    let cases = [
        ("https://a.example/x", "https://a.example/x", true),
        ("https://A.EXAMPLE/x", "https://a.example/x", true),
        ("https://a.example:443/x", "https://a.example/x", true),
        ("http://a.example:80/x", "http://a.example/x", true),
        ("https://a.example/x?q=1#f", "https://a.example/x?z=2", true),
        ("https://a.example", "https://a.example/", true),
        ("https://a.example/x", "https://a.example/X", false),
        ("https://a.example/x", "https://a.example/x/", false),
        ("https://a.example/x", "http://a.example/x", false),
        ("https://a.example:444/x", "https://a.example/x", false),
        ("https://b.example/x", "https://a.example/x", false),
        ("/x", "https://a.example/x", false),
        ("https://a.example/x", "not a url", false),
        ("mailto:a@a.example", "mailto:a@a.example", false),
    ];
    for (htu, url, same) in cases {
        assert_eq!(same_target(htu, url), same, "{htu} vs {url}");
    }
}

#[test]
fn bound_thumbprint_reads_cnf_jkt() {
    let read = |claims: Value| bound_thumbprint(claims.get("cnf")).map(str::to_string);
    assert_eq!(read(json!({ "cnf": { "jkt": "abc" } })), Some("abc".into()));
    assert_eq!(read(json!({ "cnf": { "jkt": 1 } })), Some(String::new()));
    assert_eq!(read(json!({ "cnf": { "jkt": null } })), Some(String::new()));
    assert_eq!(read(json!({ "cnf": { "x5t#S256": "abc" } })), None);
    assert_eq!(read(json!({ "cnf": "abc" })), None);
    assert_eq!(read(json!({ "sub": "abc" })), None);
}

#[test]
fn options_are_checked_at_setup() {
    let defaults = DpopOptions::default().validated().unwrap();
    assert_eq!(defaults, DpopOptions::default());
    assert_eq!(defaults.challenge_algs(), "ES256 EdDSA RS256 PS256");
    assert!(!defaults.required);
    assert_eq!(defaults.max_proof_age, 300.0);

    let with = |algorithms: &[&str]| DpopOptions {
        algorithms: algorithms.iter().map(|a| a.to_string()).collect(),
        ..Default::default()
    };
    let normalized = with(&["Ed25519", "ES384", "EdDSA", "ES384"]).validated().unwrap();
    assert_eq!(normalized.algorithms, ["EdDSA", "ES384"]);
    assert_eq!(normalized.challenge_algs(), "EdDSA ES384");
    for bad in [&[][..], &["none"], &["HS256"], &["ES256", "HS384"], &["HS512"], &["XS256"], &["es256"]] {
        let error = with(bad).validated().unwrap_err();
        assert_eq!(error.code, "invalid_server_config", "{bad:?}");
    }
    for age in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let error = DpopOptions { max_proof_age: age, ..Default::default() }.validated().unwrap_err();
        assert_eq!(error.code, "invalid_server_config", "{age}");
    }
    DpopOptions { max_proof_age: 0.5, ..Default::default() }.validated().unwrap();

    let origin = |text: &str| DpopOptions { public_origin: Some(text.into()), ..Default::default() }.validated();
    for (text, normalized) in [
        ("https://api.example.com", "https://api.example.com"),
        ("https://api.example.com/", "https://api.example.com"),
        ("HTTPS://API.Example.com:443", "https://api.example.com"),
        ("http://localhost:80/", "http://localhost"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ] {
        assert_eq!(origin(text).unwrap().public_origin.as_deref(), Some(normalized), "{text}");
    }
    for bad in [
        "https://api.example.com/mcp",
        "https://api.example.com/?",
        "https://api.example.com?a=b",
        "https://api.example.com#top",
        "https://user:pw@api.example.com",
        "https://user@api.example.com",
        "ftp://api.example.com",
        "file:///tmp",
        "api.example.com",
        "",
    ] {
        let error = origin(bad).unwrap_err();
        assert_eq!(error.code, "invalid_server_config", "{bad}");
    }
}
