//! SRTP and SRTCP (RFC 3711) for SIP legs whose keys came by SDES
//! (RFC 4568): the two crypto suites room systems offer,
//! `AES_CM_128_HMAC_SHA1_80` and `AES_CM_128_HMAC_SHA1_32`.
//!
//! One master key protects one direction of one m-line: the key in our
//! answer's `a=crypto` line protects what we send ([`SrtpSender`]), the
//! key in the peer's offer what it sends us ([`SrtpReceiver`]). From the
//! master key the six session keys are derived once (§4.3, key derivation
//! rate 0, as SDES uses it unless `KDR` says otherwise; we refuse `KDR`).
//! Payloads are encrypted with AES in counter mode whose IV mixes the
//! session salt, the SSRC and the packet index (§4.1.1); the header and
//! ciphertext, plus the rollover counter for RTP, are authenticated with
//! HMAC-SHA1 truncated to 80 or 32 bits (§4.2; SRTCP always 80, RFC 4568
//! §6.2.2). A receiver estimates each packet's rollover counter from its
//! sequence number (§3.3.1) and keeps a replay window of
//! [`REPLAY_WINDOW`] packets per SSRC (§3.3.2); an SRTCP packet carries
//! its own 31-bit index and the E flag (§3.4).
//!
//! Sans-IO and untrusted input, as everywhere in this crate: no socket,
//! no clock, and nothing from the network panics. A packet that fails
//! (too short, bad tag, replayed, too old) is an [`SrtpError`] and
//! changes no state: only an authenticated packet moves a window or a
//! rollover counter, so a forged packet cannot push the receiver out of
//! step with the sender. Keys are written over with zeros when the
//! contexts holding them are dropped; MKI is not supported (SDES peers
//! that ask for one are refused in the SDP).

mod cipher;
mod context;
mod replay;

use thiserror::Error;

pub use cipher::{KeyLabel, aes_cm_keystream, prf};
pub use context::{MAX_STREAMS, SrtpReceiver, SrtpSender};
pub use replay::REPLAY_WINDOW;

/// Bytes of an AES-128 master key.
pub const MASTER_KEY_LEN: usize = 16;
/// Bytes of a master salt (112 bits).
pub const MASTER_SALT_LEN: usize = 14;
/// The `inline:` key of an SDES `a=crypto` line: key then salt.
pub const MASTER_LEN: usize = MASTER_KEY_LEN + MASTER_SALT_LEN;

/// The SRTCP tag of both suites: 80 bits (RFC 4568 §6.2.2 keeps SRTCP at
/// 80 even where SRTP is cut to 32).
pub const RTCP_TAG_LEN: usize = 10;

/// The crypto suites of RFC 4568 §6.2 that civicmeet speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrtpProfile {
    /// AES-128 counter mode, HMAC-SHA1 tags of 80 bits.
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, RTP tags of 32 bits (SRTCP's stay 80).
    AesCm128HmacSha1_32,
}

impl SrtpProfile {
    /// The suite's name in an SDES `a=crypto` line.
    pub fn name(self) -> &'static str {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpProfile::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// The suite an `a=crypto` line names, if it is one of ours (suite
    /// names are case-sensitive, RFC 4568 §9.2).
    pub fn from_name(name: &str) -> Option<SrtpProfile> {
        match name {
            "AES_CM_128_HMAC_SHA1_80" => Some(SrtpProfile::AesCm128HmacSha1_80),
            "AES_CM_128_HMAC_SHA1_32" => Some(SrtpProfile::AesCm128HmacSha1_32),
            _ => None,
        }
    }

    /// Bytes of the tag at the end of an SRTP packet.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 10,
            SrtpProfile::AesCm128HmacSha1_32 => 4,
        }
    }

    /// Bytes of the tag at the end of an SRTCP packet.
    pub fn rtcp_tag_len(self) -> usize {
        RTCP_TAG_LEN
    }
}

/// A master key and salt, as an `a=crypto` line's `inline:` carries them.
/// Written over with zeros when dropped; its `Debug` shows no key.
pub struct MasterKey {
    key: [u8; MASTER_KEY_LEN],
    salt: [u8; MASTER_SALT_LEN],
}

impl MasterKey {
    pub fn new(key: [u8; MASTER_KEY_LEN], salt: [u8; MASTER_SALT_LEN]) -> MasterKey {
        MasterKey { key, salt }
    }

    /// From the 30 bytes of key then salt, or [`SrtpError::KeyLength`].
    pub fn from_slice(key_and_salt: &[u8]) -> Result<MasterKey, SrtpError> {
        let (Some(key), Some(salt)) = (
            key_and_salt.get(..MASTER_KEY_LEN),
            key_and_salt.get(MASTER_KEY_LEN..),
        ) else {
            return Err(SrtpError::KeyLength(key_and_salt.len()));
        };
        let (Ok(key), Ok(salt)) = (key.try_into(), salt.try_into()) else {
            return Err(SrtpError::KeyLength(key_and_salt.len()));
        };
        Ok(MasterKey::new(key, salt))
    }

    pub(crate) fn key(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.key
    }

    pub(crate) fn salt(&self) -> &[u8; MASTER_SALT_LEN] {
        &self.salt
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        wipe(&mut self.key);
        wipe(&mut self.salt);
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey { .. }")
    }
}

/// Why a packet was not protected or not accepted. None of these is a
/// panic, and none changes a context's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SrtpError {
    /// Fewer bytes than the header and the tag need.
    #[error("packet of {0} bytes is too short for SRTP")]
    TooShort(usize),
    /// Not RTP version 2.
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    /// The CSRC list or the header extension runs past the packet's end.
    #[error("the RTP header runs past the end of the packet")]
    HeaderOverrun,
    /// The tag does not match: forged, damaged, or another key.
    #[error("SRTP authentication failed")]
    Authentication,
    /// This index was already received (or, for a sender, already sent:
    /// sending it again would reuse keystream).
    #[error("packet index {0} was already seen")]
    Replayed(u64),
    /// Older than the replay window can tell.
    #[error("packet index {0} is older than the replay window")]
    TooOld(u64),
    /// More SSRCs in one context than [`MAX_STREAMS`].
    #[error("more SSRCs than one SRTP context keeps")]
    TooManyStreams,
    /// The master key has protected all the packets it may (2^48 SRTP,
    /// 2^31 SRTCP): the call must be re-keyed.
    #[error("the master key may protect no more packets")]
    KeyExhausted,
    /// A master key and salt that are not 30 bytes.
    #[error("SRTP master key and salt of {0} bytes, expected 30")]
    KeyLength(usize),
}

/// Writes zeros over key material in a way the optimiser keeps (a plain
/// fill of memory about to be freed may be left out): `zeroize`.
pub(crate) fn wipe(bytes: &mut [u8]) {
    zeroize::Zeroize::zeroize(bytes);
}
