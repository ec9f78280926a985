//! The frame of every server-rendered page: `<head>` with our one style
//! sheet, the site header with the language switch (a plain link, so it
//! works without JavaScript), the skip link and `<main>`.
//!
//! No inline script or style (the CSP forbids them) and nothing from
//! another origin (SOV). Scripts a page needs go in `scripts` as paths
//! below `/assets/js/`, loaded as ES modules.

use maud::{DOCTYPE, Markup, html};

use super::context::PageContext;
use super::error::PageError;
use super::i18n::t;

/// What a page puts into the frame.
pub struct Page<'a> {
    /// The page's own title; " · civicmeet" is appended.
    pub title: &'a str,
    /// Style sheets besides `civicmeet.css`, paths below `/assets/css/`.
    pub styles: &'a [&'a str],
    /// ES modules, paths below `/assets/js/`.
    pub scripts: &'a [&'a str],
    pub body: Markup,
}

impl<'a> Page<'a> {
    /// A page with only the common style sheet and no scripts.
    pub fn new(title: &'a str, body: Markup) -> Self {
        Page {
            title,
            styles: &[],
            scripts: &[],
            body,
        }
    }
}

/// The whole document.
pub fn render(context: &PageContext, page: Page<'_>) -> Markup {
    let lang = context.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · " (t(lang, "site.name")) }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/css/civicmeet.css";
                link rel="stylesheet" href="/assets/css/pages.css";
                @for style in page.styles {
                    link rel="stylesheet" href={ "/assets/css/" (style) };
                }
                @for script in page.scripts {
                    script type="module" src={ "/assets/js/" (script) } {}
                }
            }
            body {
                a class="skip-link" href="#main" { (t(lang, "layout.skip")) }
                header class="bar" {
                    a class="brand" href="/" aria-label=(t(lang, "layout.home")) { "civicmeet" }
                    a class="lang-switch" href=(context.switch_href())
                        lang=(lang.other().code()) hreflang=(lang.other().code())
                        aria-label=(t(lang, "layout.switch_label")) {
                        (t(lang, "layout.switch"))
                    }
                }
                main id="main" class="page" tabindex="-1" {
                    (page.body)
                }
            }
        }
    }
}

/// The page for a [`PageError`].
pub fn error_page(context: &PageContext, error: &PageError) -> Markup {
    let lang = context.lang;
    let (title, text) = match error {
        PageError::NotFound => (
            t(lang, "error.not_found.title"),
            t(lang, "error.not_found.text"),
        ),
        PageError::BadRequest(text) => (t(lang, "error.bad_request.title"), *text),
        PageError::Csrf => (t(lang, "error.forbidden.title"), t(lang, "form.csrf")),
        PageError::Forbidden => (
            t(lang, "error.forbidden.title"),
            t(lang, "error.forbidden.text"),
        ),
        PageError::TooManyRequests { .. } => (
            t(lang, "error.too_many.title"),
            t(lang, "error.too_many.text"),
        ),
        PageError::Internal(_) => (
            t(lang, "error.internal.title"),
            t(lang, "error.internal.text"),
        ),
    };
    render(
        context,
        Page::new(
            title,
            html! {
                h1 { (title) }
                p { (text) }
                p { a href="/" { (t(lang, "error.home")) } }
            },
        ),
    )
}
