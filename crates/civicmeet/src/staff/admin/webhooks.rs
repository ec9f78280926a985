//! `/admin/webhooks`: add, edit and delete webhooks. The secret is shown
//! once after creating (generated when left empty) and never again.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form_parts::{Fields, api_to_form, checkboxes, input, translate};
use super::texts::ax;
use crate::api::hours::now;
use crate::api::webhooks::EventKind;
use crate::api::webhooks::routes::{WebhookInput, validate};
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Page, PageContext, PageError, csrf, layout};

const FIELDS: &[(&str, &str)] = &[("url", "url"), ("secret", "secret"), ("events", "events")];

fn event_key(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Booked => "event.booked",
        EventKind::Confirmed => "event.confirmed",
        EventKind::Cancelled => "event.cancelled",
        EventKind::Rescheduled => "event.rescheduled",
    }
}

fn render(
    ctx: &PageContext,
    action: &str,
    title: &str,
    values: &Fields,
    errors: &FormErrors,
    id: Option<i64>,
) -> Response {
    let lang = ctx.lang;
    let errors = translate(lang, errors.clone());
    let events: Vec<(String, String)> = EventKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), ax(lang, event_key(*k)).to_string()))
        .collect();
    let active = values.get("active") == "yes";
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &errors))
        form method="post" action=(action) novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (input("url", "url", ax(lang, "label.url"), &values.get("url"), None, &errors))
            (input("password", "secret", ax(lang, "label.secret"), "", Some(ax(lang, "hint.secret")), &errors))
            (checkboxes("events", ax(lang, "label.events"), &events, &values.all("events"), &errors))
            div class="field checkbox" {
                input type="checkbox" id="active" name="active" value="yes" checked[active];
                label for="active" { (ax(lang, "label.active")) }
            }
            button type="submit" { (ax(lang, "save")) }
        }
        @if let Some(id) = id {
            form method="post" action={ "/admin/webhooks/" (id) "/delete" } {
                (csrf::hidden_field(&ctx.csrf))
                button type="submit" { (ax(lang, "delete")) }
            }
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

fn input_of(fields: &Fields) -> WebhookInput {
    let secret = fields.get("secret");
    WebhookInput {
        url: fields.get("url"),
        secret: (!secret.trim().is_empty()).then_some(secret),
        events: fields.all("events"),
        active: fields.get("active") == "yes",
    }
}

fn fields_of(submitted: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    submitted
        .map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// `GET /admin/webhooks/new`
pub async fn new(ctx: PageContext) -> Response {
    let defaults = Fields(vec![("active".into(), "yes".into())]);
    render(
        &ctx,
        "/admin/webhooks",
        ax(ctx.lang, "new.webhook"),
        &defaults,
        &FormErrors::default(),
        None,
    )
}

/// `POST /admin/webhooks`: on success, the secret is shown this once.
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let mut errors = FormErrors::default();
    match validate(&input_of(&fields), None) {
        Ok(new) => {
            let webhook = state.store.create_webhook(&new, now()).await?;
            tracing::info!(webhook = webhook.id, "webhook created");
            let lang = ctx.lang;
            let title = ax(lang, "saved");
            let body = html! {
                h1 { (title) }
                p { (ax(lang, "webhook.secret_once")) }
                p { code { (webhook.secret) } }
                p { a href="/admin" { (ax(lang, "back")) } }
            };
            Ok(layout::render(&ctx, Page::new(title, body)).into_response())
        }
        Err(e) => {
            api_to_form(e, FIELDS, &mut errors)?;
            Ok(render(
                &ctx,
                "/admin/webhooks",
                ax(ctx.lang, "new.webhook"),
                &fields,
                &errors,
                None,
            ))
        }
    }
}

/// `GET /admin/webhooks/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let webhook = state.store.webhook(id).await?.ok_or(PageError::NotFound)?;
    let mut values = vec![("url".to_string(), webhook.url.clone())];
    values.extend(
        webhook
            .events
            .iter()
            .map(|e| ("events".to_string(), e.clone())),
    );
    if webhook.active {
        values.push(("active".into(), "yes".into()));
    }
    Ok(render(
        &ctx,
        &format!("/admin/webhooks/{id}"),
        &webhook.url,
        &Fields(values),
        &FormErrors::default(),
        Some(id),
    ))
}

/// `POST /admin/webhooks/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let old = state.store.webhook(id).await?.ok_or(PageError::NotFound)?;
    let mut errors = FormErrors::default();
    match validate(&input_of(&fields), Some(&old.secret)) {
        Ok(new) => {
            state.store.update_webhook(id, &new).await?;
            Ok(Redirect::to("/admin").into_response())
        }
        Err(e) => {
            api_to_form(e, FIELDS, &mut errors)?;
            Ok(render(
                &ctx,
                &format!("/admin/webhooks/{id}"),
                &old.url,
                &fields,
                &errors,
                Some(id),
            ))
        }
    }
}

/// `POST /admin/webhooks/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Redirect, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    if state.store.delete_webhook(id).await? {
        tracing::info!(webhook = id, "webhook deleted");
        Ok(Redirect::to("/admin"))
    } else {
        Err(PageError::NotFound)
    }
}
