//! Capability tokens: only hashes are stored; purpose and expiry are checked.

use civicmeet_store::{StoreError, TokenGrant, TokenPurpose, TokenSubject};

use crate::fixtures::{MIN, T0, catalog, hold};
use crate::harness::{TestDb, both_backends};

both_backends!(
    tokens_resolve_for_their_purpose_until_they_expire,
    only_the_hash_is_stored,
    staff_feed_tokens_and_revocation,
);

async fn tokens_resolve_for_their_purpose_until_they_expire(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let a = store
        .hold_slot(&hold(&c, T0 + 120 * MIN, 1, "a@b.example"))
        .await
        .unwrap();
    let subject = TokenSubject::Appointment(a.id.clone());
    let expires_at = T0 + 60 * MIN;
    let token = store
        .issue_token(TokenPurpose::Cancel, &subject, expires_at)
        .await
        .unwrap();

    // At least 128 bits, URL-safe, different every time.
    assert!(token.len() >= 22, "{token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let again = store
        .issue_token(TokenPurpose::Cancel, &subject, expires_at)
        .await
        .unwrap();
    assert_ne!(token, again);

    assert_eq!(
        store
            .resolve_token(&token, TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        Some(TokenGrant {
            subject: subject.clone(),
            purpose: TokenPurpose::Cancel,
            expires_at,
        })
    );
    // Wrong purpose, expired, unknown, tampered, absurdly long: all refused.
    assert_eq!(
        store
            .resolve_token(&token, TokenPurpose::Join, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .resolve_token(&token, TokenPurpose::Cancel, expires_at)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .resolve_token("nope", TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        None
    );
    let mut tampered = token.clone();
    tampered.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        store
            .resolve_token(&tampered, TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        None
    );
    let long = "A".repeat(10_000);
    assert_eq!(
        store
            .resolve_token(&long, TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        None
    );

    assert!(matches!(
        store
            .issue_token(
                TokenPurpose::Join,
                &TokenSubject::Appointment("ffffffffffffffffffffffffffffffff".into()),
                expires_at
            )
            .await,
        Err(StoreError::UnknownReference)
    ));

    assert_eq!(store.delete_expired_tokens(expires_at).await.unwrap(), 2);
    assert_eq!(
        store
            .resolve_token(&again, TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        None
    );
}

async fn only_the_hash_is_stored(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let a = store
        .hold_slot(&hold(&c, T0 + 120 * MIN, 1, "a@b.example"))
        .await
        .unwrap();
    let token = store
        .issue_token(
            TokenPurpose::Join,
            &TokenSubject::Appointment(a.id),
            T0 + 86_400,
        )
        .await
        .unwrap();
    let stored = db.raw_texts("SELECT hash FROM tokens").await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token));
    // SHA-256 as lowercase hex.
    assert_eq!(stored[0].len(), 64);
    assert!(
        stored[0]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
}

async fn staff_feed_tokens_and_revocation(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let feed = store
        .issue_token(
            TokenPurpose::IcsFeed,
            &TokenSubject::Staff(c.staff),
            i64::MAX,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .resolve_token(&feed, TokenPurpose::IcsFeed, T0)
            .await
            .unwrap()
            .map(|g| g.subject),
        Some(TokenSubject::Staff(c.staff))
    );

    let a = store
        .hold_slot(&hold(&c, T0 + 120 * MIN, 1, "a@b.example"))
        .await
        .unwrap();
    let subject = TokenSubject::Appointment(a.id.clone());
    let cancel = store
        .issue_token(TokenPurpose::Cancel, &subject, T0 + 86_400)
        .await
        .unwrap();
    let rebook = store
        .issue_token(TokenPurpose::Rebook, &subject, T0 + 86_400)
        .await
        .unwrap();
    let join = store
        .issue_token(TokenPurpose::Join, &subject, T0 + 86_400)
        .await
        .unwrap();
    assert_eq!(
        store
            .revoke_tokens(&a.id, &[TokenPurpose::Cancel, TokenPurpose::Rebook])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .resolve_token(&cancel, TokenPurpose::Cancel, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .resolve_token(&rebook, TokenPurpose::Rebook, T0)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .resolve_token(&join, TokenPurpose::Join, T0)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .resolve_token(&feed, TokenPurpose::IcsFeed, T0)
            .await
            .unwrap()
            .is_some()
    );

    // A new feed link replaces the old one.
    assert_eq!(
        store
            .revoke_staff_tokens(c.staff, TokenPurpose::IcsFeed)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .resolve_token(&feed, TokenPurpose::IcsFeed, T0)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .resolve_token(&join, TokenPurpose::Join, T0)
            .await
            .unwrap()
            .is_some()
    );
}
