//! RTCP feedback for video: what we write, byte for byte as RFC 3550,
//! RFC 4585 and RFC 5104 lay it out, and what we read out of compound
//! packets, whatever else they carry.

use civicmeet_sip_media::rtcp_packet_type;
use civicmeet_sip_media::video::rtcp::{Feedback, fir, parse_feedback, pli, sender_report};

/// An empty receiver report of SSRC 0x01020304: V=2, RC=0, PT=201,
/// length 1.
const EMPTY_RR: [u8; 8] = [0x80, 201, 0x00, 0x01, 1, 2, 3, 4];

#[test]
fn a_pli_follows_an_empty_receiver_report() {
    let bytes = pli(0x0102_0304, 0xa0b0_c0d0);
    let mut expected = EMPTY_RR.to_vec();
    // V=2, FMT=1, PT=206, length 2; sender SSRC; media SSRC.
    expected.extend_from_slice(&[0x81, 206, 0x00, 0x02, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0]);
    assert_eq!(bytes, expected);
    assert_eq!(rtcp_packet_type(&bytes), Some(201), "a report first");
    assert_eq!(
        parse_feedback(&bytes),
        vec![Feedback::Pli {
            media_ssrc: 0xa0b0_c0d0
        }]
    );
}

#[test]
fn a_fir_names_its_target_in_the_entry_and_carries_the_sequence() {
    let bytes = fir(0x0102_0304, 0xa0b0_c0d0, 7);
    let mut expected = EMPTY_RR.to_vec();
    // V=2, FMT=4, PT=206, length 4; sender SSRC; media SSRC 0 (RFC 5104
    // §4.3.1.2); the entry: SSRC, sequence number, 24 reserved bits.
    expected.extend_from_slice(&[0x84, 206, 0x00, 0x04, 1, 2, 3, 4, 0, 0, 0, 0]);
    expected.extend_from_slice(&[0xa0, 0xb0, 0xc0, 0xd0, 7, 0, 0, 0]);
    assert_eq!(bytes, expected);
    assert_eq!(
        parse_feedback(&bytes),
        vec![Feedback::Fir {
            media_ssrc: 0xa0b0_c0d0,
            sequence: 7
        }]
    );
}

#[test]
fn a_sender_report_has_the_rfc_3550_layout() {
    let bytes = sender_report(
        0x0102_0304,
        0x1122_3344_5566_7788,
        0xdead_beef,
        1000,
        250_000,
    );
    let expected = [
        0x80, 200, 0x00, 0x06, // V=2, RC=0, PT=200, length 6
        1, 2, 3, 4, // SSRC
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // NTP
        0xde, 0xad, 0xbe, 0xef, // RTP timestamp
        0x00, 0x00, 0x03, 0xe8, // packets
        0x00, 0x03, 0xd0, 0x90, // octets
    ];
    assert_eq!(bytes, expected);
    assert_eq!(rtcp_packet_type(&bytes), Some(200));
    assert_eq!(parse_feedback(&bytes), vec![]);
}

/// A Generic NACK (RFC 4585 §6.2.1): PID and a bitmask of the 16
/// packets after it.
#[test]
fn nacks_name_every_packet_their_bitmasks_hold() {
    let bytes = [
        0x81,
        205,
        0x00,
        0x04, // FMT=1, PT=205, length 4
        0,
        0,
        0,
        9, // sender
        0,
        0,
        0,
        42, // media
        0x00,
        0x64,
        0b1000_0000,
        0b0000_0101, // 100, and 101, 103, 116
        0xff,
        0xff,
        0x00,
        0x01, // 65535, and 0 (wrapped)
    ];
    assert_eq!(
        parse_feedback(&bytes),
        vec![Feedback::Nack {
            media_ssrc: 42,
            lost: vec![100, 101, 103, 116, 65_535, 0]
        }]
    );
}

/// What a room system sends: SR, SDES, then feedback, with an APP and a
/// NACK without entries in between, and a FIR of two entries.
#[test]
fn feedback_is_found_anywhere_in_a_compound_packet() {
    let mut compound = sender_report(5, 1, 2, 3, 4);
    // SDES with a CNAME item: V=2, SC=1, PT=202, length 3.
    compound.extend_from_slice(&[0x81, 202, 0x00, 0x03, 0, 0, 0, 5, 1, 4, b'r', b'o']);
    compound.extend_from_slice(&[b'o', b'm', 0, 0]);
    // APP, length 2.
    compound.extend_from_slice(&[0x80, 204, 0x00, 0x02, 0, 0, 0, 5, b'n', b'a', b'm', b'e']);
    // A NACK with no entry says nothing.
    compound.extend_from_slice(&[0x81, 205, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 6]);
    compound.extend_from_slice(&pli(5, 6)[8..]);
    // FIR with two entries: length 6.
    compound.extend_from_slice(&[0x84, 206, 0x00, 0x06, 0, 0, 0, 5, 0, 0, 0, 0]);
    compound.extend_from_slice(&[0, 0, 0, 6, 3, 0, 0, 0, 0, 0, 0, 7, 4, 0, 0, 0]);
    // Another feedback format (REMB, PSFB FMT 15) is skipped.
    compound.extend_from_slice(&[0x8f, 206, 0x00, 0x03, 0, 0, 0, 5, 0, 0, 0, 0]);
    compound.extend_from_slice(b"REMB");
    assert_eq!(
        parse_feedback(&compound),
        vec![
            Feedback::Pli { media_ssrc: 6 },
            Feedback::Fir {
                media_ssrc: 6,
                sequence: 3
            },
            Feedback::Fir {
                media_ssrc: 7,
                sequence: 4
            },
        ]
    );
}

#[test]
fn a_length_past_the_end_or_bad_padding_ends_the_reading() {
    let two = [pli(1, 2), pli(1, 3)].concat();
    // The second PLI claims one word more than there is.
    let mut overrun = two.clone();
    let length_at = overrun.len() - 12 + 3;
    overrun[length_at] = 3;
    assert_eq!(
        parse_feedback(&overrun),
        vec![Feedback::Pli { media_ssrc: 2 }]
    );
    // Cut anywhere: what is whole is read, nothing more.
    for cut in 0..two.len() {
        let found = parse_feedback(&two[..cut]);
        let expected = if cut >= 20 { 1 } else { 0 };
        assert_eq!(found.len(), expected, "cut at {cut}");
    }
    // A feedback packet shorter than its two SSRCs is skipped.
    let mut short = EMPTY_RR.to_vec();
    short.extend_from_slice(&[0x81, 206, 0x00, 0x01, 0, 0, 0, 1]);
    short.extend(pli(1, 9));
    assert_eq!(
        parse_feedback(&short),
        vec![Feedback::Pli { media_ssrc: 9 }]
    );
    // Padding: P set, the last octet counts it.
    let mut padded = vec![0xa1, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 4];
    assert_eq!(
        parse_feedback(&padded),
        vec![Feedback::Pli { media_ssrc: 9 }]
    );
    // A count of zero, or one that eats the header, is wrong.
    for count in [0, 13] {
        padded[15] = count;
        assert_eq!(parse_feedback(&padded), vec![], "padding {count}");
    }
    // Not RTCP at all (version 1), and RTP.
    assert_eq!(
        parse_feedback(&[0x41, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]),
        vec![]
    );
    assert_eq!(
        parse_feedback(&[0x80, 96, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]),
        vec![]
    );
    assert_eq!(parse_feedback(&[]), vec![]);
}
