//! Booking e-mail for civicmeet: the four mails of an appointment (please
//! confirm, confirmed, reminder, cancelled) in German and English, with an
//! RFC 5545 calendar invitation or cancellation, sent over SMTP or written
//! as .eml files.
//!
//! - [`ics`] — iCalendar (RFC 5545) with iTIP methods (RFC 5546), pure.
//! - [`render`] — builds a whole RFC 5322 message (MIME per RFC 2045-2049),
//!   pure: the time of writing is an argument.
//! - [`Mailer`] — SMTP (RFC 5321, STARTTLS RFC 3207, implicit TLS RFC 8314)
//!   through lettre, or a folder of .eml files.
//!
//! This crate knows no database and no HTTP. The server keeps an outbox,
//! calls [`render`] and [`Mailer::send`], and retries on error. Nothing here
//! logs, and no error message carries personal data.

mod appointment;
mod dates;
mod error;
pub mod ics;
mod message;
mod templates;
mod transport;

use chrono::{DateTime, Duration, Utc};

pub use appointment::{Appointment, Citizen, Links, Locale, MailKind, Office, Sender};
pub use dates::long_date;
pub use error::{Error, SmtpFailure};
pub use message::{RenderedMail, render};
pub use transport::{
    Delivery, FileMailer, Mailer, SmtpConfig, SmtpCredentials, SmtpMailer, SmtpTls,
};

/// How long before the start the reminder goes out by default (BK-3).
pub const REMINDER_LEAD: Duration = Duration::hours(24);

/// When the reminder for an appointment starting at `start` is due, given
/// how long before the start it should go out.
pub fn reminder_due<Tz: chrono::TimeZone>(start: &DateTime<Tz>, lead: Duration) -> DateTime<Utc> {
    start.with_timezone(&Utc) - lead
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_reminder_is_due_a_day_before_in_real_time() {
        // 10:00 CEST on Monday 30 March 2026 is 08:00 UTC; the lead is
        // real time, so the reminder is due at 08:00 UTC the day before.
        let start = chrono_tz::Europe::Berlin
            .with_ymd_and_hms(2026, 3, 30, 10, 0, 0)
            .single()
            .expect("valid");
        let due = reminder_due(&start, REMINDER_LEAD);
        assert_eq!(due.to_rfc3339(), "2026-03-29T08:00:00+00:00");
    }

    #[test]
    fn language_tags() {
        for (tag, locale) in [
            ("de", Locale::De),
            ("de-DE", Locale::De),
            ("en", Locale::En),
            ("en-GB", Locale::En),
            ("EN_us", Locale::En),
            ("fr", Locale::De),
            ("", Locale::De),
        ] {
            assert_eq!(Locale::from_tag(tag), locale, "{tag:?}");
        }
    }
}
