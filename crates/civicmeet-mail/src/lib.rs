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
mod error;
pub mod ics;
mod message;
mod templates;
mod transport;

use chrono::{DateTime, Duration, Utc};

pub use appointment::{Appointment, Citizen, Links, Locale, MailKind, Office, Sender};
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
