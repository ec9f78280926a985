//! The publish gate: whether a participant's audio and video may reach the
//! others of its room. A host's "mute" and "stop camera" close it, so the
//! server, not the muted participant's page, decides what is heard.
//!
//! The gate belongs to the publisher, not to its tracks or subscribers: a
//! track the publisher adds later and a subscriber who joins later meet the
//! same gate. Frames are dropped where they arrive, before forwarding.
//! When video reopens, each video track waits for a keyframe: delta frames
//! before it would only decode as a broken picture (RFC 6386 §9.1 for VP8,
//! an IDR for H.264), and each one dropped asks for a keyframe again,
//! throttled like every other request.

use str0m::media::{MediaKind, Mid};

/// A kind of media, as the gate and the shell name it. The router's own
/// type, so the shell needs no str0m.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    Audio,
    Video,
}

impl From<MediaKind> for TrackKind {
    fn from(kind: MediaKind) -> TrackKind {
        match kind {
            MediaKind::Audio => TrackKind::Audio,
            MediaKind::Video => TrackKind::Video,
        }
    }
}

/// What to do with one frame a publisher sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    Forward,
    /// The gate of its kind is closed.
    Drop,
    /// Video reopened and this is not yet the keyframe to restart from.
    DropAndRequestKeyframe,
}

/// One participant's gate. Open for both kinds until a host closes it.
#[derive(Debug, Default)]
pub(crate) struct PublishGate {
    audio_closed: bool,
    video_closed: bool,
    /// Video tracks that reopened and have not sent a keyframe since.
    awaiting_keyframe: Vec<Mid>,
}

impl PublishGate {
    pub fn allows(&self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Audio => !self.audio_closed,
            TrackKind::Video => !self.video_closed,
        }
    }

    /// Opens or closes the gate for `kind`. Returns whether it changed.
    pub fn set(&mut self, kind: TrackKind, allowed: bool) -> bool {
        if self.allows(kind) == allowed {
            return false;
        }
        match kind {
            TrackKind::Audio => self.audio_closed = !allowed,
            TrackKind::Video => {
                self.video_closed = !allowed;
                self.awaiting_keyframe.clear();
            }
        }
        true
    }

    /// After video reopened: frames of `mid` are held until a keyframe.
    pub fn await_keyframe(&mut self, mid: Mid) {
        if !self.awaiting_keyframe.contains(&mid) {
            self.awaiting_keyframe.push(mid);
        }
    }

    /// Decides about one frame of track `mid`. `kind` is `None` for a mid
    /// str0m does not know; such a frame passes only while both gates are
    /// open, so an unknown track can never slip past a closed gate.
    pub fn admit(&mut self, kind: Option<TrackKind>, mid: Mid, is_keyframe: bool) -> Admit {
        let open = match kind {
            Some(kind) => self.allows(kind),
            None => !self.audio_closed && !self.video_closed,
        };
        if !open {
            return Admit::Drop;
        }
        if kind != Some(TrackKind::Video) {
            return Admit::Forward;
        }
        let Some(i) = self.awaiting_keyframe.iter().position(|m| *m == mid) else {
            return Admit::Forward;
        };
        if !is_keyframe {
            return Admit::DropAndRequestKeyframe;
        }
        self.awaiting_keyframe.swap_remove(i);
        Admit::Forward
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mid(s: &str) -> Mid {
        Mid::from(s)
    }

    #[test]
    fn open_by_default_and_set_is_idempotent() {
        let mut gate = PublishGate::default();
        assert!(gate.allows(TrackKind::Audio) && gate.allows(TrackKind::Video));
        assert!(!gate.set(TrackKind::Audio, true));
        assert!(gate.set(TrackKind::Audio, false));
        assert!(!gate.set(TrackKind::Audio, false));
        assert!(!gate.allows(TrackKind::Audio));
        assert!(gate.allows(TrackKind::Video));
    }

    #[test]
    fn a_closed_kind_is_dropped_and_the_other_passes() {
        let mut gate = PublishGate::default();
        gate.set(TrackKind::Audio, false);
        assert_eq!(
            gate.admit(Some(TrackKind::Audio), mid("0"), false),
            Admit::Drop
        );
        assert_eq!(
            gate.admit(Some(TrackKind::Video), mid("1"), false),
            Admit::Forward
        );
        // A track of unknown kind does not pass a closed gate.
        assert_eq!(gate.admit(None, mid("2"), false), Admit::Drop);
    }

    #[test]
    fn reopened_video_waits_for_a_keyframe() {
        let mut gate = PublishGate::default();
        gate.set(TrackKind::Video, false);
        gate.set(TrackKind::Video, true);
        gate.await_keyframe(mid("1"));
        let video = Some(TrackKind::Video);
        assert_eq!(
            gate.admit(video, mid("1"), false),
            Admit::DropAndRequestKeyframe
        );
        // Other video tracks are not held.
        assert_eq!(gate.admit(video, mid("3"), false), Admit::Forward);
        assert_eq!(gate.admit(video, mid("1"), true), Admit::Forward);
        assert_eq!(gate.admit(video, mid("1"), false), Admit::Forward);
    }

    #[test]
    fn closing_video_forgets_the_wait() {
        let mut gate = PublishGate::default();
        gate.set(TrackKind::Video, false);
        gate.set(TrackKind::Video, true);
        gate.await_keyframe(mid("1"));
        gate.set(TrackKind::Video, false);
        assert_eq!(
            gate.admit(Some(TrackKind::Video), mid("1"), true),
            Admit::Drop
        );
    }
}
