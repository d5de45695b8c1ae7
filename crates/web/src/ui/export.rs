//! Exporting the current list to XLSX. Small lists are built while the user waits; large ones
//! (5,000 rows or more) are built by a background job whose progress page refreshes itself
//! until the file is ready to download. At most one job per user and two in all run at once.
//! Jobs live in this node's memory and are forgotten ten minutes after they finish.

use super::account::{frame, render};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{Frame, china_time};
use super::session::{Staff, urlencode};
use crate::api::matters::ListParams;
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_docs::{Cell, Sheet};
use minsheng_domain::{Catalogue, OrgTree, UserId};
use minsheng_store::{MatterFilter, MatterSummary, Page, Scope, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most rows one export holds; narrower filters for more.
const EXPORT_MAX: usize = 100_000;
/// Lists at least this long are exported in the background.
const BACKGROUND_FROM: u32 = 5_000;
const RUNNING_MAX: usize = 2;
const KEEP_FOR: Duration = Duration::from_secs(600);

struct Job {
    user: UserId,
    done: usize,
    finished: Option<Instant>,
    file: Option<Result<(String, Vec<u8>), ()>>,
}

/// Export jobs of this node.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<u64, Job>>,
    next: AtomicU64,
}

impl Jobs {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<u64, Job>) -> T) -> Option<T> {
        let mut jobs = self.jobs.lock().ok()?;
        jobs.retain(|_, j| j.finished.is_none_or(|t| t.elapsed() < KEEP_FOR));
        Some(f(&mut jobs))
    }
}

/// Every page of the list, up to [`EXPORT_MAX`] rows, reporting progress as it goes.
async fn collect(
    state: &AppState,
    scope: &Scope,
    filter: &MatterFilter,
    mut progress: impl FnMut(usize),
) -> Result<Vec<MatterSummary>, StoreError> {
    let mut page = Page { before: None, limit: 500 };
    let mut items = Vec::new();
    loop {
        let p = state.store.list(scope, filter, page).await?;
        items.extend(p.items);
        progress(items.len());
        match p.next {
            Some(next) if items.len() < EXPORT_MAX => page.before = Some(next),
            _ => break,
        }
    }
    items.truncate(EXPORT_MAX);
    Ok(items)
}

/// The sheet of `items`, worded in the user's language.
fn sheet(tr: Tr, org: &OrgTree, catalogue: &Catalogue, items: &[MatterSummary]) -> Sheet {
    let header = [
        "col-id",
        "col-title",
        "col-kind",
        "col-status",
        "export-col-channel",
        "export-col-category",
        "col-place",
        "export-col-lead",
        "export-col-people",
        "export-col-amount",
        "col-registered",
        "col-deadline",
        "export-col-closed",
        "export-col-reopened",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let time = |t: Option<jiff::Timestamp>| t.map(china_time).map(Cell::Text).unwrap_or(Cell::Empty);
    let rows = items
        .iter()
        .map(|m| {
            vec![
                Cell::Int(m.id.0),
                Cell::Text(m.title.clone()),
                Cell::Text(tr.of("kind", m.kind.as_str())),
                Cell::Text(tr.of("status", m.status.as_str())),
                Cell::Text(tr.of("channel", m.channel.as_str())),
                Cell::Text(
                    catalogue.get(&m.category).map(|c| tr.category(c)).unwrap_or_else(|| m.category.clone()),
                ),
                Cell::Text(org.full_name(m.unit_id)),
                m.lead_unit_id.map(|u| Cell::Text(org.full_name(u))).unwrap_or(Cell::Empty),
                Cell::Int(m.people_involved),
                m.amount_fen.map(|f| Cell::Money(f as f64 / 100.0)).unwrap_or(Cell::Empty),
                time(Some(m.registered_at)),
                time(m.due_at),
                time(m.closed_at),
                Cell::Int(m.reopen_count),
            ]
        })
        .collect();
    Sheet { name: tr.t("export-sheet"), header, rows }
}

/// The file's name for today, and the workbook bytes.
async fn build(state: &AppState, tr: Tr, items: Vec<MatterSummary>) -> Result<(String, Vec<u8>), ()> {
    let sheet = sheet(tr, &state.org(), &state.catalogue(), &items);
    let bytes =
        tokio::task::spawn_blocking(move || sheet.to_xlsx()).await.map_err(|_| ())?.map_err(|_| ())?;
    let day: String = china_time(state.clock.now()).chars().take(10).collect();
    Ok((format!("{}-{day}.xlsx", tr.t("export-file")), bytes))
}

fn file_response(name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", urlencode(name));
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Exports the filtered list: at once when short, else through a background job.
pub async fn start(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let tr = staff.tr;
    let Ok(Query(params)) = query else { return UiError::not_found(tr).into_response() };
    let filter = match params.filter(&state) {
        Ok((filter, _)) => filter,
        Err(e) => return UiError::new(tr, e).into_response(),
    };
    let scope = staff.caller.scope.clone();
    let size = match state.store.count(&scope, &filter, BACKGROUND_FROM).await {
        Ok(n) => n,
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    if size < i64::from(BACKGROUND_FROM) {
        let items = match collect(&state, &scope, &filter, |_| {}).await {
            Ok(items) => items,
            Err(e) => return UiError::new(tr, e.into()).into_response(),
        };
        return match build(&state, tr, items).await {
            Ok((name, bytes)) => file_response(&name, bytes),
            Err(()) => UiError::new(tr, ApiError::Internal).into_response(),
        };
    }
    let user = staff.caller.user.id;
    let id = state.exports.next.fetch_add(1, Ordering::Relaxed) + 1;
    let admitted = state.exports.with(|jobs| {
        let running: Vec<(&u64, &Job)> = jobs.iter().filter(|(_, j)| j.finished.is_none()).collect();
        if let Some((mine, _)) = running.iter().find(|(_, j)| j.user == user) {
            return Err(Some(**mine));
        }
        if running.len() >= RUNNING_MAX {
            return Err(None);
        }
        jobs.insert(id, Job { user, done: 0, finished: None, file: None });
        Ok(())
    });
    match admitted {
        Some(Ok(())) => {}
        Some(Err(Some(mine))) => return Redirect::to(&format!("/matters/export/{mine}")).into_response(),
        _ => return UiError::new(tr, ApiError::Unavailable).into_response(),
    }
    let job_state = state.clone();
    tokio::spawn(async move {
        let progress = |done: usize| {
            job_state.exports.with(|jobs| {
                if let Some(j) = jobs.get_mut(&id) {
                    j.done = done;
                }
            });
        };
        let file = match collect(&job_state, &scope, &filter, progress).await {
            Ok(items) => build(&job_state, tr, items).await,
            Err(e) => {
                tracing::error!(error = %e, "export failed");
                Err(())
            }
        };
        job_state.exports.with(|jobs| {
            if let Some(j) = jobs.get_mut(&id) {
                j.file = Some(file);
                j.finished = Some(Instant::now());
            }
        });
    });
    Redirect::to(&format!("/matters/export/{id}")).into_response()
}

#[derive(Template)]
#[template(path = "export.html")]
pub struct ExportPage {
    pub frame: Frame,
    pub id: u64,
    pub done: usize,
    pub ready: bool,
    pub failed: bool,
}

/// The job's progress; refreshes itself until the file is ready.
pub async fn progress(State(state): State<AppState>, staff: Staff, Path(id): Path<u64>) -> Response {
    let user = staff.caller.user.id;
    let seen = state.exports.with(|jobs| {
        jobs.get(&id).filter(|j| j.user == user).map(|j| (j.done, j.file.as_ref().map(|f| f.is_ok())))
    });
    let Some(Some((done, file))) = seen else { return UiError::not_found(staff.tr).into_response() };
    let page = ExportPage {
        frame: frame(&staff, "/matters"),
        id,
        done,
        ready: file == Some(true),
        failed: file == Some(false),
    };
    render(staff.tr, &page)
}

/// The finished file, once.
pub async fn download(State(state): State<AppState>, staff: Staff, Path(id): Path<u64>) -> Response {
    let user = staff.caller.user.id;
    let taken = state.exports.with(|jobs| match jobs.get(&id) {
        Some(j) if j.user == user && matches!(j.file, Some(Ok(_))) => jobs.remove(&id).and_then(|j| j.file),
        _ => None,
    });
    match taken {
        Some(Some(Ok((name, bytes)))) => file_response(&name, bytes),
        _ => UiError::not_found(staff.tr).into_response(),
    }
}
