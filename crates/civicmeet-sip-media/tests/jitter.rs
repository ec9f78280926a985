//! The jitter buffer on a virtual clock: a sender stamps a packet every
//! 20 ms, a simulated network delays, reorders, duplicates or drops them,
//! and the receiver pops a frame every 20 ms.

mod common;

use std::time::{Duration, Instant};

use civicmeet_sip_media::{Frame, JitterBuffer, JitterConfig, Pushed, RtpPacket};
use common::Rng;

const MS: Duration = Duration::from_millis(1);

/// A packet on its way: when it arrives, and what it carries.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    at: Duration,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
}

/// What a pop gave, reduced to what the tests compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Played(u16),
    Lost,
    Idle,
}

/// A stream of `count` packets from `seq0`/`ts0`, sent every 20 ms from
/// time zero, each delayed by `delay(i)` (None: lost).
fn stream(
    count: usize,
    seq0: u16,
    ts0: u32,
    delay: impl Fn(usize) -> Option<Duration>,
) -> Vec<Arrival> {
    (0..count)
        .filter_map(|i| {
            delay(i).map(|d| Arrival {
                at: 20 * MS * i as u32 + d,
                ssrc: 0xabcd,
                sequence: seq0.wrapping_add(i as u16),
                timestamp: ts0.wrapping_add(160 * i as u32),
            })
        })
        .collect()
}

/// Feeds the arrivals and pops every 20 ms (at 5 ms past each 20 ms
/// tick) until `until`; returns what each pop gave.
fn run(jb: &mut JitterBuffer, mut arrivals: Vec<Arrival>, until: Duration) -> Vec<Out> {
    let start = Instant::now();
    arrivals.sort_by_key(|a| a.at);
    let mut pending = arrivals.into_iter().peekable();
    let mut outs = Vec::new();
    let mut pop_at = 5 * MS;
    while pop_at < until {
        while let Some(a) = pending.next_if(|a| a.at <= pop_at) {
            let payload = a.sequence.to_be_bytes();
            let packet = RtpPacket::new(0, a.sequence, a.timestamp, a.ssrc, &payload);
            jb.push(start + a.at, &packet).unwrap();
        }
        outs.push(match jb.pop(start + pop_at) {
            Frame::Audio(frame) => {
                let seq = u16::from_be_bytes([frame.payload[0], frame.payload[1]]);
                assert_eq!(seq, frame.sequence);
                Out::Played(seq)
            }
            Frame::Lost => Out::Lost,
            Frame::Idle => Out::Idle,
        });
        pop_at += 20 * MS;
    }
    outs
}

fn played(outs: &[Out]) -> Vec<u16> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Played(seq) => Some(*seq),
            _ => None,
        })
        .collect()
}

/// Lost frames between the first and the last frame played (after the
/// stream ends, every pop is a loss until the buffer goes idle).
fn lost_while_playing(outs: &[Out]) -> usize {
    let first = outs.iter().position(|o| matches!(o, Out::Played(_)));
    let last = outs.iter().rposition(|o| matches!(o, Out::Played(_)));
    match (first, last) {
        (Some(first), Some(last)) => count(&outs[first..=last], Out::Lost),
        _ => 0,
    }
}

fn count(outs: &[Out], which: Out) -> usize {
    outs.iter().filter(|&&o| o == which).count()
}

fn buffer() -> JitterBuffer {
    JitterBuffer::new(JitterConfig::audio(8000))
}

#[test]
fn a_steady_stream_plays_in_order_after_the_minimum_delay() {
    let mut jb = buffer();
    let outs = run(&mut jb, stream(100, 0, 0, |_| Some(30 * MS)), 2100 * MS);
    assert_eq!(played(&outs), (0..100).collect::<Vec<_>>());
    assert_eq!(lost_while_playing(&outs), 0);
    // The first packet arrives at 30 ms and waits the 40 ms minimum: the
    // first frame plays at the pop at 85 ms (the fifth).
    assert_eq!(
        &outs[..5],
        &[Out::Idle, Out::Idle, Out::Idle, Out::Idle, Out::Played(0)]
    );
    assert_eq!(jb.target_delay(), 40 * MS);
}

#[test]
fn reordered_packets_are_put_back_in_order() {
    // Every pair swapped: odd packets overtake even ones by 10 ms.
    let arrivals = stream(100, 0, 0, |i| {
        Some(if i % 2 == 0 { 35 * MS } else { 5 * MS })
    });
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 2200 * MS);
    assert_eq!(played(&outs), (0..100).collect::<Vec<_>>());
    assert_eq!(lost_while_playing(&outs), 0);
}

#[test]
fn duplicates_play_once() {
    let mut arrivals = stream(50, 0, 0, |_| Some(20 * MS));
    // Each packet again 7 ms later, and some a third time much later.
    let again: Vec<_> = arrivals
        .iter()
        .map(|a| Arrival {
            at: a.at + 7 * MS,
            ..*a
        })
        .chain(arrivals.iter().step_by(5).map(|a| Arrival {
            at: a.at + 100 * MS,
            ..*a
        }))
        .collect();
    arrivals.extend(again);
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 1200 * MS);
    assert_eq!(played(&outs), (0..50).collect::<Vec<_>>());
    let stats = jb.stats();
    assert_eq!(stats.received, 110);
    // Copies still held are duplicates; copies of frames already played
    // are late.
    assert_eq!(stats.duplicates + stats.late, 60);
}

#[test]
fn a_lost_packet_is_one_lost_frame_in_its_place() {
    let arrivals = stream(60, 0, 0, |i| {
        (i != 20 && i != 40 && i != 41).then_some(20 * MS)
    });
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 1400 * MS);
    let first = outs.iter().position(|o| *o == Out::Played(0)).unwrap();
    let expected: Vec<Out> = (0..60u16)
        .map(|i| {
            if [20, 40, 41].contains(&i) {
                Out::Lost
            } else {
                Out::Played(i)
            }
        })
        .collect();
    assert_eq!(&outs[first..first + 60], &expected[..]);
}

#[test]
fn a_packet_after_its_turn_is_dropped_as_late() {
    // Packet 10 is 300 ms late, beyond the largest target.
    let arrivals = stream(40, 0, 0, |i| Some(if i == 10 { 300 * MS } else { 20 * MS }));
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 1000 * MS);
    let mut expected: Vec<u16> = (0..40).collect();
    expected.retain(|&s| s != 10);
    assert_eq!(played(&outs), expected);
    assert_eq!(jb.stats().late, 1);
}

#[test]
fn sequence_numbers_and_timestamps_wrap_around() {
    let arrivals = stream(100, 65500, u32::MAX - 160 * 30, |_| Some(20 * MS));
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 2100 * MS);
    let expected: Vec<u16> = (0..100).map(|i| 65500u16.wrapping_add(i)).collect();
    assert_eq!(played(&outs), expected);
    assert_eq!(lost_while_playing(&outs), 0);
}

#[test]
fn a_new_ssrc_restarts_the_buffer() {
    let mut arrivals = stream(50, 100, 5000, |_| Some(20 * MS));
    // At one second a new source (a re-INVITE to another device) with
    // unrelated numbering takes over.
    arrivals.retain(|a| a.at < 1000 * MS);
    arrivals.extend(
        stream(50, 9000, 77, |_| Some(20 * MS))
            .into_iter()
            .map(|a| Arrival {
                at: a.at + 1000 * MS,
                ssrc: 0x5555,
                ..a
            }),
    );
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 2200 * MS);
    let seqs = played(&outs);
    let switch = seqs.iter().position(|&s| s >= 9000).unwrap();
    // The old stream's last frames, still held at the switch, are gone;
    // the new one plays from its start.
    assert!(seqs[..switch].windows(2).all(|w| w[1] == w[0] + 1));
    assert_eq!(&seqs[switch..], &(9000..9050).collect::<Vec<_>>()[..]);
    assert_eq!(jb.stats().resets, 1);
}

#[test]
fn a_timestamp_jump_restarts_the_buffer() {
    let mut arrivals = stream(30, 0, 0, |_| Some(20 * MS));
    // Same source, timestamps suddenly an hour ahead.
    arrivals.extend(
        stream(30, 30, 8000 * 3600, |_| Some(20 * MS))
            .into_iter()
            .map(|a| Arrival {
                at: a.at + 600 * MS,
                ..a
            }),
    );
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 1500 * MS);
    let seqs = played(&outs);
    assert_eq!(*seqs.last().unwrap(), 59);
    assert!(seqs.contains(&30));
    assert_eq!(jb.stats().resets, 1);
}

#[test]
fn the_target_delay_follows_the_jitter_within_its_bounds() {
    // Two seconds of heavy jitter (0–120 ms), then ten calm seconds.
    let mut rng = Rng::new(42);
    let jitter: Vec<u64> = (0..600)
        .map(|i| if i < 100 { rng.below(120) } else { 0 })
        .collect();
    let arrivals = stream(600, 0, 0, |i| Some(10 * MS + jitter[i] as u32 * MS));
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals.clone(), 2000 * MS);
    let target = jb.target_delay();
    assert!(
        target >= 100 * MS && target <= 200 * MS,
        "target {target:?}"
    );
    // After the first second, few frames are lost to lateness.
    let lost = count(&outs[50..], Out::Lost);
    assert!(lost <= 8, "{lost} lost in the second second");

    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 12_500 * MS);
    assert_eq!(jb.target_delay(), 40 * MS);
    assert!(
        jb.stats().discarded > 0,
        "the delay came down by dropping frames"
    );
    // At the end, frames play soon after they arrive: the last packet
    // (sent at 11.98 s, arrived 10 ms later) was played by 12.1 s.
    let last = outs.iter().rposition(|o| *o == Out::Played(599)).unwrap();
    assert!(last * 20 + 5 <= 12_100, "played at {} ms", last * 20 + 5);
    // And throughout, what played came in order.
    assert!(played(&outs).windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_target_never_leaves_its_bounds() {
    // Wild jitter, up to a second.
    let mut rng = Rng::new(5);
    let delays: Vec<u64> = (0..300).map(|_| rng.below(1000)).collect();
    let arrivals = stream(300, 0, 0, |i| Some(delays[i] as u32 * MS));
    let mut jb = buffer();
    run(&mut jb, arrivals, 7000 * MS);
    assert_eq!(jb.target_delay(), 200 * MS);
}

#[test]
fn a_quiet_sender_goes_idle_and_its_next_talkspurt_buffers_afresh() {
    // A talkspurt, 2 s of silence suppression (timestamps keep counting),
    // another talkspurt.
    let arrivals = stream(200, 0, 0, |i| (!(50..150).contains(&i)).then_some(20 * MS));
    let mut jb = buffer();
    let outs = run(&mut jb, arrivals, 4200 * MS);
    let seqs = played(&outs);
    assert_eq!(seqs, (0..50).chain(150..200).collect::<Vec<_>>());
    // During the silence: a few Lost frames, then Idle.
    let end_of_first = outs.iter().position(|o| *o == Out::Played(49)).unwrap();
    let start_of_second = outs.iter().position(|o| *o == Out::Played(150)).unwrap();
    let gap = &outs[end_of_first + 1..start_of_second];
    let lost = count(gap, Out::Lost);
    assert!((1..=15).contains(&lost), "{lost} lost frames in the pause");
    assert!(count(gap, Out::Idle) > 80);
}

#[test]
fn memory_is_bounded_when_nobody_pops() {
    let mut jb = buffer();
    let start = Instant::now();
    let mut full = 0;
    for i in 0..1000u32 {
        let payload = [0u8; 160];
        let packet = RtpPacket::new(0, i as u16, i * 160, 1, &payload);
        if jb.push(start + i * 20 * MS, &packet).unwrap() == Pushed::Full {
            full += 1;
        }
        assert!(jb.len() <= 50);
    }
    assert!(full > 0);
    // Oversized payloads are refused outright.
    let big = vec![0u8; 2000];
    assert!(jb.push(start, &RtpPacket::new(0, 1, 1, 1, &big)).is_err());
}

/// Arbitrary sequences of pushes and pops (random sources, numbers,
/// payload sizes and times, with time sometimes going backwards): no
/// panic, the size stays bounded, and what plays was pushed.
#[test]
fn arbitrary_sequences_never_panic() {
    let mut rng = Rng::new(0xfeed);
    for round in 0..200 {
        let config = JitterConfig {
            clock_rate: [8000, 48000, 1, 0][round % 4],
            frame: Duration::from_millis(rng.below(60)),
            min_delay: Duration::from_millis(rng.below(300)),
            max_delay: Duration::from_millis(rng.below(300)),
            max_packets: rng.below(40) as usize,
        };
        let max = config.max_packets.max(1);
        let mut jb = JitterBuffer::new(config);
        let start = Instant::now() + Duration::from_secs(1000);
        let mut now = Duration::from_secs(1000);
        let (mut seq, mut ts) = (rng.next() as u16, rng.next() as u32);
        for _ in 0..500 {
            match rng.below(10) {
                0..=5 => {
                    // Mostly a plausible next packet, sometimes anything.
                    if rng.below(4) == 0 {
                        seq = rng.next() as u16;
                        ts = rng.next() as u32;
                    } else {
                        seq = seq.wrapping_add(rng.below(3) as u16);
                        ts = ts.wrapping_add(rng.below(400) as u32);
                    }
                    let ssrc = if rng.below(50) == 0 {
                        rng.next() as u32
                    } else {
                        7
                    };
                    let len = rng.below(200) as usize;
                    let payload = vec![0xab; len];
                    let packet = RtpPacket::new(0, seq, ts, ssrc, &payload);
                    let _ = jb.push(start - Duration::from_secs(1000) + now, &packet);
                }
                6 => now = now.saturating_sub(Duration::from_millis(rng.below(100))),
                _ => {
                    now += Duration::from_millis(rng.below(45));
                    if let Frame::Audio(frame) = jb.pop(start - Duration::from_secs(1000) + now) {
                        assert!(frame.payload.iter().all(|&b| b == 0xab));
                    }
                }
            }
            assert!(jb.len() <= max);
        }
    }
}
