//! What each request does (RFC 3261 §8.2 checks, then by method): INVITE
//! opens a call, re-INVITE re-offers, ACK confirms, BYE and CANCEL end,
//! INFO carries DTMF and keyframe requests, OPTIONS says what we take.

use std::time::Instant;

use super::{ANSWER_TIMEOUT, Endpoint, MAX_CALLS, cseq_number, reason};
use crate::call::{Call, CallEvent, CallId, EndReason, PendingInvite, Phase, Unacknowledged};
use crate::headers::{NameAddr, is_sip_uri, media_type, option_tags, split_list, uri_user};
use crate::info::{self, INFO_TYPES, Info};
use crate::message::{Message, Method, StartLine};
use crate::sdp::{self, LocalOrigin, SdpError, SessionDescription};
use crate::transaction::TransactionKey;
use crate::transport::Source;

/// Methods other user agents send that we know and do not take: 405
/// (anything else is 501, §8.2.1).
const KNOWN: [&str; 9] = [
    "REGISTER",
    "PRACK",
    "UPDATE",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "MESSAGE",
    "PUBLISH",
    "PING",
];

/// The longest From URI passed on (it may be shown and logged).
const MAX_FROM_URI: usize = 256;

/// The body of an INVITE: none (late offer), an SDP offer, or the status
/// it is refused with.
enum Body {
    None,
    Offer(SessionDescription),
    /// Refused with this status and, for 415, the header that says what
    /// we take.
    Refused(u16, Option<(&'static str, &'static str)>),
}

impl Endpoint {
    pub(super) fn on_request(
        &mut self,
        now: Instant,
        key: TransactionKey,
        source: Source,
        request: Message,
    ) {
        let Some(method) = request.method().cloned() else {
            return;
        };
        if method == Method::Cancel {
            self.on_cancel(now, &key, &request);
            return;
        }
        // §8.2.2.3: we support no extension, so every required one is
        // unsupported.
        let required: Vec<&str> = request
            .headers_named("Require")
            .flat_map(option_tags)
            .collect();
        if !required.is_empty() {
            let unsupported = required.join(", ");
            self.answer(now, &key, &request, 420, None, |r| {
                r.push_header("Unsupported", unsupported)
            });
            return;
        }
        let to_tag = request
            .header("To")
            .and_then(NameAddr::parse)
            .and_then(|to| to.tag().map(str::to_string));
        match to_tag {
            Some(tag) => self.in_dialog(now, key, request, method, &tag),
            None => match method {
                Method::Invite => self.on_invite(now, key, source, request),
                Method::Options => self.on_options(now, &key, &request),
                Method::Bye | Method::Info => self.answer(now, &key, &request, 481, None, |_| {}),
                other => self.not_taken(now, &key, &request, &other),
            },
        }
    }

    /// 405 for a method we know, 501 for one we do not; Allow either way.
    fn not_taken(
        &mut self,
        now: Instant,
        key: &TransactionKey,
        request: &Message,
        method: &Method,
    ) {
        let status = if KNOWN.contains(&method.as_str()) {
            405
        } else {
            501
        };
        self.answer(now, key, request, status, None, |r| {
            r.push_header("Allow", super::ALLOW)
        });
    }

    fn on_options(&mut self, now: Instant, key: &TransactionKey, request: &Message) {
        let mut response = request.response(200, "OK", Some(&self.ids.tag()));
        self.capabilities(&mut response);
        self.transactions.respond(now, key, &response);
    }

    fn on_invite(&mut self, now: Instant, key: TransactionKey, source: Source, request: Message) {
        if self.calls.len() >= MAX_CALLS {
            let retry = (30 + self.ids.below(30)).to_string();
            self.answer(now, &key, &request, 503, None, |r| {
                r.push_header("Retry-After", retry)
            });
            return;
        }
        let sip_call_id = request.header("Call-ID").unwrap_or_default().to_string();
        let from_value = request.header("From").unwrap_or_default().to_string();
        let to_value = request.header("To").unwrap_or_default().to_string();
        let Some(from) = NameAddr::parse(&from_value) else {
            self.answer(now, &key, &request, 400, None, |_| {});
            return;
        };
        let remote_tag = from.tag().unwrap_or_default().to_string();
        // §8.2.2.2: the same request again by another path (a forking
        // proxy) is a merged request.
        if self
            .calls
            .values()
            .any(|c| c.sip_call_id == sip_call_id && c.remote_tag == remote_tag)
        {
            self.answer(now, &key, &request, 482, None, |_| {});
            return;
        }
        let StartLine::Request { uri, .. } = &request.start else {
            return;
        };
        let Some(number) = uri_user(uri) else {
            self.answer(now, &key, &request, 404, None, |_| {});
            return;
        };
        // §8.1.1.8: an INVITE must say where the dialog's requests go,
        // and the route they take must be one we can write into them.
        let (Some(contact), Some(route_set)) = (contact_uri(&request), route_set(&request)) else {
            self.answer(now, &key, &request, 400, None, |_| {});
            return;
        };
        let offer = match read_body(&request) {
            Body::None => None,
            Body::Offer(offer) => Some(offer),
            Body::Refused(status, header) => {
                self.answer(now, &key, &request, status, None, |r| {
                    if let Some((name, value)) = header {
                        r.push_header(name, value);
                    }
                });
                return;
            }
        };
        let local_tag = self.ids.tag();
        let id = CallId(self.next_call);
        self.next_call += 1;
        let from_display = from.display_name();
        let from_uri = from.uri.chars().take(MAX_FROM_URI).collect();
        let call = Call {
            id,
            phase: Phase::Offered {
                deadline: now + ANSWER_TIMEOUT,
            },
            local_party: format!("{to_value};tag={local_tag}"),
            remote_party: from_value.clone(),
            sip_call_id,
            local_tag,
            remote_tag,
            remote_target: contact,
            route_set,
            remote_cseq: cseq_number(&request),
            local_cseq: 0,
            peer: source,
            remote_origin: offer
                .as_ref()
                .map(|o| (o.origin.session_id.clone(), o.origin.version.clone())),
            pending: Some(PendingInvite {
                key,
                request,
                offer: offer.clone(),
            }),
            unacknowledged: None,
            bye_branch: None,
            info_branch: None,
            info_refused: false,
            invite_branch: None,
            ack: None,
            local_media: None,
            local_sdp: None,
            origin: LocalOrigin {
                session_id: self.ids.session_id(),
                version: 0,
            },
        };
        self.calls.insert(id, call);
        self.events.push_back(CallEvent::Incoming {
            call: id,
            source,
            number,
            from_display,
            from_uri,
            offer,
        });
    }

    fn in_dialog(
        &mut self,
        now: Instant,
        key: TransactionKey,
        request: Message,
        method: Method,
        local_tag: &str,
    ) {
        let sip_call_id = request.header("Call-ID").unwrap_or_default();
        let remote_tag = request
            .header("From")
            .and_then(NameAddr::parse)
            .and_then(|f| f.tag())
            .unwrap_or_default();
        let Some(call) = self
            .calls
            .values()
            .find(|c| c.matches(sip_call_id, local_tag, remote_tag))
            .map(|c| c.id)
        else {
            self.answer(now, &key, &request, 481, None, |_| {});
            return;
        };
        let cseq = cseq_number(&request);
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        // §12.2.2: a request older than the last one is out of order.
        if cseq < entry.remote_cseq {
            self.answer(now, &key, &request, 500, Some(call), |_| {});
            return;
        }
        entry.remote_cseq = cseq;
        let gone = matches!(entry.phase, Phase::Closing | Phase::Terminating);
        match method {
            // We hung up and they did too (our BYE in flight, or waiting
            // for the ACK to send it): answered, and the call is gone.
            Method::Bye if gone => {
                self.answer(now, &key, &request, 200, Some(call), |_| {});
                self.forget(call);
            }
            _ if gone => self.answer(now, &key, &request, 481, Some(call), |_| {}),
            Method::Bye => self.on_bye(now, &key, &request, call),
            Method::Invite => self.on_reinvite(now, key, request, call),
            Method::Info => self.on_info(now, &key, &request, call),
            Method::Options => self.on_options(now, &key, &request),
            other => self.not_taken(now, &key, &request, &other),
        }
    }

    fn on_bye(&mut self, now: Instant, key: &TransactionKey, request: &Message, call: CallId) {
        // §15.1.2: a pending INVITE is answered 487 first.
        self.answer_pending(now, call, 487);
        self.answer(now, key, request, 200, Some(call), |_| {});
        self.forget(call);
        self.events.push_back(CallEvent::Ended {
            call,
            reason: EndReason::RemoteHangUp,
        });
    }

    /// A re-INVITE (§14.2): an unchanged offer (a session refresh) is
    /// answered with our last answer at once, a new one goes to the layer
    /// above, one without SDP gets our last description as an offer.
    fn on_reinvite(&mut self, now: Instant, key: TransactionKey, request: Message, call: CallId) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if entry.phase != Phase::Confirmed
            || entry.pending.is_some()
            || entry.unacknowledged.is_some()
        {
            // One offer/answer exchange at a time (§14.2): try again in
            // 0 to 10 seconds.
            let retry = self.ids.below(10).to_string();
            self.answer(now, &key, &request, 500, Some(call), |r| {
                r.push_header("Retry-After", retry)
            });
            return;
        }
        // A target refresh (§12.2.2): the Contact replaces the target.
        match contact_uri(&request) {
            Some(contact) => entry.remote_target = contact,
            None if request.header("Contact").is_some() => {
                self.answer(now, &key, &request, 400, Some(call), |_| {});
                return;
            }
            None => {}
        }
        let offer = match read_body(&request) {
            Body::Refused(status, header) => {
                self.answer(now, &key, &request, status, Some(call), |r| {
                    if let Some((name, value)) = header {
                        r.push_header(name, value);
                    }
                });
                return;
            }
            Body::None => None,
            Body::Offer(offer) => Some(offer),
        };
        let unchanged = offer.as_ref().is_some_and(|o| {
            entry.remote_origin.as_ref()
                == Some(&(o.origin.session_id.clone(), o.origin.version.clone()))
        });
        if offer.is_none() || unchanged {
            let Some(sdp) = entry.local_sdp.clone() else {
                self.answer(now, &key, &request, 500, Some(call), |_| {});
                return;
            };
            entry.unacknowledged = Some(Unacknowledged {
                key: key.clone(),
                cseq: cseq_number(&request),
                initial: false,
                late_offer: offer.is_none(),
                session: None,
            });
            let response = self.ok_with_sdp(call, &request, sdp);
            self.transactions.respond(now, &key, &response);
            return;
        }
        let Some(offer) = offer else {
            return;
        };
        entry.pending = Some(PendingInvite {
            key,
            request,
            offer: Some(offer.clone()),
        });
        self.events.push_back(CallEvent::Reoffer { call, offer });
    }

    /// An ACK: for the 2xx of the initial INVITE it establishes the call
    /// (with the answer in it, for a late offer); for a re-INVITE's 2xx it
    /// ends that exchange. ACKs of refusals and retransmitted ACKs change
    /// nothing.
    pub(super) fn on_ack(&mut self, now: Instant, _key: &TransactionKey, ack: &Message) {
        let sip_call_id = ack.header("Call-ID").unwrap_or_default();
        let tag = |name| {
            ack.header(name)
                .and_then(NameAddr::parse)
                .and_then(|n| n.tag())
                .unwrap_or_default()
        };
        let (local_tag, remote_tag) = (tag("To"), tag("From"));
        let cseq = cseq_number(ack);
        let Some(entry) = self
            .calls
            .values_mut()
            .find(|c| c.matches(sip_call_id, local_tag, remote_tag))
        else {
            return;
        };
        let call = entry.id;
        let Some(acknowledged) = entry.unacknowledged.take_if(|u| u.cseq == cseq) else {
            return;
        };
        self.transactions.acknowledge(&acknowledged.key);
        if entry.phase == Phase::Closing {
            self.send_bye(now, call);
            return;
        }
        let session = if acknowledged.late_offer {
            match read_answer_in(ack, entry.local_media.as_ref()) {
                Ok((session, origin)) => {
                    entry.remote_origin = Some((origin.session_id, origin.version));
                    Some(session)
                }
                Err(_) => {
                    // An ACK cannot be refused: a call without agreed
                    // media ends (§13.3.1.4's "MUST terminate the dialog").
                    self.send_bye(now, call);
                    self.events.push_back(CallEvent::Ended {
                        call,
                        reason: EndReason::NoUsableAnswer,
                    });
                    return;
                }
            }
        } else {
            acknowledged.session
        };
        if acknowledged.initial {
            entry.phase = Phase::Confirmed;
            if let Some(session) = session {
                self.events
                    .push_back(CallEvent::Established { call, session });
            }
        } else if let Some(session) = session {
            self.events
                .push_back(CallEvent::SessionChanged { call, session });
        }
    }

    /// CANCEL (§9.2): a pending INVITE is answered 487 and, if it was the
    /// call's first, the call ends; a CANCEL for an INVITE already
    /// answered changes nothing but is answered 200; one for no INVITE
    /// we know gets 481.
    fn on_cancel(&mut self, now: Instant, key: &TransactionKey, request: &Message) {
        let invite = TransactionKey {
            method: Method::Invite.as_str().to_string(),
            ..key.clone()
        };
        let pending = self
            .calls
            .values()
            .find(|c| c.pending.as_ref().is_some_and(|p| p.key == invite))
            .map(|c| (c.id, matches!(c.phase, Phase::Offered { .. })));
        match pending {
            Some((call, initial)) => {
                self.answer(now, key, request, 200, Some(call), |_| {});
                if initial {
                    self.answer_pending(now, call, 487);
                    self.forget(call);
                    self.events.push_back(CallEvent::Ended {
                        call,
                        reason: EndReason::Cancelled,
                    });
                } else {
                    self.answer_pending(now, call, 487);
                }
            }
            None if self.transactions.contains(&invite) => {
                self.answer(now, key, request, 200, None, |_| {})
            }
            None => self.answer(now, key, request, 481, None, |_| {}),
        }
    }

    fn on_info(&mut self, now: Instant, key: &TransactionKey, request: &Message, call: CallId) {
        match info::read(request.header("Content-Type"), &request.body) {
            Info::Dtmf(digit) => {
                self.answer(now, key, request, 200, Some(call), |_| {});
                self.events.push_back(CallEvent::Dtmf { call, digit });
            }
            Info::PictureFastUpdate => {
                self.answer(now, key, request, 200, Some(call), |_| {});
                self.events.push_back(CallEvent::KeyframeRequest { call });
            }
            Info::Nothing => self.answer(now, key, request, 200, Some(call), |_| {}),
            Info::Unsupported => self.answer(now, key, request, 415, Some(call), |r| {
                r.push_header("Accept", INFO_TYPES)
            }),
            Info::Malformed => self.answer(now, key, request, 400, Some(call), |_| {}),
        }
    }

    /// Answers `request` in its transaction with `status`, the call's tag
    /// in To (a fresh one outside a call), and what `extra` adds.
    fn answer(
        &mut self,
        now: Instant,
        key: &TransactionKey,
        request: &Message,
        status: u16,
        call: Option<CallId>,
        extra: impl FnOnce(&mut Message),
    ) {
        let tag = match call.and_then(|c| self.calls.get(&c)) {
            Some(entry) => entry.local_tag.clone(),
            None => self.ids.tag(),
        };
        let mut response = request.response(status, reason(status), Some(&tag));
        response.push_header("Server", self.config.user_agent.clone());
        extra(&mut response);
        self.transactions.respond(now, key, &response);
    }
}

/// The first Contact's URI, if it is a SIP URI we can send requests to.
pub(super) fn contact_uri(request: &Message) -> Option<String> {
    let contact = split_list(request.header("Contact")?).into_iter().next()?;
    let uri = NameAddr::parse(contact)?.uri;
    is_sip_uri(uri).then(|| uri.to_string())
}

/// The Record-Route entries in order (§12.1.1), `None` when one is not a
/// SIP URI in angle brackets (RFC 3261 §20.30 requires them).
pub(super) fn route_set(request: &Message) -> Option<Vec<String>> {
    request
        .headers_named("Record-Route")
        .flat_map(split_list)
        .map(|route| {
            let parsed = NameAddr::parse(route)?;
            (is_sip_uri(parsed.uri) && route.trim_start().contains('<')).then(|| route.to_string())
        })
        .collect()
}

/// Reads an INVITE's body (§8.2.3, §13.3.1): none, an SDP offer, or why
/// it is refused (415 with Accept or Accept-Encoding, 400 for SDP that
/// does not parse).
fn read_body(request: &Message) -> Body {
    if request.body.is_empty() {
        return Body::None;
    }
    if request
        .header("Content-Encoding")
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        return Body::Refused(415, Some(("Accept-Encoding", "identity")));
    }
    let is_sdp = request
        .header("Content-Type")
        .is_some_and(|t| media_type(t) == "application/sdp");
    if !is_sdp {
        return Body::Refused(415, Some(("Accept", "application/sdp")));
    }
    match SessionDescription::parse(&request.body) {
        Ok(offer) => Body::Offer(offer),
        Err(_) => Body::Refused(400, None),
    }
}

/// The session agreed by the answer in a late-offer ACK.
fn read_answer_in(
    ack: &Message,
    local: Option<&sdp::LocalMedia>,
) -> Result<(sdp::MediaSession, sdp::Origin), SdpError> {
    let local = local.ok_or(SdpError::AnswerMismatch("no offer of ours"))?;
    if ack.body.is_empty() {
        return Err(SdpError::AnswerMismatch("the ACK has no answer"));
    }
    let answer = SessionDescription::parse(&ack.body)?;
    let session = sdp::read_answer(local, &answer)?;
    Ok((session, answer.origin))
}
