//! Where dial-outs may go (`sip.dial_out_domains`): a host name matches
//! itself and its subdomains, an IP address itself, an IP network
//! (`10.1.0.0/16`) the addresses in it.

use std::net::IpAddr;

/// Whether `host` is `allowed`: the same host, a subdomain of it, or an
/// address in its network.
pub(super) fn host_matches(allowed: &str, host: &str) -> bool {
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

pub(super) fn network(ip: &str, bits: &str) -> Option<(IpAddr, u32)> {
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
