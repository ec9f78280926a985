//! `/admin/services`: create and edit a service with all its rules, the
//! documents to bring (one per line) and the staff who offer it.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form_parts::{
    Fields, api_to_form, checkboxes, input, lines, select, textarea, translate,
};
use super::texts::ax;
use crate::api::services::{self, ServiceBody, ServiceInput};
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Page, PageContext, PageError, csrf, layout};

const FIELDS: &[(&str, &str)] = &[
    ("office_id", "office"),
    ("name", "name"),
    ("description", "description"),
    ("duration_min", "duration"),
    ("buffer_before_min", "buffer_before"),
    ("buffer_after_min", "buffer_after"),
    ("min_notice_min", "min_notice"),
    ("horizon_days", "horizon"),
    ("seats_per_slot", "seats"),
    ("slot_interval_min", "interval"),
    ("documents", "documents"),
    ("staff_ids", "service_staff"),
];

/// The numeric fields: form name and label key.
const NUMBERS: &[(&str, &str)] = &[
    ("duration", "label.duration"),
    ("buffer_before", "label.buffer_before"),
    ("buffer_after", "label.buffer_after"),
    ("min_notice", "label.min_notice"),
    ("horizon", "label.horizon"),
    ("seats", "label.seats"),
    ("interval", "label.interval"),
];

fn values_of(service: &ServiceBody) -> Fields {
    let mut v = vec![
        ("office".to_string(), service.office_id.to_string()),
        ("name".into(), service.name.clone()),
        ("description".into(), service.description.clone()),
        ("duration".into(), service.duration_min.to_string()),
        (
            "buffer_before".into(),
            service.buffer_before_min.to_string(),
        ),
        ("buffer_after".into(), service.buffer_after_min.to_string()),
        ("min_notice".into(), service.min_notice_min.to_string()),
        ("horizon".into(), service.horizon_days.to_string()),
        ("seats".into(), service.seats_per_slot.to_string()),
        ("interval".into(), service.slot_interval_min.to_string()),
        ("documents".into(), service.documents.join("\n")),
    ];
    v.extend(
        service
            .staff_ids
            .iter()
            .map(|id| ("service_staff".to_string(), id.to_string())),
    );
    Fields(v)
}

fn defaults() -> Fields {
    Fields(
        [
            ("duration", "30"),
            ("buffer_before", "0"),
            ("buffer_after", "0"),
            ("min_notice", "60"),
            ("horizon", "60"),
            ("seats", "1"),
            ("interval", "30"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    )
}

async fn render(
    state: &AppState,
    ctx: &PageContext,
    action: &str,
    title: &str,
    values: &Fields,
    errors: &FormErrors,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let errors = translate(lang, errors.clone());
    let offices: Vec<(String, String)> = state
        .store
        .offices()
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    let staff: Vec<(String, String)> = state
        .store
        .staff_list(None)
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.display_name))
        .collect();
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &errors))
        form method="post" action=(action) novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (select("office", ax(lang, "label.office"), &offices, &values.get("office"), &errors))
            (input("text", "name", ax(lang, "label.name"), &values.get("name"), None, &errors))
            (textarea("description", ax(lang, "label.description"), &values.get("description"), None, &errors))
            @for (name, label) in NUMBERS {
                (input("number", name, ax(lang, label), &values.get(name), None, &errors))
            }
            (textarea("documents", ax(lang, "label.documents"), &values.get("documents"), Some(ax(lang, "hint.documents")), &errors))
            (checkboxes("service_staff", ax(lang, "label.service_staff"), &staff, &values.all("service_staff"), &errors))
            button type="submit" { (ax(lang, "save")) }
        }
        p { a href="/admin" { (ax(lang, "back")) } }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, layout::render(ctx, Page::new(title, body))).into_response())
}

fn input_of(fields: &Fields, errors: &mut FormErrors) -> ServiceInput {
    let office_id = fields.get("office").parse().unwrap_or_else(|_| {
        errors.add("office", "office");
        0
    });
    let staff_ids = fields
        .all("service_staff")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    ServiceInput {
        office_id,
        name: fields.get("name"),
        description: fields.get("description"),
        duration_min: fields.number("duration", errors),
        buffer_before_min: fields.number("buffer_before", errors),
        buffer_after_min: fields.number("buffer_after", errors),
        min_notice_min: fields.number("min_notice", errors),
        horizon_days: fields.number("horizon", errors),
        seats_per_slot: fields.number("seats", errors),
        slot_interval_min: Some(fields.number("interval", errors)),
        documents: lines(&fields.get("documents")),
        staff_ids,
    }
}

fn fields_of(submitted: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    submitted
        .map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// `GET /admin/services/new`
pub async fn new(State(state): State<AppState>, ctx: PageContext) -> Result<Response, PageError> {
    render(
        &state,
        &ctx,
        "/admin/services",
        ax(ctx.lang, "new.service"),
        &defaults(),
        &FormErrors::default(),
    )
    .await
}

/// `POST /admin/services`
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let mut errors = FormErrors::default();
    let service_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match service_input.validate(&state).await {
            Ok((new, staff_ids)) => {
                let service = state.store.create_service(&new).await?;
                state
                    .store
                    .set_service_staff(service.id, &staff_ids)
                    .await?;
                tracing::info!(service = service.id, "service created");
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    render(
        &state,
        &ctx,
        "/admin/services",
        ax(ctx.lang, "new.service"),
        &fields,
        &errors,
    )
    .await
}

/// `GET /admin/services/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let service = state.store.service(id).await?.ok_or(PageError::NotFound)?;
    let body = services::load(&state, service)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    render(
        &state,
        &ctx,
        &format!("/admin/services/{id}"),
        &body.name.clone(),
        &values_of(&body),
        &FormErrors::default(),
    )
    .await
}

/// `POST /admin/services/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let service = state.store.service(id).await?.ok_or(PageError::NotFound)?;
    let mut errors = FormErrors::default();
    let service_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match service_input.validate(&state).await {
            Ok((new, staff_ids)) => {
                state.store.update_service(id, &new).await?;
                state.store.set_service_staff(id, &staff_ids).await?;
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    render(
        &state,
        &ctx,
        &format!("/admin/services/{id}"),
        &service.name,
        &fields,
        &errors,
    )
    .await
}
