//! English texts.

use chrono::DateTime;
use chrono_tz::Tz;

use super::{Texts, View, bullet_list, span};
use crate::appointment::MailKind;

/// "Tuesday, 31 March 2026"
pub(super) fn day(at: DateTime<Tz>) -> String {
    crate::dates::long_date(crate::Locale::En, at.date_naive())
}

/// "10:00" (24-hour clock, as the office keeps it)
pub(super) fn time(at: DateTime<Tz>) -> String {
    at.format("%H:%M").to_string()
}

fn when(view: &View<'_>) -> String {
    format!(
        "{} ({})",
        span(view.start, view.end, day, time),
        view.start.format("%Z")
    )
}

/// "31 Mar 2026, 10:00", short enough for a subject line.
fn short(at: DateTime<Tz>) -> String {
    // chrono's `%b` is the English month abbreviation.
    at.format("%-d %b %Y, %H:%M").to_string()
}

fn greeting(view: &View<'_>) -> String {
    format!("Dear {},\n\n", view.citizen_name)
}

fn summary_block(view: &View<'_>) -> String {
    format!(
        "  {}\n  {}\n  {}\n\n",
        view.service,
        when(view),
        view.office_name
    )
}

fn signature(view: &View<'_>) -> String {
    let mut s = format!("Kind regards\n{}\n", view.office_name);
    for line in view.office_address {
        s.push_str(line);
        s.push('\n');
    }
    s
}

fn documents(view: &View<'_>) -> String {
    if view.documents.is_empty() {
        String::new()
    } else {
        format!(
            "Please have these ready for the appointment:\n{}\n",
            bullet_list(view.documents)
        )
    }
}

const HOW_TO_JOIN: &str = "At the time of the appointment, open this link. You will first \
check your camera, microphone and speaker, then wait in the waiting room until the case \
worker lets you in:";

pub(super) fn texts(kind: &MailKind, view: &View<'_>) -> Texts {
    let calendar_summary = format!("Video appointment: {} ({})", view.service, view.office_name);
    match kind {
        MailKind::PleaseConfirm {
            confirm_url,
            expires_at,
        } => Texts {
            subject: format!("Please confirm: {} on {}", view.service, short(view.start)),
            body: format!(
                "{}You asked for a video appointment:\n\n{}\
                 Please confirm it with this link:\n\n{confirm_url}\n\n\
                 The link is valid until {}, {}. Without confirmation the slot is \
                 released again after that.\n\n\
                 If you did not ask for this appointment, you need not do anything.\n\n{}",
                greeting(view),
                summary_block(view),
                day(*expires_at),
                time(*expires_at),
                signature(view)
            ),
            calendar_summary,
            calendar_description: String::new(),
        },
        MailKind::Confirmed { links } => Texts {
            subject: format!(
                "Appointment confirmed: {} on {}",
                view.service,
                short(view.start)
            ),
            body: format!(
                "{}Your video appointment is confirmed:\n\n{}{HOW_TO_JOIN}\n\n{}\n\n{}\
                 Cancel the appointment: {}\nReschedule: {}\n\n\
                 You can add the attached invitation to your calendar.\n\n{}",
                greeting(view),
                summary_block(view),
                links.join,
                documents(view),
                links.cancel,
                links.rebook,
                signature(view)
            ),
            calendar_description: calendar_description(view, &links.join, &links.cancel),
            calendar_summary,
        },
        MailKind::Reminder { links } => Texts {
            subject: format!("Reminder: {} on {}", view.service, short(view.start)),
            body: format!(
                "{}This is a reminder of your video appointment:\n\n{}{HOW_TO_JOIN}\n\n{}\n\n{}\
                 If you cannot attend, please cancel: {}\n\n{}",
                greeting(view),
                summary_block(view),
                links.join,
                documents(view),
                links.cancel,
                signature(view)
            ),
            calendar_description: calendar_description(view, &links.join, &links.cancel),
            calendar_summary,
        },
        MailKind::Cancelled { rebook_url } => {
            let rebook = rebook_url
                .as_ref()
                .map(|url| format!("You can book a new appointment here:\n\n{url}\n\n"))
                .unwrap_or_default();
            Texts {
                subject: format!(
                    "Appointment cancelled: {} on {}",
                    view.service,
                    short(view.start)
                ),
                body: format!(
                    "{}Your video appointment has been cancelled:\n\n{}{rebook}\
                     The attached calendar entry removes it from your calendar.\n\n{}",
                    greeting(view),
                    summary_block(view),
                    signature(view)
                ),
                calendar_description: format!("Cancelled: {}", view.service),
                calendar_summary: format!("Cancelled: {calendar_summary}"),
            }
        }
    }
}

fn calendar_description(view: &View<'_>, join: &str, cancel: &str) -> String {
    let mut text = format!(
        "{} at {}\n\nJoin: {join}\nCancel: {cancel}\n",
        view.service, view.office_name
    );
    if !view.documents.is_empty() {
        text.push_str("\nPlease have ready:\n");
        text.push_str(&bullet_list(view.documents));
    }
    text
}
