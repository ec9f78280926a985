//! The config files a test Janus starts from, rendered as text (pure; the
//! server module writes them).
//!
//! What the files leave out matters as much as what they say: no STUN or
//! TURN server, no event handlers, no admin API, no TLS, no IPv6, no
//! ICE-TCP, so a Janus started from them never reaches beyond this machine.
//!
//! ICE cannot be confined to the loopback interface: Janus 1.1.2 skips
//! loopback interfaces when it gathers candidates (`IFF_LOOPBACK` in
//! `ice.c`), and an enforce list naming `lo` leaves it with no address, so
//! libnice falls back to all interfaces, IPv6 included. So Janus gathers
//! host candidates on this machine's own IPv4 addresses, and the peers
//! bind to the one it reports (`JanusServer::media_ip`): datagrams between
//! a machine's own addresses are delivered by its kernel and never leave
//! it, and with no STUN or TURN server Janus only ever sends to the
//! candidates our peers give it.
//! Which plugins and transports load is decided by the folders the server
//! module fills (one symlink each), not by `disable` lists here, so a
//! Debian package that ships a new plugin cannot slip one in.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::Path;

/// The folders and settings that go into `janus.jcfg`.
pub(crate) struct CoreFiles<'a> {
    pub configs: &'a Path,
    pub plugins: &'a Path,
    pub transports: &'a Path,
    pub events: &'a Path,
    pub loggers: &'a Path,
    pub rtp_ports: &'a RangeInclusive<u16>,
    pub debug_level: u8,
    pub event_loops: Option<u32>,
}

/// `janus.jcfg`: the core's settings.
pub(crate) fn core(files: &CoreFiles<'_>) -> String {
    let event_loops = match files.event_loops {
        // Janus's default is one loop (thread) per handle; a fixed pool is
        // what a benchmark may want to compare.
        Some(n) => format!("\tevent_loops = {n}\n"),
        None => String::new(),
    };
    format!(
        "general: {{
\tconfigs_folder = {configs}
\tplugins_folder = {plugins}
\ttransports_folder = {transports}
\tevents_folder = {events}
\tloggers_folder = {loggers}
\tdebug_level = {debug_level}
\tdebug_colors = false
\tserver_name = \"civicmeet-test-janus\"
\tsession_timeout = 60
{event_loops}}}
certificates: {{
\t# No files: Janus makes a throwaway DTLS certificate at start.
}}
media: {{
\tipv6 = false
\trtp_port_range = \"{rtp_min}-{rtp_max}\"
}}
nat: {{
\tnice_debug = false
\tice_lite = false
\tice_tcp = false
\tfull_trickle = false
\t# No stun_server, no turn_server: host candidates only (see above).
\t# .local candidates would need multicast DNS on the LAN.
\tignore_mdns = true
}}
plugins: {{
}}
transports: {{
}}
loggers: {{
}}
events: {{
\tbroadcast = false
}}
",
        configs = quoted(files.configs),
        plugins = quoted(files.plugins),
        transports = quoted(files.transports),
        events = quoted(files.events),
        loggers = quoted(files.loggers),
        debug_level = files.debug_level.min(7),
        rtp_min = files.rtp_ports.start(),
        rtp_max = files.rtp_ports.end(),
    )
}

/// `janus.transport.http.jcfg`: the Janus API on `addr`, plain HTTP, no
/// admin API.
pub(crate) fn http_transport(addr: SocketAddr) -> String {
    format!(
        "general: {{
\tjson = \"compact\"
\tbase_path = \"/janus\"
\thttp = true
\tip = \"{ip}\"
\tport = {port}
\thttps = false
}}
admin: {{
\tadmin_http = false
\tadmin_https = false
}}
cors: {{
}}
",
        ip = addr.ip(),
        port = addr.port(),
    )
}

/// `janus.plugin.videoroom.jcfg`: no predefined rooms (the package's
/// sample file has a demo room); rooms are made through the API.
pub(crate) fn videoroom() -> String {
    "general: {\n}\n".to_owned()
}

/// A path as a libconfig string literal.
fn quoted(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_config_names_no_ice_server() {
        let dir = Path::new("/tmp/x");
        let text = core(&CoreFiles {
            configs: dir,
            plugins: dir,
            transports: dir,
            events: dir,
            loggers: dir,
            rtp_ports: &(20_000..=20_999),
            debug_level: 4,
            event_loops: None,
        });
        assert!(text.contains("rtp_port_range = \"20000-20999\""));
        for absent in [
            "stun_server =",
            "turn_server =",
            "turn_rest_api =",
            "event_loops",
            "ice_enforce_list",
        ] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }

    #[test]
    fn paths_are_escaped() {
        assert_eq!(quoted(Path::new("/a\"b\\c")), "\"/a\\\"b\\\\c\"");
    }

    #[test]
    fn http_transport_binds_the_given_address() {
        let text = http_transport("127.0.0.1:18088".parse().unwrap());
        assert!(text.contains("ip = \"127.0.0.1\""));
        assert!(text.contains("port = 18088"));
        assert!(text.contains("admin_http = false"));
    }
}
