//! Calls over TCP and TLS (RFC 3261 §17, §18.3): the transport delivers,
//! so nothing is retransmitted — except a 2xx to INVITE, which the UAS
//! core repeats end to end whatever the transport (§13.3.1.4); our BYE
//! names the transport in its Via and is sent once; timers that only
//! absorb retransmissions (I, J, K) are zero.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::LocalMedia;
use civicmeet_sip::{
    CallEvent, Method, Source, StartLine, T1, TransactionEvent, Transactions, Transport, parse,
};
use common::{AUDIO_OFFER, PHONE, Phone, endpoint, events, run, sent, status};

fn local() -> LocalMedia {
    LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000)
}

#[test]
fn a_call_over_tcp_repeats_only_its_200_and_our_bye_goes_once_saying_tcp() {
    for transport in [Transport::Tcp, Transport::Tls] {
        let mut now = Instant::now();
        let mut endpoint = endpoint();
        let mut phone = Phone::new("stream");
        phone.transport = transport;
        endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(AUDIO_OFFER)));
        let (to, trying) = endpoint.poll_transmit_on().expect("100 Trying");
        assert_eq!(to, phone.source(), "answers go back on the stream");
        assert_eq!(status(&parse(&trying).unwrap()), 100);
        let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
            panic!("Incoming")
        };
        endpoint.accept(now, call, &local()).unwrap();
        let ok = sent(&mut endpoint).remove(0).1;
        phone.learn_tag(&ok);

        // No ACK for a while: the 200 is repeated even on a stream.
        let repeated = run(&mut endpoint, &mut now, Duration::from_millis(1600));
        assert_eq!(repeated.len(), 2, "{transport:?}: 200 at T1 and 3·T1");
        endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
        assert!(matches!(
            events(&mut endpoint).as_slice(),
            [CallEvent::Established { .. }]
        ));

        endpoint.hang_up(now, call).unwrap();
        let (to, bye) = endpoint.poll_transmit_on().expect("our BYE");
        assert_eq!(to, phone.source());
        let bye = parse(&bye).unwrap();
        assert!(matches!(
            bye.start,
            StartLine::Request {
                method: Method::Bye,
                ..
            }
        ));
        let via = bye.header("Via").unwrap();
        let name = if transport == Transport::Tcp {
            "TCP"
        } else {
            "TLS"
        };
        assert!(via.starts_with(&format!("SIP/2.0/{name} ")), "{via}");
        // Unanswered, it is not sent again; timer F still ends the call.
        let later = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
        assert!(
            later.is_empty(),
            "{transport:?}: nothing repeated: {later:?}"
        );
        assert_eq!(endpoint.call_count(), 0);
    }
}

/// A request as a phone on a stream sends it.
fn request(method: &str, branch: &str) -> civicmeet_sip::Message {
    let text = format!(
        "{method} sip:1234@civicmeet.example SIP/2.0\r\n\
Via: SIP/2.0/TCP {PHONE};branch={branch}\r\n\
Max-Forwards: 70\r\nTo: <sip:1234@civicmeet.example>\r\n\
From: <sip:saal3@court.example>;tag=1\r\nCall-ID: call-1@192.0.2.10\r\n\
CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    );
    parse(text.as_bytes()).expect("a valid request")
}

#[test]
fn over_tcp_a_refusal_is_sent_once_and_a_non_invite_ends_at_once() {
    let phone = Source::tcp(PHONE.parse().unwrap());
    let mut now = Instant::now();
    let mut t = Transactions::new();

    t.handle_request(now, phone, request("INVITE", "z9hG4bKr1"));
    let Some(TransactionEvent::Request {
        key,
        request: invite,
        ..
    }) = t.poll_event()
    else {
        panic!("the INVITE")
    };
    let _trying = t.poll_transmit();
    t.respond(now, &key, &invite.response(486, "Busy Here", Some("x")));
    assert!(t.poll_transmit().is_some());
    // No ACK ever comes: nothing repeated, and after timer H the caller
    // is taken for gone.
    let mut repeated = 0;
    let mut timed_out = false;
    for _ in 0..(64 * 50 + 5) {
        now += Duration::from_millis(10);
        t.handle_timeout(now);
        repeated += std::iter::from_fn(|| t.poll_transmit()).count();
        timed_out |= matches!(t.poll_event(), Some(TransactionEvent::TimedOut { .. }));
    }
    assert_eq!(repeated, 0, "no timer G on a stream");
    assert!(timed_out, "timer H still ends it");

    t.handle_request(now, phone, request("OPTIONS", "z9hG4bKr2"));
    let Some(TransactionEvent::Request {
        key,
        request: options,
        ..
    }) = t.poll_event()
    else {
        panic!("the OPTIONS")
    };
    t.respond(now, &key, &options.response(200, "OK", Some("x")));
    t.handle_timeout(now);
    assert!(t.is_empty(), "timer J is zero on a stream");
}
