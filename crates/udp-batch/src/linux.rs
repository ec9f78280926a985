//! `recvmmsg` and `sendmmsg`.

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

/// Datagrams per system call. The headers live on the stack, so nothing
/// is allocated per call and nothing that holds raw pointers outlives one.
const CHUNK: usize = 64;

pub(crate) struct RecvState {
    names: Vec<libc::sockaddr_storage>,
}

impl RecvState {
    pub fn new(count: usize) -> RecvState {
        // SAFETY: all-zero is a valid sockaddr_storage.
        RecvState {
            names: vec![unsafe { mem::zeroed() }; count.min(CHUNK)],
        }
    }
}

pub(crate) fn recv(
    fd: RawFd,
    state: &mut RecvState,
    buffers: &mut [u8],
    size: usize,
    lengths: &mut [usize],
    sources: &mut [SocketAddr],
    wait: Wait,
) -> io::Result<usize> {
    let count = lengths.len().min(CHUNK);
    // Waiting: block for the first datagram only, then take what is there.
    let flags = match wait {
        Wait::Yes => libc::MSG_WAITFORONE,
        Wait::No => libc::MSG_DONTWAIT,
    };
    // SAFETY: all-zero is a valid iovec (null, 0) and mmsghdr.
    let mut iovs: [libc::iovec; CHUNK] = unsafe { mem::zeroed() };
    let mut headers: [libc::mmsghdr; CHUNK] = unsafe { mem::zeroed() };
    for (i, chunk) in buffers.chunks_exact_mut(size).take(count).enumerate() {
        iovs[i] = libc::iovec {
            iov_base: chunk.as_mut_ptr().cast(),
            iov_len: size,
        };
        headers[i].msg_hdr.msg_name = (&mut state.names[i] as *mut libc::sockaddr_storage).cast();
        headers[i].msg_hdr.msg_namelen =
            mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        headers[i].msg_hdr.msg_iov = &mut iovs[i];
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: `count` headers, each pointing at its own live name storage
    // and iovec, each iovec at its own `size`-byte slice of `buffers`.
    let n = unsafe {
        libc::recvmmsg(
            fd,
            headers.as_mut_ptr(),
            count as u32,
            flags,
            std::ptr::null_mut(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut kept = 0;
    for (i, header) in headers.iter().enumerate().take(n as usize) {
        // A source that is not IP cannot happen on a UDP/IP socket; such a
        // datagram would be dropped here rather than misattributed.
        if let Some(source) = addr::from_c(&state.names[i]) {
            let len = (header.msg_len as usize).min(size);
            if kept != i {
                buffers.copy_within(i * size..i * size + len, kept * size);
            }
            lengths[kept] = len;
            sources[kept] = source;
            kept += 1;
        }
    }
    Ok(kept)
}

#[derive(Default)]
pub(crate) struct SendState {
    names: Vec<libc::sockaddr_storage>,
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
    if state.names.len() < CHUNK {
        // SAFETY: all-zero is a valid sockaddr_storage.
        state.names.resize(CHUNK, unsafe { mem::zeroed() });
    }
    let mut taken = 0;
    while taken < datagrams.len() {
        let chunk = &datagrams[taken..datagrams.len().min(taken + CHUNK)];
        // SAFETY: all-zero is a valid iovec and mmsghdr.
        let mut iovs: [libc::iovec; CHUNK] = unsafe { mem::zeroed() };
        let mut headers: [libc::mmsghdr; CHUNK] = unsafe { mem::zeroed() };
        for (i, (destination, contents)) in chunk.iter().enumerate() {
            let len = addr::to_c(*destination, &mut state.names[i]);
            // The kernel only reads through this pointer (sendmmsg).
            iovs[i] = libc::iovec {
                iov_base: contents.as_ptr() as *mut libc::c_void,
                iov_len: contents.len(),
            };
            headers[i].msg_hdr.msg_name =
                (&mut state.names[i] as *mut libc::sockaddr_storage).cast();
            headers[i].msg_hdr.msg_namelen = len;
            headers[i].msg_hdr.msg_iov = &mut iovs[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: `chunk.len()` headers, each pointing at its own live name
        // and iovec, each iovec at a live datagram borrowed for this call.
        let n = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), chunk.len() as u32, flags) };
        if n < 0 {
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::WouldBlock if taken == 0 => return Err(error),
                io::ErrorKind::WouldBlock => return Ok(taken),
                io::ErrorKind::Interrupted => continue,
                // The first datagram of the chunk was refused: skip it.
                _ => {
                    state.skipped = Some(error);
                    state.skipped_count += 1;
                    taken += 1;
                }
            }
        } else {
            taken += n as usize;
        }
    }
    Ok(taken)
}
