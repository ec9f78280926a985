//! The first steps: which service, then (if a service name is offered by
//! several offices) which office.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use crate::state::AppState;
use crate::web::{Page, PageContext, PageError, layout};

/// `GET /book`
pub async fn services(
    State(state): State<AppState>,
    ctx: PageContext,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let mut by_name: BTreeMap<String, Vec<civicmeet_store::Service>> = BTreeMap::new();
    for service in state.store.services(None).await? {
        by_name
            .entry(service.name.clone())
            .or_default()
            .push(service);
    }
    let title = lang.pick("Termin buchen", "Book an appointment");
    Ok(layout::render(
        &ctx,
        Page {
            title,
            styles: &["booking.css"],
            scripts: &[],
            body: html! {
                h1 { (title) }
                p { (lang.pick(
                    "Wählen Sie das Anliegen, für das Sie einen Video-Termin möchten.",
                    "Choose what you need a video appointment for.")) }
                @if by_name.is_empty() {
                    p { (lang.pick("Zurzeit können keine Termine gebucht werden.",
                                   "No appointments can be booked at the moment.")) }
                } @else {
                    ul class="choices" {
                        @for (name, list) in &by_name {
                            li {
                                @if let [only] = list.as_slice() {
                                    a href={ "/book/services/" (only.id) } { (name) }
                                    @if !only.description.is_empty() { p class="note" { (only.description) } }
                                } @else {
                                    a href={ "/book/offices?service=" (urlencode(name)) } { (name) }
                                }
                            }
                        }
                    }
                }
            },
        },
    ))
}

#[derive(Deserialize)]
pub struct OfficeQuery {
    #[serde(default)]
    service: String,
}

/// `GET /book/offices?service=<name>`
pub async fn offices(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<OfficeQuery>,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let offices = state.store.offices().await?;
    let services: Vec<_> = state
        .store
        .services(None)
        .await?
        .into_iter()
        .filter(|s| s.name == query.service)
        .collect();
    if services.is_empty() {
        return Err(PageError::NotFound);
    }
    let title = lang.pick("Dienststelle wählen", "Choose an office");
    Ok(layout::render(
        &ctx,
        Page {
            title,
            styles: &["booking.css"],
            scripts: &[],
            body: html! {
                h1 { (title) }
                p { (lang.pick("Anliegen: ", "Service: ")) (query.service) }
                ul class="choices" {
                    @for service in &services {
                        @let office = offices.iter().find(|o| o.id == service.office_id);
                        li { a href={ "/book/services/" (service.id) } {
                            (office.map_or("?", |o| o.name.as_str()))
                        } }
                    }
                }
                p { a href="/book" { (lang.pick("Zurück zur Auswahl", "Back to the services")) } }
            },
        },
    ))
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
