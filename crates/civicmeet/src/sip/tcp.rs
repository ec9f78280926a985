//! SIP over TCP (RFC 3261 §18.3) on the same port as UDP: room systems and
//! SIP trunks that prefer a stream, or need one for large messages.
//!
//! One task per connection reads its bytes, frames them into messages
//! (`civicmeet-sip`'s `StreamFramer`: Content-Length, RFC 5626 keep-alive
//! pings answered with a pong), and hands each message to the shell as a
//! [`StreamEvent`]; what the endpoint sends on a stream goes back through
//! the connection's bounded write queue. A connection that sends what
//! cannot be framed, stays silent too long or exceeds the limits is
//! closed; the shell and the other calls carry on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use civicmeet_sip::{PONG, StreamFramer, StreamItem};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

/// Connections at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 256;
/// Messages queued for writing on one connection; a peer that does not
/// read loses messages beyond, like a UDP peer whose buffer is full.
const WRITE_QUEUE: usize = 64;
/// A connection with no bytes for this long is closed (RFC 5626 peers send
/// a keep-alive every two minutes or so).
const IDLE: Duration = Duration::from_secs(10 * 60);
const READ_BUFFER: usize = 16 * 1024;

/// What the connections tell the shell.
#[derive(Debug)]
pub enum StreamEvent {
    /// A connection from `addr`; answers to it go into `writer`.
    Opened {
        addr: SocketAddr,
        writer: mpsc::Sender<Vec<u8>>,
    },
    /// One whole message from `addr`.
    Message { addr: SocketAddr, bytes: Vec<u8> },
    /// The connection from `addr` is gone.
    Closed { addr: SocketAddr },
}

/// Accepts connections until the process stops.
pub async fn accept(listener: TcpListener, events: mpsc::Sender<StreamEvent>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, go on.
                tracing::debug!(error = %e, "sip tcp accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!("sip tcp connection refused: too many");
            continue;
        };
        let events = events.clone();
        tokio::spawn(async move {
            connection(stream, addr, events).await;
            drop(slot);
        });
    }
}

async fn connection(stream: TcpStream, addr: SocketAddr, events: mpsc::Sender<StreamEvent>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (queue, mut outgoing) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    if events
        .send(StreamEvent::Opened {
            addr,
            writer: queue.clone(),
        })
        .await
        .is_err()
    {
        return;
    }
    let writing = tokio::spawn(async move {
        while let Some(bytes) = outgoing.recv().await {
            if writer.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    let mut framer = StreamFramer::new();
    let mut buffer = vec![0u8; READ_BUFFER];
    'read: loop {
        let read = match tokio::time::timeout(IDLE, reader.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(read)) => read,
        };
        framer.push(buffer.get(..read).unwrap_or_default());
        while let Some(item) = framer.next_item() {
            match item {
                Ok(StreamItem::Message(bytes)) => {
                    if events
                        .send(StreamEvent::Message { addr, bytes })
                        .await
                        .is_err()
                    {
                        break 'read;
                    }
                }
                Ok(StreamItem::Ping) => {
                    let _ = queue.try_send(PONG.to_vec());
                }
                Err(e) => {
                    tracing::debug!(error = %e, "sip tcp stream cannot be framed; closing");
                    break 'read;
                }
            }
        }
    }
    drop(queue);
    writing.abort();
    let _ = events.send(StreamEvent::Closed { addr }).await;
}
