//! The load generator's smoke run (CI): a tiny meeting through a civicmeet
//! server started in-process, through a Janus VideoRoom (the Debian
//! package `janus`, installed by `cargo xtask test`; without it the Janus
//! test fails, it never skips), and through the plain UDP relay.
//! Functional assertions only (media flowed, latency was measured); speed
//! is never asserted.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use civicmeet::{Application, Config};
use civicmeet_loadgen::relay;
use civicmeet_loadgen::scenario::{self, Grows, Load, RunResult, Scenario, Timing};
use civicmeet_loadgen::target::Target;
use civicmeet_loadgen::target::civicmeet::Civicmeet;
use civicmeet_loadgen::target::janus::JanusTarget;

fn tiny() -> (Scenario, Load, Timing) {
    let scenario = Scenario {
        name: "smoke",
        room_size: 3,
        publishers: 3,
        audio: true,
        video: true,
        grows: Grows::Rooms,
    };
    let load = Load {
        rooms: 1,
        room_size: 3,
    };
    let timing = Timing {
        warmup: Duration::from_secs(1),
        measure: Duration::from_secs(2),
        grace: Duration::from_millis(300),
    };
    (scenario, load, timing)
}

fn assert_media_flowed(result: &RunResult) {
    let media = &result.media;
    assert_eq!(media.failed, 0, "{:?}", media.first_error);
    assert_eq!(media.connected, 3);
    assert_eq!(
        media.streams,
        3 * 2 * 2,
        "three people, two others, two kinds"
    );
    assert_eq!(
        media.streams_flowing, media.streams,
        "every participant receives both kinds from both others: {media:?}"
    );
    assert!(media.frames_expected > 0, "{media:?}");
    assert!(media.frames_received > 0, "{media:?}");
    assert!(media.datagrams_forwarded > 0, "{media:?}");
    assert!(media.latency_p99_us > 0, "latency measured: {media:?}");
    assert!(media.latency_p99_us >= media.latency_p50_us);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_meeting_through_civicmeet_carries_media() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().expect("an address");
    config.media.listen = "127.0.0.1:0".parse().expect("an address");
    config.storage.data_dir = data.path().to_path_buf();
    config.booking.seed_demo = false;
    let app = Application::build(config)
        .await
        .expect("application builds");
    let http = app.http_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("application runs");
    });

    // In-process: the server's cost is not separable, so no pid.
    let target = Civicmeet::attach(http, None);
    let (scenario, load, timing) = tiny();
    let result = scenario::run_webrtc(&target, &scenario, load, timing)
        .await
        .expect("the run completes");
    assert_media_flowed(&result);
    assert_eq!(result.server_cpu_seconds, None);

    let _ = stop.send(());
    server.await.expect("server stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_meeting_through_janus_carries_media() {
    let target = JanusTarget::start()
        .await
        .unwrap_or_else(|e| panic!("cannot start Janus for this test: {e}"));
    let (scenario, load, timing) = tiny();
    let result = scenario::run_webrtc(&target, &scenario, load, timing)
        .await
        .unwrap_or_else(|e| panic!("the run fails: {e}; Janus log:\n{}", target.log_tail()));
    assert!(
        result.media.failed == 0 && result.media.streams_flowing == result.media.streams,
        "{:?}; Janus log:\n{}",
        result.media,
        target.log_tail()
    );
    assert_media_flowed(&result);
    // Janus runs as a process of its own, so its cost is measured.
    assert!(target.server_pid().is_some());
    assert!(result.server_cpu_seconds.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_meeting_through_the_udp_relay_carries_media() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = socket.local_addr().expect("address");
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    let relay = std::thread::spawn(move || relay::run(&socket, &stopper).expect("relay runs"));

    let (scenario, load, timing) = tiny();
    let result = scenario::run_raw(addr, None, &scenario, load, timing).await;
    assert_media_flowed(&result);

    stop.store(true, Ordering::Relaxed);
    let counters = relay.join().expect("relay thread");
    assert!(counters.sent > 0);
}
