//! What the server hands us to write a mail: plain data about one
//! appointment, and which of the four mails to write.
//!
//! These are input types only; `message` validates them (addresses parse,
//! links are http(s) without spaces, the end follows the start) before any
//! of it reaches a header or a calendar line.

use chrono::DateTime;
use chrono_tz::Tz;

/// The language of a mail. The citizen's choice on the booking page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    De,
    En,
}

impl Locale {
    /// Reads a language tag such as `de`, `de-DE` or `en-GB`; anything that
    /// is not English gets German, the language of the administration.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::De
        }
    }

    /// The language tag for the `Content-Language` header.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::De => "de",
            Locale::En => "en",
        }
    }
}

/// The citizen: the recipient and the calendar ATTENDEE.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub name: String,
    pub email: String,
    pub locale: Locale,
}

/// The office: named in the text, the calendar ORGANIZER and Reply-To.
#[derive(Debug, Clone)]
pub struct Office {
    pub name: String,
    /// Postal address, one line or several (newline-separated).
    pub address: String,
    pub email: String,
}

/// One appointment, as the store knows it.
#[derive(Debug, Clone)]
pub struct Appointment {
    /// The store's id of the appointment: letters, digits, `-`, `_`, `.`.
    /// It goes into the calendar UID and the Message-ID, so it must be
    /// stable and must not be a capability (no link token).
    pub id: String,
    /// Calendar SEQUENCE. The store raises it on every change that is
    /// mailed; a cancellation must carry more than the last invitation.
    pub sequence: u32,
    /// Start and end in the office's time zone.
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub service: String,
    pub office: Office,
    pub citizen: Citizen,
    /// What to bring, one item per entry (from the service).
    pub documents: Vec<String>,
}

/// The capability links of a confirmed appointment.
#[derive(Debug, Clone)]
pub struct Links {
    pub join: String,
    pub cancel: String,
    pub rebook: String,
}

/// Which mail to write, with what only that mail needs.
#[derive(Debug, Clone)]
pub enum MailKind {
    /// Double opt-in: the slot is held until `expires_at`.
    PleaseConfirm {
        confirm_url: String,
        expires_at: DateTime<Tz>,
    },
    /// The booking holds; carries the invitation (.ics, METHOD:REQUEST).
    Confirmed { links: Links },
    /// Sent ahead of the appointment (by default [`crate::REMINDER_LEAD`]).
    Reminder { links: Links },
    /// Called off; carries the cancellation (.ics, METHOD:CANCEL). The link
    /// to book again is optional (a bulk cancellation may not offer one).
    Cancelled { rebook_url: Option<String> },
}

impl MailKind {
    /// A short, fixed name for file names, Message-IDs and logs.
    pub fn name(&self) -> &'static str {
        match self {
            MailKind::PleaseConfirm { .. } => "please-confirm",
            MailKind::Confirmed { .. } => "confirmed",
            MailKind::Reminder { .. } => "reminder",
            MailKind::Cancelled { .. } => "cancelled",
        }
    }
}

/// Who sends: the same for every mail of one installation.
#[derive(Debug, Clone)]
pub struct Sender {
    /// Shown as the From name, e.g. "Stadt Beispiel – Termine".
    pub name: String,
    /// The From address (and SMTP envelope sender), e.g. termine@example.org.
    pub email: String,
    /// The public host name of the installation: the right-hand side of
    /// calendar UIDs and Message-IDs. Must not change once mails went out,
    /// or calendars will not match a cancellation to its invitation.
    pub host: String,
}
