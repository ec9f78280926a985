//! Our own offer, for an INVITE that came without one (late offer, RFC
//! 3261 §13.2.1: the offer goes in our 200, the answer comes in the ACK),
//! and reading the answer to it. Plain RTP while the media security
//! allows it; otherwise SRTP with our SDES keys (`a=crypto` tag 1,
//! `AES_CM_128_HMAC_SHA1_80`), whose answer must carry the peer's key
//! under the same tag. There is no offering both on one m-line without
//! RFC 5939's capability negotiation, which phones rarely read.

use std::fmt::Write as _;

use super::answer::{remote_addresses, session_lines, telephone_event};
use super::crypto::{CryptoSuite, SdesKey, crypto_line, parse_crypto};
use super::{
    AudioCodec, AudioStream, LocalMedia, LocalOrigin, MediaDescription, MediaKind, MediaSession,
    PayloadFormat, SdesKeys, SdpError, SessionDescription, SrtpKeys, VideoCodec, VideoStream,
};

/// telephone-event payload types in our offers, one per clock rate, so
/// DTMF goes with whichever audio codec the answer picks.
const EVENT_48K: u8 = 101;
const EVENT_8K: u8 = 100;
/// The tag and suite of our offered `a=crypto` lines.
const CRYPTO_TAG: u32 = 1;
const CRYPTO_SUITE: CryptoSuite = CryptoSuite::AesCm128HmacSha1_80;

/// Our keys, when our offer is SRTP: only where plain RTP is not allowed
/// (a plain offer reaches every phone; see the module docs).
fn offered_keys(local: &LocalMedia) -> Option<&SdesKeys> {
    let security = &local.security;
    security.sdes.as_ref().filter(|_| !security.plain_rtp)
}

/// The protocol of our m-lines.
fn protocol(local: &LocalMedia) -> &'static str {
    if offered_keys(local).is_some() {
        "RTP/SAVP"
    } else {
        "RTP/AVP"
    }
}

/// Our offer: every audio codec of `local` (best first), telephone-event
/// for their clock rates, and the video codecs when `local` has a video
/// port.
pub fn offer(local: &LocalMedia, origin: LocalOrigin) -> String {
    let mut sdp = session_lines(local.address, origin);
    let codecs = &local.audio_codecs;
    let _ = write!(sdp, "m=audio {} {}", local.audio_port, protocol(local));
    for codec in codecs {
        let _ = write!(sdp, " {}", codec.offer_payload_type());
    }
    let wants_48k = codecs.iter().any(|c| c.clock_rate() == 48_000);
    let wants_8k = codecs.iter().any(|c| c.clock_rate() == 8_000);
    if wants_48k {
        let _ = write!(sdp, " {EVENT_48K}");
    }
    if wants_8k {
        let _ = write!(sdp, " {EVENT_8K}");
    }
    sdp.push_str("\r\n");
    for codec in codecs {
        let pt = codec.offer_payload_type();
        let _ = write!(sdp, "a=rtpmap:{pt} {}\r\n", codec.rtpmap());
        if *codec == AudioCodec::Opus {
            let _ = write!(sdp, "a=fmtp:{pt} useinbandfec=1\r\n");
        }
    }
    for (wanted, pt, rate) in [(wants_48k, EVENT_48K, 48_000), (wants_8k, EVENT_8K, 8_000)] {
        if wanted {
            let _ = write!(
                sdp,
                "a=rtpmap:{pt} telephone-event/{rate}\r\na=fmtp:{pt} 0-15\r\n"
            );
        }
    }
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
    if local.rtcp_mux {
        sdp.push_str("a=rtcp-mux\r\n");
    }
    if let Some(keys) = offered_keys(local) {
        let _ = write!(
            sdp,
            "{}\r\n",
            crypto_line(CRYPTO_TAG, CRYPTO_SUITE, &keys.audio)
        );
    }
    if let Some(port) = video_port(local) {
        let _ = write!(sdp, "m=video {port} {}", protocol(local));
        for codec in &local.video_codecs {
            let _ = write!(sdp, " {}", codec.offer_payload_type());
        }
        sdp.push_str("\r\n");
        for codec in &local.video_codecs {
            let pt = codec.offer_payload_type();
            let _ = write!(sdp, "a=rtpmap:{pt} {}/90000\r\n", codec.encoding());
            if let Some(fmtp) = our_video_fmtp(*codec, local) {
                let _ = write!(sdp, "a=fmtp:{pt} {fmtp}\r\n");
            }
            for feedback in ["nack", "nack pli", "ccm fir"] {
                let _ = write!(sdp, "a=rtcp-fb:{pt} {feedback}\r\n");
            }
        }
        sdp.push_str("a=sendrecv\r\n");
        if local.rtcp_mux {
            sdp.push_str("a=rtcp-mux\r\n");
        }
        if let Some(keys) = offered_keys(local) {
            let _ = write!(
                sdp,
                "{}\r\n",
                crypto_line(CRYPTO_TAG, CRYPTO_SUITE, &keys.video)
            );
        }
    }
    sdp
}

/// The SRTP an answered m-line agreed to our offer: `None` for a plain
/// offer, the keys when the answer took our SRTP m-line with a key under
/// our tag and suite, [`SdpError::CryptoMismatch`] otherwise.
fn answered_srtp(
    local: &LocalMedia,
    media: &MediaDescription,
    ours: impl Fn(&SdesKeys) -> &SdesKey,
) -> Result<Option<SrtpKeys>, SdpError> {
    let Some(keys) = offered_keys(local) else {
        return Ok(None);
    };
    if !media.protocol.is_secure_rtp() {
        return Err(SdpError::CryptoMismatch);
    }
    let theirs = media
        .crypto
        .iter()
        .filter_map(|line| parse_crypto(line).ok())
        .find(|c| c.tag == CRYPTO_TAG && c.suite == CRYPTO_SUITE)
        .ok_or(SdpError::CryptoMismatch)?;
    Ok(Some(SrtpKeys {
        suite: CRYPTO_SUITE,
        local: ours(keys).clone(),
        remote: theirs.key,
    }))
}

fn video_port(local: &LocalMedia) -> Option<u16> {
    local.video_port.filter(|_| !local.video_codecs.is_empty())
}

fn our_video_fmtp(codec: VideoCodec, local: &LocalMedia) -> Option<String> {
    match codec {
        VideoCodec::H264 => Some(format!(
            "profile-level-id=42e0{:02x};packetization-mode=1",
            local.h264_max_level
        )),
        VideoCodec::Vp8 => None,
    }
}

/// The session agreed by `answer` to the offer [`offer`] made from
/// `local`.
pub fn read_answer(
    local: &LocalMedia,
    answer: &SessionDescription,
) -> Result<MediaSession, SdpError> {
    let offered_lines = 1 + usize::from(video_port(local).is_some());
    if answer.media.len() != offered_lines {
        return Err(SdpError::AnswerMismatch("not one m-line per offered one"));
    }
    let Some(audio) = answer.media.first() else {
        return Err(SdpError::AnswerMismatch("no m-line"));
    };
    if audio.kind != MediaKind::Audio {
        return Err(SdpError::AnswerMismatch("the first m-line is not audio"));
    }
    if audio.port == 0 {
        return Err(SdpError::NoCommonCodec);
    }
    let payloads = resolved(&audio.payloads, local);
    // The answerer lists what it will send first.
    let (codec, format) = payloads
        .iter()
        .find_map(|f| {
            let codec = local.audio_codecs.iter().find(|c| c.matches(f))?;
            Some((*codec, f))
        })
        .ok_or(SdpError::NoCommonCodec)?;
    let rtcp_mux = audio.rtcp_mux && local.rtcp_mux;
    let (remote_rtp, remote_rtcp) = remote_addresses(audio, rtcp_mux);
    let srtp = answered_srtp(local, audio, |keys| &keys.audio)?;
    let audio_stream = AudioStream {
        remote_rtp,
        remote_rtcp,
        rtcp_mux,
        codec,
        payload_type: format.payload_type,
        fmtp: format.fmtp.clone(),
        telephone_event: telephone_event(&payloads, codec.clock_rate()),
        ptime: audio.ptime,
        direction: audio.direction.answered(),
        srtp,
    };
    let video = answer
        .media
        .get(1)
        .filter(|m| m.kind == MediaKind::Video && m.port != 0)
        .and_then(|media| {
            let payloads = resolved(&media.payloads, local);
            let (codec, format) = payloads.iter().find_map(|f| {
                let codec = local
                    .video_codecs
                    .iter()
                    .find(|c| f.is(c.encoding(), 90_000))?;
                Some((*codec, f))
            })?;
            let rtcp_mux = media.rtcp_mux && local.rtcp_mux;
            let (remote_rtp, remote_rtcp) = remote_addresses(media, rtcp_mux);
            // Video whose keys do not fit is dropped; the call keeps its
            // audio.
            let srtp = answered_srtp(local, media, |keys| &keys.video).ok()?;
            Some(VideoStream {
                remote_rtp,
                remote_rtcp,
                rtcp_mux,
                codec,
                payload_type: format.payload_type,
                fmtp: format.fmtp.clone().or_else(|| our_video_fmtp(codec, local)),
                feedback: format.feedback.clone(),
                direction: media.direction.answered(),
                bandwidth_kbps: media.bandwidth_kbps,
                srtp,
            })
        });
    Ok(MediaSession {
        audio: audio_stream,
        video,
    })
}

/// The answer's formats, with the encodings of our own offer filled in
/// where the answer lists a dynamic type without `rtpmap`.
fn resolved(payloads: &[PayloadFormat], local: &LocalMedia) -> Vec<PayloadFormat> {
    payloads
        .iter()
        .map(|format| {
            let mut format = format.clone();
            if format.encoding.is_none() {
                let ours = match format.payload_type {
                    EVENT_48K => Some(("telephone-event", 48_000)),
                    EVENT_8K => Some(("telephone-event", 8_000)),
                    pt => AudioCodec::ALL
                        .iter()
                        .find(|c| c.offer_payload_type() == pt)
                        .map(|c| (c.encoding(), c.clock_rate()))
                        .or_else(|| {
                            local
                                .video_codecs
                                .iter()
                                .find(|c| c.offer_payload_type() == pt)
                                .map(|c| (c.encoding(), 90_000))
                        }),
                };
                if let Some((encoding, rate)) = ours {
                    format.encoding = Some(encoding.to_string());
                    format.clock_rate = Some(rate);
                }
            }
            format
        })
        .collect()
}
