//! The web server over TLS (`http.tls = "self-signed"`): HTTPS with TLS
//! 1.2 and 1.3, HSTS and `Secure` cookies only under TLS, the certificate
//! kept across restarts, cross-site POSTs refused, the security headers
//! on every page. The client trusts exactly the generated certificate.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use civicmeet::Config;
use civicmeet::config::TlsMode;
use common::{Response, TestApp, spawn_app, spawn_app_with_config};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ProtocolVersion, RootCertStore, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// An application with a self-signed certificate, storing in `data_dir`.
async fn tls_app_in(data_dir: &Path) -> TestApp {
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = data_dir.to_path_buf();
    config.booking.seed_demo = false;
    config.http.tls = TlsMode::SelfSigned;
    spawn_app_with_config(config).await
}

fn cert_pem(data_dir: &Path) -> Vec<u8> {
    std::fs::read(data_dir.join("tls").join("cert.pem")).expect("the certificate was written")
}

/// A client that trusts only the app's certificate and speaks `version`.
struct Https {
    connector: TlsConnector,
    app: std::net::SocketAddr,
}

impl Https {
    fn new(app: &TestApp, version: &'static SupportedProtocolVersion) -> Https {
        Https::trusting(app, &cert_pem(&app.data_dir), version)
    }

    fn trusting(app: &TestApp, pem: &[u8], version: &'static SupportedProtocolVersion) -> Https {
        let mut roots = RootCertStore::empty();
        let cert = CertificateDer::from_pem_slice(pem).expect("PEM");
        roots.add(cert).expect("a usable certificate");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[version])
            .expect("version")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Https {
            connector: TlsConnector::from(Arc::new(config)),
            app: app.http,
        }
    }

    fn tls13(app: &TestApp) -> Https {
        Https::new(app, &rustls::version::TLS13)
    }

    /// Handshakes; returns the stream, the negotiated version and the
    /// server's certificate.
    async fn connect(
        &self,
    ) -> (
        tokio_rustls::client::TlsStream<TcpStream>,
        ProtocolVersion,
        CertificateDer<'static>,
    ) {
        let tcp = TcpStream::connect(self.app).await.expect("connect");
        // The certificate names 127.0.0.1, the address we connect to.
        let name = ServerName::IpAddress(self.app.ip().into());
        let tls = self.connector.connect(name, tcp).await.expect("handshake");
        let (_, session) = tls.get_ref();
        let version = session.protocol_version().expect("negotiated");
        let cert = session.peer_certificates().expect("certificate")[0].clone();
        (tls, version, cert)
    }

    async fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[]).await
    }

    /// One HTTP/1.1 request on a fresh TLS connection.
    async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        let (tls, _, _) = self.connect().await;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .expect("HTTP handshake");
        tokio::spawn(connection);
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.app.to_string())
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::new())).unwrap();
        Response::read(sender.send_request(request).await.expect("response")).await
    }
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie<'a>(cookies: &'a [String], name: &str) -> &'a str {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

#[tokio::test]
async fn a_self_signed_server_answers_over_tls_1_2_and_1_3() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    for (version, expected) in [
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
    ] {
        let client = Https::new(&app, version);
        let (_, negotiated, _) = client.connect().await;
        assert_eq!(negotiated, expected);
        let health = client.get("/health").await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    }
    // Plain HTTP on the TLS port gets no answer a browser would accept.
    let plain = TcpStream::connect(app.http).await.unwrap();
    let handshake = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(plain));
    if let Ok((mut sender, connection)) = handshake.await {
        tokio::spawn(connection);
        let request = hyper::Request::get("/health")
            .header("host", app.http.to_string())
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert!(sender.send_request(request).await.is_err());
    }
    app.stop().await;
}

#[tokio::test]
async fn tls_from_files_serves_the_given_certificate() {
    // A certificate and key from a self-signed first start, used as files.
    let made = tempfile::tempdir().unwrap();
    tls_app_in(made.path()).await.stop().await;
    let tls_dir = made.path().join("tls");

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = dir.path().to_path_buf();
    config.booking.seed_demo = false;
    config.http.tls = TlsMode::Files;
    config.http.cert_file = tls_dir.join("cert.pem");
    config.http.key_file = tls_dir.join("missing.pem");
    let err = civicmeet::Application::build(config.clone())
        .await
        .err()
        .expect("a missing key file is refused");
    assert!(err.to_string().contains("missing.pem"), "{err}");

    config.http.key_file = tls_dir.join("key.pem");
    let app = spawn_app_with_config(config).await;
    let pem = std::fs::read(tls_dir.join("cert.pem")).unwrap();
    let health = Https::trusting(&app, &pem, &rustls::version::TLS13)
        .get("/health")
        .await;
    assert_eq!(health.body, "ok");
    assert!(!dir.path().join("tls").exists(), "nothing self-signed made");
    app.stop().await;
}

#[tokio::test]
async fn hsts_only_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    let page = Https::tls13(&app).get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("strict-transport-security"), "max-age=31536000");
    app.stop().await;

    let plain = spawn_app().await;
    let page = plain.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.headers.get("strict-transport-security").is_none());
    plain.stop().await;
}

#[tokio::test]
async fn cookies_are_secure_only_under_tls() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    let cookies = set_cookies(&Https::tls13(&app).get("/book?lang=en").await);
    let csrf = cookie(&cookies, "csrf");
    assert!(csrf.contains("; Secure"), "{csrf}");
    assert!(csrf.contains("HttpOnly"), "{csrf}");
    assert!(csrf.contains("SameSite=Lax"), "{csrf}");
    let lang = cookie(&cookies, "lang");
    assert!(lang.contains("; Secure"), "{lang}");
    app.stop().await;

    let plain = spawn_app().await;
    let cookies = set_cookies(&plain.get("/book?lang=en").await);
    let csrf = cookie(&cookies, "csrf");
    assert!(!csrf.contains("Secure"), "{csrf}");
    assert!(csrf.contains("HttpOnly"), "{csrf}");
    assert!(!cookie(&cookies, "lang").contains("Secure"));
    plain.stop().await;
}

#[tokio::test]
async fn the_certificate_is_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    let first = cert_pem(dir.path());
    let (_, _, served) = Https::tls13(&app).connect().await;
    app.stop().await;

    let app = tls_app_in(dir.path()).await;
    assert_eq!(cert_pem(dir.path()), first, "the file is reused");
    let (_, _, again) = Https::tls13(&app).connect().await;
    assert_eq!(again, served, "the server presents the same certificate");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::metadata(dir.path().join("tls").join("key.pem")).unwrap();
        assert_eq!(key.permissions().mode() & 0o077, 0, "the key is private");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_a_same_origin_one_works() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    let client = Https::tls13(&app);
    let own = format!("https://{}", app.http);

    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "null")],
        // Our host, but over plain HTTP: not our origin under TLS.
        vec![("origin", &*format!("http://{}", app.http))],
    ] {
        let refused = client.request("POST", "/meetings", &headers).await;
        assert_eq!(refused.status, 403, "{headers:?}");
        assert!(
            refused.body.contains("nicht von dieser Seite gesendet"),
            "{headers:?}: the CSRF page says why"
        );
        let api = client.request("POST", "/api/meetings", &headers).await;
        assert_eq!(api.status, 403, "{headers:?}");
        assert_eq!(api.json()["error"]["code"], "cross_site");
    }

    for headers in [
        vec![("origin", own.as_str()), ("sec-fetch-site", "same-origin")],
        // What Chromium sends for a form POST from a page with
        // `Referrer-Policy: no-referrer`: the origin is hidden, the fetch
        // metadata is not.
        vec![("origin", "null"), ("sec-fetch-site", "same-origin")],
        // A program, not a browser: no headers to judge by.
        vec![],
    ] {
        let made = client.request("POST", "/meetings", &headers).await;
        assert_eq!(made.status, 303, "{headers:?}: {}", made.body);
        assert!(made.header("location").starts_with("/m/"));
    }
    // A cross-site GET (a link from elsewhere) still works.
    let linked = client
        .request("GET", "/", &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(linked.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_same_origin_post_works_over_plain_http() {
    let app = spawn_app().await;
    let stream = TcpStream::connect(app.http).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::post("/meetings")
        .header("host", app.http.to_string())
        .header("origin", format!("http://{}", app.http))
        .header("sec-fetch-site", "same-origin")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn security_headers_are_on_every_page_under_tls() {
    let dir = tempfile::tempdir().unwrap();
    let app = tls_app_in(dir.path()).await;
    let client = Https::tls13(&app);
    let made = client.request("POST", "/api/meetings", &[]).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.json()["id"].as_str().expect("id").to_string();
    for path in [
        "/".to_string(),
        format!("/m/{id}"),
        "/m/unknown".into(),
        "/api/meetings".into(),
        "/book".into(),
        "/staff".into(),
        "/health".into(),
        "/nowhere".into(),
    ] {
        let response = client.get(&path).await;
        let csp = response.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            response.header("x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(response.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(
            response.header("strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
    app.stop().await;
}

#[test]
fn the_binary_takes_tls_from_the_environment_and_prints_https() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_civicmeet"))
        .args([
            "--http-listen",
            "127.0.0.1:0",
            "--media-listen",
            "127.0.0.1:0",
        ])
        .args(["--log", "warn", "--data-dir"])
        .arg(dir.path())
        .env_remove("CIVICMEET_CONFIG")
        .env("CIVICMEET_HTTP_TLS", "self-signed")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let first = std::io::BufReader::new(stdout).lines().next();
    child.kill().unwrap();
    child.wait().unwrap();
    let first = first.expect("a line").expect("text");
    assert!(
        first.starts_with("civicmeet is running at https://127.0.0.1:"),
        "{first}"
    );
    assert!(dir.path().join("tls").join("cert.pem").is_file());
}
