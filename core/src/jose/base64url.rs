//! base64url as jose decodes JWS segments and JWK members.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

/// The URL-safe alphabet without padding; unused trailing bits are not checked (as `atob`).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// base64url as jose decodes it (WHATWG forgiving-base64 over the URL-safe alphabet): ASCII
/// whitespace is ignored, `=` may only pad to a multiple of 4, unused trailing bits are accepted.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let forgiving = |text: &[u8]| {
        let text = if text.len().is_multiple_of(4) {
            text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text)
        } else {
            text
        };
        if text.len() % 4 == 1 {
            return None;
        }
        BASE64URL.decode(text).ok()
    };
    let is_whitespace = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r');
    // Whitespace is rare: removed only when decoding as is failed.
    forgiving(input.as_bytes()).or_else(|| {
        let bytes = input.as_bytes();
        bytes
            .iter()
            .any(is_whitespace)
            .then(|| bytes.iter().copied().filter(|b| !is_whitespace(b)).collect::<Vec<u8>>())
            .and_then(|text| forgiving(&text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_decodes_as_jose() {
        let cases = [
            ("YQ", Some("61")),
            ("YQ=", None),
            ("YQ==", Some("61")),
            ("YR", Some("61")),
            ("Y Q", Some("61")),
            ("Y\tQ", Some("61")),
            ("YQ=a", None),
            ("YWJj=", None),
            ("YWI=", Some("6162")),
            ("Y", None),
            ("YQ===", None),
            ("Y+Q", None),
            ("Y/Q", None),
        ];
        for (input, expected) in cases {
            let hex = base64url_decode(input).map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
            assert_eq!(hex.as_deref(), expected, "{input:?}");
        }
    }
}
