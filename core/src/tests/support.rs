//! For the crate's tests: a scripted HTTP server on 127.0.0.1 and an ES256 signing key.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the fake server answers: (status line, body, delay).
#[derive(Clone)]
pub struct Answer {
    pub status: &'static str,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn json(body: &Value) -> Self {
        Self { status: "200 OK", body: body.to_string(), delay: Duration::ZERO }
    }
}

pub struct Server {
    /// `<origin>/jwks`, served with `answer`.
    pub url: String,
    pub origin: String,
    /// Requests served, on every path.
    pub hits: Arc<AtomicUsize>,
    /// The path of every request served, in order.
    paths: Arc<Mutex<Vec<String>>>,
    pub answer: Arc<Mutex<Answer>>,
    /// Other paths and their answers (404 for paths not listed).
    routes: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Server {
    pub fn route(&self, path: &str, answer: Answer) {
        self.routes.lock().unwrap().insert(path.to_string(), answer);
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Requests served on `path`.
    pub fn hits_on(&self, path: &str) -> usize {
        self.paths.lock().unwrap().iter().filter(|p| *p == path).count()
    }
}

pub async fn serve(initial: Answer) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(Mutex::new(initial));
    let routes: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
    let paths: Arc<Mutex<Vec<String>>> = Arc::default();
    let (hits_in, answer_in, routes_in, paths_in) = (hits.clone(), answer.clone(), routes.clone(), paths.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let (hits, answer, routes, paths) =
                (hits_in.clone(), answer_in.clone(), routes_in.clone(), paths_in.clone());
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..read]);
                let path = request.split(' ').nth(1).unwrap_or("/").to_string();
                paths.lock().unwrap().push(path.clone());
                hits.fetch_add(1, Ordering::SeqCst);
                let answer = match path.as_str() {
                    "/jwks" => answer.lock().unwrap().clone(),
                    other => routes.lock().unwrap().get(other).cloned().unwrap_or(Answer {
                        status: "404 Not Found",
                        body: String::new(),
                        delay: Duration::ZERO,
                    }),
                };
                tokio::time::sleep(answer.delay).await;
                let response = format!(
                    "HTTP/1.1 {}\r\ncontent-type: application/json\r\nlocation: /elsewhere\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    answer.status,
                    answer.body.len(),
                    answer.body
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    Server { url: format!("{origin}/jwks"), origin, hits, paths, answer, routes }
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An ES256 key that signs test tokens.
pub struct SigningKey {
    pair: EcdsaKeyPair,
    pub kid: String,
}

impl SigningKey {
    pub fn generate(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        Self { pair, kid: kid.to_string() }
    }

    /// The public JWK.
    pub fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "kid": self.kid, "x": base64url(&point[1..33]), "y": base64url(&point[33..65]) })
    }

    /// A compact JWS of `claims`, signed with this key.
    pub fn mint(&self, claims: &Value) -> String {
        self.mint_with_header(&json!({ "alg": "ES256", "kid": self.kid, "typ": "JWT" }), claims)
    }

    /// A compact JWS of `claims` with this protected header, signed with this key.
    pub fn mint_with_header(&self, header: &Value, claims: &Value) -> String {
        let input =
            format!("{}.{}", base64url(header.to_string().as_bytes()), base64url(claims.to_string().as_bytes()));
        let signature = self.pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", base64url(signature.as_ref()))
    }
}
