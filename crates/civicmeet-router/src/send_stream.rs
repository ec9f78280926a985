//! One subscriber's send stream of a forwarded track: its retransmission
//! history, and load shedding — frames for a send queue that has fallen
//! too far behind are dropped instead of queued.
//!
//! str0m queues every written frame until its pacer lets the packets out.
//! Its pacer keeps the queue near two seconds *in rate*, but when the media
//! task itself is short of CPU (a meeting larger than the machine carries)
//! the queues grow without bound: a turn of the task writes a batch of
//! datagrams' frames to every subscriber, while each pacer round releases
//! one packet and a turn takes a bounded number of rounds. Memory rises by
//! a gigabyte (the audio-50 benchmark) and every meeting on the server gets
//! later by the second. `tests/overload.rs` shows both with the
//! simulation's CPU model. A frame that would wait longer than a person
//! can use is worth nothing, so it is not written; the work of
//! packetising and sending it is saved as well.
//!
//! Audio resumes with the next frame (a gap the receiver conceals). Video
//! resumes only with a keyframe, since the decoder cannot use a frame whose
//! reference was dropped; the router asks the publisher for one.

use std::time::{Duration, Instant};

use str0m::Rtc;
use str0m::media::{MediaData, MediaKind, Mid};
use str0m::rtp::{Ssrc, StreamTx};

/// Audio that has waited this long in our queue alone has spent the whole
/// delay a conversation tolerates (ITU-T G.114: 150 ms one way for most
/// uses). In the audio-50 benchmark 200 ms gave half the latency of 500 ms
/// at the same throughput.
const AUDIO_LIMIT: Duration = Duration::from_millis(200);

/// Video may queue longer: a large keyframe (a shared screen) paced at a
/// low estimate legitimately takes more than a second, and str0m's pacer
/// itself speeds up to drain its queue within about two seconds. Only a
/// queue beyond that is a server that cannot keep up.
const VIDEO_LIMIT: Duration = Duration::from_secs(3);

/// How long sent packets are kept for retransmission (str0m keeps 3 s).
/// A NACK comes within a round trip of the loss; libwebrtc keeps
/// max(1 s, 3 RTT). Measured in mesh-5 at 16 × 5 (glibc's allocator):
/// 2.3 MiB per participant with 3 s, 1.4 MiB with 1 s (the history is
/// most of a participant's memory: one per track received).
const RTX_HISTORY: Duration = Duration::from_secs(1);
/// At most this many packets: 1 s of the largest stream we forward (2.5
/// Mbit/s) is about 250.
const RTX_HISTORY_PACKETS: usize = 1024;
/// str0m's default: queued retransmissions are dropped while they are
/// more than this share of what the stream sends.
const RTX_RATIO_CAP: Option<f32> = Some(0.15);

/// What to do with a frame for one subscriber's track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Write,
    /// Drop it; for video, ask the publisher for a keyframe.
    Shed,
}

/// The send stream of one track a subscriber receives.
#[derive(Debug, Default)]
pub(crate) struct SendStream {
    /// The send stream's SSRC, found once: looking a stream up by mid walks
    /// all of the subscriber's streams.
    ssrc: Option<Ssrc>,
    /// Frames are being shed; video waits for a keyframe to resume.
    shedding: bool,
}

impl SendStream {
    /// Decides for a frame about to be written to `mid` of `rtc`, at the
    /// frame's arrival time (the router's `now` for it).
    pub fn verdict(
        &mut self,
        rtc: &mut Rtc,
        mid: Mid,
        kind: MediaKind,
        data: &MediaData,
    ) -> Verdict {
        let limit = match kind {
            MediaKind::Audio => AUDIO_LIMIT,
            MediaKind::Video => VIDEO_LIMIT,
        };
        if self.queue_age(rtc, mid, data.network_time) > limit {
            self.shedding = true;
            return Verdict::Shed;
        }
        if self.shedding && kind == MediaKind::Video && !data.is_keyframe() {
            return Verdict::Shed;
        }
        self.shedding = false;
        Verdict::Write
    }

    /// How long the oldest packet queued for `mid` has waited, as of
    /// str0m's last look at the queue (it looks on every timeout). Finds
    /// the stream by SSRC, by mid only when it is new ([`Self::adopt`]).
    fn queue_age(&mut self, rtc: &mut Rtc, mid: Mid, now: Instant) -> Duration {
        let age = |stream: &StreamTx| {
            stream
                .queue_info()
                .and_then(|q| q.first_unsent())
                .map_or(Duration::ZERO, |oldest| {
                    now.saturating_duration_since(oldest)
                })
        };
        if let Some(ssrc) = self.ssrc
            && let Some(stream) = rtc.direct_api().stream_tx(&ssrc)
        {
            return age(stream);
        }
        // The first frame, or renegotiation gave the track a new stream.
        match rtc.direct_api().stream_tx_by_mid(mid, None) {
            Some(stream) => {
                self.adopt(stream);
                age(stream)
            }
            None => Duration::ZERO,
        }
    }

    /// Takes a send stream seen for the first time: remembers its SSRC and
    /// gives it our retransmission history. Nothing has been sent on it yet
    /// (this runs before its first frame is written), so the history
    /// replaced is empty.
    fn adopt(&mut self, stream: &mut StreamTx) {
        self.ssrc = Some(stream.ssrc());
        stream.set_rtx_cache(RTX_HISTORY_PACKETS, RTX_HISTORY, RTX_RATIO_CAP);
    }
}
