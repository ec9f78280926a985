//! ICE-TCP: the media port's TCP side, for browsers behind a firewall that
//! lets no UDP out (often only TCP 443).
//!
//! Browsers connect (RFC 6544 "active"; the router announces a "passive"
//! candidate) and send RFC 4571 frames: a 16-bit big-endian length, then
//! one STUN, DTLS or SRTP packet. Each connection is one small task that
//! cuts the byte stream into frames for the media task and writes the
//! media task's frames back. The media task owns which connection belongs
//! to whom, exactly as the router owns who is behind a UDP source.
//!
//! Limits, so that TCP cannot hurt anyone's meeting: at most
//! [`MAX_CONNECTIONS`] at once, frames of at most [`MAX_FRAME`] bytes, a
//! connection that stays silent for [`IDLE_TIMEOUT`] is closed (browsers
//! send ICE consent checks every few seconds), and one whose first frame no
//! participant accepts is closed by the media task. Frames to a connection
//! that cannot keep up are dropped (media is loss tolerant; NACK and
//! keyframe requests repair it) rather than queued without bound.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Connections open at once; more are refused at accept.
pub const MAX_CONNECTIONS: usize = 1024;

/// The largest frame taken. WebRTC packets stay near the path MTU; a
/// larger length prefix means the stream is not ours (or is broken).
pub const MAX_FRAME: usize = 4096;

/// A connection with no frame from the browser for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Frames waiting to be written per connection before new ones are dropped.
const OUTGOING_FRAMES: usize = 512;

/// Frames read from all connections and not yet taken by the media task:
/// a full queue makes the readers wait, which pushes back on their senders.
const INCOMING_FRAMES: usize = 1024;

/// What the connection tasks tell the media task.
#[derive(Debug)]
pub enum TcpEvent {
    /// A browser connected; frames for it go into `frames` (length prefix
    /// included, see [`frame`]). Dropping `frames` closes the connection.
    Opened {
        peer: SocketAddr,
        frames: mpsc::Sender<Vec<u8>>,
    },
    /// One frame from `peer`, its length prefix removed.
    Frame { peer: SocketAddr, data: Vec<u8> },
    /// The connection is gone.
    Closed { peer: SocketAddr },
}

/// Accepts connections on `listener` and reports what they carry on the
/// returned channel. Runs until the media task drops the receiver.
pub fn spawn(listener: TcpListener) -> mpsc::Receiver<TcpEvent> {
    let (events, receiver) = mpsc::channel(INCOMING_FRAMES);
    tokio::spawn(accept(listener, events));
    receiver
}

async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // E.g. out of file descriptors: wait instead of spinning.
                Err(e) => {
                    tracing::debug!(error = %e, "ice-tcp accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = events.closed() => return,
        };
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            tracing::debug!("ice-tcp connection refused: too many open");
            continue;
        }
        // Media is latency sensitive: no Nagle delay for small packets.
        let _ = stream.set_nodelay(true);
        open.fetch_add(1, Ordering::Relaxed);
        let open = open.clone();
        let events = events.clone();
        tokio::spawn(async move {
            serve(stream, peer, &events).await;
            let _ = events.send(TcpEvent::Closed { peer }).await;
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Moves frames both ways until either side ends, the media task drops the
/// connection, or the browser breaks the framing or falls silent.
async fn serve(stream: TcpStream, peer: SocketAddr, events: &mpsc::Sender<TcpEvent>) {
    let (frames, mut outgoing) = mpsc::channel::<Vec<u8>>(OUTGOING_FRAMES);
    if events
        .send(TcpEvent::Opened { peer, frames })
        .await
        .is_err()
    {
        return;
    }
    let (mut reader, mut writer) = stream.into_split();
    let read = async {
        loop {
            let data = match tokio::time::timeout(IDLE_TIMEOUT, read_frame(&mut reader)).await {
                Ok(Ok(data)) => data,
                Ok(Err(e)) => return tracing::debug!(error = %e, "ice-tcp connection ends"),
                Err(_) => return tracing::debug!("ice-tcp connection idle, closing"),
            };
            if events.send(TcpEvent::Frame { peer, data }).await.is_err() {
                return;
            }
        }
    };
    let write = async {
        // Ends when the media task drops the sender: it closes the connection.
        while let Some(frame) = outgoing.recv().await {
            if writer.write_all(&frame).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = read => {}
        _ = write => {}
    }
}

/// Reads one RFC 4571 frame.
async fn read_frame(reader: &mut (impl AsyncReadExt + Unpin)) -> std::io::Result<Vec<u8>> {
    let len = usize::from(reader.read_u16().await?);
    if len == 0 || len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("frame of {len} bytes"),
        ));
    }
    let mut data = vec![0; len];
    reader.read_exact(&mut data).await?;
    Ok(data)
}

/// `data` with its RFC 4571 length prefix, ready for a connection's
/// `frames`; `None` if it is too long to frame.
pub fn frame(data: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(data.len()).ok()?;
    let mut framed = Vec::with_capacity(data.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(data);
    Some(framed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_are_cut_from_a_byte_stream() {
        let mut bytes = frame(b"stun").unwrap();
        bytes.extend(frame(&[7; 300]).unwrap());
        let mut reader = &bytes[..];
        assert_eq!(read_frame(&mut reader).await.unwrap(), b"stun");
        assert_eq!(read_frame(&mut reader).await.unwrap(), vec![7; 300]);
        assert!(read_frame(&mut reader).await.is_err(), "the stream ended");
    }

    #[tokio::test]
    async fn empty_and_oversized_frames_break_the_connection() {
        for len in [0u16, (MAX_FRAME + 1) as u16, u16::MAX] {
            let mut bytes = len.to_be_bytes().to_vec();
            bytes.extend(vec![0; usize::from(len)]);
            let mut reader = &bytes[..];
            let error = read_frame(&mut reader).await.unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{len}");
        }
    }

    #[test]
    fn a_frame_longer_than_the_prefix_can_say_is_refused() {
        assert!(frame(&vec![0; 65_536]).is_none());
        assert_eq!(frame(b"ab").unwrap(), vec![0, 2, b'a', b'b']);
    }
}
