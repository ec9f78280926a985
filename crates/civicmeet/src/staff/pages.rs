//! The dashboard's actions as HTML: confirmation pages for what cannot be
//! undone (cancel one, cancel a day), and the POST handlers behind the
//! buttons. Every POST checks the CSRF token first; the work itself is in
//! [`super::actions`], shared with the REST API.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use civicmeet_store::LinkRole;
use maud::html;
use serde::Deserialize;

use super::actions;
use super::dashboard::notice;
use super::texts::tx;
use crate::api::error::ApiError;
use crate::api::feed;
use crate::api::hours::{now, stored_zone, today_in};
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Page, PageContext, PageError, csrf, layout};

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The form, or a 400 page (no form of ours sends anything else).
fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, PageError> {
    form.map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// An API error as a page error: unknown records are 404, a wrong status
/// is shown as "not found" too (the appointment is gone for this action).
fn page_error(e: ApiError) -> PageError {
    match e {
        ApiError::NotFound { .. } | ApiError::Conflict(_) => PageError::NotFound,
        ApiError::Internal(detail) => PageError::Internal(detail),
        _ => PageError::BadRequest("invalid request"),
    }
}

fn valid_appointment_id(id: &str) -> Result<(), PageError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

/// `GET /staff/appointments/{id}/cancel`: are you sure?
pub async fn cancel_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    valid_appointment_id(&id)?;
    let appointment = state
        .store
        .appointment(&id)
        .await?
        .ok_or(PageError::NotFound)?;
    let lang = ctx.lang;
    let title = tx(lang, "cancel.title");
    let body = html! {
        h1 { (title) }
        p { (appointment.citizen_name) " · " (local_start(&state, &appointment).await?) }
        p { (tx(lang, "cancel.text")) }
        form method="post" action={ "/staff/appointments/" (id) "/cancel" } {
            (csrf::hidden_field(&ctx.csrf))
            button type="submit" { (tx(lang, "cancel.confirm")) }
        }
        p { a href="/staff" { (tx(lang, "back")) } }
    };
    Ok(layout::render(&ctx, Page::new(title, body)).into_response())
}

/// When the appointment starts, in its office's zone (`YYYY-MM-DD HH:MM`).
async fn local_start(
    state: &AppState,
    appointment: &civicmeet_store::Appointment,
) -> Result<String, PageError> {
    let zone = match state.store.service(appointment.service_id).await? {
        Some(service) => state
            .store
            .office(service.office_id)
            .await?
            .map_or(chrono_tz::Europe::Berlin, |o| stored_zone(&o.time_zone)),
        None => chrono_tz::Europe::Berlin,
    };
    Ok(
        chrono::DateTime::<chrono::Utc>::from_timestamp(appointment.starts_at, 0)
            .unwrap_or_default()
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    )
}

/// The checks every appointment action's POST starts with: its form's
/// CSRF token, and an id that can be an appointment's.
fn posted_for_appointment(
    ctx: &PageContext,
    submitted: Result<Form<CsrfForm>, FormRejection>,
    id: &str,
) -> Result<(), PageError> {
    ctx.check_csrf(&form(submitted)?.csrf)?;
    valid_appointment_id(id)
}

/// `POST /staff/appointments/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    posted_for_appointment(&ctx, submitted, &id)?;
    actions::cancel(&state, &id).await.map_err(page_error)?;
    let lang = ctx.lang;
    Ok(notice(
        &ctx,
        tx(lang, "cancel.title"),
        html! { p role="status" { (tx(lang, "cancel.done")) } },
    )
    .into_response())
}

/// `POST /staff/appointments/{id}/no-show`
pub async fn no_show(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    posted_for_appointment(&ctx, submitted, &id)?;
    actions::no_show(&state, &id).await.map_err(page_error)?;
    Ok(Redirect::to("/staff"))
}

/// `POST /staff/appointments/{id}/host`: a fresh host link to the
/// appointment's meeting, and there. The case worker enters as host, so
/// without waiting, and admits the citizen.
pub async fn host(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    posted_for_appointment(&ctx, submitted, &id)?;
    let appointment = state
        .store
        .appointment(&id)
        .await?
        .ok_or(PageError::NotFound)?;
    let meeting = appointment
        .meeting_id
        .as_deref()
        .and_then(crate::meeting_id::MeetingId::parse)
        .ok_or(PageError::NotFound)?;
    let key = state
        .store
        .issue_meeting_link(&meeting.to_string(), LinkRole::Host, now())
        .await?;
    Ok(Redirect::to(&format!("{}#{key}", meeting.url_path())))
}

/// `POST /staff/appointments/{id}/done`
pub async fn done(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<String>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    posted_for_appointment(&ctx, submitted, &id)?;
    actions::done(&state, &id).await.map_err(page_error)?;
    Ok(Redirect::to("/staff"))
}

/// `POST /staff/staff/{id}/feed-link`: shows the new link once.
pub async fn feed_link(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(staff_id): Path<i64>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form(submitted)?.csrf)?;
    state
        .store
        .staff(staff_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let url = feed::new_link(&state, staff_id).await.map_err(page_error)?;
    let lang = ctx.lang;
    Ok(notice(
        &ctx,
        tx(lang, "feed.title"),
        html! {
            p { (tx(lang, "feed.text")) }
            p { code { (url) } }
        },
    )
    .into_response())
}

/// `POST /staff/mails/{id}/retry`
pub async fn retry_mail(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    ctx.check_csrf(&form(submitted)?.csrf)?;
    match state.store.retry_mail(id, now()).await {
        Ok(()) => Ok(Redirect::to("/staff")),
        Err(civicmeet_store::StoreError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /staff/deliveries/{id}/retry`
pub async fn retry_delivery(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    ctx.check_csrf(&form(submitted)?.csrf)?;
    match state.store.retry_delivery(id, now()).await {
        Ok(()) => {
            state.deliveries.wake();
            Ok(Redirect::to("/staff"))
        }
        Err(civicmeet_store::StoreError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DayForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub staff: String,
    #[serde(default)]
    pub date: String,
    /// How many days from `date`; empty is 1.
    #[serde(default)]
    pub days: String,
}

/// A checked bulk cancellation request.
struct Day {
    office: civicmeet_store::Office,
    staff: Option<i64>,
    date: NaiveDate,
    days: u32,
}

async fn check_day(state: &AppState, form: &DayForm) -> Result<Result<Day, FormErrors>, PageError> {
    let mut errors = FormErrors::default();
    let office = match form.office.parse::<i64>() {
        Ok(id) => state.store.office(id).await?,
        Err(_) => None,
    };
    let Some(office) = office else {
        errors.add("office", "bulk.bad_office");
        return Ok(Err(errors));
    };
    let staff = match form.staff.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => match state.store.staff(id).await? {
                Some(s) if s.office_id == office.id => Some(id),
                _ => return Err(PageError::BadRequest("invalid staff member")),
            },
            Err(_) => return Err(PageError::BadRequest("invalid staff member")),
        },
    };
    let today = today_in(stored_zone(&office.time_zone));
    let days = match form.days.trim() {
        "" => Some(1),
        text => text
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=actions::MAX_BULK_DAYS).contains(d)),
    };
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= today);
    if date.is_none() {
        errors.add("date", "bulk.bad_date");
    }
    if days.is_none() {
        errors.add("days", "bulk.bad_days");
    }
    match (date, days) {
        (Some(date), Some(days)) => Ok(Ok(Day {
            office,
            staff,
            date,
            days,
        })),
        _ => Ok(Err(errors)),
    }
}

/// Translates the message keys of a bulk form's errors.
fn translated(ctx: &PageContext, errors: FormErrors) -> FormErrors {
    FormErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                e.message = tx(ctx.lang, e.message);
                e
            })
            .collect(),
    )
}

/// `GET /staff/cancel-day?office=&staff=&date=`: how many, are you sure?
pub async fn cancel_day_page(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<DayForm>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let title = tx(lang, "bulk.confirm_title");
    let day = match check_day(&state, &query).await? {
        Ok(day) => day,
        Err(errors) => {
            let errors = translated(&ctx, errors);
            let body = html! {
                h1 { (title) }
                (error_summary(lang, &errors))
                p { a href="/staff#bulk-heading" { (tx(lang, "back")) } }
            };
            return Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                layout::render(&ctx, Page::new(title, body)),
            )
                .into_response());
        }
    };
    let tz = stored_zone(&day.office.time_zone);
    let (from, to) = actions::days_bounds(tz, day.date, day.days);
    let count = state
        .store
        .active_appointments_in_office(day.office.id, from, to, now())
        .await?
        .into_iter()
        .filter(|a| day.staff.is_none_or(|s| s == a.staff_id))
        .count();
    let body = html! {
        h1 { (title) }
        p { (day.office.name) " · " (day.date.format("%Y-%m-%d")) " · " (tx(lang, "bulk.days")) " " (day.days) }
        p { (tx(lang, "bulk.count")) " " strong { (count) } }
        p { (tx(lang, "cancel.text")) }
        form method="post" action="/staff/cancel-day" {
            (csrf::hidden_field(&ctx.csrf))
            input type="hidden" name="office" value=(day.office.id);
            input type="hidden" name="staff" value=(day.staff.map(|s| s.to_string()).unwrap_or_default());
            input type="hidden" name="date" value=(day.date.format("%Y-%m-%d"));
            input type="hidden" name="days" value=(day.days);
            button type="submit" { (tx(lang, "bulk.confirm")) }
        }
        p { a href="/staff" { (tx(lang, "back")) } }
    };
    Ok(layout::render(&ctx, Page::new(title, body)).into_response())
}

/// `POST /staff/cancel-day`
pub async fn cancel_day(
    State(state): State<AppState>,
    ctx: PageContext,
    submitted: Result<Form<DayForm>, FormRejection>,
) -> Result<Response, PageError> {
    let submitted = form(submitted)?;
    ctx.check_csrf(&submitted.csrf)?;
    let day = check_day(&state, &submitted)
        .await?
        .map_err(|_| PageError::BadRequest("invalid day"))?;
    let outcome = actions::cancel_day(&state, day.office.id, day.date, day.days, day.staff)
        .await
        .map_err(page_error)?;
    let lang = ctx.lang;
    Ok(notice(
        &ctx,
        tx(lang, "bulk.confirm_title"),
        html! {
            p role="status" { (tx(lang, "bulk.done")) " " (outcome.cancelled) }
            p { (tx(lang, "bulk.mails")) " " (outcome.mails_queued) }
        },
    )
    .into_response())
}
