//! `/admin/staff`: create and edit a staff member with their weekly hours
//! (one text field per weekday) and exceptions (one per line).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form_parts::{
    Fields, WEEKDAY_FIELDS, api_to_form, format_hours, hours_from_fields, input, lines, select,
    textarea, translate,
};
use super::offices::day_key;
use super::texts::ax;
use crate::api::staff::{
    self as api_staff, ExceptionBody, ExceptionKindBody, StaffBody, StaffInput,
};
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Lang, Page, PageContext, PageError, csrf, layout};

const FIELDS: &[(&str, &str)] = &[
    ("office_id", "office"),
    ("display_name", "display_name"),
    ("email", "email"),
    ("exceptions", "exceptions"),
];

/// The words that mark an exception line as an absence.
const ABSENT_WORDS: [&str; 2] = ["absent", "abwesend"];

fn values_of(lang: Lang, staff: &StaffBody) -> Fields {
    let mut v = vec![
        ("office".to_string(), staff.office_id.to_string()),
        ("display_name".into(), staff.display_name.clone()),
        ("email".into(), staff.email.clone()),
        (
            "exceptions".into(),
            exceptions_text(lang, &staff.exceptions),
        ),
    ];
    if staff.active {
        v.push(("active".into(), "yes".into()));
    }
    for (field, day) in WEEKDAY_FIELDS {
        v.push((field.to_string(), format_hours(day, &staff.hours)));
    }
    Fields(v)
}

fn exceptions_text(lang: Lang, exceptions: &[ExceptionBody]) -> String {
    let absent = lang.pick("abwesend", "absent");
    exceptions
        .iter()
        .map(|e| {
            let whole_day = e.start == "00:00" && e.end == "24:00";
            match (e.kind, whole_day) {
                (ExceptionKindBody::Absent, true) => format!("{} {absent}", e.date),
                (ExceptionKindBody::Absent, false) => {
                    format!("{} {}-{} {absent}", e.date, e.start, e.end)
                }
                (ExceptionKindBody::Hours, _) => format!("{} {}-{}", e.date, e.start, e.end),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// "2026-12-24 absent", "2026-12-23 10:00-14:00 absent", "2026-12-27 10:00-14:00".
fn parse_exception(line: &str) -> Option<ExceptionBody> {
    let mut words = line.split_whitespace();
    let date = words.next()?.to_string();
    let mut span = None;
    let mut absent = false;
    for word in words {
        if ABSENT_WORDS.contains(&word.to_lowercase().as_str()) {
            absent = true;
        } else {
            let (start, end) = word.split_once(['-', '–'])?;
            span = Some((start.to_string(), end.to_string()));
        }
    }
    let (start, end) = span.unwrap_or(("00:00".into(), "24:00".into()));
    if !absent && start == "00:00" && end == "24:00" {
        return None;
    }
    Some(ExceptionBody {
        date,
        kind: if absent {
            ExceptionKindBody::Absent
        } else {
            ExceptionKindBody::Hours
        },
        start,
        end,
    })
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
    let active = values.get("active") == "yes";
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &errors))
        form method="post" action=(action) novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (select("office", ax(lang, "label.office"), &offices, &values.get("office"), &errors))
            (input("text", "display_name", ax(lang, "label.display_name"), &values.get("display_name"), None, &errors))
            (input("email", "email", ax(lang, "label.email"), &values.get("email"), None, &errors))
            div class="field checkbox" {
                input type="checkbox" id="active" name="active" value="yes" checked[active];
                label for="active" { (ax(lang, "label.active")) }
            }
            fieldset {
                legend { (ax(lang, "label.staff_hours")) }
                p class="hint" { (ax(lang, "hint.hours")) }
                @for (field, _) in WEEKDAY_FIELDS {
                    (input("text", field, ax(lang, day_key(field)), &values.get(field), None, &errors))
                }
            }
            (textarea("exceptions", ax(lang, "label.exceptions"), &values.get("exceptions"), Some(ax(lang, "hint.exceptions")), &errors))
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

fn input_of(fields: &Fields, errors: &mut FormErrors) -> StaffInput {
    let office_id = fields.get("office").parse().unwrap_or_else(|_| {
        errors.add("office", "office");
        0
    });
    let hours = hours_from_fields(|name| fields.get(name), errors);
    let mut exceptions = Vec::new();
    for line in lines(&fields.get("exceptions")) {
        match parse_exception(&line) {
            Some(e) => exceptions.push(e),
            None => {
                errors.add("exceptions", "exceptions");
                break;
            }
        }
    }
    StaffInput {
        office_id,
        display_name: fields.get("display_name"),
        email: fields.get("email"),
        active: fields.get("active") == "yes",
        hours,
        exceptions,
    }
}

fn fields_of(submitted: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    submitted
        .map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// `GET /admin/staff/new`
pub async fn new(State(state): State<AppState>, ctx: PageContext) -> Result<Response, PageError> {
    let defaults = Fields(vec![("active".into(), "yes".into())]);
    render(
        &state,
        &ctx,
        "/admin/staff",
        ax(ctx.lang, "new.staff"),
        &defaults,
        &FormErrors::default(),
    )
    .await
}

/// `POST /admin/staff`
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let mut errors = FormErrors::default();
    let staff_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match staff_input.validate(&state, &[]).await {
            Ok(valid) => {
                let staff = state.store.create_staff(&valid.staff).await?;
                api_staff::store_details(&state, staff.id, &valid, &[])
                    .await
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                tracing::info!(staff = staff.id, "staff member created");
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    render(
        &state,
        &ctx,
        "/admin/staff",
        ax(ctx.lang, "new.staff"),
        &fields,
        &errors,
    )
    .await
}

/// `GET /admin/staff/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let staff = state.store.staff(id).await?.ok_or(PageError::NotFound)?;
    let body = api_staff::load(&state, staff)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    render(
        &state,
        &ctx,
        &format!("/admin/staff/{id}"),
        &body.display_name.clone(),
        &values_of(ctx.lang, &body),
        &FormErrors::default(),
    )
    .await
}

/// `POST /admin/staff/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let staff = state.store.staff(id).await?.ok_or(PageError::NotFound)?;
    let existing = api_staff::exceptions_of(&state, id)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let mut errors = FormErrors::default();
    let staff_input = input_of(&fields, &mut errors);
    if errors.is_empty() {
        match staff_input.validate(&state, &existing).await {
            Ok(valid) => {
                state.store.update_staff(id, &valid.staff).await?;
                api_staff::store_details(&state, id, &valid, &existing)
                    .await
                    .map_err(|e| PageError::Internal(e.to_string()))?;
                return Ok(Redirect::to("/admin").into_response());
            }
            Err(e) => api_to_form(e, FIELDS, &mut errors)?,
        }
    }
    render(
        &state,
        &ctx,
        &format!("/admin/staff/{id}"),
        &staff.display_name,
        &fields,
        &errors,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_lines() {
        let e = parse_exception("2026-12-24 abwesend").expect("absent");
        assert!(matches!(e.kind, ExceptionKindBody::Absent));
        assert_eq!((e.start.as_str(), e.end.as_str()), ("00:00", "24:00"));
        let e = parse_exception("2026-12-27 10:00-14:00").expect("hours");
        assert!(matches!(e.kind, ExceptionKindBody::Hours));
        assert!(parse_exception("2026-12-27").is_none());
        assert!(parse_exception("2026-12-27 soon").is_none());
        let text = exceptions_text(Lang::En, &[e]);
        assert_eq!(text, "2026-12-27 10:00-14:00");
    }
}
