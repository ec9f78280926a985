//! Non-INVITE client transactions over UDP (RFC 3261 §17.1.2), for the
//! requests we send ourselves (BYE, INFO): timer E retransmits (T1 doubling to
//! T2, T2 once a provisional response came), timer F gives up after
//! 64·T1, timer K absorbs retransmitted responses for T4. Responses are
//! matched by the top Via's branch and the CSeq method (§17.1.3).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::headers::{param, split_list};
use crate::message::{Message, StartLine};
use crate::transaction::{T1, T2, T4};
use crate::transport::Source;

/// What a client transaction tells the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientEvent {
    /// The final response arrived.
    Completed { branch: String, status: u16 },
    /// No final response within 64·T1 (timer F).
    TimedOut { branch: String },
}

#[derive(Debug)]
struct ClientTransaction {
    to: Source,
    method: String,
    request: Vec<u8>,
    /// Next retransmission and the interval used (timer E); `None` once
    /// a final response came.
    retransmit: Option<(Instant, Duration)>,
    /// Timer F while waiting, timer K once completed.
    ends: Instant,
    completed: bool,
}

#[derive(Debug, Default)]
pub(crate) struct ClientTransactions {
    /// By branch; ordered, so timers that fire together are handled in
    /// the same order every run.
    transactions: BTreeMap<String, ClientTransaction>,
    transmits: VecDeque<(Source, Vec<u8>)>,
    events: VecDeque<ClientEvent>,
}

impl ClientTransactions {
    /// Sends `request` (whose top Via carries `branch`) to `to`.
    pub fn send(&mut self, now: Instant, to: Source, branch: &str, request: &Message) {
        let StartLine::Request { method, .. } = &request.start else {
            return;
        };
        let bytes = request.to_bytes();
        self.transmits.push_back((to, bytes.clone()));
        self.transactions.insert(
            branch.to_string(),
            ClientTransaction {
                to,
                method: method.as_str().to_string(),
                request: bytes,
                // Timer E; over a stream the transport delivers (§17.1.2.2).
                retransmit: (!to.transport.is_reliable()).then_some((now + T1, T1)),
                ends: now + 64 * T1,
                completed: false,
            },
        );
    }

    /// Takes a response; `false` when it belongs to no transaction of ours
    /// (it is then dropped, §18.1.2).
    pub fn handle_response(&mut self, now: Instant, response: &Message) -> bool {
        let StartLine::Response { status, .. } = response.start else {
            return false;
        };
        let Some(branch) = top_branch(response) else {
            return false;
        };
        let cseq_method = response
            .header("CSeq")
            .and_then(|c| c.split_whitespace().nth(1));
        let Some(transaction) = self.transactions.get_mut(branch) else {
            return false;
        };
        if cseq_method != Some(transaction.method.as_str()) {
            return false;
        }
        if transaction.completed {
            // A retransmitted final response: absorbed (timer K).
            return true;
        }
        if status < 200 {
            // Proceeding: keep retransmitting, at T2 (§17.1.2.2).
            if !transaction.to.transport.is_reliable() {
                transaction.retransmit = Some((now + T2, T2));
            }
            return true;
        }
        transaction.completed = true;
        transaction.retransmit = None;
        // Timer K absorbs retransmitted responses; a stream has none.
        transaction.ends = if transaction.to.transport.is_reliable() {
            now
        } else {
            now + T4
        };
        self.events.push_back(ClientEvent::Completed {
            branch: branch.to_string(),
            status,
        });
        true
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        let mut ended = Vec::new();
        for (branch, transaction) in &mut self.transactions {
            if transaction.ends <= now {
                ended.push(branch.clone());
                continue;
            }
            if let Some((at, interval)) = transaction.retransmit
                && at <= now
            {
                self.transmits
                    .push_back((transaction.to, transaction.request.clone()));
                let next = (interval * 2).min(T2);
                transaction.retransmit = Some((now + next, next));
            }
        }
        for branch in ended {
            if let Some(transaction) = self.transactions.remove(&branch)
                && !transaction.completed
            {
                self.events.push_back(ClientEvent::TimedOut { branch });
            }
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transactions
            .values()
            .flat_map(|t| [t.retransmit.map(|(at, _)| at), Some(t.ends)])
            .flatten()
            .min()
    }

    pub fn poll_transmit(&mut self) -> Option<(Source, Vec<u8>)> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    pub fn len(&self) -> usize {
        self.transactions.len()
    }
}

/// The branch of a message's top Via.
fn top_branch(message: &Message) -> Option<&str> {
    let via = message.header("Via")?;
    let top = split_list(via).into_iter().next()?;
    let params = top.get(top.find(';')?..)?;
    param(params, "branch")
}
