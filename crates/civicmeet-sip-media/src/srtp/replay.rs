//! Packet indices: the rollover counter's estimate from a sequence number
//! (RFC 3711 §3.3.1) and the replay window (§3.3.2).
//!
//! Both work on the index (48 bits for SRTP: ROC * 2^16 + SEQ; 31 bits
//! for SRTCP) and neither changes anything by looking: `check` before
//! authentication, `accept` only after it.

use super::SrtpError;

/// Packets behind the newest one that the replay window still tells
/// apart (RFC 3711 asks for at least 64).
pub const REPLAY_WINDOW: u64 = 128;

/// The highest SRTP index there is: the rollover counter has 32 bits.
const MAX_RTP_INDEX: u64 = (1 << 48) - 1;

/// The index of a packet with sequence number `seq`, given the highest
/// index authenticated so far (§3.3.1): the rollover counter is guessed
/// as the current one, the one before, or the one after, whichever puts
/// the packet nearest the highest. [`SrtpError::TooOld`] for a packet
/// from before ROC 0, [`SrtpError::KeyExhausted`] past 2^48 packets.
pub(super) fn estimate_rtp_index(highest: u64, seq: u16) -> Result<u64, SrtpError> {
    let roc = highest >> 16;
    let last_seq = highest & 0xffff;
    let seq = u64::from(seq);
    let guess = if last_seq < 0x8000 {
        if seq > last_seq + 0x8000 {
            // Sent before the last wrap: older than anything at ROC 0.
            roc.checked_sub(1).ok_or(SrtpError::TooOld(seq))?
        } else {
            roc
        }
    } else if seq < last_seq - 0x8000 {
        roc + 1
    } else {
        roc
    };
    let index = guess << 16 | seq;
    if index > MAX_RTP_INDEX {
        return Err(SrtpError::KeyExhausted);
    }
    Ok(index)
}

/// The indices of one stream seen so far: the highest, and which of the
/// [`REPLAY_WINDOW`] before it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReplayWindow {
    highest: u64,
    /// Bit `k` set: index `highest - k` was accepted (bit 0 is `highest`).
    seen: u128,
}

impl ReplayWindow {
    /// A window whose first accepted index is `first`.
    pub(super) fn starting_at(first: u64) -> ReplayWindow {
        ReplayWindow {
            highest: first,
            seen: 1,
        }
    }

    pub(super) fn highest(&self) -> u64 {
        self.highest
    }

    /// Whether `index` may still be taken.
    pub(super) fn check(&self, index: u64) -> Result<(), SrtpError> {
        if index > self.highest {
            return Ok(());
        }
        let behind = self.highest - index;
        if behind >= REPLAY_WINDOW {
            return Err(SrtpError::TooOld(index));
        }
        if self.seen >> behind & 1 == 1 {
            return Err(SrtpError::Replayed(index));
        }
        Ok(())
    }

    /// Records `index` (which passed [`Self::check`]).
    pub(super) fn accept(&mut self, index: u64) {
        if index > self.highest {
            let ahead = index - self.highest;
            self.seen = if ahead >= REPLAY_WINDOW {
                1
            } else {
                self.seen << ahead | 1
            };
            self.highest = index;
        } else {
            let behind = self.highest - index;
            if behind < REPLAY_WINDOW {
                self.seen |= 1 << behind;
            }
        }
    }
}
