//! The transforms of RFC 3711 §4: AES in counter mode (§4.1.1), the key
//! derivation PRF built on it (§4.3), and HMAC-SHA1 tags (§4.2), keyed
//! once per context so that a packet costs no key schedule.

use aes::Aes128;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use ctr::CtrCore;
use ctr::flavors::Ctr128BE;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::{MASTER_SALT_LEN, MasterKey, wipe};

/// The session keys' labels (RFC 3711 §4.3.1 for SRTP, §4.3.2 for
/// SRTCP): what the PRF is asked to derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLabel {
    RtpEncryption = 0x00,
    RtpAuthentication = 0x01,
    RtpSalt = 0x02,
    RtcpEncryption = 0x03,
    RtcpAuthentication = 0x04,
    RtcpSalt = 0x05,
}

/// The AES-CM PRF of RFC 3711 §4.3.3 with a key derivation rate of 0:
/// fills `out` with the keystream of the master key under the IV
/// `(master salt XOR label << 48) << 16`. Public for the test vectors of
/// Appendix B.3.
pub fn prf(master: &MasterKey, label: KeyLabel, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..MASTER_SALT_LEN].copy_from_slice(master.salt());
    // key_id = label || r (r = 0, 48 bits): the label's byte sits seven
    // bytes from the end of the 14-byte salt.
    iv[7] ^= label as u8;
    let aes = Aes128::new(master.key().into());
    out.fill(0);
    apply_counter_mode(&aes, &iv, out);
    wipe(&mut iv);
}

/// XORs `buf` with the AES-CM keystream of RFC 3711 §4.1.1 for the packet
/// with this `ssrc` and `index` (the 48-bit SRTP index or the 31-bit
/// SRTCP index). Public for the test vectors of Appendix B.2.
pub fn aes_cm_keystream(
    session_key: &[u8; 16],
    session_salt: &[u8; MASTER_SALT_LEN],
    ssrc: u32,
    index: u64,
    buf: &mut [u8],
) {
    let aes = Aes128::new(session_key.into());
    apply_counter_mode(&aes, &counter_iv(session_salt, ssrc, index), buf);
}

/// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), as 16 bytes.
fn counter_iv(salt: &[u8; MASTER_SALT_LEN], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..MASTER_SALT_LEN].copy_from_slice(salt);
    for (byte, ssrc_byte) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *byte ^= ssrc_byte;
    }
    // The index's low 48 bits land in bytes 8..14.
    for (byte, index_byte) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *byte ^= index_byte;
    }
    iv
}

/// Counter mode over a borrowed, already expanded AES key: the counter
/// is the whole 128-bit block, incremented big-endian (RFC 3711 §4.1.1
/// adds `j` modulo 2^128).
fn apply_counter_mode(aes: &Aes128, iv: &[u8; 16], buf: &mut [u8]) {
    let core = CtrCore::<&Aes128, Ctr128BE>::inner_iv_init(aes, iv.into());
    let mut cipher = StreamCipherCoreWrapper::from_core(core);
    // A 128-bit counter runs out after 2^132 bytes; no packet is that
    // long, so this cannot fail.
    let _ = cipher.try_apply_keystream(buf);
}

/// The keys of one kind of traffic (RTP or RTCP) of one context: the
/// expanded AES key, the salt and the HMAC keyed with the auth key.
pub(super) struct SessionCipher {
    aes: Aes128,
    salt: [u8; MASTER_SALT_LEN],
    mac: Hmac<Sha1>,
}

impl SessionCipher {
    /// Derives the SRTP (`rtcp == false`) or SRTCP session keys.
    pub(super) fn derive(master: &MasterKey, rtcp: bool) -> SessionCipher {
        let (encryption, authentication, salt_label) = if rtcp {
            (
                KeyLabel::RtcpEncryption,
                KeyLabel::RtcpAuthentication,
                KeyLabel::RtcpSalt,
            )
        } else {
            (
                KeyLabel::RtpEncryption,
                KeyLabel::RtpAuthentication,
                KeyLabel::RtpSalt,
            )
        };
        let mut key = [0u8; 16];
        let mut auth_key = [0u8; 20];
        let mut salt = [0u8; MASTER_SALT_LEN];
        prf(master, encryption, &mut key);
        prf(master, authentication, &mut auth_key);
        prf(master, salt_label, &mut salt);
        let aes = Aes128::new((&key).into());
        // HMAC takes a key of any length; 20 bytes cannot be refused.
        let mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&auth_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        wipe(&mut key);
        wipe(&mut auth_key);
        SessionCipher { aes, salt, mac }
    }

    /// Encrypts or decrypts `buf` in place for this SSRC and index.
    pub(super) fn apply(&self, ssrc: u32, index: u64, buf: &mut [u8]) {
        let mut iv = counter_iv(&self.salt, ssrc, index);
        apply_counter_mode(&self.aes, &iv, buf);
        wipe(&mut iv);
    }

    /// The full 20-byte HMAC-SHA1 of the parts, in order (callers keep the
    /// leading bytes their suite's tag has).
    pub(super) fn tag(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

impl Drop for SessionCipher {
    fn drop(&mut self) {
        // The AES key schedule and the HMAC state zero themselves (the
        // crates' `zeroize` feature); the salt is ours to clear.
        wipe(&mut self.salt);
    }
}
