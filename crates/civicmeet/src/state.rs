//! What every request handler can reach. Cheap to clone.

use std::sync::Arc;

use civicmeet_store::{LinkRef, Store};

use crate::api::webhooks::DeliveryWaker;
use crate::config::Config;
use crate::staff::auth::AdminCredential;

use crate::media_task::MediaHandle;
use crate::signalling::pin_guard::PinGuard;
use crate::signalling::roster::Roster;
use crate::signalling::seats::Seats;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub roster: Arc<Roster>,
    /// The resume secrets of running sessions (seats a dropped socket can
    /// take back).
    pub seats: Arc<Seats>,
    /// Wrong-PIN counts and blocks per meeting link.
    pub pins: Arc<std::sync::Mutex<PinGuard<LinkRef>>>,
    pub media: MediaHandle,
    pub config: Arc<Config>,
    /// The base of absolute links (mails, feeds): `http.public_url`, or
    /// the bound address. No trailing slash.
    pub public_url: Arc<str>,
    /// Guards `/staff`, `/admin` and `/api/v1` until staff accounts exist.
    pub admin: Arc<AdminCredential>,
    /// Wakes the webhook delivery worker after something was queued.
    pub deliveries: DeliveryWaker,
    /// Per-address limit on the public free-slots API.
    pub slots_limiter: Arc<crate::booking::rate_limit::RateLimiter>,
    /// Booking's process-wide parts: settings, proof-of-work key, rate limit.
    pub booking: Arc<crate::booking::BookingRuntime>,
    /// Staff accounts: lockout and session settings, the login clock,
    /// the OpenID provider.
    pub accounts: Arc<crate::accounts::Accounts>,
    /// Whether the server speaks TLS itself: then responses carry HSTS and
    /// cookies are `Secure`.
    pub tls: bool,
    /// Links a host's dial-out let in (no PIN, no waiting room).
    pub pre_admitted: Arc<crate::signalling::pre_admitted::PreAdmitted>,
    /// Calls room systems for hosts; `None` when SIP or its dial-out is off.
    pub dial_out: Option<crate::sip::DialOuts>,
}
