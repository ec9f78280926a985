//! SIP over TCP (RFC 3261 §18.3) on the same port as UDP: room systems and
//! SIP trunks that prefer a stream, or need one for large messages; and
//! SIP over TLS (§26.2) on its own port, the same once the handshake is
//! done (the certificate is `super::tls`'s).
//!
//! One task per connection (its TLS handshake first, bounded by a
//! timeout) reads its bytes, frames them into messages
//! (`civicmeet-sip`'s `StreamFramer`: Content-Length, RFC 5626 keep-alive
//! pings answered with a pong), and hands each message to the shell as a
//! [`StreamEvent`]; what the endpoint sends on a stream goes back through
//! the connection's bounded write queue. A connection that sends what
//! cannot be framed, stays silent too long (unless a call is on it: our
//! BYE must still reach the phone at the end of a long meeting) or
//! exceeds the limits is closed; the shell and the other calls carry on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use civicmeet_sip::{PONG, Source, StreamFramer, StreamItem};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;

/// Connections at once per listener (TCP, TLS), handshakes included;
/// more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 256;
/// Messages queued for writing on one connection; a peer that does not
/// read loses messages beyond, like a UDP peer whose buffer is full.
const WRITE_QUEUE: usize = 64;
/// A connection with no bytes for this long is closed, unless calls are on
/// it (RFC 5626 peers send a keep-alive every two minutes or so).
const IDLE: Duration = Duration::from_secs(10 * 60);
const READ_BUFFER: usize = 16 * 1024;

/// What the connections tell the shell. A connection is named by its
/// [`Source`]: the peer's address and whether it is TCP or TLS.
#[derive(Debug)]
pub enum StreamEvent {
    /// A connection from `source`; what goes to it goes into `writer`.
    /// `calls` counts the calls on it, kept by the shell: while any is,
    /// silence does not close it.
    Opened {
        source: Source,
        writer: mpsc::Sender<Vec<u8>>,
        calls: Arc<AtomicUsize>,
    },
    /// One whole message from `source`.
    Message { source: Source, bytes: Vec<u8> },
    /// The connection from `source` is gone.
    Closed { source: Source },
}

/// Accepts connections until the process stops: plain TCP, or TLS when
/// `tls` is given.
pub async fn accept(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    events: mpsc::Sender<StreamEvent>,
) {
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
        let _ = stream.set_nodelay(true);
        let (events, tls) = (events.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => connection(stream, Source::tcp(addr), events).await,
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(crate::http::tls::HANDSHAKE_TIMEOUT, handshake).await
                    {
                        Ok(Ok(stream)) => connection(stream, Source::tls(addr), events).await,
                        // Scanners and phones that distrust the certificate
                        // fail here; no address is logged.
                        Ok(Err(e)) => tracing::debug!(error = %e, "sip tls handshake failed"),
                        Err(_) => tracing::debug!("sip tls handshake timed out"),
                    }
                }
            }
            drop(slot);
        });
    }
}

async fn connection<S>(stream: S, source: Source, events: mpsc::Sender<StreamEvent>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (queue, mut outgoing) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    let calls = Arc::new(AtomicUsize::new(0));
    if events
        .send(StreamEvent::Opened {
            source,
            writer: queue.clone(),
            calls: calls.clone(),
        })
        .await
        .is_err()
    {
        return;
    }
    let writing = tokio::spawn(async move {
        while let Some(bytes) = outgoing.recv().await {
            // TLS holds what it writes until flushed.
            if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
                break;
            }
        }
    });
    let mut framer = StreamFramer::new();
    let mut buffer = vec![0u8; READ_BUFFER];
    'read: loop {
        let read = match tokio::time::timeout(IDLE, reader.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Err(_) if calls.load(Ordering::Relaxed) == 0 => break,
            Err(_) => continue,
            Ok(Ok(read)) => read,
        };
        framer.push(buffer.get(..read).unwrap_or_default());
        while let Some(item) = framer.next_item() {
            match item {
                Ok(StreamItem::Message(bytes)) => {
                    if events
                        .send(StreamEvent::Message { source, bytes })
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
                    tracing::debug!(error = %e, "sip stream cannot be framed; closing");
                    break 'read;
                }
            }
        }
    }
    drop(queue);
    writing.abort();
    let _ = events.send(StreamEvent::Closed { source }).await;
}
