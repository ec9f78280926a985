//! Random ids and tokens from the operating system's CSPRNG.

use crate::StoreError;

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(StoreError::Random)?;
    Ok(bytes)
}

/// A 128-bit random id as 32 lowercase hex characters, like meeting ids.
pub(crate) fn hex_id() -> Result<String, StoreError> {
    Ok(hex(&bytes::<16>()?))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A new secret for a link or a cookie: 256 random bits, base64url without
/// padding (43 characters). The server keeps only [`secret_hash`] of it.
pub(crate) fn secret() -> Result<String, StoreError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// The stored form of a secret: SHA-256, lowercase hex. A leaked database
/// or backup then opens no link and no session.
pub(crate) fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A meeting's dial-in number: [`DIAL_NUMBER_DIGITS`] decimal digits, the
/// first not zero (some keypads and gateways drop leading zeros), uniform.
pub(crate) fn dial_number() -> Result<String, StoreError> {
    const LOW: u32 = 10u32.pow(crate::DIAL_NUMBER_DIGITS - 1);
    const SPAN: u32 = 9 * LOW;
    // Rejection sampling: values past the largest multiple of SPAN would
    // make the low numbers likelier.
    let limit = u32::MAX - u32::MAX % SPAN;
    loop {
        let value = u32::from_le_bytes(bytes::<4>()?);
        if value < limit {
            return Ok((LOW + value % SPAN).to_string());
        }
    }
}
