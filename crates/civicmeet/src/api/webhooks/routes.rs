//! `/api/v1/webhooks`: subscriptions, and the failed deliveries.
//!
//! The secret is write-only: it is returned once, in the answer to the
//! create request (generated there when none is given), and never shown
//! again. A replace without a secret keeps the old one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use civicmeet_store::{NewWebhook, Webhook, WebhookDelivery};
use serde::{Deserialize, Serialize};

use super::{EventKind, client};
use crate::api::body::{self, ApiJson, Id};
use crate::api::error::ApiError;
use crate::api::hours::now;
use crate::state::AppState;

const MAX_URL: usize = 2000;
const MIN_SECRET: usize = 16;
const MAX_SECRET: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    #[serde(default)]
    pub secret: Option<String>,
    pub events: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize)]
pub struct WebhookBody {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    /// Only in the answer to a create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookBody {
    fn new(webhook: Webhook) -> WebhookBody {
        WebhookBody {
            id: webhook.id,
            url: webhook.url,
            events: webhook.events,
            active: webhook.active,
            secret: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DeliveryBody {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl From<WebhookDelivery> for DeliveryBody {
    fn from(d: WebhookDelivery) -> Self {
        DeliveryBody {
            id: d.id,
            webhook_id: d.webhook_id,
            event: d.event,
            status: d.status.to_string(),
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: d.created_at,
        }
    }
}

/// Checks a webhook. `old_secret` is kept when no new one is given; with
/// neither, a random one is made.
pub fn validate(input: &WebhookInput, old_secret: Option<&str>) -> Result<NewWebhook, ApiError> {
    let url = body::line("url", &input.url, MAX_URL)?;
    client::check_url(&url)
        .map_err(|_| ApiError::invalid("url", "must be an http:// or https:// URL"))?;
    let secret = match (&input.secret, old_secret) {
        (Some(secret), _) => {
            let secret = body::line("secret", secret, MAX_SECRET)?;
            if secret.chars().count() < MIN_SECRET {
                return Err(ApiError::invalid(
                    "secret",
                    format!("must be at least {MIN_SECRET} characters"),
                ));
            }
            secret
        }
        (None, Some(old)) => old.to_string(),
        (None, None) => random_secret()?,
    };
    let mut events = Vec::new();
    for (i, name) in input.events.iter().enumerate() {
        let kind = EventKind::parse(name).ok_or_else(|| {
            ApiError::invalid(
                format!("events[{i}]"),
                "must be booked, confirmed, cancelled or rescheduled",
            )
        })?;
        if !events.contains(&kind.as_str().to_string()) {
            events.push(kind.as_str().to_string());
        }
    }
    if events.is_empty() {
        return Err(ApiError::invalid("events", "must name at least one event"));
    }
    Ok(NewWebhook {
        url,
        secret,
        events,
        active: input.active,
    })
}

fn random_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

async fn find(state: &AppState, id: i64) -> Result<Webhook, ApiError> {
    state
        .store
        .webhook(id)
        .await?
        .ok_or(ApiError::NotFound { what: "webhook" })
}

/// `GET /api/v1/webhooks`
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<WebhookBody>>, ApiError> {
    let hooks = state.store.webhooks().await?;
    Ok(Json(hooks.into_iter().map(WebhookBody::new).collect()))
}

/// `POST /api/v1/webhooks`
pub async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<impl IntoResponse, ApiError> {
    let new = validate(&input, None)?;
    let webhook = state.store.create_webhook(&new, now()).await?;
    tracing::info!(webhook = webhook.id, "webhook created");
    let secret = webhook.secret.clone();
    let mut body = WebhookBody::new(webhook);
    body.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/v1/webhooks/{id}`
pub async fn get(State(state): State<AppState>, Id(id): Id) -> Result<Json<WebhookBody>, ApiError> {
    Ok(Json(WebhookBody::new(find(&state, id).await?)))
}

/// `PUT /api/v1/webhooks/{id}`
pub async fn replace(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Json<WebhookBody>, ApiError> {
    let old = find(&state, id).await?;
    let new = validate(&input, Some(&old.secret))?;
    state.store.update_webhook(id, &new).await?;
    Ok(Json(WebhookBody::new(find(&state, id).await?)))
}

/// `DELETE /api/v1/webhooks/{id}`
pub async fn delete(State(state): State<AppState>, Id(id): Id) -> Result<StatusCode, ApiError> {
    if state.store.delete_webhook(id).await? {
        tracing::info!(webhook = id, "webhook deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound { what: "webhook" })
    }
}

/// `GET /api/v1/webhook-deliveries/failed`
pub async fn failed(State(state): State<AppState>) -> Result<Json<Vec<DeliveryBody>>, ApiError> {
    let failed = state.store.failed_deliveries().await?;
    Ok(Json(failed.into_iter().map(DeliveryBody::from).collect()))
}

/// `POST /api/v1/webhook-deliveries/{id}/retry`: queues a failed delivery
/// again, due now.
pub async fn retry(State(state): State<AppState>, Id(id): Id) -> Result<StatusCode, ApiError> {
    match state.store.retry_delivery(id, now()).await {
        Ok(()) => {
            state.deliveries.wake();
            Ok(StatusCode::NO_CONTENT)
        }
        Err(civicmeet_store::StoreError::NotFound) => Err(ApiError::NotFound {
            what: "failed delivery",
        }),
        Err(e) => Err(e.into()),
    }
}
