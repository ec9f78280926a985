//! The room system's video both ways, sans-IO: its RTP in, whole frames
//! for the leg's camera track out; the meeting's frames in, RTP to the
//! room system out; keyframe requests bridged between the two.
//!
//! Into the meeting: RTP → depacketizer → a whole VP8 frame or H.264
//! access unit, published as VP8 (H.264 transcoded by
//! [`super::camera_transcode`], so Firefox shows it too) or, with
//! `sip.transcode_h264 = false` or without libvpx, in the codec it came in.
//! A lost packet drops frames until the next keyframe and asks the room
//! system for one (RTCP PLI or FIR, as it said it takes; the call also
//! sends a SIP INFO picture_fast_update, which older systems want).
//!
//! To the room system: it sees one picture, the active speaker's (or a
//! shared screen): the call says which received track that is
//! ([`PhoneVideo::show`]); its frames go out in one RTP stream of ours,
//! stamped with the time they arrived, so a switch of speakers is no jump
//! in the stream. A frame in the codec the room system agreed is
//! forwarded as it is; one in the other codec is transcoded
//! ([`super::picture_transcode`]), when this machine has libvpx.

use std::time::{Duration, Instant};

use civicmeet_sip::sdp::{VideoCodec as SdpVideoCodec, VideoStream};
use civicmeet_sip_media::video::rtcp::{Feedback, fir, parse_feedback, pli};
use civicmeet_sip_media::video::{Depacketized, Depacketizer, VideoFormat, VideoPacketizer};
use civicmeet_sip_media::{RtpPacket, rtcp_packet_type};
use str0m::media::Mid;

use super::audio_out::StreamStart;
use super::camera_transcode::{CameraFrame, CameraTranscode};
use super::picture_transcode::PictureTranscode;
use super::webrtc_leg::{ReceivedVideo, VideoCodec};

/// RTP payloads we send stay below this (room systems' usual MTU, with
/// room for the IP, UDP and RTP headers, and for a VPN).
const MTU: usize = 1200;
/// Keyframe requests to the room system are this far apart at least:
/// an encoder asked on every lost packet makes nothing but keyframes.
const KEYFRAME_REQUEST_GAP: Duration = Duration::from_millis(500);
/// The RTP clock of video (RFC 3551).
const VIDEO_CLOCK: u64 = 90_000;

/// What one datagram from the room system asks of the call.
#[derive(Debug, PartialEq, Eq)]
pub enum VideoIn {
    Nothing,
    /// A whole frame for the leg's camera track, with its unwrapped RTP
    /// time (90 kHz).
    Frame {
        codec: VideoCodec,
        time: u64,
        data: Vec<u8>,
    },
    /// The room system asked for a keyframe of what it sees.
    KeyframeWanted,
    /// We lost some of its picture: ask it for a keyframe (see
    /// [`PhoneVideo::keyframe_request`]).
    Lost,
}

/// One SIP leg's video stream.
pub struct PhoneVideo {
    payload_type: u8,
    codec: VideoCodec,
    /// Whether the room system takes PLI (`nack pli`) or only FIR (`ccm fir`).
    takes_pli: bool,
    takes_fir: bool,
    depacketizer: Depacketizer,
    packetizer: VideoPacketizer,
    /// The room system's SSRC, once it sent something.
    peer_ssrc: Option<u32>,
    /// The last RTP timestamp from the room system, unwrapped.
    last_time: Option<u64>,
    /// The received track the room system sees.
    shown: Option<Mid>,
    /// The first frame sent: our RTP times count from it.
    first_sent: Option<Instant>,
    timestamp_base: u32,
    fir_sequence: u8,
    last_request: Option<Instant>,
    transcoder: Option<PictureTranscode>,
    /// Transcoding is impossible here (no libvpx): said once in the log.
    cannot_transcode: bool,
    /// The shown track needs a keyframe before it can be transcoded.
    transcoder_needs_keyframe: bool,
    /// The room system's H.264 camera as VP8 for the meeting.
    camera: Option<CameraTranscode>,
}

/// The codec the leg and the meeting know for an agreed SDP codec.
pub fn leg_codec(codec: SdpVideoCodec) -> VideoCodec {
    match codec {
        SdpVideoCodec::H264 => VideoCodec::H264,
        SdpVideoCodec::Vp8 => VideoCodec::Vp8,
    }
}

fn format_of(codec: VideoCodec) -> VideoFormat {
    match codec {
        VideoCodec::H264 => VideoFormat::H264,
        VideoCodec::Vp8 => VideoFormat::Vp8,
    }
}

impl PhoneVideo {
    /// The video of an agreed `stream`; with `transcode_h264`, an H.264
    /// camera goes into the meeting as VP8.
    pub fn new(stream: &VideoStream, start: StreamStart, transcode_h264: bool) -> PhoneVideo {
        let codec = leg_codec(stream.codec);
        let camera = (transcode_h264 && codec == VideoCodec::H264)
            .then(|| {
                CameraTranscode::new()
                    .inspect_err(|e| {
                        tracing::warn!(error = %e, "the room system's H.264 goes into the meeting as it is: browsers without H.264 show no picture of it");
                    })
                    .ok()
            })
            .flatten();
        let takes = |name: &str| stream.feedback.iter().any(|f| f == name);
        PhoneVideo {
            payload_type: stream.payload_type,
            codec,
            takes_pli: takes("nack pli"),
            takes_fir: takes("ccm fir"),
            depacketizer: Depacketizer::new(format_of(codec)),
            packetizer: VideoPacketizer::new(
                format_of(codec),
                stream.payload_type,
                start.ssrc,
                start.sequence,
                MTU,
            ),
            peer_ssrc: None,
            last_time: None,
            shown: None,
            first_sent: None,
            timestamp_base: start.timestamp,
            fir_sequence: 0,
            last_request: None,
            transcoder: None,
            cannot_transcode: false,
            transcoder_needs_keyframe: false,
            camera,
        }
    }

    /// Whether `bytes` is RTP of this stream (for learning where the room
    /// system sends from).
    pub fn is_ours(&self, bytes: &[u8]) -> bool {
        RtpPacket::parse(bytes).is_ok_and(|p| p.payload_type == self.payload_type)
    }

    /// A datagram on the video port: RTP, or RTCP when multiplexed.
    pub fn datagram(&mut self, bytes: &[u8]) -> VideoIn {
        if rtcp_packet_type(bytes).is_some() {
            return self.rtcp(bytes);
        }
        let Ok(packet) = RtpPacket::parse(bytes) else {
            return VideoIn::Nothing;
        };
        if packet.payload_type != self.payload_type {
            return VideoIn::Nothing;
        }
        if self.peer_ssrc != Some(packet.ssrc) {
            // A new sender (a restarted encoder): its clock starts anew.
            self.peer_ssrc = Some(packet.ssrc);
            self.last_time = None;
        }
        let out = self.depacketizer.push(&packet);
        self.video_in(out)
    }

    /// A second frame the last packet completed (rare: a late packet
    /// finished an older frame too); call until `None` after [`Self::datagram`].
    pub fn poll(&mut self) -> Option<VideoIn> {
        let out = self.depacketizer.poll()?;
        Some(self.video_in(out))
    }

    fn video_in(&mut self, out: Depacketized) -> VideoIn {
        match out {
            Depacketized::Nothing => VideoIn::Nothing,
            Depacketized::Lost => VideoIn::Lost,
            Depacketized::Frame(frame) => {
                let time = self.unwrap_time(frame.timestamp);
                let Some(camera) = &mut self.camera else {
                    return VideoIn::Frame {
                        codec: self.codec,
                        time,
                        data: frame.data,
                    };
                };
                match camera.frame(&frame.data, frame.keyframe, time) {
                    CameraFrame::Vp8(data) => VideoIn::Frame {
                        codec: VideoCodec::Vp8,
                        time,
                        data,
                    },
                    CameraFrame::Nothing => VideoIn::Nothing,
                    CameraFrame::NeedIdr => VideoIn::Lost,
                }
            }
        }
    }

    /// The meeting wants a keyframe of the room system's camera: our own
    /// encoder makes it when we transcode (`false`); else the room
    /// system must be asked (`true`, [`Self::keyframe_request`]).
    pub fn meeting_wants_keyframe(&mut self) -> bool {
        match &mut self.camera {
            Some(camera) => {
                camera.request_keyframe();
                false
            }
            None => true,
        }
    }

    /// Whether the room system's picture is stuck until its next keyframe
    /// (our request for one may have been lost: the call asks again).
    pub fn waiting_for_keyframe(&self) -> bool {
        self.depacketizer.waiting_for_keyframe()
    }

    /// RTCP from the room system (on the RTCP port, or muxed).
    pub fn rtcp(&mut self, bytes: &[u8]) -> VideoIn {
        let wants = parse_feedback(bytes)
            .iter()
            .any(|feedback| matches!(feedback, Feedback::Pli { .. } | Feedback::Fir { .. }));
        if wants {
            VideoIn::KeyframeWanted
        } else {
            VideoIn::Nothing
        }
    }

    /// The RTP timestamp on a 64-bit line: the nearest of the candidates
    /// around the last one, so a wrap of the 32-bit field goes on.
    fn unwrap_time(&mut self, timestamp: u32) -> u64 {
        let time = match self.last_time {
            None => u64::from(timestamp) + (1 << 32),
            Some(last) => {
                let delta = timestamp.wrapping_sub(last as u32) as i32;
                last.saturating_add_signed(i64::from(delta))
            }
        };
        self.last_time = Some(time);
        time
    }

    /// The RTCP packet that asks the room system for a keyframe, unless
    /// one went out a moment ago or it takes neither PLI nor FIR.
    pub fn keyframe_request(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self
            .last_request
            .is_some_and(|last| now.duration_since(last) < KEYFRAME_REQUEST_GAP)
        {
            return None;
        }
        let media = self.peer_ssrc?;
        self.last_request = Some(now);
        let ours = self.packetizer.ssrc();
        if self.takes_pli || !self.takes_fir {
            // PLI also when it listed neither: most systems take it.
            Some(pli(ours, media))
        } else {
            self.fir_sequence = self.fir_sequence.wrapping_add(1);
            Some(fir(ours, media, self.fir_sequence))
        }
    }

    /// The received track the room system sees now. A change asks
    /// nothing here: the call requests the new track's keyframe.
    pub fn show(&mut self, mid: Option<Mid>) {
        if self.shown != mid {
            self.shown = mid;
            self.transcoder_needs_keyframe = true;
        }
    }

    pub fn shown(&self) -> Option<Mid> {
        self.shown
    }

    /// The room system asked for a keyframe: when we transcode, our own
    /// encoder makes it; `true` when the shown track's publisher must.
    pub fn keyframe_wanted(&mut self) -> bool {
        match &mut self.transcoder {
            Some(transcoder) => {
                transcoder.request_keyframe();
                false
            }
            None => true,
        }
    }

    /// A frame the router forwarded: the RTP packets for the room system,
    /// if it is of the shown track. `Err(())` when the shown track needs
    /// a keyframe from its publisher (after a transcoding error).
    pub fn meeting_frame(
        &mut self,
        now: Instant,
        frame: &ReceivedVideo,
        packets: &mut Vec<Vec<u8>>,
    ) -> Result<(), NeedKeyframe> {
        if self.shown != Some(frame.mid) {
            return Ok(());
        }
        let timestamp = self.timestamp_at(frame.arrived.min(now));
        if frame.codec == self.codec {
            // The transcoder, if any, is for another speaker's codec.
            self.transcoder = None;
            packets.extend(self.packetizer.packetize(&frame.data, timestamp));
            return Ok(());
        }
        if self.transcoder(frame.codec).is_none() {
            return Ok(());
        }
        if self.transcoder_needs_keyframe && !frame.keyframe {
            return Err(NeedKeyframe);
        }
        self.transcoder_needs_keyframe = false;
        let millis = timestamp_millis(self.first_sent, frame.arrived);
        let Some(transcoder) = &mut self.transcoder else {
            return Ok(());
        };
        match transcoder.push(&frame.data, frame.keyframe, millis) {
            Ok(Some(data)) => packets.extend(self.packetizer.packetize(&data, timestamp)),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "a frame was not transcoded"),
        }
        if transcoder.needs_input_keyframe() {
            return Err(NeedKeyframe);
        }
        Ok(())
    }

    /// The transcoder from `from`, made on first use (or when the shown
    /// publisher's codec changed); `None` (said once) without libvpx.
    fn transcoder(&mut self, from: VideoCodec) -> Option<&mut PictureTranscode> {
        if self.transcoder.as_ref().is_some_and(|t| t.from() != from) {
            self.transcoder = None;
        }
        if self.transcoder.is_none() && !self.cannot_transcode {
            match PictureTranscode::new(from) {
                Ok(transcoder) => {
                    self.transcoder = Some(transcoder);
                    self.transcoder_needs_keyframe = true;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the room system sees no meeting video in the other codec: it cannot be transcoded here");
                    self.cannot_transcode = true;
                }
            }
        }
        self.transcoder.as_mut()
    }

    /// Our RTP timestamp for a frame that arrived at `at`: the time since
    /// our first frame, on the video clock, from our random base.
    fn timestamp_at(&mut self, at: Instant) -> u32 {
        let first = *self.first_sent.get_or_insert(at);
        let ticks =
            at.saturating_duration_since(first).as_micros() as u64 * VIDEO_CLOCK / 1_000_000;
        // The RTP timestamp is the low 32 bits by definition (RFC 3550).
        self.timestamp_base.wrapping_add(ticks as u32)
    }
}

/// The shown track's publisher must send a keyframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedKeyframe;

fn timestamp_millis(first: Option<Instant>, at: Instant) -> u64 {
    first.map_or(0, |first| {
        at.saturating_duration_since(first).as_millis() as u64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicmeet_sip::sdp::Direction;
    use civicmeet_sip_media::video::rtcp::Feedback;

    const PT: u8 = 97;

    fn stream(codec: SdpVideoCodec, feedback: &[&str]) -> VideoStream {
        VideoStream {
            remote_rtp: Some("127.0.0.1:5004".parse().unwrap()),
            remote_rtcp: None,
            rtcp_mux: true,
            codec,
            payload_type: PT,
            fmtp: None,
            feedback: feedback.iter().map(|f| f.to_string()).collect(),
            direction: Direction::SendRecv,
            bandwidth_kbps: None,
            srtp: None,
        }
    }

    fn start() -> StreamStart {
        StreamStart {
            ssrc: 0x1234_5678,
            sequence: 100,
            timestamp: 4_000_000_000,
        }
    }

    /// A VP8 keyframe's first bytes (P bit 0) and some payload.
    fn vp8_keyframe() -> Vec<u8> {
        let mut frame = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00];
        frame.resize(3000, 0x55);
        frame
    }

    fn received(mid: &str, arrived: Instant, data: Vec<u8>) -> ReceivedVideo {
        ReceivedVideo {
            mid: Mid::from(mid),
            codec: VideoCodec::Vp8,
            keyframe: true,
            data,
            arrived,
        }
    }

    fn timestamps(packets: &[Vec<u8>]) -> Vec<u32> {
        packets
            .iter()
            .map(|p| RtpPacket::parse(p).unwrap().timestamp)
            .collect()
    }

    #[test]
    fn the_room_systems_rtp_becomes_whole_frames_on_a_clock_that_survives_the_wrap() {
        let mut video = PhoneVideo::new(&stream(SdpVideoCodec::Vp8, &[]), start(), false);
        let mut room = VideoPacketizer::new(VideoFormat::Vp8, PT, 99, 1, 1200);
        let mut times = Vec::new();
        // Starts just below the 32-bit wrap: the unwrapped time goes on.
        for (i, timestamp) in [u32::MAX - 3000, u32::MAX, 2999].into_iter().enumerate() {
            let frame = vp8_keyframe();
            let packets = room.packetize(&frame, timestamp);
            assert!(packets.len() > 1, "a frame of several packets");
            let mut out = Vec::new();
            for packet in &packets {
                assert!(video.is_ours(packet));
                out.push(video.datagram(packet));
            }
            let frames: Vec<_> = out.into_iter().filter(|o| *o != VideoIn::Nothing).collect();
            let [VideoIn::Frame { codec, time, data }] = frames.as_slice() else {
                panic!("frame {i}: one whole frame, got {frames:?}");
            };
            assert_eq!((*codec, data), (VideoCodec::Vp8, &frame));
            times.push(*time);
        }
        assert_eq!(times[1] - times[0], 3000);
        assert_eq!(times[2] - times[1], 3000, "across the wrap");
        // Another payload type is someone else's.
        let other = VideoPacketizer::new(VideoFormat::Vp8, 96, 99, 1, 1200).packetize(&[0x10], 1);
        assert!(!video.is_ours(&other[0]));
        assert_eq!(video.datagram(&other[0]), VideoIn::Nothing);
        assert_eq!(video.datagram(b"not rtp"), VideoIn::Nothing);
    }

    #[test]
    fn keyframe_requests_use_what_the_room_system_takes_and_are_spaced() {
        let now = Instant::now();
        let packet = |video: &mut PhoneVideo| {
            let rtp = VideoPacketizer::new(VideoFormat::Vp8, PT, 0xabcd, 1, 1200)
                .packetize(&vp8_keyframe(), 0);
            for p in &rtp {
                video.datagram(p);
            }
        };
        // Nothing to ask before we know its SSRC.
        let mut video = PhoneVideo::new(&stream(SdpVideoCodec::Vp8, &["ccm fir"]), start(), false);
        assert_eq!(video.keyframe_request(now), None);
        packet(&mut video);
        let fir = video.keyframe_request(now).expect("a request");
        assert!(matches!(
            parse_feedback(&fir).as_slice(),
            [Feedback::Fir {
                media_ssrc: 0xabcd,
                ..
            }]
        ));
        assert_eq!(
            video.keyframe_request(now + Duration::from_millis(100)),
            None
        );
        assert!(video.keyframe_request(now + KEYFRAME_REQUEST_GAP).is_some());

        let mut video = PhoneVideo::new(&stream(SdpVideoCodec::Vp8, &["nack pli"]), start(), false);
        packet(&mut video);
        let pli = video.keyframe_request(now).unwrap();
        assert_eq!(
            parse_feedback(&pli),
            vec![Feedback::Pli { media_ssrc: 0xabcd }]
        );
        // Its own PLI asks for one of ours.
        assert_eq!(video.datagram(&pli), VideoIn::KeyframeWanted);
        assert_eq!(video.rtcp(&pli), VideoIn::KeyframeWanted);
    }

    #[test]
    fn only_the_shown_track_goes_out_and_a_switch_is_no_jump_in_our_stream() {
        let t0 = Instant::now();
        let mut video = PhoneVideo::new(&stream(SdpVideoCodec::Vp8, &[]), start(), false);
        let mut packets = Vec::new();
        video
            .meeting_frame(t0, &received("1", t0, vp8_keyframe()), &mut packets)
            .unwrap();
        assert!(packets.is_empty(), "nothing shown yet");

        video.show(Some(Mid::from("1")));
        let at = |ms| t0 + Duration::from_millis(ms);
        for (mid, ms) in [("1", 0), ("2", 33), ("1", 66)] {
            video
                .meeting_frame(at(ms), &received(mid, at(ms), vp8_keyframe()), &mut packets)
                .unwrap();
        }
        video.show(Some(Mid::from("2")));
        video
            .meeting_frame(
                at(100),
                &received("2", at(100), vp8_keyframe()),
                &mut packets,
            )
            .unwrap();
        let stamps = timestamps(&packets);
        let mut frames: Vec<u32> = stamps.clone();
        frames.dedup();
        // Three frames: mid 1 at 0 and 66 ms, mid 2 at 100 ms (mid 2 at
        // 33 ms was not shown), stamped by arrival on the 90 kHz clock.
        let base = start().timestamp;
        assert_eq!(
            frames,
            vec![base, base.wrapping_add(5940), base.wrapping_add(9000)]
        );
        let sequences: Vec<u16> = packets
            .iter()
            .map(|p| RtpPacket::parse(p).unwrap().sequence)
            .collect();
        assert!(
            sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
            "one continuous stream: {sequences:?}"
        );
        assert!(
            packets
                .iter()
                .all(|p| RtpPacket::parse(p).unwrap().ssrc == start().ssrc)
        );
    }

    #[test]
    fn h264_to_a_vp8_room_system_goes_through_the_transcoder() {
        let t0 = Instant::now();
        let mut video = PhoneVideo::new(&stream(SdpVideoCodec::Vp8, &[]), start(), false);
        video.show(Some(Mid::from("1")));
        // Without a transcoder yet, the room system's requests go to the publisher.
        assert!(video.keyframe_wanted());
        // An H.264 frame that does not decode: nothing goes out, and the
        // publisher is asked for a keyframe.
        let mut frame = received("1", t0, vec![0, 0, 0, 1, 0x65, 1, 2, 3]);
        frame.codec = VideoCodec::H264;
        let mut packets = Vec::new();
        assert_eq!(
            video.meeting_frame(t0, &frame, &mut packets),
            Err(NeedKeyframe)
        );
        assert!(packets.is_empty());
        // Now our own encoder answers the room system's requests.
        assert!(!video.keyframe_wanted());
    }
}
