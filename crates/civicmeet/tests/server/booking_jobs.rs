//! The jobs task's steps, driven with a chosen `now` (each tick reads the
//! clock once and passes it down, so a test can run a tick "tomorrow"):
//! reminders go out once, and a mail the relay refuses stays in the
//! outbox with a retry instead of being lost.

use crate::booking_support;
use crate::common;

use booking_support::*;
use chrono::{TimeDelta, Utc};
use civicmeet::Config;
use civicmeet::booking::BookingRuntime;
use civicmeet_mail::{Mailer, SmtpConfig, SmtpTls};

fn runtime(app: &common::TestApp) -> BookingRuntime {
    let mut config = Config::default();
    config.storage.data_dir = app.data_dir.clone();
    BookingRuntime::new(&config, format!("http://{}", app.http)).expect("random")
}

#[tokio::test]
async fn a_reminder_goes_out_once_before_the_appointment() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let store = store(&app).await;
    let service = plant_catalogue(&store).await;
    let browser = Browser::new(&app);
    // A slot at least two days ahead, so the booking is older than the lead.
    let in_three_days = (Utc::now() + TimeDelta::days(3)).date_naive();
    let week = browser
        .get(&format!("/book/services/{service}?week={in_three_days}"))
        .await;
    let far = Utc::now().timestamp() + 2 * 24 * 3600;
    let start = slot_starts(&week.body)
        .into_iter()
        .find(|s| *s > far)
        .expect("a slot two days ahead");
    book_and_confirm(&browser, service, start, "remind@example.org").await;

    let runtime = runtime(&app);
    let mailer = Mailer::files(app.data_dir.join("mail"));
    let a_day_before = chrono::DateTime::from_timestamp(start, 0).unwrap() - TimeDelta::hours(23);
    civicmeet::jobs::tick(&store, &mailer, &runtime, a_day_before).await;
    civicmeet::jobs::tick(
        &store,
        &mailer,
        &runtime,
        a_day_before + TimeDelta::minutes(5),
    )
    .await;
    wait_for_mails(&app.data_dir, 1, |m| {
        m.contains("Auto-Submitted") && m.contains("/a/")
    })
    .await;
    let reminders = std::fs::read_dir(app.data_dir.join("mail"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("-reminder.eml"))
        .count();
    assert_eq!(reminders, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_refused_mail_stays_queued_with_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let store = civicmeet_store::Store::open(&dir.path().join("civicmeet.db"))
        .await
        .unwrap();
    let now = Utc::now();
    let id = store
        .enqueue_mail(
            &civicmeet_store::NewMail {
                appointment_id: None,
                recipient: "someone@example.org".into(),
                kind: "confirm".into(),
                subject: "Test".into(),
                body_eml: "Subject: Test\r\n\r\nHello\r\n".into(),
            },
            now.timestamp(),
        )
        .await
        .unwrap();
    let mut config = Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    let runtime = BookingRuntime::new(&config, "http://localhost".into()).unwrap();

    civicmeet::jobs::tick(&store, &down_relay(), &runtime, now).await;
    let mail = store.mail(id).await.unwrap().unwrap();
    assert_eq!(mail.status, civicmeet_store::MailStatus::Pending);
    assert_eq!(mail.attempts, 1);
    assert!(mail.next_attempt_at > now.timestamp(), "a retry later");
    assert!(mail.last_error.is_some());
    assert_eq!(
        store.failed_mails().await.unwrap().len(),
        1,
        "visible to staff"
    );

    // Due again after the back-off: the next tick sends it (to files).
    let files = Mailer::files(dir.path().join("mail"));
    let later = chrono::DateTime::from_timestamp(mail.next_attempt_at, 0).unwrap();
    civicmeet::jobs::tick(&store, &files, &runtime, later).await;
    let mail = store.mail(id).await.unwrap().unwrap();
    assert_eq!(mail.status, civicmeet_store::MailStatus::Sent);
    store.close().await;
}

fn down_relay() -> Mailer {
    let mut smtp = SmtpConfig::new("127.0.0.1", SmtpTls::None);
    // Port 9 (discard) is closed on a test machine: the connection fails.
    smtp.port = 9;
    smtp.timeout = std::time::Duration::from_secs(2);
    Mailer::smtp(&smtp).expect("a relay config")
}
