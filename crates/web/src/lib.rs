//! The HTTP face of Minsheng: the JSON API with its OpenAPI document, authentication, the
//! operations endpoints, and the middleware that gives every request an id, a size limit, a
//! metric and a problem+json error in the caller's language. Business rules live in the domain
//! crate and storage in the store crate; handlers only connect them.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod documents;
pub mod extract;
pub mod lang;
pub mod merge;
pub mod ops;
pub mod problem;
pub mod scheduler;
pub mod search;
pub mod similar;
pub mod state;
pub mod ui;
pub mod warnings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use bootstrap::{FirstAdmin, bootstrap};
pub use state::{AppState, Settings};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit;
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(|| async { problem::ApiError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), ops::track))
        // Inside `localize`, so that even a panic is answered as a problem document.
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(problem::localize))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn(ui::security::headers))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
