//! Malformed and unusual SIP messages, in the spirit of RFC 4475's torture
//! tests (written for civicmeet, not copied): each is taken, answered with
//! the right status, or dropped — and nothing panics, whatever the bytes.

use civicmeet_sip::{Method, ParseError, StartLine, answer_malformed, parse};

/// A well-formed OPTIONS keep-alive as room systems send it.
const OPTIONS: &str = "OPTIONS sip:1234@civicmeet.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: <sip:1234@civicmeet.example>\r\n\
From: \"Saal 3\" <sip:saal3@court.example>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@192.0.2.10\r\n\
CSeq: 63104 OPTIONS\r\n\
Content-Length: 0\r\n\r\n";

fn status_of(bytes: &[u8]) -> Option<u16> {
    let answer = answer_malformed(bytes)?;
    let text = String::from_utf8(answer).expect("answers are text");
    text.split(' ').nth(1)?.parse().ok()
}

fn with(replace: &str, by: &str) -> String {
    assert!(OPTIONS.contains(replace), "{replace}");
    OPTIONS.replacen(replace, by, 1)
}

#[test]
fn a_plain_request_parses_and_its_answer_mirrors_it() {
    let message = parse(OPTIONS.as_bytes()).expect("valid");
    assert_eq!(message.method(), Some(&Method::Options));
    assert_eq!(message.header("call-id"), Some("a84b4c76e66710@192.0.2.10"));
    let answer = String::from_utf8(message.response(200, "OK", Some("xyz")).to_bytes()).unwrap();
    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n"));
    assert!(
        answer.contains("To: <sip:1234@civicmeet.example>;tag=xyz\r\n"),
        "{answer}"
    );
    assert!(answer.contains("From: \"Saal 3\" <sip:saal3@court.example>;tag=1928301774\r\n"));
    assert!(answer.contains("CSeq: 63104 OPTIONS\r\n"));
    assert!(answer.ends_with("Content-Length: 0\r\n\r\n"));
    // The answer is itself a message this parser takes.
    assert!(matches!(
        parse(answer.as_bytes()).unwrap().start,
        StartLine::Response { status: 200, .. }
    ));
}

#[test]
fn what_the_rfc_allows_is_taken() {
    let cases = [
        (
            "compact header names",
            with("Via:", "v:")
                .replace("Call-ID:", "i:")
                .replace("To:", "t:"),
        ),
        ("any case in header names", with("Call-ID:", "cALL-iD:")),
        (
            "a folded header line",
            with("Max-Forwards: 70", "Max-Forwards:\r\n  70"),
        ),
        ("LF alone as line end", OPTIONS.replace("\r\n", "\n")),
        (
            "leading empty lines",
            format!("\r\n\r\n{OPTIONS}").replacen("\r\n\r\n", "", 1),
        ),
        (
            "spaces around the colon",
            with("CSeq: 63104", "CSeq   :   63104"),
        ),
        (
            "an unknown method (answered 501 later, not refused here)",
            OPTIONS.replace("OPTIONS", "NOTIFY"),
        ),
        (
            "an unknown header",
            with("Max-Forwards: 70", "X-Room: Saal 3\r\nMax-Forwards: 70"),
        ),
        (
            "escaped characters in the user part",
            with("sip:1234@", "sip:%31234@"),
        ),
        (
            "a tel URI",
            with("sip:1234@civicmeet.example SIP", "tel:+4930123 SIP"),
        ),
    ];
    for (what, text) in cases {
        assert!(
            parse(text.as_bytes()).is_ok(),
            "{what}: {:?}",
            parse(text.as_bytes()).err()
        );
        assert_eq!(status_of(text.as_bytes()), None, "{what}");
    }
}

#[test]
fn extra_bytes_after_the_body_are_not_part_of_it() {
    let text = with(
        "Content-Length: 0\r\n\r\n",
        "Content-Length: 4\r\n\r\nv=0\ngarbage",
    );
    assert_eq!(parse(text.as_bytes()).unwrap().body, b"v=0\n");
}

#[test]
fn malformed_requests_are_answered_400_or_505() {
    let cases = [
        (
            "a CSeq naming another method",
            with("CSeq: 63104 OPTIONS", "CSeq: 63104 INVITE"),
            400,
        ),
        (
            "a CSeq without a number",
            with("CSeq: 63104 OPTIONS", "CSeq: OPTIONS"),
            400,
        ),
        (
            "a CSeq number too large",
            with("CSeq: 63104", "CSeq: 4294967296"),
            400,
        ),
        (
            "a negative Content-Length",
            with("Content-Length: 0", "Content-Length: -5"),
            400,
        ),
        (
            "a Content-Length beyond the datagram",
            with("Content-Length: 0", "Content-Length: 9999"),
            400,
        ),
        (
            "two Content-Lengths that disagree",
            with("Content-Length: 0", "Content-Length: 0\r\nl: 3"),
            400,
        ),
        (
            "a header without a colon",
            with("Max-Forwards: 70", "Max-Forwards 70"),
            400,
        ),
        (
            "a header name with a space",
            with("Max-Forwards: 70", "Max Forwards: 70"),
            400,
        ),
        (
            "Max-Forwards not a number",
            with("Max-Forwards: 70", "Max-Forwards: seventy"),
            400,
        ),
        (
            "no Call-ID",
            with("Call-ID: a84b4c76e66710@192.0.2.10\r\n", ""),
            400,
        ),
        (
            "no From",
            with(
                "From: \"Saal 3\" <sip:saal3@court.example>;tag=1928301774\r\n",
                "",
            ),
            400,
        ),
        (
            "a Request-URI without a scheme",
            with("sip:1234@civicmeet.example SIP", "1234 SIP"),
            400,
        ),
        (
            "a Request-URI with a space",
            with("sip:1234@civicmeet.example", "sip:12 34@civicmeet.example"),
            400,
        ),
        (
            "another SIP version",
            with("SIP/2.0\r\nVia", "SIP/7.0\r\nVia"),
            505,
        ),
        (
            "a continuation right after the start line",
            with("SIP/2.0\r\nVia", "SIP/2.0\r\n continued\r\nVia"),
            400,
        ),
    ];
    for (what, text, status) in cases {
        let error = parse(text.as_bytes()).expect_err(what);
        assert!(
            matches!(error, ParseError::Answerable { .. }),
            "{what}: {error}"
        );
        assert_eq!(status_of(text.as_bytes()), Some(status), "{what}");
    }
}

#[test]
fn what_cannot_be_addressed_is_dropped_silently() {
    let huge = "x".repeat(70_000);
    let many_headers = with("Max-Forwards: 70", &"X-A: 1\r\n".repeat(200));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("nothing", vec![]),
        ("binary garbage", vec![0x16, 0xfe, 0xfd, 0, 1, 2, 3, 0xff]),
        ("no end of headers", OPTIONS.trim_end().as_bytes().to_vec()),
        ("no start line", b"\r\nVia: x\r\n\r\n".to_vec()),
        (
            "a method that is not a token",
            with("OPTIONS sip", "OPT<IONS sip").into_bytes(),
        ),
        (
            "headers that are not UTF-8",
            with("Saal 3", "Saal \u{0}\u{ff}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xc3 } else { b })
                .collect(),
        ),
        (
            "a request without Via",
            with(
                "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n",
                "",
            )
            .replace("CSeq: 63104 OPTIONS", "CSeq: x")
            .into_bytes(),
        ),
        (
            "a broken response",
            b"SIP/2.0 200 OK\r\nCSeq: nonsense\r\nContent-Length: 99\r\n\r\n".to_vec(),
        ),
        ("a status out of range", b"SIP/2.0 999 Odd\r\n\r\n".to_vec()),
        ("larger than a datagram", huge.into_bytes()),
        ("too many headers", many_headers.into_bytes()),
    ];
    for (what, bytes) in cases {
        assert!(parse(&bytes).is_err(), "{what}");
        assert_eq!(answer_malformed(&bytes), None, "{what}");
    }
    // A keep-alive (RFC 5626 double CRLF) is recognised as one.
    assert!(matches!(parse(b"\r\n\r\n"), Err(ParseError::KeepAlive)));
}

/// A poor man's fuzzer that runs in every `cargo test`: thousands of
/// deterministic mutations of a valid request (bytes flipped, inserted,
/// removed, the message cut) never make the parser or the answer panic,
/// and every answer is a response the parser itself takes. The real fuzz
/// target is `fuzz/fuzz_targets/parse.rs` (cargo-fuzz, nightly).
#[test]
fn mutations_never_panic_and_answers_always_parse() {
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let seed = OPTIONS.as_bytes().to_vec();
    let mut answered = 0;
    for _ in 0..20_000 {
        let mut bytes = seed.clone();
        for _ in 0..(next() % 6 + 1) {
            let at = (next() as usize) % (bytes.len() + 1);
            match next() % 5 {
                0 if at < bytes.len() => bytes[at] = next() as u8,
                // Text that is valid UTF-8 but not ASCII: no slicing may
                // land inside a character.
                3 => {
                    let text = ["é", "€", "🎥", "ß:"][(next() % 4) as usize];
                    bytes.splice(at..at, text.bytes());
                }
                1 => bytes.insert(
                    at,
                    b"\r\n :;<>\"SIP/2.0 0123456789\xff"[(next() % 26) as usize],
                ),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        let _ = parse(&bytes);
        if let Some(answer) = answer_malformed(&bytes) {
            answered += 1;
            let response = parse(&answer).expect("our answers parse");
            assert!(matches!(response.start, StartLine::Response { .. }));
        }
    }
    assert!(
        answered > 1_000,
        "mutations that still carry a Via get answers: {answered}"
    );
}

/// INVITEs whose SDP bodies are mutated go through the whole endpoint
/// (parser, transactions, calls, SDP answer) without a panic, while the
/// layer above accepts every call it hears of; everything sent parses,
/// and the state is freed once the clock has run on.
#[test]
fn invites_with_mutated_sdp_never_panic_the_endpoint() {
    use std::time::{Duration, Instant};

    use civicmeet_sip::sdp::LocalMedia;
    use civicmeet_sip::{CallEvent, Config, Endpoint, Source};

    const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n\
t=0 0\r\nm=audio 4000 RTP/AVP 96 9 0 8 101\r\na=rtpmap:96 opus/48000/2\r\n\
a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\nm=video 4002 RTP/AVP 97\r\n\
a=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n";
    let mut rng: u64 = 0x51_7cc1_b727_220a;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut now = Instant::now();
    let mut endpoint = Endpoint::new(Config::new("198.51.100.1:5060".parse().unwrap(), 1));
    let local = LocalMedia::new("198.51.100.1".parse().unwrap(), 20_000).with_video(20_002);
    let source = Source::udp("192.0.2.10:5060".parse().unwrap());
    let (mut incoming, mut established) = (0, 0);
    for round in 0..5_000 {
        let mut body = OFFER.as_bytes().to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % (body.len() + 1);
            match next() % 4 {
                0 if at < body.len() => body[at] = next() as u8,
                1 => body.insert(at, b"=/: \r\n0m\xff"[(next() % 9) as usize]),
                2 if at < body.len() => {
                    body.remove(at);
                }
                _ => body.truncate(at),
            }
        }
        let head = format!(
            "INVITE sip:{round}@198.51.100.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKm{round}\r\n\
From: <sip:caller@192.0.2.10>;tag=f{round}\r\nTo: <sip:{round}@198.51.100.1>\r\n\
Call-ID: m{round}@192.0.2.10\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@192.0.2.10>\r\n\
Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut datagram = head.into_bytes();
        datagram.extend_from_slice(&body);
        endpoint.handle_datagram(now, source, &datagram);
        while let Some(event) = endpoint.poll_event() {
            match event {
                CallEvent::Incoming { call, .. } => {
                    incoming += 1;
                    let _ = endpoint.accept(now, call, &local);
                }
                CallEvent::Established { .. } => established += 1,
                _ => {}
            }
        }
        while let Some((_, bytes)) = endpoint.poll_transmit() {
            let sent = parse(&bytes).expect("what we send parses");
            // Acknowledge our 200s, so calls get established.
            if let StartLine::Response { status: 200, .. } = sent.start {
                let to = sent.header("To").unwrap_or_default();
                let ack = format!(
                    "ACK sip:caller@198.51.100.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa{round}\r\n\
From: <sip:caller@192.0.2.10>;tag=f{round}\r\nTo: {to}\r\n\
Call-ID: m{round}@192.0.2.10\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                );
                endpoint.handle_datagram(now, source, ack.as_bytes());
            }
        }
        while let Some(event) = endpoint.poll_event() {
            if let CallEvent::Established { call, .. } = event {
                established += 1;
                // Hang up at once: calls must not pile up to MAX_CALLS.
                let _ = endpoint.hang_up(now, call);
            }
        }
        now += Duration::from_millis(50);
        if endpoint.poll_timeout().is_some_and(|at| at <= now) {
            endpoint.handle_timeout(now);
        }
        while endpoint.poll_transmit().is_some() {}
        while endpoint.poll_event().is_some() {}
    }
    assert!(
        incoming > 1_000,
        "mutated offers that still parse: {incoming}"
    );
    assert!(established > 500, "and calls established: {established}");
    // Every state ends on a timer.
    for _ in 0..100 {
        now += Duration::from_secs(1);
        endpoint.handle_timeout(now);
    }
    while endpoint.poll_transmit().is_some() {}
    assert!(endpoint.is_idle(), "{} calls left", endpoint.call_count());
}
