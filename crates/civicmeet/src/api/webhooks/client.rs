//! One HTTP/1.1 POST to a webhook URL, over TCP or TLS (rustls, server
//! certificates checked against the system's trust store, as for SMTP).
//!
//! This is the only place the server opens a connection on its own, and
//! only to URLs the admin configured (SOV in PRODUCT.md): webhooks, and
//! the configured OpenID Connect issuer ([`request`]). No redirects are
//! followed: a 3xx is a failed delivery.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::Uri;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How long one delivery may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a POST did not get an answer. Texts carry no payload data; they
/// are shown to staff.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the URL is not an http:// or https:// URL with a host")]
    BadUrl,
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS failed: {0}")]
    Tls(std::io::Error),
    #[error("no trusted root certificates on this system")]
    NoRoots,
    #[error("HTTP failed: {0}")]
    Http(hyper::Error),
    #[error("the answer was too large or broke off")]
    TooLarge,
    #[error("no answer within {} seconds", TIMEOUT.as_secs())]
    Timeout,
}

/// Parses and checks a webhook URL: http or https with a host.
pub fn check_url(url: &str) -> Result<Uri, ClientError> {
    let uri: Uri = url.parse().map_err(|_| ClientError::BadUrl)?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(uri),
        _ => Err(ClientError::BadUrl),
    }
}

/// POSTs `body` as JSON with `headers`; returns the response status.
pub async fn post(url: &str, headers: &[(&str, String)], body: String) -> Result<u16, ClientError> {
    let request = Outgoing {
        method: hyper::Method::POST,
        content_type: "application/json",
        user_agent: "civicmeet-webhooks/1",
        headers,
        body,
        // The answer is read and dropped.
        max_answer: 64 * 1024,
    };
    tokio::time::timeout(TIMEOUT, request_inner(url, request))
        .await
        .map_err(|_| ClientError::Timeout)?
        .map(|(status, _)| status)
}

/// One request and its answer (status and at most `max_answer` bytes of
/// body; a longer answer is an error): for the OpenID Connect client.
pub async fn request(url: &str, request: Outgoing<'_>) -> Result<(u16, Bytes), ClientError> {
    tokio::time::timeout(TIMEOUT, request_inner(url, request))
        .await
        .map_err(|_| ClientError::Timeout)?
}

/// What to send.
pub struct Outgoing<'a> {
    pub method: hyper::Method,
    pub content_type: &'static str,
    pub user_agent: &'static str,
    pub headers: &'a [(&'a str, String)],
    pub body: String,
    pub max_answer: usize,
}

async fn request_inner(url: &str, outgoing: Outgoing<'_>) -> Result<(u16, Bytes), ClientError> {
    let uri = check_url(url)?;
    let https = uri.scheme_str() == Some("https");
    // check_url made sure there is a host.
    let host = uri.host().ok_or(ClientError::BadUrl)?.to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let tcp = TcpStream::connect((bare_host.as_str(), port))
        .await
        .map_err(ClientError::Connect)?;
    let authority = uri
        .authority()
        .map_or_else(|| host.clone(), |a| a.as_str().to_string());
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    if https {
        let server_name =
            rustls::pki_types::ServerName::try_from(bare_host).map_err(|_| ClientError::BadUrl)?;
        let connector = tokio_rustls::TlsConnector::from(tls_config()?);
        let tls = connector
            .connect(server_name, tcp)
            .await
            .map_err(ClientError::Tls)?;
        send(tls, &authority, &path, outgoing).await
    } else {
        send(tcp, &authority, &path, outgoing).await
    }
}

async fn send<S>(
    stream: S,
    authority: &str,
    path: &str,
    outgoing: Outgoing<'_>,
) -> Result<(u16, Bytes), ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(ClientError::Http)?;
    tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(outgoing.method)
        .uri(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::USER_AGENT, outgoing.user_agent);
    if !outgoing.body.is_empty() {
        request = request.header(hyper::header::CONTENT_TYPE, outgoing.content_type);
    }
    for (name, value) in outgoing.headers {
        request = request.header(*name, value);
    }
    // Names and values are ours (a parsed URL, numbers, hex, event
    // names), so this does not fail; if it did, the delivery fails, not
    // the worker.
    let request = request
        .body(Full::new(Bytes::from(outgoing.body)))
        .map_err(|_| ClientError::BadUrl)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(ClientError::Http)?;
    let status = response.status().as_u16();
    // Read the answer (so the connection ends cleanly), up to the limit.
    let body = http_body_util::Limited::new(response.into_body(), outgoing.max_answer)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|_| ClientError::TooLarge)?;
    Ok((status, body))
}

/// The TLS client settings, built once: the system's roots, aws-lc-rs.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, ClientError> {
    static CONFIG: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return None;
            }
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(Arc::new(config))
        })
        .clone()
        .ok_or(ClientError::NoRoots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host() {
        assert!(check_url("https://hooks.example.org/civicmeet").is_ok());
        assert!(check_url("http://127.0.0.1:9000/x?y=1").is_ok());
        for bad in ["ftp://example.org/", "/relative", "not a url", "https://"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
