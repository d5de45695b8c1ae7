//! The letters of a matter as staff print them: a print-ready page (A4, the same words as the
//! PDF) and the PDF itself. Issuing either is recorded on the matter (see `documents::issue`).

use super::account::render;
use super::error::UiError;
use super::pages::LetterPage;
use super::session::Staff;
use crate::api::matters::matter_id;
use crate::documents::{self, DocKind};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `/matters/{id}/letters/{file}`: `opinion` is the print page, `opinion.pdf` the PDF.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let tr = staff.tr;
    let (code, as_pdf) = match file.strip_suffix(".pdf") {
        Some(code) => (code, true),
        None => (file.as_str(), false),
    };
    let made = async {
        let kind = DocKind::parse(code).ok_or(ApiError::NotFound)?;
        let id = matter_id(&id)?;
        let letter = documents::issue(&state, &staff.caller, id, kind).await?;
        if as_pdf {
            let bytes = documents::pdf(&state, letter).await?;
            let name = format!("attachment; filename=\"matter-{id}-{code}.pdf\"");
            return Ok((
                [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)],
                bytes,
            )
                .into_response());
        }
        let page = LetterPage {
            tr,
            back: format!("/matters/{id}"),
            pdf: format!("/matters/{id}/letters/{code}.pdf"),
            letter,
        };
        Ok::<_, ApiError>(render(tr, &page))
    };
    match made.await {
        Ok(r) => r,
        Err(e) => UiError::new(tr, e).into_response(),
    }
}
