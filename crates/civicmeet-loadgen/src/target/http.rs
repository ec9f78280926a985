//! One HTTP/1.1 request on a fresh connection: all the load generator
//! needs to make meetings, without another HTTP stack.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Error;

/// The largest response read; a meeting's JSON is well below it.
const MAX_RESPONSE: u64 = 1 << 20;

/// Sends `POST path` with a JSON body; returns status and body.
pub async fn post_json(addr: SocketAddr, path: &str, body: &str) -> Result<(u16, String), Error> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.take(MAX_RESPONSE).read_to_end(&mut response).await?;
    parse(&response)
}

/// Sends `GET path`; returns the status.
pub async fn get_status(addr: SocketAddr, path: &str) -> Result<u16, Error> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.take(MAX_RESPONSE).read_to_end(&mut response).await?;
    Ok(parse(&response)?.0)
}

/// Status and body of a whole response (not chunked: the server sends
/// small JSON bodies with a length).
fn parse(response: &[u8]) -> Result<(u16, String), Error> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| Error::Http("no end of headers".into()))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Http("no status line".into()))?;
    Ok((status, body.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_response_gives_status_and_body() {
        let (status, body) = super::parse(b"HTTP/1.1 201 Created\r\nA: b\r\n\r\n{}").unwrap();
        assert_eq!((status, body.as_str()), (201, "{}"));
        assert!(super::parse(b"garbage").is_err());
    }
}
