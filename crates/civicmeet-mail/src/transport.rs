//! Where rendered mails go: an SMTP relay, or .eml files in a folder when
//! no relay is configured, so that no mail is ever silently dropped.
//!
//! A send either delivers or returns an [`Error`]; it never retries by
//! itself. Retrying is the outbox's job (in the server), which also decides
//! when to give up ([`Error::is_permanent`]). Nothing here logs.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::io::AsyncWriteExt;

use crate::error::Error;
use crate::message::RenderedMail;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text. Only for a relay on the same host or a trusted network.
    None,
    /// Plain connect, then STARTTLS, which is required (no fallback).
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS).
    Tls,
}

impl SmtpTls {
    /// The usual port: 25, 587 (submission) or 465 (submissions).
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// A user name and password for SMTP AUTH (PLAIN or LOGIN). Sent in the
/// clear unless the connection is encrypted, so [`Mailer::smtp`] refuses
/// them with [`SmtpTls::None`] unless the relay is on this machine.
#[derive(Clone)]
pub struct SmtpCredentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    // The password must never reach a log through `{:?}` of the config.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Settings of the SMTP relay.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<SmtpCredentials>,
    /// How long one SMTP step may take before the send fails.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM), e.g. the administration's own
    /// CA, in addition to the system's trust store.
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl SmtpConfig {
    /// A relay with the usual port for `tls`, no login, a 30 s timeout.
    pub fn new(host: impl Into<String>, tls: SmtpTls) -> Self {
        SmtpConfig {
            host: host.into(),
            port: tls.default_port(),
            tls,
            credentials: None,
            timeout: Duration::from_secs(30),
            extra_ca_pem: None,
        }
    }
}

/// Sends rendered mails: over SMTP, or into a folder as .eml files.
#[derive(Debug, Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    Files(FileMailer),
}

/// What became of a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The relay accepted it.
    Smtp,
    /// It was written to this file (log the path: it holds no personal
    /// data, see [`RenderedMail::name`]).
    File(PathBuf),
}

impl Mailer {
    /// A mailer for the relay in `config`. Nothing connects yet: the first
    /// send opens the connection (and a bad relay shows up there).
    pub fn smtp(config: &SmtpConfig) -> Result<Mailer, Error> {
        SmtpMailer::new(config).map(Mailer::Smtp)
    }

    /// A mailer that writes each mail as `<dir>/<name>.eml`.
    pub fn files(dir: impl Into<PathBuf>) -> Mailer {
        Mailer::Files(FileMailer { dir: dir.into() })
    }

    pub async fn send(&self, mail: &RenderedMail) -> Result<Delivery, Error> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(mail).await.map(|()| Delivery::Smtp),
            Mailer::Files(files) => files.write(mail).await.map(Delivery::File),
        }
    }
}

/// lettre's async SMTP transport: one connection per mail, no pool.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpMailer")
    }
}

impl SmtpMailer {
    fn new(config: &SmtpConfig) -> Result<Self, Error> {
        // lettre itself would send the password over a plain connection.
        if config.credentials.is_some() && config.tls == SmtpTls::None && !is_loopback(&config.host)
        {
            return Err(Error::SmtpConfig {
                reason: "a password needs STARTTLS or TLS unless the relay is on this machine"
                    .into(),
            });
        }
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters(config)?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters(config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(credentials) = &config.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
        })
    }

    async fn send(&self, mail: &RenderedMail) -> Result<(), Error> {
        let envelope = envelope(mail)?;
        self.transport
            .send_raw(&envelope, mail.eml.as_bytes())
            .await?;
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, Error> {
    let config_error = |reason: String| Error::SmtpConfig { reason };
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(pem) = &config.extra_ca_pem {
        let certificate = Certificate::from_pem(pem)
            .map_err(|e| config_error(format!("extra CA certificate: {e}")))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| config_error(format!("TLS setup: {e}")))
}

fn envelope(mail: &RenderedMail) -> Result<Envelope, Error> {
    let parse = |field: &'static str, value: &str| {
        value
            .parse::<Address>()
            .map_err(|_| Error::InvalidAddress { field })
    };
    let from = parse("envelope_from", &mail.envelope_from)?;
    let to = mail
        .envelope_to
        .iter()
        .map(|to| parse("envelope_to", to))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|_| Error::invalid("envelope_to", "has no recipient"))
}

/// Writes mails into a folder, for installations without a relay and for
/// development. Files are created readable by the owner only: they hold
/// personal data.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
}

/// How many `-<n>` suffixes to try when a name is taken (the same mail
/// rendered twice in one second).
const MAX_NAME_TRIES: u32 = 100;

impl FileMailer {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn write(&self, mail: &RenderedMail) -> Result<PathBuf, Error> {
        let file_error = |path: &Path, source: io::Error| Error::File {
            path: path.to_owned(),
            source,
        };
        // The envelope is not in the file, so check it here as SMTP would.
        envelope(mail)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| file_error(&self.dir, e))?;
        let stem = file_stem(&mail.name);
        for n in 0..MAX_NAME_TRIES {
            let file_name = if n == 0 {
                format!("{stem}.eml")
            } else {
                format!("{stem}-{n}.eml")
            };
            let path = self.dir.join(file_name);
            // create_new: never overwrite an earlier mail.
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut file = match options.open(&path).await {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(file_error(&path, e)),
            };
            let written = async {
                file.write_all(mail.eml.as_bytes()).await?;
                file.sync_all().await
            }
            .await;
            return match written {
                Ok(()) => Ok(path),
                Err(e) => {
                    // A partial file would look like a sent mail: remove it.
                    // If even that fails, the write error is what matters.
                    let _ = tokio::fs::remove_file(&path).await;
                    Err(file_error(&path, e))
                }
            };
        }
        Err(file_error(
            &self.dir.join(format!("{stem}.eml")),
            io::Error::new(io::ErrorKind::AlreadyExists, "every numbered name is taken"),
        ))
    }
}

/// `name` comes from `render`, but the fields are public: keep the file
/// name to a safe alphabet so it cannot leave the folder.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .take(160)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() {
        "mail".to_owned()
    } else {
        stem.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_the_folder() {
        assert_eq!(
            file_stem("20260320T081500Z-confirmed-apt-42-s0"),
            "20260320T081500Z-confirmed-apt-42-s0"
        );
        assert_eq!(file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_stem("..."), "mail");
        assert_eq!(file_stem(""), "mail");
    }

    #[test]
    fn no_password_in_plain_text_to_another_host() {
        let credentials = SmtpCredentials {
            username: "civicmeet".into(),
            password: "hunter2".into(),
        };
        let mut config = SmtpConfig::new("relay.example.org", SmtpTls::None);
        config.credentials = Some(credentials);
        let err = Mailer::smtp(&config).expect_err("refused");
        assert!(matches!(err, Error::SmtpConfig { .. }), "{err:?}");
        assert!(err.is_permanent());
        for host in ["localhost", "127.0.0.1", "::1", "[::1]"] {
            config.host = host.into();
            assert!(Mailer::smtp(&config).is_ok(), "{host}");
        }
        config.host = "relay.example.org".into();
        config.tls = SmtpTls::StartTls;
        assert!(Mailer::smtp(&config).is_ok());
    }

    #[test]
    fn debug_of_the_config_hides_the_password() {
        let mut config = SmtpConfig::new("relay.example.org", SmtpTls::StartTls);
        config.credentials = Some(SmtpCredentials {
            username: "civicmeet".into(),
            password: "hunter2".into(),
        });
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("redacted"));
        assert_eq!(config.port, 587);
    }
}
