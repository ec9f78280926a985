//! Project automation, run as `cargo xtask <task>` (the alias lives in
//! `.cargo/config.toml`).
//!
//! `cargo xtask test` is the one command that runs every test on a fresh
//! Debian machine, as root, and what `.ci/run` calls. In order it:
//! 1. installs Chromium with apt when `/usr/bin/chromium` is missing, and
//!    Firefox ESR when `/usr/bin/firefox-esr` is (the second browser engine
//!    of `tests/e2e/firefox.test.js`), and the network-fault tests' tools
//!    (iproute2, nftables, iptables) when `ip`, `tc`, `nft` or
//!    `iptables-legacy` is, and baresip (Debian package `baresip-core`) when
//!    `/usr/bin/baresip` is missing: the SIP phone that
//!    `tests/e2e/sip-audio.test.js` dials into a meeting with,
//! 2. runs `npm ci` in `tests/e2e` when its node_modules are missing or
//!    older than its package-lock.json,
//! 3. creates the Python venv `target/test-venv` with the mail tests' peers
//!    (aiosmtpd, icalendar; `crates/civicmeet-mail/tests/requirements.txt`)
//!    and the end-to-end tests' desk phone (pjsua2;
//!    `tests/e2e/requirements.txt`) when it is missing or was installed
//!    from other requirements,
//! 4. installs PostgreSQL (Debian package `postgresql`) when no
//!    `/usr/lib/postgresql/*/bin/initdb` exists: the store's tests start a
//!    throwaway cluster with it (and fail, not skip, without it),
//! 5. installs Janus (Debian package `janus`) when `/usr/bin/janus` is
//!    missing: the `janus-videoroom` tests start one to compare our media
//!    router with (and fail, not skip, without it), and libvpx (Debian
//!    package `libvpx7`) when no `libvpx.so.*` is in `/usr/lib`: the
//!    transcoder loads it at run time, and its tests fail without it,
//! 6. runs `cargo test --workspace --all-targets`,
//! 7. builds the `civicmeet` binary,
//! 8. runs the browser end-to-end tests (`node --test` in `tests/e2e`)
//!    against that binary.
//!
//! `cargo xtask e2e` does the same without steps 4 to 6, for a quick
//! browser run.
//!
//! `cargo xtask bench [ARGS]` reproduces BENCHMARKS.md's load-generator
//! table: it builds `civicmeet` and `civicmeet-loadgen` in release mode,
//! runs `civicmeet-loadgen all` (ARGS go to it, e.g. `--repeat 1`), and
//! writes the table to `target/bench/loadgen.md` and every run to
//! `target/bench/loadgen.json`.
//!
//! It stops at the first failing step, names it, and exits non-zero. It only
//! starts processes (std::process::Command): no dependencies, so it builds
//! in seconds before anything else is installed.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test   install missing test peers (Chromium, Firefox ESR, network-fault tools,
         baresip, npm and Python packages, PostgreSQL, Janus, libvpx), then run the Rust
         tests and the browser end-to-end tests
  e2e    the same, but only the browser end-to-end tests
  bench  build release, run every load-generator scenario against civicmeet,
         Janus and the plain UDP relay, write target/bench/loadgen.{md,json}
         (further arguments go to civicmeet-loadgen)";

const CHROMIUM: &str = "/usr/bin/chromium";
const FIREFOX: &str = "/usr/bin/firefox-esr";
/// What `tests/e2e/lib/netns.js` runs, and the Debian package of each.
const NETWORK_FAULT_TOOLS: [(&str, &str); 4] = [
    ("/usr/sbin/ip", "iproute2"),
    ("/usr/sbin/tc", "iproute2"),
    ("/usr/sbin/nft", "nftables"),
    // NFQUEUE for the delay: this kernel has it as an xtables target only.
    ("/usr/sbin/iptables-legacy", "iptables"),
];
const JANUS: &str = "/usr/bin/janus";
/// The SIP phone of the end-to-end tests (`tests/e2e/lib/baresip.js`).
const BARESIP: &str = "/usr/bin/baresip";
/// baresip's H.264 module (Debian package `baresip-ffmpeg`).
const BARESIP_AVCODEC: &str = "/usr/lib/baresip/modules/avcodec.so";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["test"] => report(test(Scope::All)),
        ["e2e"] => report(test(Scope::BrowserOnly)),
        ["bench", rest @ ..] => report(bench(rest)),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// A failed step: its name and what went wrong.
struct Failure {
    step: &'static str,
    reason: String,
}

fn report(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => {
            println!("xtask: all steps passed");
            ExitCode::SUCCESS
        }
        Err(Failure { step, reason }) => {
            eprintln!("xtask: step \"{step}\" failed: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Which tests a run includes.
#[derive(PartialEq)]
enum Scope {
    All,
    BrowserOnly,
}

fn test(scope: Scope) -> Result<(), Failure> {
    let root = repo_root();
    let e2e = root.join("tests/e2e");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    step("install Chromium", || {
        if Path::new(CHROMIUM).exists() {
            println!("xtask: {CHROMIUM} is present");
            return Ok(());
        }
        apt_install(&["chromium", "fonts-liberation"], Recommends::No)
    })?;

    step("install Firefox ESR", || {
        if Path::new(FIREFOX).exists() {
            println!("xtask: {FIREFOX} is present");
            return Ok(());
        }
        // With its recommends: Firefox decodes H.264 through libavcodec.
        apt_install(&["firefox-esr"], Recommends::Yes)
    })?;

    step("install network-fault tools", || {
        let mut missing: Vec<&str> = NETWORK_FAULT_TOOLS
            .iter()
            .filter(|(path, _)| !Path::new(path).exists())
            .map(|(_, package)| *package)
            .collect();
        missing.dedup();
        if missing.is_empty() {
            println!("xtask: ip, tc, nft and iptables-legacy are present");
            return Ok(());
        }
        apt_install(&missing, Recommends::No)
    })?;

    step("install baresip", || {
        if Path::new(BARESIP).exists() && Path::new(BARESIP_AVCODEC).exists() {
            println!("xtask: {BARESIP} and its H.264 module are present");
            return Ok(());
        }
        // The core package has the audio modules the tests load (ausine,
        // aufile, sndfile, ctrl_tcp, menu, opus, g711) and VP8, fakevideo
        // and snapshot for a room system's video; baresip-ffmpeg adds
        // H.264 (avcodec). The rest of baresip is desktop front ends.
        apt_install(&["baresip-core", "baresip-ffmpeg"], Recommends::No)
    })?;

    step("install npm packages", || {
        if node_modules_fresh(&e2e) {
            println!("xtask: tests/e2e/node_modules is up to date");
            return Ok(());
        }
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e);
        run(npm)
    })?;

    let venv = target_dir(&root).join("test-venv");
    let venv_python = venv.join("bin/python");
    step("install Python test packages", || {
        let requirements = [
            root.join("crates/civicmeet-mail/tests/requirements.txt"),
            e2e.join("requirements.txt"),
        ];
        python_venv(&venv, &requirements)
    })?;

    if scope == Scope::All {
        step("install PostgreSQL", || {
            if let Some(initdb) = postgres_initdb() {
                println!("xtask: {} is present", initdb.display());
                return Ok(());
            }
            apt_install(&["postgresql"], Recommends::No)?;
            match postgres_initdb() {
                Some(_) => Ok(()),
                None => Err(
                    "installed postgresql, but still no /usr/lib/postgresql/*/bin/initdb".into(),
                ),
            }
        })?;

        step("install Janus", || {
            if Path::new(JANUS).exists() {
                println!("xtask: {JANUS} is present");
                return Ok(());
            }
            apt_install(&["janus"], Recommends::No)
        })?;

        step("install libvpx", || {
            if let Some(library) = libvpx() {
                println!("xtask: {} is present", library.display());
                return Ok(());
            }
            apt_install(&["libvpx7"], Recommends::No)
        })?;

        step("cargo test", || {
            let mut command = Command::new(&cargo);
            command
                .args(["test", "--workspace", "--all-targets"])
                .current_dir(&root);
            // The mail tests start aiosmtpd and parse with icalendar from it.
            command.env("CIVICMEET_TEST_PYTHON", &venv_python);
            run(command)
        })?;
    }

    step("build civicmeet", || {
        let mut command = Command::new(&cargo);
        command
            .args(["build", "--package", "civicmeet"])
            .current_dir(&root);
        run(command)
    })?;

    step("browser end-to-end tests", || {
        let binary = target_dir(&root).join("debug/civicmeet");
        // One test file at a time: each starts Chromium pages and the server,
        // and the machines have two cores.
        let mut node = Command::new("node");
        node.args(["--test", "--test-concurrency=1"])
            .current_dir(&e2e)
            .env("CIVICMEET_BIN", &binary)
            // lib/pjsua.js runs its phone (pjsua2) with the venv's python.
            .env("CIVICMEET_TEST_PYTHON", &venv_python);
        run(node)
    })
}

fn bench(extra: &[&str]) -> Result<(), Failure> {
    let root = repo_root();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    step("build release", || {
        // One package per build: built together, the two would unify their
        // dependencies' features and give a server binary that differs
        // from the one `cargo build --release -p civicmeet` ships.
        for package in ["civicmeet", "civicmeet-loadgen"] {
            let mut command = Command::new(&cargo);
            command
                .args(["build", "--release", "--package", package])
                .current_dir(&root);
            run(command)?;
        }
        Ok(())
    })?;
    step("load generator", || {
        let out = target_dir(&root).join("bench");
        fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let table = out.join("loadgen.md");
        let mut command = Command::new(target_dir(&root).join("release/civicmeet-loadgen"));
        command
            .arg("all")
            .arg("--json-out")
            .arg(out.join("loadgen.json"))
            .arg("--table-out")
            .arg(&table)
            .args(extra)
            .current_dir(&root);
        run(command)?;
        println!("xtask: table written to {}", table.display());
        Ok(())
    })
}

/// A libvpx shared library where the dynamic loader looks (`/usr/lib` or
/// its multiarch folder), as `civicmeet-transcode` opens it.
fn libvpx() -> Option<PathBuf> {
    let folders = fs::read_dir("/usr/lib").ok()?.flatten().map(|e| e.path());
    std::iter::once(PathBuf::from("/usr/lib"))
        .chain(folders.filter(|p| p.is_dir()))
        .flat_map(|folder| fs::read_dir(folder).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libvpx.so."))
        })
}

/// Runs one named step, printing a header so a log shows where it failed.
/// Whether apt also installs a package's recommended packages.
#[derive(PartialEq)]
enum Recommends {
    Yes,
    No,
}

/// Installs Debian packages (refreshing the package lists first).
fn apt_install(packages: &[&str], recommends: Recommends) -> Result<(), String> {
    let apt = |args: &[&str]| {
        let mut command = Command::new("apt-get");
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(apt(&["update"]))?;
    let mut install = vec!["install", "-y"];
    if recommends == Recommends::No {
        install.push("--no-install-recommends");
    }
    install.extend_from_slice(packages);
    run(apt(&install))
}

fn step(name: &'static str, body: impl FnOnce() -> Result<(), String>) -> Result<(), Failure> {
    println!("\nxtask: == {name} ==");
    body().map_err(|reason| Failure { step: name, reason })
}

/// Runs a command with inherited output; any non-zero exit is an error.
fn run(mut command: Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    println!("xtask: $ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

/// The workspace root: this crate lives in `<root>/crates/xtask`.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the workspace root")
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Creates `venv` and installs every file of `requirements` into it, unless
/// a copy of the same requirements in the venv says that was already done.
/// Debian's python3 needs the python3-venv package for this; it is
/// installed when the first try fails.
fn python_venv(venv: &Path, requirements: &[PathBuf]) -> Result<(), String> {
    let mut wanted = Vec::new();
    for file in requirements {
        let text = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        wanted.extend_from_slice(&text);
    }
    let stamp = venv.join("installed-requirements.txt");
    let python = venv.join("bin/python");
    if python.exists() && fs::read(&stamp).is_ok_and(|installed| installed == wanted) {
        println!("xtask: {} is up to date", venv.display());
        return Ok(());
    }
    if !python.exists() {
        let create = || {
            let mut command = Command::new("python3");
            command.args(["-m", "venv"]).arg(venv);
            run(command)
        };
        if create().is_err() {
            // Leave no half-made venv behind for the second try.
            let _ = fs::remove_dir_all(venv);
            apt_install(&["python3-venv"], Recommends::No)?;
            create()?;
        }
    }
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
    ]);
    for file in requirements {
        pip.arg("-r").arg(file);
    }
    run(pip)?;
    fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// The `initdb` of an installed PostgreSQL server, if any (Debian puts each
/// major version's server binaries in `/usr/lib/postgresql/<version>/bin`).
fn postgres_initdb() -> Option<PathBuf> {
    fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("bin/initdb"))
        .find(|initdb| initdb.exists())
}

/// npm writes `node_modules/.package-lock.json` on every install; if it is
/// missing or older than the committed lock file, the packages are stale.
fn node_modules_fresh(e2e: &Path) -> bool {
    let modified = |path: PathBuf| fs::metadata(path).and_then(|m| m.modified()).ok();
    match (
        modified(e2e.join("node_modules/.package-lock.json")),
        modified(e2e.join("package-lock.json")),
    ) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    }
}
