//! `/api/v1/matters/{id}/letters`: the letters a matter has (受理告知书, 不予受理告知书,
//! 延期告知书, 处理意见书) and each as a PDF. Issuing one is recorded on the matter.

use super::matters::matter_id;
use crate::auth::Caller;
use crate::documents::{self, DocKind};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minsheng_domain::Matter;
use minsheng_store::Scope;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterView {
    /// `acceptance`, `non_acceptance`, `extension` or `opinion`.
    pub kind: &'static str,
    pub title: &'static str,
    /// Where the PDF is.
    pub pdf: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LetterList {
    pub items: Vec<LetterView>,
}

/// The letters the matter's handling has produced so far.
#[utoipa::path(
    get, path = "/api/v1/matters/{id}/letters", tag = "matters",
    responses((status = 200, body = LetterList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LetterList>, ApiError> {
    let id = matter_id(&id)?;
    let scope: &Scope = &caller.scope;
    let events = state.store.events(scope, id).await?.ok_or(ApiError::NotFound)?;
    let matter = Matter::from_events(&events).ok_or(ApiError::Internal)?;
    let items = documents::available(&matter, &events)
        .into_iter()
        .map(|k| LetterView {
            kind: k.as_str(),
            title: k.title(),
            pdf: format!("/api/v1/matters/{id}/letters/{}.pdf", k.as_str()),
        })
        .collect();
    Ok(Json(LetterList { items }))
}

/// One letter as a PDF (A4, CJK font embedded).
#[utoipa::path(
    get, path = "/api/v1/matters/{id}/letters/{file}", tag = "matters",
    responses(
        (status = 200, content_type = "application/pdf", description = "the letter"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", description = "no CJK font on the server"),
    ),
    security(("bearer" = []))
)]
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = matter_id(&id)?;
    let kind = file.strip_suffix(".pdf").and_then(DocKind::parse).ok_or(ApiError::NotFound)?;
    let letter = documents::issue(&state, &caller, id, kind).await?;
    let bytes = documents::pdf(&state, letter).await?;
    let name = format!("attachment; filename=\"matter-{id}-{}.pdf\"", kind.as_str());
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)], bytes)
        .into_response())
}
