//! How a call starts: a call in finds its meeting by number or alias and
//! is answered with the call's own sockets ([`CallMedia`]); a call out
//! (dial-out) brings its sockets and a [`Start`] of its own. Either way a
//! [`Leg`] then runs it to its end.

use std::collections::BTreeSet;
use std::sync::Arc;

use civicmeet_sip::CallId;
use civicmeet_sip::sdp::{AudioCodec, LocalMedia, VideoCodec as SdpVideoCodec};
use civicmeet_sip_media::{AudioDecoder, AudioEncoder, Codec};
use tokio::sync::mpsc;

use super::{Leg, Place};
use crate::sip::Gateway;
use crate::sip::audio_in::media_codec;
use crate::sip::caller::display_name;
use crate::sip::keypad::Keypad;
use crate::sip::media_ports::VideoSockets;
use crate::sip::pin::PinEntry;
use crate::sip::remote_source::RemoteSource;
use crate::sip::rtp_socket::RtpSocket;
use crate::sip::shell::{CallInput, Command};

/// A new call, as the shell hands it over.
#[derive(Debug)]
pub struct Incoming {
    pub call: CallId,
    /// The dialled number (the Request-URI's user part). Never logged.
    pub number: String,
    /// The From display name. Never logged.
    pub from_display: Option<String>,
}

/// Runs one call to its end.
pub async fn run(gateway: Arc<Gateway>, incoming: Incoming, mut inputs: mpsc::Receiver<CallInput>) {
    let call = incoming.call;
    let command = |command| {
        // The shell outlives every call task but at shutdown.
        let _ = gateway.commands.send(command);
    };
    let meeting = match find_meeting(&gateway, &incoming.number).await {
        Ok(Some(meeting)) => meeting,
        Ok(None) => {
            tracing::info!(%call, "no meeting has the dialled number");
            command(Command::Reject { call, status: 404 });
            return;
        }
        Err(e) => {
            tracing::error!(%call, error = %e, "cannot look up a dialled number");
            command(Command::Reject { call, status: 503 });
            return;
        }
    };
    let short = meeting.id.get(..6).unwrap_or_default().to_string();
    let media = match CallMedia::open(&gateway).await {
        Ok(media) => media,
        Err(e) => {
            tracing::error!(%call, error = %e, "cannot open an RTP port");
            command(Command::Reject { call, status: 503 });
            return;
        }
    };
    command(Command::Accept {
        call,
        local: media.local.clone(),
    });
    tracing::info!(%call, meeting = %short, "call answered");
    let session = loop {
        match inputs.recv().await {
            Some(CallInput::Established(session)) => break session,
            Some(CallInput::Ended(reason)) => {
                tracing::info!(%call, meeting = %short, ?reason, "call ended before it was established");
                return;
            }
            None => return,
            Some(_) => {}
        }
    };
    let start = Start {
        call,
        meeting_id: meeting.id,
        name: display_name(incoming.from_display.as_deref()),
        pre_admitted: false,
    };
    Leg::new(gateway, start, media, inputs).run(session).await;
}

/// A call's own sockets (RTP to the phone, video RTP/RTCP if they could
/// be opened) and the media we take on them.
pub struct CallMedia {
    /// RTP to and from the phone, SRTP when the call agreed keys.
    rtp: RtpSocket,
    video_sockets: Option<VideoSockets>,
    pub local: LocalMedia,
}

impl CallMedia {
    pub async fn open(gateway: &Gateway) -> std::io::Result<CallMedia> {
        let rtp = crate::sip::media_ports::bind_one(gateway.local_ip, gateway.rtp_ports).await?;
        let port = rtp.local_addr()?.port();
        let rtp = RtpSocket::new(rtp);
        let mut local = LocalMedia::new(gateway.public_ip, port);
        local.audio_codecs = supported_codecs();
        // VP8 first: browsers send it, so a room system that takes it gets
        // the meeting forwarded rather than transcoded.
        local.video_codecs = vec![SdpVideoCodec::Vp8, SdpVideoCodec::H264];
        let video_sockets =
            match crate::sip::media_ports::bind_pair(gateway.local_ip, gateway.rtp_ports).await {
                Ok((rtp, rtcp)) => {
                    if let Ok(addr) = rtp.local_addr() {
                        local = local.with_video(addr.port());
                    }
                    Some(VideoSockets::new(rtp, rtcp))
                }
                Err(e) => {
                    // Audio still works: the video m-line is refused (port 0).
                    tracing::warn!(error = %e, "cannot open video ports");
                    None
                }
            };
        local.security = crate::sip::media_security::for_new_call(gateway.plain_rtp);
        Ok(CallMedia {
            rtp,
            video_sockets,
            local,
        })
    }
}

/// How a leg starts: the call, the meeting it joins, its name there, and
/// whether a host's dial-out let it in already (no PIN, no waiting room).
pub struct Start {
    pub call: CallId,
    pub meeting_id: String,
    /// Never logged.
    pub name: String,
    pub pre_admitted: bool,
}

impl Leg {
    pub fn new(
        gateway: Arc<Gateway>,
        start: Start,
        media: CallMedia,
        inputs: mpsc::Receiver<CallInput>,
    ) -> Leg {
        Leg {
            name: start.name,
            gateway,
            call: start.call,
            short: start.meeting_id.get(..6).unwrap_or_default().to_string(),
            meeting_id: start.meeting_id,
            pre_admitted: start.pre_admitted,
            inputs,
            rtp: media.rtp,
            video_sockets: media.video_sockets,
            video: None,
            me: None,
            speaker: None,
            sharer: None,
            showing: None,
            audio_in: None,
            audio_out: None,
            session: None,
            phone: RemoteSource::default(),
            client: None,
            key: None,
            place: Place::Joining,
            pin: PinEntry::new(),
            webrtc: None,
            connected: false,
            opus: AudioEncoder::new(Codec::Opus).ok(),
            others: BTreeSet::new(),
            waiting_prompt_due: None,
            notice_acknowledged: false,
            notice_due: None,
            notice_plays: 0,
            closing: None,
            keypad: Keypad::new(),
            muted: false,
            camera_stopped: false,
            last_heard: std::time::Instant::now(),
        }
    }
}

/// The meeting a Request-URI's user part names: its dial number (digits)
/// or its SIP alias (any case).
async fn find_meeting(
    gateway: &Gateway,
    dialled: &str,
) -> Result<Option<civicmeet_store::MeetingRecord>, civicmeet_store::StoreError> {
    if dialled.bytes().all(|b| b.is_ascii_digit()) {
        return gateway.store.meeting_by_dial_number(dialled).await;
    }
    let alias = dialled.to_ascii_lowercase();
    if !civicmeet_store::valid_sip_alias(&alias) {
        return Ok(None);
    }
    gateway.store.meeting_by_sip_alias(&alias).await
}

/// The audio codecs this build both decodes and encodes, in our order of
/// preference (Opus, G.722, PCMA, PCMU).
fn supported_codecs() -> Vec<AudioCodec> {
    AudioCodec::ALL
        .into_iter()
        .filter(|&codec| {
            let codec = media_codec(codec);
            AudioDecoder::new(codec).is_ok() && AudioEncoder::new(codec).is_ok()
        })
        .collect()
}
