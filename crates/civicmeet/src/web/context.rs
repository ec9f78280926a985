//! What every page needs to know about its request: the language, the
//! CSRF token, and the path (for the language switch). One middleware,
//! [`attach`], works it out before the handler and sets the cookies and
//! renders [`PageError`]s after it.
//!
//! Language: `?lang=de|en` (then remembered in the `lang` cookie), else
//! the `lang` cookie, else `Accept-Language`, else German.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::csrf;
use super::error::PageError;
use super::i18n::Lang;
use super::layout;
use crate::state::AppState;

/// The `lang` cookie lives a year.
const LANG_COOKIE_MAX_AGE: u32 = 365 * 24 * 3600;

/// The request as a page sees it. Extract it in a handler (it is put there
/// by [`attach`]; without the middleware the extractor fails with 500).
#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Lang,
    /// The value for [`csrf::hidden_field`].
    pub csrf: String,
    /// The request path, without the query.
    pub path: String,
    /// The query without any `lang=` parameter ("" if none).
    pub query: String,
    /// The `csrf` cookie as the browser sent it, for [`PageContext::csrf_ok`].
    sent_csrf: Option<String>,
}

impl PageContext {
    /// Whether a POSTed form's CSRF field matches the browser's cookie.
    pub fn csrf_ok(&self, field: &str) -> bool {
        csrf::verify(self.sent_csrf.as_deref(), field)
    }

    /// Fails with [`PageError::Csrf`] unless the field matches the cookie.
    pub fn check_csrf(&self, field: &str) -> Result<(), PageError> {
        if self.csrf_ok(field) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }

    /// This page in the other language: the link of the switch.
    pub fn switch_href(&self) -> String {
        let lang = self.lang.other().code();
        if self.query.is_empty() {
            format!("{}?lang={lang}", self.path)
        } else {
            format!("{}?{}&lang={lang}", self.path, self.query)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<PageContext>()
            .cloned()
            .ok_or_else(|| PageError::Internal("page route without the context middleware".into()))
    }
}

/// The middleware: builds the [`PageContext`], runs the handler, sets the
/// `lang` and `csrf` cookies when they change, and renders a [`PageError`]
/// as a page. Assets and the JSON API pass through untouched. Under TLS
/// the cookies are `Secure`, so they never travel over plain HTTP.
pub async fn attach(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/assets/") || path.starts_with("/api/") || path == "/health" {
        return next.run(request).await;
    }
    let headers = request.headers();
    let query_lang = query_param(request.uri().query().unwrap_or_default(), "lang")
        .and_then(|v| Lang::from_code(&v));
    let cookie_lang = cookie(headers, "lang").and_then(|v| Lang::from_code(&v));
    let accept_lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language);
    let lang = query_lang
        .or(cookie_lang)
        .or(accept_lang)
        .unwrap_or_default();

    let sent_csrf = cookie(headers, csrf::NAME).filter(|t| csrf::is_well_formed(t));
    let (token, new_csrf) = match &sent_csrf {
        Some(token) => (token.clone(), false),
        None => match csrf::new_token() {
            Some(token) => (token, true),
            None => {
                tracing::error!("the system random number generator failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        },
    };
    let query = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect::<Vec<_>>()
        .join("&");
    let context = PageContext {
        lang,
        csrf: token.clone(),
        path,
        query,
        sent_csrf,
    };
    request.extensions_mut().insert(context.clone());

    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<PageError>() {
        let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
        response = (error.status(), layout::error_page(&context, &error)).into_response();
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    let headers = response.headers_mut();
    let secure = if state.tls { "; Secure" } else { "" };
    if new_csrf {
        // HttpOnly: pages carry the token in their forms, so no script
        // ever needs to read the cookie.
        add_cookie(
            headers,
            &format!(
                "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}",
                csrf::NAME
            ),
        );
    }
    if query_lang.is_some_and(|l| Some(l) != cookie_lang) {
        add_cookie(
            headers,
            &format!(
                "lang={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax{secure}",
                lang.code()
            ),
        );
    }
    response
}

fn add_cookie(headers: &mut HeaderMap, value: &str) {
    // Cookie values here are our own ASCII; a failure would be a bug, and
    // the page still works without the cookie.
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.append(header::SET_COOKIE, value);
    }
}

/// The value of the cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// The first value of a query parameter, as it is (the values we look
/// for, `de` and `en`, need no decoding).
fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lang=en; csrf=x"),
        );
        assert_eq!(cookie(&headers, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "csrf").as_deref(), Some("x"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}
