//! Files attached at intake: photos and documents, checked for size and type (by their first
//! bytes, not only by what the browser claims), stored on disk content-addressed by SHA-256
//! and fsynced before the matter that names them is recorded; served back only to those who
//! may see the matter.

use super::error::UiError;
use super::session::Staff;
use crate::problem::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minsheng_domain::matter::Attachment;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

/// The most files one intake may carry.
pub const MAX_FILES: usize = 10;
/// The largest single file.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The largest intake request with its files.
pub const MAX_REQUEST_BYTES: usize = 25 * 1024 * 1024;

/// Why an uploaded file was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooMany,
    TooLarge,
    WrongType,
}

/// Every media type [`sniff`] can answer.
const ALLOWED: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
    "text/plain; charset=utf-8",
];

/// The media type of `bytes` if it is one we accept: JPEG, PNG, WebP, PDF, Office (zip-based or
/// legacy) documents, or plain UTF-8 text.
pub fn sniff(bytes: &[u8], claimed_name: &str) -> Option<&'static str> {
    let ext = claimed_name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[b'P', b'K', 3, 4]) {
        match ext.as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => None,
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        match ext.as_str() {
            "doc" => Some("application/msword"),
            "xls" => Some("application/vnd.ms-excel"),
            _ => None,
        }
    } else if ext == "txt" && std::str::from_utf8(bytes).is_ok() {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn path_of(state: &AppState, sha256: &str) -> PathBuf {
    state.settings.attachments_dir.join(&sha256[..2]).join(sha256)
}

/// Checks a file and stores it durably; returns its metadata.
pub async fn store(state: &AppState, name: &str, bytes: Vec<u8>) -> Result<Attachment, Refusal> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    let media_type = sniff(&bytes, name).ok_or(Refusal::WrongType)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let target = path_of(state, &sha256);
    let size_bytes = bytes.len() as u64;
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if target.exists() {
            return Ok(());
        }
        let dir = target.parent().map(PathBuf::from).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        // A name no other upload (on this node or another sharing the directory) can pick.
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = dir.join(format!(".{}.part", hex(&nonce)));
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        // The same content may have arrived meanwhile: then keep it and drop ours.
        if target.exists() {
            return std::fs::remove_file(&tmp);
        }
        std::fs::rename(&tmp, &target)?;
        std::fs::File::open(&dir)?.sync_all()
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        other => {
            tracing::error!(?other, "an attachment could not be stored");
            return Err(Refusal::WrongType);
        }
    }
    let name: String =
        name.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\')).take(200).collect();
    Ok(Attachment { name, media_type: media_type.into(), size_bytes, sha256: Some(sha256) })
}

/// Serves an attachment of a matter the user may see.
pub async fn serve(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let tr = staff.tr;
    let found = async {
        let id = crate::api::matters::matter_id(&id)?;
        let matter = crate::api::matters::load(&state, &staff.caller, id).await?;
        matter
            .registration
            .attachments
            .iter()
            .find(|a| a.sha256.as_deref() == Some(sha.as_str()))
            .cloned()
            .ok_or(ApiError::NotFound)
    };
    let attachment = match found.await {
        Ok(a) => a,
        Err(e) => return UiError::new(tr, e).into_response(),
    };
    let Some(sha) =
        attachment.sha256.as_deref().filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return UiError::not_found(tr).into_response();
    };
    let path = path_of(&state, sha);
    let bytes = match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(b)) => b,
        _ => return UiError::not_found(tr).into_response(),
    };
    // Only the types sniff() gives are served as themselves; anything else recorded for the
    // file is served as an opaque download, and nothing is ever run on this site.
    let media_type =
        ALLOWED.iter().find(|t| **t == attachment.media_type).copied().unwrap_or("application/octet-stream");
    let inline = media_type.starts_with("image/") || media_type == "application/pdf";
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        super::session::urlencode(&attachment.name)
    );
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_owned(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn knows_files_by_their_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], "x.jpg"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "photo.png"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7 ...", "a.pdf"), Some("application/pdf"));
        assert_eq!(sniff(b"PK\x03\x04....", "a.docx").map(|m| m.contains("wordprocessingml")), Some(true));
        assert_eq!(sniff(b"PK\x03\x04....", "a.zip"), None);
        assert_eq!(sniff("现场情况说明".as_bytes(), "说明.txt"), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff(b"MZ\x90\x00", "virus.jpg"), None, "a program named .jpg is refused");
        assert_eq!(sniff(b"<html>", "page.html"), None);
    }
}
