//! SDES (RFC 4568): the `a=crypto` lines that carry SRTP master keys in
//! the SDP of a call over SIP TLS.
//!
//! Each side puts the key it will send with into its own description:
//! the offer's key protects what the offerer sends, the answer's what
//! the answerer sends. [`answer_crypto`] takes an m-line's offered lines
//! (as [`super::MediaDescription::crypto`] keeps them), chooses the
//! first one civicmeet can use, and writes our answer's line with the
//! fresh key the caller hands in: sans-IO, so no random number generator
//! in here. Taken: `AES_CM_128_HMAC_SHA1_80` and `_32`, one `inline:` key
//! of 30 bytes (key and salt), an optional lifetime. Refused: other
//! suites, MKI (which would add bytes to every packet that our SRTP does
//! not write), several keys, and the session parameters that change what
//! SRTP does (`KDR`, `UNENCRYPTED_*`, `UNAUTHENTICATED_SRTP`, `FEC_KEY`).
//! A line is bounded by [`super::MAX_LINE`], and nothing in it can make
//! the parser panic.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::MAX_LINE;

/// Bytes of an SDES key for the AES-128 suites: a 16-byte master key and
/// a 14-byte master salt.
pub const SDES_KEY_LEN: usize = 30;

/// The largest SRTP lifetime there is: 2^48 packets (RFC 3711 §9.2).
const MAX_LIFETIME_EXPONENT: u32 = 48;

/// Base64 as RFC 4568 §6.1 uses it (RFC 4648's alphabet); padding is
/// taken with or without, since peers differ and 30 bytes need none.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The crypto suites civicmeet takes (RFC 4568 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CryptoSuite {
    /// AES-128 counter mode, 80-bit HMAC-SHA1 tags.
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, 32-bit tags on SRTP (80 on SRTCP).
    AesCm128HmacSha1_32,
}

impl CryptoSuite {
    /// The suite's name, as the media layer's SRTP profiles also take it.
    pub fn name(self) -> &'static str {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// Suite names are case-sensitive (RFC 4568 §9.2).
    pub fn from_name(name: &str) -> Option<CryptoSuite> {
        match name {
            "AES_CM_128_HMAC_SHA1_80" => Some(CryptoSuite::AesCm128HmacSha1_80),
            "AES_CM_128_HMAC_SHA1_32" => Some(CryptoSuite::AesCm128HmacSha1_32),
            _ => None,
        }
    }
}

impl fmt::Display for CryptoSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An SDES master key and salt (30 bytes). Written over with zeros when
/// dropped (every clone too); its `Debug` shows no key. Equality is for
/// telling a changed key from the same one in a re-offer, not a check
/// against an attacker's guess.
#[derive(Clone, PartialEq, Eq)]
pub struct SdesKey([u8; SDES_KEY_LEN]);

impl SdesKey {
    pub fn new(bytes: [u8; SDES_KEY_LEN]) -> SdesKey {
        SdesKey(bytes)
    }

    /// Key then salt, as `civicmeet_sip_media::MasterKey::from_slice`
    /// takes them.
    pub fn bytes(&self) -> &[u8; SDES_KEY_LEN] {
        &self.0
    }
}

impl Drop for SdesKey {
    fn drop(&mut self) {
        // Zeros the optimiser keeps, though the memory is about to go.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for SdesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SdesKey { .. }")
    }
}

/// One `a=crypto` line that civicmeet can use.
#[derive(Debug)]
pub struct CryptoAttribute {
    /// The line's tag (1 to 9 digits); the answer repeats it.
    pub tag: u32,
    pub suite: CryptoSuite,
    pub key: SdesKey,
    /// The key's lifetime in packets, if the line gave one (`|2^31`).
    pub lifetime: Option<u64>,
}

/// What the answer to an m-line's `a=crypto` lines agreed.
#[derive(Debug, Clone)]
pub struct SdesAnswer {
    /// Our answer's attribute line, `a=crypto:<tag> <suite> inline:<key>`
    /// (without the line's CRLF).
    pub line: String,
    pub tag: u32,
    pub suite: CryptoSuite,
    /// The peer's key, from its offer: it protects what the peer sends,
    /// so it opens what we receive.
    pub remote_key: SdesKey,
    /// Our key, the one in `line`: it protects what we send.
    pub local_key: SdesKey,
    /// The lifetime the peer gave its key, if any.
    pub remote_lifetime: Option<u64>,
}

/// Why an `a=crypto` line was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("a=crypto line longer than {MAX_LINE} bytes")]
    TooLong,
    #[error("a=crypto line malformed: {0}")]
    Malformed(&'static str),
    #[error("crypto suite not supported")]
    UnknownSuite,
    #[error("key method other than inline")]
    UnknownKeyMethod,
    #[error("SDES key of {0} bytes, expected {SDES_KEY_LEN}")]
    KeyLength(usize),
    #[error("MKI is not supported")]
    Mki,
    #[error("more than one key is not supported")]
    SeveralKeys,
    #[error("session parameter not supported: {0}")]
    SessionParameter(&'static str),
    #[error("none of the offered a=crypto lines can be used")]
    NothingUsable,
}

/// Parses one `a=crypto` line: the whole line (`a=crypto:1 AES_CM...`),
/// or its value as [`super::MediaDescription::crypto`] keeps it.
pub fn parse_crypto(line: &str) -> Result<CryptoAttribute, CryptoError> {
    if line.len() > MAX_LINE {
        return Err(CryptoError::TooLong);
    }
    let value = line.trim();
    let value = value.strip_prefix("a=").unwrap_or(value);
    let value = value.strip_prefix("crypto:").unwrap_or(value);
    let mut fields = value.split_ascii_whitespace();
    let tag = parse_tag(fields.next().ok_or(CryptoError::Malformed("empty"))?)?;
    let suite_name = fields
        .next()
        .ok_or(CryptoError::Malformed("no crypto suite"))?;
    let key_params = fields.next().ok_or(CryptoError::Malformed("no key"))?;
    for parameter in fields {
        check_session_parameter(parameter)?;
    }
    let suite = CryptoSuite::from_name(suite_name).ok_or(CryptoError::UnknownSuite)?;
    let (key, lifetime) = parse_key_params(key_params)?;
    Ok(CryptoAttribute {
        tag,
        suite,
        key,
        lifetime,
    })
}

/// Chooses the first of an m-line's offered `a=crypto` lines that
/// civicmeet can use (the offerer lists them best first, RFC 4568
/// §5.1.1), and writes our answer with `fresh_key` (30 random bytes from
/// the caller's cryptographic RNG, never reused): the same tag and suite,
/// our own key. [`CryptoError::NothingUsable`] when no line fits; the
/// m-line is then refused, or a plain `RTP/AVP` alternative taken where
/// the configuration allows it.
pub fn answer_crypto<S: AsRef<str>>(
    offered: &[S],
    fresh_key: &[u8; SDES_KEY_LEN],
) -> Result<SdesAnswer, CryptoError> {
    let chosen = offered
        .iter()
        .find_map(|line| parse_crypto(line.as_ref()).ok())
        .ok_or(CryptoError::NothingUsable)?;
    let local_key = SdesKey::new(*fresh_key);
    Ok(SdesAnswer {
        line: crypto_line(chosen.tag, chosen.suite, &local_key),
        tag: chosen.tag,
        suite: chosen.suite,
        remote_key: chosen.key,
        local_key,
        remote_lifetime: chosen.lifetime,
    })
}

/// An `a=crypto` line (without CRLF) offering or answering `key` with
/// this tag and suite, no lifetime and no MKI.
pub fn crypto_line(tag: u32, suite: CryptoSuite, key: &SdesKey) -> String {
    format!(
        "a=crypto:{tag} {} inline:{}",
        suite.name(),
        BASE64.encode(key.bytes())
    )
}

fn parse_tag(text: &str) -> Result<u32, CryptoError> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CryptoError::Malformed("tag is not 1 to 9 digits"));
    }
    text.parse()
        .map_err(|_| CryptoError::Malformed("tag is not 1 to 9 digits"))
}

/// `inline:<key||salt>[|lifetime][|mki:length]`, one key only.
fn parse_key_params(text: &str) -> Result<(SdesKey, Option<u64>), CryptoError> {
    if text.contains(';') {
        return Err(CryptoError::SeveralKeys);
    }
    let (method, info) = text
        .split_once(':')
        .ok_or(CryptoError::Malformed("key has no method"))?;
    if !method.eq_ignore_ascii_case("inline") {
        return Err(CryptoError::UnknownKeyMethod);
    }
    let mut parts = info.split('|');
    let encoded = parts.next().unwrap_or_default();
    let mut lifetime = None;
    for part in parts {
        if part.contains(':') {
            return Err(CryptoError::Mki);
        }
        if lifetime.is_some() {
            return Err(CryptoError::Malformed("two lifetimes"));
        }
        lifetime = Some(parse_lifetime(part)?);
    }
    Ok((decode_key(encoded)?, lifetime))
}

fn decode_key(encoded: &str) -> Result<SdesKey, CryptoError> {
    // 30 bytes are 40 characters; anything much longer is not our key and
    // is not decoded at all.
    if encoded.len() > 64 {
        return Err(CryptoError::KeyLength(encoded.len() * 3 / 4));
    }
    let mut bytes = BASE64
        .decode(encoded)
        .map_err(|_| CryptoError::Malformed("key is not base64"))?;
    let key = <[u8; SDES_KEY_LEN]>::try_from(bytes.as_slice())
        .map_err(|_| CryptoError::KeyLength(bytes.len()));
    // The decoded copy held key material too.
    zeroize::Zeroize::zeroize(&mut bytes);
    key.map(SdesKey::new)
}

/// `2^n` or a decimal number of packets, at most 2^48.
fn parse_lifetime(text: &str) -> Result<u64, CryptoError> {
    let bad = CryptoError::Malformed("lifetime is not 2^n or a number");
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let packets = if let Some(exponent) = text.strip_prefix("2^") {
        if !digits(exponent) {
            return Err(bad);
        }
        let exponent: u32 = exponent.parse().map_err(|_| bad)?;
        if exponent > MAX_LIFETIME_EXPONENT {
            return Err(bad);
        }
        1u64 << exponent
    } else {
        if !digits(text) {
            return Err(bad);
        }
        text.parse().map_err(|_| bad)?
    };
    if packets == 0 || packets > 1 << MAX_LIFETIME_EXPONENT {
        return Err(bad);
    }
    Ok(packets)
}

/// Session parameters (RFC 4568 §6.3): the window size hint and the FEC
/// order (there is no FEC here) change nothing and are taken; those that
/// change what SRTP does are refused, and so is any other, since we
/// cannot know that it does not.
fn check_session_parameter(parameter: &str) -> Result<(), CryptoError> {
    let name = parameter.split('=').next().unwrap_or_default();
    match name {
        "WSH" | "FEC_ORDER" => Ok(()),
        "KDR" => Err(CryptoError::SessionParameter("KDR")),
        "UNENCRYPTED_SRTP" => Err(CryptoError::SessionParameter("UNENCRYPTED_SRTP")),
        "UNENCRYPTED_SRTCP" => Err(CryptoError::SessionParameter("UNENCRYPTED_SRTCP")),
        "UNAUTHENTICATED_SRTP" => Err(CryptoError::SessionParameter("UNAUTHENTICATED_SRTP")),
        "FEC_KEY" => Err(CryptoError::SessionParameter("FEC_KEY")),
        _ => Err(CryptoError::SessionParameter("unknown")),
    }
}
