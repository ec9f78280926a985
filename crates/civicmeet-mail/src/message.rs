//! Turns an appointment and a [`MailKind`] into a complete RFC 5322 message.
//!
//! Pure: the time of writing is an argument, nothing is sent or logged.
//! Every input is checked here before it reaches a header or a calendar
//! line: addresses must parse, links must be plain http(s) URLs, names lose
//! their line breaks, ids are restricted to a safe alphabet.
//!
//! Layout of the mails with a calendar (confirmed, cancelled), the one that
//! common clients (Outlook, Gmail, Apple Mail, Thunderbird) all recognize as
//! an invitation:
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain; charset=utf-8
//! │   └── text/calendar; charset=utf-8; method=REQUEST|CANCEL
//! └── application/ics; name=termin.ics (attachment, the same calendar)
//! ```
//!
//! The other mails are a single text/plain part.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::appointment::{Appointment, MailKind, Sender};
use crate::error::Error;
use crate::ics;
use crate::templates::{self, View};

/// Longest accepted link. Ours are far shorter; this only bounds input.
const MAX_LINK_LEN: usize = 2048;
/// Longest accepted appointment id or host name.
const MAX_ID_LEN: usize = 128;

/// A rendered mail, ready to send or to store in the outbox.
///
/// Plain data on purpose: the server may store these fields and rebuild the
/// value later, e.g. to retry after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// A name without personal data, unique per mail, used as the file
    /// name of the .eml: `<UTC time>-<kind>-<appointment id>-s<sequence>`.
    pub name: String,
    /// SMTP `MAIL FROM`: the sender address.
    pub envelope_from: String,
    /// SMTP `RCPT TO`: the citizen's address.
    pub envelope_to: Vec<String>,
    /// The subject as plain text (service and date, no name), e.g. for the
    /// staff view of the outbox.
    pub subject: String,
    /// The whole message (headers and body) with CRLF line ends. It is
    /// ASCII: lettre encodes headers (RFC 2047) and bodies
    /// (quoted-printable or base64), and we never ask for 8bit.
    pub eml: String,
}

/// Writes `kind` about `appointment`, as sent by `sender` at `now`.
///
/// `now` becomes the `Date` header and the calendar's DTSTAMP.
pub fn render(
    kind: &MailKind,
    appointment: &Appointment,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<RenderedMail, Error> {
    let id = checked_token("appointment.id", &appointment.id)?;
    let host = checked_host(&sender.host)?;
    let from = mailbox("sender.email", &sender.name, &sender.email)?;
    let office = mailbox(
        "office.email",
        &appointment.office.name,
        &appointment.office.email,
    )?;
    let to = mailbox(
        "citizen.email",
        &appointment.citizen.name,
        &appointment.citizen.email,
    )?;
    // The parsed forms, trimmed and checked, for the calendar and envelope.
    let office_email = office.email.to_string();
    let citizen_address = to.email.to_string();
    check_links(kind)?;
    if appointment.end <= appointment.start {
        return Err(Error::invalid("appointment.end", "must be after the start"));
    }

    let citizen_name = required_line("citizen.name", &appointment.citizen.name)?;
    let service = required_line("appointment.service", &appointment.service)?;
    let office_name = required_line("office.name", &appointment.office.name)?;
    let office_address: Vec<String> = appointment
        .office
        .address
        .lines()
        .map(single_line)
        .filter(|line| !line.is_empty())
        .collect();
    let documents: Vec<String> = appointment
        .documents
        .iter()
        .map(|d| single_line(d))
        .filter(|d| !d.is_empty())
        .collect();
    // The end in the start's zone, so both are written alike.
    let end = appointment.end.with_timezone(&appointment.start.timezone());

    let locale = appointment.citizen.locale;
    let texts = templates::texts(
        locale,
        kind,
        &View {
            citizen_name: &citizen_name,
            service: &service,
            office_name: &office_name,
            office_address: &office_address,
            start: appointment.start,
            end,
            documents: &documents,
        },
    );

    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let name = format!("{stamp}-{}-{id}-s{}", kind.name(), appointment.sequence);
    let builder = Message::builder()
        .from(from.clone())
        .reply_to(office)
        .to(to)
        .subject(texts.subject.clone())
        .date(SystemTime::from(now))
        .message_id(Some(format!("<{name}@{host}>")))
        .raw_header(raw_header("Content-Language", locale.tag()))
        // RFC 3834: an automatic mail, so auto-responders stay quiet.
        .raw_header(raw_header("Auto-Submitted", "auto-generated"));

    let calendar_method = match kind {
        MailKind::Confirmed { .. } => Some(ics::Method::Request),
        MailKind::Cancelled { .. } => Some(ics::Method::Cancel),
        MailKind::PleaseConfirm { .. } | MailKind::Reminder { .. } => None,
    };
    let message = match calendar_method {
        None => builder.singlepart(SinglePart::plain(texts.body))?,
        Some(method) => {
            let join = match kind {
                MailKind::Confirmed { links } => Some(links.join.clone()),
                _ => None,
            };
            let event = ics::Event {
                uid: ics::uid(&id, &host),
                sequence: appointment.sequence,
                dtstamp: now,
                start: appointment.start,
                end,
                cancelled: method == ics::Method::Cancel,
                summary: texts.calendar_summary,
                description: texts.calendar_description,
                // Calendar apps show LOCATION prominently and make it
                // clickable; for a video appointment the place is the link.
                location: join.clone(),
                url: join,
                organizer: ics::Party {
                    name: office_name.clone(),
                    email: office_email,
                },
                attendee: ics::Party {
                    name: citizen_name.clone(),
                    email: citizen_address.clone(),
                },
            };
            let calendar = ics::calendar(Some(method), &[event]);
            let inline_type = content_type(&format!(
                "text/calendar; charset=utf-8; method={}",
                method.as_str()
            ))?;
            let attachment_type = content_type("application/ics")?;
            let file_name = templates::ics_file_name(locale).to_owned();
            builder.multipart(
                MultiPart::mixed()
                    .multipart(
                        MultiPart::alternative()
                            .singlepart(SinglePart::plain(texts.body))
                            .singlepart(
                                SinglePart::builder()
                                    .header(inline_type)
                                    .body(calendar.clone()),
                            ),
                    )
                    .singlepart(Attachment::new(file_name).body(calendar, attachment_type)),
            )?
        }
    };

    Ok(RenderedMail {
        name,
        envelope_from: from.email.to_string(),
        envelope_to: vec![citizen_address],
        subject: texts.subject,
        eml: String::from_utf8(message.formatted()).map_err(|_| Error::Build {
            reason: "the encoded message is not ASCII".into(),
        })?,
    })
}

fn content_type(value: &str) -> Result<ContentType, Error> {
    ContentType::parse(value).map_err(|_| Error::Build {
        reason: format!("content type {value:?} does not parse"),
    })
}

/// A header whose name and value are fixed ASCII strings of this module.
fn raw_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

fn mailbox(field: &'static str, name: &str, email: &str) -> Result<Mailbox, Error> {
    let address = email
        .trim()
        .parse()
        .map_err(|_| Error::InvalidAddress { field })?;
    let name = single_line(name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// Control characters (line breaks above all) become spaces, and runs of
/// whitespace one space, so a value cannot break a header or a line.
fn single_line(value: &str) -> String {
    value
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn required_line(field: &'static str, value: &str) -> Result<String, Error> {
    let line = single_line(value);
    if line.is_empty() {
        Err(Error::invalid(field, "must not be empty"))
    } else {
        Ok(line)
    }
}

/// Ids go into the UID and the Message-ID: letters, digits, `-`, `_`, `.`.
fn checked_token(field: &'static str, value: &str) -> Result<String, Error> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(
            field,
            "must be 1 to 128 letters, digits, '-', '_' or '.'",
        ))
    }
}

/// A DNS name (or an address literal without brackets): letters, digits,
/// `-`, `.`, and `:` for IPv6.
fn checked_host(value: &str) -> Result<String, Error> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(Error::invalid("sender.host", "must be a host name"))
    }
}

fn check_links(kind: &MailKind) -> Result<(), Error> {
    match kind {
        MailKind::PleaseConfirm { confirm_url, .. } => check_link("confirm_url", confirm_url),
        MailKind::Confirmed { links } | MailKind::Reminder { links } => {
            check_link("links.join", &links.join)?;
            check_link("links.cancel", &links.cancel)?;
            check_link("links.rebook", &links.rebook)
        }
        MailKind::Cancelled { rebook_url } => match rebook_url {
            Some(url) => check_link("rebook_url", url),
            None => Ok(()),
        },
    }
}

/// A link goes into text bodies and, unescaped, into the calendar's URL
/// property: it must be an absolute http(s) URL with no space, control
/// character, quote or angle bracket.
fn check_link(field: &'static str, url: &str) -> Result<(), Error> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    let chars_ok = url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\'));
    if scheme_ok && chars_ok && url.len() <= MAX_LINK_LEN {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be an http(s) URL without spaces or quotes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointment::{Citizen, Links, Locale, Office};
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn appointment() -> Appointment {
        let start = Berlin
            .with_ymd_and_hms(2026, 3, 31, 10, 0, 0)
            .single()
            .expect("valid");
        Appointment {
            id: "apt-42".into(),
            sequence: 0,
            start,
            end: start + chrono::Duration::minutes(30),
            service: "Wohngeld-Beratung".into(),
            office: Office {
                name: "Bürgeramt Mitte".into(),
                address: "Rathausplatz 1\n10115 Berlin".into(),
                email: "buergeramt@example.org".into(),
            },
            citizen: Citizen {
                name: "Erika Mustermann".into(),
                email: "erika@example.net".into(),
                locale: Locale::De,
            },
            documents: vec!["Personalausweis".into()],
        }
    }

    fn sender() -> Sender {
        Sender {
            name: "Stadt Beispiel – Termine".into(),
            email: "termine@example.org".into(),
            host: "termine.example.org".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 20, 8, 15, 0)
            .single()
            .expect("valid")
    }

    fn confirmed() -> MailKind {
        MailKind::Confirmed {
            links: Links {
                join: "https://termine.example.org/j/JOIN".into(),
                cancel: "https://termine.example.org/c/CANCEL".into(),
                rebook: "https://termine.example.org/r/REBOOK".into(),
            },
        }
    }

    #[test]
    fn headers_and_envelope() {
        let mail = render(&confirmed(), &appointment(), &sender(), now()).expect("renders");
        let text = &mail.eml;
        assert_eq!(mail.name, "20260320T081500Z-confirmed-apt-42-s0");
        assert_eq!(mail.envelope_from, "termine@example.org");
        assert_eq!(mail.envelope_to, vec!["erika@example.net".to_owned()]);
        assert!(text.contains(
            "Message-ID: <20260320T081500Z-confirmed-apt-42-s0@termine.example.org>\r\n"
        ));
        assert!(text.contains("Date: Fri, 20 Mar 2026 08:15:00 +0000\r\n"));
        assert!(text.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(text.contains("Content-Language: de\r\n"));
        assert!(text.contains("method=REQUEST"));
        assert!(text.contains("application/ics"));
        assert!(text.is_ascii(), "every byte is encoded for 7-bit transport");
        assert_eq!(
            mail.subject,
            "Terminbestätigung: Wohngeld-Beratung am 31.03.2026, 10:00 Uhr"
        );
    }

    #[test]
    fn mails_without_calendar_are_plain_text() {
        let kind = MailKind::PleaseConfirm {
            confirm_url: "https://termine.example.org/k/CONFIRM".into(),
            expires_at: now().with_timezone(&Berlin) + chrono::Duration::minutes(15),
        };
        let mail = render(&kind, &appointment(), &sender(), now()).expect("renders");
        let text = &mail.eml;
        assert!(!text.contains("multipart"));
        assert!(!text.contains("text/calendar"));
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
    }

    #[test]
    fn header_injection_through_names_is_impossible() {
        let mut apt = appointment();
        apt.citizen.name = "Eve\r\nBcc: victim@example.com".into();
        apt.service = "Beratung\nX-Evil: 1".into();
        let mail = render(&confirmed(), &apt, &sender(), now()).expect("renders");
        let text = &mail.eml;
        assert!(!text.contains("\r\nBcc:"));
        assert!(!text.contains("\r\nX-Evil:"));
    }

    /// A change that makes a valid input invalid.
    type Breakage = Box<dyn Fn(&mut Appointment, &mut Sender)>;

    #[test]
    fn bad_input_is_refused_without_echoing_it() {
        let cases: Vec<(Breakage, &str)> = vec![
            (
                Box::new(|a, _| a.citizen.email = "not an address".into()),
                "citizen.email",
            ),
            (Box::new(|a, _| a.office.email = "".into()), "office.email"),
            (Box::new(|_, s| s.email = "x@".into()), "sender.email"),
            (Box::new(|_, s| s.host = "a b".into()), "sender.host"),
            (Box::new(|a, _| a.id = "../etc".into()), "appointment.id"),
            (Box::new(|a, _| a.id = "".into()), "appointment.id"),
            (Box::new(|a, _| a.end = a.start), "appointment.end"),
            (
                Box::new(|a, _| a.service = " \n ".into()),
                "appointment.service",
            ),
            (Box::new(|a, _| a.citizen.name = "".into()), "citizen.name"),
        ];
        for (change, field) in cases {
            let (mut apt, mut snd) = (appointment(), sender());
            change(&mut apt, &mut snd);
            let err = render(&confirmed(), &apt, &snd, now()).expect_err(field);
            let shown = err.to_string();
            assert!(shown.contains(field), "{shown}");
            assert!(!shown.contains("not an address") && !shown.contains("../etc"));
        }
        let bad_links = [
            "javascript:alert(1)",
            "https://x.example/a b",
            "https://x.example/\"><script>",
            "ftp://x.example/",
        ];
        for link in bad_links {
            let kind = MailKind::Cancelled {
                rebook_url: Some(link.into()),
            };
            let err = render(&kind, &appointment(), &sender(), now()).expect_err(link);
            assert!(err.to_string().contains("rebook_url"));
        }
    }

    #[test]
    fn english_mails_say_so() {
        let mut apt = appointment();
        apt.citizen.locale = Locale::En;
        let mail = render(&confirmed(), &apt, &sender(), now()).expect("renders");
        let text = &mail.eml;
        assert!(text.contains("Content-Language: en\r\n"));
        assert!(text.contains("appointment.ics"));
    }
}
