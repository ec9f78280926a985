//! SIP over TLS with SRTP keyed by SDES (RFC 4568), through the running
//! server: a phone on a TLS connection (trusting the server's certificate
//! and nothing else) offers RTP/SAVP with its key, the answer carries the
//! server's, and audio flows encrypted both ways — the test opens what the
//! server sends with the media crate's SRTP receiver under the key of the
//! answer. Calls that cannot have SRTP are refused with 488 where the
//! configuration or RFC 4568 §8.3 asks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civicmeet::Config;
use civicmeet_sip::StreamFramer;
use civicmeet_sip::sdp::Protocol;
use civicmeet_sip::sdp::crypto::{CryptoSuite, parse_crypto};
use civicmeet_sip_media::{
    AudioDecoder, AudioEncoder, Codec, MasterKey, Packetizer, RtpPacket, SrtpProfile, SrtpReceiver,
    SrtpSender,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::net::{TcpStream, UdpSocket};

use crate::common::TestApp;
use crate::sip::{
    Phone, Signalling, heard, is_speech, meeting_with_number, power_at, spawn_sip_app, status,
    tone, tone_peer,
};

/// The phone's SDES key: key then salt, 30 bytes.
const PHONE_KEY: [u8; 30] = *b"phone-master-key-16phone-salt!";

/// A server with SIP on UDP/TCP and TLS, SIP's own certificate (made
/// here) and the given `plain_rtp`; the certificate's PEM comes back for
/// the phone to trust.
async fn spawn_tls_app(plain_rtp: bool) -> (TestApp, Vec<u8>, tempfile::TempDir) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert_pem = pem("CERTIFICATE", made.cert.der());
    let key_pem = pem("PRIVATE KEY", &made.signing_key.serialize_der());
    let (app, _, temp) = crate::sip::spawn_sip_app_with(|config| {
        let folder = config.storage.data_dir.clone();
        let (cert, key) = (folder.join("sip.pem"), folder.join("sip.key"));
        std::fs::write(&cert, &cert_pem).unwrap();
        std::fs::write(&key, key_pem).unwrap();
        config.sip.tls_listen = "127.0.0.1:0".to_owned();
        config.sip.cert_file = cert;
        config.sip.key_file = key;
        config.sip.plain_rtp = plain_rtp;
    })
    .await;
    (app, cert_pem.into_bytes(), temp)
}

/// PEM text of one DER object.
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A TLS connection to `server` that trusts exactly the certificate in
/// `pem`, checking that it names the server's IP.
async fn tls_signalling(server: SocketAddr, pem: &[u8]) -> Signalling {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pem).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(server).await.unwrap();
    let name = ServerName::IpAddress(server.ip().into());
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the TLS handshake with the server's certificate");
    Signalling::Tls {
        stream: Box::new(stream),
        framer: StreamFramer::new(),
    }
}

fn master(bytes: &[u8]) -> MasterKey {
    MasterKey::from_slice(bytes).unwrap()
}

/// Sends a 440 Hz tone as PCMU in SRTP under `key`, 20 ms apart, to `to`
/// until aborted.
fn send_srtp_tone(
    rtp: Arc<UdpSocket>,
    to: SocketAddr,
    key: [u8; 30],
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sender = SrtpSender::new(SrtpProfile::AesCm128HmacSha1_80, &master(&key));
        let mut encoder = AudioEncoder::new(Codec::Pcmu).unwrap();
        let mut packetizer = Packetizer::new(Codec::Pcmu, 0, 0x5151, 1, 1);
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for frame in 0u32.. {
            tick.tick().await;
            let pcm = tone(440.0, 8000, frame as usize * 160, 160);
            let mut payload = Vec::new();
            encoder.encode(&pcm, &mut payload).unwrap();
            let mut protected = Vec::new();
            sender
                .protect_rtp(&packetizer.packetize(&payload), &mut protected)
                .unwrap();
            let _ = rtp.send_to(&protected, to).await;
        }
    })
}

/// The server's SRTP key and suite, from the `a=crypto` line of its
/// answer's audio m-line.
fn server_receiver(phone: &Phone) -> SrtpReceiver {
    let answer = phone.answer.as_ref().expect("an answer");
    let audio = &answer.media[0];
    assert_eq!(audio.protocol, Protocol::RtpSavp, "SRTP answered");
    assert_eq!(
        audio.crypto.len(),
        1,
        "one a=crypto line: {:?}",
        audio.crypto
    );
    let line = parse_crypto(&audio.crypto[0]).expect("our a=crypto line reads");
    assert_eq!(
        (line.tag, line.suite),
        (1, CryptoSuite::AesCm128HmacSha1_80),
        "the offered tag and suite"
    );
    assert_ne!(line.key.bytes(), &PHONE_KEY, "a key of the server's own");
    SrtpReceiver::new(SrtpProfile::AesCm128HmacSha1_80, &master(line.key.bytes()))
}

#[tokio::test]
async fn a_phone_over_tls_with_srtp_joins_hears_and_is_heard_and_leaves_with_bye() {
    // Plain RTP refused: this call gets in only because it is SRTP over TLS.
    let (app, pem, _temp) = spawn_tls_app(false).await;
    let tls = app.sip_tls.expect("SIP TLS is on");
    assert_ne!(Some(tls), app.sip, "a port of its own");
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let mut peer = tone_peer(&app, &meeting, "Ada").await;

    let mut phone = Phone::with_signalling(tls_signalling(tls, &pem).await, tls, "saal3").await;
    phone.sdes = Some(PHONE_KEY);
    // `call` checks the answer (PCMU, no video) and acknowledges.
    let ok = phone.call(&number).await;
    // Our Contact and the answer's Via say TLS: the phone's requests in
    // this dialog come back over TLS, to the TLS port.
    assert_eq!(
        ok.header("Contact"),
        Some(format!("<sip:{tls};transport=tls>").as_str())
    );
    assert!(ok.header("Via").unwrap().starts_with("SIP/2.0/TLS"));
    let answer = phone.answer.as_ref().unwrap();
    let video = &answer.media[1];
    assert_ne!(video.port, 0, "video taken");
    assert!(
        video.crypto.len() == 1,
        "video keyed too: {:?}",
        video.crypto
    );
    let mut open = server_receiver(&phone);

    let tone_task = send_srtp_tone(phone.rtp.clone(), phone.server_rtp.unwrap(), PHONE_KEY);
    let mut ulaw = AudioDecoder::new(Codec::Pcmu).unwrap();
    let (mut phone_heard, mut packets, mut opened) = (Vec::new(), 0, 0);
    let mut buffer = vec![0u8; 2048];
    let mut plain = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        peer.step().await;
        while let Ok((len, _)) = phone.rtp.try_recv_from(&mut buffer) {
            packets += 1;
            if open.unprotect_rtp(&buffer[..len], &mut plain).is_ok() {
                opened += 1;
                let packet = RtpPacket::parse(&plain).unwrap();
                ulaw.decode(packet.payload, &mut phone_heard).unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tone_task.abort();
    assert!(peer.connected);
    assert!(packets > 100, "{packets} packets in three seconds");
    assert_eq!(
        opened, packets,
        "every packet is SRTP under the answer's key"
    );

    // The meeting hears the phone: its 440 Hz, decrypted by the server.
    let heard = heard(&peer);
    assert!(heard.len() >= 48_000, "{} samples heard", heard.len());
    let last = &heard[heard.len() - 48_000..];
    let (at_440, at_1000) = (
        power_at(last, 440.0, 48_000),
        power_at(last, 1000.0, 48_000),
    );
    assert!(at_440 > 1e6, "the phone reaches the meeting: {at_440:e}");
    assert!(at_440 > 100.0 * at_1000, "{at_440:e} / {at_1000:e}");
    // The phone hears the meeting: the peer's 1 kHz.
    assert!(phone_heard.len() >= 8_000, "{} samples", phone_heard.len());
    let last = &phone_heard[phone_heard.len() - 8_000..];
    let (at_1000, at_440) = (power_at(last, 1000.0, 8_000), power_at(last, 440.0, 8_000));
    assert!(at_1000 > 1e6, "the meeting reaches the phone: {at_1000:e}");
    assert!(at_1000 > 100.0 * at_440, "{at_1000:e} / {at_440:e}");

    // BYE over the TLS connection: answered on it, and the leg leaves.
    let leg = peer
        .messages
        .iter()
        .find(|m| m["type"] == "participant_joined")
        .map(|m| m["participant"]["id"].as_u64().unwrap())
        .expect("the leg joined");
    let ok = phone.bye(&number).await;
    assert_eq!(status(&ok), 200);
    let left = peer.ws.recv_type("participant_left").await;
    assert_eq!(left["id"].as_u64(), Some(leg));
    app.stop().await;
}

#[tokio::test]
async fn without_plain_rtp_plain_offers_are_refused_and_nobody_joins() {
    let (app, pem, _temp) = spawn_tls_app(false).await;
    let (sip, tls) = (app.sip.unwrap(), app.sip_tls.unwrap());
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;

    // Plain RTP over UDP, and over TLS: 488 both.
    let mut phone = Phone::new(sip, "plain-udp").await;
    assert_eq!(status(&phone.invite(&number).await), 488);
    let mut phone = Phone::with_signalling(tls_signalling(tls, &pem).await, tls, "plain-tls").await;
    assert_eq!(status(&phone.invite(&number).await), 488);
    // SDES over UDP: its key went out in clear text; 488 too.
    let mut phone = Phone::new(sip, "sdes-udp").await;
    phone.sdes = Some(PHONE_KEY);
    assert_eq!(status(&phone.invite(&number).await), 488);

    // Nobody joined the meeting: the next the host hears of anyone is
    // the participant who joins now.
    let (_other, _) = app.join(&meeting, "Bea").await;
    let joined = host.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["name"], "Bea");
    app.stop().await;
}

/// RFC 4568 §8.3: keys in an SDP that crossed the network in clear text
/// protect nothing, so even where plain RTP is allowed an SRTP-only offer
/// over UDP is refused rather than answered.
#[tokio::test]
async fn an_sdes_offer_over_udp_gets_488() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (_meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let mut phone = Phone::new(sip, "sdes-udp").await;
    phone.sdes = Some(PHONE_KEY);
    let refused = phone.invite(&number).await;
    assert_eq!(status(&refused), 488);
    app.stop().await;
}

/// SIP TLS with the web server's self-signed certificate: a plain offer
/// over TLS is taken where plain RTP is allowed, and the server's own BYE
/// (three wrong PINs) comes over the call's TLS connection, saying TLS.
#[tokio::test]
async fn the_web_servers_certificate_serves_and_our_bye_comes_over_tls() {
    let (app, _, temp) = crate::sip::spawn_sip_app_with(|config| {
        config.http.tls = civicmeet::config::TlsMode::SelfSigned;
        config.sip.tls_listen = "127.0.0.1:0".to_owned();
    })
    .await;
    let tls = app.sip_tls.expect("SIP TLS is on");
    let pem = std::fs::read(temp.path().join("tls").join("cert.pem")).unwrap();
    let meeting = crate::sip::https_post_json(
        app.http,
        &pem,
        "/api/meetings",
        r#"{"waiting_room": false, "guest_pin": "4321"}"#,
    )
    .await;
    let number = meeting["dial_number"].as_str().unwrap().to_owned();

    let mut phone = Phone::with_signalling(tls_signalling(tls, &pem).await, tls, "guesser").await;
    phone.call(&number).await;
    let answer = phone.answer.as_ref().unwrap();
    assert_eq!(
        answer.media[0].protocol,
        Protocol::RtpAvp,
        "plain RTP taken"
    );
    assert!(answer.media[0].crypto.is_empty());
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the PIN prompt"
    );
    for pin in ["1111#", "2222#", "3333#"] {
        // Each attempt after the server has answered the last one.
        tokio::time::sleep(Duration::from_millis(700)).await;
        phone.press_rtp(pin).await;
    }
    phone.expect_bye().await;
    let bye = phone
        .requests
        .iter()
        .find(|r| r.method() == Some(&civicmeet_sip::Method::Bye))
        .unwrap();
    let via = bye.header("Via").unwrap();
    assert!(
        via.starts_with(&format!("SIP/2.0/TLS {tls}")),
        "our BYE names TLS and the TLS port: {via}"
    );
    app.stop().await;
}

/// SIP TLS with no certificate to serve is a configuration error that
/// names what to set.
#[tokio::test]
async fn sip_tls_without_a_certificate_does_not_start() {
    let mut config = Config::default();
    config.sip.listen = "127.0.0.1:0".to_owned();
    config.sip.tls_listen = "127.0.0.1:0".to_owned();
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("sip.tls_listen"), "{err}");
    assert!(err.contains("sip.cert_file"), "{err}");
}
