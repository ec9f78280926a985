//! Keyframe requests we send to a room system in its call: an in-dialog
//! INFO with RFC 5168's picture_fast_update, for room systems that do
//! not take (or do not get) RTCP PLI and FIR.
//!
//! One INFO per call is in flight at a time: the meeting asks for
//! keyframes whenever someone needs one, and a request while one is out
//! asks for the same keyframe. The answer, whatever it is, never ends the
//! call (an INFO is no part of the session, RFC 6086 §4.2.2); an answer
//! that says the peer does not take such INFOs stops us sending more.

use std::time::Instant;

use super::Endpoint;
use crate::call::{CallId, Phase};
use crate::error::Error;
use crate::info::{MEDIA_CONTROL, PICTURE_FAST_UPDATE, refuses_info};
use crate::message::Method;

impl Endpoint {
    /// Asks the room system of an established call for a keyframe with a
    /// SIP INFO (RFC 5168). Nothing is sent while an earlier request is
    /// unanswered, or once the peer refused such INFOs (405, 415, 469,
    /// 501): `Ok` either way, since the keyframe is asked for (or cannot
    /// be, by INFO). A call not yet established is a
    /// [`Error::WrongState`].
    pub fn request_picture_fast_update(&mut self, now: Instant, call: CallId) -> Result<(), Error> {
        let entry = self.calls.get_mut(&call).ok_or(Error::UnknownCall(call))?;
        if entry.phase != Phase::Confirmed {
            return Err(Error::WrongState {
                call,
                action: "request a keyframe",
            });
        }
        if entry.info_branch.is_some() || entry.info_refused {
            return Ok(());
        }
        let branch = self.ids.branch();
        let mut info = entry.request(
            Method::Info,
            &branch,
            self.config.public_addr,
            &self.config.user_agent,
        );
        info.set_body(MEDIA_CONTROL, PICTURE_FAST_UPDATE.as_bytes().to_vec());
        self.clients.send(now, entry.peer, &branch, &info);
        entry.info_branch = Some(branch);
        self.pump(now);
        Ok(())
    }

    /// Our INFO's transaction ended (`status`, or `None` on timer F): the
    /// next one may go. Returns whether `branch` was an INFO of ours.
    pub(super) fn on_info_answered(&mut self, branch: &str, status: Option<u16>) -> bool {
        let Some(entry) = self
            .calls
            .values_mut()
            .find(|c| c.info_branch.as_deref() == Some(branch))
        else {
            return false;
        };
        entry.info_branch = None;
        if status.is_some_and(refuses_info) {
            entry.info_refused = true;
        }
        true
    }
}
