//! TLS for the leg's meeting socket when the server speaks TLS itself
//! (`http.tls` not "off"): the leg connects to the server's own listening
//! socket, so it trusts exactly the certificate the server serves (read
//! from the same file), whatever names it carries. No system trust store,
//! no name check: a pinned certificate says more than either would here.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::SipError;
use crate::config::{Config, TlsMode};

/// The client configuration for the server's own TLS port; `None` when
/// the server speaks plain HTTP.
pub fn client_config(config: &Config) -> Result<Option<Arc<ClientConfig>>, SipError> {
    let path = match config.http.tls {
        TlsMode::Off => return Ok(None),
        TlsMode::Files => config.http.cert_file.clone(),
        TlsMode::SelfSigned => config.tls_dir().join(crate::http::tls::CERT_FILE),
    };
    let cert = first_certificate(&path)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedCertificate {
        cert,
        algorithms: provider.signature_verification_algorithms,
    });
    let client = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| SipError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(Arc::new(client)))
}

/// The leaf certificate: the first in the chain file (the server checked
/// at start that the file holds one).
fn first_certificate(path: &PathBuf) -> Result<CertificateDer<'static>, SipError> {
    let unreadable = |e: String| SipError::Tls(format!("{}: {e}", path.display()));
    CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(e.to_string()))?
        .next()
        .ok_or_else(|| unreadable("no certificate".into()))?
        .map_err(|e| unreadable(e.to_string()))
}

/// Trusts one certificate, byte for byte.
#[derive(Debug)]
struct PinnedCertificate {
    cert: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
