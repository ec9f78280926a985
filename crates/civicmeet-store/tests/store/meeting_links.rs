//! Meeting links: a key grants one role in one meeting, only its hash is
//! kept, revocation sticks; a booked appointment's join and host tokens
//! work as links of its meeting; PINs are checked per role.

use civicmeet_store::{LinkRole, MeetingKind, NewMeeting, TokenPurpose, TokenSubject};

use crate::fixtures::{MIN, T0, catalog, hold};
use crate::harness::{TestDb, both_backends};

both_backends!(
    links_grant_their_role_until_revoked,
    appointment_tokens_are_links_of_the_appointments_meeting,
    pins_are_per_role_and_hashed,
);

const M1: &str = "0123456789abcdef0123456789abcdef";
const M2: &str = "fedcba9876543210fedcba9876543210";

async fn links_grant_their_role_until_revoked(db: &TestDb) {
    let store = &db.store;
    store.create_meeting(M1, T0).await.unwrap();
    let host = store.issue_meeting_link(M1, LinkRole::Host, T0).await.unwrap();
    let guest = store.issue_meeting_link(M1, LinkRole::Guest, T0).await.unwrap();
    assert_ne!(host, guest);
    assert!(host.len() >= 43, "256 bits: {host}");

    let granted = store.meeting_link(&host, T0).await.unwrap().unwrap();
    assert_eq!((granted.meeting_id.as_str(), granted.role), (M1, LinkRole::Host));
    let granted = store.meeting_link(&guest, T0).await.unwrap().unwrap();
    assert_eq!(granted.role, LinkRole::Guest);

    // Only the hash is stored.
    let stored = db.raw_texts("SELECT hash FROM meeting_links").await;
    assert_eq!(stored.len(), 2);
    assert!(!stored.contains(&host) && !stored.contains(&guest));

    // Unknown, oversized and revoked keys grant nothing; revoking is
    // idempotent and leaves the other link working.
    assert_eq!(store.meeting_link("nope", T0).await.unwrap(), None);
    assert_eq!(store.meeting_link(&"a".repeat(1000), T0).await.unwrap(), None);
    store.revoke_meeting_link(&granted.link, T0 + 1).await.unwrap();
    store.revoke_meeting_link(&granted.link, T0 + 2).await.unwrap();
    assert_eq!(store.meeting_link(&guest, T0 + 3).await.unwrap(), None);
    assert!(store.meeting_link(&host, T0 + 3).await.unwrap().is_some());

    // A link for a meeting that does not exist cannot be made.
    assert!(store.issue_meeting_link(M2, LinkRole::Guest, T0).await.is_err());
}

async fn appointment_tokens_are_links_of_the_appointments_meeting(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let a = store
        .hold_slot(&hold(&c, T0 + 120 * MIN, 1, "a@b.example"))
        .await
        .unwrap();
    store
        .create_meeting_with(&NewMeeting {
            kind: MeetingKind::Consultation,
            ..NewMeeting::open(M1, T0)
        })
        .await
        .unwrap();
    store.set_appointment_meeting(&a.id, M1).await.unwrap();
    let subject = TokenSubject::Appointment(a.id.clone());
    let until = T0 + 180 * MIN;
    let join = store.issue_token(TokenPurpose::Join, &subject, until).await.unwrap();
    let host = store.issue_token(TokenPurpose::Host, &subject, until).await.unwrap();
    let cancel = store.issue_token(TokenPurpose::Cancel, &subject, until).await.unwrap();

    let granted = store.meeting_link(&join, T0).await.unwrap().unwrap();
    assert_eq!((granted.meeting_id.as_str(), granted.role), (M1, LinkRole::Guest));
    let host_grant = store.meeting_link(&host, T0).await.unwrap().unwrap();
    assert_eq!(host_grant.role, LinkRole::Host);
    // A cancel link opens no meeting; an expired join link neither.
    assert_eq!(store.meeting_link(&cancel, T0).await.unwrap(), None);
    assert_eq!(store.meeting_link(&join, until).await.unwrap(), None);
    // Revoking the join link (a removed citizen) stops it for good.
    store.revoke_meeting_link(&granted.link, T0).await.unwrap();
    assert_eq!(store.meeting_link(&join, T0).await.unwrap(), None);
    assert!(store.meeting_link(&host, T0).await.unwrap().is_some());
    assert_eq!(
        store.meeting(M1).await.unwrap().unwrap().kind,
        MeetingKind::Consultation
    );
}

async fn pins_are_per_role_and_hashed(db: &TestDb) {
    let store = &db.store;
    store
        .create_meeting_with(&NewMeeting {
            host_pin: Some("1234".into()),
            guest_pin: Some("987654".into()),
            kind: MeetingKind::Hearing,
            ..NewMeeting::open(M1, T0)
        })
        .await
        .unwrap();
    store
        .create_meeting_with(&NewMeeting {
            host_pin: Some("1234".into()),
            ..NewMeeting::open(M2, T0)
        })
        .await
        .unwrap();
    let m = store.meeting(M1).await.unwrap().unwrap();
    assert!(m.needs_pin(LinkRole::Host) && m.needs_pin(LinkRole::Judge));
    assert!(m.pin_matches(LinkRole::Host, "1234"));
    assert!(m.pin_matches(LinkRole::Judge, "1234"));
    assert!(!m.pin_matches(LinkRole::Guest, "1234"));
    assert!(m.pin_matches(LinkRole::Guest, "987654"));
    assert!(!m.pin_matches(LinkRole::Host, "12345"));
    let other = store.meeting(M2).await.unwrap().unwrap();
    assert!(!other.needs_pin(LinkRole::Guest));
    assert!(other.pin_matches(LinkRole::Guest, "anything"));
    // Neither PIN is stored as such, and equal PINs differ per meeting.
    let hashes = db
        .raw_texts("SELECT host_pin_hash FROM meetings WHERE host_pin_hash IS NOT NULL")
        .await;
    assert_eq!(hashes.len(), 2);
    assert!(!hashes.iter().any(|h| h.contains("1234")));
    assert_ne!(hashes[0], hashes[1]);
}
