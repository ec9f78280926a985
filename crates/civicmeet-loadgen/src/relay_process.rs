//! The `udp-relay` binary as a child process, so its CPU time is its own.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::target::Error;

/// A running relay; killed when dropped.
pub struct RelayProcess {
    pub addr: SocketAddr,
    pub pid: Option<u32>,
    _child: Child,
}

impl RelayProcess {
    /// Starts `binary` on a free loopback port and reads the port it took.
    pub async fn spawn(binary: &Path) -> Result<RelayProcess, Error> {
        let mut child = Command::new(binary)
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Server(format!("cannot start {}: {e}", binary.display())))?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::Server("the relay has no stdout".into()))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| Error::Server(format!("the relay said {line:?}")))?;
        Ok(RelayProcess {
            addr,
            pid,
            _child: child,
        })
    }
}
