//! SIP over a byte stream (TCP, TLS; RFC 3261 §18.3): where one message
//! ends and the next begins.
//!
//! On a stream, Content-Length is the only frame boundary: the header
//! section ends at the first empty line, then exactly Content-Length bytes
//! of body follow (a message without it is broken beyond repair: the
//! connection must close). Between messages a peer may send CRLFs: a
//! double CRLF is an RFC 5626 keep-alive "ping" to answer with a single
//! CRLF "pong"; a single CRLF is a pong or padding. Bounded: a header
//! section or body larger than [`MAX_MESSAGE`] ends the connection, so a
//! peer cannot make us buffer without limit.

use crate::parse::MAX_MESSAGE;

/// What arrived on the stream, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// One complete message, to hand to the endpoint as a datagram is.
    Message(Vec<u8>),
    /// A keep-alive ping (CRLF CRLF): answer with [`PONG`].
    Ping,
}

/// The answer to a [`StreamItem::Ping`].
pub const PONG: &[u8] = b"\r\n";

/// Why the connection must close: what follows cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("a message without Content-Length on a stream")]
    NoContentLength,
    #[error("a Content-Length that is not a number")]
    BadContentLength,
    #[error("a message larger than {MAX_MESSAGE} bytes")]
    TooLarge,
}

/// Splits one connection's bytes into messages.
#[derive(Debug, Default)]
pub struct StreamFramer {
    buffer: Vec<u8>,
    /// Where the unread bytes start: items are taken by moving this, and
    /// the buffer is compacted only when new bytes arrive, so many small
    /// items cost no more than one copy of what remains.
    read: usize,
    /// How far past `read` the end of the header section was looked for
    /// already, so bytes trickling in are not searched again and again.
    searched: usize,
    /// After an error nothing more is framed.
    failed: bool,
}

impl StreamFramer {
    pub fn new() -> StreamFramer {
        StreamFramer::default()
    }

    /// Takes bytes as they arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        self.buffer.drain(..self.read);
        self.read = 0;
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete item, `None` when more bytes are needed, or an
    /// error after which the connection should be closed (and this framer
    /// yields nothing more).
    pub fn next_item(&mut self) -> Option<Result<StreamItem, StreamError>> {
        if self.failed {
            return None;
        }
        match self.frame() {
            Ok(item) => item.map(Ok),
            Err(error) => {
                self.failed = true;
                self.buffer = Vec::new();
                self.read = 0;
                Some(Err(error))
            }
        }
    }

    fn frame(&mut self) -> Result<Option<StreamItem>, StreamError> {
        // Line ends between messages: keep-alives. A ping is a double CRLF;
        // anything else made of line ends (a pong, stray LFs) is skipped.
        loop {
            let unread = &self.buffer[self.read..];
            match unread.first() {
                Some(b'\r' | b'\n') => {}
                _ => break,
            }
            self.searched = 0;
            if unread.starts_with(b"\r\n\r\n") {
                self.read += 4;
                return Ok(Some(StreamItem::Ping));
            }
            if b"\r\n\r\n".starts_with(unread) {
                // Perhaps the start of a ping: wait for the rest.
                return Ok(None);
            }
            self.read += if unread.starts_with(b"\r\n") { 2 } else { 1 };
        }
        let unread = &self.buffer[self.read..];
        // Resume the search a little before where it stopped: the empty
        // line may straddle the old end.
        let from = self.searched.saturating_sub(3);
        let Some(header_end) = find_header_end(&unread[from..]).map(|end| from + end) else {
            if unread.len() > MAX_MESSAGE {
                return Err(StreamError::TooLarge);
            }
            self.searched = unread.len();
            return Ok(None);
        };
        let length = content_length(&unread[..header_end])?;
        let total = header_end
            .checked_add(length)
            .filter(|&t| t <= MAX_MESSAGE)
            .ok_or(StreamError::TooLarge)?;
        if unread.len() < total {
            return Ok(None);
        }
        let message = unread[..total].to_vec();
        self.read += total;
        self.searched = 0;
        Ok(Some(StreamItem::Message(message)))
    }
}

/// The index just past the empty line that ends the header section
/// (CRLF CRLF, or LF LF from lenient peers).
fn find_header_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The Content-Length (or compact `l`) of a header section.
fn content_length(headers: &[u8]) -> Result<usize, StreamError> {
    let text = String::from_utf8_lossy(headers);
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
            return value
                .trim()
                .parse()
                .map_err(|_| StreamError::BadContentLength);
        }
    }
    Err(StreamError::NoContentLength)
}
