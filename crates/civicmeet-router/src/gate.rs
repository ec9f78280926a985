//! The publish gate: whether a participant's audio, video and screen share
//! may reach the others of its room. A host's "mute" and "stop camera"
//! close it, so the server, not the muted participant's page, decides what
//! is heard; the shell keeps the screen gate closed unless the participant
//! is the one its meeting lets share.
//!
//! The gate belongs to the publisher, not to its tracks or subscribers: a
//! track the publisher adds later and a subscriber who joins later meet the
//! same gate. Frames are dropped where they arrive, before forwarding.
//! When video (or the screen) reopens, each such track waits for a keyframe: delta frames
//! before it would only decode as a broken picture (RFC 6386 §9.1 for VP8,
//! an IDR for H.264), and each one dropped asks for a keyframe again,
//! throttled like every other request.

use str0m::media::{MediaKind, Mid};

/// A kind of media, as the gate and the shell name it. The router's own
/// type, so the shell needs no str0m.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    Audio,
    /// Camera video (any video track without a label).
    Video,
    /// A video track labelled [`crate::TrackLabel::Screen`].
    Screen,
}

impl TrackKind {
    /// Whether frames of this kind are pictures that decode only from a
    /// keyframe on.
    pub(crate) fn is_picture(self) -> bool {
        matches!(self, TrackKind::Video | TrackKind::Screen)
    }
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

/// One participant's gate. Open for every kind until the shell closes it.
#[derive(Debug, Default)]
pub(crate) struct PublishGate {
    audio_closed: bool,
    video_closed: bool,
    screen_closed: bool,
    /// Picture tracks that reopened and have not sent a keyframe since,
    /// with the kind whose reopening made them wait.
    awaiting_keyframe: Vec<(TrackKind, Mid)>,
}

impl PublishGate {
    pub fn allows(&self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Audio => !self.audio_closed,
            TrackKind::Video => !self.video_closed,
            TrackKind::Screen => !self.screen_closed,
        }
    }

    /// Opens or closes the gate for `kind`. Returns whether it changed.
    pub fn set(&mut self, kind: TrackKind, allowed: bool) -> bool {
        if self.allows(kind) == allowed {
            return false;
        }
        match kind {
            TrackKind::Audio => self.audio_closed = !allowed,
            TrackKind::Video => self.video_closed = !allowed,
            TrackKind::Screen => self.screen_closed = !allowed,
        }
        self.awaiting_keyframe.retain(|(k, _)| *k != kind);
        true
    }

    /// After `kind` reopened: frames of `mid` are held until a keyframe.
    pub fn await_keyframe(&mut self, kind: TrackKind, mid: Mid) {
        if !self.awaiting_keyframe.contains(&(kind, mid)) {
            self.awaiting_keyframe.push((kind, mid));
        }
    }

    /// Decides about one frame of track `mid`. `kind` is `None` for a mid
    /// str0m does not know; such a frame passes only while the audio and
    /// video gates are open, so an unknown track can never slip past a
    /// closed gate. (It is not a screen: a screen track is labelled, and
    /// so known.)
    pub fn admit(&mut self, kind: Option<TrackKind>, mid: Mid, is_keyframe: bool) -> Admit {
        let open = match kind {
            Some(kind) => self.allows(kind),
            None => !self.audio_closed && !self.video_closed,
        };
        if !open {
            return Admit::Drop;
        }
        if !kind.is_some_and(TrackKind::is_picture) {
            return Admit::Forward;
        }
        let Some(i) = self.awaiting_keyframe.iter().position(|(_, m)| *m == mid) else {
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
        gate.await_keyframe(TrackKind::Video, mid("1"));
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
    fn the_screen_gate_is_apart_from_the_camera_gate() {
        let mut gate = PublishGate::default();
        let (video, screen) = (Some(TrackKind::Video), Some(TrackKind::Screen));
        gate.set(TrackKind::Screen, false);
        assert_eq!(gate.admit(screen, mid("2"), true), Admit::Drop);
        assert_eq!(gate.admit(video, mid("1"), false), Admit::Forward);
        // Unknown tracks are judged by audio and video only.
        assert_eq!(gate.admit(None, mid("3"), false), Admit::Forward);
        gate.set(TrackKind::Screen, true);
        gate.await_keyframe(TrackKind::Screen, mid("2"));
        // Closing the camera leaves the screen's wait for a keyframe alone.
        gate.set(TrackKind::Video, false);
        assert_eq!(
            gate.admit(screen, mid("2"), false),
            Admit::DropAndRequestKeyframe
        );
        assert_eq!(gate.admit(screen, mid("2"), true), Admit::Forward);
    }

    #[test]
    fn closing_video_forgets_the_wait() {
        let mut gate = PublishGate::default();
        gate.set(TrackKind::Video, false);
        gate.set(TrackKind::Video, true);
        gate.await_keyframe(TrackKind::Video, mid("1"));
        gate.set(TrackKind::Video, false);
        assert_eq!(
            gate.admit(Some(TrackKind::Video), mid("1"), true),
            Admit::Drop
        );
    }
}
