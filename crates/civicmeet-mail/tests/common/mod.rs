//! Shared by the integration tests: the Python test peers (a real SMTP
//! server, an independent mail and iCalendar parser) and sample data.
//!
//! The Python comes from the venv that `cargo xtask test` creates, found
//! through `CIVICMEET_TEST_PYTHON` or at `<workspace>/target/test-venv`.
//! Without it the tests fail and say how to get it; they never skip.

#![allow(dead_code)] // Each test binary uses a different part of this.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use chrono_tz::Tz;
use civicmeet_mail::{Appointment, Citizen, Links, Locale, Office, Sender};
use serde_json::Value;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The venv's interpreter, or a panic that says how to create it.
pub fn python() -> PathBuf {
    let path = match std::env::var_os("CIVICMEET_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"),
    };
    assert!(
        path.exists(),
        "the mail tests need Python with aiosmtpd and icalendar at {} \
         (set CIVICMEET_TEST_PYTHON to use another). Run `cargo xtask test` \
         once: it creates target/test-venv from \
         crates/civicmeet-mail/tests/requirements.txt.",
        path.display()
    );
    path
}

/// Options of the SMTP server (see smtp_sink.py).
#[derive(Default)]
pub struct SinkOptions {
    pub tls: Option<(TlsFiles, &'static str)>,
    pub login: Option<(&'static str, &'static str)>,
    pub auth_over_plain: bool,
    pub reject_domain: Option<&'static str>,
}

/// aiosmtpd on 127.0.0.1, writing what it receives into a temp folder.
/// Dropping it closes the server's stdin (it stops) and kills it.
pub struct Sink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Sink {
    pub fn start(options: SinkOptions) -> Sink {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut command = Command::new(python());
        command
            .arg(tests_dir().join("smtp_sink.py"))
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((files, mode)) = &options.tls {
            command
                .arg("--cert")
                .arg(&files.cert)
                .arg("--key")
                .arg(&files.key)
                .args(["--tls-mode", mode]);
        }
        if let Some((user, password)) = options.login {
            command.args(["--user", user, "--password", password]);
        }
        if options.auth_over_plain {
            command.arg("--auth-over-plain");
        }
        if let Some(domain) = options.reject_domain {
            command.args(["--reject-domain", domain]);
        }
        let mut child = command.spawn().expect("start smtp_sink.py");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("smtp_sink.py prints its port within 30 s");
        let port = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("smtp_sink.py did not start: {line:?}"));
        let stdin = child.stdin.take();
        Sink {
            port,
            dir,
            child,
            stdin,
        }
    }

    /// The `n`th received message (from 1) and its session facts.
    pub fn received(&self, n: usize) -> (PathBuf, Value) {
        let eml = self.dir.path().join(format!("{n}.eml"));
        assert!(eml.exists(), "message {n} did not arrive");
        let facts = std::fs::read_to_string(self.dir.path().join(format!("{n}.json")))
            .expect("the envelope file");
        (eml, serde_json::from_str(&facts).expect("envelope JSON"))
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .expect("the sink folder")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .count()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway CA and a server certificate for 127.0.0.1 signed by it,
/// made with the openssl command line tool.
pub struct TlsFiles {
    _dir: tempfile::TempDir,
    pub ca_cert: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn make_tls_files() -> TlsFiles {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = |name: &str| dir.path().join(name);
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .expect("the TLS tests need the openssl command (Debian package openssl)");
        assert!(status.success(), "openssl {args:?} failed");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &[
                "req",
                "-x509",
                "-days",
                "2",
                "-subj",
                "/CN=civicmeet test CA",
            ][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req", "-new", "-subj", "/CN=127.0.0.1"][..],
            &ec,
            &["-keyout", "server.key", "-out", "server.csr"],
        ]
        .concat(),
    );
    std::fs::write(
        path("server.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    TlsFiles {
        ca_cert: path("ca.pem"),
        cert: path("server.pem"),
        key: path("server.key"),
        _dir: dir,
    }
}

/// Parses `eml` with Python's email and icalendar packages (inspect_mail.py).
/// `probes` are local times at which to evaluate each VTIMEZONE.
pub fn inspect(eml: &Path, probes: &[String]) -> Value {
    let output = Command::new(python())
        .arg(tests_dir().join("inspect_mail.py"))
        .arg(eml)
        .args(probes)
        .stderr(Stdio::inherit())
        .output()
        .expect("run inspect_mail.py");
    assert!(
        output.status.success(),
        "inspect_mail.py failed on {}",
        eml.display()
    );
    serde_json::from_slice(&output.stdout).expect("inspect_mail.py prints JSON")
}

pub fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("an unambiguous local time")
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 8, 15, 0)
        .single()
        .expect("valid")
}

pub const HOST: &str = "termine.example.org";
pub const JOIN: &str = "https://termine.example.org/j/Zq3vJ8xR2mNc7LpW0aTy5g";
pub const CANCEL: &str = "https://termine.example.org/c/Hn4kT1sB9eVd6QxP2uLm8w";
pub const REBOOK: &str = "https://termine.example.org/r/Ua7cY3fK0jWp5RzN1oGs4e";
pub const CONFIRM: &str = "https://termine.example.org/k/Bd2hM6qX8tLv4JnS0cPw9r";

pub fn sender() -> Sender {
    Sender {
        name: "Stadt Beispiel – Termine".into(),
        email: "termine@example.org".into(),
        host: HOST.into(),
    }
}

/// Tuesday 31 March 2026, 10:00–10:30 in Berlin: two days after the
/// switch to summer time, so a wrong offset shows as an hour's error.
pub fn appointment(locale: Locale) -> Appointment {
    let start = berlin(2026, 3, 31, 10, 0);
    Appointment {
        id: "apt-7f3a9c".into(),
        sequence: 0,
        start,
        end: start + chrono::Duration::minutes(30),
        service: "Wohngeld-Beratung, Erstgespräch".into(),
        office: Office {
            name: "Bürgeramt Mitte; Stadt Beispiel".into(),
            address: "Rathausplatz 1\n10115 Beispielstadt".into(),
            email: "buergeramt@example.org".into(),
        },
        citizen: Citizen {
            name: "Jürgen Müller-Lüdenscheidt".into(),
            email: "juergen@example.net".into(),
            locale,
        },
        documents: vec![
            "Personalausweis oder Reisepass".into(),
            "Mietvertrag, Nebenkostenabrechnung".into(),
        ],
    }
}

pub fn links() -> Links {
    Links {
        join: JOIN.into(),
        cancel: CANCEL.into(),
        rebook: REBOOK.into(),
    }
}
