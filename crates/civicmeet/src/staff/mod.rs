//! The staff side: the dashboard (`/staff`), the admin pages (`/admin`),
//! and the admin credential that guards them and the REST API until staff
//! accounts arrive (issue 4).
//!
//! Pages are server-rendered with the shared `web` layout, German and
//! English, and work without JavaScript. What a staff action does to an
//! appointment lives in [`actions`], shared with the REST API.

pub mod actions;
pub mod auth;
