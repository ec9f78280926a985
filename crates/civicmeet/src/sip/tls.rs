//! The certificate SIP over TLS presents (`sip.tls_listen`): SIP's own
//! (`sip.cert_file`, `sip.key_file`) or else the web server's (`http.tls`),
//! TLS 1.2 and 1.3 as rustls speaks them, no ALPN (SIP has none) and no
//! client certificates: callers are phones, who prove nothing with one
//! here (a meeting's number, PIN and waiting room decide who gets in).
//! The connections themselves are `super::tcp`'s, the same as TCP's once
//! the handshake is done.

use std::sync::Arc;

use rustls::ServerConfig;

use super::SipError;
use crate::config::Config;

/// The server configuration for SIP TLS; `None` when `sip.tls_listen` is
/// off. The configuration was validated: SIP TLS on without any
/// certificate does not get here.
pub fn server_config(config: &Config) -> Result<Option<Arc<ServerConfig>>, SipError> {
    if config.sip.tls_listen_addr().is_none() {
        return Ok(None);
    }
    let files = match config.sip.own_certificate() {
        Some(files) => Some(files),
        None => crate::http::tls::certificate_files(config).map_err(tls_error)?,
    };
    let Some((cert, key)) = files else {
        return Err(SipError::Certificate(
            "sip.tls_listen is set but there is no certificate: set http.tls, or \
             sip.cert_file and sip.key_file"
                .into(),
        ));
    };
    let server = crate::http::tls::load(&cert, &key).map_err(tls_error)?;
    Ok(Some(Arc::new(server)))
}

fn tls_error(e: crate::http::tls::TlsError) -> SipError {
    SipError::Certificate(e.to_string())
}
