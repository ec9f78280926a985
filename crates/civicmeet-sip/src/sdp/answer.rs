//! The answer to an offer (RFC 3264 §6): one audio codec and
//! telephone-event, one video codec, every other m-line mirrored with
//! port 0, in the offer's order. Each taken m-line is plain RTP or SRTP
//! with our SDES key, as [`LocalMedia::security`] allows (SRTP preferred
//! where an offer has both).

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use super::crypto::{SdesAnswer, SdesKey, answer_crypto};
use super::{
    Answer, AudioCodec, AudioStream, Direction, LocalMedia, LocalOrigin, MediaDescription,
    MediaKind, MediaSession, PayloadFormat, SdpError, SessionDescription, SrtpKeys, TelephoneEvent,
    VideoCodec, VideoStream,
};

/// RTCP feedback we take when offered (RFC 4585, RFC 5104): loss
/// reports and the two kinds of keyframe request.
const FEEDBACK: [&str; 3] = ["nack", "nack pli", "ccm fir"];

/// The answer to `offer` with our `local` media, or
/// [`SdpError::NoCommonCodec`] when no audio codec is in common (the call
/// is then refused with 488: a meeting participant without audio makes
/// no sense, and it could not even enter a PIN), or
/// [`SdpError::MediaSecurity`] when there is one but only on m-lines the
/// media security refuses.
pub fn answer(
    offer: &SessionDescription,
    local: &LocalMedia,
    origin: LocalOrigin,
) -> Result<Answer, SdpError> {
    let (audio_index, audio) = choose_audio(offer, local).ok_or_else(|| {
        if codec_on_any_audio_line(offer, local) {
            SdpError::MediaSecurity
        } else {
            SdpError::NoCommonCodec
        }
    })?;
    let video = local
        .video_port
        .and_then(|port| choose_video(offer, local).map(|v| (v, port)));
    let mut sdp = session_lines(local.address, origin);
    for (index, media) in offer.media.iter().enumerate() {
        if index == audio_index {
            write_audio(&mut sdp, media, local, &audio);
        } else if let Some(((video_index, chosen), port)) = &video
            && index == *video_index
        {
            write_video(&mut sdp, media, local, chosen, *port);
        } else {
            write_rejected(&mut sdp, media);
        }
    }
    let Some(audio_media) = offer.media.get(audio_index) else {
        // choose_audio returned an index of offer.media.
        return Err(SdpError::NoCommonCodec);
    };
    let session = MediaSession {
        audio: audio_stream(audio_media, local, &audio),
        video: video.and_then(|((index, chosen), _)| {
            let media = offer.media.get(index)?;
            Some(video_stream(media, local, chosen))
        }),
    };
    Ok(Answer { sdp, session })
}

/// What was chosen for the audio m-line.
pub(super) struct AudioChoice {
    pub codec: AudioCodec,
    pub payload_type: u8,
    pub fmtp: Option<String>,
    pub telephone_event: Option<TelephoneEvent>,
    /// SDES, when the m-line is SRTP.
    pub srtp: Option<SdesAnswer>,
}

/// What was chosen for the video m-line.
#[derive(Clone)]
pub(super) struct VideoChoice {
    pub codec: VideoCodec,
    pub payload_type: u8,
    /// The fmtp we answer with.
    pub fmtp: Option<String>,
    pub feedback: Vec<String>,
    /// SDES, when the m-line is SRTP.
    pub srtp: Option<SdesAnswer>,
}

/// How a usable m-line's media would travel.
enum Carriage {
    Plain,
    /// SRTP, with the answer to its `a=crypto` lines.
    Srtp(SdesAnswer),
}

/// How an m-line can carry media for us, if it can: in use, with an
/// address (checked by the parser for used lines, again here), and plain
/// RTP where that is allowed or SRTP with an `a=crypto` line we take
/// when we have a key for it.
fn carriage(
    media: &MediaDescription,
    kind: &MediaKind,
    local: &LocalMedia,
    key: impl Fn(&super::SdesKeys) -> &SdesKey,
) -> Option<Carriage> {
    if media.kind != *kind || media.port == 0 || media.connection.is_none() {
        return None;
    }
    if media.protocol.is_plain_rtp() {
        return local.security.plain_rtp.then_some(Carriage::Plain);
    }
    if !media.protocol.is_secure_rtp() {
        return None;
    }
    let key = key(local.security.sdes.as_ref()?);
    answer_crypto(&media.crypto, key.bytes())
        .ok()
        .map(Carriage::Srtp)
}

/// The m-line of `kind` to take: among those `choose` finds something on,
/// the first SRTP one, else the first.
fn prefer_secure<T>(
    offer: &SessionDescription,
    kind: &MediaKind,
    local: &LocalMedia,
    key: impl Fn(&super::SdesKeys) -> &SdesKey,
    choose: impl Fn(&MediaDescription, Option<SdesAnswer>) -> Option<T>,
    is_secure: impl Fn(&T) -> bool,
) -> Option<(usize, T)> {
    let mut plain = None;
    for (index, media) in offer.media.iter().enumerate() {
        let srtp = match carriage(media, kind, local, &key) {
            None => continue,
            Some(Carriage::Plain) => None,
            Some(Carriage::Srtp(answer)) => Some(answer),
        };
        let Some(chosen) = choose(media, srtp) else {
            continue;
        };
        if is_secure(&chosen) {
            return Some((index, chosen));
        }
        plain.get_or_insert((index, chosen));
    }
    plain
}

/// Whether some used audio m-line has a codec of ours, whatever its
/// protocol: tells a refusal for security from one for codecs.
fn codec_on_any_audio_line(offer: &SessionDescription, local: &LocalMedia) -> bool {
    offer.media.iter().any(|media| {
        media.kind == MediaKind::Audio
            && media.port != 0
            && media.protocol.is_rtp()
            && local
                .audio_codecs
                .iter()
                .any(|codec| media.payloads.iter().any(|f| codec.matches(f)))
    })
}

/// The audio m-line to take (an SRTP one first) that has a codec of
/// ours, with our most wanted codec on it.
fn choose_audio(offer: &SessionDescription, local: &LocalMedia) -> Option<(usize, AudioChoice)> {
    let choose = |media: &MediaDescription, srtp| {
        let (codec, format) = local.audio_codecs.iter().find_map(|codec| {
            let format = media.payloads.iter().find(|f| codec.matches(f))?;
            Some((*codec, format))
        })?;
        Some(AudioChoice {
            codec,
            payload_type: format.payload_type,
            fmtp: (codec == AudioCodec::Opus).then(|| "useinbandfec=1".to_string()),
            telephone_event: telephone_event(&media.payloads, codec.clock_rate()),
            srtp,
        })
    };
    prefer_secure(
        offer,
        &MediaKind::Audio,
        local,
        |keys| &keys.audio,
        choose,
        |c: &AudioChoice| c.srtp.is_some(),
    )
}

/// telephone-event at the codec's clock rate (RFC 4733 §2.1 asks for the
/// same rate), else at any rate offered: baresip, for one, offers Opus
/// with telephone-event/8000 only, and without DTMF a caller cannot enter
/// the meeting's PIN. Timestamps of events are not used by the PIN
/// reader, so a second clock on the stream does no harm there.
pub(super) fn telephone_event(
    payloads: &[PayloadFormat],
    clock_rate: u32,
) -> Option<TelephoneEvent> {
    let events = || {
        payloads.iter().filter(|f| {
            f.encoding
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("telephone-event"))
        })
    };
    let format = events()
        .find(|f| f.clock_rate == Some(clock_rate))
        .or_else(|| events().next())?;
    Some(TelephoneEvent {
        payload_type: format.payload_type,
        clock_rate: format.clock_rate?,
    })
}

fn choose_video(offer: &SessionDescription, local: &LocalMedia) -> Option<(usize, VideoChoice)> {
    let choose = |media: &MediaDescription, srtp: Option<SdesAnswer>| {
        local.video_codecs.iter().find_map(|codec| {
            media.payloads.iter().find_map(|format| {
                let fmtp = video_fmtp(*codec, format, local.h264_max_level)?;
                let feedback = FEEDBACK
                    .iter()
                    .filter(|f| format.feedback.iter().any(|o| o.eq_ignore_ascii_case(f)))
                    .map(|f| f.to_string())
                    .collect();
                Some(VideoChoice {
                    codec: *codec,
                    payload_type: format.payload_type,
                    fmtp,
                    feedback,
                    srtp: srtp.clone(),
                })
            })
        })
    };
    prefer_secure(
        offer,
        &MediaKind::Video,
        local,
        |keys| &keys.video,
        choose,
        |c: &VideoChoice| c.srtp.is_some(),
    )
}

/// Whether `format` is `codec` as we take it, and the fmtp we answer it
/// with (`Some(None)`: taken, no fmtp).
fn video_fmtp(codec: VideoCodec, format: &PayloadFormat, max_level: u8) -> Option<Option<String>> {
    if !format.is(codec.encoding(), 90_000) {
        return None;
    }
    match codec {
        VideoCodec::Vp8 => Some(None),
        VideoCodec::H264 => {
            // Mode 1 (non-interleaved, FU-A) only: what our packetizer
            // sends; mode 0 cannot carry a NAL unit larger than a packet.
            if format.fmtp_param("packetization-mode") != Some("1") {
                return None;
            }
            // RFC 6184 §8.1: without profile-level-id, baseline level 1.0.
            let profile = format.fmtp_param("profile-level-id").unwrap_or("42000a");
            let (profile_idc, iop, level) = parse_profile_level_id(profile)?;
            if !constrained_baseline_compatible(profile_idc, iop) {
                return None;
            }
            // The answer keeps the offered profile and may lower the
            // level (RFC 6184 §8.2.2).
            let level = level.min(max_level);
            Some(Some(format!(
                "profile-level-id={profile_idc:02x}{iop:02x}{level:02x};packetization-mode=1"
            )))
        }
    }
}

/// `profile-level-id`: three bytes in hex (RFC 6184 §8.1).
fn parse_profile_level_id(text: &str) -> Option<(u8, u8, u8)> {
    if text.len() != 6 || !text.is_ascii() {
        return None;
    }
    let byte = |at: usize| u8::from_str_radix(text.get(at..at + 2)?, 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// Baseline (0x42) streams, and Main or Extended streams whose constraint
/// flags say they are constrained baseline (RFC 6184 table 5): what
/// openh264 decodes, and what our constrained baseline stream fits.
fn constrained_baseline_compatible(profile_idc: u8, iop: u8) -> bool {
    match profile_idc {
        0x42 => true,
        0x4d => iop & 0x80 != 0,
        0x58 => iop & 0xc0 == 0xc0,
        _ => false,
    }
}

/// v=, o=, s=, c=, t= of a description we write.
pub(super) fn session_lines(address: IpAddr, origin: LocalOrigin) -> String {
    let family = family(address);
    let mut sdp = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        sdp,
        "v=0\r\no=civicmeet {} {} IN {family} {address}\r\ns=civicmeet\r\n\
         c=IN {family} {address}\r\nt=0 0\r\n",
        origin.session_id, origin.version
    );
    sdp
}

fn family(address: IpAddr) -> &'static str {
    match address {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// What we do on an offered m-line: the answer to its direction, and
/// nothing sent to an offerer that asked for none with `c=0.0.0.0`
/// (RFC 2543's hold, still sent by older room systems).
fn answered_direction(media: &MediaDescription) -> Direction {
    let answered = media.direction.answered();
    let held = media.connection.is_some_and(|a| a.is_unspecified());
    if held {
        Direction::from_flags(false, answered.receives())
    } else {
        answered
    }
}

fn write_audio(
    sdp: &mut String,
    media: &MediaDescription,
    local: &LocalMedia,
    audio: &AudioChoice,
) {
    let pt = audio.payload_type;
    let _ = write!(
        sdp,
        "m=audio {} {} {pt}",
        local.audio_port,
        media.protocol.as_str()
    );
    if let Some(event) = audio.telephone_event {
        let _ = write!(sdp, " {}", event.payload_type);
    }
    let _ = write!(sdp, "\r\na=rtpmap:{pt} {}\r\n", audio.codec.rtpmap());
    if let Some(fmtp) = &audio.fmtp {
        let _ = write!(sdp, "a=fmtp:{pt} {fmtp}\r\n");
    }
    if let Some(event) = audio.telephone_event {
        let _ = write!(
            sdp,
            "a=rtpmap:{0} telephone-event/{1}\r\na=fmtp:{0} 0-15\r\n",
            event.payload_type, event.clock_rate
        );
    }
    let _ = write!(sdp, "a=ptime:20\r\na={}\r\n", answered_direction(media));
    if media.rtcp_mux && local.rtcp_mux {
        sdp.push_str("a=rtcp-mux\r\n");
    }
    write_crypto(sdp, audio.srtp.as_ref());
}

/// Our `a=crypto` line on an SRTP m-line.
fn write_crypto(sdp: &mut String, srtp: Option<&SdesAnswer>) {
    if let Some(srtp) = srtp {
        let _ = write!(sdp, "{}\r\n", srtp.line);
    }
}

/// The keys an SDES answer agreed, for the media layer.
pub(super) fn srtp_keys(answer: &SdesAnswer) -> SrtpKeys {
    SrtpKeys {
        suite: answer.suite,
        local: answer.local_key.clone(),
        remote: answer.remote_key.clone(),
    }
}

fn write_video(
    sdp: &mut String,
    media: &MediaDescription,
    local: &LocalMedia,
    video: &VideoChoice,
    port: u16,
) {
    let pt = video.payload_type;
    let _ = write!(
        sdp,
        "m=video {port} {} {pt}\r\na=rtpmap:{pt} {}/90000\r\n",
        media.protocol.as_str(),
        video.codec.encoding()
    );
    if let Some(fmtp) = &video.fmtp {
        let _ = write!(sdp, "a=fmtp:{pt} {fmtp}\r\n");
    }
    for feedback in &video.feedback {
        let _ = write!(sdp, "a=rtcp-fb:{pt} {feedback}\r\n");
    }
    let _ = write!(sdp, "a={}\r\n", answered_direction(media));
    if media.rtcp_mux && local.rtcp_mux {
        sdp.push_str("a=rtcp-mux\r\n");
    }
    write_crypto(sdp, video.srtp.as_ref());
}

/// A refused m-line: port 0, the offer's protocol and one of its formats
/// (RFC 3264 §6).
fn write_rejected(sdp: &mut String, media: &MediaDescription) {
    let format = media.formats.first().map(String::as_str).unwrap_or("0");
    let _ = write!(
        sdp,
        "m={} 0 {} {format}\r\n",
        media.kind.as_str(),
        media.protocol.as_str()
    );
}

/// Where the peer's RTP and RTCP go, from its m-line.
pub(super) fn remote_addresses(
    media: &MediaDescription,
    rtcp_mux: bool,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    let Some(address) = media.connection.filter(|a| !a.is_unspecified()) else {
        return (None, None);
    };
    let rtp = SocketAddr::new(address, media.port);
    let rtcp = if rtcp_mux {
        Some(rtp)
    } else if let Some(port) = media.rtcp_port {
        Some(SocketAddr::new(media.rtcp_address.unwrap_or(address), port))
    } else {
        media
            .port
            .checked_add(1)
            .map(|p| SocketAddr::new(address, p))
    };
    (Some(rtp), rtcp)
}

fn audio_stream(media: &MediaDescription, local: &LocalMedia, audio: &AudioChoice) -> AudioStream {
    let rtcp_mux = media.rtcp_mux && local.rtcp_mux;
    let (remote_rtp, remote_rtcp) = remote_addresses(media, rtcp_mux);
    AudioStream {
        remote_rtp,
        remote_rtcp,
        rtcp_mux,
        codec: audio.codec,
        payload_type: audio.payload_type,
        fmtp: audio.fmtp.clone(),
        telephone_event: audio.telephone_event,
        ptime: media.ptime,
        direction: answered_direction(media),
        srtp: audio.srtp.as_ref().map(srtp_keys),
    }
}

fn video_stream(media: &MediaDescription, local: &LocalMedia, video: VideoChoice) -> VideoStream {
    let rtcp_mux = media.rtcp_mux && local.rtcp_mux;
    let (remote_rtp, remote_rtcp) = remote_addresses(media, rtcp_mux);
    VideoStream {
        remote_rtp,
        remote_rtcp,
        rtcp_mux,
        codec: video.codec,
        payload_type: video.payload_type,
        fmtp: video.fmtp,
        feedback: video.feedback,
        direction: answered_direction(media),
        bandwidth_kbps: media.bandwidth_kbps,
        srtp: video.srtp.as_ref().map(srtp_keys),
    }
}
