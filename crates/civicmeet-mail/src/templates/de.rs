//! German texts, formal address ("Sie").

use chrono::DateTime;
use chrono_tz::Tz;

use super::{Texts, View, bullet_list, span};
use crate::appointment::MailKind;

/// "Dienstag, 31. März 2026"
pub(super) fn day(at: DateTime<Tz>) -> String {
    crate::dates::long_date(crate::Locale::De, at.date_naive())
}

/// "10:00"
pub(super) fn time(at: DateTime<Tz>) -> String {
    at.format("%H:%M").to_string()
}

/// The German names of the zone abbreviations an office will have.
fn zone(at: DateTime<Tz>) -> String {
    match at.format("%Z").to_string().as_str() {
        "CET" => "MEZ".to_owned(),
        "CEST" => "MESZ".to_owned(),
        other => other.to_owned(),
    }
}

fn when(view: &View<'_>) -> String {
    format!(
        "{} Uhr ({})",
        span(view.start, view.end, day, time),
        zone(view.start)
    )
}

/// "31.03.2026, 10:00 Uhr", short enough for a subject line.
fn short(at: DateTime<Tz>) -> String {
    at.format("%d.%m.%Y, %H:%M Uhr").to_string()
}

fn greeting(view: &View<'_>) -> String {
    format!("Guten Tag {},\n\n", view.citizen_name)
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
    let mut s = format!("Mit freundlichen Grüßen\n{}\n", view.office_name);
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
            "Bitte halten Sie für den Termin bereit:\n{}\n",
            bullet_list(view.documents)
        )
    }
}

const HOW_TO_JOIN: &str = "Öffnen Sie zum Termin diesen Link. Zuerst prüfen Sie Kamera, \
Mikrofon und Lautsprecher, dann warten Sie im Warteraum, bis die Sachbearbeitung \
Sie hereinlässt:";

pub(super) fn texts(kind: &MailKind, view: &View<'_>) -> Texts {
    let calendar_summary = format!("Video-Termin: {} ({})", view.service, view.office_name);
    match kind {
        MailKind::PleaseConfirm {
            confirm_url,
            expires_at,
        } => Texts {
            subject: format!(
                "Bitte bestätigen: {} am {}",
                view.service,
                short(view.start)
            ),
            body: format!(
                "{}Sie haben einen Video-Termin angefragt:\n\n{}\
                 Bitte bestätigen Sie den Termin mit diesem Link:\n\n{confirm_url}\n\n\
                 Der Link gilt bis {}, {} Uhr. Ohne Bestätigung wird der Termin danach \
                 wieder freigegeben.\n\n\
                 Wenn Sie diesen Termin nicht angefragt haben, müssen Sie nichts tun.\n\n{}",
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
                "Terminbestätigung: {} am {}",
                view.service,
                short(view.start)
            ),
            body: format!(
                "{}Ihr Video-Termin ist bestätigt:\n\n{}{HOW_TO_JOIN}\n\n{}\n\n{}\
                 Termin absagen: {}\nTermin verschieben: {}\n\n\
                 Die Einladung im Anhang können Sie in Ihren Kalender übernehmen.\n\n{}",
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
            subject: format!("Erinnerung: {} am {}", view.service, short(view.start)),
            body: format!(
                "{}wir erinnern Sie an Ihren Video-Termin:\n\n{}{HOW_TO_JOIN}\n\n{}\n\n{}\
                 Falls Sie nicht teilnehmen können, sagen Sie bitte ab: {}\n\n{}",
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
                .map(|url| format!("Einen neuen Termin können Sie hier buchen:\n\n{url}\n\n"))
                .unwrap_or_default();
            Texts {
                subject: format!("Termin abgesagt: {} am {}", view.service, short(view.start)),
                body: format!(
                    "{}Ihr Video-Termin wurde abgesagt:\n\n{}{rebook}\
                     Der Kalendereintrag im Anhang entfernt den Termin aus Ihrem Kalender.\n\n{}",
                    greeting(view),
                    summary_block(view),
                    signature(view)
                ),
                calendar_description: format!("Abgesagt: {}", view.service),
                calendar_summary: format!("Abgesagt: {calendar_summary}"),
            }
        }
    }
}

fn calendar_description(view: &View<'_>, join: &str, cancel: &str) -> String {
    let mut text = format!(
        "{} bei {}\n\nZum Termin: {join}\nAbsagen: {cancel}\n",
        view.service, view.office_name
    );
    if !view.documents.is_empty() {
        text.push_str("\nBitte bereithalten:\n");
        text.push_str(&bullet_list(view.documents));
    }
    text
}
