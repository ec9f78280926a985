//! RTP parsing and building (RFC 3550 §5.1), RTCP demultiplexing
//! (RFC 5761 §4), and a mutation test: no input makes the parser panic.

mod common;

use civicmeet_sip_media::{Error, RtpHeader, RtpPacket, rtcp_packet_type};
use common::Rng;

fn header() -> RtpHeader {
    RtpHeader {
        marker: true,
        payload_type: 9,
        sequence: 0xfffe,
        timestamp: 0xdead_beef,
        ssrc: 0x1234_5678,
    }
}

#[test]
fn a_built_packet_parses_back_to_its_fields() {
    let bytes = header().to_bytes(b"audio");
    assert_eq!(bytes.len(), 12 + 5);
    let packet = RtpPacket::parse(&bytes).unwrap();
    assert!(packet.marker);
    assert_eq!(packet.payload_type, 9);
    assert_eq!(packet.sequence, 0xfffe);
    assert_eq!(packet.timestamp, 0xdead_beef);
    assert_eq!(packet.ssrc, 0x1234_5678);
    assert_eq!(packet.payload, b"audio");
    assert_eq!(packet.csrcs().count(), 0);
}

#[test]
fn csrcs_extension_and_padding_are_taken_apart() {
    let mut bytes = vec![0x80 | 0x20 | 0x10 | 2, 0x00];
    bytes.extend_from_slice(&7u16.to_be_bytes());
    bytes.extend_from_slice(&160u32.to_be_bytes());
    bytes.extend_from_slice(&42u32.to_be_bytes());
    // Two CSRCs.
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(&2u32.to_be_bytes());
    // A one-byte-header extension (RFC 8285) of two words.
    bytes.extend_from_slice(&[0xbe, 0xde, 0x00, 0x02]);
    bytes.extend_from_slice(&[0x10, 0xff, 0, 0, 0x22, 1, 2, 0]);
    bytes.extend_from_slice(b"pcm!");
    // Three bytes of padding, the last one counting them.
    bytes.extend_from_slice(&[0, 0, 3]);

    let packet = RtpPacket::parse(&bytes).unwrap();
    assert!(!packet.marker);
    assert_eq!(packet.payload_type, 0);
    assert_eq!(packet.sequence, 7);
    assert_eq!(packet.timestamp, 160);
    assert_eq!(packet.ssrc, 42);
    assert_eq!(packet.csrcs().collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(packet.payload, b"pcm!");
}

#[test]
fn malformed_packets_get_their_own_errors() {
    let good = header().to_bytes(b"x");
    let cases: Vec<(Vec<u8>, Error)> = vec![
        (vec![], Error::TooShort(0)),
        (good[..11].to_vec(), Error::TooShort(11)),
        (
            {
                let mut b = good.clone();
                b[0] = 0x40;
                b
            },
            Error::Version(1),
        ),
        (
            {
                let mut b = good.clone();
                b[0] = 0x80 | 15;
                b
            },
            Error::CsrcOverrun,
        ),
        (
            {
                let mut b = good.clone();
                b[0] = 0x90;
                b
            },
            Error::ExtensionOverrun,
        ),
        (
            {
                // Extension header present but its length runs past the end.
                let mut b = header().to_bytes(&[0xbe, 0xde, 0x00, 0x09]);
                b[0] = 0x90;
                b
            },
            Error::ExtensionOverrun,
        ),
        (
            {
                let mut b = header().to_bytes(&[1, 2, 0]);
                b[0] |= 0x20;
                b
            },
            Error::Padding(0),
        ),
        (
            {
                let mut b = header().to_bytes(&[1, 2, 4]);
                b[0] |= 0x20;
                b
            },
            Error::Padding(4),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(RtpPacket::parse(&bytes), Err(expected), "{bytes:02x?}");
    }
    // Padding that takes the whole payload leaves an empty payload.
    let mut b = header().to_bytes(&[1, 2, 3]);
    b[0] |= 0x20;
    assert_eq!(RtpPacket::parse(&b).unwrap().payload, b"");
}

#[test]
fn rtcp_on_the_rtp_port_is_recognised() {
    // SR, RR, SDES, BYE, APP, and the feedback and XR types after them.
    for packet_type in [200u8, 201, 202, 203, 204, 205, 206, 207] {
        let mut rtcp = vec![0x80, packet_type, 0, 1];
        rtcp.extend_from_slice(&[0; 4]);
        rtcp.extend_from_slice(&[0; 8]);
        assert_eq!(rtcp_packet_type(&rtcp), Some(packet_type));
        assert_eq!(RtpPacket::parse(&rtcp), Err(Error::Rtcp(packet_type)));
    }
    // RTP with the usual payload types, marker or not, is not RTCP.
    for second in [0u8, 8, 9, 101, 111, 0x80, 0x80 | 111, 0x80 | 127] {
        let mut rtp = header().to_bytes(b"a");
        rtp[1] = second;
        assert_eq!(rtcp_packet_type(&rtp), None);
        assert!(RtpPacket::parse(&rtp).is_ok());
    }
    assert_eq!(rtcp_packet_type(&[0x80]), None);
    assert_eq!(rtcp_packet_type(&[]), None);
}

/// Random datagrams and mutations of valid packets: the parser never
/// panics, and what it accepts is consistent with the bytes.
#[test]
fn mutations_never_panic() {
    let mut rng = Rng::new(0x5eed_0001);
    let mut seed = vec![0x80 | 0x20 | 0x10 | 1, 0x89];
    seed.extend_from_slice(&[0, 1, 0, 0, 0, 160, 0, 0, 0, 42, 0, 0, 0, 7]);
    seed.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
    seed.extend_from_slice(&[0xd5; 20]);
    seed.extend_from_slice(&[0, 2]);
    assert!(RtpPacket::parse(&seed).is_ok());

    let mut accepted = 0;
    for round in 0..50_000 {
        let bytes = if round % 2 == 0 {
            let len = rng.below(64) as usize;
            let mut b = rng.bytes(len);
            if let Some(first) = b.first_mut() {
                // Mostly version 2, so the parser goes past the first check.
                *first = (*first & 0x3f) | 0x80;
            }
            b
        } else {
            let mut b = seed.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(b.len() as u64 + 1) as usize;
                match rng.below(4) {
                    0 if at < b.len() => b[at] = rng.next() as u8,
                    1 => b.insert(at, rng.next() as u8),
                    2 if at < b.len() => {
                        b.remove(at);
                    }
                    _ => b.truncate(at),
                }
            }
            b
        };
        if let Ok(packet) = RtpPacket::parse(&bytes) {
            accepted += 1;
            assert!(packet.payload.len() + 12 <= bytes.len());
            assert!(packet.payload_type < 128);
            assert!(packet.csrcs().count() <= 15);
        }
    }
    assert!(accepted > 1_000, "some mutations stay valid: {accepted}");
}
