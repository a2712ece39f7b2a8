//! The HTTP answer to a failed request: 401/403 with a `WWW-Authenticate` challenge for bearer and
//! token errors, 500 for authorization-server and configuration errors, nothing (rethrow) for the
//! rest; bodies as the reference's `toJson`, snake_cased.

use super::header::bearer_error;
use crate::descriptions::{
    describe, AUTH_SERVER_ERRORS, AUTH_SERVER_ERROR_FALLBACK, BEARER_AUTH_ERRORS, BEARER_AUTH_ERROR_FALLBACK,
    TOKEN_VERIFICATION_ERRORS, TOKEN_VERIFICATION_ERROR_FALLBACK,
};
use crate::error::{AuthError, ErrorKind};
use crate::js_value::truthy;
use crate::resource::resource_metadata_url;
use crate::snake_case::snake_case_keys;
use serde_json::{json, Map, Value};

/// An error answer of the middleware.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: String,
}

/// An error raised outside the core (a custom verify function, `next()`, a JS issuer check), as
/// the front door reports it. `kind` is `None` for errors that are not MCP-Auth errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Thrown {
    pub kind: Option<ErrorKind>,
    pub code: String,
    pub message: String,
    /// `toJson(showErrorDetails)` of a bearer or token-verification error (`null` otherwise).
    pub to_json: Value,
}

/// How a middleware answers failures.
#[derive(Debug, Clone)]
pub struct Answers {
    /// `resource_metadata` of 401 challenges (`Err` when `resource` is not a URL: every error
    /// path then fails with that TypeError, like the reference).
    resource_metadata: Option<Result<String, AuthError>>,
    show_error_details: bool,
    /// Answers that never vary for this middleware (bad headers, undecodable tokens), built once.
    prebuilt: Vec<(AuthError, ErrorResponse)>,
}

/// The header and pre-check failures, and a failed verification: their answers depend only on
/// the configuration (for the last one, when details are hidden).
fn constant_errors() -> [AuthError; 6] {
    [
        AuthError::new(ErrorKind::TokenVerification, "invalid_token"),
        bearer_error("missing_auth_header"),
        bearer_error("invalid_auth_header_format"),
        bearer_error("missing_bearer_token"),
        super::auth_info::malformed_token(),
        super::auth_info::missing_issuer(),
    ]
}

impl Answers {
    pub fn new(resource: Option<&str>, show_error_details: bool) -> Self {
        let resource_metadata = resource.filter(|r| !r.is_empty()).map(|r| resource_metadata_url(r).map(String::from));
        let mut answers = Self { resource_metadata, show_error_details, prebuilt: Vec::new() };
        answers.prebuilt = constant_errors()
            .into_iter()
            .filter_map(|error| answers.build(error.clone()).ok().map(|response| (error, response)))
            .collect();
        answers
    }

    pub fn show_error_details(&self) -> bool {
        self.show_error_details
    }

    /// The HTTP answer for a core error, or `Err` with the error to rethrow (no answer written).
    pub fn respond(&self, error: AuthError) -> Result<ErrorResponse, AuthError> {
        // Without details, a token-verification answer shows no cause: one answer per code.
        let cause_hidden = !self.show_error_details && error.kind == ErrorKind::TokenVerification;
        let same_answer = |known: &AuthError| {
            known.kind == error.kind && known.code == error.code && (cause_hidden || known.cause == error.cause)
        };
        match self.prebuilt.iter().find(|(known, _)| same_answer(known)) {
            Some((_, response)) => Ok(response.clone()),
            None => self.build(error),
        }
    }

    fn build(&self, error: AuthError) -> Result<ErrorResponse, AuthError> {
        let message = match error.kind {
            ErrorKind::BearerAuth => describe(BEARER_AUTH_ERRORS, &error.code, BEARER_AUTH_ERROR_FALLBACK),
            ErrorKind::TokenVerification => {
                describe(TOKEN_VERIFICATION_ERRORS, &error.code, TOKEN_VERIFICATION_ERROR_FALLBACK)
            }
            ErrorKind::AuthServer => describe(AUTH_SERVER_ERRORS, &error.code, AUTH_SERVER_ERROR_FALLBACK),
            _ => "",
        };
        let message = match error.kind {
            ErrorKind::AuthServer => message,
            _ => error.message.as_deref().unwrap_or(message),
        };
        let body = || error_body(&error.code, message, error.cause.as_ref(), self.show_error_details);
        match self.answer(error.kind, &error.code, message, body)? {
            Some(response) => Ok(response),
            None => Err(error),
        }
    }

    /// The answer for an error raised outside the core: `Ok(None)` = not answered (rethrow it);
    /// `Err` = throw this error instead (an invalid `resource`).
    pub fn respond_thrown(&self, thrown: Thrown) -> Result<Option<ErrorResponse>, AuthError> {
        let kind = thrown.kind.unwrap_or(ErrorKind::Type);
        self.answer(kind, &thrown.code, &thrown.message, || snake_case_keys(thrown.to_json))
    }

    fn answer(
        &self,
        kind: ErrorKind,
        code: &str,
        message: &str,
        body: impl FnOnce() -> Value,
    ) -> Result<Option<ErrorResponse>, AuthError> {
        let resource_metadata = match &self.resource_metadata {
            Some(Err(type_error)) => return Err(type_error.clone()),
            Some(Ok(url)) => Some(url.as_str()),
            None => None,
        };
        Ok(Some(match kind {
            ErrorKind::BearerAuth | ErrorKind::TokenVerification => {
                challenge_response(code, message, resource_metadata, body())
            }
            ErrorKind::AuthServer | ErrorKind::Config => server_error_response(code, message, self.show_error_details),
            _ => return Ok(None),
        }))
    }
}

/// `toJson(showCause)` of a bearer or token-verification error, snake_cased.
fn error_body(code: &str, message: &str, cause: Option<&Value>, show_cause: bool) -> Value {
    let mut body = Map::new();
    if !code.is_empty() {
        body.insert("error".into(), json!(code));
    }
    if !message.is_empty() {
        body.insert("errorDescription".into(), json!(message));
    }
    if let Some(cause) = cause.filter(|c| show_cause && truthy(c)) {
        body.insert("cause".into(), cause.clone());
    }
    if let Some(uri) = cause.and_then(|c| c.get("uri")).and_then(|u| u.get("href")).filter(|h| truthy(h)) {
        body.insert("errorUri".into(), uri.clone());
    }
    if let Some(missing) = cause.and_then(|c| c.get("missingScopes")).filter(|m| truthy(m)) {
        body.insert("missingScopes".into(), missing.clone());
    }
    snake_case_keys(Value::Object(body))
}

/// 401/403 with a `WWW-Authenticate` challenge. No escaping, as in the reference.
fn challenge_response(code: &str, message: &str, resource_metadata: Option<&str>, body: Value) -> ErrorResponse {
    let status = if code == "missing_required_scopes" { 403 } else { 401 };
    let mut params = vec![("error", code), ("error_description", message)];
    if status == 401 {
        params.push(("resource_metadata", resource_metadata.unwrap_or("")));
    }
    let header = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    ErrorResponse { status, www_authenticate: Some(format!("Bearer {header}")), body: body.to_string() }
}

/// 500 for authorization-server and configuration errors.
fn server_error_response(code: &str, message: &str, show_error_details: bool) -> ErrorResponse {
    let mut body = json!({ "error": "server_error", "error_description": AUTH_SERVER_ERROR_FALLBACK });
    if show_error_details {
        let mut cause = Map::new();
        if !code.is_empty() {
            cause.insert("error".into(), json!(code));
        }
        if !message.is_empty() {
            cause.insert("error_description".into(), json!(message));
        }
        body["cause"] = Value::Object(cause);
    }
    ErrorResponse { status: 500, www_authenticate: None, body: body.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bearer::token_error;
    use crate::jose::JoseError;

    #[test]
    fn challenges_and_bodies() {
        let answers = Answers::new(Some("https://api.example.com/notes"), false);
        let response = answers.respond(bearer_error("missing_auth_header")).unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(
            response.www_authenticate.as_deref(),
            Some("Bearer error=\"missing_auth_header\", error_description=\"Missing `Authorization` header. Please provide a valid bearer token.\", resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/notes\"")
        );
        assert_eq!(
            response.body,
            r#"{"error":"missing_auth_header","error_description":"Missing `Authorization` header. Please provide a valid bearer token."}"#
        );
        let scopes = answers
            .respond(bearer_error("missing_required_scopes").with_cause(json!({ "missingScopes": ["write"] })))
            .unwrap();
        assert_eq!(scopes.status, 403);
        assert!(!scopes.www_authenticate.unwrap().contains("resource_metadata"));
        assert!(scopes.body.ends_with(r#""missing_scopes":["write"]}"#));
        let server = answers.respond(AuthError::auth_server("missing_jwks_uri")).unwrap();
        assert_eq!((server.status, server.www_authenticate), (500, None));
        let rethrown = answers.respond(AuthError::type_error("boom"));
        assert!(rethrown.is_err());
    }

    #[test]
    fn jose_errors_keep_their_own_keys() {
        let answers = Answers::new(None, true);
        let mut claims = Map::new();
        claims.insert("myClaim".into(), json!(1));
        let jose = JoseError {
            code: "ERR_JWT_EXPIRED",
            message: String::new(),
            claim: Some("exp".into()),
            reason: Some("check_failed"),
            payload: Some(Value::Object(claims)),
        };
        let response = answers.respond(token_error(&jose)).unwrap();
        let body: Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(body["cause"]["code"], json!("ERR_JWT_EXPIRED"));
        assert_eq!(body["cause"]["cause"]["payload"], json!({ "myClaim": 1 }));
    }

    #[test]
    fn invalid_resource_turns_every_error_into_a_type_error() {
        let answers = Answers::new(Some("not-a-url"), false);
        let error = answers.respond(bearer_error("missing_auth_header")).unwrap_err();
        assert_eq!(error.message.as_deref(), Some("Invalid resource identifier URI: not-a-url"));
        let thrown = Thrown { kind: None, code: String::new(), message: "x".into(), to_json: Value::Null };
        assert!(answers.respond_thrown(thrown).is_err(), "even for errors that are not answered");
    }

    #[test]
    fn thrown_errors_are_answered_by_class() {
        let answers = Answers::new(Some("https://api.example.com"), true);
        let thrown = |kind, to_json| Thrown { kind, code: "c".into(), message: "m".into(), to_json };
        let bearer = answers.respond_thrown(thrown(Some(ErrorKind::BearerAuth), json!({ "errorDescription": "m" })));
        let bearer = bearer.unwrap().unwrap();
        assert_eq!((bearer.status, bearer.body.as_str()), (401, r#"{"error_description":"m"}"#));
        let config = answers.respond_thrown(thrown(Some(ErrorKind::Config), Value::Null)).unwrap().unwrap();
        assert_eq!(config.status, 500);
        assert!(config.body.contains(r#""cause":{"error":"c","error_description":"m"}"#));
        assert_eq!(answers.respond_thrown(thrown(None, Value::Null)), Ok(None));
    }
}
