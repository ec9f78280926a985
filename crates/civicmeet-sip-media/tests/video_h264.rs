//! H.264 over RTP (RFC 6184, packetization-mode 1) both ways: payloads
//! written by hand as the RFC lays them out are read into Annex B access
//! units; frames we cut come back whole.

mod common;

use civicmeet_sip_media::video::MAX_FRAME_BYTES;
use civicmeet_sip_media::{Depacketized, Depacketizer, RtpPacket, VideoFormat, VideoPacketizer};
use common::Rng;
use common::video::*;

fn depacketizer() -> Depacketizer {
    Depacketizer::new(VideoFormat::H264)
}

fn packetizer(mtu: usize) -> VideoPacketizer {
    VideoPacketizer::new(VideoFormat::H264, PT, SSRC, 65_530, mtu)
}

/// Two bytes of STAP-A size, then the NAL unit.
fn sized(nal: &[u8]) -> Vec<u8> {
    let mut out = (nal.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(nal);
    out
}

/// A STAP-A (indicator NRI 3) of `nals`.
fn stap_a(nals: &[&[u8]]) -> Vec<u8> {
    let mut stap = vec![0x78];
    for nal in nals {
        stap.extend(sized(nal));
    }
    stap
}

/// A keyframe in one STAP-A: SPS, PPS and a small IDR slice.
fn stap_keyframe(rng: &mut Rng) -> Vec<u8> {
    stap_a(&[&SPS, &PPS, &nal(rng, 0x65, 30, true)])
}

#[test]
fn single_nal_unit_packets_become_an_annex_b_access_unit() {
    let mut rng = Rng::new(1);
    let idr = nal(&mut rng, 0x65, 300, true);
    let packets = [
        rtp(10, 9000, false, &SPS),
        rtp(11, 9000, false, &PPS),
        rtp(12, 9000, true, &idr),
    ];
    let out = feed_all(&mut depacketizer(), &packets);
    assert_eq!(
        out,
        vec![frame(
            9000,
            true,
            annex_b(&[SPS.to_vec(), PPS.to_vec(), idr.clone()])
        )]
    );
}

#[test]
fn a_stap_a_carries_parameter_sets_and_a_slice() {
    let mut rng = Rng::new(2);
    let idr = nal(&mut rng, 0x65, 40, true);
    // STAP-A indicator: F=0, NRI=3, type 24.
    let stap = stap_a(&[&SPS, &PPS, &idr]);
    let out = feed_all(&mut depacketizer(), &[rtp(1, 3000, true, &stap)]);
    assert_eq!(
        out,
        vec![frame(
            3000,
            true,
            annex_b(&[SPS.to_vec(), PPS.to_vec(), idr])
        )]
    );
}

#[test]
fn fu_a_pieces_rebuild_the_nal_unit_header_from_indicator_and_fu_header() {
    let mut rng = Rng::new(3);
    // An IDR slice with NRI 2 (0x45), cut in three.
    let idr = nal(&mut rng, 0x45, 2500, true);
    let body = &idr[1..];
    let (a, rest) = body.split_at(1000);
    let (b, c) = rest.split_at(1000);
    let indicator = 0x40 | 28; // NRI 2, FU-A
    let piece = |fu_header: u8, bytes: &[u8]| {
        let mut p = vec![indicator, fu_header];
        p.extend_from_slice(bytes);
        p
    };
    let packets = [
        rtp(98, 1, false, &SPS),
        rtp(99, 1, false, &PPS),
        rtp(100, 1, false, &piece(0x80 | 5, a)),
        rtp(101, 1, false, &piece(5, b)),
        rtp(102, 1, true, &piece(0x40 | 5, c)),
    ];
    let out = feed_all(&mut depacketizer(), &packets);
    assert_eq!(
        out,
        vec![frame(1, true, annex_b(&[SPS.to_vec(), PPS.to_vec(), idr]))]
    );
}

#[test]
fn a_frame_without_an_idr_slice_is_a_delta_frame() {
    let mut rng = Rng::new(4);
    let mut depacketizer = depacketizer();
    let key = nal(&mut rng, 0x65, 50, true);
    let delta = nal(&mut rng, 0x41, 50, true);
    let out = feed_all(
        &mut depacketizer,
        &[
            rtp(1, 0, true, &stap_a(&[&SPS, &PPS, &key])),
            rtp(2, 3000, true, &delta),
        ],
    );
    assert_eq!(
        out,
        vec![
            frame(0, true, annex_b(&[SPS.to_vec(), PPS.to_vec(), key])),
            frame(3000, false, annex_b(&[delta]))
        ]
    );
}

#[test]
fn malformed_payloads_are_dropped_without_a_frame() {
    let stap = |rest: &[u8]| [&[0x78u8][..], rest].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty payload", vec![]),
        ("STAP-A size runs past", stap(&[0x00, 0x09, 0x67, 0x42])),
        (
            "STAP-A size cut off",
            stap(&[0x00, 0x04, 0x67, 0x42, 0xc0, 0x1f, 0x00]),
        ),
        ("STAP-A size 0", stap(&[0x00, 0x00, 0x00, 0x02, 0x67, 0x42])),
        ("STAP-A of nothing", stap(&[])),
        ("STAP-A holding a STAP-A", stap(&[0x00, 0x02, 0x78, 0x01])),
        ("FU-A without FU header", vec![0x7c]),
        ("FU-A starting and ending", vec![0x7c, 0xc5, 0x88, 0x01]),
        ("FU-A of type 0", vec![0x7c, 0x80, 0x88]),
        ("STAP-B", vec![0x79, 0x00, 0x01, 0x00, 0x02, 0x67, 0x42]),
        ("MTAP16", vec![0x7a, 0x00, 0x01]),
        ("MTAP24", vec![0x7b, 0x00, 0x01]),
        ("FU-B", vec![0x7d, 0x85, 0x00, 0x01, 0x88]),
        ("reserved 0", vec![0x00, 0x01]),
        ("reserved 30", vec![0x1e, 0x01]),
        ("reserved 31", vec![0x1f, 0x01]),
    ];
    for (what, payload) in cases {
        let mut depacketizer = depacketizer();
        let out = feed_all(&mut depacketizer, &[rtp(1, 0, true, &payload)]);
        assert_eq!(out, vec![], "{what}");
        // The stream goes on.
        let out = feed_all(&mut depacketizer, &[rtp(2, 3000, true, &SPS)]);
        assert_eq!(
            out,
            vec![frame(3000, false, annex_b(&[SPS.to_vec()]))],
            "{what}"
        );
    }
}

#[test]
fn fu_a_pieces_that_do_not_make_a_nal_unit_lose_the_frame() {
    let mut rng = Rng::new(5);
    let key = stap_keyframe(&mut rng);
    let body = nonzero(&mut rng, 20);
    let piece = |fu_header: u8| [&[0x7cu8, fu_header][..], &body].concat();
    let cases: [(&str, Vec<Vec<u8>>); 4] = [
        ("middle without start", vec![piece(0x01), piece(0x41)]),
        ("start, no end", vec![piece(0x81), piece(0x01)]),
        ("two starts", vec![piece(0x81), piece(0x81), piece(0x41)]),
        (
            "a whole NAL unit inside a fragmented one",
            vec![piece(0x81), SPS.to_vec(), piece(0x41)],
        ),
    ];
    for (what, payloads) in cases {
        let mut depacketizer = depacketizer();
        feed_all(&mut depacketizer, &[rtp(1, 0, true, &key)]);
        let last = payloads.len() - 1;
        let packets: Vec<Vec<u8>> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| rtp(2 + i as u16, 3000, i == last, p))
            .collect();
        assert_eq!(
            feed_all(&mut depacketizer, &packets),
            vec![Depacketized::Lost],
            "{what}"
        );
    }
}

#[test]
fn parameter_sets_alone_pass_even_while_waiting_for_a_keyframe() {
    let mut rng = Rng::new(6);
    let mut depacketizer = depacketizer();
    let delta = nal(&mut rng, 0x41, 30, true);
    let key = nal(&mut rng, 0x65, 30, true);
    let out = feed_all(
        &mut depacketizer,
        &[
            rtp(1, 0, true, &delta),
            // SPS and PPS on a timestamp of their own, then the IDR.
            rtp(2, 3000, false, &SPS),
            rtp(3, 3000, true, &PPS),
            rtp(4, 6000, true, &key),
        ],
    );
    assert_eq!(
        out,
        vec![
            Depacketized::Lost,
            frame(3000, false, annex_b(&[SPS.to_vec(), PPS.to_vec()])),
            // The parameter sets that came alone are put before the IDR.
            frame(6000, true, annex_b(&[SPS.to_vec(), PPS.to_vec(), key])),
        ]
    );
}

/// The keyframe that ends a loss completes at once: its first packet (an
/// SPS, or a slice of macroblock 0) says a frame begins there, though
/// the packet before it is missing.
#[test]
fn a_keyframe_after_a_loss_completes_without_waiting_for_the_next_frame() {
    let mut rng = Rng::new(7);
    let first_idr = nal(&mut rng, 0x65, 30, true);
    for first in [SPS.to_vec(), first_idr.clone()] {
        let mut depacketizer = depacketizer();
        let key = stap_keyframe(&mut rng);
        feed_all(&mut depacketizer, &[rtp(1, 0, true, &key)]);
        let key = nal(&mut rng, 0x65, 30, true);
        let delta = nal(&mut rng, 0x41, 30, true);
        let out = feed_all(
            &mut depacketizer,
            &[
                // Frame 3000 loses its last packet (3).
                rtp(2, 3000, false, &delta),
                rtp(4, 6000, false, &first),
                rtp(5, 6000, true, &key),
            ],
        );
        // What the frame lacks of SPS and PPS is put back before its
        // first slice, from the keyframe before.
        let keyframe = if first == SPS {
            annex_b(&[SPS.to_vec(), PPS.to_vec(), key.clone()])
        } else {
            annex_b(&[SPS.to_vec(), PPS.to_vec(), first.clone(), key.clone()])
        };
        assert_eq!(out, vec![frame(6000, true, keyframe)]);
    }
    // A slice that is not the picture's first (macroblock > 0) cannot
    // begin a frame: that frame waits, and is given up by the next.
    let mut depacketizer = depacketizer();
    let key = stap_keyframe(&mut rng);
    feed_all(&mut depacketizer, &[rtp(1, 0, true, &key)]);
    let second_slice = nal(&mut rng, 0x41, 30, false);
    let delta = nal(&mut rng, 0x41, 30, true);
    let out = feed_all(
        &mut depacketizer,
        &[
            rtp(3, 3000, true, &second_slice),
            rtp(4, 6000, true, &delta),
        ],
    );
    assert_eq!(out, vec![Depacketized::Lost]);
}

#[test]
fn a_keyframe_without_parameter_sets_ever_seen_is_lost() {
    let mut rng = Rng::new(12);
    let mut depacketizer = depacketizer();
    let idr = nal(&mut rng, 0x65, 30, true);
    assert_eq!(
        feed_all(&mut depacketizer, &[rtp(1, 0, true, &idr)]),
        vec![Depacketized::Lost]
    );
    // An SPS alone is not enough either.
    assert_eq!(
        feed_all(
            &mut depacketizer,
            &[rtp(2, 3000, true, &stap_a(&[&SPS, &idr]))]
        ),
        vec![]
    );
    assert!(depacketizer.waiting_for_keyframe());
    // A PPS now; the SPS of the frame before was kept, and goes first.
    assert_eq!(
        feed_all(
            &mut depacketizer,
            &[rtp(3, 6000, true, &stap_a(&[&PPS, &idr]))]
        ),
        vec![frame(
            6000,
            true,
            annex_b(&[SPS.to_vec(), PPS.to_vec(), idr.clone()])
        )]
    );
    assert!(!depacketizer.waiting_for_keyframe());
}

#[test]
fn nal_units_that_fit_go_alone_and_larger_ones_in_even_fu_a_pieces() {
    let mut rng = Rng::new(8);
    let idr = nal(&mut rng, 0x65, 3000, true);
    let mut packetizer = packetizer(1200);
    let packets = packetizer.packetize(&annex_b(&[SPS.to_vec(), PPS.to_vec(), idr.clone()]), 90);
    let parsed: Vec<RtpPacket> = packets
        .iter()
        .map(|p| RtpPacket::parse(p).unwrap())
        .collect();
    assert_eq!(parsed[0].payload, SPS);
    assert_eq!(parsed[1].payload, PPS);
    // 2999 bytes after the header in pieces of at most 1186: three of
    // 1000 (the last 999).
    let pieces = &parsed[2..];
    assert_eq!(pieces.len(), 3);
    let sizes: Vec<usize> = pieces.iter().map(|p| p.payload.len() - 2).collect();
    assert_eq!(sizes, vec![1000, 1000, 999]);
    let fu_headers: Vec<[u8; 2]> = pieces
        .iter()
        .map(|p| [p.payload[0], p.payload[1]])
        .collect();
    assert_eq!(fu_headers, vec![[0x7c, 0x85], [0x7c, 0x05], [0x7c, 0x45]]);
    for (i, p) in parsed.iter().enumerate() {
        assert!(packets[i].len() <= 1200);
        assert_eq!(p.sequence, 65_530u16.wrapping_add(i as u16));
        assert_eq!(p.timestamp, 90);
        assert_eq!(p.ssrc, SSRC);
        assert_eq!(p.payload_type, PT);
        assert_eq!(p.marker, i == parsed.len() - 1, "marker on the last only");
    }
    assert_eq!(packetizer.next_sequence(), 65_530u16.wrapping_add(5));
}

#[test]
fn three_byte_start_codes_and_trailing_zeros_are_read_too() {
    let mut rng = Rng::new(9);
    let idr = nal(&mut rng, 0x65, 100, true);
    let mut stream = vec![0, 0, 1];
    stream.extend_from_slice(&SPS);
    stream.extend_from_slice(&[0, 0, 0, 0, 1]); // trailing_zero_8bits, then a 4-byte code
    stream.extend_from_slice(&PPS);
    stream.extend_from_slice(&[0, 0, 1]);
    stream.extend_from_slice(&idr);
    stream.extend_from_slice(&[0, 0]);
    let packets = packetizer(1200).packetize(&stream, 1);
    assert_eq!(packets.len(), 3);
    let out = feed_all(&mut depacketizer(), &packets);
    assert_eq!(
        out,
        vec![frame(1, true, annex_b(&[SPS.to_vec(), PPS.to_vec(), idr]))]
    );
}

#[test]
fn nothing_to_send_gives_no_packet() {
    let mut packetizer = packetizer(1200);
    for stream in [&[][..], &[0, 0, 0, 1], &[0, 0, 1, 0, 0, 1], &[0, 0, 0]] {
        assert!(packetizer.packetize(stream, 0).is_empty(), "{stream:?}");
    }
    assert_eq!(packetizer.next_sequence(), 65_530);
}

#[test]
fn frames_from_one_byte_to_200_kb_round_trip_at_mtu_1200() {
    let mut rng = Rng::new(10);
    let mut packetizer = packetizer(1200);
    let mut depacketizer = depacketizer();
    let mut timestamp = 0u32;
    let sizes = [1, 2, 3, 500, 1187, 1188, 1189, 5000, 65_000, 200_000];
    for (i, &size) in sizes.iter().enumerate() {
        for keyframe in [true, false] {
            timestamp = timestamp.wrapping_add(3000);
            let frame_bytes = if keyframe {
                h264_keyframe(&mut rng, size)
            } else if i % 2 == 0 {
                h264_delta(&mut rng, size)
            } else {
                // Several slices in one access unit.
                annex_b(&[
                    nal(&mut rng, 0x41, size, true),
                    nal(&mut rng, 0x41, size / 2 + 1, false),
                ])
            };
            let packets = packetizer.packetize(&frame_bytes, timestamp);
            assert!(packets.iter().all(|p| p.len() <= 1200), "{size}");
            let out = feed_all(&mut depacketizer, &packets);
            assert_eq!(out, vec![frame(timestamp, keyframe, frame_bytes)], "{size}");
        }
    }
    // The smallest MTU taken still carries frames.
    let mut small = VideoPacketizer::new(VideoFormat::H264, PT, SSRC, 0, 1);
    let key = h264_keyframe(&mut rng, 300);
    let packets = small.packetize(&key, 1);
    assert!(packets.iter().all(|p| p.len() <= 64));
    assert_eq!(
        feed_all(&mut Depacketizer::new(VideoFormat::H264), &packets),
        vec![frame(1, true, key)]
    );
}

#[test]
fn a_frame_over_the_size_limit_is_lost_and_the_next_keyframe_comes_through() {
    let mut rng = Rng::new(11);
    let mut packetizer = packetizer(1200);
    let mut depacketizer = depacketizer();
    let small = h264_keyframe(&mut rng, 100);
    feed_all(&mut depacketizer, &packetizer.packetize(&small, 0));
    let huge = h264_keyframe(&mut rng, MAX_FRAME_BYTES + 10);
    let out = feed_all(&mut depacketizer, &packetizer.packetize(&huge, 3000));
    assert_eq!(out, vec![Depacketized::Lost]);
    let delta = h264_delta(&mut rng, 100);
    assert_eq!(
        feed_all(&mut depacketizer, &packetizer.packetize(&delta, 6000)),
        vec![]
    );
    let key = h264_keyframe(&mut rng, 100);
    assert_eq!(
        feed_all(&mut depacketizer, &packetizer.packetize(&key, 9000)),
        vec![frame(9000, true, key)]
    );
}
