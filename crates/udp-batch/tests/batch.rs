//! Real sockets on loopback: what goes out in batches arrives, in order.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use udp_batch::{RecvBatch, SendBatch};

fn bound(addr: &str) -> UdpSocket {
    let socket = UdpSocket::bind(addr).expect("bind on loopback");
    socket.set_nonblocking(true).unwrap();
    socket
}

/// Receives until `count` datagrams arrived or two seconds passed.
fn receive_all(
    socket: &UdpSocket,
    batch: &mut RecvBatch,
    count: usize,
) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while got.len() < count && Instant::now() < deadline {
        match batch.recv(socket) {
            Ok(n) => {
                assert!(n > 0, "recv reports at least one datagram or WouldBlock");
                got.extend(batch.iter().map(|(source, data)| (source, data.to_vec())));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("receive failed: {e}"),
        }
    }
    got
}

fn roundtrip(local: &str) {
    let receiver = bound(local);
    let sender = bound(local);
    let to = receiver.local_addr().unwrap();
    // More than one system call's worth, of different sizes.
    let payloads: Vec<Vec<u8>> = (0..150u32)
        .map(|i| i.to_be_bytes().repeat(1 + (i as usize % 40)))
        .collect();
    let datagrams: Vec<(SocketAddr, &[u8])> = payloads.iter().map(|p| (to, p.as_slice())).collect();
    let mut send = SendBatch::new();
    let mut sent = 0;
    while sent < datagrams.len() {
        match send.send(&sender, &datagrams[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("send failed: {e}"),
        }
    }
    let mut batch = RecvBatch::new(32, 2048);
    let got = receive_all(&receiver, &mut batch, payloads.len());
    assert_eq!(got.len(), payloads.len(), "every datagram arrives");
    for ((source, data), expected) in got.iter().zip(&payloads) {
        assert_eq!(*source, sender.local_addr().unwrap());
        assert_eq!(data, expected, "contents and order kept");
    }
}

#[test]
fn batches_arrive_whole_and_in_order() {
    // IPv6 addresses are covered by the conversion's unit test; a CI
    // machine may have no IPv6 loopback to send over.
    roundtrip("127.0.0.1:0");
}

#[test]
fn an_empty_socket_would_block() {
    let socket = bound("127.0.0.1:0");
    let mut batch = RecvBatch::new(8, 2048);
    let error = batch.recv(&socket).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    assert_eq!(batch.iter().count(), 0);
}

#[test]
fn a_long_datagram_is_cut_to_the_buffer() {
    let receiver = bound("127.0.0.1:0");
    let sender = bound("127.0.0.1:0");
    sender
        .send_to(&[7u8; 300], receiver.local_addr().unwrap())
        .unwrap();
    let mut batch = RecvBatch::new(4, 100);
    let got = receive_all(&receiver, &mut batch, 1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, vec![7u8; 100]);
}

#[test]
fn a_refused_destination_is_skipped_and_the_others_still_go() {
    let receiver = bound("127.0.0.1:0");
    let sender = bound("127.0.0.1:0");
    let to = receiver.local_addr().unwrap();
    // An IPv4 socket cannot send to an IPv6 address: the kernel refuses it.
    let refused: SocketAddr = "[2001:db8::1]:9".parse().unwrap();
    let datagrams: Vec<(SocketAddr, &[u8])> = vec![(to, b"one"), (refused, b"lost"), (to, b"two")];
    let mut send = SendBatch::new();
    assert_eq!(send.send(&sender, &datagrams).unwrap(), 3);
    assert!(send.take_error().is_some(), "the refusal is reported");
    assert_eq!(send.skipped(), 1);
    let mut batch = RecvBatch::new(4, 2048);
    let got: HashSet<Vec<u8>> = receive_all(&receiver, &mut batch, 2)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(got, HashSet::from([b"one".to_vec(), b"two".to_vec()]));
}
