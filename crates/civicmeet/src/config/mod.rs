//! The server's settings: defaults in code < TOML file < environment < flags.
//!
//! Every key has a default here and a comment in `civicmeet.sample.toml`.
//! Unknown keys in the file are refused (a typo must not silently fall back
//! to a default). clap reads each flag's environment variable itself, so
//! "environment < flags" is clap's rule; the file sits below both.

mod accounts;
mod dial_out_hosts;
mod env;
mod sections;
mod sip;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::Parser;
use serde::{Deserialize, Serialize};

pub use accounts::{AccountsConfig, AuditConfig, OidcConfig};
pub use sections::{
    AdminConfig, BookingConfig, DatabaseConfig, MailConfig, MeetingsConfig, SmtpSecurity, TlsMode,
};
pub use sip::SipConfig;

/// The resolved settings the application is built from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub http: HttpConfig,
    pub media: MediaConfig,
    pub storage: StorageConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub booking: BookingConfig,
    pub meetings: MeetingsConfig,
    pub admin: AdminConfig,
    pub accounts: AccountsConfig,
    pub oidc: OidcConfig,
    pub audit: AuditConfig,
    pub sip: SipConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Where the web server listens. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The address people reach civicmeet at, for links in e-mails and
    /// calendar files, e.g. `https://termine.example.de`. Empty: the
    /// listen address as an `http://` (or, with TLS, `https://`) URL.
    pub public_url: String,
    /// Whether the web server speaks TLS itself (see [`TlsMode`]).
    pub tls: TlsMode,
    /// PEM certificate chain, for `tls = "files"`.
    pub cert_file: PathBuf,
    /// PEM private key, for `tls = "files"`.
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// The one UDP socket all media flows through. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Addresses announced to browsers as ICE host candidates, with the
    /// listen port. Empty: the listen address itself.
    pub public_addresses: Vec<IpAddr>,
    /// A TCP port on the listen address for browsers that cannot send UDP
    /// (ICE-TCP; 443 in production). 0: no TCP media.
    pub tcp_port: u16,
    /// Whether the server estimates each participant's bandwidth to choose
    /// simulcast layers (see `civicmeet.sample.toml`).
    pub bandwidth_estimation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The folder of the SQLite database; created on first start.
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing `EnvFilter` directive, e.g. `info` or `civicmeet=debug`.
    pub filter: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            tls: TlsMode::Off,
            cert_file: PathBuf::new(),
            key_file: PathBuf::new(),
        }
    }
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 10000)),
            public_addresses: Vec::new(),
            tcp_port: 0,
            bandwidth_estimation: true,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./civicmeet-data"),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
        }
    }
}

/// The command line. Every flag may also come from its environment variable.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "civicmeet",
    version,
    about = "civicmeet: self-hosted video consultations.",
    long_about = "civicmeet: self-hosted video consultations.\n\n\
        Settings come from defaults, then the TOML file given by --config, then \
        environment variables, then flags; later ones win. With no settings at all \
        the web server listens on http://127.0.0.1:8080, media on UDP 127.0.0.1:10000, \
        and data goes to ./civicmeet-data."
)]
pub struct Cli {
    /// A TOML config file (see civicmeet.sample.toml).
    #[arg(long, env = "CIVICMEET_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address of the web server [default: 127.0.0.1:8080].
    #[arg(long, env = "CIVICMEET_HTTP_LISTEN", value_name = "ADDR:PORT")]
    pub http_listen: Option<SocketAddr>,

    /// Address of the UDP media socket [default: 127.0.0.1:10000].
    #[arg(long, env = "CIVICMEET_MEDIA_LISTEN", value_name = "ADDR:PORT")]
    pub media_listen: Option<SocketAddr>,

    /// An IP address browsers reach the media port at (repeatable; the
    /// environment variable takes a comma-separated list) [default: the
    /// media listen address].
    #[arg(
        long = "media-public-address",
        env = "CIVICMEET_MEDIA_PUBLIC_ADDRESS",
        value_name = "IP",
        value_delimiter = ','
    )]
    pub media_public_addresses: Vec<IpAddr>,

    /// Folder for the SQLite database [default: ./civicmeet-data].
    #[arg(long, env = "CIVICMEET_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log filter, e.g. "info" or "civicmeet=debug" [default: info].
    #[arg(long, env = "CIVICMEET_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    /// Print the resolved configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// Why the settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Resolves the settings for a parsed command line: reads its config
    /// file, if any, applies `CIVICMEET_<SECTION>_<KEY>` environment
    /// variables, then the flags (clap already merged their own
    /// environment variables into them).
    pub fn resolve(cli: &Cli) -> Result<Config, ConfigError> {
        let text = match &cli.config {
            Some(path) => std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?,
            None => String::new(),
        };
        let base = env::apply(&text, |name| std::env::var(name).ok()).map_err(|message| {
            ConfigError::Parse {
                path: cli
                    .config
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("(environment)")),
                message,
            }
        })?;
        let config = base.with_overrides(cli);
        config.validate()?;
        Ok(config)
    }

    /// Reads a TOML file; missing keys take their defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text; the error message names the offending key.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// This config with every value the command line (or environment) set.
    pub fn with_overrides(mut self, cli: &Cli) -> Config {
        if let Some(listen) = cli.http_listen {
            self.http.listen = listen;
        }
        if let Some(listen) = cli.media_listen {
            self.media.listen = listen;
        }
        if !cli.media_public_addresses.is_empty() {
            self.media.public_addresses = cli.media_public_addresses.clone();
        }
        if let Some(dir) = &cli.data_dir {
            self.storage.data_dir = dir.clone();
        }
        if let Some(filter) = &cli.log {
            self.log.filter = filter.clone();
        }
        self
    }

    /// Refuses settings that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database.validate()?;
        self.mail.validate()?;
        self.booking.validate()?;
        self.accounts.validate()?;
        self.oidc.validate()?;
        self.audit.validate()?;
        self.sip.validate(self.http.tls != TlsMode::Off)?;
        if self.http.tls == TlsMode::Files
            && (self.http.cert_file.as_os_str().is_empty()
                || self.http.key_file.as_os_str().is_empty())
        {
            return Err(ConfigError::Invalid(
                "http.tls = \"files\" needs http.cert_file and http.key_file".into(),
            ));
        }
        let url = &self.http.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::Invalid(format!(
                "http.public_url must start with http:// or https://, not {:?}",
                self.http.public_url
            )));
        }
        if self.media.listen.ip().is_unspecified() && self.media.public_addresses.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "media.listen is {}, an unspecified address, which browsers cannot reach: \
                 set media.public_addresses (or --media-public-address / \
                 CIVICMEET_MEDIA_PUBLIC_ADDRESS) to the IP addresses clients use",
                self.media.listen
            )));
        }
        if let Some(bad) = self
            .media
            .public_addresses
            .iter()
            .find(|ip| ip.is_unspecified() || ip.is_multicast())
        {
            return Err(ConfigError::Invalid(format!(
                "media.public_addresses contains {bad}, which browsers cannot reach"
            )));
        }
        Ok(())
    }

    /// Where the SQLite database file lives.
    pub fn database_path(&self) -> PathBuf {
        self.storage.data_dir.join("civicmeet.db")
    }

    /// Where mails go as .eml files when no SMTP server is configured.
    pub fn mail_dir(&self) -> PathBuf {
        self.storage.data_dir.join("mail")
    }

    /// Where the self-signed certificate and its key are kept.
    pub fn tls_dir(&self) -> PathBuf {
        self.storage.data_dir.join("tls")
    }

    /// `https` when the server speaks TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.http.tls == TlsMode::Off {
            "http"
        } else {
            "https"
        }
    }

    /// The base of links in mails: `http.public_url` without a trailing
    /// slash, or the bound HTTP address.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        if self.http.public_url.is_empty() {
            format!("{}://{bound}", self.scheme())
        } else {
            self.http.public_url.trim_end_matches('/').to_string()
        }
    }

    /// The config as TOML, for `--print-config`.
    pub fn to_toml(&self) -> String {
        // A struct of strings, addresses and lists always serializes to TOML;
        // the tables come after the plain values, as TOML requires.
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot print the config: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
    }

    #[test]
    fn flags_override_the_file() {
        let file =
            Config::from_toml("[http]\nlisten = \"127.0.0.1:9000\"\n[log]\nfilter = \"debug\"")
                .unwrap();
        let cli = Cli::try_parse_from(["civicmeet", "--http-listen", "127.0.0.1:9100"]).unwrap();
        let config = file.with_overrides(&cli);
        assert_eq!(config.http.listen, "127.0.0.1:9100".parse().unwrap());
        assert_eq!(config.log.filter, "debug");
    }

    #[test]
    fn an_unspecified_media_address_needs_a_public_address() {
        let mut config = Config::default();
        config.media.listen = "0.0.0.0:10000".parse().unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("media.public_addresses"), "{err}");
        config.media.public_addresses = vec!["192.0.2.10".parse().unwrap()];
        config.validate().unwrap();
    }

    #[test]
    fn tls_from_files_needs_both_files() {
        let config = Config::from_toml("[http]\ntls = \"files\"\ncert_file = \"c.pem\"").unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("http.key_file"), "{err}");
        let config = Config::from_toml("[http]\ntls = \"self-signed\"").unwrap();
        config.validate().unwrap();
        assert_eq!(config.scheme(), "https");
        assert!(Config::from_toml("[http]\ntls = \"on\"").is_err());
    }
}
