//! The civicmeet server: configuration, HTTP, signalling, embedded assets,
//! and the tokio shell around the sans-IO media router.
//!
//! This crate only wires things together: media forwarding lives in
//! `civicmeet-router`, the browser protocol in `civicmeet-wire`, SQL in
//! `civicmeet-store`. It is the only crate that knows axum.
//!
//! Module map:
//! - [`access`]: the permission table (roles × actions)
//! - [`accounts`]: staff login (passwords, OpenID Connect), sessions
//! - [`audit`]: writing the audit log
//! - [`config`]: settings from defaults, file, environment and flags
//! - [`app`]: [`Application::build`], used by `main` and every test
//! - [`http`]: routes, assets, meetings API, security headers, errors
//! - [`signalling`]: the meeting WebSocket (sessions and the roster)
//! - [`media_task`]: the task that owns the router and the UDP socket
//! - [`media_tcp`]: the media port's TCP side (ICE-TCP connections)
//! - [`meeting_id`]: the unguessable meeting id
//! - [`sip`]: the SIP gateway: phones and room systems join meetings
//! - [`state`]: what handlers share
//! - [`api`]: the REST API v1, its OpenAPI document, the staff .ics feed
//!   and signed webhooks
//! - [`staff`]: the staff dashboard, the admin pages, the admin credential
//! - [`booking`]: the citizen's booking pages and capability links
//! - [`jobs`]: background work (expire holds, send mail, reminders)
//! - [`web`]: shared parts of the server-rendered pages (layout, language,
//!   CSRF, forms, error pages)

pub mod access;
pub mod accounts;
pub mod api;
pub mod app;
pub mod audit;
pub mod booking;
pub mod config;
pub mod http;
pub mod jobs;
pub mod media_task;
pub mod media_tcp;
pub mod meeting_id;
pub mod prompts;
pub mod signalling;
pub mod sip;
pub mod staff;
pub mod state;
pub mod web;

pub use app::{AppError, Application};
pub use config::{Cli, Config, ConfigError};
pub use meeting_id::MeetingId;
