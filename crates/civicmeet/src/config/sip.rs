//! `[sip]`: the SIP gateway that lets phones and room systems dial into
//! meetings (issue 7). Off unless `listen` names an address.
//!
//! Both keys are strings so that "empty" can mean "off" or "the default";
//! [`SipConfig::listen_addr`] and [`SipConfig::public_ip`] give them typed,
//! and [`SipConfig::validate`] refuses what cannot work before anything
//! binds.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// The address SIP listens on, UDP and TCP alike, e.g. `0.0.0.0:5060`
    /// (port 0: any port free for both). Empty: no SIP.
    pub listen: String,
    /// The IP address phones reach this server at, written into SDP `c=`
    /// lines and our Contact. Empty: the listen address's IP.
    pub public_address: String,
    /// Hosts may call room systems from the meeting page (when SIP is on).
    pub dial_out: bool,
    /// The hosts dial-outs may reach: a host name or IP address, a
    /// domain (its subdomains too) or an IP network (`10.1.0.0/16`).
    /// Empty: any.
    pub dial_out_domains: Vec<String>,
}

impl Default for SipConfig {
    fn default() -> SipConfig {
        SipConfig {
            listen: String::new(),
            public_address: String::new(),
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

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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

/// Whether `host` is `allowed`: the same host, a subdomain of it, or an
/// address in its network.
fn host_matches(allowed: &str, host: &str) -> bool {
    if let Some((ip, bits)) = allowed.split_once('/') {
        let (Some((network, bits)), Ok(host)) = (network(ip, bits), host.parse::<IpAddr>()) else {
            return false;
        };
        return in_network(network, bits, host);
    }
    let allowed = allowed.trim_start_matches('.').to_ascii_lowercase();
    host == allowed
        || (host.parse::<IpAddr>().is_err()
            && host
                .strip_suffix(allowed.as_str())
                .is_some_and(|rest| rest.ends_with('.')))
}

fn network(ip: &str, bits: &str) -> Option<(IpAddr, u32)> {
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_network(network: IpAddr, bits: u32, host: IpAddr) -> bool {
    match (network, host) {
        (IpAddr::V4(n), IpAddr::V4(h)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(h) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(h)) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(h) & mask
        }
        _ => false,
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
        config.validate().unwrap();
        assert_eq!(config.listen_addr(), None);
        assert_eq!(config.public_ip(), None);
    }

    #[test]
    fn the_public_address_defaults_to_the_listen_ip() {
        let config = sip("192.0.2.7:5060", "");
        config.validate().unwrap();
        assert_eq!(
            config.listen_addr(),
            Some("192.0.2.7:5060".parse().unwrap())
        );
        assert_eq!(config.public_ip(), Some("192.0.2.7".parse().unwrap()));
        let config = sip("0.0.0.0:5060", "198.51.100.1");
        config.validate().unwrap();
        assert_eq!(config.public_ip(), Some("198.51.100.1".parse().unwrap()));
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
        config.validate().unwrap();
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
                .validate()
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
            let err = config.validate().unwrap_err().to_string();
            assert!(err.contains(key), "{config:?}: {err}");
        }
    }
}
