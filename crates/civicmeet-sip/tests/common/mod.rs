//! A simulated caller for endpoint tests: builds the requests a room
//! system or phone sends, and reads what the endpoint sends back, on a
//! virtual clock.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use civicmeet_sip::{CallEvent, Config, Endpoint, Message, Source, StartLine, Transport, parse};

pub const SERVER: &str = "198.51.100.1:5060";
pub const PHONE: &str = "192.0.2.10:5060";

/// A baresip-like audio offer (Opus, G.722, PCMU, PCMA, telephone-event).
pub const AUDIO_OFFER: &str = "v=0\r\n\
o=- 3906 3906 IN IP4 192.0.2.10\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 40000 RTP/AVP 96 9 0 8 101\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=sendrecv\r\n";

pub fn endpoint() -> Endpoint {
    Endpoint::new(Config::new(SERVER.parse().unwrap(), 7))
}

/// One caller's side of one call.
pub struct Phone {
    pub addr: SocketAddr,
    pub call_id: String,
    pub from_tag: String,
    pub cseq: u32,
    /// The To tag the endpoint gave the dialog (from its answer).
    pub to_tag: Option<String>,
    branches: u32,
    pub invite_branch: String,
    /// How the phone reaches us (UDP unless a test says otherwise).
    pub transport: Transport,
}

impl Phone {
    pub fn new(name: &str) -> Phone {
        Phone {
            addr: PHONE.parse().unwrap(),
            call_id: format!("{name}@192.0.2.10"),
            from_tag: format!("{name}-tag"),
            cseq: 1,
            to_tag: None,
            branches: 0,
            invite_branch: String::new(),
            transport: Transport::Udp,
        }
    }

    pub fn source(&self) -> Source {
        Source {
            transport: self.transport,
            addr: self.addr,
        }
    }

    pub fn branch(&mut self) -> String {
        self.branches += 1;
        format!("z9hG4bK{}-{}", self.from_tag, self.branches)
    }

    /// A request text; `to_tag` and the CSeq come from the dialog.
    pub fn request(
        &self,
        method: &str,
        branch: &str,
        cseq: u32,
        extra: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<u8> {
        let to_tag = self
            .to_tag
            .as_ref()
            .map(|t| format!(";tag={t}"))
            .unwrap_or_default();
        let content_type = content_type
            .map(|t| format!("Content-Type: {t}\r\n"))
            .unwrap_or_default();
        let mut text = format!(
            "{method} sip:123456789@198.51.100.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch={branch};rport\r\n\
Max-Forwards: 70\r\n\
From: \"Saal 3\" <sip:saal3@court.example>;tag={}\r\n\
To: <sip:123456789@198.51.100.1>{to_tag}\r\n\
Call-ID: {}\r\n\
CSeq: {cseq} {method}\r\n\
Contact: <sip:saal3@192.0.2.10:5060>\r\n\
{extra}{content_type}Content-Length: {}\r\n\r\n",
            self.from_tag,
            self.call_id,
            body.len()
        )
        .into_bytes();
        text.extend_from_slice(body);
        text
    }

    /// The initial INVITE (with `sdp` as offer, or none).
    pub fn invite(&mut self, sdp: Option<&str>) -> Vec<u8> {
        self.invite_branch = self.branch();
        let branch = self.invite_branch.clone();
        self.invite_with(&branch, sdp, "")
    }

    pub fn invite_with(&self, branch: &str, sdp: Option<&str>, extra: &str) -> Vec<u8> {
        match sdp {
            Some(sdp) => self.request(
                "INVITE",
                branch,
                self.cseq,
                extra,
                Some("application/sdp"),
                sdp.as_bytes(),
            ),
            None => self.request("INVITE", branch, self.cseq, extra, None, b""),
        }
    }

    /// The ACK for a 2xx: a new transaction (§13.2.2.4), the INVITE's CSeq.
    pub fn ack(&mut self, sdp: Option<&str>) -> Vec<u8> {
        let branch = self.branch();
        match sdp {
            Some(sdp) => self.request(
                "ACK",
                &branch,
                self.cseq,
                "",
                Some("application/sdp"),
                sdp.as_bytes(),
            ),
            None => self.request("ACK", &branch, self.cseq, "", None, b""),
        }
    }

    /// A new in-dialog request (BYE, INFO, re-INVITE, OPTIONS).
    pub fn next(&mut self, method: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
        self.cseq += 1;
        let branch = self.branch();
        if method == "INVITE" {
            self.invite_branch = branch.clone();
        }
        self.request(method, &branch, self.cseq, "", content_type, body)
    }

    /// Takes the To tag of a response as the dialog's.
    pub fn learn_tag(&mut self, response: &Message) {
        let to = response.header("To").unwrap();
        let tag = to.split(";tag=").nth(1).unwrap().to_string();
        self.to_tag = Some(tag);
    }
}

pub fn status(message: &Message) -> u16 {
    match message.start {
        StartLine::Response { status, .. } => status,
        _ => panic!("not a response: {message:?}"),
    }
}

/// Everything the endpoint sent, parsed.
pub fn sent(endpoint: &mut Endpoint) -> Vec<(SocketAddr, Message)> {
    std::iter::from_fn(|| endpoint.poll_transmit())
        .map(|(to, bytes)| (to, parse(&bytes).expect("what we send parses")))
        .collect()
}

/// The statuses of the responses sent (requests are left out).
pub fn statuses(endpoint: &mut Endpoint) -> Vec<u16> {
    sent(endpoint)
        .into_iter()
        .filter(|(_, m)| matches!(m.start, StartLine::Response { .. }))
        .map(|(_, m)| status(&m))
        .collect()
}

pub fn events(endpoint: &mut Endpoint) -> Vec<CallEvent> {
    std::iter::from_fn(|| endpoint.poll_event()).collect()
}

/// Runs the clock on by `duration` in 10 ms steps, collecting what was
/// sent and when (since the start of the run).
pub fn run(
    endpoint: &mut Endpoint,
    now: &mut Instant,
    duration: Duration,
) -> Vec<(Duration, Message)> {
    let start = *now;
    let until = start + duration;
    let mut out = Vec::new();
    while *now < until {
        *now += Duration::from_millis(10);
        if endpoint.poll_timeout().is_some_and(|at| at <= *now) {
            endpoint.handle_timeout(*now);
        }
        for (_, message) in sent(endpoint) {
            out.push((*now - start, message));
        }
    }
    out
}

pub fn body(message: &Message) -> String {
    String::from_utf8(message.body.clone()).unwrap()
}
