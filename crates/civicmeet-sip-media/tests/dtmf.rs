//! RFC 4733 telephone-events: each key press reported once, whichever of
//! its packets get through.

mod common;

use civicmeet_sip_media::{DtmfKey, DtmfReceiver, Error, RtpPacket, TelephoneEvent};
use common::Rng;

/// The packets a phone sends for one press: a start (marker), updates
/// every 20 ms, and the end three times (RFC 4733 §2.5.1.4).
fn press(key: char, timestamp: u32, seq: &mut u16) -> Vec<(u16, u32, [u8; 4])> {
    let event = DtmfKey::from_char(key).unwrap().event();
    let mut packets = Vec::new();
    for step in 1..=5u16 {
        let end = step == 5;
        let block = TelephoneEvent {
            event,
            end,
            volume: 10,
            duration: step * 160,
        };
        for _ in 0..if end { 3 } else { 1 } {
            packets.push((*seq, timestamp, block.to_bytes()));
            *seq = seq.wrapping_add(1);
        }
    }
    packets
}

fn feed(receiver: &mut DtmfReceiver, ssrc: u32, packets: &[(u16, u32, [u8; 4])]) -> String {
    packets
        .iter()
        .filter_map(|(seq, ts, payload)| {
            let packet = RtpPacket::new(101, *seq, *ts, ssrc, payload);
            receiver.handle(&packet).unwrap()
        })
        .map(DtmfKey::as_char)
        .collect()
}

#[test]
fn the_payload_parses_and_builds() {
    let event = TelephoneEvent::parse(&[5, 0x8a, 0x03, 0x20]).unwrap();
    assert_eq!(
        event,
        TelephoneEvent {
            event: 5,
            end: true,
            volume: 10,
            duration: 800
        }
    );
    assert_eq!(event.to_bytes(), [5, 0x8a, 0x03, 0x20]);
    // The reserved bit is ignored; extra blocks too.
    assert_eq!(
        TelephoneEvent::parse(&[1, 0x40, 0, 0, 9, 9, 9, 9])
            .unwrap()
            .event,
        1
    );
    for len in 0..4 {
        assert_eq!(
            TelephoneEvent::parse(&[0; 3][..len]),
            Err(Error::EventTooShort(len))
        );
    }
}

#[test]
fn the_sixteen_keys() {
    let keys = "0123456789*#ABCD";
    for (event, key) in keys.chars().enumerate() {
        let dtmf = DtmfKey::from_event(event as u8).unwrap();
        assert_eq!(dtmf.as_char(), key);
        assert_eq!(DtmfKey::from_char(key), Some(dtmf));
        assert_eq!(DtmfKey::from_char(key.to_ascii_lowercase()), Some(dtmf));
    }
    assert_eq!(DtmfKey::from_event(16), None);
    assert_eq!(DtmfKey::from_char('E'), None);
}

#[test]
fn a_press_is_reported_once() {
    let mut seq = 1;
    let mut receiver = DtmfReceiver::new();
    assert_eq!(feed(&mut receiver, 9, &press('7', 1000, &mut seq)), "7");
}

#[test]
fn a_press_whose_start_was_lost_is_reported_by_its_end() {
    let mut seq = 1;
    let packets = press('#', 1000, &mut seq);
    let mut receiver = DtmfReceiver::new();
    // Only the three end packets arrive.
    assert_eq!(feed(&mut receiver, 9, &packets[4..]), "#");
    // Only the last of them.
    let mut receiver = DtmfReceiver::new();
    assert_eq!(feed(&mut receiver, 9, &packets[6..]), "#");
}

#[test]
fn a_pin_typed_on_a_lossy_line_arrives_whole() {
    let mut rng = Rng::new(4733);
    let mut seq = 500;
    let mut packets = Vec::new();
    // Same key twice in a row is two presses (new timestamps).
    for (i, key) in "1244#".chars().enumerate() {
        packets.extend(press(key, 8000 * i as u32, &mut seq));
    }
    // Drop about half the packets, but never every packet of a press.
    let mut kept = Vec::new();
    for chunk in packets.chunks(7) {
        let keep: Vec<_> = chunk
            .iter()
            .filter(|_| rng.below(2) == 0)
            .copied()
            .collect();
        if keep.is_empty() {
            kept.push(chunk[6]);
        } else {
            kept.extend(keep);
        }
    }
    let mut receiver = DtmfReceiver::new();
    assert_eq!(feed(&mut receiver, 3, &kept), "1244#");
}

#[test]
fn a_straggler_of_an_earlier_press_is_ignored() {
    let mut seq = 1;
    let first = press('1', 1000, &mut seq);
    let second = press('2', 9000, &mut seq);
    let mut packets = first[..6].to_vec();
    packets.extend_from_slice(&second[..2]);
    // The first press's last end packet, reordered behind the second.
    packets.push(first[6]);
    packets.extend_from_slice(&second[2..]);
    let mut receiver = DtmfReceiver::new();
    assert_eq!(feed(&mut receiver, 1, &packets), "12");
}

#[test]
fn timestamps_wrap_and_sources_change() {
    let mut seq = 65530;
    let mut packets = press('5', u32::MAX - 100, &mut seq);
    packets.extend(press('6', 200, &mut seq));
    let mut receiver = DtmfReceiver::new();
    assert_eq!(feed(&mut receiver, 1, &packets), "56");
    // A new source starts over, even with a smaller timestamp.
    assert_eq!(feed(&mut receiver, 2, &press('9', 50, &mut seq)), "9");
}

#[test]
fn events_that_are_not_keys_report_nothing() {
    let flash = TelephoneEvent {
        event: 16,
        end: false,
        volume: 0,
        duration: 160,
    }
    .to_bytes();
    let mut receiver = DtmfReceiver::new();
    let packet = RtpPacket::new(101, 1, 1000, 1, &flash);
    assert_eq!(receiver.handle(&packet), Ok(None));
    let short = RtpPacket::new(101, 2, 2000, 1, &[1, 2]);
    assert_eq!(receiver.handle(&short), Err(Error::EventTooShort(2)));
}

/// Random payloads, timestamps and sources: no panic, errors only for
/// short payloads, and a packet that repeats the previous one's source
/// and timestamp is never a new press.
#[test]
fn arbitrary_packets_never_panic_or_repeat_a_press() {
    let mut rng = Rng::new(0xd7f);
    let mut receiver = DtmfReceiver::new();
    let mut previous: Option<(u32, u32)> = None;
    let mut presses = 0;
    let mut ts = 0u32;
    for _ in 0..50_000 {
        let len = rng.below(8) as usize;
        let payload = rng.bytes(len);
        ts = match rng.below(5) {
            0 => rng.next() as u32,
            1 => ts.wrapping_sub(rng.below(2000) as u32),
            2 => ts,
            _ => ts.wrapping_add(rng.below(2000) as u32),
        };
        let ssrc = rng.below(3) as u32;
        let packet = RtpPacket::new(101, rng.next() as u16, ts, ssrc, &payload);
        match receiver.handle(&packet) {
            Ok(Some(key)) => {
                assert!(key.event() <= 15);
                assert_ne!(previous, Some((ssrc, ts)), "a press reported twice");
                presses += 1;
            }
            Ok(None) => {}
            Err(error) => {
                assert_eq!(error, Error::EventTooShort(len));
                continue;
            }
        }
        previous = Some((ssrc, ts));
    }
    assert!(presses > 1000, "{presses}");
}
