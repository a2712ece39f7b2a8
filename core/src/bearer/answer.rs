//! The HTTP answer to a failed request. Compat: 401/403 with a `WWW-Authenticate` challenge for
//! bearer and token errors, 500 for authorization-server and configuration errors, nothing
//! (rethrow) for the rest; bodies as the reference's `toJson`, snake_cased. Under the
//! `mcp-2026-07-28` profile: RFC 6750 challenges (see [`ProfileChallenge`]).

use super::dpop_challenge::INVALID_DPOP_PROOF;
use super::header::bearer_error;
use crate::descriptions::{
    describe, AUTH_SERVER_ERRORS, AUTH_SERVER_ERROR_FALLBACK, BEARER_AUTH_ERRORS, BEARER_AUTH_ERROR_FALLBACK,
    TOKEN_VERIFICATION_ERRORS, TOKEN_VERIFICATION_ERROR_FALLBACK,
};
use crate::error::{AuthError, ErrorKind, ServerFault};
use crate::js_value::truthy;
use crate::profile::{challenge_scopes, Profile, RETRY_AFTER_S};
use crate::resource::resource_metadata_url;
use crate::snake_case::snake_case_keys;
use serde_json::{json, Map, Value};

/// An error answer of the middleware.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: String,
    /// `Retry-After` (seconds) of a 503.
    pub retry_after: Option<u32>,
}

/// The scopes the profile's challenges name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileChallenge {
    /// `scope` of a 401 (the request's scopes, else the resource's; empty: left out).
    pub unauthorized_scope: Vec<String>,
    /// `scope` of a 403 `insufficient_scope`: every scope the request needs.
    pub insufficient_scope: Vec<String>,
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
    /// `Some` under the `mcp-2026-07-28` profile.
    profile: Option<ProfileChallenge>,
    /// Answers that never vary for this middleware (bad headers, undecodable tokens), built once.
    prebuilt: Vec<(AuthError, ErrorResponse)>,
    /// Compat's challenges as RFC 9110 quoted-strings (with `dpop`, where a second challenge must
    /// stay readable after the first); otherwise unescaped, as the reference writes them.
    quote_strictly: bool,
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
    /// The reference's answers.
    pub fn new(resource: Option<&str>, show_error_details: bool) -> Self {
        Self::build_all(resource, show_error_details, None)
    }

    /// The `mcp-2026-07-28` profile's answers.
    pub fn for_profile(resource: Option<&str>, show_error_details: bool, challenge: ProfileChallenge) -> Self {
        Self::build_all(resource, show_error_details, Some(challenge))
    }

    fn build_all(resource: Option<&str>, show_error_details: bool, profile: Option<ProfileChallenge>) -> Self {
        let resource_metadata = resource.filter(|r| !r.is_empty()).map(|r| resource_metadata_url(r).map(String::from));
        let mut answers =
            Self { resource_metadata, show_error_details, profile, prebuilt: Vec::new(), quote_strictly: false };
        answers.prebuild();
        answers
    }

    fn prebuild(&mut self) {
        self.prebuilt = constant_errors()
            .into_iter()
            .filter_map(|error| self.build(error.clone()).ok().map(|response| (error, response)))
            .collect();
    }

    /// These answers with every challenge parameter an RFC 9110 quoted-string (see `quote_strictly`).
    pub fn quoting_strictly(mut self) -> Self {
        self.quote_strictly = true;
        self.prebuild();
        self
    }

    /// The `Bearer` challenge without an error: what a 401 offers besides a `DPoP` challenge that
    /// carries the error (`resource_metadata`, and under the profile `scope`).
    pub fn plain_bearer_challenge(&self) -> String {
        let mut params = Vec::new();
        if let Some(Ok(url)) = &self.resource_metadata {
            params.push(format!("resource_metadata={}", quoted(url)));
        }
        if let Some(challenge) = self.profile.as_ref().filter(|c| !c.unauthorized_scope.is_empty()) {
            params.push(format!("scope={}", quoted(&challenge.unauthorized_scope.join(" "))));
        }
        if params.is_empty() {
            "Bearer".to_string()
        } else {
            format!("Bearer {}", params.join(", "))
        }
    }

    pub fn show_error_details(&self) -> bool {
        self.show_error_details
    }

    pub fn profile(&self) -> Profile {
        match self.profile {
            Some(_) => Profile::Mcp20260728,
            None => Profile::Compat,
        }
    }

    /// [`Self::respond`], with the scopes this request needs (its operation's) for the profile's
    /// challenges.
    pub fn respond_for(&self, error: AuthError, needed: Option<&[String]>) -> Result<ErrorResponse, AuthError> {
        match (&self.profile, needed) {
            (Some(challenge), Some(needed)) => {
                let needed = challenge_scopes(needed);
                let unauthorized_scope =
                    if needed.is_empty() { challenge.unauthorized_scope.clone() } else { needed.clone() };
                let scoped = ProfileChallenge { unauthorized_scope, insufficient_scope: needed };
                let message = error.message.clone().unwrap_or_else(|| self.description(&error).to_string());
                match self.profile_answer(&scoped, &error, &message)? {
                    Some(response) => Ok(response),
                    None => Err(error),
                }
            }
            _ => self.respond(error),
        }
    }

    /// The HTTP answer for a core error, or `Err` with the error to rethrow (no answer written).
    pub fn respond(&self, error: AuthError) -> Result<ErrorResponse, AuthError> {
        // Without details, a token-verification answer shows no cause: one answer per code.
        let cause_hidden = !self.show_error_details && error.kind == ErrorKind::TokenVerification;
        let same_answer = |known: &AuthError| {
            known.kind == error.kind
                && known.code == error.code
                && known.server_fault == error.server_fault
                && (cause_hidden || known.cause == error.cause)
        };
        match self.prebuilt.iter().find(|(known, _)| same_answer(known)) {
            Some((_, response)) => Ok(response.clone()),
            None => self.build(error),
        }
    }

    /// The description of a core error from the tables (its own message, if any, goes first).
    fn description(&self, error: &AuthError) -> &'static str {
        match error.kind {
            ErrorKind::BearerAuth => describe(BEARER_AUTH_ERRORS, &error.code, BEARER_AUTH_ERROR_FALLBACK),
            ErrorKind::TokenVerification => {
                describe(TOKEN_VERIFICATION_ERRORS, &error.code, TOKEN_VERIFICATION_ERROR_FALLBACK)
            }
            ErrorKind::AuthServer => describe(AUTH_SERVER_ERRORS, &error.code, AUTH_SERVER_ERROR_FALLBACK),
            _ => "",
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
        let answered = match &self.profile {
            Some(challenge) => self.profile_answer(challenge, &error, message)?,
            None => self.answer(error.kind, &error.code, message, body)?,
        };
        match answered {
            Some(response) => Ok(response),
            None => Err(error),
        }
    }

    /// The answer for an error raised outside the core: `Ok(None)` = not answered (rethrow it);
    /// `Err` = throw this error instead (an invalid `resource`).
    pub fn respond_thrown(&self, thrown: Thrown) -> Result<Option<ErrorResponse>, AuthError> {
        let kind = thrown.kind.unwrap_or(ErrorKind::Type);
        if let Some(challenge) = &self.profile {
            // The cause its `toJson(showErrorDetails)` shows, as compat shows it.
            let cause = thrown.to_json.get("cause").cloned();
            let error = AuthError { kind, code: thrown.code, message: None, cause, server_fault: None };
            return self.profile_answer(challenge, &error, &thrown.message);
        }
        self.answer(kind, &thrown.code, &thrown.message, || snake_case_keys(thrown.to_json))
    }

    /// The profile's answer to `error` (`message`: its description), `None` when it is rethrown.
    fn profile_answer(
        &self,
        challenge: &ProfileChallenge,
        error: &AuthError,
        message: &str,
    ) -> Result<Option<ErrorResponse>, AuthError> {
        use ErrorKind::{AuthServer, BearerAuth, Config, Network, TokenVerification};
        let resource_metadata = match &self.resource_metadata {
            Some(Err(type_error)) => return Err(type_error.clone()),
            Some(Ok(url)) => Some(url.clone()),
            None => None,
        };
        let scope = |scopes: &[String]| (!scopes.is_empty()).then(|| scopes.join(" "));
        // Details as compat shows them: a token's cause (error objects kept), or the server
        // error's own code and description.
        let cause = match error.kind {
            _ if !self.show_error_details => None,
            BearerAuth | TokenVerification => error.cause.clone().map(snake_case_keys),
            _ => Some(server_error_cause(&error.code, message)),
        };
        let cause = cause.as_ref();
        let fault = match error.server_fault {
            Some(fault) => Some(fault),
            None if error.kind == Network => Some(ServerFault::Unreachable),
            None if matches!(error.kind, AuthServer | Config) => Some(ServerFault::Misconfigured),
            None => None,
        };
        let without_challenge = |status, code, description| {
            let retry_after = (status == 503).then_some(RETRY_AFTER_S);
            let body = profile_body(Some(code), description, cause);
            Ok(Some(ErrorResponse { status, www_authenticate: None, body, retry_after }))
        };
        let some = |value: &str| Some(value.to_string());
        // Each challenge's parameters in the contract's order.
        match fault {
            Some(ServerFault::Unreachable) => return without_challenge(503, "temporarily_unavailable", UNAVAILABLE),
            Some(ServerFault::Misconfigured) => {
                return without_challenge(500, "server_error", AUTH_SERVER_ERROR_FALLBACK)
            }
            None => {}
        }
        let (status, code, description, params) = match (error.kind, error.code.as_str()) {
            (BearerAuth, "missing_auth_header") => (
                401,
                None,
                NO_CREDENTIALS,
                vec![("resource_metadata", resource_metadata), ("scope", scope(&challenge.unauthorized_scope))],
            ),
            (BearerAuth, "invalid_request") => {
                let description = error.message.as_deref().unwrap_or(MALFORMED_CREDENTIALS);
                (
                    400,
                    Some("invalid_request"),
                    description,
                    vec![
                        ("error", some("invalid_request")),
                        ("error_description", some(description)),
                        ("resource_metadata", resource_metadata),
                    ],
                )
            }
            // RFC 9449: the DPoP challenge carries it (see `DpopChallenge`).
            (BearerAuth, INVALID_DPOP_PROOF) => (
                401,
                Some(INVALID_DPOP_PROOF),
                error.message.as_deref().unwrap_or(message),
                vec![
                    ("error", some(INVALID_DPOP_PROOF)),
                    ("error_description", some(error.message.as_deref().unwrap_or(message))),
                    ("resource_metadata", resource_metadata),
                ],
            ),
            (BearerAuth, "missing_required_scopes") => (
                403,
                Some("insufficient_scope"),
                message,
                vec![
                    ("error", some("insufficient_scope")),
                    ("scope", scope(&challenge.insufficient_scope)),
                    ("resource_metadata", resource_metadata),
                    ("error_description", some(message)),
                ],
            ),
            (BearerAuth | TokenVerification, _) => (
                401,
                Some("invalid_token"),
                message,
                vec![
                    ("error", some("invalid_token")),
                    ("error_description", some(message)),
                    ("resource_metadata", resource_metadata),
                    ("scope", scope(&challenge.unauthorized_scope)),
                ],
            ),
            _ => return Ok(None),
        };
        let params: Vec<String> =
            params.into_iter().filter_map(|(name, value)| value.map(|v| format!("{name}={}", quoted(&v)))).collect();
        let www_authenticate =
            if params.is_empty() { "Bearer".to_string() } else { format!("Bearer {}", params.join(", ")) };
        Ok(Some(ErrorResponse {
            status,
            www_authenticate: Some(www_authenticate),
            body: profile_body(code, description, cause),
            retry_after: None,
        }))
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
                challenge_response(code, message, resource_metadata, body(), self.quote_strictly)
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

const NO_CREDENTIALS: &str = "An access token is required: send `Authorization: Bearer <token>`.";
const MALFORMED_CREDENTIALS: &str = "The `Authorization` header must be `Bearer` followed by one token.";
const UNAVAILABLE: &str = "The authorization server cannot be reached right now; try again later.";

/// An RFC 9110 quoted-string.
pub(super) fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `{ error, error_description }` of the profile (`cause` only when details are shown).
fn profile_body(code: Option<&str>, description: &str, cause: Option<&Value>) -> String {
    let mut body = Map::new();
    if let Some(code) = code {
        body.insert("error".into(), json!(code));
    }
    body.insert("error_description".into(), json!(description));
    if let Some(cause) = cause.filter(|c| truthy(c)) {
        body.insert("cause".into(), cause.clone());
    }
    Value::Object(body).to_string()
}

/// 401/403 with a `WWW-Authenticate` challenge. No escaping, as in the reference.
fn challenge_response(
    code: &str,
    message: &str,
    resource_metadata: Option<&str>,
    body: Value,
    quote_strictly: bool,
) -> ErrorResponse {
    let status = match code {
        "missing_required_scopes" => 403,
        // Only per-operation scopes raise it in compat (a request whose operation cannot be known).
        "invalid_request" => 400,
        _ => 401,
    };
    let mut params = vec![("error", code), ("error_description", message)];
    if status != 403 {
        params.push(("resource_metadata", resource_metadata.unwrap_or("")));
    }
    let header = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| if quote_strictly { format!("{k}={}", quoted(v)) } else { format!("{k}=\"{v}\"") })
        .collect::<Vec<_>>()
        .join(", ");
    ErrorResponse {
        status,
        www_authenticate: Some(format!("Bearer {header}")),
        body: body.to_string(),
        retry_after: None,
    }
}

/// The `cause` a 500 shows with details: the error's code and description.
fn server_error_cause(code: &str, message: &str) -> Value {
    let mut cause = Map::new();
    if !code.is_empty() {
        cause.insert("error".into(), json!(code));
    }
    if !message.is_empty() {
        cause.insert("error_description".into(), json!(message));
    }
    Value::Object(cause)
}

/// 500 for authorization-server and configuration errors.
fn server_error_response(code: &str, message: &str, show_error_details: bool) -> ErrorResponse {
    let mut body = json!({ "error": "server_error", "error_description": AUTH_SERVER_ERROR_FALLBACK });
    if show_error_details {
        body["cause"] = server_error_cause(code, message);
    }
    ErrorResponse { status: 500, www_authenticate: None, body: body.to_string(), retry_after: None }
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
            server_fault: None,
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
    fn challenge_parameters_are_quoted_strings() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
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
