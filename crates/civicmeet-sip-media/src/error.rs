//! The crate's one error type: everything that can be wrong with media
//! that arrived from the network or with frames handed in by the caller.

use thiserror::Error;

/// Why a packet, a payload or a frame was refused. Nothing in this crate
/// panics on input: each malformed case has a variant here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// Fewer bytes than the fixed 12-byte RTP header (or than a header
    /// field says follow).
    #[error("RTP packet of {0} bytes is shorter than its header")]
    TooShort(usize),
    /// The version field is not 2 (RFC 3550 §5.1).
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    /// The packet is RTCP multiplexed on the RTP port (RFC 5761 §4): route
    /// it to the RTCP handler instead.
    #[error("RTCP packet type {0} on the RTP port")]
    Rtcp(u8),
    /// The CSRC count promises more identifiers than the packet holds.
    #[error("CSRC list runs past the end of the packet")]
    CsrcOverrun,
    /// The header extension's length runs past the end of the packet.
    #[error("header extension runs past the end of the packet")]
    ExtensionOverrun,
    /// The padding bit is set but the padding count is zero or larger
    /// than what follows the header.
    #[error("padding count {0} does not fit the packet")]
    Padding(u8),
    /// A payload larger than this crate keeps (see `rtp::MAX_PAYLOAD`).
    #[error("payload of {0} bytes is too large")]
    PayloadTooLarge(usize),
    /// A telephone-event payload (RFC 4733) shorter than its 4 bytes.
    #[error("telephone-event payload of {0} bytes, expected 4")]
    EventTooShort(usize),
    /// A PCM frame of the wrong length for the operation (frames are
    /// always whole 20 ms).
    #[error("frame of {got} samples where {expected} were expected")]
    FrameLength { got: usize, expected: usize },
    /// More mix-minus contributions than the mixer sums without overflow.
    #[error("{0} participants are more than the mixer takes")]
    TooManyParticipants(usize),
    /// A video payload that does not follow its format (RFC 6184,
    /// RFC 7741), or a frame that cannot be put together from them.
    #[error("video payload: {0}")]
    VideoPayload(&'static str),
    /// The Opus codec refused a packet or a frame (its own words).
    #[error("opus: {0}")]
    Opus(&'static str),
}
