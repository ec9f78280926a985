//! The real `civicmeet` binary as scripts and the browser tests start it:
//! free ports, a data folder, the bound addresses on stdout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn the_binary_prints_its_bound_addresses_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_civicmeet"))
        .args([
            "--http-listen",
            "127.0.0.1:0",
            "--media-listen",
            "127.0.0.1:0",
            "--log",
            "warn",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("CIVICMEET_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let web = lines.next().unwrap().unwrap();
    let media = lines.next().unwrap().unwrap();

    let http = web
        .strip_prefix("civicmeet is running at http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {web}"));
    assert!(!http.ends_with(":0"), "{web}");
    let udp = media
        .strip_prefix("media on udp ")
        .unwrap_or_else(|| panic!("unexpected second line: {media}"));
    assert!(
        udp.starts_with("127.0.0.1:") && !udp.ends_with(":0"),
        "{media}"
    );

    let mut stream = TcpStream::connect(http).unwrap();
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
    assert!(dir.path().join("civicmeet.db").exists());
}
