//! The login pages' and account pages' strings, German and English.

use crate::web::Lang;

pub fn tx(lang: Lang, key: &'static str) -> &'static str {
    let (de, en) = match key {
        "login.title" => ("Anmeldung für Mitarbeitende", "Staff login"),
        "login.name" => ("Anmeldename", "Login name"),
        "login.password" => ("Passwort", "Password"),
        "login.submit" => ("Anmelden", "Log in"),
        "login.failed" => (
            "Die Anmeldung ist fehlgeschlagen. Entweder stimmen Anmeldename oder Passwort \
             nicht, oder die Anmeldung ist nach zu vielen Fehlversuchen vorübergehend \
             gesperrt. Bitte versuchen Sie es in einigen Minuten erneut.",
            "Login failed. Either the login name or the password is wrong, or logging in \
             is blocked for a while after too many failed attempts. Please try again in a \
             few minutes.",
        ),
        "login.or" => ("oder", "or"),
        "login.oidc" => (
            "Mit Ihrer Organisation anmelden",
            "Log in with your organisation",
        ),
        "login.citizen" => (
            "Bürgerinnen und Bürger brauchen kein Konto: Termine buchen Sie ohne Anmeldung.",
            "Citizens need no account: appointments are booked without logging in.",
        ),
        "logout" => ("Abmelden", "Log out"),
        "signed_in_as" => ("Angemeldet als", "Logged in as"),
        "forbidden.title" => ("Keine Berechtigung", "Not allowed"),
        "forbidden.text" => (
            "Ihr Konto darf diese Seite nicht öffnen.",
            "Your account may not open this page.",
        ),
        "oidc.failed.title" => ("Anmeldung nicht möglich", "Login not possible"),
        "oidc.failed" => (
            "Die Anmeldung über Ihre Organisation ist fehlgeschlagen oder abgelaufen. \
             Bitte versuchen Sie es erneut.",
            "Logging in through your organisation failed or expired. Please try again.",
        ),
        "oidc.no_role" => (
            "Ihr Konto bei Ihrer Organisation hat keine Rolle in civicmeet. Bitte wenden \
             Sie sich an die Verwaltung.",
            "Your organisation account has no role in civicmeet. Please ask your \
             administrator.",
        ),
        "oidc.disabled" => (
            "Dieses Konto ist gesperrt. Bitte wenden Sie sich an die Verwaltung.",
            "This account is disabled. Please ask your administrator.",
        ),
        "back_to_login" => ("Zurück zur Anmeldung", "Back to the login"),
        _ => (key, key),
    };
    lang.pick(de, en)
}
