//! The fixed texts of the contract: error messages per code and validation descriptions.
//! The JS shim exports the error tables from here, so each text exists once.

pub const AUTH_SERVER_ERRORS: &[(&str, &str)] = &[
    ("invalid_server_metadata", "The server metadata is invalid or malformed."),
    ("invalid_server_config", "The server configuration does not match the MCP specification."),
    ("missing_jwks_uri", "The server metadata does not contain a JWKS URI, which is required for JWT verification."),
];
pub const AUTH_SERVER_ERROR_FALLBACK: &str = "An error occurred with the authorization server.";

pub const BEARER_AUTH_ERRORS: &[(&str, &str)] = &[
    ("missing_auth_header", "Missing `Authorization` header. Please provide a valid bearer token."),
    ("invalid_auth_header_format", "Invalid `Authorization` header format. Expected \"Bearer <token>\"."),
    ("missing_bearer_token", "Missing bearer token in `Authorization` header. Please provide a valid token."),
    ("invalid_issuer", "The token issuer does not match the expected issuer."),
    ("invalid_audience", "The token audience does not match the expected audience."),
    ("missing_required_scopes", "The token does not contain the necessary scopes for this request."),
    ("invalid_token", "The provided token is not valid or has expired."),
];
pub const BEARER_AUTH_ERROR_FALLBACK: &str = "An error occurred with the Bearer auth.";

pub const TOKEN_VERIFICATION_ERRORS: &[(&str, &str)] = &[
    ("invalid_token", "The provided token is invalid or malformed."),
    ("token_verification_failed", "Token verification failed due to an error."),
];
pub const TOKEN_VERIFICATION_ERROR_FALLBACK: &str = "An error occurred while verifying the token.";

pub const VALIDATION_SUCCESSES: &[(&str, &str)] = &[
    ("server_metadata_valid", "The server metadata is valid and conforms to the expected schema."),
    ("dynamic_registration_supported", "Dynamic Client Registration (RFC 7591) is supported by the server."),
    ("pkce_supported", "Proof Key for Code Exchange (PKCE) is supported by the server."),
    (
        "s256_code_challenge_method_supported",
        "The \"S256\" code challenge method for Proof Key for Code Exchange (PKCE) is supported by the server.",
    ),
    ("authorization_code_grant_supported", "The \"authorization_code\" grant type is supported by the server."),
    ("code_response_type_supported", "The \"code\" response type is supported by the server."),
];

pub const VALIDATION_ERRORS: &[(&str, &str)] = &[
    (
        "invalid_server_metadata",
        "The server metadata is not a valid object or does not conform to the expected schema.",
    ),
    (
        "code_response_type_not_supported",
        "The server does not support the \"code\" response type or the \"code\" response type is not included in one of the supported response types.",
    ),
    ("authorization_code_grant_not_supported", "The server does not support the \"authorization_code\" grant type."),
    ("pkce_not_supported", "The server does not support Proof Key for Code Exchange (PKCE)."),
    (
        "s256_code_challenge_method_not_supported",
        "The server does not support the \"S256\" code challenge method for Proof Key for Code Exchange (PKCE).",
    ),
];

pub const VALIDATION_WARNINGS: &[(&str, &str)] =
    &[("dynamic_registration_not_supported", "Dynamic Client Registration (RFC 7591) is not supported by the server.")];

/// The text for `code` in `table`, or `fallback` when the code is not listed.
pub fn describe(table: &[(&str, &'static str)], code: &str, fallback: &'static str) -> &'static str {
    table.iter().find(|(c, _)| *c == code).map_or(fallback, |(_, text)| text)
}

/// `cause.message` when a metadata response is JSON but not an object.
pub const METADATA_NOT_AN_OBJECT: &str = "The server metadata is not a valid object or is null.";
