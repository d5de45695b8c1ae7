//! Friendly error pages in the user's language, for everything a page handler can fail with.

use super::i18n::Tr;
use super::pages::ErrorPage;
use crate::problem::ApiError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A failure to show as a page.
pub struct UiError {
    pub tr: Tr,
    pub status: StatusCode,
    pub message_key: &'static str,
}

impl UiError {
    pub fn new(tr: Tr, e: ApiError) -> Self {
        let (status, message_key) = match e {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "error-forbidden"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "error-internal"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        };
        Self { tr, status, message_key }
    }

    pub fn csrf(tr: Tr) -> Self {
        Self { tr, status: StatusCode::FORBIDDEN, message_key: "error-csrf" }
    }

    pub fn not_found(tr: Tr) -> Self {
        Self { tr, status: StatusCode::NOT_FOUND, message_key: "error-not-found" }
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let page = ErrorPage { tr: self.tr, message: self.tr.t(self.message_key) };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                self.status.into_response()
            }
        }
    }
}
