//! The plain UDP relay: the physical ceiling a media server is compared to.
//!
//! It does nothing but receive datagrams in batches (`recvmmsg`) and send
//! each to the other members of the sender's room in batches (`sendmmsg`):
//! no ICE, no DTLS, no SRTP, no RTCP, no parsing beyond one join message.
//! Whatever a real server spends beyond this is the cost of being one.
//!
//! Protocol: a datagram `JOIN` + room (u32, big endian) makes its source a
//! member of that room (again is harmless: clients repeat it as a
//! keep-alive). Any other datagram from a member goes to every other
//! member of its room; datagrams from strangers are dropped. IPv4 only,
//! Linux only (`recvmmsg`/`sendmmsg` through `libc`).

use std::collections::HashMap;
use std::io;
use std::mem;
use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The join message's prefix.
pub const JOIN: &[u8; 4] = b"JOIN";
/// Datagrams taken per `recvmmsg`.
const BATCH: usize = 64;
/// The largest datagram relayed in full.
const MAX_DATAGRAM: usize = 2048;
/// `sendmmsg` takes at most this many messages per call (UIO_MAXIOV).
const MAX_SEND: usize = 1024;

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
    room_of: HashMap<SocketAddrV4, u32>,
    members: HashMap<u32, Vec<SocketAddrV4>>,
}

impl Rooms {
    fn join(&mut self, addr: SocketAddrV4, room: u32) {
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
    fn others(&self, from: SocketAddrV4) -> impl Iterator<Item = SocketAddrV4> + '_ {
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
    let fd = socket.as_raw_fd();
    let mut rooms = Rooms::default();
    let mut counters = Counters::default();
    let mut bufs = vec![[0u8; MAX_DATAGRAM]; BATCH];
    // SAFETY (all zeroed below): sockaddr_in and mmsghdr are plain C
    // structs for which all-zero bytes are a valid value.
    let mut names: Vec<libc::sockaddr_in> = vec![unsafe { mem::zeroed() }; BATCH];
    let mut iovs: Vec<libc::iovec> = Vec::with_capacity(BATCH);
    for buf in &mut bufs {
        iovs.push(libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: MAX_DATAGRAM,
        });
    }
    let mut headers: Vec<libc::mmsghdr> = vec![unsafe { mem::zeroed() }; BATCH];
    // Destinations of one batch: where each copy goes and from which buffer.
    let mut out: Vec<(usize, usize, libc::sockaddr_in)> = Vec::new();

    while !stop.load(Ordering::Relaxed) {
        for i in 0..BATCH {
            headers[i] = unsafe { mem::zeroed() };
            headers[i].msg_hdr.msg_name = (&mut names[i] as *mut libc::sockaddr_in).cast();
            headers[i].msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_in>() as u32;
            headers[i].msg_hdr.msg_iov = &mut iovs[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at a live name and iovec above, each
        // iovec at its own buffer of MAX_DATAGRAM bytes; BATCH headers.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                headers.as_mut_ptr(),
                BATCH as u32,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut
                | io::ErrorKind::Interrupted
                | io::ErrorKind::ConnectionRefused => continue,
                _ => return Err(err),
            }
        }
        out.clear();
        for i in 0..n as usize {
            counters.received += 1;
            let len = (headers[i].msg_len as usize).min(MAX_DATAGRAM);
            let from = from_sockaddr(&names[i]);
            let data = &bufs[i][..len];
            if len == 8 && data[..4] == JOIN[..] {
                let room = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                rooms.join(from, room);
                continue;
            }
            let before = out.len();
            for to in rooms.others(from) {
                out.push((i, len, to_sockaddr(to)));
            }
            if out.len() == before {
                counters.dropped += 1;
            }
        }
        send_all(fd, &mut bufs, &mut out, &mut counters);
    }
    Ok(counters)
}

/// Sends every copy in `out` with as few `sendmmsg` calls as it takes.
fn send_all(
    fd: i32,
    bufs: &mut [[u8; MAX_DATAGRAM]],
    out: &mut [(usize, usize, libc::sockaddr_in)],
    counters: &mut Counters,
) {
    let mut iovs: Vec<libc::iovec> = Vec::with_capacity(out.len());
    for (buf, len, _) in out.iter() {
        iovs.push(libc::iovec {
            iov_base: bufs[*buf].as_mut_ptr().cast(),
            iov_len: *len,
        });
    }
    let mut headers: Vec<libc::mmsghdr> = Vec::with_capacity(out.len());
    for (i, (_, _, name)) in out.iter_mut().enumerate() {
        // SAFETY: all-zero is a valid mmsghdr.
        let mut h: libc::mmsghdr = unsafe { mem::zeroed() };
        h.msg_hdr.msg_name = (name as *mut libc::sockaddr_in).cast();
        h.msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_in>() as u32;
        h.msg_hdr.msg_iov = &mut iovs[i];
        h.msg_hdr.msg_iovlen = 1;
        headers.push(h);
    }
    let mut done = 0;
    while done < headers.len() {
        let chunk = (headers.len() - done).min(MAX_SEND);
        // SAFETY: headers[done..done + chunk] point at live names, iovecs
        // and buffers owned by this function's caller and locals.
        let n = unsafe { libc::sendmmsg(fd, headers[done..].as_mut_ptr(), chunk as u32, 0) };
        if n <= 0 {
            // The first message of the chunk failed (e.g. a member's port
            // closed and ICMP came back): skip it, keep the rest.
            counters.dropped += 1;
            done += 1;
        } else {
            counters.sent += n as u64;
            done += n as usize;
        }
    }
}

fn from_sockaddr(name: &libc::sockaddr_in) -> SocketAddrV4 {
    SocketAddrV4::new(
        u32::from_be(name.sin_addr.s_addr).into(),
        u16::from_be(name.sin_port),
    )
}

fn to_sockaddr(addr: SocketAddrV4) -> libc::sockaddr_in {
    // SAFETY: all-zero is a valid sockaddr_in; the fields are set below.
    let mut name: libc::sockaddr_in = unsafe { mem::zeroed() };
    name.sin_family = libc::AF_INET as libc::sa_family_t;
    name.sin_port = addr.port().to_be();
    name.sin_addr.s_addr = u32::from(*addr.ip()).to_be();
    name
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
