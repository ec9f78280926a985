//! Calls into meetings through the Endpoint, on a virtual clock: a
//! simulated room system dials in, the test plays the layer above.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::{AudioCodec, Direction, LocalMedia};
use civicmeet_sip::{
    CallEvent, CallId, EndReason, Endpoint, Error, MAX_CALLS, StartLine, T1, Transport, parse,
};
use common::*;

fn local() -> LocalMedia {
    LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000)
}

/// INVITE → 100 → Incoming; returns the call.
fn incoming(endpoint: &mut Endpoint, phone: &mut Phone, now: Instant, sdp: Option<&str>) -> CallId {
    let invite = phone.invite(sdp);
    endpoint.handle_datagram(now, phone.source(), &invite);
    assert_eq!(statuses(endpoint), vec![100], "100 Trying at once");
    match events(endpoint).as_slice() {
        [CallEvent::Incoming { call, .. }] => *call,
        other => panic!("expected Incoming, got {other:?}"),
    }
}

/// A call accepted and acknowledged.
fn established(endpoint: &mut Endpoint, phone: &mut Phone, now: Instant) -> CallId {
    let call = incoming(endpoint, phone, now, Some(AUDIO_OFFER));
    endpoint.accept(now, call, &local()).unwrap();
    let sent = sent(endpoint);
    phone.learn_tag(&sent[0].1);
    let ack = phone.ack(None);
    endpoint.handle_datagram(now, phone.source(), &ack);
    assert!(matches!(
        events(endpoint).as_slice(),
        [CallEvent::Established { .. }]
    ));
    call
}

#[test]
fn a_full_call_with_a_retransmitted_invite() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("full");
    let invite = phone.invite(Some(AUDIO_OFFER));
    endpoint.handle_datagram(now, phone.source(), &invite);
    let sent_first = sent(&mut endpoint);
    assert_eq!(sent_first.len(), 1);
    let (to, trying) = &sent_first[0];
    assert_eq!(*to, phone.addr);
    assert_eq!(status(trying), 100);
    assert_eq!(
        trying.header("Via"),
        Some("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKfull-tag-1;rport=5060"),
        "rport filled in (RFC 3581)"
    );
    let Some(CallEvent::Incoming {
        call,
        transport,
        number,
        from_display,
        from_uri,
        offer,
    }) = endpoint.poll_event()
    else {
        panic!("Incoming")
    };
    assert_eq!(transport, Transport::Udp);
    assert_eq!(number, "123456789");
    assert_eq!(from_display.as_deref(), Some("Saal 3"));
    assert_eq!(from_uri, "sip:saal3@court.example");
    assert_eq!(offer.unwrap().media.len(), 1);

    // The caller did not hear the 100 and sends the INVITE again.
    now += Duration::from_millis(500);
    endpoint.handle_datagram(now, phone.source(), &invite);
    assert_eq!(statuses(&mut endpoint), vec![100], "absorbed, 100 again");
    assert_eq!(endpoint.poll_event(), None, "and not a second call");

    endpoint.accept(now, call, &local()).unwrap();
    let ok = sent(&mut endpoint);
    let (_, ok) = &ok[0];
    assert_eq!(status(ok), 200);
    assert!(ok.header("To").unwrap().contains(";tag="));
    assert_eq!(ok.header("Contact"), Some("<sip:198.51.100.1:5060>"));
    assert_eq!(ok.header("Content-Type"), Some("application/sdp"));
    let answer = body(ok);
    assert!(
        answer.contains("m=audio 20000 RTP/AVP 96 101\r\n"),
        "{answer}"
    );
    assert!(answer.contains("a=rtpmap:96 opus/48000/2\r\n"), "{answer}");
    phone.learn_tag(ok);

    now += Duration::from_millis(50);
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    let Some(CallEvent::Established { call: c, session }) = endpoint.poll_event() else {
        panic!("Established")
    };
    assert_eq!(c, call);
    assert_eq!(session.audio.codec, AudioCodec::Opus);
    assert_eq!(
        session.audio.remote_rtp,
        Some("192.0.2.10:40000".parse().unwrap())
    );
    assert!(
        run(&mut endpoint, &mut now, Duration::from_secs(5)).is_empty(),
        "no 200 retransmitted after the ACK"
    );

    let bye = phone.next("BYE", None, b"");
    endpoint.handle_datagram(now, phone.source(), &bye);
    assert_eq!(statuses(&mut endpoint), vec![200]);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::RemoteHangUp
        }]
    );
    assert_eq!(endpoint.call_count(), 0, "the call is freed");
    // A retransmitted BYE gets the same 200 from the transaction.
    endpoint.handle_datagram(now, phone.source(), &bye);
    assert_eq!(statuses(&mut endpoint), vec![200]);
    assert!(events(&mut endpoint).is_empty());
    run(&mut endpoint, &mut now, 64 * T1);
    assert!(endpoint.is_idle(), "transactions ended on their timers");
}

#[test]
fn the_200_is_retransmitted_until_timer_h_then_the_call_ends_with_bye() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("noack");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    endpoint.accept(now, call, &local()).unwrap();
    assert_eq!(statuses(&mut endpoint), vec![200]);
    let out = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
    let oks: Vec<u128> = out
        .iter()
        .filter(|(_, m)| matches!(m.start, StartLine::Response { status: 200, .. }))
        .map(|(at, _)| at.as_millis())
        .collect();
    assert_eq!(
        oks[..5],
        [500, 1500, 3500, 7500, 11500],
        "timer G: T1 doubling to T2"
    );
    let byes: Vec<_> = out
        .iter()
        .filter(|(_, m)| m.method().is_some_and(|m| m.as_str() == "BYE"))
        .collect();
    assert_eq!(byes.len(), 1, "BYE once the 200 is given up");
    assert_eq!(byes[0].0, 64 * T1, "at timer H");
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::NoAck
        }]
    );
    // The caller answers the BYE: the call is gone.
    let bye = &byes[0].1;
    let response = bye.response(200, "OK", None).to_bytes();
    endpoint.handle_datagram(now, phone.source(), &response);
    assert_eq!(endpoint.call_count(), 0);
}

#[test]
fn cancel_before_the_answer_gets_487_and_ends_the_call() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("cancel");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    let branch = phone.invite_branch.clone();
    let cancel = phone.request("CANCEL", &branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &cancel);
    let answers = sent(&mut endpoint);
    let found: Vec<(u16, String)> = answers
        .iter()
        .map(|(_, m)| (status(m), m.header("CSeq").unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        vec![(200, "1 CANCEL".to_string()), (487, "1 INVITE".to_string())]
    );
    assert_eq!(
        answers[0].1.header("To"),
        answers[1].1.header("To"),
        "the same To tag on both (§9.2)"
    );
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::Cancelled
        }]
    );
    assert_eq!(
        endpoint.accept(now, call, &local()),
        Err(Error::UnknownCall(call)),
        "too late for the layer above"
    );
    // The ACK of the 487 reuses the INVITE's branch and is absorbed.
    phone.learn_tag(&answers[1].1);
    let ack = phone.request("ACK", &branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &ack);
    assert!(sent(&mut endpoint).is_empty() && events(&mut endpoint).is_empty());
    // A CANCEL for nothing we know: 481.
    let stray = phone.request("CANCEL", "z9hG4bKnothing", 9, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &stray);
    assert_eq!(statuses(&mut endpoint), vec![481]);
}

#[test]
fn options_are_answered_with_what_we_take() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("options");
    let options = phone.next("OPTIONS", None, b"");
    endpoint.handle_datagram(now, phone.source(), &options);
    let answers = sent(&mut endpoint);
    let (_, ok) = &answers[0];
    assert_eq!(status(ok), 200);
    assert_eq!(
        ok.header("Allow"),
        Some("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO")
    );
    assert!(ok.header("Accept").unwrap().contains("application/sdp"));
    assert!(ok.header("Supported").is_some());
    assert!(events(&mut endpoint).is_empty(), "no call for an OPTIONS");

    let register = phone.next("REGISTER", None, b"");
    endpoint.handle_datagram(now, phone.source(), &register);
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[0].1), 405);
    assert!(
        answers[0].1.header("Allow").is_some(),
        "405 says what we allow"
    );

    let unknown = phone.next("FROBNICATE", None, b"");
    endpoint.handle_datagram(now, phone.source(), &unknown);
    assert_eq!(statuses(&mut endpoint), vec![501]);

    let branch = phone.branch();
    let required = phone.request(
        "INVITE",
        &branch,
        9,
        "Require: 100rel, timer\r\n",
        None,
        b"",
    );
    endpoint.handle_datagram(now, phone.source(), &required);
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[1].1), 420, "after the 100");
    assert_eq!(answers[1].1.header("Unsupported"), Some("100rel, timer"));
    assert!(events(&mut endpoint).is_empty());

    let bye = phone.next("BYE", None, b"");
    endpoint.handle_datagram(now, phone.source(), &bye);
    assert_eq!(statuses(&mut endpoint), vec![481], "BYE outside a call");
}

#[test]
fn an_unknown_number_is_refused_404_by_the_layer_above() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("unknown");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    endpoint.reject(now, call, 404).unwrap();
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[0].1), 404);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::Rejected { status: 404 }
        }]
    );
    assert_eq!(
        endpoint.reject(now, call, 404),
        Err(Error::UnknownCall(call))
    );
    assert_eq!(endpoint.call_count(), 0);
    // A Request-URI without a user part never reaches the layer above.
    let mut phone = Phone::new("nouser");
    let invite = String::from_utf8(phone.invite(Some(AUDIO_OFFER)))
        .unwrap()
        .replacen("sip:123456789@198.51.100.1 SIP", "sip:198.51.100.1 SIP", 1);
    endpoint.handle_datagram(now, phone.source(), invite.as_bytes());
    assert_eq!(statuses(&mut endpoint), vec![100, 404]);
    assert!(events(&mut endpoint).is_empty());
}

#[test]
fn no_codec_in_common_is_refused_488() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("g729");
    let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
                 m=audio 4000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    let call = incoming(&mut endpoint, &mut phone, now, Some(offer));
    assert!(matches!(
        endpoint.accept(now, call, &local()),
        Err(Error::Sdp(civicmeet_sip::sdp::SdpError::NoCommonCodec))
    ));
    assert_eq!(statuses(&mut endpoint), vec![488]);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::Rejected { status: 488 }
        }]
    );
}

#[test]
fn a_malformed_offer_is_refused_400_before_the_layer_above_hears_of_it() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("badsdp");
    let invite = phone.invite(Some(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\nm=audio 99999 RTP/AVP 0\r\n",
    ));
    endpoint.handle_datagram(now, phone.source(), &invite);
    assert_eq!(statuses(&mut endpoint), vec![100, 400]);
    assert!(events(&mut endpoint).is_empty());
    let mut phone = Phone::new("notsdp");
    let branch = phone.branch();
    let invite = phone.request("INVITE", &branch, 1, "", Some("text/plain"), b"hello");
    endpoint.handle_datagram(now, phone.source(), &invite);
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[1].1), 415);
    assert_eq!(answers[1].1.header("Accept"), Some("application/sdp"));
}

#[test]
fn a_re_invite_puts_the_call_on_hold_and_back() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("hold");
    let call = established(&mut endpoint, &mut phone, now);

    let hold = AUDIO_OFFER
        .replace("o=- 3906 3906", "o=- 3906 3907")
        .replace("a=sendrecv", "a=sendonly");
    let reinvite = phone.next("INVITE", Some("application/sdp"), hold.as_bytes());
    endpoint.handle_datagram(now, phone.source(), &reinvite);
    assert_eq!(statuses(&mut endpoint), vec![100]);
    let Some(CallEvent::Reoffer { call: c, offer }) = endpoint.poll_event() else {
        panic!("Reoffer")
    };
    assert_eq!(c, call);
    assert_eq!(offer.media[0].direction, Direction::SendOnly);

    // Another re-INVITE while this one is open: 500 with Retry-After.
    let overlapping = phone.next("INVITE", Some("application/sdp"), hold.as_bytes());
    endpoint.handle_datagram(now, phone.source(), &overlapping);
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[1].1), 500);
    let retry: u32 = answers[1].1.header("Retry-After").unwrap().parse().unwrap();
    assert!(retry <= 10);
    // The caller acknowledges the 500 in its transaction.
    let overlap_ack = phone.request("ACK", &phone.invite_branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &overlap_ack);
    let hold_cseq = phone.cseq - 1;

    endpoint.accept_reoffer(now, call, &local()).unwrap();
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[0].1), 200);
    let sdp = body(&answers[0].1);
    assert!(sdp.contains("a=recvonly\r\n"), "{sdp}");
    assert!(
        sdp.contains("o=civicmeet ") && sdp.contains(" 2 IN IP4"),
        "version 2: {sdp}"
    );
    let Some(CallEvent::SessionChanged { session, .. }) = endpoint.poll_event() else {
        panic!("SessionChanged")
    };
    assert_eq!(session.audio.direction, Direction::RecvOnly);
    // The ACK is for the re-INVITE that was answered.
    let branch = phone.branch();
    let ack = phone.request("ACK", &branch, hold_cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &ack);
    assert!(run(&mut endpoint, &mut now, Duration::from_secs(2)).is_empty());

    // The same offer again (a session refresh): answered at once.
    let refresh = phone.next("INVITE", Some("application/sdp"), hold.as_bytes());
    endpoint.handle_datagram(now, phone.source(), &refresh);
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[1].1), 200);
    assert_eq!(body(&answers[1].1), sdp, "the same answer, same version");
    assert!(events(&mut endpoint).is_empty());
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));

    // Resume, with RFC 2543 hold undone as well.
    let resume = AUDIO_OFFER.replace("o=- 3906 3906", "o=- 3906 3908");
    let reinvite = phone.next("INVITE", Some("application/sdp"), resume.as_bytes());
    endpoint.handle_datagram(now, phone.source(), &reinvite);
    sent(&mut endpoint);
    assert!(matches!(
        endpoint.poll_event(),
        Some(CallEvent::Reoffer { .. })
    ));
    endpoint.accept_reoffer(now, call, &local()).unwrap();
    let answers = sent(&mut endpoint);
    assert!(body(&answers[0].1).contains("a=sendrecv\r\n"));
    let Some(CallEvent::SessionChanged { session, .. }) = endpoint.poll_event() else {
        panic!()
    };
    assert_eq!(session.audio.direction, Direction::SendRecv);
}

#[test]
fn rfc_2543_hold_stops_what_we_send() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("oldhold");
    let call = established(&mut endpoint, &mut phone, now);
    let hold = AUDIO_OFFER
        .replace("o=- 3906 3906", "o=- 3906 3907")
        .replace("c=IN IP4 192.0.2.10", "c=IN IP4 0.0.0.0");
    endpoint.handle_datagram(
        now,
        phone.source(),
        &phone.next("INVITE", Some("application/sdp"), hold.as_bytes()),
    );
    sent(&mut endpoint);
    events(&mut endpoint);
    endpoint.accept_reoffer(now, call, &local()).unwrap();
    assert!(body(&sent(&mut endpoint)[0].1).contains("a=recvonly"));
    let Some(CallEvent::SessionChanged { session, .. }) = endpoint.poll_event() else {
        panic!()
    };
    assert_eq!(session.audio.remote_rtp, None);
    assert!(!session.audio.direction.sends());
}

#[test]
fn info_carries_dtmf_and_keyframe_requests() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("info");
    let call = established(&mut endpoint, &mut phone, now);
    let cases: [(&str, &[u8], u16, Option<CallEvent>); 6] = [
        (
            "application/dtmf-relay",
            b"Signal=5\r\nDuration=160\r\n",
            200,
            Some(CallEvent::Dtmf { call, digit: '5' }),
        ),
        (
            "application/dtmf-relay",
            b"Signal= #\r\nDuration=100\r\n",
            200,
            Some(CallEvent::Dtmf { call, digit: '#' }),
        ),
        (
            "application/media_control+xml",
            b"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<media_control><vc_primitive>\
              <to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>",
            200,
            Some(CallEvent::KeyframeRequest { call }),
        ),
        ("text/plain", b"hello", 415, None),
        ("application/dtmf-relay", b"Signal=Q\r\n", 400, None),
        ("application/dtmf-relay", b"", 200, None),
    ];
    for (content_type, info_body, expected, event) in cases {
        let info = phone.next("INFO", Some(content_type), info_body);
        endpoint.handle_datagram(now, phone.source(), &info);
        assert_eq!(statuses(&mut endpoint), vec![expected], "{content_type}");
        assert_eq!(endpoint.poll_event(), event, "{content_type}");
    }
}

#[test]
fn our_bye_is_retransmitted_on_timer_e_and_the_call_is_gone_after_f() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("hangup");
    // Through a proxy that records its route.
    let invite = {
        phone.invite_branch = phone.branch();
        phone.invite_with(
            &phone.invite_branch.clone(),
            Some(AUDIO_OFFER),
            "Record-Route: <sip:proxy1.example;lr>, <sip:proxy2.example;lr>\r\n",
        )
    };
    endpoint.handle_datagram(now, phone.source(), &invite);
    sent(&mut endpoint);
    let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
        panic!()
    };
    endpoint.accept(now, call, &local()).unwrap();
    let ok = sent(&mut endpoint).remove(0).1;
    assert_eq!(
        ok.headers_named("Record-Route").collect::<Vec<_>>(),
        vec!["<sip:proxy1.example;lr>, <sip:proxy2.example;lr>"],
        "Record-Route copied into the 200"
    );
    phone.learn_tag(&ok);
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    events(&mut endpoint);

    endpoint.hang_up(now, call).unwrap();
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::LocalHangUp
        }]
    );
    let first = sent(&mut endpoint);
    assert_eq!(first.len(), 1);
    let (to, bye) = &first[0];
    assert_eq!(*to, phone.addr, "to the flow the INVITE came on");
    let StartLine::Request { method, uri } = &bye.start else {
        panic!()
    };
    assert_eq!(method.as_str(), "BYE");
    assert_eq!(uri, "sip:saal3@192.0.2.10:5060", "the remote target");
    assert_eq!(
        bye.headers_named("Route").collect::<Vec<_>>(),
        vec!["<sip:proxy1.example;lr>", "<sip:proxy2.example;lr>"]
    );
    assert_eq!(bye.header("CSeq"), Some("1 BYE"));
    assert_eq!(bye.header("Call-ID"), Some(phone.call_id.as_str()));
    assert!(
        bye.header("From")
            .unwrap()
            .contains(phone.to_tag.as_deref().unwrap())
    );
    assert!(bye.header("To").unwrap().contains(&phone.from_tag));
    assert_eq!(
        endpoint.hang_up(now, call),
        Err(Error::WrongState {
            call,
            action: "hang up"
        })
    );

    let out = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
    let times: Vec<u128> = out.iter().map(|(at, _)| at.as_millis()).collect();
    assert_eq!(
        times[..5],
        [500, 1500, 3500, 7500, 11500],
        "timer E: T1 doubling to T2"
    );
    assert!(out.iter().all(|(_, m)| m.to_bytes() == bye.to_bytes()));
    assert_eq!(endpoint.call_count(), 0, "timer F: the call is gone");
    assert!(events(&mut endpoint).is_empty(), "Ended was said once");
}

#[test]
fn a_bye_answered_ends_the_call_at_once() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("byeok");
    let call = established(&mut endpoint, &mut phone, now);
    endpoint.hang_up(now, call).unwrap();
    let bye = sent(&mut endpoint).remove(0).1;
    assert_eq!(endpoint.call_count(), 1, "until the BYE completes");
    endpoint.handle_datagram(
        now,
        phone.source(),
        &bye.response(200, "OK", None).to_bytes(),
    );
    assert_eq!(endpoint.call_count(), 0);
}

#[test]
fn a_late_offer_gets_our_offer_and_the_answer_comes_in_the_ack() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("late");
    let invite = phone.invite(None);
    endpoint.handle_datagram(now, phone.source(), &invite);
    sent(&mut endpoint);
    let Some(CallEvent::Incoming { call, offer, .. }) = endpoint.poll_event() else {
        panic!()
    };
    assert_eq!(offer, None);
    endpoint
        .accept(now, call, &local().with_video(20_002))
        .unwrap();
    let ok = sent(&mut endpoint).remove(0).1;
    let our_offer = body(&ok);
    assert!(
        our_offer.contains("m=audio 20000 RTP/AVP 111 9 8 0 101 100\r\n"),
        "{our_offer}"
    );
    assert!(
        our_offer.contains("m=video 20002 RTP/AVP 96\r\n"),
        "{our_offer}"
    );
    assert!(our_offer.contains("packetization-mode=1"));
    phone.learn_tag(&ok);
    let answer = "v=0\r\no=- 5 5 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
                  m=audio 41000 RTP/AVP 8 100\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:100 telephone-event/8000\r\n\
                  m=video 0 RTP/AVP 96\r\n";
    endpoint.handle_datagram(now, phone.source(), &phone.ack(Some(answer)));
    let Some(CallEvent::Established { session, .. }) = endpoint.poll_event() else {
        panic!()
    };
    assert_eq!(session.audio.codec, AudioCodec::Pcma);
    assert_eq!(session.audio.telephone_event.unwrap().payload_type, 100);
    assert_eq!(session.video, None, "video refused by the caller");
}

#[test]
fn a_late_offer_ack_without_an_answer_ends_the_call() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("lateno");
    let call = incoming(&mut endpoint, &mut phone, now, None);
    endpoint.accept(now, call, &local()).unwrap();
    let ok = sent(&mut endpoint).remove(0).1;
    phone.learn_tag(&ok);
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::NoUsableAnswer
        }]
    );
    let bye = sent(&mut endpoint);
    assert_eq!(bye[0].1.method().unwrap().as_str(), "BYE");
}

#[test]
fn hanging_up_before_the_ack_sends_bye_when_it_comes() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("early");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    endpoint.accept(now, call, &local()).unwrap();
    let ok = sent(&mut endpoint).remove(0).1;
    phone.learn_tag(&ok);
    endpoint.hang_up(now, call).unwrap();
    assert!(
        sent(&mut endpoint).is_empty(),
        "no BYE before the ACK (§15)"
    );
    assert_eq!(events(&mut endpoint).len(), 1, "Ended");
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    assert!(
        events(&mut endpoint).is_empty(),
        "no Established after Ended"
    );
    let out = sent(&mut endpoint);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1.method().unwrap().as_str(), "BYE");
}

#[test]
fn a_call_the_layer_above_never_answers_is_refused_480() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("slow");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    let out = run(
        &mut endpoint,
        &mut now,
        civicmeet_sip::ANSWER_TIMEOUT + Duration::from_millis(20),
    );
    assert_eq!(common::status(&out[0].1), 480);
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::NotAnswered
        }]
    );
}

#[test]
fn calls_beyond_the_limit_are_refused_503() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    for n in 0..MAX_CALLS {
        let mut phone = Phone::new(&format!("p{n}"));
        endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(AUDIO_OFFER)));
    }
    assert_eq!(endpoint.call_count(), MAX_CALLS);
    sent(&mut endpoint);
    events(&mut endpoint);
    let mut phone = Phone::new("one-too-many");
    endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(AUDIO_OFFER)));
    let answers = sent(&mut endpoint);
    assert_eq!(status(&answers[1].1), 503);
    assert!(answers[1].1.header("Retry-After").is_some());
    assert!(events(&mut endpoint).is_empty());
}

#[test]
fn in_dialog_requests_for_no_call_get_481_and_merged_invites_482() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("stray");
    phone.to_tag = Some("nope".into());
    endpoint.handle_datagram(now, phone.source(), &phone.next("INFO", None, b""));
    assert_eq!(statuses(&mut endpoint), vec![481]);

    let mut phone = Phone::new("forked");
    incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    let other_path = phone.invite_with("z9hG4bKotherpath", Some(AUDIO_OFFER), "");
    endpoint.handle_datagram(now, phone.source(), &other_path);
    assert_eq!(statuses(&mut endpoint), vec![100, 482]);
    assert!(events(&mut endpoint).is_empty());
}

#[test]
fn malformed_datagrams_are_answered_or_dropped_and_calls_go_on() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("goes-on");
    let call = established(&mut endpoint, &mut phone, now);
    let broken = String::from_utf8(phone.next("OPTIONS", None, b""))
        .unwrap()
        .replace("CSeq: 2 OPTIONS", "CSeq: 2 INVITE");
    endpoint.handle_datagram(now, phone.source(), broken.as_bytes());
    assert_eq!(statuses(&mut endpoint), vec![400]);
    endpoint.handle_datagram(now, phone.source(), b"\x16\xfe\xfd garbage");
    endpoint.handle_datagram(now, phone.source(), b"\r\n\r\n");
    assert!(sent(&mut endpoint).is_empty());
    let info = phone.next("INFO", Some("application/dtmf-relay"), b"Signal=1\r\n");
    endpoint.handle_datagram(now, phone.source(), &info);
    assert_eq!(
        endpoint.poll_event(),
        Some(CallEvent::Dtmf { call, digit: '1' })
    );
    assert!(parse(b"x").is_err());
}

#[test]
fn a_caller_behind_nat_learns_where_it_was_seen_from() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("nat");
    let invite = String::from_utf8(phone.invite(Some(AUDIO_OFFER)))
        .unwrap()
        .replace(
            "Via: SIP/2.0/UDP 192.0.2.10:5060",
            "Via: SIP/2.0/UDP 10.0.0.5:5062",
        );
    endpoint.handle_datagram(now, phone.source(), invite.as_bytes());
    let trying = sent(&mut endpoint).remove(0).1;
    assert_eq!(
        trying.header("Via"),
        Some("SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKnat-tag-1;rport=5060;received=192.0.2.10")
    );
}

#[test]
fn every_call_ends_once_whatever_crosses() {
    let mut now = Instant::now();
    let mut endpoint = endpoint();
    // Hung up while the 200 of a re-INVITE waits for its ACK: one Ended,
    // one BYE, and the re-INVITE's 200 is no longer retransmitted.
    let mut phone = Phone::new("cross");
    let call = established(&mut endpoint, &mut phone, now);
    let hold = AUDIO_OFFER.replace("o=- 3906 3906", "o=- 3906 3907");
    endpoint.handle_datagram(
        now,
        phone.source(),
        &phone.next("INVITE", Some("application/sdp"), hold.as_bytes()),
    );
    sent(&mut endpoint);
    events(&mut endpoint);
    endpoint.accept_reoffer(now, call, &local()).unwrap();
    sent(&mut endpoint);
    events(&mut endpoint);
    endpoint.hang_up(now, call).unwrap();
    let bye = sent(&mut endpoint).remove(0).1;
    assert_eq!(bye.method().unwrap().as_str(), "BYE");
    let out = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
    assert!(
        out.iter().all(|(_, m)| m.method().is_some()),
        "no 200 retransmitted after the BYE"
    );
    assert_eq!(
        events(&mut endpoint),
        vec![CallEvent::Ended {
            call,
            reason: EndReason::LocalHangUp
        }]
    );
    assert_eq!(endpoint.call_count(), 0);

    // Hung up before the ACK, and the caller hangs up too: answered, gone.
    let mut phone = Phone::new("both");
    let call = incoming(&mut endpoint, &mut phone, now, Some(AUDIO_OFFER));
    endpoint.accept(now, call, &local()).unwrap();
    phone.learn_tag(&sent(&mut endpoint).remove(0).1);
    endpoint.hang_up(now, call).unwrap();
    endpoint.handle_datagram(now, phone.source(), &phone.next("BYE", None, b""));
    assert_eq!(statuses(&mut endpoint), vec![200]);
    assert_eq!(events(&mut endpoint).len(), 1, "one Ended");
    assert_eq!(endpoint.call_count(), 0);
    let out = run(&mut endpoint, &mut now, 64 * T1 + Duration::from_millis(20));
    assert!(
        out.iter().all(|(_, m)| m.method().is_none()),
        "no BYE of ours"
    );
    assert!(endpoint.is_idle());
}

/// Found by the endpoint fuzz target: a Contact that is no SIP URI became
/// the Request-URI of our BYE, which our own parser then refused.
#[test]
fn a_contact_or_route_we_could_not_send_to_is_refused_400() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    for (what, from, to) in [
        (
            "a Contact without a SIP scheme",
            "Contact: <sip:saal3@192.0.2.10:5060>",
            "Contact: <{ip:saal3@192.0.2.10>",
        ),
        ("no Contact", "Contact: <sip:saal3@192.0.2.10:5060>\r\n", ""),
        (
            "a Record-Route without angle brackets",
            "Max-Forwards: 70",
            "Record-Route: sip:proxy.example;lr\r\nMax-Forwards: 70",
        ),
    ] {
        let mut phone = Phone::new(&what.replace(' ', "-"));
        let invite = String::from_utf8(phone.invite(Some(AUDIO_OFFER)))
            .unwrap()
            .replacen(from, to, 1);
        endpoint.handle_datagram(now, phone.source(), invite.as_bytes());
        assert_eq!(statuses(&mut endpoint), vec![100, 400], "{what}");
        assert!(events(&mut endpoint).is_empty(), "{what}");
    }
    // In a re-INVITE, a bad Contact is refused and the target stays.
    let mut phone = Phone::new("refresh");
    let call = established(&mut endpoint, &mut phone, now);
    let reinvite = String::from_utf8(phone.next("INVITE", None, b""))
        .unwrap()
        .replacen("Contact: <sip:saal3@192.0.2.10:5060>", "Contact: <x y>", 1);
    endpoint.handle_datagram(now, phone.source(), reinvite.as_bytes());
    assert_eq!(statuses(&mut endpoint), vec![100, 400]);
    endpoint.hang_up(now, call).unwrap();
    let bye = sent(&mut endpoint).remove(0).1;
    assert!(
        matches!(bye.start, StartLine::Request { ref uri, .. } if uri == "sip:saal3@192.0.2.10:5060")
    );
}

#[test]
fn a_re_offer_without_a_common_codec_or_refused_leaves_the_call_as_it_was() {
    let now = Instant::now();
    let mut endpoint = endpoint();
    let mut phone = Phone::new("reoffer488");
    let call = established(&mut endpoint, &mut phone, now);
    let g729 = "v=0\r\no=- 3906 3907 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
                m=audio 40000 RTP/AVP 18\r\n";
    endpoint.handle_datagram(
        now,
        phone.source(),
        &phone.next("INVITE", Some("application/sdp"), g729.as_bytes()),
    );
    sent(&mut endpoint);
    assert!(matches!(
        endpoint.poll_event(),
        Some(CallEvent::Reoffer { .. })
    ));
    assert!(matches!(
        endpoint.accept_reoffer(now, call, &local()),
        Err(Error::Sdp(_))
    ));
    assert_eq!(statuses(&mut endpoint), vec![488]);
    assert!(events(&mut endpoint).is_empty(), "the call goes on");
    // The ACK of the 488, then a re-offer the layer above refuses.
    let ack = phone.request("ACK", &phone.invite_branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &ack);
    let video = format!("{AUDIO_OFFER}m=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n")
        .replace("o=- 3906 3906", "o=- 3906 3908");
    endpoint.handle_datagram(
        now,
        phone.source(),
        &phone.next("INVITE", Some("application/sdp"), video.as_bytes()),
    );
    sent(&mut endpoint);
    assert!(matches!(
        endpoint.poll_event(),
        Some(CallEvent::Reoffer { .. })
    ));
    assert_eq!(
        endpoint.reject_reoffer(now, call, 200),
        Err(Error::InvalidStatus(200))
    );
    endpoint.reject_reoffer(now, call, 488).unwrap();
    assert_eq!(statuses(&mut endpoint), vec![488]);
    assert_eq!(endpoint.call_count(), 1);
    // A CANCEL withdraws a re-offer: 487, and the call goes on.
    let ack = phone.request("ACK", &phone.invite_branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &ack);
    let again = video.replace("o=- 3906 3908", "o=- 3906 3909");
    endpoint.handle_datagram(
        now,
        phone.source(),
        &phone.next("INVITE", Some("application/sdp"), again.as_bytes()),
    );
    sent(&mut endpoint);
    events(&mut endpoint);
    let cancel = phone.request("CANCEL", &phone.invite_branch, phone.cseq, "", None, b"");
    endpoint.handle_datagram(now, phone.source(), &cancel);
    assert_eq!(statuses(&mut endpoint), vec![200, 487]);
    assert!(matches!(
        endpoint.accept_reoffer(now, call, &local()),
        Err(Error::WrongState { .. })
    ));
    assert!(events(&mut endpoint).is_empty());
    assert_eq!(endpoint.call_count(), 1);
}
