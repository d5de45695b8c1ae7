//! The staff interface: server-rendered pages (askama) in zh-CN or English (Fluent), with
//! sessions, CSRF-checked forms, strict security headers and embedded assets. Pages call the
//! same domain decisions and store queries as the JSON API; they hold no rules of their own.

pub mod account;
pub mod actions;
pub mod admin;
pub mod admin_clocks;
pub mod admin_mediation;
pub mod attachments;
pub mod error;
pub mod export;
pub mod i18n;
pub mod intake;
pub mod letters;
pub mod list;
pub mod matter;
pub mod mediation;
pub mod mediation_actions;
pub mod pages;
pub mod security;
pub mod session;
pub mod warnings;
pub mod workbench;

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(workbench::show))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/lang/{code}", get(account::switch_language))
        .route("/scope", get(account::switch_unit))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/matters", get(list::show))
        .route("/matters/export.xlsx", get(export::start))
        .route("/matters/export/{id}", get(export::progress))
        .route("/matters/export/{id}/file", get(export::download))
        .route("/matters/filters", post(list::save_filter))
        .route("/matters/filters/{id}/delete", post(list::delete_filter))
        .route(
            "/matters/new",
            get(intake::form)
                .post(intake::submit)
                .layer(axum::extract::DefaultBodyLimit::max(attachments::MAX_REQUEST_BYTES)),
        )
        .route("/matters/similar", post(intake::similar))
        .route("/matters/{id}/attachments/{sha}", get(attachments::serve))
        .route("/matters/{id}", get(matter::show).post(matter::act))
        .route("/matters/{id}/reveal", post(matter::reveal))
        .route("/matters/{id}/letters/{file}", get(letters::show))
        .route("/warnings", get(warnings::board))
        .route("/warnings/{id}", get(warnings::one))
        .route("/admin/warnings", get(warnings::rules_form).post(warnings::rules_post))
        .route("/mediation", get(mediation::page))
        .route("/mediation/registers/{file}", get(mediation::register_file))
        .route("/admin/mediation", get(admin_mediation::page))
        .route("/admin/mediation/committees/{id}", post(admin_mediation::save_field))
        .route("/admin/mediation/mediators/{id}", post(admin_mediation::save_mediator))
        .route("/admin/calendar", get(admin_clocks::calendar).post(admin_clocks::save_notice))
        .route("/admin/policies", get(admin_clocks::policies).post(admin_clocks::save_policies_form))
        .route("/admin/units", get(admin::units).post(admin::add_unit_form))
        .route("/admin/units/{id}", post(admin::rename_unit))
        .route("/admin/units/{id}/move", post(admin::move_unit))
        .route("/admin/users", get(admin::users).post(admin::add_user_form))
        .route("/admin/users/{id}", post(admin::update_user))
        .route("/admin/categories", get(admin::categories).post(admin::add_category))
        .route("/admin/users/{id}/units", get(admin::user_units).post(admin::save_user_units))
        .route(
            "/assets/app.css",
            get(|| asset("text/css; charset=utf-8", include_bytes!("../../assets/ui/app.css"))),
        )
        .route(
            "/assets/htmx.min.js",
            get(|| asset("text/javascript", include_bytes!("../../assets/htmx/htmx.min.js"))),
        )
}

async fn asset(content_type: &'static str, bytes: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], bytes)
}
