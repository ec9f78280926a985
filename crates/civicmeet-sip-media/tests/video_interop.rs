//! Video made by encoders and payloaders nobody here wrote: libx264
//! (baseline) and libvpx, packetized by aiortc (STAP-A and FU-A; its VP8
//! descriptor with a 15-bit PictureID), kept in `tests/data` with the
//! SHA-1 of each frame as aiortc's own depayloaders make it (see
//! `tests/data/make_aiortc_video.py`). Our depacketizer must give the
//! same frames, with keyframes where the encoder was told to make them;
//! cut again by our packetizer, they must come back the same.
//! (Checked once more by hand, not here: FFmpeg decodes every frame our
//! depacketizer gives, and aiortc's depayloaders read our packets back
//! byte for byte.)

use civicmeet_sip_media::{
    Depacketized, Depacketizer, RtpHeader, RtpPacket, VideoFormat, VideoFrame, VideoPacketizer,
};
use sha1::{Digest, Sha1};

struct Fixture {
    packets: Vec<Vec<u8>>,
    /// Timestamp, keyframe, SHA-1 (hex) of each frame.
    frames: Vec<(u32, bool, String)>,
}

fn fixture(text: &str) -> Fixture {
    let mut fixture = Fixture {
        packets: Vec::new(),
        frames: Vec::new(),
    };
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields[..] {
            ["rtp", sequence, timestamp, marker, payload] => {
                let payload: Vec<u8> = (0..payload.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&payload[i..i + 2], 16).unwrap())
                    .collect();
                let header = RtpHeader {
                    marker: marker == "1",
                    payload_type: 96,
                    sequence: sequence.parse().unwrap(),
                    timestamp: timestamp.parse().unwrap(),
                    ssrc: 0x5151,
                };
                fixture.packets.push(header.to_bytes(&payload));
            }
            ["frame", timestamp, keyframe, sha1] => fixture.frames.push((
                timestamp.parse().unwrap(),
                keyframe == "1",
                sha1.to_string(),
            )),
            _ => panic!("fixture line {line:?}"),
        }
    }
    fixture
}

fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn depacketize(format: VideoFormat, packets: &[Vec<u8>]) -> Vec<VideoFrame> {
    let mut depacketizer = Depacketizer::new(format);
    let mut frames = Vec::new();
    for packet in packets {
        let first = depacketizer.push(&RtpPacket::parse(packet).unwrap());
        for result in std::iter::once(first).chain(std::iter::from_fn(|| depacketizer.poll())) {
            match result {
                Depacketized::Frame(frame) => frames.push(frame),
                Depacketized::Lost => panic!("{format:?}: nothing was lost"),
                Depacketized::Nothing => {}
            }
        }
    }
    frames
}

fn check(format: VideoFormat, text: &str) {
    let fixture = fixture(text);
    let frames = depacketize(format, &fixture.packets);
    let ours: Vec<(u32, bool, String)> = frames
        .iter()
        .map(|f| (f.timestamp, f.keyframe, sha1_hex(&f.data)))
        .collect();
    assert_eq!(ours, fixture.frames, "{format:?}");

    let mut packetizer = VideoPacketizer::new(format, 96, 0x7777, 40_000, 1200);
    let again: Vec<Vec<u8>> = frames
        .iter()
        .flat_map(|f| packetizer.packetize(&f.data, f.timestamp))
        .collect();
    assert!(again.iter().all(|p| p.len() <= 1200));
    assert_eq!(
        depacketize(format, &again),
        frames,
        "{format:?}: round trip"
    );
}

#[test]
fn libx264_through_aiortcs_payloader() {
    check(VideoFormat::H264, include_str!("data/aiortc_h264.txt"));
}

#[test]
fn libvpx_through_aiortcs_payloader() {
    check(VideoFormat::Vp8, include_str!("data/aiortc_vp8.txt"));
}
