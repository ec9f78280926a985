//! Our side of a call's media security: fresh SDES master keys (RFC 4568)
//! for the answer, drawn from the operating system's generator (the
//! sans-IO SIP crate takes randomness as input), and whether plain RTP is
//! taken (`sip.plain_rtp`). The endpoint itself drops the keys for calls
//! that did not come over TLS.

use civicmeet_sip::sdp::MediaSecurity;
use civicmeet_sip::sdp::SdesKeys;
use civicmeet_sip::sdp::crypto::{SDES_KEY_LEN, SdesKey};

/// What a new call may agree to: SRTP with keys of its own, and plain RTP
/// when `plain_rtp`. Without the OS generator there are no keys, so no
/// SRTP (and, with plain RTP refused, no call): a predictable key would
/// be worse than none.
pub fn for_new_call(plain_rtp: bool) -> MediaSecurity {
    MediaSecurity {
        sdes: fresh_keys(),
        plain_rtp,
    }
}

fn fresh_keys() -> Option<SdesKeys> {
    let mut audio = [0u8; SDES_KEY_LEN];
    let mut video = [0u8; SDES_KEY_LEN];
    let drawn = getrandom::fill(&mut audio).and_then(|()| getrandom::fill(&mut video));
    let keys = drawn.ok().map(|()| SdesKeys {
        audio: SdesKey::new(audio),
        video: SdesKey::new(video),
    });
    // The keys live on in `SdesKey`s, which wipe themselves; these copies
    // are wiped here.
    zeroize::Zeroize::zeroize(&mut audio);
    zeroize::Zeroize::zeroize(&mut video);
    if keys.is_none() {
        tracing::error!("the system random number generator failed: no SRTP for this call");
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_and_every_m_line_gets_its_own_key() {
        let (a, b) = (for_new_call(true), for_new_call(false));
        let (a_keys, b_keys) = (a.sdes.unwrap(), b.sdes.unwrap());
        assert_ne!(a_keys.audio, a_keys.video);
        assert_ne!(a_keys.audio, b_keys.audio);
        assert!(a.plain_rtp && !b.plain_rtp);
    }
}
