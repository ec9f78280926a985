//! The booking mails, rendered at enqueue time (civicmeet-mail) in the
//! citizen's language and stored in the outbox; the jobs task sends them.

use chrono::{DateTime, Utc};
use civicmeet_mail::{Citizen, MailKind, Sender};
use civicmeet_store::{Appointment, NewMail, Store};

use super::catalog::ServiceRules;
use super::dates::from_unix;
use crate::web::{Lang, PageError};

/// Who sends, from `mail.from` (`Name <address>` or a bare address) and
/// the public URL's host (for calendar UIDs and Message-IDs).
pub fn sender(from: &str, public_url: &str) -> Sender {
    let (name, email) = match from.split_once('<') {
        Some((name, rest)) => (
            name.trim().trim_matches('"').to_string(),
            rest.trim_end().trim_end_matches('>').trim().to_string(),
        ),
        None => ("civicmeet".to_string(), from.trim().to_string()),
    };
    let host = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost")
        .to_string();
    Sender {
        name: if name.is_empty() {
            "civicmeet".into()
        } else {
            name
        },
        email,
        host,
    }
}

/// The mail crate's view of a stored appointment.
pub fn mail_appointment(
    appointment: &Appointment,
    rules: &ServiceRules,
    sender: &Sender,
) -> civicmeet_mail::Appointment {
    let zone = rules.office.time_zone;
    civicmeet_mail::Appointment {
        id: appointment.id.clone(),
        sequence: u32::try_from(appointment.sequence).unwrap_or(0),
        start: from_unix(appointment.starts_at).with_timezone(&zone),
        end: from_unix(appointment.ends_at).with_timezone(&zone),
        service: rules.record.name.clone(),
        office: civicmeet_mail::Office {
            name: rules.office.name.clone(),
            address: String::new(),
            // Replies go to the sender address until offices have their own.
            email: sender.email.clone(),
        },
        citizen: Citizen {
            name: appointment.citizen_name.clone(),
            email: appointment.citizen_email.clone(),
            locale: Lang::from_code(&appointment.locale)
                .unwrap_or_default()
                .mail_locale(),
        },
        documents: rules.record.documents.clone(),
    }
}

/// Renders `kind` about `appointment` and queues it.
pub async fn enqueue(
    store: &Store,
    sender: &Sender,
    appointment: &Appointment,
    rules: &ServiceRules,
    kind: &MailKind,
    now: DateTime<Utc>,
) -> Result<(), PageError> {
    let mail = civicmeet_mail::render(
        kind,
        &mail_appointment(appointment, rules, sender),
        sender,
        now,
    )
    .map_err(|e| PageError::Internal(format!("cannot render the {} mail: {e}", kind.name())))?;
    store
        .enqueue_mail(
            &NewMail {
                appointment_id: Some(appointment.id.clone()),
                recipient: appointment.citizen_email.clone(),
                kind: kind.name().to_string(),
                subject: mail.subject,
                body_eml: mail.eml,
            },
            now.timestamp(),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_from_config() {
        let s = sender("civicmeet <noreply@localhost>", "http://127.0.0.1:8080");
        assert_eq!(
            (s.name.as_str(), s.email.as_str(), s.host.as_str()),
            ("civicmeet", "noreply@localhost", "127.0.0.1")
        );
        let s = sender("termine@example.org", "https://termine.example.org/");
        assert_eq!(s.email, "termine@example.org");
        assert_eq!(s.host, "termine.example.org");
    }
}
