//! Where to go after logging in: the `next` parameter, accepted only as
//! a path on this site, so the login page cannot be used to send someone
//! elsewhere (an open redirect).

/// The longest `next` kept.
const MAX_LEN: usize = 512;

/// Where to go when `next` is missing or refused.
pub const DEFAULT: &str = "/staff";

/// `next` if it is a same-site absolute path (`/staff?x=1`), else `None`.
/// Refused: `//host` and `/\host` (browsers read both as another host),
/// schemes, control characters, and anything very long.
pub fn safe(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= MAX_LEN
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// `next` if safe, else [`DEFAULT`].
pub fn or_default(next: Option<&str>) -> &str {
    next.and_then(safe).unwrap_or(DEFAULT)
}

/// `/login?next=<path>` for a request to `path_and_query`.
pub fn login_url(path_and_query: &str) -> String {
    let mut url = String::from("/login?next=");
    url.extend(url::form_urlencoded::byte_serialize(
        path_and_query.as_bytes(),
    ));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths() {
        for good in ["/staff", "/admin/accounts?x=1", "/"] {
            assert_eq!(safe(good), Some(good));
        }
        for bad in [
            "",
            "staff",
            "//evil.example",
            "/\\evil.example",
            "/x\\y",
            "https://evil.example/",
            "javascript:alert(1)",
            "/x\ny",
            &format!("/{}", "a".repeat(600)),
        ] {
            assert_eq!(safe(bad), None, "{bad:?}");
        }
        assert_eq!(or_default(Some("//evil")), "/staff");
        assert_eq!(
            login_url("/admin?a=1&b=2"),
            "/login?next=%2Fadmin%3Fa%3D1%26b%3D2"
        );
    }
}
