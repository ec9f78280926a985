//! Against a real Janus (Debian package `janus`, installed by
//! `cargo xtask test`): str0m publishers send synthetic Opus and VP8
//! through a VideoRoom to a str0m subscriber. Without Janus these tests
//! fail, naming the command that installs it; they never skip.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Peer, Received};
use janus_videoroom::{
    ApiError, FeedId, JanusConfig, JanusServer, RoomConfig, RoomId, Session, StartError,
    StreamRequest, VideoRoomEvent, VideoRoomHandle,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Enough to show media flows: one second of audio and of video, and a
/// keyframe a decoder could start from.
fn enough(r: Received) -> bool {
    r.audio >= 50 && r.video >= 30 && r.keyframes >= 1
}

async fn janus() -> JanusServer {
    JanusServer::start()
        .await
        .unwrap_or_else(|e| panic!("cannot start Janus for this test: {e}"))
}

/// A publisher in a room: its handle, and its peer sending media in a task
/// until stopped.
struct Publishing {
    handle: VideoRoomHandle,
    feed: FeedId,
    stop: oneshot::Sender<()>,
    peer: JoinHandle<Peer>,
}

impl Publishing {
    /// Joins, publishes, and waits until Janus has the PeerConnection up
    /// (before that, Janus refuses subscriptions to the feed).
    async fn start(
        janus: &JanusServer,
        session: &Session,
        room: RoomId,
        marker: u8,
        deadline: Instant,
    ) -> Publishing {
        let handle = session.attach_videoroom().await.expect("a handle");
        let joined = handle
            .join_publisher(room, &format!("publisher {marker}"))
            .await
            .expect("joined as publisher");
        assert_eq!(joined.room, room);
        let mut peer = Peer::bind(janus.media_ip(), marker).await;
        let offer = peer.publish_offer();
        let published = handle.publish(&offer).await.expect("published");
        peer.accept_answer(&published.answer);
        let codecs: Vec<(&str, Option<&str>)> = published
            .streams
            .iter()
            .map(|s| (s.kind.as_str(), s.codec.as_deref()))
            .collect();
        assert_eq!(codecs, [("audio", Some("opus")), ("video", Some("vp8"))]);

        let (stop, stopped) = oneshot::channel::<()>();
        let peer = tokio::spawn(async move {
            tokio::select! {
                _ = peer.run(deadline, |_| false) => {}
                _ = stopped => {}
            }
            peer
        });
        let mut publishing = Publishing {
            handle,
            feed: joined.id,
            stop,
            peer,
        };
        if let Err(e) = publishing.handle.wait_webrtc_up().await {
            let (_, peer) = publishing.stop().await;
            panic!(
                "publisher {marker} not up: {e}; its ICE state {:?}; Janus log:\n{}",
                peer.ice,
                janus.log_tail()
            );
        }
        publishing
    }

    /// Stops sending; returns the handle and the peer (for a look at its
    /// state).
    async fn stop(self) -> (VideoRoomHandle, Peer) {
        let _ = self.stop.send(());
        let peer = self.peer.await.expect("the publisher task ends");
        (self.handle, peer)
    }
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
    let deadline = Instant::now() + Duration::from_secs(20);
    let publishing = Publishing::start(&janus, &session, room, 0x5a, deadline).await;

    // The subscriber: Janus offers the feed's streams, we answer.
    let subscribing = session.attach_videoroom().await.expect("a handle");
    let subscription = subscribing
        .subscribe(room, &[StreamRequest::feed(publishing.feed)])
        .await
        .expect("subscribed");
    assert_eq!(subscription.streams.len(), 2, "{subscription:?}");
    assert!(
        subscription
            .streams
            .iter()
            .all(|s| s.feed == Some(publishing.feed))
    );
    let mut subscriber = Peer::bind(janus.media_ip(), 0).await;
    let answer = subscriber.answer_offer(&subscription.offer);
    subscribing.start(&answer).await.expect("started");
    // Our SDPs carry all candidates and say so; telling Janus again is
    // harmless, and shows the request works.
    subscribing.trickle_end().await.expect("end of candidates");

    let started = Instant::now();
    let arrived = subscriber
        .run(deadline, |from| {
            enough(from.get(&0x5a).copied().unwrap_or_default())
        })
        .await;
    let took = started.elapsed();
    let (handle, publisher) = publishing.stop().await;
    assert!(
        arrived,
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
        subscriber.foreign, 0,
        "only Opus and VP8 frames of the publisher"
    );
    assert!(
        subscriber.broken <= 2,
        "{} frames with gaps",
        subscriber.broken
    );
    assert_eq!(subscriber.received.len(), 1, "only the publisher's frames");
    eprintln!(
        "1 s of media through Janus {took:?} after start: {:?}",
        subscriber.received
    );

    subscribing.leave().await.expect("subscriber left");
    handle.leave().await.expect("publisher left");
    admin.destroy_room(room).await.expect("room destroyed");
    session.destroy().await.expect("session destroyed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_subscription_carries_two_publishers_multistream() {
    let janus = janus().await;
    let session = janus.client().create_session().await.expect("a session");
    let room = session
        .attach_videoroom()
        .await
        .expect("a handle")
        .create_room(&RoomConfig::default())
        .await
        .expect("a room");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut first = Publishing::start(&janus, &session, room, 0x41, deadline).await;
    let second = Publishing::start(&janus, &session, room, 0x42, deadline).await;

    // The first publisher hears of the second.
    loop {
        match first.handle.wait_event().await {
            Ok(VideoRoomEvent::Publishers(list)) if list.iter().any(|p| p.id == second.feed) => {
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("no publishers event for the second publisher: {e}"),
        }
    }

    let subscribing = session.attach_videoroom().await.expect("a handle");
    let subscription = subscribing
        .subscribe(
            room,
            &[
                StreamRequest::feed(first.feed),
                StreamRequest::feed(second.feed),
            ],
        )
        .await
        .expect("subscribed");
    assert_eq!(subscription.streams.len(), 4, "{subscription:?}");
    let mut subscriber = Peer::bind(janus.media_ip(), 0).await;
    let answer = subscriber.answer_offer(&subscription.offer);
    subscribing.start(&answer).await.expect("started");

    let arrived = subscriber
        .run(deadline, |from| {
            [0x41, 0x42]
                .iter()
                .all(|m| enough(from.get(m).copied().unwrap_or_default()))
        })
        .await;
    first.stop().await;
    second.stop().await;
    assert!(
        arrived,
        "the subscriber has {:?} (ICE {:?}); Janus log:\n{}",
        subscriber.received,
        subscriber.ice,
        janus.log_tail(),
    );
    assert_eq!(subscriber.foreign, 0);
    // A packet lost on a busy two-core machine leaves a frame with a gap.
    assert!(
        subscriber.broken <= 2,
        "{} frames with gaps",
        subscriber.broken
    );
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
    // A feed that never published.
    let subscriber = session.attach_videoroom().await.expect("a handle");
    match subscriber
        .subscribe(room, &[StreamRequest::feed(FeedId(1))])
        .await
    {
        Err(ApiError::VideoRoom { code: 428, .. }) => {}
        other => panic!("subscribing to a missing feed gave {other:?}"),
    }
    session.destroy().await.expect("session destroyed");
    // The session is gone: its handles say so instead of hanging.
    match handle.list_participants(room).await {
        Err(ApiError::Janus { code: 458, .. } | ApiError::SessionClosed) => {}
        other => panic!("a request on a destroyed session gave {other:?}"),
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
