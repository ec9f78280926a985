//! Calls we dial out (a host calls a room system from the meeting page):
//! the user agent client side of RFC 3261. Our INVITE carries our offer
//! (`sdp::offer`) and runs in an INVITE client transaction; a 1xx is
//! announced once as [`CallEvent::Ringing`]; a 2xx opens the dialog
//! (§12.1.2: its To tag, Contact and reversed Record-Route), we
//! acknowledge it end to end ourselves (a new transaction, sent again
//! for each retransmitted 2xx) and read the answer in it; a 3xx-6xx ends
//! the call with its status. Hanging up before the answer cancels (§9.1:
//! the CANCEL waits for a first provisional response; a 2xx that crosses
//! it gets ACK and BYE). Once established, the call is a dialog like any
//! incoming one.
//!
//! No digest authentication: room systems on an administration's network
//! answer without it, and a 401/407 ends the dial-out as
//! [`EndReason::Refused`] with that status. No 100rel: the answer is the
//! one in the 2xx. Forked 2xx from other branches than the first are not
//! acknowledged.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::requests::{contact_uri, route_set};
use super::{ALLOW, Endpoint, MAX_CALLS, SUPPORTED, secured};
use crate::call::{Call, CallEvent, CallId, EndReason, Phase};
use crate::error::Error;
use crate::headers::{MAX_DISPLAY_NAME, NameAddr, media_type};
use crate::invite_client::{InviteClientEvent, cancel_for};
use crate::message::{Header, Message, Method, StartLine};
use crate::sdp::{self, LocalMedia, LocalOrigin, SdpError, SessionDescription};
use crate::target::DialTarget;
use crate::transaction::T1;
use crate::transport::Source;

/// How long a dialled party may ring before we cancel.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(60);

/// A call to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// The address, as the INVITE's Request-URI and To; its transport
    /// is the call's.
    pub target: DialTarget,
    /// Where the INVITE goes: the target's host resolved by the shell
    /// (a sans-IO core resolves no names).
    pub destination: SocketAddr,
    /// Our user part in From (the meeting's dial-in number, so the room
    /// system can call back); letters, digits and `+-._` only, else
    /// `civicmeet`.
    pub from_user: String,
    /// Our display name in From (the meeting's title, say).
    pub from_display: Option<String>,
}

impl Endpoint {
    /// Dials `dial.target` with an INVITE carrying our offer made from
    /// `local` (SDES keys only over TLS). The call is announced as
    /// [`CallEvent::Ringing`], then [`CallEvent::Established`] or
    /// [`CallEvent::Ended`].
    pub fn dial(&mut self, now: Instant, dial: &Dial, local: &LocalMedia) -> Result<CallId, Error> {
        if self.calls.len() >= MAX_CALLS {
            return Err(Error::TooManyCalls);
        }
        let peer = Source {
            transport: dial.target.transport(),
            addr: dial.destination,
        };
        let local = secured(local, peer.transport);
        if !local.security.allows_any() {
            return Err(Error::Sdp(SdpError::MediaSecurity));
        }
        let ours = self.config.addr_on(peer.transport);
        let local_tag = self.ids.tag();
        let branch = self.ids.branch();
        let sip_call_id = format!("{:016x}@{}", self.ids.next_u64(), ours.ip());
        let target = dial.target.to_string();
        let from_user = Some(dial.from_user.as_str())
            .filter(|u| {
                !u.is_empty()
                    && u.len() <= 64
                    && u.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-._".contains(&b))
            })
            .unwrap_or("civicmeet");
        let from_uri = match ours {
            SocketAddr::V4(_) => format!("sip:{from_user}@{ours}"),
            SocketAddr::V6(v6) => format!("sip:{from_user}@[{}]", v6.ip()),
        };
        let from = match dial.from_display.as_deref().and_then(quoted) {
            Some(name) => format!("{name} <{from_uri}>;tag={local_tag}"),
            None => format!("<{from_uri}>;tag={local_tag}"),
        };
        let to = format!("<{target}>");
        let mut origin = LocalOrigin {
            session_id: self.ids.session_id(),
            version: 0,
        };
        origin.version += 1;
        let offer = sdp::offer(&local, origin);
        let mut invite = Message {
            start: StartLine::Request {
                method: Method::Invite,
                uri: target.clone(),
            },
            headers: Vec::new(),
            body: Vec::new(),
        };
        let via = format!(
            "SIP/2.0/{} {ours};branch={branch};rport",
            peer.transport.via_name()
        );
        for (name, value) in [
            ("Via", via),
            ("Max-Forwards", "70".to_string()),
            ("From", from.clone()),
            ("To", to.clone()),
            ("Call-ID", sip_call_id.clone()),
            ("CSeq", "1 INVITE".to_string()),
            (
                "Contact",
                self.config.contact(peer.transport, dial.target.is_secure()),
            ),
            ("Allow", ALLOW.to_string()),
            ("Supported", SUPPORTED.to_string()),
            ("User-Agent", self.config.user_agent.clone()),
        ] {
            invite.headers.push(Header {
                name: name.to_string(),
                value,
            });
        }
        invite.set_body("application/sdp", offer.clone().into_bytes());
        let id = CallId(self.next_call);
        self.next_call += 1;
        self.calls.insert(
            id,
            Call {
                id,
                phase: Phase::Dialing {
                    deadline: now + DIAL_TIMEOUT,
                    provisional: false,
                    ringing: false,
                },
                sip_call_id,
                local_tag,
                remote_tag: String::new(),
                local_party: from,
                remote_party: to,
                remote_target: target,
                route_set: Vec::new(),
                remote_cseq: 0,
                local_cseq: 1,
                peer,
                pending: None,
                unacknowledged: None,
                bye_branch: None,
                info_branch: None,
                info_refused: false,
                local_media: Some(local),
                local_sdp: Some(offer),
                origin,
                remote_origin: None,
                invite_branch: Some(branch.clone()),
                ack: None,
            },
        );
        self.invites.send(now, peer, &branch, &invite);
        self.pump(now);
        Ok(id)
    }

    /// Hangs up a call we dialled before it was answered: [`CallEvent::Ended`]
    /// at once ([`EndReason::LocalHangUp`]), CANCEL as soon as the
    /// dialled party has answered provisionally. An answered call ends
    /// with [`Endpoint::hang_up`] instead.
    pub fn cancel(&mut self, now: Instant, call: CallId) -> Result<(), Error> {
        let entry = self.calls.get(&call).ok_or(Error::UnknownCall(call))?;
        if !matches!(entry.phase, Phase::Dialing { .. }) {
            return Err(Error::WrongState {
                call,
                action: "be cancelled",
            });
        }
        self.give_up_dialing(now, call, EndReason::LocalHangUp);
        self.pump(now);
        Ok(())
    }

    /// Announces the end of a call still dialing and cancels it.
    fn give_up_dialing(&mut self, now: Instant, call: CallId, reason: EndReason) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let Phase::Dialing { provisional, .. } = entry.phase else {
            return;
        };
        entry.phase = Phase::Cancelling {
            deadline: now + 64 * T1,
            cancel_sent: false,
        };
        self.events.push_back(CallEvent::Ended { call, reason });
        if provisional {
            self.send_cancel(now, call);
        }
    }

    fn send_cancel(&mut self, now: Instant, call: CallId) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(invite) = entry
            .invite_branch
            .as_deref()
            .and_then(|b| self.invites.invite(b))
        else {
            return;
        };
        let cancel = cancel_for(invite);
        if let Phase::Cancelling { cancel_sent, .. } = &mut entry.phase {
            *cancel_sent = true;
        }
        if let Some(branch) = entry.invite_branch.clone() {
            self.clients.send(now, entry.peer, &branch, &cancel);
        }
    }

    /// Dial-out deadlines: ringing too long, a CANCEL never answered.
    pub(super) fn dial_timeouts(&mut self, now: Instant) {
        let due: Vec<(CallId, bool)> = self
            .calls
            .values()
            .filter_map(|c| match c.phase {
                Phase::Dialing { deadline, .. } if deadline <= now => Some((c.id, true)),
                Phase::Cancelling { deadline, .. } if deadline <= now => Some((c.id, false)),
                _ => None,
            })
            .collect();
        for (call, dialing) in due {
            if dialing {
                self.give_up_dialing(now, call, EndReason::NoAnswer);
            } else if let Some(entry) = self.calls.remove(&call)
                && let Some(branch) = entry.invite_branch
            {
                self.invites.forget(&branch);
            }
        }
    }

    /// The deadlines of [`Endpoint::dial_timeouts`].
    pub(super) fn dial_deadlines(&self) -> impl Iterator<Item = Instant> + '_ {
        self.calls.values().filter_map(|c| match c.phase {
            Phase::Dialing { deadline, .. } | Phase::Cancelling { deadline, .. } => Some(deadline),
            _ => None,
        })
    }

    pub(super) fn on_invite_client_event(&mut self, now: Instant, event: InviteClientEvent) {
        let branch = match &event {
            InviteClientEvent::Provisional { branch, .. }
            | InviteClientEvent::Accepted { branch, .. }
            | InviteClientEvent::Refused { branch, .. }
            | InviteClientEvent::TimedOut { branch } => branch,
        };
        let Some(call) = self
            .calls
            .values()
            .find(|c| c.invite_branch.as_deref() == Some(branch.as_str()))
            .map(|c| c.id)
        else {
            return;
        };
        match event {
            InviteClientEvent::Provisional { status, .. } => self.on_provisional(now, call, status),
            InviteClientEvent::Accepted { response, .. } => self.on_accepted(now, call, &response),
            InviteClientEvent::Refused { status, .. } => {
                self.end_dialing(call, EndReason::Refused { status })
            }
            InviteClientEvent::TimedOut { .. } => self.end_dialing(call, EndReason::Unreachable),
        }
    }

    fn on_provisional(&mut self, now: Instant, call: CallId, status: u16) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        match &mut entry.phase {
            Phase::Dialing {
                provisional,
                ringing,
                ..
            } => {
                *provisional = true;
                if status > 100 && !*ringing {
                    *ringing = true;
                    self.events.push_back(CallEvent::Ringing { call });
                }
            }
            Phase::Cancelling {
                cancel_sent: false, ..
            } => self.send_cancel(now, call),
            _ => {}
        }
    }

    /// The INVITE ended without a dialog: announced unless it was
    /// already (a cancelled call), and forgotten.
    fn end_dialing(&mut self, call: CallId, reason: EndReason) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let announce = matches!(entry.phase, Phase::Dialing { .. });
        if !matches!(
            entry.phase,
            Phase::Dialing { .. } | Phase::Cancelling { .. }
        ) {
            return;
        }
        self.calls.remove(&call);
        if announce {
            self.events.push_back(CallEvent::Ended { call, reason });
        }
    }

    /// A 2xx to our INVITE: the first opens the dialog and is
    /// acknowledged; a retransmission gets the same ACK again.
    fn on_accepted(&mut self, now: Instant, call: CallId, response: &Message) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let to = response.header("To").unwrap_or_default();
        let remote_tag = NameAddr::parse(to)
            .and_then(|n| n.tag())
            .unwrap_or_default()
            .to_string();
        if let Some(ack) = &entry.ack {
            // Another 2xx of the same dialog (our ACK was lost): ACK
            // again. One of another dialog (forked) is not ours to keep.
            if remote_tag == entry.remote_tag {
                self.transmits.push_back((entry.peer, ack.clone()));
            }
            return;
        }
        entry.remote_tag = remote_tag;
        entry.remote_party = to.to_string();
        if let Some(contact) = contact_uri(response) {
            entry.remote_target = contact;
        }
        // §12.1.2: the UAC's route set is the Record-Route reversed.
        entry.route_set = route_set(response)
            .map(|mut routes| {
                routes.reverse();
                routes
            })
            .unwrap_or_default();
        let branch = self.ids.branch();
        let ack = entry
            .request_numbered(
                Method::Ack,
                1,
                &branch,
                self.config.addr_on(entry.peer.transport),
                &self.config.user_agent,
            )
            .to_bytes();
        self.transmits.push_back((entry.peer, ack.clone()));
        entry.ack = Some(ack);
        match entry.phase {
            Phase::Dialing { .. } => {
                let answered = answer_in(response, entry.local_media.as_ref());
                match answered {
                    Ok((session, origin)) => {
                        entry.remote_origin = Some((origin.session_id, origin.version));
                        entry.phase = Phase::Confirmed;
                        self.events
                            .push_back(CallEvent::Established { call, session });
                    }
                    Err(_) => {
                        // The 2xx is acknowledged whatever it holds; a
                        // call without agreed media ends (§13.2.1).
                        self.send_bye(now, call);
                        self.events.push_back(CallEvent::Ended {
                            call,
                            reason: EndReason::NoUsableAnswer,
                        });
                    }
                }
            }
            // The answer crossed our CANCEL: the call is already over
            // for the layer above, so it ends here too (§9.1).
            Phase::Cancelling { .. } => self.send_bye(now, call),
            _ => {}
        }
    }
}

/// A display name as a quoted string: controls dropped, quotes and
/// backslashes escaped, cut to [`MAX_DISPLAY_NAME`] characters.
fn quoted(name: &str) -> Option<String> {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DISPLAY_NAME)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut out = String::from("\"");
    for c in name.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Some(out)
}

/// The session agreed by the answer in a 2xx to our offer.
fn answer_in(
    response: &Message,
    local: Option<&LocalMedia>,
) -> Result<(sdp::MediaSession, sdp::Origin), SdpError> {
    let local = local.ok_or(SdpError::AnswerMismatch("no offer of ours"))?;
    let is_sdp = response
        .header("Content-Type")
        .is_some_and(|t| media_type(t) == "application/sdp");
    if response.body.is_empty() || !is_sdp {
        return Err(SdpError::AnswerMismatch("the 2xx has no SDP answer"));
    }
    let answer = SessionDescription::parse(&response.body)?;
    let session = sdp::read_answer(local, &answer)?;
    Ok((session, answer.origin))
}
