//! Keyframe requests we send to a room system (SIP INFO with RFC 5168's
//! picture_fast_update), on a virtual clock: the request's dialog and
//! body, retransmission over UDP, one in flight per call, and answers
//! that never end the call.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::LocalMedia;
use civicmeet_sip::{CallEvent, CallId, Endpoint, Error, Message, StartLine, T1, Transport};
use common::*;

fn local() -> LocalMedia {
    LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000)
}

/// A call accepted and acknowledged; what was sent meanwhile is drained.
fn established(endpoint: &mut Endpoint, phone: &mut Phone, now: Instant) -> CallId {
    endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(AUDIO_OFFER)));
    sent(endpoint);
    let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
        panic!("no Incoming");
    };
    endpoint.accept(now, call, &local()).unwrap();
    let ok = sent(endpoint).remove(0).1;
    phone.learn_tag(&ok);
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    assert!(matches!(
        endpoint.poll_event(),
        Some(CallEvent::Established { .. })
    ));
    call
}

/// The INFO requests among what the endpoint sent.
fn infos(sent: Vec<(std::net::SocketAddr, Message)>) -> Vec<Message> {
    sent.into_iter()
        .map(|(_, m)| m)
        .filter(|m| m.method().is_some_and(|m| m.as_str() == "INFO"))
        .collect()
}

fn answer(endpoint: &mut Endpoint, phone: &Phone, now: Instant, info: &Message, status: u16) {
    let response = info.response(status, "Whatever", None).to_bytes();
    endpoint.handle_datagram(now, phone.source(), &response);
}

#[test]
fn the_info_goes_out_in_the_dialog_with_the_rfc_5168_body() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("pfu");
    let call = established(&mut endpoint, &mut phone, now);
    endpoint.request_picture_fast_update(now, call).unwrap();
    let out = sent(&mut endpoint);
    assert_eq!(out.len(), 1);
    let (to, info) = &out[0];
    assert_eq!(*to, phone.addr, "to the flow the INVITE came on");
    let StartLine::Request { method, uri } = &info.start else {
        panic!("a request")
    };
    assert_eq!(method.as_str(), "INFO");
    assert_eq!(uri, "sip:saal3@192.0.2.10:5060", "the remote target");
    assert_eq!(info.header("CSeq"), Some("1 INFO"));
    assert_eq!(info.header("Call-ID"), Some(phone.call_id.as_str()));
    let our_tag = phone.to_tag.clone().unwrap();
    assert!(info.header("From").unwrap().contains(&our_tag));
    assert!(info.header("To").unwrap().contains(&phone.from_tag));
    assert!(
        info.header("Via")
            .unwrap()
            .starts_with("SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK")
    );
    assert_eq!(
        info.header("Content-Type"),
        Some("application/media_control+xml")
    );
    let text = body(info);
    assert_eq!(
        info.header("Content-Length"),
        Some(text.len().to_string().as_str())
    );
    let compact: String = text.split_whitespace().collect();
    assert!(
        compact.contains(
            "<media_control><vc_primitive><to_encoder><picture_fast_update/>\
             </to_encoder></vc_primitive></media_control>"
        ),
        "{text}"
    );
    assert!(text.starts_with("<?xml version=\"1.0\""));

    // Our own reader takes it as what it is (a peer that is civicmeet).
    let mut other = common::endpoint();
    let mut caller = Phone::new("reader");
    let other_call = established(&mut other, &mut caller, now);
    let request = caller.next("INFO", info.header("Content-Type"), &info.body);
    other.handle_datagram(now, caller.source(), &request);
    assert_eq!(
        other.poll_event(),
        Some(CallEvent::KeyframeRequest { call: other_call })
    );
}

#[test]
fn the_info_is_retransmitted_on_udp_until_answered_and_the_call_goes_on() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("retransmit");
    let call = established(&mut endpoint, &mut phone, now);
    endpoint.request_picture_fast_update(now, call).unwrap();
    let info = infos(sent(&mut endpoint)).remove(0);
    let out = run(&mut endpoint, &mut now, Duration::from_millis(3600));
    let times: Vec<u128> = out.iter().map(|(at, _)| at.as_millis()).collect();
    assert_eq!(times, [500, 1500, 3500], "timer E: T1 doubling");
    assert!(out.iter().all(|(_, m)| m.to_bytes() == info.to_bytes()));

    answer(&mut endpoint, &phone, now, &info, 200);
    assert!(
        run(&mut endpoint, &mut now, 10 * T1).is_empty(),
        "answered: quiet"
    );
    assert!(events(&mut endpoint).is_empty());
    assert_eq!(endpoint.call_count(), 1);

    // The next request is a new transaction with the next CSeq.
    endpoint.request_picture_fast_update(now, call).unwrap();
    let next = infos(sent(&mut endpoint)).remove(0);
    assert_eq!(next.header("CSeq"), Some("2 INFO"));
    assert_ne!(next.header("Via"), info.header("Via"), "a new branch");
}

#[test]
fn one_info_at_a_time_per_call() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("flood");
    let call = established(&mut endpoint, &mut phone, now);
    let mut other_phone = Phone::new("other");
    other_phone.addr = "192.0.2.11:5060".parse().unwrap();
    let other = established(&mut endpoint, &mut other_phone, now);
    for _ in 0..50 {
        endpoint.request_picture_fast_update(now, call).unwrap();
    }
    let first = infos(sent(&mut endpoint));
    assert_eq!(first.len(), 1, "one while it is unanswered");
    // Another call has its own.
    endpoint.request_picture_fast_update(now, other).unwrap();
    assert_eq!(infos(sent(&mut endpoint)).len(), 1);
    // A provisional answer does not end the wait; a final one does.
    answer(&mut endpoint, &phone, now, &first[0], 100);
    endpoint.request_picture_fast_update(now, call).unwrap();
    assert!(infos(sent(&mut endpoint)).is_empty());
    answer(&mut endpoint, &phone, now, &first[0], 200);
    endpoint.request_picture_fast_update(now, call).unwrap();
    assert_eq!(infos(sent(&mut endpoint)).len(), 1);
}

#[test]
fn failures_and_timeouts_do_not_end_the_call() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("fails");
    let call = established(&mut endpoint, &mut phone, now);
    for status in [400, 481, 488, 500, 503, 603] {
        endpoint.request_picture_fast_update(now, call).unwrap();
        let info = infos(sent(&mut endpoint)).remove(0);
        answer(&mut endpoint, &phone, now, &info, status);
        assert!(events(&mut endpoint).is_empty(), "{status}");
        assert_eq!(endpoint.call_count(), 1, "{status}");
    }
    // No answer at all: timer F gives up; the call stays, and the next
    // request goes out.
    endpoint.request_picture_fast_update(now, call).unwrap();
    sent(&mut endpoint);
    let out = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
    assert!(out.len() > 5, "retransmitted until timer F");
    assert!(events(&mut endpoint).is_empty());
    endpoint.request_picture_fast_update(now, call).unwrap();
    assert_eq!(infos(sent(&mut endpoint)).len(), 1);

    // The call still ends as usual, with the next CSeq.
    endpoint.hang_up(now, call).unwrap();
    let bye = sent(&mut endpoint).remove(0).1;
    assert_eq!(bye.header("CSeq"), Some("9 BYE"));
}

#[test]
fn a_peer_that_does_not_take_such_infos_gets_no_more() {
    for status in [405, 415, 469, 501] {
        let now = Instant::now();
        let mut endpoint = endpoint();
        let mut phone = Phone::new("refuses");
        let call = established(&mut endpoint, &mut phone, now);
        endpoint.request_picture_fast_update(now, call).unwrap();
        let info = infos(sent(&mut endpoint)).remove(0);
        answer(&mut endpoint, &phone, now, &info, status);
        endpoint.request_picture_fast_update(now, call).unwrap();
        assert!(sent(&mut endpoint).is_empty(), "{status}");
        assert_eq!(endpoint.call_count(), 1);
    }
}

#[test]
fn over_tcp_the_info_is_not_retransmitted() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("tcp");
    phone.transport = Transport::Tcp;
    let call = established(&mut endpoint, &mut phone, now);
    endpoint.request_picture_fast_update(now, call).unwrap();
    let (to, info) = endpoint.poll_transmit_on().unwrap();
    assert_eq!(to.transport, Transport::Tcp);
    assert!(String::from_utf8_lossy(&info).contains("SIP/2.0/TCP"));
    assert!(run(&mut endpoint, &mut now, 10 * T1).is_empty());
}

#[test]
fn only_an_established_call_can_ask() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("early");
    endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(AUDIO_OFFER)));
    sent(&mut endpoint);
    let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
        panic!()
    };
    let wrong = Err(Error::WrongState {
        call,
        action: "request a keyframe",
    });
    assert_eq!(endpoint.request_picture_fast_update(now, call), wrong);
    endpoint.accept(now, call, &local()).unwrap();
    sent(&mut endpoint);
    assert_eq!(
        endpoint.request_picture_fast_update(now, call),
        wrong,
        "not before the ACK"
    );
    endpoint.hang_up(now, call).unwrap();
    assert_eq!(endpoint.request_picture_fast_update(now, call), wrong);
    let mut ended = common::endpoint();
    assert_eq!(
        ended.request_picture_fast_update(now, call),
        Err(Error::UnknownCall(call))
    );
    assert!(sent(&mut endpoint).is_empty());
}
