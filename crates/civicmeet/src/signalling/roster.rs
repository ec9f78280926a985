//! The roster: who is in which meeting right now, who waits to be let in,
//! and the channel to each participant's session.
//!
//! It lives in memory only and is shared by the sessions behind one mutex,
//! held for short, non-awaiting sections. Every message to a participant
//! goes through its channel in order, so a newcomer always gets `welcome`
//! before any `participant_joined` of someone who came after it.
//!
//! The roster decides, under its lock, whether a newcomer enters or waits
//! ([`Roster::enter`]), so two sessions can never both slip past a lock that
//! a host sets at the same moment. Host actions arrive here as plain
//! operations; *whether* the sender may do them is the session's check
//! against the permission table, not the roster's.
//!
//! The roster also holds each meeting's one screen share: who shares, if
//! anyone ([`Roster::start_share`]). A share ends when its sharer stops,
//! a host stops it, or the sharer leaves the meeting in any way; every
//! member hears each change as a `screen_share` message.
//!
//! The channels are bounded: a participant whose socket does not keep up
//! (its queue is full) is dropped from the roster, the others are told it
//! left, and its session ends when it finds its queue closed. Nobody's
//! slowness grows the server's memory or holds up the others.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use civicmeet_router::RoomId;
use civicmeet_wire::{
    MediaKind, MediaState, MeetingInfo, MeetingKind, PROTOCOL_VERSION, Participant, ParticipantId,
    ParticipantRole, ServerMessage, WaitingParticipant,
};
use tokio::sync::mpsc;

use crate::access::{self, Action};
use crate::meeting_id::MeetingId;

/// How many messages may wait for one participant's session.
pub const OUTBOX_CAPACITY: usize = 256;

/// What the roster tells a session: a message for the browser, or a
/// decision about the participant that the session acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Send(ServerMessage),
    /// A host let the waiting participant in.
    Admitted,
    /// A host turned the waiting participant away.
    Rejected,
    /// A host sent the participant back to the waiting room.
    SentBack,
    /// A host removed the participant.
    Removed,
    /// A host stopped the participant's microphone or camera.
    MutedByHost(MediaKind),
    /// The meeting is over for everyone.
    Ended,
    /// The participant's browser came back on a new socket: these messages
    /// (`welcome` with everyone here now, or `waiting`) bring it up to date.
    /// Everything queued before this is older than they are.
    Resumed(Vec<ServerMessage>),
}

/// The sending half of a participant's queue.
pub type Outbox = mpsc::Sender<Notice>;

/// A participant's queue: the roster keeps the sender, the session reads
/// the receiver. `None` from the receiver means the roster dropped it.
pub fn outbox() -> (Outbox, mpsc::Receiver<Notice>) {
    mpsc::channel(OUTBOX_CAPACITY)
}

/// Where a newcomer ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entered {
    /// In the meeting, in this router room.
    Meeting(RoomId),
    /// In the waiting room.
    Waiting,
}

/// A newcomer: who they are and which rules apply to them.
#[derive(Debug, Clone)]
pub struct Newcomer {
    pub participant: Participant,
    pub kind: MeetingKind,
    /// The meeting's waiting-room setting (guests wait when it is on).
    pub waiting_room: bool,
}

#[derive(Default)]
pub struct Roster {
    meetings: Mutex<HashMap<MeetingId, Room>>,
    next_participant: AtomicU64,
    next_room: AtomicU64,
    /// Hosts can dial out (SIP on): said in every meeting's info.
    dial_out: AtomicBool,
}

struct Room {
    room: RoomId,
    kind: MeetingKind,
    locked: bool,
    dial_out: bool,
    members: BTreeMap<ParticipantId, Member>,
    waiting: BTreeMap<ParticipantId, Member>,
    /// The member who shares their screen. Always a member: whoever goes
    /// takes their share along ([`Room::forget_share`]).
    screen_share: Option<ParticipantId>,
}

/// Why a screen share could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareRefused {
    /// Someone else shares; they (or a host) must stop first.
    Busy,
    /// The sender is not a member of the meeting (anymore).
    NotMember,
}

struct Member {
    participant: Participant,
    outbox: Outbox,
}

/// Whether this meeting role leads the meeting (sees the waiting list).
fn leads(role: ParticipantRole) -> bool {
    access::allows(role_of(role), Action::Admit)
}

/// The permission table's role for a meeting role.
pub fn role_of(role: ParticipantRole) -> access::Role {
    match role {
        ParticipantRole::Host => access::Role::Host,
        ParticipantRole::Judge => access::Role::Judge,
        ParticipantRole::Guest => access::Role::Guest,
    }
}

impl Roster {
    /// A new participant id, unique in this process (and so in the router).
    pub fn allocate_participant(&self) -> ParticipantId {
        ParticipantId(self.next_participant.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Enters a newcomer, into the meeting or its waiting room. Leaders
    /// (hosts, judges) always enter; everyone else waits while the meeting
    /// is locked, and guests wait whenever the waiting room is on.
    pub fn enter(&self, meeting: MeetingId, newcomer: Newcomer, outbox: Outbox) -> Entered {
        let mut meetings = self.lock();
        let room = self.room(&mut meetings, meeting, newcomer.kind);
        let role = newcomer.participant.role;
        let skips = access::allows(role_of(role), Action::SkipWaitingRoom);
        let must_wait =
            !skips && (room.locked || (newcomer.waiting_room && role == ParticipantRole::Guest));
        if must_wait {
            room.add_waiting(newcomer.participant, outbox);
            Entered::Waiting
        } else {
            room.add_member(newcomer.participant, outbox);
            Entered::Meeting(room.room)
        }
    }

    /// Enters an admitted participant (after [`Notice::Admitted`]).
    pub fn enter_admitted(
        &self,
        meeting: MeetingId,
        kind: MeetingKind,
        participant: Participant,
        outbox: Outbox,
    ) -> RoomId {
        let mut meetings = self.lock();
        let room = self.room(&mut meetings, meeting, kind);
        room.add_member(participant, outbox);
        room.room
    }

    /// Moves a member back to the waiting room (after [`Notice::SentBack`]).
    pub fn back_to_waiting(&self, meeting: MeetingId, id: ParticipantId) {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return;
        };
        if let Some(member) = room.members.remove(&id) {
            room.broadcast(id, ServerMessage::ParticipantLeft { id });
            room.forget_share(id);
            room.add_waiting(member.participant, member.outbox);
        }
    }

    /// Queues [`Notice::Resumed`] for a participant whose browser came back:
    /// where it is now, as a newcomer there would be told, without telling
    /// anyone else (for them it never left). False if it is neither a
    /// member nor waiting, e.g. between an admission and its entry; the
    /// `welcome` of that entry then brings the browser up to date.
    pub fn resume(&self, meeting: MeetingId, id: ParticipantId) -> bool {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return false;
        };
        let (messages, outbox) = if let Some(member) = room.members.get(&id) {
            let mut messages = vec![room.welcome(&member.participant)];
            // Even an empty list: the page may still show who waited.
            if leads(member.participant.role) {
                messages.push(room.waiting_list());
            }
            (messages, member.outbox.clone())
        } else if let Some(waiter) = room.waiting.get(&id) {
            let waiting = ServerMessage::Waiting {
                you: id,
                meeting: room.info(),
                resume: None,
            };
            (vec![waiting], waiter.outbox.clone())
        } else {
            return false;
        };
        // A full queue means the session is being dropped for falling behind.
        outbox.try_send(Notice::Resumed(messages)).is_ok()
    }

    /// Lets a waiting participant in: they are told, and enter themselves.
    /// False if nobody with this id waits.
    pub fn admit(&self, meeting: MeetingId, id: ParticipantId) -> bool {
        self.decide(meeting, id, Notice::Admitted)
    }

    /// Turns a waiting participant away. False if nobody with this id waits.
    pub fn reject(&self, meeting: MeetingId, id: ParticipantId) -> bool {
        self.decide(meeting, id, Notice::Rejected)
    }

    fn decide(&self, meeting: MeetingId, id: ParticipantId, notice: Notice) -> bool {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return false;
        };
        let Some(waiter) = room.waiting.remove(&id) else {
            return false;
        };
        // A full or closed queue means the session is gone or going.
        let _ = waiter.outbox.try_send(notice);
        room.send_waiting_list();
        true
    }

    /// Tells a member a host acted on them (mute, send back, remove).
    /// False if no member has this id. A mute also shows at once in
    /// everyone's tiles, before the muted browser confirms it; a stopped
    /// screen share is over for everyone at once.
    pub fn notify_member(&self, meeting: MeetingId, id: ParticipantId, notice: Notice) -> bool {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return false;
        };
        let Some(member) = room.members.get_mut(&id) else {
            return false;
        };
        if let Notice::MutedByHost(kind) = notice {
            match kind {
                MediaKind::Audio => member.participant.media.audio = false,
                MediaKind::Video => member.participant.media.video = false,
                MediaKind::Screen => {
                    // Everyone, the sharer too, hears that the share is
                    // over; then the sharer hears that a host ended it.
                    // Nobody to tell when they did not share.
                    if room.forget_share(id)
                        && let Some(member) = room.members.get(&id)
                    {
                        let _ = member.outbox.try_send(notice);
                    }
                    return true;
                }
            }
            let update = ServerMessage::ParticipantUpdated {
                participant: member.participant.clone(),
            };
            let _ = member.outbox.try_send(notice);
            room.broadcast(id, update);
            return true;
        }
        let _ = member.outbox.try_send(notice);
        true
    }

    /// Locks or unlocks the meeting and tells every member.
    pub fn set_locked(&self, meeting: MeetingId, locked: bool) {
        let mut meetings = self.lock();
        let Some(room) = meetings.get_mut(&meeting) else {
            return;
        };
        room.locked = locked;
        let message = ServerMessage::MeetingUpdated {
            meeting: room.info(),
        };
        room.broadcast_all(message);
    }

    /// Ends the meeting: every member and everyone waiting is told, and
    /// the meeting leaves the roster (each session then leaves the router).
    pub fn end(&self, meeting: MeetingId) {
        let mut meetings = self.lock();
        let Some(room) = meetings.remove(&meeting) else {
            return;
        };
        for member in room.members.values().chain(room.waiting.values()) {
            let _ = member.outbox.try_send(Notice::Ended);
        }
    }

    /// Lets a member share their screen, if nobody else does, and tells
    /// every member (the sharer's confirmation). Sharing again while
    /// sharing is fine and tells everyone again.
    pub fn start_share(&self, meeting: MeetingId, id: ParticipantId) -> Result<(), ShareRefused> {
        let mut meetings = self.lock();
        let room = meetings.get_mut(&meeting).ok_or(ShareRefused::NotMember)?;
        if !room.members.contains_key(&id) {
            return Err(ShareRefused::NotMember);
        }
        if room.screen_share.is_some_and(|sharer| sharer != id) {
            return Err(ShareRefused::Busy);
        }
        room.screen_share = Some(id);
        room.broadcast_all(ServerMessage::ScreenShare { sharer: Some(id) });
        Ok(())
    }

    /// Ends a member's screen share and tells every member. False if they
    /// did not share.
    pub fn stop_share(&self, meeting: MeetingId, id: ParticipantId) -> bool {
        let mut meetings = self.lock();
        meetings
            .get_mut(&meeting)
            .is_some_and(|room| room.forget_share(id))
    }

    /// Who shares their screen in a meeting, if anyone.
    pub fn sharer(&self, meeting: MeetingId) -> Option<ParticipantId> {
        self.lock().get(&meeting)?.screen_share
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

    /// Removes a participant, member or waiting, and tells the others.
    /// Returns the meeting's kind if they were a member (a 1:1
    /// consultation ends when one side leaves). Idempotent.
    pub fn leave(&self, meeting: MeetingId, id: ParticipantId) -> Option<MeetingKind> {
        let mut meetings = self.lock();
        let room = meetings.get_mut(&meeting)?;
        let was_member = if room.members.remove(&id).is_some() {
            room.broadcast(id, ServerMessage::ParticipantLeft { id });
            room.forget_share(id);
            true
        } else {
            if room.waiting.remove(&id).is_some() {
                room.send_waiting_list();
            }
            false
        };
        let kind = room.kind;
        if room.members.is_empty() && room.waiting.is_empty() {
            meetings.remove(&meeting);
        }
        was_member.then_some(kind)
    }

    /// A participant or waiting person as the audit log names them:
    /// `role:id name`.
    pub fn label(&self, meeting: MeetingId, id: ParticipantId) -> Option<String> {
        let meetings = self.lock();
        let room = meetings.get(&meeting)?;
        let p = &room
            .members
            .get(&id)
            .or_else(|| room.waiting.get(&id))?
            .participant;
        Some(format!("{}:{} {}", role_of(p.role).as_str(), p.id, p.name))
    }

    /// Whether anyone with this role is in the meeting or its waiting room.
    pub fn has_role(&self, meeting: MeetingId, role: ParticipantRole) -> bool {
        self.lock().get(&meeting).is_some_and(|room| {
            room.members
                .values()
                .chain(room.waiting.values())
                .any(|m| m.participant.role == role)
        })
    }

    /// How many participants are in a meeting now (not counting waiting).
    pub fn count(&self, meeting: MeetingId) -> usize {
        self.lock().get(&meeting).map_or(0, |r| r.members.len())
    }

    /// How many wait to be let in.
    pub fn waiting_count(&self, meeting: MeetingId) -> usize {
        self.lock().get(&meeting).map_or(0, |r| r.waiting.len())
    }

    /// The meeting's state as participants see it (unlocked if nobody is
    /// there yet).
    pub fn info(&self, meeting: MeetingId, kind: MeetingKind) -> MeetingInfo {
        self.lock().get(&meeting).map_or(
            MeetingInfo {
                kind,
                locked: false,
                dial_out: self.dial_out.load(Ordering::Relaxed),
            },
            Room::info,
        )
    }

    /// Says in every meeting's info whether hosts can dial out (SIP on).
    pub fn set_dial_out(&self, available: bool) {
        self.dial_out.store(available, Ordering::Relaxed);
    }

    /// Tells the leaders of a meeting (hosts, judges) something, such as
    /// how a dial-out goes.
    pub fn tell_leaders(&self, meeting: MeetingId, message: ServerMessage) {
        if let Some(room) = self.lock().get_mut(&meeting) {
            room.send_to_leaders(message);
        }
    }

    fn room<'a>(
        &self,
        meetings: &'a mut HashMap<MeetingId, Room>,
        meeting: MeetingId,
        kind: MeetingKind,
    ) -> &'a mut Room {
        let next_room = &self.next_room;
        meetings.entry(meeting).or_insert_with(|| Room {
            room: RoomId(next_room.fetch_add(1, Ordering::Relaxed) + 1),
            kind,
            locked: false,
            dial_out: self.dial_out.load(Ordering::Relaxed),
            members: BTreeMap::new(),
            waiting: BTreeMap::new(),
            screen_share: None,
        })
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
    fn info(&self) -> MeetingInfo {
        MeetingInfo {
            kind: self.kind,
            locked: self.locked,
            dial_out: self.dial_out,
        }
    }

    /// Adds a member: queues `welcome` (with the others) on its own queue,
    /// `participant_joined` on everyone else's, and the waiting list if it
    /// leads the meeting and someone waits (an empty list is the start).
    fn add_member(&mut self, participant: Participant, outbox: Outbox) {
        // Tell the others first: anyone dropped for falling behind is then
        // already gone from the newcomer's list.
        self.broadcast(
            participant.id,
            ServerMessage::ParticipantJoined {
                participant: participant.clone(),
            },
        );
        // A fresh queue has room; a closed one means the session is ending
        // and will call `leave`.
        let _ = outbox.try_send(Notice::Send(self.welcome(&participant)));
        if leads(participant.role) && !self.waiting.is_empty() {
            let _ = outbox.try_send(Notice::Send(self.waiting_list()));
        }
        if let Some(sharer) = self.screen_share {
            let _ = outbox.try_send(Notice::Send(ServerMessage::ScreenShare {
                sharer: Some(sharer),
            }));
        }
        self.members.insert(
            participant.id,
            Member {
                participant,
                outbox,
            },
        );
    }

    /// `welcome` for `participant`: everyone else in the meeting now. The
    /// session adds the resume secret; the roster never sees one.
    fn welcome(&self, participant: &Participant) -> ServerMessage {
        ServerMessage::Welcome {
            version: PROTOCOL_VERSION,
            you: participant.id,
            role: participant.role,
            meeting: self.info(),
            participants: self
                .members
                .values()
                .filter(|m| m.participant.id != participant.id)
                .map(|m| m.participant.clone())
                .collect(),
            resume: None,
        }
    }

    fn add_waiting(&mut self, participant: Participant, outbox: Outbox) {
        let _ = outbox.try_send(Notice::Send(ServerMessage::Waiting {
            you: participant.id,
            meeting: self.info(),
            resume: None,
        }));
        self.waiting.insert(
            participant.id,
            Member {
                participant,
                outbox,
            },
        );
        self.send_waiting_list();
    }

    fn waiting_list(&self) -> ServerMessage {
        ServerMessage::WaitingList {
            waiting: self
                .waiting
                .values()
                .map(|w| WaitingParticipant {
                    id: w.participant.id,
                    name: w.participant.name.clone(),
                    verified: w.participant.verified,
                })
                .collect(),
        }
    }

    /// Sends the current waiting list to every member who leads.
    fn send_waiting_list(&mut self) {
        let list = self.waiting_list();
        self.send_to_leaders(list);
    }

    /// Queues a message for every member who leads.
    fn send_to_leaders(&mut self, list: ServerMessage) {
        let leaders: Vec<ParticipantId> = self
            .members
            .iter()
            .filter(|(_, m)| leads(m.participant.role))
            .map(|(id, _)| *id)
            .collect();
        let stuck: Vec<ParticipantId> = leaders
            .into_iter()
            .filter(|id| {
                self.members
                    .get(id)
                    .is_some_and(|m| m.outbox.try_send(Notice::Send(list.clone())).is_err())
            })
            .collect();
        self.drop_stuck(stuck);
    }

    /// Ends `id`'s screen share, if they have it, and tells every member
    /// left (a sharer who is still a member hears it too). Returns whether
    /// there was a share to end.
    fn forget_share(&mut self, id: ParticipantId) -> bool {
        if self.screen_share != Some(id) {
            return false;
        }
        self.screen_share = None;
        self.broadcast_all(ServerMessage::ScreenShare { sharer: None });
        true
    }

    /// Queues a message for every member.
    fn broadcast_all(&mut self, message: ServerMessage) {
        let stuck: Vec<ParticipantId> = self
            .members
            .iter()
            .filter(|(_, m)| m.outbox.try_send(Notice::Send(message.clone())).is_err())
            .map(|(id, _)| *id)
            .collect();
        self.drop_stuck(stuck);
    }

    /// Queues a message for every member but `except`. Members whose queue
    /// is full or closed are dropped, and the others are told they left.
    fn broadcast(&mut self, except: ParticipantId, message: ServerMessage) {
        let mut pending = VecDeque::from([(except, message)]);
        while let Some((except, message)) = pending.pop_front() {
            let stuck: Vec<ParticipantId> = self
                .members
                .iter()
                .filter(|(id, _)| **id != except)
                .filter(|(_, m)| m.outbox.try_send(Notice::Send(message.clone())).is_err())
                .map(|(id, _)| *id)
                .collect();
            for id in stuck {
                self.members.remove(&id);
                tracing::info!(participant = %id, "participant dropped: its socket fell behind");
                pending.push_back((id, ServerMessage::ParticipantLeft { id }));
                if self.screen_share == Some(id) {
                    self.screen_share = None;
                    pending.push_back((id, ServerMessage::ScreenShare { sharer: None }));
                }
            }
        }
    }

    fn drop_stuck(&mut self, stuck: Vec<ParticipantId>) {
        for id in stuck {
            self.members.remove(&id);
            tracing::info!(participant = %id, "participant dropped: its socket fell behind");
            self.broadcast(id, ServerMessage::ParticipantLeft { id });
            self.forget_share(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> MeetingId {
        MeetingId::parse("0123456789abcdef0123456789abcdef").unwrap()
    }

    fn person(roster: &Roster, name: &str, role: ParticipantRole) -> Newcomer {
        Newcomer {
            participant: Participant {
                id: roster.allocate_participant(),
                name: name.into(),
                media: MediaState::default(),
                role,
                verified: false,
            },
            kind: MeetingKind::Open,
            waiting_room: true,
        }
    }

    fn sent(notice: Notice) -> ServerMessage {
        match notice {
            Notice::Send(message) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn a_member_who_falls_behind_is_dropped_and_the_others_are_told() {
        let roster = Roster::default();
        // Ada's queue holds two messages and nobody reads it: her welcome
        // and Bob's arrival fill it, so Cleo's arrival cannot be queued.
        let (ada_outbox, _ada_inbox) = mpsc::channel(2);
        let ada = person(&roster, "Ada", ParticipantRole::Host);
        let ada_id = ada.participant.id;
        let Entered::Meeting(room) = roster.enter(meeting(), ada.clone(), ada_outbox) else {
            panic!("hosts enter");
        };

        let (bob_outbox, mut bob_inbox) = outbox();
        let bob = person(&roster, "Bob", ParticipantRole::Judge);
        assert_eq!(
            roster.enter(meeting(), bob.clone(), bob_outbox),
            Entered::Meeting(room)
        );
        let welcome = sent(bob_inbox.try_recv().unwrap());
        assert!(
            matches!(welcome, ServerMessage::Welcome { participants, .. } if participants == [ada.participant.clone()])
        );

        let (cleo_outbox, mut cleo_inbox) = outbox();
        let cleo = person(&roster, "Cleo", ParticipantRole::Host);
        roster.enter(meeting(), cleo.clone(), cleo_outbox);
        assert_eq!(
            sent(bob_inbox.try_recv().unwrap()),
            ServerMessage::ParticipantJoined {
                participant: cleo.participant
            }
        );
        assert_eq!(
            sent(bob_inbox.try_recv().unwrap()),
            ServerMessage::ParticipantLeft { id: ada_id }
        );
        let welcome = sent(cleo_inbox.try_recv().unwrap());
        assert!(
            matches!(welcome, ServerMessage::Welcome { participants, .. } if participants == [bob.participant])
        );
        assert_eq!(roster.count(meeting()), 2);
        // Ada's own session leaving later changes nothing more.
        roster.leave(meeting(), ada_id);
        assert!(bob_inbox.try_recv().is_err());
    }

    #[test]
    fn guests_wait_for_a_host_even_before_one_arrives() {
        let roster = Roster::default();
        let (guest_outbox, mut guest_inbox) = outbox();
        let guest = person(&roster, "Gina", ParticipantRole::Guest);
        let guest_id = guest.participant.id;
        assert_eq!(
            roster.enter(meeting(), guest, guest_outbox),
            Entered::Waiting
        );
        assert!(matches!(
            sent(guest_inbox.try_recv().unwrap()),
            ServerMessage::Waiting { .. }
        ));
        assert_eq!(roster.count(meeting()), 0);

        let (host_outbox, mut host_inbox) = outbox();
        roster.enter(
            meeting(),
            person(&roster, "Hanna", ParticipantRole::Host),
            host_outbox,
        );
        assert!(matches!(
            sent(host_inbox.try_recv().unwrap()),
            ServerMessage::Welcome { participants, .. } if participants.is_empty()
        ));
        assert!(matches!(
            sent(host_inbox.try_recv().unwrap()),
            ServerMessage::WaitingList { waiting } if waiting.len() == 1 && waiting[0].name == "Gina"
        ));

        assert!(roster.admit(meeting(), guest_id));
        assert_eq!(guest_inbox.try_recv().unwrap(), Notice::Admitted);
        assert!(!roster.admit(meeting(), guest_id), "admitted only once");
        assert!(matches!(
            sent(host_inbox.try_recv().unwrap()),
            ServerMessage::WaitingList { waiting } if waiting.is_empty()
        ));
    }

    #[test]
    fn a_resumed_seat_is_brought_up_to_date_and_nobody_else_hears_of_it() {
        let roster = Roster::default();
        let (host_outbox, mut host_inbox) = outbox();
        let host = person(&roster, "Hanna", ParticipantRole::Host);
        let host_id = host.participant.id;
        roster.enter(meeting(), host.clone(), host_outbox);
        let (guest_outbox, mut guest_inbox) = outbox();
        let mut guest = person(&roster, "Gina", ParticipantRole::Guest);
        guest.waiting_room = false;
        let guest_id = guest.participant.id;
        roster.enter(meeting(), guest, guest_outbox);
        while host_inbox.try_recv().is_ok() {}
        while guest_inbox.try_recv().is_ok() {}

        assert!(roster.resume(meeting(), guest_id));
        let Ok(Notice::Resumed(messages)) = guest_inbox.try_recv() else {
            panic!("a catch-up for the guest");
        };
        assert!(matches!(
            &messages[..],
            [ServerMessage::Welcome { you, participants, .. }]
                if *you == guest_id && *participants == [host.participant.clone()]
        ));
        assert!(host_inbox.try_recv().is_err(), "the others hear nothing");

        // A leader also gets the waiting list, even an empty one.
        assert!(roster.resume(meeting(), host_id));
        let Ok(Notice::Resumed(messages)) = host_inbox.try_recv() else {
            panic!("a catch-up for the host");
        };
        assert!(matches!(
            &messages[..],
            [ServerMessage::Welcome { .. }, ServerMessage::WaitingList { waiting }] if waiting.is_empty()
        ));
        assert!(!roster.resume(meeting(), ParticipantId(999)));
    }

    #[test]
    fn a_locked_meeting_holds_everyone_but_leaders() {
        let roster = Roster::default();
        let (host_outbox, _host_inbox) = outbox();
        roster.enter(
            meeting(),
            person(&roster, "Hanna", ParticipantRole::Host),
            host_outbox,
        );
        roster.set_locked(meeting(), true);
        // A guest of a meeting without a waiting room waits too now.
        let mut guest = person(&roster, "Gina", ParticipantRole::Guest);
        guest.waiting_room = false;
        let (o, _i) = outbox();
        assert_eq!(roster.enter(meeting(), guest, o), Entered::Waiting);
        let (o, _i) = outbox();
        assert!(matches!(
            roster.enter(meeting(), person(&roster, "Jo", ParticipantRole::Judge), o),
            Entered::Meeting(_)
        ));
        roster.set_locked(meeting(), false);
        let mut guest = person(&roster, "Gus", ParticipantRole::Guest);
        guest.waiting_room = false;
        let (o, _i) = outbox();
        assert!(matches!(
            roster.enter(meeting(), guest, o),
            Entered::Meeting(_)
        ));
    }

    #[test]
    fn ending_tells_members_and_waiting_and_frees_the_room() {
        let roster = Roster::default();
        let (host_outbox, mut host_inbox) = outbox();
        let Entered::Meeting(first) = roster.enter(
            meeting(),
            person(&roster, "Hanna", ParticipantRole::Host),
            host_outbox,
        ) else {
            panic!("hosts enter");
        };
        let (guest_outbox, mut guest_inbox) = outbox();
        roster.enter(
            meeting(),
            person(&roster, "Gina", ParticipantRole::Guest),
            guest_outbox,
        );
        roster.end(meeting());
        let last = std::iter::from_fn(|| host_inbox.try_recv().ok()).last();
        assert_eq!(last, Some(Notice::Ended));
        let last = std::iter::from_fn(|| guest_inbox.try_recv().ok()).last();
        assert_eq!(last, Some(Notice::Ended));
        assert_eq!(roster.count(meeting()), 0);
        let (o, _i) = outbox();
        let Entered::Meeting(second) = roster.enter(
            meeting(),
            person(&roster, "Hanna", ParticipantRole::Host),
            o,
        ) else {
            panic!("hosts enter");
        };
        assert_ne!(first, second);
    }
}
