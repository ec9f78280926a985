//! The links of a confirmed appointment: join, cancel, rebook, and the
//! calendar file.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicmeet_booking::{Refusal, alternatives, check_booking, free_slots};
use civicmeet_mail::MailKind;
use civicmeet_store::{HoldRequest, StoreError, TokenPurpose};
use maud::{Markup, html};
use serde::Deserialize;

use super::confirm::{CsrfForm, confirmed_page, details, open_appointment, resolve};
use super::dates::{self, from_unix};
use super::events::{self, Event};
use super::form::refusal_message;
use super::slots::{Week, week_view};
use crate::meeting_id::MeetingId;
use crate::state::AppState;
use crate::web::{Page, PageContext, PageError, csrf, layout};

/// Every link of an appointment, revoked when it is cancelled.
const LINKS: [TokenPurpose; 3] = [
    TokenPurpose::Join,
    TokenPurpose::Cancel,
    TokenPurpose::Rebook,
];

/// `GET /a/{token}`: the join link leads to the appointment's meeting,
/// with the same token as the meeting link's key (after `#`, so the page
/// sends it only over the meeting socket). The citizen enters as a guest
/// and waits until the case worker admits them.
pub async fn join(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Redirect, PageError> {
    let (appointment, _) = resolve(&state, &token, TokenPurpose::Join, super::now()).await?;
    let meeting = appointment
        .meeting_id
        .as_deref()
        .and_then(MeetingId::parse)
        .ok_or(PageError::NotFound)?;
    Ok(Redirect::to(&format!("{}#{token}", meeting.url_path())))
}

/// `GET /book/ics/{join token}`: the invitation as a file.
pub async fn ics(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let now = super::now();
    let (appointment, rules) = resolve(&state, &token, TokenPurpose::Join, now).await?;
    let runtime = &state.booking;
    let mail = super::mails::mail_appointment(&appointment, &rules, &runtime.sender);
    let join = runtime.link(&format!("/a/{token}"));
    let event = civicmeet_mail::ics::Event {
        uid: civicmeet_mail::ics::uid(&appointment.id, &runtime.sender.host),
        sequence: mail.sequence,
        dtstamp: now,
        start: mail.start,
        end: mail.end,
        cancelled: false,
        summary: format!("{} – {}", rules.record.name, rules.office.name),
        description: join.clone(),
        location: Some(join.clone()),
        url: Some(join),
        organizer: civicmeet_mail::ics::Party {
            name: rules.office.name.clone(),
            email: runtime.sender.email.clone(),
        },
        attendee: civicmeet_mail::ics::Party {
            name: appointment.citizen_name.clone(),
            email: appointment.citizen_email.clone(),
        },
    };
    let body = civicmeet_mail::ics::calendar(None, &[event]);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"termin.ics\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /book/cancel/{token}`
pub async fn cancel_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
) -> Result<Markup, PageError> {
    let (appointment, rules) = resolve(&state, &token, TokenPurpose::Cancel, super::now()).await?;
    let lang = ctx.lang;
    let title = lang.pick("Termin absagen", "Cancel the appointment");
    Ok(layout::render(
        &ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                (details(lang, &appointment, &rules))
                form method="post" action={ "/book/cancel/" (token) } {
                    (csrf::hidden_field(&ctx.csrf))
                    button type="submit" class="danger" { (lang.pick("Termin verbindlich absagen", "Cancel the appointment")) }
                }
            },
        ),
    ))
}

/// `POST /book/cancel/{token}`
pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Markup, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let now = super::now();
    let (appointment, rules) = resolve(&state, &token, TokenPurpose::Cancel, now).await?;
    not_started(&appointment, now)?;
    let cancelled = match state
        .store
        .cancel_appointment(&appointment.id, now.timestamp())
        .await
    {
        Ok(a) => a,
        Err(StoreError::WrongStatus { .. }) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    state.store.revoke_tokens(&cancelled.id, &LINKS).await?;
    let rebook_url = Some(
        state
            .booking
            .link(&format!("/book/services/{}", rules.record.id)),
    );
    super::mails::enqueue(
        &state.store,
        &state.booking.sender,
        &cancelled,
        &rules,
        &MailKind::Cancelled { rebook_url },
        now,
    )
    .await?;
    events::emit(&state.store, Event::Cancelled(&cancelled), now.timestamp()).await;
    tracing::info!(
        service = rules.record.id,
        "appointment cancelled by the citizen"
    );
    let lang = ctx.lang;
    let title = lang.pick("Termin abgesagt", "Appointment cancelled");
    Ok(layout::render(
        &ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                p { (lang.pick("Ihr Termin ist abgesagt. Sie erhalten eine Bestätigung per E-Mail.",
                               "Your appointment is cancelled. You will receive a confirmation by e-mail.")) }
                p { a href={ "/book/services/" (rules.record.id) } { (lang.pick("Neuen Termin buchen", "Book a new appointment")) } }
            },
        ),
    ))
}

/// Cancel and rebook links work until the appointment starts; after that
/// it is the case worker's to close (no-show, done).
fn not_started(
    appointment: &civicmeet_store::Appointment,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PageError> {
    if appointment.starts_at <= now.timestamp() {
        Err(PageError::NotFound)
    } else {
        Ok(())
    }
}

#[derive(Deserialize)]
pub struct RebookQuery {
    week: Option<String>,
    start: Option<i64>,
}

/// `GET /book/rebook/{token}`: free slots of the same service.
pub async fn rebook_slots(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
    Query(query): Query<RebookQuery>,
) -> Result<Markup, PageError> {
    let now = super::now();
    let (appointment, rules) = resolve(&state, &token, TokenPurpose::Rebook, now).await?;
    let lang = ctx.lang;
    let week = Week::of(&rules, now, query.week.as_deref());
    let bookings = rules.active_bookings(&state.store, now).await?;
    let slots = free_slots(&rules.rules(), &bookings, now, week.monday..=week.sunday());
    let title = lang.pick("Termin verschieben", "Move the appointment");
    let base = format!("/book/rebook/{token}");
    Ok(layout::render(
        &ctx,
        Page {
            title,
            styles: &["booking.css"],
            scripts: &[],
            body: html! {
                h1 { (title) }
                p { (lang.pick("Bisheriger Termin: ", "Current appointment: "))
                    (dates::full(lang, from_unix(appointment.starts_at), rules.office.time_zone)) }
                (week_view(lang, &rules, &week, &slots, &base, |slot| {
                    format!("/book/rebook/{token}/slot?start={}", slot.start.timestamp())
                }))
            },
        },
    ))
}

/// `GET /book/rebook/{token}/slot?start=<unix>`: confirm the move.
pub async fn rebook_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
    Query(query): Query<RebookQuery>,
) -> Result<Markup, PageError> {
    let now = super::now();
    let (appointment, rules) = resolve(&state, &token, TokenPurpose::Rebook, now).await?;
    let start = query.start.ok_or(PageError::NotFound)?;
    let lang = ctx.lang;
    let zone = rules.office.time_zone;
    let title = lang.pick("Termin verschieben", "Move the appointment");
    Ok(layout::render(
        &ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                dl class="summary" {
                    dt { (lang.pick("Bisher", "Currently")) } dd { (dates::full(lang, from_unix(appointment.starts_at), zone)) }
                    dt { (lang.pick("Neu", "New")) } dd { (dates::full(lang, from_unix(start), zone)) }
                }
                form method="post" action={ "/book/rebook/" (token) "/slot" } {
                    (csrf::hidden_field(&ctx.csrf))
                    input type="hidden" name="start" value=(start);
                    button type="submit" class="primary" { (lang.pick("Termin verschieben", "Move the appointment")) }
                }
            },
        ),
    ))
}

#[derive(Deserialize)]
pub struct RebookForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start: String,
}

/// `POST /book/rebook/{token}/slot`: hold the new slot first (so a taken
/// slot leaves the old appointment alone), confirm it at once (the link
/// proves the address), then cancel the old one.
pub async fn rebook(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(token): Path<String>,
    Form(form): Form<RebookForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let now = super::now();
    let (old, rules) = resolve(&state, &token, TokenPurpose::Rebook, now).await?;
    not_started(&old, now)?;
    let lang = ctx.lang;
    let start = form
        .start
        .parse::<i64>()
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .ok_or(PageError::BadRequest(lang.pick(
            "Bitte wählen Sie einen Termin aus der Liste.",
            "Please choose an appointment from the list.",
        )))?;
    let bookings = rules.active_bookings(&state.store, now).await?;
    let taken = |refusal: Refusal| {
        let near = alternatives(&rules.rules(), &bookings, now, start, 5, None);
        let zone = rules.office.time_zone;
        let title = lang.pick("Termin nicht verfügbar", "Appointment not available");
        let page = layout::render(
            &ctx,
            super::page(
                title,
                html! {
                    h1 { (title) }
                    p role="alert" { (refusal_message(lang, &refusal)) }
                    ul class="slots" { @for slot in &near {
                        li { a class="slot" href={ "/book/rebook/" (token) "/slot?start=" (slot.start.timestamp()) } {
                            (dates::full(lang, slot.start, zone))
                        } }
                    } }
                },
            ),
        );
        (StatusCode::CONFLICT, page).into_response()
    };
    let assignment = match check_booking(&rules.rules(), &bookings, now, start, None) {
        Ok(a) => a,
        Err(refusal) => return Ok(taken(refusal)),
    };
    let held = state
        .store
        .hold_slot(&HoldRequest {
            service_id: rules.record.id,
            staff_id: assignment.staff.0,
            starts_at: assignment.start.timestamp(),
            ends_at: assignment.end.timestamp(),
            block_start: assignment.block_start.timestamp(),
            block_end: assignment.block_end.timestamp(),
            seats_per_slot: i32::try_from(assignment.seats_per_slot).unwrap_or(i32::MAX),
            citizen_name: old.citizen_name.clone(),
            citizen_email: old.citizen_email.clone(),
            citizen_phone: old.citizen_phone.clone(),
            locale: old.locale.clone(),
            hold_expires_at: now.timestamp() + 60,
            now: now.timestamp(),
        })
        .await;
    let new = match held {
        Ok(a) => a,
        Err(StoreError::SlotTaken) => return Ok(taken(Refusal::Taken)),
        Err(e) => return Err(e.into()),
    };
    let new = state.store.confirm_hold(&new.id, now.timestamp()).await?;
    let old = match state
        .store
        .cancel_appointment(&old.id, now.timestamp())
        .await
    {
        Ok(a) => a,
        Err(e) => {
            // The old one was cancelled meanwhile (staff, another tab):
            // release the new hold rather than book twice.
            let _ = state
                .store
                .cancel_appointment(&new.id, now.timestamp())
                .await;
            return Err(match e {
                StoreError::WrongStatus { .. } => PageError::NotFound,
                e => e.into(),
            });
        }
    };
    state.store.revoke_tokens(&old.id, &LINKS).await?;
    super::mails::enqueue(
        &state.store,
        &state.booking.sender,
        &old,
        &rules,
        &MailKind::Cancelled { rebook_url: None },
        now,
    )
    .await?;
    let (new, links) = open_appointment(&state, new, &rules, now).await?;
    events::emit(
        &state.store,
        Event::Rescheduled {
            old: &old,
            new: &new,
        },
        now.timestamp(),
    )
    .await;
    tracing::info!(
        service = rules.record.id,
        "appointment moved by the citizen"
    );
    Ok(confirmed_page(&ctx, &new, &rules, &links).into_response())
}
