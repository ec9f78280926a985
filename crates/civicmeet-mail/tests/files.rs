//! The file mailer (used when no SMTP relay is configured) writes .eml files
//! that an independent parser reads as complete messages.

mod common;

use civicmeet_mail::{Delivery, Locale, MailKind, Mailer, render};
use common::*;

#[tokio::test]
async fn file_mailer_writes_parseable_eml_files() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // A folder that does not exist yet: the mailer creates it.
    let outbox = dir.path().join("mail");
    let mailer = Mailer::files(&outbox);
    let mail = render(
        &MailKind::Confirmed { links: links() },
        &appointment(Locale::De),
        &sender(),
        now(),
    )
    .expect("renders");

    let Delivery::File(path) = mailer.send(&mail).await.expect("written") else {
        panic!("the file mailer reports a file");
    };
    assert_eq!(
        path,
        outbox.join("20260320T081500Z-confirmed-apt-7f3a9c-s0.eml")
    );
    // The name the server logs carries no personal data.
    let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
    assert!(!name.contains("juergen") && !name.contains("Müller"));
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), mail.eml);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read a mail");
    }

    let parsed = inspect(&path, &[]);
    assert_eq!(parsed["defects"], serde_json::json!([]));
    assert_eq!(
        parsed["headers"]["To"],
        "Jürgen Müller-Lüdenscheidt <juergen@example.net>"
    );
    let event = &parsed["calendars"][0]["events"][0];
    assert_eq!(event["uid"], format!("apt-7f3a9c@{HOST}"));
    assert_eq!(event["url"], JOIN);

    // The same mail again (an outbox retry) never overwrites the first.
    let Delivery::File(second) = mailer.send(&mail).await.expect("written") else {
        panic!("the file mailer reports a file");
    };
    assert_ne!(second, path);
    assert!(path.exists() && second.exists());
}

#[tokio::test]
async fn an_unwritable_folder_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"").expect("a file in the way");
    let mailer = Mailer::files(&blocker);
    let mail = render(
        &MailKind::Reminder { links: links() },
        &appointment(Locale::En),
        &sender(),
        now(),
    )
    .expect("renders");
    let err = mailer.send(&mail).await.expect_err("cannot write");
    assert!(err.to_string().contains("not-a-folder"), "{err}");
    assert!(!err.is_permanent(), "a disk problem may pass; retry");
}
