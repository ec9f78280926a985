//! Starts a Janus of its own for a test or a benchmark run, and stops it.
//!
//! Each server gets a fresh temp folder holding its config files and
//! folders with one symlink each: the VideoRoom plugin and the HTTP
//! transport, nothing else (no event handlers, no loggers). The HTTP API
//! listens on a free loopback port, no STUN or TURN server is configured,
//! and ICE uses this machine's own IPv4 address, which Janus reports and
//! [`JanusServer::media_ip`] passes on (why not loopback: see `jcfg`).

use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::client::{JanusClient, ServerInfo};
use crate::error::StartError;
use crate::jcfg;

/// Where the Debian package `janus` puts things: the binary, and the
/// modules under the multiarch library folder (`/usr/lib/<triplet>/janus`).
const BINARY: &str = "/usr/bin/janus";
const MODULES_ON_AMD64: &str = "/usr/lib/x86_64-linux-gnu/janus";
const VIDEOROOM: &str = "plugins/libjanus_videoroom.so";
const HTTP_TRANSPORT: &str = "transports/libjanus_http.so";

/// How to start Janus.
#[derive(Debug, Clone)]
pub struct JanusConfig {
    pub binary: PathBuf,
    /// The folder holding the package's `plugins/` and `transports/`.
    pub modules: PathBuf,
    /// UDP ports Janus may use for media (ICE).
    pub rtp_ports: RangeInclusive<u16>,
    /// Janus's log level, 0 (none) to 7; 4 is its default.
    pub debug_level: u8,
    /// A fixed pool of media threads instead of Janus's one per handle.
    pub event_loops: Option<u32>,
    /// How long start-up may take before `GET /janus/info` must answer.
    pub ready_timeout: Duration,
}

impl Default for JanusConfig {
    fn default() -> JanusConfig {
        JanusConfig {
            binary: BINARY.into(),
            modules: installed_modules(),
            // Below Linux's ephemeral range (32768-60999), so our own peers'
            // sockets do not compete with Janus for these ports.
            rtp_ports: 20_000..=29_999,
            debug_level: 4,
            event_loops: None,
            ready_timeout: Duration::from_secs(15),
        }
    }
}

/// A running Janus, killed when dropped.
pub struct JanusServer {
    child: Child,
    api: SocketAddr,
    media_ip: IpAddr,
    log: PathBuf,
    // Removed after the child is gone (fields drop after `Drop::drop`).
    _dir: TempDir,
}

/// How often start-up tries again when Janus exits at once: the free port
/// picked for its API can be taken by someone else before Janus binds it.
const START_ATTEMPTS: u32 = 3;

impl JanusServer {
    /// Starts Janus with [`JanusConfig::default`].
    pub async fn start() -> Result<JanusServer, StartError> {
        JanusServer::start_with(JanusConfig::default()).await
    }

    /// Starts Janus and waits until its API answers.
    pub async fn start_with(config: JanusConfig) -> Result<JanusServer, StartError> {
        check_installed(&config)?;
        let mut attempt = 1;
        loop {
            match start_once(&config).await {
                Err(StartError::Exited { .. }) if attempt < START_ATTEMPTS => attempt += 1,
                outcome => return outcome,
            }
        }
    }

    /// The process id, for reading its CPU time from `/proc/<pid>/stat`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where the Janus HTTP API listens (base path `/janus`).
    pub fn api_addr(&self) -> SocketAddr {
        self.api
    }

    /// The address Janus gathers its ICE candidates on: one of this
    /// machine's own. Bind the peers' UDP sockets to it; a peer on
    /// 127.0.0.1 does not connect (Janus never uses loopback for ICE).
    pub fn media_ip(&self) -> IpAddr {
        self.media_ip
    }

    /// A client for this server's API.
    pub fn client(&self) -> JanusClient {
        JanusClient::new(self.api)
    }

    /// Janus's stdout and stderr, for when something goes wrong.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last lines of the log.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log)
    }
}

impl Drop for JanusServer {
    fn drop(&mut self) {
        // SIGKILL: a benchmark or test is over, nothing of Janus's state is
        // worth a clean shutdown. Reaped so no zombie stays behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The package's module folder on this machine's architecture; the amd64
/// one when none is found, so the error names a plausible path.
fn installed_modules() -> PathBuf {
    fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("janus"))
        .find(|folder| folder.join(VIDEOROOM).exists())
        .unwrap_or_else(|| MODULES_ON_AMD64.into())
}

fn check_installed(config: &JanusConfig) -> Result<(), StartError> {
    if !config.binary.exists() {
        return Err(StartError::NotInstalled {
            binary: config.binary.clone(),
        });
    }
    for (kind, module) in [("plugin", VIDEOROOM), ("transport", HTTP_TRANSPORT)] {
        let path = config.modules.join(module);
        if !path.exists() {
            return Err(StartError::MissingModule { kind, path });
        }
    }
    Ok(())
}

async fn start_once(config: &JanusConfig) -> Result<JanusServer, StartError> {
    let dir = tempfile::Builder::new()
        .prefix("janus-videoroom-")
        .tempdir()
        .map_err(StartError::Setup)?;
    let api = free_loopback_port().map_err(StartError::Setup)?;
    write_config(dir.path(), config, api).map_err(StartError::Setup)?;
    let log = dir.path().join("janus.log");
    let log_file = fs::File::create(&log).map_err(StartError::Setup)?;
    let log_err = log_file.try_clone().map_err(StartError::Setup)?;
    let child = Command::new(&config.binary)
        .arg("-C")
        .arg(dir.path().join("janus.jcfg"))
        .arg("-F")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
        .map_err(|source| StartError::Spawn {
            binary: config.binary.clone(),
            source,
        })?;
    let mut server = JanusServer {
        child,
        api,
        // Until Janus says which address it uses.
        media_ip: Ipv4Addr::LOCALHOST.into(),
        log,
        _dir: dir,
    };
    let info = wait_ready(&mut server, config.ready_timeout).await?;
    if let Some(ip) = info.local_ip {
        server.media_ip = ip;
    }
    Ok(server)
}

/// Polls `GET /janus/info` until it answers, the process exits, or time
/// runs out.
async fn wait_ready(server: &mut JanusServer, timeout: Duration) -> Result<ServerInfo, StartError> {
    let client = server.client();
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(StartError::Exited {
                status: status.to_string(),
                log_tail: server.log_tail(),
            });
        }
        if let Ok(info) = client.info().await {
            return Ok(info);
        }
        if Instant::now() > deadline {
            return Err(StartError::NotReady(timeout, server.log_tail()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The config files and the module folders in `dir`.
fn write_config(dir: &Path, config: &JanusConfig, api: SocketAddr) -> std::io::Result<()> {
    let folder = |name: &str| -> std::io::Result<PathBuf> {
        let path = dir.join(name);
        fs::create_dir(&path)?;
        Ok(path)
    };
    let plugins = folder("plugins")?;
    let transports = folder("transports")?;
    let events = folder("events")?;
    let loggers = folder("loggers")?;
    for (module, folder) in [(VIDEOROOM, &plugins), (HTTP_TRANSPORT, &transports)] {
        let source = config.modules.join(module);
        // `module` is a relative path with a file name (constants above).
        let name = source.file_name().unwrap_or_default();
        std::os::unix::fs::symlink(&source, folder.join(name))?;
    }
    let core = jcfg::core(&jcfg::CoreFiles {
        configs: dir,
        plugins: &plugins,
        transports: &transports,
        events: &events,
        loggers: &loggers,
        rtp_ports: &config.rtp_ports,
        debug_level: config.debug_level,
        event_loops: config.event_loops,
    });
    fs::write(dir.join("janus.jcfg"), core)?;
    fs::write(
        dir.join("janus.transport.http.jcfg"),
        jcfg::http_transport(api),
    )?;
    fs::write(dir.join("janus.plugin.videoroom.jcfg"), jcfg::videoroom())?;
    Ok(())
}

/// A loopback TCP port nobody listens on right now.
fn free_loopback_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
