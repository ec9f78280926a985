//! Many UDP datagrams per system call.
//!
//! A media server's cost is dominated by datagrams, and on Linux a system
//! call per datagram costs about as much as the forwarding itself (see
//! BENCHMARKS.md). [`RecvBatch`] takes up to a batch of datagrams with one
//! `recvmmsg`, [`SendBatch`] hands many to the kernel with one `sendmmsg`.
//! Both work on any socket (`AsRawFd`). `recv` and `send` never block: an
//! empty socket or a full send buffer is `ErrorKind::WouldBlock`, so an
//! async shell can wait for readiness (e.g. tokio's `UdpSocket::try_io`).
//! `recv_waiting` and `send_waiting` are for a plain blocking socket and
//! thread (the load generator's relay): they wait for the first datagram
//! (up to the socket's read timeout) and for room in the send buffer.
//!
//! Other systems get the same API over one `recvfrom`/`sendto` per
//! datagram, so the server still builds and runs there.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

mod addr;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(not(target_os = "linux"))]
mod portable;

#[cfg(target_os = "linux")]
use linux as sys;
#[cfg(not(target_os = "linux"))]
use portable as sys;

/// Buffers for up to `count` datagrams of up to `size` bytes each, reused
/// from one receive to the next. A longer datagram arrives cut to `size`.
pub struct RecvBatch {
    size: usize,
    buffers: Vec<u8>,
    lengths: Vec<usize>,
    sources: Vec<SocketAddr>,
    received: usize,
    sys: sys::RecvState,
}

impl RecvBatch {
    pub fn new(count: usize, size: usize) -> RecvBatch {
        let count = count.max(1);
        RecvBatch {
            size,
            buffers: vec![0; count * size],
            lengths: vec![0; count],
            sources: vec![SocketAddr::from(([0, 0, 0, 0], 0)); count],
            received: 0,
            sys: sys::RecvState::new(count),
        }
    }

    /// Takes what the socket holds, up to the batch size, without waiting.
    /// Returns how many datagrams arrived (at least one), or `WouldBlock`.
    pub fn recv(&mut self, socket: &impl AsRawFd) -> io::Result<usize> {
        self.receive(socket, sys::Wait::No)
    }

    /// Like [`RecvBatch::recv`], but waits for the first datagram (on a
    /// blocking socket, up to its read timeout: then `WouldBlock`).
    pub fn recv_waiting(&mut self, socket: &impl AsRawFd) -> io::Result<usize> {
        self.receive(socket, sys::Wait::Yes)
    }

    fn receive(&mut self, socket: &impl AsRawFd, wait: sys::Wait) -> io::Result<usize> {
        self.received = 0;
        let received = sys::recv(
            socket.as_raw_fd(),
            &mut self.sys,
            &mut self.buffers,
            self.size,
            &mut self.lengths,
            &mut self.sources,
            wait,
        )?;
        self.received = received;
        Ok(received)
    }

    /// The datagrams of the last [`RecvBatch::recv`]: source and contents.
    pub fn iter(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        (0..self.received).map(|i| {
            let start = i * self.size;
            (
                self.sources[i],
                &self.buffers[start..start + self.lengths[i]],
            )
        })
    }
}

/// Scratch space for [`SendBatch::send`], reused from call to call.
#[derive(Default)]
pub struct SendBatch {
    sys: sys::SendState,
}

impl SendBatch {
    pub fn new() -> SendBatch {
        SendBatch::default()
    }

    /// Hands `datagrams` to the kernel in order, without waiting. Returns
    /// how many of them (from the front) were taken: fewer than all when
    /// the socket's send buffer filled up, `WouldBlock` when it was full
    /// from the start. A datagram the kernel refuses for its own reasons
    /// (e.g. an unreachable destination, too large) is skipped and counted
    /// as taken, so that one bad destination never stalls the others; the
    /// last such error is returned by [`SendBatch::take_error`].
    pub fn send(
        &mut self,
        socket: &impl AsRawFd,
        datagrams: &[(SocketAddr, &[u8])],
    ) -> io::Result<usize> {
        sys::send(socket.as_raw_fd(), &mut self.sys, datagrams, sys::Wait::No)
    }

    /// Like [`SendBatch::send`], but waits for room in the send buffer (a
    /// blocking socket): returns only when every datagram was taken.
    pub fn send_waiting(
        &mut self,
        socket: &impl AsRawFd,
        datagrams: &[(SocketAddr, &[u8])],
    ) -> io::Result<usize> {
        sys::send(socket.as_raw_fd(), &mut self.sys, datagrams, sys::Wait::Yes)
    }

    /// The last error of a skipped datagram since the previous call.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.sys.skipped.take()
    }

    /// How many datagrams the last call skipped (counted as taken).
    pub fn skipped(&self) -> usize {
        self.sys.skipped_count
    }
}
