//! The scenarios, and one measured run of a scenario at one load.
//!
//! A run seats the participants, waits for media to settle, opens the
//! measurement window, reads the server's CPU time at both ends of it,
//! closes it, waits a grace period for frames still in flight, and stops
//! everyone. The same run drives either a WebRTC [`Target`] or the plain
//! UDP relay, with the same seats, rates and fan-out.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::now_ns;
use crate::procstat;
use crate::stats::{self, MediaFigures, Recorder, Seat, Window};
use crate::target::{Error, Role, Target};
use crate::webrtc_peer::{self, PeerSpec};

/// What grows when a scenario ramps up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grows {
    /// More rooms of the same size.
    Rooms,
    /// More subscribers in the one room.
    Subscribers,
}

/// A shape of meeting.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: &'static str,
    /// Participants per room at the first step.
    pub room_size: usize,
    /// How many of a room's participants publish (the first ones).
    pub publishers: usize,
    pub audio: bool,
    pub video: bool,
    pub grows: Grows,
}

impl Scenario {
    /// The scenarios: meetings of 5 and of 10 (all publish audio
    /// and video), one publisher to many (a hearing gallery), and 50
    /// participants speaking in one room.
    pub fn all() -> Vec<Scenario> {
        vec![
            Scenario::mesh("mesh-5", 5),
            Scenario::mesh("mesh-10", 10),
            Scenario {
                name: "one-to-many",
                room_size: 1 + 8,
                publishers: 1,
                audio: true,
                video: true,
                grows: Grows::Subscribers,
            },
            Scenario {
                name: "audio-50",
                room_size: 50,
                publishers: 50,
                audio: true,
                video: false,
                grows: Grows::Rooms,
            },
        ]
    }

    fn mesh(name: &'static str, size: usize) -> Scenario {
        Scenario {
            name,
            room_size: size,
            publishers: size,
            audio: true,
            video: true,
            grows: Grows::Rooms,
        }
    }

    pub fn by_name(name: &str) -> Option<Scenario> {
        Scenario::all().into_iter().find(|s| s.name == name)
    }

    /// The load of ramp step `step` (0, 1, 2, ...): doubling.
    pub fn load(&self, step: u32) -> Load {
        let factor = 1usize << step.min(16);
        match self.grows {
            Grows::Rooms => Load {
                rooms: factor,
                room_size: self.room_size,
            },
            Grows::Subscribers => Load {
                rooms: 1,
                room_size: self.publishers + (self.room_size - self.publishers) * factor,
            },
        }
    }

    /// The seats of a load: numbered participants, the first
    /// `publishers` of each room publishing.
    pub fn seats(&self, load: Load) -> Vec<Seat> {
        let mut seats = Vec::with_capacity(load.rooms * load.room_size);
        for room in 0..load.rooms {
            for i in 0..load.room_size {
                let publishes = i < self.publishers;
                seats.push(Seat {
                    id: seats.len() as u32,
                    room: room as u32,
                    audio: publishes && self.audio,
                    video: publishes && self.video,
                });
            }
        }
        seats
    }
}

/// How much of a scenario runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Load {
    pub rooms: usize,
    pub room_size: usize,
}

/// Durations of one run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// After the last join, before measuring: connections, renegotiation
    /// and first keyframes settle.
    pub warmup: Duration,
    pub measure: Duration,
    /// After the window, for frames still in flight.
    pub grace: Duration,
}

/// One measured run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub scenario: &'static str,
    pub target: String,
    pub load: Load,
    pub media: MediaFigures,
    pub seconds: f64,
    /// Server CPU seconds spent during the window; `None` without a pid.
    pub server_cpu_seconds: Option<f64>,
    /// Peak resident memory of the server process at the end, KiB.
    pub peak_memory_kib: Option<u64>,
    /// (peak − resident before the first join) / participants, KiB.
    pub memory_per_participant_kib: Option<f64>,
}

impl RunResult {
    /// Datagrams forwarded per CPU-second of the server.
    pub fn packets_per_cpu_second(&self) -> Option<f64> {
        let cpu = self.server_cpu_seconds.filter(|c| *c > 0.0)?;
        Some(self.media.datagrams_forwarded as f64 / cpu)
    }

    /// Streams carried per fully used core: streams / (CPU seconds per
    /// second of wall time).
    pub fn streams_per_core(&self) -> Option<f64> {
        let cpu = self.server_cpu_seconds.filter(|c| *c > 0.0)?;
        Some(self.media.streams as f64 / (cpu / self.seconds))
    }

    /// Whether this run held its load: everyone connected, nobody failed,
    /// under 1% loss.
    pub fn held(&self) -> bool {
        self.media.failed == 0
            && self.media.connected == self.media.participants
            && self.media.frames_expected > 0
            && self.media.loss < 0.01
    }
}

/// What both kinds of run share once the participants are running.
struct Measure {
    window: Arc<Window>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<(usize, Recorder)>,
}

impl Measure {
    fn new() -> Measure {
        Measure {
            window: Arc::new(Window::default()),
            stop: watch::channel(false).0,
            tasks: JoinSet::new(),
        }
    }

    fn spec(&self, seat: &Seat) -> PeerSpec {
        PeerSpec {
            id: seat.id,
            role: Role {
                audio: seat.audio,
                video: seat.video,
            },
            window: self.window.clone(),
            stop: self.stop.subscribe(),
            bind: Ipv4Addr::LOCALHOST.into(),
        }
    }

    /// Warms up, measures, stops everyone; returns their recorders in
    /// seat order and the server's CPU seconds and wall seconds.
    async fn finish(
        mut self,
        seats: usize,
        pid: Option<u32>,
        timing: Timing,
    ) -> (Vec<Recorder>, Option<f64>, f64) {
        tokio::time::sleep(timing.warmup).await;
        let cpu_before = pid.and_then(procstat::cpu_seconds);
        let start = now_ns();
        self.window.open(start);
        tokio::time::sleep(timing.measure).await;
        let cpu_after = pid.and_then(procstat::cpu_seconds);
        let end = now_ns();
        self.window.close(end);
        tokio::time::sleep(timing.grace).await;
        let _ = self.stop.send(true);
        let mut recorders = vec![Recorder::default(); seats];
        while let Some(done) = self.tasks.join_next().await {
            match done {
                Ok((i, rec)) => recorders[i] = rec,
                Err(e) => {
                    // A participant task panicked: a bug, counted as a failure.
                    eprintln!("a participant task failed: {e}");
                }
            }
        }
        let cpu = cpu_before.zip(cpu_after).map(|(a, b)| b - a);
        (recorders, cpu, (end - start) as f64 / 1e9)
    }
}

/// One run of `scenario` at `load` against a WebRTC target.
pub async fn run_webrtc<T: Target>(
    target: &T,
    scenario: &Scenario,
    load: Load,
    timing: Timing,
) -> Result<RunResult, Error> {
    let seats = scenario.seats(load);
    let pid = target.server_pid();
    let rss_before = pid.and_then(|p| procstat::memory_kib(p, "VmRSS"));
    let mut measure = Measure::new();
    let mut rooms = Vec::with_capacity(load.rooms);
    for _ in 0..load.rooms {
        rooms.push(target.create_room().await?);
    }
    for (i, seat) in seats.iter().enumerate() {
        let mut spec = measure.spec(seat);
        spec.bind = target.media_bind_ip();
        let session = target
            .join(
                &rooms[seat.room as usize],
                &format!("p{}", seat.id),
                spec.role,
            )
            .await?;
        measure
            .tasks
            .spawn(async move { (i, webrtc_peer::run(session, spec).await) });
    }
    let (recorders, cpu, seconds) = measure.finish(seats.len(), pid, timing).await;
    Ok(result(
        scenario,
        target.name(),
        load,
        &seats,
        &recorders,
        cpu,
        seconds,
        pid,
        rss_before,
    ))
}

/// One run of `scenario` at `load` against the plain UDP relay at `relay`
/// (process `pid`).
pub async fn run_raw(
    relay: SocketAddr,
    pid: Option<u32>,
    scenario: &Scenario,
    load: Load,
    timing: Timing,
) -> RunResult {
    let seats = scenario.seats(load);
    let rss_before = pid.and_then(|p| procstat::memory_kib(p, "VmRSS"));
    let mut measure = Measure::new();
    for (i, seat) in seats.iter().enumerate() {
        let spec = measure.spec(seat);
        let room = seat.room;
        measure
            .tasks
            .spawn(async move { (i, crate::raw_peer::run(relay, room, spec).await) });
    }
    let (recorders, cpu, seconds) = measure.finish(seats.len(), pid, timing).await;
    result(
        scenario,
        "udp-relay",
        load,
        &seats,
        &recorders,
        cpu,
        seconds,
        pid,
        rss_before,
    )
}

#[allow(clippy::too_many_arguments)] // One call site each in the two runs above.
fn result(
    scenario: &Scenario,
    target: &str,
    load: Load,
    seats: &[Seat],
    recorders: &[Recorder],
    cpu: Option<f64>,
    seconds: f64,
    pid: Option<u32>,
    rss_before: Option<u64>,
) -> RunResult {
    let peak = pid.and_then(|p| procstat::memory_kib(p, "VmHWM"));
    let per_participant = peak
        .zip(rss_before)
        .map(|(peak, before)| peak.saturating_sub(before) as f64 / seats.len().max(1) as f64);
    RunResult {
        scenario: scenario.name,
        target: target.to_owned(),
        load,
        media: stats::figures(seats, recorders),
        seconds,
        server_cpu_seconds: cpu,
        peak_memory_kib: peak,
        memory_per_participant_kib: per_participant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_double_rooms_or_subscribers() {
        let mesh = Scenario::by_name("mesh-5").expect("a scenario");
        assert_eq!(
            mesh.load(0),
            Load {
                rooms: 1,
                room_size: 5
            }
        );
        assert_eq!(
            mesh.load(3),
            Load {
                rooms: 8,
                room_size: 5
            }
        );
        let gallery = Scenario::by_name("one-to-many").expect("a scenario");
        assert_eq!(
            gallery.load(0),
            Load {
                rooms: 1,
                room_size: 9
            }
        );
        assert_eq!(
            gallery.load(2),
            Load {
                rooms: 1,
                room_size: 33
            }
        );
    }

    #[test]
    fn only_the_first_of_a_room_publish_in_one_to_many() {
        let gallery = Scenario::by_name("one-to-many").expect("a scenario");
        let seats = gallery.seats(gallery.load(0));
        assert_eq!(seats.len(), 9);
        assert!(seats[0].audio && seats[0].video);
        assert!(seats[1..].iter().all(|s| !s.audio && !s.video));
        let audio = Scenario::by_name("audio-50").expect("a scenario");
        let seats = audio.seats(audio.load(1));
        assert_eq!(seats.len(), 100);
        assert_eq!(seats[99].room, 1);
        assert!(seats.iter().all(|s| s.audio && !s.video));
    }
}
