//! CSRF protection for POST forms: the double-submit token.
//!
//! Every page response carries a random `csrf` cookie (HttpOnly,
//! SameSite=Lax, and Secure under TLS), made once per browser by the [`context`](super::context)
//! middleware. Each form repeats the same value in a hidden field
//! ([`hidden_field`]); a POST handler calls [`verify`]. Another site can
//! make a browser send the cookie (not with SameSite=Lax on a POST, but
//! older browsers) yet cannot read it to fill the field, so a forged form
//! fails the comparison. The comparison takes constant time. Cross-site
//! requests are also refused before any handler (`http::origin`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::{Markup, html};
use subtle::ConstantTimeEq;

/// The cookie's and the hidden field's name.
pub const NAME: &str = "csrf";

/// Characters of a token: 32 random bytes in base64url without padding.
pub const TOKEN_LEN: usize = 43;

/// A fresh token; `None` if the system's random source fails.
pub fn new_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether a cookie value looks like one of our tokens (anything else is
/// replaced by a fresh one).
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether the form's field matches the browser's cookie. A missing or
/// malformed cookie never matches.
pub fn verify(cookie: Option<&str>, field: &str) -> bool {
    let Some(cookie) = cookie.filter(|c| is_well_formed(c)) else {
        return false;
    };
    field.len() == cookie.len() && bool::from(cookie.as_bytes().ct_eq(field.as_bytes()))
}

/// The hidden field every POST form must contain.
pub fn hidden_field(token: &str) -> Markup {
    html! { input type="hidden" name=(NAME) value=(token); }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_against_themselves() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert!(is_well_formed(&a));
        assert!(verify(Some(&a), &a));
        assert!(!verify(Some(&a), &b));
        assert!(!verify(None, &a));
        assert!(!verify(Some("short"), "short"));
        assert!(!verify(Some(&a), ""));
    }
}
