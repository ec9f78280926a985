//! The plain UDP relay: the physical ceiling a media server is compared to.
//!
//! It does nothing but receive datagrams in batches (`recvmmsg`) and send
//! each to the other members of the sender's room in batches (`sendmmsg`),
//! through the same `udp-batch` crate as civicmeet's media task: no ICE,
//! no DTLS, no SRTP, no RTCP, no parsing beyond one join message. Whatever
//! a real server spends beyond this is the cost of being one.
//!
//! Protocol: a datagram `JOIN` + room (u32, big endian) makes its source a
//! member of that room (again is harmless: clients repeat it as a
//! keep-alive). Any other datagram from a member goes to every other
//! member of its room; datagrams from strangers are dropped.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use udp_batch::{RecvBatch, SendBatch};

/// The join message's prefix.
pub const JOIN: &[u8; 4] = b"JOIN";
/// Datagrams taken per `recvmmsg`.
const BATCH: usize = 64;
/// The largest datagram relayed in full.
const MAX_DATAGRAM: usize = 2048;

/// The join message for `room`.
pub fn join_message(room: u32) -> [u8; 8] {
    let mut m = [0u8; 8];
    m[..4].copy_from_slice(JOIN);
    m[4..].copy_from_slice(&room.to_be_bytes());
    m
}

/// What the relay did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counters {
    pub received: u64,
    pub sent: u64,
    pub dropped: u64,
}

/// Rooms and their members.
#[derive(Default)]
struct Rooms {
    room_of: HashMap<SocketAddr, u32>,
    members: HashMap<u32, Vec<SocketAddr>>,
}

impl Rooms {
    fn join(&mut self, addr: SocketAddr, room: u32) {
        if let Some(old) = self.room_of.insert(addr, room) {
            if old == room {
                return;
            }
            if let Some(list) = self.members.get_mut(&old) {
                list.retain(|a| *a != addr);
            }
        }
        self.members.entry(room).or_default().push(addr);
    }

    /// The members a datagram from `from` goes to (none for strangers).
    fn others(&self, from: SocketAddr) -> impl Iterator<Item = SocketAddr> + '_ {
        self.room_of
            .get(&from)
            .and_then(|room| self.members.get(room))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |a| *a != from)
    }
}

/// Relays on `socket` until `stop` is set (checked at least every 100 ms).
pub fn run(socket: &UdpSocket, stop: &AtomicBool) -> io::Result<Counters> {
    // A read timeout lets the loop see `stop` when nothing arrives.
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut rooms = Rooms::default();
    let mut counters = Counters::default();
    let mut received = RecvBatch::new(BATCH, MAX_DATAGRAM);
    let mut sender = SendBatch::new();

    while !stop.load(Ordering::Relaxed) {
        match received.recv_waiting(socket) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                        | io::ErrorKind::ConnectionRefused
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        }
        // The copies of this batch: destination and the received bytes
        // themselves (no copy; sendmmsg reads them where recvmmsg put them).
        let mut datagrams: Vec<(SocketAddr, &[u8])> = Vec::new();
        for (from, data) in received.iter() {
            counters.received += 1;
            if data.len() == 8 && data[..4] == JOIN[..] {
                let room = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                rooms.join(from, room);
                continue;
            }
            let before = datagrams.len();
            datagrams.extend(rooms.others(from).map(|to| (to, data)));
            if datagrams.len() == before {
                counters.dropped += 1;
            }
        }
        let mut done = 0;
        while done < datagrams.len() {
            match sender.send_waiting(socket, &datagrams[done..]) {
                Ok(taken) => {
                    done += taken;
                    // A member's port closed and ICMP came back: those
                    // copies were skipped, the rest went.
                    let skipped = sender.skipped();
                    counters.sent += (taken - skipped) as u64;
                    counters.dropped += skipped as u64;
                }
                Err(_) => {
                    counters.dropped += (datagrams.len() - done) as u64;
                    break;
                }
            }
        }
    }
    Ok(counters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_datagram_reaches_the_others_of_its_room_only() {
        let relay = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = relay.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopper = stop.clone();
        let thread = std::thread::spawn(move || run(&relay, &stopper).unwrap());
        let peers: Vec<UdpSocket> = (0..4)
            .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        for (i, p) in peers.iter().enumerate() {
            p.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let room = if i < 3 { 1 } else { 2 };
            p.send_to(&join_message(room), addr).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
        peers[0].send_to(b"hello", addr).unwrap();
        let mut buf = [0u8; 16];
        for p in &peers[1..3] {
            let (n, _) = p.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"hello");
        }
        assert!(peers[3].recv_from(&mut buf).is_err(), "another room");
        stop.store(true, Ordering::Relaxed);
        let counters = thread.join().unwrap();
        assert_eq!(counters.sent, 2);
    }
}
