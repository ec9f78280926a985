//! The booking form's proof of work (BK-5), self-hosted.
//!
//! The form carries a challenge the server signed (HMAC-SHA-256 with a key
//! made at process start), holding the time it was issued and 16 random
//! bytes. `assets/js/pow.js` finds a nonce such that
//! SHA-256(challenge || nonce) starts with `bits` zero bits and puts it in
//! the form. The server checks the signature, the age (at most
//! [`MAX_AGE_SECS`]), the work, and that the challenge was not used before.
//!
//! Without JavaScript the nonce stays empty; the form still works, but the
//! server then requires that at least [`NO_SCRIPT_MIN_SECS`] seconds passed
//! since the challenge was issued: a person filling in the form takes
//! longer than that, a script posting in a loop does not.
//!
//! A restart makes a new key, so forms open across it must be sent again.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A challenge older than this is stale.
pub const MAX_AGE_SECS: i64 = 60 * 60;
/// Without a nonce, a form must take at least this long to fill in.
pub const NO_SCRIPT_MIN_SECS: i64 = 10;

const RANDOM_LEN: usize = 16;
const MAC_LEN: usize = 16;

/// Why a proof is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowError {
    /// Not ours, damaged, or from before a restart.
    Invalid,
    Stale,
    /// Already used for a booking.
    Reused,
    /// The nonce does not do the work.
    NotSolved,
    /// No nonce, and sent too quickly for a person.
    TooFast,
}

/// Issues and checks challenges; one per process.
pub struct ProofOfWork {
    key: [u8; 32],
    bits: u8,
    /// Challenges already used, with when they go stale (then forgotten).
    used: Mutex<HashMap<String, i64>>,
}

impl ProofOfWork {
    /// A fresh key; `None` if the system's random source fails.
    pub fn new(bits: u8) -> Option<ProofOfWork> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).ok()?;
        Some(ProofOfWork {
            key,
            bits,
            used: Mutex::new(HashMap::new()),
        })
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// A challenge issued at `now` (seconds since the epoch).
    pub fn issue(&self, now: i64) -> Option<String> {
        let mut body = Vec::with_capacity(8 + RANDOM_LEN + MAC_LEN);
        body.extend_from_slice(&now.to_be_bytes());
        let mut random = [0u8; RANDOM_LEN];
        getrandom::fill(&mut random).ok()?;
        body.extend_from_slice(&random);
        let mac = self.mac(&body);
        body.extend_from_slice(&mac[..MAC_LEN]);
        Some(URL_SAFE_NO_PAD.encode(body))
    }

    /// Checks a proof and, if it holds, marks the challenge used.
    pub fn verify(&self, challenge: &str, nonce: &str, now: i64) -> Result<(), PowError> {
        let issued = self.issued_at(challenge).ok_or(PowError::Invalid)?;
        let age = now - issued;
        if !(0..=MAX_AGE_SECS).contains(&age) {
            return Err(PowError::Stale);
        }
        if nonce.is_empty() {
            if age < NO_SCRIPT_MIN_SECS {
                return Err(PowError::TooFast);
            }
        } else if nonce.len() > 20 || !solves(challenge, nonce, self.bits) {
            return Err(PowError::NotSolved);
        }
        // A poisoned lock only means another request panicked mid-insert;
        // the map is still a valid map.
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.retain(|_, stale_at| *stale_at > now);
        if used.contains_key(challenge) {
            return Err(PowError::Reused);
        }
        used.insert(challenge.to_string(), issued + MAX_AGE_SECS);
        Ok(())
    }

    /// When a challenge of ours was issued; `None` if it is not ours.
    fn issued_at(&self, challenge: &str) -> Option<i64> {
        if challenge.len() > 64 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(challenge).ok()?;
        if bytes.len() != 8 + RANDOM_LEN + MAC_LEN {
            return None;
        }
        let (body, mac) = bytes.split_at(8 + RANDOM_LEN);
        let mut check = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).ok()?;
        check.update(body);
        check.verify_truncated_left(mac).ok()?;
        let mut time = [0u8; 8];
        time.copy_from_slice(&body[..8]);
        Some(i64::from_be_bytes(time))
    }

    fn mac(&self, body: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts a 32-byte key");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }
}

/// Whether SHA-256(challenge || nonce) has `bits` leading zero bits.
pub fn solves(challenge: &str, nonce: &str, bits: u8) -> bool {
    let digest = Sha256::new()
        .chain_update(challenge.as_bytes())
        .chain_update(nonce.as_bytes())
        .finalize();
    leading_zero_bits(&digest) >= u32::from(bits)
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut count = 0;
    for byte in bytes {
        if *byte == 0 {
            count += 8;
        } else {
            return count + byte.leading_zeros();
        }
    }
    count
}

/// The nonce a browser would find (decimal, counting up): for tests and
/// for checking the script's work.
pub fn solve(challenge: &str, bits: u8) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| solves(challenge, n, bits))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solved_challenge_passes_once() {
        let pow = ProofOfWork::new(8).unwrap();
        let challenge = pow.issue(1000).unwrap();
        let nonce = solve(&challenge, 8);
        assert_eq!(pow.verify(&challenge, &nonce, 1001), Ok(()));
        assert_eq!(pow.verify(&challenge, &nonce, 1002), Err(PowError::Reused));
    }

    #[test]
    fn forged_stale_unsolved_and_hasty_challenges_fail() {
        let pow = ProofOfWork::new(12).unwrap();
        let other = ProofOfWork::new(12).unwrap();
        let foreign = other.issue(1000).unwrap();
        assert_eq!(pow.verify(&foreign, "1", 1001), Err(PowError::Invalid));
        let challenge = pow.issue(1000).unwrap();
        assert_eq!(
            pow.verify(&challenge, "", 1000 + MAX_AGE_SECS + 1),
            Err(PowError::Stale)
        );
        let wrong = (0u64..)
            .map(|n| n.to_string())
            .find(|n| !solves(&challenge, n, 12))
            .unwrap();
        assert_eq!(
            pow.verify(&challenge, &wrong, 1001),
            Err(PowError::NotSolved)
        );
        assert_eq!(pow.verify(&challenge, "", 1005), Err(PowError::TooFast));
        assert_eq!(
            pow.verify(&challenge, "", 1000 + NO_SCRIPT_MIN_SECS),
            Ok(())
        );
    }

    #[test]
    fn zero_bits() {
        assert_eq!(leading_zero_bits(&[0, 0x10]), 11);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
    }
}
