//! The router's one error type.

use crate::ParticipantId;

/// Why the router refused a call. None of these disturbs other participants.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    #[error("participant {0} is already in the router")]
    DuplicateParticipant(ParticipantId),
    #[error("participant {0} is not in the router")]
    UnknownParticipant(ParticipantId),
    #[error("invalid ICE candidate address: {0}")]
    BadCandidate(String),
    #[error("the SDP could not be parsed: {0}")]
    SdpParse(String),
    #[error("the SDP could not be negotiated: {0}")]
    SdpNegotiation(String),
    #[error("an answer arrived but no offer was pending")]
    NoPendingOffer,
}
