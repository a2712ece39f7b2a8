//! The `Authorization` header: `Bearer <token>` (and `DPoP <token>` for a middleware with `dpop`).

use crate::error::{AuthError, AuthResult, ErrorKind};

pub fn bearer_error(code: &str) -> AuthError {
    AuthError::new(ErrorKind::BearerAuth, code)
}

/// The authentication scheme of a request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    /// RFC 9449: a sender-constrained token, with a `DPoP` proof header.
    DPoP,
}

impl Scheme {
    /// The scheme named `name` (case-insensitive); `DPoP` only when `dpop` is accepted.
    pub fn named(name: &str, dpop: bool) -> Option<Self> {
        if name.eq_ignore_ascii_case("bearer") {
            Some(Self::Bearer)
        } else if dpop && name.eq_ignore_ascii_case("dpop") {
            Some(Self::DPoP)
        } else {
            None
        }
    }
}

/// The token of `Bearer <token>`; splitting on single spaces only, as the reference does.
pub fn parse_authorization(header: Option<&str>) -> AuthResult<&str> {
    parse_scheme_and_token(header, false).map(|(_, token)| token)
}

/// [`parse_authorization`], also accepting `DPoP <token>` when `dpop` is true.
pub fn parse_scheme_and_token(header: Option<&str>, dpop: bool) -> AuthResult<(Scheme, &str)> {
    let header = header.filter(|h| !h.is_empty()).ok_or_else(|| bearer_error("missing_auth_header"))?;
    let mut parts = header.split(' ');
    let scheme = Scheme::named(parts.next().unwrap_or(""), dpop);
    let token = parts.next();
    let Some(scheme) = scheme.filter(|_| parts.next().is_none()) else {
        return Err(bearer_error("invalid_auth_header_format"));
    };
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| bearer_error("missing_bearer_token"))?;
    Ok((scheme, token))
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
        assert_eq!(parse_authorization(Some("DPoP tok")).unwrap_err().code, "invalid_auth_header_format");
        assert_eq!(parse_scheme_and_token(Some("dpop tok"), true).unwrap(), (Scheme::DPoP, "tok"));
        assert_eq!(parse_scheme_and_token(Some("Bearer tok"), true).unwrap(), (Scheme::Bearer, "tok"));
        assert_eq!(parse_scheme_and_token(Some("DPoP"), true).unwrap_err().code, "missing_bearer_token");
    }
}
