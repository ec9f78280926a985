//! A call's RTP socket: SRTP when the call agreed SDES keys (RFC 3711,
//! RFC 4568), plain RTP when it did not. Sending protects, receiving
//! checks and opens; a datagram that fails (wrong key, forged, replayed,
//! plain RTP on an SRTP call) is dropped here, so the call never sees it
//! and cannot latch onto its sender. RTCP that arrives is opened as SRTCP
//! (the leg reads none, but it is checked all the same).
//!
//! The keys follow the call's negotiations ([`RtpSocket::set_keys`]): a
//! context whose key did not change is kept, so the indices it used are
//! never used again with that key (a fresh context would reuse
//! keystream after a rollover).

use std::io;
use std::net::SocketAddr;

use civicmeet_sip::sdp::SrtpKeys;
use civicmeet_sip::sdp::crypto::{CryptoSuite, SDES_KEY_LEN, SdesKey};
use civicmeet_sip_media::srtp::{MASTER_KEY_LEN, MASTER_SALT_LEN};
use civicmeet_sip_media::{
    MasterKey, SrtpError, SrtpProfile, SrtpReceiver, SrtpSender, rtcp_packet_type,
};
use tokio::net::UdpSocket;

/// The SRTP of one call, and the keys it was made from.
struct Srtp {
    keys: SrtpKeys,
    sender: SrtpSender,
    receiver: SrtpReceiver,
}

pub struct RtpSocket {
    socket: UdpSocket,
    srtp: Option<Srtp>,
    /// Scratch for a protected or opened packet.
    scratch: Vec<u8>,
}

impl RtpSocket {
    /// Plain RTP until [`RtpSocket::set_keys`] says otherwise.
    pub fn new(socket: UdpSocket) -> RtpSocket {
        RtpSocket {
            socket,
            srtp: None,
            scratch: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Whether media is SRTP now.
    pub fn is_secure(&self) -> bool {
        self.srtp.is_some()
    }

    /// Takes the keys a negotiation agreed (`None`: plain RTP). A
    /// direction whose key and suite did not change keeps its context.
    pub fn set_keys(&mut self, keys: Option<&SrtpKeys>) {
        let Some(keys) = keys else {
            self.srtp = None;
            return;
        };
        let profile = profile(keys);
        let (old_sender, old_receiver) = match self.srtp.take() {
            Some(old) if old.keys.suite == keys.suite => (
                (old.keys.local == keys.local).then_some(old.sender),
                (old.keys.remote == keys.remote).then_some(old.receiver),
            ),
            _ => (None, None),
        };
        self.srtp = Some(Srtp {
            keys: keys.clone(),
            sender: old_sender.unwrap_or_else(|| SrtpSender::new(profile, &master(&keys.local))),
            receiver: old_receiver
                .unwrap_or_else(|| SrtpReceiver::new(profile, &master(&keys.remote))),
        });
    }

    /// The next datagram that is good for this call, opened, into
    /// `buffer`. Cancel-safe: the only wait is the socket's.
    pub async fn recv_from(&mut self, buffer: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        loop {
            let (len, from) = self.socket.recv_from(buffer).await?;
            let Some(srtp) = &mut self.srtp else {
                return Ok((len, from));
            };
            let packet = buffer.get(..len).unwrap_or_default();
            let opened = if rtcp_packet_type(packet).is_some() {
                srtp.receiver.unprotect_rtcp(packet, &mut self.scratch)
            } else {
                srtp.receiver.unprotect_rtp(packet, &mut self.scratch)
            };
            match opened {
                // Opening only removes bytes, so it fits where it came from.
                Ok(()) => {
                    let len = self.scratch.len().min(buffer.len());
                    buffer[..len].copy_from_slice(&self.scratch[..len]);
                    return Ok((len, from));
                }
                Err(e) => tracing::trace!(error = %e, "srtp datagram dropped"),
            }
        }
    }

    /// Sends one RTP packet to `to`, protected when the call has keys.
    /// Like the socket's own `try_send_to`: a full buffer loses this
    /// packet only.
    pub fn try_send_to(&mut self, packet: &[u8], to: SocketAddr) -> io::Result<usize> {
        let Some(srtp) = &mut self.srtp else {
            return self.socket.try_send_to(packet, to);
        };
        srtp.sender
            .protect_rtp(packet, &mut self.scratch)
            .map_err(srtp_error)?;
        self.socket.try_send_to(&self.scratch, to)
    }
}

impl RtpSocket {
    /// Sends one RTCP packet to `to`, as SRTCP when the call has keys.
    pub fn try_send_rtcp_to(&mut self, packet: &[u8], to: SocketAddr) -> io::Result<usize> {
        let Some(srtp) = &mut self.srtp else {
            return self.socket.try_send_to(packet, to);
        };
        srtp.sender
            .protect_rtcp(packet, &mut self.scratch)
            .map_err(srtp_error)?;
        self.socket.try_send_to(&self.scratch, to)
    }
}

/// The media crate's profile for an agreed suite (the two crates name
/// the same RFC 4568 suites).
fn profile(keys: &SrtpKeys) -> SrtpProfile {
    match keys.suite {
        CryptoSuite::AesCm128HmacSha1_80 => SrtpProfile::AesCm128HmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32 => SrtpProfile::AesCm128HmacSha1_32,
    }
}

// An SDES key is the media crate's master key then salt.
const _: () = assert!(SDES_KEY_LEN == MASTER_KEY_LEN + MASTER_SALT_LEN);

fn master(key: &SdesKey) -> MasterKey {
    let bytes = key.bytes();
    // Within the 30 bytes, by the assertion above.
    let master_key = std::array::from_fn(|i| bytes[i]);
    let salt = std::array::from_fn(|i| bytes[MASTER_KEY_LEN + i]);
    MasterKey::new(master_key, salt)
}

fn srtp_error(e: SrtpError) -> io::Error {
    io::Error::other(e)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use civicmeet_sip_media::RtpHeader;

    use super::*;

    fn keys(local: u8, remote: u8) -> SrtpKeys {
        SrtpKeys {
            suite: CryptoSuite::AesCm128HmacSha1_80,
            local: SdesKey::new([local; SDES_KEY_LEN]),
            remote: SdesKey::new([remote; SDES_KEY_LEN]),
        }
    }

    async fn socket() -> RtpSocket {
        RtpSocket::new(UdpSocket::bind("127.0.0.1:0").await.unwrap())
    }

    fn packet(sequence: u16) -> Vec<u8> {
        let header = RtpHeader {
            marker: false,
            payload_type: 0,
            sequence,
            timestamp: u32::from(sequence) * 160,
            ssrc: 0x1234,
        };
        header.to_bytes(&[0x55; 160])
    }

    /// Sends once the socket is known writable (a fresh tokio socket's
    /// `try_send_to` may say WouldBlock before).
    async fn send(socket: &mut RtpSocket, packet: &[u8], to: SocketAddr) {
        socket.socket.writable().await.unwrap();
        socket.try_send_to(packet, to).unwrap();
    }

    async fn receive(socket: &mut RtpSocket) -> Vec<u8> {
        let mut buffer = vec![0u8; 2048];
        let (len, _) = tokio::time::timeout(Duration::from_secs(2), socket.recv_from(&mut buffer))
            .await
            .expect("a datagram in time")
            .unwrap();
        buffer.truncate(len);
        buffer
    }

    #[tokio::test]
    async fn srtp_both_ways_and_what_fails_is_dropped() {
        let (mut phone, mut gateway) = (socket().await, socket().await);
        let (to_phone, to_gateway) = (phone.local_addr().unwrap(), gateway.local_addr().unwrap());
        phone.set_keys(Some(&keys(1, 2)));
        gateway.set_keys(Some(&keys(2, 1)));
        assert!(gateway.is_secure());

        // Encrypted on the wire, opened on arrival.
        send(&mut gateway, &packet(1), to_phone).await;
        let opened = receive(&mut phone).await;
        assert_eq!(opened, packet(1));

        // Plain RTP and a replay to a keyed socket are dropped; the next
        // good packet is what comes out.
        let raw = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        raw.send_to(&packet(2), to_gateway).await.unwrap();
        let mut protected = Vec::new();
        let mut sender =
            SrtpSender::new(SrtpProfile::AesCm128HmacSha1_80, &master(&keys(1, 2).local));
        sender.protect_rtp(&packet(3), &mut protected).unwrap();
        raw.send_to(&protected, to_gateway).await.unwrap();
        raw.send_to(&protected, to_gateway).await.unwrap();
        send(&mut phone, &packet(4), to_gateway).await;
        assert_eq!(receive(&mut gateway).await, packet(3));
        assert_eq!(
            receive(&mut gateway).await,
            packet(4),
            "replay and plain dropped"
        );

        // The same keys again (a re-offer that kept them) keep the
        // contexts; a new remote key replaces the receiver only.
        gateway.set_keys(Some(&keys(2, 1)));
        send(&mut phone, &packet(5), to_gateway).await;
        assert_eq!(receive(&mut gateway).await, packet(5));
        gateway.set_keys(Some(&keys(2, 9)));
        send(&mut phone, &packet(6), to_gateway).await;
        let mut rekeyed = socket().await;
        rekeyed.set_keys(Some(&keys(9, 2)));
        send(&mut rekeyed, &packet(7), to_gateway).await;
        assert_eq!(
            receive(&mut gateway).await,
            packet(7),
            "the old key no longer opens"
        );
        assert!(
            matches!(gateway.try_send_to(&packet(1), to_phone),
                Err(e) if e.kind() == io::ErrorKind::Other),
            "the kept sender never protects an index twice"
        );
        send(&mut gateway, &packet(2), to_phone).await;
        assert_eq!(receive(&mut phone).await, packet(2), "the sender went on");

        // No keys: plain both ways.
        gateway.set_keys(None);
        send(&mut gateway, &packet(8), raw.local_addr().unwrap()).await;
        let mut buffer = vec![0u8; 2048];
        let (len, _) = raw.recv_from(&mut buffer).await.unwrap();
        assert_eq!(&buffer[..len], packet(8));
    }
}
