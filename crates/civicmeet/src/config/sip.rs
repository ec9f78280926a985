//! `[sip]`: the SIP gateway that lets phones and room systems dial into
//! meetings (issue 7). Off unless `listen` names an address; SIP over TLS
//! (with SRTP keyed by SDES) on `tls_listen` besides.
//!
//! The address keys are strings so that "empty" can mean "off" or "the
//! default"; [`SipConfig::listen_addr`], [`SipConfig::tls_listen_addr`]
//! and [`SipConfig::public_ip`] give them typed, and
//! [`SipConfig::validate`] refuses what cannot work before anything
//! binds.
//!
//! SIP TLS serves the web server's certificate unless `cert_file` and
//! `key_file` name one of its own: one certificate to renew where the
//! server speaks HTTPS itself, and SIP TLS still possible where a
//! reverse proxy holds the web certificate (`http.tls = "off"`).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use super::dial_out_hosts::{host_matches, network};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// The address SIP listens on, UDP and TCP alike, e.g. `0.0.0.0:5060`
    /// (port 0: any port free for both). Empty: no SIP.
    pub listen: String,
    /// The IP address phones reach this server at, written into SDP `c=`
    /// lines and our Contact. Empty: the listen address's IP.
    pub public_address: String,
    /// The address SIP over TLS listens on, e.g. `0.0.0.0:5061` (port 0:
    /// any free port). Empty: no SIP TLS. Needs `listen`.
    pub tls_listen: String,
    /// PEM certificate chain for SIP TLS. Empty (with `key_file`): the web
    /// server's certificate (`http.tls` must then not be "off").
    pub cert_file: PathBuf,
    /// PEM private key for SIP TLS, with `cert_file`.
    pub key_file: PathBuf,
    /// Whether calls may carry plain RTP. `false`: only SRTP with SDES
    /// keys over SIP TLS; any other call is refused with 488.
    pub plain_rtp: bool,
    /// The UDP ports calls' RTP and RTCP use, e.g. `"20000-20999"`, for a
    /// firewall to open. Empty: any port the system picks.
    pub rtp_ports: String,
    /// A room system's H.264 camera goes into the meeting as VP8, which
    /// every browser decodes. `false`: as H.264 (less CPU; browsers
    /// without H.264 show no picture of it).
    pub transcode_h264: bool,
    /// A call from which nothing (RTP or RTCP) came for this long, while
    /// not on hold, is over: a phone that lost power sends no BYE.
    pub media_timeout_secs: u64,
    /// Hosts may call room systems from the meeting page (when SIP is on).
    pub dial_out: bool,
    /// The hosts dial-outs may reach: a host name or IP address, a
    /// domain (its subdomains too) or an IP network (`10.1.0.0/16`).
    /// Empty: any.
    pub dial_out_domains: Vec<String>,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen: String::new(),
            public_address: String::new(),
            tls_listen: String::new(),
            cert_file: PathBuf::new(),
            key_file: PathBuf::new(),
            plain_rtp: true,
            rtp_ports: String::new(),
            transcode_h264: true,
            media_timeout_secs: 60,
            dial_out: true,
            dial_out_domains: Vec::new(),
        }
    }
}

impl SipConfig {
    /// The SIP socket address, or `None` when SIP is off. Call after
    /// [`SipConfig::validate`]; an unreadable value reads as off.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }

    /// The SIP TLS address, or `None` when SIP TLS is off (or SIP is).
    /// Call after [`SipConfig::validate`].
    pub fn tls_listen_addr(&self) -> Option<SocketAddr> {
        self.listen_addr()?;
        self.tls_listen.trim().parse().ok()
    }

    /// The RTP port range, first and last port; `None`: any port. Call
    /// after [`SipConfig::validate`].
    pub fn rtp_port_range(&self) -> Option<(u16, u16)> {
        let (first, last) = self.rtp_ports.trim().split_once('-')?;
        Some((first.trim().parse().ok()?, last.trim().parse().ok()?))
    }

    /// SIP's own certificate and key files, `None` for the web server's.
    pub fn own_certificate(&self) -> Option<(PathBuf, PathBuf)> {
        let empty = |p: &PathBuf| p.as_os_str().is_empty();
        (!empty(&self.cert_file) && !empty(&self.key_file))
            .then(|| (self.cert_file.clone(), self.key_file.clone()))
    }

    /// The address announced to phones: `public_address`, else the listen
    /// IP. `None` when SIP is off.
    pub fn public_ip(&self) -> Option<IpAddr> {
        let listen = self.listen_addr()?;
        match self.public_address.trim() {
            "" => Some(listen.ip()),
            text => text.parse().ok(),
        }
    }

    /// Whether hosts can dial out: SIP on and `dial_out`.
    pub fn dial_out_enabled(&self) -> bool {
        self.dial_out && self.listen_addr().is_some()
    }

    /// Whether `host` (lower case, IPv6 without brackets) is one
    /// `dial_out_domains` lets a dial-out reach.
    pub fn dial_out_allows(&self, host: &str) -> bool {
        self.dial_out_domains.is_empty()
            || self
                .dial_out_domains
                .iter()
                .any(|allowed| host_matches(allowed.trim(), host))
    }

    /// Refuses what cannot work; `web_tls` says whether the web server
    /// has a certificate SIP TLS could serve.
    pub(super) fn validate(&self, web_tls: bool) -> Result<(), ConfigError> {
        self.validate_tls(web_tls)?;
        self.validate_rtp_ports()?;
        self.validate_dial_out()?;
        if self.media_timeout_secs == 0 || self.media_timeout_secs > 3600 {
            return Err(ConfigError::Invalid(format!(
                "sip.media_timeout_secs must be 1 to 3600 seconds, not {}",
                self.media_timeout_secs
            )));
        }
        let listen = self.listen.trim();
        if listen.is_empty() {
            return Ok(());
        }
        let addr: SocketAddr = listen.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "sip.listen must be an IP address with a port, such as \"0.0.0.0:5060\", \
                 or empty for no SIP; not {:?}",
                self.listen
            ))
        })?;
        let public = self.public_address.trim();
        if public.is_empty() {
            if addr.ip().is_unspecified() {
                return Err(ConfigError::Invalid(format!(
                    "sip.listen is {addr}, an unspecified address, which phones cannot be \
                     told to send media to: set sip.public_address (CIVICMEET_SIP_PUBLIC_ADDRESS) \
                     to the IP address phones reach this server at"
                )));
            }
            return Ok(());
        }
        let ip: IpAddr = public.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "sip.public_address must be an IP address (no port), or empty for the \
                 listen address; not {:?}",
                self.public_address
            ))
        })?;
        if ip.is_unspecified() || ip.is_multicast() {
            return Err(ConfigError::Invalid(format!(
                "sip.public_address is {ip}, which phones cannot reach"
            )));
        }
        Ok(())
    }
}

impl SipConfig {
    fn validate_dial_out(&self) -> Result<(), ConfigError> {
        for allowed in &self.dial_out_domains {
            let allowed = allowed.trim();
            let network_ok = match allowed.split_once('/') {
                Some((ip, bits)) => network(ip, bits).is_some(),
                None => {
                    !allowed.is_empty() && !allowed.contains([' ', '@', ':'])
                        || allowed.parse::<IpAddr>().is_ok()
                }
            };
            if !network_ok {
                return Err(ConfigError::Invalid(format!(
                    "sip.dial_out_domains takes host names, domains, IP addresses and IP \
                     networks (10.1.0.0/16); not {allowed:?}"
                )));
            }
        }
        Ok(())
    }

    /// A call needs three ports (audio, and video's RTP/RTCP pair): a
    /// range must hold a few calls' worth, starting even (RTP on even
    /// ports, RFC 3550 §11).
    fn validate_rtp_ports(&self) -> Result<(), ConfigError> {
        if self.rtp_ports.trim().is_empty() {
            return Ok(());
        }
        let invalid = || {
            ConfigError::Invalid(format!(
                "sip.rtp_ports must be a range of UDP ports such as \"20000-20999\" \
                 (at least 16 ports, above 1023), or empty for any port; not {:?}",
                self.rtp_ports
            ))
        };
        let (first, last) = self.rtp_port_range().ok_or_else(invalid)?;
        if first < 1024 || last < first || last - first < 15 {
            return Err(invalid());
        }
        Ok(())
    }

    fn validate_tls(&self, web_tls: bool) -> Result<(), ConfigError> {
        let tls_listen = self.tls_listen.trim();
        let (cert, key) = (
            self.cert_file.as_os_str().is_empty(),
            self.key_file.as_os_str().is_empty(),
        );
        if cert != key {
            return Err(ConfigError::Invalid(
                "sip.cert_file and sip.key_file go together: set both, or neither for the \
                 web server's certificate"
                    .into(),
            ));
        }
        if tls_listen.is_empty() {
            return Ok(());
        }
        tls_listen.parse::<SocketAddr>().map_err(|_| {
            ConfigError::Invalid(format!(
                "sip.tls_listen must be an IP address with a port, such as \"0.0.0.0:5061\", \
                 or empty for no SIP TLS; not {:?}",
                self.tls_listen
            ))
        })?;
        if self.listen.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "sip.tls_listen needs sip.listen: SIP over TLS is part of the SIP gateway".into(),
            ));
        }
        if cert && !web_tls {
            return Err(ConfigError::Invalid(
                "sip.tls_listen is set but there is no certificate for it: the web server has \
                 none (http.tls = \"off\"); set http.tls to \"files\" or \"self-signed\", or \
                 give SIP its own with sip.cert_file and sip.key_file"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(listen: &str, public_address: &str) -> SipConfig {
        SipConfig {
            listen: listen.into(),
            public_address: public_address.into(),
            ..SipConfig::default()
        }
    }

    #[test]
    fn empty_is_off() {
        let config = SipConfig::default();
        config.validate(false).unwrap();
        assert_eq!(config.listen_addr(), None);
        assert_eq!(config.public_ip(), None);
    }

    #[test]
    fn the_public_address_defaults_to_the_listen_ip() {
        let config = sip("192.0.2.7:5060", "");
        config.validate(false).unwrap();
        assert_eq!(
            config.listen_addr(),
            Some("192.0.2.7:5060".parse().unwrap())
        );
        assert_eq!(config.public_ip(), Some("192.0.2.7".parse().unwrap()));
        let config = sip("0.0.0.0:5060", "198.51.100.1");
        config.validate(false).unwrap();
        assert_eq!(config.public_ip(), Some("198.51.100.1".parse().unwrap()));
    }

    #[test]
    fn the_rtp_port_range_is_a_real_range_of_a_few_calls() {
        let ports = |range: &str| SipConfig {
            rtp_ports: range.into(),
            ..sip("192.0.2.7:5060", "")
        };
        let config = ports(" 20000 - 20999 ");
        config.validate(false).unwrap();
        assert_eq!(config.rtp_port_range(), Some((20000, 20999)));
        assert_eq!(ports("").rtp_port_range(), None);
        for bad in [
            "20000",
            "20999-20000",
            "20000-20010",
            "80-1000",
            "a-b",
            "20000-70000",
        ] {
            let error = ports(bad).validate(false).unwrap_err().to_string();
            assert!(error.contains("sip.rtp_ports"), "{bad}: {error}");
        }
    }

    #[test]
    fn sip_tls_needs_a_certificate_and_sip() {
        let tls = |listen: &str, cert: &str, key: &str| SipConfig {
            tls_listen: "127.0.0.1:0".into(),
            cert_file: cert.into(),
            key_file: key.into(),
            ..sip(listen, "")
        };
        // The web server's certificate, when it has one.
        let config = tls("127.0.0.1:5060", "", "");
        config.validate(true).unwrap();
        assert_eq!(
            config.tls_listen_addr(),
            Some("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(config.own_certificate(), None);
        let err = config.validate(false).unwrap_err().to_string();
        assert!(
            err.contains("sip.tls_listen") && err.contains("http.tls"),
            "{err}"
        );
        // SIP's own, whatever the web server does.
        let config = tls("127.0.0.1:5060", "sip.pem", "sip.key");
        config.validate(false).unwrap();
        assert!(config.own_certificate().is_some());
        // Half a pair, TLS without SIP, a bad address.
        let err = tls("127.0.0.1:5060", "sip.pem", "")
            .validate(true)
            .unwrap_err();
        assert!(err.to_string().contains("sip.key_file"), "{err}");
        let err = tls("", "", "").validate(true).unwrap_err();
        assert!(err.to_string().contains("needs sip.listen"), "{err}");
        let config = SipConfig {
            tls_listen: "5061".into(),
            ..sip("127.0.0.1:5060", "")
        };
        let err = config.validate(true).unwrap_err();
        assert!(err.to_string().contains("sip.tls_listen"), "{err}");
        // Off by default; plain RTP allowed by default.
        let config = SipConfig::default();
        assert_eq!(config.tls_listen_addr(), None);
        assert!(config.plain_rtp);
    }

    #[test]
    fn dial_out_reaches_only_the_allowed_hosts() {
        let mut config = sip("192.0.2.7:5060", "");
        assert!(config.dial_out_enabled(), "on by default with SIP");
        assert!(config.dial_out_allows("203.0.113.9"), "empty: any");
        config.dial_out_domains = vec![
            "rooms.example".into(),
            "10.1.0.0/16".into(),
            "192.0.2.50".into(),
        ];
        config.validate(false).unwrap();
        for host in [
            "rooms.example",
            "saal3.rooms.example",
            "10.1.2.3",
            "192.0.2.50",
        ] {
            assert!(config.dial_out_allows(host), "{host}");
        }
        for host in [
            "evilrooms.example",
            "rooms.example.evil",
            "10.2.0.1",
            "192.0.2.51",
            "::1",
        ] {
            assert!(!config.dial_out_allows(host), "{host}");
        }
        config.dial_out_domains = vec!["10.1.0.0/99".into()];
        assert!(
            config
                .validate(false)
                .unwrap_err()
                .to_string()
                .contains("sip.dial_out_domains")
        );
        config.dial_out = false;
        assert!(!config.dial_out_enabled());
        assert!(
            !SipConfig::default().dial_out_enabled(),
            "no SIP, no dial-out"
        );
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (config, key) in [
            (sip("5060", ""), "sip.listen"),
            (sip("localhost:5060", ""), "sip.listen"),
            (sip("0.0.0.0:5060", ""), "sip.public_address"),
            (
                sip("127.0.0.1:5060", "198.51.100.1:5060"),
                "sip.public_address",
            ),
            (sip("127.0.0.1:5060", "0.0.0.0"), "sip.public_address"),
            (
                sip("127.0.0.1:5060", "sip.example.de"),
                "sip.public_address",
            ),
        ] {
            let err = config.validate(false).unwrap_err().to_string();
            assert!(err.contains(key), "{config:?}: {err}");
        }
    }
}
