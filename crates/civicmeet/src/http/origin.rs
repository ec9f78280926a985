//! Refuses cross-site requests with unsafe methods (POST, PUT, PATCH,
//! DELETE), in front of every route. This is defence in depth on top of
//! the forms' double-submit tokens (`web::csrf`), and the only protection
//! of forms that are static HTML without a token (the start page's
//! `POST /meetings`).
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current
//! browsers) and `Origin` (sent with every POST). A request is refused
//! when `Sec-Fetch-Site` is anything but `same-origin` or `none`, or, when
//! that header is missing, when `Origin` names another origin than the
//! host the request was sent to or `http.public_url`.
//! Requests with neither header pass: they come from programs (curl, API
//! clients), which a forged web page cannot drive.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::HttpError;
use crate::state::AppState;
use crate::web::error::PageError;

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method().is_safe() || same_origin(request.headers(), &state) {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") {
        HttpError::CrossSite.into_response()
    } else {
        // The CSRF error page: "not sent from this page, reload it".
        PageError::Csrf.into_response()
    }
}

/// Whether a request may be acted on: the browser marks it same-origin
/// (or user-initiated), or, from browsers without `Sec-Fetch-Site`, its
/// `Origin`, if any, is ours.
fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    // Where a browser sends Sec-Fetch-Site it is the authority: it cannot
    // be set by page script, and it is right even where `Origin` is `null`
    // (a form POST from a page under `Referrer-Policy: no-referrer`).
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        return site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // Unreadable and `null` (sandboxed frames, privacy redirects) origins
    // are nobody's; they fail every comparison below.
    let origin = origin.to_str().unwrap_or("null");
    let public = origin_of(&state.config.http.public_url);
    if public.is_some_and(|p| p.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    // Over TLS only https pages are ours. Without it the scheme is not
    // checked: a reverse proxy may terminate TLS in front of us.
    let scheme_ok = !state.tls || scheme.eq_ignore_ascii_case("https");
    scheme_ok && authority.eq_ignore_ascii_case(host)
}

/// `scheme://authority` of a URL, if it has one.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://termine.example.de/"),
            Some("https://termine.example.de")
        );
        assert_eq!(origin_of("http://a:8080"), Some("http://a:8080"));
        assert_eq!(origin_of(""), None);
    }
}
