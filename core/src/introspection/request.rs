//! The introspection request (RFC 7662 §2.1): the form, and the client authentication of
//! RFC 6749 §2.3.1.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// How the resource server authenticates to the introspection endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic` of the form-urlencoded id and secret.
    Basic { id: String, secret: String },
    /// `client_id` and `client_secret` in the form.
    Post { id: String, secret: String },
    /// `client_id` in the form, no secret.
    None { id: String },
}

/// `application/x-www-form-urlencoded` (the WHATWG serializer): RFC 6749 §2.3.1 encodes the
/// client id and secret this way before Base64 too.
fn form_encode(value: &str, out: &mut String) {
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

fn encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    form_encode(value, &mut out);
    out
}

impl ClientAuth {
    pub fn id(&self) -> &str {
        match self {
            Self::Basic { id, .. } | Self::Post { id, .. } | Self::None { id } => id,
        }
    }

    /// The form body: `token`, `token_type_hint=access_token`, and the client's fields.
    pub fn form(&self, token: &str) -> String {
        let mut fields = vec![("token", token), ("token_type_hint", "access_token")];
        match self {
            Self::Basic { .. } => {}
            Self::Post { id, secret } => {
                fields.extend([("client_id", id.as_str()), ("client_secret", secret.as_str())])
            }
            Self::None { id } => fields.push(("client_id", id)),
        }
        let mut form = String::with_capacity(token.len() + 64);
        for (index, (name, value)) in fields.into_iter().enumerate() {
            if index > 0 {
                form.push('&');
            }
            form.push_str(name);
            form.push('=');
            form_encode(value, &mut form);
        }
        form
    }

    /// The request headers besides the form's content type.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if let Self::Basic { id, secret } = self {
            let credentials = STANDARD.encode(format!("{}:{}", encoded(id), encoded(secret)));
            headers.push(("authorization".to_string(), format!("Basic {credentials}")));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_and_client_authentication() {
        let basic = ClientAuth::Basic { id: "rs:1".into(), secret: "s p+%é".into() };
        assert_eq!(basic.form("a.b c"), "token=a.b+c&token_type_hint=access_token");
        let expected = STANDARD.encode("rs%3A1:s+p%2B%25%C3%A9");
        assert_eq!(basic.headers()[1], ("authorization".to_string(), format!("Basic {expected}")));
        let post = ClientAuth::Post { id: "rs".into(), secret: "x&y=".into() };
        assert_eq!(post.form("t"), "token=t&token_type_hint=access_token&client_id=rs&client_secret=x%26y%3D");
        assert_eq!(post.headers().len(), 1);
        assert_eq!(
            ClientAuth::None { id: "pub".into() }.form("t"),
            "token=t&token_type_hint=access_token&client_id=pub"
        );
    }
}
