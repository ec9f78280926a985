//! The configured admin credential: HTTP Basic auth against
//! `admin.username` / `admin.password`. The only login of the REST API,
//! and, next to staff accounts (`guard`), the bootstrap and break-glass
//! login of the staff and admin pages.
//!
//! An empty configured password means "make one": on first start a random
//! password (128 bits, base64url) is written to `<data_dir>/admin-password`
//! (mode 0600) and printed once by `main`; later starts read the file.
//!
//! Comparison is in constant time over SHA-256 digests, so neither the
//! content nor the length of the password leaks through timing. A failed
//! attempt is logged without the name that was tried.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Config;

/// The file a generated password is kept in, below the data folder.
pub const PASSWORD_FILE: &str = "admin-password";

/// Why the credential could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read or write the admin password file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no secure random numbers available: {0}")]
    Random(getrandom::Error),
}

/// The user name and the SHA-256 of `user:password`.
#[derive(Clone)]
pub struct AdminCredential {
    username: String,
    digest: [u8; 32],
    /// Set when this start generated the password: `main` prints it once.
    generated: Option<String>,
}

impl std::fmt::Debug for AdminCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminCredential")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl AdminCredential {
    /// The configured credential, or the generated one from (or newly
    /// written to) the data folder.
    pub fn load_or_create(config: &Config) -> Result<AdminCredential, CredentialError> {
        let username = config.admin.username.clone();
        if !config.admin.password.is_empty() {
            return Ok(AdminCredential::new(username, &config.admin.password, None));
        }
        let path = config.storage.data_dir.join(PASSWORD_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {
                Ok(AdminCredential::new(username, text.trim(), None))
            }
            Ok(_) => create(&path, username),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path, username),
            Err(source) => Err(CredentialError::File { path, source }),
        }
    }

    fn new(username: String, password: &str, generated: Option<String>) -> AdminCredential {
        let digest = pair_digest(&username, password);
        AdminCredential {
            username,
            digest,
            generated,
        }
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password this start generated, if it did.
    pub fn generated_password(&self) -> Option<&str> {
        self.generated.as_deref()
    }

    /// Whether an `Authorization` header value carries this credential.
    pub fn accepts(&self, authorization: &str) -> bool {
        let Some(encoded) = authorization
            .strip_prefix("Basic ")
            .or_else(|| authorization.strip_prefix("basic "))
        else {
            return false;
        };
        let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(pair) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, password)) = pair.split_once(':') else {
            return false;
        };
        pair_digest(user, password).ct_eq(&self.digest).into()
    }
}

/// A digest of both parts, so one comparison covers both in constant time.
/// The length prefix keeps `a:b:c` splits apart.
fn pair_digest(user: &str, password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((user.len() as u64).to_be_bytes());
    hasher.update(user.as_bytes());
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

fn create(path: &Path, username: String) -> Result<AdminCredential, CredentialError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(CredentialError::Random)?;
    let password = URL_SAFE_NO_PAD.encode(bytes);
    let file_error = |source| CredentialError::File {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Only the service user may read it.
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(file_error)?;
    writeln!(file, "{password}").map_err(file_error)?;
    Ok(AdminCredential::new(
        username,
        &password,
        Some(password.clone()),
    ))
}

/// Middleware: lets the request through with the admin credential, else
/// answers 401 with a Basic challenge.
pub async fn require_admin(
    State(credential): State<Arc<AdminCredential>>,
    request: Request,
    next: Next,
) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| credential.accepts(v));
    if authorized {
        return next.run(request).await;
    }
    unauthorized(
        request.headers().contains_key(header::AUTHORIZATION),
        request.uri().path().starts_with("/api/"),
    )
}

/// 401 with a Basic challenge (JSON under `/api/`). A wrong credential is
/// logged, without the name that was tried.
pub(crate) fn unauthorized(tried: bool, json: bool) -> Response {
    if tried {
        tracing::warn!("admin login refused");
    }
    let challenge = HeaderValue::from_static("Basic realm=\"civicmeet\", charset=\"UTF-8\"");
    let mut response = if json {
        crate::api::error::ApiError::Unauthorized.into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Anmeldung erforderlich / Login required",
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(pair: &str) -> String {
        format!("Basic {}", STANDARD.encode(pair))
    }

    #[test]
    fn only_the_exact_pair_is_accepted() {
        let c = AdminCredential::new("admin".into(), "s3cret:x", None);
        assert!(c.accepts(&basic("admin:s3cret:x")));
        assert!(!c.accepts(&basic("admin:s3cret")));
        assert!(!c.accepts(&basic("admin2:s3cret:x")));
        assert!(!c.accepts(&basic("admins3cret:x")));
        assert!(!c.accepts("Bearer admin:s3cret:x"));
        assert!(!c.accepts("Basic !!!"));
    }

    #[test]
    fn a_generated_password_is_kept_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::default();
        config.storage.data_dir = dir.path().to_path_buf();
        let first = AdminCredential::load_or_create(&config).expect("created");
        let password = first.generated_password().expect("generated").to_string();
        assert!(password.len() >= 22);
        let second = AdminCredential::load_or_create(&config).expect("read back");
        assert_eq!(second.generated_password(), None);
        assert!(second.accepts(&basic(&format!("admin:{password}"))));
    }
}
