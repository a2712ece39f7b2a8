//! Where the metadata of an issuer lives (RFC 8414 §3 for `oauth`, OpenID Connect Discovery for
//! `oidc`), derived exactly like the reference does.

use crate::error::{AuthError, AuthResult};
use reqwest::Url;

pub const OAUTH_PATH: &str = "/.well-known/oauth-authorization-server";
pub const OIDC_PATH: &str = "/.well-known/openid-configuration";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerType {
    OAuth,
    Oidc,
}

impl ServerType {
    /// `'oauth'` selects the OAuth rule; any other value the OIDC rule (as the reference does).
    pub fn from_name(name: &str) -> Self {
        if name == "oauth" {
            Self::OAuth
        } else {
            Self::Oidc
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::OAuth => "oauth",
            Self::Oidc => "oidc",
        }
    }
}

/// Splits on `/`, drops empty and `.` segments, lets a dots-only segment remove the previous one.
pub fn normalize_path(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." {
            continue;
        }
        if segment.bytes().all(|b| b == b'.') {
            kept.pop();
            continue;
        }
        kept.push(segment);
    }
    format!("/{}", kept.join("/"))
}

/// Parses a URL the way WHATWG `new URL()` does, failing like Node (`TypeError: Invalid URL`).
pub fn parse_url(input: &str) -> AuthResult<Url> {
    Url::parse(input).map_err(|_| AuthError::invalid_url(input, None))
}

/// The well-known metadata URL of `issuer` for `server_type`.
pub fn well_known_url(issuer: &str, server_type: ServerType) -> AuthResult<Url> {
    let mut url = parse_url(issuer)?;
    match server_type {
        ServerType::OAuth => {
            // Query and fragment stay; the issuer path goes after the well-known segment.
            let path = normalize_path(&format!("{OAUTH_PATH}/{}", url.path()));
            url.set_path(&path);
        }
        ServerType::Oidc => {
            let path = normalize_path(&format!("{}{OIDC_PATH}", url.path()));
            url.set_path(&path);
            url.set_query(None);
            url.set_fragment(None);
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(issuer: &str) -> String {
        well_known_url(issuer, ServerType::OAuth).unwrap().to_string()
    }

    fn oidc(issuer: &str) -> String {
        well_known_url(issuer, ServerType::Oidc).unwrap().to_string()
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path("/a//b/"), "/a/b");
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/a/.../c"), "/c");
        assert_eq!(normalize_path(""), "/");
    }

    #[test]
    fn oauth_rule() {
        let base = "https://ex.com/.well-known/oauth-authorization-server";
        assert_eq!(oauth("https://ex.com"), base);
        assert_eq!(oauth("https://ex.com/"), base);
        assert_eq!(oauth("https://ex.com/tenant"), format!("{base}/tenant"));
        assert_eq!(oauth("https://ex.com/tenant/"), format!("{base}/tenant"));
        assert_eq!(oauth("https://ex.com/a//b/"), format!("{base}/a/b"));
        assert_eq!(oauth("https://ex.com/t/?x=1#f"), format!("{base}/t?x=1#f"));
        assert_eq!(oauth("https://ex.com/p/?x=1#f"), format!("{base}/p?x=1#f"));
    }

    #[test]
    fn oidc_rule() {
        assert_eq!(oidc("https://ex.com"), "https://ex.com/.well-known/openid-configuration");
        assert_eq!(oidc("https://ex.com/tenant/"), "https://ex.com/tenant/.well-known/openid-configuration");
        assert_eq!(oidc("https://ex.com/a//b/"), "https://ex.com/a/b/.well-known/openid-configuration");
        assert_eq!(oidc("https://ex.com/t/?x=1#f"), "https://ex.com/t/.well-known/openid-configuration");
        assert_eq!(oidc("http://127.0.0.1:8080/p"), "http://127.0.0.1:8080/p/.well-known/openid-configuration");
    }

    #[test]
    fn unknown_type_names_use_oidc_and_bad_issuers_fail() {
        assert_eq!(ServerType::from_name("OIDC"), ServerType::Oidc);
        let err = well_known_url("not a url", ServerType::OAuth).unwrap_err();
        assert_eq!(err.code, "ERR_INVALID_URL");
    }
}
