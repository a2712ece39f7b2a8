//! The `Authorization` header: `Bearer <token>`.

use crate::error::{AuthError, AuthResult, ErrorKind};

pub fn bearer_error(code: &str) -> AuthError {
    AuthError::new(ErrorKind::BearerAuth, code)
}

/// The token of `Bearer <token>`; splitting on single spaces only, as the reference does.
pub fn parse_authorization(header: Option<&str>) -> AuthResult<&str> {
    let header = header.filter(|h| !h.is_empty()).ok_or_else(|| bearer_error("missing_auth_header"))?;
    let mut parts = header.split(' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next();
    if !scheme.eq_ignore_ascii_case("bearer") || parts.next().is_some() {
        return Err(bearer_error("invalid_auth_header_format"));
    }
    token.filter(|t| !t.is_empty()).ok_or_else(|| bearer_error("missing_bearer_token"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing_like_the_reference() {
        assert_eq!(parse_authorization(None).unwrap_err().code, "missing_auth_header");
        assert_eq!(parse_authorization(Some("")).unwrap_err().code, "missing_auth_header");
        assert_eq!(parse_authorization(Some("Bearer")).unwrap_err().code, "missing_bearer_token");
        assert_eq!(parse_authorization(Some("bearer ")).unwrap_err().code, "missing_bearer_token");
        assert_eq!(parse_authorization(Some("Bearer  tok")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Bearer\ttok")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Basic abc")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("Bearer a b")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_authorization(Some("BEARER tok")).unwrap(), "tok");
    }
}
