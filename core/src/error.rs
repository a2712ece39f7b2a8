//! Errors as plain data: a kind (which JS class the shim raises), a code, and optional detail.
//! Every module returns `AuthError`; only the napi glue turns it into a thrown JS error.

use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// `MCPAuthConfigError` (code and message chosen by us).
    Config,
    /// `MCPAuthAuthServerError` (message from the description table).
    AuthServer,
    /// `MCPAuthBearerAuthError`.
    BearerAuth,
    /// `MCPAuthTokenVerificationError`.
    TokenVerification,
    /// A plain JS `TypeError` (bad URL, bad argument).
    Type,
    /// A plain JS `SyntaxError` (response body is not JSON), as `response.json()` would raise.
    Syntax,
    /// A network failure, raised like `fetch` does: `TypeError('fetch failed')` with a cause.
    Network,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthError {
    pub kind: ErrorKind,
    pub code: String,
    /// Only for kinds whose message is not derived from the code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The JS `cause` value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Value>,
    /// Set when the failure is the authorization server's, not the token's.
    #[serde(skip)]
    pub server_fault: Option<ServerFault>,
}

/// Why a failure is the authorization server's rather than the token's: the
/// `mcp-2026-07-28` profile answers these 503 and 500 where compat may answer 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFault {
    /// It could not be reached right now (network, timeout, 5xx): a later request may pass.
    Unreachable,
    /// It answered something unusable (4xx, a document that is not a key set).
    Misconfigured,
}

impl AuthError {
    pub fn new(kind: ErrorKind, code: &str) -> Self {
        Self { kind, code: code.to_string(), message: None, cause: None, server_fault: None }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn with_fault(mut self, fault: ServerFault) -> Self {
        self.server_fault = Some(fault);
        self
    }

    pub fn with_cause(mut self, cause: Value) -> Self {
        self.cause = Some(cause);
        self
    }

    pub fn config(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, code).with_message(message)
    }

    pub fn auth_server(code: &str) -> Self {
        Self::new(ErrorKind::AuthServer, code)
    }

    /// `MCPAuthAuthServerError('invalid_server_config', { cause: <text> })`.
    pub fn invalid_server_config(text: impl Into<String>) -> Self {
        Self::auth_server("invalid_server_config").with_cause(json!({ "cause": text.into() }))
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Type, "").with_message(message)
    }

    /// Node's WHATWG `URL` failure: `TypeError: Invalid URL`, code `ERR_INVALID_URL`. The cause
    /// carries `input` (and `base`) so the shim can raise Node's own error, with those properties.
    pub fn invalid_url(input: &str, base: Option<&str>) -> Self {
        Self::new(ErrorKind::Type, "ERR_INVALID_URL")
            .with_message("Invalid URL")
            .with_cause(json!({ "input": input, "base": base }))
    }

    /// `TypeError('fetch failed')`; the cause is `{ message }` plus, for a socket or DNS failure,
    /// Node's `code`, `errno`, `syscall` and address fields.
    pub fn network(detail: impl Into<String>, system: Option<&SystemError>) -> Self {
        let cause = match system {
            Some(system) => system.to_json(),
            None => json!({ "message": detail.into() }),
        };
        Self::new(ErrorKind::Network, "").with_message("fetch failed").with_cause(cause)
    }
}

/// A socket-level failure in the shape `fetch` puts in `error.cause`, so code written as
/// `err.cause.code === 'ECONNREFUSED'` keeps working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemError {
    /// Node's `net`/`dns` error: `errno` negative as libuv reports it; `address`/`port` for
    /// `connect`, `hostname` for `getaddrinfo`.
    Node { code: &'static str, errno: i32, syscall: &'static str, host: String, port: Option<u16> },
    /// undici's `SocketError` (`UND_ERR_SOCKET`): the server closed the connection unanswered.
    ClosedUnanswered,
}

impl SystemError {
    fn to_json(&self) -> Value {
        match self {
            Self::Node { code, errno, syscall, host, port: Some(port) } => json!({
                "message": format!("{syscall} {code} {host}:{port}"),
                "errno": errno, "code": code, "syscall": syscall, "address": host, "port": port,
            }),
            Self::Node { code, errno, syscall, host, port: None } => json!({
                "message": format!("{syscall} {code} {host}"),
                "errno": errno, "code": code, "syscall": syscall, "hostname": host,
            }),
            Self::ClosedUnanswered => {
                json!({ "message": "other side closed", "name": "SocketError", "code": "UND_ERR_SOCKET" })
            }
        }
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}", self.kind, self.code)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

pub type AuthResult<T> = Result<T, AuthError>;

/// In a JSON value, `{ ERROR_OBJECT_KEY: {...} }` stands for a JS `Error` object with those own
/// keys: bodies keep an error's keys as they are (snake_case conversion skips them), and the JS
/// layer revives it as an error.
pub const ERROR_OBJECT_KEY: &str = "\u{0}raw";
/// Beside [`ERROR_OBJECT_KEY`]: the error's message, which is not an own enumerable key in JS
/// (never serialized) but lets the JS layer rebuild the error.
pub const ERROR_MESSAGE_KEY: &str = "\u{0}message";
