//! The browser client, embedded in the binary from `assets/` by build.rs.
//!
//! Only files in the generated table can be served, so a request path can
//! never reach the file system.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The bytes of an embedded file, by its path below `assets/`.
pub fn get(path: &str) -> Option<&'static [u8]> {
    ASSETS
        .binary_search_by(|(p, _)| (*p).cmp(path))
        .ok()
        .map(|i| ASSETS[i].1)
}

/// Every embedded path, sorted.
pub fn paths() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|(p, _)| *p)
}

/// The Content-Type for a file name.
pub fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "wav" => "audio/wav",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file as a response with the given status, or a plain 404.
pub fn respond(status: StatusCode, path: &str) -> Response {
    match get(path) {
        Some(bytes) => (
            status,
            [
                (header::CONTENT_TYPE, content_type(path)),
                // Revalidate on every load: a new binary must not meet an
                // old script in the browser cache.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// `GET /assets/{*path}`
pub async fn asset(Path(path): Path<String>) -> Response {
    if get(&path).is_some() {
        respond(StatusCode::OK, &path)
    } else {
        not_found_page()
    }
}

/// `GET /`
pub async fn index() -> Response {
    respond(StatusCode::OK, "index.html")
}

/// The 404 page.
pub fn not_found_page() -> Response {
    respond(StatusCode::NOT_FOUND, "not-found.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        let paths: Vec<_> = paths().collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.wav"), "audio/wav");
        assert_eq!(content_type("noextension"), "application/octet-stream");
    }

    #[test]
    fn no_path_escapes_the_table() {
        assert_eq!(get("../Cargo.toml"), None);
        assert_eq!(get("/etc/passwd"), None);
    }
}
