//! The language of server-rendered pages, and the strings the shared page
//! parts (layout, forms, error pages) need.
//!
//! German is the administration's language and the default; English is
//! the other one. Areas keep their own strings next to their pages with
//! [`Lang::pick`] (as `booking/form.rs` or `staff/texts.rs` do), so this
//! table only holds what every page shares.

use std::fmt;

/// A language a page can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    /// `de` or `en`: for `<html lang>`, the cookie and the store's locale.
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// Exactly `de` or `en` (a query parameter or cookie value).
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header we have, by the
    /// order of the header's q-values; `None` if it names neither.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            let lang = if primary.eq_ignore_ascii_case("de") {
                Lang::De
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            if quality <= 0.0 {
                continue;
            }
            // Higher quality wins; on a tie the earlier entry.
            let better = best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p));
            if better {
                best = Some((quality, position, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    /// The German or the English text: how areas write their own tables.
    pub fn pick<T>(self, de: T, en: T) -> T {
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }

    /// The mail crate's locale for the same language.
    pub fn mail_locale(self) -> civicmeet_mail::Locale {
        match self {
            Lang::De => civicmeet_mail::Locale::De,
            Lang::En => civicmeet_mail::Locale::En,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string of the shared page parts. An unknown key comes back as itself,
/// which a test of the page would notice.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    let (de, en) = match key {
        "site.name" => ("civicmeet", "civicmeet"),
        "layout.skip" => ("Zum Inhalt springen", "Skip to content"),
        "layout.home" => ("civicmeet – Startseite", "civicmeet – home page"),
        "layout.switch" => ("English", "Deutsch"),
        "layout.switch_label" => ("Switch to English", "Auf Deutsch wechseln"),
        "form.summary_heading" => (
            "Bitte korrigieren Sie die folgenden Angaben:",
            "Please correct the following:",
        ),
        "form.required" => ("Pflichtfeld", "required"),
        "form.optional" => ("optional", "optional"),
        "form.csrf" => (
            "Das Formular ist abgelaufen oder wurde nicht von dieser Seite gesendet. Bitte laden Sie die Seite neu und senden Sie es noch einmal. Cookies müssen erlaubt sein.",
            "The form has expired or was not sent from this page. Please reload the page and send it again. Cookies must be allowed.",
        ),
        "error.not_found.title" => ("Seite nicht gefunden", "Page not found"),
        "error.not_found.text" => (
            "Diese Seite gibt es nicht, oder der Link ist nicht mehr gültig.",
            "This page does not exist, or the link is no longer valid.",
        ),
        "error.bad_request.title" => ("Ungültige Anfrage", "Invalid request"),
        "error.forbidden.title" => ("Nicht erlaubt", "Not allowed"),
        "error.forbidden.text" => (
            "Ihr Konto darf diese Seite nicht öffnen.",
            "Your account may not open this page.",
        ),
        "error.too_many.title" => ("Zu viele Anfragen", "Too many requests"),
        "error.too_many.text" => (
            "Sie haben in kurzer Zeit zu viele Anfragen gesendet. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.",
            "You have sent too many requests in a short time. Please wait a moment and try again.",
        ),
        "error.internal.title" => ("Ein Fehler ist aufgetreten", "Something went wrong"),
        "error.internal.text" => (
            "Auf dem Server ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.",
            "An error occurred on the server. Please try again later.",
        ),
        "error.home" => ("Zur Startseite", "Go to the start page"),
        _ => (key, key),
    };
    lang.pick(de, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_quality_then_order() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr, de;q=0.5, en;q=0.4"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("de;q=0.3, en;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, it"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, de-AT"), Some(Lang::De));
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn every_shared_key_is_translated() {
        for key in ["layout.skip", "form.csrf", "error.internal.text"] {
            assert_ne!(t(Lang::De, key), key);
            assert_ne!(t(Lang::De, key), t(Lang::En, key));
        }
    }
}
