//! `udp-relay [ADDR:PORT]`: the plain UDP relay (see `civicmeet_loadgen::relay`)
//! as a process of its own, so its CPU time can be read from `/proc`.
//! Prints `listening on ADDR:PORT` once bound; runs until killed.

use std::io::Write;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

fn main() -> ExitCode {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let socket = match UdpSocket::bind(&listen) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("udp-relay: cannot bind {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match socket.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => {
            eprintln!("udp-relay: {e}");
            return ExitCode::FAILURE;
        }
    }
    let _ = std::io::stdout().flush();
    let never = AtomicBool::new(false);
    match civicmeet_loadgen::relay::run(&socket, &never) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp-relay: {e}");
            ExitCode::FAILURE
        }
    }
}
