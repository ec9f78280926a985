//! The UDP ports of a call's video: RTP on an even port and RTCP on the
//! one above (RFC 3550 §11), for room systems that do not multiplex them
//! (RFC 5761 `rtcp-mux`, which we take whenever it is offered).

use std::io;
use std::net::{IpAddr, SocketAddr};

use civicmeet_sip::sdp::SrtpKeys;
use tokio::net::UdpSocket;

use super::rtp_socket::RtpSocket;

/// Tries for a free even/odd pair this many times before giving up.
const ATTEMPTS: usize = 16;

/// An RTP socket on an even port and the RTCP socket on the port above.
pub async fn bind_pair(ip: IpAddr) -> io::Result<(UdpSocket, UdpSocket)> {
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
    /// Where its RTP comes from, learnt from the first packet of its
    /// stream (symmetric RTP, for systems behind NAT), else its SDP's.
    pub peer: Option<SocketAddr>,
    pub latched: bool,
    /// Where its RTCP goes when not multiplexed.
    pub rtcp_peer: Option<SocketAddr>,
    pub rtcp_mux: bool,
}

impl VideoSockets {
    pub fn new(rtp: UdpSocket, rtcp: UdpSocket) -> VideoSockets {
        VideoSockets {
            rtp: RtpSocket::new(rtp),
            rtcp: RtpSocket::new(rtcp),
            peer: None,
            latched: false,
            rtcp_peer: None,
            rtcp_mux: false,
        }
    }

    /// Sends RTP to the room system; a full buffer or an unreachable
    /// system loses this packet only.
    /// Takes the keys the video m-line agreed (`None`: plain RTP).
    pub fn set_keys(&mut self, keys: Option<&SrtpKeys>) {
        self.rtp.set_keys(keys);
        self.rtcp.set_keys(keys);
    }

    pub fn send_rtp(&mut self, packet: &[u8]) {
        if let Some(peer) = self.peer {
            let _ = self.rtp.try_send_to(packet, peer);
        }
    }

    /// Sends RTCP: on the RTP port when multiplexed, else to its RTCP port.
    pub fn send_rtcp(&mut self, packet: &[u8]) {
        let (socket, to) = if self.rtcp_mux {
            (&mut self.rtp, self.peer)
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

    #[tokio::test]
    async fn the_pair_is_even_and_odd_next_to_each_other() {
        let (rtp, rtcp) = bind_pair("127.0.0.1".parse().unwrap()).await.unwrap();
        let (rtp, rtcp) = (rtp.local_addr().unwrap(), rtcp.local_addr().unwrap());
        assert_eq!(rtp.port() % 2, 0);
        assert_eq!(rtcp.port(), rtp.port() + 1);
    }
}
