//! Frames out of a video RTP stream whatever the network did: reordering
//! and duplicates within a frame, loss (said once, delta frames dropped
//! until a keyframe), wrap-around, restarts, bounds; and random and
//! mutated packets never make it panic.

mod common;

use civicmeet_sip_media::video::{MAX_FRAME_PACKETS, rtcp};
use civicmeet_sip_media::{
    Depacketized, Depacketizer, RtpHeader, RtpPacket, VideoFormat, VideoFrame, VideoPacketizer,
};
use common::Rng;
use common::video::*;

/// A VP8 payload: S on the first packet of a frame, PID 0.
fn vp8(start: bool, data: &[u8]) -> Vec<u8> {
    [&[if start { 0x10 } else { 0x00 }][..], data].concat()
}

/// A VP8 frame of `packets` packets from `sequence` on: the packets and
/// the frame they make.
fn vp8_packets(
    rng: &mut Rng,
    sequence: u16,
    timestamp: u32,
    keyframe: bool,
    packets: usize,
) -> (Vec<Vec<u8>>, Depacketized) {
    let data = vp8_frame(rng, keyframe, 20 * packets);
    let out = data
        .chunks(20)
        .enumerate()
        .map(|(i, piece)| {
            rtp(
                sequence.wrapping_add(i as u16),
                timestamp,
                i + 1 == packets,
                &vp8(i == 0, piece),
            )
        })
        .collect();
    (out, frame(timestamp, keyframe, data))
}

fn vp8_depacketizer() -> Depacketizer {
    Depacketizer::new(VideoFormat::Vp8)
}

#[test]
fn packets_within_a_frame_may_come_in_any_order_and_twice() {
    let mut rng = Rng::new(1);
    for order in [
        [0, 1, 2, 3, 4],
        [4, 3, 2, 1, 0],
        [1, 0, 3, 2, 4],
        [2, 4, 0, 3, 1],
        [0, 4, 1, 3, 2],
    ] {
        let mut depacketizer = vp8_depacketizer();
        let (packets, expected) = vp8_packets(&mut rng, 40, 0, true, 5);
        let mut out = Vec::new();
        for &i in &order {
            out.extend(feed(&mut depacketizer, &packets[i]));
            // A duplicate right away changes nothing.
            out.extend(feed(&mut depacketizer, &packets[i]));
        }
        assert_eq!(out, vec![expected], "{order:?}");
        // Duplicates after the frame is out are late: dropped.
        assert_eq!(feed_all(&mut depacketizer, &packets), vec![]);
    }
}

#[test]
fn a_gap_inside_a_frame_is_lost_once_and_delta_frames_wait_for_a_keyframe() {
    let mut rng = Rng::new(2);
    let mut depacketizer = vp8_depacketizer();
    let (key, key_frame) = vp8_packets(&mut rng, 0, 0, true, 3);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
    assert!(!depacketizer.waiting_for_keyframe());

    // Frame 3000 loses its middle packet; frames 6000 and 9000 are whole.
    let (mut broken, _) = vp8_packets(&mut rng, 3, 3000, false, 3);
    broken.remove(1);
    assert_eq!(feed_all(&mut depacketizer, &broken), vec![]);
    let (next, _) = vp8_packets(&mut rng, 6, 6000, false, 2);
    assert_eq!(feed_all(&mut depacketizer, &next), vec![Depacketized::Lost]);
    assert!(depacketizer.waiting_for_keyframe());
    let (later, _) = vp8_packets(&mut rng, 8, 9000, false, 2);
    assert_eq!(feed_all(&mut depacketizer, &later), vec![], "Lost once");
    // The late packet of frame 3000 is of no use any more.
    assert_eq!(
        feed_all(&mut depacketizer, &[rtp(4, 3000, false, &vp8(false, &[1]))]),
        vec![]
    );

    let (key, key_frame) = vp8_packets(&mut rng, 10, 12_000, true, 2);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
    let (delta, delta_frame) = vp8_packets(&mut rng, 12, 15_000, false, 2);
    assert_eq!(feed_all(&mut depacketizer, &delta), vec![delta_frame]);

    // A second loss is said again.
    let (_, _) = vp8_packets(&mut rng, 14, 18_000, false, 2);
    let (after, _) = vp8_packets(&mut rng, 16, 21_000, false, 1);
    assert_eq!(
        feed_all(&mut depacketizer, &after),
        vec![Depacketized::Lost]
    );
}

#[test]
fn a_stream_that_starts_with_a_delta_frame_asks_for_a_keyframe() {
    let mut rng = Rng::new(3);
    let mut depacketizer = vp8_depacketizer();
    assert!(depacketizer.waiting_for_keyframe());
    let (delta, _) = vp8_packets(&mut rng, 500, 0, false, 2);
    assert_eq!(
        feed_all(&mut depacketizer, &delta),
        vec![Depacketized::Lost]
    );
    let (key, key_frame) = vp8_packets(&mut rng, 502, 3000, true, 2);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
}

#[test]
fn without_marker_bits_a_frame_ends_where_the_next_timestamp_begins() {
    let mut rng = Rng::new(4);
    let mut depacketizer = vp8_depacketizer();
    let key = vp8_frame(&mut rng, true, 30);
    let delta = vp8_frame(&mut rng, false, 30);
    let packets = [
        rtp(1, 0, false, &vp8(true, &key[..15])),
        rtp(2, 0, false, &vp8(false, &key[15..])),
        rtp(3, 3000, false, &vp8(true, &delta[..15])),
        rtp(4, 3000, false, &vp8(false, &delta[15..])),
    ];
    let out: Vec<Vec<Depacketized>> = packets.iter().map(|p| feed(&mut depacketizer, p)).collect();
    assert_eq!(
        out,
        vec![vec![], vec![], vec![frame(0, true, key)], vec![],]
    );
    assert_eq!(
        feed(&mut depacketizer, &rtp(5, 6000, true, &vp8(true, &[1]))),
        vec![frame(3000, false, delta), frame(6000, false, vec![1])]
    );
}

/// The last packet of a frame arrives after the next frame is complete:
/// that frame is given out at once and the older one given up, since a
/// decoder waits for no one.
#[test]
fn a_newer_frame_completing_gives_up_an_older_one() {
    let mut rng = Rng::new(5);
    let mut depacketizer = vp8_depacketizer();
    let (key, key_frame) = vp8_packets(&mut rng, 0, 0, true, 1);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
    let (older, _) = vp8_packets(&mut rng, 1, 3000, false, 2);
    let (newer, newer_frame) = vp8_packets(&mut rng, 3, 6000, true, 2);
    let out = feed_all(
        &mut depacketizer,
        &[
            older[0].clone(),
            newer[0].clone(),
            newer[1].clone(),
            older[1].clone(),
        ],
    );
    assert_eq!(out, vec![newer_frame]);
}

/// One packet may complete two frames: the second waits in `poll` (and
/// comes with the next push for a caller that does not poll).
#[test]
fn two_frames_completed_by_one_packet_come_out_in_order() {
    let mut rng = Rng::new(6);
    let (key, _) = vp8_packets(&mut rng, 10, 0, true, 1);
    let (first, first_frame) = vp8_packets(&mut rng, 11, 3000, false, 3);
    // Frame 6000's first packet does not say S, so it only counts as
    // complete once the packet before it (the end of frame 3000) is in.
    let data = vp8_frame(&mut rng, false, 10);
    let second = [
        rtp(14, 6000, false, &vp8(false, &data[..5])),
        rtp(15, 6000, true, &vp8(false, &data[5..])),
    ];
    let second_frame = frame(6000, false, data);
    for poll in [true, false] {
        let mut depacketizer = vp8_depacketizer();
        feed_all(&mut depacketizer, &key);
        let mut out = feed_all(
            &mut depacketizer,
            &[
                first[0].clone(),
                first[1].clone(),
                second[0].clone(),
                second[1].clone(),
            ],
        );
        assert_eq!(out, vec![]);
        let packet = RtpPacket::parse(&first[2]).unwrap();
        out.push(depacketizer.push(&packet));
        if poll {
            out.extend(std::iter::from_fn(|| depacketizer.poll()));
        } else {
            let next = vp8_packets(&mut rng, 16, 9000, false, 1).0;
            out.push(depacketizer.push(&RtpPacket::parse(&next[0]).unwrap()));
            out.truncate(2);
        }
        assert_eq!(
            out,
            vec![first_frame.clone(), second_frame.clone()],
            "poll: {poll}"
        );
    }
}

#[test]
fn sequence_numbers_wrap_inside_a_frame() {
    let mut rng = Rng::new(7);
    let mut depacketizer = vp8_depacketizer();
    let (key, key_frame) = vp8_packets(&mut rng, 65_533, 0, true, 6);
    let mut shuffled = key.clone();
    shuffled.swap(2, 3); // 65535 and 0 swap places
    assert_eq!(feed_all(&mut depacketizer, &shuffled), vec![key_frame]);
    let (delta, delta_frame) = vp8_packets(&mut rng, 3, 3000, false, 2);
    assert_eq!(feed_all(&mut depacketizer, &delta), vec![delta_frame]);
}

#[test]
fn a_new_ssrc_or_a_sequence_jump_is_a_new_stream() {
    let mut rng = Rng::new(8);
    let mut depacketizer = vp8_depacketizer();
    let (key, key_frame) = vp8_packets(&mut rng, 100, 0, true, 2);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);

    // Another SSRC, its numbers far behind: its keyframe is taken at once.
    let other = |sequence, timestamp, payload: &[u8]| {
        RtpHeader {
            marker: true,
            payload_type: PT,
            sequence,
            timestamp,
            ssrc: SSRC + 1,
        }
        .to_bytes(payload)
    };
    let data = vp8_frame(&mut rng, true, 10);
    assert_eq!(
        feed(&mut depacketizer, &other(7, 50, &vp8(true, &data))),
        vec![frame(50, true, data)]
    );
    // Its delta frames follow.
    assert_eq!(
        feed(&mut depacketizer, &other(8, 3050, &vp8(true, &[1]))),
        vec![frame(3050, false, vec![1])]
    );

    // The same SSRC jumps 20 000 ahead: the first packet there is held
    // back, the second confirms the new numbering.
    let jump = other;
    let data = vp8_frame(&mut rng, true, 10);
    assert_eq!(
        feed(&mut depacketizer, &jump(20_000, 6050, &vp8(true, &[3]))),
        vec![]
    );
    assert_eq!(
        feed(&mut depacketizer, &jump(20_001, 9050, &vp8(true, &data))),
        vec![frame(9050, true, data)]
    );
    // A lone packet from far away is dropped, and the stream goes on.
    assert_eq!(
        feed(&mut depacketizer, &jump(5, 1, &vp8(true, &[0]))),
        vec![]
    );
    assert_eq!(
        feed(&mut depacketizer, &jump(20_002, 12_050, &vp8(true, &[5]))),
        vec![frame(12_050, false, vec![5])]
    );
}

#[test]
fn packets_that_never_make_a_frame_are_bounded() {
    let mut rng = Rng::new(9);
    let mut depacketizer = vp8_depacketizer();
    let (key, key_frame) = vp8_packets(&mut rng, 0, 0, true, 1);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
    // Every other packet of a long run, each of a timestamp of its own
    // and without S: nothing ever completes.
    let mut out = Vec::new();
    for i in 0..(2 * MAX_FRAME_PACKETS as u32 + 100) {
        let sequence = (2 + 2 * i) as u16;
        out.extend(feed(
            &mut depacketizer,
            &rtp(sequence, 3000 * (i + 1), true, &vp8(false, &[1, 2, 3])),
        ));
    }
    assert_eq!(
        out,
        vec![Depacketized::Lost],
        "given up for room, said once"
    );
    // The stream goes on where it was: its keyframe and what follows.
    let (key, key_frame) = vp8_packets(&mut rng, 16_586, 0, true, 1);
    let (next, next_frame) = vp8_packets(&mut rng, 16_587, 3000, false, 1);
    assert_eq!(feed_all(&mut depacketizer, &key), vec![key_frame]);
    assert_eq!(feed_all(&mut depacketizer, &next), vec![next_frame]);
}

/// A stream of frames through random loss and reordering: whatever comes
/// out is a frame that was sent, byte for byte, in order; no delta frame
/// comes out whose predecessor did not (a decoder could not use it); and
/// every loss is followed by a `Lost` before the next keyframe.
#[test]
fn under_random_loss_and_reordering_only_decodable_frames_come_out() {
    for format in [VideoFormat::H264, VideoFormat::Vp8] {
        for seed in 1..=6u64 {
            let mut rng = Rng::new(seed * 7919);
            let mut packetizer = VideoPacketizer::new(format, PT, SSRC, rng.next() as u16, 1200);
            let mut depacketizer = Depacketizer::new(format);
            // Seed 1 is the control: a clean network.
            let loss_percent = seed - 1;
            let mut sent = Vec::new();
            let mut wire = Vec::new();
            for n in 0..300u32 {
                let keyframe = n % 30 == 0;
                let size = 200 + rng.below(if keyframe { 20_000 } else { 4000 }) as usize;
                let data = match (format, keyframe) {
                    (VideoFormat::H264, true) => h264_keyframe(&mut rng, size),
                    (VideoFormat::H264, false) => h264_delta(&mut rng, size),
                    (VideoFormat::Vp8, k) => vp8_frame(&mut rng, k, size),
                };
                let timestamp = n.wrapping_mul(3000);
                wire.extend(packetizer.packetize(&data, timestamp));
                sent.push(VideoFrame {
                    timestamp,
                    keyframe,
                    data,
                });
            }
            // Loss, then reordering by up to three places.
            wire.retain(|_| rng.below(100) >= loss_percent);
            for i in 0..wire.len().saturating_sub(3) {
                if seed > 1 && rng.below(4) == 0 {
                    wire.swap(i, i + 1 + rng.below(3) as usize);
                }
            }
            let out = feed_all(&mut depacketizer, &wire);

            let mut last_index: Option<usize> = None;
            // A Lost was said since the last frame out.
            let mut lost = false;
            let mut frames = 0;
            for item in out {
                let frame = match item {
                    Depacketized::Lost => {
                        lost = true;
                        continue;
                    }
                    Depacketized::Frame(frame) => frame,
                    Depacketized::Nothing => unreachable!("filtered by feed"),
                };
                frames += 1;
                let index = sent
                    .iter()
                    .position(|s| s.timestamp == frame.timestamp)
                    .expect("a frame that was sent");
                assert_eq!(frame, sent[index], "{format:?} seed {seed}: byte for byte");
                assert!(last_index.is_none_or(|l| index > l), "in order");
                if !frame.keyframe {
                    assert_eq!(
                        last_index,
                        Some(index - 1),
                        "{format:?} seed {seed}: a delta frame right after the frame before it"
                    );
                    assert!(
                        !lost,
                        "{format:?} seed {seed}: after Lost, a keyframe first"
                    );
                }
                lost = false;
                last_index = Some(index);
            }
            if seed == 1 {
                assert_eq!(frames, sent.len(), "{format:?}: all on a clean network");
            } else {
                assert!(
                    frames > 5,
                    "{format:?} seed {seed}: {frames} frames came through"
                );
            }
        }
    }
}

/// Random datagrams, truncations and mutations of real packets and of
/// real RTCP: never a panic, and a clean stream afterwards still comes
/// through.
#[test]
fn random_and_mutated_packets_never_panic() {
    let mut rng = Rng::new(0x5eed);
    for format in [VideoFormat::H264, VideoFormat::Vp8] {
        let mut packetizer = VideoPacketizer::new(format, PT, SSRC, 0, 300);
        let mut depacketizer = Depacketizer::new(format);
        let mut real = Vec::new();
        for n in 0..40u32 {
            let size = 1 + rng.below(2000) as usize;
            let data = match format {
                VideoFormat::H264 if n % 10 == 0 => h264_keyframe(&mut rng, size),
                VideoFormat::H264 => h264_delta(&mut rng, size),
                VideoFormat::Vp8 => vp8_frame(&mut rng, n % 10 == 0, size),
            };
            real.extend(packetizer.packetize(&data, n * 3000));
        }
        let real_rtcp = [
            rtcp::pli(1, 2),
            rtcp::fir(1, 2, 3),
            rtcp::sender_report(1, 2, 3, 4, 5),
            [rtcp::pli(1, 2), rtcp::fir(3, 4, 5)].concat(),
        ];
        for round in 0..20_000 {
            let pick = &real[rng.below(real.len() as u64) as usize];
            let mut mutated = pick.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(mutated.len() as u64) as usize;
                mutated[at] = rng.next() as u8;
            }
            let cut = &pick[..12 + rng.below((pick.len() - 11) as u64) as usize];
            let len = rng.below(200) as usize;
            let mut random = rng.bytes(len);
            if random.len() >= 12 {
                random[0] = 0x80; // version 2, so it parses as RTP
                random[1] &= 0x7f;
            }
            for input in [&mutated[..], cut, &random[..]] {
                if let Ok(packet) = RtpPacket::parse(input) {
                    depacketizer.push(&packet);
                    while depacketizer.poll().is_some() {}
                }
                let _ = rtcp::parse_feedback(input);
            }
            let mut rtcp_bytes = real_rtcp[round % real_rtcp.len()].clone();
            let at = rng.below(rtcp_bytes.len() as u64) as usize;
            rtcp_bytes[at] ^= 1 + rng.below(255) as u8;
            let _ = rtcp::parse_feedback(&rtcp_bytes);
            let _ = rtcp::parse_feedback(&rtcp_bytes[..at]);
        }
        // A fresh stream (new SSRC) still comes through whole.
        let mut clean = VideoPacketizer::new(format, PT, SSRC + 1, 0, 1200);
        let data = match format {
            VideoFormat::H264 => h264_keyframe(&mut rng, 5000),
            VideoFormat::Vp8 => vp8_frame(&mut rng, true, 5000),
        };
        let mut out = Vec::new();
        for packet in clean.packetize(&data, 1) {
            out.push(depacketizer.push(&RtpPacket::parse(&packet).unwrap()));
            out.extend(std::iter::from_fn(|| depacketizer.poll()));
        }
        assert!(
            out.contains(&frame(1, true, data)),
            "{format:?}: the stream goes on"
        );
    }
}
