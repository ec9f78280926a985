//! The config sections that booking (issue 3) added: database, mail,
//! booking rules of the service as a whole, and the admin credential;
//! and the TLS mode of the web server (issue 4).

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Whether the web server speaks TLS itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP: loopback (a secure context for browsers), or behind a
    /// reverse proxy that terminates TLS.
    Off,
    /// The certificate chain and key in `http.cert_file` / `http.key_file`.
    Files,
    /// A certificate made on first start and kept in `<data_dir>/tls/`;
    /// browsers warn until it is trusted, which suits a LAN or a trial.
    SelfSigned,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty: SQLite in `storage.data_dir`. `postgres://user:pass@host/db`:
    /// PostgreSQL, for several nodes sharing the work.
    pub url: String,
}

impl DatabaseConfig {
    /// The PostgreSQL URL, if one is set.
    pub fn postgres_url(&self) -> Option<String> {
        (!self.url.is_empty()).then(|| self.url.clone())
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.url.is_empty()
            || self.url.starts_with("postgres://")
            || self.url.starts_with("postgresql://")
        {
            return Ok(());
        }
        Err(ConfigError::Invalid(
            "database.url must be empty (SQLite) or start with postgres:// or postgresql://".into(),
        ))
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP; only for a relay on the same host.
    None,
    /// STARTTLS on the submission port (587).
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The sender of every mail.
    pub from: String,
    /// Empty: no SMTP; each mail is written to `<data_dir>/mail/*.eml`
    /// and its path logged, never silently dropped.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    /// Empty: no authentication.
    pub smtp_username: String,
    pub smtp_password: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "civicmeet <noreply@localhost>".into(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
        }
    }
}

impl MailConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self.from.contains('@') {
            return Err(ConfigError::Invalid(format!(
                "mail.from must be a mail address, not {:?}",
                self.from
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingConfig {
    /// How long an unconfirmed booking holds its slot (double opt-in).
    pub hold_minutes: u32,
    /// How long before an appointment the reminder goes out.
    pub reminder_hours: u32,
    /// Open (held or confirmed, future) bookings one e-mail address may have.
    pub max_open_bookings_per_email: u32,
    /// Booking submissions one IP address may make per minute; more get 429.
    pub rate_limit_per_minute: u32,
    /// Difficulty of the booking form's proof-of-work challenge, in leading
    /// zero bits of a SHA-256 (each bit doubles the browser's work).
    pub proof_of_work_bits: u8,
    /// On a first start with an empty catalogue, create a demo office so
    /// that the zero-config run shows something bookable.
    pub seed_demo: bool,
}

impl Default for BookingConfig {
    fn default() -> Self {
        BookingConfig {
            hold_minutes: 15,
            reminder_hours: 24,
            max_open_bookings_per_email: 3,
            rate_limit_per_minute: 10,
            proof_of_work_bits: 16,
            seed_demo: true,
        }
    }
}

impl BookingConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.hold_minutes == 0 || self.hold_minutes > 24 * 60 {
            return Err(ConfigError::Invalid(
                "booking.hold_minutes must be between 1 and 1440".into(),
            ));
        }
        if self.proof_of_work_bits > 32 {
            return Err(ConfigError::Invalid(
                "booking.proof_of_work_bits must be at most 32".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// The staff and admin pages' user name, until staff accounts arrive
    /// (issue 4).
    pub username: String,
    /// Empty: a random password is made on first start, kept in
    /// `<data_dir>/admin-password` and printed once.
    pub password: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            username: "admin".into(),
            password: String::new(),
        }
    }
}

/// `[meetings]`: rules of the meetings themselves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingsConfig {
    /// How long a participant whose socket dropped (a network change, a
    /// proxy's idle timeout) keeps its seat: its browser may take it back
    /// with its resume secret within this many seconds, and nobody sees it
    /// leave meanwhile. And when one side of a 1:1 consultation drops
    /// rather than leaves, the consultation ends only if nobody of that
    /// side is back within this many seconds after that.
    pub rejoin_grace_secs: u64,
}

impl Default for MeetingsConfig {
    fn default() -> Self {
        MeetingsConfig {
            rejoin_grace_secs: 20,
        }
    }
}
