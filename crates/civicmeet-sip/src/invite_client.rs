//! INVITE client transactions (RFC 3261 §17.1.1, with RFC 6026's
//! Accepted state), for the calls we dial out: timer A retransmits the
//! INVITE over UDP (T1, doubling) until a response comes, timer B gives
//! up after 64·T1 without one; a final 3xx-6xx is acknowledged here, hop
//! by hop, and its retransmissions are acknowledged again until timer D;
//! every 2xx (retransmissions too) goes up to the core, which sends its
//! own ACK end to end, until timer M. Over TCP and TLS nothing is
//! retransmitted and timer D is zero. Responses are matched by the top
//! Via's branch and the CSeq method (§17.1.3).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::headers::{param, split_list};
use crate::message::{Header, Message, Method, StartLine};
use crate::transaction::T1;
use crate::transport::Source;

/// Timer D over UDP: how long retransmitted final responses are absorbed
/// (at least 32 s, §17.1.1.2).
const TIMER_D: Duration = Duration::from_secs(32);

/// What an INVITE client transaction tells the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InviteClientEvent {
    /// A provisional response (the first one ends timer A and B).
    Provisional { branch: String, status: u16 },
    /// A 2xx, the first or a retransmission: the core acknowledges each.
    Accepted { branch: String, response: Message },
    /// The final 3xx-6xx (already acknowledged here).
    Refused { branch: String, status: u16 },
    /// No response within 64·T1 (timer B).
    TimedOut { branch: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Proceeding,
    /// A final 3xx-6xx came; its retransmissions get the ACK again.
    Completed,
    /// A 2xx came; later 2xx still go up (RFC 6026, timer M).
    Accepted,
}

#[derive(Debug)]
struct InviteClient {
    to: Source,
    invite: Message,
    bytes: Vec<u8>,
    state: State,
    /// Timer A: the next retransmission and the interval used.
    retransmit: Option<(Instant, Duration)>,
    /// Timer B in Calling, D in Completed, M in Accepted; none while
    /// proceeding (the core gives up ringing on its own clock).
    ends: Option<Instant>,
    /// The ACK of the final 3xx-6xx, sent again for its retransmissions.
    ack: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
pub(crate) struct InviteClients {
    /// By branch; ordered, so timers that fire together are handled in
    /// the same order every run.
    transactions: BTreeMap<String, InviteClient>,
    transmits: VecDeque<(Source, Vec<u8>)>,
    events: VecDeque<InviteClientEvent>,
}

impl InviteClients {
    /// Sends `invite` (whose top Via carries `branch`) to `to`.
    pub fn send(&mut self, now: Instant, to: Source, branch: &str, invite: &Message) {
        let bytes = invite.to_bytes();
        self.transmits.push_back((to, bytes.clone()));
        self.transactions.insert(
            branch.to_string(),
            InviteClient {
                to,
                invite: invite.clone(),
                bytes,
                state: State::Calling,
                retransmit: (!to.transport.is_reliable()).then_some((now + T1, T1)),
                ends: Some(now + 64 * T1),
                ack: None,
            },
        );
    }

    /// Takes a response; `false` when it belongs to no INVITE of ours.
    pub fn handle_response(&mut self, now: Instant, response: &Message) -> bool {
        let StartLine::Response { status, .. } = response.start else {
            return false;
        };
        let Some(branch) = top_branch(response) else {
            return false;
        };
        let is_invite = response
            .header("CSeq")
            .and_then(|c| c.split_whitespace().nth(1))
            == Some("INVITE");
        let Some(transaction) = self.transactions.get_mut(branch).filter(|_| is_invite) else {
            return false;
        };
        let branch = branch.to_string();
        match (transaction.state, status) {
            (State::Calling | State::Proceeding, 100..=199) => {
                transaction.state = State::Proceeding;
                transaction.retransmit = None;
                transaction.ends = None;
                self.events
                    .push_back(InviteClientEvent::Provisional { branch, status });
            }
            (State::Calling | State::Proceeding | State::Accepted, 200..=299) => {
                if transaction.state != State::Accepted {
                    transaction.state = State::Accepted;
                    transaction.retransmit = None;
                    transaction.ends = Some(now + 64 * T1);
                }
                self.events.push_back(InviteClientEvent::Accepted {
                    branch,
                    response: response.clone(),
                });
            }
            (State::Calling | State::Proceeding, 300..) => {
                let ack = ack_for_refusal(&transaction.invite, response).to_bytes();
                self.transmits.push_back((transaction.to, ack.clone()));
                transaction.state = State::Completed;
                transaction.retransmit = None;
                transaction.ack = Some(ack);
                transaction.ends = Some(if transaction.to.transport.is_reliable() {
                    now
                } else {
                    now + TIMER_D
                });
                self.events
                    .push_back(InviteClientEvent::Refused { branch, status });
            }
            (State::Completed, 300..) => {
                if let Some(ack) = &transaction.ack {
                    self.transmits.push_back((transaction.to, ack.clone()));
                }
            }
            // A provisional after the final one, or a 2xx after a
            // refusal: nothing to do.
            _ => {}
        }
        true
    }

    /// The INVITE of a transaction (to build its CANCEL from).
    pub fn invite(&self, branch: &str) -> Option<&Message> {
        self.transactions.get(branch).map(|t| &t.invite)
    }

    /// Ends a transaction the core has given up (a CANCEL that was never
    /// answered).
    pub fn forget(&mut self, branch: &str) {
        self.transactions.remove(branch);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        let mut ended = Vec::new();
        for (branch, transaction) in &mut self.transactions {
            if transaction.ends.is_some_and(|at| at <= now) {
                ended.push(branch.clone());
                continue;
            }
            if let Some((at, interval)) = transaction.retransmit
                && at <= now
            {
                self.transmits
                    .push_back((transaction.to, transaction.bytes.clone()));
                // Timer A doubles without a cap (§17.1.1.2).
                let next = interval * 2;
                transaction.retransmit = Some((now + next, next));
            }
        }
        for branch in ended {
            if let Some(transaction) = self.transactions.remove(&branch)
                && transaction.state == State::Calling
            {
                self.events
                    .push_back(InviteClientEvent::TimedOut { branch });
            }
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transactions
            .values()
            .flat_map(|t| [t.retransmit.map(|(at, _)| at), t.ends])
            .flatten()
            .min()
    }

    pub fn poll_transmit(&mut self) -> Option<(Source, Vec<u8>)> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<InviteClientEvent> {
        self.events.pop_front()
    }

    pub fn len(&self) -> usize {
        self.transactions.len()
    }
}

/// The ACK of a 3xx-6xx (§17.1.1.3): part of the INVITE's transaction, so
/// its Request-URI, top Via, From, Call-ID, Route and CSeq number; the
/// To of the response (with the tag it added).
fn ack_for_refusal(invite: &Message, response: &Message) -> Message {
    let mut ack = same_transaction(invite, Method::Ack);
    if let (Some(to), Some(ours)) = (
        response.header("To"),
        ack.headers.iter_mut().find(|h| h.name == "To"),
    ) {
        ours.value = to.to_string();
    }
    ack
}

/// The CANCEL of `invite` (§9.1): the same Request-URI, top Via (so the
/// same branch), From, To, Call-ID, Route and CSeq number.
pub(crate) fn cancel_for(invite: &Message) -> Message {
    same_transaction(invite, Method::Cancel)
}

fn same_transaction(invite: &Message, method: Method) -> Message {
    let uri = match &invite.start {
        StartLine::Request { uri, .. } => uri.clone(),
        StartLine::Response { .. } => String::new(),
    };
    let cseq = invite
        .header("CSeq")
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or("1");
    let mut headers: Vec<Header> = Vec::new();
    if let Some(via) = invite.header("Via") {
        let top = split_list(via).into_iter().next().unwrap_or(via);
        headers.push(named("Via", top));
    }
    for name in ["Max-Forwards", "From", "To", "Call-ID"] {
        if let Some(value) = invite.header(name) {
            headers.push(named(name, value));
        }
    }
    headers.push(named("CSeq", &format!("{cseq} {}", method.as_str())));
    for route in invite.headers_named("Route") {
        headers.push(named("Route", route));
    }
    headers.push(named("Content-Length", "0"));
    Message {
        start: StartLine::Request { method, uri },
        headers,
        body: Vec::new(),
    }
}

fn named(name: &str, value: &str) -> Header {
    Header {
        name: name.to_string(),
        value: value.to_string(),
    }
}

/// The branch of a message's top Via.
fn top_branch(message: &Message) -> Option<&str> {
    let via = message.header("Via")?;
    let top = split_list(via).into_iter().next()?;
    let params = top.get(top.find(';')?..)?;
    param(params, "branch")
}
