//! One participant of the plain-UDP mode: the same frames at the same
//! rates as a WebRTC participant, cut into datagrams of at most
//! [`CHUNK`] bytes, sent to the [`crate::relay`] without any encryption.
//!
//! Each datagram is a 12-byte header (the size of an RTP header: index and
//! count of the frame's packets, the rest zero) and a slice of the frame.
//! Every slice starts with the frame's stamp, so a receiver knows the frame
//! of any packet; a frame counts as received when all its packets arrived,
//! as a WebRTC depacketizer would deliver it.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use crate::clock::now_ns;
use crate::media::{self, Kind, STAMP_BYTES, Schedule, Stamp};
use crate::relay::join_message;
use crate::stats::Recorder;
use crate::webrtc_peer::PeerSpec;

/// Payload bytes per datagram, about what WebRTC stacks put in one packet.
pub const CHUNK: usize = 1_200;
const HEADER: usize = 12;
/// How often the join is repeated (a keep-alive, as ICE consent is).
const JOIN_EVERY: Duration = Duration::from_secs(1);

/// A frame being reassembled: its sequence number and packets seen.
#[derive(Default)]
struct Partial {
    seq: u32,
    got: u16,
}

/// Runs a raw participant in `room` of the relay at `relay` until stop.
pub async fn run(relay: SocketAddr, room: u32, spec: PeerSpec) -> Recorder {
    let mut recorder = Recorder::default();
    if let Err(e) = run_inner(relay, room, spec, &mut recorder).await {
        recorder.error = Some(e.to_string());
    }
    recorder
}

async fn run_inner(
    relay: SocketAddr,
    room: u32,
    spec: PeerSpec,
    recorder: &mut Recorder,
) -> std::io::Result<()> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    socket.send_to(&join_message(room), relay).await?;
    // Media starts after the join has surely arrived (loopback).
    tokio::time::sleep(Duration::from_millis(20)).await;
    recorder.connected = true;
    let mut schedule = Schedule::starting(Instant::now());
    let mut next_join = Instant::now() + JOIN_EVERY;
    let mut partial: HashMap<(u32, Kind), Partial> = HashMap::new();
    let mut buf = vec![0u8; 2048];
    let mut stop = spec.stop.clone();
    loop {
        if *stop.borrow_and_update() {
            return Ok(());
        }
        let mut wake = next_join;
        if spec.role.audio {
            wake = wake.min(schedule.next_audio);
        }
        if spec.role.video {
            wake = wake.min(schedule.next_video);
        }
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let (len, _) = received?;
                on_datagram(&buf[..len], &spec, recorder, &mut partial);
                while let Ok((len, _)) = socket.try_recv_from(&mut buf) {
                    on_datagram(&buf[..len], &spec, recorder, &mut partial);
                }
            }
            _ = tokio::time::sleep_until(wake.into()) => {}
            // Only ever set to true: any change means stop.
            _ = stop.changed() => return Ok(()),
        }
        let now = Instant::now();
        if next_join <= now {
            socket.send_to(&join_message(room), relay).await?;
            next_join += JOIN_EVERY;
        }
        while spec.role.audio && schedule.next_audio <= now {
            let stamp = Stamp {
                sender: spec.id,
                kind: Kind::Audio,
                seq: schedule.audio_seq,
                sent_ns: now_ns(),
            };
            send_frame(&socket, relay, &stamp, media::AUDIO_FRAME_BYTES).await?;
            recorder.on_sent(&spec.window, &stamp);
            schedule.audio_seq = schedule.audio_seq.wrapping_add(1);
            schedule.next_audio += media::AUDIO_INTERVAL;
        }
        while spec.role.video && schedule.next_video <= now {
            let size = if schedule.take_keyframe() {
                media::KEYFRAME_BYTES
            } else {
                media::VIDEO_FRAME_BYTES
            };
            let stamp = Stamp {
                sender: spec.id,
                kind: Kind::Video,
                seq: schedule.video_seq,
                sent_ns: now_ns(),
            };
            send_frame(&socket, relay, &stamp, size).await?;
            recorder.on_sent(&spec.window, &stamp);
            schedule.video_seq = schedule.video_seq.wrapping_add(1);
            schedule.next_video += media::VIDEO_INTERVAL;
        }
    }
}

/// Sends a frame of `size` bytes as datagrams of at most [`CHUNK`].
async fn send_frame(
    socket: &UdpSocket,
    relay: SocketAddr,
    stamp: &Stamp,
    size: usize,
) -> std::io::Result<()> {
    let count = size.div_ceil(CHUNK).max(1);
    let mut datagram = Vec::with_capacity(HEADER + CHUNK);
    for index in 0..count {
        let len = CHUNK.min(size - index * CHUNK).max(STAMP_BYTES);
        datagram.clear();
        // Both fit in u16: a frame is at most KEYFRAME_BYTES / CHUNK packets.
        datagram.extend_from_slice(&(index as u16).to_be_bytes());
        datagram.extend_from_slice(&(count as u16).to_be_bytes());
        datagram.resize(HEADER, 0);
        let at = datagram.len();
        datagram.resize(at + len, 0xaa);
        let mut stamp_bytes = Vec::with_capacity(STAMP_BYTES);
        stamp.write_to(&mut stamp_bytes);
        datagram[at..at + STAMP_BYTES].copy_from_slice(&stamp_bytes);
        socket.send_to(&datagram, relay).await?;
    }
    Ok(())
}

fn on_datagram(
    bytes: &[u8],
    spec: &PeerSpec,
    recorder: &mut Recorder,
    partial: &mut HashMap<(u32, Kind), Partial>,
) {
    recorder.on_datagram(&spec.window, now_ns());
    if bytes.len() < HEADER {
        return;
    }
    let count = u16::from_be_bytes([bytes[2], bytes[3]]);
    let Some(stamp) = Stamp::read(&bytes[HEADER..]) else {
        return;
    };
    let frame = partial.entry((stamp.sender, stamp.kind)).or_default();
    if frame.seq != stamp.seq {
        // A new frame: whatever was missing of the last one is lost.
        frame.seq = stamp.seq;
        frame.got = 0;
    }
    frame.got = frame.got.saturating_add(1);
    if frame.got == count {
        recorder.on_received(&spec.window, &stamp, now_ns());
    }
}
