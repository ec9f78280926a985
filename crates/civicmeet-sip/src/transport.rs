//! How messages travel: UDP, or a stream (TCP, TLS). Over a stream nothing
//! is retransmitted (RFC 3261 §17.1.1.2, §17.2.1): the transport delivers
//! or the connection fails — except a 2xx to INVITE, which the UAS core
//! retransmits whatever the transport, for UDP hops behind it (§13.3.1.4).

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
}

impl Transport {
    /// Whether the transport delivers by itself (no retransmission timers).
    pub const fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The name in a Via's sent-protocol (`SIP/2.0/UDP`).
    pub const fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }
}

/// Where a message came from, and so where its answers go: the address,
/// and over which transport (for a stream, the shell keeps the connection
/// to that address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source {
    pub transport: Transport,
    pub addr: SocketAddr,
}

impl Source {
    pub fn udp(addr: SocketAddr) -> Source {
        Source {
            transport: Transport::Udp,
            addr,
        }
    }

    pub fn tcp(addr: SocketAddr) -> Source {
        Source {
            transport: Transport::Tcp,
            addr,
        }
    }

    pub fn tls(addr: SocketAddr) -> Source {
        Source {
            transport: Transport::Tls,
            addr,
        }
    }
}
