//! `GET /admin/audit`: the audit log, newest first, fifty entries a page
//! (`?before=<id>` for older ones). Times are shown in Europe/Berlin,
//! meeting ids only by their first eight characters (a full id is a
//! capability).

use axum::extract::{Query, State};
use chrono::TimeZone;
use civicmeet_store::{AuditAction, AuditQuery};
use maud::{Markup, html};
use serde::Deserialize;

use crate::state::AppState;
use crate::web::{Lang, Page, PageContext, PageError, layout};

const PAGE: u32 = 50;

#[derive(Debug, Deserialize)]
pub struct AuditPageQuery {
    before: Option<i64>,
}

fn label(lang: Lang, action: AuditAction) -> &'static str {
    use AuditAction::*;
    let (de, en) = match action {
        Login => ("Anmeldung", "Login"),
        LoginFailed => ("Anmeldung fehlgeschlagen", "Login failed"),
        AccountLocked => ("Konto vorübergehend gesperrt", "Account locked"),
        Logout => ("Abmeldung", "Logout"),
        AccountCreated => ("Konto angelegt", "Account created"),
        AccountUpdated => ("Konto geändert", "Account changed"),
        RoleChanged => ("Rolle geändert", "Role changed"),
        PasswordChanged => ("Passwort geändert", "Password changed"),
        AccountDisabled => ("Konto gesperrt", "Account disabled"),
        AccountEnabled => ("Konto entsperrt", "Account enabled"),
        PinFailed => ("PIN falsch", "Wrong PIN"),
        PinAccepted => ("PIN richtig", "PIN accepted"),
        Admitted => ("Eingelassen", "Admitted"),
        Rejected => ("Abgewiesen", "Rejected"),
        Removed => ("Entfernt", "Removed"),
        SentToWaitingRoom => ("In den Warteraum geschickt", "Sent to the waiting room"),
        Muted => ("Stummgeschaltet", "Muted"),
        MeetingLocked => ("Besprechung abgeschlossen", "Meeting locked"),
        MeetingUnlocked => ("Besprechung geöffnet", "Meeting unlocked"),
        MeetingEnded => ("Besprechung beendet", "Meeting ended"),
        Resumed => ("Wieder verbunden", "Reconnected"),
        DialOut => ("Raumsystem angerufen", "Called a room system"),
    };
    lang.pick(de, en)
}

/// `GET /admin/audit`
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<AuditPageQuery>,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let entries = state
        .store
        .audit_entries(&AuditQuery {
            before_id: query.before,
            meeting: None,
            limit: PAGE,
        })
        .await?;
    let berlin = chrono_tz::Europe::Berlin;
    let when = |at: i64| {
        berlin
            .timestamp_opt(at, 0)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let title = lang.pick("Protokoll", "Audit log");
    let older = (entries.len() == PAGE as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let body = html! {
        h1 { (title) }
        p class="hint" { (lang.pick(
            "Wer wann was getan hat; ohne Inhalte. Zeiten in Europe/Berlin.",
            "Who did what, when; no content. Times in Europe/Berlin.")) }
        @if entries.is_empty() { p { (lang.pick("Keine Einträge.", "No entries.")) } } @else {
            table {
                thead { tr {
                    th scope="col" { (lang.pick("Zeit", "Time")) }
                    th scope="col" { (lang.pick("Wer", "Who")) }
                    th scope="col" { (lang.pick("Was", "What")) }
                    th scope="col" { (lang.pick("Betrifft", "Subject")) }
                    th scope="col" { (lang.pick("Besprechung", "Meeting")) }
                    th scope="col" { (lang.pick("Ergebnis", "Detail")) }
                } }
                tbody { @for e in &entries { tr {
                    td { (when(e.at)) }
                    td { (e.actor) }
                    td { (label(lang, e.action)) }
                    td { (e.subject.as_deref().unwrap_or("")) }
                    td { (e.meeting.as_deref().map(|m| m.chars().take(8).collect::<String>()).unwrap_or_default()) }
                    td { (e.detail.as_deref().unwrap_or("")) }
                } } }
            }
        }
        @if let Some(id) = older {
            p { a href={ "/admin/audit?before=" (id) } { (lang.pick("Ältere Einträge", "Older entries")) } }
        }
        p { a href="/admin" { (lang.pick("Zurück zur Verwaltung", "Back to the administration")) } }
    };
    Ok(layout::render(&ctx, Page::new(title, body)))
}
