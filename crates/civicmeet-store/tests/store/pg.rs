//! A throwaway PostgreSQL cluster for this test binary.
//!
//! The first PostgreSQL test starts it (`initdb` + `pg_ctl`), listening
//! only on a unix socket in its own folder under the temp dir, with trust
//! auth and without fsync. Each test then creates its own database in it.
//! An `atexit` hook stops the cluster and deletes the folder when the test
//! binary exits. If a run was killed before that, the next run finds the
//! leftover folder (its `owner.pid` names a dead process), stops that
//! cluster and deletes it.
//!
//! PostgreSQL refuses to run as root. As root, the server runs as the
//! `postgres` user (which Debian's package creates), else as `nobody`.
//!
//! Missing server binaries are a failure, not a skip: `cargo xtask test`
//! installs them.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

const PREFIX: &str = "civicmeet-pg-";

pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<(u32, u32)>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The cluster, started on first use. Panics with the reason if it cannot
/// be started.
pub fn cluster() -> &'static Cluster {
    match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(reason) => panic!("cannot start the test PostgreSQL cluster: {reason}"),
    }
}

impl Cluster {
    /// A URL for `database` on the cluster's socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost/{database}?host={}",
            self.dir.display()
        )
    }

    /// A name for a fresh database, unique in this process.
    pub fn next_database_name(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed))
    }

    fn command(&self, tool: &str) -> Command {
        command(&self.bin, tool, self.run_as, &self.dir)
    }
}

fn command(bin: &Path, tool: &str, run_as: Option<(u32, u32)>, cwd: &Path) -> Command {
    let mut command = Command::new(bin.join(tool));
    // The unprivileged user may not be able to enter the caller's folder.
    command.current_dir(cwd);
    if let Some((uid, gid)) = run_as {
        // std drops supplementary groups too when it switches from root.
        command.uid(uid).gid(gid);
    }
    command
}

fn start() -> Result<Cluster, String> {
    let bin = find_bin()?;
    let run_as = unprivileged_user()?;
    remove_stale_clusters(&bin, run_as);

    let dir = tempfile::Builder::new()
        .prefix(PREFIX)
        .tempdir()
        .map_err(|e| format!("cannot create a temp folder: {e}"))?
        .keep();
    fs::write(dir.join("owner.pid"), std::process::id().to_string())
        .map_err(|e| format!("cannot write owner.pid: {e}"))?;
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot hand {} to uid {uid}: {e}", dir.display()))?;
    }
    let cluster = Cluster { bin, dir, run_as };

    let data = cluster.dir.join("data");
    run(cluster.command("initdb").arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]))?;
    let options = format!(
        "-c listen_addresses='' -k {} -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300",
        cluster.dir.display()
    );
    let started = run(cluster
        .command("pg_ctl")
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(cluster.dir.join("server.log"))
        .args(["-w", "-t", "60", "-o", &options, "start"]));
    if let Err(e) = started {
        let log = fs::read_to_string(cluster.dir.join("server.log")).unwrap_or_default();
        stop(&cluster);
        return Err(format!("{e}\nserver.log:\n{log}"));
    }
    register_stop_at_exit();
    Ok(cluster)
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `pg_ctl`.
fn find_bin() -> Result<PathBuf, String> {
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "the PostgreSQL server binaries are missing (no /usr/lib/postgresql/*/bin/initdb). \
         Run `cargo xtask test`, which installs them (Debian package `postgresql`), \
         or `apt-get install postgresql`."
            .to_owned()
    })
}

/// When running as root: the uid and gid to run PostgreSQL as.
fn unprivileged_user() -> Result<Option<(u32, u32)>, String> {
    // /proc/self belongs to the process's effective user.
    let euid = fs::metadata("/proc/self")
        .map_err(|e| format!("cannot read /proc/self: {e}"))?
        .uid();
    if euid != 0 {
        return Ok(None);
    }
    for user in ["postgres", "nobody"] {
        if let (Some(uid), Some(gid)) = (id(user, "-u"), id(user, "-g")) {
            return Ok(Some((uid, gid)));
        }
    }
    Err(
        "running as root, and neither a `postgres` nor a `nobody` user exists \
         to run PostgreSQL as"
            .into(),
    )
}

fn id(user: &str, flag: &str) -> Option<u32> {
    let output = Command::new("id").args([flag, user]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// Stops and deletes clusters whose test process is gone (a killed run).
fn remove_stale_clusters(bin: &Path, run_as: Option<(u32, u32)>) {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(PREFIX));
        if !is_ours {
            continue;
        }
        let owner = fs::read_to_string(dir.join("owner.pid")).unwrap_or_default();
        let alive = owner
            .trim()
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if alive {
            continue;
        }
        let stale = Cluster {
            bin: bin.to_path_buf(),
            dir: dir.clone(),
            run_as,
        };
        eprintln!("pg: removing the leftover test cluster {}", dir.display());
        stop(&stale);
    }
}

/// Stops the cluster (immediately: its data is thrown away) and deletes
/// its folder.
fn stop(cluster: &Cluster) {
    let data = cluster.dir.join("data");
    if data.join("postmaster.pid").exists() {
        let _ = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
    let _ = fs::remove_dir_all(&cluster.dir);
}

fn register_stop_at_exit() {
    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    extern "C" fn stop_cluster() {
        if let Some(Ok(cluster)) = CLUSTER.get() {
            stop(cluster);
        }
    }
    // SAFETY: atexit only stores the function pointer; `stop_cluster` is a
    // plain extern "C" fn that does not unwind (it ignores all errors).
    unsafe {
        atexit(stop_cluster);
    }
}

/// Runs a command to completion; a non-zero exit is an error with its output.
fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} exited with {}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
