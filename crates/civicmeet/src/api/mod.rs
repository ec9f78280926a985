//! The REST API v1 (`/api/v1`, JSON), its OpenAPI document
//! (`/api/openapi.json`), the staff .ics feed (`/feeds/staff/<token>.ics`)
//! and signed webhooks (BK-7).
//!
//! Everything under `/api/v1` needs the admin credential (HTTP Basic, see
//! [`crate::staff::auth`]) except the free slots of a service
//! (`/api/v1/services/{id}/slots`), which the citizen pages show anyway.
//! The feed is guarded by its token. Every route is listed in
//! [`PROTECTED`] or [`PUBLIC`], generated from the same table that builds
//! the router, so a test can hold the OpenAPI document against it.

pub mod appointments;
pub mod body;
pub mod error;
pub mod feed;
pub mod hours;
pub mod offices;
pub mod openapi;
pub mod services;
pub mod slots;
pub mod staff;
pub mod webhooks;

use axum::Router;

use crate::staff::auth::require_admin;
use crate::state::AppState;

/// Declares a route table: a `const` list of `(method, path)` and a
/// function building the router from the same lines.
macro_rules! route_table {
    ($list:ident, $build:ident, { $($method:ident $path:literal => $handler:path,)+ }) => {
        /// Every route of this table as `(method, path)`.
        pub const $list: &[(&str, &str)] = &[$((stringify!($method), $path),)+];

        fn $build() -> Router<AppState> {
            Router::new()$(.route($path, axum::routing::$method($handler)))+
        }
    };
}

route_table!(PROTECTED, protected_routes, {
    get "/api/v1/offices" => offices::list,
    post "/api/v1/offices" => offices::create,
    get "/api/v1/offices/{id}" => offices::get,
    put "/api/v1/offices/{id}" => offices::replace,
    post "/api/v1/offices/{id}/cancel-day" => appointments::cancel_day,
    get "/api/v1/services" => services::list,
    post "/api/v1/services" => services::create,
    get "/api/v1/services/{id}" => services::get,
    put "/api/v1/services/{id}" => services::replace,
    get "/api/v1/staff" => staff::list,
    post "/api/v1/staff" => staff::create,
    get "/api/v1/staff/{id}" => staff::get,
    put "/api/v1/staff/{id}" => staff::replace,
    post "/api/v1/staff/{id}/feed-link" => feed::create_link,
    get "/api/v1/appointments" => appointments::list,
    get "/api/v1/appointments/{id}" => appointments::get,
    post "/api/v1/appointments/{id}/cancel" => appointments::cancel,
    post "/api/v1/appointments/{id}/no-show" => appointments::no_show,
    post "/api/v1/appointments/{id}/done" => appointments::done,
    get "/api/v1/webhooks" => webhooks::routes::list,
    post "/api/v1/webhooks" => webhooks::routes::create,
    get "/api/v1/webhooks/{id}" => webhooks::routes::get,
    put "/api/v1/webhooks/{id}" => webhooks::routes::replace,
    delete "/api/v1/webhooks/{id}" => webhooks::routes::delete,
    get "/api/v1/webhook-deliveries/failed" => webhooks::routes::failed,
    post "/api/v1/webhook-deliveries/{id}/retry" => webhooks::routes::retry,
});

route_table!(PUBLIC, public_routes, {
    get "/api/openapi.json" => openapi::document,
    get "/api/v1/services/{id}/slots" => slots::list,
});

/// The API's routes, the admin-only ones behind the admin credential.
pub fn router(state: &AppState) -> Router<AppState> {
    let protected = protected_routes().route_layer(axum::middleware::from_fn_with_state(
        state.admin.clone(),
        require_admin,
    ));
    protected
        .merge(public_routes())
        .route("/feeds/staff/{file}", axum::routing::get(feed::feed))
}
