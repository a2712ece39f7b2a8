//! SHA-256 digests that stand for secrets (tokens, proof identifiers) in caches and stores.

/// The SHA-256 of `text`.
pub fn sha256(text: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(digest.as_ref());
    bytes
}

/// The SHA-256 of `text`, in lowercase hex.
pub fn hex_sha256(text: &str) -> String {
    sha256(text).iter().map(|byte| format!("{byte:02x}")).collect()
}
