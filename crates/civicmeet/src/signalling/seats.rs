//! Seats that outlive a dropped socket: the resume secrets of the sessions
//! running in this process, and the way to hand a new socket to one.
//!
//! Each session makes a secret when it starts and files it here under its
//! SHA-256 digest; the secret itself lives only in that session, which
//! sends it in `welcome` and `waiting`. A later `join` whose secret has a
//! digest filed here, for the same meeting and the same link, hands its
//! socket to that session instead of starting a new one. The entry goes
//! when the session ends, so a secret is good exactly as long as its seat:
//! never after a leave, a removal, the end of the meeting or the grace
//! period. Like the roster, this lives in memory, one process.
//!
//! Must never: log a secret, or hand a seat to a join of another meeting
//! or another link (a removed participant's link is revoked before its
//! seat goes, and `entry` has already refused a revoked link).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::WebSocket;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use civicmeet_store::LinkRef;
use civicmeet_wire::ResumeSecret;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::meeting_id::MeetingId;

/// A new socket for a running session: the browser came back.
pub struct Handover {
    pub socket: WebSocket,
}

/// The sending half a session's handovers arrive through. Two are enough:
/// a browser reconnects one socket at a time; a third while two wait is
/// refused rather than queued.
pub fn handover_channel() -> (mpsc::Sender<Handover>, mpsc::Receiver<Handover>) {
    mpsc::channel(2)
}

/// A fresh secret: 32 random bytes (256 bits) in base64url. `None` if the
/// system's random source fails; the session is then simply not resumable.
pub fn new_secret() -> Option<ResumeSecret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(ResumeSecret(URL_SAFE_NO_PAD.encode(bytes)))
}

type Digest32 = [u8; 32];

/// Secrets are looked up by digest, so the map never holds one. Looking up
/// a digest in a hash map leaks no useful timing: a guess would have to
/// be a preimage of a filed digest first.
fn digest(secret: &ResumeSecret) -> Digest32 {
    Sha256::digest(secret.0.as_bytes()).into()
}

struct Seat {
    meeting: MeetingId,
    link: LinkRef,
    handover: mpsc::Sender<Handover>,
}

#[derive(Default)]
pub struct Seats {
    seats: Mutex<HashMap<Digest32, Seat>>,
}

/// A session's entry; dropping it (the session ends) removes the entry.
pub struct Registration {
    seats: Arc<Seats>,
    digest: Digest32,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.seats.lock().remove(&self.digest);
    }
}

impl Seats {
    /// Files a session's secret until the returned registration is dropped.
    pub fn register(
        self: &Arc<Self>,
        secret: &ResumeSecret,
        meeting: MeetingId,
        link: LinkRef,
        handover: mpsc::Sender<Handover>,
    ) -> Registration {
        let digest = digest(secret);
        self.lock().insert(
            digest,
            Seat {
                meeting,
                link,
                handover,
            },
        );
        Registration {
            seats: self.clone(),
            digest,
        }
    }

    /// The way to the session whose seat `secret` names, if it is still
    /// running and the join came with the same link to the same meeting.
    pub fn claim(
        &self,
        secret: &ResumeSecret,
        meeting: MeetingId,
        link: &LinkRef,
    ) -> Option<mpsc::Sender<Handover>> {
        let seats = self.lock();
        let seat = seats.get(&digest(secret))?;
        (seat.meeting == meeting && seat.link == *link).then(|| seat.handover.clone())
    }

    /// How many seats can be resumed now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Digest32, Seat>> {
        // Every section under this lock is one map operation that does not
        // panic; a poisoned lock still holds a consistent map.
        self.seats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_different() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.0.len(), 43, "32 bytes in base64url");
        assert_ne!(a, b);
    }
}
