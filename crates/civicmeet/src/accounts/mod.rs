//! Staff accounts (issue 4, part 1): local accounts with passwords and
//! OpenID Connect logins, the session cookie that follows a login, and
//! the pages to log in and out.
//!
//! Routes:
//! - `GET /login` (`?next=` a same-site path), `POST /login`, `POST /logout`
//! - `GET /login/oidc/start`, `GET /login/oidc/callback` (when `[oidc]`
//!   names an issuer)
//!
//! Which pages need which role is decided in `staff::auth` through
//! `access::allows`; this module only says *who* a request comes from
//! ([`session::SignedIn`]). The account admin pages live in
//! `staff::admin::accounts`.
//!
//! What it must never do: store or log a password or a session token
//! (only argon2id hashes and SHA-256 digests are stored), tell an unknown
//! login name from a wrong password, or call any server but the
//! configured OpenID provider.

pub mod clock;
pub mod lockout;
pub mod login;
pub mod next;
pub mod oidc;
pub mod password;
pub mod session;
pub mod texts;

use axum::Router;
use axum::routing::{get, post};

use crate::config::Config;
use crate::state::AppState;
pub use clock::Clock;

/// The accounts side's process-wide settings and state.
pub struct Accounts {
    pub lockout: lockout::Policy,
    /// A session ends after this many seconds without a request...
    pub idle_secs: i64,
    /// ...and this many seconds after the login in any case.
    pub max_secs: i64,
    /// "Now" for logins and sessions; tests move it forward.
    pub clock: Clock,
    /// The OpenID provider, when one is configured.
    pub oidc: Option<oidc::Provider>,
}

impl Accounts {
    pub fn new(config: &Config, public_url: &str) -> Accounts {
        let a = &config.accounts;
        Accounts {
            lockout: lockout::Policy {
                max_failures: a.lockout_failures,
                base_lock_secs: a.lockout_seconds,
                max_lock_secs: a.lockout_max_seconds,
            },
            idle_secs: i64::from(a.session_idle_minutes) * 60,
            max_secs: i64::from(a.session_max_hours) * 3600,
            clock: Clock::default(),
            oidc: config
                .oidc
                .enabled()
                .then(|| oidc::Provider::new(&config.oidc, public_url)),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/login/oidc/start", get(oidc::routes::start))
        .route("/login/oidc/callback", get(oidc::routes::callback))
}
