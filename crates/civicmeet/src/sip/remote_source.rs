//! Where a caller's media comes from and goes to (symmetric RTP, RFC
//! 4961): the address its SDP gave until its first packet of the call's
//! stream arrives, then that packet's source (a phone behind NAT sends
//! from an address its SDP cannot know), and only that source after.

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteSource {
    addr: Option<SocketAddr>,
    learnt: bool,
}

impl RemoteSource {
    /// A new address from the SDP (a new call, or a re-offer that moved
    /// the media): send there, and learn the source anew.
    pub fn expect(&mut self, sdp: Option<SocketAddr>) {
        self.addr = sdp;
        self.learnt = false;
    }

    /// Whether a datagram from `source` is the caller's. Until the source
    /// is learnt, one that `is_ours` (RTP of the call's stream) teaches
    /// it; after, datagrams from anywhere else are someone else's.
    pub fn admit(&mut self, source: SocketAddr, is_ours: impl FnOnce() -> bool) -> bool {
        if self.learnt {
            return self.addr == Some(source);
        }
        if !is_ours() {
            return false;
        }
        self.addr = Some(source);
        self.learnt = true;
        true
    }

    /// Where to send.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    #[test]
    fn the_first_packet_of_the_stream_teaches_the_address_and_others_are_refused() {
        let mut remote = RemoteSource::default();
        remote.expect(Some(at(4000)));
        assert_eq!(remote.addr(), Some(at(4000)), "the SDP's until learnt");
        assert!(!remote.admit(at(5000), || false), "not the call's stream");
        assert_eq!(remote.addr(), Some(at(4000)));
        assert!(remote.admit(at(5000), || true), "behind NAT: learnt");
        assert_eq!(remote.addr(), Some(at(5000)));
        assert!(
            remote.admit(at(5000), || false),
            "from there, anything goes"
        );
        assert!(!remote.admit(at(6000), || true), "someone else's");
        remote.expect(Some(at(4002)));
        assert!(remote.admit(at(6000), || true), "a re-offer: learnt anew");
        assert_eq!(remote.addr(), Some(at(6000)));
    }
}
