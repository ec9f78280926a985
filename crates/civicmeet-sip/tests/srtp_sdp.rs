//! SRTP with SDES in offer/answer (RFC 4568, RFC 3264) and the endpoint's
//! rule that keys are answered only over TLS (RFC 4568 §8.3): an RTP/SAVP
//! offer is answered with our key under its tag and suite when we have
//! keys, a secure line is preferred to a plain one, plain RTP is refused
//! where the media security says so, and our own (late) offer is SRTP
//! when plain RTP is not allowed.

mod common;

use std::net::IpAddr;
use std::time::Instant;

use civicmeet_sip::sdp::crypto::{CryptoSuite, SdesKey, parse_crypto};
use civicmeet_sip::sdp::{
    self, LocalMedia, LocalOrigin, MediaSecurity, Protocol, SdesKeys, SdpError, SessionDescription,
};
use civicmeet_sip::{CallEvent, Config, Endpoint, Error, Transport, parse};
use common::{Phone, SERVER, body, events, sent, status};

const ORIGIN: LocalOrigin = LocalOrigin {
    session_id: 42,
    version: 1,
};

/// RFC 4568's example key (30 bytes), as the phone's.
const PHONE_KEY: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

fn keys() -> SdesKeys {
    SdesKeys {
        audio: SdesKey::new([0xa1; 30]),
        video: SdesKey::new([0xb2; 30]),
    }
}

fn local(sdes: bool, plain_rtp: bool) -> LocalMedia {
    let mut local =
        LocalMedia::new("198.51.100.1".parse::<IpAddr>().unwrap(), 20_000).with_video(20_002);
    local.security = MediaSecurity {
        sdes: sdes.then(keys),
        plain_rtp,
    };
    local
}

/// A room system's offer: SRTP audio and video (with an MKI line first,
/// which we cannot take), and a plain audio line after them.
fn offer(with_plain: bool) -> SessionDescription {
    let mut text = format!(
        "v=0\r\no=tandberg 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
         m=audio 2326 RTP/SAVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{PHONE_KEY}|2^48|1:4\r\n\
         a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{PHONE_KEY}|2^31\r\n\
         m=video 2328 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n\
         a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n\
         a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{PHONE_KEY}\r\n"
    );
    if with_plain {
        text.push_str("m=audio 2330 RTP/AVP 8\r\n");
    }
    SessionDescription::parse(text.as_bytes()).unwrap()
}

fn media_lines(sdp: &str) -> Vec<&str> {
    sdp.lines().filter(|l| l.starts_with("m=")).collect()
}

fn crypto_lines(sdp: &str) -> Vec<&str> {
    sdp.lines().filter(|l| l.starts_with("a=crypto:")).collect()
}

#[test]
fn with_keys_srtp_is_answered_with_our_key_and_preferred_to_plain() {
    let answer = sdp::answer(&offer(true), &local(true, true), ORIGIN).unwrap();
    assert_eq!(
        media_lines(&answer.sdp),
        [
            "m=audio 20000 RTP/SAVP 8 101",
            "m=video 20002 RTP/SAVP 96",
            "m=audio 0 RTP/AVP 8"
        ]
    );
    // One line per taken m-line: the first usable tag, our own key.
    let lines = crypto_lines(&answer.sdp);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (audio, video) = (
        parse_crypto(lines[0]).unwrap(),
        parse_crypto(lines[1]).unwrap(),
    );
    assert_eq!(
        (audio.tag, audio.suite),
        (2, CryptoSuite::AesCm128HmacSha1_32)
    );
    assert_eq!(audio.key, keys().audio);
    assert_eq!(
        (video.tag, video.suite),
        (7, CryptoSuite::AesCm128HmacSha1_80)
    );
    assert_eq!(video.key, keys().video);

    // The session names both keys: ours to send with, theirs to open.
    let srtp = answer.session.audio.srtp.expect("audio is SRTP");
    assert_eq!(srtp.suite, CryptoSuite::AesCm128HmacSha1_32);
    assert_eq!(srtp.local, keys().audio);
    assert_eq!(&srtp.remote.bytes()[..15], b"YS___semctl () ");
    assert_eq!(
        answer.session.audio.remote_rtp,
        Some("192.0.2.10:2326".parse().unwrap())
    );
    let video = answer.session.video.expect("video taken");
    assert_eq!(video.srtp.expect("video is SRTP").local, keys().video);
}

#[test]
fn the_media_security_decides_what_is_taken() {
    // No keys: the plain line.
    let answer = sdp::answer(&offer(true), &local(false, true), ORIGIN).unwrap();
    assert_eq!(answer.session.audio.srtp, None);
    assert_eq!(
        answer.session.audio.remote_rtp,
        Some("192.0.2.10:2330".parse().unwrap())
    );
    assert!(crypto_lines(&answer.sdp).is_empty());
    // No keys and no plain RTP, or only plain lines where plain is refused.
    for (offer, local) in [
        (offer(true), local(false, false)),
        (plain_offer(), local(true, false)),
    ] {
        assert_eq!(
            sdp::answer(&offer, &local, ORIGIN),
            Err(SdpError::MediaSecurity)
        );
    }
    // SRTP only with nothing but an MKI line: nothing to take it with.
    let mki_only = offer(false);
    let mut mki_only = mki_only.clone();
    mki_only.media[0].crypto.truncate(1);
    assert_eq!(
        sdp::answer(&mki_only, &local(true, true), ORIGIN),
        Err(SdpError::MediaSecurity)
    );
    // A codec we do not have stays what it was.
    let mut no_codec = offer(false);
    no_codec.media[0].payloads.retain(|f| f.payload_type == 101);
    assert_eq!(
        sdp::answer(&no_codec, &local(true, true), ORIGIN),
        Err(SdpError::NoCommonCodec)
    );
}

fn plain_offer() -> SessionDescription {
    let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
                m=audio 2330 RTP/AVP 0\r\n";
    SessionDescription::parse(text.as_bytes()).unwrap()
}

#[test]
fn our_offer_is_srtp_only_where_plain_rtp_is_refused() {
    let plain = sdp::offer(&local(true, true), ORIGIN);
    assert!(media_lines(&plain).iter().all(|l| l.contains("RTP/AVP")));
    assert!(crypto_lines(&plain).is_empty());

    let ours = sdp::offer(&local(true, false), ORIGIN);
    assert!(media_lines(&ours).iter().all(|l| l.contains("RTP/SAVP")));
    let parsed = SessionDescription::parse(ours.as_bytes()).unwrap();
    assert_eq!(parsed.media[0].protocol, Protocol::RtpSavp);
    // A peer with its own keys answers it: the keys fit.
    let theirs = LocalMedia {
        security: MediaSecurity {
            sdes: Some(SdesKeys {
                audio: SdesKey::new([0x11; 30]),
                video: SdesKey::new([0x22; 30]),
            }),
            plain_rtp: false,
        },
        ..local(false, false)
    };
    let answered = sdp::answer(&parsed, &theirs, ORIGIN).unwrap();
    let answer = SessionDescription::parse(answered.sdp.as_bytes()).unwrap();
    let session = sdp::read_answer(&local(true, false), &answer).unwrap();
    let srtp = session.audio.srtp.expect("SRTP agreed");
    assert_eq!(srtp.suite, CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(srtp.local, keys().audio);
    assert_eq!(srtp.remote, SdesKey::new([0x11; 30]));
    assert_eq!(
        session.video.unwrap().srtp.unwrap().remote,
        SdesKey::new([0x22; 30])
    );

    // An answer without a key under our tag does not fit.
    let mut keyless = answer.clone();
    keyless.media[0].crypto.clear();
    assert_eq!(
        sdp::read_answer(&local(true, false), &keyless),
        Err(SdpError::CryptoMismatch)
    );
}

fn savp_offer() -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
         m=audio 40000 RTP/SAVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{PHONE_KEY}\r\n"
    )
}

fn tls_endpoint() -> Endpoint {
    let mut config = Config::new(SERVER.parse().unwrap(), 7);
    config.tls_addr = Some("198.51.100.1:5061".parse().unwrap());
    Endpoint::new(config)
}

/// An INVITE with `offer` from a phone on `transport`, accepted with our
/// keys: what the endpoint answered.
fn call_over(transport: Transport, offer: &str) -> (Endpoint, Result<(), Error>, u16, String) {
    let now = Instant::now();
    let mut endpoint = tls_endpoint();
    let mut phone = Phone::new(&format!("{transport:?}"));
    phone.transport = transport;
    endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(offer)));
    let Some(CallEvent::Incoming {
        call,
        transport: announced,
        ..
    }) = endpoint.poll_event()
    else {
        panic!("Incoming")
    };
    assert_eq!(announced, transport);
    let _trying = sent(&mut endpoint);
    let result = endpoint.accept(now, call, &local(true, true));
    let (_, response) = sent(&mut endpoint).remove(0);
    let contact = response.header("Contact").unwrap_or_default().to_string();
    let status = status(&response);
    assert_eq!(status == 200, result.is_ok(), "{result:?}");
    (endpoint, result, status, contact)
}

#[test]
fn sdes_is_answered_over_tls_and_refused_over_udp_and_tcp() {
    for transport in [Transport::Udp, Transport::Tcp] {
        let (_, result, status, _) = call_over(transport, &savp_offer());
        assert_eq!(status, 488, "{transport:?}");
        assert_eq!(result, Err(Error::Sdp(SdpError::MediaSecurity)));
    }
    let (_, result, status, contact) = call_over(Transport::Tls, &savp_offer());
    assert_eq!((status, result), (200, Ok(())));
    assert_eq!(contact, "<sip:198.51.100.1:5061;transport=tls>");
}

#[test]
fn contact_and_via_name_the_transport_and_its_port() {
    let (_, _, _, contact) = call_over(Transport::Udp, common::AUDIO_OFFER);
    assert_eq!(contact, "<sip:198.51.100.1:5060>");
    let (_, _, _, contact) = call_over(Transport::Tcp, common::AUDIO_OFFER);
    assert_eq!(contact, "<sip:198.51.100.1:5060;transport=tcp>");

    // Over TLS, our BYE leaves from the TLS port, and says so.
    let now = Instant::now();
    let mut endpoint = tls_endpoint();
    let mut phone = Phone::new("bye");
    phone.transport = Transport::Tls;
    endpoint.handle_datagram(now, phone.source(), &phone.invite(Some(&savp_offer())));
    let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
        panic!("Incoming")
    };
    endpoint.accept(now, call, &local(true, true)).unwrap();
    let ok = sent(&mut endpoint).pop().unwrap().1;
    assert!(body(&ok).contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    phone.learn_tag(&ok);
    endpoint.handle_datagram(now, phone.source(), &phone.ack(None));
    let established = events(&mut endpoint);
    let [CallEvent::Established { session, .. }] = established.as_slice() else {
        panic!("{established:?}")
    };
    assert_eq!(session.audio.srtp.as_ref().unwrap().local, keys().audio);
    endpoint.hang_up(now, call).unwrap();
    let (to, bye) = endpoint.poll_transmit_on().unwrap();
    assert_eq!(to, phone.source(), "on the call's connection");
    let bye = parse(&bye).unwrap();
    assert!(
        bye.header("Via")
            .unwrap()
            .starts_with("SIP/2.0/TLS 198.51.100.1:5061;"),
        "{:?}",
        bye.header("Via")
    );

    // A sips: Request-URI gets a sips: Contact.
    let mut phone = Phone::new("sips");
    phone.transport = Transport::Tls;
    let invite = String::from_utf8(phone.invite(Some(common::AUDIO_OFFER)))
        .unwrap()
        .replacen("INVITE sip:", "INVITE sips:", 1);
    endpoint.handle_datagram(now, phone.source(), invite.as_bytes());
    let incoming = events(&mut endpoint);
    let Some(CallEvent::Incoming { call, .. }) = incoming.last() else {
        panic!("Incoming: {incoming:?}")
    };
    let call = *call;
    let _ = sent(&mut endpoint);
    endpoint.accept(now, call, &local(true, true)).unwrap();
    let ok = sent(&mut endpoint).pop().unwrap().1;
    assert_eq!(ok.header("Contact"), Some("<sips:198.51.100.1:5061>"));
}

#[test]
fn a_late_offer_without_plain_rtp_is_srtp_over_tls_and_refused_elsewhere() {
    let now = Instant::now();
    for (transport, expected) in [(Transport::Udp, 488), (Transport::Tls, 200)] {
        let mut endpoint = tls_endpoint();
        let mut phone = Phone::new("late");
        phone.transport = transport;
        endpoint.handle_datagram(now, phone.source(), &phone.invite(None));
        let Some(CallEvent::Incoming { call, .. }) = endpoint.poll_event() else {
            panic!("Incoming")
        };
        let _ = sent(&mut endpoint);
        let result = endpoint.accept(now, call, &local(true, false));
        let response = sent(&mut endpoint).pop().unwrap().1;
        assert_eq!(status(&response), expected, "{transport:?}");
        if expected == 200 {
            result.unwrap();
            assert!(body(&response).contains("m=audio 20000 RTP/SAVP"));
        } else {
            assert_eq!(result, Err(Error::Sdp(SdpError::MediaSecurity)));
        }
    }
}
