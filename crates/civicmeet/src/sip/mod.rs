//! The SIP gateway (issue 7): phones and room systems dial a meeting's
//! number and take part with audio, as participants like any other.
//!
//! `shell` owns the SIP socket and the sans-IO `civicmeet_sip::Endpoint`;
//! every call gets a task (`call`) that looks up the meeting by its dial
//! number, answers, and then joins the meeting *exactly as a browser
//! does*: a guest link of its own, the server's meeting WebSocket over
//! loopback (`meeting_client`), and WebRTC to the server's media port
//! (`webrtc_leg`, a str0m client). So the waiting room, PINs, host mute,
//! remove and end apply to phones with no special case in signalling or
//! the router; the gateway only translates their outcome into SIP (BYE).
//! PINs are typed on the keypad (`pin`: RFC 4733 telephone-events or SIP
//! INFO).
//!
//! Audio (`audio_in`, `audio_out`, sans-IO, on a 20 ms tick per call):
//! the phone's RTP → jitter buffer → decode or conceal → 48 kHz → Opus →
//! the leg's one published track; the others' Opus frames → decode → sum
//! (the router never sends the leg its own voice, so the sum is the
//! mix-minus) → the phone's rate → encode → RTP to the phone.
//!
//! The caller hears voice prompts (`crate::prompts`) where a browser
//! would show a text: enter the PIN, wrong PIN, please wait, and why the
//! call ends. In the meeting, `*6` switches the caller's microphone off
//! and on (`keypad`), also after a host muted it. When the server speaks TLS, the leg's socket does too
//! (`loopback_tls`: it trusts exactly the server's own certificate).
//!
//! SIP comes over UDP, TCP (`tcp`, same port) and TLS (`sip.tls_listen`,
//! its certificate `tls`'s, its connections `tcp`'s). Calls over TLS that
//! offer SRTP with SDES keys get it (`rtp_socket` protects and
//! unprotects; `media_security` draws our keys); `sip.plain_rtp = false`
//! refuses every other call with 488.
//!
//! Video (`video`, sans-IO, and `media_ports`): a room system's camera
//! (VP8 or H.264 RTP) is depacketized into whole frames and published as
//! the leg's video track in its own codec; the room system sees one
//! picture of the meeting (a shared screen, else the active speaker),
//! which the leg asks the router for as its one visible tile, forwarded
//! when the codecs match and transcoded from VP8 to H.264
//! (`civicmeet-transcode`) when the room system takes only H.264.
//! Keyframe requests cross over both ways: the router's PLI becomes RTCP
//! PLI/FIR and a SIP INFO picture_fast_update to the room system; its
//! PLI/FIR/INFO becomes a PLI to the shown track's publisher (or an IDR
//! of our own encoder when we transcode).
//!
//! Logs name the call (`call-N`) and the meeting's short id only: no
//! numbers, names or addresses of callers.
//!
//! A hearing's recording notice is read to the caller, who confirms it
//! with `1` (read three times, then the call ends unconfirmed).
//!
//! Calls' RTP ports come from `sip.rtp_ports` when it is set
//! (`media_ports`), for a firewall to open.
//!
//! The meeting's picture reaches a room system in the codec it took:
//! forwarded, or transcoded either way (`picture_transcode`).

mod audio_in;
mod audio_out;
mod call;
mod caller;
mod camera_transcode;
mod dial_out;
mod keypad;
mod loopback_tls;
mod media_ports;
mod media_security;
mod meeting_client;
mod msid;
mod picture_transcode;
mod pin;
mod remote_source;
mod rtp_socket;
mod shell;
mod tcp;
mod tls;
mod track_queue;
mod video;
mod webrtc_leg;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use civicmeet_sip::Endpoint;
use civicmeet_store::Store;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::signalling::pre_admitted::PreAdmitted;

pub use dial_out::{DialOutRequest, DialOuts};

/// What every call task needs: where to reach the server itself, and the
/// way back to the shell.
pub(crate) struct Gateway {
    store: Store,
    /// The server's own HTTP address, as a client reaches it (an
    /// unspecified listen address becomes loopback).
    http: SocketAddr,
    /// TLS for the meeting socket when the server speaks TLS.
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The server's media UDP address, as a client reaches it.
    media: SocketAddr,
    /// The IP the calls' own sockets bind (RTP to phones, WebRTC to the
    /// router): the SIP listen IP.
    local_ip: IpAddr,
    /// The IP phones send RTP to (SDP `c=`).
    public_ip: IpAddr,
    /// `sip.plain_rtp`: whether calls may carry plain RTP.
    plain_rtp: bool,
    /// `sip.rtp_ports`: where calls' RTP sockets bind.
    rtp_ports: media_ports::PortRange,
    /// `sip.transcode_h264`: a room system's H.264 camera goes into the
    /// meeting as VP8.
    transcode_h264: bool,
    /// `sip.media_timeout_secs`: a call silent this long is over.
    media_timeout: std::time::Duration,
    commands: mpsc::UnboundedSender<shell::Command>,
    /// Links of dialled-out calls, let in without PIN or waiting room.
    pre_admitted: Arc<PreAdmitted>,
}

/// Why SIP could not start.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("cannot open the SIP port {addr} (sip.listen): {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the SIP TLS port {addr} (sip.tls_listen): {source}")]
    BindTls {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("SIP TLS certificate: {0}")]
    Certificate(String),
    #[error("the system random number generator failed")]
    Random,
    #[error("cannot trust the server's own certificate for SIP calls: {0}")]
    Tls(String),
    #[error("meeting signalling: {0}")]
    Signalling(String),
    #[error("media connection: {0}")]
    WebRtc(String),
}

/// The SIP socket, bound but not yet serving.
pub struct SipSocket {
    socket: UdpSocket,
    /// TCP on the same port (RFC 3261 §18: a server takes both).
    listener: TcpListener,
    addr: SocketAddr,
    public_ip: IpAddr,
    /// SIP over TLS: its listener and certificate, when on.
    tls: Option<(TcpListener, Arc<rustls::ServerConfig>)>,
}

impl SipSocket {
    /// Binds `sip.listen`; `None` when SIP is off.
    pub async fn bind(config: &Config) -> Result<Option<SipSocket>, SipError> {
        let (Some(listen), Some(public_ip)) = (config.sip.listen_addr(), config.sip.public_ip())
        else {
            return Ok(None);
        };
        let bind_error = |source| SipError::Bind {
            addr: listen,
            source,
        };
        // Port 0 asks for any port free for both UDP and TCP: the port the
        // system picks for UDP may be someone's TCP port, so try a few.
        let attempts = if listen.port() == 0 { 16 } else { 1 };
        let mut attempt = 0;
        let (socket, listener, addr) = loop {
            attempt += 1;
            let socket = UdpSocket::bind(listen).await.map_err(bind_error)?;
            let addr = socket.local_addr().map_err(bind_error)?;
            match TcpListener::bind(addr).await {
                Ok(listener) => break (socket, listener, addr),
                Err(source)
                    if attempt < attempts && source.kind() == std::io::ErrorKind::AddrInUse => {}
                Err(source) => return Err(SipError::Bind { addr, source }),
            }
        };
        let tls = match (config.sip.tls_listen_addr(), tls::server_config(config)?) {
            (Some(tls_listen), Some(server)) => {
                let listener =
                    TcpListener::bind(tls_listen)
                        .await
                        .map_err(|source| SipError::BindTls {
                            addr: tls_listen,
                            source,
                        })?;
                Some((listener, server))
            }
            _ => None,
        };
        Ok(Some(SipSocket {
            socket,
            listener,
            addr,
            public_ip,
            tls,
        }))
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound SIP TLS address; `None` when SIP TLS is off.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        let (listener, _) = self.tls.as_ref()?;
        listener.local_addr().ok()
    }

    /// Starts serving SIP: calls join meetings through the server at
    /// `http` (its meeting WebSocket, over TLS when `config` says so) and
    /// `media` (its UDP media port).
    pub fn start(
        self,
        config: &Config,
        store: Store,
        http: SocketAddr,
        media: SocketAddr,
        pre_admitted: Arc<PreAdmitted>,
    ) -> Result<(tokio::task::JoinHandle<()>, DialOuts), SipError> {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).map_err(|_| SipError::Random)?;
        let public_addr = SocketAddr::new(self.public_ip, self.addr.port());
        let mut endpoint_config = civicmeet_sip::Config::new(public_addr, u64::from_le_bytes(seed));
        endpoint_config.tls_addr = self
            .tls_addr()
            .map(|tls| SocketAddr::new(self.public_ip, tls.port()));
        let endpoint = Endpoint::new(endpoint_config);
        let (commands, receiver) = mpsc::unbounded_channel();
        let gateway = Arc::new(Gateway {
            store,
            http: reachable(http),
            tls: loopback_tls::client_config(config)?,
            media: reachable(media),
            local_ip: self.addr.ip(),
            public_ip: self.public_ip,
            plain_rtp: config.sip.plain_rtp,
            rtp_ports: media_ports::PortRange::from_config(config.sip.rtp_port_range()),
            transcode_h264: config.sip.transcode_h264,
            media_timeout: std::time::Duration::from_secs(config.sip.media_timeout_secs),
            commands,
            pre_admitted,
        });
        let dial_outs = DialOuts::new(gateway.clone());
        tracing::info!(addr = %self.addr, "sip listening (udp and tcp)");
        let (stream_events, stream_receiver) = mpsc::channel(tcp::MAX_CONNECTIONS);
        if let Some(tls_addr) = self.tls_addr() {
            tracing::info!(addr = %tls_addr, plain_rtp = config.sip.plain_rtp, "sip listening (tls)");
        }
        if let Some((listener, server)) = self.tls {
            let acceptor = tokio_rustls::TlsAcceptor::from(server);
            tokio::spawn(tcp::accept(listener, Some(acceptor), stream_events.clone()));
        }
        tokio::spawn(tcp::accept(self.listener, None, stream_events));
        let task = tokio::spawn(shell::run(
            self.socket,
            stream_receiver,
            endpoint,
            gateway,
            receiver,
        ));
        Ok((task, dial_outs))
    }
}

/// A listen address as a client on this host reaches it: an unspecified
/// IP (`0.0.0.0`, `::`) becomes loopback of the same family.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}
