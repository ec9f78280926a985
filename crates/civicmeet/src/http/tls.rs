//! TLS for the web server (`http.tls`): the rustls server configuration,
//! from PEM files or from a self-signed certificate made on first start
//! and kept in `<data_dir>/tls/`, and [`TlsListener`], which hands axum
//! finished TLS streams. It knows no HTTP: axum serves the decrypted
//! stream exactly as it serves a plain TCP one.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::{Config, TlsMode};

/// The self-signed certificate and its key, in `<data_dir>/tls/`.
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

/// A client that has not finished its handshake by then is dropped.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Finished handshakes waiting for axum to take them.
const ACCEPT_QUEUE: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot make a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the TLS certificate and key do not fit: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's TLS configuration, or `None` for plain HTTP.
pub fn server_config(config: &Config) -> Result<Option<Arc<ServerConfig>>, TlsError> {
    let Some((cert_path, key_path)) = certificate_files(config)? else {
        return Ok(None);
    };
    let mut server = load(&cert_path, &key_path)?;
    // axum here speaks HTTP/1.1 only, which the signalling WebSocket needs.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(server)))
}

/// The web server's certificate chain and key files (the self-signed pair
/// made now if it is missing); `None` for plain HTTP.
pub fn certificate_files(config: &Config) -> Result<Option<(PathBuf, PathBuf)>, TlsError> {
    match config.http.tls {
        TlsMode::Off => Ok(None),
        TlsMode::Files => Ok(Some((
            config.http.cert_file.clone(),
            config.http.key_file.clone(),
        ))),
        TlsMode::SelfSigned => self_signed(config).map(Some),
    }
}

/// A TLS 1.2 and 1.3 server configuration for a PEM certificate chain and
/// key, with no ALPN (the caller names its protocol).
pub fn load(cert_path: &Path, key_path: &Path) -> Result<ServerConfig, TlsError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TlsError::Read { path, source }
    };
    let certs = CertificateDer::pem_file_iter(cert_path)
        .map_err(read_error(cert_path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error(cert_path))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_path.to_path_buf()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(read_error(key_path))?;
    // rustls implements only TLS 1.2 and 1.3 (nothing older exists in it);
    // naming both keeps 1.2 for older clients (the `tls12` feature is on).
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?)
}

/// The paths of the self-signed certificate and key, made now unless an
/// earlier start left both (browsers that were told to trust it keep
/// trusting it). Delete the folder to get a new one, e.g. for new names.
fn self_signed(config: &Config) -> Result<(PathBuf, PathBuf), TlsError> {
    let dir = config.tls_dir();
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if cert_path.is_file() && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    let made = rcgen::generate_simple_self_signed(subject_names(config))?;
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TlsError::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(write_error(&dir))?;
    // The key first: the certificate's presence marks a complete pair.
    write_private(
        &key_path,
        &pem("PRIVATE KEY", &made.signing_key.serialize_der()),
    )
    .map_err(write_error(&key_path))?;
    std::fs::write(&cert_path, pem("CERTIFICATE", made.cert.der()))
        .map_err(write_error(&cert_path))?;
    tracing::info!(path = %cert_path.display(), "made a self-signed TLS certificate");
    Ok((cert_path, key_path))
}

/// The names the self-signed certificate is valid for: loopback, the
/// listen address, and the host of `http.public_url`.
fn subject_names(config: &Config) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    let listen = config.http.listen.ip();
    if !listen.is_unspecified() {
        names.push(listen.to_string());
    }
    if let Some(host) = url_host(&config.http.public_url) {
        names.push(host.to_string());
    }
    names.sort();
    names.dedup();
    names
}

/// The host of `scheme://host[:port]/...`, without brackets or port.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// PEM text of one DER object, in 64-character lines (RFC 7468).
fn pem(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        // Base64 is ASCII, so the lossy conversion never replaces anything.
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

/// Writes a file only its owner can read (on Unix).
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// A TCP listener that yields connections after their TLS handshake.
/// Handshakes run in their own tasks, so a slow or silent client holds up
/// nobody else; the accept loop ends when the listener is dropped.
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let (sender, accepted) = mpsc::channel(ACCEPT_QUEUE);
        let accept_loop = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender));
        Ok(TlsListener {
            accepted,
            local_addr,
            accept_loop,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    sender: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: wait, as axum does.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let (acceptor, sender) = (acceptor.clone(), sender.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    // A send error means the server stopped; the stream closes.
                    let _ = sender.send((tls, peer)).await;
                }
                // Scanners and browsers that distrust a self-signed
                // certificate fail here all the time; no address is logged.
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(pair) => pair,
            // The accept loop ended (it only does when aborted): no more
            // connections will come, as for a listener nobody calls.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_public_urls() {
        assert_eq!(
            url_host("https://termine.example.de"),
            Some("termine.example.de")
        );
        assert_eq!(url_host("https://a.example:8443/x"), Some("a.example"));
        assert_eq!(url_host("https://[2001:db8::1]:8443/"), Some("2001:db8::1"));
        assert_eq!(url_host(""), None);
    }

    #[test]
    fn pem_lines_are_64_characters() {
        let text = pem("CERTIFICATE", &[7u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert!(CertificateDer::from_pem_slice(text.as_bytes()).is_ok());
    }
}
