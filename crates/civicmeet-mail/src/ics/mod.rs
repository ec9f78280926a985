//! iCalendar objects (RFC 5545) with the iTIP methods of RFC 5546: an
//! appointment as a VEVENT, sent with METHOD:REQUEST when it is confirmed
//! and METHOD:CANCEL (same UID, higher SEQUENCE, STATUS:CANCELLED) when it
//! is called off. Without a method the same writer yields a plain calendar,
//! e.g. for a staff member's feed.
//!
//! Pure: the timestamp (DTSTAMP) is an argument; nothing reads the clock.
//! Times are written as local time with a TZID and a matching VTIMEZONE
//! where `vtimezone` can describe the zone, otherwise in UTC.

pub mod text;
pub mod vtimezone;

use chrono::{DateTime, LocalResult, TimeZone, Utc};
use chrono_tz::Tz;

use text::{escape_text, param_value, push_folded};

/// Our product identifier (RFC 5545 3.7.3).
pub const PRODID: &str = "-//civicmeet//civicmeet-mail//EN";

/// The iTIP method of a calendar object (RFC 5546 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// An invitation, or an update of one with a higher SEQUENCE.
    Request,
    /// The event is called off; same UID, higher SEQUENCE.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// A person or office on the event, as a `mailto:` calendar address.
/// The address must already be validated (the message layer parses it).
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub email: String,
}

/// One appointment as a VEVENT.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across every mail about this appointment; see [`uid`].
    pub uid: String,
    /// Raised on every change; a cancellation must carry a higher value
    /// than the invitation it cancels.
    pub sequence: u32,
    /// When this calendar object was created (usually "now" at rendering).
    pub dtstamp: DateTime<Utc>,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub cancelled: bool,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    /// An http(s) link, written as the URL property (a URI, not escaped).
    pub url: Option<String>,
    pub organizer: Party,
    pub attendee: Party,
}

/// The UID of an appointment: `<appointment-id>@<host>`, the same for its
/// invitation, updates and cancellation (RFC 5545 3.8.4.7).
pub fn uid(appointment_id: &str, host: &str) -> String {
    format!("{appointment_id}@{host}")
}

/// A whole VCALENDAR with CRLF line ends, folded at 75 octets.
pub fn calendar(method: Option<Method>, events: &[Event]) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        format!("PRODID:{PRODID}"),
        "VERSION:2.0".into(),
        "CALSCALE:GREGORIAN".into(),
    ];
    if let Some(method) = method {
        lines.push(format!("METHOD:{}", method.as_str()));
    }

    // One VTIMEZONE per zone that the events use with a TZID.
    let mut zones: Vec<Tz> = Vec::new();
    for event in events {
        for tz in [event.start.timezone(), event.end.timezone()] {
            if vtimezone::is_supported(tz) && !zones.contains(&tz) {
                zones.push(tz);
            }
        }
    }
    for tz in zones {
        lines.extend(vtimezone::lines(tz).unwrap_or_default());
    }

    for event in events {
        push_event(&mut lines, event);
    }
    lines.push("END:VCALENDAR".into());

    let mut out = String::new();
    for line in &lines {
        push_folded(&mut out, line);
    }
    out
}

fn push_event(lines: &mut Vec<String>, event: &Event) {
    lines.push("BEGIN:VEVENT".into());
    lines.push(format!("UID:{}", escape_text(&event.uid)));
    lines.push(format!("DTSTAMP:{}", utc_stamp(event.dtstamp)));
    lines.push(format!("SEQUENCE:{}", event.sequence));
    lines.push(date_time("DTSTART", event.start));
    lines.push(date_time("DTEND", event.end));
    lines.push(format!("SUMMARY:{}", escape_text(&event.summary)));
    lines.push(format!("DESCRIPTION:{}", escape_text(&event.description)));
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape_text(location)));
    }
    if let Some(url) = &event.url {
        lines.push(format!("URL:{url}"));
    }
    lines.push(format!(
        "ORGANIZER;CN={}:mailto:{}",
        param_value(&event.organizer.name),
        event.organizer.email
    ));
    // The citizen already confirmed by the double opt-in link, so the
    // invitation needs no answer from their calendar.
    lines.push(format!(
        "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
        param_value(&event.attendee.name),
        event.attendee.email
    ));
    let status = if event.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    lines.push(format!("STATUS:{status}"));
    lines.push("TRANSP:OPAQUE".into());
    lines.push("END:VEVENT".into());
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `NAME;TZID=<zone>:<local>` when the zone has a VTIMEZONE and the local
/// time names this instant, else `NAME:<utc>Z`.
///
/// In the hour that repeats when summer time ends, a local time is read as
/// its first occurrence (RFC 5545 3.3.5); an instant in the second
/// occurrence is therefore written in UTC, so it is never an hour off.
fn date_time(name: &str, at: DateTime<Tz>) -> String {
    let tz = at.timezone();
    let local = at.naive_local();
    let local_names_this_instant = match tz.from_local_datetime(&local) {
        LocalResult::Single(only) => only == at,
        LocalResult::Ambiguous(first, _) => first == at,
        LocalResult::None => false,
    };
    if vtimezone::is_supported(tz) && local_names_this_instant {
        format!(
            "{name};TZID={}:{}",
            tz.name(),
            local.format("%Y%m%dT%H%M%S")
        )
    } else {
        format!("{name}:{}", utc_stamp(at.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        Berlin
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("an unambiguous local time")
    }

    fn event(start: DateTime<Tz>, end: DateTime<Tz>) -> Event {
        Event {
            uid: uid("apt-42", "termine.example.org"),
            sequence: 0,
            dtstamp: Utc
                .with_ymd_and_hms(2026, 3, 20, 8, 15, 0)
                .single()
                .expect("valid"),
            start,
            end,
            cancelled: false,
            summary: "Wohngeld, Beratung".into(),
            description: "Join: https://termine.example.org/j/abc\nBring: ID card".into(),
            location: Some("https://termine.example.org/j/abc".into()),
            url: Some("https://termine.example.org/j/abc".into()),
            organizer: Party {
                name: "Bürgeramt Mitte, Stadt Beispiel".into(),
                email: "buergeramt@example.org".into(),
            },
            attendee: Party {
                name: "Erika Mustermann".into(),
                email: "erika@example.net".into(),
            },
        }
    }

    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn has(ics: &str, line: &str) -> bool {
        unfolded(ics).iter().any(|l| l == line)
    }

    #[test]
    fn summer_time_start_is_local_with_tzid() {
        // 31 March 2026 is after the switch on 29 March: 10:00 CEST = 08:00 UTC.
        let ics = calendar(
            Some(Method::Request),
            &[event(
                berlin(2026, 3, 31, 10, 0),
                berlin(2026, 3, 31, 10, 30),
            )],
        );
        assert!(has(&ics, "DTSTART;TZID=Europe/Berlin:20260331T100000"));
        assert!(has(&ics, "DTEND;TZID=Europe/Berlin:20260331T103000"));
        assert!(has(&ics, "TZID:Europe/Berlin"));
        assert!(has(&ics, "METHOD:REQUEST"));
        assert!(has(&ics, "STATUS:CONFIRMED"));
        assert!(has(&ics, "DTSTAMP:20260320T081500Z"));
        assert!(has(&ics, "UID:apt-42@termine.example.org"));
    }

    #[test]
    fn winter_time_start_is_local_with_tzid() {
        let ics = calendar(
            Some(Method::Request),
            &[event(berlin(2026, 3, 27, 9, 0), berlin(2026, 3, 27, 9, 30))],
        );
        assert!(has(&ics, "DTSTART;TZID=Europe/Berlin:20260327T090000"));
    }

    #[test]
    fn across_the_switch_the_wall_clock_is_kept() {
        // Booked 09:00 on both sides of the spring switch: the same local
        // time in the file, different UTC instants.
        let before = berlin(2026, 3, 28, 9, 0);
        let after = berlin(2026, 3, 30, 9, 0);
        assert_eq!((after - before).num_hours(), 47);
        for at in [before, after] {
            let ics = calendar(None, &[event(at, at + chrono::Duration::minutes(30))]);
            let expected = format!(
                "DTSTART;TZID=Europe/Berlin:{}",
                at.naive_local().format("%Y%m%dT090000")
            );
            assert!(has(&ics, &expected), "{ics}");
        }
    }

    #[test]
    fn second_occurrence_of_the_repeated_hour_is_written_in_utc() {
        // 25 October 2026, 02:30 happens twice in Berlin.
        let LocalResult::Ambiguous(first, second) = Berlin.with_ymd_and_hms(2026, 10, 25, 2, 30, 0)
        else {
            panic!("02:30 on the autumn switch is ambiguous");
        };
        let end = |start: DateTime<Tz>| start + chrono::Duration::minutes(30);
        // The first 02:30 (CEST) is what the local time means: TZID form.
        let ics = calendar(None, &[event(first, end(first))]);
        assert!(has(&ics, "DTSTART;TZID=Europe/Berlin:20261025T023000"));
        // The second 02:30 (CET, 01:30 UTC) would be misread: UTC form.
        // Its end, 03:00 CET, is unambiguous again.
        let ics = calendar(None, &[event(second, end(second))]);
        assert!(has(&ics, "DTSTART:20261025T013000Z"));
        assert!(has(&ics, "DTEND;TZID=Europe/Berlin:20261025T030000"));
    }

    #[test]
    fn zones_without_vtimezone_use_utc() {
        let london = chrono_tz::Europe::London;
        let start = london
            .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
            .single()
            .expect("valid");
        let ics = calendar(None, &[event(start, start + chrono::Duration::hours(1))]);
        assert!(has(&ics, "DTSTART:20260701T090000Z"));
        assert!(!ics.contains("VTIMEZONE"));
    }

    #[test]
    fn cancel_keeps_the_uid_and_raises_the_sequence() {
        let confirmed = event(berlin(2026, 3, 31, 10, 0), berlin(2026, 3, 31, 10, 30));
        let mut cancelled = confirmed.clone();
        cancelled.sequence = confirmed.sequence + 1;
        cancelled.cancelled = true;
        let request = calendar(Some(Method::Request), &[confirmed]);
        let cancel = calendar(Some(Method::Cancel), &[cancelled]);
        assert!(has(&cancel, "METHOD:CANCEL"));
        assert!(has(&cancel, "STATUS:CANCELLED"));
        assert!(has(&request, "SEQUENCE:0"));
        assert!(has(&cancel, "SEQUENCE:1"));
        let uid = |ics: &str| unfolded(ics).into_iter().find(|l| l.starts_with("UID:"));
        assert_eq!(uid(&request), uid(&cancel));
    }

    #[test]
    fn text_is_escaped_and_parameters_quoted() {
        let ics = calendar(
            None,
            &[event(
                berlin(2026, 3, 31, 10, 0),
                berlin(2026, 3, 31, 10, 30),
            )],
        );
        assert!(has(&ics, "SUMMARY:Wohngeld\\, Beratung"));
        assert!(has(
            &ics,
            "DESCRIPTION:Join: https://termine.example.org/j/abc\\nBring: ID card"
        ));
        assert!(has(
            &ics,
            "ORGANIZER;CN=\"Bürgeramt Mitte, Stadt Beispiel\":mailto:buergeramt@example.org"
        ));
        assert!(has(&ics, "URL:https://termine.example.org/j/abc"));
    }

    #[test]
    fn structure_and_line_ends() {
        let ics = calendar(
            Some(Method::Request),
            &[event(
                berlin(2026, 3, 31, 10, 0),
                berlin(2026, 3, 31, 10, 30),
            )],
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nPRODID:"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(has(&ics, "VERSION:2.0"));
        assert_eq!(ics.matches('\n').count(), ics.matches("\r\n").count());
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        // The VTIMEZONE comes before the VEVENT that refers to it.
        let tz = ics.find("BEGIN:VTIMEZONE").expect("a VTIMEZONE");
        let ev = ics.find("BEGIN:VEVENT").expect("a VEVENT");
        assert!(tz < ev);
    }
}
