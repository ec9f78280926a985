//! Shared infrastructure of the server-rendered HTML pages (booking,
//! staff, admin). Pages work without JavaScript, are escaped by
//! construction (maud), load nothing from another origin, and have no
//! inline script or style (the CSP forbids both).
//!
//! # How to write a page
//!
//! ```ignore
//! use maud::html;
//! use crate::web::{PageContext, PageError, Page, layout, csrf, form};
//!
//! async fn show(ctx: PageContext) -> Result<maud::Markup, PageError> {
//!     let lang = ctx.lang;
//!     let title = lang.pick("Termin buchen", "Book an appointment");
//!     Ok(layout::render(&ctx, Page::new(title, html! {
//!         h1 { (title) }
//!         form method="post" action="/somewhere" {
//!             (csrf::hidden_field(&ctx.csrf))
//!             button type="submit" { "OK" }
//!         }
//!     })))
//! }
//!
//! // In the POST handler, before anything else:
//! //     ctx.check_csrf(&form.csrf)?;   // -> 403 page on mismatch
//! ```
//!
//! - [`PageContext`] (an extractor): `lang`, `csrf`, the path. It is filled
//!   by the [`context::attach`] middleware, which `http::router` applies to
//!   every route (assets, `/api/` and `/health` pass through untouched).
//! - [`Lang`] and [`i18n::t`]: German (default) or English, chosen by
//!   `?lang=de|en` (remembered in the `lang` cookie), the cookie, or
//!   `Accept-Language`. Keep an area's own strings in its own table with
//!   [`Lang::pick`] (see `booking/form.rs`, or a table like `staff/texts.rs`).
//! - [`PageError`]: return it from a handler (`?` works on `StoreError`);
//!   the middleware renders it as a full page in the right language with
//!   the right status (404, 400, 403, 429 with Retry-After, 500).
//! - [`csrf`]: the double-submit token: [`csrf::hidden_field`] in every
//!   POST form, [`PageContext::check_csrf`] in every POST handler.
//! - [`form`]: [`form::error_summary`] at the top of a form,
//!   [`form::TextField`] and [`form::checkbox`] with `aria-invalid` and
//!   `aria-describedby`; collect problems in [`form::FormErrors`] and
//!   re-render the form with them, changing nothing.
//! - [`layout::render`]: the frame (header, language switch link, skip
//!   link, `<main id="main">`, `/assets/css/civicmeet.css` and
//!   `/assets/css/pages.css`). Add style sheets or ES modules per page
//!   through [`Page::styles`] and [`Page::scripts`].

pub mod context;
pub mod csrf;
pub mod error;
pub mod form;
pub mod i18n;
pub mod layout;

pub use context::PageContext;
pub use error::PageError;
pub use i18n::{Lang, t};
pub use layout::Page;
