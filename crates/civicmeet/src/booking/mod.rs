//! Booking for citizens (issue 3, journey 1): server-rendered pages that
//! work without JavaScript, from the service list to the confirmed
//! appointment, and the capability links in the mails.
//!
//! Routes:
//! - `GET /book`: the services; `GET /book/offices?service=<name>`: the
//!   offices offering a service name found in several offices
//! - `GET /book/services/{id}?week=YYYY-MM-DD`: free slots, a week at a time
//! - `GET|POST /book/services/{id}/form?start=<unix>`: the booking form;
//!   the POST holds the slot and redirects to `GET /book/sent`
//! - `GET|POST /book/confirm/{token}`: double opt-in (a button, because
//!   mail scanners follow GET links)
//! - `GET|POST /book/cancel/{token}`, `GET /book/rebook/{token}` (slots),
//!   `GET|POST /book/rebook/{token}/slot?start=<unix>`
//! - `GET /a/{token}`: the join link, redirects to the meeting
//! - `GET /book/ics/{token}`: the appointment as .ics (join token)
//!
//! The rules live in `civicmeet-booking` (pure; `now` is read once per
//! request here and passed down), the seat race is settled by the store
//! (`hold_slot`), mails are rendered here and sent by `jobs`.

pub mod catalog;
mod catalogue_pages;
mod confirm;
pub mod dates;
pub mod events;
mod form;
pub mod mails;
mod manage;
pub mod pow;
pub mod rate_limit;
pub mod seed;
mod slots;

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::routing::get;
use chrono::{DateTime, TimeDelta, Utc};
use civicmeet_mail::Sender;

use crate::config::Config;
use crate::state::AppState;
use crate::web::PageError;

/// How long join, cancel and rebook links stay valid after the
/// appointment's end.
pub const LINK_GRACE: TimeDelta = TimeDelta::hours(2);

/// What the booking pages keep for the life of the process.
pub struct BookingRuntime {
    pub settings: crate::config::BookingConfig,
    /// The base of links in mails, without a trailing slash.
    pub public_url: String,
    pub sender: Sender,
    pub pow: pow::ProofOfWork,
    pub limiter: rate_limit::RateLimiter,
}

impl BookingRuntime {
    /// `None` if the system's random source fails (for the PoW key).
    pub fn new(config: &Config, public_url: String) -> Option<BookingRuntime> {
        Some(BookingRuntime {
            settings: config.booking.clone(),
            sender: mails::sender(&config.mail.from, &public_url),
            public_url,
            pow: pow::ProofOfWork::new(config.booking.proof_of_work_bits)?,
            limiter: rate_limit::RateLimiter::new(config.booking.rate_limit_per_minute),
        })
    }

    /// An absolute link for a mail.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/book", get(catalogue_pages::services))
        .route("/book/offices", get(catalogue_pages::offices))
        .route("/book/services/{id}", get(slots::page))
        .route(
            "/book/services/{id}/form",
            get(form::show).post(form::submit),
        )
        .route("/book/sent", get(form::sent))
        .route(
            "/book/confirm/{token}",
            get(confirm::show).post(confirm::confirm),
        )
        .route(
            "/book/cancel/{token}",
            get(manage::cancel_page).post(manage::cancel),
        )
        .route("/book/rebook/{token}", get(manage::rebook_slots))
        .route(
            "/book/rebook/{token}/slot",
            get(manage::rebook_page).post(manage::rebook),
        )
        .route("/book/ics/{token}", get(manage::ics))
        .route("/a/{token}", get(manage::join))
}

/// The one clock read of a request.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The client's address, for the rate limit only (never logged or stored).
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

impl From<catalog::CatalogError> for PageError {
    fn from(e: catalog::CatalogError) -> Self {
        PageError::Internal(e.to_string())
    }
}

/// A booking page: the common frame plus the booking style sheet.
pub(crate) fn page(title: &str, body: maud::Markup) -> crate::web::Page<'_> {
    crate::web::Page {
        title,
        styles: &["booking.css"],
        scripts: &[],
        body,
    }
}
