//! Against a real Janus (Debian package `janus`, installed by
//! `cargo xtask test`): a str0m publisher sends synthetic Opus and VP8
//! through a VideoRoom to a str0m subscriber. Without Janus these tests
//! fail, naming the command that installs it; they never skip.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::Peer;
use janus_videoroom::{
    ApiError, JanusConfig, JanusServer, RoomConfig, RoomId, StartError, StreamRequest,
};

const PUBLISHER_MARKER: u8 = 0x5a;

async fn janus() -> JanusServer {
    JanusServer::start()
        .await
        .unwrap_or_else(|e| panic!("cannot start Janus for this test: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_receives_a_publishers_audio_and_video_through_janus() {
    let janus = janus().await;
    assert!(
        Path::new(&format!("/proc/{}/stat", janus.pid())).exists(),
        "the pid names the running Janus"
    );
    let client = janus.client();
    let info = client.info().await.expect("server info");
    assert_eq!(
        info.plugins,
        ["janus.plugin.videoroom"],
        "only VideoRoom loaded"
    );
    assert!(!janus.media_ip().is_unspecified());

    let session = client.create_session().await.expect("a session");
    let admin = session.attach_videoroom().await.expect("a handle");
    let room = admin
        .create_room(&RoomConfig::default())
        .await
        .expect("a room");

    // The publisher: offer, Janus's answer, then media once ICE is up.
    let mut publishing = session.attach_videoroom().await.expect("a handle");
    let joined = publishing
        .join_publisher(room, "publisher")
        .await
        .expect("joined as publisher");
    assert_eq!(joined.room, room);
    assert!(joined.publishers.is_empty(), "nobody published before");
    let mut publisher = Peer::bind(janus.media_ip(), PUBLISHER_MARKER).await;
    let offer = publisher.publish_offer();
    let published = publishing.publish(&offer).await.expect("published");
    publisher.accept_answer(&published.answer);
    let codecs: Vec<(&str, Option<&str>)> = published
        .streams
        .iter()
        .map(|s| (s.kind.as_str(), s.codec.as_deref()))
        .collect();
    assert_eq!(codecs, [("audio", Some("opus")), ("video", Some("vp8"))]);

    let deadline = Instant::now() + Duration::from_secs(20);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let publisher_task = tokio::spawn(async move {
        tokio::select! {
            _ = publisher.run(deadline, |_| false) => {}
            _ = stopped => {}
        }
        publisher
    });

    // Janus knows the feed only once the publisher's PeerConnection is up.
    if let Err(e) = publishing.wait_webrtc_up().await {
        let _ = stop.send(());
        let publisher = publisher_task.await.expect("the publisher task ends");
        panic!(
            "publisher not up: {e}; its ICE state {:?}; Janus log ({}):\n{}",
            publisher.ice,
            janus.log_path().display(),
            janus.log_tail()
        );
    }

    // The subscriber: Janus offers the feed's streams, we answer.
    let subscribing = session.attach_videoroom().await.expect("a handle");
    let subscription = subscribing
        .subscribe(room, &[StreamRequest::feed(joined.id)])
        .await
        .expect("subscribed");
    assert_eq!(subscription.streams.len(), 2, "{subscription:?}");
    assert!(
        subscription
            .streams
            .iter()
            .all(|s| s.feed == Some(joined.id))
    );
    let mut subscriber = Peer::bind(janus.media_ip(), PUBLISHER_MARKER).await;
    let answer = subscriber.answer_offer(&subscription.offer);
    subscribing.start(&answer).await.expect("started");

    let started = Instant::now();
    let enough = subscriber
        .run(deadline, |r| {
            r.audio >= 50 && r.video >= 30 && r.keyframes >= 1
        })
        .await;
    let took = started.elapsed();
    let _ = stop.send(());
    let publisher = publisher_task.await.expect("the publisher task ends");
    assert!(
        enough,
        "after {took:?} the subscriber has {:?} (ICE {:?}; publisher ICE {:?}, \
         {} keyframe requests); Janus log ({}):\n{}",
        subscriber.received,
        subscriber.ice,
        publisher.ice,
        publisher.keyframe_requests,
        janus.log_path().display(),
        janus.log_tail(),
    );
    assert_eq!(
        subscriber.received.foreign, 0,
        "only the publisher's frames"
    );
    eprintln!(
        "first 50 audio / 30 video frames through Janus {took:?} after start: {:?}",
        subscriber.received
    );

    subscribing.leave().await.expect("subscriber left");
    publishing.leave().await.expect("publisher left");
    admin.destroy_room(room).await.expect("room destroyed");
    session.destroy().await.expect("session destroyed");
}

#[tokio::test]
async fn janus_refusals_are_typed_errors() {
    let janus = janus().await;
    let session = janus.client().create_session().await.expect("a session");
    let handle = session.attach_videoroom().await.expect("a handle");
    match handle.join_publisher(RoomId(4_242), "nobody").await {
        Err(ApiError::VideoRoom { code: 426, .. }) => {}
        other => panic!("joining a missing room gave {other:?}"),
    }
    // Janus answered the join with an error; the handle still works.
    let room = handle
        .create_room(&RoomConfig::default())
        .await
        .expect("a room");
    assert_eq!(handle.list_participants(room).await.expect("a list"), []);
    session.destroy().await.expect("session destroyed");
    match janus.client().create_session().await {
        Ok(_) => {}
        Err(e) => panic!("a second session failed: {e}"),
    }
}

#[tokio::test]
async fn without_janus_start_names_the_command_that_installs_it() {
    let config = JanusConfig {
        binary: "/nonexistent/janus".into(),
        ..JanusConfig::default()
    };
    match JanusServer::start_with(config).await {
        Err(e @ StartError::NotInstalled { .. }) => {
            assert!(e.to_string().contains("cargo xtask test"), "{e}")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("started a Janus that does not exist"),
    }
}
