//! Accounts, sessions and the audit log on both backends: unique login
//! names and OIDC identities, session expiry (absolute and idle), disabled
//! accounts, and audit paging and pruning.

use civicmeet_store::{
    AccountRole, AuditAction, AuditQuery, LoginState, NewAccount, NewAuditEntry, OidcIdentity,
    StoreError,
};

use crate::harness::{TestDb, both_backends};

both_backends!(
    accounts_are_unique_by_login_and_identity,
    sessions_end_absolutely_idly_and_with_their_account,
    audit_entries_page_newest_first_and_prune
);

const NOW: i64 = 1_800_000_000;

fn local(login: &str, role: AccountRole) -> NewAccount {
    NewAccount {
        login: Some(login.into()),
        display_name: format!("Name of {login}"),
        role,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        oidc: None,
    }
}

async fn accounts_are_unique_by_login_and_identity(db: &TestDb) {
    let store = &db.store;
    let erika = store
        .create_account(&local("erika", AccountRole::Staff), NOW)
        .await
        .unwrap();
    assert_eq!(erika.role, AccountRole::Staff);
    assert_eq!(erika.login_state, LoginState::default());
    assert!(matches!(
        store
            .create_account(&local("erika", AccountRole::Admin), NOW)
            .await,
        Err(StoreError::AlreadyExists)
    ));
    let identity = OidcIdentity {
        issuer: "https://idp.example.de".into(),
        subject: "248289761001".into(),
    };
    let oidc = NewAccount {
        login: None,
        display_name: "Max".into(),
        role: AccountRole::Admin,
        password_hash: None,
        oidc: Some(identity.clone()),
    };
    let max = store.create_account(&oidc, NOW).await.unwrap();
    // A second OIDC-only account without a login name is fine; the same
    // identity twice is not.
    let mut other = oidc.clone();
    other.oidc = Some(OidcIdentity {
        subject: "other".into(),
        ..identity.clone()
    });
    store.create_account(&other, NOW).await.unwrap();
    assert!(matches!(
        store.create_account(&oidc, NOW).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.account_by_oidc(&identity).await.unwrap().unwrap().id,
        max.id
    );
    assert_eq!(
        store.account_by_login("erika").await.unwrap().unwrap().id,
        erika.id
    );
    assert_eq!(store.account_by_login("nobody").await.unwrap(), None);

    store
        .update_account(erika.id, "Erika M.", AccountRole::Admin)
        .await
        .unwrap();
    let state = LoginState {
        failed_attempts: 3,
        lock_count: 1,
        locked_until: Some(NOW + 60),
    };
    store.set_login_state(erika.id, state).await.unwrap();
    let read = store.account(erika.id).await.unwrap().unwrap();
    assert_eq!(
        (read.display_name.as_str(), read.role),
        ("Erika M.", AccountRole::Admin)
    );
    assert_eq!(read.login_state, state);
    store
        .set_password_hash(erika.id, Some("$argon2id$new"))
        .await
        .unwrap();
    let read = store.account(erika.id).await.unwrap().unwrap();
    assert_eq!(read.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(
        read.login_state,
        LoginState::default(),
        "a new password resets the counters"
    );
    assert!(matches!(
        store.update_account(9999, "x", AccountRole::Staff).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.accounts().await.unwrap().len(), 3);
}

async fn sessions_end_absolutely_idly_and_with_their_account(db: &TestDb) {
    let store = &db.store;
    let account = store
        .create_account(&local("erika", AccountRole::Staff), NOW)
        .await
        .unwrap();
    let token = store
        .create_session(account.id, NOW, NOW + 3600)
        .await
        .unwrap();
    assert_eq!(token.len(), 43);
    // Only the hash is stored.
    let stored = db.raw_texts("SELECT hash FROM sessions").await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    let seen = |now: i64| now - 600;
    let found = store
        .session_account(&token, NOW + 100, seen(NOW + 100))
        .await
        .unwrap();
    assert_eq!(found.map(|a| a.id), Some(account.id));
    // Seen at NOW + 100, so still alive 599 s later but not 600 s later.
    assert!(
        store
            .session_account(&token, NOW + 699, seen(NOW + 699))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session_account(&token, NOW + 1400, seen(NOW + 1400))
            .await
            .unwrap()
            .is_none()
    );
    // The absolute end holds however active the session is.
    let token = store
        .create_session(account.id, NOW, NOW + 3600)
        .await
        .unwrap();
    assert!(
        store
            .session_account(&token, NOW + 3599, NOW - 1)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session_account(&token, NOW + 3600, NOW - 1)
            .await
            .unwrap()
            .is_none()
    );
    // Malformed and unknown tokens are simply nobody.
    assert!(
        store
            .session_account("short", NOW, 0)
            .await
            .unwrap()
            .is_none()
    );
    let unknown = "A".repeat(43);
    assert!(
        store
            .session_account(&unknown, NOW, 0)
            .await
            .unwrap()
            .is_none()
    );

    let token = store
        .create_session(account.id, NOW, NOW + 3600)
        .await
        .unwrap();
    store
        .set_account_disabled(account.id, Some(NOW))
        .await
        .unwrap();
    assert!(
        store
            .session_account(&token, NOW + 1, NOW - 1)
            .await
            .unwrap()
            .is_none()
    );
    store.set_account_disabled(account.id, None).await.unwrap();
    assert!(
        store
            .session_account(&token, NOW + 1, NOW - 1)
            .await
            .unwrap()
            .is_none(),
        "disabling ended the session for good"
    );

    let token = store
        .create_session(account.id, NOW, NOW + 3600)
        .await
        .unwrap();
    store.delete_session(&token).await.unwrap();
    assert!(
        store
            .session_account(&token, NOW + 1, NOW - 1)
            .await
            .unwrap()
            .is_none()
    );
    store
        .create_session(account.id, NOW, NOW + 10)
        .await
        .unwrap();
    store
        .create_session(account.id, NOW, NOW + 3600)
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_expired_sessions(NOW + 10, NOW - 1)
            .await
            .unwrap(),
        1
    );
}

async fn audit_entries_page_newest_first_and_prune(db: &TestDb) {
    let store = &db.store;
    for i in 0..7 {
        store
            .record_audit(&NewAuditEntry {
                at: NOW + i,
                actor: "account:1 Erika".into(),
                action: if i % 2 == 0 {
                    AuditAction::Login
                } else {
                    AuditAction::Admitted
                },
                meeting: (i % 2 == 1).then(|| "m1".to_string()),
                subject: Some("x".repeat(500)),
                detail: None,
            })
            .await
            .unwrap();
    }
    let page = store
        .audit_entries(&AuditQuery {
            limit: 3,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|e| e.at).collect::<Vec<_>>(),
        [NOW + 6, NOW + 5, NOW + 4]
    );
    assert_eq!(
        page[0].subject.as_ref().map(|s| s.chars().count()),
        Some(200)
    );
    let next = store
        .audit_entries(&AuditQuery {
            before_id: Some(page[2].id),
            limit: 3,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|e| e.at).collect::<Vec<_>>(),
        [NOW + 3, NOW + 2, NOW + 1]
    );
    let meeting = store
        .audit_entries(&AuditQuery {
            meeting: Some("m1".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(meeting.len(), 3);
    assert!(meeting.iter().all(|e| e.action == AuditAction::Admitted));
    assert_eq!(store.prune_audit(NOW + 3).await.unwrap(), 3);
    assert_eq!(
        store
            .audit_entries(&AuditQuery::default())
            .await
            .unwrap()
            .len(),
        4
    );
}
