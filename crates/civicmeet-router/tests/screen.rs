//! Screen sharing: a publisher's second video track, labelled as its
//! screen, reaches the others next to its camera, and the offers they get
//! name it (msid track id `screen`) on the right m-line, so a page can tell
//! it from the camera.

mod common;

use std::time::Duration;

use civicmeet_router::{ParticipantId, RoomId, TrackKind, TrackLabel};
use common::Sim;

const ROOM: RoomId = RoomId(1);

/// One m-section of an SDP: its mid, kind and msid, as a browser reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    mid: String,
    kind: String,
    /// `(stream id, track id)` from `a=msid:`.
    msid: Option<(String, String)>,
    port_zero: bool,
}

fn sections(sdp: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for line in sdp.lines() {
        if let Some(m) = line.strip_prefix("m=") {
            let mut fields = m.split(' ');
            out.push(Section {
                mid: String::new(),
                kind: fields.next().unwrap_or_default().to_string(),
                msid: None,
                port_zero: fields.next() == Some("0"),
            });
        } else if let Some(section) = out.last_mut() {
            if let Some(mid) = line.strip_prefix("a=mid:") {
                section.mid = mid.to_string();
            } else if let Some(msid) = line.strip_prefix("a=msid:") {
                let (stream, track) = msid.split_once(' ').unwrap_or((msid, ""));
                section.msid = Some((stream.to_string(), track.to_string()));
            }
        }
    }
    out
}

/// The live m-sections of `publisher`'s tracks in the last offer `to` got.
fn sections_of(sim: &Sim, to: ParticipantId, publisher: ParticipantId) -> Vec<Section> {
    let (_, sdp) = sim
        .offers
        .iter()
        .rev()
        .find(|(p, _)| *p == to)
        .expect("the router made an offer to this peer");
    sections(sdp)
        .into_iter()
        .filter(|s| !s.port_zero)
        .filter(|s| {
            s.msid
                .as_ref()
                .is_some_and(|(stream, _)| *stream == publisher.to_string())
        })
        .collect()
}

/// Video frames `peer` received on its m-line `mid`.
fn frames_on(sim: &Sim, peer: ParticipantId, mid: &str) -> u64 {
    sim.peer(peer)
        .video_by_mid
        .iter()
        .find(|(m, _)| m.to_string() == mid)
        .map_or(0, |(_, n)| *n)
}

fn screen_section(sections: &[Section]) -> &Section {
    let screens: Vec<&Section> = sections
        .iter()
        .filter(|s| {
            s.msid
                .as_ref()
                .is_some_and(|(_, track)| track == TrackLabel::Screen.track_id())
        })
        .collect();
    assert_eq!(screens.len(), 1, "one screen m-line among {sections:?}");
    screens[0]
}

#[test]
fn a_labelled_screen_reaches_the_others_beside_the_camera() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    // Before the share nobody's m-line is a screen.
    for to in [b, c] {
        let before = sections_of(&sim, to, a);
        assert_eq!(before.len(), 2, "audio and camera of {a}: {before:?}");
        assert!(
            before
                .iter()
                .all(|s| s.msid.as_ref().unwrap().1 != "screen"),
            "{before:?}"
        );
    }

    sim.publish_screen(a);
    sim.run_for(Duration::from_secs(3));

    for to in [b, c] {
        let now = sections_of(&sim, to, a);
        assert_eq!(now.len(), 3, "audio, camera and screen of {a}: {now:?}");
        let screen = screen_section(&now).clone();
        assert_eq!(screen.kind, "video");
        let camera = now
            .iter()
            .find(|s| s.kind == "video" && *s != &screen)
            .expect("the camera m-line is still there")
            .clone();
        let on_screen = frames_on(&sim, to, &screen.mid);
        let on_camera = frames_on(&sim, to, &camera.mid);
        // 3 s at 30 frames/s: both tracks flow, each on its own m-line.
        assert!(on_screen >= 60, "{to} got {on_screen} screen frames");
        assert!(on_camera >= 120, "{to} got {on_camera} camera frames");
    }

    // A newcomer gets the label too, in the offer that brings it the
    // tracks already there.
    let d = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    let late = sections_of(&sim, d, a);
    assert_eq!(screen_section(&late).kind, "video");
    let on_screen = frames_on(&sim, d, &screen_section(&late).mid);
    assert!(on_screen >= 30, "{d} got {on_screen} screen frames");

    // The publisher is not offered its own tracks back.
    assert!(sections_of(&sim, a, a).is_empty());
}

#[test]
fn a_closed_screen_gate_stops_the_screen_and_not_the_camera() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));
    sim.publish_screen(a);
    sim.run_for(Duration::from_secs(2));
    let sections = sections_of(&sim, b, a);
    let screen = screen_section(&sections).mid.clone();
    let camera = sections
        .iter()
        .find(|s| s.kind == "video" && s.mid != screen)
        .expect("a camera m-line")
        .mid
        .clone();
    let count = |sim: &Sim, mid: &str| frames_on(sim, b, mid);

    let now = sim.now;
    sim.router
        .set_publishing(now, a, TrackKind::Screen, false)
        .expect("a participant of the router");
    sim.run_for(Duration::from_millis(200));
    let (screen_before, camera_before) = (count(&sim, &screen), count(&sim, &camera));
    sim.run_for(Duration::from_secs(2));
    assert_eq!(count(&sim, &screen), screen_before, "the screen went on");
    assert!(
        count(&sim, &camera) >= camera_before + 50,
        "the camera stopped too"
    );

    // Sharing again: the screen flows again, from a keyframe.
    let now = sim.now;
    sim.router
        .set_publishing(now, a, TrackKind::Screen, true)
        .expect("a participant of the router");
    sim.run_for(Duration::from_secs(2));
    assert!(
        count(&sim, &screen) >= screen_before + 40,
        "the screen did not come back"
    );
}

#[test]
fn labelling_an_unknown_participant_is_refused() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    assert!(
        sim.router
            .set_track_label(ParticipantId(a.0 + 100), "1", TrackLabel::Screen)
            .is_err()
    );
    // A mid that is no track of the participant labels nothing, whatever
    // its bytes: str0m keeps only ASCII letters and digits of a mid.
    sim.router
        .set_track_label(a, "ü\u{0}x".repeat(40).as_str(), TrackLabel::Screen)
        .expect("a participant of the router");
    sim.run_for(Duration::from_millis(500));
}
