//! Calls a host dials out to (issue 7, part 6): a room system or phone at
//! a SIP address joins the meeting as a guest that a host has let in.
//!
//! [`DialOuts::start`] takes a request the signalling side has already
//! checked (address, permission, allowed domains), holds one of the
//! meeting's [`MAX_PER_MEETING`] places and starts a task: the target's
//! host is resolved, the call's media sockets opened, the shell dials
//! ([`Command::Dial`]); ringing, the answer or the failure are reported
//! to the meeting's hosts through the request's `report`. Once answered
//! the call is the same [`Leg`] as a call into the meeting, started as
//! pre-admitted: its guest link skips PIN and waiting room, and it never
//! gets a host's rights.
//!
//! Logs name the call and the meeting's short id, never the address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use civicmeet_sip::{Dial, DialTarget, EndReason};
use civicmeet_wire::{DialOutFailure, DialOutState};
use tokio::sync::{mpsc, oneshot};

use super::Gateway;
use super::call::{CallMedia, Leg, Start};
use super::shell::{CallInput, Command};

/// Dial-outs running at once in one meeting.
pub const MAX_PER_MEETING: usize = 5;
/// Events queued for one dialled call (as for calls in).
const CALL_QUEUE: usize = 64;

/// Tells the meeting's hosts how the dial-out goes.
pub type Report = Arc<dyn Fn(DialOutState, Option<DialOutFailure>) + Send + Sync>;

/// A dial-out, checked by the signalling side.
pub struct DialOutRequest {
    pub meeting_id: String,
    /// The meeting's dial-in number: our From, so the room system can
    /// call back.
    pub dial_number: Option<String>,
    pub target: DialTarget,
    /// The participant's name in the meeting. Never logged.
    pub name: String,
    pub report: Report,
}

/// Starts dial-outs; cheap to clone.
#[derive(Clone)]
pub struct DialOuts {
    gateway: Arc<Gateway>,
    /// Dial-outs running per meeting.
    running: Arc<Mutex<HashMap<String, usize>>>,
}

/// One meeting's place among its running dial-outs, given back on drop.
struct Place {
    running: Arc<Mutex<HashMap<String, usize>>>,
    meeting_id: String,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut running = lock(&self.running);
        if let Some(count) = running.get_mut(&self.meeting_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.meeting_id);
            }
        }
    }
}

fn lock(
    running: &Mutex<HashMap<String, usize>>,
) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
    // Each holder changes one count: a panic cannot leave it half done.
    running.lock().unwrap_or_else(|e| e.into_inner())
}

impl DialOuts {
    pub(super) fn new(gateway: Arc<Gateway>) -> DialOuts {
        DialOuts {
            gateway,
            running: Arc::default(),
        }
    }

    /// Starts a dial-out; [`DialOutFailure::TooMany`] while the meeting
    /// has [`MAX_PER_MEETING`] running.
    pub fn start(&self, request: DialOutRequest) -> Result<(), DialOutFailure> {
        {
            let mut running = lock(&self.running);
            let count = running.entry(request.meeting_id.clone()).or_insert(0);
            if *count >= MAX_PER_MEETING {
                return Err(DialOutFailure::TooMany);
            }
            *count += 1;
        }
        let place = Place {
            running: self.running.clone(),
            meeting_id: request.meeting_id.clone(),
        };
        tokio::spawn(run(self.gateway.clone(), request, place));
        Ok(())
    }
}

async fn run(gateway: Arc<Gateway>, request: DialOutRequest, _place: Place) {
    let report = request.report.clone();
    let short = request.meeting_id.get(..6).unwrap_or_default().to_string();
    report(DialOutState::Calling, None);
    let Some(destination) = resolve(&request.target).await else {
        tracing::info!(meeting = %short, "dial-out: the host name does not resolve");
        report(DialOutState::Failed, Some(DialOutFailure::UnknownHost));
        return;
    };
    let media = match CallMedia::open(&gateway).await {
        Ok(media) => media,
        Err(e) => {
            tracing::error!(meeting = %short, error = %e, "dial-out: cannot open an RTP port");
            report(DialOutState::Failed, Some(DialOutFailure::Unavailable));
            return;
        }
    };
    let (inputs_tx, mut inputs) = mpsc::channel(CALL_QUEUE);
    let (reply, answer) = oneshot::channel();
    let dial = Dial {
        target: request.target.clone(),
        destination,
        from_user: request.dial_number.clone().unwrap_or_default(),
        from_display: Some("civicmeet".to_string()),
    };
    let command = Command::Dial {
        dial,
        local: media.local.clone(),
        inputs: inputs_tx,
        reply,
    };
    if gateway.commands.send(command).is_err() {
        report(DialOutState::Failed, Some(DialOutFailure::Unavailable));
        return;
    }
    let call = match answer.await {
        Ok(Ok(call)) => call,
        Ok(Err(e)) => {
            tracing::warn!(meeting = %short, error = %e, "dial-out refused by the SIP endpoint");
            report(DialOutState::Failed, Some(DialOutFailure::Unavailable));
            return;
        }
        Err(_) => {
            report(DialOutState::Failed, Some(DialOutFailure::Unavailable));
            return;
        }
    };
    tracing::info!(%call, meeting = %short, "dialling out");
    let session = loop {
        match inputs.recv().await {
            Some(CallInput::Ringing) => report(DialOutState::Ringing, None),
            Some(CallInput::Established(session)) => break session,
            Some(CallInput::Ended(reason)) => {
                tracing::info!(%call, meeting = %short, ?reason, "dial-out did not come about");
                report(DialOutState::Failed, Some(failure(reason)));
                return;
            }
            Some(_) => {}
            None => {
                report(DialOutState::Failed, Some(DialOutFailure::Failed));
                return;
            }
        }
    };
    report(DialOutState::Answered, None);
    let start = Start {
        call,
        meeting_id: request.meeting_id,
        name: request.name,
        pre_admitted: true,
    };
    Leg::new(gateway, start, media, inputs).run(session).await;
    report(DialOutState::Ended, None);
}

/// The target's address: an IP as it is, a name through the system's
/// resolver (the first address of the family our socket speaks, IPv4
/// first).
async fn resolve(target: &DialTarget) -> Option<SocketAddr> {
    let host = target.host();
    if let Ok(ip) = host.parse() {
        return Some(SocketAddr::new(ip, target.port()));
    }
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, target.port()))
        .await
        .ok()?
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or(found.first())
        .copied()
}

/// What the hosts are told about a dial-out that ended before it was
/// answered.
pub fn failure(reason: EndReason) -> DialOutFailure {
    match reason {
        EndReason::Refused { status } => match status {
            486 | 600 => DialOutFailure::Busy,
            403 | 603 => DialOutFailure::Declined,
            404 | 410 | 484 | 604 => DialOutFailure::NotFound,
            401 | 407 => DialOutFailure::Unauthorized,
            408 | 480 => DialOutFailure::NoAnswer,
            _ => DialOutFailure::Failed,
        },
        EndReason::NoAnswer => DialOutFailure::NoAnswer,
        EndReason::Unreachable => DialOutFailure::Unreachable,
        _ => DialOutFailure::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_a_person_would_say_them() {
        for (status, expected) in [
            (486, DialOutFailure::Busy),
            (600, DialOutFailure::Busy),
            (603, DialOutFailure::Declined),
            (404, DialOutFailure::NotFound),
            (401, DialOutFailure::Unauthorized),
            (407, DialOutFailure::Unauthorized),
            (480, DialOutFailure::NoAnswer),
            (500, DialOutFailure::Failed),
        ] {
            assert_eq!(failure(EndReason::Refused { status }), expected, "{status}");
        }
        assert_eq!(failure(EndReason::Unreachable), DialOutFailure::Unreachable);
        assert_eq!(failure(EndReason::NoAnswer), DialOutFailure::NoAnswer);
    }
}
