//! SIP over TCP and TLS: messages framed by Content-Length out of a byte
//! stream however it is cut, keep-alive pings told apart from pongs, and
//! streams that cannot be framed refused (the connection closes), never a
//! panic and never an unbounded buffer.

use civicmeet_sip::{MAX_MESSAGE, StreamError, StreamFramer, StreamItem, parse};

const OPTIONS: &str = "OPTIONS sip:123456789@10.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bK1\r\n\
From: <sip:a@10.0.0.2>;tag=1\r\nTo: <sip:123456789@10.0.0.1>\r\n\
Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn invite_with_body() -> String {
    let body = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    format!(
        "INVITE sip:123456789@10.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bK2\r\n\
From: <sip:a@10.0.0.2>;tag=1\r\nTo: <sip:123456789@10.0.0.1>\r\n\
Call-ID: c2\r\nCSeq: 1 INVITE\r\nContact: <sip:a@10.0.0.2;transport=tcp>\r\n\
Content-Type: application/sdp\r\nl: {}\r\n\r\n{body}",
        body.len()
    )
}

fn drain(framer: &mut StreamFramer) -> Vec<Result<StreamItem, StreamError>> {
    std::iter::from_fn(|| framer.next_item()).collect()
}

#[test]
fn messages_come_out_whole_however_the_stream_is_cut() {
    let stream = format!("{OPTIONS}\r\n\r\n{}\r\n{OPTIONS}", invite_with_body());
    let expected = vec![
        Ok(StreamItem::Message(OPTIONS.as_bytes().to_vec())),
        Ok(StreamItem::Ping),
        Ok(StreamItem::Message(invite_with_body().into_bytes())),
        Ok(StreamItem::Message(OPTIONS.as_bytes().to_vec())),
    ];
    for chunk in [1, 2, 3, 7, 64, stream.len()] {
        let mut framer = StreamFramer::new();
        let mut items = Vec::new();
        for piece in stream.as_bytes().chunks(chunk) {
            framer.push(piece);
            items.extend(drain(&mut framer));
        }
        assert_eq!(items, expected, "cut every {chunk} bytes");
    }
    // What comes out parses as the datagram would.
    let invite = parse(invite_with_body().as_bytes()).unwrap();
    assert!(invite.body.starts_with(b"v=0"));
}

#[test]
fn a_half_ping_waits_and_stray_line_ends_are_skipped() {
    let mut framer = StreamFramer::new();
    framer.push(b"\r\n\r");
    assert_eq!(drain(&mut framer), vec![]);
    framer.push(b"\n");
    assert_eq!(drain(&mut framer), vec![Ok(StreamItem::Ping)]);
    // A pong (one CRLF) and lone LFs before a message are nothing.
    framer.push(format!("\r\n\n\n{OPTIONS}").as_bytes());
    assert_eq!(
        drain(&mut framer),
        vec![Ok(StreamItem::Message(OPTIONS.as_bytes().to_vec()))]
    );
}

#[test]
fn streams_that_cannot_be_framed_are_refused_once_and_for_all() {
    let no_length = OPTIONS.replace("Content-Length: 0\r\n", "");
    let bad_length = OPTIONS.replace("Content-Length: 0", "Content-Length: many");
    let huge_length = OPTIONS.replace("Content-Length: 0", "Content-Length: 99999999999999999999");
    let too_long_body = OPTIONS.replace(
        "Content-Length: 0",
        &format!("Content-Length: {MAX_MESSAGE}"),
    );
    for (stream, error) in [
        (no_length, StreamError::NoContentLength),
        (bad_length, StreamError::BadContentLength),
        (huge_length, StreamError::BadContentLength),
        (too_long_body, StreamError::TooLarge),
    ] {
        let mut framer = StreamFramer::new();
        framer.push(stream.as_bytes());
        framer.push(OPTIONS.as_bytes());
        assert_eq!(drain(&mut framer), vec![Err(error.clone())], "{error}");
        framer.push(OPTIONS.as_bytes());
        assert_eq!(drain(&mut framer), vec![], "nothing after {error}");
    }
}

#[test]
fn a_header_section_that_never_ends_is_refused_at_the_limit() {
    let mut framer = StreamFramer::new();
    let line = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut items = Vec::new();
    for _ in 0..(MAX_MESSAGE / line.len() + 2) {
        framer.push(line);
        items.extend(drain(&mut framer));
    }
    assert_eq!(items, vec![Err(StreamError::TooLarge)]);
}

#[test]
fn many_keep_alives_in_a_row_are_each_a_ping() {
    let mut framer = StreamFramer::new();
    framer.push(&b"\r\n\r\n".repeat(20_000));
    let items = drain(&mut framer);
    assert_eq!(items.len(), 20_000);
    assert!(items.iter().all(|i| *i == Ok(StreamItem::Ping)));
    // And a lone-LF flood is skipped, leaving the message after it.
    framer.push(&vec![b'\n'; 60_000]);
    framer.push(OPTIONS.as_bytes());
    assert_eq!(
        drain(&mut framer),
        vec![Ok(StreamItem::Message(OPTIONS.as_bytes().to_vec()))]
    );
}

#[test]
fn random_streams_never_panic_and_never_hold_more_than_a_message() {
    let mut seed = 0x5eed_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        OPTIONS.as_bytes().to_vec(),
        invite_with_body().into_bytes(),
        b"\r\n".to_vec(),
        b"\r\n\r\n".to_vec(),
        b"Content-Length: 12\r\n".to_vec(),
        b"\n\n".to_vec(),
    ];
    for _ in 0..2_000 {
        let mut framer = StreamFramer::new();
        for _ in 0..(next() % 20) {
            let mut piece = pieces[(next() % pieces.len() as u64) as usize].clone();
            if !piece.is_empty() && next() % 3 == 0 {
                let at = (next() % piece.len() as u64) as usize;
                piece[at] = next() as u8;
            }
            framer.push(&piece);
            for item in drain(&mut framer) {
                if let Ok(StreamItem::Message(message)) = item {
                    assert!(message.len() <= MAX_MESSAGE);
                }
            }
        }
    }
}
