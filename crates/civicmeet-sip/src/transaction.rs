//! Server transactions over UDP (RFC 3261 §17.2, with RFC 6026's
//! "Accepted" state for 2xx answers to INVITE), on a clock that is always
//! an argument.
//!
//! A request that arrives again (the client's retransmission) is absorbed
//! and the last response sent again; a final response to INVITE is
//! retransmitted on timer G (T1 doubling to T2) until the ACK arrives,
//! and given up after timer H (64·T1) — the caller hears
//! [`TransactionEvent::TimedOut`] and ends the call. A non-INVITE
//! transaction keeps its final response for timer J (64·T1) to answer
//! retransmissions. Nothing here knows dialogs, SDP or meetings: the core
//! above sees each new request once, and each ACK of an answered INVITE.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::message::{Message, Method, StartLine};
use crate::transport::Source;

/// RTT estimate (RFC 3261 §17.1.1.1).
pub const T1: Duration = Duration::from_millis(500);
/// Longest retransmission interval for non-INVITE requests and INVITE
/// responses.
pub const T2: Duration = Duration::from_secs(4);
/// How long a message may stay in the network; the confirmed state waits
/// this long for retransmitted ACKs (timer I).
pub const T4: Duration = Duration::from_secs(5);

/// Transactions kept at once; more new requests are answered `503`.
pub const MAX_TRANSACTIONS: usize = 4096;

/// Identifies a server transaction (§17.2.3): the top Via's branch and
/// sent-by, and the method (ACK counts as INVITE).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionKey {
    pub branch: String,
    pub sent_by: String,
    pub method: String,
}

impl TransactionKey {
    /// The key of a request; `None` without a Via carrying an RFC 3261
    /// branch (older clients are not supported: every room system and
    /// phone of the last twenty years sends one).
    pub fn of(request: &Message) -> Option<TransactionKey> {
        let StartLine::Request { method, .. } = &request.start else {
            return None;
        };
        let via = request.header("Via")?;
        // The top Via: the first value of the first Via header.
        let top = via.split(',').next()?.trim();
        let (sent_protocol_and_by, params) = top.split_once(';').unwrap_or((top, ""));
        let sent_by = sent_protocol_and_by
            .split_whitespace()
            .nth(1)?
            .to_ascii_lowercase();
        let branch = params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.eq_ignore_ascii_case("branch"))
            .map(|(_, value)| value.to_string())
            .filter(|b| b.starts_with("z9hG4bK"))?;
        let method = match method {
            Method::Ack => Method::Invite.as_str().to_string(),
            other => other.as_str().to_string(),
        };
        Some(TransactionKey {
            branch,
            sent_by,
            method,
        })
    }
}

/// What the transaction layer tells the core above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A new request: answer it with [`Transactions::respond`].
    Request {
        key: TransactionKey,
        source: Source,
        request: Message,
    },
    /// The ACK of an answered INVITE (for a 2xx, it confirms the call).
    Ack { key: TransactionKey, ack: Message },
    /// An INVITE's final response was never acknowledged: the call is gone.
    TimedOut { key: TransactionKey },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Request taken, no final response yet.
    Proceeding,
    /// Final response sent (INVITE: retransmitted until ACK).
    Completed,
    /// INVITE only: an ACK arrived for a non-2xx; absorbing ACKs (timer I).
    Confirmed,
    /// INVITE only: a 2xx was sent; retransmitted until ACK (RFC 6026).
    Accepted,
}

#[derive(Debug)]
struct Transaction {
    invite: bool,
    source: Source,
    state: State,
    /// A final response to INVITE that no ACK has answered yet (timer H
    /// ends the call if none comes).
    awaiting_ack: bool,
    /// The last response sent, for retransmissions.
    last_response: Option<Vec<u8>>,
    /// When to retransmit the final response next, and the interval used.
    retransmit: Option<(Instant, Duration)>,
    /// When the transaction ends (timers H, I, J, L).
    ends: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Transactions {
    /// Ordered, so timers that fire together are handled in the same
    /// order every run (deterministic tests).
    transactions: BTreeMap<TransactionKey, Transaction>,
    transmits: VecDeque<(Source, Vec<u8>)>,
    events: VecDeque<TransactionEvent>,
}

impl Transactions {
    pub fn new() -> Transactions {
        Transactions::default()
    }

    /// Takes a parsed request from `source`.
    pub fn handle_request(&mut self, now: Instant, source: Source, request: Message) {
        let Some(key) = TransactionKey::of(&request) else {
            // No RFC 3261 branch: cannot be matched, so not taken.
            self.answer_statelessly(source, &request, 400, "Missing Branch");
            return;
        };
        let is_ack = request.method() == Some(&Method::Ack);
        if let Some(transaction) = self.transactions.get_mut(&key) {
            if is_ack {
                match transaction.state {
                    State::Completed => {
                        transaction.state = State::Confirmed;
                        transaction.retransmit = None;
                        transaction.awaiting_ack = false;
                        // Timer I absorbs retransmitted ACKs; a stream has none.
                        let linger = if transaction.source.transport.is_reliable() {
                            Duration::ZERO
                        } else {
                            T4
                        };
                        transaction.ends = Some(now + linger);
                        self.events
                            .push_back(TransactionEvent::Ack { key, ack: request });
                    }
                    State::Accepted => {
                        transaction.retransmit = None;
                        transaction.awaiting_ack = false;
                        self.events
                            .push_back(TransactionEvent::Ack { key, ack: request });
                    }
                    State::Proceeding | State::Confirmed => {}
                }
                return;
            }
            // A retransmitted request: send the last response again.
            if let Some(last) = &transaction.last_response {
                self.transmits.push_back((transaction.source, last.clone()));
            }
            return;
        }
        if is_ack {
            // An ACK for a 2xx whose transaction ended, or a stray one:
            // the core may still want it (a late 2xx ACK confirms a call).
            self.events
                .push_back(TransactionEvent::Ack { key, ack: request });
            return;
        }
        if self.transactions.len() >= MAX_TRANSACTIONS {
            self.answer_statelessly(source, &request, 503, "Service Unavailable");
            return;
        }
        let invite = request.method() == Some(&Method::Invite);
        let mut transaction = Transaction {
            invite,
            source,
            state: State::Proceeding,
            awaiting_ack: false,
            last_response: None,
            retransmit: None,
            ends: None,
        };
        if invite {
            // 100 Trying at once: the caller stops retransmitting while the
            // core decides (a PIN prompt, a waiting room).
            let trying = request.response(100, "Trying", None).to_bytes();
            self.transmits.push_back((source, trying.clone()));
            transaction.last_response = Some(trying);
        }
        self.transactions.insert(key.clone(), transaction);
        self.events.push_back(TransactionEvent::Request {
            key,
            source,
            request,
        });
    }

    /// Sends `response` in the transaction `key` (a provisional one keeps
    /// it open, a final one completes it). Unknown keys (ended meanwhile)
    /// are ignored.
    pub fn respond(&mut self, now: Instant, key: &TransactionKey, response: &Message) {
        let StartLine::Response { status, .. } = response.start else {
            return;
        };
        let Some(transaction) = self.transactions.get_mut(key) else {
            return;
        };
        if transaction.state != State::Proceeding {
            return;
        }
        let bytes = response.to_bytes();
        self.transmits
            .push_back((transaction.source, bytes.clone()));
        transaction.last_response = Some(bytes);
        if status < 200 {
            return;
        }
        let reliable = transaction.source.transport.is_reliable();
        if !transaction.invite {
            transaction.state = State::Completed;
            // Timer J absorbs retransmitted requests; a stream has none.
            let linger = if reliable { Duration::ZERO } else { 64 * T1 };
            transaction.ends = Some(now + linger);
            return;
        }
        let success = status < 300;
        transaction.state = if success {
            State::Accepted
        } else {
            State::Completed
        };
        transaction.awaiting_ack = true;
        // Timer G. A 2xx is retransmitted over a stream too: the UAS core
        // does it end to end, for UDP hops behind the peer (§13.3.1.4).
        if success || !reliable {
            transaction.retransmit = Some((now + T1, T1));
        }
        transaction.ends = Some(now + 64 * T1);
    }

    /// The core matched an ACK to the 2xx of the INVITE transaction `key`
    /// by its dialog (an ACK for a 2xx is a transaction of its own, with
    /// its own branch, §17.1.1.3): stop retransmitting the 2xx. The
    /// transaction stays until timer L to absorb retransmitted INVITEs.
    pub fn acknowledge(&mut self, key: &TransactionKey) {
        if let Some(transaction) = self.transactions.get_mut(key)
            && transaction.state == State::Accepted
        {
            transaction.retransmit = None;
            transaction.awaiting_ack = false;
        }
    }

    /// Whether the transaction `key` is open (a CANCEL's INVITE, say).
    pub fn contains(&self, key: &TransactionKey) -> bool {
        self.transactions.contains_key(key)
    }

    /// Advances time: retransmissions due, transactions that end.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut ended = Vec::new();
        for (key, transaction) in &mut self.transactions {
            if let Some((at, interval)) = transaction.retransmit
                && at <= now
            {
                if let Some(last) = &transaction.last_response {
                    self.transmits.push_back((transaction.source, last.clone()));
                }
                let next = (interval * 2).min(T2);
                transaction.retransmit = Some((now + next, next));
            }
            if transaction.ends.is_some_and(|end| end <= now) {
                ended.push(key.clone());
            }
        }
        for key in ended {
            if let Some(transaction) = self.transactions.remove(&key) {
                // Timer H (or L for a 2xx): a final response never
                // acknowledged; the caller is gone.
                if transaction.invite && transaction.awaiting_ack {
                    self.events.push_back(TransactionEvent::TimedOut { key });
                }
            }
        }
    }

    /// When [`Transactions::handle_timeout`] is next needed.
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

    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.events.pop_front()
    }

    /// Open transactions (for tests and metrics).
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    fn answer_statelessly(&mut self, to: Source, request: &Message, status: u16, reason: &str) {
        if request.method() != Some(&Method::Ack) && request.header("Via").is_some() {
            self.transmits
                .push_back((to, request.response(status, reason, None).to_bytes()));
        }
    }
}
