//! `/admin/offices`: create and edit an office with its opening hours
//! (one text field per weekday) and closing days (one per line).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form_parts::{
    Fields, WEEKDAY_FIELDS, api_to_form, format_hours, hours_from_fields, input, lines, select,
    textarea, time_zones, translate,
};
use super::texts::ax;
use crate::api::offices::{self, ClosingDayBody, OfficeBody, OfficeInput};
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Page, PageContext, PageError, csrf, layout};

/// API field → form field (its message key is the same name).
const FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("time_zone", "time_zone"),
    ("closing_days", "closing_days"),
];

/// The form's values, as entered or as stored.
struct Values {
    name: String,
    time_zone: String,
    hours: Vec<(&'static str, String)>,
    closing_days: String,
}

impl Values {
    fn empty() -> Values {
        Values {
            name: String::new(),
            time_zone: "Europe/Berlin".into(),
            hours: WEEKDAY_FIELDS
                .iter()
                .map(|(f, _)| (*f, String::new()))
                .collect(),
            closing_days: String::new(),
        }
    }

    fn of(office: &OfficeBody) -> Values {
        Values {
            name: office.name.clone(),
            time_zone: office.time_zone.clone(),
            hours: WEEKDAY_FIELDS
                .iter()
                .map(|(f, day)| (*f, format_hours(*day, &office.hours)))
                .collect(),
            closing_days: office
                .closing_days
                .iter()
                .map(|d| format!("{} {}", d.date, d.label).trim().to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn from_form(fields: &Fields) -> Values {
        Values {
            name: fields.get("name"),
            time_zone: fields.get("time_zone"),
            hours: WEEKDAY_FIELDS
                .iter()
                .map(|(f, _)| (*f, fields.get(f)))
                .collect(),
            closing_days: fields.get("closing_days"),
        }
    }
}

fn render(
    ctx: &PageContext,
    action: &str,
    title: &str,
    values: &Values,
    errors: &FormErrors,
) -> Response {
    let lang = ctx.lang;
    let errors = translate(lang, errors.clone());
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &errors))
        form method="post" action=(action) novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (input("text", "name", ax(lang, "label.name"), &values.name, None, &errors))
            (select("time_zone", ax(lang, "label.time_zone"), &time_zones(), &values.time_zone, &errors))
            fieldset {
                legend { (ax(lang, "label.hours")) }
                p class="hint" { (ax(lang, "hint.hours")) }
                @for (field, value) in &values.hours {
                    (input("text", field, ax(lang, day_key(field)), value, None, &errors))
                }
            }
            (textarea("closing_days", ax(lang, "label.closing_days"), &values.closing_days, Some(ax(lang, "hint.closing_days")), &errors))
            button type="submit" { (ax(lang, "save")) }
        }
        p { a href="/admin" { (ax(lang, "back")) } }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, layout::render(ctx, Page::new(title, body))).into_response()
}

/// The label key of a weekday's hours field.
pub fn day_key(field: &str) -> &'static str {
    match field {
        "hours-monday" => "day.monday",
        "hours-tuesday" => "day.tuesday",
        "hours-wednesday" => "day.wednesday",
        "hours-thursday" => "day.thursday",
        "hours-friday" => "day.friday",
        "hours-saturday" => "day.saturday",
        _ => "day.sunday",
    }
}

/// The API input the form describes, and the form's own errors.
fn input_of(fields: &Fields, errors: &mut FormErrors) -> OfficeInput {
    let hours = hours_from_fields(|name| fields.get(name), errors);
    let closing_days = lines(&fields.get("closing_days"))
        .into_iter()
        .map(|line| {
            let (date, label) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
            ClosingDayBody {
                date: date.to_string(),
                label: label.trim().to_string(),
            }
        })
        .collect();
    OfficeInput {
        name: fields.get("name"),
        time_zone: fields.get("time_zone"),
        hours,
        closing_days,
    }
}

fn fields_of(submitted: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    submitted
        .map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// `GET /admin/offices/new`
pub async fn new(ctx: PageContext) -> Response {
    render(
        &ctx,
        "/admin/offices",
        ax(ctx.lang, "new.office"),
        &Values::empty(),
        &FormErrors::default(),
    )
}

/// `POST /admin/offices`
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let mut errors = FormErrors::default();
    let office_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match office_input.validate(&[]) {
            Ok(valid) => {
                let office = state
                    .store
                    .create_office(&valid.office, crate::api::hours::now())
                    .await?;
                offices::store_details(&state, office.id, &valid, &[])
                    .await
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                tracing::info!(office = office.id, "office created");
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    Ok(render(
        &ctx,
        "/admin/offices",
        ax(ctx.lang, "new.office"),
        &Values::from_form(&fields),
        &errors,
    ))
}

/// `GET /admin/offices/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let office = state.store.office(id).await?.ok_or(PageError::NotFound)?;
    let body = offices::load(&state, office)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(render(
        &ctx,
        &format!("/admin/offices/{id}"),
        &body.name.clone(),
        &Values::of(&body),
        &FormErrors::default(),
    ))
}

/// `POST /admin/offices/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let office = state.store.office(id).await?.ok_or(PageError::NotFound)?;
    let existing = state.store.closing_days(id).await?;
    let mut errors = FormErrors::default();
    let office_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match office_input.validate(&existing) {
            Ok(valid) => {
                state.store.update_office(id, &valid.office).await?;
                offices::store_details(&state, id, &valid, &existing)
                    .await
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    Ok(render(
        &ctx,
        &format!("/admin/offices/{id}"),
        &office.name,
        &Values::from_form(&fields),
        &errors,
    ))
}
