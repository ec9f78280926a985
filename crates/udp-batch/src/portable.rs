//! One `recvfrom`/`sendto` per datagram, for systems without `recvmmsg`.

use std::io;
use std::mem;
use std::net::SocketAddr;
use std::os::fd::RawFd;

use crate::addr;

/// Whether a call may wait (a blocking socket) or returns at once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    Yes,
    No,
}

pub(crate) struct RecvState;

impl RecvState {
    pub fn new(_count: usize) -> RecvState {
        RecvState
    }
}

pub(crate) fn recv(
    fd: RawFd,
    _state: &mut RecvState,
    buffers: &mut [u8],
    size: usize,
    lengths: &mut [usize],
    sources: &mut [SocketAddr],
    wait: Wait,
) -> io::Result<usize> {
    let mut kept = 0;
    while kept < lengths.len() {
        // Waiting: block for the first datagram only.
        let flags = if wait == Wait::Yes && kept == 0 {
            0
        } else {
            libc::MSG_DONTWAIT
        };
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut name: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let buffer = &mut buffers[kept * size..(kept + 1) * size];
        // SAFETY: the buffer and name are live and as long as stated.
        let n = unsafe {
            libc::recvfrom(
                fd,
                buffer.as_mut_ptr().cast(),
                size,
                flags,
                (&mut name as *mut libc::sockaddr_storage).cast(),
                &mut namelen,
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            if kept == 0 {
                return Err(error);
            }
            break;
        }
        if let Some(source) = addr::from_c(&name) {
            lengths[kept] = (n as usize).min(size);
            sources[kept] = source;
            kept += 1;
        }
    }
    Ok(kept)
}

#[derive(Default)]
pub(crate) struct SendState {
    pub skipped: Option<io::Error>,
    pub skipped_count: usize,
}

pub(crate) fn send(
    fd: RawFd,
    state: &mut SendState,
    datagrams: &[(SocketAddr, &[u8])],
    wait: Wait,
) -> io::Result<usize> {
    let flags = match wait {
        Wait::Yes => 0,
        Wait::No => libc::MSG_DONTWAIT,
    };
    state.skipped = None;
    state.skipped_count = 0;
    let mut taken = 0;
    for (destination, contents) in datagrams {
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut name: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let namelen = addr::to_c(*destination, &mut name);
        // SAFETY: the datagram and name are live and as long as stated.
        let n = unsafe {
            libc::sendto(
                fd,
                contents.as_ptr().cast(),
                contents.len(),
                flags,
                (&name as *const libc::sockaddr_storage).cast(),
                namelen,
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::WouldBlock if taken == 0 => return Err(error),
                io::ErrorKind::WouldBlock => return Ok(taken),
                _ => {
                    state.skipped = Some(error);
                    state.skipped_count += 1;
                }
            }
        }
        taken += 1;
    }
    Ok(taken)
}
