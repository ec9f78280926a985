//! One call: into a meeting (its dialog on the UAS side, RFC 3261 §12) or
//! dialled out by a host (the UAC side, §12.1.2), the offer/answer state
//! of its INVITEs, and the events the layer above hears about it.
//! [`crate::Endpoint`] owns the calls and drives them; this file owns
//! what a call is and how its own requests (our BYE, INFO and the ACK of
//! a 2xx) look.

use std::fmt;
use std::net::SocketAddr;
use std::time::Instant;

use crate::headers::{NameAddr, param};
use crate::message::{Header, Message, Method, StartLine};
use crate::sdp::{LocalMedia, LocalOrigin, MediaSession, SessionDescription};
use crate::transaction::TransactionKey;
use crate::transport::Source;

/// Our handle of a call (not the SIP Call-ID, which the caller chose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) u64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// What the layer above hears. Every call announced with
/// [`CallEvent::Incoming`] or started by [`crate::Endpoint::dial`] ends
/// with exactly one [`CallEvent::Ended`], whoever ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// A call into a meeting: answer with [`crate::Endpoint::accept`] or
    /// [`crate::Endpoint::reject`]. `number` is the Request-URI's user
    /// part (a meeting number or an alias); `offer` is `None` for an
    /// INVITE without SDP (we offer in the 200, they answer in the ACK).
    Incoming {
        call: CallId,
        /// Where and how the INVITE came: the call's requests and
        /// answers go the same way (on a stream, that connection), and
        /// SDES is answered only over TLS. Never logged.
        source: Source,
        number: String,
        from_display: Option<String>,
        from_uri: String,
        offer: Option<SessionDescription>,
    },
    /// A call we dialled rings (the first 180 or 183; 100 Trying is
    /// not announced).
    Ringing {
        call: CallId,
    },
    /// The ACK arrived (for a call we dialled: the 2xx, which we
    /// acknowledged): media flows as `session` says.
    Established {
        call: CallId,
        session: MediaSession,
    },
    /// A re-INVITE with a new offer (hold, resume, video added, a new
    /// address): answer with [`crate::Endpoint::accept_reoffer`] or
    /// [`crate::Endpoint::reject_reoffer`]. A CANCEL may withdraw it first
    /// (the re-INVITE is answered 487; answering it then is a
    /// [`crate::Error::WrongState`], and the call goes on as it was).
    Reoffer {
        call: CallId,
        offer: SessionDescription,
    },
    /// The media agreed changed after the call was established (our
    /// answer to a re-offer, or their answer to our offer in a re-INVITE
    /// that came without one).
    SessionChanged {
        call: CallId,
        session: MediaSession,
    },
    /// A DTMF digit sent by SIP INFO (`0`-`9`, `*`, `#`, `A`-`D`).
    Dtmf {
        call: CallId,
        digit: char,
    },
    /// The caller asked for a keyframe (SIP INFO picture_fast_update).
    KeyframeRequest {
        call: CallId,
    },
    Ended {
        call: CallId,
        reason: EndReason,
    },
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The caller sent BYE.
    RemoteHangUp,
    /// The caller cancelled before we answered.
    Cancelled,
    /// [`crate::Endpoint::hang_up`]: we sent BYE.
    LocalHangUp,
    /// Refused with this status (by [`crate::Endpoint::reject`], or 488
    /// when [`crate::Endpoint::accept`] found no codec in common).
    Rejected { status: u16 },
    /// Our 200 was never acknowledged (timer H): we sent BYE.
    NoAck,
    /// The layer above answered neither way within
    /// [`crate::ANSWER_TIMEOUT`]: refused with 480.
    NotAnswered,
    /// A late-offer call's ACK (or a dialled call's 2xx) had no usable
    /// answer: we sent BYE.
    NoUsableAnswer,
    /// The party we dialled refused with this final status (486 busy, 603
    /// declined, 404 not found, 401/407: it wants credentials, which we
    /// do not send, ...).
    Refused { status: u16 },
    /// The party we dialled never answered our INVITE at all (timer B):
    /// nothing listens there, or the address is wrong.
    Unreachable,
    /// The party we dialled rang for [`crate::DIAL_TIMEOUT`] without
    /// answering: we cancelled.
    NoAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The INVITE is announced; the layer above has until `deadline`.
    Offered { deadline: Instant },
    /// Our 200 is out; the ACK confirms.
    Answered,
    /// Established.
    Confirmed,
    /// Hung up before the ACK came: BYE goes out when it comes (or when
    /// the 200 times out), as RFC 3261 §15 asks.
    Closing,
    /// Our BYE is in flight; the call is gone when it completes.
    Terminating,
    /// A call we dialled: our INVITE is out. `provisional` once any 1xx
    /// came (a CANCEL may go then, §9.1), `ringing` once it was
    /// announced; at `deadline` we give up ringing and cancel.
    Dialing {
        deadline: Instant,
        provisional: bool,
        ringing: bool,
    },
    /// A call we dialled, hung up before its answer (already announced as
    /// ended): the CANCEL is out once a provisional response allowed it
    /// (`cancel_sent`); a 2xx that crosses it gets ACK and BYE. Forgotten
    /// on the INVITE's final response, or at `deadline` (64·T1 after the
    /// CANCEL, §9.1).
    Cancelling {
        deadline: Instant,
        cancel_sent: bool,
    },
}

/// An INVITE (initial or re-INVITE) not yet answered finally.
#[derive(Debug, Clone)]
pub(crate) struct PendingInvite {
    pub key: TransactionKey,
    pub request: Message,
    pub offer: Option<SessionDescription>,
}

/// A 2xx to an INVITE that waits for its ACK.
#[derive(Debug, Clone)]
pub(crate) struct Unacknowledged {
    pub key: TransactionKey,
    pub cseq: u32,
    /// The initial INVITE's: its ACK establishes the call.
    pub initial: bool,
    /// Our 200 carried an offer; the ACK brings the answer.
    pub late_offer: bool,
    /// Early offer: the session our 200 agreed, announced on the ACK.
    pub session: Option<MediaSession>,
}

#[derive(Debug)]
pub(crate) struct Call {
    pub id: CallId,
    pub phase: Phase,
    pub sip_call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
    /// The INVITE's To with our tag: the From of our requests.
    pub local_party: String,
    /// The INVITE's From: the To of our requests.
    pub remote_party: String,
    /// The peer's Contact URI (target refreshes replace it).
    pub remote_target: String,
    /// Record-Route of the INVITE, in order (the UAS keeps it as is).
    pub route_set: Vec<String>,
    pub remote_cseq: u32,
    pub local_cseq: u32,
    /// Where our requests go: the address the INVITE came from. A
    /// sans-IO core cannot resolve names, and room systems behind NAT
    /// put addresses in Contact that cannot be reached; the flow they
    /// used can (as RFC 3581 does for responses).
    pub peer: Source,
    pub pending: Option<PendingInvite>,
    pub unacknowledged: Option<Unacknowledged>,
    /// The branch of our BYE while it is in flight.
    pub bye_branch: Option<String>,
    /// The branch of our picture_fast_update INFO while it is in flight
    /// (one at a time).
    pub info_branch: Option<String>,
    /// The peer refused that INFO as something it does not take: no more
    /// are sent in this call.
    pub info_refused: bool,
    /// Our last description: the media it was made from, its text, its o=.
    pub local_media: Option<LocalMedia>,
    pub local_sdp: Option<String>,
    pub origin: LocalOrigin,
    /// The last remote description's o= session id and version.
    pub remote_origin: Option<(String, String)>,
    /// A call we dialled: the branch of our INVITE's client transaction.
    pub invite_branch: Option<String>,
    /// A call we dialled: our ACK of its 2xx, sent again for every
    /// retransmitted 2xx (§13.2.2.4).
    pub ack: Option<Vec<u8>>,
}

impl Call {
    /// Whether a request carries this call's dialog id (§12.2.2).
    pub fn matches(&self, sip_call_id: &str, local_tag: &str, remote_tag: &str) -> bool {
        self.sip_call_id == sip_call_id
            && self.local_tag == local_tag
            && self.remote_tag == remote_tag
    }

    /// An in-dialog request of ours (§12.2.1.1): CSeq one higher, the
    /// remote target as Request-URI and the route set as Route — or, for
    /// a strict router (no `lr`, RFC 2543), the first route as
    /// Request-URI and the remote target last in Route.
    pub fn request(
        &mut self,
        method: Method,
        branch: &str,
        via: SocketAddr,
        user_agent: &str,
    ) -> Message {
        self.local_cseq = self.local_cseq.saturating_add(1);
        self.request_numbered(method, self.local_cseq, branch, via, user_agent)
    }

    /// An in-dialog request with the CSeq number given: the ACK of a 2xx
    /// takes its INVITE's (§13.2.2.4).
    pub fn request_numbered(
        &self,
        method: Method,
        cseq: u32,
        branch: &str,
        via: SocketAddr,
        user_agent: &str,
    ) -> Message {
        let routes: Vec<&str> = self.route_set.iter().map(String::as_str).collect();
        let first_uri = routes
            .first()
            .and_then(|r| NameAddr::parse(r))
            .map(|n| n.uri);
        let strict = first_uri.is_some_and(|uri| param(uri_params(uri), "lr").is_none());
        let (uri, route): (String, Vec<String>) = match (strict, first_uri) {
            (true, Some(first)) => {
                let mut rest: Vec<String> = routes.iter().skip(1).map(|r| r.to_string()).collect();
                rest.push(format!("<{}>", self.remote_target));
                (first.to_string(), rest)
            }
            _ => (
                self.remote_target.clone(),
                routes.iter().map(|r| r.to_string()).collect(),
            ),
        };
        let mut headers = vec![
            header(
                "Via",
                format!(
                    "SIP/2.0/{} {via};branch={branch};rport",
                    self.peer.transport.via_name()
                ),
            ),
            header("Max-Forwards", "70".to_string()),
            header("From", self.local_party.clone()),
            header("To", self.remote_party.clone()),
            header("Call-ID", self.sip_call_id.clone()),
            header("CSeq", format!("{cseq} {}", method.as_str())),
        ];
        headers.extend(route.into_iter().map(|r| header("Route", r)));
        headers.push(header("User-Agent", user_agent.to_string()));
        headers.push(header("Content-Length", "0".to_string()));
        Message {
            start: StartLine::Request { method, uri },
            headers,
            body: Vec::new(),
        }
    }

    /// The next o= for a new description of ours.
    pub fn next_origin(&mut self) -> LocalOrigin {
        self.origin.version = self.origin.version.saturating_add(1);
        self.origin
    }
}

/// The parameters of a URI (`sip:host;lr;transport=udp` → `;lr;...`).
fn uri_params(uri: &str) -> &str {
    uri.find(';').and_then(|at| uri.get(at..)).unwrap_or("")
}

fn header(name: &str, value: String) -> Header {
    Header {
        name: name.to_string(),
        value,
    }
}
