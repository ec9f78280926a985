//! Double opt-in: the link in the "please confirm" mail opens a page with
//! a button (mail scanners follow GET links, so only the POST confirms).
//! Confirming creates the appointment's meeting, issues the join, cancel
//! and rebook links, and queues the "confirmed" mail with the invitation.

use axum::Form;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use civicmeet_mail::{Links, MailKind};
use civicmeet_store::{
    Appointment, MeetingKind, NewMeeting, StoreError, TokenPurpose, TokenSubject,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::LINK_GRACE;
use super::catalog::{ServiceRules, service_rules};
use super::dates::{self, from_unix};
use super::events::{self, Event};
use crate::meeting_id::MeetingId;
use crate::state::AppState;
use crate::web::{Lang, PageContext, PageError, csrf, layout};

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The appointment a token of `purpose` grants, with its rules.
pub async fn resolve(
    state: &AppState,
    token: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<(Appointment, ServiceRules), PageError> {
    let grant = state
        .store
        .resolve_token(token, purpose, now.timestamp())
        .await?
        .ok_or(PageError::NotFound)?;
    let TokenSubject::Appointment(id) = grant.subject else {
        return Err(PageError::NotFound);
    };
    let appointment = state
        .store
        .appointment(&id)
        .await?
        .ok_or(PageError::NotFound)?;
    let rules = service_rules(&state.store, appointment.service_id, now)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((appointment, rules))
}

/// `GET /book/confirm/{token}`
pub async fn show(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Markup, PageError> {
    let now = super::now();
    let lang = ctx.lang;
    let Ok((appointment, rules)) = resolve(&state, &token, TokenPurpose::Confirm, now).await else {
        return Ok(expired_page(&ctx));
    };
    let title = lang.pick("Termin bestätigen", "Confirm your appointment");
    Ok(layout::render(
        &ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                (details(lang, &appointment, &rules))
                form method="post" action={ "/book/confirm/" (token) } {
                    (csrf::hidden_field(&ctx.csrf))
                    button type="submit" class="primary" { (lang.pick("Termin verbindlich bestätigen", "Confirm the appointment")) }
                }
            },
        ),
    ))
}

/// `POST /book/confirm/{token}`
pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Markup, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let now = super::now();
    let Ok((appointment, rules)) = resolve(&state, &token, TokenPurpose::Confirm, now).await else {
        return Ok(expired_page(&ctx));
    };
    let appointment = match state
        .store
        .confirm_hold(&appointment.id, now.timestamp())
        .await
    {
        Ok(a) => a,
        Err(StoreError::WrongStatus { status }) if status == "confirmed" => {
            return Ok(already_confirmed_page(&ctx));
        }
        Err(StoreError::WrongStatus { .. } | StoreError::NotFound) => {
            return Ok(expired_page(&ctx));
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .revoke_tokens(&appointment.id, &[TokenPurpose::Confirm])
        .await?;
    let (appointment, links) = open_appointment(&state, appointment, &rules, now).await?;
    tracing::info!(service = rules.record.id, "appointment confirmed");
    events::emit(
        &state.store,
        Event::Confirmed(&appointment),
        now.timestamp(),
    )
    .await;
    Ok(confirmed_page(&ctx, &appointment, &rules, &links))
}

/// For a freshly confirmed appointment: its meeting, its links, and the
/// "confirmed" mail with the invitation.
pub async fn open_appointment(
    state: &AppState,
    mut appointment: Appointment,
    rules: &ServiceRules,
    now: DateTime<Utc>,
) -> Result<(Appointment, Links), PageError> {
    let meeting = MeetingId::random()?;
    // A booked appointment is a 1:1 consultation: it ends when one side
    // leaves. The citizen's join token and the case worker's host link
    // are its links (see `staff::pages::host`).
    state
        .store
        .create_meeting_with(&NewMeeting {
            kind: MeetingKind::Consultation,
            ..NewMeeting::open(&meeting.to_string(), now.timestamp())
        })
        .await?;
    state
        .store
        .set_appointment_meeting(&appointment.id, &meeting.to_string())
        .await?;
    appointment.meeting_id = Some(meeting.to_string());
    let valid_until = appointment.ends_at + LINK_GRACE.num_seconds();
    let subject = TokenSubject::Appointment(appointment.id.clone());
    let issue = async |purpose| {
        state
            .store
            .issue_token(purpose, &subject, valid_until)
            .await
    };
    let join = issue(TokenPurpose::Join).await?;
    let cancel = issue(TokenPurpose::Cancel).await?;
    let rebook = issue(TokenPurpose::Rebook).await?;
    let runtime = &state.booking;
    let links = Links {
        join: runtime.link(&format!("/a/{join}")),
        cancel: runtime.link(&format!("/book/cancel/{cancel}")),
        rebook: runtime.link(&format!("/book/rebook/{rebook}")),
    };
    super::mails::enqueue(
        &state.store,
        &runtime.sender,
        &appointment,
        rules,
        &MailKind::Confirmed {
            links: links.clone(),
        },
        now,
    )
    .await?;
    Ok((appointment, links))
}

/// What, when, where, and what to bring.
pub fn details(lang: Lang, appointment: &Appointment, rules: &ServiceRules) -> Markup {
    let zone = rules.office.time_zone;
    html! {
        dl class="summary" {
            dt { (lang.pick("Anliegen", "Service")) } dd { (rules.record.name) }
            dt { (lang.pick("Dienststelle", "Office")) } dd { (rules.office.name) }
            dt { (lang.pick("Beginn", "Start")) } dd { (dates::full(lang, from_unix(appointment.starts_at), zone)) }
            dt { (lang.pick("Ende", "End")) } dd { (dates::full(lang, from_unix(appointment.ends_at), zone)) }
            dt { (lang.pick("Name", "Name")) } dd { (appointment.citizen_name) }
        }
        @if !rules.record.documents.is_empty() {
            h2 { (lang.pick("Bitte halten Sie bereit", "Please have ready")) }
            ul { @for d in &rules.record.documents { li { (d) } } }
        }
    }
}

/// The page after confirming: the details and every link.
pub fn confirmed_page(
    ctx: &PageContext,
    appointment: &Appointment,
    rules: &ServiceRules,
    links: &Links,
) -> Markup {
    let lang = ctx.lang;
    let title = lang.pick("Ihr Termin ist gebucht", "Your appointment is booked");
    // The links are absolute (public URL); on the page they are offered
    // as they are, so they work when copied too.
    let join_token = links.join.rsplit('/').next().unwrap_or_default();
    layout::render(
        ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                p { (lang.pick("Wir haben Ihnen eine Bestätigung mit einer Kalendereinladung per E-Mail geschickt.",
                               "We have sent you a confirmation with a calendar invitation by e-mail.")) }
                (details(lang, appointment, rules))
                h2 { (lang.pick("Ihre Links", "Your links")) }
                ul class="links" {
                    li { a href=(links.join) { (lang.pick("Zum Video-Termin (Teilnahme-Link)", "Join the video appointment")) } }
                    li { a href={ "/book/ics/" (join_token) } download="termin.ics" { (lang.pick("Termin in den Kalender eintragen (.ics)", "Add to calendar (.ics)")) } }
                    li { a href=(links.rebook) { (lang.pick("Termin verschieben", "Move the appointment")) } }
                    li { a href=(links.cancel) { (lang.pick("Termin absagen", "Cancel the appointment")) } }
                }
                p class="note" { (lang.pick("Bewahren Sie die E-Mail auf: Die Links gelten nur für Sie.",
                                            "Keep the e-mail: the links are for you alone.")) }
            },
        ),
    )
}

fn expired_page(ctx: &PageContext) -> Markup {
    let lang = ctx.lang;
    let title = lang.pick("Link abgelaufen", "Link expired");
    layout::render(
        ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                p { (lang.pick(
                    "Dieser Bestätigungslink ist nicht mehr gültig. Nicht rechtzeitig bestätigte Reservierungen verfallen, und der Termin ist wieder frei.",
                    "This confirmation link is no longer valid. Reservations not confirmed in time expire, and the slot is free again.")) }
                p { a href="/book" { (lang.pick("Neuen Termin buchen", "Book a new appointment")) } }
            },
        ),
    )
}

fn already_confirmed_page(ctx: &PageContext) -> Markup {
    let lang = ctx.lang;
    let title = lang.pick("Bereits bestätigt", "Already confirmed");
    layout::render(
        ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                p { (lang.pick("Dieser Termin ist bereits bestätigt. Die Links finden Sie in der Bestätigungs-E-Mail.",
                               "This appointment is already confirmed. You will find the links in the confirmation e-mail.")) }
            },
        ),
    )
}
