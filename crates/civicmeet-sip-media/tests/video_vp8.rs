//! VP8 over RTP (RFC 7741) both ways: every shape of payload descriptor
//! (§4.2) is read off, partitions are joined, key frames are told by the
//! P bit (§4.3); our descriptor carries a 15-bit PictureID that grows by
//! one per frame.

mod common;

use civicmeet_sip_media::{Depacketizer, RtpPacket, VideoFormat, VideoPacketizer};
use common::Rng;
use common::video::*;

fn depacketizer() -> Depacketizer {
    Depacketizer::new(VideoFormat::Vp8)
}

fn packetizer(mtu: usize) -> VideoPacketizer {
    VideoPacketizer::new(VideoFormat::Vp8, PT, SSRC, 100, mtu)
}

#[test]
fn every_descriptor_shape_is_stripped() {
    let mut rng = Rng::new(1);
    let key = vp8_frame(&mut rng, true, 50);
    // S=1, PID=0, then the extensions the X byte announces.
    let descriptors: [(&str, Vec<u8>); 9] = [
        ("no X", vec![0x10]),
        ("X, nothing", vec![0x90, 0x00]),
        ("7-bit PictureID", vec![0x90, 0x80, 0x35]),
        ("15-bit PictureID", vec![0x90, 0x80, 0x81, 0x23]),
        ("TL0PICIDX", vec![0x90, 0x40, 0x07]),
        ("TID", vec![0x90, 0x20, 0x40]),
        ("KEYIDX", vec![0x90, 0x10, 0x05]),
        ("TID and KEYIDX share a byte", vec![0x90, 0x30, 0x45]),
        ("all, N set", vec![0xb0, 0xf0, 0xff, 0xfe, 0x07, 0x85]),
    ];
    for (what, descriptor) in descriptors {
        let payload = [descriptor, key.clone()].concat();
        let out = feed_all(&mut depacketizer(), &[rtp(7, 90, true, &payload)]);
        assert_eq!(out, vec![frame(90, true, key.clone())], "{what}");
    }
}

#[test]
fn cut_descriptors_and_empty_payloads_are_dropped() {
    let cases: [(&str, &[u8]); 6] = [
        ("empty", &[]),
        ("X without its byte", &[0x90]),
        ("I without PictureID", &[0x90, 0x80]),
        ("15-bit PictureID cut", &[0x90, 0x80, 0x81]),
        ("no frame data", &[0x90, 0xf0, 0xff, 0xfe, 0x07, 0x85]),
        ("descriptor only", &[0x10]),
    ];
    for (what, payload) in cases {
        let mut depacketizer = depacketizer();
        assert_eq!(
            feed_all(&mut depacketizer, &[rtp(1, 0, true, payload)]),
            vec![],
            "{what}"
        );
        let key = [0x10, 0x00, 0x01];
        assert_eq!(
            feed_all(&mut depacketizer, &[rtp(2, 3000, true, &key)]),
            vec![frame(3000, true, vec![0x00, 0x01])],
            "{what}: the stream goes on"
        );
    }
}

#[test]
fn partitions_are_joined_in_order() {
    let mut rng = Rng::new(2);
    let key = vp8_frame(&mut rng, true, 3000);
    // Partition 0 in two packets, partition 1 starting with S set.
    let (a, rest) = key.split_at(1000);
    let (b, c) = rest.split_at(1000);
    let packets = [
        rtp(1, 0, false, &[&[0x10][..], a].concat()),
        rtp(2, 0, false, &[&[0x00][..], b].concat()),
        rtp(3, 0, true, &[&[0x11][..], c].concat()),
    ];
    assert_eq!(
        feed_all(&mut depacketizer(), &packets),
        vec![frame(0, true, key)]
    );
}

#[test]
fn the_p_bit_of_the_first_byte_tells_key_frames() {
    let mut rng = Rng::new(3);
    let mut depacketizer = depacketizer();
    let key = vp8_frame(&mut rng, true, 10);
    let delta = vp8_frame(&mut rng, false, 10);
    let out = feed_all(
        &mut depacketizer,
        &[
            rtp(1, 0, true, &[&[0x10][..], &key].concat()),
            rtp(2, 3000, true, &[&[0x10][..], &delta].concat()),
        ],
    );
    assert_eq!(out, vec![frame(0, true, key), frame(3000, false, delta)]);
}

/// Without S on its first packet a frame cannot be told to start after a
/// loss; with it, a key frame that follows a loss completes at once.
#[test]
fn the_s_bit_lets_a_key_frame_after_a_loss_complete() {
    let mut rng = Rng::new(4);
    let mut depacketizer = depacketizer();
    let key = vp8_frame(&mut rng, true, 10);
    feed_all(
        &mut depacketizer,
        &[rtp(1, 0, true, &[&[0x10][..], &key].concat())],
    );
    let next_key = vp8_frame(&mut rng, true, 10);
    let (a, b) = next_key.split_at(5);
    let out = feed_all(
        &mut depacketizer,
        &[
            // Frame 3000 lost entirely (2, 3); the key frame is 4, 5.
            rtp(4, 6000, false, &[&[0x10][..], a].concat()),
            rtp(5, 6000, true, &[&[0x00][..], b].concat()),
        ],
    );
    assert_eq!(out, vec![frame(6000, true, next_key)]);
}

#[test]
fn our_descriptor_has_x_i_a_15_bit_picture_id_and_s_on_the_first_packet() {
    let mut rng = Rng::new(5);
    let mut packetizer = packetizer(1200);
    let frame_bytes = vp8_frame(&mut rng, true, 3000);
    let packets = packetizer.packetize(&frame_bytes, 900);
    let parsed: Vec<RtpPacket> = packets
        .iter()
        .map(|p| RtpPacket::parse(p).unwrap())
        .collect();
    // 3000 bytes in pieces of at most 1200 - 12 - 4: three of 1000.
    assert_eq!(parsed.len(), 3);
    let descriptors: Vec<&[u8]> = parsed.iter().map(|p| &p.payload[..4]).collect();
    assert_eq!(
        descriptors,
        vec![
            &[0x90, 0x80, 0x80, 0x00][..],
            &[0x80, 0x80, 0x80, 0x00],
            &[0x80, 0x80, 0x80, 0x00]
        ]
    );
    let joined: Vec<u8> = parsed
        .iter()
        .flat_map(|p| p.payload[4..].to_vec())
        .collect();
    assert_eq!(joined, frame_bytes);
    for (i, p) in parsed.iter().enumerate() {
        assert_eq!(p.payload.len(), 1004);
        assert_eq!(p.sequence, 100 + i as u16);
        assert_eq!(p.timestamp, 900);
        assert_eq!(p.marker, i == 2);
    }
}

#[test]
fn the_picture_id_grows_by_one_per_frame_and_wraps_at_15_bits() {
    let mut packetizer = packetizer(1200);
    let picture_id = |packets: &[Vec<u8>]| {
        let p = RtpPacket::parse(&packets[0]).unwrap();
        u16::from_be_bytes([p.payload[2], p.payload[3]]) & 0x7fff
    };
    let mut seen = Vec::new();
    for n in 0..0x8002u32 {
        let packets = packetizer.packetize(&[0x00, 0x01], n * 3000);
        if !(3..0x7ffe).contains(&n) {
            seen.push(picture_id(&packets));
        }
    }
    assert_eq!(seen, vec![0, 1, 2, 0x7ffe, 0x7fff, 0, 1]);
    // A frame with nothing in it sends nothing and uses no PictureID.
    assert!(packetizer.packetize(&[], 0).is_empty());
    assert_eq!(picture_id(&packetizer.packetize(&[1], 0)), 2);
}

#[test]
fn frames_from_one_byte_to_200_kb_round_trip_at_mtu_1200() {
    let mut rng = Rng::new(6);
    let mut packetizer = packetizer(1200);
    let mut depacketizer = depacketizer();
    let mut timestamp = u32::MAX - 10_000; // wraps on the way
    for size in [1, 2, 1183, 1184, 1185, 2368, 2369, 10_000, 65_536, 200_000] {
        for keyframe in [true, false] {
            timestamp = timestamp.wrapping_add(3000);
            let frame_bytes = vp8_frame(&mut rng, keyframe, size);
            let packets = packetizer.packetize(&frame_bytes, timestamp);
            assert!(packets.iter().all(|p| p.len() <= 1200), "{size}");
            assert_eq!(
                packets.len(),
                size.div_ceil(1184),
                "{size}: as few packets as fit"
            );
            let out = feed_all(&mut depacketizer, &packets);
            assert_eq!(out, vec![frame(timestamp, keyframe, frame_bytes)], "{size}");
        }
    }
    assert!(!depacketizer.waiting_for_keyframe());
}
