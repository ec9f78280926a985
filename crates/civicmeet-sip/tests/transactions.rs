//! Server transactions on a virtual clock (RFC 3261 §17.2, RFC 6026).

use std::time::{Duration, Instant};

use civicmeet_sip::{Message, Source, StartLine, T1, T2, TransactionEvent, Transactions, parse};

const PHONE: &str = "192.0.2.10:5060";

fn phone() -> Source {
    Source::udp(PHONE.parse().expect("an address"))
}

fn request(method: &str, branch: &str) -> Message {
    let text = format!(
        "{method} sip:1234@civicmeet.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch={branch}\r\n\
Max-Forwards: 70\r\nTo: <sip:1234@civicmeet.example>\r\n\
From: <sip:saal3@court.example>;tag=1\r\nCall-ID: call-1@192.0.2.10\r\n\
CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    );
    parse(text.as_bytes()).expect("a valid request")
}

fn status(bytes: &[u8]) -> u16 {
    match parse(bytes).expect("a response").start {
        StartLine::Response { status, .. } => status,
        other => panic!("not a response: {other:?}"),
    }
}

fn sent(t: &mut Transactions) -> Vec<u16> {
    std::iter::from_fn(|| t.poll_transmit())
        .map(|(to, bytes)| {
            assert_eq!(to.addr, phone().addr);
            status(&bytes)
        })
        .collect()
}

/// Runs the clock on by `duration` in 10 ms steps, collecting what was
/// sent and when (since the start of the run).
fn run(t: &mut Transactions, now: &mut Instant, duration: Duration) -> Vec<(Duration, u16)> {
    let start = *now;
    let until = start + duration;
    let mut out = Vec::new();
    while *now < until {
        *now += Duration::from_millis(10);
        if t.poll_timeout().is_some_and(|at| at <= *now) {
            t.handle_timeout(*now);
        }
        for status in sent(t) {
            out.push((*now - start, status));
        }
    }
    out
}

#[test]
fn an_invite_is_taken_once_and_its_retransmissions_get_the_last_response() {
    let mut now = Instant::now();
    let mut t = Transactions::new();
    let from = phone();
    t.handle_request(now, from, request("INVITE", "z9hG4bKa"));
    assert_eq!(sent(&mut t), vec![100], "100 Trying at once");
    let Some(TransactionEvent::Request { key, .. }) = t.poll_event() else {
        panic!("the core hears the INVITE")
    };
    now += Duration::from_millis(300);
    t.handle_request(now, from, request("INVITE", "z9hG4bKa"));
    assert_eq!(
        sent(&mut t),
        vec![100],
        "a retransmission gets the 100 again"
    );
    assert_eq!(t.poll_event(), None, "and is not taken twice");
    let ringing = request("INVITE", "z9hG4bKa").response(180, "Ringing", Some("x"));
    t.respond(now, &key, &ringing);
    t.handle_request(now, from, request("INVITE", "z9hG4bKa"));
    assert_eq!(sent(&mut t), vec![180, 180]);
}

#[test]
fn a_refusal_is_retransmitted_until_the_ack_and_the_ack_is_absorbed() {
    let mut now = Instant::now();
    let mut t = Transactions::new();
    let from = phone();
    t.handle_request(now, from, request("INVITE", "z9hG4bKb"));
    sent(&mut t);
    let Some(TransactionEvent::Request {
        key,
        request: invite,
        ..
    }) = t.poll_event()
    else {
        panic!()
    };
    t.respond(now, &key, &invite.response(486, "Busy Here", Some("x")));
    assert_eq!(sent(&mut t), vec![486]);
    // Timer G: T1, 2·T1, 4·T1, then T2 at most.
    let times: Vec<u128> = run(&mut t, &mut now, Duration::from_secs(12))
        .into_iter()
        .map(|(at, status)| {
            assert_eq!(status, 486);
            at.as_millis()
        })
        .collect();
    assert_eq!(
        times,
        vec![500, 1500, 3500, 7500, 11500],
        "T1 doubling to T2 = {T2:?}"
    );
    t.handle_request(now, from, request("ACK", "z9hG4bKb"));
    assert!(matches!(t.poll_event(), Some(TransactionEvent::Ack { .. })));
    assert!(
        run(&mut t, &mut now, Duration::from_secs(4)).is_empty(),
        "no more after the ACK"
    );
    t.handle_request(now, from, request("ACK", "z9hG4bKb"));
    assert_eq!(t.poll_event(), None, "a retransmitted ACK is absorbed");
    run(&mut t, &mut now, Duration::from_secs(6));
    assert!(t.is_empty(), "timer I ended the transaction");
}

#[test]
fn an_unacknowledged_answer_times_out_after_64_t1() {
    let mut now = Instant::now();
    let mut t = Transactions::new();
    t.handle_request(now, phone(), request("INVITE", "z9hG4bKc"));
    sent(&mut t);
    let Some(TransactionEvent::Request {
        key,
        request: invite,
        ..
    }) = t.poll_event()
    else {
        panic!()
    };
    t.respond(now, &key, &invite.response(200, "OK", Some("x")));
    let retransmissions = run(&mut t, &mut now, 64 * T1 + Duration::from_millis(50));
    assert!(retransmissions.iter().all(|(_, s)| *s == 200) && retransmissions.len() >= 9);
    assert_eq!(t.poll_event(), Some(TransactionEvent::TimedOut { key }));
    assert!(t.is_empty());
}

#[test]
fn options_are_answered_once_and_the_answer_repeated_for_retransmissions() {
    let mut now = Instant::now();
    let mut t = Transactions::new();
    let from = phone();
    t.handle_request(now, from, request("OPTIONS", "z9hG4bKd"));
    assert!(sent(&mut t).is_empty(), "no 100 for non-INVITE");
    let Some(TransactionEvent::Request {
        key,
        request: options,
        ..
    }) = t.poll_event()
    else {
        panic!()
    };
    t.respond(now, &key, &options.response(200, "OK", Some("x")));
    assert_eq!(sent(&mut t), vec![200]);
    assert!(
        run(&mut t, &mut now, Duration::from_secs(2)).is_empty(),
        "no retransmission by the server"
    );
    t.handle_request(now, from, request("OPTIONS", "z9hG4bKd"));
    assert_eq!(
        sent(&mut t),
        vec![200],
        "the client's retransmission gets it again"
    );
    assert_eq!(t.poll_event(), None);
    run(&mut t, &mut now, 64 * T1);
    assert!(t.is_empty(), "timer J ended it");
}

#[test]
fn a_request_without_an_rfc3261_branch_is_refused_statelessly() {
    let mut t = Transactions::new();
    t.handle_request(Instant::now(), phone(), request("OPTIONS", "old-style"));
    assert_eq!(sent(&mut t), vec![400]);
    assert_eq!(t.poll_event(), None);
    assert!(t.is_empty());
}
