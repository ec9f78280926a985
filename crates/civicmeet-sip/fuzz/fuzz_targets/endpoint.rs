//! Any bytes, cut into datagrams at each `\0\0`, into an endpoint that
//! accepts every call it hears of (with the time moving on between
//! datagrams): no panic, and everything it sends parses.
#![no_main]

use std::time::{Duration, Instant};

use civicmeet_sip::sdp::LocalMedia;
use civicmeet_sip::{CallEvent, Config, Endpoint, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut now = Instant::now();
    let mut endpoint = Endpoint::new(Config::new("198.51.100.1:5060".parse().unwrap(), 1));
    let local = LocalMedia::new("198.51.100.1".parse().unwrap(), 20_000).with_video(20_002);
    let source = Source::udp("192.0.2.10:5060".parse().unwrap());
    let mut rest = data;
    loop {
        let (datagram, after) = match rest.windows(2).position(|w| w == b"\0\0") {
            Some(at) => (&rest[..at], Some(&rest[at + 2..])),
            None => (rest, None),
        };
        endpoint.handle_datagram(now, source, datagram);
        while let Some(event) = endpoint.poll_event() {
            if let CallEvent::Incoming { call, .. } = event {
                let _ = endpoint.accept(now, call, &local);
            }
        }
        while let Some((_, bytes)) = endpoint.poll_transmit() {
            civicmeet_sip::parse(&bytes).expect("what we send parses");
        }
        now += Duration::from_millis(700);
        endpoint.handle_timeout(now);
        match after {
            Some(after) => rest = after,
            None => break,
        }
    }
});
