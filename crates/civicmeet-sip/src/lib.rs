//! SIP for civicmeet (RFC 3261), sans-IO: room systems and phones dial in.
//!
//! This crate never touches a socket and never reads the clock; a thin
//! shell feeds it datagrams (and, later, stream frames and time) and sends
//! what it returns. So far it holds the message layer: [`parse`] turns a
//! datagram into a [`Message`] or a [`ParseError`] that says whether the
//! sender deserves an answer, and [`Message::response`] builds the answer
//! to a request (RFC 3261 §8.2.6: Via, From, To, Call-ID and CSeq copied,
//! a tag added to To). [`Transactions`] are RFC 3261 §17.2 server
//! transactions over UDP: retransmitted requests absorbed, final responses
//! retransmitted until ACK, timers on a clock that is an argument. Dialogs,
//! SDP and media come next (issue 7).
//!
//! Everything from the network is untrusted: sizes are bounded
//! ([`MAX_MESSAGE`], [`MAX_HEADERS`]), nothing panics on any input (a
//! corpus of malformed messages and a mutation test in `tests/`, a
//! cargo-fuzz target in `fuzz/`), and a malformed request is answered
//! `400 Bad Request` when it carries enough to address an answer, or
//! dropped when it does not.

mod call;
mod client;
mod endpoint;
mod error;
mod headers;
mod ids;
mod info;
mod message;
mod parse;
pub mod sdp;
mod transaction;

pub use call::{CallEvent, CallId, EndReason};
pub use endpoint::{ANSWER_TIMEOUT, Config, Endpoint, MAX_CALLS, Source, Transport};
pub use error::Error;
pub use message::{Header, Message, Method, StartLine};
pub use parse::{MAX_HEADERS, MAX_MESSAGE, ParseError, parse};
pub use transaction::{
    MAX_TRANSACTIONS, T1, T2, T4, TransactionEvent, TransactionKey, Transactions,
};

/// Parses a datagram and, if it is a request that cannot be taken as it
/// is, the answer it gets: `400` for malformed requests that can still be
/// answered, `505` for another SIP version. `None` when there is nothing
/// to answer (a response, a keep-alive, or too broken to address).
pub fn answer_malformed(datagram: &[u8]) -> Option<Vec<u8>> {
    parse(datagram).err().and_then(malformed_answer)
}

/// The answer a parse error deserves, if any (see [`answer_malformed`]).
fn malformed_answer(error: ParseError) -> Option<Vec<u8>> {
    match error {
        ParseError::Answerable {
            message,
            status,
            reason,
        } => Some(message.response(status, reason, None).to_bytes()),
        ParseError::KeepAlive | ParseError::Dropped(_) => None,
    }
}
