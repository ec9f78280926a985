//! Calls we dial out (RFC 3261 UAC), on a virtual clock: the test plays a
//! room system that answers our INVITE, and the layer above.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::{AudioCodec, LocalMedia};
use civicmeet_sip::{
    CallEvent, CallId, DIAL_TIMEOUT, Dial, DialTarget, EndReason, Endpoint, Error, Message, Method,
    Source, StartLine, T1, Transport, parse,
};
use common::{endpoint, events, run, status};

const ROOM: &str = "192.0.2.20:5060";

/// An answer to our offer, as a room system sends it (Opus and
/// telephone-event, our payload types).
const ANSWER: &str = "v=0\r\n\
o=- 77 77 IN IP4 192.0.2.20\r\n\
s=-\r\n\
c=IN IP4 192.0.2.20\r\n\
t=0 0\r\n\
m=audio 41000 RTP/AVP 111 101\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=rtpmap:101 telephone-event/48000\r\n\
a=sendrecv\r\n";

fn local() -> LocalMedia {
    LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000)
}

fn room() -> SocketAddr {
    ROOM.parse().unwrap()
}

fn dial_to(target: &str) -> Dial {
    Dial {
        target: DialTarget::parse(target).unwrap(),
        destination: room(),
        from_user: "123456789".to_string(),
        from_display: Some("Sitzung \"Bauamt\"".to_string()),
    }
}

/// Everything sent, with where it went.
fn sent_to(endpoint: &mut Endpoint) -> Vec<(Source, Message)> {
    std::iter::from_fn(|| endpoint.poll_transmit_on())
        .map(|(to, bytes)| (to, parse(&bytes).expect("what we send parses")))
        .collect()
}

fn method(message: &Message) -> &str {
    match &message.start {
        StartLine::Request { method, .. } => method.as_str(),
        StartLine::Response { .. } => "response",
    }
}

fn uri(message: &Message) -> &str {
    match &message.start {
        StartLine::Request { uri, .. } => uri,
        StartLine::Response { .. } => "",
    }
}

fn branch(message: &Message) -> String {
    let via = message.header("Via").unwrap();
    via.split(";branch=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// The room system's response to `request`, with its tag.
fn respond(request: &Message, status: u16, extra: &[(&str, &str)], sdp: Option<&str>) -> Vec<u8> {
    let mut response = request.response(status, "Whatever", Some("room-tag"));
    for (name, value) in extra {
        response.push_header(name, *value);
    }
    if let Some(sdp) = sdp {
        response.set_body("application/sdp", sdp.as_bytes().to_vec());
    }
    response.to_bytes()
}

/// Dials and returns the call and our INVITE.
fn dialled(endpoint: &mut Endpoint, now: Instant) -> (CallId, Message) {
    let call = endpoint
        .dial(now, &dial_to("sip:saal3@court.example"), &local())
        .unwrap();
    let sent = sent_to(endpoint);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (to, invite) = sent.into_iter().next().unwrap();
    assert_eq!(to, Source::udp(room()));
    assert_eq!(method(&invite), "INVITE");
    (call, invite)
}

fn input(endpoint: &mut Endpoint, now: Instant, bytes: &[u8]) {
    endpoint.handle_datagram(now, Source::udp(room()), bytes);
}

/// The INVITE answered 180, then 200 with our answer: returns the call,
/// the INVITE and our ACK.
fn established(endpoint: &mut Endpoint, now: Instant) -> (CallId, Message, Message) {
    let (call, invite) = dialled(endpoint, now);
    input(endpoint, now, &respond(&invite, 180, &[], None));
    assert_eq!(events(endpoint), vec![CallEvent::Ringing { call }]);
    let ok = respond(
        &invite,
        200,
        &[("Contact", "<sip:saal3@192.0.2.20:5060>")],
        Some(ANSWER),
    );
    input(endpoint, now, &ok);
    let sent = sent_to(endpoint);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let ack = sent.into_iter().next().unwrap().1;
    assert!(matches!(
        events(endpoint).as_slice(),
        [CallEvent::Established { call: c, .. }] if *c == call
    ));
    (call, invite, ack)
}

#[test]
fn a_dialled_call_rings_is_answered_and_acknowledged_end_to_end() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    assert_eq!(uri(&invite), "sip:saal3@court.example");
    assert_eq!(invite.header("To"), Some("<sip:saal3@court.example>"));
    let from = invite.header("From").unwrap();
    assert!(
        from.starts_with("\"Sitzung \\\"Bauamt\\\"\" <sip:123456789@198.51.100.1:5060>;tag="),
        "the display name quoted and escaped: {from}"
    );
    assert_eq!(invite.header("CSeq"), Some("1 INVITE"));
    assert_eq!(invite.header("Contact"), Some("<sip:198.51.100.1:5060>"));
    assert!(branch(&invite).starts_with("z9hG4bK"));
    let offer = String::from_utf8(invite.body.clone()).unwrap();
    assert!(offer.contains("m=audio 20000 RTP/AVP 111 "), "{offer}");

    // 100 Trying is not announced; 180 once, however often it comes.
    input(&mut endpoint, now, &respond(&invite, 100, &[], None));
    assert!(events(&mut endpoint).is_empty());
    input(&mut endpoint, now, &respond(&invite, 180, &[], None));
    input(&mut endpoint, now, &respond(&invite, 183, &[], None));
    assert_eq!(events(&mut endpoint), vec![CallEvent::Ringing { call }]);
    assert!(sent_to(&mut endpoint).is_empty(), "nothing answers a 1xx");

    now += Duration::from_secs(3);
    let ok = respond(
        &invite,
        200,
        &[
            ("Contact", "<sip:saal3@192.0.2.20:5070>"),
            ("Record-Route", "<sip:p1.example;lr>, <sip:p2.example;lr>"),
        ],
        Some(ANSWER),
    );
    input(&mut endpoint, now, &ok);
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent.len(), 1);
    let ack = &sent[0].1;
    assert_eq!(method(ack), "ACK");
    assert_eq!(uri(ack), "sip:saal3@192.0.2.20:5070", "to the Contact");
    assert_eq!(ack.header("CSeq"), Some("1 ACK"), "the INVITE's number");
    assert_ne!(branch(ack), branch(&invite), "a transaction of its own");
    assert!(ack.header("To").unwrap().ends_with(";tag=room-tag"));
    let routes: Vec<&str> = ack.headers_named("Route").collect();
    assert_eq!(
        routes,
        vec!["<sip:p2.example;lr>", "<sip:p1.example;lr>"],
        "the Record-Route reversed (§12.1.2)"
    );
    let Some(CallEvent::Established { call: c, session }) = endpoint.poll_event() else {
        panic!("Established")
    };
    assert_eq!(c, call);
    assert_eq!(session.audio.codec, AudioCodec::Opus);
    assert_eq!(
        session.audio.remote_rtp,
        Some("192.0.2.20:41000".parse().unwrap())
    );

    // Our ACK was lost: the 200 comes again and gets the same ACK.
    now += Duration::from_millis(500);
    input(&mut endpoint, now, &ok);
    let again = sent_to(&mut endpoint);
    assert_eq!(again.len(), 1);
    assert_eq!(&again[0].1, ack);
    assert!(events(&mut endpoint).is_empty(), "not established twice");
    assert!(
        run(&mut endpoint, &mut now, Duration::from_secs(40)).is_empty(),
        "no INVITE retransmitted after the 200"
    );

    // The room system hangs up, as in any dialog.
    let bye = format!(
        "BYE sip:123456789@198.51.100.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKroombye\r\n\
Max-Forwards: 70\r\n\
From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
        ack.header("To").unwrap(),
        ack.header("From").unwrap(),
        ack.header("Call-ID").unwrap(),
    );
    input(&mut endpoint, now, bye.as_bytes());
    let answers = sent_to(&mut endpoint);
    assert_eq!(status(&answers[0].1), 200);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::RemoteHangUp
        }]
    );
    run(&mut endpoint, &mut now, 64 * T1);
    assert!(endpoint.is_idle());
}

#[test]
fn the_invite_is_retransmitted_on_timer_a_until_timer_b_over_udp_only() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, _) = dialled(&mut endpoint, now);
    let start = now;
    let mut at = Vec::new();
    let mut ended = None;
    while now < start + Duration::from_secs(40) {
        now += Duration::from_millis(10);
        if endpoint.poll_timeout().is_some_and(|t| t <= now) {
            endpoint.handle_timeout(now);
        }
        for (_, message) in sent_to(&mut endpoint) {
            assert_eq!(method(&message), "INVITE");
            at.push((now - start).as_millis());
        }
        if let Some(event) = endpoint.poll_event() {
            ended = Some(((now - start).as_millis(), event));
        }
    }
    assert_eq!(
        at,
        vec![500, 1500, 3500, 7500, 15500, 31500],
        "T1 doubling, no cap"
    );
    assert_eq!(
        ended,
        Some((
            32_000,
            CallEvent::Ended {
                call,
                reason: EndReason::Unreachable
            }
        ))
    );
    assert!(endpoint.is_idle());

    // Over TCP the transport delivers: one INVITE, still timer B.
    let mut endpoint = common::endpoint();
    let mut dial = dial_to("sip:saal3@court.example;transport=tcp");
    dial.destination = room();
    let call = endpoint.dial(now, &dial, &local()).unwrap();
    let first = sent_to(&mut endpoint);
    assert_eq!(first[0].0, Source::tcp(room()));
    assert!(
        first[0]
            .1
            .header("Via")
            .unwrap()
            .starts_with("SIP/2.0/TCP ")
    );
    assert_eq!(
        first[0].1.header("Contact"),
        Some("<sip:198.51.100.1:5060;transport=tcp>")
    );
    let later = run(&mut endpoint, &mut now, Duration::from_secs(40));
    assert!(later.is_empty(), "{later:?}");
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::Unreachable
        }]
    );
}

#[test]
fn a_refusal_is_acknowledged_hop_by_hop_and_ends_the_call_with_its_status() {
    for status_code in [486, 600, 603, 404, 401, 407, 302, 488] {
        let mut now = Instant::now();
        let mut endpoint = endpoint();
        let (call, invite) = dialled(&mut endpoint, now);
        input(&mut endpoint, now, &respond(&invite, 100, &[], None));
        let refusal = respond(&invite, status_code, &[], None);
        input(&mut endpoint, now, &refusal);
        let sent = sent_to(&mut endpoint);
        assert_eq!(sent.len(), 1);
        let ack = &sent[0].1;
        assert_eq!(method(ack), "ACK");
        assert_eq!(uri(ack), uri(&invite), "the INVITE's Request-URI");
        assert_eq!(branch(ack), branch(&invite), "the INVITE's transaction");
        assert_eq!(ack.header("CSeq"), Some("1 ACK"));
        assert!(ack.header("To").unwrap().ends_with(";tag=room-tag"));
        assert_eq!(
            events(&mut endpoint),
            vec![CallEvent::Ended {
                call,
                reason: EndReason::Refused {
                    status: status_code
                }
            }]
        );
        // The refusal again (our ACK was lost): the same ACK, no event.
        now += Duration::from_secs(1);
        input(&mut endpoint, now, &refusal);
        let again = sent_to(&mut endpoint);
        assert_eq!(again.len(), 1);
        assert_eq!(&again[0].1, ack);
        assert!(events(&mut endpoint).is_empty());
        assert!(run(&mut endpoint, &mut now, Duration::from_secs(33)).is_empty());
        assert!(endpoint.is_idle(), "timer D ended the transaction");
    }
}

#[test]
fn cancelling_while_it_rings_sends_cancel_and_acknowledges_the_487() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    input(&mut endpoint, now, &respond(&invite, 180, &[], None));
    assert_eq!(events(&mut endpoint), vec![CallEvent::Ringing { call }]);
    endpoint.cancel(now, call).unwrap();
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::LocalHangUp
        }],
        "ended for the layer above at once"
    );
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent.len(), 1);
    let cancel = &sent[0].1;
    assert_eq!(method(cancel), "CANCEL");
    assert_eq!(uri(cancel), uri(&invite));
    assert_eq!(branch(cancel), branch(&invite), "§9.1: the INVITE's branch");
    assert_eq!(cancel.header("CSeq"), Some("1 CANCEL"));
    assert_eq!(cancel.header("To"), invite.header("To"));
    assert_eq!(
        endpoint.cancel(now, call),
        Err(Error::WrongState {
            call,
            action: "be cancelled"
        })
    );

    // CANCEL is retransmitted like any non-INVITE request until answered.
    let repeated = run(&mut endpoint, &mut now, Duration::from_millis(600));
    assert_eq!(repeated.len(), 1);
    assert_eq!(method(&repeated[0].1), "CANCEL");
    input(&mut endpoint, now, &respond(cancel, 200, &[], None));
    input(&mut endpoint, now, &respond(&invite, 487, &[], None));
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent.len(), 1);
    assert_eq!(method(&sent[0].1), "ACK");
    assert_eq!(branch(&sent[0].1), branch(&invite));
    assert!(events(&mut endpoint).is_empty(), "ended only once");
    assert_eq!(endpoint.call_count(), 0);
    run(&mut endpoint, &mut now, Duration::from_secs(40));
    assert!(endpoint.is_idle());
}

#[test]
fn a_cancel_waits_for_a_provisional_response() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    endpoint.hang_up(now, call).unwrap();
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::LocalHangUp
        }]
    );
    assert!(
        sent_to(&mut endpoint).is_empty(),
        "§9.1: no CANCEL before a provisional response"
    );
    now += Duration::from_millis(100);
    input(&mut endpoint, now, &respond(&invite, 100, &[], None));
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent.len(), 1);
    assert_eq!(method(&sent[0].1), "CANCEL");
    assert!(events(&mut endpoint).is_empty());
}

#[test]
fn a_200_that_crosses_our_cancel_gets_ack_and_bye() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    input(&mut endpoint, now, &respond(&invite, 180, &[], None));
    events(&mut endpoint);
    endpoint.cancel(now, call).unwrap();
    events(&mut endpoint);
    let cancel = sent_to(&mut endpoint).remove(0).1;
    // The room system answered before the CANCEL arrived.
    input(
        &mut endpoint,
        now,
        &respond(
            &invite,
            200,
            &[("Contact", "<sip:saal3@192.0.2.20:5060>")],
            Some(ANSWER),
        ),
    );
    input(&mut endpoint, now, &respond(&cancel, 200, &[], None));
    let sent = sent_to(&mut endpoint);
    let methods: Vec<&str> = sent.iter().map(|(_, m)| method(m)).collect();
    assert_eq!(methods, vec!["ACK", "BYE"]);
    assert_eq!(sent[1].1.header("CSeq"), Some("2 BYE"));
    assert!(sent[1].1.header("To").unwrap().ends_with(";tag=room-tag"));
    assert!(
        events(&mut endpoint).is_empty(),
        "ended once, at the cancel"
    );
    input(&mut endpoint, now, &respond(&sent[1].1, 200, &[], None));
    assert_eq!(endpoint.call_count(), 0, "gone once the BYE is answered");
    run(&mut endpoint, &mut now, Duration::from_secs(40));
    assert!(endpoint.is_idle());
}

#[test]
fn ringing_too_long_is_cancelled() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    input(&mut endpoint, now, &respond(&invite, 180, &[], None));
    events(&mut endpoint);
    let sent = run(
        &mut endpoint,
        &mut now,
        DIAL_TIMEOUT + Duration::from_millis(20),
    );
    let methods: Vec<&str> = sent.iter().map(|(_, m)| method(m)).collect();
    assert_eq!(methods, vec!["CANCEL"]);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::NoAnswer
        }]
    );
    // Neither the CANCEL nor the INVITE is ever answered: given up.
    run(&mut endpoint, &mut now, Duration::from_secs(40));
    assert!(events(&mut endpoint).is_empty());
    assert!(endpoint.is_idle());
}

#[test]
fn a_2xx_without_a_usable_answer_is_acknowledged_then_ended_with_bye() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let (call, invite) = dialled(&mut endpoint, now);
    let no_codec = ANSWER
        .replace("111 101", "18")
        .replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:18 G729/8000");
    input(
        &mut endpoint,
        now,
        &respond(
            &invite,
            200,
            &[("Contact", "<sip:saal3@192.0.2.20:5060>")],
            Some(&no_codec),
        ),
    );
    let methods: Vec<String> = sent_to(&mut endpoint)
        .iter()
        .map(|(_, m)| method(m).to_string())
        .collect();
    assert_eq!(methods, vec!["ACK", "BYE"]);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::NoUsableAnswer
        }]
    );
}

#[test]
fn an_established_dialled_call_hangs_up_with_bye_and_takes_reoffers() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let (call, _, ack) = established(&mut endpoint, now);
    // A re-INVITE from the room system (hold): a Reoffer, as for calls in.
    let hold = ANSWER
        .replace("o=- 77 77", "o=- 77 78")
        .replace("sendrecv", "sendonly");
    let reinvite = format!(
        "INVITE sip:123456789@198.51.100.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKroomre\r\n\
Max-Forwards: 70\r\n\
From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 7 INVITE\r\n\
Contact: <sip:saal3@192.0.2.20:5060>\r\n\
Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{hold}",
        ack.header("To").unwrap(),
        ack.header("From").unwrap(),
        ack.header("Call-ID").unwrap(),
        hold.len(),
    );
    input(&mut endpoint, now, reinvite.as_bytes());
    let trying = sent_to(&mut endpoint);
    assert_eq!(status(&trying[0].1), 100);
    assert!(matches!(
        events(&mut endpoint).as_slice(),
        [CallEvent::Reoffer { call: c, .. }] if *c == call
    ));
    endpoint.accept_reoffer(now, call, &local()).unwrap();
    let ok = sent_to(&mut endpoint);
    assert_eq!(status(&ok[0].1), 200);
    assert!(matches!(
        events(&mut endpoint).as_slice(),
        [CallEvent::SessionChanged { .. }]
    ));
    let reack = reinvite
        .replace("INVITE sip:", "ACK sip:")
        .replace("z9hG4bKroomre", "z9hG4bKroomack")
        .replace("CSeq: 7 INVITE", "CSeq: 7 ACK");
    let reack =
        reack.split("Content-Type").next().unwrap().to_string() + "Content-Length: 0\r\n\r\n";
    input(&mut endpoint, now, reack.as_bytes());

    endpoint.hang_up(now, call).unwrap();
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent.len(), 1);
    let bye = &sent[0].1;
    assert_eq!(method(bye), "BYE");
    assert_eq!(uri(bye), "sip:saal3@192.0.2.20:5060");
    assert_eq!(bye.header("CSeq"), Some("2 BYE"));
    assert_eq!(bye.header("From"), ack.header("From"));
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::LocalHangUp
        }]
    );
    input(&mut endpoint, now, &respond(bye, 200, &[], None));
    run(&mut endpoint, &mut now, Duration::from_secs(40));
    assert!(endpoint.is_idle());
}

#[test]
fn a_sips_target_goes_over_tls_with_a_sips_contact() {
    assert!(DialTarget::parse("sips:saal3@court.example;transport=udp").is_err());
    let now = Instant::now();
    let mut endpoint = endpoint();
    let call = endpoint
        .dial(now, &dial_to("sips:saal3@court.example"), &local())
        .unwrap();
    let sent = sent_to(&mut endpoint);
    assert_eq!(sent[0].0.transport, Transport::Tls);
    assert_eq!(
        sent[0].1.header("Contact"),
        Some("<sips:198.51.100.1:5060>")
    );
    assert!(matches!(endpoint.hang_up(now, call), Ok(())));
}

#[test]
fn dial_targets_are_parsed_strictly() {
    let good = [
        ("sip:saal3@10.1.2.3", "sip:saal3@10.1.2.3", "10.1.2.3", 5060),
        (
            "SIP:Room-1@Court.Example:5070",
            "sip:Room-1@court.example:5070",
            "court.example",
            5070,
        ),
        (
            "sip:+4930123@[2001:db8::1]",
            "sip:+4930123@[2001:db8::1]",
            "2001:db8::1",
            5060,
        ),
        (
            "sips:room@rs.example",
            "sips:room@rs.example",
            "rs.example",
            5061,
        ),
        (
            "sip:room@rs.example;transport=TCP",
            "sip:room@rs.example;transport=tcp",
            "rs.example",
            5060,
        ),
    ];
    for (text, canonical, host, port) in good {
        let target = DialTarget::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(target.to_string(), canonical);
        assert_eq!(target.host(), host);
        assert_eq!(target.port(), port);
    }
    let bad = [
        "",
        "tel:+4930123",
        "sip:10.1.2.3",
        "sip:@10.1.2.3",
        "sip:user:secret@10.1.2.3",
        "sip:room@10.1.2.3;maddr=203.0.113.9",
        "sip:room@10.1.2.3;lr",
        "sip:room@10.1.2.3?Subject=x",
        "sip:ro om@10.1.2.3",
        "sip:room@10.1.2.3:0",
        "sip:room@10.1.2.3:99999",
        "sip:room@10.1.2.3:",
        "sip:room@999.1.2.3",
        "sip:room@exa_mple.org",
        "sip:room@-bad.example",
        "sip:room@[::1",
        "sip:room\r\nVia: x@10.1.2.3",
        "sip:room@10.1.2.3;transport=sctp",
    ];
    for text in bad {
        assert!(DialTarget::parse(text).is_err(), "{text:?} taken");
    }
    let long = format!("sip:{}@10.1.2.3", "a".repeat(300));
    assert!(DialTarget::parse(&long).is_err());
}

#[test]
fn a_response_to_nothing_of_ours_changes_nothing() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let (_, invite) = dialled(&mut endpoint, now);
    let mut stray = invite.clone();
    for header in &mut stray.headers {
        if header.name == "Via" {
            header.value = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKnotours".into();
        }
    }
    input(&mut endpoint, now, &respond(&stray, 200, &[], Some(ANSWER)));
    assert!(sent_to(&mut endpoint).is_empty());
    assert!(events(&mut endpoint).is_empty());
    // And a CANCEL-method response on the INVITE's branch is not the
    // INVITE's.
    let mut wrong = invite.clone();
    wrong.start = StartLine::Request {
        method: Method::Cancel,
        uri: uri(&invite).to_string(),
    };
    for header in &mut wrong.headers {
        if header.name == "CSeq" {
            header.value = "1 CANCEL".into();
        }
    }
    input(&mut endpoint, now, &respond(&wrong, 486, &[], None));
    assert!(events(&mut endpoint).is_empty());
}
