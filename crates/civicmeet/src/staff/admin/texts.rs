//! The admin pages' strings, German and English: labels, and one message
//! per form field that says what the field accepts (used when the shared
//! API checks refuse it).

use crate::web::Lang;

pub fn ax(lang: Lang, key: &'static str) -> &'static str {
    let (de, en) = match key {
        "admin.title" => ("Verwaltung", "Administration"),
        "admin.dashboard" => ("Zur Terminübersicht", "To the appointments"),
        "offices" => ("Standorte", "Offices"),
        "services" => ("Leistungen", "Services"),
        "staff" => ("Mitarbeitende", "Staff"),
        "webhooks" => ("Webhooks", "Webhooks"),
        "new.office" => ("Neuer Standort", "New office"),
        "new.service" => ("Neue Leistung", "New service"),
        "new.staff" => ("Neue Mitarbeiterin / neuer Mitarbeiter", "New staff member"),
        "new.webhook" => ("Neuer Webhook", "New webhook"),
        "edit" => ("Bearbeiten", "Edit"),
        "save" => ("Speichern", "Save"),
        "delete" => ("Löschen", "Delete"),
        "none" => ("Noch keine.", "None yet."),
        "saved" => ("Gespeichert.", "Saved."),
        "back" => ("Zurück zur Verwaltung", "Back to the administration"),
        "label.name" => ("Name", "Name"),
        "label.time_zone" => ("Zeitzone", "Time zone"),
        "label.hours" => ("Öffnungszeiten", "Opening hours"),
        "label.staff_hours" => ("Arbeitszeiten", "Working hours"),
        "hint.hours" => (
            "Je Wochentag Zeitspannen wie 08:00-12:00, 13:00-16:00; leer heißt geschlossen.",
            "Per weekday spans like 08:00-12:00, 13:00-16:00; empty means closed.",
        ),
        "day.monday" => ("Montag", "Monday"),
        "day.tuesday" => ("Dienstag", "Tuesday"),
        "day.wednesday" => ("Mittwoch", "Wednesday"),
        "day.thursday" => ("Donnerstag", "Thursday"),
        "day.friday" => ("Freitag", "Friday"),
        "day.saturday" => ("Samstag", "Saturday"),
        "day.sunday" => ("Sonntag", "Sunday"),
        "label.closing_days" => ("Schließtage", "Closing days"),
        "hint.closing_days" => (
            "Ein Tag pro Zeile: JJJJ-MM-TT und eine Bezeichnung, z. B. 2026-12-24 Heiligabend.",
            "One day per line: YYYY-MM-DD and a label, e.g. 2026-12-24 Christmas Eve.",
        ),
        "label.office" => ("Standort", "Office"),
        "label.description" => ("Beschreibung", "Description"),
        "label.duration" => ("Dauer (Minuten)", "Duration (minutes)"),
        "label.buffer_before" => ("Puffer davor (Minuten)", "Buffer before (minutes)"),
        "label.buffer_after" => ("Puffer danach (Minuten)", "Buffer after (minutes)"),
        "label.min_notice" => ("Mindestvorlauf (Minuten)", "Minimum notice (minutes)"),
        "label.horizon" => (
            "Buchbar bis (Tage im Voraus)",
            "Bookable up to (days ahead)",
        ),
        "label.seats" => ("Plätze je Termin", "Seats per slot"),
        "label.interval" => ("Taktung (Minuten)", "Slot interval (minutes)"),
        "label.documents" => ("Mitzubringende Unterlagen", "Documents to bring"),
        "hint.documents" => ("Eine Unterlage pro Zeile.", "One document per line."),
        "label.service_staff" => ("Angeboten von", "Offered by"),
        "label.display_name" => ("Angezeigter Name", "Display name"),
        "label.email" => ("E-Mail-Adresse", "E-mail address"),
        "label.active" => (
            "Aktiv (bekommt neue Termine)",
            "Active (gets new appointments)",
        ),
        "label.exceptions" => (
            "Abwesenheiten und andere Zeiten",
            "Absences and other hours",
        ),
        "hint.exceptions" => (
            "Eine pro Zeile: 2026-12-24 abwesend (ganzer Tag), 2026-12-23 10:00-14:00 abwesend, oder 2026-12-27 10:00-14:00 (andere Arbeitszeit).",
            "One per line: 2026-12-24 absent (whole day), 2026-12-23 10:00-14:00 absent, or 2026-12-27 10:00-14:00 (other working hours).",
        ),
        "label.url" => ("Adresse (URL)", "Address (URL)"),
        "label.secret" => ("Geheimnis für die Signatur", "Signing secret"),
        "hint.secret" => (
            "Mindestens 16 Zeichen. Leer lassen: beim Anlegen wird eines erzeugt, beim Bearbeiten bleibt das alte.",
            "At least 16 characters. Leave empty: one is generated on create, the old one is kept on edit.",
        ),
        "label.events" => ("Ereignisse", "Events"),
        "event.booked" => ("gebucht", "booked"),
        "event.confirmed" => ("bestätigt", "confirmed"),
        "event.cancelled" => ("abgesagt", "cancelled"),
        "event.rescheduled" => ("umgebucht", "rescheduled"),
        "webhook.secret_once" => (
            "Das Geheimnis wird nur jetzt angezeigt:",
            "The secret is shown only now:",
        ),
        // Field messages.
        "name" => (
            "Bitte einen Namen angeben (höchstens 200 Zeichen, eine Zeile).",
            "Please give a name (at most 200 characters, one line).",
        ),
        "time_zone" => ("Bitte eine Zeitzone wählen.", "Please choose a time zone."),
        "hours" => (
            "Bitte Zeiten wie 08:00-12:00 angeben, Beginn vor Ende, ohne Überschneidung.",
            "Please give times like 08:00-12:00, start before end, without overlap.",
        ),
        "closing_days" => (
            "Bitte Schließtage als JJJJ-MM-TT Bezeichnung angeben, nicht in der Vergangenheit.",
            "Please give closing days as YYYY-MM-DD label, not in the past.",
        ),
        "office" => (
            "Bitte einen vorhandenen Standort wählen.",
            "Please choose an existing office.",
        ),
        "description" => (
            "Die Beschreibung ist zu lang (höchstens 4000 Zeichen).",
            "The description is too long (at most 4000 characters).",
        ),
        "duration" => (
            "Bitte eine Dauer von 1 bis 1440 Minuten angeben.",
            "Please give a duration of 1 to 1440 minutes.",
        ),
        "buffer_before" => (
            "Bitte 0 bis 1440 Minuten angeben.",
            "Please give 0 to 1440 minutes.",
        ),
        "buffer_after" => (
            "Bitte 0 bis 1440 Minuten angeben.",
            "Please give 0 to 1440 minutes.",
        ),
        "min_notice" => (
            "Bitte 0 bis 525600 Minuten angeben.",
            "Please give 0 to 525600 minutes.",
        ),
        "horizon" => (
            "Bitte 1 bis 730 Tage angeben.",
            "Please give 1 to 730 days.",
        ),
        "seats" => (
            "Bitte 1 bis 100 Plätze angeben.",
            "Please give 1 to 100 seats.",
        ),
        "interval" => (
            "Bitte 1 bis 1440 Minuten angeben.",
            "Please give 1 to 1440 minutes.",
        ),
        "documents" => (
            "Bitte höchstens 50 Unterlagen mit je höchstens 300 Zeichen angeben.",
            "Please give at most 50 documents of at most 300 characters each.",
        ),
        "service_staff" => (
            "Bitte nur Mitarbeitende dieses Standorts wählen.",
            "Please choose only staff of this office.",
        ),
        "display_name" => (
            "Bitte einen Namen angeben (höchstens 200 Zeichen, eine Zeile).",
            "Please give a name (at most 200 characters, one line).",
        ),
        "email" => (
            "Bitte eine gültige E-Mail-Adresse angeben.",
            "Please give a valid e-mail address.",
        ),
        "exceptions" => (
            "Bitte je Zeile ein Datum (nicht in der Vergangenheit), optional Zeiten und „abwesend“ angeben.",
            "Please give one date per line (not in the past), optionally times and \"absent\".",
        ),
        "url" => (
            "Bitte eine http://- oder https://-Adresse angeben.",
            "Please give an http:// or https:// address.",
        ),
        "secret" => (
            "Das Geheimnis muss 16 bis 200 Zeichen lang sein.",
            "The secret must be 16 to 200 characters long.",
        ),
        "events" => (
            "Bitte mindestens ein Ereignis wählen.",
            "Please choose at least one event.",
        ),
        "number" => (
            "Bitte eine ganze Zahl angeben.",
            "Please give a whole number.",
        ),
        "generic" => ("Bitte die Angaben prüfen.", "Please check the input."),
        _ => (key, key),
    };
    lang.pick(de, en)
}
