//! The UDP ports of a call: one for its audio, and for its video RTP on an
//! even port and RTCP on the one above (RFC 3550 §11), for room systems
//! that do not multiplex them (RFC 5761 `rtcp-mux`, which we take
//! whenever it is offered). Within `sip.rtp_ports` when set, so a
//! firewall can open exactly those; else wherever the system puts them.

use std::io;
use std::net::{IpAddr, SocketAddr};

use civicmeet_sip::sdp::SrtpKeys;
use tokio::net::UdpSocket;

use super::remote_source::RemoteSource;
use super::rtp_socket::RtpSocket;

/// Tries for a free even/odd pair this many times before giving up.
const ATTEMPTS: usize = 16;

/// The ports a call may use: `sip.rtp_ports`, or any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRange {
    Any,
    /// First and last port, both included.
    Within(u16, u16),
}

impl PortRange {
    pub fn from_config(range: Option<(u16, u16)>) -> PortRange {
        match range {
            Some((first, last)) => PortRange::Within(first, last),
            None => PortRange::Any,
        }
    }

    /// The range's ports from a random one on (wrapping round), even
    /// ones only when `even`: where to try binding, in order.
    fn candidates(self, even: bool) -> impl Iterator<Item = u16> {
        let (first, last) = match self {
            PortRange::Within(first, last) => (u32::from(first), u32::from(last)),
            PortRange::Any => (1, 0),
        };
        let size = (last + 1).saturating_sub(first);
        let mut seed = [0u8; 4];
        // Without the OS generator the search starts at the bottom.
        let _ = getrandom::fill(&mut seed);
        let start = if size == 0 {
            0
        } else {
            u32::from_le_bytes(seed) % size
        };
        (0..size)
            .map(move |i| first + (start + i) % size)
            .filter(move |port| !even || port % 2 == 0)
            // Fits: every port is between `first` and `last`, both u16.
            .map(|port| port as u16)
    }
}

/// The audio socket of a call, within `range`.
pub async fn bind_one(ip: IpAddr, range: PortRange) -> io::Result<UdpSocket> {
    if range == PortRange::Any {
        return UdpSocket::bind(SocketAddr::new(ip, 0)).await;
    }
    for port in range.candidates(false) {
        if let Ok(socket) = UdpSocket::bind(SocketAddr::new(ip, port)).await {
            return Ok(socket);
        }
    }
    Err(full())
}

fn full() -> io::Error {
    io::Error::new(
        io::ErrorKind::AddrInUse,
        "every port of sip.rtp_ports is taken",
    )
}

/// An RTP socket on an even port and the RTCP socket on the port above,
/// within `range`.
pub async fn bind_pair(ip: IpAddr, range: PortRange) -> io::Result<(UdpSocket, UdpSocket)> {
    if let PortRange::Within(_, last) = range {
        for port in range.candidates(true).filter(|&port| port < last) {
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(ip, port)).await else {
                continue;
            };
            if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, port + 1)).await {
                return Ok((rtp, rtcp));
            }
        }
        return Err(full());
    }
    let mut last = io::Error::new(io::ErrorKind::AddrInUse, "no free port pair");
    for _ in 0..ATTEMPTS {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let port = rtp.local_addr()?.port();
        if port % 2 == 1 || port == u16::MAX {
            continue;
        }
        match UdpSocket::bind(SocketAddr::new(ip, port + 1)).await {
            Ok(rtcp) => return Ok((rtp, rtcp)),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A call's video sockets (SRTP when the call agreed keys for its video)
/// and where the room system's video comes from.
pub struct VideoSockets {
    pub rtp: RtpSocket,
    pub rtcp: RtpSocket,
    /// Where its video comes from and goes.
    pub peer: RemoteSource,
    /// Where its RTCP goes when not multiplexed.
    pub rtcp_peer: Option<SocketAddr>,
    pub rtcp_mux: bool,
}

impl VideoSockets {
    pub fn new(rtp: UdpSocket, rtcp: UdpSocket) -> VideoSockets {
        VideoSockets {
            rtp: RtpSocket::new(rtp),
            rtcp: RtpSocket::new(rtcp),
            peer: RemoteSource::default(),
            rtcp_peer: None,
            rtcp_mux: false,
        }
    }

    /// Takes the keys the video m-line agreed (`None`: plain RTP).
    pub fn set_keys(&mut self, keys: Option<&SrtpKeys>) {
        self.rtp.set_keys(keys);
        self.rtcp.set_keys(keys);
    }

    /// Sends RTP to the room system; a full buffer or an unreachable
    /// system loses this packet only.
    pub fn send_rtp(&mut self, packet: &[u8]) {
        if let Some(peer) = self.peer.addr() {
            let _ = self.rtp.try_send_to(packet, peer);
        }
    }

    /// Sends RTCP: on the RTP port when multiplexed, else to its RTCP port.
    pub fn send_rtcp(&mut self, packet: &[u8]) {
        let (socket, to) = if self.rtcp_mux {
            (&mut self.rtp, self.peer.addr())
        } else {
            (&mut self.rtcp, self.rtcp_peer)
        };
        if let Some(to) = to {
            let _ = socket.try_send_rtcp_to(packet, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[tokio::test]
    async fn the_pair_is_even_and_odd_next_to_each_other() {
        let (rtp, rtcp) = bind_pair(LOOPBACK, PortRange::Any).await.unwrap();
        let (rtp, rtcp) = (rtp.local_addr().unwrap(), rtcp.local_addr().unwrap());
        assert_eq!(rtp.port() % 2, 0);
        assert_eq!(rtcp.port(), rtp.port() + 1);
    }

    /// A free range of `size` ports on loopback, found by binding its
    /// first port; the test's own sockets fill it.
    async fn free_range(size: u16) -> (u16, u16) {
        loop {
            let probe = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0)).await.unwrap();
            let first = probe.local_addr().unwrap().port() & !1;
            drop(probe);
            if first >= 1024 && first <= u16::MAX - size {
                return (first, first + size - 1);
            }
        }
    }

    #[tokio::test]
    async fn calls_stay_within_the_range_until_it_is_full() {
        let (first, last) = free_range(8).await;
        let range = PortRange::Within(first, last);
        let mut held = Vec::new();
        // Two calls' worth (audio + a video pair) take six of the eight.
        for _ in 0..2 {
            let audio = bind_one(LOOPBACK, range).await;
            let (rtp, rtcp) = bind_pair(LOOPBACK, range).await.unwrap();
            let (rtp_port, rtcp_port) = (
                rtp.local_addr().unwrap().port(),
                rtcp.local_addr().unwrap().port(),
            );
            assert_eq!((rtp_port % 2, rtcp_port), (0, rtp_port + 1));
            assert!((first..=last).contains(&rtp_port) && rtcp_port <= last);
            // Another test may hold a port of the range: then that one is skipped.
            if let Ok(audio) = audio {
                assert!((first..=last).contains(&audio.local_addr().unwrap().port()));
                held.push(audio);
            }
            held.push(rtp);
            held.push(rtcp);
        }
        // Fill what is left, then the range is full: a clear error.
        while let Ok(socket) = bind_one(LOOPBACK, range).await {
            held.push(socket);
        }
        assert!(held.len() <= 8);
        let error = bind_pair(LOOPBACK, range).await.unwrap_err();
        assert!(error.to_string().contains("sip.rtp_ports"), "{error}");
    }
}
