//! The roster: who is in which meeting right now, and the channel to each
//! participant's socket.
//!
//! It lives in memory only and is shared by the sessions behind one mutex,
//! held for short, non-awaiting sections. Every message to a participant
//! goes through its channel in order, so a newcomer always gets `welcome`
//! before any `participant_joined` of someone who came after it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use civicmeet_router::RoomId;
use civicmeet_wire::{MediaState, PROTOCOL_VERSION, Participant, ParticipantId, ServerMessage};
use tokio::sync::mpsc;

use crate::meeting_id::MeetingId;

/// The sending half of a participant's outbound queue.
pub type Outbox = mpsc::UnboundedSender<ServerMessage>;

#[derive(Default)]
pub struct Roster {
    meetings: Mutex<HashMap<MeetingId, Room>>,
    next_participant: AtomicU64,
    next_room: AtomicU64,
}

struct Room {
    room: RoomId,
    members: BTreeMap<ParticipantId, Member>,
}

struct Member {
    participant: Participant,
    outbox: Outbox,
}

impl Roster {
    /// A new participant id, unique in this process (and so in the router).
    pub fn allocate_participant(&self) -> ParticipantId {
        ParticipantId(self.next_participant.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Enters a participant: queues `welcome` (with the others) on its own
    /// outbox and `participant_joined` on everyone else's, and returns the
    /// router room of the meeting. A meeting gets a room when its first
    /// participant enters and loses it when its last one leaves; doing both
    /// under the roster's lock keeps all members of a meeting in one room.
    pub fn join(&self, meeting: MeetingId, participant: Participant, outbox: Outbox) -> RoomId {
        let mut meetings = self.lock();
        let next_room = &self.next_room;
        let room = meetings.entry(meeting).or_insert_with(|| Room {
            room: RoomId(next_room.fetch_add(1, Ordering::Relaxed) + 1),
            members: BTreeMap::new(),
        });
        let others = room
            .members
            .values()
            .map(|m| m.participant.clone())
            .collect();
        // A closed outbox means the session is ending; it will call `leave`.
        let _ = outbox.send(ServerMessage::Welcome {
            version: PROTOCOL_VERSION,
            you: participant.id,
            participants: others,
        });
        room.broadcast(
            participant.id,
            &ServerMessage::ParticipantJoined {
                participant: participant.clone(),
            },
        );
        room.members.insert(
            participant.id,
            Member {
                participant,
                outbox,
            },
        );
        room.room
    }

    /// Records a participant's new mute state and tells the others.
    pub fn update_media(&self, meeting: MeetingId, id: ParticipantId, media: MediaState) {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return;
        };
        let Some(member) = room.members.get_mut(&id) else {
            return;
        };
        member.participant.media = media;
        let message = ServerMessage::ParticipantUpdated {
            participant: member.participant.clone(),
        };
        room.broadcast(id, &message);
    }

    /// Removes a participant and tells the others. Idempotent.
    pub fn leave(&self, meeting: MeetingId, id: ParticipantId) {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return;
        };
        if room.members.remove(&id).is_none() {
            return;
        }
        room.broadcast(id, &ServerMessage::ParticipantLeft { id });
        if room.members.is_empty() {
            meetings.remove(&meeting);
        }
    }

    /// How many participants are in a meeting now.
    pub fn count(&self, meeting: MeetingId) -> usize {
        self.lock().get(&meeting).map_or(0, |r| r.members.len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<MeetingId, Room>> {
        // The sections under this lock do not panic; should one ever, the
        // map is still consistent (every change is a single insert/remove),
        // so a poisoned lock is recovered rather than taking down everyone.
        self.meetings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Room {
    fn broadcast(&self, except: ParticipantId, message: &ServerMessage) {
        for (id, member) in &self.members {
            if *id != except {
                // A member whose socket is closing leaves on its own.
                let _ = member.outbox.send(message.clone());
            }
        }
    }
}
