//! The roster: who is in which meeting right now, and the channel to each
//! participant's socket.
//!
//! It lives in memory only and is shared by the sessions behind one mutex,
//! held for short, non-awaiting sections. Every message to a participant
//! goes through its channel in order, so a newcomer always gets `welcome`
//! before any `participant_joined` of someone who came after it.
//!
//! The channels are bounded: a participant whose socket does not keep up
//! (its queue is full) is dropped from the roster, the others are told it
//! left, and its session ends when it finds its queue closed. Nobody's
//! slowness grows the server's memory or holds up the others.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use civicmeet_router::RoomId;
use civicmeet_wire::{MediaState, PROTOCOL_VERSION, Participant, ParticipantId, ServerMessage};
use tokio::sync::mpsc;

use crate::meeting_id::MeetingId;

/// How many messages may wait for one participant's socket.
pub const OUTBOX_CAPACITY: usize = 256;

/// The sending half of a participant's outbound queue.
pub type Outbox = mpsc::Sender<ServerMessage>;

/// A participant's outbound queue: the roster keeps the sender, the
/// session reads the receiver. `None` from the receiver means the roster
/// dropped the participant.
pub fn outbox() -> (Outbox, mpsc::Receiver<ServerMessage>) {
    mpsc::channel(OUTBOX_CAPACITY)
}

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
        // Tell the others first: anyone dropped for falling behind is then
        // already gone from the newcomer's list.
        room.broadcast(
            participant.id,
            ServerMessage::ParticipantJoined {
                participant: participant.clone(),
            },
        );
        let others = room
            .members
            .values()
            .map(|m| m.participant.clone())
            .collect();
        // A fresh queue has room; a closed one means the session is ending
        // and will call `leave`.
        let _ = outbox.try_send(ServerMessage::Welcome {
            version: PROTOCOL_VERSION,
            you: participant.id,
            participants: others,
        });
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
        room.broadcast(id, message);
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
        room.broadcast(id, ServerMessage::ParticipantLeft { id });
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
    /// Queues a message for everyone but `except`. Members whose queue is
    /// full or closed are dropped, and the others are told they left.
    fn broadcast(&mut self, except: ParticipantId, message: ServerMessage) {
        let mut pending = VecDeque::from([(except, message)]);
        while let Some((except, message)) = pending.pop_front() {
            let stuck: Vec<ParticipantId> = self
                .members
                .iter()
                .filter(|(id, _)| **id != except)
                .filter(|(_, member)| member.outbox.try_send(message.clone()).is_err())
                .map(|(id, _)| *id)
                .collect();
            for id in stuck {
                self.members.remove(&id);
                tracing::info!(participant = %id, "participant dropped: its socket fell behind");
                pending.push_back((id, ServerMessage::ParticipantLeft { id }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> MeetingId {
        MeetingId::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn person(roster: &Roster, name: &str) -> Participant {
        Participant {
            id: roster.allocate_participant(),
            name: name.into(),
            media: MediaState::default(),
        }
    }

    #[test]
    fn a_member_who_falls_behind_is_dropped_and_the_others_are_told() {
        let roster = Roster::default();
        // Ada's queue holds two messages and nobody reads it: her welcome
        // and Bob's arrival fill it, so Cleo's arrival cannot be queued.
        let (ada_outbox, _ada_inbox) = mpsc::channel(2);
        let ada = person(&roster, "Ada");
        let room = roster.join(meeting(), ada.clone(), ada_outbox);

        let (bob_outbox, mut bob_inbox) = outbox();
        let bob = person(&roster, "Bob");
        assert_eq!(roster.join(meeting(), bob.clone(), bob_outbox), room);
        let welcome = bob_inbox.try_recv().unwrap();
        assert!(
            matches!(welcome, ServerMessage::Welcome { participants, .. } if participants == [ada.clone()])
        );

        let (cleo_outbox, mut cleo_inbox) = outbox();
        let cleo = person(&roster, "Cleo");
        roster.join(meeting(), cleo.clone(), cleo_outbox);
        assert_eq!(
            bob_inbox.try_recv().unwrap(),
            ServerMessage::ParticipantJoined { participant: cleo }
        );
        assert_eq!(
            bob_inbox.try_recv().unwrap(),
            ServerMessage::ParticipantLeft { id: ada.id }
        );
        let welcome = cleo_inbox.try_recv().unwrap();
        assert!(
            matches!(welcome, ServerMessage::Welcome { participants, .. } if participants == [bob])
        );
        assert_eq!(roster.count(meeting()), 2);
        // Ada's own session leaving later changes nothing more.
        roster.leave(meeting(), ada.id);
        assert!(bob_inbox.try_recv().is_err());
    }

    #[test]
    fn the_last_one_out_frees_the_room() {
        let roster = Roster::default();
        let (outbox_a, _inbox_a) = outbox();
        let ada = person(&roster, "Ada");
        let first = roster.join(meeting(), ada.clone(), outbox_a);
        roster.leave(meeting(), ada.id);
        assert_eq!(roster.count(meeting()), 0);
        let (outbox_b, _inbox_b) = outbox();
        let second = roster.join(meeting(), person(&roster, "Bob"), outbox_b);
        assert_ne!(first, second);
    }
}
