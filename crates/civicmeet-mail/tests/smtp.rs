//! The mails against a real SMTP server (aiosmtpd on loopback), read back
//! and parsed by independent parsers (Python's email and icalendar).

mod common;

use std::time::Duration;

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Europe::Berlin;
use civicmeet_mail::{
    Delivery, Error, Locale, MailKind, Mailer, SmtpConfig, SmtpCredentials, SmtpFailure, SmtpTls,
    render,
};
use common::*;
use serde_json::Value;

fn plain_config(port: u16) -> SmtpConfig {
    let mut config = SmtpConfig::new("127.0.0.1", SmtpTls::None);
    config.port = port;
    config.timeout = Duration::from_secs(10);
    config
}

async fn send(mailer: &Mailer, kind: &MailKind, appointment: &civicmeet_mail::Appointment) {
    let mail = render(kind, appointment, &sender(), now()).expect("renders");
    let delivery = mailer.send(&mail).await.expect("the server accepts it");
    assert_eq!(delivery, Delivery::Smtp);
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

/// Local noon of every day 2026–2030, and the first hour after each switch
/// of those years: where our VTIMEZONE and the tz database must agree.
fn probes() -> Vec<String> {
    let mut probes = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid");
    while day.year() <= 2030 {
        probes.push(format!("{}T12:00:00", day));
        day = day.succ_opt().expect("valid");
    }
    for (y, m, d) in [
        (2026, 3, 29),
        (2026, 10, 25),
        (2027, 3, 28),
        (2027, 10, 31),
        (2028, 3, 26),
        (2028, 10, 29),
    ] {
        probes.push(format!("{y:04}-{m:02}-{d:02}T03:30:00"));
        probes.push(format!("{y:04}-{m:02}-{d:02}T01:30:00"));
    }
    probes
}

fn tz_database_offset(local: &str) -> i64 {
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S").expect("probe");
    let at = Berlin
        .from_local_datetime(&naive)
        .single()
        .expect("probes avoid the missing and repeated hours");
    i64::from(at.offset().fix().local_minus_utc())
}

fn assert_common_headers(mail: &Value, kind: &str, subject_start: &str) {
    assert_eq!(mail["defects"], serde_json::json!([]), "parser defects");
    assert_eq!(
        str_at(mail, "/headers/From"),
        "Stadt Beispiel – Termine <termine@example.org>"
    );
    assert_eq!(
        str_at(mail, "/headers/To"),
        "Jürgen Müller-Lüdenscheidt <juergen@example.net>"
    );
    assert!(str_at(mail, "/headers/Reply-To").ends_with("<buergeramt@example.org>"));
    assert_eq!(
        str_at(mail, "/headers/Date"),
        "Fri, 20 Mar 2026 08:15:00 +0000"
    );
    assert_eq!(
        str_at(mail, "/headers/Message-ID"),
        format!("<20260320T081500Z-{kind}@{HOST}>")
    );
    assert_eq!(str_at(mail, "/headers/Auto-Submitted"), "auto-generated");
    let subject = str_at(mail, "/headers/Subject");
    assert!(subject.starts_with(subject_start), "{subject}");
}

/// The one VEVENT of a calendar part, after checking the part's framing.
fn the_event<'a>(calendar: &'a Value, method: &str) -> &'a Value {
    assert_eq!(str_at(calendar, "/method"), method);
    assert_eq!(str_at(calendar, "/version"), "2.0");
    assert!(str_at(calendar, "/prodid").contains("civicmeet"));
    let events = calendar["events"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    &events[0]
}

#[tokio::test]
async fn booking_mails_arrive_over_smtp_and_parse() {
    let sink = Sink::start(SinkOptions::default());
    let mailer = Mailer::smtp(&plain_config(sink.port)).expect("config");
    let de = appointment(Locale::De);

    let please_confirm = MailKind::PleaseConfirm {
        confirm_url: CONFIRM.into(),
        expires_at: now().with_timezone(&Berlin) + chrono::Duration::minutes(15),
    };
    send(&mailer, &please_confirm, &de).await;
    send(&mailer, &MailKind::Confirmed { links: links() }, &de).await;
    let mut cancelled_appointment = de.clone();
    cancelled_appointment.sequence = 1;
    let cancelled = MailKind::Cancelled {
        rebook_url: Some(REBOOK.into()),
    };
    send(&mailer, &cancelled, &cancelled_appointment).await;
    send(
        &mailer,
        &MailKind::Reminder { links: links() },
        &appointment(Locale::En),
    )
    .await;
    assert_eq!(sink.count(), 4);

    // The envelope, as the server saw it.
    let (_, facts) = sink.received(1);
    assert_eq!(facts["mail_from"], "termine@example.org");
    assert_eq!(
        facts["rcpt_tos"],
        serde_json::json!(["juergen@example.net"])
    );
    assert_eq!(facts["tls"], false);

    // 1: please confirm — plain text with the confirm link and the expiry.
    let mail = inspect(&sink.received(1).0, &[]);
    assert_common_headers(
        &mail,
        "please-confirm-apt-7f3a9c-s0",
        "Bitte bestätigen: Wohngeld-Beratung, Erstgespräch am 31.03.2026, 10:00 Uhr",
    );
    assert_eq!(str_at(&mail, "/headers/Content-Language"), "de");
    assert_eq!(mail["parts"], serde_json::json!(["text/plain"]));
    let text = str_at(&mail, "/text");
    assert!(text.contains(CONFIRM), "{text}");
    // 08:15 UTC + 15 min is 09:30 in Berlin (winter time on 20 March).
    assert!(
        text.contains("Der Link gilt bis Freitag, 20. März 2026, 09:30 Uhr"),
        "{text}"
    );
    assert!(text.contains("Dienstag, 31. März 2026, 10:00–10:30 Uhr (MESZ)"));
    assert!(text.starts_with("Guten Tag Jürgen Müller-Lüdenscheidt,"));

    // 2: confirmed — text plus the invitation, inline and attached.
    let mail = inspect(&sink.received(2).0, &probes());
    assert_common_headers(
        &mail,
        "confirmed-apt-7f3a9c-s0",
        "Terminbestätigung: Wohngeld-Beratung, Erstgespräch am 31.03.2026",
    );
    assert_eq!(
        mail["parts"],
        serde_json::json!([
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/calendar",
            "application/ics"
        ])
    );
    let text = str_at(&mail, "/text");
    for wanted in [
        JOIN,
        CANCEL,
        REBOOK,
        "- Personalausweis oder Reisepass\n",
        "- Mietvertrag, Nebenkostenabrechnung\n",
        "Rathausplatz 1\n10115 Beispielstadt\n",
    ] {
        assert!(text.contains(wanted), "text lacks {wanted:?}:\n{text}");
    }
    let calendars = mail["calendars"].as_array().expect("calendars");
    assert_eq!(calendars.len(), 2, "inline and attached");
    assert_eq!(str_at(&calendars[0], "/method_param"), "REQUEST");
    assert_eq!(str_at(&calendars[1], "/filename"), "termin.ics");
    assert_eq!(str_at(&calendars[1], "/disposition"), "attachment");
    assert_eq!(calendars[0]["raw"], calendars[1]["raw"]);
    let invitation = the_event(&calendars[0], "REQUEST");
    assert_eq!(str_at(invitation, "/uid"), format!("apt-7f3a9c@{HOST}"));
    assert_eq!(invitation["sequence"], 0);
    assert_eq!(str_at(invitation, "/status"), "CONFIRMED");
    assert_eq!(str_at(invitation, "/dtstart/tzid"), "Europe/Berlin");
    assert_eq!(str_at(invitation, "/dtstart/local"), "2026-03-31T10:00:00");
    assert_eq!(str_at(invitation, "/dtstart/utc"), "2026-03-31T08:00:00");
    assert_eq!(str_at(invitation, "/dtend/tzid"), "Europe/Berlin");
    assert_eq!(str_at(invitation, "/dtend/local"), "2026-03-31T10:30:00");
    assert_eq!(str_at(invitation, "/dtstamp/utc"), "2026-03-20T08:15:00");
    assert_eq!(str_at(invitation, "/url"), JOIN);
    assert_eq!(str_at(invitation, "/location"), JOIN);
    let description = str_at(invitation, "/description");
    assert!(description.contains(JOIN) && description.contains(CANCEL));
    assert!(description.contains("- Mietvertrag, Nebenkostenabrechnung\n"));
    // Commas and semicolons survive escaping and unescaping.
    assert_eq!(
        str_at(invitation, "/summary"),
        "Video-Termin: Wohngeld-Beratung, Erstgespräch (Bürgeramt Mitte; Stadt Beispiel)"
    );
    assert_eq!(
        str_at(invitation, "/organizer/value"),
        "mailto:buergeramt@example.org"
    );
    assert_eq!(
        str_at(invitation, "/organizer/cn"),
        "Bürgeramt Mitte; Stadt Beispiel"
    );
    assert_eq!(
        str_at(invitation, "/attendee/value"),
        "mailto:juergen@example.net"
    );
    assert_eq!(
        str_at(invitation, "/attendee/cn"),
        "Jürgen Müller-Lüdenscheidt"
    );
    // Our VTIMEZONE, read by icalendar from its own rules, agrees with the
    // tz database on every probe.
    let offsets = calendars[0]["vtimezones"]["Europe/Berlin"]
        .as_object()
        .expect("a VTIMEZONE for Europe/Berlin");
    assert_eq!(offsets.len(), probes().len());
    for (local, offset) in offsets {
        assert_eq!(
            offset.as_i64(),
            Some(tz_database_offset(local)),
            "offset at {local}"
        );
    }

    // 3: cancelled — same UID, higher SEQUENCE, METHOD:CANCEL.
    let mail = inspect(&sink.received(3).0, &[]);
    assert_common_headers(
        &mail,
        "cancelled-apt-7f3a9c-s1",
        "Termin abgesagt: Wohngeld-Beratung, Erstgespräch am 31.03.2026",
    );
    let text = str_at(&mail, "/text");
    assert!(text.contains(REBOOK));
    assert!(
        !text.contains(JOIN),
        "a cancelled appointment has no join link"
    );
    let calendars = mail["calendars"].as_array().expect("calendars");
    assert_eq!(calendars.len(), 2);
    assert_eq!(str_at(&calendars[0], "/method_param"), "CANCEL");
    let cancel = the_event(&calendars[0], "CANCEL");
    assert_eq!(str_at(cancel, "/uid"), str_at(invitation, "/uid"));
    assert!(cancel["sequence"].as_u64() > invitation["sequence"].as_u64());
    assert_eq!(str_at(cancel, "/status"), "CANCELLED");
    assert_eq!(str_at(cancel, "/dtstart/local"), "2026-03-31T10:00:00");
    assert_eq!(str_at(cancel, "/dtstart/tzid"), "Europe/Berlin");

    // 4: reminder, in English — plain text with the join link.
    let mail = inspect(&sink.received(4).0, &[]);
    assert_eq!(
        str_at(&mail, "/headers/Subject"),
        "Reminder: Wohngeld-Beratung, Erstgespräch on 31 Mar 2026, 10:00"
    );
    assert_eq!(str_at(&mail, "/headers/Content-Language"), "en");
    assert_eq!(mail["parts"], serde_json::json!(["text/plain"]));
    let text = str_at(&mail, "/text");
    assert!(text.contains(JOIN) && text.contains(CANCEL));
    assert!(text.contains("Tuesday, 31 March 2026, 10:00–10:30 (CEST)"));
    assert!(text.starts_with("Dear Jürgen Müller-Lüdenscheidt,"));
}

#[tokio::test]
async fn starttls_with_login_and_the_administrations_own_ca() {
    let tls = make_tls_files();
    let ca = std::fs::read(&tls.ca_cert).expect("the CA certificate");
    let sink = Sink::start(SinkOptions {
        tls: Some((tls, "starttls")),
        login: Some(("civicmeet", "s3cret")),
        ..SinkOptions::default()
    });
    let mut config = plain_config(sink.port);
    config.tls = SmtpTls::StartTls;
    config.credentials = Some(SmtpCredentials {
        username: "civicmeet".into(),
        password: "s3cret".into(),
    });
    config.extra_ca_pem = Some(ca);
    let mailer = Mailer::smtp(&config).expect("config");
    send(
        &mailer,
        &MailKind::Confirmed { links: links() },
        &appointment(Locale::De),
    )
    .await;

    let (eml, facts) = sink.received(1);
    assert_eq!(facts["tls"], true);
    assert_eq!(facts["login"], "civicmeet");
    let mail = inspect(&eml, &[]);
    let event = the_event(&mail["calendars"][0], "REQUEST");
    assert_eq!(str_at(event, "/url"), JOIN);
}

#[tokio::test]
async fn implicit_tls() {
    let tls = make_tls_files();
    let ca = std::fs::read(&tls.ca_cert).expect("the CA certificate");
    let sink = Sink::start(SinkOptions {
        tls: Some((tls, "implicit")),
        ..SinkOptions::default()
    });
    let mut config = plain_config(sink.port);
    config.tls = SmtpTls::Tls;
    config.extra_ca_pem = Some(ca);
    let mailer = Mailer::smtp(&config).expect("config");
    send(
        &mailer,
        &MailKind::Reminder { links: links() },
        &appointment(Locale::De),
    )
    .await;
    let (_, facts) = sink.received(1);
    assert_eq!(facts["tls"], true);
}

#[tokio::test]
async fn a_relay_with_an_untrusted_certificate_is_refused() {
    let tls = make_tls_files();
    let sink = Sink::start(SinkOptions {
        tls: Some((tls, "implicit")),
        ..SinkOptions::default()
    });
    let mut config = plain_config(sink.port);
    config.tls = SmtpTls::Tls;
    let mailer = Mailer::smtp(&config).expect("config");
    let mail = render(
        &MailKind::Confirmed { links: links() },
        &appointment(Locale::De),
        &sender(),
        now(),
    )
    .expect("renders");
    let err = mailer.send(&mail).await.expect_err("the CA is not trusted");
    assert!(
        matches!(
            err,
            Error::Smtp {
                kind: SmtpFailure::Tls | SmtpFailure::Connection,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn a_rejected_recipient_is_permanent_and_not_named_in_the_error() {
    let sink = Sink::start(SinkOptions {
        reject_domain: Some("example.net"),
        ..SinkOptions::default()
    });
    let mailer = Mailer::smtp(&plain_config(sink.port)).expect("config");
    let mail = render(
        &MailKind::Confirmed { links: links() },
        &appointment(Locale::De),
        &sender(),
        now(),
    )
    .expect("renders");
    let err = mailer.send(&mail).await.expect_err("550");
    match &err {
        Error::Smtp {
            kind,
            code,
            permanent,
            ..
        } => {
            assert_eq!(*kind, SmtpFailure::Rejected);
            assert_eq!(*code, Some(550));
            assert!(*permanent);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_permanent());
    let shown = err.to_string();
    assert!(!shown.contains("juergen"), "{shown}");
    assert!(
        err.smtp_detail()
            .is_some_and(|d| d.contains("mailbox unavailable"))
    );
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn no_server_is_a_connection_error_worth_retrying() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mailer = Mailer::smtp(&plain_config(port)).expect("config");
    let mail = render(
        &MailKind::Reminder { links: links() },
        &appointment(Locale::De),
        &sender(),
        now(),
    )
    .expect("renders");
    let err = mailer.send(&mail).await.expect_err("nobody listens");
    assert!(
        matches!(
            err,
            Error::Smtp {
                kind: SmtpFailure::Connection,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_permanent());
}

/// A password over a plain connection is only allowed to a relay on this
/// machine (elsewhere `Mailer::smtp` refuses; see the unit test).
#[tokio::test]
async fn login_without_tls_to_a_loopback_relay() {
    let sink = Sink::start(SinkOptions {
        login: Some(("civicmeet", "s3cret")),
        auth_over_plain: true,
        ..SinkOptions::default()
    });
    let mut config = plain_config(sink.port);
    config.credentials = Some(SmtpCredentials {
        username: "civicmeet".into(),
        password: "wrong".into(),
    });
    let mailer = Mailer::smtp(&config).expect("config");
    let mail = render(
        &MailKind::Reminder { links: links() },
        &appointment(Locale::De),
        &sender(),
        now(),
    )
    .expect("renders");
    let err = mailer.send(&mail).await.expect_err("a wrong password");
    assert!(err.is_permanent(), "{err:?}");
    assert_eq!(sink.count(), 0);

    config.credentials = Some(SmtpCredentials {
        username: "civicmeet".into(),
        password: "s3cret".into(),
    });
    let mailer = Mailer::smtp(&config).expect("config");
    mailer.send(&mail).await.expect("accepted");
    let (_, facts) = sink.received(1);
    assert_eq!(facts["login"], "civicmeet");
    assert_eq!(facts["tls"], false);
}
