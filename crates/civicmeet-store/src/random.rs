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
