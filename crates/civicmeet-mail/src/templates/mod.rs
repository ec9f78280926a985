//! The words of the mails, in German (`de.rs`) and English (`en.rs`).
//!
//! Each language turns a [`View`] (inputs already validated and single-line
//! where they must be) into [`Texts`]: subject, plain-text body, and the
//! calendar entry's summary and description. Dates are formatted here too,
//! with our own month and weekday names, since chrono's locale support is
//! an unstable feature and we need only two languages.

mod de;
mod en;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::appointment::{Locale, MailKind};

/// What the templates may show. Links come from `MailKind`.
pub(crate) struct View<'a> {
    pub citizen_name: &'a str,
    pub service: &'a str,
    pub office_name: &'a str,
    /// Postal address lines.
    pub office_address: &'a [String],
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub documents: &'a [String],
}

/// The localized parts of one mail.
pub(crate) struct Texts {
    pub subject: String,
    pub body: String,
    pub calendar_summary: String,
    pub calendar_description: String,
}

pub(crate) fn texts(locale: Locale, kind: &MailKind, view: &View<'_>) -> Texts {
    match locale {
        Locale::De => de::texts(kind, view),
        Locale::En => en::texts(kind, view),
    }
}

/// The name of the attached calendar file.
pub(crate) fn ics_file_name(locale: Locale) -> &'static str {
    match locale {
        Locale::De => "termin.ics",
        Locale::En => "appointment.ics",
    }
}

/// `- item` lines for a list in a plain-text body.
fn bullet_list(items: &[String]) -> String {
    items.iter().map(|item| format!("- {item}\n")).collect()
}

/// Both ends on the same day: "<day>, 10:00–10:30"; otherwise both in full.
/// `day` and `time` are the language's formatters.
fn span(
    start: DateTime<Tz>,
    end: DateTime<Tz>,
    day: fn(DateTime<Tz>) -> String,
    time: fn(DateTime<Tz>) -> String,
) -> String {
    if start.date_naive() == end.date_naive() {
        format!("{}, {}–{}", day(start), time(start), time(end))
    } else {
        format!(
            "{}, {} – {}, {}",
            day(start),
            time(start),
            day(end),
            time(end)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointment::Links;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn view<'a>(address: &'a [String], documents: &'a [String]) -> View<'a> {
        View {
            citizen_name: "Erika Mustermann",
            service: "Wohngeld-Beratung",
            office_name: "Bürgeramt Mitte",
            office_address: address,
            start: Berlin
                .with_ymd_and_hms(2026, 3, 31, 10, 0, 0)
                .single()
                .expect("valid"),
            end: Berlin
                .with_ymd_and_hms(2026, 3, 31, 10, 30, 0)
                .single()
                .expect("valid"),
            documents,
        }
    }

    fn links() -> Links {
        Links {
            join: "https://t.example/j/J".into(),
            cancel: "https://t.example/c/C".into(),
            rebook: "https://t.example/r/R".into(),
        }
    }

    #[test]
    fn dates_are_written_in_each_language() {
        let address = vec!["Rathausplatz 1".to_owned()];
        let v = view(&address, &[]);
        let kind = MailKind::Reminder { links: links() };
        let de = texts(Locale::De, &kind, &v);
        assert!(
            de.body
                .contains("Dienstag, 31. März 2026, 10:00–10:30 Uhr (MESZ)"),
            "{}",
            de.body
        );
        let en = texts(Locale::En, &kind, &v);
        assert!(
            en.body
                .contains("Tuesday, 31 March 2026, 10:00–10:30 (CEST)"),
            "{}",
            en.body
        );
    }

    #[test]
    fn every_kind_in_every_language_names_its_links() {
        let address = vec!["Rathausplatz 1".to_owned(), "10115 Berlin".to_owned()];
        let documents = vec!["Personalausweis".to_owned(), "Mietvertrag".to_owned()];
        let v = view(&address, &documents);
        let expires = v.start - chrono::Duration::days(2);
        let kinds = [
            (
                MailKind::PleaseConfirm {
                    confirm_url: "https://t.example/k/K".into(),
                    expires_at: expires,
                },
                vec!["https://t.example/k/K"],
            ),
            (
                MailKind::Confirmed { links: links() },
                vec![
                    "https://t.example/j/J",
                    "https://t.example/c/C",
                    "https://t.example/r/R",
                ],
            ),
            (
                MailKind::Reminder { links: links() },
                vec!["https://t.example/j/J", "https://t.example/c/C"],
            ),
            (
                MailKind::Cancelled {
                    rebook_url: Some("https://t.example/r/R".into()),
                },
                vec!["https://t.example/r/R"],
            ),
        ];
        for locale in [Locale::De, Locale::En] {
            for (kind, wanted) in &kinds {
                let t = texts(locale, kind, &v);
                for link in wanted {
                    assert!(
                        t.body.contains(link),
                        "{locale:?} {} lacks {link}",
                        kind.name()
                    );
                }
                assert!(t.body.contains("Erika Mustermann"));
                assert!(t.body.contains("10115 Berlin"));
                assert!(t.subject.contains("Wohngeld-Beratung"));
                assert!(!t.subject.contains('\n'));
                if matches!(kind, MailKind::Confirmed { .. } | MailKind::Reminder { .. }) {
                    assert!(t.body.contains("- Mietvertrag\n"), "{}", t.body);
                    assert!(t.calendar_description.contains("https://t.example/j/J"));
                }
            }
        }
    }

    #[test]
    fn a_span_across_midnight_names_both_days() {
        let start = Berlin
            .with_ymd_and_hms(2026, 3, 31, 23, 30, 0)
            .single()
            .expect("valid");
        let text = span(start, start + chrono::Duration::hours(1), de::day, de::time);
        assert_eq!(
            text,
            "Dienstag, 31. März 2026, 23:30 – Mittwoch, 1. April 2026, 00:30"
        );
    }
}
