//! SIP for civicmeet (RFC 3261), sans-IO: room systems and phones dial
//! into meetings.
//!
//! This crate never touches a socket, never reads the clock, never locks
//! and never spawns: a thin shell feeds it datagrams and time and sends
//! what it returns. Media (RTP, codecs, DTMF in RTP) is another crate's.
//!
//! The entry point is the [`Endpoint`], a user agent server for calls into
//! meetings and a user agent client for the calls hosts dial out. [`Endpoint::handle_datagram`] takes a datagram and its
//! [`Source`]; [`Endpoint::poll_transmit`], [`Endpoint::poll_event`] and
//! [`Endpoint::poll_timeout`] / [`Endpoint::handle_timeout`] give back
//! what to send, what happened ([`CallEvent`]) and when to wake it. An
//! INVITE to `sip:<meeting number>@host` is announced as
//! [`CallEvent::Incoming`] after 100 Trying; the layer above answers with
//! [`Endpoint::accept`] (200 with our SDP; [`CallEvent::Established`] on
//! the ACK) or [`Endpoint::reject`], and ends it with
//! [`Endpoint::hang_up`]; [`Endpoint::request_picture_fast_update`] asks
//! the room system for a keyframe (SIP INFO, RFC 5168). BYE, CANCEL, re-INVITE (hold, resume, video
//! added: [`CallEvent::Reoffer`], [`Endpoint::accept_reoffer`]), INFO
//! (DTMF, picture_fast_update) and OPTIONS are handled; other methods get
//! 405 or 501, unknown `Require` options 420, more than [`MAX_CALLS`] calls
//! 503.
//!
//! Layers, bottom up: [`parse`] turns a datagram into a [`Message`] or a
//! [`ParseError`] that says whether the sender deserves an answer
//! ([`answer_malformed`]); [`Transactions`] are RFC 3261 §17.2 server
//! transactions (retransmitted requests absorbed, final responses
//! retransmitted until ACK, RFC 6026's Accepted state); our own BYE and
//! INFO run in §17.1.2 client transactions (timers E, F, K); the endpoint keeps the
//! dialogs (§12) and the offer/answer state of each call; [`sdp`] parses
//! offers, chooses codecs and writes answers and offers (RFC 4566, RFC
//! 3264; Opus, G.722, G.711, telephone-event, H.264 mode 1, VP8).
//!
//! Everything from the network is untrusted: sizes are bounded
//! ([`MAX_MESSAGE`], [`MAX_HEADERS`], [`sdp::MAX_SDP`] and the other SDP
//! limits, [`MAX_TRANSACTIONS`], [`MAX_CALLS`]), nothing panics on any
//! input (a corpus of malformed messages and mutation tests of messages
//! and of SDP through the whole endpoint in `tests/`, cargo-fuzz targets
//! in `fuzz/`), and a malformed request is answered `400 Bad Request` when
//! it carries enough to address an answer, or dropped when it does not.
//! Every state ends on a timer: a call the layer above never answers
//! after [`ANSWER_TIMEOUT`], transactions after theirs.
//!
//! Over TCP and TLS a [`StreamFramer`] per connection cuts the byte stream
//! into messages by Content-Length (RFC 3261 §18.3) and tells RFC 5626
//! keep-alive pings (answer [`PONG`]) from the rest; each message then goes
//! to [`Endpoint::handle_datagram`] as a datagram would.
//!
//! Transactions know the [`Transport`] of each [`Source`]: over TCP and
//! TLS nothing is retransmitted but a 2xx to INVITE (§13.3.1.4), our BYE
//! names the transport in its Via, and the absorbing timers (I, J, K) are
//! zero; [`Endpoint::poll_transmit_on`] says which transport a message
//! leaves on.
//!
//! [`sdp::crypto`] reads and writes SDES `a=crypto` lines (RFC 4568) for
//! SRTP legs; [`sdp::answer`] takes an `RTP/SAVP` m-line when the layer
//! above hands in fresh keys ([`sdp::MediaSecurity`]), and the endpoint
//! uses them only for calls over TLS (RFC 4568 §8.3): an SRTP offer over
//! UDP or TCP is answered 488. The SRTP itself is `civicmeet-sip-media`'s.
//! Our Contact names the call's transport, and TLS calls name
//! [`Config::tls_addr`].
//!
//! Dial-out: [`Endpoint::dial`] calls a [`DialTarget`] (a strictly
//! parsed `sip:`/`sips:` `user@host[:port]`) with our offer in an INVITE
//! client transaction (§17.1.1: timers A, B, D; RFC 6026's M); the 2xx is
//! acknowledged end to end by the endpoint, a 3xx-6xx hop by hop by the
//! transaction, [`Endpoint::cancel`] sends CANCEL once the INVITE was
//! answered provisionally. No digest authentication: a 401/407 ends the
//! dial-out as [`EndReason::Refused`].
//!
//! Not yet: re-INVITEs of ours (we send BYE and INFO in a dialog), session timers, 100rel, digest
//! authentication.

mod call;
mod client;
mod endpoint;
mod error;
mod headers;
mod ids;
mod info;
mod invite_client;
mod message;
mod parse;
pub mod sdp;
mod stream;
mod target;
mod transaction;
mod transport;

pub use call::{CallEvent, CallId, EndReason};
pub use endpoint::{ANSWER_TIMEOUT, Config, DIAL_TIMEOUT, Dial, Endpoint, MAX_CALLS};
pub use error::Error;
pub use message::{Header, Message, Method, StartLine};
pub use parse::{MAX_HEADERS, MAX_MESSAGE, ParseError, parse};
pub use stream::{PONG, StreamError, StreamFramer, StreamItem};
pub use target::{DialTarget, MAX_TARGET, TargetError};
pub use transaction::{
    MAX_TRANSACTIONS, T1, T2, T4, TransactionEvent, TransactionKey, Transactions,
};
pub use transport::{Source, Transport};

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
