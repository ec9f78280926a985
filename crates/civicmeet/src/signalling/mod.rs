//! Signalling: the meeting WebSocket at `/api/meetings/{id}/ws`.
//!
//! The protocol is `civicmeet-wire`. [`entry`] checks the first `join`
//! (link key, PIN, hearing notice; [`pin_guard`] counts wrong PINs);
//! [`session`] runs the socket from there, between waiting room and
//! meeting; [`host`] carries out host actions ([`dial_out`]: a host calls
//! a room system, let in by [`pre_admitted`]); [`roster`] knows who is in
//! which meeting and who waits; [`seats`] lets a browser whose socket
//! dropped take its seat back; [`socket`] is the shared plumbing. SDP goes
//! to and from the media task; this module never touches media itself.
//!
//! Rules every path keeps: nothing from the network panics; a problem with
//! one socket only ever ends that socket; every ending the server chooses
//! is a typed `error` message followed by a Close frame.

mod dial_out;
pub mod entry;
mod host;
pub mod pin_guard;
pub mod pre_admitted;
pub mod roster;
pub mod seats;
pub mod session;
pub mod socket;

use axum::extract::{Path, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::meeting_id::MeetingId;
use crate::state::AppState;

/// The largest WebSocket message the transport accepts. It is well above
/// the protocol's own limit so that an oversized message reaches the
/// session and is answered with `message_too_large` instead of a bare close.
const TRANSPORT_MAX_MESSAGE: usize = 1024 * 1024;

/// Upgrades first, always: even an unknown meeting gets its typed error
/// over the socket, which a browser can show, rather than an HTTP status
/// that the WebSocket API hides. A staff login's session cookie, sent with
/// the upgrade, makes the participant's name a verified one.
pub async fn websocket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let meeting = MeetingId::parse(&id);
    let login = crate::accounts::session::signed_in(&state, &headers).await;
    upgrade
        .max_message_size(TRANSPORT_MAX_MESSAGE)
        .max_frame_size(TRANSPORT_MAX_MESSAGE)
        .on_upgrade(move |socket| session::run(socket, state, meeting, login))
}
