//! Whose track is which, read from the router's offer: each m-line's
//! `a=msid:<stream> <track>` (RFC 8830) names the publisher's participant
//! id as the stream and `screen` as the track of a shared screen — the
//! same reading the browsers do (`assets/js/msid.js`). str0m keeps the
//! msid to itself, so the SIP leg reads the SDP text.

use civicmeet_wire::ParticipantId;
use str0m::media::{MediaKind, Mid};

/// The msid track id of a shared screen (the router's `TrackLabel::Screen`).
const SCREEN: &str = "screen";

/// One received track and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackOwner {
    pub mid: Mid,
    pub kind: MediaKind,
    pub participant: ParticipantId,
    pub screen: bool,
}

/// Every m-line of `sdp` with a mid, a kind we know and a participant id
/// as its msid stream; the others (our own tracks, data) are skipped.
pub fn track_owners(sdp: &str) -> Vec<TrackOwner> {
    let mut owners = Vec::new();
    for section in sdp.split("\nm=").skip(1) {
        let kind = if section.starts_with("audio ") {
            MediaKind::Audio
        } else if section.starts_with("video ") {
            MediaKind::Video
        } else {
            continue;
        };
        let attribute = |name: &str| {
            section
                .lines()
                .find_map(|line| line.trim_end().strip_prefix(name))
        };
        let (Some(mid), Some(msid)) = (attribute("a=mid:"), attribute("a=msid:")) else {
            continue;
        };
        let mut msid = msid.split_whitespace();
        let Some(Ok(participant)) = msid.next().map(str::parse::<u64>) else {
            continue;
        };
        owners.push(TrackOwner {
            mid: Mid::from(mid),
            kind,
            participant: ParticipantId(participant),
            screen: msid.next() == Some(SCREEN),
        });
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_come_from_mid_and_msid_lines() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n\
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:2\r\na=msid:7 a1b2\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:3\r\na=msid:7 c3d4\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:4\r\na=msid:7 screen\r\n\
            m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:5\r\na=msid:not-a-number x\r\n\
            m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:6\r\n";
        let owners = track_owners(sdp);
        let seven = ParticipantId(7);
        assert_eq!(
            owners,
            vec![
                TrackOwner {
                    mid: Mid::from("2"),
                    kind: MediaKind::Audio,
                    participant: seven,
                    screen: false
                },
                TrackOwner {
                    mid: Mid::from("3"),
                    kind: MediaKind::Video,
                    participant: seven,
                    screen: false
                },
                TrackOwner {
                    mid: Mid::from("4"),
                    kind: MediaKind::Video,
                    participant: seven,
                    screen: true
                },
            ]
        );
    }

    #[test]
    fn garbage_gives_no_owners() {
        assert!(track_owners("").is_empty());
        assert!(track_owners("m=video\nm=audio 9\na=mid:\na=msid:").is_empty());
    }
}
