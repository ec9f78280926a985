//! The user agent server for calls into meetings, sans-IO: datagrams and
//! time in, datagrams, events and the next timeout out.
//!
//! Polling order for the shell: after [`Endpoint::handle_datagram`],
//! [`Endpoint::handle_timeout`] or a call of the layer above (accept,
//! reject, hang up), drain [`Endpoint::poll_transmit`] and
//! [`Endpoint::poll_event`], then sleep until [`Endpoint::poll_timeout`].
//!
//! Layers: `Transactions` (RFC 3261 §17.2) absorbs retransmissions and
//! retransmits our final responses; `ClientTransactions` (§17.1.2) does
//! the same for our BYE, INFO and CANCEL; `InviteClients` (§17.1.1) for
//! the INVITEs of calls we dial; this file holds the calls (dialogs, §12)
//! and what the layer above may do with them; `requests.rs` what each
//! request does to them; `dial.rs` the calls we dial out;
//! `keyframes.rs` the keyframe requests we send.

mod dial;
mod keyframes;
mod requests;

pub use dial::{DIAL_TIMEOUT, Dial};

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::call::{Call, CallEvent, CallId, EndReason, Phase, Unacknowledged};
use crate::client::{ClientEvent, ClientTransactions};
use crate::error::Error;
use crate::ids::Ids;
use crate::invite_client::InviteClients;
use crate::message::{Message, Method, StartLine};
use crate::parse::parse;
use crate::sdp::{self, LocalMedia};
use crate::transaction::{TransactionEvent, TransactionKey, Transactions};
use crate::transport::{Source, Transport};

/// Calls at once; an INVITE beyond is answered 503.
pub const MAX_CALLS: usize = 256;
/// How long the layer above may take to accept or reject a call before it
/// is refused with 480 (RFC 3261's timer C, which ends a proxy's wait, is
/// three minutes too).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(180);

/// The methods we take, for Allow.
const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO";
/// The bodies we take, for Accept.
const ACCEPT: &str =
    "application/sdp, application/dtmf-relay, application/dtmf, application/media_control+xml";
/// The extensions we support: none yet (no 100rel, no session timers;
/// a peer that needs them hears 420).
const SUPPORTED: &str = "";

/// Settings of an [`Endpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The address peers reach our SIP port at (UDP and TCP): our
    /// Contact and the Via of our requests.
    pub public_addr: SocketAddr,
    /// The address peers reach our SIP TLS port at, for calls over TLS;
    /// `None`: no TLS port of its own (`public_addr` is named).
    pub tls_addr: Option<SocketAddr>,
    /// Server and User-Agent header value.
    pub user_agent: String,
    /// Seed for tags, branches and SDP session ids: drawn from the OS by
    /// the shell, fixed by tests.
    pub seed: u64,
}

impl Config {
    pub fn new(public_addr: SocketAddr, seed: u64) -> Config {
        Config {
            public_addr,
            tls_addr: None,
            user_agent: "civicmeet".to_string(),
            seed,
        }
    }
}

impl Config {
    /// Our address on `transport`: where a peer reaches us on it.
    pub fn addr_on(&self, transport: Transport) -> SocketAddr {
        match (transport, self.tls_addr) {
            (Transport::Tls, Some(addr)) => addr,
            _ => self.public_addr,
        }
    }

    /// Our Contact URI for a call over `transport` (RFC 3261 §8.1.1.8): it
    /// names the transport, so the peer's in-dialog requests come back
    /// the same way; `sips:` when the peer's request asked for it
    /// (§12.1.1), which implies TLS.
    pub fn contact(&self, transport: Transport, sips: bool) -> String {
        let addr = self.addr_on(transport);
        match transport {
            Transport::Tls if sips => format!("<sips:{addr}>"),
            Transport::Tls => format!("<sip:{addr};transport=tls>"),
            Transport::Tcp => format!("<sip:{addr};transport=tcp>"),
            Transport::Udp => format!("<sip:{addr}>"),
        }
    }
}

/// A SIP user agent server for calls into meetings. See the module docs
/// for the polling order.
#[derive(Debug)]
pub struct Endpoint {
    config: Config,
    ids: Ids,
    transactions: Transactions,
    clients: ClientTransactions,
    invites: InviteClients,
    /// Ordered, so timeouts are handled in the same order every run.
    calls: BTreeMap<CallId, Call>,
    next_call: u64,
    transmits: VecDeque<(Source, Vec<u8>)>,
    events: VecDeque<CallEvent>,
}

impl Endpoint {
    pub fn new(config: Config) -> Endpoint {
        Endpoint {
            ids: Ids::new(config.seed),
            config,
            transactions: Transactions::new(),
            clients: ClientTransactions::default(),
            invites: InviteClients::default(),
            calls: BTreeMap::new(),
            next_call: 1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Takes one datagram from `source`: parses it, answers it if it is a
    /// malformed request, and runs transactions and calls.
    pub fn handle_datagram(&mut self, now: Instant, source: Source, datagram: &[u8]) {
        match parse(datagram) {
            Err(error) => {
                if let Some(answer) = crate::malformed_answer(error) {
                    self.transmits.push_back((source, answer));
                }
            }
            Ok(mut message) => match message.start {
                StartLine::Request { .. } => {
                    stamp_top_via(&mut message, source.addr);
                    self.transactions.handle_request(now, source, message);
                }
                StartLine::Response { .. } => {
                    // Responses to nothing of ours are dropped (§18.1.2).
                    if !self.clients.handle_response(now, &message) {
                        self.invites.handle_response(now, &message);
                    }
                }
            },
        }
        self.pump(now);
    }

    /// Advances time: retransmissions, transaction timers, calls the
    /// layer above left unanswered too long.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.transactions.handle_timeout(now);
        self.clients.handle_timeout(now);
        self.invites.handle_timeout(now);
        self.pump(now);
        self.dial_timeouts(now);
        let overdue: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| matches!(c.phase, Phase::Offered { deadline } if deadline <= now))
            .map(|c| c.id)
            .collect();
        for call in overdue {
            self.refuse(now, call, 480, EndReason::NotAnswered);
        }
        self.pump(now);
    }

    /// When [`Endpoint::handle_timeout`] is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let deadlines = self.calls.values().filter_map(|c| match c.phase {
            Phase::Offered { deadline } => Some(deadline),
            _ => None,
        });
        [
            self.transactions.poll_timeout(),
            self.clients.poll_timeout(),
            self.invites.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .chain(deadlines)
        .chain(self.dial_deadlines())
        .min()
    }

    /// The next datagram to send, and where.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.poll_transmit_on().map(|(to, bytes)| (to.addr, bytes))
    }

    /// Like [`Endpoint::poll_transmit`], with the transport: a shell that
    /// also takes TCP or TLS sends a stream transmit on its connection to
    /// that address.
    pub fn poll_transmit_on(&mut self) -> Option<(Source, Vec<u8>)> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// Calls held, including those whose BYE is still in flight.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Nothing held: no call, no transaction of either kind.
    pub fn is_idle(&self) -> bool {
        self.calls.is_empty()
            && self.transactions.is_empty()
            && self.clients.len() == 0
            && self.invites.len() == 0
    }

    /// Answers an [`CallEvent::Incoming`] call with 200 and our SDP: the
    /// answer to its offer, or our offer when it came without one. When
    /// the offer has no audio codec in common with `local`, or none on an
    /// m-line its media security takes, the call is answered 488 and
    /// ends, and the error says why. SDES keys in `local` are used only
    /// for calls over TLS.
    pub fn accept(&mut self, now: Instant, call: CallId, local: &LocalMedia) -> Result<(), Error> {
        let entry = self.calls.get_mut(&call).ok_or(Error::UnknownCall(call))?;
        let secured = secured(local, entry.peer.transport);
        let local = &secured;
        let (Phase::Offered { .. }, Some(pending)) = (entry.phase, entry.pending.take()) else {
            return Err(Error::WrongState {
                call,
                action: "be accepted",
            });
        };
        let origin = entry.next_origin();
        let made = match &pending.offer {
            Some(offer) => {
                sdp::answer(offer, local, origin).map(|a| (a.sdp, false, Some(a.session)))
            }
            None if !local.security.allows_any() => Err(sdp::SdpError::MediaSecurity),
            None => Ok((sdp::offer(local, origin), true, None)),
        };
        let (sdp, late_offer, session) = match made {
            Ok(made) => made,
            Err(error) => {
                entry.pending = Some(pending);
                self.refuse(now, call, 488, EndReason::Rejected { status: 488 });
                self.pump(now);
                return Err(error.into());
            }
        };
        entry.unacknowledged = Some(Unacknowledged {
            key: pending.key.clone(),
            cseq: cseq_number(&pending.request),
            initial: true,
            late_offer,
            session,
        });
        entry.phase = Phase::Answered;
        entry.local_media = Some(local.clone());
        entry.local_sdp = Some(sdp.clone());
        let response = self.ok_with_sdp(call, &pending.request, sdp);
        self.transactions.respond(now, &pending.key, &response);
        self.pump(now);
        Ok(())
    }

    /// Refuses an [`CallEvent::Incoming`] call with `status` (404 no such
    /// meeting, 486 busy, 403, ...). The call ends.
    pub fn reject(&mut self, now: Instant, call: CallId, status: u16) -> Result<(), Error> {
        if !(300..700).contains(&status) {
            return Err(Error::InvalidStatus(status));
        }
        let entry = self.calls.get(&call).ok_or(Error::UnknownCall(call))?;
        if !matches!(entry.phase, Phase::Offered { .. }) {
            return Err(Error::WrongState {
                call,
                action: "be rejected",
            });
        }
        self.refuse(now, call, status, EndReason::Rejected { status });
        self.pump(now);
        Ok(())
    }

    /// Ends a call from our side (removed by the host, the meeting ended,
    /// a wrong PIN three times): BYE once it is established (or, before
    /// the ACK, as soon as the ACK comes), 480 while it is still offered;
    /// a call we dial that is not answered yet is cancelled
    /// ([`Endpoint::cancel`]).
    pub fn hang_up(&mut self, now: Instant, call: CallId) -> Result<(), Error> {
        let entry = self.calls.get_mut(&call).ok_or(Error::UnknownCall(call))?;
        match entry.phase {
            Phase::Offered { .. } => {
                self.refuse(now, call, 480, EndReason::LocalHangUp);
            }
            Phase::Answered => {
                entry.phase = Phase::Closing;
                self.events.push_back(CallEvent::Ended {
                    call,
                    reason: EndReason::LocalHangUp,
                });
            }
            Phase::Confirmed => {
                self.answer_pending(now, call, 487);
                self.send_bye(now, call);
                self.events.push_back(CallEvent::Ended {
                    call,
                    reason: EndReason::LocalHangUp,
                });
            }
            Phase::Dialing { .. } => return self.cancel(now, call),
            Phase::Closing | Phase::Terminating | Phase::Cancelling { .. } => {
                return Err(Error::WrongState {
                    call,
                    action: "hang up",
                });
            }
        }
        self.pump(now);
        Ok(())
    }

    /// Answers a [`CallEvent::Reoffer`] with our media; the new session is
    /// announced as [`CallEvent::SessionChanged`]. Without a codec in
    /// common the re-INVITE is refused 488 and the call goes on as it was
    /// (RFC 3264 §8).
    pub fn accept_reoffer(
        &mut self,
        now: Instant,
        call: CallId,
        local: &LocalMedia,
    ) -> Result<(), Error> {
        let entry = self.calls.get_mut(&call).ok_or(Error::UnknownCall(call))?;
        let secured = secured(local, entry.peer.transport);
        let local = &secured;
        let pending = match (&entry.phase, entry.pending.take()) {
            (Phase::Confirmed, Some(pending)) if pending.offer.is_some() => pending,
            (_, pending) => {
                entry.pending = pending;
                return Err(Error::WrongState {
                    call,
                    action: "answer a re-offer",
                });
            }
        };
        let Some(offer) = &pending.offer else {
            // Checked by the match above.
            return Err(Error::WrongState {
                call,
                action: "answer a re-offer",
            });
        };
        let origin = entry.next_origin();
        let answer = match sdp::answer(offer, local, origin) {
            Ok(answer) => answer,
            Err(error) => {
                let mut response =
                    pending
                        .request
                        .response(488, reason(488), Some(&entry.local_tag));
                response.push_header("Server", self.config.user_agent.clone());
                self.transactions.respond(now, &pending.key, &response);
                self.pump(now);
                return Err(error.into());
            }
        };
        entry.remote_origin = Some((
            offer.origin.session_id.clone(),
            offer.origin.version.clone(),
        ));
        entry.local_media = Some(local.clone());
        entry.local_sdp = Some(answer.sdp.clone());
        entry.unacknowledged = Some(Unacknowledged {
            key: pending.key.clone(),
            cseq: cseq_number(&pending.request),
            initial: false,
            late_offer: false,
            session: None,
        });
        let response = self.ok_with_sdp(call, &pending.request, answer.sdp);
        self.transactions.respond(now, &pending.key, &response);
        self.events.push_back(CallEvent::SessionChanged {
            call,
            session: answer.session,
        });
        self.pump(now);
        Ok(())
    }

    /// Refuses a [`CallEvent::Reoffer`] with `status` (488 for media we do
    /// not take); the call goes on with the media it had.
    pub fn reject_reoffer(&mut self, now: Instant, call: CallId, status: u16) -> Result<(), Error> {
        if !(300..700).contains(&status) {
            return Err(Error::InvalidStatus(status));
        }
        let entry = self.calls.get(&call).ok_or(Error::UnknownCall(call))?;
        if !(entry.phase == Phase::Confirmed && entry.pending.is_some()) {
            return Err(Error::WrongState {
                call,
                action: "refuse a re-offer",
            });
        }
        self.answer_pending(now, call, status);
        self.pump(now);
        Ok(())
    }

    /// Runs what the transaction layers report until they are quiet, and
    /// collects what they send.
    fn pump(&mut self, now: Instant) {
        loop {
            self.collect_transmits();
            if let Some(event) = self.transactions.poll_event() {
                self.on_transaction_event(now, event);
            } else if let Some(event) = self.clients.poll_event() {
                self.on_client_event(event);
            } else if let Some(event) = self.invites.poll_event() {
                self.on_invite_client_event(now, event);
            } else {
                break;
            }
        }
    }

    fn collect_transmits(&mut self) {
        while let Some(transmit) = self.transactions.poll_transmit() {
            self.transmits.push_back(transmit);
        }
        while let Some(transmit) = self.clients.poll_transmit() {
            self.transmits.push_back(transmit);
        }
        while let Some(transmit) = self.invites.poll_transmit() {
            self.transmits.push_back(transmit);
        }
    }

    fn on_transaction_event(&mut self, now: Instant, event: TransactionEvent) {
        match event {
            TransactionEvent::Request {
                key,
                source,
                request,
            } => self.on_request(now, key, source, request),
            TransactionEvent::Ack { key, ack } => self.on_ack(now, &key, &ack),
            TransactionEvent::TimedOut { key } => self.on_unacknowledged(now, &key),
        }
    }

    /// Timer H for a 2xx: the ACK never came. The call ends with BYE (RFC
    /// 3261 §13.3.1.4), after a re-INVITE too (§14.2).
    fn on_unacknowledged(&mut self, now: Instant, key: &TransactionKey) {
        let Some(call) = self
            .calls
            .values()
            .filter(|c| c.phase != Phase::Terminating)
            .find(|c| c.unacknowledged.as_ref().is_some_and(|u| &u.key == key))
            .map(|c| c.id)
        else {
            return;
        };
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        entry.unacknowledged = None;
        let announced = entry.phase == Phase::Closing;
        self.answer_pending(now, call, 487);
        self.send_bye(now, call);
        if !announced {
            self.events.push_back(CallEvent::Ended {
                call,
                reason: EndReason::NoAck,
            });
        }
    }

    /// Our BYE completed or timed out (timer F): the call is gone. Our
    /// INFO did: the call goes on.
    fn on_client_event(&mut self, event: ClientEvent) {
        let (branch, status) = match event {
            ClientEvent::Completed { branch, status } => (branch, Some(status)),
            ClientEvent::TimedOut { branch } => (branch, None),
        };
        if self.on_info_answered(&branch, status) {
            return;
        }
        let done = self
            .calls
            .values()
            .find(|c| c.bye_branch.as_deref() == Some(branch.as_str()))
            .map(|c| c.id);
        if let Some(call) = done {
            self.calls.remove(&call);
        }
    }

    /// Answers the call's offered INVITE with `status`, announces the end
    /// and forgets the call.
    fn refuse(&mut self, now: Instant, call: CallId, status: u16, why: EndReason) {
        self.answer_pending(now, call, status);
        self.forget(call);
        self.events
            .push_back(CallEvent::Ended { call, reason: why });
    }

    /// Answers the call's INVITE that waits for a final response, if any.
    fn answer_pending(&mut self, now: Instant, call: CallId, status: u16) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(pending) = entry.pending.take() else {
            return;
        };
        let mut response = pending
            .request
            .response(status, reason(status), Some(&entry.local_tag));
        response.push_header("Server", self.config.user_agent.clone());
        self.transactions.respond(now, &pending.key, &response);
    }

    /// Sends BYE in the call's dialog; the call stays until it completes.
    fn send_bye(&mut self, now: Instant, call: CallId) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        // A 2xx of a re-INVITE still waiting for its ACK is given up: the
        // BYE ends that exchange too.
        if let Some(unacknowledged) = entry.unacknowledged.take() {
            self.transactions.acknowledge(&unacknowledged.key);
        }
        let branch = self.ids.branch();
        let bye = entry.request(
            Method::Bye,
            &branch,
            self.config.addr_on(entry.peer.transport),
            &self.config.user_agent,
        );
        self.clients.send(now, entry.peer, &branch, &bye);
        entry.bye_branch = Some(branch);
        entry.phase = Phase::Terminating;
    }

    /// Drops a call's state. Its server transactions live on to absorb
    /// retransmissions; a 2xx still retransmitted is stopped.
    fn forget(&mut self, call: CallId) {
        if let Some(entry) = self.calls.remove(&call)
            && let Some(unacknowledged) = entry.unacknowledged
        {
            self.transactions.acknowledge(&unacknowledged.key);
        }
    }

    /// A 200 to an INVITE of `call`, with our SDP (§13.3.1.4): our
    /// Contact, the Record-Route copied (§12.1.1), what we allow.
    fn ok_with_sdp(&self, call: CallId, request: &Message, sdp: String) -> Message {
        let entry = self.calls.get(&call);
        let tag = entry.map(|c| c.local_tag.as_str());
        let transport = entry.map_or(Transport::Udp, |c| c.peer.transport);
        let mut response = request.response(200, "OK", tag);
        for route in request.headers_named("Record-Route") {
            response.push_header("Record-Route", route.to_string());
        }
        let sips = matches!(&request.start, StartLine::Request { uri, .. }
            if uri.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("sips:")));
        response.push_header("Contact", self.config.contact(transport, sips));
        self.capabilities(&mut response);
        response.set_body("application/sdp", sdp.into_bytes());
        response
    }

    /// Allow, Accept, Supported and Server.
    fn capabilities(&self, response: &mut Message) {
        response.push_header("Allow", ALLOW);
        response.push_header("Accept", ACCEPT);
        response.push_header("Supported", SUPPORTED);
        response.push_header("Server", self.config.user_agent.clone());
    }
}

/// `local` as a call over `transport` may use it: SDES keys only over
/// TLS. Keys in an SDP that crosses the network in clear text protect
/// nothing (RFC 4568 §8.3), so over UDP and TCP an SRTP offer is refused
/// rather than answered with a key anyone on the path can read.
fn secured(local: &LocalMedia, transport: Transport) -> LocalMedia {
    let mut local = local.clone();
    if transport != Transport::Tls {
        local.security.sdes = None;
    }
    local
}

/// The number of a request's CSeq (the parser checked it is one).
fn cseq_number(request: &Message) -> u32 {
    request
        .header("CSeq")
        .and_then(|c| c.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Fills `received` and `rport` into the top Via (RFC 3581).
fn stamp_top_via(message: &mut Message, source: SocketAddr) {
    if let Some(via) = message
        .headers
        .iter_mut()
        .find(|h| h.name.eq_ignore_ascii_case("Via"))
    {
        via.value = crate::headers::stamp_via(&via.value, source);
    }
}

/// Reason phrases of the statuses we send (RFC 3261 §21).
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        415 => "Unsupported Media Type",
        420 => "Bad Extension",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => "Error",
    }
}
