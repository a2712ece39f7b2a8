//! Outbound HTTP (a GET, or a form POST) with the safety every call gets: an overall deadline, a
//! body-size cap, an explicit redirect policy and no ambient proxy (the reference's `fetch` uses
//! none either).

use crate::error::SystemError;
use reqwest::{redirect, Certificate, Client, RequestBuilder, Url};
use std::sync::OnceLock;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Follow up to 20 redirects, like WHATWG `fetch`.
    Follow,
    /// Never follow: a 3xx is returned as is (jose's `redirect: 'manual'`).
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub status_text: String,
    /// Read only for 2xx answers.
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Timeout(Duration),
    TooLarge(usize),
    /// The error chain as text, and the socket or DNS failure under it when there is one.
    Network(String, Option<SystemError>),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout(limit) => write!(f, "no complete response within {} ms", limit.as_millis()),
            Self::TooLarge(limit) => write!(f, "response body larger than {limit} bytes"),
            Self::Network(detail, _) => f.write_str(detail),
        }
    }
}

fn client(redirects: Redirects) -> Result<&'static Client, Failure> {
    static FOLLOW: OnceLock<Result<Client, String>> = OnceLock::new();
    static REFUSE: OnceLock<Result<Client, String>> = OnceLock::new();
    let (cell, policy) = match redirects {
        Redirects::Follow => (&FOLLOW, redirect::Policy::limited(20)),
        Redirects::Refuse => (&REFUSE, redirect::Policy::none()),
    };
    cell.get_or_init(|| {
        Client::builder()
            // Idle connections are dropped before a Node server's 5 s keep-alive closes them,
            // so a request never races a closing socket.
            .pool_idle_timeout(Duration::from_secs(4))
            .no_proxy()
            .redirect(policy)
            .user_agent(concat!("mcp-auth-rs/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(extra_root_certificates())
            .build()
            .map_err(|e| error_chain(&e))
    })
    .as_ref()
    .map_err(|e| Failure::Network(e.clone(), None))
}

/// The certificates of `NODE_EXTRA_CA_CERTS` (a PEM file), which Node's own `fetch` trusts on top
/// of its roots: a deployment with a private CA keeps working. Node itself warns when the file
/// cannot be read; here it is then ignored the same way.
fn extra_root_certificates() -> Vec<Certificate> {
    std::env::var_os("NODE_EXTRA_CA_CERTS")
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|pem| Certificate::from_pem_bundle(&pem).ok())
        .unwrap_or_default()
}

/// Errno names of the connection failures Node reports with a code (Linux numbers; the errno
/// values are libuv's negated ones).
const CONNECT_ERRORS: [(i32, &str); 5] =
    [(111, "ECONNREFUSED"), (110, "ETIMEDOUT"), (113, "EHOSTUNREACH"), (101, "ENETUNREACH"), (99, "EADDRNOTAVAIL")];

/// The socket or DNS failure under a request error, described as `fetch` describes it.
fn system_error(error: &reqwest::Error, url: &Url) -> Option<SystemError> {
    // Node prints IPv6 addresses without brackets.
    let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']').to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>().filter(|_| error.is_connect()) {
            if let Some((errno, code)) =
                io.raw_os_error().and_then(|raw| CONNECT_ERRORS.iter().find(|(n, _)| *n == raw).copied())
            {
                let port = url.port_or_known_default();
                return Some(SystemError::Node { code, errno: -errno, syscall: "connect", host, port });
            }
        }
        if inner.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_incomplete_message) {
            return Some(SystemError::ClosedUnanswered);
        }
        // hyper-util reports a failed lookup as "dns error" over getaddrinfo's message.
        if inner.to_string() == "dns error" {
            let code = "ENOTFOUND";
            return Some(SystemError::Node { code, errno: -3008, syscall: "getaddrinfo", host, port: None });
        }
        source = inner.source();
    }
    None
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// GETs `url`. Non-2xx answers come back without their body; 2xx bodies are read up to the cap.
pub async fn get(
    url: &Url,
    redirects: Redirects,
    headers: &[(String, String)],
    limits: FetchLimits,
) -> Result<Response, Failure> {
    // `fetch` sends `/x` for `http://h/x?` (an empty query is no query).
    let mut target = url.clone();
    if target.query() == Some("") {
        target.set_query(None);
    }
    exchange(client(redirects)?.get(target), url, headers, limits).await
}

/// POSTs `form` (already `application/x-www-form-urlencoded`) to `url`, never following a
/// redirect; answers as [`get`].
pub async fn post_form(
    url: &Url,
    headers: &[(String, String)],
    form: String,
    limits: FetchLimits,
) -> Result<Response, Failure> {
    let request = client(Redirects::Refuse)?
        .post(url.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    exchange(request, url, headers, limits).await
}

/// Sends `request` with `headers`, within `limits` (the deadline covers the whole exchange).
async fn exchange(
    mut request: RequestBuilder,
    url: &Url,
    headers: &[(String, String)],
    limits: FetchLimits,
) -> Result<Response, Failure> {
    let exchange = async {
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response =
            request.send().await.map_err(|e| Failure::Network(error_chain(&e), system_error(&e, url)))?;
        let status = response.status();
        // The reason phrase as sent (hyper keeps it only when it differs from the standard one).
        let status_text = match response.extensions().get::<hyper::ext::ReasonPhrase>() {
            Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
            None => status.canonical_reason().unwrap_or("").to_string(),
        };
        let mut body = Vec::new();
        if status.is_success() {
            if response.content_length().is_some_and(|len| len > limits.max_body_bytes as u64) {
                return Err(Failure::TooLarge(limits.max_body_bytes));
            }
            while let Some(chunk) =
                response.chunk().await.map_err(|e| Failure::Network(error_chain(&e), system_error(&e, url)))?
            {
                if body.len() + chunk.len() > limits.max_body_bytes {
                    return Err(Failure::TooLarge(limits.max_body_bytes));
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Response { status: status.as_u16(), status_text, body })
    };
    tokio::time::timeout(limits.timeout, exchange).await.unwrap_or(Err(Failure::Timeout(limits.timeout)))
}
