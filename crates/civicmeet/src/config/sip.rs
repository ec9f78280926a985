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

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// The address SIP listens on, UDP and TCP alike, e.g. `0.0.0.0:5060`
    /// (port 0: any port free for both). Empty: no SIP.
    pub listen: String,
    /// The IP address phones reach this server at, written into SDP `c=`
    /// lines and our Contact. Empty: the listen address's IP.
    pub public_address: String,
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

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(listen: &str, public_address: &str) -> SipConfig {
        SipConfig {
            listen: listen.into(),
            public_address: public_address.into(),
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
