//! The crate's error for what the layer above asks of an [`crate::Endpoint`].
//! Input from the network never becomes an `Error`: it is answered (or
//! dropped) where it arrives. [`crate::ParseError`] stays the parser's own
//! value, since it carries the message a malformed request is answered on.

use crate::call::CallId;
use crate::sdp::SdpError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such call, or it has ended meanwhile (the caller hung up while
    /// the layer above decided): nothing to do.
    #[error("no call {0}")]
    UnknownCall(CallId),
    #[error("{call} cannot {action} in its state")]
    WrongState { call: CallId, action: &'static str },
    #[error("{0} is not a final error status (300-699)")]
    InvalidStatus(u16),
    /// [`crate::MAX_CALLS`] calls are held: no call is dialled.
    #[error("too many calls")]
    TooManyCalls,
    /// The offer could not be answered; the call was answered 488 (or,
    /// for a dial-out, our media allows no offer).
    #[error(transparent)]
    Sdp(#[from] SdpError),
}
