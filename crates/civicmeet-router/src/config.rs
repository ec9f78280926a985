//! What the router needs to know about its surroundings.

use std::net::SocketAddr;

/// Router settings. The shell builds this from the server config.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// The address the router's UDP socket is bound to. Datagrams the
    /// router emits leave from here.
    pub local_addr: SocketAddr,
    /// The addresses announced to browsers as ICE host candidates. Usually
    /// `local_addr`; on a LAN or behind 1:1 NAT the address clients reach,
    /// with the same port.
    pub candidate_addrs: Vec<SocketAddr>,
    /// Addresses announced as passive ICE-TCP candidates (RFC 6544): where
    /// the shell accepts TCP connections for browsers that cannot use UDP
    /// (a firewall that lets only TCP 443 out). Empty: UDP only.
    pub tcp_candidate_addrs: Vec<SocketAddr>,
    /// Whether each subscriber's bandwidth is estimated (str0m's TWCC
    /// estimator and pacer), so simulcast layers fit the link. Without
    /// it, tiles alone choose layers. The estimator's pacer costs a
    /// `handle_timeout` of the subscriber's `Rtc` per packet sent, which
    /// grows with the tracks it receives: in large audio meetings (50
    /// people) it is most of the server's work (BENCHMARKS.md).
    pub bandwidth_estimation: bool,
}

impl RouterConfig {
    /// A router reached at the address it is bound to.
    pub fn new(local_addr: SocketAddr) -> RouterConfig {
        RouterConfig {
            local_addr,
            candidate_addrs: vec![local_addr],
            tcp_candidate_addrs: Vec::new(),
            bandwidth_estimation: true,
        }
    }
}
