//! The booking form and its submission: validate, limit, check the proof
//! of work and the rules, hold the slot (the store settles races), queue
//! the "please confirm" mail, and redirect to "check your e-mail" (PRG).
//!
//! Any refusal re-renders the form with the entered values and a clear
//! message, and changes nothing.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, TimeDelta, Utc};
use civicmeet_booking::{Refusal, Slot, alternatives, check_booking};
use civicmeet_mail::MailKind;
use civicmeet_store::{HoldRequest, StoreError, TokenPurpose, TokenSubject};
use maud::{Markup, html};
use serde::Deserialize;

use super::catalog::{ServiceRules, service_rules};
use super::dates::{self, from_unix};
use super::events::{self, Event};
use super::pow::PowError;
use crate::state::AppState;
use crate::web::form::{FormErrors, InputKind, TextField, checkbox, error_summary};
use crate::web::{Lang, Page, PageContext, PageError, csrf, layout};

pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 254;
pub const MAX_PHONE: usize = 40;

#[derive(Deserialize)]
pub struct StartQuery {
    start: Option<i64>,
}

/// What the form sends. Every field is a string so that a wrong type
/// becomes a message on the form, not a bare 422.
#[derive(Deserialize, Default, Clone)]
pub struct BookingForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub nonce: String,
}

/// `GET /book/services/{id}/form?start=<unix>`
pub async fn show(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let now = super::now();
    let rules = service_rules(&state.store, id, now)
        .await?
        .ok_or(PageError::NotFound)?;
    let Some(start) = query.start else {
        return Ok(Redirect::to(&format!("/book/services/{id}")).into_response());
    };
    let form = BookingForm {
        start: start.to_string(),
        ..BookingForm::default()
    };
    render(
        &state,
        &ctx,
        &rules,
        &form,
        &FormErrors::default(),
        None,
        now,
    )
    .map(IntoResponse::into_response)
}

/// `POST /book/services/{id}/form`
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    parts: Parts,
    Form(form): Form<BookingForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let now = super::now();
    let runtime = &state.booking;
    if let Some(ip) = super::client_ip(&parts)
        && let Err(retry_after_secs) = runtime.limiter.check(ip, now.timestamp_millis())
    {
        return Err(PageError::TooManyRequests { retry_after_secs });
    }
    let rules = service_rules(&state.store, id, now)
        .await?
        .ok_or(PageError::NotFound)?;
    let lang = ctx.lang;

    let (mut errors, valid) = validate(lang, &form, now);
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return rerender(&state, &ctx, &rules, &form, &errors, None, now);
    };
    if let Err(e) = runtime
        .pow
        .verify(&form.challenge, form.nonce.trim(), now.timestamp())
    {
        errors.add("pow", pow_message(lang, e));
        return rerender(&state, &ctx, &rules, &form, &errors, None, now);
    }
    let open = state
        .store
        .count_open_bookings_for_email(&valid.email, now.timestamp())
        .await?;
    if open >= i64::from(runtime.settings.max_open_bookings_per_email) {
        errors.add("email", lang.pick(
            "Für diese E-Mail-Adresse gibt es schon die höchste Zahl offener Termine. Bitte sagen Sie erst einen ab.",
            "This e-mail address already has the most open appointments allowed. Please cancel one first.",
        ));
        return rerender(&state, &ctx, &rules, &form, &errors, None, now);
    }

    let bookings = rules.active_bookings(&state.store, now).await?;
    let assignment = match check_booking(&rules.rules(), &bookings, now, valid.start, None) {
        Ok(a) => a,
        Err(refusal) => {
            let taken = refusal == Refusal::Taken;
            errors.add("start", refusal_message(lang, &refusal));
            let near = alternatives(&rules.rules(), &bookings, now, valid.start, 5, None);
            let near =
                Some(near).filter(|_| taken || !matches!(refusal, Refusal::TooFarAhead { .. }));
            return rerender(&state, &ctx, &rules, &form, &errors, near, now);
        }
    };
    let hold_expires = now + TimeDelta::minutes(i64::from(runtime.settings.hold_minutes));
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
            citizen_name: valid.name.clone(),
            citizen_email: valid.email.clone(),
            citizen_phone: valid.phone.clone(),
            locale: lang.code().into(),
            hold_expires_at: hold_expires.timestamp(),
            now: now.timestamp(),
        })
        .await;
    let appointment = match held {
        Ok(a) => a,
        Err(StoreError::SlotTaken) => {
            errors.add("start", refusal_message(lang, &Refusal::Taken));
            // Someone else just won; their hold is in the store now.
            let bookings = rules.active_bookings(&state.store, now).await?;
            let near = alternatives(&rules.rules(), &bookings, now, valid.start, 5, None);
            return rerender(&state, &ctx, &rules, &form, &errors, Some(near), now);
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(service = rules.record.id, "slot held");

    let token = state
        .store
        .issue_token(
            TokenPurpose::Confirm,
            &TokenSubject::Appointment(appointment.id.clone()),
            hold_expires.timestamp(),
        )
        .await?;
    let kind = MailKind::PleaseConfirm {
        confirm_url: runtime.link(&format!("/book/confirm/{token}")),
        expires_at: hold_expires.with_timezone(&rules.office.time_zone),
    };
    let queued = super::mails::enqueue(
        &state.store,
        &runtime.sender,
        &appointment,
        &rules,
        &kind,
        now,
    )
    .await;
    if let Err(error) = queued {
        // No mail, no way to confirm: give the slot back at once rather
        // than hold it for nobody. The likely cause is an address the
        // mail library refuses although it passed our shape check.
        state
            .store
            .cancel_appointment(&appointment.id, now.timestamp())
            .await?;
        tracing::warn!(error = ?error, "hold released: the confirmation mail cannot be written");
        errors.add(
            "email",
            lang.pick(
                "An diese E-Mail-Adresse können wir nicht schreiben. Bitte prüfen Sie sie.",
                "We cannot write to this e-mail address. Please check it.",
            ),
        );
        return rerender(&state, &ctx, &rules, &form, &errors, None, now);
    }
    events::emit(&state.store, Event::Booked(&appointment), now.timestamp()).await;
    Ok(Redirect::to("/book/sent").into_response())
}

/// `GET /book/sent`: check your e-mail.
pub async fn sent(State(state): State<AppState>, ctx: PageContext) -> Markup {
    let lang = ctx.lang;
    let title = lang.pick(
        "Bitte bestätigen Sie per E-Mail",
        "Please confirm by e-mail",
    );
    let minutes = state.booking.settings.hold_minutes;
    layout::render(
        &ctx,
        super::page(
            title,
            html! {
                h1 { (title) }
                p { (lang.pick(
                    "Wir haben Ihnen eine E-Mail mit einem Bestätigungslink geschickt. Ihr Termin ist erst gebucht, wenn Sie ihn bestätigen.",
                    "We have sent you an e-mail with a confirmation link. Your appointment is only booked once you confirm it.")) }
                p { (lang.pick("Der Termin wird ", "The appointment is held for "))
                    (minutes)
                    (lang.pick(" Minuten für Sie freigehalten.", " minutes.")) }
            },
        ),
    )
}

/// The checked form.
struct Valid {
    start: DateTime<Utc>,
    name: String,
    email: String,
    phone: Option<String>,
}

fn validate(lang: Lang, form: &BookingForm, now: DateTime<Utc>) -> (FormErrors, Option<Valid>) {
    let mut errors = FormErrors::default();
    let start = form
        .start
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0));
    match start {
        None => errors.add(
            "start",
            lang.pick(
                "Bitte wählen Sie einen Termin aus der Liste.",
                "Please choose an appointment from the list.",
            ),
        ),
        Some(s) if s <= now => errors.add(
            "start",
            lang.pick(
                "Dieser Termin liegt in der Vergangenheit. Bitte wählen Sie einen anderen.",
                "This appointment is in the past. Please choose another one.",
            ),
        ),
        Some(_) => {}
    }
    let name = form.name.trim();
    if name.is_empty() {
        errors.add(
            "name",
            lang.pick("Bitte geben Sie Ihren Namen an.", "Please enter your name."),
        );
    } else if name.chars().count() > MAX_NAME {
        errors.add(
            "name",
            lang.pick(
                "Der Name darf höchstens 100 Zeichen lang sein.",
                "The name may be at most 100 characters long.",
            ),
        );
    } else if name.chars().any(char::is_control) {
        errors.add(
            "name",
            lang.pick(
                "Der Name enthält unzulässige Zeichen.",
                "The name contains characters that are not allowed.",
            ),
        );
    }
    let email = form.email.trim();
    if email.is_empty() {
        errors.add(
            "email",
            lang.pick(
                "Bitte geben Sie Ihre E-Mail-Adresse an.",
                "Please enter your e-mail address.",
            ),
        );
    } else if email.len() > MAX_EMAIL || !looks_like_email(email) {
        errors.add(
            "email",
            lang.pick(
                "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@example.org.",
                "Please enter a valid e-mail address, for example name@example.org.",
            ),
        );
    }
    let phone = form.phone.trim();
    if phone.chars().count() > MAX_PHONE
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-/()".contains(c))
    {
        errors.add("phone", lang.pick(
            "Bitte geben Sie die Telefonnummer nur mit Ziffern, Leerzeichen und + - / ( ) an (höchstens 40 Zeichen).",
            "Please enter the phone number with digits, spaces and + - / ( ) only (at most 40 characters)."));
    }
    if form.consent != "yes" {
        errors.add(
            "consent",
            lang.pick(
                "Bitte bestätigen Sie, dass Sie den Datenschutzhinweis gelesen haben.",
                "Please confirm that you have read the privacy notice.",
            ),
        );
    }
    let valid = start.map(|start| Valid {
        start,
        name: name.to_string(),
        email: email.to_string(),
        phone: (!phone.is_empty()).then(|| phone.to_string()),
    });
    (errors, valid)
}

/// A plausible address: one `@`, something before, a dotted domain after,
/// no spaces or angle brackets. The confirmation mail proves the rest.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let forbidden = |c: char| c.is_control() || c.is_whitespace() || "@<>,;\"()[]\\".contains(c);
    !local.is_empty()
        && local.len() <= 64
        && !local.chars().any(forbidden)
        && !domain.chars().any(forbidden)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

fn pow_message(lang: Lang, error: PowError) -> &'static str {
    match error {
        PowError::TooFast => lang.pick(
            "Das Formular wurde sehr schnell gesendet. Bitte prüfen Sie Ihre Angaben und senden Sie es in einigen Sekunden noch einmal.",
            "The form was sent very quickly. Please check your details and send it again in a few seconds."),
        _ => lang.pick(
            "Die Sicherheitsprüfung des Formulars ist abgelaufen. Bitte senden Sie es noch einmal.",
            "The form's security check has expired. Please send it again."),
    }
}

pub fn refusal_message(lang: Lang, refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::Taken => lang.pick(
            "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen, zum Beispiel einen dieser:",
            "This appointment has just been taken. Please choose another one, for example one of these:"),
        Refusal::TooSoon { .. } => lang.pick(
            "Dieser Termin ist zu kurzfristig oder liegt in der Vergangenheit. Bitte wählen Sie einen späteren.",
            "This appointment is too soon or in the past. Please choose a later one."),
        Refusal::TooFarAhead { .. } => lang.pick(
            "So weit im Voraus kann noch nicht gebucht werden.",
            "It is not yet possible to book this far ahead."),
        _ => lang.pick(
            "Zu dieser Zeit wird kein Termin angeboten. Bitte wählen Sie einen aus der Liste.",
            "No appointment is offered at this time. Please choose one from the list."),
    }
}

fn rerender(
    state: &AppState,
    ctx: &PageContext,
    rules: &ServiceRules,
    form: &BookingForm,
    errors: &FormErrors,
    alternatives: Option<Vec<Slot>>,
    now: DateTime<Utc>,
) -> Result<Response, PageError> {
    let page = render(state, ctx, rules, form, errors, alternatives, now)?;
    // 409 when the slot went to someone else, else 400: the input is wrong.
    let taken = refusal_message(ctx.lang, &Refusal::Taken);
    let status = if errors.for_field("start") == Some(taken) {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    Ok((status, page).into_response())
}

/// The form page, with the entered values and any errors.
fn render(
    state: &AppState,
    ctx: &PageContext,
    rules: &ServiceRules,
    form: &BookingForm,
    errors: &FormErrors,
    alternatives: Option<Vec<Slot>>,
    now: DateTime<Utc>,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let zone = rules.office.time_zone;
    let pow = &state.booking.pow;
    let challenge = pow
        .issue(now.timestamp())
        .ok_or_else(|| PageError::Internal("the system random number generator failed".into()))?;
    let id = rules.record.id;
    let start = form.start.trim().parse::<i64>().ok().map(from_unix);
    let title = lang.pick("Ihre Angaben", "Your details");
    let field = |name, label, kind, value, required, autocomplete, max_len| TextField {
        name,
        label,
        kind,
        value,
        required,
        hint: None,
        autocomplete,
        max_len,
    };
    Ok(layout::render(
        ctx,
        Page {
            title,
            styles: &["booking.css"],
            scripts: &["pow.js"],
            body: html! {
                h1 { (title) }
                (error_summary(lang, errors))
                dl class="summary" {
                    dt { (lang.pick("Anliegen", "Service")) } dd { (rules.record.name) }
                    dt { (lang.pick("Dienststelle", "Office")) } dd { (rules.office.name) }
                    dt id="start" tabindex="-1" { (lang.pick("Termin", "Appointment")) }
                    dd { @if let Some(start) = start { (dates::full(lang, start, zone)) } @else { "–" } }
                }
                @if let Some(slots) = &alternatives {
                    @if slots.is_empty() {
                        p { a href={ "/book/services/" (id) } { (lang.pick("Alle freien Termine ansehen", "See all free appointments")) } }
                    } @else {
                        h2 { (lang.pick("Andere freie Termine", "Other free appointments")) }
                        ul class="slots" {
                            @for slot in slots {
                                li { a class="slot" href={ "/book/services/" (id) "/form?start=" (slot.start.timestamp()) } {
                                    (dates::full(lang, slot.start, zone))
                                } }
                            }
                        }
                    }
                }
                @if errors.has("pow") { p id="pow" class="field-error" tabindex="-1" { (errors.for_field("pow").unwrap_or_default()) } }
                form method="post" action={ "/book/services/" (id) "/form" } class="booking-form"
                    data-pow-challenge=(challenge) data-pow-bits=(pow.bits()) novalidate {
                    (csrf::hidden_field(&ctx.csrf))
                    input type="hidden" name="start" value=(form.start);
                    input type="hidden" name="challenge" value=(challenge);
                    input type="hidden" name="nonce" value="" data-pow-nonce;
                    (field("name", lang.pick("Name", "Name"), InputKind::Text, &form.name, true, "name", MAX_NAME).render(lang, errors))
                    (field("email", lang.pick("E-Mail-Adresse", "E-mail address"), InputKind::Email, &form.email, true, "email", MAX_EMAIL).render(lang, errors))
                    (field("phone", lang.pick("Telefonnummer", "Phone number"), InputKind::Tel, &form.phone, false, "tel", MAX_PHONE).render(lang, errors))
                    h2 { (lang.pick("Datenschutz", "Privacy")) }
                    p { (lang.pick(
                        "Wir speichern Ihren Namen, Ihre E-Mail-Adresse und Ihre Telefonnummer nur, um den Termin durchzuführen. Nicht bestätigte Buchungen löschen wir nach Ablauf der Reservierung. Video und Ton werden nicht aufgezeichnet und verlassen diesen Server nicht.",
                        "We store your name, e-mail address and phone number only to hold the appointment. Unconfirmed bookings are deleted when the hold expires. Video and audio are not recorded and do not leave this server.")) }
                    (checkbox("consent", html! { (lang.pick(
                        "Ich habe den Datenschutzhinweis gelesen und bin einverstanden.",
                        "I have read the privacy notice and agree.")) }, form.consent == "yes", errors))
                    p class="note" data-pow-status aria-live="polite" {}
                    button type="submit" class="primary" { (lang.pick("Termin reservieren", "Reserve appointment")) }
                }
                p { a href={ "/book/services/" (id) } { (lang.pick("Anderen Termin wählen", "Choose another time")) } }
            },
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for good in ["a@b.de", "erika.muster+termin@example.org"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.de", "a@@b.de", "a b@c.de", "a@b.de>", "<a@b.de", "a@.de", "a@b.",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
