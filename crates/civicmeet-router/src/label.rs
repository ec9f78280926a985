//! Track labels: what a published track shows, as far as subscribers need
//! to know it.
//!
//! The router forwards every track a participant publishes; subscribers
//! tell the tracks of one publisher apart by the `msid` of their m-lines
//! (RFC 8830): the stream id is the publisher's participant id, the track
//! id is random, or, for a labelled track, the label's fixed name. The
//! shell learns a label from signalling (the browser says which of its
//! mids is its screen) and hands it to [`crate::Router::set_track_label`]
//! before the offer that adds the track. Labels also let later work rank
//! tracks, e.g. a screen share before cameras in the bandwidth budget.

/// What a published track carries, when it is not simply a camera or a
/// microphone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackLabel {
    /// A shared screen or window (a browser's `getDisplayMedia` track).
    Screen,
}

impl TrackLabel {
    /// The `msid` track id of subscribers' m-lines for a track with this
    /// label. Only token characters (RFC 8830), and fixed, so a page can
    /// recognise it.
    pub fn track_id(self) -> &'static str {
        match self {
            TrackLabel::Screen => "screen",
        }
    }
}
