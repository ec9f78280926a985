//! The staff and admin pages' strings, German and English. Shared page
//! parts (layout, form errors) are in `web::i18n`.

use crate::web::Lang;

/// A staff page string. An unknown key comes back as itself, which the
/// page tests would notice.
pub fn tx(lang: Lang, key: &'static str) -> &'static str {
    let (de, en) = match key {
        "dashboard.title" => ("Termine", "Appointments"),
        "dashboard.range" => ("Heute und die nächsten 7 Tage", "Today and the next 7 days"),
        "dashboard.none" => ("Keine Termine.", "No appointments."),
        "dashboard.no_staff" => (
            "Noch keine Mitarbeitenden angelegt.",
            "No staff members yet.",
        ),
        "dashboard.admin_link" => ("Verwaltung", "Administration"),
        "col.time" => ("Zeit", "Time"),
        "col.service" => ("Leistung", "Service"),
        "col.citizen" => ("Bürger/in", "Citizen"),
        "col.status" => ("Status", "Status"),
        "col.actions" => ("Aktionen", "Actions"),
        "status.held" => ("vorgemerkt (unbestätigt)", "held (unconfirmed)"),
        "status.confirmed" => ("bestätigt", "confirmed"),
        "status.waiting" => ("wartet", "waiting"),
        "status.in_call" => ("im Gespräch", "in call"),
        "status.done" => ("erledigt", "done"),
        "status.no_show" => ("nicht erschienen", "no-show"),
        "status.cancelled" => ("abgesagt", "cancelled"),
        "action.join" => ("Als Gastgeber beitreten", "Join as host"),
        "action.no_show" => ("Nicht erschienen", "Mark no-show"),
        "action.done" => ("Erledigt", "Mark done"),
        "action.cancel" => ("Absagen", "Cancel"),
        "action.retry" => ("Erneut versuchen", "Retry"),
        "feed.heading" => ("Kalender-Abo (.ics)", "Calendar feed (.ics)"),
        "feed.new" => ("Neuen Kalender-Link erzeugen", "New calendar link"),
        "feed.hint" => (
            "Ein neuer Link macht den alten ungültig. Der Feed enthält keine Daten der Bürgerinnen und Bürger.",
            "A new link stops the old one. The feed holds no citizen data.",
        ),
        "feed.title" => ("Neuer Kalender-Link", "New calendar link"),
        "feed.text" => (
            "Abonnieren Sie diesen Link in Ihrem Kalenderprogramm. Er wird nur jetzt angezeigt; behandeln Sie ihn wie ein Passwort.",
            "Subscribe to this link in your calendar app. It is shown only now; treat it like a password.",
        ),
        "back" => ("Zurück zur Übersicht", "Back to the overview"),
        "cancel.title" => ("Termin absagen", "Cancel the appointment"),
        "cancel.text" => (
            "Der Termin wird abgesagt und die Bürgerin oder der Bürger erhält eine Absage per E-Mail.",
            "The appointment is cancelled and the citizen gets a cancellation e-mail.",
        ),
        "cancel.confirm" => ("Ja, absagen", "Yes, cancel"),
        "cancel.done" => (
            "Der Termin wurde abgesagt.",
            "The appointment was cancelled.",
        ),
        "bulk.heading" => ("Tage absagen", "Cancel days"),
        "bulk.days" => ("Anzahl Tage", "Number of days"),
        "bulk.days_hint" => (
            "1 für einen Schließtag; mehr, wenn der Standort länger geschlossen ist.",
            "1 for a closed day; more when the office closes for longer.",
        ),
        "bulk.bad_days" => (
            "Bitte eine Anzahl Tage von 1 bis 366 angeben.",
            "Please give a number of days from 1 to 366.",
        ),
        "bulk.office" => ("Standort", "Office"),
        "bulk.staff" => ("Nur für", "Only for"),
        "bulk.everyone" => ("alle Mitarbeitenden", "all staff"),
        "bulk.date" => ("Datum (JJJJ-MM-TT)", "Date (YYYY-MM-DD)"),
        "bulk.check" => ("Weiter zur Bestätigung", "Continue to confirmation"),
        "bulk.confirm_title" => ("Tag absagen", "Cancel the day"),
        "bulk.count" => ("Betroffene Termine:", "Appointments affected:"),
        "bulk.confirm" => (
            "Ja, alle absagen und benachrichtigen",
            "Yes, cancel all and notify",
        ),
        "bulk.done" => ("Abgesagte Termine:", "Appointments cancelled:"),
        "bulk.mails" => ("Absagen per E-Mail:", "Cancellation e-mails:"),
        "bulk.bad_date" => (
            "Bitte ein Datum als JJJJ-MM-TT angeben, nicht in der Vergangenheit.",
            "Please give a date as YYYY-MM-DD, not in the past.",
        ),
        "bulk.bad_office" => ("Bitte einen Standort wählen.", "Please choose an office."),
        "failed.mails" => ("Nicht zugestellte E-Mails", "Undelivered e-mails"),
        "failed.deliveries" => (
            "Nicht zugestellte Webhook-Aufrufe",
            "Undelivered webhook calls",
        ),
        "failed.none" => ("Keine.", "None."),
        "failed.kind" => ("Art", "Kind"),
        "failed.subject" => ("Betreff", "Subject"),
        "failed.attempts" => ("Versuche", "Attempts"),
        "failed.error" => ("Letzter Fehler", "Last error"),
        "failed.event" => ("Ereignis", "Event"),
        "failed.webhook" => ("Webhook", "Webhook"),
        "failed.state" => ("Stand", "State"),
        "failed.pending" => ("wird wiederholt", "will be retried"),
        "failed.failed" => ("aufgegeben", "given up"),
        "retry.done" => ("Erneut eingereiht.", "Queued again."),
        _ => (key, key),
    };
    lang.pick(de, en)
}
