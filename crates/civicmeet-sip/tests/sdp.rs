//! SDP answers for offers as real peers make them (written for these
//! tests in the shape those peers use), and malformed SDP refused with an
//! error, never a panic.

use std::net::IpAddr;

use civicmeet_sip::sdp::{
    self, AudioCodec, Direction, LocalMedia, LocalOrigin, MediaKind, SdpError, SessionDescription,
    VideoCodec,
};

const ORIGIN: LocalOrigin = LocalOrigin {
    session_id: 42,
    version: 1,
};

fn local() -> LocalMedia {
    LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000).with_video(20_002)
}

fn lines(sdp: &str) -> Vec<&str> {
    sdp.split("\r\n").filter(|l| !l.is_empty()).collect()
}

/// The m-lines of an answer with their attributes, one string each.
fn media_sections(sdp: &str) -> Vec<String> {
    let mut sections: Vec<String> = Vec::new();
    for line in lines(sdp) {
        if line.starts_with("m=") {
            sections.push(line.to_string());
        } else if let Some(last) = sections.last_mut() {
            last.push('|');
            last.push_str(line);
        }
    }
    sections
}

/// A softphone like baresip: Opus, G.722, PCMU, PCMA, telephone-event
/// at 8000 only; VP8 before H.264, H.264 in both packetization modes.
const BARESIP: &str = "v=0\r\n\
o=- 1186 2263 IN IP4 192.0.2.30\r\n\
s=-\r\n\
c=IN IP4 192.0.2.30\r\n\
t=0 0\r\n\
a=tool:baresip\r\n\
m=audio 10364 RTP/AVP 96 9 0 8 101\r\n\
b=AS:96\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000/1\r\n\
a=rtpmap:0 PCMU/8000/1\r\n\
a=rtpmap:8 PCMA/8000/1\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=sendrecv\r\n\
a=label:1\r\n\
a=ssrc:1849302854 cname:sip:alice@192.0.2.30\r\n\
a=ptime:20\r\n\
m=video 7658 RTP/AVP 97 98 99\r\n\
b=AS:1500\r\n\
a=rtpmap:97 VP8/90000\r\n\
a=fmtp:97 max-fs=3600\r\n\
a=rtpmap:98 H264/90000\r\n\
a=fmtp:98 packetization-mode=0;profile-level-id=42e01f\r\n\
a=rtpmap:99 H264/90000\r\n\
a=fmtp:99 packetization-mode=1;profile-level-id=42e01f\r\n\
a=rtcp-fb:* ccm fir\r\n\
a=rtcp-fb:* nack\r\n\
a=rtcp-fb:* nack pli\r\n\
a=sendrecv\r\n\
a=label:2\r\n";

/// A room system in the Cisco/Poly style: G.722 and PCMU (plus a codec
/// we do not take), H.264 with profile-level-id in mode 0 and mode 1 at
/// level 4.0, a BFCP line and a second video line for slides.
const ROOM_SYSTEM: &str = "v=0\r\n\
o=tandberg 7 2 IN IP4 192.0.2.20\r\n\
s=-\r\n\
c=IN IP4 192.0.2.20\r\n\
b=AS:6000\r\n\
t=0 0\r\n\
m=audio 2326 RTP/AVP 100 9 0 101\r\n\
a=rtpmap:100 MP4A-LATM/90000\r\n\
a=fmtp:100 profile-level-id=24;object=23;bitrate=64000\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=sendrecv\r\n\
m=video 2328 RTP/AVP 97 126\r\n\
b=TIAS:5936000\r\n\
b=AS:5936\r\n\
a=rtpmap:97 H264/90000\r\n\
a=fmtp:97 profile-level-id=42801f;max-mbps=108000;max-fs=3600;packetization-mode=0\r\n\
a=rtpmap:126 H264/90000\r\n\
a=fmtp:126 profile-level-id=42e028;max-mbps=245000;max-fs=8192;packetization-mode=1\r\n\
a=rtcp-fb:* nack pli\r\n\
a=rtcp-fb:* ccm fir\r\n\
a=sendrecv\r\n\
a=content:main\r\n\
a=label:11\r\n\
m=application 5070 UDP/BFCP *\r\n\
a=floorctrl:c-s\r\n\
a=confid:1\r\n\
m=video 2330 RTP/AVP 97\r\n\
a=rtpmap:97 H264/90000\r\n\
a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n\
a=content:slides\r\n\
a=label:12\r\n\
a=sendrecv\r\n";

/// A desk phone: G.711 only, no video, LF line ends.
const DESK_PHONE: &str = "v=0\n\
o=user 8000 8000 IN IP4 192.0.2.40\n\
s=SIP Call\n\
c=IN IP4 192.0.2.40\n\
t=0 0\n\
m=audio 11780 RTP/AVP 0 8 101\n\
a=rtpmap:0 PCMU/8000\n\
a=rtpmap:8 PCMA/8000\n\
a=rtpmap:101 telephone-event/8000\n\
a=fmtp:101 0-16\n\
a=ptime:20\n\
a=sendrecv\n";

#[test]
fn a_baresip_like_offer_gets_opus_and_h264_mode_1() {
    let offer = SessionDescription::parse(BARESIP.as_bytes()).unwrap();
    assert_eq!(offer.media.len(), 2);
    assert_eq!(offer.media[1].payloads.len(), 3);
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    assert_eq!(
        media_sections(&answer.sdp),
        vec![
            "m=audio 20000 RTP/AVP 96 101|a=rtpmap:96 opus/48000/2|a=fmtp:96 useinbandfec=1|\
             a=rtpmap:101 telephone-event/8000|a=fmtp:101 0-15|a=ptime:20|a=sendrecv",
            "m=video 20002 RTP/AVP 99|a=rtpmap:99 H264/90000|\
             a=fmtp:99 profile-level-id=42e01f;packetization-mode=1|a=rtcp-fb:99 nack|\
             a=rtcp-fb:99 nack pli|a=rtcp-fb:99 ccm fir|a=sendrecv",
        ]
    );
    assert!(answer.sdp.starts_with(
        "v=0\r\no=civicmeet 42 1 IN IP4 198.51.100.1\r\ns=civicmeet\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n"
    ));
    let audio = &answer.session.audio;
    assert_eq!(audio.codec, AudioCodec::Opus);
    assert_eq!(audio.payload_type, 96);
    assert_eq!(audio.remote_rtp, Some("192.0.2.30:10364".parse().unwrap()));
    assert_eq!(audio.remote_rtcp, Some("192.0.2.30:10365".parse().unwrap()));
    let event = audio.telephone_event.unwrap();
    assert_eq!((event.payload_type, event.clock_rate), (101, 8000));
    let video = answer.session.video.unwrap();
    assert_eq!((video.codec, video.payload_type), (VideoCodec::H264, 99));
    assert_eq!(video.feedback, vec!["nack", "nack pli", "ccm fir"]);
    assert_eq!(video.bandwidth_kbps, Some(1500));

    // With VP8 preferred (for a VP8 path to browsers), VP8 it is.
    let mut vp8_first = local();
    vp8_first.video_codecs = vec![VideoCodec::Vp8, VideoCodec::H264];
    let answer = sdp::answer(&offer, &vp8_first, ORIGIN).unwrap();
    assert_eq!(answer.session.video.unwrap().codec, VideoCodec::Vp8);
    assert!(
        answer
            .sdp
            .contains("m=video 20002 RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\n")
    );
}

#[test]
fn a_room_system_offer_gets_g722_h264_mode_1_and_the_rest_refused_in_place() {
    let offer = SessionDescription::parse(ROOM_SYSTEM.as_bytes()).unwrap();
    assert_eq!(offer.media.len(), 4);
    assert_eq!(offer.media[2].kind, MediaKind::Other("application".into()));
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    assert_eq!(
        media_sections(&answer.sdp),
        vec![
            "m=audio 20000 RTP/AVP 9 101|a=rtpmap:9 G722/8000|a=rtpmap:101 telephone-event/8000|\
             a=fmtp:101 0-15|a=ptime:20|a=sendrecv",
            // Level 4.0 offered, 3.1 answered; mode 0 passed over.
            "m=video 20002 RTP/AVP 126|a=rtpmap:126 H264/90000|\
             a=fmtp:126 profile-level-id=42e01f;packetization-mode=1|a=rtcp-fb:126 nack pli|\
             a=rtcp-fb:126 ccm fir|a=sendrecv",
            "m=application 0 UDP/BFCP *",
            "m=video 0 RTP/AVP 97",
        ]
    );
    assert_eq!(answer.session.audio.codec, AudioCodec::G722);
    assert_eq!(answer.session.video.unwrap().payload_type, 126);

    // Only mode 0 offered: video refused, audio goes on.
    let mode0 = ROOM_SYSTEM.replace("packetization-mode=1", "packetization-mode=0");
    let offer = SessionDescription::parse(mode0.as_bytes()).unwrap();
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    assert_eq!(answer.session.video, None);
    assert_eq!(answer.sdp.matches("m=video 0 RTP/AVP 97\r\n").count(), 2);

    // Without a video port of ours, video is refused too.
    let audio_only = LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000);
    let offer = SessionDescription::parse(ROOM_SYSTEM.as_bytes()).unwrap();
    let answer = sdp::answer(&offer, &audio_only, ORIGIN).unwrap();
    assert_eq!(answer.session.video, None);
    assert_eq!(answer.sdp.matches("m=").count(), 4, "every m-line answered");
}

#[test]
fn a_desk_phone_offer_gets_pcma() {
    let offer = SessionDescription::parse(DESK_PHONE.as_bytes()).unwrap();
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    assert_eq!(
        media_sections(&answer.sdp),
        vec![
            "m=audio 20000 RTP/AVP 8 101|a=rtpmap:8 PCMA/8000|a=rtpmap:101 telephone-event/8000|\
             a=fmtp:101 0-15|a=ptime:20|a=sendrecv"
        ]
    );
    assert_eq!(answer.session.audio.ptime, Some(20));
    assert_eq!(answer.session.video, None);
    // A phone that has only PCMU gets PCMU, and its static type needs no
    // rtpmap.
    let pcmu = "v=0\r\no=- 1 1 IN IP4 192.0.2.41\r\ns=-\r\nc=IN IP4 192.0.2.41\r\nt=0 0\r\n\
                m=audio 5004 RTP/AVP 0\r\n";
    let offer = SessionDescription::parse(pcmu.as_bytes()).unwrap();
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    assert_eq!(answer.session.audio.codec, AudioCodec::Pcmu);
    assert_eq!(answer.session.audio.telephone_event, None);
}

#[test]
fn opus_with_telephone_event_at_48000_takes_that_one() {
    let offer = BARESIP.replace(
        "a=rtpmap:101 telephone-event/8000\r\n",
        "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:110 telephone-event/48000\r\n",
    );
    let offer = offer.replace("RTP/AVP 96 9 0 8 101", "RTP/AVP 96 9 0 8 101 110");
    let offer = SessionDescription::parse(offer.as_bytes()).unwrap();
    let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
    let event = answer.session.audio.telephone_event.unwrap();
    assert_eq!((event.payload_type, event.clock_rate), (110, 48000));
    assert!(answer.sdp.contains("m=audio 20000 RTP/AVP 96 110\r\n"));
}

#[test]
fn hold_directions_are_answered() {
    for (offered, answered) in [
        ("sendonly", Direction::RecvOnly),
        ("recvonly", Direction::SendOnly),
        ("inactive", Direction::Inactive),
        ("sendrecv", Direction::SendRecv),
    ] {
        let offer = DESK_PHONE.replace("a=sendrecv", &format!("a={offered}"));
        let offer = SessionDescription::parse(offer.as_bytes()).unwrap();
        let answer = sdp::answer(&offer, &local(), ORIGIN).unwrap();
        assert_eq!(answer.session.audio.direction, answered, "{offered}");
        assert!(
            answer.sdp.contains(&format!("a={answered}\r\n")),
            "{offered}"
        );
    }
    // A session-level direction applies to m-lines without their own.
    let offer = DESK_PHONE
        .replace("a=sendrecv\n", "")
        .replace("t=0 0\n", "t=0 0\na=sendonly\n");
    let offer = SessionDescription::parse(offer.as_bytes()).unwrap();
    assert_eq!(offer.media[0].direction, Direction::SendOnly);
}

#[test]
fn without_keys_srtp_lines_are_kept_but_plain_rtp_is_taken() {
    let offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n\
                 m=audio 6000 RTP/SAVP 8\r\n\
                 a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n\
                 m=audio 6002 RTP/AVP 8\r\n";
    let parsed = SessionDescription::parse(offer.as_bytes()).unwrap();
    assert_eq!(parsed.media[0].crypto.len(), 1);
    assert!(parsed.media[0].crypto[0].starts_with("1 AES_CM_128_HMAC_SHA1_80 inline:"));
    let answer = sdp::answer(&parsed, &local(), ORIGIN).unwrap();
    assert_eq!(
        media_sections(&answer.sdp)[0],
        "m=audio 0 RTP/SAVP 8",
        "SAVP refused without keys of ours"
    );
    assert_eq!(
        answer.session.audio.remote_rtp,
        Some("192.0.2.50:6002".parse().unwrap())
    );
    // SAVP only: a codec in common, but nothing to take it on.
    let savp_only = offer.replace("m=audio 6002 RTP/AVP 8\r\n", "");
    let parsed = SessionDescription::parse(savp_only.as_bytes()).unwrap();
    assert_eq!(
        sdp::answer(&parsed, &local(), ORIGIN),
        Err(SdpError::MediaSecurity)
    );
}

#[test]
fn rtcp_attributes_and_mux_are_followed() {
    let offer = DESK_PHONE.replace(
        "a=ptime:20\n",
        "a=ptime:20\na=rtcp:11800 IN IP4 192.0.2.41\n",
    );
    let parsed = SessionDescription::parse(offer.as_bytes()).unwrap();
    let answer = sdp::answer(&parsed, &local(), ORIGIN).unwrap();
    assert_eq!(
        answer.session.audio.remote_rtcp,
        Some("192.0.2.41:11800".parse().unwrap())
    );
    let offer = DESK_PHONE.replace("a=ptime:20\n", "a=ptime:20\na=rtcp-mux\n");
    let parsed = SessionDescription::parse(offer.as_bytes()).unwrap();
    let answer = sdp::answer(&parsed, &local(), ORIGIN).unwrap();
    assert!(answer.session.audio.rtcp_mux);
    assert_eq!(
        answer.session.audio.remote_rtcp,
        answer.session.audio.remote_rtp
    );
    assert!(answer.sdp.contains("a=rtcp-mux\r\n"));
}

#[test]
fn our_offer_and_the_answer_to_it() {
    let ours = sdp::offer(&local(), ORIGIN);
    let parsed = SessionDescription::parse(ours.as_bytes()).expect("our offer parses");
    assert_eq!(parsed.media.len(), 2);
    assert_eq!(
        parsed.media[0].formats,
        vec!["111", "9", "8", "0", "101", "100"]
    );
    // A peer answering it the way we would answers our own offer.
    let answered = sdp::answer(&parsed, &local(), ORIGIN).unwrap();
    let answer = SessionDescription::parse(answered.sdp.as_bytes()).unwrap();
    let session = sdp::read_answer(&local(), &answer).unwrap();
    assert_eq!(session.audio.codec, AudioCodec::Opus);
    assert_eq!(session.audio.telephone_event.unwrap().clock_rate, 48_000);
    assert_eq!(session.video.unwrap().codec, VideoCodec::H264);

    // An answer with fewer m-lines than our offer does not match it.
    let short = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
                 m=audio 5000 RTP/AVP 0\r\n";
    let short = SessionDescription::parse(short.as_bytes()).unwrap();
    assert!(matches!(
        sdp::read_answer(&local(), &short),
        Err(SdpError::AnswerMismatch(_))
    ));
}

#[test]
fn malformed_sdp_is_refused_with_an_error() {
    let thousand_m_lines = format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n{}",
        // Short lines, so the size limit does not come first.
        "m=x 0 y 0\n".repeat(1000)
    );
    let many_lines = format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
         m=audio 5000 RTP/AVP 0\r\n{}",
        "a=x\r\n".repeat(600)
    );
    let long_line = format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\na={}\r\n",
        "x".repeat(2000)
    );
    let many_formats = format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP{}\r\n",
        " 0".repeat(100)
    );
    let mut not_utf8 = DESK_PHONE.as_bytes().to_vec();
    not_utf8.splice(20..20, [0xff, 0xfe, 0xc3]);
    let cases: Vec<(&str, Vec<u8>, SdpError)> = vec![
        (
            "missing c=",
            DESK_PHONE.replace("c=IN IP4 192.0.2.40\n", "").into_bytes(),
            SdpError::NoConnection { media: 0 },
        ),
        (
            "a port out of range",
            DESK_PHONE.replace("11780", "70000").into_bytes(),
            SdpError::BadLine {
                line: 6,
                what: "bad port",
            },
        ),
        (
            "a port that is not a number",
            DESK_PHONE.replace("11780", "eleven").into_bytes(),
            SdpError::BadLine {
                line: 6,
                what: "bad port",
            },
        ),
        (
            "1000 m-lines",
            thousand_m_lines.into_bytes(),
            SdpError::TooManyMedia,
        ),
        (
            "600 attributes",
            many_lines.into_bytes(),
            SdpError::TooManyLines,
        ),
        (
            "a line of 2000 bytes",
            long_line.into_bytes(),
            SdpError::LineTooLong { line: 3 },
        ),
        (
            "100 formats",
            many_formats.into_bytes(),
            SdpError::TooManyFormats,
        ),
        ("not UTF-8", not_utf8, SdpError::NotUtf8),
        ("empty", Vec::new(), SdpError::NoVersion),
        (
            "no v= first",
            b"o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n".to_vec(),
            SdpError::NoVersion,
        ),
        ("no o=", b"v=0\r\ns=-\r\n".to_vec(), SdpError::NoOrigin),
        (
            "a payload type above 127",
            DESK_PHONE
                .replace("RTP/AVP 0 8 101", "RTP/AVP 0 8 200")
                .into_bytes(),
            SdpError::BadLine {
                line: 6,
                what: "bad payload type",
            },
        ),
        (
            "a host name as address",
            DESK_PHONE
                .replace("c=IN IP4 192.0.2.40", "c=IN IP4 phone.example")
                .into_bytes(),
            SdpError::BadLine {
                line: 4,
                what: "bad c= line",
            },
        ),
        (
            "an IPv6 address said to be IP4",
            DESK_PHONE
                .replace("c=IN IP4 192.0.2.40", "c=IN IP4 2001:db8::1")
                .into_bytes(),
            SdpError::BadLine {
                line: 4,
                what: "bad c= line",
            },
        ),
        (
            "a line without =",
            DESK_PHONE.replace("s=SIP Call", "s SIP Call").into_bytes(),
            SdpError::BadLine {
                line: 3,
                what: "no '='",
            },
        ),
        (
            "larger than MAX_SDP",
            vec![b'a'; sdp::MAX_SDP + 1],
            SdpError::TooLarge,
        ),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(SessionDescription::parse(&bytes), Err(expected), "{what}");
    }
}

#[test]
fn ipv6_and_rejected_lines_without_address_are_read() {
    let offer = "v=0\r\no=- 1 1 IN IP6 2001:db8::7\r\ns=-\r\nt=0 0\r\n\
                 m=video 0 RTP/AVP 96\r\n\
                 m=audio 7000 RTP/AVP 9\r\nc=IN IP6 2001:db8::7\r\n";
    let parsed = SessionDescription::parse(offer.as_bytes()).unwrap();
    assert_eq!(parsed.media[0].connection, None);
    let v6 = LocalMedia::new("2001:db8::1".parse::<IpAddr>().unwrap(), 20_000);
    let answer = sdp::answer(&parsed, &v6, ORIGIN).unwrap();
    assert!(answer.sdp.contains("c=IN IP6 2001:db8::1\r\n"));
    assert_eq!(
        answer.session.audio.remote_rtp,
        Some("[2001:db8::7]:7000".parse().unwrap())
    );
    assert_eq!(media_sections(&answer.sdp)[0], "m=video 0 RTP/AVP 96");
}

/// Thousands of mutations of real-looking offers through the parser and
/// the answer: errors are fine, panics are not, and every answer made
/// parses again.
#[test]
fn mutated_sdp_never_panics() {
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let seeds = [BARESIP, ROOM_SYSTEM, DESK_PHONE];
    let mut answered = 0;
    for round in 0..15_000 {
        let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..(next() % 5 + 1) {
            let at = (next() as usize) % (bytes.len() + 1);
            match next() % 5 {
                0 if at < bytes.len() => bytes[at] = next() as u8,
                1 => bytes.insert(at, b"=/: \r\n0123456789m\xffac"[(next() % 18) as usize]),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                3 => {
                    let piece = [
                        "m=video 1 RTP/AVP 96\r\n",
                        "a=fmtp:96 ",
                        "é",
                        "/",
                        "c=IN IP4 0.0.0.0\r\n",
                    ][(next() % 5) as usize];
                    bytes.splice(at..at, piece.bytes());
                }
                _ => bytes.truncate(at),
            }
        }
        let Ok(offer) = SessionDescription::parse(&bytes) else {
            continue;
        };
        if let Ok(answer) = sdp::answer(&offer, &local(), ORIGIN) {
            answered += 1;
            let parsed =
                SessionDescription::parse(answer.sdp.as_bytes()).expect("our answers parse");
            assert_eq!(
                parsed.media.len(),
                offer.media.len(),
                "one m-line per offered one"
            );
        }
    }
    assert!(
        answered > 1_000,
        "mutations that still make sense get answers: {answered}"
    );
}
