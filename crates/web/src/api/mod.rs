//! The JSON API under `/api/v1`, its OpenAPI document, and the embedded Swagger UI at
//! `/api/docs`.

pub mod calendar;
pub mod letters;
pub mod matters;
pub mod mediation;
pub mod org;
pub mod session;
pub mod similar;
pub mod views;
pub mod warnings;

use crate::problem::{FieldProblem, Problem};
use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minsheng (民声) API",
        description = "Case management for social governance centres. JSON in snake_case; errors are application/problem+json in the caller's language (Accept-Language: zh-CN by default, en).",
        version = "1"
    ),
    paths(
        session::issue, session::revoke,
        matters::create, matters::list, matters::get, matters::run_command, matters::timeline, matters::reveal,
        letters::list, letters::pdf, similar::of_matter, similar::of_draft,
        mediation::mediators, mediation::register_xlsx, mediation::summary, mediation::put_specialities,
        mediation::put_committee_field,
        org::units, org::create_unit, org::users, org::create_user, org::me, org::categories,
        calendar::deadline, calendar::year, calendar::put_year, calendar::policies, calendar::put_policies,
        calendar::policy_changes,
        warnings::list, warnings::get, warnings::clusters, warnings::get_rules, warnings::put_rules,
        warnings::preview,
    ),
    components(schemas(Problem, FieldProblem)),
    modifiers(&BearerAuth),
    tags(
        (name = "matters", description = "事项: intake, handling, history"),
        (name = "organisation", description = "组织: units, users, categories"),
        (name = "auth", description = "Tokens"),
        (name = "mediation", description = "人民调解: mediators, registers, monthly counts"),
        (name = "warnings", description = "三色预警: warnings, clusters, rules"),
        (name = "calendar", description = "工作日历与办理时限: working days, holiday notices, time-limit policies"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(session::issue).delete(session::revoke))
        .route("/api/v1/matters", post(matters::create).get(matters::list))
        .route("/api/v1/matters/similar", post(similar::of_draft))
        .route("/api/v1/matters/{id}", get(matters::get))
        .route("/api/v1/matters/{id}/similar", get(similar::of_matter))
        .route("/api/v1/matters/{id}/commands", post(matters::run_command))
        .route("/api/v1/matters/{id}/timeline", get(matters::timeline))
        .route("/api/v1/matters/{id}/reveal", post(matters::reveal))
        .route("/api/v1/matters/{id}/letters", get(letters::list))
        .route("/api/v1/matters/{id}/letters/{file}", get(letters::pdf))
        .route("/api/v1/warnings", get(warnings::list))
        .route("/api/v1/warnings/clusters", get(warnings::clusters))
        .route("/api/v1/warnings/rules", get(warnings::get_rules).put(warnings::put_rules))
        .route("/api/v1/warnings/rules/preview", post(warnings::preview))
        .route("/api/v1/warnings/{id}", get(warnings::get))
        .route("/api/v1/mediation/mediators", get(mediation::mediators))
        .route("/api/v1/mediation/registers/{file}", get(mediation::register_xlsx))
        .route("/api/v1/mediation/summary", get(mediation::summary))
        .route(
            "/api/v1/mediation/mediators/{id}/specialities",
            axum::routing::put(mediation::put_specialities),
        )
        .route("/api/v1/mediation/committees/{id}/field", axum::routing::put(mediation::put_committee_field))
        .route("/api/v1/units", get(org::units).post(org::create_unit))
        .route("/api/v1/users", get(org::users).post(org::create_user))
        .route("/api/v1/me", get(org::me))
        .route("/api/v1/categories", get(org::categories))
        .route("/api/v1/calendar/deadline", get(calendar::deadline))
        .route("/api/v1/calendar/{year}", get(calendar::year).put(calendar::put_year))
        .route("/api/v1/policies", get(calendar::policies).put(calendar::put_policies))
        .route("/api/v1/policies/changes", get(calendar::policy_changes))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route(
            "/api/docs",
            get(|| asset("text/html; charset=utf-8", include_bytes!("../../assets/swagger-ui/index.html"))),
        )
        .route(
            "/api/docs/init.js",
            get(|| asset("text/javascript", include_bytes!("../../assets/swagger-ui/init.js"))),
        )
        .route(
            "/api/docs/swagger-ui-bundle.js",
            get(|| asset("text/javascript", include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js"))),
        )
        .route(
            "/api/docs/swagger-ui.css",
            get(|| asset("text/css", include_bytes!("../../assets/swagger-ui/swagger-ui.css"))),
        )
}

async fn openapi_json() -> impl IntoResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}

async fn asset(content_type: &'static str, bytes: &'static [u8]) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], bytes)
}
