//! Any bytes, as datagrams each after its 16-bit length, into an H.264
//! and a VP8 depacketizer (what parses as RTP) and the RTCP feedback
//! reader: no panic, every frame within its bound, and a VP8 key frame we
//! gave out comes back whole through our packetizer.
#![no_main]

use civicmeet_sip_media::video::{MAX_FRAME_BYTES, rtcp};
use civicmeet_sip_media::{
    Depacketized, Depacketizer, RtpPacket, VideoFormat, VideoFrame, VideoPacketizer,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let formats = [VideoFormat::H264, VideoFormat::Vp8];
    let mut depacketizers = formats.map(Depacketizer::new);
    let mut rest = data;
    while let Some((length, after)) = rest.split_first_chunk::<2>() {
        let length = usize::from(u16::from_be_bytes(*length)).min(after.len());
        let (datagram, after) = after.split_at(length);
        rest = after;
        let _ = rtcp::parse_feedback(datagram);
        let Ok(packet) = RtpPacket::parse(datagram) else {
            continue;
        };
        for (format, depacketizer) in formats.into_iter().zip(&mut depacketizers) {
            for frame in frames(depacketizer, &packet) {
                assert!(frame.data.len() <= MAX_FRAME_BYTES);
                if format == VideoFormat::Vp8 && frame.keyframe {
                    round_trip(&frame);
                }
            }
        }
    }
});

fn frames(depacketizer: &mut Depacketizer, packet: &RtpPacket<'_>) -> Vec<VideoFrame> {
    let first = depacketizer.push(packet);
    std::iter::once(first)
        .chain(std::iter::from_fn(|| depacketizer.poll()))
        .filter_map(|result| match result {
            Depacketized::Frame(frame) => Some(frame),
            _ => None,
        })
        .collect()
}

/// A VP8 key frame we gave out, cut by our packetizer and put together
/// again: the same frame.
fn round_trip(frame: &VideoFrame) {
    let mut packetizer = VideoPacketizer::new(VideoFormat::Vp8, 96, 1, 0, 200);
    let mut depacketizer = Depacketizer::new(VideoFormat::Vp8);
    let mut back = Vec::new();
    for packet in packetizer.packetize(&frame.data, frame.timestamp) {
        assert!(packet.len() <= 200);
        let packet = RtpPacket::parse(&packet).expect("our packets parse");
        back.extend(frames(&mut depacketizer, &packet));
    }
    assert_eq!(back, [frame.clone()]);
}
