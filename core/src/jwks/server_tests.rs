//! The JWKS cache against a real HTTP server on 127.0.0.1: caching, cooldown, rotation, single
//! flight, timeouts and non-200 answers.

use super::{CachedLookup, JwksOptions, RemoteKeySet};
use crate::tests::support::{serve, Answer, Server};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

fn key_set(kids: &[&str]) -> String {
    json!({ "keys": kids.iter().map(|kid| json!({ "kty": "RSA", "kid": kid, "n": N, "e": "AQAB" })).collect::<Vec<_>>() }).to_string()
}

fn ok(kids: &[&str]) -> Answer {
    Answer { status: "200 OK", body: key_set(kids), delay: Duration::ZERO }
}

fn remote(server: &Server, options: JwksOptions) -> RemoteKeySet {
    RemoteKeySet::new(server.url.parse().unwrap(), options)
}

fn kid(value: &str) -> Value {
    json!(value)
}

#[tokio::test]
async fn fetches_once_then_answers_from_cache() {
    let server = serve(ok(&["a"])).await;
    let keys = remote(&server, JwksOptions::default());
    assert!(matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::NeedsFetch));
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    assert!(matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::Ready(Ok(_))));
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_kid_refetches_only_after_the_cooldown_and_sees_rotation() {
    let server = serve(ok(&["a"])).await;
    let options = JwksOptions { cooldown: Duration::from_millis(300), ..JwksOptions::default() };
    let keys = remote(&server, options);
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    *server.answer.lock().unwrap() = ok(&["b"]);
    let miss = keys.lookup("RS256", Some(&kid("b"))).await.unwrap_err();
    assert_eq!(miss.code, "ERR_JWKS_NO_MATCHING_KEY");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "no refetch during the cooldown");
    assert!(matches!(keys.lookup_cached("RS256", Some(&kid("b"))), CachedLookup::Ready(Err(_))));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(keys.lookup_cached("RS256", Some(&kid("b"))), CachedLookup::NeedsFetch));
    keys.lookup("RS256", Some(&kid("b"))).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 2, "exactly one refetch after the cooldown");
    let removed = keys.lookup("RS256", Some(&kid("a"))).await.unwrap_err();
    assert_eq!(removed.code, "ERR_JWKS_NO_MATCHING_KEY", "the rotated-out key is gone");
}

#[tokio::test]
async fn stale_sets_are_refetched() {
    let server = serve(ok(&["a"])).await;
    let options = JwksOptions { max_age: Some(Duration::from_millis(100)), ..JwksOptions::default() };
    let keys = remote(&server, options);
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::NeedsFetch));
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn concurrent_lookups_share_one_request() {
    let mut answer = ok(&["a"]);
    answer.delay = Duration::from_millis(100);
    let server = serve(answer).await;
    let keys = Arc::new(remote(&server, JwksOptions::default()));
    let lookups: Vec<_> = (0..50)
        .map(|_| {
            let keys = keys.clone();
            tokio::spawn(async move { keys.lookup("RS256", Some(&kid("a"))).await.is_ok() })
        })
        .collect();
    for lookup in lookups {
        assert!(lookup.await.unwrap());
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn slow_sets_time_out_within_the_limit() {
    let mut answer = ok(&["a"]);
    answer.delay = Duration::from_secs(5);
    let server = serve(answer).await;
    let keys = remote(&server, JwksOptions { timeout: Duration::from_millis(200), ..JwksOptions::default() });
    let started = Instant::now();
    let error = keys.lookup("RS256", Some(&kid("a"))).await.unwrap_err();
    assert_eq!(error.code, "ERR_JWKS_TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn non_200_answers_and_bad_documents_fail_and_are_not_cached() {
    let server = serve(Answer { status: "500 Internal Server Error", body: "{}".into(), delay: Duration::ZERO }).await;
    let keys = remote(&server, JwksOptions::default());
    assert_eq!(keys.lookup("RS256", None).await.unwrap_err().code, "ERR_JOSE_GENERIC");
    *server.answer.lock().unwrap() = Answer { status: "302 Found", body: String::new(), delay: Duration::ZERO };
    assert_eq!(keys.lookup("RS256", None).await.unwrap_err().code, "ERR_JOSE_GENERIC", "redirects are not followed");
    *server.answer.lock().unwrap() = Answer { status: "200 OK", body: "not json".into(), delay: Duration::ZERO };
    assert_eq!(keys.lookup("RS256", None).await.unwrap_err().code, "ERR_JOSE_GENERIC");
    *server.answer.lock().unwrap() = Answer { status: "200 OK", body: "{\"keys\":{}}".into(), delay: Duration::ZERO };
    assert_eq!(keys.lookup("RS256", None).await.unwrap_err().code, "ERR_JWKS_INVALID");
    *server.answer.lock().unwrap() = ok(&["a"]);
    keys.lookup("RS256", None).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 5, "every failure was retried");
}

#[tokio::test]
async fn unreachable_sets_fail_as_non_jose_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    drop(listener);
    let keys = RemoteKeySet::new(url.parse().unwrap(), JwksOptions::default());
    assert_eq!(keys.lookup("RS256", None).await.unwrap_err().code, "JWT_VERIFICATION_FAILED");
}

#[tokio::test]
async fn stale_if_error_serves_known_keys_while_the_provider_fails() {
    let server = serve(ok(&["a"])).await;
    let options = JwksOptions {
        max_age: Some(Duration::from_millis(100)),
        stale_if_error: Duration::from_secs(5),
        ..JwksOptions::default()
    };
    let keys = remote(&server, options);
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    *server.answer.lock().unwrap() =
        Answer { status: "503 Service Unavailable", body: String::new(), delay: Duration::ZERO };
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::NeedsFetch),
        "stale: try the provider first"
    );
    keys.lookup("RS256", Some(&kid("a"))).await.expect("stale keys served after a failed refetch");
    assert!(
        matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::Ready(Ok(_))),
        "no refetch right after a failure"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    let strict = remote(&server, JwksOptions { max_age: Some(Duration::from_millis(100)), ..JwksOptions::default() });
    *server.answer.lock().unwrap() = ok(&["a"]);
    strict.lookup("RS256", Some(&kid("a"))).await.unwrap();
    *server.answer.lock().unwrap() =
        Answer { status: "503 Service Unavailable", body: String::new(), delay: Duration::ZERO };
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        strict.lookup("RS256", Some(&kid("a"))).await.unwrap_err().code,
        "ERR_JOSE_GENERIC",
        "default: no stale fallback (jose)"
    );
}

#[tokio::test]
async fn refetches_that_keep_every_key_keep_the_generation() {
    let server = serve(ok(&["a"])).await;
    let options = JwksOptions { cooldown: Duration::ZERO, ..JwksOptions::default() };
    let keys = remote(&server, options);
    keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
    let before = keys.generation();
    keys.lookup("RS256", Some(&kid("unknown"))).await.unwrap_err();
    assert_eq!(keys.generation(), before, "same keys: verified tokens stay cached");
    *server.answer.lock().unwrap() = ok(&["a", "b"]);
    keys.lookup("RS256", Some(&kid("b"))).await.unwrap();
    assert_eq!(keys.generation(), before, "a key added: nothing verified before is affected");
    *server.answer.lock().unwrap() = ok(&["b"]);
    keys.lookup("RS256", Some(&kid("c"))).await.unwrap_err();
    assert_ne!(keys.generation(), before, "a key removed: tokens verified before must be checked again");
}

#[tokio::test]
async fn an_unusable_key_is_refetched_like_an_unknown_kid() {
    // RSA under 2048 bits (the first 64 bytes of the modulus), then a key that does not import.
    let short = json!({ "keys": [{ "kty": "RSA", "kid": "a", "n": &N[..86], "e": "AQAB" }] }).to_string();
    let broken = json!({ "keys": [{ "kty": "RSA", "kid": "a", "n": "!", "e": "AQAB" }] }).to_string();
    for unusable in [short, broken] {
        let server = serve(Answer { status: "200 OK", body: unusable, delay: Duration::ZERO }).await;
        let options = JwksOptions { cooldown: Duration::from_millis(100), ..JwksOptions::default() };
        let keys = remote(&server, options);
        let first = keys.lookup("RS256", Some(&kid("a"))).await;
        assert!(first.map_or(true, |key| key.usable().is_err()), "the broken key is not usable");
        assert!(matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::Ready(_)), "cooling down");
        *server.answer.lock().unwrap() = ok(&["a"]);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(matches!(keys.lookup_cached("RS256", Some(&kid("a"))), CachedLookup::NeedsFetch));
        let fixed = keys.lookup("RS256", Some(&kid("a"))).await.unwrap();
        assert!(fixed.usable().is_ok(), "trusted again after the cooldown");
        assert_eq!(server.hits(), 2);
    }
}
