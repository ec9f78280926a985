//! Sends the mails the outbox holds: over SMTP when `mail.smtp_host` is
//! set, else as .eml files in the data folder (their path is logged; it
//! holds no personal data). A failure is recorded with a back-off retry;
//! a permanent one (or the tenth) stops the retries and stays visible to
//! staff.

use chrono::{DateTime, Utc};
use civicmeet_mail::{Delivery, Mailer, RenderedMail, SmtpConfig, SmtpCredentials, SmtpTls};
use civicmeet_store::{OutboxMail, Store, StoreError};

use crate::booking::BookingRuntime;
use crate::config::Config;
use crate::config::SmtpSecurity;

/// Mails sent per tick at most.
const BATCH: i64 = 20;
/// Attempts before giving up.
const MAX_ATTEMPTS: i32 = 10;

/// The mailer the config asks for.
pub fn mailer(config: &Config) -> Mailer {
    let mail = &config.mail;
    if mail.smtp_host.is_empty() {
        return Mailer::files(config.mail_dir());
    }
    let tls = match mail.smtp_security {
        SmtpSecurity::None => SmtpTls::None,
        SmtpSecurity::Starttls => SmtpTls::StartTls,
        SmtpSecurity::Tls => SmtpTls::Tls,
    };
    let mut smtp = SmtpConfig::new(mail.smtp_host.clone(), tls);
    smtp.port = mail.smtp_port;
    if !mail.smtp_username.is_empty() {
        smtp.credentials = Some(SmtpCredentials {
            username: mail.smtp_username.clone(),
            password: mail.smtp_password.clone(),
        });
    }
    match Mailer::smtp(&smtp) {
        Ok(mailer) => mailer,
        Err(e) => {
            // Never drop mail: with a broken relay setup, write files and
            // say so loudly.
            tracing::error!(error = %e, "cannot set up SMTP; writing mails to the data folder instead");
            Mailer::files(config.mail_dir())
        }
    }
}

/// Sends every mail due at `now`.
pub async fn send_due(
    store: &Store,
    mailer: &Mailer,
    runtime: &BookingRuntime,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for mail in store.due_mails(now.timestamp(), BATCH).await? {
        let rendered = rendered(&mail, &runtime.sender.email);
        match mailer.send(&rendered).await {
            Ok(delivery) => {
                store.mark_sent(mail.id, now.timestamp()).await?;
                match delivery {
                    Delivery::File(path) => {
                        tracing::info!(mail = mail.id, kind = %mail.kind, path = %path.display(), "mail written");
                    }
                    Delivery::Smtp => {
                        tracing::info!(mail = mail.id, kind = %mail.kind, "mail sent")
                    }
                }
            }
            Err(e) => {
                let attempts = mail.attempts + 1;
                let retry_at = (!e.is_permanent() && attempts < MAX_ATTEMPTS)
                    .then(|| now.timestamp() + backoff_secs(attempts));
                // The error's Display holds no personal data (mail crate).
                tracing::warn!(mail = mail.id, attempts, error = %e, retry = retry_at.is_some(), "mail not sent");
                store.mark_failed(mail.id, &e.to_string(), retry_at).await?;
            }
        }
    }
    Ok(())
}

/// 1, 2, 4, ... minutes, at most an hour.
fn backoff_secs(attempts: i32) -> i64 {
    60i64.saturating_mul(1i64 << attempts.clamp(0, 6)).min(3600)
}

/// A stored mail as the mailer takes it. The file name is the outbox id
/// and kind: no personal data.
fn rendered(mail: &OutboxMail, from: &str) -> RenderedMail {
    RenderedMail {
        name: format!("{}-{:08}-{}", mail.created_at, mail.id, mail.kind),
        envelope_from: from.to_string(),
        envelope_to: vec![mail.recipient.clone()],
        subject: mail.subject.clone(),
        eml: mail.body_eml.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_secs(0), 60);
        assert_eq!(backoff_secs(1), 120);
        assert_eq!(backoff_secs(3), 480);
        assert_eq!(backoff_secs(9), 3600);
    }
}
