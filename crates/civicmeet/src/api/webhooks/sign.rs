//! The webhook signature: `X-Civicmeet-Signature: sha256=<hex>` where hex
//! is the HMAC-SHA256 (RFC 2104) with the webhook's secret over
//! `<timestamp>.<body>`, the timestamp being `X-Civicmeet-Timestamp`
//! (seconds since the Unix epoch). Binding the timestamp lets a receiver
//! refuse replays of old deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header value for `body` sent at `timestamp` with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_an_independent_hmac() {
        // python3 -c "import hmac, hashlib;
        //   print(hmac.new(b'key', b'1700000000.{}', hashlib.sha256).hexdigest())"
        assert_eq!(
            signature("key", 1_700_000_000, "{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }
}
